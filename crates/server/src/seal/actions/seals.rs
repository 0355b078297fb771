//! `seals.*`: the seals made for an entity, and collecting them onto a license (R14, R16).

use yizhao_proto::action::Empty;
use yizhao_proto::authority::EntityRef;
use yizhao_proto::seal::{CollectSeal, Collectable, CollectedSeal, SealItem};
use yizhao_store::Transaction;

use crate::authority::Actor;
use crate::error::ApiError;
use crate::seal::{Seals, impressions::seal_item};

/// `seals.list`: the entity's seal-making records.
pub(super) async fn list(
    seals: &Seals,
    tx: &mut Transaction,
    actor: &Actor,
    p: EntityRef,
) -> Result<Vec<SealItem>, ApiError> {
    seals.authority.own_entity(actor, &p.uscc)?;
    Ok(tx
        .seals_of_entity(&p.uscc)
        .await?
        .iter()
        .map(seal_item)
        .collect())
}

/// `seals.collectable`: the seals the signing license may collect, and through which grants.
pub(super) async fn collectable(
    seals: &Seals,
    tx: &mut Transaction,
    actor: &Actor,
    _: Empty,
) -> Result<Vec<Collectable>, ApiError> {
    seals.collectable(tx, actor).await
}

/// `seals.collect`: collect a seal onto the signing license.
pub(super) async fn collect(
    seals: &Seals,
    tx: &mut Transaction,
    actor: &Actor,
    p: CollectSeal,
) -> Result<CollectedSeal, ApiError> {
    seals.collect(tx, actor, &p).await
}

/// `seals.mine`: the seals collected onto the signing license.
pub(super) async fn mine(
    seals: &Seals,
    tx: &mut Transaction,
    actor: &Actor,
    _: Empty,
) -> Result<Vec<CollectedSeal>, ApiError> {
    seals.mine(tx, actor).await
}

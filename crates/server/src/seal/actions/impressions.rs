//! `impressions.*`: uploading impressions and their records (R13).

use yizhao_proto::authority::EntityRef;
use yizhao_proto::seal::{ImpressionItem, ImpressionRecords, UploadImpression};
use yizhao_store::Transaction;

use crate::authority::Actor;
use crate::error::ApiError;
use crate::seal::Seals;

/// `impressions.upload`: the picture, checked, waits for review; `signature` (the envelope's)
/// is kept as the upload's signature.
pub(super) async fn upload(
    seals: &Seals,
    tx: &mut Transaction,
    actor: &Actor,
    signature: &[u8],
    p: UploadImpression,
) -> Result<ImpressionItem, ApiError> {
    seals.upload(tx, actor, signature, &p).await
}

/// `impressions.list`: the entity's upload records.
pub(super) async fn list(
    seals: &Seals,
    tx: &mut Transaction,
    actor: &Actor,
    p: EntityRef,
) -> Result<ImpressionRecords, ApiError> {
    seals.authority.own_entity(actor, &p.uscc)?;
    seals.records(tx, &p.uscc).await
}

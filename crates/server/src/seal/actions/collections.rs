//! `collections.*`: collections of seals onto licenses (R16).

use yizhao_proto::seal::{CollectionDeleted, CollectionRef};
use yizhao_store::Transaction;

use crate::authority::Actor;
use crate::error::ApiError;
use crate::seal::Seals;

/// `collections.delete`: delete a collection of the signing license (to redo it).
pub(super) async fn delete(
    seals: &Seals,
    tx: &mut Transaction,
    actor: &Actor,
    p: CollectionRef,
) -> Result<CollectionDeleted, ApiError> {
    seals.delete_collection(tx, actor, &p).await
}

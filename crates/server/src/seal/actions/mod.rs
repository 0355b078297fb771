//! The seal authority's signed actions, one module per group: [`seal_admins`] (R15),
//! [`seal_grants`] (R16), [`impressions`] (R13), [`seals`] (R14) and [`collections`] (R16).
//! [`Seals::signed_in`] checks the request and dispatches it here by the action's name.

mod collections;
mod impressions;
mod seal_admins;
mod seal_grants;
mod seals;

use yizhao_proto::action::{
    Action, CollectionsDelete, ImpressionsList, ImpressionsUpload, SealAdminsAdd, SealAdminsList,
    SealAdminsRemove, SealGrantsAdd, SealGrantsList, SealGrantsMine, SealGrantsRevoke,
    SealsCollect, SealsCollectable, SealsList, SealsMine,
};
use yizhao_proto::authority::Signed;
use yizhao_store::Transaction;

use super::Seals;
use crate::authority::Actor;
use crate::error::ApiError;
use crate::signed::{run, unknown_action};

impl Seals {
    /// Run one signed request in a transaction of its own; returns its JSON result. A refused
    /// request changes nothing (the challenge's consumption included).
    pub async fn signed(&self, s: &Signed) -> Result<serde_json::Value, ApiError> {
        let mut tx = self.db.begin().await?;
        let result = self.signed_in(&mut tx, s).await?;
        tx.commit().await?;
        Ok(result)
    }

    /// [`Seals::signed`] inside the caller's transaction, so that its effect commits (or not)
    /// together with the caller's own writes, e.g. a QR request's answer. It neither begins
    /// nor commits: on an error the caller drops the transaction to undo what was written.
    pub(crate) async fn signed_in(
        &self,
        tx: &mut Transaction,
        s: &Signed,
    ) -> Result<serde_json::Value, ApiError> {
        let actor = self.authority.verify_signed(tx, s).await?;
        self.dispatch(tx, &actor, s).await
    }

    /// The handler of `s.action`, run on its typed request.
    async fn dispatch(
        &self,
        tx: &mut Transaction,
        actor: &Actor,
        s: &Signed,
    ) -> Result<serde_json::Value, ApiError> {
        let p = s.payload.as_str();
        match s.action.as_str() {
            SealAdminsList::NAME => {
                run::<SealAdminsList>(p, async |r| seal_admins::list(self, tx, actor, r).await)
                    .await
            }
            SealAdminsAdd::NAME => {
                run::<SealAdminsAdd>(p, async |r| seal_admins::add(self, tx, actor, r).await).await
            }
            SealAdminsRemove::NAME => {
                run::<SealAdminsRemove>(p, async |r| seal_admins::remove(self, tx, actor, r).await)
                    .await
            }
            SealGrantsList::NAME => {
                run::<SealGrantsList>(p, async |r| seal_grants::list(self, tx, actor, r).await)
                    .await
            }
            SealGrantsAdd::NAME => {
                run::<SealGrantsAdd>(p, async |r| seal_grants::add(self, tx, actor, r).await).await
            }
            SealGrantsRevoke::NAME => {
                run::<SealGrantsRevoke>(p, async |r| seal_grants::revoke(self, tx, actor, r).await)
                    .await
            }
            SealGrantsMine::NAME => {
                run::<SealGrantsMine>(p, async |r| seal_grants::mine(self, tx, actor, r).await)
                    .await
            }
            ImpressionsUpload::NAME => {
                run::<ImpressionsUpload>(p, async |r| {
                    impressions::upload(self, tx, actor, &s.signature, r).await
                })
                .await
            }
            ImpressionsList::NAME => {
                run::<ImpressionsList>(p, async |r| impressions::list(self, tx, actor, r).await)
                    .await
            }
            SealsList::NAME => {
                run::<SealsList>(p, async |r| seals::list(self, tx, actor, r).await).await
            }
            SealsCollectable::NAME => {
                run::<SealsCollectable>(p, async |r| seals::collectable(self, tx, actor, r).await)
                    .await
            }
            SealsCollect::NAME => {
                run::<SealsCollect>(p, async |r| seals::collect(self, tx, actor, r).await).await
            }
            SealsMine::NAME => {
                run::<SealsMine>(p, async |r| seals::mine(self, tx, actor, r).await).await
            }
            CollectionsDelete::NAME => {
                run::<CollectionsDelete>(p, async |r| collections::delete(self, tx, actor, r).await)
                    .await
            }
            other => Err(unknown_action(other)),
        }
    }
}

/// A revocation of what is already revoked.
fn already_revoked() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::CONFLICT,
        "seal.already_revoked",
        "该授权已撤销，无需重复操作。",
    )
}

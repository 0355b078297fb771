//! The license authority's signed actions, one module per group: [`admins`] (R5) and
//! [`authorizations`] (R6, R8). [`Authority::signed`] checks the request and dispatches it here
//! by the action's name.

mod admins;
mod authorizations;

use yizhao_proto::action::{
    Action, AdminsAdd, AdminsList, AdminsRemove, AuthorizationsAdd, AuthorizationsList,
    AuthorizationsRevoke,
};
use yizhao_proto::authority::Signed;
use yizhao_store::Transaction;

use super::{Actor, Authority};
use crate::error::ApiError;
use crate::signed::{run, unknown_action};

impl Authority {
    /// Run one [`Signed`] request in a transaction of its own; returns its JSON result. A
    /// refused request (bad proof, unknown action, payload of the wrong shape, a rule) changes
    /// nothing: the transaction is dropped, the challenge's consumption with it.
    pub async fn signed(&self, s: &Signed) -> Result<serde_json::Value, ApiError> {
        let mut tx = self.db.begin().await?;
        let actor = self.verify_signed(&mut tx, s).await?;
        let result = self.dispatch(&mut tx, &actor, s).await?;
        tx.commit().await?;
        Ok(result)
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
            AdminsList::NAME => {
                run::<AdminsList>(p, async |r| admins::list(self, tx, actor, r).await).await
            }
            AdminsAdd::NAME => {
                run::<AdminsAdd>(p, async |r| admins::add(self, tx, actor, r).await).await
            }
            AdminsRemove::NAME => {
                run::<AdminsRemove>(p, async |r| admins::remove(self, tx, actor, r).await).await
            }
            AuthorizationsList::NAME => {
                run::<AuthorizationsList>(p, async |r| {
                    authorizations::list(self, tx, actor, r).await
                })
                .await
            }
            AuthorizationsAdd::NAME => {
                run::<AuthorizationsAdd>(p, async |r| authorizations::add(self, tx, actor, r).await)
                    .await
            }
            AuthorizationsRevoke::NAME => {
                run::<AuthorizationsRevoke>(p, async |r| {
                    authorizations::revoke(self, tx, actor, r).await
                })
                .await
            }
            other => Err(unknown_action(other)),
        }
    }
}

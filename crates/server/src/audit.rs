//! Writing a service's audit record: one place for the shape every service uses (a JSON
//! detail), inside the transaction that makes the change.

use yizhao_store::{AuditEntry, Database, Transaction};

use crate::error::ApiError;

/// Appends `actor` did `action` on `entity` at `at`, with `detail`, to the audit log in `tx`.
pub(crate) async fn record(
    db: &Database,
    tx: &mut Transaction,
    at: i64,
    (actor, action, entity): (&str, &str, &str),
    detail: &serde_json::Value,
) -> Result<(), ApiError> {
    db.append_audit(
        tx,
        AuditEntry {
            at,
            actor: actor.into(),
            action: action.into(),
            entity: entity.into(),
            detail: detail.to_string(),
        },
    )
    .await?;
    Ok(())
}

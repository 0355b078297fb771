//! Integration tests of yizhao-store. Every storage test runs against SQLite and PostgreSQL,
//! each in a fresh database (see `yizhao-testkit`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod audit;
mod backoffice;
mod members;
mod qr;
mod seals;
mod statements;
mod sweep;

pub use yizhao_testkit::{TestDb, on_both};

/// Drops the triggers that make the audit log append-only, as an attacker with database
/// access would, so that the hash chain is the only guard left.
pub async fn drop_append_only_guards(t: &TestDb) {
    t.exec(
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
        "DROP TRIGGER audit_log_no_change ON audit_log;",
    )
    .await;
}

//! yizhao's storage: one [`Database`] over SQLite (embedded default, through rusqlite, each
//! statement run in the calling task) or PostgreSQL (scale, through sqlx), its migrations, and
//! the SM3-chained append-only audit log (SYSTEM.md §6).
//!
//! SQLite statements block the calling thread for as long as they run: microseconds for the
//! store's statements, up to the busy timeout (5 s) only when another process holds the file's
//! write lock (an admin command run beside the server, say).
//!
//! Time never comes from the clock here: callers pass it in.

mod audit;
mod authority;
mod backoffice;
mod db;
mod error;
mod members;
mod notify;
mod qr;
mod seals;
mod sql;
mod sweep;

pub use audit::{AuditEntry, AuditRecord, AuditVerdict, GENESIS_PREV_HASH, audit_hash};
pub use authority::{EnterpriseRow, GrantRow, LicenseRow, OutboxRow, RealNameRow, RelyingPartyRow};
pub use backoffice::{BackOfficeSessionRow, BackOfficeUserRow};
pub use db::{Backend, Database, LitePool, Transaction};
pub use error::{Result, StoreError};
pub use members::{MemberRow, MemberSessionRow};
pub use notify::{Listener, QR_CHANNEL};
pub use qr::QrRow;
pub use seals::{
    ImpressionRow, RevokedSealMakerRow, SealAdminRow, SealCollectionRow, SealRow, SealUseGrantRow,
};

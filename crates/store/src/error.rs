//! The one error type of the store.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be reached, or refused or failed a statement.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// SQLite refused or failed a statement.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A statement of the store is malformed (a bug, not bad input).
    #[error("statement error: {0}")]
    Statement(String),
    /// The database was closed.
    #[error("the database is closed")]
    Closed,
    /// The schema migrations could not be applied.
    #[error("migration error: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The connection URL names no supported backend (only `sqlite:` and `postgres:` are).
    #[error("unsupported database URL scheme {scheme:?}: expected sqlite: or postgres:")]
    UnsupportedUrl {
        /// The scheme found (never the whole URL, which may hold a password).
        scheme: String,
    },
    /// A stored value is outside the range the store writes, so the row cannot be read.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// An operation that needs a transaction was asked of a single-statement write
    /// ([`crate::Database::begin_one`]).
    #[error("{0} needs a transaction, not a single-statement write")]
    NeedsTransaction(&'static str),
}

impl StoreError {
    /// A stable code for this error, for logs and for messages shown to people.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Database(_) | Self::Sqlite(_) | Self::Statement(_) | Self::Closed => {
                "store.database"
            }
            Self::Migration(_) => "store.migration",
            Self::UnsupportedUrl { .. } => "store.unsupported_url",
            Self::Corrupt(_) => "store.corrupt",
            Self::NeedsTransaction(_) => "store.needs_transaction",
        }
    }
}

/// The store's result type.
pub type Result<T, E = StoreError> = core::result::Result<T, E>;

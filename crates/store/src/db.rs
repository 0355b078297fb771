//! The database handle over either backend, its connection setup and its transactions.

use std::path::Path;
use std::str::FromStr as _;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use sqlx::{Postgres, Sqlite};

use crate::error::{Result, StoreError};

/// How long a SQLite connection waits for another writer's lock before it gives up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The migrations of each backend, embedded at build time (no database needed to build).
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The connection pool of one backend.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Backend {
    /// SQLite, the embedded default: one file in the data folder.
    Sqlite(SqlitePool),
    /// PostgreSQL, for several replicas behind a load balancer.
    Postgres(PgPool),
}

/// The store's database: a migrated connection pool over SQLite or PostgreSQL.
#[derive(Debug, Clone)]
pub struct Database {
    backend: Backend,
    /// SQLite allows one writer at a time. Writers queue here, in the process, instead of in
    /// SQLite's busy handler, which sleeps in growing steps and lets throughput fall as clients
    /// are added. (PostgreSQL needs no such queue.)
    writer: Arc<tokio::sync::Mutex<WriterState>>,
}

/// What the writer that holds the SQLite turn may know without asking the database.
#[derive(Debug, Default)]
pub(crate) struct WriterState {
    /// The audit log's last (seq, hash) as of the last commit by this process, so an append
    /// needs no read. Cleared while a transaction that appends is open, and set again only when
    /// it commits; another process writing the same file makes the next append fail on the
    /// primary key, once, and the transaction's drop leaves the cache empty.
    pub(crate) audit_tail: Option<(u64, String)>,
}

impl Database {
    /// Connects to `url` (`sqlite://PATH?mode=rwc` or `postgres://…`) and applies the migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let scheme = url.split_once(':').map_or("", |(scheme, _)| scheme);
        match scheme {
            "sqlite" => Self::open_sqlite(SqliteConnectOptions::from_str(url)?).await,
            "postgres" | "postgresql" => {
                let pool = PgPoolOptions::new().connect(url).await?;
                POSTGRES_MIGRATIONS.run(&pool).await?;
                Ok(Self {
                    backend: Backend::Postgres(pool),
                    writer: Arc::default(),
                })
            }
            other => Err(StoreError::UnsupportedUrl {
                scheme: other.to_owned(),
            }),
        }
    }

    /// Opens (creating it if missing) the SQLite database file at `path` and applies the
    /// migrations.
    pub async fn sqlite_file(path: impl AsRef<Path>) -> Result<Self> {
        let options = SqliteConnectOptions::new()
            .filename(path.as_ref())
            .create_if_missing(true);
        Self::open_sqlite(options).await
    }

    async fn open_sqlite(options: SqliteConnectOptions) -> Result<Self> {
        // WAL with synchronous=NORMAL: a commit does not wait for fsync (checkpoints do), so an
        // application crash loses nothing and the file is never corrupted; a power loss may undo
        // the last commits before the next checkpoint. Every license so lost is one the wallet
        // can download again; the audit chain stays whole because it loses only a suffix.
        let options = options
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(SQLITE_BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new().connect_with(options).await?;
        SQLITE_MIGRATIONS.run(&pool).await?;
        Ok(Self {
            backend: Backend::Sqlite(pool),
            writer: Arc::default(),
        })
    }

    /// The backend and its pool, for code that needs backend-specific SQL.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Begins a write transaction; dropping it without [`Transaction::commit`] rolls it back.
    ///
    /// On SQLite the transaction starts with `BEGIN IMMEDIATE`, so it holds the write lock from
    /// the start and two writers can never read the same state and both build on it.
    pub async fn begin(&self) -> Result<Transaction> {
        let (inner, writer) = match &self.backend {
            Backend::Sqlite(pool) => {
                let turn = self.writer.clone().lock_owned().await;
                (
                    TxInner::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
                    Some(turn),
                )
            }
            Backend::Postgres(pool) => (TxInner::Postgres(pool.begin().await?), None),
        };
        Ok(Transaction {
            inner,
            writer,
            pending_audit_tail: None,
        })
    }

    /// A write of exactly one statement, which commits by itself: no `BEGIN`/`COMMIT` round
    /// trips, so on SQLite this process's writer turn is held for the one statement only (what
    /// limits the rate of small writes such as QR requests). Use it for a single statement: a
    /// second statement on it is a second, separate commit. [`Transaction::commit`] on it does
    /// nothing and dropping it rolls nothing back.
    pub async fn begin_one(&self) -> Result<Transaction> {
        let (inner, writer) = match &self.backend {
            Backend::Sqlite(pool) => {
                let turn = self.writer.clone().lock_owned().await;
                (TxInner::SqliteOne(pool.acquire().await?), Some(turn))
            }
            Backend::Postgres(pool) => (TxInner::PostgresOne(pool.acquire().await?), None),
        };
        Ok(Transaction {
            inner,
            writer,
            pending_audit_tail: None,
        })
    }

    /// A pooled connection in autocommit mode, outside the writer turn, for reads.
    pub(crate) async fn connection(&self) -> Result<Transaction> {
        let inner = match &self.backend {
            Backend::Sqlite(pool) => TxInner::SqliteOne(pool.acquire().await?),
            Backend::Postgres(pool) => TxInner::PostgresOne(pool.acquire().await?),
        };
        Ok(Transaction {
            inner,
            writer: None,
            pending_audit_tail: None,
        })
    }

    /// Begins a plain transaction (no write lock up front on SQLite), for reads.
    pub(crate) async fn begin_deferred(&self) -> Result<Transaction> {
        let inner = match &self.backend {
            Backend::Sqlite(pool) => TxInner::Sqlite(pool.begin().await?),
            Backend::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Transaction {
            inner,
            writer: None,
            pending_audit_tail: None,
        })
    }

    /// Closes every connection of the pool and waits until they are closed.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(pool) => pool.close().await,
            Backend::Postgres(pool) => pool.close().await,
        }
    }
}

/// A transaction on either backend; dropping it without [`Transaction::commit`] rolls it back.
#[derive(Debug)]
pub struct Transaction {
    pub(crate) inner: TxInner,
    /// On SQLite, this process's writer turn, held until commit or rollback.
    pub(crate) writer: Option<tokio::sync::OwnedMutexGuard<WriterState>>,
    /// The audit tail this transaction made, published to the writer state on commit.
    pub(crate) pending_audit_tail: Option<(u64, String)>,
}

/// The sqlx transaction of one backend.
#[derive(Debug)]
pub(crate) enum TxInner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
    /// A connection in autocommit mode, for [`Database::begin_one`].
    SqliteOne(sqlx::pool::PoolConnection<Sqlite>),
    /// A connection in autocommit mode, for [`Database::begin_one`].
    PostgresOne(sqlx::pool::PoolConnection<Postgres>),
}

impl Transaction {
    /// Commits every change made in this transaction.
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.commit().await?,
            TxInner::Postgres(tx) => tx.commit().await?,
            TxInner::SqliteOne(_) | TxInner::PostgresOne(_) => {}
        }
        if let (Some(mut writer), Some(tail)) = (self.writer, self.pending_audit_tail) {
            writer.audit_tail = Some(tail);
        }
        Ok(())
    }

    /// Rolls back every change made in this transaction (as dropping it does, but waits).
    pub async fn rollback(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(tx) => tx.rollback().await?,
            TxInner::Postgres(tx) => tx.rollback().await?,
            TxInner::SqliteOne(_) | TxInner::PostgresOne(_) => {}
        }
        Ok(())
    }
}

/// Run `$body` with `$c` bound to the connection of either backend's transaction. The SQL is
/// written once: `$1, $2…` placeholders in order of first use work on both.
macro_rules! on {
    ($tx:expr, $c:ident => $body:expr) => {
        match &mut $tx.inner {
            TxInner::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            TxInner::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
            TxInner::SqliteOne(t) => {
                let $c = &mut **t;
                $body
            }
            TxInner::PostgresOne(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on;

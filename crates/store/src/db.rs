//! The database handle over either backend, its connection setup and its transactions.

use std::path::{Path, PathBuf};
use std::str::FromStr as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::Postgres;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

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
    Sqlite(LitePool),
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
    /// Units of work handed out (transactions, single statements, read connections): what a
    /// test counts to show that something costs no query.
    units: Arc<std::sync::atomic::AtomicU64>,
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
                    units: Arc::default(),
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
        create_private_file(path.as_ref())?;
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
        // The migrations run through sqlx (its migration table stays as it was); the file's
        // statements then run through rusqlite (see `sql`).
        let path = options.get_filename().to_owned();
        let migrating = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await?;
        SQLITE_MIGRATIONS.run(&migrating).await?;
        migrating.close().await;
        let pool = LitePool::open(path)?;
        Ok(Self {
            backend: Backend::Sqlite(pool),
            writer: Arc::default(),
            units: Arc::default(),
        })
    }

    fn count_unit(&self) {
        self.units
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// How many units of work (transactions, single statements, read connections) this
    /// database, and its clones, handed out so far.
    pub fn units_of_work(&self) -> u64 {
        self.units.load(std::sync::atomic::Ordering::Relaxed)
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
        self.count_unit();
        let (inner, writer) = match &self.backend {
            Backend::Sqlite(pool) => {
                let turn = self.writer.clone().lock_owned().await;
                (TxInner::Lite(pool.begin("BEGIN IMMEDIATE")?), Some(turn))
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
        self.count_unit();
        let (inner, writer) = match &self.backend {
            Backend::Sqlite(pool) => {
                let turn = self.writer.clone().lock_owned().await;
                (TxInner::Lite(pool.acquire()?), Some(turn))
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
        self.count_unit();
        let inner = match &self.backend {
            Backend::Sqlite(pool) => TxInner::Lite(pool.acquire()?),
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
        self.count_unit();
        let inner = match &self.backend {
            Backend::Sqlite(pool) => TxInner::Lite(pool.begin("BEGIN")?),
            Backend::Postgres(pool) => TxInner::Postgres(pool.begin().await?),
        };
        Ok(Transaction {
            inner,
            writer: None,
            pending_audit_tail: None,
        })
    }

    /// Runs `sqlite` or `postgres`, whichever is this database's dialect; each may hold several
    /// statements (no values bound). For maintenance and tests.
    pub async fn execute_script(&self, sqlite: &str, postgres: &str) -> Result<()> {
        match &self.backend {
            Backend::Sqlite(pool) => {
                let _turn = self.writer.lock().await;
                pool.acquire()?.conn()?.execute_batch(sqlite)?;
            }
            Backend::Postgres(pool) => sqlx::raw_sql(postgres).execute(pool).await.map(drop)?,
        }
        Ok(())
    }

    /// Closes every connection of the pool and waits until they are closed.
    pub async fn close(&self) {
        match &self.backend {
            Backend::Sqlite(pool) => pool.close(),
            Backend::Postgres(pool) => pool.close().await,
        }
    }
}

/// A transaction on either backend; dropping it without [`Transaction::commit`] rolls it back.
#[derive(Debug)]
pub struct Transaction {
    // Declared first, so dropped (and rolled back) before the writer turn is let go.
    pub(crate) inner: TxInner,
    /// On SQLite, this process's writer turn, held until commit or rollback.
    pub(crate) writer: Option<tokio::sync::OwnedMutexGuard<WriterState>>,
    /// The audit tail this transaction made, published to the writer state on commit.
    pub(crate) pending_audit_tail: Option<(u64, String)>,
}

/// The connection of one backend, in a transaction or in autocommit mode.
#[derive(Debug)]
pub(crate) enum TxInner {
    /// A SQLite connection; in a transaction if [`LiteConn::in_transaction`].
    Lite(LiteConn),
    Postgres(sqlx::Transaction<'static, Postgres>),
    /// A connection in autocommit mode, for [`Database::begin_one`] and reads.
    PostgresOne(sqlx::pool::PoolConnection<Postgres>),
}

impl TxInner {
    /// Whether statements on it commit together (not each by itself).
    pub(crate) fn is_transaction(&self) -> bool {
        match self {
            Self::Lite(c) => c.in_transaction(),
            Self::Postgres(_) => true,
            Self::PostgresOne(_) => false,
        }
    }
}

impl Transaction {
    /// Commits every change made in this transaction.
    pub async fn commit(self) -> Result<()> {
        let Self {
            inner,
            writer,
            pending_audit_tail,
        } = self;
        match inner {
            TxInner::Lite(mut c) => c.end("COMMIT")?,
            TxInner::Postgres(tx) => tx.commit().await?,
            TxInner::PostgresOne(_) => {}
        }
        if let (Some(mut writer), Some(tail)) = (writer, pending_audit_tail) {
            writer.audit_tail = Some(tail);
        }
        Ok(())
    }

    /// Rolls back every change made in this transaction (as dropping it does, but waits).
    pub async fn rollback(self) -> Result<()> {
        match self.inner {
            TxInner::Lite(mut c) => c.end("ROLLBACK")?,
            TxInner::Postgres(tx) => tx.rollback().await?,
            TxInner::PostgresOne(_) => {}
        }
        Ok(())
    }
}

/// How many idle SQLite connections the pool keeps; more are opened while needed.
const LITE_IDLE: usize = 16;

/// How many prepared statements each SQLite connection keeps.
const LITE_STATEMENT_CACHE: usize = 128;

/// SQLite connections to one file, opened as needed and kept for reuse. A connection is used in
/// the task that holds it (statements run inline, see `sql`), so there is no worker thread.
#[derive(Clone)]
pub struct LitePool {
    inner: Arc<LitePoolInner>,
}

struct LitePoolInner {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
    closed: AtomicBool,
}

impl std::fmt::Debug for LitePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LitePool")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl LitePool {
    fn open(path: PathBuf) -> Result<Self> {
        let pool = Self {
            inner: Arc::new(LitePoolInner {
                path,
                idle: Mutex::new(Vec::new()),
                closed: AtomicBool::new(false),
            }),
        };
        // Fail now, not at the first statement, if the file can't be opened.
        drop(pool.acquire()?);
        let checkpointer = pool.connect()?;
        let weak = Arc::downgrade(&pool.inner);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint_loop(&checkpointer, &weak))
            .map_err(|e| {
                StoreError::Statement(format!("cannot start the checkpoint thread: {e}"))
            })?;
        Ok(pool)
    }

    fn connect(&self) -> Result<rusqlite::Connection> {
        let conn = rusqlite::Connection::open_with_flags(
            &self.inner.path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE
                | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
                | rusqlite::OpenFlags::SQLITE_OPEN_URI,
        )?;
        conn.busy_timeout(SQLITE_BUSY_TIMEOUT)?;
        // journal_mode=WAL is a property of the file, set when the migrations ran.
        // Checkpoints run on their own thread (`checkpoint_loop`), not in the commit that
        // crosses the threshold: that commit would write the pages back and wait for fsync while
        // holding the writer turn, and every other writer of the process with it. The threshold
        // stays as a backstop, ten times SQLite's default.
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 10000;",
        )?;
        conn.set_prepared_statement_cache_capacity(LITE_STATEMENT_CACHE);
        Ok(conn)
    }

    /// A connection in autocommit mode.
    pub(crate) fn acquire(&self) -> Result<LiteConn> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(StoreError::Closed);
        }
        let idle = self.inner.idle.lock().map_or(None, |mut v| v.pop());
        let conn = match idle {
            Some(c) => c,
            None => self.connect()?,
        };
        Ok(LiteConn {
            conn: Some(conn),
            pool: Some(self.inner.clone()),
            in_transaction: false,
        })
    }

    /// A connection in a transaction begun with `begin` (`BEGIN` or `BEGIN IMMEDIATE`).
    fn begin(&self, begin: &str) -> Result<LiteConn> {
        let mut c = self.acquire()?;
        c.conn()?.execute_batch(begin)?;
        c.in_transaction = true;
        Ok(c)
    }

    /// Closes the idle connections; connections in use close when let go.
    fn close(&self) {
        self.inner.closed.store(true, Ordering::Release);
        if let Ok(mut idle) = self.inner.idle.lock() {
            idle.clear();
        }
    }
}

/// How often the checkpoint thread copies the write-ahead log back into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// Copies committed pages from the write-ahead log into the database file every
/// [`CHECKPOINT_EVERY`], beside the writers (a passive checkpoint waits for nobody), until the
/// pool is closed or gone; then once more.
fn checkpoint_loop(conn: &rusqlite::Connection, pool: &std::sync::Weak<LitePoolInner>) {
    loop {
        std::thread::sleep(CHECKPOINT_EVERY);
        let open = pool
            .upgrade()
            .is_some_and(|p| !p.closed.load(Ordering::Acquire));
        // An error (a busy file, say) is left for the next round; the backstop threshold keeps
        // the log bounded meanwhile.
        let _ = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE);");
        if !open {
            return;
        }
    }
}

/// A SQLite connection taken from a [`LitePool`]; rolled back if still in a transaction and
/// given back when dropped.
pub(crate) struct LiteConn {
    conn: Option<rusqlite::Connection>,
    pool: Option<Arc<LitePoolInner>>,
    in_transaction: bool,
}

impl std::fmt::Debug for LiteConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiteConn")
            .field("in_transaction", &self.in_transaction)
            .finish_non_exhaustive()
    }
}

impl LiteConn {
    pub(crate) fn conn(&self) -> Result<&rusqlite::Connection> {
        self.conn.as_ref().ok_or(StoreError::Closed)
    }

    pub(crate) fn in_transaction(&self) -> bool {
        self.in_transaction
    }

    /// Ends the transaction with `COMMIT` or `ROLLBACK`; nothing in autocommit mode.
    fn end(&mut self, how: &str) -> Result<()> {
        if self.in_transaction {
            self.conn()?.execute_batch(how)?;
            self.in_transaction = false;
        }
        Ok(())
    }
}

impl Drop for LiteConn {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        if self.in_transaction && conn.execute_batch("ROLLBACK").is_err() {
            // A connection whose transaction could not be ended is not reused.
            return;
        }
        if let Some(pool) = &self.pool
            && !pool.closed.load(Ordering::Acquire)
            && let Ok(mut idle) = pool.idle.lock()
            && idle.len() < LITE_IDLE
        {
            idle.push(conn);
        }
    }
}

/// Creates `path` empty, readable and writable by its owner only (mode 0600 on unix), unless
/// it exists: SQLite gives its write-ahead log and shared-memory files the database file's
/// mode, so none of them is readable by other local users.
fn create_private_file(path: &Path) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Database(sqlx::Error::Io(e))),
    }
}

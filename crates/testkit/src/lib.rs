//! Test support: every storage-touching test runs against SQLite and PostgreSQL, each in a fresh
//! database. A PostgreSQL server that cannot be reached fails the test; nothing is skipped.

// Test support panics on purpose: a failed setup is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use yizhao_store::Database;

/// Where the admin connection to PostgreSQL is tried, in order, unless
/// `YIZHAO_TEST_PG_ADMIN_URL` names one (its database is used only to create and drop others).
const PG_ADMIN_URLS: [&str; 2] = [
    "postgres://postgres@127.0.0.1:5432/postgres",
    "postgres://root@127.0.0.1:5432/postgres",
];

/// A fresh, migrated database of one backend, for one test.
pub struct TestDb {
    /// The database.
    pub db: Database,
    /// "sqlite" or "postgres", for assertion messages.
    pub backend: &'static str,
}

impl TestDb {
    /// Runs `sqlite` or `postgres` (each may hold several statements) on this database.
    pub async fn exec(&self, sqlite: &str, postgres: &str) {
        self.db
            .execute_script(sqlite, postgres)
            .await
            .unwrap_or_else(|e| panic!("[{}] {e}", self.backend));
    }
}

/// Runs `test` twice: on a fresh SQLite database in a temporary folder, then on a fresh
/// PostgreSQL database that is dropped afterwards (also when the test panics).
pub async fn on_both<F, Fut>(test: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("yizhao.db").display()
    );
    let db = Database::connect(&url).await.unwrap();
    let outcome = tokio::spawn(test(TestDb {
        db: db.clone(),
        backend: "sqlite",
    }))
    .await;
    db.close().await;
    drop(dir);
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }

    let scratch = PgScratch::create().await;
    let outcome = match Database::connect(&scratch.url).await {
        Ok(db) => {
            let outcome = tokio::spawn(test(TestDb {
                db: db.clone(),
                backend: "postgres",
            }))
            .await;
            db.close().await;
            outcome.map_err(|e| e.into_panic())
        }
        Err(e) => {
            Err(Box::new(format!("[postgres] connect: {e}")) as Box<dyn std::any::Any + Send>)
        }
    };
    scratch.drop_db().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// An admin pool on the PostgreSQL server and its URL; panics if no server answers.
async fn pg_admin() -> (PgPool, String) {
    let urls: Vec<String> = match std::env::var("YIZHAO_TEST_PG_ADMIN_URL") {
        Ok(url) => vec![url],
        Err(_) => PG_ADMIN_URLS.iter().map(|u| (*u).to_owned()).collect(),
    };
    let mut errors = Vec::new();
    for url in urls {
        let options = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(5));
        match options.connect(&url).await {
            Ok(pool) => return (pool, url),
            Err(e) => errors.push(format!("{url}: {e}")),
        }
    }
    panic!(
        "the storage tests need PostgreSQL and none could be reached ({})",
        errors.join("; ")
    );
}

/// A fresh, empty PostgreSQL database for processes a test starts (they migrate it
/// themselves); dropped by [`PgScratch::drop_db`], or when it is dropped (a test that panicked
/// leaves no database behind).
pub struct PgScratch {
    /// Its URL.
    pub url: String,
    name: String,
    admin_url: String,
    admin: Option<PgPool>,
}

impl PgScratch {
    /// Creates the database; panics if no PostgreSQL server answers.
    pub async fn create() -> PgScratch {
        let (admin, admin_url) = pg_admin().await;
        let name = format!("yz_test_{}", uuid::Uuid::new_v4().simple());
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap();
        let base = admin_url.rsplit_once('/').map_or("", |(base, _)| base);
        PgScratch {
            url: format!("{base}/{name}"),
            name,
            admin_url,
            admin: Some(admin),
        }
    }

    /// Drops the database, whoever is still connected.
    pub async fn drop_db(mut self) {
        if let Some(admin) = self.admin.take() {
            drop_database(&admin, &self.name).await;
            admin.close().await;
        }
    }
}

async fn drop_database(admin: &PgPool, name: &str) {
    let drop_sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    if let Err(e) = sqlx::raw_sql(&drop_sql).execute(admin).await {
        eprintln!("could not drop test database {name}: {e}");
    }
}

impl Drop for PgScratch {
    /// Not dropped through [`PgScratch::drop_db`] (the test panicked): drop the database on a
    /// runtime of its own, since this may run outside any runtime or inside one that is
    /// unwinding.
    fn drop(&mut self) {
        if self.admin.take().is_none() {
            return;
        }
        let (name, admin_url) = (self.name.clone(), self.admin_url.clone());
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(admin) = PgPoolOptions::new()
                    .max_connections(1)
                    .connect(&admin_url)
                    .await
                {
                    drop_database(&admin, &name).await;
                    admin.close().await;
                }
            });
        });
        let _ = dropped.join();
    }
}

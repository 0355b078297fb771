//! Boot: open the database, load the services' secrets, start the services. Shared by `serve`,
//! `demo` and the operator commands.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use clap::Args;
use yizhao_gm::keystore::{KdfParams, Password};
use yizhao_server::authority::registry_row;
use yizhao_server::rng::{RandomSource, SystemRandom, random_hex};
use yizhao_server::{Authority, AuthorityConfig, Services};
use yizhao_store::Database;

use crate::system::{self, SystemClock};

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Data folder; created if missing.
    #[arg(long, value_name = "DIR", default_value = "./data")]
    pub data: PathBuf,
    /// Database URL (`sqlite://…` or `postgres://…`); default: SQLite in the data folder.
    #[arg(long, value_name = "URL", env = "YIZHAO_DATABASE_URL")]
    pub database: Option<String>,
}

/// Open the database of an existing instance, for operator commands that only inspect it: a
/// mistyped data folder must be an error, not a fresh empty database that passes every check.
pub async fn open_existing_database(args: &StoreArgs) -> anyhow::Result<Database> {
    if args.database.is_none() {
        let path = args.data.join("yizhao.db");
        anyhow::ensure!(
            path.is_file(),
            "no yizhao database at {} (check --data or --database)",
            path.display()
        );
    }
    open_database(args).await
}

/// Open (and migrate) the database these arguments name.
pub async fn open_database(args: &StoreArgs) -> anyhow::Result<Database> {
    system::create_data_folder(&args.data)?;
    match &args.database {
        Some(url) => Database::connect(url)
            .await
            .context("cannot open the database (check --database)"),
        None => {
            let path = args.data.join("yizhao.db");
            Database::sqlite_file(&path)
                .await
                .with_context(|| format!("cannot open the database {}", path.display()))
        }
    }
}

/// The password that seals the authority's keys in the database: `YIZHAO_KEY_PASSWORD`, else
/// the file `authority-key-password` in the data folder, made with random content on first use.
pub fn key_password(data: &Path) -> anyhow::Result<Password> {
    if let Ok(p) = std::env::var("YIZHAO_KEY_PASSWORD") {
        return Ok(Password::new(p));
    }
    let path = data.join("authority-key-password");
    if let Ok(p) = std::fs::read_to_string(&path) {
        return Ok(Password::new(p.trim().to_owned()));
    }
    let p = random_hex(&SystemRandom, 32);
    system::write_secret_file(&path, &p)?;
    Ok(Password::new(p))
}

/// Start every service on `db`.
pub async fn start(
    db: Database,
    data: &Path,
    demo_data: bool,
    config: AuthorityConfig,
    platform_config: yizhao_server::platform::PlatformConfig,
) -> anyhow::Result<Services> {
    let rng: Arc<dyn RandomSource> = Arc::new(SystemRandom);
    let authority = Authority::start(
        db.clone(),
        Arc::new(SystemClock),
        rng,
        &key_password(data)?,
        KdfParams::DEFAULT,
        config,
    )
    .await
    .map_err(|e| {
        anyhow::anyhow!(
            "cannot start the license authority: {} [{}]",
            e.message,
            e.code
        )
    })?;
    if demo_data {
        let rows: Vec<_> = yizhao_domain::registry::demo_registry()
            .iter()
            .map(registry_row)
            .collect();
        authority
            .import_registry(&rows, "demo-data")
            .await
            .map_err(|e| anyhow::anyhow!("cannot load the demo registry: {}", e.message))?;
        tracing::info!(registry.count = rows.len(), "demo registry loaded");
    }
    let authority = Arc::new(authority);
    let seals = yizhao_server::seal::Seals::start(
        db.clone(),
        Arc::new(SystemClock),
        Arc::new(SystemRandom),
        authority.clone(),
        &key_password(data)?,
        KdfParams::DEFAULT,
        Default::default(),
    )
    .await
    .map_err(|e| {
        anyhow::anyhow!(
            "cannot start the seal authority: {} [{}]",
            e.message,
            e.code
        )
    })?;
    let seals = Arc::new(seals);
    let platform = yizhao_server::platform::Platform::start(
        db,
        Arc::new(SystemClock),
        Arc::new(SystemRandom),
        authority.clone(),
        seals.clone(),
        &key_password(data)?,
        KdfParams::DEFAULT,
        platform_config,
    )
    .await
    .map_err(|e| {
        anyhow::anyhow!(
            "cannot start the trading platform: {} [{}]",
            e.message,
            e.code
        )
    })?;
    Ok(Services {
        authority,
        platform: Arc::new(platform),
        seals,
    })
}

/// How often the running server sweeps what has expired.
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Sweeps expired QR requests, sessions, codes and challenges now and then, for as long as the
/// process runs (a failed sweep is logged and tried again next time).
pub fn spawn_sweeper(services: &Services) {
    let services = Services {
        authority: services.authority.clone(),
        platform: services.platform.clone(),
        seals: services.seals.clone(),
    };
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SWEEP_EVERY);
        loop {
            every.tick().await;
            let now = yizhao_domain::time::Clock::now(&SystemClock).0;
            match services.sweep(now).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, "swept expired requests, sessions and codes"),
                Err(e) => tracing::warn!(code = %e.code, "sweep failed: {}", e.message),
            }
        }
    });
}

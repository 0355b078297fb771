//! `yizhao`: the one binary. `serve` runs the platform on a data folder; `demo` runs it on a
//! fresh temporary one after playing the manual's scenario; `registry`, `audit` and `admin`
//! are the operator's commands.

mod admin;
mod app;
mod demo;
mod server;
mod system;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;
use yizhao_server::platform::backoffice::BackOfficeRole;

/// yizhao: the electronic business license and the electronic seal on a public resource trading
/// platform.
#[derive(Debug, Parser)]
#[command(name = "yizhao", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the platform on a data folder until Ctrl-C or SIGTERM.
    Serve(ServeArgs),
    /// Play the manual's scenario on a fresh temporary instance, then serve it until Ctrl-C.
    Demo(DemoArgs),
    /// The phone: a wallet in a home folder (`yizhao wallet --home DIR …`).
    Wallet(yizhao_wallet::WalletCli),
    /// The license authority's enterprise registry.
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// The platform's back office: its users; the seal authority's maker.
    #[command(subcommand)]
    Admin(AdminCommand),
}

/// Operator commands on the platform's back office and the seal authority.
#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a window-staff account (网员注册窗口: registers tenderers and purchasers).
    CreateStaff(admin::CreateUserArgs),
    /// Create a reviewer account (后台审核: reviews seal impressions, R13).
    CreateReviewer(admin::CreateUserArgs),
    /// Revoke the seal maker's certificate (listed in GET /seal/api/v1/crl from then on) and
    /// make a new maker under the same root; prints both serials.
    RotateSealMaker(admin::RotateSealMakerArgs),
}

/// Operator commands on the registry.
#[derive(Debug, Subcommand)]
enum RegistryCommand {
    /// Import enterprises from a UTF-8 CSV file (columns in README); all or nothing.
    Import {
        /// The CSV file.
        file: PathBuf,
        #[command(flatten)]
        store: app::StoreArgs,
    },
}

/// Operator commands on the audit log.
#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the SM3 hash chain; report the first broken record or "intact".
    Verify {
        #[command(flatten)]
        store: app::StoreArgs,
    },
}

/// Configuration of `serve`.
#[derive(Debug, Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    store: app::StoreArgs,
    /// Load the demo registry (about 25 fictional enterprises) at start.
    #[arg(long)]
    demo_data: bool,
    /// The URL phones reach this server at, put in the QR codes (default: the host the PC
    /// browser used).
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// Serve the built-in SMS outbox at /authority/api/v1/dev/outbox (demo and tests only:
    /// anyone could read any phone's codes).
    #[arg(long)]
    dev_outbox: bool,
    /// Most license admins per entity (R5).
    #[arg(long, value_name = "N", default_value_t = yizhao_domain::authority::DEFAULT_MAX_ADMINS)]
    max_admins: usize,
    /// Seconds a QR code stays valid before it must be refreshed.
    #[arg(long, value_name = "SECS", default_value_t = yizhao_domain::qr::DEFAULT_QR_TTL_SECS,
          value_parser = clap::value_parser!(i64).range(5..=3600))]
    qr_ttl: i64,
    /// Complete a QR login without the PC user confirming the short code shown on both screens
    /// (the confirmation defends against relayed QR codes; it is on by default).
    #[arg(long)]
    no_short_code: bool,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Limits against floods and slow clients (see docs/security.md). A rate is `BURST/PER_MINUTE`:
/// that many at once, then that many a minute; per client address means per connection peer
/// (behind a reverse proxy: the proxy, as `X-Forwarded-For` is not trusted).
#[derive(Debug, Args)]
struct LimitArgs {
    /// QR requests (a login page makes one) per client address.
    #[arg(long, value_name = "RATE", default_value_t = yizhao_server::platform::DEFAULT_QR_PER_ADDRESS)]
    qr_rate_per_address: yizhao_server::limits::Rate,
    /// QR requests per browser session.
    #[arg(long, value_name = "RATE", default_value_t = yizhao_server::platform::DEFAULT_QR_PER_SESSION)]
    qr_rate_per_session: yizhao_server::limits::Rate,
    /// Proof challenges (phones ask one per signed action) per client address.
    #[arg(long, value_name = "RATE", default_value_t = yizhao_server::authority::DEFAULT_CHALLENGES_PER_ADDRESS)]
    challenge_rate_per_address: yizhao_server::limits::Rate,
    /// Seconds between two real-name SMS codes to one phone.
    #[arg(long, value_name = "SECS", default_value_t = 60,
          value_parser = clap::value_parser!(i64).range(0..=86_400))]
    sms_cooldown: i64,
    /// Most real-name SMS codes to one phone in 24 hours.
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = clap::value_parser!(i64).range(1..=10_000))]
    sms_per_day: i64,
    /// Most connections served at once (keep it below `ulimit -n` less about 100); beyond it
    /// new connections get a quick 503.
    #[arg(long, value_name = "N", default_value_t = yizhao_server::serve::DEFAULT_MAX_CONNECTIONS as u64,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: u64,
    /// Seconds a client has to send a request's head (and an idle keep-alive connection waits).
    #[arg(long, value_name = "SECS", default_value_t = yizhao_server::serve::DEFAULT_HEADER_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    header_timeout: u64,
    /// Seconds a client has to send a request's body.
    #[arg(long, value_name = "SECS", default_value_t = yizhao_server::serve::DEFAULT_BODY_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    body_timeout: u64,
    /// Wrong back-office passwords per account, within `--login-window`, before the account
    /// is locked for `--login-lock`.
    #[arg(long, value_name = "N", default_value_t = yizhao_domain::login::LoginThrottle::ACCOUNT.max_failures,
          value_parser = clap::value_parser!(i64).range(1..=1000))]
    login_failures_per_account: i64,
    /// Wrong back-office passwords per client address, within `--login-window`, before the
    /// address is locked for `--login-lock`.
    #[arg(long, value_name = "N", default_value_t = yizhao_domain::login::LoginThrottle::ADDRESS.max_failures,
          value_parser = clap::value_parser!(i64).range(1..=10_000))]
    login_failures_per_address: i64,
    /// Seconds in which wrong back-office passwords count (from the first).
    #[arg(long, value_name = "SECS", default_value_t = yizhao_domain::login::LoginThrottle::ACCOUNT.window_secs,
          value_parser = clap::value_parser!(i64).range(1..=86_400))]
    login_window: i64,
    /// Seconds a locked back-office account or address refuses every login.
    #[arg(long, value_name = "SECS", default_value_t = yizhao_domain::login::LoginThrottle::ACCOUNT.lock_secs,
          value_parser = clap::value_parser!(i64).range(1..=86_400))]
    login_lock: i64,
}

impl LimitArgs {
    fn login_limits(&self) -> yizhao_server::platform::backoffice::LoginLimits {
        let throttle = |max_failures| yizhao_domain::login::LoginThrottle {
            max_failures,
            window_secs: self.login_window,
            lock_secs: self.login_lock,
        };
        yizhao_server::platform::backoffice::LoginLimits {
            account: throttle(self.login_failures_per_account),
            address: throttle(self.login_failures_per_address),
        }
    }

    fn serve_settings(&self) -> yizhao_server::serve::ServeSettings {
        // At most a million (the parser's range): fits a usize.
        let max_connections = usize::try_from(self.max_connections).unwrap_or(usize::MAX);
        yizhao_server::serve::ServeSettings {
            max_connections,
            overflow_connections: (max_connections / 8).clamp(1, 64),
            header_timeout: std::time::Duration::from_secs(self.header_timeout),
            body_timeout: std::time::Duration::from_secs(self.body_timeout),
        }
    }
}

/// Configuration of `demo`.
#[derive(Debug, Args)]
struct DemoArgs {
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Wallet(wallet) = cli.command {
        // The wallet prints its own results and errors (and JSON with --json).
        return match tokio::runtime::Runtime::new() {
            Ok(rt) => rt.block_on(wallet.run()),
            Err(error) => {
                eprintln!("yizhao: cannot start the async runtime: {error}");
                ExitCode::FAILURE
            }
        };
    }
    init_logging();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // Reported once, here: the message and its causes on one line, without the
            // backtrace that `RUST_BACKTRACE` would add to a returned error.
            eprintln!("yizhao: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(args).await,
            Command::Demo(args) => demo::run(args.listen).await,
            Command::Wallet(_) => unreachable!("handled before logging starts"),
            Command::Registry(RegistryCommand::Import { file, store }) => {
                registry_import(&file, &store).await
            }
            Command::Audit(AuditCommand::Verify { store }) => audit_verify(&store).await,
            Command::Admin(AdminCommand::CreateStaff(args)) => {
                admin::create_user(args, BackOfficeRole::Staff).await
            }
            Command::Admin(AdminCommand::CreateReviewer(args)) => {
                admin::create_user(args, BackOfficeRole::Reviewer).await
            }
            Command::Admin(AdminCommand::RotateSealMaker(args)) => {
                admin::rotate_seal_maker(args).await
            }
        }
    })
}

/// Logs go to stderr (stdout is for the demo's story), filtered by `RUST_LOG`, `info` by default;
/// in colour only on a terminal and without `NO_COLOR`.
fn init_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour(
            std::io::IsTerminal::is_terminal(&std::io::stderr()),
            std::env::var_os("NO_COLOR"),
        ))
        .init();
}

/// Whether to write ANSI colours: on a terminal, unless `NO_COLOR` is set to anything but empty
/// (<https://no-color.org>).
fn colour(terminal: bool, no_color: Option<std::ffi::OsString>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let db = app::open_database(&args.store).await?;
    if args.dev_outbox {
        tracing::warn!("the built-in SMS outbox is readable over HTTP: for demos and tests only");
    }
    let config = yizhao_server::AuthorityConfig {
        max_admins: args.max_admins,
        expose_outbox: args.dev_outbox,
        challenges_per_address: Some(args.limits.challenge_rate_per_address),
        code_cooldown: args.limits.sms_cooldown,
        codes_per_day: args.limits.sms_per_day,
        ..Default::default()
    };
    let platform = yizhao_server::platform::PlatformConfig {
        public_url: args.public_url.clone(),
        qr: yizhao_domain::qr::QrSettings {
            ttl_secs: args.qr_ttl,
            confirm_short_code: !args.no_short_code,
            ..Default::default()
        },
        qr_per_address: Some(args.limits.qr_rate_per_address),
        qr_per_session: Some(args.limits.qr_rate_per_session),
        login: args.limits.login_limits(),
        ..Default::default()
    };
    let services = app::start(db, &args.store.data, args.demo_data, config, platform).await?;
    app::spawn_sweeper(&services);
    let listener = system::bind(args.listen).await?;
    let shutdown = system::shutdown_signal()?;
    tracing::info!(data.dir = %args.store.data.display(), "data folder ready");
    server::run(
        listener,
        yizhao_server::router(&services),
        args.limits.serve_settings(),
        shutdown,
    )
    .await
}

async fn registry_import(file: &std::path::Path, store: &app::StoreArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read {} (it must be UTF-8 CSV)", file.display()))?;
    let enterprises = match yizhao_domain::registry::parse_csv(&text) {
        Ok(e) => e,
        Err(report) => {
            anyhow::bail!(
                "{} has errors; nothing was imported:\n{report}",
                file.display()
            )
        }
    };
    let db = app::open_database(store).await?;
    let services = app::start(
        db,
        &store.data,
        false,
        Default::default(),
        Default::default(),
    )
    .await?;
    let rows: Vec<_> = enterprises
        .iter()
        .map(yizhao_server::authority::registry_row)
        .collect();
    let n = services
        .authority
        .import_registry(&rows, "operator")
        .await
        .map_err(|e| anyhow::anyhow!("import failed: {}", e.message))?;
    println!("imported {n} enterprises from {}", file.display());
    Ok(())
}

async fn audit_verify(store: &app::StoreArgs) -> anyhow::Result<()> {
    let db = app::open_existing_database(store).await?;
    match db.verify_audit().await? {
        yizhao_store::AuditVerdict::Intact { records } => {
            println!("audit log intact ({records} records)");
            Ok(())
        }
        yizhao_store::AuditVerdict::Broken { seq, reason } => {
            anyhow::bail!("audit log broken at record {seq}: {reason}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::colour;

    #[test]
    fn colours_only_on_a_terminal_without_no_color() {
        assert!(colour(true, None));
        assert!(colour(true, Some("".into())));
        assert!(!colour(true, Some("1".into())));
        assert!(!colour(false, None));
    }
}

//! `yizhao`: the one binary. `serve` runs the platform on a data folder; `demo` runs it on a
//! fresh temporary one after playing the manual's scenario.

mod demo;
mod server;
mod system;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

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
}

/// Configuration of `serve`.
#[derive(Debug, Args)]
struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Data folder; created if missing.
    #[arg(long, value_name = "DIR", default_value = "./data")]
    data: PathBuf,
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
        }
    })
}

/// Logs go to stderr (stdout is for the demo's story), filtered by `RUST_LOG`, `info` by default.
fn init_logging() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    system::create_data_folder(&args.data)?;
    let listener = system::bind(args.listen).await?;
    let shutdown = system::shutdown_signal()?;
    tracing::info!(data.dir = %args.data.display(), "data folder ready");
    server::run(listener, shutdown).await
}

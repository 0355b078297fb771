//! The system adapter: the only place that touches the operating system's sockets, signals and
//! folders on behalf of the commands.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context as _;
use tokio::net::TcpListener;

/// The clock of the real world: the one place that reads the system time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl yizhao_domain::time::Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the system adapter is where time enters
    fn now(&self) -> yizhao_domain::time::Timestamp {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        yizhao_domain::time::Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
    }
}

/// Write a secret to a new file readable by its owner only.
pub fn write_secret_file(path: &Path, content: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    f.write_all(content.as_bytes())
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Binds `addr`, naming it in the error.
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))
}

/// Creates the data folder and its parents if missing, readable by its owner only (mode
/// 0700 on unix): it holds ID numbers, phone numbers and password hashes.
pub fn create_data_folder(path: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder
        .create(path)
        .with_context(|| format!("cannot create the data folder {}", path.display()))
}

/// A future that resolves on Ctrl-C, or SIGTERM on unix.
///
/// The handlers are installed before this returns, so a signal that arrives before the future is
/// first polled is not lost.
#[cfg(unix)]
pub fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};

    let mut interrupt = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    Ok(async move {
        let name = tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        };
        tracing::info!(signal = name, "shutting down");
    })
}

/// A future that resolves on Ctrl-C.
#[cfg(not(unix))]
pub fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        match tokio::signal::ctrl_c().await {
            Ok(()) => tracing::info!(signal = "ctrl-c", "shutting down"),
            Err(error) => {
                tracing::error!(%error, "cannot handle Ctrl-C; stop the process another way");
                std::future::pending::<()>().await;
            }
        }
    })
}

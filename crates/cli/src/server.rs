//! The HTTP server: its routes and how it runs. Kept apart from the command line so tests can run
//! it in-process on a loopback listener.

use std::future::Future;

use axum::Router;
use tokio::net::TcpListener;
use yizhao_server::serve::ServeSettings;

/// Serves `router` on `listener` until `shutdown` resolves, then finishes the requests in
/// flight and returns.
pub async fn run(
    listener: TcpListener,
    router: Router,
    settings: ServeSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(listen.addr = %addr, version = yizhao_server::VERSION, "listening");
    yizhao_server::serve::serve(listener, router, settings, shutdown).await?;
    tracing::info!(listen.addr = %addr, "stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read as _, Write as _};
    use std::net::SocketAddr;

    /// A plain HTTP/1.1 GET over a std socket; returns the status code and the body.
    fn get(addr: SocketAddr, path: &str) -> (u16, String) {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response.split(' ').nth(1).unwrap().parse().unwrap();
        let body = response.split_once("\r\n\r\n").unwrap().1.to_owned();
        (status, body)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn serves_healthz_then_shuts_down_gracefully() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let dir = tempfile::tempdir().unwrap();
        let db = yizhao_store::Database::sqlite_file(dir.path().join("t.db"))
            .await
            .unwrap();
        let services = crate::app::start(
            db,
            dir.path(),
            false,
            Default::default(),
            Default::default(),
        )
        .await
        .unwrap();
        let server = tokio::spawn(run(
            listener,
            yizhao_server::router(&services),
            ServeSettings::default(),
            async {
                let _ = stopped.await;
            },
        ));

        let (status, body) = tokio::task::spawn_blocking(move || get(addr, "/healthz"))
            .await
            .unwrap();
        assert_eq!(status, 200);
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "status": "ok", "version": yizhao_server::VERSION })
        );

        let (status, _) = tokio::task::spawn_blocking(move || get(addr, "/"))
            .await
            .unwrap();
        assert_eq!(status, 303, "no session: off to the login page");
        let (status, body) = tokio::task::spawn_blocking(move || get(addr, "/login"))
            .await
            .unwrap();
        assert_eq!(status, 200);
        assert!(body.contains("电子营业执照扫码登录"));

        let (status, _) = tokio::task::spawn_blocking(move || get(addr, "/nope"))
            .await
            .unwrap();
        assert_eq!(status, 404);

        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
    }
}

//! Serving connections, with what `axum::serve` does not offer: a limit on connections with a
//! quick refusal beyond it, a header-read timeout (which also closes idle keep-alive
//! connections), a request-body timeout, and each request's peer address for the rate limits
//! ([`crate::limits::ClientAddr`]). Slow or half-sent requests must not take the server down:
//! each holds a connection (a file descriptor) only until its timeout, and past the limit new
//! connections get a short `503` (but `/healthz` still answers) instead of exhausting the
//! process's descriptors.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt as _;
use tower_http::timeout::RequestBodyTimeoutLayer;

use crate::error::ApiError;

/// Settings of the connection handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeSettings {
    /// Most connections served at once. Keep it below the process's descriptor limit
    /// (`ulimit -n`) less what the database and files need.
    pub max_connections: usize,
    /// Most connections beyond [`Self::max_connections`] that are read briefly to answer
    /// `503` (or `/healthz`); past those, new connections are closed at once.
    pub overflow_connections: usize,
    /// Time a client has to send a request's head; also how long an idle keep-alive
    /// connection is kept waiting for its next request.
    pub header_timeout: Duration,
    /// Time a client has to send a request's body, once its head has arrived.
    pub body_timeout: Duration,
}

/// Default [`ServeSettings::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// Default [`ServeSettings::header_timeout`], seconds.
pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 10;
/// Default [`ServeSettings::body_timeout`], seconds (an impression photo over a slow line).
pub const DEFAULT_BODY_TIMEOUT_SECS: u64 = 60;

impl Default for ServeSettings {
    fn default() -> Self {
        ServeSettings {
            max_connections: DEFAULT_MAX_CONNECTIONS,
            overflow_connections: 64,
            header_timeout: Duration::from_secs(DEFAULT_HEADER_TIMEOUT_SECS),
            body_timeout: Duration::from_secs(DEFAULT_BODY_TIMEOUT_SECS),
        }
    }
}

/// How long a connection beyond the limit has to send its request head.
const OVERFLOW_HEADER_TIMEOUT: Duration = Duration::from_secs(1);

/// Serves `router` on `listener` until `shutdown` resolves, then finishes the requests in
/// flight and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    settings: ServeSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(settings.max_connections));
    let overflow = Arc::new(Semaphore::new(settings.overflow_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(settings.header_timeout);
    let mut busy_http = hyper::server::conn::http1::Builder::new();
    busy_http
        .timer(TokioTimer::new())
        .header_read_timeout(OVERFLOW_HEADER_TIMEOUT)
        .keep_alive(false);
    let busy = Router::new()
        .route("/healthz", get(crate::healthz))
        .fallback(|| async { server_busy().into_response() });
    let body_timeout = RequestBodyTimeoutLayer::new(settings.body_timeout);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors, most likely: wait for some to be freed rather
                    // than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let (builder, app, permit) = match permits.clone().try_acquire_owned() {
            Ok(p) => (&http, router.clone(), p),
            Err(_) => match overflow.clone().try_acquire_owned() {
                Ok(p) => (&busy_http, busy.clone(), p),
                Err(_) => {
                    drop(stream);
                    continue;
                }
            },
        };
        let app = tower::ServiceBuilder::new()
            .layer(body_timeout.clone())
            .service(app);
        let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(req)
        });
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A connection's end (closed, timed out, reset) is the client's business.
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// `503 rate.server_busy`: every connection is taken.
fn server_busy() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "rate.server_busy",
        "服务器繁忙，请稍后再试。",
    )
}

/// The address a request came from, for tests that call a router in-process as if over a
/// connection.
pub fn with_peer<B>(mut req: Request<B>, peer: SocketAddr) -> Request<B> {
    req.extensions_mut().insert(ConnectInfo(peer));
    req
}

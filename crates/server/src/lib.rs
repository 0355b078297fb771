//! yizhao's HTTP services on axum. Each service owns its tables and is reached by the others only
//! through its Rust API; this crate is the one place where errors become HTTP responses.

mod audit;
pub mod authority;
mod cert_keys;
pub mod cookies;
pub mod error;
pub mod limits;
pub mod openapi;
pub mod pages;
pub mod platform;
pub mod rng;
pub mod same_origin;
pub mod seal;
pub mod serve;
mod signed;

use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};

pub use authority::{Authority, AuthorityConfig};
pub use error::ApiError;

/// The crate version, reported by `/healthz`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Every service of one process.
pub struct Services {
    /// The license authority.
    pub authority: Arc<Authority>,
    /// The trading platform.
    pub platform: Arc<platform::Platform>,
    /// The seal authority.
    pub seals: Arc<seal::Seals>,
}

/// How long expired QR requests, sessions, codes and challenges are kept before the sweep
/// removes them (seconds): a day, so pages can still tell "expired" from "unknown" for a while.
pub const SWEEP_GRACE_SECS: i64 = 86_400;

impl Services {
    /// Remove, in every service, what expired more than [`SWEEP_GRACE_SECS`] before `now`;
    /// how many rows went.
    pub async fn sweep(&self, now: i64) -> Result<u64, ApiError> {
        let before = now - SWEEP_GRACE_SECS;
        Ok(self.authority.sweep(before).await? + self.platform.sweep(before).await?)
    }
}

/// All routes of the server.
pub fn router(services: &Services) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/openapi.json", get(openapi::document))
        .nest(
            yizhao_proto::authority::PREFIX,
            authority::http::routes(services.authority.clone()),
        )
        .nest(
            "/platform/api/v1",
            platform::http::pc_routes(services.platform.clone()),
        )
        .nest(
            yizhao_proto::seal::PREFIX,
            seal::http::routes(services.seals.clone()),
        )
        .merge(platform::http::wallet_routes(services.platform.clone()))
        .merge(pages::routes(services))
        .fallback({
            let name = services.platform.config().name.clone();
            move |uri: axum::http::Uri| pages::not_found(uri, name)
        })
        .layer(axum::middleware::from_fn_with_state(
            same_origin::SameOrigin {
                platform_name: services.platform.config().name.clone(),
                public_url: services.platform.config().public_url.clone(),
            },
            same_origin::guard,
        ))
        .layer(axum::middleware::map_response(security_headers))
}

/// Headers every response carries: browsers don't guess content types (`nosniff`), no other
/// site may frame our pages (clickjacking), and links to elsewhere don't carry our URLs (which
/// hold QR request ids) as a referrer. A handler that set one itself keeps its own.
async fn security_headers(mut resp: axum::response::Response) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let h = resp.headers_mut();
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    resp
}

/// `GET /healthz`: the process is up and serving.
pub(crate) async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "version": VERSION }))
}

//! The platform's HTTP side of the QR protocol. PC pages: `POST /platform/api/v1/qr` (a new
//! request for this browser), `GET /platform/api/v1/qr/{id}` (its state) and
//! `POST /platform/api/v1/qr/{id}/confirm` (the short code). The wallet: `GET /qr/{id}` (the link
//! in the QR: the signed request) and `POST /qr/{id}/answer`.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use yizhao_domain::qr::QrKind;
use yizhao_proto::qr::{QrAnswer, QrConfirm, QrStatus, SignedQrRequest};

use super::Platform;
use crate::authority::http::Body;
use crate::error::ApiError;
use crate::rng::random_hex;

/// The browser-session cookie of the PC pages.
pub const SESSION_COOKIE: &str = "yz_pc";

/// The PC side, to be nested under `/platform/api/v1`.
pub fn pc_routes(platform: Arc<Platform>) -> Router {
    Router::new()
        .route("/qr", post(create))
        .route("/qr/{id}", get(status))
        .route("/qr/{id}/confirm", post(confirm))
        .with_state(platform)
}

/// The wallet side, at the root (`/qr/{id}` is the link in the QR).
pub fn wallet_routes(platform: Arc<Platform>) -> Router {
    Router::new()
        .route("/qr/{id}", get(fetch))
        .route("/qr/{id}/answer", post(answer))
        .with_state(platform)
}

type P = State<Arc<Platform>>;

/// The session id from the cookie, if the browser sent one of the right shape.
fn session(h: &HeaderMap) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn require_session(h: &HeaderMap) -> Result<String, ApiError> {
    session(h)
        .ok_or_else(|| ApiError::unauthorized("qr.wrong_session", "浏览器会话已失效，请刷新页面。"))
}

#[derive(Deserialize)]
struct CreateBody {
    #[serde(default)]
    kind: Option<String>,
}

async fn create(
    State(p): P,
    h: HeaderMap,
    Body(b): Body<CreateBody>,
) -> Result<Response, ApiError> {
    let kind = match b.kind.as_deref() {
        None => QrKind::Login,
        Some(k) => QrKind::parse(k)
            .ok_or_else(|| ApiError::bad_request("qr.kind", "未知的二维码类型。"))?,
    };
    let (sid, fresh) = match session(&h) {
        Some(s) => (s, false),
        None => (random_hex(p.rng.as_ref(), 32), true),
    };
    let status = p.create_qr(kind, &sid).await?;
    let mut resp = Json(status).into_response();
    if fresh {
        let cookie = format!("{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax");
        let value = HeaderValue::from_str(&cookie).map_err(|e| ApiError::internal(&e))?;
        resp.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(resp)
}

async fn status(
    State(p): P,
    h: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<QrStatus>, ApiError> {
    Ok(Json(p.qr_status(&id, &require_session(&h)?).await?))
}

async fn confirm(
    State(p): P,
    h: HeaderMap,
    Path(id): Path<String>,
    Body(b): Body<QrConfirm>,
) -> Result<Json<QrStatus>, ApiError> {
    Ok(Json(
        p.confirm_qr(&id, &require_session(&h)?, &b.code).await?,
    ))
}

async fn fetch(State(p): P, Path(id): Path<String>) -> Result<Json<SignedQrRequest>, ApiError> {
    Ok(Json(p.fetch_qr(&id).await?))
}

async fn answer(
    State(p): P,
    Path(id): Path<String>,
    Body(a): Body<QrAnswer>,
) -> Result<Json<QrStatus>, ApiError> {
    Ok(Json(p.answer_qr(&id, &a).await?))
}

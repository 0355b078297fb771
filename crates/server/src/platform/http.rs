//! The platform's HTTP side of the QR protocol. PC pages: `POST /platform/api/v1/qr` (a new
//! request for this browser), `GET /platform/api/v1/qr/{id}` (its state) and
//! `POST /platform/api/v1/qr/{id}/confirm` (the short code). The wallet: `GET /qr/{id}` (the link
//! in the QR: the signed request) and `POST /qr/{id}/answer`.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use yizhao_domain::qr::QrKind;
use yizhao_proto::qr::{
    QrAnswer, QrConfirm, QrCreated, QrPhase, QrStatus, SignedQrRequest, qr_link,
};

use super::Platform;
use super::members::MEMBER_COOKIE;
use crate::authority::http::Body;
use crate::cookies::{cookie_value, set_cookie};
use crate::error::ApiError;
use crate::limits::ClientAddr;
use crate::rng::random_hex;

/// The browser-session cookie of the PC pages.
pub const SESSION_COOKIE: &str = "yz_pc";

/// The PC side, to be nested under `/platform/api/v1`.
pub fn pc_routes(platform: Arc<Platform>) -> Router {
    Router::new()
        .route("/qr", post(create))
        .route("/qr/{id}", get(status))
        .route("/qr/{id}/confirm", post(confirm))
        .route("/qr/{id}/events", get(events))
        .route("/qr/{id}/qr.svg", get(qr_svg))
        .route("/qr/{id}/qr.png", get(qr_png))
        .merge(super::members::routes())
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
pub(crate) fn session(h: &HeaderMap) -> Option<String> {
    cookie_value(h, SESSION_COOKIE)
}

fn require_session(h: &HeaderMap) -> Result<String, ApiError> {
    session(h)
        .ok_or_else(|| ApiError::unauthorized("qr.wrong_session", "浏览器会话已失效，请刷新页面。"))
}

#[derive(Deserialize)]
struct CreateBody {
    #[serde(default)]
    kind: Option<String>,
    /// For `impression`: the earlier request whose upload the new one carries (the upload
    /// itself is prepared on the `/seals/impression` page).
    #[serde(default)]
    from: Option<String>,
}

async fn create(
    State(p): P,
    ClientAddr(addr): ClientAddr,
    h: HeaderMap,
    Body(b): Body<CreateBody>,
) -> Result<Response, ApiError> {
    p.admit_qr(addr, session(&h).as_deref())?;
    let base = public_base(&p, &h)?;
    let kind = match b.kind.as_deref() {
        None => QrKind::Login,
        Some(k) => QrKind::parse(k)
            .ok_or_else(|| ApiError::bad_request("qr.kind", "未知的二维码类型。"))?,
    };
    let (sid, fresh) = match session(&h) {
        Some(s) => (s, false),
        None => (random_hex(p.rng.as_ref(), 32), true),
    };
    let asked = super::CreateQr {
        session: sid.clone(),
        member: super::members::member_token(&h),
        from: b.from,
    };
    let status = p.create_qr(kind, &asked).await?;
    let link = qr_link(&base, &status.id);
    let mut resp = Json(QrCreated { status, link }).into_response();
    if fresh {
        set_cookie(&mut resp, SESSION_COOKIE, Some(&sid), p.secure_cookies())?;
    }
    Ok(resp)
}

/// The status, and once a login request has completed for this browser, its member session
/// (the `yz_member` cookie; made once per request, whichever call sees the completion first).
async fn with_member_login(
    p: &Platform,
    id: &str,
    sid: &str,
    status: QrStatus,
) -> Result<Response, ApiError> {
    let token = if status.state == QrPhase::Completed {
        p.login_member(id, sid).await?
    } else {
        None
    };
    member_response(p, status, token)
}

/// The status, with the member cookie if a member session was just opened.
fn member_response(
    p: &Platform,
    status: QrStatus,
    token: Option<String>,
) -> Result<Response, ApiError> {
    let mut resp = Json(status).into_response();
    if let Some(t) = token {
        set_cookie(&mut resp, MEMBER_COOKIE, Some(&t), p.secure_cookies())?;
    }
    Ok(resp)
}

async fn status(State(p): P, h: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    let sid = require_session(&h)?;
    let status = p.qr_status(&id, &sid).await?;
    with_member_login(&p, &id, &sid, status).await
}

async fn confirm(
    State(p): P,
    h: HeaderMap,
    Path(id): Path<String>,
    Body(b): Body<QrConfirm>,
) -> Result<Response, ApiError> {
    let sid = require_session(&h)?;
    let (status, token) = p.confirm_qr(&id, &sid, &b.code).await?;
    member_response(&p, status, token)
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

/// The base URL wallets reach this server at: the configured public URL, else the host the
/// browser used. A `Host` that no QR code can carry (a host name is at most 253 characters,
/// and its port 5 digits) or that is not a host name is refused (`request.bad_host`).
pub(crate) fn public_base(p: &Platform, h: &HeaderMap) -> Result<String, ApiError> {
    if let Some(url) = &p.config.public_url {
        return Ok(url.trim_end_matches('/').to_owned());
    }
    let Some(host) = h.get(header::HOST) else {
        return Ok("http://127.0.0.1:8080".into());
    };
    let host = host.to_str().ok().filter(|v| {
        !v.is_empty()
            && v.len() <= 260
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
    });
    match host {
        Some(host) => Ok(format!("http://{host}")),
        None => Err(ApiError::bad_request(
            "request.bad_host",
            "请求的主机名无效，请用正确的网址访问本平台。",
        )),
    }
}

/// The QR code of a request's link, as the PC page shows it.
async fn qr_code(p: &Platform, h: &HeaderMap, id: &str) -> Result<qrcode::QrCode, ApiError> {
    p.qr_status(id, &require_session(h)?).await?;
    qrcode::QrCode::with_error_correction_level(
        qr_link(&public_base(p, h)?, id),
        qrcode::EcLevel::M,
    )
    .map_err(|e| ApiError::internal(&e))
}

async fn qr_svg(State(p): P, h: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    let code = qr_code(&p, &h, &id).await?;
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .build();
    Ok(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

async fn qr_png(State(p): P, h: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    let code = qr_code(&p, &h, &id).await?;
    let img = code
        .render::<image::Luma<u8>>()
        .min_dimensions(240, 240)
        .build();
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png)
        .map_err(|e| ApiError::internal(&e))?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png.into_inner()).into_response())
}

/// Longest an event stream stays open: a request lives minutes, and a page that still waits
/// then opens another.
const EVENT_STREAM_MAX: std::time::Duration = std::time::Duration::from_secs(600);

/// Server-sent events: a `status` event now, then whenever the request's state, short code or
/// last error changes, until it is final or expired. The stream reads the request only when
/// told that it changed ([`super::notifier`]) and once at its expiry: a waiting page costs no
/// database query while nothing changes, on whichever replica the change was made. (Pages
/// also poll `GET …/qr/{id}` as a fallback.)
async fn events(State(p): P, h: HeaderMap, Path(id): Path<String>) -> Result<Response, ApiError> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use tokio::sync::broadcast::error::RecvError;
    let session = require_session(&h)?;
    // Listening before the first read, so that no change falls in between.
    let notices = p.notifier.subscribe();
    let first = p.qr_status(&id, &session).await?;
    let until = tokio::time::Instant::now() + EVENT_STREAM_MAX;
    struct Waiting {
        p: Arc<Platform>,
        id: String,
        session: String,
        notices: tokio::sync::broadcast::Receiver<super::notifier::Notice>,
        next: Option<QrStatus>,
        last: Option<QrStatus>,
    }
    let start = Waiting {
        p,
        id,
        session,
        notices,
        next: Some(first),
        last: None,
    };
    let stream = futures_util::stream::unfold(start, move |mut w| async move {
        loop {
            let current = match w.next.take() {
                Some(s) => s,
                None => {
                    if w.last.as_ref().is_some_and(|l| l.state.is_final()) {
                        return None;
                    }
                    // Wake at the request's expiry, to say so, if nothing comes first.
                    let expiry = w.last.as_ref().map_or(0, |l| l.expires_at);
                    let to_expiry = u64::try_from(expiry - w.p.now_secs()).unwrap_or(0).max(1);
                    let wake = (tokio::time::Instant::now()
                        + std::time::Duration::from_secs(to_expiry))
                    .min(until);
                    let look = tokio::select! {
                        n = w.notices.recv() => match n {
                            Ok(n) => n.concerns(&w.id),
                            Err(RecvError::Lagged(_)) => true,
                            Err(RecvError::Closed) => return None,
                        },
                        () = tokio::time::sleep_until(wake) => {
                            if tokio::time::Instant::now() >= until {
                                return None;
                            }
                            true
                        }
                    };
                    if !look {
                        continue;
                    }
                    w.p.qr_status(&w.id, &w.session).await.ok()?
                }
            };
            if w.last.as_ref() == Some(&current) {
                continue;
            }
            let event = Event::default().event("status").json_data(&current).ok()?;
            w.last = Some(current);
            return Some((Ok::<_, std::convert::Infallible>(event), w));
        }
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response())
}

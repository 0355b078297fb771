//! `yizhao wallet serve`: the phone as a small web app (WeUI pages, 375 px wide), for its owner
//! on this machine. Every page calls the same [`Wallet`] methods as the CLI; this module only
//! parses forms, keeps in-flight steps in memory and renders templates.
//!
//! - In-flight state (a checked QR request awaiting confirmation, a real-name session awaiting
//!   its SMS code) lives in memory, keyed by random tokens.
//! - Every page but 登录 needs a session opened with the device password, and every request must
//!   name the served address and come from these pages ([`session`]); every form carries a
//!   per-process CSRF token, shown only to a session.
//! - The device password is read from the form, used, and zeroized; it is never logged nor put
//!   back into a page. It is never filled in for the person, not even the default one: while
//!   the password is still the default, every page says so.

mod download;
mod forms;
mod grants;
mod pages;
mod scan;
mod seal_grants;
mod seals;
mod session;

pub use session::WebConfig;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::middleware;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Environment, Value, context};
use rand_core::Rng as _;

use crate::error::{Result, WalletError};
use crate::flows::Wallet;
use crate::qr::{IMAGE_MAX_BYTES, ScanPreview};
use crate::time::now_unix;

pub(crate) use forms::Fields;

/// At most this many in-flight steps of each kind are kept; the oldest go first.
const PENDING_MAX: usize = 64;

/// A real-name verification waiting for its SMS code.
#[derive(Debug, Clone)]
struct PendingRealname {
    session: String,
    phone_masked: String,
    expires_at: i64,
}

#[derive(Default)]
struct Pending {
    previews: HashMap<String, ScanPreview>,
    realnames: HashMap<String, PendingRealname>,
    /// The impression last previewed on 添加印模: the upload uses its photo when no file is
    /// chosen again (a browser never fills a file input back in), and only as previewed.
    impression: Option<seals::ImpressionDraft>,
}

/// The web app: one wallet, the templates, the CSRF secret, the in-flight steps.
struct WebApp {
    wallet: Wallet,
    env: Environment<'static>,
    csrf: String,
    gate: session::Gate,
    pending: Mutex<Pending>,
}

type App = Arc<WebApp>;

/// The templates, each embedded at build time.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("index.html", include_str!("../../templates/index.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("message.html", include_str!("../../templates/message.html")),
    (
        "realname.html",
        include_str!("../../templates/realname.html"),
    ),
    ("code.html", include_str!("../../templates/code.html")),
    (
        "locality.html",
        include_str!("../../templates/locality.html"),
    ),
    (
        "licenses.html",
        include_str!("../../templates/licenses.html"),
    ),
    (
        "declaration.html",
        include_str!("../../templates/declaration.html"),
    ),
    ("scan.html", include_str!("../../templates/scan.html")),
    ("confirm.html", include_str!("../../templates/confirm.html")),
    ("admins.html", include_str!("../../templates/admins.html")),
    ("seals.html", include_str!("../../templates/seals.html")),
    (
        "seal_admins.html",
        include_str!("../../templates/seal_admins.html"),
    ),
    (
        "seal_grants.html",
        include_str!("../../templates/seal_grants.html"),
    ),
    (
        "impression.html",
        include_str!("../../templates/impression.html"),
    ),
    ("agents.html", include_str!("../../templates/agents.html")),
    ("notice.html", include_str!("../../templates/notice.html")),
    (
        "password.html",
        include_str!("../../templates/password.html"),
    ),
    (
        "_license_password.html",
        include_str!("../../templates/_license_password.html"),
    ),
];

const WEUI_CSS: &str = include_str!("../../assets/weui.min.css");
const APP_CSS: &str = include_str!("../../assets/app.css");
const APP_JS: &str = include_str!("../../assets/app.js");

fn environment() -> Result<Environment<'static>> {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .map_err(|e| WalletError::Format(format!("模板 {name}: {e}")))?;
    }
    Ok(env)
}

/// A random token: 128 bits from the OS generator, hex.
fn random_token() -> String {
    let mut bytes = [0u8; 16];
    yizhao_gm::system_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The web UI over `wallet`, as a router (for tests and for [`serve`]), to be served on
/// `config.addr`.
pub fn router(wallet: Wallet, config: WebConfig) -> Result<Router> {
    let app: App = Arc::new(WebApp {
        wallet,
        env: environment()?,
        csrf: random_token(),
        gate: session::Gate::new(config),
        pending: Mutex::new(Pending::default()),
    });
    let upload = Router::new()
        .route("/scan/upload", post(scan::upload))
        // Room for the image plus the multipart framing; the image itself is checked exactly.
        .layer(DefaultBodyLimit::max(IMAGE_MAX_BYTES + 64 * 1024));
    let photo = Router::new()
        .route(
            "/seals/impression",
            get(seals::impression_form).post(seals::impression),
        )
        .layer(DefaultBodyLimit::max(seals::PHOTO_MAX_BYTES + 64 * 1024));
    Ok(Router::new()
        .route("/", get(pages::home))
        .route("/login", get(session::login_form).post(session::login))
        .route("/logout", post(session::logout))
        .route("/password", get(pages::password_form).post(pages::password))
        .route(
            "/download",
            get(download::realname_form).post(download::download),
        )
        .route("/download/realname", post(download::realname))
        .route("/download/code", post(download::code))
        .route("/download/locality", get(download::locality))
        .route("/download/licenses", get(download::licenses))
        .route("/download/declaration", get(download::declaration))
        .route("/scan", get(scan::form))
        .route("/scan/link", post(scan::link))
        .route(
            "/confirm/{token}",
            get(scan::confirm_form).post(scan::confirm),
        )
        .route("/confirm/{token}/cancel", post(scan::cancel))
        .route("/admins", get(grants::admins_page))
        .route("/admins/list", post(grants::admins_list))
        .route("/admins/add", post(grants::admins_add))
        .route("/admins/remove", post(grants::admins_remove))
        .route("/agents", get(grants::agents_page))
        .route("/agents/list", post(grants::agents_list))
        .route("/agents/authorize", post(grants::agents_authorize))
        .route("/agents/revoke", post(grants::agents_revoke))
        .route("/seals", get(seals::page))
        .route("/seals/records", post(seals::records))
        .route("/seals/mine", post(seals::my_seals))
        .route("/seals/collectable", post(seals::collectable))
        .route("/seals/collect", post(seals::collect))
        .route("/seals/delete", post(seals::delete))
        .route("/seals/export/{id}", get(seals::export))
        .route("/seals/notice", get(seals::notice))
        .route("/seals/admins", get(seal_grants::admins_page))
        .route("/seals/admins/list", post(seal_grants::admins_list))
        .route("/seals/admins/add", post(seal_grants::admins_add))
        .route("/seals/admins/remove", post(seal_grants::admins_remove))
        .route("/seals/grants", get(seal_grants::grants_page))
        .route("/seals/grants/list", post(seal_grants::grants_list))
        .route("/seals/grants/add", post(seal_grants::grants_add))
        .route("/seals/grants/revoke", post(seal_grants::grants_revoke))
        .route("/static/weui.min.css", get(|| async { css(WEUI_CSS) }))
        .route("/static/app.css", get(|| async { css(APP_CSS) }))
        .route("/static/app.js", get(|| async { js(APP_JS) }))
        .merge(upload)
        .merge(photo)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), session::guard))
        .with_state(app))
}

/// Listen on `listen`, print `phone: http://ADDR/` as the first stdout line, and serve the web
/// UI until Ctrl-C or SIGTERM; `config`'s address is replaced by the one bound.
pub async fn serve(wallet: Wallet, listen: SocketAddr, mut config: WebConfig) -> Result<()> {
    // Listen for SIGTERM before anyone can learn the address: a stop sent right after the first
    // page must not find the default handler (which ends the process with a failure status).
    let stop = stop_signal();
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| WalletError::Input(format!("无法监听 {listen}: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| WalletError::Input(format!("无法监听 {listen}: {e}")))?;
    config.addr = addr;
    let app = router(wallet, config)?;
    println!("phone: http://{addr}/");
    if !addr.ip().is_loopback() {
        eprintln!("警告: 手机页面监听在 {addr}，同一网络中的其他设备也能访问");
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
        .map_err(|e| WalletError::Network(e.to_string()))
}

/// Ctrl-C, or SIGTERM on Unix; the SIGTERM handler is installed when this is called, not when
/// the future is first polled.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    async move {
        #[cfg(unix)]
        if let Some(mut term) = term {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn css(body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], body).into_response()
}

fn js(body: &'static str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        body,
    )
        .into_response()
}

async fn not_found(axum::extract::State(app): axum::extract::State<App>) -> Response {
    let err = PageError::new("web.not_found", "页面不存在");
    app.message(StatusCode::NOT_FOUND, "页面不存在", None, Some(&err))
}

/// An error as a page shows it: `#error` with the Chinese message and the stable code.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct PageError {
    code: String,
    message: String,
    #[serde(skip)]
    status: StatusCode,
}

impl PageError {
    fn new(code: &str, message: &str) -> Self {
        PageError {
            code: code.into(),
            message: message.into(),
            status: StatusCode::BAD_REQUEST,
        }
    }

    fn expired() -> Self {
        let mut e = PageError::new("web.expired", "操作已过期，请重新开始");
        e.status = StatusCode::NOT_FOUND;
        e
    }

    fn csrf() -> Self {
        let mut e = PageError::new("web.csrf", "页面已过期或来源不明，请返回后重新操作");
        e.status = StatusCode::FORBIDDEN;
        e
    }
}

impl From<&WalletError> for PageError {
    fn from(e: &WalletError) -> Self {
        let env = e.to_envelope();
        let status = match e {
            WalletError::Server { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY)
            }
            WalletError::Http { .. } | WalletError::Network(_) => StatusCode::BAD_GATEWAY,
            WalletError::Io { .. } | WalletError::Crypto(_) | WalletError::Format(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
            _ => StatusCode::BAD_REQUEST,
        };
        PageError {
            code: env.error.code,
            message: env.error.message,
            status,
        }
    }
}

impl From<WalletError> for PageError {
    fn from(e: WalletError) -> Self {
        PageError::from(&e)
    }
}

impl WebApp {
    fn pending(&self) -> MutexGuard<'_, Pending> {
        // A panic while holding the lock leaves plain maps behind: still usable.
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keep a checked request; gives its token.
    fn keep_preview(&self, preview: ScanPreview) -> String {
        let token = random_token();
        let now = now_unix();
        let mut p = self.pending();
        p.previews.retain(|_, v| v.expires_at > now);
        if p.previews.len() >= PENDING_MAX
            && let Some(oldest) = p
                .previews
                .iter()
                .min_by_key(|(_, v)| v.expires_at)
                .map(|(k, _)| k.clone())
        {
            p.previews.remove(&oldest);
        }
        p.previews.insert(token.clone(), preview);
        token
    }

    fn preview(&self, token: &str) -> Option<ScanPreview> {
        self.pending().previews.get(token).cloned()
    }

    fn drop_preview(&self, token: &str) {
        self.pending().previews.remove(token);
    }

    fn keep_realname(&self, step: PendingRealname) -> String {
        let token = random_token();
        let now = now_unix();
        let mut p = self.pending();
        p.realnames.retain(|_, v| v.expires_at > now);
        if p.realnames.len() >= PENDING_MAX
            && let Some(oldest) = p
                .realnames
                .iter()
                .min_by_key(|(_, v)| v.expires_at)
                .map(|(k, _)| k.clone())
        {
            p.realnames.remove(&oldest);
        }
        p.realnames.insert(token.clone(), step);
        token
    }

    fn realname_step(&self, token: &str) -> Option<PendingRealname> {
        self.pending().realnames.get(token).cloned()
    }

    fn drop_realname(&self, token: &str) {
        self.pending().realnames.remove(token);
    }

    /// Whether the form carries this process's CSRF token.
    fn csrf_ok(&self, fields: &Fields) -> bool {
        yizhao_domain::ct_eq(fields.get("csrf").as_bytes(), self.csrf.as_bytes())
    }

    /// Render a template with the CSRF token and `ctx`; `error` goes to `#error`.
    fn render(
        &self,
        status: StatusCode,
        name: &str,
        ctx: Value,
        error: Option<&PageError>,
    ) -> Response {
        let full = context! {
            csrf => self.csrf.as_str(),
            error => error,
            default_password => self.wallet.home().password_is_default().unwrap_or(false),
            ..ctx
        };
        let html = self.env.get_template(name).and_then(|t| t.render(full));
        match html {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("页面生成失败 [web.template]: {e}"),
            )
                .into_response(),
        }
    }

    /// A page, with the error's own status when there is one.
    fn page(&self, name: &str, ctx: Value, error: Option<&PageError>) -> Response {
        let status = error.map_or(StatusCode::OK, |e| e.status);
        self.render(status, name, ctx, error)
    }

    /// A message page (weui-msg): `#result` on success, `#error` on failure.
    fn message(
        &self,
        status: StatusCode,
        title: &str,
        result: Option<Value>,
        error: Option<&PageError>,
    ) -> Response {
        let ctx = context! { title => title, result => result };
        self.render(status, "message.html", ctx, error)
    }

    /// The refusal of a form without a valid CSRF token: nothing was done.
    fn csrf_refused(&self) -> Response {
        let e = PageError::csrf();
        self.message(e.status, "操作未执行", None, Some(&e))
    }
}

/// An authorization period in Beijing time, or empty.
fn period_text(p: Option<(i64, i64)>) -> String {
    p.map(|(s, e)| {
        format!(
            "{} 至 {}",
            crate::time::format_beijing(s),
            crate::time::format_beijing(e)
        )
    })
    .unwrap_or_default()
}

/// 全业务授权, or 精准授权 with the matters' names; empty when not an authorization.
fn matters_text(m: Option<&[String]>) -> String {
    match m {
        None => String::new(),
        Some(codes) if codes.iter().any(|c| c == "all") => "全业务授权".into(),
        Some(codes) => {
            let names: Vec<&str> = codes
                .iter()
                .map(|c| yizhao_domain::authority::matter(c).map_or(c.as_str(), |m| m.name))
                .collect();
            format!("精准授权：{}", names.join("、"))
        }
    }
}

/// See other: after a step that changed something, the next page is a plain GET.
fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        assert!(environment().is_ok());
    }

    #[test]
    fn tokens_are_random_hex() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }
}

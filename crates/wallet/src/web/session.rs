//! Who may use the phone's pages: the owner, who opened a session with the device password.
//!
//! - Every request must be addressed to the served address (`Host`), and a browser request
//!   that says where it comes from (`Origin`, `Sec-Fetch-Site`) must come from these pages:
//!   another local page or a DNS-rebinding site cannot drive the phone.
//! - Without a session, pages redirect to 登录 and actions are refused (401). A session is a
//!   random id in an `HttpOnly; SameSite=Strict` cookie, forgotten after
//!   [`WebConfig::idle_timeout_secs`] without a request.
//! - Wrong device passwords are counted: after [`WebConfig::max_failures`] in a row, logins are
//!   refused for [`WebConfig::lockout_secs`] (and again after each further failure). One check
//!   runs at a time, in `spawn_blocking` (the keystore's Argon2 would stall the async workers).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use minijinja::context;

use super::forms::CheckedForm;
use super::{App, Fields, PageError, random_token, see_other};
use crate::error::WalletError;
use crate::time::now_unix;

/// The settings of the phone's web UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebConfig {
    /// The address the pages are served on: requests must name it in `Host`.
    pub addr: SocketAddr,
    /// A session ends after this many seconds without a request.
    pub idle_timeout_secs: i64,
    /// Wrong device passwords in a row before logins are locked.
    pub max_failures: u32,
    /// How long logins stay locked after too many wrong passwords (seconds).
    pub lockout_secs: i64,
}

impl WebConfig {
    /// The default idle timeout: 10 minutes.
    pub const IDLE_TIMEOUT_SECS: i64 = 600;
    /// The default number of wrong passwords before the lock: 5.
    pub const MAX_FAILURES: u32 = 5;
    /// The default lock: 60 seconds.
    pub const LOCKOUT_SECS: i64 = 60;

    /// The defaults for pages served on `addr`.
    pub fn new(addr: SocketAddr) -> Self {
        WebConfig {
            addr,
            idle_timeout_secs: Self::IDLE_TIMEOUT_SECS,
            max_failures: Self::MAX_FAILURES,
            lockout_secs: Self::LOCKOUT_SECS,
        }
    }
}

/// At most this many sessions are kept; the least recently used goes first.
const SESSIONS_MAX: usize = 16;

/// The open sessions (id → last request, Unix seconds) and the wrong-password count.
pub(super) struct Gate {
    config: WebConfig,
    /// The `Host` values accepted (lower case).
    hosts: Vec<String>,
    cookie: String,
    sessions: Mutex<HashMap<String, i64>>,
    /// Held across a password check, so that guesses are checked one at a time.
    throttle: tokio::sync::Mutex<Throttle>,
}

#[derive(Default)]
struct Throttle {
    failures: u32,
    locked_until: i64,
}

impl Gate {
    pub(super) fn new(config: WebConfig) -> Self {
        let addr = config.addr;
        let port = addr.port();
        let mut hosts = vec![addr.to_string()];
        if addr.ip().is_loopback() {
            hosts.push(format!("localhost:{port}"));
        }
        if port == 80 {
            // A browser leaves the default port out of Host and Origin.
            let bare: Vec<String> = hosts
                .iter()
                .filter_map(|h| h.strip_suffix(":80").map(str::to_owned))
                .collect();
            hosts.extend(bare);
        }
        Gate {
            config,
            hosts,
            // By port: cookies go by host, and several phones (the demo's) share 127.0.0.1.
            cookie: format!("yz_phone_{port}"),
            sessions: Mutex::new(HashMap::new()),
            throttle: tokio::sync::Mutex::new(Throttle::default()),
        }
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, i64>> {
        // A panic while holding the lock leaves a plain map behind: still usable.
        self.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether `host` (a `Host` header, or an origin's host and port) names these pages.
    fn host_ok(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        if self.hosts.contains(&host) {
            return true;
        }
        // Listening on every address (the serve command warns): any IP literal of this
        // machine, on this port; still never a domain name.
        if self.config.addr.ip().is_unspecified() {
            return match host.rsplit_once(':') {
                Some((name, port)) => {
                    port == self.config.addr.port().to_string() && ip_literal(name)
                }
                None => false,
            };
        }
        false
    }

    /// Whether the request's session cookie names a live session; touches it.
    fn session_ok(&self, headers: &HeaderMap) -> bool {
        let Some(id) = cookie(headers, &self.cookie) else {
            return false;
        };
        let now = now_unix();
        let mut sessions = self.sessions();
        sessions.retain(|_, seen| now - *seen < self.config.idle_timeout_secs);
        match sessions.get_mut(id) {
            Some(seen) => {
                *seen = now;
                true
            }
            None => false,
        }
    }

    /// A new session; gives its id.
    fn open(&self) -> String {
        let id = random_token();
        let now = now_unix();
        let mut sessions = self.sessions();
        sessions.retain(|_, seen| now - *seen < self.config.idle_timeout_secs);
        if sessions.len() >= SESSIONS_MAX
            && let Some(oldest) = sessions
                .iter()
                .min_by_key(|(_, seen)| **seen)
                .map(|(k, _)| k.clone())
        {
            sessions.remove(&oldest);
        }
        sessions.insert(id.clone(), now);
        id
    }

    fn close(&self, headers: &HeaderMap) {
        if let Some(id) = cookie(headers, &self.cookie) {
            self.sessions().remove(id);
        }
    }

    fn set_cookie(&self, id: &str) -> HeaderValue {
        let v = format!("{}={id}; Path=/; HttpOnly; SameSite=Strict", self.cookie);
        HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    fn clear_cookie(&self) -> HeaderValue {
        let v = format!(
            "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
            self.cookie
        );
        HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
    }
}

/// An IPv4 literal or a bracketed IPv6 literal.
fn ip_literal(name: &str) -> bool {
    match name.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => name.parse::<std::net::Ipv4Addr>().is_ok(),
    }
}

/// The value of cookie `name`, if the request carries it.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Why a request is refused before any page sees it.
fn refuse(app: &App, mut e: PageError, status: StatusCode) -> Response {
    e.status = status;
    app.message(status, "操作未执行", None, Some(&e))
}

/// Whether the request comes from another site: an `Origin` that is not these pages, or, on a
/// request that may change something, a `Sec-Fetch-Site` other than `same-origin` or `none`.
fn foreign(app: &App, req: &Request) -> bool {
    let headers = req.headers();
    if let Some(origin) = headers.get(header::ORIGIN) {
        let ok = origin
            .to_str()
            .ok()
            .and_then(|o| o.strip_prefix("http://"))
            .is_some_and(|host| app.gate.host_ok(host));
        if !ok {
            return true;
        }
    }
    let safe = matches!(*req.method(), Method::GET | Method::HEAD);
    if !safe
        && let Some(site) = headers.get("sec-fetch-site")
        && !matches!(site.to_str(), Ok("same-origin" | "none"))
    {
        return true;
    }
    false
}

/// Pages anyone on this machine may load: 登录 and the stylesheets and script.
fn public(req: &Request) -> bool {
    let path = req.uri().path();
    path == "/login" || path.starts_with("/static/")
}

/// The gate in front of every page: the address, the origin, the session; then the headers
/// every response gets.
pub(super) async fn guard(State(app): State<App>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let mut resp = if !app.gate.host_ok(host) {
        let e = PageError::new("web.host", "请使用本机地址打开手机页面");
        refuse(&app, e, StatusCode::FORBIDDEN)
    } else if foreign(&app, &req) {
        refuse(&app, PageError::csrf(), StatusCode::FORBIDDEN)
    } else if public(&req) || app.gate.session_ok(req.headers()) {
        next.run(req).await
    } else if matches!(*req.method(), Method::GET | Method::HEAD) {
        see_other("/login")
    } else {
        let e = PageError::new("web.login_required", "请先输入执照密码登录");
        refuse(&app, e, StatusCode::UNAUTHORIZED)
    };
    security_headers(resp.headers_mut());
    resp
}

/// No framing, no sniffing, no outside resources, no caching, the referrer kept to these pages.
fn security_headers(h: &mut HeaderMap) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// `GET /login`: the device password, or home when a session is open already.
pub(super) async fn login_form(State(app): State<App>, headers: HeaderMap) -> Response {
    if app.gate.session_ok(&headers) {
        return see_other("/");
    }
    login_page(&app, None)
}

fn login_page(app: &App, e: Option<&PageError>) -> Response {
    let idle_minutes = (app.gate.config.idle_timeout_secs + 59) / 60;
    app.page("login.html", context! { idle_minutes }, e)
}

/// `POST /login`: check the device password (one check at a time, off the async workers),
/// then open a session.
pub(super) async fn login(
    State(app): State<App>,
    axum::Form(pairs): axum::Form<Vec<(String, String)>>,
) -> Response {
    let f = Fields::from(pairs);
    let password = f.password_raw("password");
    if password.expose().is_empty() {
        return login_page(
            &app,
            Some(&PageError::from(WalletError::Input(
                "请输入执照密码".into(),
            ))),
        );
    }
    let mut throttle = app.gate.throttle.lock().await;
    let now = now_unix();
    if throttle.locked_until > now {
        let mut e = PageError::new(
            "web.locked",
            &format!(
                "执照密码错误次数过多，请 {} 秒后再试",
                throttle.locked_until - now
            ),
        );
        e.status = StatusCode::TOO_MANY_REQUESTS;
        return login_page(&app, Some(&e));
    }
    let checked = app.wallet.home().unlock_blocking(&password).await.map(drop);
    match checked {
        Ok(()) => {
            *throttle = Throttle::default();
            drop(throttle);
            let id = app.gate.open();
            let mut resp = see_other("/");
            resp.headers_mut()
                .insert(header::SET_COOKIE, app.gate.set_cookie(&id));
            resp
        }
        Err(WalletError::WrongPassword) => {
            throttle.failures = throttle.failures.saturating_add(1);
            let max = app.gate.config.max_failures;
            let e = if throttle.failures >= max {
                let lockout = app.gate.config.lockout_secs;
                throttle.locked_until = now_unix() + lockout;
                let message = format!("执照密码错误次数过多，请 {lockout} 秒后再试");
                let mut e = PageError::new("web.locked", &message);
                e.status = StatusCode::TOO_MANY_REQUESTS;
                e
            } else {
                let left = max.saturating_sub(throttle.failures);
                let message = format!("执照密码错误，还可尝试 {left} 次");
                let mut e = PageError::new("wallet.wrong_password", &message);
                e.status = StatusCode::UNAUTHORIZED;
                e
            };
            drop(throttle);
            login_page(&app, Some(&e))
        }
        Err(e) => login_page(&app, Some(&PageError::from(e))),
    }
}

/// `POST /logout`: end the session.
pub(super) async fn logout(
    State(app): State<App>,
    headers: HeaderMap,
    CheckedForm(_): CheckedForm,
) -> Response {
    app.gate.close(&headers);
    let mut resp = see_other("/login");
    resp.headers_mut()
        .insert(header::SET_COOKIE, app.gate.clear_cookie());
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate(addr: &str) -> Gate {
        Gate::new(WebConfig::new(addr.parse().unwrap()))
    }

    #[test]
    fn hosts_are_the_served_address_only() {
        let g = gate("127.0.0.1:8090");
        for ok in ["127.0.0.1:8090", "localhost:8090", "LOCALHOST:8090"] {
            assert!(g.host_ok(ok), "{ok}");
        }
        for bad in [
            "127.0.0.1:8091",
            "127.0.0.1",
            "evil.example:8090",
            "127.0.0.2:8090",
            "",
            "localhost",
        ] {
            assert!(!g.host_ok(bad), "{bad}");
        }
        let v6 = gate("[::1]:9000");
        assert!(v6.host_ok("[::1]:9000") && v6.host_ok("localhost:9000"));
        assert!(!v6.host_ok("[::2]:9000"));
        let any = gate("0.0.0.0:9000");
        assert!(any.host_ok("192.168.1.9:9000") && any.host_ok("[fe80::1]:9000"));
        assert!(!any.host_ok("phone.example:9000") && !any.host_ok("192.168.1.9:9001"));
        assert!(!any.host_ok("localhost:9000"));
    }

    #[test]
    fn cookies_are_found_by_name() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; yz_phone_1=xyz"),
        );
        assert_eq!(cookie(&h, "yz_phone_1"), Some("xyz"));
        assert_eq!(cookie(&h, "yz_phone_2"), None);
    }

    #[test]
    fn sessions_end_when_idle_or_closed() {
        let with = |id: &str| {
            let mut h = HeaderMap::new();
            h.insert(
                header::COOKIE,
                HeaderValue::from_str(&format!("yz_phone_1={id}")).unwrap(),
            );
            h
        };
        let mut config = WebConfig::new("127.0.0.1:1".parse().unwrap());
        config.idle_timeout_secs = 0;
        let g = Gate::new(config);
        let id = g.open();
        assert!(!g.session_ok(&with(&id)), "idle for 0 s is too long");

        let g = gate("127.0.0.1:1");
        let id = g.open();
        assert!(
            g.set_cookie(&id)
                .to_str()
                .unwrap()
                .starts_with(&format!("yz_phone_1={id};"))
        );
        assert!(g.session_ok(&with(&id)));
        assert!(!g.session_ok(&with("forged")));
        g.close(&with(&id));
        assert!(!g.session_ok(&with(&id)));
        // At most SESSIONS_MAX are kept.
        for _ in 0..SESSIONS_MAX + 4 {
            g.open();
        }
        assert_eq!(g.sessions().len(), SESSIONS_MAX);
    }
}

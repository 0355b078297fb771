//! The trading platform's PC pages, rendered on the server (minijinja templates embedded at
//! build time, one environment built once): the QR login, the member's home, registration,
//! the credit database ([`member`]), the entity's impressions and seals ([`seals`]), the back
//! office's registration window ([`backoffice`]) and its impression review ([`reviews`]). Forms post url-encoded and carry an anti-forgery token derived from the
//! session; the JSON API under `/platform/api/v1` does the work.

pub mod backoffice;
pub mod member;
pub mod reviews;
pub mod seals;

use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::Environment;
use serde::Serialize;

use crate::Services;
use crate::error::ApiError;
use crate::platform::Platform;
use crate::seal::Seals;

/// The templates, by name.
const TEMPLATES: [(&str, &str); 13] = [
    ("base.html", include_str!("../../templates/pc/base.html")),
    (
        "member.html",
        include_str!("../../templates/pc/member.html"),
    ),
    ("error.html", include_str!("../../templates/pc/error.html")),
    ("login.html", include_str!("../../templates/pc/login.html")),
    ("home.html", include_str!("../../templates/pc/home.html")),
    (
        "register.html",
        include_str!("../../templates/pc/register.html"),
    ),
    (
        "credit.html",
        include_str!("../../templates/pc/credit.html"),
    ),
    (
        "bo_login.html",
        include_str!("../../templates/pc/bo_login.html"),
    ),
    (
        "bo_home.html",
        include_str!("../../templates/pc/bo_home.html"),
    ),
    (
        "bo_reviews.html",
        include_str!("../../templates/pc/bo_reviews.html"),
    ),
    ("seals.html", include_str!("../../templates/pc/seals.html")),
    (
        "notice.html",
        include_str!("../../templates/pc/notice.html"),
    ),
    (
        "impression.html",
        include_str!("../../templates/pc/impression.html"),
    ),
];

const PC_JS: &str = include_str!("../../assets/pc.js");
const PC_CSS: &str = include_str!("../../assets/pc.css");

/// Every page allows only this server's own scripts, styles, images and connections.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The one template environment (autoescape on for `.html`, minijinja's default), built the
/// first time a page is rendered. The templates are part of the binary, so a template that
/// doesn't parse is a bug the tests catch; it is logged and the page answers 500.
static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        if let Err(e) = env.add_template(name, source) {
            tracing::error!(template = name, error = %e, "template does not parse");
        }
    }
    env
});

/// Render template `name` with `ctx` as an HTML response of `status`.
fn render<S: Serialize>(status: StatusCode, name: &str, ctx: S) -> Response {
    let rendered = ENV.get_template(name).and_then(|t| t.render(ctx));
    match rendered {
        Ok(html) => {
            let mut resp = (status, html).into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(CSP),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp
        }
        Err(e) => {
            tracing::error!(template = name, error = %e, "page not rendered");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "服务器内部错误，请稍后再试。",
            )
                .into_response()
        }
    }
}

/// A page that did not come out as asked: another page to go to, or an error page.
#[derive(Debug)]
pub enum PageError {
    /// 303 to this path.
    Redirect(&'static str),
    /// The error page: status, code and the Chinese message.
    Error {
        /// What went wrong.
        error: ApiError,
        /// The platform's name for the page's header.
        platform_name: String,
        /// Where the page's "返回" link goes.
        back: &'static str,
    },
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Redirect(to) => Redirect::to(to).into_response(),
            PageError::Error {
                error,
                platform_name,
                back,
            } => render(
                error.status,
                "error.html",
                minijinja::context! {
                    platform_name,
                    code => error.code,
                    message => error.message,
                    back,
                },
            ),
        }
    }
}

/// The error of a form posted without the right anti-forgery token.
pub fn csrf_invalid() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "csrf.invalid",
        "页面已过期，请刷新后重试。",
    )
}

/// A form that cannot be read.
pub(crate) fn bad_form() -> ApiError {
    ApiError::bad_request("request.invalid_form", "表单内容无法解析，请刷新后重试。")
}

/// A posted form with its anti-forgery token.
pub(crate) trait Posted {
    /// The token the form carried.
    fn csrf(&self) -> &str;
}

impl Posted for CsrfForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl PageState {
    /// The posted form, once it parses and carries the anti-forgery token of `scope` and the
    /// session `token`; otherwise an error page leading to `back`, and nothing is done.
    pub(crate) fn posted<T: Posted>(
        &self,
        form: Result<axum::Form<T>, axum::extract::rejection::FormRejection>,
        scope: &str,
        token: &str,
        back: &'static str,
    ) -> Result<T, PageError> {
        let Ok(axum::Form(f)) = form else {
            return Err(self.error(bad_form(), back));
        };
        if !self.platform.csrf_ok(scope, token, f.csrf()) {
            return Err(self.error(csrf_invalid(), back));
        }
        Ok(f)
    }
}

/// A form that carries only its anti-forgery token.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub(crate) struct CsrfForm {
    pub(crate) csrf: String,
}

/// The state of the page routes.
#[derive(Clone)]
pub(crate) struct PageState {
    pub(crate) platform: Arc<Platform>,
    /// The seal authority, read through its public functions (review, records).
    pub(crate) seals: Arc<Seals>,
    /// Photos of the impression page between preview and upload.
    pub(crate) drafts: Arc<seals::Drafts>,
}

impl PageState {
    fn name(&self) -> String {
        self.platform.config().name.clone()
    }

    /// The error page for `error`, with a link back to `back`.
    fn error(&self, error: ApiError, back: &'static str) -> PageError {
        PageError::Error {
            error,
            platform_name: self.name(),
            back,
        }
    }
}

/// The page routes, at the root of the server.
pub fn routes(services: &Services) -> Router {
    Router::new()
        .route("/static/pc.js", get(pc_js))
        .route("/static/pc.css", get(pc_css))
        .merge(member::routes())
        .merge(backoffice::routes())
        .merge(reviews::routes())
        .merge(seals::routes())
        .with_state(PageState {
            platform: services.platform.clone(),
            seals: services.seals.clone(),
            drafts: Arc::default(),
        })
}

/// The paths whose unknown routes answer JSON: the APIs and the phone's QR endpoints.
const API_PATHS: [&str; 6] = [
    "/api/",
    "/authority/api/",
    "/platform/api/",
    "/seal/api/",
    "/qr/",
    "/healthz",
];

/// What no route matches: the JSON error envelope under the APIs, and a page of ours (in
/// Chinese, with a way back to the home page) everywhere else.
pub(crate) async fn not_found(uri: axum::http::Uri, platform_name: String) -> Response {
    let error = ApiError::not_found("request.not_found", "您访问的页面不存在，请检查网址。");
    if API_PATHS.iter().any(|p| uri.path().starts_with(p)) {
        return error.into_response();
    }
    render(
        StatusCode::NOT_FOUND,
        "error.html",
        minijinja::context! {
            platform_name,
            code => error.code,
            message => error.message,
            back => "/",
            title => "页面不存在",
        },
    )
}

/// Unix seconds as Beijing time (UTC+8), `2026-11-29 12:05`.
pub(crate) fn beijing_time(secs: i64) -> String {
    yizhao_domain::time::format_beijing(secs)
}

async fn pc_js() -> Response {
    static_asset("text/javascript; charset=utf-8", PC_JS)
}

async fn pc_css() -> Response {
    static_asset("text/css; charset=utf-8", PC_CSS)
}

/// A stored picture (PNG) as a response that no cache keeps and no browser sniffs.
pub(crate) fn png_response(png: Vec<u8>) -> Response {
    let mut resp = png.into_response();
    let hs = resp.headers_mut();
    hs.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
    hs.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    hs.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

fn static_asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn times_are_shown_in_beijing_time() {
        assert_eq!(beijing_time(0), "1970-01-01 08:00");
        assert_eq!(beijing_time(1_795_000_000), "2026-11-18 19:06");
        assert_eq!(beijing_time(951_782_400), "2000-02-29 08:00");
    }

    #[test]
    fn every_template_parses_and_escapes() {
        for (name, _) in TEMPLATES {
            ENV.get_template(name).unwrap();
        }
        let html = ENV
            .get_template("error.html")
            .unwrap()
            .render(minijinja::context! {
                platform_name => "P", code => "x", message => "<script>", back => "/",
            })
            .unwrap();
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>"));
    }
}

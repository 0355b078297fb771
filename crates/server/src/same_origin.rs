//! Cross-site request forgery: a state-changing request (POST, PUT, PATCH, DELETE) that carries
//! cookies must come from this server's own pages. Browsers say where a request comes from:
//! `Sec-Fetch-Site` (`same-origin`, `same-site`, `cross-site`, `none`) and `Origin` (on every
//! POST by script or form). A request that says it comes from elsewhere is refused before any
//! handler runs; one that says nothing (curl, the wallet, tests) passes, since no browser sends
//! a cookie-bearing POST without them. The pages' forms also carry an anti-forgery token; this
//! check covers their JSON twins, which have none.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::pages::PageError;

/// What the guard knows of the server: its name (for the error page) and its configured public
/// URL, whose origin is this server's too (behind a proxy that rewrites `Host`).
#[derive(Debug, Clone)]
pub struct SameOrigin {
    /// The platform's name, shown on the error page.
    pub platform_name: String,
    /// `PlatformConfig::public_url`.
    pub public_url: Option<String>,
}

/// The error of a request from another site.
pub fn cross_site() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "request.cross_site",
        "该请求来自其他网站，已拒绝。请在本平台的页面上操作。",
    )
}

/// The middleware: refuses a cookie-bearing state-changing request from another origin.
pub async fn guard(State(cfg): State<SameOrigin>, req: Request, next: Next) -> Response {
    let changes_state = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if changes_state
        && req.headers().contains_key(header::COOKIE)
        && !from_this_origin(req.headers(), req.uri(), cfg.public_url.as_deref())
    {
        tracing::warn!(
            request.method = %req.method(),
            request.path = req.uri().path(),
            "cross-site request refused"
        );
        let wants_page = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        return if wants_page {
            PageError::Error {
                error: cross_site(),
                platform_name: cfg.platform_name,
                back: "/",
            }
            .into_response()
        } else {
            cross_site().into_response()
        };
    }
    next.run(req).await
}

/// Whether the browser's headers, if any, say the request comes from this server's own origin.
pub fn from_this_origin(h: &HeaderMap, uri: &axum::http::Uri, public_url: Option<&str>) -> bool {
    let site = h.get("sec-fetch-site").map(|v| v.as_bytes());
    if matches!(site, Some(b"cross-site" | b"same-site")) {
        return false;
    }
    let Some(origin) = h.get(header::ORIGIN) else {
        return true;
    };
    let Some(origin) = origin.to_str().ok().and_then(Origin::parse) else {
        // `null` (sandboxed frames, some redirects) or garbage: not ours.
        return false;
    };
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| uri.authority().map(|a| a.as_str().to_owned()));
    if host.is_some_and(|host| origin.matches_host(&host)) {
        return true;
    }
    public_url
        .and_then(Origin::parse)
        .is_some_and(|ours| ours == origin)
}

/// A web origin: scheme, host (lowercase) and port (the scheme's default if not given).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    https: bool,
    host: String,
    port: u16,
}

/// Host and optional port of `authority` (`host`, `host:port`, `[v6]`, `[v6]:port`), lowercase.
fn split_authority(authority: &str) -> Option<(String, Option<u16>)> {
    let authority = authority.to_ascii_lowercase();
    let (host, port) = match authority.rfind(':') {
        Some(i) if !authority[i..].contains(']') => {
            let port = authority[i + 1..].parse::<u16>().ok()?;
            (authority[..i].to_owned(), Some(port))
        }
        _ => (authority, None),
    };
    if host.is_empty() || host.contains(['/', '@', '?', '#']) {
        return None;
    }
    Some((host, port))
}

impl Origin {
    /// `https://host[:port]` or `http://…`, with at most a trailing `/` (a public URL's).
    fn parse(s: &str) -> Option<Origin> {
        let lower = s.trim().to_ascii_lowercase();
        let (https, rest) = if let Some(r) = lower.strip_prefix("https://") {
            (true, r)
        } else {
            (false, lower.strip_prefix("http://")?)
        };
        let rest = rest.trim_end_matches('/');
        let (host, port) = split_authority(rest)?;
        Some(Origin {
            https,
            host,
            port: port.unwrap_or(if https { 443 } else { 80 }),
        })
    }

    /// Whether a request to `Host: host` is to this origin (a `Host` without a port is at the
    /// origin's default one).
    fn matches_host(&self, host: &str) -> bool {
        let Some((name, port)) = split_authority(host) else {
            return false;
        };
        let default = if self.https { 443 } else { 80 };
        name == self.host && port.unwrap_or(default) == self.port
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::{HeaderValue, Uri};

    fn ok(headers: &[(&str, &str)], public_url: Option<&str>) -> bool {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        from_this_origin(&h, &Uri::from_static("/x"), public_url)
    }

    #[test]
    fn same_origin_passes() {
        assert!(ok(&[], None));
        assert!(ok(&[("host", "127.0.0.1:8080")], None));
        assert!(ok(
            &[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8080")
            ],
            None
        ));
        assert!(ok(
            &[
                ("host", "Bid.Example.cn"),
                ("origin", "https://bid.example.cn")
            ],
            None
        ));
        assert!(ok(
            &[
                ("host", "bid.example.cn:443"),
                ("origin", "https://bid.example.cn")
            ],
            None
        ));
        assert!(ok(
            &[("host", "[::1]:8080"), ("origin", "http://[::1]:8080")],
            None
        ));
        assert!(ok(
            &[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:8080"),
                ("sec-fetch-site", "same-origin")
            ],
            None
        ));
        // Behind a proxy that rewrites Host: the configured public URL's origin is ours.
        assert!(ok(
            &[
                ("host", "10.0.0.5:8080"),
                ("origin", "https://bid.example.cn")
            ],
            Some("https://bid.example.cn/")
        ));
    }

    #[test]
    fn other_origins_are_refused() {
        for (origin, host) in [
            ("http://evil.example", "127.0.0.1:8080"),
            ("http://127.0.0.1:8081", "127.0.0.1:8080"),
            ("http://127.0.0.1", "127.0.0.1:8080"),
            ("https://127.0.0.1:8080", "127.0.0.1"),
            ("null", "127.0.0.1:8080"),
            ("http://127.0.0.1:8080.evil.example", "127.0.0.1:8080"),
            ("http://user@127.0.0.1:8080", "127.0.0.1:8080"),
        ] {
            assert!(
                !ok(&[("host", host), ("origin", origin)], None),
                "{origin} on {host}"
            );
        }
        assert!(!ok(&[("sec-fetch-site", "cross-site")], None));
        assert!(!ok(&[("sec-fetch-site", "same-site")], None));
        assert!(!ok(
            &[
                ("host", "a:1"),
                ("origin", "http://a:1"),
                ("sec-fetch-site", "cross-site")
            ],
            None
        ));
        assert!(!ok(&[("origin", "http://a:1")], None), "no Host to match");
    }
}

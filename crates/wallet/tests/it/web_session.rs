//! Issue #15: the phone's pages are its owner's only. Without a session opened with the device
//! password nothing is shown or done; requests for another address or from another origin are
//! refused; wrong passwords are throttled; sessions end when idle.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HOST, LOCATION, ORIGIN};

use crate::web::{DEFAULT_PASSWORD, Page, Web, form_body};

/// Every page of the phone (GET) and every action (POST).
const PAGES: &[&str] = &[
    "/",
    "/password",
    "/download",
    "/download/locality",
    "/download/licenses?locality=420500",
    "/download/declaration?uscc=x",
    "/scan",
    "/confirm/abc",
    "/admins",
    "/agents",
    "/seals",
    "/seals/impression",
    "/seals/export/abc123",
    "/seals/admins",
    "/seals/grants",
    "/no-such-page",
];
const ACTIONS: &[&str] = &[
    "/password",
    "/download",
    "/download/realname",
    "/download/code",
    "/scan/link",
    "/scan/upload",
    "/confirm/abc",
    "/confirm/abc/cancel",
    "/admins/list",
    "/admins/add",
    "/admins/remove",
    "/agents/list",
    "/agents/authorize",
    "/agents/revoke",
    "/seals/records",
    "/seals/mine",
    "/seals/collectable",
    "/seals/collect",
    "/seals/delete",
    "/seals/impression",
    "/seals/admins/add",
    "/seals/admins/remove",
    "/seals/grants/add",
    "/seals/grants/revoke",
    "/logout",
];

/// A client that does not follow redirects, sending `cookie` if any.
fn client(cookie: Option<&str>) -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    if let Some(c) = cookie {
        headers.insert(reqwest::header::COOKIE, c.parse().unwrap());
    }
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        .build()
        .unwrap()
}

/// The session cookie `http` sends (`name=value`).
async fn cookie_of(w: &Web) -> String {
    Web::login(&w.url, DEFAULT_PASSWORD).await.unwrap()
}

fn assert_headers(resp: &reqwest::Response, what: &str) {
    let h = resp.headers();
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
    assert_eq!(h["referrer-policy"], "same-origin", "{what}");
}

#[tokio::test]
async fn without_a_session_every_page_and_action_is_refused() {
    let w = Web::start(700).await;
    w.download(DEFAULT_PASSWORD).await;
    let csrf = w.get("/").await.csrf();
    let signed = w.auth.state.lock().unwrap().signed.len();

    let port = w.addr.port();
    let forged = format!("yz_phone_{port}=00112233445566778899aabbccddeeff");
    let empty = format!("yz_phone_{port}=");
    for cookie in [None, Some(forged.as_str()), Some(empty.as_str())] {
        let anon = client(cookie);
        for path in PAGES {
            let resp = anon.get(format!("{}{path}", w.url)).send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::SEE_OTHER, "GET {path}");
            assert_eq!(resp.headers()[LOCATION], "/login", "GET {path}");
            assert_headers(&resp, path);
        }
        for path in ACTIONS {
            // Even with the right CSRF token: the token alone opens nothing.
            let resp = anon
                .post(format!("{}{path}", w.url))
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form_body(&[
                    ("csrf", &csrf),
                    ("password", DEFAULT_PASSWORD),
                    ("license", "x"),
                ]))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "POST {path}");
            let page = Web::read(resp).await;
            assert_eq!(
                page.error_code().as_deref(),
                Some("web.login_required"),
                "POST {path}: {}",
                page.html
            );
            assert!(!page.has(&csrf), "POST {path} shows the token");
        }
    }
    assert_eq!(w.auth.state.lock().unwrap().signed.len(), signed);
    assert_eq!(w.licenses_held(), 1);

    // The login page and the stylesheets are open to all, and show no token.
    let anon = client(None);
    let resp = anon.get(format!("{}/login", w.url)).send().await.unwrap();
    assert_headers(&resp, "/login");
    let login = Web::read(resp).await;
    assert_eq!(login.status, StatusCode::OK);
    for id in ["login-password", "login-submit"] {
        assert!(login.has(&format!("id=\"{id}\"")), "{id}: {}", login.html);
    }
    assert!(!login.has(&csrf) && !login.has("name=\"csrf\""));
    // The default password is never used silently: the page says it is still the default.
    assert!(
        login.has("id=\"default-password-warning\""),
        "{}",
        login.html
    );
    for asset in ["/static/weui.min.css", "/static/app.css", "/static/app.js"] {
        let resp = anon.get(format!("{}{asset}", w.url)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{asset}");
    }

    // Logged in, the pages open; logged out, the same cookie opens nothing any more.
    let cookie = cookie_of(&w).await;
    let me = client(Some(&cookie));
    let resp = me.get(format!("{}/", w.url)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_headers(&resp, "/");
    let home = Web::read(resp).await;
    assert!(home.has("id=\"logout\""));
    let resp = me
        .post(format!("{}/logout", w.url))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form_body(&[("csrf", &home.csrf())]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(
        resp.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let resp = me.get(format!("{}/", w.url)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()[LOCATION], "/login");
}

#[tokio::test]
async fn another_host_or_a_foreign_origin_is_refused() {
    let w = Web::start(710).await;
    let port = w.addr.port();
    let csrf = w.get("/").await.csrf();
    let get = |host: String| {
        let req = w.http.get(format!("{}/", w.url)).header(HOST, host);
        async move { Web::read(req.send().await.unwrap()).await }
    };
    for host in [
        "evil.example".to_owned(),
        format!("evil.example:{port}"),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        format!("127.0.0.2:{port}"),
        format!("127.0.0.1.evil.example:{port}"),
        "x".repeat(3000),
    ] {
        let p = get(host.clone()).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{host}");
        assert_eq!(p.error_code().as_deref(), Some("web.host"), "{host}");
        assert!(!p.has(&csrf));
    }
    for host in [format!("127.0.0.1:{port}"), format!("localhost:{port}")] {
        assert_eq!(get(host.clone()).await.status, StatusCode::OK, "{host}");
    }

    // A form posted from another origin (another local page, the PC server's port, a web
    // site) changes nothing, even with the session cookie and the token.
    let post = |origin: Option<&str>, site: Option<&str>| {
        let mut req = w
            .http
            .post(format!("{}/password", w.url))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_body(&[
                ("csrf", &csrf),
                ("old_password", DEFAULT_PASSWORD),
                ("new_password", "s3cret-pw"),
                ("new_password2", "s3cret-pw"),
            ]));
        if let Some(o) = origin {
            req = req.header(ORIGIN, o);
        }
        if let Some(s) = site {
            req = req.header("sec-fetch-site", s);
        }
        async move { Web::read(req.send().await.unwrap()).await }
    };
    let other_port = format!("http://127.0.0.1:{}", port.wrapping_add(1));
    let evil = format!("http://evil.example:{port}");
    let https = format!("https://127.0.0.1:{port}");
    for (origin, site) in [
        (Some(other_port.as_str()), None),
        (Some(evil.as_str()), None),
        (Some("null"), None),
        (Some(https.as_str()), None),
        (None, Some("cross-site")),
        (None, Some("same-site")),
    ] {
        let p = post(origin, site).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{origin:?} {site:?}");
        assert_eq!(p.error_code().as_deref(), Some("web.csrf"));
    }
    let home = yizhao_wallet::Home::open(w.dir.path()).unwrap();
    assert!(home.password_is_default().unwrap(), "nothing changed");
    // A login posted from elsewhere is refused too (no one is logged into a session of theirs).
    let resp = client(None)
        .post(format!("{}/login", w.url))
        .header(ORIGIN, other_port.as_str())
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form_body(&[("password", DEFAULT_PASSWORD)]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.headers().get("set-cookie").is_none());

    // From the page itself, it goes through.
    let own = format!("http://127.0.0.1:{port}");
    let p = post(Some(&own), Some("same-origin")).await;
    assert!(p.has("执照密码已修改"), "{}", p.html);
    assert!(!home.password_is_default().unwrap());
}

#[tokio::test]
// The lock runs on the wallet's real clock, which no test clock reaches.
#[allow(clippy::disallowed_methods)]
async fn wrong_passwords_are_throttled_and_counted_before_any_check() {
    let w = Web::start_with(720, |c| c.lockout_secs = 2).await;
    let refused = |p: &Page| p.error_code().unwrap_or_default();
    for left in (1..5).rev() {
        let p = Web::login(&w.url, "000000").await.unwrap_err();
        assert_eq!(p.status, StatusCode::UNAUTHORIZED);
        assert_eq!(refused(&p), "wallet.wrong_password");
        let err = p.error().unwrap();
        assert!(err.contains(&format!("还可尝试 {left} 次")), "{err}");
        assert!(!p.has("000000"), "never echoed");
    }
    let p = Web::login(&w.url, "000000").await.unwrap_err();
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused(&p), "web.locked");
    // Locked: even the right password is not checked.
    let p = Web::login(&w.url, DEFAULT_PASSWORD).await.unwrap_err();
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS, "{}", p.html);
    assert!(p.error().unwrap().contains("秒后再试"));
    // An empty password is not a guess.
    let p = Web::login(&w.url, "").await.unwrap_err();
    assert!(p.error().unwrap().contains("请输入执照密码"));

    tokio::time::sleep(Duration::from_millis(2100)).await;
    // After the lock, one more wrong password locks again at once…
    let p = Web::login(&w.url, "000000").await.unwrap_err();
    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    // …and the right one opens a session and clears the count.
    Web::login(&w.url, DEFAULT_PASSWORD).await.unwrap();
    let p = Web::login(&w.url, "000000").await.unwrap_err();
    assert!(p.error().unwrap().contains("还可尝试 4 次"));

    // Guesses in parallel are checked one at a time: at most five are ever checked.
    let tries: Vec<_> = (0..12)
        .map(|_| {
            let url = w.url.clone();
            tokio::spawn(async move { Web::login(&url, "111111").await.unwrap_err().status })
        })
        .collect();
    let mut checked = 0;
    for t in tries {
        if t.await.unwrap() == StatusCode::UNAUTHORIZED {
            checked += 1;
        }
    }
    assert_eq!(
        checked, 3,
        "after one failure, three more wrong ones, then the lock"
    );
}

#[tokio::test]
// Idleness is measured on the wallet's real clock.
#[allow(clippy::disallowed_methods)]
async fn a_session_ends_when_idle() {
    let w = Web::start_with(730, |c| c.idle_timeout_secs = 1).await;
    let cookie = cookie_of(&w).await;
    let me = client(Some(&cookie));
    let resp = me.get(format!("{}/", w.url)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let resp = me.get(format!("{}/", w.url)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()[LOCATION], "/login");
}

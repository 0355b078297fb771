//! Issue #15, a hostile trial: password guessing in the back office (locks per account and per
//! address, kept in the database, holding under racing attempts), cross-site requests on a
//! member's or staff member's cookie, and text no person means (NUL, bidi overrides, invisible
//! or huge text) in the fields people type.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use yizhao_gm::keystore::Password;
use yizhao_server::platform::backoffice::BackOfficeRole;
use yizhao_testkit::on_both;

use crate::members::login;
use crate::pages::{Page, enc, get, page, post, upload_impression};
use crate::qr::{Browser, legal_rep};
use crate::{TestApp, code};

const PASSWORD: &str = "window-pass-1";

async fn staff(app: &TestApp, username: &str, role: BackOfficeRole) {
    app.platform
        .create_back_office_user(
            username,
            "李窗口",
            role,
            &Password::new(PASSWORD),
            "operator",
        )
        .await
        .unwrap();
}

/// A login through the page, from `client` if given.
async fn try_login(
    app: &TestApp,
    b: &mut Browser,
    csrf: &str,
    user: &str,
    pass: &str,
    client: Option<SocketAddr>,
) -> Page {
    let body = format!(
        "csrf={}&username={}&password={}",
        enc(csrf),
        enc(user),
        enc(pass)
    );
    let (s, h, body) = b
        .send_with(
            app,
            Method::POST,
            "/backoffice/login",
            Some(("application/x-www-form-urlencoded", body.into_bytes())),
            &[],
            client,
        )
        .await;
    page(s, &h, body)
}

async fn audited(app: &TestApp, action: &str) -> Vec<Value> {
    app.authority
        .db()
        .audit_tail(1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.entry.action == action)
        .map(|r| serde_json::from_str(&r.entry.detail).unwrap())
        .collect()
}

// 30 wrong passwords, then the right one: refused while locked, for a known and an unknown
// account alike; every failure and the lock are audited; the lock ends after its time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_a_back_office_password_locks_the_account() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        staff(&app, "w1", BackOfficeRole::Staff).await;
        let mut b = Browser { cookie: None };
        let csrf = get(&app, &mut b, "/backoffice/login").await.csrf();
        for user in ["w1", "nobody"] {
            for n in 1..=30 {
                let p = try_login(&app, &mut b, &csrf, user, &format!("guess-{n}"), None).await;
                if n <= 5 {
                    assert_eq!(p.status, StatusCode::UNAUTHORIZED, "{user} #{n}");
                    assert_eq!(p.code("form-error"), "backoffice.bad_credentials");
                } else {
                    assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS, "{user} #{n}");
                    assert_eq!(p.code("form-error"), "backoffice.login_locked");
                }
            }
            // The right password (for w1) is refused too, with when to come back; the unknown
            // account answers the same.
            let p = try_login(&app, &mut b, &csrf, user, PASSWORD, None).await;
            assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS, "{user}");
            assert_eq!(p.code("form-error"), "backoffice.login_locked");
            let text = p.text("form-error");
            assert!(
                text.contains("登录失败次数过多") && text.contains("后再试"),
                "{text}"
            );
            assert!(!b.cookie.as_deref().unwrap_or("").contains("yz_staff="));
        }
        let failed = audited(&app, "backoffice.login_failed").await;
        assert_eq!(failed.len(), 10);
        assert_eq!(failed.iter().filter(|d| d["username"] == "w1").count(), 5);
        assert!(failed.iter().all(|d| !d.to_string().contains("guess-")));
        let locked = audited(&app, "backoffice.login_locked").await;
        assert_eq!(locked.len(), 2);
        assert!(locked.iter().all(|d| d["scope"] == "account"));
        assert!(audited(&app, "backoffice.login").await.is_empty());

        // 15 minutes later the lock is over: the right password logs in, and forgives.
        app.clock.advance(15 * 60);
        let p = try_login(&app, &mut b, &csrf, "w1", PASSWORD, None).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        assert!(b.cookie.as_deref().unwrap().contains("yz_staff="));
    })
    .await;
}

// Per client address: guesses spread over many accounts lock the address, not the others.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_from_one_address_locks_the_address() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        staff(&app, "w1", BackOfficeRole::Staff).await;
        let mut b = Browser { cookie: None };
        let csrf = get(&app, &mut b, "/backoffice/login").await.csrf();
        let attacker: SocketAddr = "203.0.113.9:40000".parse().unwrap();
        let office: SocketAddr = "198.51.100.7:50000".parse().unwrap();
        // 20 failures, 4 per account: no account is locked, the address is.
        for n in 0..20 {
            let user = format!("user{}", n / 4);
            let p = try_login(&app, &mut b, &csrf, &user, "guess", Some(attacker)).await;
            assert_eq!(p.status, StatusCode::UNAUTHORIZED, "#{n}");
        }
        let p = try_login(&app, &mut b, &csrf, "w1", PASSWORD, Some(attacker)).await;
        assert_eq!(p.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(p.code("form-error"), "backoffice.login_locked");
        let locked = audited(&app, "backoffice.login_locked").await;
        assert_eq!(locked.len(), 1);
        assert_eq!(locked[0]["scope"], "address");
        assert_eq!(locked[0]["address"], "203.0.113.9");
        // Another address is not concerned.
        let p = try_login(&app, &mut b, &csrf, "w1", PASSWORD, Some(office)).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
    })
    .await;
}

// Twenty guesses at once (two replicas would do the same): at most five passwords are checked,
// the rest are refused, and the account is locked — on SQLite and on PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_guesses_check_at_most_the_limit() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        staff(&app, "w1", BackOfficeRole::Staff).await;
        let platform = app.platform.clone();
        let tasks: Vec<_> = (0..20)
            .map(|n| {
                let p = Arc::clone(&platform);
                tokio::spawn(async move {
                    p.back_office_login("w1", &Password::new(format!("guess-{n}")), None)
                        .await
                        .unwrap_err()
                        .code
                })
            })
            .collect();
        let mut codes = Vec::new();
        for t in tasks {
            codes.push(t.await.unwrap());
        }
        let wrong = codes
            .iter()
            .filter(|c| *c == "backoffice.bad_credentials")
            .count();
        let locked = codes
            .iter()
            .filter(|c| *c == "backoffice.login_locked")
            .count();
        assert_eq!((wrong, locked), (5, 15), "{codes:?}");
        assert_eq!(audited(&app, "backoffice.login_failed").await.len(), 5);
        assert_eq!(audited(&app, "backoffice.login_locked").await.len(), 1);
        let e = platform
            .back_office_login("w1", &Password::new(PASSWORD), None)
            .await
            .unwrap_err();
        assert_eq!(e.code, "backoffice.login_locked");
    })
    .await;
}

const API: &str = "/platform/api/v1";

async fn json_post(
    app: &TestApp,
    b: &mut Browser,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, Value) {
    let (s, _, body) = b
        .send_with(
            app,
            Method::POST,
            &format!("{API}{path}"),
            Some(("application/json", b"{}".to_vec())),
            headers,
            None,
        )
        .await;
    (s, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

// A member's cookie sent from another site acts on nothing: logout, credit sync, and a page's
// form; from the same origin they work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_requests_on_a_cookie_are_refused() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let mut pc = Browser { cookie: None };
        login(&app, &zw, &mut pc).await;
        crate::pages::register_bidder(&app, &mut pc).await;
        let records = crate::audit_records(app.authority.db()).await;

        let foreign: [&[(&str, &str)]; 4] = [
            &[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://evil.example"),
            ],
            &[
                ("host", "127.0.0.1:8080"),
                ("origin", "http://127.0.0.1:9999"),
            ],
            &[("host", "127.0.0.1:8080"), ("origin", "null")],
            &[("host", "127.0.0.1:8080"), ("sec-fetch-site", "cross-site")],
        ];
        for headers in foreign {
            for path in ["/credit/sync", "/logout"] {
                let (s, v) = json_post(&app, &mut pc, path, headers).await;
                assert_eq!(
                    (s, code(&v)),
                    (StatusCode::FORBIDDEN, "request.cross_site"),
                    "{path} {headers:?}"
                );
                assert!(v["error"]["message"].as_str().unwrap().contains("其他网站"));
            }
            // The page's form, with its token: an error page, no code shown.
            let csrf = get(&app, &mut pc, "/").await.csrf();
            let mut h = headers.to_vec();
            h.push(("accept", "text/html"));
            let (s, hs, body) = pc
                .send_with(
                    &app,
                    Method::POST,
                    "/logout",
                    Some((
                        "application/x-www-form-urlencoded",
                        format!("csrf={csrf}").into_bytes(),
                    )),
                    &h,
                    None,
                )
                .await;
            let p = page(s, &hs, body);
            assert_eq!(p.status, StatusCode::FORBIDDEN);
            assert_eq!(p.code("error"), "request.cross_site");
        }
        // Nothing changed: still logged in, nothing audited.
        let (s, me) = pc.call(&app, Method::GET, &format!("{API}/me"), None).await;
        assert_eq!((s, me["state"].as_str()), (StatusCode::OK, Some("active")));
        assert_eq!(crate::audit_records(app.authority.db()).await, records);

        // From the page's own origin (what Chromium sends), and with no browser headers at all.
        let same = [
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
            ("sec-fetch-site", "same-origin"),
        ];
        let (s, v) = json_post(&app, &mut pc, "/credit/sync", &same).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = json_post(&app, &mut pc, "/credit/sync", &[]).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = json_post(&app, &mut pc, "/logout", &same).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, _) = pc.call(&app, Method::GET, &format!("{API}/me"), None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    })
    .await;
}

// The back office's forms are covered too: a review decided from another site is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cross_site_back_office_forms_are_refused() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let (mut r, _) =
            crate::pages::back_office_login(&app, "r1", BackOfficeRole::Reviewer).await;
        let id = upload_impression(&app, &zw).await;
        let csrf = get(&app, &mut r, "/backoffice/reviews").await.csrf();
        let (s, hs, body) = r
            .send_with(
                &app,
                Method::POST,
                &format!("/backoffice/reviews/{id}/approve"),
                Some((
                    "application/x-www-form-urlencoded",
                    format!("csrf={csrf}").into_bytes(),
                )),
                &[
                    ("host", "bid.example.cn"),
                    ("origin", "https://evil.example"),
                    ("accept", "text/html"),
                ],
                None,
            )
            .await;
        let p = page(s, &hs, body);
        assert_eq!(
            (p.status, p.code("error").as_str()),
            (StatusCode::FORBIDDEN, "request.cross_site")
        );
        let p = get(&app, &mut r, "/backoffice/reviews").await;
        assert!(p.has(&format!("impression-{id}")), "still pending");
    })
    .await;
}

// Review reasons: NUL, invisible-only, bidi overrides and 1.9 MB are refused with a code, and
// nothing is stored; an ordinary reason is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_reasons_people_cannot_read_are_refused() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let (mut r, _) =
            crate::pages::back_office_login(&app, "r1", BackOfficeRole::Reviewer).await;
        let id = upload_impression(&app, &zw).await;
        let csrf = get(&app, &mut r, "/backoffice/reviews").await.csrf();
        // 1.9 MB, as the trial sent (the form stays under the body limit).
        let huge = "x".repeat(1_900_000);
        for (reason, expected) in [
            ("印模\0模糊", "input.text_forbidden_character"),
            ("\u{200B}\u{200C}\u{FEFF} ", "seal.reason_missing"),
            ("印模\u{202E}糊模", "input.text_forbidden_character"),
            ("a\u{2066}b", "input.text_forbidden_character"),
            (huge.as_str(), "input.text_too_long"),
        ] {
            let reject = format!("/backoffice/reviews/{id}/reject");
            let p = post(
                &app,
                &mut r,
                &reject,
                &[("csrf", &csrf), ("reason", reason)],
            )
            .await;
            assert_eq!(p.status, StatusCode::BAD_REQUEST, "{expected}");
            assert_eq!(p.code("form-error"), expected);
        }
        let p = get(&app, &mut r, "/backoffice/reviews").await;
        assert!(p.has(&format!("impression-{id}")), "still pending");
        let reject = format!("/backoffice/reviews/{id}/reject");
        let p = post(
            &app,
            &mut r,
            &reject,
            &[("csrf", &csrf), ("reason", " 印模模糊，请重拍 ")],
        )
        .await;
        // Back to the queue, the outcome (with the trimmed reason) on top.
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        let queue = p.location.unwrap();
        assert_eq!(queue, format!("/backoffice/reviews?reviewed={id}"));
        let p = get(&app, &mut r, &queue).await;
        assert!(p.html.contains("印模模糊，请重拍"));
    })
    .await;
}

// Contact names: NUL, RTL override, invisible-only and over-long names are refused with a code
// and nothing is registered; a body error says nothing of internal field names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contact_names_people_cannot_read_are_refused() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let mut pc = Browser { cookie: None };
        login(&app, &zw, &mut pc).await;
        let long = "张".repeat(51);
        for (name, expected) in [
            ("张\0伟", "input.text_forbidden_character"),
            ("张\u{202E}伟", "input.text_forbidden_character"),
            ("\u{200B}\u{2060}", "member.contact_required"),
            (long.as_str(), "input.text_too_long"),
        ] {
            let body =
                json!({ "kind": "bidder", "contact_name": name, "contact_phone": "13800000000" });
            let (s, v) = pc
                .call(
                    &app,
                    Method::POST,
                    &format!("{API}/registration"),
                    Some(body),
                )
                .await;
            assert_eq!(
                (s, code(&v)),
                (StatusCode::BAD_REQUEST, expected),
                "{name:?}"
            );
        }
        let (s, v) = pc
            .call(
                &app,
                Method::POST,
                &format!("{API}/registration"),
                Some(json!({ "kind": "bidder" })),
            )
            .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, "request.invalid_body")
        );
        let message = v["error"]["message"].as_str().unwrap();
        assert!(
            !message.contains("contact_name") && !message.contains("missing field"),
            "{message}"
        );
        let (_, me) = pc.call(&app, Method::GET, &format!("{API}/me"), None).await;
        assert_eq!(me["state"], "registering");
        // The window's form takes the same check.
        staff(&app, "w1", BackOfficeRole::Staff).await;
        let e = app
            .platform
            .create_back_office_user(
                "w2",
                "李\u{202E}窗口",
                BackOfficeRole::Staff,
                &Password::new(PASSWORD),
                "operator",
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "input.text_forbidden_character");
    })
    .await;
}

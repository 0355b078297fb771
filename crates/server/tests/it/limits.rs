//! Abuse (issue #15): rate limits on QR requests and proof challenges (per client address and
//! per browser session), SMS codes per phone held in the database (on SQLite and PostgreSQL,
//! under racing requests, across two replicas), oversized bodies and absurd `Host` headers,
//! and slow clients against the real connection handling.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use yizhao_domain::registry::demo_person;
use yizhao_gm::keystore::{KdfParams, Password};
use yizhao_server::serve::{ServeSettings, serve, with_peer};
use yizhao_server::{Authority, AuthorityConfig};
use yizhao_testkit::on_both;

use crate::{TestApp, a, code};

async fn send(app: &TestApp, req: Request<Body>) -> (StatusCode, Value, Option<String>) {
    let resp = tower::ServiceExt::oneshot(app.router.clone(), req)
        .await
        .unwrap();
    let status = resp.status();
    let cookie = resp
        .headers()
        .get("set-cookie")
        .map(|c| c.to_str().unwrap().split(';').next().unwrap().to_owned());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes)
        .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, v, cookie)
}

fn new_qr(peer: &str, cookie: Option<&str>) -> Request<Body> {
    let mut req = Request::post("/platform/api/v1/qr").header("content-type", "application/json");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    with_peer(
        req.body(Body::from("{}")).unwrap(),
        peer.parse::<SocketAddr>().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qr_requests_are_limited_per_address_and_per_session() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        // One address, no cookie (each request a new session): the address's bucket (60 at
        // once, two a second) is all it gets.
        let mut ok = 0;
        let mut limited = 0;
        #[allow(clippy::disallowed_methods)] // real time: the limiter's buckets refill in it
        let started = std::time::Instant::now();
        for _ in 0..200 {
            let (s, v, _) = send(&app, new_qr("10.0.0.1:4000", None)).await;
            match s {
                StatusCode::OK => ok += 1,
                StatusCode::TOO_MANY_REQUESTS => {
                    assert_eq!(code(&v), "rate.limited", "{v}");
                    let m = v["error"]["message"].as_str().unwrap();
                    assert!(
                        m.starts_with("操作过于频繁，请") && m.ends_with("秒后再试。"),
                        "{m}"
                    );
                    limited += 1;
                }
                other => panic!("{other}: {v}"),
            }
        }
        let refill = started.elapsed().as_secs_f64() * 2.0;
        assert!(
            (60.0..=61.0 + refill).contains(&f64::from(ok)),
            "{ok} accepted, {limited} limited"
        );
        // Another address is not held up by the first.
        let (s, v, cookie) = send(&app, new_qr("10.0.0.2:4000", None)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let cookie = cookie.unwrap();
        // One session from many addresses: 20 at once, then one every three seconds.
        let mut in_session = 1;
        for i in 0..40 {
            let (s, v, _) = send(&app, new_qr(&format!("10.1.0.{i}:4000"), Some(&cookie))).await;
            match s {
                StatusCode::OK => in_session += 1,
                StatusCode::TOO_MANY_REQUESTS => assert_eq!(code(&v), "rate.limited"),
                other => panic!("{other}: {v}"),
            }
        }
        assert!(
            (20..=21).contains(&in_session),
            "{in_session} in one session"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proof_challenges_are_limited_per_address() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let mut ok = 0;
        for _ in 0..300 {
            let req = with_peer(
                Request::post(a("/challenges")).body(Body::empty()).unwrap(),
                "10.0.0.9:1".parse().unwrap(),
            );
            let (s, v, _) = send(&app, req).await;
            match s {
                StatusCode::OK => ok += 1,
                StatusCode::TOO_MANY_REQUESTS => assert_eq!(code(&v), "rate.limited", "{v}"),
                other => panic!("{other}: {v}"),
            }
        }
        assert!((120..=160).contains(&ok), "{ok} of 300 challenges");
        let req = with_peer(
            Request::post(a("/challenges")).body(Body::empty()).unwrap(),
            "10.0.0.10:1".parse().unwrap(),
        );
        assert_eq!(send(&app, req).await.0, StatusCode::OK);
    })
    .await;
}

fn realname_body(name: &str) -> Value {
    let p = demo_person(name).unwrap();
    json!({"name": p.name, "id_number": p.id_number.as_str(), "phone": p.phone.as_str()})
}

async fn ask_code(app: &TestApp, name: &str) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        &a("/realname"),
        None,
        Some(realname_body(name)),
    )
    .await
}

/// A phone gets a code, then none for 60 s, then at most ten in 24 hours: counted in the
/// database, so another replica on the same database refuses too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_codes_have_a_cooldown_and_a_daily_cap_every_replica_sees() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let (s, v) = ask_code(&app, "张伟").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = ask_code(&app, "张伟").await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::TOO_MANY_REQUESTS, "authority.code_too_soon")
        );
        assert_eq!(
            v["error"]["message"],
            "验证码刚刚发送过，请60秒后再获取。"
        );
        // Another phone is not held up.
        let other = yizhao_domain::registry::demo_registry()
            .into_iter()
            .map(|e| e.legal_representative)
            .find(|p| p.name != "张伟")
            .unwrap();
        let body = json!({"name": other.name, "id_number": other.id_number.as_str(), "phone": other.phone.as_str()});
        let (s, v) = app.call(Method::POST, &a("/realname"), None, Some(body)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // A second replica (another process on the same database) sees the same count.
        let replica = Authority::start(
            app.authority.db().clone(),
            app.clock.clone(),
            app.rng.clone(),
            &Password::new("test-key-password"),
            KdfParams::INSECURE_FAST,
            AuthorityConfig::default(),
        )
        .await
        .unwrap();
        let req: yizhao_proto::authority::RealNameRequest =
            serde_json::from_value(realname_body("张伟")).unwrap();
        let e = replica.realname_start(&req).await.unwrap_err();
        assert_eq!(e.code, "authority.code_too_soon");

        app.clock.advance(30);
        let (_, v) = ask_code(&app, "张伟").await;
        assert_eq!(v["error"]["message"], "验证码刚刚发送过，请30秒后再获取。");
        app.clock.advance(30);
        for i in 1..10 {
            let (s, v) = ask_code(&app, "张伟").await;
            assert_eq!(s, StatusCode::OK, "code {}: {v}", i + 1);
            app.clock.advance(61);
        }
        let (s, v) = ask_code(&app, "张伟").await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::TOO_MANY_REQUESTS, "authority.code_daily_limit"),
            "{v}"
        );
        let m = v["error"]["message"].as_str().unwrap();
        assert!(m.starts_with("该手机号24小时内已获取10次验证码"), "{m}");
        assert_eq!(
            replica.realname_start(&req).await.unwrap_err().code,
            "authority.code_daily_limit"
        );
        // A day after the first, the phone may have one again.
        app.clock.advance(86_400 - 9 * 61);
        assert_eq!(ask_code(&app, "张伟").await.0, StatusCode::OK);
    })
    .await;
}

/// Fifteen requests for one phone's code at once, split over two replicas: one code goes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_sms_requests_send_one_code() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let replica = Arc::new(
            Authority::start(
                app.authority.db().clone(),
                app.clock.clone(),
                app.rng.clone(),
                &Password::new("test-key-password"),
                KdfParams::INSECURE_FAST,
                AuthorityConfig::default(),
            )
            .await
            .unwrap(),
        );
        let req: yizhao_proto::authority::RealNameRequest =
            serde_json::from_value(realname_body("张伟")).unwrap();
        let mut tasks = Vec::new();
        for i in 0..15 {
            let who = if i % 2 == 0 {
                app.authority.clone()
            } else {
                replica.clone()
            };
            let req = req.clone();
            tasks.push(tokio::spawn(async move { who.realname_start(&req).await }));
        }
        let mut sent = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => sent += 1,
                Err(e) => assert_eq!(e.code, "authority.code_too_soon", "{e:?}"),
            }
        }
        assert_eq!(sent, 1);
        let outbox = app.authority.outbox(req.phone.as_str()).await.unwrap();
        assert_eq!(outbox.len(), 1);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_413_with_a_message() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let big = format!("{{\"kind\": \"{}\"}}", "x".repeat(3 * 1024 * 1024));
        let req = Request::post("/platform/api/v1/qr")
            .header("content-type", "application/json")
            .body(Body::from(big))
            .unwrap();
        let (s, v, _) = send(&app, req).await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::PAYLOAD_TOO_LARGE, "request.too_large"),
            "{v}"
        );
        assert_eq!(v["error"]["message"], "提交的内容过大，请精简后重试。");
    })
    .await;
}

/// A `Host` no QR code can carry is refused, not an internal error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_3000_character_host_is_refused_not_an_internal_error() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let host = "a".repeat(3000);
        let (s, v, cookie) = send(&app, new_qr("10.0.0.1:1", None)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let id = v["status"]["id"].as_str().unwrap().to_owned();
        let cookie = cookie.unwrap();
        for path in [
            format!("/platform/api/v1/qr/{id}/qr.svg"),
            format!("/platform/api/v1/qr/{id}/qr.png"),
        ] {
            let req = Request::get(&path)
                .header("host", &host)
                .header("cookie", &cookie)
                .body(Body::empty())
                .unwrap();
            let (s, v, _) = send(&app, req).await;
            assert_eq!(
                (s, code(&v)),
                (StatusCode::BAD_REQUEST, "request.bad_host"),
                "{path}: {v}"
            );
        }
        let req = Request::post("/platform/api/v1/qr")
            .header("host", &host)
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap();
        let (s, v, _) = send(&app, req).await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, "request.bad_host"),
            "{v}"
        );
        // An ordinary host with a port still makes a link.
        let req = Request::post("/platform/api/v1/qr")
            .header("host", "jy.example.cn:8080")
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap();
        let (s, v, _) = send(&app, req).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(
            v["link"]
                .as_str()
                .unwrap()
                .starts_with("http://jy.example.cn:8080/qr/")
        );
    })
    .await;
}

/// A fresh SQLite database (the connection tests are not about storage).
async fn sqlite() -> (tempfile::TempDir, yizhao_store::Database) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("y.db").display());
    let db = yizhao_store::Database::connect(&url).await.unwrap();
    (dir, db)
}

/// A plain HTTP/1.1 request on a fresh connection; the status and body.
async fn http(addr: SocketAddr, raw: &str) -> (u16, String) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(raw.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf).await;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

async fn serving(
    app: &TestApp,
    settings: ServeSettings,
) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(serve(listener, app.router.clone(), settings, async {
        let _ = stopped.await;
    }));
    (addr, stop)
}

/// The figure over real connections: 500 `POST /platform/api/v1/qr` from one client
/// as fast as it can send them (the address is the connection's peer).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_qr_requests_over_tcp_is_mostly_refused() {
    let (_dir, db) = sqlite().await;
    let app = TestApp::new(db).await;
    let (addr, stop) = serving(&app, ServeSettings::default()).await;
    #[allow(clippy::disallowed_methods)] // real time: the figure is a rate
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..500 {
        tasks.push(tokio::spawn(http(
            addr,
            "POST /platform/api/v1/qr HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
        )));
    }
    let mut by_status = std::collections::BTreeMap::<u16, usize>::new();
    for task in tasks {
        *by_status.entry(task.await.unwrap().0).or_default() += 1;
    }
    let elapsed = started.elapsed();
    eprintln!("500 POST /platform/api/v1/qr in {elapsed:?}: {by_status:?}");
    let ok = by_status.get(&200).copied().unwrap_or(0);
    let limited = by_status.get(&429).copied().unwrap_or(0);
    let refill = 2 * (usize::try_from(elapsed.as_secs()).unwrap() + 1);
    assert!((60..=60 + refill).contains(&ok), "{by_status:?}");
    assert_eq!(ok + limited, 500, "{by_status:?}");
    stop.send(()).unwrap();
}

/// 300 half-sent requests against a small connection limit: `/healthz` still answers within
/// two seconds, and the half-sent connections are closed after the header timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_do_not_take_the_server_down() {
    let (_dir, db) = sqlite().await;
    let app = TestApp::new(db).await;
    let settings = ServeSettings {
        max_connections: 32,
        overflow_connections: 8,
        header_timeout: Duration::from_secs(2),
        body_timeout: Duration::from_secs(2),
    };
    let (addr, stop) = serving(&app, settings).await;
    let mut half_sent = Vec::new();
    for _ in 0..300 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        // The head never ends (no blank line).
        let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await;
        half_sent.push(s);
    }
    #[allow(clippy::disallowed_methods)] // real time: the timeouts are real
    let started = std::time::Instant::now();
    let healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    loop {
        let (status, text) = tokio::time::timeout(Duration::from_secs(2), http(addr, healthz))
            .await
            .unwrap_or((0, String::new()));
        if status == 200 {
            assert!(text.contains("\"status\":\"ok\""), "{text}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "no /healthz within 2 s (last: {status})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    eprintln!(
        "/healthz answered {:?} after 300 half-sent requests",
        started.elapsed()
    );
    // Every half-sent connection is closed by the server within the header timeout (and a
    // little): the read ends.
    for mut s in half_sent {
        let mut buf = [0u8; 1024];
        let mut ended = false;
        while let Ok(r) = tokio::time::timeout(Duration::from_secs(4), s.read(&mut buf)).await {
            if matches!(r, Ok(0) | Err(_)) {
                ended = true;
                break;
            }
        }
        assert!(
            ended,
            "a half-sent connection still open after the header timeout"
        );
    }
    assert!(started.elapsed() < Duration::from_secs(6));

    // An idle keep-alive connection is closed after the header timeout too.
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let closed = tokio::time::timeout(Duration::from_secs(4), async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok(), "an idle keep-alive connection stayed open");

    // A body that never comes: answered or closed after the body timeout.
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(
        b"POST /platform/api/v1/qr HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"ki",
    )
    .await
    .unwrap();
    let mut got = Vec::new();
    let done = tokio::time::timeout(Duration::from_secs(4), s.read_to_end(&mut got)).await;
    assert!(done.is_ok(), "a stalled body kept its connection");
    let text = String::from_utf8_lossy(&got);
    assert!(!text.starts_with("HTTP/1.1 200"), "{text}");
    stop.send(()).unwrap();
}

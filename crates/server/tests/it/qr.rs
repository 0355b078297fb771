//! The one QR protocol (SYSTEM.md §4), login kind, through HTTP: the PC page makes a request,
//! the phone fetches it, checks the platform's registration, answers with its license; the PC
//! confirms the short code. Every refusal changes nothing.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use yizhao_domain::authority::MATTER_BIDDING;
use yizhao_domain::registry::{demo_person, demo_registry_entry};
use yizhao_gm::x509::Certificate;
use yizhao_proto::authority as api;
use yizhao_proto::qr::{QrAnswer, QrRequestBody, QrStatus, SignedQrRequest, qr_answer_message};
use yizhao_server::authority::verify_relying_party;
use yizhao_testkit::on_both;

use crate::{Phone, T0, TestApp, a, code};

/// A PC browser: keeps its cookies (as one `Cookie` header value).
pub(crate) struct Browser {
    pub(crate) cookie: Option<String>,
}

impl Browser {
    pub(crate) async fn call(
        &mut self,
        app: &TestApp,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (status, _, bytes) = match body {
            Some(b) => {
                self.send(
                    app,
                    method,
                    path,
                    Some(("application/json", b.to_string().into_bytes())),
                )
                .await
            }
            None => self.send(app, method, path, None).await,
        };
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    /// One request with this browser's cookies, keeping the cookies the response sets; the
    /// body, if any, with its content type.
    pub(crate) async fn send(
        &mut self,
        app: &TestApp,
        method: Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        self.send_with(app, method, path, body, &[], None).await
    }

    /// [`Browser::send`] with more headers (`Origin`, `Sec-Fetch-Site`…) and, if given, the
    /// client's address as the server's connection info.
    pub(crate) async fn send_with(
        &mut self,
        app: &TestApp,
        method: Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
        client: Option<std::net::SocketAddr>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c.clone());
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut req = match body {
            Some((content_type, b)) => req.header("content-type", content_type).body(Body::from(b)),
            None => req.body(Body::empty()),
        }
        .unwrap();
        if let Some(a) = client {
            req.extensions_mut().insert(axum::extract::ConnectInfo(a));
        }
        let resp = tower::ServiceExt::oneshot(app.router.clone(), req)
            .await
            .unwrap();
        for set in resp.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            assert!(
                set.contains("HttpOnly") && set.contains("SameSite=Lax"),
                "{set}"
            );
            let pair = set.split(';').next().unwrap().to_owned();
            let name = pair.split('=').next().unwrap();
            let mut kept: Vec<String> = self
                .cookie
                .iter()
                .flat_map(|c| c.split("; "))
                .filter(|kv| kv.split('=').next() != Some(name))
                .map(str::to_owned)
                .collect();
            if !set.contains("Max-Age=0") {
                kept.push(pair);
            }
            self.cookie = Some(kept.join("; "));
        }
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, headers, bytes.to_vec())
    }

    pub(crate) async fn new_login(&mut self, app: &TestApp) -> QrStatus {
        let (s, v) = self
            .call(
                app,
                Method::POST,
                "/platform/api/v1/qr",
                Some(json!({"kind": "login"})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let created: yizhao_proto::qr::QrCreated = serde_json::from_value(v).unwrap();
        assert_eq!(
            yizhao_proto::qr::parse_qr_link(&created.link).unwrap().1,
            created.status.id
        );
        created.status
    }
}

impl Browser {
    /// `GET /platform/api/v1/qr/{id}` in this browser: the request's state, as the PC page
    /// polls it.
    pub(crate) async fn qr_state(&mut self, app: &TestApp, id: &str) -> (StatusCode, Value) {
        self.call(app, Method::GET, &format!("/platform/api/v1/qr/{id}"), None)
            .await
    }

    fn request(&self, path: &str) -> Request<Body> {
        let mut req = Request::builder().uri(path);
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c.clone());
        }
        req.body(Body::empty()).unwrap()
    }
}

/// The phone's part: fetch, check the requester, answer with license `i`.
pub(crate) async fn scan(app: &TestApp, phone: &Phone, i: usize, id: &str) -> (StatusCode, Value) {
    scan_with(app, phone, i, id, |_, _| Value::Null).await
}

/// [`scan`], answering with `payload(request, license key)` as the answer's payload.
pub(crate) async fn scan_with(
    app: &TestApp,
    phone: &Phone,
    i: usize,
    id: &str,
    payload: impl FnOnce(&QrRequestBody, &yizhao_gm::PrivateKey) -> Value,
) -> (StatusCode, Value) {
    let signed: SignedQrRequest = app.ok(Method::GET, &format!("/qr/{id}"), None, None).await;
    let ca: api::CaInfo = app.ok(Method::GET, &a("/ca"), None, None).await;
    let body: QrRequestBody = serde_json::from_str(&signed.body).unwrap();
    let rp = verify_relying_party(
        &signed.requester_certificate,
        &Certificate::from_der(&ca.issuing).unwrap(),
        &Certificate::from_der(&ca.root).unwrap(),
        T0 as u64,
        &body.matter,
    )
    .unwrap();
    assert_eq!(rp.name, "宜昌市公共资源交易平台");
    let cert = Certificate::from_der(&signed.requester_certificate).unwrap();
    cert.public_key()
        .unwrap()
        .verify(signed.body.as_bytes(), &signed.signature)
        .unwrap();
    let (lic, key) = &phone.licenses[i];
    let answer = QrAnswer {
        request_id: body.id.clone(),
        nonce: body.nonce.clone(),
        certificate: lic.certificate.clone(),
        chain: lic.chain.clone(),
        signature: key
            .sign(&qr_answer_message(&signed.body, &body.nonce))
            .unwrap(),
        payload: payload(&body, key),
    };
    app.call(
        Method::POST,
        &format!("/qr/{id}/answer"),
        None,
        Some(crate::json(&answer)),
    )
    .await
}

pub(crate) async fn legal_rep(app: &TestApp) -> Phone {
    let p = demo_person("张伟").unwrap();
    let mut zw = Phone::new(&p.name, p.id_number.as_str(), p.phone.as_str());
    zw.realname(app).await.unwrap();
    let uscc = demo_registry_entry("宜昌市示范建设工程有限公司")
        .unwrap()
        .uscc;
    zw.download(app, uscc.as_str(), None).await.unwrap();
    zw
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_by_scanning_with_the_short_code() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let mut pc = Browser { cookie: None };
        let qr = pc.new_login(&app).await;
        assert_eq!(qr.state, yizhao_proto::qr::QrPhase::Pending);
        let (s, v) = scan(&app, &zw, 0, &qr.id).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let phone_code = v["short_code"].as_str().unwrap().to_owned();
        assert_eq!(phone_code.len(), 6);
        let (_, v) = pc.qr_state(&app, &qr.id).await;
        assert_eq!(
            (v["state"].as_str(), v["short_code"].as_str()),
            (Some("answered"), Some(phone_code.as_str()))
        );
        // Replay: the same request can't be answered twice.
        let (s, v) = scan(&app, &zw, 0, &qr.id).await;
        assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "qr.already_answered"));
        // A wrong code, then the right one.
        let (s, v) = pc
            .call(
                &app,
                Method::POST,
                &format!("/platform/api/v1/qr/{}/confirm", qr.id),
                Some(json!({"code": "000000x"})),
            )
            .await;
        assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "qr.wrong_code"));
        let (s, v) = pc
            .call(
                &app,
                Method::POST,
                &format!("/platform/api/v1/qr/{}/confirm", qr.id),
                Some(json!({"code": phone_code})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["state"], "completed");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_change_nothing() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let mut pc = Browser { cookie: None };
        // Another browser can't see or confirm this browser's request.
        let qr = pc.new_login(&app).await;
        let mut other = Browser { cookie: None };
        let _ = other.new_login(&app).await;
        let (s, v) = other.qr_state(&app, &qr.id).await;
        assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "qr.wrong_session"));
        // Tampered answer: signed over another body.
        let signed: SignedQrRequest = app
            .ok(Method::GET, &format!("/qr/{}", qr.id), None, None)
            .await;
        let body: QrRequestBody = serde_json::from_str(&signed.body).unwrap();
        let (lic, key) = &zw.licenses[0];
        let bad = QrAnswer {
            request_id: qr.id.clone(),
            nonce: body.nonce.clone(),
            certificate: lic.certificate.clone(),
            chain: lic.chain.clone(),
            signature: key
                .sign(&qr_answer_message(
                    &signed.body.replace("login", "sign"),
                    &body.nonce,
                ))
                .unwrap(),
            payload: Value::Null,
        };
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/qr/{}/answer", qr.id),
                None,
                Some(crate::json(&bad)),
            )
            .await;
        assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "qr.bad_signature"));
        // Wrong nonce.
        let wrong_nonce = QrAnswer {
            nonce: "0".repeat(32),
            signature: key
                .sign(&qr_answer_message(&signed.body, &"0".repeat(32)))
                .unwrap(),
            ..bad.clone()
        };
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/qr/{}/answer", qr.id),
                None,
                Some(crate::json(&wrong_nonce)),
            )
            .await;
        assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "qr.nonce_mismatch"));
        // Foreign CA: a license of another authority.
        let dir = tempfile::tempdir().unwrap();
        let foreign_app = TestApp::build(
            yizhao_store::Database::sqlite_file(dir.path().join("f.db"))
                .await
                .unwrap(),
            yizhao_server::AuthorityConfig::default(),
            77,
        )
        .await;
        let foreign = legal_rep(&foreign_app).await;
        let (fl, fk) = &foreign.licenses[0];
        let foreign_answer = QrAnswer {
            certificate: fl.certificate.clone(),
            chain: fl.chain.clone(),
            signature: fk
                .sign(&qr_answer_message(&signed.body, &body.nonce))
                .unwrap(),
            nonce: body.nonce.clone(),
            ..bad.clone()
        };
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/qr/{}/answer", qr.id),
                None,
                Some(crate::json(&foreign_answer)),
            )
            .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::CONFLICT, "qr.untrusted_certificate")
        );
        // The PC page can say why, and the request is still pending and answerable.
        let (_, v) = pc.qr_state(&app, &qr.id).await;
        assert_eq!(
            (v["state"].as_str(), v["error"]["code"].as_str()),
            (Some("pending"), Some("qr.untrusted_certificate"))
        );
        let (s, v) = scan(&app, &zw, 0, &qr.id).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_revoked_and_wrong_matter_are_refused() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let uscc = demo_registry_entry("宜昌市示范建设工程有限公司").unwrap().uscc.as_str().to_owned();
        let mut pc = Browser { cookie: None };
        // Expiry: 120 s by default.
        let qr = pc.new_login(&app).await;
        app.clock.advance(120);
        let (s, v) = scan(&app, &zw, 0, &qr.id).await;
        assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "qr.expired"));
        let (_, v) = pc.call(&app, Method::GET, &format!("/platform/api/v1/qr/{}", qr.id), None).await;
        assert_eq!(v["state"], "expired");
        // A precise agent for procurement only can't log in to bid.
        let w = demo_person("王强").unwrap();
        let (s, v) = zw.signed(&app, 0, "authorizations.add", json!({"uscc": uscc, "agent": {"name": w.name, "id_number": w.id_number.as_str(), "phone": w.phone.as_str()}, "mode": "precise", "matters": ["egov.finance.procurement"]})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let mut wq = Phone::new(&w.name, w.id_number.as_str(), w.phone.as_str());
        wq.realname(&app).await.unwrap();
        wq.download(&app, &uscc, None).await.unwrap();
        let qr = pc.new_login(&app).await;
        let (s, v) = scan(&app, &wq, 0, &qr.id).await;
        assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "authority.matter_not_authorized"));
        assert!(v["error"]["message"].as_str().unwrap().contains("公共资源交易招投标"));
        // A revoked authorization can't log in either.
        let (_, list) = zw.signed(&app, 0, "authorizations.list", json!({"uscc": uscc})).await;
        let (s, _) = zw.signed(&app, 0, "authorizations.revoke", json!({"uscc": uscc, "grant_id": list[0]["grant_id"]})).await;
        assert_eq!(s, StatusCode::OK);
        let (s, v) = scan(&app, &wq, 0, &qr.id).await;
        assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "authority.revoked"));
        // Unknown requests and junk bodies are clear errors.
        let (s, v) = app.call(Method::GET, "/qr/nonexistent-id", None, None).await;
        assert_eq!((s, code(&v)), (StatusCode::NOT_FOUND, "qr.unknown_request"));
        let (s, v) = app.call(Method::POST, &format!("/qr/{}/answer", qr.id), None, Some(json!({"nonce": 1}))).await;
        assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "request.invalid_body"));
        assert_eq!(MATTER_BIDDING, "egov.ndrc.bidding");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pc_page_gets_the_qr_image_and_waits_on_events() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::new(
        yizhao_store::Database::sqlite_file(dir.path().join("e.db"))
            .await
            .unwrap(),
    )
    .await;
    let zw = legal_rep(&app).await;
    let mut pc = Browser { cookie: None };
    let qr = pc.new_login(&app).await;
    for (path, ty, magic) in [
        ("qr.svg", "image/svg+xml", b"<?xml".as_slice()),
        ("qr.png", "image/png", b"\x89PNG".as_slice()),
    ] {
        let resp = tower::ServiceExt::oneshot(
            app.router.clone(),
            pc.request(&format!("/platform/api/v1/qr/{}/{path}", qr.id)),
        )
        .await
        .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], ty);
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        assert!(bytes.starts_with(magic), "{path}");
    }
    // Another browser gets no image of it.
    let stranger = Browser { cookie: None };
    let resp = tower::ServiceExt::oneshot(
        app.router.clone(),
        stranger.request(&format!("/platform/api/v1/qr/{}/qr.png", qr.id)),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);

    // Events: first the pending state, then the answer arrives by itself.
    let resp = tower::ServiceExt::oneshot(
        app.router.clone(),
        pc.request(&format!("/platform/api/v1/qr/{}/events", qr.id)),
    )
    .await
    .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut body = resp.into_body();
    let mut seen = String::new();
    while !seen.contains("pending") {
        seen.push_str(&String::from_utf8_lossy(&next_frame(&mut body).await));
    }
    let (s, v) = scan(&app, &zw, 0, &qr.id).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    while !seen.contains("answered") {
        seen.push_str(&String::from_utf8_lossy(&next_frame(&mut body).await));
    }
    assert!(seen.contains("event: status"), "{seen}");
    assert!(seen.contains(v["short_code"].as_str().unwrap()), "{seen}");
}

/// The next frame of a streaming body, or a failed test after 5 s.
async fn next_frame(body: &mut Body) -> axum::body::Bytes {
    let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
        .await
        .expect("an event within 5 s")
        .unwrap()
        .unwrap();
    frame.into_data().unwrap_or_default()
}

/// A kind whose flow is not built can't be created; an answer must carry what its kind asks
/// (a login: nothing), or it is refused and the request still waits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kinds_without_a_flow_are_refused_and_answers_carry_their_kinds_payload() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let mut pc = Browser { cookie: None };
        for kind in ["sign", "encrypt", "decrypt"] {
            let (s, v) = pc
                .call(
                    &app,
                    Method::POST,
                    "/platform/api/v1/qr",
                    Some(json!({ "kind": kind })),
                )
                .await;
            assert_eq!(
                (s, code(&v)),
                (StatusCode::BAD_REQUEST, "qr.kind_not_offered"),
                "{kind}: {v}"
            );
        }
        let (s, v) = pc
            .call(
                &app,
                Method::POST,
                "/platform/api/v1/qr",
                Some(json!({ "kind": "nonsense" })),
            )
            .await;
        assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "qr.kind"), "{v}");

        // A login answered with a payload (a document signature, say) is refused.
        let id = pc.new_login(&app).await.id;
        let (s, v) = scan_with(
            &app,
            &zw,
            0,
            &id,
            |_, _| json!({ "document_signature": "AAAA" }),
        )
        .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, "qr.bad_payload"),
            "{v}"
        );
        let (_, v) = pc.qr_state(&app, &id).await;
        assert_eq!(v["state"], "pending", "{v}");
        assert_eq!(v["error"]["code"], "qr.bad_payload", "the PC hears why");
        // The same phone answers as a login should: it goes on.
        let (s, v) = scan(&app, &zw, 0, &id).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["state"], "answered");
    })
    .await;
}

/// Waiting is free: many PC pages wait on their requests' event streams for 30 s while nothing
/// changes, which costs the database no query; each still hears its answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_pages_cost_no_query_and_each_hears_its_answer() {
    const PAGES: usize = 1000;
    on_both(|t| async move {
        let mut app = TestApp::new(t.db).await;
        // One browser session opens all the pages: its QR-request limit is raised for this.
        app.with_platform_config(yizhao_server::platform::PlatformConfig {
            qr_per_session: None,
            ..Default::default()
        })
        .await;
        let zw = legal_rep(&app).await;
        let mut pc = Browser { cookie: None };
        let mut ids = Vec::with_capacity(PAGES);
        for _ in 0..PAGES {
            ids.push(pc.new_login(&app).await.id);
        }
        let mut streams = Vec::with_capacity(PAGES);
        for id in &ids {
            let resp = tower::ServiceExt::oneshot(
                app.router.clone(),
                pc.request(&format!("/platform/api/v1/qr/{id}/events")),
            )
            .await
            .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            let mut body = resp.into_body();
            let first = String::from_utf8_lossy(&next_frame(&mut body).await).into_owned();
            assert!(first.contains("pending"), "{first}");
            streams.push(body);
        }
        let db = app.authority.db();
        let before = db.units_of_work();
        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
        let queries = db.units_of_work() - before;
        assert!(
            queries <= 5,
            "{PAGES} waiting pages cost {queries} queries in 30 s"
        );

        // Every request answered: every page hears its own answer.
        for (id, body) in ids.iter().zip(streams.iter_mut()) {
            let (s, v) = scan(&app, &zw, 0, id).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            let mut seen = String::new();
            while !seen.contains("answered") {
                seen.push_str(&String::from_utf8_lossy(&next_frame(body).await));
            }
            assert!(seen.contains(v["short_code"].as_str().unwrap()), "{seen}");
        }
    })
    .await;
}

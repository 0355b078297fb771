//! The license authority, rule by rule (R1–R8), on SQLite and PostgreSQL.

use axum::http::{Method, StatusCode};
use serde_json::json;
use yizhao_domain::authority::{MATTER_BIDDING, MATTER_PROCUREMENT};
use yizhao_domain::registry::{demo_person, demo_registry_entry};
use yizhao_gm::x509::{Certificate, Usage, verify_chain};
use yizhao_proto::authority as api;
use yizhao_store::{AuditVerdict, GrantRow};
use yizhao_testkit::on_both;

use crate::{Phone, TestApp, a, audit_records, code, json as to_json};

const COMPANY: &str = "宜昌市示范建设工程有限公司";
const DAY: i64 = 86_400;

fn person(name: &str) -> Phone {
    let p = demo_person(name).unwrap();
    Phone::new(&p.name, p.id_number.as_str(), p.phone.as_str())
}

fn uscc() -> String {
    demo_registry_entry(COMPANY)
        .unwrap()
        .uscc
        .as_str()
        .to_owned()
}

fn person_json(name: &str) -> serde_json::Value {
    let p = demo_person(name).unwrap();
    json!({"name": p.name, "id_number": p.id_number.as_str(), "phone": p.phone.as_str()})
}

/// 张伟 verified and holding the company's license (index 0).
async fn legal_rep(app: &TestApp) -> Phone {
    let mut zw = person("张伟");
    zw.realname(app).await.unwrap();
    zw.download(app, &uscc(), None).await.unwrap();
    zw
}

// R1, R2, R3: the legal representative verifies, sees the locality's licenses, downloads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legal_representative_downloads_after_real_name() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let mut zw = person("张伟");
        zw.realname(&app).await.unwrap();
        let list: api::LicenseList = app
            .ok(
                Method::GET,
                &a("/licenses?locality=420502"),
                zw.token.as_deref(),
                None,
            )
            .await;
        assert!(
            list.downloadable
                .iter()
                .any(|o| o.entity_name == COMPANY && o.role == "legal_representative")
        );
        assert!(list.downloaded.is_empty());
        let i = zw.download(&app, &uscc(), None).await.unwrap();
        let lic = &zw.licenses[i].0;
        assert_eq!(lic.role, "legal_representative");
        assert_eq!(lic.face.name, COMPANY);
        // The certificate chains to the authority's root and carries the entity.
        let ca: api::CaInfo = app.ok(Method::GET, &a("/ca"), None, None).await;
        let cert = Certificate::from_der(&lic.certificate).unwrap();
        verify_chain(
            &cert,
            &[Certificate::from_der(&ca.issuing).unwrap()],
            &[Certificate::from_der(&ca.root).unwrap()],
            (app.clock_now()) as u64,
            Usage::Signing,
            &[],
        )
        .unwrap();
        assert_eq!(cert.common_name().as_deref(), Some("张伟"));
        let list: api::LicenseList = app
            .ok(
                Method::GET,
                &a("/licenses?locality=420502"),
                zw.token.as_deref(),
                None,
            )
            .await;
        assert_eq!(list.downloaded.len(), 1);
        // Another locality shows nothing of this company.
        let other: api::LicenseList = app
            .ok(
                Method::GET,
                &a("/licenses?locality=110105"),
                zw.token.as_deref(),
                None,
            )
            .await;
        assert!(other.downloadable.iter().all(|o| o.entity_name != COMPANY));
    })
    .await;
}

// R2: a mismatch tells the person to go to the local market-supervision office; nothing stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_name_mismatch_and_wrong_code_are_refused() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let mut wrong = person("张伟");
        wrong.phone = "13900000000".into();
        let (s, v) = wrong.realname(&app).await.unwrap_err();
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(code(&v), "authority.realname_mismatch");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .contains("市场监督管理部门")
        );
        let outbox: Vec<api::OutboxMessage> = app
            .ok(Method::GET, &a("/dev/outbox?phone=13900000000"), None, None)
            .await;
        assert!(outbox.is_empty(), "no code sent on a mismatch");

        // A wrong code, then an expired one.
        let zw = person("张伟");
        let started: api::RealNameStarted = app
            .ok(
                Method::POST,
                &a("/realname"),
                None,
                Some(json!({"name": zw.name, "id_number": zw.id_number, "phone": zw.phone})),
            )
            .await;
        let (s, v) = app
            .call(
                Method::POST,
                &a("/realname/confirm"),
                None,
                Some(json!({"session": started.session, "code": "000000x"})),
            )
            .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, "authority.code_invalid")
        );
        let outbox: Vec<api::OutboxMessage> = app
            .ok(
                Method::GET,
                &a(&format!("/dev/outbox?phone={}", zw.phone)),
                None,
                None,
            )
            .await;
        app.clock.advance(301);
        let (s, v) = app
            .call(
                Method::POST,
                &a("/realname/confirm"),
                None,
                Some(json!({"session": started.session, "code": outbox[0].code})),
            )
            .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, "authority.code_invalid")
        );
        // Bad input is a clear error too.
        let (s, v) = app
            .call(
                Method::POST,
                &a("/realname"),
                None,
                Some(json!({"name": "张伟", "id_number": "110105194912310021", "phone": zw.phone})),
            )
            .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, "id_number.check_digit")
        );
        let (s, v) = app
            .call(
                Method::POST,
                &a("/realname"),
                None,
                Some(json!({"name": 1})),
            )
            .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, "request.invalid_body")
        );
    })
    .await;
}

// R3: the declaration must be accepted; R2: without a grant nothing is downloadable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declaration_and_holdings_are_required() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let mut zw = person("张伟");
        zw.realname(&app).await.unwrap();
        let key = yizhao_gm::PrivateKey::generate(
            yizhao_gm::SuiteId::Gm,
            &mut yizhao_server::rng::PortRng(app.rng.as_ref()),
        );
        let spki = key.public_key().to_spki_der().unwrap();
        let token = zw.token.clone().unwrap();
        let pop = key
            .sign(&api::download_pop_message(&token, &uscc(), &spki))
            .unwrap();
        let req = api::DownloadRequest {
            uscc: uscc(),
            grant_id: None,
            accepted_declaration: None,
            device_public_key: spki.clone(),
            proof_of_possession: pop.clone(),
        };
        let (s, v) = app
            .call(
                Method::POST,
                &a("/licenses"),
                Some(&token),
                Some(crate::json(&req)),
            )
            .await;
        assert_eq!(
            (s, code(&v)),
            (
                StatusCode::BAD_REQUEST,
                "authority.declaration_not_accepted"
            )
        );
        // A proof of possession by another key is refused.
        let other = yizhao_gm::PrivateKey::generate(
            yizhao_gm::SuiteId::Gm,
            &mut yizhao_server::rng::PortRng(app.rng.as_ref()),
        );
        let bad_pop = other
            .sign(&api::download_pop_message(&token, &uscc(), &spki))
            .unwrap();
        let req = api::DownloadRequest {
            accepted_declaration: Some("2024-1".into()),
            proof_of_possession: bad_pop,
            ..req
        };
        let (s, v) = app
            .call(
                Method::POST,
                &a("/licenses"),
                Some(&token),
                Some(crate::json(&req)),
            )
            .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, "request.proof_of_possession")
        );
        // Another company's license is not his to download.
        let agency = demo_registry_entry("北京示范招标代理有限公司").unwrap();
        let (s, v) = zw
            .download(&app, agency.uscc.as_str(), None)
            .await
            .unwrap_err();
        assert_eq!(
            (s, code(&v)),
            (StatusCode::FORBIDDEN, "authority.nothing_to_download")
        );
        // No token, no download.
        let (s, v) = app
            .call(
                Method::GET,
                &a("/licenses?locality=420502"),
                Some("nonsense"),
                None,
            )
            .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::UNAUTHORIZED, "authority.realname_expired")
        );
    })
    .await;
}

// R2: an admin can't make the entity's first download, even with a grant on file.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_download_is_the_legal_representatives() {
    on_both(|t| async move {
        let app = TestApp::new(t.db.clone()).await;
        let ln = demo_person("李娜").unwrap();
        let mut tx = t.db.begin().await.unwrap();
        tx.insert_grant(&GrantRow {
            id: "g1".into(),
            uscc: uscc(),
            role: "license_admin".into(),
            name: ln.name.clone(),
            id_number: ln.id_number.as_str().into(),
            phone: ln.phone.as_str().into(),
            scope: "all".into(),
            period_start: None,
            period_end: None,
            granted_by: "import".into(),
            granted_at: crate::T0,
            revoked_at: None,
            revoked_by: None,
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let mut admin = person("李娜");
        admin.realname(&app).await.unwrap();
        let (s, v) = admin.download(&app, &uscc(), None).await.unwrap_err();
        assert_eq!(
            (s, code(&v)),
            (StatusCode::FORBIDDEN, "authority.first_download_legal_rep")
        );
        legal_rep(&app).await;
        admin.download(&app, &uscc(), None).await.unwrap();
    })
    .await;
}

// R5 under concurrency: fifteen appointments sent at once leave five admins, on both backends
// (on PostgreSQL, count-then-insert in READ COMMITTED let 8–10 through before the entity lock).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_five_admins_when_fifteen_race() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        // Fifteen people of no entity: valid ID numbers made from a serial, distinct phones.
        let mut envelopes = Vec::new();
        for i in 0..15u32 {
            let body = format!("42050319900101{:03}", 100 + i);
            let check = yizhao_domain::ids::IdNumber::check_char(&body).unwrap();
            let person = json!({
                "name": format!("管理员{i}"),
                "id_number": format!("{body}{check}"),
                "phone": format!("1390000{:04}", 100 + i),
            });
            envelopes.push(
                zw.envelope(
                    &app,
                    0,
                    "admins.add",
                    json!({"uscc": uscc(), "person": person}),
                )
                .await,
            );
        }
        let path = a("/signed");
        let answers = futures_util::future::join_all(
            envelopes
                .iter()
                .map(|s| app.call(Method::POST, &path, None, Some(to_json(s)))),
        )
        .await;
        let ok = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
        for (s, v) in &answers {
            assert!(
                *s == StatusCode::OK || code(v) == "authority.admin_limit",
                "{s} {v}"
            );
        }
        let (_, v) = zw
            .signed(&app, 0, "admins.list", json!({"uscc": uscc()}))
            .await;
        let live = v.as_array().unwrap().len();
        assert_eq!(
            (ok, live),
            (5, 5),
            "[{}] {ok} appointed, {live} live",
            t.backend
        );
    })
    .await;
}

// R5: at most five admins; the sixth is refused until one is removed; only the legal
// representative manages admins; a removed admin's license stops working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_five_admins() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let people: Vec<_> = yizhao_domain::registry::demo_people().into_iter().take(6).collect();
        let mut ids = Vec::new();
        for p in &people[..5] {
            let (s, v) = zw.signed(&app, 0, "admins.add", json!({"uscc": uscc(), "person": {"name": p.name, "id_number": p.id_number.as_str(), "phone": p.phone.as_str()}})).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            ids.push(v["grant_id"].as_str().unwrap().to_owned());
        }
        let sixth = json!({"uscc": uscc(), "person": {"name": people[5].name, "id_number": people[5].id_number.as_str(), "phone": people[5].phone.as_str()}});
        let (s, v) = zw.signed(&app, 0, "admins.add", sixth.clone()).await;
        assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "authority.admin_limit"));
        assert!(v["error"]["message"].as_str().unwrap().contains("请先删除"));
        let (s, v) = zw.signed(&app, 0, "admins.remove", json!({"uscc": uscc(), "grant_id": ids[4]})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["status"], "revoked");
        let (s, v) = zw.signed(&app, 0, "admins.add", sixth).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = zw.signed(&app, 0, "admins.list", json!({"uscc": uscc()})).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v.as_array().unwrap().len(), 5);
        assert!(v[0]["id_number_masked"].as_str().unwrap().contains('*'));
    })
    .await;
}

// R5, R7, R8: an admin authorizes an agent (precise); the agent may bid but not do procurement;
// an admin may not manage admins; an agent may not manage anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_authorizes_a_precise_agent() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let (s, v) = zw.signed(&app, 0, "admins.add", json!({"uscc": uscc(), "person": person_json("李娜")})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let mut ln = person("李娜");
        ln.realname(&app).await.unwrap();
        ln.download(&app, &uscc(), None).await.unwrap();
        let (s, v) = ln.signed(&app, 0, "admins.add", json!({"uscc": uscc(), "person": person_json("孙磊")})).await;
        assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "authority.only_legal_rep"));
        let (s, v) = ln.signed(&app, 0, "authorizations.add", json!({"uscc": uscc(), "agent": person_json("王强"), "mode": "precise", "matters": [MATTER_BIDDING]})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (start, end) = (v["period"][0].as_i64().unwrap(), v["period"][1].as_i64().unwrap());
        assert_eq!(end - start, 3 * DAY, "default period is 3 days");
        let mut wq = person("王强");
        wq.realname(&app).await.unwrap();
        wq.download(&app, &uscc(), None).await.unwrap();
        assert_eq!(wq.licenses[0].0.role, "agent");
        let st = wq.status(&app, 0, Some(MATTER_BIDDING)).await;
        assert!(st.usable, "{st:?}");
        let st = wq.status(&app, 0, Some(MATTER_PROCUREMENT)).await;
        assert!(!st.usable);
        assert_eq!(st.reason.unwrap().code, "authority.matter_not_authorized");
        let (s, v) = wq.signed(&app, 0, "authorizations.add", json!({"uscc": uscc(), "agent": person_json("孙磊"), "mode": "all"})).await;
        assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "authority.not_a_manager"));
        // After the period the agent's license is no longer usable.
        app.clock.advance(3 * DAY);
        let st = wq.status(&app, 0, Some(MATTER_BIDDING)).await;
        assert_eq!((st.status.as_str(), st.usable), ("ended", false));
    })
    .await;
}

// R7: an authorization that has not started downloads but is not usable until its start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_yet_effective_downloads_but_waits() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let start = app.clock_now() + DAY;
        let (s, v) = zw.signed(&app, 0, "authorizations.add", json!({"uscc": uscc(), "agent": person_json("王强"), "mode": "all", "start": start, "end": start + 10 * DAY})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["status"], "not_yet_effective");
        let mut wq = person("王强");
        wq.realname(&app).await.unwrap();
        wq.download(&app, &uscc(), None).await.unwrap();
        let st = wq.status(&app, 0, None).await;
        assert_eq!((st.status.as_str(), st.usable), ("not_yet_effective", false));
        let (s, v) = wq.signed(&app, 0, "authorizations.list", json!({"uscc": uscc()})).await;
        assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "authority.not_yet_effective"));
        app.clock.advance(DAY);
        let st = wq.status(&app, 0, None).await;
        assert!(st.usable, "{st:?}");
    })
    .await;
}

// R7: revoking an authorization, or removing an admin, invalidates the copies downloaded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_copies_are_refused() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let (_, admin) = zw
            .signed(
                &app,
                0,
                "admins.add",
                json!({"uscc": uscc(), "person": person_json("李娜")}),
            )
            .await;
        let (_, auth) = zw
            .signed(
                &app,
                0,
                "authorizations.add",
                json!({"uscc": uscc(), "agent": person_json("王强"), "mode": "all"}),
            )
            .await;
        let mut ln = person("李娜");
        ln.realname(&app).await.unwrap();
        ln.download(&app, &uscc(), None).await.unwrap();
        let mut wq = person("王强");
        wq.realname(&app).await.unwrap();
        wq.download(&app, &uscc(), None).await.unwrap();
        assert!(wq.status(&app, 0, None).await.usable);

        let (s, _) = zw
            .signed(
                &app,
                0,
                "authorizations.revoke",
                json!({"uscc": uscc(), "grant_id": auth["grant_id"]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let st = wq.status(&app, 0, None).await;
        assert_eq!((st.status.as_str(), st.usable), ("revoked", false));
        let (s, v) = wq
            .signed(&app, 0, "authorizations.list", json!({"uscc": uscc()}))
            .await;
        assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "authority.revoked"));

        let (s, _) = zw
            .signed(
                &app,
                0,
                "admins.remove",
                json!({"uscc": uscc(), "grant_id": admin["grant_id"]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let (s, v) = ln
            .signed(&app, 0, "authorizations.list", json!({"uscc": uscc()}))
            .await;
        assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "authority.revoked"));
        // Revoking twice is refused and changes nothing.
        let (s, v) = zw
            .signed(
                &app,
                0,
                "admins.remove",
                json!({"uscc": uscc(), "grant_id": admin["grant_id"]}),
            )
            .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::CONFLICT, "authority.already_revoked")
        );
    })
    .await;
}

// Proofs: replayed, tampered, foreign and other-entity requests are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proofs_are_checked() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let c: api::Challenge = app.ok(Method::POST, &a("/challenges"), None, None).await;
        let payload = json!({"uscc": uscc()}).to_string();
        let (lic, key) = &zw.licenses[0];
        let sig = key
            .sign(&api::proof_message("admins.list", &c.challenge, &payload))
            .unwrap();
        let s = api::Signed {
            action: "admins.list".into(),
            payload: payload.clone(),
            challenge: c.challenge.clone(),
            certificate: lic.certificate.clone(),
            signature: sig,
        };
        let (st, _) = app
            .call(Method::POST, &a("/signed"), None, Some(crate::json(&s)))
            .await;
        assert_eq!(st, StatusCode::OK);
        let (st, v) = app
            .call(Method::POST, &a("/signed"), None, Some(crate::json(&s)))
            .await;
        assert_eq!(
            (st, code(&v)),
            (StatusCode::UNAUTHORIZED, "auth.challenge_invalid"),
            "replay"
        );
        // Tampered payload: the signature no longer matches.
        let c: api::Challenge = app.ok(Method::POST, &a("/challenges"), None, None).await;
        let sig = key
            .sign(&api::proof_message("admins.list", &c.challenge, &payload))
            .unwrap();
        let tampered = api::Signed {
            payload: json!({"uscc": "91350100M000100Y43"}).to_string(),
            challenge: c.challenge.clone(),
            signature: sig.clone(),
            ..s.clone()
        };
        let (st, v) = app
            .call(
                Method::POST,
                &a("/signed"),
                None,
                Some(crate::json(&tampered)),
            )
            .await;
        assert_eq!(
            (st, code(&v)),
            (StatusCode::UNAUTHORIZED, "auth.signature_invalid")
        );
        // An expired challenge.
        app.clock.advance(121);
        let ok_sig = api::Signed {
            challenge: c.challenge.clone(),
            signature: sig,
            ..s.clone()
        };
        let (st, v) = app
            .call(
                Method::POST,
                &a("/signed"),
                None,
                Some(crate::json(&ok_sig)),
            )
            .await;
        assert_eq!(
            (st, code(&v)),
            (StatusCode::UNAUTHORIZED, "auth.challenge_invalid")
        );
        // A certificate from another authority (same names, other keys).
        let dir = tempfile::tempdir().unwrap();
        let other_db = yizhao_store::Database::sqlite_file(dir.path().join("other.db"))
            .await
            .unwrap();
        let other = TestApp::build(other_db, yizhao_server::AuthorityConfig::default(), 99).await;
        let other_zw = legal_rep(&other).await;
        let (st, v) = other_zw
            .signed(&app, 0, "admins.list", json!({"uscc": uscc()}))
            .await;
        assert_eq!(
            (st, code(&v)),
            (StatusCode::UNAUTHORIZED, "auth.certificate_invalid")
        );
        // Another entity's business.
        let (st, v) = zw
            .signed(
                &app,
                0,
                "admins.list",
                json!({"uscc": "91350100M000100Y43"}),
            )
            .await;
        assert_eq!((st, code(&v)), (StatusCode::FORBIDDEN, "auth.other_entity"));
        let (st, v) = zw.signed(&app, 0, "nonsense", json!({})).await;
        assert_eq!((st, code(&v)), (StatusCode::BAD_REQUEST, "request.action"));
    })
    .await;
}

// A signed request naming an action the license authority does not have, or carrying a
// payload that is not its action's request, is refused (`request.action`,
// `request.invalid_body`) once its proof checks out, and changes nothing. The refusal drops the
// request's transaction, the challenge's consumption with it, as for any refusal: the same
// envelope sent again is refused the same way, not as a replay. That is harmless, since the
// action and payload are signed: the envelope can never ask for anything else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_actions_and_misshapen_payloads_change_nothing() {
    on_both(|t| async move {
        let app = TestApp::new(t.db.clone()).await;
        let zw = legal_rep(&app).await;
        let before = audit_records(&t.db).await;
        let refused = [
            (
                "admins.promote",
                json!({"uscc": uscc(), "person": person_json("李娜")}),
                "request.action",
            ),
            (
                "Admins.Add",
                json!({"uscc": uscc(), "person": person_json("李娜")}),
                "request.action",
            ),
            // A seal authority action is not the license authority's.
            (
                "seal_admins.list",
                json!({"uscc": uscc()}),
                "request.action",
            ),
            (
                "admins.add",
                json!({"uscc": uscc(), "people": [person_json("李娜")]}),
                "request.invalid_body",
            ),
            // No mode.
            (
                "authorizations.add",
                json!({"uscc": uscc(), "agent": person_json("王强")}),
                "request.invalid_body",
            ),
            ("admins.list", json!(uscc()), "request.invalid_body"),
        ];
        for (action, payload, expected) in refused {
            let s = zw.envelope(&app, 0, action, payload).await;
            for attempt in ["first", "again"] {
                let (st, v) = app
                    .call(Method::POST, &a("/signed"), None, Some(crate::json(&s)))
                    .await;
                assert_eq!(
                    (st, code(&v)),
                    (StatusCode::BAD_REQUEST, expected),
                    "{action} ({attempt}): {v}"
                );
            }
        }
        assert_eq!(audit_records(&t.db).await, before);
        for list in ["admins.list", "authorizations.list"] {
            let (st, v) = zw.signed(&app, 0, list, json!({"uscc": uscc()})).await;
            assert_eq!((st, v), (StatusCode::OK, json!([])), "{list}");
        }
    })
    .await;
}

// Every action of the protocol is dispatched by its own service, and only there: a payload
// that is no action's request reaches the action's parser (`request.invalid_body`) at its
// service and is an unknown action (`request.action`) at the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_action_is_run_by_its_own_service_only() {
    use yizhao_proto::action::{ALL, Service};
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        for (action, service) in ALL {
            let other = match service {
                Service::LicenseAuthority => Service::SealAuthority,
                Service::SealAuthority => Service::LicenseAuthority,
            };
            for (at, expected) in [
                (service, "request.invalid_body"),
                (&other, "request.action"),
            ] {
                let (st, v) = zw
                    .signed_to(&app, &at.signed_path(), 0, action, json!("x"))
                    .await;
                assert_eq!(
                    (st, code(&v)),
                    (StatusCode::BAD_REQUEST, expected),
                    "{action} at {at:?}: {v}"
                );
            }
        }
    })
    .await;
}

// Status answers are signed by a key the root certifies; the audit chain stays intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_is_signed_and_audit_is_intact() {
    on_both(|t| async move {
        let app = TestApp::new(t.db.clone()).await;
        let zw = legal_rep(&app).await;
        let r: api::StatusResponse = app
            .ok(
                Method::POST,
                &a("/status"),
                None,
                Some(crate::json(&api::StatusRequest {
                    certificate: zw.licenses[0].0.certificate.clone(),
                    matter: None,
                })),
            )
            .await;
        let ca: api::CaInfo = app.ok(Method::GET, &a("/ca"), None, None).await;
        let signer = Certificate::from_der(&r.signer).unwrap();
        verify_chain(
            &signer,
            &[],
            &[Certificate::from_der(&ca.root).unwrap()],
            app.clock_now() as u64,
            Usage::Signing,
            &[],
        )
        .unwrap();
        signer
            .public_key()
            .unwrap()
            .verify(r.body.as_bytes(), &r.signature)
            .unwrap();
        let body: api::StatusBody = serde_json::from_str(&r.body).unwrap();
        assert!(body.usable);
        assert_eq!(body.uscc, uscc());
        // Garbage certificate: "unknown", still a signed answer.
        let r: api::StatusResponse = app
            .ok(
                Method::POST,
                &a("/status"),
                None,
                Some(json!({"certificate": "AAAA"})),
            )
            .await;
        assert!(r.body.contains("\"unknown\""));
        match t.db.verify_audit().await.unwrap() {
            AuditVerdict::Intact { records } => assert!(records >= 3, "{records}"),
            other => panic!("{other:?}"),
        }
    })
    .await;
}

// Once a person has downloaded, their ID number and phone are locked for that entity.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn person_is_locked_after_download() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        zw.signed(
            &app,
            0,
            "authorizations.add",
            json!({"uscc": uscc(), "agent": person_json("王强"), "mode": "all"}),
        )
        .await;
        let mut wq = person("王强");
        wq.realname(&app).await.unwrap();
        wq.download(&app, &uscc(), None).await.unwrap();
        let mut changed = person_json("王强");
        changed["phone"] = json!("13912345678");
        let (s, v) = zw
            .signed(
                &app,
                0,
                "authorizations.add",
                json!({"uscc": uscc(), "agent": changed, "mode": "all"}),
            )
            .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::CONFLICT, "authority.person_locked")
        );
        let (s, v) = zw
            .signed(
                &app,
                0,
                "authorizations.add",
                json!({"uscc": uscc(), "agent": person_json("张伟"), "mode": "all"}),
            )
            .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, "authority.is_legal_rep")
        );
    })
    .await;
}

#[test]
fn openapi_lists_every_route() {
    let spec = yizhao_server::openapi::spec();
    for p in yizhao_server::openapi::PATHS {
        assert!(
            spec["paths"].get(*p).is_some(),
            "{p} missing from the OpenAPI document"
        );
    }
}

/// Found by schemathesis (issue #15): the `{id}` of `/qr/{id}`… was not declared as a path
/// parameter, so no client generator could call those routes; and fields the server writes as
/// `null` (a QR status's short code and error, an agent's period and matters) were documented as
/// plain strings and objects.
#[test]
fn openapi_declares_path_parameters_and_nullable_fields() {
    let spec = yizhao_server::openapi::spec();
    for (path, item) in spec["paths"].as_object().unwrap() {
        let names: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        for (method, op) in item.as_object().unwrap() {
            for name in &names {
                let declared = op["parameters"].as_array().is_some_and(|ps| {
                    ps.iter()
                        .any(|p| p["name"] == *name && p["in"] == "path" && p["required"] == true)
                });
                assert!(declared, "{method} {path}: {{{name}}} is not declared");
            }
        }
    }
    let schemas = &spec["components"]["schemas"];
    let status = serde_json::to_value(yizhao_proto::qr::QrStatus {
        id: "x".into(),
        state: yizhao_proto::qr::QrPhase::Pending,
        short_code: None,
        expires_at: 0,
        error: None,
    })
    .unwrap();
    for (field, value) in status.as_object().unwrap() {
        if value.is_null() {
            assert_eq!(
                schemas["QrStatus"]["properties"][field]["nullable"], true,
                "QrStatus.{field} is written as null"
            );
        }
    }
    for (schema, field) in [
        ("LicenseOffer", "grant_id"),
        ("LicenseOffer", "period"),
        ("LicenseOffer", "matters"),
        ("GrantItem", "period"),
        ("GrantItem", "matters"),
    ] {
        assert_eq!(
            schemas[schema]["properties"][field]["nullable"], true,
            "{schema}.{field} may be null"
        );
    }
}

/// An identity-proofing port whose SMS gateway is down.
struct GatewayDown;

impl yizhao_server::authority::IdentityProofing for GatewayDown {
    fn deliver<'a>(
        &'a self,
        _tx: &'a mut yizhao_store::Transaction,
        _phone: &'a str,
        _text: &'a str,
        _code: &'a str,
        _at: i64,
    ) -> yizhao_server::authority::proofing::Delivery<'a> {
        Box::pin(async {
            Err(yizhao_server::ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "proofing.unavailable",
                "短信发送失败，请稍后再试。",
            ))
        })
    }

    fn readable_outbox(&self) -> bool {
        false
    }
}

// R2: code delivery is a port; a failed delivery leaves no session, and only the built-in
// outbox can be read back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_proofing_is_a_port() {
    let dir = tempfile::tempdir().unwrap();
    let db = yizhao_store::Database::sqlite_file(dir.path().join("p.db"))
        .await
        .unwrap();
    let app = TestApp::new(db).await;
    let authority = yizhao_server::Authority::start(
        app.authority.db().clone(),
        app.clock.clone(),
        app.rng.clone(),
        &yizhao_gm::keystore::Password::new("test-key-password"),
        yizhao_gm::keystore::KdfParams::INSECURE_FAST,
        yizhao_server::AuthorityConfig::default(),
    )
    .await
    .unwrap()
    .with_proofing(std::sync::Arc::new(GatewayDown));
    let zw = person("张伟");
    let err = authority
        .realname_start(&api::RealNameRequest {
            name: zw.name.clone(),
            id_number: zw.id_number.clone(),
            phone: zw.phone.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(err.code, "proofing.unavailable");
    assert_eq!(
        authority.outbox(&zw.phone).await.unwrap_err().code,
        "authority.outbox_disabled"
    );
    // The built-in outbox is not readable over the API unless asked for.
    let default = yizhao_server::Authority::start(
        app.authority.db().clone(),
        app.clock.clone(),
        app.rng.clone(),
        &yizhao_gm::keystore::Password::new("test-key-password"),
        yizhao_gm::keystore::KdfParams::INSECURE_FAST,
        yizhao_server::AuthorityConfig::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        default.outbox(&zw.phone).await.unwrap_err().code,
        "authority.outbox_disabled"
    );
    // The built-in one delivered nothing either: the failed session was rolled back.
    assert!(app.authority.outbox(&zw.phone).await.unwrap().is_empty());
}

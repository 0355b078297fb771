//! Members (R11, R12, R22) through HTTP: a QR login of an entity not yet registered lands in
//! registration, pre-filled from the license; bidders and agencies register themselves; the
//! credit database's basic information syncs from the license.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use yizhao_domain::registry::demo_registry_entry;
use yizhao_server::authority::registry_row;
use yizhao_testkit::on_both;

use crate::qr::{Browser, legal_rep, scan};
use crate::{Phone, TestApp, code};

const ENTITY: &str = "宜昌市示范建设工程有限公司";
const API: &str = "/platform/api/v1";

fn p(path: &str) -> String {
    format!("{API}{path}")
}

/// Log `pc` in by scanning with license `i` of `phone` and confirming the short code.
pub(crate) async fn login(app: &TestApp, phone: &Phone, pc: &mut Browser) {
    let qr = pc.new_login(app).await;
    let (s, v) = scan(app, phone, 0, &qr.id).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let short = v["short_code"].as_str().unwrap().to_owned();
    let (s, v) = pc
        .call(
            app,
            Method::POST,
            &p(&format!("/qr/{}/confirm", qr.id)),
            Some(json!({ "code": short })),
        )
        .await;
    assert_eq!(
        (s, v["state"].as_str()),
        (StatusCode::OK, Some("completed"))
    );
    assert!(pc.cookie.as_deref().unwrap().contains("yz_member="));
    // Polling the completed request afterwards makes no second session.
    let before = pc.cookie.clone();
    let (s, _) = pc
        .call(app, Method::GET, &p(&format!("/qr/{}", qr.id)), None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(pc.cookie, before);
}

async fn get(app: &TestApp, pc: &mut Browser, path: &str) -> (StatusCode, Value) {
    pc.call(app, Method::GET, &p(path), None).await
}

async fn post(app: &TestApp, pc: &mut Browser, path: &str, body: Value) -> (StatusCode, Value) {
    pc.call(app, Method::POST, &p(path), Some(body)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_after_login_then_sync_and_logout() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let uscc = demo_registry_entry(ENTITY).unwrap().uscc.as_str().to_owned();
        let face = app.authority.face_data(&uscc).await.unwrap().unwrap();

        // Not yet a member: the login lands in registration.
        let mut pc = Browser { cookie: None };
        login(&app, &zw, &mut pc).await;
        let (s, me) = get(&app, &mut pc, "/me").await;
        assert_eq!(s, StatusCode::OK, "{me}");
        assert_eq!(me["state"], "registering");
        assert_eq!(me["uscc"], uscc.as_str());
        assert_eq!(me["entity_name"], ENTITY);
        assert_eq!(me["person"], "张伟");
        assert_eq!(me["role"], "legal_representative");
        assert_eq!(me["role_label"], "法定代表人");
        assert!(me["member_kind"].is_null());
        let (s, v) = get(&app, &mut pc, "/credit").await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::FORBIDDEN, "member.registration_required")
        );

        // The form, pre-filled from the license's face data.
        let (s, form) = get(&app, &mut pc, "/registration").await;
        assert_eq!(s, StatusCode::OK, "{form}");
        assert_eq!(form["uscc"], face.uscc.as_str());
        assert_eq!(form["name"], face.name.as_str());
        assert_eq!(form["kind_of_entity"], face.kind.as_str());
        assert_eq!(form["legal_representative"], "张伟");
        assert_eq!(form["registered_capital"], face.registered_capital.as_str());
        assert_eq!(form["domicile"], face.domicile.as_str());
        assert_eq!(form["business_scope"], face.business_scope.as_str());
        assert_eq!(form["locality"], face.locality.as_str());
        assert_eq!(form["contact_name"], "张伟");
        assert_eq!(form["kinds"], json!(["bidder", "agency"]));

        // Bad bodies, then a kind only the window registers (R11), then a bidder.
        let (s, v) = post(&app, &mut pc, "/registration", json!({ "kind": 5 })).await;
        assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "request.invalid_body"));
        let (s, v) = post(
            &app,
            &mut pc,
            "/registration",
            json!({ "kind": "bidder", "contact_name": " ", "contact_phone": "13800000000" }),
        )
        .await;
        assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "member.contact_required"));
        let (s, v) = post(
            &app,
            &mut pc,
            "/registration",
            json!({ "kind": "tenderer", "contact_name": "张伟", "contact_phone": "13800000000" }),
        )
        .await;
        assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "member.kind_window_only"));
        assert_eq!(v["error"]["message"], "招标人、采购人请联系网员注册窗口注册");
        let (s, v) = post(
            &app,
            &mut pc,
            "/registration",
            json!({ "kind": "bidder", "contact_name": "张伟", "contact_phone": "13800000000" }),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!((v["state"].as_str(), v["member_kind"].as_str()), (Some("active"), Some("bidder")));
        let (_, me) = get(&app, &mut pc, "/me").await;
        assert_eq!(
            (me["state"].as_str(), me["entity_name"].as_str(), me["person"].as_str(), me["member_kind_label"].as_str()),
            (Some("active"), Some(ENTITY), Some("张伟"), Some("投标人"))
        );
        let (s, v) = post(
            &app,
            &mut pc,
            "/registration",
            json!({ "kind": "agency", "contact_name": "张伟", "contact_phone": "13800000000" }),
        )
        .await;
        assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "member.already_registered"));

        // Another browser sees nothing; nor does a made-up cookie.
        let mut other = Browser { cookie: None };
        let (s, v) = get(&app, &mut other, "/me").await;
        assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "member.not_logged_in"));
        let mut forged = Browser {
            cookie: Some(format!("yz_member={}", "ab".repeat(32))),
        };
        let (s, v) = get(&app, &mut forged, "/credit").await;
        assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "member.not_logged_in"));

        // A second login of the same entity goes straight to active.
        let mut pc2 = Browser { cookie: None };
        login(&app, &zw, &mut pc2).await;
        let (_, me) = get(&app, &mut pc2, "/me").await;
        assert_eq!((me["state"].as_str(), me["member_kind"].as_str()), (Some("active"), Some("bidder")));

        // The registry changes; a sync reports exactly what changed (R22).
        let (s, credit) = get(&app, &mut pc2, "/credit").await;
        assert_eq!(s, StatusCode::OK, "{credit}");
        assert_eq!(credit["domicile"], face.domicile.as_str());
        assert_eq!(credit["contact_phone"], "13800000000");
        let mut row = registry_row(&demo_registry_entry(ENTITY).unwrap());
        row.registered_capital = "6000万元人民币".into();
        row.domicile = "宜昌市西陵区新地址1号".into();
        app.authority.import_registry(&[row], "test").await.unwrap();
        let (s, v) = post(&app, &mut pc2, "/credit/sync", json!({})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(
            v["changed"],
            json!([
                { "field": "registered_capital", "old": face.registered_capital, "new": "6000万元人民币" },
                { "field": "domicile", "old": face.domicile, "new": "宜昌市西陵区新地址1号" },
            ])
        );
        let (_, v) = post(&app, &mut pc2, "/credit/sync", json!({})).await;
        assert_eq!(v["changed"], json!([]));
        let (_, credit) = get(&app, &mut pc, "/credit").await;
        assert_eq!(credit["domicile"], "宜昌市西陵区新地址1号");

        // Logout ends the session, even for a copy of the old cookie; the other one lives on.
        let old = pc.cookie.clone();
        let (s, v) = post(&app, &mut pc, "/logout", json!({})).await;
        assert_eq!((s, v["state"].as_str()), (StatusCode::OK, Some("ended")));
        let (s, v) = get(&app, &mut pc, "/me").await;
        assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "member.not_logged_in"));
        let mut copy = Browser { cookie: old };
        let (s, v) = get(&app, &mut copy, "/me").await;
        assert_eq!((s, code(&v)), (StatusCode::UNAUTHORIZED, "member.not_logged_in"));
        let (s, _) = post(&app, &mut copy, "/logout", json!({})).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _) = get(&app, &mut pc2, "/me").await;
        assert_eq!(s, StatusCode::OK);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_short_code_the_poll_that_sees_completion_logs_in() {
    use yizhao_server::platform::PlatformConfig;

    on_both(|t| async move {
        let mut app = TestApp::new(t.db).await;
        let mut config = PlatformConfig::default();
        config.qr.confirm_short_code = false;
        app.with_platform_config(config).await;
        let zw = legal_rep(&app).await;
        let mut pc = Browser { cookie: None };
        let qr = pc.new_login(&app).await;
        let (s, v) = scan(&app, &zw, 0, &qr.id).await;
        assert_eq!(
            (s, v["state"].as_str()),
            (StatusCode::OK, Some("completed")),
            "{v}"
        );
        // Another browser's poll gets nothing.
        let mut other = Browser { cookie: None };
        other.new_login(&app).await;
        let (s, _) = get(&app, &mut other, &format!("/qr/{}", qr.id)).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(!other.cookie.as_deref().unwrap().contains("yz_member="));
        let (s, v) = get(&app, &mut pc, &format!("/qr/{}", qr.id)).await;
        assert_eq!(
            (s, v["state"].as_str()),
            (StatusCode::OK, Some("completed"))
        );
        let (s, me) = get(&app, &mut pc, "/me").await;
        assert_eq!(
            (s, me["state"].as_str()),
            (StatusCode::OK, Some("registering")),
            "{me}"
        );
    })
    .await;
}

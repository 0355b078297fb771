//! Revoking the seal maker (issue #5, GB/T 38540 seal verification step 3): a rotation revokes
//! the maker, the root's CRL lists it, seals it made fail step 3 with that CRL, new seals are
//! made by the new maker — also by another process that held the old one — on both backends.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt as _;
use serde_json::json;
use yizhao_domain::seal::Review;
use yizhao_gm::crl::Crl;
use yizhao_gm::keystore::{KdfParams, Password};
use yizhao_gm::x509::Certificate;
use yizhao_proto::seal as api;
use yizhao_server::seal::Seals;
use yizhao_ses::{Seal, SesError};
use yizhao_store::AuditVerdict;
use yizhao_testkit::on_both;

use crate::seals::{holder, processed_seal, seal, upload, uscc};
use crate::{T0, TestApp, TestRandom};

/// `GET /seal/api/v1/crl`: its content type and the parsed CRL.
async fn fetch_crl(app: &TestApp) -> Crl {
    let req = Request::get(format!("{}/crl", api::PREFIX))
        .body(Body::empty())
        .unwrap();
    let resp = tower::ServiceExt::oneshot(app.router.clone(), req)
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/pkix-crl");
    let der = resp.into_body().collect().await.unwrap().to_bytes();
    Crl::from_der(&der).unwrap()
}

/// Upload an impression as 张伟 and approve it with `seals`; the seal made (DER, from the
/// database).
async fn approved_seal(app: &TestApp, seals: &Seals, who: &crate::Phone) -> Seal {
    let (s, v) = seal(
        app,
        who,
        "impressions.upload",
        upload(processed_seal(), true),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let up: api::ImpressionItem = serde_json::from_value(v).unwrap();
    seals
        .review("qiankun", &up.id, &Review::Approve)
        .await
        .unwrap();
    let (_, v) = seal(app, who, "seals.list", json!({"uscc": uscc()})).await;
    let items: Vec<api::SealItem> = serde_json::from_value(v).unwrap();
    let live = items.iter().find(|s| !s.superseded).unwrap();
    let mut tx = app.authority.db().read().await.unwrap();
    let row = tx.seal(&live.id).await.unwrap().unwrap();
    Seal::from_der(&row.seal).unwrap()
}

fn hex_serial(c: &Certificate) -> String {
    c.serial().iter().map(|b| format!("{b:02x}")).collect()
}

fn maker_of(s: &Seal) -> Certificate {
    s.parse_maker_certificate().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotated_maker_is_revoked_in_the_crl_and_every_process_signs_with_the_new_one() {
    on_both(|t| async move {
        let app = TestApp::new(t.db.clone()).await;
        let zw = holder(&app, "张伟").await;
        let root = app.seals.root_certificate().clone();
        let roots = std::slice::from_ref(&root);
        let at = u64::try_from(T0).unwrap() + 60;
        // Another process on the same database (the running server while an operator rotates
        // from the command line): it loaded maker A at its start.
        let server = Seals::start(
            t.db.clone(),
            app.clock.clone(),
            Arc::new(TestRandom::new(99)),
            app.authority.clone(),
            &Password::new("test-key-password"),
            KdfParams::INSECURE_FAST,
            Default::default(),
        )
        .await
        .unwrap();
        let maker_a = app.seals.maker_certificate();
        assert_eq!(server.maker_certificate(), maker_a);

        // A seal made by maker A passes step 3 with the (empty) CRL.
        let seal_a = approved_seal(&app, &app.seals, &zw).await;
        assert_eq!(maker_of(&seal_a), maker_a);
        let crl = fetch_crl(&app).await;
        assert!(crl.revoked().is_empty());
        seal_a
            .verify_maker_chain(&[], roots, at, Some(&crl))
            .unwrap();

        // The reason is required.
        let e = app.seals.rotate_maker("  ").await.unwrap_err();
        assert_eq!(e.code, "seal.rotation_reason");

        // Rotation: A is revoked, B signs from now on.
        app.clock.advance(30);
        let rotation = app.seals.rotate_maker("制章密钥疑似泄露").await.unwrap();
        assert_eq!(rotation.old, maker_a);
        let maker_b = rotation.new.clone();
        assert_ne!(maker_b, maker_a);
        assert_eq!(app.seals.maker_certificate(), maker_b);
        assert_eq!(maker_b.issuer(), maker_a.issuer(), "the same root issues B");

        // The CRL lists A's serial, verifies under the root, and is current for a day.
        let crl = fetch_crl(&app).await;
        crl.verify_signed_by(&root).unwrap();
        let now = u64::try_from(app.clock_now()).unwrap();
        assert_eq!(crl.revoked(), vec![(maker_a.serial().to_vec(), now)]);
        assert!(crl.is_revoked(&maker_a) && !crl.is_revoked(&maker_b));
        assert_eq!(
            (crl.this_update(), crl.next_update()),
            (now, Some(now + 86_400))
        );

        // The earlier seal now fails step 3: its maker is revoked.
        let e = seal_a
            .verify_maker_chain(&[], roots, at + 30, Some(&crl))
            .unwrap_err();
        assert_eq!(e, SesError::MakerRevoked);
        // A CRL kept past its nextUpdate is refused as stale, not taken as "nothing revoked".
        let e = seal_a
            .verify_maker_chain(&[], roots, now + 2 * 86_400, Some(&crl))
            .unwrap_err();
        assert_eq!(e.code(), "ses.crl_stale");

        // A new approval makes a seal signed by B, which passes.
        let seal_b = approved_seal(&app, &app.seals, &zw).await;
        assert_eq!(maker_of(&seal_b), maker_b);
        seal_b.verify(at + 30).unwrap();
        seal_b
            .verify_maker_chain(&[], roots, at + 30, Some(&crl))
            .unwrap();

        // The other process still holds A, and notices B before it makes its next seal.
        assert_eq!(server.maker_certificate(), maker_a);
        let seal_b2 = approved_seal(&app, &server, &zw).await;
        assert_eq!(maker_of(&seal_b2), maker_b);
        assert_eq!(server.maker_certificate(), maker_b);
        // So does a collection, which signs too.
        let (s, v) = seal(&app, &zw, "seals.collectable", json!({})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let can: Vec<api::Collectable> = serde_json::from_value(v).unwrap();
        let (s, v) = seal(
            &app,
            &zw,
            "seals.collect",
            json!({"seal_id": can[0].seal.id}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let collected: api::CollectedSeal = serde_json::from_value(v).unwrap();
        assert_eq!(maker_of(&Seal::from_der(&collected.der).unwrap()), maker_b);

        // A rotation by a process holding an outdated maker revokes the stored one (C), not
        // the one it held (B, already revoked).
        app.clock.advance(30);
        let rotation = server.rotate_maker("年度轮换").await.unwrap();
        assert_eq!(rotation.old, maker_b);
        let maker_c = rotation.new;
        app.clock.advance(30);
        let rotation = app.seals.rotate_maker("再次轮换").await.unwrap();
        assert_eq!(rotation.old, maker_c);
        let crl = Crl::from_der(&server.crl().await.unwrap()).unwrap();
        let listed: Vec<Vec<u8>> = crl.revoked().into_iter().map(|(s, _)| s).collect();
        assert_eq!(
            listed,
            [&maker_a, &maker_b, &maker_c].map(|c| c.serial().to_vec())
        );

        // Each rotation is in the audit log, which stays intact.
        let tail = t.db.audit_tail(1).await.unwrap();
        let last = &tail[0].entry;
        assert_eq!(
            (last.action.as_str(), last.actor.as_str()),
            ("seal.maker_rotate", "operator")
        );
        assert!(last.detail.contains(&hex_serial(&maker_c)) && last.detail.contains("再次轮换"));
        assert!(matches!(
            t.db.verify_audit().await.unwrap(),
            AuditVerdict::Intact { .. }
        ));
    })
    .await;
}

//! The seal authority: seal admins per seal type (R15) and seal use grants with counted uses
//! (R16), over signed requests, on both backends.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use yizhao_domain::authority::GrantStatus;
use yizhao_domain::registry::{demo_person, demo_registry_entry};
use yizhao_proto::seal as api;
use yizhao_store::AuditVerdict;
use yizhao_testkit::on_both;

use crate::{Phone, T0, TestApp, audit_records, code};

const COMPANY: &str = "宜昌市示范建设工程有限公司";
const DAY: i64 = 86_400;
const BIDDING: &str = "egov.ndrc.bidding";

pub(crate) fn uscc() -> String {
    demo_registry_entry(COMPANY)
        .unwrap()
        .uscc
        .as_str()
        .to_owned()
}

fn person(name: &str) -> Phone {
    let p = demo_person(name).unwrap();
    Phone::new(&p.name, p.id_number.as_str(), p.phone.as_str())
}

fn person_json(name: &str) -> Value {
    let p = demo_person(name).unwrap();
    json!({"name": p.name, "id_number": p.id_number.as_str(), "phone": p.phone.as_str()})
}

fn id_number(name: &str) -> String {
    demo_person(name).unwrap().id_number.as_str().to_owned()
}

/// A signed request to the seal authority with the phone's first license.
pub(crate) async fn seal(
    app: &TestApp,
    who: &Phone,
    action: &str,
    payload: Value,
) -> (StatusCode, Value) {
    who.signed_to(app, &format!("{}/signed", api::PREFIX), 0, action, payload)
        .await
}

/// `name` verified and holding the company's license (index 0).
pub(crate) async fn holder(app: &TestApp, name: &str) -> Phone {
    let mut p = person(name);
    p.realname(app).await.unwrap();
    p.download(app, &uscc(), None).await.unwrap();
    p
}

/// The legal representative `zw` authorizes `name` as an all-business agent.
async fn authorize_agent(app: &TestApp, zw: &Phone, name: &str) {
    let (s, v) = zw
        .signed(
            app,
            0,
            "authorizations.add",
            json!({"uscc": uscc(), "agent": person_json(name), "mode": "all"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
}

// The seal authority refuses an action it does not have (`request.action`) and a payload that
// is not the action's request (`request.invalid_body`), and nothing changes: the refusal drops
// the request's transaction, the challenge's consumption with it, so the same envelope sent
// again gets the same refusal (harmless: its action and payload are signed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_actions_and_misshapen_payloads_change_nothing() {
    on_both(|t| async move {
        let app = TestApp::new(t.db.clone()).await;
        let zw = holder(&app, "张伟").await;
        authorize_agent(&app, &zw, "王强").await;
        let before = audit_records(&t.db).await;
        let path = format!("{}/signed", api::PREFIX);
        let refused = [
            (
                "seal_admins.promote",
                grant_to_wang("bid", 1),
                "request.action",
            ),
            // A license authority action is not the seal authority's.
            ("admins.list", json!({"uscc": uscc()}), "request.action"),
            (
                "seal_admins.add",
                json!({"uscc": uscc(), "seal_type": "bid", "name": "王强"}),
                "request.invalid_body",
            ),
            (
                "seal_grants.add",
                grant_to_wang("bid", 1)["uscc"].clone(),
                "request.invalid_body",
            ),
            (
                "seal_grants.add",
                json!({"uscc": uscc(), "seal_type": "bid", "uses": -1}),
                "request.invalid_body",
            ),
            // Actions without a payload still take an object.
            ("seal_grants.mine", json!("mine"), "request.invalid_body"),
        ];
        for (action, payload, expected) in refused {
            let s = zw.envelope(&app, 0, action, payload).await;
            for attempt in ["first", "again"] {
                let (st, v) = app
                    .call(Method::POST, &path, None, Some(crate::json(&s)))
                    .await;
                assert_eq!(
                    (st, code(&v)),
                    (StatusCode::BAD_REQUEST, expected),
                    "{action} ({attempt}): {v}"
                );
            }
        }
        assert_eq!(audit_records(&t.db).await, before);
        for list in ["seal_admins.list", "seal_grants.list"] {
            let (st, v) = seal(&app, &zw, list, json!({"uscc": uscc()})).await;
            assert_eq!((st, v), (StatusCode::OK, json!([])), "{list}");
        }
    })
    .await;
}

/// `name`, authorized by `zw` as an all-business agent, with the license downloaded.
pub(crate) async fn agent_of(app: &TestApp, zw: &Phone, name: &str) -> Phone {
    authorize_agent(app, zw, name).await;
    holder(app, name).await
}

fn grant_to_wang(seal_type: &str, uses: u32) -> Value {
    json!({
        "uscc": uscc(), "seal_type": seal_type, "name": "王强", "id_number": id_number("王强"),
        "end": T0 + 30 * DAY, "reason": "宜昌市某项目投标", "mode": "precise",
        "matters": [BIDDING], "uses": uses,
    })
}

// R15, R16
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seal_admins_and_use_grants_follow_the_rules() {
    on_both(|t| async move {
        let app = TestApp::new(t.db.clone()).await;
        let zw = holder(&app, "张伟").await;

        // A person without a license authorization of the entity can't be named.
        let (s, v) = seal(
            &app,
            &zw,
            "seal_admins.add",
            json!({"uscc": uscc(), "seal_type": "bid", "name": "王强", "id_number": id_number("王强")}),
        )
        .await;
        assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "seal.needs_license_authorization"));

        // 李娜 becomes license admin, 王强 agent; both download.
        let (s, v) = zw
            .signed(&app, 0, "admins.add", json!({"uscc": uscc(), "person": person_json("李娜")}))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        authorize_agent(&app, &zw, "王强").await;
        let ln = holder(&app, "李娜").await;
        let wq = holder(&app, "王强").await;

        // R15: the legal representative names 李娜 seal admin of the bid seal, once.
        let add_ln = json!({"uscc": uscc(), "seal_type": "bid", "name": "李娜", "id_number": id_number("李娜")});
        let (s, v) = seal(&app, &zw, "seal_admins.add", add_ln.clone()).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let admin: api::SealAdminItem = serde_json::from_value(v).unwrap();
        assert_eq!((admin.seal_type_name.as_str(), admin.name.as_str()), ("投标专用章", "李娜"));
        let (s, v) = seal(&app, &zw, "seal_admins.add", add_ln).await;
        assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "seal.already_admin"));
        // Only the legal representative names seal admins.
        let (s, v) = seal(
            &app,
            &ln,
            "seal_admins.add",
            json!({"uscc": uscc(), "seal_type": "bid", "name": "王强", "id_number": id_number("王强")}),
        )
        .await;
        assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "seal.only_legal_rep"));

        // R16: the seal admin grants the use of her type only; an agent grants nothing.
        let (s, v) = seal(&app, &ln, "seal_grants.add", grant_to_wang("official", 5)).await;
        assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "seal.not_manager_of_type"));
        let (s, v) = seal(&app, &wq, "seal_grants.add", grant_to_wang("bid", 5)).await;
        assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "seal.not_a_manager"));
        let (s, v) = seal(&app, &ln, "seal_grants.add", grant_to_wang("bid", 0)).await;
        assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "seal.uses_out_of_range"));
        let (s, v) = seal(&app, &ln, "seal_grants.add", grant_to_wang("bid", 5)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let grant: api::SealGrantItem = serde_json::from_value(v).unwrap();
        assert_eq!(
            (grant.uses_left, grant.status.as_str(), grant.matters.clone()),
            (5, "active", vec![BIDDING.to_owned()])
        );

        // What each holder was given (collection lists these).
        let (_, v) = seal(&app, &wq, "seal_grants.mine", json!({})).await;
        let mine: api::MySealGrants = serde_json::from_value(v).unwrap();
        assert_eq!((mine.admin_of.len(), mine.use_grants.len()), (0, 1));
        let (_, v) = seal(&app, &ln, "seal_grants.mine", json!({})).await;
        let mine: api::MySealGrants = serde_json::from_value(v).unwrap();
        assert_eq!(mine.admin_of[0].seal_type, "bid");
        let (s, v) = seal(&app, &zw, "seal_grants.list", json!({"uscc": uscc()})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v.as_array().map(Vec::len), Some(1));

        // Uses are counted: five, then no more; not for another matter.
        let e = app.seals.take_use(&grant.id, "egov.mof.procurement").await.unwrap_err();
        assert_eq!(e.code, "seal.matter_not_granted");
        for left in (0..5).rev() {
            assert_eq!(app.seals.take_use(&grant.id, BIDDING).await.unwrap(), left);
        }
        let e = app.seals.take_use(&grant.id, BIDDING).await.unwrap_err();
        assert_eq!(e.code, "seal.no_uses_left");

        // Revocation ends the grant (and so its collected seals' use).
        let (s, v) = seal(&app, &zw, "seal_grants.add", grant_to_wang("bid", 3)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let second: api::SealGrantItem = serde_json::from_value(v).unwrap();
        let revoke = json!({"uscc": uscc(), "id": second.id});
        let (s, v) = seal(&app, &wq, "seal_grants.revoke", revoke.clone()).await;
        assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "seal.not_a_manager"));
        let (s, v) = seal(&app, &zw, "seal_grants.revoke", revoke.clone()).await;
        assert_eq!((s, v), (StatusCode::OK, json!({"revoked": second.id})));
        let (s, v) = seal(&app, &zw, "seal_grants.revoke", revoke).await;
        assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "seal.already_revoked"));
        assert_eq!(
            app.seals.use_grant_status(&second.id).await.unwrap(),
            GrantStatus::Revoked
        );
        let e = app.seals.take_use(&second.id, BIDDING).await.unwrap_err();
        assert_eq!(e.code, "seal.grant_revoked");

        // Removing the seal admin ends her management.
        let (s, v) = seal(
            &app,
            &zw,
            "seal_admins.remove",
            json!({"uscc": uscc(), "id": admin.id}),
        )
        .await;
        assert_eq!((s, v), (StatusCode::OK, json!({"removed": admin.id})));
        let (s, v) = seal(&app, &ln, "seal_grants.add", grant_to_wang("bid", 5)).await;
        assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "seal.not_a_manager"));

        assert!(matches!(
            t.db.verify_audit().await.unwrap(),
            AuditVerdict::Intact { .. }
        ));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_lists_every_seal_type_with_shapes_and_sizes() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let types: Vec<api::SealTypeItem> = app
            .ok(
                Method::GET,
                &format!("{}/catalogue", api::PREFIX),
                None,
                None,
            )
            .await;
        assert_eq!(types.len(), 7);
        let invoice = types.iter().find(|t| t.code == "invoice").unwrap();
        assert_eq!(invoice.name, "发票专用章");
        assert_eq!(invoice.shapes.len(), 1);
        assert_eq!(invoice.shapes[0].sizes_mm[0], (40, 30));
    })
    .await;
}

/// The drawn seal photo as the phone sends it: processed to a transparent PNG.
pub(crate) fn processed_seal() -> Vec<u8> {
    let photo = yizhao_impression::sample::seal_photo(480);
    yizhao_impression::process(&photo, &yizhao_impression::Adjustments::default())
        .unwrap()
        .png
}

pub(crate) fn upload(picture: Vec<u8>, accepted_terms: bool) -> Value {
    serde_json::to_value(api::UploadImpression {
        uscc: uscc(),
        seal_type: "bid".into(),
        shape: "round".into(),
        width_mm: 40,
        height_mm: 40,
        picture,
        accepted_terms,
    })
    .unwrap()
}

// R13, R14, R16: upload, review and making, collection by the legal representative and, through
// a seal use grant, by an agent; the seals are GB/T 38540 seals of our maker holding the license.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impression_is_uploaded_reviewed_made_and_collected() {
    on_both(|t| async move {
        let app = TestApp::new(t.db.clone()).await;
        let zw = holder(&app, "张伟").await;
        let entity = json!({"uscc": uscc()});

        // Nothing uploaded yet.
        let (_, v) = seal(&app, &zw, "impressions.list", entity.clone()).await;
        let records: api::ImpressionRecords = serde_json::from_value(v).unwrap();
        assert!(records.open.is_empty() && records.valid.is_empty());

        // Bad uploads change nothing.
        let (s, v) = seal(
            &app,
            &zw,
            "impressions.upload",
            upload(processed_seal(), false),
        )
        .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, "seal.terms_not_accepted")
        );
        let (s, v) = seal(
            &app,
            &zw,
            "impressions.upload",
            upload(b"not a picture".to_vec(), true),
        )
        .await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, "impression.not_an_image"),
            "{v}"
        );
        let white = {
            let img = image::RgbImage::from_pixel(480, 480, image::Rgb([250, 250, 250]));
            let mut out = std::io::Cursor::new(Vec::new());
            img.write_to(&mut out, image::ImageFormat::Png).unwrap();
            out.into_inner()
        };
        let (s, v) = seal(&app, &zw, "impressions.upload", upload(white, true)).await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, "impression.quality"),
            "{v}"
        );
        let mut oval = upload(processed_seal(), true);
        oval["shape"] = "square".into();
        let (s, v) = seal(&app, &zw, "impressions.upload", oval).await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, "seal.shape_not_for_type")
        );
        assert!(app.seals.review_queue().await.unwrap().is_empty());

        // A good upload waits for review.
        let (s, v) = seal(
            &app,
            &zw,
            "impressions.upload",
            upload(processed_seal(), true),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let up: api::ImpressionItem = serde_json::from_value(v).unwrap();
        assert_eq!(
            (up.state.as_str(), up.state_name.as_str()),
            ("pending", "待审核")
        );
        let queue = app.seals.review_queue().await.unwrap();
        assert_eq!(
            queue.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
            [up.id.as_str()]
        );
        assert_eq!(
            app.seals.impression_picture(&up.id).await.unwrap(),
            processed_seal()
        );

        // The reviewer approves: the seal is made, once.
        use yizhao_domain::seal::Review;
        let reviewed = app
            .seals
            .review("qiankun", &up.id, &Review::Approve)
            .await
            .unwrap();
        assert_eq!(reviewed.state, "approved");
        let e = app
            .seals
            .review("qiankun", &up.id, &Review::Approve)
            .await
            .unwrap_err();
        assert_eq!(e.code, "seal.already_reviewed");
        let (_, v) = seal(&app, &zw, "seals.list", entity.clone()).await;
        let seals: Vec<api::SealItem> = serde_json::from_value(v).unwrap();
        assert_eq!(seals.len(), 1);
        assert_eq!(seals[0].name, "宜昌市示范建设工程有限公司投标专用章");

        // The legal representative of a local entity collects directly.
        let (_, v) = seal(&app, &zw, "seals.collectable", json!({})).await;
        let can: Vec<api::Collectable> = serde_json::from_value(v).unwrap();
        assert!(can[0].direct, "{can:?}");
        let (s, v) = seal(&app, &zw, "seals.collect", json!({"seal_id": seals[0].id})).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let mine: api::CollectedSeal = serde_json::from_value(v).unwrap();
        let ses = yizhao_ses::Seal::from_der(&mine.der).unwrap();
        let at = u64::try_from(T0).unwrap() + 60;
        ses.verify(at).unwrap();
        ses.verify_maker_chain(&[], &[app.seals.root_certificate().clone()], at, None)
            .unwrap();
        assert!(ses.holds_certificate(&zw.licenses[0].0.certificate));
        assert_eq!(
            ses.info().property.name,
            "宜昌市示范建设工程有限公司投标专用章"
        );
        assert!(
            app.seals
                .collection_usable(&mine.collection_id)
                .await
                .unwrap()
        );

        // An agent of a local entity collects only through a seal use grant.
        authorize_agent(&app, &zw, "王强").await;
        let wq = holder(&app, "王强").await;
        let (_, v) = seal(&app, &wq, "seals.collectable", json!({})).await;
        assert_eq!(v, json!([]));
        let (s, v) = seal(&app, &wq, "seals.collect", json!({"seal_id": seals[0].id})).await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::FORBIDDEN, "seal.needs_seal_grant")
        );
        let (s, v) = seal(&app, &zw, "seal_grants.add", grant_to_wang("bid", 5)).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let grant: api::SealGrantItem = serde_json::from_value(v).unwrap();
        let (s, v) = seal(&app, &wq, "seals.collect", json!({"seal_id": seals[0].id})).await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::BAD_REQUEST, "seal.choose_grant")
        );
        let (s, v) = seal(
            &app,
            &wq,
            "seals.collect",
            json!({"seal_id": seals[0].id, "grant_id": grant.id}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let wangs: api::CollectedSeal = serde_json::from_value(v).unwrap();
        let ses = yizhao_ses::Seal::from_der(&wangs.der).unwrap();
        assert!(ses.holds_certificate(&wq.licenses[0].0.certificate));
        assert!(!ses.holds_certificate(&zw.licenses[0].0.certificate));

        // A wrong collection is deleted and redone; revoking the grant makes it unusable.
        let del = json!({"collection_id": wangs.collection_id});
        let (s, v) = seal(&app, &zw, "collections.delete", del.clone()).await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::NOT_FOUND, "seal.collection_not_found")
        );
        let (s, v) = seal(&app, &wq, "collections.delete", del).await;
        assert_eq!(
            (s, v),
            (StatusCode::OK, json!({"deleted": wangs.collection_id}))
        );
        let (s, v) = seal(
            &app,
            &wq,
            "seals.collect",
            json!({"seal_id": seals[0].id, "grant_id": grant.id}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let again: api::CollectedSeal = serde_json::from_value(v).unwrap();
        let (_, v) = seal(&app, &wq, "seals.mine", json!({})).await;
        let held: Vec<api::CollectedSeal> = serde_json::from_value(v).unwrap();
        assert_eq!(held.len(), 1);
        assert!(
            app.seals
                .collection_usable(&again.collection_id)
                .await
                .unwrap()
        );
        let (s, v) = seal(
            &app,
            &zw,
            "seal_grants.revoke",
            json!({"uscc": uscc(), "id": grant.id}),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(
            !app.seals
                .collection_usable(&again.collection_id)
                .await
                .unwrap()
        );

        // A second approved impression replaces the first: valid and invalid records.
        let (s, v) = seal(
            &app,
            &zw,
            "impressions.upload",
            upload(processed_seal(), true),
        )
        .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let second: api::ImpressionItem = serde_json::from_value(v).unwrap();
        app.seals
            .review("qiankun", &second.id, &Review::Approve)
            .await
            .unwrap();
        let (_, v) = seal(&app, &zw, "impressions.list", entity.clone()).await;
        let records: api::ImpressionRecords = serde_json::from_value(v).unwrap();
        assert_eq!(records.valid[0].id, second.id);
        assert_eq!(records.invalid[0].id, up.id);
        assert!(
            !app.seals
                .collection_usable(&mine.collection_id)
                .await
                .unwrap()
        );

        assert!(matches!(
            t.db.verify_audit().await.unwrap(),
            AuditVerdict::Intact { .. }
        ));
    })
    .await;
}

/// An uploaded and approved impression: the entity's live seal of type `bid`.
async fn made_seal(app: &TestApp, zw: &Phone) -> api::SealItem {
    let (s, v) = seal(
        app,
        zw,
        "impressions.upload",
        upload(processed_seal(), true),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let up: api::ImpressionItem = serde_json::from_value(v).unwrap();
    app.seals
        .review("qiankun", &up.id, &yizhao_domain::seal::Review::Approve)
        .await
        .unwrap();
    let (_, v) = seal(app, zw, "seals.list", json!({"uscc": uscc()})).await;
    let seals: Vec<api::SealItem> = serde_json::from_value(v).unwrap();
    seals.into_iter().find(|s| !s.superseded).unwrap()
}

// Issue #15: a license collects a seal once. Fifteen collections racing for one seal store one;
// a collected seal leaves 可领取; collecting it again is refused with `seal.already_collected`;
// 我的印章 lists it once, and marks it replaced (not usable) once a new seal replaces it. On
// both backends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seal_is_collected_once_even_by_racing_requests() {
    on_both(|t| async move {
        let app = TestApp::new(t.db.clone()).await;
        let zw = holder(&app, "张伟").await;
        let first = made_seal(&app, &zw).await;
        assert!(!first.impression_id.is_empty());

        let collect = json!({"seal_id": first.id});
        let answers = futures_util::future::join_all(
            (0..15).map(|_| seal(&app, &zw, "seals.collect", collect.clone())),
        )
        .await;
        let ok = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
        for (s, v) in &answers {
            assert!(
                *s == StatusCode::OK
                    || (*s == StatusCode::CONFLICT && code(v) == "seal.already_collected"),
                "{s} {v}"
            );
        }
        assert_eq!(ok, 1, "[{}]", t.backend);
        let (_, v) = seal(&app, &zw, "seals.mine", json!({})).await;
        let mine: Vec<api::CollectedSeal> = serde_json::from_value(v).unwrap();
        assert_eq!(mine.len(), 1, "[{}]", t.backend);
        assert!(mine[0].usable && !mine[0].seal.superseded);

        // Collected: no longer offered, and refused again with a message a person reads.
        let (_, v) = seal(&app, &zw, "seals.collectable", json!({})).await;
        assert_eq!(v, json!([]));
        let (s, v) = seal(&app, &zw, "seals.collect", collect.clone()).await;
        assert_eq!(
            (s, code(&v)),
            (StatusCode::CONFLICT, "seal.already_collected")
        );
        assert!(
            v["error"]["message"].as_str().unwrap().contains("我的印章"),
            "{v}"
        );

        // Deleted, it is offered and collected again (once).
        let del = json!({"collection_id": mine[0].collection_id});
        let (s, _) = seal(&app, &zw, "collections.delete", del).await;
        assert_eq!(s, StatusCode::OK);
        let (_, v) = seal(&app, &zw, "seals.collectable", json!({})).await;
        let can: Vec<api::Collectable> = serde_json::from_value(v).unwrap();
        assert_eq!(can.len(), 1);
        let (s, v) = seal(&app, &zw, "seals.collect", collect.clone()).await;
        assert_eq!(s, StatusCode::OK, "{v}");

        // A new seal replaces it: 我的印章 marks the old one, and offers the new one.
        let second = made_seal(&app, &zw).await;
        let (_, v) = seal(&app, &zw, "seals.mine", json!({})).await;
        let mine: Vec<api::CollectedSeal> = serde_json::from_value(v).unwrap();
        assert_eq!(mine.len(), 1);
        assert!(mine[0].seal.superseded && !mine[0].usable, "{mine:?}");
        let (_, v) = seal(&app, &zw, "seals.collectable", json!({})).await;
        let can: Vec<api::Collectable> = serde_json::from_value(v).unwrap();
        assert_eq!(
            can.iter().map(|c| c.seal.id.as_str()).collect::<Vec<_>>(),
            [second.id.as_str()]
        );
    })
    .await;
}

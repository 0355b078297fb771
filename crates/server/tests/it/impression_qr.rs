//! R13 through the QR protocol (SYSTEM.md §4): the member's PC page prepares an impression and
//! shows a QR of kind `impression`; the phone signs the upload it carries with its license, and
//! the seal authority stores it for review — or refuses it, and the refusal reaches the PC.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use yizhao_proto::action::{Action as _, ImpressionsUpload};
use yizhao_proto::authority::proof_message;
use yizhao_proto::qr::QrRequestBody;
use yizhao_proto::seal::{ImpressionQrAnswer, ImpressionQrPayload};
use yizhao_testkit::on_both;

use crate::members::login;
use crate::qr::{Browser, legal_rep, scan, scan_with};
use crate::{TestApp, code};

const BOUNDARY: &str = "----yizhao-test-boundary";

/// A multipart form: text fields, and the photo if any.
fn multipart(fields: &[(&str, &str)], photo: Option<&[u8]>) -> Vec<u8> {
    let mut b = Vec::new();
    for (k, v) in fields {
        b.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some(p) = photo {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"seal.png\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(p);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

async fn post_editor(
    app: &TestApp,
    pc: &mut Browser,
    fields: &[(&str, &str)],
    photo: Option<&[u8]>,
) -> (StatusCode, String) {
    let (s, _, body) = pc
        .send(
            app,
            Method::POST,
            "/seals/impression",
            Some((
                &format!("multipart/form-data; boundary={BOUNDARY}"),
                multipart(fields, photo),
            )),
        )
        .await;
    (s, String::from_utf8(body).unwrap())
}

fn attr<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let marker = format!("{name}=\"");
    let at = html.find(&marker)? + marker.len();
    Some(&html[at..at + html[at..].find('"')?])
}

/// The phone's signature over the upload a request carries.
fn sign_upload(body: &QrRequestBody, key: &yizhao_gm::PrivateKey) -> Value {
    let asked: ImpressionQrPayload = serde_json::from_value(body.payload.clone()).unwrap();
    let upload_signature = key
        .sign(&proof_message(
            ImpressionsUpload::NAME,
            &asked.challenge,
            &asked.upload,
        ))
        .unwrap();
    serde_json::to_value(ImpressionQrAnswer { upload_signature }).unwrap()
}

async fn uploads(app: &TestApp) -> usize {
    app.seals
        .records_of(&crate::seals::uscc())
        .await
        .unwrap()
        .open
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pc_page_prepares_an_impression_and_the_phone_signs_its_upload() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let mut pc = Browser { cookie: None };
        login(&app, &zw, &mut pc).await;
        crate::pages::register_bidder(&app, &mut pc).await;

        let (s, _, html) = pc.send(&app, Method::GET, "/seals/impression", None).await;
        let html = String::from_utf8(html).unwrap();
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("value=\"round:40x40\""), "sizes by shape");
        let csrf = {
            let marker = "name=\"csrf\" value=\"";
            let at = html.find(marker).unwrap() + marker.len();
            html[at..at + html[at..].find('"').unwrap()].to_owned()
        };
        let photo = yizhao_impression::sample::seal_photo(600);
        let design = [
            ("csrf", csrf.as_str()),
            ("seal_type", "bid"),
            ("size", "round:40x40"),
        ];

        // No photo yet, a wrong token, and terms not accepted: refused, nothing uploaded.
        let (s, html) = post_editor(&app, &mut pc, &[&design[..], &[("do", "preview")]].concat(), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(attr(&html, "data-code"), Some("impression.no_photo"), "{html}");
        crate::pages::assert_codes_not_shown(&html);
        let (s, _) = post_editor(
            &app,
            &mut pc,
            &[("csrf", "forged"), ("seal_type", "bid"), ("size", "round:40x40")],
            Some(&photo),
        )
        .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        // The preview, on white and on dark.
        let (s, html) =
            post_editor(&app, &mut pc, &[&design[..], &[("do", "preview")]].concat(), Some(&photo)).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"preview-white\"") && html.contains("id=\"preview-dark\""));
        assert!(html.contains("id=\"quality-ok\""), "{html}");
        assert!(!html.contains("data-qr-id"));
        let (s, html) = post_editor(&app, &mut pc, &[&design[..], &[("do", "upload")]].concat(), None).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(attr(&html, "data-code"), Some("seal.terms_not_accepted"), "{html}");
        crate::pages::assert_codes_not_shown(&html);
        assert_eq!(uploads(&app).await, 0);

        // 上传印模, with the previewed photo kept: the page shows the QR.
        let upload = [&design[..], &[("do", "upload"), ("accept", "1")]].concat();
        let (s, html) = post_editor(&app, &mut pc, &upload, None).await;
        assert_eq!(s, StatusCode::OK, "{html}");
        let id = attr(&html, "data-qr-id").unwrap().to_owned();
        // (HTML-escaped: `/` is `&#x2f;`.)
        assert!(attr(&html, "data-qr-link").unwrap().ends_with(&id));
        assert_eq!(uploads(&app).await, 0, "nothing before the phone signs");

        // A phone that answers without the upload's signature, or with a wrong one, is
        // refused; the request still waits.
        let (s, v) = scan(&app, &zw, 0, &id).await;
        assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "qr.bad_payload"), "{v}");
        let (s, v) = scan_with(&app, &zw, 0, &id, |_, key| {
            json!({ "upload_signature": yizhao_proto::b64::encode(key.sign(b"something else").unwrap()) })
        })
        .await;
        assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "qr.bad_signature"), "{v}");
        let (_, v) = pc.qr_state(&app, &id).await;
        assert_eq!(v["state"], "pending");
        assert_eq!(v["error"]["code"], "qr.bad_signature", "the PC hears why");
        assert_eq!(uploads(&app).await, 0);

        // The process fails between accepting the answer and storing the upload (simulated: the
        // store refuses the upload's row): nothing of the answer is kept, and the request can
        // still be answered, with the same signature over the same challenge.
        let db = app.authority.db().clone();
        db.execute_script(
            "CREATE TRIGGER crash_between BEFORE INSERT ON impressions \
             BEGIN SELECT RAISE(ABORT, 'simulated crash'); END;",
            "CREATE FUNCTION crash_between() RETURNS trigger AS $$ \
             BEGIN RAISE EXCEPTION 'simulated crash'; END $$ LANGUAGE plpgsql; \
             CREATE TRIGGER crash_between BEFORE INSERT ON impressions \
             FOR EACH ROW EXECUTE FUNCTION crash_between();",
        )
        .await
        .unwrap();
        let (s, v) = scan_with(&app, &zw, 0, &id, sign_upload).await;
        assert_eq!((s, code(&v)), (StatusCode::INTERNAL_SERVER_ERROR, "internal"), "{v}");
        let (_, v) = pc.qr_state(&app, &id).await;
        assert_eq!(v["state"], "pending", "still answerable: {v}");
        assert_eq!(uploads(&app).await, 0, "nothing half-stored");
        db.execute_script(
            "DROP TRIGGER crash_between;",
            "DROP TRIGGER crash_between ON impressions; DROP FUNCTION crash_between();",
        )
        .await
        .unwrap();

        // The legal representative signs: completed at once (no short code), stored for review.
        let (s, v) = scan_with(&app, &zw, 0, &id, sign_upload).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["state"], "completed");
        assert_eq!(v["short_code"], Value::Null);
        let (_, v) = pc.qr_state(&app, &id).await;
        assert_eq!(v["state"], "completed");
        let r = app.seals.records_of(&crate::seals::uscc()).await.unwrap();
        assert_eq!(r.open.len(), 1);
        assert_eq!((r.open[0].seal_type.as_str(), r.open[0].size_mm), ("bid", (40, 40)));
        // Its picture is on the member's page, for this entity only.
        let (s, _, png) = pc
            .send(&app, Method::GET, &format!("/seals/impressions/{}.png", r.open[0].id), None)
            .await;
        assert_eq!(s, StatusCode::OK);
        assert!(png.starts_with(b"\x89PNG"));
        // A replay is refused and uploads nothing more.
        let (s, v) = scan_with(&app, &zw, 0, &id, sign_upload).await;
        assert_eq!((s, code(&v)), (StatusCode::CONFLICT, "qr.already_answered"));
        assert_eq!(uploads(&app).await, 1);

        // Refresh: a new request with the same upload, for this browser only.
        let (s, v) = pc
            .call(&app, Method::POST, "/platform/api/v1/qr", Some(json!({"kind": "impression", "from": id})))
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let renewed = v["status"]["id"].as_str().unwrap().to_owned();
        assert_ne!(renewed, id);
        let mut other = Browser { cookie: None };
        login(&app, &zw, &mut other).await;
        let (s, v) = other
            .call(&app, Method::POST, "/platform/api/v1/qr", Some(json!({"kind": "impression", "from": id})))
            .await;
        assert_eq!((s, code(&v)), (StatusCode::FORBIDDEN, "qr.wrong_session"), "{v}");
        let (s, v) = pc
            .call(&app, Method::POST, "/platform/api/v1/qr", Some(json!({"kind": "impression"})))
            .await;
        assert_eq!((s, code(&v)), (StatusCode::BAD_REQUEST, "qr.bad_payload"), "{v}");

        // An agent may not upload impressions (R13): the seal authority refuses the signed
        // upload, the request ends refused with its reason, and nothing is stored.
        let wang = crate::seals::agent_of(&app, &zw, "王强").await;
        let (s, v) = scan_with(&app, &wang, 0, &renewed, sign_upload).await;
        assert!(s.is_client_error(), "{v}");
        let refusal = code(&v).to_owned();
        assert_eq!(refusal, "seal.upload_not_allowed");
        let (_, v) = pc.qr_state(&app, &renewed).await;
        assert_eq!(v["state"], "refused");
        assert_eq!(v["error"]["code"], refusal.as_str());
        assert_eq!(uploads(&app).await, 1);
    })
    .await;
}

/// Exactly once: fifteen answers to one impression request sent at once complete it once and
/// store one upload, on both backends (the answer's state change and the upload commit together,
/// and only from `pending`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifteen_racing_answers_store_one_upload() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let mut pc = Browser { cookie: None };
        login(&app, &zw, &mut pc).await;
        crate::pages::register_bidder(&app, &mut pc).await;
        let cookie = pc.cookie.clone().unwrap();
        let value = |name: &str| {
            cookie
                .split("; ")
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                .unwrap()
                .to_owned()
        };
        let upload: yizhao_proto::seal::UploadImpression =
            serde_json::from_value(crate::seals::upload(crate::seals::processed_seal(), true))
                .unwrap();
        let id = app
            .platform
            .create_impression_qr(&value("yz_pc"), &value("yz_member"), upload)
            .await
            .unwrap()
            .id;
        let answers = futures_util::future::join_all(
            (0..15).map(|_| scan_with(&app, &zw, 0, &id, sign_upload)),
        )
        .await;
        let ok = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
        for (s, v) in &answers {
            assert!(
                *s == StatusCode::OK || code(v) == "qr.already_answered",
                "{s} {v}"
            );
        }
        assert_eq!((ok, uploads(&app).await), (1, 1), "[{}]", t.backend);
        let (_, v) = pc.qr_state(&app, &id).await;
        assert_eq!(v["state"], "completed");
    })
    .await;
}

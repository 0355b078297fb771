//! Scanning a QR code against a small in-test platform: the platform signs its requests with a
//! relying-party certificate issued in the test under the in-test authority's issuing CA, and
//! checks every answer's license signature for real.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use yizhao_gm::keystore::{KdfParams, Password};
use yizhao_gm::x509::{
    CertKind, Certificate, CertificateParams, DistinguishedName, Extension, Issuer, Oid,
    random_serial,
};
use yizhao_gm::{PrivateKey, PublicKey, SuiteId};
use yizhao_proto::qr::{
    QrAnswer, QrRequestBody, QrStatus, SignedQrRequest, qr_answer_message, qr_link,
};
use yizhao_wallet::qr::decode_qr_image;
use yizhao_wallet::time::now_unix;
use yizhao_wallet::{Client, DEFAULT_PASSWORD, Home, Wallet, WalletError};

use crate::TestRng;
use crate::authority::{self, Authority, CODE, Inner, NOW, USCC, refuse};

pub const RP_NAME: &str = "宜昌市公共资源交易平台";
const RP_ID: &str = "rp-yichang-0001";
pub const BIDDING: &str = "egov.ndrc.bidding";
pub const PROCUREMENT: &str = "egov.finance.procurement";
pub const SHORT_CODE: &str = "123456";
const DAY: u64 = 86_400;

/// What the platform holds and saw.
struct PlatformState {
    requests: HashMap<String, SignedQrRequest>,
    /// The authority's issuing CA key, to check license certificates.
    issuing: PublicKey,
    /// Ids of the requests answered, with the license certificate used.
    answered: Vec<(String, Vec<u8>)>,
}

type Shared = Arc<Mutex<PlatformState>>;

pub struct Platform {
    url: String,
    state: Shared,
    key: PrivateKey,
    cert: Certificate,
}

/// A relying-party certificate for `key`, issued by `ca`/`ca_key` with the two extensions.
fn rp_cert(
    ca: &Certificate,
    ca_key: &PrivateKey,
    key: &PublicKey,
    matters: &str,
    rng: &mut TestRng,
) -> Certificate {
    let params = CertificateParams {
        subject: DistinguishedName {
            country: Some("CN".into()),
            organization: Some(RP_NAME.into()),
            organizational_unit: Some("依赖方".into()),
            common_name: RP_NAME.into(),
            serial_number: None,
        },
        serial: random_serial(rng),
        not_before: NOW - DAY,
        not_after: NOW + 365 * DAY,
        kind: CertKind::Signing,
        extensions: vec![
            Extension::utf8(Oid::yizhao(&[2, 1]), RP_ID).unwrap(),
            Extension::utf8(Oid::yizhao(&[2, 2]), matters).unwrap(),
        ],
    };
    Certificate::issue(
        &params,
        key,
        Issuer::Ca {
            cert: ca,
            key: ca_key,
        },
    )
    .unwrap()
}

fn body(id: &str, matter: &str, expires_at: i64) -> QrRequestBody {
    QrRequestBody {
        id: id.into(),
        kind: "login".into(),
        requester_id: RP_ID.into(),
        requester_name_claimed: Some("假冒的平台名称".into()),
        matter: matter.into(),
        nonce: format!("nonce-{id}"),
        expires_at,
        session_hash: "abcd".into(),
        payload: serde_json::Value::Null,
    }
}

fn sign(body: &QrRequestBody, key: &PrivateKey, cert: &Certificate) -> SignedQrRequest {
    let text = serde_json::to_string(body).unwrap();
    SignedQrRequest {
        signature: key.sign(text.as_bytes()).unwrap(),
        body: text,
        requester_certificate: cert.to_der().to_vec(),
    }
}

impl Platform {
    pub async fn start(auth: &Authority, seed: u64) -> Self {
        let mut rng = TestRng::new(seed);
        let key = PrivateKey::generate(SuiteId::Gm, &mut rng);
        let (cert, issuing) = {
            let g = auth.state.lock().unwrap();
            let matters = format!("{BIDDING},{PROCUREMENT}");
            let cert = rp_cert(&g.ca, &g.ca_key, &key.public_key(), &matters, &mut rng);
            (cert, g.ca.public_key().unwrap())
        };
        let state: Shared = Arc::new(Mutex::new(PlatformState {
            requests: HashMap::new(),
            issuing,
            answered: Vec::new(),
        }));
        let router = Router::new()
            .route("/svc/qr/{id}", get(fetch))
            .route("/svc/qr/{id}/answer", post(answer))
            .with_state(state.clone());
        let url = format!("{}/svc", authority::serve(router).await);
        Platform {
            url,
            state,
            key,
            cert,
        }
    }

    /// Publish a request as signed; gives its link.
    fn put(&self, signed: SignedQrRequest) -> String {
        let body: QrRequestBody = serde_json::from_str(&signed.body).unwrap();
        let link = qr_link(&self.url, &body.id);
        self.state.lock().unwrap().requests.insert(body.id, signed);
        link
    }

    /// Publish a fresh login request for `matter`, signed by the platform.
    pub fn login(&self, id: &str, matter: &str) -> String {
        let b = body(id, matter, now_unix() + 300);
        self.put(sign(&b, &self.key, &self.cert))
    }

    pub fn answered(&self) -> Vec<String> {
        let g = self.state.lock().unwrap();
        g.answered.iter().map(|(id, _)| id.clone()).collect()
    }
}

async fn fetch(State(s): State<Shared>, Path(id): Path<String>) -> Response {
    match s.lock().unwrap().requests.get(&id) {
        Some(r) => Json(r.clone()).into_response(),
        None => refuse(StatusCode::NOT_FOUND, "qr.not_found", "二维码不存在"),
    }
}

async fn answer(
    State(s): State<Shared>,
    Path(id): Path<String>,
    Json(a): Json<QrAnswer>,
) -> Response {
    let mut g = s.lock().unwrap();
    let Some(signed) = g.requests.get(&id).cloned() else {
        return refuse(StatusCode::NOT_FOUND, "qr.not_found", "二维码不存在");
    };
    let body: QrRequestBody = serde_json::from_str(&signed.body).unwrap();
    if a.request_id != id || a.nonce != body.nonce {
        return refuse(StatusCode::BAD_REQUEST, "qr.bad_nonce", "请求不符");
    }
    let cert = Certificate::from_der(&a.certificate).unwrap();
    if cert.verify_signed_by(&g.issuing).is_err() || a.chain.len() != 2 {
        return refuse(StatusCode::UNAUTHORIZED, "qr.bad_license", "执照证书无效");
    }
    let msg = qr_answer_message(&signed.body, &body.nonce);
    if cert
        .public_key()
        .unwrap()
        .verify(&msg, &a.signature)
        .is_err()
    {
        return refuse(StatusCode::UNAUTHORIZED, "qr.bad_signature", "执照签名无效");
    }
    if body.matter == PROCUREMENT {
        return refuse(
            StatusCode::FORBIDDEN,
            "authority.matter_not_authorized",
            "该执照未获授权办理此事项",
        );
    }
    if g.answered.iter().any(|(done, _)| *done == id) {
        return refuse(
            StatusCode::CONFLICT,
            "qr.already_answered",
            "该二维码已使用",
        );
    }
    g.answered.push((id.clone(), a.certificate));
    Json(QrStatus {
        id,
        state: yizhao_proto::qr::QrPhase::Answered,
        short_code: Some(SHORT_CODE.into()),
        expires_at: body.expires_at,
        error: None,
    })
    .into_response()
}

/// A phone with one downloaded license, talking to `auth`.
async fn phone(dir: &std::path::Path, auth: &Authority, seed: u64) -> Wallet {
    let mut rng = TestRng::new(seed);
    let home = Home::open_with(dir, KdfParams::INSECURE_FAST, &mut rng).unwrap();
    let wallet = Wallet::new(home, Client::new(&auth.url).unwrap());
    let started = wallet
        .realname("张伟", "420502198001011234", "13800000000")
        .await
        .unwrap();
    wallet.confirm(&started.session, CODE).await.unwrap();
    let pw = Password::new(DEFAULT_PASSWORD);
    wallet
        .download(USCC, None, true, &pw, &mut rng)
        .await
        .unwrap();
    wallet
}

struct Setup {
    _dir: tempfile::TempDir,
    auth: Authority,
    platform: Platform,
    wallet: Wallet,
}

async fn setup(seed: u64) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let auth = authority::start(seed).await;
    let platform = Platform::start(&auth, seed + 1).await;
    let wallet = phone(dir.path(), &auth, seed + 2).await;
    Setup {
        _dir: dir,
        auth,
        platform,
        wallet,
    }
}

#[tokio::test]
async fn links_that_are_not_ours_are_refused() {
    let s = setup(100).await;
    let calls_before = s.auth.state.lock().unwrap().calls.len();
    for junk in [
        "",
        "hello",
        "javascript:alert(1)//qr/abcdefgh",
        "https://good.cn@evil.cn/qr/abcdefgh",
        "https://x.cn/qr/short",
        "https://x.cn/qr/abcdefgh?x=1",
        "ftp://x.cn/qr/abcdefgh",
    ] {
        let err = s.wallet.fetch_request(junk).await.unwrap_err();
        assert!(matches!(err, WalletError::BadQr), "{junk:?}: {err:?}");
        assert_eq!(err.code(), "wallet.bad_qr");
        assert_eq!(err.to_string(), "不是本系统的二维码");
    }
    // Refused before any request is made.
    assert_eq!(s.auth.state.lock().unwrap().calls.len(), calls_before);
}

#[tokio::test]
async fn a_checked_login_is_answered_with_the_short_code() {
    let s = setup(110).await;
    let link = s.platform.login("req_login_0001", BIDDING);
    // The platform is not the authority: the link's own base is used for the request.
    assert!(!link.starts_with(&s.auth.url));
    let preview = s.wallet.fetch_request(&link).await.unwrap();
    assert_eq!(preview.requester.name, RP_NAME);
    assert_eq!(preview.requester.id, RP_ID);
    assert_eq!(preview.kind, "login");
    assert_eq!(preview.matter, BIDDING);
    assert_eq!(
        preview.matter_name.as_deref(),
        Some("电子政务-发改委-公共资源交易招投标")
    );
    assert_eq!(preview.licenses.len(), 1);
    assert_eq!(preview.licenses[0].uscc, USCC);
    let json = serde_json::to_string(&preview).unwrap();
    assert!(!json.contains("假冒"), "{json}");
    assert!(s.platform.answered().is_empty(), "fetching answers nothing");

    let pw = Password::new(DEFAULT_PASSWORD);
    let err = s
        .wallet
        .answer_request(&preview, USCC, &Password::new("wrong"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "wallet.wrong_password");
    let status = s.wallet.answer_request(&preview, USCC, &pw).await.unwrap();
    assert_eq!(status.state, yizhao_proto::qr::QrPhase::Answered);
    assert_eq!(status.short_code.as_deref(), Some(SHORT_CODE));
    assert_eq!(s.platform.answered(), vec!["req_login_0001".to_string()]);

    // Server refusals pass through with the server's code.
    let err = s
        .wallet
        .answer_request(&preview, USCC, &pw)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, WalletError::Server { status: 409, code, .. } if code == "qr.already_answered"),
        "{err:?}"
    );
    let link = s.platform.login("req_procure_01", PROCUREMENT);
    let preview = s.wallet.fetch_request(&link).await.unwrap();
    assert_eq!(
        preview.matter_name.as_deref(),
        Some("电子政务-财政-政采中心招投标")
    );
    let err = s
        .wallet
        .answer_request(&preview, USCC, &pw)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "authority.matter_not_authorized");
    assert_eq!(err.to_envelope().error.message, "该执照未获授权办理此事项");
}

/// The phone refuses, before showing anything, a properly signed request of a kind it has no
/// flow for, or a login that carries a payload.
#[tokio::test]
async fn kinds_without_a_flow_and_logins_with_a_payload_are_refused() {
    let s = setup(130).await;
    for (i, kind) in ["sign", "encrypt", "decrypt", "nonsense"]
        .into_iter()
        .enumerate()
    {
        let mut b = body(&format!("req_kind_{i:04}"), BIDDING, now_unix() + 300);
        b.kind = kind.into();
        let link = s.platform.put(sign(&b, &s.platform.key, &s.platform.cert));
        let err = s.wallet.fetch_request(&link).await.unwrap_err();
        assert_eq!(err.code(), "wallet.input", "{kind}: {err:?}");
    }
    let mut b = body("req_kind_login", BIDDING, now_unix() + 300);
    b.payload = serde_json::json!({ "document_digest": "00ff" });
    let link = s.platform.put(sign(&b, &s.platform.key, &s.platform.cert));
    let err = s.wallet.fetch_request(&link).await.unwrap_err();
    assert_eq!(err.code(), "wallet.format", "{err:?}");
    assert!(s.platform.answered().is_empty());
}

#[tokio::test]
async fn a_tampered_request_is_refused() {
    let s = setup(120).await;
    let b = body("req_tamper_001", BIDDING, now_unix() + 300);
    let mut signed = sign(&b, &s.platform.key, &s.platform.cert);
    signed.body = signed.body.replace("nonce-", "nonce+");
    let link = s.platform.put(signed);
    let err = s.wallet.fetch_request(&link).await.unwrap_err();
    assert!(matches!(err, WalletError::BadRequestSignature), "{err:?}");
    assert_eq!(err.code(), "qr.bad_signature");

    // Signed by another key than the certificate's.
    let other = PrivateKey::generate(SuiteId::Gm, &mut TestRng::new(9_121));
    let b = body("req_tamper_002", BIDDING, now_unix() + 300);
    let link = s.platform.put(sign(&b, &other, &s.platform.cert));
    let err = s.wallet.fetch_request(&link).await.unwrap_err();
    assert_eq!(err.code(), "qr.bad_signature");
    assert!(s.platform.answered().is_empty());
}

#[tokio::test]
async fn a_requester_certificate_from_another_ca_is_refused() {
    let s = setup(130).await;
    let mut other = Inner::new(131);
    let key = PrivateKey::generate(SuiteId::Gm, &mut other.rng);
    let matters = format!("{BIDDING},{PROCUREMENT}");
    let cert = rp_cert(
        &other.ca,
        &other.ca_key,
        &key.public_key(),
        &matters,
        &mut other.rng,
    );
    let b = body("req_foreign_01", BIDDING, now_unix() + 300);
    let link = s.platform.put(sign(&b, &key, &cert));
    let err = s.wallet.fetch_request(&link).await.unwrap_err();
    assert_eq!(err.code(), "rp.certificate_invalid");
    assert!(err.to_string().starts_with("请求方证书无效"), "{err}");

    // A certificate of the right CA without the relying-party extensions (a license's).
    let plain = {
        let mut g = s.auth.state.lock().unwrap();
        let inner = &mut *g;
        let params = CertificateParams {
            subject: DistinguishedName {
                country: Some("CN".into()),
                organization: None,
                organizational_unit: None,
                common_name: RP_NAME.into(),
                serial_number: None,
            },
            serial: random_serial(&mut inner.rng),
            not_before: NOW - DAY,
            not_after: NOW + 365 * DAY,
            kind: CertKind::Signing,
            extensions: vec![],
        };
        let issuer = Issuer::Ca {
            cert: &inner.ca,
            key: &inner.ca_key,
        };
        Certificate::issue(&params, &key.public_key(), issuer).unwrap()
    };
    let b = body("req_plain_0001", BIDDING, now_unix() + 300);
    let link = s.platform.put(sign(&b, &key, &plain));
    let err = s.wallet.fetch_request(&link).await.unwrap_err();
    assert_eq!(err.code(), "rp.certificate_invalid");
    assert!(s.platform.answered().is_empty());
}

#[tokio::test]
async fn a_matter_the_certificate_does_not_list_is_refused() {
    let s = setup(140).await;
    let link = s.platform.login("req_matter_001", "egov.tax.invoice");
    let err = s.wallet.fetch_request(&link).await.unwrap_err();
    assert_eq!(err.code(), "rp.matter_not_registered", "{err:?}");
    assert_eq!(err.code(), "rp.matter_not_registered");
    // A matter that is a prefix of a listed one is not listed.
    let link = s.platform.login("req_matter_002", "egov.ndrc");
    let err = s.wallet.fetch_request(&link).await.unwrap_err();
    assert_eq!(err.code(), "rp.matter_not_registered");
}

#[tokio::test]
async fn an_expired_request_is_refused_locally() {
    let s = setup(150).await;
    let b = body("req_expired_01", BIDDING, now_unix() - 1);
    let link = s.platform.put(sign(&b, &s.platform.key, &s.platform.cert));
    let err = s.wallet.fetch_request(&link).await.unwrap_err();
    assert!(matches!(err, WalletError::QrExpired), "{err:?}");
    assert_eq!(err.code(), "qr.expired");
    assert!(s.platform.answered().is_empty());
}

pub fn write_qr_png(path: &std::path::Path, text: &str) {
    let code = qrcode::QrCode::new(text.as_bytes()).unwrap();
    let img = code.render::<image::Luma<u8>>().build();
    img.save(path).unwrap();
}

#[test]
fn a_png_qr_code_gives_back_its_link() {
    let dir = tempfile::tempdir().unwrap();
    let link = "http://127.0.0.1:8080/qr/req_0123456789";
    let png = dir.path().join("qr.png");
    write_qr_png(&png, link);
    assert_eq!(decode_qr_image(&png).unwrap(), link);

    // An image without a QR code, and a file that is no image.
    let blank = dir.path().join("blank.png");
    image::GrayImage::from_pixel(64, 64, image::Luma([255]))
        .save(&blank)
        .unwrap();
    let err = decode_qr_image(&blank).unwrap_err();
    assert_eq!(err.code(), "wallet.qr_unreadable");
    let junk = dir.path().join("junk.png");
    std::fs::write(&junk, b"not an image").unwrap();
    assert_eq!(
        decode_qr_image(&junk).unwrap_err().code(),
        "wallet.qr_unreadable"
    );
}

#[tokio::test]
async fn the_scan_command_answers_with_yes() {
    let s = setup(160).await;
    let home = s._dir.path().to_str().unwrap().to_owned();

    // From a link, JSON.
    let link = s.platform.login("req_cli_00001", BIDDING);
    let cli = crate::cli::parse(&[
        "--home",
        &home,
        "--server",
        &s.auth.url,
        "--json",
        "scan",
        &link,
        "--yes",
    ])
    .unwrap();
    let out = cli.execute(&mut TestRng::new(161)).await.unwrap();
    assert_eq!(out.json["status"]["short_code"], SHORT_CODE);
    assert_eq!(out.json["preview"]["requester"]["name"], RP_NAME);
    assert_eq!(out.json["preview"]["matter"], BIDDING);
    assert!(
        out.text.contains("请在电脑上核对并确认。确认码：123456"),
        "{}",
        out.text
    );
    assert!(out.text.contains(RP_NAME), "{}", out.text);

    // From a PNG of the QR code, with --license.
    let link = s.platform.login("req_cli_00002", BIDDING);
    let png = s._dir.path().join("scanned.png");
    write_qr_png(&png, &link);
    let cli = crate::cli::parse(&[
        "--home",
        &home,
        "--server",
        &s.auth.url,
        "scan",
        png.to_str().unwrap(),
        "--license",
        USCC,
        "--yes",
    ])
    .unwrap();
    let out = cli.execute(&mut TestRng::new(162)).await.unwrap();
    assert!(out.text.contains("确认码：123456"), "{}", out.text);
    assert_eq!(
        s.platform.answered(),
        vec!["req_cli_00001".to_string(), "req_cli_00002".to_string()]
    );

    // Neither a link of ours nor an image file.
    let cli = crate::cli::parse(&[
        "--home",
        &home,
        "--server",
        &s.auth.url,
        "scan",
        "https://evil.cn/login",
        "--yes",
    ])
    .unwrap();
    let err = cli.execute(&mut TestRng::new(163)).await.unwrap_err();
    assert_eq!(err.code(), "wallet.bad_qr");
}

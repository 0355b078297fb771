//! A small license authority for the tests: canned answers, but every proof the wallet sends is
//! checked for real (proof of possession, license signature, single-use challenge) and every
//! certificate it hands out is really issued.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use yizhao_gm::x509::random_serial;
use yizhao_gm::x509::{CertKind, Certificate, CertificateParams, DistinguishedName, Issuer};
use yizhao_gm::{PrivateKey, PublicKey, SuiteId};
use yizhao_proto::authority::*;
use yizhao_proto::{ErrorBody, ErrorEnvelope};

use crate::TestRng;

pub const NOW: u64 = 1_795_000_000; // 2026-11-18
const DAY: u64 = 86_400;
pub const TOKEN: &str = "rn-token-0001";
pub const CODE: &str = "246810";
pub const SESSION: &str = "rn-session-0001";
pub const DECLARATION_VERSION: &str = "2026-1";
pub const USCC: &str = "91420500MA4F000X1A";
pub const ENTITY: &str = "宜昌市示范建设工程有限公司";

/// What the authority saw, for the tests to check.
pub struct Inner {
    pub rng: TestRng,
    pub root: Certificate,
    pub ca_key: PrivateKey,
    pub ca: Certificate,
    status_key: PrivateKey,
    status_cert: Certificate,
    challenges: Vec<String>,
    /// Paths called, in order.
    pub calls: Vec<String>,
    /// `(action, payload)` of every accepted signed request.
    pub signed: Vec<(String, String)>,
    /// Device keys that licenses were issued to.
    pub issued: Vec<PublicKey>,
}

pub type Shared = Arc<Mutex<Inner>>;

/// A running authority.
pub struct Authority {
    pub url: String,
    pub state: Shared,
}

fn params(
    cn: &str,
    serial_number: Option<&str>,
    kind: CertKind,
    rng: &mut TestRng,
) -> CertificateParams {
    CertificateParams {
        subject: DistinguishedName {
            country: Some("CN".into()),
            organization: Some(ENTITY.into()),
            organizational_unit: None,
            common_name: cn.into(),
            serial_number: serial_number.map(Into::into),
        },
        serial: random_serial(rng),
        not_before: NOW - DAY,
        not_after: NOW + 365 * DAY,
        kind,
        extensions: vec![],
    }
}

impl Inner {
    pub fn new(seed: u64) -> Self {
        let mut rng = TestRng::new(seed);
        let root_key = PrivateKey::generate(SuiteId::Gm, &mut rng);
        let p = params(
            "yizhao 根 CA",
            None,
            CertKind::Ca { path_len: Some(1) },
            &mut rng,
        );
        let root =
            Certificate::issue(&p, &root_key.public_key(), Issuer::SelfSigned(&root_key)).unwrap();
        let ca_key = PrivateKey::generate(SuiteId::Gm, &mut rng);
        let p = params(
            "yizhao 执照签发 CA",
            None,
            CertKind::Ca { path_len: Some(0) },
            &mut rng,
        );
        let by_root = Issuer::Ca {
            cert: &root,
            key: &root_key,
        };
        let ca = Certificate::issue(&p, &ca_key.public_key(), by_root).unwrap();
        let status_key = PrivateKey::generate(SuiteId::Gm, &mut rng);
        let p = params("yizhao 状态签名", None, CertKind::Signing, &mut rng);
        let by_root = Issuer::Ca {
            cert: &root,
            key: &root_key,
        };
        let status_cert = Certificate::issue(&p, &status_key.public_key(), by_root).unwrap();
        Inner {
            rng,
            root,
            ca_key,
            ca,
            status_key,
            status_cert,
            challenges: Vec::new(),
            calls: Vec::new(),
            signed: Vec::new(),
            issued: Vec::new(),
        }
    }
}

pub fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    let env = ErrorEnvelope {
        error: ErrorBody {
            code: code.into(),
            message: message.into(),
        },
    };
    (status, Json(env)).into_response()
}

/// Serve `router` on a free local port; gives the base URL.
pub async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

/// Start an authority with keys drawn from `seed`.
pub async fn start(seed: u64) -> Authority {
    let state: Shared = Arc::new(Mutex::new(Inner::new(seed)));
    let api = Router::new()
        .route("/declaration", get(declaration))
        .route("/ca", get(ca))
        .route("/realname", post(realname))
        .route("/realname/confirm", post(confirm))
        .route("/dev/outbox", get(outbox))
        .route("/licenses", get(licenses).post(download))
        .route("/challenges", post(challenge))
        .route("/signed", post(signed))
        .route("/status", post(status))
        .with_state(state.clone());
    let url = serve(Router::new().nest(PREFIX, api)).await;
    Authority { url, state }
}

fn record(s: &Shared, call: &str) {
    s.lock().unwrap().calls.push(call.into());
}

fn face() -> FaceData {
    FaceData {
        uscc: USCC.into(),
        name: ENTITY.into(),
        kind: "有限责任公司".into(),
        legal_representative: "张伟".into(),
        registered_capital: "1000万元".into(),
        established: "2015-03-02".into(),
        business_term: "长期".into(),
        domicile: "湖北省宜昌市西陵区".into(),
        business_scope: "房屋建筑工程施工".into(),
        registration_authority: "宜昌市市场监督管理局".into(),
        locality: "420500".into(),
    }
}

async fn ca(State(s): State<Shared>) -> Json<CaInfo> {
    let mut g = s.lock().unwrap();
    g.calls.push("ca".into());
    Json(CaInfo {
        root: g.root.to_der().to_vec(),
        issuing: g.ca.to_der().to_vec(),
    })
}

async fn declaration(State(s): State<Shared>) -> Json<Declaration> {
    record(&s, "declaration");
    Json(Declaration {
        version: DECLARATION_VERSION.into(),
        title: "执照下载声明".into(),
        text: "本人承诺妥善保管电子营业执照。".into(),
    })
}

async fn realname(State(s): State<Shared>, Json(r): Json<RealNameRequest>) -> Response {
    record(&s, "realname");
    if r.id_number.len() != 18 {
        return refuse(
            StatusCode::BAD_REQUEST,
            "authority.realname_mismatch",
            "实名信息不一致",
        );
    }
    Json(RealNameStarted {
        session: SESSION.into(),
        phone_masked: "138****0000".into(),
        expires_at: (NOW + 300) as i64,
    })
    .into_response()
}

async fn confirm(State(s): State<Shared>, Json(c): Json<RealNameConfirm>) -> Response {
    record(&s, "realname/confirm");
    if c.session != SESSION || c.code != CODE {
        return refuse(
            StatusCode::BAD_REQUEST,
            "authority.wrong_code",
            "验证码错误",
        );
    }
    Json(RealNameVerified {
        token: TOKEN.into(),
        expires_at: 4_000_000_000,
        name: "张伟".into(),
    })
    .into_response()
}

async fn outbox(Query(q): Query<HashMap<String, String>>) -> Json<Vec<OutboxMessage>> {
    let phone = q.get("phone").cloned().unwrap_or_default();
    Json(vec![OutboxMessage {
        phone,
        text: format!("您的实名认证验证码为 {CODE}"),
        code: CODE.into(),
        at: NOW as i64,
    }])
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok())
        == Some(format!("RealName {TOKEN}").as_str())
}

async fn licenses(
    State(s): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    record(&s, "licenses.list");
    if !authorized(&headers) {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "authority.not_verified",
            "请先实名认证",
        );
    }
    let offer = LicenseOffer {
        uscc: USCC.into(),
        entity_name: ENTITY.into(),
        role: "legal_representative".into(),
        grant_id: None,
        status: "active".into(),
        period: None,
        matters: None,
    };
    Json(LicenseList {
        locality: q.get("locality").cloned().unwrap_or_default(),
        downloadable: vec![offer],
        downloaded: vec![],
    })
    .into_response()
}

async fn download(
    State(s): State<Shared>,
    headers: HeaderMap,
    Json(r): Json<DownloadRequest>,
) -> Response {
    record(&s, "licenses.download");
    if !authorized(&headers) {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "authority.not_verified",
            "请先实名认证",
        );
    }
    if r.accepted_declaration.as_deref() != Some(DECLARATION_VERSION) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "authority.declaration_not_accepted",
            "请先阅读并同意《执照下载声明》",
        );
    }
    let device = PublicKey::from_spki_der(&r.device_public_key).unwrap();
    let msg = download_pop_message(TOKEN, &r.uscc, &r.device_public_key);
    if device.verify(&msg, &r.proof_of_possession).is_err() {
        return refuse(
            StatusCode::BAD_REQUEST,
            "authority.bad_pop",
            "密钥持有证明无效",
        );
    }
    let mut g = s.lock().unwrap();
    let inner = &mut *g;
    let p = params("张伟", Some(&r.uscc), CertKind::Signing, &mut inner.rng);
    let issuer = Issuer::Ca {
        cert: &inner.ca,
        key: &inner.ca_key,
    };
    let cert = Certificate::issue(&p, &device, issuer).unwrap();
    inner.issued.push(device);
    Json(DownloadedLicense {
        license_id: hex::encode(cert.serial()),
        role: "legal_representative".into(),
        certificate: cert.to_der().to_vec(),
        chain: vec![inner.ca.to_der().to_vec(), inner.root.to_der().to_vec()],
        face: face(),
    })
    .into_response()
}

async fn challenge(State(s): State<Shared>) -> Json<Challenge> {
    let mut g = s.lock().unwrap();
    g.calls.push("challenges".into());
    let c = format!("ch-{}", g.challenges.len() + g.signed.len());
    g.challenges.push(c.clone());
    Json(Challenge {
        challenge: c,
        expires_at: (NOW + 120) as i64,
    })
}

fn grant(role: &str, name: &str, status: &str) -> GrantItem {
    GrantItem {
        grant_id: "g-1".into(),
        role: role.into(),
        name: name.into(),
        id_number_masked: "4205**********1234".into(),
        phone_masked: "139****1111".into(),
        period: None,
        matters: None,
        status: status.into(),
        downloads: 0,
    }
}

async fn signed(State(s): State<Shared>, Json(r): Json<Signed>) -> Response {
    let mut g = s.lock().unwrap();
    g.calls.push(format!("signed:{}", r.action));
    let Some(pos) = g.challenges.iter().position(|c| *c == r.challenge) else {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "authority.bad_challenge",
            "挑战无效",
        );
    };
    g.challenges.remove(pos);
    let Ok(cert) = Certificate::from_der(&r.certificate) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "authority.bad_certificate",
            "证书无效",
        );
    };
    if cert.verify_signed_by(&g.ca.public_key().unwrap()).is_err() {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "authority.bad_certificate",
            "证书不是本机构签发",
        );
    }
    let msg = proof_message(&r.action, &r.challenge, &r.payload);
    if cert
        .public_key()
        .unwrap()
        .verify(&msg, &r.signature)
        .is_err()
    {
        return refuse(
            StatusCode::UNAUTHORIZED,
            "authority.bad_proof",
            "执照签名无效",
        );
    }
    g.signed.push((r.action.clone(), r.payload.clone()));
    match r.action.as_str() {
        "admins.list" | "authorizations.list" => {
            let _: EntityRef = serde_json::from_str(&r.payload).unwrap();
            Json(vec![grant("license_admin", "李娜", "active")]).into_response()
        }
        "admins.add" => {
            let a: AddAdmin = serde_json::from_str(&r.payload).unwrap();
            Json(grant("license_admin", &a.person.name, "active")).into_response()
        }
        "authorizations.add" => {
            let a: AddAuthorization = serde_json::from_str(&r.payload).unwrap();
            let start = a.start.unwrap_or(NOW as i64);
            let mut item = grant("agent", &a.agent.name, "active");
            item.period = Some((start, a.end.unwrap_or(start + 3 * DAY as i64)));
            item.matters = Some(if a.mode == "all" {
                vec!["all".into()]
            } else {
                a.matters
            });
            Json(item).into_response()
        }
        "admins.remove" | "authorizations.revoke" => {
            let _: GrantRef = serde_json::from_str(&r.payload).unwrap();
            Json(grant("agent", "王强", "revoked")).into_response()
        }
        _ => refuse(
            StatusCode::BAD_REQUEST,
            "authority.unknown_action",
            "未知操作",
        ),
    }
}

async fn status(State(s): State<Shared>, Json(r): Json<StatusRequest>) -> Json<StatusResponse> {
    let mut g = s.lock().unwrap();
    g.calls.push("status".into());
    let cert = Certificate::from_der(&r.certificate).unwrap();
    let body = StatusBody {
        license_id: hex::encode(cert.serial()),
        uscc: USCC.into(),
        role: "legal_representative".into(),
        status: "active".into(),
        matter: r.matter,
        usable: true,
        reason: None,
        produced_at: NOW as i64,
    };
    let body = serde_json::to_string(&body).unwrap();
    let signature = g.status_key.sign(body.as_bytes()).unwrap();
    Json(StatusResponse {
        body,
        signature,
        signer: g.status_cert.to_der().to_vec(),
    })
}

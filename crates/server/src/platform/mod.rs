//! The trading platform (交易平台): so far its side of the one QR protocol (SYSTEM.md §4) —
//! make and sign a request, hand it to the wallet, check the answer, and let the PC session
//! confirm the short code; a completed login makes a member session ([`members`]: registration,
//! the credit database's basic information); the back office's users and its registration
//! window ([`backoffice`], R11). Its PC pages are in [`crate::pages`].
//! It talks to the license authority only through the authority's Rust API.

pub mod backoffice;
pub mod flows;
pub mod http;
pub mod members;
mod notifier;

use std::net::IpAddr;
use std::sync::Arc;

use yizhao_domain::authority::MATTER_BIDDING;
use yizhao_domain::authority::{CredentialStatus, Refusal};
use yizhao_domain::qr::{self as rules, QrError, QrKind, QrRequest, QrSettings, QrState, Rejected};
use yizhao_domain::time::{Clock, Timestamp};
use yizhao_gm::keystore::{KdfParams, Keystore, Password};
use yizhao_gm::x509::Certificate;
use yizhao_gm::{PrivateKey, SuiteId, sm3};
use yizhao_proto::ErrorBody;
use yizhao_proto::qr::{
    QrAnswer, QrPhase, QrRequestBody, QrStatus, SignedQrRequest, qr_answer_message,
};
use yizhao_store::{Database, QrRow};

use crate::authority::{Authority, RelyingParty};
use crate::error::ApiError;
use crate::limits::Limiter;
use crate::rng::{PortRng, RandomSource, random_hex};
pub use flows::CreateQr;

const SIGNING_KEY: &str = "qr-signing";

/// Settings of the platform.
#[derive(Debug, Clone)]
pub struct PlatformConfig {
    /// The name it registers with the authority and wallets show.
    pub name: String,
    /// The matter a login asks for.
    pub login_matter: String,
    /// QR request settings (expiry, short-code confirmation).
    pub qr: QrSettings,
    /// The base URL wallets reach the server at (for the link in the QR); default: the host
    /// the PC browser used.
    pub public_url: Option<String>,
    /// Limits of back-office password logins (per account, per client address).
    pub login: backoffice::LoginLimits,
    /// QR requests per client address (`None`: no limit): a login page makes one, so a
    /// trading centre's hall behind one address needs room; a flood does not get it.
    pub qr_per_address: Option<crate::limits::Rate>,
    /// QR requests per browser session (`None`: no limit).
    pub qr_per_session: Option<crate::limits::Rate>,
}

/// Default [`PlatformConfig::qr_per_address`]: 60 at once, then two a second.
pub const DEFAULT_QR_PER_ADDRESS: crate::limits::Rate = crate::limits::Rate::new(60, 120);
/// Default [`PlatformConfig::qr_per_session`]: 20 at once, then one every three seconds.
pub const DEFAULT_QR_PER_SESSION: crate::limits::Rate = crate::limits::Rate::new(20, 20);

impl Default for PlatformConfig {
    fn default() -> Self {
        PlatformConfig {
            name: "宜昌市公共资源交易平台".into(),
            login_matter: MATTER_BIDDING.into(),
            qr: QrSettings::default(),
            public_url: None,
            login: backoffice::LoginLimits::default(),
            qr_per_address: Some(DEFAULT_QR_PER_ADDRESS),
            qr_per_session: Some(DEFAULT_QR_PER_SESSION),
        }
    }
}

/// The trading platform service.
pub struct Platform {
    db: Database,
    clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn RandomSource>,
    authority: Arc<Authority>,
    key: PrivateKey,
    rp: RelyingParty,
    pub(crate) config: PlatformConfig,
    /// The QR flows it offers, by kind.
    flows: flows::Flows,
    /// Wakes the pages waiting on a request when it changes.
    notifier: notifier::Notifier,
    /// QR requests made, per client address.
    qr_per_address: Limiter<IpAddr>,
    /// QR requests made, per browser session.
    qr_per_session: Limiter<String>,
}

pub(crate) fn qr_error(e: QrError) -> ApiError {
    let status = match e {
        QrError::UnknownRequest => axum::http::StatusCode::NOT_FOUND,
        QrError::WrongSession => axum::http::StatusCode::FORBIDDEN,
        QrError::KindNotOffered => axum::http::StatusCode::BAD_REQUEST,
        _ => axum::http::StatusCode::CONFLICT,
    };
    ApiError::new(status, e.code(), e.to_string())
}

/// A license the authority refuses to let be used now, as both screens show it.
pub(crate) fn refused(r: Refusal) -> ApiError {
    ApiError::new(axum::http::StatusCode::FORBIDDEN, &r.code, r.message)
}

/// The hash that binds a request to the browser session that made it.
pub fn session_hash(session: &str) -> String {
    hex::encode(sm3(format!("yizhao/pc-session/v1\n{session}").as_bytes()))
}

fn to_row(
    r: &QrRequest,
    body: String,
    signature: Vec<u8>,
    last_error: Option<(String, String)>,
) -> QrRow {
    QrRow::of_request(r, body, signature, last_error)
}

/// A request's state as the wire says it.
fn phase(s: &QrState) -> QrPhase {
    match s {
        QrState::Pending => QrPhase::Pending,
        QrState::Answered { .. } => QrPhase::Answered,
        QrState::Completed { .. } => QrPhase::Completed,
        QrState::Expired => QrPhase::Expired,
        QrState::Refused { .. } => QrPhase::Refused,
    }
}

pub(crate) fn from_row(row: &QrRow) -> Result<QrRequest, ApiError> {
    Ok(row.request()?)
}

impl Platform {
    /// Start: load (or make) the platform's signing key and register it with the authority.
    /// Impression uploads made through QR requests go to `seals`.
    #[allow(clippy::too_many_arguments)]
    pub async fn start(
        db: Database,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        authority: Arc<Authority>,
        seals: Arc<crate::seal::Seals>,
        key_password: &Password,
        kdf: KdfParams,
        config: PlatformConfig,
    ) -> Result<Self, ApiError> {
        let db_for_notices = db.clone();
        let mut tx = db.begin().await?;
        let key = match tx.platform_key(SIGNING_KEY).await? {
            Some(sealed) => Keystore::open(&sealed, key_password)
                .map_err(|e| ApiError::internal(&e))?
                .get(SIGNING_KEY)
                .cloned()
                .ok_or_else(|| ApiError::internal(&"platform key missing"))?,
            None => {
                let key = PrivateKey::generate(SuiteId::Gm, &mut PortRng(rng.as_ref()));
                let mut ks = Keystore::new();
                ks.insert(SIGNING_KEY, key.clone());
                let sealed = ks
                    .seal(key_password, SuiteId::Gm, kdf, &mut PortRng(rng.as_ref()))
                    .map_err(|e| ApiError::internal(&e))?;
                tx.insert_platform_key(SIGNING_KEY, &sealed).await?;
                key
            }
        };
        tx.commit().await?;
        let spki = key
            .public_key()
            .to_spki_der()
            .map_err(|e| ApiError::internal(&e))?;
        let rp = authority
            .register_relying_party(
                &config.name,
                std::slice::from_ref(&config.login_matter),
                &spki,
            )
            .await?;
        let qr_per_address = Limiter::new(config.qr_per_address);
        let qr_per_session = Limiter::new(config.qr_per_session);
        Ok(Platform {
            db,
            clock,
            rng,
            authority,
            key,
            rp,
            config,
            flows: flows::Flows::new(seals),
            qr_per_address,
            qr_per_session,
            notifier: notifier::Notifier::start(db_for_notices).await?,
        })
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Whether a client at `addr` with browser session `session` may make another QR request
    /// now (`429 rate.limited` if not).
    pub fn admit_qr(&self, addr: Option<IpAddr>, session: Option<&str>) -> Result<(), ApiError> {
        if let Some(a) = addr {
            self.qr_per_address.check(&a)?;
        }
        if let Some(s) = session {
            self.qr_per_session.check(&s.to_owned())?;
        }
        Ok(())
    }

    /// Make and sign a QR request of `kind` for the browser session of `asked`, through the
    /// kind's flow; a kind this platform has no flow for is refused (`qr.kind_not_offered`).
    pub async fn create_qr(&self, kind: QrKind, asked: &CreateQr) -> Result<QrStatus, ApiError> {
        self.flows.get(kind)?.create(self, asked).await
    }

    /// Sign and store a request of `kind` with the kind's `payload` in the signed body (for the
    /// flows, which check first what the PC page may ask).
    pub(crate) async fn create_qr_with(
        &self,
        kind: QrKind,
        session: &str,
        payload: serde_json::Value,
    ) -> Result<QrStatus, ApiError> {
        let now = self.now();
        let req = QrRequest::new(
            random_hex(self.rng.as_ref(), 16),
            kind,
            self.rp.id.clone(),
            self.config.login_matter.clone(),
            random_hex(self.rng.as_ref(), 16),
            session_hash(session),
            now,
            &self.config.qr,
        );
        let body = QrRequestBody {
            id: req.id.to_string(),
            kind: kind.as_str().into(),
            requester_id: req.requester_id.clone(),
            requester_name_claimed: Some(self.rp.name.clone()),
            matter: req.matter.clone(),
            nonce: req.nonce.clone(),
            expires_at: req.expires_at.0,
            session_hash: req.session_hash.clone(),
            payload,
        };
        let body = serde_json::to_string(&body).map_err(|e| ApiError::internal(&e))?;
        let signature = self
            .key
            .sign(body.as_bytes())
            .map_err(|e| ApiError::internal(&e))?;
        // One statement: no transaction round trips while holding SQLite's writer turn.
        let mut tx = self.db.begin_one().await?;
        tx.insert_qr(&to_row(&req, body, signature, None)).await?;
        Ok(self.status_of(&req, None))
    }

    fn status_of(&self, r: &QrRequest, last_error: Option<&QrRow>) -> QrStatus {
        let now = self.now();
        let short_code = match &r.state {
            QrState::Answered { short_code, .. } if !r.is_expired_at(now) => {
                Some(short_code.clone())
            }
            _ => None,
        };
        let error = last_error
            .and_then(QrRow::last_error)
            .map(|(code, message)| ErrorBody { code, message });
        QrStatus {
            id: r.id.to_string(),
            state: phase(&r.state.clone().at(r.expires_at, now)),
            short_code,
            expires_at: r.expires_at.0,
            error,
        }
    }

    pub(crate) async fn load(&self, id: &str) -> Result<QrRow, ApiError> {
        let mut tx = self.db.read().await?;
        tx.qr(id)
            .await?
            .ok_or_else(|| qr_error(QrError::UnknownRequest))
    }

    /// What the wallet fetches through the QR's link: the signed request and our certificate.
    pub async fn fetch_qr(&self, id: &str) -> Result<SignedQrRequest, ApiError> {
        let row = self.load(id).await?;
        Ok(SignedQrRequest {
            body: row.body,
            signature: row.signature,
            requester_certificate: self.rp.certificate.clone(),
        })
    }

    /// The wallet's answer: the license proof over the request, checked with the authority,
    /// and the payload its kind's flow asks for. The answer's new state and the flow's effect
    /// commit in one transaction: a failure in between leaves the request answerable and
    /// nothing stored.
    pub async fn answer_qr(&self, id: &str, answer: &QrAnswer) -> Result<QrStatus, ApiError> {
        let row = self.load(id).await?;
        let req = from_row(&row)?;
        let flow = self.flows.get(req.kind)?;
        let now = self.now();
        if !req.is_answerable_at(now) {
            let e = if req.is_expired_at(now) {
                QrError::Expired
            } else {
                QrError::AlreadyAnswered
            };
            return Err(qr_error(e));
        }
        let checked = async {
            let license_id = self.check_answer(&row, answer).await?;
            flow.check_answer(self, &row, answer)?;
            Ok::<_, ApiError>(license_id)
        }
        .await;
        let license_id = match checked {
            Ok(license_id) => license_id,
            Err(e) => return Err(self.note_refused_answer(id, e).await),
        };
        let digest = sm3(&[row.nonce.as_bytes(), &answer.signature].concat());
        let code = rules::short_code(&digest);
        // A request that asks the phone to sign something for the phone's own entity completes
        // with the answer: nothing is granted to the PC session, so there is no short code to
        // confirm.
        let settings = QrSettings {
            confirm_short_code: self.config.qr.confirm_short_code && req.kind.binds_pc_session(),
            ..self.config.qr
        };
        let next = req
            .clone()
            .answer(&answer.nonce, license_id, code, now, &settings)
            .map_err(|r: Rejected| qr_error(r.error))?;
        let to = to_row(&next, row.body.clone(), row.signature.clone(), None);
        if !flow.acts_on_answer() {
            // One statement: no transaction round trips while holding SQLite's writer turn.
            let mut tx = self.db.begin_one().await?;
            if !tx.answer_qr(&row, &to, &answer.certificate).await? {
                return Err(qr_error(QrError::AlreadyAnswered));
            }
            drop(tx);
            self.notifier.changed(id);
            return Ok(self.status_of(&next, None));
        }
        let mut tx = self.db.begin().await?;
        if !tx.answer_qr(&row, &to, &answer.certificate).await? {
            return Err(qr_error(QrError::AlreadyAnswered));
        }
        match flow.answered(self, &mut tx, &row, answer).await {
            Ok(()) => {
                tx.commit().await?;
                self.notifier.changed(id);
                Ok(self.status_of(&next, None))
            }
            Err(e) => {
                // Nothing of the answer is kept.
                tx.rollback().await?;
                if e.status.is_client_error() {
                    self.refuse_answered(&row, &e).await?;
                    Err(e)
                } else {
                    Err(self.note_refused_answer(id, e).await)
                }
            }
        }
    }

    /// Notes a refused answer's error on the request (its state unchanged, so it can still be
    /// answered), so the PC page can say why; gives the error back.
    async fn note_refused_answer(&self, id: &str, e: ApiError) -> ApiError {
        let noted = async {
            let mut tx = self.db.begin_one().await?;
            tx.set_qr_last_error(id, &e.code, &e.message).await?;
            drop(tx);
            self.notifier.changed(id);
            Ok::<_, ApiError>(())
        }
        .await;
        match noted {
            Ok(()) => e,
            Err(internal) => internal,
        }
    }

    /// The flow refused the effect of an answer to the pending request `row`: the request ends
    /// refused, with the reason both screens show.
    async fn refuse_answered(&self, row: &QrRow, e: &ApiError) -> Result<(), ApiError> {
        let refused = QrRequest {
            state: QrState::Refused {
                reason: e.code.clone(),
            },
            ..from_row(row)?
        };
        let to = to_row(
            &refused,
            row.body.clone(),
            row.signature.clone(),
            Some((e.code.clone(), e.message.clone())),
        );
        let mut tx = self.db.begin_one().await?;
        tx.update_qr_state(row, &to).await?;
        drop(tx);
        self.notifier.changed(&row.id);
        Ok(())
    }

    /// Signature over the request, then the authority's word on the license for the matter.
    async fn check_answer(&self, row: &QrRow, answer: &QrAnswer) -> Result<String, ApiError> {
        if answer.request_id != row.id {
            return Err(qr_error(QrError::UnknownRequest));
        }
        let cert = Certificate::from_der(&answer.certificate)
            .map_err(|_| qr_error(QrError::UntrustedCertificate))?;
        let key = cert
            .public_key()
            .map_err(|_| qr_error(QrError::UntrustedCertificate))?;
        key.verify(
            &qr_answer_message(&row.body, &answer.nonce),
            &answer.signature,
        )
        .map_err(|_| qr_error(QrError::BadSignature))?;
        let status = self
            .authority
            .credential_status(&cert, &answer.certificate, Some(&row.matter))
            .await?;
        if let CredentialStatus::Unknown { .. } = status {
            return Err(qr_error(QrError::UntrustedCertificate));
        }
        let license = status.usable().map_err(refused)?;
        Ok(license.license_id.to_owned())
    }

    /// The request's state, for the browser session that made it.
    pub async fn qr_status(&self, id: &str, session: &str) -> Result<QrStatus, ApiError> {
        let row = self.load(id).await?;
        let req = from_row(&row)?;
        req.check_session(&session_hash(session))
            .map_err(qr_error)?;
        Ok(self.status_of(&req, Some(&row)))
    }

    /// The PC user confirms the short code both screens show. A login that this completes
    /// opens its member session in the same transaction; its cookie value is returned with
    /// the status.
    pub async fn confirm_qr(
        &self,
        id: &str,
        session: &str,
        code: &str,
    ) -> Result<(QrStatus, Option<String>), ApiError> {
        let row = self.load(id).await?;
        let req = from_row(&row)?;
        let was_completed = matches!(req.state, QrState::Completed { .. });
        let now = self.now();
        let (next, err) =
            match req.confirm(&session_hash(session), code.trim(), now, &self.config.qr) {
                Ok(next) => (next, None),
                Err(Rejected { request, error }) => (*request, Some(error)),
            };
        let to = to_row(
            &next,
            row.body.clone(),
            row.signature.clone(),
            row.last_error(),
        );
        let mut token = None;
        if matches!(next.state, QrState::Completed { .. }) && !was_completed {
            // Checked before the writer turn is taken; nothing is written if the license is
            // refused now.
            let login = self.prepare_member_login(&row).await?;
            let mut tx = self.db.begin().await?;
            if !tx.update_qr_state(&row, &to).await? {
                return Err(qr_error(QrError::AlreadyAnswered));
            }
            if let Some(login) = login
                && self.open_member_session(&mut tx, &login).await?
            {
                token = Some(login.token);
            }
            tx.commit().await?;
            self.notifier.changed(id);
        } else if to.state != row.state || to.wrong_tries != row.wrong_tries {
            let mut tx = self.db.begin_one().await?;
            if !tx.update_qr_state(&row, &to).await? {
                return Err(qr_error(QrError::AlreadyAnswered));
            }
            drop(tx);
            self.notifier.changed(id);
        }
        match err {
            Some(e) => Err(qr_error(e)),
            None => Ok((self.status_of(&next, None), token)),
        }
    }

    /// Remove QR requests, member and back-office sessions whose time ended before `before`
    /// (Unix seconds); how many rows went.
    pub async fn sweep(&self, before: i64) -> Result<u64, ApiError> {
        self.qr_per_address.forget_idle();
        self.qr_per_session.forget_idle();
        let mut tx = self.db.begin().await?;
        let n = tx.sweep_platform(before).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// The platform's registration with the authority.
    pub fn relying_party(&self) -> &RelyingParty {
        &self.rp
    }

    /// The settings.
    pub fn config(&self) -> &PlatformConfig {
        &self.config
    }

    /// The clock's time now (Unix seconds), which pages hand to their scripts so countdowns
    /// don't depend on the PC's clock.
    pub fn now_secs(&self) -> i64 {
        self.now().0
    }

    /// Whether cookies get `Secure`: the server is reached over https.
    pub fn secure_cookies(&self) -> bool {
        self.config
            .public_url
            .as_deref()
            .and_then(|u| u.get(..8))
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("https://"))
    }

    /// The anti-forgery token of the forms of a session: HMAC-SM3 under a key derived from
    /// the platform's signing key (the same on every replica, never sent anywhere) over the
    /// session's `scope` and cookie value. A page from another site can't read the cookie, so it
    /// can't make the token.
    pub fn csrf_token(&self, scope: &str, session: &str) -> String {
        let key = yizhao_gm::hmac_sm3(self.key.to_bytes().as_slice(), b"yizhao/csrf-key/v1");
        hex::encode(yizhao_gm::hmac_sm3(
            &key,
            format!("yizhao/csrf/v1\n{scope}\n{session}").as_bytes(),
        ))
    }

    /// Whether `token` is the session's anti-forgery token (compared in constant time).
    pub fn csrf_ok(&self, scope: &str, session: &str, token: &str) -> bool {
        yizhao_domain::ct_eq(self.csrf_token(scope, session).as_bytes(), token.as_bytes())
    }
}

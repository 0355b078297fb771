//! The one QR protocol (SYSTEM.md §4): a PC page's request, the wallet's answer, and, beyond the
//! manual, a short code both screens show so that a relayed QR can't log someone else in.
//!
//! A request lives as a [`QrRequest`] whose [`QrState`] moves
//! `pending → answered → completed`, or ends `expired` / `refused`. Transitions consume the
//! request and give back the one to store; a refused transition gives back a [`Rejected`] that
//! holds the request to store (unchanged, except that wrong codes are counted and a request past
//! its expiry is marked expired) and the [`QrError`] both screens show. Time comes in as an
//! argument; signatures, certificates and hashes are checked by the caller.
//!
//! ```
//! use yizhao_domain::qr::{QrKind, QrRequest, QrSettings, QrState, short_code};
//! use yizhao_domain::time::Timestamp;
//!
//! let s = QrSettings::default();
//! let t0 = Timestamp(1_795_000_000);
//! let r = QrRequest::new("req_0001", QrKind::Login, "rp-1".into(),
//!     "egov.ndrc.bidding".into(), "n0nce".into(), "sess-hash".into(), t0, &s);
//! let code = short_code(&[7; 32]);
//! let r = r.answer("n0nce", "lic-1", code.clone(), t0.plus(5), &s).map_err(|e| e.error)?;
//! assert_eq!(r.state.name(), "answered");
//! let r = r.confirm("sess-hash", &code, t0.plus(9), &s).map_err(|e| e.error)?;
//! assert_eq!(r.state, QrState::Completed { license_id: "lic-1".into() });
//! # Ok::<(), yizhao_domain::qr::QrError>(())
//! ```

use core::fmt;

use crate::ct_eq as eq_ct;
use crate::ids::{LicenseId, QrId};
use crate::time::Timestamp;

/// How long a request may be answered and confirmed, unless configured otherwise.
pub const DEFAULT_QR_TTL_SECS: i64 = 120;
/// Wrong short codes the PC user may enter before the request is refused.
pub const DEFAULT_MAX_CODE_TRIES: u32 = 3;

/// What a QR asks the wallet to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QrKind {
    /// Log in to a relying party with a license.
    Login,
    /// Sign a document.
    Sign,
    /// Encrypt (wrap a key) for an entity.
    Encrypt,
    /// Decrypt (unwrap a key).
    Decrypt,
    /// Sign with the entity's electronic impression (电子印章).
    Impression,
}

impl QrKind {
    /// All kinds.
    pub const ALL: [QrKind; 5] = [
        QrKind::Login,
        QrKind::Sign,
        QrKind::Encrypt,
        QrKind::Decrypt,
        QrKind::Impression,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            QrKind::Login => "login",
            QrKind::Sign => "sign",
            QrKind::Encrypt => "encrypt",
            QrKind::Decrypt => "decrypt",
            QrKind::Impression => "impression",
        }
    }

    /// The Chinese name people see, e.g. 登录.
    pub fn label(self) -> &'static str {
        match self {
            QrKind::Login => "登录",
            QrKind::Sign => "签名",
            QrKind::Encrypt => "加密",
            QrKind::Decrypt => "解密",
            QrKind::Impression => "印模上传",
        }
    }

    /// Whether completing a request of this kind gives the PC browser session something (a
    /// login gives it a member session), so the PC user must confirm the short code both
    /// screens show. The other kinds ask the phone to sign for its own license, and the phone
    /// shows what it signs; they complete with the answer.
    pub fn binds_pc_session(self) -> bool {
        self == QrKind::Login
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<QrKind> {
        QrKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for QrKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The settings of QR flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QrSettings {
    /// Seconds from creation to expiry.
    pub ttl_secs: i64,
    /// Whether the PC user must confirm the short code shown on both screens (on by default).
    pub confirm_short_code: bool,
    /// Wrong short codes before the request is refused.
    pub max_code_tries: u32,
}

impl Default for QrSettings {
    fn default() -> Self {
        QrSettings {
            ttl_secs: DEFAULT_QR_TTL_SECS,
            confirm_short_code: true,
            max_code_tries: DEFAULT_MAX_CODE_TRIES,
        }
    }
}

/// Where a request stands. Stored as [`QrState::name`] plus the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QrState {
    /// Waiting for the wallet.
    Pending,
    /// The wallet answered; waiting for the PC user to confirm the short code.
    Answered {
        /// The license that answered (certificate serial, hex).
        license_id: LicenseId,
        /// The 6-digit code both screens show.
        short_code: String,
        /// Wrong codes entered so far.
        wrong_tries: u32,
    },
    /// Done: the service acts (logs in, takes the signature…).
    Completed {
        /// The license that answered.
        license_id: LicenseId,
    },
    /// Not completed before its expiry.
    Expired,
    /// Refused; no longer usable.
    Refused {
        /// Why: an error code such as `qr.wrong_code`, or `qr.cancelled`.
        reason: String,
    },
}

impl QrState {
    /// The stored and wire name: `pending`, `answered`, `completed`, `expired` or `refused`.
    pub fn name(&self) -> &'static str {
        match self {
            QrState::Pending => "pending",
            QrState::Answered { .. } => "answered",
            QrState::Completed { .. } => "completed",
            QrState::Expired => "expired",
            QrState::Refused { .. } => "refused",
        }
    }

    /// Rebuild a stored state from its name and columns; `None` if they don't fit together (or
    /// the license id is malformed).
    pub fn from_stored(
        name: &str,
        license_id: Option<String>,
        short_code: Option<String>,
        wrong_tries: u32,
        reason: Option<String>,
    ) -> Option<QrState> {
        match name {
            "pending" => Some(QrState::Pending),
            "answered" => Some(QrState::Answered {
                license_id: LicenseId::parse(&license_id?)?,
                short_code: short_code?,
                wrong_tries,
            }),
            "completed" => Some(QrState::Completed {
                license_id: LicenseId::parse(&license_id?)?,
            }),
            "expired" => Some(QrState::Expired),
            "refused" => Some(QrState::Refused { reason: reason? }),
            _ => None,
        }
    }

    /// Whether nothing more can happen to it.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            QrState::Completed { .. } | QrState::Expired | QrState::Refused { .. }
        )
    }

    /// The state as seen at `now` for a request expiring at `expires_at`: a pending or answered
    /// request at or past its expiry is expired.
    pub fn at(self, expires_at: Timestamp, now: Timestamp) -> QrState {
        match self {
            QrState::Pending | QrState::Answered { .. } if now >= expires_at => QrState::Expired,
            s => s,
        }
    }
}

/// A QR request as the service keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrRequest {
    /// Id, the last segment of the QR link.
    pub id: QrId,
    /// What is asked.
    pub kind: QrKind,
    /// The relying party (registered with the license authority) that asks.
    pub requester_id: String,
    /// The matter code asked for, e.g. `egov.ndrc.bidding`.
    pub matter: String,
    /// One-time nonce the answer must echo.
    pub nonce: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// First second at which it can no longer be answered or confirmed.
    pub expires_at: Timestamp,
    /// Hash of the browser session that made it (never the session itself).
    pub session_hash: String,
    /// Where it stands.
    pub state: QrState,
}

/// A refused transition: the request to store and the error both screens show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The request to store: unchanged, except for a counted wrong code, a refusal after too many,
    /// or the mark of expiry. Boxed to keep the `Err` small.
    pub request: Box<QrRequest>,
    /// Why.
    pub error: QrError,
}

impl From<Rejected> for QrError {
    fn from(r: Rejected) -> QrError {
        r.error
    }
}

impl QrRequest {
    /// A new pending request made at `now`, expiring after the configured time.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: impl Into<QrId>,
        kind: QrKind,
        requester_id: String,
        matter: String,
        nonce: String,
        session_hash: String,
        now: Timestamp,
        settings: &QrSettings,
    ) -> QrRequest {
        QrRequest {
            id: id.into(),
            kind,
            requester_id,
            matter,
            nonce,
            created_at: now,
            expires_at: now.plus(settings.ttl_secs),
            session_hash,
            state: QrState::Pending,
        }
    }

    /// Whether it is past its expiry at `now` (expiry itself included).
    pub fn is_expired_at(&self, now: Timestamp) -> bool {
        now >= self.expires_at
    }

    /// Whether the wallet may answer it at `now`.
    pub fn is_answerable_at(&self, now: Timestamp) -> bool {
        self.state == QrState::Pending && !self.is_expired_at(now)
    }

    /// The request with its state as seen at `now` (see [`QrState::at`]); store this when
    /// sweeping.
    pub fn at(mut self, now: Timestamp) -> QrRequest {
        self.state = self.state.at(self.expires_at, now);
        self
    }

    /// The name of its state at `now`.
    pub fn state_name_at(&self, now: Timestamp) -> &'static str {
        match self.state {
            QrState::Pending | QrState::Answered { .. } if self.is_expired_at(now) => "expired",
            ref s => s.name(),
        }
    }

    /// Whether `session_hash` is the browser session that made it.
    pub fn check_session(&self, session_hash: &str) -> Result<(), QrError> {
        if eq_ct(self.session_hash.as_bytes(), session_hash.as_bytes()) {
            Ok(())
        } else {
            Err(QrError::WrongSession)
        }
    }

    /// The wallet's answer at `now`, already verified by the caller (signature, chain, status,
    /// matter). Valid once, before expiry, with the request's nonce. With the short-code setting
    /// on it becomes [`QrState::Answered`], otherwise [`QrState::Completed`].
    pub fn answer(
        self,
        nonce: &str,
        license_id: impl Into<LicenseId>,
        short_code: String,
        now: Timestamp,
        settings: &QrSettings,
    ) -> Result<QrRequest, Rejected> {
        let me = self.at(now);
        match me.state {
            QrState::Pending => {}
            QrState::Expired => return me.reject(QrError::Expired),
            QrState::Refused { .. } => return me.reject(QrError::Refused),
            QrState::Answered { .. } | QrState::Completed { .. } => {
                return me.reject(QrError::AlreadyAnswered);
            }
        }
        if !eq_ct(me.nonce.as_bytes(), nonce.as_bytes()) {
            return me.reject(QrError::NonceMismatch);
        }
        let license_id = license_id.into();
        let state = if settings.confirm_short_code {
            QrState::Answered {
                license_id,
                short_code,
                wrong_tries: 0,
            }
        } else {
            QrState::Completed { license_id }
        };
        Ok(QrRequest { state, ..me })
    }

    /// The PC user's confirmation of the short code at `now`, from the browser session that made
    /// the request. A wrong code is counted and keeps it answered; the last allowed wrong code
    /// refuses it.
    pub fn confirm(
        self,
        session_hash: &str,
        code: &str,
        now: Timestamp,
        settings: &QrSettings,
    ) -> Result<QrRequest, Rejected> {
        if let Err(e) = self.check_session(session_hash) {
            return self.reject(e);
        }
        let me = self.at(now);
        let (license_id, short_code, wrong_tries) = match me.state {
            QrState::Answered {
                ref license_id,
                ref short_code,
                wrong_tries,
            } => (license_id.clone(), short_code.clone(), wrong_tries),
            QrState::Pending => return me.reject(QrError::NotAnswered),
            QrState::Completed { .. } => return me.reject(QrError::AlreadyAnswered),
            QrState::Expired => return me.reject(QrError::Expired),
            QrState::Refused { .. } => return me.reject(QrError::Refused),
        };
        if eq_ct(short_code.as_bytes(), code.as_bytes()) {
            return Ok(QrRequest {
                state: QrState::Completed { license_id },
                ..me
            });
        }
        let wrong_tries = wrong_tries.saturating_add(1);
        if wrong_tries >= settings.max_code_tries {
            let refused = QrRequest {
                state: QrState::Refused {
                    reason: QrError::WrongCode { remaining: 0 }.code().to_string(),
                },
                ..me
            };
            return refused.reject(QrError::Refused);
        }
        let counted = QrRequest {
            state: QrState::Answered {
                license_id,
                short_code,
                wrong_tries,
            },
            ..me
        };
        counted.reject(QrError::WrongCode {
            remaining: settings.max_code_tries - wrong_tries,
        })
    }

    /// Refuse a request that is not final (the person cancelled on either screen, or the codes
    /// differed); `reason` is a stable code such as `qr.cancelled`.
    pub fn refuse(self, reason: &str, now: Timestamp) -> Result<QrRequest, Rejected> {
        let me = self.at(now);
        match me.state {
            QrState::Pending | QrState::Answered { .. } => Ok(QrRequest {
                state: QrState::Refused {
                    reason: reason.to_string(),
                },
                ..me
            }),
            QrState::Completed { .. } => me.reject(QrError::AlreadyAnswered),
            QrState::Expired => me.reject(QrError::Expired),
            QrState::Refused { .. } => me.reject(QrError::Refused),
        }
    }

    fn reject(self, error: QrError) -> Result<QrRequest, Rejected> {
        Err(Rejected {
            request: Box::new(self),
            error,
        })
    }
}

/// Whether the relying party may ask for `matter`: its certificate, issued by the license
/// authority, lists the matters it is registered for.
pub fn check_matter_allowed<S: AsRef<str>>(matter: &str, allowed: &[S]) -> Result<(), QrError> {
    if allowed.iter().any(|m| m.as_ref() == matter) {
        Ok(())
    } else {
        Err(QrError::MatterNotAllowed)
    }
}

/// The 6-digit short code both screens show after the phone confirms.
///
/// The domain has no hash: the caller passes `digest = SM3(nonce ‖ answer signature)`. The code
/// is the first 8 bytes of the digest read big-endian, reduced mod 10^6 and zero-padded; the bias
/// of that reduction (2^64 mod 10^6 out of 2^64) is below 10^-13, so the code is uniform for all
/// purposes.
pub fn short_code(digest: &[u8; 32]) -> String {
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    format!("{:06}", u64::from_be_bytes(first) % 1_000_000)
}

/// Why a QR flow was refused. Each has a stable code and a message in Chinese for people; both
/// screens show it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QrError {
    /// Past its expiry.
    #[error("二维码已过期，请刷新二维码后重新扫码。")]
    Expired,
    /// Answered (or completed) already: a request is answered once.
    #[error("该二维码已被使用，请刷新后重新扫码。")]
    AlreadyAnswered,
    /// The short code entered on the PC differs from the phone's.
    #[error("确认码不一致，请核对手机上显示的确认码。")]
    WrongCode {
        /// Tries left before the request is refused.
        remaining: u32,
    },
    /// The request was refused (too many wrong codes, or cancelled).
    #[error("本次扫码已被拒绝，请刷新二维码后重新扫码。")]
    Refused,
    /// Another browser session asked about or confirmed the request.
    #[error("该二维码不属于当前浏览器会话。")]
    WrongSession,
    /// The phone has not answered yet.
    #[error("手机尚未确认，请在手机上选择执照并输入设备密码。")]
    NotAnswered,
    /// The relying party is not registered for the matter it asks.
    #[error("该应用未登记此事项，已拒绝。")]
    MatterNotAllowed,
    /// The answer's nonce is not the request's.
    #[error("应答与二维码请求不匹配，已拒绝。")]
    NonceMismatch,
    /// A signature (of the request or of the answer) does not verify: tampered.
    #[error("签名验证失败，内容可能已被篡改，已拒绝。")]
    BadSignature,
    /// The certificate chain does not lead to the license authority's root.
    #[error("证书不是由电子营业执照管理机构签发的，已拒绝。")]
    UntrustedCertificate,
    /// The request is unknown (or was removed).
    #[error("二维码无效，请刷新二维码后重新扫码。")]
    UnknownRequest,
    /// A kind whose flow this service does not offer: it is refused when the request would
    /// be made, and a stored request of such a kind can't be answered.
    #[error("暂不支持此类扫码业务。")]
    KindNotOffered,
}

impl QrError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            QrError::Expired => "qr.expired",
            QrError::AlreadyAnswered => "qr.already_answered",
            QrError::WrongCode { .. } => "qr.wrong_code",
            QrError::Refused => "qr.refused",
            QrError::WrongSession => "qr.wrong_session",
            QrError::NotAnswered => "qr.not_answered",
            QrError::MatterNotAllowed => "qr.matter_not_allowed",
            QrError::NonceMismatch => "qr.nonce_mismatch",
            QrError::BadSignature => "qr.bad_signature",
            QrError::UntrustedCertificate => "qr.untrusted_certificate",
            QrError::UnknownRequest => "qr.unknown_request",
            QrError::KindNotOffered => "qr.kind_not_offered",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authority::{MATTER_BIDDING, MATTER_PROCUREMENT};
    use crate::time::{Clock, ManualClock};
    use proptest::prelude::*;

    const T0: Timestamp = Timestamp(1_795_000_000);
    const SESSION: &str = "sess-hash";
    const NONCE: &str = "nonce-123";

    fn request(s: &QrSettings) -> QrRequest {
        QrRequest::new(
            "req_00000001",
            QrKind::Login,
            "rp-bidding".into(),
            MATTER_BIDDING.into(),
            NONCE.into(),
            SESSION.into(),
            T0,
            s,
        )
    }

    fn answered(s: &QrSettings) -> QrRequest {
        request(s)
            .answer(NONCE, "lic-1", "123456".into(), T0.plus(10), s)
            .unwrap()
    }

    #[test]
    fn kinds_round_trip() {
        for k in QrKind::ALL {
            assert_eq!(k.binds_pc_session(), k == QrKind::Login);
            assert_eq!(QrKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(QrKind::Login.as_str(), "login");
        assert_eq!(QrKind::parse("Login"), None);
    }

    #[test]
    fn new_request_is_pending_with_default_ttl() {
        let s = QrSettings::default();
        let r = request(&s);
        assert_eq!(r.state, QrState::Pending);
        assert_eq!(r.expires_at, T0.plus(DEFAULT_QR_TTL_SECS));
        assert_eq!(r.state_name_at(T0), "pending");
        assert!(s.confirm_short_code);
        assert_eq!(s.max_code_tries, DEFAULT_MAX_CODE_TRIES);
    }

    #[test]
    fn pending_answered_completed() {
        let s = QrSettings::default();
        let clock = ManualClock::new(T0);
        let r = request(&s);
        clock.advance(30);
        let r = r
            .answer(NONCE, "lic-1", "654321".into(), clock.now(), &s)
            .unwrap();
        assert_eq!(
            r.state,
            QrState::Answered {
                license_id: "lic-1".into(),
                short_code: "654321".into(),
                wrong_tries: 0
            }
        );
        clock.advance(30);
        let r = r.confirm(SESSION, "654321", clock.now(), &s).unwrap();
        assert_eq!(
            r.state,
            QrState::Completed {
                license_id: "lic-1".into()
            }
        );
        assert!(r.state.is_final());
    }

    #[test]
    fn without_short_code_the_answer_completes() {
        let s = QrSettings {
            confirm_short_code: false,
            ..QrSettings::default()
        };
        let r = answered(&s);
        assert_eq!(r.state.name(), "completed");
    }

    #[test]
    fn answered_once() {
        let s = QrSettings::default();
        let r = answered(&s);
        let e = r
            .clone()
            .answer(NONCE, "lic-2", "000000".into(), T0.plus(11), &s)
            .unwrap_err();
        assert_eq!(e.error, QrError::AlreadyAnswered);
        assert_eq!(*e.request, r, "a replay changes nothing");
        let done = r.confirm(SESSION, "123456", T0.plus(12), &s).unwrap();
        let e = done
            .clone()
            .answer(NONCE, "lic-2", "000000".into(), T0.plus(13), &s)
            .unwrap_err();
        assert_eq!(e.error.code(), "qr.already_answered");
        assert_eq!(*e.request, done);
    }

    #[test]
    fn wrong_nonce_changes_nothing() {
        let s = QrSettings::default();
        let r = request(&s);
        let e = r
            .clone()
            .answer("other", "lic-1", "1".into(), T0, &s)
            .unwrap_err();
        assert_eq!(e.error, QrError::NonceMismatch);
        assert_eq!(*e.request, r);
    }

    #[test]
    fn expiry_at_the_boundary() {
        let s = QrSettings::default();
        let last = T0.plus(DEFAULT_QR_TTL_SECS - 1);
        assert!(request(&s).answer(NONCE, "l", "c".into(), last, &s).is_ok());
        let at = T0.plus(DEFAULT_QR_TTL_SECS);
        let e = request(&s)
            .answer(NONCE, "l", "c".into(), at, &s)
            .unwrap_err();
        assert_eq!(e.error, QrError::Expired);
        assert_eq!(e.request.state, QrState::Expired);
        assert_eq!(
            e.error.to_string(),
            "二维码已过期，请刷新二维码后重新扫码。"
        );

        // Answered can't be confirmed after expiry either.
        let r = answered(&s);
        assert!(r.clone().confirm(SESSION, "123456", last, &s).is_ok());
        let e = r.clone().confirm(SESSION, "123456", at, &s).unwrap_err();
        assert_eq!(e.error, QrError::Expired);
        assert_eq!(r.state_name_at(at), "expired");
        assert_eq!(r.at(at).state, QrState::Expired);
    }

    #[test]
    fn completed_does_not_expire() {
        let s = QrSettings::default();
        let done = answered(&s)
            .confirm(SESSION, "123456", T0.plus(20), &s)
            .unwrap();
        assert_eq!(done.state_name_at(T0.plus(10_000)), "completed");
    }

    #[test]
    fn wrong_codes_count_then_refuse() {
        let s = QrSettings::default();
        let mut r = answered(&s);
        for i in 1..s.max_code_tries {
            let e = r.confirm(SESSION, "000000", T0.plus(20), &s).unwrap_err();
            assert_eq!(
                e.error,
                QrError::WrongCode {
                    remaining: s.max_code_tries - i
                }
            );
            assert_eq!(e.error.code(), "qr.wrong_code");
            assert!(
                matches!(e.request.state, QrState::Answered { wrong_tries, .. } if wrong_tries == i)
            );
            r = *e.request;
        }
        let e = r.confirm(SESSION, "000000", T0.plus(21), &s).unwrap_err();
        assert_eq!(e.error, QrError::Refused);
        assert_eq!(
            e.request.state,
            QrState::Refused {
                reason: "qr.wrong_code".into()
            }
        );
        // Even the right code does nothing now.
        let e = (*e.request)
            .confirm(SESSION, "123456", T0.plus(22), &s)
            .unwrap_err();
        assert_eq!(e.error, QrError::Refused);
    }

    #[test]
    fn wrong_session_refused_and_changes_nothing() {
        let s = QrSettings::default();
        let r = answered(&s);
        let e = r
            .clone()
            .confirm("another", "123456", T0.plus(20), &s)
            .unwrap_err();
        assert_eq!(e.error, QrError::WrongSession);
        assert_eq!(*e.request, r);
        assert_eq!(r.check_session("another"), Err(QrError::WrongSession));
        assert!(r.check_session(SESSION).is_ok());
    }

    #[test]
    fn confirm_before_answer_is_not_answered() {
        let s = QrSettings::default();
        let e = request(&s).confirm(SESSION, "123456", T0, &s).unwrap_err();
        assert_eq!(e.error, QrError::NotAnswered);
        assert_eq!(e.request.state, QrState::Pending);
    }

    #[test]
    fn refuse_ends_it() {
        let s = QrSettings::default();
        let r = answered(&s).refuse("qr.cancelled", T0.plus(20)).unwrap();
        assert_eq!(r.state.name(), "refused");
        let e = r
            .answer(NONCE, "l", "c".into(), T0.plus(21), &s)
            .unwrap_err();
        assert_eq!(e.error, QrError::Refused);
        let e = request(&s).refuse("x", T0.plus(500)).unwrap_err();
        assert_eq!(e.error, QrError::Expired);
    }

    #[test]
    fn matter_must_be_registered() {
        assert!(check_matter_allowed(MATTER_BIDDING, &[MATTER_BIDDING]).is_ok());
        let e = check_matter_allowed(MATTER_PROCUREMENT, &[MATTER_BIDDING]).unwrap_err();
        assert_eq!(e.code(), "qr.matter_not_allowed");
        assert_eq!(e.to_string(), "该应用未登记此事项，已拒绝。");
        assert!(check_matter_allowed::<&str>(MATTER_BIDDING, &[]).is_err());
    }

    #[test]
    fn stored_states_round_trip() {
        let states = [
            QrState::Pending,
            QrState::Answered {
                license_id: "l".into(),
                short_code: "012345".into(),
                wrong_tries: 2,
            },
            QrState::Completed {
                license_id: "l".into(),
            },
            QrState::Expired,
            QrState::Refused {
                reason: "qr.cancelled".into(),
            },
        ];
        for st in states {
            let (lic, code, tries, reason) = match &st {
                QrState::Answered {
                    license_id,
                    short_code,
                    wrong_tries,
                } => (
                    Some(license_id.to_string()),
                    Some(short_code.clone()),
                    *wrong_tries,
                    None,
                ),
                QrState::Completed { license_id } => (Some(license_id.to_string()), None, 0, None),
                QrState::Refused { reason } => (None, None, 0, Some(reason.clone())),
                _ => (None, None, 0, None),
            };
            assert_eq!(
                QrState::from_stored(st.name(), lic, code, tries, reason),
                Some(st)
            );
        }
        assert_eq!(QrState::from_stored("answered", None, None, 0, None), None);
        assert_eq!(QrState::from_stored("done", None, None, 0, None), None);
        let blank = Some(String::new());
        assert_eq!(
            QrState::from_stored("completed", blank, None, 0, None),
            None
        );
    }

    #[test]
    fn short_code_known_values() {
        assert_eq!(short_code(&[0; 32]), "000000");
        let mut d = [0u8; 32];
        d[7] = 1;
        assert_eq!(short_code(&d), "000001");
        // u64::MAX % 10^6 = 551615
        assert_eq!(short_code(&[0xff; 32]), "551615");
    }

    #[test]
    fn error_codes_are_stable() {
        assert_eq!(QrError::AlreadyAnswered.code(), "qr.already_answered");
        assert_eq!(
            QrError::AlreadyAnswered.to_string(),
            "该二维码已被使用，请刷新后重新扫码。"
        );
        assert_eq!(
            QrError::WrongCode { remaining: 1 }.to_string(),
            "确认码不一致，请核对手机上显示的确认码。"
        );
        assert_eq!(
            QrError::WrongSession.to_string(),
            "该二维码不属于当前浏览器会话。"
        );
        assert_eq!(QrError::NotAnswered.code(), "qr.not_answered");
    }

    fn any_state() -> impl Strategy<Value = QrState> {
        prop_oneof![
            Just(QrState::Pending),
            (0u32..5).prop_map(|t| QrState::Answered {
                license_id: "l".into(),
                short_code: "123456".into(),
                wrong_tries: t
            }),
            Just(QrState::Completed {
                license_id: "l".into()
            }),
            Just(QrState::Expired),
            Just(QrState::Refused {
                reason: "qr.cancelled".into()
            }),
        ]
    }

    proptest! {
        // No state is answerable at or after its expiry.
        #[test]
        fn never_answerable_at_or_after_expiry(st in any_state(), ttl in 1i64..1000, after in 0i64..10_000) {
            let s = QrSettings { ttl_secs: ttl, ..QrSettings::default() };
            let mut r = request(&s);
            r.state = st;
            let now = r.expires_at.plus(after);
            prop_assert!(!r.is_answerable_at(now));
            let res = r.answer(NONCE, "l", "c".into(), now, &s);
            prop_assert!(res.is_err());
        }

        // Before expiry exactly the pending state is answerable.
        #[test]
        fn pending_answerable_before_expiry(ttl in 1i64..1000, at in 0i64..1000) {
            prop_assume!(at < ttl);
            let s = QrSettings { ttl_secs: ttl, ..QrSettings::default() };
            prop_assert!(request(&s).answer(NONCE, "l", "c".into(), T0.plus(at), &s).is_ok());
        }

        #[test]
        fn short_code_is_six_digits(d in proptest::array::uniform32(any::<u8>())) {
            let c = short_code(&d);
            prop_assert_eq!(c.len(), 6);
            prop_assert!(c.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}

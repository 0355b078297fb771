//! The platform's back office (后台): its users — window staff (网员注册窗口), who register
//! tenderers and purchasers from the enterprise registry (R11), and reviewers (next: seal
//! review) — their password login and sessions. Operators create users from the command line
//! ([`Platform::create_back_office_user`]); every change is audited in its transaction.

use std::net::IpAddr;

use argon2::{Argon2, PasswordHasher as _, PasswordVerifier as _};
use axum::http::StatusCode;
use yizhao_domain::ids::Uscc;
use yizhao_domain::login::{AttemptCounter, Claim, LoginThrottle};
use yizhao_domain::member::{BackOfficeSessionState, RegistrationChannel};
use yizhao_domain::time::Timestamp;
use yizhao_gm::keystore::Password;
use yizhao_gm::sm3;
use yizhao_store::{BackOfficeSessionRow, BackOfficeUserRow, MemberRow, Transaction};

use super::Platform;
use super::members::{RegistrationRequest, already_registered};
use crate::error::ApiError;
use crate::rng::random_hex;

/// The back-office session cookie.
pub const STAFF_COOKIE: &str = "yz_staff";

/// How long a back-office session lasts (seconds).
pub const STAFF_SESSION_TTL_SECS: i64 = 8 * 3600;

/// Shortest password accepted for a back-office user.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// What a back-office user does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackOfficeRole {
    /// 网员注册窗口: registers tenderers and purchasers (R11).
    Staff,
    /// 后台审核: reviews (seal impressions, non-market registrations).
    Reviewer,
}

impl BackOfficeRole {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            BackOfficeRole::Staff => "staff",
            BackOfficeRole::Reviewer => "reviewer",
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "staff" => Some(BackOfficeRole::Staff),
            "reviewer" => Some(BackOfficeRole::Reviewer),
            _ => None,
        }
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            BackOfficeRole::Staff => "网员注册窗口",
            BackOfficeRole::Reviewer => "后台审核",
        }
    }
}

/// A logged-in back-office user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackOfficeUser {
    /// Login name.
    pub username: String,
    /// Shown name.
    pub display_name: String,
    /// Role.
    pub role: BackOfficeRole,
}

/// The hash under which a back-office session is stored (never the cookie value itself).
pub fn staff_session_hash(token: &str) -> String {
    hex::encode(sm3(format!("yizhao/staff-session/v1\n{token}").as_bytes()))
}

fn bad_credentials() -> ApiError {
    ApiError::unauthorized("backoffice.bad_credentials", "用户名或密码错误")
}

/// Too many failed logins for the account or the address (which, isn't said).
fn login_locked(until: i64) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "backoffice.login_locked",
        format!(
            "登录失败次数过多，已暂停登录，请于{}（北京时间）后再试。",
            yizhao_domain::time::format_beijing(until)
        ),
    )
}

/// The attempt counters of one login: the entered username's and, if known, the address's.
struct LoginKeys {
    /// The username as entered (at most 64 characters of it, for the audit log).
    username: String,
    account: String,
    ip: Option<String>,
    address: Option<String>,
}

impl LoginKeys {
    fn new(username: &str, address: Option<IpAddr>) -> Self {
        let ip = address.map(|a| a.to_canonical().to_string());
        LoginKeys {
            username: username.chars().take(64).collect(),
            account: format!("account:{username}"),
            address: ip.as_ref().map(|ip| format!("address:{ip}")),
            ip,
        }
    }

    /// The counters with their limits: the address's first.
    fn counters(&self, limits: &LoginLimits) -> Vec<(&str, LoginThrottle)> {
        let address = self.address.as_deref().map(|k| (k, limits.address));
        address
            .into_iter()
            .chain(std::iter::once((self.account.as_str(), limits.account)))
            .collect()
    }
}

/// The limits of back-office logins (settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginLimits {
    /// Per entered username.
    pub account: LoginThrottle,
    /// Per client address.
    pub address: LoginThrottle,
}

impl Default for LoginLimits {
    fn default() -> Self {
        LoginLimits {
            account: LoginThrottle::ACCOUNT,
            address: LoginThrottle::ADDRESS,
        }
    }
}

fn not_logged_in() -> ApiError {
    ApiError::unauthorized("backoffice.not_logged_in", "请先登录后台。")
}

fn staff_only() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "backoffice.staff_only",
        "只有网员注册窗口的工作人员可以办理。",
    )
}

fn reviewer_only() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "backoffice.reviewer_only",
        "只有后台审核人员可以审核印模。",
    )
}

/// Whether `password` matches the PHC string `hash`, checked on a blocking thread: Argon2 takes
/// tens of milliseconds of CPU and must not hold up the async workers that serve everyone else.
async fn verify_password(password: Password, hash: String) -> Result<bool, ApiError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .verify_password(password.expose().as_bytes(), hash.as_str())
            .is_ok()
    })
    .await
    .map_err(|e| ApiError::internal(&e))
}

/// [`hash_password`] on a blocking thread.
async fn hash_password_blocking(password: Password, salt: [u8; 16]) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || hash_password(&password, &salt))
        .await
        .map_err(|e| ApiError::internal(&e))?
}

/// An Argon2id PHC string of `password` with a fresh salt.
fn hash_password(password: &Password, salt: &[u8]) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password_with_salt(password.expose().as_bytes(), salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::internal(&e))
}

/// A valid PHC string of a password nobody has: unknown users cost as much as wrong
/// passwords, so timing doesn't tell which usernames exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$eWl6aGFvZHVtbXlzYWx0$MC/XkmXo3zQEOBNOj1oOCqzVi0HFdYWF6c3ml7vVAuE";

impl Platform {
    async fn back_office_audit(
        &self,
        tx: &mut Transaction,
        actor: &str,
        action: &str,
        entity: &str,
        detail: serde_json::Value,
    ) -> Result<(), ApiError> {
        crate::audit::record(&self.db, tx, self.now().0, (actor, action, entity), &detail).await
    }

    /// Create a back-office user (the operator's `yizhao admin create-staff`, …); `actor` is
    /// written to the audit log.
    pub async fn create_back_office_user(
        &self,
        username: &str,
        display_name: &str,
        role: BackOfficeRole,
        password: &Password,
        actor: &str,
    ) -> Result<(), ApiError> {
        let username_ok = (1..=32).contains(&username.len())
            && username
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if !username_ok {
            return Err(ApiError::bad_request(
                "backoffice.username_invalid",
                "用户名只能由1至32位字母、数字、“_”“-”“.”组成。",
            ));
        }
        let display_name = yizhao_domain::text::PERSON_NAME
            .check(display_name)
            .map_err(|e| match e {
                yizhao_domain::text::TextError::Empty(_) => ApiError::bad_request(
                    "backoffice.name_required",
                    "请填写姓名（不超过50个字）。",
                ),
                e => e.into(),
            })?;
        let display_name = display_name.as_str();
        if password.expose().chars().count() < MIN_PASSWORD_CHARS {
            return Err(ApiError::bad_request(
                "backoffice.password_too_short",
                format!("密码至少{MIN_PASSWORD_CHARS}位。"),
            ));
        }
        let mut salt = [0u8; 16];
        self.rng.fill(&mut salt);
        let user = BackOfficeUserRow {
            username: username.into(),
            display_name: display_name.into(),
            role: role.as_str().into(),
            password_hash: hash_password_blocking(password.clone(), salt).await?,
            created_at: self.now().0,
        };
        let mut tx = self.db.begin().await?;
        if !tx.insert_back_office_user(&user).await? {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "backoffice.username_taken",
                "该用户名已存在。",
            ));
        }
        self.back_office_audit(
            &mut tx,
            actor,
            "backoffice.user_create",
            "",
            serde_json::json!({ "username": username, "name": display_name, "role": role.as_str() }),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(
            backoffice.user = username,
            backoffice.role = role.as_str(),
            "back-office user created"
        );
        Ok(())
    }

    /// Password login; returns the session cookie value. Unknown user and wrong password get
    /// the same answer, and so does a locked counter for either: attempts are counted per
    /// entered username (whether it exists or not) and per client `address` (when known), and
    /// past [`LoginThrottle`]'s limits they are refused for a while, the right password too.
    /// Every failure and every lock is audited.
    pub async fn back_office_login(
        &self,
        username: &str,
        password: &Password,
        address: Option<IpAddr>,
    ) -> Result<String, ApiError> {
        let username = username.trim();
        let keys = LoginKeys::new(username, address);
        let now = self.now().0;
        // Count this attempt before its password is checked (see `yizhao_domain::login`).
        let (user, attempt) = {
            let mut tx = self.db.begin().await?;
            let attempt = match self.claim_login_attempt(&mut tx, &keys, now).await? {
                Ok(n) => n,
                Err(until) => {
                    tx.commit().await?;
                    tracing::warn!(
                        backoffice.login_locked_until = until,
                        "back-office login refused while locked"
                    );
                    return Err(login_locked(until));
                }
            };
            let user = tx.back_office_user(username).await?;
            tx.commit().await?;
            (user, attempt)
        };
        let hash = user
            .as_ref()
            .map_or_else(|| DUMMY_HASH.to_owned(), |u| u.password_hash.clone());
        let verified = verify_password(password.clone(), hash).await?;
        let now = self.now().0;
        let Some(user) = user.filter(|_| verified) else {
            self.login_failed(&keys, attempt, now).await?;
            return Err(bad_credentials());
        };
        let token = random_hex(self.rng.as_ref(), 32);
        let s = BackOfficeSessionRow {
            id_hash: staff_session_hash(&token),
            username: user.username.clone(),
            created_at: now,
            expires_at: now + STAFF_SESSION_TTL_SECS,
            state: BackOfficeSessionState::Active,
        };
        let mut tx = self.db.begin().await?;
        // A success: this account's failures are forgiven; the address's count drops this one.
        tx.save_login_attempts(&keys.account, &AttemptCounter::default())
            .await?;
        if let Some(key) = &keys.address {
            let mut c = tx.lock_login_attempts(key).await?;
            c.release();
            tx.save_login_attempts(key, &c).await?;
        }
        tx.insert_back_office_session(&s).await?;
        self.back_office_audit(
            &mut tx,
            &format!("backoffice:{}", user.username),
            "backoffice.login",
            "",
            serde_json::json!({ "address": keys.ip }),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Count an attempt on the address's counter, then the account's (an address that is
    /// locked doesn't count against the account it tries). `Ok(n)`: the password may be
    /// checked, as the account's `n`th attempt; `Err(until)`: locked until then (and the lock is
    /// audited if this attempt made it).
    async fn claim_login_attempt(
        &self,
        tx: &mut Transaction,
        keys: &LoginKeys,
        now: i64,
    ) -> Result<Result<i64, i64>, ApiError> {
        let mut claimed = 0;
        for (key, limits) in keys.counters(&self.config.login) {
            let mut c = tx.lock_login_attempts(key).await?;
            let claim = c.claim(&limits, now);
            tx.save_login_attempts(key, &c).await?;
            match claim {
                Claim::Allowed(n) => claimed = n,
                Claim::Locked { until, newly } => {
                    if newly {
                        self.audit_lock(tx, keys, key, until).await?;
                    }
                    return Ok(Err(until));
                }
            }
        }
        Ok(Ok(claimed))
    }

    /// A checked password was wrong: audit the failure, and lock the counters it filled.
    async fn login_failed(&self, keys: &LoginKeys, attempt: i64, now: i64) -> Result<(), ApiError> {
        let mut tx = self.db.begin().await?;
        self.back_office_audit(
            &mut tx,
            "anonymous",
            "backoffice.login_failed",
            "",
            serde_json::json!({ "username": keys.username, "address": keys.ip, "attempt": attempt }),
        )
        .await?;
        for (key, limits) in keys.counters(&self.config.login) {
            let mut c = tx.lock_login_attempts(key).await?;
            if let Some(until) = c.fail(&limits, now) {
                tx.save_login_attempts(key, &c).await?;
                self.audit_lock(&mut tx, keys, key, until).await?;
            }
        }
        tx.commit().await?;
        tracing::info!(
            backoffice.login_attempt = attempt,
            "back-office login failed"
        );
        Ok(())
    }

    async fn audit_lock(
        &self,
        tx: &mut Transaction,
        keys: &LoginKeys,
        key: &str,
        until: i64,
    ) -> Result<(), ApiError> {
        let scope = if key == keys.account {
            "account"
        } else {
            "address"
        };
        tracing::warn!(
            backoffice.lock_scope = scope,
            backoffice.locked_until = until,
            "back-office login locked"
        );
        self.back_office_audit(
            tx,
            "anonymous",
            "backoffice.login_locked",
            "",
            serde_json::json!({ "scope": scope, "username": keys.username, "address": keys.ip, "until": until }),
        )
        .await
    }

    /// The user of a live back-office session.
    pub async fn back_office_user(&self, token: &str) -> Result<BackOfficeUser, ApiError> {
        let mut tx = self.db.read().await?;
        let s = tx
            .back_office_session(&staff_session_hash(token))
            .await?
            .ok_or_else(not_logged_in)?;
        if !s.state.is_live_at(Timestamp(s.expires_at), self.now()) {
            return Err(not_logged_in());
        }
        let u = tx
            .back_office_user(&s.username)
            .await?
            .ok_or_else(not_logged_in)?;
        let role = BackOfficeRole::parse(&u.role)
            .ok_or_else(|| ApiError::internal(&"bad back-office role"))?;
        Ok(BackOfficeUser {
            username: u.username,
            display_name: u.display_name,
            role,
        })
    }

    /// The user of a live back-office session who reviews impressions (role `reviewer`).
    pub async fn reviewer_of(&self, token: &str) -> Result<BackOfficeUser, ApiError> {
        let u = self.back_office_user(token).await?;
        if u.role != BackOfficeRole::Reviewer {
            return Err(reviewer_only());
        }
        Ok(u)
    }

    async fn staff_of(&self, token: &str) -> Result<BackOfficeUser, ApiError> {
        let u = self.back_office_user(token).await?;
        if u.role != BackOfficeRole::Staff {
            return Err(staff_only());
        }
        Ok(u)
    }

    /// End a back-office session.
    pub async fn back_office_logout(&self, token: &str) -> Result<(), ApiError> {
        let u = self.back_office_user(token).await?;
        let active = BackOfficeSessionState::Active;
        let ended = active.end().ok_or_else(not_logged_in)?;
        let mut tx = self.db.begin().await?;
        if !tx
            .set_back_office_session_state(&staff_session_hash(token), active, ended)
            .await?
        {
            return Err(not_logged_in());
        }
        self.back_office_audit(
            &mut tx,
            &format!("backoffice:{}", u.username),
            "backoffice.logout",
            "",
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The registration window registers the entity `uscc` as a tenderer or purchaser (R11),
    /// its basic information from the license's face data; it then logs in by QR (R12).
    pub async fn register_by_window(
        &self,
        token: &str,
        uscc: &str,
        req: &RegistrationRequest,
    ) -> Result<MemberRow, ApiError> {
        let staff = self.staff_of(token).await?;
        let kind = RegistrationChannel::Window.admit(&req.kind)?;
        let uscc =
            Uscc::parse(uscc.trim()).map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
        let m = self
            .new_member(
                uscc.as_str(),
                kind,
                req,
                &RegistrationChannel::window_registrar(&staff.username),
            )
            .await?;
        let mut tx = self.db.begin().await?;
        if tx.member(&m.uscc).await?.is_some() {
            return Err(already_registered());
        }
        tx.insert_member(&m).await?;
        self.back_office_audit(
            &mut tx,
            &format!("backoffice:{}", staff.username),
            "member.register",
            &m.uscc,
            serde_json::json!({ "kind": m.kind.as_str(), "window": staff.username }),
        )
        .await?;
        tx.commit().await?;
        Ok(m)
    }

    /// Every member, most recently registered first, for the registration window.
    pub async fn members_for_window(&self, token: &str) -> Result<Vec<MemberRow>, ApiError> {
        self.staff_of(token).await?;
        let mut tx = self.db.read().await?;
        Ok(tx.members().await?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn dummy_hash_parses_and_matches_nothing_usual() {
        assert!(
            Argon2::default()
                .verify_password(b"password", DUMMY_HASH)
                .is_err()
        );
        // It is a well-formed PHC string (a malformed one would make unknown users fast).
        assert!(argon2::PasswordHash::new(DUMMY_HASH).is_ok());
    }

    #[test]
    fn password_hashes_verify() {
        let h = hash_password(&Password::new("correct horse"), &[7u8; 16]).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", h.as_str())
                .is_ok()
        );
        assert!(
            Argon2::default()
                .verify_password(b"wrong", h.as_str())
                .is_err()
        );
    }
}

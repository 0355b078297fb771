//! The license authority's rules (R1–R8): roles, admins, agent authorizations, matters, and when a
//! downloaded license may be used. Plain functions over plain data; storage and HTTP live
//! elsewhere and call these.

use core::fmt;

use crate::time::{DAY, Timestamp};

/// The three roles a person can hold in an entity (R1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// 法定代表人.
    LegalRepresentative,
    /// 证照管理员.
    LicenseAdmin,
    /// 执照办事人员.
    Agent,
}

impl Role {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::LegalRepresentative => "legal_representative",
            Role::LicenseAdmin => "license_admin",
            Role::Agent => "agent",
        }
    }

    /// The manual's name.
    pub fn label(self) -> &'static str {
        match self {
            Role::LegalRepresentative => "法定代表人",
            Role::LicenseAdmin => "证照管理员",
            Role::Agent => "执照办事人员",
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "legal_representative" => Some(Role::LegalRepresentative),
            "license_admin" => Some(Role::LicenseAdmin),
            "agent" => Some(Role::Agent),
            _ => None,
        }
    }

    /// Whether this role manages license admins (only the legal representative, R5).
    pub fn manages_admins(self) -> bool {
        self == Role::LegalRepresentative
    }

    /// Whether this role manages agent authorizations (R6, R8).
    pub fn manages_authorizations(self) -> bool {
        matches!(self, Role::LegalRepresentative | Role::LicenseAdmin)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A matter (授权事项) from the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Matter {
    /// Stable code, used on the wire and in certificates.
    pub code: &'static str,
    /// The name shown to people.
    pub name: &'static str,
}

/// The matter that public-resource e-bidding asks for.
pub const MATTER_BIDDING: &str = "egov.ndrc.bidding";
/// The matter of government-procurement bidding.
pub const MATTER_PROCUREMENT: &str = "egov.finance.procurement";

/// The catalogue of matters an agent can be authorized for.
pub const MATTERS: &[Matter] = &[
    Matter {
        code: MATTER_BIDDING,
        name: "电子政务-发改委-公共资源交易招投标",
    },
    Matter {
        code: MATTER_PROCUREMENT,
        name: "电子政务-财政-政采中心招投标",
    },
    Matter {
        code: "egov.tax.filing",
        name: "电子政务-税务-纳税申报",
    },
    Matter {
        code: "egov.samr.annual_report",
        name: "电子政务-市场监管-企业年报",
    },
    Matter {
        code: "egov.hrss.social_insurance",
        name: "电子政务-人社-社保业务",
    },
    Matter {
        code: "commerce.banking.account",
        name: "商务-银行-开户业务",
    },
];

/// The catalogue entry of a code.
pub fn matter(code: &str) -> Option<&'static Matter> {
    MATTERS.iter().find(|m| m.code == code)
}

/// All-business or precise (R6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// 全业务授权: every matter.
    AllBusiness,
    /// 精准授权: only the named matters (codes from [`MATTERS`]).
    Precise(Vec<String>),
}

impl Scope {
    /// A precise scope from codes; each must be in the catalogue and at least one given.
    pub fn precise<S: AsRef<str>>(codes: &[S]) -> Result<Scope, AuthorityError> {
        if codes.is_empty() {
            return Err(AuthorityError::NoMatters);
        }
        let mut out: Vec<String> = Vec::new();
        for c in codes {
            let c = c.as_ref();
            if matter(c).is_none() {
                return Err(AuthorityError::UnknownMatter(c.to_string()));
            }
            if !out.iter().any(|o| o == c) {
                out.push(c.to_string());
            }
        }
        Ok(Scope::Precise(out))
    }

    /// Whether the scope covers `matter_code` (R8).
    pub fn permits(&self, matter_code: &str) -> bool {
        match self {
            Scope::AllBusiness => true,
            Scope::Precise(codes) => codes.iter().any(|c| c == matter_code),
        }
    }
}

/// The period of an authorization: from `start` (inclusive) to `end` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// First second of validity.
    pub start: Timestamp,
    /// First second after validity.
    pub end: Timestamp,
}

/// Default length of an authorization: 3 days (the manual's default).
pub const DEFAULT_AUTHORIZATION_DAYS: i64 = 3;

impl Period {
    /// A period; the end must come after the start.
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Period, AuthorityError> {
        if end <= start {
            return Err(AuthorityError::PeriodInvalid);
        }
        Ok(Period { start, end })
    }

    /// The default period: now → now + 3 days.
    pub fn default_from(now: Timestamp) -> Period {
        Period {
            start: now,
            end: now.plus(DEFAULT_AUTHORIZATION_DAYS * DAY),
        }
    }
}

/// Where an authorization (or admin appointment) stands at a given time (R7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantStatus {
    /// Saved but its start is in the future: downloadable, not usable.
    NotYetEffective,
    /// Usable.
    Active,
    /// Past its end.
    Ended,
    /// Revoked, or the admin was removed.
    Revoked,
}

impl GrantStatus {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            GrantStatus::NotYetEffective => "not_yet_effective",
            GrantStatus::Active => "active",
            GrantStatus::Ended => "ended",
            GrantStatus::Revoked => "revoked",
        }
    }

    /// The status of a grant with `period` (none for the legal representative and admins, who
    /// hold their role until removed) and an optional revocation, at `now`.
    pub fn at(
        period: Option<Period>,
        revoked_at: Option<Timestamp>,
        now: Timestamp,
    ) -> GrantStatus {
        if revoked_at.is_some_and(|r| r <= now) {
            return GrantStatus::Revoked;
        }
        match period {
            Some(p) if now < p.start => GrantStatus::NotYetEffective,
            Some(p) if now >= p.end => GrantStatus::Ended,
            _ => GrantStatus::Active,
        }
    }

    /// Whether a license under this status may be downloaded (R7: also before it starts).
    pub fn downloadable(self) -> bool {
        matches!(self, GrantStatus::NotYetEffective | GrantStatus::Active)
    }

    /// Turn a non-usable status into the error a person sees.
    pub fn require_usable(self) -> Result<(), AuthorityError> {
        match self {
            GrantStatus::Active => Ok(()),
            GrantStatus::NotYetEffective => Err(AuthorityError::NotYetEffective),
            GrantStatus::Ended => Err(AuthorityError::Ended),
            GrantStatus::Revoked => Err(AuthorityError::Revoked),
        }
    }
}

/// What a license is, for deciding whether it may do something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseGrant {
    /// The holder's role in the entity.
    pub role: Role,
    /// For agents: the authorization's period; none for the other roles.
    pub period: Option<Period>,
    /// For agents: the scope; the other roles may do everything.
    pub scope: Scope,
    /// When the grant (or this downloaded copy) was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

impl LicenseGrant {
    /// R7/R8: may this license be used for `matter_code` at `now`? (`None` = any business.)
    pub fn check_use(
        &self,
        matter_code: Option<&str>,
        now: Timestamp,
    ) -> Result<(), AuthorityError> {
        GrantStatus::at(self.period, self.revoked_at, now).require_usable()?;
        if let Some(m) = matter_code
            && !self.scope.permits(m)
        {
            // The message names the matter as people know it.
            return Err(AuthorityError::MatterNotAuthorized(
                matter(m).map_or(m, |x| x.name).to_string(),
            ));
        }
        Ok(())
    }

    /// The status at `now`.
    pub fn status(&self, now: Timestamp) -> GrantStatus {
        GrantStatus::at(self.period, self.revoked_at, now)
    }
}

/// Most license admins per entity, unless configured otherwise (R5).
pub const DEFAULT_MAX_ADMINS: usize = 5;

/// R5: may `actor` add one more admin to an entity that has `current` of at most `max`?
pub fn check_add_admin(actor: Role, current: usize, max: usize) -> Result<(), AuthorityError> {
    if !actor.manages_admins() {
        return Err(AuthorityError::OnlyLegalRepresentative);
    }
    if current >= max {
        return Err(AuthorityError::AdminLimit { max });
    }
    Ok(())
}

/// R5: may `actor` remove an admin?
pub fn check_remove_admin(actor: Role) -> Result<(), AuthorityError> {
    if !actor.manages_admins() {
        return Err(AuthorityError::OnlyLegalRepresentative);
    }
    Ok(())
}

/// R6/R8: may `actor` create, list or revoke agent authorizations?
pub fn check_manage_authorizations(actor: Role) -> Result<(), AuthorityError> {
    if !actor.manages_authorizations() {
        return Err(AuthorityError::NotAManager);
    }
    Ok(())
}

/// One-time codes already sent to a phone in the last 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodesSent {
    /// How many.
    pub count: i64,
    /// When the first of them went (unix seconds).
    pub first: Option<i64>,
    /// When the last of them went.
    pub last: Option<i64>,
}

/// Why no code goes to a phone now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeThrottle {
    /// One went less than the cool-down ago: another may go at `retry_at`.
    CoolDown {
        /// Unix seconds.
        retry_at: i64,
    },
    /// The day's cap is reached: another may go at `retry_at`.
    DailyCap {
        /// The cap.
        cap: i64,
        /// Unix seconds.
        retry_at: i64,
    },
}

/// R2's throttle on SMS codes: at most `per_day` to one phone in 24 hours, and `cooldown`
/// seconds between two.
pub fn check_code_throttle(
    sent: CodesSent,
    now: i64,
    cooldown: i64,
    per_day: i64,
) -> Result<(), CodeThrottle> {
    if sent.count >= per_day {
        let retry_at = sent.first.unwrap_or(now) + 86_400;
        return Err(CodeThrottle::DailyCap {
            cap: per_day,
            retry_at,
        });
    }
    match sent.last {
        Some(last) if now < last + cooldown => Err(CodeThrottle::CoolDown {
            retry_at: last + cooldown,
        }),
        _ => Ok(()),
    }
}

/// R2: the first download of an entity's license is the legal representative's.
pub fn check_download(role: Role, entity_has_first_download: bool) -> Result<(), AuthorityError> {
    if role != Role::LegalRepresentative && !entity_has_first_download {
        return Err(AuthorityError::FirstDownloadByLegalRepresentative);
    }
    Ok(())
}

/// Why the authority refused. Each has a stable code and a message in Chinese for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorityError {
    /// Name, ID number and phone don't match the registry (R2).
    #[error(
        "实名认证未通过：姓名、身份证号或手机号与登记信息不一致。请到当地市场监督管理部门扫码下载电子营业执照。"
    )]
    RealNameMismatch,
    /// The one-time code is wrong or expired.
    #[error("验证码错误或已过期，请重新获取。")]
    CodeInvalid,
    /// The real-name verification session is unknown or expired.
    #[error("实名认证已过期，请重新认证。")]
    RealNameExpired,
    /// The download declaration was not accepted (R3).
    #[error("请先阅读并同意《执照下载声明》。")]
    DeclarationNotAccepted,
    /// Someone other than the legal representative tried the first download (R2).
    #[error("电子营业执照的首次领取只能由法定代表人完成。")]
    FirstDownloadByLegalRepresentative,
    /// The person holds nothing downloadable in that entity.
    #[error("您在该企业没有可下载的执照，请联系法定代表人或证照管理员授权。")]
    NothingToDownload,
    /// A sixth admin (R5).
    #[error("该企业已有{max}名证照管理员，不能再添加。请先删除一名证照管理员。")]
    AdminLimit {
        /// The configured maximum.
        max: usize,
    },
    /// Only the legal representative manages admins (R5).
    #[error("只有法定代表人可以管理证照管理员。")]
    OnlyLegalRepresentative,
    /// Only the legal representative and admins manage authorizations (R8).
    #[error("只有法定代表人或证照管理员可以管理授权。")]
    NotAManager,
    /// The authorization has not started (R7).
    #[error("授权尚未生效：执照可以下载，但要到授权开始时间后才能使用。")]
    NotYetEffective,
    /// The authorization has ended (R7).
    #[error("授权已到期，请联系法定代表人或证照管理员重新授权。")]
    Ended,
    /// The authorization was revoked or the admin removed (R7).
    #[error("授权已撤销，该执照不能再使用。")]
    Revoked,
    /// A precise agent asked for a matter outside its scope (R8).
    #[error("该执照未获授权办理此事项（{0}）。")]
    MatterNotAuthorized(String),
    /// A matter code not in the catalogue.
    #[error("未知的授权事项：{0}")]
    UnknownMatter(String),
    /// A precise authorization without matters.
    #[error("精准授权至少需要选择一个授权事项。")]
    NoMatters,
    /// End not after start.
    #[error("授权结束时间必须晚于开始时间。")]
    PeriodInvalid,
    /// The person's ID number and phone are locked after a download.
    #[error("该人员已下载执照，在取消其授权之前不能修改身份证号和手机号。")]
    PersonLocked,
    /// The same person already holds this role.
    #[error("该人员已经是本企业的{0}。")]
    AlreadyHolds(Role),
    /// The grant was already revoked (or the admin already removed).
    #[error("该授权已撤销（或该证照管理员已删除），无需重复操作。")]
    AlreadyRevoked,
    /// The legal representative can't be made an admin or agent of the own entity.
    #[error("法定代表人无需添加为证照管理员或办事人员。")]
    IsLegalRepresentative,
}

impl AuthorityError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AuthorityError::RealNameMismatch => "authority.realname_mismatch",
            AuthorityError::CodeInvalid => "authority.code_invalid",
            AuthorityError::RealNameExpired => "authority.realname_expired",
            AuthorityError::DeclarationNotAccepted => "authority.declaration_not_accepted",
            AuthorityError::FirstDownloadByLegalRepresentative => {
                "authority.first_download_legal_rep"
            }
            AuthorityError::NothingToDownload => "authority.nothing_to_download",
            AuthorityError::AdminLimit { .. } => "authority.admin_limit",
            AuthorityError::OnlyLegalRepresentative => "authority.only_legal_rep",
            AuthorityError::NotAManager => "authority.not_a_manager",
            AuthorityError::NotYetEffective => "authority.not_yet_effective",
            AuthorityError::Ended => "authority.ended",
            AuthorityError::Revoked => "authority.revoked",
            AuthorityError::MatterNotAuthorized(_) => "authority.matter_not_authorized",
            AuthorityError::UnknownMatter(_) => "authority.unknown_matter",
            AuthorityError::NoMatters => "authority.no_matters",
            AuthorityError::PeriodInvalid => "authority.period_invalid",
            AuthorityError::PersonLocked => "authority.person_locked",
            AuthorityError::AlreadyHolds(_) => "authority.already_holds",
            AuthorityError::IsLegalRepresentative => "authority.is_legal_rep",
            AuthorityError::AlreadyRevoked => "authority.already_revoked",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const T0: Timestamp = Timestamp(1_795_000_000);

    fn agent(scope: Scope, start: i64, end: i64) -> LicenseGrant {
        LicenseGrant {
            role: Role::Agent,
            period: Some(Period::new(T0.plus(start), T0.plus(end)).unwrap()),
            scope,
            revoked_at: None,
        }
    }

    // R1
    #[test]
    fn three_roles() {
        for r in [Role::LegalRepresentative, Role::LicenseAdmin, Role::Agent] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("owner"), None);
    }

    // R2
    #[test]
    fn first_download_is_the_legal_representatives() {
        assert!(check_download(Role::LegalRepresentative, false).is_ok());
        assert_eq!(
            check_download(Role::LicenseAdmin, false),
            Err(AuthorityError::FirstDownloadByLegalRepresentative)
        );
        assert_eq!(
            check_download(Role::Agent, false),
            Err(AuthorityError::FirstDownloadByLegalRepresentative)
        );
        assert!(check_download(Role::Agent, true).is_ok());
    }

    // R5
    #[test]
    fn at_most_five_admins_and_only_legal_rep_adds() {
        for n in 0..5 {
            assert!(check_add_admin(Role::LegalRepresentative, n, DEFAULT_MAX_ADMINS).is_ok());
        }
        assert_eq!(
            check_add_admin(Role::LegalRepresentative, 5, DEFAULT_MAX_ADMINS),
            Err(AuthorityError::AdminLimit { max: 5 })
        );
        assert_eq!(
            check_add_admin(Role::LicenseAdmin, 0, 5),
            Err(AuthorityError::OnlyLegalRepresentative)
        );
        assert_eq!(
            check_remove_admin(Role::Agent),
            Err(AuthorityError::OnlyLegalRepresentative)
        );
    }

    // R6 default period
    #[test]
    fn default_period_is_three_days() {
        let p = Period::default_from(T0);
        assert_eq!(p.end.0 - p.start.0, 3 * DAY);
        assert_eq!(Period::new(T0, T0), Err(AuthorityError::PeriodInvalid));
    }

    // R7
    #[test]
    fn not_yet_effective_downloads_but_is_not_usable() {
        let g = agent(Scope::AllBusiness, DAY, 2 * DAY);
        assert_eq!(g.status(T0), GrantStatus::NotYetEffective);
        assert!(g.status(T0).downloadable());
        assert_eq!(g.check_use(None, T0), Err(AuthorityError::NotYetEffective));
        assert!(g.check_use(None, T0.plus(DAY)).is_ok());
        assert_eq!(
            g.check_use(None, T0.plus(2 * DAY)),
            Err(AuthorityError::Ended)
        );
        assert!(!g.status(T0.plus(2 * DAY)).downloadable());
    }

    #[test]
    fn revoked_is_not_usable() {
        let mut g = agent(Scope::AllBusiness, 0, DAY);
        g.revoked_at = Some(T0.plus(10));
        assert!(g.check_use(None, T0.plus(5)).is_ok());
        assert_eq!(g.check_use(None, T0.plus(10)), Err(AuthorityError::Revoked));
    }

    // R8
    #[test]
    fn precise_agent_only_for_its_matters() {
        let g = agent(Scope::precise(&[MATTER_BIDDING]).unwrap(), 0, DAY);
        assert!(g.check_use(Some(MATTER_BIDDING), T0).is_ok());
        assert_eq!(
            g.check_use(Some(MATTER_PROCUREMENT), T0),
            Err(AuthorityError::MatterNotAuthorized(
                "电子政务-财政-政采中心招投标".into()
            ))
        );
        let all = agent(Scope::AllBusiness, 0, DAY);
        assert!(all.check_use(Some(MATTER_PROCUREMENT), T0).is_ok());
        assert!(check_manage_authorizations(Role::Agent).is_err());
        assert!(check_manage_authorizations(Role::LicenseAdmin).is_ok());
        assert!(check_manage_authorizations(Role::LegalRepresentative).is_ok());
    }

    #[test]
    fn precise_scope_needs_known_matters() {
        assert_eq!(Scope::precise::<&str>(&[]), Err(AuthorityError::NoMatters));
        assert!(matches!(
            Scope::precise(&["egov.nothing"]),
            Err(AuthorityError::UnknownMatter(_))
        ));
        assert_eq!(
            Scope::precise(&[MATTER_BIDDING, MATTER_BIDDING]).unwrap(),
            Scope::Precise(vec![MATTER_BIDDING.into()])
        );
    }

    proptest! {
        // No authorization is usable outside its period.
        #[test]
        fn never_usable_outside_period(start in -1000i64..1000, len in 1i64..1000, at in -3000i64..3000) {
            let g = agent(Scope::AllBusiness, start, start + len);
            let usable = g.check_use(None, T0.plus(at)).is_ok();
            prop_assert_eq!(usable, at >= start && at < start + len);
        }
    }
}

/// Why a credential may not be used: a stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Stable code, e.g. `authority.revoked`.
    pub code: String,
    /// A sentence a person understands (Chinese).
    pub message: String,
}

impl From<&AuthorityError> for Refusal {
    fn from(e: &AuthorityError) -> Refusal {
        Refusal {
            code: e.code().to_owned(),
            message: e.to_string(),
        }
    }
}

/// What the license authority says of a license credential at one time, for one matter (R7,
/// the OCSP-like status): the domain answer its services use in process; only the authority's
/// HTTP handler turns it into the signed wire body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialStatus {
    /// None of this authority's licenses: not a certificate it issued, not valid now, or no
    /// download record.
    Unknown {
        /// The certificate's serial (hex), if it could be read.
        license_id: Option<String>,
        /// Why.
        refusal: Refusal,
    },
    /// One of its licenses.
    Known {
        /// Certificate serial (hex).
        license_id: String,
        /// The entity.
        uscc: String,
        /// The holder's role.
        role: Role,
        /// Its grant's status now.
        status: GrantStatus,
        /// Why it may not be used now for the matter asked about; `None` if it may.
        refusal: Option<AuthorityError>,
    },
}

/// A license that may be used now, for the matter asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsableLicense<'a> {
    /// Certificate serial (hex).
    pub license_id: &'a str,
    /// The entity.
    pub uscc: &'a str,
    /// The holder's role.
    pub role: Role,
}

impl CredentialStatus {
    /// The license, if it may be used now for the matter; else why not.
    pub fn usable(&self) -> Result<UsableLicense<'_>, Refusal> {
        match self {
            CredentialStatus::Unknown { refusal, .. } => Err(refusal.clone()),
            CredentialStatus::Known {
                refusal: Some(e), ..
            } => Err(Refusal::from(e)),
            CredentialStatus::Known {
                license_id,
                uscc,
                role,
                refusal: None,
                ..
            } => Ok(UsableLicense {
                license_id,
                uscc,
                role: *role,
            }),
        }
    }

    /// The status's wire name: the grant's (`active`, `not_yet_effective`, `ended`, `revoked`)
    /// or `unknown`.
    pub fn status_name(&self) -> &'static str {
        match self {
            CredentialStatus::Unknown { .. } => "unknown",
            CredentialStatus::Known { status, .. } => status.as_str(),
        }
    }
}

#[cfg(test)]
mod credential_status_tests {
    use super::*;

    #[test]
    fn only_a_known_license_without_refusal_is_usable() {
        let unknown = CredentialStatus::Unknown {
            license_id: None,
            refusal: Refusal {
                code: "auth.certificate_invalid".into(),
                message: "执照证书无效：无法解析".into(),
            },
        };
        assert_eq!(unknown.status_name(), "unknown");
        assert_eq!(
            unknown.usable().unwrap_err().code,
            "auth.certificate_invalid"
        );
        let known = |refusal| CredentialStatus::Known {
            license_id: "0a".into(),
            uscc: "91420500MA4XXXXXX0".into(),
            role: Role::Agent,
            status: GrantStatus::Active,
            refusal,
        };
        let ok = known(None);
        assert_eq!(ok.status_name(), "active");
        let u = ok.usable().unwrap();
        assert_eq!((u.license_id, u.role), ("0a", Role::Agent));
        let refused = known(Some(AuthorityError::MatterNotAuthorized("x".into())));
        let r = refused.usable().unwrap_err();
        assert_eq!(
            r.code,
            AuthorityError::MatterNotAuthorized("x".into()).code()
        );
        assert_eq!(r.message, "该执照未获授权办理此事项（x）。");
    }
}

#[cfg(test)]
mod code_throttle_tests {
    use super::*;

    #[test]
    fn a_phone_gets_one_code_a_cooldown_and_a_daily_cap() {
        let none = CodesSent {
            count: 0,
            first: None,
            last: None,
        };
        assert_eq!(check_code_throttle(none, 1000, 60, 10), Ok(()));
        let one = CodesSent {
            count: 1,
            first: Some(1000),
            last: Some(1000),
        };
        assert_eq!(
            check_code_throttle(one, 1059, 60, 10),
            Err(CodeThrottle::CoolDown { retry_at: 1060 })
        );
        assert_eq!(check_code_throttle(one, 1060, 60, 10), Ok(()));
        let ten = CodesSent {
            count: 10,
            first: Some(1000),
            last: Some(5000),
        };
        assert_eq!(
            check_code_throttle(ten, 9000, 60, 10),
            Err(CodeThrottle::DailyCap {
                cap: 10,
                retry_at: 87_400
            })
        );
    }
}

//! The license authority (SAMR's 电子营业执照系统 in the manual): real-name verification, license
//! download, admins, agent authorizations, proofs made with a license, and credential status.
//! Handlers in [`http`] parse and map; the use cases are here; the rules are in
//! `yizhao_domain::authority`.

mod actions;
mod face;
mod grants;
pub(crate) use grants::scope_of_mode;
pub mod http;
pub mod keys;
mod licenses;
pub mod proofing;
mod realname;
pub mod relying_parties;
mod status;
mod verified;
mod writer;

use std::sync::Arc;

use yizhao_domain::authority::{
    self as rules, AuthorityError, GrantStatus, LicenseGrant, Period, Role, Scope,
};
use yizhao_domain::ids::{IdNumber, Uscc};
use yizhao_domain::registry::{Enterprise, Phone};
use yizhao_domain::time::{Clock, Timestamp};
use yizhao_gm::x509::{
    self, CertKind, Certificate, CertificateParams, DistinguishedName, Issuer, Oid,
};
use yizhao_gm::{PublicKey, SuiteId, sm3};
use yizhao_proto::ErrorBody;
use yizhao_proto::authority as api;
use yizhao_store::{
    AuditEntry, Database, EnterpriseRow, GrantRow, LicenseRow, RealNameRow, Transaction,
};

use crate::error::ApiError;
use crate::rng::{PortRng, RandomSource, random_hex};
pub use keys::AuthorityKeys;
pub use proofing::{BuiltinOutbox, IdentityProofing};
pub use relying_parties::RelyingParty;
pub use yizhao_credential::{VerifiedRelyingParty, verify_relying_party};

/// The declaration a person accepts before downloading (R3).
pub const DECLARATION_VERSION: &str = "2024-1";
const DECLARATION_TITLE: &str = "执照下载声明";
const DECLARATION_TEXT: &str = "一、电子营业执照与纸质营业执照具有同等法律效力，是市场主体取得主体资格的合法凭证。\n\
二、下载人承诺本人已通过实名认证，所下载的电子营业执照仅用于本人经授权的业务，不转借、不出租。\n\
三、执照密码（初始为123456）保护本手机上的全部执照，请及时修改并妥善保管。\n\
四、因保管不善造成的损失由下载人承担；发现手机遗失应及时联系法定代表人或证照管理员撤销授权。";

/// OIDs of yizhao's certificate extensions.
pub use yizhao_credential::oid as ext;

/// Settings of the authority.
#[derive(Debug, Clone)]
pub struct AuthorityConfig {
    /// Most license admins per entity (R5).
    pub max_admins: usize,
    /// Life of a one-time code, seconds.
    pub code_ttl: i64,
    /// Wrong codes allowed per session.
    pub max_code_attempts: i64,
    /// Life of a real-name token, seconds.
    pub token_ttl: i64,
    /// Life of a proof challenge, seconds.
    pub challenge_ttl: i64,
    /// Validity of a legal representative's or admin's license certificate, days.
    pub license_days: i64,
    /// Whether `GET …/dev/outbox` serves the built-in outbox's codes (demo and tests only:
    /// it lets anyone read any phone's codes, so it is off unless asked for).
    pub expose_outbox: bool,
    /// Proof challenges per client address (`None`: no limit). Phones behind a carrier's NAT
    /// share addresses, so this is wide.
    pub challenges_per_address: Option<crate::limits::Rate>,
    /// Seconds between two one-time codes to one phone (counted in the database, so every
    /// replica sees it).
    pub code_cooldown: i64,
    /// Most one-time codes to one phone in 24 hours.
    pub codes_per_day: i64,
}

/// Default [`AuthorityConfig::challenges_per_address`]: 120 at once, then ten a second.
pub const DEFAULT_CHALLENGES_PER_ADDRESS: crate::limits::Rate = crate::limits::Rate::new(120, 600);

impl Default for AuthorityConfig {
    fn default() -> Self {
        AuthorityConfig {
            max_admins: rules::DEFAULT_MAX_ADMINS,
            code_ttl: 300,
            max_code_attempts: 5,
            token_ttl: 1800,
            challenge_ttl: 120,
            license_days: 3 * 365,
            expose_outbox: false,
            challenges_per_address: Some(DEFAULT_CHALLENGES_PER_ADDRESS),
            code_cooldown: 60,
            codes_per_day: 10,
        }
    }
}

/// Who made a [`api::Signed`] request, after its proof checked out.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The license used.
    pub license: LicenseRow,
    /// Its role.
    pub role: Role,
}

/// The license authority service.
pub struct Authority {
    db: Database,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    keys: AuthorityKeys,
    config: AuthorityConfig,
    proofing: Arc<dyn IdentityProofing>,
    license_writer: writer::LicenseWriter,
    verified: verified::VerifiedCertificates,
    /// Proof challenges made, per client address.
    challenges: crate::limits::Limiter<std::net::IpAddr>,
}

fn hash_hex(parts: &[&str]) -> String {
    hex::encode(sm3(parts.join("\n").as_bytes()))
}

/// `138****1234` (the domain's masked form), or `****` for what is not a phone number.
pub fn mask_phone(p: &str) -> String {
    Phone::parse(p).map_or_else(|_| "****".into(), |p| p.to_string())
}

pub(crate) fn mask_id(id: &str) -> String {
    IdNumber::parse(id)
        .map(|i| i.to_string())
        .unwrap_or_else(|_| "****".into())
}

fn parse_phone(p: &str) -> Result<String, ApiError> {
    Phone::parse(p.trim())
        .map(|p| p.as_str().to_owned())
        .map_err(|e| ApiError::bad_request(e.code(), e.to_string()))
}

fn parse_person(p: &api::PersonInput) -> Result<(String, IdNumber, String), ApiError> {
    let name = yizhao_domain::text::PERSON_NAME
        .check(&p.name)
        .map_err(|e| match e {
            yizhao_domain::text::TextError::Empty(_) => {
                ApiError::bad_request("request.name", "请填写姓名（不超过50个字）。")
            }
            e => e.into(),
        })?;
    let name = name.as_str();
    let id = IdNumber::parse(p.id_number.trim())
        .map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
    Ok((name.to_owned(), id, parse_phone(&p.phone)?))
}

fn parse_uscc(s: &str) -> Result<Uscc, ApiError> {
    Uscc::parse(s.trim()).map_err(|e| ApiError::bad_request(e.code(), e.to_string()))
}

/// The registry row of a parsed enterprise (the CSV import and the demo registry).
pub fn registry_row(e: &Enterprise) -> EnterpriseRow {
    EnterpriseRow {
        uscc: e.uscc.as_str().into(),
        name: e.name.clone(),
        kind: e.kind.clone(),
        lr_name: e.legal_representative.name.clone(),
        lr_id_number: e.legal_representative.id_number.as_str().into(),
        lr_phone: e.legal_representative.phone.as_str().into(),
        registered_capital: e.registered_capital.clone(),
        established: e.established.clone(),
        business_term: e.business_term.clone(),
        domicile: e.domicile.clone(),
        business_scope: e.business_scope.clone(),
        registration_authority: e.registration_authority.clone(),
        locality: e.locality.clone(),
    }
}

fn face(e: &EnterpriseRow) -> api::FaceData {
    api::FaceData {
        uscc: e.uscc.clone(),
        name: e.name.clone(),
        kind: e.kind.clone(),
        legal_representative: e.lr_name.clone(),
        registered_capital: e.registered_capital.clone(),
        established: e.established.clone(),
        business_term: e.business_term.clone(),
        domicile: e.domicile.clone(),
        business_scope: e.business_scope.clone(),
        registration_authority: e.registration_authority.clone(),
        locality: e.locality.clone(),
    }
}

fn scope_of(g: &GrantRow) -> Result<Scope, ApiError> {
    if g.scope == "all" {
        return Ok(Scope::AllBusiness);
    }
    let codes: Vec<String> = serde_json::from_str(&g.scope).map_err(|e| ApiError::internal(&e))?;
    Ok(Scope::Precise(codes))
}

fn scope_text(s: &Scope) -> String {
    match s {
        Scope::AllBusiness => "all".into(),
        Scope::Precise(codes) => serde_json::to_string(codes).unwrap_or_default(),
    }
}

fn grant_of(g: &GrantRow) -> Result<LicenseGrant, ApiError> {
    let role = Role::parse(&g.role).ok_or_else(|| ApiError::internal(&"bad role"))?;
    let period = match (g.period_start, g.period_end) {
        (Some(s), Some(e)) => Some(Period {
            start: Timestamp(s),
            end: Timestamp(e),
        }),
        _ => None,
    };
    Ok(LicenseGrant {
        role,
        period,
        scope: scope_of(g)?,
        revoked_at: g.revoked_at.map(Timestamp),
    })
}

fn offer(
    e: &EnterpriseRow,
    role: Role,
    g: Option<&GrantRow>,
    status: GrantStatus,
) -> Result<api::LicenseOffer, ApiError> {
    let (period, matters) = match g {
        Some(g) if role == Role::Agent => (
            g.period_start.zip(g.period_end),
            Some(match scope_of(g)? {
                Scope::AllBusiness => vec!["all".to_owned()],
                Scope::Precise(c) => c,
            }),
        ),
        _ => (None, None),
    };
    Ok(api::LicenseOffer {
        uscc: e.uscc.clone(),
        entity_name: e.name.clone(),
        role: role.as_str().into(),
        grant_id: g.map(|g| g.id.clone()),
        status: status.as_str().into(),
        period,
        matters,
    })
}

impl Authority {
    /// The service over `db`, with its keys loaded (or made on first start).
    pub async fn start(
        db: Database,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        key_password: &yizhao_gm::keystore::Password,
        kdf: yizhao_gm::keystore::KdfParams,
        config: AuthorityConfig,
    ) -> Result<Self, ApiError> {
        let keys =
            AuthorityKeys::load_or_create(&db, key_password, kdf, rng.as_ref(), clock.now().0)
                .await?;
        Ok(Authority {
            challenges: crate::limits::Limiter::new(config.challenges_per_address),
            license_writer: writer::LicenseWriter::start(db.clone()),
            db,
            clock,
            rng,
            keys,
            config,
            proofing: Arc::new(BuiltinOutbox),
            verified: verified::VerifiedCertificates::default(),
        })
    }

    /// Remove real-name sessions, challenges and outbox messages whose time ended before
    /// `before` (Unix seconds); how many rows went.
    pub async fn sweep(&self, before: i64) -> Result<u64, ApiError> {
        self.challenges.forget_idle();
        let mut tx = self.db.begin().await?;
        let n = tx.sweep_authority(before).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Use another identity-proofing port than the built-in outbox.
    pub fn with_proofing(mut self, proofing: Arc<dyn IdentityProofing>) -> Self {
        self.proofing = proofing;
        self
    }

    /// The database.
    pub fn db(&self) -> &Database {
        &self.db
    }

    /// The root and issuing CA certificates.
    pub fn ca(&self) -> api::CaInfo {
        api::CaInfo {
            root: self.keys.root.to_der().to_vec(),
            issuing: self.keys.issuing.to_der().to_vec(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &AuthorityConfig {
        &self.config
    }

    fn now(&self) -> i64 {
        self.clock.now().0
    }

    async fn audit(
        &self,
        tx: &mut Transaction,
        actor: &str,
        action: &str,
        entity: &str,
        detail: serde_json::Value,
    ) -> Result<(), ApiError> {
        crate::audit::record(&self.db, tx, self.now(), (actor, action, entity), &detail).await
    }

    /// Load registry entries (the operator's import or the demo registry), in one transaction.
    pub async fn import_registry(
        &self,
        rows: &[EnterpriseRow],
        by: &str,
    ) -> Result<usize, ApiError> {
        let mut tx = self.db.begin().await?;
        for r in rows {
            tx.upsert_enterprise(r).await?;
        }
        self.audit(
            &mut tx,
            by,
            "registry.import",
            "",
            serde_json::json!({ "count": rows.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(rows.len())
    }

    /// The download declaration.
    pub fn declaration(&self) -> api::Declaration {
        api::Declaration {
            version: DECLARATION_VERSION.into(),
            title: DECLARATION_TITLE.into(),
            text: DECLARATION_TEXT.into(),
        }
    }

    /// The yizhao extension OIDs a verifier of license certificates understands.
    pub fn extension_oids() -> Vec<Oid> {
        vec![
            ext::uscc(),
            ext::role(),
            ext::grant(),
            ext::scope(),
            ext::period(),
        ]
    }
}

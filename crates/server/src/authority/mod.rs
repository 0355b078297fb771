//! The license authority (SAMR's 电子营业执照系统 in the manual): real-name verification, license
//! download, admins, agent authorizations, proofs made with a license, and credential status.
//! Handlers in [`http`] parse and map; the use cases are here; the rules are in
//! `yizhao_domain::authority`.

pub mod http;
pub mod keys;

use std::sync::Arc;

use yizhao_domain::authority::{
    self as rules, AuthorityError, GrantStatus, LicenseGrant, Period, Role, Scope,
};
use yizhao_domain::ids::{IdNumber, Uscc};
use yizhao_domain::time::{Clock, Timestamp};
use yizhao_gm::x509::{
    self, CertKind, Certificate, CertificateParams, DistinguishedName, Issuer, Oid,
};
use yizhao_gm::{PublicKey, SuiteId, sm3};
use yizhao_proto::ErrorBody;
use yizhao_proto::authority as api;
use yizhao_store::{
    AuditEntry, Database, EnterpriseRow, GrantRow, LicenseRow, OutboxRow, RealNameRow, Transaction,
};

use crate::error::ApiError;
use crate::rng::{PortRng, RandomSource, random_hex};
pub use keys::AuthorityKeys;

/// The declaration a person accepts before downloading (R3).
pub const DECLARATION_VERSION: &str = "2024-1";
const DECLARATION_TITLE: &str = "执照下载声明";
const DECLARATION_TEXT: &str = "一、电子营业执照与纸质营业执照具有同等法律效力，是市场主体取得主体资格的合法凭证。\n\
二、下载人承诺本人已通过实名认证，所下载的电子营业执照仅用于本人经授权的业务，不转借、不出租。\n\
三、执照密码（初始为123456）保护本手机上的全部执照，请及时修改并妥善保管。\n\
四、因保管不善造成的损失由下载人承担；发现手机遗失应及时联系法定代表人或证照管理员撤销授权。";

/// OIDs of yizhao's license-certificate extensions (under the `2.25.<uuid>` arc).
pub mod ext {
    use yizhao_gm::x509::Oid;
    /// The entity's USCC.
    pub fn uscc() -> Oid {
        Oid::yizhao(&[1, 1])
    }
    /// The holder's role.
    pub fn role() -> Oid {
        Oid::yizhao(&[1, 2])
    }
    /// The grant behind the license.
    pub fn grant() -> Oid {
        Oid::yizhao(&[1, 3])
    }
    /// `all` or the comma-separated matter codes.
    pub fn scope() -> Oid {
        Oid::yizhao(&[1, 4])
    }
    /// The authorization period `start-end` (Unix seconds).
    pub fn period() -> Oid {
        Oid::yizhao(&[1, 5])
    }
}

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
    /// Whether codes go to the built-in outbox, readable at `/dev/outbox` (demo and tests).
    pub builtin_outbox: bool,
}

impl Default for AuthorityConfig {
    fn default() -> Self {
        AuthorityConfig {
            max_admins: rules::DEFAULT_MAX_ADMINS,
            code_ttl: 300,
            max_code_attempts: 5,
            token_ttl: 1800,
            challenge_ttl: 120,
            license_days: 3 * 365,
            builtin_outbox: true,
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
}

fn hash_hex(parts: &[&str]) -> String {
    hex::encode(sm3(parts.join("\n").as_bytes()))
}

/// `138****1234`.
pub fn mask_phone(p: &str) -> String {
    if p.len() == 11 && p.is_ascii() {
        format!("{}****{}", &p[..3], &p[7..])
    } else {
        "****".into()
    }
}

fn mask_id(id: &str) -> String {
    IdNumber::parse(id)
        .map(|i| i.to_string())
        .unwrap_or_else(|_| "****".into())
}

fn parse_phone(p: &str) -> Result<String, ApiError> {
    let p = p.trim();
    let ok = p.len() == 11 && p.starts_with('1') && p.bytes().all(|b| b.is_ascii_digit());
    if !ok {
        return Err(ApiError::bad_request(
            "request.phone",
            "手机号格式不正确，应为11位手机号码。",
        ));
    }
    Ok(p.to_owned())
}

fn parse_person(p: &api::PersonInput) -> Result<(String, IdNumber, String), ApiError> {
    let name = p.name.trim();
    if name.is_empty() || name.chars().count() > 50 {
        return Err(ApiError::bad_request(
            "request.name",
            "请填写姓名（不超过50个字）。",
        ));
    }
    let id = IdNumber::parse(p.id_number.trim())
        .map_err(|e| ApiError::bad_request(e.code(), e.to_string()))?;
    Ok((name.to_owned(), id, parse_phone(&p.phone)?))
}

fn parse_uscc(s: &str) -> Result<Uscc, ApiError> {
    Uscc::parse(s.trim()).map_err(|e| ApiError::bad_request(e.code(), e.to_string()))
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
            db,
            clock,
            rng,
            keys,
            config,
        })
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
        self.db
            .append_audit(
                tx,
                AuditEntry {
                    at: self.now(),
                    actor: actor.into(),
                    action: action.into(),
                    entity: entity.into(),
                    detail: detail.to_string(),
                },
            )
            .await?;
        Ok(())
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

    /// R2, first half: name, ID number and phone must match a registered person; then a code
    /// goes to that phone.
    pub async fn realname_start(
        &self,
        req: &api::RealNameRequest,
    ) -> Result<api::RealNameStarted, ApiError> {
        let (name, id, phone) = parse_person(&api::PersonInput {
            name: req.name.clone(),
            id_number: req.id_number.clone(),
            phone: req.phone.clone(),
        })?;
        let mut tx = self.db.begin().await?;
        let as_lr = tx
            .enterprises_of_legal_rep(id.as_str())
            .await?
            .into_iter()
            .any(|e| e.lr_name == name && e.lr_phone == phone);
        let as_grantee = tx
            .live_grants_of_person(id.as_str())
            .await?
            .into_iter()
            .any(|g| g.name == name && g.phone == phone);
        if !as_lr && !as_grantee {
            return Err(AuthorityError::RealNameMismatch.into());
        }
        let session = random_hex(self.rng.as_ref(), 16);
        let mut b = [0u8; 4];
        self.rng.fill(&mut b);
        let code = format!("{:06}", u32::from_le_bytes(b) % 1_000_000);
        let now = self.now();
        tx.insert_realname(&RealNameRow {
            id: session.clone(),
            name,
            id_number: id.as_str().into(),
            phone: phone.clone(),
            code_hash: hash_hex(&[&session, &code]),
            attempts: 0,
            created_at: now,
            expires_at: now + self.config.code_ttl,
            token_hash: None,
            token_expires_at: None,
        })
        .await?;
        // The built-in identity proofing: the code goes to the outbox (an SMS gateway in a real
        // deployment plugs in here).
        let text = format!(
            "【电子营业执照】您的验证码为{code}，{}分钟内有效。请勿告诉他人。",
            self.config.code_ttl / 60
        );
        tx.insert_outbox(&OutboxRow {
            phone: phone.clone(),
            text,
            code,
            at: now,
        })
        .await?;
        tx.commit().await?;
        Ok(api::RealNameStarted {
            session,
            phone_masked: mask_phone(&phone),
            expires_at: now + self.config.code_ttl,
        })
    }

    /// R2, second half: the code completes verification and yields a token.
    pub async fn realname_confirm(
        &self,
        req: &api::RealNameConfirm,
    ) -> Result<api::RealNameVerified, ApiError> {
        let mut tx = self.db.begin().await?;
        let Some(s) = tx.realname(&req.session).await? else {
            return Err(AuthorityError::RealNameExpired.into());
        };
        let now = self.now();
        if now >= s.expires_at
            || s.attempts >= self.config.max_code_attempts
            || s.token_hash.is_some()
        {
            return Err(AuthorityError::CodeInvalid.into());
        }
        if hash_hex(&[&s.id, req.code.trim()]) != s.code_hash {
            tx.realname_failed_attempt(&s.id).await?;
            tx.commit().await?;
            return Err(AuthorityError::CodeInvalid.into());
        }
        let token = random_hex(self.rng.as_ref(), 32);
        let expires_at = now + self.config.token_ttl;
        if !tx
            .realname_verified(&s.id, &hash_hex(&[&token]), expires_at)
            .await?
        {
            return Err(AuthorityError::CodeInvalid.into());
        }
        self.audit(
            &mut tx,
            &format!("realname:{}", s.id),
            "realname.verified",
            "",
            serde_json::json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(api::RealNameVerified {
            token,
            expires_at,
            name: s.name,
        })
    }

    async fn person(&self, tx: &mut Transaction, token: &str) -> Result<RealNameRow, ApiError> {
        match tx.realname_by_token(&hash_hex(&[token])).await? {
            Some(s) if s.token_expires_at.is_some_and(|t| t > self.now()) => Ok(s),
            _ => Err(AuthorityError::RealNameExpired.into()),
        }
    }

    /// Everything the person holds, as (entity, role, grant).
    async fn holdings(
        &self,
        tx: &mut Transaction,
        p: &RealNameRow,
    ) -> Result<Vec<(EnterpriseRow, Role, Option<GrantRow>)>, ApiError> {
        let mut out = Vec::new();
        for e in tx.enterprises_of_legal_rep(&p.id_number).await? {
            out.push((e, Role::LegalRepresentative, None));
        }
        for g in tx.live_grants_of_person(&p.id_number).await? {
            let Some(e) = tx.enterprise(&g.uscc).await? else {
                continue;
            };
            let role = Role::parse(&g.role).ok_or_else(|| ApiError::internal(&"bad role"))?;
            out.push((e, role, Some(g)));
        }
        Ok(out)
    }

    /// R3: downloadable and downloaded licenses of a locality.
    pub async fn licenses(
        &self,
        token: &str,
        locality: &str,
    ) -> Result<api::LicenseList, ApiError> {
        if locality.len() != 6 || !locality.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::bad_request(
                "request.locality",
                "登记地应为6位行政区划代码。",
            ));
        }
        let mut tx = self.db.read().await?;
        let p = self.person(&mut tx, token).await?;
        let now = Timestamp(self.now());
        let mut downloadable = Vec::new();
        for (e, role, g) in self.holdings(&mut tx, &p).await? {
            if e.locality != locality {
                continue;
            }
            let status = match &g {
                Some(g) => grant_of(g)?.status(now),
                None => GrantStatus::Active,
            };
            if status.downloadable() {
                downloadable.push(offer(&e, role, g.as_ref(), status)?);
            }
        }
        let mut downloaded = Vec::new();
        for l in tx.licenses_of_person(&p.id_number).await? {
            let Some(e) = tx.enterprise(&l.uscc).await? else {
                continue;
            };
            if e.locality != locality {
                continue;
            }
            let role = Role::parse(&l.role).ok_or_else(|| ApiError::internal(&"bad role"))?;
            let g = match &l.grant_id {
                Some(id) => tx.grant(id).await?,
                None => None,
            };
            let status = self.license_grant(&mut tx, &l).await?.status(now);
            downloaded.push(offer(&e, role, g.as_ref(), status)?);
        }
        Ok(api::LicenseList {
            locality: locality.into(),
            downloadable,
            downloaded,
        })
    }

    /// R2, R3, R7: issue a license certificate to the device key of a verified person.
    pub async fn download(
        &self,
        token: &str,
        req: &api::DownloadRequest,
    ) -> Result<api::DownloadedLicense, ApiError> {
        if req.accepted_declaration.as_deref() != Some(DECLARATION_VERSION) {
            return Err(AuthorityError::DeclarationNotAccepted.into());
        }
        let uscc = parse_uscc(&req.uscc)?;
        let device = PublicKey::from_spki_der(&req.device_public_key)
            .ok()
            .filter(|k| k.suite() == SuiteId::Gm)
            .ok_or_else(|| {
                ApiError::bad_request("request.device_key", "设备公钥无效（应为SM2公钥）。")
            })?;
        let mut tx = self.db.begin().await?;
        let p = self.person(&mut tx, token).await?;
        if device
            .verify(
                &api::download_pop_message(token, uscc.as_str(), &req.device_public_key),
                &req.proof_of_possession,
            )
            .is_err()
        {
            return Err(ApiError::bad_request(
                "request.proof_of_possession",
                "设备密钥签名无效。",
            ));
        }
        let holdings: Vec<_> = self
            .holdings(&mut tx, &p)
            .await?
            .into_iter()
            .filter(|(e, _, _)| e.uscc == uscc.as_str())
            .collect();
        let chosen = match &req.grant_id {
            Some(gid) => holdings
                .into_iter()
                .find(|(_, _, g)| g.as_ref().is_some_and(|g| &g.id == gid)),
            // The legal representative's own capacity first, else the newest grant.
            None => {
                let mut h = holdings;
                match h
                    .iter()
                    .position(|(_, r, _)| *r == Role::LegalRepresentative)
                {
                    Some(i) => Some(h.swap_remove(i)),
                    None => h.pop(),
                }
            }
        };
        let Some((entity, role, grant)) = chosen else {
            return Err(AuthorityError::NothingToDownload.into());
        };
        rules::check_download(role, tx.entity_has_first_download(&entity.uscc).await?)?;
        let now = self.now();
        let (period, scope) = match &grant {
            Some(g) => {
                let lg = grant_of(g)?;
                if !lg.status(Timestamp(now)).downloadable() {
                    return Err(AuthorityError::Ended.into());
                }
                (lg.period, lg.scope)
            }
            None => (None, Scope::AllBusiness),
        };
        let mut r = PortRng(self.rng.as_ref());
        let serial = x509::random_serial(&mut r);
        let not_after = match period {
            Some(p) => p.end.0,
            None => now + self.config.license_days * 86_400,
        };
        let mut extensions = vec![
            x509::Extension::utf8(ext::uscc(), &entity.uscc).map_err(|e| ApiError::internal(&e))?,
            x509::Extension::utf8(ext::role(), role.as_str())
                .map_err(|e| ApiError::internal(&e))?,
        ];
        if let Some(g) = &grant {
            extensions.push(
                x509::Extension::utf8(ext::grant(), &g.id).map_err(|e| ApiError::internal(&e))?,
            );
        }
        let scope_str = match &scope {
            Scope::AllBusiness => "all".to_owned(),
            Scope::Precise(c) => c.join(","),
        };
        extensions.push(
            x509::Extension::utf8(ext::scope(), &scope_str).map_err(|e| ApiError::internal(&e))?,
        );
        if let Some(p) = period {
            extensions.push(
                x509::Extension::utf8(ext::period(), &format!("{}-{}", p.start.0, p.end.0))
                    .map_err(|e| ApiError::internal(&e))?,
            );
        }
        let params = CertificateParams {
            subject: DistinguishedName {
                country: Some("CN".into()),
                organization: Some(entity.name.clone()),
                organizational_unit: Some(role.label().into()),
                common_name: p.name.clone(),
                serial_number: Some(entity.uscc.clone()),
            },
            serial: serial.clone(),
            not_before: u64::try_from(now - 60).unwrap_or(0),
            not_after: u64::try_from(not_after).unwrap_or(0),
            kind: CertKind::Signing,
            extensions,
        };
        let cert = Certificate::issue(
            &params,
            &device,
            Issuer::Ca {
                cert: &self.keys.issuing,
                key: &self.keys.issuing_key,
            },
        )
        .map_err(|e| ApiError::internal(&e))?;
        let license_id = hex::encode(&serial);
        tx.insert_license(&LicenseRow {
            serial: license_id.clone(),
            uscc: entity.uscc.clone(),
            id_number: p.id_number.clone(),
            role: role.as_str().into(),
            grant_id: grant.as_ref().map(|g| g.id.clone()),
            device_key: req.device_public_key.clone(),
            certificate: cert.to_der().to_vec(),
            issued_at: now,
            revoked_at: None,
        })
        .await?;
        self.audit(
            &mut tx,
            &format!("realname:{}", p.id),
            "license.download",
            &entity.uscc,
            serde_json::json!({ "license": license_id, "role": role.as_str() }),
        )
        .await?;
        tx.commit().await?;
        Ok(api::DownloadedLicense {
            license_id,
            role: role.as_str().into(),
            certificate: cert.to_der().to_vec(),
            chain: vec![
                self.keys.issuing.to_der().to_vec(),
                self.keys.root.to_der().to_vec(),
            ],
            face: face(&entity),
        })
    }

    /// The grant a license stands on now (the registry decides who the legal representative is).
    async fn license_grant(
        &self,
        tx: &mut Transaction,
        l: &LicenseRow,
    ) -> Result<LicenseGrant, ApiError> {
        let role = Role::parse(&l.role).ok_or_else(|| ApiError::internal(&"bad role"))?;
        let mut g = match &l.grant_id {
            Some(id) => match tx.grant(id).await? {
                Some(g) => grant_of(&g)?,
                None => return Err(ApiError::internal(&"license without its grant")),
            },
            None => {
                let still_lr = tx
                    .enterprise(&l.uscc)
                    .await?
                    .is_some_and(|e| e.lr_id_number == l.id_number);
                LicenseGrant {
                    role,
                    period: None,
                    scope: Scope::AllBusiness,
                    // A new legal representative in the registry ends the old one's licenses.
                    revoked_at: if still_lr {
                        None
                    } else {
                        Some(Timestamp(i64::MIN))
                    },
                }
            }
        };
        if let Some(r) = l.revoked_at {
            g.revoked_at = Some(g.revoked_at.map_or(Timestamp(r), |x| x.min(Timestamp(r))));
        }
        Ok(g)
    }

    /// A fresh single-use challenge for a license proof.
    pub async fn challenge(&self) -> Result<api::Challenge, ApiError> {
        let challenge = random_hex(self.rng.as_ref(), 24);
        let expires_at = self.now() + self.config.challenge_ttl;
        let mut tx = self.db.begin().await?;
        tx.insert_challenge(&challenge, expires_at).await?;
        tx.commit().await?;
        Ok(api::Challenge {
            challenge,
            expires_at,
        })
    }

    /// Parse a license certificate and check that our issuing CA signed it and that it is valid
    /// at `now`. The issuing CA and the root are our own, loaded at start, so only the one link
    /// that comes from outside is verified on each request.
    fn check_certificate(&self, der: &[u8], now: i64) -> Result<Certificate, ApiError> {
        let bad = |m: &str| {
            ApiError::unauthorized("auth.certificate_invalid", format!("执照证书无效：{m}"))
        };
        let cert = Certificate::from_der(der).map_err(|_| bad("无法解析"))?;
        let issuing_key = self
            .keys
            .issuing
            .public_key()
            .map_err(|e| ApiError::internal(&e))?;
        if cert.issuer() != self.keys.issuing.subject()
            || cert.verify_signed_by(&issuing_key).is_err()
        {
            return Err(bad("不是本系统签发的执照"));
        }
        let (not_before, not_after) = cert.validity();
        let at = u64::try_from(now).unwrap_or(0);
        if at < not_before || at > not_after {
            return Err(bad("不在有效期内"));
        }
        if cert
            .basic_constraints()
            .ok()
            .flatten()
            .is_some_and(|(ca, _)| ca)
        {
            return Err(bad("不是执照证书"));
        }
        Ok(cert)
    }

    /// Check a request made with a license: challenge unused and fresh, chain, signature, and
    /// that the license is usable now (R7). Consumes the challenge.
    pub async fn verify_signed(
        &self,
        tx: &mut Transaction,
        s: &api::Signed,
    ) -> Result<Actor, ApiError> {
        let now = self.now();
        let cert = self.check_certificate(&s.certificate, now)?;
        let key = cert.public_key().map_err(|e| ApiError::internal(&e))?;
        if key
            .verify(
                &api::proof_message(&s.action, &s.challenge, &s.payload),
                &s.signature,
            )
            .is_err()
        {
            return Err(ApiError::unauthorized(
                "auth.signature_invalid",
                "执照签名无效。",
            ));
        }
        if !tx.consume_challenge(&s.challenge, now).await? {
            return Err(ApiError::unauthorized(
                "auth.challenge_invalid",
                "请求已过期或已被使用，请重试。",
            ));
        }
        let serial = hex::encode(cert.serial());
        let Some(license) = tx.license(&serial).await? else {
            return Err(ApiError::unauthorized(
                "auth.certificate_invalid",
                "执照证书无效：未找到下载记录。",
            ));
        };
        self.license_grant(tx, &license)
            .await?
            .check_use(None, Timestamp(now))?;
        let role = Role::parse(&license.role).ok_or_else(|| ApiError::internal(&"bad role"))?;
        Ok(Actor { license, role })
    }

    /// Run one [`api::Signed`] request; returns its JSON result.
    pub async fn signed(&self, s: &api::Signed) -> Result<serde_json::Value, ApiError> {
        let mut tx = self.db.begin().await?;
        let actor = self.verify_signed(&mut tx, s).await?;
        let parse = |what: &str| {
            ApiError::bad_request(
                "request.invalid_body",
                format!("请求内容无法解析（{what}）。"),
            )
        };
        let result = match s.action.as_str() {
            "admins.list" => {
                let p: api::EntityRef =
                    serde_json::from_str(&s.payload).map_err(|_| parse("EntityRef"))?;
                self.own_entity(&actor, &p.uscc)?;
                rules::check_manage_authorizations(actor.role)?;
                serde_json::to_value(self.list(&mut tx, &p.uscc, Role::LicenseAdmin).await?)
            }
            "admins.add" => {
                let p: api::AddAdmin =
                    serde_json::from_str(&s.payload).map_err(|_| parse("AddAdmin"))?;
                self.own_entity(&actor, &p.uscc)?;
                let current = tx
                    .live_grants_of_entity(&p.uscc, Role::LicenseAdmin.as_str())
                    .await?
                    .len();
                rules::check_add_admin(actor.role, current, self.config.max_admins)?;
                serde_json::to_value(
                    self.add_grant(
                        &mut tx,
                        &actor,
                        &p.uscc,
                        Role::LicenseAdmin,
                        &p.person,
                        None,
                        Scope::AllBusiness,
                    )
                    .await?,
                )
            }
            "admins.remove" => {
                let p: api::GrantRef =
                    serde_json::from_str(&s.payload).map_err(|_| parse("GrantRef"))?;
                self.own_entity(&actor, &p.uscc)?;
                rules::check_remove_admin(actor.role)?;
                serde_json::to_value(self.revoke(&mut tx, &actor, &p, Role::LicenseAdmin).await?)
            }
            "authorizations.list" => {
                let p: api::EntityRef =
                    serde_json::from_str(&s.payload).map_err(|_| parse("EntityRef"))?;
                self.own_entity(&actor, &p.uscc)?;
                rules::check_manage_authorizations(actor.role)?;
                serde_json::to_value(self.list(&mut tx, &p.uscc, Role::Agent).await?)
            }
            "authorizations.add" => {
                let p: api::AddAuthorization =
                    serde_json::from_str(&s.payload).map_err(|_| parse("AddAuthorization"))?;
                self.own_entity(&actor, &p.uscc)?;
                rules::check_manage_authorizations(actor.role)?;
                let now = Timestamp(self.now());
                let start = p.start.map(Timestamp).unwrap_or(now);
                let period = match p.end {
                    Some(end) => Period::new(start, Timestamp(end))?,
                    None => Period::default_from(start),
                };
                let scope = match p.mode.as_str() {
                    "all" => Scope::AllBusiness,
                    "precise" => Scope::precise(&p.matters)?,
                    _ => {
                        return Err(ApiError::bad_request(
                            "request.mode",
                            "授权方式应为全业务授权（all）或精准授权（precise）。",
                        ));
                    }
                };
                serde_json::to_value(
                    self.add_grant(
                        &mut tx,
                        &actor,
                        &p.uscc,
                        Role::Agent,
                        &p.agent,
                        Some(period),
                        scope,
                    )
                    .await?,
                )
            }
            "authorizations.revoke" => {
                let p: api::GrantRef =
                    serde_json::from_str(&s.payload).map_err(|_| parse("GrantRef"))?;
                self.own_entity(&actor, &p.uscc)?;
                rules::check_manage_authorizations(actor.role)?;
                serde_json::to_value(self.revoke(&mut tx, &actor, &p, Role::Agent).await?)
            }
            other => {
                return Err(ApiError::bad_request(
                    "request.action",
                    format!("未知的操作：{other}"),
                ));
            }
        }
        .map_err(|e| ApiError::internal(&e))?;
        tx.commit().await?;
        Ok(result)
    }

    fn own_entity(&self, actor: &Actor, uscc: &str) -> Result<(), ApiError> {
        if actor.license.uscc != uscc {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "auth.other_entity",
                "该执照不属于此企业。",
            ));
        }
        Ok(())
    }

    async fn grant_item(
        &self,
        tx: &mut Transaction,
        g: &GrantRow,
    ) -> Result<api::GrantItem, ApiError> {
        let lg = grant_of(g)?;
        let downloads = u32::try_from(tx.downloads_of_grant(&g.id).await?).unwrap_or(u32::MAX);
        Ok(api::GrantItem {
            grant_id: g.id.clone(),
            role: g.role.clone(),
            name: g.name.clone(),
            id_number_masked: mask_id(&g.id_number),
            phone_masked: mask_phone(&g.phone),
            period: g.period_start.zip(g.period_end),
            matters: (g.role == Role::Agent.as_str()).then(|| match &lg.scope {
                Scope::AllBusiness => vec!["all".to_owned()],
                Scope::Precise(c) => c.clone(),
            }),
            status: lg.status(Timestamp(self.now())).as_str().into(),
            downloads,
        })
    }

    async fn list(
        &self,
        tx: &mut Transaction,
        uscc: &str,
        role: Role,
    ) -> Result<Vec<api::GrantItem>, ApiError> {
        let mut out = Vec::new();
        for g in tx.live_grants_of_entity(uscc, role.as_str()).await? {
            out.push(self.grant_item(tx, &g).await?);
        }
        Ok(out)
    }

    #[allow(clippy::too_many_arguments)]
    async fn add_grant(
        &self,
        tx: &mut Transaction,
        actor: &Actor,
        uscc: &str,
        role: Role,
        person: &api::PersonInput,
        period: Option<Period>,
        scope: Scope,
    ) -> Result<api::GrantItem, ApiError> {
        let (name, id, phone) = parse_person(person)?;
        let Some(entity) = tx.enterprise(uscc).await? else {
            return Err(ApiError::not_found(
                "authority.entity_unknown",
                "未找到该企业。",
            ));
        };
        if entity.lr_id_number == id.as_str() {
            return Err(AuthorityError::IsLegalRepresentative.into());
        }
        // The person's other live grants in this entity: same role twice is refused; and once
        // they have downloaded, their ID number and phone are locked.
        for g in tx
            .live_grants_of_person(id.as_str())
            .await?
            .into_iter()
            .filter(|g| g.uscc == uscc)
        {
            if g.role == role.as_str() && role == Role::LicenseAdmin {
                return Err(AuthorityError::AlreadyHolds(role).into());
            }
            if (g.phone != phone || g.name != name) && tx.downloads_of_grant(&g.id).await? > 0 {
                return Err(AuthorityError::PersonLocked.into());
            }
        }
        let now = self.now();
        let row = GrantRow {
            id: random_hex(self.rng.as_ref(), 12),
            uscc: uscc.into(),
            role: role.as_str().into(),
            name,
            id_number: id.as_str().into(),
            phone,
            scope: scope_text(&scope),
            period_start: period.map(|p| p.start.0),
            period_end: period.map(|p| p.end.0),
            granted_by: actor.license.serial.clone(),
            granted_at: now,
            revoked_at: None,
            revoked_by: None,
        };
        tx.insert_grant(&row).await?;
        let action = if role == Role::LicenseAdmin {
            "admin.add"
        } else {
            "authorization.add"
        };
        self.audit(tx, &format!("license:{}", actor.license.serial), action, uscc, serde_json::json!({ "grant": row.id, "scope": row.scope, "period": period.map(|p| (p.start.0, p.end.0)) })).await?;
        self.grant_item(tx, &row).await
    }

    async fn revoke(
        &self,
        tx: &mut Transaction,
        actor: &Actor,
        p: &api::GrantRef,
        role: Role,
    ) -> Result<api::GrantItem, ApiError> {
        let Some(g) = tx
            .grant(&p.grant_id)
            .await?
            .filter(|g| g.uscc == p.uscc && g.role == role.as_str())
        else {
            return Err(ApiError::not_found(
                "authority.grant_unknown",
                "未找到该授权。",
            ));
        };
        if !tx
            .revoke_grant(&g.id, self.now(), &actor.license.serial)
            .await?
        {
            return Err(AuthorityError::Revoked.into());
        }
        let action = if role == Role::LicenseAdmin {
            "admin.remove"
        } else {
            "authorization.revoke"
        };
        self.audit(
            tx,
            &format!("license:{}", actor.license.serial),
            action,
            &p.uscc,
            serde_json::json!({ "grant": g.id }),
        )
        .await?;
        let g = tx
            .grant(&g.id)
            .await?
            .ok_or_else(|| ApiError::internal(&"grant vanished"))?;
        self.grant_item(tx, &g).await
    }

    /// Credential status (OCSP-like): is this license usable now, for this matter? Signed.
    pub async fn status(&self, req: &api::StatusRequest) -> Result<api::StatusResponse, ApiError> {
        let now = self.now();
        let mut tx = self.db.read().await?;
        let reason = |e: AuthorityError| {
            Some(ErrorBody {
                code: e.code().into(),
                message: e.to_string(),
            })
        };
        let body = match self.check_certificate(&req.certificate, now) {
            Err(e) => api::StatusBody {
                license_id: String::new(),
                uscc: String::new(),
                role: String::new(),
                status: "unknown".into(),
                matter: req.matter.clone(),
                usable: false,
                reason: Some(ErrorBody {
                    code: e.code,
                    message: e.message,
                }),
                produced_at: now,
            },
            Ok(cert) => {
                let serial = hex::encode(cert.serial());
                match tx.license(&serial).await? {
                    None => api::StatusBody {
                        license_id: serial,
                        uscc: String::new(),
                        role: String::new(),
                        status: "unknown".into(),
                        matter: req.matter.clone(),
                        usable: false,
                        reason: Some(ErrorBody {
                            code: "auth.certificate_invalid".into(),
                            message: "未找到该执照的下载记录。".into(),
                        }),
                        produced_at: now,
                    },
                    Some(l) => {
                        let g = self.license_grant(&mut tx, &l).await?;
                        let check = g.check_use(req.matter.as_deref(), Timestamp(now));
                        api::StatusBody {
                            license_id: l.serial.clone(),
                            uscc: l.uscc.clone(),
                            role: l.role.clone(),
                            status: g.status(Timestamp(now)).as_str().into(),
                            matter: req.matter.clone(),
                            usable: check.is_ok(),
                            reason: check.err().and_then(reason),
                            produced_at: now,
                        }
                    }
                }
            }
        };
        let body = serde_json::to_string(&body).map_err(|e| ApiError::internal(&e))?;
        let signature = self
            .keys
            .status_key
            .sign(body.as_bytes())
            .map_err(|e| ApiError::internal(&e))?;
        Ok(api::StatusResponse {
            body,
            signature,
            signer: self.keys.status.to_der().to_vec(),
        })
    }

    /// The built-in outbox of a phone (only when the built-in identity proofing is on).
    pub async fn outbox(&self, phone: &str) -> Result<Vec<api::OutboxMessage>, ApiError> {
        if !self.config.builtin_outbox {
            return Err(ApiError::not_found(
                "authority.outbox_disabled",
                "未启用内置短信发件箱。",
            ));
        }
        let mut tx = self.db.read().await?;
        Ok(tx
            .outbox(phone)
            .await?
            .into_iter()
            .map(|m| api::OutboxMessage {
                phone: m.phone,
                text: m.text,
                code: m.code,
                at: m.at,
            })
            .collect())
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

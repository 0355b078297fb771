//! The seal authority (电子印章系统, SYSTEM.md §1): impressions and their review with the seal
//! making (R13, GB/T 38540 `SESeal`s signed by its maker certificate), collection onto licenses
//! (R14), seal admins per seal type and seal use grants (R15, R16), with their counted uses. Requests are signed with a license key; the license
//! authority checks the signature, the challenge and the license (its public API), and says
//! which role a person holds in an entity. Handlers in [`http`] parse and map; the rules are in
//! `yizhao_domain::seal`.

mod actions;
mod collect;
pub mod http;
mod impressions;
pub mod keys;

pub use impressions::{MAX_PICTURE_BYTES, ReviewEntry};
pub use keys::{Rotation, SealKeys};

use std::sync::{Arc, PoisonError, RwLock};

use yizhao_domain::authority::{GrantStatus, Period, Role, Scope};
use yizhao_domain::seal::{self as rules, SealManager, SealType, SealUseGrant, Shape};
use yizhao_domain::time::{Clock, Timestamp};
use yizhao_gm::keystore::{KdfParams, Password};
use yizhao_proto::seal as api;
use yizhao_store::{Database, SealAdminRow, SealUseGrantRow, Transaction};

use crate::authority::{Actor, Authority, mask_id};
use crate::cert_keys::Issued;
use crate::error::ApiError;
use crate::rng::RandomSource;

/// How long a CRL of the seal root stays current (its nextUpdate is this many days on).
const CRL_DAYS: u64 = 1;

/// Settings of the seal authority.
#[derive(Debug, Clone)]
pub struct SealConfig {
    /// The platform's region, a division-code prefix: entities registered in it are local
    /// (R14). Default `4205`, 宜昌市.
    pub platform_region: String,
    /// How long a seal is valid from its making (days).
    pub validity_days: i64,
}

impl Default for SealConfig {
    fn default() -> Self {
        SealConfig {
            platform_region: "4205".into(),
            validity_days: 5 * 365,
        }
    }
}

/// The seal authority service.
pub struct Seals {
    db: Database,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn RandomSource>,
    authority: Arc<Authority>,
    /// The root CA and its key (it signs maker certificates and the CRL).
    root: Issued,
    /// The maker that signs seals now. Another process (`yizhao admin rotate-seal-maker`) may
    /// replace it in the database; [`Seals::current_maker`] notices before each seal is signed.
    maker: RwLock<Arc<Issued>>,
    /// The key password, kept to open a maker rotated elsewhere and to seal a new one.
    password: Password,
    kdf: KdfParams,
    config: SealConfig,
}

fn seal_type(code: &str) -> Result<SealType, ApiError> {
    SealType::parse(code).ok_or_else(|| {
        ApiError::bad_request("seal.unknown_type", format!("未知的印章类型：{code}"))
    })
}

fn admin_item(a: &SealAdminRow) -> api::SealAdminItem {
    api::SealAdminItem {
        id: a.id.clone(),
        seal_type: a.seal_type.clone(),
        seal_type_name: SealType::parse(&a.seal_type)
            .map_or_else(String::new, |t| t.label().into()),
        name: a.name.clone(),
        id_number_masked: mask_id(&a.id_number),
        appointed_at: a.appointed_at,
    }
}

/// The domain's view of a stored use grant.
fn use_grant(g: &SealUseGrantRow) -> Result<SealUseGrant, ApiError> {
    let scope = if g.scope == "all" {
        Scope::AllBusiness
    } else {
        let codes: Vec<String> =
            serde_json::from_str(&g.scope).map_err(|e| ApiError::internal(&e))?;
        Scope::precise(&codes)?
    };
    Ok(SealUseGrant {
        period: Period::new(Timestamp(g.period_start), Timestamp(g.period_end))?,
        scope,
        uses_left: u32::try_from(g.uses_left).unwrap_or(0),
        revoked_at: g.revoked_at.map(Timestamp),
    })
}

impl Seals {
    /// Start the service over `db`, asking `authority` about licenses; its keys are loaded (or
    /// made on first start) sealed under `password`.
    pub async fn start(
        db: Database,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn RandomSource>,
        authority: Arc<Authority>,
        password: &Password,
        kdf: KdfParams,
        config: SealConfig,
    ) -> Result<Self, ApiError> {
        let keys =
            SealKeys::load_or_create(&db, password, kdf, rng.as_ref(), clock.now().0).await?;
        Ok(Seals {
            db,
            clock,
            rng,
            authority,
            root: Issued {
                cert: keys.root,
                key: keys.root_key,
            },
            maker: RwLock::new(Arc::new(Issued {
                cert: keys.maker,
                key: keys.maker_key,
            })),
            password: Password::new(password.expose().to_owned()),
            kdf,
            config,
        })
    }

    /// The root CA certificate every seal's maker certificate chains to.
    pub fn root_certificate(&self) -> &yizhao_gm::x509::Certificate {
        &self.root.cert
    }

    /// The maker certificate this instance signs with now (as of its last check of the
    /// database).
    pub fn maker_certificate(&self) -> yizhao_gm::x509::Certificate {
        self.held_maker().cert.clone()
    }

    fn held_maker(&self) -> Arc<Issued> {
        // A panic while the lock was held can't leave the Arc half-written: take it as is.
        self.maker
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The maker stored now: the one held, unless another process rotated it, in which case the
    /// new one is loaded and held from now on. One query of the stored certificate in `tx`.
    async fn current_maker(&self, tx: &mut Transaction) -> Result<Arc<Issued>, ApiError> {
        let held = self.held_maker();
        let Some(fresh) = keys::changed_maker(tx, &held.cert, &self.password).await? else {
            return Ok(held);
        };
        let fresh = Arc::new(fresh);
        *self.maker.write().unwrap_or_else(PoisonError::into_inner) = fresh.clone();
        tracing::info!(
            maker.serial = %keys::serial_hex(&fresh.cert),
            "seal maker changed in the database (rotated elsewhere); loaded"
        );
        Ok(fresh)
    }

    /// Revoke the current seal maker for `reason` and make a new maker key and certificate
    /// under the same root (issue #5), audited as the operator's. Seals made earlier fail
    /// verification against the root's CRL ([`Seals::crl`]) from now on; new seals are signed
    /// by the new maker, here at once and in other processes before their next seal.
    pub async fn rotate_maker(&self, reason: &str) -> Result<Rotation, ApiError> {
        let reason = yizhao_domain::text::REASON
            .named("更换原因")
            .check(reason)
            .map_err(|e| match e {
                yizhao_domain::text::TextError::Empty(_) => ApiError::bad_request(
                    "seal.rotation_reason",
                    "请填写更换制章者证书的原因（不超过 200 字）。",
                ),
                e => e.into(),
            })?;
        if reason.chars().count() > 200 {
            return Err(ApiError::bad_request(
                "seal.rotation_reason",
                "请填写更换制章者证书的原因（不超过 200 字）。",
            ));
        }
        let reason = reason.as_str();
        let now = self.now();
        let mut tx = self.db.begin().await?;
        // Revoke the maker stored now, which may already differ from the one held here.
        let current = self.current_maker(&mut tx).await?;
        let new = keys::rotate(
            &mut tx,
            &self.root,
            &current.cert,
            (&self.password, self.kdf),
            self.rng.as_ref(),
            (now, reason),
        )
        .await?;
        let (old_serial, new_serial) =
            (keys::serial_hex(&current.cert), keys::serial_hex(&new.cert));
        crate::audit::record(
            &self.db,
            &mut tx,
            now,
            ("operator", "seal.maker_rotate", "seal-authority"),
            &serde_json::json!({ "revoked": old_serial, "new": new_serial, "reason": reason }),
        )
        .await?;
        tx.commit().await?;
        let rotation = Rotation {
            old: current.cert.clone(),
            new: new.cert.clone(),
        };
        *self.maker.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(new);
        tracing::info!(maker.revoked = %old_serial, maker.new = %new_serial, "seal maker rotated");
        Ok(rotation)
    }

    /// The root's CRL (DER): every revoked maker, thisUpdate now, nextUpdate a day later,
    /// signed by the root key. Issued afresh on each call, so it is never stale when served.
    pub async fn crl(&self) -> Result<Vec<u8>, ApiError> {
        let now =
            u64::try_from(self.now()).map_err(|_| ApiError::internal(&"clock before 1970"))?;
        let mut tx = self.db.read().await?;
        let revoked = tx
            .revoked_seal_makers()
            .await?
            .into_iter()
            .map(|r| {
                let serial = hex::decode(&r.serial).map_err(|e| ApiError::internal(&e))?;
                let at = u64::try_from(r.revoked_at)
                    .map_err(|_| ApiError::internal(&"revocation before 1970"))?;
                Ok((serial, at))
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let entries: Vec<(&[u8], u64)> =
            revoked.iter().map(|(s, at)| (s.as_slice(), *at)).collect();
        yizhao_gm::crl::Crl::issue(
            &self.root.cert,
            &self.root.key,
            now,
            now + CRL_DAYS * 86_400,
            &entries,
        )
        .map(|c| c.to_der().to_vec())
        .map_err(|e| ApiError::internal(&e))
    }

    fn now(&self) -> i64 {
        self.clock.now().0
    }

    /// The catalogue of seal types, their shapes and sizes (R13).
    pub fn catalogue(&self) -> Vec<api::SealTypeItem> {
        SealType::ALL
            .iter()
            .map(|t| api::SealTypeItem {
                code: t.as_str().into(),
                name: t.label().into(),
                shapes: t
                    .shapes()
                    .iter()
                    .map(|s: &Shape| api::ShapeItem {
                        code: s.as_str().into(),
                        name: s.label().into(),
                        sizes_mm: s
                            .sizes()
                            .iter()
                            .map(|z| (z.width_mm, z.height_mm))
                            .collect(),
                    })
                    .collect(),
            })
            .collect()
    }

    fn use_grant_item(&self, g: &SealUseGrantRow) -> Result<api::SealGrantItem, ApiError> {
        let domain = use_grant(g)?;
        Ok(api::SealGrantItem {
            id: g.id.clone(),
            seal_type: g.seal_type.clone(),
            seal_type_name: SealType::parse(&g.seal_type)
                .map_or_else(String::new, |t| t.label().into()),
            name: g.name.clone(),
            id_number_masked: mask_id(&g.id_number),
            period: (g.period_start, g.period_end),
            reason: g.reason.clone(),
            matters: match &domain.scope {
                Scope::AllBusiness => vec!["all".into()],
                Scope::Precise(codes) => codes.clone(),
            },
            uses_total: u32::try_from(g.uses_total).unwrap_or(0),
            uses_left: domain.uses_left,
            status: domain.status(Timestamp(self.now())).as_str().into(),
        })
    }

    /// What the actor manages: everything as legal representative, its types as seal admin.
    async fn manager(&self, tx: &mut Transaction, actor: &Actor) -> Result<SealManager, ApiError> {
        if actor.role == Role::LegalRepresentative {
            return Ok(SealManager::LegalRepresentative);
        }
        let types: Vec<SealType> = tx
            .live_seal_admins(&actor.license.uscc)
            .await?
            .iter()
            .filter(|a| a.id_number == actor.license.id_number)
            .filter_map(|a| SealType::parse(&a.seal_type))
            .collect();
        if types.is_empty() {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "seal.not_a_manager",
                "只有法定代表人或印章管理员可以管理印章授权。",
            ));
        }
        Ok(SealManager::SealAdmin(types))
    }

    async fn audit(
        &self,
        tx: &mut Transaction,
        actor: &Actor,
        action: &str,
        uscc: &str,
        detail: serde_json::Value,
    ) -> Result<(), ApiError> {
        let who = format!("license:{}", actor.license.serial);
        crate::audit::record(&self.db, tx, self.now(), (&who, action, uscc), &detail).await
    }

    /// Take one use of a seal use grant for `matter` now (R16): atomically, so concurrent
    /// signatures never take more uses than granted. The refusal says why.
    pub async fn take_use(&self, grant_id: &str, matter: &str) -> Result<u32, ApiError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let g = tx
            .seal_use_grant(grant_id)
            .await?
            .ok_or_else(|| ApiError::not_found("seal.grant_not_found", "未找到该印章使用授权。"))?;
        let domain = use_grant(&g)?;
        domain.check_use(matter, Timestamp(now))?;
        if !tx.take_seal_use(grant_id, now).await? {
            return Err(rules::SealError::NoUsesLeft.into());
        }
        tx.commit().await?;
        Ok(domain.uses_left.saturating_sub(1))
    }

    /// The status of a seal use grant now, for collected seals: usable only while active.
    pub async fn use_grant_status(&self, grant_id: &str) -> Result<GrantStatus, ApiError> {
        let mut tx = self.db.read().await?;
        let g = tx
            .seal_use_grant(grant_id)
            .await?
            .ok_or_else(|| ApiError::not_found("seal.grant_not_found", "未找到该印章使用授权。"))?;
        Ok(use_grant(&g)?.status(Timestamp(self.now())))
    }
}

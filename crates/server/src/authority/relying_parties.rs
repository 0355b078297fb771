//! Relying parties (一次验证、全网通用): a trading platform, or any other service that asks wallets
//! for license proofs, registers with the authority: its name, the matters it may ask for, and
//! its signing key. The authority issues it a certificate carrying the name and the matters, so
//! a wallet can show who really asks and refuse a request for a matter the party may not ask.
//! A second platform (another city) registers the same way and uses the same licenses.

use super::*;
use yizhao_store::RelyingPartyRow;

/// A registered relying party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty {
    /// Id (also in its certificate).
    pub id: String,
    /// Registered name.
    pub name: String,
    /// Matter codes it may ask for.
    pub matters: Vec<String>,
    /// Its certificate (DER), issued by the authority's issuing CA.
    pub certificate: Vec<u8>,
}

impl Authority {
    /// Register a relying party, or return the existing registration of that name if it has
    /// the same key (so a service can register itself at every start).
    pub async fn register_relying_party(
        &self,
        name: &str,
        matters: &[String],
        signing_key_spki: &[u8],
    ) -> Result<RelyingParty, ApiError> {
        let name = yizhao_domain::text::ORGANIZATION_NAME
            .named("应用名称")
            .check(name)
            .map_err(|e| match e {
                yizhao_domain::text::TextError::Empty(_) => {
                    ApiError::bad_request("rp.name", "请填写应用名称（不超过100个字）。")
                }
                e => e.into(),
            })?;
        let name = name.as_str();
        let scope = Scope::precise(matters)?;
        let Scope::Precise(matters) = scope else {
            unreachable!("Scope::precise returns a precise scope")
        };
        let key = PublicKey::from_spki_der(signing_key_spki)
            .ok()
            .filter(|k| k.suite() == SuiteId::Gm)
            .ok_or_else(|| ApiError::bad_request("rp.key", "应用签名公钥无效（应为SM2公钥）。"))?;
        let mut tx = self.db.begin().await?;
        if let Some(existing) = tx.relying_party_by_name(name).await? {
            if existing.public_key == signing_key_spki && existing.revoked_at.is_none() {
                let matters: Vec<String> =
                    serde_json::from_str(&existing.matters).map_err(|e| ApiError::internal(&e))?;
                return Ok(RelyingParty {
                    id: existing.id,
                    name: existing.name,
                    matters,
                    certificate: existing.certificate,
                });
            }
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "rp.name_taken",
                "该应用名称已被登记。",
            ));
        }
        let now = self.now();
        let id = random_hex(self.rng.as_ref(), 12);
        let mut r = PortRng(self.rng.as_ref());
        let ext = |oid, v: &str| x509::Extension::utf8(oid, v).map_err(|e| ApiError::internal(&e));
        let params = CertificateParams {
            subject: DistinguishedName {
                country: Some("CN".into()),
                organization: Some(name.to_owned()),
                organizational_unit: Some("依赖方".into()),
                common_name: name.to_owned(),
                serial_number: None,
            },
            serial: x509::random_serial(&mut r),
            not_before: u64::try_from(now - 60).unwrap_or(0),
            not_after: u64::try_from(now + 5 * 365 * 86_400).unwrap_or(0),
            kind: CertKind::Signing,
            extensions: vec![
                ext(ext::rp_id(), &id)?,
                ext(ext::rp_matters(), &matters.join(","))?,
            ],
        };
        let cert = Certificate::issue(
            &params,
            &key,
            Issuer::Ca {
                cert: &self.keys.issuing,
                key: &self.keys.issuing_key,
            },
        )
        .map_err(|e| ApiError::internal(&e))?;
        let row = RelyingPartyRow {
            id: id.clone(),
            name: name.to_owned(),
            matters: serde_json::to_string(&matters).map_err(|e| ApiError::internal(&e))?,
            public_key: signing_key_spki.to_vec(),
            certificate: cert.to_der().to_vec(),
            registered_at: now,
            revoked_at: None,
        };
        tx.insert_relying_party(&row).await?;
        self.audit(
            &mut tx,
            "operator",
            "relying_party.register",
            "",
            serde_json::json!({ "rp": id, "name": name, "matters": matters }),
        )
        .await?;
        tx.commit().await?;
        Ok(RelyingParty {
            id,
            name: name.to_owned(),
            matters,
            certificate: row.certificate,
        })
    }
}

//! Requests made with a license (single-use challenge, signature, usability), and the grants
//! they manage: admins (R5) and agent authorizations (R6, R8), run by [`super::actions`].

use super::*;

/// The scope a grant's `mode` (`all` or `precise`) and matters give (R6, R16).
pub(crate) fn scope_of_mode(mode: &str, matters: &[String]) -> Result<Scope, ApiError> {
    match mode {
        "all" => Ok(Scope::AllBusiness),
        "precise" => Ok(Scope::precise(matters)?),
        _ => Err(ApiError::bad_request(
            "request.mode",
            "授权方式应为全业务授权（all）或精准授权（precise）。",
        )),
    }
}

impl Authority {
    /// A fresh single-use challenge for a license proof, for a client at `addr` (rate-limited
    /// per address; `None`: the services' own use).
    pub async fn challenge(
        &self,
        addr: Option<std::net::IpAddr>,
    ) -> Result<api::Challenge, ApiError> {
        if let Some(a) = addr {
            self.challenges.check(&a)?;
        }
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
    pub(super) fn check_certificate(&self, der: &[u8], now: i64) -> Result<Certificate, ApiError> {
        let cert = Certificate::from_der(der)
            .map_err(|_| yizhao_credential::CredentialError::LicenseInvalid("无法解析"))?;
        self.check_parsed_certificate(&cert, der, now)?;
        Ok(cert)
    }

    /// [`Authority::check_certificate`] for a certificate parsed already (`cert`, from `der`).
    pub(super) fn check_parsed_certificate(
        &self,
        cert: &Certificate,
        der: &[u8],
        now: i64,
    ) -> Result<(), ApiError> {
        let issuing_key = self
            .keys
            .issuing
            .public_key()
            .map_err(|e| ApiError::internal(&e))?;
        let at = u64::try_from(now).unwrap_or(0);
        Ok(yizhao_credential::check_license(
            cert,
            &self.keys.issuing,
            at,
            |cert| {
                self.verified
                    .check(der, || cert.verify_signed_by(&issuing_key))
                    .is_ok()
            },
        )?)
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
        // A license acts for its own entity only: its requests take turns, so that counts the
        // rules cap (R5, R16) hold under concurrent requests on PostgreSQL too.
        tx.lock_entity(&license.uscc).await?;
        let role = Role::parse(&license.role).ok_or_else(|| ApiError::internal(&"bad role"))?;
        Ok(Actor { license, role })
    }

    /// The role the person with `id_number` holds in the entity `uscc` now: its legal
    /// representative (per the registry), or a live license admin or agent grant; `None` if
    /// neither. Other services use it to check that a person "holds a license authorization"
    /// of the entity (R15, R16).
    pub async fn person_role(
        &self,
        tx: &mut Transaction,
        uscc: &str,
        id_number: &str,
    ) -> Result<Option<Role>, ApiError> {
        if tx
            .enterprise(uscc)
            .await?
            .is_some_and(|e| e.lr_id_number == id_number)
        {
            return Ok(Some(Role::LegalRepresentative));
        }
        let now = Timestamp(self.now());
        for g in tx.live_grants_of_person(id_number).await? {
            if g.uscc != uscc {
                continue;
            }
            let period = match (g.period_start, g.period_end) {
                (Some(s), Some(e)) => Some(Period::new(Timestamp(s), Timestamp(e))?),
                _ => None,
            };
            let status = rules::GrantStatus::at(period, g.revoked_at.map(Timestamp), now);
            if matches!(
                status,
                rules::GrantStatus::Active | rules::GrantStatus::NotYetEffective
            ) && let Some(role) = Role::parse(&g.role)
            {
                return Ok(Some(role));
            }
        }
        Ok(None)
    }

    /// The registry entry of the entity `uscc`, if it is in the registry.
    pub async fn enterprise(
        &self,
        tx: &mut Transaction,
        uscc: &str,
    ) -> Result<Option<yizhao_store::EnterpriseRow>, ApiError> {
        Ok(tx.enterprise(uscc).await?)
    }

    /// Refuses an actor whose license is not of the entity `uscc`.
    pub fn own_entity(&self, actor: &Actor, uscc: &str) -> Result<(), ApiError> {
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

    pub(super) async fn list(
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
    pub(super) async fn add_grant(
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

    pub(super) async fn revoke(
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
            return Err(AuthorityError::AlreadyRevoked.into());
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
}

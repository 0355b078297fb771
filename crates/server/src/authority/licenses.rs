//! License download and the licenses of a locality (R2, R3, R7).

use super::*;

impl Authority {
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
        // The expensive parts (SM2 verify and sign) run outside the write transaction, so
        // writers hold the database only for the inserts.
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
        let mut tx = self.db.read().await?;
        let p = self.person(&mut tx, token).await?;
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
        drop(tx);
        let license_id = hex::encode(&serial);
        let row = LicenseRow {
            serial: license_id.clone(),
            uscc: entity.uscc.clone(),
            id_number: p.id_number.clone(),
            role: role.as_str().into(),
            grant_id: grant.as_ref().map(|g| g.id.clone()),
            device_key: req.device_public_key.clone(),
            certificate: cert.to_der().to_vec(),
            issued_at: now,
            revoked_at: None,
        };
        let audit = AuditEntry {
            at: now,
            actor: format!("realname:{}", p.id),
            action: "license.download".into(),
            entity: entity.uscc.clone(),
            detail: serde_json::json!({ "license": license_id, "role": role.as_str() }).to_string(),
        };
        self.license_writer.write(row, audit).await?;
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
    pub(super) async fn license_grant(
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
}

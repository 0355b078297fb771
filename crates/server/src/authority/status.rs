//! Credential status (OCSP-like, signed) and the built-in outbox.

use super::*;

impl Authority {
    /// Credential status (OCSP-like): is this license usable now, for this matter? Signed.
    pub async fn status(&self, req: &api::StatusRequest) -> Result<api::StatusResponse, ApiError> {
        let body = self.license_status(req).await?;
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

    /// The same answer unsigned, for services in this process that call the authority's Rust
    /// API directly (a signature nobody verifies would cost an SM2 signing per call).
    pub async fn license_status(
        &self,
        req: &api::StatusRequest,
    ) -> Result<api::StatusBody, ApiError> {
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
        Ok(body)
    }

    /// The built-in outbox of a phone (only when the built-in identity proofing is on).
    pub async fn outbox(&self, phone: &str) -> Result<Vec<api::OutboxMessage>, ApiError> {
        if !self.proofing.readable_outbox() || !self.config.expose_outbox {
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
}

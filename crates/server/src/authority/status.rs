//! Credential status (OCSP-like, signed) and the built-in outbox.

use super::*;
use yizhao_domain::authority::{CredentialStatus, Refusal};

impl Authority {
    /// Credential status (OCSP-like): is this license usable now, for this matter? Signed.
    /// The one place the domain answer becomes the wire body.
    pub async fn status(&self, req: &api::StatusRequest) -> Result<api::StatusResponse, ApiError> {
        let now = self.now();
        let status = match Certificate::from_der(&req.certificate) {
            Ok(cert) => {
                self.credential_status(&cert, &req.certificate, req.matter.as_deref())
                    .await?
            }
            Err(_) => unknown(
                None,
                yizhao_credential::CredentialError::LicenseInvalid("无法解析").into(),
            ),
        };
        let body = status_body(&status, req.matter.clone(), now);
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

    /// The status of the license certificate `cert` (parsed from `der`) now, for `matter`, as
    /// the services in this process ask it: unsigned (a signature nobody verifies would cost an
    /// SM2 signing per call) and as a domain value.
    pub async fn credential_status(
        &self,
        cert: &Certificate,
        der: &[u8],
        matter: Option<&str>,
    ) -> Result<CredentialStatus, ApiError> {
        let now = self.now();
        if let Err(e) = self.check_parsed_certificate(cert, der, now) {
            return Ok(unknown(None, e));
        }
        let serial = hex::encode(cert.serial());
        let mut tx = self.db.read().await?;
        let Some(l) = tx.license(&serial).await? else {
            return Ok(unknown(
                Some(serial),
                ApiError::unauthorized("auth.certificate_invalid", "未找到该执照的下载记录。"),
            ));
        };
        let g = self.license_grant(&mut tx, &l).await?;
        Ok(CredentialStatus::Known {
            license_id: l.serial,
            uscc: l.uscc,
            role: g.role,
            status: g.status(Timestamp(now)),
            refusal: g.check_use(matter, Timestamp(now)).err(),
        })
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

fn unknown(license_id: Option<String>, why: ApiError) -> CredentialStatus {
    CredentialStatus::Unknown {
        license_id,
        refusal: Refusal {
            code: why.code,
            message: why.message,
        },
    }
}

/// The wire body of a status answer.
fn status_body(s: &CredentialStatus, matter: Option<String>, now: i64) -> api::StatusBody {
    let reason = s.usable().err().map(|r| ErrorBody {
        code: r.code,
        message: r.message,
    });
    let (license_id, uscc, role) = match s {
        CredentialStatus::Unknown { license_id, .. } => {
            (license_id.clone().unwrap_or_default(), String::new(), "")
        }
        CredentialStatus::Known {
            license_id,
            uscc,
            role,
            ..
        } => (license_id.clone(), uscc.clone(), role.as_str()),
    };
    api::StatusBody {
        license_id,
        uscc,
        role: role.into(),
        status: s.status_name().into(),
        matter,
        usable: reason.is_none(),
        reason,
        produced_at: now,
    }
}

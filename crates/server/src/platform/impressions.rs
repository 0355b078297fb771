//! QR requests of kind `impression` (R13; SYSTEM.md §4): the member's PC page prepares an
//! impression and asks the phone to sign its upload. The request carries the upload and a
//! license-authority challenge; the phone shows the picture and what it is for, and answers with
//! its license's signature over the seal authority's `impressions.upload` action. The platform
//! checks that signature, then hands the signed upload to the seal authority, which checks it
//! again as if the phone had sent it (license, entity, role, terms, picture) and stores it for
//! review. The request completes with the answer (no short code: nothing is granted to the PC
//! session) or is refused with the seal authority's reason, shown on both screens.

use yizhao_domain::qr::{QrKind, QrRequest, QrState};
use yizhao_gm::x509::Certificate;
use yizhao_proto::action::{Action as _, ImpressionsUpload};
use yizhao_proto::authority::{Signed, proof_message};
use yizhao_proto::qr::{QrAnswer, QrRequestBody, QrStatus};
use yizhao_proto::seal::{ImpressionQrAnswer, ImpressionQrPayload, UploadImpression};
use yizhao_store::QrRow;

use super::{Platform, qr_error, session_hash, to_row};
use crate::error::ApiError;

fn bad_payload(message: &str) -> ApiError {
    ApiError::bad_request("qr.bad_payload", message)
}

fn not_impression() -> ApiError {
    ApiError::bad_request("qr.kind", "这不是印模上传的二维码。")
}

/// The payload of a stored request of kind `impression`.
fn payload_of(row: &QrRow) -> Result<ImpressionQrPayload, ApiError> {
    let body: QrRequestBody =
        serde_json::from_str(&row.body).map_err(|e| ApiError::internal(&e))?;
    serde_json::from_value(body.payload).map_err(|e| ApiError::internal(&e))
}

impl Platform {
    fn seal_authority(&self) -> Result<&crate::seal::Seals, ApiError> {
        self.seals.as_deref().ok_or_else(|| {
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "seal.unavailable",
                "电子印章系统暂不可用，请稍后再试。",
            )
        })
    }

    /// A QR request asking the phone to sign `upload` for the entity of the member session
    /// `member_token` (its `uscc` is set to that entity), bound to the browser `session`.
    pub async fn create_impression_qr(
        &self,
        session: &str,
        member_token: &str,
        mut upload: UploadImpression,
    ) -> Result<QrStatus, ApiError> {
        self.seal_authority()?;
        let me = self.me(member_token).await?;
        if me.state != "active" {
            return Err(ApiError::new(
                axum::http::StatusCode::FORBIDDEN,
                "member.not_registered",
                "请先完成主体注册，再上传印模。",
            ));
        }
        upload.uscc = me.uscc;
        let upload = serde_json::to_string(&upload).map_err(|e| ApiError::internal(&e))?;
        self.impression_qr(session, upload).await
    }

    /// A new request with the upload of an earlier one of the same browser `session` (the QR
    /// expired or was refused), with a fresh challenge.
    pub async fn renew_impression_qr(
        &self,
        session: &str,
        member_token: &str,
        from: &str,
    ) -> Result<QrStatus, ApiError> {
        self.me(member_token).await?;
        let row = self.load(from).await?;
        let req = super::from_row(&row)?;
        if req.kind != QrKind::Impression {
            return Err(not_impression());
        }
        req.check_session(&session_hash(session))
            .map_err(qr_error)?;
        self.impression_qr(session, payload_of(&row)?.upload).await
    }

    async fn impression_qr(&self, session: &str, upload: String) -> Result<QrStatus, ApiError> {
        let challenge = self.authority.challenge().await?.challenge;
        let payload = serde_json::to_value(ImpressionQrPayload { challenge, upload })
            .map_err(|e| ApiError::internal(&e))?;
        self.create_qr_with(QrKind::Impression, session, payload)
            .await
    }

    /// The signed upload in the phone's answer, its signature checked with the answering
    /// license's key (the seal authority checks the license itself).
    pub(super) fn impression_upload(
        &self,
        row: &QrRow,
        answer: &QrAnswer,
    ) -> Result<Signed, ApiError> {
        let asked = payload_of(row)?;
        let given: ImpressionQrAnswer = serde_json::from_value(answer.payload.clone())
            .map_err(|_| bad_payload("手机的应答中没有印模签名，请更新电子营业执照后重新扫码。"))?;
        let key = Certificate::from_der(&answer.certificate)
            .and_then(|c| c.public_key())
            .map_err(|_| bad_payload("执照证书无法解析。"))?;
        key.verify(
            &proof_message(ImpressionsUpload::NAME, &asked.challenge, &asked.upload),
            &given.upload_signature,
        )
        .map_err(|_| ApiError::bad_request("qr.bad_signature", "印模签名无效，请重新扫码。"))?;
        Ok(Signed {
            action: ImpressionsUpload::NAME.into(),
            payload: asked.upload,
            challenge: asked.challenge,
            certificate: answer.certificate.clone(),
            signature: given.upload_signature,
        })
    }

    /// Hand the signed upload of the completed request (`done`, stored as `row`) to the seal
    /// authority; if it refuses, the request becomes refused with its reason.
    pub(super) async fn send_impression(
        &self,
        row: &QrRow,
        done: &QrRequest,
        upload: &Signed,
    ) -> Result<(), ApiError> {
        let Err(e) = self.seal_authority()?.signed(upload).await else {
            return Ok(());
        };
        let refused = QrRequest {
            state: QrState::Refused {
                reason: e.code.clone(),
            },
            ..done.clone()
        };
        let to = to_row(
            &refused,
            row.body.clone(),
            row.signature.clone(),
            (Some(e.code.clone()), Some(e.message.clone())),
        );
        let mut tx = self.db.begin_one().await?;
        tx.update_qr_state(row, &to).await?;
        Err(e)
    }
}

//! QR requests of kind `impression` (R13; SYSTEM.md §4): the member's PC page prepares an
//! impression and asks the phone to sign its upload. The request carries the upload and a
//! license-authority challenge; the phone shows the picture and what it is for, and answers with
//! its license's signature over the seal authority's `impressions.upload` action. The platform
//! checks that signature, then hands the signed upload to the seal authority inside the
//! transaction that records the answer; the seal authority checks it again as if the phone had
//! sent it (license, entity, role, terms, picture) and stores it for review. The request
//! completes with the answer (no short code: nothing is granted to the PC session) or is refused
//! with the seal authority's reason, shown on both screens; if storing fails, nothing is kept
//! and the request can still be answered.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use yizhao_domain::qr::QrKind;
use yizhao_gm::x509::Certificate;
use yizhao_proto::action::{Action as _, ImpressionsUpload};
use yizhao_proto::authority::{Signed, proof_message};
use yizhao_proto::qr::{QrAnswer, QrRequestBody, QrStatus};
use yizhao_proto::seal::{ImpressionQrAnswer, ImpressionQrPayload, UploadImpression};
use yizhao_store::{QrRow, Transaction};

use super::{CreateQr, QrFlow};
use crate::error::ApiError;
use crate::platform::{Platform, from_row, members, qr_error, session_hash};
use crate::seal::Seals;

fn bad_payload(message: &str) -> ApiError {
    ApiError::bad_request("qr.bad_payload", message)
}

/// The payload of a stored request of kind `impression`.
fn payload_of(row: &QrRow) -> Result<ImpressionQrPayload, ApiError> {
    let body: QrRequestBody =
        serde_json::from_str(&row.body).map_err(|e| ApiError::internal(&e))?;
    serde_json::from_value(body.payload).map_err(|e| ApiError::internal(&e))
}

/// The impression-upload flow: uploads go to the seal authority.
pub(crate) struct Impression {
    /// The seal authority that takes the uploads.
    pub(crate) seals: Arc<Seals>,
}

impl Impression {
    /// The signed upload in the phone's answer, its signature checked with the answering
    /// license's key (the seal authority checks the license itself).
    fn upload(row: &QrRow, answer: &QrAnswer) -> Result<Signed, ApiError> {
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
}

impl QrFlow for Impression {
    fn kind(&self) -> QrKind {
        QrKind::Impression
    }

    /// Made again from an earlier request of the same browser (`asked.from`), with its upload
    /// and a fresh challenge. The first request of an upload is made by the `/seals/impression`
    /// page ([`Platform::create_impression_qr`]).
    fn create<'a>(
        &'a self,
        p: &'a Platform,
        asked: &'a CreateQr,
    ) -> BoxFuture<'a, Result<QrStatus, ApiError>> {
        Box::pin(async move {
            let member = asked.member.as_deref().ok_or_else(members::not_logged_in)?;
            let from = asked
                .from
                .as_deref()
                .ok_or_else(|| bad_payload("请先在印模上传页面预览印模。"))?;
            p.me(member).await?;
            let row = p.load(from).await?;
            let req = from_row(&row)?;
            if req.kind != QrKind::Impression {
                return Err(ApiError::bad_request("qr.kind", "这不是印模上传的二维码。"));
            }
            req.check_session(&session_hash(&asked.session))
                .map_err(qr_error)?;
            p.impression_qr(&asked.session, payload_of(&row)?.upload)
                .await
        })
    }

    fn check_answer(&self, _: &Platform, row: &QrRow, answer: &QrAnswer) -> Result<(), ApiError> {
        Self::upload(row, answer).map(drop)
    }

    fn acts_on_answer(&self) -> bool {
        true
    }

    fn answered<'a>(
        &'a self,
        _: &'a Platform,
        tx: &'a mut Transaction,
        row: &'a QrRow,
        answer: &'a QrAnswer,
    ) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async move {
            let upload = Self::upload(row, answer)?;
            self.seals.signed_in(tx, &upload).await.map(drop)
        })
    }
}

impl Platform {
    /// A QR request asking the phone to sign `upload` for the entity of the member session
    /// `member_token` (its `uscc` is set to that entity), bound to the browser `session`.
    pub async fn create_impression_qr(
        &self,
        session: &str,
        member_token: &str,
        mut upload: UploadImpression,
    ) -> Result<QrStatus, ApiError> {
        self.flows.get(QrKind::Impression)?;
        let me = self.me(member_token).await?;
        if me.state != yizhao_domain::member::MemberSessionState::Active {
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

    async fn impression_qr(&self, session: &str, upload: String) -> Result<QrStatus, ApiError> {
        let challenge = self.authority.challenge(None).await?.challenge;
        let payload = serde_json::to_value(ImpressionQrPayload { challenge, upload })
            .map_err(|e| ApiError::internal(&e))?;
        self.create_qr_with(QrKind::Impression, session, payload)
            .await
    }
}

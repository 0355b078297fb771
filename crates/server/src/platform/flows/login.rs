//! QR requests of kind `login` (SYSTEM.md §4): the PC page asks, the phone answers with the
//! license proof alone (no payload), and the PC user confirms the short code both screens show;
//! the completed request opens the member session ([`Platform::confirm_qr`],
//! [`Platform::login_member`]).

use futures_util::future::BoxFuture;
use yizhao_domain::qr::QrKind;
use yizhao_proto::qr::{QrAnswer, QrStatus};
use yizhao_store::{QrRow, Transaction};

use super::{CreateQr, QrFlow};
use crate::error::ApiError;
use crate::platform::Platform;

/// The login flow.
pub(crate) struct Login;

impl QrFlow for Login {
    fn kind(&self) -> QrKind {
        QrKind::Login
    }

    fn create<'a>(
        &'a self,
        p: &'a Platform,
        asked: &'a CreateQr,
    ) -> BoxFuture<'a, Result<QrStatus, ApiError>> {
        Box::pin(p.create_qr_with(QrKind::Login, &asked.session, serde_json::Value::Null))
    }

    fn check_answer(&self, _: &Platform, _: &QrRow, answer: &QrAnswer) -> Result<(), ApiError> {
        // A login asks for the proof alone: anything else is an answer to another question.
        if !answer.payload.is_null() {
            return Err(ApiError::bad_request(
                "qr.bad_payload",
                "登录应答不应携带其他内容，请使用电子营业执照重新扫码。",
            ));
        }
        Ok(())
    }

    fn acts_on_answer(&self) -> bool {
        false
    }

    fn answered<'a>(
        &'a self,
        _: &'a Platform,
        _: &'a mut Transaction,
        _: &'a QrRow,
        _: &'a QrAnswer,
    ) -> BoxFuture<'a, Result<(), ApiError>> {
        Box::pin(async { Ok(()) })
    }
}

//! The phone's side of the QR flows, one module per kind, each behind [`PhoneFlow`]: the
//! mirror of the platform's flows (`yizhao_server::platform::flows`). A kind reads and checks
//! the request's payload when it is scanned (before anything is shown), says which licenses may
//! answer, and signs the answer with the payload its kind carries. A kind with no flow here is
//! refused when it is scanned.
//!
//! Adding a flow (e.g. signing) means one module here implementing [`PhoneFlow`], read in
//! [`read`], beside its server module.

pub(crate) mod impression;
pub(crate) mod login;

use std::sync::Arc;

use yizhao_domain::qr::QrKind;

use super::kind_name;
use crate::error::{Result, WalletError};
use crate::flows::Wallet;
use crate::home::StoredLicense;

/// What a request of one kind asks the phone, read and checked, and how to answer it.
pub(crate) trait PhoneFlow: std::fmt::Debug + Send + Sync {
    /// Whether a license of the entity `uscc` may answer.
    fn may_answer(&self, uscc: &str) -> bool;

    /// The answer's signature over `msg` (the request's `qr_answer_message`) and the payload
    /// its kind carries, made with the license `lic`.
    fn sign(
        &self,
        wallet: &Wallet,
        lic: &StoredLicense,
        password: &crate::Password,
        msg: &[u8],
    ) -> Result<(Vec<u8>, serde_json::Value)>;

    /// What the phone shows once its answer is accepted.
    fn done_title(&self) -> &'static str;

    /// For an impression upload: what the phone shows before it signs.
    fn impression(&self) -> Option<&impression::ImpressionAsked> {
        None
    }
}

/// The flow of a request of `kind` with `payload`, checked; a kind with no flow here is refused.
pub(crate) fn read(kind: &str, payload: serde_json::Value) -> Result<Arc<dyn PhoneFlow>> {
    match QrKind::parse(kind) {
        Some(QrKind::Login) => Ok(Arc::new(login::Login::read(payload)?)),
        Some(QrKind::Impression) => Ok(Arc::new(impression::ImpressionAsked::read(payload)?)),
        _ => Err(WalletError::Input(format!(
            "本钱包暂不支持{}请求",
            kind_name(kind)
        ))),
    }
}

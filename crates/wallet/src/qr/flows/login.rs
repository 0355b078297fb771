//! Kind `login`: the license proof alone.

use super::PhoneFlow;
use crate::error::{Result, WalletError};
use crate::flows::Wallet;
use crate::home::StoredLicense;

/// A login request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Login;

impl Login {
    /// A login asks for nothing but the proof: a payload means another question.
    pub(crate) fn read(payload: serde_json::Value) -> Result<Login> {
        if !payload.is_null() {
            return Err(WalletError::Format(
                "二维码请求无效: 登录请求不应携带其他内容".into(),
            ));
        }
        Ok(Login)
    }
}

impl PhoneFlow for Login {
    fn may_answer(&self, _: &str) -> bool {
        true
    }

    fn sign(
        &self,
        wallet: &Wallet,
        lic: &StoredLicense,
        password: &crate::Password,
        msg: &[u8],
    ) -> Result<(Vec<u8>, serde_json::Value)> {
        let signature = wallet
            .home()
            .sign_with_license(&lic.license_id, password, msg)?;
        Ok((signature, serde_json::Value::Null))
    }

    fn done_title(&self) -> &'static str {
        // Not yet 登录成功: the login completes when the PC confirms the 确认码.
        "手机已确认"
    }
}

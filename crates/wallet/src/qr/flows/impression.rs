//! Kind `impression` (R13): the PC page asks the phone to sign an impression upload for the
//! uploading entity; the phone checks the design and the picture as its own editor would, shows
//! them, and answers with the license's signature over the seal authority's
//! `impressions.upload` action beside the proof.

use serde::Serialize;
use yizhao_impression::form::{self, Design};
use yizhao_proto::action::{Action as _, ImpressionsUpload};
use yizhao_proto::authority::proof_message;
use yizhao_proto::seal::{ImpressionQrAnswer, ImpressionQrPayload, UploadImpression};

use super::PhoneFlow;
use crate::error::{Result, WalletError};
use crate::flows::Wallet;
use crate::home::StoredLicense;

/// The impression upload a PC page asks this phone to sign (kind `impression`), checked: a
/// design of the catalogue and a picture that passes the quality checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImpressionAsked {
    /// The entity the upload is for.
    pub uscc: String,
    /// Seal type name, e.g. 投标专用章.
    pub seal_type_name: String,
    /// Shape name, e.g. 圆形.
    pub shape_name: String,
    /// Size, e.g. `40×40 mm`.
    pub size: String,
    /// The processed picture (PNG).
    #[serde(skip)]
    pub picture: Vec<u8>,
    /// The challenge the upload is signed over.
    #[serde(skip)]
    challenge: String,
    /// The upload's JSON text, exactly as signed.
    #[serde(skip)]
    upload_json: String,
}

impl ImpressionAsked {
    /// Read and check the payload of a request of kind `impression`.
    pub(crate) fn read(payload: serde_json::Value) -> Result<ImpressionAsked> {
        let bad = |m: &str| WalletError::Format(format!("印模上传请求无效: {m}"));
        let asked: ImpressionQrPayload =
            serde_json::from_value(payload).map_err(|_| bad("内容无法解析"))?;
        let upload: UploadImpression =
            serde_json::from_str(&asked.upload).map_err(|_| bad("印模内容无法解析"))?;
        let design = Design::new(
            &upload.seal_type,
            &upload.shape,
            upload.width_mm,
            upload.height_mm,
        )?;
        form::accept(&upload.picture, &design)?;
        if !upload.accepted_terms {
            return Err(bad("未同意电子印章制作与使用须知"));
        }
        Ok(ImpressionAsked {
            uscc: upload.uscc,
            seal_type_name: design.seal_type.label().to_owned(),
            shape_name: design.shape.label().to_owned(),
            size: format!("{}×{} mm", design.width_mm, design.height_mm),
            picture: upload.picture,
            challenge: asked.challenge,
            upload_json: asked.upload,
        })
    }
}

impl PhoneFlow for ImpressionAsked {
    fn may_answer(&self, uscc: &str) -> bool {
        self.uscc == uscc
    }

    fn sign(
        &self,
        wallet: &Wallet,
        lic: &StoredLicense,
        password: &crate::Password,
        msg: &[u8],
    ) -> Result<(Vec<u8>, serde_json::Value)> {
        if !self.may_answer(&lic.uscc) {
            return Err(WalletError::Input(format!(
                "请选择 {} 的执照签名此印模",
                self.uscc
            )));
        }
        let upload = proof_message(ImpressionsUpload::NAME, &self.challenge, &self.upload_json);
        let mut sigs =
            wallet
                .home()
                .sign_all_with_license(&lic.license_id, password, &[msg, &upload])?;
        let upload_signature = sigs.pop().unwrap_or_default();
        let signature = sigs.pop().unwrap_or_default();
        let payload = serde_json::to_value(ImpressionQrAnswer { upload_signature })
            .map_err(|e| WalletError::Format(e.to_string()))?;
        Ok((signature, payload))
    }

    fn done_title(&self) -> &'static str {
        "印模已上传，等待审核"
    }

    fn impression(&self) -> Option<&ImpressionAsked> {
        Some(self)
    }
}

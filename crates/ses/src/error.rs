//! The one error type of the seal crate.

/// Why a seal could not be built, parsed or verified.
///
/// Each variant has a stable [`SesError::code`] for pages, the wallet and API clients; the
/// `Display` text is the Chinese message shown to people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SesError {
    /// The bytes are not a GB/T 38540 seal: bad DER, wrong element count or order, a field of
    /// the wrong type, or a header ID other than "ES".
    #[error("电子印章数据格式错误：{0}")]
    Format(String),
    /// The seal is of another version than GB/T 38540-2020 v4 (a GM/T 0031-2014 seal, a v5
    /// seal, or a header version other than 4).
    #[error("不支持的电子印章版本：{0}")]
    Version(String),
    /// The signature algorithm is not SM3withSM2, or the maker's key is not an SM2 key.
    #[error("不支持的电子印章签名算法：{0}")]
    Algorithm(String),
    /// The maker's certificate cannot be parsed, or its chain was rejected.
    #[error("制章者证书无效：{0}")]
    MakerCertificate(String),
    /// The maker's certificate is listed in its issuer's certificate revocation list.
    #[error("制章者证书已被吊销，该电子印章不再可信。")]
    MakerRevoked,
    /// The certificate revocation list given for the maker's issuer is not that issuer's (or
    /// is malformed).
    #[error("证书吊销列表无效：{0}")]
    Crl(String),
    /// The certificate revocation list is out of date at the time under test (its nextUpdate
    /// is earlier), so it can't vouch that the maker is not revoked.
    #[error("证书吊销列表已过期，无法确认制章者证书未被吊销。")]
    CrlStale,
    /// The maker's signature does not verify over the seal information.
    #[error("电子印章签名验证失败，印章可能已被篡改。")]
    Signature,
    /// The time under test is before the seal's validity start.
    #[error("电子印章尚未生效。")]
    NotYetValid,
    /// The time under test is after the seal's validity end.
    #[error("电子印章已过有效期。")]
    Expired,
    /// An input to building a seal is out of range (an empty name, a period that ends before it
    /// starts, a picture that is not what its type says).
    #[error("电子印章参数错误：{0}")]
    Parameter(String),
    /// The maker's or signer's key could not sign.
    #[error("签名失败：{0}")]
    Signing(String),
    /// The signer's signature (`SES_Signature.signature`) does not verify over `toSign`.
    #[error("电子签章的签名值验证失败，签章数据可能已被篡改。")]
    SignatureValue,
    /// The signer's certificate cannot be parsed, or its chain was rejected.
    #[error("签章人证书无效：{0}")]
    SignerCertificate(String),
    /// The signer's certificate is not among the seal's holders (`certList`).
    #[error("签章人证书不在该电子印章的证书列表中，无权使用该印章。")]
    NotHolder,
    /// The digest of the original does not match `dataHash`.
    #[error("原文摘要与签章记录不符，文档可能已被篡改。")]
    DataHash,
}

impl SesError {
    /// A stable, machine-readable code (e.g. `ses.signature`).
    pub fn code(&self) -> &'static str {
        match self {
            SesError::Format(_) => "ses.format",
            SesError::Version(_) => "ses.version",
            SesError::Algorithm(_) => "ses.algorithm",
            SesError::MakerCertificate(_) => "ses.maker_certificate",
            SesError::MakerRevoked => "ses.maker_revoked",
            SesError::Crl(_) => "ses.crl_invalid",
            SesError::CrlStale => "ses.crl_stale",
            SesError::Signature => "ses.signature",
            SesError::NotYetValid => "ses.not_yet_valid",
            SesError::Expired => "ses.expired",
            SesError::Parameter(_) => "ses.parameter",
            SesError::Signing(_) => "ses.signing",
            SesError::SignatureValue => "ses.signature_value",
            SesError::SignerCertificate(_) => "ses.signer_certificate",
            SesError::NotHolder => "ses.not_holder",
            SesError::DataHash => "ses.data_hash",
        }
    }
}

impl From<der::Error> for SesError {
    fn from(e: der::Error) -> Self {
        SesError::Format(e.to_string())
    }
}

/// The crate's result type.
pub type Result<T, E = SesError> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_dotted() {
        let all = [
            SesError::Format(String::new()),
            SesError::Version(String::new()),
            SesError::Algorithm(String::new()),
            SesError::MakerCertificate(String::new()),
            SesError::MakerRevoked,
            SesError::Crl(String::new()),
            SesError::CrlStale,
            SesError::Signature,
            SesError::NotYetValid,
            SesError::Expired,
            SesError::Parameter(String::new()),
            SesError::Signing(String::new()),
            SesError::SignatureValue,
            SesError::SignerCertificate(String::new()),
            SesError::NotHolder,
            SesError::DataHash,
        ];
        let mut codes: Vec<_> = all.iter().map(SesError::code).collect();
        assert!(codes.iter().all(|c| c.starts_with("ses.")));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
    }
}

//! yizhao's credential checks, the one copy the services and the wallet share (no IO): a
//! relying party's certificate checked against the license authority's CA certificates (chain,
//! validity, its id and matters), a license certificate checked against the issuing CA, the
//! OIDs of yizhao's certificate extensions.
//!
//! The callers fetch what they check against (the CA certificates, the time) and turn a
//! [`CredentialError`] into their own error: the server into its HTTP envelope, the wallet into
//! its error for the phone's pages. The codes are the same on both sides.

use yizhao_gm::x509::{self, Certificate, Extension};

/// OIDs of yizhao's certificate extensions (under the `2.25.<uuid>` arc, see
/// [`x509::Oid::yizhao`]); each holds a UTF8String.
pub mod oid {
    use yizhao_gm::x509::Oid;

    /// A license's entity: its USCC.
    pub fn uscc() -> Oid {
        Oid::yizhao(&[1, 1])
    }
    /// A license holder's role.
    pub fn role() -> Oid {
        Oid::yizhao(&[1, 2])
    }
    /// The grant behind a license.
    pub fn grant() -> Oid {
        Oid::yizhao(&[1, 3])
    }
    /// A license's scope: `all` or the comma-separated matter codes.
    pub fn scope() -> Oid {
        Oid::yizhao(&[1, 4])
    }
    /// A license's authorization period `start-end` (Unix seconds).
    pub fn period() -> Oid {
        Oid::yizhao(&[1, 5])
    }
    /// A relying party's id.
    pub fn rp_id() -> Oid {
        Oid::yizhao(&[2, 1])
    }
    /// The comma-separated matters a relying party may ask for.
    pub fn rp_matters() -> Oid {
        Oid::yizhao(&[2, 2])
    }
}

/// Why a credential is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    /// A relying party's certificate that is not one the license authority issued to a
    /// registered relying party, or is not valid now; the text says which.
    #[error("请求方证书无效：{0}")]
    RequesterInvalid(&'static str),
    /// The relying party is not registered for the matter it asks.
    #[error("该应用未登记此事项，已拒绝。")]
    MatterNotRegistered,
    /// A license certificate that the issuing CA did not issue, or that is not valid now; the
    /// text says which.
    #[error("执照证书无效：{0}")]
    LicenseInvalid(&'static str),
}

impl CredentialError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            CredentialError::RequesterInvalid(_) => "rp.certificate_invalid",
            CredentialError::MatterNotRegistered => "rp.matter_not_registered",
            CredentialError::LicenseInvalid(_) => "auth.certificate_invalid",
        }
    }
}

/// A relying party as its certificate says, after [`verify_relying_party`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedRelyingParty {
    /// Id registered with the authority.
    pub id: String,
    /// Registered name (the certificate's common name): the one to show, never a name the
    /// request claims.
    pub name: String,
    /// Matters it may ask for.
    pub matters: Vec<String>,
}

/// Check a relying-party certificate against the authority's CA certificates at `at` (Unix
/// seconds): issued by the issuing CA (which the root issued), valid at `at`, for signing, a
/// relying party's (not a license: it carries the relying party's id and matters), and
/// registered for `matter`. Wallets run it before they show a request.
pub fn verify_relying_party(
    cert_der: &[u8],
    issuing: &Certificate,
    root: &Certificate,
    at: u64,
    matter: &str,
) -> Result<VerifiedRelyingParty, CredentialError> {
    let bad = CredentialError::RequesterInvalid;
    let cert = Certificate::from_der(cert_der).map_err(|_| bad("无法解析"))?;
    x509::verify_chain(
        &cert,
        std::slice::from_ref(issuing),
        std::slice::from_ref(root),
        at,
        x509::Usage::Signing,
        &[],
    )
    .map_err(|_| bad("不是电子营业执照系统登记的应用"))?;
    let (Some(id), Some(matters)) = (
        cert.extension(&oid::rp_id())
            .and_then(Extension::utf8_value),
        cert.extension(&oid::rp_matters())
            .and_then(Extension::utf8_value),
    ) else {
        return Err(bad("不是应用证书"));
    };
    let matters: Vec<String> = matters.split(',').map(str::to_owned).collect();
    if !matters.iter().any(|m| m == matter) {
        return Err(CredentialError::MatterNotRegistered);
    }
    Ok(VerifiedRelyingParty {
        id,
        name: cert.common_name().unwrap_or_default(),
        matters,
    })
}

/// Check a license certificate against the issuing CA at `at` (Unix seconds): it names the
/// issuing CA as its issuer, `signed_by_issuing` accepts its signature (the caller verifies it
/// with the issuing CA's key, possibly through a cache of certificates verified before), it is
/// valid at `at`, and it is no CA. Gives the parsed certificate.
pub fn check_license_certificate(
    der: &[u8],
    issuing: &Certificate,
    at: u64,
    signed_by_issuing: impl FnOnce(&Certificate) -> bool,
) -> Result<Certificate, CredentialError> {
    let cert =
        Certificate::from_der(der).map_err(|_| CredentialError::LicenseInvalid("无法解析"))?;
    check_license(&cert, issuing, at, signed_by_issuing)?;
    Ok(cert)
}

/// [`check_license_certificate`] for a certificate the caller has parsed already.
pub fn check_license(
    cert: &Certificate,
    issuing: &Certificate,
    at: u64,
    signed_by_issuing: impl FnOnce(&Certificate) -> bool,
) -> Result<(), CredentialError> {
    let bad = CredentialError::LicenseInvalid;
    if !cert.names_issuer(issuing) || !signed_by_issuing(cert) {
        return Err(bad("不是本系统签发的执照"));
    }
    let (not_before, not_after) = cert.validity();
    if at < not_before || at > not_after {
        return Err(bad("不在有效期内"));
    }
    if cert
        .basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|(ca, _)| ca)
    {
        return Err(bad("不是执照证书"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        assert_eq!(
            CredentialError::RequesterInvalid("x").code(),
            "rp.certificate_invalid"
        );
        assert_eq!(
            CredentialError::MatterNotRegistered.code(),
            "rp.matter_not_registered"
        );
        assert_eq!(
            CredentialError::LicenseInvalid("x").code(),
            "auth.certificate_invalid"
        );
        assert_eq!(
            CredentialError::LicenseInvalid("不在有效期内").to_string(),
            "执照证书无效：不在有效期内"
        );
    }
}

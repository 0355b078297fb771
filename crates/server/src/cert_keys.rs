//! Making a service's own certificates and keeping their keys sealed: what the license
//! authority's and the seal authority's key sets both do on first start.

use yizhao_gm::keystore::{KdfParams, Keystore, Password};
use yizhao_gm::x509::{
    CertKind, Certificate, CertificateParams, DistinguishedName, Issuer, random_serial,
};
use yizhao_gm::{PrivateKey, SuiteId};

use crate::error::ApiError;
use crate::rng::PortRng;

const YEAR: u64 = 365 * 86_400;

pub(crate) fn err(e: yizhao_gm::Error) -> ApiError {
    ApiError::internal(&e)
}

/// A certificate with its key.
pub(crate) struct Issued {
    pub(crate) cert: Certificate,
    pub(crate) key: PrivateKey,
}

/// A fresh key and its certificate `CN=cn, O=organization, C=CN` of `kind`, valid from an
/// hour before `now` for `years`, signed by `issuer` (self-signed if none).
pub(crate) fn issue(
    r: &mut PortRng<'_>,
    now: u64,
    organization: &str,
    (cn, kind, years): (&str, CertKind, u64),
    issuer: Option<&Issued>,
) -> Result<Issued, ApiError> {
    // The key first, then the serial: the order the services always drew them in.
    let key = PrivateKey::generate(SuiteId::Gm, r);
    let params = CertificateParams {
        subject: DistinguishedName {
            country: Some("CN".into()),
            organization: Some(organization.into()),
            organizational_unit: None,
            common_name: cn.into(),
            serial_number: None,
        },
        serial: random_serial(r),
        not_before: now.saturating_sub(3600),
        not_after: now + years * YEAR,
        kind,
        extensions: vec![],
    };
    let by = match issuer {
        Some(i) => Issuer::Ca {
            cert: &i.cert,
            key: &i.key,
        },
        None => Issuer::SelfSigned(&key),
    };
    let cert = Certificate::issue(&params, &key.public_key(), by).map_err(err)?;
    Ok(Issued { cert, key })
}

/// `key` sealed alone under `password`, stored under `name`.
pub(crate) fn seal(
    name: &str,
    key: &PrivateKey,
    password: &Password,
    kdf: KdfParams,
    r: &mut PortRng<'_>,
) -> Result<Vec<u8>, ApiError> {
    let mut ks = Keystore::new();
    ks.insert(name, key.clone());
    ks.seal(password, SuiteId::Gm, kdf, r).map_err(err)
}

/// The key `name` from a sealed keystore, with its certificate parsed.
pub(crate) fn open(
    (keystore, cert): (Vec<u8>, Vec<u8>),
    name: &str,
    password: &Password,
) -> Result<Issued, ApiError> {
    let key = Keystore::open(&keystore, password)
        .map_err(err)?
        .get(name)
        .cloned()
        .ok_or_else(|| ApiError::internal(&format!("sealed key {name} missing")))?;
    Ok(Issued {
        cert: Certificate::from_der(&cert).map_err(err)?,
        key,
    })
}

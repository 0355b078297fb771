//! What the certificate targets check parsed input against: a fixed, deterministic license
//! authority (root CA, issuing CA, a relying party's certificate) and the root's CRL. The seed
//! corpora are made from the same fixtures (`tests/it/seeds.rs`).

use std::sync::OnceLock;

use yizhao_gm::crl::Crl;
use yizhao_gm::testing::SeededRng;
use yizhao_gm::x509::{
    CertKind, Certificate, CertificateParams, DistinguishedName, Extension, Issuer, random_serial,
};
use yizhao_gm::{PrivateKey, SuiteId};

/// The fixtures' "now" (2026-11-18), the time every check runs at.
pub const NOW: u64 = 1_795_000_000;

/// One day in seconds.
pub const DAY: u64 = 86_400;

/// The matter the relying-party certificate is registered for.
pub const MATTER: &str = yizhao_domain::authority::MATTER_BIDDING;

/// A small license authority.
pub struct Pki {
    /// The self-signed root CA.
    pub root: Certificate,
    /// The root's key.
    pub root_key: PrivateKey,
    /// The issuing CA, issued by the root.
    pub issuing: Certificate,
    /// The issuing CA's key.
    pub issuing_key: PrivateKey,
    /// A relying party's signing certificate (id and matters in yizhao extensions), issued by
    /// the issuing CA.
    pub leaf: Certificate,
    /// The leaf's key.
    pub leaf_key: PrivateKey,
    /// The issuing CA's CRL, listing one serial.
    pub crl: Crl,
}

fn params(cn: &str, kind: CertKind, rng: &mut SeededRng) -> CertificateParams {
    CertificateParams {
        subject: DistinguishedName {
            country: Some("CN".into()),
            organization: Some("yizhao 电子营业执照系统".into()),
            organizational_unit: None,
            common_name: cn.into(),
            serial_number: None,
        },
        serial: random_serial(rng),
        not_before: NOW - DAY,
        not_after: NOW + 365 * DAY,
        kind,
        extensions: vec![],
    }
}

fn build() -> Result<Pki, yizhao_gm::Error> {
    let mut rng = SeededRng::new(15);
    let root_key = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let root = Certificate::issue(
        &params("yizhao 根 CA", CertKind::Ca { path_len: Some(1) }, &mut rng),
        &root_key.public_key(),
        Issuer::SelfSigned(&root_key),
    )?;
    let issuing_key = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let issuing = Certificate::issue(
        &params(
            "yizhao 签发 CA",
            CertKind::Ca { path_len: Some(0) },
            &mut rng,
        ),
        &issuing_key.public_key(),
        Issuer::Ca {
            cert: &root,
            key: &root_key,
        },
    )?;
    let leaf_key = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let mut p = params("宜昌市公共资源交易平台", CertKind::Signing, &mut rng);
    p.subject.serial_number = Some("91420500MA000RP01X".into());
    p.extensions.push(Extension::utf8(
        yizhao_credential::oid::rp_id(),
        "yichang-ggzy",
    )?);
    p.extensions.push(Extension::utf8(
        yizhao_credential::oid::rp_matters(),
        &format!("{MATTER},egov.tax.filing"),
    )?);
    let leaf = Certificate::issue(
        &p,
        &leaf_key.public_key(),
        Issuer::Ca {
            cert: &issuing,
            key: &issuing_key,
        },
    )?;
    let crl = Crl::issue(
        &issuing,
        &issuing_key,
        NOW - DAY,
        NOW + 7 * DAY,
        &[(leaf.serial(), NOW - 60)],
    )?;
    Ok(Pki {
        root,
        root_key,
        issuing,
        issuing_key,
        leaf,
        leaf_key,
        crl,
    })
}

/// The fixed license authority, made once.
pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| match build() {
        Ok(pki) => pki,
        Err(e) => panic!("the fuzz fixtures could not be made: {e}"),
    })
}

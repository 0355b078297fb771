//! Certificates: build, parse, verify chains; refusals.

use der::asn1::OctetString;
use yizhao_gm::x509::{
    CertKind, Certificate, CertificateParams, DistinguishedName, Extension, Issuer, Oid, Usage,
    random_serial, verify_chain,
};
use yizhao_gm::{ChainError, Error, PrivateKey, SuiteId};

use crate::TestRng;

pub const NOW: u64 = 1_795_000_000; // 2026-11-18
const DAY: u64 = 86_400;

pub struct Pki {
    pub root_key: PrivateKey,
    pub root: Certificate,
    pub ca_key: PrivateKey,
    pub ca: Certificate,
    pub leaf_key: PrivateKey,
    pub leaf: Certificate,
}

pub fn params(cn: &str, kind: CertKind, rng: &mut TestRng) -> CertificateParams {
    CertificateParams {
        subject: DistinguishedName {
            country: Some("CN".into()),
            organization: Some("宜昌市示范建设工程有限公司".into()),
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

pub fn pki(suite: SuiteId, seed: u64) -> Pki {
    let mut rng = TestRng::new(seed);
    let root_key = PrivateKey::generate(suite, &mut rng);
    let root = Certificate::issue(
        &params(
            "yizhao 电子营业执照根 CA",
            CertKind::Ca { path_len: Some(1) },
            &mut rng,
        ),
        &root_key.public_key(),
        Issuer::SelfSigned(&root_key),
    )
    .unwrap();
    let ca_key = PrivateKey::generate(suite, &mut rng);
    let ca = Certificate::issue(
        &params(
            "yizhao 执照签发 CA",
            CertKind::Ca { path_len: Some(0) },
            &mut rng,
        ),
        &ca_key.public_key(),
        Issuer::Ca {
            cert: &root,
            key: &root_key,
        },
    )
    .unwrap();
    let leaf_key = PrivateKey::generate(suite, &mut rng);
    let mut p = params("张伟", CertKind::Signing, &mut rng);
    p.subject.serial_number = Some("91350100M000100Y43".into());
    p.extensions.push(Extension {
        oid: Oid::yizhao(&[1, 1]),
        critical: false,
        value: OctetString::new(b"\x0c\x0891350100".to_vec()).unwrap(),
    });
    let leaf = Certificate::issue(
        &p,
        &leaf_key.public_key(),
        Issuer::Ca {
            cert: &ca,
            key: &ca_key,
        },
    )
    .unwrap();
    Pki {
        root_key,
        root,
        ca_key,
        ca,
        leaf_key,
        leaf,
    }
}

#[test]
fn chain_verifies_for_both_suites() {
    for suite in [SuiteId::Gm, SuiteId::Intl] {
        let p = pki(suite, 1);
        let chain = verify_chain(
            &p.leaf,
            std::slice::from_ref(&p.ca),
            std::slice::from_ref(&p.root),
            NOW,
            Usage::Signing,
            &[],
        )
        .unwrap();
        assert_eq!(chain.len(), 3);
        assert_eq!(p.leaf.common_name().as_deref(), Some("张伟"));
        assert_eq!(p.leaf.public_key().unwrap(), p.leaf_key.public_key());
    }
}

#[test]
fn der_and_pem_roundtrip_with_big_arc_extension() {
    let p = pki(SuiteId::Gm, 2);
    let again = Certificate::from_der(p.leaf.to_der()).unwrap();
    assert_eq!(again, p.leaf);
    let pem = p.leaf.to_pem().unwrap();
    assert_eq!(Certificate::from_pem(&pem).unwrap(), p.leaf);
    let ext = again.extension(&Oid::yizhao(&[1, 1])).unwrap();
    assert_eq!(ext.value.as_bytes(), b"\x0c\x0891350100");
    assert!(
        ext.oid
            .to_string()
            .starts_with("2.25.308679192752447074847886750742816862233.")
    );
}

#[test]
fn oid_parse_and_print() {
    let s = "2.25.308679192752447074847886750742816862233.1.2";
    let oid = Oid::parse(s).unwrap();
    assert_eq!(oid.to_string(), s);
    assert_eq!(oid, Oid::yizhao(&[1, 2]));
    assert!(oid.starts_with(&Oid::yizhao(&[])));
    assert_eq!(
        Oid::parse("1.2.156.10197.1.501").unwrap().to_string(),
        "1.2.156.10197.1.501"
    );
    assert!(Oid::parse("3.1").is_err());
    assert!(Oid::parse("1.40").is_err());
    assert!(Oid::parse("1").is_err());
}

#[test]
fn expired_and_not_yet_valid_refused() {
    let p = pki(SuiteId::Gm, 3);
    let late = verify_chain(
        &p.leaf,
        std::slice::from_ref(&p.ca),
        std::slice::from_ref(&p.root),
        NOW + 400 * DAY,
        Usage::Signing,
        &[],
    );
    assert!(matches!(late, Err(Error::Chain(ChainError::Expired(_)))));
    let early = verify_chain(
        &p.leaf,
        std::slice::from_ref(&p.ca),
        std::slice::from_ref(&p.root),
        NOW - 2 * DAY,
        Usage::Signing,
        &[],
    );
    assert!(matches!(early, Err(Error::Chain(ChainError::Expired(0)))));
}

#[test]
fn foreign_root_refused() {
    let p = pki(SuiteId::Gm, 4);
    let other = pki(SuiteId::Gm, 5);
    let r = verify_chain(
        &p.leaf,
        std::slice::from_ref(&p.ca),
        std::slice::from_ref(&other.root),
        NOW,
        Usage::Signing,
        &[],
    );
    assert!(r.is_err());
    // Same names, other keys: the intermediate of the other PKI doesn't sign our leaf.
    let r = verify_chain(
        &p.leaf,
        std::slice::from_ref(&other.ca),
        std::slice::from_ref(&other.root),
        NOW,
        Usage::Signing,
        &[],
    );
    assert!(matches!(r, Err(Error::Chain(ChainError::Signature(0)))));
}

#[test]
fn tampered_certificate_refused() {
    let p = pki(SuiteId::Gm, 6);
    // Change one byte inside the subject's common name (UTF-8 of 张伟).
    let mut der = p.leaf.to_der().to_vec();
    let needle = "张伟".as_bytes();
    let at = der.windows(needle.len()).position(|w| w == needle).unwrap();
    der[at + 2] ^= 0x01;
    let forged = Certificate::from_der(&der).unwrap();
    let r = verify_chain(
        &forged,
        std::slice::from_ref(&p.ca),
        std::slice::from_ref(&p.root),
        NOW,
        Usage::Signing,
        &[],
    );
    assert!(matches!(r, Err(Error::Chain(ChainError::Signature(0)))));
}

#[test]
fn leaf_cannot_issue() {
    let p = pki(SuiteId::Gm, 7);
    let mut rng = TestRng::new(70);
    let k = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let below_leaf = Certificate::issue(
        &params("冒充", CertKind::Signing, &mut rng),
        &k.public_key(),
        Issuer::Ca {
            cert: &p.leaf,
            key: &p.leaf_key,
        },
    )
    .unwrap();
    let r = verify_chain(
        &below_leaf,
        &[p.leaf.clone(), p.ca.clone()],
        std::slice::from_ref(&p.root),
        NOW,
        Usage::Signing,
        &[],
    );
    assert!(matches!(r, Err(Error::Chain(ChainError::NotCa(1)))));
}

#[test]
fn path_length_enforced() {
    let p = pki(SuiteId::Gm, 8);
    let mut rng = TestRng::new(80);
    // The intermediate has pathLen 0: a CA below it is not allowed.
    let k2 = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let ca2 = Certificate::issue(
        &params("sub CA", CertKind::Ca { path_len: None }, &mut rng),
        &k2.public_key(),
        Issuer::Ca {
            cert: &p.ca,
            key: &p.ca_key,
        },
    )
    .unwrap();
    let k3 = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let leaf = Certificate::issue(
        &params("leaf", CertKind::Signing, &mut rng),
        &k3.public_key(),
        Issuer::Ca {
            cert: &ca2,
            key: &k2,
        },
    )
    .unwrap();
    let r = verify_chain(
        &leaf,
        &[ca2, p.ca.clone()],
        std::slice::from_ref(&p.root),
        NOW,
        Usage::Signing,
        &[],
    );
    assert!(matches!(r, Err(Error::Chain(ChainError::TooLong))));
}

#[test]
fn key_usage_enforced() {
    let p = pki(SuiteId::Gm, 9);
    let mut rng = TestRng::new(90);
    let k = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let enc = Certificate::issue(
        &params("加密", CertKind::Encryption, &mut rng),
        &k.public_key(),
        Issuer::Ca {
            cert: &p.ca,
            key: &p.ca_key,
        },
    )
    .unwrap();
    verify_chain(
        &enc,
        std::slice::from_ref(&p.ca),
        std::slice::from_ref(&p.root),
        NOW,
        Usage::Encryption,
        &[],
    )
    .unwrap();
    let r = verify_chain(
        &enc,
        std::slice::from_ref(&p.ca),
        std::slice::from_ref(&p.root),
        NOW,
        Usage::Signing,
        &[],
    );
    assert!(matches!(r, Err(Error::Chain(ChainError::KeyUsage))));
}

#[test]
fn unknown_critical_extension_refused_unless_understood() {
    let p = pki(SuiteId::Gm, 10);
    let mut rng = TestRng::new(100);
    let k = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let mut prm = params("授权", CertKind::Signing, &mut rng);
    let oid = Oid::yizhao(&[3]);
    prm.extensions.push(Extension {
        oid: oid.clone(),
        critical: true,
        value: OctetString::new(b"\x05\x00".to_vec()).unwrap(),
    });
    let c = Certificate::issue(
        &prm,
        &k.public_key(),
        Issuer::Ca {
            cert: &p.ca,
            key: &p.ca_key,
        },
    )
    .unwrap();
    assert!(
        verify_chain(
            &c,
            std::slice::from_ref(&p.ca),
            std::slice::from_ref(&p.root),
            NOW,
            Usage::Signing,
            &[]
        )
        .is_err()
    );
    verify_chain(
        &c,
        std::slice::from_ref(&p.ca),
        std::slice::from_ref(&p.root),
        NOW,
        Usage::Signing,
        &[oid],
    )
    .unwrap();
}

#[test]
fn issuing_with_a_mismatched_ca_key_is_refused() {
    let p = pki(SuiteId::Gm, 11);
    let mut rng = TestRng::new(110);
    let k = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let r = Certificate::issue(
        &params("x", CertKind::Signing, &mut rng),
        &k.public_key(),
        Issuer::Ca {
            cert: &p.ca,
            key: &p.root_key,
        },
    );
    assert!(r.is_err());
}

#[test]
fn garbage_is_refused() {
    assert!(Certificate::from_der(b"").is_err());
    assert!(Certificate::from_der(b"\x30\x03\x02\x01\x01").is_err());
    assert!(
        Certificate::from_pem("-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n")
            .is_err()
    );
}

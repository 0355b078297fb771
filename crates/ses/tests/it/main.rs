//! Integration tests of yizhao-ses: build → parse → verify, DER round trips, tampering, lenient
//! reading, and OpenSSL 3 as an independent judge of the maker's signature.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod openssl;
mod props;
mod seal;
mod signature;

use der::asn1::{AnyRef, OctetString};
use der::{Decode, Encode};
use yizhao_gm::testing::SeededRng;
use yizhao_gm::x509::{
    CertKind, Certificate, CertificateParams, DistinguishedName, Extension, Issuer, Oid,
    random_serial,
};
use yizhao_gm::{PrivateKey, SuiteId};
use yizhao_ses::{CertList, Header, Picture, PropertyInfo, Seal, SealInfo};

/// 2026-11-18, the tests' "now".
pub const NOW: u64 = 1_795_000_000;
pub const DAY: u64 = 86_400;

/// A 4×4 red PNG with alpha.
pub const PNG: &str = "89504e470d0a1a0a0000000d4948445200000004000000040806000000a9f19e7e000000124944415478da63b82020f01f1933902e000017f81ef19f7953f30000000049454e44ae426082";

pub fn png() -> Vec<u8> {
    hex::decode(PNG).unwrap()
}

/// The seal authority's CA, its maker certificate and key, and two holders' license
/// certificates (with a yizhao `2.25.<uuid>` extension, as the platform's licenses have).
pub struct Pki {
    pub root: Certificate,
    pub root_key: PrivateKey,
    pub maker_key: PrivateKey,
    pub maker: Certificate,
    pub holder_key: PrivateKey,
    pub holder: Certificate,
    pub other_holder_key: PrivateKey,
    pub other_holder: Certificate,
}

fn params(cn: &str, kind: CertKind, rng: &mut SeededRng) -> CertificateParams {
    CertificateParams {
        subject: DistinguishedName {
            country: Some("CN".into()),
            organization: Some("yizhao 电子印章制作中心".into()),
            organizational_unit: None,
            common_name: cn.into(),
            serial_number: None,
        },
        serial: random_serial(rng),
        not_before: NOW - DAY,
        not_after: NOW + 3 * 365 * DAY,
        kind,
        extensions: vec![],
    }
}

pub fn pki(seed: u64) -> Pki {
    let mut rng = SeededRng::new(seed);
    let root_key = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let root = Certificate::issue(
        &params(
            "yizhao 印章根 CA",
            CertKind::Ca { path_len: Some(0) },
            &mut rng,
        ),
        &root_key.public_key(),
        Issuer::SelfSigned(&root_key),
    )
    .unwrap();
    let maker_key = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let maker = Certificate::issue(
        &params("yizhao 电子印章制作系统", CertKind::Signing, &mut rng),
        &maker_key.public_key(),
        Issuer::Ca {
            cert: &root,
            key: &root_key,
        },
    )
    .unwrap();
    let holder = |cn: &str, uscc: &str, rng: &mut SeededRng| {
        let key = PrivateKey::generate(SuiteId::Gm, rng);
        let mut p = params(cn, CertKind::Signing, rng);
        p.subject.serial_number = Some(uscc.into());
        p.extensions.push(Extension {
            oid: Oid::yizhao(&[1, 1]),
            critical: false,
            value: OctetString::new(b"\x0c\x0891350100".to_vec()).unwrap(),
        });
        let cert = Certificate::issue(
            &p,
            &key.public_key(),
            Issuer::Ca {
                cert: &root,
                key: &root_key,
            },
        )
        .unwrap();
        (key, cert)
    };
    let (holder_key, holder_cert) = holder("张伟", "91350100M000100Y43", &mut rng);
    let (other_holder_key, other_holder) = holder("李娜", "91350100M000100Y43", &mut rng);
    Pki {
        root,
        root_key,
        maker_key,
        maker,
        holder_key,
        holder: holder_cert,
        other_holder_key,
        other_holder,
    }
}

/// A v4 seal information of "投标专用章" held by `holder`, valid for a year from yesterday.
pub fn seal_info(holder: &Certificate) -> SealInfo {
    SealInfo {
        header: Header::v4("yizhao"),
        es_id: "91350100M000100Y43-TB-0001".into(),
        property: PropertyInfo {
            seal_type: 6,
            name: "宜昌市示范建设工程有限公司投标专用章".into(),
            cert_list: CertList::Certs(vec![holder.to_der().to_vec()]),
            create_date: NOW - DAY,
            valid_start: NOW - DAY,
            valid_end: NOW + 365 * DAY,
        },
        picture: Picture::png(png(), 40, 40),
        ext_datas: None,
    }
}

pub fn build(pki: &Pki) -> Seal {
    Seal::build(&seal_info(&pki.holder), &pki.maker_key, &pki.maker).unwrap()
}

/// The top-level elements of a DER SEQUENCE, each as its own DER.
pub fn elements(der: &[u8]) -> Vec<Vec<u8>> {
    AnyRef::from_der(der)
        .unwrap()
        .sequence(|r| {
            let mut v = Vec::new();
            while !der::Reader::is_finished(r) {
                v.push(der::Reader::decode::<AnyRef<'_>>(r)?.to_der()?);
            }
            Ok::<_, der::Error>(v)
        })
        .unwrap()
}

/// A DER SEQUENCE of the given element encodings.
pub fn sequence(elements: &[Vec<u8>]) -> Vec<u8> {
    elements
        .iter()
        .map(|e| der::Any::from_der(e).unwrap())
        .collect::<Vec<_>>()
        .to_der()
        .unwrap()
}

/// Replace byte string `from` by `to` (same length) once in `data`.
pub fn replace_once(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at = data
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern present");
    assert!(
        data[at + 1..].windows(from.len()).all(|w| w != from),
        "pattern present once"
    );
    let mut out = data.to_vec();
    out[at..at + from.len()].copy_from_slice(to);
    out
}

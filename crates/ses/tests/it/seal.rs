//! Seals: build → parse → verify, DER round trips, tampering, lenient reading, holders.

use der::asn1::{AnyRef, BitString, OctetString};
use der::{Decode, Encode};
use yizhao_gm::x509::Oid;
use yizhao_gm::{PrivateKey, SuiteId};
use yizhao_ses::{
    CertDigest, CertList, ExtData, Picture, Seal, SealInfo, SesError, SignedValueForm,
};

use crate::{DAY, NOW, build, elements, pki, png, replace_once, seal_info, sequence};

/// Parse `der` and verify at NOW; the error code, or "ok".
fn verdict(der: &[u8]) -> &'static str {
    match Seal::from_der(der).and_then(|s| s.verify(NOW)) {
        Ok(()) => "ok",
        Err(e) => e.code(),
    }
}

/// DER `SM2Signature` → raw r‖s (64 bytes).
fn raw_signature(der_sig: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for int in elements(der_sig) {
        let v = AnyRef::from_der(&int).unwrap().value().to_vec();
        let v: Vec<u8> = v.into_iter().skip_while(|b| *b == 0).collect();
        out.extend(std::iter::repeat_n(0u8, 32 - v.len()));
        out.extend(v);
    }
    assert_eq!(out.len(), 64);
    out
}

#[test]
fn build_parse_verify_round_trip() {
    let pki = pki(1);
    let seal = build(&pki);
    seal.verify(NOW).unwrap();
    let parsed = Seal::from_der(seal.to_der()).unwrap();
    assert_eq!(parsed, seal);
    assert_eq!(parsed.info(), &seal_info(&pki.holder));
    assert_eq!(parsed.maker_certificate(), pki.maker.to_der());
    assert_eq!(
        parsed.signature_algorithm().to_string(),
        "1.2.156.10197.1.501"
    );
    assert_eq!(parsed.signed_value_form(), SignedValueForm::BitString);
    assert_eq!(parsed.info().picture.data, png());
    assert_eq!(parsed.info().picture.width_mm, 40);
    parsed.verify(NOW).unwrap();
    // The maker's chain (§1.4 step 3) holds to the seal authority's root.
    let chain = parsed
        .verify_maker_chain(&[], std::slice::from_ref(&pki.root), NOW, None)
        .unwrap();
    assert_eq!(chain.len(), 2);
    // Another authority's root does not vouch for this maker.
    let stranger = crate::pki(2);
    let err = parsed
        .verify_maker_chain(&[], &[stranger.root], NOW, None)
        .unwrap_err();
    assert_eq!(err.code(), "ses.maker_certificate");
}

#[test]
fn der_reencoding_is_byte_identical() {
    let pki = pki(3);
    let mut info = seal_info(&pki.holder);
    for variant in 0..3 {
        match variant {
            1 => {
                info.property.cert_list =
                    CertList::sm3_digests_of(&[pki.holder.to_der(), pki.other_holder.to_der()]);
                info.ext_datas = Some(vec![]);
            }
            2 => {
                info.ext_datas = Some(vec![ExtData {
                    id: Oid::yizhao(&[3, 1]),
                    critical: true,
                    value: b"grant-0001".to_vec(),
                }]);
            }
            _ => {}
        }
        let seal = Seal::build(&info, &pki.maker_key, &pki.maker).unwrap();
        let parsed = Seal::from_der(seal.to_der()).unwrap();
        assert_eq!(parsed.to_canonical_der().unwrap(), seal.to_der());
        assert_eq!(parsed.info().to_der().unwrap(), parsed.signed_data());
        assert_eq!(parsed.info(), &info);
        parsed.verify(NOW).unwrap();
    }
}

#[test]
fn the_seal_is_the_standard_shape() {
    let pki = pki(4);
    let seal = build(&pki);
    // SESeal: 4 elements, SEQUENCE, OCTET STRING, OID, BIT STRING with 0 unused bits.
    let top = elements(seal.to_der());
    assert_eq!(top.len(), 4);
    assert_eq!(
        [top[0][0], top[1][0], top[2][0], top[3][0]],
        [0x30, 0x04, 0x06, 0x03]
    );
    assert_eq!(
        OctetString::from_der(&top[1]).unwrap().as_bytes(),
        pki.maker.to_der()
    );
    let bits = BitString::from_der(&top[3]).unwrap();
    assert_eq!(bits.unused_bits(), 0);
    assert_eq!(bits.raw_bytes()[0], 0x30, "a DER SM2Signature");
    // SES_SealInfo: header, esID, property, picture (no extDatas here).
    let info = elements(&top[0]);
    assert_eq!(info.len(), 4);
    let header = elements(&info[0]);
    assert_eq!(header[0], b"\x16\x02ES");
    assert_eq!(header[1], b"\x02\x01\x04");
    assert_eq!(info[1][0], 0x16, "esID is IA5String");
    // SES_ESPropertyInfo: type, name, certListType, certList, 3 GeneralizedTimes.
    let prop = elements(&info[2]);
    let tags: Vec<u8> = prop.iter().map(|e| e[0]).collect();
    assert_eq!(tags, [0x02, 0x0c, 0x02, 0x30, 0x18, 0x18, 0x18]);
    assert_eq!(prop[2], b"\x02\x01\x01");
    let certs = elements(&prop[3]);
    assert_eq!(
        OctetString::from_der(&certs[0]).unwrap().as_bytes(),
        pki.holder.to_der()
    );
    // SES_ESPictrueInfo: "PNG", data, width, height.
    let pic = elements(&info[3]);
    assert_eq!(pic[0], b"\x16\x03PNG");
    assert_eq!(OctetString::from_der(&pic[1]).unwrap().as_bytes(), png());
    assert_eq!(pic[2], b"\x02\x01\x28");
    assert_eq!(pic[3], b"\x02\x01\x28");
}

#[test]
fn tampered_picture_fails() {
    let pki = pki(5);
    let seal = build(&pki);
    let png = png();
    let mut changed = png.clone();
    changed[40] ^= 0x01;
    let der = replace_once(seal.to_der(), &png, &changed);
    assert_eq!(verdict(&der), "ses.signature");
}

#[test]
fn tampered_name_fails() {
    let pki = pki(6);
    let seal = build(&pki);
    let der = replace_once(seal.to_der(), "投标".as_bytes(), "合同".as_bytes());
    let parsed = Seal::from_der(&der).unwrap();
    assert_eq!(
        parsed.info().property.name,
        "宜昌市示范建设工程有限公司合同专用章"
    );
    assert_eq!(verdict(&der), "ses.signature");
    // One flipped bit of an ASCII-range byte is caught too.
    let mut flipped = seal.to_der().to_vec();
    let at = flipped
        .windows(3)
        .position(|w| w == "章".as_bytes())
        .unwrap();
    flipped[at + 2] ^= 0x01;
    assert!(matches!(verdict(&flipped), "ses.signature" | "ses.format"));
}

#[test]
fn tampered_validity_fails() {
    let pki = pki(7);
    let seal = build(&pki);
    // validEnd is 2027-11-18…Z; stretch it to 2029.
    let end = der::asn1::GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(
        NOW + 365 * DAY,
    ))
    .unwrap()
    .to_der()
    .unwrap();
    let mut longer = end.clone();
    assert_eq!(&longer[2..6], b"2027");
    longer[5] = b'9';
    let der = replace_once(seal.to_der(), &end, &longer);
    assert_eq!(
        Seal::from_der(&der).unwrap().info().property.valid_end,
        NOW + 365 * DAY + 731 * DAY
    );
    assert_eq!(verdict(&der), "ses.signature");
}

#[test]
fn tampered_signature_fails() {
    let pki = pki(8);
    let seal = build(&pki);
    let mut der = seal.to_der().to_vec();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    assert_eq!(verdict(&der), "ses.signature");
}

#[test]
fn swapped_maker_certificate_fails() {
    let pki = pki(9);
    let seal = build(&pki);
    let mut top = elements(seal.to_der());
    // Another valid certificate (the holder's) in place of the maker's.
    top[1] = OctetString::new(pki.holder.to_der())
        .unwrap()
        .to_der()
        .unwrap();
    assert_eq!(verdict(&sequence(&top)), "ses.signature");
    // A different maker's seal information signed by its own key does not pass under ours.
    let other = crate::pki(10);
    let theirs = build(&other);
    let mut mixed = elements(theirs.to_der());
    mixed[1] = elements(seal.to_der())[1].clone();
    assert_eq!(verdict(&sequence(&mixed)), "ses.signature");
    // Garbage in place of a certificate is a maker-certificate error.
    top[1] = OctetString::new(b"not a certificate".to_vec())
        .unwrap()
        .to_der()
        .unwrap();
    assert_eq!(verdict(&sequence(&top)), "ses.maker_certificate");
}

#[test]
fn raw_r_s_and_octet_string_signatures_are_read() {
    let pki = pki(11);
    let seal = build(&pki);
    let raw = raw_signature(seal.signature());
    let mut top = elements(seal.to_der());
    top[3] = BitString::from_bytes(&raw).unwrap().to_der().unwrap();
    let lenient = Seal::from_der(&sequence(&top)).unwrap();
    assert_eq!(lenient.signature(), raw.as_slice());
    lenient.verify(NOW).unwrap();
    // The same raw signature in an OCTET STRING (a tolerated producer mistake).
    top[3] = OctetString::new(raw.clone()).unwrap().to_der().unwrap();
    let octets = Seal::from_der(&sequence(&top)).unwrap();
    assert_eq!(octets.signed_value_form(), SignedValueForm::OctetString);
    octets.verify(NOW).unwrap();
    // A tampered raw signature still fails.
    let mut bad = raw;
    bad[63] ^= 0x01;
    top[3] = BitString::from_bytes(&bad).unwrap().to_der().unwrap();
    assert_eq!(verdict(&sequence(&top)), "ses.signature");
}

#[test]
fn embedded_certificate_is_read() {
    let pki = pki(12);
    let seal = build(&pki);
    let mut top = elements(seal.to_der());
    top[1] = pki.maker.to_der().to_vec();
    let lenient = Seal::from_der(&sequence(&top)).unwrap();
    assert_eq!(lenient.maker_certificate(), pki.maker.to_der());
    lenient.verify(NOW).unwrap();
}

#[test]
fn the_combined_sign_range_is_accepted() {
    // Producers that read the standard as "seal info, maker cert and algorithm as one SEQUENCE".
    let pki = pki(13);
    let seal = build(&pki);
    let top = elements(seal.to_der());
    let range = sequence(&top[..3]);
    let sig = pki.maker_key.sign(&range).unwrap();
    let mut other = top.clone();
    other[3] = BitString::from_bytes(&sig).unwrap().to_der().unwrap();
    assert_eq!(verdict(&sequence(&other)), "ok");
}

#[test]
fn holder_certificate_is_found_and_another_is_not() {
    let pki = pki(14);
    let seal = build(&pki);
    assert!(seal.holds_certificate(pki.holder.to_der()));
    assert!(!seal.holds_certificate(pki.other_holder.to_der()));
    assert!(!seal.holds_certificate(pki.maker.to_der()));

    let mut info = seal_info(&pki.holder);
    info.property.cert_list = CertList::sm3_digests_of(&[pki.holder.to_der()]);
    let by_digest = Seal::from_der(
        Seal::build(&info, &pki.maker_key, &pki.maker)
            .unwrap()
            .to_der(),
    )
    .unwrap();
    assert_eq!(by_digest.info().property.cert_list.list_type(), 2);
    assert!(by_digest.holds_certificate(pki.holder.to_der()));
    assert!(!by_digest.holds_certificate(pki.other_holder.to_der()));

    // A digest of an unknown type matches nothing; SHA-256 is understood.
    let sha = yizhao_gm::HashAlgorithm::Sha256
        .digest(pki.holder.to_der())
        .to_vec();
    let list = CertList::Digests(vec![
        CertDigest {
            algorithm: "MD5".into(),
            value: sha.clone(),
        },
        CertDigest {
            algorithm: "sha-256".into(),
            value: sha,
        },
    ]);
    assert!(list.holds(pki.holder.to_der()));
    assert!(!list.holds(pki.other_holder.to_der()));
}

#[test]
fn validity_window_is_checked_at_the_given_time() {
    let pki = pki(15);
    let seal = build(&pki);
    let p = &seal.info().property;
    seal.verify(p.valid_start).unwrap();
    seal.verify(p.valid_end).unwrap();
    assert_eq!(seal.verify(p.valid_start - 1), Err(SesError::NotYetValid));
    assert_eq!(seal.verify(p.valid_end + 1), Err(SesError::Expired));
    assert_eq!(
        seal.verify(p.valid_end + 1).unwrap_err().code(),
        "ses.expired"
    );
    assert_eq!(
        seal.verify(p.valid_start - 1).unwrap_err().code(),
        "ses.not_yet_valid"
    );
}

#[test]
fn other_versions_are_refused() {
    let pki = pki(16);
    let seal = build(&pki);
    let top = elements(seal.to_der());
    // GM/T 0031-2014: SESeal { sealInfo, signInfo }.
    let v1 = sequence(&[top[0].clone(), sequence(&top[1..])]);
    assert_eq!(Seal::from_der(&v1).unwrap_err().code(), "ses.version");
    // v5: a fifth element (timeStamp).
    let mut v5 = top.clone();
    v5.push(vec![0xa0, 0x03, 0x03, 0x01, 0x00]);
    assert_eq!(
        Seal::from_der(&sequence(&v5)).unwrap_err().code(),
        "ses.version"
    );
    // A header version of 5 in a 4-element seal, re-signed so only the version is wrong.
    let mut info = seal_info(&pki.holder);
    info.header.version = 5;
    let info_der = info.to_der().unwrap();
    let sig = pki.maker_key.sign(&info_der).unwrap();
    let forged = sequence(&[
        info_der,
        top[1].clone(),
        top[2].clone(),
        BitString::from_bytes(&sig).unwrap().to_der().unwrap(),
    ]);
    assert_eq!(verdict(&forged), "ses.version");
    // Anything else is a format error.
    assert_eq!(
        Seal::from_der(b"\x30\x00").unwrap_err().code(),
        "ses.format"
    );
    assert_eq!(Seal::from_der(b"garbage").unwrap_err().code(), "ses.format");
    assert_eq!(
        Seal::from_der(&seal.to_der()[..seal.to_der().len() - 1])
            .unwrap_err()
            .code(),
        "ses.format"
    );
}

#[test]
fn wrong_algorithm_is_refused() {
    let pki = pki(17);
    let seal = build(&pki);
    let mut top = elements(seal.to_der());
    top[2] = Oid::parse("1.2.840.10045.4.3.2").unwrap().to_der().unwrap();
    assert_eq!(verdict(&sequence(&top)), "ses.algorithm");
}

#[test]
fn build_refuses_bad_inputs() {
    let pki = pki(18);
    let good = seal_info(&pki.holder);
    let refuse =
        |info: &SealInfo, key: &PrivateKey| Seal::build(info, key, &pki.maker).unwrap_err();
    let mut i = good.clone();
    i.property.valid_end = i.property.valid_start - 1;
    assert_eq!(refuse(&i, &pki.maker_key).code(), "ses.parameter");
    let mut i = good.clone();
    i.picture = Picture::png(b"GIF89a not a png".to_vec(), 40, 40);
    assert_eq!(refuse(&i, &pki.maker_key).code(), "ses.parameter");
    let mut i = good.clone();
    i.picture.width_mm = 0;
    assert_eq!(refuse(&i, &pki.maker_key).code(), "ses.parameter");
    let mut i = good.clone();
    i.property.name = " ".into();
    assert_eq!(refuse(&i, &pki.maker_key).code(), "ses.parameter");
    let mut i = good.clone();
    i.es_id = "印章".into();
    assert_eq!(refuse(&i, &pki.maker_key).code(), "ses.parameter");
    // A key that is not the maker certificate's.
    let stranger = PrivateKey::generate(SuiteId::Gm, &mut yizhao_gm::testing::SeededRng::new(99));
    assert_eq!(refuse(&good, &stranger).code(), "ses.parameter");
    // A P-256 key can't make a GB/T 38540 seal.
    let p256 = PrivateKey::generate(SuiteId::Intl, &mut yizhao_gm::testing::SeededRng::new(98));
    assert_eq!(refuse(&good, &p256).code(), "ses.algorithm");
}

#[test]
fn messages_are_chinese() {
    assert_eq!(
        SesError::Signature.to_string(),
        "电子印章签名验证失败，印章可能已被篡改。"
    );
    assert_eq!(SesError::Expired.to_string(), "电子印章已过有效期。");
}

/// §1.4 seal step 3 with revocation: the maker's issuer's CRL, current and genuine, decides.
#[test]
fn a_revoked_maker_fails_step_three_and_a_bad_or_stale_crl_is_refused() {
    use yizhao_gm::crl::Crl;
    let pki = pki(40);
    let seal = build(&pki);
    let roots = std::slice::from_ref(&pki.root);
    let crl = |revoked: &[(&[u8], u64)], next: u64| {
        Crl::issue(&pki.root, &pki.root_key, NOW - DAY, next, revoked).unwrap()
    };
    let step3 = |c: &Crl, at: u64| seal.verify_maker_chain(&[], roots, at, Some(c));

    // A current CRL that lists someone else: the maker passes.
    let other = crate::pki(41);
    let clean = crl(&[(other.maker.serial(), NOW - DAY)], NOW + DAY);
    assert_eq!(step3(&clean, NOW).unwrap().len(), 2);

    // The maker listed: refused, with its own stable code.
    let listed = crl(&[(pki.maker.serial(), NOW - 60)], NOW + DAY);
    let e = step3(&listed, NOW).unwrap_err();
    assert_eq!(e, SesError::MakerRevoked);
    assert_eq!(e.code(), "ses.maker_revoked");
    assert!(e.to_string().contains("吊销"), "{e}");

    // Past its nextUpdate a CRL is stale: refused, not ignored (even one that lists nobody).
    let e = step3(&clean, NOW + DAY + 1).unwrap_err();
    assert_eq!(e.code(), "ses.crl_stale");

    // A CRL signed by another authority's root (same name, other key) is not the issuer's.
    let forged = Crl::issue(&other.root, &other.root_key, NOW - DAY, NOW + DAY, &[]).unwrap();
    let e = step3(&forged, NOW).unwrap_err();
    assert_eq!(e.code(), "ses.crl_invalid");
    // Nor is one whose issuer is the maker itself.
    let by_maker = Crl::issue(&pki.maker, &pki.maker_key, NOW - DAY, NOW + DAY, &[]).unwrap();
    assert_eq!(step3(&by_maker, NOW).unwrap_err().code(), "ses.crl_invalid");

    // The chain is still checked first: an unknown root fails as before, CRL or not.
    let e = seal
        .verify_maker_chain(&[], std::slice::from_ref(&other.root), NOW, Some(&listed))
        .unwrap_err();
    assert_eq!(e.code(), "ses.maker_certificate");
}

//! Signatures with a seal (`SES_Signature`): sign → parse → verify, round trips, the §1.4
//! checks each failing when broken, lenient reading.

use der::Encode;
use der::asn1::BitString;
use yizhao_gm::x509::Oid;
use yizhao_ses::{ExtData, SealSignature, SesError, ToSign};

use crate::{DAY, NOW, build, elements, pki, sequence};

const ORIGINAL: &[u8] = b"<ofd:Signature>...</ofd:Signature> tender file of lot 2026-018";
const PROPERTY: &str = "/Doc_0/Signs/Sign_0/Signature.xml";

fn verdict(der: &[u8], original: &[u8]) -> &'static str {
    match SealSignature::from_der(der).and_then(|s| s.verify(original)) {
        Ok(()) => "ok",
        Err(e) => e.code(),
    }
}

#[test]
fn sign_parse_verify_round_trip() {
    let pki = pki(31);
    let seal = build(&pki);
    let to_sign = ToSign::new(seal.clone(), ORIGINAL, PROPERTY, NOW);
    let signed = SealSignature::sign(&to_sign, &pki.holder_key, &pki.holder).unwrap();
    signed.verify(ORIGINAL).unwrap();
    let parsed = SealSignature::from_der(signed.to_der()).unwrap();
    assert_eq!(parsed, signed);
    assert_eq!(parsed.seal(), &seal);
    assert_eq!(parsed.to_sign().time, NOW);
    assert_eq!(parsed.to_sign().property_info, PROPERTY);
    assert_eq!(parsed.to_sign().data_hash, yizhao_gm::sm3(ORIGINAL));
    assert_eq!(parsed.signer_certificate(), pki.holder.to_der());
    assert_eq!(parsed.time_stamp(), None);
    assert_eq!(parsed.to_canonical_der().unwrap(), signed.to_der());
    parsed.verify(ORIGINAL).unwrap();
    parsed
        .verify_signer_chain(&[], std::slice::from_ref(&pki.root))
        .unwrap();
    // The shape: 4 elements, TBS_Sign of 5 (version 4, the seal's own bytes, GeneralizedTime,
    // BIT STRING, IA5String).
    let top = elements(signed.to_der());
    assert_eq!(top.len(), 4);
    let tbs = elements(&top[0]);
    assert_eq!(tbs.len(), 5);
    assert_eq!(tbs[0], b"\x02\x01\x04");
    assert_eq!(tbs[1], seal.to_der());
    assert_eq!([tbs[2][0], tbs[3][0], tbs[4][0]], [0x18, 0x03, 0x16]);
}

#[test]
fn ext_datas_are_explicit_and_round_trip() {
    let pki = pki(32);
    let mut to_sign = ToSign::new(build(&pki), ORIGINAL, PROPERTY, NOW);
    to_sign.ext_datas = Some(vec![ExtData {
        id: Oid::yizhao(&[4, 1]),
        critical: false,
        value: b"grant 7".to_vec(),
    }]);
    let signed = SealSignature::sign(&to_sign, &pki.holder_key, &pki.holder).unwrap();
    let tbs = elements(&elements(signed.to_der())[0]);
    assert_eq!(tbs.len(), 6);
    assert_eq!(tbs[5][0], 0xa0, "EXPLICIT [0]");
    let parsed = SealSignature::from_der(signed.to_der()).unwrap();
    assert_eq!(parsed.to_sign(), &to_sign);
    assert_eq!(parsed.to_canonical_der().unwrap(), signed.to_der());
    parsed.verify(ORIGINAL).unwrap();
}

#[test]
fn changed_original_fails_with_data_hash() {
    let pki = pki(33);
    let to_sign = ToSign::new(build(&pki), ORIGINAL, PROPERTY, NOW);
    let signed = SealSignature::sign(&to_sign, &pki.holder_key, &pki.holder).unwrap();
    assert_eq!(verdict(signed.to_der(), b"another file"), "ses.data_hash");
    assert_eq!(verdict(signed.to_der(), ORIGINAL), "ok");
}

#[test]
fn tampered_signature_fails() {
    let pki = pki(34);
    let to_sign = ToSign::new(build(&pki), ORIGINAL, PROPERTY, NOW);
    let signed = SealSignature::sign(&to_sign, &pki.holder_key, &pki.holder).unwrap();
    let mut der = signed.to_der().to_vec();
    let last = der.len() - 1;
    der[last] ^= 0x01;
    assert_eq!(verdict(&der, ORIGINAL), "ses.signature_value");
    // A changed signing time is caught by the signature too.
    let mut tbs = ToSign::from_der(signed.signed_data()).unwrap();
    tbs.time += 1;
    let mut top = elements(signed.to_der());
    top[0] = tbs.to_der().unwrap();
    assert_eq!(verdict(&sequence(&top), ORIGINAL), "ses.signature_value");
}

#[test]
fn a_signer_not_among_the_holders_is_refused() {
    let pki = pki(35);
    let seal = build(&pki);
    let to_sign = ToSign::new(seal, ORIGINAL, PROPERTY, NOW);
    assert_eq!(
        SealSignature::sign(&to_sign, &pki.other_holder_key, &pki.other_holder),
        Err(SesError::NotHolder)
    );
    // Made by hand (as another producer might), it verifies as a signature but not as a use
    // of this seal.
    let signed = SealSignature::sign(&to_sign, &pki.holder_key, &pki.holder).unwrap();
    let mut top = elements(signed.to_der());
    let sig = pki.other_holder_key.sign(signed.signed_data()).unwrap();
    top[1] = der::asn1::OctetString::new(pki.other_holder.to_der())
        .unwrap()
        .to_der()
        .unwrap();
    top[3] = BitString::from_bytes(&sig).unwrap().to_der().unwrap();
    assert_eq!(verdict(&sequence(&top), ORIGINAL), "ses.not_holder");
}

#[test]
fn signing_outside_the_seals_validity_is_refused() {
    let pki = pki(36);
    let seal = build(&pki);
    let late = seal.info().property.valid_end + DAY;
    let to_sign = ToSign::new(seal.clone(), ORIGINAL, PROPERTY, late);
    assert_eq!(
        SealSignature::sign(&to_sign, &pki.holder_key, &pki.holder)
            .unwrap_err()
            .code(),
        "ses.expired"
    );
    // Made by hand with the holder's key: verification refuses it at its signing time.
    let tbs = to_sign.to_der().unwrap();
    let sig = pki.holder_key.sign(&tbs).unwrap();
    let ok = SealSignature::sign(
        &ToSign::new(seal, ORIGINAL, PROPERTY, NOW),
        &pki.holder_key,
        &pki.holder,
    )
    .unwrap();
    let mut top = elements(ok.to_der());
    top[0] = tbs;
    top[3] = BitString::from_bytes(&sig).unwrap().to_der().unwrap();
    assert_eq!(verdict(&sequence(&top), ORIGINAL), "ses.expired");
}

#[test]
fn time_stamp_and_raw_signature_are_read() {
    let pki = pki(37);
    let to_sign = ToSign::new(build(&pki), ORIGINAL, PROPERTY, NOW);
    let signed = SealSignature::sign(&to_sign, &pki.holder_key, &pki.holder).unwrap();
    let mut top = elements(signed.to_der());
    // timeStamp [0] EXPLICIT BIT STRING, as ofdrw writes it.
    let token = BitString::from_bytes(b"a TimeStampToken")
        .unwrap()
        .to_der()
        .unwrap();
    let mut explicit = vec![0xa0, token.len() as u8];
    explicit.extend(&token);
    top.push(explicit);
    let with_ts = SealSignature::from_der(&sequence(&top)).unwrap();
    assert_eq!(with_ts.time_stamp(), Some(&b"a TimeStampToken"[..]));
    assert_eq!(with_ts.to_canonical_der().unwrap(), sequence(&top));
    with_ts.verify(ORIGINAL).unwrap();
    // An untagged trailing BIT STRING is read too.
    top[4] = token;
    let untagged = SealSignature::from_der(&sequence(&top)).unwrap();
    assert_eq!(untagged.time_stamp(), Some(&b"a TimeStampToken"[..]));
    // A raw r‖s signature.
    top.truncate(4);
    let der_sig = signed.signature();
    let mut raw = Vec::new();
    for int in elements(der_sig) {
        let v = der::asn1::AnyRef::try_from(int.as_slice())
            .unwrap()
            .value()
            .to_vec();
        let v: Vec<u8> = v.into_iter().skip_while(|b| *b == 0).collect();
        raw.extend(std::iter::repeat_n(0u8, 32 - v.len()));
        raw.extend(v);
    }
    top[3] = BitString::from_bytes(&raw).unwrap().to_der().unwrap();
    assert_eq!(verdict(&sequence(&top), ORIGINAL), "ok");
}

#[test]
fn v1_signature_is_refused() {
    let pki = pki(38);
    let to_sign = ToSign::new(build(&pki), ORIGINAL, PROPERTY, NOW);
    let signed = SealSignature::sign(&to_sign, &pki.holder_key, &pki.holder).unwrap();
    let top = elements(signed.to_der());
    let v1 = sequence(&[top[0].clone(), top[3].clone()]);
    assert_eq!(
        SealSignature::from_der(&v1).unwrap_err().code(),
        "ses.version"
    );
    // A TBS_Sign version other than the seal's.
    let mut tbs = ToSign::from_der(signed.signed_data()).unwrap();
    tbs.version = 5;
    let tbs_der = tbs.to_der().unwrap();
    let sig = pki.holder_key.sign(&tbs_der).unwrap();
    let forged = sequence(&[
        tbs_der,
        top[1].clone(),
        top[2].clone(),
        BitString::from_bytes(&sig).unwrap().to_der().unwrap(),
    ]);
    assert_eq!(verdict(&forged, ORIGINAL), "ses.version");
}

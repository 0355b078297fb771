//! OpenSSL 3 as an independent judge of the maker's signature. OpenSSL's default SM2 ID is
//! empty, so every command passes the standard one (`distid:1234567812345678`).
//!
//! The recipe: `openssl asn1parse` lists the seal's top-level elements (depth 1: SES_SealInfo,
//! the maker certificate's OCTET STRING, signAlgID, the signedValue BIT STRING); `-strparse`
//! at each offset writes out SES_SealInfo (the signed bytes), the certificate and the DER
//! signature; `openssl x509 -pubkey` takes the maker's key from the certificate; `openssl
//! pkeyutl -verify -rawin -digest sm3` checks the signature.

use std::path::{Path, PathBuf};
use yizhao_gm::testing::{
    OPENSSL_SM2_DISTID as DISTID, openssl, openssl_sm2_verify, openssl_strparse, openssl_top_level,
};

use der::Encode;
use der::asn1::BitString;
use yizhao_ses::Seal;

use crate::{NOW, build, elements, pki, png, replace_once, sequence};

/// The whole independent check of a seal file in `dir`; true if OpenSSL verifies it.
/// Returns the extracted signed bytes too.
pub fn openssl_verifies(dir: &Path, seal: &[u8]) -> (bool, Vec<u8>) {
    let file = dir.join("seal.esl");
    std::fs::write(&file, seal).unwrap();
    let top = openssl_top_level(&file);
    assert_eq!(top.len(), 4, "{top:?}");
    assert!(top[0].1.contains("SEQUENCE"), "{top:?}");
    assert!(top[1].1.contains("OCTET STRING"), "{top:?}");
    assert!(top[2].1.contains("OBJECT"), "{top:?}");
    assert!(top[3].1.contains("BIT STRING"), "{top:?}");
    let tbs = dir.join("tbs.der");
    let cert = dir.join("maker.der");
    let sig = dir.join("sig.der");
    openssl_strparse(&file, top[0].0, &tbs);
    openssl_strparse(&file, top[1].0, &cert);
    openssl_strparse(&file, top[3].0, &sig);
    let (ok, out) = openssl(&[
        &"x509", &"-inform", &"DER", &"-in", &cert, &"-pubkey", &"-noout",
    ]);
    assert!(ok, "{out}");
    let pubkey = dir.join("pub.pem");
    std::fs::write(&pubkey, out).unwrap();
    let (ok, out) = openssl_sm2_verify(&pubkey, &tbs, &sig);
    (
        ok && out.contains("Signature Verified Successfully"),
        std::fs::read(&tbs).unwrap(),
    )
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn openssl_verifies_the_makers_signature() {
    let pki = pki(21);
    let seal = build(&pki);
    let d = tempdir();
    let (ok, tbs) = openssl_verifies(d.path(), seal.to_der());
    assert!(ok, "OpenSSL must verify our seal");
    assert_eq!(tbs, seal.signed_data(), "OpenSSL extracted SES_SealInfo");
}

#[test]
fn openssl_refuses_a_tampered_seal() {
    let pki = pki(22);
    let seal = build(&pki);
    let png = png();
    let mut changed = png.clone();
    changed[40] ^= 0x01;
    let tampered = replace_once(seal.to_der(), &png, &changed);
    let d = tempdir();
    let (ok, _) = openssl_verifies(d.path(), &tampered);
    assert!(!ok, "OpenSSL must refuse a seal whose picture was changed");
    // And so do we.
    let parsed = Seal::from_der(&tampered).unwrap();
    assert_eq!(parsed.verify(NOW).unwrap_err().code(), "ses.signature");
}

#[test]
fn we_verify_a_seal_signed_by_openssl() {
    let pki = pki(23);
    let seal = build(&pki);
    let d = tempdir();
    let key = d.path().join("maker.pem");
    let pkcs8 = pki.maker_key.to_pkcs8_der().unwrap();
    std::fs::write(
        &key,
        der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &pkcs8).unwrap(),
    )
    .unwrap();
    let tbs = d.path().join("tbs.der");
    std::fs::write(&tbs, seal.signed_data()).unwrap();
    let sig: PathBuf = d.path().join("sig.der");
    let (ok, out) = openssl(&[
        &"pkeyutl",
        &"-sign",
        &"-rawin",
        &"-digest",
        &"sm3",
        &"-inkey",
        &key,
        &"-in",
        &tbs,
        &"-out",
        &sig,
        &"-pkeyopt",
        &DISTID,
    ]);
    assert!(ok, "{out}");
    let sig = std::fs::read(&sig).unwrap();
    assert_ne!(sig, seal.signature(), "a fresh signature, not ours");
    let mut top = elements(seal.to_der());
    top[3] = BitString::from_bytes(&sig).unwrap().to_der().unwrap();
    let theirs = Seal::from_der(&sequence(&top)).unwrap();
    theirs.verify(NOW).unwrap();
    // Signed with the empty ID (OpenSSL's default), it must not verify.
    let (ok, out) = openssl(&[
        &"pkeyutl",
        &"-sign",
        &"-rawin",
        &"-digest",
        &"sm3",
        &"-inkey",
        &key,
        &"-in",
        &tbs,
        &"-out",
        &d.path().join("sig0.der"),
    ]);
    assert!(ok, "{out}");
    let sig0 = std::fs::read(d.path().join("sig0.der")).unwrap();
    top[3] = BitString::from_bytes(&sig0).unwrap().to_der().unwrap();
    let wrong_id = Seal::from_der(&sequence(&top)).unwrap();
    assert_eq!(wrong_id.verify(NOW).unwrap_err().code(), "ses.signature");
}

#[test]
fn openssl_verifies_the_signers_signature() {
    // SES_Signature has the same outer shape: toSign, cert, signatureAlgID, signature.
    let pki = pki(24);
    let to_sign = yizhao_ses::ToSign::new(
        build(&pki),
        b"original",
        "/Doc_0/Signs/Sign_0/Signature.xml",
        NOW,
    );
    let signed = yizhao_ses::SealSignature::sign(&to_sign, &pki.holder_key, &pki.holder).unwrap();
    let d = tempdir();
    let (ok, tbs) = openssl_verifies(d.path(), signed.to_der());
    assert!(ok, "OpenSSL must verify our signature");
    assert_eq!(tbs, signed.signed_data(), "OpenSSL extracted TBS_Sign");
    // Flip a byte inside the embedded seal's picture: the signer's signature no longer holds.
    let png = png();
    let mut changed = png.clone();
    changed[40] ^= 0x01;
    let tampered = replace_once(signed.to_der(), &png, &changed);
    let (ok, _) = openssl_verifies(d.path(), &tampered);
    assert!(!ok, "OpenSSL must refuse a tampered signature");
}

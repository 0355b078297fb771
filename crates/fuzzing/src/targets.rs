//! The target bodies.

use std::fmt::Debug;

use serde::Serialize;
use serde::de::DeserializeOwned;
use yizhao_gm::crl::Crl;
use yizhao_gm::x509::{Certificate, Usage, verify_chain};
use yizhao_impression::{Adjustments, Backdrop, DeclaredShape, check, preview, process};
use yizhao_proto::qr::{
    QrAnswer, QrRequestBody, QrStatus, SignedQrRequest, parse_qr_link, qr_answer_message, qr_link,
};
use yizhao_proto::seal::{ImpressionQrAnswer, ImpressionQrPayload, UploadImpression};
use yizhao_ses::{Seal, SealSignature};

use crate::fixtures::{MATTER, NOW, pki};

/// A GB/T 38540 seal (`SESeal` DER), as the platform and the wallet read seals from other
/// producers: parsed leniently, checked and verified; what parses encodes canonically and parses
/// again to the same seal.
pub fn ses_seal(data: &[u8]) {
    let Ok(seal) = Seal::from_der(data) else {
        return;
    };
    assert_eq!(seal.to_der(), data, "a parsed seal keeps its bytes");
    let pki = pki();
    let _ = seal.verify(NOW);
    let _ = seal.holds_certificate(pki.leaf.to_der());
    let _ = seal.verify_maker_chain(
        std::slice::from_ref(&pki.issuing),
        std::slice::from_ref(&pki.root),
        NOW,
        Some(&pki.crl),
    );
    let _ = seal.info().to_der();
    let canonical = seal
        .to_canonical_der()
        .expect("a parsed seal encodes again");
    let again = Seal::from_der(&canonical).expect("a re-encoded seal parses");
    assert_eq!(again.info(), seal.info());
    assert_eq!(again.maker_certificate(), seal.maker_certificate());
    assert_eq!(again.signature_algorithm(), seal.signature_algorithm());
    assert_eq!(again.signature(), seal.signature());
    assert_eq!(
        again.to_canonical_der().expect("encodes"),
        canonical,
        "canonical DER is a fixed point"
    );
}

/// A GB/T 38540 electronic signature (`SES_Signature` DER): parsed leniently and verified; what
/// parses encodes canonically and parses again to the same signature.
pub fn ses_signature(data: &[u8]) {
    let Ok(sig) = SealSignature::from_der(data) else {
        return;
    };
    assert_eq!(sig.to_der(), data, "a parsed signature keeps its bytes");
    let pki = pki();
    let _ = sig.verify(b"original");
    let _ = sig.check_holder();
    let _ = sig.verify_signer_chain(
        std::slice::from_ref(&pki.issuing),
        std::slice::from_ref(&pki.root),
    );
    let _ = sig.seal().verify(NOW);
    let _ = sig.time_stamp();
    let canonical = sig
        .to_canonical_der()
        .expect("a parsed signature encodes again");
    let again = SealSignature::from_der(&canonical).expect("a re-encoded signature parses");
    assert_eq!(again.to_sign(), sig.to_sign());
    assert_eq!(again.signer_certificate(), sig.signer_certificate());
    assert_eq!(again.signature_algorithm(), sig.signature_algorithm());
    assert_eq!(again.signature(), sig.signature());
    assert_eq!(again.time_stamp(), sig.time_stamp());
    assert_eq!(
        again.to_canonical_der().expect("encodes"),
        canonical,
        "canonical DER is a fixed point"
    );
}

/// An X.509 certificate (DER), as every service and the wallet read them (license certificates
/// in answers and proofs, requester certificates, chains), and the credential checks over it:
/// parsed, every accessor read, its chain checked against the fixed authority; PEM round trip.
pub fn x509_certificate(data: &[u8]) {
    let pki = pki();
    let issuing_key = pki.issuing.public_key().expect("the fixture's key");
    let _ = yizhao_credential::verify_relying_party(data, &pki.issuing, &pki.root, NOW, MATTER);
    let _ = yizhao_credential::check_license_certificate(data, &pki.issuing, NOW, |c| {
        c.verify_signed_by(&issuing_key).is_ok()
    });
    let Ok(cert) = Certificate::from_der(data) else {
        return;
    };
    assert_eq!(cert.to_der(), data, "only canonical DER is accepted");
    let _ = (cert.subject(), cert.issuer(), cert.common_name());
    let _ = (cert.serial(), cert.validity());
    for e in cert.extensions() {
        let _ = (e.oid.to_string(), e.oid.arcs(), e.utf8_value());
    }
    let _ = cert.basic_constraints();
    let _ = cert.key_usage();
    if let Ok(key) = cert.public_key() {
        let _ = key.verify(data, data);
        let _ = cert.verify_signed_by(&key);
    }
    let _ = cert.verify_signed_by(&issuing_key);
    let _ = cert.names_issuer(&pki.issuing);
    let _ = pki.crl.is_revoked(&cert);
    let _ = verify_chain(
        &cert,
        std::slice::from_ref(&pki.issuing),
        std::slice::from_ref(&pki.root),
        NOW,
        Usage::Signing,
        &[],
    );
    let tbs = cert.tbs_der().expect("a parsed certificate's TBS encodes");
    assert!(
        data.windows(tbs.len()).any(|w| w == tbs.as_slice()),
        "the TBS is the one inside the certificate"
    );
    let pem = cert.to_pem().expect("PEM");
    let back = Certificate::from_pem(&pem).expect("its PEM parses");
    assert_eq!(back.to_der(), data);
}

/// An X.509 CRL (DER), as the seal checks read the maker's issuer's list: parsed, every
/// accessor read, its signature checked against the fixed issuing CA; re-encoding gives the same
/// bytes and PEM round-trips.
pub fn x509_crl(data: &[u8]) {
    let Ok(crl) = Crl::from_der(data) else {
        return;
    };
    assert_eq!(crl.to_der(), data, "only canonical DER is accepted");
    let pki = pki();
    let _ = (crl.this_update(), crl.next_update(), crl.revoked());
    let _ = crl.is_revoked(&pki.leaf);
    let _ = crl.verify_signed_by(&pki.issuing);
    let _ = crl.verify_signed_by(&pki.root);
    let _ = crl.tbs_der().expect("a parsed CRL's TBS encodes");
    let pem = crl.to_pem().expect("PEM");
    let (label, der) = der::pem::decode_vec(pem.as_bytes()).expect("its PEM decodes");
    assert_eq!(label, "X509 CRL");
    let back = Crl::from_der(&der).expect("its PEM's DER parses");
    assert_eq!(back, crl);
}

/// The registry import file (`yizhao registry import FILE.csv`, read as UTF-8 text): every
/// enterprise or a report of every bad row; what it accepts, written back as CSV, reads the same.
pub fn registry_csv(data: &[u8]) {
    use yizhao_domain::registry::{COLUMNS, parse_csv};
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let enterprises = match parse_csv(text) {
        Ok(list) => list,
        Err(report) => {
            let _ = report.to_string();
            return;
        }
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(COLUMNS).expect("header");
    for e in &enterprises {
        writer.write_record(e.fields()).expect("record");
    }
    let written = String::from_utf8(writer.into_inner().expect("flush")).expect("UTF-8");
    assert_eq!(
        parse_csv(&written),
        Ok(enterprises),
        "an accepted registry, written back, reads the same"
    );
}

/// An impression upload (PNG or JPEG photo, or the processed PNG a phone sends): processed with
/// the editor's defaults, checked and previewed as the seal authority does; a processed picture
/// processes again to the same size.
pub fn impression(data: &[u8]) {
    let declared = DeclaredShape::new(yizhao_domain::seal::Shape::Round, 40, 40)
        .expect("40×40 round is a shape");
    let _ = check(data, &declared);
    let _ = preview(data, Backdrop::Dark);
    let adjustments = Adjustments::default();
    let Ok(out) = process(data, &adjustments) else {
        return;
    };
    let again = process(&out.png, &adjustments).expect("a processed picture processes again");
    assert_eq!((again.width, again.height), (out.width, out.height));
    let _ = check(&out.png, &declared);
    let _ = preview(&out.png, Backdrop::White);
}

/// QR answers and requests on both sides: the link a phone scans; the signed request, its body
/// and the payload of its kind as the wallet reads them (`yizhao_wallet::qr::read_request`);
/// the answer as the platform reads it (the JSON body, the license certificate, its chain, the
/// signature, the impression flow's payload); the status both read. Every JSON type round-trips.
pub fn qr_answer(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Some((base, id)) = parse_qr_link(text)
    {
        assert_eq!(
            parse_qr_link(&qr_link(&base, &id)),
            Some((base, id)),
            "a link made from an accepted link reads the same"
        );
    }
    if let Ok(answer) = serde_json::from_slice::<QrAnswer>(data) {
        round_trip(&answer);
        platform_reads(&answer);
    }
    if let Ok(signed) = serde_json::from_slice::<SignedQrRequest>(data) {
        round_trip(&signed);
        if let Ok(cert) = Certificate::from_der(&signed.requester_certificate)
            && let Ok(key) = cert.public_key()
        {
            let _ = key.verify(signed.body.as_bytes(), &signed.signature);
        }
        let _ = yizhao_wallet::qr::verify_requester(
            &signed.requester_certificate,
            &pki().issuing,
            &pki().root,
            NOW,
            MATTER,
        );
        if let Ok(body) = serde_json::from_str::<QrRequestBody>(&signed.body) {
            phone_reads(body);
        }
    }
    if let Ok(body) = serde_json::from_slice::<QrRequestBody>(data) {
        round_trip(&body);
        phone_reads(body);
    }
    if let Ok(status) = serde_json::from_slice::<QrStatus>(data) {
        round_trip(&status);
    }
}

/// A QR image a phone user uploads (photo or screenshot, PNG or JPEG): decoded and read as the
/// wallet's scan page does, its text then parsed as a link.
pub fn qr_image(data: &[u8]) {
    if let Ok(text) = yizhao_wallet::qr::decode_qr_bytes(data) {
        let _ = parse_qr_link(&text);
    }
}

fn platform_reads(answer: &QrAnswer) {
    if let Ok(cert) = Certificate::from_der(&answer.certificate)
        && let Ok(key) = cert.public_key()
    {
        let _ = key.verify(&qr_answer_message("{}", &answer.nonce), &answer.signature);
    }
    for c in &answer.chain {
        let _ = Certificate::from_der(c);
    }
    if let Ok(given) = serde_json::from_value::<ImpressionQrAnswer>(answer.payload.clone()) {
        round_trip(&given);
    }
}

fn phone_reads(body: QrRequestBody) {
    if let Ok(asked) = serde_json::from_value::<ImpressionQrPayload>(body.payload.clone()) {
        round_trip(&asked);
        if let Ok(upload) = serde_json::from_str::<UploadImpression>(&asked.upload) {
            round_trip(&upload);
        }
    }
    let _ = yizhao_wallet::qr::read_request(&body.kind, body.payload);
}

/// `value` written as JSON reads back equal (unless it holds a float: serde_json's default
/// float parsing may land one ULP off, which is not the parser's defect to find here).
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) {
    let text = serde_json::to_string(value).expect("a parsed value serialises");
    let back: T = serde_json::from_str(&text).expect("a serialised value parses");
    let tree = serde_json::to_value(value).expect("a parsed value serialises");
    if !has_float(&tree) {
        assert_eq!(&back, value, "JSON round trip of {text}");
    }
}

fn has_float(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Number(n) => n.is_f64(),
        serde_json::Value::Array(a) => a.iter().any(has_float),
        serde_json::Value::Object(o) => o.values().any(has_float),
        _ => false,
    }
}

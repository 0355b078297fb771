//! OpenSSL 3 as an independent judge of our SM2, SM4 and certificates, in both directions.
//! OpenSSL's default SM2 ID is empty, so every command passes the standard one explicitly.

use std::path::PathBuf;
use yizhao_gm::testing::{
    OPENSSL_SM2_DISTID as DISTID, openssl, openssl_sm2_verify, openssl_strparse, openssl_top_level,
};

use yizhao_gm::x509::{CertKind, Certificate, Issuer};
use yizhao_gm::{PrivateKey, PublicKey, SuiteId, suite};

use crate::TestRng;
use crate::x509::{NOW, params, pki};

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        Dir(tempfile::tempdir().unwrap())
    }
    fn p(&self, name: &str) -> PathBuf {
        self.0.path().join(name)
    }
    fn write(&self, name: &str, data: impl AsRef<[u8]>) -> PathBuf {
        let p = self.p(name);
        std::fs::write(&p, data).unwrap();
        p
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap()
}

fn openssl_sm2_key(d: &Dir) -> (PathBuf, PrivateKey) {
    let key = d.p("key.pem");
    let (ok, out) = openssl(&[&"genpkey", &"-algorithm", &"SM2", &"-out", &key]);
    assert!(ok, "{out}");
    let text = std::fs::read_to_string(&key).unwrap();
    let (_, der) = der::pem::decode_vec(text.as_bytes()).unwrap();
    (key, PrivateKey::from_pkcs8_der(&der).unwrap())
}

#[test]
fn openssl_verifies_our_sm2_signature() {
    let d = Dir::new();
    let k = PrivateKey::generate(SuiteId::Gm, &mut TestRng::new(1));
    let msg = "宜昌市示范建设工程有限公司 投标文件".as_bytes();
    let sig = k.sign(msg).unwrap();
    let pubkey = d.write(
        "pub.pem",
        pem("PUBLIC KEY", &k.public_key().to_spki_der().unwrap()),
    );
    let m = d.write("msg", msg);
    let s = d.write("sig.der", &sig);
    let (ok, out) = openssl_sm2_verify(&pubkey, &m, &s);
    assert!(
        ok && out.contains("Signature Verified Successfully"),
        "{out}"
    );
    // The judge can fail: a changed message is refused.
    let m2 = d.write("msg2", b"another message");
    let (ok, _) = openssl_sm2_verify(&pubkey, &m2, &s);
    assert!(!ok);
}

#[test]
fn we_verify_openssls_sm2_signature() {
    let d = Dir::new();
    let (key, ours) = openssl_sm2_key(&d);
    let m = d.write("msg", b"tender document digest");
    let s = d.p("sig.der");
    let (ok, out) = openssl(&[
        &"pkeyutl",
        &"-sign",
        &"-rawin",
        &"-digest",
        &"sm3",
        &"-inkey",
        &key,
        &"-in",
        &m,
        &"-out",
        &s,
        &"-pkeyopt",
        &DISTID,
    ]);
    assert!(ok, "{out}");
    let sig = std::fs::read(&s).unwrap();
    // Through the public key OpenSSL exports, not only through our import of its private key.
    let pubp = d.p("pub.pem");
    let (ok, out) = openssl(&[&"pkey", &"-in", &key, &"-pubout", &"-out", &pubp]);
    assert!(ok, "{out}");
    let (_, spki) = der::pem::decode_vec(std::fs::read(&pubp).unwrap().as_slice()).unwrap();
    let pk = PublicKey::from_spki_der(&spki).unwrap();
    assert_eq!(pk, ours.public_key());
    pk.verify(b"tender document digest", &sig).unwrap();
    assert!(pk.verify(b"tender document digesT", &sig).is_err());
}

#[test]
fn openssl_decrypts_our_sm2_cipher() {
    let d = Dir::new();
    let (key, ours) = openssl_sm2_key(&d);
    let ct = ours
        .public_key()
        .encrypt(b"content key 0123456789abcdef", &mut TestRng::new(2))
        .unwrap();
    let c = d.write("ct.der", &ct);
    let out_p = d.p("pt");
    let (ok, out) = openssl(&[
        &"pkeyutl",
        &"-decrypt",
        &"-inkey",
        &key,
        &"-in",
        &c,
        &"-out",
        &out_p,
    ]);
    assert!(ok, "{out}");
    assert_eq!(
        std::fs::read(&out_p).unwrap(),
        b"content key 0123456789abcdef"
    );
}

#[test]
fn we_decrypt_openssls_sm2_cipher() {
    let d = Dir::new();
    let (key, ours) = openssl_sm2_key(&d);
    let pubp = d.p("pub.pem");
    assert!(openssl(&[&"pkey", &"-in", &key, &"-pubout", &"-out", &pubp]).0);
    let m = d.write("msg", b"bid file content key");
    let c = d.p("ct.der");
    let (ok, out) = openssl(&[
        &"pkeyutl",
        &"-encrypt",
        &"-pubin",
        &"-inkey",
        &pubp,
        &"-in",
        &m,
        &"-out",
        &c,
    ]);
    assert!(ok, "{out}");
    let ct = std::fs::read(&c).unwrap();
    assert_eq!(
        ours.decrypt(&ct).unwrap().as_slice(),
        b"bid file content key"
    );
}

#[test]
fn our_sm4_equals_openssl_enc() {
    use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, StreamCipher};
    let d = Dir::new();
    let key = hex::decode("0123456789abcdeffedcba9876543210").unwrap();
    let iv = hex::decode("000102030405060708090a0b0c0d0e0f").unwrap();
    // Long enough for the widest SIMD kernel (64 blocks) and a tail; the cipher is the one
    // SM4-GCM uses (yizhao-sm4-simd, on the best path this CPU has).
    let data: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    let m = d.write("plain", &data);
    // CBC with PKCS#7 padding.
    let mut buf = data.clone();
    buf.resize(data.len() + 16, 0);
    let ours = cbc::Encryptor::<yizhao_sm4_simd::Sm4>::new_from_slices(&key, &iv)
        .unwrap()
        .encrypt_padded::<cbc::cipher::block_padding::Pkcs7>(&mut buf, data.len())
        .unwrap()
        .to_vec();
    let o = d.p("cbc");
    let (ok, out) = openssl(&[
        &"enc",
        &"-sm4-cbc",
        &"-K",
        &hex::encode(&key),
        &"-iv",
        &hex::encode(&iv),
        &"-in",
        &m,
        &"-out",
        &o,
    ]);
    assert!(ok, "{out}");
    assert_eq!(std::fs::read(&o).unwrap(), ours);
    // CBC decryption of OpenSSL's ciphertext runs the parallel blocks.
    let mut back = std::fs::read(&o).unwrap();
    let plain = cbc::Decryptor::<yizhao_sm4_simd::Sm4>::new_from_slices(&key, &iv)
        .unwrap()
        .decrypt_padded::<cbc::cipher::block_padding::Pkcs7>(&mut back)
        .unwrap();
    assert_eq!(plain, data.as_slice());
    // CTR, the mode GCM runs the cipher in.
    let mut ctr_ours = data.clone();
    ctr::Ctr128BE::<yizhao_sm4_simd::Sm4>::new_from_slices(&key, &iv)
        .unwrap()
        .apply_keystream(&mut ctr_ours);
    let o = d.p("ctr");
    let (ok, out) = openssl(&[
        &"enc",
        &"-sm4-ctr",
        &"-K",
        &hex::encode(&key),
        &"-iv",
        &hex::encode(&iv),
        &"-in",
        &m,
        &"-out",
        &o,
    ]);
    assert!(ok, "{out}");
    assert_eq!(std::fs::read(&o).unwrap(), ctr_ours);
}

fn write_cert(d: &Dir, name: &str, c: &Certificate) -> PathBuf {
    d.write(name, c.to_pem().unwrap())
}

#[test]
fn openssl_parses_and_verifies_our_certificates() {
    let d = Dir::new();
    let p = pki(SuiteId::Gm, 3);
    let root = write_cert(&d, "root.pem", &p.root);
    let ca = write_cert(&d, "ca.pem", &p.ca);
    let leaf = write_cert(&d, "leaf.pem", &p.leaf);
    let (ok, text) = openssl(&[&"x509", &"-in", &leaf, &"-noout", &"-text"]);
    assert!(ok, "{text}");
    assert!(
        text.contains("SM2-with-SM3") || text.contains("sm2sign-with-sm3"),
        "{text}"
    );
    assert!(
        text.contains("2.25.308679192752447074847886750742816862233.1.1"),
        "{text}"
    );
    assert!(
        text.contains("Digital Signature, Non Repudiation"),
        "{text}"
    );
    // OpenSSL 3.0 applies `-vfyopt distid` only to the certificate under test, not to the
    // intermediates it builds the chain through, so check each link with its issuer as anchor.
    let at = format!("{NOW}");
    let (ok, out) = openssl(&[
        &"verify", &"-vfyopt", &DISTID, &"-attime", &at, &"-CAfile", &root, &ca,
    ]);
    assert!(ok && out.contains(": OK"), "{out}");
    let (ok, out) = openssl(&[
        &"verify",
        &"-vfyopt",
        &DISTID,
        &"-attime",
        &at,
        &"-partial_chain",
        &"-CAfile",
        &ca,
        &leaf,
    ]);
    assert!(ok && out.contains(": OK"), "{out}");
    // And one chain check through root and intermediate, where the leaf is a direct child.
    let k = PrivateKey::generate(SuiteId::Gm, &mut TestRng::new(31));
    let direct = Certificate::issue(
        &params("李娜", CertKind::Signing, &mut TestRng::new(32)),
        &k.public_key(),
        Issuer::Ca {
            cert: &p.root,
            key: &p.root_key,
        },
    )
    .unwrap();
    let direct_p = write_cert(&d, "direct.pem", &direct);
    let (ok, out) = openssl(&[
        &"verify", &"-vfyopt", &DISTID, &"-attime", &at, &"-CAfile", &root, &direct_p,
    ]);
    assert!(ok && out.contains(": OK"), "{out}");
}

#[test]
fn openssl_refuses_a_wrongly_signed_leaf() {
    let d = Dir::new();
    let p = pki(SuiteId::Gm, 4);
    let mut rng = TestRng::new(40);
    // A CA certificate with the real CA's name but another key signs the leaf.
    let fake_key = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let fake_ca = Certificate::issue(
        &params(
            "yizhao 执照签发 CA",
            CertKind::Ca { path_len: Some(0) },
            &mut rng,
        ),
        &fake_key.public_key(),
        Issuer::SelfSigned(&fake_key),
    )
    .unwrap();
    let leaf_key = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let forged = Certificate::issue(
        &params("张伟", CertKind::Signing, &mut rng),
        &leaf_key.public_key(),
        Issuer::Ca {
            cert: &fake_ca,
            key: &fake_key,
        },
    )
    .unwrap();
    let root = write_cert(&d, "root.pem", &p.root);
    let ca = write_cert(&d, "ca.pem", &p.ca);
    let leaf = write_cert(&d, "forged.pem", &forged);
    let at = format!("{NOW}");
    let (ok, out) = openssl(&[
        &"verify",
        &"-vfyopt",
        &DISTID,
        &"-attime",
        &at,
        &"-partial_chain",
        &"-CAfile",
        &ca,
        &leaf,
    ]);
    assert!(!ok, "openssl accepted a forged leaf: {out}");
    // A genuine leaf with one byte of its body changed: the signature no longer matches.
    let mut der = p.leaf.to_der().to_vec();
    let needle = "张伟".as_bytes();
    let pos = der.windows(needle.len()).position(|w| w == needle).unwrap();
    der[pos + 2] ^= 1;
    let tampered = d.write("tampered.pem", pem("CERTIFICATE", &der));
    let (ok, out) = openssl(&[
        &"verify",
        &"-vfyopt",
        &DISTID,
        &"-attime",
        &at,
        &"-partial_chain",
        &"-CAfile",
        &ca,
        &tampered,
    ]);
    assert!(!ok && out.contains("signature failure"), "{out}");
    // And the genuine one passes, so the refusal is about the signature.
    let good = write_cert(&d, "leaf.pem", &p.leaf);
    assert!(
        openssl(&[
            &"verify",
            &"-vfyopt",
            &DISTID,
            &"-attime",
            &at,
            &"-partial_chain",
            &"-CAfile",
            &ca,
            &good
        ])
        .0
    );
    let _ = root;
}

/// Split a DER certificate into (TBS bytes, signature value) by walking its outer TLVs.
fn tbs_and_signature(cert: &[u8]) -> (Vec<u8>, Vec<u8>) {
    fn tlv(b: &[u8]) -> (usize, usize) {
        // Returns (header length, content length).
        let l0 = b[1] as usize;
        if l0 < 0x80 {
            (2, l0)
        } else {
            let n = l0 & 0x7f;
            let mut len = 0usize;
            for i in 0..n {
                len = (len << 8) | b[2 + i] as usize;
            }
            (2 + n, len)
        }
    }
    let (h, _) = tlv(cert);
    let body = &cert[h..];
    let (th, tl) = tlv(body);
    let tbs = body[..th + tl].to_vec();
    let rest = &body[th + tl..];
    let (ah, al) = tlv(rest);
    let bits = &rest[ah + al..];
    let (bh, bl) = tlv(bits);
    assert_eq!(bits[0], 0x03);
    assert_eq!(bits[bh], 0, "no unused bits");
    (tbs, bits[bh + 1..bh + bl].to_vec())
}

#[test]
fn openssl_checks_the_roots_self_signature() {
    let d = Dir::new();
    let p = pki(SuiteId::Gm, 5);
    let pubkey = d.write(
        "root-pub.pem",
        pem(
            "PUBLIC KEY",
            &p.root_key.public_key().to_spki_der().unwrap(),
        ),
    );
    let (tbs, sig) = tbs_and_signature(p.root.to_der());
    let t = d.write("tbs.der", &tbs);
    let s = d.write("sig.der", &sig);
    let (ok, out) = openssl_sm2_verify(&pubkey, &t, &s);
    assert!(ok, "{out}");
    // A root signed over other bytes fails the same check.
    let mut bad = tbs.clone();
    let n = bad.len();
    bad[n - 1] ^= 1;
    let t2 = d.write("tbs2.der", &bad);
    assert!(!openssl_sm2_verify(&pubkey, &t2, &s).0);
}

#[test]
fn openssl_verifies_intl_certificates_and_signatures() {
    let d = Dir::new();
    let p = pki(SuiteId::Intl, 6);
    let root = write_cert(&d, "root.pem", &p.root);
    let ca = write_cert(&d, "ca.pem", &p.ca);
    let leaf = write_cert(&d, "leaf.pem", &p.leaf);
    let at = format!("{NOW}");
    let (ok, out) = openssl(&[
        &"verify",
        &"-attime",
        &at,
        &"-CAfile",
        &root,
        &"-untrusted",
        &ca,
        &leaf,
    ]);
    assert!(ok && out.contains(": OK"), "{out}");
    let sig = p.leaf_key.sign(b"pdf bytes").unwrap();
    let pubkey = d.write(
        "pub.pem",
        pem(
            "PUBLIC KEY",
            &p.leaf_key.public_key().to_spki_der().unwrap(),
        ),
    );
    let m = d.write("m", b"pdf bytes");
    let s = d.write("s", &sig);
    let (ok, out) = openssl(&[
        &"dgst",
        &"-sha256",
        &"-verify",
        &pubkey,
        &"-signature",
        &s,
        &m,
    ]);
    assert!(ok, "{out}");
    assert_eq!(suite(SuiteId::Intl).hash(b"pdf bytes").len(), 32);
}

/// An SM2 CRL judged by OpenSSL. OpenSSL 3.0 cannot verify it with `openssl crl -CAfile`: the
/// CRL check has no way to take the SM2 ID (`-vfyopt` reaches only the certificate under test,
/// not CRLs), so it verifies with the empty default ID and prints "verify failure"; `openssl
/// verify -crl_check` fails the same way ("CRL signature failure"). So OpenSSL parses the CRL
/// (`crl -text`: version, algorithm, revoked serial, CRL number), and checks the signature with
/// `pkeyutl -verify … -pkeyopt distid:1234567812345678` over the TBSCertList it extracts itself
/// (`asn1parse -strparse`), with the key it takes from the root certificate (`x509 -pubkey`).
#[test]
fn openssl_parses_our_sm2_crl_and_verifies_its_signature() {
    let d = Dir::new();
    let p = pki(SuiteId::Gm, 21);
    let crl = yizhao_gm::crl::Crl::issue(
        &p.root,
        &p.root_key,
        NOW,
        NOW + 86_400,
        &[(p.ca.serial(), NOW - 60)],
    )
    .unwrap();
    let file = d.write("crl.der", crl.to_der());
    let (ok, text) = openssl(&[
        &"crl", &"-inform", &"DER", &"-in", &file, &"-text", &"-noout",
    ]);
    assert!(ok, "{text}");
    assert!(text.contains("Version 2 (0x1)"), "{text}");
    assert!(text.contains("SM2-with-SM3"), "{text}");
    assert!(text.contains("X509v3 CRL Number"), "{text}");
    assert!(text.contains("X509v3 Authority Key Identifier"), "{text}");
    let serial = hex::encode_upper(p.ca.serial());
    assert!(
        text.contains(&format!("Serial Number: {serial}")),
        "{serial} not listed: {text}"
    );
    // The signature, over what OpenSSL says the TBSCertList is.
    let top: Vec<usize> = openssl_top_level(&file)
        .into_iter()
        .map(|(o, _)| o)
        .collect();
    assert_eq!(top.len(), 3, "TBSCertList, algorithm, signature: {top:?}");
    let (tbs, sig) = (d.p("tbs.der"), d.p("sig.der"));
    openssl_strparse(&file, top[0], &tbs);
    openssl_strparse(&file, top[2], &sig);
    assert_eq!(std::fs::read(&tbs).unwrap(), crl.tbs_der().unwrap());
    let root = write_cert(&d, "root.pem", &p.root);
    let (ok, out) = openssl(&[&"x509", &"-in", &root, &"-pubkey", &"-noout"]);
    assert!(ok, "{out}");
    let pubkey = d.write("root-pub.pem", out);
    let verify = |tbs: &PathBuf| openssl_sm2_verify(&pubkey, tbs, &sig);
    let (ok, out) = verify(&tbs);
    assert!(
        ok && out.contains("Signature Verified Successfully"),
        "{out}"
    );
    // The judge can fail: the same CRL with another serial listed is refused.
    let mut bad = std::fs::read(&tbs).unwrap();
    let pos = bad
        .windows(p.ca.serial().len())
        .position(|w| w == p.ca.serial())
        .unwrap();
    bad[pos] ^= 1;
    let (ok, out) = verify(&d.write("tbs-bad.der", &bad));
    assert!(!ok, "{out}");
}

/// The same builder with the intl suite, which OpenSSL checks end to end: `openssl crl
/// -CAfile` says "verify OK", and `openssl verify -crl_check` finds the listed CA revoked.
#[test]
fn openssl_verifies_our_intl_crl_and_finds_the_revoked_certificate() {
    let d = Dir::new();
    let p = pki(SuiteId::Intl, 22);
    let root = write_cert(&d, "root.pem", &p.root);
    let ca = write_cert(&d, "ca.pem", &p.ca);
    let issue = |revoked: &[(&[u8], u64)]| {
        yizhao_gm::crl::Crl::issue(&p.root, &p.root_key, NOW, NOW + 86_400, revoked).unwrap()
    };
    let crl = issue(&[(p.ca.serial(), NOW - 60)]);
    let file = d.write("crl.der", crl.to_der());
    let (ok, out) = openssl(&[
        &"crl", &"-inform", &"DER", &"-in", &file, &"-CAfile", &root, &"-noout",
    ]);
    assert!(ok && out.contains("verify OK"), "{out}");
    // `openssl crl` exits 0 on a bad signature too: its words are the verdict. Another serial
    // listed in the same bytes fails.
    let mut der = crl.to_der().to_vec();
    let pos = der
        .windows(p.ca.serial().len())
        .position(|w| w == p.ca.serial())
        .unwrap();
    der[pos] ^= 1;
    let bad = d.write("bad.der", &der);
    let (_, out) = openssl(&[
        &"crl", &"-inform", &"DER", &"-in", &bad, &"-CAfile", &root, &"-noout",
    ]);
    assert!(out.contains("verify failure"), "{out}");
    let at = format!("{}", NOW + 60);
    let pem_file = d.write("crl.pem", crl.to_pem().unwrap());
    let (ok, out) = openssl(&[
        &"verify",
        &"-attime",
        &at,
        &"-crl_check",
        &"-CRLfile",
        &pem_file,
        &"-CAfile",
        &root,
        &ca,
    ]);
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let empty = d.write("empty.pem", issue(&[]).to_pem().unwrap());
    let (ok, out) = openssl(&[
        &"verify",
        &"-attime",
        &at,
        &"-crl_check",
        &"-CRLfile",
        &empty,
        &"-CAfile",
        &root,
        &ca,
    ]);
    assert!(ok && out.contains(": OK"), "{out}");
}

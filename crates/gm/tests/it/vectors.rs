//! STANDARDS.md §2.4 (SM2, GM/T 0003.5 example on the recommended curve) and §3.

use yizhao_gm::{PrivateKey, PublicKey, SuiteId, sm3};

use crate::{FixedRng, unhex};

const D: &str = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
const PX: &str = "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020";
const PY: &str = "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
const K: &str = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21";
const R: &str = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3";
const S: &str = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";
const CIPHER_DER: &str = "307C022004EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73022100E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0042059983C18F809E262923C53AEC295D30383B54E39D609D160AFCB1908D0BD8766041321886CA989CA9C7D58087307CA93092D651EFA";

// Curve constants (STANDARDS.md §2.1), for recomputing Z_A by hand.
const A: &str = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC";
const B: &str = "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93";
const GX: &str = "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7";
const GY: &str = "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0";

fn key() -> PrivateKey {
    PrivateKey::from_bytes(SuiteId::Gm, &unhex(D)).unwrap()
}

#[test]
fn public_key_from_private() {
    let mut sec1 = vec![4];
    sec1.extend(unhex(PX));
    sec1.extend(unhex(PY));
    assert_eq!(key().public_key().to_sec1(), sec1);
}

#[test]
fn z_a_and_e() {
    let mut z_in = vec![0x00, 0x80];
    z_in.extend_from_slice(b"1234567812345678");
    for part in [A, B, GX, GY, PX, PY] {
        z_in.extend(unhex(part));
    }
    let z = sm3(&z_in);
    assert_eq!(
        hex::encode_upper(z),
        "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
    );
    let mut e_in = z.to_vec();
    e_in.extend_from_slice(b"message digest");
    assert_eq!(
        hex::encode_upper(sm3(&e_in)),
        "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640"
    );
}

#[test]
fn standard_signature_verifies_raw_and_der() {
    let pk = key().public_key();
    let raw = [unhex(R), unhex(S)].concat();
    pk.verify(b"message digest", &raw).unwrap();
    let der = [unhex("30460221 00"), unhex(R), unhex("0221 00"), unhex(S)].concat();
    pk.verify(b"message digest", &der).unwrap();
    // The same signature on another message, or with another ID, must fail.
    assert!(pk.verify(b"message digesT", &raw).is_err());
    assert!(
        pk.verify_with_id("1234567812345679", b"message digest", &raw)
            .is_err()
    );
    let mut bad = raw.clone();
    bad[63] ^= 1;
    assert!(pk.verify(b"message digest", &bad).is_err());
}

#[test]
fn our_signature_is_der_and_verifies() {
    let sig = key().sign(b"message digest").unwrap();
    assert_eq!(sig[0], 0x30, "DER SEQUENCE");
    key().public_key().verify(b"message digest", &sig).unwrap();
}

#[test]
fn encryption_with_standard_k_gives_standard_ciphertext() {
    let mut rng = FixedRng(unhex(K));
    let ct = key()
        .public_key()
        .encrypt(b"encryption standard", &mut rng)
        .unwrap();
    assert_eq!(hex::encode_upper(&ct), CIPHER_DER);
}

#[test]
fn standard_ciphertext_decrypts() {
    let pt = key().decrypt(&unhex(CIPHER_DER)).unwrap();
    assert_eq!(pt.as_slice(), b"encryption standard");
    let mut bad = unhex(CIPHER_DER);
    let n = bad.len();
    bad[n - 1] ^= 1;
    assert!(key().decrypt(&bad).is_err(), "C3 must catch a changed C2");
}

#[test]
fn public_key_roundtrips_sec1_and_spki() {
    let pk = key().public_key();
    assert_eq!(
        PublicKey::from_sec1(SuiteId::Gm, &pk.to_sec1()).unwrap(),
        pk
    );
    assert_eq!(
        PublicKey::from_spki_der(&pk.to_spki_der().unwrap()).unwrap(),
        pk
    );
}

// SM4 single block and the 1,000,000-fold iteration (STANDARDS.md §3), through the block cipher
// that SM4-GCM uses (yizhao-sm4-simd on the best path this CPU has; the crate's own tests force
// each path).
#[test]
fn sm4_block_vectors() {
    use yizhao_sm4_simd::cipher::{BlockCipherEncrypt, KeyInit};
    let key = unhex("0123456789abcdeffedcba9876543210");
    let c = yizhao_sm4_simd::Sm4::new_from_slice(&key).unwrap();
    let mut block = yizhao_sm4_simd::cipher::Array::try_from(key.as_slice()).unwrap();
    c.encrypt_block(&mut block);
    assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
    for _ in 1..1_000_000 {
        c.encrypt_block(&mut block);
    }
    assert_eq!(hex::encode(block), "595298c7c6fd271f0402f804c33d3f66");
}

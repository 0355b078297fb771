//! Round trips and refusals for keys of both suites.

use proptest::prelude::*;
use yizhao_gm::{Error, KeyPurpose, PrivateKey, PublicKey, SuiteId, suite};

use crate::TestRng;

const SUITES: [SuiteId; 2] = [SuiteId::Gm, SuiteId::Intl];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn sign_verify_roundtrip(seed: u64, msg in proptest::collection::vec(any::<u8>(), 0..300), flip in any::<usize>()) {
        for s in SUITES {
            let k = PrivateKey::generate(s, &mut TestRng::new(seed));
            let sig = k.sign(&msg).unwrap();
            k.public_key().verify(&msg, &sig).unwrap();
            // Any flipped bit of the message breaks it.
            if !msg.is_empty() {
                let mut m = msg.clone();
                let i = flip % (m.len() * 8);
                m[i / 8] ^= 1 << (i % 8);
                prop_assert!(k.public_key().verify(&m, &sig).is_err());
            }
            // Another key doesn't verify it.
            let other = PrivateKey::generate(s, &mut TestRng::new(seed ^ 1));
            prop_assert!(other.public_key().verify(&msg, &sig).is_err());
        }
    }

    #[test]
    fn encrypt_decrypt_roundtrip(seed: u64, msg in proptest::collection::vec(any::<u8>(), 1..300)) {
        for s in SUITES {
            let mut rng = TestRng::new(seed);
            let k = PrivateKey::generate(s, &mut rng);
            let ct = k.public_key().encrypt(&msg, &mut rng).unwrap();
            let pt = k.decrypt(&ct).unwrap();
            prop_assert_eq!(pt.as_slice(), msg.as_slice());
            let other = PrivateKey::generate(s, &mut rng);
            prop_assert!(other.decrypt(&ct).is_err());
        }
    }

    #[test]
    fn wrap_unwrap_roundtrip(seed: u64, key in proptest::collection::vec(any::<u8>(), 16..64)) {
        for s in SUITES {
            let mut rng = TestRng::new(seed);
            let backup_holder = PrivateKey::generate(s, &mut rng);
            let wrapped = backup_holder.public_key().wrap_key(KeyPurpose::KeyBackup, &key, &mut rng).unwrap();
            let back = backup_holder.unwrap_key(KeyPurpose::KeyBackup, &wrapped).unwrap();
            prop_assert_eq!(back.as_slice(), key.as_slice());
            prop_assert!(backup_holder.unwrap_key(KeyPurpose::ContentKey, &wrapped).is_err());
            let mut bad = wrapped.clone();
            let n = bad.len();
            bad[n - 1] ^= 0x80;
            prop_assert!(backup_holder.unwrap_key(KeyPurpose::KeyBackup, &bad).is_err());
        }
    }

    #[test]
    fn private_key_bytes_and_pkcs8_roundtrip(seed: u64) {
        for s in SUITES {
            let k = PrivateKey::generate(s, &mut TestRng::new(seed));
            let again = PrivateKey::from_bytes(s, k.to_bytes().as_slice()).unwrap();
            prop_assert_eq!(again.public_key(), k.public_key());
            let p8 = PrivateKey::from_pkcs8_der(&k.to_pkcs8_der().unwrap()).unwrap();
            prop_assert_eq!(p8.public_key(), k.public_key());
            prop_assert_eq!(p8.suite(), s);
        }
    }
}

#[test]
fn wrong_purpose_is_its_own_error_for_gm() {
    let mut rng = TestRng::new(7);
    let k = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let w = k
        .public_key()
        .wrap_key(KeyPurpose::ContentKey, &[1; 16], &mut rng)
        .unwrap();
    assert_eq!(
        k.unwrap_key(KeyPurpose::KeyBackup, &w).unwrap_err(),
        Error::WrongPurpose
    );
}

#[test]
fn bad_keys_are_refused() {
    assert!(
        PrivateKey::from_bytes(SuiteId::Gm, &[0; 32]).is_err(),
        "zero scalar"
    );
    assert!(
        PrivateKey::from_bytes(SuiteId::Gm, &[0xff; 32]).is_err(),
        "scalar ≥ n"
    );
    assert!(
        PrivateKey::from_bytes(SuiteId::Gm, &[1; 31]).is_err(),
        "short"
    );
    assert!(
        PublicKey::from_sec1(SuiteId::Gm, &[4; 65]).is_err(),
        "not on the curve"
    );
    assert!(PublicKey::from_spki_der(b"\x30\x00").is_err());
    let sm2 = PrivateKey::generate(SuiteId::Gm, &mut TestRng::new(1)).public_key();
    // An SM2 point is not a P-256 point.
    assert!(PublicKey::from_sec1(SuiteId::Intl, &sm2.to_sec1()).is_err());
    assert!(sm2.verify(b"m", b"not a signature").is_err());
}

#[test]
fn debug_never_shows_secrets() {
    let k = PrivateKey::generate(SuiteId::Gm, &mut TestRng::new(3));
    let hexed = hex::encode(k.to_bytes().as_slice());
    let dbg = format!("{k:?}");
    assert!(dbg.contains("redacted"));
    assert!(!dbg.to_lowercase().contains(&hexed[..16]));
}

#[test]
fn suites_pick_their_algorithms() {
    assert_eq!(suite(SuiteId::Gm).hash(b"abc"), yizhao_gm::sm3(b"abc"));
    assert_eq!(
        hex::encode(suite(SuiteId::Intl).hash(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(suite(SuiteId::Gm).aead_algorithm().key_len(), 16);
    assert_eq!(suite(SuiteId::Intl).aead_algorithm().key_len(), 32);
    assert_eq!("gm".parse::<SuiteId>().unwrap(), SuiteId::Gm);
    assert!("rsa".parse::<SuiteId>().is_err());
}

//! The password-sealed keystore.

use yizhao_gm::keystore::{KdfParams, Keystore, Password};
use yizhao_gm::{Error, PrivateKey, SuiteId};

use crate::TestRng;

fn sample(rng: &mut TestRng) -> Keystore {
    let mut ks = Keystore::new();
    ks.insert(
        "license:91350100M000100Y43",
        PrivateKey::generate(SuiteId::Gm, rng),
    );
    ks.insert("bid-key", PrivateKey::generate(SuiteId::Gm, rng));
    ks.insert("intl", PrivateKey::generate(SuiteId::Intl, rng));
    ks
}

#[test]
fn roundtrip_keeps_every_key() {
    let mut rng = TestRng::new(1);
    let ks = sample(&mut rng);
    let file = ks
        .seal(
            &Password::new("123456"),
            SuiteId::Gm,
            KdfParams::INSECURE_FAST,
            &mut rng,
        )
        .unwrap();
    let back = Keystore::open(&file, &Password::new("123456")).unwrap();
    assert_eq!(
        back.labels().collect::<Vec<_>>(),
        ks.labels().collect::<Vec<_>>()
    );
    for l in ks.labels() {
        assert_eq!(
            back.get(l).unwrap().public_key(),
            ks.get(l).unwrap().public_key()
        );
        assert_eq!(back.get(l).unwrap().suite(), ks.get(l).unwrap().suite());
    }
}

#[test]
fn wrong_password_is_its_own_error_and_changes_nothing() {
    let mut rng = TestRng::new(2);
    let file = sample(&mut rng)
        .seal(
            &Password::new("123456"),
            SuiteId::Gm,
            KdfParams::INSECURE_FAST,
            &mut rng,
        )
        .unwrap();
    let before = file.clone();
    assert_eq!(
        Keystore::open(&file, &Password::new("654321")).unwrap_err(),
        Error::WrongPassword
    );
    assert_eq!(
        Keystore::change_password(
            &file,
            &Password::new("wrong"),
            &Password::new("new"),
            KdfParams::INSECURE_FAST,
            &mut rng
        )
        .unwrap_err(),
        Error::WrongPassword
    );
    assert_eq!(file, before);
    // The right password still opens it.
    Keystore::open(&file, &Password::new("123456")).unwrap();
}

#[test]
fn change_password_rekeys_all_keys() {
    let mut rng = TestRng::new(3);
    let ks = sample(&mut rng);
    let file = ks
        .seal(
            &Password::new("123456"),
            SuiteId::Gm,
            KdfParams::INSECURE_FAST,
            &mut rng,
        )
        .unwrap();
    let new = Keystore::change_password(
        &file,
        &Password::new("123456"),
        &Password::new("s3cret!"),
        KdfParams::INSECURE_FAST,
        &mut rng,
    )
    .unwrap();
    assert_eq!(
        Keystore::open(&new, &Password::new("123456")).unwrap_err(),
        Error::WrongPassword
    );
    let back = Keystore::open(&new, &Password::new("s3cret!")).unwrap();
    assert_eq!(back.len(), 3);
}

#[test]
fn tampered_header_or_body_is_refused() {
    let mut rng = TestRng::new(4);
    let file = sample(&mut rng)
        .seal(
            &Password::new("pw"),
            SuiteId::Gm,
            KdfParams::INSECURE_FAST,
            &mut rng,
        )
        .unwrap();
    for i in 0..file.len() {
        let mut t = file.clone();
        t[i] ^= 0x01;
        assert!(
            Keystore::open(&t, &Password::new("pw")).is_err(),
            "byte {i}"
        );
    }
    assert!(matches!(
        Keystore::open(b"garbage", &Password::new("pw")).unwrap_err(),
        Error::KeystoreFormat(_)
    ));
}

#[test]
fn kdf_params_are_stored_in_the_file_and_bounded() {
    let mut rng = TestRng::new(5);
    let ks = sample(&mut rng);
    let p = KdfParams {
        memory_kib: 128,
        iterations: 2,
        parallelism: 1,
    };
    let file = ks
        .seal(&Password::new("pw"), SuiteId::Intl, p, &mut rng)
        .unwrap();
    assert_eq!(Keystore::suite_of(&file).unwrap(), SuiteId::Intl);
    Keystore::open(&file, &Password::new("pw")).unwrap();
    let huge = KdfParams {
        memory_kib: 64 * 1024 * 1024,
        iterations: 1,
        parallelism: 1,
    };
    assert!(
        ks.seal(&Password::new("pw"), SuiteId::Gm, huge, &mut rng)
            .is_err()
    );
}

#[test]
fn debug_hides_password_and_keys() {
    let mut rng = TestRng::new(6);
    let ks = sample(&mut rng);
    let pw = Password::new("hunter2");
    assert!(!format!("{pw:?}").contains("hunter2"));
    let dbg = format!("{ks:?}");
    let secret = hex::encode(ks.get("bid-key").unwrap().to_bytes().as_slice());
    assert!(!dbg.contains(&secret[..12]));
}

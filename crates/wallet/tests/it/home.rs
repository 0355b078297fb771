//! The home folder: keystore under the device password, atomic files, redaction.

use std::path::Path;

use yizhao_gm::keystore::{KdfParams, Keystore, Password};
use yizhao_gm::{PrivateKey, SuiteId};
use yizhao_proto::authority::FaceData;
use yizhao_wallet::home::{RealNameSession, StoredLicense, atomic_write, key_label};
use yizhao_wallet::{DEFAULT_PASSWORD, Home, WalletError};

use crate::TestRng;

pub fn open(dir: &Path, seed: u64) -> Home {
    Home::open_with(dir, KdfParams::INSECURE_FAST, &mut TestRng::new(seed)).unwrap()
}

fn license(id: &str, uscc: &str, at: i64) -> StoredLicense {
    StoredLicense {
        license_id: id.into(),
        uscc: uscc.into(),
        entity_name: "宜昌市示范建设工程有限公司".into(),
        role: "legal_representative".into(),
        certificate: vec![0x30, 0x00],
        chain: vec![vec![0x30, 0x00]],
        face: FaceData {
            uscc: uscc.into(),
            name: "宜昌市示范建设工程有限公司".into(),
            kind: "有限责任公司".into(),
            legal_representative: "张伟".into(),
            registered_capital: "1000万元".into(),
            established: "2015-03-02".into(),
            business_term: "长期".into(),
            domicile: "湖北省宜昌市".into(),
            business_scope: "施工".into(),
            registration_authority: "宜昌市市场监督管理局".into(),
            locality: "420500".into(),
        },
        downloaded_at: at,
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn keystore_is_created_with_the_default_password() {
    let dir = tempfile::tempdir().unwrap();
    let home = open(dir.path(), 1);
    assert!(home.password_is_default().unwrap());
    let bytes = std::fs::read(dir.path().join("wallet.keystore")).unwrap();
    let ks = Keystore::open(&bytes, &Password::new(DEFAULT_PASSWORD)).unwrap();
    assert!(ks.is_empty());
    assert!(home.licenses().unwrap().is_empty());
    // Opening again keeps the same keystore.
    let _again = open(dir.path(), 2);
    assert_eq!(
        std::fs::read(dir.path().join("wallet.keystore")).unwrap(),
        bytes
    );
}

#[test]
fn change_password_rekeys_every_license() {
    let dir = tempfile::tempdir().unwrap();
    let home = open(dir.path(), 3);
    let mut rng = TestRng::new(4);
    let default = Password::new(DEFAULT_PASSWORD);
    let k1 = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let k2 = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let (p1, p2) = (k1.public_key(), k2.public_key());
    home.store_license(
        license("aa01", "91420500MA4F000X1A", 1),
        k1,
        &default,
        &mut rng,
    )
    .unwrap();
    home.store_license(
        license("bb02", "91420500MA4F000Y2B", 2),
        k2,
        &default,
        &mut rng,
    )
    .unwrap();

    let new = Password::new("s3cret-家");
    home.change_password(&default, &new, &mut rng).unwrap();
    assert!(!home.password_is_default().unwrap());

    let bytes = std::fs::read(dir.path().join("wallet.keystore")).unwrap();
    assert!(matches!(
        Keystore::open(&bytes, &default),
        Err(yizhao_gm::Error::WrongPassword)
    ));
    let ks = Keystore::open(&bytes, &new).unwrap();
    assert_eq!(ks.get(&key_label("aa01")).unwrap().public_key(), p1);
    assert_eq!(ks.get(&key_label("bb02")).unwrap().public_key(), p2);

    let sig = home.sign_with_license("bb02", &new, b"hello").unwrap();
    p2.verify(b"hello", &sig).unwrap();
    let err = home
        .sign_with_license("bb02", &default, b"hello")
        .unwrap_err();
    assert_eq!(err.code(), "wallet.wrong_password");
}

#[test]
fn wrong_old_password_leaves_the_keystore_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let home = open(dir.path(), 5);
    let mut rng = TestRng::new(6);
    let default = Password::new(DEFAULT_PASSWORD);
    let key = PrivateKey::generate(SuiteId::Gm, &mut rng);
    home.store_license(
        license("aa01", "91420500MA4F000X1A", 1),
        key,
        &default,
        &mut rng,
    )
    .unwrap();
    let keystore = dir.path().join("wallet.keystore");
    let state = dir.path().join("state.json");
    let (before, state_before) = (
        std::fs::read(&keystore).unwrap(),
        std::fs::read(&state).unwrap(),
    );

    let err = home
        .change_password(
            &Password::new("654321"),
            &Password::new("abcdefg"),
            &mut rng,
        )
        .unwrap_err();
    assert!(matches!(err, WalletError::WrongPassword), "{err:?}");
    assert_eq!(err.code(), "wallet.wrong_password");
    assert_eq!(std::fs::read(&keystore).unwrap(), before);
    assert_eq!(std::fs::read(&state).unwrap(), state_before);
    assert!(home.password_is_default().unwrap());

    // A too-short new password is refused before anything is touched.
    let err = home
        .change_password(&default, &Password::new("12"), &mut rng)
        .unwrap_err();
    assert_eq!(err.code(), "wallet.input");
    assert_eq!(std::fs::read(&keystore).unwrap(), before);
}

#[test]
fn atomic_writes_leave_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let home = open(dir.path(), 7);
    let mut rng = TestRng::new(8);
    let default = Password::new(DEFAULT_PASSWORD);
    for i in 0..3 {
        let key = PrivateKey::generate(SuiteId::Gm, &mut rng);
        let lic = license(&format!("cc0{i}"), "91420500MA4F000X1A", i);
        home.store_license(lic, key, &default, &mut rng).unwrap();
    }
    home.change_password(&default, &Password::new("abcdef"), &mut rng)
        .unwrap();
    home.set_realname(RealNameSession {
        name: "张伟".into(),
        token: "t".into(),
        expires_at: 1,
    })
    .unwrap();
    assert_eq!(
        names(dir.path()),
        ["licenses.json", "state.json", "wallet.keystore"]
    );

    let file = dir.path().join("x.json");
    atomic_write(&file, b"one").unwrap();
    atomic_write(&file, b"two").unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), b"two");
    assert_eq!(names(dir.path()).len(), 4);

    // A failed write (the target is a folder) cleans up after itself.
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    assert!(atomic_write(&sub, b"x").is_err());
    assert_eq!(names(dir.path()).len(), 5);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join("wallet.keystore"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "keystore readable by others: {mode:o}");
    }
}

#[test]
fn licenses_are_found_by_id_or_uscc() {
    let dir = tempfile::tempdir().unwrap();
    let home = open(dir.path(), 9);
    let mut rng = TestRng::new(10);
    let default = Password::new(DEFAULT_PASSWORD);
    for (id, at) in [("aa01", 1), ("aa02", 5), ("aa03", 3)] {
        let key = PrivateKey::generate(SuiteId::Gm, &mut rng);
        home.store_license(
            license(id, "91420500MA4F000X1A", at),
            key,
            &default,
            &mut rng,
        )
        .unwrap();
    }
    assert_eq!(home.license("AA03").unwrap().license_id, "aa03");
    // By USCC: the latest download.
    assert_eq!(
        home.license("91420500MA4F000X1A").unwrap().license_id,
        "aa02"
    );
    let err = home.license("nope").unwrap_err();
    assert_eq!(err.code(), "wallet.no_license");
    assert_eq!(home.licenses().unwrap().len(), 3);
}

#[test]
fn debug_output_redacts_secrets() {
    let session = RealNameSession {
        name: "张伟".into(),
        token: "very-secret-token".into(),
        expires_at: 1,
    };
    let shown = format!("{session:?}");
    assert!(!shown.contains("very-secret-token"), "{shown}");
    assert!(shown.contains("[redacted]"));
    let pw = format!("{:?}", Password::new("hunter22"));
    assert!(!pw.contains("hunter22"));
}

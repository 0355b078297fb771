//! The seal authority's own keys: a root CA and the seal maker's signing certificate under it
//! (GB/T 38540: the maker signs every seal). Made on first start, kept sealed under the
//! server's key password in `seal_keys`, so every replica loads the same ones.
//!
//! The maker can be revoked and replaced (issue #5): a rotation revokes the current maker
//! (`revoked_seal_makers`, which the root's CRL lists) and issues a new one under the same root,
//! in one transaction. The root's key stays loaded because it signs those CRLs.

use yizhao_gm::PrivateKey;
use yizhao_gm::keystore::{KdfParams, Password};
use yizhao_gm::x509::{CertKind, Certificate};
use yizhao_store::{Database, RevokedSealMakerRow, Transaction};

use crate::cert_keys::{Issued, issue, open, seal};
use crate::error::ApiError;
use crate::rng::{PortRng, RandomSource};

const ROOT: &str = "root";
const MAKER: &str = "maker";
const ORGANIZATION: &str = "yizhao 电子印章系统";
/// The maker certificate's common name and validity (years).
const MAKER_CN: (&str, u64) = ("yizhao 电子印章制章", 10);

/// The seal authority's certificates and keys.
pub struct SealKeys {
    /// Root CA certificate (trust anchor of every seal's maker).
    pub root: Certificate,
    /// The root's key: it signs maker certificates and the CRL of revoked makers.
    pub root_key: PrivateKey,
    /// The maker's certificate (in every seal).
    pub maker: Certificate,
    /// The maker's key.
    pub maker_key: PrivateKey,
}

/// A maker certificate that a rotation revoked, and the one that replaced it.
#[derive(Debug, Clone)]
pub struct Rotation {
    /// The revoked maker's certificate.
    pub old: Certificate,
    /// The new maker's certificate.
    pub new: Certificate,
}

/// A certificate's serial number as stored: lowercase hex.
pub fn serial_hex(cert: &Certificate) -> String {
    hex::encode(cert.serial())
}

fn unix(now: i64) -> Result<u64, ApiError> {
    u64::try_from(now).map_err(|_| ApiError::internal(&"clock before 1970"))
}

impl SealKeys {
    /// Load the keys, or make and store them if this database has none.
    pub async fn load_or_create(
        db: &Database,
        password: &Password,
        kdf: KdfParams,
        rng: &dyn RandomSource,
        now: i64,
    ) -> Result<Self, ApiError> {
        let mut tx = db.begin().await?;
        if let (Some(root), Some(maker)) = (tx.seal_key(ROOT).await?, tx.seal_key(MAKER).await?) {
            let root = open(root, ROOT, password)?;
            let maker = open(maker, MAKER, password)?;
            return Ok(SealKeys {
                root: root.cert,
                root_key: root.key,
                maker: maker.cert,
                maker_key: maker.key,
            });
        }
        let mut r = PortRng(rng);
        let now = unix(now)?;
        let ca = CertKind::Ca { path_len: Some(0) };
        let root = issue(
            &mut r,
            now,
            ORGANIZATION,
            ("yizhao 电子印章根CA", ca, 20),
            None,
        )?;
        let maker = issue(
            &mut r,
            now,
            ORGANIZATION,
            (MAKER_CN.0, CertKind::Signing, MAKER_CN.1),
            Some(&root),
        )?;
        for (name, issued) in [(ROOT, &root), (MAKER, &maker)] {
            let sealed = seal(name, &issued.key, password, kdf, &mut r)?;
            tx.insert_seal_key(name, &sealed, issued.cert.to_der())
                .await?;
        }
        tx.commit().await?;
        tracing::info!("seal authority keys created");
        Ok(SealKeys {
            root: root.cert,
            root_key: root.key,
            maker: maker.cert,
            maker_key: maker.key,
        })
    }
}

/// The stored maker, if its certificate differs from `held` (a rotation by another process):
/// one query of the certificate alone, and the keystore is opened only when it changed.
pub(super) async fn changed_maker(
    tx: &mut Transaction,
    held: &Certificate,
    password: &Password,
) -> Result<Option<Issued>, ApiError> {
    let stored = tx
        .seal_key_certificate(MAKER)
        .await?
        .ok_or_else(|| ApiError::internal(&"the seal maker's key is missing"))?;
    if stored == held.to_der() {
        return Ok(None);
    }
    let row = tx
        .seal_key(MAKER)
        .await?
        .ok_or_else(|| ApiError::internal(&"the seal maker's key is missing"))?;
    Ok(Some(open(row, MAKER, password)?))
}

/// Revoke `current` (the maker stored now) for `reason` and store a new maker key and
/// certificate under `root`, in `tx`. Fails with `seal.maker_changed` if the stored maker is no
/// longer `current` (a rotation elsewhere got there first).
pub(super) async fn rotate(
    tx: &mut Transaction,
    root: &Issued,
    current: &Certificate,
    (password, kdf): (&Password, KdfParams),
    rng: &dyn RandomSource,
    (now, reason): (i64, &str),
) -> Result<Issued, ApiError> {
    let mut r = PortRng(rng);
    let maker = issue(
        &mut r,
        unix(now)?,
        ORGANIZATION,
        (MAKER_CN.0, CertKind::Signing, MAKER_CN.1),
        Some(root),
    )?;
    let sealed = seal(MAKER, &maker.key, password, kdf, &mut r)?;
    if !tx
        .replace_seal_key(MAKER, current.to_der(), &sealed, maker.cert.to_der())
        .await?
    {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "seal.maker_changed",
            "制章者证书刚刚已被更换，请重新操作。",
        ));
    }
    tx.insert_revoked_seal_maker(&RevokedSealMakerRow {
        serial: serial_hex(current),
        certificate: current.to_der().to_vec(),
        revoked_at: now,
        reason: reason.to_owned(),
    })
    .await?;
    Ok(maker)
}

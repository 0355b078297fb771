//! The seal authority's own keys: a root CA and the seal maker's signing certificate under it
//! (GB/T 38540: the maker signs every seal). Made on first start, kept sealed under the
//! server's key password in `seal_keys`, so every replica loads the same ones.

use yizhao_gm::PrivateKey;
use yizhao_gm::keystore::{KdfParams, Password};
use yizhao_gm::x509::{CertKind, Certificate};
use yizhao_store::Database;

use crate::cert_keys::{issue, open, seal};
use crate::error::ApiError;
use crate::rng::{PortRng, RandomSource};

const ROOT: &str = "root";
const MAKER: &str = "maker";
const ORGANIZATION: &str = "yizhao 电子印章系统";

/// The seal authority's certificates and the maker's key.
pub struct SealKeys {
    /// Root CA certificate (trust anchor of every seal's maker).
    pub root: Certificate,
    /// The maker's certificate (in every seal).
    pub maker: Certificate,
    /// The maker's key.
    pub maker_key: PrivateKey,
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
            let maker = open(maker, MAKER, password)?;
            return Ok(SealKeys {
                root: open(root, ROOT, password)?.cert,
                maker: maker.cert,
                maker_key: maker.key,
            });
        }
        let mut r = PortRng(rng);
        let now = u64::try_from(now).map_err(|_| ApiError::internal(&"clock before 1970"))?;
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
            ("yizhao 电子印章制章", CertKind::Signing, 10),
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
            maker: maker.cert,
            maker_key: maker.key,
        })
    }
}

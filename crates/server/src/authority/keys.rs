//! The authority's own keys: a root CA, the license-issuing CA under it, and the signer of
//! credential-status answers. Made on first start, kept in the database sealed under the
//! server's key password, so every replica loads the same ones.

use yizhao_gm::PrivateKey;
use yizhao_gm::keystore::{KdfParams, Password};
use yizhao_gm::x509::{CertKind, Certificate};
use yizhao_store::Database;

use crate::cert_keys::{issue, open, seal};
use crate::error::ApiError;
use crate::rng::{PortRng, RandomSource};

const ROOT: &str = "root";
const ISSUING: &str = "issuing";
const STATUS: &str = "status";
const ORGANIZATION: &str = "yizhao 电子营业执照系统";

/// The authority's certificates and the keys it signs with.
pub struct AuthorityKeys {
    /// Root CA certificate (trust anchor of every license).
    pub root: Certificate,
    /// The CA that issues license certificates.
    pub issuing: Certificate,
    /// Its key.
    pub issuing_key: PrivateKey,
    /// The status signer's certificate.
    pub status: Certificate,
    /// Its key.
    pub status_key: PrivateKey,
}

impl std::fmt::Debug for AuthorityKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorityKeys")
            .field("root", &self.root.subject())
            .finish_non_exhaustive()
    }
}

impl AuthorityKeys {
    /// Load the keys, or make and store them if this database has none.
    pub async fn load_or_create(
        db: &Database,
        password: &Password,
        kdf: KdfParams,
        rng: &dyn RandomSource,
        now: i64,
    ) -> Result<Self, ApiError> {
        let mut tx = db.begin().await?;
        let loaded = (
            tx.authority_key(ROOT).await?,
            tx.authority_key(ISSUING).await?,
            tx.authority_key(STATUS).await?,
        );
        if let (Some(root), Some(issuing), Some(status)) = loaded {
            let issuing = open(issuing, ISSUING, password)?;
            let status = open(status, STATUS, password)?;
            return Ok(AuthorityKeys {
                root: open(root, ROOT, password)?.cert,
                issuing: issuing.cert,
                issuing_key: issuing.key,
                status: status.cert,
                status_key: status.key,
            });
        }
        let mut r = PortRng(rng);
        let now = u64::try_from(now).map_err(|_| ApiError::internal(&"clock before 1970"))?;
        let root = issue(
            &mut r,
            now,
            ORGANIZATION,
            (
                "yizhao 电子营业执照根CA",
                CertKind::Ca { path_len: Some(1) },
                20,
            ),
            None,
        )?;
        let issuing = issue(
            &mut r,
            now,
            ORGANIZATION,
            (
                "yizhao 电子营业执照签发CA",
                CertKind::Ca { path_len: Some(0) },
                10,
            ),
            Some(&root),
        )?;
        let status = issue(
            &mut r,
            now,
            ORGANIZATION,
            ("yizhao 执照状态签名", CertKind::Signing, 5),
            Some(&root),
        )?;
        for (name, issued) in [(ROOT, &root), (ISSUING, &issuing), (STATUS, &status)] {
            let sealed = seal(name, &issued.key, password, kdf, &mut r)?;
            tx.insert_authority_key(name, &sealed, issued.cert.to_der())
                .await?;
        }
        tx.commit().await?;
        tracing::info!("authority keys created");
        Ok(AuthorityKeys {
            root: root.cert,
            issuing: issuing.cert,
            issuing_key: issuing.key,
            status: status.cert,
            status_key: status.key,
        })
    }
}

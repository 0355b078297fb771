//! The authority's own keys: a root CA, the license-issuing CA under it, and the signer of
//! credential-status answers. Made on first start, kept in the database sealed under the
//! server's key password, so every replica loads the same ones.

use yizhao_gm::keystore::{KdfParams, Keystore, Password};
use yizhao_gm::x509::{
    CertKind, Certificate, CertificateParams, DistinguishedName, Issuer, random_serial,
};
use yizhao_gm::{PrivateKey, SuiteId};
use yizhao_store::Database;

use crate::error::ApiError;
use crate::rng::{PortRng, RandomSource};

const ROOT: &str = "root";
const ISSUING: &str = "issuing";
const STATUS: &str = "status";
const YEAR: u64 = 365 * 86_400;

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

fn dn(cn: &str) -> DistinguishedName {
    DistinguishedName {
        country: Some("CN".into()),
        organization: Some("yizhao 电子营业执照系统".into()),
        organizational_unit: None,
        common_name: cn.into(),
        serial_number: None,
    }
}

fn err(e: yizhao_gm::Error) -> ApiError {
    ApiError::internal(&e)
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
            let open = |(ks, cert): (Vec<u8>, Vec<u8>),
                        name: &str|
             -> Result<(Certificate, PrivateKey), ApiError> {
                let store = Keystore::open(&ks, password).map_err(err)?;
                let key = store
                    .get(name)
                    .cloned()
                    .ok_or_else(|| ApiError::internal(&"authority key missing"))?;
                Ok((Certificate::from_der(&cert).map_err(err)?, key))
            };
            let (root, _) = open(root, ROOT)?;
            let (issuing, issuing_key) = open(issuing, ISSUING)?;
            let (status, status_key) = open(status, STATUS)?;
            return Ok(AuthorityKeys {
                root,
                issuing,
                issuing_key,
                status,
                status_key,
            });
        }
        let mut r = PortRng(rng);
        let now = u64::try_from(now).map_err(|_| ApiError::internal(&"clock before 1970"))?;
        let params = |cn: &str, kind, years: u64, r: &mut PortRng<'_>| CertificateParams {
            subject: dn(cn),
            serial: random_serial(r),
            not_before: now.saturating_sub(3600),
            not_after: now + years * YEAR,
            kind,
            extensions: vec![],
        };
        let root_key = PrivateKey::generate(SuiteId::Gm, &mut r);
        let root = Certificate::issue(
            &params(
                "yizhao 电子营业执照根CA",
                CertKind::Ca { path_len: Some(1) },
                20,
                &mut r,
            ),
            &root_key.public_key(),
            Issuer::SelfSigned(&root_key),
        )
        .map_err(err)?;
        let issuing_key = PrivateKey::generate(SuiteId::Gm, &mut r);
        let issuing = Certificate::issue(
            &params(
                "yizhao 电子营业执照签发CA",
                CertKind::Ca { path_len: Some(0) },
                10,
                &mut r,
            ),
            &issuing_key.public_key(),
            Issuer::Ca {
                cert: &root,
                key: &root_key,
            },
        )
        .map_err(err)?;
        let status_key = PrivateKey::generate(SuiteId::Gm, &mut r);
        let status = Certificate::issue(
            &params("yizhao 执照状态签名", CertKind::Signing, 5, &mut r),
            &status_key.public_key(),
            Issuer::Ca {
                cert: &root,
                key: &root_key,
            },
        )
        .map_err(err)?;
        for (name, key, cert) in [
            (ROOT, &root_key, &root),
            (ISSUING, &issuing_key, &issuing),
            (STATUS, &status_key, &status),
        ] {
            let mut ks = Keystore::new();
            ks.insert(name, key.clone());
            let sealed = ks.seal(password, SuiteId::Gm, kdf, &mut r).map_err(err)?;
            tx.insert_authority_key(name, &sealed, cert.to_der())
                .await?;
        }
        tx.commit().await?;
        tracing::info!("authority keys created");
        Ok(AuthorityKeys {
            root,
            issuing,
            issuing_key,
            status,
            status_key,
        })
    }
}

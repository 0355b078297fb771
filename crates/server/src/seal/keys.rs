//! The seal authority's own keys: a root CA and the seal maker's signing certificate under it
//! (GB/T 38540: the maker signs every seal). Made on first start, kept sealed under the
//! server's key password in `seal_keys`, so every replica loads the same ones.

use yizhao_gm::keystore::{KdfParams, Keystore, Password};
use yizhao_gm::x509::{
    CertKind, Certificate, CertificateParams, DistinguishedName, Issuer, random_serial,
};
use yizhao_gm::{PrivateKey, SuiteId};
use yizhao_store::Database;

use crate::error::ApiError;
use crate::rng::{PortRng, RandomSource};

const ROOT: &str = "root";
const MAKER: &str = "maker";
const YEAR: u64 = 365 * 86_400;

/// The seal authority's certificates and the maker's key.
pub struct SealKeys {
    /// Root CA certificate (trust anchor of every seal's maker).
    pub root: Certificate,
    /// The maker's certificate (in every seal).
    pub maker: Certificate,
    /// The maker's key.
    pub maker_key: PrivateKey,
}

fn err(e: yizhao_gm::Error) -> ApiError {
    ApiError::internal(&e)
}

fn dn(cn: &str) -> DistinguishedName {
    DistinguishedName {
        country: Some("CN".into()),
        organization: Some("yizhao 电子印章系统".into()),
        organizational_unit: None,
        common_name: cn.into(),
        serial_number: None,
    }
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
        if let (Some(root), Some((maker_ks, maker))) =
            (tx.seal_key(ROOT).await?, tx.seal_key(MAKER).await?)
        {
            let maker_key = Keystore::open(&maker_ks, password)
                .map_err(err)?
                .get(MAKER)
                .cloned()
                .ok_or_else(|| ApiError::internal(&"seal maker key missing"))?;
            return Ok(SealKeys {
                root: Certificate::from_der(&root.1).map_err(err)?,
                maker: Certificate::from_der(&maker).map_err(err)?,
                maker_key,
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
                "yizhao 电子印章根CA",
                CertKind::Ca { path_len: Some(0) },
                20,
                &mut r,
            ),
            &root_key.public_key(),
            Issuer::SelfSigned(&root_key),
        )
        .map_err(err)?;
        let maker_key = PrivateKey::generate(SuiteId::Gm, &mut r);
        let maker = Certificate::issue(
            &params("yizhao 电子印章制章", CertKind::Signing, 10, &mut r),
            &maker_key.public_key(),
            Issuer::Ca {
                cert: &root,
                key: &root_key,
            },
        )
        .map_err(err)?;
        for (name, key, cert) in [(ROOT, &root_key, &root), (MAKER, &maker_key, &maker)] {
            let mut ks = Keystore::new();
            ks.insert(name, key.clone());
            let sealed = ks.seal(password, SuiteId::Gm, kdf, &mut r).map_err(err)?;
            tx.insert_seal_key(name, &sealed, cert.to_der()).await?;
        }
        tx.commit().await?;
        tracing::info!("seal authority keys created");
        Ok(SealKeys {
            root,
            maker,
            maker_key,
        })
    }
}

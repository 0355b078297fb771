//! The two suites behind one trait, the way rustls' `CryptoProvider` separates providers.

use core::fmt;

use rand_core::CryptoRng;

use crate::aead::AeadAlgorithm;
use crate::error::{Error, Result};
use crate::hash::{DIGEST_LEN, HashAlgorithm, Hasher};
use crate::keys::{PrivateKey, PublicKey};

/// Which suite: the Chinese national algorithms (the default) or the international ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SuiteId {
    /// SM2 / SM3 / SM4-GCM.
    #[default]
    Gm,
    /// ECDSA P-256 / SHA-256 / AES-256-GCM, for documents checked by international validators.
    Intl,
}

impl SuiteId {
    /// The name used in files and APIs: `gm` or `intl`.
    pub fn as_str(self) -> &'static str {
        match self {
            SuiteId::Gm => "gm",
            SuiteId::Intl => "intl",
        }
    }

    /// One byte used in binary formats (stream and keystore headers).
    pub fn code(self) -> u8 {
        match self {
            SuiteId::Gm => 1,
            SuiteId::Intl => 2,
        }
    }

    /// The suite of a binary-format code.
    pub fn from_code(code: u8) -> Result<Self> {
        match code {
            1 => Ok(SuiteId::Gm),
            2 => Ok(SuiteId::Intl),
            _ => Err(Error::Parameter("unknown suite code")),
        }
    }
}

impl fmt::Display for SuiteId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::str::FromStr for SuiteId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "gm" => Ok(SuiteId::Gm),
            "intl" => Ok(SuiteId::Intl),
            _ => Err(Error::Parameter("suite must be gm or intl")),
        }
    }
}

/// One suite's primitives. Code above this crate picks a suite once (from configuration) and
/// uses it through this trait; keys remember their own suite.
pub trait CryptoSuite: Send + Sync + fmt::Debug + 'static {
    /// Which suite this is.
    fn id(&self) -> SuiteId;
    /// The suite's hash.
    fn hash_algorithm(&self) -> HashAlgorithm;
    /// The suite's AEAD.
    fn aead_algorithm(&self) -> AeadAlgorithm;
    /// The digest of `data`.
    fn hash(&self, data: &[u8]) -> [u8; DIGEST_LEN] {
        self.hash_algorithm().digest(data)
    }
    /// An incremental hasher.
    fn hasher(&self) -> Hasher {
        Hasher::new(self.hash_algorithm())
    }
    /// HMAC over the suite's hash.
    fn hmac(&self, key: &[u8], data: &[u8]) -> [u8; DIGEST_LEN] {
        crate::hash::hmac_with(self.hash_algorithm(), key, data)
    }
    /// A fresh private key.
    fn generate_key(&self, rng: &mut dyn CryptoRng) -> PrivateKey {
        PrivateKey::generate(self.id(), rng)
    }
    /// A private key from its 32-byte scalar.
    fn private_key(&self, bytes: &[u8]) -> Result<PrivateKey> {
        PrivateKey::from_bytes(self.id(), bytes)
    }
    /// A public key from SEC1 bytes.
    fn public_key(&self, sec1: &[u8]) -> Result<PublicKey> {
        PublicKey::from_sec1(self.id(), sec1)
    }
    /// The X.509 signature algorithm OID of the suite.
    fn signature_algorithm(&self) -> der::oid::ObjectIdentifier;
}

/// The `gm` suite.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gm;

/// The `intl` suite.
#[derive(Debug, Clone, Copy, Default)]
pub struct Intl;

impl CryptoSuite for Gm {
    fn id(&self) -> SuiteId {
        SuiteId::Gm
    }
    fn hash_algorithm(&self) -> HashAlgorithm {
        HashAlgorithm::Sm3
    }
    fn aead_algorithm(&self) -> AeadAlgorithm {
        AeadAlgorithm::Sm4Gcm
    }
    fn signature_algorithm(&self) -> der::oid::ObjectIdentifier {
        crate::oid::SM2_WITH_SM3
    }
}

impl CryptoSuite for Intl {
    fn id(&self) -> SuiteId {
        SuiteId::Intl
    }
    fn hash_algorithm(&self) -> HashAlgorithm {
        HashAlgorithm::Sha256
    }
    fn aead_algorithm(&self) -> AeadAlgorithm {
        AeadAlgorithm::Aes256Gcm
    }
    fn signature_algorithm(&self) -> der::oid::ObjectIdentifier {
        crate::oid::ECDSA_WITH_SHA256
    }
}

/// The suite object for an id.
pub fn suite(id: SuiteId) -> &'static dyn CryptoSuite {
    match id {
        SuiteId::Gm => &Gm,
        SuiteId::Intl => &Intl,
    }
}

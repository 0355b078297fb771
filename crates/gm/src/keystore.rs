//! The keystore: several private keys in one file, sealed under a password.
//!
//! The file is DER:
//! ```text
//! KeystoreFile ::= SEQUENCE {
//!   header  KeystoreHeader,      -- authenticated as the AEAD's associated data
//!   sealed  OCTET STRING }       -- AEAD(DER(SEQUENCE OF KeyEntry)) ‖ tag
//! KeystoreHeader ::= SEQUENCE {
//!   format IA5String ("yizhao-keystore"), version INTEGER (1), suite INTEGER (1 gm, 2 intl),
//!   salt OCTET STRING, memoryKib INTEGER, iterations INTEGER, parallelism INTEGER,
//!   nonce OCTET STRING (12) }
//! KeyEntry ::= SEQUENCE { label UTF8String, suite INTEGER, secret OCTET STRING }
//! ```
//! The key is Argon2id(password, salt, parameters from the header) and the AEAD is the suite's.
//! Every save draws a fresh salt and nonce.

use core::fmt;

use der::asn1::{Ia5String, OctetString};
use der::{Decode, Encode, Sequence};
use rand_core::CryptoRng;
use zeroize::{Zeroize, Zeroizing};

use crate::aead::{AeadKey, NONCE_LEN};
use crate::error::{Error, Result};
use crate::keys::PrivateKey;
use crate::suite::{SuiteId, suite};

const FORMAT: &str = "yizhao-keystore";
const VERSION: u8 = 1;
const SALT_LEN: usize = 16;

/// A password, zeroized on drop and never printed.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wrap a password string.
    pub fn new(s: impl Into<String>) -> Self {
        Password(Zeroizing::new(s.into()))
    }

    /// The password's bytes.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// Argon2id cost parameters, stored in the file so they can be raised later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl KdfParams {
    /// OWASP's recommendation for Argon2id: 19 MiB, 2 passes, 1 lane.
    pub const DEFAULT: KdfParams = KdfParams {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };
    /// Cheap parameters for tests and benchmarks only.
    pub const INSECURE_FAST: KdfParams = KdfParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    /// Upper bounds accepted when opening a file, so a hostile file can't exhaust the machine.
    fn check(self) -> Result<Self> {
        if self.memory_kib > 1024 * 1024 || self.iterations > 64 || self.parallelism > 16 {
            return Err(Error::KeystoreFormat("key derivation parameters too large"));
        }
        Ok(self)
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        KdfParams::DEFAULT
    }
}

#[derive(Sequence)]
struct KeystoreFile {
    header: KeystoreHeader,
    sealed: OctetString,
}

#[derive(Sequence, Clone)]
struct KeystoreHeader {
    format: Ia5String,
    version: u8,
    suite: u8,
    salt: OctetString,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    nonce: OctetString,
}

#[derive(Sequence)]
struct KeyEntryDer {
    label: String,
    suite: u8,
    secret: OctetString,
}

impl Drop for KeyEntryDer {
    fn drop(&mut self) {
        // OctetString offers no &mut; replace it so the secret bytes are dropped via zeroize.
        if let Ok(empty) = OctetString::new(Vec::<u8>::new()) {
            let secret = core::mem::replace(&mut self.secret, empty);
            let mut bytes = secret.into_bytes();
            bytes.zeroize();
        }
    }
}

/// The keys of one phone, in memory after [`Keystore::open`].
#[derive(Default)]
pub struct Keystore {
    entries: Vec<(String, PrivateKey)>,
}

impl fmt::Debug for Keystore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keystore")
            .field("labels", &self.labels().collect::<Vec<_>>())
            .finish()
    }
}

impl Keystore {
    /// An empty keystore.
    pub fn new() -> Self {
        Keystore::default()
    }

    /// Add a key under `label`, replacing any key that had that label.
    pub fn insert(&mut self, label: impl Into<String>, key: PrivateKey) {
        let label = label.into();
        self.entries.retain(|(l, _)| *l != label);
        self.entries.push((label, key));
    }

    /// The key under `label`.
    pub fn get(&self, label: &str) -> Option<&PrivateKey> {
        self.entries
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, k)| k)
    }

    /// Remove the key under `label`; returns whether there was one.
    pub fn remove(&mut self, label: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|(l, _)| l != label);
        self.entries.len() != before
    }

    /// The labels, in insertion order.
    pub fn labels(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(l, _)| l.as_str())
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Seal the keystore under `password` into the bytes of a keystore file.
    pub fn seal(
        &self,
        password: &Password,
        suite_id: SuiteId,
        params: KdfParams,
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        let params = params.check()?;
        let mut salt = [0u8; SALT_LEN];
        rng.fill_bytes(&mut salt);
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        let header = KeystoreHeader {
            format: Ia5String::new(FORMAT)?,
            version: VERSION,
            suite: suite_id.code(),
            salt: OctetString::new(salt)?,
            memory_kib: params.memory_kib,
            iterations: params.iterations,
            parallelism: params.parallelism,
            nonce: OctetString::new(nonce)?,
        };
        let entries = self
            .entries
            .iter()
            .map(|(label, key)| {
                Ok(KeyEntryDer {
                    label: label.clone(),
                    suite: key.suite().code(),
                    secret: OctetString::new(key.to_bytes().as_slice())?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let mut plain = Zeroizing::new(entries.to_der()?);
        drop(entries);
        let aad = header.to_der()?;
        let key = derive_key(password, suite_id, &salt, params)?;
        key.seal_in_place(&nonce, &aad, &mut plain)?;
        let sealed = OctetString::new(plain.as_slice())?;
        Ok(KeystoreFile { header, sealed }.to_der()?)
    }

    /// Open keystore file bytes with `password`. A wrong password gives
    /// [`Error::WrongPassword`]; a malformed file [`Error::KeystoreFormat`].
    pub fn open(file: &[u8], password: &Password) -> Result<Self> {
        let parsed = KeystoreFile::from_der(file)
            .map_err(|_| Error::KeystoreFormat("not a keystore file"))?;
        let h = &parsed.header;
        if h.format.as_str() != FORMAT {
            return Err(Error::KeystoreFormat("not a keystore file"));
        }
        if h.version != VERSION {
            return Err(Error::KeystoreFormat("unknown keystore version"));
        }
        let suite_id =
            SuiteId::from_code(h.suite).map_err(|_| Error::KeystoreFormat("unknown suite"))?;
        let nonce: [u8; NONCE_LEN] = h
            .nonce
            .as_bytes()
            .try_into()
            .map_err(|_| Error::KeystoreFormat("bad nonce"))?;
        let params = KdfParams {
            memory_kib: h.memory_kib,
            iterations: h.iterations,
            parallelism: h.parallelism,
        }
        .check()?;
        let key = derive_key(password, suite_id, h.salt.as_bytes(), params)?;
        let aad = h.to_der()?;
        let mut buf = Zeroizing::new(parsed.sealed.as_bytes().to_vec());
        key.open_in_place(&nonce, &aad, &mut buf)
            .map_err(|_| Error::WrongPassword)?;
        let entries = Vec::<KeyEntryDer>::from_der(&buf)
            .map_err(|_| Error::KeystoreFormat("bad key entries"))?;
        let mut store = Keystore::new();
        for e in &entries {
            let suite = SuiteId::from_code(e.suite)
                .map_err(|_| Error::KeystoreFormat("unknown key suite"))?;
            store.insert(
                e.label.clone(),
                PrivateKey::from_bytes(suite, e.secret.as_bytes())?,
            );
        }
        Ok(store)
    }

    /// Re-seal keystore file bytes under a new password (R4: one password for every key).
    /// Fails, changing nothing, if `old` is wrong.
    pub fn change_password(
        file: &[u8],
        old: &Password,
        new: &Password,
        params: KdfParams,
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        let suite_id = Self::suite_of(file)?;
        Self::open(file, old)?.seal(new, suite_id, params, rng)
    }

    /// The suite a keystore file is sealed with.
    pub fn suite_of(file: &[u8]) -> Result<SuiteId> {
        let parsed = KeystoreFile::from_der(file)
            .map_err(|_| Error::KeystoreFormat("not a keystore file"))?;
        SuiteId::from_code(parsed.header.suite).map_err(|_| Error::KeystoreFormat("unknown suite"))
    }
}

fn derive_key(
    password: &Password,
    suite_id: SuiteId,
    salt: &[u8],
    p: KdfParams,
) -> Result<AeadKey> {
    let params = argon2::Params::new(p.memory_kib, p.iterations, p.parallelism, Some(32))
        .map_err(|_| Error::KeystoreFormat("invalid key derivation parameters"))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(password.expose().as_bytes(), salt, out.as_mut_slice())
        .map_err(|_| Error::KeystoreFormat("key derivation failed"))?;
    let alg = suite(suite_id).aead_algorithm();
    AeadKey::new(alg, &out[..alg.key_len()])
}

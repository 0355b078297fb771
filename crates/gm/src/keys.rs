//! Private and public keys of both suites: signatures, public-key encryption and key wrapping.
//!
//! `gm` keys are SM2 (GB/T 32918): signatures carry a distinguishing ID (default
//! [`DEFAULT_SM2_ID`]), are written as DER `SM2Signature` and read as DER or raw r‖s; encryption
//! is `SM2Cipher` DER (C1C3C2, GB/T 35276), the form OpenSSL reads. `intl` keys are ECDSA P-256
//! with SHA-256, and P-256 ECIES (HKDF-SHA-256, AES-256-GCM) for wrapping.

use core::fmt;

use der::asn1::{OctetString, Utf8StringRef};
use der::{Decode, Encode, Sequence};
use p256::elliptic_curve::Generate as _;
use rand_core::CryptoRng;
use sm2::dsa::signature::{SignatureEncoding as _, Signer, Verifier};
use spki::{DecodePublicKey, EncodePublicKey};
use zeroize::Zeroizing;

use crate::aead::{AeadAlgorithm, AeadKey, NONCE_LEN};
use crate::error::{Error, Result};
use crate::suite::SuiteId;

/// The SM2 distinguishing ID that GB/T 35276 specifies and every party here uses by default.
pub const DEFAULT_SM2_ID: &str = "1234567812345678";

/// Length in bytes of a private scalar of either suite.
pub const PRIVATE_KEY_LEN: usize = 32;

/// A private key. Its secret is zeroized when it is dropped, and `Debug` never shows it.
#[derive(Clone)]
pub struct PrivateKey(PrivateInner);

#[derive(Clone)]
enum PrivateInner {
    Sm2(Sm2Private),
    P256(p256::ecdsa::SigningKey),
}

/// An SM2 signing key with the default ID. `sm2::dsa::SigningKey` does not zeroize itself, so
/// this wrapper overwrites it on drop (see `Drop` below).
#[derive(Clone)]
struct Sm2Private(sm2::dsa::SigningKey);

impl Drop for Sm2Private {
    fn drop(&mut self) {
        // `SigningKey` exposes no `&mut` to its scalar, so zeroize by overwriting the whole value
        // in place with a fixed non-secret key; black_box keeps the store from being elided.
        if let Ok(blank) = sm2::dsa::SigningKey::from_slice(DEFAULT_SM2_ID, &BLANK_SCALAR) {
            self.0 = blank;
            core::hint::black_box(&self.0);
        }
    }
}

/// The scalar 1, used only to overwrite a dropped key.
const BLANK_SCALAR: [u8; 32] = {
    let mut s = [0u8; 32];
    s[31] = 1;
    s
};

/// A public key, for verifying signatures and encrypting or wrapping to its owner.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(PublicInner);

#[derive(Clone, PartialEq, Eq)]
enum PublicInner {
    Sm2(sm2::PublicKey),
    P256(p256::PublicKey),
}

/// What a wrapped key is for; bound into the wrapping so a key wrapped for one purpose can't be
/// unwrapped as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyPurpose {
    /// A private key backed up to another holder (R19).
    KeyBackup,
    /// A content key of an encrypted file (bid files, R18).
    ContentKey,
}

impl KeyPurpose {
    fn label(self) -> &'static str {
        match self {
            KeyPurpose::KeyBackup => "yizhao/key-backup/v1",
            KeyPurpose::ContentKey => "yizhao/content-key/v1",
        }
    }
}

/// Plaintext of an SM2-wrapped key: the purpose label travels inside the ciphertext.
#[derive(Sequence)]
struct WrappedPlain<'a> {
    purpose: Utf8StringRef<'a>,
    key: OctetString,
}

/// An ECIES-wrapped key of the intl suite.
#[derive(Sequence)]
struct EciesWrapped {
    ephemeral: OctetString,
    ciphertext: OctetString,
}

impl PrivateKey {
    /// A fresh random key of `suite`.
    pub fn generate(suite: SuiteId, rng: &mut dyn CryptoRng) -> Self {
        match suite {
            SuiteId::Gm => {
                let scalar = sm2::NonZeroScalar::generate_from_rng(rng);
                match sm2::dsa::SigningKey::from_nonzero_scalar(DEFAULT_SM2_ID, scalar) {
                    Ok(k) => PrivateKey(PrivateInner::Sm2(Sm2Private(k))),
                    // The default ID is 16 bytes, far below the 8 KiB limit of ENTL.
                    Err(_) => unreachable!("the default SM2 ID is valid"),
                }
            }
            SuiteId::Intl => PrivateKey(PrivateInner::P256(
                p256::ecdsa::SigningKey::generate_from_rng(rng),
            )),
        }
    }

    /// A key from its 32-byte big-endian private scalar.
    pub fn from_bytes(suite: SuiteId, bytes: &[u8]) -> Result<Self> {
        if bytes.len() != PRIVATE_KEY_LEN {
            return Err(Error::BadKey("a private key is 32 bytes"));
        }
        Ok(PrivateKey(match suite {
            SuiteId::Gm => PrivateInner::Sm2(Sm2Private(
                sm2::dsa::SigningKey::from_slice(DEFAULT_SM2_ID, bytes)
                    .map_err(|_| Error::BadKey("not a valid SM2 private key"))?,
            )),
            SuiteId::Intl => PrivateInner::P256(
                p256::ecdsa::SigningKey::from_slice(bytes)
                    .map_err(|_| Error::BadKey("not a valid P-256 private key"))?,
            ),
        }))
    }

    /// A key from a DER PKCS#8 `PrivateKeyInfo` (as `openssl genpkey` writes); the curve picks
    /// the suite.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        use sm2::pkcs8::DecodePrivateKey;
        if let Ok(k) = sm2::SecretKey::from_pkcs8_der(der) {
            return Self::from_bytes(SuiteId::Gm, &Zeroizing::new(k.to_bytes()));
        }
        if let Ok(k) = p256::SecretKey::from_pkcs8_der(der) {
            return Self::from_bytes(SuiteId::Intl, &Zeroizing::new(k.to_bytes()));
        }
        Err(Error::BadKey("not an SM2 or P-256 PKCS#8 private key"))
    }

    /// The DER PKCS#8 `PrivateKeyInfo`, zeroized when dropped.
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        use sm2::pkcs8::EncodePrivateKey;
        let bytes = self.to_bytes();
        let doc = match self.suite() {
            SuiteId::Gm => sm2::SecretKey::from_slice(bytes.as_slice())
                .map_err(|_| Error::BadKey("SM2 key"))?
                .to_pkcs8_der(),
            SuiteId::Intl => p256::SecretKey::from_slice(bytes.as_slice())
                .map_err(|_| Error::BadKey("P-256 key"))?
                .to_pkcs8_der(),
        }
        .map_err(|_| Error::BadKey("private key could not be encoded"))?;
        Ok(Zeroizing::new(doc.as_bytes().to_vec()))
    }

    /// The 32-byte private scalar, in a buffer that is zeroized when dropped.
    pub fn to_bytes(&self) -> Zeroizing<[u8; PRIVATE_KEY_LEN]> {
        Zeroizing::new(match &self.0 {
            PrivateInner::Sm2(k) => k.0.to_bytes().into(),
            PrivateInner::P256(k) => k.to_bytes().into(),
        })
    }

    /// The suite this key belongs to.
    pub fn suite(&self) -> SuiteId {
        match self.0 {
            PrivateInner::Sm2(_) => SuiteId::Gm,
            PrivateInner::P256(_) => SuiteId::Intl,
        }
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(match &self.0 {
            PrivateInner::Sm2(k) => PublicInner::Sm2(k.0.verifying_key().into()),
            PrivateInner::P256(k) => PublicInner::P256(k.verifying_key().into()),
        })
    }

    /// Sign `msg`; returns the DER signature (`SM2Signature` with the default ID for gm, ECDSA
    /// with SHA-256 for intl). Signing is deterministic (RFC 6979 nonces).
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>> {
        match &self.0 {
            PrivateInner::Sm2(k) => {
                let sig: sm2::dsa::Signature =
                    k.0.try_sign(msg).map_err(|_| Error::BadSignature)?;
                Ok(sig.to_der().to_vec())
            }
            PrivateInner::P256(k) => {
                let sig: p256::ecdsa::DerSignature =
                    k.try_sign(msg).map_err(|_| Error::BadSignature)?;
                Ok(sig.to_vec())
            }
        }
    }

    /// Sign `msg` with an SM2 distinguishing ID other than the default (gm keys only).
    pub fn sign_with_id(&self, id: &str, msg: &[u8]) -> Result<Vec<u8>> {
        match &self.0 {
            PrivateInner::Sm2(k) => {
                let key = Sm2Private(
                    sm2::dsa::SigningKey::from_nonzero_scalar(id, *k.0.as_nonzero_scalar())
                        .map_err(|_| Error::BadKey("the SM2 ID is too long"))?,
                );
                let sig: sm2::dsa::Signature =
                    key.0.try_sign(msg).map_err(|_| Error::BadSignature)?;
                Ok(sig.to_der().to_vec())
            }
            PrivateInner::P256(_) => Err(Error::BadKey("only SM2 keys take a signer ID")),
        }
    }

    /// Decrypt a ciphertext made by [`PublicKey::encrypt`] (`SM2Cipher` DER for gm).
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        match &self.0 {
            PrivateInner::Sm2(k) => {
                let dk = sm2::pke::DecryptingKey::from_nonzero_scalar(*k.0.as_nonzero_scalar())
                    .map_err(|_| Error::Decrypt)?;
                dk.decrypt_der(ciphertext)
                    .map(Zeroizing::new)
                    .map_err(|_| Error::Decrypt)
            }
            PrivateInner::P256(k) => ecies_decrypt(k, ciphertext, b""),
        }
    }

    /// Unwrap a key wrapped to this key's public key by [`PublicKey::wrap_key`] for `purpose`.
    pub fn unwrap_key(&self, purpose: KeyPurpose, wrapped: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        match &self.0 {
            PrivateInner::Sm2(_) => {
                let plain = self.decrypt(wrapped)?;
                let parsed = WrappedPlain::from_der(&plain).map_err(|_| Error::Decrypt)?;
                if parsed.purpose.as_str() != purpose.label() {
                    return Err(Error::WrongPurpose);
                }
                Ok(Zeroizing::new(parsed.key.as_bytes().to_vec()))
            }
            PrivateInner::P256(k) => {
                ecies_decrypt(k, wrapped, purpose.label().as_bytes()).map_err(|e| match e {
                    // The purpose is the AEAD's associated data: a mismatch fails the tag.
                    Error::Aead => Error::Decrypt,
                    other => other,
                })
            }
        }
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey({}, [redacted])", self.suite())
    }
}

impl PublicKey {
    /// A public key from its SEC1 encoding (`04‖X‖Y` or compressed).
    pub fn from_sec1(suite: SuiteId, bytes: &[u8]) -> Result<Self> {
        Ok(PublicKey(match suite {
            SuiteId::Gm => PublicInner::Sm2(
                sm2::PublicKey::from_sec1_bytes(bytes)
                    .map_err(|_| Error::BadKey("not an SM2 public key"))?,
            ),
            SuiteId::Intl => PublicInner::P256(
                p256::PublicKey::from_sec1_bytes(bytes)
                    .map_err(|_| Error::BadKey("not a P-256 public key"))?,
            ),
        }))
    }

    /// The uncompressed SEC1 encoding `04‖X‖Y` (65 bytes).
    pub fn to_sec1(&self) -> Vec<u8> {
        use p256::elliptic_curve::sec1::ToSec1Point;
        match &self.0 {
            PublicInner::Sm2(k) => k.to_sec1_point(false).as_bytes().to_vec(),
            PublicInner::P256(k) => k.to_sec1_point(false).as_bytes().to_vec(),
        }
    }

    /// A public key from a DER `SubjectPublicKeyInfo`; the curve OID picks the suite.
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        if let Ok(k) = sm2::PublicKey::from_public_key_der(der) {
            return Ok(PublicKey(PublicInner::Sm2(k)));
        }
        if let Ok(k) = p256::PublicKey::from_public_key_der(der) {
            return Ok(PublicKey(PublicInner::P256(k)));
        }
        Err(Error::BadKey("not an SM2 or P-256 SubjectPublicKeyInfo"))
    }

    /// The DER `SubjectPublicKeyInfo` (id-ecPublicKey with the suite's curve OID).
    pub fn to_spki_der(&self) -> Result<Vec<u8>> {
        let doc = match &self.0 {
            PublicInner::Sm2(k) => k.to_public_key_der(),
            PublicInner::P256(k) => k.to_public_key_der(),
        }
        .map_err(|_| Error::BadKey("public key could not be encoded"))?;
        Ok(doc.as_bytes().to_vec())
    }

    /// The suite this key belongs to.
    pub fn suite(&self) -> SuiteId {
        match self.0 {
            PublicInner::Sm2(_) => SuiteId::Gm,
            PublicInner::P256(_) => SuiteId::Intl,
        }
    }

    /// Verify a signature made by [`PrivateKey::sign`]. SM2 signatures use the default ID and
    /// may be DER or raw 64-byte r‖s; P-256 ones likewise.
    pub fn verify(&self, msg: &[u8], signature: &[u8]) -> Result<()> {
        self.verify_inner(DEFAULT_SM2_ID, msg, signature)
    }

    /// Verify an SM2 signature made with another distinguishing ID (gm keys only).
    pub fn verify_with_id(&self, id: &str, msg: &[u8], signature: &[u8]) -> Result<()> {
        if !matches!(self.0, PublicInner::Sm2(_)) {
            return Err(Error::BadKey("only SM2 keys take a signer ID"));
        }
        self.verify_inner(id, msg, signature)
    }

    fn verify_inner(&self, id: &str, msg: &[u8], signature: &[u8]) -> Result<()> {
        match &self.0 {
            PublicInner::Sm2(k) => {
                let sig = if signature.len() == sm2::dsa::Signature::BYTE_SIZE {
                    sm2::dsa::Signature::from_slice(signature)
                } else {
                    sm2::dsa::Signature::from_der(signature)
                }
                .map_err(|_| Error::BadSignature)?;
                let vk = sm2::dsa::VerifyingKey::new(id, *k)
                    .map_err(|_| Error::BadKey("the SM2 ID is too long"))?;
                vk.verify(msg, &sig).map_err(|_| Error::BadSignature)
            }
            PublicInner::P256(k) => {
                let sig = if signature.len() == 64 {
                    p256::ecdsa::Signature::from_slice(signature)
                } else {
                    p256::ecdsa::Signature::from_der(signature)
                }
                .map_err(|_| Error::BadSignature)?;
                p256::ecdsa::VerifyingKey::from(k)
                    .verify(msg, &sig)
                    .map_err(|_| Error::BadSignature)
            }
        }
    }

    /// Encrypt `msg` to this key: `SM2Cipher` DER (C1C3C2) for gm, ECIES for intl.
    pub fn encrypt(&self, msg: &[u8], rng: &mut dyn CryptoRng) -> Result<Vec<u8>> {
        match &self.0 {
            PublicInner::Sm2(k) => sm2::pke::EncryptingKey::new(*k)
                .encrypt_der(&mut &mut *rng, msg)
                .map_err(|_| Error::Parameter("SM2 encryption failed")),
            PublicInner::P256(k) => ecies_encrypt(k, msg, b"", rng),
        }
    }

    /// Wrap a secret key (a private key for backup, a content key) to this key's owner.
    pub fn wrap_key(
        &self,
        purpose: KeyPurpose,
        key: &[u8],
        rng: &mut dyn CryptoRng,
    ) -> Result<Vec<u8>> {
        match &self.0 {
            PublicInner::Sm2(_) => {
                let plain = Zeroizing::new(
                    WrappedPlain {
                        purpose: Utf8StringRef::new(purpose.label())?,
                        key: OctetString::new(key)?,
                    }
                    .to_der()?,
                );
                self.encrypt(&plain, rng)
            }
            PublicInner::P256(k) => ecies_encrypt(k, key, purpose.label().as_bytes(), rng),
        }
    }

    /// A short fingerprint of the key: the suite's hash of the SEC1 encoding.
    pub fn fingerprint(&self) -> [u8; 32] {
        crate::suite::suite(self.suite()).hash(&self.to_sec1())
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fp = self.fingerprint();
        write!(f, "PublicKey({}, ", self.suite())?;
        for b in &fp[..8] {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

/// HKDF-SHA-256 from the ECDH secret to an AES-256-GCM key, binding both public keys.
fn ecies_key(shared: &[u8], ephemeral: &[u8], recipient: &[u8]) -> Result<AeadKey> {
    let hk = hkdf::Hkdf::<sha2::Sha256>::new(Some(b"yizhao/ecies/v1"), shared);
    let mut okm = Zeroizing::new([0u8; 32]);
    let info = [ephemeral, recipient].concat();
    hk.expand(&info, okm.as_mut_slice())
        .map_err(|_| Error::Parameter("HKDF output length"))?;
    AeadKey::new(AeadAlgorithm::Aes256Gcm, okm.as_slice())
}

fn ecies_encrypt(
    recipient: &p256::PublicKey,
    msg: &[u8],
    aad: &[u8],
    rng: &mut dyn CryptoRng,
) -> Result<Vec<u8>> {
    use p256::elliptic_curve::sec1::ToSec1Point;
    let eph = p256::ecdh::EphemeralSecret::generate_from_rng(rng);
    let eph_pub = eph.public_key().to_sec1_point(false).as_bytes().to_vec();
    let shared = eph.diffie_hellman(recipient);
    let rec = recipient.to_sec1_point(false).as_bytes().to_vec();
    let key = ecies_key(shared.raw_secret_bytes().as_slice(), &eph_pub, &rec)?;
    // The key is fresh for every message, so a fixed nonce is safe.
    let ct = key.seal(&[0u8; NONCE_LEN], aad, msg)?;
    Ok(EciesWrapped {
        ephemeral: OctetString::new(eph_pub)?,
        ciphertext: OctetString::new(ct)?,
    }
    .to_der()?)
}

fn ecies_decrypt(
    me: &p256::ecdsa::SigningKey,
    wrapped: &[u8],
    aad: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    use p256::elliptic_curve::sec1::ToSec1Point;
    let parsed = EciesWrapped::from_der(wrapped).map_err(|_| Error::Decrypt)?;
    let eph = p256::PublicKey::from_sec1_bytes(parsed.ephemeral.as_bytes())
        .map_err(|_| Error::Decrypt)?;
    let secret = p256::SecretKey::from(me.as_nonzero_scalar());
    let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), eph.as_affine());
    let rec = p256::PublicKey::from(me.verifying_key())
        .to_sec1_point(false)
        .as_bytes()
        .to_vec();
    let key = ecies_key(
        shared.raw_secret_bytes().as_slice(),
        parsed.ephemeral.as_bytes(),
        &rec,
    )?;
    key.open(&[0u8; NONCE_LEN], aad, parsed.ciphertext.as_bytes())
        .map(Zeroizing::new)
}

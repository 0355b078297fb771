//! yizhao's cryptography: the `gm` suite (SM2, SM3, SM4-GCM; the default) and the `intl` suite
//! (ECDSA P-256, SHA-256, AES-256-GCM) behind one API, plus X.509 certificates and their revocation lists, a password-sealed
//! keystore and streaming authenticated encryption for files of any size.
//!
//! No I/O happens here beyond `std::io::{Read, Write}` adaptors that the caller hands in;
//! randomness comes in as a `rand_core::CryptoRng` argument and time as a parameter.

pub mod aead;
pub mod crl;
pub mod error;
pub mod hash;
pub mod keys;
pub mod keystore;
pub mod oid;
pub mod stream;
pub mod suite;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod x509;

pub use aead::{AeadAlgorithm, AeadKey};
pub use error::{ChainError, Error, Result};
pub use hash::{HashAlgorithm, Hasher, hmac_sm3, sm3};
pub use keys::{DEFAULT_SM2_ID, KeyPurpose, PrivateKey, PublicKey};
pub use suite::{CryptoSuite, Gm, Intl, SuiteId, suite};

pub use rand_core::CryptoRng;

/// The operating system's random number generator, for the system adapters that hand randomness
/// to this crate. It panics only if the OS source fails, which nothing can recover from.
pub fn system_rng() -> rand_core::UnwrapErr<getrandom::SysRng> {
    rand_core::UnwrapErr(getrandom::SysRng)
}

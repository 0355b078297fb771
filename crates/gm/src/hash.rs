//! Hashes (SM3, SHA-256) and HMAC over them.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest as _, Sha256};
use sm3::Sm3;

/// A hash algorithm of one of the suites. Both give 32-byte digests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SM3 (GB/T 32905), the `gm` suite's hash.
    Sm3,
    /// SHA-256, the `intl` suite's hash.
    Sha256,
}

/// Length in bytes of every digest this crate makes.
pub const DIGEST_LEN: usize = 32;

/// SM3 of `data`.
pub fn sm3(data: &[u8]) -> [u8; DIGEST_LEN] {
    Sm3::digest(data).into()
}

/// HMAC-SM3 of `data` under `key` (any key length).
pub fn hmac_sm3(key: &[u8], data: &[u8]) -> [u8; DIGEST_LEN] {
    hmac_with(HashAlgorithm::Sm3, key, data)
}

/// HMAC of `data` under `key` with the given hash.
pub fn hmac_with(alg: HashAlgorithm, key: &[u8], data: &[u8]) -> [u8; DIGEST_LEN] {
    match alg {
        HashAlgorithm::Sm3 => {
            // HMAC accepts keys of any length, so new_from_slice cannot fail.
            let Ok(mut mac) = Hmac::<Sm3>::new_from_slice(key) else {
                unreachable!("HMAC takes keys of any length")
            };
            mac.update(data);
            mac.finalize().into_bytes().into()
        }
        HashAlgorithm::Sha256 => {
            let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
                unreachable!("HMAC takes keys of any length")
            };
            mac.update(data);
            mac.finalize().into_bytes().into()
        }
    }
}

/// An incremental hash, for data that arrives in pieces (files, streams).
#[derive(Clone)]
pub struct Hasher(HasherInner);

#[derive(Clone)]
enum HasherInner {
    Sm3(Sm3),
    Sha256(Sha256),
}

impl Hasher {
    /// A new hasher for `alg`.
    pub fn new(alg: HashAlgorithm) -> Self {
        Hasher(match alg {
            HashAlgorithm::Sm3 => HasherInner::Sm3(Sm3::new()),
            HashAlgorithm::Sha256 => HasherInner::Sha256(Sha256::new()),
        })
    }

    /// Feed more data.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            HasherInner::Sm3(h) => h.update(data),
            HasherInner::Sha256(h) => h.update(data),
        }
    }

    /// The digest of everything fed so far.
    pub fn finish(self) -> [u8; DIGEST_LEN] {
        match self.0 {
            HasherInner::Sm3(h) => h.finalize().into(),
            HasherInner::Sha256(h) => h.finalize().into(),
        }
    }
}

impl HashAlgorithm {
    /// The digest of `data`.
    pub fn digest(self, data: &[u8]) -> [u8; DIGEST_LEN] {
        let mut h = Hasher::new(self);
        h.update(data);
        h.finish()
    }
}

impl core::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self.0 {
            HasherInner::Sm3(_) => "Hasher(SM3)",
            HasherInner::Sha256(_) => "Hasher(SHA-256)",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // STANDARDS.md §3.
    #[test]
    fn sm3_vectors() {
        assert_eq!(
            hex::encode(sm3(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        assert_eq!(
            hex::encode(sm3(&b"abcd".repeat(16))),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
    }

    #[test]
    fn incremental_equals_one_shot() {
        let data = b"yizhao one license, recognised everywhere".repeat(100);
        for alg in [HashAlgorithm::Sm3, HashAlgorithm::Sha256] {
            let mut h = Hasher::new(alg);
            for piece in data.chunks(7) {
                h.update(piece);
            }
            assert_eq!(h.finish(), alg.digest(&data));
        }
    }

    // RFC 4231 test case 2 for the HMAC construction over SHA-256.
    #[test]
    fn hmac_sha256_rfc4231() {
        assert_eq!(
            hex::encode(hmac_with(
                HashAlgorithm::Sha256,
                b"Jefe",
                b"what do ya want for nothing?"
            )),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn hmac_sm3_definition() {
        // HMAC per RFC 2104 computed from SM3 directly: H((K^opad) || H((K^ipad) || m)).
        let key = b"key";
        let msg = b"message";
        let mut k = [0u8; 64];
        k[..key.len()].copy_from_slice(key);
        let ipad: Vec<u8> = k
            .iter()
            .map(|b| b ^ 0x36)
            .chain(msg.iter().copied())
            .collect();
        let inner = sm3(&ipad);
        let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).chain(inner).collect();
        assert_eq!(hmac_sm3(key, msg), sm3(&opad));
    }
}

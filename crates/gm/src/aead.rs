//! Authenticated encryption: SM4-GCM (gm) and AES-256-GCM (intl), 12-byte nonces, 16-byte tags.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInOut, KeyInit};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// SM4 in GCM mode with a 96-bit nonce (RFC 8998), from yizhao-sm4-simd: its SIMD SM4 kernels
/// and VPCLMULQDQ GHASH where the CPU has them, the portable `sm4` and `ghash` crates otherwise.
type Sm4Gcm = yizhao_sm4_simd::Sm4Gcm;

/// Nonce length of both AEADs.
pub const NONCE_LEN: usize = 12;
/// Tag length of both AEADs.
pub const TAG_LEN: usize = 16;

/// An AEAD algorithm of one of the suites.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AeadAlgorithm {
    /// SM4-GCM, 128-bit key.
    Sm4Gcm,
    /// AES-256-GCM, 256-bit key.
    Aes256Gcm,
}

impl AeadAlgorithm {
    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            AeadAlgorithm::Sm4Gcm => 16,
            AeadAlgorithm::Aes256Gcm => 32,
        }
    }
}

/// A ready AEAD key (key schedule expanded once). Zeroized on drop; `Debug` hides it.
pub struct AeadKey {
    alg: AeadAlgorithm,
    cipher: Cipher,
}

enum Cipher {
    Sm4(Box<Sm4Gcm>),
    Aes(Box<Aes256Gcm>),
}

impl AeadKey {
    /// A key for `alg` from raw key bytes of exactly `alg.key_len()` bytes.
    pub fn new(alg: AeadAlgorithm, key: &[u8]) -> Result<Self> {
        if key.len() != alg.key_len() {
            return Err(Error::BadKey("AEAD key has the wrong length"));
        }
        let cipher = match alg {
            AeadAlgorithm::Sm4Gcm => Cipher::Sm4(Box::new(
                Sm4Gcm::new_from_slice(key).map_err(|_| Error::BadKey("SM4 key"))?,
            )),
            AeadAlgorithm::Aes256Gcm => Cipher::Aes(Box::new(
                Aes256Gcm::new_from_slice(key).map_err(|_| Error::BadKey("AES key"))?,
            )),
        };
        Ok(AeadKey { alg, cipher })
    }

    /// The algorithm of this key.
    pub fn algorithm(&self) -> AeadAlgorithm {
        self.alg
    }

    /// Encrypt `buf` in place and append the tag.
    pub fn seal_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        let n = nonce.into();
        match &self.cipher {
            Cipher::Sm4(c) => c.encrypt_in_place(n, aad, buf),
            Cipher::Aes(c) => c.encrypt_in_place(n, aad, buf),
        }
        .map_err(|_| Error::Parameter("message too long for GCM"))
    }

    /// Check the tag at the end of `buf`, decrypt in place and remove the tag.
    /// On failure nothing was decrypted; `buf` must not be used as plaintext.
    pub fn open_in_place(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut Vec<u8>,
    ) -> Result<()> {
        let n = nonce.into();
        match &self.cipher {
            Cipher::Sm4(c) => c.decrypt_in_place(n, aad, buf),
            Cipher::Aes(c) => c.decrypt_in_place(n, aad, buf),
        }
        // GCM checks the tag before it decrypts, so on failure `buf` still holds the input.
        .map_err(|_| Error::Aead)
    }

    /// Encrypt `plaintext`; returns ciphertext ‖ tag.
    pub fn seal(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let mut buf = Vec::with_capacity(plaintext.len() + TAG_LEN);
        buf.extend_from_slice(plaintext);
        self.seal_in_place(nonce, aad, &mut buf)?;
        Ok(buf)
    }

    /// Decrypt ciphertext ‖ tag made by [`AeadKey::seal`].
    pub fn open(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        let mut buf = sealed.to_vec();
        self.open_in_place(nonce, aad, &mut buf)?;
        Ok(buf)
    }
}

/// Random key material of the right length for `alg`, from `rng`.
pub fn generate_key(alg: AeadAlgorithm, rng: &mut dyn rand_core::CryptoRng) -> Zeroizing<Vec<u8>> {
    let mut k = Zeroizing::new(vec![0u8; alg.key_len()]);
    rng.fill_bytes(&mut k);
    k
}

impl core::fmt::Debug for AeadKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "AeadKey({:?}, [redacted])", self.alg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 8998 appendix A.1: SM4-GCM.
    #[test]
    fn sm4_gcm_rfc8998() {
        let key = hex::decode("0123456789ABCDEFFEDCBA9876543210").unwrap();
        let nonce: [u8; 12] = hex::decode("00001234567800000000ABCD")
            .unwrap()
            .try_into()
            .unwrap();
        let aad = hex::decode("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2").unwrap();
        let pt = hex::decode(
            "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD\
             EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
        )
        .unwrap();
        let want_ct = "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735\
                       D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D";
        let want_tag = "83DE3541E4C2B58177E065A9BF7B62EC";
        let k = AeadKey::new(AeadAlgorithm::Sm4Gcm, &key).unwrap();
        let sealed = k.seal(&nonce, &aad, &pt).unwrap();
        assert_eq!(hex::encode_upper(&sealed[..pt.len()]), want_ct);
        assert_eq!(hex::encode_upper(&sealed[pt.len()..]), want_tag);
        assert_eq!(k.open(&nonce, &aad, &sealed).unwrap(), pt);
    }

    #[test]
    fn wrong_key_length_refused() {
        assert!(AeadKey::new(AeadAlgorithm::Sm4Gcm, &[0; 32]).is_err());
        assert!(AeadKey::new(AeadAlgorithm::Aes256Gcm, &[0; 16]).is_err());
    }

    #[test]
    fn tamper_detected() {
        for alg in [AeadAlgorithm::Sm4Gcm, AeadAlgorithm::Aes256Gcm] {
            let k = AeadKey::new(alg, &vec![7; alg.key_len()]).unwrap();
            let sealed = k.seal(&[1; 12], b"aad", b"hello bid").unwrap();
            for i in 0..sealed.len() {
                let mut t = sealed.clone();
                t[i] ^= 0x01;
                assert_eq!(k.open(&[1; 12], b"aad", &t), Err(Error::Aead));
            }
            assert_eq!(k.open(&[1; 12], b"aad!", &sealed), Err(Error::Aead));
            assert_eq!(k.open(&[2; 12], b"aad", &sealed), Err(Error::Aead));
            assert_eq!(k.open(&[1; 12], b"aad", &sealed[..10]), Err(Error::Aead));
        }
    }
}

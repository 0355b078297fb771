//! SM4-GCM with a 96-bit nonce (NIST SP 800-38D, RFC 8998): what `aes-gcm`'s
//! `AesGcm<Sm4, U12>` does, with GHASH on VPCLMULQDQ where the CPU has it.
//!
//! Why not `AesGcm<Sm4, U12>` alone: with the SIMD SM4 kernels, GHASH (the `ghash` crate:
//! 128-bit PCLMULQDQ, four blocks per reduction, each block reversed and copied) became the
//! larger half of SM4-GCM's time. The counter mode is still `ctr`'s `Ctr32BE`, so the only new
//! code is GHASH; `ghash` remains the fallback and the reference of the tests.

use aead::consts::{U12, U16};
use aead::inout::InOutBuf;
use aead::{AeadCore, AeadInOut, Error, Nonce, Tag, TagPosition};
use cipher::{Array, BlockCipherEncrypt, InnerIvInit, Key, KeyInit, KeySizeUser, StreamCipherCore};
use ghash::GHash;
use ghash::universal_hash::UniversalHash;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::{Backend, Sm4};

/// Longest plaintext, as in `aes-gcm`: 2³⁹ − 256 bits.
const P_MAX: u64 = (1 << 36) - 32;
/// Longest associated data, as in `aes-gcm`.
const A_MAX: u64 = (1 << 61) - 1;

type Block = Array<u8, U16>;
type Ctr32BE<C> = ctr::CtrCore<C, ctr::flavors::Ctr32BE>;

/// SM4-GCM with a 96-bit nonce and a 128-bit tag, on the SM4 backend of the [`Sm4`] it is made
/// from. Implements `aead`'s `AeadInOut` (hence `encrypt_in_place` and friends) and `KeyInit`.
#[derive(Clone)]
pub struct Sm4Gcm {
    cipher: Sm4,
    ghash: Ghash,
}

/// The GHASH implementation, chosen with the SM4 backend.
#[derive(Clone)]
enum Ghash {
    #[cfg(target_arch = "x86_64")]
    Vpclmul(crate::x86::Vpclmul, Box<crate::x86::GhashKeys>),
    Portable(GHash),
}

impl Sm4Gcm {
    /// SM4-GCM on the given SM4 backend, or `None` if this CPU cannot run it.
    pub fn with_backend(key: &Key<Sm4>, backend: Backend) -> Option<Self> {
        Sm4::with_backend(key, backend).map(Sm4Gcm::from)
    }

    /// The SM4 backend.
    pub fn backend(&self) -> Backend {
        self.cipher.backend()
    }

    /// Whether GHASH runs on VPCLMULQDQ (`true`) or in the `ghash` crate.
    pub fn ghash_is_vpclmul(&self) -> bool {
        match self.ghash {
            #[cfg(target_arch = "x86_64")]
            Ghash::Vpclmul(..) => true,
            Ghash::Portable(_) => false,
        }
    }

    fn init_ctr(&self, nonce: &Nonce<Self>) -> (Ctr32BE<&Sm4>, Block) {
        let mut j0 = Block::default();
        j0[..12].copy_from_slice(nonce);
        j0[15] = 1;
        let mut ctr = Ctr32BE::inner_iv_init(&self.cipher, &j0);
        let mut mask = Block::default();
        ctr.write_keystream_block(&mut mask);
        (ctr, mask)
    }

    fn tag(&self, mask: &Block, aad: &[u8], text: &[u8]) -> Block {
        let mut tag = match &self.ghash {
            #[cfg(target_arch = "x86_64")]
            Ghash::Vpclmul(token, keys) => Block::from(token.ghash(keys, aad, text)),
            Ghash::Portable(g) => {
                let mut g = g.clone();
                g.update_padded(aad);
                g.update_padded(text);
                let mut lengths = Block::default();
                lengths[..8].copy_from_slice(&(aad.len() as u64 * 8).to_be_bytes());
                lengths[8..].copy_from_slice(&(text.len() as u64 * 8).to_be_bytes());
                g.update(&[lengths]);
                g.finalize()
            }
        };
        for (t, m) in tag.iter_mut().zip(mask.iter()) {
            *t ^= m;
        }
        tag
    }
}

impl From<Sm4> for Sm4Gcm {
    fn from(cipher: Sm4) -> Self {
        let mut h = Block::default();
        cipher.encrypt_block(&mut h);
        // VPCLMULQDQ GHASH goes with the SM4 paths of CPUs that have it (Zen 3 and later, Ice
        // Lake and later); the plain AES-NI path stands for older CPUs, so it keeps `ghash`,
        // which keeps the per-path benchmark figures honest on a newer machine.
        let ghash = match cipher.backend() {
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512Gfni | Backend::Avx2Gfni | Backend::Avx2Vaes => {
                crate::x86::Vpclmul::detect().map(|t| Ghash::Vpclmul(t, Box::new(t.expand(&h.0))))
            }
            _ => None,
        }
        .unwrap_or_else(|| Ghash::Portable(GHash::new(&h)));
        h.zeroize();
        Sm4Gcm { cipher, ghash }
    }
}

impl KeySizeUser for Sm4Gcm {
    type KeySize = U16;
}

impl KeyInit for Sm4Gcm {
    fn new(key: &Key<Self>) -> Self {
        Sm4Gcm::from(<Sm4 as KeyInit>::new(key))
    }
}

impl AeadCore for Sm4Gcm {
    type NonceSize = U12;
    type TagSize = U16;
    const TAG_POSITION: TagPosition = TagPosition::Postfix;
}

impl AeadInOut for Sm4Gcm {
    fn encrypt_inout_detached(
        &self,
        nonce: &Nonce<Self>,
        associated_data: &[u8],
        mut buffer: InOutBuf<'_, '_, u8>,
    ) -> Result<Tag<Self>, Error> {
        if buffer.len() as u64 > P_MAX || associated_data.len() as u64 > A_MAX {
            return Err(Error);
        }
        let (ctr, mask) = self.init_ctr(nonce);
        ctr.apply_keystream_partial(buffer.reborrow());
        Ok(self.tag(&mask, associated_data, buffer.get_out()))
    }

    fn decrypt_inout_detached(
        &self,
        nonce: &Nonce<Self>,
        associated_data: &[u8],
        buffer: InOutBuf<'_, '_, u8>,
        tag: &Tag<Self>,
    ) -> Result<(), Error> {
        if buffer.len() as u64 > P_MAX || associated_data.len() as u64 > A_MAX {
            return Err(Error);
        }
        let (ctr, mask) = self.init_ctr(nonce);
        let expected = self.tag(&mask, associated_data, buffer.get_in());
        if bool::from(expected.as_slice().ct_eq(tag.as_slice())) {
            ctr.apply_keystream_partial(buffer);
            Ok(())
        } else {
            Err(Error)
        }
    }
}

impl core::fmt::Debug for Sm4Gcm {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sm4Gcm")
            .field("backend", &self.backend())
            .field("ghash_vpclmul", &self.ghash_is_vpclmul())
            .finish_non_exhaustive()
    }
}

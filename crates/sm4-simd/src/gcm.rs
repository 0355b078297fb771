//! SM4-GCM with a 96-bit nonce (NIST SP 800-38D, RFC 8998): what `aes-gcm`'s
//! `AesGcm<Sm4, U12>` does, with GHASH on VPCLMULQDQ where the CPU has it.
//!
//! Why not `AesGcm<Sm4, U12>` alone: with the SIMD SM4 kernels, GHASH (the `ghash` crate:
//! 128-bit PCLMULQDQ, four blocks per reduction, each block reversed and copied) became the
//! larger half of SM4-GCM's time. `ghash` remains the fallback and the reference of the tests.
//!
//! The counter mode is `ctr`'s `Ctr32BE` for whole 64-block runs, but not for what follows the
//! last one: `ctr` hands those blocks to the cipher one at a time, so a 1 KiB message paid for
//! 63 single-block kernel calls. Here they are encrypted as counter blocks in one call
//! (`encrypt_tail_blocks`). (Writing the whole counter mode this way measured slower than
//! `ctr`'s for long messages.) The differential tests check the output against `ctr`'s.

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

/// The blocks `ctr` takes per call of the widest kernel; fewer go to [`Sm4Gcm::apply_tail`].
const RUN_BLOCKS: usize = 64;

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

    /// The first counter block `J0 = nonce ‖ 1` encrypted: the mask of the tag.
    fn tag_mask(&self, nonce: &Nonce<Self>) -> Block {
        let mut mask = counter_block(nonce, 1);
        self.cipher.encrypt_block(&mut mask);
        mask
    }

    /// XOR `buffer` with the keystream of counters 2, 3, … under `nonce` (GCM's 32-bit big-endian
    /// counter in the last four bytes of `nonce ‖ counter`).
    fn apply_ctr(&self, nonce: &Nonce<Self>, buffer: InOutBuf<'_, '_, u8>) {
        let runs = buffer.len() / (RUN_BLOCKS * 16);
        let (bulk, tail) = buffer.split_at(runs * RUN_BLOCKS * 16);
        let mut j1 = counter_block(nonce, 2);
        Ctr32BE::inner_iv_init(&self.cipher, &j1).apply_keystream_partial(bulk);
        j1.zeroize();
        // Fewer than RUN_BLOCKS blocks (`runs · RUN_BLOCKS` < 2³² − 2: P_MAX bounds the length).
        let done = u32::try_from(runs * RUN_BLOCKS).unwrap_or(u32::MAX);
        self.apply_tail(nonce, done.wrapping_add(2), tail);
    }

    /// XOR `tail` (shorter than [`RUN_BLOCKS`] blocks) with the keystream from `counter` on,
    /// encrypting its counter blocks in one call.
    fn apply_tail(&self, nonce: &Nonce<Self>, counter: u32, mut tail: InOutBuf<'_, '_, u8>) {
        if tail.is_empty() {
            return;
        }
        let mut keystream = [0u8; RUN_BLOCKS * 16];
        let n = tail.len().min(keystream.len());
        let used = &mut keystream[..n.div_ceil(16) * 16];
        let (blocks, _) = Block::slice_as_chunks_mut(used);
        for (i, b) in blocks.iter_mut().enumerate() {
            // i < RUN_BLOCKS.
            *b = counter_block(nonce, counter.wrapping_add(i as u32));
        }
        self.cipher.encrypt_blocks(blocks);
        tail.xor_in2out(&used[..n]);
        used.zeroize();
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

/// `nonce ‖ counter` (big-endian).
fn counter_block(nonce: &Nonce<Sm4Gcm>, counter: u32) -> Block {
    let mut b = Block::default();
    b[..12].copy_from_slice(nonce);
    b[12..].copy_from_slice(&counter.to_be_bytes());
    b
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
        let mask = self.tag_mask(nonce);
        self.apply_ctr(nonce, buffer.reborrow());
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
        let mask = self.tag_mask(nonce);
        let expected = self.tag(&mask, associated_data, buffer.get_in());
        if bool::from(expected.as_slice().ct_eq(tag.as_slice())) {
            self.apply_ctr(nonce, buffer);
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

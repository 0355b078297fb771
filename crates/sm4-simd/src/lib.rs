//! SM4 (GB/T 32907) with SIMD kernels behind the RustCrypto `cipher` 0.5 block traits, so that
//! `ctr`, `cbc` and `aes-gcm`'s generic `AesGcm<Sm4, U12>` get the speed without mode code of
//! their own.
//!
//! [`Sm4Gcm`] is SM4-GCM as `AesGcm<Sm4, U12>` computes it, with GHASH on VPCLMULQDQ where the
//! CPU has it (GHASH became the larger half of the time once SM4 was fast); gm uses it.
//!
//! Hand-written because no published crate does vectorised SM4 behind the `cipher` traits: the
//! portable `sm4` crate does one block at a time from a table (about 0.7× OpenSSL's SM4 on the
//! machine of docs/benchmarks.md), and OpenSSL 3.0 has no vectorised SM4 on x86. Paths, best
//! first, chosen once at runtime:
//!
//! - GFNI + AVX-512: the whole S-box in two instructions on 64 bytes;
//! - GFNI + AVX2: the same on 32 bytes;
//! - VAES + AVX2: the S-box through AESENCLAST on 32 bytes and PSHUFB tables ("sm4ni"), for CPUs
//!   with VAES but no GFNI (AMD Zen 3);
//! - AES-NI + AVX2: the same with 128-bit AESENCLAST;
//! - the portable `sm4` crate, and only it on other architectures.
//!
//! ```
//! use yizhao_sm4_simd::cipher::{BlockCipherEncrypt, KeyInit};
//! use yizhao_sm4_simd::{Backend, Sm4};
//!
//! let key = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10];
//! let mut block = key.into();
//! Sm4::new(&key.into()).encrypt_block(&mut block);
//! assert_eq!(block[..4], [0x68, 0x1e, 0xdf, 0x34]);
//!
//! // The portable path can always be asked for; a SIMD path only where the CPU has it.
//! assert!(Sm4::with_backend(&key.into(), Backend::Portable).is_some());
//! ```

#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

use core::fmt;

pub use cipher;
use cipher::consts::U16;
use cipher::{
    AlgorithmName, BlockCipherDecClosure, BlockCipherDecrypt, BlockCipherEncClosure,
    BlockCipherEncrypt, BlockSizeUser, Key, KeyInit, KeySizeUser,
};
use zeroize::{Zeroize, ZeroizeOnDrop};

pub use gcm::Sm4Gcm;

mod consts;
pub mod differential;
mod field;
mod gcm;
mod key;
#[cfg(target_arch = "x86_64")]
mod x86;

/// An implementation of SM4 one can ask for. Asking is all this type does: a path the CPU lacks
/// is refused by [`Sm4::with_backend`], never run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// GFNI and AVX-512 (F, BW): 16 blocks per register, 64 per call.
    Avx512Gfni,
    /// GFNI and AVX2: 8 blocks per register, 64 per call.
    Avx2Gfni,
    /// VAES and AVX2 ("sm4ni" on 256 bits): 8 blocks per register, 64 per call.
    Avx2Vaes,
    /// AES-NI and AVX2 ("sm4ni"): 8 blocks per register, 64 per call.
    Avx2AesNi,
    /// The portable `sm4` crate, one block at a time. Always available.
    Portable,
}

impl Backend {
    /// Every backend, best first.
    pub const ALL: [Backend; 5] = [
        Backend::Avx512Gfni,
        Backend::Avx2Gfni,
        Backend::Avx2Vaes,
        Backend::Avx2AesNi,
        Backend::Portable,
    ];

    /// Whether this CPU can run the backend.
    pub fn is_available(self) -> bool {
        Imp::detect(self).is_some()
    }

    /// The backends this CPU can run, best first (always ends with [`Backend::Portable`]).
    pub fn available() -> Vec<Backend> {
        Self::ALL.into_iter().filter(|b| b.is_available()).collect()
    }

    /// The backend [`Sm4::new`] uses on this CPU.
    pub fn best() -> Backend {
        Self::ALL
            .into_iter()
            .find(|b| b.is_available())
            .unwrap_or(Backend::Portable)
    }

    /// A short stable name, for benchmarks and logs: `gfni-avx512`, `gfni-avx2`, `vaes-avx2`,
    /// `aesni-avx2`, `portable`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Avx512Gfni => "gfni-avx512",
            Backend::Avx2Gfni => "gfni-avx2",
            Backend::Avx2Vaes => "vaes-avx2",
            Backend::Avx2AesNi => "aesni-avx2",
            Backend::Portable => "portable",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The chosen implementation; a SIMD variant carries the detection token that allows it.
#[derive(Clone)]
enum Imp {
    Portable(sm4::Sm4),
    #[cfg(target_arch = "x86_64")]
    Avx512Gfni(x86::Avx512Gfni),
    #[cfg(target_arch = "x86_64")]
    Avx2Gfni(x86::Avx2Gfni),
    #[cfg(target_arch = "x86_64")]
    Avx2Vaes(x86::Avx2Vaes),
    #[cfg(target_arch = "x86_64")]
    Avx2AesNi(x86::Avx2AesNi),
}

/// The detection result without a key: which [`Imp`] a backend would be.
enum Token {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx512Gfni(x86::Avx512Gfni),
    #[cfg(target_arch = "x86_64")]
    Avx2Gfni(x86::Avx2Gfni),
    #[cfg(target_arch = "x86_64")]
    Avx2Vaes(x86::Avx2Vaes),
    #[cfg(target_arch = "x86_64")]
    Avx2AesNi(x86::Avx2AesNi),
}

impl Imp {
    fn detect(backend: Backend) -> Option<Token> {
        match backend {
            Backend::Portable => Some(Token::Portable),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx512Gfni => x86::Avx512Gfni::detect().map(Token::Avx512Gfni),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2Gfni => x86::Avx2Gfni::detect().map(Token::Avx2Gfni),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2Vaes => x86::Avx2Vaes::detect().map(Token::Avx2Vaes),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2AesNi => x86::Avx2AesNi::detect().map(Token::Avx2AesNi),
            #[cfg(not(target_arch = "x86_64"))]
            _ => None,
        }
    }
}

/// The SM4 block cipher on the fastest path this CPU has. Round keys are zeroized on drop;
/// `Debug` shows the backend only.
#[derive(Clone)]
pub struct Sm4 {
    /// Encryption round keys (the portable crate keeps its own; these feed the SIMD kernels).
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    rk: [u32; 32],
    /// Decryption round keys: `rk` reversed.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    rk_dec: [u32; 32],
    imp: Imp,
}

impl Sm4 {
    /// SM4 on the given backend, or `None` if this CPU cannot run it. For tests and benchmarks
    /// that compare paths; [`KeyInit::new`] picks [`Backend::best`].
    pub fn with_backend(key: &Key<Self>, backend: Backend) -> Option<Self> {
        let token = Imp::detect(backend)?;
        let imp = match token {
            Token::Portable => Imp::Portable(<sm4::Sm4 as KeyInit>::new(key)),
            #[cfg(target_arch = "x86_64")]
            Token::Avx512Gfni(t) => Imp::Avx512Gfni(t),
            #[cfg(target_arch = "x86_64")]
            Token::Avx2Gfni(t) => Imp::Avx2Gfni(t),
            #[cfg(target_arch = "x86_64")]
            Token::Avx2Vaes(t) => Imp::Avx2Vaes(t),
            #[cfg(target_arch = "x86_64")]
            Token::Avx2AesNi(t) => Imp::Avx2AesNi(t),
        };
        let rk = key::round_keys(&key.0);
        let mut rk_dec = rk;
        rk_dec.reverse();
        Some(Sm4 { rk, rk_dec, imp })
    }

    /// The backend this instance runs on.
    pub fn backend(&self) -> Backend {
        match self.imp {
            Imp::Portable(_) => Backend::Portable,
            #[cfg(target_arch = "x86_64")]
            Imp::Avx512Gfni(_) => Backend::Avx512Gfni,
            #[cfg(target_arch = "x86_64")]
            Imp::Avx2Gfni(_) => Backend::Avx2Gfni,
            #[cfg(target_arch = "x86_64")]
            Imp::Avx2Vaes(_) => Backend::Avx2Vaes,
            #[cfg(target_arch = "x86_64")]
            Imp::Avx2AesNi(_) => Backend::Avx2AesNi,
        }
    }
}

impl KeySizeUser for Sm4 {
    type KeySize = U16;
}

impl BlockSizeUser for Sm4 {
    type BlockSize = U16;
}

impl KeyInit for Sm4 {
    fn new(key: &Key<Self>) -> Self {
        // The portable backend is always available, so the second attempt cannot fail; the
        // portable crate is built directly for the type checker's sake.
        Sm4::with_backend(key, Backend::best()).unwrap_or_else(|| {
            let rk = key::round_keys(&key.0);
            let mut rk_dec = rk;
            rk_dec.reverse();
            Sm4 {
                rk,
                rk_dec,
                imp: Imp::Portable(<sm4::Sm4 as KeyInit>::new(key)),
            }
        })
    }
}

/// Hand `f` the backend of this key's path, with the round keys `rk` of one direction.
macro_rules! call_backend {
    ($self:ident, $f:ident, $rk:expr) => {
        match &$self.imp {
            Imp::Portable(c) => $f.call(c),
            #[cfg(target_arch = "x86_64")]
            Imp::Avx512Gfni(t) => $f.call(&x86::Avx512GfniBackend { rk: $rk, token: *t }),
            #[cfg(target_arch = "x86_64")]
            Imp::Avx2Gfni(t) => $f.call(&x86::Avx2GfniBackend { rk: $rk, token: *t }),
            #[cfg(target_arch = "x86_64")]
            Imp::Avx2Vaes(t) => $f.call(&x86::Avx2VaesBackend { rk: $rk, token: *t }),
            #[cfg(target_arch = "x86_64")]
            Imp::Avx2AesNi(t) => $f.call(&x86::Avx2AesNiBackend { rk: $rk, token: *t }),
        }
    };
}

impl BlockCipherEncrypt for Sm4 {
    #[inline]
    fn encrypt_with_backend(&self, f: impl BlockCipherEncClosure<BlockSize = U16>) {
        call_backend!(self, f, &self.rk)
    }
}

impl BlockCipherDecrypt for Sm4 {
    #[inline]
    fn decrypt_with_backend(&self, f: impl BlockCipherDecClosure<BlockSize = U16>) {
        call_backend!(self, f, &self.rk_dec)
    }
}

impl AlgorithmName for Sm4 {
    fn write_alg_name(f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sm4")
    }
}

impl fmt::Debug for Sm4 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sm4")
            .field("backend", &self.backend())
            .finish_non_exhaustive()
    }
}

impl Drop for Sm4 {
    fn drop(&mut self) {
        // The portable crate zeroizes its own keys (its `zeroize` feature is on).
        self.rk.zeroize();
        self.rk_dec.zeroize();
    }
}

impl ZeroizeOnDrop for Sm4 {}

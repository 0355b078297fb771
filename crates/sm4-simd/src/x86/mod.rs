//! x86-64 kernels and the tokens that prove the CPU can run them.
//!
//! A kernel is a safe `#[target_feature]` function; calling it from code without those features
//! is `unsafe`, because running it on a CPU without them is undefined behaviour. The only such
//! calls are in the token methods below, and a token can only be made by runtime detection: its
//! field is private to this module and only [`Avx512Gfni::detect`] and its siblings build one.

use std::sync::OnceLock;

mod avx2;
mod avx512_gfni;
mod backend;
mod ghash;

pub(crate) use ghash::Keys as GhashKeys;

pub(crate) use backend::{Avx2AesNiBackend, Avx2GfniBackend, Avx2VaesBackend, Avx512GfniBackend};

pub(crate) use avx2::aesni::PAR_BLOCKS as AVX2_AESNI_PAR_BLOCKS;
pub(crate) use avx2::gfni::PAR_BLOCKS as AVX2_GFNI_PAR_BLOCKS;
pub(crate) use avx2::vaes::PAR_BLOCKS as AVX2_VAES_PAR_BLOCKS;
pub(crate) use avx512_gfni::PAR_BLOCKS as AVX512_PAR_BLOCKS;

/// One SM4 block.
pub(crate) type Block = cipher::Array<u8, cipher::consts::U16>;

/// What the CPU has, detected once.
#[derive(Clone, Copy)]
struct Cpu {
    avx512_gfni: bool,
    avx2_gfni: bool,
    avx2_vaes: bool,
    avx2_aesni: bool,
    avx2_vpclmul: bool,
}

fn cpu() -> Cpu {
    static CPU: OnceLock<Cpu> = OnceLock::new();
    *CPU.get_or_init(|| {
        let avx2 = std::is_x86_feature_detected!("avx2");
        let gfni = std::is_x86_feature_detected!("gfni");
        Cpu {
            avx512_gfni: std::is_x86_feature_detected!("avx512f")
                && std::is_x86_feature_detected!("avx512bw")
                && gfni,
            avx2_gfni: avx2 && gfni,
            avx2_vaes: avx2 && std::is_x86_feature_detected!("vaes"),
            avx2_aesni: avx2 && std::is_x86_feature_detected!("aes"),
            avx2_vpclmul: avx2
                && std::is_x86_feature_detected!("pclmulqdq")
                && std::is_x86_feature_detected!("vpclmulqdq"),
        }
    })
}

/// Proof that the CPU has GFNI, AVX512F and AVX512BW.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx512Gfni(());

impl Avx512Gfni {
    /// A token if the CPU has the features.
    pub(crate) fn detect() -> Option<Self> {
        cpu().avx512_gfni.then_some(Avx512Gfni(()))
    }

    /// Runs the kernel on `blocks` in place.
    #[inline]
    pub(crate) fn crypt(self, rk: &[u32; 32], blocks: &mut [Block]) {
        // SAFETY: `self` exists, so `detect` found avx512f, avx512bw and gfni on this CPU.
        unsafe { avx512_gfni::crypt(rk, blocks) }
    }
}

/// Proof that the CPU has GFNI and AVX2.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2Gfni(());

impl Avx2Gfni {
    /// A token if the CPU has the features.
    pub(crate) fn detect() -> Option<Self> {
        cpu().avx2_gfni.then_some(Avx2Gfni(()))
    }

    /// Runs the kernel on `blocks` in place.
    #[inline]
    pub(crate) fn crypt(self, rk: &[u32; 32], blocks: &mut [Block]) {
        // SAFETY: `self` exists, so `detect` found avx2 and gfni on this CPU.
        unsafe { avx2::gfni::crypt(rk, blocks) }
    }
}

/// Proof that the CPU has VAES and AVX2.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2Vaes(());

impl Avx2Vaes {
    /// A token if the CPU has the features.
    pub(crate) fn detect() -> Option<Self> {
        cpu().avx2_vaes.then_some(Avx2Vaes(()))
    }

    /// Runs the kernel on `blocks` in place.
    #[inline]
    pub(crate) fn crypt(self, rk: &[u32; 32], blocks: &mut [Block]) {
        // SAFETY: `self` exists, so `detect` found avx2 and vaes on this CPU.
        unsafe { avx2::vaes::crypt(rk, blocks) }
    }
}

/// Proof that the CPU has AES-NI and AVX2.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Avx2AesNi(());

impl Avx2AesNi {
    /// A token if the CPU has the features.
    pub(crate) fn detect() -> Option<Self> {
        cpu().avx2_aesni.then_some(Avx2AesNi(()))
    }

    /// Runs the kernel on `blocks` in place.
    #[inline]
    pub(crate) fn crypt(self, rk: &[u32; 32], blocks: &mut [Block]) {
        // SAFETY: `self` exists, so `detect` found avx2 and aes on this CPU.
        unsafe { avx2::aesni::crypt(rk, blocks) }
    }
}

/// Proof that the CPU has VPCLMULQDQ, PCLMULQDQ and AVX2 (for GHASH).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Vpclmul(());

impl Vpclmul {
    /// A token if the CPU has the features.
    pub(crate) fn detect() -> Option<Self> {
        cpu().avx2_vpclmul.then_some(Vpclmul(()))
    }

    /// The POLYVAL key powers of the GHASH key `h`.
    pub(crate) fn expand(self, h: &[u8; 16]) -> GhashKeys {
        // SAFETY: `self` exists, so `detect` found avx2 and pclmulqdq on this CPU.
        unsafe { ghash::expand(h) }
    }

    /// GHASH of `aad` and `text` (each padded) and their lengths.
    pub(crate) fn ghash(self, keys: &GhashKeys, aad: &[u8], text: &[u8]) -> [u8; 16] {
        let mut state = ghash::State::new(keys);
        // SAFETY: `self` exists, so `detect` found avx2, pclmulqdq and vpclmulqdq on this CPU.
        unsafe {
            state.update_padded(aad);
            state.update_padded(text);
            state.finalize(aad.len(), text.len())
        }
    }
}

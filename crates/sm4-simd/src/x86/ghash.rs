//! GHASH with VPCLMULQDQ on 256-bit registers: eight blocks per step, one reduction per step.
//!
//! GHASH is computed as POLYVAL (RFC 8452, appendix A: `GHASH(H, X) = rev(POLYVAL(mulX(rev(H)),
//! rev(X₁), …))`), whose little-endian field elements need no bit reflection. Multiplication
//! and reduction follow the R/F algorithm ("Efficient GHASH Implementation Using CLMUL",
//! <https://eprint.iacr.org/2025/2171.pdf>) as the RustCrypto `polyval` crate 0.7 implements it
//! on 128-bit registers (MIT/Apache-2.0); here two blocks share a register and eight blocks share
//! a reduction. The `ghash` crate, which `aes-gcm` uses, reverses and copies every block and
//! aggregates four; GHASH bounded SM4-GCM at about 2 GB/s on this machine.

use core::arch::x86_64::*;

use zeroize::Zeroize;

/// x⁶³ + x⁶² + x⁵⁷, the reduction constant of the R/F algorithm.
const P1: u64 = 0xC200_0000_0000_0000;

/// Blocks per aggregated step.
const STEP: usize = 8;

/// The powers H¹…H⁸ of the POLYVAL key and their R/F companions D, as bytes (little-endian
/// field elements). Zeroized on drop.
#[derive(Clone)]
pub(crate) struct Keys {
    /// `h[i]` is H^(i+1).
    h: [[u8; 16]; STEP],
    /// `d[i]` is the D value of `h[i]`.
    d: [[u8; 16]; STEP],
}

impl Drop for Keys {
    fn drop(&mut self) {
        self.h.zeroize();
        self.d.zeroize();
    }
}

#[target_feature(enable = "avx2")]
fn load(b: &[u8; 16]) -> __m128i {
    // SAFETY: `b` is 16 readable bytes; the load is unaligned.
    unsafe { _mm_loadu_si128(b.as_ptr().cast()) }
}

#[target_feature(enable = "avx2")]
fn store(x: __m128i) -> [u8; 16] {
    let mut out = [0u8; 16];
    // SAFETY: `out` is 16 writable bytes; the store is unaligned.
    unsafe { _mm_storeu_si128(out.as_mut_ptr().cast(), x) };
    out
}

/// D = swap(H) ⊕ H₀·P1.
#[target_feature(enable = "avx2,pclmulqdq")]
fn compute_d(h: __m128i) -> __m128i {
    let p = _mm_set_epi64x(P1 as i64, 0);
    let h_swap = _mm_shuffle_epi32::<0x4e>(h);
    _mm_xor_si128(h_swap, _mm_clmulepi64_si128::<0x10>(h, p))
}

/// R = M₀·D₁ ⊕ M₁·H₁, F = M₀·D₀ ⊕ M₁·H₀ (unreduced).
#[target_feature(enable = "avx2,pclmulqdq")]
fn rf_mul(m: __m128i, h: __m128i, d: __m128i) -> (__m128i, __m128i) {
    let r = _mm_xor_si128(
        _mm_clmulepi64_si128::<0x10>(m, d),
        _mm_clmulepi64_si128::<0x11>(m, h),
    );
    let f = _mm_xor_si128(
        _mm_clmulepi64_si128::<0x00>(m, d),
        _mm_clmulepi64_si128::<0x01>(m, h),
    );
    (r, f)
}

/// The same on two blocks per register.
#[target_feature(enable = "avx2,vpclmulqdq")]
fn rf_mul2(m: __m256i, h: __m256i, d: __m256i) -> (__m256i, __m256i) {
    let r = _mm256_xor_si256(
        _mm256_clmulepi64_epi128::<0x10>(m, d),
        _mm256_clmulepi64_epi128::<0x11>(m, h),
    );
    let f = _mm256_xor_si256(
        _mm256_clmulepi64_epi128::<0x00>(m, d),
        _mm256_clmulepi64_epi128::<0x01>(m, h),
    );
    (r, f)
}

/// Result = R ⊕ F₁ ⊕ x⁶⁴·F₀ ⊕ P1·F₀.
#[target_feature(enable = "avx2,pclmulqdq")]
fn reduce(r: __m128i, f: __m128i) -> __m128i {
    let p1 = _mm_set_epi64x(0, P1 as i64);
    let t = _mm_xor_si128(r, _mm_srli_si128::<8>(f));
    let t = _mm_xor_si128(t, _mm_slli_si128::<8>(f));
    _mm_xor_si128(t, _mm_clmulepi64_si128::<0x00>(f, p1))
}

/// POLYVAL's dot product a·b·x⁻¹²⁸, with `d` the D value of `b`.
#[target_feature(enable = "avx2,pclmulqdq")]
fn mul(a: __m128i, b: __m128i, d: __m128i) -> __m128i {
    let (r, f) = rf_mul(a, b, d);
    reduce(r, f)
}

/// The POLYVAL key of the GHASH key `h` (`E(K, 0¹²⁸)`), with its powers.
#[target_feature(enable = "avx2,pclmulqdq")]
pub(crate) fn expand(h: &[u8; 16]) -> Keys {
    // mulX_POLYVAL(rev(H)).
    let mut rev = *h;
    rev.reverse();
    let v = u128::from_le_bytes(rev);
    let v = (v << 1) ^ ((v >> 127) * (1 | (0xc2u128 << 120)));
    let h1 = load(&v.to_le_bytes());
    let d1 = compute_d(h1);
    let mut keys = Keys {
        h: [[0; 16]; STEP],
        d: [[0; 16]; STEP],
    };
    let (mut hp, mut dp) = (h1, d1);
    for i in 0..STEP {
        keys.h[i] = store(hp);
        keys.d[i] = store(dp);
        hp = mul(hp, h1, d1);
        dp = compute_d(hp);
    }
    keys
}

/// The running POLYVAL state of one message.
pub(crate) struct State<'k> {
    keys: &'k Keys,
    acc: [u8; 16],
}

impl<'k> State<'k> {
    /// A fresh state under `keys`.
    pub(crate) fn new(keys: &'k Keys) -> Self {
        State { keys, acc: [0; 16] }
    }

    /// Absorbs `data` as GHASH blocks, the last one padded with zeros.
    #[target_feature(enable = "avx2,pclmulqdq,vpclmulqdq")]
    pub(crate) fn update_padded(&mut self, data: &[u8]) {
        let rev = _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
        let rev2 = _mm256_broadcastsi128_si256(rev);
        let k = self.keys;
        let mut acc = load(&self.acc);
        let mut steps = data.chunks_exact(16 * STEP);
        if steps.len() > 0 {
            // Block j of a step is multiplied by H^(8−j); register i holds blocks 2i, 2i+1.
            let pair = |i: usize, t: &[[u8; 16]; STEP]| {
                _mm256_set_m128i(load(&t[STEP - 2 - 2 * i]), load(&t[STEP - 1 - 2 * i]))
            };
            let hs = [pair(0, &k.h), pair(1, &k.h), pair(2, &k.h), pair(3, &k.h)];
            let ds = [pair(0, &k.d), pair(1, &k.d), pair(2, &k.d), pair(3, &k.d)];
            for step in &mut steps {
                let mut r = _mm256_setzero_si256();
                let mut f = _mm256_setzero_si256();
                for i in 0..4 {
                    // SAFETY: `step` is 128 bytes, so the 32 bytes at 32·i, i < 4, are inside
                    // it; the load is unaligned.
                    let m = unsafe { _mm256_loadu_si256(step.as_ptr().add(32 * i).cast()) };
                    let mut m = _mm256_shuffle_epi8(m, rev2);
                    if i == 0 {
                        m = _mm256_xor_si256(m, _mm256_zextsi128_si256(acc));
                    }
                    let (ri, fi) = rf_mul2(m, hs[i], ds[i]);
                    r = _mm256_xor_si256(r, ri);
                    f = _mm256_xor_si256(f, fi);
                }
                let r = _mm_xor_si128(_mm256_castsi256_si128(r), _mm256_extracti128_si256::<1>(r));
                let f = _mm_xor_si128(_mm256_castsi256_si128(f), _mm256_extracti128_si256::<1>(f));
                acc = reduce(r, f);
            }
        }
        let h1 = load(&k.h[0]);
        let d1 = load(&k.d[0]);
        for block in steps.remainder().chunks(16) {
            let mut b = [0u8; 16];
            b[..block.len()].copy_from_slice(block);
            let m = _mm_shuffle_epi8(load(&b), rev);
            acc = mul(_mm_xor_si128(acc, m), h1, d1);
        }
        self.acc = store(acc);
    }

    /// The GHASH value after the length block `len(A)‖len(C)` in bits.
    #[target_feature(enable = "avx2,pclmulqdq,vpclmulqdq")]
    pub(crate) fn finalize(mut self, aad_len: usize, text_len: usize) -> [u8; 16] {
        let mut block = [0u8; 16];
        block[..8].copy_from_slice(&(aad_len as u64 * 8).to_be_bytes());
        block[8..].copy_from_slice(&(text_len as u64 * 8).to_be_bytes());
        self.update_padded(&block);
        let mut out = self.acc;
        out.reverse();
        out
    }
}

impl Drop for State<'_> {
    fn drop(&mut self) {
        self.acc.zeroize();
    }
}

//! The AVX2 kernels: eight blocks per group (one 32-bit lane each), several groups interleaved. Two
//! S-boxes: GFNI on 32 bytes, or the AES-NI route ("sm4ni", as in the Linux kernel, GmSSL and
//! emmansun/gmsm) for CPUs without GFNI: PSHUFB nibble tables for the input map, AESENCLAST with a
//! zero key for the inversion, nibble tables for the output map.

use core::arch::x86_64::*;

use super::Block;
use crate::field::{
    AESNI_POST_HI, AESNI_POST_LO, AESNI_PRE_HI, AESNI_PRE_LO, GFNI_POST, GFNI_PRE, PRE_C, SM4_C,
};

/// Blocks in one group: a ymm register holds one word of each.
const LANES: usize = 8;

/// A 16-byte table in both 128-bit lanes.
#[target_feature(enable = "avx2")]
fn table(t: &[u8; 16]) -> __m256i {
    let b = |i: usize| t[i] as i8;
    _mm256_setr_epi8(
        b(0),
        b(1),
        b(2),
        b(3),
        b(4),
        b(5),
        b(6),
        b(7),
        b(8),
        b(9),
        b(10),
        b(11),
        b(12),
        b(13),
        b(14),
        b(15),
        b(0),
        b(1),
        b(2),
        b(3),
        b(4),
        b(5),
        b(6),
        b(7),
        b(8),
        b(9),
        b(10),
        b(11),
        b(12),
        b(13),
        b(14),
        b(15),
    )
}

/// A 16-byte shuffle pattern in both 128-bit lanes.
#[target_feature(enable = "avx2")]
fn pattern(p: [i8; 16]) -> __m256i {
    _mm256_setr_epi8(
        p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13],
        p[14], p[15], p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11],
        p[12], p[13], p[14], p[15],
    )
}

/// L(b) = b ⊕ (b <<< 2) ⊕ (b <<< 10) ⊕ (b <<< 18) ⊕ (b <<< 24), with byte rotations as shuffles:
/// (b ⊕ (b <<< 8) ⊕ (b <<< 16)) <<< 2 gives the middle three terms with one real rotation.
#[target_feature(enable = "avx2")]
fn l(b: __m256i) -> __m256i {
    let r8 = _mm256_shuffle_epi8(
        b,
        pattern([3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14]),
    );
    let r16 = _mm256_shuffle_epi8(
        b,
        pattern([2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13]),
    );
    let r24 = _mm256_shuffle_epi8(
        b,
        pattern([1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12]),
    );
    let t = _mm256_xor_si256(_mm256_xor_si256(b, r8), r16);
    let t = _mm256_or_si256(_mm256_slli_epi32::<2>(t), _mm256_srli_epi32::<30>(t));
    _mm256_xor_si256(_mm256_xor_si256(b, r24), t)
}

/// 4×4 transpose of 32-bit words inside each 128-bit lane; its own inverse.
#[target_feature(enable = "avx2")]
fn transpose(r: [__m256i; 4]) -> [__m256i; 4] {
    let t0 = _mm256_unpacklo_epi32(r[0], r[1]);
    let t1 = _mm256_unpacklo_epi32(r[2], r[3]);
    let t2 = _mm256_unpackhi_epi32(r[0], r[1]);
    let t3 = _mm256_unpackhi_epi32(r[2], r[3]);
    [
        _mm256_unpacklo_epi64(t0, t1),
        _mm256_unpackhi_epi64(t0, t1),
        _mm256_unpacklo_epi64(t2, t3),
        _mm256_unpackhi_epi64(t2, t3),
    ]
}

/// SM4 words are big-endian.
#[target_feature(enable = "avx2")]
fn bswap32(x: __m256i) -> __m256i {
    _mm256_shuffle_epi8(
        x,
        pattern([3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12]),
    )
}

/// The GFNI S-box on 32 bytes.
#[target_feature(enable = "avx2,gfni")]
fn sbox_gfni(x: __m256i) -> __m256i {
    let pre = _mm256_set1_epi64x(GFNI_PRE as i64);
    let post = _mm256_set1_epi64x(GFNI_POST as i64);
    let y = _mm256_gf2p8affine_epi64_epi8::<{ PRE_C as i32 }>(x, pre);
    _mm256_gf2p8affineinv_epi64_epi8::<{ SM4_C as i32 }>(y, post)
}

/// `x ↦ lo[x & 15] ⊕ hi[x >> 4]` on every byte.
#[target_feature(enable = "avx2")]
fn nibble_map(x: __m256i, lo: __m256i, hi: __m256i) -> __m256i {
    let mask = _mm256_set1_epi8(0x0f);
    let l = _mm256_and_si256(x, mask);
    let h = _mm256_and_si256(_mm256_srli_epi16::<4>(x), mask);
    _mm256_xor_si256(_mm256_shuffle_epi8(lo, l), _mm256_shuffle_epi8(hi, h))
}

/// The AES-NI S-box on 32 bytes. AESENCLAST also applies ShiftRows, which would move bytes
/// between words (between blocks, in this layout); the input is pre-permuted by InvShiftRows so
/// that the two cancel.
#[target_feature(enable = "avx2,aes")]
fn sbox_aesni(x: __m256i) -> __m256i {
    let y = nibble_map(x, table(&AESNI_PRE_LO), table(&AESNI_PRE_HI));
    let y = _mm256_shuffle_epi8(
        y,
        pattern([0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3]),
    );
    let zero = _mm_setzero_si128();
    // Plain AES-NI works on 128 bits; `sbox_vaes` below does both lanes at once.
    let lo = _mm_aesenclast_si128(_mm256_castsi256_si128(y), zero);
    let hi = _mm_aesenclast_si128(_mm256_extracti128_si256::<1>(y), zero);
    let z = _mm256_set_m128i(hi, lo);
    nibble_map(z, table(&AESNI_POST_LO), table(&AESNI_POST_HI))
}

/// The AES-NI S-box with VAES: one AESENCLAST on both 128-bit lanes. For CPUs with VAES but
/// without GFNI (AMD Zen 3: EPYC Milan, Ryzen 5000).
#[target_feature(enable = "avx2,vaes")]
fn sbox_vaes(x: __m256i) -> __m256i {
    let y = nibble_map(x, table(&AESNI_PRE_LO), table(&AESNI_PRE_HI));
    let y = _mm256_shuffle_epi8(
        y,
        pattern([0, 13, 10, 7, 4, 1, 14, 11, 8, 5, 2, 15, 12, 9, 6, 3]),
    );
    let z = _mm256_aesenclast_epi128(y, _mm256_setzero_si256());
    nibble_map(z, table(&AESNI_POST_LO), table(&AESNI_POST_HI))
}

/// One kernel per S-box: the same rounds, layout and tail handling.
macro_rules! kernel {
    ($features:literal, $sbox:ident, $groups:literal) => {
        /// Groups per call of the wide kernel, to hide latency. Eight groups need more than the
        /// sixteen ymm registers, but measured faster all the same (ECB on 16 KiB: GFNI ≈1.8 →
        /// 2.5 GB/s over four groups, AES-NI and VAES ≈10–15% more; two groups were slower).
        const GROUPS: usize = $groups;
        /// Blocks per call of the wide kernel; the cipher backend's `ParBlocksSize`.
        pub(crate) const PAR_BLOCKS: usize = LANES * GROUPS;

        /// Encrypts (with `rk`) or decrypts (with the reversed keys) `blocks` in place, any count.
        #[target_feature(enable = $features)]
        pub(crate) fn crypt(rk: &[u32; 32], blocks: &mut [Block]) {
            let mut wide = blocks.chunks_exact_mut(PAR_BLOCKS);
            for chunk in &mut wide {
                groups::<GROUPS>(rk, chunk);
            }
            let mut narrow = wide.into_remainder().chunks_exact_mut(LANES);
            for chunk in &mut narrow {
                groups::<1>(rk, chunk);
            }
            let rest = narrow.into_remainder();
            if !rest.is_empty() {
                // Fewer than eight blocks: one group through a padded copy.
                let mut pad = [Block::default(); LANES];
                let n = rest.len();
                pad[..n].copy_from_slice(rest);
                groups::<1>(rk, &mut pad);
                rest.copy_from_slice(&pad[..n]);
            }
        }

        /// `G` groups of eight blocks, interleaved round by round. `blocks` must hold exactly
        /// `8·G` blocks (the caller above passes chunks of that size); otherwise nothing is done.
        #[target_feature(enable = $features)]
        fn groups<const G: usize>(rk: &[u32; 32], blocks: &mut [Block]) {
            if blocks.len() != LANES * G {
                debug_assert!(false, "groups::<{G}> called with {} blocks", blocks.len());
                return;
            }
            let p = blocks.as_mut_ptr().cast::<u8>();
            let mut x = [[_mm256_setzero_si256(); 4]; G];
            for (g, x) in x.iter_mut().enumerate() {
                let mut r = [_mm256_setzero_si256(); 4];
                for (j, r) in r.iter_mut().enumerate() {
                    // SAFETY: `blocks` is 8·G blocks of 16 bytes each (checked above; `Block` is
                    // a transparent `[u8; 16]`), so the 32 bytes at 128·g + 32·j, g < G, j < 4,
                    // are inside it; the load is unaligned.
                    *r = bswap32(unsafe { _mm256_loadu_si256(p.add(128 * g + 32 * j).cast()) });
                }
                *x = transpose(r);
            }
            // Four rounds per iteration, each replacing one word in turn.
            for k in rk.chunks_exact(4) {
                for (i, &k) in k.iter().enumerate() {
                    let k = _mm256_set1_epi32(k as i32);
                    for x in x.iter_mut() {
                        let t = _mm256_xor_si256(
                            _mm256_xor_si256(x[(i + 1) % 4], x[(i + 2) % 4]),
                            _mm256_xor_si256(x[(i + 3) % 4], k),
                        );
                        x[i] = _mm256_xor_si256(x[i], l($sbox(t)));
                    }
                }
            }
            for (g, x) in x.iter().enumerate() {
                // The output is the last four words in reverse order: x[3], x[2], x[1], x[0].
                let r = transpose([x[3], x[2], x[1], x[0]]);
                for (j, r) in r.into_iter().enumerate() {
                    // SAFETY: as for the loads: 32 bytes at 128·g + 32·j lie inside `blocks`,
                    // which is borrowed mutably, so nothing else reads or writes them.
                    unsafe { _mm256_storeu_si256(p.add(128 * g + 32 * j).cast(), bswap32(r)) };
                }
            }
        }
    };
}

/// GFNI + AVX2.
pub(crate) mod gfni {
    use super::*;
    kernel!("avx2,gfni", sbox_gfni, 8);
}

/// AES-NI + AVX2.
pub(crate) mod aesni {
    use super::*;
    kernel!("avx2,aes", sbox_aesni, 8);
}

/// VAES + AVX2.
pub(crate) mod vaes {
    use super::*;
    kernel!("avx2,vaes", sbox_vaes, 8);
}

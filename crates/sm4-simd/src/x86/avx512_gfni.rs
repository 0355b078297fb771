//! GFNI + AVX-512: sixteen blocks per group (one 32-bit lane each), four groups interleaved.
//!
//! The S-box is two instructions on 64 bytes: GF2P8AFFINEQB (input map into the AES field) and
//! GF2P8AFFINEINVQB (inversion, then the output map); L is four VPROLD and two VPTERNLOGD.

use core::arch::x86_64::*;

use super::Block;
use crate::field::{GFNI_POST, GFNI_PRE, PRE_C, SM4_C};

/// Blocks in one group: a zmm register holds one word of each.
const LANES: usize = 16;
/// Groups per call of the wide kernel: enough independent rounds in flight to hide the latency
/// of the GFNI instructions (measured, ECB on 16 KiB: ≈1.9 GB/s with one group, ≈6 GB/s with
/// four). Eight measured a little faster still, but would double the blocks that `ctr` hands
/// over one at a time after the last full call.
const GROUPS: usize = 4;
/// Blocks per call of the wide kernel; the cipher backend's `ParBlocksSize`.
pub(crate) const PAR_BLOCKS: usize = LANES * GROUPS;

/// Encrypts (with `rk`) or decrypts (with the reversed keys) `blocks` in place, any count.
#[target_feature(enable = "avx512f,avx512bw,gfni")]
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
        // Fewer than sixteen blocks (a single block, a tail): one group through a padded copy,
        // which costs the latency of one group's 32 rounds, not a 64-block call.
        let mut pad = [Block::default(); LANES];
        let n = rest.len();
        pad[..n].copy_from_slice(rest);
        groups::<1>(rk, &mut pad);
        rest.copy_from_slice(&pad[..n]);
    }
}

#[target_feature(enable = "avx512f,avx512bw,gfni")]
fn sbox(x: __m512i) -> __m512i {
    let pre = _mm512_set1_epi64(GFNI_PRE as i64);
    let post = _mm512_set1_epi64(GFNI_POST as i64);
    let y = _mm512_gf2p8affine_epi64_epi8::<{ PRE_C as i32 }>(x, pre);
    _mm512_gf2p8affineinv_epi64_epi8::<{ SM4_C as i32 }>(y, post)
}

/// L(b) = b ⊕ (b <<< 2) ⊕ (b <<< 10) ⊕ (b <<< 18) ⊕ (b <<< 24).
#[target_feature(enable = "avx512f")]
fn l(b: __m512i) -> __m512i {
    let t =
        _mm512_ternarylogic_epi32::<0x96>(b, _mm512_rol_epi32::<2>(b), _mm512_rol_epi32::<10>(b));
    _mm512_ternarylogic_epi32::<0x96>(t, _mm512_rol_epi32::<18>(b), _mm512_rol_epi32::<24>(b))
}

/// 4×4 transpose of 32-bit words inside each 128-bit lane: four registers of four blocks each
/// become four registers of one word of sixteen blocks each. Its own inverse.
#[target_feature(enable = "avx512f")]
fn transpose(r: [__m512i; 4]) -> [__m512i; 4] {
    let t0 = _mm512_unpacklo_epi32(r[0], r[1]);
    let t1 = _mm512_unpacklo_epi32(r[2], r[3]);
    let t2 = _mm512_unpackhi_epi32(r[0], r[1]);
    let t3 = _mm512_unpackhi_epi32(r[2], r[3]);
    [
        _mm512_unpacklo_epi64(t0, t1),
        _mm512_unpackhi_epi64(t0, t1),
        _mm512_unpacklo_epi64(t2, t3),
        _mm512_unpackhi_epi64(t2, t3),
    ]
}

/// SM4 words are big-endian.
#[target_feature(enable = "avx512f,avx512bw")]
fn bswap32(x: __m512i) -> __m512i {
    let m = _mm512_broadcast_i32x4(_mm_setr_epi8(
        3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12,
    ));
    _mm512_shuffle_epi8(x, m)
}

/// `G` groups of sixteen blocks, interleaved round by round. `blocks` must hold exactly
/// `16·G` blocks (the callers above pass chunks of that size); otherwise nothing is done.
#[target_feature(enable = "avx512f,avx512bw,gfni")]
fn groups<const G: usize>(rk: &[u32; 32], blocks: &mut [Block]) {
    if blocks.len() != LANES * G {
        debug_assert!(false, "groups::<{G}> called with {} blocks", blocks.len());
        return;
    }
    let p = blocks.as_mut_ptr().cast::<u8>();
    let mut x = [[_mm512_setzero_si512(); 4]; G];
    for (g, x) in x.iter_mut().enumerate() {
        let mut r = [_mm512_setzero_si512(); 4];
        for (j, r) in r.iter_mut().enumerate() {
            // SAFETY: `blocks` is 16·G blocks of 16 bytes each (checked above; `Block` is a
            // transparent `[u8; 16]`), so the 64 bytes at 256·g + 64·j, g < G, j < 4, are inside
            // it; the load is unaligned.
            *r = bswap32(unsafe { _mm512_loadu_si512(p.add(256 * g + 64 * j).cast()) });
        }
        *x = transpose(r);
    }
    // Four rounds per iteration: each word is replaced in turn, so no register renaming
    // between rounds is left to the compiler.
    for k in rk.chunks_exact(4) {
        for (i, &k) in k.iter().enumerate() {
            let k = _mm512_set1_epi32(k as i32);
            for x in x.iter_mut() {
                let t = _mm512_ternarylogic_epi32::<0x96>(
                    x[(i + 1) % 4],
                    x[(i + 2) % 4],
                    _mm512_xor_si512(x[(i + 3) % 4], k),
                );
                x[i] = _mm512_xor_si512(x[i], l(sbox(t)));
            }
        }
    }
    for (g, x) in x.iter().enumerate() {
        // The output is the last four words in reverse order; after 32 rounds they sit in
        // x[3], x[2], x[1], x[0].
        let r = transpose([x[3], x[2], x[1], x[0]]);
        for (j, r) in r.into_iter().enumerate() {
            // SAFETY: as for the loads: 64 bytes at 256·g + 64·j lie inside `blocks`, which is
            // borrowed mutably, so nothing else reads or writes them.
            unsafe { _mm512_storeu_si512(p.add(256 * g + 64 * j).cast(), bswap32(r)) };
        }
    }
}

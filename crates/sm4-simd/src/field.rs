//! The SM4 S-box through the AES field: the constants of the GFNI and AES-NI kernels, derived at
//! compile time rather than copied from elsewhere, so that the derivation can be read and tested.
//!
//! SM4's S-box is `S(x) = A·inv(A·x ⊕ C) ⊕ C` with the inversion in GF(2⁸) modulo
//! x⁸+x⁷+x⁶+x⁵+x⁴+x²+1 (0x1F5), `A` the circulant matrix whose row `i` is `0xA7` rotated left by
//! `i`, and `C = 0xD3`. AES inverts modulo 0x11B. The two fields are isomorphic: if `β` is a root
//! of 0x1F5 in the AES field, the linear map `T` sending `xⁱ` to `βⁱ` is a field isomorphism, so
//! `inv_sm4(z) = T⁻¹·inv_aes(T·z)` and
//!
//! `S(x) = (A·T⁻¹)·inv_aes((T·A)·x ⊕ T·C) ⊕ C`.
//!
//! There are eight roots, hence eight valid `T`; the tests check every one on all 256 inputs.
//!
//! Matrices are kept as columns: `m[i]` is the image of bit `i`.

// Only the x86-64 kernels use the constants; elsewhere the tests still check them.
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]

/// A linear map on bytes, as its columns: `m[i]` is the image of the byte with only bit `i` set.
pub(crate) type Matrix = [u8; 8];

/// The reduction polynomial of the SM4 field.
pub(crate) const SM4_POLY: u16 = 0x1F5;
/// The reduction polynomial of the AES field.
pub(crate) const AES_POLY: u16 = 0x11B;
/// The affine constant of the SM4 S-box (both sides).
pub(crate) const SM4_C: u8 = 0xD3;
/// The affine constant of the AES S-box.
pub(crate) const AES_C: u8 = 0x63;

/// Product in GF(2⁸) modulo `poly`.
pub(crate) const fn gf_mul(mut a: u8, mut b: u8, poly: u16) -> u8 {
    let mut r = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            r ^= a;
        }
        b >>= 1;
        let carry = a & 0x80 != 0;
        a <<= 1;
        if carry {
            a ^= (poly & 0xFF) as u8;
        }
    }
    r
}

/// Inverse in GF(2⁸) modulo `poly` (`x²⁵⁴`), with 0 mapped to 0 as both S-boxes do.
#[cfg(test)]
pub(crate) const fn gf_inv(x: u8, poly: u16) -> u8 {
    let mut r = 1u8;
    let mut i = 0;
    while i < 254 {
        r = gf_mul(r, x, poly);
        i += 1;
    }
    if x == 0 { 0 } else { r }
}

/// `m·x`.
pub(crate) const fn apply(m: &Matrix, x: u8) -> u8 {
    let mut y = 0u8;
    let mut i = 0;
    while i < 8 {
        if (x >> i) & 1 != 0 {
            y ^= m[i];
        }
        i += 1;
    }
    y
}

/// `m·n`.
pub(crate) const fn compose(m: &Matrix, n: &Matrix) -> Matrix {
    let mut c = [0u8; 8];
    let mut i = 0;
    while i < 8 {
        c[i] = apply(m, n[i]);
        i += 1;
    }
    c
}

/// The matrix whose row `i` (the mask of input bits that make output bit `i`) is `rows[i]`.
const fn from_rows(rows: [u8; 8]) -> Matrix {
    let mut c = [0u8; 8];
    let mut i = 0;
    while i < 8 {
        let mut j = 0;
        while j < 8 {
            c[i] |= ((rows[j] >> i) & 1) << j;
            j += 1;
        }
        i += 1;
    }
    c
}

/// The matrix whose row `i` is `row` rotated left by `i` bits.
const fn circulant(row: u8) -> Matrix {
    let mut rows = [0u8; 8];
    let mut i = 0;
    while i < 8 {
        rows[i] = row.rotate_left(i as u32);
        i += 1;
    }
    from_rows(rows)
}

/// The inverse of an invertible matrix (by search: the preimage of each basis byte).
const fn invert(m: &Matrix) -> Matrix {
    let mut c = [0u8; 8];
    let mut j = 0;
    while j < 8 {
        let mut x = 0u16;
        while x < 256 {
            if apply(m, x as u8) == 1 << j {
                c[j] = x as u8;
            }
            x += 1;
        }
        j += 1;
    }
    c
}

/// The affine matrix of the SM4 S-box (both sides).
pub(crate) const SM4_A: Matrix = circulant(0xA7);
/// The affine matrix of the AES S-box.
pub(crate) const AES_A: Matrix = circulant(0xF1);

/// The roots of the SM4 polynomial in the AES field, in increasing order.
pub(crate) const fn sm4_poly_roots() -> [u8; 8] {
    let mut roots = [0u8; 8];
    let mut n = 0;
    let mut b = 1u16;
    while b < 256 {
        // Evaluate x⁸+x⁷+x⁶+x⁵+x⁴+x²+1 at b by Horner's rule over the bits of the polynomial.
        let mut v = 0u8;
        let mut k = 8i32;
        while k >= 0 {
            v = gf_mul(v, b as u8, AES_POLY);
            if (SM4_POLY >> k) & 1 != 0 {
                v ^= 1;
            }
            k -= 1;
        }
        if v == 0 && n < 8 {
            roots[n] = b as u8;
            n += 1;
        }
        b += 1;
    }
    roots
}

/// The isomorphism from the SM4 field to the AES field sending `x` to `root`.
pub(crate) const fn isomorphism(root: u8) -> Matrix {
    let mut c = [0u8; 8];
    let mut p = 1u8;
    let mut i = 0;
    while i < 8 {
        c[i] = p;
        p = gf_mul(p, root, AES_POLY);
        i += 1;
    }
    c
}

/// The `T` this crate uses (any of the eight works; the first root is as good as another).
const T: Matrix = isomorphism(sm4_poly_roots()[0]);
/// `T⁻¹`.
const T_INV: Matrix = invert(&T);

/// Input map: `x ↦ (T·A)·x ⊕ T·C`, into the AES field.
pub(crate) const PRE: Matrix = compose(&T, &SM4_A);
/// The constant of the input map.
pub(crate) const PRE_C: u8 = apply(&T, SM4_C);
/// Output map after an AES-field inversion: `y ↦ (A·T⁻¹)·y ⊕ C`.
pub(crate) const POST: Matrix = compose(&SM4_A, &T_INV);

/// A matrix in the operand format of GF2P8AFFINEQB / GF2P8AFFINEINVQB: output bit `i` is the
/// parity of `x` AND byte `7 − i` of the quadword.
pub(crate) const fn gfni_qword(m: &Matrix) -> u64 {
    let mut q = 0u64;
    let mut i = 0;
    while i < 8 {
        // Row i: the input bits j whose column has bit i set.
        let mut row = 0u8;
        let mut j = 0;
        while j < 8 {
            row |= ((m[j] >> i) & 1) << j;
            j += 1;
        }
        q |= (row as u64) << (8 * (7 - i));
        i += 1;
    }
    q
}

/// GFNI operand of the input map.
pub(crate) const GFNI_PRE: u64 = gfni_qword(&PRE);
/// GFNI operand of the output map (used with GF2P8AFFINEINVQB, constant [`SM4_C`]).
pub(crate) const GFNI_POST: u64 = gfni_qword(&POST);

/// The output map after AESENCLAST, which applies the AES affine map after the inversion:
/// `z ↦ (A·T⁻¹·A_aes⁻¹)·(z ⊕ 0x63) ⊕ C`.
const AESNI_POST: Matrix = compose(&POST, &invert(&AES_A));
/// The constant of [`AESNI_POST`] once the 0x63 is moved through the matrix.
const AESNI_POST_C: u8 = apply(&AESNI_POST, AES_C) ^ SM4_C;

/// PSHUFB tables of an affine map `x ↦ m·x ⊕ c`: one for the low nibble (holding `c`), one for
/// the high nibble; the map is their XOR.
const fn nibble_tables(m: &Matrix, c: u8) -> ([u8; 16], [u8; 16]) {
    let mut lo = [0u8; 16];
    let mut hi = [0u8; 16];
    let mut n = 0;
    while n < 16 {
        lo[n] = apply(m, n as u8) ^ c;
        hi[n] = apply(m, (n as u8) << 4);
        n += 1;
    }
    (lo, hi)
}

/// Low-nibble table of the input map of the AES-NI kernel.
pub(crate) const AESNI_PRE_LO: [u8; 16] = nibble_tables(&PRE, PRE_C).0;
/// High-nibble table of the input map of the AES-NI kernel.
pub(crate) const AESNI_PRE_HI: [u8; 16] = nibble_tables(&PRE, PRE_C).1;
/// Low-nibble table of the output map of the AES-NI kernel.
pub(crate) const AESNI_POST_LO: [u8; 16] = nibble_tables(&AESNI_POST, AESNI_POST_C).0;
/// High-nibble table of the output map of the AES-NI kernel.
pub(crate) const AESNI_POST_HI: [u8; 16] = nibble_tables(&AESNI_POST, AESNI_POST_C).1;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consts::SBOX;

    /// What GF2P8AFFINEQB does to one byte.
    fn gfni_affine(x: u8, q: u64, c: u8) -> u8 {
        let mut y = 0u8;
        for i in 0..8 {
            let row = (q >> (8 * (7 - i))) as u8;
            y |= (((row & x).count_ones() & 1) as u8) << i;
        }
        y ^ c
    }

    /// What AESENCLAST does to one byte (SubBytes; ShiftRows only moves bytes).
    fn aes_sbox(x: u8) -> u8 {
        apply(&AES_A, gf_inv(x, AES_POLY)) ^ AES_C
    }

    fn table(lo: &[u8; 16], hi: &[u8; 16], x: u8) -> u8 {
        lo[usize::from(x & 15)] ^ hi[usize::from(x >> 4)]
    }

    #[test]
    fn the_sm4_sbox_is_an_affine_inversion_modulo_0x1f5() {
        for x in 0..=255u8 {
            let s = apply(&SM4_A, gf_inv(apply(&SM4_A, x) ^ SM4_C, SM4_POLY)) ^ SM4_C;
            assert_eq!(s, SBOX[usize::from(x)], "x = {x:#04x}");
        }
    }

    #[test]
    fn the_aes_affine_map_gives_the_aes_sbox() {
        assert_eq!(aes_sbox(0x00), 0x63);
        assert_eq!(aes_sbox(0x01), 0x7c);
        assert_eq!(aes_sbox(0x53), 0xed);
        assert_eq!(aes_sbox(0xff), 0x16);
    }

    #[test]
    fn every_root_gives_an_isomorphism_that_computes_the_sbox_on_all_256_inputs() {
        let roots = sm4_poly_roots();
        assert!(roots.iter().all(|&r| r != 0), "eight roots: {roots:02x?}");
        for root in roots {
            let t = isomorphism(root);
            let t_inv = invert(&t);
            assert_eq!(
                compose(&t, &t_inv),
                [1, 2, 4, 8, 16, 32, 64, 128],
                "T·T⁻¹ = I"
            );
            let pre = compose(&t, &SM4_A);
            let post = compose(&SM4_A, &t_inv);
            for x in 0..=255u8 {
                let y = apply(&pre, x) ^ apply(&t, SM4_C);
                let s = apply(&post, gf_inv(y, AES_POLY)) ^ SM4_C;
                assert_eq!(s, SBOX[usize::from(x)], "root {root:#04x}, x = {x:#04x}");
            }
        }
    }

    #[test]
    fn the_gfni_constants_compute_the_sbox_on_all_256_inputs() {
        for x in 0..=255u8 {
            let y = gfni_affine(x, GFNI_PRE, PRE_C);
            // GF2P8AFFINEINVQB: inversion in the AES field, then the affine map.
            let s = gfni_affine(gf_inv(y, AES_POLY), GFNI_POST, SM4_C);
            assert_eq!(s, SBOX[usize::from(x)], "x = {x:#04x}");
        }
    }

    #[test]
    fn the_aesni_tables_compute_the_sbox_on_all_256_inputs() {
        for x in 0..=255u8 {
            let y = table(&AESNI_PRE_LO, &AESNI_PRE_HI, x);
            let s = table(&AESNI_POST_LO, &AESNI_POST_HI, aes_sbox(y));
            assert_eq!(s, SBOX[usize::from(x)], "x = {x:#04x}");
        }
    }
}

//! The SM4 key schedule. Done once per key with the S-box table: the key is secret, but the
//! portable `sm4` crate, our fallback, indexes the same table with key bytes too, and a SIMD key
//! schedule would not pay for itself on one key per file.

use crate::consts::{CK, FK, SBOX};

/// The 32 round keys, for encryption (decryption uses them in reverse order).
pub(crate) fn round_keys(key: &[u8; 16]) -> [u32; 32] {
    let word = |i: usize| u32::from_be_bytes([key[i], key[i + 1], key[i + 2], key[i + 3]]);
    let mut k = [
        word(0) ^ FK[0],
        word(4) ^ FK[1],
        word(8) ^ FK[2],
        word(12) ^ FK[3],
    ];
    let mut rk = [0u32; 32];
    for (i, (rk, ck)) in rk.iter_mut().zip(CK).enumerate() {
        let t = k[(i + 1) % 4] ^ k[(i + 2) % 4] ^ k[(i + 3) % 4] ^ ck;
        let b = u32::from_be_bytes(t.to_be_bytes().map(|b| SBOX[usize::from(b)]));
        k[i % 4] ^= b ^ b.rotate_left(13) ^ b.rotate_left(23);
        *rk = k[i % 4];
    }
    rk
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_and_last_round_keys_of_the_standard_example() {
        // GB/T 32907-2016, appendix A.1: rk0 = f12186f9, rk31 = 9124a012.
        let key = [
            0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54,
            0x32, 0x10,
        ];
        let rk = round_keys(&key);
        assert_eq!(rk[0], 0xf121_86f9);
        assert_eq!(rk[31], 0x9124_a012);
    }
}

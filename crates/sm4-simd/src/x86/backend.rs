//! The `cipher` backends of the SIMD paths: what `encrypt_with_backend` hands to modes.

use cipher::consts::U16;
use cipher::{
    Block, BlockCipherDecBackend, BlockCipherEncBackend, BlockSizeUser, InOut, InOutBuf, ParBlocks,
    ParBlocksSizeUser,
};

use super::{
    AVX2_AESNI_PAR_BLOCKS, AVX2_GFNI_PAR_BLOCKS, AVX2_VAES_PAR_BLOCKS, AVX512_PAR_BLOCKS,
    Avx2AesNi, Avx2Gfni, Avx2Vaes, Avx512Gfni,
};

/// A SIMD backend handed to the `cipher` closures: the round keys of one direction and the
/// detection token. `ParBlocksSize` is the width of the interleaved kernel, so that modes hand
/// over that many blocks at once; single blocks and tails take the one-group path.
macro_rules! simd_backend {
    ($name:ident, $token:ty, $par:ty, $width:expr) => {
        pub(crate) struct $name<'a> {
            pub(crate) rk: &'a [u32; 32],
            pub(crate) token: $token,
        }

        impl BlockSizeUser for $name<'_> {
            type BlockSize = U16;
        }

        impl ParBlocksSizeUser for $name<'_> {
            type ParBlocksSize = $par;
        }

        const _: () = assert!(<$par as cipher::typenum::Unsigned>::USIZE == $width);

        impl BlockCipherEncBackend for $name<'_> {
            #[inline]
            fn encrypt_block(&self, block: InOut<'_, '_, Block<Self>>) {
                let b = block.into_out_with_copied_in();
                self.token.crypt(self.rk, core::slice::from_mut(b));
            }

            #[inline]
            fn encrypt_par_blocks(&self, blocks: InOut<'_, '_, ParBlocks<Self>>) {
                let b = blocks.into_out_with_copied_in();
                self.token.crypt(self.rk, b.as_mut_slice());
            }

            #[inline]
            fn encrypt_tail_blocks(&self, blocks: InOutBuf<'_, '_, Block<Self>>) {
                self.token.crypt(self.rk, blocks.into_out_with_copied_in());
            }
        }

        impl BlockCipherDecBackend for $name<'_> {
            #[inline]
            fn decrypt_block(&self, block: InOut<'_, '_, Block<Self>>) {
                let b = block.into_out_with_copied_in();
                self.token.crypt(self.rk, core::slice::from_mut(b));
            }

            #[inline]
            fn decrypt_par_blocks(&self, blocks: InOut<'_, '_, ParBlocks<Self>>) {
                let b = blocks.into_out_with_copied_in();
                self.token.crypt(self.rk, b.as_mut_slice());
            }

            #[inline]
            fn decrypt_tail_blocks(&self, blocks: InOutBuf<'_, '_, Block<Self>>) {
                self.token.crypt(self.rk, blocks.into_out_with_copied_in());
            }
        }
    };
}

simd_backend!(
    Avx512GfniBackend,
    Avx512Gfni,
    cipher::consts::U64,
    AVX512_PAR_BLOCKS
);
simd_backend!(
    Avx2GfniBackend,
    Avx2Gfni,
    cipher::consts::U64,
    AVX2_GFNI_PAR_BLOCKS
);
simd_backend!(
    Avx2VaesBackend,
    Avx2Vaes,
    cipher::consts::U64,
    AVX2_VAES_PAR_BLOCKS
);
simd_backend!(
    Avx2AesNiBackend,
    Avx2AesNi,
    cipher::consts::U64,
    AVX2_AESNI_PAR_BLOCKS
);

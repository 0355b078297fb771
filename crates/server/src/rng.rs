//! Randomness as a port: the services draw from a [`RandomSource`] that the binary chooses (the
//! OS) and tests replace with a seeded one.

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};

/// Where random bytes come from.
pub trait RandomSource: Send + Sync {
    /// Fill `dst` with random bytes.
    fn fill(&self, dst: &mut [u8]);
}

/// The operating system's generator.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemRandom;

impl RandomSource for SystemRandom {
    fn fill(&self, dst: &mut [u8]) {
        use rand_core::Rng as _;
        yizhao_gm::system_rng().fill_bytes(dst);
    }
}

/// Adapts a [`RandomSource`] to the `rand_core` traits that `yizhao-gm` takes.
pub struct PortRng<'a>(pub &'a dyn RandomSource);

impl TryRng for PortRng<'_> {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.0.fill(&mut b);
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.0.fill(&mut b);
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.0.fill(dst);
        Ok(())
    }
}

impl TryCryptoRng for PortRng<'_> {}

/// `n` random bytes as lowercase hex.
pub fn random_hex(src: &dyn RandomSource, n: usize) -> String {
    let mut b = vec![0u8; n];
    src.fill(&mut b);
    hex::encode(b)
}

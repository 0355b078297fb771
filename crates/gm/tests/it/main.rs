//! Integration tests of yizhao-gm: standard vectors, OpenSSL as an independent judge, property
//! tests of every primitive.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod crl;
mod keys;
mod keystore;
mod openssl;
mod stream;
mod vectors;
mod x509;

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};

/// The deterministic test generator.
pub use yizhao_gm::testing::SeededRng as TestRng;

/// An "RNG" that returns fixed bytes: makes SM2 encryption use the standard's k.
pub struct FixedRng(pub Vec<u8>);

impl TryRng for FixedRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        unimplemented!("not used by SM2 encryption")
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        unimplemented!("not used by SM2 encryption")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        assert!(dst.len() <= self.0.len(), "FixedRng ran out of bytes");
        let rest = self.0.split_off(dst.len());
        dst.copy_from_slice(&self.0);
        self.0 = rest;
        Ok(())
    }
}

impl TryCryptoRng for FixedRng {}

/// Decode hex, ignoring whitespace.
pub fn unhex(s: &str) -> Vec<u8> {
    let clean: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    hex::decode(clean).expect("valid hex")
}

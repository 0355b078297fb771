//! Integration tests of yizhao-gm: standard vectors, OpenSSL as an independent judge, property
//! tests of every primitive.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod keys;
mod keystore;
mod openssl;
mod stream;
mod vectors;
mod x509;

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};

/// A deterministic RNG for tests: SM3 in counter mode over a seed.
pub struct TestRng {
    seed: [u8; 32],
    counter: u64,
    buf: Vec<u8>,
}

impl TestRng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        TestRng {
            seed: yizhao_gm::sm3(&seed.to_be_bytes()),
            counter: 0,
            buf: Vec::new(),
        }
    }
}

impl TryRng for TestRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for d in dst {
            if self.buf.is_empty() {
                let mut input = self.seed.to_vec();
                input.extend_from_slice(&self.counter.to_be_bytes());
                self.counter += 1;
                self.buf = yizhao_gm::sm3(&input).to_vec();
            }
            *d = self.buf.pop().unwrap_or_default();
        }
        Ok(())
    }
}

impl TryCryptoRng for TestRng {}

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

//! Integration tests of yizhao-sm4-simd: standard vectors on every path, differential tests
//! against the portable `sm4` crate through `ctr`, `cbc` and `aes-gcm`, the fuzz corpus.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod corpus;
mod modes;
mod vectors;

use yizhao_sm4_simd::cipher::{Array, consts::U16};
use yizhao_sm4_simd::{Backend, Sm4};

/// Every backend this CPU has, each forced in turn, with the key given.
fn every_path(key: &[u8; 16]) -> Vec<Sm4> {
    let key = Array::<u8, U16>::from(*key);
    Backend::available()
        .into_iter()
        .map(|b| Sm4::with_backend(&key, b).expect("an available backend builds"))
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(char::is_whitespace, "")).unwrap()
}

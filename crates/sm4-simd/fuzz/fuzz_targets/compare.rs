//! Every SM4 path this CPU has against the portable `sm4` crate, on fuzzer-chosen keys, split
//! points and block counts. The same comparison runs the committed corpus in the normal tests
//! (`tests/it/corpus.rs`), so the corpus is exercised without cargo-fuzz.
//!
//! Run: `cargo +nightly fuzz run compare` in `crates/sm4-simd`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use yizhao_sm4_simd::differential::compare_with_portable;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = compare_with_portable(data) {
        panic!("{e}");
    }
});

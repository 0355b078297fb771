//! `yizhao_fuzzing::impression` under libFuzzer; its corpus also runs in `cargo test -p yizhao-fuzzing`.
//!
//! Run: `cargo +nightly fuzz run impression` at the workspace root.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| yizhao_fuzzing::impression(data));

//! `yizhao_fuzzing::registry_csv` under libFuzzer; its corpus also runs in `cargo test -p yizhao-fuzzing`.
//!
//! Run: `cargo +nightly fuzz run registry_csv` at the workspace root.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| yizhao_fuzzing::registry_csv(data));

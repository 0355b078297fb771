//! `yizhao_fuzzing::x509_crl` under libFuzzer; its corpus also runs in `cargo test -p yizhao-fuzzing`.
//!
//! Run: `cargo +nightly fuzz run x509_crl` at the workspace root.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| yizhao_fuzzing::x509_crl(data));

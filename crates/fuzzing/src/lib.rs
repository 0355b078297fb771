//! The bodies of yizhao's fuzz targets: every parser that takes bytes from outside, fed
//! arbitrary input. A body returns normally when the parser behaved (accepted or refused the
//! input with an error) and panics when it did not: a panic inside the parser, or a round trip
//! (parse → encode → parse) that changes what was read.
//!
//! `fuzz/` at the workspace root wraps each body in a libFuzzer target (`cargo +nightly fuzz run
//! <name>`); the committed corpora (`fuzz/corpus/<name>`) run through the same bodies in this
//! crate's tests, so `cargo test` exercises them without cargo-fuzz; the tests also write the
//! seed corpora from the project's own fixtures.

// A fuzz target reports a defect by panicking: `expect` here states what must hold.
#![allow(clippy::expect_used, clippy::unwrap_used)]

pub mod fixtures;
mod targets;

pub use targets::{
    impression, qr_answer, qr_image, registry_csv, ses_seal, ses_signature, x509_certificate,
    x509_crl,
};

/// A fuzz target's body: returns, or panics on a defect.
pub type Body = fn(&[u8]);

/// Every target, by the name of its libFuzzer binary and corpus folder.
pub const TARGETS: [(&str, Body); 8] = [
    ("ses_seal", ses_seal),
    ("ses_signature", ses_signature),
    ("x509_certificate", x509_certificate),
    ("x509_crl", x509_crl),
    ("registry_csv", registry_csv),
    ("impression", impression),
    ("qr_answer", qr_answer),
    ("qr_image", qr_image),
];

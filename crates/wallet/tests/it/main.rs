//! Integration tests of yizhao-wallet: the home folder, the authority client against a small
//! in-test authority (axum) that checks every proof the wallet makes, and the CLI.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod authority;
mod cli;
mod client;
mod home;
mod qr;
mod web;
mod web_session;

/// The deterministic test generator.
pub use yizhao_gm::testing::SeededRng as TestRng;

//! Integration tests of the impression pipeline, on fixture photos drawn by code.

// Tests may panic on failure; that is their report.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod fixtures;
mod golden;
mod input;
mod pipeline;
mod quality;

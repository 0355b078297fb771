//! The phone of yizhao (电子营业执照 小程序/APP): one home folder holds one keystore, sealed under
//! the device password, with a key per downloaded license; the license authority is reached only
//! over HTTP.
//!
//! - [`Home`]: the folder (`wallet.keystore`, `licenses.json`, `state.json`), atomic writes.
//! - [`Client`]: the authority's API (`/authority/api/v1`).
//! - [`Wallet`]: the flows of manual §3.1 over both, and scanning a QR code ([`qr`]).
//! - [`seals`]: electronic seals (R13–R16): impressions processed and checked here, collected
//!   seals kept in the home folder (`seals/`), seal admins and seal use grants.
//! - [`WalletCli`]: the `yizhao wallet …` commands, mounted by the binary.
//! - [`web`]: `yizhao wallet serve`, the same flows as phone-style web pages.

pub mod cli;
pub mod client;
pub mod error;
pub mod flows;
pub mod home;
pub mod qr;
mod render;
pub mod seals;
pub mod terminal;
pub mod time;
pub mod web;
pub use cli::WalletCli;
pub use client::Client;
pub use error::{Result, WalletError};
pub use flows::{AgentAuthorization, Matters, Wallet};
pub use home::{DEFAULT_PASSWORD, Home, RealNameSession, StoredLicense};
pub use qr::{LicenseChoice, Requester, ScanPreview};
pub use yizhao_gm::keystore::Password;

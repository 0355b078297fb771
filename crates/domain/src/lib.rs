//! yizhao's entities, roles and rules as plain functions and state transitions. No IO: time and
//! randomness come in through ports, and nothing here opens a file or a socket.

pub mod authority;
pub mod ids;
pub mod login;
pub mod member;
pub mod notice;
pub mod qr;
pub mod registry;
pub mod seal;
pub mod text;
pub mod time;

/// Whether `a` and `b` are equal, in time that depends on their lengths only: the one
/// comparison of secrets (tokens, nonces, short codes, anti-forgery tokens) every crate uses.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    a.ct_eq(b).into()
}

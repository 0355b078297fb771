//! yizhao's entities, roles and rules as plain functions and state transitions. No IO: time and
//! randomness come in through ports, and nothing here opens a file or a socket.

pub mod authority;
pub mod ids;
pub mod qr;
pub mod registry;
pub mod seal;
pub mod time;

//! Identifiers that come from outside and carry their own check character: the unified social
//! credit code of an entity (GB 32100) and the resident ID number of a person (GB 11643).
//!
//! Both are parsed once, at the edge, into a newtype; holding one means it is well formed.
//!
//! Opaque ids that cross crates ([`LicenseId`], [`QrId`]) are newtypes too, so that one
//! can't be passed for another.
//!
//! ```
//! use yizhao_domain::ids::{IdNumber, Uscc};
//!
//! let uscc = Uscc::parse("91350100M000100Y43")?;
//! assert_eq!(uscc.division_code(), "350100");
//! assert_eq!(Uscc::parse("91310115MA1H8R7C6D").unwrap_err().code(), "uscc.check_digit");
//!
//! let id = IdNumber::parse("11010519491231002X")?;
//! assert_eq!(id.birth_date(), (1949, 12, 31));
//! assert_eq!(id.to_string(), "110105********002X"); // masked: ID numbers are never shown whole
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod id_number;
mod opaque;
mod uscc;

pub use id_number::{IdNumber, IdNumberError, Sex};
pub use opaque::{LicenseId, QrId};
pub use uscc::{Uscc, UsccError};

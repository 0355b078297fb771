//! GB/T 38540-2020 ("v4") electronic seals in DER: build an `SESeal` signed by the seal
//! maker, parse seals from other producers leniently, and verify them (STANDARDS.md §1); and
//! the electronic signatures made with a seal (`SES_Signature`).
//!
//! SM2 and SM3 come from `yizhao-gm`; certificates travel as raw DER (yizhao's certificates carry
//! `2.25.<uuid>` extensions that RustCrypto's OID type can't hold). No I/O and no clock here: the
//! time of a validity check is a parameter.

mod asn1;
pub mod error;
pub mod seal;
pub mod signature;

pub use error::{Result, SesError};
pub use seal::{
    CertDigest, CertList, ExtData, Header, Picture, PropertyInfo, Seal, SealInfo, SignedValueForm,
};
pub use signature::{SealSignature, ToSign};

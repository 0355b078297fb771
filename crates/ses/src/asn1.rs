//! The DER shapes of GB/T 38540-2020 v4 (STANDARDS.md §1.1), field for field. Private: the
//! public types in [`crate::seal`] are plain Rust values converted to and from these.
//!
//! `SES_CertList` is a CHOICE of two `SEQUENCE OF`s that share one tag, so it is carried here as
//! `Any` and decided by `certListType` in [`crate::seal`].

use der::Sequence;
use der::asn1::{Any, Ia5String, OctetString, PrintableString};
use x509_cert::time::Time;
use yizhao_gm::x509::Oid;

/// `SES_Header ::= SEQUENCE { ID IA5String, version INTEGER, Vid IA5String }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub(crate) struct HeaderDer {
    pub id: Ia5String,
    pub version: u32,
    pub vid: Ia5String,
}

/// `CertDigestObj ::= SEQUENCE { type PrintableString, value OCTET STRING }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub(crate) struct CertDigestDer {
    pub kind: PrintableString,
    pub value: OctetString,
}

/// `SES_ESPropertyInfo` (v4).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub(crate) struct PropertyDer {
    pub seal_type: u32,
    pub name: String,
    pub cert_list_type: u32,
    pub cert_list: Any,
    pub create_date: Time,
    pub valid_start: Time,
    pub valid_end: Time,
}

/// `SES_ESPictrueInfo ::= SEQUENCE { type IA5String, data OCTET STRING, width INTEGER,
/// height INTEGER }`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub(crate) struct PictureDer {
    pub kind: Ia5String,
    pub data: OctetString,
    pub width: u32,
    pub height: u32,
}

/// `ExtData ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE,
/// extnValue OCTET STRING }`. The OID is yizhao-gm's, which takes arcs of any size.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub(crate) struct ExtDataDer {
    pub id: Oid,
    #[asn1(default = "Default::default")]
    pub critical: bool,
    pub value: OctetString,
}

/// `SES_SealInfo`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub(crate) struct SealInfoDer {
    pub header: HeaderDer,
    pub es_id: Ia5String,
    pub property: PropertyDer,
    pub picture: PictureDer,
    #[asn1(optional = "true")]
    pub ext_datas: Option<Vec<ExtDataDer>>,
}

/// `SESeal` as written: the seal information kept as its exact DER (the signed bytes).
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub(crate) struct SealDer {
    pub info: Any,
    pub cert: OctetString,
    pub sign_alg: Oid,
    pub signed_value: der::asn1::BitString,
}

/// The v4 wording's alternative signed range, `SEQUENCE { sealInfo, cert, signAlgID }`
/// (STANDARDS.md §1.2, also the 2014 range): tried only when the signature over the seal
/// information alone fails.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub(crate) struct SignRangeDer {
    pub info: Any,
    pub cert: OctetString,
    pub sign_alg: Oid,
}

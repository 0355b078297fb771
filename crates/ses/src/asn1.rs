//! The DER shapes of GB/T 38540-2020 v4 (STANDARDS.md §1.1), field for field. Private: the
//! public types in [`crate::seal`] are plain Rust values converted to and from these.
//!
//! `SES_CertList` is a CHOICE of two `SEQUENCE OF`s that share one tag, so it is carried here as
//! `Any` and decided by `certListType` in [`crate::seal`].

use der::asn1::{Any, AnyRef, BitString, GeneralizedTime, Ia5String, OctetString, PrintableString};
use der::{Decode, Encode, Reader, Sequence, Tag, Tagged};
use x509_cert::time::Time;
use yizhao_gm::x509::Oid;

use crate::error::{Result, SesError};
use crate::seal::SignedValueForm;

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
    pub signed_value: BitString,
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

/// `TBS_Sign` (v4) as written; `extDatas` EXPLICIT `[0]` as ofdrw writes it.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub(crate) struct TbsSignDer {
    pub version: u32,
    pub eseal: Any,
    pub time_info: GeneralizedTime,
    pub data_hash: BitString,
    pub property_info: Ia5String,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub ext_datas: Option<Vec<ExtDataDer>>,
}

/// `SES_Signature` (v4) as written; `timeStamp` EXPLICIT `[0]`.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub(crate) struct SignatureDer {
    pub to_sign: Any,
    pub cert: OctetString,
    pub sign_alg: Oid,
    pub signature: BitString,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub time_stamp: Option<BitString>,
}

/// The top-level elements of a DER SEQUENCE (`what` names it in errors).
pub(crate) fn elements<'a>(der: &'a [u8], what: &str) -> Result<Vec<AnyRef<'a>>> {
    let outer = AnyRef::from_der(der)?;
    if outer.tag() != Tag::Sequence {
        return Err(SesError::Format(format!("{what}不是 SEQUENCE")));
    }
    Ok(outer.sequence(|r| {
        let mut v = Vec::new();
        while !r.is_finished() {
            v.push(r.decode::<AnyRef<'a>>()?);
        }
        Ok::<_, der::Error>(v)
    })?)
}

/// A certificate carried as OCTET STRING (the standard) or embedded as a `Certificate`.
pub(crate) fn certificate(element: &AnyRef<'_>, what: &str) -> Result<Vec<u8>> {
    match element.tag() {
        Tag::OctetString => Ok(element.value().to_vec()),
        Tag::Sequence => Ok(element.to_der()?),
        t => Err(SesError::Format(format!("{what}的类型 {t} 不对"))),
    }
}

/// A signature algorithm identifier (any arc size, so odd OIDs are reported, not rejected).
pub(crate) fn algorithm(element: &AnyRef<'_>) -> Result<Oid> {
    element
        .decode_as::<Oid>()
        .map_err(|e| SesError::Format(format!("签名算法标识：{e}")))
}

/// The bytes of a `signedValue`/`signature`: BIT STRING (the standard) or OCTET STRING.
pub(crate) fn signed_value(element: &AnyRef<'_>) -> Result<(Vec<u8>, SignedValueForm)> {
    bytes_of(element, "签名值")
}

/// The bytes of a BIT STRING (no unused bits) or OCTET STRING (`what` names it in errors).
pub(crate) fn bytes_of(element: &AnyRef<'_>, what: &str) -> Result<(Vec<u8>, SignedValueForm)> {
    match element.tag() {
        Tag::BitString => {
            let bits = element.decode_as::<BitString>()?;
            let bytes = bits
                .as_bytes()
                .ok_or_else(|| SesError::Format(format!("{what}的位串有未用位")))?;
            Ok((bytes.to_vec(), SignedValueForm::BitString))
        }
        Tag::OctetString => Ok((element.value().to_vec(), SignedValueForm::OctetString)),
        t => Err(SesError::Format(format!("{what}的类型 {t} 不对"))),
    }
}

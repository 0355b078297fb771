//! The electronic signature made with a seal, `SES_Signature` (GB/T 38540-2020 v4): sign the
//! digest of an original with a holder's key, parse signatures leniently, verify them per
//! STANDARDS.md §1.4 (signature verification).

use std::time::Duration;

use der::asn1::{Any, AnyRef, BitString, GeneralizedTime};
use der::{Decode, Encode, Tag, Tagged};
use x509_cert::time::Time;
use yizhao_gm::x509::{Certificate, Oid, Usage, verify_chain};
use yizhao_gm::{PrivateKey, PublicKey, SuiteId};

use crate::asn1::{ExtDataDer, SignatureDer, TbsSignDer};
use crate::error::{Result, SesError};
use crate::seal::{
    ExtData, Seal, SignedValueForm, VERSION, ext_datas_from_asn1, ext_datas_to_asn1, ia5, octets,
    signature_algorithm,
};

/// `TBS_Sign`: what the signer signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToSign {
    /// `version`, equal to the seal's (4).
    pub version: u32,
    /// `eseal`: the seal used.
    pub seal: Seal,
    /// `timeInfo`: the signing time, Unix seconds.
    pub time: u64,
    /// `dataHash`: the SM3 digest of the protected original.
    pub data_hash: Vec<u8>,
    /// `propertyInfo`: what the original is (in OFD the path of `Signature.xml`), IA5 text.
    pub property_info: String,
    /// `extDatas`.
    pub ext_datas: Option<Vec<ExtData>>,
}

impl ToSign {
    /// A v4 `TBS_Sign` over `original` (its SM3 digest) with `seal` at `time`.
    pub fn new(seal: Seal, original: &[u8], property_info: impl Into<String>, time: u64) -> Self {
        ToSign {
            version: VERSION,
            seal,
            time,
            data_hash: yizhao_gm::sm3(original).to_vec(),
            property_info: property_info.into(),
            ext_datas: None,
        }
    }

    /// The DER `TBS_Sign`: GeneralizedTime, `extDatas` EXPLICIT `[0]`, the seal's own bytes.
    pub fn to_der(&self) -> Result<Vec<u8>> {
        let time_info = GeneralizedTime::from_unix_duration(Duration::from_secs(self.time))
            .map_err(|_| SesError::Parameter("签章时间超出范围".into()))?;
        Ok(TbsSignDer {
            version: self.version,
            eseal: Any::from_der(self.seal.to_der())?,
            time_info,
            data_hash: BitString::from_bytes(&self.data_hash)?,
            property_info: ia5(&self.property_info, "原文属性信息")?,
            ext_datas: self
                .ext_datas
                .as_deref()
                .map(ext_datas_to_asn1)
                .transpose()?,
        }
        .to_der()?)
    }

    /// Parse a DER `TBS_Sign`, leniently: `timeInfo` GeneralizedTime or UTCTime, `dataHash`
    /// BIT STRING or OCTET STRING, `propertyInfo` IA5, UTF8 or Printable, `extDatas` EXPLICIT
    /// `[0]` or untagged.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let elements = crate::asn1::elements(der, "待签数据")?;
        let (fixed, rest) = match elements.len() {
            5 | 6 => elements.split_at(5),
            n => {
                return Err(SesError::Format(format!(
                    "待签数据应有5或6个元素，实有{n}个"
                )));
            }
        };
        let [version, eseal, time, hash, property] = fixed else {
            unreachable!("split at 5");
        };
        let version = version
            .decode_as::<u32>()
            .map_err(|e| SesError::Format(format!("版本号：{e}")))?;
        let seal = Seal::from_der(&eseal.to_der()?)?;
        let time = Time::from_der(&time.to_der()?)
            .map_err(|e| SesError::Format(format!("签章时间：{e}")))?
            .to_unix_duration()
            .as_secs();
        let (data_hash, _) = crate::asn1::bytes_of(hash, "原文摘要")?;
        let property_info = match property.tag() {
            Tag::Ia5String | Tag::Utf8String | Tag::PrintableString => {
                String::from_utf8(property.value().to_vec())
                    .map_err(|_| SesError::Format("原文属性信息不是文本".into()))?
            }
            t => return Err(SesError::Format(format!("原文属性信息的类型 {t} 不对"))),
        };
        let ext_datas = match rest.first() {
            None => None,
            Some(e) => Some(ext_datas_from_asn1(match e.tag() {
                Tag::ContextSpecific {
                    constructed: true,
                    number,
                } if number.value() == 0 => Vec::<ExtDataDer>::from_der(e.value())?,
                Tag::Sequence => e.decode_as::<Vec<ExtDataDer>>()?,
                t => return Err(SesError::Format(format!("扩展数据的类型 {t} 不对"))),
            })),
        };
        Ok(ToSign {
            version,
            seal,
            time,
            data_hash,
            property_info,
            ext_datas,
        })
    }
}

/// An electronic signature with a seal (`SES_Signature`, GB/T 38540-2020 v4), as made or
/// parsed. It keeps its DER and the exact bytes of `toSign`, which are what the signer signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealSignature {
    der: Vec<u8>,
    to_sign: ToSign,
    to_sign_der: Vec<u8>,
    signer_cert: Vec<u8>,
    sign_alg: Oid,
    signature: Vec<u8>,
    signature_form: SignedValueForm,
    time_stamp: Option<Vec<u8>>,
}

impl SealSignature {
    /// Sign `to_sign` (SM3withSM2, default ID) with `signer_key`, whose certificate
    /// `signer_cert` goes into the signature. Refused unless the certificate is one of the
    /// seal's holders and the seal verifies at the signing time, so that nothing is made that a
    /// verifier would reject.
    pub fn sign(
        to_sign: &ToSign,
        signer_key: &PrivateKey,
        signer_cert: &Certificate,
    ) -> Result<Self> {
        if to_sign.version != to_sign.seal.info().header.version {
            return Err(SesError::Parameter("签章版本号与印章版本号不一致".into()));
        }
        if signer_key.suite() != SuiteId::Gm {
            return Err(SesError::Algorithm("签章人密钥不是 SM2 密钥".into()));
        }
        let cert_key = signer_cert
            .public_key()
            .map_err(|e| SesError::SignerCertificate(e.to_string()))?;
        if cert_key != signer_key.public_key() {
            return Err(SesError::Parameter("签章人私钥与签章人证书不匹配".into()));
        }
        if !to_sign.seal.holds_certificate(signer_cert.to_der()) {
            return Err(SesError::NotHolder);
        }
        to_sign.seal.verify(to_sign.time)?;
        let to_sign_der = to_sign.to_der()?;
        let signature = signer_key
            .sign(&to_sign_der)
            .map_err(|e| SesError::Signing(e.to_string()))?;
        let written = SignatureDer {
            to_sign: Any::from_der(&to_sign_der)?,
            cert: octets(signer_cert.to_der())?,
            sign_alg: signature_algorithm(),
            signature: BitString::from_bytes(&signature)?,
            time_stamp: None,
        };
        Ok(SealSignature {
            der: written.to_der()?,
            to_sign: to_sign.clone(),
            to_sign_der,
            signer_cert: signer_cert.to_der().to_vec(),
            sign_alg: written.sign_alg,
            signature,
            signature_form: SignedValueForm::BitString,
            time_stamp: None,
        })
    }

    /// Parse a DER `SES_Signature`, leniently: as for seals (certificate, signature encodings),
    /// plus `timeStamp` as EXPLICIT `[0]`, IMPLICIT `[0]` or an untagged trailing BIT STRING.
    /// A GM/T 0031-2014 signature (2 elements) is refused with [`SesError::Version`].
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let elements = crate::asn1::elements(der, "电子签章")?;
        let (fixed, rest) = match elements.len() {
            4 | 5 => elements.split_at(4),
            2 => {
                return Err(SesError::Version(
                    "GM/T 0031-2014 电子签章（2个元素）".into(),
                ));
            }
            n => {
                return Err(SesError::Format(format!(
                    "电子签章应有4或5个元素，实有{n}个"
                )));
            }
        };
        let [to_sign, cert, alg, value] = fixed else {
            unreachable!("split at 4");
        };
        let to_sign_der = to_sign.to_der()?;
        let parsed = ToSign::from_der(&to_sign_der)?;
        let signer_cert = crate::asn1::certificate(cert, "签章人证书")?;
        let sign_alg = crate::asn1::algorithm(alg)?;
        let (signature, signature_form) = crate::asn1::signed_value(value)?;
        let time_stamp = rest.first().map(time_stamp).transpose()?;
        Ok(SealSignature {
            der: der.to_vec(),
            to_sign: parsed,
            to_sign_der,
            signer_cert,
            sign_alg,
            signature,
            signature_form,
            time_stamp,
        })
    }

    /// The DER `SES_Signature`, as made or as read.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// The DER made afresh from the parsed fields (the embedded seal kept as its bytes). Equal
    /// to [`SealSignature::to_der`] for every signature this crate makes.
    pub fn to_canonical_der(&self) -> Result<Vec<u8>> {
        Ok(SignatureDer {
            to_sign: Any::from_der(&self.to_sign.to_der()?)?,
            cert: octets(&self.signer_cert)?,
            sign_alg: self.sign_alg.clone(),
            signature: BitString::from_bytes(&self.signature)?,
            time_stamp: self
                .time_stamp
                .as_deref()
                .map(BitString::from_bytes)
                .transpose()?,
        }
        .to_der()?)
    }

    /// What was signed, parsed.
    pub fn to_sign(&self) -> &ToSign {
        &self.to_sign
    }

    /// The seal the signature was made with.
    pub fn seal(&self) -> &Seal {
        &self.to_sign.seal
    }

    /// The exact DER of `toSign`: the bytes the signer signed.
    pub fn signed_data(&self) -> &[u8] {
        &self.to_sign_der
    }

    /// The signer's certificate, DER.
    pub fn signer_certificate(&self) -> &[u8] {
        &self.signer_cert
    }

    /// `signatureAlgID`.
    pub fn signature_algorithm(&self) -> &Oid {
        &self.sign_alg
    }

    /// The signature bytes (DER `SM2Signature` or raw r‖s).
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// How `signature` was written.
    pub fn signature_form(&self) -> SignedValueForm {
        self.signature_form
    }

    /// The `timeStamp` token's bytes, if present. Not verified here (§1.4 step 6 is not done).
    pub fn time_stamp(&self) -> Option<&[u8]> {
        self.time_stamp.as_deref()
    }

    /// §1.4 signature step 1: `TBS_Sign.version` equals the seal's, which is 4; SM3withSM2.
    pub fn check_structure(&self) -> Result<()> {
        self.to_sign.seal.check_structure()?;
        if self.to_sign.version != self.to_sign.seal.info().header.version {
            return Err(SesError::Version(format!(
                "签章版本号 {} 与印章版本号不一致",
                self.to_sign.version
            )));
        }
        if self.sign_alg != signature_algorithm() {
            return Err(SesError::Algorithm(self.sign_alg.to_string()));
        }
        Ok(())
    }

    /// The signer's certificate, parsed.
    pub fn parse_signer_certificate(&self) -> Result<Certificate> {
        Certificate::from_der(&self.signer_cert)
            .map_err(|e| SesError::SignerCertificate(e.to_string()))
    }

    fn signer_key(&self) -> Result<PublicKey> {
        let key = self
            .parse_signer_certificate()?
            .public_key()
            .map_err(|e| SesError::SignerCertificate(e.to_string()))?;
        if key.suite() != SuiteId::Gm {
            return Err(SesError::Algorithm("签章人证书的密钥不是 SM2 密钥".into()));
        }
        Ok(key)
    }

    /// §1.4 signature step 2: the signature over DER(`toSign`) with the signer certificate's key.
    pub fn verify_signature(&self) -> Result<()> {
        self.signer_key()?
            .verify(&self.to_sign_der, &self.signature)
            .map_err(|_| SesError::SignatureValue)
    }

    /// §1.4 signature step 3: the signer's certificate is one of the seal's holders.
    pub fn check_holder(&self) -> Result<()> {
        if self.to_sign.seal.holds_certificate(&self.signer_cert) {
            Ok(())
        } else {
            Err(SesError::NotHolder)
        }
    }

    /// §1.4 signature step 7, given the digest of the original: it equals `dataHash`.
    pub fn check_data_hash(&self, digest: &[u8]) -> Result<()> {
        if digest == self.to_sign.data_hash.as_slice() {
            Ok(())
        } else {
            Err(SesError::DataHash)
        }
    }

    /// §1.4 signature steps 1–4 and 7 with the SM3 `digest` of the original: structure, the
    /// signature, the signer among the holders, the seal (structure, maker signature, validity
    /// at the signing time `timeInfo`), `dataHash`. Trust in the signer and the maker is the
    /// chain helpers'; a time stamp is not checked.
    pub fn verify_digest(&self, digest: &[u8]) -> Result<()> {
        self.check_structure()?;
        self.verify_signature()?;
        self.check_holder()?;
        self.to_sign.seal.verify(self.to_sign.time)?;
        self.check_data_hash(digest)
    }

    /// [`SealSignature::verify_digest`] over the original's bytes (SM3).
    pub fn verify(&self, original: &[u8]) -> Result<()> {
        self.verify_digest(&yizhao_gm::sm3(original))
    }

    /// §1.4 signature step 5 (revocation aside): the signer's certificate chains to one of
    /// `roots` through `intermediates`, was valid at the signing time and may sign.
    pub fn verify_signer_chain(
        &self,
        intermediates: &[Certificate],
        roots: &[Certificate],
    ) -> Result<Vec<Certificate>> {
        let signer = self.parse_signer_certificate()?;
        verify_chain(
            &signer,
            intermediates,
            roots,
            self.to_sign.time,
            Usage::Signing,
            &[],
        )
        .map_err(|e| SesError::SignerCertificate(e.to_string()))
    }
}

/// A `timeStamp`: EXPLICIT `[0]` BIT STRING (ofdrw), IMPLICIT `[0]`, or a bare BIT STRING.
fn time_stamp(element: &AnyRef<'_>) -> Result<Vec<u8>> {
    let bits = match element.tag() {
        Tag::ContextSpecific {
            constructed: true,
            number,
        } if number.value() == 0 => BitString::from_der(element.value())?,
        Tag::ContextSpecific {
            constructed: false,
            number,
        } if number.value() == 0 => BitString::new(
            *element
                .value()
                .first()
                .ok_or_else(|| SesError::Format("时间戳为空".into()))?,
            element.value().get(1..).unwrap_or_default(),
        )?,
        Tag::BitString => element.decode_as::<BitString>()?,
        t => return Err(SesError::Format(format!("时间戳的类型 {t} 不对"))),
    };
    bits.as_bytes()
        .map(<[u8]>::to_vec)
        .ok_or_else(|| SesError::Format("时间戳的位串有未用位".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use der::asn1::OctetString;

    #[test]
    fn time_stamp_forms() {
        let bits = BitString::from_bytes(b"token").unwrap().to_der().unwrap();
        let mut explicit = vec![0xa0, bits.len() as u8];
        explicit.extend(&bits);
        let mut implicit = bits.clone();
        implicit[0] = 0x80;
        for form in [explicit, implicit, bits] {
            let any = AnyRef::from_der(&form).unwrap();
            assert_eq!(time_stamp(&any).unwrap(), b"token");
        }
        let other = OctetString::new(b"token".to_vec())
            .unwrap()
            .to_der()
            .unwrap();
        let any = AnyRef::from_der(&other).unwrap();
        assert_eq!(time_stamp(&any).unwrap_err().code(), "ses.format");
    }
}

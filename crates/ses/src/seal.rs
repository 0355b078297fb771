//! The electronic seal `SESeal` (GB/T 38540-2020 v4): build one signed by the maker, parse one
//! leniently, verify it per STANDARDS.md §1.4.

use std::time::Duration;

use der::asn1::{Any, BitString, GeneralizedTime, Ia5String, OctetString, PrintableString};
use der::{Decode, Encode};
use x509_cert::time::Time;
use yizhao_gm::crl::Crl;
use yizhao_gm::x509::{Certificate, Oid, Usage, verify_chain};
use yizhao_gm::{HashAlgorithm, PrivateKey, PublicKey, SuiteId};

use crate::asn1::{
    CertDigestDer, ExtDataDer, HeaderDer, PictureDer, PropertyDer, SealDer, SealInfoDer,
    SignRangeDer,
};
use crate::error::{Result, SesError};

/// The header ID every seal carries.
pub const HEADER_ID: &str = "ES";

/// The seal version of GB/T 38540-2020.
pub const VERSION: u32 = 4;

/// `certListType` of a list of DER certificates.
pub const CERT_LIST_CERTS: u32 = 1;

/// `certListType` of a list of certificate digests.
pub const CERT_LIST_DIGESTS: u32 = 2;

/// The signature algorithm of seals: SM3withSM2 (1.2.156.10197.1.501).
pub fn signature_algorithm() -> Oid {
    Oid::from_arcs(&[1, 2, 156, 10197, 1, 501])
        .unwrap_or_else(|_| unreachable!("the SM3withSM2 OID is well formed"))
}

/// The first eight bytes of every PNG file.
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// `SES_Header`: the constant "ES", the version and the vendor's ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `ID`, "ES" in every seal.
    pub id: String,
    /// `version`, 4 for GB/T 38540-2020.
    pub version: u32,
    /// `Vid`, the vendor (seal system) ID, IA5 text.
    pub vendor_id: String,
}

impl Header {
    /// A v4 header of the vendor `vendor_id`.
    pub fn v4(vendor_id: impl Into<String>) -> Self {
        Header {
            id: HEADER_ID.into(),
            version: VERSION,
            vendor_id: vendor_id.into(),
        }
    }
}

/// The seal holders (`SES_CertList`): their certificates or digests of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertList {
    /// `certListType` 1: DER X.509 certificates.
    Certs(Vec<Vec<u8>>),
    /// `certListType` 2: digests of the certificates.
    Digests(Vec<CertDigest>),
}

impl CertList {
    /// The `certListType` value of this list.
    pub fn list_type(&self) -> u32 {
        match self {
            CertList::Certs(_) => CERT_LIST_CERTS,
            CertList::Digests(_) => CERT_LIST_DIGESTS,
        }
    }

    /// A digest list of `certs` (DER) with SM3, the type written as "SM3".
    pub fn sm3_digests_of(certs: &[&[u8]]) -> Self {
        CertList::Digests(
            certs
                .iter()
                .map(|c| CertDigest {
                    algorithm: "SM3".into(),
                    value: yizhao_gm::sm3(c).to_vec(),
                })
                .collect(),
        )
    }

    /// Whether the DER certificate `cert` is in this list: byte-equal to one of the
    /// certificates, or its digest equal to one of the digests (with the hash the digest's type
    /// names; a digest of an unknown type never matches).
    pub fn holds(&self, cert: &[u8]) -> bool {
        match self {
            CertList::Certs(certs) => certs.iter().any(|c| c == cert),
            CertList::Digests(digests) => digests.iter().any(|d| {
                d.hash_algorithm()
                    .is_some_and(|alg| alg.digest(cert).as_slice() == d.value.as_slice())
            }),
        }
    }
}

/// `CertDigestObj`: a digest of a holder's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertDigest {
    /// `type`: the hash's name, PrintableString (e.g. "SM3"); the standard leaves it open.
    pub algorithm: String,
    /// `value`: the digest of the DER certificate.
    pub value: Vec<u8>,
}

impl CertDigest {
    /// The hash `algorithm` names: "SM3" or "SHA256" in any case and with or without a dash,
    /// or their OIDs in dotted form.
    pub fn hash_algorithm(&self) -> Option<HashAlgorithm> {
        let name: String = self
            .algorithm
            .chars()
            .filter(|c| *c != '-' && *c != '_' && !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        match name.as_str() {
            "SM3" | "1.2.156.10197.1.401" | "1.2.156.10197.1.401.1" => Some(HashAlgorithm::Sm3),
            "SHA256" | "2.16.840.1.101.3.4.2.1" => Some(HashAlgorithm::Sha256),
            _ => None,
        }
    }
}

/// `SES_ESPropertyInfo` (v4): what the seal is and for how long. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyInfo {
    /// `type`: the seal type code, defined by the business (2014: 1 organisation, 2 personal).
    pub seal_type: u32,
    /// `name`: the seal's name.
    pub name: String,
    /// `certListType` and `certList`: the holders.
    pub cert_list: CertList,
    /// `createDate`.
    pub create_date: u64,
    /// `validStart`.
    pub valid_start: u64,
    /// `validEnd`.
    pub valid_end: u64,
}

/// `SES_ESPictrueInfo`: the seal's image and its display size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// `type`: "PNG", "GIF", "BMP", "JPG", "SVG"…
    pub kind: String,
    /// `data`: the image file.
    pub data: Vec<u8>,
    /// `width` in millimetres.
    pub width_mm: u32,
    /// `height` in millimetres.
    pub height_mm: u32,
}

impl Picture {
    /// A PNG picture of the given display size.
    pub fn png(data: Vec<u8>, width_mm: u32, height_mm: u32) -> Self {
        Picture {
            kind: "PNG".into(),
            data,
            width_mm,
            height_mm,
        }
    }
}

/// `ExtData`: a vendor extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtData {
    /// `extnID`.
    pub id: Oid,
    /// `critical`.
    pub critical: bool,
    /// `extnValue`.
    pub value: Vec<u8>,
}

/// `SES_SealInfo`: everything the maker signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealInfo {
    /// `header`.
    pub header: Header,
    /// `esID`: the seal's code, IA5 text.
    pub es_id: String,
    /// `property`.
    pub property: PropertyInfo,
    /// `picture`.
    pub picture: Picture,
    /// `extDatas`, absent or a (possibly empty) list.
    pub ext_datas: Option<Vec<ExtData>>,
}

pub(crate) fn ia5(s: &str, what: &str) -> Result<Ia5String> {
    Ia5String::new(s).map_err(|_| SesError::Parameter(format!("{what}只能包含 ASCII 字符")))
}

fn time(secs: u64) -> Result<Time> {
    GeneralizedTime::from_unix_duration(Duration::from_secs(secs))
        .map(Time::GeneralTime)
        .map_err(|_| SesError::Parameter("时间超出范围".into()))
}

pub(crate) fn octets(bytes: &[u8]) -> Result<OctetString> {
    Ok(OctetString::new(bytes)?)
}

pub(crate) fn ext_datas_to_asn1(exts: &[ExtData]) -> Result<Vec<ExtDataDer>> {
    exts.iter()
        .map(|e| {
            Ok(ExtDataDer {
                id: e.id.clone(),
                critical: e.critical,
                value: octets(&e.value)?,
            })
        })
        .collect()
}

pub(crate) fn ext_datas_from_asn1(exts: Vec<ExtDataDer>) -> Vec<ExtData> {
    exts.into_iter()
        .map(|e| ExtData {
            id: e.id,
            critical: e.critical,
            value: e.value.as_bytes().to_vec(),
        })
        .collect()
}

impl SealInfo {
    /// The DER `SES_SealInfo`, times as GeneralizedTime.
    pub fn to_der(&self) -> Result<Vec<u8>> {
        Ok(self.to_asn1()?.to_der()?)
    }

    fn to_asn1(&self) -> Result<SealInfoDer> {
        let p = &self.property;
        let cert_list = match &p.cert_list {
            CertList::Certs(certs) => Any::encode_from(
                &certs
                    .iter()
                    .map(|c| octets(c))
                    .collect::<Result<Vec<_>>>()?,
            )?,
            CertList::Digests(digests) => Any::encode_from(
                &digests
                    .iter()
                    .map(|d| {
                        Ok(CertDigestDer {
                            kind: PrintableString::new(&d.algorithm).map_err(|_| {
                                SesError::Parameter("证书摘要算法名称不合法".into())
                            })?,
                            value: octets(&d.value)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?,
            )?,
        };
        Ok(SealInfoDer {
            header: HeaderDer {
                id: ia5(&self.header.id, "印章头标识")?,
                version: self.header.version,
                vid: ia5(&self.header.vendor_id, "厂商标识")?,
            },
            es_id: ia5(&self.es_id, "印章编码")?,
            property: PropertyDer {
                seal_type: p.seal_type,
                name: p.name.clone(),
                cert_list_type: p.cert_list.list_type(),
                cert_list,
                create_date: time(p.create_date)?,
                valid_start: time(p.valid_start)?,
                valid_end: time(p.valid_end)?,
            },
            picture: PictureDer {
                kind: ia5(&self.picture.kind, "图片类型")?,
                data: octets(&self.picture.data)?,
                width: self.picture.width_mm,
                height: self.picture.height_mm,
            },
            ext_datas: self
                .ext_datas
                .as_deref()
                .map(ext_datas_to_asn1)
                .transpose()?,
        })
    }

    /// Parse a DER `SES_SealInfo`, leniently: times may be UTCTime or GeneralizedTime, and the
    /// certificate list is read as `certListType` says.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let d = SealInfoDer::from_der(der)?;
        let p = d.property;
        let cert_list = match p.cert_list_type {
            CERT_LIST_CERTS => CertList::Certs(
                p.cert_list
                    .decode_as::<Vec<OctetString>>()
                    .map_err(|e| SesError::Format(format!("证书列表：{e}")))?
                    .into_iter()
                    .map(|o| o.as_bytes().to_vec())
                    .collect(),
            ),
            CERT_LIST_DIGESTS => CertList::Digests(
                p.cert_list
                    .decode_as::<Vec<CertDigestDer>>()
                    .map_err(|e| SesError::Format(format!("证书摘要列表：{e}")))?
                    .into_iter()
                    .map(|c| CertDigest {
                        algorithm: c.kind.to_string(),
                        value: c.value.as_bytes().to_vec(),
                    })
                    .collect(),
            ),
            other => return Err(SesError::Format(format!("未知的证书列表类型 {other}"))),
        };
        Ok(SealInfo {
            header: Header {
                id: d.header.id.to_string(),
                version: d.header.version,
                vendor_id: d.header.vid.to_string(),
            },
            es_id: d.es_id.to_string(),
            property: PropertyInfo {
                seal_type: p.seal_type,
                name: p.name,
                cert_list,
                create_date: p.create_date.to_unix_duration().as_secs(),
                valid_start: p.valid_start.to_unix_duration().as_secs(),
                valid_end: p.valid_end.to_unix_duration().as_secs(),
            },
            picture: Picture {
                kind: d.picture.kind.to_string(),
                data: d.picture.data.as_bytes().to_vec(),
                width_mm: d.picture.width,
                height_mm: d.picture.height,
            },
            ext_datas: d.ext_datas.map(ext_datas_from_asn1),
        })
    }

    /// The checks of a seal about to be made: a v4 header, a name, a period that does not end
    /// before it starts, a picture of positive size whose bytes are what its type says.
    fn check_for_build(&self) -> Result<()> {
        if self.header.id != HEADER_ID || self.header.version != VERSION {
            return Err(SesError::Parameter(
                "只能制作 GB/T 38540-2020 第4版印章".into(),
            ));
        }
        if self.es_id.is_empty() {
            return Err(SesError::Parameter("印章编码不能为空".into()));
        }
        let p = &self.property;
        if p.name.trim().is_empty() {
            return Err(SesError::Parameter("印章名称不能为空".into()));
        }
        if p.valid_end < p.valid_start {
            return Err(SesError::Parameter("印章有效期结束时间早于开始时间".into()));
        }
        let pic = &self.picture;
        if pic.data.is_empty() || pic.width_mm == 0 || pic.height_mm == 0 {
            return Err(SesError::Parameter("印章图片及其尺寸不能为空".into()));
        }
        if pic.kind.eq_ignore_ascii_case("PNG") && !pic.data.starts_with(PNG_SIGNATURE) {
            return Err(SesError::Parameter(
                "印章图片类型为 PNG，但数据不是 PNG 图片".into(),
            ));
        }
        Ok(())
    }
}

/// How `signedValue` was written. The standard says BIT STRING; some producers write an OCTET
/// STRING, which is read but never written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedValueForm {
    /// BIT STRING with no unused bits (the standard).
    BitString,
    /// OCTET STRING (tolerated on read).
    OctetString,
}

/// An electronic seal (`SESeal`, GB/T 38540-2020 v4), as built or parsed. It keeps its DER and
/// the exact bytes of `eSealInfo`, which are what the maker signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seal {
    der: Vec<u8>,
    info: SealInfo,
    info_der: Vec<u8>,
    maker_cert: Vec<u8>,
    sign_alg: Oid,
    signed_value: Vec<u8>,
    signed_value_form: SignedValueForm,
}

impl Seal {
    /// Make a seal: `info` signed (SM3withSM2, default ID) by `maker_key`, whose certificate
    /// `maker_cert` goes into the seal. The signature is written as DER `SM2Signature`.
    pub fn build(
        info: &SealInfo,
        maker_key: &PrivateKey,
        maker_cert: &Certificate,
    ) -> Result<Self> {
        info.check_for_build()?;
        if maker_key.suite() != SuiteId::Gm {
            return Err(SesError::Algorithm("制章者密钥不是 SM2 密钥".into()));
        }
        let cert_key = maker_cert
            .public_key()
            .map_err(|e| SesError::MakerCertificate(e.to_string()))?;
        if cert_key != maker_key.public_key() {
            return Err(SesError::Parameter("制章者私钥与制章者证书不匹配".into()));
        }
        let info_der = info.to_der()?;
        let signature = maker_key
            .sign(&info_der)
            .map_err(|e| SesError::Signing(e.to_string()))?;
        let sealed = SealDer {
            info: Any::from_der(&info_der)?,
            cert: octets(maker_cert.to_der())?,
            sign_alg: signature_algorithm(),
            signed_value: BitString::from_bytes(&signature)?,
        };
        Ok(Seal {
            der: sealed.to_der()?,
            info: info.clone(),
            info_der,
            maker_cert: maker_cert.to_der().to_vec(),
            sign_alg: sealed.sign_alg,
            signed_value: signature,
            signed_value_form: SignedValueForm::BitString,
        })
    }

    /// Parse a DER `SESeal`, leniently (STANDARDS.md §1.1, §1.3): the maker certificate as an
    /// OCTET STRING or an embedded `Certificate`, `signedValue` as BIT STRING or OCTET STRING
    /// holding a DER or raw r‖s signature, times as GeneralizedTime or UTCTime. A GM/T 0031-2014
    /// seal (2 elements) or a v5 one (5 elements) is refused with [`SesError::Version`]; the
    /// header's version is checked by [`Seal::check_structure`].
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let elements = crate::asn1::elements(der, "印章")?;
        let [info, cert, alg, value] = elements.as_slice() else {
            return Err(match elements.len() {
                2 => SesError::Version("GM/T 0031-2014 印章（2个元素）".into()),
                5 => SesError::Version("GM/T 0031-2025 第5版印章（5个元素）".into()),
                n => SesError::Format(format!("印章应有4个元素，实有{n}个")),
            });
        };
        let info_der = info.to_der()?;
        let parsed = SealInfo::from_der(&info_der)?;
        let maker_cert = crate::asn1::certificate(cert, "制章者证书")?;
        let sign_alg = crate::asn1::algorithm(alg)?;
        let (signed_value, signed_value_form) = crate::asn1::signed_value(value)?;
        Ok(Seal {
            der: der.to_vec(),
            info: parsed,
            info_der,
            maker_cert,
            sign_alg,
            signed_value,
            signed_value_form,
        })
    }

    /// The DER `SESeal`, as built or as read.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// The DER made afresh from the parsed fields: GeneralizedTime, OCTET STRING certificate,
    /// BIT STRING signature. Equal to [`Seal::to_der`] for every seal this crate builds.
    pub fn to_canonical_der(&self) -> Result<Vec<u8>> {
        Ok(SealDer {
            info: Any::from_der(&self.info.to_der()?)?,
            cert: octets(&self.maker_cert)?,
            sign_alg: self.sign_alg.clone(),
            signed_value: BitString::from_bytes(&self.signed_value)?,
        }
        .to_der()?)
    }

    /// The seal information.
    pub fn info(&self) -> &SealInfo {
        &self.info
    }

    /// The exact DER of `eSealInfo` as it appears in the seal: the bytes the maker signed.
    pub fn signed_data(&self) -> &[u8] {
        &self.info_der
    }

    /// The maker's certificate, DER.
    pub fn maker_certificate(&self) -> &[u8] {
        &self.maker_cert
    }

    /// `signAlgID`.
    pub fn signature_algorithm(&self) -> &Oid {
        &self.sign_alg
    }

    /// The signature bytes inside `signedValue` (DER `SM2Signature` or raw r‖s).
    pub fn signature(&self) -> &[u8] {
        &self.signed_value
    }

    /// How `signedValue` was written.
    pub fn signed_value_form(&self) -> SignedValueForm {
        self.signed_value_form
    }

    /// Whether the DER certificate `cert` is one of the seal's holders (§1.4 signature step 3:
    /// byte-equal to a listed certificate, or its digest in the digest list).
    pub fn holds_certificate(&self, cert: &[u8]) -> bool {
        self.info.property.cert_list.holds(cert)
    }

    /// §1.4 seal step 1: header ID "ES", version 4, the SM3withSM2 algorithm.
    pub fn check_structure(&self) -> Result<()> {
        let h = &self.info.header;
        if h.id != HEADER_ID {
            return Err(SesError::Format(format!(
                "印章头标识应为 ES，实为 {}",
                h.id
            )));
        }
        if h.version != VERSION {
            return Err(SesError::Version(format!("印章头版本号 {}", h.version)));
        }
        if self.sign_alg != signature_algorithm() {
            return Err(SesError::Algorithm(self.sign_alg.to_string()));
        }
        Ok(())
    }

    /// The maker's certificate, parsed.
    pub fn parse_maker_certificate(&self) -> Result<Certificate> {
        Certificate::from_der(&self.maker_cert)
            .map_err(|e| SesError::MakerCertificate(e.to_string()))
    }

    fn maker_key(&self) -> Result<PublicKey> {
        let key = self
            .parse_maker_certificate()?
            .public_key()
            .map_err(|e| SesError::MakerCertificate(e.to_string()))?;
        if key.suite() != SuiteId::Gm {
            return Err(SesError::Algorithm("制章者证书的密钥不是 SM2 密钥".into()));
        }
        Ok(key)
    }

    /// §1.4 seal step 2: the maker's signature over DER(`eSealInfo`) with the key of the
    /// maker's certificate (SM2, default ID; DER or raw r‖s). If that fails, the range the
    /// standard's wording also allows, DER(SEQUENCE{eSealInfo, cert, signAlgID}), is tried.
    pub fn verify_signature(&self) -> Result<()> {
        let key = self.maker_key()?;
        if key.verify(&self.info_der, &self.signed_value).is_ok() {
            return Ok(());
        }
        let range = SignRangeDer {
            info: Any::from_der(&self.info_der)?,
            cert: octets(&self.maker_cert)?,
            sign_alg: self.sign_alg.clone(),
        }
        .to_der()?;
        key.verify(&range, &self.signed_value)
            .map_err(|_| SesError::Signature)
    }

    /// §1.4 seal step 4: `at` (Unix seconds) lies within `validStart`..=`validEnd`.
    pub fn check_validity(&self, at: u64) -> Result<()> {
        let p = &self.info.property;
        if at < p.valid_start {
            return Err(SesError::NotYetValid);
        }
        if at > p.valid_end {
            return Err(SesError::Expired);
        }
        Ok(())
    }

    /// §1.4 seal steps 1, 2 and 4 at `at` (Unix seconds): structure, maker signature, validity.
    /// Trust in the maker is [`Seal::verify_maker_chain`]'s.
    pub fn verify(&self, at: u64) -> Result<()> {
        self.check_structure()?;
        self.verify_signature()?;
        self.check_validity(at)
    }

    /// §1.4 seal step 3: the maker's certificate chains to one of `roots` through
    /// `intermediates`, is valid at `at` and may sign, and — given its issuer's CRL — is not
    /// revoked. Returns the chain, leaf first.
    ///
    /// The CRL must be signed by the certificate that issued the maker (else
    /// [`SesError::Crl`]) and still current at `at`: a nextUpdate before `at` is
    /// [`SesError::CrlStale`], since an old list says nothing about revocations since. A maker
    /// it lists is [`SesError::MakerRevoked`], whatever the revocation date: in GB/T 38540 any
    /// failure of this step is fatal. Without a CRL (`None`) revocation is not checked; callers
    /// that can fetch the CRL pass it.
    pub fn verify_maker_chain(
        &self,
        intermediates: &[Certificate],
        roots: &[Certificate],
        at: u64,
        crl: Option<&Crl>,
    ) -> Result<Vec<Certificate>> {
        let maker = self.parse_maker_certificate()?;
        let chain = verify_chain(&maker, intermediates, roots, at, Usage::Signing, &[])
            .map_err(|e| SesError::MakerCertificate(e.to_string()))?;
        if let Some(crl) = crl {
            // A chain is never empty (the leaf comes first); a self-signed maker is its own
            // issuer.
            let issuer = chain.get(1).or(chain.first()).unwrap_or(&maker);
            check_crl(crl, issuer, at)?;
            if crl.is_revoked(&maker) {
                return Err(SesError::MakerRevoked);
            }
        }
        Ok(chain)
    }
}

/// `crl` is `issuer`'s and current at `at`.
fn check_crl(crl: &Crl, issuer: &Certificate, at: u64) -> Result<()> {
    crl.verify_signed_by(issuer).map_err(|e| {
        SesError::Crl(match e {
            yizhao_gm::Error::BadSignature => {
                "签名验证失败，不是制章者证书签发机构的吊销列表".into()
            }
            other => other.to_string(),
        })
    })?;
    match crl.next_update() {
        Some(next) if next < at => Err(SesError::CrlStale),
        Some(_) => Ok(()),
        None => Err(SesError::Crl("缺少下次更新时间（nextUpdate）".into())),
    }
}

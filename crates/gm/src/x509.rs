//! X.509 certificates signed with SM2-with-SM3 (gm) or ECDSA-with-SHA256 (intl): build a root,
//! intermediate CAs and end-entity certificates, parse them, and verify a chain.
//!
//! Certificates are modelled here rather than with `x509_cert::Certificate` because yizhao's own
//! extensions live under a `2.25.<uuid>` arc (ITU-T X.667: a unique arc without registration),
//! and RustCrypto's `ObjectIdentifier` holds only 32-bit arcs, so it cannot decode such a
//! certificate. The field types (names, times, keys) are still `x509-cert`'s and `spki`'s; only
//! the certificate, TBS and extension structures are ours, with an [`Oid`] of unbounded arcs.

use core::fmt;
use std::time::Duration;

use der::asn1::{BitString, OctetString, Utf8StringRef};
use der::{
    Decode, DecodeValue, Encode, EncodeValue, FixedTag, Header, Length, Reader, Sequence, Tag,
    Writer,
};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use crate::error::{ChainError, Error, Result};
use crate::keys::{PrivateKey, PublicKey};
use crate::suite::{SuiteId, suite};

/// The UUID (as a decimal integer) of yizhao's OID arc `2.25.<uuid>`
/// (e8397336-ae6f-45a9-9d2d-e2ff0305b019).
pub const YIZHAO_ARC_UUID: u128 = 308_679_192_752_447_074_847_886_750_742_816_862_233;

/// An object identifier with arcs of any size (up to 128 bits), stored as its DER content.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Oid(Vec<u8>);

impl Oid {
    /// Parse dotted notation, e.g. `2.25.308679…`.
    pub fn parse(dotted: &str) -> Result<Self> {
        let arcs = dotted
            .split('.')
            .map(|a| {
                a.parse::<u128>()
                    .map_err(|_| Error::Parameter("OID arc is not a number"))
            })
            .collect::<Result<Vec<_>>>()?;
        Self::from_arcs(&arcs)
    }

    /// Build from arcs.
    pub fn from_arcs(arcs: &[u128]) -> Result<Self> {
        let [first, second, rest @ ..] = arcs else {
            return Err(Error::Parameter("an OID has at least two arcs"));
        };
        if *first > 2 || (*first < 2 && *second > 39) {
            return Err(Error::Parameter("invalid first OID arcs"));
        }
        let head = first
            .checked_mul(40)
            .and_then(|v| v.checked_add(*second))
            .ok_or(Error::Parameter("OID arc too large"))?;
        let mut out = Vec::new();
        for arc in core::iter::once(head).chain(rest.iter().copied()) {
            let mut groups = vec![(arc & 0x7f) as u8];
            let mut v = arc >> 7;
            while v > 0 {
                groups.push((v & 0x7f) as u8 | 0x80);
                v >>= 7;
            }
            out.extend(groups.iter().rev());
        }
        Ok(Oid(out))
    }

    /// The arcs, or an error if the encoding is malformed or an arc exceeds 128 bits.
    pub fn arcs(&self) -> Result<Vec<u128>> {
        let mut out = Vec::new();
        let mut acc: u128 = 0;
        let mut fresh = true;
        for &b in &self.0 {
            if fresh && b == 0x80 {
                return Err(Error::Parameter("non-minimal OID arc"));
            }
            acc = acc
                .checked_mul(128)
                .ok_or(Error::Parameter("OID arc too large"))?
                | u128::from(b & 0x7f);
            fresh = b & 0x80 == 0;
            if fresh {
                if out.is_empty() {
                    let first = (acc / 40).min(2);
                    out.push(first);
                    out.push(acc - first * 40);
                } else {
                    out.push(acc);
                }
                acc = 0;
            }
        }
        if !fresh || out.is_empty() {
            return Err(Error::Parameter("truncated OID"));
        }
        Ok(out)
    }

    /// yizhao's arc `2.25.<uuid>` followed by `sub`.
    pub fn yizhao(sub: &[u128]) -> Self {
        let mut arcs = vec![2, 25, YIZHAO_ARC_UUID];
        arcs.extend_from_slice(sub);
        match Self::from_arcs(&arcs) {
            Ok(oid) => oid,
            Err(_) => unreachable!("2.25.<uuid> arcs are always valid"),
        }
    }

    /// Whether this OID lies under (or equals) `prefix`.
    pub fn starts_with(&self, prefix: &Oid) -> bool {
        // Encodings of whole arcs are prefix-free, so a byte prefix ending on an arc boundary
        // is an arc prefix; `prefix` always ends on a boundary.
        self.0.starts_with(&prefix.0)
    }

    fn from_std(oid: &der::oid::ObjectIdentifier) -> Self {
        Oid(oid.as_bytes().to_vec())
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.arcs() {
            Ok(arcs) => {
                let s: Vec<String> = arcs.iter().map(u128::to_string).collect();
                f.write_str(&s.join("."))
            }
            Err(_) => f.write_str("<malformed OID>"),
        }
    }
}

impl fmt::Debug for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Oid({self})")
    }
}

impl FixedTag for Oid {
    const TAG: Tag = Tag::ObjectIdentifier;
}

impl<'a> DecodeValue<'a> for Oid {
    type Error = der::Error;
    fn decode_value<R: Reader<'a>>(reader: &mut R, header: Header) -> der::Result<Self> {
        let bytes = reader.read_vec(header.length())?;
        let oid = Oid(bytes);
        oid.arcs()
            .map_err(|_| der::Error::from(der::ErrorKind::OidMalformed))?;
        Ok(oid)
    }
}

impl EncodeValue for Oid {
    fn value_len(&self) -> der::Result<Length> {
        Length::try_from(self.0.len())
    }
    fn encode_value(&self, writer: &mut impl Writer) -> der::Result<()> {
        writer.write(&self.0)
    }
}

/// One certificate extension, with an OID of any arc size.
#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
pub struct Extension {
    /// The extension's OID.
    pub oid: Oid,
    /// Whether a verifier that doesn't know it must reject the certificate.
    #[asn1(default = "Default::default")]
    pub critical: bool,
    /// The DER value.
    pub value: OctetString,
}

impl Extension {
    /// A non-critical extension whose value is a DER UTF8String.
    pub fn utf8(oid: Oid, text: &str) -> Result<Self> {
        Ok(Extension {
            oid,
            critical: false,
            value: OctetString::new(Utf8StringRef::new(text)?.to_der()?)?,
        })
    }

    /// The value as a DER UTF8String, if it is one.
    pub fn utf8_value(&self) -> Option<String> {
        Utf8StringRef::from_der(self.value.as_bytes())
            .ok()
            .map(|s| s.as_str().to_owned())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct ValidityDer {
    not_before: Time,
    not_after: Time,
}

#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct TbsDer {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT")]
    version: u8,
    serial: SerialNumber,
    signature: AlgorithmIdentifierOwned,
    issuer: Name,
    validity: ValidityDer,
    subject: Name,
    spki: SubjectPublicKeyInfoOwned,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    extensions: Option<Vec<Extension>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Sequence)]
struct CertificateDer {
    tbs: TbsDer,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
}

/// A parsed certificate; keeps its exact DER.
#[derive(Clone, PartialEq, Eq)]
pub struct Certificate {
    der: Vec<u8>,
    parsed: CertificateDer,
}

/// A distinguished name built from its parts; every part is a UTF8String.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DistinguishedName {
    /// C (a two-letter country code, PrintableString).
    pub country: Option<String>,
    /// O.
    pub organization: Option<String>,
    /// OU.
    pub organizational_unit: Option<String>,
    /// CN.
    pub common_name: String,
    /// serialNumber (2.5.4.5), e.g. a USCC.
    pub serial_number: Option<String>,
}

impl DistinguishedName {
    /// Just a common name.
    pub fn cn(cn: impl Into<String>) -> Self {
        DistinguishedName {
            common_name: cn.into(),
            ..Default::default()
        }
    }

    fn to_name(&self) -> Result<Name> {
        use der::oid::db::rfc4519;
        let mut seq = RdnSequence::default();
        let mut push = |oid, value: der::Any| -> Result<()> {
            let rdn =
                RelativeDistinguishedName::try_from(vec![AttributeTypeAndValue { oid, value }])?;
            seq.push(rdn);
            Ok(())
        };
        if let Some(c) = &self.country {
            push(
                rfc4519::C,
                der::Any::encode_from(&der::asn1::PrintableStringRef::new(c)?)?,
            )?;
        }
        let utf8 =
            |s: &str| -> Result<der::Any> { Ok(der::Any::encode_from(&Utf8StringRef::new(s)?)?) };
        if let Some(o) = &self.organization {
            push(rfc4519::O, utf8(o)?)?;
        }
        if let Some(ou) = &self.organizational_unit {
            push(rfc4519::OU, utf8(ou)?)?;
        }
        if let Some(sn) = &self.serial_number {
            push(
                rfc4519::SERIAL_NUMBER,
                der::Any::encode_from(&der::asn1::PrintableStringRef::new(sn)?)?,
            )?;
        }
        push(rfc4519::CN, utf8(&self.common_name)?)?;
        Ok(Name::from_der(&seq.to_der()?)?)
    }
}

/// What a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertKind {
    /// A CA (root or intermediate); `path_len` limits the CAs below it.
    Ca {
        /// basicConstraints pathLenConstraint.
        path_len: Option<u8>,
    },
    /// An end entity that signs (digitalSignature and nonRepudiation).
    Signing,
    /// An end entity that receives encrypted keys (keyEncipherment and dataEncipherment).
    Encryption,
}

/// Everything a certificate says, but its keys.
#[derive(Debug, Clone)]
pub struct CertificateParams {
    /// The subject.
    pub subject: DistinguishedName,
    /// Serial number bytes (positive; 1–20 bytes). Use [`random_serial`].
    pub serial: Vec<u8>,
    /// Start of validity, seconds since the Unix epoch.
    pub not_before: u64,
    /// End of validity, seconds since the Unix epoch.
    pub not_after: u64,
    /// CA or end entity.
    pub kind: CertKind,
    /// Further extensions (yizhao's own, under [`Oid::yizhao`]).
    pub extensions: Vec<Extension>,
}

/// A random positive 16-byte serial number.
pub fn random_serial(rng: &mut dyn rand_core::CryptoRng) -> Vec<u8> {
    let mut s = vec![0u8; 16];
    rng.fill_bytes(&mut s);
    s[0] &= 0x7f;
    s[0] |= 0x01;
    s
}

pub(crate) fn time_from_unix(secs: u64) -> Result<Time> {
    let dt = der::DateTime::from_unix_duration(Duration::from_secs(secs))
        .map_err(|_| Error::Parameter("time out of range"))?;
    Ok(Time::from(dt))
}

pub(crate) fn key_identifier(key: &PublicKey) -> Result<OctetString> {
    // RFC 7093 method 1 with the suite's hash: the leftmost 160 bits of H(subjectPublicKey).
    let fp = key.fingerprint();
    Ok(OctetString::new(&fp[..20])?)
}

fn std_ext(
    oid: der::oid::ObjectIdentifier,
    critical: bool,
    value: &impl Encode,
) -> Result<Extension> {
    Ok(Extension {
        oid: Oid::from_std(&oid),
        critical,
        value: OctetString::new(value.to_der()?)?,
    })
}

pub(crate) fn signature_algorithm(id: SuiteId) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: suite(id).signature_algorithm(),
        parameters: None,
    }
}

/// The issuer of a certificate being built: its certificate and key, or none for a self-signed
/// root.
pub enum Issuer<'a> {
    /// Self-signed: the subject key signs.
    SelfSigned(&'a PrivateKey),
    /// Signed by a CA.
    Ca {
        /// The CA's certificate.
        cert: &'a Certificate,
        /// The CA's key.
        key: &'a PrivateKey,
    },
}

impl Certificate {
    /// Build and sign a certificate for `subject_key` with `params`, issued by `issuer`.
    pub fn issue(
        params: &CertificateParams,
        subject_key: &PublicKey,
        issuer: Issuer<'_>,
    ) -> Result<Self> {
        let (issuer_name, issuer_key, signer) = match issuer {
            Issuer::SelfSigned(k) => (params.subject.to_name()?, k.public_key(), k),
            Issuer::Ca { cert, key } => {
                if cert.public_key()? != key.public_key() {
                    return Err(Error::BadKey(
                        "the CA key does not match the CA certificate",
                    ));
                }
                (cert.parsed.tbs.subject.clone(), key.public_key(), key)
            }
        };
        if params.not_after < params.not_before {
            return Err(Error::Parameter("validity ends before it starts"));
        }
        let mut exts = vec![
            std_ext(
                der::oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
                false,
                &SubjectKeyIdentifier(key_identifier(subject_key)?),
            )?,
            std_ext(
                der::oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER,
                false,
                &AuthorityKeyIdentifier {
                    key_identifier: Some(key_identifier(&issuer_key)?),
                    ..Default::default()
                },
            )?,
        ];
        let (bc, ku) = match params.kind {
            CertKind::Ca { path_len } => (
                BasicConstraints {
                    ca: true,
                    path_len_constraint: path_len,
                },
                KeyUsages::KeyCertSign | KeyUsages::CRLSign | KeyUsages::DigitalSignature,
            ),
            CertKind::Signing => (
                BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                },
                KeyUsages::DigitalSignature | KeyUsages::NonRepudiation,
            ),
            CertKind::Encryption => (
                BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                },
                KeyUsages::KeyEncipherment | KeyUsages::DataEncipherment,
            ),
        };
        exts.push(std_ext(
            der::oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS,
            true,
            &bc,
        )?);
        exts.push(std_ext(
            der::oid::db::rfc5280::ID_CE_KEY_USAGE,
            true,
            &KeyUsage(ku),
        )?);
        exts.extend(params.extensions.iter().cloned());
        let spki = SubjectPublicKeyInfoOwned::from_der(&subject_key.to_spki_der()?)?;
        let tbs = TbsDer {
            version: 2,
            serial: SerialNumber::new(&params.serial)?,
            signature: signature_algorithm(signer.suite()),
            issuer: issuer_name,
            validity: ValidityDer {
                not_before: time_from_unix(params.not_before)?,
                not_after: time_from_unix(params.not_after)?,
            },
            subject: params.subject.to_name()?,
            spki,
            extensions: Some(exts),
        };
        let tbs_der = tbs.to_der()?;
        let sig = signer.sign(&tbs_der)?;
        let parsed = CertificateDer {
            signature_algorithm: tbs.signature.clone(),
            tbs,
            signature: BitString::from_bytes(&sig)?,
        };
        let der = parsed.to_der()?;
        Ok(Certificate { der, parsed })
    }

    /// Parse a DER certificate. Only canonical DER is accepted (re-encoding must give the
    /// same bytes), so the signed bytes are exactly what is checked.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let parsed = CertificateDer::from_der(der)?;
        if parsed.to_der()? != der {
            return Err(Error::CertificateFormat("not in canonical DER".into()));
        }
        if parsed.tbs.version != 2 {
            return Err(Error::CertificateFormat(
                "only X.509 v3 certificates are accepted".into(),
            ));
        }
        Ok(Certificate {
            der: der.to_vec(),
            parsed,
        })
    }

    /// Parse a PEM `CERTIFICATE`.
    pub fn from_pem(pem: &str) -> Result<Self> {
        let (label, der) = der::pem::decode_vec(pem.as_bytes())
            .map_err(|e| Error::CertificateFormat(e.to_string()))?;
        if label != "CERTIFICATE" {
            return Err(Error::CertificateFormat("not a PEM certificate".into()));
        }
        Self::from_der(&der)
    }

    /// The DER bytes.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// PEM with the `CERTIFICATE` label.
    pub fn to_pem(&self) -> Result<String> {
        der::pem::encode_string("CERTIFICATE", der::pem::LineEnding::LF, &self.der)
            .map_err(|e| Error::CertificateFormat(e.to_string()))
    }

    /// The subject's public key.
    pub fn public_key(&self) -> Result<PublicKey> {
        PublicKey::from_spki_der(&self.parsed.tbs.spki.to_der()?)
    }

    /// The subject name, RFC 4514 style.
    pub fn subject(&self) -> String {
        self.parsed.tbs.subject.to_string()
    }

    /// The issuer name, RFC 4514 style.
    pub fn issuer(&self) -> String {
        self.parsed.tbs.issuer.to_string()
    }

    /// The subject's common name, if any.
    pub fn common_name(&self) -> Option<String> {
        self.parsed
            .tbs
            .subject
            .common_name()
            .ok()
            .flatten()
            .map(|d| d.value().into_owned())
    }

    /// The serial number bytes.
    pub fn serial(&self) -> &[u8] {
        self.parsed.tbs.serial.as_bytes()
    }

    /// Validity as Unix seconds (not before, not after).
    pub fn validity(&self) -> (u64, u64) {
        (
            self.parsed
                .tbs
                .validity
                .not_before
                .to_unix_duration()
                .as_secs(),
            self.parsed
                .tbs
                .validity
                .not_after
                .to_unix_duration()
                .as_secs(),
        )
    }

    /// All extensions.
    pub fn extensions(&self) -> &[Extension] {
        self.parsed.tbs.extensions.as_deref().unwrap_or(&[])
    }

    /// The value of the extension with `oid`, if present.
    pub fn extension(&self, oid: &Oid) -> Option<&Extension> {
        self.extensions().iter().find(|e| e.oid == *oid)
    }

    fn std_extension<'a, T: Decode<'a>>(
        &'a self,
        oid: der::oid::ObjectIdentifier,
    ) -> Result<Option<T>> {
        match self.extension(&Oid::from_std(&oid)) {
            None => Ok(None),
            Some(e) => Ok(Some(T::from_der(e.value.as_bytes()).map_err(|_| {
                Error::CertificateFormat(format!("bad extension {oid}"))
            })?)),
        }
    }

    /// basicConstraints (ca, path length), if present.
    pub fn basic_constraints(&self) -> Result<Option<(bool, Option<u8>)>> {
        Ok(self
            .std_extension::<BasicConstraints>(der::oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS)?
            .map(|b| (b.ca, b.path_len_constraint)))
    }

    /// keyUsage bits, if present.
    pub fn key_usage(&self) -> Result<Option<KeyUsage>> {
        self.std_extension::<KeyUsage>(der::oid::db::rfc5280::ID_CE_KEY_USAGE)
    }

    /// The bytes the issuer signed.
    pub fn tbs_der(&self) -> Result<Vec<u8>> {
        Ok(self.parsed.tbs.to_der()?)
    }

    /// Whether `issuer`'s key signed this certificate (and the algorithms agree).
    pub fn verify_signed_by(&self, issuer_key: &PublicKey) -> Result<()> {
        let p = &self.parsed;
        verify_signed(
            (&p.signature_algorithm, &p.tbs.signature),
            &self.tbs_der()?,
            &p.signature,
            issuer_key,
        )
    }

    /// The subject name as a structure (a CRL's issuer is compared with it).
    pub(crate) fn subject_name(&self) -> &Name {
        &self.parsed.tbs.subject
    }

    /// Whether this certificate names `issuer`'s subject as its issuer (the names compared as
    /// structures; no text is made).
    pub fn names_issuer(&self, issuer: &Certificate) -> bool {
        self.parsed.tbs.issuer == issuer.parsed.tbs.subject
    }
}

/// Whether `key` signed `tbs` with `signature`, where the signed structure names its algorithm
/// twice (outside and inside what was signed, as certificates and CRLs do): both must be the
/// key's suite's signature algorithm, without parameters.
pub(crate) fn verify_signed(
    (outer, inner): (&AlgorithmIdentifierOwned, &AlgorithmIdentifierOwned),
    tbs: &[u8],
    signature: &BitString,
    key: &PublicKey,
) -> Result<()> {
    let expected = suite(key.suite()).signature_algorithm();
    if outer != inner || outer.oid != expected || outer.parameters.is_some() {
        return Err(Error::BadSignature);
    }
    let sig = signature.as_bytes().ok_or(Error::BadSignature)?;
    key.verify(tbs, sig)
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject())
            .field("issuer", &self.issuer())
            .finish()
    }
}

/// What the end-entity certificate of a chain must allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// Anything (no key-usage check on the leaf).
    Any,
    /// Signing: digitalSignature.
    Signing,
    /// Key transport: keyEncipherment.
    Encryption,
}

/// Which extensions a caller understands besides the standard ones this module checks; an
/// unknown critical extension fails the chain (RFC 5280 §4.2).
const KNOWN_CRITICAL: [der::oid::ObjectIdentifier; 2] = [
    der::oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS,
    der::oid::db::rfc5280::ID_CE_KEY_USAGE,
];

/// Most certificates in one chain, the leaf and the root included.
pub const MAX_CHAIN_LEN: usize = 8;

/// Verify `leaf` up to one of `roots` through `intermediates`, at `at` (Unix seconds).
/// Returns the chain from the leaf to the root. Checks every signature (the root's
/// self-signature too), validity at `at`, issuer names, CA basic constraints, keyCertSign, path
/// lengths, unknown critical extensions (`understood` lists the caller's own), and the leaf's
/// usage.
pub fn verify_chain(
    leaf: &Certificate,
    intermediates: &[Certificate],
    roots: &[Certificate],
    at: u64,
    usage: Usage,
    understood: &[Oid],
) -> Result<Vec<Certificate>> {
    let mut chain = vec![leaf.clone()];
    loop {
        let idx = chain.len() - 1;
        let current = &chain[idx];
        check_common(current, idx, at, understood)?;
        if let Some(root) = roots.iter().find(|r| r.der == current.der) {
            // Reached a trusted root: it must be a self-signed CA.
            if !root.names_issuer(root) {
                return Err(ChainError::UnknownIssuer.into());
            }
            root.verify_signed_by(&root.public_key()?)
                .map_err(|_| ChainError::Signature(idx))?;
            if idx > 0 {
                check_ca(root, idx, chain.len() - 1)?;
            }
            break;
        }
        if chain.len() >= MAX_CHAIN_LEN {
            return Err(ChainError::TooLong.into());
        }
        let issuer = roots.iter().chain(intermediates.iter()).find(|c| {
            current.names_issuer(c)
                && c.public_key()
                    .is_ok_and(|k| current.verify_signed_by(&k).is_ok())
        });
        match issuer {
            Some(i) => {
                let i = i.clone();
                check_ca(&i, idx + 1, idx)?;
                if chain.iter().any(|c| c.der == i.der) {
                    return Err(ChainError::UnknownIssuer.into());
                }
                chain.push(i);
            }
            None => {
                let known = roots
                    .iter()
                    .chain(intermediates.iter())
                    .any(|c| current.names_issuer(c));
                return Err(if known {
                    ChainError::Signature(idx)
                } else {
                    ChainError::UnknownIssuer
                }
                .into());
            }
        }
    }
    let leaf_ku = leaf.key_usage()?;
    let needed = match usage {
        Usage::Any => None,
        Usage::Signing => Some(KeyUsages::DigitalSignature),
        Usage::Encryption => Some(KeyUsages::KeyEncipherment),
    };
    if let (Some(bit), Some(ku)) = (needed, leaf_ku)
        && !ku.0.contains(bit)
    {
        return Err(ChainError::KeyUsage.into());
    }
    if needed.is_some() && leaf.basic_constraints()?.is_some_and(|(ca, _)| ca) {
        return Err(ChainError::KeyUsage.into());
    }
    Ok(chain)
}

fn check_common(cert: &Certificate, idx: usize, at: u64, understood: &[Oid]) -> Result<()> {
    let (nb, na) = cert.validity();
    if at < nb || at > na {
        return Err(ChainError::Expired(idx).into());
    }
    for e in cert.extensions() {
        if e.critical
            && !KNOWN_CRITICAL.iter().any(|k| e.oid == Oid::from_std(k))
            && !understood.contains(&e.oid)
        {
            return Err(Error::CertificateFormat(format!(
                "unknown critical extension {}",
                e.oid
            )));
        }
    }
    Ok(())
}

/// `ca` at position `idx` issues `below` certificates that are CAs themselves.
fn check_ca(ca: &Certificate, idx: usize, cas_below: usize) -> Result<()> {
    match ca.basic_constraints()? {
        Some((true, path_len)) => {
            if let Some(max) = path_len {
                // cas_below counts the leaf too; pathLen counts only intermediate CAs below.
                if cas_below.saturating_sub(1) > usize::from(max) {
                    return Err(ChainError::TooLong.into());
                }
            }
        }
        _ => return Err(ChainError::NotCa(idx).into()),
    }
    if let Some(ku) = ca.key_usage()?
        && !ku.0.contains(KeyUsages::KeyCertSign)
    {
        return Err(ChainError::NotCa(idx).into());
    }
    Ok(())
}

//! X.509 certificate revocation lists (RFC 5280 §5), v2, signed like the certificates of
//! [`crate::x509`] (SM2-with-SM3 for gm, ECDSA-with-SHA256 for intl): issue one, parse it,
//! check who signed it and whether it lists a certificate.
//!
//! Unlike certificates, a CRL is modelled with `x509_cert::crl`'s types: its extensions are the
//! standard ones only (authorityKeyIdentifier, cRLNumber), all under 32-bit arcs. A CRL that
//! carries a `2.25.<uuid>` extension therefore fails to parse; yizhao makes none.

use core::fmt;

use der::asn1::BitString;
use der::{Decode, Encode};
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::crl::CrlNumber;
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, KeyUsages};
use x509_cert::serial_number::SerialNumber;

use crate::error::{Error, Result};
use crate::keys::PrivateKey;
use crate::x509::{
    Certificate, key_identifier, signature_algorithm, time_from_unix, verify_signed,
};

/// A parsed (or freshly issued) CRL; keeps its exact DER.
#[derive(Clone, PartialEq, Eq)]
pub struct Crl {
    der: Vec<u8>,
    parsed: CertificateList,
}

/// One revoked certificate: its serial number bytes and when it was revoked (Unix seconds).
pub type RevokedEntry<'a> = (&'a [u8], u64);

impl Crl {
    /// Build and sign a v2 CRL of `issuer` (whose key is `key`) valid from `this_update` until
    /// `next_update` (Unix seconds), listing `revoked`. The cRLNumber is `this_update`: it
    /// grows with every CRL issued later, as RFC 5280 §5.2.3 asks, without a counter to keep.
    pub fn issue(
        issuer: &Certificate,
        key: &PrivateKey,
        this_update: u64,
        next_update: u64,
        revoked: &[RevokedEntry<'_>],
    ) -> Result<Self> {
        if issuer.public_key()? != key.public_key() {
            return Err(Error::BadKey(
                "the CRL issuer's key does not match its certificate",
            ));
        }
        if next_update < this_update {
            return Err(Error::Parameter("nextUpdate is before thisUpdate"));
        }
        let entries = revoked
            .iter()
            .map(|(serial, at)| {
                Ok(RevokedCert {
                    serial_number: SerialNumber::new(serial)?,
                    revocation_date: time_from_unix(*at)?,
                    crl_entry_extensions: None,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(key_identifier(&key.public_key())?),
            ..Default::default()
        };
        let number = CrlNumber(der::asn1::Uint::new(&this_update.to_be_bytes())?);
        let ext = |oid, value: &dyn EncodeDyn| -> Result<x509_cert::ext::Extension> {
            Ok(x509_cert::ext::Extension {
                extn_id: oid,
                critical: false,
                extn_value: der::asn1::OctetString::new(value.der()?)?,
            })
        };
        let tbs = TbsCertList {
            version: x509_cert::Version::V2,
            signature: signature_algorithm(key.suite()),
            issuer: issuer.subject_name().clone(),
            this_update: time_from_unix(this_update)?,
            next_update: Some(time_from_unix(next_update)?),
            // RFC 5280 §5.1.2.6: an empty list is left out, not encoded empty.
            revoked_certificates: (!entries.is_empty()).then_some(entries),
            crl_extensions: Some(vec![
                ext(der::oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER, &aki)?,
                ext(der::oid::db::rfc5280::ID_CE_CRL_NUMBER, &number)?,
            ]),
        };
        let signature = key.sign(&tbs.to_der()?)?;
        let parsed = CertificateList {
            signature_algorithm: tbs.signature.clone(),
            tbs_cert_list: tbs,
            signature: BitString::from_bytes(&signature)?,
        };
        Ok(Crl {
            der: parsed.to_der()?,
            parsed,
        })
    }

    /// Parse a DER CRL. Only canonical DER of a v2 CRL is accepted (re-encoding must give the
    /// same bytes), so the signed bytes are exactly what is checked.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let parsed = CertificateList::from_der(der)?;
        if parsed.to_der()? != der {
            return Err(Error::CertificateFormat("CRL not in canonical DER".into()));
        }
        if parsed.tbs_cert_list.version != x509_cert::Version::V2 {
            return Err(Error::CertificateFormat("only v2 CRLs are accepted".into()));
        }
        Ok(Crl {
            der: der.to_vec(),
            parsed,
        })
    }

    /// The DER bytes.
    pub fn to_der(&self) -> &[u8] {
        &self.der
    }

    /// PEM with the `X509 CRL` label.
    pub fn to_pem(&self) -> Result<String> {
        der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, &self.der)
            .map_err(|e| Error::CertificateFormat(e.to_string()))
    }

    /// The bytes the issuer signed (DER `TBSCertList`).
    pub fn tbs_der(&self) -> Result<Vec<u8>> {
        Ok(self.parsed.tbs_cert_list.to_der()?)
    }

    /// Whether `issuer` made this CRL: the CRL names it as issuer, its key signed the CRL (with
    /// its suite's algorithm), and its key usage, if stated, allows signing CRLs.
    pub fn verify_signed_by(&self, issuer: &Certificate) -> Result<()> {
        let tbs = &self.parsed.tbs_cert_list;
        if tbs.issuer != *issuer.subject_name() {
            return Err(Error::Crl("the CRL names another issuer"));
        }
        if let Some(ku) = issuer.key_usage()?
            && !ku.0.contains(KeyUsages::CRLSign)
        {
            return Err(Error::Crl("the issuer may not sign CRLs"));
        }
        verify_signed(
            (&self.parsed.signature_algorithm, &tbs.signature),
            &self.tbs_der()?,
            &self.parsed.signature,
            &issuer.public_key()?,
        )
    }

    /// thisUpdate, Unix seconds.
    pub fn this_update(&self) -> u64 {
        self.parsed
            .tbs_cert_list
            .this_update
            .to_unix_duration()
            .as_secs()
    }

    /// nextUpdate, Unix seconds, if the CRL states one (yizhao's always do).
    pub fn next_update(&self) -> Option<u64> {
        self.parsed
            .tbs_cert_list
            .next_update
            .map(|t| t.to_unix_duration().as_secs())
    }

    /// The revoked certificates: serial number bytes and revocation date (Unix seconds).
    pub fn revoked(&self) -> Vec<(Vec<u8>, u64)> {
        self.parsed
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .map(|r| {
                (
                    r.serial_number.as_bytes().to_vec(),
                    r.revocation_date.to_unix_duration().as_secs(),
                )
            })
            .collect()
    }

    /// Whether the CRL lists `cert`'s serial number. Serials are unique per issuer only: the
    /// caller checks first that this CRL is from `cert`'s issuer ([`Crl::verify_signed_by`]).
    pub fn is_revoked(&self, cert: &Certificate) -> bool {
        self.parsed
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .any(|r| r.serial_number.as_bytes() == cert.serial())
    }
}

/// `der::Encode` is not object-safe; this is the one method the extension builder needs.
trait EncodeDyn {
    fn der(&self) -> Result<Vec<u8>>;
}

impl<T: Encode> EncodeDyn for T {
    fn der(&self) -> Result<Vec<u8>> {
        Ok(self.to_der()?)
    }
}

impl fmt::Debug for Crl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Crl")
            .field("issuer", &self.parsed.tbs_cert_list.issuer.to_string())
            .field("this_update", &self.this_update())
            .field("revoked", &self.revoked().len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::SuiteId;
    use crate::testing::SeededRng;
    use crate::x509::{CertKind, CertificateParams, DistinguishedName, Issuer, random_serial};

    const NOW: u64 = 1_795_000_000;
    const DAY: u64 = 86_400;

    fn cert(
        cn: &str,
        kind: CertKind,
        issuer: Option<(&Certificate, &PrivateKey)>,
        rng: &mut SeededRng,
    ) -> (Certificate, PrivateKey) {
        let key = PrivateKey::generate(SuiteId::Gm, rng);
        let params = CertificateParams {
            subject: DistinguishedName::cn(cn),
            serial: random_serial(rng),
            not_before: NOW - DAY,
            not_after: NOW + 365 * DAY,
            kind,
            extensions: vec![],
        };
        let by = match issuer {
            Some((cert, key)) => Issuer::Ca { cert, key },
            None => Issuer::SelfSigned(&key),
        };
        (
            Certificate::issue(&params, &key.public_key(), by).unwrap(),
            key,
        )
    }

    #[test]
    fn an_empty_list_leaves_the_field_out_and_revokes_nothing() {
        let mut rng = SeededRng::new(1);
        let ca = CertKind::Ca { path_len: Some(0) };
        let (root, root_key) = cert("root", ca, None, &mut rng);
        let (leaf, _) = cert(
            "leaf",
            CertKind::Signing,
            Some((&root, &root_key)),
            &mut rng,
        );
        let crl = Crl::issue(&root, &root_key, NOW, NOW + DAY, &[]).unwrap();
        assert!(crl.revoked().is_empty());
        assert!(!crl.is_revoked(&leaf));
        let back = Crl::from_der(crl.to_der()).unwrap();
        back.verify_signed_by(&root).unwrap();
        assert_eq!(back.next_update(), Some(NOW + DAY));
    }

    #[test]
    fn a_key_that_is_not_the_issuers_or_a_backwards_period_is_refused() {
        let mut rng = SeededRng::new(2);
        let ca = CertKind::Ca { path_len: Some(0) };
        let (root, root_key) = cert("root", ca, None, &mut rng);
        let other = PrivateKey::generate(SuiteId::Gm, &mut rng);
        assert!(matches!(
            Crl::issue(&root, &other, NOW, NOW + DAY, &[]),
            Err(Error::BadKey(_))
        ));
        assert!(matches!(
            Crl::issue(&root, &root_key, NOW, NOW - 1, &[]),
            Err(Error::Parameter(_))
        ));
    }

    #[test]
    fn an_issuer_without_crl_sign_is_not_trusted_for_crls() {
        let mut rng = SeededRng::new(3);
        let ca = CertKind::Ca { path_len: Some(0) };
        let (root, root_key) = cert("root", ca, None, &mut rng);
        // A signing certificate (digitalSignature, nonRepudiation) signs a "CRL" of its own.
        let (signer, signer_key) = cert(
            "signer",
            CertKind::Signing,
            Some((&root, &root_key)),
            &mut rng,
        );
        let crl = Crl::issue(&signer, &signer_key, NOW, NOW + DAY, &[]).unwrap();
        assert_eq!(
            crl.verify_signed_by(&signer),
            Err(Error::Crl("the issuer may not sign CRLs"))
        );
    }
}

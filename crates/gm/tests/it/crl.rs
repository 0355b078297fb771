//! Certificate revocation lists: issue, parse, check the issuer; refusals.

use yizhao_gm::crl::Crl;
use yizhao_gm::{Error, SuiteId};

use crate::x509::{NOW, pki};

const DAY: u64 = 86_400;

#[test]
fn a_crl_round_trips_and_lists_what_it_revokes() {
    for suite in [SuiteId::Gm, SuiteId::Intl] {
        let p = pki(suite, 11);
        let crl = Crl::issue(
            &p.root,
            &p.root_key,
            NOW,
            NOW + DAY,
            &[(p.ca.serial(), NOW - 60)],
        )
        .unwrap();
        let back = Crl::from_der(crl.to_der()).unwrap();
        assert_eq!(back, crl);
        back.verify_signed_by(&p.root).unwrap();
        assert_eq!(back.this_update(), NOW);
        assert_eq!(back.next_update(), Some(NOW + DAY));
        assert_eq!(back.revoked(), vec![(p.ca.serial().to_vec(), NOW - 60)]);
        assert!(back.is_revoked(&p.ca));
        assert!(!back.is_revoked(&p.root));
        assert!(
            crl.to_pem()
                .unwrap()
                .starts_with("-----BEGIN X509 CRL-----")
        );
    }
}

#[test]
fn a_changed_crl_does_not_verify() {
    let p = pki(SuiteId::Gm, 12);
    let crl = Crl::issue(
        &p.root,
        &p.root_key,
        NOW,
        NOW + DAY,
        &[(p.ca.serial(), NOW)],
    )
    .unwrap();
    // Change one byte of the revoked serial: still a well-formed CRL, no longer the signed one.
    let mut der = crl.to_der().to_vec();
    let serial = p.ca.serial();
    let pos = der.windows(serial.len()).position(|w| w == serial).unwrap();
    der[pos + serial.len() - 1] ^= 1;
    let forged = Crl::from_der(&der).unwrap();
    assert!(!forged.is_revoked(&p.ca));
    assert_eq!(forged.verify_signed_by(&p.root), Err(Error::BadSignature));
    // Trailing bytes or a truncation are not a CRL at all.
    let mut long = crl.to_der().to_vec();
    long.push(0);
    assert!(Crl::from_der(&long).is_err());
    assert!(Crl::from_der(&crl.to_der()[..crl.to_der().len() - 1]).is_err());
}

#[test]
fn a_crl_of_another_issuer_is_refused() {
    let p = pki(SuiteId::Gm, 13);
    // The intermediate CA's CRL is not the root's, even though it lists the same serial.
    let crl = Crl::issue(&p.ca, &p.ca_key, NOW, NOW + DAY, &[(p.leaf.serial(), NOW)]).unwrap();
    crl.verify_signed_by(&p.ca).unwrap();
    assert!(matches!(crl.verify_signed_by(&p.root), Err(Error::Crl(_))));
    // A CA with the root's name but another key: the names match, the signature doesn't.
    let stranger = pki(SuiteId::Gm, 14);
    let crl = Crl::issue(&stranger.root, &stranger.root_key, NOW, NOW + DAY, &[]).unwrap();
    assert_eq!(crl.verify_signed_by(&p.root), Err(Error::BadSignature));
    // And another suite's key never verifies a gm CRL.
    let intl = pki(SuiteId::Intl, 15);
    assert!(crl.verify_signed_by(&intl.root).is_err());
}

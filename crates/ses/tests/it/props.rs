//! Properties: every seal information round-trips through DER; no byte of the signed range can
//! change without verification failing; hostile bytes never panic the parsers.

use proptest::prelude::*;
use yizhao_gm::x509::Oid;
use yizhao_ses::{CertList, ExtData, Header, Picture, PropertyInfo, Seal, SealInfo, SealSignature};

use crate::{NOW, build, pki};

fn arb_info() -> impl Strategy<Value = SealInfo> {
    (
        "[ -~]{1,40}",
        "\\PC{1,30}",
        any::<u32>(),
        0u64..4_000_000_000,
        0u64..4_000_000_000,
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 0..4),
        any::<bool>(),
        proptest::collection::vec(any::<u8>(), 1..500),
        (1u32..500, 1u32..500),
        proptest::option::of(proptest::collection::vec(
            (
                1u128..1_000_000,
                any::<bool>(),
                proptest::collection::vec(any::<u8>(), 0..50),
            ),
            0..3,
        )),
    )
        .prop_map(
            |(es_id, name, seal_type, a, b, certs, digests, data, (w, h), exts)| SealInfo {
                header: Header::v4("yizhao"),
                es_id,
                property: PropertyInfo {
                    seal_type,
                    name,
                    cert_list: if digests {
                        let refs: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
                        CertList::sm3_digests_of(&refs)
                    } else {
                        CertList::Certs(certs)
                    },
                    create_date: a.min(b),
                    valid_start: a.min(b),
                    valid_end: a.max(b),
                },
                picture: Picture {
                    kind: "GIF".into(),
                    data,
                    width_mm: w,
                    height_mm: h,
                },
                ext_datas: exts.map(|v| {
                    v.into_iter()
                        .map(|(arc, critical, value)| ExtData {
                            id: Oid::yizhao(&[arc]),
                            critical,
                            value,
                        })
                        .collect()
                }),
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn seal_info_round_trips(info in arb_info()) {
        let der = info.to_der().unwrap();
        prop_assert_eq!(SealInfo::from_der(&der).unwrap(), info);
    }

    #[test]
    fn any_change_in_the_signed_range_fails(pos in any::<prop::sample::Index>(), bit in 0u8..8) {
        let pki = pki(41);
        let seal = build(&pki);
        let der = seal.to_der();
        let info_start = der.len() - elements_len(der);
        let at = info_start + pos.index(seal.signed_data().len());
        let mut bad = der.to_vec();
        bad[at] ^= 1 << bit;
        let verdict = Seal::from_der(&bad).and_then(|s| s.verify(NOW));
        prop_assert!(verdict.is_err(), "flip at {} accepted", at);
    }

    #[test]
    fn hostile_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = Seal::from_der(&bytes).map(|s| s.verify(NOW));
        let _ = SealSignature::from_der(&bytes).map(|s| s.verify(b""));
        let _ = SealInfo::from_der(&bytes);
    }

    #[test]
    fn mutated_seals_never_panic(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let pki = pki(42);
        let seal = build(&pki);
        let mut bad = seal.to_der().to_vec();
        let at = pos.index(bad.len());
        bad[at] = byte;
        if let Ok(s) = Seal::from_der(&bad) {
            let _ = s.verify(NOW);
            let _ = s.holds_certificate(pki.holder.to_der());
            let _ = s.to_canonical_der();
        }
    }
}

/// Length of the content of the outer SEQUENCE (so the first element starts at
/// `len - content`).
fn elements_len(der: &[u8]) -> usize {
    der::asn1::AnyRef::try_from(der).unwrap().value().len()
}

//! Streaming AEAD: round trips and every kind of tampering.

use proptest::prelude::*;
use yizhao_gm::stream::{self, HEADER_LEN, StreamOpener};
use yizhao_gm::{Error, SuiteId};

use crate::TestRng;

const KEY: [u8; 16] = [0x42; 16];

fn seal(suite: SuiteId, data: &[u8], chunk: u32, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    stream::encrypt(
        suite,
        &KEY,
        chunk,
        &mut &data[..],
        &mut out,
        Some(data.len() as u64),
        &mut |_, _| {},
        &mut TestRng::new(seed),
    )
    .unwrap();
    out
}

fn open(sealed: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    stream::decrypt(&KEY, &mut &sealed[..], &mut out, None, &mut |_, _| {})?;
    Ok(out)
}

/// Split a sealed stream into header and sealed chunks.
fn chunks(sealed: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let o = StreamOpener::new(&KEY, sealed).unwrap();
    let n = o.sealed_chunk_size();
    (
        sealed[..HEADER_LEN].to_vec(),
        sealed[HEADER_LEN..].chunks(n).map(<[u8]>::to_vec).collect(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn roundtrip(data in proptest::collection::vec(any::<u8>(), 0..2000), chunk in 16u32..300, seed: u64, gm: bool) {
        let suite = if gm { SuiteId::Gm } else { SuiteId::Intl };
        let sealed = seal(suite, &data, chunk, seed);
        prop_assert_eq!(open(&sealed).unwrap(), data);
    }

    #[test]
    fn any_flipped_bit_is_refused(data in proptest::collection::vec(any::<u8>(), 0..600), bit in any::<usize>(), seed: u64) {
        let sealed = seal(SuiteId::Gm, &data, 64, seed);
        let mut t = sealed.clone();
        let i = bit % (t.len() * 8);
        t[i / 8] ^= 1 << (i % 8);
        prop_assert!(open(&t).is_err());
    }

    #[test]
    fn truncation_anywhere_is_refused(data in proptest::collection::vec(any::<u8>(), 1..600), cut in any::<usize>(), seed: u64) {
        let sealed = seal(SuiteId::Gm, &data, 64, seed);
        let keep = cut % sealed.len();
        prop_assert!(open(&sealed[..keep]).is_err());
    }

    #[test]
    fn reordered_chunks_are_refused(data in proptest::collection::vec(any::<u8>(), 130..600), a in any::<usize>(), b in any::<usize>(), seed: u64) {
        let sealed = seal(SuiteId::Gm, &data, 64, seed);
        let (header, mut cs) = chunks(&sealed);
        let (a, b) = (a % cs.len(), b % cs.len());
        prop_assume!(a != b && cs[a] != cs[b]);
        cs.swap(a, b);
        let t = [header, cs.concat()].concat();
        prop_assert!(open(&t).is_err());
    }

    #[test]
    fn extra_trailing_chunk_is_refused(data in proptest::collection::vec(any::<u8>(), 0..600), seed: u64) {
        let sealed = seal(SuiteId::Gm, &data, 64, seed);
        let (_, cs) = chunks(&sealed);
        // Append a copy of a real chunk, or arbitrary bytes.
        let mut t = sealed.clone();
        t.extend_from_slice(&cs[0]);
        prop_assert!(open(&t).is_err());
        let mut t = sealed.clone();
        t.push(0);
        prop_assert!(open(&t).is_err());
    }
}

#[test]
fn chunk_from_another_stream_under_the_same_key_is_refused() {
    let data = vec![7u8; 300];
    let a = seal(SuiteId::Gm, &data, 64, 1);
    let b = seal(SuiteId::Gm, &data, 64, 2);
    let (ha, mut ca) = chunks(&a);
    let (_, cb) = chunks(&b);
    ca[1] = cb[1].clone();
    assert!(open(&[ha, ca.concat()].concat()).is_err());
}

#[test]
fn cut_at_chunk_boundary_says_truncated() {
    let data = vec![1u8; 64 * 4];
    let sealed = seal(SuiteId::Gm, &data, 64, 3);
    let (h, cs) = chunks(&sealed);
    assert_eq!(
        cs.len(),
        4,
        "a multiple of the chunk size ends on a full last chunk"
    );
    let t = [h, cs[..2].concat()].concat();
    assert_eq!(open(&t).unwrap_err(), Error::StreamTruncated);
}

#[test]
fn appended_copy_of_last_chunk_says_trailing_data() {
    let data = vec![1u8; 64 * 2];
    let sealed = seal(SuiteId::Gm, &data, 64, 3);
    let (_, cs) = chunks(&sealed);
    let mut t = sealed.clone();
    t.extend_from_slice(cs.last().unwrap());
    assert_eq!(open(&t).unwrap_err(), Error::StreamTrailingData);
}

#[test]
fn wrong_key_and_bad_header_are_refused() {
    let sealed = seal(SuiteId::Gm, b"bid", 64, 4);
    let mut out = Vec::new();
    assert_eq!(
        stream::decrypt(
            &[0x43; 16],
            &mut &sealed[..],
            &mut out,
            None,
            &mut |_, _| {}
        )
        .unwrap_err(),
        Error::Aead
    );
    assert!(matches!(
        open(b"not a stream at all, nothing like it").unwrap_err(),
        Error::StreamHeader(_)
    ));
    assert!(matches!(
        open(b"short").unwrap_err(),
        Error::StreamHeader(_)
    ));
    let mut huge = sealed.clone();
    huge[10..14].copy_from_slice(&u32::MAX.to_be_bytes());
    assert!(matches!(open(&huge).unwrap_err(), Error::StreamHeader(_)));
}

#[test]
fn progress_reports_bytes_done_and_total() {
    let data = vec![9u8; 1000];
    let mut seen = Vec::new();
    let mut out = Vec::new();
    stream::encrypt(
        SuiteId::Gm,
        &KEY,
        256,
        &mut &data[..],
        &mut out,
        Some(1000),
        &mut |d, t| seen.push((d, t)),
        &mut TestRng::new(5),
    )
    .unwrap();
    assert_eq!(
        seen,
        vec![
            (256, Some(1000)),
            (512, Some(1000)),
            (768, Some(1000)),
            (1000, Some(1000))
        ]
    );
}

#[test]
fn empty_input_roundtrips() {
    let sealed = seal(SuiteId::Gm, b"", 64, 6);
    assert_eq!(sealed.len(), HEADER_LEN + 16);
    assert_eq!(open(&sealed).unwrap(), b"");
}

#[test]
fn short_content_key_refused() {
    let mut out = Vec::new();
    let r = stream::encrypt(
        SuiteId::Gm,
        &[1; 8],
        64,
        &mut &b"x"[..],
        &mut out,
        None,
        &mut |_, _| {},
        &mut TestRng::new(1),
    );
    assert!(matches!(r, Err(Error::BadKey(_))));
}

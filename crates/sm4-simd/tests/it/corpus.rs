//! The committed fuzz corpus, run through the fuzz target's comparison without cargo-fuzz.

use std::path::Path;

use yizhao_sm4_simd::differential::compare_with_portable;

#[test]
fn every_corpus_file_agrees_with_the_portable_crate() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/compare");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        if let Err(e) = compare_with_portable(&data) {
            panic!("{}: {e}", path.display());
        }
        n += 1;
    }
    assert!(n >= 5, "the corpus in {} has {n} files", dir.display());
}

#[test]
fn short_and_empty_inputs_are_fine() {
    for len in 0..40 {
        compare_with_portable(&vec![0xa5; len]).unwrap();
    }
}

/// Writes the seed corpus: a key, a split byte and block counts around the kernel widths (1, 7,
/// 8, 15, 16, 31, 32, 63, 64, 65, 150 blocks), deterministic so that a rerun changes nothing.
/// Run with `cargo test -p yizhao-sm4-simd --test it -- --ignored regenerate_corpus`.
#[test]
#[ignore = "writes the committed seed corpus"]
fn regenerate_corpus() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/compare");
    std::fs::create_dir_all(&dir).unwrap();
    for (i, blocks) in [0usize, 1, 7, 8, 15, 16, 31, 32, 63, 64, 65, 150]
        .into_iter()
        .enumerate()
    {
        let mut x = 0x9e37_79b9u32.wrapping_mul(i as u32 + 1);
        let mut data: Vec<u8> = (0..17 + 16 * blocks)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        data[16] = (blocks / 3) as u8;
        std::fs::write(dir.join(format!("seed-{blocks:03}-blocks")), data).unwrap();
    }
}

//! The committed fuzz corpora run through the targets' bodies without cargo-fuzz, the defects
//! the longer runs found, and the writer of the seed corpora.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod findings;
mod seeds;

use std::path::{Path, PathBuf};

use yizhao_fuzzing::TARGETS;

/// `fuzz/corpus` at the workspace root.
pub fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus")
}

#[test]
fn every_corpus_file_passes_its_target() {
    for (name, body) in TARGETS {
        let dir = corpus_root().join(name);
        let mut n = 0;
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect();
        entries.sort();
        for path in entries {
            let data = std::fs::read(&path).unwrap();
            if let Err(panic) = std::panic::catch_unwind(|| body(&data)) {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panic!("{}: {msg}", path.display());
            }
            n += 1;
        }
        assert!(n >= 3, "the corpus of {name} has {n} files");
    }
}

#[test]
fn short_and_empty_inputs_are_fine() {
    for (_, body) in TARGETS {
        for len in 0..8 {
            body(&vec![0x30; len]);
            body(&vec![0xff; len]);
        }
    }
}

#[test]
fn the_corpora_are_small() {
    let mut total = 0;
    for (name, _) in TARGETS {
        for e in std::fs::read_dir(corpus_root().join(name)).unwrap() {
            total += e.unwrap().metadata().unwrap().len();
        }
    }
    assert!(total < 1024 * 1024, "the corpora hold {total} bytes");
}

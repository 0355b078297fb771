//! A deterministic generator for tests (feature `testing`): SM3 in counter mode over a seed.
//! Never for keys that protect anything: anyone who knows the seed knows every byte.

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};

/// Deterministic "random" bytes from a seed, so tests repeat exactly.
#[derive(Debug, Clone)]
pub struct SeededRng {
    seed: [u8; 32],
    counter: u64,
    buf: Vec<u8>,
}

impl SeededRng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        SeededRng {
            seed: crate::sm3(&seed.to_be_bytes()),
            counter: 0,
            buf: Vec::new(),
        }
    }
}

impl TryRng for SeededRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for d in dst {
            if self.buf.is_empty() {
                let mut input = self.seed.to_vec();
                input.extend_from_slice(&self.counter.to_be_bytes());
                self.counter += 1;
                self.buf = crate::sm3(&input).to_vec();
            }
            *d = self.buf.pop().unwrap_or_default();
        }
        Ok(())
    }
}

impl TryCryptoRng for SeededRng {}

/// Runs the `openssl` command (the independent judge of our crypto in tests) with `args`;
/// returns whether it succeeded and its stdout followed by its stderr. A missing `openssl` is a
/// failure whose text says so (`scripts/test` installs it).
pub fn openssl(args: &[&dyn AsRef<std::ffi::OsStr>]) -> (bool, String) {
    match std::process::Command::new("openssl")
        .args(args.iter().map(|a| a.as_ref()))
        .output()
    {
        Ok(out) => (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        ),
        Err(e) => (
            false,
            format!("cannot run openssl (scripts/test installs it): {e}"),
        ),
    }
}

/// The standard SM2 ID as an `openssl -pkeyopt`/`-vfyopt` value: OpenSSL 3's default SM2 ID is
/// empty, so every SM2 check through OpenSSL passes this one.
pub const OPENSSL_SM2_DISTID: &str = "distid:1234567812345678";

/// `openssl pkeyutl -verify -rawin -digest sm3` with the standard SM2 ID: whether OpenSSL
/// verifies the DER signature in `sig` over the bytes in `data` with the public key (PEM) in
/// `pubkey`, and what it printed.
pub fn openssl_sm2_verify(
    pubkey: &std::path::Path,
    data: &std::path::Path,
    sig: &std::path::Path,
) -> (bool, String) {
    let (ok, out) = openssl(&[
        &"pkeyutl",
        &"-verify",
        &"-rawin",
        &"-digest",
        &"sm3",
        &"-pubin",
        &"-inkey",
        &pubkey,
        &"-in",
        &data,
        &"-sigfile",
        &sig,
        &"-pkeyopt",
        &OPENSSL_SM2_DISTID,
    ]);
    (ok && out.contains("Signature Verified Successfully"), out)
}

/// The top-level (depth 1) elements of a DER file as `openssl asn1parse` lists them: offset and
/// the rest of the line (e.g. `d=1  hl=2 l=  9 prim: OBJECT ...`). Panics if OpenSSL can't
/// parse the file.
pub fn openssl_top_level(file: &std::path::Path) -> Vec<(usize, String)> {
    let (ok, out) = openssl(&[&"asn1parse", &"-inform", &"DER", &"-in", &file]);
    assert!(ok, "{out}");
    out.lines()
        .filter_map(|l| {
            let (offset, rest) = l.split_once(':')?;
            rest.starts_with("d=1 ")
                .then(|| Some((offset.trim().parse().ok()?, rest.to_owned())))?
        })
        .collect()
}

/// `openssl asn1parse -strparse offset -out out`: writes the element at `offset` of a DER
/// file (a BIT STRING's content without its unused-bits byte) to `out`. Panics on failure.
pub fn openssl_strparse(file: &std::path::Path, offset: usize, out: &std::path::Path) {
    let (ok, text) = openssl(&[
        &"asn1parse",
        &"-inform",
        &"DER",
        &"-in",
        &file,
        &"-strparse",
        &offset.to_string(),
        &"-out",
        &out,
        &"-noout",
    ]);
    assert!(ok, "{text}");
}

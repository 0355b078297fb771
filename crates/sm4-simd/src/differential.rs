//! The differential check shared by the fuzz target (`fuzz/`) and the corpus test: every
//! backend this CPU has against the portable `sm4` crate, on input chosen by the fuzzer.

use core::fmt;

use aead::AeadInOut;
use cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};

use crate::{Backend, Sm4, Sm4Gcm};

/// A backend that disagreed with the portable crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The backend that disagreed.
    pub backend: Backend,
    /// What was being done: `encrypt`, `decrypt`, `encrypt-split`, `encrypt-block`, `roundtrip`,
    /// `gcm`.
    pub operation: &'static str,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sm4 {} differs from the portable crate in {}",
            self.backend, self.operation
        )
    }
}

impl std::error::Error for Mismatch {}

/// Interprets `data` as a 16-byte key, one byte choosing a split point, then the blocks (a
/// trailing partial block is ignored; a short input is padded with zeros), and checks every
/// available backend against the portable crate: bulk encryption and decryption (parallel
/// blocks, tails), encryption in two calls split at the chosen point, block by block,
/// decryption of the encryption, and SM4-GCM of the whole body (partial block included) with the
/// body's first `split` bytes as associated data, against SM4-GCM on the portable path (the
/// `ghash` crate).
pub fn compare_with_portable(data: &[u8]) -> Result<(), Mismatch> {
    let mut key = [0u8; 16];
    let n = data.len().min(16);
    key[..n].copy_from_slice(&data[..n]);
    let split = data.get(16).copied().unwrap_or(0);
    let body = data.get(17..).unwrap_or(&[]);
    let blocks: Vec<Array<u8, cipher::consts::U16>> = body
        .chunks_exact(16)
        .map(|c| {
            let mut b = Array::default();
            b.copy_from_slice(c);
            b
        })
        .collect();
    let key = Array::from(key);

    let reference = <sm4::Sm4 as KeyInit>::new(&key);
    let mut enc = blocks.clone();
    reference.encrypt_blocks(&mut enc);
    let mut dec = blocks.clone();
    reference.decrypt_blocks(&mut dec);
    let cut = usize::from(split) % (blocks.len() + 1);
    let nonce = Array::from([split; 12]);
    let aad = &body[..usize::from(split).min(body.len())];
    let gcm = |c: Sm4| {
        let mut text = body.to_vec();
        let tag = Sm4Gcm::from(c).encrypt_inout_detached(&nonce, aad, text.as_mut_slice().into());
        (text, tag.ok())
    };
    let gcm_reference = Sm4::with_backend(&key, Backend::Portable).map(gcm);

    for backend in Backend::available() {
        let Some(c) = Sm4::with_backend(&key, backend) else {
            continue;
        };
        let fail = |operation| Mismatch { backend, operation };
        let mut b = blocks.clone();
        c.encrypt_blocks(&mut b);
        if b != enc {
            return Err(fail("encrypt"));
        }
        c.decrypt_blocks(&mut b);
        if b != blocks {
            return Err(fail("roundtrip"));
        }
        let mut b = blocks.clone();
        c.decrypt_blocks(&mut b);
        if b != dec {
            return Err(fail("decrypt"));
        }
        let mut b = blocks.clone();
        let (head, tail) = b.split_at_mut(cut);
        c.encrypt_blocks(head);
        c.encrypt_blocks(tail);
        if b != enc {
            return Err(fail("encrypt-split"));
        }
        let mut b = blocks.clone();
        for block in b.iter_mut().take(80) {
            c.encrypt_block(block);
        }
        if b.iter().zip(&enc).take(80).any(|(x, y)| x != y) {
            return Err(fail("encrypt-block"));
        }
        if Some(gcm(c)) != gcm_reference {
            return Err(fail("gcm"));
        }
    }
    Ok(())
}

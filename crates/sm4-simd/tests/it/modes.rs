//! Differential tests: each path forced in turn against the portable `sm4` crate, through the
//! modes that use it (`ctr` with its 32-bit counter wrapping, `cbc` decryption, `aes-gcm`), with
//! random keys, IVs and lengths 0–3000 bytes.

use aes_gcm::AesGcm;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{AeadInOut, KeyInit};
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, KeyIvInit, StreamCipher};
use proptest::prelude::*;
use yizhao_sm4_simd::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt};
use yizhao_sm4_simd::{Backend, Sm4, Sm4Gcm};

use crate::every_path;

type Block = Array<u8, yizhao_sm4_simd::cipher::consts::U16>;

fn to_blocks(data: &[u8]) -> Vec<Block> {
    data.chunks_exact(16)
        .map(|c| Block::try_from(c).unwrap())
        .collect()
}

fn ctr_reference(key: &[u8; 16], iv: &[u8; 16], data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    ctr::Ctr32BE::<sm4::Sm4>::new(&(*key).into(), &(*iv).into()).apply_keystream(&mut out);
    out
}

fn check_ctr(key: &[u8; 16], iv: &[u8; 16], data: &[u8]) {
    let want = ctr_reference(key, iv, data);
    for c in every_path(key) {
        let backend = c.backend();
        let mut got = data.to_vec();
        ctr::Ctr32BE::<Sm4>::from_core(ctr::CtrCore::inner_iv_init(c, &(*iv).into()))
            .apply_keystream(&mut got);
        assert_eq!(got, want, "ctr on {backend}, {} bytes", data.len());
    }
}

fn check_cbc(key: &[u8; 16], iv: &[u8; 16], data: &[u8]) {
    let blocks = to_blocks(data);
    let mut ct = blocks.clone();
    cbc::Encryptor::<sm4::Sm4>::new(&(*key).into(), &(*iv).into()).encrypt_blocks(&mut ct);
    for c in every_path(key) {
        let backend = c.backend();
        let mut pt = ct.clone();
        cbc::Decryptor::<Sm4>::inner_iv_init(c.clone(), &(*iv).into()).decrypt_blocks(&mut pt);
        assert_eq!(
            pt,
            blocks,
            "cbc decrypt on {backend}, {} blocks",
            blocks.len()
        );
        let mut again = blocks.clone();
        cbc::Encryptor::<Sm4>::inner_iv_init(c, &(*iv).into()).encrypt_blocks(&mut again);
        assert_eq!(again, ct, "cbc encrypt on {backend}");
    }
}

fn check_ecb(key: &[u8; 16], data: &[u8]) {
    let blocks = to_blocks(data);
    let reference = <sm4::Sm4 as sm4::cipher::KeyInit>::new(&(*key).into());
    let mut want = blocks.clone();
    reference.encrypt_blocks(&mut want);
    for c in every_path(key) {
        let mut got = blocks.clone();
        c.encrypt_blocks(&mut got);
        assert_eq!(got, want, "ecb encrypt on {:?}", c.backend());
        c.decrypt_blocks(&mut got);
        assert_eq!(got, blocks, "ecb decrypt on {:?}", c.backend());
    }
}

fn check_gcm(key: &[u8; 16], nonce: &[u8; 12], aad: &[u8], data: &[u8]) {
    let nonce = Array::from(*nonce);
    let reference = AesGcm::<sm4::Sm4, U12>::new(&(*key).into());
    let mut want = data.to_vec();
    let want_tag = reference
        .encrypt_inout_detached(&nonce, aad, want.as_mut_slice().into())
        .unwrap();
    for c in every_path(key) {
        let backend = c.backend();
        let gcm = AesGcm::<Sm4, U12>::from(c);
        let mut got = data.to_vec();
        let tag = gcm
            .encrypt_inout_detached(&nonce, aad, got.as_mut_slice().into())
            .unwrap();
        assert_eq!(got, want, "gcm on {backend}, {} bytes", data.len());
        assert_eq!(tag, want_tag, "gcm tag on {backend}");
        gcm.decrypt_inout_detached(&nonce, aad, got.as_mut_slice().into(), &tag)
            .unwrap();
        assert_eq!(got, data, "gcm open on {backend}");
    }
    // Our SM4-GCM (GHASH on VPCLMULQDQ where the path takes it) on every path.
    for backend in Backend::available() {
        let gcm = Sm4Gcm::with_backend(&(*key).into(), backend).unwrap();
        let mut got = data.to_vec();
        let tag = gcm
            .encrypt_inout_detached(&nonce, aad, got.as_mut_slice().into())
            .unwrap();
        assert_eq!(got, want, "Sm4Gcm on {gcm:?}, {} bytes", data.len());
        assert_eq!(tag, want_tag, "Sm4Gcm tag on {gcm:?}");
        gcm.decrypt_inout_detached(&nonce, aad, got.as_mut_slice().into(), &tag)
            .unwrap();
        assert_eq!(got, data, "Sm4Gcm open on {gcm:?}");
        let mut bad = tag;
        bad[0] ^= 1;
        assert!(
            gcm.decrypt_inout_detached(&nonce, aad, got.as_mut_slice().into(), &bad)
                .is_err(),
            "Sm4Gcm accepted a wrong tag on {gcm:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn ctr_matches_the_portable_crate(
        key in any::<[u8; 16]>(),
        iv in any::<[u8; 16]>(),
        data in proptest::collection::vec(any::<u8>(), 0..3000),
    ) {
        check_ctr(&key, &iv, &data);
    }

    #[test]
    fn ctr_matches_across_the_32_bit_counter_wrap(
        key in any::<[u8; 16]>(),
        iv in any::<[u8; 12]>(),
        before_wrap in 0u32..200,
        data in proptest::collection::vec(any::<u8>(), 0..3000),
    ) {
        let mut full = [0u8; 16];
        full[..12].copy_from_slice(&iv);
        full[12..].copy_from_slice(&(u32::MAX - before_wrap).to_be_bytes());
        check_ctr(&key, &full, &data);
    }

    #[test]
    fn cbc_matches_the_portable_crate(
        key in any::<[u8; 16]>(),
        iv in any::<[u8; 16]>(),
        data in proptest::collection::vec(any::<u8>(), 0..3000),
    ) {
        check_cbc(&key, &iv, &data);
    }

    #[test]
    fn ecb_matches_the_portable_crate(
        key in any::<[u8; 16]>(),
        data in proptest::collection::vec(any::<u8>(), 0..3000),
    ) {
        check_ecb(&key, &data);
    }

    #[test]
    fn gcm_matches_aes_gcm_over_the_portable_crate(
        key in any::<[u8; 16]>(),
        nonce in any::<[u8; 12]>(),
        aad in proptest::collection::vec(any::<u8>(), 0..300),
        data in proptest::collection::vec(any::<u8>(), 0..3000),
    ) {
        check_gcm(&key, &nonce, &aad, &data);
    }
}

#[test]
fn every_length_from_0_to_130_blocks_through_ctr_and_ecb() {
    // Every split between the wide kernel, one-group chunks and the padded tail.
    let key = [0x42; 16];
    let data: Vec<u8> = (0..130 * 16 + 15).map(|i| (i * 7 + 3) as u8).collect();
    for n in 0..=data.len() {
        if n % 16 == 0 || n < 40 {
            check_ctr(&key, &[0xff; 16], &data[..n]);
            check_ecb(&key, &data[..n]);
        }
    }
}

#[test]
fn gcm_on_lengths_around_the_kernel_widths() {
    let key = [9; 16];
    for n in [
        0,
        1,
        15,
        16,
        17,
        127,
        128,
        129,
        511,
        512,
        513,
        1023,
        1024,
        1025,
        // Sm4Gcm: `ctr` for whole 64-block runs, one kernel call for the blocks after them.
        4095,
        4096,
        4096 + 7,
        8192,
        3 * 4096 + 16 * 63 + 5,
    ] {
        let data: Vec<u8> = (0..n).map(|i| i as u8).collect();
        check_gcm(&key, &[3; 12], b"aad", &data);
    }
    assert!(Backend::Portable.is_available());
}

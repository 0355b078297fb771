//! GB/T 32907 and RFC 8998 vectors on every path the CPU has, the portable one included.

use aes_gcm::AesGcm;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{AeadInOut, KeyInit};
use yizhao_sm4_simd::cipher::{Array, BlockCipherDecrypt, BlockCipherEncrypt};
use yizhao_sm4_simd::{Backend, Sm4, Sm4Gcm};

use crate::{every_path, unhex};

const KEY: [u8; 16] = [
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
];

#[test]
fn the_portable_path_is_always_available_and_can_be_forced() {
    // CI machines may have any CPU: this keeps the fallback exercised everywhere.
    assert!(Backend::Portable.is_available());
    assert_eq!(Backend::available().last(), Some(&Backend::Portable));
    let c = Sm4::with_backend(&KEY.into(), Backend::Portable).unwrap();
    assert_eq!(c.backend(), Backend::Portable);
    let mut block = Array::from(KEY);
    c.encrypt_block(&mut block);
    assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
}

#[test]
fn an_unavailable_backend_is_refused_not_run() {
    for b in Backend::ALL {
        assert_eq!(
            Sm4::with_backend(&KEY.into(), b).is_some(),
            b.is_available()
        );
    }
    let best = <Sm4 as yizhao_sm4_simd::cipher::KeyInit>::new(&KEY.into());
    assert_eq!(best.backend(), Backend::best());
    println!("backends here: {:?}", Backend::available());
}

#[test]
fn standard_single_block_on_every_path() {
    for c in every_path(&KEY) {
        let mut block = Array::from(KEY);
        c.encrypt_block(&mut block);
        assert_eq!(
            hex::encode(block),
            "681edf34d206965e86b3e94f536e4246",
            "{c:?}"
        );
        c.decrypt_block(&mut block);
        assert_eq!(block, Array::from(KEY), "{c:?}");
    }
}

#[test]
fn standard_million_fold_iteration_on_every_path() {
    for c in every_path(&KEY) {
        let mut block = Array::from(KEY);
        for _ in 0..1_000_000 {
            c.encrypt_block(&mut block);
        }
        assert_eq!(
            hex::encode(block),
            "595298c7c6fd271f0402f804c33d3f66",
            "{c:?}"
        );
    }
}

#[test]
fn standard_million_fold_iteration_through_the_wide_kernels() {
    // The same chain in every lane of a full parallel call, so that each lane of the widest
    // kernel is checked (single blocks take the one-group path). 64 blocks is the widest call.
    // The portable path is one block at a time; the test above covers it.
    for c in every_path(&KEY)
        .into_iter()
        .filter(|c| c.backend() != Backend::Portable)
    {
        let mut blocks = vec![Array::from(KEY); 64];
        // Each lane gets its own start so that a lane mix-up would show: lane i starts from the
        // plaintext after i encryptions and must end i encryptions past the vector.
        for (i, b) in blocks.iter_mut().enumerate() {
            for _ in 0..i {
                c.encrypt_block(b);
            }
        }
        for _ in 0..1_000_000 {
            c.encrypt_blocks(&mut blocks);
        }
        let mut want =
            Array::try_from(unhex("595298c7c6fd271f0402f804c33d3f66").as_slice()).unwrap();
        for b in &blocks {
            assert_eq!(*b, want, "{c:?}");
            c.encrypt_block(&mut want);
        }
    }
}

#[test]
fn rfc8998_sm4_gcm_on_every_path() {
    let nonce = unhex("00001234567800000000ABCD");
    let aad = unhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
    let pt = unhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD
         EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
    );
    let want_ct = "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735\
                   D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D";
    let want_tag = "83DE3541E4C2B58177E065A9BF7B62EC";
    for backend in Backend::available() {
        let c = Sm4::with_backend(&KEY.into(), backend).unwrap();
        let gcm = AesGcm::<Sm4, U12>::from(c);
        let mut buf = pt.clone();
        let nonce = Array::try_from(nonce.as_slice()).unwrap();
        let tag = gcm
            .encrypt_inout_detached(&nonce, &aad, buf.as_mut_slice().into())
            .unwrap();
        assert_eq!(hex::encode_upper(&buf), want_ct, "{backend}");
        assert_eq!(hex::encode_upper(tag), want_tag, "{backend}");
        gcm.decrypt_inout_detached(&nonce, &aad, buf.as_mut_slice().into(), &tag)
            .unwrap();
        assert_eq!(buf, pt, "{backend}");
    }
    let _ = <AesGcm<Sm4, U12> as KeyInit>::new(&KEY.into());
    for backend in Backend::available() {
        let gcm = Sm4Gcm::with_backend(&KEY.into(), backend).unwrap();
        let nonce = Array::try_from(nonce.as_slice()).unwrap();
        let mut buf = pt.clone();
        let tag = gcm
            .encrypt_inout_detached(&nonce, &aad, buf.as_mut_slice().into())
            .unwrap();
        assert_eq!(hex::encode_upper(&buf), want_ct, "{gcm:?}");
        assert_eq!(hex::encode_upper(tag), want_tag, "{gcm:?}");
    }
    let gcm = <Sm4Gcm as KeyInit>::new(&KEY.into());
    println!("{gcm:?}");
}

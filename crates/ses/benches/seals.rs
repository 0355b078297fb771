//! Seals made (built and signed) and verified (parsed, structure, maker signature, validity)
//! per second, single-threaded, beside SM2 sign and verify per second measured in the same run:
//! a seal costs one SM2 operation plus DER and SM3 over the picture, so the ratio shows what the
//! structure adds. A signature with the seal (`SES_Signature`) is measured too: making one checks
//! the seal (one verify) and signs; verifying one checks two signatures.
//!
//! Run: `cargo bench -p yizhao-ses --bench seals` (release build). Environment: `BENCH_SECONDS`
//! (per measurement, default 3), `BENCH_PICTURE_KIB` (size of the seal picture, default 32: a
//! 40 mm seal scanned at 300 dpi is a PNG of this order).

// A benchmark reads the clock; that is its job. A panic is its failure report.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use yizhao_gm::x509::{CertKind, Certificate, CertificateParams, DistinguishedName, Issuer};
use yizhao_gm::{PrivateKey, SuiteId, system_rng};
use yizhao_ses::{CertList, Header, Picture, PropertyInfo, Seal, SealInfo, SealSignature, ToSign};

const NOW: u64 = 1_795_000_000;
const DAY: u64 = 86_400;

fn env_num<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Run `f` repeatedly for about `BENCH_SECONDS`; returns operations per second.
fn rate(mut f: impl FnMut()) -> f64 {
    let budget = Duration::from_secs_f64(env_num("BENCH_SECONDS", 3.0));
    f();
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for _ in 0..8 {
            f();
        }
        n += 8;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn cert(cn: &str, kind: CertKind, key: &PrivateKey, issuer: Issuer<'_>) -> Certificate {
    let params = CertificateParams {
        subject: DistinguishedName::cn(cn),
        serial: yizhao_gm::x509::random_serial(&mut system_rng()),
        not_before: NOW - DAY,
        not_after: NOW + 365 * DAY,
        kind,
        extensions: vec![],
    };
    Certificate::issue(&params, &key.public_key(), issuer).unwrap()
}

fn main() {
    let mut rng = system_rng();
    let picture_kib: usize = env_num("BENCH_PICTURE_KIB", 32);

    let root_key = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let root = cert(
        "印章根 CA",
        CertKind::Ca { path_len: Some(0) },
        &root_key,
        Issuer::SelfSigned(&root_key),
    );
    let ca = Issuer::Ca {
        cert: &root,
        key: &root_key,
    };
    let maker_key = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let maker = cert("电子印章制作系统", CertKind::Signing, &maker_key, ca);
    let holder_key = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let holder = cert(
        "张伟",
        CertKind::Signing,
        &holder_key,
        Issuer::Ca {
            cert: &root,
            key: &root_key,
        },
    );

    // A PNG signature followed by incompressible bytes: the seal's cost depends on the size only.
    let picture = |bytes: usize| {
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut i = 0u64;
        while png.len() < bytes {
            png.extend(yizhao_gm::sm3(&i.to_be_bytes()));
            i += 1;
        }
        png.truncate(bytes);
        png
    };
    let info = |png: Vec<u8>| SealInfo {
        header: Header::v4("yizhao"),
        es_id: "91350100M000100Y43-TB-0001".into(),
        property: PropertyInfo {
            seal_type: 6,
            name: "宜昌市示范建设工程有限公司投标专用章".into(),
            cert_list: CertList::Certs(vec![holder.to_der().to_vec()]),
            create_date: NOW,
            valid_start: NOW,
            valid_end: NOW + 365 * DAY,
        },
        picture: Picture::png(png, 40, 40),
        ext_datas: None,
    };

    let msg = [0x42u8; 32];
    let sig = maker_key.sign(&msg).unwrap();
    let pk = maker_key.public_key();
    let sm2_sign = rate(|| {
        black_box(maker_key.sign(black_box(&msg)).unwrap());
    });
    let sm2_verify = rate(|| pk.verify(black_box(&msg), &sig).unwrap());

    // (picture label, DER size, made/s, verified/s)
    let mut rows = Vec::new();
    for (label, bytes) in [
        (format!("{picture_kib} KiB"), picture_kib * 1024),
        ("64 B".to_string(), 64),
    ] {
        let info = info(picture(bytes));
        let der = Seal::build(&info, &maker_key, &maker)
            .unwrap()
            .to_der()
            .to_vec();
        let made = rate(|| {
            black_box(Seal::build(black_box(&info), &maker_key, &maker).unwrap());
        });
        let verified = rate(|| {
            let s = Seal::from_der(black_box(&der)).unwrap();
            s.verify(NOW).unwrap();
            assert!(s.holds_certificate(holder.to_der()));
        });
        rows.push((label, der.len(), made, verified));
    }

    // What the picture alone costs: SM3 over the signed bytes (the SM2 signature hashes them).
    let big = Seal::build(&info(picture(picture_kib * 1024)), &maker_key, &maker).unwrap();
    let sm3_info = rate(|| {
        black_box(yizhao_gm::sm3(black_box(big.signed_data())));
    });

    // A signature with the seal (the next issue's unit of work): SM3 of a 1 MiB original is
    // left out, only the SES_Signature itself is measured.
    let seal = Seal::build(&info(picture(picture_kib * 1024)), &maker_key, &maker).unwrap();
    let to_sign = ToSign::new(seal, b"original", "/Doc_0/Signs/Sign_0/Signature.xml", NOW);
    let digest = yizhao_gm::sm3(b"original");
    let signed = SealSignature::sign(&to_sign, &holder_key, &holder).unwrap();
    let sig_der = signed.to_der().to_vec();
    let signatures_made = rate(|| {
        black_box(SealSignature::sign(black_box(&to_sign), &holder_key, &holder).unwrap());
    });
    let signatures_verified = rate(|| {
        let s = SealSignature::from_der(black_box(&sig_der)).unwrap();
        s.verify_digest(&digest).unwrap();
    });

    println!("single thread; 1 holder certificate in the seal; SM2 figures of the same run\n");
    println!("| operation | picture | seal DER | per second | SM2 reference | ratio |");
    println!("|---|---:|---:|---:|---:|---:|");
    println!("| SM2 sign (32-byte message) | | | {sm2_sign:.0} | | |");
    println!("| SM2 verify (32-byte message) | | | {sm2_verify:.0} | | |");
    println!(
        "| SM3 of the signed SES_SealInfo | {picture_kib} KiB | {} B | {sm3_info:.0} | | |",
        big.signed_data().len()
    );
    for (label, len, made, verified) in &rows {
        println!(
            "| seal made (build + sign) | {label} | {len} B | {made:.0} | {sm2_sign:.0} sign/s | {:.2} |",
            made / sm2_sign
        );
        println!(
            "| seal verified (parse + verify + holder) | {label} | {len} B | {verified:.0} | {sm2_verify:.0} verify/s | {:.2} |",
            verified / sm2_verify
        );
    }
    println!(
        "| signature made (SES_Signature: seal check + sign) | {picture_kib} KiB | {} B | {signatures_made:.0} | {:.0} sign+verify/s | {:.2} |",
        sig_der.len(),
        1.0 / (1.0 / sm2_sign + 1.0 / sm2_verify),
        signatures_made / (1.0 / (1.0 / sm2_sign + 1.0 / sm2_verify))
    );
    println!(
        "| signature verified (parse + 2 signatures + holder + seal) | {picture_kib} KiB | {} B | {signatures_verified:.0} | {:.0} 2×verify/s | {:.2} |",
        sig_der.len(),
        sm2_verify / 2.0,
        signatures_verified / (sm2_verify / 2.0)
    );
}

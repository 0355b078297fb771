//! `scripts/bench-crypto`: our SM2/SM3/SM4-GCM and streaming speeds beside `openssl speed` on the
//! same machine in the same run, with the ratio ours/OpenSSL.
//!
//! Run: `cargo bench -p yizhao-gm --bench crypto` (release build). Environment:
//! `BENCH_SECONDS` (per measurement, default 3), `BENCH_STREAM_MIB` (streamed file, default 1024),
//! `BENCH_STREAM_RUNS` (runs per direction, median reported, default 3).
//!
//! SM4 is measured through gm (the best path) and on each path of yizhao-sm4-simd this CPU has,
//! forced in turn, beside `openssl speed -evp sm4-ctr` and `sm4-cbc`.

// A benchmark reads the clock; that is its job.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs
)]

use std::fs::File;
use std::hint::black_box;
use std::io::{BufReader, BufWriter, Write};
use std::process::Command;
use std::time::{Duration, Instant};

use aes_gcm::AesGcm;
use aes_gcm::aead::AeadInOut;
use aes_gcm::aead::consts::U12;
use ctr::{Ctr32BE, CtrCore};
use yizhao_gm::aead::{AeadAlgorithm, AeadKey};
use yizhao_gm::stream::{self, DEFAULT_CHUNK_SIZE};
use yizhao_gm::{PrivateKey, SuiteId, sm3, system_rng};
use yizhao_sm4_simd::cipher::{Array, BlockCipherEncrypt, InnerIvInit, StreamCipher};
use yizhao_sm4_simd::{Backend, Sm4, Sm4Gcm};

fn seconds() -> f64 {
    std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0)
}

/// Run `f` repeatedly for about `seconds()`; returns operations per second.
fn rate(mut f: impl FnMut()) -> f64 {
    let budget = Duration::from_secs_f64(seconds());
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

fn openssl_speed(args: &[&str]) -> Vec<String> {
    let secs = format!("{}", seconds().ceil() as u64);
    let out = Command::new("openssl")
        .args(["speed", "-mr", "-seconds", &secs])
        .args(args)
        .output()
        .expect("openssl is needed for the reference figures");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("+F"))
        .map(String::from)
        .collect()
}

/// OpenSSL SM2 sign/s and verify/s.
fn openssl_sm2() -> (f64, f64) {
    let lines = openssl_speed(&["sm2"]);
    let l = lines
        .iter()
        .find(|l| l.contains("SM2"))
        .expect("openssl speed sm2 output");
    let f: Vec<&str> = l.split(':').collect();
    (f[4].parse().unwrap(), f[5].parse().unwrap())
}

/// OpenSSL bytes/s of an EVP algorithm on 16 KiB blocks.
fn openssl_evp(alg: &str) -> f64 {
    let lines = openssl_speed(&["-bytes", "16384", "-evp", alg]);
    let l = lines.first().expect("openssl speed -evp output");
    l.rsplit(':').next().unwrap().parse().unwrap()
}

fn mb(bytes_per_sec: f64) -> f64 {
    bytes_per_sec / 1e6
}

struct Row {
    what: String,
    ours: f64,
    unit: &'static str,
    reference: Option<(String, f64)>,
    target: Option<f64>,
}

fn row(
    what: &str,
    ours: f64,
    unit: &'static str,
    reference: Option<(&str, f64)>,
    target: Option<f64>,
) -> Row {
    Row {
        what: what.into(),
        ours,
        unit,
        reference: reference.map(|(n, v)| (n.into(), v)),
        target,
    }
}

/// Peak resident set of this process in KiB (Linux).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

/// Child mode: stream-encrypt or -decrypt one file, print "seconds peak_rss_kib".
fn stream_child(mode: &str, input: &str, output: &str) {
    let key = [0x5a; 16];
    if mode == "openssl" {
        // The reference doing the same job: OpenSSL's own streaming SM4 (`enc`, CTR: it has no
        // GCM for files) over the same file, then the same fsync.
        let start = Instant::now();
        let st = Command::new("openssl")
            .args(["enc", "-sm4-ctr", "-K"])
            .arg(hex::encode(key))
            .args([
                "-iv",
                "000102030405060708090a0b0c0d0e0f",
                "-in",
                input,
                "-out",
                output,
            ])
            .status()
            .unwrap();
        assert!(st.success(), "openssl enc failed");
        File::open(output).unwrap().sync_all().unwrap();
        println!("{} 0", start.elapsed().as_secs_f64());
        return;
    }
    let mut r = BufReader::with_capacity(1 << 20, File::open(input).unwrap());
    let mut w = BufWriter::with_capacity(1 << 20, File::create(output).unwrap());
    let total = std::fs::metadata(input).unwrap().len();
    let start = Instant::now();
    match mode {
        "copy" => {
            std::io::copy(&mut r, &mut w).unwrap();
        }
        "enc" => {
            stream::encrypt(
                SuiteId::Gm,
                &key,
                DEFAULT_CHUNK_SIZE,
                &mut r,
                &mut w,
                Some(total),
                &mut |_, _| {},
                &mut system_rng(),
            )
            .unwrap();
        }
        _ => {
            stream::decrypt(&key, &mut r, &mut w, Some(total), &mut |_, _| {}).unwrap();
        }
    }
    w.into_inner().unwrap().sync_all().unwrap();
    println!("{} {}", start.elapsed().as_secs_f64(), peak_rss_kib());
}

fn run_child(mode: &str, input: &std::path::Path, output: &std::path::Path) -> (f64, u64) {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args(["--stream-child", mode])
        .arg(input)
        .arg(output)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = String::from_utf8_lossy(&out.stdout);
    let mut it = s.split_whitespace();
    (
        it.next().unwrap().parse().unwrap(),
        it.next().unwrap().parse().unwrap(),
    )
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--stream-child") {
        stream_child(&args[i + 1], &args[i + 2], &args[i + 3]);
        return;
    }
    let mut rows = Vec::new();
    let mut rng = system_rng();
    println!(
        "sm4 paths on this CPU: {} (gm uses {})",
        Backend::available()
            .iter()
            .map(|b| b.name())
            .collect::<Vec<_>>()
            .join(", "),
        Backend::best()
    );

    // SM2.
    let key = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let pk = key.public_key();
    let msg = [0x42u8; 32];
    let sig = key.sign(&msg).unwrap();
    let ct = pk.encrypt(&msg, &mut rng).unwrap();
    let (ossl_sign, ossl_verify) = openssl_sm2();
    rows.push(row(
        "SM2 sign",
        rate(|| {
            black_box(key.sign(black_box(&msg)).unwrap());
        }),
        "op/s",
        Some(("openssl speed sm2", ossl_sign)),
        Some(1.0),
    ));
    rows.push(row(
        "SM2 verify",
        rate(|| pk.verify(black_box(&msg), &sig).unwrap()),
        "op/s",
        Some(("openssl speed sm2", ossl_verify)),
        Some(1.0),
    ));
    rows.push(row(
        "SM2 encrypt (32 B)",
        rate(|| {
            black_box(pk.encrypt(&msg, &mut rng).unwrap());
        }),
        "op/s",
        None,
        None,
    ));
    rows.push(row(
        "SM2 decrypt (32 B)",
        rate(|| {
            black_box(key.decrypt(&ct).unwrap());
        }),
        "op/s",
        None,
        None,
    ));

    // SM3.
    let data = vec![0xa5u8; 1 << 20];
    let ossl_sm3 = openssl_evp("sm3");
    let sm3_rate = rate(|| {
        black_box(sm3(black_box(&data[..16384])));
    }) * 16384.0;
    rows.push(row(
        "SM3 (16 KiB)",
        mb(sm3_rate),
        "MB/s",
        Some(("openssl speed -evp sm3", mb(ossl_sm3))),
        Some(0.8),
    ));

    // SM4. OpenSSL 3.0 has no vectorised SM4 on x86: its CTR is the reference of the targets
    // (GCM ≥ 10× with GFNI, ≥ 5× with AES-NI only; issue #6), CBC is shown beside it.
    let ossl_ctr = mb(openssl_evp("sm4-ctr"));
    let ossl_cbc = mb(openssl_evp("sm4-cbc"));
    let best = Backend::best();
    let gcm_target = match best {
        Backend::Avx512Gfni | Backend::Avx2Gfni => 10.0,
        Backend::Avx2Vaes | Backend::Avx2AesNi => 5.0,
        _ => 0.7,
    };
    rows.push(row(
        "OpenSSL SM4-CBC (16 KiB)",
        ossl_cbc,
        "MB/s",
        Some(("openssl speed -evp sm4-ctr", ossl_ctr)),
        None,
    ));
    let gcm = AeadKey::new(AeadAlgorithm::Sm4Gcm, &[7; 16]).unwrap();
    for (label, size) in [
        ("SM4-GCM, gm AeadKey (16 KiB)", 16384usize),
        ("SM4-GCM, gm AeadKey (1 MiB)", 1 << 20),
    ] {
        let mut buf = Vec::with_capacity(size + 16);
        let r = rate(|| {
            buf.clear();
            buf.extend_from_slice(&data[..size]);
            gcm.seal_in_place(&[1; 12], b"", &mut buf).unwrap();
            black_box(&buf);
        }) * size as f64;
        rows.push(row(
            label,
            mb(r),
            "MB/s",
            Some(("openssl speed -evp sm4-ctr", ossl_ctr)),
            Some(gcm_target),
        ));
    }
    // Short messages (key wraps, small records): a 16-byte message must not cost a whole
    // kernel call's worth, and the blocks after the last 64-block run (up to 63 of them: 1008
    // bytes) take one call. The reference is the portable path on the same sizes.
    let portable = Sm4Gcm::with_backend(&Array::from([7u8; 16]), Backend::Portable).unwrap();
    for size in [16usize, 1008] {
        let mut buf = Vec::with_capacity(size + 16);
        let mut small = |seal: &dyn Fn(&mut Vec<u8>)| {
            rate(|| {
                buf.clear();
                buf.extend_from_slice(&data[..size]);
                seal(&mut buf);
                black_box(&buf);
            }) * size as f64
        };
        let ours = small(&|b| gcm.seal_in_place(&[1; 12], b"", b).unwrap());
        let reference = small(&|b| portable.encrypt_in_place(&[1; 12].into(), b"", b).unwrap());
        rows.push(row(
            &format!("SM4-GCM, gm AeadKey ({size} B)"),
            mb(ours),
            "MB/s",
            Some(("portable Sm4Gcm, same size", mb(reference))),
            None,
        ));
    }
    // Each path this CPU has, forced: ECB (the bare kernel), CTR and GCM.
    let key = Array::from([7u8; 16]);
    for backend in Backend::available() {
        let cipher = Sm4::with_backend(&key, backend).unwrap();
        // The targets apply to the SM4-GCM gm uses.
        let target = |mode: &str| match backend {
            _ if !mode.starts_with("GCM,") => None,
            Backend::Avx512Gfni | Backend::Avx2Gfni => Some(10.0),
            Backend::Avx2Vaes | Backend::Avx2AesNi => Some(5.0),
            _ => None,
        };
        for (size_label, size) in [("16 KiB", 16384usize), ("1 MiB", 1 << 20)] {
            let mut buf = data[..size].to_vec();
            let ecb = rate(|| {
                let (blocks, _) = Array::slice_as_chunks_mut(&mut buf);
                cipher.encrypt_blocks(blocks);
                black_box(&buf);
            });
            let ctr = rate(|| {
                let mut c = Ctr32BE::<Sm4>::from_core(CtrCore::inner_iv_init(
                    cipher.clone(),
                    &Array::from([1u8; 16]),
                ));
                c.apply_keystream(&mut buf);
                black_box(&buf);
            });
            let nonce = Array::from([1u8; 12]);
            let generic = AesGcm::<Sm4, U12>::from(cipher.clone());
            let generic_rate = rate(|| {
                let tag = generic
                    .encrypt_inout_detached(&nonce, b"", buf.as_mut_slice().into())
                    .unwrap();
                black_box(tag);
            });
            let gcm = Sm4Gcm::from(cipher.clone());
            let gcm_rate = rate(|| {
                let tag = gcm
                    .encrypt_inout_detached(&nonce, b"", buf.as_mut_slice().into())
                    .unwrap();
                black_box(tag);
            });
            let ghash = if gcm.ghash_is_vpclmul() {
                "GCM, VPCLMULQDQ GHASH"
            } else {
                "GCM, ghash crate"
            };
            for (mode, r) in [
                ("ECB", ecb),
                ("CTR", ctr),
                ("GCM as aes-gcm's AesGcm", generic_rate),
                (ghash, gcm_rate),
            ] {
                rows.push(row(
                    &format!("SM4-{mode} {backend} ({size_label})"),
                    mb(r * size as f64),
                    "MB/s",
                    Some(("openssl speed -evp sm4-ctr", ossl_ctr)),
                    target(mode),
                ));
            }
        }
    }

    // Streaming a large file, each direction in its own process so peak RSS is its own.
    let mib: u64 = std::env::var("BENCH_STREAM_MIB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024);
    // Each direction several times, the median kept: the runs include writing and syncing the
    // output file, whose time varies with what else the disk is doing.
    let runs: usize = std::env::var("BENCH_STREAM_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3)
        .max(1);
    // On disk (the temporary directory), and in memory (tmpfs, when there is one) to show the
    // cipher's share apart from the disk's: on disk, a plain copy of the same file (read, write,
    // fsync) is the ceiling, and its row is printed beside.
    let mut places = vec![("on disk", tempfile::tempdir().unwrap())];
    if std::path::Path::new("/dev/shm").is_dir()
        && let Ok(d) = tempfile::tempdir_in("/dev/shm")
    {
        places.push(("in tmpfs", d));
    }
    for (place, dir) in &places {
        let plain = dir.path().join("plain");
        {
            let mut w = BufWriter::new(File::create(&plain).unwrap());
            let block: Vec<u8> = (0..(1 << 20)).map(|i| (i * 31 % 251) as u8).collect();
            for _ in 0..mib {
                w.write_all(&block).unwrap();
            }
            w.into_inner().unwrap().sync_all().unwrap();
        }
        let sealed = dir.path().join("sealed");
        let back = dir.path().join("back");
        let bytes = (mib << 20) as f64;
        let mut enc = Vec::new();
        let mut dec = Vec::new();
        let mut copy = Vec::new();
        let mut ossl = Vec::new();
        // Each run writes a new file: overwriting the file another run has just written (and
        // the copy may share its blocks) measured the file system, not the cipher.
        let fresh = |p: &std::path::Path| {
            let _ = std::fs::remove_file(p);
            p.to_path_buf()
        };
        for _ in 0..runs {
            copy.push(run_child("copy", &plain, &fresh(&back)));
            ossl.push(run_child("openssl", &plain, &fresh(&back)));
            enc.push(run_child("enc", &plain, &fresh(&sealed)));
            dec.push(run_child("dec", &sealed, &fresh(&back)));
        }
        let median = |v: &mut Vec<(f64, u64)>| {
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
            let rss = v.iter().map(|r| r.1).max().unwrap_or(0);
            (v[v.len() / 2].0, rss)
        };
        let (enc_s, enc_rss) = median(&mut enc);
        let (dec_s, dec_rss) = median(&mut dec);
        let (copy_s, _) = median(&mut copy);
        let (ossl_s, _) = median(&mut ossl);
        let ossl_file = mb(bytes / ossl_s);
        let same = std::fs::metadata(&back).unwrap().len() == mib << 20;
        assert!(same, "the decrypted file has the wrong length");
        let label = |what: &str| format!("stream {what} {mib} MiB file {place} (median of {runs})");
        rows.push(row(
            &format!("copy {mib} MiB file {place}, no crypto (read, write, fsync)"),
            mb(bytes / copy_s),
            "MB/s",
            Some(("openssl speed -evp sm4-ctr", ossl_ctr)),
            None,
        ));
        rows.push(row(
            &format!(
                "openssl enc -sm4-ctr {mib} MiB file {place} (read, write, fsync; median of {runs})"
            ),
            ossl_file,
            "MB/s",
            Some(("openssl speed -evp sm4-ctr", ossl_ctr)),
            None,
        ));
        for (what, secs, rss) in [("encrypt", enc_s, enc_rss), ("decrypt", dec_s, dec_rss)] {
            rows.push(row(
                &label(what),
                mb(bytes / secs),
                "MB/s",
                Some(("openssl speed -evp sm4-ctr", ossl_ctr)),
                None,
            ));
            // The target compares like with like: OpenSSL streaming the same file.
            rows.push(row(
                &format!("{} vs OpenSSL on the same file", label(what)),
                mb(bytes / secs),
                "MB/s",
                Some(("openssl enc -sm4-ctr, same file", ossl_file)),
                Some(5.0),
            ));
            rows.push(row(
                &format!("  peak RSS ({what}, {place})"),
                rss as f64 / 1024.0,
                "MiB",
                None,
                None,
            ));
        }
    }

    println!();
    println!("| measurement | ours | reference (same run) | ratio ours/ref | target |");
    println!("|---|---:|---|---:|---|");
    for r in &rows {
        let (refcol, ratio) = match &r.reference {
            Some((name, v)) => (
                format!("{name}: {v:.1} {}", r.unit),
                format!("{:.2}×", r.ours / v),
            ),
            None => ("—".to_string(), "—".to_string()),
        };
        let target = match (r.target, &r.reference) {
            (Some(t), Some((_, v))) => {
                let ok = r.ours / v >= t;
                format!("≥ {t:.1}× {}", if ok { "met" } else { "NOT met" })
            }
            _ if r.unit == "MiB" => {
                let ok = r.ours < 64.0;
                format!("< 64 MiB {}", if ok { "met" } else { "NOT met" })
            }
            _ => "—".to_string(),
        };
        println!(
            "| {} | {:.1} {} | {} | {} | {} |",
            r.what, r.ours, r.unit, refcol, ratio, target
        );
    }
}

//! `scripts/bench-crypto`: our SM2/SM3/SM4-GCM and streaming speeds beside `openssl speed` on the
//! same machine in the same run, with the ratio ours/OpenSSL.
//!
//! Run: `cargo bench -p yizhao-gm --bench crypto` (release build). Environment:
//! `BENCH_SECONDS` (per measurement, default 3), `BENCH_STREAM_MIB` (streamed file, default 1024).

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

use yizhao_gm::aead::{AeadAlgorithm, AeadKey};
use yizhao_gm::stream::{self, DEFAULT_CHUNK_SIZE};
use yizhao_gm::{PrivateKey, SuiteId, sm3, system_rng};

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
    let mut r = BufReader::with_capacity(1 << 20, File::open(input).unwrap());
    let mut w = BufWriter::with_capacity(1 << 20, File::create(output).unwrap());
    let total = std::fs::metadata(input).unwrap().len();
    let start = Instant::now();
    match mode {
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

    // SM4-GCM.
    let ossl_sm4 = openssl_evp("sm4-cbc");
    let gcm = AeadKey::new(AeadAlgorithm::Sm4Gcm, &[7; 16]).unwrap();
    for (label, size) in [
        ("SM4-GCM (16 KiB)", 16384usize),
        ("SM4-GCM (1 MiB)", 1 << 20),
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
            Some(("openssl speed -evp sm4-cbc", mb(ossl_sm4))),
            Some(0.7),
        ));
    }

    // Streaming a large file, each direction in its own process so peak RSS is its own.
    let mib: u64 = std::env::var("BENCH_STREAM_MIB")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024);
    let dir = tempfile::tempdir().unwrap();
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
    let (enc_s, enc_rss) = run_child("enc", &plain, &sealed);
    let (dec_s, dec_rss) = run_child("dec", &sealed, &back);
    let same = std::fs::metadata(&back).unwrap().len() == mib << 20;
    assert!(same, "the decrypted file has the wrong length");
    let stream_label = |dir: &str| format!("stream {dir} {mib} MiB file");
    rows.push(row(
        &stream_label("encrypt"),
        mb(bytes / enc_s),
        "MB/s",
        Some(("openssl speed -evp sm4-cbc", mb(ossl_sm4))),
        None,
    ));
    rows.push(row(
        "  peak RSS (encrypt)",
        enc_rss as f64 / 1024.0,
        "MiB",
        None,
        None,
    ));
    rows.push(row(
        &stream_label("decrypt"),
        mb(bytes / dec_s),
        "MB/s",
        Some(("openssl speed -evp sm4-cbc", mb(ossl_sm4))),
        None,
    ));
    rows.push(row(
        "  peak RSS (decrypt)",
        dec_rss as f64 / 1024.0,
        "MiB",
        None,
        None,
    ));

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

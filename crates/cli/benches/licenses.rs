//! `scripts/bench-licenses`: license downloads and status checks per second against a real
//! `yizhao serve` release process on loopback, on SQLite and on PostgreSQL, beside the bound that
//! SM2 sets on this machine (measured in the same run).
//!
//! Each download costs the server about one SM2 verify (the device key's proof of possession)
//! and one SM2 sign (the license certificate); each status check one verify (the certificate's
//! issuer signature) and one sign (the answer). So either rate is at most
//! `cores × 1/(1/sign + 1/verify)`, with sign/s and verify/s measured single-threaded here.
//!
//! Device keys and their proofs of possession are made before the timed window, so the window
//! measures the server (the bench's HTTP client still shares the cores; its CPU time is
//! reported).
//!
//! Run: `cargo bench -p yizhao --bench licenses`. Environment: `BENCH_SECONDS` (each timed
//! window, default 10), `BENCH_CLIENTS` (concurrent clients, default 8), `BENCH_KEYS` (device
//! keys made in advance per backend, default 8192; reused round-robin if the window needs more),
//! `BENCH_POSTGRES` (admin URL parts for `psql`, default `-h 127.0.0.1 -U postgres`; `off` skips
//! PostgreSQL).

// A benchmark reads the clock; that is its job. A panic is its failure report.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs
)]

#[path = "common/mod.rs"]
mod common;

use common::*;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use yizhao_gm::{PrivateKey, SuiteId, system_rng};
use yizhao_proto::authority::{DownloadRequest, StatusRequest, download_pop_message};
use yizhao_wallet::Client;

fn seconds() -> f64 {
    env_num("BENCH_SECONDS", 10.0)
}

/// What one timed window measured.
struct Window {
    ok: usize,
    errors: usize,
    first_error: Option<String>,
    secs: f64,
    p50_ms: f64,
    p99_ms: f64,
    server_cpu: f64,
    client_cpu: f64,
    /// Busy share of all the machine's cores (the server, the bench, PostgreSQL, anything else).
    machine_busy: f64,
}

impl Window {
    fn per_sec(&self) -> f64 {
        self.ok as f64 / self.secs
    }
}

/// One outcome of a request: its latency and the error, if any.
type Outcome = (Duration, Result<(), String>);

/// Run `clients` tasks, each calling `op(i)` with a fresh index until the window closes.
async fn window<F, Fut>(clients: usize, secs: f64, server_pid: &str, op: F) -> Window
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), String>> + Send + 'static,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicUsize::new(0));
    let server_cpu0 = cpu_seconds(server_pid);
    let client_cpu0 = cpu_seconds("self");
    let machine0 = machine_ticks();
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let op = op.clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut out: Vec<Outcome> = Vec::new();
            while Instant::now() < deadline {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let t0 = Instant::now();
                let r = op(i).await;
                out.push((t0.elapsed(), r));
            }
            out
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let secs = start.elapsed().as_secs_f64();
    let server_cpu = (cpu_seconds(server_pid) - server_cpu0) / secs;
    let client_cpu = (cpu_seconds("self") - client_cpu0) / secs;
    let machine1 = machine_ticks();
    let machine_busy = (machine1.0 - machine0.0) / (machine1.1 - machine0.1).max(1.0);
    let mut lat: Vec<Duration> = all
        .iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(d, _)| *d)
        .collect();
    lat.sort();
    let errors: Vec<&String> = all.iter().filter_map(|(_, r)| r.as_ref().err()).collect();
    Window {
        ok: lat.len(),
        errors: errors.len(),
        first_error: errors.first().map(|s| (*s).clone()),
        secs,
        p50_ms: percentile(&lat, 50.0),
        p99_ms: percentile(&lat, 99.0),
        server_cpu,
        client_cpu,
        machine_busy,
    }
}

/// One backend's results.
struct Backend {
    name: &'static str,
    download: Window,
    status: Window,
    people: usize,
    enterprises: usize,
    keys: usize,
    keygen_secs: f64,
    clean_exit: bool,
}

/// `n` download requests with fresh device keys and their proofs, made on every core.
fn make_requests(
    pairs: &[(String, String)],
    n: usize,
    declaration: &str,
) -> Vec<(String, DownloadRequest)> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunks: Vec<Vec<(String, DownloadRequest)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    let mut rng = system_rng();
                    (t..n)
                        .step_by(threads)
                        .map(|i| {
                            let (token, uscc) = &pairs[i % pairs.len()];
                            let key = PrivateKey::generate(SuiteId::Gm, &mut rng);
                            let spki = key.public_key().to_spki_der().unwrap();
                            let pop = key.sign(&download_pop_message(token, uscc, &spki)).unwrap();
                            (
                                token.clone(),
                                DownloadRequest {
                                    uscc: uscc.clone(),
                                    grant_id: None,
                                    accepted_declaration: Some(declaration.to_owned()),
                                    device_public_key: spki,
                                    proof_of_possession: pop,
                                },
                            )
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    chunks.into_iter().flatten().collect()
}

fn run_backend(name: &'static str, database: Option<&str>) -> Backend {
    let clients: usize = env_num("BENCH_CLIENTS", 8);
    let keys: usize = env_num("BENCH_KEYS", 8192).max(1);
    let secs = seconds();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, database);
    let pid = server.pid();
    let url = format!("http://{}", server.addr);
    // The client side runs on one thread, so it takes at most one core from the server.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = Client::new(&url).unwrap();

    let (pairs, people, declaration) = rt.block_on(async {
        let declaration = client.declaration().await.expect("declaration").version;
        let (pairs, people) = verify_people(&client).await;
        (pairs, people, declaration)
    });
    let enterprises = pairs.len();
    eprintln!("{name}: {people} legal representatives verified, {enterprises} enterprises");

    let t0 = Instant::now();
    let requests = Arc::new(make_requests(&pairs, keys, &declaration));
    let keygen_secs = t0.elapsed().as_secs_f64();
    eprintln!("{name}: {keys} device keys and proofs made in {keygen_secs:.1} s");

    let certs = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (download, status) = rt.block_on(async {
        // Warm-up: open the connections, fill the caches; not timed.
        for (token, req) in requests.iter().take(clients) {
            let d = client.download(token, req).await.expect("warm-up download");
            certs.lock().unwrap().push(d.certificate);
        }
        let download = {
            let (client, requests, certs) = (client.clone(), requests.clone(), certs.clone());
            window(clients, secs, &pid, move |i| {
                let (client, requests, certs) = (client.clone(), requests.clone(), certs.clone());
                async move {
                    let (token, req) = &requests[i % requests.len()];
                    let d = client
                        .download(token, req)
                        .await
                        .map_err(|e| e.to_string())?;
                    let mut c = certs.lock().unwrap();
                    if c.len() < 4096 {
                        c.push(d.certificate);
                    }
                    Ok(())
                }
            })
            .await
        };
        eprintln!(
            "{name}: downloads {:.1}/s ({} errors)",
            download.per_sec(),
            download.errors
        );
        let certs: Arc<Vec<Vec<u8>>> = Arc::new(certs.lock().unwrap().clone());
        let status = {
            let client = client.clone();
            window(clients, secs, &pid, move |i| {
                let (client, certs) = (client.clone(), certs.clone());
                async move {
                    let r = client
                        .status(&StatusRequest {
                            certificate: certs[i % certs.len()].clone(),
                            matter: None,
                        })
                        .await
                        .map_err(|e| e.to_string())?;
                    if r.body.contains("\"usable\":true") {
                        Ok(())
                    } else {
                        Err(format!("not usable: {}", r.body))
                    }
                }
            })
            .await
        };
        eprintln!(
            "{name}: status checks {:.1}/s ({} errors)",
            status.per_sec(),
            status.errors
        );
        (download, status)
    });
    drop(rt);
    let clean_exit = server.stop();
    Backend {
        name,
        download,
        status,
        people,
        enterprises,
        keys,
        keygen_secs,
        clean_exit,
    }
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let clients: usize = env_num("BENCH_CLIENTS", 8);

    // The bound: SM2 sign and verify, one thread each, as the crypto bench measures them.
    let crypto_secs = seconds().clamp(1.0, 3.0);
    let mut rng = system_rng();
    let key = PrivateKey::generate(SuiteId::Gm, &mut rng);
    let pk = key.public_key();
    let msg = [0x42u8; 32];
    let sig = key.sign(&msg).unwrap();
    let sign = rate(crypto_secs, || {
        black_box(key.sign(black_box(&msg)).unwrap());
    });
    let verify = rate(crypto_secs, || pk.verify(black_box(&msg), &sig).unwrap());
    let per_core = 1.0 / (1.0 / sign + 1.0 / verify);
    let bound = cores as f64 * per_core;
    eprintln!("SM2 sign {sign:.1}/s, verify {verify:.1}/s, bound {bound:.1}/s on {cores} cores");

    let mut backends = vec![run_backend("SQLite", None)];
    let admin =
        std::env::var("BENCH_POSTGRES").unwrap_or_else(|_| "-h 127.0.0.1 -U postgres".into());
    let mut skipped = None;
    if admin == "off" {
        skipped = Some("PostgreSQL skipped (BENCH_POSTGRES=off)".to_owned());
    } else {
        let admin: Vec<String> = admin.split_whitespace().map(String::from).collect();
        match PgDatabase::create(admin, "yz_bench") {
            Ok(db) => {
                let url = db.url();
                backends.push(run_backend("PostgreSQL", Some(&url)));
                drop(db);
            }
            Err(e) => skipped = Some(format!("PostgreSQL skipped: cannot create a database: {e}")),
        }
    }

    println!();
    println!(
        "SM2 (one thread, same run): sign {sign:.1} op/s, verify {verify:.1} op/s. Each download \
         costs about one signature and one verify, so downloads/s ≤ cores × 1/(1/sign + \
         1/verify) = {cores} × {per_core:.1} = {bound:.1}/s; a status check is 1 verify + 1 sign \
         too, same bound. {clients} concurrent clients, {:.0} s windows.",
        seconds()
    );
    println!();
    println!("| measurement | ours | p50 | p99 | bound (same run) | ratio ours/bound | target |");
    println!("|---|---:|---:|---:|---|---:|---|");
    println!("| SM2 sign, 1 thread | {sign:.1} op/s | — | — | — | — | — |");
    println!("| SM2 verify, 1 thread | {verify:.1} op/s | — | — | — | — | — |");
    for b in &backends {
        for (what, w) in [
            ("license download", &b.download),
            ("status check", &b.status),
        ] {
            let ratio = w.per_sec() / bound;
            let target = if b.name == "SQLite" {
                format!("≥ 30% {}", if ratio >= 0.30 { "met" } else { "NOT met" })
            } else {
                "—".to_owned()
            };
            println!(
                "| {}: {what} | {:.1} /s | {:.1} ms | {:.1} ms | {cores} × 1/(1/sign+1/verify) = {bound:.1} /s | {:.1}% | {target} |",
                b.name,
                w.per_sec(),
                w.p50_ms,
                w.p99_ms,
                ratio * 100.0
            );
        }
    }
    println!();
    for b in &backends {
        for (what, w) in [("downloads", &b.download), ("status checks", &b.status)] {
            println!(
                "- {} {what}: {} ok, {} errors{} in {:.1} s; CPU during the window: server {:.0}% \
                 of one core, bench client {:.0}%, whole machine {:.0}% busy of {cores} cores.",
                b.name,
                w.ok,
                w.errors,
                w.first_error
                    .as_ref()
                    .map(|e| format!(" (first: {e})"))
                    .unwrap_or_default(),
                w.secs,
                w.server_cpu * 100.0,
                w.client_cpu * 100.0,
                w.machine_busy * 100.0
            );
        }
        let distinct = (b.download.ok + b.download.errors + clients).min(b.keys);
        println!(
            "- {}: {} legal representatives verified for {} enterprises; {} device keys and \
             proofs made before the window in {:.1} s ({} distinct keys used); server stopped \
             with SIGTERM: {}.",
            b.name,
            b.people,
            b.enterprises,
            b.keys,
            b.keygen_secs,
            distinct,
            if b.clean_exit {
                "clean exit"
            } else {
                "NOT clean"
            }
        );
    }
    if let Some(s) = skipped {
        println!("- {s}");
    }
}

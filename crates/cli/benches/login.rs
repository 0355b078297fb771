//! `scripts/bench-login`: QR logins per second against a real `yizhao serve --demo-data
//! --dev-outbox` release process on loopback, on SQLite and on PostgreSQL, beside the bound
//! that SM2 sets on this machine (measured in the same run).
//!
//! One login is the whole QR flow (SYSTEM.md §4), PC and phone played by one task: the PC page
//! asks for a request (`POST /platform/api/v1/qr`, gets the `yz_pc` cookie), the phone fetches
//! it (`GET /qr/{id}`), signs and posts the answer with its license (`POST /qr/{id}/answer`,
//! gets the short code), the PC confirms the code (`POST /platform/api/v1/qr/{id}/confirm`,
//! gets `completed` and the `yz_member` cookie). The server does per login 2 SM2 signs (the
//! request, the status answer) and 2 verifies (the answer signature, the license certificate's
//! issuer signature), so logins/s ≤ `cores / (2/sign + 2/verify)`, with sign/s and verify/s
//! measured single-threaded here (the bound the QR issue sets). Since the platform asks the
//! authority for the unsigned in-process status and the authority remembers the certificates
//! it verified, the server actually does 1 sign and 1 verify per login; that bound is printed
//! too. The phones skip checking the platform's certificate (to keep
//! the client's CPU low) but sign every answer; the bench's client shares the cores and its
//! CPU time is reported.
//!
//! Licenses: one per enterprise of the demo registry, downloaded by its legal representative
//! (real-name verification through the dev outbox) before the timed window.
//!
//! Run: `cargo bench -p yizhao --bench login`. Environment: `BENCH_SECONDS` (timed window,
//! default 30), `BENCH_CLIENTS` (concurrent logins, default 32: a crowd
//! logging in at the start of a bid opening), `BENCH_POSTGRES` (admin URL
//! parts for `psql`, default `-h 127.0.0.1 -U postgres`; `off` skips PostgreSQL).

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
use yizhao_proto::authority::{DownloadRequest, DownloadedLicense, download_pop_message};
use yizhao_proto::qr::{
    QrAnswer, QrConfirm, QrCreated, QrRequestBody, QrStatus, parse_qr_link, qr_answer_message,
};
use yizhao_wallet::Client;

fn seconds() -> f64 {
    env_num("BENCH_SECONDS", 30.0)
}

/// How many logins run at once.
fn clients() -> usize {
    env_num("BENCH_CLIENTS", 32)
}

/// What one backend's timed window measured.
struct Window {
    name: &'static str,
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
    licenses: usize,
    clean_exit: bool,
}

impl Window {
    fn per_sec(&self) -> f64 {
        self.ok as f64 / self.secs
    }
}

/// A phone's license: its key and the downloaded certificate.
type License = (PrivateKey, DownloadedLicense);

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The `name=value` pair of a `Set-Cookie` header of `resp`.
fn set_cookie(resp: &reqwest::Response, name: &str) -> Option<String> {
    resp.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|kv| kv.split('=').next() == Some(name))
        .map(str::to_owned)
}

/// One full login by a fresh PC browser and a phone holding `lic`.
async fn login(
    http: &reqwest::Client,
    wallet: &Client,
    url: &str,
    lic: &License,
) -> Result<(), String> {
    // PC: a new login request; the server gives the browser its session cookie.
    let r = http
        .post(format!("{url}/platform/api/v1/qr"))
        .json(&serde_json::json!({"kind": "login"}))
        .send()
        .await
        .map_err(text)?;
    if !r.status().is_success() {
        return Err(format!(
            "create: {} {}",
            r.status(),
            r.text().await.unwrap_or_default()
        ));
    }
    let pc = set_cookie(&r, "yz_pc").ok_or("create: no yz_pc cookie")?;
    let created: QrCreated = r.json().await.map_err(text)?;
    let (base, id) = parse_qr_link(&created.link).ok_or("create: bad link")?;
    // Phone: fetch the signed request, answer it with the license key.
    let signed = wallet.qr_request(&base, &id).await.map_err(text)?;
    let body: QrRequestBody = serde_json::from_str(&signed.body).map_err(text)?;
    let (key, license) = lic;
    let answer = QrAnswer {
        request_id: body.id,
        nonce: body.nonce.clone(),
        certificate: license.certificate.clone(),
        chain: license.chain.clone(),
        signature: key
            .sign(&qr_answer_message(&signed.body, &body.nonce))
            .map_err(text)?,
        payload: serde_json::Value::Null,
    };
    let answered = wallet.qr_answer(&base, &id, &answer).await.map_err(text)?;
    let code = answered.short_code.ok_or("answer: no short code")?;
    // PC: confirm the code the phone shows; the browser is logged in.
    let r = http
        .post(format!("{url}/platform/api/v1/qr/{id}/confirm"))
        .header(reqwest::header::COOKIE, pc)
        .json(&QrConfirm { code })
        .send()
        .await
        .map_err(text)?;
    if !r.status().is_success() {
        return Err(format!(
            "confirm: {} {}",
            r.status(),
            r.text().await.unwrap_or_default()
        ));
    }
    let member = set_cookie(&r, "yz_member");
    let st: QrStatus = r.json().await.map_err(text)?;
    match (st.state.as_str(), member) {
        ("completed", Some(_)) => Ok(()),
        (state, member) => Err(format!(
            "confirm: state {state}, yz_member cookie {member:?}"
        )),
    }
}

/// Real-name verification of each enterprise's legal representative, then one license per
/// enterprise with a fresh device key.
async fn licenses(client: &Client) -> Vec<License> {
    let declaration = client.declaration().await.expect("declaration").version;
    let (pairs, _) = verify_people(client).await;
    let mut rng = system_rng();
    let mut out = Vec::new();
    for (token, uscc) in pairs {
        let token = &token;
        let key = PrivateKey::generate(SuiteId::Gm, &mut rng);
        let spki = key.public_key().to_spki_der().unwrap();
        let pop = key
            .sign(&download_pop_message(token, &uscc, &spki))
            .unwrap();
        let req = DownloadRequest {
            uscc,
            grant_id: None,
            accepted_declaration: Some(declaration.clone()),
            device_public_key: spki,
            proof_of_possession: pop,
        };
        let license = client.download(token, &req).await.expect("download");
        out.push((key, license));
    }
    out
}

/// One outcome of a login: its latency and the error, if any.
type Outcome = (Duration, Result<(), String>);

fn run_backend(name: &'static str, database: Option<&str>) -> Window {
    let clients = clients();
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
    let wallet = Client::new(&url).unwrap();
    let http = reqwest::Client::new();
    let lics = Arc::new(rt.block_on(licenses(&wallet)));
    eprintln!("{name}: {} licenses downloaded", lics.len());

    // Warm-up: open the connections, fill the caches; not timed.
    rt.block_on(async {
        for lic in lics.iter().take(clients) {
            login(&http, &wallet, &url, lic)
                .await
                .expect("warm-up login");
        }
    });

    let server_cpu0 = cpu_seconds(&pid);
    let client_cpu0 = cpu_seconds("self");
    let machine0 = machine_ticks();
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(secs);
    let next = Arc::new(AtomicUsize::new(0));
    let all: Vec<Outcome> = rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..clients {
            let (http, wallet, url) = (http.clone(), wallet.clone(), url.clone());
            let (next, lics) = (next.clone(), lics.clone());
            set.spawn(async move {
                let mut out: Vec<Outcome> = Vec::new();
                while Instant::now() < deadline {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let t0 = Instant::now();
                    let r = login(&http, &wallet, &url, &lics[i % lics.len()]).await;
                    out.push((t0.elapsed(), r));
                }
                out
            });
        }
        let mut all = Vec::new();
        while let Some(r) = set.join_next().await {
            all.extend(r.unwrap());
        }
        all
    });
    let secs = start.elapsed().as_secs_f64();
    let server_cpu = (cpu_seconds(&pid) - server_cpu0) / secs;
    let client_cpu = (cpu_seconds("self") - client_cpu0) / secs;
    let machine1 = machine_ticks();
    let machine_busy = (machine1.0 - machine0.0) / (machine1.1 - machine0.1).max(1.0);
    drop(rt);
    let clean_exit = server.stop();

    let mut lat: Vec<Duration> = all
        .iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(d, _)| *d)
        .collect();
    lat.sort();
    let errors: Vec<&String> = all.iter().filter_map(|(_, r)| r.as_ref().err()).collect();
    let w = Window {
        name,
        ok: lat.len(),
        errors: errors.len(),
        first_error: errors.first().map(|s| (*s).clone()),
        secs,
        p50_ms: percentile(&lat, 50.0),
        p99_ms: percentile(&lat, 99.0),
        server_cpu,
        client_cpu,
        machine_busy,
        licenses: lics.len(),
        clean_exit,
    };
    eprintln!("{name}: {:.1} logins/s ({} errors)", w.per_sec(), w.errors);
    w
}

fn main() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let clients = clients();

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
    // Per login the server makes 2 signs and 2 verifies.
    let per_core = 1.0 / (2.0 / sign + 2.0 / verify);
    let bound = cores as f64 * per_core;
    // What the server does today: one sign (the request) and one verify (the answer); the
    // status is asked in process without a signature and the authority remembers the license
    // certificates whose issuer signature it verified.
    let bound_1 = cores as f64 / (1.0 / sign + 1.0 / verify);
    eprintln!("SM2 sign {sign:.1}/s, verify {verify:.1}/s, bound {bound:.1} logins/s");

    let mut backends = vec![run_backend("SQLite", None)];
    let admin =
        std::env::var("BENCH_POSTGRES").unwrap_or_else(|_| "-h 127.0.0.1 -U postgres".into());
    let mut skipped = None;
    if admin == "off" {
        skipped = Some("PostgreSQL skipped (BENCH_POSTGRES=off)".to_owned());
    } else {
        let admin: Vec<String> = admin.split_whitespace().map(String::from).collect();
        match PgDatabase::create(admin, "yz_bench_login") {
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
        "SM2 (one thread, same run): sign {sign:.1} op/s, verify {verify:.1} op/s. Per login the \
         server makes 2 signatures (the request, the status answer) and 2 verifies (the answer, \
         the license certificate's issuer signature), so logins/s ≤ cores / (2/sign + 2/verify) \
         = {cores} × {per_core:.1} = {bound:.1}/s. {clients} concurrent logins (PC + phone \
         each), {:.0} s window. (The server in fact makes 1 sign (the request) and 1 verify (the \
         answer) per login: the platform asks the authority for the status in process, unsigned, \
         and the authority verifies a license certificate's issuer signature once and remembers \
         it; its SM2 work alone would allow cores / (1/sign + 1/verify) = {bound_1:.1}/s.)",
        seconds()
    );
    println!();
    println!("| measurement | ours | p50 | p99 | bound (same run) | ratio ours/bound | target |");
    println!("|---|---:|---:|---:|---|---:|---|");
    println!("| SM2 sign, 1 thread | {sign:.1} op/s | — | — | — | — | — |");
    println!("| SM2 verify, 1 thread | {verify:.1} op/s | — | — | — | — | — |");
    for w in &backends {
        let ratio = w.per_sec() / bound;
        let target = if w.name == "SQLite" {
            format!("≥ 50% {}", if ratio >= 0.50 { "met" } else { "NOT met" })
        } else {
            "—".to_owned()
        };
        println!(
            "| {}: QR login (create → fetch → answer → confirm) | {:.1} /s | {:.1} ms | {:.1} ms | {cores} / (2/sign+2/verify) = {bound:.1} /s | {:.1}% | {target} |",
            w.name,
            w.per_sec(),
            w.p50_ms,
            w.p99_ms,
            ratio * 100.0
        );
    }
    println!();
    for w in &backends {
        println!(
            "- {}: {} logins ok, {} errors{} in {:.1} s with {} licenses (one per demo \
             enterprise); CPU during the window: server {:.0}% of one core, bench client {:.0}%, \
             whole machine {:.0}% busy of {cores} cores; {:.1}% of the 1 + 1 bound; exit on \
             SIGTERM: {}.",
            w.name,
            w.ok,
            w.errors,
            w.first_error
                .as_ref()
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default(),
            w.secs,
            w.licenses,
            w.server_cpu * 100.0,
            w.client_cpu * 100.0,
            w.machine_busy * 100.0,
            w.per_sec() / bound_1 * 100.0,
            if w.clean_exit { "clean" } else { "NOT clean" }
        );
    }
    if let Some(s) = skipped {
        println!("- {s}");
    }
}

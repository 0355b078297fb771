//! What the benchmarks against a real `yizhao serve` share: a server process, a fresh
//! PostgreSQL database, CPU accounting, latency percentiles, the SM2 rate loop.

// Each bench uses part of this module.
#![allow(dead_code)]

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const KEY_PASSWORD: &str = "bench-key-password";

pub fn env_num<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Run `f` repeatedly for about `secs`; returns operations per second.
pub fn rate(secs: f64, mut f: impl FnMut()) -> f64 {
    let budget = Duration::from_secs_f64(secs);
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

/// Clock ticks per second of `/proc/*/stat`.
pub fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// User + system CPU seconds of a process so far (Linux), 0 if unknown.
pub fn cpu_seconds(pid: &str) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    // After the command name: state is field 3, utime field 14, stime field 15.
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / clock_ticks()
}

/// (busy, total) CPU ticks of the whole machine so far, from `/proc/stat` (Linux).
pub fn machine_ticks() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().next() else {
        return (0.0, 0.0);
    };
    let v: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: f64 = v.iter().sum();
    // idle and iowait are not busy.
    let idle = v.get(3).copied().unwrap_or(0.0) + v.get(4).copied().unwrap_or(0.0);
    (total - idle, total)
}

pub fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// A plain HTTP/1.1 GET; `None` while nothing answers yet.
pub fn http_get(addr: SocketAddr, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    response.split(' ').nth(1)?.parse().ok()
}

/// A `yizhao serve` process; killed on drop if still running (e.g. after a panic).
pub struct Server {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Server {
    pub fn start(data: &Path, database: Option<&str>) -> Server {
        let addr = free_addr();
        let log = std::fs::File::create(data.with_extension("log")).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_yizhao"));
        cmd.args([
            "serve",
            "--demo-data",
            "--dev-outbox",
            "--listen",
            &addr.to_string(),
            "--data",
        ])
        .arg(data)
        .env("YIZHAO_KEY_PASSWORD", KEY_PASSWORD)
        .env_remove("YIZHAO_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(log);
        if let Some(url) = database {
            cmd.args(["--database", url]);
        }
        let mut child = cmd.spawn().expect("cannot start yizhao serve");
        for _ in 0..300 {
            if http_get(addr, "/healthz") == Some(200) {
                return Server { child, addr };
            }
            if let Some(status) = child.try_wait().unwrap() {
                let log = std::fs::read_to_string(data.with_extension("log")).unwrap_or_default();
                panic!("yizhao serve exited early with {status}:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        panic!("no 200 from http://{addr}/healthz within 30 s");
    }

    pub fn pid(&self) -> String {
        self.child.id().to_string()
    }

    /// SIGTERM, then wait (about 10 s) for a clean exit.
    pub fn stop(mut self) -> bool {
        let _ = Command::new("kill").args(["-TERM", &self.pid()]).status();
        for _ in 0..100 {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A fresh PostgreSQL database, dropped on drop.
pub struct PgDatabase {
    admin: Vec<String>,
    name: String,
}

impl PgDatabase {
    pub fn psql(admin: &[String], sql: &str) -> Result<(), String> {
        let out = Command::new("psql")
            .args(admin)
            .args(["-d", "postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
            .output()
            .map_err(|e| format!("psql: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }

    pub fn create(admin: Vec<String>, prefix: &str) -> Result<PgDatabase, String> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let name = format!("{prefix}_{:x}{:08x}", std::process::id(), nanos);
        Self::psql(&admin, &format!("CREATE DATABASE {name}"))?;
        Ok(PgDatabase { admin, name })
    }

    /// `postgres://user@host:port/name` from the admin arguments (`-h`, `-p`, `-U`).
    pub fn url(&self) -> String {
        let arg = |flag: &str, default: &str| {
            self.admin
                .iter()
                .position(|a| a == flag)
                .and_then(|i| self.admin.get(i + 1))
                .cloned()
                .unwrap_or_else(|| default.to_owned())
        };
        format!(
            "postgres://{}@{}:{}/{}",
            arg("-U", "postgres"),
            arg("-h", "127.0.0.1"),
            arg("-p", "5432"),
            self.name
        )
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Err(e) = Self::psql(
            &self.admin,
            &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        ) {
            eprintln!("could not drop {}: {e}", self.name);
        }
    }
}

/// Latency percentile (nearest rank) in milliseconds.
pub fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1].as_secs_f64() * 1e3
}

/// Real-name verification of every legal representative of the demo registry; returns
/// (token, uscc) per enterprise and the number of people.
pub async fn verify_people(client: &yizhao_wallet::Client) -> (Vec<(String, String)>, usize) {
    let mut tokens = std::collections::HashMap::new();
    let mut pairs = Vec::new();
    for e in yizhao_domain::registry::demo_registry() {
        let p = &e.legal_representative;
        let id = p.id_number.as_str().to_owned();
        if !tokens.contains_key(&id) {
            let started = client
                .realname(&yizhao_proto::authority::RealNameRequest {
                    name: p.name.clone(),
                    id_number: id.clone(),
                    phone: p.phone.as_str().into(),
                })
                .await
                .expect("realname");
            let outbox = client.outbox(p.phone.as_str()).await.expect("outbox");
            let code = outbox.first().expect("a code in the outbox").code.clone();
            let verified = client
                .realname_confirm(&yizhao_proto::authority::RealNameConfirm {
                    session: started.session,
                    code,
                })
                .await
                .expect("realname confirm");
            tokens.insert(id.clone(), verified.token);
        }
        pairs.push((tokens[&id].clone(), e.uscc.as_str().to_owned()));
    }
    let people = tokens.len();
    (pairs, people)
}

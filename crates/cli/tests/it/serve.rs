//! `serve` and `demo` as real processes: health check, then a clean exit on SIGTERM.
#![cfg(unix)]

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;

use crate::{Running, free_addr, terminate, wait_for_exit, wait_for_ok, yizhao};

fn assert_healthy(body: &str) {
    let json: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        json,
        serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") })
    );
}

#[test]
fn serve_answers_healthz_and_stops_on_sigterm() {
    let addr = free_addr();
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let child = yizhao()
        .args(["serve", "--listen", &addr.to_string(), "--data"])
        .arg(&data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);

    let body = wait_for_ok(addr, "/healthz", &mut running.0);
    assert_healthy(&body);
    assert!(data.is_dir(), "the data folder was not created");
    // ID numbers, phones and password hashes are for this user only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700, "data folder");
        for file in [
            "yizhao.db",
            "yizhao.db-wal",
            "yizhao.db-shm",
            "authority-key-password",
        ] {
            let path = data.join(file);
            if path.exists() {
                assert_eq!(mode(&path), 0o600, "{file}");
            }
        }
        assert!(data.join("yizhao.db").exists());
    }

    terminate(&running.0);
    let status = wait_for_exit(&mut running.0);
    assert!(status.success(), "exit status {status}");
}

#[test]
fn demo_prints_its_banner_serves_and_cleans_up_on_sigterm() {
    let addr = free_addr();
    let child = yizhao()
        .args(["demo", "--listen", &addr.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);

    let stdout = running.0.stdout.take().unwrap();
    let mut banner = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        let last = line.starts_with("正在服务");
        banner.push(line);
        if last {
            break;
        }
    }
    let url = format!("http://{addr}/");
    assert!(banner[0].starts_with("yizhao 演示"), "{banner:?}");
    // The scenario's steps that are built were played, each with its outcome.
    for step in ["1. 张伟", "2. 张伟添加李娜", "3. 张伟"] {
        assert!(
            banner.iter().any(|l| l.starts_with(step)),
            "step {step} missing: {banner:?}"
        );
    }
    assert!(
        banner.iter().any(|l| l.contains("短信验证码")),
        "outbox codes: {banner:?}"
    );
    assert!(
        banner.iter().any(|l| l.contains("已注册为投标人")),
        "{banner:?}"
    );
    assert!(
        banner
            .iter()
            .any(|l| l.starts_with("6.") && l.contains("完整")),
        "{banner:?}"
    );
    assert!(
        banner.last().is_some_and(|l| l.starts_with("正在服务")),
        "{banner:?}"
    );
    assert!(banner.iter().any(|l| l.contains(&url)), "{banner:?}");
    let data = banner
        .iter()
        .find_map(|l| l.trim().strip_prefix("数据目录："))
        .map(|p| std::path::PathBuf::from(p.trim()))
        .unwrap();
    assert!(data.is_dir(), "{} missing", data.display());

    let body = wait_for_ok(addr, "/healthz", &mut running.0);
    assert_healthy(&body);

    terminate(&running.0);
    let status = wait_for_exit(&mut running.0);
    assert!(status.success(), "exit status {status}");
    assert!(!data.exists(), "{} left behind", data.display());
}

#[test]
fn wallet_serve_prints_its_address_first_serves_the_phone_and_stops_on_sigterm() {
    let home = tempfile::tempdir().unwrap();
    let child = yizhao()
        .args(["wallet", "--home"])
        .arg(home.path())
        .args([
            "--server",
            "http://127.0.0.1:9",
            "serve",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);

    let stdout = running.0.stdout.take().unwrap();
    let first = BufReader::new(stdout).lines().next().unwrap().unwrap();
    let addr = first
        .strip_prefix("phone: http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("first line: {first}"));
    let addr: std::net::SocketAddr = addr.parse().unwrap();
    assert_ne!(addr.port(), 0);
    assert!(addr.ip().is_loopback());

    // The pages ask for the device password first, and say it is still the default.
    let page = wait_for_ok(addr, "/login", &mut running.0);
    assert!(page.contains("电子营业执照"), "{page}");
    assert!(page.contains("id=\"login-password\""), "{page}");
    assert!(page.contains("当前执照密码仍为默认密码 123456"), "{page}");
    let (status, _) = crate::get(addr, "/").unwrap();
    assert_eq!(status, 303, "no session, no home page");

    terminate(&running.0);
    let status = wait_for_exit(&mut running.0);
    assert!(status.success(), "exit status {status}");
}

/// A plain HTTP/1.1 `POST` with an empty JSON body; the status.
fn post(addr: std::net::SocketAddr, path: &str) -> u16 {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response.split(' ').nth(1).unwrap().parse().unwrap()
}

/// The limit flags reach the running server, which keys them on the connection's peer.
#[test]
fn serve_applies_its_rate_limit_settings() {
    let addr = free_addr();
    let root = tempfile::tempdir().unwrap();
    let child = yizhao()
        .args(["serve", "--listen", &addr.to_string(), "--data"])
        .arg(root.path().join("data"))
        .args([
            "--qr-rate-per-address",
            "3/1",
            "--challenge-rate-per-address",
            "2/1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    wait_for_ok(addr, "/healthz", &mut running.0);
    let qr: Vec<u16> = (0..5).map(|_| post(addr, "/platform/api/v1/qr")).collect();
    assert_eq!(qr, [200, 200, 200, 429, 429]);
    let challenges: Vec<u16> = (0..3)
        .map(|_| post(addr, "/authority/api/v1/challenges"))
        .collect();
    assert_eq!(challenges, [200, 200, 429]);
    terminate(&running.0);
    assert!(wait_for_exit(&mut running.0).success());
}

/// One raw HTTP/1.1 exchange: the status, the headers (lower-cased names) and the body.
fn exchange(addr: std::net::SocketAddr, request: &str) -> (u16, String, String) {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_lowercase(), body.to_owned())
}

/// The back-office login limit flags reach the running server: with
/// `--login-failures-per-account 2`, the third attempt is refused as locked, before any
/// password is checked.
#[test]
fn serve_applies_its_back_office_login_limits() {
    let addr = free_addr();
    let root = tempfile::tempdir().unwrap();
    let child = yizhao()
        .args(["serve", "--listen", &addr.to_string(), "--data"])
        .arg(root.path().join("data"))
        .args(["--login-failures-per-account", "2", "--login-lock", "600"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    wait_for_ok(addr, "/healthz", &mut running.0);

    let (status, head, body) = exchange(
        addr,
        &format!("GET /backoffice/login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    );
    assert_eq!(status, 200);
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned();
    let csrf = body
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let statuses: Vec<u16> = (0..3)
        .map(|_| {
            let form = format!("csrf={csrf}&username=w1&password=wrong");
            let (status, _, _) = exchange(
                addr,
                &format!(
                    "POST /backoffice/login HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\
                     Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{form}",
                    form.len()
                ),
            );
            status
        })
        .collect();
    assert_eq!(statuses, [401, 401, 429]);
    terminate(&running.0);
    assert!(wait_for_exit(&mut running.0).success());
}

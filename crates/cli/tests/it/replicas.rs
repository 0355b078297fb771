//! Two `yizhao serve` replicas over one PostgreSQL database: a QR login made through one and
//! answered through the other moves the PC page on the first within a second (the change
//! travels by PostgreSQL's NOTIFY, not by polling), and the member session it opens is known to
//! both.

// The test measures real latency between two processes, which no Clock port reaches.
#![allow(clippy::disallowed_methods)]

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;
use yizhao_domain::registry::{demo_person, demo_registry_entry};

use crate::harness::{COMPANY, Server, Wallet};

/// One HTTP/1.1 request with a `Cookie` header; status, `Set-Cookie` pairs and body.
pub(crate) fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    cookie: &str,
    body: Option<&Value>,
) -> (u16, Vec<String>, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nCookie: {cookie}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let cookies = head
        .lines()
        .filter_map(|l| l.strip_prefix("set-cookie: "))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .collect();
    (status, cookies, body.to_owned())
}

/// Opens the request's event stream and reports, through the channel, when a `status` event
/// with `state` arrives.
fn wait_for_state(
    addr: SocketAddr,
    id: &str,
    cookie: &str,
    state: &'static str,
) -> mpsc::Receiver<Instant> {
    let (tx, rx) = mpsc::channel();
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET /platform/api/v1/qr/{id}/events HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\n\r\n"
    )
    .unwrap();
    let wanted = format!("\"state\":\"{state}\"");
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = stream.read(&mut buf) {
            if n == 0 {
                return;
            }
            seen.extend_from_slice(&buf[..n]);
            if String::from_utf8_lossy(&seen).contains(&wanted) {
                let _ = tx.send(Instant::now());
                return;
            }
        }
    });
    rx
}

#[test]
fn a_qr_made_on_one_replica_and_answered_on_another_moves_the_pc_on_within_a_second() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pg = rt.block_on(yizhao_testkit::PgScratch::create());
    let root = tempfile::tempdir().unwrap();
    let database = ["--database", pg.url.as_str()];
    let a = Server::start_with(&root.path().join("a"), true, &database);
    let b = Server::start_with(&root.path().join("b"), false, &database);

    // The phone knows replica B only.
    let zw = Wallet::new(root.path(), &b, demo_person("张伟").unwrap());
    zw.realname_dev_outbox();
    let uscc = demo_registry_entry(COMPANY).unwrap().uscc;
    zw.download(uscc.as_str());

    // The PC page asks replica A for a login QR and waits on A's event stream.
    let (status, cookies, body) = call(
        a.addr,
        "POST",
        "/platform/api/v1/qr",
        "",
        Some(&serde_json::json!({"kind": "login"})),
    );
    assert_eq!(status, 200, "{body}");
    let pc_cookie = cookies.join("; ");
    let created: Value = serde_json::from_str(&body).unwrap();
    let id = created["status"]["id"].as_str().unwrap().to_owned();
    let answered = wait_for_state(a.addr, &id, &pc_cookie, "answered");

    // The phone scans and answers through B.
    let shown = zw.ok(&[
        "scan",
        &format!("{}/qr/{id}", b.url),
        "--license",
        uscc.as_str(),
        "--yes",
    ]);
    let answered_on_b = Instant::now();
    let code = shown["short_code"]
        .as_str()
        .or_else(|| shown["status"]["short_code"].as_str())
        .unwrap_or_else(|| panic!("no short code in {shown}"))
        .to_owned();
    let heard_on_a = answered
        .recv_timeout(Duration::from_secs(5))
        .expect("replica A's page hears the answer made through B");
    let delay = heard_on_a.saturating_duration_since(answered_on_b);
    assert!(
        delay <= Duration::from_secs(1),
        "A's page moved on {delay:?} after B took the answer"
    );

    // The PC confirms the code on A; the member session opened there is known to B too.
    let (status, cookies, body) = call(
        a.addr,
        "POST",
        &format!("/platform/api/v1/qr/{id}/confirm"),
        &pc_cookie,
        Some(&serde_json::json!({ "code": code })),
    );
    assert_eq!(status, 200, "{body}");
    let member = cookies
        .iter()
        .find(|c| c.starts_with("yz_member="))
        .expect("a member session")
        .clone();
    let (status, _, body) = call(b.addr, "GET", "/platform/api/v1/me", &member, None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(uscc.as_str()), "{body}");

    a.stop();
    b.stop();
    rt.block_on(pg.drop_db());
}

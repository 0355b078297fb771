//! Integration tests of the `yizhao` binary, run as a real process.

// Test helpers outside `#[test]` functions: a panic is the failure report here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[cfg(unix)]
mod browser;
mod cli;
mod demo;
mod errors;
#[cfg(unix)]
mod harness;
mod licenses;
mod replicas;
mod seals;
mod serve;

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command};
use std::time::Duration;

/// The binary under test.
fn yizhao() -> Command {
    Command::new(env!("CARGO_BIN_EXE_yizhao"))
}

/// A loopback address whose port was free a moment ago.
fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// A plain HTTP/1.1 GET; `None` while nothing answers yet.
fn get(addr: SocketAddr, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n")?.1.to_owned();
    Some((status, body))
}

/// Polls `GET path` every 100 ms until it answers 200, for about 20 s.
fn wait_for_ok(addr: SocketAddr, path: &str, child: &mut Child) -> String {
    for _ in 0..200 {
        if let Some((200, body)) = get(addr, path) {
            return body;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("yizhao exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("no 200 from http://{addr}{path} within 20 s");
}

/// Waits about 10 s for the child to exit.
fn wait_for_exit(child: &mut Child) -> std::process::ExitStatus {
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("yizhao did not exit within 10 s");
}

/// Kills the child if a test fails before it exits, so no server outlives the test.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Sends SIGTERM with the `kill` command.
#[cfg(unix)]
fn terminate(child: &Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -TERM failed: {status}");
}

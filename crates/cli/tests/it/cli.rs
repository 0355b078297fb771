//! Command-line behaviour that needs no server.

use crate::yizhao;

#[test]
fn version_is_printed() {
    let output = yizhao().arg("--version").output().unwrap();
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout.trim(),
        format!("yizhao {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_bad_listen_address_is_refused_readably() {
    let output = yizhao()
        .args(["serve", "--listen", "not-an-address"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("not-an-address"), "{stderr}");
    assert!(stderr.contains("--listen"), "{stderr}");
}

#[test]
fn an_address_in_use_is_named_in_the_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap();
    let data = tempfile::tempdir().unwrap();
    let output = yizhao()
        .args(["serve", "--listen", &addr.to_string(), "--data"])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
}

#[test]
fn audit_verify_on_a_missing_data_folder_fails_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo");
    let output = yizhao()
        .args(["audit", "verify", "--data"])
        .arg(&missing)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("no yizhao database"), "{stderr}");
    assert!(!missing.exists(), "a mistyped folder must not be created");
}

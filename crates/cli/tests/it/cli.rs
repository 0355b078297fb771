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

#[test]
fn admin_create_staff_and_reviewer_make_an_account_once_and_audit_it() {
    use std::io::Write as _;
    use std::process::Stdio;

    let data = tempfile::tempdir().unwrap();
    let create_as = |command: &str, username: &str, password: &str| {
        let mut child = yizhao()
            .args(["admin", command, "--username", username, "--name", "李窗口"])
            .args(["--password-stdin", "--data"])
            .arg(data.path())
            .env("YIZHAO_KEY_PASSWORD", "test-key-password")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().unwrap()
    };
    let create = |password: &str| create_as("create-staff", "w1", password);
    let out = create("short");
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("backoffice.password_too_short"), "{stderr}");

    let out = create("window-pass-1");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("created staff user w1"), "{stdout}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("window-pass-1"), "{stderr}");

    let out = create("window-pass-2");
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("backoffice.username_taken"), "{stderr}");

    let out = create_as("create-reviewer", "q1", "review-pass-1");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("created reviewer user q1"), "{stdout}");
    let out = create_as("create-reviewer", "w1", "review-pass-1");
    assert!(
        !out.status.success(),
        "a staff name is not reused for a reviewer"
    );

    let out = yizhao()
        .args(["audit", "verify", "--data"])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn admin_rotate_seal_maker_revokes_the_maker_and_prints_both_serials() {
    use std::io::Write as _;
    use std::process::Stdio;

    let data = tempfile::tempdir().unwrap();
    let rotate = || {
        yizhao()
            .args([
                "admin",
                "rotate-seal-maker",
                "--reason",
                "制章密钥疑似泄露",
                "--data",
            ])
            .arg(data.path())
            .env("YIZHAO_KEY_PASSWORD", "test-key-password")
            .output()
            .unwrap()
    };
    // No instance in the folder yet: nothing is made, nothing revoked.
    let out = rotate();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("no yizhao database"), "{stderr}");
    assert!(!data.path().join("yizhao.db").exists());

    // An instance (made by another operator command), then two rotations in a row.
    let mut child = yizhao()
        .args([
            "admin",
            "create-reviewer",
            "--username",
            "q1",
            "--name",
            "钱坤",
        ])
        .args(["--password-stdin", "--data"])
        .arg(data.path())
        .env("YIZHAO_KEY_PASSWORD", "test-key-password")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "review-pass-1").unwrap();
    assert!(child.wait_with_output().unwrap().status.success());
    let serials = |out: std::process::Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let field = |prefix: &str| {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix(prefix))
                .unwrap_or_else(|| panic!("no {prefix:?} in {stdout}"))
                .to_owned()
        };
        (field("revoked seal maker "), field("new seal maker "))
    };
    let (old1, new1) = serials(rotate());
    let (old2, new2) = serials(rotate());
    assert_ne!(old1, new1);
    assert_eq!(
        old2, new1,
        "the second rotation revokes the maker the first one made"
    );
    assert_ne!(new2, new1);
    assert!(
        new2.len() >= 2 && new2.bytes().all(|b| b.is_ascii_hexdigit()),
        "{new2}"
    );

    // An empty reason is refused with its code.
    let out = yizhao()
        .args(["admin", "rotate-seal-maker", "--reason", " ", "--data"])
        .arg(data.path())
        .env("YIZHAO_KEY_PASSWORD", "test-key-password")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("seal.rotation_reason"), "{stderr}");

    let out = yizhao()
        .args(["audit", "verify", "--data"])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(out.status.success());
}

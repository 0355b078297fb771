//! End to end: a real `yizhao serve --demo-data` and three phones (`yizhao wallet --json`) play
//! the license scenario of R1–R8, then the audit log is verified, tampered with and caught; and
//! `yizhao registry import` is all-or-nothing.
#![cfg(unix)]

use std::path::Path;
use std::process::Output;

use serde_json::Value;
use yizhao_domain::registry::{demo_person, demo_registry_entry};

use crate::harness::{
    BIDDING, COMPANY, KEY_PASSWORD, PROCUREMENT, Server, Wallet, csv, csv_row, import, stranger,
};
use crate::yizhao;

fn audit_verify(data: &Path) -> Output {
    yizhao()
        .args(["audit", "verify", "--data"])
        .arg(data)
        .env("YIZHAO_KEY_PASSWORD", KEY_PASSWORD)
        .env_remove("YIZHAO_DATABASE_URL")
        .output()
        .unwrap()
}

/// As an attacker with access to the file: drop the trigger that refuses updates, change the
/// `detail` of one record. Returns the record's `seq`.
fn tamper_with_audit_log(db_file: &Path) -> i64 {
    use sqlx::Connection as _;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let url = format!("sqlite://{}", db_file.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let seqs: Vec<(i64,)> = sqlx::query_as("SELECT seq FROM audit_log ORDER BY seq")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        assert!(seqs.len() >= 5, "only {} audit records", seqs.len());
        let seq = seqs[seqs.len() / 2].0;
        sqlx::query("DROP TRIGGER audit_log_no_update")
            .execute(&mut conn)
            .await
            .unwrap();
        let changed =
            sqlx::query("UPDATE audit_log SET detail = '{\"tampered\":true}' WHERE seq = ?")
                .bind(seq)
                .execute(&mut conn)
                .await
                .unwrap();
        assert_eq!(changed.rows_affected(), 1);
        conn.close().await.unwrap();
        seq
    })
}

#[test]
#[allow(clippy::too_many_lines)] // One scenario, told in order.
fn licenses_admins_agents_and_the_audit_log_end_to_end() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let server = Server::start(&data, true);
    let company = demo_registry_entry(COMPANY).unwrap();
    let uscc = company.uscc.as_str();

    // 1. The legal representative verifies, sees the company, and downloads after accepting.
    let mut zhang = Wallet::new(root.path(), &server, demo_person("张伟").unwrap());
    assert_eq!(zhang.realname_dev_outbox()["name"], "张伟");
    let list = zhang.ok(&["licenses", "--locality", "420502"]);
    let offers = list["downloadable"].as_array().unwrap();
    let offer = offers
        .iter()
        .find(|o| o["uscc"] == uscc)
        .unwrap_or_else(|| panic!("{COMPANY} not downloadable: {list}"));
    assert_eq!(offer["entity_name"], COMPANY);
    assert_eq!(offer["role"], "legal_representative");

    let out = zhang.output(&["download", "--uscc", uscc]);
    assert!(!out.status.success());
    let envelope: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        envelope["error"]["code"],
        "authority.declaration_not_accepted"
    );
    let lic = zhang.download(uscc);
    assert_eq!(lic["uscc"], uscc);
    assert_eq!(lic["role"], "legal_representative");
    assert_eq!(lic["face"]["name"], COMPANY);
    let list = zhang.ok(&["licenses", "--locality", "420502"]);
    assert!(
        list["downloaded"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["uscc"] == uscc),
        "{list}"
    );
    let status = zhang.ok(&["status", "--matter", BIDDING]);
    assert_eq!(status["usable"], true, "{status}");
    let server_now = status["produced_at"].as_i64().unwrap();

    // 2. A new device password; the old one is refused and changes nothing on the phone.
    zhang.ok(&["password", "--old", "123456", "--new", "Zw-2026-new"]);
    let keystore = zhang.home.join("wallet.keystore");
    let before = std::fs::read(&keystore).unwrap();
    let code = zhang.fails(&["admins", "list", "--password", "123456"]);
    assert_eq!(code, "wallet.wrong_password");
    assert_eq!(
        std::fs::read(&keystore).unwrap(),
        before,
        "keystore changed"
    );
    zhang.password = Some("Zw-2026-new".into());
    assert_eq!(zhang.ok(&["admins", "list"]), serde_json::json!([]));

    // 3. An admin, appointed by the legal representative, authorizes an agent for one matter.
    let li_na = demo_person("李娜").unwrap();
    let mut args = vec!["admins", "add"];
    args.extend(Wallet::person_args(&li_na));
    let admin = zhang.ok(&args);
    assert_eq!(admin["role"], "license_admin");
    assert_eq!(admin["status"], "active");

    let li = Wallet::new(root.path(), &server, li_na);
    assert_eq!(li.realname_two_step(&server)["name"], "李娜");
    let lic = li.download(uscc);
    assert_eq!(lic["role"], "license_admin");

    let wang_qiang = demo_person("王强").unwrap();
    let (start, end) = (server_now, server_now + 2 * 86_400);
    let (start, end) = (start.to_string(), end.to_string());
    let mut args = vec!["agents", "authorize"];
    args.extend(Wallet::person_args(&wang_qiang));
    args.extend(["--matter", BIDDING, "--start", &start, "--end", &end]);
    let grant = li.ok(&args);
    assert_eq!(grant["role"], "agent");
    assert_eq!(grant["matters"], serde_json::json!([BIDDING]));
    assert_eq!(
        grant["period"],
        serde_json::json!([server_now, server_now + 2 * 86_400])
    );
    let agent_grant = grant["grant_id"].as_str().unwrap().to_owned();

    let wang = Wallet::new(root.path(), &server, wang_qiang);
    wang.realname_dev_outbox();
    let lic = wang.download(uscc);
    assert_eq!(lic["role"], "agent");
    let status = wang.ok(&["status", "--matter", BIDDING]);
    assert_eq!(status["usable"], true, "{status}");
    assert_eq!(status["role"], "agent");
    let status = wang.ok(&["status", "--matter", PROCUREMENT]);
    assert_eq!(status["usable"], false, "{status}");
    assert_eq!(
        status["reason"]["code"], "authority.matter_not_authorized",
        "{status}"
    );
    let mut args = vec!["agents", "authorize"];
    let sun_lei = demo_person("孙磊").unwrap();
    args.extend(Wallet::person_args(&sun_lei));
    args.push("--all");
    assert_eq!(wang.fails(&args), "authority.not_a_manager");

    // 4. The admin revokes the authorization; the agent's license is no longer usable.
    let revoked = li.ok(&["agents", "revoke", "--grant", &agent_grant]);
    assert_eq!(revoked["status"], "revoked", "{revoked}");
    let status = wang.ok(&["status", "--matter", BIDDING]);
    assert_eq!(status["usable"], false, "{status}");
    assert_eq!(status["status"], "revoked", "{status}");
    assert_eq!(status["reason"]["code"], "authority.revoked", "{status}");

    // 5. At most five admins (李娜 and four more); a sixth fits once one is removed.
    let mut extra_grants = Vec::new();
    for serial in 1..=4 {
        let p = stranger(&format!("管理员{serial}"), serial);
        let mut args = vec!["admins", "add"];
        args.extend(Wallet::person_args(&p));
        extra_grants.push(zhang.ok(&args)["grant_id"].as_str().unwrap().to_owned());
    }
    let sixth = stranger("管理员六", 6);
    let mut add_sixth = vec!["admins", "add"];
    add_sixth.extend(Wallet::person_args(&sixth));
    assert_eq!(zhang.fails(&add_sixth), "authority.admin_limit");
    let removed = zhang.ok(&["admins", "remove", "--grant", &extra_grants[0]]);
    assert_eq!(removed["status"], "revoked", "{removed}");
    assert_eq!(zhang.ok(&add_sixth)["role"], "license_admin");
    let admins = zhang.ok(&["admins", "list"]);
    let active = admins
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["status"] == "active")
        .count();
    assert_eq!(active, 5, "{admins}");

    // 6. A clean stop; the audit chain is intact, and a changed record is named.
    server.stop();
    let out = audit_verify(&data);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("intact"), "{stdout}");

    let seq = tamper_with_audit_log(&data.join("yizhao.db"));
    let out = audit_verify(&data);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "tampering not detected: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr.contains(&format!("record {seq}")), "{stderr}");
}

/// Quotes every field, doubling quotes.
#[test]
fn registry_import_is_all_or_nothing() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let road = demo_registry_entry("宜昌峡江路桥建设有限公司").unwrap();
    let build = demo_registry_entry(COMPANY).unwrap();
    let cloud = demo_registry_entry("宜昌云帆信息技术有限公司").unwrap();

    // Line 2 is good; line 3 has a wrong USCC check character, line 4 a wrong ID check character.
    let mut bad_uscc = csv_row(&build);
    let last = bad_uscc[0].pop().unwrap();
    bad_uscc[0].push(if last == '0' { '1' } else { '0' });
    let mut bad_id = csv_row(&cloud);
    let last = bad_id[4].pop().unwrap();
    bad_id[4].push(if last == '0' { '1' } else { '0' });
    let bad_file = root.path().join("bad.csv");
    std::fs::write(&bad_file, csv(&[csv_row(&road), bad_uscc, bad_id.clone()])).unwrap();
    let out = import(&bad_file, &data);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stdout}");
    assert!(stderr.contains("第3行"), "{stderr}");
    assert!(stderr.contains("第4行"), "{stderr}");
    assert!(!stderr.contains("第2行"), "{stderr}");
    assert!(
        !stderr.contains(&bad_id[4]),
        "an ID number was printed: {stderr}"
    );
    assert!(!stdout.contains("imported"), "{stdout}");

    let good_file = root.path().join("good.csv");
    std::fs::write(&good_file, csv(&[csv_row(&build), csv_row(&cloud)])).unwrap();
    let out = import(&good_file, &data);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("imported 2"), "{stdout}");

    // The good row of the bad file was not imported; the good file's rows were.
    let server = Server::start(&data, false);
    let liu = Wallet::new(root.path(), &server, road.legal_representative.clone());
    let mut args = vec!["realname", "start"];
    args.extend(Wallet::person_args(&liu.person));
    assert_eq!(liu.fails(&args), "authority.realname_mismatch");
    let zhang = Wallet::new(root.path(), &server, build.legal_representative.clone());
    zhang.realname_dev_outbox();
    let list = zhang.ok(&["licenses", "--locality", &build.locality]);
    assert!(
        list["downloadable"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["uscc"] == build.uscc.as_str()),
        "{list}"
    );
    server.stop();
}

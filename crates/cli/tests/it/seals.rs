//! End to end: electronic seals on phones (`yizhao wallet --json` against a real `yizhao serve
//! --demo-data`, R13–R16). The legal representative uploads an impression processed on the
//! phone; a refused picture stores nothing; a reviewer approves (through the seal authority's
//! library on the same data folder while the server is stopped — the review page comes later);
//! the seal is collected, listed, exported as a DER file OpenSSL parses, deleted and collected
//! again; seal admins and seal use grants are named, listed and revoked, and an admin collects
//! through its appointment, after the operator rotated the seal maker.
#![cfg(unix)]

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use yizhao_domain::registry::{demo_person, demo_registry_entry};
use yizhao_domain::seal::Review;
use yizhao_domain::time::{ManualClock, Timestamp};
use yizhao_gm::keystore::{KdfParams, Password};
use yizhao_server::rng::SystemRandom;
use yizhao_server::{Authority, AuthorityConfig};

use crate::harness::{COMPANY, KEY_PASSWORD, Server, Wallet};

/// A reviewer approves every pending impression, through the services on the data folder (the
/// server must be stopped: each process keeps its own tail of the audit chain).
fn approve_all(data: &Path, now: i64) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let db = yizhao_store::Database::sqlite_file(data.join("yizhao.db"))
            .await
            .unwrap();
        let clock = Arc::new(ManualClock::new(Timestamp(now)));
        let password = Password::new(KEY_PASSWORD);
        let authority = Authority::start(
            db.clone(),
            clock.clone(),
            Arc::new(SystemRandom),
            &password,
            KdfParams::DEFAULT,
            AuthorityConfig::default(),
        )
        .await
        .map_err(|e| e.message)
        .unwrap();
        let seals = yizhao_server::seal::Seals::start(
            db,
            clock,
            Arc::new(SystemRandom),
            Arc::new(authority),
            &password,
            KdfParams::DEFAULT,
            Default::default(),
        )
        .await
        .map_err(|e| e.message)
        .unwrap();
        let mut approved = Vec::new();
        for item in seals.review_queue().await.map_err(|e| e.message).unwrap() {
            let done = seals
                .review("it-reviewer", &item.id, &Review::Approve)
                .await
                .map_err(|e| e.message)
                .unwrap();
            assert_eq!(done.state, "approved");
            approved.push(done.id);
        }
        approved
    })
}

fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect()
}

#[test]
#[allow(clippy::too_many_lines)] // One scenario, told in order.
fn impressions_collection_export_seal_admins_and_grants_end_to_end() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let server = Server::start(&data, true);
    let company = demo_registry_entry(COMPANY).unwrap();
    let uscc = company.uscc.as_str();

    let zhang = Wallet::new(root.path(), &server, demo_person("张伟").unwrap());
    zhang.realname_dev_outbox();
    zhang.download(uscc);
    let now = zhang.ok(&["status"])["produced_at"].as_i64().unwrap();

    // The catalogue needs no license.
    let catalogue = zhang.ok(&["seals", "catalogue"]);
    assert!(
        catalogue
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["code"] == "bid"),
        "{catalogue}"
    );

    // R13: no upload yet.
    let records = zhang.ok(&["impression", "list"]);
    for part in ["open", "valid", "invalid"] {
        assert_eq!(records[part], serde_json::json!([]), "{records}");
    }

    // A refused picture: checked on the phone, nothing sent, nothing stored.
    let blank = root.path().join("blank.png");
    image::RgbImage::from_pixel(480, 480, image::Rgb([247, 245, 238]))
        .save(&blank)
        .unwrap();
    let photo = root.path().join("seal.png");
    std::fs::write(&photo, yizhao_impression::sample::seal_photo(480)).unwrap();
    let upload_sized = |file: &Path, size: &str, extra: &[&str]| {
        let mut args = vec!["impression", "upload", "--image", file.to_str().unwrap()];
        args.extend(["--type", "bid", "--shape", "round", "--size", size]);
        args.extend(extra);
        args.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let upload = |file: &Path, extra: &[&str]| upload_sized(file, "40x40", extra);
    let run = |w: &Wallet, args: &[String]| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        w.run(&args)
    };
    let code = run(&zhang, &upload(&blank, &["--accept-terms"]))
        .unwrap_err()
        .code;
    assert_eq!(code, "impression.quality");
    let out = zhang.output(
        &upload(&blank, &["--accept-terms"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let envelope: Value = serde_json::from_slice(&out.stdout).unwrap();
    let message = envelope["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("印模图片质量不合格："), "{message}");
    let code = run(
        &zhang,
        &upload(&root.path().join("missing.png"), &["--accept-terms"]),
    )
    .unwrap_err()
    .code;
    assert_eq!(code, "wallet.io");
    let code = run(&zhang, &upload_sized(&photo, "41x41", &["--accept-terms"]));
    assert_eq!(code.unwrap_err().code, "seal.size_not_for_shape");
    let code = run(&zhang, &upload(&photo, &[])).unwrap_err().code;
    assert_eq!(code, "seal.terms_not_accepted");
    let records = zhang.ok(&["impression", "list"]);
    assert_eq!(records["open"], serde_json::json!([]), "{records}");

    // The photo, processed on the phone (a no-op rotation and crop here), waits for review.
    let item = run(
        &zhang,
        &upload(
            &photo,
            &[
                "--crop",
                "0,0,480,480",
                "--rotate",
                "360",
                "--colour",
                "red",
                "--brightness",
                "-5",
                "--contrast",
                "10",
                "--threshold",
                "64",
                "--accept-terms",
            ],
        ),
    )
    .unwrap();
    assert_eq!(item["state"], "pending", "{item}");
    assert_eq!(item["seal_type"], "bid");
    assert_eq!(item["size_mm"], serde_json::json!([40, 40]));
    let records = zhang.ok(&["impression", "list"]);
    assert_eq!(ids(&records["open"]), [item["id"].as_str().unwrap()]);
    assert_eq!(zhang.ok(&["seals", "records"]), serde_json::json!([]));
    assert_eq!(zhang.ok(&["seals", "collectable"]), serde_json::json!([]));

    // Review: the seal is made.
    let addr = server.addr;
    server.stop();
    assert_eq!(approve_all(&data, now), [item["id"].as_str().unwrap()]);
    let server = Server::start_at(addr, &data, false, &[]);
    let records = zhang.ok(&["impression", "list"]);
    assert_eq!(ids(&records["valid"]), [item["id"].as_str().unwrap()]);
    let made = zhang.ok(&["seals", "records"]);
    let seal_id = ids(&made)[0].to_owned();

    // R14: a local entity's legal representative collects directly.
    let collectable = zhang.ok(&["seals", "collectable"]);
    assert_eq!(
        collectable[0]["seal"]["id"],
        seal_id.as_str(),
        "{collectable}"
    );
    assert_eq!(collectable[0]["direct"], true);
    let held = zhang.ok(&["seals", "collect", "--seal", &seal_id]);
    let collection = held["collection_id"].as_str().unwrap().to_owned();
    let mine = zhang.ok(&["seals", "list"]);
    assert_eq!(
        mine["server"][0]["collection_id"],
        collection.as_str(),
        "{mine}"
    );
    assert_eq!(mine["server"][0]["on_this_phone"], true);
    assert_eq!(mine["local"][0]["collection_id"], collection.as_str());

    // Export: the DER as collected, which OpenSSL parses.
    let esl = root.path().join("bid.esl");
    let exported = zhang.ok(&[
        "seals",
        "export",
        "--collection",
        &collection,
        "--out",
        esl.to_str().unwrap(),
    ]);
    let der = std::fs::read(&esl).unwrap();
    assert_eq!(exported["bytes"], der.len());
    assert_eq!(
        der,
        std::fs::read(zhang.home.join("seals").join(format!("{collection}.esl"))).unwrap()
    );
    let parsed = std::process::Command::new("openssl")
        .args(["asn1parse", "-inform", "DER", "-in"])
        .arg(&esl)
        .output()
        .unwrap();
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let dump = String::from_utf8_lossy(&parsed.stdout);
    assert!(dump.contains(&seal_id), "esID not in the seal:\n{dump}");

    // A wrong collection is deleted (server and phone) and redone.
    zhang.ok(&["seals", "delete", "--collection", &collection]);
    let mine = zhang.ok(&["seals", "list"]);
    assert_eq!(mine["server"], serde_json::json!([]), "{mine}");
    assert_eq!(mine["local"], serde_json::json!([]), "{mine}");
    let code = zhang.fails(&["seals", "delete", "--collection", &collection]);
    assert_eq!(code, "seal.collection_not_found");
    let code = zhang.fails(&[
        "seals",
        "export",
        "--collection",
        &collection,
        "--out",
        "x.esl",
    ]);
    assert_eq!(code, "wallet.input");
    zhang.ok(&["seals", "collect", "--seal", &seal_id]);

    // The operator rotates the seal maker (issue #5; with the server stopped, as for the review
    // above: each process keeps its own tail of the audit chain). Seals collected from now on
    // are signed by the new maker, and the wallet, which checks them against the root's CRL
    // (`GET /seal/api/v1/crl`, listing the old maker), keeps them.
    let addr = server.addr;
    server.stop();
    let out = crate::yizhao()
        .args([
            "admin",
            "rotate-seal-maker",
            "--reason",
            "年度轮换",
            "--data",
        ])
        .arg(&data)
        .env("YIZHAO_KEY_PASSWORD", KEY_PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let serial = |prefix: &str| -> Vec<u8> {
        let hex = stdout
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} in {stdout}"));
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    };
    let (old_maker, new_maker) = (serial("revoked seal maker "), serial("new seal maker "));
    let server = Server::start_at(addr, &data, false, &[]);
    let contains = |der: &[u8], serial: &[u8]| der.windows(serial.len()).any(|w| w == serial);
    assert!(contains(&der, &old_maker), "the first collection's maker");

    // R15: a license admin becomes the seal admin of bid seals, and collects through it.
    let li_na = demo_person("李娜").unwrap();
    let mut args = vec!["admins", "add"];
    args.extend(Wallet::person_args(&li_na));
    zhang.ok(&args);
    let li_id = li_na.id_number.as_str().to_owned();
    let li = Wallet::new(root.path(), &server, li_na);
    li.realname_dev_outbox();
    li.download(uscc);
    assert_eq!(li.fails(&["seal-admins", "list"]), "seal.not_a_manager");
    let collectable = li.ok(&["seals", "collectable"]);
    assert_eq!(collectable, serde_json::json!([]), "{collectable}");
    let admin = zhang.ok(&[
        "seal-admins",
        "add",
        "--type",
        "bid",
        "--name",
        "李娜",
        "--id-number",
        &li_id,
    ]);
    let admin_id = admin["id"].as_str().unwrap().to_owned();
    assert_eq!(
        ids(&zhang.ok(&["seal-admins", "list"])),
        [admin_id.as_str()]
    );
    let given = li.ok(&["seal-grants", "mine"]);
    assert_eq!(ids(&given["admin_of"]), [admin_id.as_str()], "{given}");
    let collectable = li.ok(&["seals", "collectable"]);
    assert_eq!(collectable[0]["direct"], false, "{collectable}");
    assert_eq!(collectable[0]["grants"], serde_json::json!([admin_id]));
    let code = li.fails(&["seals", "collect", "--seal", &seal_id]);
    assert_eq!(code, "seal.choose_grant");
    let held = li.ok(&["seals", "collect", "--seal", &seal_id, "--grant", &admin_id]);
    assert_eq!(held["grant_id"], admin_id.as_str());
    let li_seal = std::fs::read(
        li.home
            .join("seals")
            .join(format!("{}.esl", held["collection_id"].as_str().unwrap())),
    )
    .unwrap();
    assert!(contains(&li_seal, &new_maker) && !contains(&li_seal, &old_maker));

    // R16: a use grant to an agent (who needs a license authorization first), then revoked.
    let wang = demo_person("王强").unwrap();
    let wang_id = wang.id_number.as_str().to_owned();
    let end = (now + 2 * 86_400).to_string();
    let grant_args = |license_holder: &Wallet| {
        license_holder.run(&[
            "seal-grants",
            "add",
            "--type",
            "bid",
            "--name",
            "王强",
            "--id-number",
            &wang_id,
            "--end",
            &end,
            "--reason",
            "投标文件盖章",
            "--uses",
            "3",
            "--all",
        ])
    };
    assert_eq!(
        grant_args(&zhang).unwrap_err().code,
        "seal.needs_license_authorization"
    );
    let mut args = vec!["agents", "authorize"];
    args.extend(Wallet::person_args(&wang));
    args.extend(["--all", "--end", &end]);
    zhang.ok(&args);
    let grant = grant_args(&li).unwrap();
    assert_eq!(grant["uses_left"], 3, "{grant}");
    assert_eq!(grant["status"], "active");
    let grant_id = grant["id"].as_str().unwrap().to_owned();
    assert_eq!(
        ids(&zhang.ok(&["seal-grants", "list"])),
        [grant_id.as_str()]
    );
    let revoked = li.ok(&["seal-grants", "revoke", "--id", &grant_id]);
    assert_eq!(revoked["revoked"], grant_id.as_str());
    let list = zhang.ok(&["seal-grants", "list"]);
    assert_eq!(list[0]["status"], "revoked", "{list}");
    let code = li.fails(&["seal-grants", "revoke", "--id", &grant_id]);
    assert_eq!(code, "seal.already_revoked");

    // The seal admin is removed by the legal representative only.
    assert_eq!(
        li.fails(&["seal-admins", "remove", "--id", &admin_id]),
        "seal.only_legal_rep"
    );
    zhang.ok(&["seal-admins", "remove", "--id", &admin_id]);
    assert_eq!(zhang.ok(&["seal-admins", "list"]), serde_json::json!([]));
    server.stop();

    // The approval outside the server joined the one audit chain.
    let verified = crate::yizhao()
        .args(["audit", "verify", "--data"])
        .arg(&data)
        .env("YIZHAO_KEY_PASSWORD", KEY_PASSWORD)
        .env_remove("YIZHAO_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
}

//! The `yizhao wallet …` command tree: parsing, and a script's run against the in-test
//! authority.

use clap::Parser;
use yizhao_wallet::WalletCli;
use yizhao_wallet::cli::{AgentsCommand, RealnameStep, WalletCommand};

use crate::TestRng;
use crate::authority::{self, CODE, SESSION, USCC};

/// How the binary mounts it: `yizhao wallet …`.
#[derive(Parser)]
#[command(name = "yizhao")]
struct Bin {
    #[command(subcommand)]
    command: BinCommand,
}

#[derive(clap::Subcommand)]
enum BinCommand {
    Wallet(WalletCli),
}

pub fn parse(args: &[&str]) -> Result<WalletCli, clap::Error> {
    let mut all = vec!["yizhao", "wallet"];
    all.extend_from_slice(args);
    Bin::try_parse_from(all).map(|b| match b.command {
        BinCommand::Wallet(w) => w,
    })
}

async fn run(args: &[&str], seed: u64) -> Result<serde_json::Value, String> {
    let cli = parse(args).map_err(|e| e.to_string())?;
    cli.execute(&mut TestRng::new(seed))
        .await
        .map(|o| o.json)
        .map_err(|e| e.code().to_owned())
}

#[test]
fn command_tree_parses() {
    let cli = parse(&[
        "--home",
        "/tmp/p",
        "--json",
        "realname",
        "start",
        "--name",
        "张伟",
        "--id-number",
        "420502198001011234",
        "--phone",
        "13800000000",
    ])
    .unwrap();
    assert!(cli.json);
    assert!(matches!(
        cli.command,
        WalletCommand::Realname(ref r) if matches!(r.step, Some(RealnameStep::Start(_)))
    ));

    let cli = parse(&[
        "--home",
        "/tmp/p",
        "agents",
        "authorize",
        "--name",
        "王强",
        "--id-number",
        "x",
        "--phone",
        "139",
        "--matter",
        "a",
        "--matter",
        "b",
        "--start",
        "2026-11-18T09:00:00+08:00",
    ])
    .unwrap();
    match cli.command {
        WalletCommand::Agents {
            command: AgentsCommand::Authorize { matters, start, .. },
        } => {
            assert_eq!(matters.matters, ["a", "b"]);
            assert!(!matters.all);
            assert_eq!(start.as_deref(), Some("2026-11-18T09:00:00+08:00"));
        }
        _ => panic!("not agents authorize"),
    }

    // --all and --matter exclude each other, and one of them is required.
    let base = [
        "--home",
        "/tmp/p",
        "agents",
        "authorize",
        "--name",
        "王强",
        "--id-number",
        "x",
        "--phone",
        "139",
    ];
    assert!(parse(&[&base[..], &["--all", "--matter", "a"]].concat()).is_err());
    assert!(parse(&base).is_err());
    assert!(parse(&[&base[..], &["--all"]].concat()).is_ok());

    // Global flags may follow the command; the password never shows in Debug.
    let cli = parse(&[
        "--home",
        "/tmp/p",
        "show",
        "--json",
        "--password",
        "hunter22",
    ])
    .unwrap();
    assert!(cli.json);
    assert!(!format!("{cli:?}").contains("hunter22"));
}

#[tokio::test]
async fn a_script_verifies_downloads_and_manages_in_two_step_calls() {
    let auth = authority::start(21).await;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().to_str().unwrap();
    let base = ["--home", home, "--server", auth.url.as_str(), "--json"];
    let with = |rest: &[&'static str]| [&base[..], rest].concat();

    assert_eq!(
        run(&with(&["show"]), 1).await.unwrap(),
        serde_json::json!([])
    );

    let started = run(
        &with(&[
            "realname",
            "start",
            "--name",
            "张伟",
            "--id-number",
            "420502198001011234",
            "--phone",
            "13800000000",
        ]),
        2,
    )
    .await
    .unwrap();
    assert_eq!(started["session"], SESSION);
    let err = run(
        &with(&["realname", "confirm", "--session", SESSION, "--code", "1"]),
        3,
    )
    .await;
    assert_eq!(err.unwrap_err(), "authority.wrong_code");
    let ok = run(
        &with(&["realname", "confirm", "--session", SESSION, "--code", CODE]),
        3,
    )
    .await
    .unwrap();
    assert_eq!(ok["name"], "张伟");
    assert!(ok.get("token").is_none(), "the token is never printed");

    let err = run(&with(&["download", "--uscc", USCC]), 4)
        .await
        .unwrap_err();
    assert_eq!(err, "authority.declaration_not_accepted");
    let lic = run(
        &with(&["download", "--uscc", USCC, "--accept-declaration"]),
        4,
    )
    .await
    .unwrap();
    assert_eq!(lic["uscc"], USCC);

    run(
        &with(&["password", "--old", "123456", "--new", "abc123"]),
        5,
    )
    .await
    .unwrap();
    // Now the default password no longer works, and none given is an input error.
    let err = run(&with(&["admins", "list"]), 6).await.unwrap_err();
    assert_eq!(err, "wallet.input");
    let err = run(&with(&["admins", "list", "--password", "123456"]), 6)
        .await
        .unwrap_err();
    assert_eq!(err, "wallet.wrong_password");
    let item = run(
        &with(&[
            "agents",
            "authorize",
            "--password",
            "abc123",
            "--name",
            "王强",
            "--id-number",
            "420502199001011234",
            "--phone",
            "13900001111",
            "--all",
            "--start",
            "1795000000",
        ]),
        7,
    )
    .await
    .unwrap();
    assert_eq!(item["matters"], serde_json::json!(["all"]));
    assert_eq!(
        item["period"],
        serde_json::json!([1_795_000_000, 1_795_259_200])
    );

    let status = run(&with(&["status"]), 8).await.unwrap();
    assert_eq!(status["usable"], true);
}

#[tokio::test]
async fn one_call_realname_takes_the_code_from_the_dev_outbox() {
    let auth = authority::start(31).await;
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().to_str().unwrap();
    let ok = run(
        &[
            "--home",
            home,
            "--server",
            &auth.url,
            "realname",
            "--name",
            "张伟",
            "--id-number",
            "420502198001011234",
            "--phone",
            "13800000000",
            "--dev-outbox",
        ],
        1,
    )
    .await
    .unwrap();
    assert_eq!(ok["name"], "张伟");
    let err = run(&["--home", home, "realname", "--name", "张伟"], 2).await;
    assert_eq!(err.unwrap_err(), "wallet.input");
}

#[tokio::test]
async fn run_gives_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().to_str().unwrap();
    let ok = parse(&["--home", home, "show"]).unwrap().run().await;
    assert_eq!(ok, std::process::ExitCode::SUCCESS);
    let failed = parse(&["--home", home, "--json", "status"])
        .unwrap()
        .run()
        .await;
    assert_eq!(failed, std::process::ExitCode::FAILURE);
}

#[test]
fn impression_upload_flags_parse_into_the_editor_settings() {
    use yizhao_impression::{InkColour, Rect};
    use yizhao_wallet::cli::ImpressionCommand;

    let base = [
        "--home",
        "/tmp/p",
        "impression",
        "upload",
        "--image",
        "seal.jpg",
        "--type",
        "bid",
        "--shape",
        "oval",
    ];
    let mut args = base.to_vec();
    args.extend([
        "--size",
        "40x30",
        "--crop",
        "10,20,300,200",
        "--rotate",
        "-90",
        "--brightness",
        "-20",
        "--contrast",
        "15",
        "--colour",
        "blue",
        "--threshold",
        "80",
        "--accept-terms",
    ]);
    match parse(&args).unwrap().command {
        WalletCommand::Impression {
            command: ImpressionCommand::Upload(u),
        } => {
            assert_eq!(u.size, (40, 30));
            assert_eq!(
                u.crop,
                Some(Rect {
                    x: 10,
                    y: 20,
                    width: 300,
                    height: 200
                })
            );
            assert_eq!((u.rotate, u.brightness, u.contrast), (-90, -20, 15));
            assert_eq!(u.colour, InkColour::Blue);
            assert_eq!(u.threshold, 80);
            assert!(u.accept_terms);
        }
        _ => panic!("not impression upload"),
    }
    for bad in [
        ["--size", "40"],
        ["--size", "40x"],
        ["--crop", "1,2,3"],
        ["--colour", "green"],
    ] {
        let mut args = base.to_vec();
        if bad[0] != "--size" {
            args.extend(["--size", "40x30"]);
        }
        args.extend(bad);
        assert!(parse(&args).is_err(), "{bad:?} parsed");
    }
}

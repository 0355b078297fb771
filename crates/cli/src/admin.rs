//! `yizhao admin …`: operator commands on the platform's back office (后台) — its users — and
//! on the seal authority's keys.

use std::io::{BufRead as _, IsTerminal as _};

use anyhow::Context as _;
use clap::Args;
use yizhao_gm::keystore::Password;
use yizhao_server::platform::backoffice::BackOfficeRole;

use crate::app;

/// A new back-office user.
#[derive(Debug, Args)]
pub struct CreateUserArgs {
    /// Login name (letters, digits, `_`, `-`, `.`; at most 32).
    #[arg(long, value_name = "USERNAME")]
    username: String,
    /// The person's name, shown on the pages.
    #[arg(long, value_name = "NAME")]
    name: String,
    /// Read the password from stdin (one line) instead of asking for it on the terminal.
    #[arg(long)]
    password_stdin: bool,
    #[command(flatten)]
    store: app::StoreArgs,
}

/// Create a back-office user with `role`; audited as the operator's.
pub async fn create_user(args: CreateUserArgs, role: BackOfficeRole) -> anyhow::Result<()> {
    let password = read_password(args.password_stdin)?;
    let db = app::open_database(&args.store).await?;
    let services = app::start(
        db,
        &args.store.data,
        false,
        Default::default(),
        Default::default(),
    )
    .await?;
    services
        .platform
        .create_back_office_user(&args.username, &args.name, role, &password, "operator")
        .await
        .map_err(|e| anyhow::anyhow!("{} [{}]", e.message, e.code))?;
    println!(
        "created {} user {} ({})",
        role.as_str(),
        args.username,
        role.label()
    );
    Ok(())
}

/// Revoke the seal maker's certificate and make a new maker under the same root.
#[derive(Debug, Args)]
pub struct RotateSealMakerArgs {
    /// Why the maker is revoked (kept with the revocation and in the audit log).
    #[arg(long, value_name = "TEXT")]
    reason: String,
    #[command(flatten)]
    store: app::StoreArgs,
}

/// Rotate the seal maker of an existing instance; prints the revoked and the new serial. A
/// server running on the same database signs with the new maker from its next seal on.
pub async fn rotate_seal_maker(args: RotateSealMakerArgs) -> anyhow::Result<()> {
    // An existing instance only: on a mistyped folder a fresh authority would be made, and its
    // brand-new maker revoked, which helps no one.
    let db = app::open_existing_database(&args.store).await?;
    let services = app::start(
        db,
        &args.store.data,
        false,
        Default::default(),
        Default::default(),
    )
    .await?;
    let rotation = services
        .seals
        .rotate_maker(&args.reason)
        .await
        .map_err(|e| anyhow::anyhow!("{} [{}]", e.message, e.code))?;
    println!(
        "revoked seal maker {}",
        yizhao_server::seal::keys::serial_hex(&rotation.old)
    );
    println!(
        "new seal maker {}",
        yizhao_server::seal::keys::serial_hex(&rotation.new)
    );
    Ok(())
}

/// The password: one line of stdin with `--password-stdin`, else asked twice on the terminal
/// with echo off.
fn read_password(from_stdin: bool) -> anyhow::Result<Password> {
    let stdin = std::io::stdin();
    if from_stdin {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from stdin")?;
        return Ok(Password::new(
            line.trim_end_matches(['\r', '\n']).to_owned(),
        ));
    }
    anyhow::ensure!(
        stdin.is_terminal(),
        "no terminal to ask for the password on: use --password-stdin"
    );
    let prompt = |text: &str| {
        yizhao_wallet::terminal::prompt_hidden(text).context("cannot read the password")
    };
    let first = prompt("密码 (password): ")?;
    let second = prompt("再次输入密码 (again): ")?;
    anyhow::ensure!(
        first.expose() == second.expose(),
        "the two passwords differ; nothing was created"
    );
    Ok(first)
}

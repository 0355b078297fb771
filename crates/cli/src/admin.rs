//! `yizhao admin …`: operator commands on the platform's back office (后台) — its users.

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

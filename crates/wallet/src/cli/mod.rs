//! `yizhao wallet …`: the phone's commands, as a clap tree the binary mounts.
//!
//! Every command that uses a key takes the device password from `--password`, the
//! `YIZHAO_WALLET_PASSWORD` environment variable or `--password-stdin` (one line); while the
//! password is still the default, none is needed and a warning is printed to stderr.
//! `--json` prints the result (or `{"error":{"code","message"}}`) as JSON on stdout.

use std::io::BufRead as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde::Serialize;
use yizhao_gm::CryptoRng;
use yizhao_gm::keystore::{KdfParams, Password};
use yizhao_proto::authority::PersonInput;
use yizhao_proto::qr::parse_qr_link;

mod seals;

pub use seals::{ImpressionCommand, SealAdminsCommand, SealGrantsCommand, SealsCommand};

use crate::client::{Client, DEFAULT_SERVER};
use crate::error::{Result, WalletError};
use crate::flows::{AgentAuthorization, Matters, Wallet};
use crate::home::{DEFAULT_PASSWORD, Home};
use crate::qr;
use crate::render;
use crate::time::parse_time;

/// The environment variable that may hold the device password.
pub const PASSWORD_ENV: &str = "YIZHAO_WALLET_PASSWORD";

/// Where `serve` listens unless told otherwise: this machine only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8090";

/// The warning printed while the device password is still the default.
pub const DEFAULT_PASSWORD_WARNING: &str = "当前执照密码为默认密码 123456，请尽快修改";

/// The phone (电子营业执照 APP): one home folder holds this phone's keys and licenses.
#[derive(Debug, Args)]
pub struct WalletCli {
    /// Home folder of this phone; created on first use.
    #[arg(long, value_name = "DIR")]
    pub home: PathBuf,
    /// The server's address (license authority, seal authority).
    #[arg(long, value_name = "URL", default_value = DEFAULT_SERVER, global = true)]
    pub server: String,
    /// Print the result as JSON on stdout (errors as {"error":{"code","message"}}).
    #[arg(long, global = true)]
    pub json: bool,
    /// Device password (执照密码); else $YIZHAO_WALLET_PASSWORD, else --password-stdin.
    #[arg(long, value_name = "PASSWORD", value_parser = parse_password, global = true)]
    pub password: Option<Password>,
    /// Read the device password from stdin, one line (for `password`: old, then new).
    #[arg(long, global = true)]
    pub password_stdin: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: WalletCommand,
}

/// The wallet's commands.
#[derive(Debug, Subcommand)]
pub enum WalletCommand {
    /// 实名认证: `realname --name … --id-number … --phone …` asks for the code; scripts use
    /// `realname start …` then `realname confirm --session … --code …`.
    Realname(RealnameArgs),
    /// 选择登记地: the downloadable and downloaded licenses of a locality.
    Licenses {
        /// Registration locality code, e.g. 420500.
        #[arg(long, value_name = "CODE")]
        locality: String,
    },
    /// Show the download declaration (执照下载声明).
    Declaration,
    /// The catalogue of matters (授权事项), for `agents authorize --matter`.
    Matters,
    /// 下载执照 to this phone.
    Download {
        /// The entity's unified social credit code.
        #[arg(long)]
        uscc: String,
        /// The admin appointment or agent authorization to download, if several.
        #[arg(long, value_name = "GRANT")]
        grant: Option<String>,
        /// I have read and accept the download declaration.
        #[arg(long)]
        accept_declaration: bool,
    },
    /// 修改执照密码 for every license of this phone at once.
    Password {
        /// The current password (else --password, $YIZHAO_WALLET_PASSWORD or a stdin line).
        #[arg(long, value_parser = parse_password)]
        old: Option<Password>,
        /// The new password (else the next stdin line with --password-stdin).
        #[arg(long, value_parser = parse_password)]
        new: Option<Password>,
    },
    /// The licenses on this phone, or one of them in full.
    Show {
        /// License id or USCC.
        license: Option<String>,
    },
    /// 证照管理员 (R5).
    Admins {
        /// What to do.
        #[command(subcommand)]
        command: AdminsCommand,
    },
    /// 授权他人使用执照: agent authorizations (R6).
    Agents {
        /// What to do.
        #[command(subcommand)]
        command: AgentsCommand,
    },
    /// 扫码: check a QR request (a link, or a PNG/JPEG image of the QR code) and answer it.
    /// Without --yes the request is shown and "确认登录？[y/N]" is read from stdin (before a
    /// --password-stdin line).
    Scan {
        /// The QR link, or the path of an image holding the QR code.
        #[arg(value_name = "LINK_OR_PNG")]
        input: String,
        /// License id or USCC; may be left out when one license of the phone can answer.
        #[arg(long)]
        license: Option<String>,
        /// Answer without asking for confirmation on the terminal.
        #[arg(long)]
        yes: bool,
    },
    /// The phone's web UI (手机页面): serve it on ADDR (loopback by default) until Ctrl-C;
    /// the first stdout line is `phone: http://ADDR/`. Its pages ask for the device password.
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
        listen: SocketAddr,
        /// End a page session after this many seconds without a request.
        #[arg(long, value_name = "SECONDS", default_value_t = crate::web::WebConfig::IDLE_TIMEOUT_SECS)]
        idle_timeout: i64,
    },
    /// 印模: upload a photo of the seal (processed and checked on the phone), the records.
    Impression {
        /// What to do.
        #[command(subcommand)]
        command: ImpressionCommand,
    },
    /// 电子印章: collect, list, delete and export the seals of a license.
    Seals {
        /// What to do.
        #[command(subcommand)]
        command: SealsCommand,
    },
    /// 印章管理员 (R15): the legal representative names seal admins per seal type.
    SealAdmins {
        /// What to do.
        #[command(subcommand)]
        command: SealAdminsCommand,
    },
    /// 印章使用授权 (R16): grants of a seal type's use, by the legal representative or a seal
    /// admin.
    SealGrants {
        /// What to do.
        #[command(subcommand)]
        command: SealGrantsCommand,
    },
    /// Ask the authority whether a license may be used now.
    Status {
        /// License id or USCC; may be left out when the phone holds one license.
        #[arg(long)]
        license: Option<String>,
        /// The matter the use is for.
        #[arg(long, value_name = "CODE")]
        matter: Option<String>,
    },
}

/// `realname`: one call (asks for the code) or two steps.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct RealnameArgs {
    /// The two-step form, for scripts.
    #[command(subcommand)]
    pub step: Option<RealnameStep>,
    /// Name.
    #[arg(long)]
    pub name: Option<String>,
    /// Resident ID number.
    #[arg(long)]
    pub id_number: Option<String>,
    /// Mobile phone.
    #[arg(long)]
    pub phone: Option<String>,
    /// The code, when already known (else it is asked for on stdin).
    #[arg(long)]
    pub code: Option<String>,
    /// Take the code from the authority's development outbox (demo servers only).
    #[arg(long, conflicts_with = "code")]
    pub dev_outbox: bool,
}

/// The two steps of real-name verification.
#[derive(Debug, Subcommand)]
pub enum RealnameStep {
    /// Send the code to the phone; prints the session.
    Start(PersonArgs),
    /// Finish with the session and the code.
    Confirm {
        /// From `realname start`.
        #[arg(long)]
        session: String,
        /// The code sent to the phone.
        #[arg(long)]
        code: String,
    },
}

/// A person: name, ID number, phone.
#[derive(Debug, Clone, Args)]
pub struct PersonArgs {
    /// Name.
    #[arg(long)]
    pub name: String,
    /// Resident ID number.
    #[arg(long)]
    pub id_number: String,
    /// Mobile phone.
    #[arg(long)]
    pub phone: String,
}

impl From<PersonArgs> for PersonInput {
    fn from(p: PersonArgs) -> Self {
        PersonInput {
            name: p.name,
            id_number: p.id_number,
            phone: p.phone,
        }
    }
}

/// `admins …`.
#[derive(Debug, Subcommand)]
pub enum AdminsCommand {
    /// The entity's license admins.
    List {
        /// License id or USCC (of the legal representative's license).
        #[arg(long)]
        license: Option<String>,
    },
    /// Add a license admin (at most five).
    Add {
        /// License id or USCC.
        #[arg(long)]
        license: Option<String>,
        /// The new admin.
        #[command(flatten)]
        person: PersonArgs,
    },
    /// Remove a license admin.
    Remove {
        /// License id or USCC.
        #[arg(long)]
        license: Option<String>,
        /// The admin's grant id.
        #[arg(long)]
        grant: String,
    },
}

/// `agents …`.
#[derive(Debug, Subcommand)]
pub enum AgentsCommand {
    /// The entity's agent authorizations.
    List {
        /// License id or USCC.
        #[arg(long)]
        license: Option<String>,
    },
    /// Authorize an agent: all business (--all) or precise (--matter CODE…).
    Authorize {
        /// License id or USCC.
        #[arg(long)]
        license: Option<String>,
        /// The agent.
        #[command(flatten)]
        person: PersonArgs,
        /// Start, RFC 3339 or Unix seconds; default now.
        #[arg(long)]
        start: Option<String>,
        /// End, RFC 3339 or Unix seconds; default start + 3 days.
        #[arg(long)]
        end: Option<String>,
        /// The matters.
        #[command(flatten)]
        matters: MattersArgs,
    },
    /// Revoke an agent authorization.
    Revoke {
        /// License id or USCC.
        #[arg(long)]
        license: Option<String>,
        /// The authorization's grant id.
        #[arg(long)]
        grant: String,
    },
}

/// 全业务授权 or 精准授权.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct MattersArgs {
    /// 全业务授权: every matter.
    #[arg(long)]
    pub all: bool,
    /// 精准授权: a matter code; repeat for several.
    #[arg(long = "matter", value_name = "CODE")]
    pub matters: Vec<String>,
}

fn parse_password(s: &str) -> std::result::Result<Password, std::convert::Infallible> {
    Ok(Password::new(s))
}

/// A command's result: JSON for `--json`, short Chinese text otherwise.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The result as JSON.
    pub json: serde_json::Value,
    /// The result for people.
    pub text: String,
}

impl Outcome {
    pub(crate) fn new(value: &impl Serialize, text: String) -> Result<Self> {
        let json =
            serde_json::to_value(value).map_err(|e| WalletError::Format(format!("result: {e}")))?;
        Ok(Outcome { json, text })
    }
}

impl WalletCli {
    /// Run the command with the OS random number generator, print its result (stdout) or error
    /// (stderr, or stdout as JSON with `--json`), and give the process exit code.
    pub async fn run(self) -> ExitCode {
        let json = self.json;
        if let WalletCommand::Serve {
            listen,
            idle_timeout,
        } = self.command
        {
            let mut config = crate::web::WebConfig::new(listen);
            config.idle_timeout_secs = idle_timeout.max(1);
            return match serve(&self.home, &self.server, config).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("错误: {e} [{}]", e.code());
                    ExitCode::FAILURE
                }
            };
        }
        let result = match Home::open(&self.home) {
            Ok(home) => {
                let result = self
                    .execute_in(home.clone(), &mut yizhao_gm::system_rng())
                    .await;
                // Warned after the command, so a successful `password` does not warn any more.
                if home.password_is_default().unwrap_or(false) {
                    eprintln!("警告: {DEFAULT_PASSWORD_WARNING}");
                }
                result
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(out) if json => {
                println!("{}", out.json);
                ExitCode::SUCCESS
            }
            Ok(out) => {
                println!("{}", out.text);
                ExitCode::SUCCESS
            }
            Err(e) => {
                if json {
                    let env = serde_json::to_string(&e.to_envelope()).unwrap_or_default();
                    println!("{env}");
                } else {
                    eprintln!("错误: {e} [{}]", e.code());
                }
                ExitCode::FAILURE
            }
        }
    }

    /// Run the command and return its result, printing nothing but prompts (stderr).
    pub async fn execute(self, rng: &mut (dyn CryptoRng + Send)) -> Result<Outcome> {
        let home = Home::open_with(&self.home, KdfParams::DEFAULT, rng)?;
        self.execute_in(home, rng).await
    }

    async fn execute_in(self, home: Home, rng: &mut (dyn CryptoRng + Send)) -> Result<Outcome> {
        let wallet = Wallet::new(home, Client::new(&self.server)?);
        let mut pw = PasswordInput {
            flag: self.password,
            stdin: self.password_stdin,
        };
        match self.command {
            WalletCommand::Realname(args) => realname(&wallet, args).await,
            WalletCommand::Licenses { locality } => {
                let list = wallet.list_licenses(&locality).await?;
                Outcome::new(&list, render::license_list(&list))
            }
            WalletCommand::Matters => {
                let items = wallet.client().matters().await?;
                let text = items
                    .iter()
                    .map(|m| format!("{} {}", m.code, m.name))
                    .collect::<Vec<_>>()
                    .join("\n");
                Outcome::new(&items, text)
            }
            WalletCommand::Declaration => {
                let d = wallet.client().declaration().await?;
                let text = format!("《{}》（版本 {}）\n{}", d.title, d.version, d.text);
                Outcome::new(&d, text)
            }
            WalletCommand::Download {
                uscc,
                grant,
                accept_declaration,
            } => {
                let password = pw.device(wallet.home())?;
                let lic = wallet
                    .download(&uscc, grant.as_deref(), accept_declaration, &password, rng)
                    .await?;
                let text = format!("执照下载成功: {}", render::license_line(&lic));
                Outcome::new(&lic, text)
            }
            WalletCommand::Password { old, new } => {
                let old = match old {
                    Some(p) => p,
                    None => pw.device(wallet.home())?,
                };
                let new = match new {
                    Some(p) => p,
                    None => pw.stdin_line()?.ok_or_else(|| {
                        WalletError::Input("需要新密码: 用 --new 或 --password-stdin".into())
                    })?,
                };
                wallet.home().change_password(&old, &new, rng)?;
                let done = serde_json::json!({ "changed": true });
                Outcome::new(&done, "执照密码已修改（本手机全部执照）".into())
            }
            WalletCommand::Show { license: None } => {
                let all = wallet.home().licenses()?;
                Outcome::new(&all, render::stored_licenses(&all))
            }
            WalletCommand::Show { license: Some(l) } => {
                let lic = wallet.home().license(&l)?;
                Outcome::new(&lic, render::stored_license_full(&lic))
            }
            WalletCommand::Admins { command } => admins(&wallet, command, &mut pw).await,
            WalletCommand::Agents { command } => agents(&wallet, command, &mut pw).await,
            WalletCommand::Scan {
                input,
                license,
                yes,
            } => scan(&wallet, &input, license, yes, &mut pw).await,
            WalletCommand::Serve { .. } => Err(WalletError::Input(
                "serve 是长期运行的服务，请在命令行直接运行".into(),
            )),
            WalletCommand::Impression { command } => {
                seals::impression(&wallet, command, &mut pw).await
            }
            WalletCommand::Seals { command } => seals::seals(&wallet, command, &mut pw).await,
            WalletCommand::SealAdmins { command } => {
                seals::seal_admins(&wallet, command, &mut pw).await
            }
            WalletCommand::SealGrants { command } => {
                seals::seal_grants(&wallet, command, &mut pw).await
            }
            WalletCommand::Status { license, matter } => {
                let license = pick_license(wallet.home(), license)?;
                let body = wallet.status(&license, matter.as_deref()).await?;
                Outcome::new(&body, render::status(&body))
            }
        }
    }
}

/// `serve`: the web UI over the wallet of `home`.
async fn serve(home: &std::path::Path, server: &str, config: crate::web::WebConfig) -> Result<()> {
    let home = Home::open(home)?;
    if home.password_is_default()? {
        eprintln!("警告: {DEFAULT_PASSWORD_WARNING}");
    }
    let wallet = Wallet::new(home, Client::new(server)?);
    crate::web::serve(wallet, config.addr, config).await
}

async fn realname(wallet: &Wallet, args: RealnameArgs) -> Result<Outcome> {
    let (person, code) = match args.step {
        Some(RealnameStep::Start(p)) => {
            let started = wallet.realname(&p.name, &p.id_number, &p.phone).await?;
            return Outcome::new(&started, render::realname_started(&started));
        }
        Some(RealnameStep::Confirm { session, code }) => {
            let kept = wallet.confirm(&session, &code).await?;
            return verified(&kept);
        }
        None => {
            let missing = |what: &str| WalletError::Input(format!("缺少 --{what}"));
            let person = PersonArgs {
                name: args.name.ok_or_else(|| missing("name"))?,
                id_number: args.id_number.ok_or_else(|| missing("id-number"))?,
                phone: args.phone.ok_or_else(|| missing("phone"))?,
            };
            (person, args.code)
        }
    };
    let started = wallet
        .realname(&person.name, &person.id_number, &person.phone)
        .await?;
    let code = match code {
        Some(c) => c,
        None if args.dev_outbox => {
            let messages = wallet.client().outbox(&person.phone).await?;
            messages
                .into_iter()
                .max_by_key(|m| m.at)
                .map(|m| m.code)
                .ok_or_else(|| WalletError::Format("开发发件箱里没有验证码".into()))?
        }
        None => {
            eprint!("验证码已发送至 {}，请输入验证码: ", started.phone_masked);
            read_line()?.ok_or_else(|| {
                WalletError::Input("需要验证码: 用 --code，或 realname start / confirm".into())
            })?
        }
    };
    let kept = wallet.confirm(&started.session, code.trim()).await?;
    verified(&kept)
}

fn verified(kept: &crate::home::RealNameSession) -> Result<Outcome> {
    // The token stays in state.json; it is never printed.
    let shown = serde_json::json!({ "name": kept.name, "expires_at": kept.expires_at });
    let text = format!(
        "实名认证成功: {}（有效期至 {}）",
        kept.name,
        crate::time::format_beijing(kept.expires_at)
    );
    Outcome::new(&shown, text)
}

async fn admins(wallet: &Wallet, cmd: AdminsCommand, pw: &mut PasswordInput) -> Result<Outcome> {
    match cmd {
        AdminsCommand::List { license } => {
            let license = pick_license(wallet.home(), license)?;
            let items = wallet
                .admins_list(&license, &pw.device(wallet.home())?)
                .await?;
            Outcome::new(&items, render::grants(&items, "还没有证照管理员"))
        }
        AdminsCommand::Add { license, person } => {
            let license = pick_license(wallet.home(), license)?;
            let password = pw.device(wallet.home())?;
            let item = wallet
                .admins_add(&license, person.into(), &password)
                .await?;
            let text = format!("已添加证照管理员: {}", render::grant_line(&item));
            Outcome::new(&item, text)
        }
        AdminsCommand::Remove { license, grant } => {
            let license = pick_license(wallet.home(), license)?;
            let password = pw.device(wallet.home())?;
            let item = wallet.admins_remove(&license, &grant, &password).await?;
            let text = format!("已删除证照管理员: {}", render::grant_line(&item));
            Outcome::new(&item, text)
        }
    }
}

async fn agents(wallet: &Wallet, cmd: AgentsCommand, pw: &mut PasswordInput) -> Result<Outcome> {
    match cmd {
        AgentsCommand::List { license } => {
            let license = pick_license(wallet.home(), license)?;
            let items = wallet
                .agents_list(&license, &pw.device(wallet.home())?)
                .await?;
            Outcome::new(&items, render::grants(&items, "还没有授权办事人"))
        }
        AgentsCommand::Authorize {
            license,
            person,
            start,
            end,
            matters,
        } => {
            let license = pick_license(wallet.home(), license)?;
            let auth = AgentAuthorization {
                agent: person.into(),
                start: start.as_deref().map(parse_time).transpose()?,
                end: end.as_deref().map(parse_time).transpose()?,
                matters: if matters.all {
                    Matters::All
                } else {
                    Matters::Precise(matters.matters)
                },
            };
            let password = pw.device(wallet.home())?;
            let item = wallet.agents_authorize(&license, auth, &password).await?;
            let text = format!("已授权办事人: {}", render::grant_line(&item));
            Outcome::new(&item, text)
        }
        AgentsCommand::Revoke { license, grant } => {
            let license = pick_license(wallet.home(), license)?;
            let password = pw.device(wallet.home())?;
            let item = wallet.agents_revoke(&license, &grant, &password).await?;
            let text = format!("已撤销授权: {}", render::grant_line(&item));
            Outcome::new(&item, text)
        }
    }
}

async fn scan(
    wallet: &Wallet,
    input: &str,
    license: Option<String>,
    yes: bool,
    pw: &mut PasswordInput,
) -> Result<Outcome> {
    let path = std::path::Path::new(input);
    let link = if parse_qr_link(input).is_none() && path.is_file() {
        qr::decode_qr_image(path)?
    } else {
        input.to_owned()
    };
    let preview = wallet.fetch_request(&link).await?;
    let license = match license {
        Some(l) => l,
        None => match preview.licenses.as_slice() {
            [only] => only.license_id.clone(),
            [] => return Err(WalletError::NoLicense(String::new())),
            _ => {
                return Err(WalletError::Input(
                    "本手机有多张执照可用，请用 --license 指定".into(),
                ));
            }
        },
    };
    let shown = render::scan_preview(&preview);
    if !yes {
        eprintln!("{shown}");
        eprint!("确认{}？[y/N] ", qr::kind_name(&preview.kind));
        let answer = read_line()?.unwrap_or_default();
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "是") {
            return Err(WalletError::Cancelled);
        }
    }
    let password = pw.device(wallet.home())?;
    let status = wallet.answer_request(&preview, &license, &password).await?;
    let code = status.short_code.clone().unwrap_or_default();
    let text = format!("{shown}\n\n手机已确认，请在电脑上核对并确认。确认码：{code}");
    let out = serde_json::json!({ "preview": preview, "status": status });
    Outcome::new(&out, text)
}

/// The license asked for, or the only one on the phone.
pub(crate) fn pick_license(home: &Home, asked: Option<String>) -> Result<String> {
    if let Some(l) = asked {
        return Ok(l);
    }
    let all = home.licenses()?;
    match all.as_slice() {
        [only] => Ok(only.license_id.clone()),
        [] => Err(WalletError::NoLicense(String::new())),
        _ => Err(WalletError::Input(
            "本手机有多张执照，请用 --license 指定".into(),
        )),
    }
}

/// Where the device password comes from.
pub(crate) struct PasswordInput {
    flag: Option<Password>,
    stdin: bool,
}

impl PasswordInput {
    /// `--password`, else the environment, else a stdin line, else the default password while
    /// it has not been changed.
    pub(crate) fn device(&mut self, home: &Home) -> Result<Password> {
        if let Some(p) = self.flag.take() {
            return Ok(p);
        }
        if let Ok(p) = std::env::var(PASSWORD_ENV) {
            return Ok(Password::new(p));
        }
        if let Some(p) = self.stdin_line()? {
            return Ok(p);
        }
        if home.password_is_default()? {
            return Ok(Password::new(DEFAULT_PASSWORD));
        }
        if crate::terminal::interactive() {
            return crate::terminal::prompt_hidden("执照密码: ")
                .map_err(WalletError::io("<stdin>"));
        }
        Err(WalletError::Input(format!(
            "需要执照密码: 用 --password、环境变量 {PASSWORD_ENV} 或 --password-stdin"
        )))
    }

    fn stdin_line(&mut self) -> Result<Option<Password>> {
        if !self.stdin {
            return Ok(None);
        }
        Ok(read_line()?.map(Password::new))
    }
}

/// One line of stdin without its line ending; `None` at end of input.
fn read_line() -> Result<Option<String>> {
    let mut line = String::new();
    let n = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(WalletError::io("<stdin>"))?;
    if n == 0 {
        return Ok(None);
    }
    let trimmed = line.trim_end_matches(['\n', '\r']);
    Ok(Some(trimmed.to_owned()))
}

//! What the end-to-end tests share: a real `yizhao serve` on a free port and phones driven
//! through `yizhao wallet --json`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use serde_json::Value;
use yizhao_domain::ids::IdNumber;
use yizhao_domain::registry::{Enterprise, Person, Phone};

use crate::{Running, free_addr, get, terminate, wait_for_exit, wait_for_ok, yizhao};

/// Seals the authority's keys; fixed so that every process on one data folder agrees.
pub const KEY_PASSWORD: &str = "it-authority-key-password";
pub const COMPANY: &str = "宜昌市示范建设工程有限公司";
pub const BIDDING: &str = "egov.ndrc.bidding";
pub const PROCUREMENT: &str = "egov.finance.procurement";

/// `yizhao serve` on a free port and a data folder, stopped (killed) when dropped.
pub struct Server {
    running: Running,
    pub addr: SocketAddr,
    pub url: String,
}

impl Server {
    pub fn start(data: &Path, demo_data: bool) -> Server {
        Server::start_with(data, demo_data, &[])
    }

    /// As [`Server::start`], with more `serve` arguments.
    pub fn start_with(data: &Path, demo_data: bool, extra: &[&str]) -> Server {
        Server::start_at(free_addr(), data, demo_data, extra)
    }

    /// As [`Server::start_with`], on a given address (a restart keeps the browsers' cookies).
    pub fn start_at(addr: SocketAddr, data: &Path, demo_data: bool, extra: &[&str]) -> Server {
        let mut cmd = yizhao();
        cmd.args(["serve", "--listen", &addr.to_string(), "--data"])
            .arg(data)
            .env("YIZHAO_KEY_PASSWORD", KEY_PASSWORD)
            .env_remove("YIZHAO_DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        cmd.arg("--dev-outbox");
        if demo_data {
            cmd.arg("--demo-data");
        }
        cmd.args(extra);
        let mut running = Running(cmd.spawn().unwrap());
        wait_for_ok(addr, "/healthz", &mut running.0);
        Server {
            running,
            addr,
            url: format!("http://{addr}"),
        }
    }

    /// SIGTERM, and the exit must be clean.
    pub fn stop(mut self) {
        terminate(&self.running.0);
        let status = wait_for_exit(&mut self.running.0);
        assert!(status.success(), "serve exited with {status}");
    }

    /// The newest code the built-in outbox holds for this phone, by a plain HTTP GET.
    pub fn outbox_code(&self, phone: &str) -> String {
        let path = format!("/authority/api/v1/dev/outbox?phone={phone}");
        let (status, body) = get(self.addr, &path).unwrap();
        assert_eq!(status, 200, "{body}");
        let messages: Value = serde_json::from_str(&body).unwrap();
        messages
            .as_array()
            .unwrap()
            .iter()
            .max_by_key(|m| m["at"].as_i64().unwrap())
            .map(|m| m["code"].as_str().unwrap().to_owned())
            .unwrap()
    }
}

/// One phone: a wallet home folder, driven only through `yizhao wallet --json`.
pub struct Wallet {
    pub home: PathBuf,
    pub server: String,
    pub person: Person,
    pub password: Option<String>,
}

/// A failed command: its `error.code`.
#[derive(Debug)]
pub struct Failure {
    pub code: String,
}

impl Wallet {
    pub fn new(root: &Path, server: &Server, person: Person) -> Wallet {
        Wallet {
            home: root.join(format!("phone-{}", person.name)),
            server: server.url.clone(),
            person,
            password: None,
        }
    }

    pub fn output(&self, args: &[&str]) -> Output {
        let mut cmd = yizhao();
        cmd.args(["wallet", "--home"])
            .arg(&self.home)
            .args(["--server", &self.server, "--json"])
            .env_remove("YIZHAO_WALLET_PASSWORD");
        if let Some(p) = &self.password {
            cmd.args(["--password", p]);
        }
        cmd.args(args).output().unwrap()
    }

    /// Runs the command; `Ok(json)` on success, `Err(code)` on failure, with the exit status and
    /// the JSON envelope checked to agree.
    pub fn run(&self, args: &[&str]) -> Result<Value, Failure> {
        let out = self.output(args);
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let json: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
            panic!("{args:?}: stdout is not JSON ({e}): {stdout:?}; stderr: {stderr}")
        });
        let error = json
            .get("error")
            .and_then(|e| e.get("code"))
            .and_then(Value::as_str);
        match (out.status.success(), error) {
            (true, None) => Ok(json),
            (false, Some(code)) => Err(Failure {
                code: code.to_owned(),
            }),
            (ok, _) => panic!("{args:?}: success {ok} but stdout {stdout}; stderr: {stderr}"),
        }
    }

    pub fn ok(&self, args: &[&str]) -> Value {
        self.run(args)
            .unwrap_or_else(|f| panic!("{} {args:?} failed: {f:?}", self.person.name))
    }

    /// Runs a command that must fail; its error code.
    pub fn fails(&self, args: &[&str]) -> String {
        match self.run(args) {
            Ok(v) => panic!("{} {args:?} succeeded: {v}", self.person.name),
            Err(f) => f.code,
        }
    }

    pub fn person_args(p: &Person) -> [&str; 6] {
        [
            "--name",
            &p.name,
            "--id-number",
            p.id_number.as_str(),
            "--phone",
            p.phone.as_str(),
        ]
    }

    /// Real-name verification in one call, the code taken from the development outbox.
    pub fn realname_dev_outbox(&self) -> Value {
        let mut args = vec!["realname"];
        args.extend(Self::person_args(&self.person));
        args.push("--dev-outbox");
        self.ok(&args)
    }

    /// Real-name verification in two steps, the code read from the outbox over HTTP.
    pub fn realname_two_step(&self, server: &Server) -> Value {
        let mut args = vec!["realname", "start"];
        args.extend(Self::person_args(&self.person));
        let started = self.ok(&args);
        let session = started["session"].as_str().unwrap().to_owned();
        let code = server.outbox_code(self.person.phone.as_str());
        self.ok(&[
            "realname",
            "confirm",
            "--session",
            &session,
            "--code",
            &code,
        ])
    }

    pub fn download(&self, uscc: &str) -> Value {
        self.ok(&["download", "--uscc", uscc, "--accept-declaration"])
    }
}

/// A person the registry does not know: a valid ID number made from `serial`, a distinct phone.
pub fn stranger(name: &str, serial: u32) -> Person {
    let body = format!("420503199{}0101{:03}", serial % 10, 100 + serial);
    let check = IdNumber::check_char(&body).unwrap();
    Person {
        name: name.to_owned(),
        id_number: IdNumber::parse(&format!("{body}{check}")).unwrap(),
        phone: Phone::parse(&format!("1370000{:04}", 1000 + serial)).unwrap(),
    }
}

/// One CSV line, every field quoted.
pub fn csv_line(fields: &[&str]) -> String {
    let quoted: Vec<String> = fields
        .iter()
        .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
        .collect();
    quoted.join(",") + "\n"
}

const HEADER: [&str; 13] = [
    "uscc",
    "name",
    "kind",
    "legal_representative_name",
    "legal_representative_id_number",
    "legal_representative_phone",
    "registered_capital",
    "established",
    "business_term",
    "domicile",
    "business_scope",
    "registration_authority",
    "locality",
];

/// The registry CSV row of an enterprise.
pub fn csv_row(e: &Enterprise) -> [String; 13] {
    let lr = &e.legal_representative;
    [
        e.uscc.as_str().to_owned(),
        e.name.clone(),
        e.kind.clone(),
        lr.name.clone(),
        lr.id_number.as_str().to_owned(),
        lr.phone.as_str().to_owned(),
        e.registered_capital.clone(),
        e.established.clone(),
        e.business_term.clone(),
        e.domicile.clone(),
        e.business_scope.clone(),
        e.registration_authority.clone(),
        e.locality.clone(),
    ]
}

/// A registry CSV file of these rows.
pub fn csv(rows: &[[String; 13]]) -> String {
    let mut text = csv_line(&HEADER);
    for row in rows {
        let fields: Vec<&str> = row.iter().map(String::as_str).collect();
        text.push_str(&csv_line(&fields));
    }
    text
}

/// `yizhao registry import FILE --data DATA`.
pub fn import(file: &Path, data: &Path) -> Output {
    yizhao()
        .args(["registry", "import"])
        .arg(file)
        .arg("--data")
        .arg(data)
        .env("YIZHAO_KEY_PASSWORD", KEY_PASSWORD)
        .env_remove("YIZHAO_DATABASE_URL")
        .output()
        .unwrap()
}

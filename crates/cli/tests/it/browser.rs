//! Browser tests: the PC pages and the phone's web UI in a real headless Chromium (Debian's
//! `chromium` and `chromium-driver`, driven over WebDriver), against a real `yizhao serve` and
//! `yizhao wallet serve` processes. Two browser sessions are two people: the PC user and the phone.
//! Screenshots of each final screen are kept as test artifacts under
//! `$YIZHAO_TEST_ARTIFACTS` (default: `browser/` in Cargo's temporary target folder).

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use thirtyfour::ChromiumLikeCapabilities as _;
use thirtyfour::prelude::*;
use yizhao_domain::registry::{demo_person, demo_registry_entry};

use crate::harness::{COMPANY, KEY_PASSWORD, PROCUREMENT, Server, Wallet, csv, csv_row, import};
use crate::replicas::call;
use crate::{Running, free_addr};

const CHROMIUM: [&str; 2] = ["/usr/bin/chromium", "/usr/lib/chromium/chromium"];
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long a page may take to reach an expected state.
const PATIENCE: Duration = Duration::from_secs(20);
const DEVICE_PASSWORD: &str = "123456";
const PLATFORM: &str = "宜昌市公共资源交易平台";

/// Where screenshots go.
fn artifacts() -> PathBuf {
    let dir = std::env::var_os("YIZHAO_TEST_ARTIFACTS").map_or_else(
        || Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser"),
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A `chromedriver` child on a free port, killed when dropped.
struct Driver {
    _running: Running,
    url: String,
    profiles: tempfile::TempDir,
}

impl Driver {
    fn start() -> Driver {
        assert!(
            Path::new(CHROMEDRIVER).exists() && CHROMIUM.iter().any(|p| Path::new(p).exists()),
            "the browser tests need Debian's chromium and chromium-driver (scripts/test installs them)"
        );
        let addr = free_addr();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={}", addr.port()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut running = Running(child);
        for _ in 0..200 {
            // Listening is enough: chromedriver keeps connections alive, so no plain GET here.
            if std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Driver {
                    _running: running,
                    url: format!("http://{addr}"),
                    profiles: tempfile::tempdir().unwrap(),
                };
            }
            if let Some(status) = running.0.try_wait().unwrap() {
                panic!("chromedriver exited early with {status}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("chromedriver did not answer on {addr}");
    }

    /// A fresh browser (its own profile: its own cookies) with a window of this size.
    async fn browser(&self, name: &str, width: u32, height: u32) -> Page {
        let mut caps = DesiredCapabilities::chrome();
        let binary = CHROMIUM.iter().find(|p| Path::new(p).exists()).unwrap();
        caps.set_binary(binary).unwrap();
        let profile = self.profiles.path().join(name);
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--lang=zh-CN",
            &format!("--window-size={width},{height}"),
            &format!("--user-data-dir={}", profile.display()),
        ] {
            caps.add_arg(arg).unwrap();
        }
        let driver = WebDriver::new(self.url.clone(), caps).await.unwrap();
        Page {
            driver,
            name: name.to_owned(),
        }
    }
}

impl Driver {
    /// A phone's browser, logged into its pages at `url` with the device password.
    async fn phone(&self, name: &str, url: &str, password: &str) -> Page {
        let page = self.browser(name, 375, 812).await;
        page.goto(&format!("{url}/")).await;
        // No session yet: every page leads to 登录.
        page.wait_path("/login").await;
        page.fill("#login-password", password).await;
        page.click("#login-submit").await;
        page.wait_path("/").await;
        page.find("#logout").await;
        page
    }
}

/// One browser session and the helpers the tests use on it.
struct Page {
    driver: WebDriver,
    name: String,
}

impl Page {
    async fn goto(&self, url: &str) {
        self.driver.goto(url).await.unwrap();
    }

    async fn path(&self) -> String {
        self.driver.current_url().await.unwrap().path().to_owned()
    }

    async fn find(&self, css: &str) -> WebElement {
        let found = self
            .driver
            .query(By::Css(css))
            .wait(PATIENCE, Duration::from_millis(100))
            .first()
            .await;
        match found {
            Ok(e) => e,
            Err(e) => {
                let shot = self.shot("missing").await;
                panic!(
                    "{}: no {css} on {} ({e}; screenshot {})",
                    self.name,
                    self.url().await,
                    shot.display()
                )
            }
        }
    }

    async fn url(&self) -> String {
        self.driver
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default()
    }

    async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap()
    }

    /// An attribute of the element (empty if it has none), e.g. the `data-code` an error keeps
    /// out of sight.
    async fn attr(&self, css: &str, name: &str) -> String {
        self.find(css)
            .await
            .attr(name)
            .await
            .unwrap()
            .unwrap_or_default()
    }

    async fn value(&self, css: &str) -> String {
        self.find(css)
            .await
            .value()
            .await
            .unwrap()
            .unwrap_or_default()
    }

    async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// A click through script, for inputs that WeUI hides behind their labels.
    async fn js_click(&self, css: &str) {
        self.find(css).await;
        self.driver
            .execute(
                "document.querySelector(arguments[0]).click();",
                vec![json!(css)],
            )
            .await
            .unwrap();
    }

    /// Waits until the script returns true.
    async fn until(&self, what: &str, script: &str) {
        let step = Duration::from_millis(100);
        let mut waited = Duration::ZERO;
        loop {
            let ret = self.driver.execute(script, Vec::new()).await;
            if let Ok(r) = ret
                && r.json().as_bool() == Some(true)
            {
                return;
            }
            if waited > PATIENCE {
                let shot = self.shot("timeout").await;
                panic!(
                    "{}: not {what} within {PATIENCE:?} on {} (screenshot {})",
                    self.name,
                    self.url().await,
                    shot.display()
                );
            }
            tokio::time::sleep(step).await;
            waited += step;
        }
    }

    /// Waits until the element's text contains `needle`; its whole text.
    async fn wait_text(&self, css: &str, needle: &str) -> String {
        let script = format!(
            "const e = document.querySelector({css}); return !!e && e.textContent.includes({needle});",
            css = json!(css),
            needle = json!(needle)
        );
        self.until(&format!("{css} showing {needle:?}"), &script)
            .await;
        self.text(css).await
    }

    async fn wait_path(&self, path: &str) {
        let script = format!("return location.pathname === {};", json!(path));
        self.until(&format!("at {path}"), &script).await;
    }

    /// A screenshot of the whole window, kept as an artifact.
    async fn shot(&self, what: &str) -> PathBuf {
        let file = artifacts().join(format!("{}-{what}.png", self.name));
        let _ = self.driver.screenshot(&file).await;
        file
    }

    async fn quit(self) {
        self.driver.quit().await.unwrap();
    }
}

/// `yizhao wallet serve` for a phone's home folder: the phone's web UI.
struct PhoneServer {
    _running: Running,
    url: String,
}

impl PhoneServer {
    fn start(wallet: &Wallet) -> PhoneServer {
        let mut child = crate::yizhao()
            .args(["wallet", "--home"])
            .arg(&wallet.home)
            .args([
                "--server",
                &wallet.server,
                "serve",
                "--listen",
                "127.0.0.1:0",
            ])
            .env_remove("YIZHAO_WALLET_PASSWORD")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let running = Running(child);
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let url = line
            .trim()
            .strip_prefix("phone: ")
            .unwrap_or_else(|| panic!("wallet serve printed {line:?}"))
            .trim_end_matches('/')
            .to_owned();
        PhoneServer {
            _running: running,
            url,
        }
    }
}

/// A server with the demo registry, and 张伟 (legal representative of the company) holding its
/// license on a phone.
struct World {
    root: tempfile::TempDir,
    server: Server,
    /// A second replica on the same database, which the phone reaches (see [`World::replicas`]).
    replica: Option<Server>,
    zhang: Wallet,
    uscc: String,
}

impl World {
    fn start(extra: &[&str]) -> World {
        let root = tempfile::tempdir().unwrap();
        let server = Server::start_with(&root.path().join("data"), true, extra);
        World::with(root, server, None)
    }

    /// Two replicas over the PostgreSQL database at `database`: `server` (A) serves the PC
    /// pages and puts replica B's URL in its QR codes (as a load balancer might send the phone
    /// elsewhere), so the phone's wallet talks to `replica` (B) only.
    fn replicas(database: &str) -> World {
        let root = tempfile::tempdir().unwrap();
        let b_addr = free_addr();
        let b_url = format!("http://{b_addr}");
        let a_args = ["--database", database, "--public-url", &b_url];
        let a = Server::start_with(&root.path().join("a"), true, &a_args);
        let b = Server::start_at(
            b_addr,
            &root.path().join("b"),
            false,
            &["--database", database],
        );
        World::with(root, a, Some(b))
    }

    fn with(root: tempfile::TempDir, server: Server, replica: Option<Server>) -> World {
        let zhang = Wallet::new(
            root.path(),
            replica.as_ref().unwrap_or(&server),
            demo_person("张伟").unwrap(),
        );
        zhang.realname_dev_outbox();
        let uscc = demo_registry_entry(COMPANY)
            .unwrap()
            .uscc
            .as_str()
            .to_owned();
        zhang.download(&uscc);
        World {
            root,
            server,
            replica,
            zhang,
            uscc,
        }
    }
}

/// The PC login page with a live QR, its event stream open; saves the QR's screenshot.
async fn pc_login_page(pc: &Page, url: &str) -> PathBuf {
    pc_login_page_for(pc, url, url).await
}

/// As [`pc_login_page`], on a server whose QR codes send phones to `phone_base`.
async fn pc_login_page_for(pc: &Page, url: &str, phone_base: &str) -> PathBuf {
    pc.goto(&format!("{url}/login")).await;
    pc.until(
        "showing the QR",
        "const i = document.getElementById('qr-image'); return !!i && i.complete && i.naturalWidth > 0;",
    )
    .await;
    pc.until(
        "listening for events",
        "return document.body.dataset.sse === 'open';",
    )
    .await;
    // For phones that cannot scan, the page also shows the link the QR holds.
    let link = pc.text("#qr-link").await;
    assert!(link.starts_with(&format!("{phone_base}/qr/")), "{link}");
    let file = artifacts().join(format!("{}-qr.png", pc.name));
    pc.find("#qr-image").await.screenshot(&file).await.unwrap();
    file
}

/// On the phone: upload the screenshot of the QR, check who asks, pick the license, enter the
/// password and confirm.
async fn phone_scans(phone: &Page, phone_url: &str, qr: &Path, uscc: &str, password: &str) {
    phone.goto(&format!("{phone_url}/scan")).await;
    phone
        .find("#scan-file")
        .await
        .send_keys(qr.to_str().unwrap())
        .await
        .unwrap();
    phone.click("#scan-file-submit").await;
    assert_eq!(phone.wait_text("#requester-name", PLATFORM).await, PLATFORM);
    assert!(phone.text("#matter").await.contains("公共资源交易招投标"));
    phone
        .js_click(&format!("input[name=license][data-uscc='{uscc}']"))
        .await;
    phone.fill("#password", password).await;
    phone.click("#confirm-submit").await;
}

/// Both screens show the same short code; the PC user confirms it.
async fn confirm_short_code(pc: &Page, phone: &Page) {
    phone.find("#short-code").await;
    // One term on both screens, and each says what is left to do: the phone has confirmed, the
    // PC checks the code and confirms.
    assert_eq!(phone.text("#short-code-hint").await, "请在电脑上核对并确认");
    let phone_text = phone.text("body").await;
    assert!(
        phone_text.contains("确认码") && !phone_text.contains("验证码"),
        "{phone_text}"
    );
    assert!(!phone_text.contains("登录成功"), "{phone_text}");
    let code = phone.text("#short-code").await;
    let digits: String = code.chars().filter(char::is_ascii_alphanumeric).collect();
    assert!(!digits.is_empty(), "phone shows no code: {code:?}");
    let shown = pc.wait_text("#short-code", &digits).await;
    assert!(
        shown.contains(&digits),
        "PC shows {shown:?}, phone {code:?}"
    );
    assert!(
        pc.text("#short-code-title")
            .await
            .starts_with("手机已确认，请核对确认码")
    );
    let pc_text = pc.text("body").await;
    assert!(!pc_text.contains("验证码"), "{pc_text}");
    pc.click("#short-code-confirm").await;
}

/// A full QR login of `uscc` on the PC page by the phone page.
async fn login(pc: &Page, phone: &Page, phone_url: &str, server: &Server, uscc: &str) {
    login_with(pc, phone, phone_url, &server.url, uscc, DEVICE_PASSWORD).await;
}

/// As [`login`], against the server at `url`, with this device password.
async fn login_with(pc: &Page, phone: &Page, phone_url: &str, url: &str, uscc: &str, pw: &str) {
    let qr = pc_login_page(pc, url).await;
    phone_scans(phone, phone_url, &qr, uscc, pw).await;
    phone.find("#result").await;
    confirm_short_code(pc, phone).await;
}

/// Registration after the first login of an unregistered entity: the form is pre-filled.
async fn register(pc: &Page, uscc: &str) {
    pc.wait_path("/register").await;
    assert_eq!(pc.value("#reg-uscc").await, uscc);
    assert_eq!(pc.value("#reg-name").await, COMPANY);
    assert_eq!(pc.value("#reg-legal-representative").await, "张伟");
    assert!(!pc.value("#reg-domicile").await.is_empty());
    pc.shot("registration").await;
    pc.fill("#reg-contact-name", "张伟").await;
    pc.fill("#reg-contact-phone", "13800000001").await;
    pc.click("#reg-submit").await;
    pc.wait_path("/").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_login_registers_then_the_next_login_shows_the_entity() {
    let world = World::start(&[]);
    let phone_server = PhoneServer::start(&world.zhang);
    let driver = Driver::start();
    let pc = driver.browser("login-pc", 1280, 900).await;
    let phone = driver
        .phone("login-phone", &phone_server.url, DEVICE_PASSWORD)
        .await;

    // The phone's home lists the license.
    phone.goto(&phone_server.url).await;
    phone
        .find(&format!(".license-item[data-uscc='{}']", world.uscc))
        .await;

    // (2) An unregistered entity lands on the pre-filled registration page.
    login(&pc, &phone, &phone_server.url, &world.server, &world.uscc).await;
    register(&pc, &world.uscc).await;
    assert_eq!(pc.text("#member-name").await, COMPANY);

    // (1) Logged out, the next login goes straight home and shows who logged in.
    pc.click("#logout").await;
    pc.wait_path("/login").await;
    login(&pc, &phone, &phone_server.url, &world.server, &world.uscc).await;
    pc.wait_path("/").await;
    assert_eq!(pc.wait_text("#member-name", COMPANY).await, COMPANY);
    assert_eq!(pc.text("#member-person").await, "张伟");
    assert_eq!(pc.text("#member-uscc").await, world.uscc);
    assert!(pc.text("#member-role").await.contains("法定代表人"));
    pc.shot("home").await;
    phone.shot("confirmed").await;
    pc.quit().await;
    phone.quit().await;
    world.server.stop();
}

// Issue #15: the phone's pages open only with the device password, and act only on requests
// from themselves: a page of another origin on the same machine (here one of the PC server,
// which is same-site, so the SameSite=Strict cookie goes along) cannot make the phone act, even
// with the form's token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_phone_pages_need_the_device_password_and_refuse_other_origins() {
    let world = World::start(&[]);
    let phone_server = PhoneServer::start(&world.zhang);
    let driver = Driver::start();
    let phone = driver.browser("guard-phone", 375, 812).await;

    // Any page leads to 登录, which says the password is still the default.
    phone.goto(&format!("{}/admins", phone_server.url)).await;
    phone.wait_path("/login").await;
    phone
        .wait_text("#default-password-warning", "默认密码 123456")
        .await;
    phone.shot("login").await;
    // A wrong password is refused and counted; the right one opens the pages.
    phone.fill("#login-password", "000000").await;
    phone.click("#login-submit").await;
    let err = phone.wait_text("#error", "还可尝试 4 次").await;
    assert!(err.contains("执照密码错误"), "{err}");
    assert_eq!(
        phone.attr("#error", "data-code").await,
        "wallet.wrong_password"
    );
    phone.fill("#login-password", DEVICE_PASSWORD).await;
    phone.click("#login-submit").await;
    phone.wait_path("/").await;
    phone
        .find(&format!(".license-item[data-uscc='{}']", world.uscc))
        .await;
    phone.find("#default-password-warning").await;
    // The session cookie is out of scripts' reach.
    let script_cookies = phone
        .driver
        .execute("return document.cookie;", Vec::new())
        .await
        .unwrap();
    assert_eq!(script_cookies.json().as_str(), Some(""));
    let csrf = phone.attr("input[name=csrf]", "value").await;
    assert!(!csrf.is_empty());

    // From another origin, a form to add a license admin, with the right token and the
    // default password: refused, nothing added.
    // (A page of the PC server without a form-action policy of its own: its health check.)
    phone.goto(&format!("{}/healthz", world.server.url)).await;
    phone
        .driver
        .execute(
            "const f = document.createElement('form'); f.method = 'post'; \
             f.action = arguments[0] + '/admins/add'; \
             for (const [k, v] of Object.entries(arguments[1])) { \
               const i = document.createElement('input'); i.type = 'hidden'; i.name = k; \
               i.value = v; f.appendChild(i); } \
             document.body.appendChild(f); f.submit(); return true;",
            vec![
                json!(phone_server.url),
                json!({
                    "csrf": csrf,
                    "password": DEVICE_PASSWORD,
                    "name": "王芳",
                    "id_number": "420502199001011234",
                    "phone": "13900000000",
                }),
            ],
        )
        .await
        .unwrap();
    phone.wait_path("/admins/add").await;
    assert_eq!(phone.attr("#error", "data-code").await, "web.csrf");
    phone.shot("foreign-origin").await;
    let admins = world.zhang.ok(&["admins", "list"]).to_string();
    assert!(!admins.contains("王芳"), "{admins}");

    // Logged out, the pages lead to 登录 again.
    phone.goto(&format!("{}/", phone_server.url)).await;
    phone.click("#logout").await;
    phone.wait_path("/login").await;
    phone.goto(&format!("{}/seals", phone_server.url)).await;
    phone.wait_path("/login").await;
    phone.quit().await;
    world.server.stop();
}

// Issue #14: two replicas over one PostgreSQL database. Replica A serves the PC page and its QR
// sends the phone to replica B; the phone answers through B, and A's page hears it (by
// PostgreSQL's NOTIFY, not by polling) and moves on by itself at once. The member session the
// login opens on A is known to B too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
// The test measures real latency between processes, which no Clock port reaches.
#[allow(clippy::disallowed_methods)]
async fn a_login_shown_by_one_replica_and_answered_through_another_moves_the_pc_page_on() {
    let pg = yizhao_testkit::PgScratch::create().await;
    let world = World::replicas(&pg.url);
    let a = &world.server;
    let b = world.replica.as_ref().unwrap();
    let phone_server = PhoneServer::start(&world.zhang);
    let driver = Driver::start();
    let pc = driver.browser("replicas-pc", 1280, 900).await;
    let phone = driver
        .phone("replicas-phone", &phone_server.url, DEVICE_PASSWORD)
        .await;

    // A's page shows a QR holding B's URL; the phone scans it and answers through B.
    let qr = pc_login_page_for(&pc, &a.url, &b.url).await;
    phone_scans(&phone, &phone_server.url, &qr, &world.uscc, DEVICE_PASSWORD).await;
    // The click that sends the answer returns once the phone's page has B's reply.
    let answered = Instant::now();
    pc.until(
        "showing the short code",
        "const b = document.getElementById('short-code-box'); \
         return !!b && !b.hidden && document.getElementById('short-code').textContent.trim() !== '';",
    )
    .await;
    let delay = answered.elapsed();
    eprintln!("A's page showed the short code {delay:?} after the phone's answer");
    assert!(
        delay <= Duration::from_secs(2),
        "A's page moved on {delay:?} after the phone answered through B"
    );
    phone.find("#result").await;
    pc.shot("short-code").await;
    confirm_short_code(&pc, &phone).await;
    // A first login: A's page goes on to the registration.
    register(&pc, &world.uscc).await;
    assert_eq!(pc.wait_text("#member-name", COMPANY).await, COMPANY);

    // The member session opened through A works on B.
    let member = pc.driver.get_named_cookie("yz_member").await.unwrap();
    let cookie = format!("yz_member={}", member.value);
    let (status, _, body) = call(b.addr, "GET", "/platform/api/v1/me", &cookie, None);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&world.uscc), "{body}");
    // Cookies go by host, not port: the same browser is logged in on B's pages too.
    pc.goto(&format!("{}/", b.url)).await;
    assert_eq!(pc.wait_text("#member-name", COMPANY).await, COMPANY);
    assert_eq!(pc.text("#member-uscc").await, world.uscc);
    pc.shot("home-on-b").await;

    pc.quit().await;
    phone.quit().await;
    let World {
        server, replica, ..
    } = world;
    server.stop();
    replica.unwrap().stop();
    pg.drop_db().await;
}

// R13 on the PC: the member prepares the impression on the PC page; the phone scans the QR of
// kind `impression`, sees the picture, and signs the upload; the PC page moves on by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impression_prepared_on_the_pc_is_signed_on_the_phone() {
    let world = World::start(&[]);
    let phone_server = PhoneServer::start(&world.zhang);
    let driver = Driver::start();
    let pc = driver.browser("impression-pc", 1280, 1000).await;
    let phone = driver
        .phone("impression-phone", &phone_server.url, DEVICE_PASSWORD)
        .await;
    login(&pc, &phone, &phone_server.url, &world.server, &world.uscc).await;
    register(&pc, &world.uscc).await;

    let photo = world.root.path().join("seal-photo.png");
    std::fs::write(&photo, yizhao_impression::sample::seal_photo(480)).unwrap();
    let photo = photo.canonicalize().unwrap();
    pc.goto(&format!("{}/seals", world.server.url)).await;
    pc.wait_text("#seals-empty", "您还未上传印模，请先上传印模！")
        .await;
    pc.click("#impression-add").await;
    pc.wait_path("/seals/impression").await;
    select(&pc, "#seal-type", "bid").await;
    select(&pc, "#size", "round:40x40").await;
    pc.find("#photo")
        .await
        .send_keys(photo.to_str().unwrap())
        .await
        .unwrap();
    pc.click("#impression-preview").await;
    pc.wait_text("#quality-ok", "质量检查通过").await;
    pc.find("#preview-dark").await;
    // The photo is kept for the upload; the terms must be accepted.
    pc.js_click("#accept").await;
    pc.click("#impression-upload").await;
    pc.until(
        "showing the impression QR",
        "const i = document.getElementById('qr-image'); return !!i && i.complete && i.naturalWidth > 0;",
    )
    .await;
    pc.until(
        "listening for events",
        "return document.body.dataset.sse === 'open';",
    )
    .await;
    // The countdown runs on the server's clock.
    let left: i64 = pc.text("#qr-countdown").await.parse().unwrap();
    assert!((1..=120).contains(&left), "{left}");
    let qr = artifacts().join("impression-pc-qr.png");
    pc.find("#qr-image").await.screenshot(&qr).await.unwrap();
    pc.shot("impression-qr").await;

    // The phone shows what it is asked to sign, then signs with the license.
    phone.goto(&format!("{}/scan", phone_server.url)).await;
    phone
        .find("#scan-file")
        .await
        .send_keys(qr.to_str().unwrap())
        .await
        .unwrap();
    phone.click("#scan-file-submit").await;
    assert_eq!(phone.wait_text("#qr-kind", "印模上传").await, "印模上传");
    assert_eq!(phone.text("#impression-type").await, "投标专用章");
    assert_eq!(phone.text("#impression-uscc").await, world.uscc);
    phone.find("#impression-picture").await;
    phone.shot("impression-confirm").await;
    phone
        .js_click(&format!("input[name=license][data-uscc='{}']", world.uscc))
        .await;
    phone.fill("#password", DEVICE_PASSWORD).await;
    phone.click("#confirm-submit").await;
    phone.wait_text("#result", "印模已上传").await;

    // The PC page moves on by itself to the records, with the upload awaiting review.
    pc.wait_path("/seals").await;
    pc.wait_text("#seals-uploaded", "印模已上传，等待审核")
        .await;
    pc.find("#uploads-open tr[data-state='pending'] img.thumb")
        .await;
    pc.until(
        "showing the uploaded picture",
        "const i = document.querySelector('#uploads-open img.thumb'); return !!i && i.complete && i.naturalWidth > 0;",
    )
    .await;
    pc.shot("impression-uploaded").await;
    pc.quit().await;
    phone.quit().await;
    world.server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_qr_says_so_and_refresh_gives_a_new_one() {
    let world = World::start(&["--qr-ttl", "5"]);
    let driver = Driver::start();
    let pc = driver.browser("expiry-pc", 1280, 900).await;
    pc_login_page(&pc, &world.server.url).await;
    let first = pc.find("#qr-image").await.attr("src").await.unwrap();
    pc.wait_text("#qr-message", "过期").await;
    assert_eq!(pc.text("#qr-countdown").await.trim_end_matches('秒'), "0");
    pc.shot("expired").await;

    pc.click("#qr-refresh").await;
    let script = format!(
        "const i = document.getElementById('qr-image'); return i.getAttribute('src') !== {} && i.complete && i.naturalWidth > 0;",
        json!(first)
    );
    pc.until("showing a new QR", &script).await;
    pc.until(
        "counting down again",
        "return parseInt(document.getElementById('qr-countdown').textContent, 10) > 0;",
    )
    .await;
    assert!(!pc.text("#qr-message").await.contains("过期"));
    pc.shot("refreshed").await;
    pc.quit().await;
    world.server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_without_the_bidding_matter_is_refused_on_both_screens() {
    let world = World::start(&[]);
    // 张伟 authorizes 王强 precisely for government procurement only; 王强 downloads.
    let wang = Wallet::new(
        world.root.path(),
        &world.server,
        demo_person("王强").unwrap(),
    );
    let mut args = vec!["agents", "authorize"];
    args.extend(Wallet::person_args(&wang.person));
    args.extend(["--matter", PROCUREMENT]);
    world.zhang.ok(&args);
    wang.realname_dev_outbox();
    wang.download(&world.uscc);

    let phone_server = PhoneServer::start(&wang);
    let driver = Driver::start();
    let pc = driver.browser("agent-pc", 1280, 900).await;
    let phone = driver
        .phone("agent-phone", &phone_server.url, DEVICE_PASSWORD)
        .await;
    let qr = pc_login_page(&pc, &world.server.url).await;
    phone_scans(&phone, &phone_server.url, &qr, &world.uscc, DEVICE_PASSWORD).await;

    let on_phone = phone.wait_text("#error", "事项").await;
    let on_pc = pc.wait_text("#qr-message", "事项").await;
    assert!(on_pc.contains("授权"), "{on_pc}");
    assert!(on_phone.contains("授权"), "{on_phone}");
    // People read the message; the stable code stays out of sight, in data-code.
    const CODE: &str = "authority.matter_not_authorized";
    assert!(
        !on_pc.contains(CODE) && !on_phone.contains(CODE),
        "{on_pc} / {on_phone}"
    );
    assert_eq!(pc.attr("#qr-message", "data-code").await, CODE);
    assert_eq!(phone.attr("#error", "data-code").await, CODE);
    // Nobody is logged in.
    assert_eq!(pc.path().await, "/login");
    phone.shot("refused").await;
    pc.shot("refused").await;
    pc.quit().await;
    phone.quit().await;
    world.server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credit_database_sync_shows_what_changed() {
    let world = World::start(&[]);
    let phone_server = PhoneServer::start(&world.zhang);
    let driver = Driver::start();
    let pc = driver.browser("credit-pc", 1280, 900).await;
    let phone = driver
        .phone("credit-phone", &phone_server.url, DEVICE_PASSWORD)
        .await;
    login(&pc, &phone, &phone_server.url, &world.server, &world.uscc).await;
    register(&pc, &world.uscc).await;

    pc.goto(&format!("{}/credit", world.server.url)).await;
    let company = demo_registry_entry(COMPANY).unwrap();
    assert_eq!(pc.text("#credit-name").await, COMPANY);
    assert_eq!(pc.text("#credit-domicile").await, company.domicile);

    // The registry changes (the company moves); the server restarts on the same address.
    let World { root, server, .. } = world;
    let addr = server.addr;
    server.stop();
    let mut moved = company.clone();
    moved.domicile = "湖北省宜昌市西陵区东山大道100号".into();
    let file = root.path().join("moved.csv");
    std::fs::write(&file, csv(&[csv_row(&moved)])).unwrap();
    let data = root.path().join("data");
    assert!(import(&file, &data).status.success());
    let server = Server::start_at(addr, &data, false, &[]);

    pc.goto(&format!("{}/credit", server.url)).await;
    assert_eq!(pc.text("#credit-domicile").await, company.domicile);
    pc.click("#credit-sync").await;
    let changes = pc.wait_text("#credit-changes", &moved.domicile).await;
    assert!(changes.contains(&company.domicile), "{changes}");
    assert_eq!(pc.text("#credit-domicile").await, moved.domicile);
    pc.shot("synced").await;
    // Logging out from the credit database ends the session: its pages go back to the login.
    pc.click("#logout").await;
    pc.wait_path("/login").await;
    pc.goto(&format!("{}/credit", server.url)).await;
    pc.wait_path("/login").await;
    pc.quit().await;
    phone.quit().await;
    server.stop();
}

/// What `yizhao demo` printed for a person to carry on by hand.
struct Demo {
    _running: Running,
    pc_login: String,
    /// 张伟's phone page and device password.
    phone: (String, String),
    /// The window clerk's username and password.
    clerk: (String, String),
}

impl Demo {
    fn start() -> Demo {
        let mut child = crate::yizhao()
            .args(["demo", "--listen", "127.0.0.1:0"])
            .env_remove("YIZHAO_DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let running = Running(child);
        let (mut pc_login, mut phone, mut clerk) = (None, None, None);
        for line in stdout.lines() {
            let line = line.unwrap();
            let words: Vec<&str> = line.split_whitespace().collect();
            if line.trim_start().starts_with("PC") {
                pc_login = words.last().map(|w| (*w).to_owned());
            }
            if line.trim_start().starts_with("窗口后台") {
                // "窗口后台: URL （用户 U，密码 P）"
                let user = line
                    .split("用户 ")
                    .nth(1)
                    .and_then(|r| r.split('，').next());
                let pw = line
                    .split("密码 ")
                    .nth(1)
                    .and_then(|r| r.split('）').next());
                clerk = user.zip(pw).map(|(u, p)| (u.to_owned(), p.to_owned()));
            }
            if line.trim_start().starts_with("手机 张伟") {
                phone = Some((words[2].to_owned(), words[4].to_owned()));
            }
            if line.starts_with("正在服务") {
                break;
            }
        }
        Demo {
            _running: running,
            pc_login: pc_login.expect("the demo printed no PC URL"),
            phone: phone.expect("the demo printed no phone for 张伟"),
            clerk: clerk.expect("the demo printed no window clerk"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_serves_phones_a_person_can_log_in_with() {
    let demo = Demo::start();
    let url = demo.pc_login.trim_end_matches("/login").to_owned();
    let (phone_url, password) = demo.phone.clone();
    let driver = Driver::start();
    let pc = driver.browser("demo-pc", 1280, 900).await;
    let phone = driver
        .phone("demo-phone", phone_url.trim_end_matches('/'), &password)
        .await;
    // The demo registered the company in its scenario; 张伟 changed the device password.
    let uscc = demo_registry_entry(COMPANY)
        .unwrap()
        .uscc
        .as_str()
        .to_owned();
    phone.goto(&phone_url).await;
    phone
        .find(&format!(".license-item[data-uscc='{uscc}']"))
        .await;
    login_with(
        &pc,
        &phone,
        phone_url.trim_end_matches('/'),
        &url,
        &uscc,
        &password,
    )
    .await;
    pc.wait_path("/").await;
    assert_eq!(pc.wait_text("#member-name", COMPANY).await, COMPANY);
    assert_eq!(pc.text("#member-person").await, "张伟");
    pc.shot("home").await;
    pc.quit().await;
    phone.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_clerk_registers_a_tenderer_who_then_logs_in_by_qr() {
    let demo = Demo::start();
    let url = demo.pc_login.trim_end_matches("/login").to_owned();
    // A tenderer of the demo registry, whose legal representative holds its license.
    let tenderer = demo_registry_entry("宜昌峡江路桥建设有限公司").unwrap();
    let uscc = tenderer.uscc.as_str().to_owned();
    let root = tempfile::tempdir().unwrap();
    let holder = Wallet {
        home: root.path().join("phone-tenderer"),
        server: url.clone(),
        person: tenderer.legal_representative.clone(),
        password: None,
    };
    holder.realname_dev_outbox();
    holder.download(&uscc);
    let phone_server = PhoneServer::start(&holder);

    let driver = Driver::start();
    let clerk = driver.browser("window-clerk", 1280, 900).await;
    clerk.goto(&format!("{url}/backoffice/login")).await;
    let (user, password) = &demo.clerk;
    clerk.fill("#staff-username", user).await;
    clerk.fill("#staff-password", password).await;
    clerk.click("#staff-login").await;
    clerk.wait_path("/backoffice").await;
    clerk.fill("#bo-uscc", &uscc).await;
    clerk
        .driver
        .execute(
            "document.getElementById('bo-kind').value = 'tenderer';",
            Vec::new(),
        )
        .await
        .unwrap();
    clerk.fill("#bo-contact-name", "窗口经办").await;
    clerk.fill("#bo-contact-phone", "07176858100").await;
    clerk.click("#bo-submit").await;
    clerk.wait_text("#bo-success", &tenderer.name).await;
    assert!(clerk.text("#bo-members").await.contains(&uscc));
    clerk.shot("registered").await;

    // The tenderer logs in by QR like anyone, and is a tenderer (招标人).
    let pc = driver.browser("tenderer-pc", 1280, 900).await;
    let phone = driver
        .phone("tenderer-phone", &phone_server.url, DEVICE_PASSWORD)
        .await;
    login_with(&pc, &phone, &phone_server.url, &url, &uscc, DEVICE_PASSWORD).await;
    pc.wait_path("/").await;
    assert_eq!(
        pc.wait_text("#member-name", &tenderer.name).await,
        tenderer.name
    );
    assert_eq!(pc.text("#member-kind").await, "招标人");
    pc.shot("home").await;
    clerk.quit().await;
    pc.quit().await;
    phone.quit().await;
}

/// `yizhao admin create-reviewer` on a data folder (before the server starts on it).
fn create_reviewer(data: &Path, username: &str, password: &str) {
    use std::io::Write as _;
    let mut child = crate::yizhao()
        .args(["admin", "create-reviewer", "--username", username])
        .args(["--name", "审核员", "--password-stdin", "--data"])
        .arg(data)
        .env("YIZHAO_KEY_PASSWORD", KEY_PASSWORD)
        .env_remove("YIZHAO_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Scrolls the element into view (for the screenshot).
async fn show(page: &Page, css: &str) {
    page.find(css).await.scroll_into_view().await.unwrap();
}

/// Sets a `<select>` (WeUI draws its own arrow over it) by value.
async fn select(page: &Page, css: &str, value: &str) {
    page.find(css).await;
    page.driver
        .execute(
            "const s = document.querySelector(arguments[0]); s.value = arguments[1]; return s.value === arguments[1];",
            vec![json!(css), json!(value)],
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impression_uploaded_on_the_phone_is_approved_collected_and_granted_to_an_agent() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    create_reviewer(&data, "reviewer1", "review-pass-1");
    let server = Server::start(&data, true);
    let zhang = Wallet::new(root.path(), &server, demo_person("张伟").unwrap());
    zhang.realname_dev_outbox();
    let uscc = demo_registry_entry(COMPANY)
        .unwrap()
        .uscc
        .as_str()
        .to_owned();
    zhang.download(&uscc);
    let photo = root.path().join("seal-photo.png");
    std::fs::write(&photo, yizhao_impression::sample::seal_photo(480)).unwrap();
    let photo = photo.canonicalize().unwrap();
    let photo = photo.to_str().unwrap();

    let phone_server = PhoneServer::start(&zhang);
    let driver = Driver::start();
    let phone = driver
        .phone("seal-phone", &phone_server.url, DEVICE_PASSWORD)
        .await;

    // 其他应用 → 电子印章 → 印模管理: nothing uploaded yet.
    phone.goto(&format!("{}/", phone_server.url)).await;
    phone.click("#nav-seals").await;
    phone.wait_path("/seals").await;
    phone.fill("#password", DEVICE_PASSWORD).await;
    phone.click("#seal-records").await;
    phone
        .wait_text("#no-impressions", "您还未上传印模，请先上传印模！")
        .await;

    // 添加印模, one flow: ① edit (no password asked yet) → ② preview, kept on the page →
    // ③ the password at upload → a result page with the outcome at the top.
    phone.click("#impression-add").await;
    phone.wait_path("/seals/impression").await;
    assert_eq!(
        phone
            .driver
            .find_all(By::Id("password"))
            .await
            .unwrap()
            .len(),
        0
    );
    select(&phone, "#seal-type", "bid").await;
    select(&phone, "#size", "round:40x40").await;
    // The crop fields are boxes one can see; each slider shows its value as it moves.
    phone
        .until(
            "crop fields with a visible border",
            "const s = getComputedStyle(document.getElementById('crop-x')); \
             return parseFloat(s.borderTopWidth) > 0 && s.borderTopStyle !== 'none' \
             && document.getElementById('crop-x').getBoundingClientRect().width > 40;",
        )
        .await;
    assert_eq!(phone.text("#brightness-value").await, "0");
    let slide = |value: &'static str| {
        format!(
            "const s = document.getElementById('brightness'); s.value = '{value}'; \
             s.dispatchEvent(new Event('input')); \
             return document.getElementById('brightness-value').textContent === '{value}';"
        )
    };
    phone
        .until("showing the slider's value", &slide("25"))
        .await;
    phone.shot("impression-edit").await;
    phone.until("showing the slider's value", &slide("0")).await;
    phone.find("#photo").await.send_keys(photo).await.unwrap();
    phone.click("#impression-preview").await;
    phone.find("#preview-white").await;
    phone.find("#preview-dark").await;
    phone.wait_text("#quality-ok", "质量检查通过").await;
    show(&phone, "#preview").await;
    phone.shot("impression-preview").await;
    // The form keeps the choices, and the phone keeps the previewed photo for the upload.
    assert_eq!(phone.value("#seal-type").await, "bid");
    phone.find("#kept-photo").await;
    // A wrong password: said at the top, the preview still there, nothing uploaded.
    phone.js_click("#accept").await;
    phone.fill("#password", "000000").await;
    phone.click("#impression-upload").await;
    phone.wait_text("#error", "执照密码错误").await;
    phone.find("#preview-white").await;
    let top = |css: &str| {
        format!(
            "const e = document.querySelector({}); return !!e && e.getBoundingClientRect().top < 300;",
            json!(css)
        )
    };
    phone
        .until("showing the error at the top", &top("#error"))
        .await;
    phone.shot("impression-wrong-password").await;
    // The right one: the result page, its outcome at the top of the first screen.
    // The terms stay accepted, as they were ticked.
    phone
        .until(
            "the terms accepted",
            "return document.getElementById('accept').checked;",
        )
        .await;
    phone.fill("#password", DEVICE_PASSWORD).await;
    phone.click("#impression-upload").await;
    phone.wait_text("#result", "印模已上传").await;
    phone
        .until("showing the result at the top", &top("#result"))
        .await;
    assert!(phone.text("#result").await.contains("投标专用章"));
    phone.shot("impression-uploaded").await;
    phone.click("#result-next").await;
    phone.wait_path("/seals").await;

    // 《电子印章制作与使用须知》 opens on the phone.
    phone
        .goto(&format!("{}/seals/notice", phone_server.url))
        .await;
    phone.wait_text("#notice", "电子印章制作与使用须知").await;

    // A reviewer approves it on the back office.
    let reviewer = driver.browser("seal-reviewer", 1280, 900).await;
    reviewer
        .goto(&format!("{}/backoffice/login", server.url))
        .await;
    reviewer.fill("#staff-username", "reviewer1").await;
    reviewer.fill("#staff-password", "review-pass-1").await;
    reviewer.click("#staff-login").await;
    reviewer.wait_path("/backoffice/reviews").await;
    reviewer
        .click("section.impression form[id^='approve-'] button")
        .await;
    reviewer.wait_text("#review-result", "通过").await;
    // Back on the queue (post/redirect/get), the outcome names the entity.
    reviewer.wait_path("/backoffice/reviews").await;
    assert!(reviewer.text("#review-result").await.contains(COMPANY));
    reviewer.shot("approved").await;

    // On the phone: the upload is valid, the seal was made; the legal representative collects it.
    phone.goto(&format!("{}/seals", phone_server.url)).await;
    phone.fill("#password", DEVICE_PASSWORD).await;
    phone.click("#seal-records").await;
    phone.find("#impressions-valid .impression-item").await;
    phone.find("#made-seals .made-seal").await;
    phone.fill("#password", DEVICE_PASSWORD).await;
    phone.click("#seal-collectable").await;
    // Every signed action asks for the password, even while it is the default.
    phone.find(".collectable-seal .seal-collect").await;
    phone.fill("#password", DEVICE_PASSWORD).await;
    phone.click(".collectable-seal .seal-collect").await;
    phone.wait_text("#result", "已领取印章").await;
    // Collected: no longer offered (issue #15: it stayed and could be collected again).
    phone.find("#no-collectable").await;
    phone.fill("#password", DEVICE_PASSWORD).await;
    phone.click("#seal-mine").await;
    // Listed once, with the seal's picture.
    phone.find(".my-seal img.seal-picture").await;
    let listed = phone.driver.find_all(By::Css(".my-seal")).await.unwrap();
    assert_eq!(listed.len(), 1);
    let export = phone.find(".my-seal .seal-export").await;
    let href = export.attr("href").await.unwrap().unwrap_or_default();
    assert!(href.starts_with("/seals/export/"), "{href}");
    show(&phone, "#my-seals").await;
    phone.shot("my-seals").await;
    let held = std::fs::read_dir(zhang.home.join("seals"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "esl")
        })
        .count();
    assert_eq!(held, 1);

    // A wrong collection is deleted and redone.
    phone.fill("#password", DEVICE_PASSWORD).await;
    phone.click(".my-seal .seal-delete").await;
    phone.wait_text("#result", "已删除领取记录").await;
    phone.find("#no-seals").await;
    phone.fill("#password", DEVICE_PASSWORD).await;
    phone.click("#seal-collectable").await;
    // Every signed action asks for the password, even while it is the default.
    phone.find(".collectable-seal .seal-collect").await;
    phone.fill("#password", DEVICE_PASSWORD).await;
    phone.click(".collectable-seal .seal-collect").await;
    phone.wait_text("#result", "已领取印章").await;

    // 王强 holds a license authorization of the company (R16 needs it) and its license.
    let wang = Wallet::new(root.path(), &server, demo_person("王强").unwrap());
    let wang_id = wang.person.id_number.as_str().to_owned();
    // The authority's clock, as the status answer gives it.
    let now = zhang.ok(&["status"])["produced_at"].as_i64().unwrap();
    let end = (now + 60 * 86_400).to_string();
    let mut args = vec!["agents", "authorize"];
    args.extend(Wallet::person_args(&wang.person));
    args.extend(["--all", "--end", &end]);
    zhang.ok(&args);
    wang.realname_dev_outbox();
    wang.download(&uscc);

    // 印章使用授权: the legal representative grants 王强 the use of the bid seal.
    phone.goto(&format!("{}/seals", phone_server.url)).await;
    phone.click("#nav-seal-grants").await;
    phone.wait_path("/seals/grants").await;
    phone.fill("#password", DEVICE_PASSWORD).await;
    phone.fill("#grant-name", "王强").await;
    phone.fill("#grant-id-number", &wang_id).await;
    select(&phone, "#seal-type", "bid").await;
    phone.fill("#grant-reason", "投标文件盖章").await;
    phone.fill("#grant-uses", "3").await;
    phone.click("#seal-grant-add").await;
    phone.wait_text("#result", "已授权 王强").await;
    let grant = phone.find("#seal-grants .seal-grant").await;
    let grant_id = grant.attr("data-id").await.unwrap().unwrap_or_default();
    assert!(!grant_id.is_empty());
    assert!(phone.text("#seal-grants").await.contains("3/3"));
    show(&phone, "#seal-grants").await;
    phone.shot("seal-granted").await;

    // 王强 collects it on his phone, through the grant.
    let wang_server = PhoneServer::start(&wang);
    let agent = driver
        .phone("seal-agent", &wang_server.url, DEVICE_PASSWORD)
        .await;
    // An agent's menus offer only what an agent may do (issue #15): no license admins, no
    // authorizing others, no impression upload, no seal admins.
    agent.goto(&format!("{}/", wang_server.url)).await;
    agent.find("#nav-seals").await;
    agent.goto(&format!("{}/seals", wang_server.url)).await;
    agent.find("#seal-collectable").await;
    for css in ["#impression-add", "#nav-seal-admins"] {
        let found = agent.driver.find_all(By::Css(css)).await.unwrap();
        assert!(found.is_empty(), "{css}");
    }
    agent.goto(&format!("{}/", wang_server.url)).await;
    for css in ["#nav-admins", "#nav-agents"] {
        let found = agent.driver.find_all(By::Css(css)).await.unwrap();
        assert!(found.is_empty(), "{css}");
    }
    agent.goto(&format!("{}/seals", wang_server.url)).await;
    agent.fill("#password", DEVICE_PASSWORD).await;
    agent.click("#seal-collectable").await;
    let option = agent
        .find(".collectable-seal select.seal-grant option")
        .await;
    assert_eq!(
        option.attr("value").await.unwrap().as_deref(),
        Some(grant_id.as_str())
    );
    agent.fill("#password", DEVICE_PASSWORD).await;
    agent.click(".collectable-seal .seal-collect").await;
    agent.wait_text("#result", "已领取印章").await;
    agent.fill("#password", DEVICE_PASSWORD).await;
    agent.click("#seal-mine").await;
    show(&agent, ".my-seal .seal-export").await;
    agent.shot("collected").await;

    // 印章管理员配置: a license admin is named seal admin of bid seals, then removed.
    let li_na = demo_person("李娜").unwrap();
    let li_id = li_na.id_number.as_str().to_owned();
    let mut args = vec!["admins", "add"];
    args.extend(Wallet::person_args(&li_na));
    zhang.ok(&args);
    phone
        .goto(&format!("{}/seals/admins", phone_server.url))
        .await;
    phone.fill("#password", DEVICE_PASSWORD).await;
    select(&phone, "#seal-type", "bid").await;
    phone.fill("#seal-admin-name", "李娜").await;
    phone.fill("#seal-admin-id-number", &li_id).await;
    phone.click("#seal-admin-add").await;
    phone.wait_text("#result", "已添加印章管理员：李娜").await;
    assert!(phone.text("#seal-admins").await.contains("李娜"));
    show(&phone, "#seal-admins").await;
    phone.shot("seal-admin-added").await;
    phone.fill("#password", DEVICE_PASSWORD).await;
    phone.click("#seal-admins .seal-admin-remove").await;
    phone.wait_text("#result", "已删除印章管理员").await;
    phone.find("#no-seal-admins").await;

    agent.quit().await;
    phone.quit().await;
    reviewer.quit().await;
    server.stop();
}

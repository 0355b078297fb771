//! `yizhao wallet serve`: the phone's web pages driven over HTTP, as a browser would post them,
//! against the in-test authority and platform.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HOST};
use yizhao_gm::keystore::KdfParams;
use yizhao_wallet::qr::IMAGE_MAX_BYTES;
use yizhao_wallet::web::WebConfig;
use yizhao_wallet::{Client, Home, Wallet};

use crate::TestRng;
use crate::authority::{self, Authority, CODE, ENTITY, USCC};
use crate::qr::{BIDDING, PROCUREMENT, Platform, RP_NAME, SHORT_CODE, write_qr_png};

/// The device password of a new phone.
pub(crate) const DEFAULT_PASSWORD: &str = "123456";

/// A phone serving its pages, an authority and a platform; `http` is logged in.
pub(crate) struct Web {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) auth: Authority,
    pub(crate) platform: Platform,
    pub(crate) addr: std::net::SocketAddr,
    pub(crate) url: String,
    pub(crate) http: reqwest::Client,
}

/// A page as the test reads it.
#[derive(Debug)]
pub(crate) struct Page {
    pub(crate) status: StatusCode,
    pub(crate) url: String,
    pub(crate) html: String,
}

impl Page {
    pub(crate) fn has(&self, needle: &str) -> bool {
        self.html.contains(needle)
    }

    /// The text of the element with this id (the element's content up to its closing tag).
    pub(crate) fn text_of(&self, id: &str) -> Option<String> {
        let start = self.html.find(&format!("id=\"{id}\""))?;
        let open_end = start + self.html[start..].find('>')? + 1;
        let rest = &self.html[open_end..];
        let end = rest.find("</")?;
        Some(rest[..end].trim().to_owned())
    }

    pub(crate) fn csrf(&self) -> String {
        let at = self
            .html
            .find("name=\"csrf\" value=\"")
            .expect("a form with csrf");
        let rest = &self.html[at + "name=\"csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    /// The error a person reads: the text of `#error`, which never shows the stable code.
    pub(crate) fn error(&self) -> Option<String> {
        let start = self.html.find("id=\"error\"")?;
        let open_end = start + self.html[start..].find('>').unwrap() + 1;
        let rest = &self.html[open_end..];
        let text = rest[..rest.find("</div>").unwrap()].trim().to_owned();
        let code = self.error_code().unwrap_or_default();
        assert!(!code.is_empty(), "#error without its code: {}", self.html);
        assert!(!text.contains(&code), "the code {code} is shown: {text}");
        Some(text)
    }

    /// The stable code of the error, kept out of sight in `#error`'s `data-code`.
    pub(crate) fn error_code(&self) -> Option<String> {
        let start = self.html.find("id=\"error\"")?;
        let tag = &self.html[start..start + self.html[start..].find('>')?];
        let at = tag.find("data-code=\"")? + "data-code=\"".len();
        Some(tag[at..at + tag[at..].find('"')?].to_owned())
    }
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(crate) fn form_body(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl Web {
    /// A phone with the default settings, logged in with the default password.
    pub(crate) async fn start(seed: u64) -> Web {
        Self::start_with(seed, |_| {}).await
    }

    /// A phone whose settings `adjust` changes, logged in with the default password.
    pub(crate) async fn start_with(seed: u64, adjust: impl FnOnce(&mut WebConfig)) -> Web {
        let dir = tempfile::tempdir().unwrap();
        let auth = authority::start(seed).await;
        let platform = Platform::start(&auth, seed + 1).await;
        let home = Home::open_with(
            dir.path(),
            KdfParams::INSECURE_FAST,
            &mut TestRng::new(seed),
        )
        .unwrap();
        let wallet = Wallet::new(home, Client::new(&auth.url).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut config = WebConfig::new(addr);
        adjust(&mut config);
        let router = yizhao_wallet::web::router(wallet, config).unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let url = format!("http://{addr}");
        let cookie = Self::login(&url, DEFAULT_PASSWORD).await.unwrap();
        Web {
            dir,
            auth,
            platform,
            addr,
            url,
            http: Self::client_with(Some(&cookie)),
        }
    }

    /// A client that sends `cookie` (`name=value`) with every request.
    pub(crate) fn client_with(cookie: Option<&str>) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(c) = cookie {
            headers.insert(reqwest::header::COOKIE, c.parse().unwrap());
        }
        reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .unwrap()
    }

    /// `POST /login` with `password`: the session cookie (`name=value`), or the page that
    /// refused.
    pub(crate) async fn login(url: &str, password: &str) -> Result<String, Page> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let resp = http
            .post(format!("{url}/login"))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_body(&[("password", password)]))
            .send()
            .await
            .unwrap();
        let cookie = resp
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .map(|c| c.to_str().unwrap().to_owned());
        match cookie {
            Some(c) if resp.status() == StatusCode::SEE_OTHER => {
                assert!(
                    c.contains("HttpOnly") && c.contains("SameSite=Strict"),
                    "{c}"
                );
                Ok(c.split(';').next().unwrap().to_owned())
            }
            _ => Err(Self::read(resp).await),
        }
    }

    pub(crate) async fn read(resp: reqwest::Response) -> Page {
        let status = resp.status();
        let url = resp.url().to_string();
        let html = resp.text().await.unwrap();
        Page { status, url, html }
    }

    pub(crate) async fn get(&self, path: &str) -> Page {
        Self::read(
            self.http
                .get(format!("{}{path}", self.url))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Post a form as-is (no CSRF token added).
    pub(crate) async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let resp = self
            .http
            .post(format!("{}{path}", self.url))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form_body(fields))
            .send()
            .await
            .unwrap();
        Self::read(resp).await
    }

    /// Post a form with the CSRF token of the page it came from.
    pub(crate) async fn post(&self, from: &Page, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = from.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Post a multipart form: text `fields`, and `file` as `(field name, bytes)`.
    pub(crate) async fn post_multipart(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> Page {
        let boundary = "----yizhao-test-boundary";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((name, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"photo.png\"\r\nContent-Type: image/png\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let resp = self
            .http
            .post(format!("{}{path}", self.url))
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        Self::read(resp).await
    }

    /// Upload `bytes` as the QR image, with `csrf` (if any).
    async fn upload(&self, csrf: Option<&str>, bytes: &[u8]) -> Page {
        let boundary = "----yizhao-test-boundary";
        let mut body = Vec::new();
        if let Some(c) = csrf {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{c}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"qr.png\"\r\nContent-Type: image/png\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let resp = self
            .http
            .post(format!("{}/scan/upload", self.url))
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        Self::read(resp).await
    }

    /// The whole download flow of manual 3.1.1.1, as the pages lead through it.
    pub(crate) async fn download(&self, password: &str) -> Page {
        let p = self.get("/download").await;
        assert!(p.has("id=\"rn-name\""));
        assert!(p.has("id=\"rn-submit\""));
        let p = self
            .post(
                &p,
                "/download/realname",
                &[
                    ("name", "张伟"),
                    ("id_number", "420502198001011234"),
                    ("phone", "13800000000"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.html);
        assert!(p.has("id=\"rn-code\""), "{}", p.html);
        assert!(p.has("138****0000"));
        // The code comes by SMS; the page does not fill it in.
        assert!(!p.has(CODE));
        let rn = {
            let at = p.html.find("name=\"rn\" value=\"").unwrap() + 17;
            p.html[at..at + 32].to_owned()
        };
        let p = self
            .post(&p, "/download/code", &[("rn", &rn), ("code", CODE)])
            .await;
        assert!(p.url.ends_with("/download/locality"), "{}", p.url);
        assert!(p.has("id=\"locality\""));
        assert!(p.has("id=\"locality-submit\""));
        assert!(p.has("id=\"locality-code\""));
        // A typed code, for a locality the list does not hold, wins over the list.
        let typed = self
            .get("/download/licenses?locality=110101&locality_code=420500")
            .await;
        assert!(
            typed.has(&format!("data-uscc=\"{USCC}\"")),
            "{}",
            typed.html
        );
        let p = self.get("/download/licenses?locality=420500").await;
        assert!(p.has("可下载执照记录"));
        assert!(p.has("已下载执照记录"));
        assert!(
            p.has(&format!(
                "class=\"weui-cell downloadable\" data-uscc=\"{USCC}\""
            )),
            "{}",
            p.html
        );
        assert!(p.has("download-btn"));
        let p = self
            .get(&format!(
                "/download/declaration?uscc={USCC}&grant=&locality=420500&name=x"
            ))
            .await;
        assert!(p.has("《执照下载声明》"), "{}", p.html);
        assert!(p.has("本人承诺妥善保管电子营业执照。"));
        assert!(p.has("id=\"declaration-agree\""));
        assert!(p.has("id=\"download-submit\""));
        self.post(
            &p,
            "/download",
            &[
                ("uscc", USCC),
                ("grant", ""),
                ("locality", "420500"),
                ("agree", "1"),
                ("password", password),
            ],
        )
        .await
    }

    pub(crate) fn licenses_held(&self) -> usize {
        Home::open(self.dir.path())
            .unwrap()
            .licenses()
            .unwrap()
            .len()
    }
}

#[tokio::test]
async fn the_download_flow_end_to_end() {
    let w = Web::start(300).await;
    let home = w.get("/").await;
    assert!(home.has("name=\"viewport\""));
    assert!(home.has("id=\"default-password-warning\""));
    assert!(home.has("当前执照密码仍为默认密码 123456"));
    for id in [
        "nav-download",
        "nav-scan",
        "nav-admins",
        "nav-agents",
        "nav-password",
    ] {
        assert!(home.has(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(!home.has("license-item"));

    let done = w.download(DEFAULT_PASSWORD).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    assert!(
        done.text_of("result")
            .is_some_and(|t| t.contains("执照下载成功")),
        "{}",
        done.html
    );
    assert_eq!(w.licenses_held(), 1);

    let home = w.get("/").await;
    assert!(
        home.has(&format!("license-item\" data-uscc=\"{USCC}\"")),
        "{}",
        home.html
    );
    assert!(home.has(ENTITY));
    assert!(home.has("法定代表人"));
    assert!(home.has("有效"));

    // A declaration not accepted: refused with its code, nothing downloaded.
    let p = w
        .get(&format!(
            "/download/declaration?uscc={USCC}&locality=420500"
        ))
        .await;
    // Never the default password unless typed: an empty field is asked for, even now.
    let empty = w
        .post(
            &p,
            "/download",
            &[("uscc", USCC), ("agree", "1"), ("password", "")],
        )
        .await;
    assert!(
        empty.error().unwrap().contains("请输入执照密码"),
        "{}",
        empty.html
    );
    assert_eq!(w.licenses_held(), 1);
    let p = w
        .post(
            &p,
            "/download",
            &[("uscc", USCC), ("password", DEFAULT_PASSWORD)],
        )
        .await;
    let err = p.error().unwrap();
    assert!(err.contains("请先阅读并同意《执照下载声明》"), "{err}");
    assert_eq!(
        p.error_code().as_deref(),
        Some("authority.declaration_not_accepted")
    );
    assert_eq!(w.licenses_held(), 1);
}

#[tokio::test]
async fn a_wrong_sms_code_is_shown_and_the_step_can_be_retried() {
    let w = Web::start(310).await;
    let p = w.get("/download").await;
    let bad = w
        .post(
            &p,
            "/download/realname",
            &[
                ("name", "张伟"),
                ("id_number", "123"),
                ("phone", "13800000000"),
            ],
        )
        .await;
    assert!(bad.error().unwrap().contains("实名信息不一致"));
    // The input comes back.
    assert!(bad.has("value=\"张伟\""));

    let p = w
        .post(
            &p,
            "/download/realname",
            &[
                ("name", "张伟"),
                ("id_number", "420502198001011234"),
                ("phone", "13800000000"),
            ],
        )
        .await;
    let at = p.html.find("name=\"rn\" value=\"").unwrap() + 17;
    let rn = p.html[at..at + 32].to_owned();
    let code_page = p;
    let p = w
        .post(
            &code_page,
            "/download/code",
            &[("rn", &rn), ("code", "000000")],
        )
        .await;
    let err = p.error().unwrap();
    assert!(err.contains("验证码错误"), "{err}");
    assert_eq!(p.error_code().as_deref(), Some("authority.wrong_code"));
    assert!(p.has("id=\"rn-code\""));
    let p = w
        .post(&p, "/download/code", &[("rn", &rn), ("code", CODE)])
        .await;
    assert!(p.url.ends_with("/download/locality"));
    // An unknown step token: start again.
    let p = w
        .post(
            &code_page,
            "/download/code",
            &[("rn", "nope"), ("code", CODE)],
        )
        .await;
    assert!(p.error().unwrap().contains("操作已过期"));
    assert_eq!(p.error_code().as_deref(), Some("web.expired"));
}

/// The token of a confirmation page's URL.
fn confirm_path(p: &Page) -> String {
    let at = p.url.find("/confirm/").expect("a confirmation page");
    p.url[at..].to_owned()
}

#[tokio::test]
async fn scan_by_link_then_confirm_with_wrong_and_right_password() {
    let w = Web::start(320).await;
    assert!(w.download(DEFAULT_PASSWORD).await.has("id=\"result\""));
    let link = w.platform.login("req_web_000001", BIDDING);

    let scan = w.get("/scan").await;
    for id in [
        "scan-link",
        "scan-link-submit",
        "scan-file",
        "scan-file-submit",
    ] {
        assert!(scan.has(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(scan.has("accept=\"image/*\""));
    let p = w.post(&scan, "/scan/link", &[("link", &link)]).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert_eq!(p.text_of("requester-name").as_deref(), Some(RP_NAME));
    assert!(!p.has("假冒"), "the claimed name is never shown");
    assert_eq!(
        p.text_of("matter").as_deref(),
        Some("电子政务-发改委-公共资源交易招投标")
    );
    assert_eq!(p.text_of("qr-kind").as_deref(), Some("登录"));
    assert!(p.has("name=\"license\" value=\""));
    assert!(
        p.has(&format!("data-uscc=\"{USCC}\" checked")),
        "{}",
        p.html
    );
    assert!(p.has("id=\"confirm-submit\""));
    assert!(p.has("id=\"cancel\""));
    let path = confirm_path(&p);
    let license = {
        let at = p.html.find("name=\"license\" value=\"").unwrap() + 22;
        let rest = &p.html[at..];
        rest[..rest.find('"').unwrap()].to_owned()
    };

    // The password was changed; the wrong one is refused and nothing is answered.
    let pw = w.get("/password").await;
    let changed = w
        .post(
            &pw,
            "/password",
            &[
                ("old_password", "123456"),
                ("new_password", "s3cret-pw"),
                ("new_password2", "s3cret-pw"),
            ],
        )
        .await;
    assert!(changed.has("id=\"result\""), "{}", changed.html);
    let bad = w
        .post(
            &p,
            &path,
            &[("license", &license), ("password", "wrong-pw")],
        )
        .await;
    let err = bad.error().unwrap();
    assert!(err.contains("密码错误"), "{err}");
    assert_eq!(bad.error_code().as_deref(), Some("wallet.wrong_password"));
    assert!(!bad.has("wrong-pw"), "the password is never echoed");
    assert!(bad.has("id=\"confirm-submit\""), "the form again");
    assert!(w.platform.answered().is_empty());
    // Left empty once the password is not the default: asked for.
    let empty = w.post(&p, &path, &[("license", &license)]).await;
    assert!(empty.error().unwrap().contains("请输入执照密码"));

    let ok = w
        .post(
            &p,
            &path,
            &[("license", &license), ("password", "s3cret-pw")],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.html);
    // Not 登录成功 yet: the PC has to confirm. One term, 确认码, and what to do with it.
    let result = ok.text_of("result").unwrap_or_default();
    assert!(!ok.has("登录成功"), "{}", ok.html);
    assert!(ok.has("手机已确认"), "{result}");
    assert_eq!(ok.text_of("short-code").as_deref(), Some(SHORT_CODE));
    assert_eq!(
        ok.text_of("short-code-hint").as_deref(),
        Some("请在电脑上核对并确认")
    );
    assert!(ok.has("确认码") && !ok.has("验证码"), "{}", ok.html);
    assert!(!ok.has("s3cret-pw"));
    assert_eq!(w.platform.answered(), vec!["req_web_000001".to_string()]);

    // The request is gone once answered.
    let again = w.get(&path).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.error().unwrap().contains("扫码请求已失效"));
    assert_eq!(again.error_code().as_deref(), Some("web.expired"));
}

#[tokio::test]
async fn a_refusal_by_the_platform_is_shown_verbatim() {
    let w = Web::start(330).await;
    w.download(DEFAULT_PASSWORD).await;
    let link = w.platform.login("req_web_procure1", PROCUREMENT);
    let scan = w.get("/scan").await;
    let p = w.post(&scan, "/scan/link", &[("link", &link)]).await;
    assert_eq!(
        p.text_of("matter").as_deref(),
        Some("电子政务-财政-政采中心招投标")
    );
    let path = confirm_path(&p);
    // A license id or the USCC.
    let refused = w
        .post(
            &p,
            &path,
            &[("license", USCC), ("password", DEFAULT_PASSWORD)],
        )
        .await;
    let err = refused.error().unwrap();
    assert!(err.contains("该执照未获授权办理此事项"), "{err}");
    assert_eq!(
        refused.error_code().as_deref(),
        Some("authority.matter_not_authorized")
    );
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // Cancel forgets the request.
    let home = w.post(&p, &format!("{path}/cancel"), &[]).await;
    assert!(home.has("id=\"nav-scan\""));
    assert_eq!(w.get(&path).await.status, StatusCode::NOT_FOUND);

    // Links that are not ours.
    let p = w
        .post(&scan, "/scan/link", &[("link", "https://evil.cn/login")])
        .await;
    let err = p.error().unwrap();
    assert!(err.contains("不是本系统的二维码"), "{err}");
    assert_eq!(p.error_code().as_deref(), Some("wallet.bad_qr"));
}

#[tokio::test]
async fn scan_by_uploaded_picture_and_bad_uploads() {
    let w = Web::start(340).await;
    w.download(DEFAULT_PASSWORD).await;
    let link = w.platform.login("req_web_upload1", BIDDING);
    let png = w.dir.path().join("shot.png");
    write_qr_png(&png, &link);
    let bytes = std::fs::read(&png).unwrap();
    let scan = w.get("/scan").await;
    let csrf = scan.csrf();

    let p = w.upload(Some(&csrf), &bytes).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert_eq!(p.text_of("requester-name").as_deref(), Some(RP_NAME));
    let path = confirm_path(&p);
    let at = p.html.find("name=\"license\" value=\"").unwrap() + 22;
    let license = p.html[at..at + p.html[at..].find('"').unwrap()].to_owned();
    let ok = w
        .post(
            &p,
            &path,
            &[("license", &license), ("password", DEFAULT_PASSWORD)],
        )
        .await;
    assert_eq!(ok.text_of("short-code").as_deref(), Some(SHORT_CODE));

    // Garbage, an empty file, a picture without a QR code, an oversized file.
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"not an image at all".to_vec(), "不是可识别的图片"),
        (Vec::new(), "图片为空"),
        (
            {
                let blank = w.dir.path().join("blank.png");
                image::GrayImage::from_pixel(64, 64, image::Luma([255]))
                    .save(&blank)
                    .unwrap();
                std::fs::read(&blank).unwrap()
            },
            "请上传包含完整、清晰二维码的图片",
        ),
        (vec![0u8; IMAGE_MAX_BYTES + 1], "图片太大"),
    ];
    for (bytes, want) in cases {
        let p = w.upload(Some(&csrf), &bytes).await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{want}: {}", p.html);
        let err = p.error().unwrap_or_default();
        assert!(err.contains(want), "{want}: {err}");
        assert!(p.has("id=\"scan-file\""), "the scan page again");
    }
    assert_eq!(w.platform.answered(), vec!["req_web_upload1".to_string()]);
}

#[tokio::test]
async fn forms_without_the_csrf_token_change_nothing() {
    let w = Web::start(350).await;
    w.download(DEFAULT_PASSWORD).await;
    let before = std::fs::read(w.dir.path().join("wallet.keystore")).unwrap();

    let p = w
        .post_raw(
            "/password",
            &[
                ("old_password", "123456"),
                ("new_password", "s3cret-pw"),
                ("new_password2", "s3cret-pw"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.error().unwrap().contains("页面已过期"));
    assert_eq!(p.error_code().as_deref(), Some("web.csrf"));
    let p = w
        .post_raw(
            "/password",
            &[
                ("csrf", "0000"),
                ("old_password", "123456"),
                ("new_password", "s3cret-pw"),
                ("new_password2", "s3cret-pw"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(
        std::fs::read(w.dir.path().join("wallet.keystore")).unwrap(),
        before
    );

    let calls = w.auth.state.lock().unwrap().calls.len();
    let link = w.platform.login("req_web_csrf001", BIDDING);
    let p = w.post_raw("/scan/link", &[("link", &link)]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = w.upload(None, b"x").await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = w
        .post_raw(
            "/admins/add",
            &[("name", "李娜"), ("id_number", "x"), ("phone", "1")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(w.auth.state.lock().unwrap().calls.len(), calls);
    assert!(w.platform.answered().is_empty());

    // A page asked for under a domain name (DNS rebinding) is refused.
    let resp = w
        .http
        .get(format!("{}/", w.url))
        .header(HOST, "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn password_change() {
    let w = Web::start(360).await;
    w.download(DEFAULT_PASSWORD).await;
    let p = w.get("/password").await;
    for id in [
        "old-password",
        "new-password",
        "new-password2",
        "password-submit",
    ] {
        assert!(p.has(&format!("id=\"{id}\"")), "{id}");
    }
    let cases = [
        (("123456", "abcdefg", "abcdefh"), "两次输入的新密码不一致"),
        (("654321", "abcdefg", "abcdefg"), "执照密码错误"),
        (("123456", "xyz", "xyz"), "新密码至少 6 位"),
    ];
    for ((old, new, new2), want) in cases {
        let r = w
            .post(
                &p,
                "/password",
                &[
                    ("old_password", old),
                    ("new_password", new),
                    ("new_password2", new2),
                ],
            )
            .await;
        let err = r.error().unwrap();
        assert!(err.contains(want), "{want}: {err}");
        assert!(!r.has(new), "never echoed");
    }
    let home = Home::open(w.dir.path()).unwrap();
    assert!(home.password_is_default().unwrap());

    let r = w
        .post(
            &p,
            "/password",
            &[
                ("old_password", "123456"),
                ("new_password", "abcdefg"),
                ("new_password2", "abcdefg"),
            ],
        )
        .await;
    assert!(r.text_of("result").is_some(), "{}", r.html);
    assert!(r.has("执照密码已修改"));
    assert!(!home.password_is_default().unwrap());
    assert!(!w.get("/").await.has("默认密码"));
}

#[tokio::test]
async fn admins_and_agents_pages() {
    let w = Web::start(370).await;
    w.download(DEFAULT_PASSWORD).await;

    // Nothing is signed with a password nobody typed, not even the default one: the list waits
    // for it, and an admin added without it is refused before anything is sent.
    let p = w.get("/admins").await;
    for id in [
        "admin-name",
        "admin-id-number",
        "admin-phone",
        "admin-add",
        "license",
        "password",
    ] {
        assert!(p.has(&format!("id=\"{id}\"")), "{id}: {}", p.html);
    }
    assert!(!p.has("admin-remove"), "{}", p.html);
    let license = {
        let at = p.html.find("<option value=\"").unwrap() + 15;
        p.html[at..at + p.html[at..].find('"').unwrap()].to_owned()
    };
    let signed = w.auth.state.lock().unwrap().signed.len();
    let unsigned = w
        .post(
            &p,
            "/admins/add",
            &[
                ("license", &license),
                ("name", "王芳"),
                ("id_number", "420502199001011234"),
                ("phone", "13900000000"),
            ],
        )
        .await;
    assert!(
        unsigned.error().unwrap().contains("请输入执照密码"),
        "{}",
        unsigned.html
    );
    assert!(unsigned.has("id=\"default-password-warning\""));
    assert_eq!(w.auth.state.lock().unwrap().signed.len(), signed);
    let listed = w
        .post(
            &p,
            "/admins/list",
            &[("license", &license), ("password", DEFAULT_PASSWORD)],
        )
        .await;
    assert!(listed.has("李娜"), "{}", listed.html);
    assert!(listed.has("admin-remove"));
    let added = w
        .post(
            &p,
            "/admins/add",
            &[
                ("license", &license),
                ("password", DEFAULT_PASSWORD),
                ("name", "王芳"),
                ("id_number", "420502199001011234"),
                ("phone", "13900000000"),
            ],
        )
        .await;
    assert!(
        added
            .text_of("result")
            .unwrap()
            .contains("已添加证照管理员：王芳"),
        "{}",
        added.html
    );
    let missing = w
        .post(
            &p,
            "/admins/add",
            &[
                ("license", &license),
                ("password", DEFAULT_PASSWORD),
                ("name", "王芳"),
            ],
        )
        .await;
    assert!(
        missing
            .error()
            .unwrap()
            .contains("请填写证照管理员身份证号")
    );
    let removed = w
        .post(
            &p,
            "/admins/remove",
            &[
                ("license", &license),
                ("password", DEFAULT_PASSWORD),
                ("grant", "g-1"),
            ],
        )
        .await;
    assert!(
        removed
            .text_of("result")
            .unwrap()
            .contains("已删除证照管理员")
    );

    let p = w.get("/agents").await;
    for id in [
        "agent-name",
        "agent-id-number",
        "agent-phone",
        "agent-start",
        "agent-end",
        "agent-mode",
        "agent-submit",
    ] {
        assert!(p.has(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(p.has("name=\"matter\" value=\"egov.ndrc.bidding\""));
    assert!(!p.has("agent-revoke"), "no list without the password");
    let authorized = w
        .post(
            &p,
            "/agents/authorize",
            &[
                ("license", &license),
                ("password", DEFAULT_PASSWORD),
                ("name", "王强"),
                ("id_number", "420502199202021234"),
                ("phone", "13911111111"),
                ("start", "2030-01-01"),
                ("end", "2030-01-04"),
                ("mode", "precise"),
                ("matter", "egov.ndrc.bidding"),
                ("matter", "egov.finance.procurement"),
            ],
        )
        .await;
    let result = authorized.text_of("result").unwrap();
    assert!(result.contains("已授权办事人：王强"), "{result}");
    assert!(
        result.contains("2030-01-01 00:00 至 2030-01-04 23:59"),
        "{result}"
    );
    assert!(
        result
            .contains("精准授权：电子政务-发改委-公共资源交易招投标、电子政务-财政-政采中心招投标"),
        "{result}"
    );
    let none = w
        .post(
            &p,
            "/agents/authorize",
            &[
                ("license", &license),
                ("password", DEFAULT_PASSWORD),
                ("name", "王强"),
                ("id_number", "420502199202021234"),
                ("phone", "13911111111"),
                ("mode", "precise"),
            ],
        )
        .await;
    assert!(
        none.error()
            .unwrap()
            .contains("精准授权请至少选择一项授权事项")
    );
    // The input comes back after a refusal.
    assert!(none.has("value=\"王强\""));

    // Once the password is changed, the old one is wrong.
    let pw = w.get("/password").await;
    w.post(
        &pw,
        "/password",
        &[
            ("old_password", "123456"),
            ("new_password", "s3cret-pw"),
            ("new_password2", "s3cret-pw"),
        ],
    )
    .await;
    let p = w.get("/agents").await;
    assert!(!p.has("agent-revoke"), "no list without the password");
    let wrong = w
        .post(
            &p,
            "/agents/list",
            &[("license", &license), ("password", "x")],
        )
        .await;
    assert!(wrong.error().unwrap().contains("执照密码错误"));
    assert_eq!(wrong.error_code().as_deref(), Some("wallet.wrong_password"));
    let listed = w
        .post(
            &p,
            "/agents/list",
            &[("license", &license), ("password", "s3cret-pw")],
        )
        .await;
    assert!(listed.has("agent-revoke"), "{}", listed.html);
    let revoked = w
        .post(
            &p,
            "/agents/revoke",
            &[
                ("license", &license),
                ("password", "s3cret-pw"),
                ("grant", "g-1"),
            ],
        )
        .await;
    assert!(revoked.text_of("result").unwrap().contains("已撤销授权"));
}

#[tokio::test]
async fn static_assets_are_served_by_the_phone() {
    let w = Web::start(380).await;
    let resp = w
        .http
        .get(format!("{}/static/weui.min.css", w.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(resp.text().await.unwrap().contains(".weui-btn"));
    let home = w.get("/").await;
    assert!(
        !home.has("http://") && !home.has("https://"),
        "no outside resources"
    );
    assert_eq!(w.get("/nope").await.status, StatusCode::NOT_FOUND);
}

/// The first `<option>` of a page's license select.
fn first_license(p: &Page) -> String {
    let select = p.html.find("id=\"license\"").unwrap();
    let at = select + p.html[select..].find("<option value=\"").unwrap() + 15;
    p.html[at..at + p.html[at..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn seal_pages_preview_on_the_phone_and_refuse_before_sending() {
    let w = Web::start(380).await;
    w.download(DEFAULT_PASSWORD).await;

    let home = w.get("/").await;
    assert!(home.has("其他应用"));
    assert!(
        home.has("id=\"nav-seals\" href=\"/seals\""),
        "{}",
        home.html
    );
    let p = w.get("/seals").await;
    for id in [
        "seal-records",
        "seal-mine",
        "seal-collectable",
        "impression-add",
        "license",
        "password",
    ] {
        assert!(p.has(&format!("id=\"{id}\"")), "{id}: {}", p.html);
    }

    // ① Edit: the photo, the design and the adjustments; no password and no upload yet.
    let form = w.get("/seals/impression").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.html);
    for id in [
        "impression-steps",
        "license",
        "photo",
        "seal-type",
        "size",
        "crop-x",
        "crop-y",
        "crop-w",
        "crop-h",
        "rotate",
        "brightness",
        "contrast",
        "colour",
        "threshold",
        "impression-preview",
    ] {
        assert!(form.has(&format!("id=\"{id}\"")), "{id}: {}", form.html);
    }
    for id in ["impression-upload", "password", "accept", "preview"] {
        assert!(!form.has(&format!("id=\"{id}\"")), "{id}: {}", form.html);
    }
    assert!(form.has(">紫</option>"));
    // Sizes by shape; the crop box as labelled fields; each slider shows its value.
    assert!(form.has("<optgroup label=\"圆形\">"), "{}", form.html);
    assert!(form.has("value=\"round:40x40\""));
    assert!(form.has("class=\"app-crop\""));
    assert!(form.has("宽<input id=\"crop-w\""), "{}", form.html);
    assert!(form.has("id=\"brightness\" name=\"brightness\" type=\"range\""));
    assert_eq!(form.text_of("brightness-value").as_deref(), Some("0"));
    assert_eq!(form.text_of("threshold-value").as_deref(), Some("64"));
    let csrf = form.csrf();
    let license = first_license(&form);
    let photo = yizhao_impression::sample::seal_photo(480);
    let design = [
        ("csrf", csrf.as_str()),
        ("license", license.as_str()),
        ("seal_type", "bid"),
        ("size", "round:40x40"),
        ("colour", "red"),
    ];

    // ② 预览: processed here, on white and on dark, with the quality result; nothing sent.
    let signed_before = w.auth.state.lock().unwrap().signed.len();
    let mut fields = design.to_vec();
    fields.push(("do", "preview"));
    let p = w.post_multipart("/seals/impression", &fields, None).await;
    assert!(
        p.error().unwrap_or_default().contains("请选择印模照片"),
        "{}",
        p.html
    );
    assert!(!p.has("id=\"kept-photo\""));
    let p = w
        .post_multipart("/seals/impression", &fields, Some(("photo", &photo)))
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.html);
    assert!(p.has("id=\"preview-white\""), "{}", p.html);
    assert!(p.has("id=\"preview-dark\""));
    assert!(p.has("src=\"data:image"), "{}", p.html);
    assert!(p.has("id=\"quality-ok\""), "{}", p.html);
    // ③ is offered under the preview: the terms, the password, 上传印模.
    let at = |id: &str| p.html.find(&format!("id=\"{id}\"")).unwrap();
    assert!(at("preview") < at("accept") && at("accept") < at("password"));
    assert!(at("password") < at("impression-upload") && at("impression-upload") < at("photo"));
    // The form keeps what was chosen, and the photo for the upload.
    assert!(p.has("<option value=\"red\" selected>"), "{}", p.html);
    assert!(p.has("id=\"kept-photo\""), "{}", p.html);

    // A blank picture: the findings are shown in Chinese.
    let blank = {
        let path = w.dir.path().join("blank.png");
        image::GrayImage::from_pixel(400, 400, image::Luma([255]))
            .save(&path)
            .unwrap();
        std::fs::read(&path).unwrap()
    };
    let p = w
        .post_multipart("/seals/impression", &fields, Some(("photo", &blank)))
        .await;
    assert!(
        p.has("quality-finding") || p.error().is_some(),
        "{}",
        p.html
    );
    assert!(!p.has("id=\"quality-ok\""));

    // ③ with no photo chosen again: the last previewed one (the blank picture) is used, and
    // refused.
    let mut fields = design.to_vec();
    fields.extend([("do", "upload"), ("accept", "1"), ("password", "123456")]);
    let p = w.post_multipart("/seals/impression", &fields, None).await;
    assert_eq!(
        p.error_code().as_deref(),
        Some("impression.quality"),
        "{}",
        p.html
    );
    assert!(
        p.has("id=\"preview-white\""),
        "the preview stays: {}",
        p.html
    );

    // An upload of a photo that was not previewed: its preview is shown, nothing is sent.
    let p = w
        .post_multipart("/seals/impression", &fields, Some(("photo", &photo)))
        .await;
    let err = p.error().unwrap_or_default();
    assert!(err.contains("请核对新的预览后再上传"), "{}", p.html);
    assert!(p.has("id=\"quality-ok\""), "{}", p.html);
    // So is one whose adjustments changed after the preview.
    let mut changed = fields.clone();
    changed.push(("brightness", "10"));
    let p = w.post_multipart("/seals/impression", &changed, None).await;
    assert!(p.error().unwrap_or_default().contains("请核对新的预览"));
    assert_eq!(p.text_of("brightness-value").as_deref(), Some("10"));
    let p = w.post_multipart("/seals/impression", &fields, None).await;
    assert!(p.error().unwrap_or_default().contains("请核对新的预览"));

    // Previewed as it stands: without 本企业已阅读并同意, refused with its code; the preview
    // stays and the error is at the top.
    let no_terms: Vec<_> = fields
        .iter()
        .filter(|(k, _)| *k != "accept")
        .copied()
        .collect();
    let p = w.post_multipart("/seals/impression", &no_terms, None).await;
    let err = p.error().unwrap_or_default();
    assert_eq!(
        p.error_code().as_deref(),
        Some("seal.terms_not_accepted"),
        "{}",
        p.html
    );
    assert!(err.contains("本企业已阅读并同意"), "{err}");
    assert!(p.html.find("id=\"error\"").unwrap() < p.html.find("id=\"preview\"").unwrap());
    // Without the password: asked for, even while it is the default.
    let no_pw: Vec<_> = fields
        .iter()
        .filter(|(k, _)| *k != "password")
        .copied()
        .collect();
    let p = w.post_multipart("/seals/impression", &no_pw, None).await;
    assert!(p.error().unwrap_or_default().contains("请输入执照密码"));
    assert!(p.has("id=\"preview-white\""));

    // Not an image: refused before anything is signed.
    let p = w
        .post_multipart(
            "/seals/impression",
            &fields,
            Some(("photo", b"not an image at all")),
        )
        .await;
    assert!(p.error().is_some(), "{}", p.html);
    assert!(p.has("id=\"photo\""), "the form again");
    assert_eq!(w.auth.state.lock().unwrap().signed.len(), signed_before);

    // Without the CSRF token the form is refused.
    let p = w
        .post_multipart("/seals/impression", &fields[1..], Some(("photo", &photo)))
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.html);
    assert_eq!(w.auth.state.lock().unwrap().signed.len(), signed_before);

    // Export of a held seal: its `SESeal` as is, as a download.
    let seals = w.dir.path().join("seals");
    std::fs::create_dir_all(&seals).unwrap();
    std::fs::write(seals.join("abc123.esl"), b"\x30\x03\x02\x01\x04").unwrap();
    let resp = w
        .http
        .get(format!("{}/seals/export/abc123", w.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let disposition = resp.headers()["content-disposition"].to_str().unwrap();
    assert_eq!(disposition, "attachment; filename=\"abc123.esl\"");
    assert_eq!(&resp.bytes().await.unwrap()[..], b"\x30\x03\x02\x01\x04");

    // Export of a seal this phone does not hold.
    let p = w.get("/seals/export/abcdef0123").await;
    assert!(p.error().unwrap_or_default().contains("本手机没有这枚印章"));
    let p = w.get("/seals/export/..%2Fkeystore").await;
    assert!(p.error().is_some(), "{}", p.html);
}

#[tokio::test]
async fn seal_admin_and_grant_pages_refuse_bad_input_before_sending() {
    let w = Web::start(390).await;
    w.download(DEFAULT_PASSWORD).await;
    let p = w.get("/seals").await;
    assert!(p.has("id=\"nav-seal-admins\" href=\"/seals/admins\""));
    assert!(p.has("id=\"nav-seal-grants\" href=\"/seals/grants\""));

    let admins = w.get("/seals/admins").await;
    assert_eq!(admins.status, StatusCode::OK, "{}", admins.html);
    for id in [
        "seal-type",
        "seal-admin-name",
        "seal-admin-id-number",
        "seal-admin-add",
        "seal-admin-list",
        "license",
        "password",
    ] {
        assert!(admins.has(&format!("id=\"{id}\"")), "{id}: {}", admins.html);
    }
    let license = first_license(&admins);
    let signed_before = w.auth.state.lock().unwrap().signed.len();
    let p = w
        .post(
            &admins,
            "/seals/admins/add",
            &[
                ("license", &license),
                ("password", DEFAULT_PASSWORD),
                ("seal_type", "bid"),
                ("name", ""),
            ],
        )
        .await;
    assert!(
        p.error().unwrap_or_default().contains("请填写姓名"),
        "{}",
        p.html
    );

    let grants = w.get("/seals/grants").await;
    for id in [
        "grant-name",
        "grant-id-number",
        "seal-type",
        "grant-start",
        "grant-end",
        "grant-reason",
        "grant-uses",
        "mode-all",
        "mode-precise",
        "seal-grant-add",
    ] {
        assert!(grants.has(&format!("id=\"{id}\"")), "{id}: {}", grants.html);
    }
    let base = [
        ("license", license.as_str()),
        ("password", DEFAULT_PASSWORD),
        ("seal_type", "bid"),
        ("name", "王强"),
        ("id_number", "420502199001011234"),
        ("end", "2099-01-01"),
        ("reason", "投标文件盖章"),
    ];
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (vec![("uses", "abc")], "用章次数应为正整数"),
        (vec![("uses", "2"), ("mode", "precise")], "至少选择一项"),
        (
            vec![("uses", "2"), ("end", "2001-01-01")],
            "结束日期不能早于今天",
        ),
        (
            vec![("uses", "2"), ("start", "2001-01-01")],
            "开始日期不能早于今天",
        ),
        (
            vec![("uses", "2"), ("start", "2099-02-01")],
            "开始日期不能晚于结束日期",
        ),
        (
            vec![("uses", "2"), ("start", "2099-1-1")],
            "开始日期格式应为",
        ),
    ];
    for (extra, want) in cases {
        let mut fields: Vec<(&str, &str)> = base
            .iter()
            .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
            .copied()
            .collect();
        fields.extend(extra);
        let p = w.post(&grants, "/seals/grants/add", &fields).await;
        let err = p.error().unwrap_or_default();
        assert!(err.contains(want), "{want}: {}", p.html);
        // The form keeps what was typed.
        assert!(p.has("value=\"投标文件盖章\""), "{}", p.html);
    }
    assert_eq!(w.auth.state.lock().unwrap().signed.len(), signed_before);

    // Without the CSRF token nothing happens.
    let p = w.post_raw("/seals/grants/add", &base).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
}

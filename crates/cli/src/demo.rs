//! `yizhao demo`: a fresh embedded instance on a temporary data folder. It plays the manual's
//! scenario step by step (SCENARIO.md) through the real HTTP API and real wallets (one home
//! folder per phone), printing each step and its outcome, then serves the instance until Ctrl-C
//! so a person can carry on by hand. Steps that are not built yet are not printed.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context as _;
use yizhao_domain::authority::{MATTER_BIDDING, matter};
use yizhao_domain::registry::{Person, demo_person, demo_registry_entry, locality_text};
use yizhao_gm::keystore::Password;
use yizhao_proto::authority::PersonInput;
use yizhao_server::platform::backoffice::BackOfficeRole;
use yizhao_wallet::{AgentAuthorization, Client, Home, Matters, Wallet};

use crate::{app, server, system};

const COMPANY: &str = "宜昌市示范建设工程有限公司";
/// The password 张伟 sets in step 1 (printed, so a person can go on with his phone).
const ZHANGWEI_PASSWORD: &str = "Zw@2026yc";

fn cast(name: &str) -> anyhow::Result<Person> {
    demo_person(name).with_context(|| format!("{name} is missing from the demo registry"))
}

fn input(p: &Person) -> PersonInput {
    PersonInput {
        name: p.name.clone(),
        id_number: p.id_number.as_str().into(),
        phone: p.phone.as_str().into(),
    }
}

fn role(r: &str) -> &'static str {
    yizhao_domain::authority::Role::parse(r).map_or("?", |r| r.label())
}

fn err(e: yizhao_wallet::WalletError) -> anyhow::Error {
    anyhow::anyhow!("{e} [{}]", e.code())
}

/// The PC browser of the demo: talks to the platform's JSON API and keeps its cookies, as the
/// PC pages will.
struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: Vec<(String, String)>,
}

impl Browser {
    fn new(base: &str) -> anyhow::Result<Self> {
        Ok(Browser {
            // Redirects are followed by hand, so that the cookies they set are kept.
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?,
            base: base.to_owned(),
            cookies: Vec::new(),
        })
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, resp: &reqwest::Response) {
        for set in resp.headers().get_all(reqwest::header::SET_COOKIE) {
            if let Some((k, v)) = set
                .to_str()
                .ok()
                .and_then(|s| s.split(';').next())
                .and_then(|kv| kv.split_once('='))
            {
                self.cookies.retain(|(name, _)| name != k);
                self.cookies.push((k.to_owned(), v.to_owned()));
            }
        }
    }

    /// A PC page as a browser opens it: `GET` it, or post `form` (url-encoded, from this site);
    /// returns the status, where it redirects to, and the HTML.
    async fn page(
        &mut self,
        path: &str,
        form: Option<&[(&str, &str)]>,
    ) -> anyhow::Result<(reqwest::StatusCode, Option<String>, String)> {
        let method = if form.is_some() {
            reqwest::Method::POST
        } else {
            reqwest::Method::GET
        };
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(reqwest::header::COOKIE, self.cookie_header());
        if let Some(fields) = form {
            let body = fields
                .iter()
                .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
                .collect::<Vec<_>>()
                .join("&");
            req = req
                .header(reqwest::header::ORIGIN, self.base.as_str())
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(body);
        }
        let resp = req
            .send()
            .await
            .with_context(|| format!("电脑页面 {path} 无法访问"))?;
        self.keep_cookies(&resp);
        let status = resp.status();
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok((status, location, resp.text().await.unwrap_or_default()))
    }

    async fn call(
        &mut self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> anyhow::Result<serde_json::Value> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if !self.cookies.is_empty() {
            req = req.header(reqwest::header::COOKIE, self.cookie_header());
        }
        if let Some(b) = body {
            req = req
                .header(reqwest::header::ORIGIN, self.base.as_str())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(b.to_string());
        }
        let resp = req
            .send()
            .await
            .with_context(|| format!("电脑页面 {path} 无法访问"))?;
        self.keep_cookies(&resp);
        let ok = resp.status().is_success();
        let v: serde_json::Value = resp.json().await.unwrap_or(serde_json::Value::Null);
        anyhow::ensure!(
            ok,
            "电脑页面 {path}：{} [{}]",
            v["error"]["message"],
            v["error"]["code"]
        );
        Ok(v)
    }
}

/// `application/x-www-form-urlencoded` escaping of one name or value.
fn form_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The value of the first `name="csrf"` input of a page.
fn csrf_of(html: &str) -> anyhow::Result<String> {
    let at = html
        .find("name=\"csrf\" value=\"")
        .context("the page has no anti-forgery token")?;
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    Ok(rest.split('"').next().unwrap_or_default().to_owned())
}

/// Step 3: 张伟 logs in to the platform by scanning; the entity is not registered yet, so the
/// registration opens pre-filled; he registers it as a bidder and syncs the credit database.
async fn login_and_register(
    zw: &Phone,
    uscc: &str,
    url: &str,
    pw: &Password,
) -> anyhow::Result<()> {
    println!(
        "3. 张伟扫描交易平台的登录二维码；企业尚未注册，注册页由执照信息预填；注册为投标人并同步诚信库（R11、R12、R22）"
    );
    let mut pc = Browser::new(url)?;
    let created = pc
        .call(
            reqwest::Method::POST,
            "/platform/api/v1/qr",
            Some(serde_json::json!({"kind": "login"})),
        )
        .await?;
    let link = created["link"]
        .as_str()
        .context("二维码中没有链接")?
        .to_owned();
    let id = created["status"]["id"]
        .as_str()
        .context("二维码中没有请求编号")?
        .to_owned();
    println!("   → 电脑端显示登录二维码：{link}（图片：{url}/platform/api/v1/qr/{id}/qr.png）");
    let preview = zw.wallet.fetch_request(&link).await.map_err(err)?;
    println!(
        "   → 手机扫码：请求方「{}」（执照系统登记的名称），事项 {}",
        preview.requester.name,
        preview
            .matter_name
            .clone()
            .unwrap_or(preview.matter.clone())
    );
    let answered = zw
        .wallet
        .answer_request(&preview, uscc, pw)
        .await
        .map_err(err)?;
    let phone_code = answered.short_code.context("手机未返回确认码")?;
    let status = pc
        .call(
            reqwest::Method::GET,
            &format!("/platform/api/v1/qr/{id}"),
            None,
        )
        .await?;
    println!(
        "   → 两个屏幕显示同一确认码：手机 {phone_code}，电脑 {}",
        status["short_code"].as_str().unwrap_or("?")
    );
    pc.call(
        reqwest::Method::POST,
        &format!("/platform/api/v1/qr/{id}/confirm"),
        Some(serde_json::json!({"code": phone_code})),
    )
    .await?;
    let me = pc
        .call(reqwest::Method::GET, "/platform/api/v1/me", None)
        .await?;
    println!(
        "   → 电脑端登录：{}（{}），状态 {}",
        me["entity_name"].as_str().unwrap_or("?"),
        me["person"].as_str().unwrap_or("?"),
        me["state"].as_str().unwrap_or("?")
    );
    let form = pc
        .call(reqwest::Method::GET, "/platform/api/v1/registration", None)
        .await?;
    let b = &form; // the basic information is flattened into the form
    println!(
        "   → 注册页预填：{}，统一社会信用代码 {}，法定代表人 {}，注册资本 {}，住所 {}",
        b["name"].as_str().unwrap_or("?"),
        b["uscc"].as_str().unwrap_or("?"),
        b["legal_representative"].as_str().unwrap_or("?"),
        b["registered_capital"].as_str().unwrap_or("?"),
        b["domicile"].as_str().unwrap_or("?"),
    );
    let contact = zw.person.phone.as_str().to_owned();
    pc.call(reqwest::Method::POST, "/platform/api/v1/registration", Some(serde_json::json!({"kind": "bidder", "contact_name": zw.person.name, "contact_phone": contact}))).await?;
    let me = pc
        .call(reqwest::Method::GET, "/platform/api/v1/me", None)
        .await?;
    println!(
        "   → 已注册为{}，状态 {}",
        me["member_kind_label"]
            .as_str()
            .or(me["member_kind"].as_str())
            .unwrap_or("投标人"),
        me["state"].as_str().unwrap_or("?")
    );
    let sync = pc
        .call(reqwest::Method::POST, "/platform/api/v1/credit/sync", None)
        .await?;
    println!(
        "   → 诚信库「同步电子营业执照」：{} 项变化",
        sync["changed"].as_array().map_or(0, Vec::len)
    );
    Ok(())
}

/// A phone of the cast: its wallet and who holds it.
struct Phone {
    wallet: Wallet,
    person: Person,
}

impl Phone {
    fn open(root: &Path, folder: &str, person: Person, url: &str) -> anyhow::Result<Self> {
        let home = Home::open(root.join(folder)).map_err(err)?;
        Ok(Phone {
            wallet: Wallet::new(home, Client::new(url).map_err(err)?),
            person,
        })
    }

    /// 实名认证: name, ID number, phone; the code from the SMS outbox.
    async fn realname(&self) -> anyhow::Result<String> {
        let p = &self.person;
        let started = self
            .wallet
            .realname(&p.name, p.id_number.as_str(), p.phone.as_str())
            .await
            .map_err(err)?;
        let outbox = self
            .wallet
            .client()
            .outbox(p.phone.as_str())
            .await
            .map_err(err)?;
        let code = outbox
            .first()
            .map(|m| m.code.clone())
            .context("发件箱中没有验证码")?;
        self.wallet
            .confirm(&started.session, &code)
            .await
            .map_err(err)?;
        Ok(format!(
            "{} 实名认证通过（短信验证码 {code} 发送至 {}）",
            p.name, started.phone_masked
        ))
    }
}

/// Play the license part of the scenario (steps 1 and 2); returns the lines to print.
async fn play(root: &Path, url: &str) -> anyhow::Result<()> {
    let company = demo_registry_entry(COMPANY).context("the demo company is missing")?;
    let uscc = company.uscc.as_str().to_owned();
    let mut rng = yizhao_gm::system_rng();
    let default_pw = Password::new(yizhao_wallet::DEFAULT_PASSWORD);
    let zw = Phone::open(root, "phone-zhangwei", cast("张伟")?, url)?;
    let ln = Phone::open(root, "phone-lina", cast("李娜")?, url)?;
    let wq = Phone::open(root, "phone-wangqiang", cast("王强")?, url)?;

    println!(
        "1. 张伟（法定代表人）在手机上实名认证，选择登记地 {}，同意《执照下载声明》并下载执照（R2–R4）",
        locality_text(&company.locality)
    );
    println!("   → {}", zw.realname().await?);
    let list = zw
        .wallet
        .list_licenses(&company.locality)
        .await
        .map_err(err)?;
    println!(
        "   → 登记地 {} 可下载执照 {} 个：{}",
        locality_text(&company.locality),
        list.downloadable.len(),
        list.downloadable
            .iter()
            .map(|o| o.entity_name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    );
    let lic = zw
        .wallet
        .download(&uscc, None, true, &default_pw, &mut rng)
        .await
        .map_err(err)?;
    println!(
        "   → 已下载「{}」电子营业执照（{}，执照编号 {}）",
        lic.entity_name,
        role(&lic.role),
        lic.license_id
    );
    println!("   → 警告：执照密码仍为默认密码 123456；张伟将其修改为 {ZHANGWEI_PASSWORD}");
    zw.wallet
        .home()
        .change_password(&default_pw, &Password::new(ZHANGWEI_PASSWORD), &mut rng)
        .map_err(err)?;
    let zw_pw = Password::new(ZHANGWEI_PASSWORD);

    println!(
        "2. 张伟添加李娜为证照管理员；李娜精准授权王强（{}），期限覆盖整个招投标周期；二人各自下载执照（R5–R8）",
        matter(MATTER_BIDDING).map_or(MATTER_BIDDING, |m| m.name)
    );
    let admin = zw
        .wallet
        .admins_add(&uscc, input(&ln.person), &zw_pw)
        .await
        .map_err(err)?;
    println!(
        "   → 证照管理员：{}（{}，{}）",
        admin.name, admin.id_number_masked, admin.phone_masked
    );
    println!("   → {}", ln.realname().await?);
    let ln_lic = ln
        .wallet
        .download(&uscc, None, true, &default_pw, &mut rng)
        .await
        .map_err(err)?;
    println!("   → 李娜已下载执照（{}）", role(&ln_lic.role));
    let now = {
        use yizhao_domain::time::Clock as _;
        system::SystemClock.now().0
    };
    let grant = ln
        .wallet
        .agents_authorize(
            &uscc,
            AgentAuthorization {
                agent: input(&wq.person),
                start: Some(now),
                end: Some(now + 30 * 86_400),
                matters: Matters::Precise(vec![MATTER_BIDDING.to_owned()]),
            },
            &default_pw,
        )
        .await
        .map_err(err)?;
    println!(
        "   → 授权办事人员：{}，精准授权，30天，状态 {}",
        grant.name, grant.status
    );
    println!("   → {}", wq.realname().await?);
    let wq_lic = wq
        .wallet
        .download(&uscc, None, true, &default_pw, &mut rng)
        .await
        .map_err(err)?;
    let st = wq
        .wallet
        .status(&wq_lic.license_id, Some(MATTER_BIDDING))
        .await
        .map_err(err)?;
    println!(
        "   → 王强已下载执照（{}）；用于招投标：{}",
        role(&wq_lic.role),
        if st.usable { "可用" } else { "不可用" }
    );
    let st = wq
        .wallet
        .status(
            &wq_lic.license_id,
            Some(yizhao_domain::authority::MATTER_PROCUREMENT),
        )
        .await
        .map_err(err)?;
    println!(
        "   → 用于政采（未授权事项）：{}",
        st.reason.map_or("可用".to_owned(), |r| r.message)
    );
    login_and_register(&zw, &uscc, url, &zw_pw).await?;
    seals(
        url,
        [
            (&zw, &lic.license_id, &zw_pw),
            (&wq, &wq_lic.license_id, &default_pw),
        ],
        &ln.person,
        now,
    )
    .await?;
    Ok(())
}

/// The side of the photo 张伟 takes in step 4 (pixels).
const PHOTO_SIDE: u32 = 640;

/// The adjustments 张伟 makes to his photo in step 4 (taken sideways, on greyish paper): crop to
/// the seal, turn it 90° clockwise upright, more contrast and a little brightness, red ink, a
/// slightly higher transparency threshold for a clean background.
pub(crate) fn demo_adjustments() -> yizhao_impression::Adjustments {
    let (x, y, width, height) = yizhao_impression::sample::as_taken_crop(PHOTO_SIDE);
    yizhao_impression::Adjustments {
        crop: Some(yizhao_impression::Rect {
            x,
            y,
            width,
            height,
        }),
        rotation: yizhao_impression::Rotation::R90,
        contrast: 20,
        brightness: 10,
        colour: yizhao_impression::InkColour::Red,
        threshold: 72,
    }
}

/// The reviewer approves impression `id` on the back office's pages, as a person would: log in
/// at `/backoffice/login`, open `/backoffice/reviews`, press 通过; the page redirects back to
/// the queue with the outcome at its top. Returns that outcome's text.
async fn review_on_pages(url: &str, id: &str) -> anyhow::Result<String> {
    let mut bo = Browser::new(url)?;
    let (_, _, html) = bo.page("/backoffice/login", None).await?;
    let csrf = csrf_of(&html)?;
    let (status, _, _) = bo
        .page(
            "/backoffice/login",
            Some(&[
                ("csrf", &csrf),
                ("username", REVIEWER.0),
                ("password", REVIEWER.2),
            ]),
        )
        .await?;
    anyhow::ensure!(status.is_redirection(), "审核员登录失败（{status}）");
    let (_, _, html) = bo.page("/backoffice/reviews", None).await?;
    anyhow::ensure!(
        html.contains(&format!("data-id=\"{id}\"")),
        "审核队列中没有刚上传的印模"
    );
    let csrf = csrf_of(&html)?;
    let (status, location, _) = bo
        .page(
            &format!("/backoffice/reviews/{id}/approve"),
            Some(&[("csrf", &csrf)]),
        )
        .await?;
    let to = location
        .filter(|_| status.is_redirection())
        .with_context(|| format!("审核未完成（{status}）"))?;
    let (_, _, html) = bo.page(&to, None).await?;
    let at = html
        .find("id=\"review-result\"")
        .context("审核结果未显示")?;
    anyhow::ensure!(
        html[at..].contains("data-state=\"approved\""),
        "印模未审核通过"
    );
    let text = html[at..]
        .split_once('>')
        .and_then(|(_, r)| r.split('<').next())
        .unwrap_or_default();
    Ok(text.to_owned())
}

/// The seal part of the scenario (steps 4 and 5, R13–R16): 张伟 adjusts a photo of the bid seal
/// and uploads the impression from his phone, the reviewer approves it on the back office's
/// pages and the seal is made, 张伟 collects it, names 李娜 seal admin of the bid seal and
/// grants 王强 its use (30 days, 5 uses); 王强 collects it through the grant.
async fn seals(
    url: &str,
    [(zw, zw_lic, zw_pw), (wq, wq_lic, wq_pw)]: [(&Phone, &String, &Password); 2],
    lina: &Person,
    now: i64,
) -> anyhow::Result<()> {
    use yizhao_wallet::seals::{SealDesign, SealUseGrantInput};
    let adjust = demo_adjustments();
    println!(
        "4. 张伟用手机拍摄投标专用章，调整照片（裁剪到印模、旋转 90° 摆正、对比度 +{}、亮度 +{}、{}、透明阈值 {}），选择圆形 40mm，用执照签名上传印模；\
后台审核员{}在印模审核页面审核通过，制作电子印章；张伟领取（R13、R14）",
        adjust.contrast,
        adjust.brightness,
        adjust.colour.name_zh(),
        adjust.threshold,
        REVIEWER.1
    );
    let photo = yizhao_impression::sample::seal_photo_as_taken(PHOTO_SIDE);
    let design = SealDesign {
        seal_type: "bid".into(),
        shape: "round".into(),
        width_mm: 40,
        height_mm: 40,
    };
    let up = zw
        .wallet
        .upload_impression(zw_lic, zw_pw, &photo, &adjust, &design, true)
        .await
        .map_err(err)?;
    println!(
        "   → 印模已上传（{}，{}）",
        up.seal_type_name, up.state_name
    );
    let outcome = review_on_pages(url, &up.id).await?;
    println!("   → 审核页面：{}", outcome.trim());
    let can = zw.wallet.collectable(zw_lic, zw_pw).await.map_err(err)?;
    let seal = can.first().context("没有可领取的印章")?.seal.clone();
    let held = zw
        .wallet
        .collect(zw_lic, zw_pw, &seal.id, None)
        .await
        .map_err(err)?;
    println!(
        "   → 张伟已领取「{}」（GB/T 38540 电子印章，绑定其执照）",
        held.seal.name
    );

    println!(
        "5. 张伟配置李娜为投标专用章印章管理员，授权王强使用投标专用章（30天、5次）；王强领取（R15、R16）"
    );
    let admin = zw
        .wallet
        .seal_admins_add(zw_lic, zw_pw, "bid", &lina.name, lina.id_number.as_str())
        .await
        .map_err(err)?;
    println!(
        "   → 印章管理员：{}（{}）",
        admin.name, admin.seal_type_name
    );
    let grant = zw
        .wallet
        .seal_grants_add(
            zw_lic,
            zw_pw,
            SealUseGrantInput {
                seal_type: "bid".into(),
                name: wq.person.name.clone(),
                id_number: wq.person.id_number.as_str().to_owned(),
                start: Some(now),
                end: now + 30 * 86_400,
                reason: "宜昌市示范项目投标".into(),
                matters: Some(vec![MATTER_BIDDING.to_owned()]),
                uses: 5,
            },
        )
        .await
        .map_err(err)?;
    println!(
        "   → 印章使用授权：{}，{}，用章次数 {}，事由「{}」",
        grant.name, grant.seal_type_name, grant.uses_total, grant.reason
    );
    let held = wq
        .wallet
        .collect(wq_lic, wq_pw, &seal.id, Some(&grant.id))
        .await
        .map_err(err)?;
    println!("   → 王强凭印章使用授权领取「{}」", held.seal.name);
    Ok(())
}

/// Enterprises the scenario leaves unregistered, for a newcomer to try by hand: the first
/// registers itself as a bidder after its first QR login, the second at the registration window
/// as a tenderer.
pub(crate) const NEWCOMERS: [(&str, &str); 2] = [
    ("宜昌云帆信息技术有限公司", "扫码登录后自行注册为投标人"),
    (
        "宜昌峡江路桥建设有限公司",
        "由网员注册窗口注册为招标人，再扫码登录",
    ),
];

/// Prints the real-name data of [`NEWCOMERS`] and how to use it: a new phone (any of the
/// served ones, or `yizhao wallet`) verifies the legal representative (the SMS code is in the
/// built-in outbox), downloads the license, and logs in.
fn newcomers(url: &str) -> anyhow::Result<()> {
    println!("再试一家尚未注册的企业（演示登记信息中的真实数据）：");
    for (name, how) in NEWCOMERS {
        let e = demo_registry_entry(name).with_context(|| format!("{name} 不在演示登记信息中"))?;
        let p = &e.legal_representative;
        println!(
            "  {}（统一社会信用代码 {}，登记地 {}）：{how}",
            e.name,
            e.uscc.as_str(),
            locality_text(&e.locality)
        );
        println!(
            "      法定代表人实名信息：姓名 {}，身份证号 {}，手机号 {}",
            p.name,
            p.id_number.as_str(),
            p.phone.as_str()
        );
    }
    println!(
        "  短信验证码不真正发送，可在内置发件箱查看：{url}/authority/api/v1/dev/outbox?phone=手机号"
    );
    Ok(())
}

/// The three phones of the cast, as the demo serves them: who, role, home folder, password.
const PHONES: [(&str, &str, &str, &str); 3] = [
    ("张伟", "法定代表人", "phone-zhangwei", ZHANGWEI_PASSWORD),
    (
        "李娜",
        "证照管理员",
        "phone-lina",
        yizhao_wallet::DEFAULT_PASSWORD,
    ),
    (
        "王强",
        "执照办事人员",
        "phone-wangqiang",
        yizhao_wallet::DEFAULT_PASSWORD,
    ),
];

/// The seal reviewer the demo creates for the back office (SCENARIO: 钱坤), and the password.
const REVIEWER: (&str, &str, &str) = ("qiankun", "钱坤", "Review@2026");

/// The window clerk the demo creates for the back office, and the clerk's password.
const WINDOW_STAFF: (&str, &str, &str) = ("window01", "网员注册窗口", "Window@2026");

/// Serves each phone's web UI (`yizhao wallet serve`) on the ports after the server's (or any
/// free port when those are taken); returns the phones' URLs.
async fn serve_phones(root: &Path, url: &str, addr: SocketAddr) -> anyhow::Result<Vec<String>> {
    let mut urls = Vec::new();
    for (i, (_, _, folder, _)) in PHONES.iter().enumerate() {
        let home = Home::open(root.join(folder)).map_err(err)?;
        let wallet = Wallet::new(home, Client::new(url).map_err(err)?);
        let mut at = addr;
        if addr.port() != 0 {
            at.set_port(addr.port().saturating_add(u16::try_from(i + 1)?));
        }
        let listener = match tokio::net::TcpListener::bind(at).await {
            Ok(l) => l,
            Err(_) => system::bind(SocketAddr::new(addr.ip(), 0)).await?,
        };
        let served = listener.local_addr()?;
        let config = yizhao_wallet::web::WebConfig::new(served);
        let router = yizhao_wallet::web::router(wallet, config).map_err(err)?;
        urls.push(format!("http://{served}/"));
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, router).await {
                tracing::error!(error = %e, "a demo phone stopped");
            }
        });
    }
    Ok(urls)
}

/// Creates the temporary instance, plays the steps, then serves until Ctrl-C or SIGTERM.
pub async fn run(listen: SocketAddr) -> anyhow::Result<()> {
    // Kept until the server stops; dropping it removes the folder.
    let data = tempfile::Builder::new()
        .prefix("yizhao-demo-")
        .tempdir()
        .context("无法创建临时数据目录")?;
    let store = app::StoreArgs {
        data: data.path().join("server"),
        database: None,
    };
    let db = app::open_database(&store).await?;
    let services = app::start(
        db.clone(),
        &store.data,
        true,
        yizhao_server::AuthorityConfig {
            expose_outbox: true,
            ..Default::default()
        },
        Default::default(),
    )
    .await?;
    let listener = system::bind(listen).await?;
    let shutdown = system::shutdown_signal()?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");

    println!("yizhao 演示：一个全新的内置实例，停止后即删除。");
    println!("  数据目录：{}", data.path().display());
    println!("  网页：    {url}/");
    println!("  接口：    {url}/api/openapi.json");
    println!();

    let server = tokio::spawn(server::run(
        listener,
        yizhao_server::router(&services),
        Default::default(),
        shutdown,
    ));
    // The seal reviewer's account, used in step 4 and left for trying the back office by hand.
    services
        .platform
        .create_back_office_user(
            REVIEWER.0,
            REVIEWER.1,
            BackOfficeRole::Reviewer,
            &Password::new(REVIEWER.2),
            "demo",
        )
        .await
        .map_err(|e| anyhow::anyhow!("无法创建审核员：{}", e.message))?;
    play(data.path(), &url).await.context("演示场景未能完成")?;
    // The registration window's account, so the back office can be tried by hand.
    match db.verify_audit().await? {
        yizhao_store::AuditVerdict::Intact { records } => {
            println!("6. 审计日志（SM3 哈希链）完整：{records} 条记录")
        }
        yizhao_store::AuditVerdict::Broken { seq, reason } => {
            anyhow::bail!("审计日志在第 {seq} 条断开：{reason}")
        }
    }
    let (user, name, password) = WINDOW_STAFF;
    services
        .platform
        .create_back_office_user(
            user,
            name,
            BackOfficeRole::Staff,
            &Password::new(password),
            "demo",
        )
        .await
        .map_err(|e| anyhow::anyhow!("无法创建窗口工作人员：{}", e.message))?;
    let phones = serve_phones(data.path(), &url, addr).await?;
    println!();
    println!("动手试一试——把电脑页面和手机页面并排打开：");
    println!("  PC（电脑端）:     {url}/login");
    println!("  窗口后台:         {url}/backoffice/login  （用户 {user}，密码 {password}）");
    println!(
        "  印模审核后台:     {url}/backoffice/login  （用户 {}，密码 {}）",
        REVIEWER.0, REVIEWER.2
    );
    for ((who, role, folder, pw), phone) in PHONES.iter().zip(&phones) {
        println!("  手机 {who}（{role}）: {phone}  执照密码 {pw}");
        println!(
            "      命令行: yizhao wallet --home {} --server {url} show",
            data.path().join(folder).display()
        );
    }
    println!("  在手机页面点“扫一扫”，粘贴电脑页面二维码下方的链接，或上传二维码截图。");
    println!();
    newcomers(&url)?;
    println!();
    println!("正在服务 {url}/ ——按 Ctrl-C 停止。");
    server.await.context("服务已异常停止")??;
    data.close().context("无法删除临时数据目录")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// Step 4 says the photo was adjusted: the adjustments it uploads with change the picture,
    /// and the result passes the quality checks.
    #[test]
    fn the_photo_step_really_adjusts_the_photo() {
        let photo = yizhao_impression::sample::seal_photo_as_taken(PHOTO_SIDE);
        let design = yizhao_impression::form::Design::new("bid", "round", 40, 40).unwrap();
        let plain = yizhao_impression::form::prepare(
            &photo,
            &yizhao_impression::Adjustments::default(),
            &design,
        )
        .unwrap();
        let adjusted =
            yizhao_impression::form::prepare(&photo, &demo_adjustments(), &design).unwrap();
        assert_ne!(
            demo_adjustments(),
            yizhao_impression::Adjustments::default()
        );
        assert_ne!(adjusted.png, plain.png);
        assert!(adjusted.report.passed(), "{:?}", adjusted.report.findings);
    }

    #[test]
    fn the_newcomers_are_in_the_registry_and_not_the_scenario_company() {
        for (name, _) in NEWCOMERS {
            let e = demo_registry_entry(name).unwrap();
            assert_ne!(e.name, COMPANY);
        }
    }
}

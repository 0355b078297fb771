//! The PC pages: the QR login page, home, registration and the credit database as HTML with
//! forms posted url-encoded under an anti-forgery token; the back office's registration window
//! (R11), whose tenderers then log in by QR like anyone (R12); the back office's impression
//! review and the member's 印模管理 page (R13).

use axum::http::{Method, StatusCode};
use yizhao_domain::registry::demo_registry_entry;
use yizhao_gm::keystore::Password;
use yizhao_server::authority::registry_row;
use yizhao_server::platform::backoffice::BackOfficeRole;
use yizhao_testkit::on_both;

use crate::members::login;
use crate::qr::{Browser, legal_rep};
use crate::{T0, TestApp};

const ENTITY: &str = "宜昌市示范建设工程有限公司";

/// A page: status, `Location` (for redirects), HTML.
struct Page {
    status: StatusCode,
    location: Option<String>,
    html: String,
}

impl Page {
    /// The text of the element with this id (up to its first child tag).
    fn text(&self, id: &str) -> String {
        let at = self
            .html
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no #{id} in {}", self.html));
        let rest = &self.html[at..];
        let start = rest.find('>').unwrap() + 1;
        let end = rest[start..].find('<').unwrap() + start;
        rest[start..end].trim().to_owned()
    }

    /// The `value` of the input with this id.
    fn value(&self, id: &str) -> String {
        let at = self
            .html
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no #{id} in {}", self.html));
        let tag = &self.html[at..at + self.html[at..].find('>').unwrap()];
        let start = tag.find("value=\"").expect("a value") + "value=\"".len();
        let end = tag[start..].find('"').unwrap() + start;
        tag[start..end].to_owned()
    }

    /// The form's anti-forgery token.
    fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let at = self.html.find(marker).expect("a csrf field") + marker.len();
        let end = self.html[at..].find('"').unwrap() + at;
        self.html[at..end].to_owned()
    }

    fn has(&self, id: &str) -> bool {
        self.html.contains(&format!("id=\"{id}\""))
    }

    /// The stable error code the element with this id keeps out of sight, in `data-code`.
    fn code(&self, id: &str) -> String {
        let at = self
            .html
            .find(&format!("id=\"{id}\""))
            .unwrap_or_else(|| panic!("no #{id} in {}", self.html));
        let tag = &self.html[at..at + self.html[at..].find('>').unwrap()];
        let start = tag.find("data-code=\"").expect("a data-code") + "data-code=\"".len();
        let end = tag[start..].find('"').unwrap() + start;
        tag[start..end].to_owned()
    }
}

/// What a person sees of a page: its text without tags, attributes, scripts or styles.
pub(crate) fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        let hidden_until = ["script", "style"]
            .into_iter()
            .find(|t| rest[1..].starts_with(t))
            .map(|t| format!("</{t}>"));
        let skip = match hidden_until {
            Some(close) => rest.find(&close).map_or(rest.len(), |i| i + close.len()),
            None => rest.find('>').map_or(rest.len(), |i| i + 1),
        };
        out.push(' ');
        rest = &rest[skip..];
    }
    out.push_str(rest);
    out
}

/// Every error code a page keeps in a `data-code` attribute is out of sight: a person reads
/// the message, never the code.
pub(crate) fn assert_codes_not_shown(html: &str) {
    let visible = visible_text(html);
    for part in html.split("data-code=\"").skip(1) {
        let code = &part[..part.find('"').unwrap()];
        assert!(
            code.is_empty() || !visible.contains(code),
            "the page shows the code {code}: {visible}"
        );
    }
}

async fn get(app: &TestApp, b: &mut Browser, path: &str) -> Page {
    let (status, h, body) = b.send(app, Method::GET, path, None).await;
    page(status, &h, body)
}

async fn post(app: &TestApp, b: &mut Browser, path: &str, form: &[(&str, &str)]) -> Page {
    let body = form
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    let (status, h, body) = b
        .send(
            app,
            Method::POST,
            path,
            Some(("application/x-www-form-urlencoded", body.into_bytes())),
        )
        .await;
    page(status, &h, body)
}

fn page(status: StatusCode, h: &axum::http::HeaderMap, body: Vec<u8>) -> Page {
    let html = String::from_utf8(body).unwrap();
    assert_codes_not_shown(&html);
    Page {
        status,
        location: h.get("location").map(|v| v.to_str().unwrap().to_owned()),
        html,
    }
}

/// Percent-encoding for form values (every byte outside the unreserved set).
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn redirect(p: &Page) -> (StatusCode, Option<&str>) {
    (p.status, p.location.as_deref())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_page_and_redirects_without_a_session() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let mut b = Browser { cookie: None };
        let p = get(&app, &mut b, "/login").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.html.contains("电子营业执照扫码登录"));
        for id in [
            "tab-market",
            "tab-nonmarket",
            "qr-image",
            "qr-countdown",
            "qr-refresh",
            "qr-message",
            "short-code",
            "short-code-confirm",
            "short-code-input",
        ] {
            assert!(p.has(id), "#{id}");
        }
        assert_eq!(p.text("qr-message"), "请使用电子营业执照扫码");
        assert!(p.html.contains("非市场主体登录即将开放"));
        // The countdown runs on the server's clock.
        assert!(p.html.contains(&format!("data-server-now=\"{T0}\"")));
        assert!(!p.html.contains("http://") && !p.html.contains("https://"));

        for path in ["/", "/register", "/credit"] {
            let p = get(&app, &mut b, path).await;
            assert_eq!(
                redirect(&p),
                (StatusCode::SEE_OTHER, Some("/login")),
                "{path}"
            );
        }
        // A made-up member cookie is no session either.
        let mut forged = Browser {
            cookie: Some(format!("yz_member={}", "ab".repeat(32))),
        };
        let p = get(&app, &mut forged, "/").await;
        assert_eq!(redirect(&p), (StatusCode::SEE_OTHER, Some("/login")));

        let p = get(&app, &mut b, "/static/pc.js").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.html.contains("EventSource") && p.html.contains("dataset.sse"));
        let p = get(&app, &mut b, "/static/pc.css").await;
        assert_eq!(p.status, StatusCode::OK);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_home_credit_and_logout_through_the_pages() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let uscc = demo_registry_entry(ENTITY)
            .unwrap()
            .uscc
            .as_str()
            .to_owned();
        let face = app.authority.face_data(&uscc).await.unwrap().unwrap();
        let mut pc = Browser { cookie: None };
        login(&app, &zw, &mut pc).await;

        // Not registered yet: home sends to registration, pre-filled from the license.
        let p = get(&app, &mut pc, "/").await;
        assert_eq!(redirect(&p), (StatusCode::SEE_OTHER, Some("/register")));
        let p = get(&app, &mut pc, "/register").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.has("registration-form") && p.has("reg-submit") && p.has("reg-kind"));
        assert_eq!(p.value("reg-uscc"), uscc);
        assert_eq!(p.value("reg-name"), ENTITY);
        assert_eq!(p.value("reg-legal-representative"), "张伟");
        assert_eq!(p.value("reg-domicile"), face.domicile);
        assert_eq!(p.value("reg-contact-name"), "张伟");
        assert!(p.html.contains("id=\"reg-uscc\" value=\"") && p.html.contains("readonly"));
        let csrf = p.csrf();

        // Without the token, or with another one: refused, nothing registered.
        let form = [
            ("kind", "bidder"),
            ("contact_name", "张伟"),
            ("contact_phone", "13800000000"),
        ];
        let p = post(&app, &mut pc, "/register", &form).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(p.code("error"), "csrf.invalid");
        assert_eq!(p.text("error-message"), "页面已过期，请刷新后重试。");
        let wrong = "0".repeat(64);
        let mut with_wrong = form.to_vec();
        with_wrong.push(("csrf", &wrong));
        let p = post(&app, &mut pc, "/register", &with_wrong).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(p.code("error"), "csrf.invalid");
        // Another browser's token is wrong here too.
        let mut other = Browser { cookie: None };
        login(&app, &zw, &mut other).await;
        let other_csrf = get(&app, &mut other, "/register").await.csrf();
        assert_ne!(other_csrf, csrf);
        let mut with_other = form.to_vec();
        with_other.push(("csrf", &other_csrf));
        let p = post(&app, &mut pc, "/register", &with_other).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        // A body that is no form at all: a clear error page, nothing registered either.
        let (status, h, body) = pc
            .send(
                &app,
                Method::POST,
                "/register",
                Some(("application/json", "{\"kind\":\"bidder\"}".into())),
            )
            .await;
        let p = page(status, &h, body);
        assert_eq!(p.status, StatusCode::BAD_REQUEST);
        assert_eq!(p.code("error"), "request.invalid_form");
        assert!(
            app.authority
                .db()
                .read()
                .await
                .unwrap()
                .member(&uscc)
                .await
                .unwrap()
                .is_none()
        );

        // A bad form is shown again with the error, what was typed kept.
        let p = post(
            &app,
            &mut pc,
            "/register",
            &[
                ("csrf", &csrf),
                ("kind", "bidder"),
                ("contact_name", "张伟"),
                ("contact_phone", " "),
            ],
        )
        .await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST);
        assert_eq!(p.text("form-error"), "请填写联系人和联系电话。");
        assert_eq!(p.code("form-error"), "member.contact_required");
        let p = post(
            &app,
            &mut pc,
            "/register",
            &[
                ("csrf", &csrf),
                ("kind", "tenderer"),
                ("contact_name", "张伟"),
                ("contact_phone", "13800000000"),
            ],
        )
        .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(p.text("form-error"), "招标人、采购人请联系网员注册窗口注册");
        assert_eq!(p.value("reg-contact-phone"), "13800000000");
        assert!(
            app.authority
                .db()
                .read()
                .await
                .unwrap()
                .member(&uscc)
                .await
                .unwrap()
                .is_none()
        );

        // With the token: registered, and home shows who is logged in.
        let mut good = form.to_vec();
        good.push(("csrf", &csrf));
        let p = post(&app, &mut pc, "/register", &good).await;
        assert_eq!(redirect(&p), (StatusCode::SEE_OTHER, Some("/")));
        let p = get(&app, &mut pc, "/").await;
        assert_eq!(p.status, StatusCode::OK);
        assert_eq!(p.text("member-name"), ENTITY);
        assert_eq!(p.text("member-uscc"), uscc);
        assert_eq!(p.text("member-person"), "张伟");
        assert_eq!(p.text("member-role"), "法定代表人");
        assert_eq!(p.text("member-kind"), "投标人");
        assert!(p.html.contains("href=\"/credit\"") && p.has("logout"));
        let home_csrf = p.csrf();
        // Registered: the form is gone.
        let p = get(&app, &mut pc, "/register").await;
        assert_eq!(redirect(&p), (StatusCode::SEE_OTHER, Some("/")));

        // 诚信库 › 基本信息.
        let p = get(&app, &mut pc, "/credit").await;
        assert_eq!(p.status, StatusCode::OK);
        assert_eq!(p.text("credit-uscc"), uscc);
        assert_eq!(p.text("credit-name"), ENTITY);
        assert_eq!(p.text("credit-kind-of-entity"), face.kind);
        assert_eq!(p.text("credit-legal-representative"), "张伟");
        assert_eq!(p.text("credit-registered-capital"), face.registered_capital);
        assert_eq!(p.text("credit-established"), face.established);
        assert_eq!(p.text("credit-business-term"), face.business_term);
        assert_eq!(p.text("credit-domicile"), face.domicile);
        assert_eq!(p.text("credit-business-scope"), face.business_scope);
        assert_eq!(
            p.text("credit-registration-authority"),
            face.registration_authority
        );
        // 登记地 by its name (issue #15: the division code alone).
        assert_eq!(p.text("credit-locality"), "湖北省宜昌市西陵区（420502）");
        assert_eq!(face.locality, "420502");
        assert!(p.has("credit-sync") && !p.has("credit-changes"));
        let credit_csrf = p.csrf();
        assert_eq!(credit_csrf, home_csrf);

        // The registry changes; the sync lists what changed.
        let mut row = registry_row(&demo_registry_entry(ENTITY).unwrap());
        row.registered_capital = "6000万元人民币".into();
        app.authority.import_registry(&[row], "test").await.unwrap();
        let p = post(&app, &mut pc, "/credit/sync", &[]).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(p.code("error"), "csrf.invalid");
        let p = get(&app, &mut pc, "/credit").await;
        assert_eq!(p.text("credit-registered-capital"), face.registered_capital);
        let p = post(&app, &mut pc, "/credit/sync", &[("csrf", &credit_csrf)]).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.has("credit-changes"));
        assert!(p.html.contains("<td>注册资本</td>"));
        assert!(p.html.contains(&format!(
            "<td>{}</td><td>6000万元人民币</td>",
            face.registered_capital
        )));
        assert_eq!(p.text("credit-registered-capital"), "6000万元人民币");
        let p = post(&app, &mut pc, "/credit/sync", &[("csrf", &credit_csrf)]).await;
        assert!(p.html.contains("照面信息无变化"));

        // Logout needs the token too; then the pages send to the login.
        let p = post(&app, &mut pc, "/logout", &[("csrf", &wrong)]).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(get(&app, &mut pc, "/").await.status, StatusCode::OK);
        let p = post(&app, &mut pc, "/logout", &[("csrf", &home_csrf)]).await;
        assert_eq!(redirect(&p), (StatusCode::SEE_OTHER, Some("/login")));
        let p = get(&app, &mut pc, "/").await;
        assert_eq!(redirect(&p), (StatusCode::SEE_OTHER, Some("/login")));
        // The other browser's session lives on, and sees the member.
        let p = get(&app, &mut other, "/").await;
        assert_eq!(p.status, StatusCode::OK);
        assert_eq!(p.text("member-kind"), "投标人");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_answer_message_reaches_the_pc() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let mut pc = Browser { cookie: None };
        let qr = pc.new_login(&app).await;
        // Answer with a tampered signature: refused, and the PC sees the reason in Chinese.
        let mut bad = crate::Phone::new("x", "x", "x");
        let other_key = yizhao_gm::PrivateKey::generate(
            yizhao_gm::SuiteId::Gm,
            &mut yizhao_server::rng::PortRng(app.rng.as_ref()),
        );
        bad.licenses.push((zw.licenses[0].0.clone(), other_key));
        let (s, v) = crate::qr::scan(&app, &bad, 0, &qr.id).await;
        assert_ne!(s, StatusCode::OK, "{v}");
        let (_, st) = pc.qr_state(&app, &qr.id).await;
        assert_eq!(st["error"]["code"], v["error"]["code"]);
        assert_eq!(st["error"]["message"], v["error"]["message"]);
        assert!(!st["error"]["message"].as_str().unwrap().is_empty());
        // The right answer then clears it.
        let (s, v) = crate::qr::scan(&app, &zw, 0, &qr.id).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (_, st) = pc.qr_state(&app, &qr.id).await;
        assert_eq!(st["state"], "answered");
        assert!(st["error"].is_null(), "{st}");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_office_registers_a_tenderer_who_then_logs_in_by_qr() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let db = app.authority.db().clone();
        let pw = Password::new("window-pass-1");
        let create = |u: &'static str, role| {
            let p = app.platform.clone();
            let pw = pw.clone();
            async move {
                p.create_back_office_user(u, "李窗口", role, &pw, "operator")
                    .await
            }
        };

        // create-staff's rules.
        create("w1", BackOfficeRole::Staff).await.unwrap();
        let e = create("w1", BackOfficeRole::Staff).await.unwrap_err();
        assert_eq!(e.code, "backoffice.username_taken");
        let e = create("bad name", BackOfficeRole::Staff).await.unwrap_err();
        assert_eq!(e.code, "backoffice.username_invalid");
        let e = app
            .platform
            .create_back_office_user(
                "w2",
                "李窗口",
                BackOfficeRole::Staff,
                &Password::new("short"),
                "operator",
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "backoffice.password_too_short");
        create("r1", BackOfficeRole::Reviewer).await.unwrap();
        let stored = db
            .read()
            .await
            .unwrap()
            .back_office_user("w1")
            .await
            .unwrap()
            .unwrap();
        assert!(stored.password_hash.starts_with("$argon2id$"));
        assert!(!stored.password_hash.contains("window-pass-1"));
        let audit = db.audit_tail(50).await.unwrap();
        let created: Vec<_> = audit
            .iter()
            .filter(|r| r.entry.action == "backoffice.user_create")
            .collect();
        assert_eq!(created.len(), 2);
        let w1 = created
            .iter()
            .find(|r| r.entry.detail.contains("\"username\":\"w1\""))
            .unwrap();
        assert_eq!(w1.entry.actor, "operator");
        assert!(
            created
                .iter()
                .all(|r| !r.entry.detail.contains("window-pass-1"))
        );

        // Not logged in: off to the login page, which sets a browser cookie for its token.
        let mut b = Browser { cookie: None };
        let p = get(&app, &mut b, "/backoffice").await;
        assert_eq!(
            redirect(&p),
            (StatusCode::SEE_OTHER, Some("/backoffice/login"))
        );
        let p = get(&app, &mut b, "/backoffice/login").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.has("staff-username") && p.has("staff-password") && p.has("staff-login"));
        assert!(b.cookie.as_deref().unwrap().contains("yz_pc="));
        let csrf = p.csrf();

        // Wrong password and unknown user: one answer. No token: refused.
        for (user, pass) in [("w1", "wrong-password"), ("nobody", "window-pass-1")] {
            let p = post(
                &app,
                &mut b,
                "/backoffice/login",
                &[("csrf", &csrf), ("username", user), ("password", pass)],
            )
            .await;
            assert_eq!(p.status, StatusCode::UNAUTHORIZED);
            assert_eq!(p.text("form-error"), "用户名或密码错误");
            assert_eq!(p.code("form-error"), "backoffice.bad_credentials");
            assert!(!visible_text(&p.html).contains("backoffice."));
            assert!(!p.html.contains(pass));
        }
        let p = post(
            &app,
            &mut b,
            "/backoffice/login",
            &[("username", "w1"), ("password", "window-pass-1")],
        )
        .await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(p.code("error"), "csrf.invalid");
        assert!(!b.cookie.as_deref().unwrap().contains("yz_staff="));

        let p = post(
            &app,
            &mut b,
            "/backoffice/login",
            &[
                ("csrf", &csrf),
                ("username", "w1"),
                ("password", "window-pass-1"),
            ],
        )
        .await;
        assert_eq!(redirect(&p), (StatusCode::SEE_OTHER, Some("/backoffice")));
        let p = get(&app, &mut b, "/backoffice").await;
        assert_eq!(p.status, StatusCode::OK);
        for id in [
            "bo-uscc",
            "bo-kind",
            "bo-contact-name",
            "bo-contact-phone",
            "bo-submit",
            "bo-members",
        ] {
            assert!(p.has(id), "#{id}");
        }
        let staff_csrf = p.csrf();
        let uscc = demo_registry_entry(ENTITY)
            .unwrap()
            .uscc
            .as_str()
            .to_owned();

        // The window registers only tenderers and purchasers; bad input changes nothing.
        let bidder = bo_form(&uscc, "bidder", Some(&staff_csrf));
        let p = post_owned(&app, &mut b, "/backoffice", &bidder).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(p.code("form-error"), "backoffice.kind_self_service");
        assert!(p.has("form-error"));
        let no_csrf = bo_form(&uscc, "tenderer", None);
        let p = post_owned(&app, &mut b, "/backoffice", &no_csrf).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(p.code("error"), "csrf.invalid");
        let mut bad_uscc = bo_form(&uscc, "tenderer", Some(&staff_csrf));
        bad_uscc[0].1 = "91420500MA4XXXXXX0".into();
        let p = post_owned(&app, &mut b, "/backoffice", &bad_uscc).await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST);
        assert!(p.has("form-error"));
        assert!(
            db.read()
                .await
                .unwrap()
                .member(&uscc)
                .await
                .unwrap()
                .is_none()
        );

        let ok = bo_form(&uscc, "tenderer", Some(&staff_csrf));
        let p = post_owned(&app, &mut b, "/backoffice", &ok).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.html);
        assert!(p.text("bo-success").contains(ENTITY));
        assert!(
            p.html
                .contains(&format!("<tr data-uscc=\"{uscc}\"><td>{uscc}</td>"))
        );
        let m = db
            .read()
            .await
            .unwrap()
            .member(&uscc)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                m.kind.as_str(),
                m.registered_by.as_str(),
                m.contact_name.as_str()
            ),
            ("tenderer", "window:w1", "王五")
        );
        assert_eq!(m.name, ENTITY);
        let audit = db.audit_tail(5).await.unwrap();
        assert!(audit.iter().any(|r| r.entry.action == "member.register"
            && r.entry.actor == "backoffice:w1"
            && r.entry.entity == uscc));
        // Twice: already a member.
        let p = post_owned(&app, &mut b, "/backoffice", &ok).await;
        assert_eq!(p.status, StatusCode::CONFLICT);
        assert_eq!(p.code("form-error"), "member.already_registered");

        // The tenderer logs in by QR like anyone (R12) and is a member at once.
        let zw = legal_rep(&app).await;
        let mut pc = Browser { cookie: None };
        login(&app, &zw, &mut pc).await;
        let p = get(&app, &mut pc, "/").await;
        assert_eq!(p.status, StatusCode::OK);
        assert_eq!(p.text("member-kind"), "招标人");
        // A member is not staff.
        let p = get(&app, &mut pc, "/backoffice").await;
        assert_eq!(
            redirect(&p),
            (StatusCode::SEE_OTHER, Some("/backoffice/login"))
        );

        // A reviewer is not window staff.
        let mut r = Browser { cookie: None };
        let csrf = get(&app, &mut r, "/backoffice/login").await.csrf();
        let p = post(
            &app,
            &mut r,
            "/backoffice/login",
            &[
                ("csrf", &csrf),
                ("username", "r1"),
                ("password", "window-pass-1"),
            ],
        )
        .await;
        assert_eq!(p.status, StatusCode::SEE_OTHER);
        let p = get(&app, &mut r, "/backoffice").await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(p.code("error"), "backoffice.staff_only");

        // Logout, with the token.
        let p = post(&app, &mut b, "/backoffice/logout", &[]).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        let p = post(&app, &mut b, "/backoffice/logout", &[("csrf", &staff_csrf)]).await;
        assert_eq!(
            redirect(&p),
            (StatusCode::SEE_OTHER, Some("/backoffice/login"))
        );
        let p = get(&app, &mut b, "/backoffice").await;
        assert_eq!(
            redirect(&p),
            (StatusCode::SEE_OTHER, Some("/backoffice/login"))
        );
    })
    .await;
}

async fn post_owned(app: &TestApp, b: &mut Browser, path: &str, form: &[(String, String)]) -> Page {
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    post(app, b, path, &refs).await
}

fn bo_form(uscc: &str, kind: &str, csrf: Option<&str>) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = [
        ("uscc", uscc),
        ("kind", kind),
        ("contact_name", "王五"),
        ("contact_phone", "0717-1234567"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    if let Some(c) = csrf {
        v.push(("csrf".into(), c.into()));
    }
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_are_secure_behind_https() {
    use yizhao_server::platform::PlatformConfig;

    on_both(|t| async move {
        let mut app = TestApp::new(t.db).await;
        let plain = Browser { cookie: None }
            .send(&app, Method::GET, "/backoffice/login", None)
            .await
            .1;
        assert!(!plain["set-cookie"].to_str().unwrap().contains("Secure"));
        let config = PlatformConfig {
            public_url: Some("HTTPS://bid.example.cn".into()),
            ..PlatformConfig::default()
        };
        app.with_platform_config(config).await;
        let mut b = Browser { cookie: None };
        let (_, h, _) = b.send(&app, Method::GET, "/backoffice/login", None).await;
        assert!(h["set-cookie"].to_str().unwrap().ends_with("; Secure"));
        let mut b = Browser { cookie: None };
        let (_, h, _) = b
            .send(
                &app,
                Method::POST,
                "/platform/api/v1/qr",
                Some(("application/json", "{}".into())),
            )
            .await;
        assert!(h["set-cookie"].to_str().unwrap().ends_with("; Secure"));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn back_office_sessions_end_after_their_time() {
    use yizhao_server::platform::backoffice::STAFF_SESSION_TTL_SECS;

    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        app.platform
            .create_back_office_user(
                "w1",
                "李窗口",
                BackOfficeRole::Staff,
                &Password::new("window-pass-1"),
                "operator",
            )
            .await
            .unwrap();
        let mut b = Browser { cookie: None };
        let csrf = get(&app, &mut b, "/backoffice/login").await.csrf();
        let p = post(
            &app,
            &mut b,
            "/backoffice/login",
            &[
                ("csrf", &csrf),
                ("username", "w1"),
                ("password", "window-pass-1"),
            ],
        )
        .await;
        assert_eq!(redirect(&p), (StatusCode::SEE_OTHER, Some("/backoffice")));
        // Logged in: the login page sends on to the window.
        let p = get(&app, &mut b, "/backoffice/login").await;
        assert_eq!(redirect(&p), (StatusCode::SEE_OTHER, Some("/backoffice")));
        app.clock.advance(STAFF_SESSION_TTL_SECS);
        let p = get(&app, &mut b, "/backoffice").await;
        assert_eq!(
            redirect(&p),
            (StatusCode::SEE_OTHER, Some("/backoffice/login"))
        );
        // A made-up staff cookie is no session either.
        let mut forged = Browser {
            cookie: Some(format!("yz_staff={}", "ab".repeat(32))),
        };
        let p = get(&app, &mut forged, "/backoffice").await;
        assert_eq!(
            redirect(&p),
            (StatusCode::SEE_OTHER, Some("/backoffice/login"))
        );
    })
    .await;
}

/// A back-office user `username` (password `review-pass-1`) logged in in a fresh browser; the
/// redirect the login answered.
async fn back_office_login(
    app: &TestApp,
    username: &'static str,
    role: BackOfficeRole,
) -> (Browser, Option<String>) {
    app.platform
        .create_back_office_user(
            username,
            "赵审核",
            role,
            &Password::new("review-pass-1"),
            "operator",
        )
        .await
        .unwrap();
    let mut b = Browser { cookie: None };
    let csrf = get(app, &mut b, "/backoffice/login").await.csrf();
    let p = post(
        app,
        &mut b,
        "/backoffice/login",
        &[
            ("csrf", &csrf),
            ("username", username),
            ("password", "review-pass-1"),
        ],
    )
    .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    (b, p.location)
}

/// The legal representative uploads the drawn seal (bid seal, round, 40 mm) for review; its id.
/// The logged-in browser `pc` registers its entity as a bidder (张伟 the contact).
pub(crate) async fn register_bidder(app: &TestApp, pc: &mut Browser) {
    let csrf = get(app, pc, "/register").await.csrf();
    let p = post(
        app,
        pc,
        "/register",
        &[
            ("csrf", &csrf),
            ("kind", "bidder"),
            ("contact_name", "张伟"),
            ("contact_phone", "13800000000"),
        ],
    )
    .await;
    assert_eq!(redirect(&p), (StatusCode::SEE_OTHER, Some("/")));
}

async fn upload_impression(app: &TestApp, zw: &crate::Phone) -> String {
    use crate::seals::{processed_seal, seal, upload};
    let (s, v) = seal(
        app,
        zw,
        "impressions.upload",
        upload(processed_seal(), true),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

// R13: the back office's review queue, with pictures, approval and refusal with a reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_approves_and_rejects_impressions_in_the_back_office() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let uscc = crate::seals::uscc();

        // Anonymous: off to the login, for the queue and the pictures alike.
        let mut anon = Browser { cookie: None };
        let p = get(&app, &mut anon, "/backoffice/reviews").await;
        assert_eq!(
            redirect(&p),
            (StatusCode::SEE_OTHER, Some("/backoffice/login"))
        );

        // A reviewer lands on the queue, empty for now.
        let (mut r, landed) = back_office_login(&app, "r1", BackOfficeRole::Reviewer).await;
        assert_eq!(landed.as_deref(), Some("/backoffice/reviews"));
        let p = get(&app, &mut r, "/backoffice/reviews").await;
        assert_eq!(p.status, StatusCode::OK);
        assert_eq!(p.text("reviews-empty"), "暂无待审核的印模。");
        // Reviewers don't use the registration window.
        let p = get(&app, &mut r, "/backoffice").await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(p.code("error"), "backoffice.staff_only");

        // Window staff can't review.
        let (mut w, landed) = back_office_login(&app, "w1", BackOfficeRole::Staff).await;
        assert_eq!(landed.as_deref(), Some("/backoffice"));
        let p = get(&app, &mut w, "/backoffice/reviews").await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(p.code("error"), "backoffice.reviewer_only");

        // Two uploads wait.
        let first = upload_impression(&app, &zw).await;
        let second = upload_impression(&app, &zw).await;
        let p = get(&app, &mut r, "/backoffice/reviews").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(!p.has("reviews-empty"));
        for id in [&first, &second] {
            assert!(p.has(&format!("impression-{id}")));
            assert!(p.has(&format!("approve-{id}")) && p.has(&format!("reject-{id}")));
            assert!(
                p.html
                    .contains(&format!("src=\"/backoffice/impressions/{id}.png\""))
            );
        }
        assert!(p.html.contains(&uscc) && p.html.contains("投标专用章"));
        assert!(p.html.contains("40×40 mm") && p.html.contains("圆形"));
        assert!(p.html.contains("preview light") && p.html.contains("preview dark"));
        let csrf = p.csrf();

        // The picture: a PNG, for the reviewer only.
        let path = format!("/backoffice/impressions/{first}.png");
        let (s, h, body) = r.send(&app, Method::GET, &path, None).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h.get("content-type").unwrap(), "image/png");
        assert_eq!(body, app.seals.impression_picture(&first).await.unwrap());
        assert!(body.starts_with(b"\x89PNG"));
        let (s, h, _) = anon.send(&app, Method::GET, &path, None).await;
        assert_eq!(
            (s, h.get("location").and_then(|v| v.to_str().ok())),
            (StatusCode::SEE_OTHER, Some("/backoffice/login"))
        );
        let (s, _, _) = w.send(&app, Method::GET, &path, None).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let (s, _, _) = r
            .send(&app, Method::GET, "/backoffice/impressions/nope.png", None)
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);

        // Without the token, or by staff: refused, nothing changes.
        let reject_second = format!("/backoffice/reviews/{second}/reject");
        let p = post(&app, &mut r, &reject_second, &[("reason", "印文模糊")]).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(p.code("error"), "csrf.invalid");
        let approve_first = format!("/backoffice/reviews/{first}/approve");
        let p = post(&app, &mut r, &approve_first, &[]).await;
        assert_eq!(p.code("error"), "csrf.invalid");
        let staff_csrf = get(&app, &mut w, "/backoffice").await.csrf();
        let p = post(&app, &mut w, &approve_first, &[("csrf", &staff_csrf)]).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN);
        assert_eq!(p.code("error"), "backoffice.reviewer_only");
        // A refusal needs a reason.
        let p = post(
            &app,
            &mut r,
            &reject_second,
            &[("csrf", &csrf), ("reason", "  ")],
        )
        .await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{}", p.html);
        assert!(p.has("form-error"));
        assert!(!p.has("review-result"));
        assert_eq!(app.seals.review_queue().await.unwrap().len(), 2);

        // The queue names the entity and who uploaded (issue #15: it showed the code only).
        for id in [&first, &second] {
            let card = p
                .html
                .split(&format!("id=\"impression-{id}\""))
                .nth(1)
                .unwrap();
            let card = &card[..card.find("</section>").unwrap()];
            assert!(card.contains(ENTITY), "{card}");
            assert!(card.contains("张伟（法定代表人）"), "{card}");
        }

        // Refused with a reason: back to the queue (post/redirect/get), the outcome at its top.
        let p = post(
            &app,
            &mut r,
            &reject_second,
            &[("csrf", &csrf), ("reason", "印文模糊，请重新拍照")],
        )
        .await;
        let to = format!("/backoffice/reviews?reviewed={second}");
        assert_eq!(redirect(&p), (StatusCode::SEE_OTHER, Some(to.as_str())));
        let p = get(&app, &mut r, &to).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.html);
        assert!(p.html.contains("data-state=\"rejected\""));
        let result = p.text("review-result");
        assert!(
            result.contains("印文模糊，请重新拍照") && result.contains(ENTITY),
            "{result}"
        );
        assert!(p.html.find("review-result").unwrap() < p.html.find("<h1>").unwrap());
        assert!(!p.has(&format!("impression-{second}")));
        // Approved: the seal is made.
        let p = post(&app, &mut r, &approve_first, &[("csrf", &csrf)]).await;
        let to = format!("/backoffice/reviews?reviewed={first}");
        assert_eq!(redirect(&p), (StatusCode::SEE_OTHER, Some(to.as_str())));
        let p = get(&app, &mut r, &to).await;
        assert!(p.html.contains("data-state=\"approved\""));
        assert!(p.text("review-result").contains("已制作印章"));
        assert_eq!(p.text("reviews-empty"), "暂无待审核的印模。");
        // A pending or unknown id shows no outcome.
        let p = get(&app, &mut r, "/backoffice/reviews?reviewed=nope").await;
        assert!(!p.has("review-result"));
        assert!(app.seals.review_queue().await.unwrap().is_empty());
        let records = app.seals.records_of(&uscc).await.unwrap();
        assert_eq!(records.valid[0].id, first);
        assert_eq!(
            records.open[0].reason.as_deref(),
            Some("印文模糊，请重新拍照")
        );
        assert_eq!(app.seals.seals_of(&uscc).await.unwrap().len(), 1);
        // Once decided, a second decision is refused with the reason shown.
        let p = post(&app, &mut r, &approve_first, &[("csrf", &csrf)]).await;
        assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.html);
        assert!(p.has("form-error"));
    })
    .await;
}

// R13: the member's 印模管理 page lists the entity's upload and seal-making records.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_member_sees_its_impressions_and_seals() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let zw = legal_rep(&app).await;
        let mut pc = Browser { cookie: None };
        let p = get(&app, &mut pc, "/seals").await;
        assert_eq!(redirect(&p), (StatusCode::SEE_OTHER, Some("/login")));
        login(&app, &zw, &mut pc).await;
        let p = get(&app, &mut pc, "/seals").await;
        assert_eq!(redirect(&p), (StatusCode::SEE_OTHER, Some("/register")));
        register_bidder(&app, &mut pc).await;
        let p = get(&app, &mut pc, "/").await;
        assert!(p.has("nav-seals") && p.html.contains("href=\"/seals\""));

        // Nothing uploaded.
        let p = get(&app, &mut pc, "/seals").await;
        assert_eq!(p.status, StatusCode::OK);
        assert_eq!(p.text("seals-empty"), "您还未上传印模，请先上传印模！");
        assert!(p.text("seals-phone").contains("扫码签名上传"));
        assert!(p.has("seals-made-empty"));

        // Uploaded, then one refused and one approved, then a newer one approved.
        let first = upload_impression(&app, &zw).await;
        let p = get(&app, &mut pc, "/seals").await;
        assert!(!p.has("seals-empty"));
        assert!(p.has("uploads-open") && p.html.contains("待审核"));
        let refused = upload_impression(&app, &zw).await;
        app.seals
            .review(
                "r1",
                &refused,
                &yizhao_domain::seal::Review::Reject {
                    reason: "印文模糊".into(),
                },
            )
            .await
            .unwrap();
        app.seals
            .review("r1", &first, &yizhao_domain::seal::Review::Approve)
            .await
            .unwrap();
        let newer = upload_impression(&app, &zw).await;
        app.seals
            .review("r1", &newer, &yizhao_domain::seal::Review::Approve)
            .await
            .unwrap();
        let p = get(&app, &mut pc, "/seals").await;
        assert_eq!(p.status, StatusCode::OK);
        let section = |id: &str| {
            let at = p.html.find(&format!("id=\"{id}\"")).unwrap();
            let end = p.html[at..].find("</tbody>").unwrap() + at;
            p.html[at..end].to_owned()
        };
        let open = section("uploads-open");
        assert!(open.contains(&refused) && open.contains("印文模糊"));
        assert!(section("uploads-valid").contains(&newer));
        assert!(section("uploads-invalid").contains(&first));
        let made = section("seals-made");
        assert_eq!(made.matches("<tr").count(), 2);
        assert!(made.contains("已替换") && made.contains("有效"));
        assert!(made.contains("投标专用章"));
        // Each seal with its picture (issue #15: the lists had none), which the member may open.
        for id in [&first, &newer] {
            let src = format!("src=\"/seals/impressions/{id}.png\"");
            assert!(made.contains(&src), "{made}");
        }
        let (s, h, _) = pc
            .send(
                &app,
                Method::GET,
                &format!("/seals/impressions/{newer}.png"),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h["content-type"], "image/png");
    })
    .await;
}

/// Every response, API or page, found or not, carries the headers that stop content sniffing,
/// framing by other sites and referrer leaks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        for path in [
            "/healthz",
            "/login",
            "/backoffice/login",
            "/api/openapi.json",
            "/no-such-page",
        ] {
            let req = axum::http::Request::builder()
                .uri(path)
                .body(axum::body::Body::empty())
                .unwrap();
            let resp = tower::ServiceExt::oneshot(app.router.clone(), req)
                .await
                .unwrap();
            let h = resp.headers();
            assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
            assert_eq!(h["x-frame-options"], "DENY", "{path}");
            assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        }
    })
    .await;
}

/// Issue #15: an unknown page is a page of ours (Chinese, 404, with a way home); under the APIs
/// it is the JSON error envelope. 《电子印章制作与使用须知》 opens, to anyone, from the
/// impression page that asks to accept it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_pages_and_the_seal_notice_are_pages_of_ours() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let mut anon = Browser { cookie: None };
        for path in ["/no-such-page", "/seals/no/such", "/backoffice/nowhere"] {
            let p = get(&app, &mut anon, path).await;
            assert_eq!(p.status, StatusCode::NOT_FOUND, "{path}");
            assert_eq!(p.code("error"), "request.not_found");
            assert_eq!(p.text("error-message"), "您访问的页面不存在，请检查网址。");
            assert!(p.html.contains("<h1>页面不存在</h1>"), "{}", p.html);
            assert!(p.has("error-back") && p.html.contains("返回"));
        }
        for path in [
            "/platform/api/v1/nope",
            "/authority/api/v1/nope",
            "/seal/api/v1/nope",
            "/api/nope",
        ] {
            let (s, v) = app.call(Method::GET, path, None, None).await;
            assert_eq!(
                (s, v["error"]["code"].as_str()),
                (StatusCode::NOT_FOUND, Some("request.not_found")),
                "{path}"
            );
        }

        let p = get(&app, &mut anon, "/seals/notice").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.html.contains("《电子印章制作与使用须知》"));
        for (heading, paragraphs) in yizhao_domain::notice::SECTIONS {
            assert!(p.html.contains(heading), "{heading}");
            assert!(p.html.contains(paragraphs[0]), "{heading}");
        }
        // The impression page links to it.
        let zw = legal_rep(&app).await;
        let mut pc = Browser { cookie: None };
        login(&app, &zw, &mut pc).await;
        register_bidder(&app, &mut pc).await;
        let p = get(&app, &mut pc, "/seals/impression").await;
        assert!(p.html.contains("href=\"/seals/notice\""), "{}", p.html);
        // The credit database shows 登记地 by its name.
        let p = get(&app, &mut pc, "/credit").await;
        assert!(
            p.html.contains("湖北省宜昌市西陵区（420502）"),
            "{}",
            p.html
        );
    })
    .await;
}

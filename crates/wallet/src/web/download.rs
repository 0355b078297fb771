//! 下载执照 (manual 3.1.1.1): real name → SMS code → locality → the locality's licenses →
//! the download declaration and the device password → done.

use super::forms::CheckedForm;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};
use yizhao_proto::authority::LicenseOffer;

use super::{App, PageError, PendingRealname, matters_text, period_text, see_other};
use crate::error::WalletError;
use crate::render;
use crate::time::{format_beijing, now_unix};
use yizhao_domain::registry::division_name;

/// Registration localities (登记地) offered on the phone, by GB/T 2260 code: 宜昌市 and its
/// districts and county-level cities first, then a few others. Their names are the domain's
/// ([`division_name`]).
const LOCALITIES: &[&str] = &[
    "420500", "420502", "420503", "420504", "420505", "420506", "420581", "420582", "420583",
    "420106", "330106", "110105", "310115", "440305",
];

/// The localities as the 选择登记地 list shows them.
fn locality_options() -> Vec<minijinja::Value> {
    LOCALITIES
        .iter()
        .map(|code| context! { code => code, name => locality_name(code) })
        .collect()
}

/// The locality selected at first: where most enterprises of the platform are registered.
const DEFAULT_LOCALITY: &str = "420502";

/// The verified name while the real-name token is valid.
fn verified_name(app: &App) -> Option<String> {
    match app.wallet.home().realname() {
        Ok(Some(s)) if s.expires_at > now_unix() => Some(s.name),
        _ => None,
    }
}

/// `GET /download`: 实名认证 — name, ID number, phone, "授权".
pub(super) async fn realname_form(State(app): State<App>) -> Response {
    let ctx = context! { verified => verified_name(&app) };
    app.page("realname.html", ctx, None)
}

/// `POST /download/realname`: ask the authority to send the code.
pub(super) async fn realname(State(app): State<App>, CheckedForm(f): CheckedForm) -> Response {
    let filled = (|| {
        Ok::<_, WalletError>((
            f.required("name", "姓名")?.to_owned(),
            f.required("id_number", "身份证号")?.to_owned(),
            f.required("phone", "手机号")?.to_owned(),
        ))
    })();
    let started = match filled {
        Ok((name, id_number, phone)) => app.wallet.realname(&name, &id_number, &phone).await,
        Err(e) => Err(e),
    };
    match started {
        Ok(s) => {
            let step = PendingRealname {
                session: s.session,
                phone_masked: s.phone_masked,
                expires_at: s.expires_at,
            };
            code_page(&app, &app.keep_realname(step.clone()), &step, None)
        }
        Err(e) => {
            // The person's input comes back (not the password: there is none here).
            let ctx = context! {
                verified => verified_name(&app),
                name => f.get("name"),
                id_number => f.get("id_number"),
                phone => f.get("phone"),
            };
            app.page("realname.html", ctx, Some(&PageError::from(e)))
        }
    }
}

fn code_page(
    app: &App,
    token: &str,
    step: &PendingRealname,
    error: Option<&PageError>,
) -> Response {
    let ctx = context! {
        rn => token,
        phone_masked => step.phone_masked.as_str(),
        expires => format_beijing(step.expires_at),
    };
    app.page("code.html", ctx, error)
}

/// `POST /download/code`: finish real-name verification with the SMS code.
pub(super) async fn code(State(app): State<App>, CheckedForm(f): CheckedForm) -> Response {
    let token = f.get("rn");
    let Some(step) = app.realname_step(token) else {
        let ctx = context! { verified => verified_name(&app) };
        return app.page("realname.html", ctx, Some(&PageError::expired()));
    };
    let confirmed = match f.required("code", "验证码") {
        Ok(code) => app.wallet.confirm(&step.session, code).await,
        Err(e) => Err(e),
    };
    match confirmed {
        Ok(_) => {
            app.drop_realname(token);
            see_other("/download/locality")
        }
        Err(e) => code_page(&app, token, &step, Some(&PageError::from(e))),
    }
}

/// `GET /download/locality`: 选择登记地.
pub(super) async fn locality(State(app): State<App>) -> Response {
    let Some(name) = verified_name(&app) else {
        return see_other("/download");
    };
    let localities: Vec<_> = locality_options();
    let ctx = context! { verified => name, localities => localities, chosen => DEFAULT_LOCALITY };
    app.page("locality.html", ctx, None)
}

#[derive(Debug, Deserialize)]
pub(super) struct LocalityQuery {
    #[serde(default)]
    locality: String,
    /// A locality code typed in, for one the list does not hold; it wins over the list.
    #[serde(default)]
    locality_code: String,
}

/// A license record as the list shows it.
#[derive(Debug, Serialize)]
struct OfferRow {
    uscc: String,
    entity_name: String,
    role: String,
    status: String,
    grant_id: Option<String>,
    period: String,
    matters: String,
}

impl From<&LicenseOffer> for OfferRow {
    fn from(o: &LicenseOffer) -> Self {
        OfferRow {
            uscc: o.uscc.clone(),
            entity_name: o.entity_name.clone(),
            role: render::role(&o.role).to_owned(),
            status: render::status_name(&o.status).to_owned(),
            grant_id: o.grant_id.clone(),
            period: period_text(o.period),
            matters: matters_text(o.matters.as_deref()),
        }
    }
}

fn locality_name(code: &str) -> &str {
    division_name(code).unwrap_or(code)
}

/// `GET /download/licenses?locality=…`: 可下载执照记录 and 已下载执照记录.
pub(super) async fn licenses(State(app): State<App>, Query(q): Query<LocalityQuery>) -> Response {
    let locality = match q.locality_code.trim() {
        "" => q.locality.trim(),
        typed => typed,
    };
    match app.wallet.list_licenses(locality).await {
        Ok(list) => {
            let ctx = context! {
                locality => locality,
                locality_name => locality_name(locality),
                downloadable => list.downloadable.iter().map(OfferRow::from).collect::<Vec<_>>(),
                downloaded => list.downloaded.iter().map(OfferRow::from).collect::<Vec<_>>(),
            };
            app.page("licenses.html", ctx, None)
        }
        Err(WalletError::NotVerified) => see_other("/download"),
        Err(e) => {
            let localities: Vec<_> = locality_options();
            let ctx = context! {
                verified => verified_name(&app),
                localities => localities,
                chosen => if locality.is_empty() { DEFAULT_LOCALITY } else { locality },
            };
            app.page("locality.html", ctx, Some(&PageError::from(e)))
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct DeclarationQuery {
    #[serde(default)]
    uscc: String,
    #[serde(default)]
    grant: String,
    #[serde(default)]
    locality: String,
    #[serde(default)]
    name: String,
}

/// The declaration page for `uscc` (and `grant`), with `error` shown.
async fn declaration_page(app: &App, q: &DeclarationQuery, error: Option<&PageError>) -> Response {
    match app.wallet.client().declaration().await {
        Ok(d) => {
            let ctx = context! {
                uscc => q.uscc.as_str(),
                grant => q.grant.as_str(),
                locality => q.locality.as_str(),
                entity_name => q.name.as_str(),
                title => d.title,
                text => d.text,
                version => d.version,
            };
            app.page("declaration.html", ctx, error)
        }
        Err(e) => {
            let err = error.cloned().unwrap_or_else(|| PageError::from(e));
            app.message(err.status, "下载执照", None, Some(&err))
        }
    }
}

/// `GET /download/declaration?uscc=…&grant=…`: 《执照下载声明》, the password, "下载".
pub(super) async fn declaration(
    State(app): State<App>,
    Query(q): Query<DeclarationQuery>,
) -> Response {
    declaration_page(&app, &q, None).await
}

/// `POST /download`: download the license to this phone.
pub(super) async fn download(State(app): State<App>, CheckedForm(f): CheckedForm) -> Response {
    let q = DeclarationQuery {
        uscc: f.get("uscc").to_owned(),
        grant: f.get("grant").to_owned(),
        locality: f.get("locality").to_owned(),
        name: f.get("entity_name").to_owned(),
    };
    let agreed = matches!(f.get("agree"), "1" | "on" | "yes");
    let done = match (f.required("uscc", "企业"), f.password("password")) {
        (Ok(uscc), Ok(password)) => {
            app.wallet
                .download(
                    uscc,
                    f.opt("grant"),
                    agreed,
                    &password,
                    &mut yizhao_gm::system_rng(),
                )
                .await
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match done {
        Ok(lic) => {
            let result = context! {
                title => "执照下载成功",
                text => format!("{}（{}），{}", lic.entity_name, lic.uscc, render::role(&lic.role)),
                // Digits only: it goes into a link's query.
                locality => if q.locality.bytes().all(|b| b.is_ascii_digit()) { q.locality.as_str() } else { "" },
                downloaded => true,
            };
            app.message(StatusCode::OK, "下载执照", Some(result), None)
        }
        Err(e) => declaration_page(&app, &q, Some(&PageError::from(e))).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offered_locality_has_its_name() {
        for code in LOCALITIES {
            assert!(division_name(code).is_some(), "{code} has no name");
        }
        assert!(LOCALITIES.contains(&DEFAULT_LOCALITY));
        assert_eq!(locality_name("420502"), "湖北省宜昌市西陵区");
    }
}

//! 证照管理员 (manual 3.1.1.2) and 授权他人使用执照 (3.1.1.3). Each action is a request signed
//! with a license of this phone, so each asks for the license and the device password (typed,
//! even while it is still the default: nothing is signed with a password nobody typed).

use super::forms::CheckedForm;
use axum::extract::{Query, State};
use axum::response::Response;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};
use yizhao_domain::authority::MATTERS;
use yizhao_gm::keystore::Password;
use yizhao_proto::authority::{GrantItem, PersonInput};

use super::forms::{date_at, date_of, today};
use super::{App, Fields, PageError, matters_text, period_text};
use crate::error::{Result, WalletError};
use crate::flows::{AgentAuthorization, Matters};
use crate::render;
use crate::time::now_unix;

/// Which of the two pages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Admins,
    Agents,
}

/// A grant as the lists show it.
#[derive(Debug, Serialize)]
struct GrantRow {
    grant_id: String,
    name: String,
    id_number_masked: String,
    phone_masked: String,
    role: String,
    status: String,
    period: String,
    matters: String,
    downloads: u32,
    revoked: bool,
}

impl From<&GrantItem> for GrantRow {
    fn from(g: &GrantItem) -> Self {
        GrantRow {
            grant_id: g.grant_id.clone(),
            name: g.name.clone(),
            id_number_masked: g.id_number_masked.clone(),
            phone_masked: g.phone_masked.clone(),
            role: render::role(&g.role).to_owned(),
            status: render::status_name(&g.status).to_owned(),
            period: period_text(g.period),
            matters: matters_text(g.matters.as_deref()),
            downloads: g.downloads,
            revoked: g.status == "revoked",
        }
    }
}

#[derive(Debug, Deserialize)]
pub(super) struct LicenseQuery {
    #[serde(default)]
    license: String,
}

/// What the page shows besides the forms.
#[derive(Default)]
struct Shown {
    license: String,
    list: Option<Vec<GrantItem>>,
    result: Option<String>,
    error: Option<PageError>,
    /// The add form's input, given back after a refusal (never the password).
    input: Value,
}

async fn list(app: &App, kind: Kind, license: &str, password: &Password) -> Result<Vec<GrantItem>> {
    match kind {
        Kind::Admins => app.wallet.admins_list(license, password).await,
        Kind::Agents => app.wallet.agents_list(license, password).await,
    }
}

fn render_page(app: &App, kind: Kind, shown: Shown) -> Response {
    let stored = app.wallet.home().licenses().unwrap_or_default();
    let chosen = if shown.license.is_empty() {
        stored
            .first()
            .map(|l| l.license_id.clone())
            .unwrap_or_default()
    } else {
        shown.license.clone()
    };
    let licenses: Vec<Value> = stored
        .iter()
        .map(|l| {
            context! {
                license_id => l.license_id.as_str(),
                uscc => l.uscc.as_str(),
                entity_name => l.entity_name.as_str(),
                role => render::role(&l.role),
            }
        })
        .collect();
    let rows = shown
        .list
        .as_ref()
        .map(|l| l.iter().map(GrantRow::from).collect::<Vec<_>>());
    let today = today();
    let matters: Vec<Value> = MATTERS
        .iter()
        .map(|m| context! { code => m.code, name => m.name })
        .collect();
    let ctx = context! {
        licenses => licenses,
        chosen => chosen,
        grants => rows,
        result => shown.result,
        input => shown.input,
        matters => matters,
        start_default => today,
        end_default => date_of(now_unix() + 3 * 86_400),
    };
    let name = match kind {
        Kind::Admins => "admins.html",
        Kind::Agents => "agents.html",
    };
    app.page(name, ctx, shown.error.as_ref())
}

/// `GET /admins` or `GET /agents`: the forms; the list once the password is given.
async fn page(app: &App, kind: Kind, license: String) -> Response {
    let shown = Shown {
        license,
        input: context! {},
        ..Shown::default()
    };
    render_page(app, kind, shown)
}

pub(super) async fn admins_page(State(app): State<App>, Query(q): Query<LicenseQuery>) -> Response {
    page(&app, Kind::Admins, q.license).await
}

pub(super) async fn agents_page(State(app): State<App>, Query(q): Query<LicenseQuery>) -> Response {
    page(&app, Kind::Agents, q.license).await
}

/// The actions of both pages.
enum Action {
    List,
    Add,
    Remove,
}

/// Run `action` with the form's license and password, then list again with them.
async fn act(app: &App, kind: Kind, action: Action, f: Fields) -> Response {
    let mut shown = Shown {
        license: f.get("license").to_owned(),
        input: input_of(&f),
        ..Shown::default()
    };
    let done = async {
        let license = f.required("license", "执照")?;
        let password = f.password("password")?;
        let result = match action {
            Action::List => None,
            Action::Add => Some(add(app, kind, &f, license, &password).await?),
            Action::Remove => {
                let grant = f.required("grant", "要删除的记录")?;
                Some(match kind {
                    Kind::Admins => {
                        let g = app.wallet.admins_remove(license, grant, &password).await?;
                        format!("已删除证照管理员：{}", g.name)
                    }
                    Kind::Agents => {
                        let g = app.wallet.agents_revoke(license, grant, &password).await?;
                        format!("已撤销授权：{}", g.name)
                    }
                })
            }
        };
        let items = list(app, kind, license, &password).await;
        Ok::<_, WalletError>((result, items))
    }
    .await;
    match done {
        Ok((result, items)) => {
            if result.is_some() {
                // Done: the add form starts empty again.
                shown.input = context! {};
            }
            shown.result = result;
            match items {
                Ok(items) => shown.list = Some(items),
                Err(e) => shown.error = Some(PageError::from(e)),
            }
        }
        Err(e) => shown.error = Some(PageError::from(e)),
    }
    render_page(app, kind, shown)
}

/// The add form's fields as typed, to fill the form again after a refusal.
fn input_of(f: &Fields) -> Value {
    context! {
        name => f.get("name"),
        id_number => f.get("id_number"),
        phone => f.get("phone"),
        start => f.get("start"),
        end => f.get("end"),
        mode => f.get("mode"),
        matters => f.all("matter"),
    }
}

fn person(f: &Fields, who: &str) -> Result<PersonInput> {
    Ok(PersonInput {
        name: f.required("name", &format!("{who}姓名"))?.to_owned(),
        id_number: f
            .required("id_number", &format!("{who}身份证号"))?
            .to_owned(),
        phone: f.required("phone", &format!("{who}手机号"))?.to_owned(),
    })
}

async fn add(
    app: &App,
    kind: Kind,
    f: &Fields,
    license: &str,
    password: &Password,
) -> Result<String> {
    match kind {
        Kind::Admins => {
            let p = person(f, "证照管理员")?;
            let g = app.wallet.admins_add(license, p, password).await?;
            Ok(format!("已添加证照管理员：{}", g.name))
        }
        Kind::Agents => {
            let auth = authorization(f)?;
            let g = app.wallet.agents_authorize(license, auth, password).await?;
            Ok(format!(
                "已授权办事人：{}（{}，{}）",
                g.name,
                period_text(g.period),
                matters_text(g.matters.as_deref())
            ))
        }
    }
}

/// The authorization of the agents form: dates are Beijing days; a start of today means now.
fn authorization(f: &Fields) -> Result<AgentAuthorization> {
    let agent = person(f, "办事人")?;
    let start = f.start_day()?.map_or_else(now_unix, |(at, _)| at);
    let end = match f.opt("end") {
        Some(day) => date_at(day, "23:59:59", "结束日期")?,
        None => start + 3 * 86_400,
    };
    if end <= start {
        return Err(WalletError::Input("结束日期应晚于开始日期".into()));
    }
    let matters = f.precise_matters()?.map_or(Matters::All, Matters::Precise);
    Ok(AgentAuthorization {
        agent,
        start: Some(start),
        end: Some(end),
        matters,
    })
}

pub(super) async fn admins_list(State(app): State<App>, CheckedForm(p): CheckedForm) -> Response {
    act(&app, Kind::Admins, Action::List, p).await
}

pub(super) async fn admins_add(State(app): State<App>, CheckedForm(p): CheckedForm) -> Response {
    act(&app, Kind::Admins, Action::Add, p).await
}

pub(super) async fn admins_remove(State(app): State<App>, CheckedForm(p): CheckedForm) -> Response {
    act(&app, Kind::Admins, Action::Remove, p).await
}

pub(super) async fn agents_list(State(app): State<App>, CheckedForm(p): CheckedForm) -> Response {
    act(&app, Kind::Agents, Action::List, p).await
}

pub(super) async fn agents_authorize(
    State(app): State<App>,
    CheckedForm(p): CheckedForm,
) -> Response {
    act(&app, Kind::Agents, Action::Add, p).await
}

pub(super) async fn agents_revoke(State(app): State<App>, CheckedForm(p): CheckedForm) -> Response {
    act(&app, Kind::Agents, Action::Remove, p).await
}

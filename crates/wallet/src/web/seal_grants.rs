//! 印章管理员配置 (R15) and 印章使用授权 (R16) on the phone: lists, add, remove or revoke, each
//! signed with a license of this phone.

use axum::extract::State;
use axum::response::Response;
use minijinja::{Value, context};
use yizhao_domain::authority::MATTERS;
use yizhao_gm::keystore::Password;

use super::forms::{CheckedForm, date_at, date_of, today};
use super::{App, Fields, PageError, matters_text, period_text};
use crate::error::{Result, WalletError};
use crate::render;
use crate::seals::SealUseGrantInput;
use crate::time::{format_beijing, now_unix};

/// Which of the two pages.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Admins,
    Grants,
}

/// The actions of both pages.
#[derive(Clone, Copy)]
enum Action {
    List,
    Add,
    Remove,
}

async fn render_page(
    app: &App,
    kind: Kind,
    f: &Fields,
    shown: Value,
    error: Option<&PageError>,
) -> Response {
    let stored = app.wallet.home().licenses().unwrap_or_default();
    let chosen = f
        .opt("license")
        .map(str::to_owned)
        .or_else(|| stored.first().map(|l| l.license_id.clone()))
        .unwrap_or_default();
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
    let types: Vec<Value> = app
        .wallet
        .client()
        .catalogue()
        .await
        .unwrap_or_default()
        .iter()
        .map(|t| context! { code => t.code.as_str(), name => t.name.as_str() })
        .collect();
    let matters: Vec<Value> = MATTERS
        .iter()
        .map(|m| context! { code => m.code, name => m.name })
        .collect();
    let ctx = context! {
        licenses => licenses,
        chosen => chosen,
        types => types,
        matters => matters,
        start_default => today(),
        end_default => date_of(now_unix() + 30 * 86_400),
        input => context! {
            seal_type => f.get("seal_type"),
            name => f.get("name"),
            id_number => f.get("id_number"),
            start => f.get("start"),
            end => f.get("end"),
            reason => f.get("reason"),
            mode => f.get("mode"),
            matters => f.all("matter"),
            uses => f.get("uses"),
        },
        ..shown
    };
    let name = match kind {
        Kind::Admins => "seal_admins.html",
        Kind::Grants => "seal_grants.html",
    };
    app.page(name, ctx, error)
}

async fn list(app: &App, kind: Kind, license: &str, password: &Password) -> Result<Vec<Value>> {
    Ok(match kind {
        Kind::Admins => app
            .wallet
            .seal_admins_list(license, password)
            .await?
            .iter()
            .map(|a| {
                context! {
                    id => a.id.as_str(),
                    seal_type_name => a.seal_type_name.as_str(),
                    name => a.name.as_str(),
                    id_number_masked => a.id_number_masked.as_str(),
                    appointed_at => format_beijing(a.appointed_at),
                }
            })
            .collect(),
        Kind::Grants => app
            .wallet
            .seal_grants_list(license, password)
            .await?
            .iter()
            .map(|g| {
                context! {
                    id => g.id.as_str(),
                    seal_type_name => g.seal_type_name.as_str(),
                    name => g.name.as_str(),
                    id_number_masked => g.id_number_masked.as_str(),
                    period => period_text(Some(g.period)),
                    reason => g.reason.as_str(),
                    matters => matters_text(Some(&g.matters)),
                    uses => format!("{}/{}", g.uses_left, g.uses_total),
                    status => g.status.as_str(),
                    active => g.status == "active",
                }
            })
            .collect(),
    })
}

fn grant_input(f: &Fields) -> Result<SealUseGrantInput> {
    let end_day = f.required("end", "结束日期")?;
    let end = date_at(end_day, "23:59:59", "结束日期")?;
    let today = today();
    if end_day < today.as_str() {
        return Err(WalletError::Input("结束日期不能早于今天".into()));
    }
    // Blank or today: the grant starts now; a later day: at its first second (Beijing).
    let start = match f.start_day()? {
        None => None,
        Some((_, day)) if day < today.as_str() => {
            return Err(WalletError::Input("开始日期不能早于今天".into()));
        }
        Some((_, day)) if day > end_day => {
            return Err(WalletError::Input("开始日期不能晚于结束日期".into()));
        }
        Some((at, _)) => Some(at),
    };
    let matters = f.precise_matters()?;
    let uses_text = f.required("uses", "用章次数")?;
    let uses = uses_text
        .parse::<u32>()
        .map_err(|_| WalletError::Input(format!("用章次数应为正整数: {uses_text}")))?;
    Ok(SealUseGrantInput {
        seal_type: f.required("seal_type", "印章类型")?.to_owned(),
        name: f.required("name", "被授权人姓名")?.to_owned(),
        id_number: f.required("id_number", "被授权人身份证号")?.to_owned(),
        start,
        end,
        reason: f.required("reason", "用章事由")?.to_owned(),
        matters,
        uses,
    })
}

async fn act(app: &App, kind: Kind, action: Action, f: Fields) -> Response {
    let done = async {
        let license = f.required("license", "执照")?;
        let password = f.password("password")?;
        let w = &app.wallet;
        let result = match (kind, action) {
            (_, Action::List) => None,
            (Kind::Admins, Action::Add) => {
                let a = w
                    .seal_admins_add(
                        license,
                        &password,
                        f.required("seal_type", "印章类型")?,
                        f.required("name", "姓名")?,
                        f.required("id_number", "身份证号")?,
                    )
                    .await?;
                Some(format!(
                    "已添加印章管理员：{}（{}）",
                    a.name, a.seal_type_name
                ))
            }
            (Kind::Admins, Action::Remove) => {
                let id = f.required("id", "要删除的印章管理员")?;
                w.seal_admins_remove(license, &password, id).await?;
                Some("已删除印章管理员".to_owned())
            }
            (Kind::Grants, Action::Add) => {
                let g = w
                    .seal_grants_add(license, &password, grant_input(&f)?)
                    .await?;
                Some(format!(
                    "已授权 {} 使用{}，共 {} 次",
                    g.name, g.seal_type_name, g.uses_total
                ))
            }
            (Kind::Grants, Action::Remove) => {
                let id = f.required("id", "要撤销的授权")?;
                w.seal_grants_revoke(license, &password, id).await?;
                Some("已撤销印章使用授权".to_owned())
            }
        };
        let rows = list(app, kind, license, &password).await?;
        Ok::<_, WalletError>(context! { rows => rows, result => result })
    }
    .await;
    match done {
        Ok(shown) => render_page(app, kind, &f, shown, None).await,
        Err(e) => render_page(app, kind, &f, context! {}, Some(&PageError::from(e))).await,
    }
}

pub(super) async fn admins_page(State(app): State<App>) -> Response {
    render_page(
        &app,
        Kind::Admins,
        &Fields::from(Vec::new()),
        context! {},
        None,
    )
    .await
}

pub(super) async fn grants_page(State(app): State<App>) -> Response {
    render_page(
        &app,
        Kind::Grants,
        &Fields::from(Vec::new()),
        context! {},
        None,
    )
    .await
}

pub(super) async fn admins_list(State(app): State<App>, CheckedForm(f): CheckedForm) -> Response {
    act(&app, Kind::Admins, Action::List, f).await
}

pub(super) async fn admins_add(State(app): State<App>, CheckedForm(f): CheckedForm) -> Response {
    act(&app, Kind::Admins, Action::Add, f).await
}

pub(super) async fn admins_remove(State(app): State<App>, CheckedForm(f): CheckedForm) -> Response {
    act(&app, Kind::Admins, Action::Remove, f).await
}

pub(super) async fn grants_list(State(app): State<App>, CheckedForm(f): CheckedForm) -> Response {
    act(&app, Kind::Grants, Action::List, f).await
}

pub(super) async fn grants_add(State(app): State<App>, CheckedForm(f): CheckedForm) -> Response {
    act(&app, Kind::Grants, Action::Add, f).await
}

pub(super) async fn grants_revoke(State(app): State<App>, CheckedForm(f): CheckedForm) -> Response {
    act(&app, Kind::Grants, Action::Remove, f).await
}

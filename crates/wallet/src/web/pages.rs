//! 首页 (the licenses of this phone) and 修改密码.

use super::forms::CheckedForm;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Serialize;

use super::{App, PageError};
use crate::error::WalletError;
use crate::render;

/// A license of this phone as the home page shows it.
#[derive(Debug, Serialize)]
struct LicenseRow {
    license_id: String,
    uscc: String,
    entity_name: String,
    role: String,
    status: String,
}

/// `GET /`: 电子营业执照 — the licenses held, each with its status at the authority.
pub(super) async fn home(State(app): State<App>) -> Response {
    let mut roles = Vec::new();
    let (rows, error) = match app.wallet.home().licenses() {
        Ok(all) => {
            let mut rows = Vec::with_capacity(all.len());
            for l in all {
                roles.push(l.role.clone());
                // The authority's word on each license; "未知" when it cannot be reached.
                let status = match app.wallet.status(&l.license_id, None).await {
                    Ok(body) => render::status_name(&body.status).to_owned(),
                    Err(_) => render::status_name("unknown").to_owned(),
                };
                rows.push(LicenseRow {
                    role: render::role(&l.role).to_owned(),
                    license_id: l.license_id,
                    uscc: l.uscc,
                    entity_name: l.entity_name,
                    status,
                });
            }
            (rows, None)
        }
        Err(e) => (Vec::new(), Some(PageError::from(e))),
    };
    // The menu offers what a license of this phone may do: only a legal representative names
    // license admins (R5); a legal representative or a license admin authorizes agents (R7).
    // A phone without licenses sees both (they lead to 下载执照 first).
    let any =
        |codes: &[&str]| roles.is_empty() || roles.iter().any(|r| codes.contains(&r.as_str()));
    let ctx = context! {
        licenses => rows,
        can_admins => any(&["legal_representative"]),
        can_agents => any(&["legal_representative", "license_admin"]),
    };
    app.page("index.html", ctx, error.as_ref())
}

/// `GET /password`: 修改密码.
pub(super) async fn password_form(State(app): State<App>) -> Response {
    app.page("password.html", context! {}, None)
}

/// `POST /password`: change the password of every license of this phone at once.
pub(super) async fn password(State(app): State<App>, CheckedForm(f): CheckedForm) -> Response {
    let changed = (|| {
        let old = f.password("old_password", app.wallet.home())?;
        let new = f.password_raw("new_password");
        let again = f.password_raw("new_password2");
        if new.expose().is_empty() {
            return Err(WalletError::Input("请输入新密码".into()));
        }
        if new.expose() != again.expose() {
            return Err(WalletError::Input("两次输入的新密码不一致".into()));
        }
        app.wallet
            .home()
            .change_password(&old, &new, &mut yizhao_gm::system_rng())
    })();
    match changed {
        Ok(()) => {
            let result = context! {
                title => "修改成功",
                text => "执照密码已修改（本手机全部执照）",
            };
            app.message(StatusCode::OK, "修改密码", Some(result), None)
        }
        Err(e) => app.page("password.html", context! {}, Some(&PageError::from(e))),
    }
}

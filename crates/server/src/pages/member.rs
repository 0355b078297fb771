//! The member's pages: `GET /` (who is logged in), `GET /login` (电子营业执照扫码登录),
//! `GET|POST /register` (网员注册, R11/R12), `GET /credit` and `POST /credit/sync` (诚信库 ›
//! 基本信息, R22), `POST /logout`. Every POST checks the member session's anti-forgery token.

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use yizhao_domain::member::{MemberKind, MemberSessionState};

use super::{CsrfForm, PageError, PageState, render};
use crate::cookies::set_cookie;
use crate::error::ApiError;
use crate::platform::members::{
    BasicInfo, CreditView, FieldChange, MEMBER_COOKIE, MeView, RegistrationRequest, member_token,
};

/// The scope of the member session's anti-forgery tokens.
const CSRF_SCOPE: &str = "member";

pub(super) fn routes() -> Router<PageState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login))
        .route("/register", get(register_form).post(register))
        .route("/credit", get(credit))
        .route("/credit/sync", post(credit_sync))
        .route("/logout", post(logout))
}

type S = State<PageState>;

/// Where an error of the member API sends the browser: the login, the registration or the
/// home page; `None`: show it.
fn redirect_for(e: &ApiError) -> Option<&'static str> {
    match e.code.as_str() {
        "member.not_logged_in" => Some("/login"),
        "member.registration_required" => Some("/register"),
        "member.already_registered" => Some("/"),
        _ => None,
    }
}

impl PageState {
    /// A member API error as a page: a redirect where one fits, else the error page.
    pub(super) fn member_error(&self, e: ApiError) -> PageError {
        match redirect_for(&e) {
            Some(to) => PageError::Redirect(to),
            None => self.error(e, "/"),
        }
    }
}

/// The member session's cookie, or off to the login.
fn token(h: &HeaderMap) -> Result<String, PageError> {
    member_token(h).ok_or(PageError::Redirect("/login"))
}

/// The logged-in member of a registered entity, or off to the login or registration.
pub(super) async fn active_member(
    st: &PageState,
    h: &HeaderMap,
) -> Result<(String, MeView), PageError> {
    let token = token(h)?;
    let me = st
        .platform
        .me(&token)
        .await
        .map_err(|e| st.member_error(e))?;
    if me.state != MemberSessionState::Active {
        return Err(PageError::Redirect("/register"));
    }
    Ok((token, me))
}

async fn home(State(st): S, h: HeaderMap) -> Result<Response, PageError> {
    let (token, me) = active_member(&st, &h).await?;
    Ok(render(
        StatusCode::OK,
        "home.html",
        minijinja::context! {
            platform_name => st.name(),
            me,
            csrf => st.platform.csrf_token(CSRF_SCOPE, &token),
        },
    ))
}

async fn login(State(st): S) -> Response {
    render(
        StatusCode::OK,
        "login.html",
        minijinja::context! {
            platform_name => st.name(),
            now => st.platform.now_secs(),
            api => "/platform/api/v1",
        },
    )
}

/// The registration form as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RegisterForm {
    csrf: String,
    kind: String,
    contact_name: String,
    contact_phone: String,
}

impl super::Posted for RegisterForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The registration page, with what was entered and the error of the last try, if any.
async fn registration_page(
    st: &PageState,
    token: &str,
    entered: Option<(&RegisterForm, ApiError)>,
) -> Result<Response, PageError> {
    let form = st
        .platform
        .registration_form(token)
        .await
        .map_err(|e| st.member_error(e))?;
    let (kind, contact_name, contact_phone, status, error) = match entered {
        Some((f, e)) => (
            f.kind.clone(),
            f.contact_name.clone(),
            f.contact_phone.clone(),
            e.status,
            Some(minijinja::context! { code => e.code, message => e.message }),
        ),
        None => (
            MemberKind::Bidder.as_str().into(),
            form.contact_name.clone(),
            form.contact_phone.clone(),
            StatusCode::OK,
            None,
        ),
    };
    Ok(render(
        status,
        "register.html",
        minijinja::context! {
            platform_name => st.name(),
            form => form.basic,
            kind,
            contact_name,
            contact_phone,
            error,
            csrf => st.platform.csrf_token(CSRF_SCOPE, token),
        },
    ))
}

async fn register_form(State(st): S, h: HeaderMap) -> Result<Response, PageError> {
    let token = token(&h)?;
    registration_page(&st, &token, None).await
}

async fn register(
    State(st): S,
    h: HeaderMap,
    form: Result<Form<RegisterForm>, FormRejection>,
) -> Result<Response, PageError> {
    let token = token(&h)?;
    let f = st.posted(form, CSRF_SCOPE, &token, "/")?;
    let req = RegistrationRequest {
        kind: f.kind.clone(),
        contact_name: f.contact_name.clone(),
        contact_phone: f.contact_phone.clone(),
    };
    match st.platform.register_member(&token, &req).await {
        Ok(_) => Ok(Redirect::to("/").into_response()),
        Err(e) if redirect_for(&e).is_some() => Err(st.member_error(e)),
        Err(e) if e.status.is_server_error() => Err(st.error(e, "/register")),
        Err(e) => registration_page(&st, &token, Some((&f, e))).await,
    }
}

/// One field of the basic information, as the page shows it.
#[derive(Debug, Serialize)]
struct FieldView {
    /// The element id's suffix (`credit-<id>`).
    id: String,
    label: &'static str,
    value: String,
}

/// One change of a sync, as the page shows it.
#[derive(Debug, Serialize)]
struct ChangeView {
    field: String,
    label: &'static str,
    old: String,
    new: String,
}

/// The manual's name of a basic-information field.
fn field_label(field: &str) -> &'static str {
    match field {
        "uscc" => "统一社会信用代码",
        "name" => "名称",
        "kind_of_entity" => "类型",
        "legal_representative" => "法定代表人",
        "registered_capital" => "注册资本",
        "established" => "成立日期",
        "business_term" => "营业期限",
        "domicile" => "住所",
        "business_scope" => "经营范围",
        "registration_authority" => "登记机关",
        "locality" => "登记地",
        _ => "",
    }
}

fn field_views(b: &BasicInfo) -> Vec<FieldView> {
    std::iter::once(("uscc", b.uscc.as_str()))
        .chain(b.fields())
        .map(|(name, value)| FieldView {
            id: name.replace('_', "-"),
            label: field_label(name),
            // 登记地 by its name, not only its division code.
            value: if name == "locality" {
                yizhao_domain::registry::locality_text(value)
            } else {
                value.to_owned()
            },
        })
        .collect()
}

fn credit_page(
    st: &PageState,
    token: &str,
    credit: CreditView,
    changes: Option<Vec<FieldChange>>,
) -> Response {
    let changes: Option<Vec<ChangeView>> = changes.map(|list| {
        list.into_iter()
            .map(|c| ChangeView {
                label: field_label(&c.field),
                field: c.field,
                old: c.old,
                new: c.new,
            })
            .collect()
    });
    render(
        StatusCode::OK,
        "credit.html",
        minijinja::context! {
            platform_name => st.name(),
            fields => field_views(&credit.basic),
            credit,
            changes,
            csrf => st.platform.csrf_token(CSRF_SCOPE, token),
        },
    )
}

async fn credit(State(st): S, h: HeaderMap) -> Result<Response, PageError> {
    let token = token(&h)?;
    let credit = st
        .platform
        .credit(&token)
        .await
        .map_err(|e| st.member_error(e))?;
    Ok(credit_page(&st, &token, credit, None))
}

async fn credit_sync(
    State(st): S,
    h: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, PageError> {
    let token = token(&h)?;
    st.posted(form, CSRF_SCOPE, &token, "/")?;
    let result = st
        .platform
        .credit_sync(&token)
        .await
        .map_err(|e| st.member_error(e))?;
    let credit = st
        .platform
        .credit(&token)
        .await
        .map_err(|e| st.member_error(e))?;
    Ok(credit_page(&st, &token, credit, Some(result.changed)))
}

async fn logout(
    State(st): S,
    h: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, PageError> {
    let token = token(&h)?;
    st.posted(form, CSRF_SCOPE, &token, "/")?;
    match st.platform.logout_member(&token).await {
        Ok(()) => {}
        Err(e) if e.code == "member.not_logged_in" => {}
        Err(e) => return Err(st.error(e, "/")),
    }
    let mut resp = Redirect::to("/login").into_response();
    set_cookie(&mut resp, MEMBER_COOKIE, None, st.platform.secure_cookies())
        .map_err(|e| st.error(e, "/"))?;
    Ok(resp)
}

//! The back office's pages (网员注册窗口, R11): `GET|POST /backoffice/login`, `GET /backoffice`
//! (the form that registers a tenderer or purchaser, and the members list), `POST /backoffice`
//! and `POST /backoffice/logout`; a reviewer lands on the review queue ([`super::reviews`]). The login form's anti-forgery token is bound to the
//! browser-session cookie (set by the login page), the others to the back-office session.

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use yizhao_domain::member::{MemberKind, RegistrationChannel};
use yizhao_gm::keystore::Password;

use super::{CsrfForm, PageError, PageState, bad_form, csrf_invalid, render};
use crate::cookies::{cookie_value, set_cookie};
use crate::error::ApiError;
use crate::limits::ClientAddr;
use crate::platform::backoffice::{BackOfficeRole, STAFF_COOKIE};
use crate::platform::http::{SESSION_COOKIE, session};
use crate::platform::members::RegistrationRequest;
use crate::rng::random_hex;

/// Scope of the login form's token (bound to the browser session).
const LOGIN_SCOPE: &str = "backoffice-login";
/// Scope of the back-office session's tokens.
pub(super) const STAFF_SCOPE: &str = "backoffice";

pub(super) fn routes() -> Router<PageState> {
    Router::new()
        .route("/backoffice/login", get(login_form).post(login))
        .route("/backoffice", get(home).post(register))
        .route("/backoffice/logout", post(logout))
}

type S = State<PageState>;

/// Where a back-office user goes after logging in: the registration window or the review
/// queue.
fn landing(role: BackOfficeRole) -> &'static str {
    match role {
        BackOfficeRole::Staff => "/backoffice",
        BackOfficeRole::Reviewer => "/backoffice/reviews",
    }
}

/// The login form as posted.
#[derive(Default, Deserialize)]
#[serde(default)]
struct LoginForm {
    csrf: String,
    username: String,
    password: String,
}

fn login_page(st: &PageState, sid: &str, username: &str, error: Option<ApiError>) -> Response {
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    render(
        status,
        "bo_login.html",
        minijinja::context! {
            platform_name => st.name(),
            username,
            error => error.map(|e| minijinja::context! { code => e.code, message => e.message }),
            csrf => st.platform.csrf_token(LOGIN_SCOPE, sid),
        },
    )
}

async fn login_form(State(st): S, h: HeaderMap) -> Result<Response, PageError> {
    if let Some(t) = cookie_value(&h, STAFF_COOKIE)
        && let Ok(user) = st.platform.back_office_user(&t).await
    {
        return Ok(Redirect::to(landing(user.role)).into_response());
    }
    let (sid, fresh) = match session(&h) {
        Some(s) => (s, false),
        None => (random_hex(st.platform.rng.as_ref(), 32), true),
    };
    let mut resp = login_page(&st, &sid, "", None);
    if fresh {
        set_cookie(
            &mut resp,
            SESSION_COOKIE,
            Some(&sid),
            st.platform.secure_cookies(),
        )
        .map_err(|e| st.error(e, "/backoffice/login"))?;
    }
    Ok(resp)
}

async fn login(
    State(st): S,
    ClientAddr(address): ClientAddr,
    h: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Ok(Form(f)) = form else {
        return Err(st.error(bad_form(), "/backoffice"));
    };
    let Some(sid) = session(&h).filter(|sid| st.platform.csrf_ok(LOGIN_SCOPE, sid, &f.csrf)) else {
        return Err(st.error(csrf_invalid(), "/backoffice/login"));
    };
    let password = Password::new(f.password);
    match st
        .platform
        .back_office_login(&f.username, &password, address)
        .await
    {
        Ok(token) => {
            let user = st
                .platform
                .back_office_user(&token)
                .await
                .map_err(|e| st.error(e, "/backoffice/login"))?;
            let mut resp = Redirect::to(landing(user.role)).into_response();
            set_cookie(
                &mut resp,
                STAFF_COOKIE,
                Some(&token),
                st.platform.secure_cookies(),
            )
            .map_err(|e| st.error(e, "/backoffice/login"))?;
            Ok(resp)
        }
        Err(e) if e.status.is_server_error() => Err(st.error(e, "/backoffice/login")),
        Err(e) => Ok(login_page(&st, &sid, &f.username, Some(e))),
    }
}

/// The registration form as posted.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct RegisterForm {
    #[serde(skip_serializing)]
    csrf: String,
    uscc: String,
    kind: String,
    contact_name: String,
    contact_phone: String,
}

impl super::Posted for RegisterForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// One row of the members list.
#[derive(Debug, Serialize)]
struct MemberItem {
    uscc: String,
    name: String,
    kind_label: &'static str,
    contact_name: String,
    via: &'static str,
}

/// The back-office session's cookie, or off to the login.
pub(super) fn staff_token(h: &HeaderMap) -> Result<String, PageError> {
    cookie_value(h, STAFF_COOKIE).ok_or(PageError::Redirect("/backoffice/login"))
}

/// A back-office error as a page: not logged in goes to the login, the rest is shown.
fn staff_error(st: &PageState, e: ApiError) -> PageError {
    if e.code == "backoffice.not_logged_in" {
        PageError::Redirect("/backoffice/login")
    } else {
        st.error(e, "/backoffice")
    }
}

/// The registration window's page, with what was entered, the last error, or who was just
/// registered.
async fn home_page(
    st: &PageState,
    token: &str,
    input: RegisterForm,
    error: Option<ApiError>,
    registered: Option<MemberItem>,
) -> Result<Response, PageError> {
    let user = st
        .platform
        .back_office_user(token)
        .await
        .map_err(|e| staff_error(st, e))?;
    let members: Vec<MemberItem> = st
        .platform
        .members_for_window(token)
        .await
        .map_err(|e| staff_error(st, e))?
        .into_iter()
        .map(|m| MemberItem {
            via: RegistrationChannel::of_registered_by(&m.registered_by).label(),
            kind_label: m.kind.label(),
            uscc: m.uscc,
            name: m.name,
            contact_name: m.contact_name,
        })
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    Ok(render(
        status,
        "bo_home.html",
        minijinja::context! {
            platform_name => st.name(),
            role_label => user.role.label(),
            user => minijinja::context! { username => user.username, display_name => user.display_name },
            members,
            input,
            registered,
            error => error.map(|e| minijinja::context! { code => e.code, message => e.message }),
            csrf => st.platform.csrf_token(STAFF_SCOPE, token),
        },
    ))
}

async fn home(State(st): S, h: HeaderMap) -> Result<Response, PageError> {
    let token = staff_token(&h)?;
    let input = RegisterForm {
        kind: MemberKind::Tenderer.as_str().into(),
        ..RegisterForm::default()
    };
    home_page(&st, &token, input, None, None).await
}

async fn register(
    State(st): S,
    h: HeaderMap,
    form: Result<Form<RegisterForm>, FormRejection>,
) -> Result<Response, PageError> {
    let token = staff_token(&h)?;
    let f = st.posted(form, STAFF_SCOPE, &token, "/backoffice")?;
    let req = RegistrationRequest {
        kind: f.kind.clone(),
        contact_name: f.contact_name.clone(),
        contact_phone: f.contact_phone.clone(),
    };
    match st.platform.register_by_window(&token, &f.uscc, &req).await {
        Ok(m) => {
            let item = MemberItem {
                kind_label: m.kind.label(),
                uscc: m.uscc,
                name: m.name,
                contact_name: m.contact_name,
                via: RegistrationChannel::Window.label(),
            };
            let input = RegisterForm {
                kind: f.kind,
                ..RegisterForm::default()
            };
            home_page(&st, &token, input, None, Some(item)).await
        }
        Err(e)
            if e.status.is_server_error()
                || matches!(
                    e.code.as_str(),
                    "backoffice.not_logged_in" | "backoffice.staff_only"
                ) =>
        {
            Err(staff_error(&st, e))
        }
        Err(e) => home_page(&st, &token, f, Some(e), None).await,
    }
}

async fn logout(
    State(st): S,
    h: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, PageError> {
    let token = staff_token(&h)?;
    st.posted(form, STAFF_SCOPE, &token, "/backoffice")?;
    match st.platform.back_office_logout(&token).await {
        Ok(()) => {}
        Err(e) if e.code == "backoffice.not_logged_in" => {}
        Err(e) => return Err(st.error(e, "/backoffice")),
    }
    let mut resp = Redirect::to("/backoffice/login").into_response();
    set_cookie(&mut resp, STAFF_COOKIE, None, st.platform.secure_cookies())
        .map_err(|e| st.error(e, "/backoffice"))?;
    Ok(resp)
}

//! The member's 印模管理 page (R13): `GET /seals`, the logged-in entity's upload records (open,
//! valid, invalid) and its seal-making records, read from the seal authority's public
//! functions. Uploads themselves are made on the phone.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;
use yizhao_domain::seal::SealType;
use yizhao_proto::seal as api;

use super::reviews::{shape_name, size_text};
use super::{PageError, PageState, beijing_time, render};
use crate::platform::members::member_token;

/// The scope of the member session's anti-forgery tokens (the logout form).
const CSRF_SCOPE: &str = "member";

pub(super) fn routes() -> Router<PageState> {
    Router::new().route("/seals", get(seals))
}

/// An upload record as the page shows it.
#[derive(Debug, Serialize)]
struct UploadView {
    id: String,
    seal_type_name: String,
    shape_name: &'static str,
    size: String,
    uploaded: String,
    state: String,
    state_name: String,
    reason: Option<String>,
}

fn upload_view(i: api::ImpressionItem) -> UploadView {
    UploadView {
        shape_name: shape_name(&i.shape),
        size: size_text(i.size_mm),
        uploaded: beijing_time(i.uploaded_at),
        id: i.id,
        seal_type_name: i.seal_type_name,
        state: i.state,
        state_name: i.state_name,
        reason: i.reason,
    }
}

/// A seal-making record as the page shows it.
#[derive(Debug, Serialize)]
struct SealView {
    id: String,
    name: String,
    seal_type_name: &'static str,
    made: String,
    valid_until: String,
    superseded: bool,
}

async fn seals(State(st): S, h: HeaderMap) -> Result<Response, PageError> {
    let token = member_token(&h).ok_or(PageError::Redirect("/login"))?;
    let me = st
        .platform
        .me(&token)
        .await
        .map_err(|e| st.member_error(e))?;
    if me.state != "active" {
        return Err(PageError::Redirect("/register"));
    }
    let records = st
        .seals
        .records_of(&me.uscc)
        .await
        .map_err(|e| st.error(e, "/"))?;
    let made: Vec<SealView> = st
        .seals
        .seals_of(&me.uscc)
        .await
        .map_err(|e| st.error(e, "/"))?
        .into_iter()
        .map(|s| SealView {
            seal_type_name: SealType::parse(&s.seal_type).map_or("", SealType::label),
            made: beijing_time(s.made_at),
            valid_until: beijing_time(s.valid.1),
            id: s.id,
            name: s.name,
            superseded: s.superseded,
        })
        .collect();
    let empty = records.open.is_empty() && records.valid.is_empty() && records.invalid.is_empty();
    let to_views = |v: Vec<api::ImpressionItem>| v.into_iter().map(upload_view).collect::<Vec<_>>();
    Ok(render(
        StatusCode::OK,
        "seals.html",
        minijinja::context! {
            platform_name => st.name(),
            me,
            empty,
            open => to_views(records.open),
            valid => to_views(records.valid),
            invalid => to_views(records.invalid),
            made,
            csrf => st.platform.csrf_token(CSRF_SCOPE, &token),
        },
    ))
}

type S = State<PageState>;

//! The back office's impression review (后台审核, R13): `GET /backoffice/reviews` (the queue of
//! pending impressions with their pictures and quality findings), `POST
//! /backoffice/reviews/{id}/approve` and `POST /backoffice/reviews/{id}/reject` (with the
//! reason), and `GET /backoffice/impressions/{id}.png`. Only reviewers; the seal authority
//! decides ([`crate::seal::Seals::review`]).

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use yizhao_domain::seal::{Review, Shape};
use yizhao_proto::seal as api;

use super::backoffice::{STAFF_SCOPE, staff_token};
use super::{CsrfForm, PageError, PageState, beijing_time, render};
use crate::error::ApiError;
use crate::seal::ReviewEntry;

/// An id as a query value (ids are hex; anything else is escaped).
fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The review page.
const REVIEWS: &str = "/backoffice/reviews";

pub(super) fn routes() -> Router<PageState> {
    Router::new()
        .route(REVIEWS, get(queue))
        .route("/backoffice/reviews/{id}/approve", post(approve))
        .route("/backoffice/reviews/{id}/reject", post(reject))
        .route("/backoffice/impressions/{file}", get(picture))
}

type S = State<PageState>;

/// A pending impression as the queue shows it.
#[derive(Debug, Serialize)]
struct QueueItem {
    id: String,
    uscc: String,
    entity_name: String,
    uploader: String,
    seal_type_name: String,
    shape_name: &'static str,
    size: String,
    uploaded: String,
    findings: Vec<api::QualityFinding>,
}

/// The impression just reviewed.
#[derive(Debug, Serialize)]
struct Reviewed {
    id: String,
    uscc: String,
    entity_name: String,
    seal_type_name: String,
    state: String,
    state_name: String,
    reason: Option<String>,
}

/// The reject form as posted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RejectForm {
    csrf: String,
    reason: String,
}

impl super::Posted for RejectForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The manual's name of a shape code.
pub(super) fn shape_name(code: &str) -> &'static str {
    Shape::parse(code).map_or("", Shape::label)
}

/// "40×40 mm".
pub(super) fn size_text((w, h): (u16, u16)) -> String {
    format!("{w}×{h} mm")
}

impl PageState {
    /// A review error as a page: not logged in goes to the login, the rest is shown.
    fn review_error(&self, e: ApiError) -> PageError {
        if e.code == "backoffice.not_logged_in" {
            PageError::Redirect("/backoffice/login")
        } else {
            self.error(e, REVIEWS)
        }
    }
}

/// The queue, with the outcome of the last review (or its error).
async fn queue_page(
    st: &PageState,
    token: &str,
    reviewed: Option<ReviewEntry>,
    error: Option<ApiError>,
) -> Result<Response, PageError> {
    let user = st
        .platform
        .reviewer_of(token)
        .await
        .map_err(|e| st.review_error(e))?;
    let items: Vec<QueueItem> = st
        .seals
        .review_queue_detailed()
        .await
        .map_err(|e| st.review_error(e))?
        .into_iter()
        .map(
            |ReviewEntry {
                 item: i,
                 entity_name,
                 uploader,
             }| QueueItem {
                entity_name,
                uploader,
                shape_name: shape_name(&i.shape),
                size: size_text(i.size_mm),
                uploaded: beijing_time(i.uploaded_at),
                id: i.id,
                uscc: i.uscc,
                seal_type_name: i.seal_type_name,
                findings: i.findings,
            },
        )
        .collect();
    let reviewed = reviewed.map(
        |ReviewEntry {
             item: i,
             entity_name,
             ..
         }| Reviewed {
            entity_name,
            id: i.id,
            uscc: i.uscc,
            seal_type_name: i.seal_type_name,
            state: i.state,
            state_name: i.state_name,
            reason: i.reason,
        },
    );
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status);
    Ok(render(
        status,
        "bo_reviews.html",
        minijinja::context! {
            platform_name => st.name(),
            role_label => user.role.label(),
            user => minijinja::context! { username => user.username, display_name => user.display_name },
            items,
            reviewed,
            error => error.map(|e| minijinja::context! { code => e.code, message => e.message }),
            csrf => st.platform.csrf_token(STAFF_SCOPE, token),
        },
    ))
}

/// `?reviewed={id}`: the impression just decided on, shown at the top of the queue.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct QueueQuery {
    reviewed: Option<String>,
}

async fn queue(
    State(st): S,
    h: HeaderMap,
    Query(q): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let token = staff_token(&h)?;
    // Only a decided impression is shown as an outcome (a pending one is still in the queue).
    let reviewed = match q.reviewed.as_deref() {
        Some(id) if id.len() <= 64 => st
            .seals
            .review_entry_of(id)
            .await
            .ok()
            .filter(|e| e.item.state != "pending"),
        _ => None,
    };
    queue_page(&st, &token, reviewed, None).await
}

/// Decide on impression `id` as the reviewer of `token`, and show the queue again.
async fn decide(
    st: &PageState,
    token: &str,
    id: &str,
    decision: &Review,
) -> Result<Response, PageError> {
    let user = st
        .platform
        .reviewer_of(token)
        .await
        .map_err(|e| st.review_error(e))?;
    match st.seals.review(&user.username, id, decision).await {
        // Post/redirect/get: the queue again, the outcome at its top, and a reload that does
        // not post the decision again.
        Ok(item) => Ok(axum::response::Redirect::to(&format!(
            "{REVIEWS}?reviewed={}",
            urlencode(&item.id)
        ))
        .into_response()),
        Err(e) if e.status.is_server_error() => Err(st.review_error(e)),
        Err(e) => queue_page(st, token, None, Some(e)).await,
    }
}

async fn approve(
    State(st): S,
    h: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Result<Response, PageError> {
    let token = staff_token(&h)?;
    st.posted(form, STAFF_SCOPE, &token, REVIEWS)?;
    decide(&st, &token, &id, &Review::Approve).await
}

async fn reject(
    State(st): S,
    h: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<RejectForm>, FormRejection>,
) -> Result<Response, PageError> {
    let token = staff_token(&h)?;
    let f = st.posted(form, STAFF_SCOPE, &token, REVIEWS)?;
    decide(&st, &token, &id, &Review::Reject { reason: f.reason }).await
}

/// `GET /backoffice/impressions/{id}.png`: the processed picture, for reviewers only.
async fn picture(
    State(st): S,
    h: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    let token = staff_token(&h)?;
    st.platform
        .reviewer_of(&token)
        .await
        .map_err(|e| st.review_error(e))?;
    let Some(id) = file.strip_suffix(".png") else {
        return Err(st.review_error(ApiError::not_found(
            "seal.impression_not_found",
            "未找到该印模。",
        )));
    };
    let png = st
        .seals
        .impression_picture(id)
        .await
        .map_err(|e| st.review_error(e))?;
    Ok(super::png_response(png))
}

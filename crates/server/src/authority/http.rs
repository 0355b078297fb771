//! The authority's HTTP API (`/authority/api/v1/…`): parse, call [`Authority`], map.

use std::sync::Arc;

use axum::extract::{FromRequest, Query, Request, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use yizhao_domain::authority::MATTERS;
use yizhao_proto::authority as api;

use super::Authority;
use crate::error::ApiError;
use crate::limits::ClientAddr;

/// A JSON body whose rejection is answered in the one error envelope.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let Json(v) = Json::<T>::from_request(req, state).await?;
        Ok(Body(v))
    }
}

/// The routes, to be nested under [`api::PREFIX`].
pub fn routes(authority: Arc<Authority>) -> Router {
    Router::new()
        .route("/matters", get(matters))
        .route("/declaration", get(declaration))
        .route("/ca", get(ca))
        .route("/realname", post(realname))
        .route("/realname/confirm", post(realname_confirm))
        .route("/licenses", get(licenses).post(download))
        .route("/challenges", post(challenge))
        .route("/signed", post(signed))
        .route("/status", post(status))
        .route("/dev/outbox", get(outbox))
        .with_state(authority)
}

type Auth = State<Arc<Authority>>;

async fn matters() -> Json<Vec<api::MatterItem>> {
    Json(
        MATTERS
            .iter()
            .map(|m| api::MatterItem {
                code: m.code.into(),
                name: m.name.into(),
            })
            .collect(),
    )
}

async fn declaration(State(a): Auth) -> Json<api::Declaration> {
    Json(a.declaration())
}

async fn ca(State(a): Auth) -> Json<api::CaInfo> {
    Json(a.ca())
}

async fn realname(
    State(a): Auth,
    Body(req): Body<api::RealNameRequest>,
) -> Result<Json<api::RealNameStarted>, ApiError> {
    Ok(Json(a.realname_start(&req).await?))
}

async fn realname_confirm(
    State(a): Auth,
    Body(req): Body<api::RealNameConfirm>,
) -> Result<Json<api::RealNameVerified>, ApiError> {
    Ok(Json(a.realname_confirm(&req).await?))
}

/// The token of `Authorization: RealName <token>`.
fn realname_token(h: &HeaderMap) -> Result<String, ApiError> {
    h.get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("RealName "))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized("auth.realname_required", "请先完成实名认证。"))
}

#[derive(Deserialize)]
struct LocalityQuery {
    locality: String,
}

async fn licenses(
    State(a): Auth,
    h: HeaderMap,
    Query(q): Query<LocalityQuery>,
) -> Result<Json<api::LicenseList>, ApiError> {
    Ok(Json(a.licenses(&realname_token(&h)?, &q.locality).await?))
}

async fn download(
    State(a): Auth,
    h: HeaderMap,
    Body(req): Body<api::DownloadRequest>,
) -> Result<Json<api::DownloadedLicense>, ApiError> {
    Ok(Json(a.download(&realname_token(&h)?, &req).await?))
}

async fn challenge(
    State(a): Auth,
    ClientAddr(addr): ClientAddr,
) -> Result<Json<api::Challenge>, ApiError> {
    Ok(Json(a.challenge(addr).await?))
}

async fn signed(
    State(a): Auth,
    Body(req): Body<api::Signed>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(a.signed(&req).await?))
}

async fn status(
    State(a): Auth,
    Body(req): Body<api::StatusRequest>,
) -> Result<Json<api::StatusResponse>, ApiError> {
    Ok(Json(a.status(&req).await?))
}

#[derive(Deserialize)]
struct PhoneQuery {
    phone: String,
}

async fn outbox(
    State(a): Auth,
    Query(q): Query<PhoneQuery>,
) -> Result<Json<Vec<api::OutboxMessage>>, ApiError> {
    Ok(Json(a.outbox(&q.phone).await?))
}

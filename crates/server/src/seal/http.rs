//! The seal authority's routes, under [`yizhao_proto::seal::PREFIX`]: `GET /catalogue` (seal
//! types, shapes, sizes), `GET /ca` (its root CA) and `POST /signed` (license-signed actions, see [`super::Seals::signed`]).

use std::sync::Arc;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use yizhao_proto::authority::Signed;
use yizhao_proto::seal as api;

use super::Seals;
use crate::authority::http::Body;
use crate::error::ApiError;

/// The routes, to be nested under the prefix.
pub fn routes(seals: Arc<Seals>) -> Router {
    Router::new()
        .route("/catalogue", get(catalogue))
        .route("/ca", get(ca))
        .route("/signed", post(signed))
        .with_state(seals)
}

async fn catalogue(State(s): State<Arc<Seals>>) -> Json<Vec<api::SealTypeItem>> {
    Json(s.catalogue())
}

async fn ca(State(s): State<Arc<Seals>>) -> Json<api::SealCa> {
    Json(api::SealCa {
        root: s.root_certificate().to_der().to_vec(),
    })
}

async fn signed(
    State(s): State<Arc<Seals>>,
    Body(b): Body<Signed>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(s.signed(&b).await?))
}

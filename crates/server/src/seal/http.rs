//! The seal authority's routes, under [`yizhao_proto::seal::PREFIX`]: `GET /catalogue` (seal
//! types, shapes, sizes), `GET /ca` (its root CA), `GET /crl` (the root's CRL of revoked
//! makers, DER) and `POST /signed` (license-signed actions, see [`super::Seals::signed`]).

use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
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
        .route("/crl", get(crl))
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

/// The media type of a DER CRL (RFC 2585).
const PKIX_CRL: &str = "application/pkix-crl";

async fn crl(State(s): State<Arc<Seals>>) -> Result<impl IntoResponse, ApiError> {
    let der = s.crl().await?;
    // A fresh CRL each time (thisUpdate = now): caches must not keep it past its nextUpdate,
    // and a rotation must show at once.
    Ok((
        [
            (header::CONTENT_TYPE, PKIX_CRL),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        der,
    ))
}

async fn signed(
    State(s): State<Arc<Seals>>,
    Body(b): Body<Signed>,
) -> Result<Json<serde_json::Value>, ApiError> {
    Ok(Json(s.signed(&b).await?))
}

//! The member's 印模管理 pages (R13), over the seal authority's public functions:
//! - `GET /seals`: the logged-in entity's upload records (open, valid, invalid) with their
//!   pictures, and its seal-making records;
//! - `GET|POST /seals/impression`: 添加印模 on the PC — the photo with the same adjustments and
//!   checks as the phone's editor, a preview on white and dark, then 上传印模 shows a QR of
//!   kind `impression` that the phone answers by signing the upload with its license
//!   ([`crate::platform::Platform::create_impression_qr`]);
//! - `GET /seals/impressions/{id}.png`: a picture of the entity's own uploads.

use std::collections::VecDeque;
use std::sync::Mutex;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Response};
use axum::routing::get;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use yizhao_domain::seal::SealType;
use yizhao_impression::InkColour;
use yizhao_impression::form::{self, Refusal};
use yizhao_proto::qr::qr_link;
use yizhao_proto::seal as api;

use super::member::active_member;
use super::reviews::{shape_name, size_text};
use super::{PageError, PageState, beijing_time, render};
use crate::error::ApiError;
use crate::limits::ClientAddr;
use crate::platform::http::{SESSION_COOKIE, public_base, session};
use crate::platform::members::MeView;
use crate::rng::random_hex;

/// The scope of the member session's anti-forgery tokens.
const CSRF_SCOPE: &str = "member";

/// The largest photo the PC editor accepts.
const PHOTO_MAX_BYTES: usize = 12 * 1024 * 1024;

pub(super) fn routes() -> Router<PageState> {
    Router::new()
        .route("/seals", get(seals))
        .route(
            "/seals/impression",
            get(impression_form)
                .post(impression)
                .layer(DefaultBodyLimit::max(PHOTO_MAX_BYTES + 64 * 1024)),
        )
        .route("/seals/impressions/{file}", get(picture))
        .route("/seals/notice", get(notice))
}

/// `GET /seals/notice`: 《电子印章制作与使用须知》, which 添加印模 asks to accept; open to
/// anyone (it is the terms, not the entity's data).
async fn notice(State(st): S) -> Response {
    let sections: Vec<minijinja::Value> = yizhao_domain::notice::SECTIONS
        .iter()
        .map(|(heading, paragraphs)| minijinja::context! { heading, paragraphs })
        .collect();
    render(
        StatusCode::OK,
        "notice.html",
        minijinja::context! {
            platform_name => st.name(),
            title => yizhao_domain::notice::TITLE,
            sections,
        },
    )
}

/// Photos chosen on the impression page, kept from its preview to its upload per browser
/// session (as the phone keeps its last previewed photo), in memory and bounded: at most
/// [`Drafts::MAX_BYTES`] in all, the oldest dropped first. A restart forgets them; the page then
/// asks for the photo again.
#[derive(Default)]
pub(crate) struct Drafts(Mutex<VecDeque<(String, Vec<u8>)>>);

impl Drafts {
    const MAX_BYTES: usize = 256 * 1024 * 1024;

    fn keep(&self, session: &str, photo: Vec<u8>) {
        let mut d = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        d.retain(|(s, _)| s != session);
        d.push_back((session.to_owned(), photo));
        while d.iter().map(|(_, p)| p.len()).sum::<usize>() > Self::MAX_BYTES && d.len() > 1 {
            d.pop_front();
        }
    }

    fn get(&self, session: &str) -> Option<Vec<u8>> {
        let d = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        d.iter().find(|(s, _)| s == session).map(|(_, p)| p.clone())
    }

    fn forget(&self, session: &str) {
        let mut d = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        d.retain(|(s, _)| s != session);
    }
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
    impression_id: String,
}

#[derive(Deserialize)]
struct SealsQuery {
    #[serde(default)]
    uploaded: Option<String>,
}

async fn seals(
    State(st): S,
    h: HeaderMap,
    Query(q): Query<SealsQuery>,
) -> Result<Response, PageError> {
    let (token, me) = active_member(&st, &h).await?;
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
            impression_id: s.impression_id,
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
            uploaded => q.uploaded.is_some(),
            csrf => st.platform.csrf_token(CSRF_SCOPE, &token),
        },
    ))
}

/// `GET /seals/impressions/{id}.png`: the picture of one of the entity's own uploads.
async fn picture(
    State(st): S,
    h: HeaderMap,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    let (_, me) = active_member(&st, &h).await?;
    let not_found = || {
        st.error(
            ApiError::not_found("seal.impression_not_found", "未找到该印模。"),
            "/seals",
        )
    };
    let id = file.strip_suffix(".png").ok_or_else(not_found)?;
    let r = st
        .seals
        .records_of(&me.uscc)
        .await
        .map_err(|e| st.error(e, "/seals"))?;
    let own = [r.open, r.valid, r.invalid]
        .iter()
        .flatten()
        .any(|i| i.id == id);
    if !own {
        return Err(not_found());
    }
    let png = st
        .seals
        .impression_picture(id)
        .await
        .map_err(|e| st.error(e, "/seals"))?;
    Ok(super::png_response(png))
}

/// The editor's choices as the page shows them again.
fn editor_context(st: &PageState, me: &MeView, token: &str, f: &Fields) -> minijinja::Value {
    let types: Vec<minijinja::Value> = SealType::ALL
        .iter()
        .map(|t| minijinja::context! { code => t.as_str(), name => t.label() })
        .collect();
    let sizes: Vec<minijinja::Value> = form::size_groups()
        .into_iter()
        .map(|g| {
            let options: Vec<minijinja::Value> = g
                .options
                .into_iter()
                .map(|(value, label)| minijinja::context! { value, label })
                .collect();
            minijinja::context! { name => g.name, options }
        })
        .collect();
    let colours: Vec<minijinja::Value> = InkColour::ALL
        .iter()
        .map(|c| minijinja::context! { code => c.as_str(), name => c.name_zh() })
        .collect();
    minijinja::context! {
        platform_name => st.name(),
        me,
        csrf => st.platform.csrf_token(CSRF_SCOPE, token),
        types,
        sizes,
        colours,
        input => minijinja::context! {
            seal_type => f.get("seal_type"),
            size => f.get("size"),
            crop_x => f.get("crop_x"),
            crop_y => f.get("crop_y"),
            crop_w => f.get("crop_w"),
            crop_h => f.get("crop_h"),
            rotate => f.get("rotate").unwrap_or("0"),
            brightness => f.get("brightness").unwrap_or("0"),
            contrast => f.get("contrast").unwrap_or("0"),
            colour => f.get("colour").unwrap_or("red"),
            threshold => f.get("threshold").unwrap_or("64"),
            accept => f.get("accept").is_some(),
        },
    }
}

/// `GET /seals/impression`: 添加印模.
async fn impression_form(State(st): S, h: HeaderMap) -> Result<Response, PageError> {
    let (token, me) = active_member(&st, &h).await?;
    let ctx = editor_context(&st, &me, &token, &Fields::default());
    Ok(render(StatusCode::OK, "impression.html", ctx))
}

/// The text fields of the editor's form.
#[derive(Debug, Default)]
struct Fields(Vec<(String, String)>);

impl Fields {
    /// A non-blank field, trimmed.
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }
}

fn refused(r: Refusal) -> ApiError {
    ApiError::bad_request(&r.code, r.message)
}

/// The form's fields and its photo (at most [`PHOTO_MAX_BYTES`]).
async fn read_form(multipart: Multipart) -> Result<(Fields, Option<Vec<u8>>), ApiError> {
    use yizhao_impression::form::multipart::{FormError, read};
    match read(multipart, PHOTO_MAX_BYTES).await {
        Ok((pairs, photo)) => Ok((Fields(pairs), photo)),
        Err(FormError::TooLarge) => Err(ApiError::bad_request(
            "impression.file_too_large",
            format!("图片太大，最大 {} MiB。", PHOTO_MAX_BYTES / (1024 * 1024)),
        )),
        Err(FormError::Unreadable) => Err(super::bad_form()),
    }
}

fn data_url(png: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

/// `POST /seals/impression` (multipart): 预览, or 上传印模 (preview, then the QR the phone
/// answers). The photo is the one chosen now, or else the one previewed last in this browser.
async fn impression(
    State(st): S,
    ClientAddr(addr): ClientAddr,
    h: HeaderMap,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let (token, me) = active_member(&st, &h).await?;
    let (f, photo) = match read_form(multipart).await {
        Ok(parts) => parts,
        Err(e) => return Err(st.error(e, "/seals/impression")),
    };
    if !st
        .platform
        .csrf_ok(CSRF_SCOPE, &token, f.get("csrf").unwrap_or_default())
    {
        return Err(st.error(super::csrf_invalid(), "/seals/impression"));
    }
    let (sid, fresh) = match session(&h) {
        Some(s) => (s, false),
        None => (random_hex(st.platform.rng.as_ref(), 32), true),
    };
    let mut ctx = editor_context(&st, &me, &token, &f);
    let done = async {
        let photo = match photo {
            Some(p) => p,
            None => st
                .drafts
                .get(&sid)
                .ok_or_else(|| ApiError::bad_request("impression.no_photo", "请选择印模照片。"))?,
        };
        let design = form::design_from(|n| f.get(n)).map_err(refused)?;
        let adjustments = form::adjustments_from(|n| f.get(n)).map_err(refused)?;
        let prepared = form::prepare(&photo, &adjustments, &design).map_err(refused)?;
        st.drafts.keep(&sid, photo);
        let findings: Vec<String> = prepared
            .report
            .findings
            .iter()
            .map(|x| x.message.clone())
            .collect();
        let preview = minijinja::context! {
            white => data_url(&prepared.white),
            dark => data_url(&prepared.dark),
            passed => prepared.report.passed(),
            findings,
        };
        if f.get("do") != Some("upload") {
            return Ok((preview, None));
        }
        if f.get("accept").is_none() {
            return Err(ApiError::bad_request(
                "seal.terms_not_accepted",
                "请先勾选“本企业已阅读并同意”。",
            ));
        }
        let upload = api::UploadImpression {
            uscc: me.uscc.clone(),
            seal_type: design.seal_type.as_str().into(),
            shape: design.shape.as_str().into(),
            width_mm: design.width_mm,
            height_mm: design.height_mm,
            picture: prepared.into_upload().map_err(refused)?,
            accepted_terms: true,
        };
        let base = public_base(&st.platform, &h)?;
        st.platform.admit_qr(addr, Some(&sid))?;
        let status = st
            .platform
            .create_impression_qr(&sid, &token, upload)
            .await?;
        st.drafts.forget(&sid);
        let qr = minijinja::context! {
            now => st.platform.now_secs(),
            id => status.id.as_str(),
            expires_at => status.expires_at,
            link => qr_link(&base, &status.id),
        };
        Ok::<_, ApiError>((preview, Some(qr)))
    }
    .await;
    let code = match done {
        Ok((preview, qr)) => {
            ctx = minijinja::context! { preview, qr, ..ctx };
            StatusCode::OK
        }
        Err(e) => {
            let status = e.status;
            ctx = minijinja::context! {
                error => minijinja::context! { code => e.code, message => e.message },
                ..ctx
            };
            status
        }
    };
    let mut resp = render(code, "impression.html", ctx);
    if fresh {
        crate::cookies::set_cookie(
            &mut resp,
            SESSION_COOKIE,
            Some(&sid),
            st.platform.secure_cookies(),
        )
        .map_err(|e| st.error(e, "/seals"))?;
    }
    Ok(resp.into_response())
}

type S = State<PageState>;

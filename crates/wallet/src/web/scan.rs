//! 扫一扫: a pasted link or an uploaded photo of the QR code → the checked request → 确认登录.

use super::forms::CheckedForm;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::Serialize;
use yizhao_gm::x509::Certificate;

use super::{App, Fields, PageError, see_other};
use crate::error::WalletError;
use crate::qr::{self, IMAGE_MAX_BYTES, ScanPreview, kind_name};
use crate::render;
use crate::time::{format_beijing, now_unix};

/// `GET /scan`.
pub(super) async fn form(State(app): State<App>) -> Response {
    app.page("scan.html", context! {}, None)
}

/// Check the request behind `link` and show it for confirmation, or show why not.
async fn start(app: &App, link: &str) -> Response {
    match app.wallet.fetch_request(link).await {
        Ok(preview) => {
            let token = app.keep_preview(preview);
            see_other(&format!("/confirm/{token}"))
        }
        Err(e) => scan_error(app, &PageError::from(e)),
    }
}

fn scan_error(app: &App, e: &PageError) -> Response {
    app.page("scan.html", context! {}, Some(e))
}

/// `POST /scan/link`: a pasted QR link.
pub(super) async fn link(State(app): State<App>, CheckedForm(f): CheckedForm) -> Response {
    match f.required("link", "二维码链接") {
        Ok(link) => start(&app, link).await,
        Err(e) => scan_error(&app, &PageError::from(e)),
    }
}

/// `POST /scan/upload` (multipart: `csrf`, `file`): a photo or screenshot of the QR code.
pub(super) async fn upload(State(app): State<App>, multipart: Multipart) -> Response {
    let (csrf, file) = match read_upload(multipart).await {
        Ok(parts) => parts,
        Err(e) => return scan_error(&app, &PageError::from(e)),
    };
    if !app.csrf_ok(&Fields::from(vec![("csrf".to_owned(), csrf)])) {
        return app.csrf_refused();
    }
    let Some(bytes) = file else {
        let e = WalletError::Input("请选择二维码图片".into());
        return scan_error(&app, &PageError::from(e));
    };
    match qr::decode_qr_bytes(&bytes) {
        Ok(link) => start(&app, &link).await,
        Err(e) => scan_error(&app, &PageError::from(e)),
    }
}

/// The CSRF field and the file's bytes (at most [`IMAGE_MAX_BYTES`]; `None` when no file was
/// chosen).
async fn read_upload(mut multipart: Multipart) -> Result<(String, Option<Vec<u8>>), WalletError> {
    let too_large = || {
        WalletError::QrUnreadable(format!(
            "图片太大，最大 {} MiB",
            IMAGE_MAX_BYTES / (1024 * 1024)
        ))
    };
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            WalletError::Input("上传的表单无法读取，请重新选择图片".into())
        }
    };
    let mut csrf = String::new();
    let mut file = None;
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().map(str::to_owned);
        match name.as_deref() {
            Some("csrf") => csrf = field.text().await.map_err(bad)?,
            Some("file") => {
                let picked = field.file_name().is_some_and(|n| !n.is_empty());
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    if bytes.len() + chunk.len() > IMAGE_MAX_BYTES {
                        return Err(too_large());
                    }
                    bytes.extend_from_slice(&chunk);
                }
                // A file input left empty is sent without a name and without bytes.
                if picked || !bytes.is_empty() {
                    file = Some(bytes);
                }
            }
            _ => {}
        }
    }
    Ok((csrf, file))
}

/// A license of this phone on the confirmation page.
#[derive(Debug, Serialize)]
struct Choice {
    license_id: String,
    uscc: String,
    entity_name: String,
    role: String,
    /// Why it cannot answer; `None` when it can.
    unusable: Option<String>,
}

fn choices(app: &App, preview: &ScanPreview) -> Vec<Choice> {
    let mut out: Vec<Choice> = preview
        .licenses
        .iter()
        .map(|l| Choice {
            license_id: l.license_id.clone(),
            uscc: l.uscc.clone(),
            entity_name: l.entity_name.clone(),
            role: render::role(&l.role).to_owned(),
            unusable: None,
        })
        .collect();
    // The phone's other licenses: shown, not selectable, with the reason.
    for l in app.wallet.home().licenses().unwrap_or_default() {
        if out.iter().any(|c| c.license_id == l.license_id) {
            continue;
        }
        let reason = match Certificate::from_der(&l.certificate) {
            Ok(c) => {
                let (_, to) = c.validity();
                if i64::try_from(to).is_ok_and(|to| to < now_unix()) {
                    "执照证书已过期"
                } else {
                    "执照证书尚未生效"
                }
            }
            Err(_) => "执照证书无法解析",
        };
        out.push(Choice {
            license_id: l.license_id,
            uscc: l.uscc,
            entity_name: l.entity_name,
            role: render::role(&l.role).to_owned(),
            unusable: Some(reason.to_owned()),
        });
    }
    out
}

fn confirm_page(
    app: &App,
    token: &str,
    preview: &ScanPreview,
    chosen: Option<&str>,
    error: Option<&PageError>,
) -> Response {
    let choices = choices(app, preview);
    let chosen = chosen
        .filter(|c| {
            choices
                .iter()
                .any(|x| x.unusable.is_none() && x.license_id == *c)
        })
        .map(str::to_owned)
        .or_else(|| {
            choices
                .iter()
                .find(|c| c.unusable.is_none())
                .map(|c| c.license_id.clone())
        });
    let ctx = context! {
        token => token,
        requester_name => preview.requester.name.as_str(),
        matter_name => preview.matter_name.as_deref().unwrap_or(&preview.matter),
        matter => preview.matter.as_str(),
        kind => kind_name(&preview.kind),
        expires => format_beijing(preview.expires_at),
        licenses => choices,
        chosen => chosen,
        impression => preview.impression.as_ref().map(|i| context! {
            uscc => i.uscc.as_str(),
            seal_type_name => i.seal_type_name.as_str(),
            shape_name => i.shape_name.as_str(),
            size => i.size.as_str(),
            picture => super::seals::data_url(&i.picture),
        }),
    };
    app.page("confirm.html", ctx, error)
}

fn expired(app: &App) -> Response {
    let e = PageError {
        code: "web.expired".into(),
        message: "扫码请求已失效，请重新扫码".into(),
        status: StatusCode::NOT_FOUND,
    };
    app.message(e.status, "扫一扫", None, Some(&e))
}

/// `GET /confirm/{token}`: who asks, for what, with which license.
pub(super) async fn confirm_form(State(app): State<App>, Path(token): Path<String>) -> Response {
    match app.preview(&token) {
        Some(p) => confirm_page(&app, &token, &p, None, None),
        None => expired(&app),
    }
}

/// `POST /confirm/{token}`: answer with the chosen license and the device password.
pub(super) async fn confirm(
    State(app): State<App>,
    Path(token): Path<String>,
    CheckedForm(f): CheckedForm,
) -> Response {
    let Some(preview) = app.preview(&token) else {
        return expired(&app);
    };
    let chosen = f.opt("license");
    let answered = match (
        f.required("license", "要使用的执照"),
        f.password("password"),
    ) {
        (Ok(license), Ok(password)) => {
            if preview.licenses.iter().any(|l| {
                l.license_id.eq_ignore_ascii_case(license) || l.uscc.eq_ignore_ascii_case(license)
            }) {
                app.wallet
                    .answer_request(&preview, license, &password)
                    .await
            } else {
                Err(WalletError::NoLicense(license.to_owned()))
            }
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match answered {
        Ok(status) => {
            app.drop_preview(&token);
            let title = preview.done_title();
            let result = context! {
                title => title,
                text => format!("{}：{}", preview.requester.name, preview.matter_name.as_deref().unwrap_or(&preview.matter)),
                short_code => status.short_code,
            };
            app.message(StatusCode::OK, title, Some(result), None)
        }
        Err(e) => confirm_page(&app, &token, &preview, chosen, Some(&PageError::from(e))),
    }
}

/// `POST /confirm/{token}/cancel`: forget the request, back to the home page.
pub(super) async fn cancel(
    State(app): State<App>,
    Path(token): Path<String>,
    CheckedForm(_): CheckedForm,
) -> Response {
    app.drop_preview(&token);
    see_other("/")
}

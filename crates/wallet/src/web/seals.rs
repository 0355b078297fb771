//! 电子印章 on the phone (manual 3.3): 印模管理 (upload records, 添加印模 with the adjustments
//! and a preview), 我的印章 (export), 领取印章 (collect, delete to redo). Each action is signed
//! with a license of this phone, so each asks for the license and the device password.

use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse as _, Response};
use base64::Engine as _;
use minijinja::{Value, context};
use yizhao_impression::form::{self, Design};
use yizhao_impression::{Adjustments, InkColour};

use super::forms::CheckedForm;
use super::{App, Fields, PageError};
use crate::error::{Result, WalletError};
use crate::render;
use crate::seals::held_seal_der;
use crate::time::format_beijing;

/// The largest photo accepted by 添加印模.
pub(super) const PHOTO_MAX_BYTES: usize = 12 * 1024 * 1024;

fn licenses(app: &App, chosen: &str) -> (Vec<Value>, String) {
    let stored = app.wallet.home().licenses().unwrap_or_default();
    let chosen = if chosen.is_empty() {
        stored
            .first()
            .map(|l| l.license_id.clone())
            .unwrap_or_default()
    } else {
        chosen.to_owned()
    };
    let list = stored
        .iter()
        .map(|l| {
            context! {
                license_id => l.license_id.as_str(),
                uscc => l.uscc.as_str(),
                entity_name => l.entity_name.as_str(),
                role => render::role(&l.role),
            }
        })
        .collect();
    (list, chosen)
}

fn impression_rows(items: &[yizhao_proto::seal::ImpressionItem]) -> Vec<Value> {
    items
        .iter()
        .map(|i| {
            context! {
                id => i.id.as_str(),
                seal_type_name => i.seal_type_name.as_str(),
                shape => i.shape.as_str(),
                size => format!("{}×{} mm", i.size_mm.0, i.size_mm.1),
                uploaded_at => format_beijing(i.uploaded_at),
                state => i.state.as_str(),
                state_name => i.state_name.as_str(),
                reason => i.reason.as_deref(),
            }
        })
        .collect()
}

fn seal_row(s: &yizhao_proto::seal::SealItem) -> Value {
    context! {
        id => s.id.as_str(),
        name => s.name.as_str(),
        seal_type => s.seal_type.as_str(),
        valid => format!("{} 至 {}", format_beijing(s.valid.0), format_beijing(s.valid.1)),
        made_at => format_beijing(s.made_at),
        superseded => s.superseded,
    }
}

/// `GET /seals`: the license form and the actions.
pub(super) async fn page(State(app): State<App>) -> Response {
    render_seals(&app, "", context! {}, None)
}

fn render_seals(app: &App, license: &str, shown: Value, error: Option<&PageError>) -> Response {
    let (licenses, chosen) = licenses(app, license);
    // Offer what a license of this phone may do: an agent uploads no impression (R13) and only
    // the legal representative names seal admins (R15). Without licenses, everything is shown.
    let roles: Vec<String> = app
        .wallet
        .home()
        .licenses()
        .unwrap_or_default()
        .into_iter()
        .map(|l| l.role)
        .collect();
    let any =
        |codes: &[&str]| roles.is_empty() || roles.iter().any(|r| codes.contains(&r.as_str()));
    let menu = context! {
        can_upload => any(&["legal_representative", "license_admin"]),
        can_seal_admins => any(&["legal_representative"]),
    };
    let ctx = context! { licenses => licenses, chosen => chosen, menu => menu, ..shown };
    app.page("seals.html", ctx, error)
}

/// The actions of the 电子印章 page.
enum Action {
    Records,
    Mine,
    Collectable,
    Collect,
    Delete,
}

async fn act(app: &App, action: Action, f: Fields) -> Response {
    let license = f.get("license").to_owned();
    let done = async {
        let license = f.required("license", "执照")?;
        let password = f.password("password", app.wallet.home())?;
        let w = &app.wallet;
        let shown = match action {
            Action::Records => {
                let r = w.impression_records(license, &password).await?;
                let made = w.seal_records(license, &password).await?;
                let empty = r.open.is_empty() && r.valid.is_empty() && r.invalid.is_empty();
                context! {
                    records => context! {
                        empty => empty,
                        open => impression_rows(&r.open),
                        valid => impression_rows(&r.valid),
                        invalid => impression_rows(&r.invalid),
                        made => made.iter().map(seal_row).collect::<Vec<_>>(),
                    },
                }
            }
            Action::Mine => mine(app, license, &password, None).await?,
            Action::Collectable | Action::Collect => {
                let mut result = None;
                if matches!(action, Action::Collect) {
                    let seal = f.required("seal", "要领取的印章")?;
                    let grant = f.opt(&format!("grant-{seal}"));
                    let held = w.collect(license, &password, seal, grant).await?;
                    result = Some(format!("已领取印章：{}", held.seal.name));
                }
                let list = w.collectable(license, &password).await?;
                let rows: Vec<Value> = list
                    .iter()
                    .map(|c| {
                        context! {
                            seal => seal_row(&c.seal),
                            direct => c.direct,
                            grants => c.grants.clone(),
                        }
                    })
                    .collect();
                context! { collectable => rows, result => result }
            }
            Action::Delete => {
                let id = f.required("collection", "要删除的领取记录")?;
                w.delete_collection(license, &password, id).await?;
                mine(
                    app,
                    license,
                    &password,
                    Some("已删除领取记录，可重新领取".to_owned()),
                )
                .await?
            }
        };
        Ok::<_, WalletError>(shown)
    }
    .await;
    match done {
        Ok(shown) => render_seals(app, &license, shown, None),
        Err(e) => render_seals(app, &license, context! {}, Some(&PageError::from(e))),
    }
}

async fn mine(
    app: &App,
    license: &str,
    password: &yizhao_gm::keystore::Password,
    result: Option<String>,
) -> Result<Value> {
    let m = app.wallet.my_seals(license, password).await?;
    let rows: Vec<Value> = m
        .server
        .iter()
        .map(|c| {
            context! {
                collection_id => c.collection_id.as_str(),
                seal => seal_row(&c.seal),
                on_this_phone => c.on_this_phone,
                grant_id => c.grant_id.as_deref(),
                usable => c.usable,
                picture => c.picture_png.as_deref().map(data_url),
            }
        })
        .collect();
    Ok(context! { mine => rows, result => result })
}

pub(super) async fn records(State(app): State<App>, CheckedForm(f): CheckedForm) -> Response {
    act(&app, Action::Records, f).await
}

pub(super) async fn my_seals(State(app): State<App>, CheckedForm(f): CheckedForm) -> Response {
    act(&app, Action::Mine, f).await
}

pub(super) async fn collectable(State(app): State<App>, CheckedForm(f): CheckedForm) -> Response {
    act(&app, Action::Collectable, f).await
}

pub(super) async fn collect(State(app): State<App>, CheckedForm(f): CheckedForm) -> Response {
    act(&app, Action::Collect, f).await
}

pub(super) async fn delete(State(app): State<App>, CheckedForm(f): CheckedForm) -> Response {
    act(&app, Action::Delete, f).await
}

/// `GET /seals/export/{collection}`: the held seal's `SESeal` as an `.esl` download.
pub(super) async fn export(State(app): State<App>, Path(id): Path<String>) -> Response {
    match held_seal_der(app.wallet.home(), &id) {
        Ok(der) => (
            [
                (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{id}.esl\""),
                ),
            ],
            der,
        )
            .into_response(),
        Err(e) => render_seals(&app, "", context! {}, Some(&PageError::from(e))),
    }
}

/// The sections of 《电子印章制作与使用须知》 for a template.
pub(crate) fn notice_sections() -> Vec<Value> {
    yizhao_domain::notice::SECTIONS
        .iter()
        .map(|(heading, paragraphs)| context! { heading, paragraphs })
        .collect()
}

/// `GET /seals/notice`: 《电子印章制作与使用须知》, which 添加印模 asks to accept.
pub(super) async fn notice(State(app): State<App>) -> Response {
    let ctx = context! {
        title => yizhao_domain::notice::TITLE,
        sections => notice_sections(),
    };
    app.page("notice.html", ctx, None)
}

/// `GET /seals/impression`: 添加印模.
pub(super) async fn impression_form(State(app): State<App>) -> Response {
    render_impression(&app, &Fields::from(Vec::new()), context! {}, None).await
}

async fn render_impression(
    app: &App,
    f: &Fields,
    shown: Value,
    error: Option<&PageError>,
) -> Response {
    let (licenses, chosen) = licenses(app, f.get("license"));
    let catalogue = app.wallet.client().catalogue().await.unwrap_or_default();
    let types: Vec<Value> = catalogue
        .iter()
        .map(|t| context! { code => t.code.as_str(), name => t.name.as_str() })
        .collect();
    let sizes = size_groups();
    let colours: Vec<Value> = InkColour::ALL
        .iter()
        .map(|c| context! { code => c.as_str(), name => c.name_zh() })
        .collect();
    let input = context! {
        seal_type => f.get("seal_type"),
        size => f.get("size"),
        crop_x => f.get("crop_x"),
        crop_y => f.get("crop_y"),
        crop_w => f.get("crop_w"),
        crop_h => f.get("crop_h"),
        rotate => f.opt("rotate").unwrap_or("0"),
        brightness => f.opt("brightness").unwrap_or("0"),
        contrast => f.opt("contrast").unwrap_or("0"),
        colour => f.opt("colour").unwrap_or("red"),
        threshold => f.opt("threshold").unwrap_or("64"),
        accept => !f.get("accept").is_empty(),
    };
    let kept_photo = app.pending().impression_photo.is_some();
    let ctx = context! {
        licenses => licenses,
        chosen => chosen,
        kept_photo => kept_photo,
        types => types,
        sizes => sizes,
        colours => colours,
        input => input,
        ..shown
    };
    app.page("impression.html", ctx, error)
}

/// The catalogue's sizes grouped by shape, for the editor's one shape-and-size select.
pub(super) fn size_groups() -> Vec<Value> {
    form::size_groups()
        .into_iter()
        .map(|g| {
            let options: Vec<Value> = g
                .options
                .into_iter()
                .map(|(value, label)| context! { value, label })
                .collect();
            context! { name => g.name, options }
        })
        .collect()
}

fn adjustments(f: &Fields) -> Result<Adjustments> {
    Ok(form::adjustments_from(|n| f.opt(n))?)
}

fn design(f: &Fields) -> Result<Design> {
    Ok(form::design_from(|n| f.opt(n))?)
}

pub(super) fn data_url(png: &[u8]) -> String {
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

/// The preview: the processed picture on white and on dark paper, and the quality findings.
fn preview(photo: &[u8], f: &Fields) -> Result<Value> {
    let p = form::prepare(photo, &adjustments(f)?, &design(f)?)?;
    let findings: Vec<String> = p
        .report
        .findings
        .iter()
        .map(|f| f.message.clone())
        .collect();
    Ok(context! {
        preview => context! {
            white => data_url(&p.white),
            dark => data_url(&p.dark),
            passed => p.report.passed(),
            findings => findings,
        },
    })
}

/// `POST /seals/impression` (multipart): 预览 or 上传印模.
pub(super) async fn impression(State(app): State<App>, multipart: Multipart) -> Response {
    let (f, photo) = match read_form(multipart).await {
        Ok(parts) => parts,
        Err(e) => {
            let f = Fields::from(Vec::new());
            return render_impression(&app, &f, context! {}, Some(&PageError::from(e))).await;
        }
    };
    if !app.csrf_ok(&f) {
        return app.csrf_refused();
    }
    let done = async {
        let photo = match photo {
            Some(p) => p,
            None => app
                .pending()
                .impression_photo
                .clone()
                .ok_or_else(|| WalletError::Input("请选择印模照片".into()))?,
        };
        if f.get("do") == "preview" {
            let shown = preview(&photo, &f)?;
            app.pending().impression_photo = Some(photo);
            return Ok::<_, WalletError>(shown);
        }
        let license = f.required("license", "执照")?;
        let password = f.password("password", app.wallet.home())?;
        let accepted = !f.get("accept").is_empty();
        let item = app
            .wallet
            .upload_impression(
                license,
                &password,
                &photo,
                &adjustments(&f)?,
                &design(&f)?.into(),
                accepted,
            )
            .await?;
        app.pending().impression_photo = None;
        Ok(context! {
            result => format!("印模已上传，等待审核：{}（{}）", item.seal_type_name, item.state_name),
        })
    }
    .await;
    match done {
        Ok(shown) => render_impression(&app, &f, shown, None).await,
        Err(e) => render_impression(&app, &f, context! {}, Some(&PageError::from(e))).await,
    }
}

/// The text fields and the photo's bytes (at most [`PHOTO_MAX_BYTES`]).
async fn read_form(multipart: Multipart) -> Result<(Fields, Option<Vec<u8>>)> {
    use yizhao_impression::form::multipart::{FormError, read};
    match read(multipart, PHOTO_MAX_BYTES).await {
        Ok((pairs, photo)) => Ok((Fields::from(pairs), photo)),
        Err(FormError::TooLarge) => Err(WalletError::Input(format!(
            "图片太大，最大 {} MiB",
            PHOTO_MAX_BYTES / (1024 * 1024)
        ))),
        Err(FormError::Unreadable) => Err(WalletError::Input(
            "上传的表单无法读取，请重新选择图片".into(),
        )),
    }
}

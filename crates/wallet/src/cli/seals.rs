//! `yizhao wallet impression|seals|seal-admins|seal-grants …`: electronic seals on the phone
//! (R13–R16). Every command signs with a license (`--license`, or the phone's only one).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use yizhao_impression::{Adjustments, InkColour, Rect, Rotation};

use super::{Outcome, PasswordInput, pick_license};
use crate::error::{Result, WalletError};
use crate::flows::Wallet;
use crate::seals::{SealDesign, SealUseGrantInput, export_seal};
use crate::time::{format_beijing, parse_time};

/// `impression …`.
#[derive(Debug, Subcommand)]
pub enum ImpressionCommand {
    /// Upload a photo of the seal: it is cropped, rotated, adjusted, recoloured and made
    /// transparent here, checked, then signed with the license and sent for review.
    Upload(UploadArgs),
    /// The upload records: waiting or refused, valid (approved) and invalid (replaced).
    List {
        /// License id or USCC; may be left out when the phone holds one license.
        #[arg(long)]
        license: Option<String>,
    },
}

/// `impression upload`.
#[derive(Debug, Args)]
pub struct UploadArgs {
    /// License id or USCC; may be left out when the phone holds one license.
    #[arg(long)]
    pub license: Option<String>,
    /// The photo of the seal (PNG or JPEG).
    #[arg(long, value_name = "FILE")]
    pub image: PathBuf,
    /// Seal type code, e.g. `bid` (投标专用章); see `seals catalogue`.
    #[arg(long = "type", value_name = "CODE")]
    pub seal_type: String,
    /// Shape: round, oval, square or rectangle.
    #[arg(long, value_name = "SHAPE")]
    pub shape: String,
    /// Size in mm, WIDTHxHEIGHT, e.g. 40x40.
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub size: (u16, u16),
    /// Keep only this rectangle of the photo, in pixels: X,Y,WIDTH,HEIGHT.
    #[arg(long, value_name = "X,Y,W,H", value_parser = parse_crop)]
    pub crop: Option<Rect>,
    /// Rotate clockwise after cropping: 0, 90, 180 or 270 degrees.
    #[arg(
        long,
        value_name = "DEGREES",
        default_value_t = 0,
        allow_hyphen_values = true
    )]
    pub rotate: i32,
    /// Brightness, -100..=100.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    pub brightness: i16,
    /// Contrast, -100..=100.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    pub contrast: i16,
    /// Ink colour: red, blue, black or purple.
    #[arg(long, value_name = "COLOUR", default_value = "red", value_parser = parse_colour)]
    pub colour: InkColour,
    /// Ink strength (0–255) at or below which a pixel becomes transparent paper.
    #[arg(long, default_value_t = Adjustments::DEFAULT_THRESHOLD)]
    pub threshold: u8,
    /// 本企业已阅读并同意 the impression upload terms.
    #[arg(long)]
    pub accept_terms: bool,
}

/// `seals …`.
#[derive(Debug, Subcommand)]
pub enum SealsCommand {
    /// The seal types, their shapes and sizes (no license needed).
    Catalogue,
    /// The seal-making records of the license's entity.
    Records {
        /// License id or USCC.
        #[arg(long)]
        license: Option<String>,
    },
    /// The seals the license may collect, with the grants to collect them through.
    Collectable {
        /// License id or USCC.
        #[arg(long)]
        license: Option<String>,
    },
    /// 领章: collect a seal onto the license; its SESeal is kept on this phone.
    Collect {
        /// License id or USCC.
        #[arg(long)]
        license: Option<String>,
        /// The seal's id (from `seals collectable`).
        #[arg(long, value_name = "ID")]
        seal: String,
        /// The seal grant to collect through, when the role alone does not allow it.
        #[arg(long, value_name = "ID")]
        grant: Option<String>,
    },
    /// The license's seals: held on this phone, and collected according to the seal authority.
    List {
        /// License id or USCC.
        #[arg(long)]
        license: Option<String>,
    },
    /// Delete a wrong collection, at the seal authority and on this phone (to redo it).
    Delete {
        /// License id or USCC.
        #[arg(long)]
        license: Option<String>,
        /// The collection's id (from `seals list`).
        #[arg(long, value_name = "ID")]
        collection: String,
    },
    /// Write a held seal's SESeal (GB/T 38540 DER) to a file, e.g. FILE.esl.
    Export {
        /// The collection's id (from `seals list`).
        #[arg(long, value_name = "ID")]
        collection: String,
        /// Where to write it.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// `seal-admins …`.
#[derive(Debug, Subcommand)]
pub enum SealAdminsCommand {
    /// The entity's seal admins.
    List {
        /// License id or USCC.
        #[arg(long)]
        license: Option<String>,
    },
    /// Name a seal admin of one seal type (the legal representative).
    Add {
        /// License id or USCC.
        #[arg(long)]
        license: Option<String>,
        /// Seal type code, e.g. `bid`.
        #[arg(long = "type", value_name = "CODE")]
        seal_type: String,
        /// The person's name.
        #[arg(long)]
        name: String,
        /// The person's ID number (must hold a license authorization of the entity).
        #[arg(long)]
        id_number: String,
    },
    /// Remove a seal admin.
    Remove {
        /// License id or USCC.
        #[arg(long)]
        license: Option<String>,
        /// The appointment's id.
        #[arg(long, value_name = "ID")]
        id: String,
    },
}

/// `seal-grants …`.
#[derive(Debug, Subcommand)]
pub enum SealGrantsCommand {
    /// The seal use grants of the types the license's holder manages.
    List {
        /// License id or USCC.
        #[arg(long)]
        license: Option<String>,
    },
    /// Grant the use of a seal type: all business (--all) or precise (--matter CODE…).
    Add(GrantArgs),
    /// Revoke a seal use grant.
    Revoke {
        /// License id or USCC.
        #[arg(long)]
        license: Option<String>,
        /// The grant's id.
        #[arg(long, value_name = "ID")]
        id: String,
    },
    /// What the license's holder was given: seal admin appointments and use grants.
    Mine {
        /// License id or USCC.
        #[arg(long)]
        license: Option<String>,
    },
}

/// `seal-grants add`.
#[derive(Debug, Args)]
pub struct GrantArgs {
    /// License id or USCC.
    #[arg(long)]
    pub license: Option<String>,
    /// Seal type code, e.g. `bid`.
    #[arg(long = "type", value_name = "CODE")]
    pub seal_type: String,
    /// The user's name.
    #[arg(long)]
    pub name: String,
    /// The user's ID number (must hold a license authorization of the entity).
    #[arg(long)]
    pub id_number: String,
    /// Start, RFC 3339 or Unix seconds; default now.
    #[arg(long)]
    pub start: Option<String>,
    /// End, RFC 3339 or Unix seconds.
    #[arg(long)]
    pub end: String,
    /// 用章事由 (shown to the user, not enforced).
    #[arg(long)]
    pub reason: String,
    /// 用章次数: how many times the seal may be used.
    #[arg(long)]
    pub uses: u32,
    /// The matters.
    #[command(flatten)]
    pub matters: super::MattersArgs,
}

fn parse_size(s: &str) -> std::result::Result<(u16, u16), String> {
    let bad = || format!("尺寸应为 宽x高（毫米），如 40x40: {s}");
    let (w, h) = s.split_once(['x', 'X', '×', '*']).ok_or_else(bad)?;
    Ok((
        w.trim().parse().map_err(|_| bad())?,
        h.trim().parse().map_err(|_| bad())?,
    ))
}

fn parse_crop(s: &str) -> std::result::Result<Rect, String> {
    let bad = || format!("裁剪区域应为 X,Y,宽,高（像素），如 10,10,400,400: {s}");
    let parts: Vec<u32> = s
        .split(',')
        .map(|p| p.trim().parse().map_err(|_| bad()))
        .collect::<std::result::Result<_, _>>()?;
    match parts.as_slice() {
        [x, y, width, height] => Ok(Rect {
            x: *x,
            y: *y,
            width: *width,
            height: *height,
        }),
        _ => Err(bad()),
    }
}

fn parse_colour(s: &str) -> std::result::Result<InkColour, String> {
    InkColour::parse(s).ok_or_else(|| format!("颜色应为 red、blue、black 或 purple: {s}"))
}

fn adjustments(a: &UploadArgs) -> Result<Adjustments> {
    let rotation = Rotation::from_degrees(a.rotate)
        .ok_or_else(|| WalletError::Input(format!("旋转角度应为 90 的倍数: {}", a.rotate)))?;
    Ok(Adjustments {
        crop: a.crop,
        rotation,
        brightness: a.brightness,
        contrast: a.contrast,
        colour: a.colour,
        threshold: a.threshold,
    })
}

fn impression_line(i: &yizhao_proto::seal::ImpressionItem) -> String {
    let mut line = format!(
        "{} {} {} {}×{} mm {} [{}]",
        i.id,
        i.seal_type_name,
        i.shape,
        i.size_mm.0,
        i.size_mm.1,
        format_beijing(i.uploaded_at),
        i.state_name
    );
    if let Some(r) = &i.reason {
        line.push_str(&format!(" 原因：{r}"));
    }
    line
}

fn seal_line(s: &yizhao_proto::seal::SealItem) -> String {
    let replaced = if s.superseded { "（已替换）" } else { "" };
    format!(
        "{} {}{} 有效期至 {}",
        s.id,
        s.name,
        replaced,
        format_beijing(s.valid.1)
    )
}

fn grant_line(g: &yizhao_proto::seal::SealGrantItem) -> String {
    format!(
        "{} {} {}（{}） {} 至 {} 剩余 {}/{} 次 [{}] 事由：{}",
        g.id,
        g.seal_type_name,
        g.name,
        g.id_number_masked,
        format_beijing(g.period.0),
        format_beijing(g.period.1),
        g.uses_left,
        g.uses_total,
        g.status,
        g.reason
    )
}

fn admin_line(a: &yizhao_proto::seal::SealAdminItem) -> String {
    format!(
        "{} {} {}（{}）",
        a.id, a.seal_type_name, a.name, a.id_number_masked
    )
}

fn lines<T>(items: &[T], line: fn(&T) -> String, empty: &str) -> String {
    if items.is_empty() {
        return empty.to_owned();
    }
    items.iter().map(line).collect::<Vec<_>>().join("\n")
}

pub(super) async fn impression(
    wallet: &Wallet,
    cmd: ImpressionCommand,
    pw: &mut PasswordInput,
) -> Result<Outcome> {
    match cmd {
        ImpressionCommand::Upload(args) => {
            let license = pick_license(wallet.home(), args.license.clone())?;
            let image = std::fs::read(&args.image).map_err(WalletError::io(&args.image))?;
            let design = SealDesign {
                seal_type: args.seal_type.clone(),
                shape: args.shape.clone(),
                width_mm: args.size.0,
                height_mm: args.size.1,
            };
            let adjustments = adjustments(&args)?;
            let password = pw.device(wallet.home())?;
            let item = wallet
                .upload_impression(
                    &license,
                    &password,
                    &image,
                    &adjustments,
                    &design,
                    args.accept_terms,
                )
                .await?;
            let text = format!("印模已上传，等待审核: {}", impression_line(&item));
            Outcome::new(&item, text)
        }
        ImpressionCommand::List { license } => {
            let license = pick_license(wallet.home(), license)?;
            let records = wallet
                .impression_records(&license, &pw.device(wallet.home())?)
                .await?;
            let text = if records.open.is_empty()
                && records.valid.is_empty()
                && records.invalid.is_empty()
            {
                "您还未上传印模，请先上传印模！".to_owned()
            } else {
                format!(
                    "待审核或未通过:\n{}\n有效上传记录:\n{}\n无效上传记录:\n{}",
                    lines(&records.open, impression_line, "（无）"),
                    lines(&records.valid, impression_line, "（无）"),
                    lines(&records.invalid, impression_line, "（无）")
                )
            };
            Outcome::new(&records, text)
        }
    }
}

pub(super) async fn seals(
    wallet: &Wallet,
    cmd: SealsCommand,
    pw: &mut PasswordInput,
) -> Result<Outcome> {
    match cmd {
        SealsCommand::Catalogue => {
            let items = wallet.client().catalogue().await?;
            let text = items
                .iter()
                .map(|t| {
                    let shapes: Vec<String> = t
                        .shapes
                        .iter()
                        .map(|s| {
                            let sizes: Vec<String> =
                                s.sizes_mm.iter().map(|(w, h)| format!("{w}x{h}")).collect();
                            format!("{} {}（{}）", s.code, s.name, sizes.join("、"))
                        })
                        .collect();
                    format!("{} {}: {}", t.code, t.name, shapes.join("；"))
                })
                .collect::<Vec<_>>()
                .join("\n");
            Outcome::new(&items, text)
        }
        SealsCommand::Records { license } => {
            let license = pick_license(wallet.home(), license)?;
            let items = wallet
                .seal_records(&license, &pw.device(wallet.home())?)
                .await?;
            Outcome::new(&items, lines(&items, seal_line, "还没有制作的印章"))
        }
        SealsCommand::Collectable { license } => {
            let license = pick_license(wallet.home(), license)?;
            let items = wallet
                .collectable(&license, &pw.device(wallet.home())?)
                .await?;
            let line = |c: &yizhao_proto::seal::Collectable| {
                let how = if c.direct {
                    "可直接领取".to_owned()
                } else {
                    format!("凭印章授权领取: {}", c.grants.join("、"))
                };
                format!("{} {how}", seal_line(&c.seal))
            };
            let text = if items.is_empty() {
                "没有可领取的印章".to_owned()
            } else {
                items.iter().map(line).collect::<Vec<_>>().join("\n")
            };
            Outcome::new(&items, text)
        }
        SealsCommand::Collect {
            license,
            seal,
            grant,
        } => {
            let license = pick_license(wallet.home(), license)?;
            let password = pw.device(wallet.home())?;
            let held = wallet
                .collect(&license, &password, &seal, grant.as_deref())
                .await?;
            let text = format!(
                "领章成功: {}（领取编号 {}）",
                seal_line(&held.seal),
                held.collection_id
            );
            Outcome::new(&held, text)
        }
        SealsCommand::List { license } => {
            let license = pick_license(wallet.home(), license)?;
            let mine = wallet
                .my_seals(&license, &pw.device(wallet.home())?)
                .await?;
            let text = if mine.server.is_empty() && mine.local.is_empty() {
                "该执照还没有领取印章".to_owned()
            } else {
                let mut out: Vec<String> = mine
                    .server
                    .iter()
                    .map(|c| {
                        let here = if c.on_this_phone {
                            ""
                        } else {
                            "（不在本手机）"
                        };
                        format!("{} {}{here}", c.collection_id, seal_line(&c.seal))
                    })
                    .collect();
                for h in &mine.local {
                    if !mine
                        .server
                        .iter()
                        .any(|c| c.collection_id == h.collection_id)
                    {
                        out.push(format!(
                            "{} {}（已在印章系统删除）",
                            h.collection_id,
                            seal_line(&h.seal)
                        ));
                    }
                }
                out.join("\n")
            };
            Outcome::new(&mine, text)
        }
        SealsCommand::Delete {
            license,
            collection,
        } => {
            let license = pick_license(wallet.home(), license)?;
            let password = pw.device(wallet.home())?;
            let done = wallet
                .delete_collection(&license, &password, &collection)
                .await?;
            Outcome::new(&done, format!("已删除领取的印章: {collection}"))
        }
        SealsCommand::Export { collection, out } => {
            let bytes = export_seal(wallet.home(), &collection, &out)?;
            let shown = serde_json::json!({
                "collection_id": collection,
                "out": out.display().to_string(),
                "bytes": bytes,
            });
            Outcome::new(
                &shown,
                format!("印章已导出到 {}（{bytes} 字节）", out.display()),
            )
        }
    }
}

pub(super) async fn seal_admins(
    wallet: &Wallet,
    cmd: SealAdminsCommand,
    pw: &mut PasswordInput,
) -> Result<Outcome> {
    match cmd {
        SealAdminsCommand::List { license } => {
            let license = pick_license(wallet.home(), license)?;
            let items = wallet
                .seal_admins_list(&license, &pw.device(wallet.home())?)
                .await?;
            Outcome::new(&items, lines(&items, admin_line, "还没有印章管理员"))
        }
        SealAdminsCommand::Add {
            license,
            seal_type,
            name,
            id_number,
        } => {
            let license = pick_license(wallet.home(), license)?;
            let password = pw.device(wallet.home())?;
            let item = wallet
                .seal_admins_add(&license, &password, &seal_type, &name, &id_number)
                .await?;
            Outcome::new(&item, format!("已配置印章管理员: {}", admin_line(&item)))
        }
        SealAdminsCommand::Remove { license, id } => {
            let license = pick_license(wallet.home(), license)?;
            let password = pw.device(wallet.home())?;
            let done = wallet.seal_admins_remove(&license, &password, &id).await?;
            Outcome::new(&done, format!("已删除印章管理员: {id}"))
        }
    }
}

pub(super) async fn seal_grants(
    wallet: &Wallet,
    cmd: SealGrantsCommand,
    pw: &mut PasswordInput,
) -> Result<Outcome> {
    match cmd {
        SealGrantsCommand::List { license } => {
            let license = pick_license(wallet.home(), license)?;
            let items = wallet
                .seal_grants_list(&license, &pw.device(wallet.home())?)
                .await?;
            Outcome::new(&items, lines(&items, grant_line, "还没有印章使用授权"))
        }
        SealGrantsCommand::Add(args) => {
            let license = pick_license(wallet.home(), args.license)?;
            let grant = SealUseGrantInput {
                seal_type: args.seal_type,
                name: args.name,
                id_number: args.id_number,
                start: args.start.as_deref().map(parse_time).transpose()?,
                end: parse_time(&args.end)?,
                reason: args.reason,
                matters: if args.matters.all {
                    None
                } else {
                    Some(args.matters.matters)
                },
                uses: args.uses,
            };
            let password = pw.device(wallet.home())?;
            let item = wallet.seal_grants_add(&license, &password, grant).await?;
            Outcome::new(&item, format!("已授权使用印章: {}", grant_line(&item)))
        }
        SealGrantsCommand::Revoke { license, id } => {
            let license = pick_license(wallet.home(), license)?;
            let password = pw.device(wallet.home())?;
            let done = wallet.seal_grants_revoke(&license, &password, &id).await?;
            Outcome::new(&done, format!("已撤销印章使用授权: {id}"))
        }
        SealGrantsCommand::Mine { license } => {
            let license = pick_license(wallet.home(), license)?;
            let mine = wallet
                .seal_grants_mine(&license, &pw.device(wallet.home())?)
                .await?;
            let text = format!(
                "印章管理员:\n{}\n印章使用授权:\n{}",
                lines(&mine.admin_of, admin_line, "（无）"),
                lines(&mine.use_grants, grant_line, "（无）")
            );
            Outcome::new(&mine, text)
        }
    }
}

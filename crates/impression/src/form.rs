//! What both impression editors share (the phone's 添加印模 and the PC's 添加印模): reading
//! their form fields, checking the declared design against the catalogue, and preparing a
//! photo into the picture to upload with its previews and quality report. The seal authority
//! checks an arriving picture with [`accept`], the same rule the editors apply before sending.
//!
//! Every refusal is a [`Refusal`]: a stable code and a Chinese message for people.

use std::fmt;

use yizhao_domain::seal::{SealSize, SealType, Shape, check_design};

use crate::error::ImpressionError;
use crate::pipeline::{Adjustments, InkColour, Rect, Rotation, process};
use crate::quality::{Backdrop, DeclaredShape, QualityReport, check, preview};

/// Why an editor's input or a picture was refused: a stable code and a Chinese message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Stable code, e.g. `impression.quality`.
    pub code: String,
    /// What went wrong, in Chinese.
    pub message: String,
}

impl Refusal {
    fn new(code: &str, message: impl Into<String>) -> Self {
        Refusal {
            code: code.to_owned(),
            message: message.into(),
        }
    }

    fn input(message: impl Into<String>) -> Self {
        Refusal::new("impression.bad_input", message)
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.message, self.code)
    }
}

impl std::error::Error for Refusal {}

impl From<ImpressionError> for Refusal {
    fn from(e: ImpressionError) -> Self {
        Refusal::new(e.code(), e.message_zh())
    }
}

/// A seal design from the catalogue: type, shape and size, checked together (R13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Design {
    /// Seal type.
    pub seal_type: SealType,
    /// Shape.
    pub shape: Shape,
    /// Width (mm).
    pub width_mm: u16,
    /// Height (mm).
    pub height_mm: u16,
}

impl Design {
    /// The design of these codes and size, if the catalogue makes it.
    pub fn new(
        seal_type: &str,
        shape: &str,
        width_mm: u16,
        height_mm: u16,
    ) -> Result<Self, Refusal> {
        let t = SealType::parse(seal_type).ok_or_else(|| {
            Refusal::new("seal.unknown_type", format!("未知的印章类型：{seal_type}"))
        })?;
        let s = Shape::parse(shape).ok_or_else(|| {
            Refusal::new("seal.unknown_shape", format!("未知的印章形状：{shape}"))
        })?;
        check_design(t, s, SealSize::mm(width_mm, height_mm))
            .map_err(|e| Refusal::new(e.code(), e.to_string()))?;
        Ok(Design {
            seal_type: t,
            shape: s,
            width_mm,
            height_mm,
        })
    }

    /// What the quality checks compare the picture with.
    pub fn declared(&self) -> Result<DeclaredShape, Refusal> {
        Ok(DeclaredShape::new(
            self.shape,
            self.width_mm,
            self.height_mm,
        )?)
    }
}

/// The value of the editors' combined shape-and-size option: `round:40x40`.
pub fn size_option(shape: Shape, size: SealSize) -> String {
    format!("{}:{}x{}", shape.as_str(), size.width_mm, size.height_mm)
}

/// One shape's sizes, as the editors' shape-and-size select groups them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeGroup {
    /// The shape's name, e.g. 圆形.
    pub name: &'static str,
    /// The options: value (see [`size_option`]) and label, e.g. `圆形 40×40 mm`.
    pub options: Vec<(String, String)>,
}

/// Every shape with its sizes from the catalogue, for the editors' one shape-and-size select,
/// so a size of another shape can't be chosen.
pub fn size_groups() -> Vec<SizeGroup> {
    Shape::ALL
        .iter()
        .map(|&shape| SizeGroup {
            name: shape.label(),
            options: shape
                .sizes()
                .iter()
                .map(|&size| {
                    (
                        size_option(shape, size),
                        format!("{} {size}", shape.label()),
                    )
                })
                .collect(),
        })
        .collect()
}

/// The design from an editor's fields: `seal_type`, and `size` as `shape:WxH` (see
/// [`size_option`]; a separate `shape` field with `size` = `WxH` is read too).
pub fn design_from<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Design, Refusal> {
    let seal_type = get("seal_type").ok_or_else(|| Refusal::input("请选择印章类型"))?;
    let size = get("size").ok_or_else(|| Refusal::input("请选择印章形状和尺寸"))?;
    let (shape, size) = match size.split_once(':') {
        Some((shape, size)) => (shape, size),
        None => (
            get("shape").ok_or_else(|| Refusal::input("请选择印章形状"))?,
            size,
        ),
    };
    let bad_size = || Refusal::input(format!("印章尺寸格式应为 宽x高: {size}"));
    let (w, h) = size.split_once(['x', '×', '*']).ok_or_else(bad_size)?;
    let mm = |v: &str| v.trim().parse::<u16>().map_err(|_| bad_size());
    Design::new(seal_type, shape, mm(w)?, mm(h)?)
}

fn number<'a, T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<&'a str>,
    name: &str,
    label: &str,
    default: T,
) -> Result<T, Refusal> {
    match get(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| Refusal::input(format!("{label}应为整数: {v}"))),
    }
}

/// The adjustments from an editor's fields: `crop_x`, `crop_y`, `crop_w`, `crop_h` (pixels;
/// no crop when width and height are absent), `rotate` (degrees, a multiple of 90),
/// `brightness`, `contrast` (−100..=100), `colour` (an [`InkColour`] code) and `threshold`.
/// Absent fields keep their defaults.
pub fn adjustments_from<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Adjustments, Refusal> {
    let crop = match (get("crop_w"), get("crop_h")) {
        (None, None) => None,
        _ => Some(Rect {
            x: number(&get, "crop_x", "裁剪 X", 0)?,
            y: number(&get, "crop_y", "裁剪 Y", 0)?,
            width: number(&get, "crop_w", "裁剪宽度", 0)?,
            height: number(&get, "crop_h", "裁剪高度", 0)?,
        }),
    };
    let degrees: i32 = number(&get, "rotate", "旋转角度", 0)?;
    let rotation = Rotation::from_degrees(degrees)
        .ok_or_else(|| Refusal::input(format!("旋转角度应为 90 的倍数: {degrees}")))?;
    let colour = get("colour").unwrap_or("red");
    let colour =
        InkColour::parse(colour).ok_or_else(|| Refusal::input(format!("未知的颜色: {colour}")))?;
    Ok(Adjustments {
        crop,
        rotation,
        brightness: number(&get, "brightness", "亮度", 0)?,
        contrast: number(&get, "contrast", "对比度", 0)?,
        colour,
        threshold: number(
            &get,
            "threshold",
            "透明阈值",
            Adjustments::DEFAULT_THRESHOLD,
        )?,
    })
}

/// A photo prepared for upload: the processed picture, its previews and its quality report.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The processed picture (PNG with alpha): what is uploaded.
    pub png: Vec<u8>,
    /// The picture on white paper (PNG).
    pub white: Vec<u8>,
    /// The picture on a dark backdrop (PNG).
    pub dark: Vec<u8>,
    /// The quality findings; uploadable only if [`QualityReport::passed`].
    pub report: QualityReport,
}

impl Prepared {
    /// The picture to upload, if it passed every quality check (as [`accept`] would say).
    pub fn into_upload(self) -> Result<Vec<u8>, Refusal> {
        passed(&self.report)?;
        Ok(self.png)
    }
}

fn passed(report: &QualityReport) -> Result<(), Refusal> {
    if report.passed() {
        return Ok(());
    }
    let text: Vec<&str> = report.findings.iter().map(|f| f.message.as_str()).collect();
    Err(Refusal::new(
        "impression.quality",
        format!("印模图片质量不合格：{}", text.join("；")),
    ))
}

/// Process `photo` with `adjustments` and check it against `design`.
pub fn prepare(
    photo: &[u8],
    adjustments: &Adjustments,
    design: &Design,
) -> Result<Prepared, Refusal> {
    let declared = design.declared()?;
    let processed = process(photo, adjustments)?;
    let report = check(&processed.png, &declared)?;
    Ok(Prepared {
        white: preview(&processed.png, Backdrop::White)?,
        dark: preview(&processed.png, Backdrop::Dark)?,
        png: processed.png,
        report,
    })
}

/// The rule for an uploaded picture (the editors before sending, the seal authority on
/// arrival): it decodes within the limits and passes every quality check for `design`.
pub fn accept(png: &[u8], design: &Design) -> Result<QualityReport, Refusal> {
    let report = check(png, &design.declared()?)?;
    passed(&report)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<&'a str> {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }

    #[test]
    fn design_reads_the_combined_option_and_the_separate_fields() {
        let d = design_from(fields(&[("seal_type", "bid"), ("size", "round:40x40")])).unwrap();
        assert_eq!((d.shape, d.width_mm, d.height_mm), (Shape::Round, 40, 40));
        assert_eq!(size_option(d.shape, SealSize::mm(40, 40)), "round:40x40");
        let groups = size_groups();
        assert_eq!(groups.len(), Shape::ALL.len());
        assert!(
            groups[0]
                .options
                .iter()
                .any(|(v, l)| v == "round:40x40" && l == "圆形 40×40 mm")
        );
        let d = design_from(fields(&[
            ("seal_type", "bid"),
            ("shape", "round"),
            ("size", "40×40"),
        ]))
        .unwrap();
        assert_eq!(d.seal_type, SealType::parse("bid").unwrap());
    }

    #[test]
    fn design_refusals_say_why() {
        let e = design_from(fields(&[("size", "round:40x40")])).unwrap_err();
        assert_eq!(e.code, "impression.bad_input");
        let e = design_from(fields(&[("seal_type", "nope"), ("size", "round:40x40")])).unwrap_err();
        assert_eq!(e.code, "seal.unknown_type");
        let e = design_from(fields(&[("seal_type", "bid"), ("size", "round:40")])).unwrap_err();
        assert!(e.message.contains("宽x高"), "{e}");
        let e = design_from(fields(&[("seal_type", "bid"), ("size", "round:41x41")])).unwrap_err();
        assert_ne!(
            e.code, "impression.bad_input",
            "the catalogue refuses it: {e}"
        );
    }

    #[test]
    fn adjustments_default_and_refuse_bad_numbers() {
        assert_eq!(
            adjustments_from(fields(&[])).unwrap(),
            Adjustments::default()
        );
        let a = adjustments_from(fields(&[
            ("crop_w", "10"),
            ("crop_h", "20"),
            ("rotate", "270"),
            ("brightness", "-5"),
            ("contrast", "30"),
            ("colour", "blue"),
            ("threshold", "80"),
        ]))
        .unwrap();
        assert_eq!(
            a.crop,
            Some(Rect {
                x: 0,
                y: 0,
                width: 10,
                height: 20
            })
        );
        assert_eq!((a.brightness, a.contrast, a.threshold), (-5, 30, 80));
        assert_eq!(a.colour, InkColour::Blue);
        for bad in [
            [("rotate", "45")],
            [("brightness", "x")],
            [("colour", "green")],
            [("threshold", "300")],
        ] {
            let e = adjustments_from(fields(&bad)).unwrap_err();
            assert_eq!(e.code, "impression.bad_input", "{bad:?}");
        }
    }

    #[test]
    fn prepare_and_accept_agree() {
        let photo = crate::sample::seal_photo(600);
        let d = design_from(fields(&[("seal_type", "bid"), ("size", "round:40x40")])).unwrap();
        let p = prepare(&photo, &Adjustments::default(), &d).unwrap();
        assert!(p.report.passed(), "{:?}", p.report.findings);
        accept(&p.png, &d).unwrap();
        assert!(!p.white.is_empty() && !p.dark.is_empty());
        let png = p.png.clone();
        assert_eq!(p.into_upload().unwrap(), png);
        // The same round picture declared as an oval fails its aspect check.
        let oval =
            design_from(fields(&[("seal_type", "invoice"), ("size", "oval:45x30")])).unwrap();
        let e = accept(&png, &oval).unwrap_err();
        assert_eq!(e.code, "impression.quality");
        assert!(e.message.starts_with("印模图片质量不合格"), "{e}");
        assert_eq!(
            accept(b"not an image", &d).unwrap_err().code,
            "impression.not_an_image"
        );
    }
}

/// The editors' upload form as the web pages receive it (`multipart/form-data`): its text
/// fields and the photo, read once for the PC's 添加印模 and the phone's.
#[cfg(feature = "axum")]
pub mod multipart {
    use axum::extract::Multipart;
    use axum::extract::multipart::MultipartError;
    use axum::http::StatusCode;

    /// Why the form could not be read.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum FormError {
        /// The photo (or the whole request) is larger than allowed.
        TooLarge,
        /// Not a readable multipart form.
        Unreadable,
    }

    /// The text fields in order, and the bytes of the field `photo` if a file was chosen (at
    /// most `photo_max` bytes).
    pub async fn read(
        mut multipart: Multipart,
        photo_max: usize,
    ) -> Result<(Vec<(String, String)>, Option<Vec<u8>>), FormError> {
        let bad = |e: MultipartError| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                FormError::TooLarge
            } else {
                FormError::Unreadable
            }
        };
        let mut pairs = Vec::new();
        let mut photo = None;
        while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
            let Some(name) = field.name().map(str::to_owned) else {
                continue;
            };
            if name == "photo" {
                let picked = field.file_name().is_some_and(|n| !n.is_empty());
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(bad)? {
                    if bytes.len() + chunk.len() > photo_max {
                        return Err(FormError::TooLarge);
                    }
                    bytes.extend_from_slice(&chunk);
                }
                if picked || !bytes.is_empty() {
                    photo = Some(bytes);
                }
            } else {
                let text = field.text().await.map_err(bad)?;
                pairs.push((name, text));
            }
        }
        Ok((pairs, photo))
    }
}

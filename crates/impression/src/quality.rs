//! Quality checks on a processed impression, and previews on a backdrop.
//!
//! The checks read any PNG or JPEG, not only our own output, so a white-backed or many-coloured
//! upload is caught too. A *mark pixel* is one a person sees as ink: alpha ≥ 128 and ink
//! strength `255 − min(R, G, B)` ≥ 64.

use crate::decode::{Raster, decode};
use crate::pipeline::encode_png;
use crate::{ImpressionError, InkColour};
use yizhao_domain::seal::Shape;

/// The declared shape and size of the physical seal, in whole millimetres (10..=100 each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeclaredShape {
    shape: Shape,
    width_mm: u16,
    height_mm: u16,
}

impl DeclaredShape {
    /// Smallest side accepted, in mm.
    pub const MIN_MM: u16 = 10;
    /// Largest side accepted, in mm.
    pub const MAX_MM: u16 = 100;

    /// Checks the sizes: within 10..=100 mm, equal for round and square seals.
    pub fn new(shape: Shape, width_mm: u16, height_mm: u16) -> Result<Self, ImpressionError> {
        let range = Self::MIN_MM..=Self::MAX_MM;
        let equal_needed = matches!(shape, Shape::Round | Shape::Square);
        if !range.contains(&width_mm)
            || !range.contains(&height_mm)
            || (equal_needed && width_mm != height_mm)
        {
            return Err(ImpressionError::InvalidDeclaredSize {
                width_mm,
                height_mm,
            });
        }
        Ok(Self {
            shape,
            width_mm,
            height_mm,
        })
    }

    /// The shape.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// Width in mm.
    pub fn width_mm(&self) -> u16 {
        self.width_mm
    }

    /// Height in mm.
    pub fn height_mm(&self) -> u16 {
        self.height_mm
    }

    /// The width:height the mark should have: 1:1 for round and square, else the sizes.
    fn expected_ratio(&self) -> (u64, u64) {
        match self.shape {
            Shape::Round | Shape::Square => (1, 1),
            Shape::Oval | Shape::Rectangle => (u64::from(self.width_mm), u64::from(self.height_mm)),
        }
    }
}

/// What a finding is about; [`FindingKind::code`] is stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FindingKind {
    /// No mark found at all (empty crop, or the threshold removed everything).
    NoMark,
    /// The mark has too few pixels for its declared size.
    TooSmall,
    /// The mark's bounding box does not have the declared shape's aspect.
    AspectMismatch,
    /// Too little of the image is transparent (paper left in, e.g. a white-backed picture).
    BackgroundNotTransparent,
    /// The mark has more than one colour.
    SeveralColours,
    /// The mark's edges are soft.
    Blurred,
}

impl FindingKind {
    /// The stable code, e.g. `impression.too_small`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::NoMark => "impression.no_mark",
            Self::TooSmall => "impression.too_small",
            Self::AspectMismatch => "impression.aspect_mismatch",
            Self::BackgroundNotTransparent => "impression.background_not_transparent",
            Self::SeveralColours => "impression.several_colours",
            Self::Blurred => "impression.blurred",
        }
    }
}

/// One failed check, explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What failed.
    pub kind: FindingKind,
    /// Chinese explanation with the measured numbers and what to do.
    pub message: String,
}

impl Finding {
    /// The stable code of the kind.
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

/// What the checks measured (for the review page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QualityMetrics {
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
    /// Mark pixels.
    pub mark_pixels: u64,
    /// Width of the mark's bounding box (0.2 % of the mark trimmed on each side).
    pub mark_width: u32,
    /// Height of the mark's bounding box.
    pub mark_height: u32,
    /// Fully transparent pixels, per mille of the image.
    pub transparent_per_mille: u32,
    /// Mark pixels in the most common 60° hue window (or grey), per mille of the mark.
    pub dominant_colour_per_mille: u32,
    /// Edge sharpness: 1000 · Σ(Laplacian²) / Σ(gradient²) over the mark's box. A hard edge is
    /// about 1000, an edge ramp of `L` pixels about 500 / `L`.
    pub sharpness_per_mille: u32,
}

/// The result of [`check`]: passes when there are no findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualityReport {
    /// Failed checks, in a fixed order.
    pub findings: Vec<Finding>,
    /// The measurements behind them.
    pub metrics: QualityMetrics,
}

impl QualityReport {
    /// No check failed.
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }

    /// Whether a finding of `kind` is present.
    pub fn has(&self, kind: FindingKind) -> bool {
        self.findings.iter().any(|f| f.kind == kind)
    }
}

/// Least mark side, in pixels, whatever the declared size.
pub const MIN_MARK_SIDE: u32 = 200;
/// Least pixels per millimetre of the declared size (≈ 200 dpi).
pub const MIN_PIXELS_PER_MM: u32 = 8;
/// Largest deviation of the mark's aspect from the declared one, in per cent.
pub const ASPECT_TOLERANCE_PERCENT: u64 = 10;
/// Least fully transparent share of the image, per mille.
pub const MIN_TRANSPARENT_PER_MILLE: u32 = 300;
/// Least share of the mark in one colour, per mille.
pub const MIN_DOMINANT_PER_MILLE: u32 = 900;
/// Least [`QualityMetrics::sharpness_per_mille`]. The transparency ramp already hardens soft
/// edges, so the drawn fixture measures about 1300 sharp, 400 after a 2-pixel box blur and 180
/// after two 3-pixel ones (σ ≈ 2.5 px), which this flags.
pub const MIN_SHARPNESS_PER_MILLE: u32 = 250;

/// Ink strength of an RGB pixel: how much its darkest channel is absorbed.
fn strength(p: &[u8]) -> u8 {
    255 - p[0].min(p[1]).min(p[2])
}

fn is_mark(p: &[u8], alpha: u8) -> bool {
    alpha >= 128 && strength(p) >= 64
}

/// `n / d` as text with two decimals, rounded (integer arithmetic).
fn ratio_text(n: u64, d: u64) -> String {
    let hundredths = (n * 200 + d) / (2 * d.max(1));
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// Runs the quality checks on an impression (a PNG from [`crate::process`], or any PNG/JPEG).
pub fn check(image: &[u8], declared: &DeclaredShape) -> Result<QualityReport, ImpressionError> {
    let raster = decode(image, true)?;
    Ok(check_raster(&raster, declared))
}

fn check_raster(r: &Raster, declared: &DeclaredShape) -> QualityReport {
    let (w, h, ch) = (r.width as usize, r.height as usize, r.channels);
    let alpha_of = |p: &[u8]| if ch == 4 { p[3] } else { 255 };
    let mut rows = vec![0u64; h];
    let mut cols = vec![0u64; w];
    let mut transparent = 0u64;
    let mut hues = [0u64; 13];
    for (y, row) in r.data.chunks_exact(w * ch).enumerate() {
        for (x, p) in row.chunks_exact(ch).enumerate() {
            let a = alpha_of(p);
            if a == 0 {
                transparent += 1;
            }
            if is_mark(p, a) {
                rows[y] += 1;
                cols[x] += 1;
                hues[hue_class(p)] += 1;
            }
        }
    }
    let mark: u64 = rows.iter().sum();
    let total = (w * h) as u64;
    let mut m = QualityMetrics {
        width: r.width,
        height: r.height,
        mark_pixels: mark,
        // Per mille of a count: at most 1000.
        transparent_per_mille: (transparent * 1000 / total.max(1)) as u32,
        ..QualityMetrics::default()
    };
    let mut findings = Vec::new();
    // Fewer than 0.1 % of the pixels, or fewer than 100: nothing to measure.
    if mark < 100 || mark * 1000 < total {
        findings.push(Finding {
            kind: FindingKind::NoMark,
            message: "未检测到印章图案，请检查裁剪范围，或调低去背景阈值后重试。".to_owned(),
        });
        return QualityReport {
            findings,
            metrics: m,
        };
    }
    let (x0, x1) = trimmed_span(&cols, mark);
    let (y0, y1) = trimmed_span(&rows, mark);
    let (bw, bh) = ((x1 - x0 + 1) as u32, (y1 - y0 + 1) as u32);
    m.mark_width = bw;
    m.mark_height = bh;
    m.dominant_colour_per_mille = (dominant(&hues) * 1000 / mark) as u32;
    m.sharpness_per_mille = sharpness(r, x0, x1, y0, y1);

    let (wmm, hmm) = (u32::from(declared.width_mm), u32::from(declared.height_mm));
    let need_w = (wmm * MIN_PIXELS_PER_MM).max(MIN_MARK_SIDE);
    let need_h = (hmm * MIN_PIXELS_PER_MM).max(MIN_MARK_SIDE);
    if bw < need_w || bh < need_h {
        findings.push(Finding {
            kind: FindingKind::TooSmall,
            message: format!(
                "印模图案太小（{bw}×{bh} 像素）：{wmm}×{hmm} 毫米的印章至少需要 {need_w}×{need_h} 像素（约 200 dpi），请靠近印章重新拍摄或上传更清晰的图片。"
            ),
        });
    }
    let (ew, eh) = declared.expected_ratio();
    let (bw64, bh64) = (u64::from(bw), u64::from(bh));
    if 100 * (bw64 * eh).abs_diff(bh64 * ew) > ASPECT_TOLERANCE_PERCENT * bh64 * ew {
        findings.push(Finding {
            kind: FindingKind::AspectMismatch,
            message: format!(
                "印模图案宽高比为 {}，与所选{}印章（{wmm}×{hmm} 毫米，宽高比应约为 {}）不符，请检查印章形状、尺寸或裁剪范围。",
                ratio_text(bw64, bh64),
                declared.shape.label(),
                ratio_text(ew, eh),
            ),
        });
    }
    if m.transparent_per_mille < MIN_TRANSPARENT_PER_MILLE {
        findings.push(Finding {
            kind: FindingKind::BackgroundNotTransparent,
            message: format!(
                "背景未去除：仅 {}% 的像素是透明的（至少需要 {}%），图片可能仍带白色或纸张底色，请调高去背景阈值或重新处理。",
                m.transparent_per_mille / 10,
                MIN_TRANSPARENT_PER_MILLE / 10
            ),
        });
    }
    if m.dominant_colour_per_mille < MIN_DOMINANT_PER_MILLE {
        findings.push(Finding {
            kind: FindingKind::SeveralColours,
            message: format!(
                "印模颜色不统一：主色只占图案的 {}%（至少需要 {}%），请选择一种印章颜色（{}）重新处理。",
                m.dominant_colour_per_mille / 10,
                MIN_DOMINANT_PER_MILLE / 10,
                InkColour::ALL.map(InkColour::name_zh).join("、"),
            ),
        });
    }
    if m.sharpness_per_mille < MIN_SHARPNESS_PER_MILLE {
        findings.push(Finding {
            kind: FindingKind::Blurred,
            message: format!(
                "印模图案模糊（清晰度 {}，至少需要 {}），请在光线充足处对焦后重新拍摄。",
                m.sharpness_per_mille, MIN_SHARPNESS_PER_MILLE
            ),
        });
    }
    QualityReport {
        findings,
        metrics: m,
    }
}

/// First and last index of `counts` once 0.2 % of `total` is trimmed from each end (stray specks
/// of noise do not stretch the box).
fn trimmed_span(counts: &[u64], total: u64) -> (usize, usize) {
    let trim = total / 500;
    let mut acc = 0;
    let mut first = 0;
    for (i, &c) in counts.iter().enumerate() {
        acc += c;
        if acc > trim {
            first = i;
            break;
        }
    }
    acc = 0;
    let mut last = counts.len().saturating_sub(1);
    for (i, &c) in counts.iter().enumerate().rev() {
        acc += c;
        if acc > trim {
            last = i;
            break;
        }
    }
    (first, last.max(first))
}

/// 0..=11: 30° hue sectors; 12: grey (chroma under 40).
fn hue_class(p: &[u8]) -> usize {
    let (r, g, b) = (i32::from(p[0]), i32::from(p[1]), i32::from(p[2]));
    let max = r.max(g).max(b);
    let d = max - r.min(g).min(b);
    if d < 40 {
        return 12;
    }
    let hue = if max == r {
        60 * (g - b) / d
    } else if max == g {
        120 + 60 * (b - r) / d
    } else {
        240 + 60 * (r - g) / d
    };
    // rem_euclid(360) / 30 is in 0..12.
    (hue.rem_euclid(360) / 30) as usize
}

/// Mark pixels in the best 60° hue window (two neighbouring sectors) or in grey.
fn dominant(hues: &[u64; 13]) -> u64 {
    let best_window = (0..12)
        .map(|i| hues[i] + hues[(i + 1) % 12])
        .max()
        .unwrap_or(0);
    best_window.max(hues[12])
}

/// [`QualityMetrics::sharpness_per_mille`] over the box `x0..=x1`, `y0..=y1`, on the ink
/// weight `alpha · strength / 255`.
fn sharpness(r: &Raster, x0: usize, x1: usize, y0: usize, y1: usize) -> u32 {
    let (w, ch) = (r.width as usize, r.channels);
    let (bx0, bx1) = (x0.saturating_sub(2), (x1 + 2).min(w - 1));
    let (by0, by1) = (y0.saturating_sub(2), (y1 + 2).min(r.height as usize - 1));
    let bw = bx1 - bx0 + 1;
    let weight = |x: usize, y: usize| -> i64 {
        let p = &r.data[(y * w + x) * ch..(y * w + x) * ch + ch];
        let a = if ch == 4 { i64::from(p[3]) } else { 255 };
        a * i64::from(strength(p)) / 255
    };
    // Three rows of ink weight at a time.
    let row = |y: usize| -> Vec<i64> { (bx0..=bx1).map(|x| weight(x, y)).collect() };
    if by1 < by0 + 2 || bw < 3 {
        return 0;
    }
    let (mut up, mut mid) = (row(by0), row(by0 + 1));
    let (mut lap2, mut grad2) = (0i64, 0i64);
    for y in by0 + 1..by1 {
        let down = row(y + 1);
        for x in 1..bw - 1 {
            let gx = mid[x + 1] - mid[x - 1];
            let gy = down[x] - up[x];
            let lap = mid[x + 1] + mid[x - 1] + up[x] + down[x] - 4 * mid[x];
            lap2 += lap * lap;
            grad2 += gx * gx + gy * gy;
        }
        up = std::mem::replace(&mut mid, down);
    }
    if grad2 == 0 {
        return 0;
    }
    // Σlap² ≤ 20·Σ… in practice well under 10⁶ per mille; clamp for the cast.
    (lap2 * 1000 / grad2).clamp(0, i64::from(u32::MAX)) as u32
}

/// The backdrop of a preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backdrop {
    /// White paper, `#FFFFFF`.
    White,
    /// A dark page, `#202124` (32, 33, 36).
    Dark,
}

impl Backdrop {
    /// The backdrop's RGB.
    pub const fn rgb(self) -> [u8; 3] {
        match self {
            Self::White => [0xFF, 0xFF, 0xFF],
            Self::Dark => [0x20, 0x21, 0x24],
        }
    }
}

/// The impression composited on `backdrop`, as an RGB PNG:
/// `c = (fg·a + bg·(255 − a) + 127) / 255` per channel.
pub fn preview(image: &[u8], backdrop: Backdrop) -> Result<Vec<u8>, ImpressionError> {
    let r = decode(image, true)?;
    let bg = backdrop.rgb().map(u32::from);
    let mut rgb = Vec::with_capacity(r.width as usize * r.height as usize * 3);
    for p in r.data.chunks_exact(r.channels) {
        let a = if r.channels == 4 {
            u32::from(p[3])
        } else {
            255
        };
        for c in 0..3 {
            // At most (255·255 + 127) / 255 = 255.
            rgb.push(((u32::from(p[c]) * a + bg[c] * (255 - a) + 127) / 255) as u8);
        }
    }
    encode_png(&rgb, r.width, r.height, image::ExtendedColorType::Rgb8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hue_classes() {
        assert_eq!(hue_class(&InkColour::Red.rgb()), 11);
        assert_eq!(hue_class(&InkColour::Blue.rgb()), 7);
        assert_eq!(hue_class(&InkColour::Purple.rgb()), 9);
        assert_eq!(hue_class(&InkColour::Black.rgb()), 12);
        assert_eq!(hue_class(&[255, 10, 0]), 0);
    }

    #[test]
    fn dominant_window_wraps_around_red() {
        // Reds on both sides of 0°: one colour.
        let mut hues = [0u64; 13];
        hues[11] = 50;
        hues[0] = 45;
        hues[6] = 5;
        assert_eq!(dominant(&hues), 95);
    }

    #[test]
    fn trimmed_span_ignores_specks() {
        let mut counts = vec![0u64; 100];
        counts[3] = 1; // a speck
        for c in &mut counts[20..80] {
            *c = 100;
        }
        counts[97] = 1;
        assert_eq!(trimmed_span(&counts, 6002), (20, 79));
    }

    #[test]
    fn ratio_text_rounds() {
        assert_eq!(ratio_text(4, 3), "1.33");
        assert_eq!(ratio_text(2, 3), "0.67");
        assert_eq!(ratio_text(1, 1), "1.00");
    }

    #[test]
    fn declared_shape_ratio() {
        let oval = DeclaredShape::new(Shape::Oval, 40, 30).unwrap();
        assert_eq!(oval.expected_ratio(), (40, 30));
        let round = DeclaredShape::new(Shape::Round, 38, 38).unwrap();
        assert_eq!(round.expected_ratio(), (1, 1));
    }
}

//! The impression pipeline: decode → crop → rotate → brightness/contrast → recolour →
//! transparent paper → PNG.
//!
//! Memory: the decoded RGB photo is the one large buffer; the crop is read in place from it, one
//! byte of alpha per cropped pixel is computed from it, then it is freed before the RGBA output
//! is built (rotated) from the alpha plane. A 12-megapixel photo peaks near 1.5 × its RGB size.
//!
//! Speed: brightness/contrast is a monotone tone curve, so the darkest channel after the curve
//! is the curve of the darkest channel before it; ink strength and alpha then come from one
//! 256-entry table indexed by `min(R, G, B)` (see [`Adjustments::alpha_table`]).

use image::ImageEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};

use crate::ImpressionError;
use crate::decode::{Raster, decode};

/// One of the four seal inks. Every output pixel has this colour; only alpha varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InkColour {
    /// 红 — vermilion seal ink, `#E60012` (230, 0, 18).
    Red,
    /// 蓝 — blue stamp-pad ink, `#0A4FA8` (10, 79, 168).
    Blue,
    /// 黑 — black ink, `#1A1A1A` (26, 26, 26).
    Black,
    /// 紫 — purple stamp-pad ink, `#6A1B9A` (106, 27, 154).
    Purple,
}

impl InkColour {
    /// All four, in the editor's order.
    pub const ALL: [InkColour; 4] = [Self::Red, Self::Blue, Self::Black, Self::Purple];

    /// The exact sRGB value written to the output.
    pub const fn rgb(self) -> [u8; 3] {
        match self {
            Self::Red => [0xE6, 0x00, 0x12],
            Self::Blue => [0x0A, 0x4F, 0xA8],
            Self::Black => [0x1A, 0x1A, 0x1A],
            Self::Purple => [0x6A, 0x1B, 0x9A],
        }
    }

    /// Stable name: `red`, `blue`, `black`, `purple`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Red => "red",
            Self::Blue => "blue",
            Self::Black => "black",
            Self::Purple => "purple",
        }
    }

    /// Chinese name: 红, 蓝, 黑, 紫.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Self::Red => "红",
            Self::Blue => "蓝",
            Self::Black => "黑",
            Self::Purple => "紫",
        }
    }

    /// The colour named by [`InkColour::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Clockwise rotation by a multiple of 90°, applied after the crop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Rotation {
    /// Unchanged.
    #[default]
    R0,
    /// 90° clockwise (as `convert -rotate 90`).
    R90,
    /// 180°.
    R180,
    /// 270° clockwise (90° counter-clockwise).
    R270,
}

impl Rotation {
    /// The rotation by `degrees` (clockwise; any multiple of 90, negative too), if a multiple
    /// of 90.
    pub fn from_degrees(degrees: i32) -> Option<Self> {
        if degrees % 90 != 0 {
            return None;
        }
        Some(match degrees.rem_euclid(360) {
            0 => Self::R0,
            90 => Self::R90,
            180 => Self::R180,
            _ => Self::R270,
        })
    }

    /// Clockwise degrees: 0, 90, 180 or 270.
    pub const fn degrees(self) -> u16 {
        match self {
            Self::R0 => 0,
            Self::R90 => 90,
            Self::R180 => 180,
            Self::R270 => 270,
        }
    }

    /// This rotation followed by `other`.
    pub fn then(self, other: Rotation) -> Rotation {
        let total = i32::from(self.degrees()) + i32::from(other.degrees());
        // A sum of multiples of 90 is a multiple of 90.
        Self::from_degrees(total).unwrap_or(Self::R0)
    }
}

/// A rectangle in the stored pixels of the photo (before rotation), top-left origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rect {
    /// Left edge, in pixels.
    pub x: u32,
    /// Top edge, in pixels.
    pub y: u32,
    /// Width, in pixels (at least 1).
    pub width: u32,
    /// Height, in pixels (at least 1).
    pub height: u32,
}

/// What the editor chose. Applied in this order: crop, rotate, brightness/contrast, recolour and
/// transparency.
///
/// Tone curve, per channel `v` in 0..=255, with `b` = brightness and `c` = contrast (each
/// −100..=100), all integer with halves rounded up:
/// `v' = clamp(128 + (v − 128)·(100 + c) / max(100 − c, 1) + b·255/100, 0, 255)`.
/// So `c = 0` keeps the slope, `c = 50` triples it, `c = −100` flattens to grey; `b = ±100`
/// shifts by a full ±255.
///
/// Transparency: ink strength `s = 255 − min(R', G', B')` (how much the darkest channel is
/// absorbed: darkness for black ink, saturation for coloured inks; paper is near 0). With
/// threshold `t` and ramp `w = clamp(255 − t, 1, 64)`: `alpha = 0` if `s ≤ t`, else
/// `min(255, ((s − t)·255 + w/2) / w)`. Every output pixel gets the ink colour's RGB and that
/// alpha.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Adjustments {
    /// Part of the photo to keep; `None` keeps all of it.
    pub crop: Option<Rect>,
    /// Clockwise rotation after the crop.
    pub rotation: Rotation,
    /// −100..=100; 0 leaves brightness unchanged.
    pub brightness: i16,
    /// −100..=100; 0 leaves contrast unchanged.
    pub contrast: i16,
    /// The ink every mark pixel is painted with.
    pub colour: InkColour,
    /// Ink strength at or below which a pixel is paper (alpha 0). Default 64.
    pub threshold: u8,
}

impl Default for Adjustments {
    fn default() -> Self {
        Self {
            crop: None,
            rotation: Rotation::R0,
            brightness: 0,
            contrast: 0,
            colour: InkColour::Red,
            threshold: Self::DEFAULT_THRESHOLD,
        }
    }
}

/// `round(n / d)` for `d > 0`, halves rounded up (towards +∞), exact for negative `n` too.
fn div_round(n: i64, d: i64) -> i64 {
    (2 * n + d).div_euclid(2 * d)
}

impl Adjustments {
    /// Default transparency threshold: light paper, shadows and JPEG noise stay below it.
    pub const DEFAULT_THRESHOLD: u8 = 64;

    /// Most ink strength over the threshold needed for full opacity.
    const ALPHA_RAMP: i64 = 64;

    fn validate(&self) -> Result<(), ImpressionError> {
        for (name, value) in [("brightness", self.brightness), ("contrast", self.contrast)] {
            if !(-100..=100).contains(&value) {
                return Err(ImpressionError::InvalidAdjustment { name, value });
            }
        }
        Ok(())
    }

    /// The brightness/contrast curve as a table (monotone non-decreasing).
    pub fn tone_table(&self) -> [u8; 256] {
        let c = i64::from(self.contrast);
        let (num, den) = (100 + c, (100 - c).max(1));
        let shift = div_round(i64::from(self.brightness) * 255, 100);
        let mut table = [0u8; 256];
        for (v, out) in (0i64..).zip(table.iter_mut()) {
            let t = 128 + div_round((v - 128) * num, den) + shift;
            // Clamped to 0..=255 just before: the cast keeps the value.
            *out = t.clamp(0, 255) as u8;
        }
        table
    }

    /// Alpha by `min(R, G, B)` of an input pixel: the tone curve, ink strength and the threshold
    /// ramp in one table. Exact because the curve is monotone: `min(f(r), f(g), f(b)) =
    /// f(min(r, g, b))`.
    pub fn alpha_table(&self) -> [u8; 256] {
        let tone = self.tone_table();
        let t = i64::from(self.threshold);
        let w = (255 - t).clamp(1, Self::ALPHA_RAMP);
        let mut table = [0u8; 256];
        for (out, toned) in table.iter_mut().zip(tone) {
            let s = 255 - i64::from(toned);
            *out = if s <= t {
                0
            } else {
                // min(255, …) keeps the value in a byte.
                (((s - t) * 255 + w / 2) / w).min(255) as u8
            };
        }
        table
    }
}

/// A processed impression: a PNG (8-bit RGBA) and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Impression {
    /// The PNG bytes.
    pub png: Vec<u8>,
    /// Width in pixels (after rotation).
    pub width: u32,
    /// Height in pixels (after rotation).
    pub height: u32,
}

/// Runs the pipeline on a PNG or JPEG upload. See [`Adjustments`] for the formulas.
pub fn process(input: &[u8], adjustments: &Adjustments) -> Result<Impression, ImpressionError> {
    adjustments.validate()?;
    let raster = decode(input, false)?;
    let crop = crop_rect(&raster, adjustments.crop)?;
    let alpha = alpha_plane(&raster, crop, &adjustments.alpha_table());
    drop(raster);
    let (width, height, rgba) = rotate_to_rgba(
        &alpha,
        crop.width,
        crop.height,
        adjustments.rotation,
        adjustments.colour.rgb(),
    );
    drop(alpha);
    let png = encode_rgba(&rgba, width, height)?;
    Ok(Impression { png, width, height })
}

/// The crop, checked to be non-empty and inside the image; the whole image when `None`.
fn crop_rect(raster: &Raster, crop: Option<Rect>) -> Result<Rect, ImpressionError> {
    let Some(r) = crop else {
        return Ok(Rect {
            x: 0,
            y: 0,
            width: raster.width,
            height: raster.height,
        });
    };
    let inside = r.width > 0
        && r.height > 0
        && r.x.checked_add(r.width).is_some_and(|e| e <= raster.width)
        && r.y
            .checked_add(r.height)
            .is_some_and(|e| e <= raster.height);
    if inside {
        Ok(r)
    } else {
        Err(ImpressionError::CropOutside {
            x: r.x,
            y: r.y,
            width: r.width,
            height: r.height,
            image_width: raster.width,
            image_height: raster.height,
        })
    }
}

/// One alpha byte per pixel of `crop`, rows top to bottom, from an RGB raster.
fn alpha_plane(raster: &Raster, crop: Rect, table: &[u8; 256]) -> Vec<u8> {
    let ch = raster.channels;
    let stride = raster.width as usize * ch;
    let (cx, cw) = (crop.x as usize, crop.width as usize);
    let mut alpha = Vec::with_capacity(cw * crop.height as usize);
    for row in raster
        .data
        .chunks_exact(stride)
        .skip(crop.y as usize)
        .take(crop.height as usize)
    {
        let row = &row[cx * ch..(cx + cw) * ch];
        alpha.extend(
            row.chunks_exact(ch)
                .map(|p| table[usize::from(p[0].min(p[1]).min(p[2]))]),
        );
    }
    alpha
}

/// The RGBA output: `colour` everywhere, alpha from `alpha` (`w`×`h`) rotated clockwise.
fn rotate_to_rgba(
    alpha: &[u8],
    w: u32,
    h: u32,
    rotation: Rotation,
    colour: [u8; 3],
) -> (u32, u32, Vec<u8>) {
    let (w, h) = (w as usize, h as usize);
    let (ow, oh) = match rotation {
        Rotation::R0 | Rotation::R180 => (w, h),
        Rotation::R90 | Rotation::R270 => (h, w),
    };
    let px = u32::from_le_bytes([colour[0], colour[1], colour[2], 0]);
    let mut out = vec![0u8; ow * oh * 4];
    let put = |out: &mut [u8], i: usize, a: u8| {
        out[4 * i..4 * i + 4].copy_from_slice(&(px | u32::from(a) << 24).to_le_bytes());
    };
    match rotation {
        Rotation::R0 => {
            for (i, &a) in alpha.iter().enumerate() {
                put(&mut out, i, a);
            }
        }
        Rotation::R180 => {
            for (i, &a) in alpha.iter().rev().enumerate() {
                put(&mut out, i, a);
            }
        }
        Rotation::R90 | Rotation::R270 => {
            // Tiles keep both the reads and the writes within a few cache lines.
            const TILE: usize = 64;
            for ty in (0..oh).step_by(TILE) {
                for tx in (0..ow).step_by(TILE) {
                    for oy in ty..(ty + TILE).min(oh) {
                        for ox in tx..(tx + TILE).min(ow) {
                            // Clockwise 90: output (ox, oy) shows source (oy, h − 1 − ox).
                            let (sx, sy) = if rotation == Rotation::R90 {
                                (oy, h - 1 - ox)
                            } else {
                                (w - 1 - oy, ox)
                            };
                            put(&mut out, oy * ow + ox, alpha[sy * w + sx]);
                        }
                    }
                }
            }
        }
    }
    // Dimensions come from a decoded image's u32 sides.
    (ow as u32, oh as u32, out)
}

/// PNG with fixed settings (fast deflate, adaptive filters): the same pixels give the same
/// bytes for a given `png`/`fdeflate` version.
pub(crate) fn encode_png(
    data: &[u8],
    width: u32,
    height: u32,
    colour: image::ExtendedColorType,
) -> Result<Vec<u8>, ImpressionError> {
    let mut png = Vec::with_capacity(data.len() / 8);
    PngEncoder::new_with_quality(&mut png, CompressionType::Fast, FilterType::Adaptive)
        .write_image(data, width, height, colour)
        .map_err(|e| ImpressionError::Encode(e.to_string()))?;
    Ok(png)
}

fn encode_rgba(rgba: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ImpressionError> {
    encode_png(rgba, width, height, image::ExtendedColorType::Rgba8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutral_tone_is_identity() {
        let t = Adjustments::default().tone_table();
        assert!(t.iter().enumerate().all(|(i, &v)| usize::from(v) == i));
    }

    #[test]
    fn tone_formula_points() {
        let a = Adjustments {
            brightness: 10,
            contrast: 50,
            ..Adjustments::default()
        };
        let t = a.tone_table();
        // 128 + (0 − 128)·150/50 + 26 → clamped to 0; 128 + 0 + 26 = 154; 128 + 10·3 + 26 = 184.
        assert_eq!(t[0], 0);
        assert_eq!(t[128], 154);
        assert_eq!(t[138], 184);
        let flat = Adjustments {
            contrast: -100,
            ..Adjustments::default()
        };
        assert!(flat.tone_table().iter().all(|&v| v == 128));
    }

    #[test]
    fn alpha_ramp() {
        let a = Adjustments::default().alpha_table();
        // Paper (min channel 255 − 64 and lighter) is transparent; ink 64 stronger is opaque.
        assert_eq!(a[255 - 64], 0);
        assert_eq!(a[255 - 65], 4);
        assert_eq!(a[255 - 128], 255);
        assert!(a.windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn rotation_composes() {
        assert_eq!(Rotation::R90.then(Rotation::R270), Rotation::R0);
        assert_eq!(Rotation::from_degrees(-90), Some(Rotation::R270));
        assert_eq!(Rotation::from_degrees(45), None);
    }

    #[test]
    fn div_round_halves_up() {
        assert_eq!(div_round(5, 2), 3);
        assert_eq!(div_round(-5, 2), -2);
        assert_eq!(div_round(-7, 3), -2);
    }
}

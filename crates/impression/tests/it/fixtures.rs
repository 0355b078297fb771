//! Seal photos drawn by code: a ring, a five-pointed star, text-like strokes along the upper
//! arc and in a line under the star, in ink on off-white paper with deterministic noise and a
//! small tilt. Everything is integer or `f64` arithmetic with no platform-dependent functions
//! beyond `sin`/`cos`/`sqrt` on fixed inputs, rounded to whole samples.

use image::ImageEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};

/// An RGB picture.
#[derive(Clone)]
pub struct Photo {
    pub width: u32,
    pub height: u32,
    pub rgb: Vec<u8>,
}

/// How to draw the seal.
#[derive(Clone, Copy)]
pub struct Seal {
    /// Photo size.
    pub width: u32,
    pub height: u32,
    /// Centre of the seal in the photo.
    pub cx: f64,
    pub cy: f64,
    /// Outer radius, in pixels (horizontal; `squash` scales the vertical).
    pub radius: f64,
    /// Vertical radius / horizontal radius (1.0: round).
    pub squash: f64,
    /// Tilt, degrees clockwise.
    pub tilt: f64,
    /// Ink colour.
    pub ink: [u8; 3],
    /// Paper colour.
    pub paper: [u8; 3],
    /// Noise amplitude (± per channel).
    pub noise: i32,
    /// Anti-aliasing by 2×2 supersampling; off gives a two-level picture.
    pub antialias: bool,
    pub seed: u64,
}

impl Default for Seal {
    fn default() -> Self {
        Seal {
            width: 800,
            height: 600,
            cx: 400.0,
            cy: 300.0,
            radius: 220.0,
            squash: 1.0,
            tilt: 3.0,
            ink: [200, 28, 38],
            paper: [241, 236, 224],
            noise: 6,
            antialias: true,
            seed: 1,
        }
    }
}

/// xorshift64*: deterministic noise.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in -a..=a.
    pub fn pm(&mut self, a: i32) -> i32 {
        if a == 0 {
            return 0;
        }
        (self.next() >> 33) as i32 % (2 * a + 1) - a
    }
}

/// Whether the point (u, v) of the seal's own frame (centre at 0, radius 1, y down) is ink.
fn ink_at(u: f64, v: f64) -> bool {
    let r = (u * u + v * v).sqrt();
    // Ring.
    if (0.90..=1.0).contains(&r) {
        return true;
    }
    if in_star(u, v + 0.05, 0.28) {
        return true;
    }
    // Text along the upper arc: 8 glyphs, each 3 strokes in a frame facing outwards.
    for k in 0..8 {
        let angle = (200.0 + 20.0 * k as f64).to_radians();
        let (gx, gy) = (0.70 * angle.cos(), 0.70 * angle.sin());
        // Local frame: `t` along the arc, `n` outwards.
        let (du, dv) = (u - gx, v - gy);
        let n = du * angle.cos() + dv * angle.sin();
        let t = -du * angle.sin() + dv * angle.cos();
        if glyph(t, n, k) {
            return true;
        }
    }
    // A line of 4 glyphs under the star.
    for k in 0..4 {
        let gx = -0.27 + 0.18 * k as f64;
        if glyph(u - gx, -(v - 0.55), k + 3) {
            return true;
        }
    }
    false
}

/// A glyph of size about 0.14 around (0, 0): strokes 0.03 thick, chosen by `k`.
fn glyph(t: f64, n: f64, k: usize) -> bool {
    let half = 0.065;
    let th = 0.016;
    if t.abs() > half || n.abs() > half {
        return false;
    }
    let top = (n - half + th).abs() <= th;
    let mid_h = n.abs() <= th;
    let bottom = (n + half - th).abs() <= th;
    let centre_v = t.abs() <= th;
    let left_v = (t + half - th).abs() <= th;
    let right_v = (t - half + th).abs() <= th;
    match k % 4 {
        0 => top || centre_v || bottom,
        1 => left_v || mid_h || right_v,
        2 => top || mid_h || left_v,
        _ => bottom || centre_v || right_v || top,
    }
}

/// A five-pointed star of outer radius `r`, point up.
fn in_star(u: f64, v: f64, r: f64) -> bool {
    let pts: Vec<(f64, f64)> = (0..10)
        .map(|i| {
            let rad = if i % 2 == 0 { r } else { r * 0.382 };
            let a = (-90.0 + 36.0 * i as f64).to_radians();
            (rad * a.cos(), rad * a.sin())
        })
        .collect();
    // Even-odd crossing test.
    let mut inside = false;
    let mut j = pts.len() - 1;
    for i in 0..pts.len() {
        let (xi, yi) = pts[i];
        let (xj, yj) = pts[j];
        if (yi > v) != (yj > v) && u < (xj - xi) * (v - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

impl Seal {
    /// Draws the photo.
    pub fn draw(&self) -> Photo {
        let mut rgb = Vec::with_capacity(self.width as usize * self.height as usize * 3);
        let mut rng = Rng::new(self.seed);
        let (s, c) = self.tilt.to_radians().sin_cos();
        let subs: &[(f64, f64)] = if self.antialias {
            &[(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)]
        } else {
            &[(0.5, 0.5)]
        };
        let reach = self.radius * 1.02;
        for y in 0..self.height {
            for x in 0..self.width {
                let mut hits = 0;
                let near = (x as f64 - self.cx).abs() <= reach
                    && (y as f64 - self.cy).abs() <= reach * self.squash.max(1.0);
                if near {
                    for &(ox, oy) in subs {
                        let (dx, dy) = (x as f64 + ox - self.cx, y as f64 + oy - self.cy);
                        // Undo the clockwise tilt, then the squash.
                        let (u, v) = (dx * c + dy * s, -dx * s + dy * c);
                        if ink_at(u / self.radius, v / (self.radius * self.squash)) {
                            hits += 1;
                        }
                    }
                }
                let n = subs.len() as i32;
                // Uneven ink: a little lighter in places, as a real stamp.
                let blot = rng.pm(10);
                for ch in 0..3 {
                    let ink = (i32::from(self.ink[ch]) + blot).clamp(0, 255);
                    let paper = i32::from(self.paper[ch]);
                    let v = (ink * hits + paper * (n - hits)) / n + rng.pm(self.noise);
                    rgb.push(v.clamp(0, 255) as u8);
                }
            }
        }
        Photo {
            width: self.width,
            height: self.height,
            rgb,
        }
    }
}

impl Photo {
    /// Box blur of radius `r`, `passes` times (about a Gaussian of σ ≈ r·√(passes/3)).
    pub fn blurred(&self, r: usize, passes: usize) -> Photo {
        let (w, h) = (self.width as usize, self.height as usize);
        let mut data = self.rgb.clone();
        for _ in 0..passes {
            for horizontal in [true, false] {
                let src = data.clone();
                for y in 0..h {
                    for x in 0..w {
                        for ch in 0..3 {
                            let mut sum = 0u32;
                            let mut n = 0u32;
                            for d in -(r as isize)..=(r as isize) {
                                let (sx, sy) = if horizontal {
                                    (x as isize + d, y as isize)
                                } else {
                                    (x as isize, y as isize + d)
                                };
                                if sx >= 0 && sy >= 0 && (sx as usize) < w && (sy as usize) < h {
                                    sum += u32::from(src[(sy as usize * w + sx as usize) * 3 + ch]);
                                    n += 1;
                                }
                            }
                            data[(y * w + x) * 3 + ch] = ((sum + n / 2) / n) as u8;
                        }
                    }
                }
            }
        }
        Photo {
            width: self.width,
            height: self.height,
            rgb: data,
        }
    }

    pub fn jpeg(&self, quality: u8) -> Vec<u8> {
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, quality)
            .write_image(
                &self.rgb,
                self.width,
                self.height,
                image::ExtendedColorType::Rgb8,
            )
            .unwrap();
        out
    }

    pub fn png(&self) -> Vec<u8> {
        encode_png(
            &self.rgb,
            self.width,
            self.height,
            image::ExtendedColorType::Rgb8,
        )
    }
}

pub fn encode_png(data: &[u8], w: u32, h: u32, colour: image::ExtendedColorType) -> Vec<u8> {
    let mut out = Vec::new();
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive)
        .write_image(data, w, h, colour)
        .unwrap();
    out
}

/// Decodes a PNG to RGBA8.
pub fn rgba_of(png: &[u8]) -> (u32, u32, Vec<u8>) {
    let img = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .unwrap()
        .into_rgba8();
    (img.width(), img.height(), img.into_raw())
}

/// The usual crop of the default photo: the seal with a margin.
pub fn seal_crop() -> yizhao_impression::Rect {
    yizhao_impression::Rect {
        x: 160,
        y: 60,
        width: 480,
        height: 480,
    }
}

pub fn sm3_hex(data: &[u8]) -> String {
    hex::encode(yizhao_gm::sm3(data))
}

/// CRC-32 (PNG chunks), bitwise.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A real 1×1 PNG whose IHDR claims `w`×`h` (CRC fixed up): a decompression bomb's header.
pub fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut png = encode_png(&[0, 0, 0], 1, 1, image::ExtendedColorType::Rgb8);
    png[16..20].copy_from_slice(&w.to_be_bytes());
    png[20..24].copy_from_slice(&h.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// A 1×1 16-bit RGBA PNG whose IHDR claims `w`×`h` (8 bytes a pixel once decoded).
pub fn png16_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut png = encode_png(&[0; 8], 1, 1, image::ExtendedColorType::Rgba16);
    png[16..20].copy_from_slice(&w.to_be_bytes());
    png[20..24].copy_from_slice(&h.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// A real 8×8 JPEG whose SOF claims `w`×`h`.
pub fn jpeg_claiming(w: u16, h: u16) -> Vec<u8> {
    let photo = Photo {
        width: 8,
        height: 8,
        rgb: vec![128; 8 * 8 * 3],
    };
    let mut jpeg = photo.jpeg(80);
    let mut i = 2;
    while i + 9 < jpeg.len() {
        let marker = jpeg[i + 1];
        let len = usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        if marker == 0xC0 || marker == 0xC2 {
            jpeg[i + 5..i + 7].copy_from_slice(&h.to_be_bytes());
            jpeg[i + 7..i + 9].copy_from_slice(&w.to_be_bytes());
            return jpeg;
        }
        i += 2 + len;
    }
    panic!("no SOF in the JPEG")
}

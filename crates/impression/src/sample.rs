//! A drawn seal photo, for demos, page tests and examples: a red ring, a five-pointed star and
//! stroke "characters" on off-white paper, sharp, deterministic. (The crate's own tests draw
//! noisier and tilted photos.)

/// A PNG photo, `side` × `side` pixels, of a round seal filling most of it.
pub fn seal_photo(side: u32) -> Vec<u8> {
    let c = f64::from(side) / 2.0;
    let radius = c * 0.92;
    let img = image::RgbImage::from_fn(side, side, |x, y| {
        let u = (f64::from(x) + 0.5 - c) / radius;
        let v = (f64::from(y) + 0.5 - c) / radius;
        if ink_at(u, v) {
            image::Rgb([196, 24, 34])
        } else {
            image::Rgb([247, 245, 238])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    // Writing a valid in-memory RGB image as PNG cannot fail but for memory.
    if img.write_to(&mut out, image::ImageFormat::Png).is_err() {
        return Vec::new();
    }
    out.into_inner()
}

/// A PNG photo as a phone takes one, `side` × `side` pixels: the seal (radius `0.35 × side`,
/// centred) on dimmer, greyish paper with duller ink, and turned sideways (its top to the left,
/// as when the phone is held in landscape). [`as_taken_crop`] and a 90° clockwise turn bring
/// it back to a square, upright seal.
pub fn seal_photo_as_taken(side: u32) -> Vec<u8> {
    let c = f64::from(side) / 2.0;
    let radius = f64::from(side) * 0.35;
    let img = image::RgbImage::from_fn(side, side, |x, y| {
        // Display (u', v') shows the seal's (u, v) = (−v', u'): turned 90° counter-clockwise.
        let du = (f64::from(x) + 0.5 - c) / radius;
        let dv = (f64::from(y) + 0.5 - c) / radius;
        let (u, v) = (-dv, du);
        // Paper darkening towards the bottom right, as under a lamp.
        let shade = ((f64::from(x) + f64::from(y)) / f64::from(2 * side) * 24.0) as u8;
        if ink_at(u, v) {
            image::Rgb([176u8.saturating_sub(shade), 48, 52])
        } else {
            image::Rgb([
                226u8.saturating_sub(shade),
                220u8.saturating_sub(shade),
                206u8.saturating_sub(shade),
            ])
        }
    });
    let mut out = std::io::Cursor::new(Vec::new());
    if img.write_to(&mut out, image::ImageFormat::Png).is_err() {
        return Vec::new();
    }
    out.into_inner()
}

/// The square around the seal of [`seal_photo_as_taken`]`(side)`, with a small margin: `(x, y,
/// width, height)`.
pub fn as_taken_crop(side: u32) -> (u32, u32, u32, u32) {
    let half = side * 37 / 100;
    let c = side / 2;
    (c - half, c - half, 2 * half, 2 * half)
}

/// Whether the point (u, v) of the seal's frame (centre 0, radius 1) is ink.
fn ink_at(u: f64, v: f64) -> bool {
    let r = (u * u + v * v).sqrt();
    if (0.88..=1.0).contains(&r) {
        return true;
    }
    if in_star(u, v + 0.05, 0.3) {
        return true;
    }
    // Strokes along the upper arc and under the star, like characters.
    for k in 0..9 {
        let a = (195.0 + 18.75 * f64::from(k)).to_radians();
        if stroke_box(u - 0.68 * a.cos(), v - 0.68 * a.sin(), k) {
            return true;
        }
    }
    (0..4).any(|k| stroke_box(u - (-0.27 + 0.18 * f64::from(k)), v - 0.55, k + 2))
}

/// A "character" of about 0.13 around (0, 0): three bars chosen by `k`.
fn stroke_box(t: f64, n: f64, k: u32) -> bool {
    let (half, th) = (0.065, 0.018);
    if t.abs() > half || n.abs() > half {
        return false;
    }
    let top = (n - half + th).abs() <= th;
    let mid = n.abs() <= th;
    let bottom = (n + half - th).abs() <= th;
    let left = (t + half - th).abs() <= th;
    let centre = t.abs() <= th;
    let right = (t - half + th).abs() <= th;
    match k % 3 {
        0 => top || centre || bottom,
        1 => left || mid || right,
        _ => top || mid || left || bottom,
    }
}

/// A five-pointed star of outer radius `r`, point up (even-odd test on its outline).
fn in_star(u: f64, v: f64, r: f64) -> bool {
    let pts: Vec<(f64, f64)> = (0..10)
        .map(|i| {
            let a = (-90.0 + 36.0 * f64::from(i)).to_radians();
            let rr = if i % 2 == 0 { r } else { r * 0.4 };
            (rr * a.cos(), rr * a.sin())
        })
        .collect();
    let mut inside = false;
    let mut j = pts.len() - 1;
    for i in 0..pts.len() {
        let ((xi, yi), (xj, yj)) = (pts[i], pts[j]);
        if (yi > v) != (yj > v) && u < (xj - xi) * (v - yi) / (yj - yi) + xi {
            inside = !inside;
        }
        j = i;
    }
    inside
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{Adjustments, DeclaredShape, check, process};
    use yizhao_domain::seal::Shape;

    #[test]
    fn the_sample_passes_the_quality_checks_once_processed() {
        let photo = seal_photo(480);
        let out = process(&photo, &Adjustments::default()).unwrap();
        let report = check(&out.png, &DeclaredShape::new(Shape::Round, 40, 40).unwrap()).unwrap();
        assert!(report.passed(), "{:?}", report.findings);
        assert_eq!(seal_photo(480), photo, "deterministic");
    }
}

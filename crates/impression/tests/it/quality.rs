//! The quality checks flag blurred, white-backed, wrong-shape, small and many-coloured marks, and
//! pass a good one.

use yizhao_domain::seal::Shape;
use yizhao_impression::{
    Adjustments, Backdrop, DeclaredShape, FindingKind, InkColour, Rect, check, preview, process,
};

use crate::fixtures::{Photo, Seal, encode_png, rgba_of, seal_crop};

fn round42() -> DeclaredShape {
    DeclaredShape::new(Shape::Round, 42, 42).unwrap()
}

fn processed(photo: &[u8]) -> Vec<u8> {
    process(
        photo,
        &Adjustments {
            crop: Some(seal_crop()),
            ..Adjustments::default()
        },
    )
    .unwrap()
    .png
}

fn kinds(report: &yizhao_impression::QualityReport) -> Vec<&'static str> {
    report.findings.iter().map(|f| f.code()).collect()
}

#[test]
fn a_good_seal_passes() {
    let png = processed(&Seal::default().draw().jpeg(90));
    let report = check(&png, &round42()).unwrap();
    assert!(report.passed(), "{:?} {:?}", kinds(&report), report.metrics);
    let m = report.metrics;
    // The drawn ring is 440 px across; the box is trimmed a little.
    assert!((420..=450).contains(&m.mark_width), "{m:?}");
    assert!((420..=450).contains(&m.mark_height), "{m:?}");
    assert_eq!(m.dominant_colour_per_mille, 1000);
}

#[test]
fn a_blurred_seal_is_flagged() {
    let sharp = processed(&Seal::default().draw().jpeg(90));
    let blurred = processed(&Seal::default().draw().blurred(4, 2).jpeg(90));
    let s = check(&sharp, &round42()).unwrap();
    let b = check(&blurred, &round42()).unwrap();
    assert!(!s.has(FindingKind::Blurred), "{:?}", s.metrics);
    assert!(b.has(FindingKind::Blurred), "{:?}", b.metrics);
    assert!(b.metrics.sharpness_per_mille * 2 < s.metrics.sharpness_per_mille);
    let finding = b
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::Blurred)
        .unwrap();
    assert_eq!(finding.code(), "impression.blurred");
    assert!(finding.message.contains("模糊"), "{}", finding.message);
}

#[test]
fn a_white_backed_picture_is_flagged() {
    // The photo itself, opaque paper and all, checked as if it were the impression.
    let photo = Seal::default().draw();
    let crop = seal_crop();
    let (w, h) = (crop.width as usize, crop.height as usize);
    let mut rgb = Vec::with_capacity(w * h * 3);
    for y in crop.y as usize..crop.y as usize + h {
        let start = (y * photo.width as usize + crop.x as usize) * 3;
        rgb.extend_from_slice(&photo.rgb[start..start + w * 3]);
    }
    let opaque = Photo {
        width: crop.width,
        height: crop.height,
        rgb,
    }
    .png();
    let report = check(&opaque, &round42()).unwrap();
    assert!(
        report.has(FindingKind::BackgroundNotTransparent),
        "{:?}",
        kinds(&report)
    );
    assert_eq!(report.metrics.transparent_per_mille, 0);
    // Threshold 0 through the pipeline leaves the noisy paper faintly opaque: flagged too.
    let hazy = process(
        &Seal::default().draw().jpeg(90),
        &Adjustments {
            crop: Some(crop),
            threshold: 0,
            ..Adjustments::default()
        },
    )
    .unwrap();
    let report = check(&hazy.png, &round42()).unwrap();
    assert!(
        report.has(FindingKind::BackgroundNotTransparent),
        "{:?}",
        report.metrics
    );
    let message = &report
        .findings
        .iter()
        .find(|f| f.kind == FindingKind::BackgroundNotTransparent)
        .unwrap()
        .message;
    assert!(message.contains("透明"), "{message}");
}

#[test]
fn a_wrong_aspect_is_flagged() {
    let round = processed(&Seal::default().draw().jpeg(90));
    let oval = DeclaredShape::new(Shape::Oval, 40, 30).unwrap();
    let report = check(&round, &oval).unwrap();
    assert_eq!(kinds(&report), ["impression.aspect_mismatch"]);
    assert!(
        report.findings[0].message.contains("椭圆形"),
        "{}",
        report.findings[0].message
    );
    // An oval drawn 4:3 passes as a 40 × 30 oval and fails as a round seal.
    let photo = Seal {
        squash: 0.75,
        tilt: 0.0,
        ..Seal::default()
    }
    .draw()
    .jpeg(90);
    let png = process(
        &photo,
        &Adjustments {
            crop: Some(Rect {
                x: 160,
                y: 120,
                width: 480,
                height: 360,
            }),
            ..Adjustments::default()
        },
    )
    .unwrap()
    .png;
    let as_oval = check(&png, &oval).unwrap();
    assert!(
        as_oval.passed(),
        "{:?} {:?}",
        kinds(&as_oval),
        as_oval.metrics
    );
    assert!(
        check(&png, &round42())
            .unwrap()
            .has(FindingKind::AspectMismatch)
    );
}

#[test]
fn a_small_mark_is_flagged() {
    let photo = Seal {
        width: 300,
        height: 300,
        cx: 150.0,
        cy: 150.0,
        radius: 110.0,
        ..Seal::default()
    }
    .draw()
    .jpeg(90);
    let png = process(&photo, &Adjustments::default()).unwrap().png;
    let report = check(&png, &round42()).unwrap();
    assert_eq!(kinds(&report), ["impression.too_small"]);
    assert!(
        report.findings[0].message.contains("336×336"),
        "{}",
        report.findings[0].message
    );
}

#[test]
fn several_colours_are_flagged() {
    // A transparent picture whose left half of the mark is red and right half blue.
    let photo = Seal::default().draw();
    let crop = seal_crop();
    let mut rgba = Vec::new();
    for y in crop.y..crop.y + crop.height {
        for x in crop.x..crop.x + crop.width {
            let i = ((y * photo.width + x) * 3) as usize;
            let ink = photo.rgb[i + 1] < 128;
            let colour = if x < 400 {
                InkColour::Red
            } else {
                InkColour::Blue
            }
            .rgb();
            rgba.extend_from_slice(&colour);
            rgba.push(if ink { 255 } else { 0 });
        }
    }
    let png = encode_png(
        &rgba,
        crop.width,
        crop.height,
        image::ExtendedColorType::Rgba8,
    );
    let report = check(&png, &round42()).unwrap();
    assert_eq!(
        kinds(&report),
        ["impression.several_colours"],
        "{:?}",
        report.metrics
    );
}

#[test]
fn nothing_left_is_no_mark() {
    let png = process(
        &Seal::default().draw().png(),
        &Adjustments {
            threshold: 255,
            ..Adjustments::default()
        },
    )
    .unwrap()
    .png;
    let report = check(&png, &round42()).unwrap();
    assert_eq!(kinds(&report), ["impression.no_mark"]);
}

#[test]
fn previews_put_the_mark_on_white_and_dark() {
    let png = processed(&Seal::default().draw().jpeg(90));
    let (_, _, src) = rgba_of(&png);
    for backdrop in [Backdrop::White, Backdrop::Dark] {
        let (w, h, px) = rgba_of(&preview(&png, backdrop).unwrap());
        assert_eq!((w, h), (480, 480));
        assert!(px.chunks_exact(4).all(|p| p[3] == 255));
        // A corner is the backdrop, an opaque mark pixel the ink.
        assert_eq!(px[..3], backdrop.rgb());
        let ink = src.chunks_exact(4).position(|p| p[3] == 255).unwrap();
        assert_eq!(px[ink * 4..ink * 4 + 3], InkColour::Red.rgb());
    }
}

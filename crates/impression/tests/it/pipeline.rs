//! Properties of the pipeline: rotation, crop, recolour, transparency, determinism.

use yizhao_impression::{Adjustments, ImpressionError, InkColour, Rect, Rotation, process};

use crate::fixtures::{Photo, Seal, rgba_of, seal_crop};

/// A two-level PNG photo: the pipeline maps it to alpha 0 or 255 only, so feeding its output
/// back in gives the same pixels (what makes rotation round trips exact).
fn binary_seal() -> Vec<u8> {
    Seal {
        antialias: false,
        noise: 0,
        ink: [0, 0, 0],
        paper: [255, 255, 255],
        tilt: 0.0,
        ..Seal::default()
    }
    .draw()
    .png()
}

fn adj(rotation: Rotation) -> Adjustments {
    Adjustments {
        rotation,
        ..Adjustments::default()
    }
}

#[test]
fn four_quarter_turns_return_the_original() {
    let crop = Rect {
        x: 150,
        y: 70,
        width: 500,
        height: 460,
    };
    let first = process(
        &binary_seal(),
        &Adjustments {
            crop: Some(crop),
            ..Adjustments::default()
        },
    )
    .unwrap();
    assert_eq!((first.width, first.height), (500, 460));
    let mut png = first.png.clone();
    for turn in 1..=4 {
        let out = process(&png, &adj(Rotation::R90)).unwrap();
        let expect = if turn % 2 == 1 {
            (460, 500)
        } else {
            (500, 460)
        };
        assert_eq!((out.width, out.height), expect, "turn {turn}");
        png = out.png;
    }
    assert_eq!(png, first.png);
    // 90 then 270, and 180 twice, are identities too.
    let back = process(
        &process(&first.png, &adj(Rotation::R90)).unwrap().png,
        &adj(Rotation::R270),
    );
    assert_eq!(back.unwrap().png, first.png);
    let half = process(&first.png, &adj(Rotation::R180)).unwrap().png;
    assert_eq!(process(&half, &adj(Rotation::R180)).unwrap().png, first.png);
}

#[test]
fn rotation_moves_pixels_clockwise() {
    // 3 × 2 white picture with one black pixel at (2, 0), the top-right corner.
    let mut rgb = vec![255u8; 3 * 2 * 3];
    rgb[2 * 3..2 * 3 + 3].copy_from_slice(&[0, 0, 0]);
    let png = Photo {
        width: 3,
        height: 2,
        rgb,
    }
    .png();
    let alpha_at = |rot: Rotation| {
        let out = process(&png, &adj(rot)).unwrap();
        let (w, h, px) = rgba_of(&out.png);
        let dark: Vec<(u32, u32)> = (0..w * h)
            .filter(|i| px[*i as usize * 4 + 3] == 255)
            .map(|i| (i % w, i / w))
            .collect();
        ((w, h), dark)
    };
    assert_eq!(alpha_at(Rotation::R0), ((3, 2), vec![(2, 0)]));
    // Clockwise: the top-right corner goes to the bottom-right.
    assert_eq!(alpha_at(Rotation::R90), ((2, 3), vec![(1, 2)]));
    assert_eq!(alpha_at(Rotation::R180), ((3, 2), vec![(0, 1)]));
    assert_eq!(alpha_at(Rotation::R270), ((2, 3), vec![(0, 0)]));
}

#[test]
fn crop_outside_the_image_fails() {
    let png = binary_seal();
    for rect in [
        Rect {
            x: 700,
            y: 0,
            width: 101,
            height: 10,
        },
        Rect {
            x: 0,
            y: 500,
            width: 10,
            height: 101,
        },
        Rect {
            x: 0,
            y: 0,
            width: 0,
            height: 10,
        },
        Rect {
            x: 0,
            y: 0,
            width: 10,
            height: 0,
        },
        Rect {
            x: u32::MAX,
            y: 0,
            width: 2,
            height: 2,
        },
        Rect {
            x: 0,
            y: u32::MAX - 1,
            width: 2,
            height: 2,
        },
    ] {
        let err = process(
            &png,
            &Adjustments {
                crop: Some(rect),
                ..Adjustments::default()
            },
        )
        .unwrap_err();
        assert!(
            matches!(err, ImpressionError::CropOutside { .. }),
            "{rect:?}: {err:?}"
        );
        assert_eq!(err.code(), "impression.crop_outside");
    }
    // The whole image is a valid crop.
    let whole = Rect {
        x: 0,
        y: 0,
        width: 800,
        height: 600,
    };
    assert!(
        process(
            &png,
            &Adjustments {
                crop: Some(whole),
                ..Adjustments::default()
            }
        )
        .is_ok()
    );
}

#[test]
fn every_pixel_has_the_ink_colour_and_paper_is_transparent() {
    let photo = Seal::default().draw().jpeg(90);
    for colour in InkColour::ALL {
        let out = process(
            &photo,
            &Adjustments {
                crop: Some(seal_crop()),
                colour,
                ..Adjustments::default()
            },
        )
        .unwrap();
        let (w, h, px) = rgba_of(&out.png);
        assert_eq!((w, h), (480, 480));
        assert!(px.chunks_exact(4).all(|p| p[..3] == colour.rgb()));
        // The corners are paper.
        assert_eq!(px[3], 0);
        assert_eq!(px[px.len() - 1], 0);
        let opaque = px.chunks_exact(4).filter(|p| p[3] == 255).count();
        let clear = px.chunks_exact(4).filter(|p| p[3] == 0).count();
        assert!(opaque > 20_000, "{colour:?}: {opaque} opaque");
        assert!(clear > 100_000, "{colour:?}: {clear} transparent");
    }
}

#[test]
fn same_input_same_bytes() {
    let photo = Seal::default().draw().jpeg(85);
    let a = Adjustments {
        crop: Some(seal_crop()),
        rotation: Rotation::R270,
        brightness: -12,
        contrast: 35,
        colour: InkColour::Purple,
        threshold: 50,
    };
    assert_eq!(process(&photo, &a).unwrap(), process(&photo, &a).unwrap());
}

#[test]
fn brightness_can_wash_out_the_mark() {
    let photo = Seal::default().draw().png();
    let bright = Adjustments {
        brightness: 100,
        ..Adjustments::default()
    };
    let (_, _, px) = rgba_of(&process(&photo, &bright).unwrap().png);
    assert!(px.chunks_exact(4).all(|p| p[3] == 0));
    // Contrast up makes the ink edge harder: fewer partly transparent pixels.
    let partial = |contrast| {
        let (_, _, px) = rgba_of(
            &process(
                &photo,
                &Adjustments {
                    contrast,
                    ..Adjustments::default()
                },
            )
            .unwrap()
            .png,
        );
        px.chunks_exact(4)
            .filter(|p| p[3] > 0 && p[3] < 255)
            .count()
    };
    assert!(partial(60) < partial(0));
}

#[test]
fn grey_and_alpha_inputs_work() {
    // A grey JPEG and an RGBA PNG whose transparent part counts as paper.
    let photo = Seal::default().draw();
    let grey: Vec<u8> = photo.rgb.chunks_exact(3).map(|p| p[1]).collect();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90)
        .encode(
            &grey,
            photo.width,
            photo.height,
            image::ExtendedColorType::L8,
        )
        .unwrap();
    assert!(process(&jpeg, &Adjustments::default()).is_ok());
    let rgba: Vec<u8> = photo
        .rgb
        .chunks_exact(3)
        .flat_map(|p| {
            let ink = p[1] < 128;
            // Ink opaque; paper fully transparent with black RGB (must not become ink).
            if ink {
                [p[0], p[1], p[2], 255]
            } else {
                [0, 0, 0, 0]
            }
        })
        .collect();
    let png = crate::fixtures::encode_png(
        &rgba,
        photo.width,
        photo.height,
        image::ExtendedColorType::Rgba8,
    );
    let (_, _, px) = rgba_of(&process(&png, &Adjustments::default()).unwrap().png);
    assert_eq!(px[3], 0, "transparent paper stays paper");
}

#[test]
fn random_crops_and_rotations() {
    // Seeded, so a failure reproduces: crops inside give the crop's (rotated) size, crops that
    // reach outside fail with `crop_outside`.
    let png = Photo {
        width: 97,
        height: 61,
        rgb: (0..97 * 61 * 3).map(|i| (i * 7 % 251) as u8).collect(),
    }
    .png();
    let mut rng = crate::fixtures::Rng::new(42);
    for _ in 0..200 {
        let x = (rng.next() % 110) as u32;
        let y = (rng.next() % 70) as u32;
        let width = (rng.next() % 100) as u32;
        let height = (rng.next() % 65) as u32;
        let rotation = [Rotation::R0, Rotation::R90, Rotation::R180, Rotation::R270]
            [(rng.next() % 4) as usize];
        let crop = Rect {
            x,
            y,
            width,
            height,
        };
        let inside = width > 0 && height > 0 && x + width <= 97 && y + height <= 61;
        let result = process(
            &png,
            &Adjustments {
                crop: Some(crop),
                rotation,
                ..Adjustments::default()
            },
        );
        match result {
            Ok(out) => {
                assert!(inside, "{crop:?} accepted");
                let expect = match rotation {
                    Rotation::R0 | Rotation::R180 => (width, height),
                    _ => (height, width),
                };
                assert_eq!((out.width, out.height), expect);
                let (w, h, _) = rgba_of(&out.png);
                assert_eq!((w, h), expect);
            }
            Err(e) => {
                assert!(!inside, "{crop:?} refused: {e}");
                assert_eq!(e.code(), "impression.crop_outside");
            }
        }
    }
}

//! Hostile and broken uploads are refused with the right code, before any large allocation.

use yizhao_domain::seal::Shape;
use yizhao_impression::limits::{MAX_INPUT_BYTES, MAX_PIXELS};
use yizhao_impression::{
    Adjustments, Backdrop, DeclaredShape, ImpressionError, check, preview, process,
};

use crate::fixtures::{Photo, jpeg_claiming, png_claiming, png16_claiming};

fn code(input: &[u8]) -> &'static str {
    process(input, &Adjustments::default()).unwrap_err().code()
}

#[test]
fn empty_file_is_refused() {
    assert_eq!(code(&[]), "impression.empty");
    let round = DeclaredShape::new(Shape::Round, 42, 42).unwrap();
    assert_eq!(check(&[], &round).unwrap_err(), ImpressionError::Empty);
    assert_eq!(
        preview(&[], Backdrop::White).unwrap_err(),
        ImpressionError::Empty
    );
}

#[test]
fn garbage_is_not_an_image() {
    let mut rng = crate::fixtures::Rng::new(7);
    let garbage: Vec<u8> = (0..4096).map(|_| rng.next() as u8).collect();
    assert_eq!(code(&garbage), "impression.not_an_image");
    assert_eq!(code(b"%PDF-1.7\n"), "impression.not_an_image");
}

#[test]
fn other_formats_are_unsupported() {
    let gif = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;";
    let err = process(gif, &Adjustments::default()).unwrap_err();
    assert_eq!(err.code(), "impression.unsupported_format");
    assert!(err.message_zh().contains("GIF"), "{}", err.message_zh());
    assert_eq!(
        code(b"BM\x00\x00\x00\x00\x00\x00"),
        "impression.unsupported_format"
    );
}

#[test]
fn over_size_file_is_refused_unread() {
    let mut big = Photo {
        width: 16,
        height: 16,
        rgb: vec![200; 16 * 16 * 3],
    }
    .png();
    big.resize(MAX_INPUT_BYTES + 1, 0);
    assert_eq!(code(&big), "impression.file_too_large");
}

#[test]
fn huge_png_header_is_refused() {
    let err = process(&png_claiming(100_000, 100_000), &Adjustments::default()).unwrap_err();
    assert_eq!(
        err,
        ImpressionError::DimensionsTooLarge {
            width: 100_000,
            height: 100_000
        }
    );
    assert!(err.message_zh().contains("100000×100000"));
}

#[test]
fn too_many_pixels_within_side_limits_is_refused() {
    // 6000 × 6000 = 36 megapixels: each side is allowed, the product is not.
    let (w, h) = (6000u32, 6000u32);
    assert!(u64::from(w) * u64::from(h) > MAX_PIXELS);
    assert_eq!(
        process(&png_claiming(w, h), &Adjustments::default()).unwrap_err(),
        ImpressionError::DimensionsTooLarge {
            width: 6000,
            height: 6000
        }
    );
}

#[test]
fn decoder_memory_is_capped() {
    // 4400 × 4400 is within the pixel limits, but as 16-bit RGBA it needs 155 MB.
    assert_eq!(code(&png16_claiming(4400, 4400)), "impression.memory_limit");
}

#[test]
fn huge_jpeg_header_is_refused() {
    assert_eq!(
        code(&jpeg_claiming(60_000, 60_000)),
        "impression.dimensions_too_large"
    );
}

#[test]
fn truncated_images_are_corrupt() {
    let photo = crate::fixtures::Seal {
        width: 64,
        height: 64,
        cx: 32.0,
        cy: 32.0,
        radius: 28.0,
        ..Default::default()
    }
    .draw();
    let png = photo.png();
    assert_eq!(code(&png[..png.len() / 2]), "impression.corrupt");
    let jpeg = photo.jpeg(90);
    assert_eq!(code(&jpeg[..40]), "impression.corrupt");
}

#[test]
fn bad_adjustments_are_refused_before_decoding() {
    for (brightness, contrast) in [(101, 0), (0, -101), (i16::MIN, 0)] {
        let adj = Adjustments {
            brightness,
            contrast,
            ..Adjustments::default()
        };
        // Even on garbage: the adjustment is checked first.
        assert_eq!(
            process(b"not an image", &adj).unwrap_err().code(),
            "impression.invalid_adjustment"
        );
    }
}

#[test]
fn declared_sizes_are_checked() {
    assert!(DeclaredShape::new(Shape::Round, 42, 42).is_ok());
    assert!(DeclaredShape::new(Shape::Oval, 40, 30).is_ok());
    for (shape, w, h) in [
        (Shape::Round, 42, 40),
        (Shape::Square, 20, 25),
        (Shape::Rectangle, 5, 20),
        (Shape::Oval, 40, 300),
    ] {
        let err = DeclaredShape::new(shape, w, h).unwrap_err();
        assert_eq!(err.code(), "impression.invalid_declared_size");
    }
}

#[test]
fn every_error_has_a_chinese_message() {
    let errors = [
        ImpressionError::Empty,
        ImpressionError::TooLarge { len: 30 << 20 },
        ImpressionError::NotAnImage,
        ImpressionError::UnsupportedFormat { format: "gif" },
        ImpressionError::DimensionsTooLarge {
            width: 9000,
            height: 9000,
        },
        ImpressionError::MemoryLimit,
        ImpressionError::Corrupt("eof".into()),
        ImpressionError::CropOutside {
            x: 0,
            y: 0,
            width: 10,
            height: 10,
            image_width: 5,
            image_height: 5,
        },
        ImpressionError::InvalidAdjustment {
            name: "contrast",
            value: 200,
        },
        ImpressionError::InvalidDeclaredSize {
            width_mm: 1,
            height_mm: 1,
        },
        ImpressionError::Encode("x".into()),
    ];
    let mut codes = std::collections::BTreeSet::new();
    for e in errors {
        assert!(e.code().starts_with("impression."));
        assert!(codes.insert(e.code()), "duplicate code {}", e.code());
        let zh = e.message_zh();
        assert!(
            zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{zh}"
        );
    }
}

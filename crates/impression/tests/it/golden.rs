//! Golden digests (SM3) of the output bytes for fixed inputs. The fixture's own digest is pinned
//! too, so a change shows whether the drawing/encoding of the fixture or the pipeline moved. A
//! pipeline digest changes only with the formulas or with the `png`/`fdeflate` (encoder) and
//! `zune-jpeg` (decoder) versions in Cargo.lock; the pixel digest separates the two.

use yizhao_impression::{Adjustments, Backdrop, InkColour, Rotation, preview, process};

use crate::fixtures::{Seal, rgba_of, seal_crop, sm3_hex};

fn adjustments() -> Adjustments {
    Adjustments {
        crop: Some(seal_crop()),
        rotation: Rotation::R90,
        brightness: 10,
        contrast: 20,
        colour: InkColour::Blue,
        threshold: 60,
    }
}

#[test]
fn jpeg_photo_golden() {
    let photo = Seal::default().draw().jpeg(90);
    assert_eq!(
        sm3_hex(&photo),
        "46d5f7e844422bc7288b2ab4a50801073ff3f9513fd57fb073494619cb8646c3"
    );
    let out = process(&photo, &adjustments()).unwrap();
    assert_eq!(
        sm3_hex(&rgba_of(&out.png).2),
        "e80461fb5bbae57c9be649b6b04863139e7d45fc845802d909f3dcac56ea9401"
    );
    assert_eq!(
        sm3_hex(&out.png),
        "cefaa66325f16e9bf968bc9fc59fe1b844269dfb5fcb7ba6f3544026bd949079"
    );
}

#[test]
fn png_photo_golden() {
    let photo = Seal {
        seed: 2,
        tilt: -4.0,
        ink: [40, 40, 150],
        ..Seal::default()
    }
    .draw()
    .png();
    assert_eq!(
        sm3_hex(&photo),
        "66a83dca81b136871f26d55201e765ae4c599da18f9e8dd7778383d14fe5e4d6"
    );
    let adj = Adjustments {
        rotation: Rotation::R180,
        colour: InkColour::Red,
        ..adjustments()
    };
    let out = process(&photo, &adj).unwrap();
    assert_eq!(
        sm3_hex(&rgba_of(&out.png).2),
        "bfc49bf37c48f8741a65bb92e7ace7da85990c71ff18a69ec1829a488d9f409c"
    );
    assert_eq!(
        sm3_hex(&out.png),
        "29fa8a045abcb1322ba78cda364ba8d20a085c982fc95f7af113db732c8d2044"
    );
    assert_eq!(
        sm3_hex(&preview(&out.png, Backdrop::White).unwrap()),
        "2c12286bf7b4d40c5744d6150b2ea291a9d2128ad7bb2e8ba954f8aa280632a7"
    );
    assert_eq!(
        sm3_hex(&preview(&out.png, Backdrop::Dark).unwrap()),
        "9eb11a3953ee566c216910e5c1da786c00f12d06e3e09b154a8a7f64b621dc51"
    );
}

//! Seal impression (印模) images: a photo of a physical seal becomes the picture of an electronic
//! seal (SYSTEM.md R13).
//!
//! Pure functions over bytes, no IO, deterministic (the same inputs give the same bytes: all
//! per-pixel arithmetic is integer, and the PNG encoder runs with fixed settings):
//! - [`process`]: decode a PNG or JPEG (with limits against decompression bombs), crop, rotate
//!   by 90° steps, brightness and contrast, recolour to one [`InkColour`], paper to transparent
//!   by a threshold, encode a PNG with alpha.
//! - [`check`]: quality checks on a processed PNG (resolution, declared shape, transparent
//!   background, one colour, blur), each finding with a stable code and a Chinese message.
//! - [`preview`]: the processed PNG on a white or a dark backdrop.
//!
//! EXIF orientation is ignored: crop rectangles are in stored pixel coordinates, and the editor
//! shows the photo unrotated (`image-orientation: none`) so the user rotates it explicitly.

mod decode;
mod error;
pub mod form;
pub mod limits;
mod pipeline;
mod quality;
pub mod sample;

pub use error::ImpressionError;
pub use pipeline::{Adjustments, Impression, InkColour, Rect, Rotation, process};
pub use quality::{
    ASPECT_TOLERANCE_PERCENT, Backdrop, DeclaredShape, Finding, FindingKind,
    MIN_DOMINANT_PER_MILLE, MIN_MARK_SIDE, MIN_PIXELS_PER_MM, MIN_SHARPNESS_PER_MILLE,
    MIN_TRANSPARENT_PER_MILLE, QualityMetrics, QualityReport, check, preview,
};

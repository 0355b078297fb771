//! Decoding an upload into an 8-bit RGB raster, under the limits of [`crate::limits`].

use std::io::Cursor;

use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use crate::ImpressionError;
use crate::limits::{MAX_DECODER_ALLOC, MAX_INPUT_BYTES, MAX_PIXELS, MAX_SIDE};

/// A decoded image: 8-bit samples, rows top to bottom, no padding.
pub(crate) struct Raster {
    pub width: u32,
    pub height: u32,
    /// Samples per pixel: 3 (RGB) or 4 (RGBA).
    pub channels: usize,
    pub data: Vec<u8>,
}

/// Which of PNG and JPEG `input` is, or why it is neither.
fn format_of(input: &[u8]) -> Result<ImageFormat, ImpressionError> {
    if input.is_empty() {
        return Err(ImpressionError::Empty);
    }
    if input.len() > MAX_INPUT_BYTES {
        return Err(ImpressionError::TooLarge { len: input.len() });
    }
    match image::guess_format(input) {
        Ok(f @ (ImageFormat::Png | ImageFormat::Jpeg)) => Ok(f),
        Ok(other) => Err(ImpressionError::UnsupportedFormat {
            format: other.extensions_str().first().copied().unwrap_or("unknown"),
        }),
        Err(_) => Err(ImpressionError::NotAnImage),
    }
}

fn decode_error(e: ImageError) -> ImpressionError {
    match e {
        ImageError::Limits(l) => match l.kind() {
            image::error::LimitErrorKind::DimensionError => {
                // The decoder refused the header's dimensions before we could read them.
                ImpressionError::DimensionsTooLarge {
                    width: 0,
                    height: 0,
                }
            }
            _ => ImpressionError::MemoryLimit,
        },
        ImageError::Unsupported(u) => ImpressionError::Corrupt(u.to_string()),
        other => ImpressionError::Corrupt(other.to_string()),
    }
}

/// Decodes `input` (PNG or JPEG). With `keep_alpha`, images with an alpha channel come back as
/// RGBA; otherwise transparent parts are put on white (paper) and the result is RGB.
pub(crate) fn decode(input: &[u8], keep_alpha: bool) -> Result<Raster, ImpressionError> {
    let format = format_of(input)?;
    let mut reader = ImageReader::with_format(Cursor::new(input), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODER_ALLOC);
    reader.limits(limits);
    let decoder = reader.into_decoder().map_err(|e| match decode_error(e) {
        ImpressionError::DimensionsTooLarge { .. } => {
            let (width, height) = header_dimensions(input, format).unwrap_or((0, 0));
            ImpressionError::DimensionsTooLarge { width, height }
        }
        other => other,
    })?;
    let (width, height) = decoder.dimensions();
    if width == 0
        || height == 0
        || width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > MAX_PIXELS
    {
        return Err(ImpressionError::DimensionsTooLarge { width, height });
    }
    // `ImageReader::decode` would reserve this against the limits; `from_decoder` does not.
    if decoder.total_bytes() > MAX_DECODER_ALLOC {
        return Err(ImpressionError::MemoryLimit);
    }
    let image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    let has_alpha = image.color().has_alpha();
    Ok(match image {
        // The common case (a JPEG photo): no copy.
        DynamicImage::ImageRgb8(buf) => Raster {
            width,
            height,
            channels: 3,
            data: buf.into_raw(),
        },
        other if has_alpha => {
            let rgba = other.into_rgba8().into_raw();
            if keep_alpha {
                Raster {
                    width,
                    height,
                    channels: 4,
                    data: rgba,
                }
            } else {
                Raster {
                    width,
                    height,
                    channels: 3,
                    data: on_white(rgba),
                }
            }
        }
        other => Raster {
            width,
            height,
            channels: 3,
            data: other.into_rgb8().into_raw(),
        },
    })
}

/// RGBA samples composited over white, as RGB: `c' = (c·a + 255·(255 − a) + 127) / 255`.
fn on_white(mut rgba: Vec<u8>) -> Vec<u8> {
    let n = rgba.len() / 4;
    for i in 0..n {
        let a = u32::from(rgba[4 * i + 3]);
        for c in 0..3 {
            let v = u32::from(rgba[4 * i + c]);
            // At most (255·255 + 127) / 255 = 255: fits a byte.
            rgba[3 * i + c] = ((v * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    rgba.truncate(3 * n);
    rgba
}

/// Width and height from a PNG's IHDR or a JPEG's SOF, for the message of a refused image.
fn header_dimensions(input: &[u8], format: ImageFormat) -> Option<(u32, u32)> {
    match format {
        ImageFormat::Png => {
            let w = input.get(16..20)?;
            let h = input.get(20..24)?;
            Some((
                u32::from_be_bytes(w.try_into().ok()?),
                u32::from_be_bytes(h.try_into().ok()?),
            ))
        }
        ImageFormat::Jpeg => {
            let mut i = 2;
            while i + 9 < input.len() {
                if input[i] != 0xFF {
                    return None;
                }
                let marker = input[i + 1];
                let len = usize::from(u16::from_be_bytes([input[i + 2], input[i + 3]]));
                // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
                if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
                    let h = u16::from_be_bytes([input[i + 5], input[i + 6]]);
                    let w = u16::from_be_bytes([input[i + 7], input[i + 8]]);
                    return Some((u32::from(w), u32::from(h)));
                }
                i += 2 + len;
            }
            None
        }
        _ => None,
    }
}

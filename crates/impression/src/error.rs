//! Why an impression image was refused. Each variant has a stable `code` (for the JSON error
//! envelope and the pages) and a Chinese message a person can act on.

use crate::limits::{MAX_INPUT_BYTES, MAX_PIXELS, MAX_SIDE};

/// An impression image that could not be processed; nothing should be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ImpressionError {
    /// The upload has no bytes at all.
    #[error("the file is empty")]
    Empty,
    /// The upload is larger than [`MAX_INPUT_BYTES`].
    #[error("the file has {len} bytes, more than the limit of {MAX_INPUT_BYTES}")]
    TooLarge {
        /// Size of the upload in bytes.
        len: usize,
    },
    /// The bytes are not an image format we recognise.
    #[error("not an image")]
    NotAnImage,
    /// An image format other than PNG or JPEG.
    #[error("unsupported image format {format}; PNG or JPEG expected")]
    UnsupportedFormat {
        /// The format found, e.g. `gif`.
        format: &'static str,
    },
    /// Width, height or pixel count over the limits (a decompression bomb, or a photo to shrink).
    #[error(
        "image of {width}x{height} pixels is over the limits ({MAX_SIDE} per side, {MAX_PIXELS} pixels)"
    )]
    DimensionsTooLarge {
        /// Declared width in pixels.
        width: u32,
        /// Declared height in pixels.
        height: u32,
    },
    /// Decoding would need more memory than allowed.
    #[error("decoding the image would need too much memory")]
    MemoryLimit,
    /// A PNG or JPEG that is truncated or damaged.
    #[error("the image is damaged: {0}")]
    Corrupt(String),
    /// The crop rectangle is empty or not inside the image.
    #[error("crop {width}x{height}+{x}+{y} is not inside the {image_width}x{image_height} image")]
    CropOutside {
        /// Left edge of the crop.
        x: u32,
        /// Top edge of the crop.
        y: u32,
        /// Crop width.
        width: u32,
        /// Crop height.
        height: u32,
        /// Width of the decoded image.
        image_width: u32,
        /// Height of the decoded image.
        image_height: u32,
    },
    /// Brightness or contrast outside −100..=100.
    #[error("{name} {value} is outside -100..=100")]
    InvalidAdjustment {
        /// `brightness` or `contrast`.
        name: &'static str,
        /// The value given.
        value: i16,
    },
    /// Declared seal size outside the allowed range, or a round/square seal with unequal sides.
    #[error("declared size {width_mm}x{height_mm} mm does not fit the shape")]
    InvalidDeclaredSize {
        /// Declared width in mm.
        width_mm: u16,
        /// Declared height in mm.
        height_mm: u16,
    },
    /// The PNG encoder failed (should not happen with in-memory output).
    #[error("encoding the PNG failed: {0}")]
    Encode(String),
}

impl ImpressionError {
    /// The stable code, e.g. `impression.empty`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "impression.empty",
            Self::TooLarge { .. } => "impression.file_too_large",
            Self::NotAnImage => "impression.not_an_image",
            Self::UnsupportedFormat { .. } => "impression.unsupported_format",
            Self::DimensionsTooLarge { .. } => "impression.dimensions_too_large",
            Self::MemoryLimit => "impression.memory_limit",
            Self::Corrupt(_) => "impression.corrupt",
            Self::CropOutside { .. } => "impression.crop_outside",
            Self::InvalidAdjustment { .. } => "impression.invalid_adjustment",
            Self::InvalidDeclaredSize { .. } => "impression.invalid_declared_size",
            Self::Encode(_) => "impression.encode_failed",
        }
    }

    /// What went wrong and what to do, in Chinese, for the uploader.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Empty => "文件为空（0 字节），请重新选择印模图片。".to_owned(),
            Self::TooLarge { len } => format!(
                "文件过大（{} KiB），印模图片不能超过 {} MiB，请压缩后重试。",
                len / 1024,
                MAX_INPUT_BYTES / (1024 * 1024)
            ),
            Self::NotAnImage => "文件不是图片，请上传 PNG 或 JPEG 格式的印模照片。".to_owned(),
            Self::UnsupportedFormat { format } => format!(
                "不支持 {} 格式的图片，请上传 PNG 或 JPEG 格式的印模照片。",
                format.to_uppercase()
            ),
            Self::DimensionsTooLarge { width, height } => {
                // 0×0: the decoder refused a header we could not read the sizes from.
                let size = if *width == 0 || *height == 0 {
                    String::new()
                } else {
                    format!("（{width}×{height} 像素）")
                };
                format!(
                    "图片尺寸过大{size}，每边不能超过 {MAX_SIDE} 像素、总像素不能超过 {} 万，请缩小后重试。",
                    MAX_PIXELS / 10_000
                )
            }
            Self::MemoryLimit => "图片解码所需内存过大，请缩小图片后重试。".to_owned(),
            Self::Corrupt(_) => "图片已损坏或不完整，无法读取，请重新拍摄或导出后上传。".to_owned(),
            Self::CropOutside {
                image_width,
                image_height,
                ..
            } => format!(
                "裁剪区域为空或超出图片范围（图片为 {image_width}×{image_height} 像素），请重新裁剪。"
            ),
            Self::InvalidAdjustment { name, value } => {
                let what = if *name == "brightness" {
                    "亮度"
                } else {
                    "对比度"
                };
                format!("{what}取值 {value} 无效，应在 -100 到 100 之间。")
            }
            Self::InvalidDeclaredSize {
                width_mm,
                height_mm,
            } => format!(
                "印章尺寸 {width_mm}×{height_mm} 毫米与形状不符（圆形、方形印章宽高须相等，尺寸应在 10 到 100 毫米之间）。"
            ),
            Self::Encode(_) => "生成印模图片失败，请稍后重试。".to_owned(),
        }
    }
}

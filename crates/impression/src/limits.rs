//! Limits on uploads, so a hostile file cannot exhaust memory (decompression bombs).

/// Largest upload accepted, in bytes (20 MiB).
pub const MAX_INPUT_BYTES: usize = 20 * 1024 * 1024;

/// Largest width or height accepted, in pixels.
pub const MAX_SIDE: u32 = 8192;

/// Largest pixel count accepted (20 megapixels: a 12-megapixel phone photo fits, a 48-megapixel
/// one must be shrunk by the phone first).
pub const MAX_PIXELS: u64 = 20_000_000;

/// Most memory a decoder may allocate, in bytes (an 8-bit RGBA image of [`MAX_PIXELS`], or a
/// 16-bit RGB one, fits).
pub const MAX_DECODER_ALLOC: u64 = 128 * 1024 * 1024;

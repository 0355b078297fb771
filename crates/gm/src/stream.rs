//! Streaming authenticated encryption for files of any size in constant memory.
//!
//! This is the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015) as age and Tink use
//! it: the plaintext is cut into fixed chunks, each sealed with the suite's AEAD under a per-file
//! key and the nonce `prefix(7) ‖ counter(4, big-endian) ‖ last(1)`. The counter stops
//! reordering and swapping, the last-chunk flag stops truncation at a chunk boundary and
//! appended chunks, and every chunk authenticates the header as associated data, so a changed
//! chunk size or suite is detected too.
//!
//! Layout: `header ‖ chunk₀ ‖ … ‖ chunkₙ`, each chunk `ciphertext ‖ tag`; all chunks but the last
//! carry exactly `chunk_size` bytes of plaintext, the last one `0..=chunk_size` (it is empty only
//! for an empty file).
//!
//! Header (37 bytes): `"YZSTREAM"`, version 1, suite code, chunk size (u32 BE), a 16-byte salt
//! and the 7-byte nonce prefix. The per-file key is `HMAC(content key, label ‖ salt)`, so one
//! content key may safely encrypt several files.

use std::io::{ErrorKind, Read, Write};

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::aead::{AeadKey, NONCE_LEN, TAG_LEN};
use crate::error::{Error, Result};
use crate::suite::{SuiteId, suite};

const MAGIC: &[u8; 8] = b"YZSTREAM";
const VERSION: u8 = 1;
const SALT_LEN: usize = 16;
const PREFIX_LEN: usize = 7;
const KEY_LABEL: &[u8] = b"yizhao/stream/v1/payload-key";

/// Length of the stream header in bytes.
pub const HEADER_LEN: usize = MAGIC.len() + 1 + 1 + 4 + SALT_LEN + PREFIX_LEN;
/// The default plaintext chunk size: 64 KiB.
pub const DEFAULT_CHUNK_SIZE: u32 = 64 * 1024;
/// The smallest chunk size accepted.
pub const MIN_CHUNK_SIZE: u32 = 16;
/// The largest chunk size accepted (keeps memory bounded for hostile headers).
pub const MAX_CHUNK_SIZE: u32 = 16 * 1024 * 1024;
/// The shortest content key accepted, in bytes.
pub const MIN_CONTENT_KEY_LEN: usize = 16;

/// The parsed, authenticated-on-use stream header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamHeader {
    /// Suite whose AEAD seals the chunks.
    pub suite: SuiteId,
    /// Plaintext bytes per chunk (all but the last).
    pub chunk_size: u32,
    salt: [u8; SALT_LEN],
    prefix: [u8; PREFIX_LEN],
}

impl StreamHeader {
    fn encode(&self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        let mut w = 0;
        for part in [
            &MAGIC[..],
            &[VERSION],
            &[self.suite.code()],
            &self.chunk_size.to_be_bytes(),
            &self.salt,
            &self.prefix,
        ] {
            out[w..w + part.len()].copy_from_slice(part);
            w += part.len();
        }
        out
    }

    /// Parse a header; checks magic, version, suite and chunk size bounds.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        if bytes.len() < HEADER_LEN {
            return Err(Error::StreamHeader("too short"));
        }
        if &bytes[..8] != MAGIC {
            return Err(Error::StreamHeader("not a yizhao encrypted stream"));
        }
        if bytes[8] != VERSION {
            return Err(Error::StreamHeader("unknown version"));
        }
        let suite =
            SuiteId::from_code(bytes[9]).map_err(|_| Error::StreamHeader("unknown suite"))?;
        let chunk_size = u32::from_be_bytes([bytes[10], bytes[11], bytes[12], bytes[13]]);
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
            return Err(Error::StreamHeader("chunk size out of range"));
        }
        let mut salt = [0u8; SALT_LEN];
        salt.copy_from_slice(&bytes[14..14 + SALT_LEN]);
        let mut prefix = [0u8; PREFIX_LEN];
        prefix.copy_from_slice(&bytes[14 + SALT_LEN..HEADER_LEN]);
        Ok(StreamHeader {
            suite,
            chunk_size,
            salt,
            prefix,
        })
    }
}

/// State shared by sealer and opener: the per-file key, header bytes and the chunk counter.
struct ChunkState {
    key: AeadKey,
    header: StreamHeader,
    header_bytes: [u8; HEADER_LEN],
    counter: u32,
    finished: bool,
}

impl ChunkState {
    fn new(content_key: &[u8], header: StreamHeader) -> Result<Self> {
        if content_key.len() < MIN_CONTENT_KEY_LEN {
            return Err(Error::BadKey("content key shorter than 16 bytes"));
        }
        let s = suite(header.suite);
        let alg = s.aead_algorithm();
        let mut label = Vec::with_capacity(KEY_LABEL.len() + SALT_LEN);
        label.extend_from_slice(KEY_LABEL);
        label.extend_from_slice(&header.salt);
        let derived = Zeroizing::new(s.hmac(content_key, &label));
        let key = AeadKey::new(alg, &derived[..alg.key_len()])?;
        let header_bytes = header.encode();
        Ok(ChunkState {
            key,
            header,
            header_bytes,
            counter: 0,
            finished: false,
        })
    }

    fn next_nonce(&mut self, last: bool) -> Result<[u8; NONCE_LEN]> {
        if self.finished {
            return Err(Error::StreamTrailingData);
        }
        let mut nonce = [0u8; NONCE_LEN];
        nonce[..PREFIX_LEN].copy_from_slice(&self.header.prefix);
        nonce[PREFIX_LEN..PREFIX_LEN + 4].copy_from_slice(&self.counter.to_be_bytes());
        nonce[NONCE_LEN - 1] = u8::from(last);
        self.counter = self
            .counter
            .checked_add(1)
            .ok_or(Error::Parameter("stream has too many chunks"))?;
        self.finished = last;
        Ok(nonce)
    }
}

/// Seals a stream chunk by chunk (sans-IO).
pub struct StreamSealer(ChunkState);

impl StreamSealer {
    /// A sealer for a new stream under `content_key`; returns it with the header to write first.
    pub fn new(
        suite: SuiteId,
        content_key: &[u8],
        chunk_size: u32,
        rng: &mut dyn CryptoRng,
    ) -> Result<(Self, [u8; HEADER_LEN])> {
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
            return Err(Error::Parameter("chunk size out of range"));
        }
        let mut salt = [0u8; SALT_LEN];
        rng.fill_bytes(&mut salt);
        let mut prefix = [0u8; PREFIX_LEN];
        rng.fill_bytes(&mut prefix);
        let state = ChunkState::new(
            content_key,
            StreamHeader {
                suite,
                chunk_size,
                salt,
                prefix,
            },
        )?;
        let header = state.header_bytes;
        Ok((StreamSealer(state), header))
    }

    /// The chunk size of this stream.
    pub fn chunk_size(&self) -> usize {
        self.0.header.chunk_size as usize
    }

    /// Seal one chunk in place (appends the tag). A chunk that is not the last must hold exactly
    /// `chunk_size` bytes; the last may hold fewer. Nothing may be sealed after the last.
    pub fn seal_chunk(&mut self, chunk: &mut Vec<u8>, last: bool) -> Result<()> {
        let size = self.chunk_size();
        if chunk.len() > size || (!last && chunk.len() != size) {
            return Err(Error::Parameter("chunk has the wrong size"));
        }
        let nonce = self.0.next_nonce(last)?;
        self.0
            .key
            .seal_in_place(&nonce, &self.0.header_bytes, chunk)
    }

    /// Whether the last chunk has been sealed.
    pub fn is_finished(&self) -> bool {
        self.0.finished
    }
}

/// Opens a stream chunk by chunk (sans-IO).
pub struct StreamOpener(ChunkState);

impl StreamOpener {
    /// An opener for the stream whose header is `header` (at least [`HEADER_LEN`] bytes).
    pub fn new(content_key: &[u8], header: &[u8]) -> Result<Self> {
        let parsed = StreamHeader::parse(header)?;
        Ok(StreamOpener(ChunkState::new(content_key, parsed)?))
    }

    /// The header this opener was made from.
    pub fn header(&self) -> &StreamHeader {
        &self.0.header
    }

    /// Size of a sealed full chunk (plaintext chunk size plus tag).
    pub fn sealed_chunk_size(&self) -> usize {
        self.0.header.chunk_size as usize + TAG_LEN
    }

    /// Open one sealed chunk in place (checks and removes the tag). `last` says whether the
    /// caller saw the end of the input right after this chunk.
    pub fn open_chunk(&mut self, sealed: &mut Vec<u8>, last: bool) -> Result<()> {
        if sealed.len() > self.sealed_chunk_size()
            || (!last && sealed.len() != self.sealed_chunk_size())
        {
            return Err(Error::StreamTruncated);
        }
        let nonce = self.0.next_nonce(last)?;
        match self
            .0
            .key
            .open_in_place(&nonce, &self.0.header_bytes, sealed)
        {
            Ok(()) => Ok(()),
            Err(_) if last => {
                // A full chunk at the very end that was sealed as "not last" means the stream
                // was cut at a chunk boundary; tell truncation apart from tampering.
                Err(if sealed.len() == self.sealed_chunk_size() {
                    Error::StreamTruncated
                } else {
                    Error::Aead
                })
            }
            Err(e) => {
                // A chunk sealed as the last one, followed by more data: say so plainly.
                let mut nonce_last = nonce;
                nonce_last[NONCE_LEN - 1] = 1;
                if self
                    .0
                    .key
                    .open_in_place(&nonce_last, &self.0.header_bytes, sealed)
                    .is_ok()
                {
                    sealed.clear();
                    return Err(Error::StreamTrailingData);
                }
                Err(e)
            }
        }
    }

    /// Whether the last chunk has been opened.
    pub fn is_finished(&self) -> bool {
        self.0.finished
    }
}

/// Fill `buf` from `r` until it is full or the input ends; returns the bytes read.
fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::Io(e.to_string())),
        }
    }
    Ok(n)
}

/// Reads fixed-size records with one byte of look-ahead, so each record knows if it is the last.
struct Records<'a> {
    input: &'a mut dyn Read,
    size: usize,
    carry: Option<u8>,
}

impl Records<'_> {
    /// Read the next record into `buf` (cleared first); returns whether it is the last one.
    fn next(&mut self, buf: &mut Vec<u8>) -> Result<bool> {
        buf.clear();
        buf.resize(self.size, 0);
        let mut start = 0;
        if let Some(b) = self.carry.take() {
            buf[0] = b;
            start = 1;
        }
        let n = start + read_full(self.input, &mut buf[start..])?;
        buf.truncate(n);
        if n < self.size {
            return Ok(true);
        }
        let mut one = [0u8; 1];
        if read_full(self.input, &mut one)? == 0 {
            return Ok(true);
        }
        self.carry = Some(one[0]);
        Ok(false)
    }
}

/// Encrypt everything from `input` to `output`; returns the plaintext bytes read.
/// `progress(done, total)` is called after every chunk with the plaintext bytes done and the
/// `total` the caller passed (e.g. the file size, if known).
#[allow(clippy::too_many_arguments)]
pub fn encrypt(
    suite: SuiteId,
    content_key: &[u8],
    chunk_size: u32,
    input: &mut dyn Read,
    output: &mut dyn Write,
    total: Option<u64>,
    progress: &mut dyn FnMut(u64, Option<u64>),
    rng: &mut dyn CryptoRng,
) -> Result<u64> {
    let (mut sealer, header) = StreamSealer::new(suite, content_key, chunk_size, rng)?;
    output
        .write_all(&header)
        .map_err(|e| Error::Io(e.to_string()))?;
    let mut records = Records {
        input,
        size: sealer.chunk_size(),
        carry: None,
    };
    let mut buf = Zeroizing::new(Vec::with_capacity(sealer.chunk_size() + TAG_LEN));
    let mut done = 0u64;
    loop {
        let last = records.next(&mut buf)?;
        done += buf.len() as u64;
        sealer.seal_chunk(&mut buf, last)?;
        output
            .write_all(&buf)
            .map_err(|e| Error::Io(e.to_string()))?;
        progress(done, total);
        if last {
            break;
        }
    }
    output.flush().map_err(|e| Error::Io(e.to_string()))?;
    Ok(done)
}

/// Decrypt a stream from `input` to `output`; returns the plaintext bytes written.
///
/// Chunks are authenticated one by one and written as they pass, so on an error the output
/// holds a prefix of the plaintext: write to a temporary file and keep it only on success.
/// `progress(done, total)` counts ciphertext bytes read against `total` (e.g. the file size).
pub fn decrypt(
    content_key: &[u8],
    input: &mut dyn Read,
    output: &mut dyn Write,
    total: Option<u64>,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<u64> {
    let mut header = [0u8; HEADER_LEN];
    if read_full(input, &mut header)? < HEADER_LEN {
        return Err(Error::StreamHeader("too short"));
    }
    let mut opener = StreamOpener::new(content_key, &header)?;
    let mut records = Records {
        input,
        size: opener.sealed_chunk_size(),
        carry: None,
    };
    let mut buf = Zeroizing::new(Vec::with_capacity(opener.sealed_chunk_size()));
    let mut read = HEADER_LEN as u64;
    let mut written = 0u64;
    loop {
        let last = records.next(&mut buf)?;
        read += buf.len() as u64;
        opener.open_chunk(&mut buf, last)?;
        output
            .write_all(&buf)
            .map_err(|e| Error::Io(e.to_string()))?;
        written += buf.len() as u64;
        progress(read, total);
        if last {
            break;
        }
    }
    output.flush().map_err(|e| Error::Io(e.to_string()))?;
    Ok(written)
}

//! The one error type of the crypto crate.

/// What went wrong in a cryptographic operation.
///
/// Each variant has a stable [`Error::code`] so that pages and the wallet can show a message in
/// the user's language; the `Display` text is for logs and developers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A signature did not verify, or could not be parsed as DER or raw r‖s.
    #[error("signature is invalid")]
    BadSignature,
    /// A key could not be parsed, is not on the curve, or is of the wrong suite.
    #[error("invalid key: {0}")]
    BadKey(&'static str),
    /// A public-key ciphertext (SM2Cipher, wrapped key) could not be decrypted.
    #[error("ciphertext could not be decrypted")]
    Decrypt,
    /// An AEAD tag did not match: the data was altered, or the key is wrong.
    #[error("authentication failed: data altered or wrong key")]
    Aead,
    /// An encrypted stream ended before its final chunk.
    #[error("encrypted stream is truncated")]
    StreamTruncated,
    /// Data follows the final chunk of an encrypted stream.
    #[error("encrypted stream has data after its final chunk")]
    StreamTrailingData,
    /// An encrypted stream header is malformed or of an unknown version.
    #[error("encrypted stream header is invalid: {0}")]
    StreamHeader(&'static str),
    /// The keystore password is wrong.
    #[error("wrong keystore password")]
    WrongPassword,
    /// A keystore file is malformed or of an unknown version.
    #[error("keystore file is invalid: {0}")]
    KeystoreFormat(&'static str),
    /// A wrapped key was made for another purpose than the one asked for.
    #[error("wrapped key is for another purpose")]
    WrongPurpose,
    /// A certificate could not be built or parsed.
    #[error("certificate is malformed: {0}")]
    CertificateFormat(String),
    /// A certificate chain did not verify.
    #[error("certificate chain rejected: {0}")]
    Chain(ChainError),
    /// A certificate revocation list is not one its supposed issuer made: another issuer name,
    /// or an issuer whose key usage forbids signing CRLs.
    #[error("CRL rejected: {0}")]
    Crl(&'static str),
    /// A parameter is out of range (a length, a count, a size).
    #[error("invalid parameter: {0}")]
    Parameter(&'static str),
    /// An I/O error while streaming (only the streaming helpers over `std::io` produce it).
    #[error("i/o error: {0}")]
    Io(String),
}

/// Why a certificate chain was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// A certificate's signature does not verify with its issuer's key.
    #[error("signature of certificate {0} does not verify")]
    Signature(usize),
    /// A certificate is not valid at the time asked about.
    #[error("certificate {0} is not valid at the given time")]
    Expired(usize),
    /// An issuer is not a CA (basic constraints) or may not sign certificates (key usage).
    #[error("certificate {0} may not issue certificates")]
    NotCa(usize),
    /// No trusted root issued the last certificate of the chain.
    #[error("no trusted root issued the chain")]
    UnknownIssuer,
    /// The leaf lacks a key usage the caller requires.
    #[error("the certificate's key usage does not allow this use")]
    KeyUsage,
    /// The chain is longer than allowed or a path length constraint is exceeded.
    #[error("the chain is too long")]
    TooLong,
    /// The signature algorithm is not the one of the issuer's suite.
    #[error("certificate {0} uses an unsupported signature algorithm")]
    Algorithm(usize),
}

impl Error {
    /// A stable, machine-readable code for this error (e.g. `crypto.bad_signature`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadSignature => "crypto.bad_signature",
            Error::BadKey(_) => "crypto.bad_key",
            Error::Decrypt => "crypto.decrypt",
            Error::Aead => "crypto.aead",
            Error::StreamTruncated => "crypto.stream_truncated",
            Error::StreamTrailingData => "crypto.stream_trailing_data",
            Error::StreamHeader(_) => "crypto.stream_header",
            Error::WrongPassword => "keystore.wrong_password",
            Error::KeystoreFormat(_) => "keystore.format",
            Error::WrongPurpose => "crypto.wrong_purpose",
            Error::CertificateFormat(_) => "cert.format",
            Error::Chain(_) => "cert.chain",
            Error::Crl(_) => "cert.crl",
            Error::Parameter(_) => "crypto.parameter",
            Error::Io(_) => "io",
        }
    }
}

impl From<der::Error> for Error {
    fn from(e: der::Error) -> Self {
        Error::CertificateFormat(e.to_string())
    }
}

impl From<ChainError> for Error {
    fn from(e: ChainError) -> Self {
        Error::Chain(e)
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

//! The one error type of the wallet.

use std::path::PathBuf;

use yizhao_proto::{ErrorBody, ErrorEnvelope};

/// What went wrong in the wallet: locally (password, files, input) or at the license authority.
///
/// Each variant has a stable [`WalletError::code`]; server errors keep the server's own code so
/// the CLI and pages can show the same message for the same refusal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WalletError {
    /// The device password does not open the keystore.
    #[error("执照密码错误")]
    WrongPassword,
    /// No downloaded license matches the license id or USCC asked for (empty: none at all).
    #[error("{}", no_license(.0))]
    NoLicense(String),
    /// Real-name verification has not been done on this phone, or its token expired.
    #[error("请先完成实名认证")]
    NotVerified,
    /// The download declaration was not accepted (same code as the authority's refusal).
    #[error("请先阅读并同意《执照下载声明》")]
    DeclarationNotAccepted,
    /// The authority refused with its error envelope.
    #[error("{message}")]
    Server {
        /// HTTP status.
        status: u16,
        /// The server's stable code, e.g. `authority.admin_limit`.
        code: String,
        /// The server's message.
        message: String,
    },
    /// The authority answered with a non-2xx status but no error envelope.
    #[error("服务器返回 HTTP {status}")]
    Http {
        /// HTTP status.
        status: u16,
    },
    /// The authority could not be reached, or the connection failed.
    #[error("无法连接服务器: {0}")]
    Network(String),
    /// A response or a file of the home folder is not what it should be.
    #[error("数据格式错误: {0}")]
    Format(String),
    /// Reading or writing a file of the home folder failed.
    #[error("读写 {path} 失败: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A cryptographic operation failed (other than a wrong password).
    #[error("密码运算失败: {0}")]
    Crypto(yizhao_gm::Error),
    /// The command line or an argument is invalid.
    #[error("参数错误: {0}")]
    Input(String),
    /// A scanned QR payload is not a link of this system.
    #[error("不是本系统的二维码")]
    BadQr,
    /// No QR code could be read in the image.
    #[error("图片中没有识别到二维码: {0}")]
    QrUnreadable(String),
    /// The requester's certificate is not a relying party registered with the authority.
    #[error("请求方证书无效：{0}")]
    RequesterInvalid(String),
    /// A credential refused by the checks the services share (a relying party's certificate
    /// not registered with the authority, or not for the matter it asks).
    #[error(transparent)]
    Credential(#[from] yizhao_credential::CredentialError),
    /// The request's signature does not verify with the requester's certificate.
    #[error("请求签名无效，已拒绝。")]
    BadRequestSignature,
    /// The request expired (wallet clock).
    #[error("二维码已过期，请刷新二维码后重新扫码。")]
    QrExpired,
    /// The person did not confirm.
    #[error("已取消")]
    Cancelled,
    /// Refused on the phone before anything was sent (e.g. an impression that fails the
    /// quality checks), with the code the authority would give.
    #[error("{message}")]
    Refused {
        /// The stable code, e.g. `impression.quality`.
        code: String,
        /// What is wrong, in Chinese.
        message: String,
    },
}

impl WalletError {
    /// A stable, machine-readable code (the server's own code for [`WalletError::Server`]).
    pub fn code(&self) -> &str {
        match self {
            WalletError::WrongPassword => "wallet.wrong_password",
            WalletError::NoLicense(_) => "wallet.no_license",
            WalletError::NotVerified => "wallet.not_verified",
            WalletError::DeclarationNotAccepted => "authority.declaration_not_accepted",
            WalletError::Server { code, .. } => code,
            WalletError::Http { .. } => "wallet.http",
            WalletError::Network(_) => "wallet.network",
            WalletError::Format(_) => "wallet.format",
            WalletError::Io { .. } => "wallet.io",
            WalletError::Crypto(_) => "wallet.crypto",
            WalletError::Input(_) => "wallet.input",
            WalletError::BadQr => "wallet.bad_qr",
            WalletError::QrUnreadable(_) => "wallet.qr_unreadable",
            WalletError::RequesterInvalid(_) => "rp.certificate_invalid",
            WalletError::Credential(e) => e.code(),
            WalletError::BadRequestSignature => "qr.bad_signature",
            WalletError::QrExpired => "qr.expired",
            WalletError::Cancelled => "wallet.cancelled",
            WalletError::Refused { code, .. } => code,
        }
    }

    /// The error as the one JSON envelope `{"error":{"code","message"}}`.
    pub fn to_envelope(&self) -> ErrorEnvelope {
        let message = match self {
            WalletError::Server { message, .. } | WalletError::Refused { message, .. } => {
                message.clone()
            }
            other => other.to_string(),
        };
        ErrorEnvelope {
            error: ErrorBody {
                code: self.code().to_owned(),
                message,
            },
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> WalletError {
        let path = path.into();
        move |source| WalletError::Io { path, source }
    }
}

impl From<yizhao_gm::Error> for WalletError {
    fn from(e: yizhao_gm::Error) -> Self {
        match e {
            yizhao_gm::Error::WrongPassword => WalletError::WrongPassword,
            other => WalletError::Crypto(other),
        }
    }
}

fn no_license(asked: &str) -> String {
    if asked.is_empty() {
        "本手机还没有下载执照".into()
    } else {
        format!("本手机没有该执照: {asked}")
    }
}

/// The wallet's result.
pub type Result<T, E = WalletError> = std::result::Result<T, E>;

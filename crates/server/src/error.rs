//! The one place where errors become HTTP responses: `{"error": {"code", "message"}}`.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use yizhao_domain::authority::AuthorityError;
use yizhao_proto::{ErrorBody, ErrorEnvelope};

/// An error answered to a client: status, stable code, message for people (Chinese).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: String,
    /// Message.
    pub message: String,
}

impl ApiError {
    /// An error with the given parts.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// 400 with a code and message.
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401: the caller did not prove who it is.
    pub fn unauthorized(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// 404.
    pub fn not_found(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 500; the cause is logged here, once, and not shown to the client.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误，请稍后再试。",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorEnvelope {
            error: ErrorBody {
                code: self.code,
                message: self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

impl From<AuthorityError> for ApiError {
    fn from(e: AuthorityError) -> Self {
        use AuthorityError as E;
        let status = match &e {
            E::RealNameMismatch
            | E::FirstDownloadByLegalRepresentative
            | E::NothingToDownload
            | E::OnlyLegalRepresentative
            | E::NotAManager
            | E::NotYetEffective
            | E::Ended
            | E::Revoked
            | E::MatterNotAuthorized(_) => StatusCode::FORBIDDEN,
            E::RealNameExpired => StatusCode::UNAUTHORIZED,
            E::AdminLimit { .. } | E::PersonLocked | E::AlreadyHolds(_) | E::AlreadyRevoked => {
                StatusCode::CONFLICT
            }
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

impl From<yizhao_domain::member::MemberError> for ApiError {
    fn from(e: yizhao_domain::member::MemberError) -> Self {
        use yizhao_domain::member::MemberError as E;
        let status = match &e {
            E::NotLoggedIn => StatusCode::UNAUTHORIZED,
            E::RegistrationRequired | E::KindWindowOnly | E::KindSelfService => {
                StatusCode::FORBIDDEN
            }
            E::AlreadyRegistered => StatusCode::CONFLICT,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

impl From<yizhao_domain::seal::SealError> for ApiError {
    fn from(e: yizhao_domain::seal::SealError) -> Self {
        use yizhao_domain::seal::SealError as E;
        let status = match &e {
            E::NeedsSealGrant
            | E::UploadNotAllowed
            | E::OnlyLegalRepresentative
            | E::NeedsLicenseAuthorization
            | E::NotManagerOfType(_)
            | E::GrantNotYetEffective
            | E::GrantEnded
            | E::GrantRevoked
            | E::MatterNotGranted
            | E::NoUsesLeft => StatusCode::FORBIDDEN,
            E::AlreadyReviewed(_) => StatusCode::CONFLICT,
            _ => StatusCode::BAD_REQUEST,
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

impl From<yizhao_credential::CredentialError> for ApiError {
    fn from(e: yizhao_credential::CredentialError) -> Self {
        use yizhao_credential::CredentialError as E;
        let status = match &e {
            E::MatterNotRegistered => StatusCode::FORBIDDEN,
            E::RequesterInvalid(_) | E::LicenseInvalid(_) => StatusCode::UNAUTHORIZED,
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

impl From<yizhao_domain::text::TextError> for ApiError {
    fn from(e: yizhao_domain::text::TextError) -> Self {
        ApiError::bad_request(e.code(), e.to_string())
    }
}

impl From<yizhao_store::StoreError> for ApiError {
    fn from(e: yizhao_store::StoreError) -> Self {
        ApiError::internal(&e)
    }
}

/// `413 request.too_large`: the body is over the route's limit.
pub(crate) fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "request.too_large",
        "提交的内容过大，请精简后重试。",
    )
}

/// A parser's message with what it quotes of the body (`invalid type: string "…"`) left out:
/// field names stay for the log, values (an ID number typed in the wrong field) don't.
fn without_values(detail: &str) -> String {
    let mut out = String::with_capacity(detail.len());
    let mut quoted = false;
    for c in detail.chars() {
        if c == '"' {
            if !quoted {
                out.push_str("\"…\"");
            }
            quoted = !quoted;
        } else if !quoted {
            out.push(c);
        }
    }
    out
}

impl From<JsonRejection> for ApiError {
    /// serde's words ("missing field `uscc` at line 1…") name internal fields: they go to the
    /// log, and the client gets a message a person understands.
    fn from(e: JsonRejection) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            return too_large();
        }
        tracing::info!(error = %without_values(&e.body_text()), "request body refused");
        ApiError::bad_request("request.invalid_body", "请求内容格式不正确，请检查后重试。")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logged_body_errors_keep_fields_not_values() {
        assert_eq!(
            without_values("invalid type: string \"420502199001011234\", expected u32 at line 1"),
            "invalid type: string \"…\", expected u32 at line 1"
        );
        assert_eq!(
            without_values("missing field `uscc`"),
            "missing field `uscc`"
        );
    }
}

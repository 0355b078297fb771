//! Running one signed action (a [`yizhao_proto::authority::Signed`] request, once its
//! signature, challenge and license have been checked): each service maps the envelope's
//! `action` to its typed handler by the action types' [`Action::NAME`], and [`run`] parses the
//! payload as that action's request and serializes the handler's answer.

use yizhao_proto::action::Action;

use crate::error::ApiError;

/// A signed request's payload that is not the action's request.
pub(crate) fn unparsable(action: &str) -> ApiError {
    tracing::info!(request.action = action, "signed payload refused");
    ApiError::bad_request("request.invalid_body", "请求内容格式不正确，请检查后重试。")
}

/// A signed request naming an action the service does not have.
pub(crate) fn unknown_action(action: &str) -> ApiError {
    ApiError::bad_request("request.action", format!("未知的操作：{action}"))
}

/// Run the action `A`: parse `payload` as its request (a payload of another shape is refused
/// with `request.invalid_body` before the handler runs), hand it to `handle`, and give the
/// answer as JSON.
pub(crate) async fn run<A: Action>(
    payload: &str,
    handle: impl AsyncFnOnce(A::Request) -> Result<A::Response, ApiError>,
) -> Result<serde_json::Value, ApiError> {
    let request: A::Request = serde_json::from_str(payload).map_err(|_| unparsable(A::NAME))?;
    let response = handle(request).await?;
    serde_json::to_value(response).map_err(|e| ApiError::internal(&e))
}

//! The cookies of the PC pages: read one of the right shape, set or clear one. Every cookie is
//! `HttpOnly; SameSite=Lax; Path=/`, and `Secure` when the server is reached over https.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

use crate::error::ApiError;

/// The value of cookie `name`, if the browser sent one that is 64 hex digits (every cookie
/// value this server makes is); anything else counts as absent.
pub fn cookie_value(h: &HeaderMap, name: &str) -> Option<String> {
    h.get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .filter(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .find(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Set cookie `name` to `value` on a response, or clear it with `None`.
pub fn set_cookie(
    resp: &mut Response,
    name: &str,
    value: Option<&str>,
    secure: bool,
) -> Result<(), ApiError> {
    let secure = if secure { "; Secure" } else { "" };
    let cookie = match value {
        Some(v) => format!("{name}={v}; Path=/; HttpOnly; SameSite=Lax{secure}"),
        None => format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    };
    let value = HeaderValue::from_str(&cookie).map_err(|e| ApiError::internal(&e))?;
    resp.headers_mut().append(header::SET_COOKIE, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::response::IntoResponse;

    #[test]
    fn reads_only_well_formed_values() {
        let good = "ab".repeat(32);
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("x=1; yz=short; yz={good}")).unwrap(),
        );
        assert_eq!(cookie_value(&h, "yz"), Some(good));
        assert_eq!(cookie_value(&h, "x"), None);
        assert_eq!(cookie_value(&h, "none"), None);
    }

    #[test]
    fn secure_when_asked() {
        let mut r = ().into_response();
        set_cookie(&mut r, "a", Some("v"), true).unwrap();
        set_cookie(&mut r, "b", None, false).unwrap();
        let all: Vec<_> = r.headers().get_all(header::SET_COOKIE).iter().collect();
        assert_eq!(all[0], "a=v; Path=/; HttpOnly; SameSite=Lax; Secure");
        assert_eq!(all[1], "b=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    }
}

//! The fields of a posted form, zeroized when dropped (they may hold the device password).

use zeroize::Zeroize as _;

use crate::error::{Result, WalletError};
use crate::time::{format_beijing, now_unix, parse_time};
use yizhao_gm::keystore::Password;

/// A form's `name=value` pairs, in order; repeated names (checkboxes) are kept.
pub(crate) struct Fields(Vec<(String, String)>);

impl Drop for Fields {
    fn drop(&mut self) {
        for (_, v) in &mut self.0 {
            v.zeroize();
        }
    }
}

impl From<Vec<(String, String)>> for Fields {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Fields(pairs)
    }
}

impl Fields {
    /// The first value of `name`, trimmed; empty when absent.
    pub(crate) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    /// The value of `name`, or `None` when absent or blank.
    pub(crate) fn opt(&self, name: &str) -> Option<&str> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }

    /// Every non-blank value of `name`.
    pub(crate) fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }

    /// A required field; `label` names it in the error.
    pub(crate) fn required(&self, name: &str, label: &str) -> Result<&str> {
        self.opt(name)
            .ok_or_else(|| WalletError::Input(format!("请填写{label}")))
    }

    /// A password field exactly as typed (possibly empty).
    pub(crate) fn password_raw(&self, name: &str) -> Password {
        let given = self
            .0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str());
        Password::new(given)
    }

    /// The matters of an authorization form: `None` for 全业务授权 (`mode` `all` or blank), the
    /// checked `matter` codes for 精准授权 (`precise`, at least one).
    pub(crate) fn precise_matters(&self) -> Result<Option<Vec<String>>> {
        match self.get("mode") {
            "precise" => {
                let codes = self.all("matter");
                if codes.is_empty() {
                    return Err(WalletError::Input("精准授权请至少选择一项授权事项".into()));
                }
                Ok(Some(codes))
            }
            "all" | "" => Ok(None),
            other => Err(WalletError::Input(format!("未知的授权方式: {other}"))),
        }
    }

    /// The `start` day of an authorization form: `None` (now) when blank or today, else its
    /// first second (Beijing), with the day as typed.
    pub(crate) fn start_day(&self) -> Result<Option<(i64, &str)>> {
        match self.opt("start") {
            None => Ok(None),
            Some(day) if day == today() => Ok(None),
            Some(day) => Ok(Some((date_at(day, "00:00:00", "开始日期")?, day))),
        }
    }

    /// The device password of field `name` (not trimmed), as the person typed it. It is never
    /// filled in for them, not even the default one (every page says while the password is
    /// still the default): nothing is signed with a password nobody typed.
    pub(crate) fn password(&self, name: &str) -> Result<Password> {
        let given = self.password_raw(name);
        if given.expose().is_empty() {
            return Err(WalletError::Input("请输入执照密码".into()));
        }
        Ok(given)
    }
}

/// Today's date in Beijing, `YYYY-MM-DD`.
pub(crate) fn today() -> String {
    date_of(now_unix())
}

/// The Beijing date of Unix seconds, `YYYY-MM-DD`.
pub(crate) fn date_of(unix: i64) -> String {
    format_beijing(unix).chars().take(10).collect()
}

/// A date field (`YYYY-MM-DD`, Beijing) at `time` (`HH:MM:SS`) as Unix seconds.
pub(crate) fn date_at(date: &str, time: &str, label: &str) -> Result<i64> {
    let ok = date.len() == 10 && date.is_ascii();
    if !ok {
        return Err(WalletError::Input(format!(
            "{label}格式应为 年-月-日，如 2026-11-18"
        )));
    }
    parse_time(&format!("{date}T{time}+08:00"))
        .map_err(|_| WalletError::Input(format!("{label}不是有效日期: {date}")))
}

/// A posted form whose anti-forgery token is right: a missing or wrong token is refused (the
/// page says so) before the handler runs, so no handler can forget the check.
pub(crate) struct CheckedForm(pub(crate) Fields);

impl axum::extract::FromRequest<super::App> for CheckedForm {
    type Rejection = axum::response::Response;

    async fn from_request(
        req: axum::extract::Request,
        app: &super::App,
    ) -> std::result::Result<Self, Self::Rejection> {
        let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(req, app)
            .await
            .map_err(axum::response::IntoResponse::into_response)?;
        let fields = Fields::from(pairs);
        if !app.csrf_ok(&fields) {
            return Err(app.csrf_refused());
        }
        Ok(CheckedForm(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_repeats_and_trim() {
        let f = Fields::from(vec![
            ("matter".to_owned(), "a".to_owned()),
            ("name".to_owned(), " 王强 ".to_owned()),
            ("matter".to_owned(), "b".to_owned()),
            ("matter".to_owned(), " ".to_owned()),
        ]);
        assert_eq!(f.get("name"), "王强");
        assert_eq!(f.all("matter"), vec!["a", "b"]);
        assert_eq!(f.opt("missing"), None);
        assert_eq!(
            f.required("missing", "姓名").unwrap_err().to_string(),
            "参数错误: 请填写姓名"
        );
    }

    #[test]
    fn dates_are_beijing_days() {
        let t = date_at("2026-11-18", "00:00:00", "开始日期").unwrap();
        assert_eq!(format_beijing(t), "2026-11-18 00:00");
        assert_eq!(date_of(t), "2026-11-18");
        assert!(date_at("18/11/2026", "00:00:00", "开始日期").is_err());
        assert!(date_at("2026-13-01", "00:00:00", "开始日期").is_err());
    }
}

//! Time for the wallet: the one place that reads the system clock, and the conversions the CLI
//! needs (RFC 3339 or Unix seconds in, Beijing time out) without a calendar crate.

use crate::error::{Result, WalletError};

/// Seconds since the Unix epoch, from the system clock.
pub fn now_unix() -> i64 {
    // The wallet is a system adapter (the phone): it is allowed to read the clock, here only.
    #[allow(clippy::disallowed_methods)]
    let now = std::time::SystemTime::now();
    now.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Parse Unix seconds (`1795000000`) or RFC 3339 (`2026-11-18T09:00:00+08:00`, `…Z`).
pub fn parse_time(s: &str) -> Result<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse()
            .map_err(|_| WalletError::Input(format!("时间超出范围: {s}")));
    }
    parse_rfc3339(s).ok_or_else(|| {
        WalletError::Input(format!(
            "时间格式应为 RFC 3339（如 2026-11-18T09:00:00+08:00）或 Unix 秒: {s}"
        ))
    })
}

fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    // Skip fractional seconds.
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let rb = rest.as_bytes();
            if rb.len() != 6 || rb[3] != b':' {
                return None;
            }
            let sign = match rb[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let h: i64 = rest.get(1..3)?.parse().ok()?;
            let m: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (h * 3600 + m * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

use yizhao_domain::time::days_from_civil;
pub use yizhao_domain::time::format_beijing;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_unix_and_rfc3339() {
        assert_eq!(parse_time("1795000000").ok(), Some(1_795_000_000));
        assert_eq!(parse_time("1970-01-01T00:00:00Z").ok(), Some(0));
        assert_eq!(
            parse_time("2026-11-18T08:00:00+08:00").ok(),
            parse_time("2026-11-18T00:00:00Z").ok()
        );
        assert_eq!(
            parse_time("2026-11-18T00:00:00.250Z").ok(),
            parse_time("2026-11-18T00:00:00Z").ok()
        );
        assert!(parse_time("2026-13-18T00:00:00Z").is_err());
        assert!(parse_time("tomorrow").is_err());
    }

    #[test]
    fn formats_beijing_time_roundtrip() {
        let t = parse_time("2026-11-18T09:30:00+08:00").unwrap_or_default();
        assert_eq!(format_beijing(t), "2026-11-18 09:30");
        assert_eq!(format_beijing(0), "1970-01-01 08:00");
    }
}

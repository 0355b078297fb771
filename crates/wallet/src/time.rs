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

/// Beijing time's offset from UTC, in seconds: what people on the platform read.
const BEIJING: i64 = 8 * 3600;

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

/// Format Unix seconds as Beijing time, `2026-11-18 09:00`.
pub fn format_beijing(unix: i64) -> String {
    let t = unix + BEIJING;
    let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        secs / 3600,
        (secs % 3600) / 60
    )
}

// Howard Hinnant's civil calendar algorithms (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

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

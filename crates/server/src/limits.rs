//! Rate limits on what costs the server work for whoever asks: a QR request (an SM2 signature
//! and a row kept for a day), a proof challenge (a row). Kept in this process's memory (a
//! second replica counts its own): per client address and per browser session, with
//! `governor`'s token buckets. What must hold across replicas (SMS codes per phone) is counted
//! in the database instead ([`crate::authority`]).

use std::fmt;
use std::hash::Hash;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::error::ApiError;

/// A token bucket: `burst` at once, then `per_minute` spread evenly over each minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// How many at once, from a full bucket.
    pub burst: u32,
    /// How many a minute after that.
    pub per_minute: u32,
}

impl Rate {
    /// `burst` at once, then `per_minute` a minute.
    pub const fn new(burst: u32, per_minute: u32) -> Rate {
        Rate { burst, per_minute }
    }

    fn quota(self) -> Option<Quota> {
        let burst = NonZeroU32::new(self.burst)?;
        let per_minute = NonZeroU32::new(self.per_minute)?;
        let period = Duration::from_secs(60) / per_minute.get();
        Some(Quota::with_period(period)?.allow_burst(burst))
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.burst, self.per_minute)
    }
}

/// `BURST/PER_MINUTE`, e.g. `60/120`: 60 at once, then two a second.
impl FromStr for Rate {
    type Err = String;
    fn from_str(s: &str) -> Result<Rate, String> {
        let bad = || format!("expected BURST/PER_MINUTE (e.g. 60/120), not {s:?}");
        let (b, m) = s.split_once('/').ok_or_else(bad)?;
        let rate = Rate {
            burst: b.trim().parse().map_err(|_| bad())?,
            per_minute: m.trim().parse().map_err(|_| bad())?,
        };
        rate.quota().ok_or_else(bad)?;
        Ok(rate)
    }
}

/// A rate limit per key (a client address, a session); `None` in the settings: no limit.
pub(crate) struct Limiter<K: Hash + Eq + Clone> {
    inner: Option<DefaultKeyedRateLimiter<K>>,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    pub(crate) fn new(rate: Option<Rate>) -> Self {
        Limiter {
            inner: rate
                .and_then(Rate::quota)
                .map(DefaultKeyedRateLimiter::keyed),
        }
    }

    /// Takes one from `key`'s bucket, or says how long until there is one (`rate.limited`).
    pub(crate) fn check(&self, key: &K) -> Result<(), ApiError> {
        let Some(l) = &self.inner else {
            return Ok(());
        };
        l.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            too_many(wait.as_secs() + 1)
        })
    }

    /// Forgets the keys whose buckets are full again (called by the sweep).
    pub(crate) fn forget_idle(&self) {
        if let Some(l) = &self.inner {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}

/// `429 rate.limited`: try again in `secs` seconds.
pub(crate) fn too_many(secs: u64) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate.limited",
        format!("操作过于频繁，请{secs}秒后再试。"),
    )
}

/// The client's address as rate limits key it: the connection's peer (behind a reverse proxy,
/// the proxy's address: `X-Forwarded-For` is not trusted), an IPv6 address by its /64 (one
/// host usually holds a whole /64). `None` when the request did not come over a connection
/// (in-process tests), which the per-address limits then leave alone.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    fn of(addr: SocketAddr) -> IpAddr {
        match addr.ip() {
            IpAddr::V4(v4) => IpAddr::V4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                    IpAddr::V6(prefix.into())
                }
            },
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(a)| ClientAddr::of(*a)),
        ))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rates_parse_and_refuse_nonsense() {
        assert_eq!("60/120".parse::<Rate>().unwrap(), Rate::new(60, 120));
        assert_eq!(Rate::new(60, 120).to_string(), "60/120");
        for bad in ["60", "0/10", "10/0", "a/b", "-1/5", ""] {
            assert!(bad.parse::<Rate>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_bucket_lets_its_burst_through_then_refuses_with_a_wait() {
        let l = Limiter::new(Some(Rate::new(3, 1)));
        for _ in 0..3 {
            l.check(&1u8).unwrap();
        }
        let e = l.check(&1u8).unwrap_err();
        assert_eq!(e.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(e.code, "rate.limited");
        assert!(e.message.contains("秒后再试"), "{}", e.message);
        l.check(&2u8).unwrap();
        Limiter::<u8>::new(None).check(&1).unwrap();
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_prefix() {
        let a: SocketAddr = "[2001:db8:1:2:aaaa::1]:5".parse().unwrap();
        let b: SocketAddr = "[2001:db8:1:2:bbbb::9]:6".parse().unwrap();
        assert_eq!(ClientAddr::of(a), ClientAddr::of(b));
        let m: SocketAddr = "[::ffff:10.0.0.1]:5".parse().unwrap();
        assert_eq!(ClientAddr::of(m), "10.0.0.1".parse::<IpAddr>().unwrap());
    }
}

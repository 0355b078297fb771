//! Password logins under guessing: a counter of attempts per account and per client address
//! within a window; past the limit the counter is locked for a while, and the right password is
//! refused too. An attempt is counted *before* its password is checked (claimed), so that
//! racing guesses can't all pass the check of a counter that none of them has raised yet: at
//! most `max_failures` passwords are checked per window, however many arrive at once.

/// The limits of one counter (per account, or per address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottle {
    /// Failed attempts allowed within the window; the one that reaches it locks the counter.
    pub max_failures: i64,
    /// The window in which failures count (seconds from the first).
    pub window_secs: i64,
    /// How long a locked counter refuses every attempt (seconds).
    pub lock_secs: i64,
}

impl LoginThrottle {
    /// Per account: 5 failures within 15 minutes lock it for 15 minutes.
    pub const ACCOUNT: LoginThrottle = LoginThrottle {
        max_failures: 5,
        window_secs: 15 * 60,
        lock_secs: 15 * 60,
    };

    /// Per client address: 20 failures within 15 minutes lock it for 15 minutes (higher than
    /// per account: several people may share one address behind a gateway).
    pub const ADDRESS: LoginThrottle = LoginThrottle {
        max_failures: 20,
        window_secs: 15 * 60,
        lock_secs: 15 * 60,
    };
}

/// A counter as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AttemptCounter {
    /// When the window of the counted attempts began (Unix seconds).
    pub window_start: i64,
    /// Attempts counted in the window (claimed, and not released by a success).
    pub attempts: i64,
    /// Locked until then (Unix seconds); 0 or past: not locked.
    pub locked_until: i64,
}

/// Whether an attempt may check its password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Yes; it is the `n`th of the window.
    Allowed(i64),
    /// No: locked until `until`; `newly` if this claim locked it.
    Locked {
        /// Unix seconds.
        until: i64,
        /// This claim went past the limit and locked the counter.
        newly: bool,
    },
}

impl AttemptCounter {
    /// Whether it refuses attempts at `now`.
    pub fn is_locked(&self, now: i64) -> bool {
        self.locked_until > now
    }

    /// Count an attempt at `now` under `limits`.
    pub fn claim(&mut self, limits: &LoginThrottle, now: i64) -> Claim {
        if self.is_locked(now) {
            return Claim::Locked {
                until: self.locked_until,
                newly: false,
            };
        }
        if self.attempts <= 0 || self.window_start + limits.window_secs <= now {
            *self = AttemptCounter {
                window_start: now,
                attempts: 1,
                locked_until: 0,
            };
        } else {
            self.attempts += 1;
        }
        if self.attempts > limits.max_failures {
            self.locked_until = now + limits.lock_secs;
            return Claim::Locked {
                until: self.locked_until,
                newly: true,
            };
        }
        Claim::Allowed(self.attempts)
    }

    /// A claimed attempt failed at `now`: locks the counter once the failures reach the limit;
    /// returns the lock's end if this failure locked it.
    pub fn fail(&mut self, limits: &LoginThrottle, now: i64) -> Option<i64> {
        if self.attempts >= limits.max_failures && !self.is_locked(now) {
            self.locked_until = now + limits.lock_secs;
            return Some(self.locked_until);
        }
        None
    }

    /// A claimed attempt succeeded: it no longer counts.
    pub fn release(&mut self) {
        self.attempts = (self.attempts - 1).max(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: LoginThrottle = LoginThrottle::ACCOUNT;

    #[test]
    fn five_failures_lock_and_the_lock_ends() {
        let mut c = AttemptCounter::default();
        let t = 1_000_000;
        for n in 1..=5 {
            assert_eq!(c.claim(&L, t + n), Claim::Allowed(n));
            let locked = c.fail(&L, t + n);
            assert_eq!(locked.is_some(), n == 5);
        }
        assert_eq!(c.locked_until, t + 5 + L.lock_secs);
        // Locked: refused, whatever comes, and not counted further.
        assert_eq!(
            c.claim(&L, t + 100),
            Claim::Locked {
                until: t + 5 + L.lock_secs,
                newly: false
            }
        );
        assert_eq!(c.attempts, 5);
        // After the lock: a fresh window.
        assert_eq!(c.claim(&L, t + 5 + L.lock_secs), Claim::Allowed(1));
    }

    #[test]
    fn failures_outside_the_window_do_not_add_up() {
        let mut c = AttemptCounter::default();
        for i in 0..20 {
            let now = 1_000_000 + i * L.window_secs;
            assert!(matches!(c.claim(&L, now), Claim::Allowed(1)));
            assert_eq!(c.fail(&L, now), None);
        }
    }

    #[test]
    fn racing_claims_check_at_most_the_limit() {
        // Twenty attempts claimed before any password was checked.
        let mut c = AttemptCounter::default();
        let outcomes: Vec<Claim> = (0..20).map(|_| c.claim(&L, 500)).collect();
        let allowed = outcomes
            .iter()
            .filter(|o| matches!(o, Claim::Allowed(_)))
            .count();
        assert_eq!(allowed, 5);
        assert_eq!(
            outcomes
                .iter()
                .filter(|o| matches!(o, Claim::Locked { newly: true, .. }))
                .count(),
            1
        );
        assert!(c.is_locked(500));
    }

    #[test]
    fn a_success_releases_its_claim() {
        let mut c = AttemptCounter::default();
        for _ in 0..30 {
            assert!(matches!(c.claim(&L, 10), Claim::Allowed(1)));
            c.release();
        }
    }
}

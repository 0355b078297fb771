//! Certificates whose issuer signature this process has already checked. A license certificate
//! is presented again and again (every QR answer, every status check, every signed request);
//! checking the authority's SM2 signature on the same bytes gives the same answer each time, so
//! the answer is remembered by the SM3 hash of the certificate's DER. Only the signature check
//! is remembered: validity period, kind and the license's state are checked every time.

use std::collections::HashSet;
use std::sync::Mutex;

use yizhao_gm::sm3;

/// How many certificates are remembered before the set starts over.
const CAPACITY: usize = 100_000;

/// A bounded set of certificate hashes whose signature verified.
#[derive(Default)]
pub(crate) struct VerifiedCertificates {
    seen: Mutex<HashSet<[u8; 32]>>,
}

impl VerifiedCertificates {
    /// Whether `der`'s signature was verified before; otherwise runs `verify` and remembers a
    /// success.
    pub(crate) fn check<E>(
        &self,
        der: &[u8],
        verify: impl FnOnce() -> Result<(), E>,
    ) -> Result<(), E> {
        let digest = sm3(der);
        if self.lock().contains(&digest) {
            return Ok(());
        }
        verify()?;
        let mut seen = self.lock();
        if seen.len() >= CAPACITY {
            seen.clear();
        }
        seen.insert(digest);
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<[u8; 32]>> {
        // A panic while holding the lock leaves a set of hashes, still correct.
        self.seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn remembers_successes_only() {
        let v = VerifiedCertificates::default();
        let mut calls = 0;
        assert!(
            v.check(b"bad", || {
                calls += 1;
                Err(())
            })
            .is_err()
        );
        assert!(
            v.check(b"bad", || {
                calls += 1;
                Err(())
            })
            .is_err()
        );
        assert_eq!(calls, 2);
        assert!(
            v.check(b"good", || {
                calls += 1;
                Ok::<(), ()>(())
            })
            .is_ok()
        );
        assert!(
            v.check(b"good", || {
                calls += 1;
                Err(())
            })
            .is_ok()
        );
        assert_eq!(calls, 3);
        // Other bytes are checked anew.
        assert!(v.check(b"good!", || Err(())).is_err());
    }
}

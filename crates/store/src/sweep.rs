//! Removing what has run out: QR requests, sessions, one-time codes and challenges whose time
//! ended before a given moment. None of them is evidence (the audit log keeps what happened);
//! left alone they would only grow.

use crate::db::Transaction;
use crate::error::Result;
use crate::sql;

impl Transaction {
    /// The trading platform's: QR requests that expired, and member and back-office sessions
    /// that ended, before `before` (Unix seconds). Returns how many rows went.
    pub async fn sweep_platform(&mut self, before: i64) -> Result<u64> {
        let mut n = 0;
        for sql in [
            "DELETE FROM qr_requests WHERE expires_at < $1",
            "DELETE FROM member_sessions WHERE expires_at < $1",
            "DELETE FROM back_office_sessions WHERE expires_at < $1",
            // A day after its window began, a counter's window and lock are long over.
            "DELETE FROM login_attempts WHERE window_start < $1 AND locked_until < $1",
        ] {
            n += sql::query(sql)
                .bind(before)
                .execute(self)
                .await?
                .rows_affected();
        }
        Ok(n)
    }

    /// The license authority's: real-name sessions whose code and token both expired, proof
    /// challenges that expired, and SMS outbox messages sent, before `before`. Returns how many
    /// rows went.
    pub async fn sweep_authority(&mut self, before: i64) -> Result<u64> {
        let mut n = 0;
        for sql in [
            "DELETE FROM realname_sessions WHERE expires_at < $1 \
             AND (token_expires_at IS NULL OR token_expires_at < $1)",
            "DELETE FROM challenges WHERE expires_at < $1",
            "DELETE FROM outbox WHERE at < $1",
        ] {
            n += sql::query(sql)
                .bind(before)
                .execute(self)
                .await?
                .rows_affected();
        }
        Ok(n)
    }
}

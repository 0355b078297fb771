//! The platform's back office (后台): its users (window staff, reviewers) and their sessions.

use yizhao_domain::login::AttemptCounter;
use yizhao_domain::member::BackOfficeSessionState;

use crate::db::Transaction;
use crate::error::Result;
use crate::members::MemberRow;
use crate::sql;

/// A back-office user.
#[derive(Clone, PartialEq, Eq)]
pub struct BackOfficeUserRow {
    /// Login name.
    pub username: String,
    /// The name shown on pages.
    pub display_name: String,
    /// `staff` (网员注册窗口) or `reviewer` (后台审核).
    pub role: String,
    /// Argon2id PHC string of the password.
    pub password_hash: String,
    /// Created (Unix seconds).
    pub created_at: i64,
}

sql::from_row!(BackOfficeUserRow {
    username,
    display_name,
    role,
    password_hash,
    created_at
});

impl std::fmt::Debug for BackOfficeUserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackOfficeUserRow")
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("password_hash", &"[redacted]")
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// A logged-in back-office session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackOfficeSessionRow {
    /// SM3 hash of the cookie value.
    pub id_hash: String,
    /// The user.
    pub username: String,
    /// Created.
    pub created_at: i64,
    /// Expires.
    pub expires_at: i64,
    /// Where it stands (stored as `active` or `ended`).
    pub state: BackOfficeSessionState,
}

sql::from_row!(BackOfficeSessionRow {
    id_hash,
    username,
    created_at,
    expires_at,
    state as BackOfficeSessionState::parse
});

const USER_COLS: &str = "username, display_name, role, password_hash, created_at";
const SESSION_COLS: &str = "id_hash, username, created_at, expires_at, state";

impl Transaction {
    /// Store a new back-office user; `false` if the username is taken.
    pub async fn insert_back_office_user(&mut self, u: &BackOfficeUserRow) -> Result<bool> {
        let sql = format!(
            "INSERT INTO back_office_users ({USER_COLS}) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (username) DO NOTHING"
        );
        let n = sql::query(&sql)
            .bind(&u.username)
            .bind(&u.display_name)
            .bind(&u.role)
            .bind(&u.password_hash)
            .bind(u.created_at)
            .execute(self)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// A back-office user by username.
    pub async fn back_office_user(&mut self, username: &str) -> Result<Option<BackOfficeUserRow>> {
        let sql = format!("SELECT {USER_COLS} FROM back_office_users WHERE username = $1");
        sql::query_as(&sql)
            .bind(username)
            .fetch_optional(self)
            .await
    }

    /// Store a new back-office session.
    pub async fn insert_back_office_session(&mut self, s: &BackOfficeSessionRow) -> Result<()> {
        let sql =
            format!("INSERT INTO back_office_sessions ({SESSION_COLS}) VALUES ($1,$2,$3,$4,$5)");
        sql::query(&sql)
            .bind(&s.id_hash)
            .bind(&s.username)
            .bind(s.created_at)
            .bind(s.expires_at)
            .bind(s.state)
            .execute(self)
            .await
            .map(drop)?;
        Ok(())
    }

    /// A back-office session by the hash of its cookie.
    pub async fn back_office_session(
        &mut self,
        id_hash: &str,
    ) -> Result<Option<BackOfficeSessionRow>> {
        let sql = format!("SELECT {SESSION_COLS} FROM back_office_sessions WHERE id_hash = $1");
        sql::query_as(&sql).bind(id_hash).fetch_optional(self).await
    }

    /// Move a back-office session from state `from` to `to`; returns whether it moved.
    pub async fn set_back_office_session_state(
        &mut self,
        id_hash: &str,
        from: BackOfficeSessionState,
        to: BackOfficeSessionState,
    ) -> Result<bool> {
        let sql = "UPDATE back_office_sessions SET state = $1 WHERE id_hash = $2 AND state = $3";
        let n = sql::query(sql)
            .bind(to)
            .bind(id_hash)
            .bind(from)
            .execute(self)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// The login-attempt counter `key` (zero if none), locked for the rest of this transaction:
    /// two attempts that read it at once would both count from the same number. On PostgreSQL a
    /// transaction-scoped advisory lock on the key; on SQLite the write transaction serializes.
    pub async fn lock_login_attempts(&mut self, key: &str) -> Result<AttemptCounter> {
        if matches!(self.inner, crate::db::TxInner::Postgres(_)) {
            // Key space (2, hash): apart from the entities' (1, hash) and the audit log's lock.
            sql::query("SELECT pg_advisory_xact_lock(2, hashtext($1))")
                .bind(key)
                .execute(self)
                .await?;
        }
        let row: Option<(i64, i64, i64)> = sql::query_as(
            "SELECT window_start, attempts, locked_until FROM login_attempts WHERE key = $1",
        )
        .bind(key)
        .fetch_optional(self)
        .await?;
        Ok(row.map_or_else(
            AttemptCounter::default,
            |(window_start, attempts, locked_until)| AttemptCounter {
                window_start,
                attempts,
                locked_until,
            },
        ))
    }

    /// Store the login-attempt counter `key` (read with [`Self::lock_login_attempts`]).
    pub async fn save_login_attempts(&mut self, key: &str, c: &AttemptCounter) -> Result<()> {
        let sql = "INSERT INTO login_attempts (key, window_start, attempts, locked_until) \
                   VALUES ($1,$2,$3,$4) ON CONFLICT (key) DO UPDATE SET \
                   window_start = $2, attempts = $3, locked_until = $4";
        sql::query(sql)
            .bind(key)
            .bind(c.window_start)
            .bind(c.attempts)
            .bind(c.locked_until)
            .execute(self)
            .await
            .map(drop)?;
        Ok(())
    }

    /// Every member of the platform, most recently registered first.
    pub async fn members(&mut self) -> Result<Vec<MemberRow>> {
        let sql = format!(
            "SELECT {} FROM members ORDER BY registered_at DESC, uscc",
            crate::members::MEMBER_COLS
        );
        sql::query_as(&sql).fetch_all(self).await
    }
}

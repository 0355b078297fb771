//! The trading platform's tables: QR requests and its sealed signing key.

use yizhao_domain::qr::{QrKind, QrRequest, QrState};
use yizhao_domain::time::Timestamp;

use crate::db::Transaction;
use crate::error::{Result, StoreError};
use crate::sql;

/// One QR request as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrRow {
    /// Id (in the link).
    pub id: String,
    /// `login`, `sign`, …
    pub kind: String,
    /// The relying party that asks.
    pub requester_id: String,
    /// The matter asked for.
    pub matter: String,
    /// One-time nonce.
    pub nonce: String,
    /// Created.
    pub created_at: i64,
    /// Expires.
    pub expires_at: i64,
    /// Hash of the browser session that made it.
    pub session_hash: String,
    /// `pending`, `answered`, `completed`, `expired` or `refused`.
    pub state: String,
    /// The license that answered.
    pub license_id: Option<String>,
    /// The code both screens show.
    pub short_code: Option<String>,
    /// Wrong codes entered.
    pub wrong_tries: i64,
    /// Why refused.
    pub reason: Option<String>,
    /// The last refused answer's error code (the request itself unchanged).
    pub last_error: Option<String>,
    /// That error's message for people, shown as is.
    pub last_error_message: Option<String>,
    /// The signed body (JSON text).
    pub body: String,
    /// The platform's signature over `body`.
    pub signature: Vec<u8>,
}

sql::from_row!(QrRow {
    id,
    kind,
    requester_id,
    matter,
    nonce,
    created_at,
    expires_at,
    session_hash,
    state,
    license_id,
    short_code,
    wrong_tries,
    reason,
    last_error,
    last_error_message,
    body,
    signature
});

impl QrRow {
    /// The row of the request `r`, with its signed `body` and `signature` and the last refused
    /// answer's error (code and message) if any.
    pub fn of_request(
        r: &QrRequest,
        body: String,
        signature: Vec<u8>,
        last_error: Option<(String, String)>,
    ) -> QrRow {
        let (license_id, short_code, wrong_tries, reason) = match &r.state {
            QrState::Answered {
                license_id,
                short_code,
                wrong_tries,
            } => (
                Some(license_id.to_string()),
                Some(short_code.clone()),
                i64::from(*wrong_tries),
                None,
            ),
            QrState::Completed { license_id } => (Some(license_id.to_string()), None, 0, None),
            QrState::Refused { reason } => (None, None, 0, Some(reason.clone())),
            QrState::Pending | QrState::Expired => (None, None, 0, None),
        };
        let (last_error, last_error_message) = last_error.unzip();
        QrRow {
            id: r.id.to_string(),
            kind: r.kind.as_str().into(),
            requester_id: r.requester_id.clone(),
            matter: r.matter.clone(),
            nonce: r.nonce.clone(),
            created_at: r.created_at.0,
            expires_at: r.expires_at.0,
            session_hash: r.session_hash.clone(),
            state: r.state.name().into(),
            license_id,
            short_code,
            wrong_tries,
            reason,
            last_error,
            last_error_message,
            body,
            signature,
        }
    }

    /// The request the row holds, as the domain knows it; a row that no request could have
    /// written is [`StoreError::Corrupt`].
    pub fn request(&self) -> Result<QrRequest> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("qr_requests {}: {what}", self.id));
        let kind = QrKind::parse(&self.kind).ok_or_else(|| corrupt("kind"))?;
        let tries = u32::try_from(self.wrong_tries).map_err(|_| corrupt("wrong_tries"))?;
        let state = QrState::from_stored(
            &self.state,
            self.license_id.clone(),
            self.short_code.clone(),
            tries,
            self.reason.clone(),
        )
        .ok_or_else(|| corrupt("state"))?;
        Ok(QrRequest {
            id: self.id.as_str().into(),
            kind,
            requester_id: self.requester_id.clone(),
            matter: self.matter.clone(),
            nonce: self.nonce.clone(),
            created_at: Timestamp(self.created_at),
            expires_at: Timestamp(self.expires_at),
            session_hash: self.session_hash.clone(),
            state,
        })
    }

    /// The last refused answer's error, code and message.
    pub fn last_error(&self) -> Option<(String, String)> {
        let code = self.last_error.clone()?;
        Some((code, self.last_error_message.clone().unwrap_or_default()))
    }
}

const QR_COLS: &str = "id, kind, requester_id, matter, nonce, created_at, expires_at, session_hash, state, license_id, short_code, wrong_tries, reason, last_error, last_error_message, body, signature";

impl Transaction {
    /// Store a new request.
    pub async fn insert_qr(&mut self, r: &QrRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO qr_requests ({QR_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)"
        );
        sql::query(&sql)
            .bind(&r.id)
            .bind(&r.kind)
            .bind(&r.requester_id)
            .bind(&r.matter)
            .bind(&r.nonce)
            .bind(r.created_at)
            .bind(r.expires_at)
            .bind(&r.session_hash)
            .bind(&r.state)
            .bind(&r.license_id)
            .bind(&r.short_code)
            .bind(r.wrong_tries)
            .bind(&r.reason)
            .bind(&r.last_error)
            .bind(&r.last_error_message)
            .bind(&r.body)
            .bind(&r.signature)
            .execute(self)
            .await
            .map(drop)?;
        Ok(())
    }

    /// A request by id.
    pub async fn qr(&mut self, id: &str) -> Result<Option<QrRow>> {
        let sql = format!("SELECT {QR_COLS} FROM qr_requests WHERE id = $1");
        sql::query_as(&sql).bind(id).fetch_optional(self).await
    }

    /// Move a request to a new state (with `to`'s last error: an accepted answer clears it),
    /// only if it is still in `from` with `from_tries` wrong tries (so two answers can't both
    /// win); returns whether it moved.
    pub async fn update_qr_state(&mut self, from: &QrRow, to: &QrRow) -> Result<bool> {
        let sql = "UPDATE qr_requests SET state = $1, license_id = $2, short_code = $3, wrong_tries = $4, reason = $5, \
                   last_error = $6, last_error_message = $7 \
                   WHERE id = $8 AND state = $9 AND wrong_tries = $10";
        let n = sql::query(sql)
            .bind(&to.state)
            .bind(&to.license_id)
            .bind(&to.short_code)
            .bind(to.wrong_tries)
            .bind(&to.reason)
            .bind(&to.last_error)
            .bind(&to.last_error_message)
            .bind(&from.id)
            .bind(&from.state)
            .bind(from.wrong_tries)
            .execute(self)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// [`Transaction::update_qr_state`] for an accepted answer, storing the license certificate
    /// that answered, in one statement.
    pub async fn answer_qr(
        &mut self,
        from: &QrRow,
        to: &QrRow,
        certificate: &[u8],
    ) -> Result<bool> {
        let sql = "UPDATE qr_requests SET state = $1, license_id = $2, short_code = $3, wrong_tries = $4, reason = $5, \
                   last_error = $6, last_error_message = $7, answer_certificate = $8 \
                   WHERE id = $9 AND state = $10 AND wrong_tries = $11";
        let n = sql::query(sql)
            .bind(&to.state)
            .bind(&to.license_id)
            .bind(&to.short_code)
            .bind(to.wrong_tries)
            .bind(&to.reason)
            .bind(&to.last_error)
            .bind(&to.last_error_message)
            .bind(certificate)
            .bind(&from.id)
            .bind(&from.state)
            .bind(from.wrong_tries)
            .execute(self)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Note the last refused answer's error (code and message) on a request without changing
    /// its state.
    pub async fn set_qr_last_error(&mut self, id: &str, code: &str, message: &str) -> Result<()> {
        sql::query("UPDATE qr_requests SET last_error = $1, last_error_message = $2 WHERE id = $3")
            .bind(code)
            .bind(message)
            .bind(id)
            .execute(self)
            .await
            .map(drop)?;
        Ok(())
    }

    /// The platform's sealed key of that name.
    pub async fn platform_key(&mut self, name: &str) -> Result<Option<Vec<u8>>> {
        let row: Option<(Vec<u8>,)> =
            sql::query_as("SELECT keystore FROM platform_keys WHERE name = $1")
                .bind(name)
                .fetch_optional(self)
                .await?;
        Ok(row.map(|(k,)| k))
    }

    /// Store the platform's sealed key.
    pub async fn insert_platform_key(&mut self, name: &str, keystore: &[u8]) -> Result<()> {
        sql::query("INSERT INTO platform_keys (name, keystore) VALUES ($1, $2)")
            .bind(name)
            .bind(keystore)
            .execute(self)
            .await
            .map(drop)?;
        Ok(())
    }
}

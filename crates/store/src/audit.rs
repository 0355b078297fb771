//! The append-only audit log, hash-chained with SM3 so that tampering shows (SYSTEM.md §6).
//!
//! Record `n` stores the hash of record `n - 1` (`prev_hash`) and its own hash over every field
//! (see [`audit_hash`]). Changing, removing or reordering a stored record breaks the chain at that
//! record; [`Database::verify_audit`] finds the first break. Removing records from the end does
//! not break the chain: that needs the last hash kept somewhere else.

use crate::db::{Database, Transaction, TxInner};
use crate::error::{Result, StoreError};
use crate::sql;

/// The `prev_hash` of the first record: 64 zeros.
pub const GENESIS_PREV_HASH: &str =
    "0000000000000000000000000000000000000000000000000000000000000000";

/// How many records [`Database::verify_audit`] reads at a time.
const VERIFY_PAGE: i64 = 1000;

/// The key of the PostgreSQL advisory lock that serializes appends ("yizhaudi" in ASCII).
const APPEND_LOCK_KEY: i64 = 0x7969_7a68_6175_6469;

/// Tag that starts every hash input, so that no other SM3 input of the system can collide.
const HASH_DOMAIN: &[u8] = b"yizhao.audit.v1";

const SELECT_COLUMNS: &str =
    "SELECT seq, at, actor, action, entity, detail, prev_hash, hash FROM audit_log";

/// One audit record as its columns come from the database.
type Row = (i64, i64, String, String, String, String, String, String);

/// A state change to record: who did what to which entity, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// When it happened, in unix seconds (from the caller's clock, never read here).
    pub at: i64,
    /// Who did it (a person's or a program's identifier).
    pub actor: String,
    /// What was done, e.g. `seal.grant`.
    pub action: String,
    /// The entity it was done to; may be empty.
    pub entity: String,
    /// Details as JSON text (stored and hashed as given).
    pub detail: String,
}

/// An audit record as stored: the entry with its place and hashes in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    /// Position in the log: 1, 2, 3… without gaps.
    pub seq: u64,
    /// What was recorded.
    pub entry: AuditEntry,
    /// Lowercase hex SM3 hash of the previous record ([`GENESIS_PREV_HASH`] for the first).
    pub prev_hash: String,
    /// Lowercase hex SM3 hash of this record, see [`audit_hash`].
    pub hash: String,
}

/// The result of checking the whole audit chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditVerdict {
    /// Every record links to the one before and matches its hash.
    Intact {
        /// How many records were checked.
        records: u64,
    },
    /// The first record that does not fit the chain.
    Broken {
        /// The stored `seq` of that record.
        seq: u64,
        /// Why it does not fit.
        reason: String,
    },
}

/// The canonical, unambiguous byte encoding of a record that its hash covers.
///
/// It is the fields `"yizhao.audit.v1"`, `seq` (8 bytes, big-endian), `at` (8 bytes, big-endian
/// two's complement), `actor`, `action`, `entity`, `detail` and `prev_hash` (UTF-8 bytes, the
/// hash as its 64 lowercase hex characters), in this order, each preceded by its length in bytes
/// as a big-endian `u64`. Because every field carries its length, no two different records
/// encode to the same bytes (moving text from `actor` to `action` changes the encoding).
fn hash_input(seq: u64, entry: &AuditEntry, prev_hash: &str) -> Vec<u8> {
    let fields: [&[u8]; 8] = [
        HASH_DOMAIN,
        &seq.to_be_bytes(),
        &entry.at.to_be_bytes(),
        entry.actor.as_bytes(),
        entry.action.as_bytes(),
        entry.entity.as_bytes(),
        entry.detail.as_bytes(),
        prev_hash.as_bytes(),
    ];
    let len = fields.iter().map(|f| 8 + f.len()).sum();
    let mut out = Vec::with_capacity(len);
    for field in fields {
        // usize always fits in u64 on the platforms Rust supports.
        out.extend_from_slice(&(field.len() as u64).to_be_bytes());
        out.extend_from_slice(field);
    }
    out
}

/// The lowercase hex SM3 hash of the record at `seq` holding `entry` after `prev_hash`.
pub fn audit_hash(seq: u64, entry: &AuditEntry, prev_hash: &str) -> String {
    hex::encode(yizhao_gm::sm3(&hash_input(seq, entry, prev_hash)))
}

fn seq_to_db(seq: u64) -> Result<i64> {
    i64::try_from(seq).map_err(|_| StoreError::Corrupt(format!("audit seq {seq} out of range")))
}

fn seq_from_db(seq: i64) -> Result<u64> {
    u64::try_from(seq).map_err(|_| StoreError::Corrupt(format!("audit seq {seq} is negative")))
}

fn record_from_row(row: Row) -> Result<AuditRecord> {
    let (seq, at, actor, action, entity, detail, prev_hash, hash) = row;
    Ok(AuditRecord {
        seq: seq_from_db(seq)?,
        entry: AuditEntry {
            at,
            actor,
            action,
            entity,
            detail,
        },
        prev_hash,
        hash,
    })
}

impl Database {
    /// Appends `entry` to the audit log inside `tx`, so that it commits with the change it records.
    ///
    /// Concurrent appends never fork the chain: on PostgreSQL a transaction-scoped advisory lock
    /// is taken before the tail is read; on SQLite the transaction already holds the write lock
    /// (`BEGIN IMMEDIATE`). The primary key on `seq` is the last guard.
    pub async fn append_audit(
        &self,
        tx: &mut Transaction,
        entry: AuditEntry,
    ) -> Result<AuditRecord> {
        if !tx.inner.is_transaction() {
            return Err(StoreError::NeedsTransaction("an audit append"));
        }
        let tail_sql = "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";
        // This transaction's own last append, else (SQLite) the tail this process committed last.
        // The latter may be stale: another process (an admin command beside the server) may have
        // appended since, so an append over it is made only if no record follows it.
        let own = tx.pending_audit_tail.take();
        let cached = match own {
            Some(_) => None,
            None => tx.writer.as_mut().and_then(|w| w.audit_tail.take()),
        };
        let mut known = own.or(cached.clone());
        let insert_sql = "INSERT INTO audit_log (seq, at, actor, action, entity, detail, prev_hash, hash) \
                          VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        let insert_after_sql = "INSERT INTO audit_log (seq, at, actor, action, entity, detail, prev_hash, hash) \
                          SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
                          WHERE NOT EXISTS (SELECT 1 FROM audit_log WHERE seq >= $1)";
        loop {
            let from_cache = known.is_some() && known == cached;
            let tail: Option<(i64, String)> = match known.take() {
                Some((seq, hash)) => Some((seq_to_db(seq)?, hash)),
                None => {
                    if matches!(tx.inner, TxInner::Postgres(_)) {
                        sql::query("SELECT pg_advisory_xact_lock($1)")
                            .bind(APPEND_LOCK_KEY)
                            .execute(tx)
                            .await?;
                    }
                    sql::query_as(tail_sql).fetch_optional(tx).await?
                }
            };
            let (seq, prev_hash) = match tail {
                None => (1, GENESIS_PREV_HASH.to_owned()),
                Some((seq, hash)) => (seq_from_db(seq)?.saturating_add(1), hash),
            };
            let hash = audit_hash(seq, &entry, &prev_hash);
            let record = AuditRecord {
                seq,
                entry: entry.clone(),
                prev_hash,
                hash,
            };
            let e = &record.entry;
            let inserted = sql::query(if from_cache {
                insert_after_sql
            } else {
                insert_sql
            })
            .bind(seq_to_db(record.seq)?)
            .bind(e.at)
            .bind(&e.actor)
            .bind(&e.action)
            .bind(&e.entity)
            .bind(&e.detail)
            .bind(&record.prev_hash)
            .bind(&record.hash)
            .execute(tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                // The cached tail was stale: read the real one and append after it.
                continue;
            }
            tx.pending_audit_tail = Some((record.seq, record.hash.clone()));
            return Ok(record);
        }
    }

    /// Checks the whole audit chain in `seq` order, a page at a time, and reports the first break.
    pub async fn verify_audit(&self) -> Result<AuditVerdict> {
        let page_sql = format!("{SELECT_COLUMNS} WHERE seq > $1 ORDER BY seq LIMIT $2");
        let mut expected_seq: u64 = 1;
        let mut prev_hash = GENESIS_PREV_HASH.to_owned();
        let mut after: i64 = 0;
        loop {
            let rows: Vec<Row> = sql::query_as(&page_sql)
                .bind(after)
                .bind(VERIFY_PAGE)
                .fetch_all(&mut self.read().await?)
                .await?;
            let Some(last) = rows.last() else {
                return Ok(AuditVerdict::Intact {
                    records: expected_seq - 1,
                });
            };
            after = last.0;
            for row in rows {
                let record = record_from_row(row)?;
                let seq = record.seq;
                let broken = |reason: String| Ok(AuditVerdict::Broken { seq, reason });
                if seq != expected_seq {
                    return broken(format!("expected seq {expected_seq}, found {seq}"));
                }
                if record.prev_hash != prev_hash {
                    return broken("prev_hash does not match the previous record's hash".into());
                }
                if record.hash != audit_hash(seq, &record.entry, &record.prev_hash) {
                    return broken("hash does not match the record's contents".into());
                }
                expected_seq += 1;
                prev_hash = record.hash;
            }
        }
    }

    /// The last `n` audit records, oldest first.
    pub async fn audit_tail(&self, n: u32) -> Result<Vec<AuditRecord>> {
        let tail_sql = format!("{SELECT_COLUMNS} ORDER BY seq DESC LIMIT $1");
        let mut rows: Vec<Row> = sql::query_as(&tail_sql)
            .bind(i64::from(n))
            .fetch_all(&mut self.read().await?)
            .await?;
        rows.reverse();
        rows.into_iter().map(record_from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(actor: &str, action: &str) -> AuditEntry {
        AuditEntry {
            at: 1_700_000_000,
            actor: actor.into(),
            action: action.into(),
            entity: String::new(),
            detail: "{}".into(),
        }
    }

    #[test]
    fn encoding_is_injective_across_field_boundaries() {
        let a = entry("ab", "c");
        let b = entry("a", "bc");
        assert_ne!(
            hash_input(1, &a, GENESIS_PREV_HASH),
            hash_input(1, &b, GENESIS_PREV_HASH)
        );
        assert_ne!(
            audit_hash(1, &a, GENESIS_PREV_HASH),
            audit_hash(1, &b, GENESIS_PREV_HASH)
        );
    }

    #[test]
    fn encoding_is_length_prefixed() {
        let input = hash_input(1, &entry("ab", "c"), GENESIS_PREV_HASH);
        let mut expected = Vec::new();
        for field in [
            HASH_DOMAIN,
            &1u64.to_be_bytes(),
            &1_700_000_000i64.to_be_bytes(),
            b"ab",
            b"c",
            b"",
            b"{}",
            GENESIS_PREV_HASH.as_bytes(),
        ] {
            expected.extend_from_slice(&(field.len() as u64).to_be_bytes());
            expected.extend_from_slice(field);
        }
        assert_eq!(input, expected);
        let hash = audit_hash(1, &entry("ab", "c"), GENESIS_PREV_HASH);
        assert_eq!(hash.len(), 64);
        assert_eq!(hash, hex::encode(yizhao_gm::sm3(&expected)));
    }

    #[test]
    fn every_field_is_covered() {
        let base = entry("a", "b");
        let h = audit_hash(1, &base, GENESIS_PREV_HASH);
        assert_ne!(h, audit_hash(2, &base, GENESIS_PREV_HASH));
        let mut changed = base.clone();
        changed.at += 1;
        assert_ne!(h, audit_hash(1, &changed, GENESIS_PREV_HASH));
        let mut changed = base.clone();
        changed.entity = "x".into();
        assert_ne!(h, audit_hash(1, &changed, GENESIS_PREV_HASH));
        let mut changed = base.clone();
        changed.detail = "{\"a\":1}".into();
        assert_ne!(h, audit_hash(1, &changed, GENESIS_PREV_HASH));
        assert_ne!(h, audit_hash(1, &base, &"1".repeat(64)));
    }
}

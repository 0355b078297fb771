//! The license authority's tables: registry, grants, real-name sessions, outbox, licenses,
//! challenges and the authority's own sealed keys. Plain reads and writes; the rules live in
//! `yizhao-domain` and the use cases in the server.

use crate::db::{Database, Transaction};
use crate::error::Result;
use crate::sql;

/// One enterprise of the registry (the authority's source data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnterpriseRow {
    /// 统一社会信用代码.
    pub uscc: String,
    /// 名称.
    pub name: String,
    /// 类型.
    pub kind: String,
    /// Legal representative's name.
    pub lr_name: String,
    /// Legal representative's ID number.
    pub lr_id_number: String,
    /// Legal representative's phone.
    pub lr_phone: String,
    /// 注册资本.
    pub registered_capital: String,
    /// 成立日期.
    pub established: String,
    /// 营业期限.
    pub business_term: String,
    /// 住所.
    pub domicile: String,
    /// 经营范围.
    pub business_scope: String,
    /// 登记机关.
    pub registration_authority: String,
    /// Registration locality (6-digit division code).
    pub locality: String,
}

sql::from_row!(EnterpriseRow {
    uscc,
    name,
    kind,
    lr_name,
    lr_id_number,
    lr_phone,
    registered_capital,
    established,
    business_term,
    domicile,
    business_scope,
    registration_authority,
    locality
});

/// An admin appointment or an agent authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    /// Id.
    pub id: String,
    /// Entity.
    pub uscc: String,
    /// `license_admin` or `agent`.
    pub role: String,
    /// Name.
    pub name: String,
    /// ID number.
    pub id_number: String,
    /// Phone.
    pub phone: String,
    /// `all` or a JSON array of matter codes.
    pub scope: String,
    /// Agents: start (Unix seconds).
    pub period_start: Option<i64>,
    /// Agents: end (Unix seconds).
    pub period_end: Option<i64>,
    /// Who granted it (a license serial).
    pub granted_by: String,
    /// When.
    pub granted_at: i64,
    /// When revoked (or the admin removed).
    pub revoked_at: Option<i64>,
    /// By whom.
    pub revoked_by: Option<String>,
}

sql::from_row!(GrantRow {
    id,
    uscc,
    role,
    name,
    id_number,
    phone,
    scope,
    period_start,
    period_end,
    granted_by,
    granted_at,
    revoked_at,
    revoked_by
});

/// A real-name verification session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealNameRow {
    /// Session id.
    pub id: String,
    /// Name.
    pub name: String,
    /// ID number.
    pub id_number: String,
    /// Phone.
    pub phone: String,
    /// Hash of the one-time code.
    pub code_hash: String,
    /// Wrong codes tried.
    pub attempts: i64,
    /// Created.
    pub created_at: i64,
    /// Code expiry.
    pub expires_at: i64,
    /// Hash of the token issued on success.
    pub token_hash: Option<String>,
    /// Token expiry.
    pub token_expires_at: Option<i64>,
}

sql::from_row!(RealNameRow {
    id,
    name,
    id_number,
    phone,
    code_hash,
    attempts,
    created_at,
    expires_at,
    token_hash,
    token_expires_at
});

/// A downloaded license copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenseRow {
    /// Certificate serial (hex).
    pub serial: String,
    /// Entity.
    pub uscc: String,
    /// Holder's ID number.
    pub id_number: String,
    /// Role.
    pub role: String,
    /// The grant behind it (none for the legal representative).
    pub grant_id: Option<String>,
    /// Device public key (SPKI DER).
    pub device_key: Vec<u8>,
    /// Certificate (DER).
    pub certificate: Vec<u8>,
    /// Issued.
    pub issued_at: i64,
    /// Revoked.
    pub revoked_at: Option<i64>,
}

sql::from_row!(LicenseRow {
    serial,
    uscc,
    id_number,
    role,
    grant_id,
    device_key,
    certificate,
    issued_at,
    revoked_at
});

/// A message of the built-in identity-proofing outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// Phone.
    pub phone: String,
    /// Text.
    pub text: String,
    /// Code.
    pub code: String,
    /// When.
    pub at: i64,
}

sql::from_row!(OutboxRow {
    phone,
    text,
    code,
    at
});

/// A relying party registered with the authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingPartyRow {
    /// Id.
    pub id: String,
    /// Registered name (shown by wallets).
    pub name: String,
    /// JSON array of the matter codes it may ask for.
    pub matters: String,
    /// Its signing key (SPKI DER).
    pub public_key: Vec<u8>,
    /// The certificate the authority issued (DER).
    pub certificate: Vec<u8>,
    /// When.
    pub registered_at: i64,
    /// When revoked.
    pub revoked_at: Option<i64>,
}

sql::from_row!(RelyingPartyRow {
    id,
    name,
    matters,
    public_key,
    certificate,
    registered_at,
    revoked_at
});

const RP_COLS: &str = "id, name, matters, public_key, certificate, registered_at, revoked_at";

const ENTERPRISE_COLS: &str = "uscc, name, kind, lr_name, lr_id_number, lr_phone, registered_capital, established, business_term, domicile, business_scope, registration_authority, locality";
const GRANT_COLS: &str = "id, uscc, role, name, id_number, phone, scope, period_start, period_end, granted_by, granted_at, revoked_at, revoked_by";
const LICENSE_COLS: &str =
    "serial, uscc, id_number, role, grant_id, device_key, certificate, issued_at, revoked_at";

impl Database {
    /// A read-only unit of work: a pooled connection, each query on its own (no `BEGIN` and
    /// `ROLLBACK` round trips around reads, no write lock on SQLite). Several queries on it may
    /// see commits that land between them; a read that needs one snapshot uses
    /// [`Database::read_snapshot`]. Writing through it is a mistake: use [`Database::begin`].
    pub async fn read(&self) -> Result<Transaction> {
        self.connection().await
    }

    /// A read-only unit of work that sees one snapshot of the database (a plain transaction,
    /// no write lock on SQLite).
    pub async fn read_snapshot(&self) -> Result<Transaction> {
        self.begin_deferred().await
    }
}

impl Transaction {
    /// Serializes, for the rest of this transaction, every writer that applies the rules of
    /// the entity `uscc` ("at most five admins" (R5), a seal grant's uses (R16)…): each counts
    /// and then writes, and two that counted at once would both write. On PostgreSQL this takes
    /// a transaction-scoped advisory lock on the entity (READ COMMITTED takes none by itself);
    /// on SQLite a write transaction holds the database's single writer turn already.
    pub async fn lock_entity(&mut self, uscc: &str) -> Result<()> {
        if matches!(self.inner, crate::db::TxInner::Postgres(_)) {
            // Key space (1, hash): apart from the audit log's one-key lock.
            sql::query("SELECT pg_advisory_xact_lock(1, hashtext($1))")
                .bind(uscc)
                .execute(self)
                .await?;
        }
        Ok(())
    }

    /// Serializes, for the rest of this transaction, every writer that sends a one-time code
    /// to `phone`: each counts the codes sent and then sends one, and two that counted at once
    /// would both send. Key space 2 on PostgreSQL (see [`Transaction::lock_entity`]).
    pub async fn lock_phone(&mut self, phone: &str) -> Result<()> {
        if matches!(self.inner, crate::db::TxInner::Postgres(_)) {
            sql::query("SELECT pg_advisory_xact_lock(2, hashtext($1))")
                .bind(phone)
                .execute(self)
                .await?;
        }
        Ok(())
    }

    /// How many real-name codes went to `phone` at or after `since`, when the first and the
    /// last of them did.
    pub async fn codes_sent_since(
        &mut self,
        phone: &str,
        since: i64,
    ) -> Result<(i64, Option<i64>, Option<i64>)> {
        sql::query_as(
            "SELECT COUNT(*), MIN(created_at), MAX(created_at) FROM realname_sessions \
             WHERE phone = $1 AND created_at >= $2",
        )
        .bind(phone)
        .bind(since)
        .fetch_one(self)
        .await
    }

    /// Insert or replace a registry entry.
    pub async fn upsert_enterprise(&mut self, e: &EnterpriseRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO enterprises ({ENTERPRISE_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) \
             ON CONFLICT (uscc) DO UPDATE SET name=$2, kind=$3, lr_name=$4, lr_id_number=$5, lr_phone=$6, \
             registered_capital=$7, established=$8, business_term=$9, domicile=$10, business_scope=$11, \
             registration_authority=$12, locality=$13"
        );
        sql::query(&sql)
            .bind(&e.uscc)
            .bind(&e.name)
            .bind(&e.kind)
            .bind(&e.lr_name)
            .bind(&e.lr_id_number)
            .bind(&e.lr_phone)
            .bind(&e.registered_capital)
            .bind(&e.established)
            .bind(&e.business_term)
            .bind(&e.domicile)
            .bind(&e.business_scope)
            .bind(&e.registration_authority)
            .bind(&e.locality)
            .execute(self)
            .await
            .map(drop)?;
        Ok(())
    }

    /// A registry entry.
    pub async fn enterprise(&mut self, uscc: &str) -> Result<Option<EnterpriseRow>> {
        let sql = format!("SELECT {ENTERPRISE_COLS} FROM enterprises WHERE uscc = $1");
        sql::query_as(&sql).bind(uscc).fetch_optional(self).await
    }

    /// Entries of a locality, by name.
    pub async fn enterprises_in_locality(&mut self, locality: &str) -> Result<Vec<EnterpriseRow>> {
        let sql =
            format!("SELECT {ENTERPRISE_COLS} FROM enterprises WHERE locality = $1 ORDER BY name");
        sql::query_as(&sql).bind(locality).fetch_all(self).await
    }

    /// Entries whose legal representative has this ID number.
    pub async fn enterprises_of_legal_rep(
        &mut self,
        id_number: &str,
    ) -> Result<Vec<EnterpriseRow>> {
        let sql = format!(
            "SELECT {ENTERPRISE_COLS} FROM enterprises WHERE lr_id_number = $1 ORDER BY name"
        );
        sql::query_as(&sql).bind(id_number).fetch_all(self).await
    }

    /// Number of registry entries.
    pub async fn enterprise_count(&mut self) -> Result<i64> {
        let (n,): (i64,) = sql::query_as("SELECT COUNT(*) FROM enterprises")
            .fetch_one(self)
            .await?;
        Ok(n)
    }

    /// Store a new grant.
    pub async fn insert_grant(&mut self, g: &GrantRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO grants ({GRANT_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)"
        );
        sql::query(&sql)
            .bind(&g.id)
            .bind(&g.uscc)
            .bind(&g.role)
            .bind(&g.name)
            .bind(&g.id_number)
            .bind(&g.phone)
            .bind(&g.scope)
            .bind(g.period_start)
            .bind(g.period_end)
            .bind(&g.granted_by)
            .bind(g.granted_at)
            .bind(g.revoked_at)
            .bind(&g.revoked_by)
            .execute(self)
            .await
            .map(drop)?;
        Ok(())
    }

    /// A grant by id.
    pub async fn grant(&mut self, id: &str) -> Result<Option<GrantRow>> {
        let sql = format!("SELECT {GRANT_COLS} FROM grants WHERE id = $1");
        sql::query_as(&sql).bind(id).fetch_optional(self).await
    }

    /// Grants of an entity in a role that are not revoked, oldest first.
    pub async fn live_grants_of_entity(&mut self, uscc: &str, role: &str) -> Result<Vec<GrantRow>> {
        let sql = format!(
            "SELECT {GRANT_COLS} FROM grants WHERE uscc = $1 AND role = $2 AND revoked_at IS NULL ORDER BY granted_at, id"
        );
        sql::query_as(&sql)
            .bind(uscc)
            .bind(role)
            .fetch_all(self)
            .await
    }

    /// Grants held by a person (any entity) that are not revoked.
    pub async fn live_grants_of_person(&mut self, id_number: &str) -> Result<Vec<GrantRow>> {
        let sql = format!(
            "SELECT {GRANT_COLS} FROM grants WHERE id_number = $1 AND revoked_at IS NULL ORDER BY granted_at, id"
        );
        sql::query_as(&sql).bind(id_number).fetch_all(self).await
    }

    /// Revoke a grant (and so every copy downloaded under it); false if already revoked.
    pub async fn revoke_grant(&mut self, id: &str, at: i64, by: &str) -> Result<bool> {
        let sql = "UPDATE grants SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL";
        let n = sql::query(sql)
            .bind(at)
            .bind(by)
            .bind(id)
            .execute(self)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Store a real-name session.
    pub async fn insert_realname(&mut self, r: &RealNameRow) -> Result<()> {
        let sql = "INSERT INTO realname_sessions (id, name, id_number, phone, code_hash, attempts, created_at, expires_at, token_hash, token_expires_at) \
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)";
        sql::query(sql)
            .bind(&r.id)
            .bind(&r.name)
            .bind(&r.id_number)
            .bind(&r.phone)
            .bind(&r.code_hash)
            .bind(r.attempts)
            .bind(r.created_at)
            .bind(r.expires_at)
            .bind(&r.token_hash)
            .bind(r.token_expires_at)
            .execute(self)
            .await
            .map(drop)?;
        Ok(())
    }

    /// A real-name session by id.
    pub async fn realname(&mut self, id: &str) -> Result<Option<RealNameRow>> {
        let sql = "SELECT id, name, id_number, phone, code_hash, attempts, created_at, expires_at, token_hash, token_expires_at FROM realname_sessions WHERE id = $1";
        sql::query_as(sql).bind(id).fetch_optional(self).await
    }

    /// A verified real-name session by the hash of its token.
    pub async fn realname_by_token(&mut self, token_hash: &str) -> Result<Option<RealNameRow>> {
        let sql = "SELECT id, name, id_number, phone, code_hash, attempts, created_at, expires_at, token_hash, token_expires_at FROM realname_sessions WHERE token_hash = $1";
        sql::query_as(sql)
            .bind(token_hash)
            .fetch_optional(self)
            .await
    }

    /// Count one more wrong code.
    pub async fn realname_failed_attempt(&mut self, id: &str) -> Result<()> {
        sql::query("UPDATE realname_sessions SET attempts = attempts + 1 WHERE id = $1")
            .bind(id)
            .execute(self)
            .await
            .map(drop)?;
        Ok(())
    }

    /// Mark a session verified with its token; false if it already was.
    pub async fn realname_verified(
        &mut self,
        id: &str,
        token_hash: &str,
        token_expires_at: i64,
    ) -> Result<bool> {
        let sql = "UPDATE realname_sessions SET token_hash = $1, token_expires_at = $2 WHERE id = $3 AND token_hash IS NULL";
        let n = sql::query(sql)
            .bind(token_hash)
            .bind(token_expires_at)
            .bind(id)
            .execute(self)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Deliver a message to the built-in outbox.
    pub async fn insert_outbox(&mut self, m: &OutboxRow) -> Result<()> {
        let sql = "INSERT INTO outbox (phone, text, code, at) VALUES ($1,$2,$3,$4)";
        sql::query(sql)
            .bind(&m.phone)
            .bind(&m.text)
            .bind(&m.code)
            .bind(m.at)
            .execute(self)
            .await
            .map(drop)?;
        Ok(())
    }

    /// The outbox of a phone, newest first.
    pub async fn outbox(&mut self, phone: &str) -> Result<Vec<OutboxRow>> {
        let sql = "SELECT phone, text, code, at FROM outbox WHERE phone = $1 ORDER BY id DESC";
        sql::query_as(sql).bind(phone).fetch_all(self).await
    }

    /// Store a downloaded license.
    pub async fn insert_license(&mut self, l: &LicenseRow) -> Result<()> {
        let sql =
            format!("INSERT INTO licenses ({LICENSE_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)");
        sql::query(&sql)
            .bind(&l.serial)
            .bind(&l.uscc)
            .bind(&l.id_number)
            .bind(&l.role)
            .bind(&l.grant_id)
            .bind(&l.device_key)
            .bind(&l.certificate)
            .bind(l.issued_at)
            .bind(l.revoked_at)
            .execute(self)
            .await
            .map(drop)?;
        Ok(())
    }

    /// A license by serial.
    pub async fn license(&mut self, serial: &str) -> Result<Option<LicenseRow>> {
        let sql = format!("SELECT {LICENSE_COLS} FROM licenses WHERE serial = $1");
        sql::query_as(&sql).bind(serial).fetch_optional(self).await
    }

    /// Licenses a person downloaded, newest first.
    pub async fn licenses_of_person(&mut self, id_number: &str) -> Result<Vec<LicenseRow>> {
        let sql = format!(
            "SELECT {LICENSE_COLS} FROM licenses WHERE id_number = $1 ORDER BY issued_at DESC, serial"
        );
        sql::query_as(&sql).bind(id_number).fetch_all(self).await
    }

    /// How many unrevoked copies were downloaded under a grant.
    pub async fn downloads_of_grant(&mut self, grant_id: &str) -> Result<i64> {
        let (n,): (i64,) = sql::query_as(
            "SELECT COUNT(*) FROM licenses WHERE grant_id = $1 AND revoked_at IS NULL",
        )
        .bind(grant_id)
        .fetch_one(self)
        .await?;
        Ok(n)
    }

    /// Whether the entity's legal representative has downloaded its license (R2).
    pub async fn entity_has_first_download(&mut self, uscc: &str) -> Result<bool> {
        let sql =
            "SELECT 1 FROM licenses WHERE uscc = $1 AND role = 'legal_representative' LIMIT 1";
        let found: Option<(i32,)> = sql::query_as(sql).bind(uscc).fetch_optional(self).await?;
        Ok(found.is_some())
    }

    /// Store a fresh challenge.
    pub async fn insert_challenge(&mut self, challenge: &str, expires_at: i64) -> Result<()> {
        sql::query("INSERT INTO challenges (challenge, expires_at) VALUES ($1, $2)")
            .bind(challenge)
            .bind(expires_at)
            .execute(self)
            .await
            .map(drop)?;
        Ok(())
    }

    /// Use a challenge once: true only if it exists, is unused and unexpired at `now`.
    pub async fn consume_challenge(&mut self, challenge: &str, now: i64) -> Result<bool> {
        let sql = "UPDATE challenges SET used_at = $1 WHERE challenge = $2 AND used_at IS NULL AND expires_at > $1";
        let n = sql::query(sql)
            .bind(now)
            .bind(challenge)
            .execute(self)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Store a relying party.
    pub async fn insert_relying_party(&mut self, r: &RelyingPartyRow) -> Result<()> {
        let sql = format!("INSERT INTO relying_parties ({RP_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7)");
        sql::query(&sql)
            .bind(&r.id)
            .bind(&r.name)
            .bind(&r.matters)
            .bind(&r.public_key)
            .bind(&r.certificate)
            .bind(r.registered_at)
            .bind(r.revoked_at)
            .execute(self)
            .await
            .map(drop)?;
        Ok(())
    }

    /// A relying party by registered name.
    pub async fn relying_party_by_name(&mut self, name: &str) -> Result<Option<RelyingPartyRow>> {
        let sql = format!("SELECT {RP_COLS} FROM relying_parties WHERE name = $1");
        sql::query_as(&sql).bind(name).fetch_optional(self).await
    }

    /// A relying party by id.
    pub async fn relying_party(&mut self, id: &str) -> Result<Option<RelyingPartyRow>> {
        let sql = format!("SELECT {RP_COLS} FROM relying_parties WHERE id = $1");
        sql::query_as(&sql).bind(id).fetch_optional(self).await
    }

    /// One of the authority's sealed keys with its certificate.
    pub async fn authority_key(&mut self, name: &str) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        sql::query_as("SELECT keystore, certificate FROM authority_keys WHERE name = $1")
            .bind(name)
            .fetch_optional(self)
            .await
    }

    /// Store one of the authority's sealed keys.
    pub async fn insert_authority_key(
        &mut self,
        name: &str,
        keystore: &[u8],
        certificate: &[u8],
    ) -> Result<()> {
        sql::query("INSERT INTO authority_keys (name, keystore, certificate) VALUES ($1, $2, $3)")
            .bind(name)
            .bind(keystore)
            .bind(certificate)
            .execute(self)
            .await
            .map(drop)?;
        Ok(())
    }
}

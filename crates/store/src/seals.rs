//! The seal authority's tables (R13–R16): impressions and their review, seals, collections onto
//! licenses, seal admins and seal use grants. Plain reads and writes; the rules live in
//! `yizhao-domain::seal` and the use cases in the server.

use crate::db::Transaction;
use crate::error::Result;
use crate::sql;

/// An uploaded impression (印模).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpressionRow {
    /// Id.
    pub id: String,
    /// The entity.
    pub uscc: String,
    /// Seal type (`yizhao_domain::seal::SealType::as_str`).
    pub seal_type: String,
    /// Shape.
    pub shape: String,
    /// Width (mm).
    pub width_mm: i64,
    /// Height (mm).
    pub height_mm: i64,
    /// The processed picture: PNG with alpha.
    pub picture: Vec<u8>,
    /// The quality report (JSON).
    pub quality: String,
    /// The license serial that signed the upload.
    pub uploaded_by: String,
    /// That license's signature over the upload.
    pub signature: Vec<u8>,
    /// When.
    pub uploaded_at: i64,
    /// `pending`, `approved`, `rejected` or `superseded`.
    pub state: String,
    /// The reviewer.
    pub reviewed_by: Option<String>,
    /// When reviewed.
    pub reviewed_at: Option<i64>,
    /// Why rejected.
    pub reason: Option<String>,
}

sql::from_row!(ImpressionRow {
    id,
    uscc,
    seal_type,
    shape,
    width_mm,
    height_mm,
    picture,
    quality,
    uploaded_by,
    signature,
    uploaded_at,
    state,
    reviewed_by,
    reviewed_at,
    reason
});

/// A seal made from an approved impression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealRow {
    /// Id (the seal's esID).
    pub id: String,
    /// The entity.
    pub uscc: String,
    /// Seal type.
    pub seal_type: String,
    /// The seal's name (the entity's name and the type).
    pub name: String,
    /// The impression it was made from.
    pub impression_id: String,
    /// Valid from (Unix seconds).
    pub valid_start: i64,
    /// Valid until.
    pub valid_end: i64,
    /// Made.
    pub made_at: i64,
    /// The reviewer who approved it.
    pub made_by: String,
    /// The GB/T 38540 `SESeal` as made (DER).
    pub seal: Vec<u8>,
    /// When a newer seal of the same type replaced it.
    pub superseded_at: Option<i64>,
}

sql::from_row!(SealRow {
    id,
    uscc,
    seal_type,
    name,
    impression_id,
    valid_start,
    valid_end,
    made_at,
    made_by,
    seal,
    superseded_at
});

/// A seal collected onto one license (领章).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealCollectionRow {
    /// Id.
    pub id: String,
    /// The seal.
    pub seal_id: String,
    /// The license it is bound to.
    pub license_serial: String,
    /// The seal admin appointment or use grant it came through, if any.
    pub grant_id: Option<String>,
    /// The `SESeal` issued with that license in its certificate list (DER).
    pub seal: Vec<u8>,
    /// When.
    pub collected_at: i64,
    /// When deleted (a wrong collection, to be redone).
    pub deleted_at: Option<i64>,
}

sql::from_row!(SealCollectionRow {
    id,
    seal_id,
    license_serial,
    grant_id,
    seal,
    collected_at,
    deleted_at
});

/// A seal admin appointment for one seal type (R15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealAdminRow {
    /// Id.
    pub id: String,
    /// The entity.
    pub uscc: String,
    /// The seal type managed.
    pub seal_type: String,
    /// Name.
    pub name: String,
    /// ID number.
    pub id_number: String,
    /// Who appointed (a license serial).
    pub appointed_by: String,
    /// When.
    pub appointed_at: i64,
    /// When revoked.
    pub revoked_at: Option<i64>,
    /// By whom.
    pub revoked_by: Option<String>,
}

sql::from_row!(SealAdminRow {
    id,
    uscc,
    seal_type,
    name,
    id_number,
    appointed_by,
    appointed_at,
    revoked_at,
    revoked_by
});

/// A seal use grant (R16).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealUseGrantRow {
    /// Id.
    pub id: String,
    /// The entity.
    pub uscc: String,
    /// Seal type.
    pub seal_type: String,
    /// The user's name.
    pub name: String,
    /// The user's ID number.
    pub id_number: String,
    /// From (Unix seconds).
    pub period_start: i64,
    /// Until (exclusive).
    pub period_end: i64,
    /// 用章事由 (shown, not enforced).
    pub reason: String,
    /// `all` or a JSON array of matter codes.
    pub scope: String,
    /// Uses granted.
    pub uses_total: i64,
    /// Uses not yet taken.
    pub uses_left: i64,
    /// Who granted (a license serial).
    pub granted_by: String,
    /// When.
    pub granted_at: i64,
    /// When revoked.
    pub revoked_at: Option<i64>,
    /// By whom.
    pub revoked_by: Option<String>,
}

sql::from_row!(SealUseGrantRow {
    id,
    uscc,
    seal_type,
    name,
    id_number,
    period_start,
    period_end,
    reason,
    scope,
    uses_total,
    uses_left,
    granted_by,
    granted_at,
    revoked_at,
    revoked_by
});

/// A seal maker certificate that was revoked (the seal root's CRL lists it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedSealMakerRow {
    /// The certificate's serial number, lowercase hex.
    pub serial: String,
    /// The certificate (DER).
    pub certificate: Vec<u8>,
    /// When it was revoked (Unix seconds).
    pub revoked_at: i64,
    /// Why (the operator's words).
    pub reason: String,
}

sql::from_row!(RevokedSealMakerRow {
    serial,
    certificate,
    revoked_at,
    reason
});

const IMPRESSION_COLS: &str = "id, uscc, seal_type, shape, width_mm, height_mm, picture, quality, uploaded_by, signature, uploaded_at, state, reviewed_by, reviewed_at, reason";
const SEAL_COLS: &str = "id, uscc, seal_type, name, impression_id, valid_start, valid_end, made_at, made_by, seal, superseded_at";
const COLLECTION_COLS: &str =
    "id, seal_id, license_serial, grant_id, seal, collected_at, deleted_at";
const ADMIN_COLS: &str =
    "id, uscc, seal_type, name, id_number, appointed_by, appointed_at, revoked_at, revoked_by";
const USE_GRANT_COLS: &str = "id, uscc, seal_type, name, id_number, period_start, period_end, reason, scope, uses_total, uses_left, granted_by, granted_at, revoked_at, revoked_by";

impl Transaction {
    /// Store an uploaded impression.
    pub async fn insert_impression(&mut self, r: &ImpressionRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO impressions ({IMPRESSION_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)"
        );
        sql::query(&sql)
            .bind(&r.id)
            .bind(&r.uscc)
            .bind(&r.seal_type)
            .bind(&r.shape)
            .bind(r.width_mm)
            .bind(r.height_mm)
            .bind(&r.picture)
            .bind(&r.quality)
            .bind(&r.uploaded_by)
            .bind(&r.signature)
            .bind(r.uploaded_at)
            .bind(&r.state)
            .bind(&r.reviewed_by)
            .bind(r.reviewed_at)
            .bind(&r.reason)
            .execute(self)
            .await?;
        Ok(())
    }

    /// An impression by id.
    pub async fn impression(&mut self, id: &str) -> Result<Option<ImpressionRow>> {
        let sql = format!("SELECT {IMPRESSION_COLS} FROM impressions WHERE id = $1");
        sql::query_as(&sql).bind(id).fetch_optional(self).await
    }

    /// An entity's impressions, newest first (the upload records).
    pub async fn impressions_of_entity(&mut self, uscc: &str) -> Result<Vec<ImpressionRow>> {
        let sql = format!(
            "SELECT {IMPRESSION_COLS} FROM impressions WHERE uscc = $1 ORDER BY uploaded_at DESC, id"
        );
        sql::query_as(&sql).bind(uscc).fetch_all(self).await
    }

    /// Impressions in `state`, oldest first (the review queue).
    pub async fn impressions_in_state(&mut self, state: &str) -> Result<Vec<ImpressionRow>> {
        let sql = format!(
            "SELECT {IMPRESSION_COLS} FROM impressions WHERE state = $1 ORDER BY uploaded_at, id"
        );
        sql::query_as(&sql).bind(state).fetch_all(self).await
    }

    /// Record a review of a pending impression: only if it is still pending (two reviewers
    /// can't both decide); returns whether it moved.
    pub async fn review_impression(
        &mut self,
        id: &str,
        state: &str,
        reviewer: &str,
        at: i64,
        reason: Option<&str>,
    ) -> Result<bool> {
        let sql = "UPDATE impressions SET state = $1, reviewed_by = $2, reviewed_at = $3, reason = $4 \
                   WHERE id = $5 AND state = 'pending'";
        let n = sql::query(sql)
            .bind(state)
            .bind(reviewer)
            .bind(at)
            .bind(reason)
            .bind(id)
            .execute(self)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Mark an entity's approved impressions of `seal_type` other than `keep` as superseded
    /// (they stay as the invalid upload records); returns how many.
    pub async fn supersede_impressions(
        &mut self,
        uscc: &str,
        seal_type: &str,
        keep: &str,
    ) -> Result<u64> {
        let sql = "UPDATE impressions SET state = 'superseded' \
                   WHERE uscc = $1 AND seal_type = $2 AND state = 'approved' AND id <> $3";
        Ok(sql::query(sql)
            .bind(uscc)
            .bind(seal_type)
            .bind(keep)
            .execute(self)
            .await?
            .rows_affected())
    }

    /// Store a seal; any earlier live seal of the entity's type is marked superseded at `made_at`.
    pub async fn insert_seal(&mut self, s: &SealRow) -> Result<()> {
        sql::query(
            "UPDATE seals SET superseded_at = $1 WHERE uscc = $2 AND seal_type = $3 AND superseded_at IS NULL",
        )
        .bind(s.made_at)
        .bind(&s.uscc)
        .bind(&s.seal_type)
        .execute(self)
        .await?;
        let sql =
            format!("INSERT INTO seals ({SEAL_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)");
        sql::query(&sql)
            .bind(&s.id)
            .bind(&s.uscc)
            .bind(&s.seal_type)
            .bind(&s.name)
            .bind(&s.impression_id)
            .bind(s.valid_start)
            .bind(s.valid_end)
            .bind(s.made_at)
            .bind(&s.made_by)
            .bind(&s.seal)
            .bind(s.superseded_at)
            .execute(self)
            .await?;
        Ok(())
    }

    /// A seal by id.
    pub async fn seal(&mut self, id: &str) -> Result<Option<SealRow>> {
        let sql = format!("SELECT {SEAL_COLS} FROM seals WHERE id = $1");
        sql::query_as(&sql).bind(id).fetch_optional(self).await
    }

    /// An entity's seals, live ones first, then by type and newest first (the seal-making
    /// records).
    pub async fn seals_of_entity(&mut self, uscc: &str) -> Result<Vec<SealRow>> {
        let sql = format!(
            "SELECT {SEAL_COLS} FROM seals WHERE uscc = $1 \
             ORDER BY (superseded_at IS NOT NULL), seal_type, made_at DESC, id"
        );
        sql::query_as(&sql).bind(uscc).fetch_all(self).await
    }

    /// Store a collection.
    pub async fn insert_seal_collection(&mut self, c: &SealCollectionRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO seal_collections ({COLLECTION_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7)"
        );
        sql::query(&sql)
            .bind(&c.id)
            .bind(&c.seal_id)
            .bind(&c.license_serial)
            .bind(&c.grant_id)
            .bind(&c.seal)
            .bind(c.collected_at)
            .bind(c.deleted_at)
            .execute(self)
            .await?;
        Ok(())
    }

    /// A collection by id.
    pub async fn seal_collection(&mut self, id: &str) -> Result<Option<SealCollectionRow>> {
        let sql = format!("SELECT {COLLECTION_COLS} FROM seal_collections WHERE id = $1");
        sql::query_as(&sql).bind(id).fetch_optional(self).await
    }

    /// The collections on a license that were not deleted, newest first.
    pub async fn seal_collections_of_license(
        &mut self,
        license_serial: &str,
    ) -> Result<Vec<SealCollectionRow>> {
        let sql = format!(
            "SELECT {COLLECTION_COLS} FROM seal_collections \
             WHERE license_serial = $1 AND deleted_at IS NULL ORDER BY collected_at DESC, id"
        );
        sql::query_as(&sql)
            .bind(license_serial)
            .fetch_all(self)
            .await
    }

    /// Delete a collection of this license (kept, marked deleted); returns whether it was live.
    pub async fn delete_seal_collection(
        &mut self,
        id: &str,
        license_serial: &str,
        at: i64,
    ) -> Result<bool> {
        let sql = "UPDATE seal_collections SET deleted_at = $1 \
                   WHERE id = $2 AND license_serial = $3 AND deleted_at IS NULL";
        let n = sql::query(sql)
            .bind(at)
            .bind(id)
            .bind(license_serial)
            .execute(self)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Store a seal admin appointment.
    pub async fn insert_seal_admin(&mut self, a: &SealAdminRow) -> Result<()> {
        let sql =
            format!("INSERT INTO seal_admins ({ADMIN_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)");
        sql::query(&sql)
            .bind(&a.id)
            .bind(&a.uscc)
            .bind(&a.seal_type)
            .bind(&a.name)
            .bind(&a.id_number)
            .bind(&a.appointed_by)
            .bind(a.appointed_at)
            .bind(a.revoked_at)
            .bind(&a.revoked_by)
            .execute(self)
            .await?;
        Ok(())
    }

    /// An entity's seal admin appointments that are not revoked, oldest first.
    pub async fn live_seal_admins(&mut self, uscc: &str) -> Result<Vec<SealAdminRow>> {
        let sql = format!(
            "SELECT {ADMIN_COLS} FROM seal_admins WHERE uscc = $1 AND revoked_at IS NULL \
             ORDER BY appointed_at, id"
        );
        sql::query_as(&sql).bind(uscc).fetch_all(self).await
    }

    /// Revoke a seal admin appointment of the entity; returns whether it was live.
    pub async fn revoke_seal_admin(
        &mut self,
        id: &str,
        uscc: &str,
        at: i64,
        by: &str,
    ) -> Result<bool> {
        let sql = "UPDATE seal_admins SET revoked_at = $1, revoked_by = $2 \
                   WHERE id = $3 AND uscc = $4 AND revoked_at IS NULL";
        let n = sql::query(sql)
            .bind(at)
            .bind(by)
            .bind(id)
            .bind(uscc)
            .execute(self)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Store a seal use grant.
    pub async fn insert_seal_use_grant(&mut self, g: &SealUseGrantRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO seal_use_grants ({USE_GRANT_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)"
        );
        sql::query(&sql)
            .bind(&g.id)
            .bind(&g.uscc)
            .bind(&g.seal_type)
            .bind(&g.name)
            .bind(&g.id_number)
            .bind(g.period_start)
            .bind(g.period_end)
            .bind(&g.reason)
            .bind(&g.scope)
            .bind(g.uses_total)
            .bind(g.uses_left)
            .bind(&g.granted_by)
            .bind(g.granted_at)
            .bind(g.revoked_at)
            .bind(&g.revoked_by)
            .execute(self)
            .await?;
        Ok(())
    }

    /// A seal use grant by id.
    pub async fn seal_use_grant(&mut self, id: &str) -> Result<Option<SealUseGrantRow>> {
        let sql = format!("SELECT {USE_GRANT_COLS} FROM seal_use_grants WHERE id = $1");
        sql::query_as(&sql).bind(id).fetch_optional(self).await
    }

    /// An entity's seal use grants, newest first.
    pub async fn seal_use_grants_of_entity(&mut self, uscc: &str) -> Result<Vec<SealUseGrantRow>> {
        let sql = format!(
            "SELECT {USE_GRANT_COLS} FROM seal_use_grants WHERE uscc = $1 ORDER BY granted_at DESC, id"
        );
        sql::query_as(&sql).bind(uscc).fetch_all(self).await
    }

    /// A person's seal use grants in an entity (all of them, newest first: collection lists
    /// them to choose from).
    pub async fn seal_use_grants_of_person(
        &mut self,
        uscc: &str,
        id_number: &str,
    ) -> Result<Vec<SealUseGrantRow>> {
        let sql = format!(
            "SELECT {USE_GRANT_COLS} FROM seal_use_grants WHERE uscc = $1 AND id_number = $2 \
             ORDER BY granted_at DESC, id"
        );
        sql::query_as(&sql)
            .bind(uscc)
            .bind(id_number)
            .fetch_all(self)
            .await
    }

    /// Revoke a seal use grant of the entity; returns whether it was live.
    pub async fn revoke_seal_use_grant(
        &mut self,
        id: &str,
        uscc: &str,
        at: i64,
        by: &str,
    ) -> Result<bool> {
        let sql = "UPDATE seal_use_grants SET revoked_at = $1, revoked_by = $2 \
                   WHERE id = $3 AND uscc = $4 AND revoked_at IS NULL";
        let n = sql::query(sql)
            .bind(at)
            .bind(by)
            .bind(id)
            .bind(uscc)
            .execute(self)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// Take one use of a seal use grant at `now`, atomically: one statement that succeeds only
    /// while uses are left, the grant is not revoked and `now` is within its period, so
    /// concurrent takers of a grant with k uses succeed exactly k times. Returns whether a use
    /// was taken (the caller asks `yizhao_domain::seal::SealUseGrant::check_use` why not).
    pub async fn take_seal_use(&mut self, id: &str, now: i64) -> Result<bool> {
        let sql = "UPDATE seal_use_grants SET uses_left = uses_left - 1 \
                   WHERE id = $1 AND uses_left > 0 AND revoked_at IS NULL \
                   AND period_start <= $2 AND period_end > $2";
        let n = sql::query(sql)
            .bind(id)
            .bind(now)
            .execute(self)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// The seal authority's sealed key of that name, with its certificate.
    pub async fn seal_key(&mut self, name: &str) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        sql::query_as("SELECT keystore, certificate FROM seal_keys WHERE name = $1")
            .bind(name)
            .fetch_optional(self)
            .await
    }

    /// Just the certificate of the seal authority's key of that name: what a running server
    /// compares with the one it holds, to notice a rotation made by another process.
    pub async fn seal_key_certificate(&mut self, name: &str) -> Result<Option<Vec<u8>>> {
        let row: Option<(Vec<u8>,)> =
            sql::query_as("SELECT certificate FROM seal_keys WHERE name = $1")
                .bind(name)
                .fetch_optional(self)
                .await?;
        Ok(row.map(|(c,)| c))
    }

    /// Replace the sealed key `name` and its certificate, only if its certificate is still
    /// `expected`; returns whether it was replaced. Two rotations that start from the same key
    /// can't both succeed.
    pub async fn replace_seal_key(
        &mut self,
        name: &str,
        expected: &[u8],
        keystore: &[u8],
        certificate: &[u8],
    ) -> Result<bool> {
        let n = sql::query(
            "UPDATE seal_keys SET keystore = $1, certificate = $2 WHERE name = $3 AND certificate = $4",
        )
        .bind(keystore)
        .bind(certificate)
        .bind(name)
        .bind(expected)
        .execute(self)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Record a revoked seal maker certificate.
    pub async fn insert_revoked_seal_maker(&mut self, r: &RevokedSealMakerRow) -> Result<()> {
        sql::query(
            "INSERT INTO revoked_seal_makers (serial, certificate, revoked_at, reason) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&r.serial)
        .bind(&r.certificate)
        .bind(r.revoked_at)
        .bind(&r.reason)
        .execute(self)
        .await?;
        Ok(())
    }

    /// Every revoked seal maker certificate, oldest revocation first (the CRL's entries).
    pub async fn revoked_seal_makers(&mut self) -> Result<Vec<RevokedSealMakerRow>> {
        sql::query_as(
            "SELECT serial, certificate, revoked_at, reason FROM revoked_seal_makers \
             ORDER BY revoked_at, serial",
        )
        .fetch_all(self)
        .await
    }

    /// Store one of the seal authority's sealed keys with its certificate.
    pub async fn insert_seal_key(
        &mut self,
        name: &str,
        keystore: &[u8],
        certificate: &[u8],
    ) -> Result<()> {
        sql::query("INSERT INTO seal_keys (name, keystore, certificate) VALUES ($1, $2, $3)")
            .bind(name)
            .bind(keystore)
            .bind(certificate)
            .execute(self)
            .await?;
        Ok(())
    }
}

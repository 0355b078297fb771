//! The trading platform's members (R11, R12, R22) and their logged-in PC sessions.

use yizhao_domain::ids::LicenseId;
use yizhao_domain::member::{MemberKind, MemberSessionState};

use crate::db::Transaction;
use crate::error::Result;
use crate::sql;

/// A member entity of the platform with its basic information (诚信库 › 基本信息).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    /// 统一社会信用代码.
    pub uscc: String,
    /// 名称.
    pub name: String,
    /// Its kind (stored as `bidder`, `agency`, `tenderer` or `purchaser`).
    pub kind: MemberKind,
    /// Registered (Unix seconds).
    pub registered_at: i64,
    /// The license id that registered it, or `window:<staff>`.
    pub registered_by: String,
    /// 类型 (from the license).
    pub kind_of_entity: String,
    /// 法定代表人.
    pub legal_representative: String,
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
    /// 登记地.
    pub locality: String,
    /// 联系人.
    pub contact_name: String,
    /// 联系电话.
    pub contact_phone: String,
    /// Last synced from the license (Unix seconds).
    pub synced_at: i64,
}

sql::from_row!(MemberRow {
    uscc,
    name,
    kind as MemberKind::parse,
    registered_at,
    registered_by,
    kind_of_entity,
    legal_representative,
    registered_capital,
    established,
    business_term,
    domicile,
    business_scope,
    registration_authority,
    locality,
    contact_name,
    contact_phone,
    synced_at
});

/// A PC session of a person logged in with a license.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSessionRow {
    /// SM3 hash of the cookie value.
    pub id_hash: String,
    /// The entity.
    pub uscc: String,
    /// The license used.
    pub license_id: LicenseId,
    /// The person (the certificate's common name).
    pub person_name: String,
    /// The license's role.
    pub role: String,
    /// Created.
    pub created_at: i64,
    /// Expires.
    pub expires_at: i64,
    /// Where it stands (stored as `registering`, `active` or `ended`).
    pub state: MemberSessionState,
}

sql::from_row!(MemberSessionRow {
    id_hash,
    uscc,
    license_id as LicenseId::parse,
    person_name,
    role,
    created_at,
    expires_at,
    state as MemberSessionState::parse
});

pub(crate) const MEMBER_COLS: &str = "uscc, name, kind, registered_at, registered_by, kind_of_entity, legal_representative, registered_capital, established, business_term, domicile, business_scope, registration_authority, locality, contact_name, contact_phone, synced_at";
const SESSION_COLS: &str =
    "id_hash, uscc, license_id, person_name, role, created_at, expires_at, state";

impl Transaction {
    /// Store a new member.
    pub async fn insert_member(&mut self, m: &MemberRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO members ({MEMBER_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)"
        );
        sql::query(&sql)
            .bind(&m.uscc)
            .bind(&m.name)
            .bind(m.kind)
            .bind(m.registered_at)
            .bind(&m.registered_by)
            .bind(&m.kind_of_entity)
            .bind(&m.legal_representative)
            .bind(&m.registered_capital)
            .bind(&m.established)
            .bind(&m.business_term)
            .bind(&m.domicile)
            .bind(&m.business_scope)
            .bind(&m.registration_authority)
            .bind(&m.locality)
            .bind(&m.contact_name)
            .bind(&m.contact_phone)
            .bind(m.synced_at)
            .execute(self)
            .await
            .map(drop)?;
        Ok(())
    }

    /// A member by USCC.
    pub async fn member(&mut self, uscc: &str) -> Result<Option<MemberRow>> {
        let sql = format!("SELECT {MEMBER_COLS} FROM members WHERE uscc = $1");
        sql::query_as(&sql).bind(uscc).fetch_optional(self).await
    }

    /// Replace a member's basic information from the license (name and face fields, sync time).
    pub async fn update_member_basic_info(&mut self, m: &MemberRow) -> Result<()> {
        let sql = "UPDATE members SET name = $1, kind_of_entity = $2, legal_representative = $3, \
                   registered_capital = $4, established = $5, business_term = $6, domicile = $7, \
                   business_scope = $8, registration_authority = $9, locality = $10, synced_at = $11 \
                   WHERE uscc = $12";
        sql::query(sql)
            .bind(&m.name)
            .bind(&m.kind_of_entity)
            .bind(&m.legal_representative)
            .bind(&m.registered_capital)
            .bind(&m.established)
            .bind(&m.business_term)
            .bind(&m.domicile)
            .bind(&m.business_scope)
            .bind(&m.registration_authority)
            .bind(&m.locality)
            .bind(m.synced_at)
            .bind(&m.uscc)
            .execute(self)
            .await
            .map(drop)?;
        Ok(())
    }

    /// Store a new member session.
    pub async fn insert_member_session(&mut self, s: &MemberSessionRow) -> Result<()> {
        let sql = format!(
            "INSERT INTO member_sessions ({SESSION_COLS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)"
        );
        sql::query(&sql)
            .bind(&s.id_hash)
            .bind(&s.uscc)
            .bind(&s.license_id)
            .bind(&s.person_name)
            .bind(&s.role)
            .bind(s.created_at)
            .bind(s.expires_at)
            .bind(s.state)
            .execute(self)
            .await
            .map(drop)?;
        Ok(())
    }

    /// A member session by the hash of its cookie.
    pub async fn member_session(&mut self, id_hash: &str) -> Result<Option<MemberSessionRow>> {
        let sql = format!("SELECT {SESSION_COLS} FROM member_sessions WHERE id_hash = $1");
        sql::query_as(&sql).bind(id_hash).fetch_optional(self).await
    }

    /// Move a session from state `from` to `to`; returns whether it moved.
    pub async fn set_member_session_state(
        &mut self,
        id_hash: &str,
        from: MemberSessionState,
        to: MemberSessionState,
    ) -> Result<bool> {
        let sql = "UPDATE member_sessions SET state = $1 WHERE id_hash = $2 AND state = $3";
        let n = sql::query(sql)
            .bind(to)
            .bind(id_hash)
            .bind(from)
            .execute(self)
            .await?
            .rows_affected();
        Ok(n == 1)
    }

    /// The license certificate that answered a QR request, if any.
    pub async fn qr_answer_certificate(&mut self, id: &str) -> Result<Option<Vec<u8>>> {
        let row: Option<(Option<Vec<u8>>,)> =
            sql::query_as("SELECT answer_certificate FROM qr_requests WHERE id = $1")
                .bind(id)
                .fetch_optional(self)
                .await?;
        Ok(row.and_then(|(d,)| d))
    }

    /// Mark a completed login request as having made its member session, once; returns
    /// whether this call was the one.
    pub async fn claim_qr_member_session(&mut self, id: &str, at: i64) -> Result<bool> {
        let sql = "UPDATE qr_requests SET member_session_at = $1 WHERE id = $2 AND member_session_at IS NULL";
        let n = sql::query(sql)
            .bind(at)
            .bind(id)
            .execute(self)
            .await?
            .rows_affected();
        Ok(n == 1)
    }
}

//! The seal authority's HTTP API (R13–R16), under [`PREFIX`]. Requests that change something
//! are [`crate::authority::Signed`] envelopes posted to `/signed`, signed with a license key
//! over a challenge from the license authority (`POST /authority/api/v1/challenges`); the
//! actions and their payloads are below.

use serde::{Deserialize, Serialize};

/// Where the seal authority's API lives.
pub const PREFIX: &str = "/seal/api/v1";

/// One seal type of the catalogue (`GET /catalogue`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealTypeItem {
    /// Code, e.g. `bid`.
    pub code: String,
    /// Name, e.g. 投标专用章.
    pub name: String,
    /// The shapes it is made in.
    pub shapes: Vec<ShapeItem>,
}

/// One shape with its sizes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShapeItem {
    /// Code, e.g. `round`.
    pub code: String,
    /// Name, e.g. 圆形.
    pub name: String,
    /// Sizes, width × height in mm.
    pub sizes_mm: Vec<(u16, u16)>,
}

/// Payload of `seal_admins.add`: name a seal admin of one seal type (R15).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddSealAdmin {
    /// Entity.
    pub uscc: String,
    /// Seal type code.
    pub seal_type: String,
    /// The person's name.
    pub name: String,
    /// The person's ID number (must hold a license authorization of the entity).
    pub id_number: String,
}

/// Payload of `seal_admins.remove` and `seal_grants.revoke`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealGrantRef {
    /// Entity.
    pub uscc: String,
    /// The appointment or grant.
    pub id: String,
}

/// A seal admin appointment, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealAdminItem {
    /// Id.
    pub id: String,
    /// Seal type code.
    pub seal_type: String,
    /// Seal type name.
    pub seal_type_name: String,
    /// Name.
    pub name: String,
    /// ID number, masked.
    pub id_number_masked: String,
    /// Appointed (Unix seconds).
    pub appointed_at: i64,
}

/// Payload of `seal_grants.add`: grant the use of a seal type (R16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddSealGrant {
    /// Entity.
    pub uscc: String,
    /// Seal type code.
    pub seal_type: String,
    /// The user's name.
    pub name: String,
    /// The user's ID number (must hold a license authorization of the entity).
    pub id_number: String,
    /// Start (Unix seconds; default now).
    pub start: Option<i64>,
    /// End (Unix seconds).
    pub end: i64,
    /// 用章事由 (shown, not enforced).
    pub reason: String,
    /// `all` or `precise`.
    pub mode: String,
    /// The matters, for `precise`.
    #[serde(default)]
    pub matters: Vec<String>,
    /// 用章次数.
    pub uses: u32,
}

/// A seal use grant, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealGrantItem {
    /// Id.
    pub id: String,
    /// Seal type code.
    pub seal_type: String,
    /// Seal type name.
    pub seal_type_name: String,
    /// The user's name.
    pub name: String,
    /// The user's ID number, masked.
    pub id_number_masked: String,
    /// Period (Unix seconds, end exclusive).
    pub period: (i64, i64),
    /// 用章事由.
    pub reason: String,
    /// `all` or the matter codes.
    pub matters: Vec<String>,
    /// Uses granted.
    pub uses_total: u32,
    /// Uses left.
    pub uses_left: u32,
    /// `not_yet_effective`, `active`, `ended` or `revoked`.
    pub status: String,
}

/// Result of `seal_grants.mine`: what the signing license's holder was given in its entity
/// (collection lists these to choose from, R16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MySealGrants {
    /// Seal types the holder manages as seal admin.
    pub admin_of: Vec<SealAdminItem>,
    /// Seal use grants to the holder.
    pub use_grants: Vec<SealGrantItem>,
}

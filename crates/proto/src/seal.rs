//! The seal authority's HTTP API (R13–R16), under [`PREFIX`]. Requests that change something
//! are [`crate::authority::Signed`] envelopes posted to `/signed`, signed with a license key
//! over a challenge from the license authority (`POST /authority/api/v1/challenges`); the
//! actions and their payloads are below.

use serde::{Deserialize, Serialize};

/// Where the seal authority's API lives.
pub const PREFIX: &str = "/seal/api/v1";

/// The seal authority's root CA (`GET /ca`): every seal's maker certificate chains to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealCa {
    /// The root (DER).
    #[serde(with = "crate::b64")]
    pub root: Vec<u8>,
}

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

/// Payload of `impressions.upload` (R13): the picture as the phone processed it (PNG with
/// alpha), its design, and the terms accepted. The license's signature over the envelope signs
/// the upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadImpression {
    /// Entity.
    pub uscc: String,
    /// Seal type code.
    pub seal_type: String,
    /// Shape code.
    pub shape: String,
    /// Width (mm).
    pub width_mm: u16,
    /// Height (mm).
    pub height_mm: u16,
    /// The processed picture (PNG).
    #[serde(with = "crate::b64")]
    pub picture: Vec<u8>,
    /// 本企业已阅读并同意.
    pub accepted_terms: bool,
}

/// One quality finding about a picture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QualityFinding {
    /// Stable code, e.g. `impression.blurred`.
    pub code: String,
    /// What is wrong, for people.
    pub message: String,
}

/// An uploaded impression, as records and the review queue show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpressionItem {
    /// Id.
    pub id: String,
    /// Entity.
    pub uscc: String,
    /// Seal type code.
    pub seal_type: String,
    /// Seal type name.
    pub seal_type_name: String,
    /// Shape code.
    pub shape: String,
    /// Size (mm).
    pub size_mm: (u16, u16),
    /// Uploaded (Unix seconds).
    pub uploaded_at: i64,
    /// `pending`, `approved`, `rejected` or `superseded`.
    pub state: String,
    /// The state's name.
    pub state_name: String,
    /// Why rejected.
    pub reason: Option<String>,
    /// The quality report's findings (empty: none).
    pub findings: Vec<QualityFinding>,
}

/// Result of `impressions.list`: the upload records (R13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpressionRecords {
    /// Waiting for review, or refused.
    pub open: Vec<ImpressionItem>,
    /// 有效上传记录: approved.
    pub valid: Vec<ImpressionItem>,
    /// 无效上传记录: approved once, then replaced.
    pub invalid: Vec<ImpressionItem>,
}

/// A seal, as the seal-making records and collection show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealItem {
    /// Id (the seal's esID).
    pub id: String,
    /// Entity.
    pub uscc: String,
    /// Seal type code.
    pub seal_type: String,
    /// The seal's name.
    pub name: String,
    /// Validity (Unix seconds).
    pub valid: (i64, i64),
    /// Made (Unix seconds).
    pub made_at: i64,
    /// Replaced by a newer seal of the type.
    pub superseded: bool,
    /// The impression it was made from (its picture is the seal's).
    #[serde(default)]
    pub impression_id: String,
}

/// A seal the signing license may collect, and how (R14, R16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collectable {
    /// The seal.
    pub seal: SealItem,
    /// Whether the holder collects it by its role (no grant needed).
    pub direct: bool,
    /// The holder's live seal grants of the seal's type to choose from (seal admin
    /// appointments and use grants), by id.
    pub grants: Vec<String>,
}

/// Payload of `seals.collect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectSeal {
    /// The seal.
    pub seal_id: String,
    /// The seal grant it is collected through, when the holder's role alone does not allow it.
    pub grant_id: Option<String>,
}

/// A seal collected onto a license: the GB/T 38540 `SESeal` whose certificate list holds that
/// license's certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectedSeal {
    /// The collection's id (to delete it).
    pub collection_id: String,
    /// The seal.
    pub seal: SealItem,
    /// The grant it came through, if any.
    pub grant_id: Option<String>,
    /// The `SESeal` (DER).
    #[serde(with = "crate::b64")]
    pub der: Vec<u8>,
    /// Whether it may be used now: false once its seal is replaced (已替换) or the grant it
    /// came through ended (已失效).
    #[serde(default)]
    pub usable: bool,
}

/// Payload of `collections.delete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionRef {
    /// The collection.
    pub collection_id: String,
}

/// Result of `collections.delete`: `{"deleted": id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectionDeleted {
    /// The collection deleted.
    pub deleted: String,
}

/// Result of `seal_admins.remove`: `{"removed": id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealAdminRemoved {
    /// The appointment removed.
    pub removed: String,
}

/// Result of `seal_grants.revoke`: `{"revoked": id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SealGrantRevoked {
    /// The grant revoked.
    pub revoked: String,
}

/// What a QR request of kind `impression` carries (its `payload`): the PC page's upload, for
/// the phone to show and sign. The phone signs it as the seal authority's
/// [`crate::action::ImpressionsUpload`] action over `challenge` (a license-authority challenge
/// fetched with the request), and nothing else: the action is fixed by the kind, not named here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpressionQrPayload {
    /// The challenge the upload is signed over.
    pub challenge: String,
    /// JSON text of the [`UploadImpression`], exactly as it will be signed.
    pub upload: String,
}

/// The phone's payload in its answer to a QR request of kind `impression`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImpressionQrAnswer {
    /// The license key's signature over
    /// `proof_message(ImpressionsUpload::NAME, challenge, upload)`.
    #[serde(with = "crate::b64")]
    pub upload_signature: Vec<u8>,
}

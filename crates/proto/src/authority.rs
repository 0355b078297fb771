//! The license authority's API, `/authority/api/v1/…`.

use serde::{Deserialize, Serialize};

use crate::b64;

/// The API's path prefix.
pub const PREFIX: &str = "/authority/api/v1";

/// A matter of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatterItem {
    /// Stable code.
    pub code: String,
    /// Name shown to people.
    pub name: String,
}

/// The download declaration (执照下载声明).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    /// Version; the wallet echoes it when it accepts.
    pub version: String,
    /// Title.
    pub title: String,
    /// Full text.
    pub text: String,
}

/// Start of real-name verification (R2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealNameRequest {
    /// Name.
    pub name: String,
    /// Resident ID number.
    pub id_number: String,
    /// Mobile phone.
    pub phone: String,
}

/// A one-time code was sent to the registered phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealNameStarted {
    /// The verification session, to confirm with the code.
    pub session: String,
    /// The phone the code went to, masked.
    pub phone_masked: String,
    /// When the code expires (Unix seconds).
    pub expires_at: i64,
}

/// The code that completes real-name verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealNameConfirm {
    /// From [`RealNameStarted`].
    pub session: String,
    /// The one-time code.
    pub code: String,
}

/// A verified person's token, sent as `Authorization: RealName <token>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealNameVerified {
    /// Bearer token.
    pub token: String,
    /// Expiry (Unix seconds).
    pub expires_at: i64,
    /// The verified name.
    pub name: String,
}

/// One license the person may download, or has downloaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseOffer {
    /// Entity.
    pub uscc: String,
    /// Entity name.
    pub entity_name: String,
    /// The person's role there: `legal_representative`, `license_admin` or `agent`.
    pub role: String,
    /// The admin appointment or agent authorization behind it (none for the legal
    /// representative).
    pub grant_id: Option<String>,
    /// `not_yet_effective`, `active`, `ended` or `revoked`.
    pub status: String,
    /// Authorization period (Unix seconds), for agents.
    pub period: Option<(i64, i64)>,
    /// `all` or the matter codes, for agents.
    pub matters: Option<Vec<String>>,
}

/// Licenses of a registration locality (R3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseList {
    /// The locality asked about.
    pub locality: String,
    /// 可下载执照记录.
    pub downloadable: Vec<LicenseOffer>,
    /// 已下载执照记录 (on any of the person's phones).
    pub downloaded: Vec<LicenseOffer>,
}

/// Download a license to this phone's key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadRequest {
    /// Entity.
    pub uscc: String,
    /// Which grant, when the person holds several in the entity.
    pub grant_id: Option<String>,
    /// The declaration version accepted; absent = not accepted.
    pub accepted_declaration: Option<String>,
    /// The device key's SubjectPublicKeyInfo (DER).
    #[serde(with = "b64")]
    pub device_public_key: Vec<u8>,
    /// Proof of possession: the device key's signature over [`download_pop_message`].
    #[serde(with = "b64")]
    pub proof_of_possession: Vec<u8>,
}

/// What the device key signs to prove possession when downloading.
pub fn download_pop_message(token: &str, uscc: &str, spki: &[u8]) -> Vec<u8> {
    let mut m = b"yizhao/download/v1\n".to_vec();
    m.extend_from_slice(token.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(uscc.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(spki);
    m
}

/// The face data of a license (照面信息).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaceData {
    /// 统一社会信用代码.
    pub uscc: String,
    /// 名称.
    pub name: String,
    /// 类型.
    pub kind: String,
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
}

/// A downloaded license.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadedLicense {
    /// The license certificate's serial (hex); identifies this copy.
    pub license_id: String,
    /// The role it carries.
    pub role: String,
    /// The license certificate (DER).
    #[serde(with = "b64")]
    pub certificate: Vec<u8>,
    /// Issuing CA certificates up to and including the root (DER).
    #[serde(with = "b64::list")]
    pub chain: Vec<Vec<u8>>,
    /// The entity's face data.
    pub face: FaceData,
}

/// A fresh challenge for a license proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    /// Random, single use.
    pub challenge: String,
    /// Expiry (Unix seconds).
    pub expires_at: i64,
}

/// A request made with a license: the payload as a JSON string (signed as is, so there is no
/// canonicalization to agree on) and the proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signed {
    /// What is asked, e.g. `admins.add`.
    pub action: String,
    /// The payload, JSON text.
    pub payload: String,
    /// The challenge from `POST /challenges`.
    pub challenge: String,
    /// The license certificate (DER).
    #[serde(with = "b64")]
    pub certificate: Vec<u8>,
    /// The license key's signature over [`proof_message`].
    #[serde(with = "b64")]
    pub signature: Vec<u8>,
}

/// What a license key signs for a [`Signed`] request.
pub fn proof_message(action: &str, challenge: &str, payload: &str) -> Vec<u8> {
    format!("yizhao/proof/v1\n{action}\n{challenge}\n{payload}").into_bytes()
}

/// A person named by a legal representative or admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonInput {
    /// Name.
    pub name: String,
    /// Resident ID number.
    pub id_number: String,
    /// Mobile phone.
    pub phone: String,
}

/// Payload of `admins.list` and `authorizations.list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntityRef {
    /// Entity.
    pub uscc: String,
}

/// Payload of `admins.add`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddAdmin {
    /// Entity.
    pub uscc: String,
    /// The new admin.
    pub person: PersonInput,
}

/// Payload of `admins.remove` and `authorizations.revoke`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRef {
    /// Entity.
    pub uscc: String,
    /// The grant.
    pub grant_id: String,
}

/// Payload of `authorizations.add` (R6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddAuthorization {
    /// Entity.
    pub uscc: String,
    /// The agent.
    pub agent: PersonInput,
    /// Start (Unix seconds); default now.
    pub start: Option<i64>,
    /// End (Unix seconds); default start + 3 days.
    pub end: Option<i64>,
    /// `all` (全业务授权) or `precise` (精准授权).
    pub mode: String,
    /// Matter codes, for `precise`.
    #[serde(default)]
    pub matters: Vec<String>,
}

/// An admin appointment or agent authorization as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantItem {
    /// Grant id.
    pub grant_id: String,
    /// `license_admin` or `agent`.
    pub role: String,
    /// Name.
    pub name: String,
    /// ID number, masked.
    pub id_number_masked: String,
    /// Phone, masked.
    pub phone_masked: String,
    /// Period, for agents.
    pub period: Option<(i64, i64)>,
    /// `all` or matter codes, for agents.
    pub matters: Option<Vec<String>>,
    /// Status now.
    pub status: String,
    /// Copies downloaded and not revoked.
    pub downloads: u32,
}

/// Ask whether a license may be used now (and for a matter).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusRequest {
    /// The license certificate (DER).
    #[serde(with = "b64")]
    pub certificate: Vec<u8>,
    /// The matter, if the use is for one.
    pub matter: Option<String>,
}

/// The authority's signed answer about a license.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusResponse {
    /// JSON text of [`StatusBody`], signed as is.
    pub body: String,
    /// The authority status key's signature over `body`.
    #[serde(with = "b64")]
    pub signature: Vec<u8>,
    /// The status signer's certificate (DER), issued by the authority's root.
    #[serde(with = "b64")]
    pub signer: Vec<u8>,
}

/// What the authority says about a license.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusBody {
    /// License serial (hex).
    pub license_id: String,
    /// Entity.
    pub uscc: String,
    /// Role.
    pub role: String,
    /// `active`, `not_yet_effective`, `ended`, `revoked` or `unknown`.
    pub status: String,
    /// The matter asked about.
    pub matter: Option<String>,
    /// Whether the license may be used now for that matter.
    pub usable: bool,
    /// If not usable: the error code and its message.
    pub reason: Option<crate::ErrorBody>,
    /// When this answer was made (Unix seconds).
    pub produced_at: i64,
}

/// The authority's CA certificates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaInfo {
    /// The root (DER).
    #[serde(with = "b64")]
    pub root: Vec<u8>,
    /// The license-issuing CA (DER).
    #[serde(with = "b64")]
    pub issuing: Vec<u8>,
}

/// One message of the built-in identity-proofing outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// Phone it went to.
    pub phone: String,
    /// The text, with the code.
    pub text: String,
    /// The code alone.
    pub code: String,
    /// When (Unix seconds).
    pub at: i64,
}

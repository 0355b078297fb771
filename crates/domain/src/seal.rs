//! The seal authority's rules (R13–R16): the catalogue of seal types, shapes and sizes, the
//! review of an uploaded impression, who may collect a seal, seal admins per seal type, and seal
//! use grants with their counted uses. Plain functions over plain data; storage and HTTP live
//! elsewhere and call these.

use core::fmt;

use crate::authority::{GrantStatus, Period, Role, Scope};
use crate::text::TextError;
use crate::time::Timestamp;

/// The kinds of seal an entity can have made (a catalogue; the manual's types and the usual
/// special-purpose seals of Chinese practice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SealType {
    /// 单位公章 (the entity's official seal).
    Official,
    /// 财务专用章.
    Finance,
    /// 合同专用章.
    Contract,
    /// 发票专用章.
    Invoice,
    /// 法定代表人名章.
    LegalRepresentativeName,
    /// 投标专用章 (the seal of bid documents).
    Bid,
    /// 业务专用章.
    Business,
}

impl SealType {
    /// Every type, in the order pages list them.
    pub const ALL: [SealType; 7] = [
        SealType::Official,
        SealType::Finance,
        SealType::Contract,
        SealType::Invoice,
        SealType::LegalRepresentativeName,
        SealType::Bid,
        SealType::Business,
    ];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SealType::Official => "official",
            SealType::Finance => "finance",
            SealType::Contract => "contract",
            SealType::Invoice => "invoice",
            SealType::LegalRepresentativeName => "legal_rep_name",
            SealType::Bid => "bid",
            SealType::Business => "business",
        }
    }

    /// The name people know.
    pub fn label(self) -> &'static str {
        match self {
            SealType::Official => "单位公章",
            SealType::Finance => "财务专用章",
            SealType::Contract => "合同专用章",
            SealType::Invoice => "发票专用章",
            SealType::LegalRepresentativeName => "法定代表人名章",
            SealType::Bid => "投标专用章",
            SealType::Business => "业务专用章",
        }
    }

    /// The number the seal's `SES_ESPropertyInfo.type` carries (GB/T 38540 leaves the codes to
    /// the business; these are ours, stable).
    pub fn code(self) -> u32 {
        match self {
            SealType::Official => 1,
            SealType::Finance => 2,
            SealType::Contract => 3,
            SealType::Invoice => 4,
            SealType::LegalRepresentativeName => 5,
            SealType::Bid => 6,
            SealType::Business => 7,
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<SealType> {
        SealType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The shapes this type may have: official and special-purpose seals are round or oval
    /// (an invoice seal is oval), a name seal square or rectangular.
    pub fn shapes(self) -> &'static [Shape] {
        match self {
            SealType::Invoice => &[Shape::Oval],
            SealType::LegalRepresentativeName => &[Shape::Square, Shape::Rectangle],
            _ => &[Shape::Round, Shape::Oval],
        }
    }
}

impl fmt::Display for SealType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The outline of a seal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// 圆形.
    Round,
    /// 椭圆形.
    Oval,
    /// 正方形.
    Square,
    /// 长方形.
    Rectangle,
}

impl Shape {
    /// Every shape.
    pub const ALL: [Shape; 4] = [Shape::Round, Shape::Oval, Shape::Square, Shape::Rectangle];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Round => "round",
            Shape::Oval => "oval",
            Shape::Square => "square",
            Shape::Rectangle => "rectangle",
        }
    }

    /// The name people know.
    pub fn label(self) -> &'static str {
        match self {
            Shape::Round => "圆形",
            Shape::Oval => "椭圆形",
            Shape::Square => "正方形",
            Shape::Rectangle => "长方形",
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<Shape> {
        Shape::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The sizes a seal of this shape is made in, width × height in millimetres (the usual
    /// sizes of Chinese seal making: official seals 38–45 mm round, invoice seals 40 × 30 mm
    /// oval, name seals 18–25 mm).
    pub fn sizes(self) -> &'static [SealSize] {
        const ROUND: [SealSize; 4] = [
            SealSize::mm(38, 38),
            SealSize::mm(40, 40),
            SealSize::mm(42, 42),
            SealSize::mm(45, 45),
        ];
        const OVAL: [SealSize; 2] = [SealSize::mm(40, 30), SealSize::mm(45, 30)];
        const SQUARE: [SealSize; 3] = [
            SealSize::mm(18, 18),
            SealSize::mm(20, 20),
            SealSize::mm(25, 25),
        ];
        const RECTANGLE: [SealSize; 2] = [SealSize::mm(18, 10), SealSize::mm(25, 15)];
        match self {
            Shape::Round => &ROUND,
            Shape::Oval => &OVAL,
            Shape::Square => &SQUARE,
            Shape::Rectangle => &RECTANGLE,
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A seal's size, width × height in millimetres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SealSize {
    /// Width (mm).
    pub width_mm: u16,
    /// Height (mm).
    pub height_mm: u16,
}

impl SealSize {
    /// `width` × `height` mm.
    pub const fn mm(width: u16, height: u16) -> SealSize {
        SealSize {
            width_mm: width,
            height_mm: height,
        }
    }
}

impl fmt::Display for SealSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}×{} mm", self.width_mm, self.height_mm)
    }
}

/// R13: a seal of `seal_type` may be made in `shape` and `size` (from the catalogue).
pub fn check_design(seal_type: SealType, shape: Shape, size: SealSize) -> Result<(), SealError> {
    if !seal_type.shapes().contains(&shape) {
        return Err(SealError::ShapeNotForType {
            seal_type: seal_type.label(),
            shape: shape.label(),
        });
    }
    if !shape.sizes().contains(&size) {
        return Err(SealError::SizeNotForShape {
            shape: shape.label(),
            size: size.to_string(),
        });
    }
    Ok(())
}

/// R13: who uploads an entity's impressions: its legal representative or a license admin
/// (an agent does business with seals, not their making), after accepting the terms.
pub fn check_upload(role: Role, accepted_terms: bool) -> Result<(), SealError> {
    if role == Role::Agent {
        return Err(SealError::UploadNotAllowed);
    }
    if !accepted_terms {
        return Err(SealError::TermsNotAccepted);
    }
    Ok(())
}

/// Where an uploaded impression stands (R13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImpressionState {
    /// Uploaded, waiting for a reviewer.
    Pending,
    /// Approved: the seal was made from it (a valid upload record).
    Approved,
    /// Refused by the reviewer, with a reason.
    Rejected,
    /// Approved once, then replaced by a newer approved impression of the same type (an invalid
    /// upload record: the history).
    Superseded,
}

impl ImpressionState {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ImpressionState::Pending => "pending",
            ImpressionState::Approved => "approved",
            ImpressionState::Rejected => "rejected",
            ImpressionState::Superseded => "superseded",
        }
    }

    /// The name people see.
    pub fn label(self) -> &'static str {
        match self {
            ImpressionState::Pending => "待审核",
            ImpressionState::Approved => "审核通过",
            ImpressionState::Rejected => "审核未通过",
            ImpressionState::Superseded => "已更新（历史记录）",
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<ImpressionState> {
        [
            ImpressionState::Pending,
            ImpressionState::Approved,
            ImpressionState::Rejected,
            ImpressionState::Superseded,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }

    /// Whether the upload list shows it among the valid records (R13).
    pub fn is_valid_record(self) -> bool {
        self == ImpressionState::Approved
    }
}

/// A reviewer's decision on a pending impression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    /// Make the seal.
    Approve,
    /// Refuse, with the reason the uploader reads.
    Reject {
        /// Why.
        reason: String,
    },
}

/// A reason a person typed (a refusal's, a grant's 用章事由), trimmed: blank or invisible-only
/// text is a missing reason; control characters, bidi overrides and over-long text are refused.
pub fn check_reason(reason: &str, label: &'static str) -> Result<String, SealError> {
    match crate::text::REASON.named(label).check(reason) {
        Err(TextError::Empty(_)) => Err(SealError::ReasonMissing),
        other => Ok(other?),
    }
}

/// R13: the state a review moves an impression in `state` to. Only a pending impression is
/// reviewed; a refusal needs a reason.
pub fn review(state: ImpressionState, decision: &Review) -> Result<ImpressionState, SealError> {
    if state != ImpressionState::Pending {
        return Err(SealError::AlreadyReviewed(state.label()));
    }
    match decision {
        Review::Approve => Ok(ImpressionState::Approved),
        Review::Reject { reason } => {
            check_reason(reason, "退回原因")?;
            Ok(ImpressionState::Rejected)
        }
    }
}

/// What an entity is, for the collection rule (R14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntityKind {
    /// A market entity registered in the platform's region.
    LocalMarket,
    /// A market entity registered elsewhere.
    OutOfTownMarket,
    /// A public institution or social organization (R9).
    NonMarket,
}

/// A market entity is local if its registration locality (6-digit division code) lies in the
/// platform's region (a division-code prefix, e.g. `4205` for 宜昌市).
pub fn market_entity_kind(locality: &str, platform_region: &str) -> EntityKind {
    if !platform_region.is_empty() && locality.starts_with(platform_region) {
        EntityKind::LocalMarket
    } else {
        EntityKind::OutOfTownMarket
    }
}

/// How a holder collects a seal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    /// By the holder's role: the seal is the entity's to collect.
    Direct,
    /// Through one of the holder's seal grants (seal admin or seal use), chosen by the holder.
    ThroughGrant,
}

/// R14/R16: may the holder of a license with `role` in an entity of `kind` collect a seal, and
/// how? `has_seal_grant`: whether the holder has a live seal grant (admin or use) for it.
/// A local market entity's seal is collected by its legal representative; its admins and agents
/// collect only through seal grants. Out-of-town market entities and non-market entities let
/// their legal representative, admins and agents collect directly.
pub fn check_collect(
    kind: EntityKind,
    role: Role,
    has_seal_grant: bool,
) -> Result<Collection, SealError> {
    match (kind, role) {
        (EntityKind::LocalMarket, Role::LegalRepresentative) => Ok(Collection::Direct),
        (EntityKind::LocalMarket, _) if has_seal_grant => Ok(Collection::ThroughGrant),
        (EntityKind::LocalMarket, _) => Err(SealError::NeedsSealGrant),
        (EntityKind::OutOfTownMarket | EntityKind::NonMarket, _) => Ok(Collection::Direct),
    }
}

/// Who acts on seal grants: the legal representative, or a seal admin of some types (R15).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealManager {
    /// The entity's legal representative: every type.
    LegalRepresentative,
    /// A seal admin of these types only.
    SealAdmin(Vec<SealType>),
}

impl SealManager {
    /// Whether this manager may grant the use of seals of `seal_type`.
    pub fn manages(&self, seal_type: SealType) -> bool {
        match self {
            SealManager::LegalRepresentative => true,
            SealManager::SealAdmin(types) => types.contains(&seal_type),
        }
    }
}

/// R15: only the legal representative names (and removes) seal admins; the appointee must
/// already hold a license authorization of the entity.
pub fn check_appoint_seal_admin(actor: Role, appointee_has_license: bool) -> Result<(), SealError> {
    if actor != Role::LegalRepresentative {
        return Err(SealError::OnlyLegalRepresentative);
    }
    if !appointee_has_license {
        return Err(SealError::NeedsLicenseAuthorization);
    }
    Ok(())
}

/// What a seal use grant asks for (R16).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealUseRequest {
    /// The seal type.
    pub seal_type: SealType,
    /// From when to when.
    pub period: Period,
    /// 用章事由: shown, never enforced.
    pub reason: String,
    /// The matters it may be used for.
    pub scope: Scope,
    /// 用章次数 (at least 1).
    pub uses: u32,
}

/// Most uses one grant may give (a guard against typing errors).
pub const MAX_USES: u32 = 10_000;

/// R16: may `manager` grant `req` to a user who holds a license authorization of the entity
/// (`user_has_license`) or not?
pub fn check_grant_use(
    manager: &SealManager,
    user_has_license: bool,
    req: &SealUseRequest,
) -> Result<(), SealError> {
    if !manager.manages(req.seal_type) {
        return Err(SealError::NotManagerOfType(req.seal_type.label()));
    }
    if !user_has_license {
        return Err(SealError::NeedsLicenseAuthorization);
    }
    if req.uses == 0 || req.uses > MAX_USES {
        return Err(SealError::UsesOutOfRange { max: MAX_USES });
    }
    check_reason(&req.reason, "用章事由")?;
    Ok(())
}

/// A seal use grant as it stands, for deciding whether one use may be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealUseGrant {
    /// The period.
    pub period: Period,
    /// The matters.
    pub scope: Scope,
    /// Uses not yet taken.
    pub uses_left: u32,
    /// When revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

impl SealUseGrant {
    /// The grant's status at `now` (its collected seals are usable only while it is active).
    pub fn status(&self, now: Timestamp) -> GrantStatus {
        GrantStatus::at(Some(self.period), self.revoked_at, now)
    }

    /// R16: may one use be taken at `now` for `matter_code`? (The store takes it atomically;
    /// this says why not, in words.)
    pub fn check_use(&self, matter_code: &str, now: Timestamp) -> Result<(), SealError> {
        match self.status(now) {
            GrantStatus::Active => {}
            GrantStatus::NotYetEffective => return Err(SealError::GrantNotYetEffective),
            GrantStatus::Ended => return Err(SealError::GrantEnded),
            GrantStatus::Revoked => return Err(SealError::GrantRevoked),
        }
        if !self.scope.permits(matter_code) {
            return Err(SealError::MatterNotGranted);
        }
        if self.uses_left == 0 {
            return Err(SealError::NoUsesLeft);
        }
        Ok(())
    }
}

/// Why the seal authority refused. Each has a stable code and a message in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SealError {
    /// The shape is not one this seal type is made in.
    #[error("{seal_type}不能制作为{shape}，请重新选择印章形状。")]
    ShapeNotForType {
        /// The type's label.
        seal_type: &'static str,
        /// The shape's label.
        shape: &'static str,
    },
    /// The size is not in the catalogue for the shape.
    #[error("{shape}印章没有 {size} 这一规格，请从列表中选择尺寸。")]
    SizeNotForShape {
        /// The shape's label.
        shape: &'static str,
        /// The size asked for.
        size: String,
    },
    /// An agent tried to upload an impression.
    #[error("只有法定代表人或证照管理员可以上传印模。")]
    UploadNotAllowed,
    /// The upload terms were not accepted.
    #[error("请先勾选“本企业已阅读并同意”。")]
    TermsNotAccepted,
    /// The impression was reviewed already.
    #[error("该印模已审核（{0}），不能重复审核。")]
    AlreadyReviewed(&'static str),
    /// A refusal or a grant without its reason.
    #[error("请填写原因（审核不通过的原因或用章事由）。")]
    ReasonMissing,
    /// Text a person entered that can't be stored (control characters, too long…).
    #[error(transparent)]
    Text(#[from] TextError),
    /// A local entity's admin or agent without a seal grant.
    #[error(
        "本地企业的电子印章由法定代表人领取；证照管理员和办事人员需先获得印章管理授权或印章使用授权。"
    )]
    NeedsSealGrant,
    /// Only the legal representative names seal admins.
    #[error("只有法定代表人可以配置印章管理员。")]
    OnlyLegalRepresentative,
    /// The person needs a license authorization of the entity first.
    #[error("该人员还没有本企业的执照授权，请先授权其使用电子营业执照。")]
    NeedsLicenseAuthorization,
    /// A seal admin acting on a type it doesn't manage.
    #[error("您不是{0}的印章管理员，不能授权该类型印章。")]
    NotManagerOfType(&'static str),
    /// Uses must be 1..=max.
    #[error("用章次数须在 1 到 {max} 之间。")]
    UsesOutOfRange {
        /// The most allowed.
        max: u32,
    },
    /// The grant's period has not started.
    #[error("印章使用授权尚未生效。")]
    GrantNotYetEffective,
    /// The grant's period is over.
    #[error("印章使用授权已到期，请联系法定代表人或印章管理员重新授权。")]
    GrantEnded,
    /// The grant was revoked.
    #[error("印章使用授权已撤销，该印章不能再使用。")]
    GrantRevoked,
    /// The matter is not among the grant's.
    #[error("印章使用授权不包括此事项。")]
    MatterNotGranted,
    /// Every use was taken.
    #[error("用章次数已用完，请联系法定代表人或印章管理员重新授权。")]
    NoUsesLeft,
}

impl SealError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            SealError::ShapeNotForType { .. } => "seal.shape_not_for_type",
            SealError::SizeNotForShape { .. } => "seal.size_not_for_shape",
            SealError::UploadNotAllowed => "seal.upload_not_allowed",
            SealError::TermsNotAccepted => "seal.terms_not_accepted",
            SealError::AlreadyReviewed(_) => "seal.already_reviewed",
            SealError::ReasonMissing => "seal.reason_missing",
            SealError::Text(e) => e.code(),
            SealError::NeedsSealGrant => "seal.needs_seal_grant",
            SealError::OnlyLegalRepresentative => "seal.only_legal_rep",
            SealError::NeedsLicenseAuthorization => "seal.needs_license_authorization",
            SealError::NotManagerOfType(_) => "seal.not_manager_of_type",
            SealError::UsesOutOfRange { .. } => "seal.uses_out_of_range",
            SealError::GrantNotYetEffective => "seal.grant_not_yet_effective",
            SealError::GrantEnded => "seal.grant_ended",
            SealError::GrantRevoked => "seal.grant_revoked",
            SealError::MatterNotGranted => "seal.matter_not_granted",
            SealError::NoUsesLeft => "seal.no_uses_left",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::time::DAY;

    const T0: Timestamp = Timestamp(1_795_000_000);
    const BIDDING: &str = "egov.ndrc.bidding";

    fn request(seal_type: SealType, uses: u32) -> SealUseRequest {
        SealUseRequest {
            seal_type,
            period: Period::new(T0, T0.plus(30 * DAY)).unwrap(),
            reason: "投标".into(),
            scope: Scope::AllBusiness,
            uses,
        }
    }

    fn use_grant(uses_left: u32) -> SealUseGrant {
        SealUseGrant {
            period: Period::new(T0, T0.plus(DAY)).unwrap(),
            scope: Scope::precise(&[BIDDING]).unwrap(),
            uses_left,
            revoked_at: None,
        }
    }

    #[test]
    fn names_round_trip_and_every_type_has_a_shape_with_sizes() {
        for t in SealType::ALL {
            assert_eq!(SealType::parse(t.as_str()), Some(t));
            assert!(!t.shapes().is_empty());
            for s in t.shapes() {
                assert!(!s.sizes().is_empty(), "{t} {s}");
                check_design(t, *s, s.sizes()[0]).unwrap();
            }
        }
        for s in Shape::ALL {
            assert_eq!(Shape::parse(s.as_str()), Some(s));
        }
        assert_eq!(SealType::parse("seal"), None);
    }

    // R13
    #[test]
    fn a_design_outside_the_catalogue_is_refused_with_its_reason() {
        let e = check_design(SealType::Invoice, Shape::Round, SealSize::mm(40, 40)).unwrap_err();
        assert_eq!(e.code(), "seal.shape_not_for_type");
        assert!(e.to_string().contains("发票专用章"), "{e}");
        let e = check_design(SealType::Official, Shape::Round, SealSize::mm(41, 41)).unwrap_err();
        assert_eq!(e.code(), "seal.size_not_for_shape");
        assert!(e.to_string().contains("41×41 mm"), "{e}");
        check_design(SealType::Official, Shape::Round, SealSize::mm(42, 42)).unwrap();
    }

    // R13
    #[test]
    fn the_legal_representative_and_admins_upload_after_accepting_the_terms() {
        check_upload(Role::LegalRepresentative, true).unwrap();
        check_upload(Role::LicenseAdmin, true).unwrap();
        assert_eq!(
            check_upload(Role::Agent, true).unwrap_err().code(),
            "seal.upload_not_allowed"
        );
        assert_eq!(
            check_upload(Role::LegalRepresentative, false)
                .unwrap_err()
                .code(),
            "seal.terms_not_accepted"
        );
        let codes: std::collections::HashSet<u32> =
            SealType::ALL.iter().map(|t| t.code()).collect();
        assert_eq!(codes.len(), SealType::ALL.len());
    }

    // R13
    #[test]
    fn only_a_pending_impression_is_reviewed_and_a_refusal_needs_a_reason() {
        use ImpressionState::*;
        assert_eq!(review(Pending, &Review::Approve), Ok(Approved));
        let no_reason = Review::Reject { reason: " ".into() };
        assert_eq!(
            review(Pending, &no_reason).unwrap_err().code(),
            "seal.reason_missing"
        );
        let reason = Review::Reject {
            reason: "印模模糊".into(),
        };
        assert_eq!(review(Pending, &reason), Ok(Rejected));
        for s in [Approved, Rejected, Superseded] {
            assert_eq!(
                review(s, &Review::Approve).unwrap_err().code(),
                "seal.already_reviewed"
            );
        }
        assert!(Approved.is_valid_record());
        assert!(!Superseded.is_valid_record());
    }

    // R14
    #[test]
    fn who_collects_depends_on_the_entity_kind() {
        use EntityKind::*;
        assert_eq!(market_entity_kind("420502", "4205"), LocalMarket);
        assert_eq!(market_entity_kind("110101", "4205"), OutOfTownMarket);
        assert_eq!(market_entity_kind("420502", ""), OutOfTownMarket);
        assert_eq!(
            check_collect(LocalMarket, Role::LegalRepresentative, false),
            Ok(Collection::Direct)
        );
        for role in [Role::LicenseAdmin, Role::Agent] {
            assert_eq!(
                check_collect(LocalMarket, role, false).unwrap_err().code(),
                "seal.needs_seal_grant"
            );
            assert_eq!(
                check_collect(LocalMarket, role, true),
                Ok(Collection::ThroughGrant)
            );
            assert_eq!(
                check_collect(OutOfTownMarket, role, false),
                Ok(Collection::Direct)
            );
            assert_eq!(
                check_collect(NonMarket, role, false),
                Ok(Collection::Direct)
            );
        }
    }

    // R15
    #[test]
    fn seal_admins_are_named_by_the_legal_representative_and_manage_their_types_only() {
        check_appoint_seal_admin(Role::LegalRepresentative, true).unwrap();
        for actor in [Role::LicenseAdmin, Role::Agent] {
            assert_eq!(
                check_appoint_seal_admin(actor, true).unwrap_err().code(),
                "seal.only_legal_rep"
            );
        }
        assert_eq!(
            check_appoint_seal_admin(Role::LegalRepresentative, false)
                .unwrap_err()
                .code(),
            "seal.needs_license_authorization"
        );
        let admin = SealManager::SealAdmin(vec![SealType::Bid]);
        check_grant_use(&admin, true, &request(SealType::Bid, 5)).unwrap();
        let e = check_grant_use(&admin, true, &request(SealType::Official, 5)).unwrap_err();
        assert_eq!(e.code(), "seal.not_manager_of_type");
        assert!(e.to_string().contains("单位公章"), "{e}");
        check_grant_use(
            &SealManager::LegalRepresentative,
            true,
            &request(SealType::Official, 5),
        )
        .unwrap();
    }

    // R16
    #[test]
    fn a_use_grant_needs_a_licensed_user_a_reason_and_a_count() {
        let lr = SealManager::LegalRepresentative;
        assert_eq!(
            check_grant_use(&lr, false, &request(SealType::Bid, 5))
                .unwrap_err()
                .code(),
            "seal.needs_license_authorization"
        );
        for uses in [0, MAX_USES + 1] {
            assert_eq!(
                check_grant_use(&lr, true, &request(SealType::Bid, uses))
                    .unwrap_err()
                    .code(),
                "seal.uses_out_of_range"
            );
        }
        let mut r = request(SealType::Bid, 5);
        r.reason = String::new();
        assert_eq!(
            check_grant_use(&lr, true, &r).unwrap_err().code(),
            "seal.reason_missing"
        );
    }

    // R16
    #[test]
    fn a_use_is_taken_only_within_period_scope_and_count() {
        let g = use_grant(2);
        g.check_use(BIDDING, T0).unwrap();
        assert_eq!(
            g.check_use(BIDDING, T0.plus(-1)).unwrap_err().code(),
            "seal.grant_not_yet_effective"
        );
        assert_eq!(
            g.check_use(BIDDING, T0.plus(DAY)).unwrap_err().code(),
            "seal.grant_ended"
        );
        assert_eq!(
            g.check_use("egov.mof.procurement", T0).unwrap_err().code(),
            "seal.matter_not_granted"
        );
        assert_eq!(
            use_grant(0).check_use(BIDDING, T0).unwrap_err().code(),
            "seal.no_uses_left"
        );
        let revoked = SealUseGrant {
            revoked_at: Some(T0),
            ..use_grant(2)
        };
        assert_eq!(
            revoked.check_use(BIDDING, T0).unwrap_err().code(),
            "seal.grant_revoked"
        );
    }

    #[test]
    fn error_codes_are_distinct_and_messages_chinese() {
        let all = [
            check_design(SealType::Invoice, Shape::Round, SealSize::mm(40, 40)).unwrap_err(),
            check_design(SealType::Official, Shape::Round, SealSize::mm(1, 1)).unwrap_err(),
            SealError::UploadNotAllowed,
            SealError::TermsNotAccepted,
            SealError::AlreadyReviewed("审核通过"),
            SealError::ReasonMissing,
            SealError::NeedsSealGrant,
            SealError::OnlyLegalRepresentative,
            SealError::NeedsLicenseAuthorization,
            SealError::NotManagerOfType("单位公章"),
            SealError::UsesOutOfRange { max: MAX_USES },
            SealError::GrantNotYetEffective,
            SealError::GrantEnded,
            SealError::GrantRevoked,
            SealError::MatterNotGranted,
            SealError::NoUsesLeft,
        ];
        let codes: std::collections::HashSet<_> = all.iter().map(SealError::code).collect();
        assert_eq!(codes.len(), all.len());
        for e in &all {
            assert!(e.code().starts_with("seal."));
            assert!(
                e.to_string()
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            );
        }
    }
}

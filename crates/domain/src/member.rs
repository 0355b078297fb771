//! Members of the trading platform (网员) and their PC sessions (R11, R12).
//!
//! A member is of one [`MemberKind`]; R11 says through which [`RegistrationChannel`] each kind
//! registers: bidders and tender agencies themselves, after a QR login; tenderers and purchasers
//! at the platform's registration window. [`RegistrationChannel::admit`] is that rule, once.
//!
//! A person logged in with a license holds a member session whose [`MemberSessionState`] moves
//! `registering → active → ended`: it opens `active` if its entity is a member already, otherwise
//! `registering`; a registering session becomes active when its entity is registered (here or
//! at the window); a session ends at logout or at its expiry. Transitions consume the state and
//! give back the next one, or a [`MemberError`] with a stable code.
//!
//! ```
//! use yizhao_domain::member::{MemberKind, MemberSessionState, RegistrationChannel};
//! use yizhao_domain::time::Timestamp;
//!
//! let kind = RegistrationChannel::SelfService.admit("bidder")?;
//! assert_eq!(kind, MemberKind::Bidder);
//! assert_eq!(RegistrationChannel::SelfService.admit("tenderer").unwrap_err().code(),
//!     "member.kind_window_only");
//!
//! let s = MemberSessionState::opened(false);
//! assert_eq!(s.name(), "registering");
//! let s = s.registered()?;
//! assert_eq!(s, MemberSessionState::Active);
//! assert_eq!(s.at(Timestamp(100), Timestamp(100)), MemberSessionState::Ended);
//! # Ok::<(), yizhao_domain::member::MemberError>(())
//! ```

use core::fmt;

use crate::time::Timestamp;

/// What a member is on the platform. Stored as [`MemberKind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberKind {
    /// 投标人.
    Bidder,
    /// 招标代理.
    Agency,
    /// 招标人.
    Tenderer,
    /// 采购人.
    Purchaser,
}

impl MemberKind {
    /// All kinds.
    pub const ALL: [MemberKind; 4] = [
        MemberKind::Bidder,
        MemberKind::Agency,
        MemberKind::Tenderer,
        MemberKind::Purchaser,
    ];

    /// The stored and wire name: `bidder`, `agency`, `tenderer` or `purchaser`.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberKind::Bidder => "bidder",
            MemberKind::Agency => "agency",
            MemberKind::Tenderer => "tenderer",
            MemberKind::Purchaser => "purchaser",
        }
    }

    /// The Chinese name people see, e.g. 投标人.
    pub fn label(self) -> &'static str {
        match self {
            MemberKind::Bidder => "投标人",
            MemberKind::Agency => "招标代理",
            MemberKind::Tenderer => "招标人",
            MemberKind::Purchaser => "采购人",
        }
    }

    /// Through which channel this kind registers (R11).
    pub fn channel(self) -> RegistrationChannel {
        match self {
            MemberKind::Bidder | MemberKind::Agency => RegistrationChannel::SelfService,
            MemberKind::Tenderer | MemberKind::Purchaser => RegistrationChannel::Window,
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<MemberKind> {
        MemberKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for MemberKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an entity becomes a member (R11).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegistrationChannel {
    /// The entity registers itself after a QR login (自助注册).
    SelfService,
    /// The platform's registration window registers it (窗口注册).
    Window,
}

impl RegistrationChannel {
    /// The kinds that register through this channel, in the order forms offer them.
    pub fn kinds(self) -> impl Iterator<Item = MemberKind> {
        MemberKind::ALL
            .into_iter()
            .filter(move |k| k.channel() == self)
    }

    /// The Chinese name shown in member lists: 自助注册 or 窗口注册.
    pub fn label(self) -> &'static str {
        match self {
            RegistrationChannel::SelfService => "自助注册",
            RegistrationChannel::Window => "窗口注册",
        }
    }

    /// R11: the kind named `kind` if it may register through this channel; otherwise why not
    /// (unknown kind, or a kind of the other channel).
    pub fn admit(self, kind: &str) -> Result<MemberKind, MemberError> {
        let k = MemberKind::parse(kind).ok_or(MemberError::KindUnknown { channel: self })?;
        match (self, k.channel()) {
            (a, b) if a == b => Ok(k),
            (RegistrationChannel::SelfService, _) => Err(MemberError::KindWindowOnly),
            (RegistrationChannel::Window, _) => Err(MemberError::KindSelfService),
        }
    }

    /// The channel a member was registered through, from its stored `registered_by`: the
    /// license id, or `window:<staff>` for the window.
    pub fn of_registered_by(registered_by: &str) -> RegistrationChannel {
        if registered_by.starts_with(WINDOW_PREFIX) {
            RegistrationChannel::Window
        } else {
            RegistrationChannel::SelfService
        }
    }

    /// The stored `registered_by` of a window registration by staff member `username`.
    pub fn window_registrar(username: &str) -> String {
        format!("{WINDOW_PREFIX}{username}")
    }

    /// The kinds' labels joined with 或, e.g. 投标人或招标代理.
    fn choices(self) -> String {
        self.kinds()
            .map(MemberKind::label)
            .collect::<Vec<_>>()
            .join("或")
    }
}

/// How `registered_by` starts for a window registration.
const WINDOW_PREFIX: &str = "window:";

/// Where a member session stands. Stored as [`MemberSessionState::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberSessionState {
    /// Logged in; the entity is not a member yet and may register.
    Registering,
    /// Logged in as a member.
    Active,
    /// Logged out or expired.
    Ended,
}

impl MemberSessionState {
    /// All states.
    pub const ALL: [MemberSessionState; 3] = [
        MemberSessionState::Registering,
        MemberSessionState::Active,
        MemberSessionState::Ended,
    ];

    /// The stored and wire name: `registering`, `active` or `ended`.
    pub fn name(self) -> &'static str {
        match self {
            MemberSessionState::Registering => "registering",
            MemberSessionState::Active => "active",
            MemberSessionState::Ended => "ended",
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<MemberSessionState> {
        MemberSessionState::ALL.into_iter().find(|k| k.name() == s)
    }

    /// The state a session opens in at login: active if its entity is a member already,
    /// otherwise registering.
    pub fn opened(entity_registered: bool) -> MemberSessionState {
        if entity_registered {
            MemberSessionState::Active
        } else {
            MemberSessionState::Registering
        }
    }

    /// The state as seen at `now` for a session expiring at `expires_at`: at or past its expiry
    /// it has ended.
    pub fn at(self, expires_at: Timestamp, now: Timestamp) -> MemberSessionState {
        if now >= expires_at {
            MemberSessionState::Ended
        } else {
            self
        }
    }

    /// The state of a session that is live at `now` (not ended, not expired), or
    /// [`MemberError::NotLoggedIn`].
    pub fn live_at(
        self,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<MemberSessionState, MemberError> {
        match self.at(expires_at, now) {
            MemberSessionState::Ended => Err(MemberError::NotLoggedIn),
            s => Ok(s),
        }
    }

    /// Its entity was registered (by this session, another, or the window): a registering
    /// session becomes active. An active one is [`MemberError::AlreadyRegistered`], an ended
    /// one [`MemberError::NotLoggedIn`].
    pub fn registered(self) -> Result<MemberSessionState, MemberError> {
        match self {
            MemberSessionState::Registering => Ok(MemberSessionState::Active),
            MemberSessionState::Active => Err(MemberError::AlreadyRegistered),
            MemberSessionState::Ended => Err(MemberError::NotLoggedIn),
        }
    }

    /// Logout: a live session ends; an ended one is [`MemberError::NotLoggedIn`].
    pub fn end(self) -> Result<MemberSessionState, MemberError> {
        match self {
            MemberSessionState::Registering | MemberSessionState::Active => {
                Ok(MemberSessionState::Ended)
            }
            MemberSessionState::Ended => Err(MemberError::NotLoggedIn),
        }
    }

    /// Whether it may register its entity: only registering sessions may.
    pub fn require_registering(self) -> Result<(), MemberError> {
        match self {
            MemberSessionState::Registering => Ok(()),
            MemberSessionState::Active => Err(MemberError::AlreadyRegistered),
            MemberSessionState::Ended => Err(MemberError::NotLoggedIn),
        }
    }

    /// Whether it acts as a member: only active sessions do.
    pub fn require_active(self) -> Result<(), MemberError> {
        match self {
            MemberSessionState::Active => Ok(()),
            MemberSessionState::Registering => Err(MemberError::RegistrationRequired),
            MemberSessionState::Ended => Err(MemberError::NotLoggedIn),
        }
    }
}

impl fmt::Display for MemberSessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a back-office session (后台) stands. Stored as [`BackOfficeSessionState::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BackOfficeSessionState {
    /// Logged in.
    Active,
    /// Logged out or expired.
    Ended,
}

impl BackOfficeSessionState {
    /// All states.
    pub const ALL: [BackOfficeSessionState; 2] = [
        BackOfficeSessionState::Active,
        BackOfficeSessionState::Ended,
    ];

    /// The stored name: `active` or `ended`.
    pub fn name(self) -> &'static str {
        match self {
            BackOfficeSessionState::Active => "active",
            BackOfficeSessionState::Ended => "ended",
        }
    }

    /// Parse the stored name.
    pub fn parse(s: &str) -> Option<BackOfficeSessionState> {
        BackOfficeSessionState::ALL
            .into_iter()
            .find(|k| k.name() == s)
    }

    /// The state as seen at `now` for a session expiring at `expires_at`.
    pub fn at(self, expires_at: Timestamp, now: Timestamp) -> BackOfficeSessionState {
        if now >= expires_at {
            BackOfficeSessionState::Ended
        } else {
            self
        }
    }

    /// Whether the session is live at `now`.
    pub fn is_live_at(self, expires_at: Timestamp, now: Timestamp) -> bool {
        self.at(expires_at, now) == BackOfficeSessionState::Active
    }

    /// Logout: an active session ends; `None` if it had ended.
    pub fn end(self) -> Option<BackOfficeSessionState> {
        match self {
            BackOfficeSessionState::Active => Some(BackOfficeSessionState::Ended),
            BackOfficeSessionState::Ended => None,
        }
    }
}

impl fmt::Display for BackOfficeSessionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a member session or registration was refused. Each has a stable code and a message in
/// Chinese for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MemberError {
    /// No live session.
    #[error("请先扫码登录。")]
    NotLoggedIn,
    /// The entity is a member already.
    #[error("该单位已注册为网员。")]
    AlreadyRegistered,
    /// The entity is not a member yet.
    #[error("该单位尚未注册为网员，请先完成网员注册。")]
    RegistrationRequired,
    /// Not a kind this channel registers (nor any kind).
    #[error("请选择网员类型：{}。", channel.choices())]
    KindUnknown {
        /// The channel asked.
        channel: RegistrationChannel,
    },
    /// A window-only kind asked to register itself.
    #[error("招标人、采购人请联系网员注册窗口注册")]
    KindWindowOnly,
    /// A self-service kind asked at the window.
    #[error("投标人、招标代理请自行扫码登录后注册，窗口只办理招标人、采购人注册。")]
    KindSelfService,
}

impl MemberError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            MemberError::NotLoggedIn => "member.not_logged_in",
            MemberError::AlreadyRegistered => "member.already_registered",
            MemberError::RegistrationRequired => "member.registration_required",
            MemberError::KindUnknown { .. } => "member.kind_unknown",
            MemberError::KindWindowOnly => "member.kind_window_only",
            MemberError::KindSelfService => "backoffice.kind_self_service",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp(1_795_000_000);

    #[test]
    fn kinds_round_trip_with_labels() {
        for k in MemberKind::ALL {
            assert_eq!(MemberKind::parse(k.as_str()), Some(k));
            assert_eq!(k.to_string(), k.as_str());
        }
        let names: Vec<_> = MemberKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names, ["bidder", "agency", "tenderer", "purchaser"]);
        let labels: Vec<_> = MemberKind::ALL.iter().map(|k| k.label()).collect();
        assert_eq!(labels, ["投标人", "招标代理", "招标人", "采购人"]);
        assert_eq!(MemberKind::parse("Bidder"), None);
        assert_eq!(MemberKind::parse("tender_agency"), None);
    }

    #[test]
    fn r11_self_service_admits_bidders_and_agencies_only() {
        let c = RegistrationChannel::SelfService;
        assert_eq!(c.admit("bidder"), Ok(MemberKind::Bidder));
        assert_eq!(c.admit("agency"), Ok(MemberKind::Agency));
        for k in ["tenderer", "purchaser"] {
            let e = c.admit(k).unwrap_err();
            assert_eq!(e, MemberError::KindWindowOnly);
            assert_eq!(e.code(), "member.kind_window_only");
            assert_eq!(e.to_string(), "招标人、采购人请联系网员注册窗口注册");
        }
        let e = c.admit("admin").unwrap_err();
        assert_eq!(e.code(), "member.kind_unknown");
        assert_eq!(e.to_string(), "请选择网员类型：投标人或招标代理。");
        assert_eq!(
            c.kinds().collect::<Vec<_>>(),
            [MemberKind::Bidder, MemberKind::Agency]
        );
    }

    #[test]
    fn r11_window_admits_tenderers_and_purchasers_only() {
        let c = RegistrationChannel::Window;
        assert_eq!(c.admit("tenderer"), Ok(MemberKind::Tenderer));
        assert_eq!(c.admit("purchaser"), Ok(MemberKind::Purchaser));
        for k in ["bidder", "agency"] {
            let e = c.admit(k).unwrap_err();
            assert_eq!(e, MemberError::KindSelfService);
            assert_eq!(e.code(), "backoffice.kind_self_service");
        }
        let e = c.admit("").unwrap_err();
        assert_eq!(e.code(), "member.kind_unknown");
        assert_eq!(e.to_string(), "请选择网员类型：招标人或采购人。");
    }

    #[test]
    fn r11_every_kind_has_exactly_one_channel() {
        for k in MemberKind::ALL {
            let admitted: Vec<_> = [
                RegistrationChannel::SelfService,
                RegistrationChannel::Window,
            ]
            .into_iter()
            .filter(|c| c.admit(k.as_str()).is_ok())
            .collect();
            assert_eq!(admitted, [k.channel()]);
        }
    }

    #[test]
    fn registered_by_tells_the_channel() {
        let by = RegistrationChannel::window_registrar("w1");
        assert_eq!(by, "window:w1");
        assert_eq!(
            RegistrationChannel::of_registered_by(&by),
            RegistrationChannel::Window
        );
        assert_eq!(
            RegistrationChannel::of_registered_by("0a1b2c"),
            RegistrationChannel::SelfService
        );
        assert_eq!(RegistrationChannel::Window.label(), "窗口注册");
        assert_eq!(RegistrationChannel::SelfService.label(), "自助注册");
    }

    #[test]
    fn session_states_round_trip() {
        for s in MemberSessionState::ALL {
            assert_eq!(MemberSessionState::parse(s.name()), Some(s));
        }
        assert_eq!(MemberSessionState::parse("done"), None);
        for s in BackOfficeSessionState::ALL {
            assert_eq!(BackOfficeSessionState::parse(s.name()), Some(s));
        }
        assert_eq!(BackOfficeSessionState::parse("registering"), None);
    }

    #[test]
    fn a_session_opens_registering_unless_registered() {
        assert_eq!(
            MemberSessionState::opened(false),
            MemberSessionState::Registering
        );
        assert_eq!(MemberSessionState::opened(true), MemberSessionState::Active);
    }

    #[test]
    fn registering_becomes_active_once() {
        let s = MemberSessionState::Registering;
        assert_eq!(s.require_registering(), Ok(()));
        assert_eq!(s.require_active(), Err(MemberError::RegistrationRequired));
        let s = s.registered().unwrap();
        assert_eq!(s, MemberSessionState::Active);
        assert_eq!(s.require_active(), Ok(()));
        assert_eq!(s.registered(), Err(MemberError::AlreadyRegistered));
        assert_eq!(s.require_registering(), Err(MemberError::AlreadyRegistered));
        assert_eq!(
            MemberSessionState::Ended.registered(),
            Err(MemberError::NotLoggedIn)
        );
    }

    #[test]
    fn a_session_ends_at_logout() {
        for s in [MemberSessionState::Registering, MemberSessionState::Active] {
            assert_eq!(s.end(), Ok(MemberSessionState::Ended));
        }
        let e = MemberSessionState::Ended.end().unwrap_err();
        assert_eq!(e.code(), "member.not_logged_in");
        assert_eq!(e.to_string(), "请先扫码登录。");
        assert_eq!(
            MemberSessionState::Ended.require_active(),
            Err(MemberError::NotLoggedIn)
        );
    }

    #[test]
    fn a_session_ends_at_expiry() {
        let exp = T0.plus(60);
        for s in [MemberSessionState::Registering, MemberSessionState::Active] {
            assert_eq!(s.at(exp, T0.plus(59)), s);
            assert_eq!(s.live_at(exp, T0.plus(59)), Ok(s));
            assert_eq!(s.at(exp, exp), MemberSessionState::Ended);
            assert_eq!(s.live_at(exp, exp), Err(MemberError::NotLoggedIn));
        }
        assert_eq!(
            MemberSessionState::Ended.live_at(exp, T0),
            Err(MemberError::NotLoggedIn)
        );
    }

    #[test]
    fn back_office_session_ends_at_logout_or_expiry() {
        let exp = T0.plus(60);
        let s = BackOfficeSessionState::Active;
        assert!(s.is_live_at(exp, T0));
        assert!(!s.is_live_at(exp, exp));
        assert_eq!(s.at(exp, exp), BackOfficeSessionState::Ended);
        let ended = s.end().unwrap();
        assert_eq!(ended, BackOfficeSessionState::Ended);
        assert!(!ended.is_live_at(exp, T0));
        assert_eq!(ended.end(), None);
    }

    #[test]
    fn error_codes_are_stable() {
        assert_eq!(
            MemberError::AlreadyRegistered.code(),
            "member.already_registered"
        );
        assert_eq!(
            MemberError::RegistrationRequired.to_string(),
            "该单位尚未注册为网员，请先完成网员注册。"
        );
        assert_eq!(
            MemberError::KindSelfService.to_string(),
            "投标人、招标代理请自行扫码登录后注册，窗口只办理招标人、采购人注册。"
        );
    }
}

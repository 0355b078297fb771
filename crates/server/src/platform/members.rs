//! Members of the platform (网员): a completed QR login makes a member session; an entity not
//! yet registered goes to registration, pre-filled from the license's face data (R11, R12); an
//! active member reads its basic information in the credit database and syncs it from the
//! license (R22). Routes under `/platform/api/v1`: `GET /me`, `GET|POST /registration`,
//! `POST /logout`, `GET /credit`, `POST /credit/sync`; the session cookie is [`MEMBER_COOKIE`].

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize, Serializer};
use yizhao_domain::authority::Role;
use yizhao_domain::member::{MemberError, MemberKind, MemberSessionState, RegistrationChannel};
use yizhao_domain::qr::QrKind;
use yizhao_domain::time::Timestamp;
use yizhao_gm::sm3;
use yizhao_gm::x509::Certificate;
use yizhao_proto::authority::FaceData;
use yizhao_store::{MemberRow, MemberSessionRow, QrRow, Transaction};

use super::{Platform, session_hash};
use crate::authority::http::Body;
use crate::error::ApiError;
use crate::rng::random_hex;

/// The member-session cookie of the PC pages.
pub const MEMBER_COOKIE: &str = "yz_member";

/// How long a member session lasts (seconds).
pub const MEMBER_SESSION_TTL_SECS: i64 = 8 * 3600;

/// The hash under which a member session is stored (never the cookie value itself).
pub fn member_session_hash(token: &str) -> String {
    hex::encode(sm3(format!("yizhao/member-session/v1\n{token}").as_bytes()))
}

pub(crate) fn not_logged_in() -> ApiError {
    MemberError::NotLoggedIn.into()
}

fn registration_required() -> ApiError {
    MemberError::RegistrationRequired.into()
}

pub(crate) fn already_registered() -> ApiError {
    MemberError::AlreadyRegistered.into()
}

fn not_in_registry() -> ApiError {
    ApiError::not_found("member.not_in_registry", "登记信息中没有该单位。")
}

/// Serializes a member session state as its stored name.
fn state_name<S: Serializer>(s: &MemberSessionState, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(s.name())
}

/// Serializes a member kind as its stored name.
pub(crate) fn kind_name<S: Serializer>(k: &MemberKind, ser: S) -> Result<S::Ok, S::Error> {
    ser.serialize_str(k.as_str())
}

/// Serializes a member kind, if any, as its stored name.
fn kind_name_opt<S: Serializer>(k: &Option<MemberKind>, ser: S) -> Result<S::Ok, S::Error> {
    match k {
        Some(k) => ser.serialize_some(k.as_str()),
        None => ser.serialize_none(),
    }
}

/// Basic information (基本信息), as on the license.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BasicInfo {
    /// 统一社会信用代码.
    pub uscc: String,
    /// 名称.
    pub name: String,
    /// 类型.
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
}

impl BasicInfo {
    fn from_face(f: &FaceData) -> Self {
        BasicInfo {
            uscc: f.uscc.clone(),
            name: f.name.clone(),
            kind_of_entity: f.kind.clone(),
            legal_representative: f.legal_representative.clone(),
            registered_capital: f.registered_capital.clone(),
            established: f.established.clone(),
            business_term: f.business_term.clone(),
            domicile: f.domicile.clone(),
            business_scope: f.business_scope.clone(),
            registration_authority: f.registration_authority.clone(),
            locality: f.locality.clone(),
        }
    }

    /// As registered on the platform (as of the last sync).
    pub fn from_member(m: &MemberRow) -> Self {
        BasicInfo {
            uscc: m.uscc.clone(),
            name: m.name.clone(),
            kind_of_entity: m.kind_of_entity.clone(),
            legal_representative: m.legal_representative.clone(),
            registered_capital: m.registered_capital.clone(),
            established: m.established.clone(),
            business_term: m.business_term.clone(),
            domicile: m.domicile.clone(),
            business_scope: m.business_scope.clone(),
            registration_authority: m.registration_authority.clone(),
            locality: m.locality.clone(),
        }
    }

    /// The fields a sync may change, by name.
    pub fn fields(&self) -> [(&'static str, &str); 10] {
        [
            ("name", &self.name),
            ("kind_of_entity", &self.kind_of_entity),
            ("legal_representative", &self.legal_representative),
            ("registered_capital", &self.registered_capital),
            ("established", &self.established),
            ("business_term", &self.business_term),
            ("domicile", &self.domicile),
            ("business_scope", &self.business_scope),
            ("registration_authority", &self.registration_authority),
            ("locality", &self.locality),
        ]
    }

    fn apply_to(&self, m: &mut MemberRow) {
        m.name.clone_from(&self.name);
        m.kind_of_entity.clone_from(&self.kind_of_entity);
        m.legal_representative
            .clone_from(&self.legal_representative);
        m.registered_capital.clone_from(&self.registered_capital);
        m.established.clone_from(&self.established);
        m.business_term.clone_from(&self.business_term);
        m.domicile.clone_from(&self.domicile);
        m.business_scope.clone_from(&self.business_scope);
        m.registration_authority
            .clone_from(&self.registration_authority);
        m.locality.clone_from(&self.locality);
    }
}

/// `GET /me`: who is logged in.
#[derive(Debug, Clone, Serialize)]
pub struct MeView {
    /// `registering` or `active`.
    #[serde(serialize_with = "state_name")]
    pub state: MemberSessionState,
    /// The entity's name.
    pub entity_name: String,
    /// 统一社会信用代码.
    pub uscc: String,
    /// The person (the license certificate's common name).
    pub person: String,
    /// The license's role.
    pub role: String,
    /// Its Chinese name.
    pub role_label: String,
    /// The member kind, once registered.
    #[serde(serialize_with = "kind_name_opt")]
    pub member_kind: Option<MemberKind>,
    /// Its Chinese name.
    pub member_kind_label: Option<String>,
}

/// `GET /registration`: the form, pre-filled from the license.
#[derive(Debug, Clone, Serialize)]
pub struct RegistrationForm {
    /// From the license's face data.
    #[serde(flatten)]
    pub basic: BasicInfo,
    /// The kinds one may register as here (R11).
    pub kinds: Vec<String>,
    /// Pre-filled with the person logged in.
    pub contact_name: String,
    /// To be filled.
    pub contact_phone: String,
}

/// `POST /registration`.
#[derive(Debug, Clone, Deserialize)]
pub struct RegistrationRequest {
    /// `bidder` or `agency`.
    pub kind: String,
    /// 联系人.
    pub contact_name: String,
    /// 联系电话.
    pub contact_phone: String,
}

/// `GET /credit`: 诚信库 › 基本信息.
#[derive(Debug, Clone, Serialize)]
pub struct CreditView {
    /// As on the license (as of the last sync).
    #[serde(flatten)]
    pub basic: BasicInfo,
    /// Member kind.
    #[serde(serialize_with = "kind_name")]
    pub member_kind: MemberKind,
    /// Its Chinese name.
    pub member_kind_label: String,
    /// 联系人.
    pub contact_name: String,
    /// 联系电话.
    pub contact_phone: String,
    /// Registered (Unix seconds).
    pub registered_at: i64,
    /// Last synced from the license (Unix seconds).
    pub synced_at: i64,
}

/// One field a sync changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// Field name.
    pub field: String,
    /// Before.
    pub old: String,
    /// After.
    pub new: String,
}

/// `POST /credit/sync`.
#[derive(Debug, Clone, Serialize)]
pub struct SyncResult {
    /// The fields that changed (empty: nothing to do).
    pub changed: Vec<FieldChange>,
}

/// A member session checked and ready to store (see [`Platform::prepare_member_login`]).
pub(super) struct MemberLogin {
    /// The login request it comes from.
    qr_id: String,
    /// The row to store.
    session: MemberSessionRow,
    /// The cookie value (only its hash is stored).
    pub(super) token: String,
}

impl Platform {
    async fn member_audit(
        &self,
        tx: &mut Transaction,
        s: &MemberSessionRow,
        action: &str,
        detail: serde_json::Value,
    ) -> Result<(), ApiError> {
        let actor = format!("license:{}", s.license_id);
        crate::audit::record(
            &self.db,
            tx,
            self.now().0,
            (&actor, action, &s.uscc),
            &detail,
        )
        .await
    }

    /// After a login request completed for this browser `session`: make its member session,
    /// once per request; returns the new cookie value (`None` if it isn't a completed login of
    /// this browser, or its session was made already). (A confirmed short code opens the session
    /// in the confirm's own transaction, see [`Platform::confirm_qr`]; this is the way for a
    /// request that completed without one.)
    pub async fn login_member(
        &self,
        qr_id: &str,
        session: &str,
    ) -> Result<Option<String>, ApiError> {
        let row = self.load(qr_id).await?;
        let completed = matches!(
            super::from_row(&row)?.state,
            yizhao_domain::qr::QrState::Completed { .. }
        );
        if !completed || row.session_hash != session_hash(session) {
            return Ok(None);
        }
        let Some(login) = self.prepare_member_login(&row).await? else {
            return Ok(None);
        };
        let mut tx = self.db.begin().await?;
        if !self.open_member_session(&mut tx, &login).await? {
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(login.token))
    }

    /// The member session a login request that answered `row` will open: the license is asked
    /// about again (it may have been revoked since the answer), and whether the entity is a
    /// member already is read. Nothing is written. `None` if `row` is no login or has no answer.
    pub(super) async fn prepare_member_login(
        &self,
        row: &QrRow,
    ) -> Result<Option<MemberLogin>, ApiError> {
        if !QrKind::parse(&row.kind).is_some_and(QrKind::binds_pc_session) {
            return Ok(None);
        }
        // Each read lets its connection go before the next await: a request never holds two.
        let cert = self.db.read().await?.qr_answer_certificate(&row.id).await?;
        let Some(der) = cert else { return Ok(None) };
        let cert = Certificate::from_der(&der).map_err(|e| ApiError::internal(&e))?;
        let status = self.authority.credential_status(&cert, &der, None).await?;
        let license = status.usable().map_err(super::refused)?;
        let person = cert.common_name().unwrap_or_default();
        let now = self.now().0;
        let token = random_hex(self.rng.as_ref(), 32);
        // Read before taking the writer turn, which is held for the writes only. (A
        // registration that lands in between is caught up with by the session's next page.)
        let registered = self.db.read().await?.member(license.uscc).await?.is_some();
        Ok(Some(MemberLogin {
            qr_id: row.id.clone(),
            session: MemberSessionRow {
                id_hash: member_session_hash(&token),
                uscc: license.uscc.to_owned(),
                license_id: license.license_id.into(),
                person_name: person,
                role: license.role.as_str().to_owned(),
                created_at: now,
                expires_at: now + MEMBER_SESSION_TTL_SECS,
                state: MemberSessionState::opened(registered),
            },
            token,
        }))
    }

    /// Stores a prepared member session in `tx`, with its audit record, unless its request made
    /// one already; returns whether it did.
    pub(super) async fn open_member_session(
        &self,
        tx: &mut Transaction,
        login: &MemberLogin,
    ) -> Result<bool, ApiError> {
        let s = &login.session;
        if !tx
            .claim_qr_member_session(&login.qr_id, s.created_at)
            .await?
        {
            return Ok(false);
        }
        tx.insert_member_session(s).await?;
        self.member_audit(
            tx,
            s,
            "member.login",
            serde_json::json!({ "qr": login.qr_id, "state": s.state.name(), "person": s.person_name }),
        )
        .await?;
        Ok(true)
    }

    /// The live (not ended, not expired) session of a cookie value.
    async fn member_session_of(&self, token: &str) -> Result<MemberSessionRow, ApiError> {
        let mut tx = self.db.read().await?;
        let s = tx
            .member_session(&member_session_hash(token))
            .await?
            .ok_or_else(not_logged_in)?;
        let state = s.state.live_at(Timestamp(s.expires_at), self.now())?;
        if state == MemberSessionState::Registering && tx.member(&s.uscc).await?.is_some() {
            // Registered meanwhile (in another browser, or at the window): this session is a
            // member's now too.
            drop(tx);
            let active = state.registered()?;
            let mut tx = self.db.begin().await?;
            tx.set_member_session_state(&s.id_hash, state, active)
                .await?;
            tx.commit().await?;
            return Ok(MemberSessionRow { state: active, ..s });
        }
        Ok(s)
    }

    async fn face_of(&self, uscc: &str) -> Result<FaceData, ApiError> {
        self.authority
            .face_data(uscc)
            .await?
            .ok_or_else(not_in_registry)
    }

    /// Who is logged in with this cookie.
    pub async fn me(&self, token: &str) -> Result<MeView, ApiError> {
        let s = self.member_session_of(token).await?;
        let member = {
            let mut tx = self.db.read().await?;
            tx.member(&s.uscc).await?
        };
        let entity_name = match &member {
            Some(m) => m.name.clone(),
            None => self.face_of(&s.uscc).await?.name,
        };
        Ok(MeView {
            state: s.state,
            entity_name,
            uscc: s.uscc,
            person: s.person_name,
            role_label: Role::parse(&s.role)
                .map(Role::label)
                .unwrap_or_default()
                .into(),
            role: s.role,
            member_kind_label: member.as_ref().map(|m| m.kind.label().into()),
            member_kind: member.map(|m| m.kind),
        })
    }

    /// The registration form of a registering session, pre-filled from the license.
    pub async fn registration_form(&self, token: &str) -> Result<RegistrationForm, ApiError> {
        let s = self.member_session_of(token).await?;
        s.state.require_registering()?;
        let face = self.face_of(&s.uscc).await?;
        Ok(RegistrationForm {
            basic: BasicInfo::from_face(&face),
            kinds: RegistrationChannel::SelfService
                .kinds()
                .map(|k| k.as_str().into())
                .collect(),
            contact_name: s.person_name,
            contact_phone: String::new(),
        })
    }

    /// Register the session's entity as a bidder or agency (R11); the session becomes active.
    pub async fn register_member(
        &self,
        token: &str,
        req: &RegistrationRequest,
    ) -> Result<MeView, ApiError> {
        let s = self.member_session_of(token).await?;
        let active = s.state.registered()?;
        let kind = RegistrationChannel::SelfService.admit(&req.kind)?;
        let m = self
            .new_member(&s.uscc, kind, req, s.license_id.as_str())
            .await?;
        let mut tx = self.db.begin().await?;
        if tx.member(&s.uscc).await?.is_some() {
            return Err(already_registered());
        }
        if !tx
            .set_member_session_state(&s.id_hash, s.state, active)
            .await?
        {
            return Err(not_logged_in());
        }
        tx.insert_member(&m).await?;
        self.member_audit(
            &mut tx,
            &s,
            "member.register",
            serde_json::json!({ "kind": m.kind.as_str(), "person": s.person_name }),
        )
        .await?;
        tx.commit().await?;
        self.me(token).await
    }

    /// A new member `uscc` of `kind` (already checked by the caller: who may register which
    /// kind differs, R11), its basic information from the license's face data as the registry
    /// has it now, after checking the contact; `registered_by` is the license id, or
    /// `window:<staff>` for the registration window.
    pub(crate) async fn new_member(
        &self,
        uscc: &str,
        kind: MemberKind,
        req: &RegistrationRequest,
        registered_by: &str,
    ) -> Result<MemberRow, ApiError> {
        use yizhao_domain::text::{PERSON_NAME, TextError, TextField};
        const CONTACT_PHONE: TextField = TextField {
            label: "联系电话",
            max_chars: 32,
            multiline: false,
        };
        let check = |field: TextField, text: &str| {
            field.check(text).map_err(|e| match e {
                TextError::Empty(_) => {
                    ApiError::bad_request("member.contact_required", "请填写联系人和联系电话。")
                }
                e => e.into(),
            })
        };
        let contact_name = check(PERSON_NAME.named("联系人"), &req.contact_name)?;
        let contact_phone = check(CONTACT_PHONE, &req.contact_phone)?;
        let (contact_name, contact_phone) = (contact_name.as_str(), contact_phone.as_str());
        let face = self.face_of(uscc).await?;
        let now = self.now().0;
        let mut m = MemberRow {
            uscc: uscc.into(),
            name: String::new(),
            kind,
            registered_at: now,
            registered_by: registered_by.into(),
            kind_of_entity: String::new(),
            legal_representative: String::new(),
            registered_capital: String::new(),
            established: String::new(),
            business_term: String::new(),
            domicile: String::new(),
            business_scope: String::new(),
            registration_authority: String::new(),
            locality: String::new(),
            contact_name: contact_name.into(),
            contact_phone: contact_phone.into(),
            synced_at: now,
        };
        BasicInfo::from_face(&face).apply_to(&mut m);
        Ok(m)
    }

    /// End the session.
    pub async fn logout_member(&self, token: &str) -> Result<(), ApiError> {
        let s = self.member_session_of(token).await?;
        let ended = s.state.end()?;
        let mut tx = self.db.begin().await?;
        if !tx
            .set_member_session_state(&s.id_hash, s.state, ended)
            .await?
        {
            return Err(not_logged_in());
        }
        self.member_audit(&mut tx, &s, "member.logout", serde_json::json!({}))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn active_member(&self, token: &str) -> Result<(MemberSessionRow, MemberRow), ApiError> {
        let s = self.member_session_of(token).await?;
        let member = {
            let mut tx = self.db.read().await?;
            tx.member(&s.uscc).await?
        };
        let Some(m) = member else {
            return Err(registration_required());
        };
        s.state.require_active()?;
        Ok((s, m))
    }

    /// 诚信库 › 基本信息 of the session's member.
    pub async fn credit(&self, token: &str) -> Result<CreditView, ApiError> {
        let (_, m) = self.active_member(token).await?;
        Ok(CreditView {
            basic: BasicInfo::from_member(&m),
            member_kind_label: m.kind.label().into(),
            member_kind: m.kind,
            contact_name: m.contact_name,
            contact_phone: m.contact_phone,
            registered_at: m.registered_at,
            synced_at: m.synced_at,
        })
    }

    /// 从执照同步 (R22): re-read the license's face data and update the basic information.
    pub async fn credit_sync(&self, token: &str) -> Result<SyncResult, ApiError> {
        let (s, _) = self.active_member(token).await?;
        let fresh = BasicInfo::from_face(&self.face_of(&s.uscc).await?);
        let mut tx = self.db.begin().await?;
        let mut m = tx
            .member(&s.uscc)
            .await?
            .ok_or_else(registration_required)?;
        let old = BasicInfo::from_member(&m);
        let changed: Vec<FieldChange> = old
            .fields()
            .iter()
            .zip(fresh.fields().iter())
            .filter(|(a, b)| a.1 != b.1)
            .map(|(a, b)| FieldChange {
                field: a.0.into(),
                old: a.1.into(),
                new: b.1.into(),
            })
            .collect();
        fresh.apply_to(&mut m);
        m.synced_at = self.now().0;
        tx.update_member_basic_info(&m).await?;
        self.member_audit(
            &mut tx,
            &s,
            "member.credit_sync",
            serde_json::json!({ "changed": changed.iter().map(|c| c.field.as_str()).collect::<Vec<_>>() }),
        )
        .await?;
        tx.commit().await?;
        Ok(SyncResult { changed })
    }
}

type P = State<Arc<Platform>>;

/// The member-session cookie value, if the browser sent one of the right shape.
pub(crate) fn member_token(h: &HeaderMap) -> Option<String> {
    crate::cookies::cookie_value(h, MEMBER_COOKIE)
}

fn require_member(h: &HeaderMap) -> Result<String, ApiError> {
    member_token(h).ok_or_else(not_logged_in)
}

/// The member routes, merged into the PC routes under `/platform/api/v1`.
pub(super) fn routes() -> Router<Arc<Platform>> {
    Router::new()
        .route("/me", get(me))
        .route("/registration", get(registration_form).post(register))
        .route("/logout", post(logout))
        .route("/credit", get(credit))
        .route("/credit/sync", post(credit_sync))
}

async fn me(State(p): P, h: HeaderMap) -> Result<Json<MeView>, ApiError> {
    Ok(Json(p.me(&require_member(&h)?).await?))
}

async fn registration_form(State(p): P, h: HeaderMap) -> Result<Json<RegistrationForm>, ApiError> {
    Ok(Json(p.registration_form(&require_member(&h)?).await?))
}

async fn register(
    State(p): P,
    h: HeaderMap,
    Body(b): Body<RegistrationRequest>,
) -> Result<Json<MeView>, ApiError> {
    Ok(Json(p.register_member(&require_member(&h)?, &b).await?))
}

async fn logout(State(p): P, h: HeaderMap) -> Result<Response, ApiError> {
    p.logout_member(&require_member(&h)?).await?;
    let ended = MemberSessionState::Ended.name();
    let mut resp = Json(serde_json::json!({ "state": ended })).into_response();
    crate::cookies::set_cookie(&mut resp, MEMBER_COOKIE, None, p.secure_cookies())?;
    Ok(resp)
}

async fn credit(State(p): P, h: HeaderMap) -> Result<Json<CreditView>, ApiError> {
    Ok(Json(p.credit(&require_member(&h)?).await?))
}

async fn credit_sync(State(p): P, h: HeaderMap) -> Result<Json<SyncResult>, ApiError> {
    Ok(Json(p.credit_sync(&require_member(&h)?).await?))
}

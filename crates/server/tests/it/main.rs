//! Integration tests of the services, in-process (`tower::ServiceExt::oneshot`), on SQLite and
//! PostgreSQL. A small test phone plays the wallet's part of each protocol.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod abuse;
mod authority;
mod impression_qr;
mod limits;
mod maker_rotation;
mod members;
mod pages;
mod qr;
mod relying_parties;
mod seals;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use yizhao_domain::registry::demo_registry;
use yizhao_domain::time::{ManualClock, Timestamp};
use yizhao_gm::keystore::{KdfParams, Password};
use yizhao_gm::{PrivateKey, SuiteId};
use yizhao_proto::authority as api;
use yizhao_server::platform::{Platform, PlatformConfig};
use yizhao_server::rng::{PortRng, RandomSource};
use yizhao_server::seal::Seals;
use yizhao_server::{Authority, AuthorityConfig, Services, router};
use yizhao_store::Database;

pub const T0: i64 = 1_795_000_000;

/// A deterministic random source for tests (SM3 counter mode).
pub struct TestRandom(std::sync::Mutex<(u64, u64)>);

impl TestRandom {
    pub fn new(seed: u64) -> Self {
        TestRandom(std::sync::Mutex::new((seed, 0)))
    }
}

impl RandomSource for TestRandom {
    fn fill(&self, dst: &mut [u8]) {
        let mut g = self.0.lock().unwrap();
        for chunk in dst.chunks_mut(32) {
            g.1 += 1;
            let block = yizhao_gm::sm3(&[g.0.to_be_bytes(), g.1.to_be_bytes()].concat());
            chunk.copy_from_slice(&block[..chunk.len()]);
        }
    }
}

/// The server in-process with a manual clock and the demo registry.
pub struct TestApp {
    pub router: Router,
    pub authority: Arc<Authority>,
    pub platform: Arc<Platform>,
    pub seals: Arc<Seals>,
    pub clock: Arc<ManualClock>,
    pub rng: Arc<TestRandom>,
}

async fn start_platform(
    authority: &Arc<Authority>,
    seals: &Arc<Seals>,
    clock: &Arc<ManualClock>,
    rng: &Arc<TestRandom>,
    config: PlatformConfig,
) -> Arc<Platform> {
    Arc::new(
        Platform::start(
            authority.db().clone(),
            clock.clone(),
            rng.clone(),
            authority.clone(),
            seals.clone(),
            &Password::new("test-key-password"),
            KdfParams::INSECURE_FAST,
            config,
        )
        .await
        .unwrap(),
    )
}

impl TestApp {
    pub async fn new(db: Database) -> Self {
        Self::with_config(db, AuthorityConfig::default()).await
    }

    pub async fn with_config(db: Database, config: AuthorityConfig) -> Self {
        Self::build(db, config, 7).await
    }

    /// With another random seed: another authority with other keys.
    pub async fn build(db: Database, config: AuthorityConfig, seed: u64) -> Self {
        // The test phones read their codes from the built-in outbox.
        let config = AuthorityConfig {
            expose_outbox: true,
            ..config
        };
        let clock = Arc::new(ManualClock::new(Timestamp(T0)));
        let rng = Arc::new(TestRandom::new(seed));
        let authority = Arc::new(
            Authority::start(
                db.clone(),
                clock.clone(),
                rng.clone(),
                &Password::new("test-key-password"),
                KdfParams::INSECURE_FAST,
                config,
            )
            .await
            .unwrap(),
        );
        let rows: Vec<_> = demo_registry()
            .iter()
            .map(yizhao_server::authority::registry_row)
            .collect();
        authority.import_registry(&rows, "test").await.unwrap();
        let seals = Arc::new(
            Seals::start(
                db.clone(),
                clock.clone(),
                rng.clone(),
                authority.clone(),
                &Password::new("test-key-password"),
                KdfParams::INSECURE_FAST,
                Default::default(),
            )
            .await
            .unwrap(),
        );
        let platform =
            start_platform(&authority, &seals, &clock, &rng, PlatformConfig::default()).await;
        let router = router(&Services {
            authority: authority.clone(),
            platform: platform.clone(),
            seals: seals.clone(),
        });
        TestApp {
            router,
            authority,
            platform,
            seals,
            clock,
            rng,
        }
    }

    /// The platform restarted with other settings (same database, keys, clock and randomness).
    pub async fn with_platform_config(&mut self, config: PlatformConfig) {
        self.platform =
            start_platform(&self.authority, &self.seals, &self.clock, &self.rng, config).await;
        self.router = router(&Services {
            authority: self.authority.clone(),
            platform: self.platform.clone(),
            seals: self.seals.clone(),
        });
    }

    pub fn clock_now(&self) -> i64 {
        use yizhao_domain::time::Clock;
        self.clock.now().0
    }

    /// One request; returns status and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = auth {
            req = req.header("authorization", format!("RealName {t}"));
        }
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let resp = tower::ServiceExt::oneshot(self.router.clone(), req)
            .await
            .unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let v = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        (status, v)
    }

    pub async fn ok<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        auth: Option<&str>,
        body: Option<Value>,
    ) -> T {
        let (s, v) = self.call(method, path, auth, body).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        serde_json::from_value(v).unwrap()
    }
}

pub fn a(path: &str) -> String {
    format!("{}{path}", api::PREFIX)
}

pub fn json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap()
}

/// A phone of the tests: holds device keys and licenses.
pub struct Phone {
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub token: Option<String>,
    pub licenses: Vec<(api::DownloadedLicense, PrivateKey)>,
}

impl Phone {
    pub fn new(name: &str, id_number: &str, phone: &str) -> Self {
        Phone {
            name: name.into(),
            id_number: id_number.into(),
            phone: phone.into(),
            token: None,
            licenses: vec![],
        }
    }

    /// Real-name verification through the outbox; returns the error status/body if refused.
    pub async fn realname(&mut self, app: &TestApp) -> Result<(), (StatusCode, Value)> {
        let (s, v) = app.call(Method::POST, &a("/realname"), None, Some(serde_json::json!({"name": self.name, "id_number": self.id_number, "phone": self.phone}))).await;
        if s != StatusCode::OK {
            return Err((s, v));
        }
        let started: api::RealNameStarted = serde_json::from_value(v).unwrap();
        let outbox: Vec<api::OutboxMessage> = app
            .ok(
                Method::GET,
                &a(&format!("/dev/outbox?phone={}", self.phone)),
                None,
                None,
            )
            .await;
        let code = outbox[0].code.clone();
        let verified: api::RealNameVerified = app
            .ok(
                Method::POST,
                &a("/realname/confirm"),
                None,
                Some(serde_json::json!({"session": started.session, "code": code})),
            )
            .await;
        self.token = Some(verified.token);
        Ok(())
    }

    pub async fn download(
        &mut self,
        app: &TestApp,
        uscc: &str,
        grant: Option<&str>,
    ) -> Result<usize, (StatusCode, Value)> {
        let key = PrivateKey::generate(SuiteId::Gm, &mut PortRng(app.rng.as_ref()));
        let spki = key.public_key().to_spki_der().unwrap();
        let token = self.token.clone().unwrap();
        let pop = key
            .sign(&api::download_pop_message(&token, uscc, &spki))
            .unwrap();
        let req = api::DownloadRequest {
            uscc: uscc.into(),
            grant_id: grant.map(String::from),
            accepted_declaration: Some("2024-1".into()),
            device_public_key: spki,
            proof_of_possession: pop,
        };
        let (s, v) = app
            .call(
                Method::POST,
                &a("/licenses"),
                Some(&token),
                Some(json(&req)),
            )
            .await;
        if s != StatusCode::OK {
            return Err((s, v));
        }
        self.licenses
            .push((serde_json::from_value(v).unwrap(), key));
        Ok(self.licenses.len() - 1)
    }

    /// A signed request with license `i` to the license authority.
    pub async fn signed(
        &self,
        app: &TestApp,
        i: usize,
        action: &str,
        payload: Value,
    ) -> (StatusCode, Value) {
        self.signed_to(app, &a("/signed"), i, action, payload).await
    }

    /// A signed request with license `i` to the `/signed` endpoint at `path` (any service's).
    pub async fn signed_to(
        &self,
        app: &TestApp,
        path: &str,
        i: usize,
        action: &str,
        payload: Value,
    ) -> (StatusCode, Value) {
        let s = self.envelope(app, i, action, payload).await;
        app.call(Method::POST, path, None, Some(json(&s))).await
    }

    /// The envelope of a signed request with license `i` over a fresh challenge, not sent.
    pub async fn envelope(
        &self,
        app: &TestApp,
        i: usize,
        action: &str,
        payload: Value,
    ) -> api::Signed {
        let c: api::Challenge = app.ok(Method::POST, &a("/challenges"), None, None).await;
        let payload = payload.to_string();
        let (lic, key) = &self.licenses[i];
        let sig = key
            .sign(&api::proof_message(action, &c.challenge, &payload))
            .unwrap();
        api::Signed {
            action: action.into(),
            payload,
            challenge: c.challenge,
            certificate: lic.certificate.clone(),
            signature: sig,
        }
    }

    pub async fn status(&self, app: &TestApp, i: usize, matter: Option<&str>) -> api::StatusBody {
        let r: api::StatusResponse = app
            .ok(
                Method::POST,
                &a("/status"),
                None,
                Some(json(&api::StatusRequest {
                    certificate: self.licenses[i].0.certificate.clone(),
                    matter: matter.map(String::from),
                })),
            )
            .await;
        serde_json::from_str(&r.body).unwrap()
    }
}

/// How many audit records the database holds; panics unless the chain is intact.
pub async fn audit_records(db: &Database) -> u64 {
    match db.verify_audit().await.unwrap() {
        yizhao_store::AuditVerdict::Intact { records } => records,
        other => panic!("{other:?}"),
    }
}

pub fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

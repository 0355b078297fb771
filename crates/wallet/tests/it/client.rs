//! The authority client and the flows, against the in-test authority.

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use yizhao_gm::keystore::{KdfParams, Keystore, Password};
use yizhao_gm::x509::Certificate;
use yizhao_proto::authority::{AddAuthorization, PersonInput};
use yizhao_wallet::home::key_label;
use yizhao_wallet::{
    AgentAuthorization, Client, DEFAULT_PASSWORD, Home, Matters, Wallet, WalletError,
};

use crate::TestRng;
use crate::authority::{self, CODE, ENTITY, SESSION, USCC, refuse};

fn person(name: &str) -> PersonInput {
    PersonInput {
        name: name.into(),
        id_number: "420502199001011234".into(),
        phone: "13900001111".into(),
    }
}

async fn verified_wallet(dir: &std::path::Path, url: &str, seed: u64) -> Wallet {
    let home = Home::open_with(dir, KdfParams::INSECURE_FAST, &mut TestRng::new(seed)).unwrap();
    let wallet = Wallet::new(home, Client::new(url).unwrap());
    let started = wallet
        .realname("张伟", "420502198001011234", "13800000000")
        .await
        .unwrap();
    assert_eq!(started.session, SESSION);
    let kept = wallet.confirm(&started.session, CODE).await.unwrap();
    assert_eq!(kept.name, "张伟");
    wallet
}

#[tokio::test]
async fn server_error_envelope_becomes_wallet_error_server() {
    let app = Router::new()
        .route(
            "/authority/api/v1/matters",
            get(|| async {
                refuse(
                    StatusCode::CONFLICT,
                    "authority.admin_limit",
                    "证照管理员最多五名",
                )
            }),
        )
        .route(
            "/authority/api/v1/ca",
            get(|| async { (StatusCode::BAD_GATEWAY, "upstream down") }),
        )
        .route(
            "/authority/api/v1/declaration",
            get(|| async { "not json" }),
        );
    let url = authority::serve(app).await;
    let client = Client::new(&url).unwrap();

    match client.matters().await.unwrap_err() {
        WalletError::Server {
            status,
            code,
            message,
        } => {
            assert_eq!(status, 409);
            assert_eq!(code, "authority.admin_limit");
            assert_eq!(message, "证照管理员最多五名");
        }
        other => panic!("expected a server error, got {other:?}"),
    }
    let err = client.matters().await.unwrap_err();
    assert_eq!(err.code(), "authority.admin_limit");
    assert_eq!(err.to_envelope().error.message, "证照管理员最多五名");

    let err = client.ca().await.unwrap_err();
    assert!(matches!(err, WalletError::Http { status: 502 }), "{err:?}");
    let err = client.declaration().await.unwrap_err();
    assert_eq!(err.code(), "wallet.format");
}

#[tokio::test]
async fn unreachable_server_is_a_network_error() {
    // Bind then drop a listener so the port is (almost certainly) closed.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::new(&format!("http://{addr}")).unwrap();
    assert_eq!(client.matters().await.unwrap_err().code(), "wallet.network");
    assert_eq!(Client::new("ftp://x").unwrap_err().code(), "wallet.input");
}

#[tokio::test]
async fn download_proves_possession_and_keeps_the_key() {
    let auth = authority::start(1).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = verified_wallet(dir.path(), &auth.url, 2).await;

    let list = wallet.list_licenses("420500").await.unwrap();
    assert_eq!(list.locality, "420500");
    assert_eq!(list.downloadable[0].uscc, USCC);

    let default = Password::new(DEFAULT_PASSWORD);
    let mut rng = TestRng::new(3);
    let lic = wallet
        .download(USCC, None, true, &default, &mut rng)
        .await
        .unwrap();
    assert_eq!(lic.uscc, USCC);
    assert_eq!(lic.entity_name, ENTITY);
    assert_eq!(lic.chain.len(), 2);

    // The key in the keystore is the one the certificate was issued to.
    let bytes = std::fs::read(dir.path().join("wallet.keystore")).unwrap();
    let ks = Keystore::open(&bytes, &default).unwrap();
    let key = ks.get(&key_label(&lic.license_id)).unwrap();
    let cert = Certificate::from_der(&lic.certificate).unwrap();
    assert_eq!(cert.public_key().unwrap(), key.public_key());
    assert_eq!(auth.state.lock().unwrap().issued, vec![key.public_key()]);
    assert_eq!(wallet.home().license(USCC).unwrap(), lic);
}

#[tokio::test]
async fn download_refuses_locally_without_declaration_or_verification() {
    let auth = authority::start(4).await;
    let dir = tempfile::tempdir().unwrap();
    let home = Home::open_with(dir.path(), KdfParams::INSECURE_FAST, &mut TestRng::new(5)).unwrap();
    let wallet = Wallet::new(home, Client::new(&auth.url).unwrap());
    let default = Password::new(DEFAULT_PASSWORD);
    let mut rng = TestRng::new(6);

    let err = wallet
        .download(USCC, None, false, &default, &mut rng)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "authority.declaration_not_accepted");
    let err = wallet
        .download(USCC, None, true, &default, &mut rng)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "wallet.not_verified");
    assert_eq!(
        wallet.list_licenses("420500").await.unwrap_err().code(),
        "wallet.not_verified"
    );
    assert!(auth.state.lock().unwrap().calls.is_empty());

    // After verification, a wrong password is refused before anything is issued.
    let wallet = verified_wallet(dir.path(), &auth.url, 7).await;
    let err = wallet
        .download(USCC, None, true, &Password::new("000000"), &mut rng)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "wallet.wrong_password");
    assert!(auth.state.lock().unwrap().issued.is_empty());
}

#[tokio::test]
async fn signed_requests_verify_against_the_license_certificate() {
    let auth = authority::start(8).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = verified_wallet(dir.path(), &auth.url, 9).await;
    let default = Password::new(DEFAULT_PASSWORD);
    let mut rng = TestRng::new(10);
    let lic = wallet
        .download(USCC, None, true, &default, &mut rng)
        .await
        .unwrap();

    let added = wallet
        .admins_add(USCC, person("李娜"), &default)
        .await
        .unwrap();
    assert_eq!(added.name, "李娜");
    assert_eq!(added.role, "license_admin");
    let listed = wallet.admins_list(&lic.license_id, &default).await.unwrap();
    assert_eq!(listed.len(), 1);

    let auth_req = AgentAuthorization {
        agent: person("王强"),
        start: Some(1_795_000_000),
        end: None,
        matters: Matters::Precise(vec!["ggzy.fgw".into()]),
    };
    let item = wallet
        .agents_authorize(USCC, auth_req, &default)
        .await
        .unwrap();
    assert_eq!(
        item.period,
        Some((1_795_000_000, 1_795_000_000 + 3 * 86_400))
    );
    assert_eq!(item.matters, Some(vec!["ggzy.fgw".to_string()]));
    let revoked = wallet.agents_revoke(USCC, "g-1", &default).await.unwrap();
    assert_eq!(revoked.status, "revoked");

    {
        let state = auth.state.lock().unwrap();
        let actions: Vec<&str> = state.signed.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            actions,
            [
                "admins.add",
                "admins.list",
                "authorizations.add",
                "authorizations.revoke"
            ]
        );
        let sent: AddAuthorization = serde_json::from_str(&state.signed[2].1).unwrap();
        assert_eq!(sent.uscc, USCC);
        assert_eq!(sent.mode, "precise");
    }

    // A wrong password costs nothing at the authority.
    let calls_before = auth.state.lock().unwrap().calls.len();
    let err = wallet
        .agents_list(USCC, &Password::new("000000"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "wallet.wrong_password");
    assert_eq!(auth.state.lock().unwrap().calls.len(), calls_before);
    let err = wallet
        .agents_list("91000000000000000X", &default)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "wallet.no_license");
}

#[tokio::test]
async fn status_answer_is_checked_against_the_root() {
    let auth = authority::start(11).await;
    let dir = tempfile::tempdir().unwrap();
    let wallet = verified_wallet(dir.path(), &auth.url, 12).await;
    let mut rng = TestRng::new(13);
    let lic = wallet
        .download(USCC, None, true, &Password::new(DEFAULT_PASSWORD), &mut rng)
        .await
        .unwrap();
    let body = wallet.status(USCC, Some("ggzy.fgw")).await.unwrap();
    assert_eq!(body.license_id, lic.license_id);
    assert!(body.usable);
    assert_eq!(body.matter.as_deref(), Some("ggzy.fgw"));

    // A license whose chain ends at another root does not trust this authority's answer.
    let other = authority::start(99).await;
    let dir2 = tempfile::tempdir().unwrap();
    let w2 = verified_wallet(dir2.path(), &other.url, 14).await;
    w2.download(USCC, None, true, &Password::new(DEFAULT_PASSWORD), &mut rng)
        .await
        .unwrap();
    let w2_at_first = Wallet::new(w2.home().clone(), Client::new(&auth.url).unwrap());
    let err = w2_at_first.status(USCC, None).await.unwrap_err();
    assert_eq!(err.code(), "wallet.format");
}

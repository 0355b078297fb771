//! Relying-party registration and the wallet-side check of a relying-party certificate.

use axum::http::Method;
use yizhao_domain::authority::{MATTER_BIDDING, MATTER_PROCUREMENT};
use yizhao_gm::x509::Certificate;
use yizhao_gm::{PrivateKey, SuiteId};
use yizhao_proto::authority as api;
use yizhao_server::authority::verify_relying_party;
use yizhao_server::rng::PortRng;
use yizhao_testkit::on_both;

use crate::{T0, TestApp, a};

async fn ca(app: &TestApp) -> (Certificate, Certificate) {
    let ca: api::CaInfo = app.ok(Method::GET, &a("/ca"), None, None).await;
    (
        Certificate::from_der(&ca.issuing).unwrap(),
        Certificate::from_der(&ca.root).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_platform_registers_and_wallets_check_it() {
    on_both(|t| async move {
        let app = TestApp::new(t.db).await;
        let key = PrivateKey::generate(SuiteId::Gm, &mut PortRng(app.rng.as_ref()));
        let spki = key.public_key().to_spki_der().unwrap();
        let rp = app
            .authority
            .register_relying_party(
                "荆州市公共资源交易平台",
                &[MATTER_BIDDING.to_owned()],
                &spki,
            )
            .await
            .unwrap();
        // Registering again with the same key returns the same registration.
        let again = app
            .authority
            .register_relying_party(
                "荆州市公共资源交易平台",
                &[MATTER_BIDDING.to_owned()],
                &spki,
            )
            .await
            .unwrap();
        assert_eq!(again, rp);
        // The name is taken for any other key.
        let other = PrivateKey::generate(SuiteId::Gm, &mut PortRng(app.rng.as_ref()));
        let err = app
            .authority
            .register_relying_party(
                "荆州市公共资源交易平台",
                &[MATTER_BIDDING.to_owned()],
                &other.public_key().to_spki_der().unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code, "rp.name_taken");
        let err = app
            .authority
            .register_relying_party("x", &["egov.nothing".to_owned()], &spki)
            .await
            .unwrap_err();
        assert_eq!(err.code, "authority.unknown_matter");

        let (issuing, root) = ca(&app).await;
        let at = T0 as u64;
        let v = verify_relying_party(&rp.certificate, &issuing, &root, at, MATTER_BIDDING).unwrap();
        assert_eq!(
            (v.name.as_str(), v.id.as_str()),
            ("荆州市公共资源交易平台", rp.id.as_str())
        );
        let err = verify_relying_party(&rp.certificate, &issuing, &root, at, MATTER_PROCUREMENT)
            .unwrap_err();
        assert_eq!(err.code(), "rp.matter_not_registered");
        // The certificate names the key the platform holds.
        assert_eq!(
            Certificate::from_der(&rp.certificate)
                .unwrap()
                .public_key()
                .unwrap(),
            key.public_key()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn licenses_and_foreign_certificates_are_not_relying_parties() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::new(
        yizhao_store::Database::sqlite_file(dir.path().join("a.db"))
            .await
            .unwrap(),
    )
    .await;
    let other = TestApp::build(
        yizhao_store::Database::sqlite_file(dir.path().join("b.db"))
            .await
            .unwrap(),
        yizhao_server::AuthorityConfig::default(),
        42,
    )
    .await;
    let key = PrivateKey::generate(SuiteId::Gm, &mut PortRng(app.rng.as_ref()));
    let spki = key.public_key().to_spki_der().unwrap();
    let foreign = other
        .authority
        .register_relying_party("仿冒平台", &[MATTER_BIDDING.to_owned()], &spki)
        .await
        .unwrap();
    let (issuing, root) = ca(&app).await;
    let err = verify_relying_party(
        &foreign.certificate,
        &issuing,
        &root,
        T0 as u64,
        MATTER_BIDDING,
    )
    .unwrap_err();
    assert_eq!(err.code(), "rp.certificate_invalid");
    // A license certificate of our own authority is not a relying party's.
    let mut zw = {
        let p = yizhao_domain::registry::demo_person("张伟").unwrap();
        crate::Phone::new(&p.name, p.id_number.as_str(), p.phone.as_str())
    };
    zw.realname(&app).await.unwrap();
    let uscc = yizhao_domain::registry::demo_registry_entry("宜昌市示范建设工程有限公司")
        .unwrap()
        .uscc;
    zw.download(&app, uscc.as_str(), None).await.unwrap();
    let err = verify_relying_party(
        &zw.licenses[0].0.certificate,
        &issuing,
        &root,
        T0 as u64,
        MATTER_BIDDING,
    )
    .unwrap_err();
    assert_eq!(err.code(), "rp.certificate_invalid");
    // An expired look: far in the future the certificate is no longer valid.
    let rp = app
        .authority
        .register_relying_party(
            "荆州市公共资源交易平台",
            &[MATTER_BIDDING.to_owned()],
            &spki,
        )
        .await
        .unwrap();
    assert!(
        verify_relying_party(
            &rp.certificate,
            &issuing,
            &root,
            (T0 + 6 * 365 * 86_400) as u64,
            MATTER_BIDDING
        )
        .is_err()
    );
}

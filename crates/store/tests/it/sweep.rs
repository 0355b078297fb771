//! The sweep of expired QR requests, sessions and challenges, on both backends.

use yizhao_domain::member::MemberSessionState;
use yizhao_store::{MemberSessionRow, QrRow};

use crate::on_both;

fn qr(id: &str, expires_at: i64) -> QrRow {
    QrRow {
        id: id.into(),
        kind: "login".into(),
        requester_id: "rp".into(),
        matter: "egov.ndrc.bidding".into(),
        nonce: format!("nonce-{id}"),
        created_at: expires_at - 120,
        expires_at,
        session_hash: "session".into(),
        state: "pending".into(),
        license_id: None,
        short_code: None,
        wrong_tries: 0,
        reason: None,
        last_error: None,
        last_error_message: None,
        body: "{}".into(),
        signature: vec![1, 2, 3],
    }
}

fn session(id: &str, expires_at: i64) -> MemberSessionRow {
    MemberSessionRow {
        id_hash: id.into(),
        uscc: "914205027026300316".into(),
        license_id: "serial".into(),
        person_name: "张伟".into(),
        role: "legal_representative".into(),
        created_at: expires_at - 3600,
        expires_at,
        state: MemberSessionState::Active,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sweep_removes_only_what_ended_before_the_moment() {
    on_both(|t| async move {
        let mut tx = t.db.begin().await.unwrap();
        tx.insert_qr(&qr("old", 1_000)).await.unwrap();
        tx.insert_qr(&qr("new", 9_000)).await.unwrap();
        tx.insert_member_session(&session("old", 1_000))
            .await
            .unwrap();
        tx.insert_member_session(&session("new", 9_000))
            .await
            .unwrap();
        tx.insert_challenge("old", 1_000).await.unwrap();
        tx.insert_challenge("new", 9_000).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = t.db.begin().await.unwrap();
        assert_eq!(tx.sweep_platform(5_000).await.unwrap(), 2, "{}", t.backend);
        assert_eq!(tx.sweep_authority(5_000).await.unwrap(), 1, "{}", t.backend);
        tx.commit().await.unwrap();

        let mut r = t.db.read().await.unwrap();
        assert!(r.qr("old").await.unwrap().is_none());
        assert!(r.qr("new").await.unwrap().is_some());
        assert!(r.member_session("old").await.unwrap().is_none());
        assert!(r.member_session("new").await.unwrap().is_some());
        drop(r);
        // Nothing more to do at the same moment.
        let mut tx = t.db.begin().await.unwrap();
        assert_eq!(tx.sweep_platform(5_000).await.unwrap(), 0);
        assert_eq!(tx.sweep_authority(5_000).await.unwrap(), 0);
        tx.commit().await.unwrap();
    })
    .await;
}

//! Members and member sessions read back as domain types, on both backends.

use yizhao_domain::ids::LicenseId;
use yizhao_domain::member::{MemberKind, MemberSessionState};
use yizhao_store::{MemberRow, MemberSessionRow};

use crate::backoffice::member;
use crate::on_both;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_sessions_keep_their_state_and_license() {
    on_both(|t| async move {
        let s = MemberSessionRow {
            id_hash: "ef".repeat(32),
            uscc: "914205027026300316".into(),
            license_id: LicenseId::from("0a1b2c3d"),
            person_name: "张伟".into(),
            role: "legal_representative".into(),
            created_at: 1,
            expires_at: 2,
            state: MemberSessionState::opened(false),
        };
        let mut tx = t.db.begin().await.unwrap();
        tx.insert_member_session(&s).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = t.db.begin().await.unwrap();
        assert_eq!(
            tx.member_session(&s.id_hash).await.unwrap(),
            Some(s.clone()),
            "{}",
            t.backend
        );
        // The state moves only from the state it is in.
        let active = s.state.registered().unwrap();
        assert!(
            tx.set_member_session_state(&s.id_hash, s.state, active)
                .await
                .unwrap()
        );
        assert!(
            !tx.set_member_session_state(&s.id_hash, s.state, active)
                .await
                .unwrap()
        );
        let read = tx.member_session(&s.id_hash).await.unwrap().unwrap();
        assert_eq!(read.state, MemberSessionState::Active);
        assert_eq!(read.license_id.as_str(), "0a1b2c3d");
        let ended = read.state.end().unwrap();
        assert!(
            tx.set_member_session_state(&s.id_hash, read.state, ended)
                .await
                .unwrap()
        );
        tx.commit().await.unwrap();

        // Every kind is stored under a name the table's CHECK accepts, and reads back.
        let mut tx = t.db.begin().await.unwrap();
        for (i, kind) in MemberKind::ALL.into_iter().enumerate() {
            let m = MemberRow {
                kind,
                ..member(&format!("K{i}"), 10)
            };
            tx.insert_member(&m).await.unwrap();
            assert_eq!(tx.member(&m.uscc).await.unwrap(), Some(m), "{}", t.backend);
        }
        tx.commit().await.unwrap();
    })
    .await;
}

//! The back office's users and sessions, and the members list, on both backends.

use yizhao_domain::member::{BackOfficeSessionState, MemberKind};
use yizhao_store::{BackOfficeSessionRow, BackOfficeUserRow, MemberRow};

use crate::on_both;

fn user(name: &str) -> BackOfficeUserRow {
    BackOfficeUserRow {
        username: name.into(),
        display_name: "窗口一".into(),
        role: "staff".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at: 1_795_000_000,
    }
}

pub(crate) fn member(uscc: &str, at: i64) -> MemberRow {
    MemberRow {
        uscc: uscc.into(),
        name: format!("单位{uscc}"),
        kind: MemberKind::Tenderer,
        registered_at: at,
        registered_by: "window:w1".into(),
        kind_of_entity: String::new(),
        legal_representative: "张伟".into(),
        registered_capital: String::new(),
        established: String::new(),
        business_term: String::new(),
        domicile: String::new(),
        business_scope: String::new(),
        registration_authority: String::new(),
        locality: String::new(),
        contact_name: "李四".into(),
        contact_phone: "13800000000".into(),
        synced_at: at,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_sessions_and_members() {
    on_both(|t| async move {
        let mut tx = t.db.begin().await.unwrap();
        assert!(tx.insert_back_office_user(&user("w1")).await.unwrap());
        // The username is the key: a second one of that name is refused, the first kept.
        let mut other = user("w1");
        other.display_name = "别人".into();
        assert!(!tx.insert_back_office_user(&other).await.unwrap());
        tx.commit().await.unwrap();

        let mut tx = t.db.read().await.unwrap();
        let u = tx.back_office_user("w1").await.unwrap().unwrap();
        assert_eq!(u, user("w1"), "{}", t.backend);
        assert!(!format!("{u:?}").contains("argon2"));
        assert!(tx.back_office_user("nobody").await.unwrap().is_none());
        drop(tx);

        // A role outside the list is refused by the table.
        let mut tx = t.db.begin().await.unwrap();
        let mut bad = user("w2");
        bad.role = "admin".into();
        assert!(
            tx.insert_back_office_user(&bad).await.is_err(),
            "{}",
            t.backend
        );
        drop(tx);

        let s = BackOfficeSessionRow {
            id_hash: "ab".repeat(32),
            username: "w1".into(),
            created_at: 1,
            expires_at: 2,
            state: BackOfficeSessionState::Active,
        };
        let mut tx = t.db.begin().await.unwrap();
        tx.insert_back_office_session(&s).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = t.db.begin().await.unwrap();
        assert_eq!(
            tx.back_office_session(&s.id_hash).await.unwrap(),
            Some(s.clone())
        );
        let (active, ended) = (
            BackOfficeSessionState::Active,
            BackOfficeSessionState::Ended,
        );
        assert!(
            tx.set_back_office_session_state(&s.id_hash, active, ended)
                .await
                .unwrap()
        );
        assert!(
            !tx.set_back_office_session_state(&s.id_hash, active, ended)
                .await
                .unwrap()
        );
        assert_eq!(
            tx.back_office_session(&s.id_hash)
                .await
                .unwrap()
                .unwrap()
                .state,
            BackOfficeSessionState::Ended
        );
        // Sessions belong to a user that exists.
        let mut orphan = s.clone();
        orphan.id_hash = "cd".repeat(32);
        orphan.username = "ghost".into();
        assert!(
            tx.insert_back_office_session(&orphan).await.is_err(),
            "{}",
            t.backend
        );
        drop(tx);

        let mut tx = t.db.begin().await.unwrap();
        assert!(tx.members().await.unwrap().is_empty());
        tx.insert_member(&member("A1", 10)).await.unwrap();
        tx.insert_member(&member("B2", 20)).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = t.db.read().await.unwrap();
        let list: Vec<String> = tx
            .members()
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.uscc)
            .collect();
        assert_eq!(list, ["B2", "A1"], "{}", t.backend);
    })
    .await;
}

//! The one statement layer over both backends: values bound by `$N` (also twice), NULLs, row
//! decoding, rollback of a dropped transaction, and many concurrent writers and readers.

use yizhao_store::{Database, EnterpriseRow, GrantRow};

use crate::on_both;

fn enterprise(uscc: &str, name: &str) -> EnterpriseRow {
    EnterpriseRow {
        uscc: uscc.into(),
        name: name.into(),
        kind: "有限责任公司".into(),
        lr_name: "张伟".into(),
        lr_id_number: "110101199003074514".into(),
        lr_phone: "13800000000".into(),
        registered_capital: "100万元".into(),
        established: "2015-06-01".into(),
        business_term: "长期".into(),
        domicile: "宜昌市".into(),
        business_scope: "软件开发".into(),
        registration_authority: "宜昌市市场监督管理局".into(),
        locality: "420500".into(),
    }
}

/// Commits the registry entry whose name is `name`.
async fn upsert(db: &Database, name: &str) {
    let mut tx = db.begin().await.unwrap();
    tx.upsert_enterprise(&enterprise("914205027026300316", name))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

fn grant(id: &str, period: Option<(i64, i64)>) -> GrantRow {
    GrantRow {
        id: id.into(),
        uscc: "914205027026300316".into(),
        // An agent has a period, an admin none (the table checks it).
        role: if period.is_some() {
            "agent"
        } else {
            "license_admin"
        }
        .into(),
        name: "李娜".into(),
        id_number: "110101199003070011".into(),
        phone: "13900000000".into(),
        scope: "all".into(),
        period_start: period.map(|p| p.0),
        period_end: period.map(|p| p.1),
        granted_by: "serial".into(),
        granted_at: 1_700_000_000,
        revoked_at: None,
        revoked_by: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upsert_binds_a_value_used_twice_and_updates_the_row() {
    on_both(|t| async move {
        upsert(&t.db, "旧名").await;
        upsert(&t.db, "新名").await;
        let mut r = t.db.read().await.unwrap();
        let e = r.enterprise("914205027026300316").await.unwrap().unwrap();
        assert_eq!(
            e,
            enterprise("914205027026300316", "新名"),
            "[{}]",
            t.backend
        );
        assert_eq!(r.enterprise_count().await.unwrap(), 1, "[{}]", t.backend);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nulls_and_values_come_back_as_stored() {
    on_both(|t| async move {
        upsert(&t.db, "某公司").await;
        let mut tx = t.db.begin().await.unwrap();
        tx.insert_grant(&grant("g1", None)).await.unwrap();
        tx.insert_grant(&grant("g2", Some((1, 2)))).await.unwrap();
        tx.commit().await.unwrap();
        let mut r = t.db.read().await.unwrap();
        assert_eq!(
            r.grant("g1").await.unwrap(),
            Some(grant("g1", None)),
            "[{}]",
            t.backend
        );
        assert_eq!(
            r.grant("g2").await.unwrap(),
            Some(grant("g2", Some((1, 2)))),
            "[{}]",
            t.backend
        );
        assert_eq!(r.grant("g3").await.unwrap(), None, "[{}]", t.backend);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_transaction_rolls_back_and_its_connection_serves_again() {
    on_both(|t| async move {
        for round in 0..3 {
            let mut tx = t.db.begin().await.unwrap();
            tx.upsert_enterprise(&enterprise("914205027026300316", "未提交"))
                .await
                .unwrap();
            drop(tx);
            let mut r = t.db.read().await.unwrap();
            assert_eq!(
                r.enterprise("914205027026300316").await.unwrap(),
                None,
                "[{}] round {round}",
                t.backend
            );
        }
        upsert(&t.db, "已提交").await;
        let mut r = t.db.read().await.unwrap();
        assert!(r.enterprise("914205027026300316").await.unwrap().is_some());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_writers_and_readers_at_once_lose_nothing() {
    on_both(|t| async move {
        upsert(&t.db, "某公司").await;
        let mut set = tokio::task::JoinSet::new();
        for task in 0..16 {
            let db = t.db.clone();
            set.spawn(async move {
                for i in 0..25 {
                    let id = format!("g-{task}-{i}");
                    let mut tx = db.begin_one().await.unwrap();
                    tx.insert_grant(&grant(&id, Some((1, 2)))).await.unwrap();
                    drop(tx);
                    let mut r = db.read().await.unwrap();
                    assert!(r.grant(&id).await.unwrap().is_some(), "{id}");
                }
            });
        }
        while let Some(r) = set.join_next().await {
            r.unwrap();
        }
        let mut r = t.db.read().await.unwrap();
        let n = r
            .live_grants_of_entity("914205027026300316", "agent")
            .await
            .unwrap()
            .len();
        assert_eq!(n, 16 * 25, "[{}]", t.backend);
    })
    .await;
}

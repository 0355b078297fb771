//! The seal authority's tables on both backends: the review of an impression happens once,
//! approvals supersede older ones, collections are deleted and redone, and a seal use grant's
//! uses are taken exactly as many times as granted, also by concurrent takers (R13–R16).

use yizhao_store::{ImpressionRow, SealAdminRow, SealCollectionRow, SealRow, SealUseGrantRow};

use crate::on_both;

const USCC: &str = "914205027026300316";
const WANG: &str = "110101199003070011";

fn impression(id: &str, at: i64) -> ImpressionRow {
    ImpressionRow {
        id: id.into(),
        uscc: USCC.into(),
        seal_type: "bid".into(),
        shape: "round".into(),
        width_mm: 40,
        height_mm: 40,
        picture: vec![0x89, b'P', b'N', b'G'],
        quality: "{}".into(),
        uploaded_by: "serial-lr".into(),
        signature: vec![1, 2, 3],
        uploaded_at: at,
        state: "pending".into(),
        reviewed_by: None,
        reviewed_at: None,
        reason: None,
    }
}

fn seal(id: &str, impression_id: &str, at: i64) -> SealRow {
    SealRow {
        id: id.into(),
        uscc: USCC.into(),
        seal_type: "bid".into(),
        name: "宜昌市示范建设工程有限公司投标专用章".into(),
        impression_id: impression_id.into(),
        valid_start: at,
        valid_end: at + 86_400 * 365,
        made_at: at,
        made_by: "qiankun".into(),
        seal: vec![0x30, 0x00],
        superseded_at: None,
    }
}

fn use_grant(id: &str, uses: i64, start: i64, end: i64) -> SealUseGrantRow {
    SealUseGrantRow {
        id: id.into(),
        uscc: USCC.into(),
        seal_type: "bid".into(),
        name: "王强".into(),
        id_number: WANG.into(),
        period_start: start,
        period_end: end,
        reason: "某项目投标".into(),
        scope: "all".into(),
        uses_total: uses,
        uses_left: uses,
        granted_by: "serial-lr".into(),
        granted_at: start,
        revoked_at: None,
        revoked_by: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impression_is_reviewed_once_and_a_newer_approval_supersedes_the_older() {
    on_both(|t| async move {
        let mut tx = t.db.begin().await.unwrap();
        tx.insert_impression(&impression("i1", 100)).await.unwrap();
        tx.insert_impression(&impression("i2", 200)).await.unwrap();
        assert!(
            tx.review_impression("i1", "approved", "qiankun", 150, None)
                .await
                .unwrap()
        );
        // A second decision on the same impression changes nothing.
        assert!(
            !tx.review_impression("i1", "rejected", "other", 160, Some("模糊"))
                .await
                .unwrap()
        );
        assert_eq!(tx.impressions_in_state("pending").await.unwrap().len(), 1);
        tx.insert_seal(&seal("s1", "i1", 150)).await.unwrap();
        assert!(
            tx.review_impression("i2", "approved", "qiankun", 250, None)
                .await
                .unwrap()
        );
        assert_eq!(
            tx.supersede_impressions(USCC, "bid", "i2").await.unwrap(),
            1
        );
        tx.insert_seal(&seal("s2", "i2", 250)).await.unwrap();
        tx.commit().await.unwrap();

        let mut r = t.db.read().await.unwrap();
        let states: Vec<(String, String)> = r
            .impressions_of_entity(USCC)
            .await
            .unwrap()
            .into_iter()
            .map(|i| (i.id, i.state))
            .collect();
        assert_eq!(
            states,
            [
                ("i2".into(), "approved".into()),
                ("i1".into(), "superseded".into())
            ],
            "[{}]",
            t.backend
        );
        let i1 = r.impression("i1").await.unwrap().unwrap();
        assert_eq!(
            (i1.reviewed_by.as_deref(), i1.reason),
            (Some("qiankun"), None)
        );
        let seals = r.seals_of_entity(USCC).await.unwrap();
        assert_eq!(seals.len(), 2);
        assert_eq!((seals[0].id.as_str(), seals[0].superseded_at), ("s2", None));
        assert_eq!(
            (seals[1].id.as_str(), seals[1].superseded_at),
            ("s1", Some(250))
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_collection_is_deleted_and_redone_and_admins_are_revoked_once() {
    on_both(|t| async move {
        let mut tx = t.db.begin().await.unwrap();
        tx.insert_impression(&impression("i1", 100)).await.unwrap();
        tx.insert_seal(&seal("s1", "i1", 150)).await.unwrap();
        let c = |id: &str| SealCollectionRow {
            id: id.into(),
            seal_id: "s1".into(),
            license_serial: "serial-wang".into(),
            grant_id: Some("g1".into()),
            seal: vec![0x30, 0x00],
            collected_at: 300,
            deleted_at: None,
        };
        tx.insert_seal_collection(&c("c1")).await.unwrap();
        assert!(
            !tx.delete_seal_collection("c1", "serial-other", 310)
                .await
                .unwrap()
        );
        assert!(
            tx.delete_seal_collection("c1", "serial-wang", 310)
                .await
                .unwrap()
        );
        assert!(
            !tx.delete_seal_collection("c1", "serial-wang", 320)
                .await
                .unwrap()
        );
        tx.insert_seal_collection(&c("c2")).await.unwrap();
        let admin = SealAdminRow {
            id: "a1".into(),
            uscc: USCC.into(),
            seal_type: "bid".into(),
            name: "李娜".into(),
            id_number: "110101199003074514".into(),
            appointed_by: "serial-lr".into(),
            appointed_at: 100,
            revoked_at: None,
            revoked_by: None,
        };
        tx.insert_seal_admin(&admin).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = t.db.begin().await.unwrap();
        let live = tx.seal_collections_of_license("serial-wang").await.unwrap();
        assert_eq!(
            live.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["c2"]
        );
        assert_eq!(tx.live_seal_admins(USCC).await.unwrap(), [admin]);
        assert!(
            tx.revoke_seal_admin("a1", USCC, 400, "serial-lr")
                .await
                .unwrap()
        );
        assert!(
            !tx.revoke_seal_admin("a1", USCC, 401, "serial-lr")
                .await
                .unwrap()
        );
        assert!(
            tx.live_seal_admins(USCC).await.unwrap().is_empty(),
            "[{}]",
            t.backend
        );
        tx.commit().await.unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_takers_of_a_grant_with_k_uses_succeed_exactly_k_times() {
    on_both(|t| async move {
        const K: i64 = 7;
        const TAKERS: usize = 24;
        let mut tx = t.db.begin().await.unwrap();
        tx.insert_seal_use_grant(&use_grant("g1", K, 1000, 2000))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..TAKERS {
            let db = t.db.clone();
            set.spawn(async move {
                let mut tx = db.begin_one().await.unwrap();
                tx.take_seal_use("g1", 1500).await.unwrap()
            });
        }
        let mut taken = 0;
        while let Some(r) = set.join_next().await {
            taken += i64::from(r.unwrap());
        }
        assert_eq!(taken, K, "[{}]", t.backend);
        let mut r = t.db.read().await.unwrap();
        let g = r.seal_use_grant("g1").await.unwrap().unwrap();
        assert_eq!((g.uses_total, g.uses_left), (K, 0), "[{}]", t.backend);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_use_is_taken_outside_the_period_or_after_revocation() {
    on_both(|t| async move {
        let mut tx = t.db.begin().await.unwrap();
        tx.insert_seal_use_grant(&use_grant("g1", 5, 1000, 2000))
            .await
            .unwrap();
        for now in [999, 2000, 2001] {
            assert!(
                !tx.take_seal_use("g1", now).await.unwrap(),
                "[{}] at {now}",
                t.backend
            );
        }
        assert!(tx.take_seal_use("g1", 1000).await.unwrap());
        assert!(
            tx.revoke_seal_use_grant("g1", USCC, 1100, "serial-lr")
                .await
                .unwrap()
        );
        assert!(!tx.take_seal_use("g1", 1200).await.unwrap());
        assert!(!tx.take_seal_use("nope", 1200).await.unwrap());
        let grants = tx.seal_use_grants_of_person(USCC, WANG).await.unwrap();
        assert_eq!(grants.len(), 1);
        assert_eq!((grants[0].uses_left, grants[0].revoked_at), (4, Some(1100)));
        tx.commit().await.unwrap();
    })
    .await;
}

/// A maker rotation: the maker's row is replaced only from the certificate it was read with,
/// and the revoked makers come back in revocation order (issue #5).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_maker_key_is_replaced_once_and_revoked_makers_are_listed() {
    use yizhao_store::RevokedSealMakerRow;
    on_both(|t| async move {
        let mut tx = t.db.begin().await.unwrap();
        assert_eq!(tx.seal_key_certificate("maker").await.unwrap(), None);
        tx.insert_seal_key("maker", b"sealed-a", b"cert-a")
            .await
            .unwrap();
        assert_eq!(
            tx.seal_key_certificate("maker").await.unwrap().as_deref(),
            Some(&b"cert-a"[..])
        );
        // From a stale view (another rotation already happened) nothing changes.
        assert!(
            !tx.replace_seal_key("maker", b"cert-x", b"sealed-b", b"cert-b")
                .await
                .unwrap()
        );
        assert!(
            tx.replace_seal_key("maker", b"cert-a", b"sealed-b", b"cert-b")
                .await
                .unwrap()
        );
        assert_eq!(
            tx.seal_key("maker").await.unwrap(),
            Some((b"sealed-b".to_vec(), b"cert-b".to_vec()))
        );
        assert!(tx.revoked_seal_makers().await.unwrap().is_empty());
        let revoked = |serial: &str, at: i64| RevokedSealMakerRow {
            serial: serial.into(),
            certificate: format!("cert-{serial}").into_bytes(),
            revoked_at: at,
            reason: "密钥泄露".into(),
        };
        tx.insert_revoked_seal_maker(&revoked("0b", 200))
            .await
            .unwrap();
        tx.insert_revoked_seal_maker(&revoked("0a", 100))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = t.db.begin().await.unwrap();
        let listed = tx.revoked_seal_makers().await.unwrap();
        assert_eq!(listed, vec![revoked("0a", 100), revoked("0b", 200)]);
        // A serial is revoked once.
        assert!(
            tx.insert_revoked_seal_maker(&revoked("0a", 300))
                .await
                .is_err()
        );
    })
    .await;
}

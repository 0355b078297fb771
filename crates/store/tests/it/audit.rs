//! The SM3-chained audit log on both backends.

use yizhao_store::{AuditEntry, AuditVerdict, Database, GENESIS_PREV_HASH, StoreError, audit_hash};

use crate::{TestDb, on_both};

fn entry(n: u64) -> AuditEntry {
    AuditEntry {
        at: 1_767_225_600 + i64::try_from(n).unwrap(),
        actor: format!("user-{n}"),
        action: "seal.grant".into(),
        entity: if n.is_multiple_of(2) {
            String::new()
        } else {
            format!("seal-{n}")
        },
        detail: format!("{{\"n\":{n}}}"),
    }
}

/// Appends `entries` in one committed transaction each.
async fn append_all(db: &Database, entries: impl IntoIterator<Item = AuditEntry>) {
    for e in entries {
        let mut tx = db.begin().await.unwrap();
        db.append_audit(&mut tx, e).await.unwrap();
        tx.commit().await.unwrap();
    }
}

async fn verdict(t: &TestDb) -> AuditVerdict {
    t.db.verify_audit().await.unwrap()
}

fn broken_at(v: &AuditVerdict) -> u64 {
    match v {
        AuditVerdict::Broken { seq, .. } => *seq,
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_log_is_intact() {
    on_both(|t| async move {
        assert_eq!(
            verdict(&t).await,
            AuditVerdict::Intact { records: 0 },
            "{}",
            t.backend
        );
        assert!(t.db.audit_tail(10).await.unwrap().is_empty());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_appends_verify_intact() {
    on_both(|t| async move {
        append_all(&t.db, (1..=3).map(entry)).await;
        assert_eq!(
            verdict(&t).await,
            AuditVerdict::Intact { records: 3 },
            "{}",
            t.backend
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_link_into_a_chain() {
    on_both(|t| async move {
        append_all(&t.db, (1..=3).map(entry)).await;
        let records = t.db.audit_tail(10).await.unwrap();
        let seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
        assert_eq!(seqs, [1, 2, 3], "{}", t.backend);
        assert_eq!(records[0].prev_hash, GENESIS_PREV_HASH);
        assert_eq!(records[0].prev_hash, "0".repeat(64));
        for pair in records.windows(2) {
            assert_eq!(pair[1].prev_hash, pair[0].hash, "{}", t.backend);
        }
        for (n, r) in (1..).zip(&records) {
            assert_eq!(r.entry, entry(n));
            assert_eq!(r.hash, audit_hash(r.seq, &r.entry, &r.prev_hash));
            assert_eq!(r.hash.len(), 64);
        }
        let last_two = t.db.audit_tail(2).await.unwrap();
        assert_eq!(last_two, records[1..]);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn append_only_guards_refuse_update_and_delete() {
    on_both(|t| async move {
        append_all(&t.db, (1..=2).map(entry)).await;
        for sql in [
            "UPDATE audit_log SET detail = '{}' WHERE seq = 1",
            "DELETE FROM audit_log WHERE seq = 2",
        ] {
            let result = t.db.execute_script(sql, sql).await;
            let err = result.expect_err(sql).to_string();
            assert!(err.contains("append-only"), "[{}] {sql}: {err}", t.backend);
        }
        assert_eq!(verdict(&t).await, AuditVerdict::Intact { records: 2 });
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edited_detail_breaks_the_chain_at_that_record() {
    on_both(|t| async move {
        append_all(&t.db, (1..=3).map(entry)).await;
        crate::drop_append_only_guards(&t).await;
        let sql = "UPDATE audit_log SET detail = '{\"n\":99}' WHERE seq = 2";
        t.exec(sql, sql).await;
        let v = verdict(&t).await;
        assert_eq!(broken_at(&v), 2, "[{}] {v:?}", t.backend);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shifted_field_boundary_breaks_the_chain() {
    on_both(|t| async move {
        let mut e = entry(1);
        e.actor = "ab".into();
        e.action = "c".into();
        append_all(&t.db, [entry(1), e, entry(3)]).await;
        crate::drop_append_only_guards(&t).await;
        let sql = "UPDATE audit_log SET actor = 'a', action = 'bc' WHERE seq = 2";
        t.exec(sql, sql).await;
        assert_eq!(broken_at(&verdict(&t).await), 2, "{}", t.backend);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edited_record_with_recomputed_hash_breaks_the_next_link() {
    on_both(|t| async move {
        append_all(&t.db, (1..=3).map(entry)).await;
        let second = t.db.audit_tail(2).await.unwrap().remove(0);
        assert_eq!(second.seq, 2);
        let mut forged = second.entry.clone();
        forged.detail = "{\"n\":99}".into();
        let hash = audit_hash(2, &forged, &second.prev_hash);
        crate::drop_append_only_guards(&t).await;
        let sql = format!(
            "UPDATE audit_log SET detail = '{}', hash = '{hash}' WHERE seq = 2",
            forged.detail
        );
        t.exec(&sql, &sql).await;
        let v = verdict(&t).await;
        assert_eq!(broken_at(&v), 3, "[{}] {v:?}", t.backend);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_middle_record_breaks_the_chain() {
    on_both(|t| async move {
        append_all(&t.db, (1..=3).map(entry)).await;
        crate::drop_append_only_guards(&t).await;
        let sql = "DELETE FROM audit_log WHERE seq = 2";
        t.exec(sql, sql).await;
        let v = verdict(&t).await;
        assert_eq!(broken_at(&v), 3, "[{}] {v:?}", t.backend);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_transaction_leaves_no_record() {
    on_both(|t| async move {
        append_all(&t.db, [entry(1)]).await;
        {
            let mut tx = t.db.begin().await.unwrap();
            let record = t.db.append_audit(&mut tx, entry(2)).await.unwrap();
            assert_eq!(record.seq, 2);
        }
        let mut tx = t.db.begin().await.unwrap();
        t.db.append_audit(&mut tx, entry(3)).await.unwrap();
        tx.rollback().await.unwrap();

        let records = t.db.audit_tail(10).await.unwrap();
        assert_eq!(records.len(), 1, "{}", t.backend);
        assert_eq!(verdict(&t).await, AuditVerdict::Intact { records: 1 });
        append_all(&t.db, [entry(4)]).await;
        let records = t.db.audit_tail(10).await.unwrap();
        assert_eq!(records[1].seq, 2);
        assert_eq!(records[1].entry, entry(4));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_do_not_fork_the_chain() {
    on_both(|t| async move {
        let tasks: Vec<_> = (1..=20)
            .map(|n| {
                let db = t.db.clone();
                tokio::spawn(async move {
                    let mut tx = db.begin().await.unwrap();
                    let record = db.append_audit(&mut tx, entry(n)).await.unwrap();
                    tx.commit().await.unwrap();
                    record.seq
                })
            })
            .collect();
        let mut seqs = Vec::new();
        for task in tasks {
            seqs.push(task.await.unwrap());
        }
        seqs.sort_unstable();
        assert_eq!(seqs, (1..=20).collect::<Vec<u64>>(), "{}", t.backend);

        let records = t.db.audit_tail(100).await.unwrap();
        assert_eq!(records.iter().map(|r| r.seq).collect::<Vec<_>>(), seqs);
        let mut actors: Vec<_> = records.iter().map(|r| r.entry.actor.clone()).collect();
        actors.sort();
        actors.dedup();
        assert_eq!(actors.len(), 20);
        assert_eq!(
            verdict(&t).await,
            AuditVerdict::Intact { records: 20 },
            "{}",
            t.backend
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_pages_through_a_long_log() {
    on_both(|t| async move {
        // More than one page of 1000, in few transactions to keep the test fast.
        for chunk in 0..3u64 {
            let mut tx = t.db.begin().await.unwrap();
            for n in 0..900 {
                t.db.append_audit(&mut tx, entry(chunk * 900 + n))
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
        }
        assert_eq!(
            verdict(&t).await,
            AuditVerdict::Intact { records: 2700 },
            "{}",
            t.backend
        );
        crate::drop_append_only_guards(&t).await;
        let sql = "UPDATE audit_log SET at = 0 WHERE seq = 2500";
        t.exec(sql, sql).await;
        assert_eq!(broken_at(&verdict(&t).await), 2500, "{}", t.backend);
    })
    .await;
}

#[tokio::test]
async fn sqlite_file_opens_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.db");
    let db = Database::sqlite_file(&path).await.unwrap();
    append_all(&db, (1..=2).map(entry)).await;
    db.close().await;
    let db = Database::sqlite_file(&path).await.unwrap();
    append_all(&db, [entry(3)]).await;
    assert_eq!(
        db.verify_audit().await.unwrap(),
        AuditVerdict::Intact { records: 3 }
    );
    db.close().await;
}

// Two processes on one SQLite file (the server, and an admin command beside it): each appends
// after the other's records, though each remembers the tail it committed last.
#[tokio::test]
async fn two_handles_on_one_sqlite_file_append_in_turn() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.db");
    let server = Database::sqlite_file(&path).await.unwrap();
    let admin = Database::sqlite_file(&path).await.unwrap();
    append_all(&server, [entry(1)]).await;
    append_all(&admin, [entry(2), entry(3)]).await;
    // The server's remembered tail is seq 1; its next append goes after 3.
    append_all(&server, [entry(4)]).await;
    append_all(&admin, [entry(5)]).await;
    append_all(&server, [entry(6), entry(7)]).await;
    assert_eq!(
        server.verify_audit().await.unwrap(),
        AuditVerdict::Intact { records: 7 }
    );
    let tail = server.audit_tail(7).await.unwrap();
    let actors: Vec<&str> = tail.iter().map(|r| r.entry.actor.as_str()).collect();
    assert_eq!(
        actors,
        [
            "user-1", "user-2", "user-3", "user-4", "user-5", "user-6", "user-7"
        ]
    );
    server.close().await;
    admin.close().await;
}

#[tokio::test]
async fn unsupported_url_is_refused() {
    let err = Database::connect("mysql://user:secret@localhost/db")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::UnsupportedUrl { .. }), "{err:?}");
    assert_eq!(err.code(), "store.unsupported_url");
    assert!(!err.to_string().contains("secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_statement_write_cannot_append_to_the_audit_log() {
    on_both(|t| async move {
        append_all(&t.db, (1..=2).map(entry)).await;
        let mut one = t.db.begin_one().await.unwrap();
        let err = t.db.append_audit(&mut one, entry(3)).await.unwrap_err();
        assert!(
            matches!(err, StoreError::NeedsTransaction(_)),
            "{}: {err}",
            t.backend
        );
        assert_eq!(err.code(), "store.needs_transaction");
        drop(one);
        // Nothing was written; the next transaction appends as usual.
        append_all(&t.db, [entry(3)]).await;
        assert_eq!(
            verdict(&t).await,
            AuditVerdict::Intact { records: 3 },
            "{}",
            t.backend
        );
    })
    .await;
}

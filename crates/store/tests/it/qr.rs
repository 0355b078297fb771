//! QR requests as stored: every state the domain knows reads back as it was written, with the
//! last refused answer's error; a row no request could have written is refused as corrupt.

use yizhao_domain::ids::LicenseId;
use yizhao_domain::qr::{QrKind, QrRequest, QrSettings, QrState};
use yizhao_domain::time::Timestamp;
use yizhao_store::QrRow;

use crate::on_both;

fn request(id: &str, state: QrState) -> QrRequest {
    let mut r = QrRequest::new(
        id,
        QrKind::Impression,
        "rp".into(),
        "egov.ndrc.bidding".into(),
        format!("nonce-{id}"),
        "session".into(),
        Timestamp(1_000),
        &QrSettings::default(),
    );
    r.state = state;
    r
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_state_reads_back_as_written() {
    on_both(|t| async move {
        let lic = LicenseId::parse("0a1b2c").unwrap();
        let states = [
            QrState::Pending,
            QrState::Answered {
                license_id: lic.clone(),
                short_code: "012345".into(),
                wrong_tries: 2,
            },
            QrState::Completed { license_id: lic },
            QrState::Expired,
            QrState::Refused {
                reason: "qr.cancelled".into(),
            },
        ];
        let mut tx = t.db.begin().await.unwrap();
        for (i, st) in states.iter().enumerate() {
            let r = request(&format!("req_{i:08}"), st.clone());
            let note = (i % 2 == 0).then(|| ("qr.bad_payload".to_owned(), "原因".to_owned()));
            tx.insert_qr(&QrRow::of_request(&r, "{}".into(), vec![1, 2], note))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let mut r = t.db.read().await.unwrap();
        for (i, st) in states.iter().enumerate() {
            let row = r.qr(&format!("req_{i:08}")).await.unwrap().unwrap();
            let back = row.request().unwrap();
            assert_eq!(&back.state, st, "{}", t.backend);
            assert_eq!(back, request(&format!("req_{i:08}"), st.clone()));
            assert_eq!(row.last_error().is_some(), i % 2 == 0);
        }
        drop(r);

        // A row no request could have written.
        t.exec(
            "UPDATE qr_requests SET license_id = NULL WHERE id = 'req_00000002'",
            "UPDATE qr_requests SET license_id = NULL WHERE id = 'req_00000002'",
        )
        .await;
        let row =
            t.db.read()
                .await
                .unwrap()
                .qr("req_00000002")
                .await
                .unwrap()
                .unwrap();
        assert_eq!(row.request().unwrap_err().code(), "store.corrupt");
    })
    .await;
}

//! Group commit for issued licenses. Each download's write is small (one license row and its
//! audit record) but a transaction costs several round trips and, on SQLite, a turn as the only
//! writer. Downloads queue their writes here; one task takes whatever has queued and writes it
//! in one transaction, then answers each download. Under load many downloads share a commit;
//! alone, a download waits for nobody.

use tokio::sync::{mpsc, oneshot};
use yizhao_domain::authority::AuthorityError;
use yizhao_store::{AuditEntry, Database, LicenseRow};

use crate::error::ApiError;

/// Most writes in one transaction.
const MAX_BATCH: usize = 64;

/// One issued license to store, with its audit entry.
pub(super) struct LicenseWrite {
    pub license: LicenseRow,
    pub audit: AuditEntry,
    pub reply: oneshot::Sender<Result<(), ApiError>>,
}

/// The queue's sending side; the task ends when every sender is dropped.
#[derive(Clone)]
pub(super) struct LicenseWriter(mpsc::Sender<LicenseWrite>);

impl LicenseWriter {
    /// Start the writing task on `db`.
    pub(super) fn start(db: Database) -> Self {
        let (tx, rx) = mpsc::channel(1024);
        tokio::spawn(run(db, rx));
        LicenseWriter(tx)
    }

    /// Queue a write and wait until it is committed (or refused).
    pub(super) async fn write(
        &self,
        license: LicenseRow,
        audit: AuditEntry,
    ) -> Result<(), ApiError> {
        let (reply, answer) = oneshot::channel();
        self.0
            .send(LicenseWrite {
                license,
                audit,
                reply,
            })
            .await
            .map_err(|_| ApiError::internal(&"license writer stopped"))?;
        answer
            .await
            .map_err(|_| ApiError::internal(&"license writer dropped a write"))?
    }
}

async fn run(db: Database, mut rx: mpsc::Receiver<LicenseWrite>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let outcomes = write_batch(&db, &batch).await;
        for (job, outcome) in batch.drain(..).zip(outcomes) {
            // The download may have given up waiting; nothing to tell it then.
            let _ = job.reply.send(outcome);
        }
    }
}

/// Write the batch in one transaction; a refused job (its grant revoked meanwhile) is skipped,
/// a database failure fails them all.
async fn write_batch(db: &Database, batch: &[LicenseWrite]) -> Vec<Result<(), ApiError>> {
    let fail_all = |e: ApiError| batch.iter().map(|_| Err(e.clone())).collect();
    let mut tx = match db.begin().await {
        Ok(tx) => tx,
        Err(e) => return fail_all(e.into()),
    };
    let mut outcomes = Vec::with_capacity(batch.len());
    for job in batch {
        // The grant may have been revoked while the certificate was being signed.
        if let Some(grant) = &job.license.grant_id {
            match tx.grant(grant).await {
                Ok(Some(g)) if g.revoked_at.is_none() => {}
                Ok(_) => {
                    outcomes.push(Err(AuthorityError::Revoked.into()));
                    continue;
                }
                Err(e) => return fail_all(e.into()),
            }
        }
        if let Err(e) = tx.insert_license(&job.license).await {
            return fail_all(e.into());
        }
        if let Err(e) = db.append_audit(&mut tx, job.audit.clone()).await {
            return fail_all(e.into());
        }
        outcomes.push(Ok(()));
    }
    match tx.commit().await {
        Ok(()) => outcomes,
        Err(e) => fail_all(e.into()),
    }
}

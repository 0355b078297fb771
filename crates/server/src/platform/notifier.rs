//! Wakes the PC pages that wait on a QR request when it changes, without asking the database
//! while nothing does. A change is announced with [`Notifier::changed`]: on SQLite (one
//! process) straight to the pages waiting in this process; on PostgreSQL with `NOTIFY`, which
//! every replica on the database (this one included) hears through its `LISTEN` connection and
//! passes on to its own waiting pages. A page that missed notices (its channel lagged, or the
//! listening connection was lost and made again) is told to look again.

use std::sync::Arc;

use tokio::sync::{broadcast, oneshot};
use yizhao_store::{Database, QR_CHANNEL};

/// What a waiting page hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Notice {
    /// The request with this id changed.
    Changed(Arc<str>),
    /// Notices may have been missed: every waiting page looks again.
    LookAgain,
}

impl Notice {
    /// Whether the page waiting on `id` should read its request again.
    pub(crate) fn concerns(&self, id: &str) -> bool {
        match self {
            Notice::Changed(changed) => **changed == *id,
            Notice::LookAgain => true,
        }
    }
}

/// Pages waiting in a process: more than this many notices behind and a page looks again.
const BACKLOG: usize = 4096;

/// The notices of QR requests' changes (see the module's documentation).
pub(crate) struct Notifier {
    local: broadcast::Sender<Notice>,
    /// Whether the database announces changes (PostgreSQL), rather than [`Notifier::changed`].
    through_db: bool,
    /// Dropped with the notifier, which ends the listening task.
    _stop: Option<oneshot::Sender<()>>,
}

impl Notifier {
    /// Starts listening on `db`, if it is one that other processes share.
    pub(crate) async fn start(db: Database) -> Result<Self, yizhao_store::StoreError> {
        let (local, _) = broadcast::channel(BACKLOG);
        let Some(mut listener) = db.listen(QR_CHANNEL).await? else {
            return Ok(Notifier {
                local,
                through_db: false,
                _stop: None,
            });
        };
        let (stop, mut stopped) = oneshot::channel::<()>();
        let out = local.clone();
        tokio::spawn(async move {
            loop {
                let notice = tokio::select! {
                    _ = &mut stopped => return,
                    n = listener.recv() => n,
                };
                let notice = match notice {
                    Ok(Some(id)) => Notice::Changed(id.into()),
                    Ok(None) => Notice::LookAgain,
                    Err(e) => {
                        tracing::warn!(error = %e, "QR change notices: listening failed; trying again");
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                        Notice::LookAgain
                    }
                };
                // No one waiting is no error.
                let _ = out.send(notice);
            }
        });
        Ok(Notifier {
            local,
            through_db: true,
            _stop: Some(stop),
        })
    }

    /// The request `id` changed (call it after the change is committed). On PostgreSQL the
    /// database announced it already.
    pub(crate) fn changed(&self, id: &str) {
        if !self.through_db {
            // No one waiting is no error.
            let _ = self.local.send(Notice::Changed(id.into()));
        }
    }

    /// Hear the notices from now on.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.local.subscribe()
    }
}

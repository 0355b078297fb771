//! Change notices between the processes that share one database: on PostgreSQL a trigger
//! (migration 0009) sends a `NOTIFY` on [`QR_CHANNEL`] with every change of a QR request, when
//! it commits, and every replica `LISTEN`s, so that a change made through one replica wakes
//! what waits for it on another; on SQLite (one process) there is nothing to send, and the
//! caller's in-process channel is all there is.

use sqlx::postgres::PgListener;

use crate::db::{Backend, Database};
use crate::error::Result;

/// The channel QR requests' changes go on; the payload is the request's id.
pub const QR_CHANNEL: &str = "yizhao_qr";

impl Database {
    /// Listens to `channel` on a connection of its own (PostgreSQL); `None` on SQLite, where
    /// no other process sends notices.
    pub async fn listen(&self, channel: &str) -> Result<Option<Listener>> {
        match self.backend() {
            Backend::Sqlite(_) => Ok(None),
            Backend::Postgres(pool) => {
                let mut l = PgListener::connect_with(pool).await?;
                l.listen(channel).await?;
                Ok(Some(Listener(l)))
            }
        }
    }
}

/// Notices on one channel (see [`Database::listen`]).
pub struct Listener(PgListener);

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Listener")
    }
}

impl Listener {
    /// The next notice's payload; `None` when the connection was lost (it is made again on the
    /// next call, and notices sent meanwhile are missed: whoever waits should look again).
    pub async fn recv(&mut self) -> Result<Option<String>> {
        Ok(self.0.try_recv().await?.map(|n| n.payload().to_owned()))
    }
}

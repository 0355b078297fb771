//! The identity-proofing port of real-name verification (R2): how a one-time code reaches the
//! registered phone. The built-in implementation writes to an outbox table that the demo shows
//! and the tests read (`GET …/dev/outbox`); a deployment plugs in an SMS gateway here. (The
//! manual's face check would be a second method of this port; the wallet has no camera yet.)

use std::future::Future;
use std::pin::Pin;

use yizhao_store::{OutboxRow, Transaction};

use crate::error::ApiError;

/// A boxed future, so the port can be a trait object.
pub type Delivery<'a> = Pin<Box<dyn Future<Output = Result<(), ApiError>> + Send + 'a>>;

/// Delivers one-time codes to people's phones.
pub trait IdentityProofing: Send + Sync {
    /// Deliver `text` (which contains `code`) to `phone`. Called inside the transaction that
    /// stores the verification session, so that a delivery that writes to the database commits
    /// with it, and a failed delivery leaves no session behind.
    fn deliver<'a>(
        &'a self,
        tx: &'a mut Transaction,
        phone: &'a str,
        text: &'a str,
        code: &'a str,
        at: i64,
    ) -> Delivery<'a>;

    /// Whether delivered messages can be read back through `/dev/outbox` (built-in only).
    fn readable_outbox(&self) -> bool;
}

/// The built-in delivery: an outbox table in the authority's database.
#[derive(Debug, Default, Clone, Copy)]
pub struct BuiltinOutbox;

impl IdentityProofing for BuiltinOutbox {
    fn deliver<'a>(
        &'a self,
        tx: &'a mut Transaction,
        phone: &'a str,
        text: &'a str,
        code: &'a str,
        at: i64,
    ) -> Delivery<'a> {
        Box::pin(async move {
            tx.insert_outbox(&OutboxRow {
                phone: phone.into(),
                text: text.into(),
                code: code.into(),
                at,
            })
            .await?;
            Ok(())
        })
    }

    fn readable_outbox(&self) -> bool {
        true
    }
}

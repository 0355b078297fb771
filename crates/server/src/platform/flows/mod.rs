//! The QR flows (SYSTEM.md §4): one module per kind of request, each behind [`QrFlow`]. A flow
//! says how a PC page makes a request of its kind (what the signed request asks), what the
//! phone's answer must carry and how that payload is checked, and what an accepted answer does.
//! The platform keeps the protocol itself (signing the request, the license proof, the state
//! machine, the short code) and calls the flow at those three points; a kind with no flow here
//! can't be created, and a stored request of such a kind can't be answered.
//!
//! Adding a flow (e.g. signing) means one module here implementing [`QrFlow`], registered in
//! [`Flows::new`], and its mirror in the wallet (`yizhao_wallet::qr`).

pub(crate) mod impression;
pub(crate) mod login;

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use yizhao_domain::qr::{QrError, QrKind};
use yizhao_proto::qr::{QrAnswer, QrStatus};
use yizhao_store::{QrRow, Transaction};

use super::{Platform, qr_error};
use crate::error::ApiError;

/// What a PC page sends to make a request (`POST /platform/api/v1/qr`), beyond its kind.
#[derive(Debug, Clone, Default)]
pub struct CreateQr {
    /// The browser session the request is bound to.
    pub session: String,
    /// The member session's cookie value, if the browser has one.
    pub member: Option<String>,
    /// An earlier request of the same browser whose content the new one carries (a QR that
    /// expired or was refused, made again).
    pub from: Option<String>,
}

/// One kind of QR request.
pub(crate) trait QrFlow: Send + Sync {
    /// The kind it serves.
    fn kind(&self) -> QrKind;

    /// A new request of this kind for a PC page: checks what the page may ask, then signs and
    /// stores the request through [`Platform::create_qr_with`].
    fn create<'a>(
        &'a self,
        p: &'a Platform,
        asked: &'a CreateQr,
    ) -> BoxFuture<'a, Result<QrStatus, ApiError>>;

    /// Checks the payload of the phone's answer against what `row` asked, before anything is
    /// written (the license proof over the request is checked by the platform). An error leaves
    /// the request answerable, with the error noted for the PC page.
    fn check_answer(&self, p: &Platform, row: &QrRow, answer: &QrAnswer) -> Result<(), ApiError>;

    /// Whether an accepted answer has an effect to write ([`QrFlow::answered`]); a flow without
    /// one records the answer in a single statement.
    fn acts_on_answer(&self) -> bool;

    /// The effect of an accepted (and checked) answer, written in `tx`, the transaction that
    /// records the answer: both commit, or neither does. A client error (4xx) refuses the
    /// request with its reason; any other error leaves it answerable.
    fn answered<'a>(
        &'a self,
        p: &'a Platform,
        tx: &'a mut Transaction,
        row: &'a QrRow,
        answer: &'a QrAnswer,
    ) -> BoxFuture<'a, Result<(), ApiError>>;
}

/// The flows a platform offers, by kind.
pub(crate) struct Flows(HashMap<QrKind, Arc<dyn QrFlow>>);

impl Flows {
    /// Every flow built: login, and impression uploads to `seals`.
    pub(crate) fn new(seals: Arc<crate::seal::Seals>) -> Self {
        let all: [Arc<dyn QrFlow>; 2] = [
            Arc::new(login::Login),
            Arc::new(impression::Impression { seals }),
        ];
        Flows(all.into_iter().map(|f| (f.kind(), f)).collect())
    }

    /// The flow of `kind`; a kind with no flow is refused.
    pub(crate) fn get(&self, kind: QrKind) -> Result<&dyn QrFlow, ApiError> {
        self.0
            .get(&kind)
            .map(|f| f.as_ref())
            .ok_or_else(|| qr_error(QrError::KindNotOffered))
    }
}

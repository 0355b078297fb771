//! `authorizations.*`: the agent authorizations of an entity (R6, R8).

use yizhao_domain::authority::{self as rules, Period, Role};
use yizhao_domain::time::Timestamp;
use yizhao_proto::authority::{AddAuthorization, EntityRef, GrantItem, GrantRef};
use yizhao_store::Transaction;

use crate::authority::{Actor, Authority, scope_of_mode};
use crate::error::ApiError;

/// `authorizations.list`: the live agent authorizations.
pub(super) async fn list(
    a: &Authority,
    tx: &mut Transaction,
    actor: &Actor,
    p: EntityRef,
) -> Result<Vec<GrantItem>, ApiError> {
    a.own_entity(actor, &p.uscc)?;
    rules::check_manage_authorizations(actor.role)?;
    a.list(tx, &p.uscc, Role::Agent).await
}

/// `authorizations.add`: authorize an agent for a period (default: from now, three days) and
/// all business or precise matters.
pub(super) async fn add(
    a: &Authority,
    tx: &mut Transaction,
    actor: &Actor,
    p: AddAuthorization,
) -> Result<GrantItem, ApiError> {
    a.own_entity(actor, &p.uscc)?;
    rules::check_manage_authorizations(actor.role)?;
    let now = Timestamp(a.now());
    let start = p.start.map(Timestamp).unwrap_or(now);
    let period = match p.end {
        Some(end) => Period::new(start, Timestamp(end))?,
        None => Period::default_from(start),
    };
    let scope = scope_of_mode(&p.mode, &p.matters)?;
    a.add_grant(
        tx,
        actor,
        &p.uscc,
        Role::Agent,
        &p.agent,
        Some(period),
        scope,
    )
    .await
}

/// `authorizations.revoke`: revoke an agent authorization.
pub(super) async fn revoke(
    a: &Authority,
    tx: &mut Transaction,
    actor: &Actor,
    p: GrantRef,
) -> Result<GrantItem, ApiError> {
    a.own_entity(actor, &p.uscc)?;
    rules::check_manage_authorizations(actor.role)?;
    a.revoke(tx, actor, &p, Role::Agent).await
}

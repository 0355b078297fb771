//! `admins.*`: the license admins of an entity (R5).

use yizhao_domain::authority::{self as rules, Role, Scope};
use yizhao_proto::authority::{AddAdmin, EntityRef, GrantItem, GrantRef};
use yizhao_store::Transaction;

use crate::authority::{Actor, Authority};
use crate::error::ApiError;

/// `admins.list`: the live admin appointments.
pub(super) async fn list(
    a: &Authority,
    tx: &mut Transaction,
    actor: &Actor,
    p: EntityRef,
) -> Result<Vec<GrantItem>, ApiError> {
    a.own_entity(actor, &p.uscc)?;
    rules::check_manage_authorizations(actor.role)?;
    a.list(tx, &p.uscc, Role::LicenseAdmin).await
}

/// `admins.add`: appoint an admin, within the limit.
pub(super) async fn add(
    a: &Authority,
    tx: &mut Transaction,
    actor: &Actor,
    p: AddAdmin,
) -> Result<GrantItem, ApiError> {
    a.own_entity(actor, &p.uscc)?;
    let current = tx
        .live_grants_of_entity(&p.uscc, Role::LicenseAdmin.as_str())
        .await?
        .len();
    rules::check_add_admin(actor.role, current, a.config.max_admins)?;
    a.add_grant(
        tx,
        actor,
        &p.uscc,
        Role::LicenseAdmin,
        &p.person,
        None,
        Scope::AllBusiness,
    )
    .await
}

/// `admins.remove`: revoke an admin appointment.
pub(super) async fn remove(
    a: &Authority,
    tx: &mut Transaction,
    actor: &Actor,
    p: GrantRef,
) -> Result<GrantItem, ApiError> {
    a.own_entity(actor, &p.uscc)?;
    rules::check_remove_admin(actor.role)?;
    a.revoke(tx, actor, &p, Role::LicenseAdmin).await
}

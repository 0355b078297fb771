//! `seal_admins.*`: the seal admins of an entity, one per seal type and person (R15).

use yizhao_domain::authority::Role;
use yizhao_domain::seal as rules;
use yizhao_proto::authority::EntityRef;
use yizhao_proto::seal::{AddSealAdmin, SealAdminItem, SealAdminRemoved, SealGrantRef};
use yizhao_store::{SealAdminRow, Transaction};

use super::already_revoked;
use crate::authority::Actor;
use crate::error::ApiError;
use crate::rng::random_hex;
use crate::seal::{Seals, admin_item, seal_type};

/// `seal_admins.list`: the live appointments (for the entity's seal managers).
pub(super) async fn list(
    seals: &Seals,
    tx: &mut Transaction,
    actor: &Actor,
    p: EntityRef,
) -> Result<Vec<SealAdminItem>, ApiError> {
    seals.authority.own_entity(actor, &p.uscc)?;
    seals.manager(tx, actor).await?;
    Ok(tx
        .live_seal_admins(&p.uscc)
        .await?
        .iter()
        .map(admin_item)
        .collect())
}

/// `seal_admins.add`: the legal representative names a seal admin of one seal type, who must
/// hold a license authorization of the entity.
pub(super) async fn add(
    seals: &Seals,
    tx: &mut Transaction,
    actor: &Actor,
    p: AddSealAdmin,
) -> Result<SealAdminItem, ApiError> {
    seals.authority.own_entity(actor, &p.uscc)?;
    let t = seal_type(&p.seal_type)?;
    let role = seals
        .authority
        .person_role(tx, &p.uscc, &p.id_number)
        .await?;
    rules::check_appoint_seal_admin(
        actor.role,
        role.is_some_and(|r| r != Role::LegalRepresentative),
    )?;
    let already = tx
        .live_seal_admins(&p.uscc)
        .await?
        .into_iter()
        .any(|a| a.id_number == p.id_number && a.seal_type == t.as_str());
    if already {
        return Err(ApiError::new(
            axum::http::StatusCode::CONFLICT,
            "seal.already_admin",
            format!("该人员已经是{}的印章管理员。", t.label()),
        ));
    }
    let row = SealAdminRow {
        id: random_hex(seals.rng.as_ref(), 16),
        uscc: p.uscc.clone(),
        seal_type: t.as_str().into(),
        name: yizhao_domain::text::PERSON_NAME.check(&p.name)?,
        id_number: p.id_number.clone(),
        appointed_by: actor.license.serial.clone(),
        appointed_at: seals.now(),
        revoked_at: None,
        revoked_by: None,
    };
    tx.insert_seal_admin(&row).await?;
    seals
        .audit(
            tx,
            actor,
            "seal.admin_add",
            &p.uscc,
            serde_json::json!({ "id": row.id, "seal_type": row.seal_type, "name": row.name }),
        )
        .await?;
    Ok(admin_item(&row))
}

/// `seal_admins.remove`: the legal representative removes an appointment.
pub(super) async fn remove(
    seals: &Seals,
    tx: &mut Transaction,
    actor: &Actor,
    p: SealGrantRef,
) -> Result<SealAdminRemoved, ApiError> {
    seals.authority.own_entity(actor, &p.uscc)?;
    rules::check_appoint_seal_admin(actor.role, true)?;
    let now = seals.now();
    if !tx
        .revoke_seal_admin(&p.id, &p.uscc, now, &actor.license.serial)
        .await?
    {
        return Err(already_revoked());
    }
    seals
        .audit(
            tx,
            actor,
            "seal.admin_remove",
            &p.uscc,
            serde_json::json!({ "id": p.id }),
        )
        .await?;
    Ok(SealAdminRemoved { removed: p.id })
}

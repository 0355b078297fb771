//! `seal_grants.*`: grants of the use of a seal type, with counted uses (R16).

use yizhao_domain::authority::{Period, Scope};
use yizhao_domain::seal::{self as rules, SealType, SealUseRequest};
use yizhao_domain::time::Timestamp;
use yizhao_proto::action::Empty;
use yizhao_proto::authority::EntityRef;
use yizhao_proto::seal::{
    AddSealGrant, MySealGrants, SealGrantItem, SealGrantRef, SealGrantRevoked,
};
use yizhao_store::{SealUseGrantRow, Transaction};

use super::already_revoked;
use crate::authority::{Actor, scope_of_mode};
use crate::error::ApiError;
use crate::rng::random_hex;
use crate::seal::{Seals, admin_item, seal_type};

/// `seal_grants.list`: the grants of the seal types the signer manages.
pub(super) async fn list(
    seals: &Seals,
    tx: &mut Transaction,
    actor: &Actor,
    p: EntityRef,
) -> Result<Vec<SealGrantItem>, ApiError> {
    seals.authority.own_entity(actor, &p.uscc)?;
    let manager = seals.manager(tx, actor).await?;
    let mut items = Vec::new();
    for g in tx.seal_use_grants_of_entity(&p.uscc).await? {
        if SealType::parse(&g.seal_type).is_some_and(|t| manager.manages(t)) {
            items.push(seals.use_grant_item(&g)?);
        }
    }
    Ok(items)
}

/// `seal_grants.add`: the legal representative or a seal admin of the type grants its use to
/// a person who holds a license authorization of the entity.
pub(super) async fn add(
    seals: &Seals,
    tx: &mut Transaction,
    actor: &Actor,
    p: AddSealGrant,
) -> Result<SealGrantItem, ApiError> {
    seals.authority.own_entity(actor, &p.uscc)?;
    let manager = seals.manager(tx, actor).await?;
    let now = seals.now();
    let period = Period::new(Timestamp(p.start.unwrap_or(now)), Timestamp(p.end))?;
    let scope = scope_of_mode(&p.mode, &p.matters)?;
    let req = SealUseRequest {
        seal_type: seal_type(&p.seal_type)?,
        period,
        reason: p.reason.trim().into(),
        scope,
        uses: p.uses,
    };
    let holds = seals
        .authority
        .person_role(tx, &p.uscc, &p.id_number)
        .await?
        .is_some();
    rules::check_grant_use(&manager, holds, &req)?;
    let row = SealUseGrantRow {
        id: random_hex(seals.rng.as_ref(), 16),
        uscc: p.uscc.clone(),
        seal_type: req.seal_type.as_str().into(),
        name: yizhao_domain::text::PERSON_NAME.check(&p.name)?,
        id_number: p.id_number.clone(),
        period_start: req.period.start.0,
        period_end: req.period.end.0,
        reason: req.reason.clone(),
        scope: match &req.scope {
            Scope::AllBusiness => "all".into(),
            Scope::Precise(codes) => {
                serde_json::to_string(codes).map_err(|e| ApiError::internal(&e))?
            }
        },
        uses_total: i64::from(req.uses),
        uses_left: i64::from(req.uses),
        granted_by: actor.license.serial.clone(),
        granted_at: now,
        revoked_at: None,
        revoked_by: None,
    };
    tx.insert_seal_use_grant(&row).await?;
    seals
        .audit(
            tx,
            actor,
            "seal.grant_add",
            &p.uscc,
            serde_json::json!({
                "id": row.id, "seal_type": row.seal_type, "name": row.name,
                "uses": row.uses_total, "period": [row.period_start, row.period_end],
            }),
        )
        .await?;
    seals.use_grant_item(&row)
}

/// `seal_grants.revoke`: a manager of the grant's seal type revokes it.
pub(super) async fn revoke(
    seals: &Seals,
    tx: &mut Transaction,
    actor: &Actor,
    p: SealGrantRef,
) -> Result<SealGrantRevoked, ApiError> {
    seals.authority.own_entity(actor, &p.uscc)?;
    let manager = seals.manager(tx, actor).await?;
    let g = tx
        .seal_use_grant(&p.id)
        .await?
        .filter(|g| g.uscc == p.uscc)
        .ok_or_else(|| ApiError::not_found("seal.grant_not_found", "未找到该印章使用授权。"))?;
    let t = seal_type(&g.seal_type)?;
    if !manager.manages(t) {
        return Err(rules::SealError::NotManagerOfType(t.label()).into());
    }
    let now = seals.now();
    if !tx
        .revoke_seal_use_grant(&p.id, &p.uscc, now, &actor.license.serial)
        .await?
    {
        return Err(already_revoked());
    }
    seals
        .audit(
            tx,
            actor,
            "seal.grant_revoke",
            &p.uscc,
            serde_json::json!({ "id": p.id }),
        )
        .await?;
    Ok(SealGrantRevoked { revoked: p.id })
}

/// `seal_grants.mine`: what the signing license's holder was given in its entity.
pub(super) async fn mine(
    seals: &Seals,
    tx: &mut Transaction,
    actor: &Actor,
    _: Empty,
) -> Result<MySealGrants, ApiError> {
    let uscc = &actor.license.uscc;
    let admin_of = tx
        .live_seal_admins(uscc)
        .await?
        .iter()
        .filter(|a| a.id_number == actor.license.id_number)
        .map(admin_item)
        .collect();
    let mut use_grants = Vec::new();
    for g in tx
        .seal_use_grants_of_person(uscc, &actor.license.id_number)
        .await?
    {
        use_grants.push(seals.use_grant_item(&g)?);
    }
    Ok(MySealGrants {
        admin_of,
        use_grants,
    })
}

//! Collection (领章, R14, R16): which seals a license may collect and how, the collection that
//! issues the holder its own `SESeal` (its license certificate in the seal's certificate list),
//! the holder's collected seals, and deleting a wrong collection to redo it.

use yizhao_domain::authority::GrantStatus;
use yizhao_domain::seal::{self as rules, Collection, EntityKind};
use yizhao_domain::time::Timestamp;
use yizhao_proto::seal as api;
use yizhao_store::{SealCollectionRow, SealRow, Transaction};

use super::impressions::{seal_item, sign};
use super::{Seals, use_grant};
use crate::authority::Actor;
use crate::error::ApiError;
use crate::rng::random_hex;

impl Seals {
    /// What kind of entity the actor's is, for the collection rule.
    async fn entity_kind(&self, tx: &mut Transaction, uscc: &str) -> Result<EntityKind, ApiError> {
        // Every entity of the registry is a market entity; non-market entities (R9) come with
        // their own registration.
        Ok(match self.authority.enterprise(tx, uscc).await? {
            Some(e) => rules::market_entity_kind(&e.locality, &self.config.platform_region),
            None => EntityKind::NonMarket,
        })
    }

    /// The actor's live seal grants (seal admin appointments and active use grants) for
    /// seals of `seal_type`, by id.
    async fn grants_for(
        &self,
        tx: &mut Transaction,
        actor: &Actor,
        seal_type: &str,
    ) -> Result<Vec<String>, ApiError> {
        let (uscc, id_number) = (&actor.license.uscc, &actor.license.id_number);
        let mut ids: Vec<String> = tx
            .live_seal_admins(uscc)
            .await?
            .into_iter()
            .filter(|a| &a.id_number == id_number && a.seal_type == seal_type)
            .map(|a| a.id)
            .collect();
        let now = Timestamp(self.now());
        for g in tx.seal_use_grants_of_person(uscc, id_number).await? {
            if g.seal_type == seal_type && use_grant(&g)?.status(now) == GrantStatus::Active {
                ids.push(g.id);
            }
        }
        Ok(ids)
    }

    /// `seals.collectable`: the live seals of the actor's entity it may collect, and how.
    pub(super) async fn collectable(
        &self,
        tx: &mut Transaction,
        actor: &Actor,
    ) -> Result<Vec<api::Collectable>, ApiError> {
        let kind = self.entity_kind(tx, &actor.license.uscc).await?;
        let held = self.held_seal_ids(tx, actor).await?;
        let mut out = Vec::new();
        for s in tx.seals_of_entity(&actor.license.uscc).await? {
            // A replaced seal, or one this license holds already, is not offered.
            if s.superseded_at.is_some() || held.contains(&s.id) {
                continue;
            }
            let grants = self.grants_for(tx, actor, &s.seal_type).await?;
            if let Ok(how) = rules::check_collect(kind, actor.role, !grants.is_empty()) {
                out.push(api::Collectable {
                    seal: seal_item(&s),
                    direct: how == Collection::Direct,
                    grants,
                });
            }
        }
        Ok(out)
    }

    /// `seals.collect`: issue the holder its `SESeal` of a live seal of its entity.
    pub(super) async fn collect(
        &self,
        tx: &mut Transaction,
        actor: &Actor,
        p: &api::CollectSeal,
    ) -> Result<api::CollectedSeal, ApiError> {
        let seal: SealRow = tx
            .seal(&p.seal_id)
            .await?
            .filter(|s| s.uscc == actor.license.uscc && s.superseded_at.is_none())
            .ok_or_else(|| {
                ApiError::not_found("seal.not_found", "未找到可领取的印章（或已被新印章替换）。")
            })?;
        // One live collection of a seal per license: collecting again would only list the same
        // seal twice. The signed request holds its entity's lock (see `Authority::actor`), so
        // racing collections of one license take turns and all but the first see the first.
        if self.held_seal_ids(tx, actor).await?.contains(&seal.id) {
            return Err(ApiError::new(
                axum::http::StatusCode::CONFLICT,
                "seal.already_collected",
                "您已领取过这枚印章，可在“我的印章”中查看；如需重新领取，请先删除原领取记录。",
            ));
        }
        let kind = self.entity_kind(tx, &seal.uscc).await?;
        let grants = self.grants_for(tx, actor, &seal.seal_type).await?;
        let grant_id = match rules::check_collect(kind, actor.role, !grants.is_empty())? {
            Collection::Direct => p.grant_id.clone().filter(|g| grants.contains(g)),
            Collection::ThroughGrant => match &p.grant_id {
                Some(g) if grants.contains(g) => Some(g.clone()),
                Some(_) => {
                    return Err(ApiError::new(
                        axum::http::StatusCode::FORBIDDEN,
                        "seal.grant_not_yours",
                        "所选印章授权不属于该执照持有人，或不是该类型印章的授权。",
                    ));
                }
                None => {
                    return Err(ApiError::bad_request(
                        "seal.choose_grant",
                        "请选择用于领取该印章的印章授权。",
                    ));
                }
            },
        };
        let impression = tx
            .impression(&seal.impression_id)
            .await?
            .ok_or_else(|| ApiError::internal(&"seal without its impression"))?;
        let info = self.seal_info(&seal, &impression, vec![actor.license.certificate.clone()])?;
        let maker = self.current_maker(tx).await?;
        let row = SealCollectionRow {
            id: random_hex(self.rng.as_ref(), 16),
            seal_id: seal.id.clone(),
            license_serial: actor.license.serial.clone(),
            grant_id,
            seal: sign(&maker, &info)?,
            collected_at: self.now(),
            deleted_at: None,
        };
        tx.insert_seal_collection(&row).await?;
        self.audit(
            tx,
            actor,
            "seal.collect",
            &seal.uscc,
            serde_json::json!({ "collection": row.id, "seal": seal.id, "grant": row.grant_id }),
        )
        .await?;
        Ok(api::CollectedSeal {
            collection_id: row.id,
            seal: seal_item(&seal),
            grant_id: row.grant_id,
            der: row.seal,
            usable: true,
        })
    }

    /// `seals.mine`: the seals collected onto the signing license and not deleted.
    pub(super) async fn mine(
        &self,
        tx: &mut Transaction,
        actor: &Actor,
    ) -> Result<Vec<api::CollectedSeal>, ApiError> {
        let mut out = Vec::new();
        for c in tx
            .seal_collections_of_license(&actor.license.serial)
            .await?
        {
            let seal = tx
                .seal(&c.seal_id)
                .await?
                .ok_or_else(|| ApiError::internal(&"collection without its seal"))?;
            let usable = self.usable(tx, &c, &seal).await?;
            out.push(api::CollectedSeal {
                collection_id: c.id,
                seal: seal_item(&seal),
                grant_id: c.grant_id,
                der: c.seal,
                usable,
            });
        }
        Ok(out)
    }

    /// `collections.delete`: delete a collection of the signing license (to redo it).
    pub(super) async fn delete_collection(
        &self,
        tx: &mut Transaction,
        actor: &Actor,
        p: &api::CollectionRef,
    ) -> Result<api::CollectionDeleted, ApiError> {
        let now = self.now();
        if !tx
            .delete_seal_collection(&p.collection_id, &actor.license.serial, now)
            .await?
        {
            return Err(ApiError::not_found(
                "seal.collection_not_found",
                "未找到该执照上的这枚印章（或已删除）。",
            ));
        }
        self.audit(
            tx,
            actor,
            "seal.collection_delete",
            &actor.license.uscc,
            serde_json::json!({ "collection": p.collection_id }),
        )
        .await?;
        Ok(api::CollectionDeleted {
            deleted: p.collection_id.clone(),
        })
    }

    /// Whether a collected seal may be used now: its seal not replaced, and the grant it came
    /// through (if any) still active — a grant that ends or is revoked makes it unusable (R16).
    pub async fn collection_usable(&self, collection_id: &str) -> Result<bool, ApiError> {
        let mut tx = self.db.read().await?;
        let Some(c) = tx.seal_collection(collection_id).await? else {
            return Ok(false);
        };
        let Some(seal) = tx.seal(&c.seal_id).await? else {
            return Ok(false);
        };
        self.usable(&mut tx, &c, &seal).await
    }

    /// The ids of the seals the actor's license holds (live collections).
    async fn held_seal_ids(
        &self,
        tx: &mut Transaction,
        actor: &Actor,
    ) -> Result<Vec<String>, ApiError> {
        Ok(tx
            .seal_collections_of_license(&actor.license.serial)
            .await?
            .into_iter()
            .map(|c| c.seal_id)
            .collect())
    }

    /// Whether collection `c` of `seal` may be used now (see [`Self::collection_usable`]).
    async fn usable(
        &self,
        tx: &mut Transaction,
        c: &SealCollectionRow,
        seal: &SealRow,
    ) -> Result<bool, ApiError> {
        if c.deleted_at.is_some() || seal.superseded_at.is_some() {
            return Ok(false);
        }
        Ok(match &c.grant_id {
            None => true,
            Some(g) => match tx.seal_use_grant(g).await? {
                Some(g) => use_grant(&g)?.status(Timestamp(self.now())) == GrantStatus::Active,
                // A seal admin appointment: usable while not revoked.
                None => tx
                    .live_seal_admins(&seal.uscc)
                    .await?
                    .iter()
                    .any(|a| &a.id == g),
            },
        })
    }
}

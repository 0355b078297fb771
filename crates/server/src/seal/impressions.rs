//! Impressions (R13): the upload signed with a license (checked again here: the picture is
//! decoded with limits and its quality report recomputed), the upload records, the review
//! queue, and the review that makes the seal — a GB/T 38540 `SESeal` signed by the maker.

use yizhao_domain::seal::{self as rules, ImpressionState, Review, SealType};
use yizhao_domain::time::Timestamp;
use yizhao_impression::form::{self, Design, Refusal};
use yizhao_proto::seal as api;
use yizhao_ses::seal::{CertList, Header, Picture, PropertyInfo, SealInfo};
use yizhao_store::{ImpressionRow, SealRow, Transaction};

use super::{Seals, seal_type};
use crate::authority::Actor;
use crate::cert_keys::Issued;
use crate::error::ApiError;
use crate::rng::random_hex;

/// The vendor id written into every seal's header.
pub(super) const VENDOR: &str = "yizhao";

/// The most bytes an uploaded (processed) picture may have.
pub const MAX_PICTURE_BYTES: usize = 2 * 1024 * 1024;

fn refusal(r: Refusal) -> ApiError {
    ApiError::bad_request(&r.code, r.message)
}

/// An impression as the reviewer sees it: with the entity's name and who uploaded it.
#[derive(Debug, Clone)]
pub struct ReviewEntry {
    /// The impression.
    pub item: api::ImpressionItem,
    /// The entity's registered name (empty if the registry does not know it).
    pub entity_name: String,
    /// Who uploaded it: "张伟（法定代表人）".
    pub uploader: String,
}

pub(super) fn item(r: &ImpressionRow) -> api::ImpressionItem {
    let findings = serde_json::from_str::<Vec<api::QualityFinding>>(&r.quality).unwrap_or_default();
    let state = ImpressionState::parse(&r.state);
    api::ImpressionItem {
        id: r.id.clone(),
        uscc: r.uscc.clone(),
        seal_type: r.seal_type.clone(),
        seal_type_name: SealType::parse(&r.seal_type)
            .map_or_else(String::new, |t| t.label().into()),
        shape: r.shape.clone(),
        size_mm: (
            u16::try_from(r.width_mm).unwrap_or(0),
            u16::try_from(r.height_mm).unwrap_or(0),
        ),
        uploaded_at: r.uploaded_at,
        state: r.state.clone(),
        state_name: state.map_or_else(String::new, |s| s.label().into()),
        reason: r.reason.clone(),
        findings,
    }
}

pub(super) fn seal_item(s: &SealRow) -> api::SealItem {
    api::SealItem {
        id: s.id.clone(),
        uscc: s.uscc.clone(),
        seal_type: s.seal_type.clone(),
        name: s.name.clone(),
        valid: (s.valid_start, s.valid_end),
        made_at: s.made_at,
        superseded: s.superseded_at.is_some(),
        impression_id: s.impression_id.clone(),
    }
}

impl Seals {
    /// `impressions.upload`: store a processed impression for review, if its design is in
    /// the catalogue and its picture passes the quality checks; otherwise nothing is stored.
    pub(super) async fn upload(
        &self,
        tx: &mut Transaction,
        actor: &Actor,
        signature: &[u8],
        p: &api::UploadImpression,
    ) -> Result<api::ImpressionItem, ApiError> {
        self.authority.own_entity(actor, &p.uscc)?;
        rules::check_upload(actor.role, p.accepted_terms)?;
        let design =
            Design::new(&p.seal_type, &p.shape, p.width_mm, p.height_mm).map_err(refusal)?;
        if p.picture.len() > MAX_PICTURE_BYTES {
            return Err(ApiError::bad_request(
                "impression.file_too_large",
                format!(
                    "印模图片不能超过 {} MiB。",
                    MAX_PICTURE_BYTES / (1024 * 1024)
                ),
            ));
        }
        let report = form::accept(&p.picture, &design).map_err(refusal)?;
        let findings: Vec<api::QualityFinding> = report
            .findings
            .iter()
            .map(|f| api::QualityFinding {
                code: f.code().into(),
                message: f.message.clone(),
            })
            .collect();
        let row = ImpressionRow {
            id: random_hex(self.rng.as_ref(), 16),
            uscc: p.uscc.clone(),
            seal_type: design.seal_type.as_str().into(),
            shape: design.shape.as_str().into(),
            width_mm: i64::from(p.width_mm),
            height_mm: i64::from(p.height_mm),
            picture: p.picture.clone(),
            quality: serde_json::to_string(&findings).map_err(|e| ApiError::internal(&e))?,
            uploaded_by: actor.license.serial.clone(),
            signature: signature.to_vec(),
            uploaded_at: self.now(),
            state: ImpressionState::Pending.as_str().into(),
            reviewed_by: None,
            reviewed_at: None,
            reason: None,
        };
        tx.insert_impression(&row).await?;
        self.audit(
            tx,
            actor,
            "seal.impression_upload",
            &p.uscc,
            serde_json::json!({ "id": row.id, "seal_type": row.seal_type, "bytes": row.picture.len() }),
        )
        .await?;
        Ok(item(&row))
    }

    /// The upload records of an entity, split as the manual's list shows them.
    pub(super) async fn records(
        &self,
        tx: &mut Transaction,
        uscc: &str,
    ) -> Result<api::ImpressionRecords, ApiError> {
        let mut records = api::ImpressionRecords {
            open: vec![],
            valid: vec![],
            invalid: vec![],
        };
        for r in tx.impressions_of_entity(uscc).await? {
            let list = match ImpressionState::parse(&r.state) {
                Some(ImpressionState::Approved) => &mut records.valid,
                Some(ImpressionState::Superseded) => &mut records.invalid,
                _ => &mut records.open,
            };
            list.push(item(&r));
        }
        Ok(records)
    }

    /// The upload records of the entity `uscc` (R13), for the platform's PC page (its member
    /// session already says which entity is logged in).
    pub async fn records_of(&self, uscc: &str) -> Result<api::ImpressionRecords, ApiError> {
        let mut tx = self.db.read().await?;
        self.records(&mut tx, uscc).await
    }

    /// The seal-making records of the entity `uscc`: its seals, replaced ones included.
    pub async fn seals_of(&self, uscc: &str) -> Result<Vec<api::SealItem>, ApiError> {
        let mut tx = self.db.read().await?;
        Ok(tx
            .seals_of_entity(uscc)
            .await?
            .iter()
            .map(seal_item)
            .collect())
    }

    /// The review queue: pending impressions, oldest first.
    pub async fn review_queue(&self) -> Result<Vec<api::ImpressionItem>, ApiError> {
        let mut tx = self.db.read().await?;
        Ok(tx
            .impressions_in_state(ImpressionState::Pending.as_str())
            .await?
            .iter()
            .map(item)
            .collect())
    }

    /// The review queue as the reviewer's page shows it: each pending impression with its
    /// entity's name and who uploaded it.
    pub async fn review_queue_detailed(&self) -> Result<Vec<ReviewEntry>, ApiError> {
        let mut tx = self.db.read().await?;
        let rows = tx
            .impressions_in_state(ImpressionState::Pending.as_str())
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(self.review_entry(&mut tx, r).await?);
        }
        Ok(out)
    }

    /// One impression as the reviewer's page shows it (the outcome of a review).
    pub async fn review_entry_of(&self, id: &str) -> Result<ReviewEntry, ApiError> {
        let mut tx = self.db.read().await?;
        let row = tx
            .impression(id)
            .await?
            .ok_or_else(|| ApiError::not_found("seal.impression_not_found", "未找到该印模。"))?;
        self.review_entry(&mut tx, &row).await
    }

    async fn review_entry(
        &self,
        tx: &mut Transaction,
        r: &ImpressionRow,
    ) -> Result<ReviewEntry, ApiError> {
        let entity = tx.enterprise(&r.uscc).await?;
        let entity_name = entity.as_ref().map(|e| e.name.clone()).unwrap_or_default();
        // The uploader: the holder of the license that signed the upload — the legal
        // representative, or the person a grant names.
        let uploader = match tx.license(&r.uploaded_by).await? {
            Some(l) => {
                let role = yizhao_domain::authority::Role::parse(&l.role)
                    .map_or("", yizhao_domain::authority::Role::label);
                let name = match &l.grant_id {
                    Some(g) => tx.grant(g).await?.map(|g| g.name),
                    None => entity
                        .as_ref()
                        .filter(|e| e.lr_id_number == l.id_number)
                        .map(|e| e.lr_name.clone()),
                };
                match name {
                    Some(n) if !role.is_empty() => format!("{n}（{role}）"),
                    Some(n) => n,
                    None => role.to_owned(),
                }
            }
            None => String::new(),
        };
        Ok(ReviewEntry {
            item: item(r),
            entity_name,
            uploader,
        })
    }

    /// An impression's processed picture (PNG), for the reviewer's and the uploader's pages.
    pub async fn impression_picture(&self, id: &str) -> Result<Vec<u8>, ApiError> {
        let mut tx = self.db.read().await?;
        tx.impression(id)
            .await?
            .map(|r| r.picture)
            .ok_or_else(|| ApiError::not_found("seal.impression_not_found", "未找到该印模。"))
    }

    /// A reviewer decides on a pending impression. Approval makes the seal (replacing an
    /// earlier seal of the entity's type, whose impression becomes an invalid record); a refusal
    /// keeps the reason for the uploader. Returns the impression as it now stands.
    pub async fn review(
        &self,
        reviewer: &str,
        id: &str,
        decision: &Review,
    ) -> Result<api::ImpressionItem, ApiError> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let row = tx
            .impression(id)
            .await?
            .ok_or_else(|| ApiError::not_found("seal.impression_not_found", "未找到该印模。"))?;
        let state = ImpressionState::parse(&row.state)
            .ok_or_else(|| ApiError::internal(&"bad impression state"))?;
        let next = rules::review(state, decision)?;
        let reason = match decision {
            Review::Reject { reason } => Some(rules::check_reason(reason, "退回原因")?),
            Review::Approve => None,
        };
        if !tx
            .review_impression(id, next.as_str(), reviewer, now, reason.as_deref())
            .await?
        {
            return Err(rules::SealError::AlreadyReviewed(ImpressionState::Pending.label()).into());
        }
        let mut detail = serde_json::json!({ "id": id, "state": next.as_str() });
        if next == ImpressionState::Approved {
            tx.supersede_impressions(&row.uscc, &row.seal_type, id)
                .await?;
            let seal = self.make(&mut tx, &row, reviewer, now).await?;
            detail["seal"] = seal.id.into();
        }
        let actor = format!("backoffice:{reviewer}");
        crate::audit::record(
            &self.db,
            &mut tx,
            now,
            (&actor, "seal.review", &row.uscc),
            &detail,
        )
        .await?;
        let reviewed = tx
            .impression(id)
            .await?
            .ok_or_else(|| ApiError::internal(&"impression gone"))?;
        tx.commit().await?;
        Ok(item(&reviewed))
    }

    /// The seal information of a seal of `row`'s design, holding `holders` (license
    /// certificates, DER).
    pub(super) fn seal_info(
        &self,
        seal: &SealRow,
        picture: &ImpressionRow,
        holders: Vec<Vec<u8>>,
    ) -> Result<SealInfo, ApiError> {
        let t = seal_type(&seal.seal_type)?;
        let secs = |v: i64| u64::try_from(v).map_err(|_| ApiError::internal(&"time before 1970"));
        let mm = |v: i64| u32::try_from(v).map_err(|_| ApiError::internal(&"bad size"));
        Ok(SealInfo {
            header: Header::v4(VENDOR),
            es_id: seal.id.clone(),
            property: PropertyInfo {
                seal_type: t.code(),
                name: seal.name.clone(),
                cert_list: CertList::Certs(holders),
                create_date: secs(seal.made_at)?,
                valid_start: secs(seal.valid_start)?,
                valid_end: secs(seal.valid_end)?,
            },
            picture: Picture::png(
                picture.picture.clone(),
                mm(picture.width_mm)?,
                mm(picture.height_mm)?,
            ),
            ext_datas: None,
        })
    }

    /// Make the seal of an approved impression (no holder yet: collection binds it to each
    /// holder's license).
    async fn make(
        &self,
        tx: &mut Transaction,
        impression: &ImpressionRow,
        reviewer: &str,
        now: i64,
    ) -> Result<SealRow, ApiError> {
        let t = seal_type(&impression.seal_type)?;
        let entity = self
            .authority
            .enterprise(tx, &impression.uscc)
            .await?
            .map_or_else(|| impression.uscc.clone(), |e| e.name);
        let mut row = SealRow {
            id: random_hex(self.rng.as_ref(), 16),
            uscc: impression.uscc.clone(),
            seal_type: t.as_str().into(),
            name: format!("{entity}{}", t.label()),
            impression_id: impression.id.clone(),
            valid_start: now,
            valid_end: Timestamp(now).plus(self.config.validity_days * 86_400).0,
            made_at: now,
            made_by: reviewer.into(),
            seal: vec![],
            superseded_at: None,
        };
        let info = self.seal_info(&row, impression, vec![])?;
        let maker = self.current_maker(tx).await?;
        row.seal = sign(&maker, &info)?;
        tx.insert_seal(&row).await?;
        Ok(row)
    }
}

/// Sign seal information with `maker`'s key: the `SESeal` (DER).
pub(super) fn sign(maker: &Issued, info: &SealInfo) -> Result<Vec<u8>, ApiError> {
    yizhao_ses::Seal::build(info, &maker.key, &maker.cert)
        .map(|s| s.to_der().to_vec())
        .map_err(|e| ApiError::internal(&e))
}

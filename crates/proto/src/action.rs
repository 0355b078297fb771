//! The signed actions: requests a wallet signs with its license key and posts as a
//! [`Signed`](crate::authority::Signed) envelope to one service's `/signed`. Each action is a
//! type naming its wire name, the service that runs it, and the JSON of its request (the
//! envelope's `payload`) and of its answer, so the wallet and the server agree by construction
//! instead of by string. The license key signs
//! [`proof_message`](crate::authority::proof_message)`(A::NAME, challenge, payload)`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::authority::{AddAdmin, AddAuthorization, EntityRef, GrantItem, GrantRef};
use crate::seal::{
    AddSealAdmin, AddSealGrant, CollectSeal, Collectable, CollectedSeal, CollectionDeleted,
    CollectionRef, ImpressionItem, ImpressionRecords, MySealGrants, SealAdminItem,
    SealAdminRemoved, SealGrantItem, SealGrantRef, SealGrantRevoked, SealItem, UploadImpression,
};

/// A service that takes signed requests at `{prefix}/signed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// The license authority, [`crate::authority::PREFIX`].
    LicenseAuthority,
    /// The seal authority, [`crate::seal::PREFIX`].
    SealAuthority,
}

impl Service {
    /// The service's API path prefix, e.g. `/seal/api/v1`.
    pub const fn prefix(self) -> &'static str {
        match self {
            Service::LicenseAuthority => crate::authority::PREFIX,
            Service::SealAuthority => crate::seal::PREFIX,
        }
    }

    /// The path signed requests are posted to, e.g. `/seal/api/v1/signed`.
    pub fn signed_path(self) -> String {
        format!("{}/signed", self.prefix())
    }
}

/// One signed action: its wire name, where it goes, what it carries and what it answers.
pub trait Action {
    /// The envelope's `action`, e.g. `admins.add`. Signed, so never renamed.
    const NAME: &'static str;
    /// The service whose `/signed` runs it.
    const SERVICE: Service;
    /// The payload (JSON text in the envelope).
    type Request: Serialize + DeserializeOwned;
    /// The answer.
    type Response: Serialize + DeserializeOwned;
}

/// The payload of actions that need none beyond the license: `{}` on the wire (any other
/// fields are ignored).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

macro_rules! actions {
    ($( $(#[$doc:meta])* $ty:ident = $name:literal at $service:ident: $req:ty => $resp:ty; )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct $ty;

            impl Action for $ty {
                const NAME: &'static str = $name;
                const SERVICE: Service = Service::$service;
                type Request = $req;
                type Response = $resp;
            }
        )*

        /// Every action's name and service.
        pub const ALL: &[(&str, Service)] = &[$(($name, Service::$service)),*];
    };
}

actions! {
    /// List the license admins of the entity.
    AdminsList = "admins.list" at LicenseAuthority: EntityRef => Vec<GrantItem>;
    /// Appoint a license admin (R5: at most five).
    AdminsAdd = "admins.add" at LicenseAuthority: AddAdmin => GrantItem;
    /// Remove a license admin.
    AdminsRemove = "admins.remove" at LicenseAuthority: GrantRef => GrantItem;
    /// List the agent authorizations of the entity.
    AuthorizationsList = "authorizations.list" at LicenseAuthority: EntityRef => Vec<GrantItem>;
    /// Authorize an agent (R6).
    AuthorizationsAdd = "authorizations.add" at LicenseAuthority: AddAuthorization => GrantItem;
    /// Revoke an agent authorization.
    AuthorizationsRevoke = "authorizations.revoke" at LicenseAuthority: GrantRef => GrantItem;

    /// List the seal admins of the entity (R15).
    SealAdminsList = "seal_admins.list" at SealAuthority: EntityRef => Vec<SealAdminItem>;
    /// Name a seal admin of one seal type (R15).
    SealAdminsAdd = "seal_admins.add" at SealAuthority: AddSealAdmin => SealAdminItem;
    /// Remove a seal admin.
    SealAdminsRemove = "seal_admins.remove" at SealAuthority: SealGrantRef => SealAdminRemoved;
    /// List the seal use grants the signer manages (R16).
    SealGrantsList = "seal_grants.list" at SealAuthority: EntityRef => Vec<SealGrantItem>;
    /// Grant the use of a seal type (R16).
    SealGrantsAdd = "seal_grants.add" at SealAuthority: AddSealGrant => SealGrantItem;
    /// Revoke a seal use grant.
    SealGrantsRevoke = "seal_grants.revoke" at SealAuthority: SealGrantRef => SealGrantRevoked;
    /// What the signer was given in its entity: seal admin appointments and use grants.
    SealGrantsMine = "seal_grants.mine" at SealAuthority: Empty => MySealGrants;
    /// Upload an impression (R13); the envelope's signature signs the upload.
    ImpressionsUpload = "impressions.upload" at SealAuthority: UploadImpression => ImpressionItem;
    /// The impression upload records of the entity (R13).
    ImpressionsList = "impressions.list" at SealAuthority: EntityRef => ImpressionRecords;
    /// The seal-making records of the entity.
    SealsList = "seals.list" at SealAuthority: EntityRef => Vec<SealItem>;
    /// The seals the signing license may collect, and through which grants (R14, R16).
    SealsCollectable = "seals.collectable" at SealAuthority: Empty => Vec<Collectable>;
    /// Collect a seal onto the signing license (R14).
    SealsCollect = "seals.collect" at SealAuthority: CollectSeal => CollectedSeal;
    /// The seals collected onto the signing license.
    SealsMine = "seals.mine" at SealAuthority: Empty => Vec<CollectedSeal>;
    /// Delete a collection of the signing license (R16).
    CollectionsDelete = "collections.delete" at SealAuthority: CollectionRef => CollectionDeleted;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::HashSet;

    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn names_are_unique_and_services_known() {
        let mut seen = HashSet::new();
        for (name, service) in ALL {
            assert!(seen.insert(*name), "{name} twice");
            assert!(
                service.signed_path().ends_with("/api/v1/signed"),
                "{service:?}"
            );
        }
        assert_eq!(ALL.len(), 20);
        assert_eq!(Service::SealAuthority.signed_path(), "/seal/api/v1/signed");
        assert_eq!(
            Service::LicenseAuthority.signed_path(),
            "/authority/api/v1/signed"
        );
    }

    /// `req` and `resp` parse as the action's types and serialize back to the same JSON: the
    /// wire shapes are pinned here.
    fn round_trip<A: Action>(req: Value, resp: Value) {
        assert!(
            ALL.contains(&(A::NAME, A::SERVICE)),
            "{} not in ALL",
            A::NAME
        );
        let r: A::Request = serde_json::from_value(req.clone()).expect(A::NAME);
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            req,
            "{} request",
            A::NAME
        );
        let r: A::Response = serde_json::from_value(resp.clone()).expect(A::NAME);
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            resp,
            "{} response",
            A::NAME
        );
    }

    fn person() -> Value {
        json!({"name": "张伟", "id_number": "420502199001011234", "phone": "13800000000"})
    }

    fn grant() -> Value {
        json!({
            "grant_id": "g1", "role": "agent", "name": "王强",
            "id_number_masked": "4205**********1234", "phone_masked": "138****0000",
            "period": [1, 2], "matters": ["all"], "status": "active", "downloads": 0,
        })
    }

    fn seal_admin() -> Value {
        json!({
            "id": "a1", "seal_type": "bid", "seal_type_name": "投标专用章", "name": "李娜",
            "id_number_masked": "4205**********1234", "appointed_at": 1,
        })
    }

    fn seal_grant() -> Value {
        json!({
            "id": "s1", "seal_type": "bid", "seal_type_name": "投标专用章", "name": "王强",
            "id_number_masked": "4205**********1234", "period": [1, 2], "reason": "投标",
            "matters": ["all"], "uses_total": 3, "uses_left": 2, "status": "active",
        })
    }

    fn impression() -> Value {
        json!({
            "id": "i1", "uscc": "91420500M000000000", "seal_type": "bid",
            "seal_type_name": "投标专用章", "shape": "round", "size_mm": [40, 40],
            "uploaded_at": 1, "state": "pending", "state_name": "待审核", "reason": null,
            "findings": [{"code": "impression.blurred", "message": "模糊"}],
        })
    }

    fn seal() -> Value {
        json!({
            "id": "e1", "uscc": "91420500M000000000", "seal_type": "bid", "name": "投标专用章",
            "valid": [1, 2], "made_at": 1, "superseded": false, "impression_id": "m1",
        })
    }

    fn collected() -> Value {
        json!({"collection_id": "c1", "seal": seal(), "grant_id": null, "der": "MAA=", "usable": true})
    }

    #[test]
    fn every_action_round_trips() {
        let entity = json!({"uscc": "91420500M000000000"});
        let grant_ref = json!({"uscc": "91420500M000000000", "grant_id": "g1"});
        let seal_ref = json!({"uscc": "91420500M000000000", "id": "s1"});
        round_trip::<AdminsList>(entity.clone(), json!([grant()]));
        round_trip::<AdminsAdd>(
            json!({"uscc": "91420500M000000000", "person": person()}),
            grant(),
        );
        round_trip::<AdminsRemove>(grant_ref.clone(), grant());
        round_trip::<AuthorizationsList>(entity.clone(), json!([grant()]));
        round_trip::<AuthorizationsAdd>(
            json!({
                "uscc": "91420500M000000000", "agent": person(), "start": null, "end": 5,
                "mode": "precise", "matters": ["egov.ndrc.bidding"],
            }),
            grant(),
        );
        round_trip::<AuthorizationsRevoke>(grant_ref, grant());
        round_trip::<SealAdminsList>(entity.clone(), json!([seal_admin()]));
        round_trip::<SealAdminsAdd>(
            json!({
                "uscc": "91420500M000000000", "seal_type": "bid", "name": "李娜",
                "id_number": "420502199001011234",
            }),
            seal_admin(),
        );
        round_trip::<SealAdminsRemove>(seal_ref.clone(), json!({"removed": "s1"}));
        round_trip::<SealGrantsList>(entity.clone(), json!([seal_grant()]));
        round_trip::<SealGrantsAdd>(
            json!({
                "uscc": "91420500M000000000", "seal_type": "bid", "name": "王强",
                "id_number": "420502199001011234", "start": 1, "end": 2, "reason": "投标",
                "mode": "all", "matters": [], "uses": 3,
            }),
            seal_grant(),
        );
        round_trip::<SealGrantsRevoke>(seal_ref, json!({"revoked": "s1"}));
        round_trip::<SealGrantsMine>(
            json!({}),
            json!({"admin_of": [seal_admin()], "use_grants": [seal_grant()]}),
        );
        round_trip::<ImpressionsUpload>(
            json!({
                "uscc": "91420500M000000000", "seal_type": "bid", "shape": "round",
                "width_mm": 40, "height_mm": 40, "picture": "iVBORw==", "accepted_terms": true,
            }),
            impression(),
        );
        round_trip::<ImpressionsList>(
            entity.clone(),
            json!({"open": [impression()], "valid": [], "invalid": []}),
        );
        round_trip::<SealsList>(entity, json!([seal()]));
        round_trip::<SealsCollectable>(
            json!({}),
            json!([{"seal": seal(), "direct": false, "grants": ["s1"]}]),
        );
        round_trip::<SealsCollect>(json!({"seal_id": "e1", "grant_id": "s1"}), collected());
        round_trip::<SealsMine>(json!({}), json!([collected()]));
        round_trip::<CollectionsDelete>(json!({"collection_id": "c1"}), json!({"deleted": "c1"}));
    }

    #[test]
    fn an_empty_payload_is_an_empty_object_and_ignores_extra_fields() {
        assert_eq!(serde_json::to_string(&Empty {}).unwrap(), "{}");
        let _: Empty = serde_json::from_str(r#"{"uscc": "x"}"#).unwrap();
        assert!(serde_json::from_str::<Empty>("\"x\"").is_err());
    }
}

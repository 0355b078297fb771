//! What a holder does with electronic seals on the phone (manual §3.3, R13–R16): upload an
//! impression processed here, read the records, collect a seal onto a license and keep its
//! `SESeal` in the home folder, export it, delete a wrong collection, and manage seal admins and
//! seal use grants. Every request is signed with a license and sent to the seal authority
//! (`POST /seal/api/v1/signed`).
//!
//! Collected seals live beside the licenses, one pair of files per collection:
//! ```text
//! seals/<collection_id>.esl   the SESeal as collected (GB/T 38540 DER)
//! seals/<collection_id>.json  what it is: license, seal, grant, when
//! seals/seal-root.der          the seal authority's root, pinned at the first collection
//! ```

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use yizhao_gm::crl::Crl;
use yizhao_gm::keystore::Password;
use yizhao_impression::Adjustments;
use yizhao_impression::form::{self, Design, Refusal};
use yizhao_proto::action::{
    Action, CollectionsDelete, Empty, ImpressionsList, ImpressionsUpload, SealAdminsAdd,
    SealAdminsList, SealAdminsRemove, SealGrantsAdd, SealGrantsList, SealGrantsMine,
    SealGrantsRevoke, SealsCollect, SealsCollectable, SealsList, SealsMine,
};
use yizhao_proto::authority::EntityRef;
use yizhao_proto::seal::{
    AddSealAdmin, AddSealGrant, CollectSeal, Collectable, CollectedSeal, CollectionDeleted,
    CollectionRef, ImpressionItem, ImpressionRecords, MySealGrants, SealAdminItem,
    SealAdminRemoved, SealGrantItem, SealGrantRef, SealGrantRevoked, SealItem, UploadImpression,
};
use yizhao_ses::SesError;

use crate::error::{Result, WalletError};
use crate::flows::Wallet;
use crate::home::{Home, StoredLicense, atomic_write};
use crate::time::now_unix;

const SEALS_DIR: &str = "seals";

/// The design of an impression: seal type, shape and size (from the catalogue).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealDesign {
    /// Seal type code, e.g. `bid`.
    pub seal_type: String,
    /// Shape code, e.g. `round`.
    pub shape: String,
    /// Width (mm).
    pub width_mm: u16,
    /// Height (mm).
    pub height_mm: u16,
}

/// A seal use grant to add (R16).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealUseGrantInput {
    /// Seal type code.
    pub seal_type: String,
    /// The user's name.
    pub name: String,
    /// The user's ID number (must hold a license authorization of the entity).
    pub id_number: String,
    /// Start (Unix seconds); the authority's default is now.
    pub start: Option<i64>,
    /// End (Unix seconds).
    pub end: i64,
    /// 用章事由 (shown, not enforced).
    pub reason: String,
    /// `None`: all matters; else the matter codes.
    pub matters: Option<Vec<String>>,
    /// 用章次数.
    pub uses: u32,
}

/// A seal held on this phone: a collection's description (its `SESeal` is the `.esl` file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldSeal {
    /// The collection's id.
    pub collection_id: String,
    /// The license it was collected onto.
    pub license_id: String,
    /// The seal.
    pub seal: SealItem,
    /// The grant it came through, if any.
    pub grant_id: Option<String>,
    /// When it was stored here (Unix seconds).
    pub stored_at: i64,
}

/// The seals of a license: held on this phone, and collected according to the seal authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MySeals {
    /// Held on this phone (for this license).
    pub local: Vec<HeldSeal>,
    /// Collected onto the license and not deleted, according to the seal authority (no DER).
    pub server: Vec<CollectedSummary>,
}

/// A collection as the seal authority lists it, without its DER.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CollectedSummary {
    /// The collection's id.
    pub collection_id: String,
    /// The seal.
    pub seal: SealItem,
    /// The grant it came through, if any.
    pub grant_id: Option<String>,
    /// Whether this phone holds it.
    pub on_this_phone: bool,
    /// Whether it may be used now (false: its seal was replaced, or its grant ended).
    pub usable: bool,
    /// The seal's picture (PNG) as its `SESeal` carries it, if it is a PNG.
    #[serde(skip)]
    pub picture_png: Option<Vec<u8>>,
}

/// The PNG picture a `SESeal` carries, if it parses and its picture is a PNG.
pub fn seal_picture_png(der: &[u8]) -> Option<Vec<u8>> {
    let seal = yizhao_ses::Seal::from_der(der).ok()?;
    let p = &seal.info().picture;
    (p.kind.eq_ignore_ascii_case("PNG") && p.data.starts_with(b"\x89PNG")).then(|| p.data.clone())
}

fn refused(code: &str, message: impl Into<String>) -> WalletError {
    WalletError::Refused {
        code: code.to_owned(),
        message: message.into(),
    }
}

impl From<Refusal> for WalletError {
    fn from(r: Refusal) -> Self {
        WalletError::Refused {
            code: r.code,
            message: r.message,
        }
    }
}

impl From<Design> for SealDesign {
    fn from(d: Design) -> Self {
        SealDesign {
            seal_type: d.seal_type.as_str().to_owned(),
            shape: d.shape.as_str().to_owned(),
            width_mm: d.width_mm,
            height_mm: d.height_mm,
        }
    }
}

impl SealDesign {
    /// The design checked against the catalogue.
    pub fn checked(&self) -> Result<Design> {
        Ok(Design::new(
            &self.seal_type,
            &self.shape,
            self.width_mm,
            self.height_mm,
        )?)
    }
}

/// Process a photo into an impression (PNG with alpha) and check its quality for `design`, as
/// the seal authority will: refused with the findings' Chinese messages if it fails.
pub fn prepare_impression(
    image: &[u8],
    adjustments: &Adjustments,
    design: &SealDesign,
) -> Result<Vec<u8>> {
    let design = design.checked()?;
    Ok(form::prepare(image, adjustments, &design)?.into_upload()?)
}

/// The seal authority's answer is checked before it is kept (§1.4 seal steps 1–4): a
/// well-formed GB/T 38540 seal whose maker signature verifies, made by a maker certificate under
/// the seal authority's `root`, valid `at` (Unix seconds) and not revoked according to `crl` (the
/// root's own, current at `at`), the seal asked for, holding this license's certificate.
/// A revoked maker, or a CRL that is not the root's or is stale, is refused with the seal
/// check's stable code (`ses.maker_revoked`, `ses.crl_invalid`, `ses.crl_stale`).
fn check_collected(
    c: &CollectedSeal,
    license: &StoredLicense,
    root: &yizhao_gm::x509::Certificate,
    crl: &Crl,
    at: u64,
) -> Result<()> {
    let bad = |what: &str| WalletError::Format(format!("领取到的印章无效: {what}"));
    let seal = yizhao_ses::Seal::from_der(&c.der).map_err(|e| bad(&e.to_string()))?;
    seal.check_structure().map_err(|e| bad(&e.to_string()))?;
    seal.verify(at).map_err(|e| bad(&e.to_string()))?;
    seal.verify_maker_chain(&[], std::slice::from_ref(root), at, Some(crl))
        .map_err(|e| match e {
            SesError::MakerRevoked | SesError::Crl(_) | SesError::CrlStale => {
                refused(e.code(), format!("已拒绝领取该印章：{e}"))
            }
            other => bad(&other.to_string()),
        })?;
    if seal.info().es_id != c.seal.id {
        return Err(bad("不是所领取的印章"));
    }
    if !seal.holds_certificate(&license.certificate) {
        return Err(bad("印章的证书列表里没有本执照的证书"));
    }
    Ok(())
}

/// The seal root's CRL as served, parsed (its issuer and dates are checked with the seal).
fn parse_crl(der: &[u8]) -> Result<Crl> {
    Crl::from_der(der).map_err(|e| {
        let e = SesError::Crl(e.to_string());
        refused(e.code(), format!("已拒绝领取该印章：{e}"))
    })
}

/// Whether `id` can name a file: the seal authority's ids are hex.
fn checked_id(id: &str) -> Result<&str> {
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(WalletError::Input(format!("印章领取编号无效: {id}")));
    }
    Ok(id)
}

/// The seal authority's root as first seen, kept beside the seals.
const SEAL_ROOT_FILE: &str = "seal-root.der";

/// The seal authority's root this phone trusts: the one it was given the first time it
/// collected a seal (kept in `seals/seal-root.der`), so a server that later hands out another
/// root can't slip in seals made under it. `offered` is what the server gives now; a different
/// root is refused.
pub fn pinned_seal_root(home: &Home, offered: &[u8]) -> Result<Vec<u8>> {
    let path = seals_dir(home).join(SEAL_ROOT_FILE);
    match fs::read(&path) {
        Ok(pinned) if pinned == offered => Ok(pinned),
        Ok(_) => Err(refused(
            "wallet.seal_root_changed",
            "电子印章系统的根证书与本手机首次领章时记录的不同，已拒绝领取。如系统确已更换根证书，请联系管理员核实后重新安装钱包。",
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            yizhao_gm::x509::Certificate::from_der(offered)
                .map_err(|e| WalletError::Format(format!("印章系统根证书无效: {e}")))?;
            fs::create_dir_all(seals_dir(home)).map_err(WalletError::io(seals_dir(home)))?;
            atomic_write(&path, offered)?;
            Ok(offered.to_vec())
        }
        Err(e) => Err(WalletError::io(path)(e)),
    }
}

fn seals_dir(home: &Home) -> PathBuf {
    home.dir().join(SEALS_DIR)
}

fn seal_file(home: &Home, collection_id: &str, ext: &str) -> Result<PathBuf> {
    Ok(seals_dir(home).join(format!("{}.{ext}", checked_id(collection_id)?)))
}

/// Keep a collected seal in the home folder: the DER first, then its description.
fn store_seal(home: &Home, license_id: &str, c: &CollectedSeal) -> Result<HeldSeal> {
    let dir = seals_dir(home);
    fs::create_dir_all(&dir).map_err(WalletError::io(&dir))?;
    atomic_write(&seal_file(home, &c.collection_id, "esl")?, &c.der)?;
    let held = HeldSeal {
        collection_id: c.collection_id.clone(),
        license_id: license_id.to_owned(),
        seal: c.seal.clone(),
        grant_id: c.grant_id.clone(),
        stored_at: now_unix(),
    };
    let json =
        serde_json::to_vec_pretty(&held).map_err(|e| WalletError::Format(format!("seal: {e}")))?;
    atomic_write(&seal_file(home, &c.collection_id, "json")?, &json)?;
    Ok(held)
}

/// The seals held on this phone, oldest first.
pub fn held_seals(home: &Home) -> Result<Vec<HeldSeal>> {
    let dir = seals_dir(home);
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(WalletError::io(dir)(e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.map_err(WalletError::io(&dir))?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let bytes = fs::read(&path).map_err(WalletError::io(&path))?;
        let held: HeldSeal = serde_json::from_slice(&bytes)
            .map_err(|e| WalletError::Format(format!("{}: {e}", path.display())))?;
        out.push(held);
    }
    out.sort_by(|a, b| (a.stored_at, &a.collection_id).cmp(&(b.stored_at, &b.collection_id)));
    Ok(out)
}

/// The `SESeal` (DER) of a seal held on this phone.
pub fn held_seal_der(home: &Home, collection_id: &str) -> Result<Vec<u8>> {
    let path = seal_file(home, collection_id, "esl")?;
    match fs::read(&path) {
        Ok(der) => Ok(der),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(WalletError::Input(format!(
            "本手机没有这枚印章: {collection_id}"
        ))),
        Err(e) => Err(WalletError::io(path)(e)),
    }
}

fn remove_held(home: &Home, collection_id: &str) -> Result<bool> {
    let mut removed = false;
    for ext in ["json", "esl"] {
        let path = seal_file(home, collection_id, ext)?;
        match fs::remove_file(&path) {
            Ok(()) => removed = true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(WalletError::io(path)(e)),
        }
    }
    Ok(removed)
}

/// Write a held seal's `SESeal` to `out` as is: the `.esl` file other GB/T 38540 tools read.
pub fn export_seal(home: &Home, collection_id: &str, out: &Path) -> Result<usize> {
    let der = held_seal_der(home, collection_id)?;
    fs::write(out, &der).map_err(WalletError::io(out))?;
    Ok(der.len())
}

impl Wallet {
    /// An action whose payload names the license's entity.
    async fn entity_request<A: Action<Request = EntityRef>>(
        &self,
        license: &str,
        password: &Password,
    ) -> Result<A::Response> {
        let lic = self.home().license(license)?;
        let payload = EntityRef {
            uscc: lic.uscc.clone(),
        };
        self.signed_as::<A>(&payload, &lic, password).await
    }

    /// An action about one appointment or grant (`id`) of the license's entity.
    async fn grant_ref_request<A: Action<Request = SealGrantRef>>(
        &self,
        license: &str,
        password: &Password,
        id: &str,
    ) -> Result<A::Response> {
        let lic = self.home().license(license)?;
        let payload = SealGrantRef {
            uscc: lic.uscc.clone(),
            id: id.to_owned(),
        };
        self.signed_as::<A>(&payload, &lic, password).await
    }

    /// Upload an impression (R13): the photo is processed here (crop, rotate, brightness,
    /// contrast, colour, transparency) and checked; a picture that fails the checks is refused
    /// with their Chinese messages before anything is sent. The upload is signed with the
    /// license; the terms must have been accepted.
    pub async fn upload_impression(
        &self,
        license: &str,
        password: &Password,
        image: &[u8],
        adjustments: &Adjustments,
        design: &SealDesign,
        accepted_terms: bool,
    ) -> Result<ImpressionItem> {
        if !accepted_terms {
            return Err(refused(
                "seal.terms_not_accepted",
                "请先勾选“本企业已阅读并同意”。",
            ));
        }
        let lic = self.home().license(license)?;
        let picture = prepare_impression(image, adjustments, design)?;
        let payload = UploadImpression {
            uscc: lic.uscc.clone(),
            seal_type: design.seal_type.clone(),
            shape: design.shape.clone(),
            width_mm: design.width_mm,
            height_mm: design.height_mm,
            picture,
            accepted_terms,
        };
        self.signed_as::<ImpressionsUpload>(&payload, &lic, password)
            .await
    }

    /// The upload records of the license's entity (R13).
    pub async fn impression_records(
        &self,
        license: &str,
        password: &Password,
    ) -> Result<ImpressionRecords> {
        self.entity_request::<ImpressionsList>(license, password)
            .await
    }

    /// The seal-making records of the license's entity.
    pub async fn seal_records(&self, license: &str, password: &Password) -> Result<Vec<SealItem>> {
        self.entity_request::<SealsList>(license, password).await
    }

    /// The seals the license may collect, and the grants to collect them through (R14, R16).
    pub async fn collectable(
        &self,
        license: &str,
        password: &Password,
    ) -> Result<Vec<Collectable>> {
        self.signed::<SealsCollectable>(&Empty {}, license, password)
            .await
    }

    /// Collect a seal onto the license (R14): the seal authority checks the license and issues
    /// an `SESeal` holding its certificate, which is kept in the home folder.
    pub async fn collect(
        &self,
        license: &str,
        password: &Password,
        seal_id: &str,
        grant_id: Option<&str>,
    ) -> Result<HeldSeal> {
        let lic = self.home().license(license)?;
        let payload = CollectSeal {
            seal_id: seal_id.to_owned(),
            grant_id: grant_id.map(str::to_owned),
        };
        let collected = self
            .signed_as::<SealsCollect>(&payload, &lic, password)
            .await?;
        let root = pinned_seal_root(self.home(), &self.client().seal_ca().await?.root)?;
        let root = yizhao_gm::x509::Certificate::from_der(&root)
            .map_err(|e| WalletError::Format(format!("印章系统根证书无效: {e}")))?;
        let crl = parse_crl(&self.client().seal_crl().await?)?;
        let at = u64::try_from(crate::time::now_unix()).unwrap_or(0);
        check_collected(&collected, &lic, &root, &crl, at)?;
        store_seal(self.home(), &lic.license_id, &collected)
    }

    /// The license's seals: those held on this phone and those the seal authority lists.
    pub async fn my_seals(&self, license: &str, password: &Password) -> Result<MySeals> {
        let lic = self.home().license(license)?;
        let server = self
            .signed_as::<SealsMine>(&Empty {}, &lic, password)
            .await?;
        let local: Vec<HeldSeal> = held_seals(self.home())?
            .into_iter()
            .filter(|h| h.license_id.eq_ignore_ascii_case(&lic.license_id))
            .collect();
        let server = server
            .into_iter()
            .map(|c| CollectedSummary {
                on_this_phone: local.iter().any(|h| h.collection_id == c.collection_id),
                picture_png: seal_picture_png(&c.der),
                usable: c.usable,
                collection_id: c.collection_id,
                seal: c.seal,
                grant_id: c.grant_id,
            })
            .collect();
        Ok(MySeals { local, server })
    }

    /// Delete a wrong collection (R16), at the seal authority and on this phone.
    pub async fn delete_collection(
        &self,
        license: &str,
        password: &Password,
        collection_id: &str,
    ) -> Result<CollectionDeleted> {
        checked_id(collection_id)?;
        let lic = self.home().license(license)?;
        let payload = CollectionRef {
            collection_id: collection_id.to_owned(),
        };
        let done = self
            .signed_as::<CollectionsDelete>(&payload, &lic, password)
            .await?;
        remove_held(self.home(), collection_id)?;
        Ok(done)
    }

    /// The seal admins of the license's entity (R15).
    pub async fn seal_admins_list(
        &self,
        license: &str,
        password: &Password,
    ) -> Result<Vec<SealAdminItem>> {
        self.entity_request::<SealAdminsList>(license, password)
            .await
    }

    /// Name a seal admin of one seal type (R15; the legal representative).
    pub async fn seal_admins_add(
        &self,
        license: &str,
        password: &Password,
        seal_type: &str,
        name: &str,
        id_number: &str,
    ) -> Result<SealAdminItem> {
        let lic = self.home().license(license)?;
        let payload = AddSealAdmin {
            uscc: lic.uscc.clone(),
            seal_type: seal_type.to_owned(),
            name: name.to_owned(),
            id_number: id_number.to_owned(),
        };
        self.signed_as::<SealAdminsAdd>(&payload, &lic, password)
            .await
    }

    /// Remove a seal admin.
    pub async fn seal_admins_remove(
        &self,
        license: &str,
        password: &Password,
        id: &str,
    ) -> Result<SealAdminRemoved> {
        self.grant_ref_request::<SealAdminsRemove>(license, password, id)
            .await
    }

    /// The seal use grants the license's holder manages (R16).
    pub async fn seal_grants_list(
        &self,
        license: &str,
        password: &Password,
    ) -> Result<Vec<SealGrantItem>> {
        self.entity_request::<SealGrantsList>(license, password)
            .await
    }

    /// Grant the use of a seal type (R16; the legal representative or its seal admin).
    pub async fn seal_grants_add(
        &self,
        license: &str,
        password: &Password,
        grant: SealUseGrantInput,
    ) -> Result<SealGrantItem> {
        let lic = self.home().license(license)?;
        let (mode, matters) = match grant.matters {
            None => ("all", Vec::new()),
            Some(codes) => ("precise", codes),
        };
        let payload = AddSealGrant {
            uscc: lic.uscc.clone(),
            seal_type: grant.seal_type,
            name: grant.name,
            id_number: grant.id_number,
            start: grant.start,
            end: grant.end,
            reason: grant.reason,
            mode: mode.to_owned(),
            matters,
            uses: grant.uses,
        };
        self.signed_as::<SealGrantsAdd>(&payload, &lic, password)
            .await
    }

    /// Revoke a seal use grant.
    pub async fn seal_grants_revoke(
        &self,
        license: &str,
        password: &Password,
        id: &str,
    ) -> Result<SealGrantRevoked> {
        self.grant_ref_request::<SealGrantsRevoke>(license, password, id)
            .await
    }

    /// What the license's holder was given in its entity: seal admin appointments and use
    /// grants (collection chooses among them).
    pub async fn seal_grants_mine(
        &self,
        license: &str,
        password: &Password,
    ) -> Result<MySealGrants> {
        self.signed::<SealGrantsMine>(&Empty {}, license, password)
            .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use yizhao_gm::keystore::KdfParams;
    use yizhao_gm::testing::SeededRng;

    use super::*;

    fn bid_round_40() -> SealDesign {
        SealDesign {
            seal_type: "bid".into(),
            shape: "round".into(),
            width_mm: 40,
            height_mm: 40,
        }
    }

    fn code(e: &WalletError) -> &str {
        e.code()
    }

    #[test]
    fn the_sample_photo_becomes_a_transparent_png_that_passes() {
        let png = prepare_impression(
            &yizhao_impression::sample::seal_photo(480),
            &Adjustments::default(),
            &bid_round_40(),
        )
        .unwrap();
        assert!(png.starts_with(b"\x89PNG"));
    }

    #[test]
    fn bad_pictures_and_designs_are_refused_on_the_phone_in_chinese() {
        let adj = Adjustments::default();
        let e = prepare_impression(b"", &adj, &bid_round_40()).unwrap_err();
        assert_eq!(code(&e), "impression.empty");
        let e = prepare_impression(b"not an image", &adj, &bid_round_40()).unwrap_err();
        assert_eq!(code(&e), "impression.not_an_image");
        // Blank paper: nothing is left after the transparency step.
        let blank = image::RgbImage::from_pixel(480, 480, image::Rgb([247, 245, 238]));
        let mut bytes = std::io::Cursor::new(Vec::new());
        blank.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
        let e = prepare_impression(bytes.get_ref(), &adj, &bid_round_40()).unwrap_err();
        assert_eq!(code(&e), "impression.quality");
        assert!(e.to_string().starts_with("印模图片质量不合格："), "{e}");
        // A small photo: the mark has too few pixels for 40 mm.
        let small = yizhao_impression::sample::seal_photo(120);
        let e = prepare_impression(&small, &adj, &bid_round_40()).unwrap_err();
        assert_eq!(code(&e), "impression.quality");
        let mut odd = bid_round_40();
        odd.width_mm = 41;
        odd.height_mm = 41;
        let e = prepare_impression(&small, &adj, &odd).unwrap_err();
        assert_eq!(code(&e), "seal.size_not_for_shape");
        odd.shape = "hexagon".into();
        let e = prepare_impression(&small, &adj, &odd).unwrap_err();
        assert_eq!(code(&e), "seal.unknown_shape");
    }

    fn collected(id: &str) -> CollectedSeal {
        CollectedSeal {
            collection_id: id.into(),
            seal: SealItem {
                id: "5ea1".into(),
                uscc: "91420500MA4F000X1A".into(),
                seal_type: "bid".into(),
                name: "宜昌市示范建设工程有限公司投标专用章".into(),
                valid: (1_795_000_000, 1_952_680_000),
                made_at: 1_795_000_000,
                superseded: false,
                impression_id: "1a".into(),
            },
            grant_id: None,
            der: vec![0x30, 0x03, 0x02, 0x01, 0x04],
            usable: true,
        }
    }

    #[test]
    fn a_collected_seal_is_kept_listed_exported_as_is_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let home =
            Home::open_with(dir.path(), KdfParams::INSECURE_FAST, &mut SeededRng::new(1)).unwrap();
        assert!(held_seals(&home).unwrap().is_empty());
        let c = collected("c011ec7");
        let held = store_seal(&home, "0a1b", &c).unwrap();
        assert_eq!(held.license_id, "0a1b");
        assert_eq!(held_seals(&home).unwrap(), vec![held]);
        let out = dir.path().join("out.esl");
        assert_eq!(export_seal(&home, "c011ec7", &out).unwrap(), c.der.len());
        assert_eq!(std::fs::read(&out).unwrap(), c.der);
        assert!(remove_held(&home, "c011ec7").unwrap());
        assert!(held_seals(&home).unwrap().is_empty());
        assert_eq!(
            code(&export_seal(&home, "c011ec7", &out).unwrap_err()),
            "wallet.input"
        );
        // An id from outside never names a path outside the seals folder.
        let e = store_seal(&home, "0a1b", &collected("../licenses")).unwrap_err();
        assert_eq!(code(&e), "wallet.input");
    }

    #[test]
    fn a_collected_seal_that_is_not_a_seal_for_this_license_is_not_kept() {
        let (root, _) = ca("root", None);
        let (c, license, _) = real_seal(&root);
        let crl = root_crl(&root, &[], 1_795_100_000);
        let e = check_collected(&collected("c011ec7"), &license, &root, &crl, 1_795_000_100)
            .unwrap_err();
        assert_eq!(code(&e), "wallet.format");
        assert!(e.to_string().contains("领取到的印章无效"), "{e}");

        // A real seal holding the license: kept only under its own root and within its dates.
        check_collected(&c, &license, &root, &crl, 1_795_000_100).unwrap();
        let (other_root, other_key) = ca("other", None);
        let other_crl = root_crl_with(&other_root, &other_key, &[], 1_795_100_000);
        let e = check_collected(&c, &license, &other_root, &other_crl, 1_795_000_100).unwrap_err();
        assert_eq!(code(&e), "wallet.format", "another root");
        let late = root_crl(&root, &[], 1_795_300_000);
        let e = check_collected(&c, &license, &root, &late, 1_795_200_000).unwrap_err();
        assert_eq!(code(&e), "wallet.format", "after the seal's end");
        // The same seal for another license is not kept.
        let mut other = license.clone();
        let (stranger, _) = ca("stranger", Some((&root, &ca_key_of_root())));
        other.certificate = stranger.to_der().to_vec();
        let e = check_collected(&c, &other, &root, &crl, 1_795_000_100).unwrap_err();
        assert_eq!(code(&e), "wallet.format", "another license");
    }

    /// The root's CRL listing `revoked`, current from 1_795_000_000 until `next_update`.
    fn root_crl(
        root: &yizhao_gm::x509::Certificate,
        revoked: &[(&[u8], u64)],
        next_update: u64,
    ) -> Crl {
        root_crl_with(root, &ca_key_of_root(), revoked, next_update)
    }

    fn root_crl_with(
        issuer: &yizhao_gm::x509::Certificate,
        key: &yizhao_gm::PrivateKey,
        revoked: &[(&[u8], u64)],
        next_update: u64,
    ) -> Crl {
        Crl::issue(issuer, key, 1_795_000_000, next_update, revoked).unwrap()
    }

    /// A collected seal (valid 1_795_000_000..1_795_100_000) made by a maker under `root`,
    /// holding `license`'s certificate, and that maker.
    fn real_seal(
        root: &yizhao_gm::x509::Certificate,
    ) -> (CollectedSeal, StoredLicense, yizhao_gm::x509::Certificate) {
        let (maker, maker_key) = ca("maker", Some((root, &ca_key_of_root())));
        let (holder, _) = ca("holder", Some((root, &ca_key_of_root())));
        let face = serde_json::json!({
            "uscc": "91420500MA4F000X1A", "name": "宜昌市示范建设工程有限公司",
            "kind": "有限责任公司", "legal_representative": "张伟",
            "registered_capital": "1000万元", "established": "2015-01-01",
            "business_term": "长期", "domicile": "宜昌", "business_scope": "施工",
            "registration_authority": "宜昌市市场监督管理局", "locality": "420502"
        });
        let license = StoredLicense {
            license_id: "0a1b".into(),
            uscc: "91420500MA4F000X1A".into(),
            entity_name: "宜昌市示范建设工程有限公司".into(),
            role: "legal_representative".into(),
            certificate: holder.to_der().to_vec(),
            chain: vec![],
            face: serde_json::from_value(face).unwrap(),
            downloaded_at: 1_795_000_000,
        };
        let info = yizhao_ses::seal::SealInfo {
            header: yizhao_ses::seal::Header::v4("test"),
            es_id: "5ea1".into(),
            property: yizhao_ses::seal::PropertyInfo {
                seal_type: 6,
                name: "宜昌市示范建设工程有限公司投标专用章".into(),
                cert_list: yizhao_ses::seal::CertList::Certs(vec![license.certificate.clone()]),
                create_date: 1_795_000_000,
                valid_start: 1_795_000_000,
                valid_end: 1_795_100_000,
            },
            picture: yizhao_ses::seal::Picture::png(
                yizhao_impression::sample::seal_photo(64),
                40,
                40,
            ),
            ext_datas: None,
        };
        let seal = yizhao_ses::Seal::build(&info, &maker_key, &maker).unwrap();
        let mut c = collected("c011ec7");
        c.der = seal.to_der().to_vec();
        (c, license, maker)
    }

    #[test]
    fn a_seal_is_kept_only_if_the_roots_current_crl_does_not_list_its_maker() {
        let (root, _) = ca("root", None);
        let (c, license, maker) = real_seal(&root);
        let at = 1_795_000_100;
        // A good CRL (listing another certificate): kept.
        let good = root_crl(&root, &[(&[0x7f, 0x01], at - 50)], at + 86_400);
        check_collected(&c, &license, &root, &good, at).unwrap();
        // The maker revoked: refused with the stable code and a Chinese message.
        let revoked = root_crl(&root, &[(maker.serial(), at - 50)], at + 86_400);
        let e = check_collected(&c, &license, &root, &revoked, at).unwrap_err();
        assert_eq!(code(&e), "ses.maker_revoked");
        assert!(e.to_string().contains("制章者证书已被吊销"), "{e}");
        // A CRL signed by another key (with the root's name): not the root's, refused.
        let stranger = yizhao_gm::x509::Certificate::issue(
            &yizhao_gm::x509::CertificateParams {
                subject: yizhao_gm::x509::DistinguishedName {
                    country: Some("CN".into()),
                    organization: Some("test".into()),
                    organizational_unit: None,
                    common_name: "root".into(),
                    serial_number: None,
                },
                serial: vec![9],
                not_before: 1_794_000_000,
                not_after: 1_800_000_000,
                kind: yizhao_gm::x509::CertKind::Ca { path_len: Some(0) },
                extensions: vec![],
            },
            &stranger_key().public_key(),
            yizhao_gm::x509::Issuer::SelfSigned(&stranger_key()),
        )
        .unwrap();
        let forged = root_crl_with(&stranger, &stranger_key(), &[], at + 86_400);
        let e = check_collected(&c, &license, &root, &forged, at).unwrap_err();
        assert_eq!(code(&e), "ses.crl_invalid");
        assert!(e.to_string().contains("吊销列表无效"), "{e}");
        // A stale CRL (nextUpdate before now), even one that lists nobody: refused.
        let stale = root_crl(&root, &[], at - 1);
        let e = check_collected(&c, &license, &root, &stale, at).unwrap_err();
        assert_eq!(code(&e), "ses.crl_stale");
        assert!(e.to_string().contains("已过期"), "{e}");
        // Bytes that are no CRL at all.
        let e = parse_crl(b"not a crl").unwrap_err();
        assert_eq!(code(&e), "ses.crl_invalid");
        assert_eq!(parse_crl(good.to_der()).unwrap(), good);
    }

    fn stranger_key() -> yizhao_gm::PrivateKey {
        yizhao_gm::PrivateKey::generate(yizhao_gm::SuiteId::Gm, &mut SeededRng::new(4242))
    }

    #[test]
    fn the_seal_root_is_pinned_at_first_use() {
        let dir = tempfile::tempdir().unwrap();
        let home =
            Home::open_with(dir.path(), KdfParams::INSECURE_FAST, &mut SeededRng::new(1)).unwrap();
        let e = pinned_seal_root(&home, b"not a certificate").unwrap_err();
        assert_eq!(code(&e), "wallet.format", "garbage is not pinned");
        let (root, _) = ca("root", None);
        let (other, _) = ca("other", None);
        let (root, other) = (root.to_der().to_vec(), other.to_der().to_vec());
        assert_eq!(pinned_seal_root(&home, &root).unwrap(), root);
        assert_eq!(
            pinned_seal_root(&home, &root).unwrap(),
            root,
            "the same root again"
        );
        let e = pinned_seal_root(&home, &other).unwrap_err();
        assert_eq!(code(&e), "wallet.seal_root_changed");
        assert_eq!(
            std::fs::read(dir.path().join("seals").join(SEAL_ROOT_FILE)).unwrap(),
            root,
            "the pin is unchanged"
        );
        assert!(
            held_seals(&home).unwrap().is_empty(),
            "the pin is not a seal"
        );
    }

    /// The one root key of these tests (deterministic).
    fn ca_key_of_root() -> yizhao_gm::PrivateKey {
        yizhao_gm::PrivateKey::generate(yizhao_gm::SuiteId::Gm, &mut SeededRng::new(42))
    }

    /// A certificate named `cn`: a CA under `issuer`, or the self-signed root (key seed 42; any
    /// other name gets a key of its own).
    fn ca(
        cn: &str,
        issuer: Option<(&yizhao_gm::x509::Certificate, &yizhao_gm::PrivateKey)>,
    ) -> (yizhao_gm::x509::Certificate, yizhao_gm::PrivateKey) {
        use yizhao_gm::x509::{CertKind, CertificateParams, DistinguishedName, Issuer};
        let key = if cn == "root" {
            ca_key_of_root()
        } else {
            yizhao_gm::PrivateKey::generate(
                yizhao_gm::SuiteId::Gm,
                &mut SeededRng::new(cn.len() as u64 + 7),
            )
        };
        let params = CertificateParams {
            subject: DistinguishedName {
                country: Some("CN".into()),
                organization: Some("test".into()),
                organizational_unit: None,
                common_name: cn.into(),
                serial_number: None,
            },
            serial: vec![cn.len() as u8 + 1],
            not_before: 1_794_000_000,
            not_after: 1_800_000_000,
            kind: if issuer.is_none() {
                CertKind::Ca { path_len: Some(0) }
            } else {
                CertKind::Signing
            },
            extensions: vec![],
        };
        let by = match issuer {
            Some((cert, key)) => Issuer::Ca { cert, key },
            None => Issuer::SelfSigned(&key),
        };
        let cert = yizhao_gm::x509::Certificate::issue(&params, &key.public_key(), by).unwrap();
        (cert, key)
    }
}

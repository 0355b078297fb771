//! Scanning a QR code (SYSTEM.md §4, steps 2–3): read the link (from text or an image), fetch
//! the signed request from the platform the link names, check that a relying party registered
//! with the license authority for that matter signed it, show who asks and what, and answer with
//! a license key.

mod flows;

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use yizhao_domain::qr::QrKind;
use yizhao_gm::x509::Certificate;
use yizhao_proto::qr::{QrAnswer, QrRequestBody, QrStatus, parse_qr_link, qr_answer_message};

use self::flows::PhoneFlow;
pub use self::flows::impression::ImpressionAsked;
use crate::error::{Result, WalletError};
use crate::flows::Wallet;
use crate::time::now_unix;

/// Largest image (file or upload) read for a QR code: 10 MiB.
pub const IMAGE_MAX_BYTES: usize = 10 * 1024 * 1024;

/// Largest width or height of an image read for a QR code, in pixels.
const IMAGE_MAX_SIDE: u32 = 12_000;

/// A relying party as its certificate says, after checking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requester {
    /// Id registered with the authority.
    pub id: String,
    /// Registered name (the certificate's common name): the one to show.
    pub name: String,
    /// Matters it may ask for.
    pub matters: Vec<String>,
}

/// A license of this phone that can answer a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LicenseChoice {
    /// License id.
    pub license_id: String,
    /// The entity's USCC.
    pub uscc: String,
    /// The entity's name.
    pub entity_name: String,
    /// `legal_representative`, `license_admin` or `agent`.
    pub role: String,
}

/// A checked request, ready to show and to answer.
#[derive(Debug, Clone, Serialize)]
pub struct ScanPreview {
    /// The platform's base URL, from the QR link.
    pub base: String,
    /// Request id.
    pub id: String,
    /// Who asks, from the requester certificate (never the claimed name).
    pub requester: Requester,
    /// `login`, `sign`, …
    pub kind: String,
    /// Matter code.
    pub matter: String,
    /// The matter's Chinese name, if it is in the catalogue.
    pub matter_name: Option<String>,
    /// Expiry (Unix seconds).
    pub expires_at: i64,
    /// The licenses of this phone that could answer (certificate valid now; for an impression,
    /// only those of the uploading entity).
    pub licenses: Vec<LicenseChoice>,
    /// For a request of kind `impression`: the upload the phone is asked to sign.
    pub impression: Option<ImpressionAsked>,
    /// The signed body text, exactly as received (what the answer signs).
    #[serde(skip)]
    body_json: String,
    /// The request's nonce.
    #[serde(skip)]
    nonce: String,
    /// What its kind asks, and how to answer it.
    #[serde(skip)]
    asked: Arc<dyn PhoneFlow>,
}

impl ScanPreview {
    /// The request body text exactly as signed by the requester.
    pub fn body_json(&self) -> &str {
        &self.body_json
    }

    /// What the phone shows once its answer is accepted.
    pub fn done_title(&self) -> &'static str {
        self.asked.done_title()
    }
}

/// The Chinese name of a request kind (the wire name itself if the kind is unknown).
pub fn kind_name(kind: &str) -> &str {
    QrKind::parse(kind).map_or(kind, |k| k.label())
}

/// Check a relying-party certificate against the authority's issuing CA and root at `at`
/// (the one check the services use too, [`yizhao_credential::verify_relying_party`]): chains to
/// the root through the issuing CA, is valid now and for signing, carries the relying party's
/// id and matters, and lists `matter`.
pub fn verify_requester(
    cert_der: &[u8],
    issuing: &Certificate,
    root: &Certificate,
    at: u64,
    matter: &str,
) -> Result<Requester> {
    let v = yizhao_credential::verify_relying_party(cert_der, issuing, root, at, matter)?;
    Ok(Requester {
        id: v.id,
        name: v.name,
        matters: v.matters,
    })
}

/// What scanning makes of a request's `kind` and `payload` (fields of the signed body) before
/// anything is shown: the payload read and checked as its kind says, or the refusal; for kind
/// `impression`, the upload the phone would show. [`Wallet::fetch_request`] does this after the
/// signature checks; the fuzz targets (`fuzz/` at the workspace root) call it on hostile input.
pub fn read_request(kind: &str, payload: serde_json::Value) -> Result<Option<ImpressionAsked>> {
    Ok(flows::read(kind, payload)?.impression().cloned())
}

/// Read the QR code in an image file (PNG or JPEG); gives its text, unchecked.
pub fn decode_qr_image(path: &Path) -> Result<String> {
    let meta = std::fs::metadata(path).map_err(WalletError::io(path))?;
    if meta.len() > IMAGE_MAX_BYTES as u64 {
        return Err(too_large());
    }
    let bytes = std::fs::read(path).map_err(WalletError::io(path))?;
    decode_qr_bytes(&bytes)
}

fn too_large() -> WalletError {
    WalletError::QrUnreadable(format!(
        "图片太大，最大 {} MiB",
        IMAGE_MAX_BYTES / (1024 * 1024)
    ))
}

/// Read the QR code in an image held in memory (PNG or JPEG, e.g. an uploaded photo or
/// screenshot); gives its text, unchecked. Empty, oversized (over [`IMAGE_MAX_BYTES`]) or
/// undecodable input and images without a readable QR code give [`WalletError::QrUnreadable`].
pub fn decode_qr_bytes(bytes: &[u8]) -> Result<String> {
    if bytes.is_empty() {
        return Err(WalletError::QrUnreadable("图片为空".into()));
    }
    if bytes.len() > IMAGE_MAX_BYTES {
        return Err(too_large());
    }
    let not_image = || WalletError::QrUnreadable("不是可识别的图片（支持 PNG、JPEG）".into());
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| not_image())?;
    if reader.format().is_none() {
        return Err(not_image());
    }
    // A small file can still claim a huge picture: bound what decoding may allocate.
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(IMAGE_MAX_SIDE);
    limits.max_image_height = Some(IMAGE_MAX_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let img = reader.decode().map_err(|_| not_image())?.to_luma8();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
        // x < w and y < h, which came from u32.
        img.get_pixel(x as u32, y as u32).0[0]
    });
    prepared
        .detect_grids()
        .into_iter()
        .find_map(|g| g.decode().ok().map(|(_, text)| text))
        .ok_or_else(|| WalletError::QrUnreadable("请上传包含完整、清晰二维码的图片".into()))
}

impl Wallet {
    /// Fetch and check the request a QR link points to (SYSTEM.md §4 step 2): the link must be
    /// one of this system's; the request is fetched from the link's own platform; it must be
    /// signed with the requester certificate's key; that certificate must be issued by the
    /// authority (this wallet's `--server`) to a relying party registered for the request's
    /// matter; the request must not have expired (wallet clock).
    pub async fn fetch_request(&self, link: &str) -> Result<ScanPreview> {
        let (base, id) = parse_qr_link(link.trim()).ok_or(WalletError::BadQr)?;
        let signed = self.client().qr_request(&base, &id).await?;
        let bad = |m: &str| WalletError::Format(format!("二维码请求无效: {m}"));
        let cert = Certificate::from_der(&signed.requester_certificate)
            .map_err(|_| WalletError::RequesterInvalid("无法解析".into()))?;
        cert.public_key()?
            .verify(signed.body.as_bytes(), &signed.signature)
            .map_err(|_| WalletError::BadRequestSignature)?;
        let body: QrRequestBody =
            serde_json::from_str(&signed.body).map_err(|_| bad("内容无法解析"))?;
        if body.id != id {
            return Err(bad("请求编号与二维码不符"));
        }
        let ca = self.client().ca().await?;
        let issuing =
            Certificate::from_der(&ca.issuing).map_err(|_| bad("签发 CA 证书无法解析"))?;
        let root = Certificate::from_der(&ca.root).map_err(|_| bad("根 CA 证书无法解析"))?;
        let now = now_unix();
        let at = u64::try_from(now).unwrap_or(0);
        let requester = verify_requester(
            &signed.requester_certificate,
            &issuing,
            &root,
            at,
            &body.matter,
        )?;
        if requester.id != body.requester_id {
            return Err(WalletError::RequesterInvalid("与请求中的请求方不符".into()));
        }
        if body.expires_at <= now {
            return Err(WalletError::QrExpired);
        }
        let asked = flows::read(&body.kind, body.payload)?;
        let licenses = self
            .home()
            .licenses()?
            .into_iter()
            .filter(|l| asked.may_answer(&l.uscc))
            .filter(|l| {
                Certificate::from_der(&l.certificate)
                    .map(|c| {
                        let (from, to) = c.validity();
                        from <= at && at <= to
                    })
                    .unwrap_or(false)
            })
            .map(|l| LicenseChoice {
                license_id: l.license_id,
                uscc: l.uscc,
                entity_name: l.entity_name,
                role: l.role,
            })
            .collect();
        Ok(ScanPreview {
            base,
            id,
            requester,
            kind: body.kind,
            matter_name: yizhao_domain::authority::matter(&body.matter).map(|m| m.name.to_owned()),
            matter: body.matter,
            expires_at: body.expires_at,
            licenses,
            impression: asked.impression().cloned(),
            asked,
            body_json: signed.body,
            nonce: body.nonce,
        })
    }

    /// Answer a checked request with a license (id or USCC) of this phone (SYSTEM.md §4 step
    /// 3): sign [`qr_answer_message`] with the license key and post the answer to the
    /// platform. The status carries the short code both screens show. A `login` request is
    /// answered with the proof alone; an `impression` request also with the license's
    /// signature over the upload it carries (the seal authority's `impressions.upload`), only
    /// for a license of the uploading entity (see [`flows`]).
    pub async fn answer_request(
        &self,
        preview: &ScanPreview,
        license: &str,
        password: &crate::Password,
    ) -> Result<QrStatus> {
        if preview.expires_at <= now_unix() {
            return Err(WalletError::QrExpired);
        }
        let lic = self.home().license(license)?;
        let msg = qr_answer_message(&preview.body_json, &preview.nonce);
        // Signing opens the keystore (its key derivation): off the async workers.
        let (asked, wallet, lic_, password) = (
            preview.asked.clone(),
            self.clone(),
            lic.clone(),
            password.clone(),
        );
        let (signature, payload) =
            crate::home::off_the_runtime(move || asked.sign(&wallet, &lic_, &password, &msg))
                .await?;
        let answer = QrAnswer {
            request_id: preview.id.clone(),
            nonce: preview.nonce.clone(),
            certificate: lic.certificate,
            chain: lic.chain,
            signature,
            payload,
        };
        self.client()
            .qr_answer(&preview.base, &preview.id, &answer)
            .await
    }
}

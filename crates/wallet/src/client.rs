//! The HTTP client of the license authority's API (`/authority/api/v1`), and of the other
//! services that take license-signed requests (the seal authority, `/seal/api/v1`).

use std::fmt;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use yizhao_proto::ErrorEnvelope;
use yizhao_proto::action::Action;
use yizhao_proto::authority::{
    CaInfo, Challenge, Declaration, DownloadRequest, DownloadedLicense, LicenseList, MatterItem,
    OutboxMessage, PREFIX, RealNameConfirm, RealNameRequest, RealNameStarted, RealNameVerified,
    Signed, StatusRequest, StatusResponse,
};

use yizhao_proto::seal::SealTypeItem;

use yizhao_proto::qr::{QrAnswer, QrStatus, SignedQrRequest, qr_link};

use crate::error::{Result, WalletError};

/// The default server, `yizhao serve`'s default address.
pub const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

/// How long to wait for the authority to accept a connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one request may take, answer included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A client of one license authority.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// Scheme, host and port: where every service lives.
    server: String,
    /// The license authority's API.
    base: String,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("base", &self.base).finish()
    }
}

impl Client {
    /// A client of the authority at `server` (scheme, host and port, e.g.
    /// `http://127.0.0.1:8080`).
    pub fn new(server: &str) -> Result<Self> {
        let server = server.trim_end_matches('/');
        if !(server.starts_with("http://") || server.starts_with("https://")) {
            return Err(WalletError::Input(format!(
                "服务器地址应以 http:// 或 https:// 开头: {server}"
            )));
        }
        reqwest::Url::parse(server)
            .map_err(|e| WalletError::Input(format!("服务器地址无效: {e}")))?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("yizhao-wallet/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| WalletError::Network(e.to_string()))?;
        Ok(Client {
            http,
            server: server.to_owned(),
            base: format!("{server}{PREFIX}"),
        })
    }

    /// `GET /matters`: the catalogue of matters.
    pub async fn matters(&self) -> Result<Vec<MatterItem>> {
        self.send(self.http.get(self.url("/matters"))).await
    }

    /// `GET /declaration`: the download declaration.
    pub async fn declaration(&self) -> Result<Declaration> {
        self.send(self.http.get(self.url("/declaration"))).await
    }

    /// `GET /ca`: the authority's CA certificates.
    pub async fn ca(&self) -> Result<CaInfo> {
        self.send(self.http.get(self.url("/ca"))).await
    }

    /// `POST /realname`: start real-name verification; a code goes to the phone.
    pub async fn realname(&self, req: &RealNameRequest) -> Result<RealNameStarted> {
        self.post("/realname", req).await
    }

    /// `POST /realname/confirm`: finish it with the code; gives the token.
    pub async fn realname_confirm(&self, req: &RealNameConfirm) -> Result<RealNameVerified> {
        self.post("/realname/confirm", req).await
    }

    /// `GET /licenses?locality=…`: the licenses of a locality the verified person may download.
    pub async fn licenses(&self, token: &str, locality: &str) -> Result<LicenseList> {
        let req = self
            .http
            .get(self.url_with("/licenses", "locality", locality)?)
            .header(reqwest::header::AUTHORIZATION, realname_header(token));
        self.send(req).await
    }

    /// `POST /licenses`: download a license for this phone's fresh key.
    pub async fn download(&self, token: &str, req: &DownloadRequest) -> Result<DownloadedLicense> {
        let req = self
            .http
            .post(self.url("/licenses"))
            .header(reqwest::header::AUTHORIZATION, realname_header(token))
            .json(req);
        self.send(req).await
    }

    /// `POST /challenges`: a fresh single-use challenge.
    pub async fn challenge(&self) -> Result<Challenge> {
        self.send(self.http.post(self.url("/challenges"))).await
    }

    /// `POST {prefix}/signed` of the service that runs the action `A` (the license authority
    /// or the seal authority): a request made with a license, signed over a challenge of the
    /// license authority.
    pub async fn signed<A: Action>(&self, signed: &Signed) -> Result<A::Response> {
        let url = format!("{}{}", self.server, A::SERVICE.signed_path());
        self.send(self.http.post(url).json(signed)).await
    }

    /// `GET /seal/api/v1/catalogue`: the seal types, their shapes and sizes.
    pub async fn catalogue(&self) -> Result<Vec<SealTypeItem>> {
        let url = format!("{}{}/catalogue", self.server, yizhao_proto::seal::PREFIX);
        self.send(self.http.get(url)).await
    }

    /// `GET /seal/api/v1/ca`: the seal authority's root CA.
    pub async fn seal_ca(&self) -> Result<yizhao_proto::seal::SealCa> {
        let url = format!("{}{}/ca", self.server, yizhao_proto::seal::PREFIX);
        self.send(self.http.get(url)).await
    }

    /// `GET /seal/api/v1/crl`: the seal root's CRL (DER) of revoked maker certificates, as
    /// served; the caller checks it against the root it trusts.
    pub async fn seal_crl(&self) -> Result<Vec<u8>> {
        let url = format!("{}{}/crl", self.server, yizhao_proto::seal::PREFIX);
        self.send_raw(self.http.get(url)).await
    }

    /// `POST /status`: whether a license may be used now.
    pub async fn status(&self, req: &StatusRequest) -> Result<StatusResponse> {
        self.post("/status", req).await
    }

    /// `GET /dev/outbox?phone=…`: codes sent by the built-in identity proofing (demo, tests).
    pub async fn outbox(&self, phone: &str) -> Result<Vec<OutboxMessage>> {
        let req = self.http.get(self.url_with("/dev/outbox", "phone", phone)?);
        self.send(req).await
    }

    /// `GET {base}/qr/{id}`: a relying party's signed QR request. `base` is the QR link's own
    /// base (the platform), not this client's authority.
    pub async fn qr_request(&self, base: &str, id: &str) -> Result<SignedQrRequest> {
        self.send(self.http.get(qr_link(base, id))).await
    }

    /// `POST {base}/qr/{id}/answer`: answer a QR request; gives its status (with the short code).
    pub async fn qr_answer(&self, base: &str, id: &str, answer: &QrAnswer) -> Result<QrStatus> {
        let url = format!("{}/answer", qr_link(base, id));
        self.send(self.http.post(url).json(answer)).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The URL with one query parameter, percent-encoded.
    fn url_with(&self, path: &str, key: &str, value: &str) -> Result<reqwest::Url> {
        reqwest::Url::parse_with_params(&self.url(path), &[(key, value)])
            .map_err(|e| WalletError::Input(format!("服务器地址无效: {e}")))
    }

    async fn post<B: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<R> {
        self.send(self.http.post(self.url(path)).json(body)).await
    }

    async fn send<R: DeserializeOwned>(&self, req: reqwest::RequestBuilder) -> Result<R> {
        let bytes = self.send_raw(req).await?;
        serde_json::from_slice(&bytes)
            .map_err(|e| WalletError::Format(format!("服务器应答无法解析: {e}")))
    }

    /// The body of a successful answer as is; an error answer becomes the server's refusal.
    async fn send_raw(&self, req: reqwest::RequestBuilder) -> Result<Vec<u8>> {
        let resp = req
            .send()
            .await
            .map_err(|e| WalletError::Network(network_message(&e)))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| WalletError::Network(network_message(&e)))?;
        if !status.is_success() {
            return Err(match serde_json::from_slice::<ErrorEnvelope>(&bytes) {
                Ok(env) => WalletError::Server {
                    status: status.as_u16(),
                    code: env.error.code,
                    message: env.error.message,
                },
                Err(_) => WalletError::Http {
                    status: status.as_u16(),
                },
            });
        }
        Ok(bytes.to_vec())
    }
}

fn realname_header(token: &str) -> String {
    format!("RealName {token}")
}

/// The error and its causes on one line; reqwest errors carry no secrets but the URL.
fn network_message(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

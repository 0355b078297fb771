//! What a person does with the phone (manual §3.1): real-name verification, license download,
//! admins and agent authorizations, credential status. Each flow is one async function over a
//! [`Home`] and a [`Client`].

use yizhao_gm::keystore::Password;
use yizhao_gm::x509::Certificate;
use yizhao_gm::{CryptoRng, PrivateKey, SuiteId};
use yizhao_proto::action::{
    Action, AdminsAdd, AdminsList, AdminsRemove, AuthorizationsAdd, AuthorizationsList,
    AuthorizationsRevoke,
};
use yizhao_proto::authority::{
    AddAdmin, AddAuthorization, DownloadRequest, EntityRef, GrantItem, GrantRef, LicenseList,
    PersonInput, RealNameConfirm, RealNameRequest, RealNameStarted, Signed, StatusBody,
    StatusRequest, download_pop_message, proof_message,
};

use crate::client::Client;
use crate::error::{Result, WalletError};
use crate::home::{Home, RealNameSession, StoredLicense, key_label};
use crate::time::now_unix;

/// What an agent authorization covers (R6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matters {
    /// 全业务授权: every matter.
    All,
    /// 精准授权: the named matter codes only.
    Precise(Vec<String>),
}

/// An agent authorization to add (R6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentAuthorization {
    /// The agent.
    pub agent: PersonInput,
    /// Start (Unix seconds); the authority's default is now.
    pub start: Option<i64>,
    /// End (Unix seconds); the authority's default is start + 3 days.
    pub end: Option<i64>,
    /// All business or precise matters.
    pub matters: Matters,
}

/// The phone: its home folder and the authority it talks to.
#[derive(Debug, Clone)]
pub struct Wallet {
    home: Home,
    client: Client,
}

impl Wallet {
    /// A wallet over `home` talking to `client`'s authority.
    pub fn new(home: Home, client: Client) -> Self {
        Wallet { home, client }
    }

    /// The home folder.
    pub fn home(&self) -> &Home {
        &self.home
    }

    /// The authority client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Start real-name verification (R2): the authority sends a code to the phone.
    pub async fn realname(
        &self,
        name: &str,
        id_number: &str,
        phone: &str,
    ) -> Result<RealNameStarted> {
        let req = RealNameRequest {
            name: name.to_owned(),
            id_number: id_number.to_owned(),
            phone: phone.to_owned(),
        };
        self.client.realname(&req).await
    }

    /// Finish real-name verification with the code; the token is kept in `state.json`.
    pub async fn confirm(&self, session: &str, code: &str) -> Result<RealNameSession> {
        let req = RealNameConfirm {
            session: session.to_owned(),
            code: code.to_owned(),
        };
        let verified = self.client.realname_confirm(&req).await?;
        let kept = RealNameSession {
            name: verified.name,
            token: verified.token,
            expires_at: verified.expires_at,
        };
        self.home.set_realname(kept.clone())?;
        Ok(kept)
    }

    /// The downloadable and downloaded licenses of a registration locality (R3).
    pub async fn list_licenses(&self, locality: &str) -> Result<LicenseList> {
        let token = self.token()?;
        self.client.licenses(&token, locality).await
    }

    /// Download a license to this phone (R2, R3, R7): accept the declaration, make a fresh SM2
    /// key, prove possession, and keep the key under the device password.
    pub async fn download(
        &self,
        uscc: &str,
        grant_id: Option<&str>,
        accept_declaration: bool,
        password: &Password,
        rng: &mut (dyn CryptoRng + Send),
    ) -> Result<StoredLicense> {
        if !accept_declaration {
            return Err(WalletError::DeclarationNotAccepted);
        }
        let token = self.token()?;
        // Check the password before the authority issues anything this phone could not keep.
        drop(self.home.unlock_blocking(password).await?);
        let declaration = self.client.declaration().await?;
        let key = PrivateKey::generate(SuiteId::Gm, rng);
        let spki = key.public_key().to_spki_der()?;
        let pop = key.sign(&download_pop_message(&token, uscc, &spki))?;
        let req = DownloadRequest {
            uscc: uscc.to_owned(),
            grant_id: grant_id.map(str::to_owned),
            accepted_declaration: Some(declaration.version),
            device_public_key: spki,
            proof_of_possession: pop,
        };
        let got = self.client.download(&token, &req).await?;
        if !got.face.uscc.eq_ignore_ascii_case(uscc) {
            return Err(WalletError::Format("下载到的不是所选企业的执照".into()));
        }
        let cert = Certificate::from_der(&got.certificate)
            .map_err(|e| WalletError::Format(format!("执照证书无法解析: {e}")))?;
        if cert.public_key()? != key.public_key() {
            return Err(WalletError::Format("执照证书的公钥不是本机密钥".into()));
        }
        let stored = StoredLicense {
            license_id: got.license_id,
            uscc: got.face.uscc.clone(),
            entity_name: got.face.name.clone(),
            role: got.role,
            certificate: got.certificate,
            chain: got.chain,
            face: got.face,
            downloaded_at: now_unix(),
        };
        self.home
            .store_license(stored.clone(), key, password, rng)?;
        Ok(stored)
    }

    /// Make the signed action `A` with a license (`license` is a license id or USCC): fetch a
    /// challenge, sign [`proof_message`]`(A::NAME, …)` with the license key, and post it to
    /// the `/signed` of the service that runs `A`.
    pub async fn signed<A: Action>(
        &self,
        request: &A::Request,
        license: &str,
        password: &Password,
    ) -> Result<A::Response> {
        let lic = self.home.license(license)?;
        self.signed_as::<A>(request, &lic, password).await
    }

    /// [`Wallet::signed`] with a license already looked up.
    pub(crate) async fn signed_as<A: Action>(
        &self,
        request: &A::Request,
        license: &StoredLicense,
        password: &Password,
    ) -> Result<A::Response> {
        let signed = self.sign_request::<A>(request, license, password).await?;
        self.client.signed::<A>(&signed).await
    }

    /// The envelope of a request made with a license: fetch a challenge from the license
    /// authority, sign [`proof_message`] with the license key.
    async fn sign_request<A: Action>(
        &self,
        request: &A::Request,
        license: &StoredLicense,
        password: &Password,
    ) -> Result<Signed> {
        let payload = serde_json::to_string(request)
            .map_err(|e| WalletError::Format(format!("payload: {e}")))?;
        // Unlock first: a wrong password should not cost a challenge.
        let keystore = self.home.unlock_blocking(password).await?;
        let key = keystore
            .get(&key_label(&license.license_id))
            .ok_or_else(|| WalletError::NoLicense(license.license_id.clone()))?;
        let challenge = self.client.challenge().await?.challenge;
        let signature = key.sign(&proof_message(A::NAME, &challenge, &payload))?;
        drop(keystore);
        Ok(Signed {
            action: A::NAME.to_owned(),
            payload,
            challenge,
            certificate: license.certificate.clone(),
            signature,
        })
    }

    /// The license admins of the license's entity.
    pub async fn admins_list(&self, license: &str, password: &Password) -> Result<Vec<GrantItem>> {
        let lic = self.home.license(license)?;
        let payload = EntityRef {
            uscc: lic.uscc.clone(),
        };
        self.signed_as::<AdminsList>(&payload, &lic, password).await
    }

    /// Add a license admin (R5: at most five; the authority refuses a sixth).
    pub async fn admins_add(
        &self,
        license: &str,
        person: PersonInput,
        password: &Password,
    ) -> Result<GrantItem> {
        let lic = self.home.license(license)?;
        let payload = AddAdmin {
            uscc: lic.uscc.clone(),
            person,
        };
        self.signed_as::<AdminsAdd>(&payload, &lic, password).await
    }

    /// Remove a license admin.
    pub async fn admins_remove(
        &self,
        license: &str,
        grant_id: &str,
        password: &Password,
    ) -> Result<GrantItem> {
        let lic = self.home.license(license)?;
        let payload = GrantRef {
            uscc: lic.uscc.clone(),
            grant_id: grant_id.to_owned(),
        };
        self.signed_as::<AdminsRemove>(&payload, &lic, password)
            .await
    }

    /// The agent authorizations of the license's entity.
    pub async fn agents_list(&self, license: &str, password: &Password) -> Result<Vec<GrantItem>> {
        let lic = self.home.license(license)?;
        let payload = EntityRef {
            uscc: lic.uscc.clone(),
        };
        self.signed_as::<AuthorizationsList>(&payload, &lic, password)
            .await
    }

    /// Authorize an agent (R6).
    pub async fn agents_authorize(
        &self,
        license: &str,
        auth: AgentAuthorization,
        password: &Password,
    ) -> Result<GrantItem> {
        let lic = self.home.license(license)?;
        let (mode, matters) = match auth.matters {
            Matters::All => ("all", Vec::new()),
            Matters::Precise(codes) => ("precise", codes),
        };
        let payload = AddAuthorization {
            uscc: lic.uscc.clone(),
            agent: auth.agent,
            start: auth.start,
            end: auth.end,
            mode: mode.to_owned(),
            matters,
        };
        self.signed_as::<AuthorizationsAdd>(&payload, &lic, password)
            .await
    }

    /// Revoke an agent authorization.
    pub async fn agents_revoke(
        &self,
        license: &str,
        grant_id: &str,
        password: &Password,
    ) -> Result<GrantItem> {
        let lic = self.home.license(license)?;
        let payload = GrantRef {
            uscc: lic.uscc.clone(),
            grant_id: grant_id.to_owned(),
        };
        self.signed_as::<AuthorizationsRevoke>(&payload, &lic, password)
            .await
    }

    /// Ask the authority whether a license may be used now (and for `matter`). The answer's
    /// signature is checked against its signer certificate, and that certificate against the
    /// root of the license's chain.
    pub async fn status(&self, license: &str, matter: Option<&str>) -> Result<StatusBody> {
        let lic = self.home.license(license)?;
        let req = StatusRequest {
            certificate: lic.certificate.clone(),
            matter: matter.map(str::to_owned),
        };
        let resp = self.client.status(&req).await?;
        let bad = |what: &str| WalletError::Format(format!("状态应答无效: {what}"));
        let signer = Certificate::from_der(&resp.signer).map_err(|_| bad("签名证书无法解析"))?;
        if let Some(root) = lic.chain.last() {
            let root = Certificate::from_der(root).map_err(|_| bad("根证书无法解析"))?;
            signer
                .verify_signed_by(&root.public_key()?)
                .map_err(|_| bad("签名证书不是根 CA 签发"))?;
        }
        signer
            .public_key()?
            .verify(resp.body.as_bytes(), &resp.signature)
            .map_err(|_| bad("签名不符"))?;
        let body: StatusBody = serde_json::from_str(&resp.body).map_err(|_| bad("内容无法解析"))?;
        if !body.license_id.eq_ignore_ascii_case(&lic.license_id) {
            return Err(bad("不是所问的执照"));
        }
        Ok(body)
    }

    /// The real-name token, if verified and not expired.
    fn token(&self) -> Result<String> {
        match self.home.realname()? {
            Some(s) if s.expires_at > now_unix() => Ok(s.token),
            _ => Err(WalletError::NotVerified),
        }
    }
}

//! The home folder: one phone's keystore, its downloaded licenses and its state.
//!
//! ```text
//! wallet.keystore  the yizhao-gm keystore: every license key, sealed under the device password
//! licenses.json    public data of the downloaded licenses (certificates, face data)
//! state.json       whether the password is still the default; the real-name token
//! seals/           collected seals, one SESeal (`.esl`) and description per collection
//! ```
//! Every write goes to a temporary file in the same folder, is synced, then renamed over the old
//! file, so a crash leaves either the old or the new file, never half of one.

use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use yizhao_gm::keystore::{KdfParams, Keystore, Password};
use yizhao_gm::{CryptoRng, PrivateKey, SuiteId};
use yizhao_proto::authority::FaceData;
use yizhao_proto::b64;
use zeroize::Zeroizing;

use crate::error::{Result, WalletError};

/// The device password a new phone starts with (the manual's default).
pub const DEFAULT_PASSWORD: &str = "123456";

const KEYSTORE_FILE: &str = "wallet.keystore";
const LICENSES_FILE: &str = "licenses.json";
const STATE_FILE: &str = "state.json";

/// The keystore label of a license's key.
pub fn key_label(license_id: &str) -> String {
    format!("license:{license_id}")
}

/// The public part of a license downloaded to this phone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredLicense {
    /// The license certificate's serial (hex); the key is stored under `license:<license_id>`.
    pub license_id: String,
    /// The entity's unified social credit code.
    pub uscc: String,
    /// The entity's name.
    pub entity_name: String,
    /// `legal_representative`, `license_admin` or `agent`.
    pub role: String,
    /// The license certificate (DER).
    #[serde(with = "b64")]
    pub certificate: Vec<u8>,
    /// Issuing CA certificates up to the root (DER).
    #[serde(with = "b64::list")]
    pub chain: Vec<Vec<u8>>,
    /// The entity's face data (照面信息).
    pub face: FaceData,
    /// When it was downloaded (Unix seconds).
    pub downloaded_at: i64,
}

/// A real-name verification token kept on the phone; `Debug` hides the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealNameSession {
    /// The verified name.
    pub name: String,
    /// The bearer token for `Authorization: RealName <token>`.
    pub token: String,
    /// Expiry (Unix seconds).
    pub expires_at: i64,
}

impl fmt::Debug for RealNameSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RealNameSession")
            .field("name", &self.name)
            .field("token", &"[redacted]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct State {
    password_is_default: bool,
    #[serde(default)]
    realname: Option<RealNameSession>,
}

/// One phone: a home folder. Cheap to clone; every call reads the files afresh.
#[derive(Clone)]
pub struct Home {
    dir: PathBuf,
    kdf: KdfParams,
}

impl fmt::Debug for Home {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Home").field("dir", &self.dir).finish()
    }
}

impl Home {
    /// Open (or create) the home folder `dir`, with the default key-derivation cost and the OS
    /// random number generator. A new keystore is sealed with [`DEFAULT_PASSWORD`].
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self> {
        Self::open_with(dir, KdfParams::DEFAULT, &mut yizhao_gm::system_rng())
    }

    /// Open (or create) `dir` with explicit key-derivation parameters (for new seals) and RNG.
    pub fn open_with(
        dir: impl Into<PathBuf>,
        kdf: KdfParams,
        rng: &mut dyn CryptoRng,
    ) -> Result<Self> {
        let home = Home {
            dir: dir.into(),
            kdf,
        };
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        // The folder holds the keys and the real-name token: the owner's only.
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&home.dir)
            .map_err(WalletError::io(&home.dir))?;
        let keystore = home.path(KEYSTORE_FILE);
        if !keystore.exists() {
            let default = Password::new(DEFAULT_PASSWORD);
            let bytes = Keystore::new().seal(&default, SuiteId::Gm, kdf, rng)?;
            atomic_write(&keystore, &bytes)?;
            home.write_state(&State {
                password_is_default: true,
                realname: None,
            })?;
        } else if !home.path(STATE_FILE).exists() {
            // State lost but keys kept: find out whether the default password still opens them.
            let bytes = home.keystore_bytes()?;
            let is_default = match Keystore::open(&bytes, &Password::new(DEFAULT_PASSWORD)) {
                Ok(_) => true,
                Err(yizhao_gm::Error::WrongPassword) => false,
                Err(e) => return Err(e.into()),
            };
            home.write_state(&State {
                password_is_default: is_default,
                realname: None,
            })?;
        }
        Ok(home)
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether the device password is still [`DEFAULT_PASSWORD`].
    pub fn password_is_default(&self) -> Result<bool> {
        Ok(self.read_state()?.password_is_default)
    }

    /// Change the device password of every key at once (R4). A wrong `old` password gives
    /// [`WalletError::WrongPassword`] and leaves the keystore file untouched.
    pub fn change_password(
        &self,
        old: &Password,
        new: &Password,
        rng: &mut dyn CryptoRng,
    ) -> Result<()> {
        if new.expose().chars().count() < 6 {
            return Err(WalletError::Input("新密码至少 6 位".into()));
        }
        let bytes = self.keystore_bytes()?;
        let resealed = Keystore::change_password(&bytes, old, new, self.kdf, rng)?;
        atomic_write(&self.path(KEYSTORE_FILE), &resealed)?;
        let mut state = self.read_state()?;
        state.password_is_default = new.expose() == DEFAULT_PASSWORD;
        self.write_state(&state)
    }

    /// The licenses downloaded to this phone, oldest first.
    pub fn licenses(&self) -> Result<Vec<StoredLicense>> {
        let path = self.path(LICENSES_FILE);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|e| WalletError::Format(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(WalletError::io(path)(e)),
        }
    }

    /// The license with this license id, or else the latest downloaded one of this USCC.
    pub fn license(&self, id_or_uscc: &str) -> Result<StoredLicense> {
        let all = self.licenses()?;
        let by_id = all
            .iter()
            .find(|l| l.license_id.eq_ignore_ascii_case(id_or_uscc));
        let found = by_id.or_else(|| {
            all.iter()
                .filter(|l| l.uscc.eq_ignore_ascii_case(id_or_uscc))
                .max_by_key(|l| l.downloaded_at)
        });
        found
            .cloned()
            .ok_or_else(|| WalletError::NoLicense(id_or_uscc.to_owned()))
    }

    /// Sign `msg` with a license's key: opens the keystore with `password`, signs, and drops
    /// every key before returning.
    pub fn sign_with_license(
        &self,
        license_id: &str,
        password: &Password,
        msg: &[u8],
    ) -> Result<Vec<u8>> {
        let mut sigs = self.sign_all_with_license(license_id, password, &[msg])?;
        sigs.pop()
            .ok_or_else(|| WalletError::NoLicense(license_id.to_owned()))
    }

    /// Sign each of `msgs` with a license's key, opening the keystore once.
    pub fn sign_all_with_license(
        &self,
        license_id: &str,
        password: &Password,
        msgs: &[&[u8]],
    ) -> Result<Vec<Vec<u8>>> {
        let keystore = self.unlock(password)?;
        let key = keystore
            .get(&key_label(license_id))
            .ok_or_else(|| WalletError::NoLicense(license_id.to_owned()))?;
        msgs.iter().map(|m| Ok(key.sign(m)?)).collect()
    }

    /// Open the keystore with the device password (checks the password).
    pub fn unlock(&self, password: &Password) -> Result<Keystore> {
        Ok(Keystore::open(&self.keystore_bytes()?, password)?)
    }

    /// [`Home::unlock`] on tokio's blocking pool: the key derivation (Argon2) takes long
    /// enough to stall an async worker, and with it every other page and request.
    pub async fn unlock_blocking(&self, password: &Password) -> Result<Keystore> {
        let home = self.clone();
        let password = password.clone();
        tokio::task::spawn_blocking(move || home.unlock(&password))
            .await
            .map_err(|e| WalletError::Format(format!("密码检查中断: {e}")))?
    }

    /// Store a downloaded license: its key into the keystore (re-sealed under the same
    /// password), its public data into `licenses.json` (replacing a copy with the same id).
    pub fn store_license(
        &self,
        license: StoredLicense,
        key: PrivateKey,
        password: &Password,
        rng: &mut dyn CryptoRng,
    ) -> Result<()> {
        let bytes = self.keystore_bytes()?;
        let suite = Keystore::suite_of(&bytes)?;
        let mut keystore = Keystore::open(&bytes, password)?;
        keystore.insert(key_label(&license.license_id), key);
        let sealed = keystore.seal(password, suite, self.kdf, rng)?;
        drop(keystore);
        atomic_write(&self.path(KEYSTORE_FILE), &sealed)?;
        let mut all = self.licenses()?;
        all.retain(|l| l.license_id != license.license_id);
        all.push(license);
        let json = serde_json::to_vec_pretty(&all)
            .map_err(|e| WalletError::Format(format!("licenses: {e}")))?;
        atomic_write(&self.path(LICENSES_FILE), &json)
    }

    /// The stored real-name token, if any (expired or not).
    pub fn realname(&self) -> Result<Option<RealNameSession>> {
        Ok(self.read_state()?.realname)
    }

    /// Keep a real-name token after verification.
    pub fn set_realname(&self, session: RealNameSession) -> Result<()> {
        let mut state = self.read_state()?;
        state.realname = Some(session);
        self.write_state(&state)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn keystore_bytes(&self) -> Result<Zeroizing<Vec<u8>>> {
        let path = self.path(KEYSTORE_FILE);
        fs::read(&path)
            .map(Zeroizing::new)
            .map_err(WalletError::io(path))
    }

    fn read_state(&self) -> Result<State> {
        let path = self.path(STATE_FILE);
        let bytes = fs::read(&path).map_err(WalletError::io(&path))?;
        serde_json::from_slice(&bytes)
            .map_err(|e| WalletError::Format(format!("{}: {e}", path.display())))
    }

    fn write_state(&self, state: &State) -> Result<()> {
        let json = serde_json::to_vec_pretty(state)
            .map_err(|e| WalletError::Format(format!("state: {e}")))?;
        atomic_write(&self.path(STATE_FILE), &json)
    }
}

/// Replace `path` with `bytes` atomically: temporary file in the same folder, fsync, rename,
/// fsync of the folder. The files are readable by the owner only (they hold tokens and keys).
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| WalletError::Input(format!("not a file path: {}", path.display())))?;
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, path)?;
        // Make the rename itself durable.
        #[cfg(unix)]
        fs::File::open(dir)?.sync_all()?;
        Ok(())
    })();
    written.map_err(|source| {
        let _ = fs::remove_file(&tmp);
        WalletError::Io {
            path: path.to_owned(),
            source,
        }
    })
}

//! yizhao's wire types: the bodies of the HTTP APIs, the one error envelope, and the proof a
//! wallet makes with a license key. serde only; no behaviour beyond encoding.

pub mod action;
pub mod authority;
pub mod qr;
pub mod seal;

use serde::{Deserialize, Serialize};

/// The one error envelope: `{"error": {"code": "...", "message": "..."}}`. `code` is stable;
/// `message` is for people (Chinese on the pages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ErrorBody,
}

/// Code and message of an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `authority.admin_limit`.
    pub code: String,
    /// A sentence a person understands.
    pub message: String,
}

/// Bytes on the wire: standard base64.
pub mod b64 {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    /// Encode bytes.
    pub fn encode(bytes: impl AsRef<[u8]>) -> String {
        STANDARD.encode(bytes)
    }

    /// Decode a string; `None` if it is not base64.
    pub fn decode(s: &str) -> Option<Vec<u8>> {
        STANDARD.decode(s).ok()
    }

    /// serde `serialize_with` for `Vec<u8>`.
    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&encode(bytes))
    }

    /// serde `deserialize_with` for `Vec<u8>`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        decode(&s).ok_or_else(|| serde::de::Error::custom("not base64"))
    }

    /// For `Vec<Vec<u8>>`.
    pub mod list {
        use serde::{Deserialize, Deserializer, Serializer, ser::SerializeSeq};

        /// serde `serialize_with` for a list of byte strings.
        pub fn serialize<S: Serializer>(items: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
            let mut seq = s.serialize_seq(Some(items.len()))?;
            for i in items {
                seq.serialize_element(&super::encode(i))?;
            }
            seq.end()
        }

        /// serde `deserialize_with` for a list of byte strings.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
            let v = Vec::<String>::deserialize(d)?;
            v.iter()
                .map(|s| super::decode(s).ok_or_else(|| serde::de::Error::custom("not base64")))
                .collect()
        }
    }
}

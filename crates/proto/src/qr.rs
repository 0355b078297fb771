//! The one QR protocol on the wire (SYSTEM.md §4): the signed request the QR links to, the
//! wallet's answer, the status the PC page polls (or receives over server-sent events), and the
//! QR link itself.

use serde::{Deserialize, Serialize};

use crate::{ErrorBody, b64};

/// What a relying party asks, as signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QrRequestBody {
    /// Request id, the last segment of the QR link.
    pub id: String,
    /// `login`, `sign`, `encrypt`, `decrypt` or `impression`.
    pub kind: String,
    /// The relying party, as registered with the license authority.
    pub requester_id: String,
    /// The name the relying party claims; informational only. The wallet shows the registered
    /// name from the requester certificate, never this.
    #[serde(default)]
    pub requester_name_claimed: Option<String>,
    /// The matter code asked for, e.g. `egov.ndrc.bidding`.
    pub matter: String,
    /// One-time nonce the answer echoes.
    pub nonce: String,
    /// Expiry (Unix seconds).
    pub expires_at: i64,
    /// Hash of the browser session that made the request.
    pub session_hash: String,
    /// Kind-specific content, e.g. `{"document_digest": "..."}`; `null` for login.
    #[serde(default)]
    pub payload: serde_json::Value,
}

/// The request the QR link points to: the body as JSON text (signed as is, so there is no
/// canonicalization to agree on) and the relying party's signature and certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedQrRequest {
    /// JSON text of [`QrRequestBody`].
    pub body: String,
    /// The relying party's signature over `body`.
    #[serde(with = "b64")]
    pub signature: Vec<u8>,
    /// The relying-party certificate (DER), issued by the license authority, listing the matters
    /// it may ask.
    #[serde(with = "b64")]
    pub requester_certificate: Vec<u8>,
}

/// What the license key signs to answer a request: a domain-separated prefix, the nonce and the
/// request body exactly as received.
pub fn qr_answer_message(body_json: &str, nonce: &str) -> Vec<u8> {
    let mut m = b"yizhao/qr-answer/v1\n".to_vec();
    m.extend_from_slice(nonce.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(body_json.as_bytes());
    m
}

/// The wallet's answer, posted to the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QrAnswer {
    /// The request answered.
    pub request_id: String,
    /// The request's nonce.
    pub nonce: String,
    /// The license certificate (DER).
    #[serde(with = "b64")]
    pub certificate: Vec<u8>,
    /// Issuing CA certificates up to and including the root (DER).
    #[serde(with = "b64::list")]
    pub chain: Vec<Vec<u8>>,
    /// The license key's signature over [`qr_answer_message`].
    #[serde(with = "b64")]
    pub signature: Vec<u8>,
    /// Kind-specific content (a document signature, a wrapped key…); `null` for login.
    #[serde(default)]
    pub payload: serde_json::Value,
}

/// The state of a request on the wire: `pending`, `answered`, `completed`, `expired` or
/// `refused`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QrPhase {
    /// Waiting for the phone.
    Pending,
    /// The phone answered; waiting for the PC user to confirm the short code.
    Answered,
    /// Done.
    Completed,
    /// Not completed before its expiry.
    Expired,
    /// Refused.
    Refused,
}

impl QrPhase {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            QrPhase::Pending => "pending",
            QrPhase::Answered => "answered",
            QrPhase::Completed => "completed",
            QrPhase::Expired => "expired",
            QrPhase::Refused => "refused",
        }
    }

    /// Whether nothing more can happen to the request.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            QrPhase::Completed | QrPhase::Expired | QrPhase::Refused
        )
    }
}

/// Where a request stands, for the PC page (polled, or pushed over server-sent events) and the
/// wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QrStatus {
    /// Request id.
    pub id: String,
    /// Its state.
    pub state: QrPhase,
    /// Once answered: the 6-digit code both screens show.
    pub short_code: Option<String>,
    /// Expiry (Unix seconds).
    pub expires_at: i64,
    /// The error both screens show, if the last step was refused.
    pub error: Option<ErrorBody>,
}

/// The PC user's confirmation of the short code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QrConfirm {
    /// The code as typed.
    pub code: String,
}

/// Shortest request id a QR link may carry.
pub const QR_ID_MIN: usize = 8;
/// Longest request id a QR link may carry.
pub const QR_ID_MAX: usize = 64;
/// Longest QR link accepted.
pub const QR_LINK_MAX: usize = 2048;

/// What the PC page gets when it asks for a new request: its state and the link to put in the
/// QR (also rendered at `…/qr/{id}/qr.svg` and `…/qr.png`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QrCreated {
    /// The request's state.
    pub status: QrStatus,
    /// The link the QR holds.
    pub link: String,
}

/// The link a QR holds: `{base}/qr/{id}` (a trailing `/` of `base` is dropped).
pub fn qr_link(base_url: &str, id: &str) -> String {
    format!("{}/qr/{id}", base_url.trim_end_matches('/'))
}

/// Parse a scanned QR payload into `(base, id)`. QR payloads are hostile: only `http`/`https`
/// links of printable ASCII with a host, no user info, no query or fragment, and an id of
/// 8–64 characters `[A-Za-z0-9_-]` are accepted; anything else is `None`.
pub fn parse_qr_link(s: &str) -> Option<(String, String)> {
    if s.len() > QR_LINK_MAX || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    if s.contains(['?', '#', '\\']) {
        return None;
    }
    let rest = strip_prefix_ci(s, "https://").or_else(|| strip_prefix_ci(s, "http://"))?;
    // No empty path segment: [`qr_link`] never makes one, and `host//qr/id` would read as a
    // base ending in `/` that no link of ours has (found by the `qr_answer` fuzz target).
    if rest.contains("//") {
        return None;
    }
    let (before, id) = s.rsplit_once("/qr/")?;
    let host = rest.split('/').next()?;
    if host.is_empty() || host.contains('@') || before.len() < s.len() - rest.len() + host.len() {
        return None;
    }
    let id_ok = (QR_ID_MIN..=QR_ID_MAX).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    id_ok.then(|| (before.to_string(), id.to_string()))
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> QrRequestBody {
        QrRequestBody {
            id: "req_0123456789".into(),
            kind: "login".into(),
            requester_id: "rp-bidding".into(),
            requester_name_claimed: Some("某招标平台".into()),
            matter: "egov.ndrc.bidding".into(),
            nonce: "n0nce".into(),
            expires_at: 1_795_000_120,
            session_hash: "abcd".into(),
            payload: serde_json::Value::Null,
        }
    }

    #[test]
    fn request_round_trips() {
        let b = body();
        let text = serde_json::to_string(&b).unwrap();
        assert_eq!(serde_json::from_str::<QrRequestBody>(&text).unwrap(), b);

        let signed = SignedQrRequest {
            body: text,
            signature: vec![1, 2, 3],
            requester_certificate: vec![0x30, 0x82],
        };
        let j = serde_json::to_string(&signed).unwrap();
        assert!(j.contains("\"signature\":\"AQID\""));
        assert_eq!(serde_json::from_str::<SignedQrRequest>(&j).unwrap(), signed);
    }

    #[test]
    fn optional_fields_may_be_absent() {
        let j = r#"{"id":"req_0123456789","kind":"sign","requester_id":"rp","matter":"m",
            "nonce":"n","expires_at":1,"session_hash":"h"}"#;
        let b: QrRequestBody = serde_json::from_str(j).unwrap();
        assert_eq!(b.requester_name_claimed, None);
        assert_eq!(b.payload, serde_json::Value::Null);
    }

    #[test]
    fn answer_and_status_round_trip() {
        let a = QrAnswer {
            request_id: "req_0123456789".into(),
            nonce: "n0nce".into(),
            certificate: vec![9; 10],
            chain: vec![vec![1], vec![2, 3]],
            signature: vec![7; 64],
            payload: serde_json::json!({"document_digest": "00ff"}),
        };
        let j = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<QrAnswer>(&j).unwrap(), a);

        for st in [
            QrStatus {
                id: "req_0123456789".into(),
                state: QrPhase::Answered,
                short_code: Some("012345".into()),
                expires_at: 5,
                error: None,
            },
            QrStatus {
                id: "req_0123456789".into(),
                state: QrPhase::Expired,
                short_code: None,
                expires_at: 5,
                error: Some(ErrorBody {
                    code: "qr.expired".into(),
                    message: "二维码已过期，请刷新二维码后重新扫码。".into(),
                }),
            },
        ] {
            let j = serde_json::to_string(&st).unwrap();
            assert!(
                j.contains(&format!("\"state\":\"{}\"", st.state.as_str())),
                "{j}"
            );
            assert_eq!(serde_json::from_str::<QrStatus>(&j).unwrap(), st);
        }
        let c = QrConfirm {
            code: "012345".into(),
        };
        let j = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<QrConfirm>(&j).unwrap(), c);
    }

    #[test]
    fn bad_base64_is_refused() {
        let j = r#"{"body":"{}","signature":"***","requester_certificate":""}"#;
        assert!(serde_json::from_str::<SignedQrRequest>(j).is_err());
    }

    #[test]
    fn answer_message_is_domain_separated_and_binds_every_field() {
        let m = qr_answer_message("{\"a\":1}", "n");
        assert_eq!(m, b"yizhao/qr-answer/v1\nn\n{\"a\":1}".to_vec());
        assert!(m.starts_with(b"yizhao/qr-answer/v1\n"));
        // Not the message of a license proof for the same content.
        assert_ne!(
            m,
            crate::authority::proof_message("login", "n", "{\"a\":1}")
        );
        assert_ne!(m, qr_answer_message("{\"a\":2}", "n"));
        assert_ne!(m, qr_answer_message("{\"a\":1}", "m"));
        assert_ne!(m, qr_answer_message("{\"a\":1} ", "n"));
    }

    #[test]
    fn link_round_trips() {
        let l = qr_link("https://bid.example.cn/", "req_0123456789");
        assert_eq!(l, "https://bid.example.cn/qr/req_0123456789");
        assert_eq!(
            parse_qr_link(&l),
            Some((
                "https://bid.example.cn".to_string(),
                "req_0123456789".to_string()
            ))
        );
        let l = qr_link("http://127.0.0.1:8080/svc", "AbC-_12345678");
        assert_eq!(
            parse_qr_link(&l),
            Some((
                "http://127.0.0.1:8080/svc".to_string(),
                "AbC-_12345678".to_string()
            ))
        );
        // Upper-case scheme, as QR alphanumeric mode may produce.
        assert!(parse_qr_link("HTTPS://BID.EXAMPLE.CN/qr/REQ01234567").is_some());
        let max = "a".repeat(QR_ID_MAX);
        assert!(parse_qr_link(&qr_link("https://x.cn", &max)).is_some());
    }

    #[test]
    fn link_parser_refuses_junk() {
        let long_id = "a".repeat(QR_ID_MAX + 1);
        let too_long_link = format!("https://x.cn/{}/qr/abcdefgh", "p".repeat(QR_LINK_MAX));
        for junk in [
            "",
            "javascript:alert(1)//qr/abcdefgh",
            "javascript://x.cn/qr/abcdefgh",
            "file:///etc/qr/abcdefgh",
            "ftp://x.cn/qr/abcdefgh",
            "data:text/html,/qr/abcdefgh",
            "https://x.cn/qr/",
            "https://x.cn/qr",
            "https://x.cn",
            "https://x.cn/qr/short",
            &format!("https://x.cn/qr/{long_id}"),
            &too_long_link,
            "https://x.cn/qr/abcd.efgh",
            "https://x.cn/qr/abcdefgh/",
            "https://x.cn/qr/abcdefgh?x=1",
            "https://x.cn/qr/abcdefgh#f",
            "https://x.cn/qr/abcd%20efgh",
            "https://x.cn/qr/abcdéfgh1",
            "https://x.cn/qr/abcdefgh\n",
            " https://x.cn/qr/abcdefgh",
            "https://x.cn /qr/abcdefgh",
            "https://good.cn@evil.cn/qr/abcdefgh",
            "https:///qr/abcdefgh",
            "https://qr/abcdefgh",
            "https://x.cn\\@evil.cn/qr/abcdefgh",
            "httpx://x.cn/qr/abcdefgh",
            // An empty path segment (the qr_answer fuzz target's finding).
            "https://yiatform//qr/req_0123ef",
            "https://x.cn/a//b/qr/abcdefgh",
        ] {
            assert_eq!(parse_qr_link(junk), None, "accepted {junk:?}");
        }
    }
}

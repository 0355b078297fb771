//! `docs/errors.md`, the table of error codes, and the code say the same thing.
//!
//! The codes the code uses come from two places:
//! - the sources (`crates/*/src/**/*.rs`, up to their `#[cfg(test)] mod`): the string literals
//!   of every `fn code(&self)`/`fn code(self)` of an error type, and the literal code passed to
//!   `ApiError::new(StatusCode::…, "…")`, `ApiError::bad_request/unauthorized/not_found("…")`,
//!   `Refusal::new("…")`, `PageError::new("…")`, the wallet's `refused("…")` and a `code:
//!   "…".into()` field;
//! - one example of each variant of the error enums ([`examples`]), whose `code()` and message
//!   are compared with the table's row (and, for the license and seal authorities, whose HTTP
//!   status).
//!
//! Every code used must have a row, every row must be used, and every message the table gives
//! must be one the code produces.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use axum::http::StatusCode;
use yizhao_domain::authority::{AuthorityError, Role};
use yizhao_domain::ids::{IdNumberError, UsccError};
use yizhao_domain::member::{MemberError, RegistrationChannel};
use yizhao_domain::qr::QrError;
use yizhao_domain::registry::PhoneError;
use yizhao_domain::seal::SealError;
use yizhao_domain::text::TextError;
use yizhao_impression::{FindingKind, ImpressionError};
use yizhao_server::ApiError;
use yizhao_ses::SesError;
use yizhao_store::StoreError;
use yizhao_wallet::error::WalletError;

/// The table, from the workspace root.
const TABLE: &str = "docs/errors.md";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One row of the table.
struct Row {
    /// Line number in the table (1-based).
    line: usize,
    /// HTTP statuses (none: not an HTTP error).
    statuses: BTreeSet<u16>,
    /// The messages, each a pattern where `{…}` stands for text filled in at run time.
    messages: Vec<String>,
}

/// The rows of `docs/errors.md`: every line `| `code` | HTTP | when | messages |`.
fn table() -> BTreeMap<String, Row> {
    let text = std::fs::read_to_string(workspace().join(TABLE)).unwrap();
    let mut rows = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let Some(rest) = line.strip_prefix("| `") else {
            continue;
        };
        let cells: Vec<&str> = rest.split(" | ").collect();
        assert_eq!(cells.len(), 4, "{TABLE}:{}: four cells expected", i + 1);
        let code = cells[0].trim_end_matches('`').to_owned();
        let statuses = cells[1]
            .split(", ")
            .filter(|s| *s != "—")
            .map(|s| {
                s.parse()
                    .unwrap_or_else(|_| panic!("{TABLE}:{}: bad status {s:?}", i + 1))
            })
            .collect();
        let messages = cells[3]
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect();
        let row = Row {
            line: i + 1,
            statuses,
            messages,
        };
        if let Some(earlier) = rows.insert(code.clone(), row) {
            panic!(
                "{TABLE}:{}: `{code}` has a row already, on line {}",
                i + 1,
                earlier.line
            );
        }
    }
    rows
}

/// A source file: its path from the workspace root and its text up to its tests.
struct Source {
    path: String,
    text: String,
}

fn sources() -> Vec<Source> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let root = workspace();
    let mut files = Vec::new();
    for krate in std::fs::read_dir(root.join("crates")).unwrap() {
        let src = krate.unwrap().path().join("src");
        if src.is_dir() {
            walk(&src, &mut files);
        }
    }
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let mut text = std::fs::read_to_string(&p).unwrap();
            if let Some(at) = text.find("\n#[cfg(test)]\nmod ") {
                text.truncate(at);
            }
            let path = p.strip_prefix(&root).unwrap().display().to_string();
            Source { path, text }
        })
        .collect()
}

/// The string literal that starts at `s` (after optional whitespace), and what follows it.
fn literal(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start().strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &s[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                // A line continuation: the line break and the next line's indent are no text.
                '\n' => while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {},
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

/// Whether a literal has the shape of a code: `word` or `word.word…`, not a template name.
fn is_code(s: &str) -> bool {
    !s.is_empty()
        && !s.ends_with(".html")
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.split('.').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

/// Where the sources use a code, with the status and message the call shows (if literal).
struct Use {
    path: String,
    status: Option<u16>,
    message: Option<String>,
}

/// The message after a code literal: `, "…"` or `, format!("…"` (or `message: "…"` for a
/// `code:` field).
fn message_after(rest: &str) -> Option<String> {
    let rest = rest.trim_start();
    let rest = rest
        .strip_prefix(',')
        .map(|r| r.trim_start())
        .map(|r| r.strip_prefix("message:").unwrap_or(r))?;
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("format!(").unwrap_or(rest);
    literal(rest).map(|(m, _)| m)
}

/// The codes the sources pass to the error constructors, and the literals of `fn code` bodies.
fn codes_in_sources(sources: &[Source]) -> BTreeMap<String, Vec<Use>> {
    let mut used: BTreeMap<String, Vec<Use>> = BTreeMap::new();
    let mut add = |code: String, u: Use| used.entry(code).or_default().push(u);
    for src in sources {
        let t = src.text.as_str();
        // `StatusCode::NAME, "code"`: ApiError::new and the like.
        for i in after(t, "StatusCode::") {
            let name: String = t[i..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                .collect();
            let Some(rest) = t[i + name.len()..].trim_start().strip_prefix(',') else {
                continue;
            };
            if let Some((code, rest)) = literal(rest).filter(|(c, _)| is_code(c)) {
                let status = status_named(&name);
                let message = message_after(rest);
                let path = src.path.clone();
                add(
                    code,
                    Use {
                        path,
                        status,
                        message,
                    },
                );
            }
        }
        for (call, status) in [
            ("bad_request(", Some(400)),
            ("unauthorized(", Some(401)),
            ("not_found(", Some(404)),
            ("Refusal::new(", None),
            ("PageError::new(", None),
            (" refused(", None),
            ("(refused(", None),
            ("code:", None),
        ] {
            for i in after(t, call) {
                let Some((code, rest)) = literal(&t[i..]).filter(|(c, _)| is_code(c)) else {
                    continue;
                };
                let message = if call == "code:" {
                    // A field: `code: "…".into(), message: "…"`.
                    let Some(suffix) = [".into()", ".to_owned()", ".to_string()"]
                        .into_iter()
                        .find(|s| rest.starts_with(s))
                    else {
                        continue;
                    };
                    message_after(&rest[suffix.len()..])
                } else {
                    message_after(rest)
                };
                let path = src.path.clone();
                add(
                    code,
                    Use {
                        path,
                        status,
                        message,
                    },
                );
            }
        }
        for body in code_fn_bodies(t) {
            for code in literals(body).into_iter().filter(|c| is_code(c)) {
                let path = src.path.clone();
                add(
                    code,
                    Use {
                        path,
                        status: None,
                        message: None,
                    },
                );
            }
        }
    }
    used
}

/// Where each `pattern` in `t` ends.
fn after<'a>(t: &'a str, pattern: &'a str) -> impl Iterator<Item = usize> + 'a {
    t.match_indices(pattern).map(|(i, _)| i + pattern.len())
}

fn status_named(name: &str) -> Option<u16> {
    let status = match name {
        "BAD_REQUEST" => StatusCode::BAD_REQUEST,
        "UNAUTHORIZED" => StatusCode::UNAUTHORIZED,
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        "CONFLICT" => StatusCode::CONFLICT,
        "TOO_MANY_REQUESTS" => StatusCode::TOO_MANY_REQUESTS,
        "INTERNAL_SERVER_ERROR" => StatusCode::INTERNAL_SERVER_ERROR,
        "SERVICE_UNAVAILABLE" => StatusCode::SERVICE_UNAVAILABLE,
        "BAD_GATEWAY" => StatusCode::BAD_GATEWAY,
        "PAYLOAD_TOO_LARGE" => StatusCode::PAYLOAD_TOO_LARGE,
        other => panic!("add StatusCode::{other} to status_named"),
    };
    Some(status.as_u16())
}

/// The bodies of the `fn code(&self)` / `fn code(self)` methods in a file (rustfmt'ed: a
/// method's body ends at the first `\n    }\n`).
fn code_fn_bodies(t: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for pattern in ["fn code(&self)", "fn code(self)"] {
        for (i, _) in t.match_indices(pattern) {
            let body = &t[i..];
            let end = body.find("\n    }\n").unwrap_or(body.len());
            out.push(&body[..end]);
        }
    }
    out
}

/// Every string literal of a piece of source (outside `//` comments).
fn literals(mut s: &str) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(at) = s.find(['"', '/']) {
        if s[at..].starts_with("//") {
            s = s[at..].split_once('\n').map_or("", |(_, rest)| rest);
            continue;
        }
        if s[at..].starts_with('/') {
            s = &s[at + 1..];
            continue;
        }
        match literal(&s[at..]) {
            Some((lit, rest)) => {
                out.push(lit);
                s = rest;
            }
            None => break,
        }
    }
    out
}

/// The body of the `code` method of `impl <name>` in `path`: what [`examples`] must cover.
fn codes_of_enum(sources: &[Source], path: &str, name: &str) -> BTreeSet<String> {
    let src = sources
        .iter()
        .find(|s| s.path == path)
        .unwrap_or_else(|| panic!("no {path}"));
    let at = src
        .text
        .find(&format!("impl {name} {{"))
        .unwrap_or_else(|| panic!("no impl {name} in {path}"));
    let body = code_fn_bodies(&src.text[at..])
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no {name}::code in {path}"));
    literals(body).into_iter().filter(|c| is_code(c)).collect()
}

/// An example of an error: its code, the message people read (if shown to them), its HTTP
/// status (where the example can tell).
struct Example {
    code: String,
    message: Option<String>,
    status: Option<u16>,
}

fn example(code: &str, message: Option<String>, status: Option<StatusCode>) -> Example {
    Example {
        code: code.to_owned(),
        message,
        status: status.map(|s| s.as_u16()),
    }
}

/// One example of each variant of the error enums, with the file and enum whose `code()` they
/// must cover.
fn examples() -> Vec<(&'static str, &'static str, Vec<Example>)> {
    use AuthorityError as A;
    use QrError as Q;
    use SealError as S;
    use WalletError as W;
    let authority = |e: A| {
        let api = ApiError::from(e.clone());
        example(e.code(), Some(e.to_string()), Some(api.status))
    };
    let seal = |e: S| {
        let api = ApiError::from(e.clone());
        example(e.code(), Some(e.to_string()), Some(api.status))
    };
    let shown = |code: &str, message: String| example(code, Some(message), None);
    let hidden = |code: &str| example(code, None, None);
    let wallet = |e: W| shown(e.code(), e.to_envelope().error.message);
    let impression = |e: ImpressionError| shown(e.code(), e.message_zh());
    let ses = |e: SesError| shown(e.code(), e.to_string());
    let gm = |e: yizhao_gm::Error| hidden(e.code());
    let store = |e: StoreError| hidden(e.code());
    vec![
        (
            "crates/domain/src/authority.rs",
            "AuthorityError",
            vec![
                authority(A::RealNameMismatch),
                authority(A::CodeInvalid),
                authority(A::RealNameExpired),
                authority(A::DeclarationNotAccepted),
                authority(A::FirstDownloadByLegalRepresentative),
                authority(A::NothingToDownload),
                authority(A::AdminLimit { max: 5 }),
                authority(A::OnlyLegalRepresentative),
                authority(A::NotAManager),
                authority(A::NotYetEffective),
                authority(A::Ended),
                authority(A::Revoked),
                authority(A::MatterNotAuthorized("电子政务-发改委-招标投标".into())),
                authority(A::UnknownMatter("egov.nowhere".into())),
                authority(A::NoMatters),
                authority(A::PeriodInvalid),
                authority(A::PersonLocked),
                authority(A::AlreadyHolds(Role::LicenseAdmin)),
                authority(A::AlreadyRevoked),
                authority(A::IsLegalRepresentative),
            ],
        ),
        (
            "crates/domain/src/seal.rs",
            "SealError",
            vec![
                seal(S::ShapeNotForType {
                    seal_type: "发票专用章",
                    shape: "圆形",
                }),
                seal(S::SizeNotForShape {
                    shape: "圆形",
                    size: "41x41".into(),
                }),
                seal(S::UploadNotAllowed),
                seal(S::TermsNotAccepted),
                seal(S::AlreadyReviewed("已通过")),
                seal(S::ReasonMissing),
                seal(S::Text(TextError::Forbidden("退回原因"))),
                seal(S::NeedsSealGrant),
                seal(S::OnlyLegalRepresentative),
                seal(S::NeedsLicenseAuthorization),
                seal(S::NotManagerOfType("投标专用章")),
                seal(S::UsesOutOfRange { max: 100 }),
                seal(S::GrantNotYetEffective),
                seal(S::GrantEnded),
                seal(S::GrantRevoked),
                seal(S::MatterNotGranted),
                seal(S::NoUsesLeft),
            ],
        ),
        (
            "crates/domain/src/text.rs",
            "TextError",
            [
                TextError::Empty("退回原因"),
                TextError::TooLong("联系人", 50),
                TextError::Forbidden("姓名"),
            ]
            .into_iter()
            .map(|e| {
                let api = ApiError::from(e.clone());
                example(e.code(), Some(e.to_string()), Some(api.status))
            })
            .collect(),
        ),
        (
            "crates/domain/src/qr.rs",
            "QrError",
            [
                Q::Expired,
                Q::AlreadyAnswered,
                Q::WrongCode { remaining: 2 },
                Q::Refused,
                Q::WrongSession,
                Q::NotAnswered,
                Q::MatterNotAllowed,
                Q::NonceMismatch,
                Q::BadSignature,
                Q::UntrustedCertificate,
                Q::UnknownRequest,
                Q::KindNotOffered,
            ]
            .into_iter()
            .map(|e| shown(e.code(), e.to_string()))
            .collect(),
        ),
        (
            // Server and Refused carry another error's code.
            "crates/wallet/src/error.rs",
            "WalletError",
            vec![
                wallet(W::WrongPassword),
                wallet(W::NoLicense(String::new())),
                wallet(W::NoLicense("91420500MA4XXXXXX0".into())),
                wallet(W::NotVerified),
                wallet(W::DeclarationNotAccepted),
                wallet(W::Http { status: 502 }),
                wallet(W::Network("connection refused".into())),
                wallet(W::Format("licenses.json".into())),
                wallet(W::Io {
                    path: "state.json".into(),
                    source: std::io::Error::other("disk full"),
                }),
                wallet(W::Crypto(yizhao_gm::Error::Aead)),
                wallet(W::Input("--uscc".into())),
                wallet(W::BadQr),
                wallet(W::QrUnreadable("no finder pattern".into())),
                wallet(W::RequesterInvalid("已吊销".into())),
                wallet(W::Credential(
                    yizhao_credential::CredentialError::MatterNotRegistered,
                )),
                wallet(W::Credential(
                    yizhao_credential::CredentialError::RequesterInvalid("不是应用证书"),
                )),
                wallet(W::BadRequestSignature),
                wallet(W::QrExpired),
                wallet(W::Cancelled),
            ],
        ),
        (
            "crates/impression/src/error.rs",
            "ImpressionError",
            vec![
                impression(ImpressionError::Empty),
                impression(ImpressionError::TooLarge { len: 30 << 20 }),
                impression(ImpressionError::NotAnImage),
                impression(ImpressionError::UnsupportedFormat { format: "gif" }),
                impression(ImpressionError::DimensionsTooLarge {
                    width: 20_000,
                    height: 20_000,
                }),
                impression(ImpressionError::DimensionsTooLarge {
                    width: 0,
                    height: 0,
                }),
                impression(ImpressionError::MemoryLimit),
                impression(ImpressionError::Corrupt("eof".into())),
                impression(ImpressionError::CropOutside {
                    x: 0,
                    y: 0,
                    width: 0,
                    height: 0,
                    image_width: 600,
                    image_height: 400,
                }),
                impression(ImpressionError::InvalidAdjustment {
                    name: "brightness",
                    value: 120,
                }),
                impression(ImpressionError::InvalidAdjustment {
                    name: "contrast",
                    value: -120,
                }),
                impression(ImpressionError::InvalidDeclaredSize {
                    width_mm: 40,
                    height_mm: 30,
                }),
                impression(ImpressionError::Encode("out of memory".into())),
            ],
        ),
        (
            // Findings: each finding's message is measured; the table gives none.
            "crates/impression/src/quality.rs",
            "FindingKind",
            [
                FindingKind::NoMark,
                FindingKind::TooSmall,
                FindingKind::AspectMismatch,
                FindingKind::BackgroundNotTransparent,
                FindingKind::SeveralColours,
                FindingKind::Blurred,
            ]
            .into_iter()
            .map(|k| hidden(k.code()))
            .collect(),
        ),
        (
            "crates/ses/src/error.rs",
            "SesError",
            vec![
                ses(SesError::Format("bad DER".into())),
                ses(SesError::Version("GM/T 0031-2014".into())),
                ses(SesError::Algorithm("RSA".into())),
                ses(SesError::MakerCertificate("expired".into())),
                ses(SesError::MakerRevoked),
                ses(SesError::Crl("wrong issuer".into())),
                ses(SesError::CrlStale),
                ses(SesError::Signature),
                ses(SesError::NotYetValid),
                ses(SesError::Expired),
                ses(SesError::Parameter("empty name".into())),
                ses(SesError::Signing("no key".into())),
                ses(SesError::SignatureValue),
                ses(SesError::SignerCertificate("expired".into())),
                ses(SesError::NotHolder),
                ses(SesError::DataHash),
            ],
        ),
        (
            "crates/domain/src/member.rs",
            "MemberError",
            [
                MemberError::NotLoggedIn,
                MemberError::AlreadyRegistered,
                MemberError::RegistrationRequired,
                MemberError::KindUnknown {
                    channel: RegistrationChannel::SelfService,
                },
                MemberError::KindUnknown {
                    channel: RegistrationChannel::Window,
                },
                MemberError::KindWindowOnly,
                MemberError::KindSelfService,
            ]
            .into_iter()
            .map(|e| {
                let api = ApiError::from(e.clone());
                example(e.code(), Some(e.to_string()), Some(api.status))
            })
            .collect(),
        ),
        (
            "crates/domain/src/ids/id_number.rs",
            "IdNumberError",
            [
                IdNumberError::Length { found: 17 },
                IdNumberError::Charset { position: 5 },
                IdNumberError::Date,
                IdNumberError::CheckDigit,
            ]
            .into_iter()
            .map(|e| shown(e.code(), e.to_string()))
            .collect(),
        ),
        (
            "crates/domain/src/ids/uscc.rs",
            "UsccError",
            [
                UsccError::Length { found: 17 },
                UsccError::Charset {
                    position: 9,
                    found: 'I',
                },
                UsccError::DivisionCode { position: 4 },
                UsccError::CheckDigit {
                    expected: '3',
                    found: '4',
                },
            ]
            .into_iter()
            .map(|e| shown(e.code(), e.to_string()))
            .collect(),
        ),
        (
            "crates/domain/src/registry.rs",
            "PhoneError",
            [
                PhoneError::Length { found: 10 },
                PhoneError::Charset,
                PhoneError::Prefix,
            ]
            .into_iter()
            .map(|e| shown(e.code(), e.to_string()))
            .collect(),
        ),
        (
            // Never shown: the wallet shows them as wallet.crypto or wallet.wrong_password.
            "crates/gm/src/error.rs",
            "Error",
            vec![
                gm(yizhao_gm::Error::BadSignature),
                gm(yizhao_gm::Error::BadKey("not on the curve")),
                gm(yizhao_gm::Error::Decrypt),
                gm(yizhao_gm::Error::Aead),
                gm(yizhao_gm::Error::StreamTruncated),
                gm(yizhao_gm::Error::StreamTrailingData),
                gm(yizhao_gm::Error::StreamHeader("version")),
                gm(yizhao_gm::Error::WrongPassword),
                gm(yizhao_gm::Error::KeystoreFormat("version")),
                gm(yizhao_gm::Error::WrongPurpose),
                gm(yizhao_gm::Error::CertificateFormat("bad DER".into())),
                gm(yizhao_gm::Error::Chain(
                    yizhao_gm::error::ChainError::UnknownIssuer,
                )),
                gm(yizhao_gm::Error::Crl("issuer")),
                gm(yizhao_gm::Error::Parameter("length")),
                gm(yizhao_gm::Error::Io("broken pipe".into())),
            ],
        ),
        (
            // Never shown: the server answers `internal`.
            "crates/store/src/error.rs",
            "StoreError",
            vec![
                store(StoreError::Closed),
                store(StoreError::Migration(
                    sqlx::migrate::MigrateError::VersionMissing(1),
                )),
                store(StoreError::UnsupportedUrl {
                    scheme: "mysql".into(),
                }),
                store(StoreError::Corrupt("state".into())),
                store(StoreError::NeedsTransaction("take_seal_use")),
            ],
        ),
    ]
}

/// `{…}` replaced by `{}`: a format string and a table pattern compare equal.
fn normalize(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        out.push_str("{}");
        rest = rest[open..]
            .find('}')
            .map_or("", |close| &rest[open + close + 1..]);
    }
    out.push_str(rest);
    out
}

/// Whether `text` is what `pattern` describes, each `{…}` standing for a value: text without
/// the punctuation that ends a clause (so a placeholder cannot swallow a sentence).
fn matches(pattern: &str, text: &str) -> bool {
    let value = |s: &str| !s.contains(['，', '。', '；']);
    let normal = normalize(pattern);
    let parts: Vec<&str> = normal.split("{}").collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return normal == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) if value(&rest[..at]) => rest = &rest[at + part.len()..],
            _ => return false,
        }
    }
    rest.strip_suffix(last).is_some_and(value)
}

/// Where a row for `code` goes.
fn section(code: &str) -> String {
    match code.split_once('.') {
        Some((prefix, _)) => format!("the section `## `{prefix}.``"),
        None => "the section `## No prefix`".into(),
    }
}

#[test]
fn every_error_code_is_in_the_table_and_every_row_is_used() {
    let rows = table();
    let sources = sources();
    let used = codes_in_sources(&sources);
    let examples = examples();
    let mut problems = Vec::new();

    // Each enum's examples cover its `code()`.
    for (path, name, list) in &examples {
        let want = codes_of_enum(&sources, path, name);
        let have: BTreeSet<String> = list.iter().map(|e| e.code.clone()).collect();
        for code in want.difference(&have) {
            problems.push(format!(
                "{name}::code in {path} gives `{code}`, which has no example: add one to \
                 examples() in crates/cli/tests/it/errors.rs"
            ));
        }
    }

    // Both directions.
    for (code, uses) in &used {
        if !rows.contains_key(code) {
            let files: BTreeSet<&str> = uses.iter().map(|u| u.path.as_str()).collect();
            let files: Vec<&str> = files.into_iter().collect();
            problems.push(format!(
                "`{code}` (used in {}) is missing from {TABLE}: add a row \
                 | `{code}` | HTTP status | when it happens | `its message` | to {}",
                files.join(", "),
                section(code)
            ));
        }
    }
    for (code, row) in &rows {
        if !used.contains_key(code) {
            problems.push(format!(
                "{TABLE}:{}: `{code}` is used nowhere in crates/*/src: remove its row",
                row.line
            ));
        }
    }

    // Messages and statuses: what the code shows must be in the row.
    let all_literals: BTreeSet<String> = sources
        .iter()
        .flat_map(|s| literals(&s.text))
        .map(|l| normalize(&l))
        .collect();
    let mut rendered: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for e in examples.iter().flat_map(|(_, _, list)| list) {
        let Some(row) = rows.get(&e.code) else {
            continue;
        };
        if let Some(m) = &e.message {
            rendered.entry(e.code.as_str()).or_default().push(m);
            if !row.messages.iter().any(|p| matches(p, m)) {
                problems.push(format!(
                    "{TABLE}:{}: `{}` has no message matching {m:?}",
                    row.line, e.code
                ));
            }
        }
        if let Some(s) = e.status.filter(|s| !row.statuses.contains(s)) {
            problems.push(format!(
                "{TABLE}:{}: `{}` is answered with HTTP {s}, not in the row",
                row.line, e.code
            ));
        }
    }
    for (code, uses) in &used {
        let Some(row) = rows.get(code) else {
            continue;
        };
        for u in uses {
            if let Some(m) = &u.message
                && !row.messages.iter().any(|p| normalize(p) == normalize(m))
            {
                problems.push(format!(
                    "{TABLE}:{}: `{code}` has no message {m:?} (from {})",
                    row.line, u.path
                ));
            }
            if let Some(s) = u.status.filter(|s| !row.statuses.contains(s)) {
                problems.push(format!(
                    "{TABLE}:{}: `{code}` is answered with HTTP {s} in {}, not in the row",
                    row.line, u.path
                ));
            }
        }
    }
    // And every message of the table is one the code produces.
    for (code, row) in &rows {
        for p in &row.messages {
            let shown = rendered
                .get(code.as_str())
                .is_some_and(|ms| ms.iter().any(|m| matches(p, m)));
            if !shown && !all_literals.contains(&normalize(p)) {
                problems.push(format!(
                    "{TABLE}:{}: `{code}`: the message {p:?} is in no source",
                    row.line
                ));
            }
        }
    }

    assert!(
        problems.is_empty(),
        "{TABLE} and the code disagree:\n- {}",
        problems.join("\n- ")
    );
    // The scan finds what it should: a sample of each kind of use.
    for code in [
        "backoffice.bad_credentials",
        "authority.admin_limit",
        "impression.quality",
        "wallet.seal_root_changed",
        "web.csrf",
        "internal",
    ] {
        assert!(used.contains_key(code), "{code} not found in the sources");
    }
}

#[test]
fn patterns_match_what_they_describe() {
    assert!(matches(
        "该企业已有{max}名证照管理员。",
        "该企业已有5名证照管理员。"
    ));
    assert!(matches(
        "图片尺寸过大{size}，请缩小。",
        "图片尺寸过大，请缩小。"
    ));
    assert!(!matches("该企业已有{max}名。", "该单位已有5名。"));
    // A placeholder is a value, not the rest of a sentence.
    assert!(!matches(
        "该企业已有{max}名管理员。",
        "该企业已有5名管理员，请删除一名管理员。"
    ));
    assert!(!matches("已取消", "已取消。"));
    assert_eq!(
        normalize("密码至少{MIN_PASSWORD_CHARS}位。"),
        "密码至少{}位。"
    );
    assert!(is_code("authority.admin_limit") && is_code("internal"));
    assert!(!is_code("error.html") && !is_code("Authority.x") && !is_code("a..b"));
}

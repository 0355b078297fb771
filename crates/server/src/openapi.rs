//! `GET /api/openapi.json`: the OpenAPI 3 description of the public APIs, so that wallets and
//! other platforms can integrate. Written by hand; a test checks every route is in it.

use axum::Json;
use serde_json::{Value, json};

fn op(summary: &str, request: Option<&str>, response: &str, auth: bool) -> Value {
    let mut o = json!({
        "summary": summary,
        "responses": {
            "200": { "description": "OK", "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{response}") } } } },
            "default": { "description": "Error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorEnvelope" } } } }
        }
    });
    if let Some(r) = request {
        o["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{r}") } } } });
    }
    if auth {
        o["security"] = json!([{ "realName": [] }]);
    }
    o
}

fn with_query(mut o: Value, name: &str) -> Value {
    o["parameters"] =
        json!([{ "name": name, "in": "query", "required": true, "schema": { "type": "string" } }]);
    o
}

/// An object schema of `(name, type)` properties; a type ending in `?` may also be `null` (an
/// `Option` the server writes as `null`).
fn obj(props: &[(&str, &str)]) -> Value {
    let mut p = serde_json::Map::new();
    for (name, ty) in props {
        let (ty, nullable) = match ty.strip_suffix('?') {
            Some(t) => (t, true),
            None => (*ty, false),
        };
        let schema = match ty {
            "string" | "integer" | "boolean" => json!({ "type": ty }),
            "base64" => json!({ "type": "string", "format": "byte" }),
            // Any JSON value (a kind-specific payload).
            "any" => json!({}),
            "string[]" => json!({ "type": "array", "items": { "type": "string" } }),
            "base64[]" => {
                json!({ "type": "array", "items": { "type": "string", "format": "byte" } })
            }
            "period" => {
                json!({ "type": "array", "items": { "type": "integer" }, "minItems": 2, "maxItems": 2 })
            }
            other => json!({ "$ref": format!("#/components/schemas/{other}") }),
        };
        let schema = match (nullable, schema.get("$ref").is_some()) {
            (false, _) => schema,
            // OpenAPI 3.0 ignores siblings of `$ref`: wrap it to make it nullable.
            (true, true) => json!({ "allOf": [schema], "nullable": true }),
            (true, false) => {
                let mut schema = schema;
                schema["nullable"] = json!(true);
                schema
            }
        };
        p.insert((*name).to_owned(), schema);
    }
    json!({ "type": "object", "properties": p })
}

/// The paths this document describes (relative to the server root).
pub const PATHS: &[&str] = &[
    "/authority/api/v1/matters",
    "/authority/api/v1/declaration",
    "/authority/api/v1/ca",
    "/authority/api/v1/realname",
    "/authority/api/v1/realname/confirm",
    "/authority/api/v1/licenses",
    "/authority/api/v1/challenges",
    "/authority/api/v1/signed",
    "/authority/api/v1/status",
    "/authority/api/v1/dev/outbox",
    "/platform/api/v1/qr",
    "/platform/api/v1/qr/{id}",
    "/platform/api/v1/qr/{id}/confirm",
    "/platform/api/v1/qr/{id}/events",
    "/platform/api/v1/qr/{id}/qr.svg",
    "/platform/api/v1/qr/{id}/qr.png",
    "/platform/api/v1/me",
    "/platform/api/v1/registration",
    "/platform/api/v1/logout",
    "/platform/api/v1/credit",
    "/platform/api/v1/credit/sync",
    "/qr/{id}",
    "/qr/{id}/answer",
    "/seal/api/v1/catalogue",
    "/seal/api/v1/ca",
    "/seal/api/v1/crl",
    "/seal/api/v1/signed",
];

/// The document.
pub fn spec() -> Value {
    let mut doc = core();
    members(&mut doc);
    seals(&mut doc);
    path_parameters(&mut doc);
    doc
}

/// Every `{name}` in a path declared as a required string path parameter of each of its
/// operations (OpenAPI requires the declaration; clients and test generators need it).
fn path_parameters(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let names: Vec<&str> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        for op in ops.values_mut() {
            for name in &names {
                let param = json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } });
                match op["parameters"].as_array_mut() {
                    Some(list) => list.push(param),
                    None => op["parameters"] = json!([param]),
                }
            }
        }
    }
}

/// The seal authority's routes (R13–R16).
fn seals(doc: &mut Value) {
    let s = "/seal/api/v1";
    let paths = &mut doc["paths"];
    paths[format!("{s}/catalogue")] = json!({ "get": op("Seal types with their shapes and sizes in mm (R13)", None, "SealCatalogue", false) });
    paths[format!("{s}/ca")] = json!({ "get": op("The seal authority's root CA: every seal's maker certificate chains to it", None, "SealCa", false) });
    paths[format!("{s}/crl")] = json!({ "get": {
        "summary": "The seal root's CRL (DER, X.509 v2, signed by the root): every revoked maker certificate; thisUpdate now, nextUpdate a day later. A seal whose maker it lists fails GB/T 38540 seal verification step 3",
        "responses": {
            "200": { "description": "application/pkix-crl", "content": { "application/pkix-crl": { "schema": { "type": "string", "format": "binary" } } } },
            "default": { "description": "Error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ErrorEnvelope" } } } }
        }
    } });
    paths[format!("{s}/signed")] = json!({ "post": op("A request made with a license (challenge from /authority/api/v1/challenges): impressions.upload|list, seals.list|collectable|collect|mine, collections.delete, seal_admins.list|add|remove, seal_grants.list|add|revoke|mine (R13–R16); payloads and results in yizhao-proto's seal module", Some("Signed"), "SignedResult", false) });
    let shape = json!({ "type": "object", "properties": {
        "code": { "type": "string" }, "name": { "type": "string" },
        "sizes_mm": { "type": "array", "items": { "type": "array", "items": { "type": "integer" }, "minItems": 2, "maxItems": 2 } }
    } });
    doc["components"]["schemas"]["SealCa"] = obj(&[("root", "base64")]);
    doc["components"]["schemas"]["SealCatalogue"] = json!({
        "type": "array",
        "items": { "type": "object", "properties": {
            "code": { "type": "string" }, "name": { "type": "string" },
            "shapes": { "type": "array", "items": shape }
        } }
    });
}

/// The platform's member routes (R11, R12, R22), added apart to keep each `json!` small.
fn members(doc: &mut Value) {
    let m = "/platform/api/v1";
    let paths = &mut doc["paths"];
    paths[format!("{m}/me")] = json!({ "get": op("Who is logged in with the yz_member cookie (set by /qr/{id}/confirm, or /qr/{id} once a login completed): registering or active (R12)", None, "MemberMe", false) });
    paths[format!("{m}/registration")] = json!({
        "get": op("网员注册 form of a registering session, pre-filled from the license's face data (R12)", None, "RegistrationForm", false),
        "post": op("Register as bidder or agency; tenderer and purchaser are refused with member.kind_window_only (R11)", Some("RegistrationRequest"), "MemberMe", false)
    });
    paths[format!("{m}/logout")] =
        json!({ "post": op("End the member session", None, "MemberLogout", false) });
    paths[format!("{m}/credit")] =
        json!({ "get": op("诚信库 › 基本信息 of an active member", None, "CreditInfo", false) });
    paths[format!("{m}/credit/sync")] = json!({ "post": op("从执照同步: re-read the license's face data; the fields that changed (R22)", None, "CreditSync", false) });
    let basic = [
        ("uscc", "string"),
        ("name", "string"),
        ("kind_of_entity", "string"),
        ("legal_representative", "string"),
        ("registered_capital", "string"),
        ("established", "string"),
        ("business_term", "string"),
        ("domicile", "string"),
        ("business_scope", "string"),
        ("registration_authority", "string"),
        ("locality", "string"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let all: Vec<(&str, &str)> = basic.iter().chain(extra).copied().collect();
        obj(&all)
    };
    let schemas = &mut doc["components"]["schemas"];
    schemas["MemberMe"] = obj(&[
        ("state", "string"),
        ("entity_name", "string"),
        ("uscc", "string"),
        ("person", "string"),
        ("role", "string"),
        ("role_label", "string"),
        ("member_kind", "string"),
        ("member_kind_label", "string"),
    ]);
    schemas["RegistrationForm"] = with(&[
        ("kinds", "string[]"),
        ("contact_name", "string"),
        ("contact_phone", "string"),
    ]);
    schemas["RegistrationRequest"] = obj(&[
        ("kind", "string"),
        ("contact_name", "string"),
        ("contact_phone", "string"),
    ]);
    schemas["MemberLogout"] = obj(&[("state", "string")]);
    schemas["CreditInfo"] = with(&[
        ("member_kind", "string"),
        ("member_kind_label", "string"),
        ("contact_name", "string"),
        ("contact_phone", "string"),
        ("registered_at", "integer"),
        ("synced_at", "integer"),
    ]);
    schemas["CreditSync"] = json!({ "type": "object", "properties": { "changed": { "type": "array", "items": obj(&[("field", "string"), ("old", "string"), ("new", "string")]) } } });
}

fn core() -> Value {
    let a = "/authority/api/v1";
    json!({
        "openapi": "3.0.3",
        "info": { "title": "yizhao", "version": crate::VERSION, "description": "电子营业执照与电子印章联合应用：执照系统接口。Errors are {\"error\":{\"code\",\"message\"}} with a stable code." },
        "paths": {
            format!("{a}/matters"): { "get": op("授权事项目录 (matter catalogue)", None, "MatterList", false) },
            format!("{a}/declaration"): { "get": op("执照下载声明", None, "Declaration", false) },
            format!("{a}/ca"): { "get": op("The authority's root and issuing CA certificates", None, "CaInfo", false) },
            format!("{a}/realname"): { "post": op("实名认证: name, ID number and phone must match; a code is sent (R2)", Some("RealNameRequest"), "RealNameStarted", false) },
            format!("{a}/realname/confirm"): { "post": op("实名认证: confirm the code, get a RealName token", Some("RealNameConfirm"), "RealNameVerified", false) },
            format!("{a}/licenses"): {
                "get": with_query(op("可下载/已下载执照 of a locality (R3)", None, "LicenseList", true), "locality"),
                "post": op("下载执照 to the device key (R2, R3, R7)", Some("DownloadRequest"), "DownloadedLicense", true)
            },
            format!("{a}/challenges"): { "post": op("A single-use challenge for a license proof", None, "Challenge", false) },
            format!("{a}/signed"): { "post": op("A request made with a license: admins.list|add|remove, authorizations.list|add|revoke (R5, R6, R8)", Some("Signed"), "SignedResult", false) },
            format!("{a}/status"): { "post": op("Credential status of a license certificate, signed (OCSP-like)", Some("StatusRequest"), "StatusResponse", false) },
            "/platform/api/v1/qr": { "post": op("A new QR request for this browser session (sets the yz_pc cookie); body {\"kind\": \"login\"}, or {\"kind\": \"impression\", \"from\": ID} for a new request carrying the upload of an earlier one of this browser (the first is made by the /seals/impression page)", None, "QrCreated", false) },
            "/platform/api/v1/qr/{id}": { "get": op("The request's state (this browser session only); the polling fallback of /events", None, "QrStatus", false) },
            "/platform/api/v1/qr/{id}/confirm": { "post": op("Confirm the short code both screens show (anti-relay)", Some("QrConfirm"), "QrStatus", false) },
            "/platform/api/v1/qr/{id}/events": { "get": { "summary": "Server-sent events: `status` events with QrStatus until the request is final or expired", "responses": { "200": { "description": "text/event-stream" } } } },
            "/platform/api/v1/qr/{id}/qr.svg": { "get": { "summary": "The QR code of the request's link (SVG)", "responses": { "200": { "description": "image/svg+xml" } } } },
            "/platform/api/v1/qr/{id}/qr.png": { "get": { "summary": "The QR code of the request's link (PNG)", "responses": { "200": { "description": "image/png" } } } },
            "/qr/{id}": { "get": op("The link in the QR: the request signed by the platform, with its relying-party certificate (for wallets)", None, "SignedQrRequest", false) },
            "/qr/{id}/answer": { "post": op("The wallet's answer: license certificate, chain and signature over the request; for kind impression, payload {\"upload_signature\"}: the license's signature over the seal authority's impressions.upload of the upload the request carries (the request then completes at once, or is refused with the seal authority's reason)", Some("QrAnswer"), "QrStatus", false) },
            format!("{a}/dev/outbox"): { "get": with_query(op("Built-in identity proofing: codes sent to a phone (demo and tests only)", None, "OutboxList", false), "phone") }
        },
        "components": {
            "securitySchemes": { "realName": { "type": "apiKey", "in": "header", "name": "Authorization", "description": "RealName <token> from /realname/confirm" } },
            "schemas": {
                "ErrorEnvelope": { "type": "object", "properties": { "error": obj(&[("code", "string"), ("message", "string")]) } },
                "MatterList": { "type": "array", "items": obj(&[("code", "string"), ("name", "string")]) },
                "Declaration": obj(&[("version", "string"), ("title", "string"), ("text", "string")]),
                "CaInfo": obj(&[("root", "base64"), ("issuing", "base64")]),
                "RealNameRequest": obj(&[("name", "string"), ("id_number", "string"), ("phone", "string")]),
                "RealNameStarted": obj(&[("session", "string"), ("phone_masked", "string"), ("expires_at", "integer")]),
                "RealNameConfirm": obj(&[("session", "string"), ("code", "string")]),
                "RealNameVerified": obj(&[("token", "string"), ("expires_at", "integer"), ("name", "string")]),
                "LicenseOffer": obj(&[("uscc", "string"), ("entity_name", "string"), ("role", "string"), ("grant_id", "string?"), ("status", "string"), ("period", "period?"), ("matters", "string[]?")]),
                "LicenseList": { "type": "object", "properties": { "locality": { "type": "string" }, "downloadable": { "type": "array", "items": { "$ref": "#/components/schemas/LicenseOffer" } }, "downloaded": { "type": "array", "items": { "$ref": "#/components/schemas/LicenseOffer" } } } },
                "DownloadRequest": obj(&[("uscc", "string"), ("grant_id", "string"), ("accepted_declaration", "string"), ("device_public_key", "base64"), ("proof_of_possession", "base64")]),
                "FaceData": obj(&[("uscc", "string"), ("name", "string"), ("kind", "string"), ("legal_representative", "string"), ("registered_capital", "string"), ("established", "string"), ("business_term", "string"), ("domicile", "string"), ("business_scope", "string"), ("registration_authority", "string"), ("locality", "string")]),
                "DownloadedLicense": obj(&[("license_id", "string"), ("role", "string"), ("certificate", "base64"), ("chain", "base64[]"), ("face", "FaceData")]),
                "Challenge": obj(&[("challenge", "string"), ("expires_at", "integer")]),
                "Signed": obj(&[("action", "string"), ("payload", "string"), ("challenge", "string"), ("certificate", "base64"), ("signature", "base64")]),
                "SignedResult": { "description": "GrantItem or a list of GrantItem, by action" },
                "GrantItem": obj(&[("grant_id", "string"), ("role", "string"), ("name", "string"), ("id_number_masked", "string"), ("phone_masked", "string"), ("period", "period?"), ("matters", "string[]?"), ("status", "string"), ("downloads", "integer")]),
                "StatusRequest": obj(&[("certificate", "base64"), ("matter", "string")]),
                "StatusResponse": obj(&[("body", "string"), ("signature", "base64"), ("signer", "base64")]),
                "QrStatus": obj(&[("id", "string"), ("state", "string"), ("short_code", "string?"), ("expires_at", "integer"), ("error", "ErrorBody?")]),
                "ErrorBody": obj(&[("code", "string"), ("message", "string")]),
                "QrCreated": obj(&[("status", "QrStatus"), ("link", "string")]),
                "QrConfirm": obj(&[("code", "string")]),
                "SignedQrRequest": obj(&[("body", "string"), ("signature", "base64"), ("requester_certificate", "base64")]),
                "QrAnswer": obj(&[("request_id", "string"), ("nonce", "string"), ("certificate", "base64"), ("chain", "base64[]"), ("signature", "base64"), ("payload", "any")]),
                "OutboxList": { "type": "array", "items": obj(&[("phone", "string"), ("text", "string"), ("code", "string"), ("at", "integer")]) }
            }
        }
    })
}

/// `GET /api/openapi.json`.
pub async fn document() -> Json<Value> {
    Json(spec())
}

//! Short Chinese text for the CLI's results.

use std::fmt::Write as _;

use yizhao_proto::authority::{GrantItem, LicenseList, LicenseOffer, RealNameStarted, StatusBody};

use crate::home::StoredLicense;
use crate::qr::{ScanPreview, kind_name};
use crate::time::format_beijing;

/// The manual's name of a role.
pub fn role(code: &str) -> &str {
    match code {
        "legal_representative" => "法定代表人",
        "license_admin" => "证照管理员",
        "agent" => "执照办事人员",
        other => other,
    }
}

/// The manual's name of a status.
pub fn status_name(code: &str) -> &str {
    match code {
        "active" => "有效",
        "not_yet_effective" => "未生效",
        "ended" => "已到期",
        "revoked" => "已撤销",
        "unknown" => "未知",
        other => other,
    }
}

fn period(p: Option<(i64, i64)>) -> String {
    p.map(|(s, e)| format!(" {} 至 {}", format_beijing(s), format_beijing(e)))
        .unwrap_or_default()
}

fn matters(m: Option<&Vec<String>>) -> String {
    match m {
        None => String::new(),
        Some(codes) if codes.iter().any(|c| c == "all") => " 全业务授权".into(),
        Some(codes) => format!(" 精准授权: {}", codes.join("、")),
    }
}

/// After `realname start`.
pub fn realname_started(s: &RealNameStarted) -> String {
    format!(
        "验证码已发送至 {}（{} 前有效）\n会话: {}\n下一步: realname confirm --session {} --code 验证码",
        s.phone_masked,
        format_beijing(s.expires_at),
        s.session,
        s.session
    )
}

fn offer_line(o: &LicenseOffer) -> String {
    let grant = o
        .grant_id
        .as_deref()
        .map(|g| format!(" --grant {g}"))
        .unwrap_or_default();
    format!(
        "  {} {} [{}，{}]{}{}{}",
        o.uscc,
        o.entity_name,
        role(&o.role),
        status_name(&o.status),
        period(o.period),
        matters(o.matters.as_ref()),
        grant
    )
}

/// The licenses of a locality.
pub fn license_list(l: &LicenseList) -> String {
    let mut out = format!(
        "登记地 {}\n可下载执照记录:",
        yizhao_domain::registry::locality_text(&l.locality)
    );
    if l.downloadable.is_empty() {
        out.push_str("\n  （无）");
    }
    for o in &l.downloadable {
        out.push('\n');
        out.push_str(&offer_line(o));
    }
    out.push_str("\n已下载执照记录:");
    if l.downloaded.is_empty() {
        out.push_str("\n  （无）");
    }
    for o in &l.downloaded {
        out.push('\n');
        out.push_str(&offer_line(o));
    }
    out
}

/// One downloaded license on one line.
pub fn license_line(l: &StoredLicense) -> String {
    format!(
        "{}（{}）{}，执照编号 {}",
        l.entity_name,
        l.uscc,
        role(&l.role),
        l.license_id
    )
}

/// The licenses of this phone.
pub fn stored_licenses(all: &[StoredLicense]) -> String {
    if all.is_empty() {
        return "本手机还没有下载执照".into();
    }
    let mut out = format!("本手机的执照（{} 张）:", all.len());
    for l in all {
        let _ = write!(
            out,
            "\n  {}，下载于 {}",
            license_line(l),
            format_beijing(l.downloaded_at)
        );
    }
    out
}

/// One license in full, with its face data (照面信息).
pub fn stored_license_full(l: &StoredLicense) -> String {
    let f = &l.face;
    let rows = [
        ("统一社会信用代码", f.uscc.as_str()),
        ("名称", &f.name),
        ("类型", &f.kind),
        ("法定代表人", &f.legal_representative),
        ("注册资本", &f.registered_capital),
        ("成立日期", &f.established),
        ("营业期限", &f.business_term),
        ("住所", &f.domicile),
        ("经营范围", &f.business_scope),
        ("登记机关", &f.registration_authority),
        (
            "登记地",
            &yizhao_domain::registry::locality_text(&f.locality),
        ),
    ];
    let mut out = format!(
        "执照编号 {}\n持有角色 {}\n下载时间 {}",
        l.license_id,
        role(&l.role),
        format_beijing(l.downloaded_at)
    );
    for (k, v) in rows {
        let _ = write!(out, "\n{k}: {v}");
    }
    out
}

/// One grant on one line.
pub fn grant_line(g: &GrantItem) -> String {
    format!(
        "{} {} {} {} [{}，{}]{}{}，已下载 {} 份",
        g.grant_id,
        g.name,
        g.id_number_masked,
        g.phone_masked,
        role(&g.role),
        status_name(&g.status),
        period(g.period),
        matters(g.matters.as_ref()),
        g.downloads
    )
}

/// A list of grants.
pub fn grants(items: &[GrantItem], empty: &str) -> String {
    if items.is_empty() {
        return empty.into();
    }
    items.iter().map(grant_line).collect::<Vec<_>>().join("\n")
}

/// A license's status.
pub fn status(b: &StatusBody) -> String {
    let usable = if b.usable {
        "可以使用".to_owned()
    } else {
        let why = b.reason.as_ref().map(|r| r.message.as_str()).unwrap_or("");
        format!("不可使用 {why}")
    };
    let matter = b
        .matter
        .as_deref()
        .map(|m| format!("，事项 {m}"))
        .unwrap_or_default();
    format!(
        "执照 {}（{}，{}）: {}{}，{}",
        b.license_id,
        b.uscc,
        role(&b.role),
        status_name(&b.status),
        matter,
        usable.trim_end()
    )
}

/// A checked QR request, as shown before answering: 请求方、事项、有效期.
pub fn scan_preview(p: &ScanPreview) -> String {
    let matter = match &p.matter_name {
        Some(name) => format!("{name}（{}）", p.matter),
        None => p.matter.clone(),
    };
    let mut out = format!(
        "请求方: {}\n操作: {}\n事项: {matter}\n有效期至: {}",
        p.requester.name,
        kind_name(&p.kind),
        format_beijing(p.expires_at)
    );
    for l in &p.licenses {
        let _ = write!(
            out,
            "\n可用执照: {} {}（{}，{}）",
            l.entity_name,
            l.uscc,
            role(&l.role),
            l.license_id
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(role: &str, status: &str) -> LicenseOffer {
        LicenseOffer {
            uscc: "91420500MA4F000X1A".into(),
            entity_name: "宜昌市示范建设工程有限公司".into(),
            role: role.into(),
            grant_id: Some("g-7".into()),
            status: status.into(),
            period: Some((1_795_000_000, 1_795_259_200)),
            matters: Some(vec!["ggzy.fgw".into()]),
        }
    }

    #[test]
    fn license_list_names_roles_statuses_and_the_grant() {
        let list = LicenseList {
            locality: "420500".into(),
            downloadable: vec![offer("agent", "not_yet_effective")],
            downloaded: vec![],
        };
        let text = license_list(&list);
        assert!(text.contains("办事人"), "{text}");
        assert!(text.contains("未生效"), "{text}");
        assert!(text.contains("--grant g-7"), "{text}");
        assert!(text.contains("精准授权: ggzy.fgw"), "{text}");
        assert!(text.contains("已下载执照记录:\n  （无）"), "{text}");
    }

    #[test]
    fn grant_line_shows_all_business() {
        let g = GrantItem {
            grant_id: "g-1".into(),
            role: "agent".into(),
            name: "王强".into(),
            id_number_masked: "4205**********1234".into(),
            phone_masked: "139****1111".into(),
            period: Some((1_795_000_000, 1_795_259_200)),
            matters: Some(vec!["all".into()]),
            status: "active".into(),
            downloads: 1,
        };
        let line = grant_line(&g);
        assert!(line.contains("全业务授权"), "{line}");
        assert!(line.contains("2026-11-18"), "{line}");
        assert_eq!(grants(&[], "还没有授权办事人"), "还没有授权办事人");
    }
}

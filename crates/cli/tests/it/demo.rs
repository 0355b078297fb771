//! `yizhao demo` as a newcomer reads it (issue #15): its own text in Chinese, steps numbered in
//! order, no ANSI colours when its output is not a terminal, the review done on the reviewer's
//! pages, and a second, unregistered enterprise's real-name data to try by hand.

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::Stdio;

use yizhao_domain::registry::demo_registry_entry;

use crate::Running;

/// Runs the demo with stdout and stderr on pipes; its stdout up to the serving line, and what
/// it wrote to stderr by then (the process is stopped).
fn demo_output() -> (Vec<String>, String) {
    let mut child = crate::yizhao()
        .args(["demo", "--listen", "127.0.0.1:0"])
        .env_remove("YIZHAO_DATABASE_URL")
        .env_remove("NO_COLOR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut stderr = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let running = Running(child);
    let mut lines = Vec::new();
    for line in stdout.lines() {
        let line = line.unwrap();
        let done = line.starts_with("正在服务");
        lines.push(line);
        if done {
            break;
        }
    }
    drop(running);
    (lines, errors.join().unwrap())
}

/// Whether a line has three ASCII words in a row: English prose rather than a command, a URL
/// or a code.
fn has_english_prose(line: &str) -> bool {
    let mut run = 0;
    for word in line.split_whitespace() {
        let w = word.trim_matches(|c: char| ",.:;!?'\"()—".contains(c));
        if w.len() >= 2 && w.chars().all(|c| c.is_ascii_alphabetic()) {
            run += 1;
            if run >= 3 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

#[test]
fn the_demo_reads_in_chinese_in_order_without_colours() {
    let (lines, stderr) = demo_output();
    let all = lines.join("\n");
    assert!(
        lines.last().is_some_and(|l| l.starts_with("正在服务")),
        "{all}\n{stderr}"
    );
    // No colours on pipes, on either stream.
    assert!(!all.contains('\u{1b}'), "{all}");
    assert!(!stderr.contains('\u{1b}'), "{stderr}");
    // Chinese, not English prose.
    for l in &lines {
        assert!(!has_english_prose(l), "English in: {l}");
    }
    // Steps 1, 2, 3, … with no gaps.
    let steps: Vec<u32> = lines
        .iter()
        .filter_map(|l| l.split_once(". ").and_then(|(n, _)| n.parse().ok()))
        .collect();
    assert!(steps.len() >= 6, "{all}");
    assert_eq!(steps, (1..=steps.len() as u32).collect::<Vec<_>>(), "{all}");
    // The photo adjustments it claims, and the review on the reviewer's pages.
    assert!(
        all.contains("对比度 +20") && all.contains("亮度 +10"),
        "{all}"
    );
    assert!(
        all.contains("审核页面") && all.contains("已制作印章"),
        "{all}"
    );
    // 登记地 by name.
    assert!(all.contains("湖北省宜昌市西陵区"), "{all}");
    // Enterprises a newcomer can register by hand, with their legal representatives' data.
    for name in ["宜昌云帆信息技术有限公司", "宜昌峡江路桥建设有限公司"] {
        let e = demo_registry_entry(name).unwrap();
        let p = &e.legal_representative;
        assert!(all.contains(name) && all.contains(e.uscc.as_str()), "{all}");
        assert!(
            all.contains(&p.name)
                && all.contains(p.id_number.as_str())
                && all.contains(p.phone.as_str()),
            "{all}"
        );
    }
}

#[test]
fn english_prose_is_recognised() {
    assert!(has_english_prose(
        "yizhao demo: a fresh embedded instance, removed when you stop it."
    ));
    assert!(!has_english_prose(
        "  命令行: yizhao wallet --home /tmp/x --server http://a show"
    ));
    assert!(!has_english_prose(
        "正在服务 http://127.0.0.1:1/ ——按 Ctrl-C 停止。"
    ));
}

//! `scripts/bench-seals`: a 12-megapixel photo of a seal (4000×3000 JPEG, drawn once by the
//! test fixtures' code) through the impression pipeline — decode → crop → rotate 90 →
//! brightness/contrast → recolour → transparent paper → PNG — beside ImageMagick's `convert`
//! doing the same steps on the same file in the same run.
//!
//! Both run as child processes under `/usr/bin/time -f '%e %M'`, so wall time includes process
//! start and file IO on both sides and peak RSS is the kernel's figure for each. Ours is this
//! bench binary re-run in a child mode (`IMPRESSION_BENCH_CHILD`), which also reports the time
//! spent in `process` alone.
//!
//! ImageMagick's chain: `convert in.jpg -crop WxH+X+Y +repage -rotate 90 -brightness-contrast
//! BxC -fuzz 25% -transparent white -fill '#E60012' -colorize 100 out.png`, once with its
//! default PNG settings and once with `-define png:compression-level=1` (closest to our fast
//! deflate). Its paper-to-transparent is binary (fuzz around white) where ours keeps an alpha
//! ramp, so it is the closest chain, not an identical one.
//!
//! Environment: `BENCH_RUNS` (runs of each, median reported; default 3), `BENCH_CONVERT` (the
//! ImageMagick `convert` to use; default `convert` on the PATH), `BENCH_KEEP` (keep the photo and
//! the outputs, and print where).

// A benchmark reads the clock; that is its job. A panic is its failure report.
#![allow(
    clippy::disallowed_methods,
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    dead_code
)]

#[path = "../tests/it/fixtures.rs"]
mod fixtures;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use yizhao_impression::{Adjustments, InkColour, Rect, Rotation, process};

const CHILD: &str = "IMPRESSION_BENCH_CHILD";

fn crop() -> Rect {
    Rect {
        x: 600,
        y: 100,
        width: 2800,
        height: 2800,
    }
}

fn adjustments() -> Adjustments {
    Adjustments {
        crop: Some(crop()),
        rotation: Rotation::R90,
        brightness: 10,
        contrast: 20,
        colour: InkColour::Red,
        threshold: Adjustments::DEFAULT_THRESHOLD,
    }
}

/// Child mode: one pipeline run from file to file; prints the time in `process` and VmHWM.
fn child(input: &Path, output: &Path) {
    let bytes = std::fs::read(input).unwrap();
    let t0 = Instant::now();
    let out = process(&bytes, &adjustments()).unwrap();
    let ms = t0.elapsed().as_secs_f64() * 1000.0;
    drop(bytes);
    std::fs::write(output, &out.png).unwrap();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("0");
    println!("process_ms={ms:.1} vmhwm_kib={hwm}");
}

/// One measured run of a command: wall seconds (ours, around the child) and peak RSS in KiB.
struct Run {
    wall: f64,
    rss_kib: u64,
    stdout: String,
}

fn measured(cmd: &[&str], envs: &[(&str, &str)]) -> Run {
    let time = Path::new("/usr/bin/time");
    let mut c = if time.exists() {
        let mut c = Command::new(time);
        c.args(["-f", "TIME %e %M"]).args(cmd);
        c
    } else {
        let mut c = Command::new(cmd[0]);
        c.args(&cmd[1..]);
        c
    };
    c.envs(envs.iter().copied());
    let t0 = Instant::now();
    let out = c.output().unwrap();
    let wall = t0.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{cmd:?} failed: {stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let rss_kib = stderr
        .lines()
        .find_map(|l| l.strip_prefix("TIME "))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .or_else(|| {
            // No /usr/bin/time: our child reports its own VmHWM.
            stdout
                .split_whitespace()
                .find_map(|kv| kv.strip_prefix("vmhwm_kib="))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0);
    Run {
        wall,
        rss_kib,
        stdout,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

struct Row {
    name: String,
    wall: f64,
    rss_mib: f64,
    out_bytes: u64,
}

fn bench(name: &str, runs: usize, cmd: &[&str], envs: &[(&str, &str)], out: &Path) -> Row {
    let mut walls = Vec::new();
    let mut rss = 0;
    for _ in 0..runs {
        let r = measured(cmd, envs);
        walls.push(r.wall);
        rss = rss.max(r.rss_kib);
        if !r.stdout.is_empty() {
            eprintln!("  {name}: {}", r.stdout.trim());
        }
    }
    Row {
        name: name.to_owned(),
        wall: median(walls),
        rss_mib: rss as f64 / 1024.0,
        out_bytes: std::fs::metadata(out).map(|m| m.len()).unwrap_or(0),
    }
}

fn main() {
    if let Ok(paths) = std::env::var(CHILD) {
        let (input, output) = paths.split_once('\n').unwrap();
        child(Path::new(input), Path::new(output));
        return;
    }
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let convert = std::env::var("BENCH_CONVERT").unwrap_or_else(|_| "convert".to_owned());
    let dir = std::env::temp_dir().join(format!("yizhao-bench-seals-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("seal-12mp.jpg");

    let t0 = Instant::now();
    let photo = fixtures::Seal {
        width: 4000,
        height: 3000,
        cx: 2000.0,
        cy: 1500.0,
        radius: 1300.0,
        tilt: 2.0,
        noise: 8,
        ..fixtures::Seal::default()
    }
    .draw();
    let jpeg = photo.jpeg(90);
    drop(photo);
    std::fs::write(&input, &jpeg).unwrap();
    eprintln!(
        "fixture: 4000×3000 JPEG, {:.1} MiB, drawn in {:.1} s",
        jpeg.len() as f64 / 1048576.0,
        t0.elapsed().as_secs_f64()
    );

    let a = adjustments();
    let c = crop();
    let geometry = format!("{}x{}+{}+{}", c.width, c.height, c.x, c.y);
    let bc = format!("{}x{}", a.brightness, a.contrast);
    let [r, g, b] = a.colour.rgb();
    let fill = format!("#{r:02X}{g:02X}{b:02X}");
    let have_im = Command::new(&convert)
        .arg("-version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("ImageMagick"))
        .unwrap_or(false);
    let mut inputs = vec![("baseline JPEG (as phones write)", input.clone())];
    if have_im {
        // The same photo as a progressive JPEG: its decoder keeps every coefficient in memory.
        let progressive = dir.join("seal-12mp-progressive.jpg");
        let ok = Command::new(&convert)
            .arg(&input)
            .args(["-interlace", "JPEG", "-quality", "90"])
            .arg(&progressive)
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            inputs.push(("progressive JPEG (re-encoded by convert)", progressive));
        }
    } else {
        eprintln!("ImageMagick's convert not found: only our pipeline is measured");
    }

    let exe = std::env::current_exe().unwrap();
    println!();
    println!(
        "12-megapixel seal photo (4000×3000): crop {geometry}, rotate 90, brightness/contrast {bc}, colour {fill}, paper transparent, PNG; median of {runs} runs, each a fresh process"
    );
    println!();
    println!("| input | pipeline | wall time | ours / this | peak RSS | output |");
    println!("|---|---|---:|---:|---:|---:|");
    let mut worst_ratio: Option<f64> = None;
    let mut worst_rss = 0.0f64;
    for (label, photo) in &inputs {
        let ours_out: PathBuf = dir.join("ours.png");
        let child_env = format!("{}\n{}", photo.display(), ours_out.display());
        let mut rows = vec![bench(
            "yizhao-impression",
            runs,
            &[exe.to_str().unwrap()],
            &[(CHILD, child_env.as_str())],
            &ours_out,
        )];
        if have_im {
            for (name, extra, out) in [
                ("ImageMagick convert", &[][..], dir.join("magick.png")),
                (
                    "ImageMagick convert, png:compression-level=1",
                    &["-define", "png:compression-level=1"][..],
                    dir.join("magick-fast.png"),
                ),
            ] {
                let mut args: Vec<String> = vec![convert.clone(), photo.display().to_string()];
                args.extend(
                    [
                        "-crop",
                        &geometry,
                        "+repage",
                        "-rotate",
                        "90",
                        "-brightness-contrast",
                        &bc,
                        "-fuzz",
                        "25%",
                        "-transparent",
                        "white",
                        "-fill",
                        &fill,
                        "-colorize",
                        "100",
                    ]
                    .map(str::to_owned),
                );
                args.extend(extra.iter().map(|s| (*s).to_owned()));
                args.push(out.display().to_string());
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                rows.push(bench(name, runs, &args, &[], &out));
            }
        }
        let ours_wall = rows[0].wall;
        for row in &rows {
            println!(
                "| {label} | {} | {:.3} s | {:.2} | {:.1} MiB | {:.2} MiB |",
                row.name,
                row.wall,
                ours_wall / row.wall,
                row.rss_mib,
                row.out_bytes as f64 / 1048576.0
            );
        }
        for row in &rows[1..] {
            let ratio = ours_wall / row.wall;
            worst_ratio = Some(worst_ratio.map_or(ratio, |w| w.max(ratio)));
        }
        worst_rss = worst_rss.max(rows[0].rss_mib);
    }
    println!();
    println!(
        "targets: ours/ImageMagick ≤ 1.0 → {}; our peak RSS < 200 MiB → {worst_rss:.1} MiB ({})",
        match worst_ratio {
            Some(w) => format!(
                "worst {w:.2} ({})",
                if w <= 1.0 { "met" } else { "NOT met" }
            ),
            None => "not measured".to_owned(),
        },
        if worst_rss < 200.0 { "met" } else { "NOT met" }
    );
    if std::env::var_os("BENCH_KEEP").is_some() {
        eprintln!("inputs and outputs kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

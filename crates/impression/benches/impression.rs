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

    let exe = std::env::current_exe().unwrap();
    let ours_out: PathBuf = dir.join("ours.png");
    let child_env = format!("{}\n{}", input.display(), ours_out.display());
    let ours = bench(
        "yizhao-impression",
        runs,
        &[exe.to_str().unwrap()],
        &[(CHILD, child_env.as_str())],
        &ours_out,
    );

    let a = adjustments();
    let c = crop();
    let geometry = format!("{}x{}+{}+{}", c.width, c.height, c.x, c.y);
    let bc = format!("{}x{}", a.brightness, a.contrast);
    let [r, g, b] = a.colour.rgb();
    let fill = format!("#{r:02X}{g:02X}{b:02X}");
    let im_out = dir.join("magick.png");
    let im_fast_out = dir.join("magick-fast.png");
    let chain = |extra: &[&'static str], out: &Path| -> Vec<String> {
        let mut v: Vec<String> = vec![convert.clone(), input.display().to_string()];
        v.extend(
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
        v.extend(extra.iter().map(|s| (*s).to_owned()));
        v.push(out.display().to_string());
        v
    };
    let have_im = Command::new(&convert)
        .arg("-version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("ImageMagick"))
        .unwrap_or(false);
    let mut rows = vec![ours];
    if have_im {
        for (name, extra, out) in [
            ("ImageMagick convert", &[][..], &im_out),
            (
                "ImageMagick convert, png:compression-level=1",
                &["-define", "png:compression-level=1"][..],
                &im_fast_out,
            ),
        ] {
            let args = chain(extra, out);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            rows.push(bench(name, runs, &args, &[], out));
        }
    } else {
        eprintln!("ImageMagick's convert not found: only our pipeline is measured");
    }

    println!();
    println!(
        "12-megapixel seal photo (4000×3000 JPEG): crop {geometry}, rotate 90, brightness/contrast {bc}, colour {fill}, paper transparent, PNG; median of {runs} runs, each a fresh process"
    );
    println!();
    println!("| pipeline | wall time | ours / this | peak RSS | output |");
    println!("|---|---:|---:|---:|---:|");
    let ours_wall = rows[0].wall;
    for row in &rows {
        println!(
            "| {} | {:.3} s | {:.2} | {:.1} MiB | {:.2} MiB |",
            row.name,
            row.wall,
            ours_wall / row.wall,
            row.rss_mib,
            row.out_bytes as f64 / 1048576.0
        );
    }
    println!();
    let worst_ratio = rows[1..]
        .iter()
        .map(|r| ours_wall / r.wall)
        .fold(0.0, f64::max);
    println!(
        "targets: ours/ImageMagick ≤ 1.0 → {}; peak RSS < 200 MiB → {:.1} MiB ({})",
        if rows.len() > 1 {
            format!(
                "{worst_ratio:.2} ({})",
                if worst_ratio <= 1.0 { "met" } else { "NOT met" }
            )
        } else {
            "not measured".to_owned()
        },
        rows[0].rss_mib,
        if rows[0].rss_mib < 200.0 {
            "met"
        } else {
            "NOT met"
        }
    );
    if std::env::var_os("BENCH_KEEP").is_some() {
        eprintln!("inputs and outputs kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

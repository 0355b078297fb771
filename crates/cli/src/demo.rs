//! `yizhao demo`: a fresh embedded instance on a temporary data folder. It plays the manual's
//! scenario step by step (docs: SCENARIO.md), printing each step and its outcome, then serves the
//! instance until Ctrl-C so a person can carry on by hand.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context as _;

use crate::{server, system};

/// One step of the scenario, played before serving.
trait Step {
    /// What the step does, in the manual's words.
    fn title(&self) -> &str;
    /// Plays the step on the fresh instance; returns its outcome in one line.
    fn run(&self, data_dir: &Path) -> anyhow::Result<String>;
}

/// The scenario's steps that are built so far, in order. Steps that are not built yet are not
/// listed: the demo never prints a step it did not play.
fn steps() -> Vec<Box<dyn Step>> {
    Vec::new()
}

/// Creates the temporary instance, plays the steps, then serves until Ctrl-C or SIGTERM.
pub async fn run(listen: SocketAddr) -> anyhow::Result<()> {
    // Kept until the server stops; dropping it removes the folder.
    let data = tempfile::Builder::new()
        .prefix("yizhao-demo-")
        .tempdir()
        .context("cannot create a temporary data folder")?;
    let listener = system::bind(listen).await?;
    let shutdown = system::shutdown_signal()?;
    let addr = listener.local_addr()?;

    println!("yizhao demo: a fresh embedded instance, removed when you stop it.");
    println!("  data folder: {}", data.path().display());
    println!("  web pages:   http://{addr}/");
    println!();

    for (n, step) in steps().iter().enumerate() {
        let n = n + 1;
        println!("{n}. {}", step.title());
        let outcome = step
            .run(data.path())
            .with_context(|| format!("demo step {n} failed: {}", step.title()))?;
        println!("   → {outcome}");
    }

    println!("Serving http://{addr}/ — press Ctrl-C to stop.");
    server::run(listener, shutdown).await?;
    data.close()
        .context("cannot remove the temporary data folder")
}

//! Rebuilds the crate when a migration file is added, so that `sqlx::migrate!` embeds it
//! (the macro tracks the files it saw, not new ones).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

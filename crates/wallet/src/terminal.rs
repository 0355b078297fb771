//! Asking for a password on the terminal without showing it.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use yizhao_gm::keystore::Password;
use zeroize::Zeroize as _;

/// Whether standard input is a terminal a person can type on.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal()
}

/// Asks for one line on the terminal with echo off (`stty -echo` around the read; where `stty`
/// is missing, the line is read with echo on). The prompt goes to stderr.
pub fn prompt_hidden(text: &str) -> std::io::Result<Password> {
    eprint!("{text}");
    std::io::stderr().flush().ok();
    let stty = |arg: &str| {
        std::process::Command::new("stty")
            .arg(arg)
            .stdin(std::process::Stdio::inherit())
            .status()
            .is_ok_and(|s| s.success())
    };
    let echo_off = stty("-echo");
    let mut line = String::new();
    let read = std::io::stdin().lock().read_line(&mut line);
    if echo_off {
        stty("echo");
    }
    eprintln!();
    let password = read.map(|_| Password::new(line.trim_end_matches(['\r', '\n']).to_owned()));
    line.zeroize();
    password
}

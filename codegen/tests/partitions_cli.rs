//! `codegen partitions` never panics: argument ranges are clap's (exit 2), month arithmetic
//! is checked, and a reader that stops early (`| head`, `| psql` failing) ends it quietly.

#![allow(clippy::expect_used, reason = "a test fails by panicking")]

use std::io::Read;
use std::process::{Command, Stdio};

fn codegen(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_codegen"))
        .arg("partitions")
        .args(args)
        .output()
        .expect("codegen runs")
}

#[test]
fn out_of_range_arguments_are_usage_errors() {
    for args in [
        &["--from", "2147483647-12"][..],
        &["--from", "0000-01"],
        &["--from", "10000-01"],
        &["--months", "0"],
        &["--months", "100000"],
    ] {
        let output = codegen(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("invalid value"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
}

#[test]
fn months_past_year_9999_are_an_error_not_an_overflow() {
    let output = codegen(&["--from", "9999-12", "--months", "2"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("2 month(s) from 9999-12 run past 9999-12"),
        "{stderr}"
    );
    let last = codegen(&["--from", "9999-12", "--months", "1"]);
    assert!(last.status.success());
    assert!(String::from_utf8_lossy(&last.stdout).contains("TO ('10000-01-01 00:00:00')"));
}

/// The reader takes a few bytes of the ~850 KB script and closes the pipe.
#[test]
fn a_closed_pipe_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_codegen"))
        .args(["partitions", "--months", "1200"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("codegen runs");
    let mut stdout = child.stdout.take().expect("piped");
    let mut first = [0u8; 6];
    stdout.read_exact(&mut first).expect("the script starts");
    drop(stdout);
    let output = child.wait_with_output().expect("codegen ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(&first, b"BEGIN;");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
}

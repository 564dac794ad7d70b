//! Running the `spine-migrate` binary as operators do, shared by the process suites.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The binary in `cwd`, with no target from the environment.
pub fn migrate(cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spine-migrate"));
    command
        .current_dir(cwd)
        .env_remove("SPINE_DATABASE_URL")
        .env_remove("DATABASE_URL")
        .env_remove("SPINE_TRACKING_TABLE")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null());
    command
}

/// Runs `command` to its end.
pub fn run(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|e| panic!("running migrate: {e}"))
}

/// `bytes` as text, lossily.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A scratch directory deleted with the value.
pub fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

//! [`codegen_cli`] as a Rust dylib: the `codegen` binary links this, so an edit of a table
//! relinks only that small binary (see this crate's Cargo.toml).

pub use codegen_cli::*;

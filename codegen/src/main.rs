//! `cargo run -p codegen`: renders schema-defs into migrations-generated/.
//! `cargo run -p codegen -- --check`: writes nothing; exits 1 when the tree is not fresh.

use clap::Parser;
use codegen::files::{self, Drift};
use codegen::generate;
use schema_dsl::Dialect;
use std::path::PathBuf;
use std::process::ExitCode;

/// Render the spine schema as SQLite, PostgreSQL and Db2 migration files.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Write nothing; list stale, missing and extra files and fail if there are any.
    #[arg(long)]
    check: bool,
    /// The output directory.
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations-generated"))]
    out: PathBuf,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let generated = match generate(&schema_defs::schema(), &Dialect::ALL) {
        Ok(generated) => generated,
        Err(error) => {
            eprintln!("codegen: the schema cannot be rendered:\n{error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = if args.check {
        files::diff(&args.out, &generated)
    } else {
        files::write(&args.out, &generated)
    };
    match outcome {
        Ok(drift) if args.check && !drift.is_empty() => {
            eprintln!(
                "codegen: {} is not fresh; run `cargo run -p codegen`:",
                args.out.display()
            );
            drift.iter().for_each(|d| eprintln!("  {d}"));
            ExitCode::FAILURE
        }
        Ok(drift) => {
            for change in &drift {
                match change {
                    Drift::Missing(path) | Drift::Stale(path) => {
                        println!("wrote   {}", path.display())
                    }
                    Drift::Extra(path) => println!("removed {}", path.display()),
                }
            }
            println!(
                "codegen: {} files {} in {}",
                generated.len(),
                if args.check { "fresh" } else { "written" },
                args.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("codegen: {}: {error}", args.out.display());
            ExitCode::FAILURE
        }
    }
}

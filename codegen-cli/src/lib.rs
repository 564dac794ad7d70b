//! The `codegen` command for a schema given by the caller (the `codegen` binary gives the spine
//! schema from schema-defs, so that an edit of a table rebuilds that small binary, not this).
//!
//! `cargo run -p codegen`: renders schema-defs into migrations-generated/ and the per-table
//! statements into statements-generated/; warnings go to stderr and never fail the run.
//! It also writes the schema documentation into docs/schema/ (an ER diagram, per-table types in
//! every dialect, the Db2 row sizes, the dialect differences, the release history).
//! `cargo run -p codegen -- --check`: writes nothing; exits 1 when any tree is not fresh (a CRLF
//! checkout is fresh). codegen owns only what it writes: it removes only files carrying its
//! header, never follows a symbolic link in a tree, writes each tree all or nothing, and
//! refuses output roots that are the same directory or nested (exit 2).
//! Released migrations render from the release record (`migrations-generated/releases.jsonl`),
//! never from today's structs; every run verifies the record, refuses edits of released
//! migrations and released files that would change, and refuses structs the migrations do not
//! give (printing the steps to add). `cargo run -p codegen -- release` then appends every
//! migration declared after the last released one to the record.
//! `cargo run -p codegen -- partitions --months 3`: prints the SQL that creates the coming
//! months' partitions (idempotent), e.g. `| psql -v ON_ERROR_STOP=1 "$DATABASE_URL"`.

use clap::{Parser, Subcommand};
use schema_dsl::{DeclaredTable, Dialect, FindingKind, Schema, completeness, unacknowledged_steps};
use schema_sql::files::{self, Drift};
use schema_sql::partition::{Month, maintenance_sql};
use schema_sql::release::{RECORD_FILE, Record};
use schema_sql::render::GeneratedFile;
use schema_sql::rules::WarningKind;
use schema_sql::{Generated, docs, generate, statement_files};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `println!` that ignores a closed stdout: codegen's report is informative, and a reader that
/// stops early (`codegen | head`) must not turn a finished run into a panic.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// `eprintln!` that ignores a closed stderr, like [`out!`].
macro_rules! err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Render the spine schema as SQLite, PostgreSQL and Db2 migration files.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Write nothing; list stale, missing and extra files and fail if there are any.
    #[arg(long)]
    check: bool,
    /// The output directory [default: migrations-generated/ at the workspace root].
    #[arg(long)]
    out: Option<PathBuf>,
    /// The output directory of the per-table statements [default: statements-generated/].
    #[arg(long)]
    statements_out: Option<PathBuf>,
    /// The output directory of the schema documentation [default: docs/schema/].
    #[arg(long)]
    docs_out: Option<PathBuf>,
    /// The release record [default: migrations-generated/releases.jsonl].
    #[arg(long)]
    record: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Write the trees, then record every migration declared after the last released one as
    /// released (idempotent).
    Release,
    /// Print the SQL that creates the partitions of the coming months (PostgreSQL).
    Partitions {
        /// How many months, the first one included: 1 to 1200.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1200))]
        months: u32,
        /// The first month, YYYY-MM (0001-01 to 9999-12); the current month (UTC) when not given.
        #[arg(long)]
        from: Option<Month>,
    },
}

/// Runs the command line of the process on `schema`, whose structs are `declared`.
pub fn run(schema: &Schema, declared: &[DeclaredTable]) -> ExitCode {
    let args = Args::parse();
    if let Some(Command::Partitions { months, from }) = args.command {
        let first = from.unwrap_or_else(Month::current);
        return match maintenance_sql(schema, Dialect::Postgres, first, months) {
            // A reader that stops early (`| head`) is not an error: exit 0, quietly.
            Ok(sql) => match print_all(&sql) {
                Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => {
                    err!("codegen: stdout: {error}");
                    ExitCode::FAILURE
                }
                _ => ExitCode::SUCCESS,
            },
            Err(error) => {
                err!("codegen: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let out = args
        .out
        .unwrap_or_else(|| workspace_dir("migrations-generated"));
    let statements_out = args
        .statements_out
        .unwrap_or_else(|| workspace_dir("statements-generated"));
    let docs_out = args
        .docs_out
        .unwrap_or_else(|| workspace_dir("docs/schema"));
    let roots = [
        ("--out", out.as_path()),
        ("--statements-out", &statements_out),
        ("--docs-out", &docs_out),
    ];
    if let Some(overlap) = files::overlapping_roots(&roots) {
        err!("codegen: {overlap}");
        return ExitCode::from(2);
    }
    let record_path = args
        .record
        .unwrap_or_else(|| workspace_dir("migrations-generated").join(RECORD_FILE));
    let Some((mut record, merged)) = checked_schema(schema, declared, &record_path) else {
        return ExitCode::FAILURE;
    };
    let Generated {
        files: generated,
        warnings,
    } = match generate(&merged, &Dialect::ALL) {
        Ok(generated) => generated,
        Err(error) => {
            err!("codegen: the schema cannot be rendered:\n{error}");
            return ExitCode::FAILURE;
        }
    };
    let (row_sizes, others): (Vec<_>, Vec<_>) = warnings
        .into_iter()
        .partition(|w| w.kind == WarningKind::RowSize);
    others.iter().for_each(|w| err!("codegen: {w}"));
    if !row_sizes.is_empty() {
        let tables: Vec<&str> = row_sizes.iter().map(|w| w.table.as_str()).collect();
        err!(
            "codegen: note: {} Db2 table(s) need pages over 4K unless extended_row_sz is enabled ({}): see docs/schema/SCHEMA.md#db2-row-sizes",
            tables.len(),
            tables.join(", ")
        );
    }
    let changed = record.check_files(&generated);
    if !changed.is_empty() {
        changed.iter().for_each(|e| err!("codegen: {e}"));
        return ExitCode::FAILURE;
    }
    let statements = statement_files(&merged, &Dialect::ALL);
    let mut status = ExitCode::SUCCESS;
    for (root, files) in [(&out, &generated), (&statements_out, &statements)] {
        if !sync(root, files, files::SQL, args.check) {
            status = ExitCode::FAILURE;
        }
    }
    if matches!(args.command, Some(Command::Release)) && status == ExitCode::SUCCESS {
        let released = record.release(&merged, &generated);
        if released.is_empty() {
            out!("codegen: nothing to release: every migration is released");
        } else if let Err(error) = record.save(&record_path) {
            err!("codegen: {}: {error}", record_path.display());
            return ExitCode::FAILURE;
        } else {
            released.iter().for_each(|id| out!("released {id}"));
            out!(
                "codegen: {} migration(s) released in {}",
                released.len(),
                record_path.display()
            );
        }
    }
    let released: Vec<&str> = record.entries().iter().map(|e| e.id.as_str()).collect();
    let docs = docs::docs_files(&merged, &released);
    if !sync(&docs_out, &docs, docs::EXTENSIONS, args.check) {
        status = ExitCode::FAILURE;
    }
    status
}

/// The record at `record_path`, verified, and the declared schema with the released
/// migrations' steps taken from it; `None`, after printing every problem one a line, when the
/// record is broken, a released migration was edited, a destructive step gives no reason, or
/// the migrations do not give the declared tables (with the steps to add).
fn checked_schema(
    schema: &Schema,
    declared: &[DeclaredTable],
    record_path: &Path,
) -> Option<(Record, Schema)> {
    let record = match Record::load(record_path) {
        Ok(Ok(record)) => record,
        Ok(Err(errors)) => {
            errors.iter().for_each(|e| err!("codegen: {e}"));
            return None;
        }
        Err(error) => {
            err!("codegen: {}: {error}", record_path.display());
            return None;
        }
    };
    let merged = match record.apply(schema) {
        Ok(merged) => merged,
        Err(errors) => {
            errors.iter().for_each(|e| err!("codegen: {e}"));
            return None;
        }
    };
    let mut findings = unacknowledged_steps(&merged);
    findings.extend(completeness(&merged, declared));
    if findings.is_empty() {
        return Some((record, merged));
    }
    findings.iter().for_each(|f| err!("codegen: {f}"));
    let mut tables: Vec<&str> = findings.iter().map(|f| f.table.as_str()).collect();
    tables.dedup();
    for table in tables {
        if let Some(owner) = record.released_owner(&merged, table) {
            err!(
                "codegen: table `{table}` was last changed by released migration `{}`, which never changes: the change needs a new migration",
                owner.id
            );
        }
    }
    let paste: Vec<&str> = findings
        .iter()
        .filter(|f| f.kind != FindingKind::AmbiguousRename)
        .filter_map(|f| f.suggestion.as_deref())
        .collect();
    if !paste.is_empty() {
        err!(
            "codegen: the structs differ from what the migrations give; append a migration to schema() in schema-defs/src/lib.rs with:"
        );
        paste.iter().for_each(|rust| err!("    {rust}"));
    }
    None
}

/// Writes `text` to stdout, returning the error (a closed pipe included) instead of panicking.
fn print_all(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text.as_bytes())?;
    stdout.flush()
}

/// `name` at the workspace root, wherever codegen is run from.
fn workspace_dir(name: &str) -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).join(name)
}

/// Writes (or with `check`, compares) `files` under `root`, which owns the files with an
/// extension in `owned`; false when that fails or, with
/// `check`, when the tree is not fresh.
fn sync(root: &Path, files: &[GeneratedFile], owned: &[&str], check: bool) -> bool {
    let outcome = if check {
        files::diff_owning(root, files, owned)
    } else {
        files::write_owning(root, files, owned)
    };
    match outcome {
        Ok(drift) if check && !drift.is_empty() => {
            err!(
                "codegen: {} is not fresh; run `cargo run -p codegen`:",
                root.display()
            );
            drift.iter().for_each(|d| err!("  {d}"));
            false
        }
        Ok(drift) => {
            for change in &drift {
                match change {
                    Drift::Missing(path) | Drift::Stale(path) => {
                        out!("wrote   {}", path.display())
                    }
                    Drift::Extra(path) => out!("removed {}", path.display()),
                }
            }
            if check {
                out!("codegen: {} files fresh in {}", files.len(), root.display());
            } else {
                let removed = drift
                    .iter()
                    .filter(|change| matches!(change, Drift::Extra(_)))
                    .count();
                let written = drift.len() - removed;
                out!(
                    "codegen: {written} written, {removed} removed, {} unchanged in {}",
                    files.len() - written,
                    root.display()
                );
            }
            true
        }
        Err(error) => {
            err!("codegen: {}: {error}", root.display());
            false
        }
    }
}

//! `spine-migrate`: the operators' command line over the `migrate` library.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::parser::ValueSource;
use clap::{ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use migrate::error::one_line;
use migrate::{
    Dialect, DownTarget, Error, MigrationSet, Progress, ReorgPending, Runner, State, StatusEntry,
    Step, Target, Tier, TrackingTable,
};
use serde_json::json;

/// Writes a line to stdout. A closed stdout (`migrate up | head -1`, a broken pipe) is
/// ignored: the command goes on to its end (every pending migration applied), with the exit
/// code it would have had, as if its output had been read.
macro_rules! out {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// [`out!`] without the newline, flushed.
macro_rules! out_partial {
    ($($arg:tt)*) => {{
        let mut stdout = std::io::stdout();
        let _ = write!(stdout, $($arg)*);
        let _ = stdout.flush();
    }};
}

/// Writes a line to stderr, ignoring a closed stderr.
macro_rules! err_line {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// The `tracing` target of the binary's own events: `migrate`, as the library's
/// (`migrate::…`), so `RUST_LOG=migrate=debug` covers both (the binary's crate is
/// `spine_migrate`).
const LOG_TARGET: &str = "migrate";

/// Environment variable read when `--target` is not given (keeps passwords off the command line).
const TARGET_ENV: &str = "SPINE_DATABASE_URL";
/// The conventional variable (sqlx, diesel, refinery), read when neither `--target` nor
/// `$SPINE_DATABASE_URL` is given.
const DATABASE_URL_ENV: &str = "DATABASE_URL";

/// Applies the spine schema migrations, with tracking, checksums and locking.
#[derive(Parser)]
#[command(name = "spine-migrate", version)]
struct Cli {
    /// Database: sqlite:PATH or a file path, postgres://... or a libpq key=value string (TLS:
    /// sslmode=disable|prefer|require|verify-ca|verify-full, sslrootcert=FILE), or
    /// odbc:<connection string>. Default: $SPINE_DATABASE_URL, else $DATABASE_URL, else
    /// sqlite:spine.db.
    #[arg(
        long,
        short,
        global = true,
        env = TARGET_ENV,
        hide_env_values = true,
        value_parser = clap::builder::OsStringValueParser::new()
    )]
    target: Option<OsString>,
    /// Read when neither --target nor $SPINE_DATABASE_URL is given.
    #[arg(
        long,
        global = true,
        hide = true,
        env = DATABASE_URL_ENV,
        hide_env_values = true,
        value_parser = clap::builder::OsStringValueParser::new()
    )]
    database_url: Option<OsString>,
    /// Root directory of the migration files (holding sqlite/, postgres/, db2/).
    /// Default: the files embedded in this binary at build time.
    #[arg(long, global = true)]
    dir: Option<PathBuf>,
    /// Dialect of an ODBC target; default: read from the driver.
    #[arg(long, global = true, value_enum)]
    dialect: Option<DialectArg>,
    /// Fail after waiting this many seconds for another runner's migration lock (PostgreSQL's
    /// advisory lock, native or through ODBC; SQLite's write lock). Default: PostgreSQL waits
    /// as long as it takes, saying so after a second; SQLite 120 s.
    #[arg(long, global = true, value_name = "SECONDS")]
    lock_timeout: Option<u64>,
    /// Table that tracks the applied migrations: NAME or SCHEMA.NAME, each part a letter or
    /// '_' followed by letters, digits or '_'; without a schema, the connection's current
    /// schema. It must not be the name of a table of the schema.
    #[arg(
        long,
        global = true,
        value_name = "NAME",
        env = "SPINE_TRACKING_TABLE",
        default_value = "_migrations"
    )]
    tracking_table: TrackingTable,
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Print one machine-readable JSON document.
    #[arg(long, global = true, conflicts_with = "quiet")]
    json: bool,
    /// Log more to stderr: -v info, -vv debug, -vvv trace ($RUST_LOG, when set, decides).
    #[arg(long, short, global = true, action = ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

/// `--dialect`.
#[derive(Clone, Copy, ValueEnum)]
enum DialectArg {
    Sqlite,
    Postgres,
    Db2,
}

impl From<DialectArg> for Dialect {
    fn from(arg: DialectArg) -> Self {
        match arg {
            DialectArg::Sqlite => Dialect::Sqlite,
            DialectArg::Postgres => Dialect::Postgres,
            DialectArg::Db2 => Dialect::Db2,
        }
    }
}

/// `--tier`.
#[derive(Clone, Copy, ValueEnum)]
enum TierArg {
    Basic,
    Intermediate,
    Advanced,
}

impl From<TierArg> for Tier {
    fn from(arg: TierArg) -> Self {
        match arg {
            TierArg::Basic => Tier::Basic,
            TierArg::Intermediate => Tier::Intermediate,
            TierArg::Advanced => Tier::Advanced,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations up to a tier, each in its own transaction (default) or all in
    /// one (--group).
    Up(UpArgs),
    /// Show every migration: applied, pending, modified or missing.
    Status,
    /// Print the SQL `up` would run, without running it.
    Plan(PlanArgs),
    /// Revert applied migrations with their .down.sql files.
    Down(DownArgs),
    /// Check the recorded checksums against the files; fails on modified or missing files.
    Validate,
    /// Compare the live schema with the one the applied migrations should have produced (from
    /// the directory's <dialect>/shapes.json): each difference on one line naming table and
    /// object. Exit 0 equal, 1 drift, 2 when it cannot compare (no shapes file, no database).
    Drift,
    /// Re-record the checksum of one applied migration after a reviewed edit of its file, or
    /// record those missing from rows an older runner wrote (--all-unverified).
    Rebless {
        /// Migration id, e.g. basic/0001_source_configs.
        #[arg(
            required_unless_present = "all_unverified",
            conflicts_with = "all_unverified"
        )]
        id: Option<String>,
        /// Record the checksum of every applied migration that has none (shown as
        /// `unverified` by status), once the database is known to match those files.
        #[arg(long)]
        all_unverified: bool,
    },
    /// Print a shell completion script, e.g. `spine-migrate completions bash >
    /// ~/.local/share/bash-completion/completions/spine-migrate`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Args)]
struct UpArgs {
    #[command(flatten)]
    tier: TierChoice,
    /// Apply all pending migrations and their tracking rows in ONE transaction: a failure
    /// leaves nothing of the run, and the run costs one commit instead of one per migration.
    /// But a failure or crash also discards the run's migrations that succeeded, and the write
    /// lock is held for the whole run. Without it (the default) each migration commits on its
    /// own, so a failure or a crash keeps the migrations before it and the next run resumes
    /// from there.
    #[arg(long)]
    group: bool,
    /// Stop after this migration (in apply order); later ones stay pending.
    #[arg(long, value_name = "ID")]
    to: Option<String>,
}

#[derive(Args)]
struct PlanArgs {
    #[command(flatten)]
    tier: TierChoice,
    /// Stop after this migration (in apply order), as `up --to` would.
    #[arg(long, value_name = "ID")]
    to: Option<String>,
    /// Print one complete SQL script a DBA can run with the database's own client: the
    /// tracking table when needed, and each migration between BEGIN and COMMIT with the INSERT
    /// of its tracking row.
    #[arg(long, conflicts_with = "json")]
    sql: bool,
}

#[derive(Args)]
struct TierChoice {
    /// The tier to migrate to (advanced also applies dialect overlays).
    #[arg(long, value_enum, default_value = "advanced")]
    tier: TierArg,
}

#[derive(Args)]
#[group(required = true, multiple = false)]
struct DownArgs {
    /// Revert the last N applied migrations.
    #[arg(long)]
    count: Option<usize>,
    /// Revert every migration applied after this id (it stays applied).
    #[arg(long)]
    to: Option<String>,
    /// Revert every applied migration.
    #[arg(long)]
    all: bool,
}

impl DownArgs {
    fn target(&self) -> DownTarget {
        match (&self.to, self.count) {
            (Some(id), _) => DownTarget::To(id.clone()),
            (None, Some(count)) => DownTarget::Count(count),
            (None, None) => DownTarget::All,
        }
    }
}

/// How a command that ran ended: `drift` exits 1 when it found differences.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Done,
    DriftFound,
}

/// How results are printed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Human,
    Quiet,
    Json,
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(error) => error.exit(),
    };
    let output = if cli.json {
        Output::Json
    } else if cli.quiet {
        Output::Quiet
    } else {
        Output::Human
    };
    init_logging(cli.verbose, cli.quiet);
    if let Command::Completions { shell } = &cli.command {
        let mut script = Vec::new();
        clap_complete::generate(*shell, &mut Cli::command(), "spine-migrate", &mut script);
        let _ = std::io::stdout().write_all(&script);
        return ExitCode::SUCCESS;
    }
    let from_command_line = matches.value_source("target") == Some(ValueSource::CommandLine);
    match run(&cli, from_command_line, output) {
        Ok(Outcome::Done) => ExitCode::SUCCESS,
        Ok(Outcome::DriftFound) => ExitCode::from(1),
        Err(error) => {
            let message = one_line(&error.to_string(), usize::MAX);
            tracing::debug!(target: LOG_TARGET, ?error, "failed");
            if output == Output::Json {
                out!("{}", json!({ "ok": false, "error": message }));
            }
            err_line!("error: {message}");
            // 1 means drift: a drift check that could not compare is a usage problem too.
            if error.is_usage() || matches!(cli.command, Command::Drift) {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Logs to stderr: `$RUST_LOG` when set, else warnings (errors with --quiet) and more with -v.
fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// Where the target came from, for the line printed before anything is applied.
fn choose_target(cli: &Cli, from_command_line: bool) -> Result<(Target, &'static str), Error> {
    let empty = |variable: &'static str| Error::BadEnvironment {
        variable,
        reason: "is empty".to_string(),
    };
    let parse_env = |variable: &'static str, value: &OsString| {
        let text = value.to_str().ok_or_else(|| Error::BadEnvironment {
            variable,
            reason: "is not valid UTF-8".to_string(),
        })?;
        if text.trim().is_empty() {
            return Err(empty(variable));
        }
        let target = text
            .parse::<Target>()
            .map_err(|error| Error::BadEnvironment {
                variable,
                reason: format!("is not a usable target ({error})"),
            })?;
        Ok((target, variable))
    };
    if from_command_line {
        let text = cli
            .target
            .as_ref()
            .and_then(|value| value.to_str())
            .ok_or_else(|| Error::BadTarget {
                target: cli
                    .target
                    .as_ref()
                    .map(|value| value.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                reason: "it is not valid UTF-8".to_string(),
            })?;
        return Ok((text.parse::<Target>()?, "--target"));
    }
    match (&cli.target, std::env::var_os(TARGET_ENV)) {
        (Some(value), _) => return parse_env(TARGET_ENV, value),
        (None, Some(_)) => return Err(empty(TARGET_ENV)),
        (None, None) => {}
    }
    match (&cli.database_url, std::env::var_os(DATABASE_URL_ENV)) {
        (Some(value), _) => parse_env(DATABASE_URL_ENV, value),
        (None, Some(_)) => Err(empty(DATABASE_URL_ENV)),
        (None, None) => Ok((Target::default(), "default")),
    }
}

fn run(cli: &Cli, from_command_line: bool, output: Output) -> Result<Outcome, Error> {
    let dialect = cli.dialect.map(Dialect::from);
    let tier = match &cli.command {
        Command::Up(UpArgs { tier, .. }) | Command::Plan(PlanArgs { tier, .. }) => {
            Some(Tier::from(tier.tier))
        }
        _ => None,
    };
    let (target, source) = choose_target(cli, from_command_line)?;
    let shown = target.display();
    let origin = match source {
        "--target" => String::new(),
        "default" => " (no --target, $SPINE_DATABASE_URL or $DATABASE_URL)".to_string(),
        variable => format!(" (from ${variable})"),
    };
    tracing::info!(target: LOG_TARGET, target = %shown, source, "target chosen");
    let writes = matches!(
        cli.command,
        Command::Up(_) | Command::Down(_) | Command::Rebless { .. }
    );
    if writes && target.in_memory() {
        return Err(Error::BadTarget {
            target: shown.clone(),
            reason: "an in-memory SQLite database ends with this command, so nothing it applied \
                     would be kept; give a file (sqlite:PATH)"
                .to_string(),
        });
    }
    if writes && output == Output::Human {
        out!("target: {shown}{origin}");
    }
    let read_only = matches!(
        cli.command,
        Command::Status | Command::Plan(_) | Command::Validate | Command::Drift
    );
    let downs = matches!(cli.command, Command::Down(_));
    let load = |dialect: Dialect| {
        let selection = migrate::Selection::of(dialect, downs);
        match &cli.dir {
            Some(dir) => MigrationSet::from_dir_selected(dir, selection),
            None => migrate::bundled_selected(selection),
        }
    };
    // Files before connecting when the target's dialect is known (nothing is created for a
    // broken tree); an ODBC source's only once its driver has said.
    let early = match &target {
        Target::Sqlite(_) => Some(Dialect::Sqlite),
        Target::Postgres(_) => Some(Dialect::Postgres),
        Target::Odbc(_) => None,
    };
    let early_set = early.map(load).transpose()?;
    let mut conn = if read_only {
        target.connect_read_only(dialect)?
    } else {
        target.connect(dialect)?
    };
    let notice: fn(&str) = if output == Output::Quiet {
        |_| {}
    } else {
        |notice| err_line!("{notice}")
    };
    conn.set_lock_wait(cli.lock_timeout.map(std::time::Duration::from_secs), notice);
    let set = match early_set {
        Some(set) => set,
        None => load(conn.dialect())?,
    };
    let mut runner =
        Runner::new(conn.as_mut(), &set).with_tracking_table(cli.tracking_table.clone());
    let mut reporter = Reporter::new(output);
    let result = execute(cli, &mut runner, tier, &shown, output, &mut reporter);
    reporter.close_line(result.is_err());
    result
}

/// Prints progress lines in human mode; on a terminal, `applying ID ...` then its duration.
struct Reporter {
    output: Output,
    terminal: bool,
    line_open: bool,
}

impl Reporter {
    fn new(output: Output) -> Self {
        Reporter {
            output,
            terminal: std::io::stdout().is_terminal(),
            line_open: false,
        }
    }

    fn report(&mut self, event: Progress<'_>) {
        match &event {
            Progress::Applying(id) => tracing::info!(target: LOG_TARGET, id, "applying"),
            Progress::Reverting(id) => tracing::info!(target: LOG_TARGET, id, "reverting"),
            Progress::Applied(step) => {
                tracing::info!(target: LOG_TARGET, id = step.id, ms = step.duration_ms, "applied")
            }
            Progress::Reverted(step) => {
                tracing::info!(target: LOG_TARGET, id = step.id, ms = step.duration_ms, "reverted")
            }
            Progress::AppliedElsewhere(id) => {
                tracing::info!(target: LOG_TARGET, id, "applied by another runner")
            }
        }
        if self.output != Output::Human {
            return;
        }
        match event {
            Progress::Applying(id) | Progress::Reverting(id) if self.terminal => {
                let verb = if matches!(event, Progress::Applying(_)) {
                    "applying"
                } else {
                    "reverting"
                };
                out_partial!("{verb:<9} {id} ... ");
                self.line_open = true;
            }
            Progress::Applied(step) | Progress::Reverted(step) if self.terminal => {
                out!("{} ms", step.duration_ms);
                self.line_open = false;
            }
            Progress::Applied(step) => out!("applied   {} ({} ms)", step.id, step.duration_ms),
            Progress::Reverted(step) => out!("reverted  {} ({} ms)", step.id, step.duration_ms),
            Progress::AppliedElsewhere(id) => {
                if self.line_open {
                    out!("skipped (applied by another runner)");
                    self.line_open = false;
                } else {
                    out!("skipped   {id} (applied by another runner)")
                }
            }
            Progress::Applying(id) => out!("applying  {id}"),
            Progress::Reverting(id) => out!("reverting {id}"),
        }
    }

    /// Ends a progress line left open by a failure.
    fn close_line(&mut self, failed: bool) {
        if self.line_open {
            out!("{}", if failed { "failed" } else { "" });
            self.line_open = false;
        }
    }
}

fn execute(
    cli: &Cli,
    runner: &mut Runner<'_>,
    tier: Option<Tier>,
    shown: &str,
    output: Output,
    reporter: &mut Reporter,
) -> Result<Outcome, Error> {
    let mut report = |event: Progress<'_>| reporter.report(event);
    let started = Instant::now();
    let took = |started: Instant| format!("{} ms", started.elapsed().as_millis());
    match &cli.command {
        Command::Up(args) => {
            let tier = tier.unwrap_or(Tier::Advanced);
            let steps = match &args.to {
                Some(id) => runner.up_until(tier, id, args.group, &mut report)?,
                None if args.group => runner.up_grouped(tier, &mut report)?,
                None => runner.up(tier, &mut report)?,
            };
            let how = if args.group {
                " in one transaction"
            } else {
                ""
            };
            let to = match &args.to {
                Some(id) => format!(" up to {id}"),
                None => format!(" at tier {tier}"),
            };
            finish(output, "up", shown, &steps, || match steps.len() {
                0 => format!("{shown} is up to date{to} (checked in {})", took(started)),
                n => format!(
                    "{n} migration(s) applied to {shown}{how} in {} (sum of migrations {} ms)",
                    took(started),
                    steps.iter().map(|s| s.duration_ms).sum::<i64>()
                ),
            });
        }
        Command::Down(args) => {
            let steps = runner.down(&args.target(), &mut report)?;
            finish(output, "down", shown, &steps, || {
                format!(
                    "{} migration(s) reverted on {shown} in {}",
                    steps.len(),
                    took(started)
                )
            });
        }
        Command::Completions { .. } => {}
        Command::Status => {
            let entries = runner.status()?;
            print_status(output, shown, &entries, &runner.reorg_pending()?);
        }
        Command::Validate => {
            let entries = runner.validate()?;
            match output {
                Output::Json => out!(
                    "{}",
                    json!({ "ok": true, "command": "validate", "target": shown, "migrations": entries })
                ),
                Output::Human => out!(
                    "{shown}: every applied migration matches its file (the files, not the \
                     schema: `spine-migrate drift` compares the schema)"
                ),
                Output::Quiet => {}
            }
        }
        Command::Drift => {
            let differences = runner.drift()?;
            match output {
                Output::Json => out!(
                    "{}",
                    json!({
                        "ok": true,
                        "command": "drift",
                        "target": shown,
                        "equal": differences.is_empty(),
                        "differences": differences,
                    })
                ),
                Output::Human if differences.is_empty() => {
                    out!("{shown}: no drift: the schema is what the applied migrations give")
                }
                Output::Human => {
                    for difference in &differences {
                        out!("{difference}");
                    }
                    out!(
                        "{shown}: {} difference(s) from what the applied migrations give",
                        differences.len()
                    );
                }
                Output::Quiet => {}
            }
            if !differences.is_empty() {
                return Ok(Outcome::DriftFound);
            }
        }
        Command::Plan(args) if args.sql => {
            let tier = tier.unwrap_or(Tier::Advanced);
            let script = runner.plan_script(tier, args.to.as_deref())?;
            if output != Output::Quiet {
                out!(
                    "-- spine migrations pending on {shown}, as one script (nothing was applied).\n-- {}\n{}",
                    match runner.dialect() {
                        Dialect::Sqlite => "Run: sqlite3 -bail DB < this.sql",
                        Dialect::Postgres => "Run: psql -v ON_ERROR_STOP=1 -f this.sql",
                        Dialect::Db2 =>
                            "Run: db2 +c -stvf this.sql (autocommit off: each migration ends with its COMMIT)",
                    },
                    script.trim_end()
                );
            }
        }
        Command::Plan(args) => {
            let plan = runner.plan_until(tier.unwrap_or(Tier::Advanced), args.to.as_deref())?;
            match output {
                Output::Json => {
                    let steps: Vec<_> = plan
                        .iter()
                        .map(|m| json!({ "id": m.id, "sql": m.up_sql }))
                        .collect();
                    out!(
                        "{}",
                        json!({ "ok": true, "command": "plan", "target": shown, "pending": steps })
                    );
                }
                Output::Human => {
                    for migration in &plan {
                        out!(
                            "-- {} ({})\n{}",
                            migration.id,
                            migration.up_path,
                            migration.up_sql.trim_end()
                        );
                        out!();
                    }
                    out!(
                        "-- {} migration(s) pending on {shown}; nothing was applied",
                        plan.len()
                    );
                }
                Output::Quiet => {}
            }
        }
        Command::Rebless { id, .. } => {
            let ids = match id {
                Some(id) => runner.rebless(id).map(|()| vec![id.clone()])?,
                None => runner.rebless_all_unverified()?,
            };
            match output {
                Output::Json => out!(
                    "{}",
                    json!({ "ok": true, "command": "rebless", "target": shown, "id": id, "ids": ids })
                ),
                Output::Human => out!(
                    "re-recorded the checksum of {} migration(s) on {shown}: {}",
                    ids.len(),
                    ids.join(", ")
                ),
                Output::Quiet => {}
            }
        }
    }
    Ok(Outcome::Done)
}

fn finish(
    output: Output,
    command: &str,
    target: &str,
    steps: &[Step],
    summary: impl FnOnce() -> String,
) {
    match output {
        Output::Json => out!(
            "{}",
            json!({ "ok": true, "command": command, "target": target, "steps": steps })
        ),
        Output::Human => out!("{}", summary()),
        Output::Quiet => {}
    }
}

fn print_status(
    output: Output,
    target: &str,
    entries: &[StatusEntry],
    reorg_pending: &[ReorgPending],
) {
    match output {
        Output::Json => out!(
            "{}",
            json!({ "ok": true, "command": "status", "target": target, "migrations": entries, "reorg_pending": reorg_pending })
        ),
        Output::Quiet => {}
        Output::Human => {
            // One write for the whole table: a line-buffered stdout made a `write` per
            // migration (1 000 of them at 1 000 migrations, a third of the run).
            use std::fmt::Write as _;
            let mut text = format!("{target}\n");
            let width = entries.iter().map(|e| e.id.len()).max().unwrap_or(0);
            for entry in entries {
                let state = match entry.state {
                    State::Applied => "applied",
                    State::Pending => "pending",
                    State::Modified => "MODIFIED",
                    State::Missing => "MISSING",
                    State::Unverified => "unverified",
                };
                let when = entry.applied_at.as_deref().unwrap_or("-");
                let took = entry
                    .duration_ms
                    .map(|ms| format!("{ms} ms"))
                    .unwrap_or_default();
                let how = if entry.no_transaction {
                    "  (no transaction)"
                } else {
                    ""
                };
                let _ = writeln!(
                    text,
                    "{state:<10}  {:<width$}  {when:<26}  {took}{how}",
                    entry.id
                );
            }
            let count = |state: State| entries.iter().filter(|e| e.state == state).count();
            let _ = writeln!(
                text,
                "{} applied, {} pending, {} modified, {} missing, {} unverified",
                count(State::Applied),
                count(State::Pending),
                count(State::Modified),
                count(State::Missing),
                count(State::Unverified)
            );
            for pending in reorg_pending {
                let _ = writeln!(text, "{pending}");
            }
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
    }
}

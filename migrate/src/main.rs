//! `migrate`: the operators' command line over the `migrate` library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use migrate::error::one_line;
use migrate::{
    Dialect, DownTarget, Error, MigrationSet, Progress, Runner, State, StatusEntry, Step, Target,
    Tier,
};
use serde_json::json;

/// Environment variable read when `--target` is not given (keeps passwords off the command line).
const TARGET_ENV: &str = "SPINE_DATABASE_URL";

/// Applies the spine schema migrations, with tracking, checksums and locking.
#[derive(Parser)]
#[command(name = "migrate", version)]
struct Cli {
    /// Database: sqlite:PATH or a file path (default sqlite:spine.db), postgres://..., a libpq
    /// key=value string, or odbc:<connection string>. Default: $SPINE_DATABASE_URL, else spine.db.
    #[arg(long, short, global = true)]
    target: Option<String>,
    /// Root directory of the migration files (holding sqlite/, postgres/, db2/).
    /// Default: the files embedded in this binary at build time.
    #[arg(long, global = true)]
    dir: Option<PathBuf>,
    /// Dialect of an ODBC target (sqlite, postgres, db2); default: read from the driver.
    #[arg(long, global = true)]
    dialect: Option<String>,
    /// Print nothing but errors.
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Print one machine-readable JSON document.
    #[arg(long, global = true, conflicts_with = "quiet")]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations up to a tier, each in its own transaction (default) or all in
    /// one (--group).
    Up(UpArgs),
    /// Show every migration: applied, pending, modified or missing.
    Status,
    /// Print the SQL `up` would run, without running it.
    Plan(TierArg),
    /// Revert applied migrations with their .down.sql files.
    Down(DownArgs),
    /// Check the recorded checksums against the files; fails on modified or missing files.
    Validate,
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
}

#[derive(Args)]
struct UpArgs {
    #[command(flatten)]
    tier: TierArg,
    /// Apply all pending migrations and their tracking rows in ONE transaction: a failure
    /// leaves nothing of the run, and the run costs one commit instead of one per migration.
    /// But a failure or crash also discards the run's migrations that succeeded, and the write
    /// lock is held for the whole run. Without it (the default) each migration commits on its
    /// own, so a failure or a crash keeps the migrations before it and the next run resumes
    /// from there.
    #[arg(long)]
    group: bool,
}

#[derive(Args)]
struct TierArg {
    /// basic, intermediate or advanced (advanced also applies dialect overlays).
    #[arg(long, default_value = "advanced")]
    tier: String,
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

/// How results are printed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    Human,
    Quiet,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let output = if cli.json {
        Output::Json
    } else if cli.quiet {
        Output::Quiet
    } else {
        Output::Human
    };
    match run(&cli, output) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let message = one_line(&error.to_string(), usize::MAX);
            if output == Output::Json {
                println!("{}", json!({ "ok": false, "error": message }));
            }
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli, output: Output) -> Result<(), Error> {
    let dialect = cli
        .dialect
        .as_deref()
        .map(str::parse::<Dialect>)
        .transpose()?;
    let tier = match &cli.command {
        Command::Up(UpArgs { tier: arg, .. }) | Command::Plan(arg) => {
            Some(arg.tier.parse::<Tier>()?)
        }
        _ => None,
    };
    let set = match &cli.dir {
        Some(dir) => MigrationSet::from_dir(dir)?,
        None => migrate::bundled()?,
    };
    let target = match cli
        .target
        .clone()
        .or_else(|| std::env::var(TARGET_ENV).ok())
    {
        Some(text) => text.parse::<Target>()?,
        None => Target::default(),
    };
    let read_only = matches!(
        cli.command,
        Command::Status | Command::Plan(_) | Command::Validate
    );
    let mut conn = if read_only {
        target.connect_read_only(dialect)?
    } else {
        target.connect(dialect)?
    };
    let mut runner = Runner::new(conn.as_mut(), &set);
    let shown = target.display();
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
                print!("{verb:<9} {id} ... ");
                let _ = std::io::stdout().flush();
                self.line_open = true;
            }
            Progress::Applied(step) | Progress::Reverted(step) if self.terminal => {
                println!("{} ms", step.duration_ms);
                self.line_open = false;
            }
            Progress::Applied(step) => println!("applied   {} ({} ms)", step.id, step.duration_ms),
            Progress::Reverted(step) => println!("reverted  {} ({} ms)", step.id, step.duration_ms),
            Progress::AppliedElsewhere(id) => {
                println!("skipped   {id} (applied by another runner)")
            }
            Progress::Applying(_) | Progress::Reverting(_) => {}
        }
    }

    /// Ends a progress line left open by a failure.
    fn close_line(&mut self, failed: bool) {
        if self.line_open {
            println!("{}", if failed { "failed" } else { "" });
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
) -> Result<(), Error> {
    let mut report = |event: Progress<'_>| reporter.report(event);
    match &cli.command {
        Command::Up(args) => {
            let tier = tier.unwrap_or(Tier::Advanced);
            let steps = if args.group {
                runner.up_grouped(tier, &mut report)?
            } else {
                runner.up(tier, &mut report)?
            };
            let how = if args.group {
                " in one transaction"
            } else {
                ""
            };
            finish(output, "up", shown, &steps, || match steps.len() {
                0 => format!("{shown} is up to date at tier {tier}"),
                n => format!("{n} migration(s) applied to {shown}{how}"),
            });
        }
        Command::Down(args) => {
            let steps = runner.down(&args.target(), &mut report)?;
            finish(output, "down", shown, &steps, || {
                format!("{} migration(s) reverted on {shown}", steps.len())
            });
        }
        Command::Status => print_status(output, shown, &runner.status()?),
        Command::Validate => {
            let entries = runner.validate()?;
            match output {
                Output::Json => println!(
                    "{}",
                    json!({ "ok": true, "command": "validate", "target": shown, "migrations": entries })
                ),
                Output::Human => println!("{shown}: every applied migration matches its file"),
                Output::Quiet => {}
            }
        }
        Command::Plan(_) => {
            let plan = runner.plan(tier.unwrap_or(Tier::Advanced))?;
            match output {
                Output::Json => {
                    let steps: Vec<_> = plan
                        .iter()
                        .map(|m| json!({ "id": m.id, "sql": m.up_sql }))
                        .collect();
                    println!(
                        "{}",
                        json!({ "ok": true, "command": "plan", "target": shown, "pending": steps })
                    );
                }
                Output::Human => {
                    for migration in &plan {
                        println!(
                            "-- {} ({})\n{}",
                            migration.id,
                            migration.up_path,
                            migration.up_sql.trim_end()
                        );
                        println!();
                    }
                    println!(
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
                Output::Json => println!(
                    "{}",
                    json!({ "ok": true, "command": "rebless", "target": shown, "id": id, "ids": ids })
                ),
                Output::Human => println!(
                    "re-recorded the checksum of {} migration(s) on {shown}: {}",
                    ids.len(),
                    ids.join(", ")
                ),
                Output::Quiet => {}
            }
        }
    }
    Ok(())
}

fn finish(
    output: Output,
    command: &str,
    target: &str,
    steps: &[Step],
    summary: impl FnOnce() -> String,
) {
    match output {
        Output::Json => println!(
            "{}",
            json!({ "ok": true, "command": command, "target": target, "steps": steps })
        ),
        Output::Human => println!("{}", summary()),
        Output::Quiet => {}
    }
}

fn print_status(output: Output, target: &str, entries: &[StatusEntry]) {
    match output {
        Output::Json => println!(
            "{}",
            json!({ "ok": true, "command": "status", "target": target, "migrations": entries })
        ),
        Output::Quiet => {}
        Output::Human => {
            println!("{target}");
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
                println!("{state:<10}  {:<width$}  {when:<26}  {took}", entry.id);
            }
            let count = |state: State| entries.iter().filter(|e| e.state == state).count();
            println!(
                "{} applied, {} pending, {} modified, {} missing, {} unverified",
                count(State::Applied),
                count(State::Pending),
                count(State::Modified),
                count(State::Missing),
                count(State::Unverified)
            );
        }
    }
}

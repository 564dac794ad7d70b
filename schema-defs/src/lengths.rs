//! Every maximum length in the schema, in one place.
//!
//! Values the design document gives for PostgreSQL or Db2 (`core_source_configs`,
//! `workflow_runs`, `workflow_step_runs`) are used as given; the other tables follow the
//! same conventions: ids 50, short codes (status) 20, kinds and categories 50, names 200,
//! free text 4000. SQLite ignores lengths; PostgreSQL and Db2 render them as VARCHAR(n).

/// Primary and foreign key ids (`source_id`, `run_id`, `step_id`, …).
pub const ID: u32 = 50;
/// Status codes: `pending`, `RUNNING`, `half_open`, …
pub const STATUS: u32 = 20;
/// `core_source_configs.source_type`: `file`, `http`, `database`.
pub const SOURCE_TYPE: u32 = 20;
/// `core_source_configs.name`.
pub const SOURCE_NAME: u32 = 100;
/// Kinds, categories and channels: `step_type`, `error_category`, `triggered_by`, …
pub const KIND: u32 = 50;
/// Names of workflows, pipelines, schedules, steps and breakers.
pub const NAME: u32 = 200;
/// `workflow_runs.domain`.
pub const DOMAIN: u32 = 100;
/// Partition keys of workflow runs.
pub const PARTITION_KEY: u32 = 200;
/// Cron expressions.
pub const CRON: u32 = 100;
/// IANA time-zone names (`America/Argentina/ComodRivadavia` is 32).
pub const TIMEZONE: u32 = 64;
/// Alert severities.
pub const SEVERITY: u32 = 20;
/// Alert titles.
pub const TITLE: u32 = 500;
/// Error messages and alert bodies.
pub const MESSAGE: u32 = 4000;

//! Intermediate tier: scheduling, workflows and alerting.

use crate::lengths::{
    CRON, DOMAIN, ID, KIND, MESSAGE, NAME, PARTITION_KEY, SEVERITY, STATUS, TIMEZONE, TITLE,
};
use schema_dsl::{Table, Timestamp};
use serde_json::Value;

/// A pipeline schedule (`scheduler_schedules`).
#[derive(Debug, Clone, PartialEq, Table)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[table(name = "scheduler_schedules")]
#[index(name = "idx_schedules_pipeline", columns(pipeline))]
#[index(name = "idx_schedules_enabled", columns(enabled))]
pub struct SchedulerSchedule {
    /// Unique name of the schedule.
    #[column(primary_key, max_len = NAME)]
    pub name: String,
    /// Name of the pipeline the schedule runs.
    #[column(max_len = NAME)]
    pub pipeline: String,
    /// `cron`, `interval` or `date`.
    #[column(max_len = KIND)]
    pub schedule_type: String,
    /// Cron expression, for `cron` schedules.
    #[column(max_len = CRON)]
    pub cron_expression: Option<String>,
    /// Minutes between runs, for `interval` schedules.
    pub interval_minutes: Option<i32>,
    /// Hours between runs, for `interval` schedules.
    pub interval_hours: Option<i32>,
    /// When to run once, for `date` schedules.
    pub run_at: Option<Timestamp>,
    /// IANA time zone the schedule is evaluated in.
    #[column(max_len = TIMEZONE, default = "UTC")]
    pub timezone: Option<String>,
    /// Parameters passed to the pipeline (JSON).
    pub params: Option<Value>,
    /// Whether the schedule is active.
    #[column(default = true)]
    pub enabled: Option<bool>,
    /// Maximum number of concurrent runs.
    #[column(default = 1)]
    pub max_instances: Option<i32>,
    /// When the schedule was created.
    #[column(default = now)]
    pub created_at: Timestamp,
    /// When the schedule was last updated.
    #[column(default = now)]
    pub updated_at: Timestamp,
}

/// One execution of a schedule (`scheduler_runs`).
#[derive(Debug, Clone, PartialEq, Table)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[table(name = "scheduler_runs")]
#[foreign_key(columns(schedule_name), references = SchedulerSchedule, ref_columns(name))]
#[index(name = "idx_scheduler_runs_schedule", columns(schedule_name))]
#[index(name = "idx_scheduler_runs_status", columns(status))]
#[index(name = "idx_scheduler_runs_scheduled_at", columns(scheduled_at))]
pub struct SchedulerRun {
    /// Unique id of the run.
    #[column(primary_key, max_len = ID)]
    pub run_id: String,
    /// Name of the schedule that triggered the run.
    #[column(max_len = NAME)]
    pub schedule_name: String,
    /// Name of the pipeline that was run.
    #[column(max_len = NAME)]
    pub pipeline: String,
    /// `pending`, `running`, `completed`, `failed` or `skipped`.
    #[column(max_len = STATUS)]
    pub status: String,
    /// When the run was due.
    pub scheduled_at: Timestamp,
    /// When the run started.
    pub started_at: Option<Timestamp>,
    /// When the run finished.
    pub completed_at: Option<Timestamp>,
    /// Error message, if the run failed.
    #[column(max_len = MESSAGE)]
    pub error: Option<String>,
    /// Result returned by the pipeline (JSON).
    pub result: Option<Value>,
}

/// One execution of a workflow (`workflow_runs`). Where the dialect can (PostgreSQL's
/// `pg` overlay), it is partitioned by month of `created_at` and its parameters get a GIN
/// index.
#[derive(Debug, Clone, PartialEq, Table)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[table(name = "workflow_runs", partition_by_month = created_at)]
#[index(name = "idx_workflow_runs_name", columns(workflow_name))]
#[index(name = "idx_workflow_runs_status", columns(status))]
#[index(name = "idx_workflow_runs_domain", columns(domain))]
#[index(name = "idx_workflow_runs_started", columns(started_at))]
#[index(name = "idx_workflow_runs_created", columns(created_at))]
#[index(name = "idx_workflow_runs_params_gin", columns(params), method = Gin)]
pub struct WorkflowRun {
    /// Unique id of the run.
    #[column(primary_key, max_len = ID)]
    pub run_id: String,
    /// Name of the workflow that was run.
    #[column(max_len = NAME)]
    pub workflow_name: String,
    /// Business domain the workflow belongs to.
    #[column(max_len = DOMAIN)]
    pub domain: Option<String>,
    /// Data partition the run processes, e.g. a date.
    #[column(max_len = PARTITION_KEY)]
    pub partition_key: Option<String>,
    /// `PENDING`, `RUNNING`, `COMPLETED`, `FAILED` or `CANCELLED`.
    #[column(max_len = STATUS)]
    pub status: String,
    /// When the run started.
    pub started_at: Option<Timestamp>,
    /// When the run finished.
    pub completed_at: Option<Timestamp>,
    /// Input parameters of the run (JSON).
    pub params: Option<Value>,
    /// Outputs produced by the run (JSON).
    pub outputs: Option<Value>,
    /// Error message, if the run failed.
    #[column(max_len = MESSAGE)]
    pub error: Option<String>,
    /// Category of the error, for triage and retry decisions.
    #[column(max_len = KIND)]
    pub error_category: Option<String>,
    /// Run metrics such as durations and record counts (JSON).
    #[column(json_size = Small)]
    pub metrics: Option<Value>,
    /// `manual`, `schedule` or `api`.
    #[column(max_len = KIND)]
    pub triggered_by: String,
    /// When the row was created; the partitioning column.
    #[column(default = now)]
    pub created_at: Timestamp,
}

/// One step of a workflow run (`workflow_step_runs`); deleted with its run.
#[derive(Debug, Clone, PartialEq, Table)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[table(name = "workflow_step_runs")]
#[foreign_key(name = "fk_step_run", columns(run_id), references = WorkflowRun, ref_columns(run_id), on_delete = Cascade)]
#[index(name = "idx_step_runs_run", columns(run_id))]
#[index(name = "idx_step_runs_status", columns(status))]
pub struct WorkflowStepRun {
    /// Unique id of the step run.
    #[column(primary_key, max_len = ID)]
    pub step_id: String,
    /// Id of the workflow run the step belongs to.
    #[column(max_len = ID)]
    pub run_id: String,
    /// Name of the step within the workflow.
    #[column(max_len = NAME)]
    pub step_name: String,
    /// `lambda`, `pipeline`, `choice`, `wait` or `map`.
    #[column(max_len = KIND)]
    pub step_type: String,
    /// Position of the step in the run.
    pub step_order: i32,
    /// Execution status of the step.
    #[column(max_len = STATUS)]
    pub status: String,
    /// When the step started.
    pub started_at: Option<Timestamp>,
    /// When the step finished.
    pub completed_at: Option<Timestamp>,
    /// Input parameters of the step (JSON).
    pub input_params: Option<Value>,
    /// Output produced by the step (JSON).
    pub output_data: Option<Value>,
    /// Error message, if the step failed.
    #[column(max_len = MESSAGE)]
    pub error: Option<String>,
    /// Category of the error, for triage and retry decisions.
    #[column(max_len = KIND)]
    pub error_category: Option<String>,
    /// Number of records the step processed.
    pub records_processed: Option<i32>,
    /// Whether the step passed its data-quality checks.
    pub quality_passed: Option<bool>,
    /// Data-quality check results (JSON).
    #[column(json_size = Small)]
    pub quality_metrics: Option<Value>,
}

/// A sent alert (`alert_history`).
#[derive(Debug, Clone, PartialEq, Table)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[table(name = "alert_history")]
#[index(name = "idx_alerts_severity", columns(severity))]
#[index(name = "idx_alerts_source", columns(source))]
#[index(name = "idx_alerts_sent_at", columns(sent_at))]
pub struct AlertHistory {
    /// Unique id of the alert.
    #[column(primary_key, max_len = ID)]
    pub alert_id: String,
    /// `CRITICAL`, `ERROR`, `WARNING` or `INFO`.
    #[column(max_len = SEVERITY)]
    pub severity: String,
    /// Short title of the alert.
    #[column(max_len = TITLE)]
    pub title: String,
    /// Body of the alert.
    #[column(max_len = MESSAGE)]
    pub message: String,
    /// Component or workflow that raised the alert.
    #[column(max_len = NAME)]
    pub source: String,
    /// Id of the run that raised the alert, if any.
    #[column(max_len = ID)]
    pub execution_id: Option<String>,
    /// `slack`, `email` or `servicenow`.
    #[column(max_len = KIND)]
    pub channel: String,
    /// When the alert was sent.
    pub sent_at: Timestamp,
    /// Whether the alert was delivered.
    pub success: bool,
    /// Delivery error message, if sending failed.
    #[column(max_len = MESSAGE)]
    pub error: Option<String>,
    /// Extra alert context (JSON).
    pub metadata: Option<Value>,
}

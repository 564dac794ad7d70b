//! Intermediate tier: scheduling, workflows and alerting.

use crate::lengths::{
    CRON, DOMAIN, ID, KIND, MESSAGE, NAME, PARTITION_KEY, SEVERITY, STATUS, TIMEZONE, TITLE,
};
use schema_dsl::{Table, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A pipeline schedule (`scheduler_schedules`).
#[derive(Debug, Clone, PartialEq, Table, Serialize, Deserialize)]
#[table(name = "scheduler_schedules")]
#[index(name = "idx_schedules_pipeline", columns(pipeline))]
#[index(name = "idx_schedules_enabled", columns(enabled))]
pub struct SchedulerSchedule {
    #[column(primary_key, max_len = NAME)]
    pub name: String,
    #[column(max_len = NAME)]
    pub pipeline: String,
    /// `cron`, `interval` or `date`.
    #[column(max_len = KIND)]
    pub schedule_type: String,
    #[column(max_len = CRON)]
    pub cron_expression: Option<String>,
    pub interval_minutes: Option<i32>,
    pub interval_hours: Option<i32>,
    pub run_at: Option<Timestamp>,
    #[column(max_len = TIMEZONE, default = "UTC")]
    pub timezone: Option<String>,
    pub params: Option<Value>,
    #[column(default = true)]
    pub enabled: Option<bool>,
    #[column(default = 1)]
    pub max_instances: Option<i32>,
    #[column(default = now)]
    pub created_at: Timestamp,
    #[column(default = now)]
    pub updated_at: Timestamp,
}

/// One execution of a schedule (`scheduler_runs`).
#[derive(Debug, Clone, PartialEq, Table, Serialize, Deserialize)]
#[table(name = "scheduler_runs")]
#[foreign_key(columns(schedule_name), references = SchedulerSchedule, ref_columns(name))]
#[index(name = "idx_scheduler_runs_schedule", columns(schedule_name))]
#[index(name = "idx_scheduler_runs_status", columns(status))]
#[index(name = "idx_scheduler_runs_scheduled_at", columns(scheduled_at))]
pub struct SchedulerRun {
    #[column(primary_key, max_len = ID)]
    pub run_id: String,
    #[column(max_len = NAME)]
    pub schedule_name: String,
    #[column(max_len = NAME)]
    pub pipeline: String,
    /// `pending`, `running`, `completed`, `failed` or `skipped`.
    #[column(max_len = STATUS)]
    pub status: String,
    pub scheduled_at: Timestamp,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    #[column(max_len = MESSAGE)]
    pub error: Option<String>,
    pub result: Option<Value>,
}

/// One execution of a workflow (`workflow_runs`). Where the dialect can (PostgreSQL's
/// `pg` overlay), it is partitioned by month of `created_at` and its parameters get a GIN
/// index.
#[derive(Debug, Clone, PartialEq, Table, Serialize, Deserialize)]
#[table(name = "workflow_runs", partition_by_month = created_at)]
#[index(name = "idx_workflow_runs_name", columns(workflow_name))]
#[index(name = "idx_workflow_runs_status", columns(status))]
#[index(name = "idx_workflow_runs_domain", columns(domain))]
#[index(name = "idx_workflow_runs_started", columns(started_at))]
#[index(name = "idx_workflow_runs_created", columns(created_at))]
#[index(name = "idx_workflow_runs_params_gin", columns(params), method = Gin)]
pub struct WorkflowRun {
    #[column(primary_key, max_len = ID)]
    pub run_id: String,
    #[column(max_len = NAME)]
    pub workflow_name: String,
    #[column(max_len = DOMAIN)]
    pub domain: Option<String>,
    #[column(max_len = PARTITION_KEY)]
    pub partition_key: Option<String>,
    /// `PENDING`, `RUNNING`, `COMPLETED`, `FAILED` or `CANCELLED`.
    #[column(max_len = STATUS)]
    pub status: String,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub params: Option<Value>,
    pub outputs: Option<Value>,
    #[column(max_len = MESSAGE)]
    pub error: Option<String>,
    #[column(max_len = KIND)]
    pub error_category: Option<String>,
    #[column(json_size = Small)]
    pub metrics: Option<Value>,
    /// `manual`, `schedule` or `api`.
    #[column(max_len = KIND)]
    pub triggered_by: String,
    #[column(default = now)]
    pub created_at: Timestamp,
}

/// One step of a workflow run (`workflow_step_runs`); deleted with its run.
#[derive(Debug, Clone, PartialEq, Table, Serialize, Deserialize)]
#[table(name = "workflow_step_runs")]
#[foreign_key(name = "fk_step_run", columns(run_id), references = WorkflowRun, ref_columns(run_id), on_delete = Cascade)]
#[index(name = "idx_step_runs_run", columns(run_id))]
#[index(name = "idx_step_runs_status", columns(status))]
pub struct WorkflowStepRun {
    #[column(primary_key, max_len = ID)]
    pub step_id: String,
    #[column(max_len = ID)]
    pub run_id: String,
    #[column(max_len = NAME)]
    pub step_name: String,
    /// `lambda`, `pipeline`, `choice`, `wait` or `map`.
    #[column(max_len = KIND)]
    pub step_type: String,
    pub step_order: i32,
    #[column(max_len = STATUS)]
    pub status: String,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub input_params: Option<Value>,
    pub output_data: Option<Value>,
    #[column(max_len = MESSAGE)]
    pub error: Option<String>,
    #[column(max_len = KIND)]
    pub error_category: Option<String>,
    pub records_processed: Option<i32>,
    pub quality_passed: Option<bool>,
    #[column(json_size = Small)]
    pub quality_metrics: Option<Value>,
}

/// A sent alert (`alert_history`).
#[derive(Debug, Clone, PartialEq, Table, Serialize, Deserialize)]
#[table(name = "alert_history")]
#[index(name = "idx_alerts_severity", columns(severity))]
#[index(name = "idx_alerts_source", columns(source))]
#[index(name = "idx_alerts_sent_at", columns(sent_at))]
pub struct AlertHistory {
    #[column(primary_key, max_len = ID)]
    pub alert_id: String,
    /// `CRITICAL`, `ERROR`, `WARNING` or `INFO`.
    #[column(max_len = SEVERITY)]
    pub severity: String,
    #[column(max_len = TITLE)]
    pub title: String,
    #[column(max_len = MESSAGE)]
    pub message: String,
    #[column(max_len = NAME)]
    pub source: String,
    #[column(max_len = ID)]
    pub execution_id: Option<String>,
    /// `slack`, `email` or `servicenow`.
    #[column(max_len = KIND)]
    pub channel: String,
    pub sent_at: Timestamp,
    pub success: bool,
    #[column(max_len = MESSAGE)]
    pub error: Option<String>,
    pub metadata: Option<Value>,
}

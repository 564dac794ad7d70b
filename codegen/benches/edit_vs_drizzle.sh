#!/usr/bin/env bash
# The edit → regenerate loop beside drizzle-kit `generate` on the same eight tables (SQLite),
# in one hyperfine run: touch a table file of schema-defs and `cargo run -q -p codegen`
# (the workspace warm), against drizzle-kit generating the migration of an equivalent
# schema.ts, started through `npx` and through `node` directly. drizzle-kit and drizzle-orm
# are installed from npm into a scratch directory (DRIZZLE_DIR, default /tmp/spine-drizzle;
# never inside the repository). Needs hyperfine, node and npm.
#
#   codegen/benches/edit_vs_drizzle.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-20}
ws=$(pwd)
scratch=${DRIZZLE_DIR:-/tmp/spine-drizzle}
mkdir -p "$scratch"
if [ ! -e "$scratch/node_modules/drizzle-kit/bin.cjs" ] || [ ! -d "$scratch/node_modules/drizzle-orm" ]; then
    (cd "$scratch" && { [ -e package.json ] || npm init -y >/dev/null; } &&
        npm install --no-audit --no-fund --loglevel=error drizzle-kit drizzle-orm)
fi

# The eight tables of schema-defs, as migrations-generated/sqlite has them.
cat >"$scratch/schema.ts" <<'TS'
import { sqliteTable, text, integer, index, foreignKey } from "drizzle-orm/sqlite-core";

export const coreSourceConfigs = sqliteTable("core_source_configs", {
  sourceId: text("source_id", { length: 50 }).primaryKey(),
  sourceType: text("source_type").notNull(),
  name: text("name").notNull().unique(),
  config: text("config").notNull(),
  enabled: integer("enabled").default(1),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
}, (t) => [
  index("idx_source_configs_type").on(t.sourceType),
  index("idx_source_configs_name").on(t.name),
]);

export const schedulerSchedules = sqliteTable("scheduler_schedules", {
  name: text("name").primaryKey(),
  pipeline: text("pipeline").notNull(),
  scheduleType: text("schedule_type").notNull(),
  cronExpression: text("cron_expression"),
  intervalMinutes: integer("interval_minutes"),
  intervalHours: integer("interval_hours"),
  runAt: text("run_at"),
  timezone: text("timezone").default("UTC"),
  params: text("params"),
  enabled: integer("enabled").default(1),
  maxInstances: integer("max_instances").default(1),
  createdAt: text("created_at").notNull(),
  updatedAt: text("updated_at").notNull(),
}, (t) => [
  index("idx_schedules_pipeline").on(t.pipeline),
  index("idx_schedules_enabled").on(t.enabled),
]);

export const schedulerRuns = sqliteTable("scheduler_runs", {
  runId: text("run_id").primaryKey(),
  scheduleName: text("schedule_name").notNull(),
  pipeline: text("pipeline").notNull(),
  status: text("status").notNull(),
  scheduledAt: text("scheduled_at").notNull(),
  startedAt: text("started_at"),
  completedAt: text("completed_at"),
  error: text("error"),
  result: text("result"),
}, (t) => [
  foreignKey({ name: "fk_scheduler_runs_schedule_name", columns: [t.scheduleName], foreignColumns: [schedulerSchedules.name] }),
  index("idx_scheduler_runs_schedule").on(t.scheduleName),
  index("idx_scheduler_runs_status").on(t.status),
  index("idx_scheduler_runs_scheduled_at").on(t.scheduledAt),
]);

export const workflowRuns = sqliteTable("workflow_runs", {
  runId: text("run_id").primaryKey(),
  workflowName: text("workflow_name").notNull(),
  domain: text("domain"),
  partitionKey: text("partition_key"),
  status: text("status").notNull(),
  startedAt: text("started_at"),
  completedAt: text("completed_at"),
  params: text("params"),
  outputs: text("outputs"),
  error: text("error"),
  errorCategory: text("error_category"),
  metrics: text("metrics"),
  triggeredBy: text("triggered_by").notNull(),
  createdAt: text("created_at").notNull(),
}, (t) => [
  index("idx_workflow_runs_name").on(t.workflowName),
  index("idx_workflow_runs_status").on(t.status),
  index("idx_workflow_runs_domain").on(t.domain),
  index("idx_workflow_runs_started").on(t.startedAt),
  index("idx_workflow_runs_created").on(t.createdAt),
]);

export const workflowStepRuns = sqliteTable("workflow_step_runs", {
  stepId: text("step_id").primaryKey(),
  runId: text("run_id").notNull(),
  stepName: text("step_name").notNull(),
  stepType: text("step_type").notNull(),
  stepOrder: integer("step_order").notNull(),
  status: text("status").notNull(),
  startedAt: text("started_at"),
  completedAt: text("completed_at"),
  inputParams: text("input_params"),
  outputData: text("output_data"),
  error: text("error"),
  errorCategory: text("error_category"),
  recordsProcessed: integer("records_processed"),
  qualityPassed: integer("quality_passed"),
  qualityMetrics: text("quality_metrics"),
}, (t) => [
  foreignKey({ name: "fk_step_run", columns: [t.runId], foreignColumns: [workflowRuns.runId] }).onDelete("cascade"),
  index("idx_step_runs_run").on(t.runId),
  index("idx_step_runs_status").on(t.status),
]);

export const alertHistory = sqliteTable("alert_history", {
  alertId: text("alert_id").primaryKey(),
  severity: text("severity").notNull(),
  title: text("title").notNull(),
  message: text("message").notNull(),
  source: text("source").notNull(),
  executionId: text("execution_id"),
  channel: text("channel").notNull(),
  sentAt: text("sent_at").notNull(),
  success: integer("success").notNull(),
  error: text("error"),
  metadata: text("metadata"),
}, (t) => [
  index("idx_alerts_severity").on(t.severity),
  index("idx_alerts_source").on(t.source),
  index("idx_alerts_sent_at").on(t.sentAt),
]);

export const deadLetterQueue = sqliteTable("dead_letter_queue", {
  dlqId: text("dlq_id").primaryKey(),
  sourceType: text("source_type").notNull(),
  sourceId: text("source_id").notNull(),
  payload: text("payload").notNull(),
  error: text("error").notNull(),
  errorCategory: text("error_category"),
  retryCount: integer("retry_count").default(0),
  maxRetries: integer("max_retries").default(3),
  firstFailedAt: text("first_failed_at").notNull(),
  lastFailedAt: text("last_failed_at").notNull(),
  nextRetryAt: text("next_retry_at"),
  status: text("status").default("pending"),
  resolvedAt: text("resolved_at"),
  metadata: text("metadata"),
}, (t) => [
  index("idx_dlq_status").on(t.status),
  index("idx_dlq_next_retry").on(t.nextRetryAt),
  index("idx_dlq_source").on(t.sourceType, t.sourceId),
]);

export const circuitBreakers = sqliteTable("circuit_breakers", {
  breakerId: text("breaker_id").primaryKey(),
  name: text("name").notNull().unique(),
  state: text("state").notNull().default("closed"),
  failureCount: integer("failure_count").default(0),
  successCount: integer("success_count").default(0),
  lastFailureAt: text("last_failure_at"),
  lastSuccessAt: text("last_success_at"),
  openedAt: text("opened_at"),
  halfOpenedAt: text("half_opened_at"),
  config: text("config"),
  updatedAt: text("updated_at").notNull(),
});
TS
cat >"$scratch/drizzle.config.ts" <<'TS'
import { defineConfig } from "drizzle-kit";
export default defineConfig({ dialect: "sqlite", schema: "./schema.ts", out: "./drizzle" });
TS

# Each drizzle-kit run starts from no migrations, so each generates the eight tables' SQL
# (its one-length edit equivalent: a changed column re-diffs the whole snapshot anyway).
table="$ws/schema-defs/src/tables/basic.rs"
cargo build -q -p codegen
cd "$scratch"
npx --no-install drizzle-kit --version >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-); load: $(uptime)"
hyperfine -w 2 -r "$runs" --export-markdown "$scratch/result.md" \
    --prepare "touch $table" -n "codegen (cargo run -q -p codegen)" \
    "cd $ws && cargo run -q -p codegen >/dev/null 2>&1" \
    --prepare "rm -rf $scratch/drizzle" -n "drizzle-kit generate (npx)" \
    "cd $scratch && npx --no-install drizzle-kit generate >/dev/null 2>&1" \
    --prepare "rm -rf $scratch/drizzle" -n "drizzle-kit generate (node)" \
    "cd $scratch && node node_modules/drizzle-kit/bin.cjs generate >/dev/null 2>&1"
cat "$scratch/result.md"

//! The spine platform's schema: every table declared once, as a Rust struct that is both
//! the table's definition and its row type, and the tiered migrations that create them.
//!
//! To add a table: declare it in the module of its tier under `tables/`, then append a
//! migration for it to [`schema`]. Released migrations are never renumbered or edited.
//!
//! Feature `serde`: the row types implement serde's `Serialize` and `Deserialize` (off by
//! default, so that `cargo run -p codegen` does not expand them on every edit of a table).

pub mod lengths;
pub mod tables;

use schema_dsl::{DeclaredTable, Dialect, Group, Migration, Schema, Tier};
use tables::*;

/// The whole schema, migrations in the order they are applied.
pub fn schema() -> Schema {
    let basic = |seq, name| Migration::new(Group::Tier(Tier::Basic), seq, name);
    let intermediate = |seq, name| Migration::new(Group::Tier(Tier::Intermediate), seq, name);
    let advanced = |seq, name| Migration::new(Group::Tier(Tier::Advanced), seq, name);
    let pg = |seq, name| Migration::new(Group::Overlay(Dialect::Postgres), seq, name);
    Schema::new(vec![
        basic(1, "source_configs").create_table::<SourceConfig>(),
        intermediate(1, "scheduler_schedules").create_table::<SchedulerSchedule>(),
        intermediate(2, "scheduler_runs").create_table::<SchedulerRun>(),
        intermediate(3, "workflow_runs").create_table::<WorkflowRun>(),
        intermediate(4, "workflow_step_runs").create_table::<WorkflowStepRun>(),
        intermediate(5, "alert_history").create_table::<AlertHistory>(),
        advanced(1, "dead_letter_queue").create_table::<DeadLetter>(),
        advanced(2, "circuit_breakers").create_table::<CircuitBreaker>(),
        pg(1, "pg_optimizations")
            .partition_table::<WorkflowRun>()
            .create_index::<WorkflowRun>("idx_workflow_runs_params_gin"),
    ])
}

/// Every table as its struct declares it today, each named by its Rust type: what the
/// migrations of [`schema`] must replay to (codegen's completeness check).
pub fn declared_tables() -> Vec<DeclaredTable> {
    vec![
        DeclaredTable::of::<SourceConfig>(),
        DeclaredTable::of::<SchedulerSchedule>(),
        DeclaredTable::of::<SchedulerRun>(),
        DeclaredTable::of::<WorkflowRun>(),
        DeclaredTable::of::<WorkflowStepRun>(),
        DeclaredTable::of::<AlertHistory>(),
        DeclaredTable::of::<DeadLetter>(),
        DeclaredTable::of::<CircuitBreaker>(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_is_valid() {
        assert_eq!(schema().validate(), Ok(()));
    }

    #[test]
    fn the_migrations_give_the_declared_tables() {
        assert_eq!(
            schema_dsl::completeness(&schema(), &declared_tables()),
            Vec::new()
        );
        let names: Vec<String> = declared_tables().into_iter().map(|t| t.rust_name).collect();
        assert_eq!(names[3], "WorkflowRun");
    }

    #[test]
    fn migration_ids_are_the_design_documents() {
        let ids: Vec<String> = schema()
            .migrations
            .iter()
            .map(|migration| migration.id.to_string())
            .collect();
        assert_eq!(
            ids,
            [
                "basic/0001_source_configs",
                "intermediate/0001_scheduler_schedules",
                "intermediate/0002_scheduler_runs",
                "intermediate/0003_workflow_runs",
                "intermediate/0004_workflow_step_runs",
                "intermediate/0005_alert_history",
                "advanced/0001_dead_letter_queue",
                "advanced/0002_circuit_breakers",
                "pg/0001_pg_optimizations",
            ]
        );
    }
}

//! The tables, by tier. Each struct is the table's declaration and its row type.

mod advanced;
mod basic;
mod intermediate;

pub use advanced::{CircuitBreaker, DeadLetter};
pub use basic::SourceConfig;
pub use intermediate::{
    AlertHistory, SchedulerRun, SchedulerSchedule, WorkflowRun, WorkflowStepRun,
};

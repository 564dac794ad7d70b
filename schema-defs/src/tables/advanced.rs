//! Advanced tier: failure handling.

use crate::lengths::{ID, KIND, MESSAGE, NAME, STATUS};
use schema_dsl::{Table, Timestamp};
use serde_json::Value;

/// A failed message kept for retry (`dead_letter_queue`).
#[derive(Debug, Clone, PartialEq, Table)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[table(name = "dead_letter_queue")]
#[index(name = "idx_dlq_status", columns(status))]
#[index(name = "idx_dlq_next_retry", columns(next_retry_at))]
#[index(name = "idx_dlq_source", columns(source_type, source_id))]
pub struct DeadLetter {
    /// Unique id of the dead-letter entry.
    #[column(primary_key, max_len = ID)]
    pub dlq_id: String,
    /// `workflow`, `step` or `message`.
    #[column(max_len = KIND)]
    pub source_type: String,
    /// Id of the failed workflow, step or message.
    #[column(max_len = ID)]
    pub source_id: String,
    /// The failed message or input, kept for replay.
    pub payload: Value,
    /// Error message of the latest failure.
    #[column(max_len = MESSAGE)]
    pub error: String,
    /// Category of the latest error, for triage and retry decisions.
    #[column(max_len = KIND)]
    pub error_category: Option<String>,
    /// Number of retries attempted so far.
    #[column(default = 0)]
    pub retry_count: Option<i32>,
    /// Number of retries allowed before the entry is exhausted.
    #[column(default = 3)]
    pub max_retries: Option<i32>,
    /// When the first failure occurred.
    pub first_failed_at: Timestamp,
    /// When the latest failure occurred.
    pub last_failed_at: Timestamp,
    /// When the next retry is due, if any.
    pub next_retry_at: Option<Timestamp>,
    /// `pending`, `retrying`, `exhausted` or `resolved`.
    #[column(max_len = STATUS, default = "pending")]
    pub status: Option<String>,
    /// When the entry was resolved.
    pub resolved_at: Option<Timestamp>,
    /// Extra context about the failure (JSON).
    pub metadata: Option<Value>,
}

/// The state of one circuit breaker (`circuit_breakers`).
#[derive(Debug, Clone, PartialEq, Table)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[table(name = "circuit_breakers")]
pub struct CircuitBreaker {
    /// Unique id of the breaker.
    #[column(primary_key, max_len = ID)]
    pub breaker_id: String,
    /// Unique name of the protected service or operation.
    #[column(unique, max_len = NAME)]
    pub name: String,
    /// `closed`, `open` or `half_open`.
    #[column(max_len = STATUS, default = "closed")]
    pub state: String,
    /// Consecutive failures counted in the current state.
    #[column(default = 0)]
    pub failure_count: Option<i32>,
    /// Consecutive successes counted in the current state.
    #[column(default = 0)]
    pub success_count: Option<i32>,
    /// When the latest failure occurred.
    pub last_failure_at: Option<Timestamp>,
    /// When the latest success occurred.
    pub last_success_at: Option<Timestamp>,
    /// When the breaker last opened.
    pub opened_at: Option<Timestamp>,
    /// When the breaker last became half-open.
    pub half_opened_at: Option<Timestamp>,
    /// Thresholds and timeouts.
    #[column(json_size = Small)]
    pub config: Option<Value>,
    /// When the row was last updated.
    #[column(default = now)]
    pub updated_at: Timestamp,
}

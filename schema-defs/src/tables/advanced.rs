//! Advanced tier: failure handling.

use crate::lengths::{ID, KIND, MESSAGE, NAME, STATUS};
use schema_dsl::{Table, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A failed message kept for retry (`dead_letter_queue`).
#[derive(Debug, Clone, PartialEq, Table, Serialize, Deserialize)]
#[table(name = "dead_letter_queue")]
#[index(name = "idx_dlq_status", columns(status))]
#[index(name = "idx_dlq_next_retry", columns(next_retry_at))]
#[index(name = "idx_dlq_source", columns(source_type, source_id))]
pub struct DeadLetter {
    #[column(primary_key, max_len = ID)]
    pub dlq_id: String,
    /// `workflow`, `step` or `message`.
    #[column(max_len = KIND)]
    pub source_type: String,
    #[column(max_len = ID)]
    pub source_id: String,
    pub payload: Value,
    #[column(max_len = MESSAGE)]
    pub error: String,
    #[column(max_len = KIND)]
    pub error_category: Option<String>,
    #[column(default = 0)]
    pub retry_count: Option<i32>,
    #[column(default = 3)]
    pub max_retries: Option<i32>,
    pub first_failed_at: Timestamp,
    pub last_failed_at: Timestamp,
    pub next_retry_at: Option<Timestamp>,
    /// `pending`, `retrying`, `exhausted` or `resolved`.
    #[column(max_len = STATUS, default = "pending")]
    pub status: Option<String>,
    pub resolved_at: Option<Timestamp>,
    pub metadata: Option<Value>,
}

/// The state of one circuit breaker (`circuit_breakers`).
#[derive(Debug, Clone, PartialEq, Table, Serialize, Deserialize)]
#[table(name = "circuit_breakers")]
pub struct CircuitBreaker {
    #[column(primary_key, max_len = ID)]
    pub breaker_id: String,
    #[column(unique, max_len = NAME)]
    pub name: String,
    /// `closed`, `open` or `half_open`.
    #[column(max_len = STATUS, default = "closed")]
    pub state: String,
    #[column(default = 0)]
    pub failure_count: Option<i32>,
    #[column(default = 0)]
    pub success_count: Option<i32>,
    pub last_failure_at: Option<Timestamp>,
    pub last_success_at: Option<Timestamp>,
    pub opened_at: Option<Timestamp>,
    pub half_opened_at: Option<Timestamp>,
    /// Thresholds and timeouts.
    #[column(json_size = Small)]
    pub config: Option<Value>,
    #[column(default = now)]
    pub updated_at: Timestamp,
}

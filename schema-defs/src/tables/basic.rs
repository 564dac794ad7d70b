//! Basic tier.

use crate::lengths::{ID, SOURCE_NAME, SOURCE_TYPE};
use schema_dsl::{Table, Timestamp};

/// A data source in the registry (`core_source_configs`).
#[derive(Debug, Clone, PartialEq, Table)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[table(name = "core_source_configs")]
#[index(name = "idx_source_configs_type", columns(source_type))]
#[index(name = "idx_source_configs_name", columns(name))]
pub struct SourceConfig {
    /// Unique id of the source.
    #[column(primary_key, max_len = ID)]
    pub source_id: String,
    /// `file`, `http` or `database`.
    #[column(max_len = SOURCE_TYPE)]
    pub source_type: String,
    /// Unique human-readable name of the source.
    #[column(unique, max_len = SOURCE_NAME)]
    pub name: String,
    /// The source's JSON configuration.
    pub config: serde_json::Value,
    /// Whether the source is active.
    #[column(default = true)]
    pub enabled: Option<bool>,
    /// When the source was registered.
    #[column(default = now)]
    pub created_at: Timestamp,
    /// When the source was last updated.
    #[column(default = now)]
    pub updated_at: Timestamp,
}

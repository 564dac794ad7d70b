//! Auto ids: not used by the seed tables, so proven on a fixture table, rendered for every
//! dialect (and applied to real engines in `tests/roundtrip.rs`).

use schema_dsl::{Dialect, Table};
use schema_sql::backend::backend;

/// A fixture table whose key the database assigns.
#[derive(Table)]
#[table(name = "audit_events")]
pub struct AuditEvent {
    /// The key the database assigns.
    #[column(primary_key, auto_increment)]
    pub event_id: i64,
    /// What happened.
    #[column(max_len = 100)]
    pub kind: String,
}

#[test]
fn auto_id_renders_in_every_dialect() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("snapshots/fixtures");
    settings.bind(|| {
        for dialect in Dialect::ALL {
            let sql = backend(dialect)
                .create_table(&AuditEvent::definition())
                .expect("renders");
            insta::assert_snapshot!(format!("auto_id_{dialect}"), sql);
        }
    });
}

//! Embeds the workspace's generated migrations (or `$SPINE_MIGRATIONS_DIR`) into the binary,
//! and sets `cfg(db2)` for the Db2 tests when `SPINE_DB2_ODBC` names a real Db2.

fn main() -> std::io::Result<()> {
    println!("cargo::rustc-check-cfg=cfg(db2)");
    println!("cargo::rerun-if-env-changed=SPINE_DB2_ODBC");
    if std::env::var_os("SPINE_DB2_ODBC").is_some_and(|value| !value.is_empty()) {
        println!("cargo::rustc-cfg=db2");
    }
    println!("cargo::rerun-if-env-changed=SPINE_MIGRATIONS_DIR");
    let root = std::env::var_os("SPINE_MIGRATIONS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations-generated")
        });
    migration_layout::embed::write_embedding(root, "bundled_migrations.rs")
}

//! Enables `cfg(db2)` when `SPINE_DB2_ODBC` names a real Db2 (an ODBC connection string).

fn main() {
    println!("cargo::rustc-check-cfg=cfg(db2)");
    println!("cargo::rerun-if-env-changed=SPINE_DB2_ODBC");
    if std::env::var_os("SPINE_DB2_ODBC").is_some_and(|value| !value.is_empty()) {
        println!("cargo::rustc-cfg=db2");
    }
}

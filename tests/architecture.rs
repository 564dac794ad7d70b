//! The workspace's dependency diagram, as the README draws it, checked on `cargo metadata`:
//! which workspace crates each crate may use, and that no database driver or CLI parser
//! reaches the renderer or the codegen loop, and that the command's code does not depend on
//! the schema (an edit of a table rebuilds schema-defs and the small `codegen` binary only).
//!
//! ```text
//! migration-layout ← schema-dsl ← schema-defs
//!    ↑      ↑           ↑             ↑
//!    │  schema-shape ← schema-sql ← codegen-cli ← codegen-dylib ← codegen (the command: schema-defs bound to codegen-cli)
//!    │      ↑
//!    └── migrate
//! ```

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Each local package's (the workspace's, and codegen-dylib, a path dependency outside the
/// members) normal (not dev, not build) dependencies, by package name.
fn normal_dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata is JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    packages
        .iter()
        .filter(|package| package["source"].is_null())
        .map(|package| {
            let name = package["name"].as_str().expect("a name").to_string();
            let dependencies = package["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                .filter(|dependency| dependency["kind"].is_null())
                .map(|dependency| dependency["name"].as_str().expect("a name").to_string())
                .collect();
            (name, dependencies)
        })
        .collect()
}

/// `package` and everything it depends on through workspace packages, with the external
/// crates they name directly.
fn closure(graph: &BTreeMap<String, BTreeSet<String>>, package: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![package.to_string()];
    while let Some(next) = todo.pop() {
        if seen.insert(next.clone())
            && let Some(dependencies) = graph.get(&next)
        {
            todo.extend(dependencies.iter().cloned());
        }
    }
    seen.remove(package);
    seen
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|name| name.to_string()).collect()
}

#[test]
fn workspace_crates_depend_on_each_other_as_the_readme_draws() {
    let graph = normal_dependencies();
    let workspace: BTreeSet<String> = graph.keys().cloned().collect();
    let internal = |package: &str| -> BTreeSet<String> {
        graph[package].intersection(&workspace).cloned().collect()
    };
    assert_eq!(graph["migration-layout"], set(&[]), "std only");
    assert_eq!(
        internal("schema-dsl"),
        set(&["migration-layout", "schema-dsl-derive"])
    );
    assert_eq!(internal("schema-defs"), set(&["schema-dsl"]));
    assert_eq!(internal("schema-shape"), set(&["migration-layout"]));
    assert_eq!(
        internal("schema-sql"),
        set(&["migration-layout", "schema-dsl", "schema-shape"])
    );
    assert_eq!(internal("codegen-cli"), set(&["schema-dsl", "schema-sql"]));
    assert_eq!(internal("codegen-dylib"), set(&["codegen-cli"]));
    assert_eq!(internal("codegen"), set(&["codegen-dylib", "schema-defs"]));
    assert_eq!(
        internal("migrate"),
        set(&["migration-layout", "schema-shape"])
    );
}

#[test]
fn no_driver_or_cli_parser_reaches_the_renderer_and_no_driver_reaches_codegen() {
    let graph = normal_dependencies();
    let drivers = set(&["rusqlite", "postgres", "odbc-api"]);
    let renderer = closure(&graph, "schema-sql");
    let shapes = closure(&graph, "schema-shape");
    let codegen = closure(&graph, "codegen");
    for forbidden in drivers
        .iter()
        .chain(["clap".to_string(), "schema-defs".to_string()].iter())
    {
        assert!(
            !renderer.contains(forbidden),
            "schema-sql reaches {forbidden}"
        );
        assert!(
            !shapes.contains(forbidden),
            "schema-shape reaches {forbidden}"
        );
    }
    assert!(
        !closure(&graph, "codegen-cli").contains("schema-defs"),
        "codegen-cli reaches schema-defs: every edit of a table would rebuild it"
    );
    assert!(
        !shapes.contains("schema-dsl"),
        "schema-shape knows no model: {shapes:?}"
    );
    for driver in &drivers {
        assert!(!codegen.contains(driver), "codegen reaches {driver}");
    }
    assert!(
        codegen.contains("sea-query"),
        "the closure is computed: {codegen:?}"
    );
}

//! The generated ER diagrams, drawn by Mermaid itself: `@mermaid-js/mermaid-cli` (installed
//! from the npm lock in tools/mermaid/ by scripts/test) driving Debian's chromium. A diagram
//! Mermaid cannot parse or lay out fails here, and so does a missing tool: this test never
//! skips.

#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a test or benchmark fails by panicking"
)]

use schema_sql::docs::{ER_FILE, ER_POSTGRES_FILE, SCHEMA_FILE, docs_files};
use std::path::{Path, PathBuf};
use std::process::Command;

const INSTALL: &str = "install them with `scripts/test`, or by hand: \
     `apt-get install chromium nodejs npm && (cd tools/mermaid && PUPPETEER_SKIP_DOWNLOAD=1 npm ci)`";

fn workspace_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative)
}

/// Mermaid's CLI and its puppeteer configuration (chromium's path, no sandbox as root);
/// panics, with the install command, when either or chromium is missing.
fn mmdc() -> (PathBuf, PathBuf) {
    let tools = workspace_path("tools/mermaid");
    let mmdc = tools.join("node_modules/.bin/mmdc");
    let config = tools.join("puppeteer.json");
    assert!(
        mmdc.exists(),
        "Mermaid's CLI is missing ({}): {INSTALL}",
        mmdc.display()
    );
    let text = std::fs::read_to_string(&config).expect("tools/mermaid/puppeteer.json");
    let chromium = text
        .split('"')
        .skip_while(|part| *part != "executablePath")
        .nth(2)
        .expect("puppeteer.json names executablePath");
    assert!(
        Path::new(chromium).exists(),
        "chromium is missing ({chromium}): {INSTALL}"
    );
    (mmdc, config)
}

/// Renders `input` (a `.mmd` file, or Markdown whose mermaid blocks it renders) to `output`.
fn render(input: &Path, output: &Path) -> Result<(), String> {
    let (mmdc, config) = mmdc();
    let run = Command::new(&mmdc)
        .arg("--quiet")
        .arg("--puppeteerConfigFile")
        .arg(&config)
        .arg("--input")
        .arg(input)
        .arg("--output")
        .arg(output)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}: {INSTALL}", mmdc.display()));
    if run.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        ))
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("spine-diagram-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// SCHEMA.md's two mermaid blocks are the two `.mmd` files, and Mermaid draws both, with every
/// table and the PostgreSQL overlay's objects in the pictures.
#[test]
fn mermaid_draws_both_diagrams() {
    let files = docs_files(&schema_defs::schema(), &[]);
    let contents = |name: &str| {
        files
            .iter()
            .find(|f| f.path == Path::new(name))
            .map(|f| f.contents.clone())
            .expect("generated")
    };
    let overview = contents(SCHEMA_FILE);
    let blocks: Vec<&str> = overview
        .split("```mermaid\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap_or_default())
        .collect();
    assert_eq!(blocks, [contents(ER_FILE), contents(ER_POSTGRES_FILE)]);

    let dir = scratch("docs");
    let input = dir.join(SCHEMA_FILE);
    std::fs::write(&input, &overview).expect("written");
    let output = dir.join("rendered.md");
    if let Err(message) = render(&input, &output) {
        panic!("Mermaid cannot draw the diagrams of {SCHEMA_FILE}:\n{message}");
    }
    let svg = |n: usize| {
        std::fs::read_to_string(dir.join(format!("rendered-{n}.svg")))
            .unwrap_or_else(|e| panic!("diagram {n} was not drawn: {e}"))
    };
    let (logical, postgres) = (svg(1), svg(2));
    for table in schema_defs::declared_tables() {
        let name = table.definition.name;
        assert!(logical.contains(&name), "{name} is not in the diagram");
        assert!(
            postgres.contains(&name),
            "{name} is not in the PostgreSQL diagram"
        );
    }
    for object in ["workflow_runs_keys", "workflow_runs_default", "GIN index"] {
        assert!(postgres.contains(object), "{object} is not drawn");
        assert!(
            !logical.contains(object),
            "{object} is drawn in every dialect"
        );
    }
    assert!(logical.contains("ON DELETE CASCADE"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The check can fail: a diagram with a syntax error is refused, naming the problem.
#[test]
fn mermaid_refuses_a_broken_diagram() {
    let dir = scratch("broken");
    let input = dir.join("broken.mmd");
    std::fs::write(&input, "erDiagram\n    runs ||--o{ steps \"fk_step_run\"\n").expect("written");
    let refused = render(&input, &dir.join("broken.svg"));
    let _ = std::fs::remove_dir_all(&dir);
    let message = refused.expect_err("Mermaid drew a broken diagram");
    assert!(message.contains("Parse error"), "{message}");
}

//! `cargo run -p codegen`: the `codegen` command ([`codegen_cli`]) on the spine schema
//! declared in schema-defs. Kept to this binding so that an edit of a table rebuilds
//! schema-defs and this file only.

fn main() -> std::process::ExitCode {
    codegen_cli::run(&schema_defs::schema(), &schema_defs::declared_tables())
}

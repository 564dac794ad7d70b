//! Every step kind rendered for every dialect against a small fixture, with the exact SQL;
//! and on a real SQLite (rusqlite): create, each step's up, the shape of a fresh CREATE of the
//! state after with the rows kept, then its down and the shape of the state before.

use super::*;
use crate::backend::{Db2, Postgres, Sqlite};
use crate::rules::check_step;
use migration_layout::directive::FOREIGN_KEYS_OFF;
use rusqlite::Connection;
use schema_dsl::{
    Acknowledgement, CheckCondition, CheckDef, ColumnType, DefaultValue, ForeignKeyAction,
    ForeignKeyDef, Group, JsonSize, MigrationId, Partitioning, Tier,
};

fn text(max_len: u32) -> ColumnType {
    ColumnType::Text {
        max_len: Some(max_len),
    }
}

/// The parent: an AUTOINCREMENT key, a NOT NULL column without a default in the middle, a
/// boolean and a `now` default.
fn authors() -> TableDef {
    TableDef::new("authors")
        .column(
            ColumnDef::new("author_id", ColumnType::Integer)
                .primary_key()
                .auto_increment(),
        )
        .column(ColumnDef::new("name", text(100)))
        .column(ColumnDef::new("bio", text(500)).nullable(true))
        .column(ColumnDef::new("rating", ColumnType::Integer))
        .column(ColumnDef::new("active", ColumnType::Boolean).default(DefaultValue::Boolean(true)))
        .column(ColumnDef::new("joined_at", ColumnType::Timestamp).default(DefaultValue::Now))
        .index(IndexDef::new("idx_authors_name", &["name"]))
}

/// The child: its rows go with their author (ON DELETE CASCADE).
fn books() -> TableDef {
    TableDef::new("books")
        .column(ColumnDef::new("book_id", text(50)).primary_key())
        .column(ColumnDef::new("author_id", ColumnType::Integer))
        .column(ColumnDef::new("title", text(200)).nullable(true))
        .foreign_key(ForeignKeyDef {
            name: "fk_books_author".into(),
            columns: vec!["author_id".into()],
            ref_table: "authors".into(),
            ref_columns: vec!["author_id".into()],
            on_delete: ForeignKeyAction::Cascade,
            on_update: ForeignKeyAction::NoAction,
        })
        .index(IndexDef::new("idx_books_author", &["author_id"]))
}

fn id() -> MigrationId {
    MigrationId::new(Group::Tier(Tier::Basic), 1, "fixture")
}

/// The state after creating `tables`.
fn state_of(tables: &[TableDef]) -> SchemaState {
    let mut state = SchemaState::default();
    for table in tables {
        state
            .apply(&id(), &Step::CreateTable(table.clone()))
            .expect("the fixture is valid");
    }
    state
}

fn fixture() -> SchemaState {
    state_of(&[authors(), books()])
}

fn ack() -> Acknowledgement {
    Acknowledgement::data_loss("no longer read")
}

fn add(table: &str, column: ColumnDef, backfill: Option<DefaultValue>) -> Step {
    Step::AddColumn {
        table: table.into(),
        column,
        backfill,
    }
}

fn drop_column(table: &str, column: &str) -> Step {
    Step::DropColumn {
        table: table.into(),
        column: column.into(),
        ack: ack(),
    }
}

fn rename_column(table: &str, from: &str, to: &str) -> Step {
    Step::RenameColumn {
        table: table.into(),
        from: from.into(),
        to: to.into(),
    }
}

/// Every step of the fixture the tests render, by name.
fn steps() -> Vec<(&'static str, Step)> {
    vec![
        (
            "add nullable",
            add(
                "authors",
                ColumnDef::new("nickname", text(50)).nullable(true),
                None,
            ),
        ),
        (
            "add nullable with backfill",
            add(
                "authors",
                ColumnDef::new("nickname", text(50)).nullable(true),
                Some(DefaultValue::Text("none".into())),
            ),
        ),
        (
            "add not null with backfill",
            add(
                "authors",
                ColumnDef::new("score", ColumnType::Integer),
                Some(DefaultValue::Integer(5)),
            ),
        ),
        (
            "add boolean with backfill",
            add(
                "authors",
                ColumnDef::new("verified", ColumnType::Boolean),
                Some(DefaultValue::Boolean(false)),
            ),
        ),
        (
            "add with default",
            add(
                "books",
                ColumnDef::new("format", text(20)).default(DefaultValue::Text("paper".into())),
                None,
            ),
        ),
        (
            "add with default now",
            add(
                "books",
                ColumnDef::new("added_at", ColumnType::Timestamp).default(DefaultValue::Now),
                None,
            ),
        ),
        ("drop nullable", drop_column("authors", "bio")),
        ("drop not null", drop_column("authors", "rating")),
        (
            "drop last with default",
            drop_column("authors", "joined_at"),
        ),
        ("drop nullable last", drop_column("books", "title")),
        (
            "rename column",
            rename_column("authors", "name", "full_name"),
        ),
        (
            "rename referenced column",
            rename_column("authors", "author_id", "id"),
        ),
        (
            "rename table",
            Step::RenameTable {
                from: "authors".into(),
                to: "writers".into(),
            },
        ),
        (
            "drop index",
            Step::DropIndex {
                table: "authors".into(),
                index: "idx_authors_name".into(),
            },
        ),
        (
            "drop table",
            Step::DropTable {
                table: "books".into(),
                ack: ack(),
            },
        ),
        (
            "add check to a parent",
            Step::AddCheck {
                table: "authors".into(),
                check: rating_check(),
            },
        ),
        (
            "drop foreign key",
            Step::DropForeignKey {
                table: "books".into(),
                name: "fk_books_author".into(),
            },
        ),
        ("add foreign key", add_second_foreign_key()),
    ]
}

/// Ratings go from 0 to 5.
fn rating_check() -> CheckDef {
    CheckDef::new(
        "ck_authors_rating",
        "rating",
        CheckCondition::Between { min: 0, max: 5 },
    )
}

/// A second foreign key from books to authors, restricting deletes.
fn add_second_foreign_key() -> Step {
    Step::AddForeignKey {
        table: "books".into(),
        foreign_key: ForeignKeyDef {
            name: "fk_books_author_kept".into(),
            on_delete: ForeignKeyAction::NoAction,
            ..books().foreign_keys[0].clone()
        },
    }
}

/// The up and down of `step` on the fixture, and whether each needs foreign keys off.
fn render(backend: &dyn Backend, step: &Step) -> Change {
    render_step(backend, &fixture(), step).expect("renders")
}

/// The fixture step named `name`, among [`steps`] and [`alter_steps`].
fn step(name: &str) -> Step {
    steps()
        .into_iter()
        .chain(alter_steps())
        .find(|(n, _)| *n == name)
        .map(|(_, step)| step)
        .expect("a fixture step")
}

/// Asserts the up and down of the named step in one dialect.
fn assert_sql(backend: &dyn Backend, name: &str, up: &[&str], down: &[&str]) {
    let change = render(backend, &step(name));
    assert_eq!(change.up, up, "{}: {name}: up", backend.dialect());
    assert_eq!(change.down, down, "{}: {name}: down", backend.dialect());
}

const SQLITE_AUTHORS_NEW: &str = "CREATE TABLE IF NOT EXISTS authors_new (\n    \
    author_id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,\n    \
    name TEXT NOT NULL,\n    \
    bio TEXT,\n    \
    rating INTEGER NOT NULL,\n    \
    active INTEGER NOT NULL DEFAULT 1,\n    \
    joined_at TEXT NOT NULL";

const SQLITE_KEEP_SEQUENCE: [&str; 2] = [
    "DELETE FROM sqlite_sequence WHERE name = 'authors_new';",
    "INSERT INTO sqlite_sequence (name, seq) SELECT 'authors_new', seq FROM sqlite_sequence WHERE name = 'authors';",
];

#[test]
fn add_column_sql() {
    for backend in [&Sqlite as &dyn Backend, &Postgres] {
        let nickname = format!(
            "ALTER TABLE authors ADD COLUMN nickname {};",
            backend.column_type(text(50)).expect("a type")
        );
        assert_sql(
            backend,
            "add nullable",
            &[&nickname],
            &["ALTER TABLE authors DROP COLUMN nickname;"],
        );
        assert_sql(
            backend,
            "add nullable with backfill",
            &[&nickname, "UPDATE authors SET nickname = 'none';"],
            &["ALTER TABLE authors DROP COLUMN nickname;"],
        );
        assert_sql(
            backend,
            "add with default",
            &[&format!(
                "ALTER TABLE books ADD COLUMN format {} NOT NULL DEFAULT 'paper';",
                backend.column_type(text(20)).expect("a type")
            )],
            &["ALTER TABLE books DROP COLUMN format;"],
        );
    }
    assert_sql(
        &Db2,
        "add nullable with backfill",
        &[
            "ALTER TABLE AUTHORS ADD COLUMN NICKNAME VARCHAR(50);",
            "UPDATE AUTHORS SET NICKNAME = 'none';",
        ],
        &[
            "ALTER TABLE AUTHORS DROP COLUMN NICKNAME;",
            "CALL SYSPROC.ADMIN_CMD('REORG TABLE AUTHORS');",
        ],
    );
    assert_sql(
        &Db2,
        "add with default",
        &["ALTER TABLE BOOKS ADD COLUMN FORMAT VARCHAR(20) DEFAULT 'paper' NOT NULL;"],
        &[
            "ALTER TABLE BOOKS DROP COLUMN FORMAT;",
            "CALL SYSPROC.ADMIN_CMD('REORG TABLE BOOKS');",
        ],
    );

    // NOT NULL without a default, with a backfill: a default dropped right after, or (SQLite,
    // which cannot drop one) a rebuild.
    assert_sql(
        &Postgres,
        "add not null with backfill",
        &[
            "ALTER TABLE authors ADD COLUMN score INTEGER NOT NULL DEFAULT 5;",
            "ALTER TABLE authors ALTER COLUMN score DROP DEFAULT;",
        ],
        &["ALTER TABLE authors DROP COLUMN score;"],
    );
    assert_sql(
        &Db2,
        "add boolean with backfill",
        &[
            "ALTER TABLE AUTHORS ADD COLUMN VERIFIED SMALLINT NOT NULL WITH DEFAULT 0;",
            "ALTER TABLE AUTHORS ADD CHECK (VERIFIED IN (0, 1));",
            "ALTER TABLE AUTHORS ALTER COLUMN VERIFIED DROP DEFAULT;",
        ],
        &[
            "ALTER TABLE AUTHORS DROP COLUMN VERIFIED;",
            "CALL SYSPROC.ADMIN_CMD('REORG TABLE AUTHORS');",
        ],
    );
    assert_sql(
        &Postgres,
        "add boolean with backfill",
        &[
            "ALTER TABLE authors ADD COLUMN verified BOOLEAN NOT NULL DEFAULT FALSE;",
            "ALTER TABLE authors ALTER COLUMN verified DROP DEFAULT;",
        ],
        &["ALTER TABLE authors DROP COLUMN verified;"],
    );
    let rebuild = render(&Sqlite, &step("add not null with backfill"));
    let mut expected = vec![
        format!("{SQLITE_AUTHORS_NEW},\n    score INTEGER NOT NULL\n);"),
        "INSERT INTO authors_new (author_id, name, bio, rating, active, joined_at, score) \
         SELECT author_id, name, bio, rating, active, joined_at, 5 FROM authors;"
            .to_string(),
    ];
    expected.extend(SQLITE_KEEP_SEQUENCE.map(String::from));
    expected.extend([
        "DROP TABLE IF EXISTS authors;".to_string(),
        "ALTER TABLE authors_new RENAME TO authors;".to_string(),
        "CREATE INDEX IF NOT EXISTS idx_authors_name ON authors (name);".to_string(),
    ]);
    assert_eq!(rebuild.up, expected);
    assert_eq!(rebuild.down, ["ALTER TABLE authors DROP COLUMN score;"]);
    assert!(rebuild.up_foreign_keys_off && !rebuild.down_foreign_keys_off);

    // SQLite writes no `now` default: a NOT NULL timestamp is rebuilt, existing rows get the
    // ISO-8601 text the application writes.
    let now = render(&Sqlite, &step("add with default now"));
    assert!(now.up_foreign_keys_off);
    assert_eq!(
        now.up[1],
        "INSERT INTO books_new (book_id, author_id, title, added_at) SELECT book_id, author_id, title, \
         strftime('%Y-%m-%dT%H:%M:%f', 'now') FROM books;"
    );
    assert_sql(
        &Postgres,
        "add with default now",
        &["ALTER TABLE books ADD COLUMN added_at TIMESTAMP NOT NULL DEFAULT NOW();"],
        &["ALTER TABLE books DROP COLUMN added_at;"],
    );
    assert_sql(
        &Db2,
        "add with default now",
        &["ALTER TABLE BOOKS ADD COLUMN ADDED_AT TIMESTAMP DEFAULT CURRENT TIMESTAMP NOT NULL;"],
        &[
            "ALTER TABLE BOOKS DROP COLUMN ADDED_AT;",
            "CALL SYSPROC.ADMIN_CMD('REORG TABLE BOOKS');",
        ],
    );
}

#[test]
fn drop_column_sql() {
    assert_sql(
        &Postgres,
        "drop nullable",
        &["ALTER TABLE authors DROP COLUMN bio;"],
        &["ALTER TABLE authors ADD COLUMN bio VARCHAR(500);"],
    );
    assert_sql(
        &Db2,
        "drop nullable",
        &[
            "ALTER TABLE AUTHORS DROP COLUMN BIO;",
            "CALL SYSPROC.ADMIN_CMD('REORG TABLE AUTHORS');",
        ],
        &["ALTER TABLE AUTHORS ADD COLUMN BIO VARCHAR(500);"],
    );
    // The values of a NOT NULL column without a default are gone: a placeholder.
    assert_sql(
        &Postgres,
        "drop not null",
        &["ALTER TABLE authors DROP COLUMN rating;"],
        &[
            "ALTER TABLE authors ADD COLUMN rating INTEGER NOT NULL DEFAULT 0;",
            "ALTER TABLE authors ALTER COLUMN rating DROP DEFAULT;",
        ],
    );
    assert_sql(
        &Db2,
        "drop not null",
        &[
            "ALTER TABLE AUTHORS DROP COLUMN RATING;",
            "CALL SYSPROC.ADMIN_CMD('REORG TABLE AUTHORS');",
        ],
        &[
            "ALTER TABLE AUTHORS ADD COLUMN RATING INTEGER NOT NULL WITH DEFAULT 0;",
            "ALTER TABLE AUTHORS ALTER COLUMN RATING DROP DEFAULT;",
        ],
    );
    assert_sql(
        &Db2,
        "drop last with default",
        &[
            "ALTER TABLE AUTHORS DROP COLUMN JOINED_AT;",
            "CALL SYSPROC.ADMIN_CMD('REORG TABLE AUTHORS');",
        ],
        &["ALTER TABLE AUTHORS ADD COLUMN JOINED_AT TIMESTAMP DEFAULT CURRENT TIMESTAMP NOT NULL;"],
    );
    assert_sql(
        &Sqlite,
        "drop nullable last",
        &["ALTER TABLE books DROP COLUMN title;"],
        &["ALTER TABLE books ADD COLUMN title TEXT;"],
    );

    // SQLite puts the column back where it was, and gives NOT NULL rows a value, by a rebuild.
    let change = render(&Sqlite, &step("drop not null"));
    assert_eq!(change.up, ["ALTER TABLE authors DROP COLUMN rating;"]);
    assert!(!change.up_foreign_keys_off && change.down_foreign_keys_off);
    let mut expected = vec![
        format!("{SQLITE_AUTHORS_NEW}\n);"),
        "INSERT INTO authors_new (author_id, name, bio, rating, active, joined_at) \
         SELECT author_id, name, bio, 0, active, joined_at FROM authors;"
            .to_string(),
    ];
    expected.extend(SQLITE_KEEP_SEQUENCE.map(String::from));
    expected.extend([
        "DROP TABLE IF EXISTS authors;".to_string(),
        "ALTER TABLE authors_new RENAME TO authors;".to_string(),
        "CREATE INDEX IF NOT EXISTS idx_authors_name ON authors (name);".to_string(),
    ]);
    assert_eq!(change.down, expected);
    assert_eq!(
        change.notes,
        [
            "acknowledged data loss: drop column rating of authors: no longer read",
            "the down file gives existing rows 0 in column rating of authors (NOT NULL, its values are gone)",
        ]
    );
    let bio = render(&Sqlite, &step("drop nullable"));
    assert!(bio.down_foreign_keys_off, "bio was not the last column");
    assert!(bio.down[1].contains("SELECT author_id, name, NULL, rating"));
    let joined = render(&Sqlite, &step("drop last with default"));
    assert!(
        joined.down[1].contains("strftime('%Y-%m-%dT%H:%M:%f', 'now') FROM authors"),
        "{:?}",
        joined.down
    );
}

#[test]
fn placeholders_fit_each_type_and_dialect() {
    let types = [
        text(10),
        ColumnType::BigInt,
        ColumnType::Boolean,
        ColumnType::Timestamp,
        ColumnType::Json {
            size: JsonSize::Small,
        },
    ];
    let of = |backend: &dyn Backend| -> Vec<String> {
        types.iter().map(|ty| backend.placeholder(*ty)).collect()
    };
    assert_eq!(
        of(&Sqlite),
        ["''", "0", "0", "'1970-01-01T00:00:00'", "'{}'"]
    );
    assert_eq!(
        of(&Postgres),
        ["''", "0", "FALSE", "'1970-01-01 00:00:00'", "'{}'"]
    );
    assert_eq!(of(&Db2), ["''", "0", "0", "'1970-01-01-00.00.00'", "'{}'"]);
}

#[test]
fn rename_sql() {
    for backend in [&Sqlite as &dyn Backend, &Postgres] {
        assert_sql(
            backend,
            "rename column",
            &["ALTER TABLE authors RENAME COLUMN name TO full_name;"],
            &["ALTER TABLE authors RENAME COLUMN full_name TO name;"],
        );
    }
    assert_sql(
        &Db2,
        "rename column",
        &["ALTER TABLE AUTHORS RENAME COLUMN NAME TO FULL_NAME;"],
        &["ALTER TABLE AUTHORS RENAME COLUMN FULL_NAME TO NAME;"],
    );
    assert_sql(
        &Sqlite,
        "rename table",
        &["ALTER TABLE authors RENAME TO writers;"],
        &["ALTER TABLE writers RENAME TO authors;"],
    );
    assert_sql(
        &Postgres,
        "rename table",
        &[
            "ALTER TABLE authors RENAME TO writers;",
            "ALTER TABLE writers RENAME CONSTRAINT authors_pkey TO writers_pkey;",
        ],
        &[
            "ALTER TABLE writers RENAME TO authors;",
            "ALTER TABLE authors RENAME CONSTRAINT writers_pkey TO authors_pkey;",
        ],
    );
    let tags = TableDef::new("tags").column(ColumnDef::new("tag", text(20)).primary_key());
    let change = render_step(
        &Db2,
        &state_of(&[tags]),
        &Step::RenameTable {
            from: "tags".into(),
            to: "labels".into(),
        },
    )
    .expect("renders");
    assert_eq!(change.up, ["RENAME TABLE TAGS TO LABELS;"]);
    assert_eq!(change.down, ["RENAME TABLE LABELS TO TAGS;"]);
}

#[test]
fn drop_index_and_table_sql() {
    assert_sql(
        &Sqlite,
        "drop index",
        &["DROP INDEX IF EXISTS idx_authors_name;"],
        &["CREATE INDEX IF NOT EXISTS idx_authors_name ON authors (name);"],
    );
    assert_sql(
        &Db2,
        "drop index",
        &["DROP INDEX IDX_AUTHORS_NAME;"],
        &["CREATE INDEX IDX_AUTHORS_NAME ON AUTHORS (NAME);"],
    );
    assert_sql(
        &Postgres,
        "drop table",
        &[
            "DROP INDEX IF EXISTS idx_books_author;",
            "DROP TABLE IF EXISTS books;",
        ],
        &[
            "CREATE TABLE IF NOT EXISTS books (\n    \
             book_id VARCHAR(50) PRIMARY KEY,\n    \
             author_id INTEGER NOT NULL,\n    \
             title VARCHAR(200),\n    \
             CONSTRAINT fk_books_author FOREIGN KEY (author_id) REFERENCES authors (author_id) ON DELETE CASCADE\n);",
            "CREATE INDEX IF NOT EXISTS idx_books_author ON books (author_id);",
        ],
    );
    assert_sql(
        &Db2,
        "drop table",
        &["DROP INDEX IDX_BOOKS_AUTHOR;", "DROP TABLE BOOKS;"],
        &[
            "CREATE TABLE BOOKS (\n    \
             BOOK_ID VARCHAR(50) NOT NULL PRIMARY KEY,\n    \
             AUTHOR_ID INTEGER NOT NULL,\n    \
             TITLE VARCHAR(200),\n    \
             CONSTRAINT FK_BOOKS_AUTHOR FOREIGN KEY (AUTHOR_ID) REFERENCES AUTHORS (AUTHOR_ID) ON DELETE CASCADE\n);",
            "CREATE INDEX IDX_BOOKS_AUTHOR ON BOOKS (AUTHOR_ID);",
        ],
    );
    assert_eq!(
        render(&Sqlite, &step("drop table")).notes,
        ["acknowledged data loss: drop table books: no longer read"]
    );

    // A GIN index: dropped and rebuilt where the dialect has GIN, skipped elsewhere.
    let gin = IndexDef {
        method: IndexMethod::Gin,
        ..IndexDef::new("idx_docs_body", &["body"])
    };
    let docs = TableDef::new("docs")
        .column(ColumnDef::new("doc_id", ColumnType::Integer).primary_key())
        .column(ColumnDef::new(
            "body",
            ColumnType::Json {
                size: JsonSize::Large,
            },
        ))
        .index(gin);
    let drop_gin = Step::DropIndex {
        table: "docs".into(),
        index: "idx_docs_body".into(),
    };
    let state = state_of(&[docs]);
    assert_eq!(
        render_step(&Postgres, &state, &drop_gin).expect("renders"),
        Change::plain(
            vec!["DROP INDEX IF EXISTS idx_docs_body;".into()],
            vec!["CREATE INDEX IF NOT EXISTS idx_docs_body ON docs USING GIN (body);".into()],
        )
    );
    assert_eq!(
        render_step(&Db2, &state, &drop_gin).expect("renders"),
        Change::default()
    );
    assert_eq!(
        check_step(&Db2, &state, &drop_gin)
            .warnings
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "warning: db2: table `docs`: index `idx_docs_body` uses method gin, which this dialect cannot build: skipped"
        ]
    );
}

/// A partitioned PostgreSQL table: runs, partitioned by month, referenced by steps.
fn partitioned() -> SchemaState {
    let runs = TableDef::new("runs")
        .column(ColumnDef::new("run_id", text(50)).primary_key())
        .column(ColumnDef::new("status", text(20)))
        .column(ColumnDef::new("created_at", ColumnType::Timestamp).default(DefaultValue::Now))
        .index(IndexDef::new("idx_runs_status", &["status"]))
        .partitioned(Partitioning::monthly("created_at"));
    let mut state = state_of(&[runs]);
    state
        .apply(
            &id(),
            &Step::PartitionTable {
                table: "runs".into(),
            },
        )
        .expect("partitions");
    state
}

#[test]
fn a_partitioned_postgres_table_takes_columns_and_drops_with_its_keys() {
    let state = partitioned();
    let added = render_step(
        &Postgres,
        &state,
        &add(
            "runs",
            ColumnDef::new("attempts", ColumnType::Integer),
            Some(DefaultValue::Integer(1)),
        ),
    )
    .expect("renders");
    assert_eq!(
        added.up,
        [
            "ALTER TABLE runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;",
            "ALTER TABLE runs ALTER COLUMN attempts DROP DEFAULT;",
        ]
    );
    let dropped = render_step(
        &Postgres,
        &state,
        &Step::DropTable {
            table: "runs".into(),
            ack: ack(),
        },
    )
    .expect("renders");
    assert_eq!(
        dropped.up,
        [
            "DROP INDEX IF EXISTS idx_runs_status;",
            "DROP TABLE IF EXISTS runs;",
            "DROP FUNCTION runs_keys_sync();",
            "DROP TABLE runs_keys;",
        ]
    );
    assert!(dropped.down[0].starts_with("CREATE TABLE IF NOT EXISTS runs ("));
    assert!(
        dropped
            .down
            .iter()
            .any(|s| s.starts_with("CREATE TABLE runs_default PARTITION OF runs DEFAULT;")),
        "the down partitions the table again: {:?}",
        dropped.down
    );
}

/// The problems of the rules' errors for `step` on `state`.
fn refusals(backend: &dyn Backend, state: &SchemaState, step: &Step) -> Vec<String> {
    check_step(backend, state, step)
        .errors
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn the_rules_refuse_what_a_dialect_cannot_alter() {
    let state = partitioned();
    assert_eq!(
        refusals(
            &Postgres,
            &state,
            &Step::RenameTable {
                from: "runs".into(),
                to: "jobs".into()
            }
        ),
        [
            "postgres: table `runs`: cannot rename a partitioned table to `jobs`: its `runs_keys`, `runs_default`, trigger function and trigger names derive from its name"
        ]
    );
    for key in ["run_id", "created_at"] {
        assert_eq!(
            refusals(&Postgres, &state, &rename_column("runs", key, "renamed")),
            [format!(
                "postgres: table `runs`, column `{key}`: cannot rename `{key}` of a partitioned table: it is its key or partition key, which its keys table `runs_keys` and trigger bodies name"
            )]
        );
        assert_eq!(
            refusals(&Sqlite, &state, &rename_column("runs", key, "renamed")),
            Vec::<String>::new()
        );
    }
    assert_eq!(
        refusals(&Postgres, &state, &rename_column("runs", "status", "state")),
        Vec::<String>::new()
    );
    // The partition key's default may change in the model; PostgreSQL, whose partitions'
    // bounds are ranges of it, refuses any change of it.
    let created_at = alter(
        "runs",
        ColumnDef::new("created_at", ColumnType::Timestamp),
        None,
    );
    assert_eq!(
        refusals(&Postgres, &state, &created_at),
        [
            "postgres: table `runs`, column `created_at`: cannot change `created_at` of a partitioned table: it is the partition key, which every partition's range bounds"
        ]
    );
    assert_eq!(refusals(&Sqlite, &state, &created_at), Vec::<String>::new());
    assert_eq!(
        refusals(
            &Postgres,
            &state,
            &alter("runs", ColumnDef::new("status", text(40)), None)
        ),
        Vec::<String>::new()
    );

    // Db2 refuses to rename a table in a referential constraint, parent or child.
    let fixture = fixture();
    let rename = |from: &str| Step::RenameTable {
        from: from.into(),
        to: "renamed".into(),
    };
    assert_eq!(
        refusals(&Db2, &fixture, &rename("authors")),
        [
            "db2: table `authors`: cannot rename to `renamed`: this dialect refuses to rename a table in a referential constraint (SQL0750N), here foreign key `fk_books_author` of table `books`"
        ]
    );
    assert_eq!(
        refusals(&Db2, &fixture, &rename("books")),
        [
            "db2: table `books`: cannot rename to `renamed`: this dialect refuses to rename a table in a referential constraint (SQL0750N), here its foreign key `fk_books_author`"
        ]
    );
    assert_eq!(
        refusals(&Postgres, &fixture, &rename("books")),
        Vec::<String>::new()
    );

    // A SQLite rebuild needs `<table>_new` free.
    let crowded = state_of(&[
        authors(),
        books(),
        TableDef::new("authors_new").column(ColumnDef::new("id", ColumnType::Integer)),
    ]);
    assert_eq!(
        refusals(&Sqlite, &crowded, &drop_column("authors", "rating")),
        [
            "sqlite: table `authors`: a table rebuild would create `authors_new`, which is the name of an existing table"
        ]
    );
    assert_eq!(
        refusals(&Postgres, &crowded, &drop_column("authors", "rating")),
        Vec::<String>::new()
    );
    let long = "t".repeat(60);
    assert_eq!(
        refusals(
            &Postgres,
            &fixture,
            &Step::RenameTable {
                from: "books".into(),
                to: long.clone()
            }
        ),
        [format!(
            "postgres: table `books`: cannot rename to `{long}`: the primary key constraint `{long}_pkey` the rename names is over 63 bytes"
        )]
    );

    // New names: reserved words and lengths.
    assert_eq!(
        refusals(&Postgres, &fixture, &rename("user")),
        Vec::<String>::new(),
        "no such table: nothing to check"
    );
    assert_eq!(
        refusals(
            &Postgres,
            &fixture,
            &Step::RenameTable {
                from: "books".into(),
                to: "user".into()
            }
        ),
        ["postgres: table `books`: table name `user` is a reserved word"]
    );
    assert_eq!(
        refusals(&Sqlite, &fixture, &rename_column("books", "title", "order")),
        ["sqlite: table `books`, column `order`: column name `order` is a reserved word"]
    );
    let long = "c".repeat(64);
    assert_eq!(
        refusals(
            &Postgres,
            &fixture,
            &add(
                "books",
                ColumnDef::new(long.clone(), ColumnType::Integer).nullable(true),
                None
            )
        ),
        [format!(
            "postgres: table `books`, column `{long}`: column name `{long}` is 64 bytes; the limit is 63"
        )]
    );
    assert_eq!(
        refusals(
            &Db2,
            &fixture,
            &add(
                "books",
                ColumnDef::new("notes", ColumnType::Text { max_len: None }).nullable(true),
                None
            )
        ),
        ["db2: table `books`, column `notes`: Db2 has no unbounded text type: declare `max_len`"]
    );
    assert_eq!(
        refusals(
            &Postgres,
            &fixture,
            &Step::CreateIndex {
                table: "books".into(),
                index: IndexDef::new("i".repeat(64), &["title"]),
            }
        ),
        [format!(
            "postgres: table `books`: index name `{0}` is 64 bytes; the limit is 63",
            "i".repeat(64)
        )]
    );
}

#[test]
fn files_carry_the_acknowledgement_and_the_foreign_keys_directive() {
    let mut state = fixture();
    let migration =
        Migration::new(Group::Tier(Tier::Basic), 2, "drop_rating").step(step("drop not null"));
    let [up, down] = render_migration(&Sqlite, &mut state, &migration).expect("renders");
    let header = "-- @generated by codegen from schema-defs: do not edit; change the declarations and run `cargo run -p codegen`.\n";
    let notes = "-- acknowledged data loss: drop column rating of authors: no longer read\n\
                 -- the down file gives existing rows 0 in column rating of authors (NOT NULL, its values are gone)\n\n";
    assert_eq!(
        up.contents,
        format!(
            "{header}-- migration: basic/0002_drop_rating (up), dialect: sqlite\n{notes}\
             ALTER TABLE authors DROP COLUMN rating;\n"
        )
    );
    assert!(
        down.contents.starts_with(&format!(
            "{header}-- migration: basic/0002_drop_rating (down), dialect: sqlite\n\
             {FOREIGN_KEYS_OFF}\n{notes}CREATE TABLE IF NOT EXISTS authors_new ("
        )),
        "{}",
        down.contents
    );
    let mut state = fixture();
    let [_, down] = render_migration(&Postgres, &mut state, &migration).expect("renders");
    assert!(!down.contents.contains(FOREIGN_KEYS_OFF));
}

// ----- on a real SQLite -----

/// Runs `statements` as the runner does: foreign keys off before the transaction when the
/// file says so, `PRAGMA foreign_key_check` before COMMIT.
fn run(conn: &Connection, statements: &[String], foreign_keys_off: bool) {
    if foreign_keys_off {
        conn.execute_batch("PRAGMA foreign_keys = OFF;")
            .expect("foreign keys off");
    }
    conn.execute_batch("BEGIN;").expect("begins");
    for statement in statements {
        conn.execute_batch(statement)
            .unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    let violations: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
            row.get(0)
        })
        .expect("checks");
    assert_eq!(violations, 0, "foreign key violations after {statements:?}");
    conn.execute_batch("COMMIT; PRAGMA foreign_keys = ON;")
        .expect("commits");
}

/// A database with foreign keys on holding `state`'s tables, freshly created.
fn create(state: &SchemaState) -> Connection {
    let conn = Connection::open_in_memory().expect("opens");
    conn.execute_batch("PRAGMA foreign_keys = ON;")
        .expect("foreign keys on");
    let mut fresh = SchemaState::default();
    for table in state.tables() {
        let step = Step::CreateTable(table.clone());
        let change = render_step(&Sqlite, &fresh, &step).expect("renders");
        run(&conn, &change.up, false);
        fresh.apply(&id(), &step).expect("creates");
    }
    conn
}

/// Rows of `sql`, each column as text.
fn rows(conn: &Connection, sql: &str) -> Vec<String> {
    let mut statement = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let columns = statement.column_count();
    statement
        .query_map([], |row| {
            (0..columns)
                .map(|i| {
                    row.get_ref(i).map(|value| match value {
                        rusqlite::types::ValueRef::Null => "NULL".to_string(),
                        rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                        rusqlite::types::ValueRef::Real(r) => r.to_string(),
                        rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                            String::from_utf8_lossy(t).into_owned()
                        }
                    })
                })
                .collect::<Result<Vec<_>, _>>()
                .map(|values| values.join("|"))
        })
        .expect("queries")
        .collect::<Result<Vec<_>, _>>()
        .expect("reads")
}

/// What PRAGMA says of every object: the tables and indexes, each table's columns (in
/// order), indexes with their columns, and foreign keys.
fn shape(conn: &Connection) -> Vec<String> {
    let mut shape = rows(
        conn,
        "SELECT type, name, tbl_name FROM sqlite_master WHERE name <> 'sqlite_sequence' ORDER BY name",
    );
    let tables = rows(
        conn,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'sqlite_sequence' ORDER BY name",
    );
    for table in tables {
        shape.extend(
            rows(conn, &format!("PRAGMA table_info({table})"))
                .into_iter()
                .map(|r| format!("{table} column {r}")),
        );
        let mut indexes = rows(
            conn,
            &format!(
                "SELECT name, \"unique\", origin, partial FROM pragma_index_list('{table}') ORDER BY name"
            ),
        );
        for index in &mut indexes {
            let name = index.split('|').next().unwrap_or_default().to_string();
            index.push_str(&format!(
                " on {:?}",
                rows(conn, &format!("PRAGMA index_info({name})"))
            ));
        }
        shape.extend(indexes.into_iter().map(|r| format!("{table} index {r}")));
        shape.extend(
            rows(conn, &format!("PRAGMA foreign_key_list({table})"))
                .into_iter()
                .map(|r| format!("{table} foreign key {r}")),
        );
        let sql = rows(
            conn,
            &format!("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}'"),
        );
        shape.extend(
            sql.iter()
                .flat_map(|sql| sql.lines())
                .filter(|line| line.contains(" CHECK ("))
                .map(|line| format!("{table} check {}", line.trim())),
        );
    }
    shape
}

/// The number of rows of each table, and the AUTOINCREMENT sequences.
fn counts(conn: &Connection) -> Vec<String> {
    let tables = rows(
        conn,
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
    );
    let mut counts: Vec<String> = tables
        .iter()
        .filter(|t| *t != "sqlite_sequence")
        .map(|t| {
            format!(
                "{t}: {:?}",
                rows(conn, &format!("SELECT count(*) FROM {t}"))
            )
        })
        .collect();
    if tables.iter().any(|t| t == "sqlite_sequence") {
        counts.extend(rows(
            conn,
            "SELECT name, seq FROM sqlite_sequence ORDER BY name",
        ));
    }
    counts.sort();
    counts
}

/// Two authors (the third deleted, so the sequence is ahead of the rows) with three books.
fn seed(conn: &Connection) {
    conn.execute_batch(
        "INSERT INTO authors (name, bio, rating, active, joined_at) VALUES \
             ('ann', 'poet', 4, 1, '2026-01-01T00:00:00'), \
             ('bob', NULL, 3, 0, '2026-01-02T00:00:00'), \
             ('cy', NULL, 1, 1, '2026-01-03T00:00:00'); \
         DELETE FROM authors WHERE name = 'cy'; \
         INSERT INTO books (book_id, author_id, title) VALUES \
             ('b1', 1, 'one'), ('b2', 1, NULL), ('b3', 2, 'three');",
    )
    .expect("seeds");
}

/// Each step's up on a seeded fixture gives the shape a fresh CREATE of the state after has,
/// keeping the rows (the dropped table's aside) and the sequence; its down gives back the
/// shape of the state before.
#[test]
fn every_step_round_trips_on_a_real_sqlite() {
    let before = fixture();
    let before_shape = shape(&create(&before));
    // Every alter step but the one the seeded titles ('one') stop.
    let alters = alter_steps()
        .into_iter()
        .filter(|(name, _)| *name != "text to integer");
    for (name, step) in steps().into_iter().chain(alters) {
        let conn = create(&before);
        seed(&conn);
        let seeded = counts(&conn);
        let change = render_step(&Sqlite, &before, &step).expect("renders");
        let mut after = before.clone();
        after.apply(&id(), &step).expect("applies");

        run(&conn, &change.up, change.up_foreign_keys_off);
        assert_eq!(shape(&conn), shape(&create(&after)), "{name}: up");
        let mut expected: Vec<String> = seeded
            .iter()
            .filter(|c| !(matches!(step, Step::DropTable { .. }) && c.starts_with("books")))
            .map(|c| c.replace("authors", step_table_name(&after, "authors")))
            .collect();
        expected.sort();
        assert_eq!(counts(&conn), expected, "{name}: rows after up");

        run(&conn, &change.down, change.down_foreign_keys_off);
        assert_eq!(shape(&conn), before_shape, "{name}: down");
        let mut expected = seeded.clone();
        if matches!(step, Step::DropTable { .. }) {
            expected = expected
                .into_iter()
                .map(|c| c.replace("books: [\"3\"]", "books: [\"0\"]"))
                .collect();
        }
        assert_eq!(counts(&conn), expected, "{name}: rows after down");
        // The cascade still works from the parent, whatever was rebuilt.
        conn.execute_batch("DELETE FROM authors WHERE name = 'ann';")
            .expect("deletes");
        let left: Vec<String> = rows(&conn, "SELECT count(*) FROM books");
        let expected_left = if matches!(step, Step::DropTable { .. }) {
            "0"
        } else {
            "1"
        };
        assert_eq!(left, [expected_left], "{name}: cascade");
    }
}

/// `authors`, or its new name after a rename.
fn step_table_name<'a>(after: &SchemaState, name: &'a str) -> &'a str {
    if after.table(name).is_some() {
        name
    } else {
        "writers"
    }
}

/// The values a step gives existing rows, read on a real SQLite.
#[test]
fn existing_rows_get_the_backfill_or_the_placeholder_on_a_real_sqlite() {
    let values = |step: &str, up: bool, sql: &str| {
        let before = fixture();
        let conn = create(&before);
        seed(&conn);
        let change = render(&Sqlite, &self::step(step));
        run(&conn, &change.up, change.up_foreign_keys_off);
        if !up {
            run(&conn, &change.down, change.down_foreign_keys_off);
        }
        rows(&conn, sql)
    };
    assert_eq!(
        values(
            "add not null with backfill",
            true,
            "SELECT score FROM authors"
        ),
        ["5", "5"]
    );
    assert_eq!(
        values(
            "add nullable with backfill",
            true,
            "SELECT nickname FROM authors"
        ),
        ["none", "none"]
    );
    assert_eq!(
        values("add with default", true, "SELECT format FROM books"),
        ["paper", "paper", "paper"]
    );
    let stamps = values("add with default now", true, "SELECT added_at FROM books");
    assert_eq!(stamps.len(), 3);
    for stamp in stamps {
        assert!(
            chrono_like(&stamp),
            "{stamp} is the ISO-8601 text the application writes"
        );
    }
    assert_eq!(
        values("drop not null", false, "SELECT rating FROM authors"),
        ["0", "0"]
    );
    assert_eq!(
        values("drop nullable", false, "SELECT name, bio FROM authors"),
        ["ann|NULL", "bob|NULL"]
    );
}

/// `YYYY-MM-DDTHH:MM:SS.fff`.
fn chrono_like(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 23 && bytes[4] == b'-' && bytes[10] == b'T' && bytes[19] == b'.'
}

/// SQLite's rebuild of a parent with foreign keys off keeps every child row and leaves the
/// child's foreign key naming the parent (ALTER TABLE … RENAME rewrites only references to
/// the renamed `<t>_new`), and keeps the AUTOINCREMENT sequence ahead of the rows.
#[test]
fn a_rebuilt_parent_keeps_its_children_and_sequence_on_a_real_sqlite() {
    let conn = create(&fixture());
    seed(&conn);
    let change = render(&Sqlite, &step("add not null with backfill"));
    assert!(change.up_foreign_keys_off);
    run(&conn, &change.up, true);
    assert_eq!(
        rows(
            &conn,
            "SELECT book_id, author_id FROM books ORDER BY book_id"
        ),
        ["b1|1", "b2|1", "b3|2"]
    );
    assert_eq!(
        rows(
            &conn,
            "SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('books')"
        ),
        ["authors|author_id|author_id|CASCADE"]
    );
    assert_eq!(
        rows(
            &conn,
            "SELECT seq FROM sqlite_sequence WHERE name = 'authors'"
        ),
        ["3"]
    );
    conn.execute_batch(
        "INSERT INTO authors (name, rating, score, joined_at) VALUES ('dee', 2, 1, 'x');",
    )
    .expect("inserts");
    assert_eq!(
        rows(&conn, "SELECT author_id FROM authors WHERE name = 'dee'"),
        ["4"],
        "the sequence went on from 3, not from the largest row"
    );
    assert_eq!(
        rows(
            &conn,
            "SELECT name FROM sqlite_master WHERE name LIKE '%_new'"
        ),
        Vec::<String>::new()
    );
}

// ----- changing a column in place -----

fn alter(table: &str, column: ColumnDef, backfill: Option<DefaultValue>) -> Step {
    Step::AlterColumn {
        table: table.into(),
        column,
        backfill,
        conversion: None,
        ack: None,
    }
}

/// Every alter step of the fixture the tests render, by name.
fn alter_steps() -> Vec<(&'static str, Step)> {
    let narrow = Step::AlterColumn {
        table: "authors".into(),
        column: ColumnDef::new("bio", text(10)).nullable(true),
        backfill: None,
        conversion: None,
        ack: Some(ack()),
    };
    let to_text = Step::AlterColumn {
        table: "authors".into(),
        column: ColumnDef::new("rating", text(20)),
        backfill: None,
        conversion: Some(schema_dsl::Conversion::Cast),
        ack: None,
    };
    let to_integer = Step::AlterColumn {
        table: "books".into(),
        column: ColumnDef::new("title", ColumnType::Integer).nullable(true),
        backfill: None,
        conversion: Some(schema_dsl::Conversion::Cast),
        ack: None,
    };
    vec![
        (
            "widen text",
            alter(
                "authors",
                ColumnDef::new("bio", text(1000)).nullable(true),
                None,
            ),
        ),
        ("narrow text", narrow),
        (
            "not null with backfill",
            alter(
                "authors",
                ColumnDef::new("bio", text(500)),
                Some(DefaultValue::Text("none".into())),
            ),
        ),
        (
            "set default",
            alter(
                "authors",
                ColumnDef::new("rating", ColumnType::Integer).default(DefaultValue::Integer(3)),
                None,
            ),
        ),
        (
            "widen integer",
            alter(
                "authors",
                ColumnDef::new("rating", ColumnType::BigInt),
                None,
            ),
        ),
        ("integer to text", to_text),
        ("text to integer", to_integer),
    ]
}

const PG_BIO_LONGER_THAN_10: &str = "DO $$\nDECLARE offending bigint;\nBEGIN\n    \
    SELECT count(*) INTO offending FROM authors WHERE LENGTH(bio) > 10;\n    \
    IF offending > 0 THEN\n        \
    RAISE EXCEPTION 'migration stopped: % row(s) of table authors, column bio hold text longer than 10 characters; the column stays text(500)', offending;\n    \
    END IF;\nEND\n$$;";

const DB2_TITLE_NOT_AN_INTEGER: &str = "BEGIN ATOMIC\n    \
    DECLARE OFFENDING BIGINT;\n    \
    SET OFFENDING = (SELECT COUNT(*) FROM BOOKS WHERE CASE WHEN NOT REGEXP_LIKE(TITLE, '^-?(0|[1-9][0-9]*)$') THEN 1 \
    WHEN DECFLOAT(TITLE) NOT BETWEEN -2147483648 AND 2147483647 THEN 1 ELSE 0 END = 1);\n    \
    IF OFFENDING > 0 THEN\n        \
    SIGNAL SQLSTATE '75001' SET MESSAGE_TEXT = VARCHAR(OFFENDING) || ' row(s) of table books, column title hold text that is not an integer of type integer; the column stays text(200)';\n    \
    END IF;\nEND;";

#[test]
fn alter_column_sql() {
    // Widening: free in PostgreSQL and (VARCHAR) Db2, nothing at all in SQLite (TEXT either
    // way); the way back counts the rows too long first.
    assert_sql(
        &Postgres,
        "narrow text",
        &[
            PG_BIO_LONGER_THAN_10,
            "ALTER TABLE authors ALTER COLUMN bio TYPE VARCHAR(10);",
        ],
        &["ALTER TABLE authors ALTER COLUMN bio TYPE VARCHAR(500);"],
    );
    assert_sql(
        &Db2,
        "widen text",
        &["ALTER TABLE AUTHORS ALTER COLUMN BIO SET DATA TYPE VARCHAR(1000);"],
        &[
            &Db2.pre_check(
                "authors",
                "LENGTH(BIO) > 500",
                "row(s) of table authors, column bio hold text longer than 500 characters; the column stays text(1000)",
            ),
            "ALTER TABLE AUTHORS ALTER COLUMN BIO SET DATA TYPE VARCHAR(500);",
            "CALL SYSPROC.ADMIN_CMD('REORG TABLE AUTHORS');",
        ],
    );
    let widen = render(&Sqlite, &step("widen text"));
    assert_eq!(widen.up, Vec::<String>::new());
    assert_eq!(widen.down.len(), 1, "only the pre-check: {:?}", widen.down);
    assert!(
        widen.down[0].starts_with(
            "SELECT CASE WHEN offending > 0 THEN json_extract('{}', 'migration stopped: ' || offending || ' row(s) of table authors, column bio hold text longer than 500 characters; the column stays text(1000)') END \
             FROM (SELECT count(*) AS offending FROM authors WHERE LENGTH(bio) > 500);"
        ),
        "{:?}",
        widen.down
    );

    // NOT NULL: the backfill, then (PostgreSQL) a validated CHECK lets SET NOT NULL skip its
    // scan; Db2 reorganises the table after; the backfilled values stay on the way back.
    assert_sql(
        &Postgres,
        "not null with backfill",
        &[
            "UPDATE authors SET bio = 'none' WHERE bio IS NULL;",
            "ALTER TABLE authors ADD CONSTRAINT bio_not_null CHECK (bio IS NOT NULL) NOT VALID;",
            "ALTER TABLE authors VALIDATE CONSTRAINT bio_not_null;",
            "ALTER TABLE authors ALTER COLUMN bio SET NOT NULL;",
            "ALTER TABLE authors DROP CONSTRAINT bio_not_null;",
        ],
        &["ALTER TABLE authors ALTER COLUMN bio DROP NOT NULL;"],
    );
    assert_sql(
        &Db2,
        "not null with backfill",
        &[
            "UPDATE AUTHORS SET BIO = 'none' WHERE BIO IS NULL;",
            "ALTER TABLE AUTHORS ALTER COLUMN BIO SET NOT NULL;",
            "CALL SYSPROC.ADMIN_CMD('REORG TABLE AUTHORS');",
        ],
        &[
            "ALTER TABLE AUTHORS ALTER COLUMN BIO DROP NOT NULL;",
            "CALL SYSPROC.ADMIN_CMD('REORG TABLE AUTHORS');",
        ],
    );
    let not_null = render(&Sqlite, &step("not null with backfill"));
    assert!(not_null.up_foreign_keys_off && not_null.down_foreign_keys_off);
    assert_eq!(
        not_null.up[1],
        "INSERT INTO authors_new (author_id, name, bio, rating, active, joined_at) \
         SELECT author_id, name, COALESCE(bio, 'none'), rating, active, joined_at FROM authors;"
    );
    assert_eq!(
        not_null.notes,
        [
            "the down file makes column bio of authors nullable again; the rows that held NULL keep 'none'"
        ]
    );

    // Defaults.
    for backend in [&Postgres as &dyn Backend, &Db2] {
        let rating = backend.identifier("rating");
        let authors = backend.identifier("authors");
        assert_sql(
            backend,
            "set default",
            &[&format!(
                "ALTER TABLE {authors} ALTER COLUMN {rating} SET DEFAULT 3;"
            )],
            &[&format!(
                "ALTER TABLE {authors} ALTER COLUMN {rating} DROP DEFAULT;"
            )],
        );
    }

    // Text to integer: counted first; PostgreSQL converts in place, Db2 replaces the column.
    let to_integer = render(&Postgres, &step("text to integer"));
    assert_eq!(
        to_integer.up[1],
        "ALTER TABLE books ALTER COLUMN title TYPE INTEGER USING CAST(title AS INTEGER);"
    );
    assert!(
        to_integer.up[0].contains(
            "WHERE CASE WHEN title !~ '^-?(0|[1-9][0-9]*)$' THEN TRUE ELSE CAST(title AS NUMERIC) NOT BETWEEN -2147483648 AND 2147483647 END;"
        ),
        "{}",
        to_integer.up[0]
    );
    assert_eq!(
        to_integer.down,
        ["ALTER TABLE books ALTER COLUMN title TYPE VARCHAR(200) USING CAST(title AS TEXT);"]
    );
    assert_sql(
        &Db2,
        "text to integer",
        &[
            DB2_TITLE_NOT_AN_INTEGER,
            "ALTER TABLE BOOKS ADD COLUMN TITLE_NEW INTEGER;",
            "UPDATE BOOKS SET TITLE_NEW = CAST(TITLE AS INTEGER);",
            "ALTER TABLE BOOKS DROP COLUMN TITLE;",
            "CALL SYSPROC.ADMIN_CMD('REORG TABLE BOOKS');",
            "ALTER TABLE BOOKS RENAME COLUMN TITLE_NEW TO TITLE;",
        ],
        &[
            "ALTER TABLE BOOKS ADD COLUMN TITLE_NEW VARCHAR(200);",
            "UPDATE BOOKS SET TITLE_NEW = CAST(TITLE AS VARCHAR(200));",
            "ALTER TABLE BOOKS DROP COLUMN TITLE;",
            "CALL SYSPROC.ADMIN_CMD('REORG TABLE BOOKS');",
            "ALTER TABLE BOOKS RENAME COLUMN TITLE_NEW TO TITLE;",
        ],
    );
    // A NOT NULL column replaced on Db2 is added filled, as an added column is.
    let to_text = render(&Db2, &step("integer to text"));
    assert_eq!(
        to_text.up[..3],
        [
            "ALTER TABLE AUTHORS ADD COLUMN RATING_NEW VARCHAR(20) NOT NULL WITH DEFAULT '';",
            "ALTER TABLE AUTHORS ALTER COLUMN RATING_NEW DROP DEFAULT;",
            "UPDATE AUTHORS SET RATING_NEW = CAST(RATING AS VARCHAR(20));",
        ]
    );
    assert_eq!(
        to_text.notes,
        [
            "column rating of authors is replaced by a new one, copied by CAST: it moves to the end of the table"
        ]
    );
    let sqlite = render(&Sqlite, &step("text to integer"));
    assert!(sqlite.up[0].contains(
        "WHERE (title IS NOT NULL AND (CAST(CAST(title AS INTEGER) AS TEXT) IS NOT title OR CAST(title AS INTEGER) NOT BETWEEN -2147483648 AND 2147483647))"
    ));
    assert_eq!(
        sqlite.up[2],
        "INSERT INTO books_new (book_id, author_id, title) SELECT book_id, author_id, CAST(title AS INTEGER) FROM books;"
    );
}

/// Runs `statements` in one transaction as the runner does, rolled back when one fails:
/// the error of the first that fails.
fn try_run(conn: &Connection, statements: &[String]) -> Result<(), String> {
    conn.execute_batch("BEGIN;").expect("begins");
    for statement in statements {
        if let Err(error) = conn.execute_batch(statement) {
            conn.execute_batch("ROLLBACK;").expect("rolls back");
            return Err(error.to_string());
        }
    }
    conn.execute_batch("COMMIT;").expect("commits");
    Ok(())
}

/// A pre-check stops the change naming the count of the rows that would not survive it, and
/// the table stays as it was; once the values fit, the change converts them.
#[test]
fn a_pre_check_stops_a_change_with_the_count_on_a_real_sqlite() {
    let conn = create(&fixture());
    seed(&conn);
    let before = shape(&conn);
    let to_integer = render(&Sqlite, &step("text to integer"));
    let error = try_run(&conn, &to_integer.up).expect_err("'one' and 'three' are not integers");
    assert!(
        error.contains(
            "migration stopped: 2 row(s) of table books, column title hold text that is not an integer of type integer; the column stays text(200)"
        ),
        "{error}"
    );
    assert_eq!(shape(&conn), before);
    assert_eq!(
        rows(&conn, "SELECT title FROM books ORDER BY book_id"),
        ["one", "NULL", "three"]
    );

    conn.execute_batch("UPDATE books SET title = '007' WHERE book_id = 'b1'; UPDATE books SET title = '-12' WHERE book_id = 'b3';")
        .expect("updates");
    let error = try_run(&conn, &to_integer.up).expect_err("'007' reads back as 7");
    assert!(error.contains("migration stopped: 1 row(s)"), "{error}");
    conn.execute_batch("UPDATE books SET title = '7' WHERE book_id = 'b1';")
        .expect("updates");
    run(&conn, &to_integer.up, to_integer.up_foreign_keys_off);
    assert_eq!(
        rows(
            &conn,
            "SELECT typeof(title), title FROM books ORDER BY book_id"
        ),
        ["integer|7", "null|NULL", "integer|-12"]
    );

    let narrow = render(&Sqlite, &step("narrow text"));
    conn.execute_batch("UPDATE authors SET bio = 'a poet of the sea' WHERE name = 'ann';")
        .expect("updates");
    let error = try_run(&conn, &narrow.up).expect_err("17 characters");
    assert!(
        error.contains("migration stopped: 1 row(s) of table authors, column bio hold text longer than 10 characters"),
        "{error}"
    );
}

// ----- foreign keys and CHECKs, online migrations -----

#[test]
fn constraint_steps_sql() {
    let check = "CONSTRAINT ck_authors_rating CHECK (rating BETWEEN 0 AND 5)";
    assert_sql(
        &Postgres,
        "add check to a parent",
        &[
            &format!("ALTER TABLE authors ADD {check} NOT VALID;"),
            "ALTER TABLE authors VALIDATE CONSTRAINT ck_authors_rating;",
        ],
        &["ALTER TABLE authors DROP CONSTRAINT ck_authors_rating;"],
    );
    assert_sql(
        &Db2,
        "add check to a parent",
        &["ALTER TABLE AUTHORS ADD CONSTRAINT CK_AUTHORS_RATING CHECK (RATING BETWEEN 0 AND 5);"],
        &["ALTER TABLE AUTHORS DROP CONSTRAINT CK_AUTHORS_RATING;"],
    );
    let fk = "CONSTRAINT fk_books_author FOREIGN KEY (author_id) REFERENCES authors (author_id) ON DELETE CASCADE";
    assert_sql(
        &Postgres,
        "drop foreign key",
        &["ALTER TABLE books DROP CONSTRAINT fk_books_author;"],
        &[
            &format!("ALTER TABLE books ADD {fk} NOT VALID;"),
            "ALTER TABLE books VALIDATE CONSTRAINT fk_books_author;",
        ],
    );
    assert_sql(
        &Db2,
        "add foreign key",
        &[
            "ALTER TABLE BOOKS ADD CONSTRAINT FK_BOOKS_AUTHOR_KEPT FOREIGN KEY (AUTHOR_ID) REFERENCES AUTHORS (AUTHOR_ID);",
        ],
        &["ALTER TABLE BOOKS DROP CONSTRAINT FK_BOOKS_AUTHOR_KEPT;"],
    );
    // SQLite has no ADD/DROP CONSTRAINT: the table is rebuilt, both ways, foreign keys off.
    let change = render(&Sqlite, &step("add check to a parent"));
    assert!(change.up_foreign_keys_off && change.down_foreign_keys_off);
    assert_eq!(
        change.up[0],
        format!(
            "{SQLITE_AUTHORS_NEW},\n    CONSTRAINT ck_authors_rating CHECK (rating BETWEEN 0 AND 5)\n);"
        )
    );
    assert_eq!(change.down[0], format!("{SQLITE_AUTHORS_NEW}\n);"));
    assert!(change.up.iter().any(|s| s == SQLITE_KEEP_SEQUENCE[1]));
}

#[test]
fn every_condition_renders_in_every_dialect() {
    let table = TableDef::new("jobs")
        .column(ColumnDef::new("state", text(10)))
        .check(CheckDef::new(
            "ck_jobs_state",
            "state",
            CheckCondition::OneOf(vec!["new".into(), "it's".into()]),
        ))
        .check(CheckDef::new(
            "ck_jobs_state_set",
            "state",
            CheckCondition::NotEmpty,
        ));
    for (backend, expected) in [
        (
            &Sqlite as &dyn Backend,
            "CREATE TABLE IF NOT EXISTS jobs (\n    state TEXT NOT NULL,\n    CONSTRAINT ck_jobs_state CHECK (state IN ('new', 'it''s')),\n    CONSTRAINT ck_jobs_state_set CHECK (state <> '')\n);",
        ),
        (
            &Db2,
            "CREATE TABLE JOBS (\n    STATE VARCHAR(10) NOT NULL,\n    CONSTRAINT CK_JOBS_STATE CHECK (STATE IN ('new', 'it''s')),\n    CONSTRAINT CK_JOBS_STATE_SET CHECK (STATE <> '')\n);",
        ),
    ] {
        assert_eq!(backend.create_table(&table).expect("renders"), expected);
    }
}

/// A foreign key to the partitioned `runs` references `runs_keys`; one from it is added
/// validated at once (PostgreSQL refuses `NOT VALID` there); a CHECK on it is `NOT VALID`.
#[test]
fn constraints_around_a_partitioned_postgres_table() {
    let mut state = partitioned();
    let events = TableDef::new("events")
        .column(ColumnDef::new("event_id", text(50)).primary_key())
        .column(ColumnDef::new("run_id", text(50)));
    state
        .apply(&id(), &Step::CreateTable(events))
        .expect("creates");
    let to_runs = ForeignKeyDef {
        name: "fk_events_run".into(),
        columns: vec!["run_id".into()],
        ref_table: "runs".into(),
        ref_columns: vec!["run_id".into()],
        on_delete: ForeignKeyAction::Cascade,
        on_update: ForeignKeyAction::NoAction,
    };
    let render = |step: &Step| render_step(&Postgres, &state, step).expect("renders");
    assert_eq!(
        render(&Step::AddForeignKey {
            table: "events".into(),
            foreign_key: to_runs.clone(),
        })
        .up,
        [
            "ALTER TABLE events ADD CONSTRAINT fk_events_run FOREIGN KEY (run_id) REFERENCES runs_keys (run_id) ON DELETE CASCADE NOT VALID;",
            "ALTER TABLE events VALIDATE CONSTRAINT fk_events_run;",
        ]
    );
    let from_runs = Step::AddForeignKey {
        table: "runs".into(),
        foreign_key: ForeignKeyDef {
            name: "fk_runs_event".into(),
            columns: vec!["run_id".into()],
            ref_table: "events".into(),
            ref_columns: vec!["event_id".into()],
            ..to_runs.clone()
        },
    };
    assert_eq!(
        render(&from_runs).up,
        [
            "ALTER TABLE runs ADD CONSTRAINT fk_runs_event FOREIGN KEY (run_id) REFERENCES events (event_id) ON DELETE CASCADE;"
        ]
    );
    let check = Step::AddCheck {
        table: "runs".into(),
        check: CheckDef::new("ck_runs_status", "status", CheckCondition::NotEmpty),
    };
    assert_eq!(
        render(&check).up,
        [
            "ALTER TABLE runs ADD CONSTRAINT ck_runs_status CHECK (status <> '') NOT VALID;",
            "ALTER TABLE runs VALIDATE CONSTRAINT ck_runs_status;",
        ]
    );
    // Online, the index and the foreign key of the partitioned table are refused, with why.
    let unique = Step::CreateIndex {
        table: "runs".into(),
        index: IndexDef {
            unique: true,
            ..IndexDef::new("idx_runs_status_unique", &["status"])
        },
    };
    let online = |step: &Step| {
        crate::rules::check_online(&Postgres, &state, "basic/0002_online", true, step)
            .errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        online(&unique),
        [
            "postgres: table `runs`: migration `basic/0002_online`: CREATE INDEX `idx_runs_status_unique` has no online form on a partitioned table (CONCURRENTLY cannot build or drop the index of a partitioned table, and its partitions are created by maintenance): move it to a migration without `online()`"
        ]
    );
    assert_eq!(
        online(&from_runs),
        [
            "postgres: table `runs`: migration `basic/0002_online`: ADD FOREIGN KEY `fk_runs_event` has no online form on a partitioned table (a foreign key of a partitioned table cannot be added NOT VALID): move it to a migration without `online()`"
        ]
    );
    assert_eq!(online(&check), Vec::<String>::new());
    assert_eq!(
        refusals(&Postgres, &state, &unique),
        [
            "postgres: table `runs`: UNIQUE index `idx_runs_status_unique` of a partitioned table must include the partition key `created_at`"
        ]
    );
    let to_status = Step::AddForeignKey {
        table: "events".into(),
        foreign_key: ForeignKeyDef {
            columns: vec!["event_id".into(), "run_id".into()],
            ref_columns: vec!["run_id".into(), "created_at".into()],
            ..to_runs
        },
    };
    assert_eq!(
        refusals(&Postgres, &state, &to_status),
        [
            "postgres: table `events`: foreign key `fk_events_run` must reference the primary key of the partitioned table `runs`, which its keys table `runs_keys` holds"
        ]
    );
}

/// An online migration's PostgreSQL files run outside a transaction, each statement safe to
/// run again; its SQLite and Db2 files are the usual transactional ones.
#[test]
fn online_migrations_render_lock_safe_statements_on_postgres_only() {
    let index = IndexDef::new("idx_books_title", &["title"]);
    let migration = Migration::new(Group::Tier(Tier::Basic), 2, "online")
        .step(Step::CreateIndex {
            table: "books".into(),
            index,
        })
        .step(Step::DropIndex {
            table: "authors".into(),
            index: "idx_authors_name".into(),
        })
        .step(add_second_foreign_key())
        .step(Step::AddCheck {
            table: "authors".into(),
            check: rating_check(),
        })
        .online();
    let [up, down] = render_migration(&Postgres, &mut fixture(), &migration).expect("renders");
    let header = |direction: &str| {
        format!(
            "-- @generated by codegen from schema-defs: do not edit; change the declarations and run `cargo run -p codegen`.\n\
             -- migration: basic/0002_online ({direction}), dialect: postgres\n\
             {}\n\n",
            migration_layout::directive::NO_TRANSACTION
        )
    };
    assert_eq!(
        up.contents,
        format!(
            "{}{}\n",
            header("up"),
            [
                "DROP INDEX CONCURRENTLY IF EXISTS idx_books_title;",
                "CREATE INDEX CONCURRENTLY idx_books_title ON books (title);",
                "DROP INDEX CONCURRENTLY IF EXISTS idx_authors_name;",
                "ALTER TABLE books DROP CONSTRAINT IF EXISTS fk_books_author_kept;",
                "ALTER TABLE books ADD CONSTRAINT fk_books_author_kept FOREIGN KEY (author_id) REFERENCES authors (author_id) NOT VALID;",
                "ALTER TABLE books VALIDATE CONSTRAINT fk_books_author_kept;",
                "ALTER TABLE authors DROP CONSTRAINT IF EXISTS ck_authors_rating;",
                "ALTER TABLE authors ADD CONSTRAINT ck_authors_rating CHECK (rating BETWEEN 0 AND 5) NOT VALID;",
                "ALTER TABLE authors VALIDATE CONSTRAINT ck_authors_rating;",
            ]
            .join("\n\n")
        )
    );
    assert_eq!(
        down.contents,
        format!(
            "{}{}\n",
            header("down"),
            [
                "ALTER TABLE authors DROP CONSTRAINT IF EXISTS ck_authors_rating;",
                "ALTER TABLE books DROP CONSTRAINT IF EXISTS fk_books_author_kept;",
                "DROP INDEX CONCURRENTLY IF EXISTS idx_authors_name;",
                "CREATE INDEX CONCURRENTLY idx_authors_name ON authors (name);",
                "DROP INDEX CONCURRENTLY IF EXISTS idx_books_title;",
            ]
            .join("\n\n")
        )
    );
    for backend in [&Sqlite as &dyn Backend, &Db2] {
        let [up, down] = render_migration(backend, &mut fixture(), &migration).expect("renders");
        for file in [up, down] {
            assert!(
                !file.contents.contains("CONCURRENTLY")
                    && !file
                        .contents
                        .contains(migration_layout::directive::NO_TRANSACTION),
                "{}",
                file.contents
            );
        }
    }
}

/// On a real SQLite, a foreign key added over an orphan row fails the foreign key check the
/// runner makes before COMMIT, and a CHECK over a violating row fails the copy.
#[test]
fn constraints_refuse_rows_that_break_them_on_a_real_sqlite() {
    let conn = create(&fixture());
    seed(&conn);
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF; INSERT INTO books (book_id, author_id) VALUES ('orphan', 99);",
    )
    .expect("inserts an orphan");
    let mut state = fixture();
    state
        .apply(
            &id(),
            &Step::DropForeignKey {
                table: "books".into(),
                name: "fk_books_author".into(),
            },
        )
        .expect("drops");
    let change = render_step(&Sqlite, &state, &add_second_foreign_key()).expect("renders");
    conn.execute_batch("BEGIN;").expect("begins");
    for statement in &change.up {
        conn.execute_batch(statement).expect("runs");
    }
    assert_eq!(
        rows(
            &conn,
            "SELECT \"table\", rowid, parent FROM pragma_foreign_key_check"
        ),
        ["books|4|authors"]
    );
    conn.execute_batch("ROLLBACK;").expect("rolls back");

    conn.execute_batch("UPDATE authors SET rating = 9 WHERE name = 'bob';")
        .expect("updates");
    let change = render(&Sqlite, &step("add check to a parent"));
    conn.execute_batch("BEGIN;").expect("begins");
    let error = change
        .up
        .iter()
        .find_map(|statement| conn.execute_batch(statement).err())
        .map(|e| e.to_string());
    assert_eq!(
        error.as_deref(),
        Some("CHECK constraint failed: ck_authors_rating")
    );
}

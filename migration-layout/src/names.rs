//! Dialects, tiers, groups, ids and file names: each spelled once, parsed back by `FromStr`.

use std::fmt;
use std::str::FromStr;

/// A database dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dialect {
    /// SQLite 3, the embedded default.
    Sqlite,
    /// PostgreSQL 12 or later.
    Postgres,
    /// IBM Db2 for Linux, UNIX and Windows.
    Db2,
}

impl Dialect {
    /// Every dialect, in a fixed order.
    pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::Db2];

    /// The directory that holds this dialect's migration files; also its name on the
    /// command line and in the tracking table.
    pub fn dir_name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Db2 => "db2",
        }
    }

    /// The group name of this dialect's own overlay migrations (`pg/0001_…` in the design).
    pub fn overlay_name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "pg",
            Dialect::Db2 => "db2",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.dir_name())
    }
}

impl FromStr for Dialect {
    type Err = LayoutError;

    /// A directory name, case-insensitively; `postgresql` and `pg` also name PostgreSQL.
    fn from_str(name: &str) -> Result<Self, LayoutError> {
        match name.to_ascii_lowercase().as_str() {
            "sqlite" => Ok(Dialect::Sqlite),
            "postgres" | "postgresql" | "pg" => Ok(Dialect::Postgres),
            "db2" => Ok(Dialect::Db2),
            _ => Err(LayoutError::UnknownDialect(name.to_string())),
        }
    }
}

/// A product tier. Each tier includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// The embedded single-node setup.
    Basic,
    /// Scheduling, workflows and alerting.
    Intermediate,
    /// Dead-letter queue and circuit breakers; enables the dialect overlays.
    Advanced,
}

impl Tier {
    /// Every tier, lowest first.
    pub const ALL: [Tier; 3] = [Tier::Basic, Tier::Intermediate, Tier::Advanced];

    /// The tier's name, as used in migration ids and directories.
    pub fn name(self) -> &'static str {
        match self {
            Tier::Basic => "basic",
            Tier::Intermediate => "intermediate",
            Tier::Advanced => "advanced",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Tier {
    type Err = LayoutError;

    /// A tier name, case-insensitively.
    fn from_str(name: &str) -> Result<Self, LayoutError> {
        Tier::ALL
            .into_iter()
            .find(|tier| tier.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| LayoutError::UnknownTier(name.to_string()))
    }
}

/// Where a migration belongs: a tier every dialect applies, or one dialect's overlay, applied
/// by that dialect only, after the top tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// A tier shared by every dialect.
    Tier(Tier),
    /// Migrations for one dialect only.
    Overlay(Dialect),
}

impl Group {
    /// The group's name: its directory, and the first part of a migration id.
    pub fn name(self) -> &'static str {
        match self {
            Group::Tier(tier) => tier.name(),
            Group::Overlay(dialect) => dialect.overlay_name(),
        }
    }

    /// Whether `dialect` applies the migrations of this group.
    pub fn applies_to(self, dialect: Dialect) -> bool {
        match self {
            Group::Tier(_) => true,
            Group::Overlay(only) => only == dialect,
        }
    }

    /// The lowest tier that includes this group by default: a tier its own; an overlay the
    /// top tier (a release-order manifest may name a lower one).
    pub fn default_tier(self) -> Tier {
        match self {
            Group::Tier(tier) => tier,
            Group::Overlay(_) => Tier::Advanced,
        }
    }

    /// Whether a database migrated to `target` includes this group by default: the tiers up
    /// to it, and the overlays at the top tier only.
    pub fn included_at(self, target: Tier) -> bool {
        self.default_tier() <= target
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Group {
    type Err = LayoutError;

    /// A tier name or an overlay name (`pg`, `sqlite`, `db2`), exactly as written in paths.
    fn from_str(name: &str) -> Result<Self, LayoutError> {
        let tier = Tier::ALL.into_iter().find(|tier| tier.name() == name);
        let overlay = Dialect::ALL.into_iter().find(|d| d.overlay_name() == name);
        match (tier, overlay) {
            (Some(tier), _) => Ok(Group::Tier(tier)),
            (None, Some(dialect)) => Ok(Group::Overlay(dialect)),
            (None, None) => Err(LayoutError::UnknownGroup(name.to_string())),
        }
    }
}

/// A migration's stable id: `<group>/<NNNN>_<name>`, such as `basic/0001_source_configs`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MigrationId {
    /// The tier or overlay the migration belongs to.
    pub group: Group,
    /// Its position in the group, from 1.
    pub seq: u32,
    /// A short snake_case description.
    pub name: String,
}

impl MigrationId {
    /// The id of migration `seq` of `group`, described by `name`.
    pub fn new(group: Group, seq: u32, name: impl Into<String>) -> Self {
        MigrationId {
            group,
            seq,
            name: name.into(),
        }
    }
}

impl fmt::Display for MigrationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{:04}_{}", self.group, self.seq, self.name)
    }
}

impl FromStr for MigrationId {
    type Err = LayoutError;

    /// `<group>/<NNNN>_<name>`: digits, an underscore and a non-empty name.
    fn from_str(id: &str) -> Result<Self, LayoutError> {
        let bad = || LayoutError::BadId(id.to_string());
        let (group, stem) = id.split_once('/').ok_or_else(bad)?;
        let (digits, name) = stem.split_once('_').ok_or_else(bad)?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
            return Err(bad());
        }
        Ok(MigrationId {
            group: group.parse()?,
            seq: digits.parse().map_err(|_| bad())?,
            name: name.to_string(),
        })
    }
}

/// Which way a migration file goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// Applies the migration.
    Up,
    /// Reverts it.
    Down,
}

impl Direction {
    /// `up` or `down`, as in file names.
    pub fn name(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }

    /// The end of a file name in this direction: `.up.sql` or `.down.sql`.
    pub fn suffix(self) -> &'static str {
        match self {
            Direction::Up => ".up.sql",
            Direction::Down => ".down.sql",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One migration file: `<dialect>/<group>/<NNNN>_<name>.<up|down>.sql`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MigrationFile {
    /// The dialect whose directory holds it.
    pub dialect: Dialect,
    /// The migration it belongs to.
    pub id: MigrationId,
    /// Up or down.
    pub direction: Direction,
}

impl MigrationFile {
    /// The path relative to the migrations root, with `/` separators.
    pub fn path(&self) -> String {
        format!("{}/{}{}", self.dialect, self.id, self.direction.suffix())
    }

    /// Parses a path relative to the migrations root (`/` or `\\` separators). `Ok(None)` for
    /// what is not a migration file at all (another top-level directory, a file that does not
    /// look like SQL); an error for anything under a dialect directory that looks like a
    /// migration ([`looks_like_sql`]) but breaks the grammar exactly: another case (`.UP.SQL`),
    /// spaces, a name outside `a-z 0-9 _`, a sub-folder of a group, a file outside any group.
    pub fn parse(relative: &str) -> Result<Option<MigrationFile>, LayoutError> {
        let parts: Vec<&str> = relative.split(['/', '\\']).collect();
        let Some(dialect) = Dialect::ALL
            .into_iter()
            .find(|d| parts.first() == Some(&d.dir_name()))
        else {
            return Ok(None);
        };
        let file = parts.last().copied().unwrap_or_default();
        if !looks_like_sql(file) {
            return Ok(None);
        }
        let bad = || LayoutError::BadFileName(relative.to_string());
        let group = match parts.as_slice() {
            [_, group, _] => *group,
            [_, _] => return Err(bad()),
            _ => return Err(LayoutError::SubFolder(relative.to_string())),
        };
        let (stem, direction) = [Direction::Up, Direction::Down]
            .into_iter()
            .find_map(|d| file.strip_suffix(d.suffix()).map(|stem| (stem, d)))
            .ok_or_else(bad)?;
        let id: MigrationId = format!("{group}/{stem}")
            .parse()
            .map_err(|error| match error {
                LayoutError::UnknownGroup(_) => error,
                _ => bad(),
            })?;
        let name_ok = id
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !name_ok {
            return Err(bad());
        }
        if !id.group.applies_to(dialect) {
            return Err(LayoutError::MisplacedOverlay(relative.to_string()));
        }
        Ok(Some(MigrationFile {
            dialect,
            id,
            direction,
        }))
    }
}

/// Whether a file name looks like SQL: it ends in `.sql` in any case, ignoring trailing
/// whitespace (`0001_a.UP.SQL`, `0001_a.up.sql `). Under a dialect directory such a file must
/// be a migration file exactly, or it is an error, never skipped.
pub fn looks_like_sql(name: &str) -> bool {
    name.trim_end().to_ascii_lowercase().ends_with(".sql")
}

/// A SQL string literal: single quotes, embedded quotes doubled; the same in every dialect.
pub fn sql_string_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A name or path that breaks the layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayoutError {
    /// Not a dialect's name.
    UnknownDialect(String),
    /// Not a tier's name.
    UnknownTier(String),
    /// A group directory that is neither a tier nor a dialect overlay.
    UnknownGroup(String),
    /// Not `<group>/<NNNN>_<name>`.
    BadId(String),
    /// A `.sql` file under a dialect directory that is not `<NNNN>_<name>.<up|down>.sql`.
    BadFileName(String),
    /// A file of one dialect's overlay under another dialect's directory (`sqlite/pg/…`).
    MisplacedOverlay(String),
    /// A file or folder inside a group directory's sub-folder (`sqlite/basic/old/…`).
    SubFolder(String),
    /// A symbolic link in a migrations tree (followed, it could skip or duplicate files).
    Symlink(String),
    /// A line of a release-order manifest (see [`crate::release_order`]) that breaks its format.
    ReleaseOrder {
        /// The manifest, relative to the migrations root.
        path: String,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with the line.
        problem: String,
    },
    /// A leading comment line that starts like a directive but is none (see
    /// [`crate::directive`]).
    UnknownDirective {
        /// The migration file, relative to the migrations root.
        path: String,
        /// The line, trimmed.
        line: String,
    },
    /// A migration file with both directives (see [`crate::directive::check`]).
    ConflictingDirectives {
        /// The migration file, relative to the migrations root.
        path: String,
    },
}

impl fmt::Display for LayoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LayoutError::UnknownDialect(name) => write!(
                f,
                "unknown dialect '{name}': use one of sqlite, postgres, db2"
            ),
            LayoutError::UnknownTier(name) => write!(
                f,
                "unknown tier '{name}': use one of basic, intermediate, advanced"
            ),
            LayoutError::UnknownGroup(name) => write!(
                f,
                "unknown migration group '{name}': use a tier (basic, intermediate, advanced) \
                 or a dialect overlay (sqlite, pg, db2)"
            ),
            LayoutError::BadId(id) => {
                write!(
                    f,
                    "malformed migration id '{id}': expected <group>/NNNN_name"
                )
            }
            LayoutError::BadFileName(path) => write!(
                f,
                "malformed migration file name '{path}': expected \
                 <dialect>/<group>/NNNN_name.up.sql or .down.sql, exactly (lower case, \
                 no spaces, a name of a-z, 0-9 and _); rename it, or move it out of the \
                 migrations tree"
            ),
            LayoutError::SubFolder(path) => write!(
                f,
                "'{path}' is in a sub-folder of a group folder, where nothing is read: \
                 migrations are <dialect>/<group>/NNNN_name.up.sql; move it up, or out of \
                 the migrations tree"
            ),
            LayoutError::Symlink(path) => write!(
                f,
                "'{path}' is a symbolic link: a migrations tree holds only regular files \
                 and folders; replace it with what it points to, or remove it"
            ),
            LayoutError::MisplacedOverlay(path) => write!(
                f,
                "'{path}' belongs to another dialect's overlay: move it under that dialect's directory"
            ),
            LayoutError::ReleaseOrder {
                path,
                line,
                problem,
            } => write!(
                f,
                "{path} line {line}: {problem}; list one migration id a line, oldest first"
            ),
            LayoutError::UnknownDirective { path, line } => write!(
                f,
                "{path}: unknown directive `{line}`: the directives are `{}`",
                crate::directive::ALL.join("` and `")
            ),
            LayoutError::ConflictingDirectives { path } => write!(
                f,
                "{path}: `{}` and `{}` cannot be combined: a rebuild with foreign keys off \
                 must run in one transaction (all or nothing); split the file into two \
                 migrations",
                crate::directive::FOREIGN_KEYS_OFF,
                crate::directive::NO_TRANSACTION
            ),
        }
    }
}

impl std::error::Error for LayoutError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        for dialect in Dialect::ALL {
            assert_eq!(dialect.dir_name().parse(), Ok(dialect));
        }
        for tier in Tier::ALL {
            assert_eq!(tier.name().parse(), Ok(tier));
            assert_eq!(tier.name().parse(), Ok(Group::Tier(tier)));
        }
        assert_eq!("pg".parse(), Ok(Group::Overlay(Dialect::Postgres)));
        assert_eq!("PostgreSQL".parse(), Ok(Dialect::Postgres));
        assert_eq!(
            "oracle".parse::<Dialect>(),
            Err(LayoutError::UnknownDialect("oracle".into()))
        );
        assert_eq!(
            "intermedate".parse::<Group>(),
            Err(LayoutError::UnknownGroup("intermedate".into()))
        );
    }

    #[test]
    fn ids_follow_the_design_documents_runner() {
        let basic = MigrationId::new(Group::Tier(Tier::Basic), 1, "source_configs");
        assert_eq!(basic.to_string(), "basic/0001_source_configs");
        let overlay = MigrationId::new(Group::Overlay(Dialect::Postgres), 1, "pg_optimizations");
        assert_eq!(overlay.to_string(), "pg/0001_pg_optimizations");
        assert_eq!("pg/0001_pg_optimizations".parse(), Ok(overlay));
        for bad in [
            "basic",
            "basic/one",
            "basic/0001_",
            "basic/_x",
            "basic/00x1_a",
        ] {
            assert_eq!(
                bad.parse::<MigrationId>(),
                Err(LayoutError::BadId(bad.into()))
            );
        }
    }

    #[test]
    fn file_names_round_trip_and_refuse_what_breaks_the_grammar() {
        let file = MigrationFile {
            dialect: Dialect::Postgres,
            id: MigrationId::new(Group::Overlay(Dialect::Postgres), 1, "pg_optimizations"),
            direction: Direction::Down,
        };
        assert_eq!(file.path(), "postgres/pg/0001_pg_optimizations.down.sql");
        assert_eq!(MigrationFile::parse(&file.path()), Ok(Some(file.clone())));
        assert_eq!(
            MigrationFile::parse("postgres\\pg\\0001_pg_optimizations.down.sql"),
            Ok(Some(file))
        );
        for outside in [
            "README.md",
            "oracle/basic/0001_a.up.sql",
            "sqlite/basic/notes.txt",
        ] {
            assert_eq!(MigrationFile::parse(outside), Ok(None), "{outside}");
        }
        for bad in [
            "sqlite/basic/one.up.sql",
            "sqlite/basic/0001_a.sql",
            "sqlite/basic/0001_a.UP.SQL",
            "sqlite/basic/0001_a.up.SQL",
            "sqlite/basic/0001_a.up.sql ",
            "sqlite/basic/0001_a .up.sql",
            "sqlite/basic/0001_A.up.sql",
            "sqlite/0001_a.up.sql",
        ] {
            assert_eq!(
                MigrationFile::parse(bad),
                Err(LayoutError::BadFileName(bad.into()))
            );
        }
        assert_eq!(
            MigrationFile::parse("sqlite/basic/old/0001_a.up.sql"),
            Err(LayoutError::SubFolder(
                "sqlite/basic/old/0001_a.up.sql".into()
            ))
        );
        assert_eq!(
            MigrationFile::parse("sqlite/intermedate/0001_a.up.sql"),
            Err(LayoutError::UnknownGroup("intermedate".into()))
        );
        assert_eq!(
            MigrationFile::parse("sqlite/pg/0001_a.up.sql"),
            Err(LayoutError::MisplacedOverlay(
                "sqlite/pg/0001_a.up.sql".into()
            ))
        );
    }

    #[test]
    fn groups_order_tiers_first_and_overlays_apply_at_the_top_tier_to_their_dialect() {
        assert!(Tier::Basic < Tier::Intermediate && Tier::Intermediate < Tier::Advanced);
        assert!(Group::Tier(Tier::Advanced) < Group::Overlay(Dialect::Sqlite));
        let pg = Group::Overlay(Dialect::Postgres);
        assert!(pg.applies_to(Dialect::Postgres) && !pg.applies_to(Dialect::Sqlite));
        assert!(pg.included_at(Tier::Advanced) && !pg.included_at(Tier::Intermediate));
        let basic = Group::Tier(Tier::Basic);
        assert!(Dialect::ALL.into_iter().all(|d| basic.applies_to(d)));
        assert!(Tier::ALL.into_iter().all(|t| basic.included_at(t)));
        assert!(!Group::Tier(Tier::Advanced).included_at(Tier::Intermediate));
    }

    #[test]
    fn literals_double_their_quotes() {
        assert_eq!(sql_string_literal("it's"), "'it''s'");
    }
}

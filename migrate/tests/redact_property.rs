//! One masking function, tried on generated connection strings of every form the runner
//! accepts: whatever the password holds and however it is written, it never reaches the
//! masked text, and scrubbing a message with [`password_of`] hides it too.

use migrate::redact::{password_of, redact, scrub};
use proptest::prelude::*;

/// Passwords: a marker no other part of a generated string holds, then printable characters,
/// the troublesome ones (`' \ / ? @ ; & = % { } : # space`) over-represented.
fn password() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            3 => proptest::char::range('a', 'z'),
            1 => proptest::char::range('0', '9'),
            3 => proptest::sample::select(vec![
                '\'', '\\', '/', '?', '@', ';', '&', '=', '%', '{', '}', ':', '#', ' ', '"', '+',
                'é',
            ]),
        ],
        2..14,
    )
    .prop_map(|chars| format!("ZQ{}", chars.into_iter().collect::<String>()))
}

/// `text` percent-encoded: every byte but the unreserved ones.
fn percent_encoded(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Spaces around `=`: none, before, after or both.
fn equals() -> impl Strategy<Value = &'static str> {
    proptest::sample::select(vec!["=", " =", "= ", " = ", "  =  "])
}

/// A URL: the password percent-encoded or raw (operators write `/`, `?`, `@` as they are),
/// sometimes again as a `password`/`sslpassword` query parameter.
fn url() -> impl Strategy<Value = (String, String, Vec<String>)> {
    (
        password(),
        any::<bool>(),
        proptest::sample::select(vec!["postgres", "postgresql", "pg+odbc"]),
        proptest::sample::select(vec!["", "?sslmode=require", "?password=", "?sslpassword="]),
    )
        .prop_map(|(password, encode, scheme, query)| {
            let raw = password.replace(['#', ' '], "x");
            let written = if encode {
                percent_encoded(&password)
            } else {
                raw.clone()
            };
            let query = if query.ends_with('=') {
                format!(
                    "{query}{}&application_name=spine",
                    percent_encoded(&password)
                )
            } else {
                query.to_string()
            };
            let target = format!("{scheme}://app:{written}@db.example:5432/spine{query}");
            let secret = if encode { password.clone() } else { raw };
            (target, secret, vec![written, percent_encoded(&password)])
        })
}

/// A libpq key=value string: unquoted when the password allows, else single-quoted with
/// `\'` and `\\` escapes.
fn key_value() -> impl Strategy<Value = (String, String, Vec<String>)> {
    (
        password(),
        any::<bool>(),
        equals(),
        proptest::sample::select(vec!["password", "sslpassword", "PASSWORD", "Password"]),
        proptest::sample::select(vec!["", " dbname=spine", "\tsslmode=require"]),
    )
        .prop_map(|(password, quote, equals, key, after)| {
            let plain = !password.contains([' ', '\'', '\\']);
            let written = if quote || !plain {
                format!("'{}'", password.replace('\\', "\\\\").replace('\'', "\\'"))
            } else {
                password.clone()
            };
            let target = format!("host=/tmp port=5432 user=app {key}{equals}{written}{after}");
            (target, password, vec![written])
        })
}

/// An ODBC string, with or without `odbc:`: the password raw (to `;`) or in `{…}` with `}}`.
fn odbc() -> impl Strategy<Value = (String, String, Vec<String>)> {
    (
        password(),
        any::<bool>(),
        equals(),
        proptest::sample::select(vec!["PWD", "Pwd", "pwd", "Password", "SSLPassword"]),
        proptest::sample::select(vec!["odbc:", ""]),
        proptest::sample::select(vec!["Driver={PostgreSQL Unicode};Server=db", "DSN=spine"]),
    )
        .prop_map(|(password, brace, equals, key, prefix, start)| {
            let raw = password.replace([';', '{', '}'], "x");
            let (written, secret) = if brace {
                (format!("{{{}}}", password.replace('}', "}}")), password)
            } else {
                (raw.clone(), raw.trim().to_string())
            };
            let target = format!("{prefix}{start};Uid=app;{key}{equals}{written};Database=SPINE");
            (target, secret, vec![written])
        })
}

fn masks((target, secret, written): (String, String, Vec<String>)) -> Result<(), TestCaseError> {
    let masked = redact(&target);
    prop_assert!(!masked.contains(&secret), "{target:?} -> {masked:?}");
    for form in &written {
        prop_assert!(!masked.contains(form.as_str()), "{target:?} -> {masked:?}");
    }
    prop_assert!(masked.contains("***"), "{target:?} -> {masked:?}");
    let found = password_of(&target);
    prop_assert!(found.is_some(), "{target:?}: no password found");
    let scrubbed = scrub(&format!("cannot connect to {target}"), found.as_deref());
    prop_assert!(!scrubbed.contains(&secret), "{target:?} -> {scrubbed:?}");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn url_passwords_are_masked(case in url()) {
        masks(case)?;
    }

    #[test]
    fn key_value_passwords_are_masked(case in key_value()) {
        masks(case)?;
    }

    #[test]
    fn odbc_passwords_are_masked(case in odbc()) {
        masks(case)?;
    }
}

/// The cases the hardening issue found, as fixed examples.
#[test]
fn the_reported_leaks_are_masked() {
    for (target, secret) in [
        ("host=h password= hunter2 dbname=d", "hunter2"),
        (r"host=h password='it\'s secret' dbname=d", "secret"),
        ("postgres://app:pa/ss@h:5432/d", "pa/ss"),
        ("postgres://app:pa?ss@h:5432/d", "pa?ss"),
        ("odbc:DSN=x;Uid=u;PWD = hunter2;", "hunter2"),
        ("host=h sslpassword=hunter2 dbname=d", "hunter2"),
    ] {
        let masked = redact(target);
        assert!(!masked.contains(secret), "{target} -> {masked}");
    }
}

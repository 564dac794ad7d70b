//! Keeps passwords out of everything the runner prints.

const MASK: &str = "***";

/// `target` with every password masked: the one of a URL (`scheme://user:PASSWORD@host`,
/// `/`, `?`, `:` and `@` in it included), and the value of every password key (`password`,
/// `sslpassword`, ODBC `PWD`/`Pwd`, any key ending in `password`, `passwd` or `pwd`, in any
/// case) of a libpq key=value string (spaces around `=`, `'…'` with `\'` escapes), an ODBC
/// string (values to `;`, `{…}` with `}}` escapes) or a URL query (values to `&`). When the
/// form is ambiguous the longer reading is masked: more text hidden, never a password shown.
pub fn redact(target: &str) -> String {
    let mut out = String::with_capacity(target.len());
    let mut copied_to = 0;
    for (start, end) in password_spans(target) {
        out.push_str(&target[copied_to..start]);
        out.push_str(MASK);
        copied_to = end;
    }
    out.push_str(&target[copied_to..]);
    out
}

/// The password embedded in `target`, if any, as written (without the quotes or braces
/// around it): messages that might echo it can be scrubbed with [`scrub`].
pub fn password_of(target: &str) -> Option<String> {
    password_spans(target)
        .into_iter()
        .map(|(start, end)| {
            let text = &target[start..end];
            let inner = match text.as_bytes() {
                [b'\'', .., b'\''] | [b'{', .., b'}'] if text.len() >= 2 => {
                    &text[1..text.len() - 1]
                }
                _ => text,
            };
            inner.to_string()
        })
        .find(|password| !password.is_empty())
}

/// `message` with every occurrence of `secret` masked.
pub fn scrub(message: &str, secret: Option<&str>) -> String {
    match secret {
        Some(secret) if !secret.is_empty() => message.replace(secret, MASK),
        _ => message.to_string(),
    }
}

/// How the values of a key=value string end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// A URL's query: values end at `&` or `#`.
    Url,
    /// ODBC: values end at `;`.
    Odbc,
    /// libpq: values end at whitespace, `\` escaping the next character.
    Libpq,
    /// No telling ODBC from libpq: the later of both ends.
    Either,
}

/// Keys that only ODBC connection strings have.
const ODBC_KEYS: &[&str] = &["driver=", "dsn=", "uid=", "pwd=", "filedsn="];

fn form_of(target: &str) -> Form {
    let lower = target.to_ascii_lowercase();
    let squeezed: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    if lower.contains("://") {
        Form::Url
    } else if lower.starts_with("odbc:") || ODBC_KEYS.iter().any(|k| squeezed.contains(k)) {
        Form::Odbc
    } else if lower.contains(';') {
        Form::Either
    } else {
        Form::Libpq
    }
}

/// The byte spans of every password in `target`, sorted, merged and non-empty.
fn password_spans(target: &str) -> Vec<(usize, usize)> {
    let form = form_of(target);
    let mut spans: Vec<(usize, usize)> = key_value_password_spans(target, form);
    if form == Form::Url {
        spans.extend(url_password_span(target));
    }
    spans.retain(|(start, end)| start < end);
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// The userinfo password of a URL: from the first `:` after `scheme://` to the last `@` of
/// the string (a password may hold `/`, `?` and `@` unencoded; an `@` later in the query
/// only masks more).
fn url_password_span(target: &str) -> Option<(usize, usize)> {
    let authority_start = target.find("://")? + 3;
    let rest = &target[authority_start..];
    let at = rest.rfind('@')?;
    let colon = rest[..at].find(':')?;
    Some((authority_start + colon + 1, authority_start + at))
}

fn is_password_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key == "pwd" || key.ends_with("password") || key.ends_with("passwd")
}

/// The spans of the values of password keys: a key starts the string or follows whitespace,
/// `;`, `?`, `&` or `:`, and spaces may surround its `=`.
fn key_value_password_spans(target: &str, form: Form) -> Vec<(usize, usize)> {
    let bytes = target.as_bytes();
    let is_key_byte = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let mut spans = Vec::new();
    for key_start in 0..bytes.len() {
        let at_boundary = key_start == 0
            || matches!(bytes[key_start - 1], b';' | b'?' | b'&' | b':' | b'{')
            || bytes[key_start - 1].is_ascii_whitespace();
        if !at_boundary || !is_key_byte(bytes[key_start]) {
            continue;
        }
        let key_end = (key_start..bytes.len())
            .find(|&i| !is_key_byte(bytes[i]))
            .unwrap_or(bytes.len());
        if !is_password_key(&target[key_start..key_end]) {
            continue;
        }
        let skip_spaces = |from: usize| {
            (from..bytes.len())
                .find(|&i| !matches!(bytes[i], b' ' | b'\t'))
                .unwrap_or(bytes.len())
        };
        let equals = skip_spaces(key_end);
        if bytes.get(equals) != Some(&b'=') {
            continue;
        }
        let start = skip_spaces(equals + 1);
        let mut end = value_end(bytes, start, form);
        while !target.is_char_boundary(end) {
            end += 1;
        }
        spans.push((start, end));
    }
    spans
}

/// Where the value starting at `start` ends, in `form`: braces and quotes first, then the
/// form's terminator; the latest end when readings differ.
fn value_end(bytes: &[u8], start: usize, form: Form) -> usize {
    let until = |stop: &dyn Fn(u8) -> bool, escapes: bool| {
        let mut i = start;
        while i < bytes.len() && !stop(bytes[i]) {
            i += if escapes && bytes[i] == b'\\' { 2 } else { 1 };
        }
        i.min(bytes.len())
    };
    let mut end = match form {
        Form::Url => until(&|b| b == b'&' || b == b'#', false),
        Form::Odbc => until(&|b| b == b';', false),
        Form::Libpq => until(&|b| b.is_ascii_whitespace(), true),
        Form::Either => until(&|b| b == b';', false).max(until(&|b| b.is_ascii_whitespace(), true)),
    };
    match bytes.get(start) {
        Some(b'{') => end = end.max(closing_brace(bytes, start)),
        Some(b'\'') => end = end.max(closing_quote(bytes, start)),
        _ => {}
    }
    end
}

/// Just past the `}` that closes the `{` at `start` (`}}` is an escaped `}`), or the end.
fn closing_brace(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1)) {
            (b'}', Some(b'}')) => i += 2,
            (b'}', _) => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Just past the `'` that closes the `'` at `start` (`\'` and `\\` are escapes), or the end.
fn closing_quote(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'\'' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::{password_of, redact, scrub};

    #[test]
    fn masks_url_passwords() {
        assert_eq!(
            redact("postgres://app:s3cr3t@db.example:5432/spine?sslmode=require"),
            "postgres://app:***@db.example:5432/spine?sslmode=require"
        );
        assert_eq!(
            redact("postgresql://app@db/spine"),
            "postgresql://app@db/spine"
        );
        assert_eq!(
            redact("postgres://u:p%40ss@h/d?password=again"),
            "postgres://u:***@h/d?password=***"
        );
    }

    #[test]
    fn masks_odbc_and_libpq_passwords() {
        assert_eq!(
            redact("odbc:Driver={IBM DB2 ODBC DRIVER};Database=SPINE;Uid=db2inst1;Pwd=hunter2;"),
            "odbc:Driver={IBM DB2 ODBC DRIVER};Database=SPINE;Uid=db2inst1;Pwd=***;"
        );
        assert_eq!(redact("odbc:DSN=x;PWD={a;b}"), "odbc:DSN=x;PWD=***");
        assert_eq!(
            redact("host=/tmp port=5432 user=app password='two words' dbname=d"),
            "host=/tmp port=5432 user=app password=*** dbname=d"
        );
        assert_eq!(
            redact("odbc:DSN=x;Password=hunter2"),
            "odbc:DSN=x;Password=***"
        );
    }

    #[test]
    fn leaves_keys_that_only_contain_the_word_alone() {
        assert_eq!(
            redact("odbc:DSN=x;NoPwdPrompt=1"),
            "odbc:DSN=x;NoPwdPrompt=1"
        );
        assert_eq!(redact("sqlite:passwords.db"), "sqlite:passwords.db");
    }

    #[test]
    fn finds_and_scrubs_the_password() {
        let target = "odbc:DSN=x;Uid=a;Pwd=hunter2";
        let password = password_of(target);
        assert_eq!(password.as_deref(), Some("hunter2"));
        assert_eq!(
            scrub("login hunter2 failed", password.as_deref()),
            "login *** failed"
        );
        assert_eq!(password_of("postgres://u:pw@h/d").as_deref(), Some("pw"));
        assert_eq!(password_of("odbc:DSN=x;Pwd=;"), None);
    }
}

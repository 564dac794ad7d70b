//! Keeps passwords out of everything the runner prints.

const MASK: &str = "***";

/// `target` with the password of a URL (`scheme://user:PASSWORD@host`), of a libpq key=value
/// string (`password=PASSWORD`) and of an ODBC string (`Pwd=PASSWORD;`, `Password=...`) masked.
pub fn redact(target: &str) -> String {
    let redacted = redact_url_password(target);
    redact_key_values(&redacted)
}

/// The password embedded in `target`, if any: messages that might echo it can be scrubbed with
/// [`scrub`].
pub fn password_of(target: &str) -> Option<String> {
    url_password_span(target)
        .map(|(start, end)| target[start..end].to_string())
        .or_else(|| {
            key_value_password_spans(target)
                .into_iter()
                .next()
                .map(|(start, end)| target[start..end].to_string())
        })
        .filter(|password| !password.is_empty())
}

/// `message` with every occurrence of `secret` masked.
pub fn scrub(message: &str, secret: Option<&str>) -> String {
    match secret {
        Some(secret) if !secret.is_empty() => message.replace(secret, MASK),
        _ => message.to_string(),
    }
}

fn url_password_span(target: &str) -> Option<(usize, usize)> {
    let authority_start = target.find("://")? + 3;
    let rest = &target[authority_start..];
    let authority_len = rest.find(['/', '?']).unwrap_or(rest.len());
    let at = rest[..authority_len].rfind('@')?;
    let colon = rest[..at].find(':')?;
    Some((authority_start + colon + 1, authority_start + at))
}

fn redact_url_password(target: &str) -> String {
    match url_password_span(target) {
        Some((start, end)) => format!("{}{MASK}{}", &target[..start], &target[end..]),
        None => target.to_string(),
    }
}

/// Spans of the values of `password=`/`pwd=` keys (any case), for `k=v;` and `k=v k=v` strings.
fn key_value_password_spans(target: &str) -> Vec<(usize, usize)> {
    let lower = target.to_ascii_lowercase();
    let mut spans = Vec::new();
    for key in ["password", "pwd"] {
        let mut search_from = 0;
        while let Some(found) = lower[search_from..].find(key) {
            let key_start = search_from + found;
            let after_key = key_start + key.len();
            search_from = after_key;
            let at_boundary = key_start == 0
                || matches!(
                    lower.as_bytes()[key_start - 1],
                    b';' | b' ' | b'\t' | b'?' | b'&'
                );
            let value_start = lower[after_key..]
                .find(|c: char| c != ' ')
                .map(|p| after_key + p)
                .filter(|&p| lower.as_bytes()[p] == b'=');
            let (true, Some(equals)) = (at_boundary, value_start) else {
                continue;
            };
            let start = equals + 1;
            let end = value_end(target, start);
            spans.push((start, end));
        }
    }
    spans.sort_unstable();
    spans
}

/// End of a key=value value: `{...}` braces (ODBC), `'...'` quotes (libpq), else up to `;`,
/// `&` or whitespace.
fn value_end(target: &str, start: usize) -> usize {
    let rest = &target[start..];
    let closing = match rest.as_bytes().first() {
        Some(b'{') => Some('}'),
        Some(b'\'') => Some('\''),
        _ => None,
    };
    if let Some(close) = closing {
        return rest[1..]
            .find(close)
            .map_or(target.len(), |p| start + 1 + p + 1);
    }
    rest.find([';', '&', ' ', '\t', '\n'])
        .map_or(target.len(), |p| start + p)
}

fn redact_key_values(target: &str) -> String {
    let mut out = String::with_capacity(target.len());
    let mut copied_to = 0;
    for (start, end) in key_value_password_spans(target) {
        if start < copied_to || start == end {
            continue;
        }
        out.push_str(&target[copied_to..start]);
        out.push_str(MASK);
        copied_to = end;
    }
    out.push_str(&target[copied_to..]);
    out
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

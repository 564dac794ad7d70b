//! TLS to PostgreSQL: the runner against a throwaway cluster that accepts TCP connections only
//! with TLS, its certificate signed by a CA made for the test (`spine_tests::pg::tls_cluster`).

use migrate::{Connection, Target, Tier};
use spine_tests::pg::tls_cluster;

/// Connects through the runner's own target parsing; the error's text on failure.
fn connect(target: &str) -> Result<Box<dyn Connection>, String> {
    target
        .parse::<Target>()
        .and_then(|target| target.connect(None))
        .map_err(|error| error.to_string())
}

/// 1 when this session is encrypted (the server's own view, `pg_stat_ssl`).
fn encrypted(conn: &mut dyn Connection) -> i64 {
    conn.query_count(
        "SELECT count(*) FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl AND version IS NOT NULL",
    )
    .expect("reading pg_stat_ssl")
}

#[test]
fn require_encrypts_and_migrates_without_checking_the_certificate() {
    let cluster = tls_cluster();
    let target = cluster.target("sslmode=require");
    let mut conn = connect(&target).expect("sslmode=require connects");
    assert_eq!(encrypted(conn.as_mut()), 1);
    let set = migrate::bundled().expect("embedded migrations");
    let steps = migrate::Runner::new(conn.as_mut(), &set)
        .up(Tier::Advanced, &mut |_| {})
        .expect("up over TLS");
    assert!(steps.len() > 5, "{steps:?}");
    let applied = conn
        .query_count("SELECT count(*) FROM _migrations")
        .expect("count");
    assert_eq!(applied, steps.len() as i64);
}

#[test]
fn prefer_is_the_default_and_uses_tls_when_offered() {
    let cluster = tls_cluster();
    let mut conn = connect(&cluster.target("")).expect("default sslmode connects");
    assert_eq!(encrypted(conn.as_mut()), 1);
}

#[test]
fn verify_full_with_the_right_ca_and_host_connects() {
    let cluster = tls_cluster();
    let ca = cluster.ca_file.display();
    // The host name is checked: 127.0.0.1 is in the certificate, and so is `localhost`,
    // reached through hostaddr.
    for options in [
        format!("sslmode=verify-full sslrootcert={ca}"),
        format!("sslmode=verify-full sslrootcert={ca} host=localhost hostaddr=127.0.0.1"),
    ] {
        let target = cluster.target(&options);
        let mut conn = connect(&target).unwrap_or_else(|e| panic!("{options}: {e}"));
        assert_eq!(encrypted(conn.as_mut()), 1, "{options}");
    }
    // The URL form takes the same options.
    let url = format!(
        "postgres://postgres@127.0.0.1:{}/postgres?sslmode=verify-full&sslrootcert={}",
        cluster.port,
        cluster.ca_file.display().to_string().replace('/', "%2F")
    );
    let mut conn = connect(&url).expect("URL with verify-full");
    assert_eq!(encrypted(conn.as_mut()), 1);
}

#[test]
fn verify_full_with_a_host_the_certificate_does_not_name_fails_clearly() {
    let cluster = tls_cluster();
    let target = cluster.target(&format!(
        "sslmode=verify-full sslrootcert={} host=db.wrong.example hostaddr=127.0.0.1",
        cluster.ca_file.display()
    ));
    let error = connect(&target).err().expect("a wrong host name must fail");
    println!("verify-full, wrong host: {error}");
    assert!(error.starts_with("cannot connect to"), "{error}");
    assert!(error.contains("not valid for name"), "{error}");
    assert!(
        error.contains("does not name the host connected to"),
        "the hint: {error}"
    );
    // verify-ca checks the chain only: the same host name is accepted.
    let target = target.replace("verify-full", "verify-ca");
    let mut conn = connect(&target).expect("verify-ca ignores the host name");
    assert_eq!(encrypted(conn.as_mut()), 1);
}

#[test]
fn verify_full_with_another_ca_fails_clearly() {
    let cluster = tls_cluster();
    let target = cluster.target(&format!(
        "sslmode=verify-full sslrootcert={}",
        cluster.other_ca_file.display()
    ));
    let error = connect(&target).err().expect("an untrusted CA must fail");
    println!("verify-full, other CA: {error}");
    assert!(
        error.contains("not signed by a trusted root"),
        "the hint: {error}"
    );
    // require with sslrootcert checks the chain too (libpq's verify-ca behaviour).
    let target = target.replace("verify-full", "require");
    assert!(
        connect(&target).is_err(),
        "require with a root file checks it"
    );
    // A root file that holds no certificate is refused before connecting.
    let target = cluster.target("sslmode=verify-ca sslrootcert=/dev/null");
    let error = connect(&target)
        .err()
        .expect("an empty root file must fail");
    assert!(error.contains("sslrootcert /dev/null"), "{error}");
}

#[test]
fn plain_text_against_a_tls_only_server_hints_at_sslmode() {
    let cluster = tls_cluster();
    let error = connect(&cluster.target("sslmode=disable"))
        .err()
        .expect("the server rejects plain text");
    println!("sslmode=disable, TLS-only server: {error}");
    assert!(error.contains("no encryption"), "{error}");
    assert!(
        error.contains("add sslmode=require"),
        "the hint names sslmode: {error}"
    );
    assert!(
        !error.contains("check that the database is running"),
        "no misleading generic hint: {error}"
    );
}

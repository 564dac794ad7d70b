//! A throwaway PostgreSQL cluster: one per test binary, a fresh database per test.
//!
//! The cluster listens only on a Unix socket in its own temporary directory, runs with
//! `fsync=off`, and is stopped (`pg_ctl stop -m immediate`) and deleted by a detached watchdog
//! shell once the test process has exited — libtest has no global teardown.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

const NOT_FOUND: &str = "PostgreSQL not found: apt-get install postgresql";
const PORT: u16 = 5432;
const SUPERUSER: &str = "postgres";

/// A running cluster.
#[derive(Debug)]
pub struct Cluster {
    root: PathBuf,
    bin_dir: PathBuf,
}

/// A database of the shared cluster, created for one test.
#[derive(Debug, Clone)]
pub struct Database {
    /// Database name.
    pub name: String,
    /// Directory of the server's Unix socket.
    pub socket_dir: PathBuf,
    /// Port (names the socket file).
    pub port: u16,
}

/// The cluster of this test binary, started on first use. Panics (failing the test) when
/// PostgreSQL is not installed or does not start.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    match CLUSTER.get_or_init(start_cluster) {
        Ok(cluster) => cluster,
        Err(message) => panic!("{message}"),
    }
}

/// A fresh, empty database in the shared cluster.
pub fn fresh_database() -> Database {
    cluster().create_database()
}

/// The highest-versioned `/usr/lib/postgresql/*/bin` holding `initdb`.
fn find_bin_dir() -> Option<PathBuf> {
    let mut candidates: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    candidates.sort();
    candidates.pop().map(|(_, bin)| bin)
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

/// A command for a PostgreSQL binary, as `nobody` when we are root (initdb refuses root).
fn pg_command(bin_dir: &Path, program: &str) -> Command {
    let program = bin_dir.join(program);
    if running_as_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "nobody", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn run(mut command: Command, what: &str) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn start_cluster() -> Result<Cluster, String> {
    let bin_dir = find_bin_dir().ok_or_else(|| NOT_FOUND.to_string())?;
    let root = tempfile::Builder::new()
        .prefix("spine-pg-")
        .tempdir()
        .map_err(|e| format!("creating the cluster directory: {e}"))?
        .keep();
    let data = root.join("data");
    if running_as_root() {
        let mut chown = Command::new("chown");
        chown.args(["-R", "nobody:nogroup"]).arg(&root);
        run(chown, "chown of the cluster directory")?;
    }
    let mut initdb = pg_command(&bin_dir, "initdb");
    initdb
        .arg("-D")
        .arg(&data)
        .args(["-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-sync"]);
    run(initdb, "initdb")?;
    let cluster = Cluster { root, bin_dir };
    cluster.spawn_watchdog()?;
    let options = format!(
        "-k {} -c listen_addresses='' -p {PORT} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
        cluster.root.display()
    );
    let mut start = pg_command(&cluster.bin_dir, "pg_ctl");
    start
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(cluster.root.join("server.log"))
        .args(["-w", "-o", &options, "start"]);
    run(start, "pg_ctl start")?;
    Ok(cluster)
}

impl Cluster {
    /// Starts a detached shell that waits for this process to exit, then stops the server and
    /// deletes its directory.
    fn spawn_watchdog(&self) -> Result<(), String> {
        let stop = pg_command(&self.bin_dir, "pg_ctl");
        let stop_line = format!(
            "{} {} -D '{}' stop -m immediate",
            stop.get_program().to_string_lossy(),
            stop.get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" "),
            self.root.join("data").display()
        );
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.5; done; {stop_line} >/dev/null 2>&1; rm -rf '{root}'",
            pid = std::process::id(),
            root = self.root.display()
        );
        Command::new("setsid")
            .args(["sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(drop)
            .map_err(|e| format!("starting the cluster watchdog: {e}"))
    }

    /// Directory of the server's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.root
    }

    /// Creates a new empty database.
    pub fn create_database(&self) -> Database {
        let name = format!("spine_{}", crate::unique_suffix());
        let admin = Database {
            name: "postgres".to_string(),
            socket_dir: self.root.clone(),
            port: PORT,
        };
        let mut client = admin
            .config()
            .connect(postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting to the test cluster: {e}"));
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        Database { name, ..admin }
    }
}

impl Database {
    /// Connection parameters for the `postgres` crate.
    pub fn config(&self) -> postgres::Config {
        let mut config = postgres::Config::new();
        config
            .host_path(&self.socket_dir)
            .port(self.port)
            .user(SUPERUSER)
            .dbname(&self.name);
        config
    }

    /// A libpq key=value connection string.
    pub fn key_value(&self) -> String {
        format!(
            "host={} port={} user={SUPERUSER} dbname={}",
            self.socket_dir.display(),
            self.port,
            self.name
        )
    }

    /// A `postgres://` URL (the socket directory percent-encoded as the host).
    pub fn url(&self) -> String {
        let host = self.socket_dir.display().to_string().replace('/', "%2F");
        format!("postgres://{SUPERUSER}@{host}:{}/{}", self.port, self.name)
    }

    /// DSN-less connection string for Debian's PostgreSQL Unicode ODBC driver.
    pub fn odbc_connection_string(&self) -> String {
        crate::odbc::require_drivers();
        format!(
            "Driver={{{}}};Server={};Port={};Database={};Uid={SUPERUSER};Pwd=",
            crate::odbc::POSTGRES_DRIVER,
            self.socket_dir.display(),
            self.port,
            self.name
        )
    }

    /// A new client connection.
    pub fn client(&self) -> postgres::Client {
        self.config()
            .connect(postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting to {}: {e}", self.name))
    }
}

/// A second throwaway cluster that speaks TLS on 127.0.0.1 (a free TCP port), with a
/// certificate for `localhost` and `127.0.0.1` signed by a CA made for this test binary, and a
/// `pg_hba.conf` that accepts TCP connections only with TLS (`hostnossl ... reject`). The
/// Unix-socket cluster of the other tests is not touched.
#[derive(Debug)]
pub struct TlsCluster {
    cluster: Cluster,
    /// The TCP port on 127.0.0.1.
    pub port: u16,
    /// PEM file of the CA that signed the server's certificate.
    pub ca_file: PathBuf,
    /// PEM file of another CA, which signed nothing the server has.
    pub other_ca_file: PathBuf,
}

/// The TLS cluster of this test binary, started on first use.
pub fn tls_cluster() -> &'static TlsCluster {
    static CLUSTER: OnceLock<Result<TlsCluster, String>> = OnceLock::new();
    match CLUSTER.get_or_init(start_tls_cluster) {
        Ok(cluster) => cluster,
        Err(message) => panic!("{message}"),
    }
}

impl TlsCluster {
    /// A libpq key=value target for a fresh database of this cluster, over TCP, followed by
    /// `options` (e.g. `sslmode=require`); `host=127.0.0.1` unless `options` gives a host.
    pub fn target(&self, options: &str) -> String {
        let name = format!("spine_tls_{}", crate::unique_suffix());
        let mut admin = postgres::Config::new();
        admin
            .host_path(&self.cluster.root)
            .port(self.port)
            .user(SUPERUSER)
            .dbname("postgres");
        let mut client = admin
            .connect(postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting to the TLS cluster's socket: {e}"));
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
        let host = if options.split_whitespace().any(|o| o.starts_with("host=")) {
            ""
        } else {
            "host=127.0.0.1 "
        };
        format!(
            "{host}port={} user={SUPERUSER} dbname={name} {options}",
            self.port
        )
    }
}

/// A self-signed CA: its issuer and its certificate in PEM.
fn make_ca(name: &str) -> Result<rcgen::CertifiedIssuer<'static, rcgen::KeyPair>, String> {
    let key = rcgen::KeyPair::generate().map_err(|e| format!("CA key: {e}"))?;
    let mut params =
        rcgen::CertificateParams::new(Vec::<String>::new()).map_err(|e| format!("CA: {e}"))?;
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    rcgen::CertifiedIssuer::self_signed(params, key).map_err(|e| format!("CA: {e}"))
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| format!("finding a free port: {e}"))?;
    listener
        .local_addr()
        .map(|address| address.port())
        .map_err(|e| format!("finding a free port: {e}"))
}

fn start_tls_cluster() -> Result<TlsCluster, String> {
    let bin_dir = find_bin_dir().ok_or_else(|| NOT_FOUND.to_string())?;
    let root = tempfile::Builder::new()
        .prefix("spine-pg-tls-")
        .tempdir()
        .map_err(|e| format!("creating the cluster directory: {e}"))?
        .keep();
    let data = root.join("data");
    let ca = make_ca("spine test CA")?;
    let other = make_ca("spine other CA")?;
    let server_key = rcgen::KeyPair::generate().map_err(|e| format!("server key: {e}"))?;
    let server_params =
        rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .map_err(|e| format!("server certificate: {e}"))?;
    let server_cert = server_params
        .signed_by(&server_key, &ca)
        .map_err(|e| format!("server certificate: {e}"))?;
    let write = |name: &str, text: String| {
        let path = root.join(name);
        std::fs::write(&path, text).map_err(|e| format!("writing {name}: {e}"))?;
        Ok::<_, String>(path)
    };
    let ca_file = write("ca.pem", ca.pem())?;
    let other_ca_file = write("other-ca.pem", other.pem())?;
    let cert_file = write("server.crt", server_cert.pem())?;
    let key_file = write("server.key", server_key.serialize_pem())?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_file, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("chmod server.key: {e}"))?;
    }
    if running_as_root() {
        let mut chown = Command::new("chown");
        chown.args(["-R", "nobody:nogroup"]).arg(&root);
        run(chown, "chown of the cluster directory")?;
    }
    let mut initdb = pg_command(&bin_dir, "initdb");
    initdb
        .arg("-D")
        .arg(&data)
        .args(["-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-sync"]);
    run(initdb, "initdb")?;
    std::fs::write(
        data.join("pg_hba.conf"),
        "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
    )
    .map_err(|e| format!("writing pg_hba.conf: {e}"))?;
    let cluster = Cluster { root, bin_dir };
    cluster.spawn_watchdog()?;
    let port = free_port()?;
    let options = format!(
        "-k {} -c listen_addresses=127.0.0.1 -p {port} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
        cluster.root.display(),
        cert_file.display(),
        key_file.display()
    );
    let mut start = pg_command(&cluster.bin_dir, "pg_ctl");
    start
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(cluster.root.join("server.log"))
        .args(["-w", "-o", &options, "start"]);
    run(start, "pg_ctl start (TLS)")?;
    Ok(TlsCluster {
        cluster,
        port,
        ca_file,
        other_ca_file,
    })
}

//! TLS to PostgreSQL with rustls, and the libpq options that choose it.
//!
//! `sslmode` means what it means to libpq:
//! - `disable`: plain text;
//! - `prefer` (the default): TLS when the server offers it, else plain text; the certificate
//!   is not checked (libpq's `prefer` does not check it either);
//! - `require`: TLS or fail; the certificate is not checked, unless `sslrootcert` is given,
//!   when it is checked like `verify-ca` (as libpq does when a root file exists);
//! - `verify-ca`: TLS, and the server's certificate must chain to a trusted root;
//! - `verify-full`: `verify-ca`, and the certificate must name the host connected to (the
//!   `host`, also when `hostaddr` gives the address).
//!
//! Trusted roots: the PEM file `sslrootcert` names; with `sslrootcert=system` or none, the
//! system's roots (rustls-native-certs), or `~/.postgresql/root.crt` when it exists and
//! `sslrootcert` is not given (libpq's default file). Unix-socket connections never use TLS (as
//! in libpq).
//!
//! Both options are taken out of the target before the rest is handed to the `postgres` crate,
//! which knows neither `verify-ca` nor `verify-full` nor `sslrootcert`.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use rustls::DigitallySignedStruct;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SslMode {
    /// Plain text only.
    Disable,
    /// TLS if the server offers it, certificate unchecked.
    #[default]
    Prefer,
    /// TLS, certificate unchecked (checked as `verify-ca` when `sslrootcert` is given).
    Require,
    /// TLS, certificate chained to a trusted root.
    VerifyCa,
    /// TLS, certificate chained to a trusted root and naming the host.
    VerifyFull,
}

impl FromStr for SslMode {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        Ok(match text {
            "disable" => SslMode::Disable,
            "allow" | "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => {
                return Err(format!(
                    "unknown sslmode '{other}': use disable, prefer, require, verify-ca or verify-full"
                ));
            }
        })
    }
}

/// The TLS options of a PostgreSQL target.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// `sslmode`.
    pub mode: SslMode,
    /// `sslrootcert`: a PEM file of trusted roots; `None` or `system` for the system's.
    pub root_cert: Option<String>,
}

/// A PostgreSQL target split into the `postgres` crate's configuration and the TLS options.
pub fn parse_target(text: &str) -> Result<(postgres::Config, TlsOptions), String> {
    let mut options = TlsOptions::default();
    let mut take = |key: &str, value: String| -> Result<bool, String> {
        match key {
            "sslmode" => options.mode = value.parse()?,
            "sslrootcert" => options.root_cert = Some(value),
            _ => return Ok(false),
        }
        Ok(true)
    };
    let lower = text.to_ascii_lowercase();
    let rest = if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        match text.split_once('?') {
            None => text.to_string(),
            Some((base, query)) => {
                let mut kept = Vec::new();
                for pair in query.split('&') {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    if !take(key, percent_decode(value))? {
                        kept.push(pair);
                    }
                }
                if kept.is_empty() {
                    base.to_string()
                } else {
                    format!("{base}?{}", kept.join("&"))
                }
            }
        }
    } else {
        let mut kept = String::new();
        let mut last = 0;
        for (start, end, key, value) in key_values(text) {
            if take(&key, value)? {
                kept.push_str(&text[last..start]);
                last = end;
            }
        }
        kept.push_str(&text[last..]);
        kept
    };
    let mut config = postgres::Config::from_str(rest.trim()).map_err(|e| e.to_string())?;
    let only_sockets = !config.get_hosts().is_empty()
        && config.get_hostaddrs().is_empty()
        && config
            .get_hosts()
            .iter()
            .all(|host| !matches!(host, postgres::config::Host::Tcp(_)));
    config.ssl_mode(match options.mode {
        _ if only_sockets => postgres::config::SslMode::Disable,
        SslMode::Disable => postgres::config::SslMode::Disable,
        SslMode::Prefer => postgres::config::SslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
            postgres::config::SslMode::Require
        }
    });
    Ok((config, options))
}

/// `(start, end, key, value)` of each `key=value` (value optionally single-quoted, with `\`
/// escapes) of a libpq key=value string.
fn key_values(text: &str) -> Vec<(usize, usize, String, String)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = text[start..i].to_string();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] != b'=' {
            break;
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = Vec::new();
        if i < bytes.len() && bytes[i] == b'\'' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'\'' {
                if bytes[i] == b'\\' && i + 1 < bytes.len() {
                    i += 1;
                }
                value.push(bytes[i]);
                i += 1;
            }
            i += 1;
        } else {
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                if bytes[i] == b'\\' && i + 1 < bytes.len() {
                    i += 1;
                }
                value.push(bytes[i]);
                i += 1;
            }
        }
        let end = i.min(bytes.len());
        found.push((
            start,
            end,
            key,
            String::from_utf8_lossy(&value).into_owned(),
        ));
    }
    found
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((high * 16 + low) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The rustls connector for `options`. Fails when `sslrootcert` cannot be read or holds no
/// certificate, or when no trusted root can be found for a mode that checks the certificate.
pub fn connector(options: &TlsOptions) -> Result<tokio_postgres_rustls::MakeRustlsConnect, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS set-up: {e}"))?;
    let given_roots = options
        .root_cert
        .as_deref()
        .filter(|file| *file != "system");
    let verifying = match options.mode {
        SslMode::VerifyCa | SslMode::VerifyFull => true,
        SslMode::Require => given_roots.is_some(),
        SslMode::Disable | SslMode::Prefer => false,
    };
    let config = if verifying {
        let roots = Arc::new(root_store(given_roots, options.root_cert.is_some())?);
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| format!("TLS set-up: {e}"))?;
        let verifier: Arc<dyn ServerCertVerifier> = if options.mode == SslMode::VerifyFull {
            webpki
        } else {
            Arc::new(AnyName(webpki))
        };
        builder
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Unchecked(provider)))
            .with_no_client_auth()
    };
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// The trusted roots: the PEM file `given`, else `~/.postgresql/root.crt` (unless
/// `sslrootcert=system` was written), else the system's.
fn root_store(given: Option<&str>, explicit: bool) -> Result<rustls::RootCertStore, String> {
    let default_file = std::env::var_os("HOME")
        .map(|home| PathBuf::from(home).join(".postgresql/root.crt"))
        .filter(|file| !explicit && file.is_file());
    let file = given.map(PathBuf::from).or(default_file);
    let mut store = rustls::RootCertStore::empty();
    match file {
        Some(file) => {
            let shown = file.display();
            let certificates = CertificateDer::pem_file_iter(&file)
                .map_err(|e| format!("sslrootcert {shown}: {e}"))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| format!("sslrootcert {shown}: {e}"))?;
            let (added, _) = store.add_parsable_certificates(certificates);
            if added == 0 {
                return Err(format!("sslrootcert {shown}: no certificate in it"));
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                return Err(
                    "no system root certificates found: install ca-certificates or give sslrootcert=FILE"
                        .to_string(),
                );
            }
        }
    }
    Ok(store)
}

/// `verify-ca`: the chain is checked, the name is not.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer` and `require` without roots: encrypted, certificate not checked (the handshake's
/// signatures still are).
#[derive(Debug)]
struct Unchecked(Arc<CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A hint for a connection error, from what the server or the TLS layer said.
pub fn hint(message: &str) -> Option<&'static str> {
    if message.contains("no encryption") || message.contains("SSL off") {
        Some(
            "the server accepts only TLS connections: add sslmode=require (or sslmode=verify-full with sslrootcert=CA.pem) to the target",
        )
    } else if message.contains("not valid for name") || message.contains("NotValidForName") {
        Some(
            "sslmode=verify-full: the server's certificate does not name the host connected to; connect by a name it lists (hostaddr=IP can give the address), or use sslmode=verify-ca",
        )
    } else if message.contains("UnknownIssuer") || message.contains("unknown issuer") {
        Some(
            "the server's certificate is not signed by a trusted root: give its CA with sslrootcert=FILE",
        )
    } else if message.contains("server does not support TLS") {
        Some("the server has TLS off: use sslmode=prefer or disable, or turn ssl on in the server")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::{SslMode, parse_target};

    #[test]
    fn ssl_options_are_taken_out_of_urls_and_key_values() {
        let (config, options) = parse_target(
            "postgres://u@db.example:5433/spine?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x",
        )
        .expect("parses");
        assert_eq!(options.mode, SslMode::VerifyFull);
        assert_eq!(options.root_cert.as_deref(), Some("/etc/ca.pem"));
        assert_eq!(config.get_application_name(), Some("x"));
        assert_eq!(config.get_ssl_mode(), postgres::config::SslMode::Require);

        let (config, options) =
            parse_target("host=db.example sslmode = 'verify-ca' sslrootcert=/ca.pem dbname=d")
                .expect("parses");
        assert_eq!(options.mode, SslMode::VerifyCa);
        assert_eq!(options.root_cert.as_deref(), Some("/ca.pem"));
        assert_eq!(config.get_dbname(), Some("d"));

        let (config, options) = parse_target("host=/run/postgresql dbname=d").expect("parses");
        assert_eq!(options.mode, SslMode::Prefer);
        assert_eq!(config.get_ssl_mode(), postgres::config::SslMode::Disable);

        let error = parse_target("host=h sslmode=verify-everything").err();
        assert!(
            error
                .as_deref()
                .is_some_and(|e| e.contains("unknown sslmode")),
            "{error:?}"
        );
    }
}

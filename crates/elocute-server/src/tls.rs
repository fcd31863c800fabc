//! HTTPS and secure websockets: TLS over the server's connections (rustls).
//!
//! Browsers give a page the microphone only in a secure context: on
//! `localhost`, or over HTTPS. A classroom where pupils' tablets open the
//! teacher's laptop at `https://192.168.1.20:5000/demo` needs the server to
//! speak TLS, with a certificate of its own when there is no other:
//!
//! ```no_run
//! use elocute_server::{tls, Server, Service, ServiceOptions};
//!
//! // Once: a certificate for the names the clients will use.
//! let made = tls::self_signed(&["localhost".into(), "192.168.1.20".into()])?;
//! std::fs::write("cert.pem", &made.cert_pem)?;
//! std::fs::write("key.pem", &made.key_pem)?;
//! eprintln!("SHA-256 fingerprint {}", made.fingerprint);
//!
//! let tls = tls::TlsConfig::from_pem_files("cert.pem".as_ref(), "key.pem".as_ref())?;
//! let service = Service::new(elocute::Assessor::with_default_model()?, ServiceOptions::default());
//! let server = Server::bind("0.0.0.0:5000", service)?.tls(tls);
//! server.run(2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use elocute::{Error, Result};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A certificate chain and its key, ready to serve (cheap to clone).
#[derive(Clone)]
pub struct TlsConfig {
    config: Arc<rustls::ServerConfig>,
    fingerprint: String,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConfig")
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

impl TlsConfig {
    /// Read a PEM certificate chain (the server's certificate first) and its
    /// PEM private key (PKCS#8, PKCS#1 or SEC1). An error names the file and
    /// what is wrong with it: unreadable, no certificate or key in it, or a
    /// key that does not belong to the certificate.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Self> {
        let read = |path: &Path| {
            std::fs::read(path)
                .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))
        };
        Self::from_pem(
            &read(cert)?,
            &read(key)?,
            &cert.display().to_string(),
            &key.display().to_string(),
        )
    }

    /// [`from_pem_files`](Self::from_pem_files) from bytes already read;
    /// `cert_name` and `key_name` name them in errors.
    pub fn from_pem(
        cert_pem: &[u8],
        key_pem: &[u8],
        cert_name: &str,
        key_name: &str,
    ) -> Result<Self> {
        let chain = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::Config(format!("{cert_name}: not a PEM certificate: {e}")))?;
        let Some(first) = chain.first() else {
            return Err(Error::Config(format!(
                "{cert_name}: no certificate in it (expected -----BEGIN CERTIFICATE-----)"
            )));
        };
        let fingerprint = fingerprint(first);
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| {
            Error::Config(format!(
                "{key_name}: no private key in it (expected -----BEGIN PRIVATE KEY-----): {e}"
            ))
        })?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Config(format!("TLS settings: {e}")))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| {
                Error::Config(format!(
                    "{cert_name} and {key_name} cannot serve together: {e}"
                ))
            })?;
        Ok(TlsConfig {
            config: Arc::new(config),
            fingerprint,
        })
    }

    /// The SHA-256 fingerprint of the server's certificate, as browsers show
    /// it (`AB:CD:...`), for checking a self-signed certificate by eye.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

/// A self-signed certificate made by [`self_signed`], in PEM.
#[derive(Debug, Clone)]
pub struct SelfSigned {
    /// The certificate (`-----BEGIN CERTIFICATE-----`): what clients are told to trust.
    pub cert_pem: String,
    /// Its private key (PKCS#8): keep it private.
    pub key_pem: String,
    /// The certificate's SHA-256 fingerprint (`AB:CD:...`).
    pub fingerprint: String,
}

impl SelfSigned {
    /// The certificate and key ready to serve, as [`TlsConfig::from_pem`] reads them.
    pub fn tls_config(&self) -> Result<TlsConfig> {
        TlsConfig::from_pem(
            self.cert_pem.as_bytes(),
            self.key_pem.as_bytes(),
            "the self-signed certificate",
            "its key",
        )
    }
}

/// Days a certificate made here is valid: Apple's devices refuse server
/// certificates valid for more than 825 days.
pub const SELF_SIGNED_DAYS: i64 = 825;

/// Make a self-signed server certificate (ECDSA P-256) for `names`: host
/// names (`localhost`, `laptop.local`) and IP addresses (`192.168.1.20`), the
/// ones clients will type. It is valid from a day ago for
/// [`SELF_SIGNED_DAYS`]. Browsers warn about it until it is trusted; the
/// Speech SDKs need it named as trusted (Node: `NODE_EXTRA_CA_CERTS`).
pub fn self_signed(names: &[String]) -> Result<SelfSigned> {
    if names.is_empty() {
        return Err(Error::Config(
            "a certificate needs at least one host name or address".into(),
        ));
    }
    if let Some(bad) = names.iter().find(|n| !is_host(n)) {
        return Err(Error::Config(format!(
            "{bad:?} is not a host name or IP address (letters, digits, hyphens and dots: laptop.local, 192.168.1.20)"
        )));
    }
    let mut params = rcgen::CertificateParams::new(names.to_vec())
        .map_err(|e| Error::Config(format!("cannot make a certificate for {names:?}: {e}")))?;
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CommonName, format!("elocute {}", names[0]));
    params.distinguished_name = dn;
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(SELF_SIGNED_DAYS - 1);
    let fail = |e: rcgen::Error| Error::Config(format!("cannot make a certificate: {e}"));
    let key = rcgen::KeyPair::generate().map_err(fail)?;
    let cert = params.self_signed(&key).map_err(fail)?;
    Ok(SelfSigned {
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
        fingerprint: fingerprint(cert.der()),
    })
}

/// An IP address, or a DNS name of letter-digit-hyphen labels (a leading
/// `*.` allowed), as clients can match against a certificate.
fn is_host(name: &str) -> bool {
    if name.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    let name = name.strip_prefix("*.").unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn fingerprint(der: &CertificateDer<'_>) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, der.as_ref());
    let hex: Vec<String> = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    hex.join(":")
}

/// A connection's byte stream: plain TCP, or TLS over it.
pub(crate) enum Stream {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

/// What [`accept`] made of a new connection.
pub(crate) enum Accepted {
    /// The handshake is done: serve it.
    Ready(Stream),
    /// The client spoke plain HTTP to the HTTPS port: answer it in plain text.
    PlainHttp(TcpStream),
    /// Nothing to serve (closed, stalled, or the handshake failed: why).
    Gone(Option<String>),
}

/// TLS's first byte: a handshake record (0x16); HTTP starts with a letter.
const HANDSHAKE_RECORD: u8 = 0x16;

/// Complete the TLS handshake on `sock` (whose reads time out at a poll
/// interval) within `stall`, checking `stop` at every poll.
pub(crate) fn accept(
    tls: &TlsConfig,
    mut sock: TcpStream,
    stall: Duration,
    stop: &dyn Fn() -> bool,
) -> Accepted {
    let began = Instant::now();
    let waited_too_long = || began.elapsed() >= stall || stop();
    let mut first = [0u8; 1];
    loop {
        match sock.peek(&mut first) {
            Ok(0) => return Accepted::Gone(None),
            Ok(_) => break,
            Err(e) if retry(&e) && !waited_too_long() => {}
            Err(_) => return Accepted::Gone(None),
        }
    }
    if first[0] != HANDSHAKE_RECORD {
        return Accepted::PlainHttp(sock);
    }
    let mut conn = match rustls::ServerConnection::new(tls.config.clone()) {
        Ok(conn) => conn,
        Err(e) => return Accepted::Gone(Some(e.to_string())),
    };
    while conn.is_handshaking() {
        // However the handshake goes, it has `stall` to finish.
        if waited_too_long() {
            return Accepted::Gone(None);
        }
        match conn.complete_io(&mut sock) {
            Ok((0, 0)) if conn.wants_read() => return Accepted::Gone(None),
            Ok(_) => {}
            Err(e) if retry(&e) => {}
            // A browser that does not trust the certificate says so here.
            Err(e) => return Accepted::Gone(Some(e.to_string())),
        }
    }
    Accepted::Ready(Stream::Tls(Box::new(rustls::StreamOwned::new(conn, sock))))
}

fn retry(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
    )
}

impl Stream {
    /// Say that nothing more will be written (TLS: close_notify first).
    pub fn shutdown_write(&mut self) {
        match self {
            Stream::Plain(s) => {
                let _ = s.shutdown(std::net::Shutdown::Write);
            }
            Stream::Tls(s) => {
                s.conn.send_close_notify();
                let _ = s.flush();
                let _ = s.sock.shutdown(std::net::Shutdown::Write);
            }
        }
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            // A client that hangs up without close_notify has still hung up.
            Stream::Tls(s) => match s.read(buf) {
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => Ok(0),
                other => other,
            },
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

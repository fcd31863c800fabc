//! HTTPS: the same answers over TLS as over plain HTTP, a plain-HTTP client
//! told what to do, untrusting clients that do not stop the server, and
//! certificate files that are wrong named as such.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use base64::Engine as _;
use elocute::{PronunciationAssessmentConfig, RestFormat};
use elocute_server::tls::{self_signed, SelfSigned, TlsConfig};
use elocute_tests::{assessor, read_http_response, speak, tmpdir};
use rustls::pki_types::{pem::PemObject, CertificateDer, ServerName};
use serde_json::Value;

const PATH: &str = "/speech/recognition/conversation/cognitiveservices/v1";
const TEXT: &str = "Good morning. How are you today?";

/// The certificate of the shared HTTPS server.
fn cert() -> &'static SelfSigned {
    static CERT: OnceLock<SelfSigned> = OnceLock::new();
    CERT.get_or_init(|| self_signed(&["localhost".into(), "127.0.0.1".into()]).unwrap())
}

/// An HTTPS server with [`cert`], running until the test binary ends.
fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let c = cert();
        let tls = c.tls_config().unwrap();
        assert_eq!(tls.fingerprint(), c.fingerprint);
        let server = common::start_tls(tls, 2, None).0;
        assert!(server.is_tls());
        server.local_addr()
    })
}

/// A TLS client trusting `trusted` (PEM), for host `name`.
fn client(
    addr: SocketAddr,
    trusted: &str,
    name: &str,
) -> rustls::StreamOwned<rustls::ClientConnection, TcpStream> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(trusted.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let conn = rustls::ClientConnection::new(
        Arc::new(config),
        ServerName::try_from(name.to_string()).unwrap(),
    )
    .unwrap();
    let sock = TcpStream::connect(addr).unwrap();
    // A server that never answers fails the test instead of hanging it.
    sock.set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    rustls::StreamOwned::new(conn, sock)
}

fn wav() -> &'static Vec<u8> {
    static WAV: OnceLock<Vec<u8>> = OnceLock::new();
    WAV.get_or_init(|| std::fs::read(speak(&tmpdir("tls"), "gm", TEXT, 150)).unwrap())
}

fn settings() -> String {
    format!(
        r#"{{"ReferenceText":"{TEXT}","GradingSystem":"HundredMark","Dimension":"Comprehensive"}}"#
    )
}

/// A detailed REST request for [`settings`] with the WAV.
fn request(keep_alive: bool) -> Vec<u8> {
    let pa = base64::engine::general_purpose::STANDARD.encode(settings());
    let mut r = format!(
        "POST {PATH}?language=en-US&format=detailed HTTP/1.1\r\nHost: localhost\r\n\
         Connection: {}\r\nPronunciation-Assessment: {pa}\r\nContent-Type: audio/wav\r\n\
         Content-Length: {}\r\n\r\n",
        if keep_alive { "keep-alive" } else { "close" },
        wav().len()
    )
    .into_bytes();
    r.extend_from_slice(wav());
    r
}

/// One response on a connection kept open: the status and the JSON body.
fn response(s: &mut impl Read) -> (u16, Value) {
    let (status, body) = read_http_response(s);
    (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
}

#[test]
fn https_answers_as_the_library_does() {
    let config = PronunciationAssessmentConfig::from_json(&settings()).unwrap();
    let local = assessor().assess_bytes(wav(), &config).unwrap();
    let want = elocute::to_rest(&local, RestFormat::Detailed);
    for name in ["localhost", "127.0.0.1"] {
        // Two requests on one connection: keep-alive works through TLS too.
        let mut s = client(server(), &cert().cert_pem, name);
        for keep in [true, false] {
            s.write_all(&request(keep)).unwrap();
            s.flush().unwrap();
            let (status, body) = response(&mut s);
            assert_eq!(status, 200, "{body}");
            assert_eq!(body, want);
        }
        // The server closes after the second, politely (close_notify: a clean end).
        let mut rest = Vec::new();
        assert_eq!(s.read_to_end(&mut rest).unwrap(), 0);
    }
}

#[test]
fn plain_http_and_untrusting_clients_are_turned_away_and_the_server_carries_on() {
    // Plain HTTP to the HTTPS port: a 400 it can read, saying what to do.
    let mut plain = TcpStream::connect(server()).unwrap();
    plain
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    plain
        .write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let (status, body) = response(&mut plain);
    assert_eq!(status, 400);
    let message = body["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("https://"), "{body}");

    // A client trusting another certificate, or asking for a name the
    // certificate does not carry, refuses the handshake.
    let other = self_signed(&["localhost".into()]).unwrap();
    for (trusted, name) in [
        (&other.cert_pem, "localhost"),
        (&cert().cert_pem, "elsewhere.example"),
    ] {
        let mut s = client(server(), trusted, name);
        let err = s.write_all(&request(false)).and_then(|_| s.flush());
        let mut buf = Vec::new();
        let read = s.read_to_end(&mut buf);
        assert!(
            err.is_err() || read.is_err(),
            "a handshake with an untrusted certificate went through"
        );
    }

    // A client that connects and says nothing is let go; then the server still answers.
    let idle = TcpStream::connect(server()).unwrap();
    let mut s = client(server(), &cert().cert_pem, "localhost");
    s.write_all(&request(false)).unwrap();
    s.flush().unwrap();
    assert_eq!(response(&mut s).0, 200);
    drop(idle);
}

#[test]
fn wrong_certificate_files_are_named() {
    let dir = tmpdir("tls-files");
    let c = cert();
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    std::fs::write(&cert_path, &c.cert_pem).unwrap();
    std::fs::write(&key_path, &c.key_pem).unwrap();
    assert!(TlsConfig::from_pem_files(&cert_path, &key_path).is_ok());

    let expect = |cert: &std::path::Path, key: &std::path::Path, names: &[&str]| {
        let e = TlsConfig::from_pem_files(cert, key)
            .unwrap_err()
            .to_string();
        for n in names {
            assert!(e.contains(n), "{e:?} does not name {n}");
        }
    };
    let missing = dir.join("missing.pem");
    expect(&missing, &key_path, &["missing.pem", "cannot read"]);
    expect(&cert_path, &missing, &["missing.pem", "cannot read"]);
    // The key where the certificate belongs, and the certificate for the key.
    expect(&key_path, &key_path, &["key.pem", "no certificate"]);
    expect(&cert_path, &cert_path, &["cert.pem", "no private key"]);
    // Another certificate's key.
    let other = self_signed(&["localhost".into()]).unwrap();
    let other_key = dir.join("other-key.pem");
    std::fs::write(&other_key, &other.key_pem).unwrap();
    expect(
        &cert_path,
        &other_key,
        &["cert.pem", "other-key.pem", "cannot serve together"],
    );

    assert!(self_signed(&[]).is_err());
    assert!(self_signed(&["not a host name!".into()]).is_err());
}

#[test]
fn a_handshake_that_stalls_is_dropped() {
    let tls = cert().tls_config().unwrap();
    let server = common::start_tls(tls, 1, Some(Duration::from_secs(1))).0;
    // The start of a TLS handshake record, then nothing.
    let mut s = TcpStream::connect(server.local_addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00]).unwrap();
    let began = std::time::Instant::now();
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "the server answered a stalled handshake");
    assert!(
        began.elapsed() < Duration::from_secs(10),
        "dropped only after {:?}",
        began.elapsed()
    );
    server.shutdown();
}

//! Servers for the socket tests (`server.rs`, `sdk.rs`, `tls.rs`, `browser.rs`).

// Each test binary uses a part of this module.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::OnceLock;

use elocute::Assessor;
use elocute_server::tls::TlsConfig;
use elocute_server::{Server, Service, ServiceOptions};

/// Start a server on a free loopback port with these options; it runs until the test binary ends.
pub fn start(options: ServiceOptions) -> SocketAddr {
    start_workers(options, 2)
}

/// [`start`] with this many workers.
pub fn start_workers(options: ServiceOptions, workers: usize) -> SocketAddr {
    start_server(options, workers, None).0.local_addr()
}

/// A server with this idle timeout (default 5 minutes), running `run(workers)` on a
/// thread of its own; the thread ends when `run` returns.
pub fn start_server(
    options: ServiceOptions,
    workers: usize,
    idle: Option<std::time::Duration>,
) -> (&'static Server, std::thread::JoinHandle<()>) {
    launch(options, workers, idle, None)
}

/// An HTTPS server with this certificate and default options, as [`start_server`].
pub fn start_tls(
    tls: TlsConfig,
    workers: usize,
    idle: Option<std::time::Duration>,
) -> (&'static Server, std::thread::JoinHandle<()>) {
    launch(ServiceOptions::default(), workers, idle, Some(tls))
}

fn launch(
    options: ServiceOptions,
    workers: usize,
    idle: Option<std::time::Duration>,
    tls: Option<TlsConfig>,
) -> (&'static Server, std::thread::JoinHandle<()>) {
    let assessor = Assessor::with_default_model().expect("default model (run scripts/setup.sh)");
    let mut server = Server::bind("127.0.0.1:0", Service::new(assessor, options))
        .unwrap()
        .quiet();
    if let Some(idle) = idle {
        server = server.idle_timeout(idle);
    }
    if let Some(tls) = tls {
        server = server.tls(tls);
    }
    let server: &'static Server = Box::leak(Box::new(server));
    (server, std::thread::spawn(move || server.run(workers)))
}

/// The shared server with default options.
pub fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| start(ServiceOptions::default()))
}

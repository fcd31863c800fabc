//! Servers for the socket tests (`server.rs`, `sdk.rs`).

use std::net::SocketAddr;
use std::sync::OnceLock;

use elocute::Assessor;
use elocute_server::{Server, Service, ServiceOptions};

/// Start a server on a free loopback port with these options; it runs until the test binary ends.
pub fn start(options: ServiceOptions) -> SocketAddr {
    start_workers(options, 2)
}

/// [`start`] with this many workers.
pub fn start_workers(options: ServiceOptions, workers: usize) -> SocketAddr {
    let assessor = Assessor::with_default_model().expect("default model (run scripts/setup.sh)");
    let server = Server::bind("127.0.0.1:0", Service::new(assessor, options))
        .unwrap()
        .quiet();
    let server: &'static Server = Box::leak(Box::new(server));
    std::thread::spawn(move || server.run(workers));
    server.local_addr()
}

/// The shared server with default options.
pub fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| start(ServiceOptions::default()))
}

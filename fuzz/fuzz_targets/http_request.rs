//! Arbitrary bytes as what a client sends on a connection → the server's HTTP/1.1 layer: request
//! heads and bodies (Content-Length, chunked, 100-continue) or a 4xx, never a panic, never a body
//! over the limit.
#![no_main]

use elocute_server::read_requests;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for r in read_requests(data, 4096) {
        match r {
            Ok((_, len)) => assert!(len <= 4096),
            Err(e) => assert!((400..500).contains(&e.status), "{}", e.status),
        }
    }
});

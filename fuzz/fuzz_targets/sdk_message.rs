//! Arbitrary bytes as Speech SDK websocket frames and URLs → the server's SDK protocol layer:
//! a message or a one-line error, settings or a 4xx, never a panic.
#![no_main]

use elocute_server::sdk::{sdk_settings, SdkMessage};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = SdkMessage::from_binary(data) {
        let _ = (m.path(), m.header("X-RequestId"));
    }
    let text = String::from_utf8_lossy(data);
    if let Ok(m) = SdkMessage::from_text(&text) {
        assert!(m.headers.iter().all(|(n, _)| !n.contains('\n')));
    }
    if let Err(e) = sdk_settings(&text) {
        assert!(e.status == 400 || e.status == 404);
        assert!(!e.message.contains('\n') || text.contains('\n'));
    }
});

//! Arbitrary bytes as a REST request (URL, header lines, body) → the server's protocol layer:
//! a route and settings or a 4xx `HttpError` with a one-line message, never a panic; headerless
//! PCM bodies decode or fail with an audio error.
#![no_main]

use elocute_server::protocol::{route, settings, AudioEncoding, Request};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // First line: the URL; then header lines up to an empty line; the rest is the body.
    let split = data.windows(2).position(|w| w == b"\n\n");
    let (head, body) = match split {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &data[data.len()..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split('\n');
    let url = lines.next().unwrap_or("").to_string();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (k, v) = line.split_once(':').unwrap_or((line, ""));
            (k.to_string(), v.to_string())
        })
        .collect();
    let req = Request {
        method: "POST",
        url: &url,
        headers: &headers,
        body,
    };
    if let Err(e) = route(req.method, req.url) {
        assert!(matches!(e.status, 404 | 405));
    }
    match settings(&req) {
        Ok(s) => {
            assert!(!s.config.reference_text.trim().is_empty());
            if let AudioEncoding::FileOrPcm16 { sample_rate } = s.audio {
                let limits = elocute_audio::AudioLimits {
                    max_seconds: Some(5.0),
                };
                if let Ok(x) = elocute_audio::read_pcm16(req.body, 1, sample_rate, limits) {
                    assert!(!x.is_empty() && x.iter().all(|v| v.is_finite()));
                }
            }
        }
        Err(e) => {
            assert_eq!(e.status, 400);
            assert!(!e.message.is_empty() && !e.message.contains('\n'), "{e:?}");
        }
    }
});

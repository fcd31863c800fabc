//! Arbitrary bytes as a WebM/Opus file: `read_webm_opus` (and `read_audio_bytes`, which sends
//! EBML-led bytes to it) must return samples or an error, never panic or hang.
#![no_main]

use elocute_audio::{read_audio_bytes, read_webm_opus, AudioLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = AudioLimits {
        max_seconds: Some(60.0),
    };
    let direct = read_webm_opus(data, limits);
    if data.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        let sniffed = read_audio_bytes(data, limits);
        assert_eq!(direct.is_ok(), sniffed.is_ok());
    }
    if let Ok(samples) = direct {
        assert!(!samples.is_empty(), "Ok with no samples");
        assert!(samples.iter().all(|s| s.is_finite() && s.abs() <= 1.0));
        // The limit is checked after each block: at most one block (8 x 120 ms) past it.
        assert!(samples.len() <= 61 * 16_000, "{} samples", samples.len());
    }
});

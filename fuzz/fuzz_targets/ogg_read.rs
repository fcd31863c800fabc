//! Arbitrary bytes as an Ogg/Opus stream: `read_ogg_opus` (and `read_audio_bytes`, which sends
//! `OggS`-led bytes to it) must return samples or an error, never panic or hang.
#![no_main]

use elocute_audio::{read_audio_bytes, read_ogg_opus, AudioLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = AudioLimits {
        max_seconds: Some(60.0),
    };
    let direct = read_ogg_opus(data, limits);
    if data.starts_with(b"OggS") {
        let sniffed = read_audio_bytes(data, limits);
        assert_eq!(direct.is_ok(), sniffed.is_ok());
    }
    if let Ok(samples) = direct {
        assert!(!samples.is_empty(), "Ok with no samples");
        assert!(samples.iter().all(|s| s.is_finite() && s.abs() <= 1.0));
        assert!(samples.len() <= 60 * 16_000 + 1920, "{} samples", samples.len());
    }
});

//! Arbitrary bytes as a WAV file: `read_wav_from` and `read_wav_bytes` (which also repairs an
//! open-ended data size) must return samples or an error, never panic.
#![no_main]

use std::sync::OnceLock;

use elocute_audio::{read_wav_bytes, read_wav_from, AudioLimits};
use libfuzzer_sys::fuzz_target;

/// With `ELOCUTE_FUZZ_SKIP_HUGE_RATES` set, headers claiming over 768 kHz are skipped: the
/// resampler's FFT grows with the rate (a known abort, see fuzz/README.md), and skipping
/// them lets a run look for other bugs.
fn skip_huge_rates() -> bool {
    static S: OnceLock<bool> = OnceLock::new();
    *S.get_or_init(|| std::env::var_os("ELOCUTE_FUZZ_SKIP_HUGE_RATES").is_some())
}

/// Whether a `fmt ` chunk anywhere in `data` claims a sample rate over 768 kHz.
fn claims_huge_rate(data: &[u8]) -> bool {
    data.windows(16).any(|w| {
        w.starts_with(b"fmt ") && u32::from_le_bytes([w[12], w[13], w[14], w[15]]) > 768_000
    })
}

fuzz_target!(|data: &[u8]| {
    if skip_huge_rates() && claims_huge_rate(data) {
        return;
    }
    // A 60 s limit keeps a lying header from making one input resample minutes of audio.
    let limits = AudioLimits {
        max_seconds: Some(60.0),
    };
    let streamed = read_wav_from(std::io::Cursor::new(data), limits);
    let in_memory = read_wav_bytes(data, limits);
    // The repair only ever turns a refused size into the samples present.
    if let (Ok(a), Ok(b)) = (&streamed, &in_memory) {
        assert_eq!(a, b, "the two readers disagree on a well-formed file");
    }
    for samples in [streamed, in_memory].into_iter().flatten() {
        assert!(!samples.is_empty(), "Ok with no samples");
        assert!(
            samples.iter().all(|s| s.is_finite()),
            "non-finite sample in the output"
        );
        // 60 s at 16 kHz, plus the resampler's rounding.
        assert!(
            samples.len() <= 60 * 16_000 + 4096,
            "{} samples",
            samples.len()
        );
    }
});

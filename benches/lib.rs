//! Fixed inputs for the benchmarks in this folder: a 5-second utterance
//! synthesised with espeak-ng at start-up (nothing large is committed), a
//! deterministic 44.1 kHz signal, and where the model folder is.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Sentence read for the 5-second utterance (espeak-ng en-us, 160 wpm: about 4.6 s).
pub const TEXT: &str =
    "The quick brown fox jumps over the lazy dog, while the old cat sleeps near the fire.";

/// Length of the benchmark utterance in seconds.
pub const SECONDS: f64 = 5.0;

/// The model folder benchmarked: `ELOCUTE_MODEL` if set, else the default model
/// ([`elocute::default_model_dir`]), so any model folder can be measured.
pub fn model_dir() -> PathBuf {
    elocute::default_model_dir()
}

/// A fresh temporary directory, emptied at each run (one per process once filled the disk).
pub fn tmpdir() -> PathBuf {
    let d = std::env::temp_dir().join("elocute-bench");
    if d.exists() {
        std::fs::remove_dir_all(&d).expect("empty the bench temp dir");
    }
    std::fs::create_dir_all(&d).expect("create temp dir");
    d
}

/// Synthesise [`TEXT`] with espeak-ng into `dir` and return mono samples at the
/// synthesiser's rate (22.05 kHz), zero-padded (or cut) to exactly [`SECONDS`].
///
/// Panics when espeak-ng is missing: a benchmark on no speech would mislead.
pub fn speech_5s(dir: &Path) -> (Vec<f32>, u32) {
    let wav = dir.join("bench5s.wav");
    let status = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", "160", "-w"])
        .arg(&wav)
        .arg(TEXT)
        .status()
        .unwrap_or_else(|e| panic!("espeak-ng is needed for the benchmarks: {e}"));
    assert!(status.success(), "espeak-ng failed");
    let mut reader = hound::WavReader::open(&wav).expect("read espeak-ng output");
    let spec = reader.spec();
    assert_eq!(spec.channels, 1, "espeak-ng writes mono");
    let mut x: Vec<f32> = reader
        .samples::<i16>()
        .map(|s| f32::from(s.expect("sample")) / 32768.0)
        .collect();
    x.resize((SECONDS * f64::from(spec.sample_rate)) as usize, 0.0);
    (x, spec.sample_rate)
}

/// A deterministic `seconds`-long signal at `rate`: two tones plus LCG noise.
pub fn test_signal(seconds: f64, rate: u32) -> Vec<f32> {
    let mut state = 0x2545_f491_u32;
    (0..(seconds * f64::from(rate)) as usize)
        .map(|n| {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let noise = (state >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
            let t = n as f32 / rate as f32;
            0.3 * (2.0 * std::f32::consts::PI * 220.0 * t).sin()
                + 0.2 * (2.0 * std::f32::consts::PI * 1375.0 * t).sin()
                + 0.05 * noise
        })
        .collect()
}

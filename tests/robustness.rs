//! Issue 7: every bad input gets a clear answer, nothing panics.
//!
//! A corpus of bad and unusual inputs, generated here (no committed binaries): broken WAV
//! headers and chunk sizes, every supported sample format, rate and channel layout, clipped,
//! offset, silent and noisy audio, an hour-long file, awkward reference texts and bad
//! configuration JSON. Each case asserts its outcome: a result with scores in range, or a
//! specific [`elocute::Error`] variant. A subset runs through the `elocute` binary
//! (`target/release/elocute`, skipped when it has not been built) to check that it never
//! panics (exit code 101) and that every error is one line on stderr.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use elocute::{
    AssessmentResult, Assessor, AudioLimits, Error, GradingSystem, PronunciationAssessmentConfig,
    RecognitionStatus,
};
use elocute_tests::{assessor, hundred, opus_encode, speak, tmpdir, webm_from_opus};

const TEXT: &str = "Good morning. How are you today?";
const TEXT_WORDS: usize = 6;

fn dir() -> &'static Path {
    static D: OnceLock<PathBuf> = OnceLock::new();
    D.get_or_init(|| tmpdir("robustness"))
}

/// `TEXT` spoken by espeak-ng, as 16 kHz mono samples in `[-1, 1]`.
fn speech() -> &'static [f32] {
    static S: OnceLock<Vec<f32>> = OnceLock::new();
    S.get_or_init(|| {
        let wav = speak(dir(), "speech", TEXT, 150);
        elocute_audio::read_wav(&wav, AudioLimits::default()).unwrap()
    })
}

/// The result for the clean 16 kHz float speech: what format variants are compared with.
fn baseline() -> &'static AssessmentResult {
    static B: OnceLock<AssessmentResult> = OnceLock::new();
    B.get_or_init(|| {
        let r = assessor()
            .assess_with_config(speech(), 16_000, &hundred(TEXT))
            .unwrap();
        check_scores(&r, TEXT_WORDS);
        r
    })
}

/// Every score finite and within 0-100, one word per reference word, times within the audio.
fn check_scores(r: &AssessmentResult, words: usize) {
    let ok = |v: f64| v.is_finite() && (0.0..=100.0).contains(&v);
    assert_eq!(r.nbest.len(), 1);
    let nb = &r.nbest[0];
    let pa = &nb.pronunciation_assessment;
    assert!(ok(pa.accuracy_score), "{pa:?}");
    for v in [pa.fluency_score, pa.completeness_score, pa.pron_score] {
        assert!(ok(v.expect("Comprehensive reports every score")), "{pa:?}");
    }
    assert!(
        nb.confidence.is_finite() && (0.0..=1.0).contains(&nb.confidence),
        "confidence {}",
        nb.confidence
    );
    assert_eq!(nb.words.len(), words, "{:?}", nb.lexical);
    for w in &nb.words {
        assert!(ok(w.pronunciation_assessment.accuracy_score), "{w:?}");
        assert!(
            ["None", "Mispronunciation", "Omission"]
                .contains(&w.pronunciation_assessment.error_type.as_str()),
            "{w:?}"
        );
        assert!(!w.phonemes.is_empty(), "{w:?}");
        for p in &w.phonemes {
            assert!(ok(p.pronunciation_assessment.accuracy_score), "{p:?}");
        }
    }
}

fn pron(r: &AssessmentResult) -> f64 {
    r.nbest[0].pronunciation_assessment.pron_score.unwrap()
}

fn accuracy(r: &AssessmentResult) -> f64 {
    r.nbest[0].pronunciation_assessment.accuracy_score
}

/// A silent recording's result: status 2, all scores 0, every word an omission.
fn assert_silent(r: &AssessmentResult, words: usize) {
    assert_eq!(
        r.recognition_status,
        RecognitionStatus::InitialSilenceTimeout
    );
    let pa = &r.nbest[0].pronunciation_assessment;
    assert_eq!(pa.accuracy_score, 0.0, "{pa:?}");
    assert_eq!(pa.pron_score, Some(0.0), "{pa:?}");
    assert_eq!(r.nbest[0].words.len(), words);
    assert!(r.nbest[0]
        .words
        .iter()
        .all(|w| w.pronunciation_assessment.error_type == "Omission"));
}

// ---------------------------------------------------------------- WAV writing

/// A WAV layout: rate, channels, container bits, integer or float, WAVE_FORMAT_EXTENSIBLE.
#[derive(Debug, Clone, Copy)]
struct Fmt {
    rate: u32,
    channels: u16,
    bits: u16,
    float: bool,
    extensible: bool,
}

const PCM16: Fmt = Fmt {
    rate: 16_000,
    channels: 1,
    bits: 16,
    float: false,
    extensible: false,
};

impl Fmt {
    fn block(self) -> u32 {
        u32::from(self.channels) * u32::from(self.bits / 8)
    }
}

/// RIFF/WAVE header with an explicit `fmt ` tag and lying sizes if asked.
fn header(f: Fmt, tag: u16, data_len: u32, riff_len: Option<u32>) -> Vec<u8> {
    let mut fmt = Vec::new();
    let ext = f.extensible;
    fmt.extend_from_slice(&(if ext { 0xFFFE } else { tag }).to_le_bytes());
    fmt.extend_from_slice(&f.channels.to_le_bytes());
    fmt.extend_from_slice(&f.rate.to_le_bytes());
    fmt.extend_from_slice(&(f.rate.wrapping_mul(f.block())).to_le_bytes());
    fmt.extend_from_slice(&(f.block() as u16).to_le_bytes());
    fmt.extend_from_slice(&f.bits.to_le_bytes());
    if ext {
        fmt.extend_from_slice(&22u16.to_le_bytes());
        fmt.extend_from_slice(&f.bits.to_le_bytes()); // valid bits
        let mask: u32 = if f.channels == 6 { 0x3F } else { 0 };
        fmt.extend_from_slice(&mask.to_le_bytes());
        // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: the tag then the fixed GUID tail.
        fmt.extend_from_slice(&u32::from(tag).to_le_bytes());
        fmt.extend_from_slice(&[
            0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
        ]);
    }
    let mut h = Vec::new();
    h.extend_from_slice(b"RIFF");
    let riff = riff_len.unwrap_or((4 + 8 + fmt.len() + 8) as u32 + data_len);
    h.extend_from_slice(&riff.to_le_bytes());
    h.extend_from_slice(b"WAVE");
    h.extend_from_slice(b"fmt ");
    h.extend_from_slice(&(fmt.len() as u32).to_le_bytes());
    h.extend_from_slice(&fmt);
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data_len.to_le_bytes());
    h
}

/// Interleaved sample bytes; `chan(frame, channel)` gives each value in `[-1, 1]` (clipped).
fn encode(f: Fmt, frames: usize, chan: impl Fn(usize, usize) -> f32) -> Vec<u8> {
    let mut out = Vec::with_capacity(frames * f.block() as usize);
    for i in 0..frames {
        for c in 0..usize::from(f.channels) {
            let v = f64::from(chan(i, c).clamp(-1.0, 1.0));
            match (f.float, f.bits) {
                (true, 32) => out.extend_from_slice(&(v as f32).to_le_bytes()),
                (true, 64) => out.extend_from_slice(&v.to_le_bytes()),
                (false, 8) => out.push(((v * 127.0).round() as i16 + 128) as u8),
                (false, 16) => out.extend_from_slice(&((v * 32767.0).round() as i16).to_le_bytes()),
                (false, 24) => {
                    out.extend_from_slice(&((v * 8_388_607.0).round() as i32).to_le_bytes()[..3])
                }
                (false, 32) => {
                    out.extend_from_slice(&((v * 2_147_483_647.0).round() as i32).to_le_bytes())
                }
                other => panic!("no encoder for {other:?}"),
            }
        }
    }
    out
}

/// A well-formed WAV of `mono` in layout `f` (every channel the same signal).
fn wav(f: Fmt, mono: &[f32]) -> Vec<u8> {
    let data = encode(f, mono.len(), |i, _| mono[i]);
    let tag = if f.float { 3 } else { 1 };
    let mut b = header(f, tag, data.len() as u32, None);
    b.extend_from_slice(&data);
    b
}

fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir().join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Windowed-sinc resampling (Hann, 24 zero crossings), low-passed below both Nyquist rates.
fn resample(x: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to {
        return x.to_vec();
    }
    let ratio = f64::from(to) / f64::from(from);
    let fc = ratio.min(1.0) * 0.95;
    let half = (24.0 / fc).ceil() as i64;
    let n = (x.len() as f64 * ratio).round() as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / ratio;
            let c = t.floor() as i64;
            let mut acc = 0.0;
            for k in c - half..=c + half {
                if k < 0 || k as usize >= x.len() {
                    continue;
                }
                let u = t - k as f64;
                let arg = std::f64::consts::PI * fc * u;
                let sinc = if arg.abs() < 1e-9 {
                    1.0
                } else {
                    arg.sin() / arg
                };
                let w = 0.5 + 0.5 * (std::f64::consts::PI * u / (half as f64 + 1.0)).cos();
                acc += f64::from(x[k as usize]) * fc * sinc * w;
            }
            acc as f32
        })
        .collect()
}

/// Deterministic white noise in `[-amp, amp]`.
fn noise(n: usize, amp: f32, seed: u64) -> Vec<f32> {
    let mut s = seed.wrapping_mul(6_364_136_223_846_793_005) | 1;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * amp
        })
        .collect()
}

fn assess_bytes(name: &str, bytes: &[u8]) -> elocute::Result<AssessmentResult> {
    let p = write(name, bytes);
    assessor().assess_file(&p, &hundred(TEXT))
}

/// The error names the file it came from.
fn names_file(e: &Error, name: &str) {
    assert!(e.to_string().contains(name), "{name}: {e}");
    assert!(!e.to_string().contains('\n'), "{e}");
}

// ---------------------------------------------------------------- formats

#[test]
fn every_sample_format_rate_and_layout_scores_like_the_clean_16k_float() {
    let base = baseline();
    let mut formats = Vec::new();
    for (bits, float) in [
        (8, false),
        (16, false),
        (24, false),
        (32, false),
        (32, true),
    ] {
        for extensible in [false, true] {
            formats.push(Fmt {
                bits,
                float,
                extensible,
                ..PCM16
            });
        }
    }
    for rate in [8_000, 11_025, 22_050, 44_100, 48_000] {
        formats.push(Fmt { rate, ..PCM16 });
    }
    formats.push(Fmt {
        channels: 2,
        rate: 44_100,
        ..PCM16
    });
    formats.push(Fmt {
        channels: 6,
        rate: 48_000,
        bits: 24,
        extensible: true,
        ..PCM16
    });
    for f in formats {
        let name = format!(
            "fmt-{}-{}ch-{}{}{}.wav",
            f.rate,
            f.channels,
            f.bits,
            if f.float { "f" } else { "i" },
            if f.extensible { "-ext" } else { "" }
        );
        let mono = resample(speech(), 16_000, f.rate);
        let bytes = if f.channels == 6 {
            // 5.1 with the voice in the centre channel only, as films and some recorders do.
            let data = encode(f, mono.len(), |i, c| if c == 2 { mono[i] } else { 0.0 });
            let mut b = header(f, 1, data.len() as u32, None);
            b.extend_from_slice(&data);
            b
        } else {
            wav(f, &mono)
        };
        let r = assess_bytes(&name, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        check_scores(&r, TEXT_WORDS);
        assert_eq!(r.recognition_status, RecognitionStatus::Success, "{name}");
        let (dp, da) = (pron(&r) - pron(base), accuracy(&r) - accuracy(base));
        eprintln!(
            "{name}: PronScore {:.1} ({dp:+.1}), accuracy {:.1} ({da:+.1})",
            pron(&r),
            accuracy(&r)
        );
        assert!(
            dp.abs() <= 12.0 && da.abs() <= 12.0,
            "{name}: PronScore {dp:+.1}, accuracy {da:+.1} from the baseline"
        );
    }
}

/// A file of `data` under a header for `f` with format `tag` is refused as
/// unsupported audio, naming the file.
fn assert_unsupported(name: &str, f: Fmt, tag: u16, data: &[u8]) {
    let mut b = header(f, tag, data.len() as u32, None);
    b.extend_from_slice(data);
    let e = assess_bytes(name, &b).unwrap_err();
    assert!(matches!(e, Error::UnsupportedAudio { .. }), "{name}: {e}");
    names_file(&e, name);
}

#[test]
fn unsupported_encodings_are_clear_errors() {
    let mono = &speech()[..8000];
    // 64-bit float, A-law, mu-law, ADPCM: read by some tools, not by elocute.
    for (name, f, tag) in [
        (
            "f64.wav",
            Fmt {
                bits: 64,
                float: true,
                ..PCM16
            },
            3u16,
        ),
        ("alaw.wav", Fmt { bits: 8, ..PCM16 }, 6),
        ("mulaw.wav", Fmt { bits: 8, ..PCM16 }, 7),
        ("adpcm.wav", Fmt { bits: 16, ..PCM16 }, 2),
    ] {
        let data = if f.bits == 64 {
            encode(f, mono.len(), |i, _| mono[i])
        } else {
            vec![0x55; 8000 * usize::from(f.bits / 8)]
        };
        assert_unsupported(name, f, tag, &data);
    }
}

#[test]
fn not_a_wav_at_all_is_unsupported_audio() {
    let mut riff_avi = b"RIFF\x20\x00\x00\x00AVI LIST".to_vec();
    riff_avi.resize(64, 0);
    for (name, bytes) in [
        ("empty.wav", Vec::new()),
        ("ogg.wav", b"OggS\x00\x02 definitely not a wav".to_vec()),
        (
            "mp3.wav",
            b"ID3\x04\x00\x00\x00\x00\x00\x00 mp3 frames".to_vec(),
        ),
        ("avi.wav", riff_avi),
        ("text.wav", b"hello, this is a text file\n".to_vec()),
        ("zeros.wav", vec![0u8; 4096]),
    ] {
        let e = assess_bytes(name, &bytes).unwrap_err();
        assert!(matches!(e, Error::UnsupportedAudio { .. }), "{name}: {e}");
        names_file(&e, name);
    }
}

#[test]
fn missing_file_and_directory_are_io_errors() {
    let e = assessor()
        .assess_file(dir().join("no-such-file.wav"), &hundred(TEXT))
        .unwrap_err();
    assert!(matches!(e, Error::Io { .. }), "{e}");
    names_file(&e, "no-such-file.wav");
    let e = assessor().assess_file(dir(), &hundred(TEXT)).unwrap_err();
    assert!(
        matches!(e, Error::Io { .. } | Error::UnsupportedAudio { .. }),
        "{e}"
    );
}

// ---------------------------------------------------------------- broken headers

#[test]
fn truncated_and_header_only_files() {
    let good = wav(PCM16, speech());
    // Cut inside the header: the header is unreadable.
    for cut in [4usize, 12, 20, 30, 40] {
        let name = format!("cut-header-{cut}.wav");
        let e = assess_bytes(&name, &good[..cut]).unwrap_err();
        assert!(matches!(e, Error::UnsupportedAudio { .. }), "{name}: {e}");
        names_file(&e, &name);
    }
    // Header only, claiming the whole data chunk: no samples.
    let e = assess_bytes("header-only.wav", &good[..44]).unwrap_err();
    assert!(matches!(e, Error::EmptyAudio { .. }), "{e}");
    names_file(&e, "header-only.wav");
    // Header saying zero samples.
    let e = assess_bytes("zero-samples.wav", &header(PCM16, 1, 0, None)).unwrap_err();
    assert!(matches!(e, Error::EmptyAudio { .. }), "{e}");
    // Cut in the middle of the speech: the part that is there is assessed.
    let cut = 44 + speech().len(); // half the samples (2 bytes each)
    let r = assess_bytes("cut-half.wav", &good[..cut]).unwrap();
    check_scores(&r, TEXT_WORDS);
    // Cut in the middle of a sample.
    let r = assess_bytes("cut-odd.wav", &good[..good.len() - 1]).unwrap();
    check_scores(&r, TEXT_WORDS);
    // A handful of samples: too short to assess.
    let e = assess_bytes("cut-tiny.wav", &good[..44 + 20]).unwrap_err();
    assert!(
        matches!(e, Error::EmptyAudio { .. } | Error::Alignment(_)),
        "{e}"
    );
}

#[test]
fn lying_chunk_sizes() {
    let data = encode(PCM16, speech().len(), |i, _| speech()[i]);
    let len = data.len() as u32;
    let file = |data_len: u32, riff: Option<u32>| {
        let mut b = header(PCM16, 1, data_len, riff);
        b.extend_from_slice(&data);
        b
    };
    let exact = assess_bytes("sizes-exact.wav", &file(len, None)).unwrap();
    // RIFF size too big, too small, zero: the data chunk is still read whole.
    for (name, riff) in [
        ("riff-big.wav", len * 4),
        ("riff-small.wav", 20),
        ("riff-zero.wav", 0),
    ] {
        let r =
            assess_bytes(name, &file(len, Some(riff))).unwrap_or_else(|e| panic!("{name}: {e}"));
        check_scores(&r, TEXT_WORDS);
        assert_eq!(r.id, exact.id, "{name} read different audio");
    }
    // Data size too big (a recorder that died): the samples that are there.
    let r = assess_bytes("data-big.wav", &file(len * 3, None)).unwrap();
    assert_eq!(r.id, exact.id, "data size too big read different audio");
    // Data size too small: only the samples it declares (the rest is ignored).
    let r = assess_bytes("data-small.wav", &file(len / 2, None)).unwrap();
    check_scores(&r, TEXT_WORDS);
    assert_ne!(r.id, exact.id);
    // Data size odd (not a whole number of samples).
    let r = assess_bytes("data-odd.wav", &file(len - 1, None));
    match r {
        Ok(r) => check_scores(&r, TEXT_WORDS),
        Err(e) => assert!(matches!(e, Error::UnsupportedAudio { .. }), "{e}"),
    }
    // Unknown-length placeholders that streaming writers leave in the data size (0xFFFFFFFF,
    // or a large even value): read to the end of the file, as players do.
    for (name, size) in [
        ("data-ffffffff.wav", u32::MAX),
        ("data-fffffffe.wav", u32::MAX - 1),
    ] {
        let r = assess_bytes(name, &file(size, None)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(r.id, exact.id, "{name} read different audio");
    }
}

#[test]
fn impossible_header_fields_are_unsupported_audio() {
    let data = encode(PCM16, 1600, |i, _| speech()[i]);
    let cases: Vec<(&str, Fmt)> = vec![
        (
            "zero-channels.wav",
            Fmt {
                channels: 0,
                ..PCM16
            },
        ),
        ("zero-rate.wav", Fmt { rate: 0, ..PCM16 }),
        ("bits-0.wav", Fmt { bits: 0, ..PCM16 }),
        ("bits-12.wav", Fmt { bits: 12, ..PCM16 }),
        (
            "float-16.wav",
            Fmt {
                bits: 16,
                float: true,
                ..PCM16
            },
        ),
    ];
    for (name, f) in cases {
        let tag = if f.float { 3 } else { 1 };
        assert_unsupported(name, f, tag, &data);
    }
}

// ---------------------------------------------------------------- content

#[test]
fn clipped_and_dc_offset_speech_still_scores() {
    let base = baseline();
    let clipped: Vec<f32> = speech()
        .iter()
        .map(|v| (v * 10.0).clamp(-1.0, 1.0))
        .collect();
    let dc: Vec<f32> = speech()
        .iter()
        .map(|v| (v * 0.5 + 0.4).clamp(-1.0, 1.0))
        .collect();
    let quiet: Vec<f32> = speech().iter().map(|v| v * 0.01).collect();
    for (name, x, tolerance) in [
        ("clipped.wav", clipped, 25.0),
        ("dc.wav", dc, 12.0),
        ("quiet-40db.wav", quiet, 15.0),
    ] {
        let r = assess_bytes(name, &wav(PCM16, &x)).unwrap_or_else(|e| panic!("{name}: {e}"));
        check_scores(&r, TEXT_WORDS);
        assert_eq!(r.recognition_status, RecognitionStatus::Success, "{name}");
        let dp = pron(&r) - pron(base);
        eprintln!("{name}: PronScore {:.1} ({dp:+.1})", pron(&r));
        assert!(
            dp.abs() <= tolerance,
            "{name}: PronScore {dp:+.1} from the baseline"
        );
    }
}

#[test]
fn digital_silence_and_faint_noise_are_silent_recordings() {
    let n = 3 * 16_000;
    let hiss = noise(n, 3e-4, 1); // about -76 dB
    let dc_only = vec![0.25f32; n];
    for (name, x) in [
        ("silence.wav", vec![0.0; n]),
        ("hiss.wav", hiss),
        ("dc-only.wav", dc_only),
        // Too short for the text's phones, and silent: still a silent recording, not an
        // alignment error (the end of a file an SDK app recognizes a second time).
        ("short-silence.wav", vec![0.0; 4_800]),
        ("short-hiss.wav", noise(4_800, 3e-4, 2)),
    ] {
        let r = assess_bytes(name, &wav(PCM16, &x)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_silent(&r, TEXT_WORDS);
    }
    // Float silence at 48 kHz stereo: the same answer.
    let f = Fmt {
        rate: 48_000,
        channels: 2,
        bits: 32,
        float: true,
        ..PCM16
    };
    let r = assess_bytes("silence-f32.wav", &wav(f, &vec![0.0; 3 * 48_000])).unwrap();
    assert_silent(&r, TEXT_WORDS);
}

/// Seconds of exact zeros around a reading (an app's padding, a push stream fed silence, a muted
/// start) score as the reading does: they once dragged the neural model's per-utterance mean so far
/// that 4.6 s of zeros after the bundled sample took its accuracy from 97 to 16.
#[test]
fn padding_of_digital_silence_leaves_the_scores_alone() {
    let base = baseline();
    let zeros = |s: f32| vec![0.0f32; (s * 16_000.0) as usize];
    for (name, x) in [
        ("zeros-after.wav", [speech(), &zeros(5.0)].concat()),
        ("zeros-before.wav", [&zeros(3.0), speech()].concat()),
        (
            "zeros-around.wav",
            [&zeros(2.0), speech(), &zeros(6.0)].concat(),
        ),
    ] {
        let r = assess_bytes(name, &wav(PCM16, &x)).unwrap_or_else(|e| panic!("{name}: {e}"));
        check_scores(&r, TEXT_WORDS);
        assert_eq!(r.recognition_status, RecognitionStatus::Success, "{name}");
        let (da, dp) = (accuracy(&r) - accuracy(base), pron(&r) - pron(base));
        eprintln!(
            "{name}: accuracy {:.1} ({da:+.1}), PronScore {:.1} ({dp:+.1})",
            accuracy(&r),
            pron(&r)
        );
        assert!(
            da.abs() <= 8.0 && dp.abs() <= 10.0,
            "{name}: accuracy {da:+.1}, PronScore {dp:+.1}"
        );
        for w in &r.nbest[0].words {
            assert_eq!(
                w.pronunciation_assessment.error_type, "None",
                "{name}: {w:?}"
            );
        }
    }
}

#[test]
fn loud_white_noise_scores_far_below_speech() {
    let x = noise(3 * 16_000, 0.9, 7);
    let r = assess_bytes("white-noise.wav", &wav(PCM16, &x)).unwrap();
    check_scores(&r, TEXT_WORDS);
    eprintln!(
        "white noise: PronScore {:.1}, accuracy {:.1}",
        pron(&r),
        accuracy(&r)
    );
    assert!(
        pron(&r) < pron(baseline()) - 20.0,
        "noise {} vs speech {}",
        pron(&r),
        pron(baseline())
    );
}

#[test]
fn in_memory_samples_with_bad_rates_or_values() {
    let a = assessor();
    let c = hundred(TEXT);
    let e = a.assess_with_config(&[], 16_000, &c).unwrap_err();
    assert!(matches!(e, Error::EmptyAudio { path: None }), "{e}");
    let e = a.assess_with_config(speech(), 0, &c).unwrap_err();
    assert!(
        matches!(
            e,
            Error::UnsupportedAudio { .. } | Error::AudioTooLong { .. }
        ),
        "{e}"
    );
    // NaN, infinities and out-of-range values: treated as silence / clipped, never poisoning scores.
    let mut bad = speech().to_vec();
    for (i, v) in bad.iter_mut().enumerate().step_by(97) {
        *v = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 7.0][i % 4];
    }
    let r = a.assess_with_config(&bad, 16_000, &c).unwrap();
    check_scores(&r, TEXT_WORDS);
    let r = a
        .assess_with_config(&vec![f32::NAN; 32_000], 16_000, &c)
        .unwrap();
    assert_silent(&r, TEXT_WORDS);
}

// ---------------------------------------------------------------- long audio

/// Write `seconds` of 16 kHz 16-bit faint noise, streaming (never in memory whole).
fn write_long(path: &Path, seconds: u32, prefix: &[f32]) {
    let frames = seconds * 16_000;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    w.write_all(&header(PCM16, 1, frames * 2, None)).unwrap();
    let hiss = noise(16_000, 3e-4, 3);
    let mut buf = Vec::with_capacity(32_000);
    for s in 0..frames as usize / 16_000 {
        buf.clear();
        for (i, h) in hiss.iter().enumerate() {
            let v = prefix.get(s * 16_000 + i).copied().unwrap_or(0.0) + h;
            buf.extend_from_slice(&((v.clamp(-1.0, 1.0) * 32767.0) as i16).to_le_bytes());
        }
        w.write_all(&buf).unwrap();
    }
    w.flush().unwrap();
}

fn hour_file() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let p = dir().join("one-hour.wav");
        write_long(&p, 3600, &[]);
        p
    })
}

fn status_kb(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines()
        .find_map(|l| {
            l.strip_prefix(field)?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap()
}

#[test]
fn one_hour_file_is_refused_quickly_without_reading_it() {
    let path = hour_file();
    let start = Instant::now();
    let e = assessor().assess_file(path, &hundred(TEXT)).unwrap_err();
    let took = start.elapsed();
    match &e {
        Error::AudioTooLong {
            path: Some(p),
            seconds,
            limit,
        } => {
            assert_eq!(p, path);
            assert!((seconds - 3600.0).abs() < 1.0, "{seconds}");
            assert_eq!(*limit, 600.0);
        }
        other => panic!("expected AudioTooLong naming the file, got {other}"),
    }
    names_file(&e, "one-hour.wav");
    assert!(took < Duration::from_millis(500), "took {took:?}");
    // Memory, measured in a process of its own (tests share this one).
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "hour_probe_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ELOCUTE_ROBUSTNESS_HOUR", path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let grew: u64 = stdout
        .lines()
        .find_map(|l| l.split("hour probe: peak grew by kB ").nth(1))
        .unwrap_or_else(|| panic!("no probe line in {stdout}"))
        .trim()
        .parse()
        .unwrap();
    // The file holds 115 MB of samples (230 MB as f32): none of it may be loaded.
    assert!(
        grew < 16 * 1024,
        "refusing the hour-long file raised peak memory by {grew} kB"
    );
}

/// Half of `one_hour_file_is_refused_quickly_without_reading_it`, run in a child process.
#[test]
fn hour_probe_child() {
    let Some(path) = std::env::var_os("ELOCUTE_ROBUSTNESS_HOUR") else {
        return;
    };
    let a = assessor();
    let before = status_kb("VmHWM:");
    let e = a.assess_file(&path, &hundred(TEXT)).unwrap_err();
    assert!(matches!(e, Error::AudioTooLong { .. }), "{e}");
    let after = status_kb("VmHWM:");
    println!("hour probe: peak grew by kB {}", after - before);
}

#[test]
fn ten_minute_file_with_a_short_text_gives_a_result_or_an_alignment_error() {
    let path = dir().join("ten-minutes.wav");
    write_long(&path, 600, &speech()[..speech().len().min(16_000 * 3)]);
    let start = Instant::now();
    let outcome = assessor().assess_file(&path, &hundred("Good morning."));
    let took = start.elapsed();
    eprintln!("ten minutes took {took:?}");
    match outcome {
        Ok(r) => {
            check_scores(&r, 2);
            assert_eq!(r.recognition_status, RecognitionStatus::Success);
        }
        Err(e) => assert!(matches!(e, Error::Alignment(_)), "{e}"),
    }
    // About 60 s on two busy cores; the bound only catches a runaway.
    assert!(took < Duration::from_secs(300), "took {took:?}");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn a_lower_limit_refuses_files_and_samples_just_over_it() {
    let a = Assessor::with_default_model()
        .unwrap()
        .with_limits(AudioLimits {
            max_seconds: Some(2.0),
        });
    let x = &speech()[..(2.5 * 16_000.0) as usize];
    let p = write("two-and-a-half.wav", &wav(PCM16, x));
    let e = a.assess_file(&p, &hundred(TEXT)).unwrap_err();
    assert!(matches!(e, Error::AudioTooLong { .. }), "{e}");
    names_file(&e, "two-and-a-half.wav");
    let e = a.assess_with_config(x, 16_000, &hundred(TEXT)).unwrap_err();
    assert!(matches!(e, Error::AudioTooLong { path: None, .. }), "{e}");
    // 44.1 kHz stereo: the limit is in seconds, not samples.
    let f = Fmt {
        rate: 44_100,
        channels: 2,
        ..PCM16
    };
    let p = write(
        "two-and-a-half-44k.wav",
        &wav(f, &resample(x, 16_000, 44_100)),
    );
    let e = a.assess_file(&p, &hundred(TEXT)).unwrap_err();
    assert!(matches!(e, Error::AudioTooLong { .. }), "{e}");
    // No limit at all still assesses.
    let a = a.with_limits(AudioLimits { max_seconds: None });
    check_scores(&a.assess_file(&p, &hundred(TEXT)).unwrap(), TEXT_WORDS);
}

// ---------------------------------------------------------------- absurd sample rates

/// Run one test of this binary in a child process under a 4 GB address-space limit, so that
/// an abort or an allocation failure is reported instead of taking every other test down.
fn run_child(test: &str, env: &[(&str, String)]) -> std::process::Output {
    let exe = std::env::current_exe().unwrap();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -v 4000000; exec \"$0\" \"$1\" --exact --nocapture --test-threads=1")
        .arg(exe)
        .arg(test);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn absurd_sample_rates_are_refused_not_crashed_on() {
    // Sensible but unusual rates are assessed.
    for rate in [4_000u32, 96_000, 192_000] {
        let f = Fmt { rate, ..PCM16 };
        let name = format!("rate-{rate}.wav");
        let r = assess_bytes(&name, &wav(f, &resample(speech(), 16_000, rate)))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        check_scores(&r, TEXT_WORDS);
    }
    // A header claiming 1 Hz, 7 Hz or 4 GHz is a broken file: UnsupportedAudio, not an
    // abort while the resampler allocates an FFT the size of the rate.
    for rate in [1u32, 7, 16_001, 1_000_003, 2_147_483_647, 4_294_967_291] {
        let start = Instant::now();
        let out = run_child(
            "absurd_rate_child",
            &[("ELOCUTE_ROBUSTNESS_RATE", rate.to_string())],
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = Some(
            stdout
                .lines()
                .filter_map(|l| l.split("rate probe").nth(1))
                .collect::<Vec<_>>()
                .join("; "),
        )
        .filter(|l| l.contains("; "))
        .unwrap_or_else(|| {
            panic!(
                "{rate} Hz crashed the reader ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .rev()
                    .take(5)
                    .collect::<Vec<_>>()
                    .join(" | ")
            )
        });
        eprintln!("{rate} Hz: {line} ({:?})", start.elapsed());
        assert!(out.status.success(), "{rate} Hz: {line}");
    }
}

/// Half of `absurd_sample_rates_are_refused_not_crashed_on`, run in a child process.
#[test]
fn absurd_rate_child() {
    let Some(rate) = std::env::var("ELOCUTE_ROBUSTNESS_RATE").ok() else {
        return;
    };
    let rate: u32 = rate.parse().unwrap();
    let f = Fmt { rate, ..PCM16 };
    let name = format!("absurd-rate-{rate}.wav");
    let p = write(&name, &wav(f, &speech()[..8_000]));
    // In memory: the same resampler behind `Assessor::assess` (which first refuses
    // anything over its limit, as 8000 samples at under 14 Hz would be).
    let memory = if rate >= 14 {
        elocute_audio::to_16k_mono(&speech()[..8_000], 1, rate)
    } else {
        Err(Error::UnsupportedAudio {
            path: None,
            message: "over the limit".into(),
        })
    };
    match memory {
        Ok(x) => println!("rate probe (memory): {} samples", x.len()),
        Err(e) => {
            println!("rate probe (memory): {e}");
            assert!(matches!(e, Error::UnsupportedAudio { .. }), "{e}");
        }
    }
    let limits = AudioLimits {
        max_seconds: Some(600.0),
    };
    match elocute_audio::read_wav(&p, limits) {
        Ok(x) => {
            println!("rate probe: read {} samples", x.len());
            assert!(x.len() <= 600 * 16_000 + 4096);
        }
        Err(e) => {
            println!("rate probe: {e}");
            assert!(
                matches!(
                    e,
                    Error::UnsupportedAudio { .. } | Error::AudioTooLong { .. }
                ),
                "{e}"
            );
        }
    }
}

// ---------------------------------------------------------------- reference texts

fn assess_text(text: &str) -> elocute::Result<AssessmentResult> {
    assessor().assess_with_config(speech(), 16_000, &hundred(text))
}

#[test]
fn texts_without_words_are_empty_reference() {
    for text in [
        "",
        "   \n\t ",
        "...",
        "?! -- ,;:",
        "😀🎉",
        "🇬🇧 👍🏽",
        "\u{200b}\u{feff}",
        "<>",
        "— – -",
    ] {
        let e = assess_text(text).unwrap_err();
        assert!(matches!(e, Error::EmptyReference), "{text:?}: {e}");
    }
}

#[test]
fn emoji_and_punctuation_around_words_are_ignored() {
    let plain = assess_text(TEXT).unwrap();
    for text in [
        "Good morning! 😀 How are you today? 🎉",
        "“Good morning.” — How are you… today?!",
        "  GOOD   MORNING.\n\nHow are you today ?  ",
    ] {
        let r = assess_text(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        check_scores(&r, TEXT_WORDS);
        assert_eq!(r.nbest[0].lexical, plain.nbest[0].lexical, "{text:?}");
        assert_eq!(r.nbest[0].display.trim(), text.trim());
    }
}

#[test]
fn digits_are_spoken() {
    for (text, lexical) in [
        ("I have 3 cats", "i have three cats"),
        ("I have 3 cats.", "i have three cats"),
        ("I have three cats", "i have three cats"),
    ] {
        let r = assess_text(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        check_scores(&r, 4);
        assert_eq!(r.nbest[0].lexical, lexical, "{text:?}");
        assert_eq!(r.nbest[0].display, text);
    }
}

#[test]
fn ssml_tags_are_not_read_as_words() {
    let plain = assess_text(TEXT).unwrap();
    for text in [
        "<speak>Good morning. How are you today?</speak>",
        "<speak><p>Good morning.</p> <break time=\"1s\"/> How are you today?</speak>",
    ] {
        let r = assess_text(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        check_scores(&r, TEXT_WORDS);
        assert_eq!(r.nbest[0].lexical, plain.nbest[0].lexical, "{text:?}");
    }
}

#[test]
fn unknown_scripts_name_the_word() {
    for (text, word) in [
        ("你好 good morning", "你好"),
        ("good morning 你好", "你好"),
        ("Привет good morning", "привет"),
    ] {
        let e = assess_text(text).unwrap_err();
        match &e {
            Error::UnknownWord { word: w } => assert_eq!(w, word, "{text:?}"),
            other => panic!("{text:?}: expected UnknownWord, got {other}"),
        }
        assert!(e.to_string().contains(word), "{e}");
    }
    // Made-up words in Latin letters are pronounced by the G2P instead.
    let r = assess_text("good qwxzkv morning").unwrap();
    check_scores(&r, 3);
}

#[test]
fn ten_thousand_words_on_three_seconds_are_assessed_quickly_as_far_as_read() {
    let words = ["good", "morning", "how", "are", "you", "today"];
    let text: String = (0..10_000)
        .map(|i| words[i % 6])
        .collect::<Vec<_>>()
        .join(" ");
    let start = Instant::now();
    let r = assess_text(&text).unwrap();
    assert_eq!(r.nbest[0].words.len(), 10_000);
    // The reading stops after the words the audio holds; the rest score 0.
    let pa = &r.nbest[0].pronunciation_assessment;
    assert!(pa.completeness_score.unwrap() < 1.0, "{pa:?}");
    assert!(r.nbest[0].words[100..]
        .iter()
        .all(|w| w.pronunciation_assessment.accuracy_score == 0.0));
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn more_words_than_the_audio_can_hold_are_read_as_far_as_it_goes() {
    let text = "good morning how are you today ".repeat(40);
    let r = assess_text(&text).unwrap();
    let words = &r.nbest[0].words;
    assert_eq!(words.len(), 240);
    assert!(
        words[..6]
            .iter()
            .all(|w| w.pronunciation_assessment.accuracy_score > 50.0),
        "{words:?}"
    );
    assert!(words[12..]
        .iter()
        .all(|w| w.pronunciation_assessment.accuracy_score == 0.0));
    // Too short for even the first word: an alignment error (or no frame at all).
    let e = assessor()
        .assess_with_config(&speech()[..1_600], 16_000, &hundred(TEXT))
        .unwrap_err();
    assert!(
        matches!(e, Error::Alignment(_) | Error::EmptyAudio { .. }),
        "{e}"
    );
}

// ---------------------------------------------------------------- configuration JSON

#[test]
fn a_byte_order_mark_before_the_config_is_accepted() {
    let c = PronunciationAssessmentConfig::from_json("\u{feff}{\"ReferenceText\":\"hi\"}").unwrap();
    assert_eq!(c.reference_text, "hi");
}

#[test]
fn bad_config_json_is_a_config_error_naming_the_key() {
    for (json, needle) in [
        ("", "JSON"),
        ("{", "JSON"),
        ("{\"ReferenceText\": \"hi\",}", "JSON"),
        ("{'ReferenceText': 'hi'}", "JSON"),
        ("null", "object"),
        ("\"ReferenceText\"", "object"),
        ("[{\"ReferenceText\":\"hi\"}]", "object"),
        ("{\"Colour\":\"red\"}", "Colour"),
        (
            "{\"ReferenceText\":\"hi\",\"referenceTxt\":\"x\"}",
            "referenceTxt",
        ),
        ("{\"ReferenceText\":[\"hi\"]}", "ReferenceText"),
        ("{\"ReferenceText\":{\"text\":\"hi\"}}", "ReferenceText"),
        ("{\"GradingSystem\":100}", "GradingSystem"),
        ("{\"GradingSystem\":\"TenPoint\"}", "GradingSystem"),
        ("{\"Granularity\":\"Letter\"}", "Granularity"),
        ("{\"Dimension\":null}", "Dimension"),
        ("{\"EnableMiscue\":1}", "EnableMiscue"),
        ("{\"EnableMiscue\":\"yes\"}", "EnableMiscue"),
        ("{\"PhonemeAlphabet\":\"X-SAMPA\"}", "PhonemeAlphabet"),
        ("{\"NBestPhonemeCount\":-1}", "NBestPhonemeCount"),
        ("{\"NBestPhonemeCount\":101}", "NBestPhonemeCount"),
        ("{\"NBestPhonemeCount\":2.5}", "NBestPhonemeCount"),
        ("{\"NBestPhonemeCount\":1e300}", "NBestPhonemeCount"),
        ("{\"NBestPhonemeCount\":\"many\"}", "NBestPhonemeCount"),
        ("{\"ScenarioId\":5}", "ScenarioId"),
        (
            "{\"EnableProsodyAssessment\":\"maybe\"}",
            "EnableProsodyAssessment",
        ),
        (
            "{\"EnableTwoPassUnscriptedAssessment\":3}",
            "EnableTwoPassUnscriptedAssessment",
        ),
    ] {
        let e = PronunciationAssessmentConfig::from_json(json).unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{json:?}: {e}");
        let msg = e.to_string();
        assert!(msg.contains(needle), "{json:?}: {msg}");
        assert!(!msg.contains('\n'), "{json:?}: {msg}");
    }
}

#[test]
fn deeply_nested_or_huge_config_json_is_an_error_not_a_stack_overflow() {
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    let e = PronunciationAssessmentConfig::from_json(&deep).unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
    let deep_value = format!(
        "{{\"ReferenceText\":{}{}}}",
        "{\"a\":".repeat(10_000),
        "}".repeat(10_000)
    );
    let e = PronunciationAssessmentConfig::from_json(&deep_value).unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
    // A long error message stays one line; a value is not echoed at unbounded length.
    let huge = format!("{{\"GradingSystem\":\"{}\"}}", "x".repeat(1 << 20));
    let e = PronunciationAssessmentConfig::from_json(&huge).unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{}", &e.to_string()[..200]);
    assert!(!e.to_string().contains('\n'));
}

#[test]
fn odd_but_valid_config_json_is_accepted() {
    let c = PronunciationAssessmentConfig::from_json(
        "{\"referencetext\":\"Good morning.\",\"GRADINGSYSTEM\":\"hundredmark\",\
         \"EnableMiscue\":\"TRUE\",\"NBestPhonemeCount\":\"5\",\"ScenarioId\":null}",
    )
    .unwrap();
    assert_eq!(c.reference_text, "Good morning.");
    assert_eq!(c.grading_system, GradingSystem::HundredMark);
    assert!(c.enable_miscue);
    assert_eq!(c.nbest_phoneme_count, 5);
    // Duplicate keys (any case): the last one wins, as in the service's parser.
    let c = PronunciationAssessmentConfig::from_json(
        "{\"ReferenceText\":\"a\",\"referenceText\":\"b\"}",
    );
    let c = c.unwrap();
    assert!(["a", "b"].contains(&c.reference_text.as_str()));
    // An empty object is the defaults, with no reference text: assessing it is EmptyReference.
    let c = PronunciationAssessmentConfig::from_json("{}").unwrap();
    let e = assessor()
        .assess_with_config(speech(), 16_000, &c)
        .unwrap_err();
    assert!(matches!(e, Error::EmptyReference), "{e}");
    // Every option combination on real speech gives scores in range.
    for gran in ["Phoneme", "Syllable", "Word", "FullText"] {
        for dim in ["Basic", "Comprehensive"] {
            for miscue in [false, true] {
                let json = format!(
                    "{{\"ReferenceText\":\"{TEXT}\",\"GradingSystem\":\"FivePoint\",\"Granularity\":\"{gran}\",\
                     \"Dimension\":\"{dim}\",\"EnableMiscue\":{miscue},\"PhonemeAlphabet\":\"IPA\",\"NBestPhonemeCount\":100}}"
                );
                let c = PronunciationAssessmentConfig::from_json(&json).unwrap();
                let r = assessor()
                    .assess_with_config(speech(), 16_000, &c)
                    .unwrap_or_else(|e| panic!("{json}: {e}"));
                let v = serde_json::to_value(&r).unwrap();
                let mut scores = Vec::new();
                collect_scores(&v, &mut scores);
                assert!(!scores.is_empty());
                for s in scores {
                    assert!((0.0..=5.0).contains(&s), "{json}: score {s}");
                }
            }
        }
    }
}

/// Every `*Score` number anywhere in a result's JSON.
fn collect_scores(v: &serde_json::Value, out: &mut Vec<f64>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                if k.ends_with("Score") && k != "Score" {
                    if let Some(n) = x.as_f64() {
                        out.push(n);
                    }
                }
                collect_scores(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_scores(x, out)),
        _ => {}
    }
}

// ---------------------------------------------------------------- the command line

fn cli() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/elocute");
    p.is_file().then_some(p)
}

/// Run `elocute assess`; check it never panics and that a failure is one line on stderr.
fn run_cli(args: &[&str]) -> (i32, String, String) {
    let bin = cli().unwrap();
    let start = Instant::now();
    let out = Command::new(&bin)
        .arg("assess")
        .args(args)
        .output()
        .unwrap();
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("{args:?}: killed by {}", out.status));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_ne!(code, 101, "{args:?} panicked: {stderr}");
    if code != 0 {
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "{args:?}: stderr is not one line: {stderr}"
        );
        assert!(stdout.is_empty(), "{args:?}: stdout on failure: {stdout}");
    }
    eprintln!(
        "cli {:?}: exit {code} in {:?}: {}",
        args,
        start.elapsed(),
        stderr.trim_end()
    );
    (code, stdout, stderr)
}

#[test]
fn the_binary_gives_one_line_errors_and_never_panics() {
    let Some(_) = cli() else {
        eprintln!("target/release/elocute is not built: skipping the command-line cases");
        return;
    };
    let good = write("cli-good.wav", &wav(PCM16, speech()));
    let good = good.to_str().unwrap();
    let six = Fmt {
        rate: 44_100,
        channels: 6,
        bits: 24,
        extensible: true,
        ..PCM16
    };
    let six = write(
        "cli-6ch.wav",
        &wav(six, &resample(speech(), 16_000, 44_100)),
    );
    let trunc = write("cli-truncated.wav", &wav(PCM16, speech())[..30]);
    let header_only = write("cli-header-only.wav", &header(PCM16, 1, 0, None));
    let garbage = write("cli-garbage.wav", b"not a wav");
    let huge_rate = write(
        "cli-4ghz.wav",
        &wav(
            Fmt {
                rate: 4_294_967_291,
                ..PCM16
            },
            &speech()[..8_000],
        ),
    );
    let bad_json = write("cli-bad.json", b"{\"ReferenceText\": ");
    let hour = hour_file().to_str().unwrap();
    let path = |p: &PathBuf| p.to_str().unwrap().to_string();

    // Successes print the JSON.
    let (code, stdout, _) = run_cli(&["--audio", good, "--text", TEXT]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["NBest"][0]["Words"].as_array().unwrap().len(), TEXT_WORDS);
    assert_eq!(run_cli(&["--audio", &path(&six), "--text", TEXT]).0, 0);

    // Errors: exit 1, one line naming the culprit.
    for (args, needle) in [
        (
            vec!["--audio", &path(&trunc), "--text", TEXT],
            "cli-truncated.wav",
        ),
        (
            vec!["--audio", &path(&header_only), "--text", TEXT],
            "cli-header-only.wav",
        ),
        (
            vec!["--audio", &path(&garbage), "--text", TEXT],
            "cli-garbage.wav",
        ),
        (
            vec!["--audio", "/no/such/file.wav", "--text", TEXT],
            "/no/such/file.wav",
        ),
        (vec!["--audio", hour, "--text", TEXT], "over the limit"),
        (vec!["--audio", good, "--text", ""], "reference text"),
        (vec!["--audio", good, "--text", "?! 😀"], "no words"),
        (vec!["--audio", good, "--text", "你好 good morning"], "你好"),
        (
            vec!["--audio", good, "--config", "{\"ReferenceText\": "],
            "JSON",
        ),
        (
            vec!["--audio", good, "--config", &path(&bad_json)],
            "cli-bad.json",
        ),
        (
            vec![
                "--audio",
                good,
                "--config",
                "{\"Colour\":\"red\"}",
                "--text",
                TEXT,
            ],
            "Colour",
        ),
        (
            vec![
                "--audio",
                good,
                "--config",
                "{\"GradingSystem\":5}",
                "--text",
                TEXT,
            ],
            "GradingSystem",
        ),
        (
            vec![
                "--audio",
                good,
                "--config",
                "/no/such/config.json",
                "--text",
                TEXT,
            ],
            "config.json",
        ),
        (
            vec!["--audio", good, "--text", TEXT, "--model", "/no/such/model"],
            "/no/such/model",
        ),
        (
            vec![
                "--audio",
                good,
                "--text",
                TEXT,
                "--lexicon",
                "/no/such/lexicon.dict",
            ],
            "lexicon.dict",
        ),
    ] {
        let (code, _, stderr) = run_cli(&args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(
            stderr.contains(needle),
            "{args:?}: {stderr:?} does not name {needle:?}"
        );
        assert!(stderr.matches("bad configuration").count() <= 1, "{stderr}");
    }
    // The hour-long file is refused at once.
    let start = Instant::now();
    run_cli(&["--audio", hour, "--text", TEXT]);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    // Bad usage: exit 2 (clap), never 101.
    for args in [
        vec![],
        vec!["--audio"],
        vec!["--text", "hi"],
        vec!["--audio", good, "--max-seconds", "lots"],
    ] {
        let (code, _, _) = {
            let bin = cli().unwrap();
            let out = Command::new(&bin)
                .arg("assess")
                .args(&args)
                .output()
                .unwrap();
            (out.status.code().unwrap_or(-1), (), ())
        };
        assert_eq!(code, 2, "{args:?}");
    }
    // A header claiming a 4 GHz sample rate: a clear error, not a crash.
    let (code, _, stderr) = run_cli(&["--audio", &path(&huge_rate), "--text", TEXT]);
    assert!(code == 0 || stderr.contains("cli-4ghz.wav"), "{stderr}");
}

/// Damaged Ogg/Opus: a stream cut off mid-page keeps the audio before the cut
/// (as a truncated WAV does); one that is not Opus, or has no audio packet, is
/// a clear error naming the file.
#[test]
fn damaged_ogg_opus() {
    let opus = std::fs::read(opus_encode(&speak(dir(), "opus-src", TEXT, 150), 24)).unwrap();
    let whole =
        elocute_audio::read_audio(write("opus-whole.opus", &opus), AudioLimits::default()).unwrap();
    let cut = write("opus-cut.opus", &opus[..opus.len() * 6 / 10]);
    let part = elocute_audio::read_audio(&cut, AudioLimits::default()).unwrap();
    assert!(
        part.len() < whole.len() && part.len() > whole.len() / 3,
        "{} of {} samples",
        part.len(),
        whole.len()
    );
    assert_eq!(
        part[..],
        whole[..part.len()],
        "the audio before the cut is unchanged"
    );

    // Not Opus: the identification header's magic is wrong (an Ogg Vorbis file has no OpusHead).
    let at = opus.windows(8).position(|w| w == b"OpusHead").unwrap();
    let mut vorbis = opus.clone();
    vorbis[at..at + 8].copy_from_slice(b"\x01vorbis\0");
    // Only headers: the stream ends before the first audio page.
    let tags = opus.windows(8).position(|w| w == b"OpusTags").unwrap();
    let second_page = opus[tags..].windows(4).position(|w| w == b"OggS").unwrap() + tags;
    for (name, bytes) in [
        ("opus-not-opus.opus", vorbis),
        ("opus-headers-only.opus", opus[..second_page].to_vec()),
        ("opus-magic-only.opus", b"OggS".to_vec()),
    ] {
        let e = assessor()
            .assess_file(write(name, &bytes), &hundred(TEXT))
            .unwrap_err();
        assert!(
            matches!(e, Error::UnsupportedAudio { .. } | Error::EmptyAudio { .. }),
            "{name}: {e}"
        );
        names_file(&e, name);
    }
    // The length limit holds while decoding.
    let e = elocute_audio::read_audio(
        write("opus-long.opus", &opus),
        AudioLimits {
            max_seconds: Some(1.0),
        },
    )
    .unwrap_err();
    assert!(matches!(e, Error::AudioTooLong { .. }), "{e}");
    names_file(&e, "opus-long.opus");
}

/// Damaged WebM/Opus: cut anywhere, the audio before the cut is kept or a
/// clear error names the file; a WebM without Opus audio, a lying block, and
/// a bare EBML magic are clear errors; the length limit holds.
#[test]
fn damaged_webm_opus() {
    let opus = opus_encode(&speak(dir(), "webm-src", TEXT, 150), 24);
    let webm = std::fs::read(webm_from_opus(&opus)).unwrap();
    let whole =
        elocute_audio::read_audio(write("webm-whole.webm", &webm), AudioLimits::default()).unwrap();
    // Every cut point in steps: never a panic, and never samples that were not in the whole.
    for k in 1..40 {
        let n = webm.len() * k / 40;
        let name = format!("webm-cut-{k}.webm");
        match assessor().assess_file(write(&name, &webm[..n]), &hundred(TEXT)) {
            Ok(_) => {
                let part =
                    elocute_audio::read_audio_bytes(&webm[..n], AudioLimits::default()).unwrap();
                assert_eq!(part[..], whole[..part.len()], "cut at {n}");
            }
            Err(e) => {
                assert!(
                    matches!(
                        e,
                        Error::UnsupportedAudio { .. }
                            | Error::EmptyAudio { .. }
                            | Error::Alignment(_)
                    ),
                    "{name}: {e}"
                );
                names_file(&e, &name);
            }
        }
    }
    // Not Opus: the codec named by the track is another one.
    let at = webm.windows(6).position(|w| w == b"A_OPUS").unwrap();
    let mut vorbis = webm.clone();
    vorbis[at..at + 6].copy_from_slice(b"A_AAC\0");
    // Every byte after the track list flipped: damaged blocks.
    let clusters = webm
        .windows(4)
        .position(|w| w == [0x1F, 0x43, 0xB6, 0x75])
        .unwrap();
    let mut noise = webm.clone();
    for b in &mut noise[clusters + 12..] {
        *b ^= 0x5A;
    }
    for (name, bytes, says) in [
        ("webm-aac.webm", vorbis, "A_AAC"),
        ("webm-magic-only.webm", vec![0x1A, 0x45, 0xDF, 0xA3], "WebM"),
    ] {
        let e = assessor()
            .assess_file(write(name, &bytes), &hundred(TEXT))
            .unwrap_err();
        assert!(matches!(e, Error::UnsupportedAudio { .. }), "{name}: {e}");
        assert!(e.to_string().contains(says), "{name}: {e}");
        names_file(&e, name);
    }
    // Noise where the blocks were: an error or a result, never a panic.
    let _ = assessor().assess_file(write("webm-noise.webm", &noise), &hundred(TEXT));
    let e = elocute_audio::read_audio(
        write("webm-long.webm", &webm),
        AudioLimits {
            max_seconds: Some(1.0),
        },
    )
    .unwrap_err();
    assert!(matches!(e, Error::AudioTooLong { .. }), "{e}");
    names_file(&e, "webm-long.webm");
}

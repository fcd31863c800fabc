//! Helpers for elocute's end-to-end tests: speech synthesised on the fly with
//! espeak-ng (installed by `scripts/setup.sh`), so no recording is fetched.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use elocute::{Assessor, GradingSystem, PronunciationAssessmentConfig};

/// The default-model assessor, loaded once per test binary.
///
/// Panics with a clear message when the model or runtime is missing: the tests must not pass vacuously.
pub fn assessor() -> &'static Assessor {
    static A: OnceLock<Assessor> = OnceLock::new();
    A.get_or_init(|| {
        Assessor::with_default_model()
            .unwrap_or_else(|e| panic!("default model must load (run scripts/setup.sh): {e}"))
    })
}

/// Default settings on the 0-100 scale.
pub fn hundred(text: &str) -> PronunciationAssessmentConfig {
    let mut c = PronunciationAssessmentConfig::new(text);
    c.grading_system = GradingSystem::HundredMark;
    c
}

/// Synthesise `text` with espeak-ng (voice `en-us`, `wpm` words per minute) into `dir/name.wav`.
///
/// Panics with a clear message when espeak-ng is missing: these tests must not pass vacuously.
pub fn speak(dir: &Path, name: &str, text: &str, wpm: u32) -> PathBuf {
    let out = dir.join(format!("{name}.wav"));
    let status = Command::new("espeak-ng")
        .args(["-v", "en-us", "-s", &wpm.to_string(), "-w"])
        .arg(&out)
        .arg(text)
        .status()
        .unwrap_or_else(|e| {
            panic!("espeak-ng is needed for these tests (run scripts/setup.sh): {e}")
        });
    assert!(status.success(), "espeak-ng failed on {text:?}");
    out
}

/// A fresh, empty directory for one test: `<target>/<profile>/test-tmp/<name>`.
///
/// It is left in place after the run so a failure can be inspected, and emptied when the next
/// run asks for it again, so repeated runs reuse one set of folders instead of filling the disk
/// (one folder per run and process under `/tmp` once did), and `cargo clean` removes them.
/// Names must be unique across the workspace's tests.
pub fn tmpdir(name: &str) -> PathBuf {
    let d = test_tmp_root().join(name);
    if d.exists() {
        std::fs::remove_dir_all(&d).unwrap_or_else(|e| panic!("cannot empty {}: {e}", d.display()));
    }
    std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("cannot create {}: {e}", d.display()));
    d
}

/// `<target>/<profile>/test-tmp`, found from the running test binary (`<profile>/deps/<binary>`)
/// so that `CARGO_TARGET_DIR` is honoured; the system temporary folder if the layout is unusual.
fn test_tmp_root() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| {
            let deps = exe.parent()?;
            (deps.file_name()? == "deps").then(|| deps.parent().map(Path::to_path_buf))?
        })
        .unwrap_or_else(|| std::env::temp_dir().join("elocute-test"))
        .join("test-tmp")
}

/// The full-text accuracy, fluency, completeness and PronScore of a result
/// (assessed with `Dimension::Comprehensive`, so all four are present).
pub fn text_scores(r: &elocute::AssessmentResult) -> [f64; 4] {
    let t = &r.nbest[0].pronunciation_assessment;
    [
        t.accuracy_score,
        t.fluency_score.expect("FluencyScore"),
        t.completeness_score.expect("CompletenessScore"),
        t.pron_score.expect("PronScore"),
    ]
}

/// Encode a WAV to Ogg/Opus at `kbps` with the reference encoder `opusenc`
/// (opus-tools, installed by `scripts/setup.sh`), next to it as `<name>-<kbps>k.opus`.
///
/// Panics with a clear message when opusenc is missing: these tests must not pass vacuously.
pub fn opus_encode(wav: &Path, kbps: u32) -> PathBuf {
    let stem = wav.file_stem().unwrap().to_string_lossy();
    let out = wav.with_file_name(format!("{stem}-{kbps}k.opus"));
    let status = Command::new("opusenc")
        .args(["--quiet", "--bitrate", &kbps.to_string()])
        .arg(wav)
        .arg(&out)
        .status()
        .unwrap_or_else(|e| {
            panic!("opusenc is needed for these tests (run scripts/setup.sh): {e}")
        });
    assert!(status.success(), "opusenc failed on {}", wav.display());
    out
}

/// Recordings joined into one 16 kHz WAV `dir/name.wav`, `pause` seconds of
/// silence between them: a long reading made of short ones.
pub fn join_with_pauses(dir: &Path, name: &str, parts: &[PathBuf], pause: f64) -> PathBuf {
    let gap = vec![0.0f32; (pause * 16_000.0) as usize];
    let mut out = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(&gap);
        }
        out.extend(elocute_audio::read_audio(p, Default::default()).unwrap());
    }
    let path = dir.join(format!("{name}.wav"));
    elocute_audio::write_wav_i16(&path, &out, 16_000).unwrap();
    path
}

/// Put an Ogg/Opus file's packets into WebM with the reference muxer
/// `mkvmerge` (mkvtoolnix, installed by `scripts/setup.sh`), next to it as
/// `<name>.webm`.
///
/// Panics with a clear message when mkvmerge is missing: these tests must not pass vacuously.
pub fn webm_from_opus(opus: &Path) -> PathBuf {
    let out = opus.with_extension("webm");
    let status = Command::new("mkvmerge")
        .args(["-q", "--webm", "-o"])
        .arg(&out)
        .arg(opus)
        .status()
        .unwrap_or_else(|e| {
            panic!("mkvmerge is needed for these tests (run scripts/setup.sh): {e}")
        });
    assert!(status.success(), "mkvmerge failed on {}", opus.display());
    out
}

/// A WebM file as a recorder that streams writes it: the Segment and every
/// Cluster with an unknown size (all value bits of the size set, same width).
pub fn with_unknown_sizes(webm: &[u8]) -> Vec<u8> {
    let mut out = webm.to_vec();
    let mut changed = 0;
    for id in [[0x18, 0x53, 0x80, 0x67], [0x1F, 0x43, 0xB6, 0x75]] {
        let mut i = 0;
        while i + 5 <= out.len() {
            if out[i..i + 4] == id {
                let at = i + 4;
                let width = out[at].leading_zeros() as usize + 1;
                assert!(width <= 8 && at + width <= out.len());
                out[at] = 0xFF >> (width - 1);
                out[at + 1..at + width].fill(0xFF);
                changed += 1;
                i = at + width;
            } else {
                i += 1;
            }
        }
    }
    assert!(changed >= 2, "no Segment or Cluster found");
    out
}

/// The two sentences of [`two_sentence_reading`].
pub const TWO_SENTENCES: [&str; 2] = [
    "Good morning, how are you today?",
    "I would like a cup of coffee, please.",
];

/// A short long reading for continuous-mode tests: [`TWO_SENTENCES`] synthesised
/// into `dir` and joined with a 2 s pause as `dir/long.wav`; returns that file
/// and the first sentence's own recording.
pub fn two_sentence_reading(dir: &Path) -> (PathBuf, PathBuf) {
    let a = speak(dir, "a", TWO_SENTENCES[0], 150);
    let b = speak(dir, "b", TWO_SENTENCES[1], 150);
    (join_with_pauses(dir, "long", &[a.clone(), b], 2.0), a)
}

/// A text's words as interim results and `Lexical` spell them: lower case, punctuation off
/// (`Good morning, how` → `good`, `morning`, `how`).
pub fn lexical_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect()
}

/// Read exactly one HTTP/1.1 response (head, then a `Content-Length` body, empty without one)
/// from a connection that may stay open, as a keep-alive client must: the status and the body.
///
/// Panics if the connection ends before the head is complete.
pub fn read_http_response(s: &mut impl std::io::Read) -> (u16, Vec<u8>) {
    let mut raw = Vec::new();
    let mut byte = [0u8];
    while !raw.ends_with(b"\r\n\r\n") {
        assert_eq!(
            s.read(&mut byte).unwrap(),
            1,
            "the connection ended mid-head: {:?}",
            String::from_utf8_lossy(&raw)
        );
        raw.push(byte[0]);
    }
    let head = String::from_utf8(raw).unwrap();
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    s.read_exact(&mut body).unwrap();
    (head[9..12].parse().unwrap(), body)
}

/// The JSON a helper script (an SDK or browser driver) printed, after checking that it
/// succeeded: panics naming `script` with its stderr, or with what it printed instead of JSON.
pub fn script_json(script: &str, out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{script} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// `wav` with `before` and `after` seconds of digital silence around it, as a 16 kHz WAV
/// `dir/name.wav`: a learner pressing Record and starting late, a recorder left running.
pub fn with_silence(dir: &Path, name: &str, wav: &Path, before: f64, after: f64) -> PathBuf {
    let zeros = |s: f64| vec![0.0f32; (s * 16_000.0) as usize];
    let mut samples = zeros(before);
    samples.extend(elocute_audio::read_audio(wav, Default::default()).unwrap());
    samples.extend(zeros(after));
    let path = dir.join(format!("{name}.wav"));
    elocute_audio::write_wav_i16(&path, &samples, 16_000).unwrap();
    path
}

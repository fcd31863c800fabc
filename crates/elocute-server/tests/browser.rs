//! The demo page in a real browser: headless Chromium (Debian's package, installed by
//! `scripts/setup.sh`) opens `/demo`, its microphone plays a synthesised reading (Chromium's fake
//! capture device), the page records it with `MediaRecorder` (WebM/Opus), posts it and shows the
//! result, as a learner would see it. Driven by `tests/browser/demo.mjs` (puppeteer-core).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use elocute::PronunciationAssessmentConfig;
use elocute_server::tls::self_signed;
use elocute_tests::{assessor, lexical_words, script_json, speak, tmpdir, with_silence};
use serde_json::Value;

const TEXT: &str = "Good morning. How are you today?";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Drive the demo page at `url`: record `wav` for its length plus half a second, with `text`
/// in the page's text box when given. Returns demo.mjs's report: `status` (the page's status
/// line), `result` (the JSON it shows) and `shown` (`scores`, `words`). Panics when Chromium or
/// the driver is missing: these tests must not pass vacuously.
fn drive(url: &str, wav: &Path, text: Option<&str>, trust_any_certificate: bool) -> Value {
    assert!(
        repo()
            .join("tests/browser/node_modules/puppeteer-core")
            .is_dir(),
        "puppeteer-core is not installed in tests/browser: run scripts/setup.sh"
    );
    let seconds = elocute_audio::read_audio(wav, Default::default())
        .unwrap()
        .len() as f64
        / 16_000.0
        + 0.5;
    let mut cmd = Command::new("node");
    cmd.current_dir(repo())
        .arg("tests/browser/demo.mjs")
        .args(["--url", url, "--wav"])
        .arg(wav)
        .args(["--seconds", &format!("{seconds:.2}")]);
    if let Some(text) = text {
        cmd.args(["--text", text]);
    }
    if trust_any_certificate {
        cmd.arg("--trust-any-certificate");
    }
    let out = cmd.output().expect("node (run scripts/setup.sh)");
    script_json("demo.mjs (needs chromium: run scripts/setup.sh)", &out)
}

/// `TEXT` read by espeak-ng after half a second of silence (a learner pressing Record, then
/// reading), as a 16 kHz WAV.
fn reading(dir: &Path) -> PathBuf {
    let speech = speak(dir, "speech", TEXT, 150);
    with_silence(dir, "reading", &speech, 0.5, 0.0)
}

/// The settings the demo page sends (see `demo.html`'s `send`).
fn page_config(text: &str) -> PronunciationAssessmentConfig {
    let mut c = PronunciationAssessmentConfig::from_json(
        r#"{"GradingSystem":"HundredMark","Granularity":"Phoneme","Dimension":"Comprehensive",
            "EnableMiscue":true,"EnableProsodyAssessment":true,"PhonemeAlphabet":"IPA"}"#,
    )
    .unwrap();
    c.reference_text = text.into();
    c
}

/// The page's result (REST layout) read right: every reference word found and said.
fn assert_read_right(page: &Value) {
    let r = &page["result"];
    assert_eq!(r["RecognitionStatus"], "Success", "{page}");
    let words: Vec<&str> = r["NBest"][0]["Words"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["Word"].as_str().unwrap())
        .collect();
    assert_eq!(words, lexical_words(TEXT), "{page}");
    for w in r["NBest"][0]["Words"].as_array().unwrap() {
        assert_ne!(w["ErrorType"], "Omission", "{w}");
        assert!(w["AccuracyScore"].as_f64().unwrap() >= 70.0, "{w}");
    }
    // What the learner sees: the words, and the scores rounded.
    assert_eq!(
        page["shown"]["words"].as_array().unwrap().len(),
        words.len()
    );
    let pron = r["NBest"][0]["PronScore"].as_f64().unwrap().round();
    let strip = page["shown"]["scores"].as_str().unwrap();
    assert!(strip.contains(&format!("Pronunciation {pron}")), "{strip}");
}

#[test]
fn the_demo_page_records_a_reading_and_shows_its_assessment() {
    let dir = tmpdir("browser-demo");
    let wav = reading(&dir);
    let url = format!("http://localhost:{}/demo", common::server().port());
    let page = drive(&url, &wav, None, false);
    assert_read_right(&page);

    // The browser's recording (resampled to 48 kHz, Opus-coded, its silence coded too) scores
    // as the file does in the library.
    let from_file = assessor().assess_file(&wav, &page_config(TEXT)).unwrap();
    let file = &from_file.nbest[0].pronunciation_assessment;
    let best = &page["result"]["NBest"][0];
    eprintln!(
        "browser: accuracy {}, fluency {}, PronScore {}; file: {} {} {:?}",
        best["AccuracyScore"],
        best["FluencyScore"],
        best["PronScore"],
        file.accuracy_score,
        file.fluency_score.unwrap(),
        file.pron_score
    );
    let accuracy = best["AccuracyScore"].as_f64().unwrap();
    assert!((accuracy - file.accuracy_score).abs() <= 6.0, "{best}");
    let fluency = best["FluencyScore"].as_f64().unwrap();
    assert!(
        (fluency - file.fluency_score.unwrap()).abs() <= 8.0,
        "{best}"
    );

    // The score comes from the audio: the same recording against another text is far lower.
    let other = "She sells sea shells by the sea shore.";
    let wrong = drive(&url, &wav, Some(other), false);
    let wrong_accuracy = wrong["result"]["NBest"][0]["AccuracyScore"]
        .as_f64()
        .unwrap();
    assert!(wrong_accuracy + 25.0 < accuracy, "{wrong}");
}

/// From another machine (`lan.test`, which is not localhost) the browser gives the page the
/// microphone only over HTTPS: over http:// the page says so and suggests `elocute cert`; over
/// https:// with that certificate it records and assesses.
#[test]
fn another_machine_gets_the_microphone_over_https_only() {
    let dir = tmpdir("browser-https");
    let wav = reading(&dir);
    let plain = drive(
        &format!("http://lan.test:{}/demo", common::server().port()),
        &wav,
        None,
        false,
    );
    let status = plain["status"].as_str().unwrap();
    assert!(
        status.contains("needs HTTPS") && status.contains("elocute cert"),
        "{plain}"
    );
    assert!(plain["result"].is_null(), "{plain}");

    let cert = self_signed(&["lan.test".into()]).unwrap();
    let (server, _running) = common::start_tls(cert.tls_config().unwrap(), 1, None);
    let page = drive(
        &format!("https://lan.test:{}/demo", server.local_addr().port()),
        &wav,
        None,
        true,
    );
    assert_read_right(&page);
}

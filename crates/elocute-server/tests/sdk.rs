//! The Speech SDK's websocket protocol, driven by Microsoft's Speech SDK for
//! JavaScript itself (`tests/sdk-js`, installed by `scripts/setup.sh`) as an
//! app would drive the cloud, and by hand through `SdkSession`.

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{server, start};
use elocute::{
    Assessor, ContinuousOptions, Dimension, GradingSystem, PronunciationAssessmentConfig,
};
use elocute_server::sdk::{phrase_json, sdk_settings, SdkReply, SdkSession};
use elocute_server::{Service, ServiceOptions};
use elocute_tests::{
    assessor, lexical_words, script_json, speak, tmpdir, two_sentence_reading, TWO_SENTENCES,
};
use serde_json::Value;

const INTERACTIVE: &str = "/speech/recognition/interactive/cognitiveservices/v1";
const CONVERSATION: &str = "/speech/recognition/conversation/cognitiveservices/v1";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Microsoft's two Speech SDKs the tests drive: JavaScript (`tests/sdk-js`,
/// npm) and Python (`tests/sdk-py`, PyPI; its core is the C++ SDK's).
#[derive(Debug, Clone, Copy)]
enum Sdk {
    Js,
    Py,
}

/// Run the SDK's recognize script: `recognizeOnceAsync` (`once`) or continuous
/// recognition of `wav` against `text`, HundredMark, Phoneme, miscue and
/// prosody on. JavaScript connects to `ws://addr` + `path` (`fromEndpoint`),
/// Python to the host `ws://addr`, choosing the path itself. `args`: the mode,
/// then optionally the key and a JSON object of SDK properties. Panics when
/// the SDK is missing: these tests must not pass vacuously.
fn run(sdk: Sdk, addr: SocketAddr, path: &str, wav: &Path, text: &str, args: &[&str]) -> Value {
    run_over(sdk, "ws", &[], addr, path, wav, text, args)
}

/// [`run`] with this URL scheme (`ws` or `wss`) and these environment variables.
#[allow(clippy::too_many_arguments)]
fn run_over(
    sdk: Sdk,
    scheme: &str,
    env: &[(&str, &Path)],
    addr: SocketAddr,
    path: &str,
    wav: &Path,
    text: &str,
    args: &[&str],
) -> Value {
    let (program, script, target) = match sdk {
        Sdk::Js => {
            assert!(
                repo()
                    .join("tests/sdk-js/node_modules/microsoft-cognitiveservices-speech-sdk")
                    .is_dir(),
                "the Speech SDK for JavaScript is not installed in tests/sdk-js: run scripts/setup.sh"
            );
            (
                "node".into(),
                "tests/sdk-js/recognize.mjs",
                format!("{scheme}://{addr}{path}"),
            )
        }
        Sdk::Py => {
            let python = repo().join(".venv-sdk/bin/python");
            assert!(
                python.exists(),
                "the Speech SDK for Python is not installed in .venv-sdk: run scripts/setup.sh"
            );
            (
                python,
                "tests/sdk-py/recognize.py",
                format!("{scheme}://{addr}"),
            )
        }
    };
    let out = Command::new(program)
        .envs(env.iter().copied())
        .current_dir(repo())
        .arg(script)
        .args([&target, wav.to_str().unwrap(), text])
        .args(args)
        .output()
        .expect("the SDK's runtime (run scripts/setup.sh)");
    script_json(script, &out)
}

/// The config the SDK sends for recognize.mjs's settings.
fn sdk_config(text: &str) -> PronunciationAssessmentConfig {
    PronunciationAssessmentConfig {
        reference_text: text.into(),
        grading_system: GradingSystem::HundredMark,
        enable_miscue: true,
        enable_prosody_assessment: true,
        dimension: Dimension::Comprehensive,
        ..Default::default()
    }
}

/// JSON with every number as f64 and the per-result `Id` removed: the SDK
/// re-serialises what it received (100.0 becomes 100).
fn norm(v: &Value) -> Value {
    match v {
        Value::Number(n) => Value::from(n.as_f64().unwrap()),
        Value::Array(a) => Value::Array(a.iter().map(norm).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .filter(|(k, _)| k.as_str() != "Id")
                .map(|(k, v)| (k.clone(), norm(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn good_morning() -> &'static PathBuf {
    static WAV: OnceLock<PathBuf> = OnceLock::new();
    WAV.get_or_init(|| {
        speak(
            &tmpdir("sdk"),
            "gm",
            "Good morning. How are you today?",
            150,
        )
    })
}

/// [`two_sentence_reading`] (16 kHz, a 2 s pause) and its first sentence alone.
fn readings() -> &'static (PathBuf, PathBuf) {
    static WAV: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    WAV.get_or_init(|| two_sentence_reading(&tmpdir("sdk-long")))
}

fn long_reading() -> &'static PathBuf {
    &readings().0
}

#[test]
fn recognize_once_gives_the_librarys_assessment() {
    let text = "Good morning. How are you today?";
    let got = run(
        Sdk::Js,
        server(),
        INTERACTIVE,
        good_morning(),
        text,
        &["once", "k"],
    );
    assert_eq!(got["reason"], "RecognizedSpeech", "{got}");
    assert_eq!(got["phrases"].as_array().unwrap().len(), 1);
    let want = assessor()
        .assess_file(good_morning(), &sdk_config(text))
        .unwrap();
    assert_eq!(norm(&got["phrases"][0]), norm(&phrase_json(&want)));
    // What an app reads through PronunciationAssessmentResult.
    let s = &got["scores"][0];
    let t = &want.nbest[0].pronunciation_assessment;
    for (key, value) in [
        ("accuracy", Some(t.accuracy_score)),
        ("fluency", t.fluency_score),
        ("completeness", t.completeness_score),
        ("pron", t.pron_score),
    ] {
        assert_eq!(s[key].as_f64(), value, "{key}: {s}");
    }
    assert!(s["prosody"].as_f64().is_some(), "{s}");
    assert_eq!(s["text"], text);

    // Another sentence read for this one scores lower, through the SDK too.
    let wrong = run(
        Sdk::Js,
        server(),
        INTERACTIVE,
        good_morning(),
        "I would like a cup of coffee, please.",
        &["once", "k"],
    );
    let (right, wrong) = (
        s["accuracy"].as_f64().unwrap(),
        wrong["scores"][0]["accuracy"].as_f64().unwrap(),
    );
    assert!(wrong + 20.0 < right, "wrong text {wrong} vs right {right}");
}

#[test]
fn continuous_recognition_gives_one_phrase_per_segment() {
    let text = TWO_SENTENCES.join(" ");
    let got = run(
        Sdk::Js,
        server(),
        CONVERSATION,
        long_reading(),
        &text,
        &["continuous", "k"],
    );
    assert!(got["error"].is_null(), "{got}");
    let phrases = got["phrases"].as_array().unwrap();
    let want = assessor()
        .assess_continuous_file(
            long_reading(),
            &sdk_config(&text),
            ContinuousOptions::default(),
        )
        .unwrap();
    assert_eq!(phrases.len(), 2, "{got}");
    assert_eq!(want.segments.len(), 2);
    for (p, w) in phrases.iter().zip(&want.segments) {
        assert_eq!(norm(p), norm(&phrase_json(w)));
    }
    for (p, sentence) in phrases.iter().zip(TWO_SENTENCES) {
        assert_eq!(p["DisplayText"], sentence);
    }
    let end0 = phrases[0]["Offset"].as_u64().unwrap() + phrases[0]["Duration"].as_u64().unwrap();
    assert!(
        end0 + 10_000_000 < phrases[1]["Offset"].as_u64().unwrap(),
        "the 2 s pause lies between"
    );
}

#[test]
fn recognize_once_ends_the_utterance_at_the_end_silence() {
    let text = TWO_SENTENCES.join(" ");
    let first_sentence_end = {
        let a = elocute_audio::read_audio(&readings().1, Default::default()).unwrap();
        a.len() as u64 * 10_000_000 / 16_000
    };
    // The 2 s pause ends the utterance at 1 s of end silence, as on the service:
    // only the first sentence's audio is assessed in this turn.
    let short = run(
        Sdk::Js,
        server(),
        &format!("{INTERACTIVE}?endSilenceTimeoutMs=1000"),
        long_reading(),
        &text,
        &["once", "k"],
    );
    let end = |v: &Value| {
        let words = v["phrases"][0]["NBest"][0]["Words"].as_array().unwrap();
        // Omitted words sit at the end with no duration: the end of what was heard.
        words
            .iter()
            .filter(|w| w["Duration"].as_u64() > Some(0))
            .map(|w| w["Offset"].as_u64().unwrap() + w["Duration"].as_u64().unwrap())
            .max()
            .unwrap()
    };
    assert!(end(&short) <= first_sentence_end + 1_000_000, "{short}");
    // With miscue on, the sentence not yet heard is omitted word by word.
    let words = short["phrases"][0]["NBest"][0]["Words"].as_array().unwrap();
    let first = TWO_SENTENCES[0].split_whitespace().count();
    let error = |w: &Value| w["PronunciationAssessment"]["ErrorType"].clone();
    assert!(words[..first].iter().all(|w| error(w) == "None"), "{short}");
    assert!(
        words[first..].iter().all(|w| error(w) == "Omission"),
        "{short}"
    );
    // With the default (5 s) the pause is inside one utterance: both sentences are heard.
    let whole = run(
        Sdk::Js,
        server(),
        INTERACTIVE,
        long_reading(),
        &text,
        &["once", "k"],
    );
    assert!(end(&whole) > first_sentence_end + 20_000_000, "{whole}");
    let completeness = |v: &Value| v["scores"][0]["completeness"].as_f64().unwrap();
    assert_eq!(completeness(&whole), 100.0, "{whole}");
    assert!(completeness(&short) < 50.0, "{short}");
}

#[test]
fn refusals_reach_the_app_as_cancellations() {
    let guarded = start(ServiceOptions {
        api_key: Some("secret".into()),
        ..Default::default()
    });
    let text = "Good morning. How are you today?";
    let denied = run(
        Sdk::Js,
        guarded,
        INTERACTIVE,
        good_morning(),
        text,
        &["once", "wrong"],
    );
    assert_eq!(denied["reason"], "Canceled", "{denied}");
    assert!(
        denied["error"].as_str().unwrap().contains("401"),
        "{denied}"
    );
    let allowed = run(
        Sdk::Js,
        guarded,
        INTERACTIVE,
        good_morning(),
        text,
        &["once", "secret"],
    );
    assert_eq!(allowed["reason"], "RecognizedSpeech", "{allowed}");
    // An access token from the token endpoint, as apps that keep the key on their backend use.
    let token = {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(guarded).unwrap();
        write!(
            s,
            "POST /sts/v1.0/issueToken HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             Ocp-Apim-Subscription-Key: secret\r\nContent-Length: 0\r\n\r\n"
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        raw.split_once("\r\n\r\n").unwrap().1.to_string()
    };
    for (token, reason) in [
        (token.as_str(), "RecognizedSpeech"),
        ("elocute-forged", "Canceled"),
    ] {
        let got = run(
            Sdk::Js,
            guarded,
            INTERACTIVE,
            good_morning(),
            text,
            &["once", &format!("token:{token}")],
        );
        assert_eq!(got["reason"], reason, "{got}");
    }

    assert_unscripted_refused(Sdk::Js);
}

/// An empty reference text reaches the app as a cancellation naming unscripted assessment.
fn assert_unscripted_refused(sdk: Sdk) {
    let empty = run(
        sdk,
        server(),
        INTERACTIVE,
        good_morning(),
        "",
        &["once", "k"],
    );
    assert_eq!(empty["reason"], "Canceled", "{sdk:?}: {empty}");
    assert!(
        empty["error"].as_str().unwrap().contains("unscripted"),
        "{sdk:?}: {empty}"
    );
}

// ---- the protocol by hand, without a socket ----

fn service() -> &'static Service {
    static S: OnceLock<Service> = OnceLock::new();
    S.get_or_init(|| {
        Service::new(
            Assessor::with_default_model().unwrap(),
            ServiceOptions::default(),
        )
    })
}

fn context(text: &str) -> String {
    let pa = serde_json::json!({"phraseDetection": {"enrichment": {"pronunciationAssessment": {
        "referenceText": text, "gradingSystem": "HundredMark", "granularity": "Phoneme",
        "dimension": "Comprehensive", "enableMiscue": false}}}});
    format!("Path: speech.context\r\nX-RequestId: R1\r\nContent-Type: application/json\r\n\r\n{pa}")
}

fn audio(body: &[u8]) -> Vec<u8> {
    let head = b"Path: audio\r\nX-RequestId: R1\r\n";
    let mut f = vec![0, head.len() as u8];
    f.extend_from_slice(head);
    f.extend_from_slice(body);
    f
}

/// The turn's text frames as (path, JSON body).
fn frames(replies: Vec<SdkReply>) -> Vec<(String, Value)> {
    replies
        .into_iter()
        .map(|r| match r {
            SdkReply::Text(t) => {
                let (head, body) = t.split_once("\r\n\r\n").unwrap();
                assert!(head.contains("X-RequestId: R1"), "{head}");
                let path = head
                    .lines()
                    .next()
                    .unwrap()
                    .trim_start_matches("Path: ")
                    .to_string();
                (path, serde_json::from_str(body).unwrap())
            }
            SdkReply::Close(code, reason) => panic!("closed {code}: {reason}"),
        })
        .collect()
}

/// Stream a WAV file's bytes in `chunk`-byte audio messages, then the end.
fn stream(session: &mut SdkSession, text: &str, wav: &[u8], chunk: usize) -> Vec<(String, Value)> {
    let mut out = frames(session.on_text(&context(text)));
    for c in wav[..44].chunks(44).chain(wav[44..].chunks(chunk)) {
        out.extend(frames(session.on_binary(&audio(c))));
    }
    out.extend(frames(session.on_binary(&audio(&[]))));
    out
}

#[test]
fn session_answers_as_the_service_whatever_the_chunk_size() {
    // 16 kHz; other rates are resampled as they come (`continuous_recognition_at_any_rate`).
    let wav = std::fs::read(long_reading()).unwrap();
    let text = TWO_SENTENCES.join(" ");
    let settings = sdk_settings(INTERACTIVE).unwrap();
    let mut first = None;
    for chunk in [3201, 1000, 77] {
        let mut s = SdkSession::new(service(), settings.clone());
        let got = stream(&mut s, &text, &wav, chunk);
        let paths: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "turn.start",
                "speech.startDetected",
                "speech.phrase",
                "speech.endDetected",
                "turn.end"
            ]
        );
        let phrase = norm(&got[2].1);
        assert_eq!(phrase["RecognitionStatus"], "Success");
        match &first {
            None => first = Some(phrase),
            Some(f) => assert_eq!(&phrase, f, "chunk {chunk}"),
        }
    }
}

#[test]
fn session_refuses_clearly_and_survives_garbage() {
    let settings = sdk_settings(INTERACTIVE).unwrap();
    let wav = std::fs::read(good_morning()).unwrap();
    // Audio before any assessment config: a close the SDK reports, naming the fix.
    let mut s = SdkSession::new(service(), settings.clone());
    match s.on_binary(&audio(&wav[..2000])).last() {
        Some(SdkReply::Close(1007, reason)) => {
            assert!(reason.contains("PronunciationAssessmentConfig"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    // Broken frames close with 1007 instead of panicking.
    for bad in [&[][..], &[0, 200, b'P'][..], &[0xff][..]] {
        assert!(matches!(
            s.on_binary(bad).last(),
            Some(SdkReply::Close(1007, _))
        ));
    }
    assert!(matches!(
        s.on_text("no blank line").last(),
        Some(SdkReply::Close(1007, _))
    ));
    let mut bad_key = context("Good morning.").replace("\"granularity\"", "\"granularty\"");
    match SdkSession::new(service(), settings.clone())
        .on_text(&bad_key)
        .last()
    {
        Some(SdkReply::Close(1007, reason)) => assert!(reason.contains("granularty"), "{reason}"),
        other => panic!("{other:?}"),
    }
    bad_key.clear();
    // A rate no resampler takes.
    let mut s = SdkSession::new(service(), sdk_settings(CONVERSATION).unwrap());
    s.on_text(&context("Good morning."));
    let mut header = wav[..44].to_vec();
    header[24..28].copy_from_slice(&1_000_000u32.to_le_bytes());
    match s.on_binary(&audio(&header)).last() {
        Some(SdkReply::Close(1007, reason)) => assert!(reason.contains("1000000 Hz"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // After a turn ends, late audio for it is dropped without a second answer.
    let mut s = SdkSession::new(service(), settings);
    let got = stream(&mut s, "Good morning. How are you today?", &wav, 3200);
    assert_eq!(got.last().unwrap().0, "turn.end");
    assert!(s.on_binary(&audio(&wav[44..3244])).is_empty());
    // A new turn with no audio at all (the SDKs open one as they stop) ends quietly.
    let next = |m: &[u8]| {
        let mut f = m.to_vec();
        let at = f.windows(2).position(|w| w == b"R1").unwrap();
        f[at + 1] = b'2';
        f
    };
    let replies = s.on_binary(&next(&audio(&[])));
    let paths: Vec<String> = replies
        .iter()
        .map(|r| match r {
            SdkReply::Text(t) => t.lines().next().unwrap().to_string(),
            SdkReply::Close(code, reason) => panic!("closed {code}: {reason}"),
        })
        .collect();
    assert_eq!(
        paths,
        [
            "Path: turn.start",
            "Path: speech.endDetected",
            "Path: turn.end"
        ]
    );
}

#[test]
fn python_sdk_gets_the_same_assessments() {
    let text = "Good morning. How are you today?";
    let once = run(
        Sdk::Py,
        server(),
        INTERACTIVE,
        good_morning(),
        text,
        &["once", "k"],
    );
    assert_eq!(once["reason"], "RecognizedSpeech", "{once}");
    let want = assessor()
        .assess_file(good_morning(), &sdk_config(text))
        .unwrap();
    assert_eq!(norm(&once["phrases"][0]), norm(&phrase_json(&want)));
    let t = &want.nbest[0].pronunciation_assessment;
    assert_eq!(
        once["scores"][0]["accuracy"].as_f64(),
        Some(t.accuracy_score)
    );
    assert_eq!(once["scores"][0]["pron"].as_f64(), t.pron_score);

    let long = TWO_SENTENCES.join(" ");
    let cont = run(
        Sdk::Py,
        server(),
        CONVERSATION,
        long_reading(),
        &long,
        &["continuous", "k"],
    );
    assert!(cont["error"].is_null(), "{cont}");
    let want = assessor()
        .assess_continuous_file(
            long_reading(),
            &sdk_config(&long),
            ContinuousOptions::default(),
        )
        .unwrap();
    let phrases = cont["phrases"].as_array().unwrap();
    assert_eq!(phrases.len(), want.segments.len(), "{cont}");
    for (p, w) in phrases.iter().zip(&want.segments) {
        assert_eq!(norm(p), norm(&phrase_json(w)));
    }

    assert_unscripted_refused(Sdk::Py);
}

/// The two-sentence reading at 22.05 kHz, as an app pushing its own format would send it.
fn long_reading_22k() -> &'static PathBuf {
    static WAV: OnceLock<PathBuf> = OnceLock::new();
    WAV.get_or_init(|| {
        let wav22 = long_reading().with_file_name("long22.wav");
        let ok = Command::new("sox")
            .arg(long_reading())
            .args(["-r", "22050"])
            .arg(&wav22)
            .status()
            .expect("sox (run scripts/setup.sh)");
        assert!(ok.success());
        wav22
    })
}

/// Continuous recognition of audio at another rate than 16 kHz: resampled as it arrives, sample
/// for sample as the whole file is, so the phrases are the library's continuous segments of the
/// same file whatever the chunk size.
#[test]
fn continuous_recognition_at_any_rate() {
    let wav = std::fs::read(long_reading_22k()).unwrap();
    assert_eq!(u32::from_le_bytes(wav[24..28].try_into().unwrap()), 22050);
    let text = TWO_SENTENCES.join(" ");
    let config = PronunciationAssessmentConfig {
        reference_text: text.clone(),
        grading_system: GradingSystem::HundredMark,
        dimension: Dimension::Comprehensive,
        ..Default::default()
    };
    let want = assessor()
        .assess_continuous_file(long_reading_22k(), &config, ContinuousOptions::default())
        .unwrap();
    assert_eq!(want.segments.len(), 2);
    for chunk in [4410, 1003] {
        let mut s = SdkSession::new(service(), sdk_settings(CONVERSATION).unwrap());
        let got = stream(&mut s, &text, &wav, chunk);
        let phrases: Vec<&Value> = got
            .iter()
            .filter(|(p, _)| p == "speech.phrase")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(phrases.len(), 2, "chunk {chunk}");
        for (p, w) in phrases.iter().zip(&want.segments) {
            assert_eq!(norm(p), norm(&phrase_json(w)), "chunk {chunk}");
        }
    }
    // And through the SDK, which reads the file's format from its header and sends it on.
    let got = run(
        Sdk::Js,
        server(),
        CONVERSATION,
        long_reading_22k(),
        &text,
        &["continuous", "k"],
    );
    assert!(got["error"].is_null(), "{got}");
    let want = assessor()
        .assess_continuous_file(
            long_reading_22k(),
            &sdk_config(&text),
            ContinuousOptions::default(),
        )
        .unwrap();
    let phrases = got["phrases"].as_array().unwrap();
    assert_eq!(phrases.len(), 2, "{got}");
    for (p, w) in phrases.iter().zip(&want.segments) {
        assert_eq!(norm(p), norm(&phrase_json(w)));
    }
}

#[test]
fn session_finds_the_end_of_an_utterance_at_any_rate() {
    let wav = std::fs::read(long_reading_22k()).unwrap();
    assert_eq!(u32::from_le_bytes(wav[24..28].try_into().unwrap()), 22050);
    let text = TWO_SENTENCES.join(" ");
    let settings = sdk_settings(&format!("{INTERACTIVE}?endSilenceTimeoutMs=1000")).unwrap();
    let mut s = SdkSession::new(service(), settings);
    let miscue = context(&text).replace("\"enableMiscue\":false", "\"enableMiscue\":true");
    assert_ne!(miscue, context(&text));
    let mut got = frames(s.on_text(&miscue));
    got.extend(frames(s.on_binary(&audio(&wav[..44]))));
    // The turn ends inside the 2 s pause, before the audio does.
    let mut ended_at = None;
    for (i, c) in wav[44..].chunks(4410).enumerate() {
        got.extend(frames(s.on_binary(&audio(c))));
        if got.last().is_some_and(|(p, _)| p == "turn.end") {
            ended_at = Some(i);
            break;
        }
    }
    let ended_at = ended_at.expect("the utterance ended at the pause");
    assert!(
        ended_at * 4410 < wav.len() - 44 - 4410 * 10,
        "ended at chunk {ended_at}"
    );
    let phrase = &got.iter().find(|(p, _)| p == "speech.phrase").unwrap().1;
    let words = phrase["NBest"][0]["Words"].as_array().unwrap();
    let first = TWO_SENTENCES[0].split_whitespace().count();
    let error = |w: &Value| w["PronunciationAssessment"]["ErrorType"].clone();
    assert!(
        words[..first].iter().all(|w| error(w) == "None"),
        "{phrase}"
    );
    assert!(
        words[first..].iter().all(|w| error(w) == "Omission"),
        "{phrase}"
    );
}

#[test]
fn sdk_timeout_properties_reach_the_server() {
    // Two sentences 1 s apart: one segment at the default 1.5 s, two at 500 ms.
    let dir = tmpdir("sdk-props");
    let parts = [
        speak(&dir, "a", TWO_SENTENCES[0], 150),
        speak(&dir, "b", TWO_SENTENCES[1], 150),
    ];
    let wav = elocute_tests::join_with_pauses(&dir, "short-pause", &parts, 1.0);
    let text = TWO_SENTENCES.join(" ");
    let seg = r#"{"Speech_SegmentationSilenceTimeoutMs": "500"}"#;
    for sdk in [Sdk::Js, Sdk::Py] {
        let count = |props: &str| {
            let got = run(
                sdk,
                server(),
                CONVERSATION,
                &wav,
                &text,
                &["continuous", "k", props],
            );
            assert!(got["error"].is_null(), "{sdk:?}: {got}");
            got["phrases"].as_array().unwrap().len()
        };
        assert_eq!(count("{}"), 1, "{sdk:?}");
        assert_eq!(count(seg), 2, "{sdk:?}");
    }
    // The end silence of recognizeOnce, set as an SDK property (Python's core sends it in the URL).
    let end = r#"{"SpeechServiceConnection_EndSilenceTimeoutMs": "1000"}"#;
    for (props, whole) in [("{}", true), (end, false)] {
        let got = run(
            Sdk::Py,
            server(),
            INTERACTIVE,
            long_reading(),
            &text,
            &["once", "k", props],
        );
        let completeness = got["scores"][0]["completeness"].as_f64().unwrap();
        assert_eq!(completeness == 100.0, whole, "{props}: {got}");
    }
}

/// `tests/sdk-js/hold.mjs`: one recognizer of the sample (16 kHz, the push stream's format),
/// kept open between two recognitions.
struct HeldApp {
    child: std::process::Child,
    lines: std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
}

impl HeldApp {
    fn start(addr: SocketAddr) -> Self {
        assert!(
            repo()
                .join("tests/sdk-js/node_modules/microsoft-cognitiveservices-speech-sdk")
                .is_dir(),
            "the Speech SDK for JavaScript is not installed in tests/sdk-js: run scripts/setup.sh"
        );
        let wav = repo().join("samples/good_morning.wav");
        let mut child = Command::new("node")
            .current_dir(repo())
            .arg("tests/sdk-js/hold.mjs")
            .args([
                &format!("ws://{addr}{INTERACTIVE}"),
                wav.to_str().unwrap(),
                "Good morning. How are you today?",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("node (run scripts/setup.sh)");
        let stdout = child.stdout.take().unwrap();
        use std::io::BufRead;
        HeldApp {
            child,
            lines: std::io::BufReader::new(stdout).lines(),
        }
    }

    fn next(&mut self) -> Value {
        let line = self.lines.next().expect("hold.mjs printed a line").unwrap();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }

    /// The first recognition's result, which must be an assessment.
    fn first(&mut self) -> Value {
        let first = self.next();
        assert_eq!(first["reason"], "RecognizedSpeech", "{first}");
        first
    }

    /// The second recognition on the same recognizer, then the app's exit.
    fn again(mut self) -> Value {
        use std::io::Write;
        writeln!(self.child.stdin.as_mut().unwrap(), "again").unwrap();
        let second = self.next();
        assert!(self.child.wait().unwrap().success());
        assert_eq!(second["reason"], "RecognizedSpeech", "{second}");
        second
    }
}

/// An app keeps its recognizer, and so its websocket, open between recognitions (for a lesson,
/// say): that must not hold one of the server's workers. With one worker, a REST request is
/// answered while the SDK connection idles, and the app's next recognition on the same connection
/// gives the same assessment as its first.
#[test]
fn an_open_sdk_connection_holds_no_worker() {
    use base64::Engine as _;
    use std::io::{Read, Write};
    let addr = common::start_workers(ServiceOptions::default(), 1);
    let wav = repo().join("samples/good_morning.wav");
    let text = "Good morning. How are you today?";
    let mut app = HeldApp::start(addr);
    let first = app.first();

    let body = std::fs::read(&wav).unwrap();
    let settings = base64::engine::general_purpose::STANDARD.encode(format!(
        r#"{{"ReferenceText":"{text}","GradingSystem":"HundredMark"}}"#
    ));
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(60)))
        .unwrap();
    write!(
        s,
        "POST {CONVERSATION}?language=en-US&format=detailed HTTP/1.1\r\nHost: localhost\r\n\
         Connection: close\r\nContent-Type: audio/wav\r\nPronunciation-Assessment: {settings}\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    s.write_all(&body).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer)
        .expect("the REST answer while the SDK connection is open");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let (_, json) = answer.split_once("\r\n\r\n").unwrap();
    let rest: Value = serde_json::from_str(json).unwrap();
    let rest_accuracy = rest["NBest"][0]["AccuracyScore"].as_f64().unwrap();

    let second = app.again();
    let (a1, a2) = (
        first["accuracy"].as_f64().unwrap(),
        second["accuracy"].as_f64().unwrap(),
    );
    eprintln!("SDK accuracy {a1} then {a2}; REST {rest_accuracy}");
    // The turns hear the recording with different stretches of the fed silence around it.
    assert!((a1 - a2).abs() <= 5.0, "{first} {second}");
    assert!((a1 - rest_accuracy).abs() <= 5.0, "{first} {rest}");
    assert!(a1 >= 80.0, "{first}");
}

/// Interim results (`speech.hypothesis`, the SDK's `recognizing` events): the reference words
/// read so far, while the audio comes as a microphone gives it; none for audio sent at once,
/// and the final phrase is the same with or without them.
#[test]
fn live_audio_gets_interim_results() {
    use elocute_server::sdk::Hypotheses;
    let wav = std::fs::read(long_reading()).unwrap();
    let text = TWO_SENTENCES.join(" ");
    let reference = lexical_words(&text);
    let settings = sdk_settings(INTERACTIVE).unwrap();
    let mut phrase = None;
    for policy in [Hypotheses::Always, Hypotheses::Live, Hypotheses::Off] {
        let mut s = SdkSession::new(service(), settings.clone()).with_hypotheses(policy);
        let got = stream(&mut s, &text, &wav, 3200);
        let texts: Vec<&str> = got
            .iter()
            .filter(|(p, _)| p == "speech.hypothesis")
            .map(|(_, v)| v["Text"].as_str().unwrap())
            .collect();
        let paths: Vec<&str> = got.iter().map(|(p, _)| p.as_str()).collect();
        let at = |p: &str| paths.iter().position(|&q| q == p).unwrap();
        assert!(
            at("speech.startDetected") < at("speech.phrase"),
            "{paths:?}"
        );
        match policy {
            Hypotheses::Always => {
                assert!(texts.len() >= 2, "{texts:?}");
                for t in &texts {
                    let words: Vec<&str> = t.split(' ').collect();
                    assert_eq!(
                        words,
                        reference[..words.len()],
                        "{t:?} is a prefix of the text"
                    );
                }
                assert!(texts.iter().any(|t| t.split(' ').count() < reference.len()));
                assert!(at("speech.hypothesis") < at("speech.phrase"));
                for (_, v) in got.iter().filter(|(p, _)| p == "speech.hypothesis") {
                    let end = v["Offset"].as_u64().unwrap() + v["Duration"].as_u64().unwrap();
                    assert!(end <= wav.len() as u64 / 2 * 10_000_000 / 16_000, "{v}");
                }
            }
            // Streamed far faster than it was spoken: a file, not a microphone.
            _ => assert!(texts.is_empty(), "{policy:?}: {texts:?}"),
        }
        let p = norm(&got[at("speech.phrase")].1);
        match &phrase {
            None => phrase = Some(p),
            Some(first) => assert_eq!(&p, first, "{policy:?}"),
        }
    }
    // Through the SDK, pushing a recording at real-time pace.
    let sample = repo().join("samples/good_morning.wav");
    let out = Command::new("node")
        .current_dir(repo())
        .arg("tests/sdk-js/live.mjs")
        .args([
            &format!("ws://{}{INTERACTIVE}", server()),
            sample.to_str().unwrap(),
            "Good morning. How are you today?",
        ])
        .output()
        .expect("node (run scripts/setup.sh)");
    let got: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert!(out.status.success(), "{got}");
    assert_eq!(got["reason"], "RecognizedSpeech", "{got}");
    let recognizing = got["recognizing"].as_array().unwrap();
    assert!(!recognizing.is_empty(), "{got}");
    let all = ["good", "morning", "how", "are", "you", "today"];
    for t in recognizing {
        let words: Vec<&str> = t.as_str().unwrap().split(' ').collect();
        assert_eq!(words, all[..words.len()], "{got}");
    }
    assert!(got["accuracy"].as_f64().unwrap() >= 80.0, "{got}");
}

/// Continuous recognition's interim results: the words of the audio no phrase has covered yet
/// (the segment waiting for the next one, and the one in progress), so a live reading's text can
/// be followed while its phrases come one segment late. The phrases are the same with or without.
#[test]
fn continuous_live_audio_gets_interim_results() {
    use elocute_server::sdk::Hypotheses;
    let wav = std::fs::read(long_reading()).unwrap();
    let text = TWO_SENTENCES.join(" ");
    let reference = lexical_words(&text);
    let second = lexical_words(TWO_SENTENCES[1]);
    let settings = sdk_settings(CONVERSATION).unwrap();
    let mut phrases = None;
    for policy in [Hypotheses::Always, Hypotheses::Off] {
        let mut s = SdkSession::new(service(), settings.clone()).with_hypotheses(policy);
        let got = stream(&mut s, &text, &wav, 3200);
        let mut seen = 0;
        let mut texts = Vec::new();
        for (path, v) in &got {
            match path.as_str() {
                "speech.phrase" => seen += 1,
                "speech.hypothesis" => texts.push((seen, v["Text"].as_str().unwrap().to_string())),
                _ => {}
            }
        }
        if policy == Hypotheses::Always {
            assert!(texts.len() >= 3, "{texts:?}");
            for (before, t) in &texts {
                // Before the first phrase: a prefix of the text; after it: of the second sentence.
                let expected = if *before == 0 { &reference } else { &second };
                let w: Vec<String> = t.split(' ').map(String::from).collect();
                assert_eq!(w, expected[..w.len()], "{t:?} after {before} phrases");
            }
            assert!(
                texts
                    .iter()
                    .any(|(b, t)| *b == 0 && t.ends_with("coffee please")),
                "the second sentence is followed before the first phrase comes: {texts:?}"
            );
        } else {
            assert!(texts.is_empty());
        }
        let these: Vec<Value> = got
            .iter()
            .filter(|(p, _)| p == "speech.phrase")
            .map(|(_, v)| norm(v))
            .collect();
        assert_eq!(these.len(), 2);
        match &phrases {
            None => phrases = Some(these),
            Some(first) => assert_eq!(&these, first),
        }
    }
    // Through the SDK, the reading pushed at real-time pace.
    let out = Command::new("node")
        .current_dir(repo())
        .arg("tests/sdk-js/live.mjs")
        .args([
            &format!("ws://{}{CONVERSATION}", server()),
            long_reading().to_str().unwrap(),
            &text,
            "continuous",
        ])
        .output()
        .expect("node (run scripts/setup.sh)");
    let got: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert!(out.status.success() && got["error"].is_null(), "{got}");
    assert_eq!(got["recognized"].as_array().unwrap().len(), 2, "{got}");
    let recognizing = got["recognizing"].as_array().unwrap();
    assert!(
        recognizing
            .iter()
            .any(|t| t.as_str().unwrap().starts_with("0:good morning")),
        "{got}"
    );
}

/// The server closes a websocket the app left idle (after 1 s here, 5 minutes by default); the
/// SDK opens a new one at its next recognition, so the app does not notice.
#[test]
fn an_idle_connection_closed_by_the_server_is_reopened_by_the_sdk() {
    let (server, _running) = common::start_server(
        ServiceOptions::default(),
        1,
        Some(std::time::Duration::from_secs(1)),
    );
    let mut app = HeldApp::start(server.local_addr());
    let first = app.first();
    // Idle for three times the timeout: the server has closed the connection.
    std::thread::sleep(std::time::Duration::from_secs(3));
    let second = app.again();
    let (a1, a2) = (
        first["accuracy"].as_f64().unwrap(),
        second["accuracy"].as_f64().unwrap(),
    );
    assert!((a1 - a2).abs() <= 5.0, "{first} {second}");
}

#[test]
fn both_sdks_recognize_over_wss_with_a_certificate_they_are_told_to_trust() {
    let made = elocute_server::tls::self_signed(&["127.0.0.1".into()]).unwrap();
    let dir = tmpdir("sdk-tls");
    let cert = dir.join("cert.pem");
    std::fs::write(&cert, &made.cert_pem).unwrap();
    let addr = common::start_tls(made.tls_config().unwrap(), 2, None)
        .0
        .local_addr();

    let text = "Good morning. How are you today?";
    let want = assessor()
        .assess_file(good_morning(), &sdk_config(text))
        .unwrap();
    // Node trusts extra certificates from a file; the C++ core (Python) from a property.
    let properties = serde_json::json!({
        "OPENSSL_SINGLE_TRUSTED_CERT": made.cert_pem,
        "OPENSSL_SINGLE_TRUSTED_CERT_CRL_CHECK": "false",
    })
    .to_string();
    for (sdk, env, args) in [
        (
            Sdk::Js,
            vec![("NODE_EXTRA_CA_CERTS", cert.as_path())],
            vec!["once", "k"],
        ),
        (Sdk::Py, vec![], vec!["once", "k", properties.as_str()]),
    ] {
        let got = run_over(
            sdk,
            "wss",
            &env,
            addr,
            INTERACTIVE,
            good_morning(),
            text,
            &args,
        );
        assert_eq!(got["reason"], "RecognizedSpeech", "{sdk:?}: {got}");
        assert_eq!(
            norm(&got["phrases"][0]),
            norm(&phrase_json(&want)),
            "{sdk:?}"
        );
    }
    // Without being told to trust it, the SDK refuses the server.
    let untrusting = run_over(
        Sdk::Js,
        "wss",
        &[],
        addr,
        INTERACTIVE,
        good_morning(),
        text,
        &["once", "k"],
    );
    assert_eq!(untrusting["reason"], "Canceled", "{untrusting}");
}

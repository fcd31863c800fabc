//! Continuous mode on synthesised long readings: sentences joined by pauses,
//! with sentences skipped, cut off, drowned in noise or pushed in pieces.

use std::path::Path;

use elocute::{ContinuousOptions, ContinuousResult, Error, PronunciationAssessmentConfig};
use elocute_tests::{assessor, hundred, speak, tmpdir};

const SENTENCES: [&str; 4] = [
    "The quick brown fox jumps over the lazy dog.",
    "She sells sea shells by the sea shore.",
    "Good morning, how are you today?",
    "I would like a cup of coffee, please.",
];

/// The 16 kHz samples of each sentence, synthesised once per test.
fn sentences(dir: &Path) -> Vec<Vec<f32>> {
    SENTENCES
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let wav = speak(dir, &format!("s{i}"), s, 150);
            elocute_audio::read_audio(&wav, Default::default()).unwrap()
        })
        .collect()
}

/// The given sentences in order, `pause` seconds of silence between them.
fn join(parts: &[&[f32]], pause: f64) -> Vec<f32> {
    let gap = vec![0.0f32; (pause * 16_000.0) as usize];
    let mut out = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(&gap);
        }
        out.extend_from_slice(p);
    }
    out
}

fn reference() -> PronunciationAssessmentConfig {
    let mut c = hundred(&SENTENCES.join(" "));
    c.granularity = elocute::Granularity::Word;
    c
}

fn run(audio: &[f32], config: &PronunciationAssessmentConfig) -> ContinuousResult {
    assessor()
        .assess_continuous(audio, 16_000, config, ContinuousOptions::default())
        .unwrap()
}

fn errors(r: &ContinuousResult) -> Vec<(String, String)> {
    r.words
        .iter()
        .map(|w| {
            (
                w.word.clone(),
                w.pronunciation_assessment.error_type.clone(),
            )
        })
        .collect()
}

fn omitted(r: &ContinuousResult) -> Vec<String> {
    errors(r)
        .into_iter()
        .filter(|(_, e)| e == "Omission")
        .map(|(w, _)| w)
        .collect()
}

fn words_of(s: &str) -> Vec<String> {
    s.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect()
}

#[test]
fn a_long_reading_is_cut_at_its_pauses_into_its_sentences() {
    let dir = tmpdir("cont-sentences");
    let s = sentences(&dir);
    let audio = join(&[&s[0], &s[1], &s[2], &s[3]], 2.0);
    let r = run(&audio, &reference());
    let texts: Vec<&str> = r.segments.iter().map(|s| s.display_text.as_str()).collect();
    assert_eq!(texts, SENTENCES, "one segment per sentence");
    assert!(omitted(&r).is_empty(), "{:?}", errors(&r));
    // Every reference word once, in reading order, with time moving forward.
    let all: Vec<String> = SENTENCES.iter().flat_map(|s| words_of(s)).collect();
    assert_eq!(
        r.words.iter().map(|w| w.word.clone()).collect::<Vec<_>>(),
        all
    );
    for pair in r.words.windows(2) {
        assert!(
            pair[0].offset + pair[0].duration <= pair[1].offset,
            "{pair:?}"
        );
    }
    // Segment offsets count from the start of the recording: each starts after the previous one ends.
    for pair in r.segments.windows(2) {
        assert!(pair[0].offset + pair[0].duration < pair[1].offset);
    }
    let sentence_ticks = |i: usize| {
        (s[..i].iter().map(Vec::len).sum::<usize>() as f64 / 16_000.0 + 2.0 * i as f64) * 1e7
    };
    for (i, seg) in r.segments.iter().enumerate() {
        let start = sentence_ticks(i);
        assert!(
            (seg.offset as f64 - start).abs() < 0.6e7,
            "segment {i} at {} ticks, sentence at {start}",
            seg.offset
        );
    }
    let t = &r.pronunciation_assessment;
    assert_eq!(t.completeness_score, Some(100.0));
    assert!(t.accuracy_score > 85.0, "{t:?}");
    assert_eq!(r.recognition_status, elocute::RecognitionStatus::Success);
}

#[test]
fn a_segment_scores_as_a_one_shot_assessment_of_its_sentence() {
    let dir = tmpdir("cont-one-shot");
    let s = sentences(&dir);
    let audio = join(&[&s[0], &s[1], &s[2], &s[3]], 2.0);
    let r = run(&audio, &reference());
    for (i, seg) in r.segments.iter().enumerate() {
        let mut c = reference();
        c.reference_text = SENTENCES[i].to_string();
        let one = assessor().assess_with_config(&s[i], 16_000, &c).unwrap();
        let (a, b) = (&seg.nbest[0], &one.nbest[0]);
        let d = (a.pronunciation_assessment.accuracy_score
            - b.pronunciation_assessment.accuracy_score)
            .abs();
        assert!(d < 5.0, "sentence {i}: {a:?} against one-shot {b:?}");
        for (wa, wb) in a.words.iter().zip(&b.words) {
            assert_eq!(wa.word, wb.word);
            let da = (wa.pronunciation_assessment.accuracy_score
                - wb.pronunciation_assessment.accuracy_score)
                .abs();
            assert!(
                da < 15.0,
                "{}: {} against {}",
                wa.word,
                wa.pronunciation_assessment.accuracy_score,
                wb.pronunciation_assessment.accuracy_score
            );
        }
    }
}

#[test]
fn a_skipped_sentence_is_omitted_and_the_rest_is_still_found() {
    let dir = tmpdir("cont-skip");
    let s = sentences(&dir);
    let full = run(&join(&[&s[0], &s[1], &s[2], &s[3]], 2.0), &reference());
    let r = run(&join(&[&s[0], &s[2], &s[3]], 2.0), &reference());
    assert_eq!(omitted(&r), words_of(SENTENCES[1]), "{:?}", errors(&r));
    let texts: Vec<&str> = r.segments.iter().map(|s| s.display_text.as_str()).collect();
    assert_eq!(texts, [SENTENCES[0], SENTENCES[2], SENTENCES[3]]);
    // The omitted words stand where the sentence would have been.
    let names: Vec<String> = r.words.iter().map(|w| w.word.clone()).collect();
    let all: Vec<String> = SENTENCES.iter().flat_map(|s| words_of(s)).collect();
    assert_eq!(names, all);
    let (a, b) = (&r.pronunciation_assessment, &full.pronunciation_assessment);
    assert!(a.completeness_score.unwrap() < 80.0, "{a:?}");
    assert!(
        a.accuracy_score < b.accuracy_score - 15.0,
        "{a:?} against {b:?}"
    );
    assert!(a.pron_score < b.pron_score);
}

#[test]
fn a_reading_that_stops_early_leaves_the_rest_omitted() {
    let dir = tmpdir("cont-stop");
    let s = sentences(&dir);
    let r = run(&join(&[&s[0], &s[1]], 2.0), &reference());
    assert_eq!(r.segments.len(), 2);
    let rest: Vec<String> = SENTENCES[2..].iter().flat_map(|s| words_of(s)).collect();
    assert_eq!(omitted(&r), rest);
    let end = r.segments[1].offset + r.segments[1].duration;
    for w in r
        .words
        .iter()
        .filter(|w| w.pronunciation_assessment.error_type == "Omission")
    {
        assert!(w.offset >= end && w.duration == 0, "{w:?}");
        assert_eq!(w.pronunciation_assessment.accuracy_score, 0.0);
    }
    let c = r.pronunciation_assessment.completeness_score.unwrap();
    let said = words_of(SENTENCES[0]).len() + words_of(SENTENCES[1]).len();
    let total = said + rest.len();
    assert!(
        (c - 100.0 * said as f64 / total as f64).abs() < 3.0,
        "completeness {c}"
    );
}

#[test]
fn the_wrong_text_for_a_sentence_scores_lower() {
    let dir = tmpdir("cont-wrong");
    let s = sentences(&dir);
    let audio = join(&[&s[0], &s[1], &s[2], &s[3]], 2.0);
    let right = run(&audio, &reference());
    let mut texts = SENTENCES.to_vec();
    texts[1] = "Green apples grew under a bright yellow moon.";
    let mut c = reference();
    c.reference_text = texts.join(" ");
    let wrong = run(&audio, &c);
    // The last sentence, read as written, is still found and scores as before.
    let n = words_of(SENTENCES[3]).len();
    let last = |r: &ContinuousResult| errors(r)[errors(r).len() - n..].to_vec();
    assert_eq!(last(&wrong), last(&right));
    // The substituted sentence's words are not taken as said right.
    let bad: Vec<(String, String)> = errors(&wrong)
        .into_iter()
        .filter(|(w, _)| words_of(texts[1]).contains(w))
        .collect();
    assert!(
        bad.iter().filter(|(_, e)| e == "None").count() <= 2,
        "{bad:?}"
    );
    let (a, b) = (
        &wrong.pronunciation_assessment,
        &right.pronunciation_assessment,
    );
    assert!(
        a.accuracy_score < b.accuracy_score - 10.0,
        "{a:?} against {b:?}"
    );
}

#[test]
fn results_do_not_depend_on_how_the_audio_is_pushed() {
    let dir = tmpdir("cont-chunks");
    let s = sentences(&dir);
    let audio = join(&[&s[0], &s[1], &s[2]], 1.8);
    let whole = run(&audio, &reference());
    for sizes in [vec![160], vec![1, 7, 1000, 399, 16_000], vec![48_000]] {
        let mut session = assessor()
            .continuous(&reference(), ContinuousOptions::default())
            .unwrap();
        let mut got = Vec::new();
        let (mut at, mut k) = (0, 0);
        while at < audio.len() {
            let n = sizes[k % sizes.len()].min(audio.len() - at);
            got.extend(session.push(&audio[at..at + n]).unwrap());
            at += n;
            k += 1;
        }
        let r = session.finish().unwrap();
        assert_eq!(r, whole, "pushed in pieces of {sizes:?}");
        // Segments closed while the audio arrived are the finished result's first ones.
        assert_eq!(got[..], r.segments[..got.len()]);
    }
}

#[test]
fn a_segment_is_delivered_once_the_next_one_has_ended() {
    let dir = tmpdir("cont-live");
    let s = sentences(&dir);
    let mut session = assessor()
        .continuous(&reference(), ContinuousOptions::default())
        .unwrap();
    let pause = vec![0.0; 16_000 * 2];
    assert!(session.push(&s[0]).unwrap().is_empty(), "no pause yet");
    // Which words a segment holds is decided with the next segment's audio.
    assert!(session.push(&pause).unwrap().is_empty());
    assert!(session.push(&s[1]).unwrap().is_empty());
    let first = session.push(&pause).unwrap();
    assert_eq!(
        first.len(),
        1,
        "the second sentence's pause releases the first"
    );
    assert_eq!(first[0].display_text, SENTENCES[0]);
    assert!(session.push(&s[2]).unwrap().is_empty());
    let r = session.finish().unwrap();
    assert_eq!(r.segments.len(), 3, "finish assesses the rest");
    assert_eq!(r.segments[0], first[0]);
    assert_eq!(r.segments[2].display_text, SENTENCES[2]);
}

#[test]
fn steady_background_noise_does_not_hide_the_pauses() {
    let dir = tmpdir("cont-noise");
    let s = sentences(&dir);
    let mut audio = join(&[&s[0], &s[1], &s[2]], 2.0);
    // White noise 30 dB under the speech, everywhere, pauses included.
    let rms = (audio.iter().map(|v| v * v).sum::<f32>() / audio.len() as f32).sqrt();
    let mut x = 12345u64;
    for v in &mut audio {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let u = ((x >> 33) as f32 / (1u64 << 31) as f32) * 2.0 - 1.0;
        *v += u * rms * 0.0316 * 3f32.sqrt();
    }
    let r = run(&audio, &reference());
    let texts: Vec<&str> = r.segments.iter().map(|s| s.display_text.as_str()).collect();
    assert_eq!(texts, SENTENCES[..3]);
}

#[test]
fn a_reading_without_pauses_is_cut_at_the_segment_limit() {
    let dir = tmpdir("cont-nopause");
    let s = sentences(&dir);
    let audio = join(&[&s[0], &s[1], &s[2], &s[3]], 0.1);
    let options = ContinuousOptions {
        long_segment_seconds: 5.0,
        max_segment_seconds: 6.0,
        ..Default::default()
    };
    let r = assessor()
        .assess_continuous(&audio, 16_000, &reference(), options)
        .unwrap();
    assert!(
        r.segments.len() >= 2,
        "{} s cut into {} segments",
        audio.len() / 16_000,
        r.segments.len()
    );
    for seg in &r.segments {
        assert!(seg.duration <= 6 * 10_000_000, "{}", seg.duration);
    }
    assert!(omitted(&r).len() <= 2, "{:?}", errors(&r));
}

#[test]
fn silence_gets_a_clear_continuous_result() {
    let r = run(&vec![0.0; 16_000 * 5], &reference());
    assert_eq!(
        r.recognition_status,
        elocute::RecognitionStatus::InitialSilenceTimeout
    );
    assert!(r.segments.is_empty());
    let all: Vec<String> = SENTENCES.iter().flat_map(|s| words_of(s)).collect();
    assert_eq!(omitted(&r), all);
    let t = &r.pronunciation_assessment;
    assert_eq!(t.accuracy_score, 0.0);
    assert_eq!(t.completeness_score, Some(0.0));
    assert_eq!(t.pron_score, Some(0.0));
}

#[test]
fn continuous_mode_honours_grading_granularity_and_format() {
    let dir = tmpdir("cont-settings");
    let s = sentences(&dir);
    let audio = join(&[&s[0], &s[1]], 2.0);
    let mut five = reference();
    five.grading_system = elocute::GradingSystem::FivePoint;
    five.granularity = elocute::Granularity::Phoneme;
    five.enable_prosody_assessment = true;
    let hundred = PronunciationAssessmentConfig {
        grading_system: elocute::GradingSystem::HundredMark,
        ..five.clone()
    };
    let (a, b) = (run(&audio, &five), run(&audio, &hundred));
    let (ta, tb) = (&a.pronunciation_assessment, &b.pronunciation_assessment);
    assert!(
        (ta.accuracy_score * 20.0 - tb.accuracy_score).abs() <= 1.0,
        "{ta:?} {tb:?}"
    );
    assert!(ta.prosody_score.is_some() && ta.pron_score.unwrap() <= 5.0);
    assert!(
        a.words
            .iter()
            .all(|w| !w.phonemes.is_empty() && !w.syllables.is_empty()),
        "phonemes at Phoneme granularity, omitted words' too"
    );
    for w in a
        .words
        .iter()
        .filter(|w| w.pronunciation_assessment.error_type == "Omission")
    {
        assert!(w
            .phonemes
            .iter()
            .all(|p| p.pronunciation_assessment.accuracy_score == 0.0 && p.duration == 0));
    }
    // REST layout: scores flat on the whole and on each segment.
    let v = a.to_rest(elocute::RestFormat::Detailed);
    assert_eq!(v["RecognitionStatus"], "Success");
    assert!(v["AccuracyScore"].is_number() && v.get("PronunciationAssessment").is_none());
    assert!(v["Segments"][0]["NBest"][0]["AccuracyScore"].is_number());
    assert!(v["Words"][0]["ErrorType"].is_string());
    let mut full = reference();
    full.granularity = elocute::Granularity::FullText;
    let f = run(&audio, &full);
    assert!(f.words.is_empty() && f.segments.iter().all(|s| s.nbest[0].words.is_empty()));
    // The summary does not depend on what is listed.
    assert_eq!(
        f.pronunciation_assessment,
        run(&audio, &reference()).pronunciation_assessment
    );
}

#[test]
fn bad_continuous_settings_are_typed_errors() {
    let bad = ContinuousOptions {
        segmentation_silence_ms: 10,
        ..Default::default()
    };
    assert!(matches!(
        assessor().continuous(&reference(), bad),
        Err(Error::Config(_))
    ));
    assert!(matches!(
        assessor().continuous(&hundred("  "), ContinuousOptions::default()),
        Err(Error::EmptyReference)
    ));
    let mut c = reference();
    c.scenario_id = "no-such-scenario".into();
    assert!(matches!(
        assessor().continuous(&c, ContinuousOptions::default()),
        Err(Error::Config(_))
    ));
}

#[test]
fn odd_audio_never_panics_in_continuous_mode() {
    let dir = tmpdir("cont-odd");
    let s = sentences(&dir);
    // Nothing at all.
    let r = assessor()
        .continuous(&reference(), ContinuousOptions::default())
        .unwrap()
        .finish()
        .unwrap();
    assert_eq!(
        r.recognition_status,
        elocute::RecognitionStatus::InitialSilenceTimeout
    );
    // Empty pushes, non-finite and clipped samples, a lone click, speech cut mid-word.
    let mut session = assessor()
        .continuous(&reference(), ContinuousOptions::default())
        .unwrap();
    session.push(&[]).unwrap();
    session
        .push(&[f32::NAN, f32::INFINITY, -f32::INFINITY, 5.0, -5.0])
        .unwrap();
    let mut click = vec![0.0f32; 16_000];
    click[8_000] = 1.0;
    session.push(&click).unwrap();
    session.push(&s[0][..s[0].len() / 2]).unwrap();
    let r = session.finish().unwrap();
    // Whatever was found, every reference word is listed once, in order.
    let all: Vec<String> = SENTENCES.iter().flat_map(|s| words_of(s)).collect();
    assert_eq!(
        r.words.iter().map(|w| w.word.clone()).collect::<Vec<_>>(),
        all
    );
    // The session's audio limit holds across pushes.
    let short = elocute::Assessor::with_default_model()
        .unwrap()
        .with_limits(elocute::AudioLimits {
            max_seconds: Some(1.0),
        });
    let mut session = short
        .continuous(&reference(), ContinuousOptions::default())
        .unwrap();
    session.push(&vec![0.0; 12_000]).unwrap();
    assert!(matches!(
        session.push(&vec![0.0; 12_000]),
        Err(Error::AudioTooLong { .. })
    ));
}

#[test]
fn miscue_inside_segments_lists_insertions_the_summary_does_not_count() {
    let dir = tmpdir("cont-miscue");
    let s = sentences(&dir);
    let cat = speak(&dir, "cat", "The cat sat, yesterday, on the mat.", 150);
    let cat = elocute_audio::read_audio(&cat, Default::default()).unwrap();
    let audio = join(&[&s[0], &cat, &s[2]], 2.0);
    let text = [SENTENCES[0], "The cat sat on the mat.", SENTENCES[2]].join(" ");
    let mut c = hundred(&text);
    c.granularity = elocute::Granularity::Word;
    c.enable_miscue = true;
    let r = run(&audio, &c);
    let kinds = errors(&r);
    let inserted: Vec<usize> = (0..kinds.len())
        .filter(|&i| kinds[i].1 == "Insertion")
        .collect();
    assert_eq!(inserted.len(), 1, "{kinds:?}");
    let i = inserted[0];
    assert_eq!(
        (kinds[i - 1].0.as_str(), kinds[i + 1].0.as_str()),
        ("sat", "on"),
        "{kinds:?}"
    );
    // Every reference word once, in order, around it; none omitted.
    let reference: Vec<String> = kinds
        .iter()
        .filter(|k| k.1 != "Insertion")
        .map(|k| k.0.clone())
        .collect();
    assert_eq!(reference, words_of(&text));
    assert!(omitted(&r).is_empty(), "{kinds:?}");
    // The segment that heard it lists it too; the summary leaves it out of accuracy.
    assert!(r.segments[1].nbest[0]
        .words
        .iter()
        .any(|w| w.pronunciation_assessment.error_type == "Insertion"));
    let mean = {
        let acc: Vec<f64> = r
            .words
            .iter()
            .filter(|w| w.pronunciation_assessment.error_type != "Insertion")
            .map(|w| w.pronunciation_assessment.accuracy_score)
            .collect();
        acc.iter().sum::<f64>() / acc.len() as f64
    };
    assert!(
        (r.pronunciation_assessment.accuracy_score - mean).abs() <= 0.06,
        "{} against {mean}",
        r.pronunciation_assessment.accuracy_score
    );
    assert_eq!(r.pronunciation_assessment.completeness_score, Some(100.0));
}

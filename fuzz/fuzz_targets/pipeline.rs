//! The whole pipeline on arbitrary audio (i16 samples, at most 3 s) and a short text made of
//! words from a small list: a result with scores in range, or a clear error, never a panic.
#![no_main]

use std::sync::OnceLock;

use elocute::{Assessor, Error, GradingSystem, PronunciationAssessmentConfig};
use libfuzzer_sys::fuzz_target;

const WORDS: &[&str] = &[
    "good",
    "morning",
    "how",
    "are",
    "you",
    "today",
    "the",
    "quick",
    "brown",
    "fox",
    "a",
    "I",
    "cat",
    "sheep",
    "thought",
    "zebra",
    "strengths",
    "Hello,",
    "world.",
    "oh!",
    "3",
    "it's",
    "well-known",
    "...",
    "e.g.",
    "Mr.",
    "naïve",
    "你好",
    "😀",
    "<speak>",
    "",
];
const RATES: &[u32] = &[8_000, 11_025, 16_000, 22_050, 44_100, 48_000];

fn assessor() -> &'static Assessor {
    static A: OnceLock<Assessor> = OnceLock::new();
    A.get_or_init(|| Assessor::with_default_model().expect("default model must load"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let Some((&flags, rest)) = rest.split_first() else {
        return;
    };
    // First bytes: number of words (0-7) and rate; flags choose settings.
    let n_words = usize::from(head & 7);
    let rate = RATES[usize::from(head >> 3) % RATES.len()];
    let (text_bytes, audio) = rest.split_at(n_words.min(rest.len()));
    let text: Vec<&str> = text_bytes
        .iter()
        .map(|b| WORDS[usize::from(*b) % WORDS.len()])
        .collect();
    let max = 3 * rate as usize;
    let samples: Vec<f32> = audio
        .chunks_exact(2)
        .take(max)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect();
    let mut config = PronunciationAssessmentConfig::new(text.join(" "));
    if flags & 1 != 0 {
        config.grading_system = GradingSystem::HundredMark;
    }
    config.enable_miscue = flags & 2 != 0;
    config.nbest_phoneme_count = u32::from(flags >> 4);
    match assessor().assess_with_config(&samples, rate, &config) {
        Ok(r) => {
            let top = if flags & 1 != 0 { 100.0 } else { 5.0 };
            let ok = |v: f64| v.is_finite() && (0.0..=top).contains(&v);
            let nb = &r.nbest[0];
            let pa = &nb.pronunciation_assessment;
            assert!(ok(pa.accuracy_score), "{pa:?}");
            for v in [pa.fluency_score, pa.completeness_score, pa.pron_score]
                .into_iter()
                .flatten()
            {
                assert!(ok(v), "{pa:?}");
            }
            assert!((0.0..=1.0).contains(&nb.confidence), "{}", nb.confidence);
            for w in &nb.words {
                assert!(ok(w.pronunciation_assessment.accuracy_score), "{w:?}");
                for p in &w.phonemes {
                    assert!(ok(p.pronunciation_assessment.accuracy_score), "{p:?}");
                }
            }
        }
        Err(
            Error::EmptyAudio { .. }
            | Error::EmptyReference
            | Error::UnknownWord { .. }
            | Error::Alignment(_),
        ) => {}
        Err(e) => panic!("unexpected error for {:?}: {e}", config.reference_text),
    }
});

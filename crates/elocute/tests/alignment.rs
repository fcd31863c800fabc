//! Phone-boundary accuracy of the forced aligner against exact timings.
//!
//! The fixtures in `tests/data/align/` were synthesised by festival, which
//! reports where every phone it produced starts and ends
//! (`scripts/align_fixtures/make_fixtures.sh`). Each `<name>.dict` holds the
//! pronunciations festival used, so elocute aligns the very phone sequence of
//! `<name>.phones.tsv`. The test prints, for boundaries between two phones
//! (inside and across words) and for boundaries next to silence, the share
//! within 10/20/40 ms and the mean absolute error, and fails when the 20 ms share
//! falls below the thresholds below (a few points under what was measured).
//!
//! Run: `cargo test --release -p elocute --test alignment -- --nocapture`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use elocute::{
    default_model_dir, Assessor, GradingSystem, Granularity, Lexicon, PronunciationAssessmentConfig,
};

/// Boundaries between two phones: least share within 20 ms (measured: see README).
const MIN_INTERNAL_WITHIN_20MS: f64 = 0.83;
/// All boundaries, those next to silence included: least share within 20 ms.
const MIN_ALL_WITHIN_20MS: f64 = 0.76;
/// Fewest fixtures expected; guards against a test that passes on nothing.
const MIN_FIXTURES: usize = 6;

const TICKS_PER_SECOND: f64 = 1e7;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/align")
}

/// A truth row of `<name>.phones.tsv`.
struct TruthPhone {
    start: f64,
    end: f64,
    phone: String,
}

fn read_truth(path: &Path) -> Vec<TruthPhone> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 3, "{path:?}: bad line {l:?}");
            TruthPhone {
                start: f[0].parse().unwrap(),
                end: f[1].parse().unwrap(),
                phone: f[2].to_string(),
            }
        })
        .collect()
}

/// Word → phones (stress dropped) of a CMUdict-format file.
fn read_dict(path: &Path) -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut parts = l.split_whitespace();
            let word = parts.next().unwrap().to_lowercase();
            let phones = parts
                .map(|p| p.trim_end_matches(|c: char| c.is_ascii_digit()).to_string())
                .collect();
            (word, phones)
        })
        .collect()
}

/// Absolute boundary errors in seconds, by kind.
#[derive(Default)]
struct Errors {
    /// Between two phones with no silence between them in the truth.
    internal: Vec<f64>,
    /// A phone's start after silence or its end before silence.
    silence: Vec<f64>,
}

fn summary(label: &str, errs: &[f64]) -> String {
    let share = |ms: f64| within(errs, ms) * 100.0;
    let mean = errs.iter().sum::<f64>() / errs.len().max(1) as f64 * 1e3;
    format!(
        "{label:<22} n={:>4}  <=10ms {:5.1}%  <=20ms {:5.1}%  <=40ms {:5.1}%  mean |err| {:5.1} ms",
        errs.len(),
        share(10.0),
        share(20.0),
        share(40.0),
        mean
    )
}

fn within(errs: &[f64], ms: f64) -> f64 {
    // A hair of slack: truth times are stored to 0.1 ms and frames are 10 ms.
    let hits = errs.iter().filter(|e| **e <= ms / 1e3 + 1e-6).count();
    hits as f64 / errs.len().max(1) as f64
}

/// Align one fixture and return its boundary errors.
fn evaluate(model_dir: &Path, name: &str) -> Errors {
    let dir = data_dir();
    let text = std::fs::read_to_string(dir.join(format!("{name}.txt"))).unwrap();
    let dict_path = dir.join(format!("{name}.dict"));
    let dict = read_dict(&dict_path);
    let truth = read_truth(&dir.join(format!("{name}.phones.tsv")));

    let mut lexicon = Lexicon::cmudict();
    lexicon
        .load_file(&dict_path)
        .unwrap_or_else(|e| panic!("{dict_path:?}: {e}"));
    let assessor = Assessor::new(model_dir, lexicon)
        .unwrap_or_else(|e| panic!("loading the model {model_dir:?} failed: {e}"));
    let mut config = PronunciationAssessmentConfig::new(text.trim());
    config.granularity = Granularity::Phoneme;
    config.grading_system = GradingSystem::HundredMark;
    let result = assessor
        .assess_file(dir.join(format!("{name}.wav")), &config)
        .unwrap_or_else(|e| panic!("{name}: assessment failed: {e}"));
    let words = &result.nbest[0].words;

    // Hypothesis phones (start, end) in seconds, with sanity checks.
    let s = |ticks: u64| ticks as f64 / TICKS_PER_SECOND;
    let mut hyp = Vec::new();
    let mut last_end = 0u64;
    for w in words {
        let pron = &dict
            .iter()
            .find(|(word, _)| *word == w.word.to_lowercase())
            .unwrap_or_else(|| panic!("{name}: word {:?} not in {dict_path:?}", w.word))
            .1;
        assert_eq!(
            w.phonemes.len(),
            pron.len(),
            "{name}: {:?} has {} phonemes, the lexicon {}",
            w.word,
            w.phonemes.len(),
            pron.len()
        );
        assert!(w.offset >= last_end, "{name}: word {:?} overlaps", w.word);
        assert!(w.duration > 0, "{name}: word {:?} is empty", w.word);
        let mut at = w.offset;
        for p in &w.phonemes {
            assert_eq!(
                p.offset, at,
                "{name}: phones of {:?} do not tile it",
                w.word
            );
            assert!(p.duration > 0, "{name}: empty phone in {:?}", w.word);
            at = p.offset + p.duration;
            hyp.push((s(p.offset), s(at)));
        }
        assert_eq!(
            at,
            w.offset + w.duration,
            "{name}: phones of {:?} do not end with it",
            w.word
        );
        last_end = at;
    }

    let spoken: Vec<(usize, &TruthPhone)> = truth
        .iter()
        .enumerate()
        .filter(|(_, t)| t.phone != "SIL")
        .collect();
    let expected: Vec<&str> = words
        .iter()
        .flat_map(|w| {
            let key = w.word.to_lowercase();
            dict.iter()
                .find(|(word, _)| *word == key)
                .unwrap()
                .1
                .iter()
                .map(String::as_str)
        })
        .collect();
    let truth_phones: Vec<&str> = spoken.iter().map(|(_, t)| t.phone.as_str()).collect();
    assert_eq!(
        truth_phones, expected,
        "{name}: the aligned phone sequence is not festival's"
    );

    // ELOCUTE_ALIGN_DEBUG=1 prints every phone's signed start/end errors (ms, aligner - truth).
    let debug = std::env::var_os("ELOCUTE_ALIGN_DEBUG").is_some();
    let mut errs = Errors::default();
    for (k, &(i, t)) in spoken.iter().enumerate() {
        let (h_start, h_end) = hyp[k];
        if debug {
            eprintln!(
                "{name} {:>3} {:<3} truth {:.3}-{:.3}  start {:+6.1}  end {:+6.1}",
                k,
                t.phone,
                t.start,
                t.end,
                (h_start - t.start) * 1e3,
                (h_end - t.end) * 1e3
            );
        }
        let silence_before = i == 0 || truth[i - 1].phone == "SIL";
        let silence_after = i + 1 == truth.len() || truth[i + 1].phone == "SIL";
        if silence_before {
            errs.silence.push((h_start - t.start).abs());
        }
        if silence_after {
            errs.silence.push((h_end - t.end).abs());
        } else {
            // The aligner may put a short silence where the truth has none:
            // then count the worse of the two sides of the gap.
            let next_start = hyp[k + 1].0;
            let e = (h_end - t.end).abs().max((next_start - t.end).abs());
            errs.internal.push(e);
        }
    }
    errs
}

#[test]
fn phone_boundaries_match_festival_timings() {
    let model_dir = default_model_dir();
    assert!(
        model_dir.join("model.json").is_file() && model_dir.join("model.onnx").is_file(),
        "the default model is missing at {model_dir:?} (model.json and model.onnx): \
         run scripts/setup.sh or set ELOCUTE_MODEL; this test does not skip"
    );

    let mut names: Vec<String> = std::fs::read_dir(data_dir())
        .unwrap_or_else(|e| panic!("{:?}: {e}", data_dir()))
        .filter_map(|e| {
            let p = e.unwrap().path();
            let file = p.file_name()?.to_str()?.to_string();
            file.strip_suffix(".phones.tsv").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(
        names.len() >= MIN_FIXTURES,
        "expected at least {MIN_FIXTURES} fixtures in {:?}, found {}",
        data_dir(),
        names.len()
    );

    let mut all = Errors::default();
    // Per voice (the name's prefix, e.g. `slt`, `kal`): boundaries between phones.
    let mut by_voice: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut report = String::new();
    for name in &names {
        let e = evaluate(&model_dir, name);
        let both: Vec<f64> = e.internal.iter().chain(&e.silence).copied().collect();
        writeln!(report, "{}", summary(name, &both)).unwrap();
        let voice = name.split('_').next().unwrap_or(name);
        by_voice
            .entry(format!("{voice}, between phones"))
            .or_default()
            .extend(&e.internal);
        all.internal.extend(e.internal);
        all.silence.extend(e.silence);
    }
    for (label, errs) in &by_voice {
        writeln!(report, "{}", summary(label, errs)).unwrap();
    }
    let both: Vec<f64> = all.internal.iter().chain(&all.silence).copied().collect();
    writeln!(report, "{}", summary("between phones", &all.internal)).unwrap();
    writeln!(report, "{}", summary("next to silence", &all.silence)).unwrap();
    writeln!(report, "{}", summary("all boundaries", &both)).unwrap();
    eprintln!("phone-boundary accuracy against festival's timings:\n{report}");

    let internal = within(&all.internal, 20.0);
    let overall = within(&both, 20.0);
    assert!(
        internal >= MIN_INTERNAL_WITHIN_20MS,
        "boundaries between phones within 20 ms: {:.1}% < {:.1}%\n{report}",
        internal * 100.0,
        MIN_INTERNAL_WITHIN_20MS * 100.0
    );
    assert!(
        overall >= MIN_ALL_WITHIN_20MS,
        "all boundaries within 20 ms: {:.1}% < {:.1}%\n{report}",
        overall * 100.0,
        MIN_ALL_WITHIN_20MS * 100.0
    );
}

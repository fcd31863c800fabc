//! Continuous mode: a long reading assessed as a series of segments cut at
//! pauses, as the Speech SDK's continuous recognition delivers it (one
//! result per `Recognized` event), with the whole reading's scores
//! aggregated over the segments ([`summarize`]).

use elocute_lexicon::{spell_syllable, syllabify, Phone};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::{Dimension, Granularity, PronunciationAssessmentConfig};
use crate::rest::{flatten, to_rest, RestFormat};
use crate::result::{
    grade, AssessmentResult, Phoneme, PhonemeAssessment, RecognitionStatus, Syllable,
    TextAssessment, Word, WordAssessment,
};

/// A whole reading assessed in continuous mode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContinuousResult {
    /// `Success` when any segment held reference words; `InitialSilenceTimeout` when none did.
    pub recognition_status: RecognitionStatus,
    /// Start of the first word said, in ticks from the start of the audio.
    pub offset: u64,
    /// From the first word's start to the last word's end, in ticks.
    pub duration: u64,
    /// The reference text as given.
    pub display_text: String,
    /// The whole reading's scores ([`summarize`]).
    pub pronunciation_assessment: TextAssessment,
    /// Every reference word in reading order, as its segment scored it, and
    /// the words no segment reached or that were skipped (`Omission`, zero
    /// duration, accuracy 0); with `EnableMiscue`, inserted words too.
    /// Empty with `Granularity: FullText`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<Word>,
    /// One result per segment, in time order, with offsets from the start of the audio.
    pub segments: Vec<AssessmentResult>,
}

/// A reference word that no segment assessed, for the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmittedWord {
    /// Its place in the reference (counting every reference word).
    pub index: usize,
    /// The lexical word.
    pub word: String,
    /// Where it would have been, in ticks.
    pub offset: u64,
}

/// An `Omission` entry for a word no segment reached: accuracy 0, zero
/// duration, and at `Syllable`/`Phoneme` granularity its syllables and
/// phonemes (from `pron`) at accuracy 0, as a one-shot assessment lists an
/// omitted word.
pub fn omitted_entry(
    w: &OmittedWord,
    pron: &[Phone],
    config: &PronunciationAssessmentConfig,
) -> Word {
    let zero = || PhonemeAssessment {
        accuracy_score: 0.0,
        nbest_phonemes: Vec::new(),
    };
    let syllables = if config.granularity >= Granularity::Syllable {
        syllabify(pron)
            .into_iter()
            .map(|r| Syllable {
                syllable: spell_syllable(&pron[r], config.phoneme_alphabet),
                pronunciation_assessment: zero(),
                offset: w.offset,
                duration: 0,
            })
            .collect()
    } else {
        Vec::new()
    };
    let phonemes = if config.granularity == Granularity::Phoneme {
        pron.iter()
            .map(|p| Phoneme {
                phoneme: p.spell(config.phoneme_alphabet).to_string(),
                pronunciation_assessment: zero(),
                offset: w.offset,
                duration: 0,
            })
            .collect()
    } else {
        Vec::new()
    };
    Word {
        word: w.word.clone(),
        offset: w.offset,
        duration: 0,
        pronunciation_assessment: WordAssessment {
            accuracy_score: 0.0,
            error_type: "Omission".into(),
            feedback: None,
        },
        syllables,
        phonemes,
    }
}

/// What the summary needs of one segment, scores on 0-100.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SegmentSummary {
    /// Start of its first word said, in ticks from the start of the audio.
    pub offset: u64,
    /// From its first word's start to its last word's end, in ticks.
    pub duration: u64,
    /// Its `FluencyScore`.
    pub fluency: f64,
    /// Its `CompletenessScore`.
    pub completeness: f64,
    /// Its `ProsodyScore`, when prosody is assessed.
    pub prosody: Option<f64>,
    /// Reference words it assessed.
    pub words: usize,
    /// Whether its last word is followed by punctuation in the text.
    pub ends_at_punctuation: bool,
}

/// The whole reading's scores from its segments. `words` are all the
/// reading's words (each segment's and the omitted ones) with accuracy on
/// 0-100, `segments` the segments in time order.
///
/// - Accuracy: the mean word accuracy, insertions left out and an omitted
///   word counting 0, as the service's continuous-mode sample computes it.
/// - Fluency: the segments' fluency weighted by their length, times the
///   share of the reading not lost to pauses *between* segments beyond
///   what a one-shot assessment allows (0.8 s after punctuation, none
///   elsewhere). The sample instead counts only the time inside words it
///   finds correct, which gives a fluent reading with sentence pauses about
///   55 and counts mispronounced words as disfluent.
/// - Completeness: the segments' completeness weighted by their words, over
///   all reference words (an omitted word counts 0).
/// - Prosody: the mean over segments.
/// - PronScore: the reading scenario's weights over the sorted sub-scores
///   (0.6 / 0.2 / 0.2, or 0.4 / 0.2 / 0.2 / 0.2 with prosody).
///
/// Scores are then put on `config`'s grading scale; `Dimension: Basic`
/// keeps accuracy only.
///
/// ```
/// use elocute_report::{summarize, PronunciationAssessmentConfig, SegmentSummary, Word, WordAssessment};
/// // Word, accuracy, error type, start and length in seconds.
/// let word = |acc: f64, err: &str, start: f64, secs: f64| Word {
///     word: "w".into(),
///     offset: (start * 1e7) as u64,
///     duration: (secs * 1e7) as u64,
///     pronunciation_assessment: WordAssessment { accuracy_score: acc, error_type: err.into(), feedback: None },
///     syllables: vec![],
///     phonemes: vec![],
/// };
/// let words = [word(90.0, "None", 0.0, 4.0), word(40.0, "Mispronunciation", 5.0, 4.0), word(0.0, "Omission", 9.0, 0.0)];
/// let segment = |start: f64, fluency: f64| SegmentSummary {
///     offset: (start * 1e7) as u64, duration: 40_000_000, fluency, completeness: 100.0,
///     prosody: None, words: 1, ends_at_punctuation: true,
/// };
/// let mut config = PronunciationAssessmentConfig::new("a. b. c.");
/// config.grading_system = elocute_report::GradingSystem::HundredMark;
/// let s = summarize(&words, &[segment(0.0, 90.0), segment(5.0, 70.0)], &config);
/// assert_eq!(s.accuracy_score, 43.3); // (90 + 40 + 0) / 3
/// assert_eq!(s.completeness_score, Some(66.7)); // 2 of 3 words said
/// assert_eq!(s.fluency_score, Some(78.2)); // 80 x (1 - 0.2 / 9): the 1 s pause is 0.2 s over 0.8 s
/// ```
pub fn summarize(
    words: &[Word],
    segments: &[SegmentSummary],
    config: &PronunciationAssessmentConfig,
) -> TextAssessment {
    let mean = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let accuracies: Vec<f64> = words
        .iter()
        .filter(|w| w.pronunciation_assessment.error_type != "Insertion")
        .map(|w| w.pronunciation_assessment.accuracy_score)
        .collect();
    let accuracy = mean(&accuracies);
    let completeness = if accuracies.is_empty() {
        0.0
    } else {
        let said: f64 = segments
            .iter()
            .map(|s| s.completeness * s.words as f64)
            .sum();
        (said / accuracies.len() as f64).min(100.0)
    };
    let fluency = match (segments.first(), segments.last()) {
        (Some(a), Some(b)) if b.offset + b.duration > a.offset => {
            let span = (b.offset + b.duration - a.offset) as f64 / 1e7;
            let inside: f64 = segments.iter().map(|s| s.duration as f64).sum();
            let weighted = if inside > 0.0 {
                segments
                    .iter()
                    .map(|s| s.fluency * s.duration as f64)
                    .sum::<f64>()
                    / inside
            } else {
                0.0
            };
            let allowances = elocute_score::ScoreOptions::default();
            let excess: f64 = segments
                .windows(2)
                .map(|p| {
                    let gap = p[1].offset.saturating_sub(p[0].offset + p[0].duration) as f64 / 1e7;
                    let allow = if p[0].ends_at_punctuation {
                        allowances.punct_pause_allowance
                    } else {
                        allowances.pause_allowance
                    };
                    (gap - allow).max(0.0)
                })
                .sum();
            weighted * (1.0 - excess / span).clamp(0.0, 1.0)
        }
        _ => 0.0,
    };
    let prosodies: Vec<f64> = segments.iter().filter_map(|s| s.prosody).collect();
    let prosody_score =
        (config.enable_prosody_assessment && !prosodies.is_empty()).then(|| mean(&prosodies));
    let pron = {
        let mut v = vec![accuracy, fluency, completeness];
        v.extend(prosody_score);
        elocute_score::pron_score(&v)
    };
    let scale = |v: f64| grade(config.grading_system, v, 1);
    let opt = |v: f64| (config.dimension != Dimension::Basic).then(|| scale(v));
    TextAssessment {
        accuracy_score: scale(accuracy),
        fluency_score: opt(fluency),
        prosody_score: prosody_score.and_then(opt),
        completeness_score: opt(completeness),
        pron_score: opt(pron),
    }
}

impl ContinuousResult {
    /// The result in the REST API's layout ([`to_rest`]): each segment as
    /// the REST API would answer for it, and the summary's scores flat.
    /// `Simple` keeps status, text, offset and duration of the whole and of
    /// each segment.
    pub fn to_rest(&self, format: RestFormat) -> Value {
        let segments: Vec<Value> = self.segments.iter().map(|s| to_rest(s, format)).collect();
        let mut v = match format {
            RestFormat::Simple => serde_json::json!({
                "DisplayText": self.display_text,
                "Offset": self.offset,
                "Duration": self.duration,
            }),
            RestFormat::Detailed => {
                let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
                if let Some(o) = v.as_object_mut() {
                    o.shift_remove("Segments");
                }
                flatten(&mut v);
                v
            }
        };
        if let Some(o) = v.as_object_mut() {
            o.insert(
                "RecognitionStatus".into(),
                Value::from(self.recognition_status.name()),
            );
            o.insert("Segments".into(), Value::Array(segments));
        }
        v
    }
}

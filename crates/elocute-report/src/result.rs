//! The result JSON, in the layout of the Speech SDK's pronunciation-assessment result.

use elocute_core::FRAME_TICKS;
use elocute_lexicon::{spell_syllable, syllabify, Alphabet, Phone};
use elocute_prosody::Prosody;
use elocute_score::{pron_score, PhoneScore, UtteranceScore};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::{Dimension, GradingSystem, Granularity, PronunciationAssessmentConfig};

/// Below this word accuracy (0-100) a word is a `Mispronunciation`, as the
/// service documents (the default scenario's threshold).
pub const MISPRONUNCIATION_THRESHOLD: f64 = 60.0;

/// Outcome of recognition, serialised as the SDK's number (`Success` is 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecognitionStatus {
    /// Speech was found and assessed (0).
    Success,
    /// Speech was found but matched nothing (1).
    NoMatch,
    /// The audio held only silence (2).
    InitialSilenceTimeout,
}

impl RecognitionStatus {
    /// The SDK's numeric code.
    pub fn code(self) -> u8 {
        match self {
            RecognitionStatus::Success => 0,
            RecognitionStatus::NoMatch => 1,
            RecognitionStatus::InitialSilenceTimeout => 2,
        }
    }
    /// The REST API's name.
    pub fn name(self) -> &'static str {
        match self {
            RecognitionStatus::Success => "Success",
            RecognitionStatus::NoMatch => "NoMatch",
            RecognitionStatus::InitialSilenceTimeout => "InitialSilenceTimeout",
        }
    }
}

impl Serialize for RecognitionStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.code())
    }
}

impl<'de> Deserialize<'de> for RecognitionStatus {
    /// Accepts the SDK's number or the REST API's name.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use RecognitionStatus::*;
        let v = serde_json::Value::deserialize(d)?;
        [Success, NoMatch, InitialSilenceTimeout]
            .into_iter()
            .find(|s| v.as_u64() == Some(u64::from(s.code())) || v.as_str() == Some(s.name()))
            .ok_or_else(|| serde::de::Error::custom(format!("unknown RecognitionStatus {v}")))
    }
}

/// The whole result of one assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssessmentResult {
    /// A 32-hex-digit id, derived from the input so equal inputs give equal output.
    pub id: String,
    /// Whether speech was found.
    pub recognition_status: RecognitionStatus,
    /// Start of the speech, in 100-ns ticks from the start of the audio.
    pub offset: u64,
    /// Length of the speech, in 100-ns ticks.
    pub duration: u64,
    /// The reference text as given.
    pub display_text: String,
    /// Signal-to-noise ratio of the recording in dB (the service's `SNR`):
    /// the spoken words' power against the pauses'; absent for silence.
    #[serde(rename = "SNR", skip_serializing_if = "Option::is_none", default)]
    pub snr: Option<f64>,
    /// One entry: the assessed reading.
    #[serde(rename = "NBest")]
    pub nbest: Vec<NBest>,
}

impl AssessmentResult {
    /// Move every `Offset` (the result's, its words', syllables' and
    /// phonemes') later by `ticks`: a segment's result, measured from the
    /// start of the segment, becomes measured from the start of the recording.
    /// A silent result's offset stays 0, as the service gives it.
    ///
    /// ```
    /// # fn demo(mut r: elocute_report::AssessmentResult) {
    /// let before = r.nbest[0].words[0].offset;
    /// r.shift(20_000_000); // the segment started 2 s into the recording
    /// assert_eq!(r.nbest[0].words[0].offset, before + 20_000_000);
    /// # }
    /// ```
    pub fn shift(&mut self, ticks: u64) {
        if self.recognition_status != RecognitionStatus::InitialSilenceTimeout {
            self.offset += ticks;
        }
        for w in self.nbest.iter_mut().flat_map(|n| n.words.iter_mut()) {
            w.offset += ticks;
            for s in &mut w.syllables {
                s.offset += ticks;
            }
            for p in &mut w.phonemes {
                p.offset += ticks;
            }
        }
    }
}

/// The assessed reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NBest {
    /// 0-1: how well the audio matches the reference text.
    pub confidence: f64,
    /// Lower-case words, space separated: the reference's, or with
    /// `EnableMiscue` the words heard (omitted words left out, inserted words
    /// in), as the service's recognised text.
    pub lexical: String,
    /// Inverse-text-normalised form (as `Lexical` for a reading).
    #[serde(rename = "ITN")]
    pub itn: String,
    /// `ITN` with profanity masked (as `ITN`).
    #[serde(rename = "MaskedITN")]
    pub masked_itn: String,
    /// The display form (the reference text).
    pub display: String,
    /// Full-text scores.
    pub pronunciation_assessment: TextAssessment,
    /// Per word, unless `Granularity` is `FullText`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<Word>,
}

/// Full-text scores (`FluencyScore` etc. absent with `Dimension: Basic`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TextAssessment {
    /// Pronunciation accuracy.
    pub accuracy_score: f64,
    /// Fluency: pauses and rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fluency_score: Option<f64>,
    /// Prosody: breaks and intonation (with `EnableProsodyAssessment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prosody_score: Option<f64>,
    /// Share of reference words spoken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completeness_score: Option<f64>,
    /// Weighted overall score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pron_score: Option<f64>,
}

/// One word.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Word {
    /// The lexical word.
    pub word: String,
    /// Start, in ticks.
    pub offset: u64,
    /// Length, in ticks.
    pub duration: u64,
    /// Scores and error type.
    pub pronunciation_assessment: WordAssessment,
    /// Per syllable, with `Granularity` `Phoneme` or `Syllable`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub syllables: Vec<Syllable>,
    /// Per phoneme, with `Granularity: Phoneme`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phonemes: Vec<Phoneme>,
}

/// A word's score and error type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WordAssessment {
    /// Pronunciation accuracy.
    pub accuracy_score: f64,
    /// `None`, `Mispronunciation`, `UnexpectedBreak`, `MissingBreak`, `Monotone` or (with miscue) `Omission`.
    pub error_type: String,
    /// Prosody feedback (with `EnableProsodyAssessment`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback: Option<Feedback>,
}

/// A word's feedback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Feedback {
    /// Breaks and intonation.
    pub prosody: ProsodyFeedback,
}

/// Breaks and intonation of a word.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProsodyFeedback {
    /// The pause before the word.
    #[serde(rename = "Break")]
    pub break_: BreakFeedback,
    /// The utterance's intonation, copied onto each word.
    pub intonation: IntonationFeedback,
}

/// The pause before a word.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BreakFeedback {
    /// `["UnexpectedBreak"]`, `["MissingBreak"]` or `["None"]` (confidence at least 0.75).
    pub error_types: Vec<String>,
    /// How sure a pause here is unexpected.
    pub unexpected_break: Confidence,
    /// How sure a pause the text asks for is missing.
    pub missing_break: Confidence,
    /// Length of the pause before the word, in ticks.
    pub break_length: u64,
}

/// A 0-1 confidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Confidence {
    /// 0-1.
    pub confidence: f64,
}

/// Intonation of the utterance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IntonationFeedback {
    /// `["Monotone"]` or empty.
    pub error_types: Vec<String>,
    /// The monotone verdict and its components.
    pub monotone: MonotoneFeedback,
}

/// How monotone the reading is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MonotoneFeedback {
    /// 0-1 overall.
    pub confidence: f64,
    /// 0-1 from pitch slopes within words.
    pub word_pitch_slope_confidence: f64,
    /// 0-1 from pitch changes between syllables.
    pub syllable_pitch_delta_confidence: f64,
}

/// One syllable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Syllable {
    /// The syllable in the requested alphabet (IPA run together, SAPI space-separated).
    pub syllable: String,
    /// Its score: the mean of its phonemes.
    pub pronunciation_assessment: PhonemeAssessment,
    /// Start, in ticks.
    pub offset: u64,
    /// Length, in ticks.
    pub duration: u64,
}

/// One phoneme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Phoneme {
    /// The phoneme in the requested alphabet.
    pub phoneme: String,
    /// Its score.
    pub pronunciation_assessment: PhonemeAssessment,
    /// Start, in ticks.
    pub offset: u64,
    /// Length, in ticks.
    pub duration: u64,
}

/// A phoneme's (or syllable's) score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PhonemeAssessment {
    /// Pronunciation accuracy.
    pub accuracy_score: f64,
    /// The most likely spoken phonemes, best first (with `NBestPhonemeCount` > 0).
    #[serde(
        rename = "NBestPhonemes",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub nbest_phonemes: Vec<NBestPhoneme>,
}

/// A candidate for the phoneme actually spoken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NBestPhoneme {
    /// The candidate, in the requested alphabet.
    pub phoneme: String,
    /// 0-100 (or 0-5) how well the audio matches it.
    pub score: f64,
}

/// A syllable of a scored word.
#[derive(Debug, Clone, PartialEq)]
pub struct SyllableSpan {
    /// Its phones, as indices into the word's pronunciation.
    pub phones: std::ops::Range<usize>,
    /// First frame.
    pub start: usize,
    /// One past the last frame.
    pub end: usize,
    /// Mean accuracy of its phones.
    pub accuracy: f64,
}

/// The syllables of a word (maximal onset) with the timing and accuracy of
/// their phones; empty when the phone scores do not cover the pronunciation.
pub fn syllable_spans(pron: &[Phone], phones: &[&PhoneScore]) -> Vec<SyllableSpan> {
    if phones.len() != pron.len() {
        return Vec::new();
    }
    syllabify(pron)
        .into_iter()
        .map(|r| {
            let part = &phones[r.clone()];
            SyllableSpan {
                start: part[0].start,
                end: part[part.len() - 1].end,
                accuracy: part.iter().map(|p| p.accuracy).sum::<f64>() / part.len() as f64,
                phones: r,
            }
        })
        .collect()
}

/// Speech that matched no reference word (miscue), reported as an
/// `Insertion` word in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct InsertedWord {
    /// First frame.
    pub start: usize,
    /// One past the last frame.
    pub end: usize,
    /// The lexicon word it sounded like, if any.
    pub word: Option<String>,
    /// The phones heard, with their frames `[start, end)`.
    pub phones: Vec<(Phone, usize, usize)>,
}

/// What the report is built from.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// The settings.
    pub config: &'a PronunciationAssessmentConfig,
    /// Lexical words of the reference.
    pub words: &'a [String],
    /// The canonical pronunciation of each word.
    pub prons: &'a [Vec<Phone>],
    /// Scores (phones in reference order).
    pub scores: &'a UtteranceScore,
    /// The result's `Id`.
    pub id: &'a str,
    /// Frames of speech below which the audio counts as silent.
    pub min_speech_frames: usize,
    /// Thresholds of the chosen `ScenarioId`.
    pub scenario: &'a crate::Scenario,
    /// Prosody, when assessed.
    pub prosody: Option<&'a Prosody>,
    /// The CMU phone of each model phone id (`None` for silence and noises),
    /// for naming spoken-phoneme candidates.
    pub model_phones: &'a [Option<Phone>],
    /// Extra speech found between reference words (listed only with miscue on).
    pub insertions: &'a [InsertedWord],
    /// Signal-to-noise ratio in dB, when measured.
    pub snr: Option<f64>,
}

/// A 0-100 score on `system`'s scale, rounded to `digits` decimals (at
/// least one on the five-point scale, where whole numbers say too little).
pub(crate) fn grade(system: GradingSystem, v: f64, digits: i32) -> f64 {
    let (v, d) = match system {
        GradingSystem::HundredMark => (v.clamp(0.0, 100.0), digits),
        GradingSystem::FivePoint => (v.clamp(0.0, 100.0) / 20.0, digits.max(1)),
    };
    let p = 10f64.powi(d);
    (v * p).round() / p
}

/// Build the result.
pub fn build(input: ReportInput<'_>) -> AssessmentResult {
    let c = input.config;
    let s = input.scores;
    let silent = s.speech_frames < input.min_speech_frames;
    let status = if silent {
        RecognitionStatus::InitialSilenceTimeout
    } else {
        RecognitionStatus::Success
    };
    // A silent recording scores zero everywhere rather than whatever the aligner squeezed out of noise.
    let z = |v: f64| if silent { 0.0 } else { v };
    let scale = |v: f64, digits: i32| grade(c.grading_system, v, digits);
    let ticks = |f: usize| f as u64 * FRAME_TICKS;

    let mut words = Vec::new();
    if c.granularity >= Granularity::Word {
        let mut phones = s.phones.iter();
        for (w, (word, pron)) in input.words.iter().zip(input.prons).enumerate() {
            let ws = &s.words[w];
            let acc = z(ws.accuracy);
            let wp = input.prosody.and_then(|p| p.words.get(w));
            let word_phones: Vec<&PhoneScore> = phones.by_ref().take(pron.len()).collect();
            let worst_phone = word_phones
                .iter()
                .map(|p| z(p.accuracy))
                .fold(f64::INFINITY, f64::min);
            // With miscue, a word the aligner skipped (no frames) was omitted.
            let error = if silent || (c.enable_miscue && ws.end <= ws.start) {
                "Omission"
            } else if acc < input.scenario.mispronunciation_threshold
                || worst_phone < input.scenario.phoneme_error_threshold
            {
                "Mispronunciation"
            } else {
                wp.and_then(|p| p.break_errors.first().copied().filter(|e| *e != "None"))
                    .or_else(|| wp.and_then(|p| p.intonation_errors.first().copied()))
                    .unwrap_or("None")
            };
            let r4 = |v: f64| (v * 1e4).round() / 1e4;
            let feedback = match (input.prosody, wp) {
                (Some(p), Some(wp)) => Some(Feedback {
                    prosody: ProsodyFeedback {
                        break_: BreakFeedback {
                            error_types: wp.break_errors.iter().map(|e| e.to_string()).collect(),
                            unexpected_break: Confidence {
                                confidence: r4(wp.unexpected_break),
                            },
                            missing_break: Confidence {
                                confidence: r4(wp.missing_break),
                            },
                            break_length: ticks(wp.break_frames),
                        },
                        intonation: IntonationFeedback {
                            error_types: wp
                                .intonation_errors
                                .iter()
                                .map(|e| e.to_string())
                                .collect(),
                            monotone: MonotoneFeedback {
                                confidence: r4(p.monotone.confidence),
                                word_pitch_slope_confidence: r4(p
                                    .monotone
                                    .word_pitch_slope_confidence),
                                syllable_pitch_delta_confidence: r4(p
                                    .monotone
                                    .syllable_pitch_delta_confidence),
                            },
                        },
                    },
                }),
                _ => None,
            };
            let mut phonemes = Vec::new();
            if c.granularity == Granularity::Phoneme {
                for (ph, ps) in pron.iter().zip(&word_phones) {
                    let nbest_phonemes = ps
                        .nbest
                        .iter()
                        .filter_map(|&(q, score)| {
                            let cand = input.model_phones.get(q).copied().flatten()?;
                            Some(NBestPhoneme {
                                phoneme: cand.spell(c.phoneme_alphabet).to_string(),
                                score: scale(z(score), 0),
                            })
                        })
                        .collect();
                    phonemes.push(Phoneme {
                        phoneme: ph.spell(c.phoneme_alphabet).to_string(),
                        pronunciation_assessment: PhonemeAssessment {
                            accuracy_score: scale(z(ps.accuracy), 0),
                            nbest_phonemes,
                        },
                        offset: ticks(ps.start),
                        duration: ticks(ps.end - ps.start),
                    });
                }
            }
            let mut syllables = Vec::new();
            if c.granularity >= Granularity::Syllable {
                for sp in syllable_spans(pron, &word_phones) {
                    syllables.push(Syllable {
                        syllable: spell_syllable(&pron[sp.phones], c.phoneme_alphabet),
                        pronunciation_assessment: PhonemeAssessment {
                            accuracy_score: scale(z(sp.accuracy), 0),
                            nbest_phonemes: Vec::new(),
                        },
                        offset: ticks(sp.start),
                        duration: ticks(sp.end - sp.start),
                    });
                }
            }
            words.push(Word {
                word: word.clone(),
                offset: ticks(ws.start),
                duration: ticks(ws.end - ws.start),
                pronunciation_assessment: WordAssessment {
                    accuracy_score: scale(acc, 0),
                    error_type: error.to_string(),
                    feedback,
                },
                syllables,
                phonemes,
            });
        }
    }

    if c.enable_miscue && !silent && c.granularity >= Granularity::Word {
        for ins in input.insertions {
            words.push(inserted_word(
                ins,
                c.phoneme_alphabet,
                c.granularity,
                &ticks,
            ));
        }
        // Stable: an insertion goes after the words (also zero-length omissions) that start before it.
        words.sort_by_key(|w| w.offset);
    }

    let basic = c.dimension == Dimension::Basic;
    let opt = |v: f64| if basic { None } else { Some(scale(z(v), 1)) };
    let (start, end) = match (s.words.first(), s.words.last()) {
        (Some(a), Some(b)) if !silent => (a.start, b.end),
        _ => (0, 0),
    };
    let lexical = if c.enable_miscue && !silent {
        heard_words(&input, c.phoneme_alphabet)
    } else {
        input.words.join(" ")
    };
    AssessmentResult {
        id: input.id.to_string(),
        recognition_status: status,
        offset: ticks(start),
        duration: ticks(end.saturating_sub(start)),
        display_text: c.reference_text.trim().to_string(),
        snr: input
            .snr
            .filter(|_| !silent)
            .map(|v| (v * 100.0).round() / 100.0),
        nbest: vec![NBest {
            confidence: (z(s.confidence) * 1e4).round() / 1e4,
            itn: lexical.clone(),
            masked_itn: lexical.clone(),
            lexical,
            display: c.reference_text.trim().to_string(),
            pronunciation_assessment: TextAssessment {
                accuracy_score: scale(z(s.accuracy), 1),
                fluency_score: opt(s.fluency),
                prosody_score: input.prosody.and_then(|p| opt(p.score)),
                completeness_score: opt(s.completeness),
                pron_score: opt(match input.prosody {
                    Some(p) => pron_score(&[s.accuracy, s.fluency, s.completeness, p.score]),
                    None => s.pron,
                }),
            },
            words,
        }],
    }
}

/// An `Insertion` entry: the word heard (or its phones between slashes
/// when it is no lexicon word), accuracy 0, and its phones at Phoneme granularity.
/// With miscue, what was heard, as the service's recognised text is: the
/// reference words not omitted and the inserted words (by their `Word`), in
/// time order.
fn heard_words(input: &ReportInput<'_>, alphabet: Alphabet) -> String {
    let mut heard: Vec<(usize, String)> = input
        .words
        .iter()
        .zip(&input.scores.words)
        .filter(|(_, ws)| ws.end > ws.start)
        .map(|(w, ws)| (ws.start, w.clone()))
        .collect();
    for ins in input.insertions {
        heard.push((
            ins.start,
            inserted_word(ins, alphabet, Granularity::Word, &|_| 0).word,
        ));
    }
    heard.sort_by_key(|h| h.0);
    heard.into_iter().map(|h| h.1).collect::<Vec<_>>().join(" ")
}

fn inserted_word(
    ins: &InsertedWord,
    alphabet: Alphabet,
    granularity: Granularity,
    ticks: &dyn Fn(usize) -> u64,
) -> Word {
    let spelled: Vec<&str> = ins
        .phones
        .iter()
        .map(|(p, _, _)| p.spell(alphabet))
        .collect();
    let sep = if alphabet == Alphabet::Ipa { "" } else { " " };
    let text = match &ins.word {
        Some(w) => w.clone(),
        None => format!("/{}/", spelled.join(sep)),
    };
    let phonemes = if granularity == Granularity::Phoneme {
        ins.phones
            .iter()
            .zip(&spelled)
            .map(|((_, a, b), sp)| Phoneme {
                phoneme: sp.to_string(),
                pronunciation_assessment: PhonemeAssessment {
                    accuracy_score: 0.0,
                    nbest_phonemes: Vec::new(),
                },
                offset: ticks(*a),
                duration: ticks(b - a),
            })
            .collect()
    } else {
        Vec::new()
    };
    Word {
        word: text,
        offset: ticks(ins.start),
        duration: ticks(ins.end - ins.start),
        pronunciation_assessment: WordAssessment {
            accuracy_score: 0.0,
            error_type: "Insertion".to_string(),
            feedback: None,
        },
        syllables: Vec::new(),
        phonemes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognition_status_reads_numbers_and_names() {
        for s in [
            RecognitionStatus::Success,
            RecognitionStatus::NoMatch,
            RecognitionStatus::InitialSilenceTimeout,
        ] {
            let n: RecognitionStatus =
                serde_json::from_value(serde_json::to_value(s).unwrap()).unwrap();
            let name: RecognitionStatus =
                serde_json::from_value(serde_json::json!(s.name())).unwrap();
            assert_eq!((n, name), (s, s));
        }
        assert!(serde_json::from_str::<RecognitionStatus>("3").is_err());
        assert!(serde_json::from_str::<RecognitionStatus>("\"Error\"").is_err());
    }
}

//! `PronunciationAssessmentConfig`: the service's configuration JSON.

use elocute_core::{Error, Result};
use elocute_lexicon::Alphabet;
use serde_json::{Map, Value};

/// Score scale of the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GradingSystem {
    /// 0-5 (the service's default).
    #[default]
    FivePoint,
    /// 0-100.
    HundredMark,
}

/// The finest level reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord)]
pub enum Granularity {
    /// Full text only.
    FullText,
    /// Full text and words.
    Word,
    /// Full text, words and syllables.
    Syllable,
    /// Full text, words, syllables and phonemes (the default).
    #[default]
    Phoneme,
}

/// `Basic` reports accuracy only; `Comprehensive` adds fluency, completeness and PronScore.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dimension {
    /// Accuracy only.
    Basic,
    /// All scores (what the SDKs always request).
    #[default]
    Comprehensive,
}

/// Settings of one assessment, as the cloud service's `PronunciationAssessmentConfig`.
///
/// ```
/// use elocute_report::{GradingSystem, PronunciationAssessmentConfig};
/// let c = PronunciationAssessmentConfig::from_json(
///     r#"{"referenceText":"good morning","gradingSystem":"HundredMark","EnableMiscue":"True"}"#,
/// ).unwrap();
/// assert_eq!(c.grading_system, GradingSystem::HundredMark);
/// assert!(c.enable_miscue);
/// assert!(PronunciationAssessmentConfig::from_json(r#"{"colour":"red"}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PronunciationAssessmentConfig {
    /// The text the learner reads.
    pub reference_text: String,
    /// Score scale.
    pub grading_system: GradingSystem,
    /// Finest level reported.
    pub granularity: Granularity,
    /// Which scores are reported.
    pub dimension: Dimension,
    /// Report omitted and inserted words.
    pub enable_miscue: bool,
    /// Named scoring profile; empty for the default.
    pub scenario_id: String,
    /// Alphabet of `Phoneme` values.
    pub phoneme_alphabet: Alphabet,
    /// Spoken-phoneme candidates per phoneme (0 disables).
    pub nbest_phoneme_count: u32,
    /// Add prosody assessment.
    pub enable_prosody_assessment: bool,
}

const KEYS: &[&str] = &[
    "ReferenceText",
    "GradingSystem",
    "Granularity",
    "Dimension",
    "EnableMiscue",
    "ScenarioId",
    "PhonemeAlphabet",
    "NBestPhonemeCount",
    "EnableProsodyAssessment",
    "EnableTwoPassUnscriptedAssessment",
];

impl PronunciationAssessmentConfig {
    /// Defaults with a reference text.
    pub fn new(reference_text: impl Into<String>) -> Self {
        PronunciationAssessmentConfig {
            reference_text: reference_text.into(),
            ..Default::default()
        }
    }

    /// Parse the service's JSON. Keys are case-insensitive; booleans may be
    /// strings (`"True"`); enum values are case-insensitive; unknown keys and
    /// wrong types are [`Error::Config`] errors naming the key.
    pub fn from_json(text: &str) -> Result<Self> {
        Self::from_json_over(text, PronunciationAssessmentConfig::default())
    }

    /// [`from_json`](Self::from_json), with the keys the JSON does not name
    /// taken from `base` instead of the defaults (the REST API defaults
    /// `Dimension` to `Basic`, where the SDKs always send `Comprehensive`).
    ///
    /// ```
    /// use elocute_report::{Dimension, PronunciationAssessmentConfig};
    /// let base = PronunciationAssessmentConfig { dimension: Dimension::Basic, ..Default::default() };
    /// let c = PronunciationAssessmentConfig::from_json_over(r#"{"ReferenceText":"hi"}"#, base.clone()).unwrap();
    /// assert_eq!(c.dimension, Dimension::Basic);
    /// let c = PronunciationAssessmentConfig::from_json_over(r#"{"dimension":"Comprehensive"}"#, base).unwrap();
    /// assert_eq!(c.dimension, Dimension::Comprehensive);
    /// ```
    pub fn from_json_over(text: &str, base: PronunciationAssessmentConfig) -> Result<Self> {
        // Files saved by some Windows editors start with a byte-order mark.
        let text = text.trim_start_matches('\u{feff}');
        let v: Value = serde_json::from_str(text)
            .map_err(|e| Error::Config(format!("config is not valid JSON: {e}")))?;
        let Value::Object(map) = v else {
            return Err(Error::Config("config must be a JSON object".into()));
        };
        Self::from_map(&map, base)
    }

    fn from_map(map: &Map<String, Value>, base: PronunciationAssessmentConfig) -> Result<Self> {
        let mut c = base;
        for (key, value) in map {
            let canon = KEYS
                .iter()
                .find(|k| k.eq_ignore_ascii_case(key))
                .ok_or_else(|| {
                    Error::Config(format!(
                        "unknown key {key:?}; known keys: {}",
                        KEYS.join(", ")
                    ))
                })?;
            match *canon {
                "ReferenceText" => c.reference_text = string(key, value)?,
                "GradingSystem" => {
                    c.grading_system = choice(
                        key,
                        value,
                        &[
                            ("FivePoint", GradingSystem::FivePoint),
                            ("HundredMark", GradingSystem::HundredMark),
                        ],
                    )?
                }
                "Granularity" => {
                    c.granularity = choice(
                        key,
                        value,
                        &[
                            ("Phoneme", Granularity::Phoneme),
                            ("Syllable", Granularity::Syllable),
                            ("Word", Granularity::Word),
                            ("FullText", Granularity::FullText),
                        ],
                    )?
                }
                "Dimension" => {
                    c.dimension = choice(
                        key,
                        value,
                        &[
                            ("Basic", Dimension::Basic),
                            ("Comprehensive", Dimension::Comprehensive),
                        ],
                    )?
                }
                "EnableMiscue" => c.enable_miscue = boolean(key, value)?,
                "ScenarioId" => c.scenario_id = string(key, value)?,
                "PhonemeAlphabet" => {
                    c.phoneme_alphabet = choice(
                        key,
                        value,
                        &[("SAPI", Alphabet::Sapi), ("IPA", Alphabet::Ipa)],
                    )?
                }
                "NBestPhonemeCount" => c.nbest_phoneme_count = count(key, value)?,
                "EnableProsodyAssessment" => c.enable_prosody_assessment = boolean(key, value)?,
                // Accepted for compatibility; scripted assessment is always one pass.
                _ => {
                    boolean(key, value)?;
                }
            }
        }
        Ok(c)
    }

    /// The config as the service's JSON (canonical key casing).
    pub fn to_json(&self) -> String {
        let g = match self.grading_system {
            GradingSystem::FivePoint => "FivePoint",
            GradingSystem::HundredMark => "HundredMark",
        };
        let gr = match self.granularity {
            Granularity::Phoneme => "Phoneme",
            Granularity::Syllable => "Syllable",
            Granularity::Word => "Word",
            Granularity::FullText => "FullText",
        };
        let d = match self.dimension {
            Dimension::Basic => "Basic",
            Dimension::Comprehensive => "Comprehensive",
        };
        let a = match self.phoneme_alphabet {
            Alphabet::Sapi => "SAPI",
            Alphabet::Ipa => "IPA",
        };
        serde_json::json!({
            "ReferenceText": self.reference_text, "GradingSystem": g, "Granularity": gr, "Dimension": d,
            "EnableMiscue": self.enable_miscue, "ScenarioId": self.scenario_id, "PhonemeAlphabet": a,
            "NBestPhonemeCount": self.nbest_phoneme_count, "EnableProsodyAssessment": self.enable_prosody_assessment,
        })
        .to_string()
    }
}

fn string(key: &str, v: &Value) -> Result<String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        other => Err(Error::Config(format!(
            "{key} must be a string, not {other}"
        ))),
    }
}

fn boolean(key: &str, v: &Value) -> Result<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        other => Err(Error::Config(format!(
            "{key} must be true or false, not {other}"
        ))),
    }
}

fn count(key: &str, v: &Value) -> Result<u32> {
    let n = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    n.filter(|n| *n <= 100).map(|n| n as u32).ok_or_else(|| {
        Error::Config(format!(
            "{key} must be a whole number from 0 to 100, not {v}"
        ))
    })
}

fn choice<T: Copy>(key: &str, v: &Value, options: &[(&str, T)]) -> Result<T> {
    let s = match v {
        Value::String(s) => s,
        other => {
            return Err(Error::Config(format!(
                "{key} must be a string, not {other}"
            )))
        }
    };
    options
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(s))
        .map(|(_, t)| *t)
        .ok_or_else(|| {
            let names: Vec<_> = options.iter().map(|(n, _)| *n).collect();
            Error::Config(format!(
                "{key} must be one of {}, not {s:?}",
                names.join(", ")
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_any_case_and_string_booleans() {
        let c = PronunciationAssessmentConfig::from_json(
            r#"{"REFERENCETEXT":"hi","granularity":"word","phonemealphabet":"ipa","nBestPhonemeCount":"5",
                "enableProsodyAssessment":"true","dimension":"Basic","ScenarioId":""}"#,
        )
        .unwrap();
        assert_eq!(c.reference_text, "hi");
        assert_eq!(c.granularity, Granularity::Word);
        assert_eq!(c.phoneme_alphabet, Alphabet::Ipa);
        assert_eq!(c.nbest_phoneme_count, 5);
        assert!(c.enable_prosody_assessment);
        assert_eq!(c.dimension, Dimension::Basic);
    }

    #[test]
    fn errors_name_the_key() {
        for (json, needle) in [
            (r#"{"GradingSystem":"TenPoint"}"#, "GradingSystem"),
            (r#"{"EnableMiscue":"yes"}"#, "EnableMiscue"),
            (r#"{"NBestPhonemeCount":-1}"#, "NBestPhonemeCount"),
            (r#"{"ReferenceText":5}"#, "ReferenceText"),
            (r#"{"Referencetxt":"a"}"#, "Referencetxt"),
            (r#"[1,2]"#, "object"),
            (r#"{"ReferenceText": "#, "JSON"),
        ] {
            let e = PronunciationAssessmentConfig::from_json(json)
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "{json}: {e}");
        }
    }

    #[test]
    fn round_trip() {
        let mut c = PronunciationAssessmentConfig::new("Good morning.");
        c.grading_system = GradingSystem::HundredMark;
        c.enable_miscue = true;
        c.nbest_phoneme_count = 3;
        assert_eq!(
            PronunciationAssessmentConfig::from_json(&c.to_json()).unwrap(),
            c
        );
    }
}

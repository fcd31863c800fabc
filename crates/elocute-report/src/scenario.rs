//! Scoring profiles selected by `ScenarioId`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use elocute_core::{Error, Result};
use serde::Deserialize;

/// Thresholds that turn scores into error types.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// What the profile is for.
    pub description: String,
    /// A word whose AccuracyScore (0-100) is below this is a `Mispronunciation`.
    pub mispronunciation_threshold: f64,
    /// A word with a phoneme whose AccuracyScore (0-100) is below this is a
    /// `Mispronunciation` too, whatever the word's score: a phone missed or
    /// replaced (the service leaves such words `None`, a common complaint).
    pub phoneme_error_threshold: f64,
    /// Break and monotone confidences at or above this become error types.
    pub prosody_error_threshold: f64,
}

static BUILT_IN: &str = include_str!("../scenarios.json");

fn table() -> &'static BTreeMap<String, Scenario> {
    static T: OnceLock<BTreeMap<String, Scenario>> = OnceLock::new();
    // The table is compiled in and checked by a test, so it always parses.
    T.get_or_init(|| serde_json::from_str(BUILT_IN).unwrap_or_default())
}

/// The profile named `id` (`""` is the default; names are case-insensitive).
///
/// ```
/// use elocute_report::scenario;
/// assert_eq!(scenario("").unwrap().mispronunciation_threshold, 60.0);
/// assert!(scenario("Strict").unwrap().mispronunciation_threshold > 60.0);
/// assert!(scenario("no-such-profile").is_err());
/// ```
pub fn scenario(id: &str) -> Result<&'static Scenario> {
    let key = id.trim().to_ascii_lowercase();
    table().get(&key).ok_or_else(|| {
        let names: Vec<_> = table()
            .keys()
            .filter(|k| !k.is_empty())
            .map(String::as_str)
            .collect();
        Error::Config(format!(
            "unknown ScenarioId {id:?}; known: \"\" (default), {}",
            names.join(", ")
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_table_parses_and_has_a_default() {
        let t: BTreeMap<String, Scenario> = serde_json::from_str(BUILT_IN).unwrap();
        assert!(t.contains_key(""));
        for s in t.values() {
            assert!((0.0..=100.0).contains(&s.mispronunciation_threshold));
            assert!(s.phoneme_error_threshold < s.mispronunciation_threshold);
            assert!((0.0..=1.0).contains(&s.prosody_error_threshold));
        }
    }
}

//! The REST short-audio API's layout of the same result.

use serde_json::{json, Map, Value};

use crate::result::AssessmentResult;

/// Which REST response to produce (the API's `format` query parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RestFormat {
    /// Status, display text, offset and duration only.
    Simple,
    /// Everything, with the scores flat on each entry (the default here).
    #[default]
    Detailed,
}

/// The result in the REST API's layout: `RecognitionStatus` as a name
/// (`"Success"`), and every `PronunciationAssessment` object's fields moved
/// up into the entry that holds it (`NBest[0].AccuracyScore`,
/// `Words[i].ErrorType`, `Phonemes[j].NBestPhonemes`).
///
/// ```
/// use elocute_report::{to_rest, AssessmentResult, RestFormat};
/// # fn demo(r: &AssessmentResult) {
/// let v = to_rest(r, RestFormat::Detailed);
/// assert_eq!(v["RecognitionStatus"], "Success");
/// assert!(v["NBest"][0]["AccuracyScore"].is_number());
/// # }
/// ```
pub fn to_rest(result: &AssessmentResult, format: RestFormat) -> Value {
    let status = result.recognition_status.name();
    match format {
        RestFormat::Simple => json!({
            "RecognitionStatus": status,
            "DisplayText": result.display_text,
            "Offset": result.offset,
            "Duration": result.duration,
        }),
        RestFormat::Detailed => {
            let mut v = serde_json::to_value(result).unwrap_or(Value::Null);
            flatten(&mut v);
            if let Some(o) = v.as_object_mut() {
                o.insert("RecognitionStatus".into(), Value::from(status));
                o.shift_remove("Id");
            }
            v
        }
    }
}

/// Moves every `PronunciationAssessment` object's fields up into the entry that holds it.
pub(crate) fn flatten(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Object(pa)) = map.shift_remove("PronunciationAssessment") {
                let rest: Map<String, Value> = std::mem::take(map);
                // Keep the entry's own keys first, then the scores, as the service does.
                let (head, tail): (Vec<_>, Vec<_>) = rest
                    .into_iter()
                    .partition(|(k, _)| !matches!(k.as_str(), "Words" | "Syllables" | "Phonemes"));
                map.extend(head);
                map.extend(pa);
                map.extend(tail);
            }
            map.values_mut().for_each(flatten);
        }
        Value::Array(items) => items.iter_mut().for_each(flatten),
        _ => {}
    }
}

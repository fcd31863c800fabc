//! `elocute batch --summary FILE.csv`: one spreadsheet row per recording (a
//! teacher's class list), read from the same JSON lines the batch writes, in
//! any of their layouts (SDK, REST, continuous).

use serde_json::Value;

/// The CSV header line.
pub const HEADER: &str = "id,status,RecognitionStatus,PronScore,AccuracyScore,FluencyScore,\
CompletenessScore,ProsodyScore,words,mispronounced,omitted,inserted,weakest,error";

/// The object carrying the full-text scores, whichever layout `result` has.
fn scores(result: &Value) -> Option<&Value> {
    let nbest = &result["NBest"][0];
    [
        &result["PronunciationAssessment"],
        result,
        &nbest["PronunciationAssessment"],
        nbest,
    ]
    .into_iter()
    .find(|v| v.get("AccuracyScore").is_some())
}

/// The reference words with their scores, whichever layout `result` has.
fn words(result: &Value) -> &[Value] {
    result["Words"]
        .as_array()
        .or_else(|| result["NBest"][0]["Words"].as_array())
        .map_or(&[], Vec::as_slice)
}

/// A word's assessment: nested in the SDK layout, flat in the REST one.
fn assessment(word: &Value) -> &Value {
    word.get("PronunciationAssessment").unwrap_or(word)
}

/// A field quoted when it holds a comma, quote or line break (RFC 4180).
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn number(v: &Value) -> String {
    v.as_f64().map(|x| format!("{x}")).unwrap_or_default()
}

/// The CSV row of one batch output line (`{"id", "result"}` or `{"id", "error"}`).
pub fn row(line: &Value) -> String {
    let id = line["id"].as_str().unwrap_or("");
    if let Some(error) = line["error"].as_str() {
        return [
            id, "error", "", "", "", "", "", "", "", "", "", "", "", error,
        ]
        .map(field)
        .join(",");
    }
    let result = &line["result"];
    // A name in the REST layout, the SDK's numeric code in its own.
    let status = match &result["RecognitionStatus"] {
        Value::String(s) => s.clone(),
        Value::Number(n) => match n.as_u64() {
            Some(0) => "Success".into(),
            Some(1) => "NoMatch".into(),
            Some(2) => "InitialSilenceTimeout".into(),
            _ => n.to_string(),
        },
        _ => String::new(),
    };
    let s = scores(result);
    let score = |key: &str| s.map(|s| number(&s[key])).unwrap_or_default();
    let words = words(result);
    let with = |kind: &str| {
        words
            .iter()
            .filter(|w| assessment(w)["ErrorType"] == kind)
            .filter_map(|w| w["Word"].as_str())
            .collect::<Vec<_>>()
            .join(" ")
    };
    // The three said words that scored lowest, to practise first.
    let mut said: Vec<(&str, f64)> = words
        .iter()
        .filter(|w| {
            !matches!(
                assessment(w)["ErrorType"].as_str(),
                Some("Omission" | "Insertion")
            )
        })
        .filter_map(|w| {
            Some((
                w["Word"].as_str()?,
                assessment(w)["AccuracyScore"].as_f64()?,
            ))
        })
        .collect();
    said.sort_by(|a, b| a.1.total_cmp(&b.1));
    let weakest = said
        .iter()
        .take(3)
        .map(|(w, a)| format!("{w} ({a})"))
        .collect::<Vec<_>>()
        .join("; ");
    let reference_words = words
        .iter()
        .filter(|w| assessment(w)["ErrorType"] != "Insertion")
        .count();
    [
        id.to_string(),
        "ok".into(),
        status,
        score("PronScore"),
        score("AccuracyScore"),
        score("FluencyScore"),
        score("CompletenessScore"),
        score("ProsodyScore"),
        reference_words.to_string(),
        with("Mispronunciation"),
        with("Omission"),
        with("Insertion"),
        weakest,
        String::new(),
    ]
    .map(|f| field(&f))
    .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn word(w: &str, acc: f64, kind: &str) -> Value {
        json!({"Word": w, "PronunciationAssessment": {"AccuracyScore": acc, "ErrorType": kind}})
    }

    #[test]
    fn rows_of_each_layout() {
        let sdk = json!({"id": "a1", "result": {"RecognitionStatus": 0, "NBest": [{
            "PronunciationAssessment": {"AccuracyScore": 80.5, "FluencyScore": 90, "CompletenessScore": 75,
                                        "PronScore": 81.2},
            "Words": [word("good", 95.0, "None"), word("morning", 40.0, "Mispronunciation"),
                      word("to", 0.0, "Omission"), word("uh", 30.0, "Insertion"), word("you", 70.0, "None")]}]}});
        assert_eq!(
            row(&sdk),
            "a1,ok,Success,81.2,80.5,90,75,,4,morning,to,uh,morning (40); you (70); good (95),"
        );
        // The REST layout: the same row.
        let rest = json!({"id": "a1", "result": {"RecognitionStatus": "Success", "NBest": [{
            "AccuracyScore": 80.5, "FluencyScore": 90, "CompletenessScore": 75, "PronScore": 81.2,
            "Words": [{"Word": "good", "AccuracyScore": 95.0, "ErrorType": "None"},
                      {"Word": "morning", "AccuracyScore": 40.0, "ErrorType": "Mispronunciation"},
                      {"Word": "to", "AccuracyScore": 0.0, "ErrorType": "Omission"},
                      {"Word": "uh", "AccuracyScore": 30.0, "ErrorType": "Insertion"},
                      {"Word": "you", "AccuracyScore": 70.0, "ErrorType": "None"}]}]}});
        assert_eq!(row(&rest), row(&sdk));
        // Continuous: scores and words at the top.
        let cont = json!({"id": "c", "result": {"RecognitionStatus": "Success",
            "PronunciationAssessment": {"AccuracyScore": 60, "ProsodyScore": 55.5},
            "Words": [word("hi", 60.0, "None")], "Segments": []}});
        assert_eq!(row(&cont), "c,ok,Success,,60,,,55.5,1,,,,hi (60),");
        // A failure, with a message that needs quoting.
        let bad = json!({"id": "x,1", "error": "file \"x.wav\": not audio"});
        assert_eq!(
            row(&bad),
            "\"x,1\",error,,,,,,,,,,,,\"file \"\"x.wav\"\": not audio\""
        );
        assert_eq!(
            HEADER.split(',').count(),
            row(&rest).matches(',').count() + 1
        );
    }
}

//! The README's output example is what the engine prints for the bundled sample, so the
//! documentation cannot drift from the default model (it once showed a former default's scores).

use elocute::PronunciationAssessmentConfig;
use elocute_tests::assessor;
use serde_json::Value;

/// The first ```json block after `## Output` in the README.
fn readme_example() -> Value {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md beside the workspace");
    let section = &readme[readme.find("## Output").expect("an Output section")..];
    let start = section.find("```json\n").expect("a json block") + "```json\n".len();
    let end = start + section[start..].find("```").expect("a closed block");
    serde_json::from_str(&section[start..end]).expect("the README example parses as JSON")
}

/// Every key and array element of `example` is in `actual` with the same value; arrays in the
/// example may be shorter (it shows the first word only).
///
/// Another CPU may run other int8 and float kernels, so numbers may differ by a rounding step: a
/// score by up to 1 point, a time by up to one 10 ms frame (100,000 ticks). For the same reason
/// n-best candidates are matched by phoneme, not by rank (near-ties may swap). A former default
/// model's example differs by far more (scores by 1-3 points, other phonemes, other times).
fn contains(actual: &Value, example: &Value, path: &str, diffs: &mut Vec<String>) {
    match (actual, example) {
        (Value::Object(a), Value::Object(e)) => {
            for (k, ev) in e {
                match a.get(k) {
                    Some(av) => contains(av, ev, &format!("{path}.{k}"), diffs),
                    None => diffs.push(format!("{path}.{k}: missing from the output")),
                }
            }
        }
        (Value::Array(a), Value::Array(e)) if path.ends_with("NBestPhonemes") => {
            for ev in e {
                match a.iter().find(|av| av["Phoneme"] == ev["Phoneme"]) {
                    Some(av) => contains(av, ev, &format!("{path}[{}]", ev["Phoneme"]), diffs),
                    None => diffs.push(format!("{path}: no candidate {}", ev["Phoneme"])),
                }
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            if e.len() > a.len() {
                diffs.push(format!("{path}: {} elements, README {}", a.len(), e.len()));
            }
            for (i, (av, ev)) in a.iter().zip(e).enumerate() {
                contains(av, ev, &format!("{path}[{i}]"), diffs);
            }
        }
        (Value::Number(a), Value::Number(e)) => {
            let (a, e) = (a.as_f64().unwrap(), e.as_f64().unwrap());
            let time = path.ends_with(".Offset") || path.ends_with(".Duration");
            let tolerance = if time { 100_000.0 } else { 1.0 };
            if (a - e).abs() > tolerance {
                diffs.push(format!("{path}: output {a}, README {e}"));
            }
        }
        (a, e) if a == e => {}
        (a, e) => diffs.push(format!("{path}: output {a}, README {e}")),
    }
}

#[test]
fn the_readme_output_example_is_the_engines_output() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/good_morning.wav");
    let mut config = PronunciationAssessmentConfig::from_json(
        r#"{"GradingSystem":"HundredMark","NBestPhonemeCount":2}"#,
    )
    .unwrap();
    config.reference_text = "Good morning. How are you today?".into();
    let result = assessor().assess_file(sample, &config).unwrap();
    let actual = serde_json::to_value(&result).unwrap();
    let example = readme_example();
    let mut diffs = Vec::new();
    contains(&actual, &example, "", &mut diffs);
    assert!(
        diffs.is_empty(),
        "README.md's output example differs from the output (update the README):\n{}",
        diffs.join("\n")
    );
}

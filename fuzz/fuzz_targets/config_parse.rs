//! Arbitrary UTF-8 as a `PronunciationAssessmentConfig`: a config or an `Error::Config`, never a panic;
//! whatever parses must survive a round trip through `to_json`.
#![no_main]

use elocute_report::PronunciationAssessmentConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match PronunciationAssessmentConfig::from_json(text) {
        Ok(c) => {
            let again = PronunciationAssessmentConfig::from_json(&c.to_json())
                .expect("to_json output must parse");
            assert_eq!(again, c, "round trip changed the config");
        }
        Err(e) => {
            assert!(
                matches!(e, elocute::Error::Config(_)),
                "config errors must be Error::Config, got {e:?}"
            );
            assert!(!e.to_string().contains('\n') || text.contains('\n'));
        }
    }
});

//! Report stage of elocute: the `PronunciationAssessmentConfig` JSON that
//! configures an assessment, and the result JSON in the layout the Azure
//! Speech SDK returns, so apps read elocute's output unchanged.
//!
//! ```
//! use elocute_report::{PronunciationAssessmentConfig, Granularity};
//! let cfg = PronunciationAssessmentConfig::from_json(r#"{"ReferenceText":"hello","Granularity":"Word"}"#).unwrap();
//! assert_eq!(cfg.granularity, Granularity::Word);
//! ```

mod config;
mod continuous;
mod rest;
mod result;
mod scenario;

pub use config::{Dimension, GradingSystem, Granularity, PronunciationAssessmentConfig};
pub use continuous::{omitted_entry, summarize, ContinuousResult, OmittedWord, SegmentSummary};
pub use rest::{to_rest, RestFormat};
pub use result::{
    build, syllable_spans, AssessmentResult, BreakFeedback, Confidence, Feedback, InsertedWord,
    IntonationFeedback, MonotoneFeedback, NBest, NBestPhoneme, Phoneme, PhonemeAssessment,
    ProsodyFeedback, RecognitionStatus, ReportInput, Syllable, SyllableSpan, TextAssessment, Word,
    WordAssessment, MISPRONUNCIATION_THRESHOLD,
};
pub use scenario::{scenario, Scenario};

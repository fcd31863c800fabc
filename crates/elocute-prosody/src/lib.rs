//! Prosody assessment: pitch ([`PitchTracker`]), pauses and intonation feed
//! `ProsodyScore` and each word's `Feedback.Prosody` (breaks and monotone).
//!
//! Breaks are judged at each word boundary: a long pause where the text has
//! no punctuation is an *unexpected break*, no pause where it has one is a
//! *missing break*. Intonation is judged over the utterance: little pitch
//! movement (in semitones around the speaker's median) is *monotone*, a
//! verdict copied onto every word as the service does.
//!
//! ```
//! use elocute_prosody::{assess, ProsodyOptions, WordTiming};
//! // Two words with a 0.6 s pause and no punctuation between them.
//! let words = [
//!     WordTiming { start: 0, end: 40, syllables: vec![(0, 40)], punct_after: false },
//!     WordTiming { start: 100, end: 140, syllables: vec![(100, 140)], punct_after: false },
//! ];
//! let f0 = vec![120.0f32; 140];
//! let p = assess(&f0, &words, &ProsodyOptions::default());
//! assert_eq!(p.words[1].break_errors, ["UnexpectedBreak"]);
//! assert!(p.monotone.confidence > 0.75);
//! ```

mod pitch;

pub use pitch::{PitchConfig, PitchTracker};

/// Where a word and its syllables lie, in frames, and whether punctuation follows it.
#[derive(Debug, Clone, PartialEq)]
pub struct WordTiming {
    /// First frame.
    pub start: usize,
    /// One past the last frame.
    pub end: usize,
    /// Syllables as `(start, end)` frames.
    pub syllables: Vec<(usize, usize)>,
    /// Punctuation follows the word in the reference text.
    pub punct_after: bool,
}

/// Thresholds of the prosody judgements.
#[derive(Debug, Clone, PartialEq)]
pub struct ProsodyOptions {
    /// Seconds per frame.
    pub frame_seconds: f64,
    /// A confidence at or above this turns into an error type (the service documents 0.75).
    pub error_threshold: f64,
    /// Pause (s) that is an even bet for an unexpected break where no punctuation is.
    pub unexpected_pause: f64,
    /// Pause (s) that is an even bet for an unexpected break after punctuation.
    pub unexpected_pause_punct: f64,
    /// Pause (s) under which a break after punctuation is an even bet to be missing.
    pub missing_pause: f64,
    /// Pitch spread (semitones, std) that is an even bet for monotone.
    pub monotone_semitones: f64,
}

impl Default for ProsodyOptions {
    fn default() -> Self {
        ProsodyOptions {
            frame_seconds: 0.01,
            error_threshold: 0.75,
            unexpected_pause: 0.3,
            unexpected_pause_punct: 1.5,
            missing_pause: 0.08,
            monotone_semitones: 1.2,
        }
    }
}

/// The utterance-level monotone verdict.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Monotone {
    /// 0-1: the reading is monotone (from the overall pitch spread).
    pub confidence: f64,
    /// 0-1: words are flat (from pitch slopes within words).
    pub word_pitch_slope_confidence: f64,
    /// 0-1: syllables are flat (from pitch changes between syllables).
    pub syllable_pitch_delta_confidence: f64,
}

/// Break feedback of one word (about the pause before it).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WordProsody {
    /// 0-1: a pause here is not expected by the text.
    pub unexpected_break: f64,
    /// 0-1: the text expects a pause here and there is none.
    pub missing_break: f64,
    /// Pause before the word, in frames.
    pub break_frames: usize,
    /// `["UnexpectedBreak"]`, `["MissingBreak"]` or `["None"]`.
    pub break_errors: Vec<&'static str>,
    /// `["Monotone"]` or empty.
    pub intonation_errors: Vec<&'static str>,
}

/// Prosody of an utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct Prosody {
    /// 0-100.
    pub score: f64,
    /// Utterance-level intonation verdict.
    pub monotone: Monotone,
    /// One entry per word.
    pub words: Vec<WordProsody>,
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Judge breaks and intonation from per-frame F0 (0 = unvoiced) and word timings.
pub fn assess(f0: &[f32], words: &[WordTiming], o: &ProsodyOptions) -> Prosody {
    // Pitch in semitones around the speaker's median, inside words only.
    let voiced: Vec<f64> = words
        .iter()
        .flat_map(|w| f0.get(w.start..w.end.min(f0.len())).unwrap_or(&[]).iter())
        .filter(|&&f| f > 0.0)
        .map(|&f| f64::from(f))
        .collect();
    let median = median(&voiced).unwrap_or(100.0);
    let st = |f: f32| 12.0 * (f64::from(f) / median).log2();
    let st_values: Vec<f64> = voiced.iter().map(|&f| 12.0 * (f / median).log2()).collect();
    let spread = std_dev(&st_values);

    let mut slopes = Vec::new();
    let mut syllable_means = Vec::new();
    for w in words {
        let pts: Vec<(f64, f64)> = (w.start..w.end.min(f0.len()))
            .filter(|&t| f0[t] > 0.0)
            .map(|t| (t as f64 * o.frame_seconds, st(f0[t])))
            .collect();
        if pts.len() >= 5 {
            slopes.push(slope(&pts).abs());
        }
        for &(a, b) in &w.syllables {
            let v: Vec<f64> = (a..b.min(f0.len()))
                .filter(|&t| f0[t] > 0.0)
                .map(|t| st(f0[t]))
                .collect();
            if !v.is_empty() {
                syllable_means.push(v.iter().sum::<f64>() / v.len() as f64);
            }
        }
    }
    let deltas: Vec<f64> = syllable_means
        .windows(2)
        .map(|p| (p[1] - p[0]).abs())
        .collect();
    let mean_or = |v: &[f64], d: f64| {
        if v.is_empty() {
            d
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let monotone = Monotone {
        confidence: logistic((o.monotone_semitones - spread) / 0.3),
        word_pitch_slope_confidence: logistic((3.0 - mean_or(&slopes, 0.0)) / 1.0),
        syllable_pitch_delta_confidence: logistic((0.8 - mean_or(&deltas, 0.0)) / 0.3),
    };
    let monotone_error = monotone.confidence >= o.error_threshold;

    let mut out = Vec::with_capacity(words.len());
    let mut penalties = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let mut wp = WordProsody {
            intonation_errors: if monotone_error {
                vec!["Monotone"]
            } else {
                Vec::new()
            },
            ..Default::default()
        };
        if i > 0 {
            let prev = &words[i - 1];
            let gap_frames = w.start.saturating_sub(prev.end);
            let gap = gap_frames as f64 * o.frame_seconds;
            wp.break_frames = gap_frames;
            if prev.punct_after {
                wp.unexpected_break = logistic((gap - o.unexpected_pause_punct) / 0.2);
                wp.missing_break = logistic((o.missing_pause - gap) / 0.03);
            } else {
                wp.unexpected_break = logistic((gap - o.unexpected_pause) / 0.06);
            }
            penalties.push(wp.unexpected_break.max(wp.missing_break));
        }
        wp.break_errors = if wp.unexpected_break >= o.error_threshold {
            vec!["UnexpectedBreak"]
        } else if wp.missing_break >= o.error_threshold {
            vec!["MissingBreak"]
        } else {
            vec!["None"]
        };
        out.push(wp);
    }
    let breaks = 100.0 * (1.0 - mean_or(&penalties, 0.0));
    let intonation = 100.0 * (1.0 - monotone.confidence);
    Prosody {
        score: 0.5 * breaks + 0.5 * intonation,
        monotone,
        words: out,
    }
}

fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    Some(s[s.len() / 2])
}

fn std_dev(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
}

/// Least-squares slope of y over x.
fn slope(p: &[(f64, f64)]) -> f64 {
    let n = p.len() as f64;
    let (mx, my) = (
        p.iter().map(|q| q.0).sum::<f64>() / n,
        p.iter().map(|q| q.1).sum::<f64>() / n,
    );
    let sxx: f64 = p.iter().map(|q| (q.0 - mx).powi(2)).sum();
    let sxy: f64 = p.iter().map(|q| (q.0 - mx) * (q.1 - my)).sum();
    if sxx > 0.0 {
        sxy / sxx
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(gaps: &[usize], punct: &[bool]) -> Vec<WordTiming> {
        let mut t = 0;
        let mut out = Vec::new();
        for (i, &g) in gaps.iter().enumerate() {
            t += g;
            out.push(WordTiming {
                start: t,
                end: t + 30,
                syllables: vec![(t, t + 15), (t + 15, t + 30)],
                punct_after: punct[i],
            });
            t += 30;
        }
        out
    }

    fn lively(n: usize) -> Vec<f32> {
        (0..n)
            .map(|t| 150.0 * 2f32.powf(4.0 * (t as f32 * 0.05).sin() / 12.0))
            .collect()
    }

    #[test]
    fn breaks_follow_punctuation() {
        // "one, two three": no pause after the comma, a long one where none belongs.
        let w = words(&[0, 2, 50], &[true, false, false]);
        let p = assess(&lively(200), &w, &ProsodyOptions::default());
        assert_eq!(p.words[0].break_errors, ["None"]);
        assert_eq!(p.words[1].break_errors, ["MissingBreak"]);
        assert_eq!(p.words[2].break_errors, ["UnexpectedBreak"]);
        assert_eq!(p.words[2].break_frames, 50);
        // The same pauses placed where the text has punctuation are fine.
        let w = words(&[0, 40, 3], &[true, false, false]);
        let good = assess(&lively(200), &w, &ProsodyOptions::default());
        assert!(
            good.words.iter().all(|x| x.break_errors == ["None"]),
            "{good:?}"
        );
        assert!(good.score > p.score);
    }

    #[test]
    fn flat_pitch_is_monotone_and_lively_is_not() {
        let w = words(&[0, 5, 5, 5], &[false; 4]);
        let flat = assess(&vec![120.0; 200], &w, &ProsodyOptions::default());
        let live = assess(&lively(200), &w, &ProsodyOptions::default());
        assert!(
            flat.monotone.confidence > 0.9 && live.monotone.confidence < 0.2,
            "{flat:?} {live:?}"
        );
        assert!(flat
            .words
            .iter()
            .all(|x| x.intonation_errors == ["Monotone"]));
        assert!(live.words.iter().all(|x| x.intonation_errors.is_empty()));
        assert!(
            flat.monotone.syllable_pitch_delta_confidence
                > live.monotone.syllable_pitch_delta_confidence
        );
        assert!(live.score > flat.score + 30.0);
    }

    #[test]
    fn degenerate_inputs() {
        let p = assess(&[], &[], &ProsodyOptions::default());
        assert!(p.words.is_empty() && (0.0..=100.0).contains(&p.score));
        let w = words(&[0], &[false]);
        let p = assess(&[0.0; 10], &w, &ProsodyOptions::default());
        assert!((0.0..=100.0).contains(&p.score));
    }
}

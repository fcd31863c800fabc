//! The acoustic evidence a learned scorer sees: one feature row per
//! reference phone, and how its outputs replace the GOP-based scores.
//!
//! The same function builds the rows for training (`elocute features`) and
//! for inference, so the scorer and the pipeline cannot drift apart; a
//! scorer records the [`FEATURE_VERSION`] it was trained on.
//!
//! Row layout (`PHONE_FEATURES` columns, every value finite):
//!
//! | columns | meaning |
//! | --- | --- |
//! | 0..40 | mean over the phone's frames of `log P(q) - max log P`, for the 39 CMU phones then silence (LPR vector, clamped at −30) |
//! | 40..80 | mean `log P(q)` for the same 40 phones (LPP vector, clamped at −30) |
//! | 80, 81 | LPP and LPR of the expected phone |
//! | 82 | `ln(1 + frames)` of the phone |
//! | 83 | 1 when the aligner gave the phone no frames (its word was omitted) |
//! | 84, 85 | 1 on the first / last phone of its word |
//! | 86 | position in the word, 0 (first) to 1 (last) |
//! | 87, 88 | pause before / after the phone's word, seconds (0 at the text's edges) |
//! | 89 | `ln(1 + word duration in frames)` |
//! | 90 | 1 when punctuation follows the phone's word |
//! | 91 | speaking rate, phones per second of speech, divided by 10 |
//! | 92 | share of the read span spent in pauses between words |
//! | 93 | `ln(1 + reference phones)` |
//! | 94, 95 | the rule-based fluency and completeness, 0-1 |
//! | 96 | share of the recording's frames in which speech was most likely |

use ndarray::{Array2, ArrayView2};

use crate::{PhoneScore, UtteranceScore};

/// Version of the row layout; bump it whenever a column changes meaning.
pub const FEATURE_VERSION: u32 = 1;

/// Columns per phone row.
pub const PHONE_FEATURES: usize = 97;

/// Phones in the posterior vectors: the 39 CMU phones then silence.
pub const VECTOR_PHONES: usize = 40;

/// Floor for log posteriors, so that omitted phones and near-zero
/// probabilities stay finite and comparable.
const FLOOR: f32 = -30.0;

/// What the feature rows are computed from, besides the scores themselves.
#[derive(Debug, Clone, Copy)]
pub struct FeatureContext<'a> {
    /// `[frames, model phones]` log posteriors.
    pub phone_logpost: ArrayView2<'a, f32>,
    /// Model column of each CMU phone (39, in `CMU_PHONES` order) followed by silence.
    pub columns: &'a [usize],
    /// CMU phone index (0..39) of each reference phone, in order.
    pub cmu: &'a [usize],
    /// Whether punctuation follows each word.
    pub punct_after: &'a [bool],
    /// Seconds per frame.
    pub frame_seconds: f64,
}

/// The learned scorer's input for one utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct ScorerInput {
    /// `[phones, PHONE_FEATURES]` rows.
    pub features: Array2<f32>,
    /// CMU phone index of each reference phone.
    pub phones: Vec<i64>,
}

/// Build the feature rows of an utterance scored by [`crate::score`].
///
/// ```
/// use elocute_align::{align, Topology};
/// use elocute_score::{features, score, ScoreOptions};
/// use ndarray::Array2;
///
/// // Two model phones besides silence (column 0); frames favour 0,1,1,2,2,0.
/// let mut lp = Array2::from_elem((6, 3), -8.0f32);
/// for (t, &q) in [0, 1, 1, 2, 2, 0].iter().enumerate() {
///     lp[[t, q]] = 0.0;
/// }
/// let al = align(lp.view(), &[vec![1, 2]], &Topology::uniform(3, 1, 0)).unwrap();
/// let s = score(&al, lp.view(), 0, &[], &[false], &ScoreOptions::default());
/// // Map CMU phones 0 and 1 to model columns 1 and 2, every other one to 1, silence to 0.
/// let mut columns = vec![1; 39];
/// columns[1] = 2;
/// columns.push(0);
/// let ctx = features::FeatureContext {
///     phone_logpost: lp.view(),
///     columns: &columns,
///     cmu: &[0, 1],
///     punct_after: &[false],
///     frame_seconds: 0.01,
/// };
/// let input = features::scorer_input(&s, &ctx);
/// assert_eq!(input.features.dim(), (2, features::PHONE_FEATURES));
/// assert_eq!(input.features[[0, 81]], 0.0); // the expected phone was the best one
/// ```
pub fn scorer_input(scores: &UtteranceScore, ctx: &FeatureContext<'_>) -> ScorerInput {
    let n = scores.phones.len();
    let frames = ctx.phone_logpost.nrows();
    let mut f = Array2::<f32>::zeros((n, PHONE_FEATURES));
    let words = &scores.words;

    // Utterance-level columns.
    let (rate, pause_share) = rate_and_pauses(scores, ctx.frame_seconds);
    let speech_share = if frames == 0 {
        0.0
    } else {
        scores.speech_frames as f64 / frames as f64
    };
    let utt = [
        rate / 10.0,
        pause_share,
        (1.0 + n as f64).ln(),
        scores.fluency / 100.0,
        scores.completeness / 100.0,
        speech_share,
    ];

    let per_word = phones_per_word(scores);
    for (i, p) in scores.phones.iter().enumerate() {
        let mut row = f.row_mut(i);
        let (lpr, lpp) = vectors(p, ctx);
        for k in 0..VECTOR_PHONES {
            row[k] = lpr[k];
            row[VECTOR_PHONES + k] = lpp[k];
        }
        let expected = ctx.cmu.get(i).copied().unwrap_or(0).min(VECTOR_PHONES - 1);
        row[80] = lpp[expected];
        row[81] = lpr[expected];
        let len = p.end.saturating_sub(p.start);
        row[82] = (1.0 + len as f32).ln();
        row[83] = f32::from(len == 0);
        let in_word = per_word.get(p.word).copied().unwrap_or(1);
        row[84] = f32::from(p.index == 0);
        row[85] = f32::from(p.index + 1 == in_word);
        row[86] = if in_word > 1 {
            p.index as f32 / (in_word - 1) as f32
        } else {
            0.0
        };
        let gap = |a: usize, b: usize| {
            (words[b].start.saturating_sub(words[a].end)) as f64 * ctx.frame_seconds
        };
        if p.word < words.len() {
            row[87] = if p.word > 0 {
                gap(p.word - 1, p.word)
            } else {
                0.0
            } as f32;
            row[88] = if p.word + 1 < words.len() {
                gap(p.word, p.word + 1)
            } else {
                0.0
            } as f32;
            let w = &words[p.word];
            row[89] = (1.0 + w.end.saturating_sub(w.start) as f32).ln();
        }
        row[90] = f32::from(ctx.punct_after.get(p.word).copied().unwrap_or(false));
        for (k, v) in utt.iter().enumerate() {
            row[91 + k] = *v as f32;
        }
    }
    let phones = (0..n)
        .map(|i| ctx.cmu.get(i).copied().unwrap_or(0) as i64)
        .collect();
    ScorerInput {
        features: f,
        phones,
    }
}

/// How many reference phones each word has (phones are listed in word order).
pub fn phones_per_word(scores: &UtteranceScore) -> Vec<usize> {
    let mut n = vec![0usize; scores.words.len()];
    for p in &scores.phones {
        if let Some(c) = n.get_mut(p.word) {
            *c += 1;
        }
    }
    n
}

/// The LPR and LPP vectors of one phone over the 40 vector phones.
fn vectors(
    p: &PhoneScore,
    ctx: &FeatureContext<'_>,
) -> ([f32; VECTOR_PHONES], [f32; VECTOR_PHONES]) {
    let mut lpr = [0.0f64; VECTOR_PHONES];
    let mut lpp = [0.0f64; VECTOR_PHONES];
    let frames = ctx.phone_logpost.nrows();
    let (start, end) = (p.start.min(frames), p.end.min(frames));
    if end <= start {
        return ([FLOOR; VECTOR_PHONES], [FLOOR; VECTOR_PHONES]);
    }
    for t in start..end {
        let row = ctx.phone_logpost.row(t);
        let best = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        for (k, &c) in ctx.columns.iter().take(VECTOR_PHONES).enumerate() {
            let v = row.get(c).copied().unwrap_or(FLOOR);
            lpp[k] += f64::from(v.max(FLOOR));
            lpr[k] += f64::from((v - best).max(FLOOR));
        }
    }
    let n = (end - start) as f64;
    let finite = |x: f64| if x.is_finite() { x as f32 } else { FLOOR };
    (lpr.map(|x| finite(x / n)), lpp.map(|x| finite(x / n)))
}

/// Phones per second of speech, and the share of the read span spent in
/// pauses between words.
fn rate_and_pauses(scores: &UtteranceScore, frame_seconds: f64) -> (f64, f64) {
    let w = &scores.words;
    let (Some(first), Some(last)) = (w.first(), w.last()) else {
        return (0.0, 0.0);
    };
    let span = last.end.saturating_sub(first.start) as f64 * frame_seconds;
    if span <= 0.0 {
        return (0.0, 0.0);
    }
    let pauses: f64 = w
        .windows(2)
        .map(|p| p[1].start.saturating_sub(p[0].end) as f64 * frame_seconds)
        .sum();
    let speaking = (span - pauses).max(frame_seconds);
    (
        scores.phones.len() as f64 / speaking,
        (pauses / span).min(1.0),
    )
}

/// A learned scorer's verdict on one utterance, every value on 0-100.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnedScores {
    /// Accuracy of each reference phone.
    pub phone: Vec<f64>,
    /// Word accuracy predicted at each phone (averaged over the word's phones).
    pub word: Vec<f64>,
    /// Utterance accuracy.
    pub accuracy: f64,
    /// Utterance fluency.
    pub fluency: f64,
    /// Utterance prosody.
    pub prosody: f64,
}

/// Replace the GOP-based accuracies and fluency of `scores` by a learned
/// scorer's; omitted words stay at zero and completeness is recounted.
/// Returns the learned prosody score. Does nothing when the phone counts
/// disagree.
pub fn apply_learned(
    scores: &mut UtteranceScore,
    learned: &LearnedScores,
    spoken_threshold: f64,
) -> Option<f64> {
    if learned.phone.len() != scores.phones.len() || learned.word.len() != scores.phones.len() {
        return None;
    }
    let clamp = |x: f64| {
        if x.is_finite() {
            x.clamp(0.0, 100.0)
        } else {
            0.0
        }
    };
    for (p, &a) in scores.phones.iter_mut().zip(&learned.phone) {
        p.accuracy = if p.end > p.start { clamp(a) } else { 0.0 };
    }
    // One pass over the phones: each word's summed prediction, phone count and whether it was said.
    let n_words = scores.words.len();
    let (mut sum, mut count, mut said) = (
        vec![0.0; n_words],
        vec![0usize; n_words],
        vec![false; n_words],
    );
    for (p, &v) in scores.phones.iter().zip(&learned.word) {
        if p.word < n_words {
            sum[p.word] += v;
            count[p.word] += 1;
            said[p.word] |= p.end > p.start;
        }
    }
    let mut spoken = 0;
    for (w, ws) in scores.words.iter_mut().enumerate() {
        ws.accuracy = if said[w] {
            clamp(sum[w] / count[w] as f64)
        } else {
            0.0
        };
        ws.spoken = ws.accuracy >= spoken_threshold;
        spoken += usize::from(ws.spoken);
    }
    let completeness = if scores.words.is_empty() {
        0.0
    } else {
        100.0 * spoken as f64 / scores.words.len() as f64
    };
    scores.completeness = completeness;
    scores.accuracy = clamp(learned.accuracy);
    scores.fluency = clamp(learned.fluency) * completeness / 100.0;
    scores.pron = crate::pron_score(&[scores.accuracy, scores.fluency, scores.completeness]);
    Some(clamp(learned.prosody))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{score, ScoreOptions};
    use elocute_align::{align, Topology};
    use ndarray::Array2;

    fn utterance() -> (Array2<f32>, UtteranceScore) {
        // Silence, word 0 = [1, 2], pause, word 1 = [3], silence.
        let truth = [0, 0, 1, 1, 1, 2, 2, 2, 0, 0, 0, 3, 3, 3, 3, 0];
        let mut lp = Array2::from_elem((truth.len(), 4), -9.0f32);
        for (t, &q) in truth.iter().enumerate() {
            lp[[t, q]] = 0.0;
        }
        let al = align(
            lp.view(),
            &[vec![1, 2], vec![3]],
            &Topology::uniform(4, 1, 0),
        )
        .unwrap();
        let s = score(
            &al,
            lp.view(),
            0,
            &[],
            &[true, false],
            &ScoreOptions::default(),
        );
        (lp, s)
    }

    #[test]
    fn rows_are_finite_and_describe_the_phone() {
        let (lp, s) = utterance();
        let mut columns: Vec<usize> = (0..39).map(|k| 1 + k % 3).collect();
        columns.push(0);
        let cmu = [0, 1, 2];
        let input = scorer_input(
            &s,
            &FeatureContext {
                phone_logpost: lp.view(),
                columns: &columns,
                cmu: &cmu,
                punct_after: &[true, false],
                frame_seconds: 0.01,
            },
        );
        let f = &input.features;
        assert_eq!(f.dim(), (3, PHONE_FEATURES));
        assert!(f.iter().all(|v| v.is_finite()));
        assert_eq!(input.phones, vec![0, 1, 2]);
        // First phone of word 0, last of word 0, only phone of word 1.
        assert_eq!(
            (f[[0, 84]], f[[0, 85]], f[[1, 85]], f[[2, 84]]),
            (1.0, 0.0, 1.0, 1.0)
        );
        // A 0.03 s pause between the words, seen after word 0 and before word 1.
        assert!((f[[1, 88]] - 0.03).abs() < 1e-6 && (f[[2, 87]] - 0.03).abs() < 1e-6);
        assert_eq!((f[[0, 90]], f[[2, 90]]), (1.0, 0.0));
        // Every phone said as expected: LPR of the expected phone is 0, LPP too.
        for i in 0..3 {
            assert_eq!((f[[i, 80]], f[[i, 81]]), (0.0, 0.0));
            assert_eq!(f[[i, 83]], 0.0);
        }
    }

    #[test]
    fn learned_scores_replace_gop_and_are_clamped() {
        let (_, mut s) = utterance();
        let learned = LearnedScores {
            phone: vec![80.0, 120.0, -5.0],
            word: vec![90.0, 70.0, 20.0],
            accuracy: 66.0,
            fluency: 90.0,
            prosody: 77.0,
        };
        assert_eq!(apply_learned(&mut s, &learned, 50.0), Some(77.0));
        let acc: Vec<f64> = s.phones.iter().map(|p| p.accuracy).collect();
        assert_eq!(acc, vec![80.0, 100.0, 0.0]);
        assert_eq!(s.words[0].accuracy, 80.0);
        assert!(
            !s.words[1].spoken,
            "a word scored 20 does not count as said"
        );
        assert_eq!(s.completeness, 50.0);
        assert_eq!((s.accuracy, s.fluency), (66.0, 45.0));
        // A scorer that disagrees about the phone count changes nothing.
        let before = s.clone();
        let short = LearnedScores {
            phone: vec![1.0],
            ..learned
        };
        assert_eq!(apply_learned(&mut s, &short, 50.0), None);
        assert_eq!(s, before);
    }
}

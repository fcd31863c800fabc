//! Scoring: from an alignment and frame phone posteriors to accuracy,
//! fluency, completeness and PronScore on a 0-100 scale.
//!
//! Phone accuracy comes from the goodness of pronunciation (GOP): over the
//! frames aligned to a phone, the mean log posterior of the expected phone
//! relative to the best phone (the log posterior ratio, LPR, ≤ 0), mapped to
//! 0-100 by a logistic [`Calibration`]. Syllable, word and full-text accuracy
//! average their phones. Fluency looks at pauses between words and speaking
//! rate; completeness at the share of reference words actually spoken.
//!
//! ```
//! use elocute_score::pron_score;
//! // The reading scenario without prosody: 0.6·lowest + 0.2·others.
//! assert!((pron_score(&[100.0, 74.0, 100.0]) - 84.4).abs() < 1e-9);
//! // With prosody: 0.4·lowest + 0.2·others.
//! assert!((pron_score(&[100.0, 100.0, 87.8, 100.0]) - 95.12).abs() < 1e-9);
//! ```

pub mod features;

use elocute_align::Alignment;
use ndarray::{ArrayView1, ArrayView2};

/// Maps a phone's log posterior ratio to a 0-100 accuracy:
/// `100 / (1 + exp(-slope · (lpr - midpoint)))`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Calibration {
    /// LPR that scores 50.
    pub midpoint: f64,
    /// Steepness of the logistic.
    pub slope: f64,
}

impl Default for Calibration {
    /// Fitted on speechocean762 train (5-fold speaker-disjoint CV, GMM model):
    /// maximises phone Pearson while phones experts rate 2.0 average about 88.
    fn default() -> Self {
        Calibration {
            midpoint: -5.3,
            slope: 0.75,
        }
    }
}

impl Calibration {
    /// Accuracy 0-100 of a log posterior ratio.
    pub fn accuracy(&self, lpr: f64) -> f64 {
        100.0 / (1.0 + (-self.slope * (lpr - self.midpoint)).exp())
    }
}

/// Tunable scoring settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreOptions {
    /// GOP-to-accuracy mapping.
    pub calibration: Calibration,
    /// Seconds per frame.
    pub frame_seconds: f64,
    /// A pause between words longer than this (seconds) costs fluency...
    pub pause_allowance: f64,
    /// ...unless punctuation precedes it, which allows this much.
    pub punct_pause_allowance: f64,
    /// Speaking rate (phones per second) at which the rate factor is one half.
    pub rate_midpoint: f64,
    /// A word whose accuracy is below this counts as not spoken (completeness).
    pub spoken_threshold: f64,
    /// How many spoken-phone candidates to list per phone (0: none).
    pub nbest: usize,
    /// Model phone ids that may be listed as spoken phones (not silence or noise).
    pub candidates: Vec<usize>,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions {
            calibration: Calibration::default(),
            frame_seconds: 0.01,
            // Fitted on speechocean762 train against expert fluency (CV).
            pause_allowance: 0.0,
            punct_pause_allowance: 0.8,
            rate_midpoint: 4.0,
            spoken_threshold: 50.0,
            nbest: 0,
            candidates: Vec::new(),
        }
    }
}

/// Scores of one reference phone.
#[derive(Debug, Clone, PartialEq)]
pub struct PhoneScore {
    /// Index of the reference word.
    pub word: usize,
    /// Position within the word.
    pub index: usize,
    /// Model phone id.
    pub phone: usize,
    /// First frame.
    pub start: usize,
    /// One past the last frame.
    pub end: usize,
    /// Mean log posterior of the expected phone (LPP).
    pub lpp: f64,
    /// Mean log posterior ratio against the best phone (LPR, ≤ 0).
    pub lpr: f64,
    /// 0-100.
    pub accuracy: f64,
    /// The most likely spoken phones (model ids) with 0-100 scores, best first
    /// (empty unless [`ScoreOptions::nbest`] is set).
    pub nbest: Vec<(usize, f64)>,
}

/// Scores of one reference word.
#[derive(Debug, Clone, PartialEq)]
pub struct WordScore {
    /// First frame.
    pub start: usize,
    /// One past the last frame.
    pub end: usize,
    /// 0-100: mean of its phones.
    pub accuracy: f64,
    /// Whether the word was judged to be spoken at all.
    pub spoken: bool,
}

/// Everything the scorer says about an utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct UtteranceScore {
    /// Reference phones in order.
    pub phones: Vec<PhoneScore>,
    /// Reference words in order.
    pub words: Vec<WordScore>,
    /// 0-100 mean phone accuracy.
    pub accuracy: f64,
    /// 0-100.
    pub fluency: f64,
    /// 0-100 share of words spoken.
    pub completeness: f64,
    /// 0-100 weighted combination ([`pron_score`]).
    pub pron: f64,
    /// Audible frames in which some speech phone is more likely than silence
    /// ([`is_speech_frame`]).
    pub speech_frames: usize,
    /// Mean posterior of the expected phones: a 0-1 confidence that the text was said.
    pub confidence: f64,
}

/// Whether a frame sounds like speech: it is `audible`, and some speech phone
/// is more likely than silence. Speech phones are `candidates` (model ids of
/// real phones), or every column but `silence` when that list is empty; noise
/// units such as the GMM's `+NSN+` beating silence do not make speech.
///
/// ```
/// use elocute_score::is_speech_frame;
/// use ndarray::arr1;
/// // columns: 0 silence, 1 a phone, 2 a noise unit
/// let noise = arr1(&[-2.0f32, -3.0, -0.2]);
/// assert!(!is_speech_frame(noise.view(), true, 0, &[1]));
/// let phone = arr1(&[-2.0f32, -0.2, -3.0]);
/// assert!(is_speech_frame(phone.view(), true, 0, &[1]));
/// assert!(!is_speech_frame(phone.view(), false, 0, &[1]));
/// ```
pub fn is_speech_frame(
    row: ArrayView1<f32>,
    audible: bool,
    silence: usize,
    candidates: &[usize],
) -> bool {
    let sil = row[silence];
    audible
        && if candidates.is_empty() {
            row.iter()
                .enumerate()
                .any(|(q, &v)| q != silence && v > sil)
        } else {
            candidates
                .iter()
                .any(|&q| q != silence && row.get(q).is_some_and(|&v| v > sil))
        }
}

/// Score an utterance.
///
/// `phone_logpost` is `[frames, phones]`; `silence` the silence column;
/// `audible[t]` whether frame `t` is loud enough to hold speech (frames past
/// its end count as audible); `punct_after[w]` whether punctuation follows
/// word `w` (pauses there are allowed longer).
pub fn score(
    alignment: &Alignment,
    phone_logpost: ArrayView2<f32>,
    silence: usize,
    audible: &[bool],
    punct_after: &[bool],
    opts: &ScoreOptions,
) -> UtteranceScore {
    let frames = phone_logpost.nrows();
    let speech_frames = phone_logpost
        .rows()
        .into_iter()
        .enumerate()
        .filter(|(t, r)| {
            is_speech_frame(
                *r,
                audible.get(*t).copied().unwrap_or(true),
                silence,
                &opts.candidates,
            )
        })
        .count();

    let mut phones = Vec::new();
    let mut ratio = vec![0.0f64; phone_logpost.ncols()];
    for seg in alignment.word_phones() {
        let mut lpp = 0.0f64;
        ratio.iter_mut().for_each(|r| *r = 0.0);
        let (start, end) = (seg.start.min(frames), seg.end.min(frames));
        for t in start..end {
            let row = phone_logpost.row(t);
            let best = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            lpp += f64::from(row[seg.phone]);
            for (r, &v) in ratio.iter_mut().zip(row.iter()) {
                *r += f64::from(v - best);
            }
        }
        let n = (end - start).max(1) as f64;
        // A phone the aligner skipped (an omitted word) was not said at all.
        let omitted = end <= start;
        let lpp = if omitted { f64::NEG_INFINITY } else { lpp / n };
        let lpr = if omitted {
            f64::NEG_INFINITY
        } else {
            ratio[seg.phone] / n
        };
        // Every candidate is scored like the expected phone, so the expected
        // phone's entry in the list equals its AccuracyScore.
        let mut nbest: Vec<(usize, f64)> = opts
            .candidates
            .iter()
            .map(|&q| (q, opts.calibration.accuracy(ratio[q] / n)))
            .collect();
        nbest.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        nbest.truncate(if omitted { 0 } else { opts.nbest });
        phones.push(PhoneScore {
            word: seg.word.unwrap_or(0),
            index: seg.index,
            phone: seg.phone,
            start: seg.start,
            end: seg.end,
            lpp,
            lpr,
            accuracy: opts.calibration.accuracy(lpr),
            nbest,
        });
    }

    let words: Vec<WordScore> = alignment
        .words
        .iter()
        .enumerate()
        .map(|(w, seg)| {
            let acc: Vec<f64> = phones
                .iter()
                .filter(|p| p.word == w)
                .map(|p| p.accuracy)
                .collect();
            let accuracy = mean(&acc);
            WordScore {
                start: seg.start,
                end: seg.end,
                accuracy,
                spoken: accuracy >= opts.spoken_threshold,
            }
        })
        .collect();

    let accuracy = mean(&phones.iter().map(|p| p.accuracy).collect::<Vec<_>>());
    let spoken = words.iter().filter(|w| w.spoken).count();
    let completeness = if words.is_empty() {
        0.0
    } else {
        100.0 * spoken as f64 / words.len() as f64
    };
    let fluency = fluency(&words, phones.len(), punct_after, opts) * completeness / 100.0;
    let confidence = mean(&phones.iter().map(|p| p.lpp.exp()).collect::<Vec<_>>());
    let pron = pron_score(&[accuracy, fluency, completeness]);
    UtteranceScore {
        phones,
        words,
        accuracy,
        fluency,
        completeness,
        pron,
        speech_frames,
        confidence,
    }
}

/// 0-100 fluency from pauses between words and the speaking rate.
fn fluency(words: &[WordScore], n_phones: usize, punct_after: &[bool], o: &ScoreOptions) -> f64 {
    let (Some(first), Some(last)) = (words.first(), words.last()) else {
        return 0.0;
    };
    let span = (last.end.saturating_sub(first.start)) as f64 * o.frame_seconds;
    if span <= 0.0 {
        return 0.0;
    }
    let mut excess = 0.0;
    let mut pauses = 0.0;
    for (w, pair) in words.windows(2).enumerate() {
        let gap = pair[1].start.saturating_sub(pair[0].end) as f64 * o.frame_seconds;
        pauses += gap;
        let allow = if punct_after.get(w).copied().unwrap_or(false) {
            o.punct_pause_allowance
        } else {
            o.pause_allowance
        };
        excess += (gap - allow).max(0.0);
    }
    let pause_factor = (1.0 - excess / span).clamp(0.0, 1.0);
    let speaking = (span - pauses).max(o.frame_seconds);
    let rate = n_phones as f64 / speaking;
    let rate_factor = 1.0 / (1.0 + (-(rate - o.rate_midpoint)).exp());
    100.0 * pause_factor * rate_factor.min(1.0)
}

/// PronScore as the service weighs its sub-scores: sorted ascending, the
/// lowest gets 0.6 (three scores: accuracy, fluency, completeness) or 0.4
/// (four, with prosody) and every other 0.2.
pub fn pron_score(scores: &[f64]) -> f64 {
    let mut s: Vec<f64> = scores.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => 0.0,
        1 => s[0],
        2 => 0.6 * s[0] + 0.4 * s[1],
        n => {
            let lowest = 1.0 - 0.2 * (n - 1) as f64;
            lowest * s[0] + 0.2 * s[1..].iter().sum::<f64>()
        }
    }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use elocute_align::{align, Topology};
    use ndarray::Array2;

    /// Posteriors where frame t favours `truth[t]` with log ratio `margin`.
    fn post(truth: &[usize], phones: usize, margin: f32) -> Array2<f32> {
        let mut m = Array2::from_elem((truth.len(), phones), -margin);
        for (t, &p) in truth.iter().enumerate() {
            m[[t, p]] = 0.0;
        }
        m
    }

    #[test]
    fn wrong_phone_scores_lower_than_right_phone() {
        let topo = Topology::uniform(4, 1, 0);
        // Said: 1 2 (correct), then 3 where 2 was expected.
        let truth = [0, 1, 1, 2, 2, 0, 1, 1, 3, 3, 0];
        let p = post(&truth, 4, 12.0);
        let al = align(p.view(), &[vec![1, 2], vec![1, 2]], &topo).unwrap();
        let s = score(
            &al,
            p.view(),
            0,
            &[],
            &[false, false],
            &ScoreOptions::default(),
        );
        assert_eq!(s.phones.len(), 4);
        assert!(s.phones[1].accuracy > 90.0, "{:?}", s.phones[1]);
        assert!(s.phones[3].accuracy < 10.0, "{:?}", s.phones[3]);
        assert!(s.words[0].accuracy > s.words[1].accuracy);
        assert!(s.phones[3].nbest.is_empty(), "no candidates unless asked");
        let opts = ScoreOptions {
            nbest: 3,
            candidates: vec![1, 2, 3],
            ..Default::default()
        };
        let s = score(&al, p.view(), 0, &[], &[false, false], &opts);
        let nb = &s.phones[3].nbest;
        assert_eq!(nb.len(), 3);
        assert_eq!(nb[0].0, 3, "the phone actually said comes first: {nb:?}");
        let expected = nb.iter().find(|(q, _)| *q == 2).unwrap();
        assert!((expected.1 - s.phones[3].accuracy).abs() < 1e-9);
        assert!(s.accuracy > 0.0 && s.accuracy < 100.0);
    }

    #[test]
    fn long_unpunctuated_pause_costs_fluency() {
        let topo = Topology::uniform(3, 1, 0);
        let mut fluent = vec![0; 5];
        fluent.extend([1; 8]);
        fluent.extend([2; 8]);
        fluent.extend([0; 5]);
        let mut halting = vec![0; 5];
        halting.extend([1; 8]);
        halting.extend([0; 150]);
        halting.extend([2; 8]);
        halting.extend([0; 5]);
        let f = |truth: &[usize], punct: bool| {
            let p = post(truth, 3, 6.0);
            let al = align(p.view(), &[vec![1], vec![2]], &topo).unwrap();
            score(
                &al,
                p.view(),
                0,
                &[],
                &[punct, false],
                &ScoreOptions::default(),
            )
            .fluency
        };
        let (a, b, c) = (f(&fluent, false), f(&halting, false), f(&halting, true));
        assert!(a > b + 20.0, "fluent {a} halting {b}");
        assert!(c > b, "a comma excuses part of the pause: {c} vs {b}");
    }

    #[test]
    fn silence_means_incomplete() {
        let topo = Topology::uniform(3, 1, 0);
        let p = post(&[0; 40], 3, 6.0);
        let al = align(p.view(), &[vec![1], vec![2]], &topo).unwrap();
        let s = score(
            &al,
            p.view(),
            0,
            &[],
            &[false, false],
            &ScoreOptions::default(),
        );
        assert_eq!(s.speech_frames, 0);
        assert_eq!(s.completeness, 0.0);
        assert!(s.pron < 10.0);
    }

    #[test]
    fn noise_units_are_not_speech() {
        // Columns: 0 silence, 1 and 2 phones, 3 a noise unit that wins every frame.
        let topo = Topology::uniform(4, 1, 0);
        let p = post(&[3; 40], 4, 6.0);
        let al = align(p.view(), &[vec![1], vec![2]], &topo).unwrap();
        let with = |candidates: Vec<usize>| {
            let opts = ScoreOptions {
                candidates,
                ..ScoreOptions::default()
            };
            score(&al, p.view(), 0, &[], &[false, false], &opts).speech_frames
        };
        assert_eq!(with(vec![1, 2]), 0);
        // Without a list of speech phones every non-silence column counts.
        assert_eq!(with(Vec::new()), 40);
    }

    #[test]
    fn pron_score_weights() {
        assert_eq!(pron_score(&[]), 0.0);
        assert!((pron_score(&[80.0, 60.0]) - (0.6 * 60.0 + 0.4 * 80.0)).abs() < 1e-9);
        assert!((pron_score(&[50.0, 100.0, 100.0]) - 70.0).abs() < 1e-9);
    }

    #[test]
    fn calibration_is_monotone_and_bounded() {
        let c = Calibration::default();
        let mut last = -1.0;
        for i in -40..=0 {
            let a = c.accuracy(i as f64 * 0.5);
            assert!(a > last && (0.0..=100.0).contains(&a));
            last = a;
        }
    }
}

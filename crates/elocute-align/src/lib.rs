//! Forced alignment: Viterbi in the log domain over an HMM built from the
//! reference.
//!
//! The reference is a list of words, each a list of model phone ids. Every
//! phone becomes a left-to-right chain of `states_per_phone` states without
//! skips (so a phone lasts at least that many frames); an optional silence
//! may stand before the first word, between words and after the last.
//! Emission scores come as a `[frames, phones * columns_per_phone]` matrix of
//! log scores; state `j` of phone `p` reads column
//! `p * columns_per_phone + j * columns_per_phone / states_per_phone`, so a
//! model with one output per phone can still impose a minimum duration.
//!
//! ```
//! use elocute_align::{align, Topology};
//! use ndarray::Array2;
//! // Two phones (0 = silence, 1 = "a"), one state each; frames 3..7 sound like "a".
//! let mut em = Array2::from_elem((10, 2), -10.0f32);
//! for t in 0..10 { em[[t, if (3..7).contains(&t) { 1 } else { 0 }]] = 0.0; }
//! let topo = Topology::uniform(2, 1, 0);
//! let al = align(em.view(), &[vec![1]], &topo).unwrap();
//! let a = al.word_phones().next().unwrap();
//! assert_eq!((a.start, a.end), (3, 7));
//! assert_eq!((al.words[0].start, al.words[0].end), (3, 7));
//! ```

use elocute_core::{Error, Result};
use ndarray::ArrayView2;

/// Back-pointer of a state entered by skipping ahead ([`align_prefix`]).
const JUMPED: u8 = u8::MAX;

/// Largest trellis (frames × states) aligned in one pass; bounds memory at
/// about this many bytes of back-pointers.
pub const MAX_TRELLIS: usize = 400_000_000;

/// HMM shape and transition scores of a model's phones.
#[derive(Debug, Clone, PartialEq)]
pub struct Topology {
    /// HMM states per phone (the minimum duration of a phone in frames).
    pub states_per_phone: usize,
    /// Score columns per phone (divides `states_per_phone`' range evenly).
    pub columns_per_phone: usize,
    /// Per phone, per state: (log P(stay), log P(advance)).
    pub transitions: Vec<Vec<(f32, f32)>>,
    /// The phone id of silence.
    pub silence: usize,
    /// Log score added when an optional silence is taken (negative discourages it).
    pub silence_penalty: f32,
    /// When set, a reference word may be skipped (omitted) at this log score.
    pub omission_penalty: Option<f32>,
    /// When set with `omission_penalty`: in [`align_prefix`] the path may
    /// jump from a pause to any later pause at this log score, however many
    /// words it passes (a reader who skipped a line); in [`align`] it may end
    /// after any word at this log score, the words after it omitted (a reader
    /// who stopped early), instead of one omission penalty per unread word.
    pub skip_penalty: Option<f32>,
    /// When set, speech that matches no reference word may stand between
    /// words ([`Alignment::insertions`]).
    pub insertion: Option<Insertion>,
}

/// A filler ("garbage") model for speech outside the reference: wherever an
/// optional silence may stand, a frame may instead be explained by the best
/// of `phones` at a per-frame log cost `penalty`, so an extra word is not
/// forced into its neighbours.
#[derive(Debug, Clone, PartialEq)]
pub struct Insertion {
    /// Log score added per filler frame (negative).
    pub penalty: f32,
    /// Phone ids a filler frame may sound like (speech phones, not silence or noise).
    pub phones: Vec<usize>,
    /// Shortest filler run, in frames, reported as an insertion.
    pub min_frames: usize,
}

impl Topology {
    /// Every phone with `states` states and 0.5/0.5 self/advance probabilities.
    pub fn uniform(phones: usize, states: usize, silence: usize) -> Self {
        let half = 0.5f32.ln();
        Topology {
            states_per_phone: states,
            columns_per_phone: states,
            transitions: vec![vec![(half, half); states]; phones],
            silence,
            silence_penalty: 0.0,
            omission_penalty: None,
            skip_penalty: None,
            insertion: None,
        }
    }
}

/// A phone's place in the alignment, frames `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhoneSeg {
    /// Model phone id.
    pub phone: usize,
    /// Index of the reference word, or `None` for silence.
    pub word: Option<usize>,
    /// Position of the phone within its word.
    pub index: usize,
    /// First frame.
    pub start: usize,
    /// One past the last frame.
    pub end: usize,
}

/// A word's place in the alignment, frames `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WordSeg {
    /// First frame.
    pub start: usize,
    /// One past the last frame.
    pub end: usize,
}

/// The best path: phones (including the silences taken) and words in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct Alignment {
    /// Every phone and silence segment in time order.
    pub phones: Vec<PhoneSeg>,
    /// One entry per reference word.
    pub words: Vec<WordSeg>,
    /// Stretches of speech matching no reference word, in time order (only
    /// with [`Topology::insertion`]); they lie inside the silence segments.
    pub insertions: Vec<WordSeg>,
    /// Total log score of the best path.
    pub score: f32,
}

impl Alignment {
    /// The non-silence phone segments, in reference order.
    pub fn word_phones(&self) -> impl Iterator<Item = &PhoneSeg> {
        self.phones.iter().filter(|p| p.word.is_some())
    }

    /// One past the last word that was said (has frames): after
    /// [`align_prefix`], how far into the reference the audio reached.
    pub fn words_reached(&self) -> usize {
        self.words
            .iter()
            .rposition(|w| w.end > w.start)
            .map_or(0, |w| w + 1)
    }
}

struct State {
    column: usize,
    seg: usize,
    stay: f32,
    /// Up to two predecessors: (state index, log score of the move).
    preds: [(u32, f32); 4],
    npreds: u8,
}

/// Align `words` (phone ids per word) to `emissions` under `topo`.
///
/// Fails with [`Error::Alignment`] when there are fewer frames than the
/// reference's minimum duration, or the trellis exceeds [`MAX_TRELLIS`].
pub fn align(
    emissions: ArrayView2<f32>,
    words: &[Vec<usize>],
    topo: &Topology,
) -> Result<Alignment> {
    align_impl(emissions, words, topo, false)
}

/// Align the audio to a *prefix* of `words`: the best path may end after any
/// word (or before the first), so the audio need not hold the whole
/// reference. This is how a stretch of a longer reading finds the words it
/// covers: the words it did not reach come back as zero-length segments at
/// the last frame, like omitted words, and [`Alignment::words_reached`]
/// counts the words up to the last one said. With
/// [`Topology::omission_penalty`] the path may also skip words and may start
/// at any word for one such penalty, and with [`Topology::skip_penalty`] jump
/// from a pause to any later pause (a reader who skipped ahead).
///
/// ```
/// use elocute_align::{align_prefix, Topology};
/// use ndarray::Array2;
/// // Phones 1, 2, 3 are three one-phone words; the audio holds only "1 2".
/// let mut em = Array2::from_elem((12, 4), -10.0f32);
/// for t in 0..12 { em[[t, [0, 1, 1, 1, 2, 2, 2, 0, 0, 0, 0, 0][t]]] = 0.0; }
/// let al = align_prefix(em.view(), &[vec![1], vec![2], vec![3]], &Topology::uniform(4, 1, 0)).unwrap();
/// assert_eq!(al.words_reached(), 2);
/// assert_eq!((al.words[1].start, al.words[1].end), (4, 7));
/// ```
pub fn align_prefix(
    emissions: ArrayView2<f32>,
    words: &[Vec<usize>],
    topo: &Topology,
) -> Result<Alignment> {
    align_impl(emissions, words, topo, true)
}

fn align_impl(
    emissions: ArrayView2<f32>,
    words: &[Vec<usize>],
    topo: &Topology,
    free_end: bool,
) -> Result<Alignment> {
    let spp = topo.states_per_phone.max(1);
    let cpp = topo.columns_per_phone.clamp(1, spp);
    let (frames, cols) = emissions.dim();
    let n_phones = topo.transitions.len();
    if cols != n_phones * cpp {
        return Err(Error::Alignment(format!(
            "{cols} score columns for {n_phones} phones x {cpp} columns"
        )));
    }
    if let Some((p, t)) = topo
        .transitions
        .iter()
        .enumerate()
        .find(|(_, t)| t.len() != spp)
    {
        return Err(Error::Alignment(format!(
            "phone {p} has {} transitions for {spp} states",
            t.len()
        )));
    }
    if words.is_empty() || words.iter().any(|w| w.is_empty()) {
        return Err(Error::Alignment("empty word in the reference".into()));
    }
    if let Some(&bad) = words.iter().flatten().find(|&&p| p >= n_phones) {
        return Err(Error::Alignment(format!(
            "phone id {bad} outside the model's {n_phones}"
        )));
    }

    // Segments: silence, word 0 phones, silence, word 1 phones, ..., silence.
    let mut segs: Vec<PhoneSeg> = Vec::new();
    let sil = |segs: &Vec<PhoneSeg>| {
        PhoneSeg {
            phone: topo.silence,
            word: None,
            index: 0,
            start: 0,
            end: 0,
        }
        .with_index(segs.len())
    };
    segs.push(sil(&segs));
    for (w, phones) in words.iter().enumerate() {
        for (i, &p) in phones.iter().enumerate() {
            segs.push(PhoneSeg {
                phone: p,
                word: Some(w),
                index: i,
                start: 0,
                end: 0,
            });
        }
        segs.push(sil(&segs));
    }
    let min_frames = match (topo.omission_penalty, free_end, topo.skip_penalty) {
        (None, false, None) => words.iter().map(Vec::len).sum::<usize>() * spp,
        // A reading that may stop early needs room for its first word only.
        (None, false, Some(_)) => words.first().map_or(0, Vec::len) * spp,
        _ => spp,
    };
    if frames < min_frames {
        return Err(Error::Alignment(format!(
            "{frames} frames of audio are too few for {min_frames} frames of reference phones"
        )));
    }

    // Segment index of silence k (before word k; k = words.len() is the final one) and of word k's first phone.
    let mut sil_seg = Vec::with_capacity(words.len() + 1);
    let mut word_seg = Vec::with_capacity(words.len());
    for (i, sg) in segs.iter().enumerate() {
        match sg.word {
            None => sil_seg.push(i),
            Some(_) if sg.index == 0 => word_seg.push(i),
            _ => {}
        }
    }
    let mut states: Vec<State> = Vec::with_capacity(segs.len() * spp);
    let mut seg_first = Vec::with_capacity(segs.len());
    for (si, seg) in segs.iter().enumerate() {
        seg_first.push(states.len());
        let tr = &topo.transitions[seg.phone];
        for j in 0..spp {
            let (stay, _) = tr[j];
            let mut st = State {
                column: seg.phone * cpp + j * cpp / spp,
                seg: si,
                stay,
                preds: [(0, 0.0); 4],
                npreds: 0,
            };
            let mut push = |from: usize, lp: f32| {
                st.preds[st.npreds as usize] = (from as u32, lp);
                st.npreds += 1;
            };
            if j > 0 {
                push(states.len() - 1, tr[j - 1].1);
            } else if si > 0 {
                let prev = &segs[si - 1];
                let prev_exit = topo.transitions[prev.phone][spp - 1].1;
                let entry = if seg.word.is_none() {
                    topo.silence_penalty
                } else {
                    0.0
                };
                push(states.len() - 1, prev_exit + entry);
                // Skipping an optional silence: come straight from the phone before it.
                if prev.word.is_none() && si >= 2 {
                    let before = &segs[si - 2];
                    push(
                        states.len() - 1 - spp,
                        topo.transitions[before.phone][spp - 1].1,
                    );
                }
                // Omitting the word before this unit: come from whatever preceded that word.
                if let (Some(pen), true) =
                    (topo.omission_penalty, seg.word.is_none() || seg.index == 0)
                {
                    let k = match seg.word {
                        Some(w) => w,                                               // first phone of word w
                        None => sil_seg.iter().position(|&x| x == si).unwrap_or(0), // silence k
                    };
                    // The word skipped is k - 1: its preceding silence, and the word before that.
                    if k >= 1 {
                        let sil_before = sil_seg[k - 1];
                        let exit = |seg_i: usize| seg_i * spp + spp - 1;
                        let lp = |seg_i: usize| topo.transitions[segs[seg_i].phone][spp - 1].1;
                        push(exit(sil_before), lp(sil_before) + pen);
                        if seg.word.is_some() && k >= 2 {
                            let last_of_prev = sil_before - 1;
                            push(exit(last_of_prev), lp(last_of_prev) + pen);
                        }
                    }
                }
            }
            states.push(st);
        }
    }
    let n = states.len();
    if frames.saturating_mul(n) > MAX_TRELLIS {
        return Err(Error::Alignment(format!(
            "{frames} frames x {n} states is too large to align in one pass"
        )));
    }

    const NEG: f32 = f32::NEG_INFINITY;
    let mut delta = vec![NEG; n];
    let mut next = vec![NEG; n];
    // 0 = stayed, 1 or 2 = came from preds[0] or preds[1].
    let mut back = vec![0u8; frames * n];
    // Silence index of each silence's first state (where a skip ahead lands).
    let mut sil_entry = vec![None; n];
    for (k, &seg) in sil_seg.iter().enumerate() {
        sil_entry[seg * spp] = Some(k);
    }
    let first_word = seg_first[1];
    // Per frame: the best filler score, or -inf without a filler model.
    let filler: Vec<f32> = match &topo.insertion {
        Some(ins) => (0..frames)
            .map(|t| {
                let best = ins
                    .phones
                    .iter()
                    .filter(|&&p| p < n_phones && p != topo.silence)
                    .flat_map(|&p| (0..cpp).map(move |c| p * cpp + c))
                    .map(|c| emissions[[t, c]])
                    .filter(|v| !v.is_nan())
                    .fold(NEG, f32::max);
                best + ins.penalty
            })
            .collect(),
        None => vec![NEG; frames],
    };
    let is_silence: Vec<bool> = states
        .iter()
        .map(|st| segs[st.seg].word.is_none())
        .collect();
    let emit = |t: usize, s: usize| {
        let v = emissions[[t, states[s].column]];
        let v = if v.is_nan() { NEG } else { v };
        if is_silence[s] {
            v.max(filler[t])
        } else {
            v
        }
    };
    delta[0] = topo.silence_penalty + emit(0, 0);
    delta[first_word] = emit(0, first_word);
    if let (Some(pen), Some(&w1)) = (topo.omission_penalty, word_seg.get(1)) {
        // The first word omitted: start in the second.
        delta[w1 * spp] = pen + emit(0, w1 * spp);
    }
    if let (Some(pen), true) = (topo.omission_penalty, free_end) {
        // A stretch of a longer reading may begin anywhere: skipping ahead
        // costs one omission however many words it passes.
        for k in 1..words.len() {
            for s in [word_seg[k] * spp, sil_seg[k] * spp] {
                delta[s] = delta[s].max(pen + emit(0, s));
            }
        }
    }
    // Prefix alignment with omissions: a reader may skip ahead from any pause
    // to a later one for a single omission, however many words lie between.
    let jump_pen = topo
        .skip_penalty
        .filter(|_| free_end && topo.omission_penalty.is_some());
    let n_sil = sil_seg.len();
    let sil_exit = |k: usize| sil_seg[k] * spp + spp - 1;
    let sil_lp = topo.transitions[topo.silence][spp - 1].1;
    // Per frame and silence: the silence exit a jump into this silence came from.
    let mut jump_from = vec![
        0u32;
        if jump_pen.is_some() {
            frames * n_sil
        } else {
            0
        }
    ];
    let mut jump_in = vec![(NEG, 0usize); n_sil];
    for t in 1..frames {
        if let Some(pen) = jump_pen {
            // Best silence exit at least two silences back (one back is an ordinary omission).
            let mut best = (NEG, 0usize);
            for (k, slot) in jump_in.iter_mut().enumerate() {
                *slot = (best.0 + sil_lp + pen, best.1);
                if k >= 1 {
                    let e = sil_exit(k - 1);
                    if delta[e] > best.0 {
                        best = (delta[e], e);
                    }
                }
            }
        }
        let row = &mut back[t * n..(t + 1) * n];
        for (s, st) in states.iter().enumerate() {
            let mut best = delta[s] + st.stay;
            let mut arg = 0u8;
            for k in 0..st.npreds as usize {
                let (from, lp) = st.preds[k];
                let v = delta[from as usize] + lp;
                if v > best {
                    best = v;
                    arg = k as u8 + 1;
                }
            }
            if jump_pen.is_some() {
                if let Some(k) = sil_entry[s] {
                    if jump_in[k].0 > best {
                        best = jump_in[k].0;
                        arg = JUMPED;
                        jump_from[t * n_sil + k] = jump_in[k].1 as u32;
                    }
                }
            }
            next[s] = best + emit(t, s);
            row[s] = arg;
        }
        std::mem::swap(&mut delta, &mut next);
    }

    // End in the last state of the final silence or of the last word's last phone.
    let last_sil = n - 1;
    let last_phone = n - 1 - spp;
    let mut ends = vec![(last_sil, 0.0), (last_phone, 0.0)];
    if free_end {
        // Any silence, or the last phone of any word: the words after it were not reached.
        for k in 0..words.len() {
            ends.push((sil_seg[k] * spp + spp - 1, 0.0));
            ends.push((sil_seg[k + 1] * spp - 1, 0.0));
        }
    } else if let (None, Some(stop), true) =
        (topo.omission_penalty, topo.skip_penalty, words.len() >= 2)
    {
        // Without omissions, a reading may still stop early: after any word
        // but the last, in the pause after it or at its end, for one penalty.
        for &sil in &sil_seg[1..words.len()] {
            ends.push((sil * spp + spp - 1, stop));
            ends.push((sil * spp - 1, stop));
        }
    } else if let (Some(pen), true) = (topo.omission_penalty, words.len() >= 2) {
        // The last word omitted, without a final silence: end in the word before it.
        ends.push((sil_seg[words.len() - 1] * spp - 1, pen));
        // ...or in the silence before it.
        ends.push((sil_seg[words.len() - 1] * spp + spp - 1, pen));
        if let Some(stop) = topo.skip_penalty {
            // A reading that stopped early: the unread rest omitted for one
            // penalty, so its words are not squeezed into the last frames.
            for &sil in &sil_seg[1..words.len() - 1] {
                // The pause before the first unread word, or the end of the word before it.
                ends.push((sil * spp + spp - 1, stop));
                ends.push((sil * spp - 1, stop));
            }
        }
    }
    let mut s = ends
        .iter()
        .copied()
        .max_by(|a, b| (delta[a.0] + a.1).total_cmp(&(delta[b.0] + b.1)))
        .map_or(last_sil, |e| e.0);
    let score = delta[s];
    if !score.is_finite() {
        return Err(Error::Alignment(
            "no path through the reference (scores are not finite)".into(),
        ));
    }
    let mut path = vec![0u32; frames];
    for t in (0..frames).rev() {
        path[t] = s as u32;
        if t > 0 {
            let a = back[t * n + s];
            if a == JUMPED {
                let k = sil_entry[s].expect("a jump lands on a silence");
                s = jump_from[t * n_sil + k] as usize;
            } else if a > 0 {
                s = states[s].preds[a as usize - 1].0 as usize;
            }
        }
    }

    let insertions = match &topo.insertion {
        Some(ins) => filler_runs(
            &path,
            &is_silence,
            |t, s| {
                let v = emissions[[t, states[s].column]];
                filler[t] > if v.is_nan() { NEG } else { v }
            },
            ins.min_frames,
        ),
        None => Vec::new(),
    };

    let mut out: Vec<PhoneSeg> = Vec::new();
    for (t, &s) in path.iter().enumerate() {
        let si = states[s as usize].seg;
        match out.last_mut() {
            Some(last) if last.index == si && last.end == t => last.end = t + 1,
            _ => out.push(
                PhoneSeg {
                    start: t,
                    end: t + 1,
                    ..segs[si]
                }
                .with_index(si),
            ),
        }
    }
    // Omitted (or not reached) words get zero-length phones where they would have been, in
    // reference order.
    if topo.omission_penalty.is_some() || topo.skip_penalty.is_some() || free_end {
        let mut said = vec![false; words.len()];
        for p in &out {
            if let Some(w) = segs[p.index].word {
                said[w] = true;
            }
        }
        let mut with_gaps =
            Vec::with_capacity(out.len() + words.iter().map(Vec::len).sum::<usize>());
        let mut next_word = 0;
        let flush = |upto: usize, at: usize, v: &mut Vec<PhoneSeg>, next_word: &mut usize| {
            while *next_word < upto {
                if !said[*next_word] {
                    let first = word_seg[*next_word];
                    for i in 0..words[*next_word].len() {
                        v.push(
                            PhoneSeg {
                                start: at,
                                end: at,
                                ..segs[first + i]
                            }
                            .with_index(first + i),
                        );
                    }
                }
                *next_word += 1;
            }
        };
        for p in out {
            if let Some(w) = segs[p.index].word {
                flush(w, p.start, &mut with_gaps, &mut next_word);
                next_word = next_word.max(w + 1);
            }
            with_gaps.push(p);
        }
        flush(words.len(), frames, &mut with_gaps, &mut next_word);
        out = with_gaps;
    }
    // Restore the within-word index (the segment index was used as a run key above).
    let mut words_out = vec![
        WordSeg {
            start: usize::MAX,
            end: 0
        };
        words.len()
    ];
    for p in &mut out {
        p.index = segs[p.index].index;
        if let Some(w) = p.word {
            words_out[w].start = words_out[w].start.min(p.start);
            words_out[w].end = words_out[w].end.max(p.end);
        }
    }
    Ok(Alignment {
        phones: out,
        words: words_out,
        insertions,
        score,
    })
}

/// Runs of frames where the filler explained the audio, joined across up
/// to ten silence frames (a stop closure inside a word; never across a
/// reference word), at least `min_frames` long.
fn filler_runs(
    path: &[u32],
    is_silence: &[bool],
    is_filler: impl Fn(usize, usize) -> bool,
    min_frames: usize,
) -> Vec<WordSeg> {
    const GAP: usize = 10;
    let mut runs: Vec<WordSeg> = Vec::new();
    let mut word_since = true;
    for (t, &s) in path.iter().enumerate() {
        let s = s as usize;
        if !is_silence[s] {
            word_since = true;
            continue;
        }
        if !is_filler(t, s) {
            continue;
        }
        match runs.last_mut() {
            Some(r) if !word_since && t <= r.end + GAP => r.end = t + 1,
            _ => runs.push(WordSeg {
                start: t,
                end: t + 1,
            }),
        }
        word_since = false;
    }
    runs.retain(|r| r.end - r.start >= min_frames.max(1));
    runs
}

/// Free phone decoding: the most likely sequence of `phones` over the frames
/// `[start, end)` of `logpost` (`[frames, phones]` log posteriors), each
/// change of phone costing `switch_penalty` (negative), as `(phone, start,
/// end)` runs of at least `min_frames` frames.
///
/// ```
/// use elocute_align::decode_phones;
/// use ndarray::Array2;
/// let mut lp = Array2::from_elem((9, 3), -6.0f32);
/// for (t, &q) in [1, 1, 1, 2, 1, 2, 2, 2, 2].iter().enumerate() {
///     lp[[t, q]] = 0.0;
/// }
/// // The one-frame blip of phone 1 inside phone 2 is not worth two switches.
/// assert_eq!(decode_phones(lp.view(), 0, 9, &[1, 2], -8.0, 2), vec![(1, 0, 3), (2, 3, 9)]);
/// ```
pub fn decode_phones(
    logpost: ArrayView2<f32>,
    start: usize,
    end: usize,
    phones: &[usize],
    switch_penalty: f32,
    min_frames: usize,
) -> Vec<(usize, usize, usize)> {
    let end = end.min(logpost.nrows());
    let phones: Vec<usize> = phones
        .iter()
        .copied()
        .filter(|&p| p < logpost.ncols())
        .collect();
    if start >= end || phones.is_empty() {
        return Vec::new();
    }
    let k = phones.len();
    let score = |t: usize, i: usize| {
        let v = logpost[[t, phones[i]]];
        if v.is_nan() {
            f32::NEG_INFINITY
        } else {
            v
        }
    };
    let mut delta: Vec<f32> = (0..k).map(|i| score(start, i)).collect();
    let mut back = vec![0u16; (end - start) * k];
    for t in start + 1..end {
        let (best_i, best) =
            delta
                .iter()
                .copied()
                .enumerate()
                .fold(
                    (0, f32::NEG_INFINITY),
                    |a, (i, v)| if v > a.1 { (i, v) } else { a },
                );
        let row = &mut back[(t - start) * k..(t - start + 1) * k];
        for i in 0..k {
            let (from, v) = if best + switch_penalty > delta[i] {
                (best_i, best + switch_penalty)
            } else {
                (i, delta[i])
            };
            row[i] = from as u16;
            delta[i] = v + score(t, i);
        }
    }
    let mut i = (0..k).fold(0, |a, i| if delta[i] > delta[a] { i } else { a });
    let mut path = vec![0usize; end - start];
    for t in (start..end).rev() {
        path[t - start] = i;
        i = back[(t - start) * k + i] as usize;
    }
    let mut runs: Vec<(usize, usize, usize)> = Vec::new();
    for (o, &i) in path.iter().enumerate() {
        let t = start + o;
        match runs.last_mut() {
            Some(r) if r.0 == phones[i] && r.2 == t => r.2 = t + 1,
            _ => runs.push((phones[i], t, t + 1)),
        }
    }
    runs.retain(|r| r.2 - r.1 >= min_frames.max(1));
    runs
}

impl PhoneSeg {
    fn with_index(mut self, i: usize) -> Self {
        self.index = i;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    /// Scores that favour `truth[t]` (a phone id per frame) with one state per phone.
    fn scores(truth: &[usize], phones: usize) -> Array2<f32> {
        let mut em = Array2::from_elem((truth.len(), phones), -5.0f32);
        for (t, &p) in truth.iter().enumerate() {
            em[[t, p]] = 0.0;
        }
        em
    }

    #[test]
    fn recovers_planted_boundaries() {
        // silence 0..4, word0 = [1,2] at 4..6,6..9, pause 9..12, word1 = [3] at 12..20, silence after.
        let mut truth = vec![0; 4];
        truth.extend([1, 1, 2, 2, 2, 0, 0, 0]);
        truth.extend(vec![3; 8]);
        truth.extend([0, 0]);
        let topo = Topology::uniform(4, 1, 0);
        let al = align(scores(&truth, 4).view(), &[vec![1, 2], vec![3]], &topo).unwrap();
        let segs: Vec<_> = al
            .phones
            .iter()
            .map(|p| (p.phone, p.word, p.start, p.end))
            .collect();
        assert_eq!(
            segs,
            vec![
                (0, None, 0, 4),
                (1, Some(0), 4, 6),
                (2, Some(0), 6, 9),
                (0, None, 9, 12),
                (3, Some(1), 12, 20),
                (0, None, 20, 22)
            ]
        );
        assert_eq!(
            al.words,
            vec![WordSeg { start: 4, end: 9 }, WordSeg { start: 12, end: 20 }]
        );
    }

    #[test]
    fn prefix_alignment_stops_where_the_audio_does() {
        // Four one-phone words 1 2 3 1; the audio says the first two, then silence.
        let truth = [0, 0, 1, 1, 1, 0, 2, 2, 2, 2, 0, 0, 0, 0];
        let words = [vec![1], vec![2], vec![3], vec![1]];
        let topo = Topology::uniform(4, 1, 0);
        let al = align_prefix(scores(&truth, 4).view(), &words, &topo).unwrap();
        assert_eq!(al.words_reached(), 2);
        assert_eq!(al.words[0], WordSeg { start: 2, end: 5 });
        assert_eq!(al.words[1], WordSeg { start: 6, end: 10 });
        // The words not reached are empty, at the end, in order.
        assert_eq!(al.words[2], WordSeg { start: 14, end: 14 });
        assert_eq!(al.words[3], WordSeg { start: 14, end: 14 });
        // The full alignment would have had to force all four words in.
        let forced = align(scores(&truth, 4).view(), &words, &topo).unwrap();
        assert!(forced.words.iter().all(|w| w.end > w.start));
        assert!(al.score > forced.score);
    }

    #[test]
    fn prefix_alignment_skips_a_run_of_words_for_one_omission() {
        // Words 1 2 3 3 3 2 1 (one phone each); the audio says the first, pauses, then the last.
        let truth = [0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0];
        let words: Vec<Vec<usize>> = [1, 2, 3, 3, 3, 2, 1].iter().map(|&p| vec![p]).collect();
        let topo = Topology {
            omission_penalty: Some(-3.0),
            skip_penalty: Some(-4.0),
            ..Topology::uniform(4, 1, 0)
        };
        let al = align_prefix(scores(&truth, 4).view(), &words, &topo).unwrap();
        assert_eq!(al.words[0], WordSeg { start: 1, end: 4 });
        assert_eq!(al.words[6], WordSeg { start: 8, end: 11 });
        assert!(
            al.words[1..6].iter().all(|w| w.start == w.end),
            "{:?}",
            al.words
        );
        // The full alignment cannot jump: it omits word by word (-15) or forces words in.
        let full = align(scores(&truth, 4).view(), &words, &topo).unwrap();
        assert!(al.score > full.score, "{} against {}", al.score, full.score);
    }

    /// Words 1 2 3 2 1, of which the reader said "1 2" and stopped.
    fn stopped_reading() -> ([usize; 14], Vec<Vec<usize>>) {
        let truth = [0, 1, 1, 1, 0, 2, 2, 2, 0, 0, 0, 0, 0, 0];
        let words = [1, 2, 3, 2, 1].iter().map(|&p| vec![p]).collect();
        (truth, words)
    }

    /// `stopped_reading` aligned with `topo`: two words said, the rest empty.
    fn assert_stops_after_two(topo: &Topology) -> Alignment {
        let (truth, words) = stopped_reading();
        let al = align(scores(&truth, 4).view(), &words, topo).unwrap();
        assert_eq!(al.words[0], WordSeg { start: 1, end: 4 });
        assert_eq!(al.words[1], WordSeg { start: 5, end: 8 });
        assert!(
            al.words[2..].iter().all(|w| w.start == w.end),
            "{:?}",
            al.words
        );
        // A reading that reached the end does not stop early.
        let whole = [0, 1, 1, 0, 2, 2, 0, 3, 3, 0, 2, 2, 0, 1, 1, 0];
        let full = align(scores(&whole, 4).view(), &words, topo).unwrap();
        assert!(
            full.words.iter().all(|w| w.end > w.start),
            "{:?}",
            full.words
        );
        al
    }

    #[test]
    fn full_alignment_stops_early_for_one_penalty() {
        let (truth, words) = stopped_reading();
        let omissions = Topology {
            omission_penalty: Some(-3.0),
            ..Topology::uniform(4, 1, 0)
        };
        let stop = Topology {
            skip_penalty: Some(-4.0),
            ..omissions.clone()
        };
        let al = assert_stops_after_two(&stop);
        // Word by word the three unread words cost more than the one stop.
        let each = align(scores(&truth, 4).view(), &words, &omissions).unwrap();
        assert!(al.score > each.score, "{} against {}", al.score, each.score);
    }

    #[test]
    fn without_omissions_a_reading_may_still_stop_early() {
        let (truth, words) = stopped_reading();
        let forced = Topology::uniform(4, 1, 0);
        let stop = Topology {
            skip_penalty: Some(-4.0),
            ..forced.clone()
        };
        let al = assert_stops_after_two(&stop);
        // Forced, the three unread words are squeezed into the silence.
        let squeezed = align(scores(&truth, 4).view(), &words, &forced).unwrap();
        assert!(squeezed.words.iter().all(|w| w.end > w.start));
        assert!(al.score > squeezed.score);
        // Audio too short for the whole text still holds its first word.
        let short = [1, 1, 1];
        assert!(align(scores(&short, 4).view(), &words, &forced).is_err());
        let al = align(scores(&short, 4).view(), &words, &stop).unwrap();
        assert!(al.words[0].end > al.words[0].start);
        assert!(al.words[1..].iter().all(|w| w.start == w.end));
    }

    #[test]
    fn prefix_alignment_of_silence_reaches_no_word() {
        let truth = [0; 20];
        let topo = Topology::uniform(3, 1, 0);
        let al = align_prefix(scores(&truth, 3).view(), &[vec![1], vec![2]], &topo).unwrap();
        assert_eq!(al.words_reached(), 0);
        assert!(al.word_phones().all(|p| p.start == p.end));
    }

    #[test]
    fn prefix_alignment_skips_leading_words_with_omission() {
        // Words 1 2 3; the audio starts at word 3 (a reader who skipped ahead).
        let truth = [0, 0, 3, 3, 3, 3, 0, 0];
        let words = [vec![1], vec![2], vec![3]];
        let topo = Topology {
            omission_penalty: Some(-3.0),
            ..Topology::uniform(4, 1, 0)
        };
        let al = align_prefix(scores(&truth, 4).view(), &words, &topo).unwrap();
        assert_eq!(al.words_reached(), 3);
        assert_eq!(al.words[2], WordSeg { start: 2, end: 6 });
        assert_eq!(al.words[0].start, al.words[0].end);
        assert_eq!(al.words[1].start, al.words[1].end);
    }

    #[test]
    fn silences_are_optional() {
        let truth = [1, 1, 2, 2];
        let topo = Topology::uniform(3, 1, 0);
        let al = align(scores(&truth, 3).view(), &[vec![1], vec![2]], &topo).unwrap();
        assert_eq!(al.phones.len(), 2);
        assert_eq!(al.words[1], WordSeg { start: 2, end: 4 });
    }

    #[test]
    fn states_enforce_minimum_duration() {
        // Evidence says phone 1 lasts one frame, but 3 states force 3 frames.
        let truth = [0, 0, 0, 1, 2, 2, 2, 2, 2, 0, 0, 0];
        let mut em = Array2::from_elem((truth.len(), 9), -5.0f32);
        for (t, &p) in truth.iter().enumerate() {
            for j in 0..3 {
                em[[t, p * 3 + j]] = 0.0;
            }
        }
        let topo = Topology::uniform(3, 3, 0);
        let al = align(em.view(), &[vec![1, 2]], &topo).unwrap();
        for p in al.word_phones() {
            assert!(p.end - p.start >= 3, "{p:?}");
        }
        // Segments tile the whole utterance.
        assert_eq!(al.phones.first().unwrap().start, 0);
        assert_eq!(al.phones.last().unwrap().end, truth.len());
        for w in al.phones.windows(2) {
            assert_eq!(w[0].end, w[1].start);
        }
    }

    #[test]
    fn more_states_than_columns_still_enforce_minimum_duration() {
        // One score column per phone, three HMM states: phone 1 must last 3 frames.
        let truth = [0, 0, 1, 2, 2, 2, 2, 0];
        let topo = Topology {
            states_per_phone: 3,
            ..Topology::uniform(3, 3, 0)
        };
        let topo = Topology {
            columns_per_phone: 1,
            ..topo
        };
        let al = align(scores(&truth, 3).view(), &[vec![1, 2]], &topo).unwrap();
        let p: Vec<_> = al.word_phones().map(|p| p.end - p.start).collect();
        assert!(p.iter().all(|&d| d >= 3), "{p:?}");
        assert_eq!(al.phones.last().unwrap().end, truth.len());
    }

    #[test]
    fn omission_lets_a_word_be_skipped() {
        // Reference words [1], [2], [3]; the audio says 1 then 3.
        let truth = [0, 1, 1, 1, 0, 3, 3, 3, 0];
        let em = scores(&truth, 4);
        let plain = Topology::uniform(4, 1, 0);
        let forced = align(em.view(), &[vec![1], vec![2], vec![3]], &plain).unwrap();
        assert!(
            forced.words.iter().all(|w| w.end > w.start),
            "without miscue every word gets frames"
        );
        let miscue = Topology {
            omission_penalty: Some(-3.0),
            ..plain.clone()
        };
        let al = align(em.view(), &[vec![1], vec![2], vec![3]], &miscue).unwrap();
        assert_eq!(al.words[1].start, al.words[1].end, "{al:?}");
        assert_eq!(al.words[0], WordSeg { start: 1, end: 4 });
        assert_eq!(al.words[2], WordSeg { start: 5, end: 8 });
        // Every reference phone is still listed, in reference order.
        let ph: Vec<_> = al.word_phones().map(|p| (p.word, p.phone)).collect();
        assert_eq!(ph, [(Some(0), 1), (Some(1), 2), (Some(2), 3)]);
        // A word said well is not skipped, and the first and last words can go too.
        let al = align(
            scores(&[0, 2, 2, 0], 4).view(),
            &[vec![1], vec![2], vec![3]],
            &miscue,
        )
        .unwrap();
        assert_eq!(
            (
                al.words[0].end - al.words[0].start,
                al.words[2].end - al.words[2].start
            ),
            (0, 0)
        );
        assert_eq!(al.words[1], WordSeg { start: 1, end: 3 });
    }

    #[test]
    fn filler_takes_speech_between_words_that_the_reference_lacks() {
        // Reference [1], [2]; the audio says 1, then 3 (not in the text), then 2.
        let mut truth = vec![0, 0];
        truth.extend([1; 6]);
        truth.extend([0, 0]);
        truth.extend([3; 12]);
        truth.extend([0, 0]);
        truth.extend([2; 6]);
        truth.extend([0, 0]);
        let em = scores(&truth, 4);
        let plain = Topology::uniform(4, 1, 0);
        let forced = align(em.view(), &[vec![1], vec![2]], &plain).unwrap();
        assert!(forced.insertions.is_empty());
        let filler = |penalty| Topology {
            insertion: Some(Insertion {
                penalty,
                phones: vec![1, 2, 3],
                min_frames: 5,
            }),
            ..plain.clone()
        };
        let miscue = filler(-1.0);
        let al = align(em.view(), &[vec![1], vec![2]], &miscue).unwrap();
        assert_eq!(
            al.insertions,
            vec![WordSeg { start: 10, end: 22 }],
            "{al:?}"
        );
        assert_eq!(al.words[0], WordSeg { start: 2, end: 8 });
        assert_eq!(al.words[1], WordSeg { start: 24, end: 30 });
        // A clean reading gets no insertion, and a costly filler takes nothing.
        let clean: Vec<usize> = truth.iter().map(|&p| if p == 3 { 0 } else { p }).collect();
        let al = align(scores(&clean, 4).view(), &[vec![1], vec![2]], &miscue).unwrap();
        assert!(al.insertions.is_empty(), "{al:?}");
        assert!(align(em.view(), &[vec![1], vec![2]], &filler(-10.0))
            .unwrap()
            .insertions
            .is_empty());
    }

    #[test]
    fn too_short_and_malformed_inputs_are_errors() {
        let topo = Topology::uniform(3, 3, 0);
        let em = Array2::zeros((4, 9));
        assert!(matches!(
            align(em.view(), &[vec![1, 2]], &topo),
            Err(Error::Alignment(_))
        ));
        assert!(align(em.view(), &[], &topo).is_err());
        assert!(align(em.view(), &[vec![7]], &topo).is_err());
        assert!(align(Array2::zeros((4, 5)).view(), &[vec![1]], &topo).is_err());
    }

    #[test]
    fn nan_scores_do_not_break_the_path() {
        let mut em = scores(&[0, 1, 1, 0], 2);
        em[[1, 0]] = f32::NAN;
        let al = align(em.view(), &[vec![1]], &Topology::uniform(2, 1, 0)).unwrap();
        assert_eq!(al.words[0], WordSeg { start: 1, end: 3 });
    }
}

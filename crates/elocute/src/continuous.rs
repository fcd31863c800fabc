//! Continuous mode: a reading of any length, assessed segment by segment as
//! the audio arrives, the way the Speech SDK's continuous recognition
//! delivers a long reading (one result per pause-delimited segment).
//!
//! A segment ends at a pause. The audio of a segment and of the segment
//! after it is aligned to the reference words not yet read with a free end
//! ([`elocute_align::align_prefix`]); the words that start before the middle
//! of the pause between them are the segment's, and are then assessed as a
//! one-shot assessment of that segment's audio would assess them. Words skipped
//! between segments, and the words no segment reached, are omissions in the
//! summary ([`ContinuousResult`]).

use elocute_core::{Error, Result, FRAME_TICKS, SAMPLE_RATE};
use elocute_report::{
    omitted_entry, summarize, AssessmentResult, ContinuousResult, Dimension, GradingSystem,
    Granularity, OmittedWord, PronunciationAssessmentConfig, RecognitionStatus, SegmentSummary,
    Word,
};

use crate::{Assessor, Reference, AUDIBLE_DB};

use elocute_audio::{LEVEL_HOP as HOP, LEVEL_WINDOW as WIN};

/// Speech frames a segment needs; less is a click or a breath, and is dropped.
const MIN_SEGMENT_SPEECH_FRAMES: usize = 20;
/// A frame is speech when it is this many dB above the noise floor.
const SPEECH_ABOVE_FLOOR_DB: f32 = 15.0;
/// Frames (10 s) over which the noise floor is the 5th-percentile level.
const FLOOR_WINDOW: usize = 1000;
/// Reference words considered beyond those whose shortest duration fills the segment
/// (how far a reader may skip ahead within one segment).
const LOOKAHEAD_WORDS: usize = 12;
/// Log score of skipping ahead over a run of words between two pauses
/// (twice an omission: learners rarely skip a line, and a stretch read badly
/// must not pass for one skipped).
const SKIP_PENALTY: f32 = -80.0;

/// An interim result of a continuous session ([`ContinuousSession::hypothesis`]):
/// the reference words heard in the audio no segment result has covered yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hypothesis {
    /// The words, lower case, space-separated (`good morning how`).
    pub text: String,
    /// Start of the first of them in 100-ns ticks from the session's start.
    pub offset: u64,
    /// From its start to the end of the last of them, in ticks.
    pub duration: u64,
}

/// How the audio is cut into segments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContinuousOptions {
    /// A pause this long ends a segment (ms), as the SDK's
    /// `Speech_SegmentationSilenceTimeoutMs`; the service's samples set 1500.
    pub segmentation_silence_ms: u32,
    /// Once a segment is longer than this (s), a pause of `short_pause_ms` ends it.
    pub long_segment_seconds: f32,
    /// The pause that ends a long segment (ms).
    pub short_pause_ms: u32,
    /// No segment is longer than this (s): it is cut at its quietest frame
    /// in the last 5 s.
    pub max_segment_seconds: f32,
    /// Audio kept before a segment's first and after its last speech frame (ms).
    pub padding_ms: u32,
}

impl Default for ContinuousOptions {
    fn default() -> Self {
        ContinuousOptions {
            segmentation_silence_ms: 1500,
            long_segment_seconds: 15.0,
            short_pause_ms: 300,
            max_segment_seconds: 30.0,
            padding_ms: 300,
        }
    }
}

impl ContinuousOptions {
    fn frames(ms: f64) -> usize {
        (ms / 10.0).round().max(1.0) as usize
    }

    fn check(&self) -> Result<()> {
        let ok = self.segmentation_silence_ms >= 100
            && self.short_pause_ms >= 100
            && self.long_segment_seconds > 0.0
            && self.max_segment_seconds >= 5.0
            && self.max_segment_seconds >= self.long_segment_seconds;
        if ok {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "continuous options: pauses must be at least 100 ms and max_segment_seconds at least 5 and at least long_segment_seconds ({self:?})"
            )))
        }
    }
}

/// A continuous assessment in progress: push 16 kHz mono audio as it
/// arrives, get each segment's result once the pause after the *next*
/// segment has passed (the words a segment holds are decided with the next
/// segment's audio in view), and the whole reading's result, with the last
/// segment, from [`finish`](Self::finish). The results do not depend on how
/// the audio was cut into pushes.
///
/// ```no_run
/// use elocute::{Assessor, ContinuousOptions, PronunciationAssessmentConfig};
/// let assessor = Assessor::with_default_model()?;
/// let config = PronunciationAssessmentConfig::new("A long text. Read aloud, with pauses.");
/// let mut session = assessor.continuous(&config, ContinuousOptions::default())?;
/// # let microphone: Vec<Vec<f32>> = Vec::new();
/// for chunk in microphone {                      // 16 kHz mono samples in [-1, 1]
///     for segment in session.push(&chunk)? {
///         println!("{}", segment.display_text);  // a segment ended at a pause
///     }
/// }
/// let whole = session.finish()?;
/// println!("accuracy {}", whole.pronunciation_assessment.accuracy_score);
/// # Ok::<(), elocute::Error>(())
/// ```
pub struct ContinuousSession<'a> {
    assessor: &'a Assessor,
    config: PronunciationAssessmentConfig,
    /// The settings every segment is measured with, for the summary.
    twin: PronunciationAssessmentConfig,
    options: ContinuousOptions,
    reference: Reference,
    /// Each reference word as displayed: the word and the punctuation after it.
    display: Vec<String>,
    /// Reference words before this one are assessed or omitted.
    next_word: usize,
    /// Samples from `buf_start` on (absolute sample index, a whole number of frames).
    buf: Vec<f32>,
    buf_start: usize,
    /// Level in dB of every frame since the start, as far as computed.
    levels: Vec<f32>,
    speech: Vec<bool>,
    /// First frame of the open segment's speech, and its last speech frame.
    open: Option<(usize, usize)>,
    /// Speech frames in the open segment.
    open_speech: usize,
    /// Segments end at or after this frame (the end of the previous one).
    cut: usize,
    /// A closed segment (frames `start..end`) not yet assessed: which words it
    /// covers is decided together with the next segment's audio.
    pending: Option<(usize, usize)>,
    segments: Vec<AssessmentResult>,
    /// Each segment's words at 0-100 with every setting the summary needs, and its scores.
    twins: Vec<(Vec<Word>, SegmentSummary)>,
    /// Words no segment assessed, each with the number of segments before it.
    omitted: Vec<(usize, OmittedWord)>,
    samples_seen: usize,
}

impl std::fmt::Debug for ContinuousSession<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContinuousSession")
            .field("next_word", &self.next_word)
            .field("words", &self.reference.words.len())
            .field("segments", &self.segments.len())
            .field("samples_seen", &self.samples_seen)
            .finish()
    }
}

impl Assessor {
    /// Start a continuous assessment of `config`'s reference text. Fails
    /// when the text is empty or has a word with no pronunciation, or the
    /// options are out of range.
    pub fn continuous(
        &self,
        config: &PronunciationAssessmentConfig,
        options: ContinuousOptions,
    ) -> Result<ContinuousSession<'_>> {
        options.check()?;
        elocute_report::scenario(&config.scenario_id)?;
        let reference = self.reference(&config.reference_text)?;
        let display = elocute_lexicon::normalize(&config.reference_text)
            .into_iter()
            .map(|w| match w.punct_after {
                Some(p) => format!("{}{p}", w.word),
                None => w.word,
            })
            .collect();
        let twin = PronunciationAssessmentConfig {
            grading_system: GradingSystem::HundredMark,
            granularity: Granularity::Word,
            dimension: Dimension::Comprehensive,
            ..config.clone()
        };
        Ok(ContinuousSession {
            assessor: self,
            config: config.clone(),
            twin,
            options,
            reference,
            display,
            next_word: 0,
            buf: Vec::new(),
            buf_start: 0,
            levels: Vec::new(),
            speech: Vec::new(),
            open: None,
            open_speech: 0,
            cut: 0,
            pending: None,
            segments: Vec::new(),
            twins: Vec::new(),
            omitted: Vec::new(),
            samples_seen: 0,
        })
    }

    /// Assess a whole recording (mono samples, any rate) in continuous mode.
    pub fn assess_continuous(
        &self,
        samples: &[f32],
        sample_rate: u32,
        config: &PronunciationAssessmentConfig,
        options: ContinuousOptions,
    ) -> Result<ContinuousResult> {
        let audio = self.audio_16k(samples, sample_rate)?;
        let mut session = self.continuous(config, options)?;
        session.push(&audio)?;
        session.finish()
    }

    /// Read a recording (as [`assess_file`](Self::assess_file) does) and
    /// assess it in continuous mode. Errors about the audio name the file.
    pub fn assess_continuous_file(
        &self,
        path: impl AsRef<std::path::Path>,
        config: &PronunciationAssessmentConfig,
        options: ContinuousOptions,
    ) -> Result<ContinuousResult> {
        let path = path.as_ref();
        let audio = elocute_audio::read_audio(path, self.limits)?;
        let mut session = self.continuous(config, options)?;
        session
            .push(&audio)
            .and_then(|_| session.finish())
            .map_err(|e| e.with_path(path))
    }
}

impl ContinuousSession<'_> {
    /// Add 16 kHz mono samples; returns the results of the segments this
    /// audio completed (often none; a segment is complete when the segment
    /// after it has ended), offsets counted from the session's start.
    pub fn push(&mut self, samples: &[f32]) -> Result<Vec<AssessmentResult>> {
        self.assessor
            .limits
            .check(self.samples_seen + samples.len(), SAMPLE_RATE)?;
        self.samples_seen += samples.len();
        self.buf.extend_from_slice(samples);
        let mut out = Vec::new();
        // Frames whose whole window has arrived.
        let end = self.buf_start + self.buf.len();
        while (self.levels.len() * HOP + WIN) <= end {
            self.add_frame(end, &mut out)?;
        }
        Ok(out)
    }

    /// The reference words read so far in the audio that no returned segment
    /// covers (the segment waiting for the next one, and the one in
    /// progress), found as a segment's words are (aligned with a free end)
    /// but not assessed: for showing the text as it is read. `None` before
    /// any such speech, or when the reference is read to its end.
    pub fn hypothesis(&self) -> Result<Option<Hypothesis>> {
        if self.next_word >= self.reference.words.len() {
            return Ok(None);
        }
        let start = match (self.pending, self.open) {
            (Some((start, _)), _) => start.max(self.buf_start / HOP),
            (None, Some((a, _))) => self.segment_start(a),
            (None, None) => return Ok(None),
        };
        let end = (self.buf_start + self.buf.len()) / HOP;
        if end <= start {
            return Ok(None);
        }
        let audio = self.samples(start, end);
        let assessor = self.assessor;
        let frames = assessor.model.frame_scores(&audio)?;
        let found = match self.align_unread(&frames.state_scores) {
            Ok(al) => al,
            Err(Error::Alignment(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let said: Vec<usize> = (0..found.words.len())
            .filter(|&k| found.words[k].end > found.words[k].start)
            .collect();
        let (Some(&first), Some(&last)) = (said.first(), said.last()) else {
            return Ok(None);
        };
        let text = said
            .iter()
            .map(|&k| self.reference.words[self.next_word + k].as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let at = |f: usize| (start + f) as u64 * FRAME_TICKS;
        let offset = at(found.words[first].start);
        Ok(Some(Hypothesis {
            text,
            offset,
            duration: at(found.words[last].end) - offset,
        }))
    }

    /// End the audio: assess what is left and return the whole reading.
    pub fn finish(mut self) -> Result<ContinuousResult> {
        let end = self.buf_start + self.buf.len();
        let mut last = Vec::new();
        while self.levels.len() * HOP < end {
            self.add_frame(end, &mut last)?;
        }
        if let Some((a, b)) = self.open.take() {
            let frames = self.levels.len();
            self.close(a, b, frames)?;
        }
        if let Some(seg) = self.pending.take() {
            if self.next_word < self.reference.words.len() {
                self.assess_segment(seg, None)?;
            }
        }
        let at = self.levels.len() as u64 * FRAME_TICKS;
        for index in self.next_word..self.reference.words.len() {
            self.omitted.push((
                self.segments.len(),
                OmittedWord {
                    index,
                    word: self.reference.words[index].clone(),
                    offset: at,
                },
            ));
        }
        Ok(self.result())
    }

    /// Level and speech decision of the next frame, then the segmenter.
    fn add_frame(&mut self, end: usize, out: &mut Vec<AssessmentResult>) -> Result<()> {
        let t = self.levels.len();
        let from = t * HOP - self.buf_start;
        let to = (t * HOP + WIN).min(end) - self.buf_start;
        let level = elocute_audio::frame_level_db(&self.buf[from..to]);
        self.levels.push(level);
        let floor = {
            let lo = t.saturating_sub(FLOOR_WINDOW);
            let mut w: Vec<f32> = self.levels[lo..=t].to_vec();
            let k = w.len() / 20;
            *w.select_nth_unstable_by(k, f32::total_cmp).1
        };
        let is_speech = level > AUDIBLE_DB && level > floor + SPEECH_ABOVE_FLOOR_DB;
        self.speech.push(is_speech);

        let o = self.options;
        let pause_long = ContinuousOptions::frames(f64::from(o.segmentation_silence_ms));
        let pause_short = ContinuousOptions::frames(f64::from(o.short_pause_ms));
        let long = ContinuousOptions::frames(f64::from(o.long_segment_seconds) * 1000.0);
        let max = ContinuousOptions::frames(f64::from(o.max_segment_seconds) * 1000.0);
        match self.open {
            None if is_speech => {
                self.open = Some((t, t));
                self.open_speech = 1;
            }
            None => {}
            Some((a, _)) if is_speech => {
                self.open = Some((a, t));
                self.open_speech += 1;
                if t + 1 - a >= max {
                    // No pause for too long: cut at the quietest frame of the last 5 s.
                    let lo = (t + 1).saturating_sub(500).max(a + 1);
                    let q = (lo..=t)
                        .min_by(|&x, &y| self.levels[x].total_cmp(&self.levels[y]))
                        .unwrap_or(t);
                    self.open = None;
                    if let Some(r) = self.close_at(a, q)? {
                        out.push(r);
                    }
                    // The rest becomes the next segment's speech.
                    if q < t {
                        self.open = Some((q, t));
                        self.open_speech = (q..=t).filter(|&f| self.speech[f]).count();
                    }
                }
            }
            Some((a, b)) => {
                let pause = t - b;
                let needed = if b + 1 - a >= long {
                    pause_short
                } else {
                    pause_long
                };
                if pause >= needed {
                    self.open = None;
                    if let Some(r) = self.close(a, b, t + 1)? {
                        out.push(r);
                    }
                }
            }
        }
        if self.open.is_none() {
            // Nothing open: keep only the padding that may precede the next speech.
            let pad = ContinuousOptions::frames(f64::from(o.padding_ms));
            self.drop_before((t + 1).saturating_sub(pad).max(self.cut));
        }
        Ok(())
    }

    /// Close the segment whose speech runs over frames `a..=b`, with `limit`
    /// the first frame it may not reach.
    fn close(&mut self, a: usize, b: usize, limit: usize) -> Result<Option<AssessmentResult>> {
        let pad = ContinuousOptions::frames(f64::from(self.options.padding_ms));
        self.close_at(a, (b + 1 + pad).min(limit))
    }

    /// The first frame of a segment whose speech starts at frame `a`: the
    /// padding before it, after the previous segment and the audio kept.
    fn segment_start(&self, a: usize) -> usize {
        let pad = ContinuousOptions::frames(f64::from(self.options.padding_ms));
        a.saturating_sub(pad)
            .max(self.cut)
            .max(self.buf_start / HOP)
    }

    /// Assess frames from the padding before `a` to `end`, if they hold enough speech.
    fn close_at(&mut self, a: usize, end: usize) -> Result<Option<AssessmentResult>> {
        let start = self.segment_start(a);
        let enough = self.open_speech >= MIN_SEGMENT_SPEECH_FRAMES;
        self.open_speech = 0;
        let mut result = None;
        if enough && end > start {
            if let Some(prev) = self.pending.replace((start, end)) {
                if self.next_word < self.reference.words.len() {
                    result = self.assess_segment(prev, Some((start, end)))?;
                }
            }
        }
        self.cut = end;
        self.drop_before(end);
        Ok(result)
    }

    /// Forget the samples before frame `f`.
    fn drop_before(&mut self, f: usize) {
        // The pending segment's audio is still needed.
        let f = self.pending.map_or(f, |(start, _)| f.min(start));
        let s = f * HOP;
        if s > self.buf_start {
            let n = (s - self.buf_start).min(self.buf.len());
            self.buf.drain(..n);
            self.buf_start += n;
        }
    }

    /// The buffered samples of frames `start..end`.
    fn samples(&self, start: usize, end: usize) -> Vec<f32> {
        let from = start * HOP - self.buf_start;
        let to = (end * HOP).min(self.buf_start + self.buf.len()) - self.buf_start;
        self.buf[from..to].to_vec()
    }

    /// Find the reference words the segment `start..end` covers and assess
    /// them. With the `next` segment, the words are found in the audio of
    /// both: a word is this segment's when it starts before the middle of
    /// the pause between them, so a word is not squeezed into the end of one
    /// segment when its audio is in the next.
    fn assess_segment(
        &mut self,
        (start, end): (usize, usize),
        next: Option<(usize, usize)>,
    ) -> Result<Option<AssessmentResult>> {
        let audio = self.samples(start, end);
        let assessor = self.assessor;
        let frames = assessor.model.frame_scores(&audio)?;
        let joint = match next {
            Some((_, next_end)) => Some(
                assessor
                    .model
                    .frame_scores(&self.samples(start, next_end))?,
            ),
            None => None,
        };
        let decision = joint.as_ref().unwrap_or(&frames);
        let boundary = match next {
            Some((next_start, _)) => (end.min(next_start) + next_start) / 2 - start,
            None => frames.state_scores.nrows(),
        };
        let found = match self.align_unread(&decision.state_scores) {
            Ok(al) => al,
            // Too little audio for even one phone: nothing was read here.
            Err(Error::Alignment(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        // This segment's words: those said that start before the boundary.
        let said = |w: &elocute_align::WordSeg| w.end > w.start && w.start < boundary;
        let Some(first) = found.words.iter().position(said) else {
            return Ok(None);
        };
        let reached = found.words.iter().rposition(said).map_or(0, |w| w + 1);
        let at = |f: usize| (start + f) as u64 * FRAME_TICKS;
        for k in 0..first {
            let index = self.next_word + k;
            self.omitted.push((
                self.segments.len(),
                OmittedWord {
                    index,
                    word: self.reference.words[index].clone(),
                    offset: at(found.words[first].start),
                },
            ));
        }
        let (lo, hi) = (self.next_word + first, self.next_word + reached);
        self.next_word = hi;
        let subset = Reference {
            words: self.reference.words[lo..hi].to_vec(),
            prons: self.reference.prons[lo..hi].to_vec(),
            ids: self.reference.ids[lo..hi].to_vec(),
            punct: self.reference.punct[lo..hi].to_vec(),
        };
        let text = display_text(&self.display[lo..hi]);
        let config = PronunciationAssessmentConfig {
            reference_text: text,
            ..self.config.clone()
        };
        let twin = PronunciationAssessmentConfig {
            reference_text: config.reference_text.clone(),
            ..self.twin.clone()
        };
        let evidence = assessor.measure_reference(&audio, &frames, subset, &config)?;
        let mut results = assessor.report(&audio, evidence, &config, &[&twin])?;
        let shift = start as u64 * FRAME_TICKS;
        for r in &mut results {
            r.shift(shift);
        }
        let mut twin = results.pop().expect("two results");
        let result = results.pop().expect("two results");
        let scores = &twin.nbest[0].pronunciation_assessment;
        let summary = SegmentSummary {
            offset: twin.offset,
            duration: twin.duration,
            fluency: scores.fluency_score.unwrap_or(0.0),
            completeness: scores.completeness_score.unwrap_or(0.0),
            prosody: scores.prosody_score,
            words: hi - lo,
            ends_at_punctuation: self.reference.punct[hi - 1],
        };
        self.twins
            .push((std::mem::take(&mut twin.nbest[0].words), summary));
        self.segments.push(result.clone());
        Ok(Some(result))
    }

    /// Align audio (its frame scores) to the reference words not yet read
    /// with a free end: the words that could fit in it, and a few more for
    /// skips, which may be jumped over for [`SKIP_PENALTY`].
    fn align_unread(&self, scores: &ndarray::Array2<f32>) -> Result<elocute_align::Alignment> {
        let assessor = self.assessor;
        let n_frames = scores.nrows();
        let spp = assessor.topology.states_per_phone.max(1);
        let mut budget = 0;
        let mut upto = self.next_word;
        while upto < self.reference.words.len()
            && budget + self.reference.ids[upto].len() * spp <= n_frames
        {
            budget += self.reference.ids[upto].len() * spp;
            upto += 1;
        }
        let upto = (upto + LOOKAHEAD_WORDS).min(self.reference.words.len());
        let window = &self.reference.ids[self.next_word..upto];
        let topo = elocute_align::Topology {
            skip_penalty: Some(SKIP_PENALTY),
            ..assessor.topology_with(true)
        };
        elocute_align::align_prefix(scores.view(), window, &topo)
    }

    /// The whole reading: every segment, and the summary over their words.
    fn result(self) -> ContinuousResult {
        // Reading order: before each segment the words skipped ahead of it, after the last the words not reached.
        let in_order = |words_of: &dyn Fn(usize) -> Vec<Word>, config| {
            let mut out = Vec::new();
            for i in 0..=self.segments.len() {
                out.extend(
                    self.omitted
                        .iter()
                        .filter(|(before, _)| *before == i)
                        .map(|(_, w)| omitted_entry(w, &self.reference.prons[w.index], config)),
                );
                if i < self.segments.len() {
                    out.extend(words_of(i));
                }
            }
            out
        };
        // The summary's words at 0-100 (from the twins).
        let scored = in_order(&|i| self.twins[i].0.clone(), &self.twin);
        let parts: Vec<SegmentSummary> = self.twins.iter().map(|(_, s)| *s).collect();
        let summary = summarize(&scored, &parts, &self.config);
        // The words as the caller asked for them.
        let words = if self.config.granularity >= Granularity::Word {
            in_order(&|i| self.segments[i].nbest[0].words.clone(), &self.config)
        } else {
            Vec::new()
        };
        let said: Vec<&Word> = scored.iter().filter(|w| w.duration > 0).collect();
        let offset = said.iter().map(|w| w.offset).min().unwrap_or(0);
        let end = said
            .iter()
            .map(|w| w.offset + w.duration)
            .max()
            .unwrap_or(0);
        let status = if self
            .segments
            .iter()
            .any(|s| s.recognition_status == RecognitionStatus::Success)
        {
            RecognitionStatus::Success
        } else {
            RecognitionStatus::InitialSilenceTimeout
        };
        ContinuousResult {
            recognition_status: status,
            offset,
            duration: end.saturating_sub(offset),
            display_text: self.config.reference_text.trim().to_string(),
            pronunciation_assessment: summary,
            words,
            segments: self.segments,
        }
    }
}

/// Words (with their punctuation) as display text: spaced, each sentence capitalised.
fn display_text(words: &[String]) -> String {
    let mut out = String::new();
    let mut sentence_start = true;
    for w in words {
        if !out.is_empty() {
            out.push(' ');
        }
        let mut chars = w.chars();
        if let (true, Some(c)) = (sentence_start, chars.next()) {
            out.extend(c.to_uppercase());
            out.push_str(chars.as_str());
        } else {
            out.push_str(w);
        }
        sentence_start = w.ends_with(['.', '!', '?']);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_text_capitalises_sentences() {
        let w: Vec<String> = ["good", "morning.", "how", "are", "you?", "fine"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(display_text(&w), "Good morning. How are you? Fine");
    }
}

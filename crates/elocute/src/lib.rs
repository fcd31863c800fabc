//! **elocute**: offline pronunciation assessment whose results read like
//! Azure AI Speech Pronunciation Assessment's.
//!
//! Load an [`Assessor`] once (acoustic model and lexicon), share it across
//! threads, and assess recordings against their reference text:
//!
//! ```no_run
//! use elocute::{Assessor, PronunciationAssessmentConfig, GradingSystem};
//!
//! let assessor = Assessor::with_default_model()?;
//! let mut config = PronunciationAssessmentConfig::new("Good morning.");
//! config.grading_system = GradingSystem::HundredMark;
//! let result = assessor.assess_file("good-morning.wav", &config)?;
//! println!("{}", serde_json::to_string_pretty(&result).unwrap());
//! println!("accuracy {}", result.nbest[0].pronunciation_assessment.accuracy_score);
//! # Ok::<(), elocute::Error>(())
//! ```
//!
//! The stages live in their own crates and are re-exported here:
//! audio → features → acoustic model → lexicon → aligner → scorer → report.

use std::path::{Path, PathBuf};

mod continuous;
pub use continuous::{ContinuousOptions, ContinuousSession, Hypothesis};

pub use elocute_align::{Alignment, Topology};
pub use elocute_audio::{AudioLimits, StreamResampler};
pub use elocute_core::{Error, Result, FRAME_TICKS, SAMPLE_RATE};
pub use elocute_lexicon::{Alphabet, Lexicon};
pub use elocute_model::{AcousticModel, Model, ModelConfig, OutputKind};
pub use elocute_report::{
    scenario, to_rest, AssessmentResult, BreakFeedback, Confidence, ContinuousResult, Dimension,
    Feedback, GradingSystem, Granularity, IntonationFeedback, MonotoneFeedback, NBest,
    NBestPhoneme, Phoneme, PhonemeAssessment, PronunciationAssessmentConfig, ProsodyFeedback,
    RecognitionStatus, RestFormat, Scenario, Syllable, TextAssessment, Word, WordAssessment,
};
pub use elocute_score::features::{ScorerInput, FEATURE_VERSION, PHONE_FEATURES};
pub use elocute_score::{ScoreOptions, UtteranceScore};

/// The model used when none is named.
pub const DEFAULT_MODEL: &str = "elocute-nn-v6";

/// Less speech than this (frames of 10 ms) counts as a silent recording.
const MIN_SPEECH_FRAMES: usize = 10;

/// Log score of skipping a reference word when miscue is on: the aligner
/// omits a word only when forcing it into the audio costs more than this.
const OMISSION_PENALTY: f32 = -40.0;
/// Log score of a reading that stops before the end of the text, however
/// many words are left unread: twice an omission, so that a last word or two
/// said badly are not taken for a stop. With `EnableMiscue` off too: the words
/// not reached then score 0 (`Mispronunciation`) instead of being squeezed
/// into the last frames, where they also pulled down the last words said;
/// every speechocean762 train reading (all complete) is assessed byte for
/// byte as without it.
const EARLY_STOP_PENALTY: f32 = -80.0;

/// Longest piece of an utterance the learned scorer sees at once (phones).
/// It was trained on single sentences of at most 42 phones, and its
/// utterance-level inputs (length, rate, pause share) describe the whole
/// input: a longer reading is scored in sentence-sized pieces, each
/// measured as an utterance of its own ([`Evidence::pieces`]).
pub const SCORER_PIECE_PHONES: usize = 45;

/// Shortest stretch of unmatched speech reported as an inserted word (frames).
const MIN_INSERTION_FRAMES: usize = 15;

/// Log cost of changing phone while decoding what an inserted word sounded like.
const PHONE_SWITCH_PENALTY: f32 = -6.0;

/// Frames quieter than this (dB re full scale, [`elocute_audio::frame_level_db`])
/// cannot hold speech: the threshold of [`audible_frames`].
pub const AUDIBLE_DB: f32 = -60.0;

/// Finds the default model folder: `ELOCUTE_MODEL`, then `models/<DEFAULT_MODEL>`
/// beside the executable or in `../share/elocute/`, then in the checkout it was built from.
pub fn default_model_dir() -> PathBuf {
    if let Some(p) = std::env::var_os("ELOCUTE_MODEL").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    let mut candidates = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        candidates.push(dir.join("models").join(DEFAULT_MODEL));
        candidates.push(dir.join("../share/elocute/models").join(DEFAULT_MODEL));
    }
    let built_in = elocute_model::workspace_root()
        .join("models")
        .join(DEFAULT_MODEL);
    candidates
        .into_iter()
        .find(|c| c.join("model.json").is_file())
        .unwrap_or(built_in)
}

/// A reference text as the pipeline sees it ([`Assessor::reference`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    /// Lower-case lexical words.
    pub words: Vec<String>,
    /// The canonical pronunciation of each word.
    pub prons: Vec<elocute_lexicon::Pron>,
    /// Model phone ids of each word.
    pub ids: Vec<Vec<usize>>,
    /// Whether punctuation follows each word.
    pub punct: Vec<bool>,
}

/// What the pipeline measured about one utterance, before any learned scorer:
/// the reference, the GOP-based scores and the learned scorer's input rows.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The reference as aligned.
    pub reference: Reference,
    /// GOP-based scores.
    pub scores: UtteranceScore,
    /// One feature row per reference phone ([`elocute_score::features`]),
    /// measured over the whole utterance (what `elocute features` writes).
    pub input: ScorerInput,
    /// What the learned scorer is given: the utterance cut into pieces of at
    /// most [`SCORER_PIECE_PHONES`] phones between words (at punctuation
    /// where it can), each phone range with its rows measured as if the piece
    /// were an utterance of its own. One piece, equal to `input`, when the
    /// utterance is short enough. A reading that stopped early is cut the
    /// same way up to its last word said; the unread words are in no piece.
    pub pieces: Vec<(std::ops::Range<usize>, ScorerInput)>,
    /// Speech matching no reference word (found only with `EnableMiscue`).
    pub insertions: Vec<elocute_report::InsertedWord>,
    /// Signal-to-noise ratio in dB: the spoken words against the rest
    /// ([`elocute_audio::snr_db`]); `None` when no word was judged spoken.
    pub snr: Option<f64>,
}

/// Which 10 ms frames are loud enough to hold speech.
pub fn audible_frames(audio: &[f32]) -> Vec<bool> {
    audible(&elocute_audio::frame_levels_db(audio))
}

fn audible(levels_db: &[f32]) -> Vec<bool> {
    levels_db.iter().map(|&db| db > AUDIBLE_DB).collect()
}

/// The aligner's HMM topology for a model: its states per phone, score
/// columns per phone and transitions (0.5/0.5 where the model gives none).
fn topology_for(cfg: &ModelConfig, silence: usize) -> Topology {
    let half = 0.5f32.ln();
    let transitions = cfg
        .phones
        .iter()
        .map(|p| match cfg.transitions.get(p) {
            Some(t) => t.iter().map(|[stay, go]| (*stay, *go)).collect(),
            None => vec![(half, half); cfg.num_hmm_states()],
        })
        .collect();
    Topology {
        states_per_phone: cfg.num_hmm_states(),
        columns_per_phone: cfg.states_per_phone,
        transitions,
        silence,
        silence_penalty: 0.0,
        omission_penalty: None,
        skip_penalty: None,
        insertion: None,
    }
}

/// A loaded assessment engine. `Send + Sync`: load once, share everywhere.
pub struct Assessor {
    model: Model,
    lexicon: Lexicon,
    topology: Topology,
    /// Model phone id of each CMU phone.
    phone_ids: Vec<usize>,
    silence: usize,
    /// The CMU phone of each model phone id, for naming spoken-phone candidates.
    model_phones: Vec<Option<elocute_lexicon::Phone>>,
    /// Model column of each CMU phone, then silence: the feature vectors' order.
    feature_columns: Vec<usize>,
    use_scorer: bool,
    limits: AudioLimits,
    score_options: ScoreOptions,
    pitch: elocute_prosody::PitchTracker,
}

impl std::fmt::Debug for Assessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assessor")
            .field("model", &self.model.config().name)
            .finish()
    }
}

impl Assessor {
    /// Load the default model ([`default_model_dir`]) with CMUdict.
    pub fn with_default_model() -> Result<Self> {
        Self::new(default_model_dir(), Lexicon::cmudict())
    }

    /// Load the model folder `model_dir` and use `lexicon` for pronunciations.
    pub fn new(model_dir: impl AsRef<Path>, lexicon: Lexicon) -> Result<Self> {
        Self::from_model(Model::load(model_dir)?, lexicon)
    }

    /// Build from an already loaded model (any [`AcousticModel`] engine).
    pub fn from_model(model: Model, lexicon: Lexicon) -> Result<Self> {
        let cfg = model.config();
        let bad = |message: String| Error::Model {
            path: PathBuf::from(&cfg.name),
            message,
        };
        let phone_ids = elocute_lexicon::CMU_PHONES
            .iter()
            .map(|p| {
                cfg.phone_id(p)
                    .ok_or_else(|| bad(format!("model has no phone {p}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let silence = cfg
            .phone_id(&cfg.silence)
            .ok_or_else(|| bad("no silence phone".into()))?;
        let topology = topology_for(cfg, silence);
        let score_options = ScoreOptions {
            frame_seconds: model.extractor().frame_shift_seconds(),
            candidates: phone_ids.clone(),
            calibration: cfg
                .gop_calibration
                .map(|c| elocute_score::Calibration {
                    midpoint: c.midpoint,
                    slope: c.slope,
                })
                .unwrap_or_default(),
            ..Default::default()
        };
        // Candidates are named with their stressed form (`ah`, not `ax`).
        let model_phones = cfg
            .phones
            .iter()
            .map(|name| {
                let p = elocute_lexicon::Phone::parse(name).ok()?;
                Some(elocute_lexicon::Phone {
                    stress: p.stress.map(|_| 1),
                    ..p
                })
            })
            .collect();
        let mut feature_columns = phone_ids.clone();
        feature_columns.push(silence);
        if let Some(sc) = model.scorer() {
            let c = sc.config();
            if c.feature_version != FEATURE_VERSION || c.features != PHONE_FEATURES {
                return Err(bad(format!(
                    "learned scorer {} expects feature layout v{} with {} columns; this build computes v{FEATURE_VERSION} with {PHONE_FEATURES}",
                    c.name, c.feature_version, c.features
                )));
            }
        }
        Ok(Assessor {
            feature_columns,
            use_scorer: true,
            model,
            lexicon,
            topology,
            phone_ids,
            silence,
            model_phones,
            pitch: elocute_prosody::PitchTracker::new(elocute_prosody::PitchConfig::default()),
            limits: AudioLimits::default(),
            score_options,
        })
    }

    /// Replace the audio limits (longest accepted recording).
    pub fn with_limits(mut self, limits: AudioLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Score with the acoustic model's GOP alone even when its folder has a
    /// learned scorer (for comparisons and research).
    pub fn without_scorer(mut self) -> Self {
        self.use_scorer = false;
        self
    }

    /// Whether results come from a learned scorer.
    pub fn uses_scorer(&self) -> bool {
        self.use_scorer && self.model.scorer().is_some()
    }

    /// The acoustic model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Assess mono samples (in `[-1, 1]`, any rate) against `reference_text` with default settings.
    pub fn assess(
        &self,
        samples: &[f32],
        sample_rate: u32,
        reference_text: &str,
    ) -> Result<AssessmentResult> {
        self.assess_with_config(
            samples,
            sample_rate,
            &PronunciationAssessmentConfig::new(reference_text),
        )
    }

    /// Assess mono samples (in `[-1, 1]`, any rate) with full settings.
    pub fn assess_with_config(
        &self,
        samples: &[f32],
        sample_rate: u32,
        config: &PronunciationAssessmentConfig,
    ) -> Result<AssessmentResult> {
        self.assess_16k(&self.audio_16k(samples, sample_rate)?, config)
    }

    /// Read a recording (WAV of any PCM/float format, rate and channel count,
    /// Ogg/Opus or WebM/Opus) and assess it.
    /// Errors about the audio name the file.
    pub fn assess_file(
        &self,
        path: impl AsRef<Path>,
        config: &PronunciationAssessmentConfig,
    ) -> Result<AssessmentResult> {
        let path = path.as_ref();
        let audio = elocute_audio::read_audio(path, self.limits)?;
        self.assess_16k(&audio, config)
            .map_err(|e| e.with_path(path))
    }

    /// Assess a recording held in memory (an upload): a WAV, Ogg/Opus or WebM/Opus file's
    /// bytes, told apart by their start. Errors about the audio say
    /// `<in-memory audio>` where [`assess_file`](Self::assess_file)'s name the file.
    ///
    /// ```no_run
    /// # let assessor = elocute::Assessor::with_default_model()?;
    /// let upload: Vec<u8> = std::fs::read("take1.opus").unwrap();
    /// let config = elocute::PronunciationAssessmentConfig::new("Good morning.");
    /// let result = assessor.assess_bytes(&upload, &config)?;
    /// # Ok::<(), elocute::Error>(())
    /// ```
    pub fn assess_bytes(
        &self,
        bytes: &[u8],
        config: &PronunciationAssessmentConfig,
    ) -> Result<AssessmentResult> {
        let audio = elocute_audio::read_audio_bytes(bytes, self.limits)?;
        self.assess_16k(&audio, config)
    }

    /// The reference as the pipeline sees it: normalised words, their
    /// canonical pronunciations and model phone ids, and where punctuation
    /// follows. Fails on an empty text, a word with no pronunciation, or an
    /// SSML `<phoneme>` whose `ph` does not parse. A `<phoneme>` element's
    /// pronunciation replaces the lexicon's for the words it encloses.
    pub fn reference(&self, text: &str) -> Result<Reference> {
        let refs = elocute_lexicon::normalize(text);
        if refs.is_empty() {
            return Err(Error::EmptyReference);
        }
        let mut r = Reference {
            words: Vec::with_capacity(refs.len()),
            prons: Vec::with_capacity(refs.len()),
            ids: Vec::with_capacity(refs.len()),
            punct: Vec::with_capacity(refs.len()),
        };
        for w in refs {
            let pron = match &w.given {
                // An SSML <phoneme> in the text overrides every lexicon.
                Some(g) => {
                    elocute_lexicon::parse_pronunciation(&g.ph, &g.alphabet).map_err(|e| {
                        let why = match e {
                            Error::Config(m) => m,
                            e => e.to_string(),
                        };
                        Error::Config(format!("ReferenceText: <phoneme> for {:?}: {why}", w.word))
                    })?
                }
                None => self.lexicon.pronounce(&w.word)?,
            };
            r.ids
                .push(pron.iter().map(|p| self.phone_ids[p.id as usize]).collect());
            r.prons.push(pron);
            r.punct.push(w.punct_after.is_some());
            r.words.push(w.word);
        }
        Ok(r)
    }

    /// The aligner's HMM topology for this model (without miscue).
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// Measure an utterance (mono samples, any rate) without building a
    /// report: GOP-based scores and the learned scorer's feature rows, as
    /// `elocute features` writes them for training.
    pub fn evidence(
        &self,
        samples: &[f32],
        sample_rate: u32,
        config: &PronunciationAssessmentConfig,
    ) -> Result<Evidence> {
        self.measure(&self.audio_16k(samples, sample_rate)?, config)
    }

    /// In-memory samples within the limits, as the pipeline's 16 kHz mono.
    fn audio_16k(&self, samples: &[f32], sample_rate: u32) -> Result<Vec<f32>> {
        self.limits.check(samples.len(), sample_rate)?;
        elocute_audio::to_16k_mono(samples, 1, sample_rate)
    }

    /// Reference, alignment and GOP scores with their feature rows.
    fn measure(&self, audio: &[f32], config: &PronunciationAssessmentConfig) -> Result<Evidence> {
        let reference = self.reference(&config.reference_text)?;
        let frames = self.model.frame_scores(audio)?;
        self.measure_reference(audio, &frames, reference, config)
    }

    /// The aligner's topology: the reading may stop early; omissions and the
    /// insertion filler when `miscue`.
    fn topology_with(&self, miscue: bool) -> Topology {
        Topology {
            omission_penalty: miscue.then_some(OMISSION_PENALTY),
            skip_penalty: Some(EARLY_STOP_PENALTY),
            insertion: miscue.then(|| elocute_align::Insertion {
                penalty: self
                    .model
                    .config()
                    .insertion_penalty
                    .unwrap_or(elocute_model::DEFAULT_INSERTION_PENALTY),
                phones: self.phone_ids.clone(),
                min_frames: MIN_INSERTION_FRAMES,
            }),
            ..self.topology.clone()
        }
    }

    /// [`measure`](Self::measure) for a reference and frame scores already at hand.
    fn measure_reference(
        &self,
        audio: &[f32],
        frames: &elocute_model::FrameScores,
        reference: Reference,
        config: &PronunciationAssessmentConfig,
    ) -> Result<Evidence> {
        let topo = self.topology_with(config.enable_miscue);
        let levels = elocute_audio::frame_levels_db(audio);
        let audible = audible(&levels);
        let alignment =
            match elocute_align::align(frames.state_scores.view(), &reference.ids, &topo) {
                Ok(alignment) => alignment,
                // Too little audio for the text, but silent: a silent recording (the report
                // says so, every word omitted), as a longer silence is, not an error.
                Err(Error::Alignment(m))
                    if audible.iter().filter(|&&a| a).count() < MIN_SPEECH_FRAMES =>
                {
                    elocute_align::align(
                        frames.state_scores.view(),
                        &reference.ids,
                        &self.topology_with(true),
                    )
                    .map_err(|_| Error::Alignment(m))?
                }
                Err(e) => return Err(e),
            };
        let scores = elocute_score::score(
            &alignment,
            frames.phone_logpost.view(),
            self.silence,
            &audible,
            &reference.punct,
            &ScoreOptions {
                nbest: config.nbest_phoneme_count as usize,
                ..self.score_options.clone()
            },
        );
        let cmu: Vec<usize> = reference
            .prons
            .iter()
            .flat_map(|p| p.iter().map(|ph| ph.id as usize))
            .collect();
        let input = elocute_score::features::scorer_input(
            &scores,
            &elocute_score::features::FeatureContext {
                phone_logpost: frames.phone_logpost.view(),
                columns: &self.feature_columns,
                cmu: &cmu,
                punct_after: &reference.punct,
                frame_seconds: self.score_options.frame_seconds,
            },
        );
        let pieces = self.scorer_pieces(
            &scores,
            &input,
            frames.phone_logpost.view(),
            &audible,
            &reference.punct,
            &cmu,
        );
        // The filler also wins on digital silence and noise, where every model
        // is lost; only stretches that mostly sound like speech count.
        let insertions = alignment
            .insertions
            .iter()
            .filter(|seg| {
                let speech = (seg.start..seg.end.min(frames.phone_logpost.nrows()))
                    .filter(|&t| {
                        elocute_score::is_speech_frame(
                            frames.phone_logpost.row(t),
                            audible.get(t).copied().unwrap_or(false),
                            self.silence,
                            &self.score_options.candidates,
                        )
                    })
                    .count();
                speech >= MIN_INSERTION_FRAMES && 2 * speech >= seg.end - seg.start
            })
            .map(|seg| self.inserted_word(frames.phone_logpost.view(), seg.start, seg.end))
            // A word has a vowel; bare consonants are breaths, clicks and plosive bursts.
            .filter(|w| w.phones.iter().any(|(p, _, _)| p.is_vowel()))
            .collect();
        // Speech is what the aligner put inside the spoken words.
        let mut in_words = vec![false; levels.len()];
        for w in scores.words.iter().filter(|w| w.spoken) {
            let end = w.end.min(in_words.len());
            in_words[w.start.min(end)..end].fill(true);
        }
        let snr = elocute_audio::snr_db(&levels, &in_words);
        Ok(Evidence {
            reference,
            scores,
            input,
            pieces,
            insertions,
            snr,
        })
    }

    /// The learned scorer's pieces of an utterance ([`Evidence::pieces`]).
    fn scorer_pieces(
        &self,
        scores: &UtteranceScore,
        input: &ScorerInput,
        logpost: ndarray::ArrayView2<f32>,
        audible: &[bool],
        punct: &[bool],
        cmu: &[usize],
    ) -> Vec<(std::ops::Range<usize>, ScorerInput)> {
        let n = scores.phones.len();
        let words = &scores.words;
        // A reading that stopped early is scored as the part that was read:
        // the unread words are in no piece (they score 0 as omitted), so the
        // scorer sees an utterance like those it was trained on.
        let read = words
            .iter()
            .rposition(|w| w.end > w.start)
            .map_or(words.len(), |w| w + 1);
        if n <= SCORER_PIECE_PHONES && read == words.len() {
            return vec![(0..n, input.clone())];
        }
        let per_word = elocute_score::features::phones_per_word(scores);
        let cuts = piece_cuts(&per_word[..read], &punct[..read], SCORER_PIECE_PHONES);
        let frames = logpost.nrows();
        // A piece's recording runs to the middle of the pauses around it.
        let edge = |w: usize| {
            if w == 0 {
                0
            } else if w >= read {
                frames
            } else {
                (words[w - 1].end + words[w].start.max(words[w - 1].end)) / 2
            }
        };
        let opts = ScoreOptions {
            nbest: 0,
            ..self.score_options.clone()
        };
        let mut out = Vec::with_capacity(cuts.len());
        let (mut w0, mut p0) = (0, 0);
        for &w1 in &cuts {
            let p1 = p0 + per_word[w0..w1].iter().sum::<usize>();
            let (f0, f1) = (
                edge(w0).min(frames),
                edge(w1).clamp(edge(w0).min(frames), frames),
            );
            let shift = |f: usize| f.clamp(f0, f1) - f0;
            let phones = scores.phones[p0..p1]
                .iter()
                .map(|p| elocute_align::PhoneSeg {
                    phone: p.phone,
                    word: Some(p.word - w0),
                    index: p.index,
                    start: shift(p.start),
                    end: shift(p.end),
                })
                .collect();
            let alignment = Alignment {
                phones,
                words: words[w0..w1]
                    .iter()
                    .map(|w| elocute_align::WordSeg {
                        start: shift(w.start),
                        end: shift(w.end),
                    })
                    .collect(),
                insertions: Vec::new(),
                score: 0.0,
            };
            let lp = logpost.slice(ndarray::s![f0..f1, ..]);
            let heard = &audible[f0.min(audible.len())..f1.min(audible.len())];
            let piece =
                elocute_score::score(&alignment, lp, self.silence, heard, &punct[w0..w1], &opts);
            let rows = elocute_score::features::scorer_input(
                &piece,
                &elocute_score::features::FeatureContext {
                    phone_logpost: lp,
                    columns: &self.feature_columns,
                    cmu: &cmu[p0..p1],
                    punct_after: &punct[w0..w1],
                    frame_seconds: self.score_options.frame_seconds,
                },
            );
            out.push((p0..p1, rows));
            w0 = w1;
            p0 = p1;
        }
        out
    }

    /// The learned scorer over an utterance's pieces: per-phone outputs
    /// joined, utterance outputs averaged by phone count.
    fn run_scorer(
        &self,
        scorer: &elocute_model::ScorerModel,
        pieces: &[(std::ops::Range<usize>, ScorerInput)],
        phones: usize,
    ) -> Result<elocute_score::features::LearnedScores> {
        let n: usize = pieces.iter().map(|(r, _)| r.len()).sum();
        let mut learned = elocute_score::features::LearnedScores {
            phone: Vec::with_capacity(n),
            word: Vec::with_capacity(n),
            accuracy: 0.0,
            fluency: 0.0,
            prosody: 0.0,
        };
        for (range, input) in pieces.iter().filter(|(r, _)| !r.is_empty()) {
            let out = scorer.predict(input.features.view(), &input.phones)?;
            learned
                .phone
                .extend(out.phone.iter().map(|&v| f64::from(v)));
            learned.word.extend(out.word.iter().map(|&v| f64::from(v)));
            let w = range.len() as f64 / n as f64;
            learned.accuracy += w * f64::from(out.utterance[0]);
            learned.fluency += w * f64::from(out.utterance[2]);
            learned.prosody += w * f64::from(out.utterance[3]);
        }
        // Phones in no piece (the unread end of a reading) score 0.
        learned.phone.resize(phones, 0.0);
        learned.word.resize(phones, 0.0);
        Ok(learned)
    }

    /// What an unmatched stretch of speech sounded like: its phones, and the
    /// lexicon word with those phones if there is one.
    fn inserted_word(
        &self,
        logpost: ndarray::ArrayView2<f32>,
        start: usize,
        end: usize,
    ) -> elocute_report::InsertedWord {
        let runs = elocute_align::decode_phones(
            logpost,
            start,
            end,
            &self.phone_ids,
            PHONE_SWITCH_PENALTY,
            3,
        );
        let phones: Vec<(elocute_lexicon::Phone, usize, usize)> = runs
            .iter()
            .filter_map(|&(q, a, b)| Some((self.model_phones.get(q).copied().flatten()?, a, b)))
            .collect();
        let seq: Vec<elocute_lexicon::Phone> = phones.iter().map(|p| p.0).collect();
        elocute_report::InsertedWord {
            start,
            end,
            word: self.lexicon.word_with_phones(&seq),
            phones,
        }
    }

    fn assess_16k(
        &self,
        audio: &[f32],
        config: &PronunciationAssessmentConfig,
    ) -> Result<AssessmentResult> {
        let evidence = self.measure(audio, config)?;
        let mut out = self.report(audio, evidence, config, &[])?;
        Ok(out.swap_remove(0))
    }

    /// The learned scorer, prosody and the report over measured evidence:
    /// the result for `config`, then one for each of `also` (other layouts
    /// of the same assessment; their settings must not change what is measured).
    fn report(
        &self,
        audio: &[f32],
        evidence: Evidence,
        config: &PronunciationAssessmentConfig,
        also: &[&PronunciationAssessmentConfig],
    ) -> Result<Vec<AssessmentResult>> {
        let scenario = elocute_report::scenario(&config.scenario_id)?;
        let Evidence {
            reference,
            mut scores,
            pieces,
            insertions,
            snr,
            ..
        } = evidence;
        let Reference {
            words,
            prons,
            punct,
            ..
        } = reference;
        let learned_prosody = match self.model.scorer().filter(|_| self.use_scorer) {
            Some(scorer) if !scores.phones.is_empty() => {
                let learned = self.run_scorer(scorer, &pieces, scores.phones.len())?;
                elocute_score::features::apply_learned(
                    &mut scores,
                    &learned,
                    self.score_options.spoken_threshold,
                )
            }
            _ => None,
        };
        let prosody = config.enable_prosody_assessment.then(|| {
            let timings: Vec<elocute_prosody::WordTiming> = scores
                .words
                .iter()
                .enumerate()
                .map(|(w, ws)| {
                    let phones: Vec<_> = scores.phones.iter().filter(|p| p.word == w).collect();
                    let syllables = elocute_report::syllable_spans(&prons[w], &phones)
                        .into_iter()
                        .map(|sp| (sp.start, sp.end))
                        .collect();
                    elocute_prosody::WordTiming {
                        start: ws.start,
                        end: ws.end,
                        syllables,
                        punct_after: punct[w],
                    }
                })
                .collect();
            let opts = elocute_prosody::ProsodyOptions {
                frame_seconds: self.score_options.frame_seconds,
                error_threshold: scenario.prosody_error_threshold,
                ..Default::default()
            };
            let mut p = elocute_prosody::assess(&self.pitch.track(audio), &timings, &opts);
            if let Some(score) = learned_prosody {
                // The scorer never hears pitch: a reading the pitch tracker finds monotone
                // keeps at most half its learned prosody at full confidence.
                let flat = p.monotone.confidence;
                p.score = if flat >= opts.error_threshold {
                    score * (1.0 - 0.5 * flat)
                } else {
                    score
                };
            }
            p
        });
        let id = content_id(audio, config);
        Ok(std::iter::once(config)
            .chain(also.iter().copied())
            .map(|config| {
                elocute_report::build(elocute_report::ReportInput {
                    config,
                    words: &words,
                    prons: &prons,
                    scores: &scores,
                    id: &id,
                    min_speech_frames: MIN_SPEECH_FRAMES,
                    model_phones: &self.model_phones,
                    prosody: prosody.as_ref(),
                    scenario,
                    insertions: &insertions,
                    snr,
                })
            })
            .collect())
    }
}

/// A 128-bit FNV-1a digest of the audio and settings: equal inputs, equal `Id`.
fn content_id(audio: &[f32], config: &PronunciationAssessmentConfig) -> String {
    let mut h = [0xcbf2_9ce4_8422_2325u64, 0x8422_2325_cbf2_9ce4u64];
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            for (k, x) in h.iter_mut().enumerate() {
                *x = (*x ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3 + 2 * k as u64);
            }
        }
    };
    for s in audio {
        eat(&s.to_le_bytes());
    }
    eat(config.to_json().as_bytes());
    format!("{:016x}{:016x}", h[0], h[1])
}

/// Where to cut a reading into pieces for the learned scorer: the end word
/// (exclusive) of each piece, the last being `per_word.len()`. Pieces hold at
/// most `max` phones (a longer word alone is a piece); among the cuts that
/// allow that, the fewest pieces, cut after punctuated words wherever
/// possible (a sentence is what the scorer was trained on).
fn piece_cuts(per_word: &[usize], punct: &[bool], max: usize) -> Vec<usize> {
    let n = per_word.len();
    // cost[j]: best cost of cutting words 0..j into pieces; from[j] the start of its last piece.
    let mut cost = vec![f64::INFINITY; n + 1];
    let mut from = vec![0usize; n + 1];
    cost[0] = 0.0;
    for j in 1..=n {
        let mut phones = 0;
        for i in (0..j).rev() {
            phones += per_word[i];
            if phones > max && i + 1 < j {
                break;
            }
            // Each piece costs a little; a cut where the text has no punctuation costs more.
            let c = cost[i]
                + 1.0
                + if j < n && !punct.get(j - 1).copied().unwrap_or(false) {
                    10.0
                } else {
                    0.0
                };
            if c < cost[j] {
                cost[j] = c;
                from[j] = i;
            }
        }
    }
    let mut cuts = Vec::new();
    let mut j = n;
    while j > 0 {
        cuts.push(j);
        j = from[j];
    }
    cuts.reverse();
    cuts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assessor_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Assessor>();
    }

    #[test]
    fn long_readings_are_cut_at_punctuation_into_short_pieces() {
        // Words of 4 phones; punctuation after words 2, 5 and 9 (0-based).
        let per_word = vec![4; 12];
        let mut punct = vec![false; 12];
        for w in [2, 5, 9] {
            punct[w] = true;
        }
        let cuts = piece_cuts(&per_word, &punct, 20);
        assert_eq!(cuts, vec![3, 6, 10, 12]);
        // No punctuation: as few pieces as the limit allows.
        let cuts = piece_cuts(&per_word, &[false; 12], 20);
        assert_eq!(cuts.len(), 3);
        let mut start = 0;
        for &c in &cuts {
            assert!(per_word[start..c].iter().sum::<usize>() <= 20);
            start = c;
        }
        // A word longer than the limit is a piece of its own.
        assert_eq!(piece_cuts(&[3, 30, 3], &[false; 3], 20), vec![1, 2, 3]);
        assert_eq!(piece_cuts(&[5, 5], &[false; 2], 20), vec![2]);
    }

    #[test]
    fn ids_depend_on_content() {
        let c = PronunciationAssessmentConfig::new("a");
        let a = content_id(&[0.0, 0.1], &c);
        assert_eq!(a, content_id(&[0.0, 0.1], &c));
        assert_ne!(a, content_id(&[0.0, 0.2], &c));
        assert_ne!(
            a,
            content_id(&[0.0, 0.1], &PronunciationAssessmentConfig::new("b"))
        );
        assert_eq!(a.len(), 32);
    }
}

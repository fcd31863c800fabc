//! Acoustic models: from features to per-frame phone-state scores.
//!
//! A model is a folder holding an ONNX file and a `model.json`
//! ([`ModelConfig`]): its phone set, HMM shape, transition scores and the
//! front-end settings its features were trained with, so feature code and
//! model can never drift apart. [`AcousticModel`] is the seam that every
//! engine implements; [`OnnxModel`] runs any model folder with onnxruntime.
//!
//! ```no_run
//! use elocute_model::{AcousticModel, Model};
//! let model = Model::load("models/ps-en-us-ptm").unwrap();
//! let samples = vec![0.0f32; 16_000];
//! let scores = model.frame_scores(&samples).unwrap();
//! assert_eq!(scores.phone_logpost.ncols(), model.config().phones.len());
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use elocute_core::{Error, Result};
pub use elocute_features::{FeatureConfig, FeatureExtractor};
use ndarray::{Array2, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

mod scorer;
pub use scorer::{ScorerConfig, ScorerModel, ScorerOutput};

/// Filler cost per frame when a model folder names none (see `ModelConfig::insertion_penalty`).
pub const DEFAULT_INSERTION_PENALTY: f32 = -8.0;

/// What a model's output columns hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputKind {
    /// Log-likelihoods log p(o|state) (a generative model such as a GMM).
    Loglik,
    /// Log posteriors log P(state|o) (a neural classifier).
    Logpost,
}

/// The `model.json` of a model folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Short name of the model.
    pub name: String,
    /// What the model is and where it came from.
    #[serde(default)]
    pub description: String,
    /// ONNX file name, relative to the folder.
    pub onnx: String,
    /// Name of the ONNX input (`[frames, feature_dim]`).
    pub input: String,
    /// Name of the ONNX output (`[frames, phones * states_per_phone]`).
    pub output: String,
    /// What the output holds.
    pub output_kind: OutputKind,
    /// Phone names in column order: CMU phones (`AA` … `ZH`), silence and any fillers.
    pub phones: Vec<String>,
    /// Which of `phones` is silence.
    pub silence: String,
    /// HMM states per phone; output column = `phone * states_per_phone + state`.
    pub states_per_phone: usize,
    /// Logistic map from a phone's GOP (mean log posterior ratio) to 0-100,
    /// fitted for this model's posteriors; the scorer's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gop_calibration: Option<GopCalibration>,
    /// Log score per frame of the filler that lets miscue report speech
    /// matching no reference word (`EnableMiscue`); more negative finds fewer
    /// insertions. Default [`DEFAULT_INSERTION_PENALTY`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insertion_penalty: Option<f32>,
    /// Run the model on at most this many frames at a time (bounds memory).
    /// Only for models that score each frame independently of its neighbours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_frames: Option<usize>,
    /// HMM states per phone in the aligner (default `states_per_phone`). More
    /// states than output columns impose a minimum phone duration on a model
    /// with one output per phone; state `j` reads column `j * states_per_phone / hmm_states`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hmm_states: Option<usize>,
    /// Per phone: `[log P(stay), log P(advance)]` for each HMM state. Missing phones get 0.5/0.5.
    #[serde(default)]
    pub transitions: BTreeMap<String, Vec<[f32; 2]>>,
    /// Multiplies log scores before phones are normalised into posteriors.
    /// Below 1 it tempers an over-confident generative model (as Kaldi's
    /// acoustic scale does); it does not change the alignment.
    #[serde(default = "one")]
    pub posterior_scale: f32,
    /// Front-end settings the model was trained with.
    pub features: FeatureConfig,
}

/// Read a JSON file of a model folder: an I/O error or an [`Error::Model`] naming the file.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| Error::Model {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn one() -> f32 {
    1.0
}

impl ModelConfig {
    /// Read and check a `model.json`.
    pub fn from_file(path: &Path) -> Result<Self> {
        let cfg: ModelConfig = read_json(path)?;
        cfg.check().map_err(|message| Error::Model {
            path: path.to_path_buf(),
            message,
        })?;
        Ok(cfg)
    }

    fn check(&self) -> std::result::Result<(), String> {
        if self.phones.is_empty() || self.states_per_phone == 0 {
            return Err("no phones or zero states per phone".into());
        }
        if self.num_hmm_states() < self.states_per_phone || self.num_hmm_states() > 20 {
            return Err(format!(
                "hmm_states must be from states_per_phone ({}) to 20",
                self.states_per_phone
            ));
        }
        if !(self.posterior_scale > 0.0 && self.posterior_scale <= 10.0) {
            return Err(format!(
                "posterior_scale {} must be in (0, 10]",
                self.posterior_scale
            ));
        }
        if self.phone_id(&self.silence).is_none() {
            return Err(format!(
                "silence phone {:?} is not in the phone list",
                self.silence
            ));
        }
        for (p, t) in &self.transitions {
            if self.phone_id(p).is_none() {
                return Err(format!("transitions for unknown phone {p:?}"));
            }
            if t.len() != self.num_hmm_states()
                || t.iter().flatten().any(|v| !v.is_finite() || *v > 0.0)
            {
                return Err(format!(
                    "transitions of {p:?} must be {} pairs of log probabilities",
                    self.num_hmm_states()
                ));
            }
        }
        self.features.validate().map_err(|e| e.to_string())
    }

    /// HMM states per phone in the aligner.
    pub fn num_hmm_states(&self) -> usize {
        self.hmm_states.unwrap_or(self.states_per_phone)
    }

    /// Column index of a phone name.
    pub fn phone_id(&self, name: &str) -> Option<usize> {
        self.phones.iter().position(|p| p == name)
    }

    /// Number of output columns.
    pub fn num_outputs(&self) -> usize {
        self.phones.len() * self.states_per_phone
    }
}

/// `accuracy = 100 / (1 + exp(-slope · (gop - midpoint)))`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GopCalibration {
    /// GOP that scores 50.
    pub midpoint: f64,
    /// Steepness.
    pub slope: f64,
}

/// The seam every acoustic model implements: features in, state scores out.
pub trait AcousticModel: Send + Sync {
    /// The model's description.
    fn config(&self) -> &ModelConfig;
    /// `[frames, feature_dim]` features to `[frames, phones * states_per_phone]` log scores.
    fn state_scores(&self, features: ArrayView2<f32>) -> Result<Array2<f32>>;
}

/// Per-frame scores of an utterance.
#[derive(Debug, Clone)]
pub struct FrameScores {
    /// `[frames, phones * states_per_phone]` scores for the aligner.
    pub state_scores: Array2<f32>,
    /// `[frames, phones]` log posterior of each phone, for pronunciation scoring.
    pub phone_logpost: Array2<f32>,
}

/// An acoustic model with its matching front end: samples in, scores out.
pub struct Model {
    extractor: FeatureExtractor,
    engine: Box<dyn AcousticModel>,
    scorer: Option<ScorerModel>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("name", &self.config().name)
            .finish()
    }
}

impl Model {
    /// Load a model folder and run it with onnxruntime.
    /// Also loads the folder's learned scorer (`scorer.json`) when it has one.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let model = Self::from_engine(Box::new(OnnxModel::load(dir)?))?;
        Ok(model.with_scorer(ScorerModel::load_optional(dir)?))
    }

    /// Wrap any engine; its config's feature settings build the front end.
    pub fn from_engine(engine: Box<dyn AcousticModel>) -> Result<Self> {
        let extractor = FeatureExtractor::new(engine.config().features.clone())?;
        Ok(Model {
            extractor,
            engine,
            scorer: None,
        })
    }

    /// Use (or, with `None`, stop using) a learned scorer.
    pub fn with_scorer(mut self, scorer: Option<ScorerModel>) -> Self {
        self.scorer = scorer;
        self
    }

    /// The learned scorer trained on this model's posteriors, if any.
    pub fn scorer(&self) -> Option<&ScorerModel> {
        self.scorer.as_ref()
    }

    /// The model's description.
    pub fn config(&self) -> &ModelConfig {
        self.engine.config()
    }

    /// The front end.
    pub fn extractor(&self) -> &FeatureExtractor {
        &self.extractor
    }

    /// Features, state scores and phone posteriors of 16 kHz mono samples.
    pub fn frame_scores(&self, samples: &[f32]) -> Result<FrameScores> {
        let feats = self.extractor.compute(samples)?;
        self.scores_from_features(feats.view())
    }

    /// State scores and phone posteriors from precomputed features.
    pub fn scores_from_features(&self, feats: ArrayView2<f32>) -> Result<FrameScores> {
        let cfg = self.config();
        let state_scores = self.engine.state_scores(feats)?;
        if state_scores.dim() != (feats.nrows(), cfg.num_outputs()) {
            return Err(Error::Runtime(format!(
                "model {} gave {:?} scores for {} frames, expected {} columns",
                cfg.name,
                state_scores.dim(),
                feats.nrows(),
                cfg.num_outputs()
            )));
        }
        let phone_logpost = phone_posteriors(
            state_scores.view(),
            cfg.states_per_phone,
            cfg.output_kind,
            cfg.posterior_scale,
        );
        Ok(FrameScores {
            state_scores,
            phone_logpost,
        })
    }
}

/// Phone log posteriors from state scores: a phone's score is its best state
/// (likelihoods) or the sum of its states (posteriors), normalised per frame.
pub fn phone_posteriors(
    states: ArrayView2<f32>,
    spp: usize,
    kind: OutputKind,
    scale: f32,
) -> Array2<f32> {
    let (t, cols) = states.dim();
    let phones = cols / spp.max(1);
    let mut out = Array2::zeros((t, phones));
    for (row, mut o) in states.axis_iter(Axis(0)).zip(out.axis_iter_mut(Axis(0))) {
        for p in 0..phones {
            let s = row.slice(ndarray::s![p * spp..(p + 1) * spp]);
            o[p] = match kind {
                OutputKind::Loglik => s.iter().copied().fold(f32::NEG_INFINITY, f32::max),
                OutputKind::Logpost => log_sum_exp(s.iter().copied()),
            } * scale;
        }
        let z = log_sum_exp(o.iter().copied());
        o.mapv_inplace(|v| {
            if z.is_finite() {
                v - z
            } else {
                -(phones as f32).ln()
            }
        });
    }
    out
}

fn log_sum_exp(xs: impl Iterator<Item = f32> + Clone) -> f32 {
    let m = xs.clone().fold(f32::NEG_INFINITY, f32::max);
    if !m.is_finite() {
        return m;
    }
    m + xs.map(|x| (x - m).exp()).sum::<f32>().ln()
}

/// An ONNX acoustic model run by onnxruntime.
///
/// `ort` sessions need exclusive access to run, so a graph keeps a pool:
/// each concurrent caller takes a session (creating one when none is free)
/// and returns it, so N threads end up with N sessions and never wait.
pub(crate) struct SessionPool {
    path: PathBuf,
    env: ort::environment::Environment,
    pool: Mutex<Vec<ort::session::Session>>,
}

impl SessionPool {
    /// Open `path` (which must exist) and create its first session.
    pub(crate) fn open(path: PathBuf) -> Result<(Self, ort::session::Session)> {
        let pool = SessionPool {
            path,
            env: runtime_env()?,
            pool: Mutex::new(Vec::new()),
        };
        let first = pool.new_session()?;
        Ok((pool, first))
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn new_session(&self) -> Result<ort::session::Session> {
        let err = |e: ort::Error| Error::Model {
            path: self.path.clone(),
            message: e.to_string(),
        };
        ort::session::Session::builder(&self.env)
            .map_err(err)?
            // One thread per session: parallelism comes from running utterances side by side.
            .with_intra_threads(1)
            .map_err(|e| err(e.into()))?
            .with_inter_threads(1)
            .map_err(|e| err(e.into()))?
            .commit_from_file(&self.path)
            .map_err(err)
    }

    pub(crate) fn put_back(&self, s: ort::session::Session) {
        if let Ok(mut pool) = self.pool.lock() {
            pool.push(s);
        }
    }

    /// Run `f` with a session of the pool.
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&mut ort::session::Session) -> Result<T>,
    ) -> Result<T> {
        let taken = self.pool.lock().ok().and_then(|mut p| p.pop());
        let mut session = match taken {
            Some(s) => s,
            None => self.new_session()?,
        };
        let out = f(&mut session);
        self.put_back(session);
        out
    }
}

/// Any model folder run with onnxruntime.
pub struct OnnxModel {
    config: ModelConfig,
    sessions: SessionPool,
}

impl OnnxModel {
    /// Load `dir/model.json` and create the first session over `dir/<onnx>`.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self> {
        let dir = dir.as_ref();
        let config = ModelConfig::from_file(&dir.join("model.json"))?;
        let onnx_path = dir.join(&config.onnx);
        if !onnx_path.is_file() {
            return Err(Error::Model {
                path: onnx_path,
                message: "ONNX file missing (run scripts/setup.sh to build it)".into(),
            });
        }
        let (sessions, first) = SessionPool::open(onnx_path)?;
        let model = OnnxModel { config, sessions };
        model.check_io(&first)?;
        model.sessions.put_back(first);
        Ok(model)
    }

    fn check_io(&self, s: &ort::session::Session) -> Result<()> {
        let has_in = s.inputs().iter().any(|i| i.name() == self.config.input);
        let has_out = s.outputs().iter().any(|o| o.name() == self.config.output);
        if !has_in || !has_out {
            return Err(Error::Model {
                path: self.sessions.path().to_path_buf(),
                message: format!(
                    "expected input {:?} and output {:?} in the ONNX graph",
                    self.config.input, self.config.output
                ),
            });
        }
        Ok(())
    }
}

impl AcousticModel for OnnxModel {
    fn config(&self) -> &ModelConfig {
        &self.config
    }

    fn state_scores(&self, features: ArrayView2<f32>) -> Result<Array2<f32>> {
        self.sessions.with(|session| {
            match self
                .config
                .chunk_frames
                .filter(|&c| c > 0 && features.nrows() > c)
            {
                None => run(session, &self.config, features),
                Some(c) => {
                    let mut parts = Vec::new();
                    let mut start = 0;
                    while start < features.nrows() {
                        let end = (start + c).min(features.nrows());
                        parts.push(run(
                            session,
                            &self.config,
                            features.slice(ndarray::s![start..end, ..]),
                        )?);
                        start = end;
                    }
                    let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
                    ndarray::concatenate(Axis(0), &views).map_err(|e| Error::Runtime(e.to_string()))
                }
            }
        })
    }
}

fn run(
    session: &mut ort::session::Session,
    cfg: &ModelConfig,
    features: ArrayView2<f32>,
) -> Result<Array2<f32>> {
    let rt = |e: ort::Error| Error::Runtime(e.to_string());
    let feats = features.as_standard_layout();
    let input = ort::value::TensorRef::from_array_view(feats.view()).map_err(rt)?;
    let outputs = session
        .run(ort::inputs![cfg.input.as_str() => input])
        .map_err(rt)?;
    let out = outputs[cfg.output.as_str()]
        .try_extract_array::<f32>()
        .map_err(rt)?;
    let out = out
        .into_dimensionality::<ndarray::Ix2>()
        .map_err(|e| Error::Runtime(format!("model output is not 2-D: {e}")))?;
    Ok(out.to_owned())
}

/// The process-wide onnxruntime environment and the library it came from.
static RUNTIME: OnceLock<std::result::Result<(PathBuf, ort::environment::Environment), String>> =
    OnceLock::new();

/// Load the onnxruntime shared library once per process and return its path.
///
/// Looks, in order, at `ORT_DYLIB_PATH`, beside the executable (and its
/// `lib/` and `../lib/`), and in the checkout's `third_party/onnxruntime/`
/// where `scripts/setup.sh` puts it. A missing or too old library is an
/// [`Error::Runtime`] naming the places tried, never a panic.
pub fn init_runtime() -> Result<PathBuf> {
    runtime().map(|(p, _)| p.clone())
}

fn runtime_env() -> Result<ort::environment::Environment> {
    runtime().map(|(_, e)| e.clone())
}

fn runtime() -> Result<&'static (PathBuf, ort::environment::Environment)> {
    RUNTIME
        .get_or_init(|| {
            let mut tried = Vec::new();
            for c in runtime_candidates() {
                if !c.is_file() {
                    tried.push(format!("{} (absent)", c.display()));
                    continue;
                }
                let env = ort::init_from(&c)
                    .map_err(|e| e.to_string())
                    .and_then(|b| b.with_name("elocute").with_telemetry(false).build().map_err(|e| e.to_string()));
                match env {
                    Ok(env) => return Ok((c, env)),
                    Err(e) => tried.push(format!("{}: {e}", c.display())),
                }
            }
            Err(format!(
                "onnxruntime library not found or unusable (run scripts/setup.sh or set ORT_DYLIB_PATH); tried: {}",
                tried.join("; ")
            ))
        })
        .as_ref()
        .map_err(|e| Error::Runtime(e.clone()))
}

/// File name of the onnxruntime library that scripts/setup.sh installs.
pub const ORT_LIB_NAME: &str = "libonnxruntime.so.1.31.1";

fn runtime_candidates() -> Vec<PathBuf> {
    let mut c = Vec::new();
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        c.push(PathBuf::from(p));
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        for sub in [".", "lib", "../lib"] {
            c.push(dir.join(sub).join(ORT_LIB_NAME));
        }
    }
    c.push(
        workspace_root()
            .join("third_party/onnxruntime")
            .join(ORT_LIB_NAME),
    );
    c
}

/// The checkout this crate was built from (for finding set-up artefacts in place).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn posteriors_normalise_per_frame() {
        let s = array![[0.0f32, -1.0, -2.0, -3.0], [-50.0, -50.0, -1.0, -60.0]];
        let p = phone_posteriors(s.view(), 2, OutputKind::Loglik, 1.0);
        assert_eq!(p.dim(), (2, 2));
        for row in p.rows() {
            let total: f32 = row.iter().map(|v| v.exp()).sum();
            assert!((total - 1.0).abs() < 1e-5);
        }
        assert!(p[[0, 0]] > p[[0, 1]]);
        assert!(p[[1, 1]] > p[[1, 0]]);
        let q = phone_posteriors(
            array![[f32::NEG_INFINITY, f32::NEG_INFINITY]].view(),
            1,
            OutputKind::Logpost,
            1.0,
        );
        assert!(q.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn config_rejects_unknown_keys_and_bad_silence() {
        let good = serde_json::json!({
            "name": "t", "onnx": "m.onnx", "input": "x", "output": "y", "output_kind": "logpost",
            "phones": ["AA", "SIL"], "silence": "SIL", "states_per_phone": 1,
            "features": serde_json::to_value(FeatureConfig::fbank80()).unwrap()
        });
        let cfg: ModelConfig = serde_json::from_value(good.clone()).unwrap();
        assert!(cfg.check().is_ok());
        let mut bad = good.clone();
        bad["colour"] = "red".into();
        assert!(serde_json::from_value::<ModelConfig>(bad).is_err());
        let mut bad = good;
        bad["silence"] = "SP".into();
        let cfg: ModelConfig = serde_json::from_value(bad).unwrap();
        assert!(cfg.check().unwrap_err().contains("SP"));
    }

    #[test]
    fn missing_model_folder_is_a_clear_error() {
        let e = Model::load("/no/such/model").unwrap_err();
        assert!(e.to_string().contains("/no/such/model"), "{e}");
    }
}

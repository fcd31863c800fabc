//! Learned scorers: small ONNX graphs that turn per-phone acoustic evidence
//! into expert-like scores. A scorer lives in its acoustic model's folder
//! (`scorer.json` + its ONNX file) because it was trained on that model's
//! posteriors and means nothing with another's.

use std::path::Path;

use elocute_core::{Error, Result};
use ndarray::{Array3, ArrayView2};
use serde::{Deserialize, Serialize};

use crate::SessionPool;

/// `scorer.json`: what a learned scorer expects and where its graph is.
///
/// The graph takes `feats` `[1, phones, features]` (float32) and `phones`
/// `[1, phones]` (int64, CMU phone index 0-38) and gives `phone` and `word`
/// `[1, phones]` and `utterance` `[1, 5]` (accuracy, completeness, fluency,
/// prosody, total), all on 0-100.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScorerConfig {
    /// Short name.
    pub name: String,
    /// What it is and what it was trained on.
    #[serde(default)]
    pub description: String,
    /// ONNX file, relative to the folder.
    pub onnx: String,
    /// The feature layout version it was trained on.
    pub feature_version: u32,
    /// Columns per phone row.
    pub features: usize,
    /// Name of the acoustic model whose posteriors it was trained on.
    pub acoustic_model: String,
}

/// A learned scorer's raw outputs for one utterance (0-100).
#[derive(Debug, Clone, PartialEq)]
pub struct ScorerOutput {
    /// Per reference phone.
    pub phone: Vec<f32>,
    /// Word accuracy as seen from each phone.
    pub word: Vec<f32>,
    /// Accuracy, completeness, fluency, prosody, total.
    pub utterance: [f32; 5],
}

/// A loaded learned scorer.
pub struct ScorerModel {
    config: ScorerConfig,
    sessions: SessionPool,
}

impl std::fmt::Debug for ScorerModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScorerModel")
            .field("name", &self.config.name)
            .finish()
    }
}

impl ScorerModel {
    /// Load `dir/scorer.json` and its graph; `Ok(None)` when the folder has no scorer.
    pub fn load_optional(dir: &Path) -> Result<Option<Self>> {
        let json = dir.join("scorer.json");
        if !json.is_file() {
            return Ok(None);
        }
        let bad = |message: String| Error::Model {
            path: json.clone(),
            message,
        };
        let config: ScorerConfig = crate::read_json(&json)?;
        let onnx = dir.join(&config.onnx);
        if !onnx.is_file() {
            return Err(Error::Model {
                path: onnx,
                message: "scorer ONNX file missing".into(),
            });
        }
        let (sessions, first) = SessionPool::open(onnx)?;
        let names: Vec<&str> = first.outputs().iter().map(|o| o.name()).collect();
        for want in ["phone", "word", "utterance"] {
            if !names.contains(&want) {
                return Err(bad(format!("scorer graph has no output {want:?}")));
            }
        }
        sessions.put_back(first);
        Ok(Some(ScorerModel { config, sessions }))
    }

    /// Its description.
    pub fn config(&self) -> &ScorerConfig {
        &self.config
    }

    /// Score one utterance: `feats` is `[phones, features]`, `phones` the CMU index of each.
    pub fn predict(&self, feats: ArrayView2<f32>, phones: &[i64]) -> Result<ScorerOutput> {
        let n = feats.nrows();
        if n == 0 || n != phones.len() || feats.ncols() != self.config.features {
            return Err(Error::Runtime(format!(
                "scorer {} expects [phones, {}] features for {} phones, got {:?}",
                self.config.name,
                self.config.features,
                phones.len(),
                feats.dim()
            )));
        }
        let rt = |e: ort::Error| Error::Runtime(e.to_string());
        let x: Array3<f32> = feats.to_owned().insert_axis(ndarray::Axis(0));
        let ids = ndarray::Array2::from_shape_vec((1, n), phones.to_vec())
            .map_err(|e| Error::Runtime(e.to_string()))?;
        self.sessions.with(|session| {
            let x = ort::value::TensorRef::from_array_view(x.view()).map_err(rt)?;
            let ids = ort::value::TensorRef::from_array_view(ids.view()).map_err(rt)?;
            let out = session
                .run(ort::inputs!["feats" => x, "phones" => ids])
                .map_err(rt)?;
            let flat = |name: &str| -> Result<Vec<f32>> {
                Ok(out[name]
                    .try_extract_array::<f32>()
                    .map_err(rt)?
                    .iter()
                    .copied()
                    .collect())
            };
            let (phone, word, utt) = (flat("phone")?, flat("word")?, flat("utterance")?);
            if phone.len() != n || word.len() != n || utt.len() != 5 {
                return Err(Error::Runtime(format!(
                    "scorer {} gave {} phone, {} word and {} utterance values for {n} phones",
                    self.config.name,
                    phone.len(),
                    word.len(),
                    utt.len()
                )));
            }
            Ok(ScorerOutput {
                phone,
                word,
                utterance: [utt[0], utt[1], utt[2], utt[3], utt[4]],
            })
        })
    }
}

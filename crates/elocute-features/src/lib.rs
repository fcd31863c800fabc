//! Acoustic front end of elocute: turns 16 kHz mono samples into per-frame feature vectors.
//!
//! Two presets cover what the models need:
//!
//! * [`FeatureConfig::sphinx_en_us`]: an exact re-implementation of the pocketsphinx 5 front end
//!   with the en-us model's `feat.params` (MFCC with noise removal, batch CMN and sphinx deltas,
//!   39 dims), the input of the `ps-en-us-ptm` acoustic model. It matches the cepstra pocketsphinx
//!   itself logs to about 1e-4.
//! * [`FeatureConfig::fbank80`]: 80 Kaldi-style log mel energies every 10 ms, for neural models.
//!
//! The settings live in each model folder's `model.json` under `"features"`, so a model always
//! gets the features it was built for. A numpy reference of the same pipeline is
//! `scripts/psx/frontend.py`; the tests compare against features it computed.
//!
//! ```
//! use elocute_features::{FeatureConfig, FeatureExtractor};
//!
//! let fx = FeatureExtractor::new(FeatureConfig::fbank80())?;
//! let feats = fx.compute(&vec![0.0f32; 16_000])?; // one second of silence
//! assert_eq!(feats.dim(), (98, 80));
//! # Ok::<(), elocute_core::Error>(())
//! ```

mod config;
mod extractor;
mod filterbank;
mod noise;

pub use config::{Cmn, Deltas, FeatureConfig, FeatureKind, Framing, MelScale, Window};
pub use extractor::FeatureExtractor;

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn extractor_is_send_and_sync() {
        assert_send_sync::<FeatureExtractor>();
    }

    #[test]
    fn presets_validate_and_have_the_documented_dims() {
        let s = FeatureConfig::sphinx_en_us();
        s.validate().unwrap();
        assert_eq!(s.output_dim(), 39);
        assert_eq!(s.frame_shift_samples(), 160);
        let f = FeatureConfig::fbank80();
        f.validate().unwrap();
        assert_eq!(f.output_dim(), 80);
    }
}

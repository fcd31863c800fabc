//! The Rust front end against the numpy reference (scripts/psx/frontend.py) on the fixture
//! utterance. That reference matches pocketsphinx's own logged cepstra to ~3e-5.

mod common;

use elocute_features::{FeatureConfig, FeatureExtractor};

fn compare(preset: &str, cfg: FeatureConfig, tol: f32) {
    let samples = common::read_wav("please_call_stella.wav");
    let (frames, dim, reference) = common::read_reference(preset);
    let fx = FeatureExtractor::new(cfg).unwrap();
    let ours = fx.compute(&samples).unwrap();
    assert_eq!(ours.dim(), (frames, dim), "{preset}: shape");
    let mut worst = (0.0f32, 0, 0);
    for t in 0..frames {
        for k in 0..dim {
            let d = (ours[[t, k]] - reference[t * dim + k]).abs();
            if d > worst.0 || d.is_nan() {
                worst = (d, t, k);
            }
        }
    }
    eprintln!(
        "{preset}: max |rust - numpy| = {:.2e} at frame {}, dim {}",
        worst.0, worst.1, worst.2
    );
    assert!(
        worst.0 <= tol,
        "{preset}: max diff {} at frame {} dim {}",
        worst.0,
        worst.1,
        worst.2
    );
}

#[test]
fn sphinx_en_us_matches_numpy_reference() {
    compare("sphinx_en_us", FeatureConfig::sphinx_en_us(), 1e-3);
}

#[test]
fn fbank80_matches_numpy_reference() {
    compare("fbank80", FeatureConfig::fbank80(), 1e-3);
}

#[test]
fn extractor_is_deterministic_and_reusable() {
    let samples = common::read_wav("please_call_stella.wav");
    let fx = FeatureExtractor::new(FeatureConfig::sphinx_en_us()).unwrap();
    let a = fx.compute(&samples).unwrap();
    let b = std::thread::scope(|s| s.spawn(|| fx.compute(&samples).unwrap()).join().unwrap());
    assert_eq!(a, b);
}

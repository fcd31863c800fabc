//! Behaviour of the front end on synthetic signals, edge cases and config handling.

use elocute_core::Error;
use elocute_features::{Cmn, Deltas, FeatureConfig, FeatureExtractor, FeatureKind};

fn sine(freq: f32, amp: f32, n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| amp * (2.0 * std::f32::consts::PI * freq * i as f32 / 16_000.0).sin())
        .collect()
}

#[test]
fn fbank_sine_peaks_in_the_band_centred_on_its_frequency() {
    let cfg = FeatureConfig::fbank80();
    let fx = FeatureExtractor::new(cfg.clone()).unwrap();
    let feats = fx.compute(&sine(1000.0, 0.5, 16_000)).unwrap();
    // The filter whose centre (on the HTK mel axis) is nearest 1 kHz.
    let mel = |f: f32| 1127.0 * (1.0 + f / 700.0).ln();
    let delta = (mel(cfg.high_freq) - mel(cfg.low_freq)) / (cfg.num_filters + 1) as f32;
    let expected = ((mel(1000.0) - mel(cfg.low_freq)) / delta - 1.0).round() as usize;
    for row in feats.rows() {
        let argmax = row
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        assert!(
            argmax.abs_diff(expected) <= 1,
            "peak in band {argmax}, expected {expected}"
        );
        // and well above the bands far away
        assert!(row[argmax] > row[5] + 10.0 && row[argmax] > row[70] + 10.0);
    }
}

#[test]
fn fbank_silence_is_flat_and_low() {
    // Without the fill, digital silence sits at the log floor.
    let kaldi = FeatureConfig {
        fill_digital_silence: false,
        ..FeatureConfig::fbank80()
    };
    let feats = FeatureExtractor::new(kaldi)
        .unwrap()
        .compute(&vec![0.0; 8_000])
        .unwrap();
    let floor = f32::EPSILON.ln();
    assert!(
        feats.iter().all(|&v| (v - floor).abs() < 1e-4),
        "silence should sit at ln(eps) = {floor}"
    );
    // With it (the preset), as the faintest hiss: far above the floor, far below speech.
    let fx = FeatureExtractor::new(FeatureConfig::fbank80()).unwrap();
    let hiss = fx.compute(&vec![0.0; 8_000]).unwrap();
    let (lo, hi) = hiss
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    eprintln!("filled silence: ln mel energies {lo:.2} to {hi:.2}");
    // (The lowest filters span less than one FFT bin, so they swing most.)
    assert!(lo > floor + 8.0 && hi < 11.0, "{lo} {hi}");
    assert_eq!(
        hiss,
        fx.compute(&vec![0.0; 8_000]).unwrap(),
        "deterministic"
    );
}

#[test]
fn frame_counts_follow_the_framing_rules() {
    let fbank = FeatureConfig::fbank80();
    let sphinx = FeatureConfig::sphinx_en_us();
    // Kaldi snip_edges: 1 + (n - 400) / 160 full frames only.
    assert_eq!(fbank.num_frames(16_000), 98);
    assert_eq!(fbank.num_frames(400), 1);
    assert_eq!(fbank.num_frames(399), 0);
    // pocketsphinx: full frames plus one padded frame for the samples left after the last shift.
    assert_eq!(sphinx.num_frames(16_000), 99);
    assert_eq!(sphinx.num_frames(410), 2);
    assert_eq!(sphinx.num_frames(409), 0);
    for (cfg, n) in [
        (fbank, 16_000usize),
        (sphinx, 16_000),
        (FeatureConfig::sphinx_en_us(), 12_345),
    ] {
        let fx = FeatureExtractor::new(cfg.clone()).unwrap();
        let f = fx.compute(&sine(300.0, 0.1, n)).unwrap();
        assert_eq!(f.dim(), (cfg.num_frames(n), cfg.output_dim()));
        assert_eq!(fx.frame_shift_seconds(), 0.01);
    }
}

#[test]
fn too_short_audio_is_empty_audio() {
    for cfg in [FeatureConfig::sphinx_en_us(), FeatureConfig::fbank80()] {
        let fx = FeatureExtractor::new(cfg).unwrap();
        for n in [0usize, 1, 160, 399] {
            match fx.compute(&vec![0.1; n]) {
                Err(Error::EmptyAudio { path: None }) => {}
                other => panic!("{n} samples: expected EmptyAudio, got {other:?}"),
            }
        }
    }
}

#[test]
fn hostile_samples_give_finite_features() {
    let mut x = sine(440.0, 0.3, 8_000);
    x[100] = f32::NAN;
    x[2000] = f32::INFINITY;
    x[3000] = -1e30;
    x[4000] = 5.0;
    for cfg in [FeatureConfig::sphinx_en_us(), FeatureConfig::fbank80()] {
        let fx = FeatureExtractor::new(cfg).unwrap();
        assert!(fx.compute(&x).unwrap().iter().all(|v| v.is_finite()));
        // digital silence, full-scale square wave
        assert!(fx
            .compute(&vec![0.0; 4_000])
            .unwrap()
            .iter()
            .all(|v| v.is_finite()));
        let square: Vec<f32> = (0..4_000)
            .map(|i| if i % 20 < 10 { 1.0 } else { -1.0 })
            .collect();
        assert!(fx.compute(&square).unwrap().iter().all(|v| v.is_finite()));
    }
}

#[test]
fn long_audio_works() {
    // two minutes of a chirp-like signal
    let n = 16_000 * 120;
    let x: Vec<f32> = (0..n)
        .map(|i| 0.2 * ((i as f32 * 0.001).sin() * 3.0 + i as f32 * 0.05).sin())
        .collect();
    let fx = FeatureExtractor::new(FeatureConfig::sphinx_en_us()).unwrap();
    let f = fx.compute(&x).unwrap();
    assert_eq!(f.nrows(), 11_999); // 11_998 full frames + the padded tail
    assert!(f.iter().all(|v| v.is_finite()));
}

#[test]
fn sphinx_cmn_centres_the_cepstra() {
    let fx = FeatureExtractor::new(FeatureConfig::sphinx_en_us()).unwrap();
    let f = fx.compute(&sine(700.0, 0.2, 16_000)).unwrap();
    // a stationary tone: every frame has c0 >= 0 before CMN, so the batch mean is the full mean
    let mean_c1: f32 = f.column(1).mean().unwrap();
    assert!(mean_c1.abs() < 1e-3, "{mean_c1}");
}

#[test]
fn config_json_round_trips() {
    for cfg in [FeatureConfig::sphinx_en_us(), FeatureConfig::fbank80()] {
        let json = serde_json::to_string_pretty(&cfg).unwrap();
        let back: FeatureConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cfg);
    }
    let v = serde_json::to_value(FeatureConfig::sphinx_en_us()).unwrap();
    assert_eq!(v["kind"], "mfcc");
    assert_eq!(v["cmn"], "sphinx_batch");
    assert_eq!(v["deltas"], "sphinx_1s_c_d_dd");
    assert_eq!(v["window"], "hamming");
    assert_eq!(v["mel"], "sphinx");
}

#[test]
fn config_rejects_unknown_keys_and_bad_values() {
    let mut v = serde_json::to_value(FeatureConfig::fbank80()).unwrap();
    v["dither"] = serde_json::json!(1.0);
    let err = serde_json::from_value::<FeatureConfig>(v)
        .unwrap_err()
        .to_string();
    assert!(err.contains("dither"), "{err}");

    let mut v = serde_json::to_value(FeatureConfig::fbank80()).unwrap();
    v["window"] = serde_json::json!("blackman");
    assert!(serde_json::from_value::<FeatureConfig>(v).is_err());

    let bad = |f: &dyn Fn(&mut FeatureConfig)| {
        let mut c = FeatureConfig::sphinx_en_us();
        f(&mut c);
        match FeatureExtractor::new(c) {
            Err(Error::Config(m)) => m,
            other => panic!("expected Error::Config, got {other:?}"),
        }
    };
    assert!(bad(&|c| c.fft_size = 256).contains("fft_size"));
    assert!(bad(&|c| c.sample_rate = 8_000).contains("sample_rate"));
    assert!(bad(&|c| c.high_freq = 9_000.0).contains("high_freq"));
    assert!(bad(&|c| c.num_ceps = 40).contains("num_ceps"));
    assert!(bad(&|c| c.frame_shift = 0).contains("frame_shift"));
    assert!(bad(&|c| c.sample_scale = f32::NAN).contains("sample_scale"));
    assert!(bad(&|c| {
        c.log_offset = 0.0;
        c.log_floor = 0.0
    })
    .contains("log_"));
}

#[test]
fn other_combinations_run() {
    let mut c = FeatureConfig::fbank80();
    c.cmn = Cmn::Utterance;
    c.deltas = Deltas::Sphinx1sCDDd;
    let f = FeatureExtractor::new(c.clone())
        .unwrap()
        .compute(&sine(500.0, 0.1, 8_000))
        .unwrap();
    assert_eq!(f.ncols(), 240);
    assert!(f.column(3).mean().unwrap().abs() < 1e-3);
    c.kind = FeatureKind::Mfcc;
    c.num_ceps = 20;
    let f = FeatureExtractor::new(c)
        .unwrap()
        .compute(&sine(500.0, 0.1, 8_000))
        .unwrap();
    assert_eq!(f.ncols(), 60);
}

#[test]
fn shipped_model_json_uses_the_sphinx_preset() {
    // models/ps-en-us-ptm/model.json is written by scripts/convert_pocketsphinx.py from the numpy
    // reference's settings; it must describe exactly this crate's sphinx preset.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../models/ps-en-us-ptm/model.json"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let cfg: FeatureConfig = serde_json::from_value(json["features"].clone()).unwrap();
    assert_eq!(cfg, FeatureConfig::sphinx_en_us());
}

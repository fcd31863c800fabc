//! [`FeatureExtractor`]: the configured pipeline, with everything precomputed.

use std::fmt;
use std::sync::Arc;

use elocute_core::{Error, Result};
use ndarray::{Array1, Array2};
use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

use crate::config::{Cmn, Deltas, FeatureConfig, FeatureKind, Framing, Window};
use crate::filterbank::{self, Filter};
use crate::noise::NoiseRemoval;

/// Computes features for whole utterances. Build it once (the window, filterbank, DCT matrix and
/// FFT plan are precomputed) and share it between threads: it is `Send + Sync` and `compute`
/// takes `&self`.
///
/// ```
/// use elocute_features::{FeatureConfig, FeatureExtractor};
///
/// let fx = FeatureExtractor::new(FeatureConfig::sphinx_en_us())?;
/// // half a second of a 440 Hz tone at 16 kHz
/// let samples: Vec<f32> = (0..8000)
///     .map(|n| 0.3 * (2.0 * std::f32::consts::PI * 440.0 * n as f32 / 16000.0).sin())
///     .collect();
/// let feats = fx.compute(&samples)?;
/// assert_eq!(feats.ncols(), 39);
/// assert_eq!(feats.nrows(), fx.config().num_frames(samples.len()));
/// assert_eq!(fx.frame_shift_seconds(), 0.01);
/// # Ok::<(), elocute_core::Error>(())
/// ```
pub struct FeatureExtractor {
    cfg: FeatureConfig,
    window: Vec<f64>,
    filters: Vec<Filter>,
    /// Row-major `[num_ceps, num_filters]`, lifter folded in; empty for fbank.
    dct: Vec<f64>,
    fft: Arc<dyn RealToComplex<f64>>,
}

impl fmt::Debug for FeatureExtractor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FeatureExtractor")
            .field("cfg", &self.cfg)
            .finish_non_exhaustive()
    }
}

/// Per-call scratch buffers, reused across the frames of one utterance.
struct Scratch {
    frame: Vec<f64>,
    spectrum: Vec<Complex<f64>>,
    fft_scratch: Vec<Complex<f64>>,
    power: Vec<f64>,
    mel: Vec<f64>,
}

impl FeatureExtractor {
    /// Validate the config and precompute the pipeline. Fails with [`Error::Config`] on invalid
    /// settings.
    pub fn new(cfg: FeatureConfig) -> Result<Self> {
        cfg.validate()?;
        let n = cfg.frame_length;
        let denom = (n.max(2) - 1) as f64;
        let window = (0..n)
            .map(|i| {
                let c = (2.0 * std::f64::consts::PI * i as f64 / denom).cos();
                match cfg.window {
                    Window::Hamming => 0.54 - 0.46 * c,
                    Window::Hann => 0.5 - 0.5 * c,
                    Window::Povey => (0.5 - 0.5 * c).powf(0.85),
                }
            })
            .collect();
        let filters = filterbank::build(&cfg);
        let dct = if cfg.kind == FeatureKind::Mfcc {
            dct_matrix(&cfg)
        } else {
            Vec::new()
        };
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(cfg.fft_size);
        Ok(FeatureExtractor {
            cfg,
            window,
            filters,
            dct,
            fft,
        })
    }

    /// The settings this extractor was built from.
    pub fn config(&self) -> &FeatureConfig {
        &self.cfg
    }

    /// Seconds between consecutive frames (0.01 for both presets): frame `t` covers the samples
    /// from `t * frame_shift_seconds()` on.
    pub fn frame_shift_seconds(&self) -> f64 {
        self.cfg.frame_shift as f64 / self.cfg.sample_rate as f64
    }

    /// Features of one utterance: `samples` are 16 kHz mono in `[-1, 1]`; the result is
    /// `[frames, output_dim]` with `frames = config().num_frames(samples.len())`.
    ///
    /// Non-finite samples are treated as silence (0) and samples outside `[-1, 1]` are clipped,
    /// as an int16 recording would be. With `fill_digital_silence`, a quarter second or more of
    /// digital silence (samples a 16-bit recording would store as 0: exact zeros, or the tiny
    /// values an Opus decoder or float pipeline leaves in silence) is heard as a microphone's
    /// quietest noise, one int16 step (deterministic, so the same audio always gives the same
    /// features). Audio shorter than one frame gives
    /// [`Error::EmptyAudio`] (with no path).
    pub fn compute(&self, samples: &[f32]) -> Result<Array2<f32>> {
        let cfg = &self.cfg;
        let n_frames = cfg.num_frames(samples.len());
        if n_frames == 0 {
            return Err(Error::EmptyAudio { path: None });
        }
        let scale = cfg.sample_scale as f64;
        // Branch-free (vectorises): a non-finite sample becomes 0, and 0 clamps to 0.
        let x: Vec<f64> = samples
            .iter()
            .map(|&s| {
                let s = if s.is_finite() { s } else { 0.0 };
                s.clamp(-1.0, 1.0) as f64 * scale
            })
            .collect();
        let x = if cfg.fill_digital_silence {
            fill_digital_silence(x, scale / 32768.0)
        } else {
            x
        };

        let mut scratch = Scratch {
            frame: self.fft.make_input_vec(),
            spectrum: self.fft.make_output_vec(),
            fft_scratch: self.fft.make_scratch_vec(),
            power: vec![0.0; cfg.fft_size / 2 + 1],
            mel: vec![0.0; cfg.num_filters],
        };
        let base_dim = match cfg.kind {
            FeatureKind::Mfcc => cfg.num_ceps,
            FeatureKind::Fbank => cfg.num_filters,
        };
        let mut stat = Array2::<f64>::zeros((n_frames, base_dim));
        let mut noise = cfg
            .noise_removal
            .then(|| NoiseRemoval::new(cfg.num_filters));
        for (t, mut row) in stat.rows_mut().into_iter().enumerate() {
            self.fill_frame(&x, t, &mut scratch.frame);
            self.fft
                .process_with_scratch(
                    &mut scratch.frame,
                    &mut scratch.spectrum,
                    &mut scratch.fft_scratch,
                )
                .map_err(|e| Error::Runtime(format!("FFT failed: {e}")))?;
            for (p, c) in scratch.power.iter_mut().zip(&scratch.spectrum) {
                *p = c.norm_sqr();
            }
            for (m, f) in scratch.mel.iter_mut().zip(&self.filters) {
                let bins = &scratch.power[f.start..f.start + f.weights.len()];
                *m = f.weights.iter().zip(bins).map(|(w, p)| w * p).sum();
            }
            if let Some(nr) = noise.as_mut() {
                nr.apply(&mut scratch.mel);
            }
            let (offset, floor) = (cfg.log_offset as f64, cfg.log_floor as f64);
            for m in scratch.mel.iter_mut() {
                *m = (*m + offset).max(floor).ln();
            }
            match cfg.kind {
                FeatureKind::Fbank => row.iter_mut().zip(&scratch.mel).for_each(|(o, &m)| *o = m),
                FeatureKind::Mfcc => {
                    for (o, coefs) in row.iter_mut().zip(self.dct.chunks_exact(cfg.num_filters)) {
                        *o = coefs.iter().zip(&scratch.mel).map(|(c, m)| c * m).sum();
                    }
                }
            }
        }
        apply_cmn(&mut stat, cfg.cmn);
        let out = match cfg.deltas {
            Deltas::None => stat,
            Deltas::Sphinx1sCDDd => sphinx_deltas(&stat),
        };
        Ok(out.mapv(|v| v as f32))
    }

    /// Copy frame `t` of the (scaled) signal into `buf` (fft_size long), pre-emphasised and windowed.
    fn fill_frame(&self, x: &[f64], t: usize, buf: &mut [f64]) {
        let cfg = &self.cfg;
        let a = cfg.preemphasis as f64;
        let start = t * cfg.frame_shift;
        let end = (start + cfg.frame_length).min(x.len());
        let len = end - start;
        buf[len..].fill(0.0);
        match cfg.framing {
            Framing::Sphinx => {
                // Pre-emphasis over the continuous signal: the frame's first sample uses the one
                // before it (none at the very start). The window is applied in the same pass
                // (same operations in the same order as pre-emphasis then windowing).
                if len == 0 {
                    return;
                }
                let s = &x[start..end];
                let w = &self.window[..len];
                let prev0 = if start > 0 { x[start - 1] } else { 0.0 };
                buf[0] = (s[0] - a * prev0) * w[0];
                for ((b, pair), &wi) in buf[1..len].iter_mut().zip(s.windows(2)).zip(&w[1..]) {
                    *b = (pair[1] - a * pair[0]) * wi;
                }
                return;
            }
            Framing::Kaldi => {
                buf[..len].copy_from_slice(&x[start..end]);
                if cfg.remove_dc && len > 0 {
                    let mean = buf[..len].iter().sum::<f64>() / len as f64;
                    buf[..len].iter_mut().for_each(|v| *v -= mean);
                }
                for i in (1..len).rev() {
                    buf[i] -= a * buf[i - 1];
                }
                if len > 0 {
                    buf[0] -= a * buf[0];
                }
            }
        }
        // A short final sphinx frame is windowed over the full length: the padding is zeros.
        for (v, w) in buf[..len].iter_mut().zip(&self.window) {
            *v *= w;
        }
    }
}

/// Orthonormal DCT-II rows `0..num_ceps` over `num_filters` log energies, with the lifter folded in.
fn dct_matrix(cfg: &FeatureConfig) -> Vec<f64> {
    let (nf, nc, lifter) = (cfg.num_filters, cfg.num_ceps, cfg.lifter as f64);
    let mut m = Vec::with_capacity(nc * nf);
    for i in 0..nc {
        let norm = if i == 0 {
            (1.0 / nf as f64).sqrt()
        } else {
            (2.0 / nf as f64).sqrt()
        };
        let lift = if lifter > 0.0 {
            1.0 + lifter / 2.0 * (std::f64::consts::PI * i as f64 / lifter).sin()
        } else {
            1.0
        };
        for j in 0..nf {
            let c = (std::f64::consts::PI / nf as f64 * i as f64 * (j as f64 + 0.5)).cos();
            m.push(c * norm * lift);
        }
    }
    m
}

fn apply_cmn(feats: &mut Array2<f64>, cmn: Cmn) {
    // pocketsphinx's batch CMN skips frames with c0 < 0 (near-zero energy) when estimating the
    // mean; if every frame is like that it falls back to the plain mean.
    let skip_quiet = match cmn {
        Cmn::None => return,
        Cmn::Utterance => false,
        Cmn::SphinxBatch => true,
    };
    let mean_over = |only_c0_nonneg: bool| {
        let mut sum = Array1::<f64>::zeros(feats.ncols());
        let mut n = 0usize;
        for row in feats.rows() {
            if !only_c0_nonneg || row.first().is_some_and(|&c0| c0 >= 0.0) {
                sum += &row;
                n += 1;
            }
        }
        (n > 0).then(|| sum / n as f64)
    };
    let mean = if skip_quiet { mean_over(true) } else { None };
    if let Some(mean) = mean.or_else(|| mean_over(false)) {
        for mut row in feats.rows_mut() {
            row -= &mean;
        }
    }
}

/// sphinx 1s_c_d_dd with the first/last frame repeated beyond the edges.
fn sphinx_deltas(c: &Array2<f64>) -> Array2<f64> {
    let (t_len, dim) = c.dim();
    let mut out = Array2::<f64>::zeros((t_len, 3 * dim));
    let at = |t: isize, k: usize| c[[t.clamp(0, t_len as isize - 1) as usize, k]];
    for t in 0..t_len {
        let ti = t as isize;
        for k in 0..dim {
            out[[t, k]] = c[[t, k]];
            out[[t, dim + k]] = at(ti + 2, k) - at(ti - 2, k);
            out[[t, 2 * dim + k]] =
                (at(ti + 3, k) - at(ti - 1, k)) - (at(ti + 1, k) - at(ti - 3, k));
        }
    }
    out
}

/// Runs of at least this many samples that round to 0 in 16 bits (a quarter second at 16 kHz) are
/// digital silence: no microphone gives them; padding, a muted input and synthesisers do, and so
/// does a browser recording of them (Opus decodes silence to values like 1e-34, not to 0). Shorter runs are left as
/// they are: speechocean762 has runs of up to 0.12 s (a recorder's gate, 3 speakers of its train
/// split) and the models were trained on them as they are; filling those lowered the experts'
/// agreement on those utterances (phone Pearson 0.58 to 0.51, in sample).
const DIGITAL_SILENCE_RUN: usize = 4000;

/// Replace digital silence in `x` (samples scaled so that one int16 step is `step`) by
/// deterministic white noise of standard deviation `step`. The log energy of exact zeros is the
/// log floor, some 20 natural-log units below the quietest recorded silence, and a model that
/// normalises by the utterance's mean then hears all the speech shifted: the bundled sample
/// followed by 4.6 s of zeros scored 16 instead of 97, and a browser's Opus recording of a clip
/// followed by a second of silence 83 instead of 95. Samples under half a step are what a 16-bit
/// file stores as 0, so 16 kHz int16 audio (the models' training data) is judged exactly as
/// before; audio without such runs is unchanged.
fn fill_digital_silence(mut x: Vec<f64>, step: f64) -> Vec<f64> {
    let silent = |v: f64| v.abs() < step / 2.0;
    let mut i = 0;
    while i < x.len() {
        if !silent(x[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < x.len() && silent(x[i]) {
            i += 1;
        }
        if i - start >= DIGITAL_SILENCE_RUN {
            for (k, v) in x[start..i].iter_mut().enumerate() {
                *v = step * unit_noise((start + k) as u64);
            }
        }
    }
    x
}

/// Uniform noise of unit variance, a pure function of `n` (splitmix64), so the same audio always
/// gives the same features.
fn unit_noise(n: u64) -> f64 {
    let mut z = n.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    // [0, 1) from the top 53 bits, then centred and scaled to variance 1.
    let u = (z >> 11) as f64 / (1u64 << 53) as f64;
    (u - 0.5) * 12f64.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_the_reference_fronts_and_has_unit_variance() {
        // scripts/psx/frontend.py unit_noise([0, 1, 2, 12345])
        let python = [1.32782759, -0.23719398, -1.64048154, 0.625603];
        for (n, want) in [0u64, 1, 2, 12345].into_iter().zip(python) {
            assert!(
                (unit_noise(n) - want).abs() < 1e-8,
                "{n}: {}",
                unit_noise(n)
            );
        }
        let v: Vec<f64> = (0..100_000).map(unit_noise).collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / v.len() as f64;
        assert!(
            mean.abs() < 0.02 && (var - 1.0).abs() < 0.02,
            "{mean} {var}"
        );
    }

    #[test]
    fn only_long_runs_of_zeros_are_filled() {
        let mut x = vec![100.0; 1000];
        x.extend(vec![0.0; DIGITAL_SILENCE_RUN - 1]); // short: kept
        x.push(-50.0);
        x.extend(vec![0.0; DIGITAL_SILENCE_RUN]); // long: filled
        let y = fill_digital_silence(x.clone(), 2.0);
        let short = 1000..1000 + DIGITAL_SILENCE_RUN - 1;
        let long = short.end + 1..x.len();
        assert_eq!(y[..long.start], x[..long.start]);
        assert!(y[short].iter().all(|&v| v == 0.0));
        let filled = &y[long];
        assert!(filled
            .iter()
            .all(|v| v.abs() <= 2.0 * 3f64.sqrt() && *v != 0.0));
        let rms = (filled.iter().map(|v| v * v).sum::<f64>() / filled.len() as f64).sqrt();
        assert!((rms - 2.0).abs() < 0.1, "{rms}");
        assert_eq!(fill_digital_silence(x, 2.0), y, "deterministic");
    }

    #[test]
    fn values_a_16_bit_file_would_store_as_zero_count_as_silence() {
        // Step 2: under 1.0 rounds to 0 in 16 bits (an Opus decoder's 1e-34 in silence).
        let mut x = vec![100.0; 1000];
        x.extend((0..DIGITAL_SILENCE_RUN).map(|k| if k % 2 == 0 { 1e-30 } else { -0.9 }));
        let quiet_noise = x.len();
        x.extend((0..DIGITAL_SILENCE_RUN).map(|k| if k % 2 == 0 { 1.1 } else { -1.1 }));
        let y = fill_digital_silence(x.clone(), 2.0);
        assert!(y[1000..quiet_noise].iter().all(|v| v.abs() > 1e-9));
        let rms = (y[1000..quiet_noise].iter().map(|v| v * v).sum::<f64>()
            / DIGITAL_SILENCE_RUN as f64)
            .sqrt();
        assert!((rms - 2.0).abs() < 0.1, "{rms}");
        // A step or more is a real (if faint) signal: kept.
        assert_eq!(y[quiet_noise..], x[quiet_noise..]);
    }
}

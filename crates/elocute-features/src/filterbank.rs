//! Mel filterbanks, stored sparsely (each triangle covers a few dozen FFT bins at most).

use crate::config::{FeatureConfig, MelScale};

/// One triangular filter: weights for the FFT bins `start .. start + weights.len()`.
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    pub start: usize,
    pub weights: Vec<f64>,
}

/// Build the filterbank the config asks for; filters may be empty (then they read 0 energy).
pub(crate) fn build(cfg: &FeatureConfig) -> Vec<Filter> {
    let dense = match cfg.mel {
        MelScale::Sphinx => sphinx_dense(cfg),
        MelScale::Htk => htk_dense(cfg),
    };
    dense
        .into_iter()
        .map(|row| {
            let first = row.iter().position(|&w| w != 0.0);
            let last = row.iter().rposition(|&w| w != 0.0);
            match (first, last) {
                (Some(a), Some(b)) => Filter {
                    start: a,
                    weights: row[a..=b].to_vec(),
                },
                _ => Filter {
                    start: 0,
                    weights: Vec::new(),
                },
            }
        })
        .collect()
}

/// fe_build_melfilters of pocketsphinx, in the same float32 arithmetic so that the rounding of
/// the filter edges to FFT bins (and hence every weight) is identical.
fn sphinx_dense(cfg: &FeatureConfig) -> Vec<Vec<f64>> {
    let n_bins = cfg.fft_size / 2 + 1;
    let mel = |f: f32| (2595.0 * (1.0 + f as f64 / 700.0).log10()) as f32;
    let mel_inv = |m: f32| (700.0 * (10f64.powf(m as f64 / 2595.0) - 1.0)) as f32;
    let fft_freq = cfg.sample_rate as f32 / cfg.fft_size as f32;
    let (lo, hi) = (mel(cfg.low_freq), mel(cfg.high_freq));
    let bw = (hi - lo) / (cfg.num_filters + 1) as f32;
    (0..cfg.num_filters)
        .map(|i| {
            let edge = |j: usize| {
                let f = mel_inv((i + j) as f32 * bw + lo);
                // C's `(int)(f / fftfreq + 0.5)`: truncation toward zero, f is never negative.
                (f / fft_freq + 0.5).trunc() * fft_freq
            };
            let (f0, f1, f2) = (edge(0), edge(1), edge(2));
            let mut row = vec![0.0f64; n_bins];
            if f1 <= f0 || f2 <= f1 {
                return row; // degenerate triangle (too many filters for the FFT size): no bins
            }
            let area = 2.0 / (f2 - f0);
            for (k, w) in row.iter_mut().enumerate() {
                let hz = k as f32 * fft_freq;
                if hz < f0 {
                    continue;
                }
                if hz > f2 || k == cfg.fft_size / 2 {
                    break;
                }
                let up = (hz - f0) / (f1 - f0) * area;
                let down = (f2 - hz) / (f2 - f1) * area;
                *w = up.min(down) as f64;
            }
            row
        })
        .collect()
}

/// Kaldi's MelBanks: triangles of height 1 in the mel domain (1127 ln(1 + f/700)), evaluated at
/// each bin's centre frequency; bins 0 .. fft_size/2 - 1 (the Nyquist bin is left out).
fn htk_dense(cfg: &FeatureConfig) -> Vec<Vec<f64>> {
    let n_bins = cfg.fft_size / 2 + 1;
    let mel = |f: f64| 1127.0 * (1.0 + f / 700.0).ln();
    let (lo, hi) = (mel(cfg.low_freq as f64), mel(cfg.high_freq as f64));
    let delta = (hi - lo) / (cfg.num_filters + 1) as f64;
    let bin_hz = cfg.sample_rate as f64 / cfg.fft_size as f64;
    (0..cfg.num_filters)
        .map(|i| {
            let (left, centre, right) = (
                lo + i as f64 * delta,
                lo + (i + 1) as f64 * delta,
                lo + (i + 2) as f64 * delta,
            );
            let mut row = vec![0.0f64; n_bins];
            for (k, w) in row.iter_mut().enumerate().take(cfg.fft_size / 2) {
                let m = mel(k as f64 * bin_hz);
                if m > left && m < right {
                    *w = if m <= centre {
                        (m - left) / (centre - left)
                    } else {
                        (right - m) / (right - centre)
                    };
                }
            }
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sphinx_filters_have_unit_area_in_hz() {
        let cfg = FeatureConfig::sphinx_en_us();
        let fb = build(&cfg);
        assert_eq!(fb.len(), 25);
        let bin_hz = 16000.0 / 512.0;
        for f in &fb {
            let area: f64 = f.weights.iter().sum::<f64>() * bin_hz;
            assert!((area - 1.0).abs() < 0.05, "area {area}");
        }
        // first filter starts at the bin nearest 130 Hz (bin 4 = 125 Hz has weight 0, so bin 5)
        assert_eq!(fb[0].start, 5);
    }

    #[test]
    fn htk_filters_peak_near_one_and_tile() {
        let fb = build(&FeatureConfig::fbank80());
        assert_eq!(fb.len(), 80);
        for f in &fb {
            let peak = f.weights.iter().cloned().fold(0.0, f64::max);
            assert!(peak > 0.3 && peak <= 1.0, "peak {peak}");
        }
        assert!(fb.windows(2).all(|w| w[0].start <= w[1].start));
    }
}

//! YIN fundamental-frequency tracking (de Cheveigné & Kawahara 2002), with
//! the autocorrelation done by FFT so a second of audio costs about a
//! hundred small transforms.

use std::sync::Arc;

use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

/// Pitch-tracker settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PitchConfig {
    /// Samples per second of the input.
    pub sample_rate: u32,
    /// Frame hop in samples (160 = 10 ms at 16 kHz, the alignment's frame).
    pub hop: usize,
    /// Lowest pitch searched, Hz.
    pub min_hz: f32,
    /// Highest pitch searched, Hz.
    pub max_hz: f32,
    /// YIN aperiodicity threshold: a dip below it is taken as the period.
    pub threshold: f32,
    /// Frames quieter than this (dB re full scale) are unvoiced.
    pub min_db: f32,
}

impl Default for PitchConfig {
    fn default() -> Self {
        PitchConfig {
            sample_rate: 16_000,
            hop: 160,
            min_hz: 60.0,
            max_hz: 500.0,
            threshold: 0.15,
            min_db: -50.0,
        }
    }
}

/// A reusable pitch tracker (FFT plans built once; `Send + Sync`).
pub struct PitchTracker {
    cfg: PitchConfig,
    window: usize,
    max_lag: usize,
    min_lag: usize,
    n: usize,
    fwd: Arc<dyn RealToComplex<f32>>,
    inv: Arc<dyn ComplexToReal<f32>>,
}

impl std::fmt::Debug for PitchTracker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PitchTracker")
            .field("cfg", &self.cfg)
            .finish()
    }
}

impl PitchTracker {
    /// Build a tracker.
    pub fn new(cfg: PitchConfig) -> Self {
        let sr = cfg.sample_rate as f32;
        let max_lag = (sr / cfg.min_hz.max(20.0)).ceil() as usize;
        let min_lag = (sr / cfg.max_hz.max(cfg.min_hz + 1.0)).floor().max(2.0) as usize;
        // The integration window holds two periods of the lowest pitch.
        let window = 2 * max_lag;
        let n = (window + max_lag).next_power_of_two();
        let mut planner = RealFftPlanner::<f32>::new();
        PitchTracker {
            cfg,
            window,
            max_lag,
            min_lag,
            n,
            fwd: planner.plan_fft_forward(n),
            inv: planner.plan_fft_inverse(n),
        }
    }

    /// F0 in Hz for each hop-sized frame of `samples` (0 where unvoiced).
    ///
    /// ```
    /// use elocute_prosody::{PitchConfig, PitchTracker};
    /// let x: Vec<f32> = (0..16_000).map(|i| (i as f32 * 2.0 * std::f32::consts::PI * 150.0 / 16_000.0).sin() * 0.3).collect();
    /// let f0 = PitchTracker::new(PitchConfig::default()).track(&x);
    /// assert!((f0[50] - 150.0).abs() < 2.0);
    /// ```
    pub fn track(&self, samples: &[f32]) -> Vec<f32> {
        let frames = samples.len().div_ceil(self.cfg.hop);
        let mut out = vec![0.0f32; frames];
        let (w, l, n) = (self.window, self.max_lag, self.n);
        let mut a = self.fwd.make_input_vec();
        let mut b = self.fwd.make_input_vec();
        let mut sa = self.fwd.make_output_vec();
        let mut sb = self.fwd.make_output_vec();
        let mut r = self.inv.make_output_vec();
        let mut scratch = self.fwd.make_scratch_vec();
        let mut iscratch = self.inv.make_scratch_vec();
        let mut d = vec![0.0f32; l + 1];
        let min_power = 10f32.powf(self.cfg.min_db / 10.0);
        for (t, f0) in out.iter_mut().enumerate() {
            // Centre the analysis on the frame.
            let start = (t * self.cfg.hop + self.cfg.hop / 2).saturating_sub(w / 2);
            if start + w + l > samples.len() {
                continue;
            }
            let seg = &samples[start..start + w + l];
            let power = seg[..w].iter().map(|v| v * v).sum::<f32>() / w as f32;
            if power < min_power || !power.is_finite() {
                continue;
            }
            a.iter_mut().for_each(|v| *v = 0.0);
            a[..w].copy_from_slice(&seg[..w]);
            b.iter_mut().for_each(|v| *v = 0.0);
            b[..w + l].copy_from_slice(seg);
            if self
                .fwd
                .process_with_scratch(&mut a, &mut sa, &mut scratch)
                .is_err()
                || self
                    .fwd
                    .process_with_scratch(&mut b, &mut sb, &mut scratch)
                    .is_err()
            {
                continue;
            }
            for (x, y) in sa.iter_mut().zip(&sb) {
                *x = x.conj() * y;
            }
            if self
                .inv
                .process_with_scratch(&mut sa, &mut r, &mut iscratch)
                .is_err()
            {
                continue;
            }
            // d(τ) = Σ x_j² + Σ x_{j+τ}² − 2 r(τ), energies by sliding sums.
            let e0: f32 = seg[..w].iter().map(|v| v * v).sum();
            let mut et = e0;
            for (tau, dv) in d.iter_mut().enumerate() {
                if tau > 0 {
                    et += seg[w + tau - 1] * seg[w + tau - 1] - seg[tau - 1] * seg[tau - 1];
                }
                *dv = (e0 + et - 2.0 * r[tau] / n as f32).max(0.0);
            }
            // Cumulative mean normalised difference.
            let mut running = 0.0f32;
            let mut cmnd = vec![1.0f32; l + 1];
            for tau in 1..=l {
                running += d[tau];
                cmnd[tau] = if running > 0.0 {
                    d[tau] * tau as f32 / running
                } else {
                    1.0
                };
            }
            let mut best = None;
            let mut tau = self.min_lag;
            while tau < l {
                if cmnd[tau] < self.cfg.threshold {
                    while tau + 1 < l && cmnd[tau + 1] < cmnd[tau] {
                        tau += 1;
                    }
                    best = Some(tau);
                    break;
                }
                tau += 1;
            }
            if let Some(tau) = best {
                // Parabolic interpolation around the dip.
                let (y0, y1, y2) = (cmnd[tau - 1], cmnd[tau], cmnd[tau + 1]);
                let denom = y0 - 2.0 * y1 + y2;
                let shift = if denom.abs() > 1e-9 {
                    0.5 * (y0 - y2) / denom
                } else {
                    0.0
                };
                let period = tau as f32 + shift.clamp(-1.0, 1.0);
                *f0 = self.cfg.sample_rate as f32 / period;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(hz: f32, secs: f32) -> Vec<f32> {
        (0..(secs * 16_000.0) as usize)
            .map(|i| {
                let p = i as f32 * 2.0 * std::f32::consts::PI * hz / 16_000.0;
                0.3 * p.sin() + 0.15 * (2.0 * p).sin() + 0.1 * (3.0 * p).sin()
            })
            .collect()
    }

    #[test]
    fn finds_the_pitch_of_harmonic_tones() {
        let tr = PitchTracker::new(PitchConfig::default());
        for hz in [80.0, 120.0, 220.0, 400.0] {
            let f0 = tr.track(&tone(hz, 0.5));
            let mid = f0[20];
            assert!((mid - hz).abs() < hz * 0.02, "{hz}: {mid}");
        }
    }

    #[test]
    fn silence_and_noise_are_unvoiced() {
        let tr = PitchTracker::new(PitchConfig::default());
        assert!(tr.track(&vec![0.0; 8000]).iter().all(|&f| f == 0.0));
        let mut seed = 12345u32;
        let noise: Vec<f32> = (0..16000)
            .map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (seed >> 16) as f32 / 32768.0 - 1.0
            })
            .map(|v| v * 0.3)
            .collect();
        let voiced = tr.track(&noise).iter().filter(|&&f| f > 0.0).count();
        assert!(voiced < 10, "{voiced} noise frames voiced");
        assert!(tr.track(&[]).is_empty());
        assert!(tr.track(&[f32::NAN; 2000]).iter().all(|&f| f == 0.0));
    }
}

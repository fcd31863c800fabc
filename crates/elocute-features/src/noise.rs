//! pocketsphinx's spectral noise removal (fe_noise.c, `-remove_noise yes`) on mel energies.
//!
//! Per filter it tracks a smoothed power, a slowly rising lower envelope of it (the noise), and a
//! floor; the signal estimate `power - noise` is masked just after strong peaks (temporal
//! masking), turned into a gain clipped to [1/20, 20], smoothed over +-4 neighbouring filters and
//! applied to the frame's energies. The state runs over the utterance from its first frame.

const LAMBDA_POWER: f64 = 0.7;
const LAMBDA_A: f64 = 0.995;
const LAMBDA_B: f64 = 0.5;
const LAMBDA_T: f64 = 0.85;
const MU_T: f64 = 0.2;
const MAX_GAIN: f64 = 20.0;
const SMOOTH_WINDOW: usize = 4;

/// Recursion state for one utterance.
pub(crate) struct NoiseRemoval {
    started: bool,
    power: Vec<f64>,
    noise: Vec<f64>,
    floor: Vec<f64>,
    peak: Vec<f64>,
    signal: Vec<f64>,
    gain: Vec<f64>,
}

/// fe_lower_envelope: follow rises slowly (LAMBDA_A) and falls fast (LAMBDA_B).
fn lower_envelope(buf: &[f64], env: &mut [f64]) {
    for (e, &b) in env.iter_mut().zip(buf) {
        let lambda = if b >= *e { LAMBDA_A } else { LAMBDA_B };
        *e = lambda * *e + (1.0 - lambda) * b;
    }
}

impl NoiseRemoval {
    pub(crate) fn new(n: usize) -> Self {
        NoiseRemoval {
            started: false,
            power: vec![0.0; n],
            noise: vec![0.0; n],
            floor: vec![0.0; n],
            peak: vec![0.0; n],
            signal: vec![0.0; n],
            gain: vec![0.0; n],
        }
    }

    /// Process the mel energies of the next frame in place.
    pub(crate) fn apply(&mut self, mel: &mut [f64]) {
        let n = mel.len();
        if !self.started {
            // The first frame initialises the trackers (noise and floor start 26 dB below it).
            self.power.copy_from_slice(mel);
            for (i, &m) in mel.iter().enumerate() {
                self.noise[i] = m / MAX_GAIN;
                self.floor[i] = m / MAX_GAIN;
            }
            self.peak.fill(0.0);
            self.started = true;
        }
        for (p, &m) in self.power.iter_mut().zip(mel.iter()) {
            *p = LAMBDA_POWER * *p + (1.0 - LAMBDA_POWER) * m;
        }
        lower_envelope(&self.power, &mut self.noise);
        for i in 0..n {
            self.signal[i] = (self.power[i] - self.noise[i]).max(1.0);
        }
        lower_envelope(&self.signal, &mut self.floor);
        // Temporal masking against a fast-decaying peak of the signal.
        for i in 0..n {
            let current = self.signal[i];
            self.peak[i] *= LAMBDA_T;
            if current < LAMBDA_T * self.peak[i] {
                self.signal[i] = self.peak[i] * MU_T;
            }
            if current > self.peak[i] {
                self.peak[i] = current;
            }
        }
        for i in 0..n {
            let s = self.signal[i].max(self.floor[i]);
            let g = if s < MAX_GAIN * self.power[i] {
                s / self.power[i]
            } else {
                MAX_GAIN
            };
            self.gain[i] = g.max(1.0 / MAX_GAIN);
        }
        for (i, m) in mel.iter_mut().enumerate() {
            let lo = i.saturating_sub(SMOOTH_WINDOW);
            let hi = (i + SMOOTH_WINDOW).min(n - 1);
            let mean = self.gain[lo..=hi].iter().sum::<f64>() / (hi - lo + 1) as f64;
            *m *= mean;
        }
    }
}

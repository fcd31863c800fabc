//! Front-end settings ([`FeatureConfig`]) and their two presets.

use elocute_core::{Error, Result, SAMPLE_RATE};
use serde::{Deserialize, Serialize};

/// What the front end outputs per frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureKind {
    /// Mel-frequency cepstra: DCT-II of the log mel energies, `num_ceps` values per frame.
    Mfcc,
    /// Log mel energies, `num_filters` values per frame.
    Fbank,
}

/// How the signal is cut into frames, and where pre-emphasis and DC removal apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Framing {
    /// pocketsphinx: pre-emphasis runs once over the whole signal (a frame's first sample is
    /// emphasised against the sample before it), frames start every `frame_shift` samples, and the
    /// samples left after the last full frame become one more zero-padded frame.
    Sphinx,
    /// Kaldi `snip_edges=true`: only full frames; each frame is copied, optionally has its mean
    /// removed (`remove_dc`), then is pre-emphasised on its own (`x[0] -= a * x[0]`).
    Kaldi,
}

/// Analysis window over `frame_length` samples (symmetric, `N - 1` in the denominator).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// `0.54 - 0.46 cos(2 pi n / (N - 1))`.
    Hamming,
    /// `0.5 - 0.5 cos(2 pi n / (N - 1))`.
    Hann,
    /// Kaldi's default: the Hann window raised to the power 0.85.
    Povey,
}

/// Mel scale and filter shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MelScale {
    /// sphinx: mel = 2595 log10(1 + f/700); filter edges rounded to FFT bins; unit-area
    /// triangles; the Nyquist bin is never used.
    Sphinx,
    /// HTK/Kaldi: mel = 1127 ln(1 + f/700); peak-1 triangles evaluated on each bin's mel value;
    /// the Nyquist bin is never used.
    Htk,
}

/// Cepstral (or log-energy) mean normalisation over the utterance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cmn {
    /// No normalisation.
    None,
    /// Subtract the mean over all frames.
    Utterance,
    /// pocketsphinx `-cmn batch`: subtract the mean over the frames whose first coefficient is
    /// >= 0 (near-silent frames are skipped); the mean over all frames if there are none.
    SphinxBatch,
}

/// Dynamic features appended to the static ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deltas {
    /// Static features only.
    None,
    /// sphinx `1s_c_d_dd`: `[c, d, dd]` with `d_t = c_{t+2} - c_{t-2}` and
    /// `dd_t = (c_{t+3} - c_{t-1}) - (c_{t+1} - c_{t-3})`, the first and last frames repeated at the
    /// edges. Triples the dimension.
    #[serde(rename = "sphinx_1s_c_d_dd")]
    Sphinx1sCDDd,
}

/// Front-end settings. Stored in a model folder's `model.json` under `"features"`, so the model
/// and the features it was trained on cannot drift apart.
///
/// The pipeline per frame is: scale samples by `sample_scale` → frame (`framing`, `frame_length`,
/// `frame_shift`, `remove_dc`, `preemphasis`) → `window` → `fft_size`-point power spectrum →
/// mel filterbank (`mel`, `num_filters`, `low_freq`, `high_freq`) → optional `noise_removal` →
/// `ln(max(e + log_offset, log_floor))` → for `kind = mfcc` an orthonormal DCT-II to `num_ceps`
/// with `lifter` → then over the utterance `cmn` and `deltas`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureConfig {
    /// Cepstra or log mel energies.
    pub kind: FeatureKind,
    /// Sample rate in Hz the settings are meant for; must be 16000 (elocute resamples to it).
    pub sample_rate: u32,
    /// Factor applied to the `[-1, 1]` input samples first; sphinx models expect the int16 range
    /// (32768), and the log floors and noise-removal thresholds assume it.
    pub sample_scale: f32,
    /// How frames are cut; see [`Framing`].
    pub framing: Framing,
    /// Window length in samples (410 = 25.625 ms for sphinx, 400 = 25 ms for Kaldi).
    pub frame_length: usize,
    /// Hop between frame starts in samples (160 = 10 ms).
    pub frame_shift: usize,
    /// FFT size (a power of two, at least `frame_length`); frames are zero padded to it.
    pub fft_size: usize,
    /// Subtract each frame's mean before pre-emphasis (Kaldi framing only).
    pub remove_dc: bool,
    /// Pre-emphasis coefficient `a` in `y[n] = x[n] - a x[n-1]`; 0 turns it off.
    pub preemphasis: f32,
    /// Analysis window.
    pub window: Window,
    /// Mel scale and filter shape.
    pub mel: MelScale,
    /// Number of mel filters.
    pub num_filters: usize,
    /// Lower edge of the first filter in Hz.
    pub low_freq: f32,
    /// Upper edge of the last filter in Hz (at most half the sample rate).
    pub high_freq: f32,
    /// pocketsphinx's spectral noise removal (`-remove_noise yes`, fe_noise.c), applied to the mel
    /// energies; it is a recursion over frames, so it makes features depend on the whole utterance
    /// prefix.
    pub noise_removal: bool,
    /// Added to each mel energy before the log (sphinx: 1e-4).
    pub log_offset: f32,
    /// Lower clamp of the value the log is taken of (Kaldi: f32 epsilon). Together with
    /// `log_offset` it must keep the log finite: at least one of them must be > 0.
    pub log_floor: f32,
    /// Cepstra kept for `kind = mfcc` (sphinx: 13, including c0); ignored for `fbank`.
    pub num_ceps: usize,
    /// Sinusoidal lifter `1 + L/2 sin(pi i / L)` on cepstrum `i` for `kind = mfcc`; 0 = none.
    pub lifter: f32,
    /// Mean normalisation over the utterance.
    pub cmn: Cmn,
    /// Dynamic features.
    pub deltas: Deltas,
    /// Hear digital silence (a quarter second or more of exact zeros: padding, a muted input, a
    /// synthesiser) as noise of one int16 step, as the quietest microphone would give it; see
    /// [`FeatureExtractor::compute`](crate::FeatureExtractor::compute). For models that normalise
    /// by the utterance mean, for which seconds of log-floor frames shift all the speech. Absent
    /// from a model's JSON means off.
    #[serde(default)]
    pub fill_digital_silence: bool,
}

impl FeatureConfig {
    /// The pocketsphinx 5 front end with the en-us model's `feat.params`: 39-dim features
    /// (13 cepstra + deltas + delta-deltas) that the `ps-en-us-ptm` acoustic model expects.
    pub fn sphinx_en_us() -> Self {
        FeatureConfig {
            kind: FeatureKind::Mfcc,
            sample_rate: SAMPLE_RATE,
            sample_scale: 32768.0,
            framing: Framing::Sphinx,
            frame_length: 410,
            frame_shift: 160,
            fft_size: 512,
            remove_dc: false,
            preemphasis: 0.97,
            window: Window::Hamming,
            mel: MelScale::Sphinx,
            num_filters: 25,
            low_freq: 130.0,
            high_freq: 6800.0,
            noise_removal: true,
            log_offset: 1e-4,
            log_floor: 0.0,
            num_ceps: 13,
            lifter: 22.0,
            cmn: Cmn::SphinxBatch,
            deltas: Deltas::Sphinx1sCDDd,
            // Its noise removal and batch CMN take exact zeros well, and 4.6 s of filled
            // silence after the bundled sample lowered its accuracy from 94 to 58.
            fill_digital_silence: false,
        }
    }

    /// 80 log mel energies every 10 ms as Kaldi / `torchaudio.compliance.kaldi.fbank` compute them
    /// with `dither = 0` on int16-scaled audio (Povey window, 25 ms frames, HTK mel 20-8000 Hz),
    /// without CMN or deltas: the input of a neural acoustic model. Digital silence is filled
    /// (`fill_digital_silence`), which Kaldi does not do.
    pub fn fbank80() -> Self {
        FeatureConfig {
            kind: FeatureKind::Fbank,
            sample_rate: SAMPLE_RATE,
            sample_scale: 32768.0,
            framing: Framing::Kaldi,
            frame_length: 400,
            frame_shift: 160,
            fft_size: 512,
            remove_dc: true,
            preemphasis: 0.97,
            window: Window::Povey,
            mel: MelScale::Htk,
            num_filters: 80,
            low_freq: 20.0,
            high_freq: 8000.0,
            noise_removal: false,
            log_offset: 0.0,
            log_floor: f32::EPSILON,
            num_ceps: 0,
            lifter: 0.0,
            cmn: Cmn::None,
            deltas: Deltas::None,
            fill_digital_silence: true,
        }
    }

    /// Values per frame: `num_ceps` (mfcc) or `num_filters` (fbank), tripled by deltas.
    pub fn output_dim(&self) -> usize {
        let base = match self.kind {
            FeatureKind::Mfcc => self.num_ceps,
            FeatureKind::Fbank => self.num_filters,
        };
        match self.deltas {
            Deltas::None => base,
            Deltas::Sphinx1sCDDd => 3 * base,
        }
    }

    /// Hop between frames in samples.
    pub fn frame_shift_samples(&self) -> usize {
        self.frame_shift
    }

    /// Number of frames `compute` returns for `n` samples (0 = too short).
    pub fn num_frames(&self, n: usize) -> usize {
        if self.frame_shift == 0 || n < self.frame_length {
            return 0;
        }
        let full = 1 + (n - self.frame_length) / self.frame_shift;
        match self.framing {
            // pocketsphinx turns the samples after the last full frame's start + shift into one
            // more (zero-padded) frame at the end of the utterance.
            Framing::Sphinx if n > full * self.frame_shift => full + 1,
            _ => full,
        }
    }

    /// Check that the settings describe a front end [`FeatureExtractor`](crate::FeatureExtractor)
    /// can run. Returns [`Error::Config`] naming the offending field.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::Config(format!("features: {m}")));
        if self.sample_rate != SAMPLE_RATE {
            return bad(format!(
                "sample_rate is {}, elocute works at {SAMPLE_RATE} Hz",
                self.sample_rate
            ));
        }
        if !(self.sample_scale.is_finite() && self.sample_scale > 0.0) {
            return bad(format!(
                "sample_scale must be a positive number, not {}",
                self.sample_scale
            ));
        }
        if self.frame_length == 0 || self.frame_shift == 0 {
            return bad("frame_length and frame_shift must be > 0".into());
        }
        if !self.fft_size.is_power_of_two()
            || self.fft_size < self.frame_length
            || self.fft_size > 1 << 16
        {
            return bad(format!(
                "fft_size {} must be a power of two between frame_length ({}) and 65536",
                self.fft_size, self.frame_length
            ));
        }
        if !(self.preemphasis.is_finite() && (0.0..=1.0).contains(&self.preemphasis)) {
            return bad(format!(
                "preemphasis must be in [0, 1], not {}",
                self.preemphasis
            ));
        }
        if self.remove_dc && self.framing == Framing::Sphinx {
            return bad("remove_dc is only supported with framing = \"kaldi\"".into());
        }
        let nyquist = self.sample_rate as f32 / 2.0;
        if !(self.low_freq >= 0.0 && self.low_freq < self.high_freq && self.high_freq <= nyquist) {
            return bad(format!(
                "need 0 <= low_freq < high_freq <= {nyquist} Hz, got {}..{}",
                self.low_freq, self.high_freq
            ));
        }
        if self.num_filters == 0 || self.num_filters > self.fft_size / 2 {
            return bad(format!(
                "num_filters must be in 1..={}, not {}",
                self.fft_size / 2,
                self.num_filters
            ));
        }
        let finite_nonneg = |v: f32| v.is_finite() && v >= 0.0;
        if !(finite_nonneg(self.log_offset) && finite_nonneg(self.log_floor))
            || (self.log_offset <= 0.0 && self.log_floor <= 0.0)
        {
            return bad(format!(
                "log_offset ({}) and log_floor ({}) must be >= 0 and not both 0 (the log of silence must be finite)",
                self.log_offset, self.log_floor
            ));
        }
        if self.kind == FeatureKind::Mfcc {
            if self.num_ceps == 0 || self.num_ceps > self.num_filters {
                return bad(format!(
                    "num_ceps must be in 1..={} (num_filters), not {}",
                    self.num_filters, self.num_ceps
                ));
            }
            if !finite_nonneg(self.lifter) {
                return bad(format!("lifter must be >= 0, not {}", self.lifter));
            }
        }
        Ok(())
    }
}

impl Default for FeatureConfig {
    /// The pocketsphinx en-us front end.
    fn default() -> Self {
        Self::sphinx_en_us()
    }
}

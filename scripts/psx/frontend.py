"""numpy reference of the elocute acoustic front end (the spec the Rust crate elocute-features follows).

The front end is driven by the same settings dict as the Rust `FeatureConfig` (the "features" object of
a model folder's model.json), so one implementation covers both presets:

* SPHINX_EN_US: the pocketsphinx 5 front end with the en-us feat.params (16 kHz, 410-sample Hamming frames
  every 160 samples, 512-point FFT, pre-emphasis 0.97 over the whole signal, 25 unit-area mel filters
  130-6800 Hz with edges rounded to FFT bins, noise removal as fe_noise.c, log(x + 1e-4), orthonormal
  DCT-II, lifter 22, 13 cepstra, batch CMN over frames with c0 >= 0, 1s_c_d_dd deltas).
* FBANK80: 80 log-mel energies, Kaldi/torchaudio `compliance.kaldi.fbank` conventions with dither 0
  (Povey window, 400/160 samples, DC removal and pre-emphasis per frame, HTK mel 20-8000 Hz), with
  digital silence (a quarter second or more of exact zeros) filled with noise of one int16 step.

Samples are float in [-1, 1]; `sample_scale` turns them into the int16 range pocketsphinx works in.
Everything is computed in float64 except where pocketsphinx itself rounds to float32 (filter edges).
"""
import numpy as np

SPHINX_EN_US = {
    "kind": "mfcc",
    "sample_rate": 16000,
    "sample_scale": 32768.0,
    "framing": "sphinx",
    "frame_length": 410,
    "frame_shift": 160,
    "fft_size": 512,
    "remove_dc": False,
    "preemphasis": 0.97,
    "window": "hamming",
    "mel": "sphinx",
    "num_filters": 25,
    "low_freq": 130.0,
    "high_freq": 6800.0,
    "noise_removal": True,
    "log_offset": 1e-4,
    "log_floor": 0.0,
    "num_ceps": 13,
    "lifter": 22.0,
    "cmn": "sphinx_batch",
    "deltas": "sphinx_1s_c_d_dd",
}

FBANK80 = {
    "kind": "fbank",
    "sample_rate": 16000,
    "sample_scale": 32768.0,
    "framing": "kaldi",
    "frame_length": 400,
    "frame_shift": 160,
    "fft_size": 512,
    "remove_dc": True,
    "preemphasis": 0.97,
    "window": "povey",
    "mel": "htk",
    "num_filters": 80,
    "low_freq": 20.0,
    "high_freq": 8000.0,
    "noise_removal": False,
    "log_offset": 0.0,
    "log_floor": float(np.finfo(np.float32).eps),
    "num_ceps": 0,
    "lifter": 0.0,
    "cmn": "none",
    "deltas": "none",
    "fill_digital_silence": True,
}

# A quarter second at 16 kHz of samples that round to 0 in 16 bits is digital silence (see fill_digital_silence).
DIGITAL_SILENCE_RUN = 4000
_M64 = (1 << 64) - 1


def unit_noise(n):
    """Uniform noise of unit variance, a pure function of the sample index n (splitmix64, as the Rust
    front end's unit_noise): n is a uint64 array."""
    with np.errstate(over="ignore"):
        z = (n.astype(np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    return (u - 0.5) * np.sqrt(12.0)


def fill_digital_silence(x, step):
    """Runs of >= DIGITAL_SILENCE_RUN samples under half an int16 step in x (scaled so one int16 step
    is `step`: what a 16-bit file stores as 0) become deterministic white noise of standard
    deviation `step`; everything else is unchanged (as the Rust front end's fill_digital_silence)."""
    x = np.array(x, np.float64)
    z = np.concatenate([[0], (np.abs(x) < step / 2).astype(np.int8), [0]])
    d = np.diff(z)
    for s, e in zip(np.where(d == 1)[0], np.where(d == -1)[0]):
        if e - s >= DIGITAL_SILENCE_RUN:
            x[s:e] = step * unit_noise(np.arange(s, e))
    return x


# ----------------------------------------------------------------------------------------- framing
def num_frames(n, cfg):
    """Frame count for n samples (0 = too short for one full frame)."""
    L, S = cfg["frame_length"], cfg["frame_shift"]
    if n < L:
        return 0
    full = 1 + (n - L) // S
    if cfg["framing"] == "sphinx" and n - full * S > 0:
        return full + 1  # pocketsphinx emits the samples after the last full frame as one padded frame
    return full


def window(cfg):
    n, L = np.arange(cfg["frame_length"]), cfg["frame_length"]
    c = np.cos(2 * np.pi * n / (L - 1))
    w = {"hamming": 0.54 - 0.46 * c, "hann": 0.5 - 0.5 * c, "povey": (0.5 - 0.5 * c) ** 0.85}
    return w[cfg["window"]]


def frames(x, cfg):
    """float64 samples (already scaled) -> windowed frames [T, fft_size]."""
    L, S, N, a = cfg["frame_length"], cfg["frame_shift"], cfg["fft_size"], cfg["preemphasis"]
    T = num_frames(len(x), cfg)
    out = np.zeros((T, N))
    if cfg["framing"] == "sphinx":
        # pre-emphasis runs over the whole signal (each frame sees the sample before it)
        pre = x.copy()
        pre[1:] = x[1:] - a * x[:-1]
        for t in range(T):
            seg = pre[t * S:t * S + L]        # the last frame may be short: zero padded
            out[t, :len(seg)] = seg
    else:
        for t in range(T):
            seg = x[t * S:t * S + L].copy()
            if cfg["remove_dc"]:
                seg -= seg.mean()
            seg[1:] -= a * seg[:-1].copy()
            seg[0] -= a * seg[0]
            out[t, :L] = seg
    out[:, :L] *= window(cfg)
    return out


# ------------------------------------------------------------------------------------- filterbanks
def sphinx_filterbank(cfg):
    """[nfilt, N/2+1] unit-area triangles, edges rounded to FFT bins, float32 arithmetic as fe_sigproc.c."""
    f32 = np.float32
    N, sr, nf = cfg["fft_size"], cfg["sample_rate"], cfg["num_filters"]
    mel = lambda f: f32(2595.0 * np.log10(1.0 + float(f) / 700.0))
    melinv = lambda m: f32(700.0 * (10.0 ** (float(m) / 2595.0) - 1.0))
    fftfreq = f32(sr / f32(N))
    lo, hi = mel(f32(cfg["low_freq"])), mel(f32(cfg["high_freq"]))
    bw = f32((hi - lo) / f32(nf + 1))
    W = np.zeros((nf, N // 2 + 1), np.float32)
    for i in range(nf):
        fr = []
        for j in range(3):
            f = melinv(f32(f32(i + j) * bw + lo))
            fr.append(f32(int(f / fftfreq + f32(0.5)) * fftfreq))
        for k in range(N // 2 + 1):
            hz = f32(k * fftfreq)
            if hz < fr[0]:
                continue
            if hz > fr[2] or k == N // 2:
                break
            area = f32(2) / (fr[2] - fr[0])
            W[i, k] = min((hz - fr[0]) / (fr[1] - fr[0]) * area, (fr[2] - hz) / (fr[2] - fr[1]) * area)
    return W.astype(np.float64)


def htk_filterbank(cfg):
    """[nfilt, N/2+1] Kaldi mel banks: peak-1 triangles on the mel axis 1127 ln(1+f/700), Nyquist bin unused."""
    N, sr, nf = cfg["fft_size"], cfg["sample_rate"], cfg["num_filters"]
    mel = lambda f: 1127.0 * np.log(1.0 + np.asarray(f, np.float64) / 700.0)
    lo, hi = mel(cfg["low_freq"]), mel(cfg["high_freq"])
    d = (hi - lo) / (nf + 1)
    m = mel(np.arange(N // 2) * sr / N)
    W = np.zeros((nf, N // 2 + 1))
    for i in range(nf):
        l, c, r = lo + i * d, lo + (i + 1) * d, lo + (i + 2) * d
        up, down = (m - l) / (c - l), (r - m) / (r - c)
        W[i, :N // 2] = np.clip(np.minimum(up, down), 0.0, None)
    return W


# ---------------------------------------------------------------------------------- noise removal
class NoiseRemoval:
    """fe_noise.c: per-filter smoothed power, asymmetric lower-envelope noise and floor tracking,
    temporal masking, gain clipped to [1/20, 20] and smoothed over +-4 neighbouring filters."""
    LAMBDA_POWER, LAMBDA_A, LAMBDA_B, LAMBDA_T, MU_T, MAX_GAIN, SMOOTH = 0.7, 0.995, 0.5, 0.85, 0.2, 20.0, 4

    def __init__(self):
        self.power = None

    @classmethod
    def _envelope(cls, buf, floor):
        return np.where(buf >= floor, cls.LAMBDA_A * floor + (1 - cls.LAMBDA_A) * buf,
                        cls.LAMBDA_B * floor + (1 - cls.LAMBDA_B) * buf)

    def __call__(self, e):
        if self.power is None:
            self.power, self.noise, self.floor = e.copy(), e / self.MAX_GAIN, e / self.MAX_GAIN
            self.peak = np.zeros_like(e)
        self.power = self.LAMBDA_POWER * self.power + (1 - self.LAMBDA_POWER) * e
        self.noise = self._envelope(self.power, self.noise)
        sig = np.maximum(self.power - self.noise, 1.0)
        self.floor = self._envelope(sig, self.floor)
        # temporal masking: a fast-decaying peak hides weaker energy just after it
        self.peak = self.peak * self.LAMBDA_T
        masked = np.where(sig < self.LAMBDA_T * self.peak, self.peak * self.MU_T, sig)
        self.peak = np.maximum(self.peak, sig)
        sig = np.maximum(masked, self.floor)
        with np.errstate(divide="ignore", invalid="ignore"):
            gain = np.where(sig < self.MAX_GAIN * self.power, sig / self.power, self.MAX_GAIN)
        gain = np.maximum(gain, 1.0 / self.MAX_GAIN)
        n = len(e)
        smooth = np.array([gain[max(i - self.SMOOTH, 0):min(i + self.SMOOTH, n - 1) + 1].mean() for i in range(n)])
        return e * smooth


# ------------------------------------------------------------------------------- cepstra, CMN, deltas
def dct_matrix(cfg):
    """Orthonormal DCT-II rows 0..num_ceps-1, liftered (sphinx lifter 1 + L/2 sin(pi i / L))."""
    nf, nc, L = cfg["num_filters"], cfg["num_ceps"], cfg["lifter"]
    i, n = np.arange(nc)[:, None], np.arange(nf)[None, :]
    C = np.cos(np.pi / nf * i * (n + 0.5)) * np.sqrt(2.0 / nf)
    C[0] = np.sqrt(1.0 / nf)
    if L > 0:
        C *= (1 + L / 2 * np.sin(np.arange(nc) * np.pi / L))[:, None]
    return C


def cmn(c, kind):
    if kind == "none":
        return c
    if kind == "utterance":
        return c - c.mean(0)
    keep = c[:, 0] >= 0          # sphinx batch CMN skips frames with c0 < 0 (near-zero energy)
    return c - (c[keep].mean(0) if keep.any() else c.mean(0))


def deltas_1s_c_d_dd(c):
    """sphinx 1s_c_d_dd: d_t = c_{t+2} - c_{t-2}, dd_t = (c_{t+3} - c_{t-1}) - (c_{t+1} - c_{t-3}), edges repeated."""
    T = len(c)
    p = np.concatenate([np.repeat(c[:1], 3, 0), c, np.repeat(c[-1:], 3, 0)])
    t = np.arange(T) + 3
    return np.concatenate([c, p[t + 2] - p[t - 2], (p[t + 3] - p[t - 1]) - (p[t + 1] - p[t - 3])], 1)


def compute(samples, cfg=SPHINX_EN_US):
    """float samples in [-1, 1] at cfg['sample_rate'] -> float32 features [T, output_dim]."""
    x = np.nan_to_num(np.asarray(samples, np.float64), nan=0.0, posinf=0.0, neginf=0.0) * cfg["sample_scale"]
    if cfg.get("fill_digital_silence"):
        x = fill_digital_silence(x, cfg["sample_scale"] / 32768.0)
    F = frames(x, cfg)
    if len(F) == 0:
        raise ValueError("audio too short for one frame")
    spec = np.fft.rfft(F, cfg["fft_size"])
    power = spec.real ** 2 + spec.imag ** 2
    W = sphinx_filterbank(cfg) if cfg["mel"] == "sphinx" else htk_filterbank(cfg)
    mel = power @ W.T
    if cfg["noise_removal"]:
        nr = NoiseRemoval()
        mel = np.stack([nr(m) for m in mel])
    feats = np.log(np.maximum(mel + cfg["log_offset"], cfg["log_floor"]))
    if cfg["kind"] == "mfcc":
        feats = feats @ dct_matrix(cfg).T
    feats = cmn(feats, cfg["cmn"])
    if cfg["deltas"] == "sphinx_1s_c_d_dd":
        feats = deltas_1s_c_d_dd(feats)
    return feats.astype(np.float32)


def read_sphinx_mfc(path, ncep=13):
    """A pocketsphinx -mfclogdir file: big-endian int32 count, then float32 cepstra (before CMN)."""
    b = open(path, "rb").read()
    return np.frombuffer(b[4:], ">f4").reshape(-1, ncep)

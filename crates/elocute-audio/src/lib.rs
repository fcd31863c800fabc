//! Audio loading for elocute: any PCM or float WAV, or Ogg/Opus, to 16 kHz
//! mono `f32`.
//!
//! WAV files with 8/16/24/32-bit integer or 32-bit float samples, any sample
//! rate and any channel count are read with `hound`, down-mixed to mono while
//! reading (so a long multi-channel file never sits in memory whole), and
//! resampled to 16 kHz with `rubato`. Ogg/Opus is decoded with `opus-pure`.
//! [`read_audio`] and [`read_audio_bytes`] tell the two apart by their first
//! bytes. Samples come out scaled to `[-1, 1]`.
//!
//! ```
//! use elocute_audio::{to_16k_mono, SAMPLE_RATE};
//! // One second of 48 kHz stereo silence becomes one second at 16 kHz.
//! let stereo = vec![0.0f32; 2 * 48_000];
//! let mono = to_16k_mono(&stereo, 2, 48_000).unwrap();
//! assert_eq!(mono.len(), SAMPLE_RATE as usize);
//! ```

use std::io::Read;
use std::path::Path;

pub use elocute_core::SAMPLE_RATE;
use elocute_core::{Error, Result};
pub use opus::read_ogg_opus;
pub use webm::read_webm_opus;

mod opus;
mod webm;
use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Resampler};

/// Limits applied while reading, so that a huge file fails early and cheaply.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AudioLimits {
    /// Longest accepted audio in seconds; `None` accepts any length.
    pub max_seconds: Option<f64>,
}

impl AudioLimits {
    /// [`Error::AudioTooLong`] when `frames` at `sample_rate` exceed the limit.
    ///
    /// ```
    /// use elocute_audio::AudioLimits;
    /// let l = AudioLimits { max_seconds: Some(2.0) };
    /// assert!(l.check(32_000, 16_000).is_ok());
    /// assert!(l.check(32_001, 16_000).is_err());
    /// ```
    pub fn check(&self, frames: usize, sample_rate: u32) -> Result<()> {
        match self.max_seconds {
            Some(limit) => {
                let seconds = frames as f64 / f64::from(sample_rate.max(1));
                if seconds > limit {
                    return Err(Error::AudioTooLong {
                        path: None,
                        seconds,
                        limit,
                    });
                }
                Ok(())
            }
            None => Ok(()),
        }
    }
}

impl Default for AudioLimits {
    /// Ten minutes: far beyond the cloud's 30 s, still bounded.
    fn default() -> Self {
        AudioLimits {
            max_seconds: Some(600.0),
        }
    }
}

/// Read a recording, WAV, Ogg/Opus or WebM/Opus (told apart by the file's
/// first bytes), and return 16 kHz mono samples in `[-1, 1]`. Errors name
/// the file, as [`read_wav`]'s do.
pub fn read_audio(path: impl AsRef<Path>, limits: AudioLimits) -> Result<Vec<f32>> {
    use std::io::Seek;
    let path = path.as_ref();
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut magic = [0u8; 4];
    // A file shorter than the magic is no Ogg stream; the WAV reader says what it is.
    let known = file.read_exact(&mut magic).is_ok();
    file.rewind().map_err(io)?;
    if known && &magic == OGG_MAGIC {
        read_ogg_opus(std::io::BufReader::new(file), limits).map_err(|e| e.with_path(path))
    } else if known && &magic == webm::EBML_MAGIC {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        read_webm_opus(&bytes, limits).map_err(|e| e.with_path(path))
    } else {
        read_wav_file(file, path, limits)
    }
}

/// [`read_audio`] for a recording held in memory (a request body): Ogg/Opus
/// when it starts with `OggS`, WebM/Opus when it starts with the EBML
/// header, else WAV ([`read_wav_bytes`]).
pub fn read_audio_bytes(bytes: &[u8], limits: AudioLimits) -> Result<Vec<f32>> {
    if bytes.starts_with(OGG_MAGIC) {
        read_ogg_opus(bytes, limits)
    } else if bytes.starts_with(webm::EBML_MAGIC) {
        read_webm_opus(bytes, limits)
    } else {
        read_wav_bytes(bytes, limits)
    }
}

/// Whether `bytes` start like a file [`read_audio_bytes`] reads (a RIFF WAV,
/// an Ogg stream or a WebM/Matroska file), as opposed to headerless samples.
///
/// ```
/// assert!(elocute_audio::is_audio_file(b"RIFF\0\0\0\0WAVE"));
/// assert!(elocute_audio::is_audio_file(b"OggS\0\x02"));
/// assert!(elocute_audio::is_audio_file(&[0x1A, 0x45, 0xDF, 0xA3, 0x9F]));
/// assert!(!elocute_audio::is_audio_file(&[0x10, 0x00, 0x20, 0x00]));
/// ```
pub fn is_audio_file(bytes: &[u8]) -> bool {
    bytes.starts_with(RIFF_MAGIC)
        || bytes.starts_with(OGG_MAGIC)
        || bytes.starts_with(webm::EBML_MAGIC)
}

/// The capture pattern every Ogg page starts with.
const OGG_MAGIC: &[u8; 4] = b"OggS";
/// The first bytes of a WAV file.
const RIFF_MAGIC: &[u8; 4] = b"RIFF";

/// Read a WAV file and return 16 kHz mono samples in `[-1, 1]`.
///
/// Errors name the file: [`Error::Io`] when it cannot be opened,
/// [`Error::UnsupportedAudio`] for a malformed or unsupported WAV,
/// [`Error::EmptyAudio`] when it holds no samples and
/// [`Error::AudioTooLong`] when it exceeds `limits.max_seconds`.
pub fn read_wav(path: impl AsRef<Path>, limits: AudioLimits) -> Result<Vec<f32>> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    read_wav_file(file, path, limits)
}

/// [`read_wav`] of a file already open at its start.
fn read_wav_file(file: std::fs::File, path: &Path, limits: AudioLimits) -> Result<Vec<f32>> {
    // The file's real size bounds the length whatever the header claims
    // (streaming writers leave placeholder sizes).
    let bytes = file.metadata().ok().map(|m| m.len());
    read_wav_sized(std::io::BufReader::new(file), limits, bytes).map_err(|e| e.with_path(path))
}

/// A WAV from `reader`, `total` bytes long when that is known: the real length
/// bounds the audio, and a `data` size past it in the first [`HEADER_BYTES`]
/// is first repaired to the frames present.
fn read_wav_sized<R: Read>(
    mut reader: R,
    limits: AudioLimits,
    total: Option<u64>,
) -> Result<Vec<f32>> {
    let mut head = Vec::new();
    (&mut reader)
        .take(HEADER_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| unsupported(hound::Error::IoError(e)))?;
    if let Some(total) = total {
        fix_open_ended_data_size(&mut head, total);
    }
    read_wav_bounded(std::io::Cursor::new(head).chain(reader), limits, total)
}

/// How much of a WAV's start is searched for its `data` chunk header
/// (metadata chunks before it are small).
const HEADER_BYTES: usize = 64 << 10;

/// Sample rates outside this range are not audio anyone recorded.
const RATES: std::ops::RangeInclusive<u32> = 1..=768_000;

/// Read a WAV from any reader (for example bytes received over a socket).
pub fn read_wav_from<R: Read>(reader: R, limits: AudioLimits) -> Result<Vec<f32>> {
    read_wav_bounded(reader, limits, None)
}

/// Read a WAV held in memory (for example a request body). The buffer's real
/// length bounds the audio whatever the header claims, as for files: clients
/// that stream a recording while it is made leave placeholder sizes,
/// including 0xFFFFFFFF, which is read as "to the end".
///
/// ```
/// let mut wav = Vec::new();
/// wav.extend_from_slice(b"RIFF\xff\xff\xff\xffWAVEfmt \x10\0\0\0\x01\0\x01\0\x80\x3e\0\0\0\x7d\0\0\x02\0\x10\0data\xff\xff\xff\xff");
/// wav.extend(std::iter::repeat([0x00u8, 0x10]).take(1600).flatten());
/// let samples = elocute_audio::read_wav_bytes(&wav, Default::default()).unwrap();
/// assert_eq!(samples.len(), 1600);
/// ```
pub fn read_wav_bytes(bytes: &[u8], limits: AudioLimits) -> Result<Vec<f32>> {
    read_wav_sized(bytes, limits, Some(bytes.len() as u64))
}

/// Rewrite a `data` chunk size that claims more bytes than the whole WAV
/// (`total` bytes, of which `head` is the start) holds, to the whole sample
/// frames that follow it; hound refuses 0xFFFFFFFF outright.
fn fix_open_ended_data_size(head: &mut [u8], total: u64) {
    if let Some((at, size)) = open_ended_data_size(head, total) {
        head[at..at + 4].copy_from_slice(&size.to_le_bytes());
    }
}

/// Where a WAV's `data` chunk size claims more bytes than follow it, the
/// offset of that size field and the whole sample frames that do follow.
fn open_ended_data_size(head: &[u8], total: u64) -> Option<(usize, u32)> {
    let u16_at = |i: usize| Some(u16::from_le_bytes(head.get(i..i + 2)?.try_into().ok()?));
    let u32_at = |i: usize| Some(u32::from_le_bytes(head.get(i..i + 4)?.try_into().ok()?));
    if head.get(0..4)? != RIFF_MAGIC || head.get(8..12)? != b"WAVE" {
        return None;
    }
    let (mut at, mut block) = (12usize, 1u32);
    loop {
        let id = head.get(at..at + 4)?;
        let size = u32_at(at + 4)?;
        if id == b"fmt " {
            // Whole frames as hound counts them (channels x whole bytes per
            // sample), which a lying block-align field does not change.
            let bytes = u32::from(u16_at(at + 22)?).div_ceil(8);
            block = (u32::from(u16_at(at + 10)?) * bytes).max(1);
        } else if id == b"data" {
            let left = total.checked_sub(at as u64 + 8)?.min(u64::from(u32::MAX));
            return (u64::from(size) > left)
                .then(|| (at + 4, (left - left % u64::from(block)) as u32));
        }
        at = at.checked_add(8 + size as usize + (size as usize & 1))?;
    }
}

/// The samples a streamed WAV's header announces ([`read_wav_stream_header`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamFormat {
    /// Interleaved channels.
    pub channels: usize,
    /// Samples per second.
    pub sample_rate: u32,
}

/// Read a WAV header from a stream up to the first sample, for audio that
/// arrives while it is recorded (`arecord -f S16_LE -r 16000 | elocute
/// assess --continuous --audio -`); the samples that follow are 16-bit
/// little-endian PCM, interleaved. The header's sizes are not trusted (a
/// recorder that streams cannot know them). Only 16-bit integer PCM is
/// accepted: anything else is [`Error::UnsupportedAudio`].
///
/// ```
/// let mut wav = Vec::new();
/// wav.extend(b"RIFF\xff\xff\xff\xffWAVEfmt \x10\0\0\0\x01\0\x01\0\x80\x3e\0\0\0\x7d\0\0\x02\0\x10\0");
/// wav.extend(b"data\xff\xff\xff\xff\x01\x00");
/// let mut r = &wav[..];
/// let f = elocute_audio::read_wav_stream_header(&mut r).unwrap();
/// assert_eq!((f.channels, f.sample_rate), (1, 16_000));
/// assert_eq!(r, &[1, 0]); // positioned at the first sample
/// ```
pub fn read_wav_stream_header<R: Read>(r: &mut R) -> Result<StreamFormat> {
    let bad = |m: &str| Error::UnsupportedAudio {
        path: None,
        message: format!("streamed WAV: {m}"),
    };
    let mut head = [0u8; 12];
    r.read_exact(&mut head)
        .map_err(|_| bad("no RIFF/WAVE header"))?;
    if &head[..4] != RIFF_MAGIC || &head[8..] != b"WAVE" {
        return Err(bad("no RIFF/WAVE header"));
    }
    let mut format = None;
    loop {
        let mut chunk = [0u8; 8];
        r.read_exact(&mut chunk)
            .map_err(|_| bad("the header ends before the data chunk"))?;
        let size = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]);
        if &chunk[..4] == b"data" {
            return format.ok_or_else(|| bad("data before the fmt chunk"));
        }
        // Chunks before the samples are small; a huge one is not a header.
        if size > 1 << 20 {
            return Err(bad("a header chunk over 1 MiB"));
        }
        let mut body = vec![0u8; size as usize + (size as usize & 1)];
        r.read_exact(&mut body)
            .map_err(|_| bad("the header ends before the data chunk"))?;
        if &chunk[..4] == b"fmt " {
            if body.len() < 16 {
                return Err(bad("a short fmt chunk"));
            }
            let tag = u16::from_le_bytes([body[0], body[1]]);
            let channels = usize::from(u16::from_le_bytes([body[2], body[3]]));
            let sample_rate = u32::from_le_bytes([body[4], body[5], body[6], body[7]]);
            let bits = u16::from_le_bytes([body[14], body[15]]);
            // 1 is PCM; 0xFFFE (extensible) carries PCM too when its bits say 16.
            if !(tag == 1 || tag == 0xFFFE) || bits != 16 || channels == 0 || sample_rate == 0 {
                return Err(bad(&format!(
                    "{bits}-bit samples of format {tag:#x}: only 16-bit PCM can be streamed"
                )));
            }
            format = Some(StreamFormat {
                channels,
                sample_rate,
            });
        }
    }
}

/// Read headerless little-endian 16-bit PCM (what the REST API's
/// `Content-Type: audio/wav; codecs=audio/pcm; samplerate=16000` also
/// carries when a client streams raw samples) and return 16 kHz mono.
///
/// ```
/// let pcm: Vec<u8> = (0..3200i16).flat_map(|i| (i % 100 * 50).to_le_bytes()).collect();
/// let mono = elocute_audio::read_pcm16(&pcm, 2, 16_000, Default::default()).unwrap();
/// assert_eq!(mono.len(), 1600);
/// assert!(elocute_audio::read_pcm16(&[], 1, 16_000, Default::default()).is_err());
/// ```
pub fn read_pcm16(
    bytes: &[u8],
    channels: usize,
    sample_rate: u32,
    limits: AudioLimits,
) -> Result<Vec<f32>> {
    if channels == 0 || !RATES.contains(&sample_rate) {
        return Err(Error::UnsupportedAudio {
            path: None,
            message: format!("{channels} channels at {sample_rate} Hz"),
        });
    }
    limits.check(bytes.len() / 2 / channels, sample_rate)?;
    let samples: Vec<f32> = bytes
        .chunks_exact(2)
        .map(|b| f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0)
        .collect();
    if samples.len() < channels {
        return Err(Error::EmptyAudio { path: None });
    }
    to_16k_mono(&samples, channels, sample_rate)
}

/// Interleaved 16-bit little-endian PCM down-mixed to mono at its own rate, as [`read_pcm16`]
/// down-mixes it before resampling (a trailing incomplete frame is dropped).
///
/// ```
/// let pcm: Vec<u8> = [16_384i16, 0, -16_384, -16_384].iter().flat_map(|v| v.to_le_bytes()).collect();
/// assert_eq!(elocute_audio::pcm16_mono(&pcm, 2), vec![0.25, -0.5]);
/// ```
pub fn pcm16_mono(bytes: &[u8], channels: usize) -> Vec<f32> {
    let channels = channels.max(1);
    let frames = bytes.len() / 2 / channels;
    let samples = bytes[..frames * 2 * channels]
        .chunks_exact(2)
        .map(|b| Ok(f32::from(i16::from_le_bytes([b[0], b[1]])) / 32768.0));
    downmix(samples, channels, frames, 1.0).unwrap_or_default()
}

fn read_wav_bounded<R: Read>(
    reader: R,
    limits: AudioLimits,
    bytes: Option<u64>,
) -> Result<Vec<f32>> {
    let mut wav = hound::WavReader::new(reader).map_err(unsupported)?;
    let spec = wav.spec();
    if spec.channels == 0 || !RATES.contains(&spec.sample_rate) {
        return Err(Error::UnsupportedAudio {
            path: None,
            message: format!("{} channels at {} Hz", spec.channels, spec.sample_rate),
        });
    }
    let channels = spec.channels as usize;
    let frame_bytes = u64::from(spec.channels) * u64::from(spec.bits_per_sample.div_ceil(8).max(1));
    let frames = match bytes {
        Some(b) => u64::from(wav.duration()).min(b / frame_bytes) as usize,
        None => wav.duration() as usize,
    };
    limits.check(frames, spec.sample_rate)?;
    let mono = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => downmix(wav.samples::<f32>(), channels, frames, 1.0)?,
        (hound::SampleFormat::Int, bits @ 1..=32) => {
            let scale = 1.0 / (1u64 << (bits - 1)) as f32;
            downmix(
                wav.samples::<i32>().map(|s| s.map(|v| v as f32)),
                channels,
                frames,
                scale,
            )?
        }
        (fmt, bits) => {
            return Err(Error::UnsupportedAudio {
                path: None,
                message: format!("{bits}-bit {fmt:?} samples are not supported"),
            })
        }
    };
    if mono.is_empty() {
        return Err(Error::EmptyAudio { path: None });
    }
    resample_to_16k(mono, spec.sample_rate)
}

fn unsupported(e: hound::Error) -> Error {
    match e {
        hound::Error::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            Error::UnsupportedAudio {
                path: None,
                message: "file ends inside the WAV header".into(),
            }
        }
        hound::Error::FormatError(m) if m.contains("Failed to read enough bytes") => {
            Error::UnsupportedAudio {
                path: None,
                message: "file ends inside the WAV header".into(),
            }
        }
        other => Error::UnsupportedAudio {
            path: None,
            message: other.to_string(),
        },
    }
}

/// Average interleaved channels into mono while streaming. A file whose data
/// chunk is shorter than its header claims keeps the samples that are there.
fn downmix<I>(samples: I, channels: usize, frames_hint: usize, scale: f32) -> Result<Vec<f32>>
where
    I: Iterator<Item = hound::Result<f32>>,
{
    let mut out = Vec::with_capacity(frames_hint.min(1 << 26));
    let norm = scale / channels as f32;
    let mut acc = 0.0f32;
    let mut k = 0;
    for s in samples {
        let v = match s {
            Ok(v) => v,
            // Truncated data: keep what was read, as players do.
            Err(hound::Error::IoError(_)) => break,
            Err(e) => return Err(unsupported(e)),
        };
        // NaN or infinite float samples would poison every later stage.
        acc += if v.is_finite() { v } else { 0.0 };
        k += 1;
        if k == channels {
            out.push((acc * norm).clamp(-1.0, 1.0));
            acc = 0.0;
            k = 0;
        }
    }
    Ok(out)
}

/// Down-mix interleaved samples (in `[-1, 1]`) and resample them to 16 kHz.
pub fn to_16k_mono(interleaved: &[f32], channels: usize, sample_rate: u32) -> Result<Vec<f32>> {
    if channels == 0 || sample_rate == 0 {
        return Err(Error::UnsupportedAudio {
            path: None,
            message: format!("{channels} channels at {sample_rate} Hz"),
        });
    }
    let mono = downmix(
        interleaved.iter().map(|&v| Ok(v)),
        channels,
        interleaved.len() / channels,
        1.0,
    )?;
    if mono.is_empty() {
        return Err(Error::EmptyAudio { path: None });
    }
    resample_to_16k(mono, sample_rate)
}

/// Resample mono samples from `sample_rate` to 16 kHz (a no-op at 16 kHz).
pub fn resample_to_16k(mono: Vec<f32>, sample_rate: u32) -> Result<Vec<f32>> {
    if sample_rate == SAMPLE_RATE {
        return Ok(mono);
    }
    let fail = |m: String| resample_error(sample_rate, m);
    let n = mono.len();
    let mut rs = resampler_to_16k(sample_rate)?;
    let input = InterleavedSlice::new(&mono, 1, n).map_err(|e| fail(e.to_string()))?;
    let out = rs
        .process_all(&input, n, None)
        .map_err(|e| fail(e.to_string()))?
        .take_data();
    if out.is_empty() {
        return Err(Error::EmptyAudio { path: None });
    }
    Ok(out)
}

/// Resampling to 16 kHz of mono audio that arrives piece by piece (a live stream): the pieces
/// [`push`](Self::push) and [`finish`](Self::finish) give, joined, are exactly what
/// [`resample_to_16k`] gives for the whole input, however the input was split.
///
/// ```
/// use elocute_audio::{resample_to_16k, StreamResampler};
///
/// let x: Vec<f32> = (0..48_000).map(|i| (i as f32 * 0.05).sin() * 0.3).collect();
/// let mut stream = StreamResampler::new(48_000)?;
/// let mut out = Vec::new();
/// for piece in x.chunks(4_801) {
///     out.extend(stream.push(piece)?);
/// }
/// out.extend(stream.finish()?);
/// assert_eq!(out, resample_to_16k(x, 48_000)?);
/// # Ok::<(), elocute_core::Error>(())
/// ```
pub struct StreamResampler {
    sample_rate: u32,
    /// `None` at 16 kHz: samples pass through.
    rs: Option<Fft<f32>>,
    pending: Vec<f32>,
    /// Output frames still to drop at the start (the resampler's delay).
    to_trim: usize,
    consumed: usize,
    emitted: usize,
    chunk: Vec<f32>,
}

impl std::fmt::Debug for StreamResampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamResampler")
            .field("sample_rate", &self.sample_rate)
            .field("consumed", &self.consumed)
            .field("emitted", &self.emitted)
            .finish()
    }
}

impl StreamResampler {
    /// A resampler from `sample_rate` (1 Hz to 768 kHz) to 16 kHz.
    pub fn new(sample_rate: u32) -> Result<Self> {
        let rs = if sample_rate == SAMPLE_RATE {
            None
        } else {
            // The resampler of `resample_to_16k`, so that the two agree sample for sample.
            Some(resampler_to_16k(sample_rate)?)
        };
        let to_trim = rs.as_ref().map_or(0, |r| r.output_delay());
        let chunk = vec![0.0; rs.as_ref().map_or(0, |r| r.output_frames_max())];
        Ok(StreamResampler {
            sample_rate,
            rs,
            pending: Vec::new(),
            to_trim,
            consumed: 0,
            emitted: 0,
            chunk,
        })
    }

    /// Take the next samples; gives the 16 kHz samples now complete (often none).
    pub fn push(&mut self, mono: &[f32]) -> Result<Vec<f32>> {
        if self.rs.is_none() {
            self.consumed += mono.len();
            self.emitted += mono.len();
            return Ok(mono.to_vec());
        }
        self.pending.extend_from_slice(mono);
        let mut out = Vec::new();
        // As `process_all`: whole chunks while more than one chunk is waiting, so the last one
        // (full or not) is left for `finish`.
        while self.pending.len() > self.next() {
            let n = self.next();
            self.run(Some(n), &mut out)?;
        }
        Ok(out)
    }

    /// The input has ended: gives the last 16 kHz samples.
    pub fn finish(mut self) -> Result<Vec<f32>> {
        let mut out = Vec::new();
        let Some(rs) = self.rs.as_ref() else {
            return Ok(out);
        };
        let expected =
            (rs.resample_ratio() * (self.consumed + self.pending.len()) as f64).ceil() as usize;
        if !self.pending.is_empty() {
            let n = self.pending.len();
            self.run(Some(n), &mut out)?;
        }
        // Zeros through the filter until the delayed tail is out.
        while self.emitted < expected {
            self.run(Some(0), &mut out)?;
        }
        out.truncate(out.len() - (self.emitted - expected));
        Ok(out)
    }

    fn next(&self) -> usize {
        self.rs.as_ref().map_or(0, |r| r.input_frames_next())
    }

    /// One chunk: `take` input frames from `pending` (the rest of the chunk is silence).
    fn run(&mut self, take: Option<usize>, out: &mut Vec<f32>) -> Result<()> {
        let rate = self.sample_rate;
        let rs = self.rs.as_mut().expect("only called when resampling");
        let n = take.unwrap_or(0);
        let next = rs.input_frames_next();
        let fail = |m: String| resample_error(rate, m);
        let indexing = rubato::Indexing {
            partial_len: (n < next).then_some(n),
            ..Default::default()
        };
        // A partial chunk is read from a buffer of the full length.
        let mut input = self.pending[..n].to_vec();
        input.resize(next, 0.0);
        let input = InterleavedSlice::new(&input, 1, next).map_err(|e| fail(e.to_string()))?;
        let frames = self.chunk.len();
        let mut output = InterleavedSlice::new_mut(&mut self.chunk, 1, frames)
            .map_err(|e| fail(e.to_string()))?;
        let (used, produced) = rs
            .process_into_buffer(&input, &mut output, Some(&indexing))
            .map_err(|e| fail(e.to_string()))?;
        let used = used.min(n);
        self.pending.drain(..used);
        self.consumed += used;
        let skip = self.to_trim.min(produced);
        self.to_trim -= skip;
        out.extend_from_slice(&self.chunk[skip..produced]);
        self.emitted += produced - skip;
        Ok(())
    }
}

/// The one resampler to 16 kHz (FFT, chunks of 1024, fixed in and out), for a
/// rate within 1 Hz to 768 kHz.
fn resampler_to_16k(sample_rate: u32) -> Result<Fft<f32>> {
    if !RATES.contains(&sample_rate) {
        return Err(Error::UnsupportedAudio {
            path: None,
            message: format!("sample rate {sample_rate} Hz is outside 1 Hz to 768 kHz"),
        });
    }
    Fft::<f32>::new(
        sample_rate as usize,
        SAMPLE_RATE as usize,
        1024,
        1,
        FixedSync::Both,
    )
    .map_err(|e| resample_error(sample_rate, e.to_string()))
}

fn resample_error(sample_rate: u32, m: String) -> Error {
    Error::UnsupportedAudio {
        path: None,
        message: format!("cannot resample from {sample_rate} Hz: {m}"),
    }
}

/// Hop of [`frame_levels_db`]'s frames in samples at 16 kHz (10 ms).
pub const LEVEL_HOP: usize = 160;
/// Window of [`frame_levels_db`]'s frames in samples at 16 kHz (25 ms).
pub const LEVEL_WINDOW: usize = 400;

/// Level of each 10 ms frame (25 ms window) in dB relative to full scale,
/// for telling digital silence and near-silence from speech.
///
/// ```
/// let mut x = vec![0.0f32; 1600];
/// x.extend((0..1600).map(|i| 0.5 * (i as f32 * 0.3).sin()));
/// let db = elocute_audio::frame_levels_db(&x);
/// assert!(db[0] < -90.0 && db[15] > -10.0);
/// ```
pub fn frame_levels_db(samples: &[f32]) -> Vec<f32> {
    (0..samples.len().div_ceil(LEVEL_HOP))
        .map(|t| {
            let from = t * LEVEL_HOP;
            frame_level_db(&samples[from..(from + LEVEL_WINDOW).min(samples.len())])
        })
        .collect()
}

/// The level in dB of one frame's window (its samples from the frame's
/// start, at most [`LEVEL_WINDOW`]): one value of [`frame_levels_db`], for
/// callers that see audio arrive frame by frame.
///
/// ```
/// let x: Vec<f32> = (0..400).map(|i| 0.5 * (i as f32 * 0.3).sin()).collect();
/// assert_eq!(elocute_audio::frame_level_db(&x), elocute_audio::frame_levels_db(&x)[0]);
/// ```
pub fn frame_level_db(window: &[f32]) -> f32 {
    let n = window.len().max(1) as f64;
    let mean = window.iter().map(|v| f64::from(*v)).sum::<f64>() / n;
    // DC offset is not sound.
    let power = window
        .iter()
        .map(|v| (f64::from(*v) - mean).powi(2))
        .sum::<f64>()
        / n;
    (10.0 * (power + 1e-12).log10()) as f32
}

/// Power of one 16-bit step: the floor under any recorded noise, so that
/// digital silence gives a large but finite ratio.
const NOISE_FLOOR_POWER: f64 = 1.0 / (32768.0 * 32768.0);

/// Signal-to-noise ratio in dB from [`frame_levels_db`]'s levels and which
/// frames hold speech: the mean power of speech frames less the noise, over
/// the noise. The noise is the median power of the other frames (frames at
/// the edge of a word, which the 25 ms window lets speech into, do not move a
/// median); when fewer than 10 frames lie outside speech (a reading that
/// fills the clip), the 5th-percentile frame stands for it. `None` without a
/// speech frame.
///
/// ```
/// // Speech frames at -10 dB, pauses at -50 dB (one pause frame catching a word's edge): 40 dB.
/// let mut levels: Vec<f32> = (0..100).map(|t| if t % 2 == 0 { -10.0 } else { -50.0 }).collect();
/// levels[1] = -15.0;
/// let speech: Vec<bool> = (0..100).map(|t| t % 2 == 0).collect();
/// let snr = elocute_audio::snr_db(&levels, &speech).unwrap();
/// assert!((snr - 40.0).abs() < 0.01, "{snr}");
/// assert_eq!(elocute_audio::snr_db(&levels, &[false; 100]), None);
/// ```
pub fn snr_db(levels_db: &[f32], speech: &[bool]) -> Option<f64> {
    let power = |db: f32| 10f64.powf(f64::from(db) / 10.0);
    let (mut loud, mut quiet) = (Vec::new(), Vec::new());
    for (t, &db) in levels_db.iter().enumerate() {
        if speech.get(t).copied().unwrap_or(false) {
            loud.push(power(db));
        } else {
            quiet.push(power(db));
        }
    }
    if loud.is_empty() {
        return None;
    }
    let at = |mut v: Vec<f64>, q: f64| {
        v.sort_by(f64::total_cmp);
        v[((v.len() - 1) as f64 * q).round() as usize]
    };
    let noise = if quiet.len() >= 10 {
        at(quiet, 0.5)
    } else {
        at(levels_db.iter().map(|&db| power(db)).collect(), 0.05)
    }
    .max(NOISE_FLOOR_POWER);
    let mean = loud.iter().sum::<f64>() / loud.len() as f64;
    let signal = (mean - noise).max(NOISE_FLOOR_POWER);
    Some(10.0 * (signal / noise).log10())
}

/// Write 16-bit mono PCM; used by tests and tools that save processed audio.
pub fn write_wav_i16(path: impl AsRef<Path>, samples: &[f32], sample_rate: u32) -> Result<()> {
    let path = path.as_ref();
    let io = |e: hound::Error| Error::Io {
        path: path.to_path_buf(),
        source: match e {
            hound::Error::IoError(io) => io,
            other => std::io::Error::other(other.to_string()),
        },
    };
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).map_err(io)?;
    for &s in samples {
        w.write_sample((s.clamp(-1.0, 1.0) * 32767.0).round() as i16)
            .map_err(io)?;
    }
    w.finalize().map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn streamed_resampling_equals_whole_file_resampling_however_split() {
        for rate in [8_000u32, 22_050, 44_100, 48_000, 16_000] {
            for len in [0usize, 100, 1_023, 1_024, 1_025, 30_011] {
                let x: Vec<f32> = (0..len)
                    .map(|i| ((i as f32 * 0.031).sin() + (i as f32 * 0.17).cos()) * 0.2)
                    .collect();
                let whole = resample_to_16k(x.clone(), rate).unwrap_or_default();
                for piece in [1usize, 7, 1_000, 1_024, 4_096, len.max(1)] {
                    let mut s = StreamResampler::new(rate).unwrap();
                    let mut out = Vec::new();
                    for p in x.chunks(piece) {
                        out.extend(s.push(p).unwrap());
                    }
                    out.extend(s.finish().unwrap());
                    assert_eq!(out, whole, "{rate} Hz, {len} samples in pieces of {piece}");
                }
            }
        }
        assert!(StreamResampler::new(0).is_err());
    }

    /// A WAV header with a LIST chunk before `data`, `channels` x 16-bit, and `data_size`.
    /// (hound does not skip the pad byte after an odd-sized chunk, so the LIST chunk is even.)
    fn header(channels: u16, data_size: u32) -> Vec<u8> {
        let mut h = b"RIFF\xff\xff\xff\xffWAVEfmt \x10\0\0\0\x01\0".to_vec();
        h.extend_from_slice(&channels.to_le_bytes());
        h.extend_from_slice(&16_000u32.to_le_bytes());
        h.extend_from_slice(&(32_000 * u32::from(channels)).to_le_bytes());
        h.extend_from_slice(&(2 * channels).to_le_bytes());
        h.extend_from_slice(&16u16.to_le_bytes());
        h.extend_from_slice(b"LIST\x04\0\0\0abcd");
        h.extend_from_slice(b"data");
        h.extend_from_slice(&data_size.to_le_bytes());
        h
    }

    #[test]
    fn open_ended_data_sizes_become_the_frames_present() {
        let mut w = header(2, u32::MAX);
        let at = w.len() - 4;
        w.extend_from_slice(&[1; 4 * 100 + 3]); // 100 stereo frames and a torn one
        assert_eq!(open_ended_data_size(&w, w.len() as u64), Some((at, 400)));
        let x = read_wav_bytes(&w, AudioLimits::default()).unwrap();
        assert_eq!(x.len(), 100);
        // A size that fits is left alone, and so is anything that is not a WAV.
        let mut exact = header(1, 8);
        exact.extend_from_slice(&[0; 8]);
        assert_eq!(open_ended_data_size(&exact, exact.len() as u64), None);
        assert_eq!(open_ended_data_size(b"RIFF", 4), None);
        assert_eq!(open_ended_data_size(&exact[..30], 30), None);
        let mut no_data = header(1, 8);
        no_data.truncate(no_data.len() - 8);
        assert_eq!(open_ended_data_size(&no_data, no_data.len() as u64), None);
    }

    fn wav_bytes(spec: hound::WavSpec, frames: usize, f: impl Fn(usize, usize) -> f64) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        {
            let mut w = hound::WavWriter::new(&mut buf, spec).unwrap();
            for i in 0..frames {
                for c in 0..spec.channels as usize {
                    let v = f(i, c);
                    match (spec.sample_format, spec.bits_per_sample) {
                        (hound::SampleFormat::Float, _) => w.write_sample(v as f32).unwrap(),
                        (_, 8) => w.write_sample((v * 127.0) as i8).unwrap(),
                        (_, 16) => w.write_sample((v * 32767.0) as i16).unwrap(),
                        (_, 24) => w.write_sample((v * 8_388_607.0) as i32).unwrap(),
                        _ => w.write_sample((v * 2_147_483_647.0) as i32).unwrap(),
                    }
                }
            }
            w.finalize().unwrap();
        }
        buf.into_inner()
    }

    fn spec(ch: u16, sr: u32, bits: u16, float: bool) -> hound::WavSpec {
        hound::WavSpec {
            channels: ch,
            sample_rate: sr,
            bits_per_sample: bits,
            sample_format: if float {
                hound::SampleFormat::Float
            } else {
                hound::SampleFormat::Int
            },
        }
    }

    #[test]
    fn every_bit_depth_reads_to_the_same_scale() {
        for (bits, float) in [
            (8, false),
            (16, false),
            (24, false),
            (32, false),
            (32, true),
        ] {
            let b = wav_bytes(spec(1, 16_000, bits, float), 1600, |i, _| {
                if i % 2 == 0 {
                    0.5
                } else {
                    -0.5
                }
            });
            let x = read_wav_from(Cursor::new(b), AudioLimits::default()).unwrap();
            assert_eq!(x.len(), 1600, "{bits} bits");
            assert!((x[0] - 0.5).abs() < 0.01, "{bits} bits gave {}", x[0]);
            assert!((x[1] + 0.5).abs() < 0.01, "{bits} bits gave {}", x[1]);
        }
    }

    #[test]
    fn stereo_is_averaged_and_48k_resampled() {
        let b = wav_bytes(spec(2, 48_000, 16, false), 48_000, |i, c| {
            let s = (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 48_000.0).sin() * 0.5;
            let _ = c;
            s
        });
        let x = read_wav_from(Cursor::new(b), AudioLimits::default()).unwrap();
        assert!((x.len() as i64 - 16_000).abs() <= 2, "{}", x.len());
        let peak = x[1000..15000].iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!((peak - 0.5).abs() < 0.03, "peak {peak}");
    }

    #[test]
    fn opposite_channels_cancel() {
        let b = wav_bytes(spec(6, 16_000, 16, false), 800, |_, c| {
            if c % 2 == 0 {
                0.3
            } else {
                -0.3
            }
        });
        let x = read_wav_from(Cursor::new(b), AudioLimits::default()).unwrap();
        assert!(x.iter().all(|v| v.abs() < 1e-3));
    }

    #[test]
    fn header_only_is_empty_and_garbage_is_unsupported() {
        let b = wav_bytes(spec(1, 16_000, 16, false), 0, |_, _| 0.0);
        assert!(matches!(
            read_wav_from(Cursor::new(b.clone()), AudioLimits::default()),
            Err(Error::EmptyAudio { .. })
        ));
        let e = read_wav_from(Cursor::new(&b[..20]), AudioLimits::default()).unwrap_err();
        assert!(matches!(e, Error::UnsupportedAudio { .. }), "{e}");
        let e = read_wav_from(
            Cursor::new(b"OggS not a wav file at all".to_vec()),
            AudioLimits::default(),
        )
        .unwrap_err();
        assert!(matches!(e, Error::UnsupportedAudio { .. }), "{e}");
    }

    #[test]
    fn truncated_data_keeps_what_is_there() {
        let b = wav_bytes(spec(1, 16_000, 16, false), 1600, |_, _| 0.25);
        let x = read_wav_from(Cursor::new(&b[..44 + 1000]), AudioLimits::default()).unwrap();
        assert_eq!(x.len(), 500);
    }

    #[test]
    fn too_long_is_refused_before_reading() {
        let b = wav_bytes(spec(1, 8_000, 16, false), 8_000 * 3, |_, _| 0.0);
        let e = read_wav_from(
            Cursor::new(b),
            AudioLimits {
                max_seconds: Some(2.0),
            },
        )
        .unwrap_err();
        assert!(matches!(e, Error::AudioTooLong { .. }), "{e}");
    }

    #[test]
    fn missing_file_names_the_path() {
        let e = read_wav("/no/such/file.wav", AudioLimits::default()).unwrap_err();
        assert!(e.to_string().contains("/no/such/file.wav"));
    }

    #[test]
    fn nan_samples_become_silence() {
        let b = wav_bytes(spec(1, 16_000, 32, true), 100, |i, _| {
            if i == 5 {
                f64::NAN
            } else {
                0.1
            }
        });
        let x = read_wav_from(Cursor::new(b), AudioLimits::default()).unwrap();
        assert_eq!(x[5], 0.0);
        assert!(x.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn common_rates_resample_to_the_right_length() {
        for sr in [8_000u32, 11_025, 22_050, 44_100, 48_000] {
            let x = resample_to_16k(vec![0.1; sr as usize / 2], sr).unwrap();
            assert!((x.len() as i64 - 8_000).abs() <= 2, "{sr}: {}", x.len());
        }
    }
}

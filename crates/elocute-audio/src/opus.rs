//! Ogg/Opus (RFC 7845), what browsers record and the service's REST API
//! also takes: decoded with the pure-Rust `opus-pure` straight to 16 kHz.

use std::io::Read;

use elocute_core::{Error, Result, SAMPLE_RATE};
use opus_pure::{OggOpusReader, Trim, MAX_PACKET_SAMPLES};

use crate::AudioLimits;

/// Decode an Ogg/Opus stream to 16 kHz mono in `[-1, 1]`, applying the
/// header's output gain and trimming the encoder delay and end padding.
///
/// A stream cut off mid-page keeps the audio decoded before the cut, as the
/// WAV reader keeps the samples of a truncated data chunk. Errors:
/// [`Error::UnsupportedAudio`] for a stream that is not Opus (Ogg Vorbis,
/// FLAC), a surround layout, or a damaged header; [`Error::EmptyAudio`]
/// when no sample decodes; [`Error::AudioTooLong`] once the decoded audio
/// passes `limits.max_seconds` (decoding stops there).
///
/// ```no_run
/// let f = std::fs::File::open("take1.opus")?;
/// let samples = elocute_audio::read_ogg_opus(std::io::BufReader::new(f), Default::default())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_ogg_opus<R: Read>(reader: R, limits: AudioLimits) -> Result<Vec<f32>> {
    let bad = |e: opus_pure::Error| Error::UnsupportedAudio {
        path: None,
        message: format!("Ogg/Opus: {e}"),
    };
    let rate = SAMPLE_RATE as i32;
    let mut ogg = OggOpusReader::new(reader).map_err(bad)?;
    let head = ogg.head().clone();
    let channels = usize::from(head.channel_count).max(1);
    let mut decoder = head.decoder(rate).map_err(bad)?;
    let mut trim = Trim::new(&head, rate, channels).map_err(bad)?;
    let mut block = vec![0.0f32; MAX_PACKET_SAMPLES * channels];
    let mut mono = Vec::new();
    loop {
        let packet = match ogg.read_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            // Truncated or damaged after some audio: keep what was decoded.
            Err(_) if !mono.is_empty() => break,
            Err(e) => return Err(bad(e)),
        };
        let n = decoder
            .decode(&packet.data, MAX_PACKET_SAMPLES, &mut block)
            .map_err(bad)?;
        for frame in trim.keep(&packet, &block[..n * channels]).chunks(channels) {
            let v = frame.iter().sum::<f32>() / channels as f32;
            // Codec ringing may pass full scale, and a damaged packet may not be finite.
            mono.push(if v.is_finite() {
                v.clamp(-1.0, 1.0)
            } else {
                0.0
            });
        }
        limits.check(mono.len(), SAMPLE_RATE)?;
    }
    if mono.is_empty() {
        return Err(Error::EmptyAudio { path: None });
    }
    Ok(mono)
}

//! WebM (Matroska) with Opus audio: what Chrome's and Firefox's
//! MediaRecorder write by default. The container is read here (EBML, as far
//! as audio needs it); the packets are decoded by `opus-pure`.
//!
//! Recorders that stream write the Segment and its Clusters with an unknown
//! size; both are read as containers whatever their size says, so such files
//! read as well as finished ones.

use elocute_core::{Error, Result, SAMPLE_RATE};
use opus_pure::{OpusHead, MAX_PACKET_SAMPLES};

use crate::AudioLimits;

/// The EBML header's ID, the first four bytes of every WebM/Matroska file.
pub(crate) const EBML_MAGIC: &[u8; 4] = &[0x1A, 0x45, 0xDF, 0xA3];

const EBML: u32 = 0x1A45_DFA3;
const SEGMENT: u32 = 0x1853_8067;
const CLUSTER: u32 = 0x1F43_B675;
const TRACKS: u32 = 0x1654_AE6B;
const TRACK_ENTRY: u32 = 0xAE;
const TRACK_NUMBER: u32 = 0xD7;
const TRACK_TYPE: u32 = 0x83;
const CODEC_ID: u32 = 0x86;
const CODEC_PRIVATE: u32 = 0x63A2;
const SIMPLE_BLOCK: u32 = 0xA3;
const BLOCK_GROUP: u32 = 0xA0;
const BLOCK: u32 = 0xA1;
const DISCARD_PADDING: u32 = 0x75A2;
/// Matroska's track type of audio.
const AUDIO_TRACK: u64 = 2;

/// One element's header: its ID, where its data starts and ends (`None`
/// for an unknown size, which runs to the end of its parent).
struct Header {
    id: u32,
    data: usize,
    end: Option<usize>,
}

fn bad(message: impl Into<String>) -> Error {
    Error::UnsupportedAudio {
        path: None,
        message: format!("WebM: {}", message.into()),
    }
}

/// A variable-length integer at `pos`: (value with the length marker
/// removed, its width, whether every value bit is set).
fn vint(data: &[u8], pos: usize) -> Option<(u64, usize, bool)> {
    let first = *data.get(pos)?;
    let width = first.leading_zeros() as usize + 1;
    if width > 8 {
        return None;
    }
    let bytes = data.get(pos..pos + width)?;
    let mut v = u64::from(first) & (0xFF >> width);
    for &b in &bytes[1..] {
        v = (v << 8) | u64::from(b);
    }
    let all_ones = v == (1u64 << (7 * width)) - 1;
    Some((v, width, all_ones))
}

fn header(data: &[u8], pos: usize) -> Option<Header> {
    // IDs keep their length marker and are at most 4 bytes long.
    let first = *data.get(pos)?;
    let id_width = first.leading_zeros() as usize + 1;
    if id_width > 4 {
        return None;
    }
    let id = data
        .get(pos..pos + id_width)?
        .iter()
        .fold(0u32, |a, &b| (a << 8) | u32::from(b));
    let (size, size_width, unknown) = vint(data, pos + id_width)?;
    let start = pos + id_width + size_width;
    let end = if unknown {
        None
    } else {
        Some(start.checked_add(usize::try_from(size).ok()?)?)
    };
    Some(Header {
        id,
        data: start,
        end,
    })
}

fn uint(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .take(8)
        .fold(0u64, |a, &b| (a << 8) | u64::from(b))
}

fn int(bytes: &[u8]) -> i64 {
    match bytes.len() {
        0 => 0,
        n if n <= 8 => {
            let v = uint(bytes);
            // Sign-extend from n bytes.
            let shift = 64 - 8 * n as u32;
            ((v << shift) as i64) >> shift
        }
        _ => 0,
    }
}

/// The child elements of `data[start..end]` as (id, bytes); stops at the
/// first element that does not fit.
fn children(data: &[u8], start: usize, end: usize) -> Vec<(u32, &[u8])> {
    let mut out = Vec::new();
    let mut pos = start;
    while pos < end {
        let Some(h) = header(data, pos) else { break };
        let Some(e) = h.end.filter(|&e| e <= end) else {
            break;
        };
        out.push((h.id, &data[h.data..e]));
        pos = e;
    }
    out
}

/// The Opus track: its number and identification header.
fn opus_track(tracks: &[u8]) -> Result<(u64, OpusHead)> {
    let mut codecs = Vec::new();
    for (id, entry) in children(tracks, 0, tracks.len()) {
        if id != TRACK_ENTRY {
            continue;
        }
        let fields = children(entry, 0, entry.len());
        let field = |want: u32| fields.iter().find(|(i, _)| *i == want).map(|f| f.1);
        if field(TRACK_TYPE).map(uint) != Some(AUDIO_TRACK) {
            continue;
        }
        let codec = String::from_utf8_lossy(field(CODEC_ID).unwrap_or_default())
            .trim_end_matches('\0')
            .to_string();
        if codec != "A_OPUS" {
            codecs.push(codec);
            continue;
        }
        let number = field(TRACK_NUMBER).map(uint).unwrap_or(1);
        let head = opus_head(field(CODEC_PRIVATE).unwrap_or_default())?;
        return Ok((number, head));
    }
    Err(bad(if codecs.is_empty() {
        "no audio track".to_string()
    } else {
        format!(
            "audio codec {} is not supported (Opus only)",
            codecs.join(", ")
        )
    }))
}

/// RFC 7845's identification header, which WebM stores as the Opus
/// track's CodecPrivate.
fn opus_head(p: &[u8]) -> Result<OpusHead> {
    if p.len() < 19 || &p[..8] != b"OpusHead" {
        return Err(bad("the Opus track has no OpusHead"));
    }
    let head = OpusHead {
        channel_count: p[9],
        pre_skip: u16::from_le_bytes([p[10], p[11]]),
        input_sample_rate: u32::from_le_bytes([p[12], p[13], p[14], p[15]]),
        output_gain_q8: i16::from_le_bytes([p[16], p[17]]),
        mapping_family: p[18],
        stream_count: 1,
        coupled_count: u8::from(p[9] == 2),
        channel_mapping: Vec::new(),
    };
    if head.mapping_family != 0 || !(1..=2).contains(&head.channel_count) {
        return Err(bad(format!(
            "Opus with {} channels (mapping family {}) is not supported: mono or stereo only",
            head.channel_count, head.mapping_family
        )));
    }
    Ok(head)
}

/// The frames of a (Simple)Block for `track`, or none when it is another track's.
fn block_frames(block: &[u8], track: u64) -> Option<Vec<&[u8]>> {
    let (number, width, _) = vint(block, 0)?;
    if number != track {
        return Some(Vec::new());
    }
    // Track number, 16-bit relative time, flags.
    let flags = *block.get(width + 2)?;
    let body = block.get(width + 3..)?;
    match flags & 0x06 {
        0 => Some(vec![body]),
        lacing => {
            let count = usize::from(*body.first()?) + 1;
            let mut pos = 1;
            let mut sizes = Vec::with_capacity(count);
            match lacing {
                // Xiph: each size but the last as a run of 255s plus a remainder.
                0x02 => {
                    for _ in 0..count - 1 {
                        let mut size = 0usize;
                        loop {
                            let b = *body.get(pos)?;
                            pos += 1;
                            size += usize::from(b);
                            if b != 255 {
                                break;
                            }
                        }
                        sizes.push(size);
                    }
                }
                // EBML: the first size, then signed differences.
                0x06 => {
                    let (first, w, _) = vint(body, pos)?;
                    pos += w;
                    let mut size = i64::try_from(first).ok()?;
                    sizes.push(usize::try_from(size).ok()?);
                    for _ in 1..count - 1 {
                        let (raw, w, _) = vint(body, pos)?;
                        pos += w;
                        let bias = (1i64 << (7 * w - 1)) - 1;
                        size += i64::try_from(raw).ok()? - bias;
                        sizes.push(usize::try_from(size).ok()?);
                    }
                }
                // Fixed: equal sizes.
                _ => {
                    let each = body.len().checked_sub(1)? / count;
                    sizes = vec![each; count - 1];
                }
            }
            let used: usize = sizes.iter().sum();
            let last = body.len().checked_sub(pos)?.checked_sub(used)?;
            sizes.push(last);
            let mut frames = Vec::with_capacity(count);
            for s in sizes {
                frames.push(body.get(pos..pos + s)?);
                pos += s;
            }
            Some(frames)
        }
    }
}

/// Decode WebM/Opus bytes to 16 kHz mono in `[-1, 1]`, applying the header's
/// output gain and trimming the encoder delay (pre-skip) and any end padding
/// (`DiscardPadding`).
///
/// As with Ogg/Opus, a file cut off mid-cluster keeps the audio decoded
/// before the cut. Errors: [`Error::UnsupportedAudio`] for a file that is not
/// WebM/Matroska, has no audio track, has audio in another codec (Vorbis,
/// AAC) or more than two channels, or whose Opus data is damaged before any
/// audio; [`Error::EmptyAudio`] when no sample decodes;
/// [`Error::AudioTooLong`] once the audio passes `limits.max_seconds`.
///
/// ```no_run
/// let bytes = std::fs::read("take1.webm")?;
/// let samples = elocute_audio::read_webm_opus(&bytes, Default::default())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_webm_opus(data: &[u8], limits: AudioLimits) -> Result<Vec<f32>> {
    if !data.starts_with(EBML_MAGIC) {
        return Err(bad("not a WebM/Matroska file"));
    }
    let decode_err = |e: opus_pure::Error| bad(format!("Opus: {e}"));
    let mut track: Option<(u64, opus_pure::OpusDecoder, usize)> = None;
    let mut block = Vec::new();
    let mut mono: Vec<f32> = Vec::new();
    // 48 kHz samples still to drop at the start, as 16 kHz samples.
    let mut skip = 0usize;
    let mut pos = 0;
    while pos < data.len() {
        let Some(h) = header(data, pos) else { break };
        match h.id {
            // Read as containers whatever their size: their children follow.
            SEGMENT | CLUSTER => {
                pos = h.data;
                continue;
            }
            _ => {}
        }
        let Some(end) = h.end else {
            return Err(bad(format!("element {:#x} of unknown size", h.id)));
        };
        // A truncated element: keep what was decoded before it.
        let Some(body) = data.get(h.data..end) else {
            break;
        };
        match h.id {
            EBML => {}
            TRACKS if track.is_none() => {
                let (number, head) = opus_track(body)?;
                let decoder = head.decoder(SAMPLE_RATE as i32).map_err(decode_err)?;
                let channels = usize::from(head.channel_count);
                skip = usize::from(head.pre_skip) * SAMPLE_RATE as usize / 48_000;
                block = vec![0.0f32; MAX_PACKET_SAMPLES * channels];
                track = Some((number, decoder, channels));
            }
            SIMPLE_BLOCK | BLOCK_GROUP => {
                let Some((number, decoder, channels)) = track.as_mut() else {
                    return Err(bad("audio before the track list"));
                };
                let (payload, discard_ns) = if h.id == SIMPLE_BLOCK {
                    (Some(body), 0)
                } else {
                    let kids = children(body, 0, body.len());
                    let payload = kids.iter().find(|(i, _)| *i == BLOCK).map(|k| k.1);
                    let discard = kids
                        .iter()
                        .find(|(i, _)| *i == DISCARD_PADDING)
                        .map_or(0, |k| int(k.1));
                    (payload, discard)
                };
                let Some(frames) = payload.and_then(|p| block_frames(p, *number)) else {
                    if mono.is_empty() {
                        return Err(bad("a damaged block"));
                    }
                    break;
                };
                let before = mono.len();
                for frame in frames {
                    let n = match decoder.decode(frame, MAX_PACKET_SAMPLES, &mut block) {
                        Ok(n) => n,
                        Err(_) if !mono.is_empty() => break,
                        Err(e) => return Err(decode_err(e)),
                    };
                    for f in block[..n * *channels].chunks(*channels) {
                        let v = f.iter().sum::<f32>() / *channels as f32;
                        if skip > 0 {
                            skip -= 1;
                            continue;
                        }
                        mono.push(if v.is_finite() {
                            v.clamp(-1.0, 1.0)
                        } else {
                            0.0
                        });
                    }
                }
                // Padding the encoder added after the end of the audio, in nanoseconds.
                if discard_ns > 0 {
                    let drop =
                        (discard_ns as u128 * u128::from(SAMPLE_RATE) / 1_000_000_000) as usize;
                    mono.truncate(mono.len().saturating_sub(drop).max(before));
                }
                limits.check(mono.len(), SAMPLE_RATE)?;
            }
            _ => {}
        }
        pos = end;
    }
    if track.is_none() {
        return Err(bad("no track list before the end of the file"));
    }
    if mono.is_empty() {
        return Err(Error::EmptyAudio { path: None });
    }
    Ok(mono)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variable_length_integers_read_as_ebml_says() {
        assert_eq!(vint(&[0x81], 0), Some((1, 1, false)));
        assert_eq!(vint(&[0x40, 0x02], 0), Some((2, 2, false)));
        assert_eq!(vint(&[0xFF], 0), Some((127, 1, true)));
        assert_eq!(
            vint(&[0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], 0).map(|v| v.2),
            Some(true)
        );
        assert_eq!(vint(&[0x00], 0), None);
        assert_eq!(vint(&[0x40], 0), None, "cut short");
        assert_eq!(int(&[0xFF, 0xFE]), -2);
        assert_eq!(int(&[0x01, 0x00]), 256);
    }

    #[test]
    fn laced_blocks_split_into_their_frames() {
        // Track 1, time 0, Xiph lacing, 3 frames of 2, 300 and 1 bytes.
        let mut b = vec![0x81, 0, 0, 0x02, 2, 2, 255, 45];
        b.extend([7u8; 2]);
        b.extend([8u8; 300]);
        b.push(9);
        let f = block_frames(&b, 1).unwrap();
        assert_eq!(f.iter().map(|f| f.len()).collect::<Vec<_>>(), [2, 300, 1]);
        assert_eq!((f[0][0], f[1][0], f[2][0]), (7, 8, 9));
        // EBML lacing: 3 frames of 4, 6 and 2 bytes (first size 4, then +2 as a biased 1-byte vint).
        let mut b = vec![0x81, 0, 0, 0x06, 2, 0x84, 0x80 | (63 + 2)];
        b.extend([1u8; 4]);
        b.extend([2u8; 6]);
        b.extend([3u8; 2]);
        let f = block_frames(&b, 1).unwrap();
        assert_eq!(f.iter().map(|f| f.len()).collect::<Vec<_>>(), [4, 6, 2]);
        // Fixed lacing: 2 frames of 3 bytes.
        let b = [0x81, 0, 0, 0x04, 1, 1, 1, 1, 2, 2, 2];
        let f = block_frames(&b, 1).unwrap();
        assert_eq!(f, [&[1u8, 1, 1][..], &[2, 2, 2][..]]);
        // Another track's block has no frames for us; a lying lace is damage.
        assert_eq!(block_frames(&[0x82, 0, 0, 0, 5], 1), Some(vec![]));
        assert_eq!(block_frames(&[0x81, 0, 0, 0x02, 1, 200, 1], 1), None);
    }

    #[test]
    fn what_is_not_opus_in_webm_is_refused_by_name() {
        let err = |d: &[u8]| {
            read_webm_opus(d, AudioLimits::default())
                .unwrap_err()
                .to_string()
        };
        assert!(err(b"RIFF....").contains("not a WebM"));
        // EBML header, then a Segment holding Tracks with one Vorbis audio track.
        let entry = [&[0x83, 0x81, 0x02][..], &[0x86, 0x88], b"A_VORBIS"].concat();
        let tracks = [&[0xAE, 0x80 | entry.len() as u8][..], &entry].concat();
        let file = [
            &[0x1A, 0x45, 0xDF, 0xA3, 0x80][..],
            &[
                0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            ],
            &[0x16, 0x54, 0xAE, 0x6B, 0x80 | tracks.len() as u8],
            &tracks,
        ]
        .concat();
        assert!(err(&file).contains("A_VORBIS"), "{}", err(&file));
        // Header only: no track list.
        assert!(
            err(&file[..17]).contains("no track list"),
            "{}",
            err(&file[..17])
        );
    }
}

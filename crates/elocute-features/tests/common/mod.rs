//! Fixture loading shared by the integration tests.

use std::path::PathBuf;

/// `tests/data/NAME`.
pub fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
        .join(name)
}

/// Samples of the fixture WAV (16-bit PCM mono) as f32 in [-1, 1]. A tiny RIFF reader, so the
/// tests need no audio crate.
pub fn read_wav(name: &str) -> Vec<f32> {
    let b = std::fs::read(data(name)).expect("fixture wav");
    assert_eq!(&b[0..4], b"RIFF");
    assert_eq!(&b[8..12], b"WAVE");
    let mut pos = 12;
    let mut fmt_ok = false;
    while pos + 8 <= b.len() {
        let id = &b[pos..pos + 4];
        let len = u32::from_le_bytes(b[pos + 4..pos + 8].try_into().unwrap()) as usize;
        let body = &b[pos + 8..(pos + 8 + len).min(b.len())];
        if id == b"fmt " {
            let format = u16::from_le_bytes([body[0], body[1]]);
            let channels = u16::from_le_bytes([body[2], body[3]]);
            let rate = u32::from_le_bytes(body[4..8].try_into().unwrap());
            let bits = u16::from_le_bytes([body[14], body[15]]);
            assert_eq!((format, channels, rate, bits), (1, 1, 16_000, 16));
            fmt_ok = true;
        } else if id == b"data" {
            assert!(fmt_ok);
            return body
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]) as f32 / 32768.0)
                .collect();
        }
        pos += 8 + len + (len & 1);
    }
    panic!("no data chunk");
}

/// Reference features written by scripts/psx/make_fixture.py: raw little-endian f32, and their
/// shape from fixture.json.
pub fn read_reference(preset: &str) -> (usize, usize, Vec<f32>) {
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data("fixture.json")).unwrap()).unwrap();
    let entry = &meta["features"][preset];
    let (frames, dim) = (
        entry["frames"].as_u64().unwrap() as usize,
        entry["dim"].as_u64().unwrap() as usize,
    );
    let bytes = std::fs::read(data(entry["file"].as_str().unwrap())).unwrap();
    let values: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(values.len(), frames * dim);
    (frames, dim, values)
}

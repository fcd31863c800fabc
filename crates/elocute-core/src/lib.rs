//! Core types shared by every stage of the elocute pipeline.
//!
//! Every stage crate returns [`Result<T>`](Result) with the one typed [`Error`]
//! defined here, so an application sees the same error type whichever stage
//! failed, and the CLI can map each kind to a one-line message.
//!
//! ```
//! use elocute_core::{Error, FRAME_TICKS};
//! let e = Error::EmptyAudio { path: Some("a.wav".into()) };
//! assert!(e.to_string().contains("a.wav"));
//! assert_eq!(FRAME_TICKS, 100_000);
//! ```

use std::fmt;
use std::path::PathBuf;

/// The sample rate every stage after audio loading works at.
pub const SAMPLE_RATE: u32 = 16_000;

/// 100-ns ticks per 10 ms frame: the unit of `Offset`/`Duration` in the output.
pub const FRAME_TICKS: u64 = 100_000;

/// Library-wide result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where an audio problem came from: a file, or samples passed in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source(pub Option<PathBuf>);

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(p) => write!(f, "{}", p.display()),
            None => write!(f, "<in-memory audio>"),
        }
    }
}

/// Every way elocute can fail. Messages name the file, word or key at fault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The audio is not a WAV elocute can read (bad header, unsupported encoding).
    #[error("{}: unsupported or malformed audio: {message}", Source(.path.clone()))]
    UnsupportedAudio {
        /// The file, if the audio came from one.
        path: Option<PathBuf>,
        /// What is wrong with it.
        message: String,
    },
    /// The audio holds no samples (or is too short to yield a single frame).
    #[error("{}: audio is empty or too short to assess", Source(.path.clone()))]
    EmptyAudio {
        /// The file, if the audio came from one.
        path: Option<PathBuf>,
    },
    /// The audio is longer than the configured maximum.
    #[error("{}: audio is {seconds:.1} s long, over the limit of {limit:.1} s", Source(.path.clone()))]
    AudioTooLong {
        /// The file, if the audio came from one.
        path: Option<PathBuf>,
        /// Its length in seconds.
        seconds: f64,
        /// The configured limit in seconds.
        limit: f64,
    },
    /// A word of the reference text has no pronunciation and no fallback applies.
    #[error("unknown word {word:?}: not in the lexicon (add it with --lexicon)")]
    UnknownWord {
        /// The word as normalised.
        word: String,
    },
    /// The reference text holds no assessable word.
    #[error("reference text has no words to assess")]
    EmptyReference,
    /// A configuration value or key is not valid.
    #[error("bad configuration: {0}")]
    Config(String),
    /// A lexicon file could not be parsed.
    #[error("{path}:{line}: bad lexicon entry: {message}")]
    Lexicon {
        /// The lexicon file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A model folder is missing files or has inconsistent settings.
    #[error("model {path}: {message}")]
    Model {
        /// The model folder or file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The inference runtime failed (library missing, session error).
    #[error("inference runtime: {0}")]
    Runtime(String),
    /// The aligner found no path through the reference (audio too short for the text).
    #[error("alignment failed: {0}")]
    Alignment(String),
}

impl Error {
    /// Attach a file path to an audio error that came from in-memory samples,
    /// and name the file in an alignment error (audio too short for its text).
    pub fn with_path(self, p: impl Into<PathBuf>) -> Self {
        let p: PathBuf = p.into();
        if let Error::Alignment(m) = self {
            let prefix = format!("{}: ", p.display());
            return Error::Alignment(if m.starts_with(&prefix) {
                m
            } else {
                prefix + &m
            });
        }
        let p = Some(p);
        match self {
            Error::UnsupportedAudio {
                path: None,
                message,
            } => Error::UnsupportedAudio { path: p, message },
            Error::EmptyAudio { path: None } => Error::EmptyAudio { path: p },
            Error::AudioTooLong {
                path: None,
                seconds,
                limit,
            } => Error::AudioTooLong {
                path: p,
                seconds,
                limit,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_culprit() {
        let e = Error::UnknownWord {
            word: "zzyzx".into(),
        };
        assert!(e.to_string().contains("zzyzx"));
        let e = Error::EmptyAudio { path: None }.with_path("x/y.wav");
        assert_eq!(
            e.to_string(),
            "x/y.wav: audio is empty or too short to assess"
        );
        let e = Error::UnsupportedAudio {
            path: None,
            message: "not RIFF".into(),
        };
        assert!(e.to_string().contains("<in-memory audio>"));
        let e = Error::Alignment("3 frames are too few".into())
            .with_path("a.wav")
            .with_path("a.wav");
        assert_eq!(
            e.to_string(),
            "alignment failed: a.wav: 3 frames are too few"
        );
    }
}

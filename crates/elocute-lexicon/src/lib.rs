//! Text and pronunciation stage of elocute: reference-text normalisation,
//! the CMU Pronouncing Dictionary (embedded) with user overrides, a
//! grapheme-to-phoneme model (trained on CMUdict, embedded) for words neither
//! lists, and the SAPI and IPA spellings of phones.
//!
//! ```
//! use elocute_lexicon::{normalize, Alphabet, Lexicon};
//! let lex = Lexicon::cmudict();
//! let words = normalize("Hello!");
//! let pron = lex.pronounce(&words[0].word).unwrap();
//! let sapi: Vec<_> = pron.iter().map(|p| p.spell(Alphabet::Sapi)).collect();
//! assert_eq!(sapi, ["h", "ax", "l", "ow"]);
//! ```

mod dict;
mod g2p;
mod numbers;
mod phones;
mod syllable;
mod text;

pub use dict::{Lexicon, Pron};
pub use g2p::G2p;
pub use numbers::{cardinal, ordinal, spoken_number, year};
pub use phones::{parse_pronunciation, Alphabet, Phone, CMU_PHONES};
pub use syllable::{spell_syllable, syllabify};
pub use text::{normalize, GivenPronunciation, RefWord};

//! ARPAbet phones with stress, and their SAPI and IPA spellings.

use elocute_core::{Error, Result};

/// The 39 CMU phones, in CMUdict's order of description.
pub const CMU_PHONES: [&str; 39] = [
    "AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH",
    "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH", "UH",
    "UW", "V", "W", "Y", "Z", "ZH",
];

/// One phone of a pronunciation: a CMU base phone and, for vowels, its stress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Phone {
    /// Index into [`CMU_PHONES`].
    pub id: u8,
    /// 0 unstressed, 1 primary, 2 secondary; `None` for consonants.
    pub stress: Option<u8>,
}

/// The phone alphabet of the output (`PhonemeAlphabet`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Alphabet {
    /// Microsoft SAPI phones, lower case (`h eh l ow`); the service's default.
    #[default]
    Sapi,
    /// International Phonetic Alphabet (`h ɛ l oʊ`).
    Ipa,
}

impl Phone {
    /// Parse an ARPAbet token such as `AH0`, `ah1` or `T`.
    ///
    /// ```
    /// use elocute_lexicon::Phone;
    /// let p = Phone::parse("AH0").unwrap();
    /// assert_eq!(p.base(), "AH");
    /// assert_eq!(p.stress, Some(0));
    /// assert!(Phone::parse("Q").is_err());
    /// ```
    pub fn parse(token: &str) -> Result<Phone> {
        let up = token.to_ascii_uppercase();
        let (base, stress) = match up.as_bytes().last() {
            Some(d @ b'0'..=b'2') => (&up[..up.len() - 1], Some(d - b'0')),
            _ => (&up[..], None),
        };
        let id = CMU_PHONES
            .iter()
            .position(|p| *p == base)
            .ok_or_else(|| Error::Config(format!("unknown phone {token:?}")))?;
        let stress = if is_vowel_base(base) {
            Some(stress.unwrap_or(0))
        } else {
            None
        };
        Ok(Phone {
            id: id as u8,
            stress,
        })
    }

    /// The CMU base name without stress (`AH`).
    pub fn base(&self) -> &'static str {
        CMU_PHONES[self.id as usize]
    }

    /// Whether this is a vowel (carries stress, forms a syllable nucleus).
    pub fn is_vowel(&self) -> bool {
        self.stress.is_some()
    }

    /// The phone written in `alphabet`.
    ///
    /// ```
    /// use elocute_lexicon::{Alphabet, Phone};
    /// let ax = Phone::parse("AH0").unwrap();
    /// assert_eq!(ax.spell(Alphabet::Sapi), "ax");
    /// assert_eq!(ax.spell(Alphabet::Ipa), "ə");
    /// assert_eq!(Phone::parse("AH1").unwrap().spell(Alphabet::Sapi), "ah");
    /// ```
    pub fn spell(&self, alphabet: Alphabet) -> &'static str {
        let unstressed = self.stress == Some(0);
        match alphabet {
            Alphabet::Sapi => match (self.base(), unstressed) {
                ("AH", true) => "ax",
                ("HH", _) => "h",
                (b, _) => SAPI[CMU_PHONES.iter().position(|p| *p == b).unwrap_or(0)],
            },
            Alphabet::Ipa => match (self.base(), unstressed) {
                ("AH", true) => "ə",
                ("ER", true) => "ɚ",
                (b, _) => IPA[CMU_PHONES.iter().position(|p| *p == b).unwrap_or(0)],
            },
        }
    }
}

fn is_vowel_base(b: &str) -> bool {
    matches!(
        b,
        "AA" | "AE"
            | "AH"
            | "AO"
            | "AW"
            | "AY"
            | "EH"
            | "ER"
            | "EY"
            | "IH"
            | "IY"
            | "OW"
            | "OY"
            | "UH"
            | "UW"
    )
}

const SAPI: [&str; 39] = [
    "aa", "ae", "ah", "ao", "aw", "ay", "b", "ch", "d", "dh", "eh", "er", "ey", "f", "g", "h",
    "ih", "iy", "jh", "k", "l", "m", "n", "ng", "ow", "oy", "p", "r", "s", "sh", "t", "th", "uh",
    "uw", "v", "w", "y", "z", "zh",
];

const IPA: [&str; 39] = [
    "ɑ", "æ", "ʌ", "ɔ", "aʊ", "aɪ", "b", "tʃ", "d", "ð", "ɛ", "ɝ", "eɪ", "f", "ɡ", "h", "ɪ", "i",
    "dʒ", "k", "l", "m", "n", "ŋ", "oʊ", "ɔɪ", "p", "ɹ", "s", "ʃ", "t", "θ", "ʊ", "u", "v", "w",
    "j", "z", "ʒ",
];

/// CMUdict spelling: the base phone with its stress digit (`AH0`, `K`).
///
/// ```
/// use elocute_lexicon::Phone;
/// assert_eq!(Phone::parse("ah0").unwrap().to_string(), "AH0");
/// assert_eq!(Phone::parse("K").unwrap().to_string(), "K");
/// ```
impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.stress {
            Some(s) => write!(f, "{}{s}", self.base()),
            None => f.write_str(self.base()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phone_has_a_distinct_spelling() {
        for a in [Alphabet::Sapi, Alphabet::Ipa] {
            let mut seen = std::collections::HashSet::new();
            for p in CMU_PHONES {
                let s = Phone::parse(&format!("{p}1")).unwrap().spell(a);
                assert!(!s.is_empty(), "{p}");
                assert!(seen.insert(s), "{p} duplicates {s} in {a:?}");
            }
        }
    }

    #[test]
    fn seed_examples() {
        let hello: Vec<_> = ["HH", "AH0", "L", "OW1"]
            .iter()
            .map(|p| Phone::parse(p).unwrap())
            .collect();
        let sapi: Vec<_> = hello.iter().map(|p| p.spell(Alphabet::Sapi)).collect();
        assert_eq!(sapi, ["h", "ax", "l", "ow"]);
        let eh = Phone::parse("EH1").unwrap();
        assert_eq!(eh.spell(Alphabet::Ipa), "ɛ");
        assert_eq!(Phone::parse("R").unwrap().spell(Alphabet::Ipa), "ɹ");
        assert_eq!(Phone::parse("Y").unwrap().spell(Alphabet::Ipa), "j");
    }
}

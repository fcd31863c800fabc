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

/// Read a pronunciation written in `alphabet` (as in SSML's
/// `<phoneme alphabet="..." ph="...">`): `ipa`, `sapi` or `arpabet`
/// (case-insensitive).
///
/// - `ipa`: symbols may run together (`təˈmɑːtoʊ`) or be spaced; the longest
///   known symbol wins (`oʊ` before `o`). `ˈ` / `ˌ` give the next vowel primary
///   / secondary stress; other vowels are unstressed when the text marks
///   stress anywhere, else stressed, except `ə` and `ɚ`, which are always
///   unstressed. Length marks, syllable dots and tie bars are ignored. Common
///   broad variants are accepted: `r`, `g`, `ɜ`, `ɒ`, `ɐ`, `ɫ`, `e`, `o`, `a`,
///   `ʧ`, `ʤ`, `ɾ` (as `t`).
/// - `sapi`: space-separated SAPI phones (`t ax m aa t ow`); a `1` or `2`
///   token gives the preceding vowel that stress.
/// - `arpabet`: space-separated CMU phones with optional stress digits
///   (`T AH0 M AA1 T OW2`).
///
/// An unknown alphabet or symbol, or an empty result, is an
/// [`Error::Config`] naming it.
///
/// ```
/// use elocute_lexicon::{parse_pronunciation, Alphabet};
/// let spell = |p: &[elocute_lexicon::Phone]| {
///     p.iter().map(|x| x.spell(Alphabet::Sapi)).collect::<Vec<_>>().join(" ")
/// };
/// let ipa = parse_pronunciation("təˈmɑːtoʊ", "ipa").unwrap();
/// assert_eq!(spell(&ipa), "t ax m aa t ow");
/// assert_eq!(ipa[3].stress, Some(1));
/// assert_eq!(spell(&parse_pronunciation("t ax m aa 1 t ow", "SAPI").unwrap()), "t ax m aa t ow");
/// let arpa = parse_pronunciation("T AH0 M AA1 T OW2", "arpabet").unwrap();
/// assert_eq!(spell(&arpa), "t ax m aa t ow");
/// assert_eq!(arpa[5].stress, Some(2));
/// assert!(parse_pronunciation("tə#", "ipa").is_err());
/// assert!(parse_pronunciation("t ax", "x-sampa").is_err());
/// ```
pub fn parse_pronunciation(ph: &str, alphabet: &str) -> Result<Vec<Phone>> {
    let bad = |what: String| Error::Config(format!("pronunciation {ph:?} ({alphabet}): {what}"));
    let mut out: Vec<Phone> = Vec::new();
    match alphabet.trim().to_ascii_lowercase().as_str() {
        "ipa" => {
            let marked = ph.contains(['ˈ', 'ˌ', '\'', ',']);
            let mut pending: Option<u8> = None;
            // Length marks and tie bars go first so that `t͡ʃ` and `ɜːr` read as one phone.
            let cleaned: String = ph
                .chars()
                .filter(|c| !matches!(c, 'ː' | 'ˑ' | ':' | '\u{361}' | '\u{35c}'))
                .collect();
            let mut rest = cleaned.trim();
            while let Some(c) = rest.chars().next() {
                if c.is_whitespace() || matches!(c, '.' | '‿' | '/' | '[' | ']') {
                    rest = &rest[c.len_utf8()..];
                    continue;
                }
                if matches!(c, 'ˈ' | '\'') {
                    pending = Some(1);
                    rest = &rest[c.len_utf8()..];
                    continue;
                }
                if matches!(c, 'ˌ' | ',') {
                    pending = Some(2);
                    rest = &rest[c.len_utf8()..];
                    continue;
                }
                let Some((sym, base)) = IPA_READ
                    .iter()
                    .filter(|(sym, _)| rest.starts_with(sym))
                    .max_by_key(|(sym, _)| sym.len())
                else {
                    return Err(bad(format!("unknown IPA symbol {c:?}")));
                };
                rest = &rest[sym.len()..];
                let mut p = Phone::parse(base)?;
                if p.is_vowel() && !base.ends_with('0') {
                    p.stress = Some(match pending.take() {
                        Some(s) => s,
                        None if marked => 0,
                        None => 1,
                    });
                }
                out.push(p);
            }
        }
        "sapi" => {
            for tok in ph.split_whitespace() {
                if let (Some(last), "1" | "2") = (out.last_mut(), tok) {
                    if last.is_vowel() {
                        last.stress = Some(tok.as_bytes()[0] - b'0');
                        continue;
                    }
                }
                let t = tok.to_ascii_lowercase();
                let base = match t.as_str() {
                    "ax" => "AH0",
                    "h" => "HH",
                    _ => SAPI
                        .iter()
                        .position(|s| *s == t)
                        .map(|i| CMU_PHONES[i])
                        .ok_or_else(|| bad(format!("unknown SAPI phone {tok:?}")))?,
                };
                let mut p = Phone::parse(base)?;
                if p.is_vowel() && base != "AH0" {
                    p.stress = Some(1);
                }
                out.push(p);
            }
        }
        "arpabet" | "cmu" => {
            for tok in ph.split_whitespace() {
                out.push(Phone::parse(tok).map_err(|_| bad(format!("unknown phone {tok:?}")))?);
            }
        }
        other => {
            return Err(bad(format!(
                "unsupported alphabet {other:?} (ipa, sapi or arpabet)"
            )))
        }
    }
    if out.is_empty() {
        return Err(bad("no phones".into()));
    }
    Ok(out)
}

/// IPA symbols read by [`parse_pronunciation`]: elocute's own spellings plus
/// common broad-transcription variants. A `0` suffix marks an always
/// unstressed vowel.
const IPA_READ: &[(&str, &str)] = &[
    ("ɑ", "AA"),
    ("a", "AA"),
    ("ɒ", "AA"),
    ("æ", "AE"),
    ("ʌ", "AH"),
    ("ə", "AH0"),
    ("ɐ", "AH0"),
    ("ɔ", "AO"),
    ("aʊ", "AW"),
    ("aɪ", "AY"),
    ("b", "B"),
    ("tʃ", "CH"),
    ("ʧ", "CH"),
    ("d", "D"),
    ("ð", "DH"),
    ("ɛ", "EH"),
    ("e", "EY"),
    ("ɝ", "ER"),
    ("ɜ", "ER"),
    ("ɜɹ", "ER"),
    ("ɜr", "ER"),
    ("ɚ", "ER0"),
    ("eɪ", "EY"),
    ("f", "F"),
    ("ɡ", "G"),
    ("g", "G"),
    ("h", "HH"),
    ("ɪ", "IH"),
    ("i", "IY"),
    ("dʒ", "JH"),
    ("ʤ", "JH"),
    ("k", "K"),
    ("l", "L"),
    ("ɫ", "L"),
    ("m", "M"),
    ("n", "N"),
    ("ŋ", "NG"),
    ("oʊ", "OW"),
    ("o", "OW"),
    ("əʊ", "OW"),
    ("ɔɪ", "OY"),
    ("p", "P"),
    ("ɹ", "R"),
    ("r", "R"),
    ("s", "S"),
    ("ʃ", "SH"),
    ("t", "T"),
    ("ɾ", "T"),
    ("θ", "TH"),
    ("ʊ", "UH"),
    ("u", "UW"),
    ("v", "V"),
    ("w", "W"),
    ("j", "Y"),
    ("z", "Z"),
    ("ʒ", "ZH"),
    ("ʍ", "W"),
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

    fn arpa(ph: &str, alphabet: &str) -> String {
        let p = parse_pronunciation(ph, alphabet).unwrap();
        p.iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn pronunciations_in_ipa_sapi_and_arpabet() {
        // Stress marks set stress; without any mark every full vowel is stressed.
        assert_eq!(arpa("həˈloʊ", "ipa"), "HH AH0 L OW1");
        assert_eq!(arpa("hɛloʊ", "IPA"), "HH EH1 L OW1");
        assert_eq!(arpa("ˌʌndɚˈstænd", "ipa"), "AH2 N D ER0 S T AE1 N D");
        // Spaces, length marks, tie bars and broad variants.
        assert_eq!(arpa("t͡ʃ ɜːr tʃ", "ipa"), "CH ER1 CH");
        assert_eq!(arpa("ɡɑt gɒt", "ipa"), "G AA1 T G AA1 T");
        assert_eq!(arpa("dʒʌdʒ", "ipa"), "JH AH1 JH");
        assert_eq!(arpa("aɪ aʊ ɔɪ eɪ oʊ", "ipa"), "AY1 AW1 OY1 EY1 OW1");
        // Every spelling elocute writes reads back as itself.
        for (i, base) in CMU_PHONES.iter().enumerate() {
            let p = Phone::parse(&format!("{base}1")).unwrap();
            assert_eq!(
                arpa(p.spell(Alphabet::Ipa), "ipa").trim_end_matches('1'),
                *base,
                "{i}"
            );
            assert_eq!(
                arpa(p.spell(Alphabet::Sapi), "sapi").trim_end_matches('1'),
                *base
            );
        }
        assert_eq!(arpa("h ax l ow 1", "sapi"), "HH AH0 L OW1");
        assert_eq!(arpa("hh ah0 l ow1", "arpabet"), "HH AH0 L OW1");
        for (ph, alphabet, what) in [
            ("tə#", "ipa", "unknown IPA symbol '#'"),
            ("h ax q", "sapi", "unknown SAPI phone \"q\""),
            ("HH QQ", "arpabet", "unknown phone \"QQ\""),
            ("ˈ ː", "ipa", "no phones"),
            ("t", "x-sampa", "unsupported alphabet \"x-sampa\""),
        ] {
            let e = parse_pronunciation(ph, alphabet).unwrap_err().to_string();
            assert!(e.contains(what) && e.contains(ph), "{e}");
        }
    }
}

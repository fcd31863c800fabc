//! Pronunciation lexicon: the embedded CMUdict plus user entries that override it.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::Path;

use elocute_core::{Error, Result};

use crate::phones::Phone;

static CMUDICT: &str = include_str!(concat!(env!("OUT_DIR"), "/cmudict.dict"));

/// A pronunciation: the phones of one way to say a word.
pub type Pron = Vec<Phone>;

/// Word → pronunciations. Lookups into the embedded CMUdict are binary searches
/// over its sorted text, so creating a `Lexicon` costs nothing and the
/// dictionary is never parsed as a whole.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    extra: HashMap<String, Vec<Pron>>,
    use_cmudict: bool,
}

impl Lexicon {
    /// The CMU Pronouncing Dictionary (135k words) with no additions.
    pub fn cmudict() -> Self {
        Lexicon {
            extra: HashMap::new(),
            use_cmudict: true,
        }
    }

    /// A lexicon with no words at all; add entries with [`Lexicon::add_entries`].
    pub fn empty() -> Self {
        Lexicon::default()
    }

    /// Add the entries of a CMUdict-format file (`WORD  PH PH PH`, optional
    /// `WORD(2)` variants, stress digits allowed, `#` and `;;;` comments).
    /// A word listed here replaces all of CMUdict's pronunciations of it.
    pub fn load_file(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        self.add_entries(&text, path)
    }

    /// Add entries from CMUdict-format text; `origin` names the source in errors.
    ///
    /// ```
    /// use elocute_lexicon::Lexicon;
    /// let mut lex = Lexicon::cmudict();
    /// lex.add_entries("ELOCUTE  IH0 L OW1 K Y UW0 T\n", "inline").unwrap();
    /// assert_eq!(lex.pronounce("elocute").unwrap().len(), 7);
    /// assert!(lex.add_entries("BAD  XX\n", "inline").is_err());
    /// ```
    pub fn add_entries(&mut self, text: &str, origin: impl AsRef<Path>) -> Result<()> {
        let mut fresh: HashMap<String, Vec<Pron>> = HashMap::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() || line.starts_with(";;;") {
                continue;
            }
            let bad = |message: String| Error::Lexicon {
                path: origin.as_ref().to_path_buf(),
                line: i + 1,
                message,
            };
            let mut parts = line.split_whitespace();
            let key = parts.next().unwrap_or_default();
            let word = base_key(key).to_lowercase();
            let pron = parts
                .map(|t| {
                    Phone::parse(t).map_err(|_| bad(format!("unknown phone {t:?} for {key:?}")))
                })
                .collect::<Result<Pron>>()?;
            if pron.is_empty() {
                return Err(bad(format!("{key:?} has no phones")));
            }
            // Checked with cmudict-fast's own parser too, so both readers agree on what is valid.
            let _: cmudict_fast::Rule = line.parse().map_err(|e| bad(format!("{e:?}")))?;
            fresh.entry(word).or_default().push(pron);
        }
        self.extra.extend(fresh);
        Ok(())
    }

    /// All pronunciations of a (normalised, lower-case) word, the canonical one first.
    pub fn pronunciations(&self, word: &str) -> Vec<Pron> {
        let word = word.to_lowercase();
        if let Some(p) = self.extra.get(&word) {
            return p.clone();
        }
        if self.use_cmudict {
            return cmudict_lookup(&word);
        }
        Vec::new()
    }

    /// The canonical pronunciation of a word, or [`Error::UnknownWord`] naming it.
    pub fn pronounce(&self, word: &str) -> Result<Pron> {
        self.pronunciations(word)
            .into_iter()
            .next()
            .ok_or_else(|| Error::UnknownWord {
                word: word.to_string(),
            })
    }
}

/// `word(2)` → `word`.
fn base_key(key: &str) -> &str {
    match key.find('(') {
        Some(i) if key.ends_with(')') => &key[..i],
        _ => key,
    }
}

fn line_key(line: &str) -> &str {
    base_key(line.split(' ').next().unwrap_or(""))
}

/// Binary search over the sorted dictionary text (sorted by byte order of the base key).
fn cmudict_lookup(word: &str) -> Vec<Pron> {
    let text = CMUDICT.as_bytes();
    let (mut lo, mut hi) = (0usize, text.len());
    while lo < hi {
        let mid = (lo + hi) / 2;
        let start = text[lo..mid]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(lo, |p| lo + p + 1);
        let end = text[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(text.len(), |p| start + p);
        match line_key(&CMUDICT[start..end])
            .as_bytes()
            .cmp(word.as_bytes())
        {
            Ordering::Less => lo = end + 1,
            _ => hi = start,
        }
    }
    CMUDICT
        .get(lo..)
        .unwrap_or("")
        .lines()
        .take_while(|l| line_key(l) == word)
        .filter_map(|l| {
            let phones = l.split('#').next()?.split_whitespace().skip(1);
            phones.map(Phone::parse).collect::<Result<Pron>>().ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spell(p: &Pron) -> String {
        p.iter()
            .map(|ph| {
                format!(
                    "{}{}",
                    ph.base(),
                    ph.stress.map(|s| s.to_string()).unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn finds_first_middle_and_last_entries() {
        let lex = Lexicon::cmudict();
        assert_eq!(spell(&lex.pronounce("'bout").unwrap()), "B AW1 T");
        assert_eq!(spell(&lex.pronounce("hello").unwrap()), "HH AH0 L OW1");
        assert_eq!(spell(&lex.pronounce("Rust").unwrap()), "R AH1 S T");
        let last = CMUDICT.lines().last().unwrap();
        assert!(!lex.pronunciations(line_key(last)).is_empty());
    }

    #[test]
    fn variants_come_in_order_and_unknown_words_fail() {
        let lex = Lexicon::cmudict();
        assert!(lex.pronunciations("a").len() >= 2);
        assert_eq!(spell(&lex.pronunciations("a")[0]), "AH0");
        let e = lex.pronounce("qxzvbn").unwrap_err();
        assert!(e.to_string().contains("qxzvbn"));
        assert!(lex.pronunciations("").is_empty());
        assert!(lex.pronunciations("zzzzzzzzzzzzzz").is_empty());
    }

    #[test]
    fn every_cmudict_word_is_found() {
        let lex = Lexicon::cmudict();
        for (i, line) in CMUDICT.lines().enumerate().step_by(97) {
            let k = line_key(line);
            assert!(!lex.pronunciations(k).is_empty(), "line {i}: {k}");
        }
    }

    #[test]
    fn user_entries_override() {
        let mut lex = Lexicon::cmudict();
        lex.add_entries("A\tEY0\nA  AH0\nTOMATO  T AH0 M AA1 T OW2\n", "x.txt")
            .unwrap();
        assert_eq!(spell(&lex.pronounce("a").unwrap()), "EY0");
        assert_eq!(lex.pronunciations("a").len(), 2);
        assert_eq!(
            spell(&lex.pronounce("tomato").unwrap()),
            "T AH0 M AA1 T OW2"
        );
        let e = lex
            .add_entries("OK  OW1 K EY1\nBAD\n", "x.txt")
            .unwrap_err();
        assert!(e.to_string().contains("x.txt:2"), "{e}");
    }
}

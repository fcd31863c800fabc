//! Pronunciation lexicon: the embedded CMUdict plus user entries that override it,
//! and a letter-to-phone guess ([`G2p`]) for words neither lists.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::Path;

use elocute_core::{Error, Result};

use crate::g2p::{fold, G2p};
use crate::phones::Phone;

static CMUDICT: &str = include_str!(concat!(env!("OUT_DIR"), "/cmudict.dict"));

/// A pronunciation: the phones of one way to say a word.
pub type Pron = Vec<Phone>;

/// Word → pronunciations. Lookups into the embedded CMUdict are binary searches
/// over its sorted text, so creating a `Lexicon` costs nothing and the
/// dictionary is never parsed as a whole.
///
/// Words that neither the user entries nor CMUdict list are pronounced by the
/// [`G2p`] unless that is turned off with [`Lexicon::set_g2p`]; listed words
/// always keep their listed pronunciations.
#[derive(Debug, Clone)]
pub struct Lexicon {
    extra: HashMap<String, Vec<Pron>>,
    use_cmudict: bool,
    g2p: Option<G2p>,
}

impl Default for Lexicon {
    /// The same as [`Lexicon::empty`].
    fn default() -> Self {
        Lexicon::empty()
    }
}

impl Lexicon {
    /// The CMU Pronouncing Dictionary (135k words) with no additions, and the
    /// G2P for words it does not list.
    ///
    /// ```
    /// use elocute_lexicon::Lexicon;
    /// let lex = Lexicon::cmudict();
    /// assert_eq!(lex.pronounce("cat").unwrap().len(), 3);
    /// assert!(lex.pronounce("zorblax").is_ok()); // guessed
    /// ```
    pub fn cmudict() -> Self {
        Lexicon {
            extra: HashMap::new(),
            use_cmudict: true,
            g2p: Some(G2p::new()),
        }
    }

    /// A lexicon with no listed words; add entries with [`Lexicon::add_entries`].
    /// Other words are still guessed by the G2P unless [`Lexicon::set_g2p`] turns it off.
    ///
    /// ```
    /// use elocute_lexicon::Lexicon;
    /// let lex = Lexicon::empty();
    /// assert!(!lex.is_listed("cat"));
    /// assert!(lex.with_g2p(false).pronounce("cat").is_err());
    /// ```
    pub fn empty() -> Self {
        Lexicon {
            extra: HashMap::new(),
            use_cmudict: false,
            g2p: Some(G2p::new()),
        }
    }

    /// Turn the G2P fallback on (the default) or off. Off, a word that is not
    /// listed fails with [`Error::UnknownWord`], the strict behaviour.
    ///
    /// ```
    /// use elocute_lexicon::Lexicon;
    /// let mut lex = Lexicon::cmudict();
    /// lex.set_g2p(false);
    /// assert!(lex.pronounce("zorblax").is_err());
    /// assert!(lex.pronounce("hello").is_ok());
    /// ```
    pub fn set_g2p(&mut self, on: bool) {
        self.g2p = on.then(G2p::new);
    }

    /// [`Lexicon::set_g2p`] as a builder.
    ///
    /// ```
    /// use elocute_lexicon::Lexicon;
    /// let strict = Lexicon::cmudict().with_g2p(false);
    /// assert!(!strict.g2p_enabled());
    /// ```
    pub fn with_g2p(mut self, on: bool) -> Self {
        self.set_g2p(on);
        self
    }

    /// Whether words that are not listed are guessed by the G2P.
    ///
    /// ```
    /// assert!(elocute_lexicon::Lexicon::cmudict().g2p_enabled());
    /// ```
    pub fn g2p_enabled(&self) -> bool {
        self.g2p.is_some()
    }

    /// Whether the user entries or CMUdict list `word` (accents folded if
    /// needed), i.e. its pronunciation is not a G2P guess.
    ///
    /// ```
    /// use elocute_lexicon::Lexicon;
    /// let lex = Lexicon::cmudict();
    /// assert!(lex.is_listed("Hello") && lex.is_listed("café"));
    /// assert!(!lex.is_listed("zorblax"));
    /// ```
    pub fn is_listed(&self, word: &str) -> bool {
        !self.listed(word).is_empty()
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

    /// All pronunciations of a (normalised) word, the canonical one first: the
    /// user entries', else CMUdict's (each tried as written, then with accents
    /// folded: `café` is CMUdict's `cafe`), else the G2P's single guess when it
    /// is on. Empty when none applies.
    ///
    /// ```
    /// use elocute_lexicon::Lexicon;
    /// let lex = Lexicon::cmudict();
    /// assert!(lex.pronunciations("read").len() >= 2);
    /// assert_eq!(lex.pronunciations("blorft").len(), 1);
    /// assert!(lex.pronunciations("42").is_empty());
    /// ```
    pub fn pronunciations(&self, word: &str) -> Vec<Pron> {
        let listed = self.listed(word);
        if !listed.is_empty() {
            return listed;
        }
        self.g2p
            .and_then(|g| g.pronounce(word))
            .into_iter()
            .collect()
    }

    /// The listed pronunciations of `word`, without the G2P.
    fn listed(&self, word: &str) -> Vec<Pron> {
        let lower = word.to_lowercase();
        let folded = fold(&lower);
        let keys = if folded != lower && !folded.is_empty() {
            vec![lower, folded]
        } else {
            vec![lower]
        };
        for key in &keys {
            if let Some(p) = self.extra.get(key) {
                return p.clone();
            }
        }
        if self.use_cmudict {
            for key in &keys {
                let p = cmudict_lookup(key);
                if !p.is_empty() {
                    return p;
                }
            }
        }
        Vec::new()
    }

    /// The canonical pronunciation of a word (see [`Lexicon::pronunciations`]),
    /// or [`Error::UnknownWord`] naming it when there is none: the word is not
    /// listed and either the G2P is off or the word has no Latin letter.
    ///
    /// ```
    /// use elocute_lexicon::Lexicon;
    /// let lex = Lexicon::cmudict();
    /// assert!(lex.pronounce("quizzaciously").is_ok());
    /// assert!(lex.pronounce("你好").is_err());
    /// assert!(lex.with_g2p(false).pronounce("quizzaciously").is_err());
    /// ```
    pub fn pronounce(&self, word: &str) -> Result<Pron> {
        self.pronunciations(word)
            .into_iter()
            .next()
            .ok_or_else(|| Error::UnknownWord {
                word: word.to_string(),
            })
    }
}

impl Lexicon {
    /// A listed word pronounced exactly `phones` (stress ignored): the user
    /// entries' first, else CMUdict's first in its order. Used to name
    /// speech that matched no reference word. The reverse index over CMUdict
    /// is built on first use (tens of milliseconds).
    ///
    /// ```
    /// use elocute_lexicon::{Lexicon, Phone};
    /// let lex = Lexicon::cmudict();
    /// let cat: Vec<Phone> = ["K", "AE1", "T"].iter().map(|p| Phone::parse(p).unwrap()).collect();
    /// assert_eq!(lex.word_with_phones(&cat).as_deref(), Some("cat"));
    /// assert_eq!(lex.word_with_phones(&[]), None);
    /// ```
    pub fn word_with_phones(&self, phones: &[Phone]) -> Option<String> {
        if phones.is_empty() {
            return None;
        }
        let key = bases_key(phones);
        let mut own: Vec<&String> = self
            .extra
            .iter()
            .filter(|(_, prons)| prons.iter().any(|p| bases_key(p) == key))
            .map(|(w, _)| w)
            .collect();
        own.sort();
        if let Some(w) = own.first() {
            return Some((*w).clone());
        }
        if !self.use_cmudict {
            return None;
        }
        static REVERSE: std::sync::OnceLock<HashMap<String, &'static str>> =
            std::sync::OnceLock::new();
        let index = REVERSE.get_or_init(|| {
            let mut m = HashMap::new();
            for line in CMUDICT.lines() {
                let mut parts = line.split(' ');
                let word = base_key(parts.next().unwrap_or(""));
                let pron: Option<Vec<Phone>> = parts.map(|t| Phone::parse(t).ok()).collect();
                if let Some(pron) = pron.filter(|p| !p.is_empty()) {
                    m.entry(bases_key(&pron)).or_insert(word);
                }
            }
            m
        });
        // Entries listed by the user under another pronunciation are not theirs any more.
        index
            .get(&key)
            .filter(|w| !self.extra.contains_key(**w))
            .map(|w| w.to_string())
    }
}

/// Base phones joined by spaces: the stress-free key of a pronunciation.
fn bases_key(phones: &[Phone]) -> String {
    phones
        .iter()
        .map(|p| p.base())
        .collect::<Vec<_>>()
        .join(" ")
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
            .map(|ph| ph.to_string())
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
        let lex = Lexicon::cmudict().with_g2p(false);
        assert!(lex.pronunciations("a").len() >= 2);
        assert_eq!(spell(&lex.pronunciations("a")[0]), "AH0");
        let e = lex.pronounce("qxzvbn").unwrap_err();
        assert!(matches!(&e, Error::UnknownWord { word } if word == "qxzvbn"));
        assert!(e.to_string().contains("qxzvbn"));
        assert!(lex.pronunciations("").is_empty());
        assert!(lex.pronunciations("zzzzzzzzzzzzzz").is_empty());
    }

    #[test]
    fn unlisted_words_are_guessed_unless_strict() {
        let lex = Lexicon::cmudict();
        for w in [
            "qxzvbn",
            "zzzzzzzzzzzzzz",
            "blorft",
            "Zorblax",
            "o'flannery's",
        ] {
            assert!(!lex.is_listed(w), "{w}");
            let p = lex.pronounce(w).unwrap();
            assert_eq!(Some(p.clone()), G2p::new().pronounce(w), "{w}");
            assert_eq!(lex.pronunciations(w), vec![p]);
        }
        // Words with no Latin letter are still unknown.
        for w in ["", "42", "你好", "привет", "'"] {
            let e = lex.pronounce(w).unwrap_err();
            assert!(
                matches!(&e, Error::UnknownWord { word } if word == w),
                "{w}"
            );
        }
        // Listed words keep CMUdict's pronunciations, accented spellings find theirs.
        let strict = lex.clone().with_g2p(false);
        for w in ["hello", "read", "colonel", "worcestershire", "a"] {
            assert_eq!(lex.pronunciations(w), strict.pronunciations(w), "{w}");
        }
        assert_eq!(
            spell(&lex.pronounce("café").unwrap()),
            spell(&lex.pronounce("cafe").unwrap())
        );
        assert_eq!(
            lex.pronounce("naïve").unwrap(),
            strict.pronounce("naive").unwrap()
        );
    }

    #[test]
    fn user_entries_win_over_the_g2p_and_empty_lexicons_guess() {
        let mut lex = Lexicon::empty();
        assert!(lex.g2p_enabled());
        assert!(lex.pronounce("blorft").is_ok());
        lex.add_entries("BLORFT  B L AO1 R F T\n", "x.txt").unwrap();
        assert_eq!(spell(&lex.pronounce("blorft").unwrap()), "B L AO1 R F T");
        assert!(lex.is_listed("BLORFT"));
        lex.set_g2p(false);
        assert!(lex.pronounce("blorft").is_ok());
        assert!(matches!(
            lex.pronounce("cat"),
            Err(Error::UnknownWord { .. })
        ));
        lex.set_g2p(true);
        assert!(lex.pronounce("cat").is_ok());
        assert!(Lexicon::default().g2p_enabled());
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

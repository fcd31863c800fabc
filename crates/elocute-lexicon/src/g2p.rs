//! Letter-to-phone guesses for words CMUdict does not list.
//!
//! The model (`data/g2p.txt`, built by `scripts/g2p/train_g2p.py` from CMUdict)
//! is a table of letter windows: `left.letter.right label`, where `#` marks the
//! word's edges and the label is what that letter says in that context (`-` for
//! nothing, `K_S` for two phones, vowels with stress). A letter takes the label
//! of its widest window found in the table, from four letters either side down
//! to the letter alone. The table is text embedded in the binary, indexed by a
//! hash map on first use.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use crate::dict::Pron;
use crate::phones::Phone;

static MODEL: &str = include_str!("../data/g2p.txt");

/// Windows (letters to the left, letters to the right), widest first; the
/// reverse of the training script's `CHAIN`.
const WINDOWS: [(usize, usize); 9] = [
    (4, 4),
    (4, 3),
    (3, 3),
    (3, 2),
    (2, 2),
    (2, 1),
    (1, 1),
    (1, 0),
    (0, 0),
];
const PAD: usize = 4;

/// One phone per letter, for the (untrained-for) case where every letter of a
/// word maps to nothing: the word must still be said somehow.
const LETTER_DEFAULT: [&str; 26] = [
    "AE1", "B", "K", "D", "EH1", "F", "G", "HH", "IH1", "JH", "K", "L", "M", "N", "AA1", "P", "K",
    "R", "S", "T", "AH1", "V", "W", "K_S", "IY1", "Z",
];

/// Grapheme-to-phoneme converter trained on CMUdict, used by
/// [`Lexicon`](crate::Lexicon) for words it does not list.
///
/// ```
/// use elocute_lexicon::G2p;
/// let g2p = G2p::new();
/// let pron = g2p.pronounce("blorft").unwrap();
/// assert_eq!(pron.first().unwrap().base(), "B");
/// assert!(pron.iter().any(|p| p.stress == Some(1)));
/// ```
#[derive(Clone, Copy)]
pub struct G2p {
    _private: (),
}

type Windows = HashMap<&'static str, &'static str, BuildHasherDefault<Fnv>>;

/// The table as a hash map, built on first use (tens of ms): a binary search
/// over the text per window would cost some 200 µs a word, the map a few µs.
fn windows() -> &'static Windows {
    static MAP: OnceLock<Windows> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = Windows::with_capacity_and_hasher(MODEL.len() / 12, Default::default());
        map.extend(MODEL.lines().filter_map(|l| l.split_once(' ')));
        map
    })
}

/// FNV-1a: the keys are short, fixed and not attacker-chosen, so a simple
/// fast hash beats the default SipHash, mostly when the map is built.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl std::fmt::Debug for G2p {
    /// The number of windows in the table, not the table.
    ///
    /// ```
    /// assert!(format!("{:?}", elocute_lexicon::G2p::new()).starts_with("G2p"));
    /// ```
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("G2p")
            .field("windows", &windows().len())
            .finish()
    }
}

impl Default for G2p {
    /// The same as [`G2p::new`].
    fn default() -> Self {
        G2p::new()
    }
}

impl G2p {
    /// The embedded model trained on CMUdict; creating it costs nothing.
    ///
    /// ```
    /// let g2p = elocute_lexicon::G2p::new();
    /// assert!(g2p.pronounce("zorblax").is_some());
    /// ```
    pub fn new() -> Self {
        G2p { _private: () }
    }

    fn lookup(&self, key: &str) -> Option<&'static str> {
        windows().get(key).copied()
    }

    /// Guess the pronunciation of `word`: CMU phones, vowels with stress and at
    /// least one primary stress when there is a vowel. Case is ignored, accents
    /// are folded (`café` → `cafe`, `æ` → `ae`, `ß` → `ss`), and anything that
    /// is not a Latin letter or an apostrophe is skipped. `None` when no Latin
    /// letter is left; otherwise at least one phone. Never panics.
    ///
    /// ```
    /// use elocute_lexicon::G2p;
    /// let g2p = G2p::new();
    /// assert!(!g2p.pronounce("Naïve-ish42").unwrap().is_empty());
    /// assert!(g2p.pronounce("42").is_none());
    /// assert!(g2p.pronounce("你好").is_none());
    /// ```
    pub fn pronounce(&self, word: &str) -> Option<Pron> {
        let letters = fold(word);
        if !letters.bytes().any(|b| b.is_ascii_lowercase()) {
            return None;
        }
        let padded = format!("{0}{letters}{0}", "#".repeat(PAD));
        let padded = padded.as_bytes();
        let mut key = String::with_capacity(2 * PAD + 3);
        let mut labels: Vec<&str> = (PAD..PAD + letters.len())
            .map(|c| {
                WINDOWS
                    .iter()
                    .find_map(|&(a, b)| {
                        key.clear();
                        // The window is ASCII: `fold` keeps only a-z and apostrophes.
                        key.extend(padded[c - a..c].iter().map(|&x| x as char));
                        key.push('.');
                        key.push(padded[c] as char);
                        key.push('.');
                        key.extend(padded[c + 1..c + 1 + b].iter().map(|&x| x as char));
                        self.lookup(&key)
                    })
                    .unwrap_or("-")
            })
            .collect();
        fix_vowel_r(letters.as_bytes(), &mut labels);
        fix_double_letters(letters.as_bytes(), &mut labels);
        let mut pron = Pron::new();
        labels.iter().for_each(|l| push_label(&mut pron, l));
        if !pron.iter().any(Phone::is_vowel) {
            // Letters said apart can lose every vowel ("blorft" as B L R F T):
            // give the first vowel letter its most common vowel.
            if let Some((i, v)) = letters
                .bytes()
                .enumerate()
                .find_map(|(i, b)| vowel_default(b).map(|v| (i, v)))
            {
                labels[i] = v;
                pron.clear();
                labels.iter().for_each(|l| push_label(&mut pron, l));
            }
        }
        if pron.is_empty() {
            for b in letters.bytes().filter(u8::is_ascii_lowercase) {
                push_label(&mut pron, LETTER_DEFAULT[(b - b'a') as usize]);
            }
        }
        fix_stress(&mut pron);
        Some(pron)
    }
}

/// What the training script's `VOWEL_DEFAULT` says for a vowel letter.
fn vowel_default(letter: u8) -> Option<&'static str> {
    Some(match letter {
        b'a' => "AE1",
        b'e' => "EH1",
        b'i' => "IH1",
        b'o' => "AA1",
        b'u' => "AH1",
        b'y' => "IY1",
        _ => return None,
    })
}

/// Letters are predicted one by one, and CMUdict spells a vowel before r both
/// ways ("or" as `AO1 R`, "doctor" with the o silent and the r as `ER0`): make
/// each vowel-r pair agree, as the training script's `fix_vowel_r` does.
fn fix_vowel_r(letters: &[u8], labels: &mut [&str]) {
    for i in 0..letters.len().saturating_sub(1) {
        if vowel_default(letters[i]).is_none() || letters[i + 1] != b'r' {
            continue;
        }
        let last_vowel = labels[i]
            .rsplit('_')
            .find(|t| t.ends_with(['0', '1', '2']))
            .map(|t| t.trim_end_matches(['0', '1', '2']));
        match last_vowel {
            // A silent vowel letter and a consonant r would lose the syllable.
            None if labels[i + 1] == "R" => labels[i + 1] = "ER0",
            // `AO1 ER0` says the vowel twice.
            Some("AA" | "AE" | "AH" | "AO" | "EH" | "IH" | "UH" | "ER")
                if labels[i + 1].starts_with("ER") && !labels[i + 1].contains('_') =>
            {
                labels[i + 1] = "R"
            }
            _ => {}
        }
    }
}

/// A doubled consonant letter is one consonant ("zz" in "zyzzyva" is `Z`, not `Z Z`).
fn fix_double_letters(letters: &[u8], labels: &mut [&str]) {
    for i in 0..letters.len().saturating_sub(1) {
        let l = labels[i];
        if letters[i] == letters[i + 1]
            && l == labels[i + 1]
            && l != "-"
            && !l.contains('_')
            && !l.ends_with(['0', '1', '2'])
        {
            labels[i + 1] = "-";
        }
    }
}

fn push_label(pron: &mut Pron, label: &str) {
    if label != "-" {
        pron.extend(label.split('_').filter_map(|t| Phone::parse(t).ok()));
    }
}

/// At least one primary stress when there are vowels: promote the first
/// secondary stress, else the first vowel (as the training script does).
fn fix_stress(pron: &mut Pron) {
    if pron.iter().any(|p| p.stress == Some(1)) {
        return;
    }
    let pick = pron
        .iter()
        .position(|p| p.stress == Some(2))
        .or_else(|| pron.iter().position(Phone::is_vowel));
    if let Some(i) = pick {
        pron[i].stress = Some(1);
    }
}

/// Lower-case ASCII letters and apostrophes of `word`, accents folded; other
/// characters are dropped.
pub(crate) fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for ch in word.chars().flat_map(char::to_lowercase) {
        match ch {
            'a'..='z' | '\'' => out.push(ch),
            '\u{2019}' | '\u{2018}' | '`' | '\u{b4}' => out.push('\''),
            _ => out.push_str(fold_char(ch)),
        }
    }
    out
}

/// The ASCII letters of an accented Latin letter (lower case), or "".
fn fold_char(c: char) -> &'static str {
    match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' | 'ǎ' | 'ª' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è'..='ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì'..='ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' | 'ǐ' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ŋ' => "ng",
        'ò'..='ö' | 'ø' | 'ō' | 'ŏ' | 'ő' | 'ǒ' | 'º' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù'..='ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' | 'ǔ' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spell(p: &Pron) -> String {
        p.iter()
            .map(|ph| match ph.stress {
                Some(s) => format!("{}{s}", ph.base()),
                None => ph.base().to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn bases(p: &Pron) -> Vec<&'static str> {
        p.iter().map(Phone::base).collect()
    }

    #[test]
    fn the_model_is_sorted_and_every_label_parses() {
        let mut prev = "";
        let mut lines = 0;
        for line in MODEL.lines() {
            let (key, label) = line.split_once(' ').expect(line);
            assert!(key.as_bytes() > prev.as_bytes(), "{prev} then {key}");
            assert_eq!(key.matches('.').count(), 2, "{line}");
            if label != "-" {
                for t in label.split('_') {
                    assert!(Phone::parse(t).is_ok(), "{line}");
                }
            }
            prev = key;
            lines += 1;
        }
        // Every single letter has an answer, so every window search ends somewhere.
        for c in ('a'..='z').chain(['\'']) {
            assert!(G2p::new().lookup(&format!(".{c}.")).is_some(), "{c}");
        }
        assert!(lines > 1000);
    }

    #[test]
    fn made_up_words_sound_plausible() {
        let g2p = G2p::new();
        let blorft = bases(&g2p.pronounce("blorft").unwrap());
        assert_eq!(&blorft[..2], ["B", "L"], "{blorft:?}");
        assert_eq!(&blorft[blorft.len() - 2..], ["F", "T"], "{blorft:?}");
        let quiz = g2p.pronounce("quizzaciously").unwrap();
        let q = bases(&quiz);
        assert_eq!(&q[..3], ["K", "W", "IH"], "{}", spell(&quiz));
        assert_eq!(&q[q.len() - 3..], ["S", "L", "IY"], "{}", spell(&quiz));
        let zorblax = bases(&g2p.pronounce("Zorblax").unwrap());
        assert_eq!(zorblax.first(), Some(&"Z"));
        assert_eq!(&zorblax[zorblax.len() - 2..], ["K", "S"], "{zorblax:?}");
        assert!(
            !zorblax.windows(2).any(|w| w == ["AO", "ER"]),
            "{zorblax:?}"
        );
        // Doubled letters are one consonant; a vowel letter before r keeps its syllable.
        let z = bases(&g2p.pronounce("zyzzyva").unwrap());
        assert!(!z.windows(2).any(|w| w == ["Z", "Z"]), "{z:?}");
        assert!(blorft.iter().any(|p| Phone::parse(p).unwrap().is_vowel()));
        let ship = bases(&g2p.pronounce("shipperton").unwrap());
        assert_eq!(&ship[..3], ["SH", "IH", "P"], "{ship:?}");
    }

    #[test]
    fn accents_fold_and_case_is_ignored() {
        let g2p = G2p::new();
        assert_eq!(g2p.pronounce("café"), g2p.pronounce("cafe"));
        assert_eq!(g2p.pronounce("NAÏVE"), g2p.pronounce("naive"));
        assert_eq!(fold("Straße-Œuvre’s 3"), "strasseoeuvre's");
    }

    #[test]
    fn never_panics_and_always_says_something() {
        let g2p = G2p::new();
        let long = "abcdefghijklmnopqrstuvwxyz".repeat(10);
        let weird = [
            "",
            " ",
            "'",
            "''''",
            "-",
            "42",
            "3rd",
            "x",
            "q",
            "hh",
            "brrr",
            "rock'n'roll",
            "o'neill'",
            "well-known",
            "café",
            "naïve",
            "ÆØÅ",
            "ß",
            "straße",
            "a\u{301}",
            "mañana",
            "привет",
            "你好",
            "h2o",
            "e=mc²",
            "\u{0}\u{7f}",
            "🎉x🎉",
            "zzzzzzzzzzzzzzzzzzzzzz",
            "aaaaaaaaaaaaaaaaaaaa",
            "yyyy",
            "''x''",
            &long,
        ];
        for w in weird {
            let has_letter = fold(w).bytes().any(|b| b.is_ascii_lowercase());
            match g2p.pronounce(w) {
                Some(p) => {
                    assert!(has_letter, "{w:?}");
                    assert!(!p.is_empty(), "{w:?}");
                    for ph in &p {
                        let token = spell(&vec![*ph]);
                        assert_eq!(Phone::parse(&token).unwrap(), *ph, "{w:?}");
                        assert_eq!(ph.is_vowel(), ph.stress.is_some());
                    }
                    if p.iter().any(Phone::is_vowel) {
                        assert!(p.iter().any(|ph| ph.stress == Some(1)), "{w:?}");
                    }
                    assert!(!crate::syllabify(&p).is_empty(), "{w:?}");
                }
                None => assert!(!has_letter, "{w:?}"),
            }
        }
        assert!(g2p.pronounce(&long).unwrap().len() >= 200);
    }
}

//! Syllabification of a pronunciation by the maximal onset principle: the
//! consonants between two vowels go to the later syllable as far as they
//! form an onset English allows (`hello` → `h ax · l ow`, `extra` → `eh k · s t r ax`).

use std::ops::Range;

use crate::phones::{Alphabet, Phone};

/// Onsets of two and three consonants that English allows (single consonants
/// other than `NG` are always allowed).
const ONSETS: &[&[&str]] = &[
    &["P", "L"],
    &["P", "R"],
    &["P", "Y"],
    &["B", "L"],
    &["B", "R"],
    &["B", "Y"],
    &["T", "R"],
    &["T", "W"],
    &["D", "R"],
    &["D", "W"],
    &["K", "L"],
    &["K", "R"],
    &["K", "W"],
    &["K", "Y"],
    &["G", "L"],
    &["G", "R"],
    &["G", "W"],
    &["G", "Y"],
    &["F", "L"],
    &["F", "R"],
    &["F", "Y"],
    &["V", "Y"],
    &["TH", "R"],
    &["TH", "W"],
    &["SH", "R"],
    &["S", "P"],
    &["S", "T"],
    &["S", "K"],
    &["S", "M"],
    &["S", "N"],
    &["S", "L"],
    &["S", "W"],
    &["S", "F"],
    &["M", "Y"],
    &["N", "Y"],
    &["HH", "Y"],
    &["L", "Y"],
    &["S", "P", "L"],
    &["S", "P", "R"],
    &["S", "P", "Y"],
    &["S", "T", "R"],
    &["S", "K", "R"],
    &["S", "K", "W"],
    &["S", "K", "L"],
    &["S", "K", "Y"],
    &["S", "M", "Y"],
];

fn legal_onset(c: &[Phone]) -> bool {
    match c {
        [] => true,
        [one] => one.base() != "NG",
        _ => ONSETS
            .iter()
            .any(|o| o.len() == c.len() && o.iter().zip(c).all(|(a, p)| *a == p.base())),
    }
}

/// Split a pronunciation into syllables: ranges of phone indices covering it
/// in order, one per vowel (a pronunciation without vowels is one syllable).
///
/// ```
/// use elocute_lexicon::{syllabify, Lexicon};
/// let lex = Lexicon::cmudict();
/// let hello = lex.pronounce("hello").unwrap();
/// assert_eq!(syllabify(&hello), vec![0..2, 2..4]);
/// ```
pub fn syllabify(pron: &[Phone]) -> Vec<Range<usize>> {
    let vowels: Vec<usize> = (0..pron.len()).filter(|&i| pron[i].is_vowel()).collect();
    if vowels.len() <= 1 {
        // One syllable (or none for an empty pronunciation).
        return std::iter::once(0..pron.len())
            .filter(|r| !r.is_empty())
            .collect();
    }
    let mut starts = vec![0];
    for pair in vowels.windows(2) {
        let (v1, v2) = (pair[0], pair[1]);
        // The longest legal onset among the consonants between the vowels starts the next syllable.
        let mut start = v2;
        while start > v1 + 1 && legal_onset(&pron[start - 1..v2]) {
            start -= 1;
        }
        starts.push(start);
    }
    starts.push(pron.len());
    starts.windows(2).map(|w| w[0]..w[1]).collect()
}

/// A syllable written in `alphabet`: IPA phones run together (`hɛ`), SAPI
/// phones joined by spaces (`h eh`).
pub fn spell_syllable(phones: &[Phone], alphabet: Alphabet) -> String {
    let parts = phones.iter().map(|p| p.spell(alphabet));
    match alphabet {
        Alphabet::Ipa => parts.collect(),
        Alphabet::Sapi => parts.collect::<Vec<_>>().join(" "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Lexicon;

    fn split(word: &str) -> Vec<String> {
        let p = Lexicon::cmudict().pronounce(word).unwrap();
        syllabify(&p)
            .into_iter()
            .map(|r| spell_syllable(&p[r], Alphabet::Ipa))
            .collect()
    }

    #[test]
    fn documented_examples() {
        assert_eq!(split("hello"), ["hə", "loʊ"]);
        assert_eq!(split("luck"), ["lʌk"]);
        // The service's own example, with its pronunciation.
        let mut lex = Lexicon::cmudict();
        lex.add_entries("PHOTOSYNTHESIS  F OW2 T AH0 S IH1 N TH AH0 S IH0 S", "test")
            .unwrap();
        let p = lex.pronounce("photosynthesis").unwrap();
        let s: Vec<_> = syllabify(&p)
            .into_iter()
            .map(|r| spell_syllable(&p[r], Alphabet::Ipa))
            .collect();
        assert_eq!(s, ["foʊ", "tə", "sɪn", "θə", "sɪs"]);
    }

    #[test]
    fn clusters_split_at_legal_onsets() {
        assert_eq!(split("extra"), ["ɛk", "stɹə"]);
        assert_eq!(split("sprinkler"), ["spɹɪŋ", "klɚ"]);
        // NG never starts a syllable.
        assert_eq!(split("singer"), ["sɪŋ", "ɚ"]);
    }

    #[test]
    fn ranges_tile_the_pronunciation() {
        for w in [
            "a",
            "strengths",
            "unbelievable",
            "rhythm",
            "hmm",
            "technological",
        ] {
            let p = Lexicon::cmudict().pronounce(w).unwrap();
            let s = syllabify(&p);
            assert_eq!(s.first().unwrap().start, 0, "{w}");
            assert_eq!(s.last().unwrap().end, p.len(), "{w}");
            for pair in s.windows(2) {
                assert_eq!(pair[0].end, pair[1].start, "{w}");
            }
            let vowels = p.iter().filter(|x| x.is_vowel()).count();
            assert_eq!(s.len(), vowels.max(1), "{w}");
        }
    }
}

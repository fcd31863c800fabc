//! Arbitrary UTF-8 as a reference text: normalisation, lexicon lookups and the
//! reading of SSML `<phoneme>` pronunciations never panic, and every normalised
//! word is a non-empty lower-case token without whitespace.
#![no_main]

use std::sync::OnceLock;

use elocute_lexicon::{normalize, parse_pronunciation, Lexicon};
use libfuzzer_sys::fuzz_target;

fn lexicon() -> &'static Lexicon {
    static L: OnceLock<Lexicon> = OnceLock::new();
    L.get_or_init(Lexicon::cmudict)
}

fuzz_target!(|text: &str| {
    for w in normalize(text) {
        assert!(!w.word.is_empty(), "empty word from {text:?}");
        assert!(
            !w.word.chars().any(char::is_whitespace),
            "whitespace inside {:?}",
            w.word
        );
        for pron in lexicon().pronunciations(&w.word) {
            assert!(!pron.is_empty(), "empty pronunciation of {:?}", w.word);
        }
        let _ = lexicon().pronounce(&w.word);
        if let Some(g) = &w.given {
            if let Ok(pron) = parse_pronunciation(&g.ph, &g.alphabet) {
                assert!(!pron.is_empty(), "empty given pronunciation {g:?}");
            }
        }
    }
});

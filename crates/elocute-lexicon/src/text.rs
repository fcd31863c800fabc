//! Reference-text normalisation: from what a user typed to the words that are
//! looked up and scored.

/// One word of the reference text, as it will be assessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefWord {
    /// Lower-case lexical form, the key into the lexicon and the `Word` of the output.
    pub word: String,
    /// Punctuation that followed the word in the original (for pause rules), if any.
    pub punct_after: Option<char>,
}

/// Split a reference text into words: lower-case, curly quotes straightened,
/// surrounding punctuation removed (internal apostrophes kept), hyphenated and
/// slashed compounds split into their parts. Tokens with no letter or digit vanish.
///
/// ```
/// use elocute_lexicon::normalize;
/// let w = normalize("Hello, world! It’s well-known.");
/// let words: Vec<_> = w.iter().map(|w| w.word.as_str()).collect();
/// assert_eq!(words, ["hello", "world", "it's", "well", "known"]);
/// assert_eq!(w[0].punct_after, Some(','));
/// ```
pub fn normalize(text: &str) -> Vec<RefWord> {
    let mut out: Vec<RefWord> = Vec::new();
    for token in text.split(|c: char| c.is_whitespace() || matches!(c, '-' | '–' | '—' | '/')) {
        let token: String = token
            .chars()
            .map(|c| match c {
                '\u{2019}' | '\u{2018}' | '`' | '\u{b4}' => '\'',
                c => c,
            })
            .collect();
        let is_core = |c: char| c.is_alphanumeric();
        let (Some(first), Some(last)) = (token.find(is_core), token.rfind(is_core)) else {
            // A punctuation-only token belongs to the previous word (e.g. "word ,").
            if let (Some(prev), Some(p)) =
                (out.last_mut(), token.chars().find(|c| is_break_punct(*c)))
            {
                prev.punct_after.get_or_insert(p);
            }
            continue;
        };
        let last_end = last + token[last..].chars().next().map_or(1, char::len_utf8);
        let core = &token[first..last_end];
        let word: String = core
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '\'' || *c == '.')
            .flat_map(char::to_lowercase)
            .collect();
        let punct_after = token[last_end..].chars().find(|c| is_break_punct(*c));
        out.push(RefWord { word, punct_after });
    }
    out
}

/// Punctuation after which a reader is expected to pause.
fn is_break_punct(c: char) -> bool {
    matches!(c, ',' | '.' | ';' | ':' | '!' | '?' | '…' | ')' | '"')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(t: &str) -> Vec<String> {
        normalize(t).into_iter().map(|w| w.word).collect()
    }

    #[test]
    fn punctuation_and_case() {
        assert_eq!(words("  GOOD morning!!  "), ["good", "morning"]);
        assert_eq!(words("\"Quoted\" (words)"), ["quoted", "words"]);
        assert_eq!(words("rock 'n' roll"), ["rock", "n", "roll"]);
        assert_eq!(words("don't"), ["don't"]);
        assert_eq!(words("... ?! --"), Vec::<String>::new());
        assert_eq!(words(""), Vec::<String>::new());
    }

    #[test]
    fn pause_marks_follow_their_word() {
        let w = normalize("yes , no; maybe");
        assert_eq!(w[0].punct_after, Some(','));
        assert_eq!(w[1].punct_after, Some(';'));
        assert_eq!(w[2].punct_after, None);
    }

    #[test]
    fn abbreviations_keep_inner_dots() {
        assert_eq!(
            words("Mr. Smith, e.g. this."),
            ["mr", "smith", "e.g", "this"]
        );
    }
}

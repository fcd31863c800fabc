//! Reference-text normalisation: from what a user typed to the words that are
//! looked up and scored.

use crate::numbers::{abbreviation, spoken_number};

/// One word of the reference text, as it will be assessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefWord {
    /// Lower-case lexical form, the key into the lexicon and the `Word` of the output.
    pub word: String,
    /// Punctuation that followed the word in the original (for pause rules), if any.
    pub punct_after: Option<char>,
    /// The pronunciation the text itself gives (an SSML `<phoneme>` element),
    /// which replaces the lexicon's; `None` for ordinary words.
    pub given: Option<GivenPronunciation>,
}

/// A pronunciation written into the reference text with SSML's
/// `<phoneme alphabet="ipa" ph="təˈmɑːtoʊ">tomato</phoneme>`; read it with
/// [`parse_pronunciation`](crate::parse_pronunciation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenPronunciation {
    /// The `alphabet` attribute (`ipa` when absent).
    pub alphabet: String,
    /// The `ph` attribute.
    pub ph: String,
}

/// Split a reference text into the words a reader says: lower-case, curly
/// quotes straightened, markup tags and surrounding punctuation removed
/// (internal apostrophes kept), hyphenated and slashed compounds split,
/// numbers, ordinals, years, money, percentages and times spelled out,
/// common abbreviations expanded and dotted initialisms split into letters.
/// Tokens with no letter or digit vanish.
///
/// An SSML `<phoneme alphabet="..." ph="...">words</phoneme>` element becomes
/// one word (its words joined by hyphens, or the `ph` text, lower case, spaces
/// as hyphens, when it encloses none) that carries the given pronunciation in
/// [`RefWord::given`].
///
/// ```
/// use elocute_lexicon::normalize;
/// let w = normalize("Hello, world! It’s well-known: Dr. Who had 3 cats in the U.S.");
/// let words: Vec<_> = w.iter().map(|w| w.word.as_str()).collect();
/// assert_eq!(
///     words,
///     ["hello", "world", "it's", "well", "known", "doctor", "who", "had", "three", "cats", "in", "the", "u", "s"]
/// );
/// assert_eq!(w[0].punct_after, Some(','));
///
/// let w = normalize(r#"I say <phoneme alphabet="ipa" ph="təˈmɑːtoʊ">tomato</phoneme>."#);
/// assert_eq!(w[2].word, "tomato");
/// assert_eq!(w[2].given.as_ref().unwrap().ph, "təˈmɑːtoʊ");
/// assert_eq!(w[2].punct_after, Some('.'));
/// ```
pub fn normalize(text: &str) -> Vec<RefWord> {
    let mut out: Vec<RefWord> = Vec::new();
    let mut rest = text;
    while let Some((before, element, after)) = next_phoneme_element(rest) {
        normalize_into(before, &mut out);
        let inner = normalize(element.inner);
        // One token like every other word (apps split `Lexical` on spaces).
        let word = if inner.is_empty() {
            element
                .ph
                .to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join("-")
        } else {
            inner
                .iter()
                .map(|w| w.word.as_str())
                .collect::<Vec<_>>()
                .join("-")
        };
        if !word.is_empty() {
            out.push(RefWord {
                word,
                punct_after: inner.last().and_then(|w| w.punct_after),
                given: Some(GivenPronunciation {
                    alphabet: element.alphabet.unwrap_or("ipa").to_string(),
                    ph: element.ph.to_string(),
                }),
            });
        }
        rest = after;
    }
    normalize_into(rest, &mut out);
    out
}

/// An SSML `<phoneme>` element found in the text.
struct PhonemeElement<'a> {
    alphabet: Option<&'a str>,
    ph: &'a str,
    inner: &'a str,
}

/// The first `<phoneme ...>` element with a `ph` attribute: the text before
/// it, the element, and the text after its end tag (an element left open runs
/// to the end of the text). Elements without `ph` are left to be stripped as
/// ordinary markup.
fn next_phoneme_element(text: &str) -> Option<(&str, PhonemeElement<'_>, &str)> {
    // ASCII lower-casing keeps byte offsets, so positions carry over to `text`.
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    loop {
        let start = from + lower[from..].find("<phoneme")?;
        let tag_end = start + lower[start..].find('>')?;
        from = tag_end;
        let tag = &text[start + "<phoneme".len()..tag_end];
        if !tag.is_empty() && !tag.starts_with(char::is_whitespace) && !tag.starts_with('/') {
            continue; // e.g. <phonemes>
        }
        let Some(ph) = attribute(tag, "ph") else {
            continue;
        };
        let alphabet = attribute(tag, "alphabet");
        let body = tag_end + 1;
        let (inner, after) = if tag.trim_end().ends_with('/') {
            ("", &text[body..])
        } else {
            match lower[body..].find("</phoneme") {
                Some(i) => {
                    let close = body + i;
                    let close_end = lower[close..]
                        .find('>')
                        .map_or(text.len(), |j| close + j + 1);
                    (&text[body..close], &text[close_end..])
                }
                None => (&text[body..], ""),
            }
        };
        let element = PhonemeElement {
            alphabet,
            ph,
            inner,
        };
        return Some((&text[..start], element, after));
    }
}

/// The value of `name="..."` (or single-quoted) inside a tag.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let boundary = at == 0 || lower[..at].ends_with(char::is_whitespace);
        let rest = lower[from..].trim_start();
        if !boundary || !rest.starts_with('=') {
            continue;
        }
        let value_at = tag.len() - rest.len() + 1;
        let value = tag[value_at..].trim_start();
        let quote = value.chars().next().filter(|q| matches!(q, '"' | '\''))?;
        let value = &value[1..];
        return value.find(quote).map(|end| &value[..end]);
    }
    None
}

/// [`normalize`] for text without `<phoneme>` elements, appending to `out`
/// (punctuation at the start of `text` attaches to the word before it).
fn normalize_into(text: &str, out: &mut Vec<RefWord>) {
    let text = strip_tags(text);
    for token in text.split(|c: char| c.is_whitespace() || matches!(c, '-' | '–' | '—' | '/')) {
        let token: String = token
            .chars()
            .map(|c| match c {
                '\u{2019}' | '\u{2018}' | '`' | '\u{b4}' => '\'',
                c => c,
            })
            .collect();
        if token == "&" {
            out.push(RefWord {
                word: "and".into(),
                punct_after: None,
                given: None,
            });
            continue;
        }
        let lead = |c: char| c.is_alphanumeric() || matches!(c, '$' | '£' | '€');
        let trail = |c: char| c.is_alphanumeric() || c == '%';
        let (Some(first), Some(last)) = (token.find(lead), token.rfind(trail)) else {
            // A punctuation-only token belongs to the previous word (e.g. "word ,").
            if let (Some(prev), Some(p)) =
                (out.last_mut(), token.chars().find(|c| is_break_punct(*c)))
            {
                prev.punct_after.get_or_insert(p);
            }
            continue;
        };
        let last_end = last + token[last..].chars().next().map_or(1, char::len_utf8);
        if first >= last_end {
            continue;
        }
        let core = token[first..last_end].to_lowercase();
        let rest = &token[last_end..];
        let punct_after = rest.chars().find(|c| is_break_punct(*c));
        let words = spoken_words(&core, rest.starts_with('.'));
        let n = words.len();
        for (i, word) in words.into_iter().enumerate() {
            out.push(RefWord {
                word,
                punct_after: if i + 1 == n { punct_after } else { None },
                given: None,
            });
        }
    }
}

/// The words of one token (lower case, surrounding punctuation removed).
fn spoken_words(core: &str, dotted: bool) -> Vec<String> {
    if core.chars().any(|c| c.is_ascii_digit()) {
        if let Some(w) = spoken_number(core) {
            return w;
        }
        // Mixed letters and digits ("mp3", "b12"): each run on its own.
        let mut out = Vec::new();
        let mut run = String::new();
        let flush = |run: &mut String, out: &mut Vec<String>| {
            if run.is_empty() {
                return;
            }
            let r = std::mem::take(run);
            match r.parse::<u64>() {
                Ok(n) => out.extend(crate::numbers::cardinal(n)),
                Err(_) => out.extend(plain_words(&r)),
            }
        };
        for c in core.chars() {
            if !run.is_empty()
                && run.chars().last().is_some_and(|p| p.is_ascii_digit()) != c.is_ascii_digit()
            {
                flush(&mut run, &mut out);
            }
            if c.is_alphanumeric() {
                run.push(c);
            } else {
                flush(&mut run, &mut out);
            }
        }
        flush(&mut run, &mut out);
        return out;
    }
    let word: String = core
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '\'' || *c == '.')
        .collect();
    if dotted || word.contains('.') {
        if let Some(a) = abbreviation(&word) {
            return a.iter().map(|s| s.to_string()).collect();
        }
    }
    plain_words(&word)
}

/// A word; dotted initialisms ("u.s") become their letters.
fn plain_words(word: &str) -> Vec<String> {
    word.split('.')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Remove markup such as `<speak>` or `<break time="1s"/>`.
fn strip_tags(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('<') {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '<' => depth += 1,
            '>' if depth > 0 => {
                depth -= 1;
                out.push(' ');
            }
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out.into()
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
    fn numbers_and_markup() {
        assert_eq!(words("I have 3 cats."), ["i", "have", "three", "cats"]);
        assert_eq!(
            words("It costs $4.99 (20% off)"),
            [
                "it", "costs", "four", "dollars", "ninety", "nine", "cents", "twenty", "percent",
                "off"
            ]
        );
        assert_eq!(
            words("<speak>hello <break time='1s'/> there</speak>"),
            ["hello", "there"]
        );
        assert_eq!(words("mp3 & B12"), ["mp", "three", "and", "b", "twelve"]);
        assert_eq!(
            words("On May 5th, 1999"),
            ["on", "may", "fifth", "nineteen", "ninety", "nine"]
        );
        assert_eq!(words("😀 !!"), Vec::<String>::new());
        let w = normalize("at 3:30, then");
        assert_eq!(w[2].word, "thirty");
        assert_eq!(w[2].punct_after, Some(','));
    }

    #[test]
    fn pause_marks_follow_their_word() {
        let w = normalize("yes , no; maybe");
        assert_eq!(w[0].punct_after, Some(','));
        assert_eq!(w[1].punct_after, Some(';'));
        assert_eq!(w[2].punct_after, None);
    }

    #[test]
    fn abbreviations_and_initialisms() {
        assert_eq!(
            words("Mr. Smith, e.g. this."),
            ["mister", "smith", "for", "example", "this"]
        );
        assert_eq!(
            words("the U.S.A. and NATO"),
            ["the", "u", "s", "a", "and", "nato"]
        );
        // Without its full stop a word is just a word.
        assert_eq!(words("Dr Who"), ["dr", "who"]);
    }

    #[test]
    fn ssml_phoneme_elements_give_pronunciations() {
        let w = normalize(
            "<speak>Say <PHONEME ALPHABET='sapi' PH='t ax m aa t ow'>Tomato</PHONEME>, \
             <phoneme ph=\"njuː jɔːk\">New York</phoneme> and <phoneme ph=\"bɑ\"/> now",
        );
        let got: Vec<_> = w
            .iter()
            .map(|w| {
                (
                    w.word.as_str(),
                    w.given
                        .as_ref()
                        .map(|g| (g.alphabet.as_str(), g.ph.as_str())),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("say", None),
                ("tomato", Some(("sapi", "t ax m aa t ow"))),
                ("new-york", Some(("ipa", "njuː jɔːk"))),
                ("and", None),
                ("bɑ", Some(("ipa", "bɑ"))),
                ("now", None),
            ]
        );
        assert_eq!(w[1].punct_after, Some(','));
        // Without `ph` the element is ordinary markup; `<phonemes>` is not one.
        let w = normalize("<phoneme alphabet='ipa'>cat</phoneme> <phonemes ph='x'>dog</phonemes>");
        assert_eq!(w.len(), 2);
        assert!(w.iter().all(|w| w.given.is_none()));
        assert_eq!(
            words("<phoneme alphabet='ipa'>cat</phoneme> dog"),
            ["cat", "dog"]
        );
        // An element left open runs to the end; an empty `ph` gives no word.
        let w = normalize("a <phoneme ph='kæt'>cat sat");
        assert_eq!(w.last().unwrap().word, "cat-sat");
        assert_eq!(words("<phoneme alphabet='sapi' ph=' B  aa '/>"), ["b-aa"]);
        assert_eq!(words("a <phoneme ph=''/> b"), ["a", "b"]);
        // Truncated or odd markup never panics and yields only whitespace-free tokens.
        for t in [
            "<phoneme",
            "<phoneme ph=",
            "<phoneme ph='",
            "<phoneme ph=\"ə\"",
            "<phoneme ph='ə'>",
            "<phoneme\tph='é'>x</phoneme",
            "<phoneme ph ='ə' >x</phoneme >y",
            "<phoneme aph='x' ph=\"ɑ\">é</phoneme>",
            "<phoneme ph='ə'><phoneme ph='ɪ'>x</phoneme></phoneme>",
            "x<phoneme ph='日本'>語</phoneme>",
        ] {
            for w in normalize(t) {
                assert!(
                    !w.word.is_empty() && !w.word.contains(char::is_whitespace),
                    "{t:?}: {w:?}"
                );
            }
        }
        assert_eq!(
            normalize("<phoneme aph='x' ph=\"ɑ\">é</phoneme>")[0]
                .given
                .as_ref()
                .unwrap()
                .ph,
            "ɑ"
        );
    }
}

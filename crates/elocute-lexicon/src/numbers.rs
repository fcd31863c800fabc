//! Spoken forms of numbers, ordinals, years, money, percentages, times and
//! common abbreviations, so a reference text can be read as written.

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = [
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const SCALES: [(u64, &str); 4] = [
    (1_000_000_000_000, "trillion"),
    (1_000_000_000, "billion"),
    (1_000_000, "million"),
    (1_000, "thousand"),
];

/// Cardinal words of `n` (`2024` → `two thousand twenty four`).
pub fn cardinal(n: u64) -> Vec<String> {
    let mut out = Vec::new();
    cardinal_into(n, &mut out);
    out.into_iter().map(String::from).collect()
}

fn cardinal_into(mut n: u64, out: &mut Vec<&'static str>) {
    if n < 20 {
        out.push(ONES[n as usize]);
        return;
    }
    for (scale, name) in SCALES {
        if n >= scale {
            cardinal_into(n / scale, out);
            out.push(name);
            n %= scale;
            if n == 0 {
                return;
            }
        }
    }
    if n >= 100 {
        out.push(ONES[(n / 100) as usize]);
        out.push("hundred");
        n %= 100;
        if n == 0 {
            return;
        }
    }
    if n < 20 {
        out.push(ONES[n as usize]);
    } else {
        out.push(TENS[(n / 10) as usize]);
        if !n.is_multiple_of(10) {
            out.push(ONES[(n % 10) as usize]);
        }
    }
}

/// Ordinal words of `n` (`21` → `twenty first`).
pub fn ordinal(n: u64) -> Vec<String> {
    let mut w = cardinal(n);
    if let Some(last) = w.last_mut() {
        *last = match last.as_str() {
            "one" => "first".into(),
            "two" => "second".into(),
            "three" => "third".into(),
            "five" => "fifth".into(),
            "eight" => "eighth".into(),
            "nine" => "ninth".into(),
            "twelve" => "twelfth".into(),
            s if s.ends_with('y') => format!("{}ieth", &s[..s.len() - 1]),
            s => format!("{s}th"),
        };
    }
    w
}

/// A year as read aloud (`1999` → `nineteen ninety nine`, `2005` → `two thousand five`).
pub fn year(n: u64) -> Vec<String> {
    let (hi, lo) = (n / 100, n % 100);
    if !(1100..=2099).contains(&n) || (2000..2010).contains(&n) {
        return cardinal(n);
    }
    let mut w = cardinal(hi);
    match lo {
        0 => w.push("hundred".into()),
        1..=9 => {
            w.push("oh".into());
            w.extend(cardinal(lo));
        }
        _ => w.extend(cardinal(lo)),
    }
    w
}

fn digits(s: &str) -> Vec<String> {
    s.chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| ONES[d as usize].to_string())
        .collect()
}

fn parse_int(s: &str) -> Option<u64> {
    let plain: String = s.chars().filter(|&c| c != ',').collect();
    if plain.is_empty() || !plain.chars().all(|c| c.is_ascii_digit()) || plain.len() > 15 {
        return None;
    }
    // Commas must group thousands ("1,000"), not separate list items ("1,2").
    if s.contains(',') && !s.split(',').skip(1).all(|g| g.len() == 3) {
        return None;
    }
    plain.parse().ok()
}

/// A number with optional decimals (`3.14` → `three point one four`).
fn number(s: &str) -> Option<Vec<String>> {
    match s.split_once('.') {
        Some((int, frac)) if !frac.is_empty() && frac.chars().all(|c| c.is_ascii_digit()) => {
            let mut w = if int.is_empty() {
                vec!["zero".to_string()]
            } else {
                cardinal(parse_int(int)?)
            };
            w.push("point".into());
            w.extend(digits(frac));
            Some(w)
        }
        None => parse_int(s).map(cardinal),
        _ => None,
    }
}

fn plural(mut w: Vec<String>) -> Vec<String> {
    if let Some(last) = w.last_mut() {
        *last = match last.strip_suffix('y') {
            Some(stem) => format!("{stem}ies"),
            None if last.ends_with('x') => format!("{last}es"),
            None => format!("{last}s"),
        };
    }
    w
}

/// The spoken words of a token holding digits (lower-case, surrounding
/// punctuation already removed), or `None` when it is not a number form.
///
/// ```
/// use elocute_lexicon::spoken_number;
/// let s = |t| spoken_number(t).unwrap().join(" ");
/// assert_eq!(s("42"), "forty two");
/// assert_eq!(s("1,250"), "one thousand two hundred fifty");
/// assert_eq!(s("3rd"), "third");
/// assert_eq!(s("1999"), "nineteen ninety nine");
/// assert_eq!(s("$5.50"), "five dollars fifty cents");
/// assert_eq!(s("20%"), "twenty percent");
/// assert_eq!(s("3:30"), "three thirty");
/// assert_eq!(s("1990s"), "nineteen nineties");
/// ```
pub fn spoken_number(token: &str) -> Option<Vec<String>> {
    let t = token.trim();
    if let Some(rest) = t.strip_suffix('%') {
        let mut w = number(rest)?;
        w.push("percent".into());
        return Some(w);
    }
    for (sym, unit, cents) in [
        ('$', "dollar", "cent"),
        ('£', "pound", "penny"),
        ('€', "euro", "cent"),
    ] {
        if let Some(rest) = t.strip_prefix(sym) {
            let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
            let n = parse_int(int)?;
            let mut w = cardinal(n);
            w.push(if n == 1 {
                unit.to_string()
            } else {
                format!("{unit}s")
            });
            if !frac.is_empty() {
                let c = frac.parse::<u64>().ok().filter(|_| frac.len() == 2)?;
                if c > 0 {
                    w.extend(cardinal(c));
                    w.push(match (c, cents) {
                        (1, _) => cents.to_string(),
                        (_, "penny") => "pence".into(),
                        _ => format!("{cents}s"),
                    });
                }
            }
            return Some(w);
        }
    }
    if let Some((h, m)) = t.split_once(':') {
        let (h, m) = (parse_int(h).filter(|h| *h <= 24)?, m);
        let min = m.get(..2).and_then(parse_int).filter(|m| *m < 60)?;
        let mut w = cardinal(h);
        match min {
            0 => w.push("o'clock".into()),
            1..=9 => {
                w.push("oh".into());
                w.extend(cardinal(min));
            }
            _ => w.extend(cardinal(min)),
        }
        match &m[2..] {
            "" => {}
            "am" => w.extend(["a".into(), "m".into()]),
            "pm" => w.extend(["p".into(), "m".into()]),
            _ => return None,
        }
        return Some(w);
    }
    for suffix in ["st", "nd", "rd", "th"] {
        if let Some(n) = t.strip_suffix(suffix).and_then(parse_int) {
            return Some(ordinal(n));
        }
    }
    if let Some(n) = t.strip_suffix('s').and_then(parse_int) {
        let spoken = if (1100..=2099).contains(&n) {
            year(n)
        } else {
            cardinal(n)
        };
        return Some(plural(spoken));
    }
    if !t.contains(',') && t.len() == 4 {
        if let Some(n) = parse_int(t) {
            return Some(year(n));
        }
    }
    number(t)
}

/// The spoken form of an abbreviation written with a full stop, if known.
pub fn abbreviation(word: &str) -> Option<&'static [&'static str]> {
    Some(match word {
        "mr" => &["mister"],
        "mrs" => &["missus"],
        "ms" => &["miz"],
        "dr" => &["doctor"],
        "st" => &["saint"],
        "jr" => &["junior"],
        "sr" => &["senior"],
        "prof" => &["professor"],
        "vs" => &["versus"],
        "etc" => &["et", "cetera"],
        "e.g" => &["for", "example"],
        "i.e" => &["that", "is"],
        "a.m" => &["a", "m"],
        "p.m" => &["p", "m"],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> String {
        spoken_number(t)
            .map(|w| w.join(" "))
            .unwrap_or_else(|| "-".into())
    }

    #[test]
    fn cardinals() {
        assert_eq!(cardinal(0).join(" "), "zero");
        assert_eq!(cardinal(15).join(" "), "fifteen");
        assert_eq!(cardinal(100).join(" "), "one hundred");
        assert_eq!(cardinal(1_000_001).join(" "), "one million one");
        assert_eq!(
            cardinal(999_999).join(" "),
            "nine hundred ninety nine thousand nine hundred ninety nine"
        );
    }

    #[test]
    fn forms() {
        assert_eq!(s("2005"), "two thousand five");
        assert_eq!(s("1900"), "nineteen hundred");
        assert_eq!(s("1905"), "nineteen oh five");
        assert_eq!(s("2024"), "twenty twenty four");
        assert_eq!(s("12th"), "twelfth");
        assert_eq!(s("40th"), "fortieth");
        assert_eq!(s("22nd"), "twenty second");
        assert_eq!(s("0.5"), "zero point five");
        assert_eq!(s("$1"), "one dollar");
        assert_eq!(s("£2.01"), "two pounds one penny");
        assert_eq!(s("7:05pm"), "seven oh five p m");
        assert_eq!(s("10:00"), "ten o'clock");
        assert_eq!(s("80s"), "eighties");
        assert_eq!(s("12345"), "twelve thousand three hundred forty five");
    }

    #[test]
    fn non_numbers_are_refused() {
        for t in [
            "1,2",
            "abc",
            "3:75",
            "$",
            "1.2.3",
            "99:00",
            "12345678901234567890",
        ] {
            assert_eq!(s(t), "-", "{t}");
        }
    }
}

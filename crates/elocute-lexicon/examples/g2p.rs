//! Print the G2P's guess for each word on the command line, and the time per word.
//!
//! ```text
//! cargo run --release -p elocute-lexicon --example g2p -- blorft zorblax quizzaciously
//! ```

use std::time::Instant;

use elocute_lexicon::G2p;

fn main() {
    let g2p = G2p::new();
    let words: Vec<String> = std::env::args().skip(1).collect();
    let start = Instant::now();
    g2p.pronounce("first");
    eprintln!("first word (indexes the table): {:?}", start.elapsed());
    for w in &words {
        let spelled = match g2p.pronounce(w) {
            Some(p) => p
                .iter()
                .map(|ph| ph.to_string())
                .collect::<Vec<_>>()
                .join(" "),
            None => "(no Latin letter)".into(),
        };
        println!("{w}\t{spelled}");
    }
    let reps = 2000;
    let start = Instant::now();
    for _ in 0..reps {
        for w in &words {
            std::hint::black_box(g2p.pronounce(std::hint::black_box(w)));
        }
    }
    let per = start.elapsed() / (reps * words.len().max(1)) as u32;
    eprintln!("{per:?} per word");
}

//! End-to-end behaviour of the library on synthesised speech.

use elocute::{Assessor, Error, Granularity, PronunciationAssessmentConfig, RecognitionStatus};
use elocute_tests::{
    assessor, hundred, opus_encode, speak, text_scores, tmpdir, webm_from_opus, with_silence,
    with_unknown_sizes,
};

const FOX: &str = "The quick brown fox jumps over the lazy dog.";

#[test]
fn right_text_scores_clearly_higher_than_wrong_text() {
    let dir = tmpdir("right-wrong");
    let wav = speak(&dir, "fox", FOX, 150);
    let right = assessor().assess_file(&wav, &hundred(FOX)).unwrap();
    let wrong = assessor()
        .assess_file(&wav, &hundred("She sells sea shells by the sea shore."))
        .unwrap();
    let (r, w) = (
        &right.nbest[0].pronunciation_assessment,
        &wrong.nbest[0].pronunciation_assessment,
    );
    eprintln!("right {r:?}\nwrong {w:?}");
    assert!(
        r.accuracy_score > w.accuracy_score + 15.0,
        "accuracy {} vs {}",
        r.accuracy_score,
        w.accuracy_score
    );
    assert!(r.pron_score.unwrap() > w.pron_score.unwrap() + 15.0);
    assert!(right.nbest[0].confidence > wrong.nbest[0].confidence);
}

#[test]
fn a_substituted_word_scores_lower_than_the_same_word_said_right() {
    let dir = tmpdir("substitute");
    let text = "I like red apples and green pears.";
    let good = speak(&dir, "good", text, 140);
    let bad = speak(&dir, "bad", "I like rod apples and green pears.", 140);
    let gop = Assessor::with_default_model().unwrap().without_scorer();
    let word = |a: &Assessor, wav| {
        let r = a.assess_file(wav, &hundred(text)).unwrap();
        let w = r.nbest[0]
            .words
            .iter()
            .find(|w| w.word == "red")
            .unwrap()
            .clone();
        (
            w.pronunciation_assessment.accuracy_score,
            r.nbest[0].pronunciation_assessment.accuracy_score,
        )
    };
    let ((good_red, good_all), (bad_red, bad_all)) =
        (word(assessor(), &good), word(assessor(), &bad));
    eprintln!(
        "red: said right {good_red}, said 'rod' {bad_red}; utterance {good_all} vs {bad_all}"
    );
    // The learned scorer is as lenient with one wrong vowel as the experts it learned from
    // (and more so on synthetic speech): lower, not far lower. The acoustic GOP is blunter.
    // One word in seven barely moves the learned utterance accuracy (99.2 vs 99.1 here).
    assert!(good_red > bad_red, "{good_red} vs {bad_red}");
    assert!(good_all + 1.0 > bad_all, "{good_all} vs {bad_all}");
    let ((good_red, good_all), (bad_red, bad_all)) = (word(&gop, &good), word(&gop, &bad));
    assert!(good_red > bad_red + 10.0, "GOP: {good_red} vs {bad_red}");
    assert!(good_all > bad_all, "GOP: {good_all} vs {bad_all}");
    // The blame stays on the wrong phone: /r/ and /d/ of "rod" keep their scores (the
    // service's phone scores smear across the word, a reported bug). GOP alone puts /eh/ far
    // below them; the learned scorer of nn-v6, as lenient with synthetic speech as above, only
    // puts it lowest (85 against 100; nn-v4's scorer gave 35: models/elocute-nn-v6/README.md).
    for (a, margin) in [(assessor(), 10.0), (&gop, 40.0)] {
        let r = a.assess_file(&bad, &hundred(text)).unwrap();
        let phones: Vec<(String, f64)> = r.nbest[0].words[2]
            .phonemes
            .iter()
            .map(|p| (p.phoneme.clone(), p.pronunciation_assessment.accuracy_score))
            .collect();
        assert_eq!(phones[1].0, "eh");
        assert!(
            phones[1].1 + margin < phones[0].1.min(phones[2].1)
                && phones[0].1.min(phones[2].1) >= 80.0,
            "{phones:?}"
        );
    }
}

#[test]
fn offsets_are_monotone_and_cover_the_speech() {
    let dir = tmpdir("offsets");
    let wav = speak(&dir, "fox", FOX, 160);
    let audio = elocute_audio::read_wav(&wav, Default::default()).unwrap();
    let ticks_total = audio.len() as u64 * 10_000_000 / 16_000;
    let r = assessor().assess_file(&wav, &hundred(FOX)).unwrap();
    let words = &r.nbest[0].words;
    assert_eq!(words.len(), 9);
    let mut last_end = 0;
    for w in words {
        assert!(
            w.offset >= last_end,
            "{} starts before the previous word ends",
            w.word
        );
        assert!(w.duration > 0);
        let mut p_end = w.offset;
        for p in &w.phonemes {
            assert_eq!(p.offset, p_end, "phones of {} tile the word", w.word);
            assert!(p.duration >= 300_000, "a phone lasts at least 3 frames");
            p_end = p.offset + p.duration;
        }
        assert_eq!(p_end, w.offset + w.duration);
        last_end = w.offset + w.duration;
    }
    assert!(last_end <= ticks_total + 100_000);
    // The words span most of the recording (espeak leaves little silence).
    let span = last_end - words[0].offset;
    assert!(
        span as f64 > 0.7 * ticks_total as f64,
        "words span {span} of {ticks_total} ticks"
    );
    assert_eq!(r.offset, words[0].offset);
    assert_eq!(r.duration, span);
}

#[test]
fn five_point_scores_lie_in_range_and_match_hundred_mark() {
    let dir = tmpdir("fivepoint");
    let wav = speak(&dir, "hello", "Hello, how are you?", 150);
    let five = assessor()
        .assess_file(
            &wav,
            &PronunciationAssessmentConfig::new("Hello, how are you?"),
        )
        .unwrap();
    let hundred = assessor()
        .assess_file(&wav, &hundred("Hello, how are you?"))
        .unwrap();
    let f = &five.nbest[0].pronunciation_assessment;
    let h = &hundred.nbest[0].pronunciation_assessment;
    for v in text_scores(&five) {
        assert!((0.0..=5.0).contains(&v), "{v}");
    }
    assert!((f.accuracy_score * 20.0 - h.accuracy_score).abs() <= 1.0);
    for w in &five.nbest[0].words {
        assert!((0.0..=5.0).contains(&w.pronunciation_assessment.accuracy_score));
        for p in &w.phonemes {
            assert!((0.0..=5.0).contains(&p.pronunciation_assessment.accuracy_score));
        }
    }
}

#[test]
fn ipa_output_differs_from_sapi() {
    let dir = tmpdir("ipa");
    let wav = speak(&dir, "hello", "hello", 150);
    let sapi = assessor().assess_file(&wav, &hundred("hello")).unwrap();
    let mut c = hundred("hello");
    c.phoneme_alphabet = elocute::Alphabet::Ipa;
    let ipa = assessor().assess_file(&wav, &c).unwrap();
    let names = |r: &elocute::AssessmentResult| -> Vec<String> {
        r.nbest[0].words[0]
            .phonemes
            .iter()
            .map(|p| p.phoneme.clone())
            .collect()
    };
    assert_eq!(names(&sapi), ["h", "ax", "l", "ow"]);
    assert_eq!(names(&ipa), ["h", "ə", "l", "oʊ"]);
}

#[test]
fn granularity_controls_the_levels_reported() {
    let dir = tmpdir("granularity");
    let wav = speak(&dir, "gm", "good morning", 150);
    let mut c = hundred("good morning");
    c.granularity = Granularity::Word;
    let r = assessor().assess_file(&wav, &c).unwrap();
    assert_eq!(r.nbest[0].words.len(), 2);
    assert!(r.nbest[0].words.iter().all(|w| w.phonemes.is_empty()));
    c.granularity = Granularity::FullText;
    let r = assessor().assess_file(&wav, &c).unwrap();
    assert!(r.nbest[0].words.is_empty());
    let json = serde_json::to_value(&r).unwrap();
    assert!(json["NBest"][0].get("Words").is_none());
    assert!(json["NBest"][0]["PronunciationAssessment"]["AccuracyScore"].is_number());
}

#[test]
fn json_has_the_service_layout() {
    let dir = tmpdir("layout");
    let wav = speak(&dir, "gm", "Good morning.", 150);
    let r = assessor()
        .assess_file(&wav, &hundred("Good morning."))
        .unwrap();
    let v = serde_json::to_value(&r).unwrap();
    for k in [
        "Id",
        "RecognitionStatus",
        "Offset",
        "Duration",
        "DisplayText",
        "NBest",
    ] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    let nb = &v["NBest"][0];
    for k in [
        "Confidence",
        "Lexical",
        "ITN",
        "MaskedITN",
        "Display",
        "PronunciationAssessment",
        "Words",
    ] {
        assert!(nb.get(k).is_some(), "missing NBest.{k}");
    }
    for k in [
        "AccuracyScore",
        "FluencyScore",
        "CompletenessScore",
        "PronScore",
    ] {
        assert!(nb["PronunciationAssessment"][k].is_number(), "missing {k}");
    }
    let w = &nb["Words"][1];
    assert_eq!(w["Word"], "morning");
    assert!(w["PronunciationAssessment"]["ErrorType"].is_string());
    assert!(w["Phonemes"][0]["PronunciationAssessment"]["AccuracyScore"].is_number());
    assert_eq!(v["RecognitionStatus"], 0);
    assert_eq!(v["DisplayText"], "Good morning.");
    assert_eq!(nb["Lexical"], "good morning");
}

#[test]
fn silence_gets_a_clear_result() {
    let samples = vec![0.0f32; 16_000 * 2];
    let r = assessor()
        .assess_with_config(&samples, 16_000, &hundred("good morning"))
        .unwrap();
    assert_eq!(
        r.recognition_status,
        RecognitionStatus::InitialSilenceTimeout
    );
    assert_eq!(r.snr, None, "no speech, no signal-to-noise ratio");
    let pa = &r.nbest[0].pronunciation_assessment;
    assert_eq!(pa.accuracy_score, 0.0);
    assert_eq!(pa.completeness_score, Some(0.0));
    assert!(r.nbest[0]
        .words
        .iter()
        .all(|w| w.pronunciation_assessment.error_type == "Omission"));
}

#[test]
fn bad_inputs_are_typed_errors() {
    let a = assessor();
    let e = a
        .assess_file("/no/such/dir/take1.wav", &hundred("hello"))
        .unwrap_err();
    assert!(
        matches!(e, Error::Io { .. }) && e.to_string().contains("take1.wav"),
        "{e}"
    );

    let dir = tmpdir("bad");
    let empty = dir.join("empty.wav");
    elocute_audio::write_wav_i16(&empty, &[], 16_000).unwrap();
    let e = a.assess_file(&empty, &hundred("hello")).unwrap_err();
    assert!(
        matches!(e, Error::EmptyAudio { .. }) && e.to_string().contains("empty.wav"),
        "{e}"
    );

    let text = dir.join("notes.wav");
    std::fs::write(&text, "this is not audio").unwrap();
    let e = a.assess_file(&text, &hundred("hello")).unwrap_err();
    assert!(
        matches!(e, Error::UnsupportedAudio { .. }) && e.to_string().contains("notes.wav"),
        "{e}"
    );

    let wav = speak(&dir, "hello", "hello", 150);
    // A word with no Latin letter has no pronunciation; a made-up one is guessed (G2P).
    let e = a.assess_file(&wav, &hundred("hello 你好")).unwrap_err();
    assert!(
        matches!(&e, Error::UnknownWord { word } if word == "你好"),
        "{e}"
    );
    let r = a.assess_file(&wav, &hundred("hello blorptastic")).unwrap();
    assert_eq!(r.nbest[0].words.len(), 2);
    let e = a.assess_file(&wav, &hundred(" ?! ")).unwrap_err();
    assert!(matches!(e, Error::EmptyReference), "{e}");
    // Far more text than a half-second clip can hold (an audible one: a silent clip is a
    // silent recording, however short): assessed as far as it goes, the rest at 0...
    let tone = |n: usize| -> Vec<f32> { (0..n).map(|i| 0.3 * (i as f32 * 0.17).sin()).collect() };
    let long_text = "the quick brown fox jumps over the lazy dog ".repeat(10);
    let r = a
        .assess_with_config(&tone(8_000), 16_000, &hundred(&long_text))
        .unwrap();
    let pa = &r.nbest[0].pronunciation_assessment;
    assert!(pa.completeness_score.unwrap() < 10.0, "{pa:?}");
    assert_eq!(r.nbest[0].words.len(), 90);
    // ...and a clip too short for even the first word is an alignment error.
    let e = a
        .assess_with_config(&tone(1_600), 16_000, &hundred("strengths of the text"))
        .unwrap_err();
    assert!(matches!(e, Error::Alignment(_)), "{e}");
    assert!(PronunciationAssessmentConfig::from_json(r#"{"GradingSystem": 5}"#).is_err());
}

#[test]
fn same_input_gives_identical_json_across_threads() {
    let dir = tmpdir("determinism");
    let wav = speak(&dir, "fox", FOX, 150);
    let c = hundred(FOX);
    let first = serde_json::to_string(&assessor().assess_file(&wav, &c).unwrap()).unwrap();
    use rayon::prelude::*;
    let all: Vec<String> = (0..4)
        .into_par_iter()
        .map(|_| serde_json::to_string(&assessor().assess_file(&wav, &c).unwrap()).unwrap())
        .collect();
    assert!(all.iter().all(|j| *j == first));
}

#[test]
fn any_sample_rate_gives_nearly_the_same_scores() {
    let dir = tmpdir("rates");
    let wav = speak(&dir, "fox", FOX, 150); // espeak writes 22.05 kHz
    let audio16 = elocute_audio::read_wav(&wav, Default::default()).unwrap();
    let r22 = assessor().assess_file(&wav, &hundred(FOX)).unwrap();
    let r16 = assessor()
        .assess_with_config(&audio16, 16_000, &hundred(FOX))
        .unwrap();
    assert_eq!(
        serde_json::to_string(&r22.nbest[0].words).unwrap(),
        serde_json::to_string(&r16.nbest[0].words).unwrap()
    );
    let up = elocute_audio::resample_to_16k(audio16.clone(), 16_000).unwrap();
    assert_eq!(up.len(), audio16.len());
}

#[test]
fn syllables_group_phonemes_and_tile_words() {
    let dir = tmpdir("syllables");
    let text = "Hello, photographers.";
    let wav = speak(&dir, "hello", text, 150);
    let mut c = hundred(text);
    c.phoneme_alphabet = elocute::Alphabet::Ipa;
    let r = assessor().assess_file(&wav, &c).unwrap();
    let hello = &r.nbest[0].words[0];
    let syl: Vec<_> = hello
        .syllables
        .iter()
        .map(|s| s.syllable.as_str())
        .collect();
    assert_eq!(syl, ["hə", "loʊ"]);
    for w in &r.nbest[0].words {
        assert_eq!(w.syllables[0].offset, w.offset);
        let mut end = w.offset;
        for s in &w.syllables {
            assert_eq!(s.offset, end, "syllables of {} tile it", w.word);
            end += s.duration;
            assert!((0.0..=100.0).contains(&s.pronunciation_assessment.accuracy_score));
        }
        assert_eq!(end, w.offset + w.duration);
    }
    assert_eq!(r.nbest[0].words[1].syllables.len(), 4, "pho·to·gra·phers");
    c.granularity = Granularity::Word;
    let r = assessor().assess_file(&wav, &c).unwrap();
    assert!(r.nbest[0].words.iter().all(|w| w.syllables.is_empty()));
}

#[test]
fn nbest_phonemes_list_candidates_best_first() {
    let dir = tmpdir("nbest");
    let text = "I like red apples.";
    let wav = speak(&dir, "rod", "I like rod apples.", 140);
    let mut c = hundred(text);
    c.nbest_phoneme_count = 5;
    let r = assessor().assess_file(&wav, &c).unwrap();
    // Without a learned scorer the expected phoneme's entry is its AccuracyScore.
    let gop = Assessor::with_default_model()
        .unwrap()
        .without_scorer()
        .assess_file(&wav, &c)
        .unwrap();
    for (w, g) in r.nbest[0].words.iter().zip(&gop.nbest[0].words) {
        for (p, q) in w.phonemes.iter().zip(&g.phonemes) {
            let nb = &p.pronunciation_assessment.nbest_phonemes;
            assert_eq!(nb.len(), 5);
            assert!(nb.windows(2).all(|x| x[0].score >= x[1].score));
            assert_eq!(
                nb, &q.pronunciation_assessment.nbest_phonemes,
                "acoustic either way"
            );
            if let Some(own) = nb.iter().find(|n| n.phoneme == q.phoneme) {
                assert!((own.score - q.pronunciation_assessment.accuracy_score).abs() <= 1.0);
            }
        }
    }
    // In "red" said as "rod", the vowel heard is not the expected "eh".
    let red = r.nbest[0].words.iter().find(|w| w.word == "red").unwrap();
    let vowel = &red.phonemes[1];
    assert_eq!(vowel.phoneme, "eh");
    assert_ne!(
        vowel.pronunciation_assessment.nbest_phonemes[0].phoneme, "eh",
        "{vowel:?}"
    );
    // Off by default.
    let r = assessor().assess_file(&wav, &hundred(text)).unwrap();
    assert!(r.nbest[0].words[0].phonemes[0]
        .pronunciation_assessment
        .nbest_phonemes
        .is_empty());
}

#[test]
fn rest_layout_puts_scores_flat() {
    let dir = tmpdir("rest");
    let wav = speak(&dir, "gm", "Good morning.", 150);
    let r = assessor()
        .assess_file(&wav, &hundred("Good morning."))
        .unwrap();
    let v = elocute::to_rest(&r, elocute::RestFormat::Detailed);
    assert_eq!(v["RecognitionStatus"], "Success");
    let nb = &v["NBest"][0];
    assert!(nb.get("PronunciationAssessment").is_none());
    assert_eq!(
        nb["AccuracyScore"],
        serde_json::json!(r.nbest[0].pronunciation_assessment.accuracy_score)
    );
    assert!(nb["PronScore"].is_number());
    assert_eq!(nb["Words"][1]["Word"], "morning");
    assert!(nb["Words"][1]["ErrorType"].is_string());
    assert!(nb["Words"][1]["Phonemes"][0]["AccuracyScore"].is_number());
    let simple = elocute::to_rest(&r, elocute::RestFormat::Simple);
    assert_eq!(simple.as_object().unwrap().len(), 4);
    assert_eq!(simple["DisplayText"], "Good morning.");
}

#[test]
fn an_ssml_phoneme_in_the_text_is_the_pronunciation_assessed() {
    let dir = tmpdir("ssml-phoneme");
    let red = speak(&dir, "red", "I like red apples.", 140);
    let rod = speak(&dir, "rod", "I like rod apples.", 140);
    let as_rod = r#"I like <phoneme alphabet="ipa" ph="ɹɑd">red</phoneme> apples."#;
    let gop = Assessor::with_default_model().unwrap().without_scorer();
    let word = |a: &Assessor, wav: &std::path::Path, text: &str| {
        let r = a.assess_file(wav, &hundred(text)).unwrap();
        let w = r.nbest[0].words[2].clone();
        assert_eq!(w.word, "red");
        let phones: Vec<_> = w.phonemes.iter().map(|p| p.phoneme.clone()).collect();
        (w.pronunciation_assessment.accuracy_score, phones)
    };
    for a in [assessor(), &gop] {
        let (red_as_red, p1) = word(a, &red, "I like red apples.");
        let (red_as_rod, p2) = word(a, &red, as_rod);
        let (rod_as_rod, _) = word(a, &rod, as_rod);
        let (rod_as_red, _) = word(a, &rod, "I like red apples.");
        eprintln!("said red: {red_as_red} as red, {red_as_rod} as rod; said rod: {rod_as_rod} as rod, {rod_as_red} as red");
        assert_eq!(
            (p1.join(" ").as_str(), p2.join(" ").as_str()),
            ("r eh d", "r aa d")
        );
        // The given pronunciation is the yardstick: matching it scores higher.
        assert!(red_as_red > red_as_rod, "{red_as_red} vs {red_as_rod}");
        assert!(rod_as_rod > rod_as_red, "{rod_as_rod} vs {rod_as_red}");
    }
    let e = assessor()
        .assess_file(&red, &hundred(r#"I like <phoneme ph="ɹ#d">red</phoneme>."#))
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
    assert!(
        e.to_string().contains("\"red\"") && e.to_string().contains("'#'"),
        "{e}"
    );
}

#[test]
fn a_missing_final_phone_makes_the_word_a_mispronunciation() {
    // The service leaves such words `None` (a common complaint): the word's score stays
    // above 60 while one of its phonemes is near zero.
    let dir = tmpdir("missing-phone");
    let text = "She grows red tomatoes.";
    let said_right = speak(&dir, "tomatoes", text, 140);
    let dropped_z = speak(&dir, "tomato", "She grows red tomato.", 140);
    let gop = Assessor::with_default_model().unwrap().without_scorer();
    let floor = elocute::scenario("").unwrap().phoneme_error_threshold;
    for (a, is_gop) in [(assessor(), false), (&gop, true)] {
        let tomatoes = |wav| {
            let r = a.assess_file(wav, &hundred(text)).unwrap();
            r.nbest[0].words[3].clone()
        };
        let (right, wrong) = (tomatoes(&said_right), tomatoes(&dropped_z));
        let z_score = |w: &elocute::Word| w.phonemes[6].pronunciation_assessment.accuracy_score;
        eprintln!(
            "tomatoes: said right {} ({}, /z/ {}), /z/ dropped {} ({}, /z/ {})",
            right.pronunciation_assessment.accuracy_score,
            right.pronunciation_assessment.error_type,
            z_score(&right),
            wrong.pronunciation_assessment.accuracy_score,
            wrong.pronunciation_assessment.error_type,
            z_score(&wrong)
        );
        assert_eq!(right.pronunciation_assessment.error_type, "None");
        assert!(z_score(&wrong) + 40.0 < z_score(&right));
        // Both hear the gap.
        assert!(z_score(&wrong) < floor, "/z/ {}", z_score(&wrong));
        assert_eq!(
            wrong.pronunciation_assessment.error_type,
            "Mispronunciation"
        );
        // The rule itself: a phoneme under the scenario's floor flags the word.
        for w in [&right, &wrong] {
            let worst = w
                .phonemes
                .iter()
                .map(|p| p.pronunciation_assessment.accuracy_score)
                .fold(f64::INFINITY, f64::min);
            let flagged = w.pronunciation_assessment.error_type == "Mispronunciation";
            assert!(flagged || worst >= floor, "{w:?}");
        }
        // With GOP the word is flagged although its score (about 80) is well above the word
        // threshold of 60.
        if is_gop {
            let word = &wrong.pronunciation_assessment;
            assert!(word.accuracy_score >= 70.0, "{word:?}");
        }
    }
}

#[test]
fn the_learned_scorer_flags_a_dropped_final_consonant() {
    // Before its training rows included native readings with one phone left out, the scorer
    // smoothed such gaps away (/d/ 73 and /s/ 92 here, both words `None`), although the GOP
    // alone heard them.
    let dir = tmpdir("dropped-consonant");
    let floor = elocute::scenario("").unwrap().phoneme_error_threshold;
    for (name, text, said, word, phone) in [
        (
            "played",
            "They played football yesterday.",
            "They play football yesterday.",
            1,
            3,
        ),
        (
            "cats",
            "The cats are sleeping.",
            "The cat are sleeping.",
            1,
            3,
        ),
    ] {
        let right = speak(&dir, &format!("{name}-right"), text, 140);
        let dropped = speak(&dir, &format!("{name}-dropped"), said, 140);
        let assess = |wav| {
            let r = assessor().assess_file(wav, &hundred(text)).unwrap();
            r.nbest[0].words[word].clone()
        };
        let (right, dropped) = (assess(&right), assess(&dropped));
        let score = |w: &elocute::Word| w.phonemes[phone].pronunciation_assessment.accuracy_score;
        eprintln!(
            "{name}: said right {} /{}/ {}, dropped {} /{}/ {}",
            right.pronunciation_assessment.error_type,
            right.phonemes[phone].phoneme,
            score(&right),
            dropped.pronunciation_assessment.error_type,
            dropped.phonemes[phone].phoneme,
            score(&dropped)
        );
        assert_eq!(right.pronunciation_assessment.error_type, "None");
        assert!(score(&right) >= 80.0, "{right:?}");
        assert!(score(&dropped) < floor, "{dropped:?}");
        assert_eq!(
            dropped.pronunciation_assessment.error_type,
            "Mispronunciation"
        );
    }
}

#[test]
fn numbers_in_the_reference_are_read_as_words() {
    let dir = tmpdir("numbers");
    let wav = speak(&dir, "cats", "I have three cats and twenty five dogs.", 150);
    let text = "I have 3 cats & 25 dogs.";
    let r = assessor().assess_file(&wav, &hundred(text)).unwrap();
    let words: Vec<_> = r.nbest[0].words.iter().map(|w| w.word.as_str()).collect();
    assert_eq!(
        words,
        ["i", "have", "three", "cats", "and", "twenty", "five", "dogs"]
    );
    assert_eq!(r.display_text, text);
    assert_eq!(r.nbest[0].lexical, "i have three cats and twenty five dogs");
    let three = &r.nbest[0].words[2];
    assert!(
        three.pronunciation_assessment.accuracy_score > 50.0,
        "{three:?}"
    );
}

fn prosody_config(text: &str) -> PronunciationAssessmentConfig {
    let mut c = hundred(text);
    c.enable_prosody_assessment = true;
    c
}

fn word_error<'a>(r: &'a elocute::AssessmentResult, word: &str) -> &'a str {
    &r.nbest[0]
        .words
        .iter()
        .find(|w| w.word == word)
        .unwrap()
        .pronunciation_assessment
        .error_type
}

#[test]
fn a_long_pause_where_no_comma_is_is_an_unexpected_break() {
    let dir = tmpdir("break");
    let read = |name: &str, t: &str| {
        elocute_audio::read_wav(speak(&dir, name, t, 150), Default::default()).unwrap()
    };
    let mut halting = read("a", "My sister likes to read books");
    halting.extend(std::iter::repeat_n(0.0f32, 12_000));
    halting.extend(read("b", "in the garden"));
    let text = "My sister likes to read books in the garden.";
    let r = assessor()
        .assess_with_config(&halting, 16_000, &prosody_config(text))
        .unwrap();
    let word_in = &r.nbest[0].words[6];
    assert_eq!(word_in.word, "in");
    assert_eq!(
        word_in.pronunciation_assessment.error_type, "UnexpectedBreak",
        "{word_in:?}"
    );
    let b = &word_in
        .pronunciation_assessment
        .feedback
        .as_ref()
        .unwrap()
        .prosody
        .break_;
    assert!(
        b.unexpected_break.confidence >= 0.75 && b.break_length >= 6_000_000,
        "{b:?}"
    );
    // The same reading without the pause has no break error anywhere.
    let fluent = assessor()
        .assess_file(speak(&dir, "c", text, 150), &prosody_config(text))
        .unwrap();
    for w in &fluent.nbest[0].words {
        let b = &w
            .pronunciation_assessment
            .feedback
            .as_ref()
            .unwrap()
            .prosody
            .break_;
        assert_eq!(b.error_types, ["None"], "{}: {b:?}", w.word);
    }
    let score =
        |r: &elocute::AssessmentResult| r.nbest[0].pronunciation_assessment.prosody_score.unwrap();
    assert!(
        score(&fluent) > score(&r),
        "{} vs {}",
        score(&fluent),
        score(&r)
    );
    // Without prosody assessment there is no feedback and no ProsodyScore.
    let plain = assessor()
        .assess_with_config(&halting, 16_000, &hundred(text))
        .unwrap();
    assert!(plain.nbest[0]
        .pronunciation_assessment
        .prosody_score
        .is_none());
    assert!(plain.nbest[0]
        .words
        .iter()
        .all(|w| w.pronunciation_assessment.feedback.is_none()));
    assert_eq!(word_error(&plain, "in"), "None");
}

#[test]
fn no_pause_at_a_comma_is_a_missing_break() {
    let dir = tmpdir("missing");
    let text = "Yes, I know it.";
    let rushed = assessor()
        .assess_file(
            speak(&dir, "rushed", "yes I know it", 170),
            &prosody_config(text),
        )
        .unwrap();
    assert_eq!(
        word_error(&rushed, "i"),
        "MissingBreak",
        "{:?}",
        rushed.nbest[0].words[1]
    );
    let paused = assessor()
        .assess_file(speak(&dir, "paused", text, 170), &prosody_config(text))
        .unwrap();
    assert_eq!(
        word_error(&paused, "i"),
        "None",
        "{:?}",
        paused.nbest[0].words[1]
    );
}

#[test]
fn a_flat_reading_is_monotone_and_a_lively_one_is_not() {
    let dir = tmpdir("monotone");
    let text = "I went to the market and I bought some apples.";
    let ssml = |range: &str| format!("<speak><prosody range=\"{range}\">{text}</prosody></speak>");
    let synth = |name: &str, range: &str| {
        let out = dir.join(format!("{name}.wav"));
        let ok = std::process::Command::new("espeak-ng")
            .args(["-v", "en-us", "-m", "-w"])
            .arg(&out)
            .arg(ssml(range))
            .status()
            .expect("espeak-ng is needed (run scripts/setup.sh)")
            .success();
        assert!(ok);
        out
    };
    let flat = assessor()
        .assess_file(synth("flat", "0%"), &prosody_config(text))
        .unwrap();
    let lively = assessor()
        .assess_file(synth("lively", "x-high"), &prosody_config(text))
        .unwrap();
    let mono = |r: &elocute::AssessmentResult| {
        r.nbest[0].words[0]
            .pronunciation_assessment
            .feedback
            .as_ref()
            .unwrap()
            .prosody
            .intonation
            .clone()
    };
    assert_eq!(mono(&flat).error_types, ["Monotone"]);
    assert!(mono(&flat).monotone.confidence >= 0.75);
    assert!(mono(&lively).error_types.is_empty(), "{:?}", mono(&lively));
    assert!(flat.nbest[0]
        .words
        .iter()
        .all(|w| w.pronunciation_assessment.error_type != "None"
            || w.pronunciation_assessment
                .feedback
                .as_ref()
                .unwrap()
                .prosody
                .intonation
                .error_types
                == ["Monotone"]));
    let ps =
        |r: &elocute::AssessmentResult| r.nbest[0].pronunciation_assessment.prosody_score.unwrap();
    assert!(ps(&lively) > ps(&flat) + 20.0);
}

#[test]
fn an_extra_word_is_an_insertion_with_miscue_only() {
    const CAT: &str = "The cat sat on the mat.";
    let dir = tmpdir("insertion");
    let extra = speak(&dir, "extra", "The cat sat, yesterday, on the mat.", 150);
    let clean = speak(&dir, "clean", CAT, 150);
    let mut c = hundred(CAT);
    c.enable_miscue = true;
    c.granularity = elocute::Granularity::Phoneme;
    let r = assessor().assess_file(&extra, &c).unwrap();
    let words = &r.nbest[0].words;
    let kinds: Vec<_> = words
        .iter()
        .map(|w| {
            (
                w.word.as_str(),
                w.pronunciation_assessment.error_type.as_str(),
            )
        })
        .collect();
    let ins: Vec<usize> = (0..words.len())
        .filter(|&i| words[i].pronunciation_assessment.error_type == "Insertion")
        .collect();
    assert_eq!(ins.len(), 1, "{kinds:?}");
    let i = ins[0];
    // Between "sat" and "on", in time order, with its own timing and the phones heard.
    assert_eq!((kinds[i - 1].0, kinds[i + 1].0), ("sat", "on"), "{kinds:?}");
    let w = &words[i];
    assert!(w.duration >= 2_000_000, "at least 0.2 s: {}", w.duration);
    assert!(words[i - 1].offset + words[i - 1].duration <= w.offset);
    assert!(w.offset + w.duration <= words[i + 1].offset);
    assert!(!w.phonemes.is_empty() && !w.word.is_empty());
    // The recognised text has the inserted word where it was said.
    assert_eq!(
        r.nbest[0].lexical,
        format!("the cat sat {} on the mat", w.word),
        "{kinds:?}"
    );
    // Inserted speech is not a reference word: the others are all there, none omitted.
    let reference: Vec<_> = kinds
        .iter()
        .filter(|k| k.1 != "Insertion")
        .map(|k| k.0)
        .collect();
    assert_eq!(reference, ["the", "cat", "sat", "on", "the", "mat"]);
    assert!(kinds.iter().all(|k| k.1 != "Omission"), "{kinds:?}");
    // The clean reading has no insertion, and without miscue the words are exactly the reference.
    let r = assessor().assess_file(&clean, &c).unwrap();
    assert!(r.nbest[0]
        .words
        .iter()
        .all(|w| w.pronunciation_assessment.error_type != "Insertion"));
    let plain = assessor().assess_file(&extra, &hundred(CAT)).unwrap();
    let said: Vec<_> = plain.nbest[0]
        .words
        .iter()
        .map(|w| w.word.as_str())
        .collect();
    assert_eq!(said, ["the", "cat", "sat", "on", "the", "mat"]);
    assert_eq!(plain.nbest[0].lexical, "the cat sat on the mat");
}

#[test]
fn a_dropped_word_is_an_omission_with_miscue_only() {
    let dir = tmpdir("omission");
    let dropped = speak(
        &dir,
        "dropped",
        "The brown fox jumps over the lazy dog",
        150,
    );
    let mut c = hundred(FOX);
    c.enable_miscue = true;
    let r = assessor().assess_file(&dropped, &c).unwrap();
    let errors: Vec<_> = r.nbest[0]
        .words
        .iter()
        .map(|w| {
            (
                w.word.as_str(),
                w.pronunciation_assessment.error_type.as_str(),
            )
        })
        .collect();
    assert_eq!(errors[1], ("quick", "Omission"), "{errors:?}");
    assert_eq!(
        errors.iter().filter(|e| e.1 == "Omission").count(),
        1,
        "{errors:?}"
    );
    // The recognised text leaves the omitted word out; without miscue it is the reference.
    assert_eq!(r.nbest[0].lexical, "the brown fox jumps over the lazy dog");
    let plain = assessor().assess_file(&dropped, &hundred(FOX)).unwrap();
    assert_eq!(
        plain.nbest[0].lexical,
        "the quick brown fox jumps over the lazy dog"
    );
    let quick = &r.nbest[0].words[1];
    assert_eq!(
        (
            quick.duration,
            quick.pronunciation_assessment.accuracy_score
        ),
        (0, 0.0)
    );
    assert!(
        r.nbest[0]
            .pronunciation_assessment
            .completeness_score
            .unwrap()
            < 100.0
    );
    // The clean reading omits nothing.
    let full = assessor()
        .assess_file(speak(&dir, "full", FOX, 150), &c)
        .unwrap();
    assert!(full.nbest[0]
        .words
        .iter()
        .all(|w| w.pronunciation_assessment.error_type != "Omission" && w.duration > 0));
    // Without miscue the words are exactly the reference and none is an omission.
    let plain = assessor().assess_file(&dropped, &hundred(FOX)).unwrap();
    assert!(plain.nbest[0]
        .words
        .iter()
        .all(|w| w.pronunciation_assessment.error_type != "Omission" && w.duration > 0));
}

#[test]
fn scenario_id_selects_a_scoring_profile() {
    let dir = tmpdir("scenario");
    let text = "I like red apples and green pears.";
    // Readings with mistakes of several sizes, so that the profiles' thresholds matter.
    let readings = [
        (
            speak(&dir, "rod", "I like rod apples and green pears.", 140),
            text,
        ),
        (
            speak(&dir, "rod-fast", "I like rod apples and green pears.", 200),
            text,
        ),
        (speak(&dir, "fox", FOX, 140), FOX),
    ];
    // The thresholds are what is tested: on the acoustic GOP, which spreads its scores.
    let gop = Assessor::with_default_model().unwrap().without_scorer();
    let flagged = |id: &str| {
        let profile = elocute::scenario(id).unwrap();
        let mut n = 0;
        for (wav, text) in &readings {
            let mut c = hundred(text);
            c.scenario_id = id.into();
            for w in &gop.assess_file(wav, &c).unwrap().nbest[0].words {
                let worst = w
                    .phonemes
                    .iter()
                    .map(|p| p.pronunciation_assessment.accuracy_score)
                    .fold(f64::INFINITY, f64::min);
                let a = &w.pronunciation_assessment;
                // Rounded scores in the output: stay off the exact thresholds.
                let by_rule = a.accuracy_score < profile.mispronunciation_threshold - 0.5
                    || worst < profile.phoneme_error_threshold - 0.5;
                let clear = a.accuracy_score > profile.mispronunciation_threshold + 0.5
                    && worst > profile.phoneme_error_threshold + 0.5;
                let is = a.error_type == "Mispronunciation";
                assert!(
                    (by_rule && is) || (clear && !is) || !(by_rule || clear),
                    "{id}: {w:?}"
                );
                n += usize::from(is);
            }
        }
        n
    };
    let (lenient, default, strict) = (flagged("lenient"), flagged(""), flagged("strict"));
    assert!(
        lenient <= default && default <= strict && lenient < strict,
        "{lenient} {default} {strict}"
    );
    let mut c = hundred(text);
    c.scenario_id = "00000000-0000-0000-0000-000000000000".into();
    let e = assessor().assess_file(&readings[0].0, &c).unwrap_err();
    assert!(
        matches!(e, Error::Config(_)) && e.to_string().contains("ScenarioId"),
        "{e}"
    );
}

#[test]
fn every_bundled_model_loads_through_the_same_interface() {
    let tmp = tmpdir("models");
    let wav = speak(&tmp, "fox", FOX, 150);
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models");
    for (name, kind) in [
        ("ps-en-us-ptm", elocute::OutputKind::Loglik),
        ("elocute-nn-v1", elocute::OutputKind::Logpost),
        ("elocute-nn-v2", elocute::OutputKind::Logpost),
        ("elocute-nn-v3", elocute::OutputKind::Logpost),
        // int8 convolutions (QDQ): the same interface, a quantised graph.
        ("elocute-nn-v4", elocute::OutputKind::Logpost),
        // v4's graph fine-tuned with a phone-level loss, without TTS crops.
        ("elocute-nn-v5", elocute::OutputKind::Logpost),
        // The same with v4's TTS crops kept: the default.
        ("elocute-nn-v6", elocute::OutputKind::Logpost),
    ] {
        let dir = root.join(name);
        for scorer in [true, false] {
            let a = Assessor::new(&dir, elocute::Lexicon::cmudict())
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let a = if scorer { a } else { a.without_scorer() };
            assert_eq!(a.model().config().name, name);
            assert_eq!(a.model().config().output_kind, kind);
            let right = a.assess_file(&wav, &hundred(FOX)).unwrap();
            let wrong = a
                .assess_file(&wav, &hundred("She sells sea shells by the sea shore."))
                .unwrap();
            let acc =
                |r: &elocute::AssessmentResult| r.nbest[0].pronunciation_assessment.accuracy_score;
            assert!(
                acc(&right) > acc(&wrong),
                "{name} (scorer {}): {} vs {}",
                a.uses_scorer(),
                acc(&right),
                acc(&wrong)
            );
            let mut end = 0;
            for w in &right.nbest[0].words {
                assert!(w.offset >= end && w.duration >= 300_000, "{name}: {w:?}");
                end = w.offset + w.duration;
            }
        }
    }
}

#[test]
fn the_learned_scorer_scores_and_tells_a_right_text_from_a_wrong_one() {
    let a = assessor();
    assert!(
        a.uses_scorer(),
        "the default model folder ships a learned scorer"
    );
    let dir = tmpdir("scorer");
    let wav = speak(&dir, "fox", FOX, 150);
    let mut c = hundred(FOX);
    c.granularity = Granularity::Phoneme;
    let right = a.assess_file(&wav, &c).unwrap();
    c.reference_text = "She sells sea shells by the sea shore.".into();
    let wrong = a.assess_file(&wav, &c).unwrap();
    let acc = |r: &elocute::AssessmentResult| r.nbest[0].pronunciation_assessment.accuracy_score;
    let pron =
        |r: &elocute::AssessmentResult| r.nbest[0].pronunciation_assessment.pron_score.unwrap();
    assert!(
        acc(&right) > acc(&wrong) + 25.0,
        "{} vs {}",
        acc(&right),
        acc(&wrong)
    );
    assert!(
        pron(&right) > pron(&wrong) + 25.0,
        "{} vs {}",
        pron(&right),
        pron(&wrong)
    );
    for r in [&right, &wrong] {
        for v in text_scores(r) {
            assert!((0.0..=100.0).contains(&v), "{v}");
        }
        for w in &r.nbest[0].words {
            assert!((0.0..=100.0).contains(&w.pronunciation_assessment.accuracy_score));
            for p in &w.phonemes {
                assert!((0.0..=100.0).contains(&p.pronunciation_assessment.accuracy_score));
            }
        }
    }
    // Punctuation (which the training texts never had) and an omitted word (miscue) must not
    // throw the scorer off: features it never saw vary are switched off.
    let bare = a
        .assess_file(
            &wav,
            &hundred("The quick brown fox jumps over the lazy dog"),
        )
        .unwrap();
    let commas = a
        .assess_file(
            &wav,
            &hundred("The quick, brown fox; jumps over: the lazy dog!"),
        )
        .unwrap();
    assert!(
        (acc(&bare) - acc(&commas)).abs() < 10.0,
        "{} vs {}",
        acc(&bare),
        acc(&commas)
    );
    assert!(
        acc(&bare) > 80.0,
        "a correct native-like reading scores high: {}",
        acc(&bare)
    );
    // The GOP path still works without the scorer, and gives other numbers.
    let plain = elocute::Assessor::with_default_model()
        .unwrap()
        .without_scorer();
    assert!(!plain.uses_scorer());
    c.reference_text = FOX.into();
    let gop = plain.assess_file(&wav, &c).unwrap();
    assert_ne!(acc(&gop), acc(&right));
}

/// `SNR` follows the noise actually mixed in: within 2 dB of the ratio of the
/// clean speech's power inside the reported words to the added noise's power.
#[test]
fn snr_follows_the_noise_mixed_in() {
    let dir = tmpdir("snr");
    let wav = speak(&dir, "fox", FOX, 150);
    let clean = elocute_audio::read_wav(&wav, Default::default()).unwrap();
    let clean_result = assessor().assess_file(&wav, &hundred(FOX)).unwrap();
    let clean_snr = clean_result.snr.expect("SNR of speech");
    // Mean power of the clean speech over the frames of the words it was heard in.
    let words = &clean_result.nbest[0].words;
    let tick = |t: u64| (t / 100_000 * 160) as usize;
    let (mut sum, mut n) = (0.0f64, 0usize);
    for w in words {
        let (a, b) = (tick(w.offset), tick(w.offset + w.duration).min(clean.len()));
        sum += clean[a..b]
            .iter()
            .map(|&x| f64::from(x).powi(2))
            .sum::<f64>();
        n += b - a;
    }
    let speech_power = sum / n as f64;
    // Seeded white noise, uniform in [-1, 1) (power 1/3) before scaling.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut noise = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    };
    let mut seen = vec![clean_snr];
    for target_db in [25.0f64, 10.0] {
        let scale = (speech_power / 10f64.powf(target_db / 10.0) * 3.0).sqrt();
        let noisy: Vec<f32> = clean
            .iter()
            .map(|&x| (f64::from(x) + scale * noise()) as f32)
            .collect();
        let r = assessor()
            .assess_with_config(&noisy, 16_000, &hundred(FOX))
            .unwrap();
        let snr = r.snr.expect("SNR of noisy speech");
        assert!(
            (snr - target_db).abs() < 2.0,
            "mixed at {target_db} dB, reported {snr}"
        );
        seen.push(snr);
    }
    eprintln!("SNR clean, mixed at 25 dB, mixed at 10 dB: {seen:?}");
    assert!(clean_snr > 40.0, "espeak-ng's digital silence: {clean_snr}");
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "{seen:?}");
}

/// A recording sent as Ogg/Opus (what browsers record) scores as its WAV does,
/// at a speech bit rate and at a low one, and still tells a wrong text apart.
#[test]
fn ogg_opus_scores_like_the_wav() {
    let dir = tmpdir("opus");
    let wav = speak(&dir, "fox", FOX, 150);
    let from_wav = assessor().assess_file(&wav, &hundred(FOX)).unwrap();
    let wav_bytes = std::fs::read(&wav).unwrap();
    assert_eq!(
        assessor().assess_bytes(&wav_bytes, &hundred(FOX)).unwrap(),
        from_wav
    );
    let w = text_scores(&from_wav);
    for kbps in [24, 12] {
        let opus = opus_encode(&wav, kbps);
        let r = assessor().assess_file(&opus, &hundred(FOX)).unwrap();
        let o = text_scores(&r);
        eprintln!("{kbps} kb/s: opus {o:?}, wav {w:?}");
        for (a, b) in o.iter().zip(&w) {
            assert!(
                (a - b).abs() <= 6.0,
                "{kbps} kb/s: {o:?} against the WAV's {w:?}"
            );
        }
        let (ow, ww) = (&r.nbest[0].words, &from_wav.nbest[0].words);
        assert_eq!(ow.len(), ww.len());
        // Same timing: the codec's faint noise in pauses may let a word start a few
        // frames into a pause, but no word moves by more than 80 ms and the typical
        // one by at most two 10 ms frames.
        let mut shifts: Vec<u64> = ow
            .iter()
            .zip(ww)
            .map(|(a, b)| a.offset.abs_diff(b.offset) / 100_000)
            .collect();
        shifts.sort_unstable();
        assert!(
            shifts[shifts.len() / 2] <= 2 && shifts[shifts.len() - 1] <= 8,
            "word start shifts in frames: {shifts:?}"
        );
        // The same file's bytes, as an app holding an upload passes them.
        let bytes = std::fs::read(&opus).unwrap();
        let in_memory = assessor().assess_bytes(&bytes, &hundred(FOX)).unwrap();
        assert_eq!(in_memory, r);
        let wrong = assessor()
            .assess_file(&opus, &hundred("She sells sea shells by the sea shore."))
            .unwrap();
        assert!(
            text_scores(&wrong)[0] + 15.0 < o[0],
            "wrong text {:?}",
            text_scores(&wrong)
        );
    }
}

/// A recording that ends in a second and a half of digital silence (a browser's recorder left
/// running after the reading, a muted tail) scores as its WAV does when sent as Ogg/Opus: the
/// decoder gives that silence as values like 1e-34, not zeros, and the neural model's
/// normalisation once heard them as a deep floor (accuracy 73 against the WAV's 95).
#[test]
fn opus_with_a_silent_tail_scores_like_the_wav() {
    let dir = tmpdir("opus-silent-tail");
    let text = "Good morning. How are you today?";
    let speech = speak(&dir, "speech", text, 150);
    let wav = with_silence(&dir, "tail", &speech, 0.0, 1.5);
    let from_wav = text_scores(&assessor().assess_file(&wav, &hundred(text)).unwrap());
    let opus = opus_encode(&wav, 64);
    let from_opus = text_scores(&assessor().assess_file(&opus, &hundred(text)).unwrap());
    eprintln!("silent tail: opus {from_opus:?}, wav {from_wav:?}");
    for (a, b) in from_opus.iter().zip(&from_wav) {
        assert!(
            (a - b).abs() <= 5.0,
            "{from_opus:?} against the WAV's {from_wav:?}"
        );
    }
}

#[test]
fn webm_opus_scores_as_its_ogg_opus_does() {
    let dir = tmpdir("webm");
    let wav = speak(&dir, "fox", FOX, 150);
    let opus = opus_encode(&wav, 24);
    let webm = webm_from_opus(&opus);
    let from_ogg = assessor().assess_file(&opus, &hundred(FOX)).unwrap();
    let ogg = elocute_audio::read_audio(&opus, Default::default()).unwrap();
    let web = elocute_audio::read_audio(&webm, Default::default()).unwrap();
    // The same packets, the same pre-skip: the same samples (the Ogg end trim
    // may keep a few more at the very end).
    assert!(
        web.len().abs_diff(ogg.len()) <= 960,
        "{} against {}",
        web.len(),
        ogg.len()
    );
    let n = web.len().min(ogg.len());
    let diff = web[..n]
        .iter()
        .zip(&ogg[..n])
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(diff < 1e-4, "samples differ by {diff}");
    let r = assessor().assess_file(&webm, &hundred(FOX)).unwrap();
    for (a, b) in text_scores(&r).iter().zip(&text_scores(&from_ogg)) {
        assert!(
            (a - b).abs() <= 1.0,
            "{:?} against {:?}",
            text_scores(&r),
            text_scores(&from_ogg)
        );
    }
    // As a recorder that streams writes it (Chrome's MediaRecorder), and as an upload.
    let live = with_unknown_sizes(&std::fs::read(&webm).unwrap());
    assert_eq!(
        elocute_audio::read_audio_bytes(&live, Default::default()).unwrap(),
        web
    );
    assert_eq!(assessor().assess_bytes(&live, &hundred(FOX)).unwrap(), r);
    // Cut off mid-cluster: the audio before the cut is kept.
    let cut =
        elocute_audio::read_audio_bytes(&live[..live.len() * 2 / 3], Default::default()).unwrap();
    assert!(
        cut.len() > web.len() / 3 && cut.len() < web.len(),
        "{} of {}",
        cut.len(),
        web.len()
    );
    assert_eq!(cut[..], web[..cut.len()]);
}

#[test]
fn a_reading_that_stops_early_omits_the_rest_with_miscue() {
    // The learner reads the first sentence of two and stops.
    let dir = tmpdir("early-stop");
    let first = "Good morning, how are you today?";
    let text = format!("{first} I would like a cup of coffee, please.");
    let said = speak(&dir, "first", first, 150);
    let mut c = hundred(&text);
    c.enable_miscue = true;
    let r = assessor().assess_file(&said, &c).unwrap();
    let words = &r.nbest[0].words;
    let n = first.split_whitespace().count();
    // The unread sentence is omitted, not squeezed into the last frames of the first...
    for w in &words[n..] {
        assert_eq!(
            w.pronunciation_assessment.error_type, "Omission",
            "{}: {words:?}",
            w.word
        );
    }
    // ...so the words said keep the scores they get against their own sentence.
    let mut alone = hundred(first);
    alone.enable_miscue = true;
    let own = assessor().assess_file(&said, &alone).unwrap();
    assert_read_as_alone(&r, &own, n);
}

/// The first `n` words of `r` (a reading that stopped after them) are `None` and score within
/// 10 points of `own` (the same audio against just those words), and completeness is below 50.
fn assert_read_as_alone(r: &elocute::AssessmentResult, own: &elocute::AssessmentResult, n: usize) {
    let words = &r.nbest[0].words;
    for (a, b) in words[..n].iter().zip(&own.nbest[0].words) {
        assert_eq!(a.pronunciation_assessment.error_type, "None", "{words:?}");
        let (x, y) = (
            a.pronunciation_assessment.accuracy_score,
            b.pronunciation_assessment.accuracy_score,
        );
        assert!((x - y).abs() <= 10.0, "{}: {x} vs {y}", a.word);
    }
    let completeness = r.nbest[0].pronunciation_assessment.completeness_score;
    assert!(completeness.unwrap() < 50.0, "{completeness:?}");
}

#[test]
fn a_reading_that_stops_early_scores_what_was_read_without_miscue() {
    // As above with EnableMiscue off: the words not reached score 0 as mispronounced (the
    // service never reports omissions then), and the words said keep their own scores
    // instead of sharing their frames with the unread sentence.
    let dir = tmpdir("early-stop-no-miscue");
    let first = "Good morning, how are you today?";
    let text = format!("{first} I would like a cup of coffee, please.");
    let said = speak(&dir, "first", first, 150);
    let r = assessor().assess_file(&said, &hundred(&text)).unwrap();
    let words = &r.nbest[0].words;
    let n = first.split_whitespace().count();
    for w in &words[n..] {
        let pa = &w.pronunciation_assessment;
        assert_eq!(
            (pa.error_type.as_str(), pa.accuracy_score),
            ("Mispronunciation", 0.0),
            "{}",
            w.word
        );
        assert_eq!(w.duration, 0, "{}", w.word);
    }
    let own = assessor().assess_file(&said, &hundred(first)).unwrap();
    assert_read_as_alone(&r, &own, n);
    // A clip that cannot hold the whole text is assessed as far as it goes, not refused.
    let hello = speak(&dir, "hello", "good morning", 150);
    let r = assessor().assess_file(&hello, &hundred(&text)).unwrap();
    let words = &r.nbest[0].words;
    assert!(
        words[..2]
            .iter()
            .all(|w| w.pronunciation_assessment.accuracy_score > 60.0),
        "{words:?}"
    );
    assert!(words[2..]
        .iter()
        .all(|w| w.pronunciation_assessment.accuracy_score == 0.0));
}

//! The `elocute` binary: exit codes, one-line errors, batch behaviour.

use std::process::{Command, Output};

use elocute_tests::{lexical_words, speak, tmpdir, two_sentence_reading, TWO_SENTENCES};

fn elocute(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_elocute"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A successful run's standard output, one JSON value a line.
fn json_lines(o: &Output) -> Vec<serde_json::Value> {
    assert!(o.status.success(), "{}", stderr(o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn assess_prints_json() {
    let dir = tmpdir("cli-assess");
    let wav = speak(&dir, "gm", "good morning", 150);
    let o = elocute(&[
        "assess",
        "--audio",
        wav.to_str().unwrap(),
        "--text",
        "Good morning!",
        "--config",
        r#"{"gradingSystem":"HundredMark"}"#,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["DisplayText"], "Good morning!");
    assert_eq!(v["NBest"][0]["Words"].as_array().unwrap().len(), 2);
    let pron = v["NBest"][0]["PronunciationAssessment"]["PronScore"]
        .as_f64()
        .unwrap();
    assert!((0.0..=100.0).contains(&pron));
}

#[test]
fn failures_exit_non_zero_with_one_line() {
    let dir = tmpdir("cli-fail");
    let wav = speak(&dir, "gm", "good morning", 150);
    let w = wav.to_str().unwrap();
    let cfg_file = dir.join("cfg.json");
    std::fs::write(&cfg_file, r#"{"Granularity":"Letter"}"#).unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["assess", "--audio", "/missing/take.wav", "--text", "hi"],
            "take.wav",
        ),
        (
            vec!["assess", "--audio", w, "--text", "good привет"],
            "привет",
        ),
        (
            vec![
                "assess",
                "--audio",
                w,
                "--text",
                "hi",
                "--config",
                r#"{"Bogus":1}"#,
            ],
            "Bogus",
        ),
        (
            vec![
                "assess",
                "--audio",
                w,
                "--text",
                "hi",
                "--config",
                cfg_file.to_str().unwrap(),
            ],
            "Granularity",
        ),
        (
            vec![
                "assess",
                "--audio",
                w,
                "--text",
                "hi",
                "--model",
                "/missing/model",
            ],
            "/missing/model",
        ),
        (
            vec![
                "assess",
                "--audio",
                w,
                "--text",
                "hi",
                "--lexicon",
                "/missing/lex.txt",
            ],
            "lex.txt",
        ),
        (vec!["assess", "--audio", w], "reference text"),
    ];
    for (args, needle) in cases {
        let o = elocute(&args);
        let e = stderr(&o);
        assert!(!o.status.success(), "{args:?} should fail");
        assert_ne!(o.status.code(), Some(101), "{args:?} panicked: {e}");
        assert!(e.contains(needle), "{args:?}: {e}");
        assert_eq!(e.trim().lines().count(), 1, "{args:?}: one line, got {e}");
    }
    // A usage error (clap) is non-zero too.
    let o = elocute(&["assess"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn batch_reports_bad_items_and_goes_on() {
    let dir = tmpdir("cli-batch");
    let a = speak(&dir, "a", "good morning", 150);
    let b = speak(&dir, "b", "how are you", 150);
    std::fs::write(dir.join("broken.wav"), b"RIFF....WAVEjunk").unwrap();
    let manifest = dir.join("m.tsv");
    std::fs::write(
        &manifest,
        format!(
            "u1\t{}\tgood morning\nu2\tbroken.wav\thello\nu3\t{}\thow are you\nu4\tmissing.wav\thello\nbadline\nu5\t{}\tgood 你好\n",
            a.display(),
            b.display(),
            a.display()
        ),
    )
    .unwrap();
    let run = |threads: &str, out: &str| {
        let out = dir.join(out);
        let o = elocute(&[
            "batch",
            manifest.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
            "--threads",
            threads,
        ]);
        assert_eq!(
            o.status.code(),
            Some(3),
            "some items failed: {}",
            stderr(&o)
        );
        let e = stderr(&o);
        assert!(e.contains("6 items, 4 failed"), "{e}");
        assert!(e.contains("real-time factor"), "{e}");
        std::fs::read_to_string(out).unwrap()
    };
    let one = run("1", "one.jsonl");
    let lines: Vec<serde_json::Value> = one
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<_> = lines
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["u1", "u2", "u3", "u4", "badline", "u5"]);
    assert!(lines[0]["result"]["NBest"].is_array());
    assert!(lines[1]["error"].as_str().unwrap().contains("broken.wav"));
    assert!(lines[2]["result"].is_object());
    assert!(lines[3]["error"].as_str().unwrap().contains("missing.wav"));
    assert!(lines[4]["error"].as_str().unwrap().contains("expected id"));
    assert!(lines[5]["error"].as_str().unwrap().contains("你好"));
    // Byte-identical output whatever the thread count.
    assert_eq!(one, run("2", "two.jsonl"));
}

/// `--summary`: a CSV row per manifest line beside the JSON lines, for a spreadsheet.
#[test]
fn batch_summary_is_a_spreadsheet_of_the_class() {
    let dir = tmpdir("cli-summary");
    let a = speak(&dir, "a", "I would like a cup of coffee please", 150);
    let manifest = dir.join("m.tsv");
    std::fs::write(
        &manifest,
        format!(
            "right\t{a}\tI would like a cup of coffee, please.\n\
             wrong\t{a}\tThe weather is lovely, isn't it?\n\
             gone\tmissing.wav\thello\n",
            a = a.display()
        ),
    )
    .unwrap();
    let (out, csv) = (dir.join("o.jsonl"), dir.join("class.csv"));
    let o = elocute(&[
        "batch",
        manifest.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--summary",
        csv.to_str().unwrap(),
        "--config",
        r#"{"GradingSystem":"HundredMark"}"#,
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 4, "{text}");
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (right, wrong, gone) = (&rows[1], &rows[2], &rows[3]);
    assert_eq!((right[0], right[col("status")]), ("right", "ok"));
    assert_eq!(right[col("RecognitionStatus")], "Success");
    let pron = |r: &[&str]| r[col("PronScore")].parse::<f64>().unwrap();
    assert!(pron(right) > pron(wrong) + 30.0, "{text}");
    assert_eq!(right[col("words")], "8");
    assert!(right[col("mispronounced")].is_empty(), "{text}");
    assert!(!wrong[col("mispronounced")].is_empty(), "{text}");
    assert_eq!(right[col("weakest")].matches('(').count(), 3, "{text}");
    assert_eq!((gone[0], gone[col("status")]), ("gone", "error"));
    assert!(gone[col("error")].contains("missing.wav"), "{text}");
}

/// A running `elocute serve`, killed however the test ends, with its log (stderr) to read.
struct Serving {
    child: std::process::Child,
    log: std::io::BufReader<std::process::ChildStderr>,
}

impl Serving {
    /// `elocute serve --port 0 --threads 1` plus `args`.
    fn start(args: &[&std::ffi::OsStr]) -> Serving {
        let mut child = Command::new(env!("CARGO_BIN_EXE_elocute"))
            .args(["serve", "--port", "0", "--threads", "1"])
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let log = std::io::BufReader::new(child.stderr.take().unwrap());
        Serving { child, log }
    }

    /// The next log line.
    fn line(&mut self) -> String {
        use std::io::BufRead;
        let mut line = String::new();
        self.log.read_line(&mut line).unwrap();
        line
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `host:port` after `scheme` (`"http://"`) in a log line.
fn address_after(line: &str, scheme: &str) -> String {
    line.split(scheme)
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no {scheme} address in {line:?}"))
        .to_string()
}

/// `GET /` over plain HTTP: the whole answer.
fn get_root(addr: &str) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer
}

#[test]
fn serve_prints_its_address_and_answers() {
    let mut serving = Serving::start(&[]);
    let addr = address_after(&serving.line(), "http://");
    let answer = get_root(&addr);
    // One log line per request, written after the answer.
    let log = serving.line();
    drop(serving);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"name\":\"elocute\""), "{answer}");
    assert!(log.starts_with("GET / 200"), "{log}");
}

#[test]
fn cert_makes_a_certificate_that_serve_speaks_https_with() {
    let dir = tmpdir("cli-cert").join("tls");
    let out = dir.to_str().unwrap();
    let o = elocute(&[
        "cert",
        "--out",
        out,
        "--name",
        "laptop.local",
        "--name",
        "192.168.1.20",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .collect::<Vec<_>>(),
        [cert.to_str().unwrap(), key.to_str().unwrap()]
    );
    let told = stderr(&o);
    assert!(
        told.contains("localhost, 127.0.0.1, ::1, laptop.local, 192.168.1.20"),
        "{told}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the key is readable by others: {mode:o}");
    }
    let tls = elocute_server::tls::TlsConfig::from_pem_files(&cert, &key).unwrap();
    assert!(told.contains(tls.fingerprint()), "{told}");

    // Never overwritten; a name no client could match is refused by name.
    let before = std::fs::read(&key).unwrap();
    let again = elocute(&["cert", "--out", out]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("exists already"),
        "{}",
        stderr(&again)
    );
    assert_eq!(std::fs::read(&key).unwrap(), before);
    let bad = elocute(&["cert", "--out", out, "--name", "my laptop"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("\"my laptop\" is not a host name"),
        "{}",
        stderr(&bad)
    );

    // serve: both files or neither; a wrong file is named before anything loads.
    let half = elocute(&["serve", "--port", "0", "--tls-cert", cert.to_str().unwrap()]);
    assert_eq!(half.status.code(), Some(2), "{}", stderr(&half));
    let swapped = elocute(&[
        "serve",
        "--port",
        "0",
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        cert.to_str().unwrap(),
    ]);
    assert_eq!(swapped.status.code(), Some(1));
    let e = stderr(&swapped);
    assert!(e.contains("cert.pem: no private key"), "{e}");
    assert_eq!(e.trim().lines().count(), 1, "{e}");

    let mut serving = Serving::start(&[
        "--tls-cert".as_ref(),
        cert.as_os_str(),
        "--tls-key".as_ref(),
        key.as_os_str(),
    ]);
    let (first, second) = (serving.line(), serving.line());
    assert!(first.contains(tls.fingerprint()), "{first}");
    // Plain HTTP there is told to use HTTPS (the TLS itself: crates/elocute-server/tests/tls.rs).
    let answer = get_root(&address_after(&second, "https://"));
    drop(serving);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("use https://"), "{answer}");
}

#[test]
fn serve_on_a_bad_address_fails_with_one_line() {
    let o = elocute(&["serve", "--host", "256.0.0.1", "--port", "1"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("cannot listen on 256.0.0.1:1"), "{e}");
    assert_eq!(e.trim().lines().count(), 1, "{e}");
}

#[test]
fn continuous_mode_prints_segments_and_the_whole_reading() {
    let dir = tmpdir("cli-continuous");
    let (long, _) = two_sentence_reading(&dir);
    let text = "Good morning, how are you today? I would like a cup of coffee, please. Thank you.";
    let args = |format: &'static str| {
        vec![
            "assess".to_string(),
            "--audio".into(),
            long.display().to_string(),
            "--text".into(),
            text.into(),
            "--continuous".into(),
            "--format".into(),
            format.into(),
        ]
    };
    let run = |a: Vec<String>| {
        let o = elocute(&a.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_slice::<serde_json::Value>(&o.stdout).unwrap()
    };
    let v = run(args("sdk"));
    let segments = v["Segments"].as_array().unwrap();
    assert_eq!(segments.len(), 2);
    assert_eq!(
        segments[1]["DisplayText"],
        "I would like a cup of coffee, please."
    );
    assert_eq!(v["DisplayText"], text);
    let words = v["Words"].as_array().unwrap();
    assert_eq!(words.len(), 16);
    // "thank you" was never read.
    assert_eq!(
        words[14]["PronunciationAssessment"]["ErrorType"],
        "Omission"
    );
    assert!(
        v["PronunciationAssessment"]["CompletenessScore"]
            .as_f64()
            .unwrap()
            < 5.0
    );
    let r = run(args("rest"));
    assert_eq!(r["RecognitionStatus"], "Success");
    assert!(r["AccuracyScore"].is_number());
    assert_eq!(r["Segments"][0]["RecognitionStatus"], "Success");

    // Batch: each line holds a continuous result.
    let manifest = dir.join("m.tsv");
    std::fs::write(&manifest, format!("long\t{}\t{text}\n", long.display())).unwrap();
    let out = dir.join("out.jsonl");
    let o = elocute(&[
        "batch",
        manifest.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--continuous",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let line: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&out).unwrap().trim()).unwrap();
    assert_eq!(line["result"], v);

    // Settings that make no sense together are usage errors.
    let o = elocute(&[
        "assess",
        "--audio",
        "x.wav",
        "--text",
        "hi",
        "--segmentation-silence-ms",
        "900",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = elocute(&[
        "features",
        manifest.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--continuous",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("--continuous"), "{}", stderr(&o));
}

/// Run the binary with `input` on its standard input.
fn elocute_with_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_elocute"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // Write from another thread: the child prints while it reads.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

#[test]
fn audio_from_standard_input_streams_in_continuous_mode() {
    let dir = tmpdir("cli-stdin");
    let (long, a) = two_sentence_reading(&dir);
    let text = &TWO_SENTENCES.join(" ");
    let wav = std::fs::read(&long).unwrap();
    let file = elocute(&[
        "assess",
        "--continuous",
        "--audio",
        long.to_str().unwrap(),
        "--text",
        text,
    ]);
    assert!(file.status.success(), "{}", stderr(&file));
    let from_file: serde_json::Value = serde_json::from_slice(&file.stdout).unwrap();
    let args = ["assess", "--continuous", "--audio", "-", "--text", text];
    // A WAV as a recorder streams it: each segment on a line, then the whole reading.
    let streamed = json_lines(&elocute_with_stdin(&args, &wav));
    assert_eq!(streamed.len(), 3, "two segments and the whole");
    assert_eq!(streamed[2], from_file);
    assert_eq!(streamed[..2], from_file["Segments"].as_array().unwrap()[..]);
    // Headerless 16-bit 16 kHz mono samples: the same audio, the same result.
    let raw = &wav[44..];
    assert_eq!(wav[36..40], *b"data", "a plain 44-byte header");
    assert_eq!(json_lines(&elocute_with_stdin(&args, raw)), streamed);
    // One-shot from standard input reads the whole file, as --audio FILE does.
    let one = elocute_with_stdin(
        &[
            "assess",
            "--audio",
            "-",
            "--text",
            "Good morning, how are you today?",
        ],
        &std::fs::read(&a).unwrap(),
    );
    let by_path = elocute(&[
        "assess",
        "--audio",
        a.to_str().unwrap(),
        "--text",
        "Good morning, how are you today?",
    ]);
    assert_eq!(json_lines(&one), json_lines(&by_path));
    // A stream at another rate (espeak-ng writes 22.05 kHz) is resampled as it arrives, sample
    // for sample as the file is: the same result as --audio FILE.
    let a_wav = std::fs::read(&a).unwrap();
    assert_eq!(
        u32::from_le_bytes(a_wav[24..28].try_into().unwrap()),
        22_050
    );
    let streamed = json_lines(&elocute_with_stdin(&args, &a_wav));
    let file = elocute(&[
        "assess",
        "--continuous",
        "--audio",
        a.to_str().unwrap(),
        "--text",
        text,
    ]);
    let from_file: serde_json::Value = serde_json::from_slice(&file.stdout).unwrap();
    assert_eq!(streamed.last(), Some(&from_file));
    assert_eq!(
        from_file["Words"][0]["PronunciationAssessment"]["ErrorType"], "None",
        "{from_file}"
    );
}

/// `--interim`: hypothesis lines (the words heard so far) among the segment lines of a live
/// continuous reading; the other lines are what the reading prints without it.
#[test]
fn interim_lines_follow_a_live_reading() {
    let dir = tmpdir("cli-interim");
    let (long, _) = two_sentence_reading(&dir);
    let text = &TWO_SENTENCES.join(" ");
    let wav = std::fs::read(&long).unwrap();
    let args = ["assess", "--continuous", "--audio", "-", "--text", text];
    let plain = json_lines(&elocute_with_stdin(&args, &wav));
    let with: Vec<&str> = args.iter().copied().chain(["--interim"]).collect();
    let all = json_lines(&elocute_with_stdin(&with, &wav));
    let (hyps, rest): (Vec<_>, Vec<_>) = all.iter().partition(|l| l.get("Hypothesis").is_some());
    assert_eq!(rest.into_iter().cloned().collect::<Vec<_>>(), plain);
    assert!(hyps.len() >= 3, "{hyps:?}");
    let reference = lexical_words(text);
    for h in &hyps {
        let words: Vec<&str> = h["Hypothesis"]["Text"]
            .as_str()
            .unwrap()
            .split(' ')
            .collect();
        assert_eq!(words, reference[..words.len()], "{h}");
    }
    assert!(
        all[0].get("Hypothesis").is_some(),
        "the first line is a hypothesis"
    );
    // Only live audio has interim results.
    let o = elocute(&[
        "assess",
        "--continuous",
        "--interim",
        "--audio",
        long.to_str().unwrap(),
        "--text",
        text,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--interim"), "{}", stderr(&o));
}

//! `elocute`: offline pronunciation assessment from the command line.
//!
//! `elocute assess` scores one recording and prints the Azure-compatible JSON;
//! `elocute batch` scores a manifest in parallel into JSON Lines;
//! `elocute features` writes the learned scorer's input rows of a manifest
//! (for training a scorer, see `scripts/scorer/`);
//! `elocute serve` answers the Azure Speech REST short-audio protocol on a local port;
//! `elocute cert` makes a self-signed certificate for serving it over HTTPS.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

mod summary;
use elocute::{Assessor, AudioLimits, Error, Lexicon, PronunciationAssessmentConfig};

#[derive(Parser)]
#[command(
    name = "elocute",
    version,
    about = "Offline pronunciation assessment with Azure-compatible JSON output"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Assess one recording against its reference text; prints the result JSON.
    Assess {
        /// The recording (WAV: 8/16/24/32-bit PCM or 32-bit float, any rate, any channels; or Opus in Ogg or WebM).
        /// `-` reads standard input; with --continuous a 16-bit WAV (any rate) or headerless 16 kHz mono
        /// 16-bit PCM is assessed as it arrives, each segment printed as a JSON line, the whole reading last.
        #[arg(long)]
        audio: PathBuf,
        /// The reference text (overrides ReferenceText in --config).
        #[arg(long)]
        text: Option<String>,
        #[command(flatten)]
        common: Common,
        /// Indent the JSON.
        #[arg(long)]
        pretty: bool,
        /// With --continuous --audio -: every second of audio, a line
        /// {"Hypothesis": {"Text", "Offset", "Duration"}} with the reference words heard since the
        /// last segment line, when they changed (the SDK's recognizing events).
        #[arg(long, requires = "continuous")]
        interim: bool,
    },
    /// Assess every line of a manifest (`id<TAB>audio path<TAB>reference text`) into JSON Lines.
    /// Output lines are `{"id":…,"result":{…}}` or `{"id":…,"error":"…"}`.
    Batch(BatchArgs),
    /// Write the per-phone evidence (GOP scores and the learned scorer's feature rows) of every
    /// line of a manifest into JSON Lines, for training and studying scorers.
    /// Output lines are `{"id":…,"words":…,"phones":…,"features":…}` or `{"id":…,"error":"…"}`.
    Features(ManifestArgs),
    /// Serve the Azure Speech REST short-audio protocol on a local port: POST a WAV to
    /// /speech/recognition/conversation/cognitiveservices/v1?language=en-US&format=detailed
    /// with a base64 Pronunciation-Assessment header and get the service's JSON back; or open
    /// the same path as a websocket with the Speech SDK (SpeechConfig.fromEndpoint).
    Serve(ServeArgs),
    /// Make a self-signed certificate for `elocute serve --tls-cert/--tls-key` (HTTPS, which
    /// browsers need for the microphone on any host but localhost): writes DIR/cert.pem and
    /// DIR/key.pem, valid 825 days for the names given, and prints its fingerprint.
    Cert(CertArgs),
}

/// `elocute cert`'s settings.
#[derive(Args)]
struct CertArgs {
    /// Folder for cert.pem and key.pem (created; existing files are not overwritten).
    #[arg(long)]
    out: PathBuf,
    /// A host name or IP address the clients will use (repeatable), e.g. laptop.local or
    /// 192.168.1.20; localhost, 127.0.0.1 and ::1 are always included.
    #[arg(long = "name")]
    names: Vec<String>,
}

/// `elocute serve`'s settings.
#[derive(Args)]
struct ServeArgs {
    /// Address to listen on (0.0.0.0 to accept other machines).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one; the address is printed on standard error).
    #[arg(long, default_value_t = 5000)]
    port: u16,
    /// Requests assessed at once (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Require this key in Ocp-Apim-Subscription-Key (or Authorization: Bearer); default: any.
    #[arg(long)]
    api_key: Option<String>,
    /// Let web pages of this origin call the server from a browser (CORS), e.g. http://localhost:3000, or * for any.
    #[arg(long)]
    cors_origin: Option<String>,
    /// Longest recording accepted, in seconds (the service's REST limit is 60).
    #[arg(long, default_value_t = 60.0)]
    max_seconds: f64,
    /// No log line per request.
    #[arg(long)]
    quiet: bool,
    /// Close a websocket on which the app sent nothing for this many seconds (the SDK reconnects
    /// when it next recognizes); a request stalled this long (at most 30 s) gets 408.
    #[arg(long, default_value_t = 300)]
    idle_timeout: u64,
    /// Serve HTTPS and wss:// with this PEM certificate chain (`elocute cert` makes one).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    #[command(flatten)]
    engine: Engine,
}

/// `elocute batch`'s settings.
#[derive(Args)]
struct BatchArgs {
    #[command(flatten)]
    manifest: ManifestArgs,
    /// Also write a CSV with one row per line of the manifest, for a spreadsheet: id, status,
    /// the full-text scores, the words mispronounced, omitted and inserted, the three weakest
    /// words said, the error of a failed item.
    #[arg(long)]
    summary: Option<PathBuf>,
}

/// A manifest run over a thread pool.
#[derive(Args)]
struct ManifestArgs {
    /// The manifest (`id<TAB>audio path<TAB>reference text`); relative audio paths are relative to its folder.
    manifest: PathBuf,
    /// Output file, one JSON line per manifest line, in manifest order.
    #[arg(long)]
    output: PathBuf,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    #[command(flatten)]
    common: Common,
}

/// Output layouts.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// Speech SDK JSON (scores nested under PronunciationAssessment).
    Sdk,
    /// REST short-audio `format=detailed` (scores flat, RecognitionStatus "Success").
    Rest,
    /// REST short-audio `format=simple`.
    RestSimple,
}

impl Format {
    fn render(self, r: &elocute::AssessmentResult) -> serde_json::Value {
        match self {
            Format::Sdk => serde_json::to_value(r).unwrap_or_default(),
            Format::Rest => elocute::to_rest(r, elocute::RestFormat::Detailed),
            Format::RestSimple => elocute::to_rest(r, elocute::RestFormat::Simple),
        }
    }

    fn render_continuous(self, r: &elocute::ContinuousResult) -> serde_json::Value {
        match self {
            Format::Sdk => serde_json::to_value(r).unwrap_or_default(),
            Format::Rest => r.to_rest(elocute::RestFormat::Detailed),
            Format::RestSimple => r.to_rest(elocute::RestFormat::Simple),
        }
    }
}

/// The model, lexicon and scorer an assessor is built from.
#[derive(Args)]
struct Engine {
    /// Extra pronunciations in CMUdict format; they replace CMUdict's for the words they list.
    #[arg(long)]
    lexicon: Vec<PathBuf>,
    /// Model folder (default: ELOCUTE_MODEL or the bundled models/elocute-nn-v6).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Score with the acoustic model's GOP alone, ignoring the model folder's learned scorer.
    #[arg(long)]
    no_scorer: bool,
}

impl Engine {
    fn assessor(&self, limits: AudioLimits) -> Result<Assessor, Error> {
        let mut lexicon = Lexicon::cmudict();
        for f in &self.lexicon {
            lexicon.load_file(f)?;
        }
        let dir = self
            .model
            .clone()
            .unwrap_or_else(elocute::default_model_dir);
        let assessor = Assessor::new(dir, lexicon)?.with_limits(limits);
        Ok(if self.no_scorer {
            assessor.without_scorer()
        } else {
            assessor
        })
    }
}

#[derive(Args)]
struct Common {
    /// PronunciationAssessmentConfig as JSON text or a JSON file.
    #[arg(long)]
    config: Option<String>,
    #[command(flatten)]
    engine: Engine,
    /// Output layout: the Speech SDK's JSON, or the REST API's (`rest` = format=detailed, `rest-simple` = format=simple).
    #[arg(long, value_enum, default_value_t = Format::Sdk)]
    format: Format,
    /// Longest recording accepted, in seconds.
    #[arg(long, default_value_t = 600.0)]
    max_seconds: f64,
    /// Continuous mode, for long readings: the audio is cut at pauses into segments, each
    /// assessed against the words it covers; prints {Segments: [one result per segment], the
    /// whole reading's PronunciationAssessment and Words}.
    #[arg(long)]
    continuous: bool,
    /// With --continuous: the pause that ends a segment, in ms (the SDK's
    /// Speech_SegmentationSilenceTimeoutMs).
    #[arg(long, default_value_t = 1500, requires = "continuous")]
    segmentation_silence_ms: u32,
}

impl Common {
    fn continuous_options(&self) -> elocute::ContinuousOptions {
        elocute::ContinuousOptions {
            segmentation_silence_ms: self.segmentation_silence_ms,
            ..Default::default()
        }
    }

    /// Assess in-memory 16 kHz audio in the chosen mode and layout.
    fn run(
        &self,
        assessor: &Assessor,
        audio: &[f32],
        config: &PronunciationAssessmentConfig,
    ) -> Result<serde_json::Value, Error> {
        if self.continuous {
            let r = assessor.assess_continuous(
                audio,
                elocute::SAMPLE_RATE,
                config,
                self.continuous_options(),
            )?;
            Ok(self.format.render_continuous(&r))
        } else {
            let r = assessor.assess_with_config(audio, elocute::SAMPLE_RATE, config)?;
            Ok(self.format.render(&r))
        }
    }

    fn config(&self) -> Result<PronunciationAssessmentConfig, Error> {
        match &self.config {
            None => Ok(PronunciationAssessmentConfig::default()),
            Some(s) if s.trim_start().starts_with('{') => {
                PronunciationAssessmentConfig::from_json(s)
            }
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
                    path: path.into(),
                    source,
                })?;
                PronunciationAssessmentConfig::from_json(&text).map_err(|e| match e {
                    Error::Config(m) => Error::Config(format!("{path}: {m}")),
                    other => other,
                })
            }
        }
    }

    fn assessor(&self) -> Result<Assessor, Error> {
        self.engine.assessor(self.limits())
    }

    fn limits(&self) -> AudioLimits {
        AudioLimits {
            max_seconds: Some(self.max_seconds),
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Assess {
            audio,
            text,
            common,
            pretty,
            interim,
        } => assess(&audio, text, &common, pretty, interim),
        Command::Batch(args) => batch(&args.manifest, run_item, args.summary.as_deref()),
        Command::Features(args) if args.common.continuous => Err(Error::Config(
            "--continuous applies to assess and batch, not features".into(),
        )),
        Command::Features(args) => batch(&args, features_item, None),
        Command::Serve(args) => serve(&args),
        Command::Cert(args) => cert(&args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("elocute: {e}");
            ExitCode::from(1)
        }
    }
}

fn assess(
    audio: &Path,
    text: Option<String>,
    common: &Common,
    pretty: bool,
    interim: bool,
) -> Result<ExitCode, Error> {
    if interim && audio != Path::new("-") {
        return Err(Error::Config(
            "--interim applies to live audio (--audio -); a file's result comes at once".into(),
        ));
    }
    let mut config = common.config()?;
    if let Some(t) = text {
        config.reference_text = t;
    }
    if config.reference_text.trim().is_empty() {
        return Err(Error::Config(
            "no reference text: pass --text or ReferenceText in --config".into(),
        ));
    }
    let assessor = common.assessor()?;
    let value = if audio == Path::new("-") {
        if common.continuous {
            return stream_continuous(&assessor, &config, common, interim);
        }
        let bytes = read_stdin()?;
        common
            .format
            .render(&assessor.assess_bytes(&bytes, &config)?)
    } else if common.continuous {
        let r = assessor.assess_continuous_file(audio, &config, common.continuous_options())?;
        common.format.render_continuous(&r)
    } else {
        common.format.render(&assessor.assess_file(audio, &config)?)
    };
    let json = if pretty {
        serde_json::to_string_pretty(&value)
    } else {
        serde_json::to_string(&value)
    };
    let json = json.map_err(|e| Error::Config(e.to_string()))?;
    print_line(&json)
}

/// Print one line of output; a reader that closed the pipe (`| head`) has what it wanted.
fn print_line(line: &str) -> Result<ExitCode, Error> {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{line}").and_then(|()| stdout.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(source) => Err(Error::Io {
            path: "<stdout>".into(),
            source,
        }),
        Ok(()) => Ok(ExitCode::SUCCESS),
    }
}

fn stdin_error(source: std::io::Error) -> Error {
    Error::Io {
        path: "<stdin>".into(),
        source,
    }
}

fn read_stdin() -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut bytes)
        .map_err(stdin_error)?;
    Ok(bytes)
}

/// `assess --continuous --audio -`: audio arriving on standard input, each
/// segment printed as a JSON line once complete, the whole reading last.
/// A streamed WAV (16-bit PCM, any rate, resampled as it arrives exactly as
/// the whole file would be) or headerless 16-bit 16 kHz mono PCM is assessed
/// as it arrives; an Ogg or WebM file is read to its end first.
fn stream_continuous(
    assessor: &Assessor,
    config: &PronunciationAssessmentConfig,
    common: &Common,
    interim: bool,
) -> Result<ExitCode, Error> {
    let mut session = assessor.continuous(config, common.continuous_options())?;
    let mut printed = 0;
    let print = |results: &[elocute::AssessmentResult], printed: &mut usize| -> Result<(), Error> {
        for r in results {
            print_line(&common.format.render(r).to_string())?;
            *printed += 1;
        }
        Ok(())
    };
    let mut stdin = std::io::stdin().lock();
    let mut magic = Vec::with_capacity(4);
    (&mut stdin)
        .take(4)
        .read_to_end(&mut magic)
        .map_err(stdin_error)?;
    let mut input = std::io::Cursor::new(magic.clone()).chain(stdin);
    let at_stdin = |e: Error| e.with_path("<stdin>");
    if !magic.starts_with(b"RIFF") && elocute_audio::is_audio_file(&magic) {
        // Ogg and WebM are decoded whole.
        let mut bytes = Vec::new();
        input.read_to_end(&mut bytes).map_err(stdin_error)?;
        let audio = elocute_audio::read_audio_bytes(&bytes, common.limits()).map_err(at_stdin)?;
        print(&session.push(&audio)?, &mut printed)?;
    } else {
        let (channels, rate) = if magic.starts_with(b"RIFF") {
            let f = elocute_audio::read_wav_stream_header(&mut input).map_err(at_stdin)?;
            (f.channels, f.sample_rate)
        } else {
            (1, elocute::SAMPLE_RATE)
        };
        let mut resampler = elocute_audio::StreamResampler::new(rate).map_err(at_stdin)?;
        // --interim: audio taken in, and at the last hypothesis.
        let (mut heard, mut hypothesis_at) = (0usize, 0usize);
        let (mut last_text, mut last_printed) = (String::new(), 0usize);
        // About 100 ms at a time; a sample frame split between reads waits for its rest.
        let frame = 2 * channels;
        let mut buf = vec![0u8; (rate as usize / 10).max(1) * frame];
        let mut pending: Vec<u8> = Vec::new();
        loop {
            let n = match input.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(stdin_error(e)),
            };
            pending.extend_from_slice(&buf[..n]);
            let whole = pending.len() / frame * frame;
            if whole == 0 {
                continue;
            }
            let mono = elocute_audio::pcm16_mono(&pending[..whole], channels);
            pending.drain(..whole);
            let audio = resampler.push(&mono).map_err(at_stdin)?;
            print(&session.push(&audio)?, &mut printed)?;
            heard += audio.len();
            if interim && heard >= hypothesis_at + elocute::SAMPLE_RATE as usize {
                hypothesis_at = heard;
                if let Some(h) = session.hypothesis()? {
                    // Only when the text changed, or a segment line came since.
                    if (h.text.as_str(), printed) != (last_text.as_str(), last_printed) {
                        print_line(
                            &serde_json::json!({"Hypothesis": {
                                "Text": h.text, "Offset": h.offset, "Duration": h.duration}})
                            .to_string(),
                        )?;
                        last_text = h.text;
                        last_printed = printed;
                    }
                }
            }
        }
        let tail = resampler.finish().map_err(at_stdin)?;
        print(&session.push(&tail)?, &mut printed)?;
    }
    let whole = session.finish()?;
    // The segments that only the end of the audio completed.
    print(
        &whole.segments[printed.min(whole.segments.len())..],
        &mut printed,
    )?;
    print_line(&common.format.render_continuous(&whole).to_string())
}

fn serve(args: &ServeArgs) -> Result<ExitCode, Error> {
    let limits = AudioLimits {
        max_seconds: Some(args.max_seconds),
    };
    let assessor = args.engine.assessor(limits)?;
    let model = assessor.model().config().name.clone();
    let options = elocute_server::ServiceOptions {
        api_key: args.api_key.clone(),
        cors_origin: args.cors_origin.clone(),
        limits,
        ..Default::default()
    };
    // Read before the model loads, so a wrong file fails at once.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(elocute_server::tls::TlsConfig::from_pem_files(cert, key)?),
        _ => None,
    };
    let service = elocute_server::Service::new(assessor, options);
    let mut server =
        elocute_server::Server::bind(&format!("{}:{}", args.host, args.port), service)?;
    if let Some(tls) = tls {
        eprintln!("elocute serve: certificate SHA-256 {}", tls.fingerprint());
        server = server.tls(tls);
    }
    let server = if args.quiet { server.quiet() } else { server };
    let server = server.idle_timeout(std::time::Duration::from_secs(args.idle_timeout));
    let workers = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    eprintln!(
        "elocute serve: listening on {}://{} (model {model}, {workers} worker{})",
        if server.is_tls() { "https" } else { "http" },
        server.local_addr(),
        if workers == 1 { "" } else { "s" }
    );
    server.run(workers);
    Ok(ExitCode::SUCCESS)
}

fn cert(args: &CertArgs) -> Result<ExitCode, Error> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".into(), "::1".into()];
    for n in &args.names {
        if !names.iter().any(|m| m.eq_ignore_ascii_case(n)) {
            names.push(n.clone());
        }
    }
    let made = elocute_server::tls::self_signed(&names)?;
    let cert = args.out.join("cert.pem");
    let key = args.out.join("key.pem");
    for p in [&cert, &key] {
        if p.exists() {
            return Err(Error::Config(format!(
                "{} exists already: remove it or choose another --out",
                p.display()
            )));
        }
    }
    let io =
        |p: &Path, e: std::io::Error| Error::Config(format!("cannot write {}: {e}", p.display()));
    std::fs::create_dir_all(&args.out).map_err(|e| io(&args.out, e))?;
    write_private(&key, made.key_pem.as_bytes()).map_err(|e| io(&key, e))?;
    std::fs::write(&cert, &made.cert_pem).map_err(|e| io(&cert, e))?;
    println!("{}\n{}", cert.display(), key.display());
    eprintln!(
        "elocute cert: for {}, valid {} days; SHA-256 {}\n\
         serve with: elocute serve --host 0.0.0.0 --tls-cert {} --tls-key {}\n\
         browsers warn until the certificate is trusted; Node apps: NODE_EXTRA_CA_CERTS={}",
        names.join(", "),
        elocute_server::tls::SELF_SIGNED_DAYS,
        made.fingerprint,
        cert.display(),
        key.display(),
        cert.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Create `path` readable by its owner only (a private key).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

struct Item {
    id: String,
    audio: PathBuf,
    text: String,
}

/// A manifest line: an item to assess, or (id, message) for a line that cannot be read.
type Line = Result<Item, (String, String)>;

fn read_manifest(path: &Path) -> Result<Vec<Line>, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.into(),
        source,
    })?;
    let base = path.parent().unwrap_or(Path::new("."));
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, line)| {
            let mut f = line.splitn(3, '\t');
            match (f.next(), f.next(), f.next()) {
                (Some(id), Some(audio), Some(text)) => Ok(Item {
                    id: id.to_string(),
                    audio: base.join(audio),
                    text: text.to_string(),
                }),
                _ => Err((
                    line.split('\t').next().unwrap_or("").to_string(),
                    format!(
                        "{}:{}: expected id<TAB>audio<TAB>text",
                        path.display(),
                        i + 1
                    ),
                )),
            }
        })
        .collect())
}

fn batch(
    args: &ManifestArgs,
    run_item: ItemRunner,
    summary: Option<&Path>,
) -> Result<ExitCode, Error> {
    let (manifest, output, threads, common) = (
        args.manifest.as_path(),
        args.output.as_path(),
        args.threads,
        &args.common,
    );
    let config = common.config()?;
    let items = read_manifest(manifest)?;
    let assessor = common.assessor()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::Config(format!("cannot start threads: {e}")))?;
    let file = std::fs::File::create(output).map_err(|source| Error::Io {
        path: output.into(),
        source,
    })?;
    let mut out = std::io::BufWriter::new(file);
    let io_err = |source| Error::Io {
        path: output.into(),
        source,
    };
    let summary_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let mut csv = match summary {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(summary_err(path))?;
            let mut w = std::io::BufWriter::new(file);
            writeln!(w, "{}", summary::HEADER).map_err(summary_err(path))?;
            Some((w, path))
        }
        None => None,
    };

    let start = Instant::now();
    let done = AtomicUsize::new(0);
    let total = items.len();
    let (mut failures, mut audio_seconds) = (0usize, 0f64);
    // Chunks keep the output in manifest order while every finished chunk is on disk.
    for chunk in items.chunks(64) {
        let results: Vec<(serde_json::Value, f64, bool)> = pool.install(|| {
            use rayon::prelude::*;
            chunk
                .par_iter()
                .map(|item| {
                    let r = match item {
                        Ok(item) => run_item(&assessor, item, &config, common),
                        Err((id, msg)) => (serde_json::json!({"id": id, "error": msg}), 0.0, false),
                    };
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    progress(n, total, start);
                    r
                })
                .collect()
        });
        for (line, secs, ok) in results {
            writeln!(out, "{line}").map_err(io_err)?;
            if let Some((w, path)) = csv.as_mut() {
                writeln!(w, "{}", summary::row(&line)).map_err(summary_err(path))?;
            }
            audio_seconds += secs;
            failures += usize::from(!ok);
        }
        out.flush().map_err(io_err)?;
        if let Some((w, path)) = csv.as_mut() {
            w.flush().map_err(summary_err(path))?;
        }
    }
    let wall = start.elapsed().as_secs_f64();
    eprintln!(
        "\nelocute batch: {total} items, {failures} failed, {audio_seconds:.1} s audio, {wall:.2} s wall, real-time factor {:.4}",
        if audio_seconds > 0.0 { wall / audio_seconds } else { 0.0 }
    );
    Ok(if failures > 0 {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    })
}

/// Turns one manifest item into its output line, the seconds of audio and whether it succeeded.
type ItemRunner =
    fn(&Assessor, &Item, &PronunciationAssessmentConfig, &Common) -> (serde_json::Value, f64, bool);

fn run_item(
    assessor: &Assessor,
    item: &Item,
    config: &PronunciationAssessmentConfig,
    common: &Common,
) -> (serde_json::Value, f64, bool) {
    with_audio(item, config, common, |audio, cfg| {
        let r = common.run(assessor, audio, cfg)?;
        Ok(serde_json::json!({"id": item.id, "result": r}))
    })
}

fn features_item(
    assessor: &Assessor,
    item: &Item,
    config: &PronunciationAssessmentConfig,
    common: &Common,
) -> (serde_json::Value, f64, bool) {
    with_audio(item, config, common, |audio, cfg| {
        let ev = assessor.evidence(audio, elocute::SAMPLE_RATE, cfg)?;
        let s = &ev.scores;
        let phones: Vec<String> = ev
            .reference
            .prons
            .iter()
            .flat_map(|p| p.iter().map(|ph| ph.to_string()))
            .collect();
        let rows: Vec<Vec<f32>> = ev
            .input
            .features
            .rows()
            .into_iter()
            .map(|r| r.to_vec())
            .collect();
        Ok(serde_json::json!({
            "id": item.id,
            "feature_version": elocute::FEATURE_VERSION,
            "words": ev.reference.words,
            "phones": phones,
            "phone_ids": ev.input.phones,
            "word_of": s.phones.iter().map(|p| p.word).collect::<Vec<_>>(),
            "span": s.phones.iter().map(|p| [p.start, p.end]).collect::<Vec<_>>(),
            "gop_accuracy": s.phones.iter().map(|p| p.accuracy).collect::<Vec<_>>(),
            "accuracy": s.accuracy,
            "fluency": s.fluency,
            "completeness": s.completeness,
            "features": rows,
        }))
    })
}

/// Read an item's audio and run `f` on it with the item's text in the settings: the output
/// line (or an error line naming the file), the seconds of audio, and whether it succeeded.
fn with_audio(
    item: &Item,
    config: &PronunciationAssessmentConfig,
    common: &Common,
    f: impl FnOnce(&[f32], &PronunciationAssessmentConfig) -> Result<serde_json::Value, Error>,
) -> (serde_json::Value, f64, bool) {
    let mut cfg = config.clone();
    cfg.reference_text = item.text.clone();
    let outcome = elocute_audio::read_audio(&item.audio, common.limits()).and_then(|audio| {
        let secs = audio.len() as f64 / f64::from(elocute::SAMPLE_RATE);
        f(&audio, &cfg)
            .map(|line| (line, secs))
            .map_err(|e| e.with_path(&item.audio))
    });
    match outcome {
        Ok((line, secs)) => (line, secs, true),
        Err(e) => (
            serde_json::json!({"id": item.id, "error": e.to_string()}),
            0.0,
            false,
        ),
    }
}

fn progress(n: usize, total: usize, start: Instant) {
    // Redraw at most ~100 times per batch.
    if n == total || n.is_multiple_of((total / 100).max(1)) {
        let width = 30;
        let filled = width * n / total.max(1);
        eprint!(
            "\r[{}{}] {n}/{total} {:.0}s",
            "#".repeat(filled),
            " ".repeat(width - filled),
            start.elapsed().as_secs_f64()
        );
    }
}

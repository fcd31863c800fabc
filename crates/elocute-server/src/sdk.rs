//! The Speech SDK's websocket protocol, so that an app using the Speech SDK
//! (`SpeechConfig.fromEndpoint(new URL("ws://127.0.0.1:5000/speech/recognition/conversation/cognitiveservices/v1"))`,
//! or `fromHost("ws://127.0.0.1:5000")`) gets its pronunciation assessment from
//! elocute with no other change.
//!
//! The SDK opens a websocket on a recognition path and sends messages, each a
//! block of `Name: value` header lines (`Path`, `X-RequestId`, `Content-Type`),
//! a blank line and a body: text frames `speech.config` and `speech.context`
//! (whose `phraseDetection.enrichment.pronunciationAssessment` is the
//! assessment config), then binary `audio` frames (a 2-byte big-endian header
//! length, the headers, the bytes: first a WAV header, then 16-bit PCM; an
//! empty one ends the audio). The service answers, with the same
//! `X-RequestId`, `turn.start`, `speech.startDetected`, one `speech.phrase`
//! per utterance (the assessment, in the SDK's JSON layout),
//! `speech.endDetected` and `turn.end`.
//!
//! As the service: `recognizeOnceAsync` (the `interactive` path, or
//! `phraseDetection.mode` `Interactive`) assesses one utterance, which ends
//! after `endSilenceTimeoutMs` of silence (default 5000, as the service's
//! pronunciation assessment), or when the audio ends; continuous recognition
//! (`conversation` or `dictation`) assesses the reading pause by pause with
//! [`elocute::ContinuousSession`] (`segmentationSilenceTimeoutMs`, default
//! 1500) and sends each segment as its own `speech.phrase`.
//!
//! [`SdkSession`] runs the protocol without a socket; the server feeds it
//! the frames of each websocket connection.

use std::collections::HashSet;
use std::time::Instant;

use elocute::{AssessmentResult, ContinuousSession, Error, PronunciationAssessmentConfig};
use serde_json::{json, Value};

use crate::protocol::{query_pairs, HttpError, LANGUAGE};
use crate::Service;

/// How a connection's turns end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdkMode {
    /// One utterance per turn (`recognizeOnceAsync`): it ends at the first
    /// long enough silence or at the end of the audio.
    Interactive,
    /// A reading of any length (`startContinuousRecognitionAsync`): one
    /// `speech.phrase` per segment, the turn ends with the audio.
    Continuous,
}

/// What a websocket connection's URL asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct SdkSettings {
    /// From the path's recognition mode; `speech.context` may override it.
    pub mode: SdkMode,
    /// Silence after speech that ends an interactive utterance (ms).
    pub end_silence_ms: u32,
    /// Silence before any speech after which an interactive turn gives up (ms).
    pub initial_silence_ms: u32,
    /// The pause that ends a segment in continuous mode (ms).
    pub segmentation_silence_ms: u32,
}

/// The SDK's recognition paths (the REST paths, opened as websockets).
const PATHS: [(&str, SdkMode); 3] = [
    (
        "/speech/recognition/interactive/cognitiveservices/v1",
        SdkMode::Interactive,
    ),
    (
        "/speech/recognition/conversation/cognitiveservices/v1",
        SdkMode::Continuous,
    ),
    (
        "/speech/recognition/dictation/cognitiveservices/v1",
        SdkMode::Continuous,
    ),
];

/// Read a websocket URL (path and query) into [`SdkSettings`]: 404 for
/// another path, 400 for another language or a bad timeout.
///
/// ```
/// use elocute_server::sdk::{sdk_settings, SdkMode};
/// let s = sdk_settings("/speech/recognition/interactive/cognitiveservices/v1?language=en-US&format=detailed&endSilenceTimeoutMs=800").unwrap();
/// assert_eq!((s.mode, s.end_silence_ms), (SdkMode::Interactive, 800));
/// assert_eq!(sdk_settings("/speech/recognition/conversation/cognitiveservices/v1").unwrap().mode, SdkMode::Continuous);
/// assert_eq!(sdk_settings("/elsewhere").unwrap_err().status, 404);
/// assert_eq!(sdk_settings("/speech/recognition/conversation/cognitiveservices/v1?language=de-DE").unwrap_err().status, 400);
/// ```
pub fn sdk_settings(url: &str) -> Result<SdkSettings, HttpError> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let mode = PATHS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, m)| *m)
        .ok_or_else(|| HttpError {
            status: 404,
            code: "NotFound",
            message: format!(
                "no websocket endpoint at {path:?}: connect to {}",
                PATHS[1].0
            ),
        })?;
    let mut s = SdkSettings {
        mode,
        end_silence_ms: 5000,
        initial_silence_ms: 5000,
        segmentation_silence_ms: elocute::ContinuousOptions::default().segmentation_silence_ms,
    };
    for (key, value) in query_pairs(url) {
        let ms = || {
            value.parse::<u32>().map_err(|_| {
                HttpError::bad_request(format!(
                    "query parameter {key}={value:?}: expected milliseconds"
                ))
            })
        };
        match key.to_ascii_lowercase().as_str() {
            "language" if !value.eq_ignore_ascii_case(LANGUAGE) => {
                return Err(HttpError::bad_request(format!(
                    "language {value:?} is not supported: elocute assesses {LANGUAGE}"
                )))
            }
            "endsilencetimeoutms" => s.end_silence_ms = ms()?,
            "initialsilencetimeoutms" => s.initial_silence_ms = ms()?,
            "segmentationsilencetimeoutms" => s.segmentation_silence_ms = ms()?,
            _ => {}
        }
    }
    Ok(s)
}

/// One protocol message: its header fields and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdkMessage {
    /// Header fields in order; names compare case-insensitively.
    pub headers: Vec<(String, String)>,
    /// The body (JSON text, or audio bytes).
    pub body: Vec<u8>,
}

impl SdkMessage {
    /// The first header of that name (case-insensitive), trimmed.
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::protocol::find_header(&self.headers, name)
    }

    /// The `Path` header, lower-cased (`speech.context`, `audio`, ...).
    pub fn path(&self) -> String {
        self.header("Path").unwrap_or("").to_ascii_lowercase()
    }

    /// Read a text frame: headers, a blank line, the body.
    ///
    /// ```
    /// use elocute_server::sdk::SdkMessage;
    /// let m = SdkMessage::from_text("Path: speech.context\r\nX-RequestId: AB12\r\n\r\n{}").unwrap();
    /// assert_eq!((m.path().as_str(), m.header("x-requestid"), &m.body[..]), ("speech.context", Some("AB12"), &b"{}"[..]));
    /// assert!(SdkMessage::from_text("no headers here").is_err());
    /// ```
    pub fn from_text(text: &str) -> Result<Self, String> {
        let (head, body) = text
            .split_once("\r\n\r\n")
            .ok_or("a text message needs header lines and a blank line before its body")?;
        Ok(SdkMessage {
            headers: parse_headers(head)?,
            body: body.as_bytes().to_vec(),
        })
    }

    /// Read a binary frame: a 2-byte big-endian header length, the header
    /// lines, the body.
    ///
    /// ```
    /// use elocute_server::sdk::SdkMessage;
    /// let head = b"Path: audio\r\nX-RequestId: AB12\r\n";
    /// let mut frame = vec![0, head.len() as u8];
    /// frame.extend(head);
    /// frame.extend([1, 2, 3, 4]);
    /// let m = SdkMessage::from_binary(&frame).unwrap();
    /// assert_eq!((m.path().as_str(), &m.body[..]), ("audio", &[1, 2, 3, 4][..]));
    /// assert!(SdkMessage::from_binary(&[0, 9, b'P']).is_err());
    /// ```
    pub fn from_binary(data: &[u8]) -> Result<Self, String> {
        if data.len() < 2 {
            return Err("a binary message is shorter than its 2-byte header length".into());
        }
        let n = u16::from_be_bytes([data[0], data[1]]) as usize;
        let head = data
            .get(2..2 + n)
            .ok_or_else(|| format!("a binary message's header length {n} runs past its end"))?;
        let head = std::str::from_utf8(head).map_err(|_| "binary message headers are not UTF-8")?;
        Ok(SdkMessage {
            headers: parse_headers(head)?,
            body: data[2 + n..].to_vec(),
        })
    }
}

fn parse_headers(head: &str) -> Result<Vec<(String, String)>, String> {
    // Lines end with CRLF; a bare LF is taken as a line end too rather than kept in a name.
    head.split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.is_empty())
        .map(|l| {
            l.split_once(':')
                .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| format!("header line {l:?} has no ':'"))
        })
        .collect()
}

/// A text frame from the service: `Path`, `X-RequestId`, `Content-Type`, the JSON.
///
/// ```
/// let f = elocute_server::sdk::text_frame("turn.end", "AB12", &serde_json::json!({}));
/// assert!(f.starts_with("Path: turn.end\r\nX-RequestId: AB12\r\n") && f.ends_with("\r\n\r\n{}"));
/// ```
pub fn text_frame(path: &str, request_id: &str, body: &Value) -> String {
    format!(
        "Path: {path}\r\nX-RequestId: {request_id}\r\nContent-Type: application/json; charset=utf-8\r\n\r\n{body}"
    )
}

/// The assessment as the service sends it in `speech.phrase`: the SDK's
/// JSON layout with `RecognitionStatus` by name (the SDK maps it back).
pub fn phrase_json(result: &AssessmentResult) -> Value {
    let mut v = serde_json::to_value(result).unwrap_or_else(|_| json!({}));
    if let Some(o) = v.as_object_mut() {
        o.insert(
            "RecognitionStatus".into(),
            result.recognition_status.name().into(),
        );
    }
    v
}

/// What the server does after a frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdkReply {
    /// Send this text frame.
    Text(String),
    /// Close the connection with this code (1007: the client's request is
    /// wrong; 1011: elocute failed) and reason, which the SDK reports as
    /// the recognition's cancellation details.
    Close(u16, String),
}

/// When a turn sends interim results (`speech.hypothesis`, the SDK's
/// `recognizing` events): the reference words read so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Hypotheses {
    /// Never.
    Off,
    /// While the audio arrives about as fast as it is spoken (a microphone):
    /// every second of audio (interactively, every tenth of the utterance so
    /// far once it is longer than 10 s). Audio sent much faster than real
    /// time (a file) gets none, since each costs an assessment or alignment
    /// of the audio so far and would only delay the final result.
    #[default]
    Live,
    /// At the same steps however fast the audio comes (for tests).
    Always,
}

/// One websocket connection's protocol state: the turn in progress.
pub struct SdkSession<'a> {
    service: &'a Service,
    settings: SdkSettings,
    hypotheses: Hypotheses,
    turn: Option<Turn<'a>>,
    /// Request ids whose turn has ended: late audio for them is dropped.
    ended: HashSet<String>,
    /// The last assessment config received: a turn whose own speech.context
    /// did not come (or came without one) uses it.
    last_config: Option<PronunciationAssessmentConfig>,
}

impl std::fmt::Debug for SdkSession<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdkSession")
            .field("settings", &self.settings)
            .field("turn", &self.turn.as_ref().map(|t| &t.request_id))
            .finish()
    }
}

struct Turn<'a> {
    request_id: String,
    config: Option<PronunciationAssessmentConfig>,
    mode: SdkMode,
    segmentation_silence_ms: u32,
    started: bool,
    /// Channels and rate of the audio (a WAV header, else 16 kHz mono).
    format: Option<elocute_audio::StreamFormat>,
    /// Bytes of an incomplete sample frame.
    pending: Vec<u8>,
    /// The audio to 16 kHz as it arrives (set with `format`): sample for
    /// sample what resampling the whole recording at once gives.
    resampler: Option<elocute_audio::StreamResampler>,
    /// Interactive: the utterance so far at 16 kHz. Where it ends is found
    /// 10 ms frame by frame as the audio arrives.
    samples: Vec<f32>,
    level_frames: usize,
    speech_frames: usize,
    last_speech: Option<usize>,
    /// When the turn's first audio came, how much audio (at 16 kHz) has
    /// come, how much the last hypothesis heard, and its text.
    clock: Option<Instant>,
    heard: usize,
    hypothesis_at: usize,
    hypothesis_text: String,
    continuous: Option<ContinuousSession<'a>>,
    /// Continuous: phrases sent so far, and whether speech was announced.
    sent: usize,
    speech_announced: bool,
}

/// A failure that ends the connection.
struct Close(u16, String);

impl From<Error> for Close {
    fn from(e: Error) -> Self {
        let message = e.to_string().replace("<in-memory audio>", "the audio");
        match e {
            Error::Io { .. } | Error::Model { .. } | Error::Runtime(_) => Close(1011, message),
            _ => Close(1007, message),
        }
    }
}

impl<'a> SdkSession<'a> {
    /// A connection to `service` opened with `settings` (from [`sdk_settings`]).
    pub fn new(service: &'a Service, settings: SdkSettings) -> Self {
        SdkSession {
            service,
            settings,
            hypotheses: Hypotheses::default(),
            turn: None,
            ended: HashSet::new(),
            last_config: None,
        }
    }

    /// When to send interim results (default [`Hypotheses::Live`]).
    pub fn with_hypotheses(mut self, hypotheses: Hypotheses) -> Self {
        self.hypotheses = hypotheses;
        self
    }

    /// Handle a text frame.
    pub fn on_text(&mut self, text: &str) -> Vec<SdkReply> {
        self.guarded(|s| s.handle(SdkMessage::from_text(text).map_err(|e| Close(1007, e))?))
    }

    /// Handle a binary frame.
    pub fn on_binary(&mut self, data: &[u8]) -> Vec<SdkReply> {
        self.guarded(|s| s.handle(SdkMessage::from_binary(data).map_err(|e| Close(1007, e))?))
    }

    /// Run `f`; a failure, or a panic inside the assessment, becomes a close.
    fn guarded(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<Vec<String>, Close>,
    ) -> Vec<SdkReply> {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(self)));
        match outcome {
            Ok(Ok(frames)) => frames.into_iter().map(SdkReply::Text).collect(),
            Ok(Err(Close(code, reason))) => {
                self.turn = None;
                vec![SdkReply::Close(code, reason)]
            }
            Err(_) => {
                self.turn = None;
                vec![SdkReply::Close(
                    1011,
                    "the assessment failed unexpectedly".into(),
                )]
            }
        }
    }

    fn handle(&mut self, m: SdkMessage) -> Result<Vec<String>, Close> {
        let path = m.path();
        let id = m.header("X-RequestId").unwrap_or("").to_string();
        match path.as_str() {
            "speech.context" => {
                let turn = self.turn_for(&id);
                let body = std::str::from_utf8(&m.body)
                    .map_err(|_| Close(1007, "speech.context is not UTF-8".into()))?;
                turn.read_context(body)?;
                if turn.config.is_some() {
                    self.last_config = turn.config.clone();
                }
                Ok(Vec::new())
            }
            "audio" => {
                if self.ended.contains(&id) {
                    return Ok(Vec::new());
                }
                let service = self.service;
                let settings = self.settings.clone();
                let hypotheses = self.hypotheses;
                let turn = self.turn_for(&id);
                let mut out = Vec::new();
                if !turn.started {
                    turn.started = true;
                    out.push(text_frame(
                        "turn.start",
                        &id,
                        &json!({"context": {"serviceTag": "elocute"}}),
                    ));
                }
                let done = if m.body.is_empty() {
                    turn.finish(service, &mut out)?;
                    true
                } else {
                    turn.push(service, &settings, &m.body, &mut out)?
                };
                if !done {
                    turn.hypothesis(service, hypotheses, &mut out)?;
                }
                if done {
                    self.ended.insert(id);
                    self.turn = None;
                }
                Ok(out)
            }
            // speech.config (the client's platform) and telemetry need no answer.
            _ => Ok(Vec::new()),
        }
    }

    /// The turn of request `id`, a new one if the id changed.
    fn turn_for(&mut self, id: &str) -> &mut Turn<'a> {
        if self.turn.as_ref().is_none_or(|t| t.request_id != id) {
            self.turn = Some(Turn {
                request_id: id.to_string(),
                config: self.last_config.clone(),
                mode: self.settings.mode,
                segmentation_silence_ms: self.settings.segmentation_silence_ms,
                started: false,
                format: None,
                pending: Vec::new(),
                resampler: None,
                samples: Vec::new(),
                level_frames: 0,
                speech_frames: 0,
                last_speech: None,
                clock: None,
                heard: 0,
                hypothesis_at: 0,
                hypothesis_text: String::new(),
                continuous: None,
                sent: 0,
                speech_announced: false,
            });
        }
        self.turn.as_mut().expect("just set")
    }
}

impl<'a> Turn<'a> {
    fn read_context(&mut self, body: &str) -> Result<(), Close> {
        let v: Value = serde_json::from_str(body)
            .map_err(|e| Close(1007, format!("speech.context is not JSON: {e}")))?;
        let pd = &v["phraseDetection"];
        match pd["mode"].as_str().map(str::to_ascii_lowercase).as_deref() {
            Some("interactive") => self.mode = SdkMode::Interactive,
            Some("conversation") | Some("dictation") => self.mode = SdkMode::Continuous,
            _ => {}
        }
        // The JavaScript SDK writes `conversation`, the C++ core (Python, C#, Java) `CONVERSATION`.
        let modes = pd.as_object().into_iter().flatten().filter(|(k, _)| {
            ["conversation", "interactive", "dictation"]
                .iter()
                .any(|m| m.eq_ignore_ascii_case(k))
        });
        for (_, mode) in modes {
            if let Some(ms) = mode["segmentation"]["segmentationSilenceTimeoutMs"].as_u64() {
                self.segmentation_silence_ms = ms.min(u32::MAX as u64) as u32;
            }
        }
        let pa = &pd["enrichment"]["pronunciationAssessment"];
        if pa.is_object() {
            let config = PronunciationAssessmentConfig::from_json(&pa.to_string())
                .map_err(|e| Close(1007, format!("pronunciation assessment config: {e}")))?;
            self.config = Some(config);
        }
        Ok(())
    }

    fn config(&self) -> Result<&PronunciationAssessmentConfig, Close> {
        let c = self.config.as_ref().ok_or_else(|| {
            Close(
                1007,
                "no pronunciation assessment config in speech.context: apply a \
                 PronunciationAssessmentConfig to the recognizer (elocute assesses readings, it does not transcribe)"
                    .into(),
            )
        })?;
        if c.reference_text.trim().is_empty() {
            return Err(Close(
                1007,
                "ReferenceText is empty: unscripted assessment is not supported".into(),
            ));
        }
        Ok(c)
    }

    /// Take audio bytes; true when the turn ended (an interactive utterance is over).
    fn push(
        &mut self,
        service: &'a Service,
        settings: &SdkSettings,
        bytes: &[u8],
        out: &mut Vec<String>,
    ) -> Result<bool, Close> {
        self.config()?;
        self.clock.get_or_insert_with(Instant::now);
        let mut bytes = bytes;
        if self.format.is_none() {
            let f = if bytes.starts_with(b"RIFF") {
                elocute_audio::read_wav_stream_header(&mut bytes)?
            } else {
                elocute_audio::StreamFormat {
                    channels: 1,
                    sample_rate: elocute::SAMPLE_RATE,
                }
            };
            self.format = Some(f);
            self.resampler = Some(elocute_audio::StreamResampler::new(f.sample_rate)?);
            if self.mode == SdkMode::Continuous {
                let options = elocute::ContinuousOptions {
                    segmentation_silence_ms: self.segmentation_silence_ms,
                    ..Default::default()
                };
                let config = self.config()?.clone();
                self.continuous = Some(service.assessor.continuous(&config, options)?);
            }
        }
        let f = self.format.expect("set above");
        self.pending.extend_from_slice(bytes);
        let frame = 2 * f.channels;
        let whole = self.pending.len() / frame * frame;
        if whole == 0 {
            return Ok(false);
        }
        let mono = elocute_audio::pcm16_mono(&self.pending[..whole], f.channels);
        self.pending.drain(..whole);
        let audio = self
            .resampler
            .as_mut()
            .expect("set with the format")
            .push(&mono)?;
        self.heard += audio.len();
        if let Some(session) = self.continuous.as_mut() {
            let results = session.push(&audio)?;
            self.send_phrases(&results, out);
            return Ok(false);
        }
        self.samples.extend_from_slice(&audio);
        if self.utterance_over(service, settings) {
            self.finish(service, out)?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Interactive: has the utterance ended (silence after speech, silence
    /// only for too long, or the length limit)? Levels as
    /// [`elocute::audible_frames`] measures them (25 ms windows every 10 ms),
    /// computed once per frame.
    fn utterance_over(&mut self, service: &Service, settings: &SdkSettings) -> bool {
        let rate = elocute::SAMPLE_RATE as usize;
        let (hop, window) = (elocute_audio::LEVEL_HOP, elocute_audio::LEVEL_WINDOW);
        let heard = &self.samples;
        while self.level_frames * hop + window <= heard.len() {
            let from = self.level_frames * hop;
            if elocute_audio::frame_level_db(&heard[from..from + window]) > elocute::AUDIBLE_DB {
                self.speech_frames += 1;
                self.last_speech = Some(self.level_frames);
            }
            self.level_frames += 1;
        }
        let n = self.level_frames;
        let limit = service.options.limits.max_seconds.unwrap_or(f64::INFINITY);
        if heard.len() as f64 / rate as f64 >= limit {
            return true;
        }
        // A click is not speech: 200 ms of it is (as continuous mode's minimum).
        match self.last_speech {
            Some(last) if self.speech_frames >= 20 => {
                (n - 1 - last) * 10 >= settings.end_silence_ms as usize
            }
            _ => n * 10 >= settings.initial_silence_ms as usize,
        }
    }

    /// An interim result, the reference words read so far, when `policy`
    /// and the audio since the last one allow (see [`Hypotheses`]).
    /// Interactive: found by assessing the utterance so far with miscue on,
    /// so the reading may stop at any word. Continuous: the words of the
    /// audio no phrase has covered yet ([`ContinuousSession::hypothesis`]).
    fn hypothesis(
        &mut self,
        service: &Service,
        policy: Hypotheses,
        out: &mut Vec<String>,
    ) -> Result<(), Close> {
        let n = self.heard;
        let rate = elocute::SAMPLE_RATE as usize;
        let step = if self.continuous.is_some() {
            rate
        } else {
            rate.max(n / 10)
        };
        if policy == Hypotheses::Off || n < self.hypothesis_at + step {
            return Ok(());
        }
        if policy == Hypotheses::Live {
            let elapsed = self.clock.map_or(0.0, |c| c.elapsed().as_secs_f64());
            if n as f64 / rate as f64 > 1.25 * elapsed + 0.5 {
                return Ok(());
            }
        }
        if let Some(session) = self.continuous.as_ref() {
            self.hypothesis_at = n;
            if let Some(h) = session.hypothesis()? {
                self.send_hypothesis(h.text, h.offset, h.duration, out);
            }
            return Ok(());
        }
        if self.speech_frames < 20 {
            return Ok(());
        }
        self.hypothesis_at = n;
        let mut config = self.config()?.clone();
        config.enable_miscue = true;
        config.enable_prosody_assessment = false;
        config.nbest_phoneme_count = 0;
        config.granularity = elocute::Granularity::Word;
        let r =
            service
                .assessor
                .assess_with_config(&self.samples, elocute::SAMPLE_RATE, &config)?;
        let Some(best) = r.nbest.first() else {
            return Ok(());
        };
        let read: Vec<&elocute::Word> = best
            .words
            .iter()
            .filter(|w| {
                !matches!(
                    w.pronunciation_assessment.error_type.as_str(),
                    "Omission" | "Insertion"
                )
            })
            .collect();
        let (Some(first), Some(last)) = (read.first(), read.last()) else {
            return Ok(());
        };
        let text = read
            .iter()
            .map(|w| w.word.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let duration = (last.offset + last.duration).saturating_sub(first.offset);
        self.send_hypothesis(text, first.offset, duration, out);
        Ok(())
    }

    /// A `speech.hypothesis` unless it says what the last one said (after
    /// `speech.startDetected` if none came yet).
    fn send_hypothesis(&mut self, text: String, offset: u64, duration: u64, out: &mut Vec<String>) {
        if text == self.hypothesis_text {
            return;
        }
        if !self.speech_announced {
            self.speech_announced = true;
            out.push(text_frame(
                "speech.startDetected",
                &self.request_id,
                &json!({"Offset": offset}),
            ));
        }
        out.push(text_frame(
            "speech.hypothesis",
            &self.request_id,
            &json!({"Text": text, "Offset": offset, "Duration": duration}),
        ));
        self.hypothesis_text = text;
    }

    fn send_phrases(&mut self, results: &[AssessmentResult], out: &mut Vec<String>) {
        for r in results {
            if !self.speech_announced {
                self.speech_announced = true;
                out.push(text_frame(
                    "speech.startDetected",
                    &self.request_id,
                    &json!({"Offset": r.offset}),
                ));
            }
            out.push(text_frame(
                "speech.phrase",
                &self.request_id,
                &phrase_json(r),
            ));
            self.sent += 1;
            self.hypothesis_text.clear();
        }
    }

    /// End the turn: assess what is left and send the closing messages.
    fn finish(&mut self, service: &'a Service, out: &mut Vec<String>) -> Result<(), Close> {
        let config = self.config()?.clone();
        let end_ticks;
        // The resampler's last samples (none at 16 kHz).
        let tail = match self.resampler.take() {
            Some(r) => r.finish()?,
            None => Vec::new(),
        };
        if let Some(mut session) = self.continuous.take() {
            let results = session.push(&tail)?;
            self.send_phrases(&results, out);
            let whole = session.finish()?;
            let rest: Vec<AssessmentResult> =
                whole.segments[self.sent.min(whole.segments.len())..].to_vec();
            self.send_phrases(&rest, out);
            end_ticks = whole.offset + whole.duration;
        } else if self.samples.is_empty() && tail.is_empty() {
            // A turn without audio (the SDKs open one more as they stop): nothing to assess.
            end_ticks = 0;
        } else {
            let mut audio = std::mem::take(&mut self.samples);
            audio.extend_from_slice(&tail);
            let result =
                service
                    .assessor
                    .assess_with_config(&audio, elocute::SAMPLE_RATE, &config)?;
            end_ticks = audio.len() as u64 * 10_000_000 / elocute::SAMPLE_RATE as u64;
            self.send_phrases(std::slice::from_ref(&result), out);
        }
        out.push(text_frame(
            "speech.endDetected",
            &self.request_id,
            &json!({"Offset": end_ticks}),
        ));
        out.push(text_frame("turn.end", &self.request_id, &json!({})));
        Ok(())
    }
}

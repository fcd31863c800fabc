//! The REST short-audio protocol, independent of any HTTP library: which
//! route a request takes, and what its URL and headers ask for.
//!
//! Everything here is a pure function of the request's text, so it is unit
//! tested and fuzzed without a model or a socket.

use base64::engine::{general_purpose::GeneralPurpose, DecodePaddingMode, GeneralPurposeConfig};
use base64::{alphabet, Engine as _};
use elocute::{Dimension, PronunciationAssessmentConfig, RestFormat};
use serde_json::{json, Value};

/// The path of the service's token endpoint (`https://<region>.api.cognitive.microsoft.com/sts/v1.0/issueToken`).
const TOKEN_PATH: &str = "/sts/v1.0/issueToken";

/// The path prefix of the service's speech-to-text short-audio endpoints;
/// the next segment is the recognition mode.
const PATH_PREFIX: &str = "/speech/recognition/";
const PATH_SUFFIX: &str = "/cognitiveservices/v1";
/// The service's three recognition modes; elocute assesses the same way in each.
const MODES: [&str; 3] = ["conversation", "interactive", "dictation"];

/// What elocute can assess: US English, the one locale whose phone set,
/// syllables and prosody the service also supports in full.
pub const LANGUAGE: &str = "en-US";

/// A request as the protocol sees it.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `GET`, `POST`, ...
    pub method: &'a str,
    /// Path and query, as sent (`/speech/...?language=en-US&format=detailed`).
    pub url: &'a str,
    /// Header fields in the order received; names compare case-insensitively.
    pub headers: &'a [(String, String)],
    /// The body (the audio for a recognition request).
    pub body: &'a [u8],
}

impl Request<'_> {
    /// The first header of that name (case-insensitive), trimmed.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(self.headers, name)
    }
}

/// The first of `headers` named `name` (case-insensitive), its value trimmed:
/// the one lookup of REST requests, SDK messages and HTTP heads.
pub(crate) fn find_header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// A response: status code, extra header fields and body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status code.
    pub status: u16,
    /// Header fields beside `Content-Type` (CORS, `Allow`).
    pub headers: Vec<(String, String)>,
    /// The body: JSON, `Null` for none (as in a 204), or a JSON string,
    /// sent as is (plain text unless `headers` name a `Content-Type`: an
    /// issued token, the demo page).
    pub body: Value,
}

impl Reply {
    /// A reply with a JSON body and no extra header.
    pub fn json(status: u16, body: Value) -> Self {
        Reply {
            status,
            headers: Vec::new(),
            body,
        }
    }
}

/// A request the protocol refuses, with the status and a message that says
/// which part of the request is at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpError {
    /// HTTP status code (400, 401, 404, 405, 413, 500).
    pub status: u16,
    /// Short machine-readable code (`BadRequest`, `Unauthorized`, ...).
    pub code: &'static str,
    /// One line for a person.
    pub message: String,
}

impl HttpError {
    /// A 400 Bad Request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        HttpError {
            status: 400,
            code: "BadRequest",
            message: message.into(),
        }
    }

    /// The error as a reply: `{"error": {"code": ..., "message": ...}}`.
    pub fn reply(&self) -> Reply {
        Reply::json(
            self.status,
            json!({"error": {"code": self.code, "message": self.message}}),
        )
    }
}

/// Where a request goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// `POST /speech/recognition/<mode>/cognitiveservices/v1`: assess the body.
    Recognize,
    /// `GET /`: what is serving (name, version, model), for health checks.
    Status,
    /// `OPTIONS` on either path: a browser's CORS preflight.
    Preflight,
    /// `POST /sts/v1.0/issueToken`: an access token for `Authorization: Bearer`,
    /// as the service's token endpoint gives one for a key.
    IssueToken,
    /// `GET /demo`: a page to try a reading from a browser (record or choose a
    /// file, see the scores), which posts to the recognition path.
    Demo,
}

/// The route of a request, or 404 / 405.
///
/// ```
/// use elocute_server::protocol::{route, Route};
/// let url = "/speech/recognition/conversation/cognitiveservices/v1?language=en-US";
/// assert_eq!(route("POST", url), Ok(Route::Recognize));
/// assert_eq!(route("GET", url).unwrap_err().status, 405);
/// assert_eq!(route("OPTIONS", url), Ok(Route::Preflight));
/// assert_eq!(route("POST", "/v2/elsewhere").unwrap_err().status, 404);
/// assert_eq!(route("POST", "/sts/v1.0/issueToken"), Ok(Route::IssueToken));
/// assert_eq!(route("GET", "/demo"), Ok(Route::Demo));
/// ```
pub fn route(method: &str, url: &str) -> Result<Route, HttpError> {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let (wanted, found) = if path == "/" {
        ("GET", Route::Status)
    } else if path.eq_ignore_ascii_case(TOKEN_PATH) {
        ("POST", Route::IssueToken)
    } else if path == "/demo" {
        ("GET", Route::Demo)
    } else if path
        .strip_prefix(PATH_PREFIX)
        .and_then(|rest| rest.strip_suffix(PATH_SUFFIX))
        .is_some_and(|mode| MODES.contains(&mode))
    {
        ("POST", Route::Recognize)
    } else {
        return Err(HttpError {
            status: 404,
            code: "NotFound",
            message: format!(
                "no endpoint at {path:?}: POST audio to {PATH_PREFIX}conversation{PATH_SUFFIX}?language={LANGUAGE}"
            ),
        });
    };
    if method.eq_ignore_ascii_case(wanted) {
        Ok(found)
    } else if method.eq_ignore_ascii_case("OPTIONS") {
        Ok(Route::Preflight)
    } else {
        Err(HttpError {
            status: 405,
            code: "MethodNotAllowed",
            message: format!("{path} takes {wanted}, not {method}"),
        })
    }
}

/// How the body's audio is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudioEncoding {
    /// A WAV file (any PCM or float format the audio stage reads) or Ogg/Opus,
    /// told apart by the body's first bytes.
    File,
    /// As `File`, or when the body has no RIFF header, little-endian 16-bit
    /// mono PCM at this rate (`codecs=audio/pcm; samplerate=N`).
    FileOrPcm16 {
        /// Samples per second of headerless audio.
        sample_rate: u32,
    },
}

/// What a recognition request asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `format=simple` (the service's default) or `format=detailed`.
    pub format: RestFormat,
    /// The decoded `Pronunciation-Assessment` header.
    pub config: PronunciationAssessmentConfig,
    /// The body's encoding, from `Content-Type`.
    pub audio: AudioEncoding,
    /// elocute's extension `continuous=true` (with an optional
    /// `segmentationSilenceTimeoutMs=N`): assess a long reading pause by
    /// pause and answer with the segments and the whole reading.
    pub continuous: Option<elocute::ContinuousOptions>,
}

/// Read a recognition request's query and headers into [`Settings`].
///
/// As the service: `language` is required, `format` defaults to `simple`, the
/// `Pronunciation-Assessment` header is base64 of UTF-8 JSON with
/// case-insensitive keys, and `Dimension` defaults to `Basic` (the REST
/// default; the SDKs always send `Comprehensive`). Unlike the service, a
/// request without that header, or with an empty `ReferenceText`, is refused:
/// elocute assesses a reading of a given text and does not transcribe.
///
/// ```
/// use base64::Engine as _;
/// use elocute_server::protocol::{settings, Request};
/// let pa = base64::engine::general_purpose::STANDARD
///     .encode(r#"{"ReferenceText":"Good morning.","GradingSystem":"HundredMark"}"#);
/// let headers = vec![("Pronunciation-Assessment".to_string(), pa)];
/// let req = Request {
///     method: "POST",
///     url: "/speech/recognition/conversation/cognitiveservices/v1?language=en-US&format=detailed",
///     headers: &headers,
///     body: b"",
/// };
/// let s = settings(&req).unwrap();
/// assert_eq!(s.config.reference_text, "Good morning.");
/// assert_eq!(s.config.dimension, elocute::Dimension::Basic);
/// assert_eq!(s.format, elocute::RestFormat::Detailed);
/// ```
pub fn settings(req: &Request) -> Result<Settings, HttpError> {
    let mut language = None;
    let mut format = RestFormat::Simple;
    let mut continuous = false;
    let mut options = elocute::ContinuousOptions::default();
    for (key, value) in query_pairs(req.url) {
        match key.to_ascii_lowercase().as_str() {
            "language" => language = Some(value),
            "continuous" => {
                continuous = match value.to_ascii_lowercase().as_str() {
                    "true" | "1" => true,
                    "false" | "0" => false,
                    _ => {
                        return Err(HttpError::bad_request(format!(
                            "query parameter continuous={value:?}: expected true or false"
                        )))
                    }
                }
            }
            "segmentationsilencetimeoutms" => {
                options.segmentation_silence_ms = value.parse().map_err(|_| {
                    HttpError::bad_request(format!(
                        "query parameter segmentationSilenceTimeoutMs={value:?}: expected milliseconds"
                    ))
                })?;
            }
            "format" => {
                format = match value.to_ascii_lowercase().as_str() {
                    "simple" => RestFormat::Simple,
                    "detailed" => RestFormat::Detailed,
                    _ => {
                        return Err(HttpError::bad_request(format!(
                            "query parameter format={value:?}: expected simple or detailed"
                        )))
                    }
                }
            }
            "profanity"
                if !["masked", "removed", "raw"]
                    .iter()
                    .any(|p| p.eq_ignore_ascii_case(&value)) =>
            {
                return Err(HttpError::bad_request(format!(
                    "query parameter profanity={value:?}: expected masked, removed or raw"
                )));
            }
            // `cid` (custom endpoints) and anything newer: nothing to do offline.
            _ => {}
        }
    }
    match language {
        None => {
            return Err(HttpError::bad_request(format!(
                "query parameter language is required (language={LANGUAGE})"
            )))
        }
        Some(l) if !l.eq_ignore_ascii_case(LANGUAGE) => {
            return Err(HttpError::bad_request(format!(
                "language {l:?} is not supported: elocute assesses {LANGUAGE}"
            )))
        }
        Some(_) => {}
    }
    let config = assessment_config(req.header("Pronunciation-Assessment"))?;
    let audio = audio_encoding(req.header("Content-Type"))?;
    Ok(Settings {
        format,
        config,
        audio,
        continuous: continuous.then_some(options),
    })
}

/// Decode the `Pronunciation-Assessment` header.
fn assessment_config(header: Option<&str>) -> Result<PronunciationAssessmentConfig, HttpError> {
    const NAME: &str = "Pronunciation-Assessment";
    let header = header.ok_or_else(|| {
        HttpError::bad_request(format!(
            "header {NAME} is missing: elocute assesses a reading of a reference text; \
             send base64 of {{\"ReferenceText\": \"...\"}}"
        ))
    })?;
    // Clients differ on padding; the bytes are the same either way.
    let engine = GeneralPurpose::new(
        &alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let bytes = engine
        .decode(header)
        .map_err(|e| HttpError::bad_request(format!("header {NAME} is not base64: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| HttpError::bad_request(format!("header {NAME} is not base64 of UTF-8")))?;
    let rest_defaults = PronunciationAssessmentConfig {
        dimension: Dimension::Basic,
        ..Default::default()
    };
    let config = PronunciationAssessmentConfig::from_json_over(&text, rest_defaults)
        .map_err(|e| HttpError::bad_request(format!("header {NAME}: {e}")))?;
    if config.reference_text.trim().is_empty() {
        return Err(HttpError::bad_request(format!(
            "header {NAME}: ReferenceText is empty; unscripted assessment is not supported, \
             give the text the learner reads"
        )));
    }
    Ok(config)
}

/// The body's encoding from `Content-Type`; a missing type means "look at the bytes".
fn audio_encoding(content_type: Option<&str>) -> Result<AudioEncoding, HttpError> {
    let Some(ct) = content_type else {
        return Ok(AudioEncoding::File);
    };
    let mut parts = ct.split(';').map(str::trim);
    let media = parts.next().unwrap_or("").to_ascii_lowercase();
    let mut pcm = false;
    let mut sample_rate = elocute::SAMPLE_RATE;
    for p in parts {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        let v = v.trim().trim_matches('"');
        match k.trim().to_ascii_lowercase().as_str() {
            "codecs" if v.eq_ignore_ascii_case("audio/pcm") => pcm = true,
            "samplerate" | "rate" => {
                sample_rate = v.parse().ok().filter(|r| *r > 0).ok_or_else(|| {
                    HttpError::bad_request(format!("Content-Type samplerate={v:?} is not a rate"))
                })?;
                pcm = true;
            }
            _ => {}
        }
    }
    match media.as_str() {
        // Raw sample types: no header by definition.
        "audio/pcm" | "audio/l16" => Ok(AudioEncoding::FileOrPcm16 { sample_rate }),
        "audio/wav"
        | "audio/x-wav"
        | "audio/wave"
        | "audio/vnd.wave"
        | "application/octet-stream"
        | "" => Ok(if pcm {
            AudioEncoding::FileOrPcm16 { sample_rate }
        } else {
            AudioEncoding::File
        }),
        // WebM is not one of the service's types, but it is what browsers record.
        "audio/ogg" | "audio/opus" | "audio/webm" | "video/webm" => Ok(AudioEncoding::File),
        other => Err(HttpError::bad_request(format!(
            "Content-Type {other:?} is not audio elocute reads: send audio/wav, audio/ogg (Opus) or audio/webm (Opus)"
        ))),
    }
}

/// `key=value` pairs of a URL's query, percent-decoded.
pub(crate) fn query_pairs(url: &str) -> impl Iterator<Item = (String, String)> + '_ {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let query = query.split('#').next().unwrap_or("");
    query.split('&').filter(|p| !p.is_empty()).map(|p| {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        (percent_decode(k), percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                b.get(i + 1).and_then(|&c| hex(c)),
                b.get(i + 2).and_then(|&c| hex(c)),
            ) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "/speech/recognition/conversation/cognitiveservices/v1";

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    fn parse(url: &str, headers: &[(&str, &str)]) -> Result<Settings, HttpError> {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        settings(&Request {
            method: "POST",
            url,
            headers: &headers,
            body: b"",
        })
    }

    fn with_pa(json: &str) -> Result<Settings, HttpError> {
        parse(
            &format!("{URL}?language=en-US"),
            &[("pronunciation-assessment", &b64(json))],
        )
    }

    #[test]
    fn routes_match_the_three_modes_only() {
        for mode in MODES {
            let url = format!("/speech/recognition/{mode}/cognitiveservices/v1?language=en-US");
            assert_eq!(route("post", &url), Ok(Route::Recognize));
        }
        assert_eq!(route("GET", "/"), Ok(Route::Status));
        assert_eq!(route("options", "/"), Ok(Route::Preflight));
        assert_eq!(route("OPTIONS", "/elsewhere").unwrap_err().status, 404);
        assert_eq!(route("POST", "/").unwrap_err().status, 405);
        for bad in [
            "/speech/recognition/other/cognitiveservices/v1",
            "/speech/recognition/conversation/cognitiveservices/v2",
            "/speech/recognition//cognitiveservices/v1",
            "",
        ] {
            assert_eq!(route("POST", bad).unwrap_err().status, 404, "{bad}");
        }
    }

    #[test]
    fn query_follows_the_service() {
        let pa = b64(r#"{"referenceText":"hello"}"#);
        let h = [("Pronunciation-Assessment", pa.as_str())];
        let s = parse(&format!("{URL}?language=en-us"), &h).unwrap();
        assert_eq!(s.format, RestFormat::Simple, "simple is the default");
        let s = parse(
            &format!("{URL}?Format=DETAILED&profanity=raw&cid=x&language=en%2DUS#frag"),
            &h,
        )
        .unwrap();
        assert_eq!(s.format, RestFormat::Detailed);
        for (query, names) in [
            ("", "language is required"),
            ("?language=fr-FR", "\"fr-FR\""),
            ("?language=en-US&format=full", "format=\"full\""),
            ("?language=en-US&profanity=none", "profanity=\"none\""),
        ] {
            let e = parse(&format!("{URL}{query}"), &h).unwrap_err();
            assert_eq!(e.status, 400);
            assert!(e.message.contains(names), "{query}: {}", e.message);
        }
    }

    #[test]
    fn assessment_header_is_read_like_the_sdk_config() {
        let s = with_pa(
            r#"{"ReferenceText":"Good morning.","gradingsystem":"HundredMark","Granularity":"Word","EnableMiscue":"True","NBestPhonemeCount":5}"#,
        )
        .unwrap();
        assert_eq!(s.config.reference_text, "Good morning.");
        assert_eq!(s.config.granularity, elocute::Granularity::Word);
        assert!(s.config.enable_miscue);
        assert_eq!(s.config.nbest_phoneme_count, 5);
        assert_eq!(s.config.dimension, Dimension::Basic, "REST default");
        let s = with_pa(r#"{"ReferenceText":"hi","dimension":"Comprehensive"}"#).unwrap();
        assert_eq!(s.config.dimension, Dimension::Comprehensive);
        // Unpadded base64 decodes to the same settings.
        let unpadded = b64(r#"{"ReferenceText":"hi"}"#)
            .trim_end_matches('=')
            .to_string();
        let s = parse(
            &format!("{URL}?language=en-US"),
            &[("Pronunciation-Assessment", &unpadded)],
        )
        .unwrap();
        assert_eq!(s.config.reference_text, "hi");
    }

    #[test]
    fn bad_assessment_headers_are_named() {
        let missing = parse(&format!("{URL}?language=en-US"), &[]).unwrap_err();
        assert!(missing
            .message
            .contains("Pronunciation-Assessment is missing"));
        let not_b64 = parse(
            &format!("{URL}?language=en-US"),
            &[("Pronunciation-Assessment", "{not base64}")],
        )
        .unwrap_err();
        assert!(
            not_b64.message.contains("not base64"),
            "{}",
            not_b64.message
        );
        let latin1 = base64::engine::general_purpose::STANDARD.encode([0x7b, 0xff, 0x7d]);
        let e = parse(
            &format!("{URL}?language=en-US"),
            &[("Pronunciation-Assessment", &latin1)],
        )
        .unwrap_err();
        assert!(e.message.contains("UTF-8"), "{}", e.message);
        for (json, names) in [
            (r#"{"ReferenceText":"hi","Colour":"red"}"#, "\"Colour\""),
            (
                r#"{"ReferenceText":"hi","GradingSystem":"Ten"}"#,
                "GradingSystem",
            ),
            (r#"{"ReferenceText":"   "}"#, "unscripted"),
            (r#"{"GradingSystem":"HundredMark"}"#, "unscripted"),
            ("[1,2]", "JSON object"),
        ] {
            let e = with_pa(json).unwrap_err();
            assert_eq!(e.status, 400);
            assert!(e.message.contains(names), "{json}: {}", e.message);
        }
    }

    #[test]
    fn content_types() {
        let ok = |ct: &str| audio_encoding(Some(ct));
        assert_eq!(audio_encoding(None), Ok(AudioEncoding::File));
        assert_eq!(ok("audio/wav"), Ok(AudioEncoding::File));
        assert_eq!(
            ok("audio/wav; codecs=audio/pcm; samplerate=16000"),
            Ok(AudioEncoding::FileOrPcm16 { sample_rate: 16000 })
        );
        assert_eq!(
            ok("Audio/WAV;codecs=\"audio/pcm\";samplerate=8000"),
            Ok(AudioEncoding::FileOrPcm16 { sample_rate: 8000 })
        );
        assert_eq!(
            ok("audio/l16; rate=22050"),
            Ok(AudioEncoding::FileOrPcm16 { sample_rate: 22050 })
        );
        assert_eq!(ok("audio/ogg; codecs=opus"), Ok(AudioEncoding::File));
        assert_eq!(ok("audio/opus"), Ok(AudioEncoding::File));
        assert_eq!(ok("audio/webm; codecs=opus"), Ok(AudioEncoding::File));
        for bad in [
            "audio/mpeg",
            "text/plain",
            "audio/wav; samplerate=fast",
            "audio/wav; samplerate=0",
        ] {
            assert_eq!(ok(bad).unwrap_err().status, 400, "{bad}");
        }
        assert!(ok("audio/mp4").unwrap_err().message.contains("audio/ogg"));
    }

    #[test]
    fn percent_decoding_keeps_malformed_escapes() {
        assert_eq!(percent_decode("en%2DUS"), "en-US");
        assert_eq!(percent_decode("a+b%20c"), "a b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%4"), "%4");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }
}

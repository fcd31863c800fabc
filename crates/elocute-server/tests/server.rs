//! The server over real sockets: the same JSON as the library, the service's
//! upload styles, clear refusals, and a server that survives them.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::OnceLock;

use base64::Engine as _;
use common::{server, start};
use elocute::{Assessor, AudioLimits, PronunciationAssessmentConfig, RestFormat};
use elocute_server::{Server, Service, ServiceOptions};
use elocute_tests::{
    assessor, opus_encode, read_http_response, speak, tmpdir, two_sentence_reading, webm_from_opus,
    with_unknown_sizes, TWO_SENTENCES,
};
use serde_json::Value;

const PATH: &str = "/speech/recognition/conversation/cognitiveservices/v1";

/// "Good morning. How are you today?" said by espeak-ng.
fn good_morning() -> &'static (PathBuf, Vec<u8>) {
    static WAV: OnceLock<(PathBuf, Vec<u8>)> = OnceLock::new();
    WAV.get_or_init(|| {
        let p = speak(
            &tmpdir("server"),
            "gm",
            "Good morning. How are you today?",
            150,
        );
        let bytes = std::fs::read(&p).unwrap();
        (p, bytes)
    })
}

const TEXT: &str = "Good morning. How are you today?";

fn pa_header(json: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(json)
}

struct Response {
    status: u16,
    head: String,
    body: Value,
}

/// Send one request (`Connection: close`) and read the whole answer.
fn send(addr: SocketAddr, head: &str, body: &[u8]) -> Response {
    let mut s = TcpStream::connect(addr).unwrap();
    // A server that never answers fails the test instead of hanging it.
    s.set_read_timeout(Some(std::time::Duration::from_secs(120)))
        .unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    read_response(&mut s)
}

fn read_response(s: &mut TcpStream) -> Response {
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete response");
    let status = head[9..12].parse().unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Response {
        status,
        head: head.to_string(),
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, rest) = s.split_once("\r\n").unwrap();
        let n = usize::from_str_radix(size.trim(), 16).unwrap();
        if n == 0 {
            return out;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
}

/// A POST with a known length and these extra header lines.
fn post(addr: SocketAddr, query: &str, headers: &[String], body: &[u8]) -> Response {
    let mut head = format!(
        "POST {PATH}{query} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    send(addr, &head, body)
}

/// A request with these settings and a WAV content type to the shared server.
fn assess_with(settings: &str, query: &str, body: &[u8]) -> Response {
    post(server(), query, &[pa(settings), WAV_TYPE.into()], body)
}

/// [`assess_with`] the `comprehensive` settings.
fn assess(query: &str, body: &[u8]) -> Response {
    assess_with(&comprehensive(), query, body)
}

/// A JSON object's keys in order.
fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(|k| k.as_str()).collect()
}

fn pa(json: &str) -> String {
    format!("Pronunciation-Assessment: {}", pa_header(json))
}

const WAV_TYPE: &str = "Content-Type: audio/wav; codecs=audio/pcm; samplerate=16000";

fn comprehensive() -> String {
    format!(
        r#"{{"ReferenceText":"{TEXT}","GradingSystem":"HundredMark","Dimension":"Comprehensive","NBestPhonemeCount":3}}"#
    )
}

#[test]
fn detailed_answer_is_the_librarys_rest_json() {
    let (path, wav) = good_morning();
    let r = assess("?language=en-US&format=detailed", wav);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.head.contains("application/json"), "{}", r.head);
    let config = PronunciationAssessmentConfig::from_json(&comprehensive()).unwrap();
    let local = assessor().assess_file(path, &config).unwrap();
    assert_eq!(r.body, elocute::to_rest(&local, RestFormat::Detailed));
    // The service's REST layout: status by name, scores flat on NBest and words.
    assert_eq!(r.body["RecognitionStatus"], "Success");
    assert_eq!(
        keys(&r.body),
        [
            "RecognitionStatus",
            "Offset",
            "Duration",
            "DisplayText",
            "SNR",
            "NBest"
        ]
    );
    let nbest = &r.body["NBest"][0];
    assert!(nbest["PronScore"].as_f64().unwrap() > 60.0, "{nbest}");
    assert_eq!(nbest["Words"].as_array().unwrap().len(), 6);
    assert!(nbest["Words"][0]["Phonemes"][0]["NBestPhonemes"].is_array());
}

#[test]
fn simple_is_the_default_format() {
    let (_, wav) = good_morning();
    let r = assess("?language=en-US", wav);
    assert_eq!(r.status, 200);
    assert_eq!(
        keys(&r.body),
        ["RecognitionStatus", "DisplayText", "Offset", "Duration"]
    );
    assert_eq!(r.body["DisplayText"], TEXT);
}

#[test]
fn rest_default_dimension_is_basic() {
    let (_, wav) = good_morning();
    let json = format!(r#"{{"ReferenceText":"{TEXT}"}}"#);
    let r = assess_with(&json, "?language=en-US&format=detailed", wav);
    assert_eq!(r.status, 200);
    let nbest = &r.body["NBest"][0];
    assert!(nbest["AccuracyScore"].is_number(), "{nbest}");
    assert!(nbest.get("FluencyScore").is_none(), "{nbest}");
}

#[test]
fn chunked_upload_after_100_continue_gets_the_same_answer() {
    let (_, wav) = good_morning();
    let addr = server();
    let query = "?language=en-US&format=detailed";
    let whole = post(addr, query, &[pa(&comprehensive()), WAV_TYPE.into()], wav);
    assert_eq!(whole.status, 200);

    // As the service's sample client: headers first, the body only after 100 Continue, in chunks.
    let mut s = TcpStream::connect(addr).unwrap();
    let head = format!(
        "POST {PATH}{query} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{}\r\n{WAV_TYPE}\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n",
        pa(&comprehensive())
    );
    s.write_all(head.as_bytes()).unwrap();
    let mut interim = Vec::new();
    let mut byte = [0u8];
    while !interim.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        interim.push(byte[0]);
    }
    assert!(
        interim.starts_with(b"HTTP/1.1 100 Continue\r\n"),
        "{}",
        String::from_utf8_lossy(&interim)
    );
    for chunk in wav.chunks(1024) {
        write!(s, "{:x}\r\n", chunk.len()).unwrap();
        s.write_all(chunk).unwrap();
        s.write_all(b"\r\n").unwrap();
    }
    s.write_all(b"0\r\n\r\n").unwrap();
    let chunked = read_response(&mut s);
    assert_eq!(chunked.status, 200);
    assert_eq!(chunked.body, whole.body);
}

#[test]
fn headerless_pcm_is_read_at_the_given_rate() {
    let (path, _) = good_morning();
    let samples = elocute_audio::read_wav(path, AudioLimits::default()).unwrap();
    let pcm: Vec<u8> = samples
        .iter()
        .flat_map(|&x| ((x * 32767.0).round() as i16).to_le_bytes())
        .collect();
    let dir = tmpdir("server-pcm");
    let wav16 = dir.join("gm16.wav");
    elocute_audio::write_wav_i16(&wav16, &samples, 16_000).unwrap();
    let query = "?language=en-US&format=detailed";
    let headers = [pa(&comprehensive()), WAV_TYPE.into()];
    let from_pcm = post(server(), query, &headers, &pcm);
    let from_wav = post(server(), query, &headers, &std::fs::read(&wav16).unwrap());
    assert_eq!(from_pcm.status, 200, "{}", from_pcm.body);
    assert_eq!(from_pcm.body, from_wav.body);
    // A WAV streamed while it was recorded: both sizes left at 0xFFFFFFFF.
    let mut open_ended = std::fs::read(&wav16).unwrap();
    assert_eq!(&open_ended[36..40], b"data", "hound's canonical header");
    open_ended[4..8].copy_from_slice(&[0xff; 4]);
    open_ended[40..44].copy_from_slice(&[0xff; 4]);
    let streamed = post(server(), query, &headers, &open_ended);
    assert_eq!(streamed.status, 200, "{}", streamed.body);
    assert_eq!(streamed.body, from_wav.body);
    // Without codecs=audio/pcm a headerless body is not audio.
    let r = post(server(), query, &[pa(&comprehensive())], &pcm);
    assert_eq!(r.status, 400);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("request body"));
}

#[test]
fn silence_is_an_answer_not_an_error() {
    let dir = tmpdir("server-silence");
    let wav = dir.join("silence.wav");
    elocute_audio::write_wav_i16(&wav, &vec![0.0; 32_000], 16_000).unwrap();
    let r = assess(
        "?language=en-US&format=detailed",
        &std::fs::read(&wav).unwrap(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.body["RecognitionStatus"], "InitialSilenceTimeout");
}

#[test]
fn a_wrong_reading_scores_lower_through_the_server() {
    let (_, wav) = good_morning();
    let score = |text: &str| {
        let json = format!(r#"{{"ReferenceText":"{text}","GradingSystem":"HundredMark"}}"#);
        let r = assess_with(&json, "?language=en-US&format=detailed", wav);
        assert_eq!(r.status, 200);
        r.body["NBest"][0]["AccuracyScore"].as_f64().unwrap()
    };
    let right = score(TEXT);
    let wrong = score("Bad evening. Where were they yesterday?");
    assert!(right > wrong + 20.0, "right {right}, wrong {wrong}");
}

/// Every refusal names what is wrong, and the server answers the next request.
#[test]
fn refusals_are_clear_and_the_server_carries_on() {
    let addr = server();
    let (_, wav) = good_morning();
    let ok_pa = pa(&comprehensive());
    let query = "?language=en-US&format=detailed";
    let refused = |q: &str, headers: &[String], body: &[u8], names: &str| {
        let r = post(addr, q, headers, body);
        let message = r.body["error"]["message"].as_str().unwrap_or("");
        assert_eq!(r.status, 400, "{q} {headers:?}: {}", r.body);
        assert!(message.contains(names), "{q} {headers:?}: {message}");
    };
    let with_pa = std::slice::from_ref(&ok_pa);
    refused("", with_pa, wav, "language is required");
    refused("?language=ja-JP", with_pa, wav, "ja-JP");
    refused(query, &[], wav, "Pronunciation-Assessment is missing");
    let bad_b64 = ["Pronunciation-Assessment: %%%".to_string()];
    refused(query, &bad_b64, wav, "not base64");
    let bad_key = [pa(r#"{"ReferenceText":"hi","Granularity":"Letter"}"#)];
    refused(query, &bad_key, wav, "Granularity");
    let unknown_word = [pa(r#"{"ReferenceText":"good привет"}"#)];
    refused(query, &unknown_word, wav, "привет");
    refused(query, with_pa, b"", "request body");
    refused(
        query,
        with_pa,
        b"not a wav at all",
        "unsupported or malformed audio",
    );
    let mp3 = [ok_pa.clone(), "Content-Type: audio/mpeg".into()];
    refused(query, &mp3, wav, "audio/mpeg");
    let r = send(
        addr,
        "GET /speech/recognition/conversation/cognitiveservices/v1 HTTP/1.1\r\nConnection: close\r\n\r\n",
        b"",
    );
    assert_eq!(r.status, 405);
    let r = send(
        addr,
        "POST /v1/elsewhere HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        b"",
    );
    assert_eq!(r.status, 404);
    assert!(r.body["error"]["message"].as_str().unwrap().contains(PATH));
    // Garbage on the socket is not a request; the server stays up.
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(b"\x00\x01 nonsense\r\n\r\n").unwrap();
    drop(s);
    let r = post(addr, query, &[ok_pa, WAV_TYPE.into()], wav);
    assert_eq!(r.status, 200);
    let status = send(addr, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", b"");
    assert_eq!(status.status, 200);
    assert_eq!(status.body["model"], elocute::DEFAULT_MODEL);
}

#[test]
fn limits_and_keys() {
    let addr = start(ServiceOptions {
        api_key: Some("s3cret".into()),
        limits: AudioLimits {
            max_seconds: Some(1.0),
        },
        max_body_bytes: 200_000,
        cors_origin: None,
    });
    let (_, wav) = good_morning();
    let query = "?language=en-US";
    let short = {
        let dir = tmpdir("server-limits");
        let p = speak(&dir, "hi", "hi", 175);
        std::fs::read(p).unwrap()
    };
    let headers = |key: Option<&str>| {
        let mut h = vec![pa(r#"{"ReferenceText":"hi"}"#)];
        h.extend(key.map(String::from));
        h
    };
    for (key, status) in [
        (None, 401),
        (Some("Ocp-Apim-Subscription-Key: wrong"), 401),
        (Some("Ocp-Apim-Subscription-Key: s3cret"), 200),
        (Some("Authorization: Bearer s3cret"), 200),
    ] {
        let r = post(addr, query, &headers(key), &short);
        assert_eq!(r.status, status, "{key:?}: {}", r.body);
    }
    // 2.4 s of audio over a 1 s limit.
    let r = post(
        addr,
        query,
        &headers(Some("Authorization: Bearer s3cret")),
        wav,
    );
    assert_eq!(r.status, 400);
    let m = r.body["error"]["message"].as_str().unwrap();
    assert!(m.contains("over the limit of 1.0 s"), "{m}");
    // Over the body limit: refused from Content-Length alone.
    let big = vec![0u8; 300_000];
    let r = post(
        addr,
        query,
        &headers(Some("Authorization: Bearer s3cret")),
        &big,
    );
    assert_eq!(r.status, 413);
}

#[test]
fn concurrent_requests_get_identical_answers() {
    let addr = server();
    let (_, wav) = good_morning();
    let answers: Vec<Value> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let r = post(
                        addr,
                        "?language=en-US&format=detailed",
                        &[pa(&comprehensive()), WAV_TYPE.into()],
                        wav,
                    );
                    assert_eq!(r.status, 200);
                    r.body
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(answers.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn shutdown_ends_run() {
    let assessor = Assessor::with_default_model().unwrap();
    let server = Server::bind(
        "127.0.0.1:0",
        Service::new(assessor, ServiceOptions::default()),
    )
    .unwrap()
    .quiet();
    let addr = server.local_addr();
    std::thread::scope(|s| {
        let running = s.spawn(|| server.run(3));
        let r = send(addr, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n", b"");
        assert_eq!(r.status, 200);
        server.shutdown();
        running.join().unwrap();
    });
    // The port is closed: nobody answers there, and another server may take it.
    assert!(TcpStream::connect(addr).is_err(), "{addr} still accepts");
    drop(std::net::TcpListener::bind(addr).expect("the port is free again"));
    // Once shut down it stays down: a later run returns at once.
    server.run(2);
    server.shutdown();
}

#[test]
fn browsers_get_cors_when_an_origin_is_allowed() {
    let (_, wav) = good_morning();
    let preflight = |addr| {
        send(
            addr,
            &format!(
                "OPTIONS {PATH}?language=en-US HTTP/1.1\r\nConnection: close\r\nOrigin: https://app.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: pronunciation-assessment, content-type\r\n\r\n"
            ),
            b"",
        )
    };
    // Without --cors-origin: a preflight is answered, but nothing allows the page.
    let plain = preflight(server());
    assert_eq!(plain.status, 204);
    assert!(
        !plain.head.contains("Access-Control-Allow-Origin"),
        "{}",
        plain.head
    );

    let addr = start(ServiceOptions {
        api_key: Some("k".into()),
        cors_origin: Some("https://app.example".into()),
        ..Default::default()
    });
    // The preflight needs no key and allows what the page asked for.
    let p = preflight(addr);
    assert_eq!(p.status, 204, "{}", p.head);
    let head = p.head.to_ascii_lowercase();
    for line in [
        "access-control-allow-origin: https://app.example",
        "access-control-allow-methods: get, post, options",
        "access-control-allow-headers: pronunciation-assessment, content-type",
        "vary: origin",
    ] {
        assert!(head.contains(line), "{line} missing from {}", p.head);
    }
    // Answers and refusals both carry the origin, so the page can read them.
    let ok = post(
        addr,
        "?language=en-US",
        &[pa(&comprehensive()), "Ocp-Apim-Subscription-Key: k".into()],
        wav,
    );
    assert_eq!(ok.status, 200);
    assert!(ok
        .head
        .contains("Access-Control-Allow-Origin: https://app.example"));
    let refused = post(addr, "?language=en-US", &[pa(&comprehensive())], wav);
    assert_eq!(refused.status, 401);
    assert!(refused
        .head
        .contains("Access-Control-Allow-Origin: https://app.example"));
    // Websockets get no CORS from browsers, so the server checks their origin itself: the
    // page's own, or none (not a browser); another page's is 403.
    let key = "&Ocp-Apim-Subscription-Key=k";
    for (origin, status) in [
        ("Origin: https://app.example\r\n", 101),
        ("", 101),
        ("Origin: https://elsewhere.example\r\n", 403),
    ] {
        assert_eq!(
            open_websocket_with(addr, key, origin).1,
            status,
            "{origin:?}"
        );
    }
    // Without --cors-origin any page may (as before it had a setting).
    let origin = "Origin: https://elsewhere.example\r\n";
    assert_eq!(open_websocket_with(server(), "", origin).1, 101);
}

#[test]
fn ogg_and_webm_opus_bodies_are_assessed() {
    let (path, wav) = good_morning();
    let opus_path = opus_encode(path, 24);
    let opus = std::fs::read(&opus_path).unwrap();
    // What a browser's MediaRecorder uploads: WebM written as it streams.
    let webm = with_unknown_sizes(&std::fs::read(webm_from_opus(&opus_path)).unwrap());
    let query = "?language=en-US&format=detailed";
    let from_wav = assess(query, wav);
    for (content_type, body) in [
        ("Content-Type: audio/ogg; codecs=opus", &opus),
        (WAV_TYPE, &opus),
        ("Content-Type: audio/webm; codecs=opus", &webm),
        ("Content-Type: video/webm", &webm),
    ] {
        let r = post(
            server(),
            query,
            &[pa(&comprehensive()), content_type.into()],
            body,
        );
        assert_eq!(r.status, 200, "{content_type}: {}", r.body);
        let (a, b) = (
            r.body["NBest"][0]["AccuracyScore"].as_f64().unwrap(),
            from_wav.body["NBest"][0]["AccuracyScore"].as_f64().unwrap(),
        );
        assert!((a - b).abs() <= 6.0, "{content_type}: Opus {a}, WAV {b}");
    }
}

/// Clients keep connections open: two requests on one connection, each answered in turn.
#[test]
fn one_connection_carries_several_requests() {
    use std::io::BufRead;
    let (_, wav) = good_morning();
    let mut s = std::io::BufReader::new(TcpStream::connect(server()).unwrap());
    let head = format!(
        "POST {PATH}?language=en-US HTTP/1.1\r\nHost: localhost\r\n{}\r\n{WAV_TYPE}\r\nContent-Length: {}\r\n\r\n",
        pa(&comprehensive()),
        wav.len()
    );
    let mut answers = Vec::new();
    for _ in 0..2 {
        s.get_mut().write_all(head.as_bytes()).unwrap();
        s.get_mut().write_all(wav).unwrap();
        // Status line and headers, then exactly Content-Length bytes.
        let (mut status, mut length) = (String::new(), 0usize);
        s.read_line(&mut status).unwrap();
        loop {
            let mut line = String::new();
            s.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
        }
        let mut body = vec![0u8; length];
        s.read_exact(&mut body).unwrap();
        assert!(status.starts_with("HTTP/1.1 200"), "{status}");
        answers.push(serde_json::from_slice::<Value>(&body).unwrap());
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0]["RecognitionStatus"], "Success");
}

/// elocute's `continuous=true`: a long reading answered pause by pause, as the library's continuous mode.
#[test]
fn continuous_true_answers_with_segments() {
    let dir = tmpdir("server-continuous");
    let (long, _) = two_sentence_reading(&dir);
    let text = TWO_SENTENCES.join(" ");
    let settings = format!(r#"{{"ReferenceText":"{text}","GradingSystem":"HundredMark"}}"#);
    let body = std::fs::read(&long).unwrap();
    let query = "?language=en-US&format=detailed&continuous=true";
    let r = post(server(), query, &[pa(&settings), WAV_TYPE.into()], &body);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["Segments"].as_array().unwrap().len(),
        2,
        "{}",
        r.body
    );
    // Exactly the library's continuous result in the REST layout (Dimension Basic, as the REST default).
    let mut config = PronunciationAssessmentConfig::from_json(&settings).unwrap();
    config.dimension = elocute::Dimension::Basic;
    let audio = elocute_audio::read_audio(&long, AudioLimits::default()).unwrap();
    let expected = assessor()
        .assess_continuous(&audio, 16_000, &config, Default::default())
        .unwrap()
        .to_rest(RestFormat::Detailed);
    assert_eq!(r.body, expected);
    // Without the flag: one result for the whole recording, no segments.
    let one = post(
        server(),
        "?language=en-US&format=detailed",
        &[pa(&settings), WAV_TYPE.into()],
        &body,
    );
    assert_eq!(one.status, 200);
    assert!(one.body.get("Segments").is_none());
    for bad in [
        "&continuous=maybe",
        "&continuous=true&segmentationSilenceTimeoutMs=soon",
        "&continuous=true&segmentationSilenceTimeoutMs=5",
    ] {
        let q = format!("?language=en-US{bad}");
        let r = post(server(), &q, &[pa(&settings), WAV_TYPE.into()], &body);
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
    }
}

/// Open a websocket on `addr` by hand; gives the stream and the status of the answer.
fn open_websocket(addr: SocketAddr) -> (TcpStream, u16) {
    open_websocket_with(addr, "", "")
}

/// [`open_websocket`] with more query parameters (`&k=v...`) and header lines (each ending in CRLF).
fn open_websocket_with(addr: SocketAddr, query: &str, headers: &str) -> (TcpStream, u16) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    write!(
        s,
        "GET /speech/recognition/interactive/cognitiveservices/v1?language=en-US{query} HTTP/1.1\r\n\
         Host: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{headers}\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).unwrap() == 0 {
            break;
        }
        head.push(byte[0]);
    }
    let status = String::from_utf8_lossy(&head)[9..12].parse().unwrap();
    (s, status)
}

/// Each websocket has a thread of its own, so idle ones cost no worker; their number is capped,
/// and a closed one frees its place.
#[test]
fn websockets_are_capped_and_hold_no_worker() {
    let addr = common::start_workers(ServiceOptions::default(), 1);
    let (_, wav) = good_morning();
    let open: Vec<TcpStream> = (0..elocute_server::MAX_WEBSOCKETS)
        .map(|i| {
            let (s, status) = open_websocket(addr);
            assert_eq!(status, 101, "websocket {i}");
            s
        })
        .collect();
    // The one worker is free for REST while they idle.
    let r = post(
        addr,
        "?language=en-US",
        &[pa(&comprehensive()), WAV_TYPE.into()],
        wav,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let (_, status) = open_websocket(addr);
    assert_eq!(status, 503, "one websocket over the cap");
    drop(open);
    // Their threads see the hang-ups and give their places back.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let (_, status) = open_websocket(addr);
        if status == 101 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "places never freed: {status}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// With `--api-key`: the token endpoint gives tokens for the key, accepted as `Authorization:
/// Bearer` on REST and websockets; and a websocket may carry the key or the token in its query,
/// as the Speech SDK in a browser does (a browser's websocket takes no headers).
#[test]
fn tokens_and_browser_style_keys() {
    let addr = start(ServiceOptions {
        api_key: Some("s3cret".into()),
        ..ServiceOptions::default()
    });
    let (_, wav) = good_morning();
    // (status, head, body text) of a token request with this key.
    let issue = |key: &str| {
        let mut s = TcpStream::connect(addr).unwrap();
        write!(
            s,
            "POST /sts/v1.0/issueToken HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             Ocp-Apim-Subscription-Key: {key}\r\nContent-Length: 0\r\n\r\n"
        )
        .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        (
            head[9..12].parse::<u16>().unwrap(),
            head.to_ascii_lowercase(),
            body.to_string(),
        )
    };
    assert_eq!(issue("wrong").0, 401);
    let (status, head, token) = issue("s3cret");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/plain"), "{head}");
    assert!(token.starts_with("elocute-") && token.len() > 20, "{token}");
    assert_ne!(token, issue("s3cret").2, "each token is new");
    let recognize = |auth: &str| {
        post(
            addr,
            "?language=en-US",
            &[pa(&comprehensive()), WAV_TYPE.into(), auth.into()],
            wav,
        )
        .status
    };
    assert_eq!(recognize(&format!("Authorization: Bearer {token}")), 200);
    assert_eq!(recognize("Authorization: Bearer elocute-0123"), 401);
    // The key in a REST query is not the service's way: refused.
    let r = post(
        addr,
        "?language=en-US&Ocp-Apim-Subscription-Key=s3cret",
        &[pa(&comprehensive()), WAV_TYPE.into()],
        wav,
    );
    assert_eq!(r.status, 401);
    let handshake = |query: &str| {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
            .unwrap();
        write!(
            s,
            "GET /speech/recognition/interactive/cognitiveservices/v1?language=en-US&{query} HTTP/1.1\r\n\
             Host: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        .unwrap();
        let mut head = [0u8; 12];
        s.read_exact(&mut head).unwrap();
        String::from_utf8_lossy(&head[9..12])
            .parse::<u16>()
            .unwrap()
    };
    assert_eq!(handshake("Ocp-Apim-Subscription-Key=s3cret"), 101);
    assert_eq!(handshake(&format!("Authorization=Bearer%20{token}")), 101);
    assert_eq!(handshake("Ocp-Apim-Subscription-Key=wrong"), 401);
    assert_eq!(handshake("X-ConnectionId=abc"), 401);
}

/// One response on a connection kept open: the status and the body.
fn read_one_response(s: &mut TcpStream) -> (u16, String) {
    let (status, body) = read_http_response(s);
    (status, String::from_utf8(body).unwrap())
}

/// Every wait ends: a websocket the app left idle is closed after the idle timeout (1 s here),
/// a request head or body that stalls that long gets 408, an idle keep-alive connection is
/// closed after 5 s, and a shutdown ends idle connections of both kinds at once.
#[test]
fn idle_and_stalled_connections_are_closed() {
    use std::time::{Duration, Instant};
    let (server, running) =
        common::start_server(ServiceOptions::default(), 1, Some(Duration::from_secs(1)));
    let addr = server.local_addr();

    let (mut ws, status) = open_websocket(addr);
    assert_eq!(status, 101);
    let t = Instant::now();
    let mut frame = [0u8; 2];
    ws.read_exact(&mut frame).unwrap();
    assert_eq!(frame[0], 0x88, "a close frame");
    let mut payload = vec![0u8; usize::from(frame[1] & 0x7f)];
    ws.read_exact(&mut payload).unwrap();
    assert_eq!(u16::from_be_bytes([payload[0], payload[1]]), 1000);
    assert!(String::from_utf8_lossy(&payload[2..]).contains("idle"));
    assert!(t.elapsed() >= Duration::from_millis(900) && t.elapsed() < Duration::from_secs(5));

    for stalled in [
        &b"POST /speech/recognition/conversation/cognitiveservices/v1 HTTP/1.1\r\nHost"[..],
        &b"POST /speech/recognition/conversation/cognitiveservices/v1 HTTP/1.1\r\n\
           Content-Length: 100\r\n\r\n0123456789"[..],
    ] {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.write_all(stalled).unwrap();
        let t = Instant::now();
        let (status, body) = read_one_response(&mut s);
        assert_eq!(status, 408, "{body}");
        assert!(body.contains("stalled"), "{body}");
        assert!(t.elapsed() < Duration::from_secs(5));
    }

    // A head trickled a byte at a time still has only the stall time to arrive.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let t = Instant::now();
    let mut answer = Vec::new();
    for b in b"POST /speech/recognition/conversation/cognitiveservices/v1 HTTP/1.1\r\n"
        .iter()
        .cycle()
    {
        if s.write_all(&[*b]).is_err() || t.elapsed() > Duration::from_secs(10) {
            break;
        }
        let mut buf = [0u8; 512];
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());

    // Two requests on one connection, then silence: closed after the keep-alive time.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    for _ in 0..2 {
        s.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        assert_eq!(read_one_response(&mut s).0, 200);
    }
    let t = Instant::now();
    assert_eq!(s.read(&mut [0u8; 1]).unwrap(), 0, "closed by the server");
    assert!(t.elapsed() >= Duration::from_secs(4) && t.elapsed() < Duration::from_secs(10));

    // Shutdown with an idle websocket and an idle keep-alive connection open.
    let (_ws, status) = open_websocket(addr);
    assert_eq!(status, 101);
    let mut kept = TcpStream::connect(addr).unwrap();
    kept.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    kept.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    assert_eq!(read_one_response(&mut kept).0, 200);
    let t = Instant::now();
    server.shutdown();
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(running.join().is_ok()).unwrap());
    assert_eq!(finished.recv_timeout(Duration::from_secs(10)), Ok(true));
    assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
    assert!(
        TcpStream::connect(addr).is_err() || {
            // The port may linger in the kernel's queue; nothing answers it.
            let mut s = TcpStream::connect(addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
            let _ = s.write_all(b"GET / HTTP/1.1\r\n\r\n");
            !matches!(s.read(&mut [0u8; 1]), Ok(n) if n > 0)
        }
    );
}

/// `GET /demo`: a self-contained page (nothing fetched from elsewhere, no key needed for the
/// page itself) whose script is valid JavaScript and whose request header is what the
/// server reads: its own `header()` function, run in node, encodes a config the server accepts.
#[test]
fn demo_page_is_served_and_speaks_the_protocol() {
    let addr = start(ServiceOptions {
        api_key: Some("k".into()),
        ..ServiceOptions::default()
    });
    let page = send(
        addr,
        "GET /demo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        b"",
    );
    assert_eq!(page.status, 200);
    assert!(page
        .head
        .to_ascii_lowercase()
        .contains("content-type: text/html"));
    let html = {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(b"GET /demo HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).unwrap();
        raw.split_once("\r\n\r\n").unwrap().1.to_string()
    };
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "self-contained"
    );
    assert!(html.contains(
        "\"/speech/recognition/conversation/cognitiveservices/v1?language=en-US&format=detailed\""
    ));
    let script = html
        .split_once("<script>")
        .and_then(|(_, rest)| rest.split_once("</script>"))
        .unwrap()
        .0;
    let dir = tmpdir("server-demo");
    let js = dir.join("demo.js");
    std::fs::write(&js, script).unwrap();
    let check = std::process::Command::new("node")
        .arg("--check")
        .arg(&js)
        .output()
        .expect("node (run scripts/setup.sh)");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // The page's own header() on a config with non-ASCII text, then a request with it.
    let start_at = script.find("function header(").unwrap();
    let end_at = start_at + script[start_at..].find("\n}\n").unwrap() + 2;
    let program = format!(
        "{}\nprocess.stdout.write(header({{ReferenceText: \"Good morning, café?\", GradingSystem: \"HundredMark\"}}));",
        &script[start_at..end_at]
    );
    let out = std::process::Command::new("node")
        .args(["-e", &program])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let encoded = String::from_utf8(out.stdout).unwrap();
    let (_, wav) = good_morning();
    let r = post(
        addr,
        "?language=en-US&format=detailed",
        &[
            format!("Pronunciation-Assessment: {encoded}"),
            WAV_TYPE.into(),
            "Ocp-Apim-Subscription-Key: k".into(),
        ],
        wav,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["DisplayText"], "Good morning, café?");
}

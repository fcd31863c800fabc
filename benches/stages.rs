//! One criterion group per pipeline stage, on a fixed 5-second utterance
//! (espeak-ng, synthesised at start-up), plus the whole pipeline and the
//! model load that dominates a cold start.
//!
//! ```sh
//! cargo bench -p elocute-benches --bench stages            # everything
//! cargo bench -p elocute-benches --bench stages -- align   # one group
//! ```
//!
//! Divide a time by 5 s for the stage's real-time factor.

use std::hint::black_box;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use base64::Engine as _;

use criterion::{criterion_group, criterion_main, Criterion};
use elocute::{Assessor, Lexicon, PronunciationAssessmentConfig};
use elocute_benches::{model_dir, speech_5s, test_signal, tmpdir, TEXT};
use elocute_features::{FeatureConfig, FeatureExtractor};
use elocute_model::Model;
use elocute_score::ScoreOptions;
use elocute_server::protocol::Request;
use elocute_server::{Server, Service, ServiceOptions};

fn benches(c: &mut Criterion) {
    let dir = tmpdir();
    let (speech, speech_rate) = speech_5s(&dir);
    let audio = elocute_audio::resample_to_16k(speech.clone(), speech_rate).expect("resample");
    let assessor = Assessor::from_model(
        Model::load(model_dir()).expect("model (run scripts/setup.sh)"),
        Lexicon::cmudict(),
    )
    .unwrap();
    let model = assessor.model();

    // Resampling 44.1 kHz -> 16 kHz, 5 s.
    let x44 = test_signal(5.0, 44_100);
    c.bench_function("resample/44k1_to_16k_5s", |b| {
        b.iter(|| elocute_audio::resample_to_16k(black_box(x44.clone()), 44_100).unwrap())
    });

    // Front ends, 5 s at 16 kHz.
    let mut g = c.benchmark_group("features");
    for (name, fc) in [
        ("sphinx_en_us_5s", FeatureConfig::sphinx_en_us()),
        ("fbank80_5s", FeatureConfig::fbank80()),
    ] {
        let fx = FeatureExtractor::new(fc).unwrap();
        g.bench_function(name, |b| b.iter(|| fx.compute(black_box(&audio)).unwrap()));
    }
    g.finish();

    // Acoustic model: ONNX inference + phone posteriors on 5 s of features.
    let feats = model.extractor().compute(&audio).unwrap();
    c.bench_function("model/scores_from_features_5s", |b| {
        b.iter(|| model.scores_from_features(black_box(feats.view())).unwrap())
    });

    // Forced alignment on the model's scores of the utterance.
    let frames = model.scores_from_features(feats.view()).unwrap();
    let topo = assessor.topology();
    let r = assessor.reference(TEXT).unwrap();
    c.bench_function("align/viterbi_5s", |b| {
        b.iter(|| {
            elocute_align::align(black_box(frames.state_scores.view()), &r.ids, topo).unwrap()
        })
    });

    // Scoring (GOP, fluency, completeness) of that alignment.
    let alignment = elocute_align::align(frames.state_scores.view(), &r.ids, topo).unwrap();
    let audible = elocute::audible_frames(&audio);
    let opts = ScoreOptions {
        frame_seconds: model.extractor().frame_shift_seconds(),
        ..Default::default()
    };
    c.bench_function("score/score_5s", |b| {
        b.iter(|| {
            elocute_score::score(
                black_box(&alignment),
                frames.phone_logpost.view(),
                topo.silence,
                &audible,
                &r.punct,
                &opts,
            )
        })
    });

    // The whole pipeline from 22.05 kHz samples (resampling included) to the result.
    let config = PronunciationAssessmentConfig::new(TEXT);
    c.bench_function("pipeline/assess_with_config_5s", |b| {
        b.iter(|| {
            assessor
                .assess_with_config(black_box(&speech), speech_rate, &config)
                .unwrap()
        })
    });

    // Continuous mode on a 26 s reading (the sentence four times, 2 s pauses), against
    // one-shot on the same audio: segmenting, finding each segment's words, assessing.
    let long: Vec<f32> = {
        let mut v = Vec::new();
        for i in 0..4 {
            if i > 0 {
                v.extend(std::iter::repeat_n(0.0, 2 * 16_000));
            }
            v.extend_from_slice(&audio);
        }
        v
    };
    let long_config = PronunciationAssessmentConfig::new([TEXT; 4].join(" "));
    let mut g = c.benchmark_group("continuous");
    g.sample_size(20);
    g.bench_function("assess_continuous_26s", |b| {
        b.iter(|| {
            assessor
                .assess_continuous(black_box(&long), 16_000, &long_config, Default::default())
                .unwrap()
        })
    });
    // A live session fed 100 ms at a time, without and with an interim result
    // (`ContinuousSession::hypothesis`) after every second of audio.
    for (name, every) in [("session_26s", usize::MAX), ("session_hypotheses_26s", 10)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut s = assessor
                    .continuous(&long_config, Default::default())
                    .unwrap();
                for (i, piece) in long.chunks(1_600).enumerate() {
                    s.push(black_box(piece)).unwrap();
                    if (i + 1) % every == 0 {
                        black_box(s.hypothesis().unwrap());
                    }
                }
                s.finish().unwrap()
            })
        });
    }
    g.bench_function("one_shot_26s", |b| {
        b.iter(|| {
            assessor
                .assess_with_config(black_box(&long), 16_000, &long_config)
                .unwrap()
        })
    });
    g.finish();

    // JSON of the result.
    let result = assessor
        .assess_with_config(&speech, speech_rate, &config)
        .unwrap();
    c.bench_function("json/to_string", |b| {
        b.iter(|| serde_json::to_string(black_box(&result)).unwrap())
    });

    // The REST server: one request answered by `Service::respond` (base64 header, WAV parse,
    // resampling, assessment, REST JSON), and the same request over loopback HTTP.
    let server = server_on_loopback();
    let wav = wav_bytes(&dir, &speech, speech_rate);
    let pa = base64::engine::general_purpose::STANDARD.encode(format!(
        r#"{{"ReferenceText":"{TEXT}","Dimension":"Comprehensive"}}"#
    ));
    let headers = vec![
        ("Pronunciation-Assessment".to_string(), pa.clone()),
        ("Content-Type".to_string(), "audio/wav".to_string()),
    ];
    let url =
        "/speech/recognition/conversation/cognitiveservices/v1?language=en-US&format=detailed";
    let mut g = c.benchmark_group("server");
    g.bench_function("respond_5s", |b| {
        b.iter(|| {
            let reply = server.service().respond(&Request {
                method: "POST",
                url,
                headers: &headers,
                body: black_box(&wav),
            });
            assert_eq!(reply.status, 200);
        })
    });
    // The Speech SDK's websocket protocol without the socket: speech.context, the WAV in
    // 100 ms audio frames as the SDK sends a file, the end; answered up to turn.end.
    let context = format!(
        "Path: speech.context\r\nX-RequestId: B1\r\n\r\n{}",
        serde_json::json!({"phraseDetection": {"enrichment": {"pronunciationAssessment": {
            "referenceText": TEXT, "dimension": "Comprehensive"}}}})
    );
    let frame = |body: &[u8]| {
        let head = b"Path: audio\r\nX-RequestId: B1\r\n";
        let mut f = vec![0, head.len() as u8];
        f.extend_from_slice(head);
        f.extend_from_slice(body);
        f
    };
    let chunk = speech_rate as usize / 10 * 2;
    let mut frames = vec![frame(&wav[..44])];
    frames.extend(wav[44..].chunks(chunk).map(frame));
    frames.push(frame(&[]));
    let settings = elocute_server::sdk::sdk_settings(
        "/speech/recognition/interactive/cognitiveservices/v1?language=en-US",
    )
    .unwrap();
    g.bench_function("sdk_session_5s", |b| {
        b.iter(|| {
            let mut session =
                elocute_server::sdk::SdkSession::new(server.service(), settings.clone());
            session.on_text(&context);
            let mut last = Vec::new();
            for f in &frames {
                last = session.on_binary(black_box(f));
            }
            match last.last() {
                Some(elocute_server::sdk::SdkReply::Text(t)) => {
                    assert!(t.starts_with("Path: turn.end"))
                }
                other => panic!("{other:?}"),
            }
        })
    });
    // The same with an interim result at every step (as a microphone's audio gets them).
    g.bench_function("sdk_session_5s_hypotheses", |b| {
        b.iter(|| {
            let mut session =
                elocute_server::sdk::SdkSession::new(server.service(), settings.clone())
                    .with_hypotheses(elocute_server::sdk::Hypotheses::Always);
            session.on_text(&context);
            let mut hypotheses = 0;
            for f in &frames {
                for r in session.on_binary(black_box(f)) {
                    if let elocute_server::sdk::SdkReply::Text(t) = r {
                        hypotheses += usize::from(t.starts_with("Path: speech.hypothesis"));
                    }
                }
            }
            assert!(hypotheses >= 2);
        })
    });
    let head = format!(
        "POST {url} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nPronunciation-Assessment: {pa}\r\nContent-Type: audio/wav\r\nContent-Length: {}\r\n\r\n",
        wav.len()
    );
    let addr = server.local_addr();
    g.bench_function("http_roundtrip_5s", |b| {
        b.iter(|| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(head.as_bytes()).unwrap();
            s.write_all(&wav).unwrap();
            let mut answer = Vec::new();
            s.read_to_end(&mut answer).unwrap();
            assert!(answer.starts_with(b"HTTP/1.1 200"));
        })
    });
    // The same over HTTPS: a new connection each time, so the TLS handshake is in it.
    let made = elocute_server::tls::self_signed(&["localhost".into()]).unwrap();
    let tls = made.tls_config().unwrap();
    let https = server_on_loopback_with(Some(tls));
    let client = tls_client(&made.cert_pem);
    let https_addr = https.local_addr();
    g.bench_function("https_roundtrip_5s", |b| {
        b.iter(|| {
            let conn = rustls::ClientConnection::new(
                client.clone(),
                rustls::pki_types::ServerName::try_from("localhost").unwrap(),
            )
            .unwrap();
            let mut s = rustls::StreamOwned::new(conn, TcpStream::connect(https_addr).unwrap());
            s.write_all(head.as_bytes()).unwrap();
            s.write_all(&wav).unwrap();
            s.flush().unwrap();
            let mut answer = Vec::new();
            s.read_to_end(&mut answer).unwrap();
            assert!(answer.starts_with(b"HTTP/1.1 200"));
        })
    });
    g.finish();
    server.shutdown();
    https.shutdown();

    // Cold-start component: loading the model (ONNX session creation).
    let mut g = c.benchmark_group("startup");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("model_load", |b| {
        b.iter(|| Model::load(black_box(model_dir())).unwrap())
    });
    g.bench_function("cmudict_load", |b| b.iter(Lexicon::cmudict));
    g.finish();

    let _ = std::fs::remove_dir_all(&dir);
}

/// A quiet server with the bench model on a free loopback port, one worker, running in the background.
fn server_on_loopback() -> &'static Server {
    server_on_loopback_with(None)
}

/// [`server_on_loopback`], speaking HTTPS with `tls`.
fn server_on_loopback_with(tls: Option<elocute_server::tls::TlsConfig>) -> &'static Server {
    let assessor = Assessor::new(model_dir(), Lexicon::cmudict()).unwrap();
    let mut server = Server::bind(
        "127.0.0.1:0",
        Service::new(assessor, ServiceOptions::default()),
    )
    .unwrap()
    .quiet();
    if let Some(tls) = tls {
        server = server.tls(tls);
    }
    let server: &'static Server = Box::leak(Box::new(server));
    std::thread::spawn(move || server.run(1));
    server
}

/// A TLS client configuration trusting only `cert_pem`.
fn tls_client(cert_pem: &str) -> std::sync::Arc<rustls::ClientConfig> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(cert_pem.as_bytes()).unwrap())
        .unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    std::sync::Arc::new(config)
}

/// The utterance as the 16-bit WAV file a client would send.
fn wav_bytes(dir: &std::path::Path, samples: &[f32], rate: u32) -> Vec<u8> {
    let p = dir.join("speech_5s_i16.wav");
    elocute_audio::write_wav_i16(&p, samples, rate).unwrap();
    std::fs::read(p).unwrap()
}

criterion_group! {
    name = stages;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(stages);

//! A local HTTP server that speaks the Azure Speech REST short-audio
//! protocol, with elocute's offline pronunciation assessment behind it.
//!
//! An app that POSTs a recording to the cloud's
//! `/speech/recognition/conversation/cognitiveservices/v1?language=en-US&format=detailed`
//! with a base64 `Pronunciation-Assessment` header can point the same
//! request at this server and read the same JSON back:
//!
//! ```no_run
//! use elocute_server::{Server, Service, ServiceOptions};
//!
//! let assessor = elocute::Assessor::with_default_model()?;
//! let service = Service::new(assessor, ServiceOptions::default());
//! let server = Server::bind("127.0.0.1:5000", service)?;
//! eprintln!("listening on http://{}", server.local_addr());
//! server.run(2); // two requests assessed at a time; returns after shutdown()
//! # Ok::<(), elocute::Error>(())
//! ```
//!
//! The protocol (routes, query, headers) is in [`protocol`]; [`Service`]
//! answers one request without any socket, and [`Server`] runs it over HTTP.
//! The same paths opened as websockets speak the Speech SDK's protocol
//! ([`sdk`]), so apps built on the SDK can point it at the server.

pub mod protocol;
pub mod sdk;

use std::collections::HashMap;
use std::io::Read;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Instant;

use elocute::{Assessor, AudioLimits, Error};
use protocol::{AudioEncoding, HttpError, Reply, Request, Route};
use serde_json::json;

/// Settings of a [`Service`].
#[derive(Debug, Clone)]
pub struct ServiceOptions {
    /// When set, requests must carry it as `Ocp-Apim-Subscription-Key` or
    /// `Authorization: Bearer`; when `None` (the default), any key or none is accepted.
    pub api_key: Option<String>,
    /// Longest recording accepted; the service's REST limit of 60 s by default.
    pub limits: AudioLimits,
    /// Largest request body read, in bytes (default 64 MiB: 60 s of 48 kHz
    /// stereo 32-bit float is 23 MB).
    pub max_body_bytes: usize,
    /// Web pages of this origin (`https://app.example`, or `*` for any) may
    /// call the server from a browser: preflights are answered and every
    /// reply carries `Access-Control-Allow-Origin`. `None` (the default)
    /// sends no CORS headers, so browsers refuse cross-origin calls.
    pub cors_origin: Option<String>,
}

impl Default for ServiceOptions {
    fn default() -> Self {
        ServiceOptions {
            api_key: None,
            limits: AudioLimits {
                max_seconds: Some(60.0),
            },
            max_body_bytes: 64 << 20,
            cors_origin: None,
        }
    }
}

/// How long an issued token is accepted: the service's tokens last 10 minutes.
pub const TOKEN_LIFETIME: std::time::Duration = std::time::Duration::from_secs(600);

/// Answers REST requests with an [`Assessor`]: no sockets, so it can be
/// tested directly and put behind any HTTP front end.
#[derive(Debug)]
pub struct Service {
    assessor: Assessor,
    options: ServiceOptions,
    /// Tokens issued by `/sts/v1.0/issueToken`, with when each expires.
    tokens: Mutex<HashMap<String, Instant>>,
}

impl Service {
    /// A service assessing with `assessor`.
    pub fn new(assessor: Assessor, options: ServiceOptions) -> Self {
        Service {
            assessor,
            options,
            tokens: Mutex::default(),
        }
    }

    /// The settings it was made with.
    pub fn options(&self) -> &ServiceOptions {
        &self.options
    }

    /// Answer one request. Never panics: a failure inside the assessment
    /// becomes a 500 reply, so one bad request cannot take the server down.
    pub fn respond(&self, req: &Request) -> Reply {
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| self.try_respond(req)));
        self.with_cors(match outcome {
            Ok(Ok(reply)) => reply,
            Ok(Err(e)) => e.reply(),
            Err(_) => HttpError {
                status: 500,
                code: "InternalServerError",
                message: "the assessment failed unexpectedly".into(),
            }
            .reply(),
        })
    }

    /// Add the CORS origin to any reply, errors too: a browser hides the body
    /// of a cross-origin reply without it.
    pub fn with_cors(&self, mut reply: Reply) -> Reply {
        if let Some(origin) = &self.options.cors_origin {
            reply
                .headers
                .push(("Access-Control-Allow-Origin".into(), origin.clone()));
            if origin != "*" {
                reply.headers.push(("Vary".into(), "Origin".into()));
            }
        }
        reply
    }

    fn try_respond(&self, req: &Request) -> Result<Reply, HttpError> {
        let route = protocol::route(req.method, req.url)?;
        // Browsers send no credentials on a preflight.
        if route != Route::Preflight {
            self.authorize(req)?;
        }
        match route {
            Route::Preflight => Ok(self.preflight(req)),
            Route::IssueToken => Ok(Reply::json(
                200,
                serde_json::Value::String(self.issue_token()),
            )),
            Route::Status => Ok(Reply::json(
                200,
                json!({
                    "name": "elocute",
                    "version": env!("CARGO_PKG_VERSION"),
                    "model": self.assessor.model().config().name,
                    "learnedScorer": self.assessor.uses_scorer(),
                    "language": protocol::LANGUAGE,
                    "maxAudioSeconds": self.options.limits.max_seconds,
                }),
            )),
            Route::Recognize => {
                let s = protocol::settings(req)?;
                let audio = decode_audio(req.body, s.audio, self.options.limits)
                    .map_err(|e| assessment_error(&e))?;
                if let Some(options) = s.continuous {
                    let result = self
                        .assessor
                        .assess_continuous(&audio, elocute::SAMPLE_RATE, &s.config, options)
                        .map_err(|e| assessment_error(&e))?;
                    return Ok(Reply::json(200, result.to_rest(s.format)));
                }
                let result = self
                    .assessor
                    .assess_with_config(&audio, elocute::SAMPLE_RATE, &s.config)
                    .map_err(|e| assessment_error(&e))?;
                Ok(Reply::json(200, elocute::to_rest(&result, s.format)))
            }
        }
    }

    /// 204 with what a browser may send; `with_cors` adds the origin.
    fn preflight(&self, req: &Request) -> Reply {
        let methods = "GET, POST, OPTIONS";
        let mut headers = vec![("Allow".to_string(), methods.to_string())];
        if self.options.cors_origin.is_some() {
            // The service's request headers, unless the browser names those it will send.
            let asked = req.header("Access-Control-Request-Headers").unwrap_or(
                "Pronunciation-Assessment, Content-Type, Ocp-Apim-Subscription-Key, Authorization",
            );
            headers.extend([
                (
                    "Access-Control-Allow-Methods".to_string(),
                    methods.to_string(),
                ),
                (
                    "Access-Control-Allow-Headers".to_string(),
                    asked.to_string(),
                ),
                ("Access-Control-Max-Age".to_string(), "600".to_string()),
            ]);
        }
        Reply {
            status: 204,
            headers,
            body: serde_json::Value::Null,
        }
    }

    /// A fresh opaque token, accepted as `Authorization: Bearer` for
    /// [`TOKEN_LIFETIME`].
    fn issue_token(&self) -> String {
        use std::hash::{BuildHasher, Hasher};
        static ISSUED: AtomicUsize = AtomicUsize::new(0);
        // Two SipHash outputs under fresh random keys (std seeds them from the OS).
        let part = |salt: u64| {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u64(salt);
            h.write_usize(ISSUED.fetch_add(1, Ordering::Relaxed));
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos()),
            );
            h.finish()
        };
        let token = format!("elocute-{:016x}{:016x}", part(1), part(2));
        let now = Instant::now();
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens.retain(|_, expiry| *expiry > now);
        tokens.insert(token.clone(), now + TOKEN_LIFETIME);
        token
    }

    fn token_is_live(&self, token: &str) -> bool {
        let tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens
            .get(token)
            .is_some_and(|expiry| *expiry > Instant::now())
    }

    fn authorize(&self, req: &Request) -> Result<(), HttpError> {
        self.authorize_with(req, false)
    }

    /// The key as `Ocp-Apim-Subscription-Key`, or it or an issued token as
    /// `Authorization: Bearer`; with `query`, also as query parameters of
    /// those names, which is how the Speech SDK in a browser sends them (a
    /// browser's websocket takes no headers).
    fn authorize_with(&self, req: &Request, query: bool) -> Result<(), HttpError> {
        let Some(key) = &self.options.api_key else {
            return Ok(());
        };
        let from_query = |name: &str| {
            protocol::query_pairs(req.url)
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        };
        let field = |name: &str| {
            req.header(name).map(str::to_string).or_else(|| {
                if query {
                    from_query(name)
                } else {
                    None
                }
            })
        };
        let bearer = field("Authorization").and_then(|a| {
            a.trim()
                .strip_prefix("Bearer ")
                .map(|t| t.trim().to_string())
        });
        let ok = field("Ocp-Apim-Subscription-Key").is_some_and(|k| k.trim() == key)
            || bearer.is_some_and(|t| t == *key || self.token_is_live(&t));
        if ok {
            Ok(())
        } else {
            Err(HttpError {
                status: 401,
                code: "Unauthorized",
                message: "missing or wrong Ocp-Apim-Subscription-Key (or Authorization: Bearer)"
                    .into(),
            })
        }
    }
}

/// 16 kHz mono samples of a request body.
fn decode_audio(
    body: &[u8],
    encoding: AudioEncoding,
    limits: AudioLimits,
) -> elocute::Result<Vec<f32>> {
    match encoding {
        AudioEncoding::FileOrPcm16 { sample_rate } if !elocute_audio::is_audio_file(body) => {
            elocute_audio::read_pcm16(body, 1, sample_rate, limits)
        }
        _ => elocute_audio::read_audio_bytes(body, limits),
    }
}

/// The reply to a failed assessment: the request's fault (400) or ours (500).
fn assessment_error(e: &Error) -> HttpError {
    let message = e.to_string().replace("<in-memory audio>", "request body");
    match e {
        Error::Io { .. } | Error::Model { .. } | Error::Runtime(_) => HttpError {
            status: 500,
            code: "InternalServerError",
            message,
        },
        _ => HttpError::bad_request(message),
    }
}

/// Websocket connections open at once; more are refused with 503.
pub const MAX_WEBSOCKETS: usize = 64;

/// The HTTP front end: a listening socket and a [`Service`].
///
/// Requests are answered by `workers` threads ([`run`](Self::run)); each
/// websocket connection (a Speech SDK app's recognizer) gets a thread of its
/// own, so apps that keep their connection open between recognitions do
/// not hold a worker. At most `workers` assessments run at once, HTTP and
/// websocket together.
pub struct Server {
    http: tiny_http::Server,
    service: Service,
    stopping: AtomicBool,
    /// Workers inside `run`, each of which `shutdown` must wake.
    workers: AtomicUsize,
    /// Assessments allowed to run at once.
    slots: Slots,
    websockets: AtomicUsize,
    quiet: bool,
}

/// A counting semaphore: one permit per assessment running.
#[derive(Debug, Default)]
struct Slots {
    free: Mutex<usize>,
    freed: Condvar,
}

impl Slots {
    fn add(&self, n: usize) {
        *self.free.lock().unwrap_or_else(|e| e.into_inner()) += n;
        self.freed.notify_all();
    }

    /// Run `f` once a permit is free.
    fn with<T>(&self, f: impl FnOnce() -> T) -> T {
        {
            let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
            while *free == 0 {
                free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
            }
            *free -= 1;
        }
        // Given back even if `f` panics, so a panic cannot shrink the pool.
        struct Permit<'a>(&'a Slots);
        impl Drop for Permit<'_> {
            fn drop(&mut self) {
                self.0.add(1);
            }
        }
        let _permit = Permit(self);
        f()
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addr", &self.local_addr())
            .field("service", &self.service)
            .finish()
    }
}

impl Server {
    /// Listen on `addr` (`"127.0.0.1:5000"`; port 0 picks a free port).
    pub fn bind(addr: &str, service: Service) -> elocute::Result<Self> {
        let http = tiny_http::Server::http(addr)
            .map_err(|e| Error::Config(format!("cannot listen on {addr}: {e}")))?;
        Ok(Server {
            http,
            service,
            stopping: AtomicBool::new(false),
            workers: AtomicUsize::new(0),
            slots: Slots::default(),
            websockets: AtomicUsize::new(0),
            quiet: false,
        })
    }

    /// Do not log a line per request on standard error.
    pub fn quiet(mut self) -> Self {
        self.quiet = true;
        self
    }

    /// The service behind it.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        match self.http.server_addr() {
            tiny_http::ListenAddr::IP(a) => a,
            // Only `bind` makes servers, and it listens on IP.
            #[allow(unreachable_patterns)]
            _ => SocketAddr::from(([0, 0, 0, 0], 0)),
        }
    }

    /// Serve with `workers` threads, each answering one request at a time,
    /// and at most `workers` assessments at once (websocket connections
    /// included), until [`shutdown`](Self::shutdown) is called from another
    /// thread.
    pub fn run(&self, workers: usize) {
        let workers = workers.max(1);
        self.workers.fetch_add(workers, Ordering::SeqCst);
        self.slots.add(workers);
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| self.work(s));
            }
        });
        self.workers.fetch_sub(workers, Ordering::SeqCst);
    }

    /// Make [`run`](Self::run) return once the requests in progress (and
    /// those already received) are answered and the open websocket
    /// connections closed by their apps.
    pub fn shutdown(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        // One wake-up per blocked worker; a worker not yet waiting sees the flag.
        for _ in 0..self.workers.load(Ordering::SeqCst) {
            self.http.unblock();
        }
    }

    fn work<'s>(&'s self, scope: &'s std::thread::Scope<'s, '_>) {
        while !self.stopping.load(Ordering::SeqCst) {
            match self.http.recv() {
                Ok(req) => self.serve(req, scope),
                // A wake-up from shutdown, or a failed accept (too many open
                // files): only the first ends the worker.
                Err(e) => {
                    if !self.stopping.load(Ordering::SeqCst) {
                        if !self.quiet {
                            eprintln!("elocute serve: {e}");
                        }
                        std::thread::sleep(std::time::Duration::from_millis(50));
                    }
                }
            }
        }
    }

    fn serve<'s>(&'s self, mut req: tiny_http::Request, scope: &'s std::thread::Scope<'s, '_>) {
        let start = Instant::now();
        let method = req.method().as_str().to_string();
        let url = req.url().to_string();
        let headers: Vec<(String, String)> = req
            .headers()
            .iter()
            .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
            .collect();
        let wants_websocket = headers.iter().any(|(n, v)| {
            n.eq_ignore_ascii_case("Upgrade") && v.trim().eq_ignore_ascii_case("websocket")
        });
        let reply = if wants_websocket {
            match self.websocket_handshake(&method, &url, &headers) {
                Ok((settings, accept)) => {
                    let response = tiny_http::Response::empty(101)
                        .with_header(header("Sec-WebSocket-Accept", &accept));
                    let stream = req.upgrade("websocket", response);
                    let path = url.split('?').next().unwrap_or("").to_string();
                    let connection = move || {
                        let phrases = std::panic::catch_unwind(AssertUnwindSafe(|| {
                            self.serve_websocket(stream, settings)
                        }));
                        self.websockets.fetch_sub(1, Ordering::SeqCst);
                        if !self.quiet {
                            match phrases {
                                Ok(n) => eprintln!(
                                    "WEBSOCKET {path} {n} phrases {:.0} ms",
                                    start.elapsed().as_secs_f64() * 1e3
                                ),
                                Err(_) => eprintln!("WEBSOCKET {path} failed unexpectedly"),
                            }
                        }
                    };
                    // Its own thread: an app may keep the connection for hours.
                    if let Err(e) = std::thread::Builder::new()
                        .name("elocute-websocket".into())
                        .spawn_scoped(scope, connection)
                    {
                        // The connection moved into the closure is dropped (closed) with it.
                        self.websockets.fetch_sub(1, Ordering::SeqCst);
                        if !self.quiet {
                            eprintln!("elocute serve: cannot start a websocket thread: {e}");
                        }
                    }
                    return;
                }
                Err(e) => self.service.with_cors(e.reply()),
            }
        } else {
            let limit = self.service.options.max_body_bytes;
            match read_body(&mut req, limit) {
                Ok(body) => self.slots.with(|| {
                    self.service.respond(&Request {
                        method: &method,
                        url: &url,
                        headers: &headers,
                        body: &body,
                    })
                }),
                Err(e) => self.service.with_cors(e.reply()),
            }
        };
        let status = reply.status;
        let mut response = if reply.body.is_null() {
            tiny_http::Response::from_string(String::new())
        } else if let serde_json::Value::String(text) = &reply.body {
            tiny_http::Response::from_string(text.clone())
                .with_header(header("Content-Type", "text/plain; charset=utf-8"))
        } else {
            let body = serde_json::to_string(&reply.body).unwrap_or_else(|_| "{}".into());
            tiny_http::Response::from_string(body)
                .with_header(header("Content-Type", "application/json; charset=utf-8"))
        }
        .with_status_code(status);
        for (name, value) in &reply.headers {
            response.add_header(header(name, value));
        }
        // A client that hung up before its answer has nothing to lose.
        let _ = req.respond(response);
        if !self.quiet {
            eprintln!(
                "{method} {} {status} {:.0} ms",
                url.split('?').next().unwrap_or(""),
                start.elapsed().as_secs_f64() * 1e3
            );
        }
    }
}

impl Server {
    /// Check a websocket upgrade request: the key (as for REST), the path and
    /// query; gives the settings and the `Sec-WebSocket-Accept` value.
    fn websocket_handshake(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
    ) -> Result<(sdk::SdkSettings, String), HttpError> {
        let req = Request {
            method,
            url,
            headers,
            body: &[],
        };
        self.service.authorize_with(&req, true)?;
        // Browsers apply no CORS to websockets, so the server checks the page's
        // origin itself when --cors-origin names one.
        if let (Some(allowed), Some(origin)) =
            (&self.service.options.cors_origin, req.header("Origin"))
        {
            if allowed != "*" && !allowed.eq_ignore_ascii_case(origin) {
                return Err(HttpError {
                    status: 403,
                    code: "Forbidden",
                    message: format!(
                        "pages of {origin} may not open websockets here (--cors-origin {allowed})"
                    ),
                });
            }
        }
        if !method.eq_ignore_ascii_case("GET") {
            return Err(HttpError {
                status: 405,
                code: "MethodNotAllowed",
                message: format!("a websocket is opened with GET, not {method}"),
            });
        }
        let settings = sdk::sdk_settings(url)?;
        let key = req
            .header("Sec-WebSocket-Key")
            .ok_or_else(|| HttpError::bad_request("websocket upgrade without Sec-WebSocket-Key"))?;
        let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
        // Counted here so that a refusal is still an HTTP answer the SDK can report.
        if self.websockets.fetch_add(1, Ordering::SeqCst) >= MAX_WEBSOCKETS {
            self.websockets.fetch_sub(1, Ordering::SeqCst);
            return Err(HttpError {
                status: 503,
                code: "ServiceUnavailable",
                message: format!("{MAX_WEBSOCKETS} websocket connections are open already"),
            });
        }
        Ok((settings, accept))
    }

    /// Run the SDK protocol over an upgraded connection until the client
    /// closes it; gives the number of `speech.phrase` messages sent.
    fn serve_websocket(
        &self,
        stream: Box<dyn tiny_http::ReadWrite + Send>,
        settings: sdk::SdkSettings,
    ) -> usize {
        use tungstenite::protocol::{frame::coding::CloseCode, CloseFrame, Role, WebSocketConfig};
        use tungstenite::Message;
        let mut config = WebSocketConfig::default();
        // One audio frame is about 100 ms; a message over the body limit is no audio.
        config.max_message_size = Some(self.service.options.max_body_bytes);
        config.max_frame_size = Some(self.service.options.max_body_bytes);
        let mut ws = tungstenite::WebSocket::from_raw_socket(stream, Role::Server, Some(config));
        let mut session = sdk::SdkSession::new(&self.service, settings);
        let mut phrases = 0;
        let mut closing = false;
        loop {
            let replies = match ws.read() {
                Ok(Message::Text(t)) if !closing => self.slots.with(|| session.on_text(t.as_str())),
                Ok(Message::Binary(b)) if !closing => self.slots.with(|| session.on_binary(&b)),
                Ok(Message::Close(_)) => {
                    // tungstenite answers the close; flushing sends the answer.
                    let _ = ws.flush();
                    continue;
                }
                Ok(_) => continue,
                Err(e) => {
                    // SDK clients often hang up without a close frame once they have their result.
                    let hung_up = matches!(
                        e,
                        tungstenite::Error::ConnectionClosed
                            | tungstenite::Error::AlreadyClosed
                            | tungstenite::Error::Protocol(
                                tungstenite::error::ProtocolError::ResetWithoutClosingHandshake
                            )
                    );
                    if !self.quiet && !hung_up {
                        eprintln!("elocute serve: websocket: {e}");
                    }
                    break;
                }
            };
            for reply in replies {
                let sent = match reply {
                    sdk::SdkReply::Text(t) => {
                        phrases += usize::from(t.starts_with("Path: speech.phrase\r\n"));
                        ws.send(Message::text(t))
                    }
                    sdk::SdkReply::Close(code, reason) => {
                        closing = true;
                        ws.close(Some(CloseFrame {
                            code: CloseCode::from(code),
                            reason: close_reason(&reason).into(),
                        }))
                    }
                };
                if sent.is_err() {
                    break;
                }
            }
        }
        phrases
    }
}

/// A close frame's reason holds at most 123 bytes: cut at a character boundary.
fn close_reason(reason: &str) -> String {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    reason[..end].to_string()
}

/// A header field. Names and values here are ASCII (the one echoed value
/// came from a request header); anything else is sent empty rather than lost.
fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
        .or_else(|()| tiny_http::Header::from_bytes(name.as_bytes(), &b""[..]))
        .expect("header names here are ASCII")
}

/// The body, or 413 when it is larger than `limit` (checked against
/// `Content-Length` before reading, so a client waiting on
/// `Expect: 100-continue` is told before it sends).
fn read_body(req: &mut tiny_http::Request, limit: usize) -> Result<Vec<u8>, HttpError> {
    let too_large = || HttpError {
        status: 413,
        code: "PayloadTooLarge",
        message: format!("request body over {limit} bytes"),
    };
    if req.body_length().is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    req.as_reader()
        .take(limit as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| HttpError::bad_request(format!("cannot read the request body: {e}")))?;
    if body.len() > limit {
        return Err(too_large());
    }
    Ok(body)
}

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
//! server.run(2); // two assessments at a time; returns after shutdown()
//! # Ok::<(), elocute::Error>(())
//! ```
//!
//! The protocol (routes, query, headers) is in [`protocol`]; [`Service`]
//! answers one request without any socket, and [`Server`] runs it over HTTP.
//! The same paths opened as websockets speak the Speech SDK's protocol
//! ([`sdk`]), so apps built on the SDK can point it at the server.
//! [`Server::tls`] serves HTTPS and secure websockets instead ([`tls`]), as
//! browsers need for the microphone on any host but `localhost`.

mod http;
#[doc(hidden)]
pub use http::read_requests;
pub mod protocol;
pub mod sdk;
pub mod tls;

use std::collections::HashMap;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Mutex};
use std::time::{Duration, Instant};

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

/// The page `GET /demo` serves: self-contained (no fetched scripts or styles).
const DEMO_PAGE: &str = include_str!("demo.html");

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
        // Browsers send no credentials on a preflight; the demo page holds no
        // data (its requests carry the key the user types).
        if route != Route::Preflight && route != Route::Demo {
            self.authorize(req)?;
        }
        match route {
            Route::Preflight => Ok(self.preflight(req)),
            Route::Demo => Ok(Reply {
                status: 200,
                headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
                body: serde_json::Value::String(DEMO_PAGE.into()),
            }),
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
/// Connections open at once (HTTP and websocket); more are answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 256;

/// How long a blocked socket read waits before the server looks up (is it
/// shutting down, has the connection been idle too long).
const POLL: Duration = Duration::from_secs(1);
/// An idle keep-alive connection is closed after this (Apache's default).
const KEEP_ALIVE: Duration = Duration::from_secs(5);
/// A request head or body that stops arriving for this long (or for the
/// idle timeout, if shorter) is answered 408.
const STALL: Duration = Duration::from_secs(30);
/// A response the client does not read within this is abandoned.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// The HTTP front end: a listening socket and a [`Service`].
///
/// Every connection gets a thread of its own ([`run`](Self::run)), so
/// connections kept open (keep-alive, and a Speech SDK app's websocket,
/// which apps keep between recognitions) wait on nothing; at most `workers`
/// assessments run at once, HTTP and websocket together. Every read times
/// out: an idle keep-alive connection closes after 5 s, a stalled request
/// gets 408 after 30 s, and a websocket on which the app sent nothing for
/// the idle timeout (default 5 minutes) is closed, so connections of apps
/// that vanished (a laptop closed) do not pile up.
pub struct Server {
    /// Taken (and so closed) by `shutdown`; `run` accepts on a clone of it,
    /// so the port is free once `run` has returned.
    listener: Mutex<Option<TcpListener>>,
    addr: SocketAddr,
    service: Service,
    stopping: AtomicBool,
    connections: AtomicUsize,
    websockets: AtomicUsize,
    idle_timeout: Duration,
    quiet: bool,
    tls: Option<tls::TlsConfig>,
}

/// Work for the assessment threads; each job sends its answer back itself.
type Job<'a> = Box<dyn FnOnce() + Send + 'a>;

/// The way to the assessment threads: `workers` long-lived threads that run
/// every assessment (a connection's own thread would start each one cold:
/// a fresh thread's allocator arena cost about 1.5 ms a request).
#[derive(Clone)]
struct Pool<'a> {
    jobs: mpsc::Sender<Job<'a>>,
}

impl<'a> Pool<'a> {
    /// Run `f` on an assessment thread and wait for its value; `None` if it
    /// panicked or the threads are gone.
    fn run<T: Send + 'a>(&self, f: impl FnOnce() -> T + Send + 'a) -> Option<T> {
        let (tx, rx) = mpsc::sync_channel(1);
        let job: Job<'a> = Box::new(move || {
            let _ = tx.send(std::panic::catch_unwind(AssertUnwindSafe(f)).ok());
        });
        self.jobs.send(job).ok()?;
        rx.recv().ok().flatten()
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
        let listener = TcpListener::bind(addr)
            .map_err(|e| Error::Config(format!("cannot listen on {addr}: {e}")))?;
        let local = listener
            .local_addr()
            .map_err(|e| Error::Config(format!("cannot listen on {addr}: {e}")))?;
        Ok(Server {
            listener: Mutex::new(Some(listener)),
            addr: local,
            service,
            stopping: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
            websockets: AtomicUsize::new(0),
            idle_timeout: Duration::from_secs(300),
            quiet: false,
            tls: None,
        })
    }

    /// Do not log a line per request on standard error.
    pub fn quiet(mut self) -> Self {
        self.quiet = true;
        self
    }

    /// Close a websocket on which the app has sent nothing for `timeout`
    /// (default 5 minutes, at least 1 s; the Speech SDK opens a new
    /// connection when it next recognizes). A request that stalls this long
    /// (at most 30 s) is answered 408.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout.max(Duration::from_secs(1));
        self
    }

    /// Speak HTTPS (and `wss:` websockets) with this certificate instead of
    /// plain HTTP. A plain-HTTP request to the port is answered, in plain
    /// text, with a 400 that says to use `https://`; a client that does not
    /// trust the certificate ends its own connection (logged unless quiet).
    pub fn tls(mut self, tls: tls::TlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Whether it speaks HTTPS ([`tls`](Self::tls)).
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// The service behind it.
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// The address it listens on (or listened on, after [`shutdown`](Self::shutdown)).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serve, with at most `workers` assessments at once (websocket
    /// connections included), until [`shutdown`](Self::shutdown) is called
    /// from another thread; then the port is closed.
    pub fn run(&self, workers: usize) {
        let workers = workers.max(1);
        let listener = match self
            .listener
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
        {
            // Shut down already: nothing to serve.
            None => return,
            Some(l) => match l.try_clone() {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("elocute serve: cannot accept connections: {e}");
                    return;
                }
            },
        };
        let (jobs, queue) = mpsc::channel::<Job<'_>>();
        let queue = Mutex::new(queue);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| loop {
                    let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    match job {
                        Ok(job) => job(),
                        // Every connection and the accept loop are gone.
                        Err(_) => break,
                    }
                });
            }
            let pool = Pool { jobs };
            while !self.stopping.load(Ordering::SeqCst) {
                let stream = match listener.accept() {
                    Ok((stream, _)) => stream,
                    // Out of file descriptors, say: wait for connections to close.
                    Err(e) => {
                        if !self.quiet && !self.stopping.load(Ordering::SeqCst) {
                            eprintln!("elocute serve: cannot accept a connection: {e}");
                        }
                        std::thread::sleep(Duration::from_millis(50));
                        continue;
                    }
                };
                if self.stopping.load(Ordering::SeqCst) {
                    break;
                }
                if self.connections.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
                    self.connections.fetch_sub(1, Ordering::SeqCst);
                    // A TLS client could not read a plain 503: it just sees the close.
                    if self.tls.is_none() {
                        refuse_busy(stream);
                    }
                    continue;
                }
                let pool = pool.clone();
                let spawned = std::thread::Builder::new()
                    .name("elocute-connection".into())
                    .spawn_scoped(scope, move || {
                        // A panic is caught so that the scope (and the server) survives it.
                        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| {
                            self.connection(stream, &pool)
                        }));
                        self.connections.fetch_sub(1, Ordering::SeqCst);
                    });
                if let Err(e) = spawned {
                    self.connections.fetch_sub(1, Ordering::SeqCst);
                    if !self.quiet {
                        eprintln!("elocute serve: cannot start a connection thread: {e}");
                    }
                }
            }
        });
    }

    /// Make [`run`](Self::run) return: no new connections are taken, the
    /// requests in progress are answered, and idle connections (keep-alive
    /// and websocket) close within a second; a websocket in the middle of an
    /// utterance closes when its audio pauses.
    pub fn shutdown(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Closes the port once `run`'s clone is gone too.
        let listener = self
            .listener
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let first = listener.is_some();
        drop(listener);
        if !first {
            return;
        }
        // Wake the accept: connect to ourselves.
        let mut addr = self.local_addr();
        if addr.ip().is_unspecified() {
            addr.set_ip(if addr.is_ipv4() {
                std::net::Ipv4Addr::LOCALHOST.into()
            } else {
                std::net::Ipv6Addr::LOCALHOST.into()
            });
        }
        let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
    }

    fn stop(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// One connection: requests until it closes, idles or upgrades.
    fn connection<'a>(&'a self, stream: TcpStream, pool: &Pool<'a>) {
        // The timeouts are what let every wait end; without them, serve nothing.
        if stream.set_read_timeout(Some(POLL)).is_err()
            || stream.set_write_timeout(Some(WRITE_TIMEOUT)).is_err()
        {
            return;
        }
        let _ = stream.set_nodelay(true);
        let stop = || self.stop();
        let stall = STALL.min(self.idle_timeout);
        let peer = stream.peer_addr().ok();
        let stream = match &self.tls {
            None => tls::Stream::Plain(stream),
            Some(config) => match tls::accept(config, stream, stall, &stop) {
                tls::Accepted::Ready(stream) => stream,
                tls::Accepted::PlainHttp(stream) => return self.refuse_plain_http(stream),
                tls::Accepted::Gone(why) => {
                    if let (Some(why), false) = (why, self.quiet) {
                        let from = peer.map(|p| format!(" with {p}")).unwrap_or_default();
                        eprintln!("elocute serve: TLS handshake failed{from}: {why}");
                    }
                    return;
                }
            },
        };
        let mut conn = http::Conn::new(stream);
        loop {
            let head = match conn.read_head(KEEP_ALIVE, stall, &stop) {
                Ok(Some(head)) => head,
                Ok(None) => return,
                Err(e) => {
                    let reply = self.service.with_cors(e.reply());
                    let _ = send(&mut conn.stream, &reply, false);
                    return;
                }
            };
            let start = Instant::now();
            let path = head.url.split('?').next().unwrap_or("").to_string();
            if head.wants_websocket() {
                match self.websocket_handshake(&head.method, &head.url, &head.headers) {
                    Ok((settings, accept)) => {
                        let answer = http::write_response(
                            &mut conn.stream,
                            101,
                            &[
                                ("Upgrade".into(), "websocket".into()),
                                ("Connection".into(), "Upgrade".into()),
                                ("Sec-WebSocket-Accept".into(), accept),
                            ],
                            b"",
                            true,
                        );
                        let phrases = if answer.is_ok() {
                            let early = conn.take_buffered();
                            self.serve_websocket(conn.stream, early, settings, pool)
                        } else {
                            0
                        };
                        self.websockets.fetch_sub(1, Ordering::SeqCst);
                        if !self.quiet {
                            eprintln!(
                                "WEBSOCKET {path} {phrases} phrases {:.0} ms",
                                start.elapsed().as_secs_f64() * 1e3
                            );
                        }
                        return;
                    }
                    Err(e) => {
                        let reply = self.service.with_cors(e.reply());
                        let _ = send(&mut conn.stream, &reply, false);
                        self.log(&head.method, &path, reply.status, start);
                        return;
                    }
                }
            }
            let limit = self.service.options.max_body_bytes;
            let (reply, keep) = match conn.read_body(&head, limit, stall) {
                Ok(body) => {
                    let h = head.clone();
                    let service = &self.service;
                    let reply = pool
                        .run(move || {
                            service.respond(&Request {
                                method: &h.method,
                                url: &h.url,
                                headers: &h.headers,
                                body: &body,
                            })
                        })
                        .unwrap_or_else(|| {
                            service.with_cors(
                                HttpError {
                                    status: 500,
                                    code: "InternalServerError",
                                    message: "the assessment failed unexpectedly".into(),
                                }
                                .reply(),
                            )
                        });
                    (reply, head.keep_alive() && !self.stop())
                }
                // The rest of the body is unread: the connection cannot carry on.
                Err(e) => (self.service.with_cors(e.reply()), false),
            };
            let sent = send(&mut conn.stream, &reply, keep);
            self.log(&head.method, &path, reply.status, start);
            if sent.is_err() || !keep {
                conn.stream.shutdown_write();
                conn.drain_briefly();
                return;
            }
        }
    }

    /// Plain HTTP on the HTTPS port: say so in plain HTTP, which the client reads.
    fn refuse_plain_http(&self, mut stream: TcpStream) {
        let e = HttpError::bad_request(
            "this server speaks HTTPS: use https:// (and wss:// for websockets)",
        );
        let sent = send(&mut stream, &self.service.with_cors(e.reply()), false);
        self.log("-", "(plain HTTP on the HTTPS port)", 400, Instant::now());
        if sent.is_ok() {
            let _ = stream.shutdown(std::net::Shutdown::Write);
            // Read what the client sent, so that closing does not reset the answer away.
            http::Conn::new(tls::Stream::Plain(stream)).drain_briefly();
        }
    }

    fn log(&self, method: &str, path: &str, status: u16, start: Instant) {
        if !self.quiet {
            eprintln!(
                "{method} {path} {status} {:.0} ms",
                start.elapsed().as_secs_f64() * 1e3
            );
        }
    }
}

/// Over [`MAX_CONNECTIONS`]: a 503 without reading the request.
fn refuse_busy(mut stream: TcpStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let e = HttpError {
        status: 503,
        code: "ServiceUnavailable",
        message: format!("{MAX_CONNECTIONS} connections are open already"),
    };
    let _ = send(&mut stream, &e.reply(), false);
}

/// Write `reply`: its JSON, or its string as is (plain text unless it names
/// a `Content-Type`), or nothing.
fn send(out: &mut impl std::io::Write, reply: &Reply, keep: bool) -> std::io::Result<()> {
    let mut headers = reply.headers.clone();
    let body = match &reply.body {
        serde_json::Value::Null => Vec::new(),
        serde_json::Value::String(text) => {
            if protocol::find_header(&headers, "Content-Type").is_none() {
                headers.push(("Content-Type".into(), "text/plain; charset=utf-8".into()));
            }
            text.clone().into_bytes()
        }
        json => {
            headers.push((
                "Content-Type".into(),
                "application/json; charset=utf-8".into(),
            ));
            serde_json::to_vec(json).unwrap_or_else(|_| b"{}".to_vec())
        }
    };
    http::write_response(out, reply.status, &headers, &body, keep)
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

    /// Run the SDK protocol over an upgraded connection (`early`: bytes
    /// that came after the handshake) until the client closes it, it is idle
    /// for the idle timeout, or the server stops; gives the number of
    /// `speech.phrase` messages sent.
    fn serve_websocket<'a>(
        &'a self,
        stream: tls::Stream,
        early: Vec<u8>,
        settings: sdk::SdkSettings,
        pool: &Pool<'a>,
    ) -> usize {
        use tungstenite::protocol::{frame::coding::CloseCode, CloseFrame, Role, WebSocketConfig};
        use tungstenite::Message;
        let mut config = WebSocketConfig::default();
        // One audio frame is about 100 ms; a message over the body limit is no audio.
        config.max_message_size = Some(self.service.options.max_body_bytes);
        config.max_frame_size = Some(self.service.options.max_body_bytes);
        let mut ws =
            tungstenite::WebSocket::from_partially_read(stream, early, Role::Server, Some(config));
        // Moved to an assessment thread for each message, and back.
        let mut session = Some(sdk::SdkSession::new(&self.service, settings));
        let on = |message: Message, session: &mut Option<sdk::SdkSession<'a>>| {
            let mut s = session.take()?;
            let (s, replies) = pool.run(move || {
                let replies = match &message {
                    Message::Text(t) => s.on_text(t.as_str()),
                    Message::Binary(b) => s.on_binary(b),
                    _ => Vec::new(),
                };
                (s, replies)
            })?;
            *session = Some(s);
            Some(replies)
        };
        let mut phrases = 0;
        let mut closing = false;
        let mut heard = Instant::now();
        loop {
            let message = ws.read();
            if message.is_ok() {
                heard = Instant::now();
            }
            let replies = match message {
                Ok(m @ (Message::Text(_) | Message::Binary(_))) if !closing => {
                    match on(m, &mut session) {
                        Some(replies) => replies,
                        // The session panicked past its guard, or the server is gone.
                        None => break,
                    }
                }
                Ok(Message::Close(_)) => {
                    // tungstenite answers the close; flushing sends the answer.
                    let _ = ws.flush();
                    continue;
                }
                Ok(_) => continue,
                // The socket's poll: time to look up.
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    let why = if closing {
                        // The app never answered our close.
                        break;
                    } else if self.stop() {
                        (CloseCode::Away, "the server is shutting down".to_string())
                    } else if heard.elapsed() >= self.idle_timeout {
                        let secs = self.idle_timeout.as_secs_f64();
                        (CloseCode::Normal, format!("idle for {secs} s"))
                    } else {
                        continue;
                    };
                    closing = true;
                    let _ = ws.close(Some(CloseFrame {
                        code: why.0,
                        reason: why.1.into(),
                    }));
                    let _ = ws.flush();
                    continue;
                }
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

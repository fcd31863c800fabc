//! HTTP/1.1 over a socket whose every read can time out: the request head,
//! the body (`Content-Length` or chunked, `Expect: 100-continue`) and the
//! response. Small and elocute's own so that an idle keep-alive connection,
//! a stalled upload, an idle websocket and a shutdown are each noticed
//! (tiny_http, used before, gave no handle to set socket timeouts).

use std::io::{ErrorKind, Read, Write};
use std::time::{Duration, Instant};

use crate::protocol::HttpError;

/// Largest request head accepted (request line and header fields).
pub(crate) const MAX_HEAD: usize = 64 << 10;
/// Most header fields accepted.
const MAX_HEADERS: usize = 100;

/// A request line and its header fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    pub method: String,
    /// Path and query as sent.
    pub url: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub minor: u8,
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// The first field of that name (case-insensitive), trimmed.
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::protocol::find_header(&self.headers, name)
    }

    /// Whether a `Connection` field lists `token`.
    fn connection_has(&self, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("Connection"))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// Whether the connection may carry another request after this one.
    pub fn keep_alive(&self) -> bool {
        if self.minor == 0 {
            self.connection_has("keep-alive")
        } else {
            !self.connection_has("close")
        }
    }

    /// An `Upgrade: websocket` request.
    pub fn wants_websocket(&self) -> bool {
        self.header("Upgrade")
            .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
    }

    fn chunked(&self) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("Transfer-Encoding"))
            .any(|(_, v)| v.to_ascii_lowercase().contains("chunked"))
    }
}

/// Parse a request head at the start of `buf`: `Ok(None)` while incomplete,
/// else the head and its length in bytes.
pub(crate) fn parse_head(buf: &[u8]) -> Result<Option<(Head, usize)>, HttpError> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut fields);
    match req.parse(buf) {
        Ok(httparse::Status::Partial) if buf.len() > MAX_HEAD => Err(too_large_head()),
        Ok(httparse::Status::Partial) => Ok(None),
        Ok(httparse::Status::Complete(n)) => {
            if n > MAX_HEAD {
                return Err(too_large_head());
            }
            let headers = req
                .headers
                .iter()
                .map(|h| {
                    (
                        h.name.to_string(),
                        String::from_utf8_lossy(h.value).into_owned(),
                    )
                })
                .collect();
            Ok(Some((
                Head {
                    method: req.method.unwrap_or("").to_string(),
                    url: req.path.unwrap_or("").to_string(),
                    minor: req.version.unwrap_or(1),
                    headers,
                },
                n,
            )))
        }
        Err(httparse::Error::TooManyHeaders) => Err(too_large_head()),
        Err(e) => Err(HttpError::bad_request(format!(
            "malformed request head: {e}"
        ))),
    }
}

fn too_large_head() -> HttpError {
    HttpError {
        status: 431,
        code: "RequestHeaderFieldsTooLarge",
        message: format!("request head over {MAX_HEAD} bytes or {MAX_HEADERS} fields"),
    }
}

fn timeout(what: &str, after: Duration) -> HttpError {
    HttpError {
        status: 408,
        code: "RequestTimeout",
        message: format!("{what} stalled for {} s", after.as_secs_f64()),
    }
}

/// Why a read gave up.
#[derive(Debug)]
pub(crate) enum Wait {
    /// The peer closed the connection.
    Closed,
    /// Nothing came for the allowed time (or the server is stopping).
    TimedOut,
    /// Any other socket error.
    Failed(std::io::Error),
}

/// One connection's bytes: the socket (with a short read timeout, its poll)
/// and what has been read from it but not used yet.
pub(crate) struct Conn<S> {
    pub stream: S,
    buf: Vec<u8>,
    /// Scratch for reads, allocated once.
    tmp: Vec<u8>,
}

impl<S: Read + Write> Conn<S> {
    /// A connection over `stream`, whose reads time out after a poll interval.
    pub fn new(stream: S) -> Self {
        Conn {
            stream,
            buf: Vec::new(),
            tmp: vec![0u8; 64 << 10],
        }
    }

    /// Read more bytes: waits up to `patience` for some (checking `stop`
    /// at every poll).
    fn fill(&mut self, patience: Duration, stop: &dyn Fn() -> bool) -> Result<(), Wait> {
        let began = Instant::now();
        loop {
            match self.stream.read(&mut self.tmp) {
                Ok(0) => return Err(Wait::Closed),
                Ok(n) => {
                    self.buf.extend_from_slice(&self.tmp[..n]);
                    return Ok(());
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if began.elapsed() >= patience || stop() {
                        return Err(Wait::TimedOut);
                    }
                }
                Err(e) => return Err(Wait::Failed(e)),
            }
        }
    }

    /// The next request head. `Ok(None)` when the connection is over before
    /// one starts: closed, idle for `idle`, or `stop` (a keep-alive
    /// connection ends so). Once its first byte has come, the whole head has
    /// `stall` to arrive (a client trickling a byte at a time cannot hold
    /// the connection).
    pub fn read_head(
        &mut self,
        idle: Duration,
        stall: Duration,
        stop: &dyn Fn() -> bool,
    ) -> Result<Option<Head>, HttpError> {
        let mut began = (!self.buf.is_empty()).then(Instant::now);
        loop {
            if let Some((head, n)) = parse_head(&self.buf)? {
                self.buf.drain(..n);
                return Ok(Some(head));
            }
            let started = !self.buf.is_empty();
            if started {
                let since = *began.get_or_insert_with(Instant::now);
                if since.elapsed() >= stall {
                    return Err(timeout("the request head", stall));
                }
            }
            let patience = match began {
                Some(since) => stall.saturating_sub(since.elapsed()),
                None => idle,
            };
            let never = || false;
            let stop: &dyn Fn() -> bool = if started { &never } else { stop };
            match self.fill(patience, stop) {
                Ok(()) => {}
                Err(Wait::Closed) if !started => return Ok(None),
                Err(Wait::TimedOut) if !started => return Ok(None),
                Err(Wait::TimedOut) => return Err(timeout("the request head", stall)),
                Err(_) => return Ok(None),
            }
        }
    }

    /// The request body, at most `limit` bytes (413 beyond, from
    /// `Content-Length` before anything is read or promised), each read
    /// allowed `stall`. `100 Continue` is sent first when the client waits
    /// for it.
    pub fn read_body(
        &mut self,
        head: &Head,
        limit: usize,
        stall: Duration,
    ) -> Result<Vec<u8>, HttpError> {
        let too_large = || HttpError {
            status: 413,
            code: "PayloadTooLarge",
            message: format!("request body over {limit} bytes"),
        };
        let chunked = head.chunked();
        let length = match head.header("Content-Length") {
            Some(v) if !chunked => Some(v.parse::<usize>().map_err(|_| {
                HttpError::bad_request(format!("Content-Length {v:?} is not a number"))
            })?),
            _ => None,
        };
        if length.is_some_and(|n| n > limit) {
            return Err(too_large());
        }
        if !chunked && length.unwrap_or(0) == 0 {
            return Ok(Vec::new());
        }
        if head
            .header("Expect")
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"))
        {
            self.stream
                .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .and_then(|()| self.stream.flush())
                .map_err(|e| HttpError::bad_request(format!("cannot answer 100-continue: {e}")))?;
        }
        let no_stop = || false;
        let more = |conn: &mut Self| -> Result<(), HttpError> {
            match conn.fill(stall, &no_stop) {
                Ok(()) => Ok(()),
                Err(Wait::TimedOut) => Err(timeout("the request body", stall)),
                Err(Wait::Closed) => Err(HttpError::bad_request(
                    "the connection closed before the end of the request body",
                )),
                Err(Wait::Failed(e)) => Err(HttpError::bad_request(format!(
                    "cannot read the request body: {e}"
                ))),
            }
        };
        if let Some(n) = length {
            while self.buf.len() < n {
                more(self)?;
            }
            return Ok(self.buf.drain(..n).collect());
        }
        // Chunked: size line (hex, optional extensions), data, CRLF; 0 ends, then trailers.
        let mut body = Vec::new();
        loop {
            let line = loop {
                if let Some(at) = self.buf.windows(2).position(|w| w == b"\r\n") {
                    let line: Vec<u8> = self.buf.drain(..at + 2).collect();
                    break line;
                }
                if self.buf.len() > 4096 {
                    return Err(HttpError::bad_request("a chunk size line over 4 KiB"));
                }
                more(self)?;
            };
            let text = String::from_utf8_lossy(&line[..line.len() - 2]).into_owned();
            let size_text = text.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| HttpError::bad_request(format!("bad chunk size {size_text:?}")))?;
            if size == 0 {
                // Trailer fields, up to the empty line.
                loop {
                    if let Some(at) = self.buf.windows(2).position(|w| w == b"\r\n") {
                        let empty = at == 0;
                        self.buf.drain(..at + 2);
                        if empty {
                            return Ok(body);
                        }
                    } else {
                        if self.buf.len() > MAX_HEAD {
                            return Err(too_large_head());
                        }
                        more(self)?;
                    }
                }
            }
            if body.len() + size > limit {
                return Err(too_large());
            }
            while self.buf.len() < size + 2 {
                more(self)?;
            }
            body.extend_from_slice(&self.buf[..size]);
            if &self.buf[size..size + 2] != b"\r\n" {
                return Err(HttpError::bad_request("a chunk does not end with CRLF"));
            }
            self.buf.drain(..size + 2);
        }
    }

    /// Bytes read past the last request (a websocket client's first frames).
    pub fn take_buffered(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// Before closing on a refused request whose body is unread: read and
    /// drop what the client is still sending, for up to a second and 1 MiB,
    /// since closing a socket with unread input resets the connection and
    /// the client may lose the answer.
    pub fn drain_briefly(&mut self) {
        let began = Instant::now();
        let mut dropped = 0;
        while began.elapsed() < Duration::from_secs(1) && dropped < (1 << 20) {
            self.buf.clear();
            match self.fill(Duration::from_millis(200), &|| false) {
                Ok(()) => dropped += self.buf.len(),
                Err(_) => break,
            }
        }
        self.buf.clear();
    }
}

/// A byte string read as a client's side of a connection: request heads and
/// bodies until the bytes end or one is refused; gives each request's method
/// and body length, or the refusal. For the fuzz target `http_request`.
#[doc(hidden)]
pub fn read_requests(input: &[u8], limit: usize) -> Vec<Result<(String, usize), HttpError>> {
    struct Bytes(std::io::Cursor<Vec<u8>>);
    impl Read for Bytes {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            // Small pieces, as a socket may give them.
            let n = buf.len().min(7);
            self.0.read(&mut buf[..n])
        }
    }
    impl Write for Bytes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut conn = Conn::new(Bytes(std::io::Cursor::new(input.to_vec())));
    let t = Duration::from_millis(1);
    let mut out = Vec::new();
    loop {
        match conn.read_head(t, t, &|| false) {
            Ok(Some(head)) => match conn.read_body(&head, limit, t) {
                Ok(body) => out.push(Ok((head.method, body.len()))),
                Err(e) => {
                    out.push(Err(e));
                    return out;
                }
            },
            Ok(None) => return out,
            Err(e) => {
                out.push(Err(e));
                return out;
            }
        }
    }
}

/// The reason phrase of a status code.
fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Write a response: status line, `headers` (CR and LF in values dropped),
/// `Content-Length` and `Connection`, then the body.
pub(crate) fn write_response(
    out: &mut impl Write,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
    keep_alive: bool,
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        let value: String = value.chars().filter(|c| *c != '\r' && *c != '\n').collect();
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if status != 101 && status != 204 && status >= 200 {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    if status != 101 {
        head.push_str(if keep_alive {
            "Connection: keep-alive\r\n"
        } else {
            "Connection: close\r\n"
        });
    }
    head.push_str("\r\n");
    // One write: the head and body leave in as few packets as they fit.
    let mut all = head.into_bytes();
    all.extend_from_slice(body);
    out.write_all(&all)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    /// A fake socket: reads come from `input` in pieces of `piece` bytes.
    struct Fake {
        input: Cursor<Vec<u8>>,
        piece: usize,
        out: Vec<u8>,
    }

    impl Read for Fake {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.piece);
            self.input.read(&mut buf[..n])
        }
    }

    impl Write for Fake {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.out.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn conn(input: &[u8], piece: usize) -> Conn<Fake> {
        Conn::new(Fake {
            input: Cursor::new(input.to_vec()),
            piece,
            out: Vec::new(),
        })
    }

    const T: Duration = Duration::from_secs(1);

    #[test]
    fn requests_in_any_pieces() {
        let raw = b"POST /a?b=1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n\
                    4;ext=1\r\nabcd\r\n2\r\nef\r\n0\r\nTrailer: t\r\n\r\n\
                    GET / HTTP/1.0\r\n\r\n";
        for piece in [1, 3, 7, 1000] {
            let mut c = conn(raw, piece);
            let head = c.read_head(T, T, &|| false).unwrap().unwrap();
            assert_eq!(
                (head.method.as_str(), head.url.as_str()),
                ("POST", "/a?b=1")
            );
            assert!(head.keep_alive() && !head.wants_websocket());
            assert_eq!(c.read_body(&head, 100, T).unwrap(), b"abcdef");
            assert_eq!(c.stream.out, b"HTTP/1.1 100 Continue\r\n\r\n");
            let next = c.read_head(T, T, &|| false).unwrap().unwrap();
            assert_eq!((next.minor, next.keep_alive()), (0, false));
            assert!(c.read_head(T, T, &|| false).unwrap().is_none(), "closed");
        }
    }

    #[test]
    fn lengths_limits_and_garbage() {
        let head = |extra: &str| {
            let raw = format!("POST / HTTP/1.1\r\n{extra}\r\n");
            let mut c = conn(raw.as_bytes(), 1000);
            (c.read_head(T, T, &|| false).unwrap().unwrap(), c)
        };
        let (h, mut c) = head("Content-Length: 500\r\nExpect: 100-continue\r\n");
        assert_eq!(c.read_body(&h, 100, T).unwrap_err().status, 413);
        assert!(c.stream.out.is_empty(), "refused before 100 Continue");
        let (h, mut c) = head("Content-Length: ten\r\n");
        assert_eq!(c.read_body(&h, 100, T).unwrap_err().status, 400);
        let (h, mut c) = head("Content-Length: 10\r\n");
        let e = c.read_body(&h, 100, T).unwrap_err();
        assert!(e.message.contains("closed before the end"), "{}", e.message);
        let (h, mut c) = head("Transfer-Encoding: chunked\r\n");
        assert_eq!(c.read_body(&h, 100, T).unwrap_err().status, 400);
        let mut c = conn(
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            1000,
        );
        let h = c.read_head(T, T, &|| false).unwrap().unwrap();
        assert!(c.read_body(&h, 100, T).unwrap_err().message.contains("zz"));
        let mut c = conn(
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n",
            1000,
        );
        let h = c.read_head(T, T, &|| false).unwrap().unwrap();
        assert_eq!(c.read_body(&h, 100, T).unwrap_err().status, 413);
        assert_eq!(
            conn(b"\x00\x01 / HTTP/1.1\r\n\r\n", 1000)
                .read_head(T, T, &|| false)
                .unwrap_err()
                .status,
            400
        );
        let big = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert_eq!(
            conn(big.as_bytes(), 4096)
                .read_head(T, T, &|| false)
                .unwrap_err()
                .status,
            431
        );
    }

    #[test]
    fn responses_carry_length_and_connection() {
        let mut out = Vec::new();
        let headers = [("X-A".to_string(), "b\r\nInjected: 1".to_string())];
        write_response(&mut out, 200, &headers, b"{}", true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "HTTP/1.1 200 OK\r\nX-A: bInjected: 1\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n{}"
        );
    }
}

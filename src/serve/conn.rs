//! One HTTP/1.1 connection over `std::net`, with deadlines: the server's own small HTTP layer
//! (RFC 9112 message syntax, the subset the HUGSIM client and curl use).
//!
//! - Requests: a head of at most `MAX_HEAD_BYTES` (request line, headers, CRLF line ends) and
//!   a `Content-Length` body. Chunked request bodies get 501 (Python `requests` sends
//!   `Content-Length`); `Expect: 100-continue` (curl, for bodies over 1 KiB) is answered
//!   before the body is read, and only when the handler reads it.
//! - Deadlines (`Limits`): a connection waiting for a request is closed after `idle_timeout`;
//!   once a request's first byte arrived, its head must be complete within `request_timeout`,
//!   and its body, once the handler asks for it, within another `request_timeout`: a stalled
//!   or trickling client gets 408 and the connection is closed. Each write may block at most
//!   `write_timeout` (a client that stops reading its response is dropped).
//! - Keep-alive as HTTP/1.1 (1.0 only with `Connection: keep-alive`). A request whose body
//!   was not read (rejected early) closes the connection after the response, read out for a
//!   moment first so the client sees the response rather than a reset.
//!
//! Why not tiny_http, used before: it reads each request body lazily on the thread that
//! handles it, but gives no access to the socket, so no read timeout can be set (a read
//! timeout on the listener is inherited on Linux but also makes its accept thread exit on the
//! first timeout). One stalled body then blocked every client.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest accepted request head (request line and headers).
pub const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Most header lines accepted in one request.
pub const MAX_HEADERS: usize = 64;
/// After a response to a request whose body was not read: how long and how much of the rest
/// is read and dropped before closing.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 4 << 20;

/// Timeouts and the connection bound of a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A connection with no request under way is closed after this long.
    pub idle_timeout: Duration,
    /// Time for a request's head, and again for its body.
    pub request_timeout: Duration,
    /// Longest wait for one write of a response to make progress.
    pub write_timeout: Duration,
    /// Connections served at once; more are answered 503 and closed.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(30),
            write_timeout: Duration::from_secs(60),
            max_connections: 64,
        }
    }
}

/// A response: status, content type, body.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Arc<[u8]>,
}

impl Reply {
    pub fn text(status: u16, message: &str) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: message.as_bytes().into(),
        }
    }
}

/// A request the server rejects: status and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub status: u16,
    pub message: String,
}

impl Rejection {
    pub fn new(status: u16, message: impl Into<String>) -> Rejection {
        Rejection {
            status,
            message: message.into(),
        }
    }
}

impl From<Rejection> for Reply {
    fn from(r: Rejection) -> Reply {
        Reply::text(r.status, &r.message)
    }
}

/// A request's head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub method: String,
    /// The target without its query.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub content_length: usize,
    keep_alive: bool,
    expect_continue: bool,
}

impl Head {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The body of the request being handled, read only when asked for.
pub struct Body<'a> {
    conn: &'a mut Conn,
    length: usize,
    expect_continue: bool,
    read: bool,
}

impl Body<'_> {
    /// The whole body: 413 over `max_bytes` (not read), 408 when it does not arrive within
    /// the request timeout, 400 when the client closes or the read fails.
    pub fn read_all(&mut self, max_bytes: usize) -> Result<Vec<u8>, Rejection> {
        if self.length > max_bytes {
            return Err(Rejection::new(
                413,
                format!("request body over the {max_bytes}-byte limit"),
            ));
        }
        if self.read {
            return Err(Rejection::new(500, "request body read twice"));
        }
        self.read = true;
        if self.expect_continue && self.length > self.conn.buf.len() {
            let mut w = &self.conn.stream;
            w.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
                .map_err(|e| Rejection::new(400, format!("writing 100 Continue: {e}")))?;
        }
        let timeout = self.conn.limits.request_timeout;
        let deadline = Instant::now() + timeout;
        let n = self.length.min(self.conn.buf.len());
        let mut body: Vec<u8> = self.conn.buf.drain(..n).collect();
        while body.len() < self.length {
            let left = deadline.saturating_duration_since(Instant::now());
            let partial = |what: &str| {
                format!(
                    "request body: {what} after {} of {} bytes",
                    body.len(),
                    self.length
                )
            };
            if left.is_zero() {
                return Err(Rejection::new(
                    408,
                    partial(&format!("timed out ({} s)", timeout.as_secs_f64())),
                ));
            }
            match self.conn.read_some(left) {
                Ok(0) => return Err(Rejection::new(400, partial("connection closed"))),
                Ok(_) => {
                    let n = (self.length - body.len()).min(self.conn.buf.len());
                    body.extend(self.conn.buf.drain(..n));
                }
                Err(e) if timed_out(&e) => continue,
                Err(e) => return Err(Rejection::new(400, partial(&format!("read failed: {e}")))),
            }
        }
        Ok(body)
    }

    fn complete(&self) -> bool {
        self.length == 0 || self.read
    }
}

struct Conn {
    stream: TcpStream,
    /// Bytes received and not yet consumed (the start of the next head or body).
    buf: Vec<u8>,
    limits: Limits,
}

impl Conn {
    /// One read of up to 16 KiB into `buf`, waiting at most `timeout`.
    fn read_some(&mut self, timeout: Duration) -> std::io::Result<usize> {
        // A zero timeout means "block forever" to the OS.
        self.stream
            .set_read_timeout(Some(timeout.max(Duration::from_millis(1))))?;
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Ok(n);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The next request's head; `Ok(None)` when the client closed or stayed idle, `Err` for a
    /// head to answer with an error and close.
    fn read_head(&mut self) -> Result<Option<Head>, Rejection> {
        let mut started = (!self.buf.is_empty()).then(Instant::now);
        let mut searched = 0;
        loop {
            if let Some(end) = find_blank_line(&self.buf, searched) {
                let head: Vec<u8> = self.buf.drain(..end + 4).collect();
                return parse_head(&head[..end]).map(Some);
            }
            searched = self.buf.len().saturating_sub(3);
            if self.buf.len() > MAX_HEAD_BYTES {
                return Err(Rejection::new(
                    431,
                    format!("request head over {MAX_HEAD_BYTES} bytes"),
                ));
            }
            let timeout = match started {
                None => self.limits.idle_timeout,
                Some(t0) => {
                    let left = (t0 + self.limits.request_timeout)
                        .saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(Rejection::new(
                            408,
                            format!(
                                "request head not complete within {} s",
                                self.limits.request_timeout.as_secs_f64()
                            ),
                        ));
                    }
                    left
                }
            };
            match self.read_some(timeout) {
                Ok(0) => return Ok(None),
                Ok(_) => {
                    started.get_or_insert_with(Instant::now);
                }
                Err(e) if timed_out(&e) && started.is_some() => {}
                Err(_) => return Ok(None),
            }
        }
    }

    fn write_reply(&mut self, reply: &Reply, keep_alive: bool) -> std::io::Result<()> {
        let head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: {}\r\n\r\n",
            reply.status,
            reason(reply.status),
            reply.content_type,
            reply.body.len(),
            if keep_alive { "keep-alive" } else { "close" }
        );
        let mut w = &self.stream;
        if reply.body.len() <= 64 * 1024 {
            w.write_all(&[head.as_bytes(), &reply.body].concat())?;
        } else {
            w.write_all(head.as_bytes())?;
            w.write_all(&reply.body)?;
        }
        w.flush()
    }

    /// Close after reading (and dropping) what the client still sends, for a moment: closing
    /// with unread data resets the connection, which can destroy the response in flight.
    fn linger_close(mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
        let deadline = Instant::now() + LINGER;
        let mut dropped = 0;
        while dropped < LINGER_BYTES {
            let left = deadline.saturating_duration_since(Instant::now());
            self.buf.clear();
            match self.read_some(left) {
                Ok(n) if n > 0 && !left.is_zero() => dropped += n,
                _ => break,
            }
        }
    }
}

/// Serve requests on `stream` until the client closes, idles out, or a request cannot be
/// continued on it. `handler` answers each request (and reads its body if it wants it);
/// `after_reply` runs once each answer is written.
pub fn serve_connection(
    stream: TcpStream,
    limits: Limits,
    mut handler: impl FnMut(&Head, &mut Body) -> Reply,
    mut after_reply: impl FnMut(),
) {
    let _ = stream.set_nodelay(true);
    if stream
        .set_write_timeout(Some(limits.write_timeout))
        .is_err()
    {
        return;
    }
    let mut conn = Conn {
        stream,
        buf: Vec::new(),
        limits,
    };
    loop {
        let head = match conn.read_head() {
            Ok(Some(head)) => head,
            Ok(None) => return,
            Err(rejection) => {
                if conn.write_reply(&rejection.into(), false).is_ok() {
                    conn.linger_close();
                }
                return;
            }
        };
        let mut body = Body {
            conn: &mut conn,
            length: head.content_length,
            expect_continue: head.expect_continue,
            read: false,
        };
        let reply = handler(&head, &mut body);
        let complete = body.complete();
        let keep_alive = head.keep_alive && complete;
        let written = conn.write_reply(&reply, keep_alive);
        after_reply();
        if written.is_err() {
            return;
        }
        if !keep_alive {
            if !complete {
                conn.linger_close();
            }
            return;
        }
    }
}

/// A short answer to a connection the server will not serve (too many open), then close.
pub fn refuse(stream: TcpStream, status: u16, message: &str) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let mut conn = Conn {
        stream,
        buf: Vec::new(),
        limits: Limits::default(),
    };
    let _ = conn.write_reply(&Reply::text(status, message), false);
}

fn timed_out(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// Index of the `\r\n\r\n` ending a head, searching from `from`.
fn find_blank_line(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + from)
}

fn parse_head(bytes: &[u8]) -> Result<Head, Rejection> {
    let bad = |m: String| Rejection::new(400, m);
    let text = std::str::from_utf8(bytes).map_err(|_| bad("request head is not UTF-8".into()))?;
    // Empty lines before a request line are allowed (RFC 9112 section 2.2).
    let mut lines = text.trim_start_matches("\r\n").split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad(format!("malformed request line {request_line:?}")));
    };
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_alphabetic()) || target.is_empty() {
        return Err(bad(format!("malformed request line {request_line:?}")));
    }
    let http_1_1 = match version {
        "HTTP/1.1" => true,
        "HTTP/1.0" => false,
        v if v.starts_with("HTTP/") => {
            return Err(Rejection::new(
                505,
                format!("{v} is not supported; use HTTP/1.1"),
            ));
        }
        _ => return Err(bad(format!("malformed request line {request_line:?}"))),
    };
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .filter(|(n, _)| !n.is_empty() && !n.bytes().any(|b| b.is_ascii_whitespace()))
            .ok_or_else(|| bad(format!("malformed header line {line:?}")))?;
        if headers.len() == MAX_HEADERS {
            return Err(Rejection::new(431, format!("over {MAX_HEADERS} headers")));
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let values = |name: &'static str| {
        headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if values("transfer-encoding").next().is_some() {
        return Err(Rejection::new(
            501,
            "chunked request bodies are not supported: send Content-Length",
        ));
    }
    let mut lengths = values("content-length").map(|v| v.parse::<usize>());
    let content_length = match lengths.next() {
        None => 0,
        Some(Ok(n)) if lengths.all(|m| m == Ok(n)) => n,
        _ => return Err(bad("invalid or conflicting Content-Length".into())),
    };
    let connection: Vec<String> = values("connection")
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .collect();
    let keep_alive = if http_1_1 {
        !connection.iter().any(|t| t == "close")
    } else {
        connection.iter().any(|t| t == "keep-alive")
    };
    let expect_continue = match values("expect").next() {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("100-continue") => true,
        Some(v) => return Err(Rejection::new(417, format!("unsupported Expect: {v}"))),
    };
    Ok(Head {
        method: method.to_string(),
        path: target.split('?').next().unwrap_or("").to_string(),
        headers,
        content_length,
        keep_alive,
        expect_continue,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        417 => "Expectation Failed",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

#[cfg(test)]
#[path = "conn_tests.rs"]
mod tests;

//! Regression tests for issue "one slow client stalls the server": a client that sends headers
//! announcing a large body and then stalls must not hold up anyone else, and is answered 408
//! once its request deadline passes; idle connections are closed.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use mpa_sim::serve::{Limits, ServeHandle, ServerOptions, spawn};

use crate::serve_hugsim_client::{STRAIGHT, TOKEN, execute_body, http, jobs, serve, session};

/// Generous: the real client's requests take milliseconds; the machine may be busy.
const PROMPT: Duration = Duration::from_secs(10);

/// Headers announcing a 50000-byte body, then a few bytes of it, then nothing.
fn stalled_body(addr: SocketAddr, token: Option<&str>) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    let mut head = format!(
        "POST /execute_action HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 50000\r\n\
         Content-Type: application/json\r\n"
    );
    if let Some(t) = token {
        head.push_str(&format!("auth-token: {t}\r\n"));
    }
    head.push_str("\r\n{\"plan_traj\": ");
    s.write_all(head.as_bytes()).expect("send");
    s
}

/// True when nothing has arrived on `s` and it is still open.
fn unanswered(s: &TcpStream) -> bool {
    s.set_nonblocking(true).expect("nonblocking");
    let mut byte = [0u8; 1];
    let open = matches!((&*s).read(&mut byte), Err(e) if e.kind() == ErrorKind::WouldBlock);
    s.set_nonblocking(false).expect("blocking");
    open
}

#[test]
fn stalled_body_does_not_block_other_clients() {
    let dir = tempfile::tempdir().unwrap();
    let handle = serve(session(jobs(&["scene-0004"]), dir.path()));
    let addr = handle.addr();
    let with_token = stalled_body(addr, Some(TOKEN));
    let without_token = stalled_body(addr, None);
    // A connection that sends nothing at all.
    let silent = TcpStream::connect(addr).expect("connect");
    // Let the server start on the stalled requests first.
    std::thread::sleep(Duration::from_millis(300));

    let t0 = Instant::now();
    for _ in 0..5 {
        let (status, body) = http(addr, "GET", "/get_current_state", Some(TOKEN), b"");
        assert_eq!(status, 200);
        assert_eq!(&body[..2], b"\x80\x05");
    }
    let (status, _) = http(
        addr,
        "POST",
        "/execute_action",
        Some(TOKEN),
        &execute_body(STRAIGHT, "real-1"),
    );
    assert_eq!(status, 200);
    let elapsed = t0.elapsed();
    assert!(
        elapsed < PROMPT,
        "the real client waited {elapsed:?} beside stalled sockets"
    );
    // The stalled ones are still waiting for their bodies: they were not answered (the
    // default request deadline is far longer than this test).
    assert!(
        unanswered(&with_token),
        "stalled socket was answered or closed"
    );
    assert!(unanswered(&silent), "silent socket was answered or closed");
    drop((with_token, without_token, silent));
    handle.shutdown().expect("clean shutdown");
}

/// A server whose request and idle deadlines are short.
fn impatient_server(dir: &std::path::Path, timeout: Duration) -> ServeHandle {
    spawn(
        session(jobs(&["scene-0004"]), dir),
        ServerOptions {
            addr: "127.0.0.1:0".into(),
            token: TOKEN.into(),
            limits: Limits {
                idle_timeout: timeout,
                request_timeout: timeout,
                ..Limits::default()
            },
            ..ServerOptions::default()
        },
    )
    .expect("server")
}

/// Everything the server sends until it closes (or `PROMPT` passes).
fn read_until_closed(mut s: TcpStream) -> (Vec<u8>, Duration) {
    s.set_read_timeout(Some(PROMPT)).expect("read timeout");
    let t0 = Instant::now();
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    (got, t0.elapsed())
}

#[test]
fn stalled_body_gets_408_and_idle_connection_is_closed() {
    let dir = tempfile::tempdir().unwrap();
    let handle = impatient_server(dir.path(), Duration::from_secs(1));
    let addr = handle.addr();
    let stalled = stalled_body(addr, Some(TOKEN));
    let silent = TcpStream::connect(addr).expect("connect");
    let mut half_head = TcpStream::connect(addr).expect("connect");
    half_head
        .write_all(b"GET /get_current_state HTTP/1.1\r\nauth-to")
        .expect("send");

    let (answer, waited) = read_until_closed(stalled);
    let text = String::from_utf8_lossy(&answer);
    assert!(waited < PROMPT, "no 408 within {PROMPT:?}");
    assert!(text.starts_with("HTTP/1.1 408 "), "{text}");
    assert!(
        text.contains("request body: timed out") && text.contains("of 50000 bytes"),
        "a clear message: {text}"
    );
    let (answer, waited) = read_until_closed(half_head);
    assert!(waited < PROMPT);
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 408 "));
    let (answer, waited) = read_until_closed(silent);
    assert!(
        answer.is_empty() && waited < PROMPT,
        "idle connection closed"
    );
    // Nothing was stepped, and the server still serves.
    let (status, _) = http(addr, "GET", "/get_current_state", Some(TOKEN), b"");
    assert_eq!(status, 200);
    handle.shutdown().expect("clean shutdown");
}

#[test]
fn keep_alive_and_expect_continue() {
    let dir = tempfile::tempdir().unwrap();
    let handle = serve(session(jobs(&["scene-0004"]), dir.path()));
    let mut s = TcpStream::connect(handle.addr()).expect("connect");
    s.set_read_timeout(Some(PROMPT)).expect("read timeout");
    let body = execute_body(STRAIGHT, "keep-1");
    let head = format!(
        "POST /execute_action HTTP/1.1\r\nauth-token: {TOKEN}\r\nExpect: 100-continue\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).expect("send head");
    let mut interim = [0u8; 25];
    s.read_exact(&mut interim).expect("100 Continue");
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(&body).expect("send body");
    // Then a second request on the same connection, which closes it.
    s.write_all(
        format!(
            "GET /get_current_state HTTP/1.1\r\nauth-token: {TOKEN}\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    )
    .expect("second request");
    let (answer, _) = read_until_closed(s);
    let text = String::from_utf8_lossy(&answer);
    assert_eq!(text.matches("HTTP/1.1 200 OK").count(), 2, "two answers");
    handle.shutdown().expect("clean shutdown");
}

/// One keep-alive connection polling the state until `end`; the number of answers.
fn poll_keep_alive(addr: SocketAddr, end: Instant) -> u32 {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return 0;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    let request = format!("GET /get_current_state HTTP/1.1\r\nauth-token: {TOKEN}\r\n\r\n");
    let mut answers = 0;
    let mut buf = Vec::new();
    while Instant::now() < end {
        if s.write_all(request.as_bytes()).is_err() {
            return answers;
        }
        // Read the head, then Content-Length bytes of body.
        let mut chunk = [0u8; 64 * 1024];
        let (head_end, length) = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..i]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap_or(0);
                break (i + 4, length);
            }
            match s.read(&mut chunk) {
                Ok(0) | Err(_) => return answers,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        while buf.len() < head_end + length {
            match s.read(&mut chunk) {
                Ok(0) | Err(_) => return answers,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + length);
        answers += 1;
    }
    answers
}

/// Answers each of 50 clients polling the state for `secs` got, sorted.
fn fifty_pollers(secs: u64, keep_alive: bool) -> Vec<u32> {
    let dir = tempfile::tempdir().expect("tempdir");
    let handle = serve(session(jobs(&["scene-0004"]), dir.path()));
    let addr = handle.addr();
    let end = Instant::now() + Duration::from_secs(secs);
    let clients: Vec<_> = (0..50)
        .map(|_| {
            std::thread::spawn(move || {
                if keep_alive {
                    return poll_keep_alive(addr, end);
                }
                let mut answers = 0u32;
                while Instant::now() < end {
                    if http(addr, "GET", "/get_current_state", Some(TOKEN), b"").0 == 200 {
                        answers += 1;
                    }
                }
                answers
            })
        })
        .collect();
    let mut answers: Vec<u32> = clients
        .into_iter()
        .map(|c| c.join().expect("poller thread"))
        .collect();
    answers.sort_unstable();
    println!(
        "50 pollers (keep-alive: {keep_alive}), {secs} s: answers per client min {} median {} \
         max {}; clients with <= 1: {}",
        answers[0],
        answers[25],
        answers[49],
        answers.iter().filter(|&&a| a <= 1).count()
    );
    handle.shutdown().expect("clean shutdown");
    answers
}

/// Issue: under 50 pollers, many got at most one answer. With tiny_http and kept-alive
/// connections, 46 of 50 got one answer in 20 s; now each gets hundreds per second. The bound
/// is loose (a few answers in 3 s) for a busy machine.
#[test]
fn fifty_keep_alive_pollers_all_get_answers() {
    let answers = fifty_pollers(3, true);
    assert!(answers[0] >= 3, "{answers:?}");
}

/// The same as a measurement, not run by default: `cargo test --test it fifty_pollers --
/// --ignored --nocapture` (`POLL_SECS` sets the duration, default 20; `POLL_KEEP_ALIVE=1`
/// polls over one kept-alive connection per client instead of a new connection per request).
#[test]
#[ignore = "measurement: 50 clients for 20 s"]
fn fifty_pollers_are_served_fairly() {
    let secs: u64 = std::env::var("POLL_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let answers = fifty_pollers(secs, std::env::var_os("POLL_KEEP_ALIVE").is_some());
    assert!(answers[0] > 1, "{answers:?}");
}

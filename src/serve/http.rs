//! The HTTP front end of the HUGSIM protocol (tiny_http, one thread, requests served in
//! arrival order), as `hugsim_client` 0.0.8 speaks it:
//!
//! | request | success | failures |
//! |---|---|---|
//! | `POST /reset` | 200 `{"success": true}` | |
//! | `GET /get_current_state` | 200 pickle `{"done", "cur_scene_done", "state"}` | |
//! | `POST /execute_action` JSON `{"plan_traj": "<json>", "transaction_id": "<id>"}` | 200 pickle, as above, after the step | 400 malformed JSON, 413 body over `MAX_BODY_BYTES`, 422 wrong fields, shape, dtype, non-finite or out-of-range waypoints |
//!
//! Every request needs the header `auth-token` equal to the server's token (401 otherwise; an
//! empty server token accepts any request, as HUGSIM's does). Unknown paths get 404, wrong
//! methods 405. Failures carry a `text/plain` message (the client raises with it). A rejected
//! request changes nothing. The inner `plan_traj` JSON is `{"data": [[x, y], ...], "shape":
//! [N, 2], "dtype": "float64"}`; `NaN`/`Infinity` tokens (what Python's `json` writes for
//! non-finite floats) are not JSON and get a 400.
//!
//! Nothing from a client is ever unpickled. A panic while serving a request (a bug) is caught
//! and answered with a 500.

use std::io::Read;
use std::net::SocketAddr;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::Deserialize;
use tiny_http::{Header, Method, Request, Response, Server};

use super::session::{ExecuteReply, Session, SessionError};

/// Largest accepted request body (a 64-point plan is about 3 KiB of JSON).
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// Longest accepted transaction id (the client sends 32 hex digits).
pub const MAX_TRANSACTION_ID_LEN: usize = 128;
/// How often the serving loop checks its stop flag.
const POLL: Duration = Duration::from_millis(100);

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {message}")]
    Bind { addr: String, message: String },
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Session(#[from] SessionError),
}

/// A request the server rejects: status and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub status: u16,
    pub message: String,
}

impl Rejection {
    fn new(status: u16, message: impl Into<String>) -> Rejection {
        Rejection {
            status,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// `host:port`; port 0 picks a free port.
    pub addr: String,
    /// Required `auth-token` header value; empty accepts any.
    pub token: String,
    /// Stop serving after answering the request that finished the last episode.
    pub exit_when_done: bool,
    /// Print the session's notes (episodes finished or failed) to stderr.
    pub log: bool,
}

/// A server running on its own thread.
pub struct ServeHandle {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Result<(), ServeError>>,
}

impl ServeHandle {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// `http://host:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    /// Stop serving and wait for the thread.
    pub fn shutdown(self) -> Result<(), ServeError> {
        self.stop.store(true, Ordering::SeqCst);
        self.join()
    }
    /// Wait until the server stops by itself (`exit_when_done`).
    pub fn join(self) -> Result<(), ServeError> {
        self.thread.join().unwrap_or_else(|_| {
            Err(ServeError::Io(std::io::Error::other(
                "server thread panicked",
            )))
        })
    }
}

/// Bind and serve `session` on a new thread.
pub fn spawn(session: Session, options: ServerOptions) -> Result<ServeHandle, ServeError> {
    let server = Server::http(&options.addr).map_err(|e| ServeError::Bind {
        addr: options.addr.clone(),
        message: e.to_string(),
    })?;
    let addr = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| ServeError::Bind {
            addr: options.addr.clone(),
            message: "not an IP address".into(),
        })?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::spawn(move || serve_loop(&server, session, &options, &flag));
    Ok(ServeHandle { addr, stop, thread })
}

fn serve_loop(
    server: &Server,
    mut session: Session,
    options: &ServerOptions,
    stop: &AtomicBool,
) -> Result<(), ServeError> {
    print_notes(&mut session, options.log);
    while !stop.load(Ordering::SeqCst) {
        let Some(mut request) = server.recv_timeout(POLL)? else {
            continue;
        };
        let reply = catch_unwind(AssertUnwindSafe(|| {
            handle(&mut session, &mut request, &options.token)
        }))
        .unwrap_or_else(|_| Reply::text(500, "internal error while serving the request"));
        // A client that hung up is not the server's problem.
        let _ = request.respond(reply.into_response());
        print_notes(&mut session, options.log);
        if options.exit_when_done && session.done() {
            break;
        }
    }
    Ok(())
}

fn print_notes(session: &mut Session, log: bool) {
    for note in session.take_notes() {
        if log {
            eprintln!("{note}");
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
    fn text(status: u16, message: &str) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: message.as_bytes().into(),
        }
    }
    fn pickle(body: Arc<[u8]>) -> Reply {
        Reply {
            status: 200,
            content_type: "application/octet-stream",
            body,
        }
    }
    fn into_response(self) -> Response<std::io::Cursor<Vec<u8>>> {
        // The length is known: send Content-Length, never chunked encoding.
        let mut r = Response::from_data(self.body.to_vec())
            .with_status_code(self.status)
            .with_chunked_threshold(usize::MAX);
        if let Ok(h) = Header::from_bytes(&b"Content-Type"[..], self.content_type.as_bytes()) {
            r = r.with_header(h);
        }
        r
    }
}

impl From<Rejection> for Reply {
    fn from(r: Rejection) -> Reply {
        Reply::text(r.status, &r.message)
    }
}

fn handle(session: &mut Session, request: &mut Request, token: &str) -> Reply {
    let path = request.url().split('?').next().unwrap_or("").to_string();
    let method = request.method().clone();
    let expected = match path.as_str() {
        "/reset" | "/execute_action" => Method::Post,
        "/get_current_state" => Method::Get,
        _ => return Reply::text(404, &format!("no endpoint {path}")),
    };
    if method != expected {
        return Reply::text(405, &format!("{path} takes {expected}, not {method}"));
    }
    let sent_token = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("auth-token"))
        .map(|h| h.value.as_str().to_string());
    if let Err(r) = check_token(sent_token.as_deref(), token) {
        return r.into();
    }
    match path.as_str() {
        "/reset" => match session.reset() {
            Ok(()) => Reply {
                status: 200,
                content_type: "application/json",
                body: br#"{"success": true}"#.as_slice().into(),
            },
            Err(e) => Reply::text(500, &format!("reset failed: {e}")),
        },
        "/get_current_state" => Reply::pickle(session.current_state().into()),
        _ => {
            let body = match read_body(request) {
                Ok(b) => b,
                Err(r) => return r.into(),
            };
            execute(session, &body)
        }
    }
}

/// `/execute_action` on a body already read.
pub fn execute(session: &mut Session, body: &[u8]) -> Reply {
    let request = match parse_execute_body(body) {
        Ok(r) => r,
        Err(r) => return r.into(),
    };
    if let Some(reply) = session.cached(&request.transaction_id) {
        return reply_of(reply.clone());
    }
    let points = match parse_plan(&request.plan_traj) {
        Ok(p) => p,
        Err(r) => return r.into(),
    };
    match session.execute(&request.transaction_id, &points) {
        Ok(reply) => reply_of(reply),
        Err(SessionError::Plan(e)) => Reply::text(422, &e.to_string()),
        Err(e) => Reply::text(500, &e.to_string()),
    }
}

fn reply_of(reply: ExecuteReply) -> Reply {
    match reply {
        ExecuteReply::Pickle(bytes) => Reply::pickle(bytes),
        ExecuteReply::Failed { status, message } => Reply::text(status, &message),
    }
}

/// 401 unless the sent token matches (an empty server token accepts anything).
pub fn check_token(sent: Option<&str>, expected: &str) -> Result<(), Rejection> {
    if expected.is_empty() {
        return Ok(());
    }
    match sent {
        None => Err(Rejection::new(401, "missing auth-token header")),
        Some(s) if constant_time_eq(s.as_bytes(), expected.as_bytes()) => Ok(()),
        Some(_) => Err(Rejection::new(401, "wrong auth-token")),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn read_body(request: &mut Request) -> Result<Vec<u8>, Rejection> {
    let too_big = || {
        Rejection::new(
            413,
            format!("request body over the {MAX_BODY_BYTES}-byte limit"),
        )
    };
    if request.body_length().is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(too_big());
    }
    let mut body = Vec::new();
    request
        .as_reader()
        .take(MAX_BODY_BYTES as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| Rejection::new(400, format!("reading the request body: {e}")))?;
    if body.len() > MAX_BODY_BYTES {
        return Err(too_big());
    }
    Ok(body)
}

/// The fields of an `/execute_action` body.
#[derive(Debug, Clone, PartialEq)]
pub struct ExecuteRequest {
    pub transaction_id: String,
    /// The inner JSON (string form, or an object sent directly).
    pub plan_traj: serde_json::Value,
}

#[derive(Deserialize)]
struct RawExecute {
    plan_traj: Option<serde_json::Value>,
    transaction_id: Option<serde_json::Value>,
}

/// Parse the outer JSON body: 400 if it is not a JSON object, 422 for missing or mistyped
/// fields.
pub fn parse_execute_body(body: &[u8]) -> Result<ExecuteRequest, Rejection> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Rejection::new(400, format!("body is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(Rejection::new(400, "body is not a JSON object"));
    }
    let raw: RawExecute = serde_json::from_value(value)
        .map_err(|e| Rejection::new(422, format!("body fields: {e}")))?;
    let transaction_id = match raw.transaction_id {
        Some(serde_json::Value::String(s))
            if !s.is_empty() && s.len() <= MAX_TRANSACTION_ID_LEN =>
        {
            s
        }
        Some(_) => {
            return Err(Rejection::new(
                422,
                format!(
                    "field `transaction_id`: expected a string of 1..={MAX_TRANSACTION_ID_LEN} characters"
                ),
            ));
        }
        None => return Err(Rejection::new(422, "field `transaction_id` is missing")),
    };
    let plan_traj = match raw.plan_traj {
        Some(serde_json::Value::String(s)) => serde_json::from_str(&s).map_err(|e| {
            Rejection::new(
                400,
                format!("field `plan_traj` is not valid JSON (NaN and Infinity are not JSON): {e}"),
            )
        })?,
        Some(v @ serde_json::Value::Object(_)) => v,
        Some(_) => {
            return Err(Rejection::new(
                422,
                "field `plan_traj`: expected a JSON string {\"data\", \"shape\", \"dtype\"}",
            ));
        }
        None => return Err(Rejection::new(422, "field `plan_traj` is missing")),
    };
    Ok(ExecuteRequest {
        transaction_id,
        plan_traj,
    })
}

#[derive(Deserialize)]
struct PlanJson {
    data: serde_json::Value,
    shape: Vec<serde_json::Value>,
    dtype: String,
}

/// numpy dtypes a plan may have been sent as (`str(array.dtype)`).
const PLAN_DTYPES: [&str; 11] = [
    "float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint64", "uint32",
    "uint16", "uint8",
];

/// The inner plan: (N, 2) finite numbers, `shape` consistent with `data`. Range and point
/// count are checked by the conversion (`frames::lidar_plan_to_ego`).
pub fn parse_plan(plan: &serde_json::Value) -> Result<Vec<[f64; 2]>, Rejection> {
    let bad = |m: String| Rejection::new(422, format!("plan_traj: {m}"));
    let p: PlanJson = serde_json::from_value(plan.clone())
        .map_err(|e| bad(format!("expected {{\"data\", \"shape\", \"dtype\"}}: {e}")))?;
    if !PLAN_DTYPES.contains(&p.dtype.as_str()) {
        return Err(bad(format!(
            "dtype `{}` is not a numeric dtype ({})",
            p.dtype,
            PLAN_DTYPES.join(", ")
        )));
    }
    let rows = p
        .data
        .as_array()
        .ok_or_else(|| bad("`data` must be a list of [x, y] rows".into()))?;
    let shape: Vec<Option<u64>> = p.shape.iter().map(serde_json::Value::as_u64).collect();
    if shape != [Some(rows.len() as u64), Some(2)] {
        return Err(bad(format!(
            "expected shape [N, 2] matching the {} rows of `data`, got {:?}",
            rows.len(),
            p.shape
        )));
    }
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let xy: Option<Vec<f64>> = row
                .as_array()
                .map(|r| r.iter().map(serde_json::Value::as_f64).collect())
                .and_then(|v: Vec<Option<f64>>| v.into_iter().collect());
            match xy.as_deref() {
                Some(&[x, y]) if x.is_finite() && y.is_finite() => Ok([x, y]),
                Some(&[_, _]) => Err(bad(format!("row {i} is not finite"))),
                _ => Err(bad(format!("row {i} is not a pair of numbers: {row}"))),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(plan: &str, tx: &str) -> Vec<u8> {
        serde_json::json!({"plan_traj": plan, "transaction_id": tx})
            .to_string()
            .into_bytes()
    }

    #[test]
    fn parses_what_the_client_sends() {
        let plan = r#"{"data": [[0.0, 1.5], [0.25, 3]], "shape": [2, 2], "dtype": "float64"}"#;
        let req = parse_execute_body(&body(plan, "abc")).unwrap();
        assert_eq!(req.transaction_id, "abc");
        assert_eq!(
            parse_plan(&req.plan_traj).unwrap(),
            [[0.0, 1.5], [0.25, 3.0]]
        );
    }

    #[test]
    fn rejections() {
        let status = |b: &[u8]| match parse_execute_body(b) {
            Err(r) => r.status,
            Ok(req) => parse_plan(&req.plan_traj).err().map_or(200, |r| r.status),
        };
        let ok = r#"{"data": [[0, 1]], "shape": [1, 2], "dtype": "float32"}"#;
        assert_eq!(status(&body(ok, "t")), 200);
        assert_eq!(status(b"not json"), 400);
        assert_eq!(status(b"[1, 2]"), 400);
        assert_eq!(status(br#"{"transaction_id": "t"}"#), 422);
        assert_eq!(status(&body(ok, "")), 422);
        let nan = r#"{"data": [[NaN, 1]], "shape": [1, 2], "dtype": "float64"}"#;
        assert_eq!(status(&body(nan, "t")), 400);
        let shape = r#"{"data": [[0, 1, 2]], "shape": [1, 3], "dtype": "float64"}"#;
        assert_eq!(status(&body(shape, "t")), 422);
        let lie = r#"{"data": [[0, 1]], "shape": [2, 2], "dtype": "float64"}"#;
        assert_eq!(status(&body(lie, "t")), 422);
        let dtype = r#"{"data": [[0, 1]], "shape": [1, 2], "dtype": "object"}"#;
        assert_eq!(status(&body(dtype, "t")), 422);
        let text = r#"{"data": [["a", 1]], "shape": [1, 2], "dtype": "float64"}"#;
        assert_eq!(status(&body(text, "t")), 422);
        let huge = r#"{"data": [[1e400, 1]], "shape": [1, 2], "dtype": "float64"}"#;
        assert!(status(&body(huge, "t")) >= 400);
    }

    #[test]
    fn tokens() {
        assert!(check_token(Some("s3cret"), "s3cret").is_ok());
        assert_eq!(check_token(None, "s3cret").unwrap_err().status, 401);
        assert_eq!(check_token(Some("nope"), "s3cret").unwrap_err().status, 401);
        assert!(check_token(None, "").is_ok());
    }
}

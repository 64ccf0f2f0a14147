//! The endpoints of the HUGSIM protocol, as `hugsim_client` 0.0.8 speaks it (the connection
//! handling is `server` and `conn`):
//!
//! | request | success | failures |
//! |---|---|---|
//! | `POST /reset` | 200 `{"success": true}` | |
//! | `GET /get_current_state` | 200 pickle `{"done", "cur_scene_done", "state"}` | |
//! | `POST /execute_action` JSON `{"plan_traj": "<json>", "transaction_id": "<id>"}` | 200 pickle, as above, after the step | 400 malformed JSON, 408 body not received in time, 413 body over `MAX_BODY_BYTES`, 422 wrong fields, shape, dtype, non-finite or out-of-range waypoints; 500 the step ran but what follows failed (saving the episode: the message names the I/O error) |
//!
//! Every request needs the header `auth-token` equal to the server's token (401 otherwise; an
//! empty server token accepts any request, as HUGSIM's does), checked before the body is read.
//! Unknown paths get 404, wrong methods 405. Failures carry a `text/plain` message (the client
//! raises with it). A rejected request changes nothing; a reply to a step, 500 included, is
//! recorded under its transaction id and replayed to a retry. The inner `plan_traj` JSON is
//! `{"data": [[x, y], ...], "shape": [N, 2], "dtype": "float64"}`; `NaN`/`Infinity` tokens
//! (what Python's `json` writes for non-finite floats) are not JSON and get a 400.
//!
//! Nothing from a client is ever unpickled. A panic while serving a request (a bug) is caught
//! and answered with a 500.

use std::sync::{Arc, Mutex, PoisonError};

use serde::Deserialize;

pub use super::conn::{Body, Head, Rejection, Reply};
use super::session::{ExecuteReply, Session, SessionError};

/// Largest accepted request body (a 64-point plan is about 3 KiB of JSON).
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// Longest accepted transaction id (the client sends 32 hex digits).
pub const MAX_TRANSACTION_ID_LEN: usize = 128;

fn pickle_reply(body: Arc<[u8]>) -> Reply {
    Reply {
        status: 200,
        content_type: "application/octet-stream",
        body,
    }
}

/// Answer one request. The session is locked only while it is used: the body is read first.
pub fn handle(session: &Mutex<Session>, token: &str, head: &Head, body: &mut Body) -> Reply {
    let lock = || session.lock().unwrap_or_else(PoisonError::into_inner);
    let path = head.path.as_str();
    let expected = match path {
        "/reset" | "/execute_action" => "POST",
        "/get_current_state" => "GET",
        _ => return Reply::text(404, &format!("no endpoint {path}")),
    };
    if head.method != expected {
        return Reply::text(
            405,
            &format!("{path} takes {expected}, not {}", head.method),
        );
    }
    if let Err(r) = check_token(head.header("auth-token"), token) {
        return r.into();
    }
    match path {
        "/reset" => match lock().reset() {
            Ok(()) => Reply {
                status: 200,
                content_type: "application/json",
                body: br#"{"success": true}"#.as_slice().into(),
            },
            Err(e) => Reply::text(500, &format!("reset failed: {e}")),
        },
        "/get_current_state" => pickle_reply(lock().current_state_shared()),
        _ => match body.read_all(MAX_BODY_BYTES) {
            Ok(bytes) => execute(&mut lock(), &bytes),
            Err(r) => r.into(),
        },
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
        ExecuteReply::Pickle(bytes) => pickle_reply(bytes),
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

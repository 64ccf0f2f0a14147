//! `mpa-sim serve` against the published client: the unmodified PyPI `hugsim-client` 0.0.8
//! drives whole episodes through the server (tests/python/hugsim_drive.py checks what it
//! receives), then the results row and recording are checked here. Plus the protocol's
//! robustness (transaction-id retries, auth, malformed bodies leave the episode unchanged) and
//! the pickle bytes decoded by Python's own `pickle`.
//!
//! The Python parts need `MPA_SIM_PYTHON`: an interpreter with numpy and hugsim-client
//! (scripts/setup.sh makes `.venv`; scripts/test.sh sets it); they are skipped with a notice
//! when it is unset.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use mpa_sim::rollout::jsonl::read_rows;
use mpa_sim::rollout::runner::{RESULTS_FILE, episode_path};
use mpa_sim::rollout::{EpisodeJob, EpisodeRecording, EpisodeRow, JobListBuilder};
use mpa_sim::serve::http::{MAX_BODY_BYTES, execute};
use mpa_sim::serve::pickle::{NdArray, Value, to_pickle};
use mpa_sim::serve::{
    BlankViews, ImageSize, REMOTE_AGENT_NAME, ServeHandle, ServerOptions, Session, SessionConfig,
    spawn,
};

pub(crate) const TOKEN: &str = "test-token";
pub(crate) const SIZE: ImageSize = ImageSize {
    width_px: 64,
    height_px: 36,
};
const SEED: u64 = 3;

fn python() -> Option<OsString> {
    let p = std::env::var_os("MPA_SIM_PYTHON");
    if p.is_none() {
        eprintln!(
            "skipping the hugsim-client part: set MPA_SIM_PYTHON to a python with numpy and \
             hugsim-client==0.0.8 (scripts/setup.sh makes .venv; scripts/test.sh sets it)"
        );
    }
    p
}

pub(crate) fn jobs(scenes: &[&str]) -> Vec<EpisodeJob> {
    JobListBuilder::new()
        .split(
            "test_in_domain",
            scenes.iter().map(|s| s.to_string()).collect(),
        )
        .agent(REMOTE_AGENT_NAME)
        .seeds(SEED, 1)
        .build()
        .expect("jobs")
}

pub(crate) fn session(jobs: Vec<EpisodeJob>, out: &Path) -> Session {
    Session::new(
        SessionConfig {
            jobs,
            out_dir: out.to_path_buf(),
            source: Default::default(),
            sim: Default::default(),
            run_config: serde_json::json!({"test": true}),
        },
        Box::new(BlankViews::new(SIZE)),
    )
    .expect("session")
}

pub(crate) fn serve(session: Session) -> ServeHandle {
    spawn(
        session,
        ServerOptions {
            addr: "127.0.0.1:0".into(),
            token: TOKEN.into(),
            ..ServerOptions::default()
        },
    )
    .expect("server")
}

/// How long `http` waits for an answer.
pub(crate) const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// One HTTP/1.1 request over a fresh connection; (status, body).
pub(crate) fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).expect("connect");
    // A server that never answers fails the test instead of hanging it.
    s.set_read_timeout(Some(ANSWER_TIMEOUT))
        .expect("read timeout");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(t) = token {
        head.push_str(&format!("auth-token: {t}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).expect("send head");
    // A server may answer (413) before reading a big body; ignore a reset while sending it.
    let _ = s.write_all(body);
    let mut resp = Vec::new();
    if let Err(e) = s.read_to_end(&mut resp)
        && resp.is_empty()
    {
        panic!("{method} {path}: no answer within {ANSWER_TIMEOUT:?}: {e}");
    }
    let text_end = resp
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("response head");
    let head = String::from_utf8_lossy(&resp[..text_end]).to_string();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    (status, resp[text_end + 4..].to_vec())
}

pub(crate) fn execute_body(plan: &str, tx: &str) -> Vec<u8> {
    serde_json::json!({"plan_traj": plan, "transaction_id": tx})
        .to_string()
        .into_bytes()
}

pub(crate) const STRAIGHT: &str = r#"{"data": [[0.0, 2.0], [0.0, 4.0], [0.0, 6.0], [0.0, 8.0], [0.0, 10.0], [0.0, 12.0]], "shape": [6, 2], "dtype": "float64"}"#;

#[test]
fn hugsim_client_drives_two_scenes_to_the_end() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let scenes = ["scene-0004", "scene-0005"];
    let handle = serve(session(jobs(&scenes), dir.path()));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/hugsim_drive.py");
    let out = Command::new(&py)
        .arg(&script)
        .arg(handle.url())
        .arg(TOKEN)
        .arg(SIZE.width_px.to_string())
        .arg(SIZE.height_px.to_string())
        .env("IN_HF_SPACE", "false")
        .output()
        .expect("run python");
    handle.shutdown().expect("server stops cleanly");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "hugsim_drive.py failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().expect("summary line")).expect("summary json");
    assert_eq!(summary["scenes"], 2, "{summary}");

    let rows = read_rows::<EpisodeRow>(&dir.path().join(RESULTS_FILE))
        .unwrap()
        .rows;
    let keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "test_in_domain__scene-0004__remote__s3",
            "test_in_domain__scene-0005__remote__s3"
        ]
    );
    let total_steps: u64 = rows.iter().map(|r| r.steps).sum();
    assert_eq!(summary["steps"].as_u64(), Some(total_steps), "{summary}");
    for row in &rows {
        assert_eq!(row.job.agent, "remote");
        assert!(row.steps > 0 && !row.terminal_reason.is_empty());
        assert!(row.metrics.contains_key("hd_score"), "{:?}", row.metrics);
        let rec = EpisodeRecording::read(&episode_path(dir.path(), &row.key)).unwrap();
        assert_eq!(rec.steps.len() as u64, row.steps);
        assert_eq!(rec.meta.terminal_reason, row.terminal_reason);
        // The executed plans are the client's straight plans: each starts at the ego and
        // heads along its yaw.
        for s in &rec.steps {
            let [x0, y0] = s.plan_global[0];
            let [x1, y1] = s.plan_global[1];
            let heading = (y1 - y0).atan2(x1 - x0);
            let d = (heading - s.ego.yaw + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU)
                - std::f64::consts::PI;
            assert!(
                d.abs() < 1e-6,
                "step {}: plan heading {heading} vs yaw {}",
                s.step,
                s.ego.yaw
            );
        }
    }
    // The final state the client saw is the last scene's last step.
    let last = rows.last().unwrap();
    let t_end = rec_time_end(dir.path(), last);
    let ts = summary["final_timestamp"].as_f64().unwrap();
    assert!((ts - t_end).abs() < 1e-9, "{ts} vs {t_end}");
}

/// Time after the last step of a recording.
fn rec_time_end(out: &Path, row: &EpisodeRow) -> f64 {
    let rec = EpisodeRecording::read(&episode_path(out, &row.key)).expect("recording");
    rec.meta.metrics["time_secs"]
}

#[test]
fn repeated_transaction_id_steps_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(jobs(&["scene-0004"]), dir.path());
    let before = s.current_state();
    let first = execute(&mut s, &execute_body(STRAIGHT, "tx-1"));
    assert_eq!(first.status, 200);
    assert_eq!(s.steps_executed(), 1);
    let after_one = s.current_state();
    assert_ne!(before, after_one);
    // The client's retry: same id (even with another body) -> same bytes, no step.
    let again = execute(&mut s, &execute_body(STRAIGHT, "tx-1"));
    assert_eq!(again, first);
    let other_plan = STRAIGHT.replace("2.0]", "3.0]");
    let again = execute(&mut s, &execute_body(&other_plan, "tx-1"));
    assert_eq!(again, first);
    assert_eq!(s.steps_executed(), 1);
    assert_eq!(s.current_state(), after_one);
    // A new id steps.
    assert_eq!(execute(&mut s, &execute_body(STRAIGHT, "tx-2")).status, 200);
    assert_eq!(s.steps_executed(), 2);
}

#[test]
fn malformed_requests_are_rejected_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = session(jobs(&["scene-0004"]), dir.path());
    let before = s.current_state();
    let plan = |data: &str, shape: &str, dtype: &str| {
        format!(r#"{{"data": {data}, "shape": {shape}, "dtype": "{dtype}"}}"#)
    };
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("not JSON", b"{plan_traj".to_vec(), 400),
        ("JSON array", b"[1, 2]".to_vec(), 400),
        ("no transaction id", br#"{"plan_traj": "{}"}"#.to_vec(), 422),
        ("no plan", br#"{"transaction_id": "x1"}"#.to_vec(), 422),
        (
            "plan not a string",
            br#"{"plan_traj": 5, "transaction_id": "x2"}"#.to_vec(),
            422,
        ),
        ("inner not JSON", execute_body("{oops", "x3"), 400),
        (
            "NaN (Python json.dumps)",
            execute_body(&plan("[[NaN, 1.0]]", "[1, 2]", "float64"), "x4"),
            400,
        ),
        (
            "Infinity",
            execute_body(&plan("[[0.0, Infinity]]", "[1, 2]", "float64"), "x5"),
            400,
        ),
        (
            "three columns",
            execute_body(&plan("[[0, 1, 2]]", "[1, 3]", "float64"), "x6"),
            422,
        ),
        (
            "shape disagrees",
            execute_body(&plan("[[0, 1]]", "[6, 2]", "float64"), "x7"),
            422,
        ),
        (
            "empty plan",
            execute_body(&plan("[]", "[0, 2]", "float64"), "x8"),
            422,
        ),
        (
            "too many points",
            execute_body(
                &plan(
                    &format!("[{}]", vec!["[0, 1]"; 65].join(",")),
                    "[65, 2]",
                    "float64",
                ),
                "x9",
            ),
            422,
        ),
        (
            "string dtype",
            execute_body(&plan("[[0, 1]]", "[1, 2]", "<U3"), "x10"),
            422,
        ),
        (
            "non-number",
            execute_body(&plan(r#"[["a", 1]]"#, "[1, 2]", "float64"), "x11"),
            422,
        ),
        (
            "out of range",
            execute_body(&plan("[[0, 1e5]]", "[1, 2]", "float64"), "x12"),
            422,
        ),
    ];
    for (what, body, status) in cases {
        let reply = execute(&mut s, &body);
        assert_eq!(
            reply.status,
            status,
            "{what}: {}",
            String::from_utf8_lossy(&reply.body)
        );
        assert!(!reply.body.is_empty(), "{what}: a message");
        assert_eq!(s.steps_executed(), 0, "{what}");
        assert_eq!(s.current_state(), before, "{what}: state changed");
    }
    // A rejected transaction id is not remembered: the same id with a good plan steps.
    assert_eq!(execute(&mut s, &execute_body(STRAIGHT, "x12")).status, 200);
    assert_eq!(s.steps_executed(), 1);
}

#[test]
fn http_auth_methods_and_body_limit() {
    let dir = tempfile::tempdir().unwrap();
    let handle = serve(session(jobs(&["scene-0004"]), dir.path()));
    let addr = handle.addr();
    assert_eq!(http(addr, "GET", "/get_current_state", None, b"").0, 401);
    assert_eq!(
        http(addr, "GET", "/get_current_state", Some("wrong"), b"").0,
        401
    );
    assert_eq!(http(addr, "POST", "/reset", None, b"").0, 401);
    assert_eq!(
        http(
            addr,
            "POST",
            "/execute_action",
            Some("wrong"),
            &execute_body(STRAIGHT, "a")
        )
        .0,
        401
    );
    let (status, state0) = http(addr, "GET", "/get_current_state", Some(TOKEN), b"");
    assert_eq!(status, 200);
    assert_eq!(&state0[..2], b"\x80\x05", "a protocol-5 pickle");
    assert_eq!(http(addr, "GET", "/nope", Some(TOKEN), b"").0, 404);
    assert_eq!(
        http(addr, "GET", "/execute_action", Some(TOKEN), b"").0,
        405
    );
    let big = vec![b' '; MAX_BODY_BYTES + 10];
    assert_eq!(
        http(addr, "POST", "/execute_action", Some(TOKEN), &big).0,
        413
    );
    assert_eq!(
        http(addr, "POST", "/execute_action", Some(TOKEN), b"garbage").0,
        400
    );
    // Nothing of the above stepped the episode.
    assert_eq!(
        http(addr, "GET", "/get_current_state", Some(TOKEN), b"").1,
        state0
    );
    let (status, body) = http(addr, "POST", "/reset", Some(TOKEN), b"");
    assert_eq!(
        (status, body.as_slice()),
        (200, br#"{"success": true}"#.as_slice())
    );
    let (status, stepped) = http(
        addr,
        "POST",
        "/execute_action",
        Some(TOKEN),
        &execute_body(STRAIGHT, "b"),
    );
    assert_eq!(status, 200);
    assert_ne!(stepped, state0);
    handle.shutdown().unwrap();
}

#[test]
fn python_pickle_reads_our_bytes() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let value = Value::dict([
        ("none", Value::None),
        ("t", Value::Bool(true)),
        ("f", Value::Bool(false)),
        (
            "ints",
            Value::List(
                [0, 255, 256, 65535, 65536, -1, -(1 << 31), 1 << 40, i64::MIN]
                    .map(Value::Int)
                    .to_vec(),
            ),
        ),
        ("floats", Value::floats(&[0.5, -1e300, f64::INFINITY])),
        ("nan", Value::Float(f64::NAN)),
        ("str", Value::str("CAM_FRONT \u{e9}\u{4e2d}")),
        ("long_str", Value::str("x".repeat(300))),
        (
            "tuple",
            Value::Tuple(vec![
                Value::Int(1),
                Value::str("a"),
                Value::None,
                Value::Int(4),
            ]),
        ),
        ("empty", Value::dict::<&str>([])),
        (
            "u8",
            Value::Array(NdArray::from_u8(vec![2, 3, 1], (0..6).collect()).unwrap()),
        ),
        (
            "f32",
            Value::Array(NdArray::from_f32(vec![2, 2], &[1.5, -2.0, 3.25, 1e-3]).unwrap()),
        ),
        (
            "f64",
            Value::Array(NdArray::from_f64(vec![4], &[0.1, 0.2, 0.3, -0.0]).unwrap()),
        ),
        (
            "f64_empty",
            Value::Array(NdArray::from_f64(vec![0, 7], &[]).unwrap()),
        ),
    ]);
    let file = dir.path().join("value.pkl");
    std::fs::write(&file, to_pickle(&value)).unwrap();
    let check = r#"
import math, pickle, sys
import numpy as np
v = pickle.load(open(sys.argv[1], "rb"))
assert list(v) == ["none", "t", "f", "ints", "floats", "nan", "str", "long_str", "tuple", "empty", "u8", "f32", "f64", "f64_empty"], list(v)
assert v["none"] is None and v["t"] is True and v["f"] is False
assert v["ints"] == [0, 255, 256, 65535, 65536, -1, -(1 << 31), 1 << 40, -(1 << 63)], v["ints"]
assert v["floats"] == [0.5, -1e300, math.inf] and math.isnan(v["nan"])
assert v["str"] == "CAM_FRONT \u00e9\u4e2d" and v["long_str"] == "x" * 300
assert v["tuple"] == (1, "a", None, 4) and v["empty"] == {}
assert v["u8"].dtype == np.uint8 and v["u8"].shape == (2, 3, 1) and v["u8"].ravel().tolist() == [0, 1, 2, 3, 4, 5]
assert v["f32"].dtype == np.float32 and v["f32"].tolist() == [[1.5, -2.0], [3.25, np.float32(1e-3)]]
assert v["f64"].dtype == np.float64 and v["f64"].tolist() == [0.1, 0.2, 0.3, -0.0]
assert v["f64_empty"].shape == (0, 7)
assert v["u8"].flags.writeable
v["u8"][0, 0, 0] = 9
print("ok", np.__version__)
"#;
    let out = Command::new(&py)
        .arg("-c")
        .arg(check)
        .arg(&file)
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "python could not read the pickle:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok"));
}

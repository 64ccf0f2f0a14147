//! Malformed data gives an error naming the file, the record token and the field (never a
//! panic): missing tables, bad JSON, dangling tokens, broken prev/next lists, wrong lengths,
//! zero quaternions, negative sizes, unknown locations and scene names.

use crate::common;

use common::{VERSION, Written, write_default, write_with};
use mpa_sim::scene::SceneError;
use mpa_sim::scene::nuscenes as ns;
use mpa_sim::scene::tables::TABLE_NAMES;

const SCENE: &str = "scene-0001";
const MISSING: &str = "0123456789abcdef0123456789abcdef";

fn load_err(w: &Written) -> (SceneError, String) {
    match ns::load_scene(w.root(), VERSION, SCENE) {
        Ok(_) => panic!("loaded without an error"),
        Err(err) => {
            let text = err.to_string();
            (err, text)
        }
    }
}

fn assert_names(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(p), "{p:?} not in: {text}");
    }
}

#[test]
fn missing_table_file() {
    for table in TABLE_NAMES {
        let w = write_default();
        std::fs::remove_file(w.table(table)).expect("remove");
        let (err, text) = load_err(&w);
        assert!(
            matches!(err, SceneError::MissingTable { .. }),
            "{table}: {text}"
        );
        assert_names(&text, &[&format!("{table}.json")]);
    }
}

#[test]
fn malformed_json_gives_file_line_and_column() {
    let w = write_default();
    let text = std::fs::read_to_string(w.table("sample_annotation")).expect("read");
    std::fs::write(w.table("sample_annotation"), &text[..text.len() / 2]).expect("write");
    let (err, msg) = load_err(&w);
    assert!(matches!(err, SceneError::Json { .. }), "{msg}");
    assert_names(&msg, &["sample_annotation.json", "line", "column"]);

    // A field of the wrong type, and a number beyond f64 (JSON has no NaN or inf literal).
    let w = write_default();
    w.replace_in(
        "ego_pose",
        "\"timestamp\": ",
        "\"timestamp\": \"x\", \"t\": ",
    );
    assert_names(
        &load_err(&w).1,
        &["ego_pose.json", "invalid type", "line 4"],
    );
    let w = write_default();
    w.replace_in(
        "sample_annotation",
        "\"translation\": [\n      ",
        "\"translation\": [\n      1e999, ",
    );
    assert_names(&load_err(&w).1, &["sample_annotation.json", "line"]);
}

#[test]
fn dangling_tokens_name_file_record_field_and_target() {
    type Edit = fn(&mut mpa_sim::scene::nuscenes::fixture::Fixture) -> String;
    let cases: [(Edit, &str, &str, &str); 7] = [
        (
            |f| {
                f.sample_annotation[0].instance_token = MISSING.into();
                f.sample_annotation[0].token.clone()
            },
            "sample_annotation.json",
            "instance_token",
            "instance",
        ),
        (
            |f| {
                f.sample_annotation[0].visibility_token = "9".into();
                f.sample_annotation[0].token.clone()
            },
            "sample_annotation.json",
            "visibility_token",
            "visibility",
        ),
        (
            |f| {
                f.sample_annotation[0].attribute_tokens = vec![MISSING.into()];
                f.sample_annotation[0].token.clone()
            },
            "sample_annotation.json",
            "attribute_tokens",
            "attribute",
        ),
        (
            |f| {
                let sd = f
                    .sample_data
                    .iter_mut()
                    .find(|s| s.is_key_frame)
                    .expect("sd");
                sd.ego_pose_token = MISSING.into();
                sd.token.clone()
            },
            "sample_data.json",
            "ego_pose_token",
            "ego_pose",
        ),
        (
            |f| {
                f.calibrated_sensor[0].sensor_token = MISSING.into();
                f.calibrated_sensor[0].token.clone()
            },
            "calibrated_sensor.json",
            "sensor_token",
            "sensor",
        ),
        (
            |f| {
                f.instance[0].category_token = MISSING.into();
                f.instance[0].token.clone()
            },
            "instance.json",
            "category_token",
            "category",
        ),
        (
            |f| {
                f.scene[0].log_token = MISSING.into();
                f.scene[0].token.clone()
            },
            "scene.json",
            "log_token",
            "log",
        ),
    ];
    for (edit, file, field, target) in cases {
        let mut token = String::new();
        let w = write_with(|f| token = edit(f));
        let (err, text) = load_err(&w);
        assert!(matches!(err, SceneError::DanglingToken { .. }), "{text}");
        assert_names(
            &text,
            &[
                file,
                &token,
                &format!("`{field}`"),
                &format!("names {target} token"),
            ],
        );
    }
    // A sample list that leaves the table entirely.
    let w = write_with(|f| f.sample[1].next = MISSING.into());
    let token = w.fixture.sample[1].token.clone();
    assert_names(&load_err(&w).1, &["sample.json", &token, "`next`", MISSING]);
}

#[test]
fn broken_sample_lists() {
    // Ends early.
    let w = write_with(|f| f.sample[2].next = String::new());
    let (err, text) = load_err(&w);
    assert!(matches!(err, SceneError::BrokenChain { .. }), "{text}");
    assert_names(
        &text,
        &[
            "scene.json",
            &w.fixture.scene[0].token,
            "without reaching last_sample_token",
        ],
    );
    // A cycle.
    let w = write_with(|f| f.sample[2].next = f.sample[1].token.clone());
    assert_names(
        &load_err(&w).1,
        &["sample.json", &w.fixture.sample[1].token, "cycle"],
    );
    // prev not matching.
    let w = write_with(|f| f.sample[2].prev = f.sample[0].token.clone());
    assert_names(
        &load_err(&w).1,
        &["sample.json", &w.fixture.sample[2].token, "prev is"],
    );
    // Jumps into another scene.
    let w = write_with(|f| f.sample[1].next = f.sample[7].token.clone());
    assert_names(
        &load_err(&w).1,
        &[
            "sample.json",
            &w.fixture.sample[1].token,
            "outside scene scene-0001",
        ],
    );
    // Last sample with a next.
    let w = write_with(|f| f.scene[0].last_sample_token = f.sample[3].token.clone());
    assert_names(
        &load_err(&w).1,
        &[&w.fixture.sample[3].token, "last_sample_token but its next"],
    );
    // Time going backwards.
    let w = write_with(|f| f.sample[3].timestamp = f.sample[1].timestamp);
    assert_names(
        &load_err(&w).1,
        &["sample.json", &w.fixture.sample[3].token, "`timestamp`"],
    );
}

#[test]
fn broken_annotation_lists() {
    let w =
        write_with(|f| f.instance[0].last_annotation_token = f.sample_annotation[2].token.clone());
    assert_names(
        &load_err(&w).1,
        &[
            "sample_annotation.json",
            &w.fixture.sample_annotation[2].token,
            "next",
        ],
    );
    let w = write_with(|f| f.sample_annotation[1].next = f.sample_annotation[0].token.clone());
    assert_names(
        &load_err(&w).1,
        &[
            "sample_annotation.json",
            &w.fixture.sample_annotation[0].token,
            "cycle",
        ],
    );
    let w = write_with(|f| f.instance[0].first_annotation_token = String::new());
    assert_names(
        &load_err(&w).1,
        &[
            "instance.json",
            &w.fixture.instance[0].token,
            "first_annotation_token",
        ],
    );
    let w = write_with(|f| {
        f.sample_annotation[1].sample_token = f.sample_annotation[0].sample_token.clone()
    });
    assert_names(
        &load_err(&w).1,
        &[
            "sample_annotation.json",
            &w.fixture.sample_annotation[1].token,
            "out of time order",
        ],
    );
}

#[test]
fn wrong_lengths_zero_quaternions_and_negative_sizes() {
    let w = write_with(|f| {
        f.sample_annotation[0]
            .rotation
            .pop()
            .map(drop)
            .unwrap_or(())
    });
    assert_names(
        &load_err(&w).1,
        &[
            "sample_annotation.json",
            &w.fixture.sample_annotation[0].token,
            "`rotation`",
            "expected 4",
        ],
    );
    let w = write_with(|f| {
        let lidar = f.calibrated_sensor[6].token.clone();
        let sd = f
            .sample_data
            .iter()
            .find(|s| s.is_key_frame && s.calibrated_sensor_token == lidar)
            .expect("lidar keyframe")
            .ego_pose_token
            .clone();
        let p = f.ego_pose.iter_mut().find(|p| p.token == sd).expect("pose");
        p.translation.truncate(2);
    });
    let (_, text) = load_err(&w);
    assert_names(&text, &["ego_pose.json", "`translation`", "expected 3"]);
    let w = write_with(|f| f.sample_annotation[1].rotation = vec![0.0; 4]);
    assert_names(
        &load_err(&w).1,
        &[
            &w.fixture.sample_annotation[1].token,
            "`rotation`",
            "norm 0",
        ],
    );
    let w = write_with(|f| f.sample_annotation[1].size[1] = -4.0);
    assert_names(
        &load_err(&w).1,
        &[&w.fixture.sample_annotation[1].token, "`size`", ">= 0"],
    );
    let w = write_with(|f| {
        f.calibrated_sensor[0]
            .camera_intrinsic
            .pop()
            .map(drop)
            .unwrap_or(())
    });
    assert_names(
        &load_err(&w).1,
        &[
            "calibrated_sensor.json",
            &w.fixture.calibrated_sensor[0].token,
            "`camera_intrinsic`",
            "3x3",
        ],
    );
}

#[test]
fn unknown_location_and_scene() {
    let w = write_with(|f| f.log[0].location = "mars-olympus".into());
    let (err, text) = load_err(&w);
    assert!(matches!(err, SceneError::UnknownLocation { .. }), "{text}");
    assert_names(
        &text,
        &["log.json", &w.fixture.log[0].token, "mars-olympus"],
    );
    let err = ns::load_scene(w.root(), VERSION, "scene-9999")
        .expect_err("unknown")
        .to_string();
    assert_names(&err, &["scene-9999", "scene-0001", "4 scenes"]);
}

#[test]
fn missing_lidar_keyframe_is_an_error() {
    let w = write_with(|f| {
        let lidar = f.calibrated_sensor[6].token.clone();
        f.sample_data.retain(|sd| {
            !(sd.is_key_frame
                && sd.calibrated_sensor_token == lidar
                && sd.sample_token == f.sample[2].token)
        });
    });
    assert_names(
        &load_err(&w).1,
        &[
            "sample.json",
            &w.fixture.sample[2].token,
            "`data`",
            "LIDAR_TOP",
        ],
    );
}

#[test]
fn garbage_in_any_table_never_panics() {
    let garbage = [
        "",
        "{}",
        "null",
        "[]",
        "[1, 2]",
        "[{}]",
        "[[]]",
        "[{\"token\": 3}]",
        "\u{0}\u{ff}",
    ];
    for table in TABLE_NAMES {
        for g in garbage {
            let w = write_default();
            std::fs::write(w.table(table), g).expect("write");
            // Ok is fine for harmless content (e.g. an empty attribute table); a panic is not.
            let result = ns::load_scene(w.root(), VERSION, SCENE);
            if let Err(e) = result {
                assert!(!e.to_string().is_empty());
            }
        }
    }
}

#[test]
fn garbage_map_never_panics() {
    let garbage = ["", "{}", "null", "[]", "{\"version\": 1.3}", "\u{0}"];
    for g in garbage {
        let w = write_default();
        std::fs::write(w.map_file("singapore-onenorth"), g).expect("write");
        let err = ns::load_scene(w.root(), VERSION, SCENE).expect_err("bad map");
        assert_names(&err.to_string(), &["singapore-onenorth.json"]);
    }
}

/// Seed of the byte-flip test (fixed so a failure reproduces).
const FLIP_SEED: u64 = 0x5eed_f11b;

#[test]
fn flipped_bytes_never_panic() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(FLIP_SEED);
    let mut files: Vec<String> = TABLE_NAMES.iter().map(|t| format!("{t}.json")).collect();
    files.push("map".into());
    for file in &files {
        for _ in 0..3 {
            let w = write_default();
            let path = if file == "map" {
                w.map_file("boston-seaport")
            } else {
                w.root().join(VERSION).join(file)
            };
            let mut bytes = std::fs::read(&path).expect("read");
            for _ in 0..3 {
                let i = rng.random_range(0..bytes.len());
                let junk = b"{}[],:\"0-e.x \\";
                bytes[i] = junk[rng.random_range(0..junk.len())];
            }
            std::fs::write(&path, bytes).expect("write");
            // Ok or Err are both fine (a flip may land in a string); a panic is not.
            for name in ["scene-0001", "scene-0003"] {
                let _ = ns::load_scene(w.root(), VERSION, name);
            }
            let _ = ns::load_all(w.root(), VERSION);
        }
    }
}

/// Regression: an ego pose 1e6 m off the map loaded silently, then every episode ended
/// off-road at its first step.
#[test]
fn ego_pose_far_off_the_map() {
    let w = write_with(|f| {
        for p in &mut f.ego_pose {
            p.translation[0] += 1e6;
        }
    });
    let (err, text) = load_err(&w);
    assert!(matches!(err, SceneError::Field { .. }), "{text}");
    let named = w
        .fixture
        .ego_pose
        .iter()
        .any(|p| text.contains(p.token.as_str()));
    assert!(named, "no ego_pose token in: {text}");
    assert_names(
        &text,
        &["ego_pose.json", "`translation`", "1000", "margin", "map"],
    );
}

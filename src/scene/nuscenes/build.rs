//! Phase two of loading: rebuild each selected scene from the kept records.
//!
//! - Ego track: walk `scene.first_sample_token` along `sample.next` to `last_sample_token`;
//!   each sample's keyframe LIDAR_TOP sample_data names the ego pose.
//! - Actors: each instance with annotations in the scene, in instance-file order; walk
//!   `first_annotation_token` along `next`; keyframe time is the annotation's sample time.
//! - Rig: the first sample's keyframe camera sample_data (CAMERA_CHANNELS order) and LIDAR_TOP.
//!
//! Lists are checked as they are walked: every `prev` must name the record before, no record
//! twice, the walk must end exactly at the `last_*` token, timestamps must increase.

use super::check::{self, At};
use super::stream::{Chained, LoadOptions, find_record};
use super::tables_read::{Files, Tables};
use crate::scene::model::*;
use crate::scene::tables::*;
use crate::scene::{LoadWarning, SceneError};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Sizes of one instance that differ by more than this get a warning (the track keeps one).
const SIZE_TOLERANCE_M: f64 = 0.01;

/// Categories whose annotations normally carry an attribute (vehicle state, pedestrian pose).
fn expects_attribute(category: &str) -> bool {
    category.starts_with("vehicle.") || category.starts_with("human.pedestrian")
}

/// Where a list starts: the record and field that names its first element.
struct ListHead<'a> {
    owner: At<'a>,
    first_field: &'static str,
    first: &'a str,
    last_field: &'static str,
    last: &'a str,
}

/// Walk a prev/next list through `index`. `missing(referrer, field, token)` builds the error
/// for a token that is not in `index`.
fn walk_chain<'a, T: Chained>(
    file: &'a str,
    head: ListHead<'a>,
    index: &'a BTreeMap<String, T>,
    missing: &mut dyn FnMut(At, &str, &str) -> SceneError,
) -> Result<Vec<&'a T>, SceneError> {
    if head.first.is_empty() {
        return Err(head
            .owner
            .field(head.first_field, "expected a token, got \"\""));
    }
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut referrer = (head.owner, head.first_field);
    let mut expected_prev = "";
    let mut cur = head.first;
    loop {
        let Some(rec) = index.get(cur) else {
            return Err(missing(referrer.0, referrer.1, cur));
        };
        let at = At { file, token: cur };
        if !seen.insert(cur) {
            return Err(at.chain(format!(
                "cycle: the list from {} {} comes back to this record",
                head.first_field, head.first
            )));
        }
        if rec.prev() != expected_prev {
            return Err(at.chain(format!(
                "prev is {:?} but the record before it in the list is {expected_prev:?}",
                rec.prev()
            )));
        }
        out.push(rec);
        if cur == head.last {
            if !rec.next().is_empty() {
                return Err(at.chain(format!(
                    "this is the {} but its next is {:?}, expected \"\"",
                    head.last_field,
                    rec.next()
                )));
            }
            return Ok(out);
        }
        if rec.next().is_empty() {
            return Err(head.owner.chain(format!(
                "the list from {} ends at {cur} without reaching {} {}",
                head.first_field, head.last_field, head.last
            )));
        }
        referrer = (at, "next");
        expected_prev = cur;
        cur = rec.next();
    }
}

/// The sensor channel of a sample_data ("" if its links do not resolve; they were checked).
fn channel_of<'t>(t: &'t Tables, sd: &SampleData) -> &'t str {
    t.calibrated_sensors
        .get(&sd.calibrated_sensor_token)
        .and_then(|c| t.sensors.get(&c.sensor_token))
        .map_or("", |s| s.channel.as_str())
}

fn pose(
    at: At,
    translation: &[f64],
    rotation: &[f64],
    warnings: &mut Vec<LoadWarning>,
) -> Result<Pose, SceneError> {
    Ok(Pose {
        translation: check::vec3(at, "translation", translation)?,
        rotation: check::quat(at, "rotation", rotation, warnings)?,
    })
}

/// Build one scene from the kept records.
pub fn build_scene(
    files: &Files,
    t: &Tables,
    scene: &SceneRecord,
    map: Arc<MapData>,
    opts: LoadOptions,
    warnings: &mut Vec<LoadWarning>,
) -> Result<Scene, SceneError> {
    let scene_at = files.at("scene", &scene.token);
    let log = t
        .logs
        .get(&scene.log_token)
        .ok_or_else(|| scene_at.dangling("log_token", "log", &scene.log_token))?;
    let location = Location::parse(&log.location).ok_or_else(|| SceneError::UnknownLocation {
        file: files.name("log").to_string(),
        token: log.token.clone(),
        location: log.location.clone(),
    })?;

    // Samples.
    let sample_file = files.name("sample");
    let mut missing_sample = |at: At, field: &str, token: &str| -> SceneError {
        match find_record::<Sample>(&files.path("sample"), opts.reader, token) {
            Ok(Some(s)) => at.chain(format!(
                "field `{field}` names sample {token} of scene {}, outside scene {}",
                s.scene_token, scene.name
            )),
            Ok(None) => at.dangling(field, "sample", token),
            Err(e) => e,
        }
    };
    let head = ListHead {
        owner: scene_at,
        first_field: "first_sample_token",
        first: &scene.first_sample_token,
        last_field: "last_sample_token",
        last: &scene.last_sample_token,
    };
    let samples = walk_chain(sample_file, head, &t.samples, &mut missing_sample)?;
    for s in &samples {
        if s.scene_token != scene.token {
            return Err(At {
                file: sample_file,
                token: &s.token,
            }
            .chain(format!(
                "sample of scene {} is in the list of scene {}",
                s.scene_token, scene.token
            )));
        }
    }
    if samples.len() != scene.nbr_samples as usize {
        warnings.push(scene_at.warning(format!(
            "nbr_samples is {} but the sample list has {}",
            scene.nbr_samples,
            samples.len()
        )));
    }
    let on_chain: BTreeSet<&str> = samples.iter().map(|s| s.token.as_str()).collect();
    for token in t.samples_by_scene.get(&scene.token).into_iter().flatten() {
        if !on_chain.contains(token.as_str()) {
            warnings.push(
                files
                    .at("sample", token)
                    .warning("sample of this scene is not on its prev/next list; ignored"),
            );
        }
    }
    // Ego track and rig.
    let channel_of = |sd: &SampleData| channel_of(t, sd);
    let mut ego_track = Vec::with_capacity(samples.len());
    let allowed_area = map.allowed_area_m();
    let mut sample_timestamps_us = Vec::with_capacity(samples.len());
    let mut lidar_of_first = None;
    let no_keyframes = Vec::new();
    for (i, s) in samples.iter().enumerate() {
        let at = files.at("sample", &s.token);
        let keyframes = t.keyframes_by_sample.get(&s.token).unwrap_or(&no_keyframes);
        let lidars: Vec<&SampleData> = keyframes
            .iter()
            .filter(|sd| channel_of(sd) == "LIDAR_TOP")
            .collect();
        let [lidar] = lidars[..] else {
            return Err(at.field(
                "data",
                format!(
                    "expected one keyframe LIDAR_TOP sample_data (it gives the ego pose), found {}",
                    lidars.len()
                ),
            ));
        };
        if i == 0 {
            lidar_of_first = Some(lidar);
        }
        let ego = t.ego_poses.get(&lidar.ego_pose_token).ok_or_else(|| {
            files.at("sample_data", &lidar.token).dangling(
                "ego_pose_token",
                "ego_pose",
                &lidar.ego_pose_token,
            )
        })?;
        let ego_at = files.at("ego_pose", &ego.token);
        let ego_pose = pose(ego_at, &ego.translation, &ego.rotation, warnings)?;
        if !crate::scene::in_area(allowed_area, ego_pose.xy()) {
            // Far off the map, every step of an episode is off-road (and the logged route
            // from here would be as long as the distance).
            let (min, max) = map.extent_m();
            return Err(ego_at.field(
                "translation",
                format!(
                    "expected a position on the {} map (extent [{:.0}, {:.0}] x [{:.0}, {:.0}] m plus a {} m margin), got ({}, {})",
                    location.as_str(),
                    min.x,
                    max.x,
                    min.y,
                    max.y,
                    crate::scene::MAP_MARGIN_M,
                    ego_pose.translation.x,
                    ego_pose.translation.y
                ),
            ));
        }
        if let Some(prev) = sample_timestamps_us.last()
            && s.timestamp <= *prev
        {
            return Err(at.field(
                "timestamp",
                format!(
                    "expected later than the previous sample's {prev}, got {}",
                    s.timestamp
                ),
            ));
        }
        if let Some(prev) = ego_track.last().map(|p: &TimedPose| p.timestamp_us)
            && ego.timestamp <= prev
        {
            return Err(ego_at.field(
                "timestamp",
                format!(
                    "expected later than the previous keyframe's ego pose {prev}, got {}",
                    ego.timestamp
                ),
            ));
        }
        if s.timestamp != lidar.timestamp {
            warnings.push(at.warning(format!(
                "timestamp {} differs from its LIDAR_TOP keyframe's {}",
                s.timestamp, lidar.timestamp
            )));
        }
        sample_timestamps_us.push(s.timestamp);
        ego_track.push(TimedPose {
            timestamp_us: ego.timestamp,
            pose: ego_pose,
        });
    }
    let Some(lidar) = lidar_of_first else {
        return Err(scene_at.field("first_sample_token", "expected a non-empty sample list"));
    };
    let rig = build_rig(files, t, samples[0], lidar, warnings)?;

    let actors = build_actors(files, t, scene, opts, warnings)?;

    Ok(Scene {
        token: scene.token.clone(),
        name: scene.name.clone(),
        description: scene.description.clone(),
        log_token: log.token.clone(),
        logfile: log.logfile.clone(),
        vehicle: log.vehicle.clone(),
        date_captured: log.date_captured.clone(),
        location,
        map,
        sample_timestamps_us,
        ego_track,
        actors,
        rig,
    })
}

fn build_rig(
    files: &Files,
    t: &Tables,
    first: &Sample,
    lidar: &SampleData,
    warnings: &mut Vec<LoadWarning>,
) -> Result<CameraRig, SceneError> {
    let calibrated = |sd: &SampleData| {
        t.calibrated_sensors
            .get(&sd.calibrated_sensor_token)
            .ok_or_else(|| {
                files.at("sample_data", &sd.token).dangling(
                    "calibrated_sensor_token",
                    "calibrated_sensor",
                    &sd.calibrated_sensor_token,
                )
            })
    };
    let lidar_cs = calibrated(lidar)?;
    let ego_from_lidar = pose(
        files.at("calibrated_sensor", &lidar_cs.token),
        &lidar_cs.translation,
        &lidar_cs.rotation,
        warnings,
    )?;
    let keyframes = t
        .keyframes_by_sample
        .get(&first.token)
        .map_or(&[][..], Vec::as_slice);
    let mut cameras = Vec::new();
    for channel in CAMERA_CHANNELS {
        let Some(sd) = keyframes.iter().find(|sd| channel_of(t, sd) == channel) else {
            warnings.push(files.at("sample", &first.token).warning(format!(
                "no keyframe {channel} sample_data in the scene's first sample; the rig lacks it"
            )));
            continue;
        };
        let cs = calibrated(sd)?;
        let at = files.at("calibrated_sensor", &cs.token);
        cameras.push(Camera {
            channel: channel.to_string(),
            width_px: sd.width,
            height_px: sd.height,
            intrinsic: check::intrinsic(at, "camera_intrinsic", &cs.camera_intrinsic)?,
            ego_from_camera: pose(at, &cs.translation, &cs.rotation, warnings)?,
        });
    }
    Ok(CameraRig {
        cameras,
        ego_from_lidar,
    })
}

fn build_actors(
    files: &Files,
    t: &Tables,
    scene: &SceneRecord,
    opts: LoadOptions,
    warnings: &mut Vec<LoadWarning>,
) -> Result<Vec<ActorTrack>, SceneError> {
    let ann_file = files.name("sample_annotation");
    let samples = &t.samples;
    let scene_annotations: Vec<&SampleAnnotation> = t
        .annotations_by_scene
        .get(&scene.token)
        .into_iter()
        .flatten()
        .filter_map(|tok| t.annotations.get(tok))
        .collect();
    // The scene's instances, in instance-file order.
    let mut scene_instances: Vec<usize> = scene_annotations
        .iter()
        .filter_map(|a| t.instance_pos.get(&a.instance_token).copied())
        .collect();
    scene_instances.sort_unstable();
    scene_instances.dedup();
    let mut visited: BTreeSet<&str> = BTreeSet::new();
    let mut missing_ann = |at: At, field: &str, token: &str| -> SceneError {
        match find_record::<SampleAnnotation>(&files.path("sample_annotation"), opts.reader, token)
        {
            Ok(Some(a)) => at.chain(format!(
                "field `{field}` names annotation {token} of sample {}, outside scene {}",
                a.sample_token, scene.name
            )),
            Ok(None) => at.dangling(field, "sample_annotation", token),
            Err(e) => e,
        }
    };
    let mut actors = Vec::new();
    for inst in scene_instances.iter().filter_map(|&i| t.instances.get(i)) {
        let inst_at = files.at("instance", &inst.token);
        let head = ListHead {
            owner: inst_at,
            first_field: "first_annotation_token",
            first: &inst.first_annotation_token,
            last_field: "last_annotation_token",
            last: &inst.last_annotation_token,
        };
        let anns = walk_chain(ann_file, head, &t.annotations, &mut missing_ann)?;
        if anns.len() != inst.nbr_annotations as usize {
            warnings.push(inst_at.warning(format!(
                "nbr_annotations is {} but the annotation list has {}",
                inst.nbr_annotations,
                anns.len()
            )));
        }
        let category = t
            .categories
            .get(&inst.category_token)
            .ok_or_else(|| inst_at.dangling("category_token", "category", &inst.category_token))?;
        let mut keyframes: Vec<TimedPose> = Vec::with_capacity(anns.len());
        let mut attributes = Vec::with_capacity(anns.len());
        let mut size_wlh_m = None;
        let mut size_varies = false;
        for a in anns {
            let at = At {
                file: ann_file,
                token: &a.token,
            };
            visited.insert(&a.token);
            if a.instance_token != inst.token {
                return Err(at.chain(format!(
                    "in the list of instance {} but its instance_token is {}",
                    inst.token, a.instance_token
                )));
            }
            let sample = samples
                .get(&a.sample_token)
                .filter(|s| s.scene_token == scene.token)
                .ok_or_else(|| {
                    at.chain(format!(
                        "sample_token {} is not a sample of scene {}",
                        a.sample_token, scene.name
                    ))
                })?;
            if let Some(prev) = keyframes.last()
                && sample.timestamp <= prev.timestamp_us
            {
                return Err(at.chain(format!(
                    "annotations out of time order: sample time {} is not after the previous {}",
                    sample.timestamp, prev.timestamp_us
                )));
            }
            let size = check::size_wlh(at, "size", &a.size)?;
            match size_wlh_m {
                None => size_wlh_m = Some(size),
                Some(s) => size_varies |= (size - s).abs().max_element() > SIZE_TOLERANCE_M,
            }
            keyframes.push(TimedPose {
                timestamp_us: sample.timestamp,
                pose: pose(at, &a.translation, &a.rotation, warnings)?,
            });
            if a.attribute_tokens.is_empty() && expects_attribute(&category.name) {
                warnings.push(at.warning(format!(
                    "annotation of a {} has no attributes",
                    category.name
                )));
            }
            let names = a
                .attribute_tokens
                .iter()
                .map(|tok| {
                    t.attributes
                        .get(tok)
                        .map(|x| x.name.clone())
                        .ok_or_else(|| at.dangling("attribute_tokens", "attribute", tok))
                })
                .collect::<Result<Vec<_>, _>>()?;
            attributes.push(names);
        }
        if size_varies {
            warnings.push(inst_at.warning(
                "box size varies between annotations; the track keeps the first".to_string(),
            ));
        }
        actors.push(ActorTrack {
            instance_token: inst.token.clone(),
            category: category.name.clone(),
            class: ActorClass::from_category(&category.name),
            size_wlh_m: size_wlh_m.unwrap_or_default(),
            keyframes,
            attributes,
        });
    }
    for a in scene_annotations {
        if !visited.contains(a.token.as_str()) {
            warnings.push(
                At {
                    file: ann_file,
                    token: &a.token,
                }
                .warning("annotation is on no instance's prev/next list; ignored"),
            );
        }
    }
    Ok(actors)
}

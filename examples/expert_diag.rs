//! Diagnostic: step an episode and print, per decision tick, the ego against the route, the log
//! and the nearby actors. `cargo run --example expert_diag -- scene-0005 expert [scenario.toml]`.
use mpa_sim::rollout::episode::{EpisodeLoop, SceneSource, resolve_job};
use mpa_sim::rollout::job::EpisodeJob;
use mpa_sim::world::SimConfig;
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let scene = args.get(1).cloned().unwrap_or("scene-0005".into());
    let agent = args.get(2).cloned().unwrap_or("expert".into());
    let file = args.get(3).map(PathBuf::from);
    let job = EpisodeJob {
        split: "diag".into(),
        scene: scene.clone(),
        scenario: scene.clone(),
        scenario_file: file,
        family: None,
        seed: 0,
        agent,
    };
    let source = SceneSource::default();
    let scenario = resolve_job(&job, &source).expect("resolve");
    let mut ep = EpisodeLoop::new(&job, &scenario, &SimConfig::default()).expect("loop");
    let mut last_ev = None;
    let mut ego_path: Vec<glam::DVec2> = Vec::new();
    let mut plans: Vec<Vec<glam::DVec2>> = Vec::new();
    while let Some(ev) = ep.next_event().expect("event") {
        if std::env::var("DIAG_OBST").is_ok() {
            let obs = ep.world().observation();
            let agent = mpa_sim::agent::expert::ExpertAgent::default();
            let route = mpa_sim::world::Polyline::new(&obs.route_ahead_ego_m).expect("route");
            for v in [0.0, 5.0, 10.0] {
                print!("obst@{v}: {:?} ", agent.nearest_obstacle(&obs, &route, v));
            }
            println!();
        }
        let scores = match &ev {
            mpa_sim::rollout::recording::EpisodeEvent::Step(st) => st
                .scores
                .iter()
                .filter(|(_, v)| **v < 1.0)
                .map(|(k, v)| format!("{k}={v:.2} "))
                .collect::<String>(),
            _ => String::new(),
        };
        let w = ep.world();
        let e = w.ego();
        let r = w.route();
        let pr = r.project_window(
            e.pose.xy,
            w.route_progress_m() - 5.0,
            w.route_progress_m() + 30.0,
        );
        let log = w.ego_log_pose_at(w.time_secs());
        let (log_s, log_v) = match log {
            Some(p) => {
                let q = r.project(p.xy);
                let p2 = w.ego_log_pose_at(w.time_secs() + 0.25).unwrap_or(p);
                (q.s_m, p2.xy.distance(p.xy) / 0.25)
            }
            None => (f64::NAN, f64::NAN),
        };
        let h0 = r.heading_at(pr.s_m - 2.0);
        let h1 = r.heading_at(pr.s_m + 2.0);
        let kappa = mpa_sim::scene::wrap_angle(h1 - h0) / 4.0;
        let mut near = String::new();
        for a in w.actors() {
            let rel = e.pose.inverse_transform_point(a.pose.xy);
            if rel.length() < 25.0 {
                let vrel = glam::DVec2::from_angle(-e.pose.yaw).rotate(a.velocity_mps);
                near += &format!(
                    " [{}:{} ({:.1},{:.1}) v({:.1},{:.1})]",
                    &a.id[..4.min(a.id.len())],
                    a.class.as_str(),
                    rel.x,
                    rel.y,
                    vrel.x,
                    vrel.y
                );
            }
        }
        let plan = ep
            .last_plan()
            .map(|p| {
                p.waypoints_ego_m
                    .iter()
                    .map(|w| format!("({:.1},{:.1})", w.x, w.y))
                    .collect::<Vec<_>>()
                    .join("")
            })
            .unwrap_or_default();
        println!(
            "{}t={:5.2} s={:6.1} lat={:+.2} dyaw={:+.3} k={:+.3} v={:5.2} a={:+.2} st={:+.3} | log s={:6.1} v={:5.2} | plan {} |{}",
            scores,
            w.time_secs(),
            pr.s_m,
            pr.lateral_m,
            mpa_sim::scene::wrap_angle(e.pose.yaw - pr.heading_rad),
            kappa,
            e.speed_mps,
            e.accel_mps2,
            e.steer_rad,
            log_s,
            log_v,
            plan,
            near
        );
        ego_path.push(e.pose.xy);
        if let Some(p) = ep.last_plan() {
            plans.push(
                p.waypoints_ego_m
                    .iter()
                    .map(|w| e.pose.transform_point(*w))
                    .collect(),
            );
        }
        if let mpa_sim::rollout::recording::EpisodeEvent::Finished {
            terminal_reason, ..
        } = &ev
        {
            last_ev = Some(terminal_reason.clone());
        }
    }
    println!("terminal: {last_ev:?}");
    if let Ok(png) = std::env::var("DIAG_PNG") {
        draw(&ep, &ego_path, &plans, &png);
    }
}

/// Top view around the ego path (or DIAG_CENTER=x,y DIAG_HALF=m): drivable area grey, lane
/// centrelines blue, route green, logged ego red, driven ego black, plans orange.
fn draw(ep: &EpisodeLoop, ego: &[glam::DVec2], plans: &[Vec<glam::DVec2>], out: &str) {
    use glam::DVec2;
    let w = ep.world();
    let ppm = std::env::var("DIAG_PPM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6.0f64);
    let (lo, hi) = match (std::env::var("DIAG_CENTER"), std::env::var("DIAG_HALF")) {
        (Ok(c), Ok(h)) => {
            let v: Vec<f64> = c.split(',').map(|x| x.parse().expect("x,y")).collect();
            let h: f64 = h.parse().expect("half");
            (
                DVec2::new(v[0] - h, v[1] - h),
                DVec2::new(v[0] + h, v[1] + h),
            )
        }
        _ => {
            let mut lo = DVec2::splat(f64::INFINITY);
            let mut hi = DVec2::splat(f64::NEG_INFINITY);
            for p in w.route().points().iter().chain(ego) {
                lo = lo.min(*p);
                hi = hi.max(*p);
            }
            (lo - 15.0, hi + 15.0)
        }
    };
    let wpx = ((hi.x - lo.x) * ppm) as u32;
    let hpx = ((hi.y - lo.y) * ppm) as u32;
    let mut img = image::RgbImage::new(wpx, hpx);
    let map = w.map();
    let idx = mpa_sim::world::checks::DrivableIndex::new(map);
    for py in 0..hpx {
        for px in 0..wpx {
            let p = DVec2::new(
                lo.x + (px as f64 + 0.5) / ppm,
                hi.y - (py as f64 + 0.5) / ppm,
            );
            let c = if idx.contains(map, p) { 90 } else { 20 };
            img.put_pixel(px, py, image::Rgb([c, c, c]));
        }
    }
    let dot = |img: &mut image::RgbImage, p: DVec2, col: [u8; 3], r: i64| {
        let px = ((p.x - lo.x) * ppm) as i64;
        let py = ((hi.y - p.y) * ppm) as i64;
        for dy in -r..=r {
            for dx in -r..=r {
                let (x, y) = (px + dx, py + dy);
                if x >= 0 && y >= 0 && (x as u32) < wpx && (y as u32) < hpx {
                    img.put_pixel(x as u32, y as u32, image::Rgb(col));
                }
            }
        }
    };
    let line = |img: &mut image::RgbImage, pts: &[DVec2], col: [u8; 3], r: i64| {
        for s in pts.windows(2) {
            let n = (s[0].distance(s[1]) * ppm * 2.0).ceil().max(1.0) as usize;
            for k in 0..=n {
                dot(img, s[0].lerp(s[1], k as f64 / n as f64), col, r);
            }
        }
    };
    for l in w.lanes().lines.iter().flatten() {
        line(&mut img, l.points(), [60, 60, 200], 0);
    }
    line(&mut img, w.route().points(), [0, 200, 0], 0);
    let scene = w.scene();
    let log: Vec<DVec2> = scene.ego_track.iter().map(|p| p.pose.xy()).collect();
    for p in &log {
        dot(&mut img, *p, [230, 30, 30], 1);
    }
    for pl in plans {
        line(&mut img, pl, [240, 150, 0], 0);
    }
    line(&mut img, ego, [255, 255, 255], 0);
    img.save(out).expect("save png");
}

//! Rendered camera views in the episode loop: an agent that asks for views gets the requested
//! cameras at the requested size every decision tick; the views match a direct render of the
//! same World state; a render thread shared by two workers gives the same episodes as local
//! rendering; and an agent that asks for views without a renderer gets a clear error.

use std::sync::{Arc, Mutex};

use mpa_sim::agent::{Agent, AgentError, Observation, Plan, ViewRequest, registry};
use mpa_sim::render::{
    AdapterPreference, LocalViews, RenderMode, RenderService, ViewProvider, Views,
};
use mpa_sim::rollout::EpisodeJob;
use mpa_sim::rollout::episode::{EpisodeLoop, SceneSource, resolve_job, run_episode_views};
use mpa_sim::world::SimConfig;

/// Every views the agent was given, in decision order.
type Seen = Arc<Mutex<Vec<Arc<Views>>>>;

/// The expert's plans, looking through the cameras of `request` and keeping every views it
/// was given; no views is an error.
struct ViewingExpert {
    inner: Box<dyn Agent>,
    request: ViewRequest,
    seen: Seen,
}

impl ViewingExpert {
    fn new(width_px: u32, height_px: u32, channels: &[&str]) -> (ViewingExpert, Seen) {
        let seen = Seen::default();
        let agent = ViewingExpert {
            inner: registry::create("expert").expect("expert"),
            request: ViewRequest {
                width_px,
                height_px,
                channels: channels.iter().map(|c| c.to_string()).collect(),
            },
            seen: seen.clone(),
        };
        (agent, seen)
    }
}

impl Agent for ViewingExpert {
    fn name(&self) -> &str {
        "looking-expert"
    }
    fn reset(&mut self, seed: u64) {
        self.inner.reset(seed);
    }
    fn needs_privileged(&self) -> bool {
        true
    }
    fn view_request(&self) -> Option<ViewRequest> {
        Some(self.request.clone())
    }
    fn plan(&mut self, obs: &Observation) -> Result<Plan, AgentError> {
        let views = obs.views.as_ref().ok_or(AgentError::Failed {
            agent: "looking-expert".into(),
            message: "no views".into(),
        })?;
        self.seen.lock().expect("lock").push(views.clone());
        self.inner.plan(obs)
    }
}

fn job() -> EpisodeJob {
    EpisodeJob {
        split: "test_in_domain".into(),
        scene: "scene-0004".into(),
        scenario: "scene-0004".into(),
        scenario_file: None,
        family: None,
        seed: 0,
        agent: "looking-expert".into(),
    }
}

/// The views an agent asking for the two front-left cameras at 64x36 gets over `steps`
/// decision ticks under `provider`.
fn run(provider: Option<Box<dyn ViewProvider>>, steps: usize) -> Vec<Arc<Views>> {
    let (agent, seen) = ViewingExpert::new(64, 36, &["CAM_FRONT_LEFT", "CAM_FRONT"]);
    let mut episode = episode(Box::new(agent), provider);
    while seen.lock().expect("lock").len() < steps {
        if episode.next_event().expect("event").is_none() {
            break;
        }
    }
    seen.lock().expect("lock").clone()
}

fn episode(agent: Box<dyn Agent>, provider: Option<Box<dyn ViewProvider>>) -> EpisodeLoop {
    let source = SceneSource::default();
    let scenario = resolve_job(&job(), &source).expect("scenario");
    EpisodeLoop::with_agent(&job(), &scenario, &SimConfig::default(), agent)
        .expect("episode")
        .with_view_provider(provider)
}

/// (cameras, width, height, RGB checksum) of each views, checking the request's camera order.
fn summary(seen: &[Arc<Views>]) -> Vec<(usize, u32, u32, u64)> {
    seen.iter()
        .map(|views| {
            assert_eq!(views.cameras[0].channel, "CAM_FRONT_LEFT");
            assert_eq!(views.cameras[1].channel, "CAM_FRONT");
            let sum = views.cameras.iter().fold(0u64, |acc, c| {
                c.rgb
                    .iter()
                    .fold(acc, |a, &b| a.wrapping_mul(31).wrapping_add(u64::from(b)))
            });
            let c = &views.cameras[0];
            (views.cameras.len(), c.width, c.height, sum)
        })
        .collect()
}

#[test]
fn agents_that_ask_get_the_requested_views_every_tick() {
    let local = LocalViews::new(AdapterPreference::Cpu).expect("lavapipe device");
    let seen = summary(&run(Some(Box::new(local)), 6));
    assert_eq!(seen.len(), 6);
    for (n, w, h, _) in &seen {
        assert_eq!((*n, *w, *h), (2, 64, 36));
    }
    // The car moves: consecutive frames differ.
    assert!(seen.windows(2).any(|p| p[0].3 != p[1].3));
}

#[test]
fn a_shared_render_thread_gives_the_same_pixels_as_local_rendering() {
    let local = LocalViews::new(AdapterPreference::Cpu).expect("lavapipe device");
    let a = summary(&run(Some(Box::new(local)), 4));
    let service = RenderService::start(AdapterPreference::Cpu).expect("render thread");
    let clients: Vec<_> = (0..2).map(|_| service.client()).collect();
    let handles: Vec<_> = clients
        .into_iter()
        .map(|c| std::thread::spawn(move || summary(&run(Some(Box::new(c)), 4))))
        .collect();
    for h in handles {
        assert_eq!(h.join().expect("worker"), a);
    }
}

#[test]
fn asking_for_views_without_a_renderer_is_a_clear_error() {
    let (agent, _seen) = ViewingExpert::new(64, 36, &["CAM_FRONT_LEFT", "CAM_FRONT"]);
    let mut episode = episode(Box::new(agent), None);
    let _started = episode.next_event().expect("started");
    let Err(err) = episode.next_event() else {
        panic!("expected an error")
    };
    assert!(err.to_string().contains("no renderer"), "{err}");
}

#[test]
fn an_unknown_camera_is_named_in_the_error() {
    let source = SceneSource::default();
    let scenario = resolve_job(&job(), &source).expect("scenario");
    let rig = &scenario.scene.rig;
    let request = ViewRequest {
        width_px: 32,
        height_px: 18,
        channels: vec!["CAM_ROOF".into()],
    };
    let Err(err) = request.select_rig(rig) else {
        panic!("expected an error")
    };
    assert!(err.to_string().contains("CAM_ROOF"), "{err}");
    // Jobs for agents the registry does not know fail cleanly, views or not.
    let Err(err) = run_episode_views(&job(), &source, &SimConfig::default(), None) else {
        panic!("expected an unknown-agent error")
    };
    assert!(err.to_string().contains("looking-expert"), "{err}");
}

/// The front camera an agent is given at its first decision tick under `provider`.
fn first_front_view(provider: Box<dyn ViewProvider>) -> mpa_sim::render::CameraView {
    let (agent, seen) = ViewingExpert::new(64, 36, &["CAM_FRONT"]);
    let mut episode = episode(Box::new(agent), Some(provider));
    while seen.lock().expect("lock").is_empty() {
        episode
            .next_event()
            .expect("event")
            .expect("the episode reaches a decision tick");
    }
    let views = seen.lock().expect("lock")[0].clone();
    assert_eq!(views.cameras.len(), 1);
    views.cameras[0].clone()
}

#[test]
fn splat_mode_gives_agents_splatted_road_under_the_same_request() {
    // Semantic id of road (render/semantic.rs table), spelled out independently.
    const ROAD: u8 = 1;
    let cache = tempfile::tempdir().expect("tempdir");
    let mesh = first_front_view(Box::new(
        LocalViews::new(AdapterPreference::Cpu).expect("lavapipe device"),
    ));
    let local = LocalViews::new(AdapterPreference::Cpu)
        .expect("lavapipe device")
        .with_render_mode(RenderMode::Splat, Some(cache.path().to_path_buf()));
    assert_eq!(local.render_mode(), RenderMode::Splat);
    let splat = first_front_view(Box::new(local));
    assert_eq!((splat.width, splat.height), (64, 36));
    assert_eq!(splat.channel, "CAM_FRONT");
    // The bake was cached for the next episode of the scene.
    let cached = std::fs::read_dir(cache.path())
        .expect("cache dir")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "ply"))
        .count();
    assert_eq!(cached, 1, "one baked PLY in the cache");

    // The road ahead: the bottom-centre of the front camera is road in mesh mode, and the
    // splatted background keeps it road.
    let (w, h) = (mesh.width as usize, mesh.height as usize);
    let mut road_both = 0;
    let mut road_mesh = 0;
    for v in (h * 3 / 4)..h {
        for u in (w * 3 / 8)..(w * 5 / 8) {
            let i = v * w + u;
            if mesh.semantic[i] == ROAD {
                road_mesh += 1;
                road_both += usize::from(splat.semantic[i] == ROAD);
            }
        }
    }
    assert!(road_mesh > 20, "mesh mode sees road ahead: {road_mesh} px");
    assert!(
        road_both * 10 >= road_mesh * 9,
        "splat mode keeps {road_both} of {road_mesh} road pixels"
    );
    // ... but the pixels are the splats' own, not the mesh renderer's.
    let diff: u64 = mesh
        .rgb
        .iter()
        .zip(&splat.rgb)
        .map(|(a, b)| u64::from(a.abs_diff(*b)))
        .sum();
    let mean = diff as f64 / mesh.rgb.len() as f64;
    assert!(mean > 5.0, "mean RGB difference {mean:.2}");
}

//! Scenario TOML: parse and validate (`parse_spec`), then check and resolve against the
//! shipped scene it names (the first shipped scene if it names none of them) and look for
//! placement conflicts, as `mpa-sim scenes validate` does. Any input must give a resolved
//! scenario or an error.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mpa_sim::config::VehicleConfig;
use mpa_sim::scene::scenario::{parse_spec, placement_conflicts, resolve};
use mpa_sim_fuzz::shipped_scenes;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let spec = match parse_spec(text, "fuzz.toml") {
        Ok(s) => s,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    let scenes = shipped_scenes();
    let scene = scenes
        .get(&spec.scene)
        .or_else(|| scenes.values().next())
        .expect("a shipped scene");
    match resolve(&spec, scene.clone(), 0) {
        Ok(r) => {
            let _ = placement_conflicts(&r, &VehicleConfig::default());
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});

//! Map expansion JSON (`maps/expansion/<location>.json`): parse and expand to `MapData`, as
//! `nuscenes::load_map` does after reading the file. Any input must give a map or an error.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mpa_sim::scene::Location;
use mpa_sim::scene::nuscenes::map::expand;
use mpa_sim::scene::tables::MapExpansion;

fuzz_target!(|data: &[u8]| {
    let Ok(exp) = serde_json::from_slice::<MapExpansion>(data) else {
        return;
    };
    match expand("fuzz.json", Location::SingaporeOnenorth, &exp) {
        Ok((map, warnings)) => {
            let _ = (map.lanes.len(), warnings.len());
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
        }
    }
});

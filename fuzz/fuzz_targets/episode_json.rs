//! Episode recording JSON (`episodes/<key>.json`): parse as `EpisodeRecording::read` does; a
//! recording that parses must write back to bytes that parse to the same recording.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mpa_sim::rollout::recording::EpisodeRecording;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = Path::new("fuzz.json");
    match EpisodeRecording::from_json(text, path) {
        Ok(rec) => {
            let bytes = rec.to_bytes().expect("a parsed recording serializes");
            let again = std::str::from_utf8(&bytes).expect("serde_json writes UTF-8");
            let back = EpisodeRecording::from_json(again, path).expect("written bytes read back");
            // Compared as bytes: NaN metrics (written as null) are not equal to themselves.
            assert_eq!(back.to_bytes().expect("serializes"), bytes);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});

//! The integration tests, gathered into one test crate so the suite compiles and links one
//! binary (each separate `tests/*.rs` linked wgpu, burn and egui on its own: about fifty links
//! on two cores were most of CI's time). One module per former test file; shared helpers are
//! the `*_common` / `*_support` modules.

mod common;
mod gltf_support;
mod render_common;
mod rollout_support;
mod scenario_common;

mod arcline_devkit_vectors;
mod bake_splats;
mod base_agent;
mod episode_views;
mod expert_sanity;
mod fuzz_regressions;
mod geometry_vs_geo;
mod gltf_assets;
mod gltf_validator;
mod loader_devkit_reference;
mod loader_errors;
mod loader_map;
mod loader_matches_devkit;
mod loader_roundtrip;
mod loader_warnings;
mod render_episode;
mod render_geometry;
mod render_golden;
mod render_scene_mesh;
mod render_splat;
mod render_splat_cli;
mod rollout_base_cli;
mod rollout_cli;
mod rollout_determinism;
mod rollout_real_determinism;
mod rollout_resume;
mod rollout_shard;
mod rollout_summary;
mod scenario_errors;
mod scenario_jitter;
mod scenario_resolve;
mod scenario_shipped;
mod serve_hugsim_client;
mod serve_rendered_views;
mod shader_validation;
mod splat_ply;
mod splat_reference;
mod splat_shader_validation;
mod synth_dataset;
mod synth_shipped;
mod train_base;
mod viewer_ui;
mod viewer_window;
mod world_agents;
mod world_api;
mod world_behaviours;
mod world_determinism;
mod world_idm;
mod world_scenarios;
mod world_terminations;
mod world_tracking;

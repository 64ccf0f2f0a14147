//! Command-line interface (clap derive). Each command calls into the library; errors bubble up
//! as anyhow and `main` prints them.

use clap::{Parser, Subcommand};

mod assets;
mod bake;
mod bench;
mod bench_batch;
mod bench_mpa;
mod bench_render;
mod bench_sim;
mod demo;
mod mpa;
mod render;
mod render_episode;
mod results;
mod rollout;
pub mod scenario;
pub mod scenes;
mod serve;
mod synth;
mod train;
mod view;

#[derive(Debug, Parser)]
#[command(
    name = "mpa-sim",
    version,
    about = "Closed-loop driving simulator with MPA agent harness"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List, show, validate and synthesise nuScenes-format scenes.
    #[command(subcommand)]
    Scenes(ScenesCommand),
    /// The main job on the shipped data: validate it, run expert and replay episodes on the
    /// test splits and safety-critical scenarios, print the headline table.
    Demo(demo::DemoArgs),
    /// Run episodes in batch (split scenes and/or scenario files x agents x seeds), sharded.
    Rollout(rollout::RolloutArgs),
    /// Merge shard results; summarise a results directory.
    #[command(subcommand)]
    Results(results::ResultsCommand),
    /// Check scenario files.
    #[command(subcommand)]
    Scenario(scenario::ScenarioCommand),
    /// Benchmarks: scene loading at trainval scale, simulation steps per second.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Render the six cameras of a scene at a time (RGB, depth and semantic images; mesh or
    /// splat mode), or a recorded episode to frames and an animated GIF.
    Render(render::RenderArgs),
    /// Build, check and preview the actor models (glTF).
    #[command(subcommand)]
    Assets(assets::AssetsCommand),
    /// Serve split scenes or scenario files to a remote agent over the HUGSIM protocol.
    Serve(serve::ServeArgs),
    /// Interactive viewer: run a scene or scenario live, play back an episode, browse results.
    View(view::ViewArgs),
    /// Train learned agents (the camera-based base policy, MPA's Q model).
    #[command(subcommand)]
    Train(train::TrainCommand),
    /// Model-based Policy Adaptation: counterfactual data generation and merging.
    #[command(subcommand)]
    Mpa(mpa::MpaCommand),
}

#[derive(Debug, Subcommand)]
pub enum ScenesCommand {
    /// Print where the shipped data lives.
    Path,
    /// Table of the scenes: location, duration, route length, actors by class, warnings.
    List(scenes::DataArgs),
    /// Details of one scene: timing, actors by class and category, map stats, warnings.
    Show {
        name: String,
        #[command(flatten)]
        data: scenes::DataArgs,
    },
    /// Validate the shipped data: scenes load, splits name existing scenes, scenarios check and
    /// resolve. Exits non-zero on any failure.
    Validate {
        /// Validate everything shipped (the only mode for now).
        #[arg(long, required = true)]
        all: bool,
    },
    /// Bake scenes' static mesh backgrounds into 3D Gaussian splat PLY files.
    BakeSplats(bake::BakeArgs),
    /// Generate a synthetic dataset in the nuScenes format.
    Synth(synth::SynthArgs),
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Bench(c) => bench::run(c),
        Command::Mpa(c) => mpa::run(c),
        Command::Render(a) => render::run(&a),
        Command::Demo(args) => demo::run(args),
        Command::Scenes(c) => match c {
            ScenesCommand::Path => {
                println!("{}", mpa_sim::scene::registry::shipped_dataroot().display());
                Ok(())
            }
            ScenesCommand::List(data) => scenes::list(&data),
            ScenesCommand::Show { name, data } => scenes::show(&name, &data),
            ScenesCommand::Validate { all: _ } => scenes::validate_all(),
            ScenesCommand::Synth(args) => synth::run(args),
            ScenesCommand::BakeSplats(args) => bake::run(&args),
        },
        Command::Rollout(args) => rollout::run(args),
        Command::Results(c) => results::run(c),
        Command::Scenario(c) => scenario::run(c),
        Command::Assets(c) => assets::run(c),
        Command::Serve(args) => serve::run(args),
        Command::View(args) => view::run(args),
        Command::Train(c) => train::run(c),
    }
}

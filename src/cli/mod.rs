//! Command-line interface (clap derive). Each command calls into the library; errors bubble up
//! as anyhow and `main` prints them.

use clap::{Parser, Subcommand};

mod synth;

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
}

#[derive(Debug, Subcommand)]
pub enum ScenesCommand {
    /// Print where the shipped data lives.
    Path,
    /// Generate a synthetic dataset in the nuScenes format.
    Synth(synth::SynthArgs),
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Scenes(c) => match c {
            ScenesCommand::Path => {
                println!("{}", mpa_sim::scene::registry::shipped_dataroot().display());
                Ok(())
            }
            ScenesCommand::Synth(args) => synth::run(args),
        },
    }
}

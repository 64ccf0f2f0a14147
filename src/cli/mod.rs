//! Command-line interface (clap derive). Each command calls into the library; errors bubble up
//! as anyhow and `main` prints them.

use clap::{Parser, Subcommand};

mod results;
mod rollout;

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
    /// Run episodes in batch (split scenes and/or scenario files x agents x seeds), sharded.
    Rollout(rollout::RolloutArgs),
    /// Merge shard results; summarise a results directory.
    #[command(subcommand)]
    Results(results::ResultsCommand),
}

#[derive(Debug, Subcommand)]
pub enum ScenesCommand {
    /// Print where the shipped data lives.
    Path,
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Scenes(c) => match c {
            ScenesCommand::Path => {
                println!("{}", mpa_sim::scene::registry::shipped_dataroot().display());
                Ok(())
            }
        },
        Command::Rollout(args) => rollout::run(args),
        Command::Results(c) => results::run(c),
    }
}

//! Command-line interface (clap derive). Each command calls into the library; errors bubble up
//! as anyhow and `main` prints them.

use clap::{Parser, Subcommand};

mod bench;

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
    /// Benchmarks (scene loading at trainval scale).
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

#[derive(Debug, Subcommand)]
pub enum ScenesCommand {
    /// Print where the shipped data lives.
    Path,
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Bench(c) => bench::run(c),
        Command::Scenes(c) => match c {
            ScenesCommand::Path => {
                println!("{}", mpa_sim::scene::registry::shipped_dataroot().display());
                Ok(())
            }
        },
    }
}

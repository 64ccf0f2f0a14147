//! `mpa-sim scenario check FILE...`: validate scenario files against their base scenes and
//! print every problem with its file and field.

use super::scenes::DataArgs;
use clap::Subcommand;
use mpa_sim::scene::scenario;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum ScenarioCommand {
    /// Validate scenario files against their scenes; exits non-zero if any file fails.
    Check {
        /// Scenario .toml files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        data: DataArgs,
    },
}

pub fn run(command: ScenarioCommand) -> anyhow::Result<()> {
    match command {
        ScenarioCommand::Check { files, data } => check(&files, &data),
    }
}

fn check(files: &[PathBuf], data: &DataArgs) -> anyhow::Result<()> {
    let root = data.dataroot();
    let mut failed = 0usize;
    for file in files {
        match scenario::check_file(file, &root, &data.version) {
            Ok(c) => println!(
                "OK    {} ({}, {} actor(s), scene {})",
                file.display(),
                format!("{:?}", c.spec.family).to_lowercase(),
                c.spec.actors.len(),
                c.spec.scene
            ),
            Err(e) => {
                failed += 1;
                println!("FAIL  {e}");
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} of {} scenario file(s) failed", files.len());
    }
    Ok(())
}

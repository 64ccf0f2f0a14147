//! `mpa-sim results merge|summary`: join shard output directories; summarise a results
//! directory into `summary.md` / `summary.csv`.

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};
use mpa_sim::rollout::{merge_results, write_summary};

#[derive(Debug, Subcommand)]
pub enum ResultsCommand {
    /// Join the output directories of shards (rows and recordings) into one, sorted by key.
    Merge {
        /// Output directory (must not already hold results).
        #[arg(long)]
        out: PathBuf,
        /// Shard output directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
    },
    /// Per split x agent (and scenario family) statistics of every metric; writes summary.md
    /// and summary.csv into DIR and prints one of them.
    Summary {
        dir: PathBuf,
        #[arg(long, value_enum, default_value_t = SummaryFormat::Md)]
        format: SummaryFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    Md,
    Csv,
}

pub fn run(cmd: ResultsCommand) -> anyhow::Result<()> {
    match cmd {
        ResultsCommand::Merge { out, dirs } => {
            let report = merge_results(&out, &dirs)?;
            for w in &report.warnings {
                eprintln!("warning: {w}");
            }
            eprintln!(
                "merged {} directories: {} rows ({} identical duplicates dropped), {} recordings, \
                 {} unresolved errors -> {}",
                report.inputs,
                report.rows,
                report.duplicates_dropped,
                report.recordings,
                report.errors,
                out.display()
            );
            Ok(())
        }
        ResultsCommand::Summary { dir, format } => {
            let summary = write_summary(&dir)?;
            if summary.duplicate_rows_merged > 0 {
                eprintln!(
                    "warning: {}: {} duplicate rows (same key, same results) counted once",
                    dir.display(),
                    summary.duplicate_rows_merged
                );
            }
            match format {
                SummaryFormat::Md => print!("{}", summary.to_markdown()),
                SummaryFormat::Csv => print!("{}", summary.to_csv()),
            }
            Ok(())
        }
    }
}

//! `results summary`: per split x agent (and per scenario family x agent, when scenario-file
//! episodes are present) statistics of every metric in the rows, plus terminal-reason counts.
//!
//! Each figure gets N (episodes with a finite value), mean, sample std and a 95% interval of
//! the mean from Student's t (see `stats`). Rows are sorted by key before summing, so the
//! output is byte-identical however the results were produced. `steps` is summarised like a
//! metric; `wall_time_secs` is not (it is not a property of the episode).
//!
//! `summary.csv` columns: `by,group,agent,figure,n,mean,std,ci95_low,ci95_high`, where `by` is
//! `split` or `family`. Terminal reasons appear as figures `terminal_reason:<reason>` whose value
//! per episode is 1 if it ended that way, else 0 (so `mean` is the share, `n * mean` the count).
//! Undefined numbers (std of one episode) are empty cells.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use super::error::RolloutError;
use super::jsonl::{read_rows, write_atomic};
use super::merge::same_content;
use super::row::EpisodeRow;
use super::runner::RESULTS_FILE;
use super::stats::Stats;

pub const SUMMARY_MD: &str = "summary.md";
pub const SUMMARY_CSV: &str = "summary.csv";

/// Prefix of the terminal-reason indicator figures.
pub const TERMINAL_PREFIX: &str = "terminal_reason:";

/// One group of episodes: `by` is `split` or `family`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GroupKey {
    pub by: &'static str,
    pub group: String,
    pub agent: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupSummary {
    pub key: GroupKey,
    pub episodes: usize,
    /// Figure name -> statistics (metrics, then `steps`, then terminal-reason indicators).
    pub figures: BTreeMap<String, Stats>,
    /// Terminal reason -> episode count.
    pub reasons: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub groups: Vec<GroupSummary>,
    /// Rows dropped by `write_summary` because an identical row with the same key came first
    /// (two runs wrote one job); each episode counts once.
    pub duplicate_rows_merged: usize,
}

/// Summarise rows (any order).
pub fn summarize(rows: &[EpisodeRow]) -> Summary {
    let mut sorted: Vec<&EpisodeRow> = rows.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    let mut groups: BTreeMap<GroupKey, Vec<&EpisodeRow>> = BTreeMap::new();
    for row in &sorted {
        groups
            .entry(GroupKey {
                by: "split",
                group: row.job.split.clone(),
                agent: row.job.agent.clone(),
            })
            .or_default()
            .push(row);
        if let Some(family) = &row.job.family {
            groups
                .entry(GroupKey {
                    by: "family",
                    group: family.clone(),
                    agent: row.job.agent.clone(),
                })
                .or_default()
                .push(row);
        }
    }
    // Splits first, then families.
    let mut groups: Vec<(GroupKey, Vec<&EpisodeRow>)> = groups.into_iter().collect();
    groups.sort_by(|a, b| (a.0.by != "split", &a.0).cmp(&(b.0.by != "split", &b.0)));
    Summary {
        duplicate_rows_merged: 0,
        groups: groups
            .into_iter()
            .map(|(key, rows)| summarize_group(key, &rows))
            .collect(),
    }
}

fn summarize_group(key: GroupKey, rows: &[&EpisodeRow]) -> GroupSummary {
    let names: BTreeSet<&String> = rows.iter().flat_map(|r| r.metrics.keys()).collect();
    let mut figures = BTreeMap::new();
    for name in names {
        let values: Vec<f64> = rows
            .iter()
            .filter_map(|r| r.metrics.get(name).copied())
            .collect();
        figures.insert(name.clone(), Stats::of(&values));
    }
    let steps: Vec<f64> = rows.iter().map(|r| r.steps as f64).collect();
    figures.insert("steps".to_string(), Stats::of(&steps));
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for r in rows {
        *reasons.entry(r.terminal_reason.clone()).or_default() += 1;
    }
    for reason in reasons.keys() {
        let indicator: Vec<f64> = rows
            .iter()
            .map(|r| f64::from(u8::from(&r.terminal_reason == reason)))
            .collect();
        figures.insert(format!("{TERMINAL_PREFIX}{reason}"), Stats::of(&indicator));
    }
    GroupSummary {
        key,
        episodes: rows.len(),
        figures,
        reasons,
    }
}

impl Summary {
    pub fn to_markdown(&self) -> String {
        let mut s = String::from("# Rollout summary\n\n");
        s.push_str(
            "N: episodes with a finite value. std: sample standard deviation. \
             95% CI: mean +- t(0.975, N-1) * std / sqrt(N) (Student's t).\n",
        );
        s.push_str(&self.headline_markdown());
        for by in ["split", "family"] {
            let groups: Vec<&GroupSummary> =
                self.groups.iter().filter(|g| g.key.by == by).collect();
            if groups.is_empty() {
                continue;
            }
            let _ = write!(
                s,
                "\n## By {by} and agent\n\n| {by} | agent | figure | N | mean | std | 95% CI |\n\
                 |---|---|---|---:|---:|---:|---|\n"
            );
            for g in &groups {
                for (name, st) in g
                    .figures
                    .iter()
                    .filter(|(n, _)| !n.starts_with(TERMINAL_PREFIX))
                {
                    let ci = if st.ci95_half_width.is_finite() {
                        format!("[{}, {}]", md_num(st.ci95_low()), md_num(st.ci95_high()))
                    } else {
                        "-".to_string()
                    };
                    let _ = writeln!(
                        s,
                        "| {} | {} | {} | {} | {} | {} | {} |",
                        g.key.group,
                        g.key.agent,
                        name,
                        st.n,
                        md_num(st.mean),
                        md_num(st.std),
                        ci
                    );
                }
            }
            let reasons: BTreeSet<&String> = groups.iter().flat_map(|g| g.reasons.keys()).collect();
            let _ = write!(
                s,
                "\n### Terminal reasons by {by} and agent\n\n| {by} | agent | N |"
            );
            for r in &reasons {
                let _ = write!(s, " {r} |");
            }
            s.push_str("\n|---|---|---:|");
            for _ in &reasons {
                s.push_str("---:|");
            }
            s.push('\n');
            for g in &groups {
                let _ = write!(s, "| {} | {} | {} |", g.key.group, g.key.agent, g.episodes);
                for r in &reasons {
                    let count = g.reasons.get(*r).copied().unwrap_or(0);
                    let share = 100.0 * count as f64 / g.episodes.max(1) as f64;
                    let _ = write!(s, " {count} ({share:.0}%) |");
                }
                s.push('\n');
            }
        }
        s
    }

    /// The figures papers report, one row per group: mean +- 95% half width, scores x 100 as
    /// in the MPA paper (HD-Score terms), rates in percent, NeuroNCAP on its 0-5 scale.
    pub fn headline_markdown(&self) -> String {
        const COLUMNS: [(&str, &str, f64); 9] = [
            ("RC", "rc", 100.0),
            ("NC", "nc", 100.0),
            ("DAC", "dac", 100.0),
            ("TTC", "ttc", 100.0),
            ("COM", "com", 100.0),
            ("HD-Score", "hd_score", 100.0),
            ("collision %", "collided", 100.0),
            ("off-road %", "off_road", 100.0),
            ("NeuroNCAP", "neuroncap", 1.0),
        ];
        let mut s =
            String::from("\n## Headline (mean +- 95% CI half width)\n\n| by | group | agent | N |");
        for (title, _, _) in COLUMNS {
            let _ = write!(s, " {title} |");
        }
        s.push_str("\n|---|---|---|---:|");
        for _ in COLUMNS {
            s.push_str("---:|");
        }
        s.push('\n');
        for g in &self.groups {
            let _ = write!(
                s,
                "| {} | {} | {} | {} |",
                g.key.by, g.key.group, g.key.agent, g.episodes
            );
            for (_, figure, scale) in COLUMNS {
                let cell = match g.figures.get(figure) {
                    Some(st) if st.n > 0 => {
                        let half = if st.ci95_half_width.is_finite() {
                            format!(" +- {:.1}", st.ci95_half_width * scale)
                        } else {
                            String::new()
                        };
                        format!("{:.1}{half}", st.mean * scale)
                    }
                    _ => "-".to_string(),
                };
                let _ = write!(s, " {cell} |");
            }
            s.push('\n');
        }
        s
    }

    pub fn to_csv(&self) -> String {
        let mut s = String::from("by,group,agent,figure,n,mean,std,ci95_low,ci95_high\n");
        for g in &self.groups {
            for (name, st) in &g.figures {
                let _ = writeln!(
                    s,
                    "{},{},{},{},{},{},{},{},{}",
                    g.key.by,
                    csv_field(&g.key.group),
                    csv_field(&g.key.agent),
                    csv_field(name),
                    st.n,
                    csv_num(st.mean),
                    csv_num(st.std),
                    csv_num(st.ci95_low()),
                    csv_num(st.ci95_high())
                );
            }
        }
        s
    }
}

/// Read `dir/results.jsonl`, write `summary.md` and `summary.csv` beside it.
pub fn write_summary(dir: &Path) -> Result<Summary, RolloutError> {
    let path = dir.join(RESULTS_FILE);
    if !path.exists() {
        return Err(RolloutError::BadFile {
            path,
            message: "missing: not a rollout output directory".into(),
        });
    }
    let (rows, duplicates) = dedupe_rows(&path, read_rows::<EpisodeRow>(&path)?.rows)?;
    let mut summary = summarize(&rows);
    summary.duplicate_rows_merged = duplicates;
    write_atomic(&dir.join(SUMMARY_MD), summary.to_markdown().as_bytes())?;
    write_atomic(&dir.join(SUMMARY_CSV), summary.to_csv().as_bytes())?;
    Ok(summary)
}

/// Keep each key once: a later row identical to the first (wall time aside: the same
/// deterministic job run twice) is merged and counted; a different one is a conflict that a
/// summary must not average over.
pub fn dedupe_rows(
    path: &Path,
    rows: Vec<EpisodeRow>,
) -> Result<(Vec<EpisodeRow>, usize), RolloutError> {
    // key -> (its first row's index in `rows`, that row's index in `kept`)
    let mut first_row: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut kept: Vec<EpisodeRow> = Vec::with_capacity(rows.len());
    let mut merged = 0;
    for (i, row) in rows.into_iter().enumerate() {
        match first_row.get(&row.key) {
            None => {
                first_row.insert(row.key.clone(), (i, kept.len()));
                kept.push(row);
            }
            Some(&(first, at)) => {
                if !same_content(&kept[at], &row) {
                    return Err(RolloutError::ConflictingRows {
                        path: path.to_path_buf(),
                        key: row.key,
                        first_row: first + 1,
                        second_row: i + 1,
                    });
                }
                merged += 1;
            }
        }
    }
    Ok((kept, merged))
}

fn md_num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        "-".to_string()
    }
}

fn csv_num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        String::new()
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

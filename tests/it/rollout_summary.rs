//! Summary statistics checked against hand-computed values, and the t critical values against
//! the independent reference `tests/reference/t_quantiles.py` (numerical integration of the t
//! density; its output is copied below).

use std::collections::BTreeMap;

use mpa_sim::rollout::stats::t_critical_975;
use mpa_sim::rollout::{EpisodeJob, EpisodeRow, Stats, summarize, write_summary};

/// Output of `python3 tests/reference/t_quantiles.py` (df, t_{0.975, df}).
const T_REFERENCE: [(usize, f64); 19] = [
    (1, 12.706205),
    (2, 4.302653),
    (3, 3.182446),
    (4, 2.776445),
    (5, 2.570582),
    (6, 2.446912),
    (7, 2.364624),
    (8, 2.306004),
    (9, 2.262157),
    (10, 2.228139),
    (15, 2.131450),
    (20, 2.085963),
    (25, 2.059539),
    (30, 2.042272),
    (31, 2.039513),
    (40, 2.021075),
    (60, 2.000298),
    (120, 1.979930),
    (1000, 1.962339),
];

#[test]
fn t_critical_values_match_the_reference() {
    for (df, t) in T_REFERENCE {
        assert!(
            (t_critical_975(df) - t).abs() < 2e-6,
            "df {df}: {}",
            t_critical_975(df)
        );
    }
    assert!(t_critical_975(0).is_nan());
}

#[test]
fn stats_of_a_small_fixed_set() {
    // Hand computation: mean 0.5; squared deviations 0.09 + 0.01 + 0.16 = 0.26; variance
    // 0.26 / 2 = 0.13; std 0.3605551; half-width 4.302653 * 0.3605551 / sqrt(3) = 0.8956686.
    let s = Stats::of(&[0.2, 0.4, 0.9, f64::NAN]);
    assert_eq!(s.n, 3);
    assert!((s.mean - 0.5).abs() < 1e-12);
    assert!((s.std - 0.13_f64.sqrt()).abs() < 1e-12);
    assert!((s.ci95_half_width - 0.895_668_6).abs() < 1e-6);
    let one = Stats::of(&[2.0]);
    assert_eq!((one.n, one.mean), (1, 2.0));
    assert!(one.std.is_nan() && one.ci95_half_width.is_nan());
    assert_eq!(Stats::of(&[]).n, 0);
}

fn row(
    split: &str,
    family: Option<&str>,
    seed: u64,
    hd: f64,
    reason: &str,
    steps: u64,
) -> EpisodeRow {
    let job = EpisodeJob {
        split: split.into(),
        scene: "scene-0001".into(),
        scenario: format!("{split}-scenario"),
        scenario_file: None,
        family: family.map(str::to_string),
        seed,
        agent: "expert".into(),
    };
    EpisodeRow::new(
        job,
        BTreeMap::from([("hd_score".to_string(), hd)]),
        reason,
        steps,
    )
}

#[test]
fn summary_groups_by_split_and_family() {
    let rows = vec![
        row("test", None, 0, 0.2, "route_completed", 10),
        row("test", None, 1, 0.4, "collision", 20),
        row("test", None, 2, 0.9, "route_completed", 30),
        row("scenarios", Some("frontal"), 0, 1.0, "route_completed", 4),
        row("scenarios", Some("frontal"), 1, 0.0, "collision", 4),
        row("scenarios", Some("frontal"), 2, 1.0, "route_completed", 4),
        row("scenarios", Some("frontal"), 3, 1.0, "route_completed", 4),
    ];
    let mut shuffled = rows.clone();
    shuffled.reverse();
    let summary = summarize(&shuffled);
    assert_eq!(summary, summarize(&rows), "row order does not matter");
    let keys: Vec<(&str, &str)> = summary
        .groups
        .iter()
        .map(|g| (g.key.by, g.key.group.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            ("split", "scenarios"),
            ("split", "test"),
            ("family", "frontal")
        ]
    );

    let test = &summary.groups[1];
    assert_eq!(test.episodes, 3);
    let hd = test.figures["hd_score"];
    assert!((hd.mean - 0.5).abs() < 1e-12 && (hd.ci95_half_width - 0.895_668_6).abs() < 1e-6);
    assert_eq!(test.figures["steps"].mean, 20.0);
    assert_eq!(test.reasons["route_completed"], 2);
    assert_eq!(test.reasons["collision"], 1);

    // Family frontal: hd = [1, 0, 1, 1]: mean 0.75, std 0.5, half-width 3.182446 * 0.5 / 2.
    let frontal = &summary.groups[2];
    let hd = frontal.figures["hd_score"];
    assert_eq!(hd.n, 4);
    assert!((hd.mean - 0.75).abs() < 1e-12);
    assert!((hd.std - 0.5).abs() < 1e-12);
    assert!((hd.ci95_half_width - 0.795_611_5).abs() < 1e-6);
    let share = frontal.figures["terminal_reason:collision"];
    assert!((share.mean - 0.25).abs() < 1e-12);

    let md = summary.to_markdown();
    assert!(
        md.contains("| test | expert | hd_score | 3 | 0.5000 | 0.3606 | [-0.3957, 1.3957] |"),
        "{md}"
    );
    assert!(
        md.contains("| frontal | expert | 4 | 1 (25%) | 3 (75%) |"),
        "{md}"
    );
    let csv = summary.to_csv();
    assert!(csv.starts_with("by,group,agent,figure,n,mean,std,ci95_low,ci95_high\n"));
    assert!(
        csv.contains("family,frontal,expert,hd_score,4,0.75,0.5,"),
        "{csv}"
    );

    // write_summary reads results.jsonl and writes both files.
    let dir = tempfile::tempdir().unwrap();
    let text: String = rows
        .iter()
        .map(|r| serde_json::to_string(r).unwrap() + "\n")
        .collect();
    std::fs::write(dir.path().join("results.jsonl"), text).unwrap();
    let written = write_summary(dir.path()).unwrap();
    assert_eq!(written, summary);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("summary.md")).unwrap(),
        md
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("summary.csv")).unwrap(),
        csv
    );
}

//! Whole-window pages other than an episode (the results table, the error panel) and the
//! help overlay.

use egui::{Color32, RichText};

use super::document::ViewerError;
use super::state::{ResultsTable, SHORTCUTS, SortColumn, hd_score};
use crate::rollout::EpisodeRow;

/// The episode table of a results directory; returns the row the user clicked to open.
pub fn results_ui(ui: &mut egui::Ui, table: &mut ResultsTable) -> Option<EpisodeRow> {
    ui.heading(format!(
        "Results: {} ({} episodes)",
        table.dir.display(),
        table.len()
    ));
    ui.label("Click a column header to sort (again to reverse); click an episode to open it.");
    ui.separator();
    if table.is_empty() {
        ui.label("results.jsonl has no episodes.");
        return None;
    }
    let mut clicked_col = None;
    let mut open = None;
    egui::ScrollArea::vertical().show(ui, |ui| {
        egui::Grid::new("results")
            .striped(true)
            .num_columns(6)
            .spacing([18.0, 4.0])
            .show(ui, |ui| {
                for col in SortColumn::ALL {
                    let arrow = if table.sort != col {
                        ""
                    } else if table.ascending {
                        " ^"
                    } else {
                        " v"
                    };
                    if ui.button(format!("{}{arrow}", col.label())).clicked() {
                        clicked_col = Some(col);
                    }
                }
                ui.label(RichText::new("Episode").strong());
                ui.end_row();
                for row in table.rows() {
                    ui.label(&row.job.scenario);
                    ui.label(&row.job.agent);
                    ui.monospace(row.job.seed.to_string());
                    let hd = hd_score(row);
                    ui.monospace(if hd.is_finite() {
                        format!("{hd:.3}")
                    } else {
                        "-".to_string()
                    });
                    ui.label(&row.terminal_reason);
                    if ui.link(&row.key).clicked() {
                        open = Some(row.clone());
                    }
                    ui.end_row();
                }
            });
    });
    if let Some(col) = clicked_col {
        table.click_column(col);
    }
    open
}

/// The error panel: which file, what is wrong.
pub fn error_ui(ui: &mut egui::Ui, err: &ViewerError) {
    ui.add_space(20.0);
    ui.heading(RichText::new("Could not open").color(Color32::from_rgb(240, 90, 90)));
    ui.add_space(8.0);
    egui::Grid::new("error").num_columns(2).show(ui, |ui| {
        ui.label(RichText::new("File").strong());
        ui.monospace(&err.file);
        ui.end_row();
        ui.label(RichText::new("Problem").strong());
        ui.label(&err.problem);
        ui.end_row();
    });
    ui.add_space(8.0);
    ui.label("Fix the file or pick another one, and open it again (see `mpa-sim view --help`).");
}

/// The help overlay listing the shortcuts.
pub fn help_ui(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new("Keyboard shortcuts")
        .open(open)
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
        .show(ctx, |ui| {
            for (_, _, text) in SHORTCUTS {
                ui.label(*text);
            }
            ui.separator();
            ui.label("Map: scroll to zoom. 3D view: drag to orbit, scroll to zoom.");
        });
}

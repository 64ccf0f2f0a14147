//! `loss.png`: training and validation loss per epoch, drawn with the image crate and a small
//! built-in 5x7 bitmap font (so the plot needs no system fonts or font files: plotters' text
//! needs a TTF at run time on a bare Debian machine). Axes with tick labels, a title, axis
//! labels and a legend.

use std::path::Path;

use image::{Rgb, RgbImage};

use super::super::BaseError;

const W: u32 = 800;
const H: u32 = 500;
const LEFT: i64 = 90;
const RIGHT: i64 = 30;
const TOP: i64 = 60;
const BOTTOM: i64 = 70;
const FONT_SCALE: i64 = 2;
const TRAIN_COLOUR: Rgb<u8> = Rgb([31, 119, 180]);
const VAL_COLOUR: Rgb<u8> = Rgb([255, 127, 14]);
const INK: Rgb<u8> = Rgb([30, 30, 30]);
const GRID: Rgb<u8> = Rgb([225, 225, 225]);

/// 5x7 glyphs, one byte per row, bit 4 = leftmost column.
fn glyph(c: char) -> [u8; 7] {
    match c.to_ascii_uppercase() {
        '0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        '1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        '2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        '3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        '4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        '5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        '6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        '7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        '9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        '.' => [0, 0, 0, 0, 0, 0x0C, 0x0C],
        '-' => [0, 0, 0, 0x1F, 0, 0, 0],
        '(' => [0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02],
        ')' => [0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08],
        ':' => [0, 0x0C, 0x0C, 0, 0x0C, 0x0C, 0],
        ',' => [0, 0, 0, 0, 0x0C, 0x04, 0x08],
        '/' => [0, 0x01, 0x02, 0x04, 0x08, 0x10, 0],
        'A' => [0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'B' => [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E],
        'C' => [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        'D' => [0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C],
        'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        'F' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        'G' => [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F],
        'H' => [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'I' => [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        'M' => [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        'N' => [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        'O' => [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        'S' => [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E],
        'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        'X' => [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11],
        'Y' => [0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04],
        'Z' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F],
        _ => [0; 7],
    }
}

fn put(img: &mut RgbImage, x: i64, y: i64, c: Rgb<u8>) {
    if x >= 0 && y >= 0 && x < i64::from(img.width()) && y < i64::from(img.height()) {
        img.put_pixel(x as u32, y as u32, c);
    }
}

/// Width in pixels of `text` at the plot's font scale.
fn text_width(text: &str) -> i64 {
    text.chars().count() as i64 * 6 * FONT_SCALE
}

fn draw_text(img: &mut RgbImage, x: i64, y: i64, text: &str, c: Rgb<u8>) {
    for (i, ch) in text.chars().enumerate() {
        let g = glyph(ch);
        let x0 = x + i as i64 * 6 * FONT_SCALE;
        for (row, bits) in g.iter().enumerate() {
            for col in 0..5 {
                if bits & (0x10 >> col) != 0 {
                    for dy in 0..FONT_SCALE {
                        for dx in 0..FONT_SCALE {
                            put(
                                img,
                                x0 + col * FONT_SCALE + dx,
                                y + row as i64 * FONT_SCALE + dy,
                                c,
                            );
                        }
                    }
                }
            }
        }
    }
}

fn draw_line(img: &mut RgbImage, a: (f64, f64), b: (f64, f64), c: Rgb<u8>, thick: i64) {
    let steps = ((b.0 - a.0).abs().max((b.1 - a.1).abs()).ceil() as i64).max(1);
    for s in 0..=steps {
        let t = s as f64 / steps as f64;
        let x = (a.0 + (b.0 - a.0) * t).round() as i64;
        let y = (a.1 + (b.1 - a.1) * t).round() as i64;
        for dy in -(thick / 2)..=(thick / 2) {
            for dx in -(thick / 2)..=(thick / 2) {
                put(img, x + dx, y + dy, c);
            }
        }
    }
}

/// A "nice" tick step (1, 2 or 5 times a power of ten) giving about `count` ticks over `span`.
fn nice_step(span: f64, count: f64) -> f64 {
    let raw = (span / count).max(1e-9);
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

/// Draw train and validation loss (one value per epoch, epochs 1..) into `path`.
pub fn write_loss_plot(
    path: &Path,
    title: &str,
    y_label: &str,
    train: &[f64],
    val: &[f64],
) -> Result<(), BaseError> {
    let mut img = RgbImage::from_pixel(W, H, Rgb([255, 255, 255]));
    let (x0, x1) = (LEFT as f64, f64::from(W) - RIGHT as f64);
    let (y0, y1) = (f64::from(H) - BOTTOM as f64, TOP as f64);
    let epochs = train.len().max(val.len()).max(1);
    let finite: Vec<f64> = train
        .iter()
        .chain(val)
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let y_max_data = finite.iter().copied().fold(0.0f64, f64::max).max(1e-6);
    let y_step = nice_step(y_max_data, 5.0);
    let y_max = (y_max_data / y_step).ceil() * y_step;
    let x_span = (epochs.max(2) - 1) as f64;
    let px = |epoch: f64| x0 + (epoch - 1.0) / x_span * (x1 - x0);
    let py = |v: f64| y0 - v / y_max * (y0 - y1);
    // Grid and y ticks.
    let mut v = 0.0;
    while v <= y_max + y_step * 0.5 {
        let y = py(v);
        draw_line(&mut img, (x0, y), (x1, y), GRID, 1);
        let label = if y_step >= 1.0 {
            format!("{v:.0}")
        } else if y_step >= 0.1 {
            format!("{v:.1}")
        } else {
            format!("{v:.2}")
        };
        draw_text(
            &mut img,
            LEFT - 10 - text_width(&label),
            y.round() as i64 - 7,
            &label,
            INK,
        );
        v += y_step;
    }
    // X ticks.
    let x_step = nice_step(x_span.max(1.0), 10.0).max(1.0) as usize;
    for e in (1..=epochs).filter(|e| (e - 1) % x_step == 0 || *e == epochs) {
        let x = px(e as f64);
        draw_line(&mut img, (x, y0), (x, y0 + 6.0), INK, 1);
        let label = e.to_string();
        draw_text(
            &mut img,
            x.round() as i64 - text_width(&label) / 2,
            y0 as i64 + 12,
            &label,
            INK,
        );
    }
    // Axes.
    draw_line(&mut img, (x0, y0), (x1, y0), INK, 2);
    draw_line(&mut img, (x0, y0), (x0, y1), INK, 2);
    // Series.
    for (series, colour) in [(train, TRAIN_COLOUR), (val, VAL_COLOUR)] {
        let pts: Vec<(f64, f64)> = series
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(i, v)| (px((i + 1) as f64), py(*v)))
            .collect();
        for w in pts.windows(2) {
            draw_line(&mut img, w[0], w[1], colour, 3);
        }
        for p in &pts {
            draw_line(&mut img, (p.0 - 3.0, p.1), (p.0 + 3.0, p.1), colour, 7);
        }
    }
    // Title, axis labels, legend.
    draw_text(
        &mut img,
        (i64::from(W) - text_width(title)) / 2,
        12,
        title,
        INK,
    );
    draw_text(&mut img, 10, TOP - 26, y_label, INK);
    let x_label = "EPOCH";
    draw_text(
        &mut img,
        (LEFT + i64::from(W) - RIGHT - text_width(x_label)) / 2,
        i64::from(H) - 30,
        x_label,
        INK,
    );
    let lx = i64::from(W) - RIGHT - 200;
    for (i, (name, colour)) in [("TRAIN", TRAIN_COLOUR), ("VALIDATION", VAL_COLOUR)]
        .into_iter()
        .enumerate()
    {
        let ly = TOP + 10 + i as i64 * 24;
        draw_line(
            &mut img,
            (lx as f64, (ly + 7) as f64),
            ((lx + 30) as f64, (ly + 7) as f64),
            colour,
            3,
        );
        draw_text(&mut img, lx + 40, ly, name, INK);
    }
    img.save(path).map_err(|e| BaseError::Io {
        file: path.display().to_string(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plot_decodes_with_both_colours_and_text() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("loss.png");
        write_loss_plot(&path, "LOSS", "L1 (M)", &[3.0, 2.0, 1.5], &[3.2, 2.4, 2.0]).expect("plot");
        let img = image::open(&path).expect("decodes").to_rgb8();
        assert_eq!(img.dimensions(), (W, H));
        let count = |c: Rgb<u8>| img.pixels().filter(|p| **p == c).count();
        assert!(count(TRAIN_COLOUR) > 100);
        assert!(count(VAL_COLOUR) > 100);
        assert!(count(INK) > 500);
    }

    #[test]
    fn nice_steps() {
        assert_eq!(nice_step(10.0, 5.0), 2.0);
        assert_eq!(nice_step(0.7, 5.0), 0.2);
        assert_eq!(nice_step(3.0, 10.0), 0.5);
    }
}

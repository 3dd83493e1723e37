//! Time series to PNG, one call each: [`plot_continuous`] draws the traces of a
//! [`TsContinuous`] (steps for sample-and-hold, lines for linear), [`plot_events`] the
//! raster of a [`TsEvent`] (one tick per event, channels up the y axis).
//!
//! Text is drawn with an embedded subset of Roboto Regular (Apache-2.0, see
//! `src/fonts/LICENSE-Roboto.txt`), so no system font is needed. Files are written
//! atomically (temporary file in the same directory, fsync, rename) and are always PNG,
//! whatever the path's extension.
//!
//! ```
//! use littoral_core::Array;
//! use littoral_functional::timeseries::{TsContinuous, TsEvent};
//! use littoral_functional::timeseries::plot::{PlotOptions, plot_continuous, plot_events};
//! let dir = tempfile::tempdir()?;
//! let ts = TsContinuous::from_clocked(Array::from_vec(vec![0.0, 1.0, 0.5]), 1e-3, 0.0)?;
//! plot_continuous(&ts, dir.path().join("trace.png"), &PlotOptions::default())?;
//! let ev = TsEvent::new(vec![1e-3, 2e-3], vec![0, 1], 0.0, 3e-3)?;
//! plot_events(&ev, dir.path().join("raster.png"), &PlotOptions::default())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::atomic::AtomicFile;
use crate::error::{Error, Result};
use crate::timeseries::{Interp, TsContinuous, TsEvent};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use std::path::Path;
use std::sync::OnceLock;

/// Roboto Regular, subset to ASCII and a few symbols (Apache-2.0).
static FONT: &[u8] = include_bytes!("../fonts/Roboto-Regular-subset.ttf");

/// Options of [`plot_continuous`] and [`plot_events`].
#[derive(Clone, Debug, PartialEq)]
pub struct PlotOptions {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The title; the series' name when `None`.
    pub title: Option<String>,
    /// Draw a legend naming the channels (continuous series with at most 10 channels).
    pub legend: bool,
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions {
            width: 800,
            height: 400,
            title: None,
            legend: true,
        }
    }
}

/// Register the embedded font (Roboto Regular subset) for plotters' font families, once.
/// Call before drawing text with plotters' bitmap backend.
///
/// # Errors
/// When plotters refuses the font.
pub fn register_fonts() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        ["sans-serif", "serif", "monospace"]
            .iter()
            .all(|family| register_font(family, FontStyle::Normal, FONT).is_ok())
    });
    if ok {
        Ok(())
    } else {
        Err(
            littoral_core::Error::invalid("font", "the embedded font could not be registered")
                .into(),
        )
    }
}

fn draw_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::io(path, "draw", std::io::Error::other(e.to_string()))
}

/// Draw with `draw` into a PNG at a temporary path, then sync and rename it to `path`.
fn render_atomic(
    path: &Path,
    options: &PlotOptions,
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> std::result::Result<(), String>,
) -> Result<()> {
    if options.width < 100 || options.height < 80 {
        return Err(littoral_core::Error::invalid(
            "size",
            format!(
                "a plot needs at least 100 × 80 pixels, found {} × {}",
                options.width, options.height
            ),
        )
        .into());
    }
    register_fonts()?;
    let mut file = AtomicFile::create_with_suffix(path, ".png")?;
    file.write_via_path(|tmp| {
        let root = BitMapBackend::new(tmp, (options.width, options.height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw_error(path, e))?;
        draw(&root).map_err(|e| draw_error(path, e))?;
        root.present().map_err(|e| draw_error(path, e))
    })?;
    file.persist()
}

/// A chart with a caption and room for the axis labels.
fn chart<'a, 'b>(
    root: &'a DrawingArea<BitMapBackend<'b>, Shift>,
    title: &str,
    x: std::ops::Range<f64>,
    y: std::ops::Range<f64>,
) -> std::result::Result<
    ChartContext<
        'a,
        BitMapBackend<'b>,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    String,
> {
    ChartBuilder::on(root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x, y)
        .map_err(err)
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// A range with some room, never empty.
fn padded(lo: f64, hi: f64, pad: f64) -> (f64, f64) {
    if hi > lo {
        let d = (hi - lo) * pad;
        (lo - d, hi + d)
    } else {
        (lo - 1.0, hi + 1.0)
    }
}

/// Draw the traces of `ts` (one colour per channel) against time to a PNG at `path`.
/// Sample-and-hold series are drawn as steps held to `t_stop`, linear ones as lines.
///
/// # Errors
/// A plot smaller than 100 × 80 pixels, or [`Error::Io`] naming the file.
pub fn plot_continuous(
    ts: &TsContinuous,
    path: impl AsRef<Path>,
    options: &PlotOptions,
) -> Result<()> {
    let path = path.as_ref();
    let title = options
        .title
        .clone()
        .unwrap_or_else(|| ts.name().to_string());
    let c = ts.num_channels();
    let n = ts.len();
    let data = ts.samples().data();
    let (x0, x1) = if ts.t_stop() > ts.t_start() {
        (ts.t_start(), ts.t_stop())
    } else {
        padded(ts.t_start(), ts.t_stop(), 0.0)
    };
    let lo = data.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = data.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (y0, y1) = if lo.is_finite() {
        padded(lo, hi, 0.05)
    } else {
        (-1.0, 1.0)
    };
    render_atomic(path, options, |root| {
        let mut chart = chart(root, &title, x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc("time (s)")
            .y_desc("value")
            .light_line_style(RGBColor(238, 238, 238))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(err)?;
        for ch in 0..c {
            let color = Palette99::pick(ch).to_rgba();
            let mut points = Vec::with_capacity(2 * n);
            for i in 0..n {
                let (t, y) = (ts.times()[i], data[i * c + ch]);
                points.push((t, y));
                if ts.interp() == Interp::Previous {
                    let next = ts.times().get(i + 1).copied().unwrap_or(ts.t_stop());
                    points.push((next, y));
                }
            }
            let series = chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .map_err(err)?;
            if options.legend && c <= 10 {
                series.label(format!("ch {ch}")).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
            }
        }
        if options.legend && (1..=10).contains(&c) {
            chart
                .configure_series_labels()
                .label_font(("sans-serif", 14))
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .draw()
                .map_err(err)?;
        }
        Ok(())
    })
}

/// Draw the raster of `ts` (a tick per event; channels `0..num_channels` up the y axis,
/// time along x over `[t_start, t_stop]`) to a PNG at `path`. A periodic series is drawn
/// over one period.
///
/// # Errors
/// A plot smaller than 100 × 80 pixels, or [`Error::Io`] naming the file.
pub fn plot_events(ts: &TsEvent, path: impl AsRef<Path>, options: &PlotOptions) -> Result<()> {
    let path = path.as_ref();
    let title = options
        .title
        .clone()
        .unwrap_or_else(|| ts.name().to_string());
    let (x0, x1) = if ts.t_stop() > ts.t_start() {
        (ts.t_start(), ts.t_stop())
    } else {
        padded(ts.t_start(), ts.t_stop(), 0.0)
    };
    let channels = ts.num_channels().max(1);
    let (y0, y1) = (-0.5, channels as f64 - 0.5);
    render_atomic(path, options, |root| {
        let mut chart = chart(root, &title, x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc("time (s)")
            .y_desc("channel")
            .light_line_style(RGBColor(238, 238, 238))
            .y_labels(channels.min(20) + 1)
            .y_label_formatter(&channel_label)
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(err)?;
        // Tick half-height in channel units: 0.4 of a channel row for few channels, and
        // never under one pixel, so thousands of channels still show every event.
        let plot_px = f64::from(options.height.saturating_sub(100).max(1));
        let half = (0.4 * (20.0 / channels as f64).min(1.0)).max(channels as f64 / plot_px);
        chart
            .draw_series(ts.times().iter().zip(ts.channels()).map(|(&t, &ch)| {
                let y = ch as f64;
                PathElement::new(
                    vec![(t, y - half), (t, y + half)],
                    Palette99::pick(ch).to_rgba().stroke_width(2),
                )
            }))
            .map_err(err)?;
        Ok(())
    })
}

/// A y-axis label for channel rows: the channel number at whole numbers, nothing between.
pub fn channel_label(y: &f64) -> String {
    if (y - y.round()).abs() < 1e-6 && *y >= 0.0 {
        format!("{}", y.round())
    } else {
        String::new()
    }
}

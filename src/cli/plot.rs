//! PNG plots of a network's output (sample 0): a spike raster with the population rate
//! below it for spiking output, traces for continuous output.
//!
//! Traces are drawn by `littoral_functional::timeseries::plot`. The raster is drawn here with the
//! same tools (plotters' bitmap backend) and the same embedded font (Roboto Regular,
//! `functional/src/fonts/`, registered with ab_glyph), because `timeseries::plot`'s event raster
//! draws one tick per channel row and rows thinner than a pixel vanish; here every spike
//! is at least one pixel.

use littoral_core::Array;
use littoral_functional::timeseries::TsContinuous;
use littoral_functional::timeseries::plot::{
    PlotOptions, channel_label, plot_continuous, register_fonts,
};
use plotters::prelude::*;
use std::path::Path;

/// At most this many channels are drawn as traces.
pub const MAX_TRACES: usize = 10;

/// At most this many values (steps × drawn channels) are plotted: enough for any PNG
/// (a plot is a few thousand pixels wide), and a bound on the plotting time.
pub const MAX_PLOT_POINTS: u64 = 50_000_000;

/// Check, before any work, that a plot of `steps` steps of `channels` channels with time
/// step `dt` starting at step `start_step` can be drawn: `dt` positive and finite, a time
/// axis that is finite and resolvable (its end differs from its start, and a step is not
/// lost in the rounding of the axis values), and at most [`MAX_PLOT_POINTS`] values.
///
/// # Errors
/// A message naming `dt`, the axis or the count.
pub fn check_plot(dt: f64, start_step: u64, steps: usize, channels: usize) -> Result<(), String> {
    if !(dt.is_finite() && dt > 0.0) {
        return Err(format!(
            "cannot plot with dt = {dt:?}: dt must be positive and finite"
        ));
    }
    let t_start = start_step as f64 * dt;
    let t_end = t_start + steps as f64 * dt;
    // A step must stay visible against the axis' magnitude (and the axis must be finite
    // for the plotting library to place its ticks).
    let magnitude = t_start.abs().max(t_end.abs());
    if !t_end.is_finite() || dt < magnitude * 1e-12 || dt < f64::MIN_POSITIVE * 1e6 {
        return Err(format!(
            "cannot plot with dt = {dt:?} over {steps} step(s) from step {start_step}: the time \
             axis ({t_start:?} to {t_end:?} s) cannot be drawn"
        ));
    }
    let points = (steps as u64).saturating_mul(channels.clamp(1, MAX_TRACES) as u64);
    if points > MAX_PLOT_POINTS {
        return Err(format!(
            "cannot plot {steps} step(s) × {} channel(s): more than {MAX_PLOT_POINTS} values (the limit)",
            channels.min(MAX_TRACES)
        ));
    }
    Ok(())
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Draw sample 0 of `output` (`(B, T, N)`, time step `dt`, starting at step
/// `start_step`) to a PNG at `path` (whose name must end in `.png`): a raster when
/// `spiking`, else traces of the first [`MAX_TRACES`] channels.
///
/// # Errors
/// A message when the plot cannot be drawn or written.
pub fn plot_output(
    path: &Path,
    output: &Array,
    spiking: bool,
    dt: f64,
    start_step: u64,
    title: &str,
    size: (u32, u32),
) -> Result<(), String> {
    let (t, n) = match *output.shape() {
        [_, t, n] => (t, n),
        _ => return Err("the output is not (B, T, N)".into()),
    };
    let sample = &output.data()[..t * n];
    let t_start = start_step as f64 * dt;
    if spiking {
        let axes = Axes {
            path,
            dt,
            t_start,
            title,
            size,
        };
        raster(&axes, sample, t, n)
    } else {
        let c = n.min(MAX_TRACES);
        let mut data = Vec::with_capacity(t * c);
        for step in 0..t {
            data.extend_from_slice(&sample[step * n..step * n + c]);
        }
        let samples = Array::from_shape_vec(vec![t, c], data).map_err(err)?;
        let ts = TsContinuous::from_clocked(samples, dt, t_start).map_err(err)?;
        let title = if c < n {
            format!("{title} (channels 0-{} of {n})", c - 1)
        } else {
            title.to_string()
        };
        let options = PlotOptions {
            width: size.0,
            height: size.1,
            title: Some(title),
            legend: true,
        };
        plot_continuous(&ts, path, &options).map_err(err)
    }
}

/// Where and how a raster is drawn: the PNG's path and size in pixels, its title, and
/// the time of each step.
struct Axes<'a> {
    path: &'a Path,
    dt: f64,
    t_start: f64,
    title: &'a str,
    size: (u32, u32),
}

/// A raster of `sample` (`t` steps of `n` channels, row-major) with the population rate
/// below it.
fn raster(axes: &Axes<'_>, sample: &[f64], t: usize, n: usize) -> Result<(), String> {
    let &Axes {
        path,
        dt,
        t_start,
        title,
        size,
    } = axes;
    register_fonts().map_err(|e| e.to_string())?;
    let t_stop = t_start + t as f64 * dt;
    let x_range = if t_stop > t_start {
        t_start..t_stop
    } else {
        t_start..t_start + 1.0
    };
    // Population rate in bins of about 10 ms (at least one step).
    let bin = ((0.01 / dt).round() as usize).clamp(1, t.max(1));
    let rates: Vec<(f64, f64)> = (0..t.div_ceil(bin))
        .map(|b| {
            let (s, e) = (b * bin, ((b + 1) * bin).min(t));
            let count: f64 = sample[s * n..e * n].iter().sum();
            let width = (e - s) as f64 * dt;
            (
                t_start + (s as f64 + (e - s) as f64 / 2.0) * dt,
                count / (n.max(1) as f64 * width),
            )
        })
        .collect();
    let max_rate = rates.iter().map(|r| r.1).fold(0.0, f64::max);
    let root = BitMapBackend::new(path, size).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (top, bottom) = root.split_vertically((size.1 as f64 * 0.72) as u32);
    let mut chart = ChartBuilder::on(&top)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(30)
        .y_label_area_size(70)
        .build_cartesian_2d(x_range.clone(), -0.5..(n.max(1) as f64 - 0.5))
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .y_desc("neuron")
        .y_labels(n.min(10) + 1)
        .y_label_formatter(&channel_label)
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    let spikes = (0..t).flat_map(|step| {
        (0..n).filter_map(move |ch| {
            (sample[step * n + ch] > 0.0).then_some((t_start + step as f64 * dt, ch as f64))
        })
    });
    chart
        .draw_series(
            spikes.map(|(x, y)| Rectangle::new([(x, y - 0.4), (x + dt, y + 0.4)], BLACK.filled())),
        )
        .map_err(err)?;
    let mut pop = ChartBuilder::on(&bottom)
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(x_range, 0.0..(max_rate * 1.1).max(1.0))
        .map_err(err)?;
    pop.configure_mesh()
        .disable_mesh()
        .x_desc("time (s)")
        .y_desc("rate (Hz)")
        .y_labels(4)
        .y_label_formatter(&|y| format!("{y:.0}"))
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    pop.draw_series(LineSeries::new(rates, BLUE.stroke_width(2)))
        .map_err(err)?;
    root.present().map_err(err)
}

//! PNG plots of a network's output (sample 0): a spike raster for spiking output, traces
//! for continuous output. The drawing (plotters' bitmap backend, the embedded Roboto font
//! registered with ab_glyph) is `littoral_functional::ts_plot`'s.

use littoral_core::Array;
use littoral_core::timeseries::{TsContinuous, TsEvent};
use littoral_functional::ts_plot::{PlotOptions, plot_continuous, plot_events};
use std::path::Path;

/// At most this many channels are drawn as traces.
pub const MAX_TRACES: usize = 10;

/// Draw sample 0 of `output` (`(B, T, N)`, time step `dt`, starting at step
/// `start_step`) to a PNG at `path`: a raster when `spiking`, else traces of the first
/// [`MAX_TRACES`] channels.
///
/// # Errors
/// A message when the time series cannot be built or the file cannot be drawn.
pub fn plot_output(
    path: &Path,
    output: &Array,
    spiking: bool,
    dt: f64,
    start_step: u64,
    title: &str,
    size: (u32, u32),
) -> Result<(), String> {
    let shape = output.shape();
    let (t, n) = match *shape {
        [_, t, n] => (t, n),
        _ => return Err("the output is not (B, T, N)".into()),
    };
    let sample = &output.data()[..t * n];
    let t_start = start_step as f64 * dt;
    let options = PlotOptions {
        width: size.0,
        height: size.1,
        title: Some(title.to_string()),
        legend: !spiking,
    };
    if spiking {
        let mut times = Vec::new();
        let mut channels = Vec::new();
        for step in 0..t {
            for ch in 0..n {
                if sample[step * n + ch] > 0.0 {
                    times.push(t_start + step as f64 * dt);
                    channels.push(ch);
                }
            }
        }
        let ts = TsEvent::new(times, channels, t_start, t_start + t as f64 * dt)
            .map_err(|e| e.to_string())?
            .with_num_channels(n)
            .map_err(|e| e.to_string())?;
        plot_events(&ts, path, &options).map_err(|e| e.to_string())
    } else {
        let c = n.min(MAX_TRACES);
        let mut data = Vec::with_capacity(t * c);
        for step in 0..t {
            data.extend_from_slice(&sample[step * n..step * n + c]);
        }
        let samples = Array::from_shape_vec(vec![t, c], data).map_err(|e| e.to_string())?;
        let ts = TsContinuous::from_clocked(samples, dt, t_start).map_err(|e| e.to_string())?;
        plot_continuous(&ts, path, &options).map_err(|e| e.to_string())
    }
}

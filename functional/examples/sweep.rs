//! A `tau_mem × threshold` grid over a small spiking network, run in parallel, with a
//! progress line and a table of per-point spike rates. Point 4 is then re-run alone and
//! gives the same bits.
//!
//! ```text
//! cargo run --release -p littoral-functional --example sweep
//! ```

use littoral_core::{Array, Initialiser, ModuleExt};
use littoral_functional::sweep::run_point;
use littoral_functional::{Sweep, SweepOptions, run_sweep};
use littoral_nets::{Lif, Linear, Sequential};
use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Linear(2 → 16) → LIF(16, recurrent, noisy) → LIF(16).
    let net = Sequential::new()
        .append(Linear::new(2, 16).with_weight_init(Initialiser::Kaiming))?
        .append(
            Lif::new(16)
                .with_has_rec(true)
                .with_w_rec(Array::full(vec![16, 16], -0.002))?
                .with_noise_std(0.3)?,
        )?
        .append(Lif::new(16).with_threshold(20.0)?)?;
    let tree = net.init(7);

    // Four samples of 500 steps of a constant drive.
    let x = Array::full(vec![4, 500, 2], 0.003);

    let sweep = Sweep::grid()
        .axis("1_LIF.tau_mem", [0.005, 0.01, 0.02, 0.05])
        .axis("1_LIF.threshold", [0.8, 1.0, 1.5]);

    let progress = |done: usize, total: usize| {
        eprint!("\r{done}/{total} points");
        let _ = std::io::stderr().flush();
    };
    let opts = SweepOptions {
        base_seed: 2026,
        record: littoral_core::Recording::Everything, // summarise every layer, not only the output
        progress: Some(&progress),
        ..SweepOptions::default()
    };
    let results = run_sweep(&net, &tree, &tree, &x, &sweep, &opts)?;
    eprintln!();

    println!("point  tau_mem  threshold  layer-1 rate (Hz)  output rate (Hz)");
    for r in &results {
        let s = &r.summary;
        let value = |i: usize| s.overrides[i].1.as_f64().map_or(f64::NAN, |a| a.data()[0]);
        let rate = |path: &str| s.signal(path).and_then(|x| x.rate_hz).unwrap_or(f64::NAN);
        println!(
            "{:>5}  {:>7}  {:>9}  {:>17.1}  {:>16.1}",
            s.index,
            value(0),
            value(1),
            rate("1_LIF"),
            rate("output")
        );
    }

    // Any point re-run alone gives the bits it had in the sweep.
    let keep = SweepOptions {
        keep_outputs: true,
        progress: None,
        ..opts
    };
    let alone = run_point(&net, &tree, &tree, &x, &sweep, 4, &keep)?;
    let in_sweep = results[4].summary.signal("output").map(|s| s.sum);
    let again = alone.summary.signal("output").map(|s| s.sum);
    assert_eq!(in_sweep.map(f64::to_bits), again.map(f64::to_bits));
    println!(
        "point 4 re-run alone: {} output spikes, as in the sweep",
        again.unwrap_or(0.0)
    );
    Ok(())
}

//! Weights in and out as nalgebra matrices: build a `Linear → LIF` network from a
//! `DMatrix`, evolve it, and read the weights and the output back as nalgebra types.
//!
//! Run: `cargo run --release --example nalgebra_weights`

use littoral::nalgebra::{DMatrix, DVector};
use littoral::prelude::*;

fn main() -> Result<()> {
    let w = DMatrix::from_fn(2, 3, |i, j| 0.5 + 0.25 * (i + j) as f64);
    let net = Sequential::new()
        .append(Linear::new(2, 3).with_weight(w.clone())?)
        .append(
            Lif::new(3)
                .with_tau_mem(0.02)
                .with_threshold(DVector::from_vec(vec![0.5, 1.0, 1.5]))?,
        )?;
    let tree = net.init(0);
    let back = tree.array("0_Linear.weight")?.to_dmatrix()?;
    assert_eq!(back, w);
    let ev = net.evolve(&tree, &tree, &Array::full(vec![1, 20, 2], 0.1), false)?;
    // The output of sample 0 as a (T, N) matrix.
    let (t, n) = (ev.output.shape()[1], ev.output.shape()[2]);
    let spikes = DMatrix::from_row_slice(t, n, ev.output.data());
    println!(
        "weights:\n{back}spike counts per neuron: {}",
        spikes.row_sum()
    );
    Ok(())
}

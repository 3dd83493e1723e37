//! `Lif::evolve_batch` through the fast path when it applies, so any caller (the CLI's
//! `simulate` of a network file such as `examples/cuba.json`, Python, a sweep) gets it
//! without asking: one sample, no record, an input of `+0.0` only, and a module and tree
//! that [`Autonomous::new`] accepts. The result is the general path's to the bit (spikes,
//! state), which `nets/tests/autonomous.rs` tests.

use super::Autonomous;
use crate::Lif;
use littoral_core::{Array, ArrayView, Evolution, Leaf, Module, Record, Result, Tree, Value};

/// The state leaves the fast path writes back.
const STATE: [&str; 4] = ["spikes", "isyn", "vmem", "refractory_steps"];

/// `Some(evolution)` when the fast path applies, `None` to take the general path (which
/// also reports any invalid input).
///
/// # Errors
/// None in practice (shapes are checked before use).
pub(crate) fn evolve_if_autonomous(
    lif: &Lif,
    params: &Tree,
    state: &Tree,
    input: ArrayView<'_>,
    record: bool,
) -> Result<Option<Evolution>> {
    let &[1, t, width] = input.shape() else {
        return Ok(None);
    };
    if record || width != lif.size_in() || input.data().iter().any(|x| x.to_bits() != 0) {
        return Ok(None);
    }
    // The unbatched tree: the parameters with the sample's state.
    let leaves = state.leaves();
    let mut tree = params.clone();
    for (name, leaf) in &leaves {
        let Value::F64(a) = &leaf.value else {
            return Ok(None);
        };
        if !STATE.contains(&name.as_str()) || a.shape().first() != Some(&1) {
            return Ok(None);
        }
        let unbatched = Array::from_shape_vec(a.shape()[1..].to_vec(), a.data().to_vec())?;
        tree.insert_path(name, leaf.with_value(unbatched.into()));
    }
    let Ok(mut run) = Autonomous::new(lif, &tree) else {
        return Ok(None);
    };
    let n = run.n_neurons();
    let mut output = vec![0.0; t * n];
    for spike in run.run(t)? {
        output[spike.step as usize * n + spike.neuron as usize] = 1.0;
    }
    run.write_state(&mut tree)?;
    let mut new_state = Tree::new();
    for (name, leaf) in &leaves {
        let Some(Value::F64(a)) = tree.get(name).map(|l| &l.value) else {
            return Ok(None);
        };
        let mut shape = vec![1];
        shape.extend_from_slice(a.shape());
        let batched = Array::from_shape_vec(shape, a.data().to_vec())?;
        new_state.insert_path(name, Leaf::with_value(leaf, batched.into()));
    }
    Ok(Some(Evolution::new(
        Array::from_shape_vec(vec![1, t, n], output)?,
        new_state,
        Record::new(),
    )))
}

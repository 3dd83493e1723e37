//! Write your own module, as the seed page's `ffwd_net` does: a weight Parameter of family
//! "weights" plus a child `Rate` neuron module. Inspection, families, reset, records and
//! batching all work with no extra code.
//!
//! Run: `cargo run --release --example ffwd_net`

use littoral::nets::matmul::matmul_batched;
use littoral::prelude::*;

/// `x → x · w_ffwd → Rate neurons`.
#[derive(Debug)]
pub struct FfwdNet {
    shape: [usize; 2],
    attrs: Vec<Attribute>,
    neurons: Rate,
}

impl FfwdNet {
    /// A network of `n_in` inputs and `n_out` Rate neurons, weights zero.
    pub fn new(n_in: usize, n_out: usize) -> Self {
        FfwdNet {
            shape: [n_in, n_out],
            // Rockpool: self.w_ffwd = Parameter(shape=shape, family="weights", init_func=zeros)
            attrs: vec![Attribute::parameter(
                "w_ffwd",
                "weights",
                vec![vec![n_in, n_out]],
                Init::Random(Initialiser::Zeros),
            )],
            neurons: Rate::new(n_out),
        }
    }
}

impl Module for FfwdNet {
    fn class_name(&self) -> &str {
        "ffwd_net"
    }
    fn shape(&self) -> Vec<usize> {
        self.shape.to_vec()
    }
    fn attributes(&self) -> &[Attribute] {
        &self.attrs
    }
    fn children(&self) -> Vec<(&str, &dyn Module)> {
        vec![("neurons", &self.neurons)]
    }
    fn evolve_batch(
        &self,
        p: &Tree,
        s: &Tree,
        x: ArrayView<'_>,
        record: Recording,
    ) -> Result<Evolution> {
        let weighted = matmul_batched(x, p.array("w_ffwd")?)?;
        let neurons = evolve_child(&self.neurons, "neurons", p, s, weighted.view(), record)?;
        let ev = Evolution::nested("neurons", neurons);
        Ok(if record.everything() {
            ev.with_record("weighted_input", weighted)
        } else {
            ev
        })
    }
}

#[allow(dead_code)]
fn main() -> Result<()> {
    let mut net = Stateful::new(FfwdNet::new(4, 6), 0);
    println!("{}", net.repr());
    println!(
        "Module time constants: {:?}",
        net.parameters("taus")
            .leaves()
            .iter()
            .map(|(p, _)| p.clone())
            .collect::<Vec<_>>()
    );
    println!(
        "Module weights: {:?}",
        net.parameters("weights")
            .leaves()
            .iter()
            .map(|(p, _)| p.clone())
            .collect::<Vec<_>>()
    );
    net.set("w_ffwd", Array::full(vec![4, 6], 0.25))?;
    let x = Array::full(vec![2, 5, 4], 1.0); // (B, T, Nin)
    let (out, state, record) = net.call(&x, true)?;
    println!(
        "output shape {:?}; state x {:?}",
        out.shape(),
        state.array("neurons.x")?.shape()
    );
    println!(
        "record: {:?}",
        record
            .leaves()
            .iter()
            .map(|(p, a)| (p.clone(), a.shape().to_vec()))
            .collect::<Vec<_>>()
    );
    net.reset_state();
    Ok(())
}

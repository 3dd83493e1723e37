//! Shared pieces of NIR's zero-order-hold neurons (`docs/models.md` §2): checked time
//! constants and steps, decay factors, the CubaLIF coupling factor and the spike-and-reset.

use crate::view::{per_element, scalar};
use littoral_core::{Error, Real, Result, Tree};

/// `dt`, which must be positive (finiteness is checked before `evolve`).
///
/// # Errors
/// `dt <= 0`, naming `dt`.
pub(crate) fn time_step(params: &Tree) -> Result<f64> {
    let dt = scalar(params, "dt")?;
    if dt > 0.0 {
        Ok(dt)
    } else {
        Err(Error::invalid(
            "dt",
            format!("must be positive, found {dt}"),
        ))
    }
}

/// A time constant per neuron, each of which must be positive.
///
/// # Errors
/// A missing leaf, a wrong size, or a value `<= 0`, naming the parameter and the neuron.
pub(crate) fn time_constants(params: &Tree, name: &str, n: usize) -> Result<Vec<f64>> {
    let taus = per_element(params, name, n)?;
    match taus
        .iter()
        .enumerate()
        .find(|(_, t)| t.is_nan() || **t <= 0.0)
    {
        Some((j, t)) => Err(Error::invalid(
            name,
            format!("a time constant must be positive, found {t} (neuron {j})"),
        )),
        None => Ok(taus),
    }
}

/// `(a, 1 − a)` with `a = exp(−dt/τ)`; `1 − a` is `−expm1(−dt/τ)`.
pub(crate) fn decay(dt: f64, tau: f64) -> (f64, f64) {
    let h = dt / tau;
    ((-h).exp(), -(-h).exp_m1())
}

/// `φ(h) = (1 − e^{−h})/h`, `φ(0) = 1`, for `h ≥ 0`.
fn phi(h: f64) -> f64 {
    if h == 0.0 { 1.0 } else { -(-h).exp_m1() / h }
}

/// The coupling factor `g = τ_syn (a_s − a_m)/(τ_syn − τ_mem)` of a CubaLIF step, evaluated
/// without cancellation (its limit `(dt/τ) e^{−dt/τ}` when the time constants are equal).
pub(crate) fn coupling(dt: f64, tau_syn: f64, tau_mem: f64) -> f64 {
    let (mu, sigma) = (dt / tau_mem, dt / tau_syn);
    if mu >= sigma {
        mu * (-sigma).exp() * phi(mu - sigma)
    } else {
        mu * (-mu).exp() * phi(sigma - mu)
    }
}

/// `(v_threshold, v_reset)` per neuron in the compute type, for a spiking node (`None`
/// otherwise).
///
/// # Errors
/// A missing leaf or one of the wrong size.
pub(crate) fn spike_parameters<F: Real>(
    params: &Tree,
    n: usize,
    spiking: bool,
) -> Result<Option<(Vec<F>, Vec<F>)>> {
    if !spiking {
        return Ok(None);
    }
    let cast = |v: Vec<f64>| v.into_iter().map(F::of).collect();
    Ok(Some((
        cast(per_element(params, "v_threshold", n)?),
        cast(per_element(params, "v_reset", n)?),
    )))
}

/// A node's recorded signals are its State variables: widen each into its record row.
pub(crate) fn record_state<F: Real>(state: &[Vec<F>], out: &mut [&mut [f64]]) {
    for (src, dst) in state.iter().zip(out.iter_mut()) {
        F::widen_into(src, dst);
    }
}

/// NIR's spike rule on the new membrane value: spike when `v > v_threshold` (strict), then
/// `v = v_reset`. Returns the spike (0 or 1).
pub(crate) fn spike_and_reset<F: Real>(v: &mut F, threshold: F, reset: F) -> f64 {
    if *v > threshold {
        *v = reset;
        1.0
    } else {
        0.0
    }
}

/// The `with_precision` and `n_neurons` methods of a node with fields `precision` and `n`.
macro_rules! precision_and_size {
    () => {
        $crate::builder::precision_methods!(with_precision);

        /// Number of neurons.
        pub fn n_neurons(&self) -> usize {
            self.n
        }
    };
}
pub(crate) use precision_and_size;

#[cfg(test)]
mod tests {
    use super::coupling;

    /// The cancellation-free form agrees with the quotient where the quotient is accurate,
    /// and gives the limit at equal time constants.
    #[test]
    fn the_coupling_factor_matches_its_quotient_and_limit() {
        let dt: f64 = 1e-3;
        for (ts, tm) in [(0.005f64, 0.02f64), (0.02, 0.005), (0.01, 0.03)] {
            let quotient = ts * ((-dt / ts).exp() - (-dt / tm).exp()) / (ts - tm);
            assert!((coupling(dt, ts, tm) - quotient).abs() < 1e-15, "{ts} {tm}");
        }
        let tau = 0.02;
        let limit = dt / tau * (-dt / tau).exp();
        assert!((coupling(dt, tau, tau) - limit).abs() < 1e-18);
    }
}

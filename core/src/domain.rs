//! Parameter domains: the values an attribute may hold, declared on the attribute
//! ([`crate::Attribute::domain`]) and checked like its shape — when a value is set
//! ([`crate::Attribute::with_value`]), by `evolve`'s parameter check and when a snapshot
//! is restored ([`crate::validate::mismatches`]) — with errors naming the path.
//!
//! Attributes get the conventional domain of their name and family
//! ([`Domain::conventional`]): time constants (family `taus`) and `dt` positive and
//! finite, `max_spikes_per_dt` an integer ≥ 1, biases (family `bias`) finite and at most
//! [`MAX_BIAS`] in magnitude (so that their use cannot overflow), States and everything
//! else finite. A module declares a narrower one with [`crate::Attribute::with_domain`]
//! (LIF's `threshold` is positive).
//!
//! ```
//! use littoral_core::domain::Domain;
//! assert!(Domain::Positive.admits(1e-3));
//! assert!(!Domain::Positive.admits(-0.0));
//! assert!(!Domain::CountAtLeastOne.admits(0.5));
//! assert_eq!(Domain::conventional("tau_mem", Some("taus")), Domain::Positive);
//! ```

use std::fmt;

/// The largest bias magnitude accepted: a bias is added to a state and scaled by
/// `dt / tau`; at 1e150 neither the products nor the sums of such terms reach `f64`'s
/// 1.8e308, where an output would become infinite and then NaN.
pub const MAX_BIAS: f64 = 1e150;

/// The values an attribute may hold.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Domain {
    /// Any finite value.
    Finite,
    /// Finite and greater than zero (`-0.0` and `0.0` are refused): time constants,
    /// `dt`, spike thresholds.
    Positive,
    /// Finite with a magnitude of at most the bound.
    Bounded(f64),
    /// A whole number of at least one (`max_spikes_per_dt`).
    CountAtLeastOne,
}

impl Domain {
    /// Whether `v` lies in the domain.
    pub fn admits(self, v: f64) -> bool {
        v.is_finite()
            && match self {
                Domain::Finite => true,
                Domain::Positive => v > 0.0,
                Domain::Bounded(b) => v.abs() <= b,
                Domain::CountAtLeastOne => v >= 1.0 && v.fract() == 0.0,
            }
    }

    /// The first value of `data` outside the domain, with its flat index.
    pub fn first_outside(self, data: &[f64]) -> Option<(usize, f64)> {
        data.iter()
            .copied()
            .enumerate()
            .find(|&(_, v)| !self.admits(v))
    }

    /// The domain of an attribute by Rockpool's naming conventions: `dt` and time
    /// constants (family `taus`) [`Domain::Positive`], `max_spikes_per_dt`
    /// [`Domain::CountAtLeastOne`], biases (family `bias` or `biases`) [`Domain::Bounded`] by
    /// [`MAX_BIAS`], anything else [`Domain::Finite`].
    pub fn conventional(name: &str, family: Option<&str>) -> Domain {
        match (name, family) {
            ("dt", _) | (_, Some("taus")) => Domain::Positive,
            ("max_spikes_per_dt", _) => Domain::CountAtLeastOne,
            (_, Some("bias" | "biases")) => Domain::Bounded(MAX_BIAS),
            _ => Domain::Finite,
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Domain::Finite => write!(f, "a finite value"),
            Domain::Positive => write!(f, "a positive finite value"),
            Domain::Bounded(b) => write!(f, "a finite value of magnitude at most {b:e}"),
            Domain::CountAtLeastOne => write!(f, "a whole number of at least 1"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn domains_refuse_the_issue_11_values() {
        for v in [0.0, -0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(!Domain::Positive.admits(v), "{v}");
        }
        assert!(Domain::Positive.admits(5e-324));
        for v in [-1.0, 0.0, 0.5, f64::NAN] {
            assert!(!Domain::CountAtLeastOne.admits(v), "{v}");
        }
        assert!(Domain::CountAtLeastOne.admits(65536.0));
        assert!(!Domain::Bounded(MAX_BIAS).admits(-1e308));
        assert!(Domain::Bounded(MAX_BIAS).admits(-1e3));
        assert!(!Domain::Finite.admits(f64::NEG_INFINITY));
        assert_eq!(
            Domain::Finite.first_outside(&[1.0, f64::NAN]).map(|x| x.0),
            Some(1)
        );
    }
}

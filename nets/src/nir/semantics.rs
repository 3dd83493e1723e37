//! The `--semantics` options: how a NIR graph's neurons are discretised
//! (`docs/nir-semantics.md` §2).

use std::fmt;

use super::error::{NirError, Result};

/// How the neurons of a NIR graph are stepped.
///
/// ```
/// use littoral_nets::nir::Semantics;
/// assert_eq!(Semantics::from_name("norse")?, Semantics::Norse);
/// assert_eq!(Semantics::default().name(), "littoral");
/// # Ok::<(), littoral_nets::nir::NirError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Semantics {
    /// Exact zero-order hold of each step's input value (`docs/models.md` §2).
    #[default]
    Littoral,
    /// As `Littoral`, with every neuron's input divided by `dt` (spikes as Dirac pulses of
    /// integral 1, the NIR paper's reading).
    Dirac,
    /// What Rockpool 3.1.0's `from_nir` builds (jump input, `dt = min(τ/(1+r))`,
    /// multi-spike subtractive reset).
    Rockpool,
    /// What snnTorch 1.0.0's `import_from_nir` builds (forward Euler at its hard-coded
    /// `dt = 1e-4`, scaled membrane, reset to zero).
    Snntorch,
    /// What Norse 1.1.0's `from_nir(graph, dt)` builds (forward Euler with the run's `dt`,
    /// `r` of LIF and IF ignored, reset to zero, states starting at `v_leak`).
    Norse,
}

impl Semantics {
    /// Every option, in the order of the documentation.
    pub const ALL: [Semantics; 5] = [
        Semantics::Littoral,
        Semantics::Dirac,
        Semantics::Rockpool,
        Semantics::Snntorch,
        Semantics::Norse,
    ];

    /// The option's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Semantics::Littoral => "littoral",
            Semantics::Dirac => "dirac",
            Semantics::Rockpool => "rockpool",
            Semantics::Snntorch => "snntorch",
            Semantics::Norse => "norse",
        }
    }

    /// Parse a name (`littoral`, `dirac`, `rockpool`, `snntorch`, `norse`).
    ///
    /// # Errors
    /// An unknown name, listing the known ones.
    pub fn from_name(name: &str) -> Result<Semantics> {
        Semantics::ALL
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                NirError::at(
                    "semantics",
                    format!(
                        "unknown semantics {name:?}, expected one of littoral, dirac, rockpool, snntorch, norse"
                    ),
                )
            })
    }

    /// Whether the neurons are Littoral's exact zero-order-hold modules (`littoral` and
    /// `dirac`).
    pub fn is_exact(self) -> bool {
        matches!(self, Semantics::Littoral | Semantics::Dirac)
    }
}

impl fmt::Display for Semantics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

//! A sweep prepared once and run in parts chosen as it goes: for drivers that hand out
//! points dynamically (MPI ranks asking a dispatcher for work, a task queue), where
//! [`crate::sweep_points::run_sweep_points`] would redo the shared work for every part.
//!
//! [`PreparedSweep::new`] validates the axes and evaluates, once, the head of a chain that
//! no point changes (see [`crate::sweep_points`]); [`PreparedSweep::run`] then evolves any
//! list of points, each bit for bit the row [`crate::sweep::run_sweep`] gives for it.
//! [`PreparedSweep::with_head`] lets the driver evaluate that head itself, by samples
//! split over processes ([`SharedHead::evolve_samples`]).
//!
//! ```
//! use littoral_core::{Array, ModuleExt};
//! use littoral_functional::sweep::{run_sweep, Sweep, SweepOptions};
//! use littoral_functional::sweep_prepared::PreparedSweep;
//! use littoral_nets::{Linear, Lif, Sequential};
//! let net = Sequential::new().append(Linear::new(2, 3))?.append(Lif::new(3))?;
//! let tree = net.init(0);
//! let sweep = Sweep::grid().axis("1_LIF.tau_mem", [0.01, 0.02, 0.05, 0.1]);
//! let x = Array::full(vec![1, 50, 2], 0.5);
//! let opts = SweepOptions::default();
//! let prepared = PreparedSweep::new(&net, &tree, &tree, &x, &sweep, &opts)?;
//! let mut rows = prepared.run(&[3, 1], None)?;           // one part…
//! rows.extend(prepared.run(&[0, 2], None)?);             // …then another
//! let full = run_sweep(&net, &tree, &tree, &x, &sweep, &opts)?;
//! assert_eq!(rows[0].summary.signals, full[3].summary.signals);
//! assert_eq!(rows[3].summary.signals, full[2].summary.signals);
//! # Ok::<(), littoral_functional::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::sweep::{PointResult, Sweep, SweepOptions, evolve_options, evolve_point, streams};
use crate::sweep_points::{PointSink, Points};
pub use crate::sweep_prefix::SharedHead;
use crate::sweep_prefix::SharedPrefix;
use littoral_core::{Array, Module, Tree};

/// A sweep whose shared work is done, ready to run any points.
///
/// Runs in the caller's rayon pool: [`SweepOptions::threads`] and
/// [`SweepOptions::progress`] are not used (wrap the driver's loop in
/// [`crate::par::in_pool`] for a local pool).
pub struct PreparedSweep<'a> {
    module: &'a dyn Module,
    params: &'a Tree,
    state: &'a Tree,
    input: &'a Array,
    sweep: &'a Sweep,
    opts: &'a SweepOptions<'a>,
    shared: Option<SharedPrefix>,
}

impl std::fmt::Debug for PreparedSweep<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedSweep")
            .field("opts", self.opts)
            .field("shared_prefix", &self.shared.is_some())
            .finish_non_exhaustive()
    }
}

impl<'a> PreparedSweep<'a> {
    /// Validate `sweep` and evaluate the shared head of the chain (in the current pool).
    ///
    /// # Errors
    /// As [`crate::sweep::run_sweep`]: validation errors, evolution errors of the head.
    pub fn new(
        module: &'a dyn Module,
        params: &'a Tree,
        state: &'a Tree,
        input: &'a Array,
        sweep: &'a Sweep,
        opts: &'a SweepOptions<'a>,
    ) -> Result<Self> {
        Self::with_head(module, params, state, input, sweep, opts, |head| {
            head.map(|h| h.evolve_samples(0..h.batch()).map(|whole| vec![whole]))
                .transpose()
        })
    }

    /// As [`PreparedSweep::new`], with the shared head's output from `head`: called once
    /// when the axes are valid, with the head every point shares (`None` when nothing is
    /// shared), it returns the head's output for the whole batch, as parts of consecutive
    /// samples in sample order — one part evaluated here, or parts evaluated by samples
    /// on several processes ([`SharedHead::evolve_samples`]) and exchanged. The parts are
    /// used as they are, never joined into fresh memory for a streamed point.
    ///
    /// # Errors
    /// As [`PreparedSweep::new`]; `head`'s error; no output, or parts that are not the
    /// batch's samples, for a shared head.
    pub fn with_head(
        module: &'a dyn Module,
        params: &'a Tree,
        state: &'a Tree,
        input: &'a Array,
        sweep: &'a Sweep,
        opts: &'a SweepOptions<'a>,
        head: impl FnOnce(Option<&SharedHead<'a>>) -> Result<Option<Vec<Array>>>,
    ) -> Result<Self> {
        sweep.validate(module, params)?;
        let found = SharedHead::find(module, params, sweep, input, &evolve_options(opts));
        let output = head(found.as_ref())?;
        let shared = match (found, output) {
            (None, _) => None,
            (Some(h), Some(output)) => Some(h.finish(output)?),
            (Some(_), None) => {
                return Err(Error::Sweep(
                    "no output given for the shared head of the sweep".into(),
                ));
            }
        };
        Ok(PreparedSweep {
            module,
            params,
            state,
            input,
            sweep,
            opts,
            shared,
        })
    }

    /// Number of points of the whole sweep.
    ///
    /// # Errors
    /// Axes of different lengths in a zip.
    pub fn len(&self) -> Result<usize> {
        self.sweep.len()
    }

    /// Whether the sweep has no point.
    ///
    /// # Errors
    /// As [`PreparedSweep::len`].
    pub fn is_empty(&self) -> Result<bool> {
        self.sweep.is_empty()
    }

    /// Evolve `points` (in parallel, in the current pool), hand each result to `sink` as
    /// it completes, and return them in the order of `points`.
    ///
    /// # Errors
    /// A point out of range or listed twice; evolution errors; the first error of `sink`.
    pub fn run(&self, points: &[usize], sink: Option<&dyn PointSink>) -> Result<Vec<PointResult>> {
        let selected = Points::List(points.to_vec()).select(self.sweep.len()?)?;
        let stream = streams(self.opts, selected.len());
        crate::sweep::sweep_map_points(
            self.module,
            self.params,
            self.state,
            self.sweep,
            &selected,
            self.opts.base_seed,
            None,
            None,
            |k, p, s, overrides| {
                let r = evolve_point(
                    self.module,
                    p,
                    s,
                    self.input,
                    k,
                    overrides,
                    self.opts,
                    self.shared.as_ref(),
                    stream,
                )?;
                if let Some(sink) = sink {
                    sink.accept(&r)?;
                }
                Ok(r)
            },
        )
    }
}

//! The builder methods of [`Lif`](crate::Lif) and [`Linear`](crate::Linear) on the `Result`
//! of a fallible setter (see [`crate::prelude`]). They sit here, not beside their modules,
//! only because `lif.rs` and `linear.rs` were being changed in parallel when this was
//! written; each list belongs at the end of its module's file.

use crate::builder::result_setters;
use crate::{Lif, Linear};
use littoral_core::{InitValue, Initialiser, Precision};

result_setters! {
    /// [`Lif`]'s builder methods on `Result<Lif>`.
    LifSetters for Lif {
        fn with(name: &str, v: InitValue) -> Result;
        fn with_tau_mem(v: impl Into<InitValue>) -> Result;
        fn with_tau_syn(v: impl Into<InitValue>) -> Result;
        fn with_bias(v: impl Into<InitValue>) -> Result;
        fn with_threshold(v: impl Into<InitValue>) -> Result;
        fn with_dt(v: impl Into<InitValue>) -> Result;
        fn with_noise_std(v: impl Into<InitValue>) -> Result;
        fn with_max_spikes_per_dt(v: impl Into<InitValue>) -> Result;
        fn with_w_rec(v: impl Into<InitValue>) -> Result;
        fn with_weight_init(init: Initialiser) -> Result;
        fn with_has_rec(has_rec: bool);
        fn with_spiking_input(spiking: bool);
        fn with_precision(precision: Precision);
    }
}

result_setters! {
    /// [`Linear`]'s builder methods on `Result<Linear>`.
    LinearSetters for Linear {
        fn with(name: &str, v: InitValue) -> Result;
        fn with_weight(v: impl Into<InitValue>) -> Result;
        fn with_bias(v: impl Into<InitValue>) -> Result;
        fn with_has_bias(has_bias: bool);
        fn with_weight_init(init: Initialiser);
        fn with_bias_init(init: Initialiser);
        fn with_precision(precision: Precision);
    }
}

//! The built-in module classes, for the network file format and snapshots.

use littoral_core::registry::Registry;

/// A registry of every built-in class: `LIF`, `Rate`, `Linear`, `ExpSyn`, `Instant`,
/// `Sequential`, `Residual`, `FFwdStack`, `ALIF`, `SparseLinear`, NIR's neurons
/// `CubaLI`, `CubaLIF`, `LI`, `Integrator`, `IF`, `NirLIF`, and NIR's layers
/// `Threshold`, `Scale`, `Delay`. Add your own with [`Registry::with`]:
///
/// ```
/// use littoral_core::TreeExt;
/// let registry = littoral_nets::registry();   // .with(MyNeuron::CLASS) for your own
/// let lif = registry.read_json_str(r#"{"class": "LIF", "shape": [2]}"#)?;
/// assert_eq!(lif.class_name(), "LIF");
/// # Ok::<(), littoral_core::Error>(())
/// ```
pub fn registry() -> Registry {
    Registry::new()
        .with(crate::Lif::CLASS)
        .with(crate::Rate::CLASS)
        .with(crate::Linear::CLASS)
        .with(crate::ExpSyn::CLASS)
        .with(crate::Instant::CLASS)
        .with(crate::Sequential::CLASS)
        .with(crate::Residual::CLASS)
        .with(crate::FFwdStack::CLASS)
        .with(crate::Cuba::LI_CLASS)
        .with(crate::Cuba::LIF_CLASS)
        .with(crate::Membrane::LI_CLASS)
        .with(crate::Membrane::INTEGRATOR_CLASS)
        .with(crate::Membrane::IF_CLASS)
        .with(crate::Membrane::NIR_LIF_CLASS)
        .with(crate::Threshold::CLASS)
        .with(crate::Scale::CLASS)
        .with(crate::Delay::CLASS)
        .with(crate::Alif::CLASS)
        .with(crate::SparseLinear::CLASS)
}

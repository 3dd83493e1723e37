//! Shared pieces of the module builders.

use littoral_core::{Attribute, Error, Init, InitValue, Result};

/// A per-element Parameter of a population of `n`: shapes `(n,)` or `()`, every element
/// `default` unless set.
pub fn per_element_parameter(name: &str, family: &str, n: usize, default: f64) -> Attribute {
    Attribute::parameter(name, family, vec![vec![n], vec![]], Init::Fill(default))
}

/// Replace the attribute `name` in `attrs` with a builder value, applying Rockpool's
/// shape rules.
///
/// # Errors
/// An unknown name, or a value of a shape the attribute does not permit.
pub fn replace_attribute(attrs: &mut [Attribute], name: &str, v: InitValue) -> Result<()> {
    let slot = attrs
        .iter_mut()
        .find(|a| a.name == name)
        .ok_or_else(|| Error::UnknownPath {
            path: name.to_string(),
        })?;
    *slot = slot.clone().with_value(v)?;
    Ok(())
}

/// Rockpool's rule: recurrent weights need `has_rec`.
///
/// # Errors
/// When `has_rec` is false.
pub fn require_has_rec(has_rec: bool, name: &str) -> Result<()> {
    if has_rec {
        Ok(())
    } else {
        Err(Error::invalid(
            name,
            "`w_rec` may not be provided if `has_rec` is `False`",
        ))
    }
}

/// A module builder's `with(name, value)` (any attribute by name, on the `attrs` field)
/// and methods that each set one attribute through it, with Rockpool's shape rules. Each
/// entry is `doc comments, method => "attribute";`. A module that writes its own `with`
/// (to update structure that depends on values) starts the list with `@methods`.
macro_rules! attribute_setters {
    (@methods $($(#[doc = $doc:literal])* $method:ident => $name:literal;)*) => {
        $(
            $(#[doc = $doc])*
            ///
            /// # Errors
            /// A shape the attribute does not permit, or a non-finite value.
            pub fn $method(
                self,
                v: impl Into<littoral_core::InitValue>,
            ) -> littoral_core::Result<Self> {
                self.with($name, v.into())
            }
        )*
    };
    ($($(#[doc = $doc:literal])* $method:ident => $name:literal;)*) => {
        /// Any attribute by name.
        ///
        /// # Errors
        /// An unknown name, a shape the attribute does not permit, or a non-finite value.
        pub fn with(
            mut self,
            name: &str,
            v: littoral_core::InitValue,
        ) -> littoral_core::Result<Self> {
            $crate::builder::replace_attribute(&mut self.attrs, name, v)?;
            Ok(self)
        }
        $crate::builder::attribute_setters! { @methods $($(#[doc = $doc])* $method => $name;)* }
    };
}
pub(crate) use attribute_setters;

/// An extension trait that puts a module's builder methods on the `Result` a fallible
/// setter returns, so a chain needs one `?` at its end:
/// `Lif::new(3).with_tau_mem(0.02).with_threshold(1.0)?`. The error of the first
/// setter that fails is kept. Each entry is `fn method(args);` for a setter that returns
/// `Self`, or `fn method(args) -> Result;` for one that returns `Result<Self>`.
macro_rules! result_setters {
    ($(#[doc = $tdoc:literal])* $trait:ident for $ty:ident {
        $(fn $method:ident($($arg:ident: $argty:ty),*) $(-> $fallible:ident)?;)*
    }) => {
        $(#[doc = $tdoc])*
        pub trait $trait: Sized {
            $(
                #[doc = concat!("[`", stringify!($ty), "::", stringify!($method),
                    "`] on the result of the setters before it.")]
                ///
                /// # Errors
                /// The error of an earlier setter, or this one's.
                fn $method(self, $($arg: $argty),*) -> littoral_core::Result<$ty>;
            )*
        }
        impl $trait for littoral_core::Result<$ty> {
            $(
                fn $method(self, $($arg: $argty),*) -> littoral_core::Result<$ty> {
                    $crate::builder::result_setters!(@call self, $method, ($($arg),*) $(, $fallible)?)
                }
            )*
        }
    };
    (@call $r:ident, $method:ident, ($($arg:ident),*), Result) => {
        $r.and_then(|m| m.$method($($arg),*))
    };
    (@call $r:ident, $method:ident, ($($arg:ident),*)) => {
        $r.map(|m| m.$method($($arg),*))
    };
}
pub(crate) use result_setters;

/// A builder's `with_precision` on its `precision` field; `with_precision, precision`
/// adds the getter.
macro_rules! precision_methods {
    (with_precision) => {
        /// Compute in `f64` (the default, Rockpool's numpy numbers) or `f32` (Rockpool's
        /// Jax numbers; see [`Precision`](littoral_core::Precision)). Written to the network
        /// file as the option `"precision": "f32"`.
        #[must_use]
        pub fn with_precision(mut self, precision: littoral_core::Precision) -> Self {
            self.precision = precision;
            self
        }
    };
    (with_precision, precision) => {
        $crate::builder::precision_methods!(with_precision);

        /// The compute precision.
        pub fn precision(&self) -> littoral_core::Precision {
            self.precision
        }
    };
}
pub(crate) use precision_methods;

/// `Module::evolve_batch` of a module on the neuron scaffold: one call to
/// [`crate::neuron::evolve`]; and `Module::evolve_batch_owned`, [`crate::neuron::evolve_owned`]
/// (for a model that keeps the default `NeuronModel::evolve_sample`).
macro_rules! evolve_on_scaffold {
    () => {
        fn evolve_batch(
            &self,
            params: &littoral_core::Tree,
            state: &littoral_core::Tree,
            input: littoral_core::ArrayView<'_>,
            record: littoral_core::Recording,
        ) -> littoral_core::Result<littoral_core::Evolution> {
            $crate::neuron::evolve(self, params, state, input, record)
        }

        fn evolve_batch_owned(
            &self,
            params: &littoral_core::Tree,
            state: &littoral_core::Tree,
            input: littoral_core::Array,
            record: littoral_core::Recording,
        ) -> littoral_core::Result<littoral_core::Evolution> {
            $crate::neuron::evolve_owned(self, params, state, input, record)
        }
    };
}
pub(crate) use evolve_on_scaffold;

/// The `Module` methods of a population of `self.n` elements on the neuron scaffold whose
/// only option is `self.precision`: `shape` `[n]`, `attributes` (`self.attrs`), `options`
/// and [`evolve_on_scaffold!`]'s `evolve_batch`.
macro_rules! population_methods {
    () => {
        fn shape(&self) -> Vec<usize> {
            vec![self.n]
        }

        fn attributes(&self) -> &[littoral_core::Attribute] {
            &self.attrs
        }

        fn options(&self) -> Vec<(&'static str, littoral_core::OptionValue<'_>)> {
            self.precision.option().into_iter().collect()
        }

        $crate::builder::evolve_on_scaffold!();
    };
}
pub(crate) use population_methods;

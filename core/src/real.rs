//! The float types numeric kernels are generic over (`f64` by default, `f32` for the fast
//! path), and [`Precision`], which selects one per module.

use num_traits::{Float, FromPrimitive, ToPrimitive};
use std::borrow::Cow;
use std::fmt::Debug;
use std::iter::Sum;
use std::ops::{AddAssign, MulAssign, SubAssign};

/// A float a kernel can compute in.
pub trait Real:
    Float
    + FromPrimitive
    + ToPrimitive
    + AddAssign
    + SubAssign
    + MulAssign
    + Sum
    + Debug
    + Send
    + Sync
    + 'static
{
    /// Convert from `f64` (rounding for `f32`).
    fn of(v: f64) -> Self;
    /// Convert to `f64`.
    fn to64(self) -> f64;
    /// A slice of `f64` in this type: borrowed for `f64`, converted for `f32`.
    fn cast_slice(v: &[f64]) -> Cow<'_, [Self]>;
    /// Write `src` into `dst` as `f64` (a plain copy for `f64`).
    fn widen_into(src: &[Self], dst: &mut [f64]);
}

impl Real for f64 {
    #[inline(always)]
    fn of(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn to64(self) -> f64 {
        self
    }
    fn cast_slice(v: &[f64]) -> Cow<'_, [Self]> {
        Cow::Borrowed(v)
    }
    #[inline]
    fn widen_into(src: &[Self], dst: &mut [f64]) {
        dst.copy_from_slice(src);
    }
}

impl Real for f32 {
    #[inline(always)]
    fn of(v: f64) -> Self {
        v as f32
    }
    #[inline(always)]
    fn to64(self) -> f64 {
        f64::from(self)
    }
    fn cast_slice(v: &[f64]) -> Cow<'_, [Self]> {
        Cow::Owned(v.iter().map(|&x| x as f32).collect())
    }
    #[inline]
    fn widen_into(src: &[Self], dst: &mut [f64]) {
        for (d, &s) in dst.iter_mut().zip(src) {
            *d = f64::from(s);
        }
    }
}

/// The float type a module computes in. Trees, inputs and outputs stay `f64` either way:
/// with [`Precision::F32`] parameters and state are rounded to `f32` when an `evolve`
/// call starts, every step is computed in `f32` (as Rockpool's Jax modules do), and
/// results are widened back to `f64`.
///
/// ```
/// use littoral_core::real::Precision;
/// assert_eq!(Precision::default(), Precision::F64);
/// assert_eq!(Precision::from_name("f32")?, Precision::F32);
/// assert_eq!(Precision::F32.name(), "f32");
/// # Ok::<(), littoral_core::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Precision {
    /// Double precision, Rockpool's numpy numbers (the default).
    #[default]
    F64,
    /// Single precision, Rockpool's Jax numbers; faster where compute, not memory,
    /// bounds the work.
    F32,
}

impl Precision {
    /// `"f64"` or `"f32"` (the network file format's option value).
    pub fn name(self) -> &'static str {
        match self {
            Precision::F64 => "f64",
            Precision::F32 => "f32",
        }
    }

    /// The network-file option that selects this precision, for a module's `options()`:
    /// none for the default `f64`, `("precision", "f32")` otherwise.
    pub fn option(self) -> Option<(&'static str, crate::OptionValue<'static>)> {
        (self != Precision::F64).then(|| ("precision", crate::OptionValue::Str(self.name().into())))
    }

    /// Parse `"f64"`/`"float64"` or `"f32"`/`"float32"`.
    ///
    /// # Errors
    /// [`crate::Error::Invalid`] at path `precision` for any other name.
    pub fn from_name(name: &str) -> crate::Result<Self> {
        match name {
            "f64" | "float64" => Ok(Precision::F64),
            "f32" | "float32" => Ok(Precision::F32),
            other => Err(crate::Error::invalid(
                "precision",
                format!("unknown precision '{other}' (known: f64, f32)"),
            )),
        }
    }
}

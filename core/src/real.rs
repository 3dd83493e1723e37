//! The float types numeric kernels are generic over (`f64` now, `f32` for the fast path).

use num_traits::{Float, FromPrimitive, ToPrimitive};
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
}

impl Real for f64 {
    fn of(v: f64) -> Self {
        v
    }
    fn to64(self) -> f64 {
        self
    }
}

impl Real for f32 {
    fn of(v: f64) -> Self {
        v as f32
    }
    fn to64(self) -> f64 {
        f64::from(self)
    }
}

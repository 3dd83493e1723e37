//! Every `unsafe` block of `littoral-nets`, and the only place allowed to hold one
//! (`unsafe_code = "deny"` everywhere else in the workspace; issue 10): five blocks, each
//! with its SAFETY argument, each behind a safe API whose tests compare it with safe code
//! (the prefetch, a hint, changes no value: every kernel test runs through it).
//!
//! - [`task_zeroed`]: output buffers left uninitialised until the task that fills a part
//!   zeroes it, or made from the thread's spare (an earlier output, every element written)
//!   and handed to a kernel that overwrites every element as they are (three blocks;
//!   proptests against zeroed buffers, bit for bit, fresh and from a spare).
//! - [`dgemm`]: matrixmultiply's `dgemm` called on checked slices (one block; the crate
//!   offers no safe entry point, and nalgebra's `gemm`, which calls it, takes another
//!   summation for any dimension of 5 or less, so the bits would depend on the batch
//!   split). Its unit tests: each row's bits whatever the number of rows, and a plain
//!   triple loop within the classical error bound.
//! - [`prefetch`]: the first lines of every page of a block of input asked of the memory
//!   before a pass reads the block in order (one block: the prefetch instruction; a hint
//!   that never faults; nothing on other architectures and under Miri).
#![allow(unsafe_code)]

pub(crate) mod dgemm;
pub(crate) mod prefetch;
pub(crate) mod task_zeroed;

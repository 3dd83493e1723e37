//! The non-finite input check of one `evolve` call, made once and, where possible, inside
//! the pass that reads the input anyway.
//!
//! [`ModuleExt::evolve_with`](crate::ModuleExt::evolve_with) rejects NaN and infinite
//! input. A separate scan of the input costs a whole extra stream over memory, as much as
//! the kernel itself on memory-bound workloads (W1: read the input, write the output). So
//! the call *offers* its check ([`evolve_checked`]): a kernel that streams every element of
//! that very input (LIF's kernel, the fused `Linear → LIF` pass, `Linear`'s product) may
//! [`claim`] it on the calling thread before it fans out, and then tests each block it
//! reads while the block is in cache ([`InputCheck::scan`]). When nobody claims the offer, or the claimer scanned
//! another number of elements than the input holds, the call scans the input itself.
//! Either way every element is checked; the error, naming the first non-finite element,
//! is the same.
//!
//! The offer is matched by address and length, so only a kernel handed the call's own
//! input array can claim it, and only the innermost call's offer on this thread is open.
//! `evolve` is pure, so checking during the evolution and discarding its result when the
//! input is rejected is the same as checking before (modules must cope with non-finite
//! values anyway: `EvolveOptions::allow_non_finite_input` lets them through).

use crate::array::Array;
use crate::array_view::ArrayView;
use crate::error::{Error, Result};
use crate::module::Evolution;
use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// A claimed check: whoever holds it tests every element of the input with
/// [`InputCheck::scan`]. Cheap to clone and to share between threads. The elements
/// scanned are counted: a claimer that scanned fewer (or more) than the whole input is
/// not trusted, and the input is scanned again.
#[derive(Clone, Debug, Default)]
pub struct InputCheck(Arc<Tally>);

/// What the scans of one claimed check saw.
#[derive(Debug, Default)]
struct Tally {
    /// The address of the input's first element: a scanned block's elements are named by
    /// their flat index in the input (`(address − base) / 8`).
    base: usize,
    found: AtomicBool,
    scanned: AtomicUsize,
    /// The non-finite element of lowest index seen, and its value.
    first: Mutex<Option<(usize, f64)>>,
}

impl InputCheck {
    /// A check of the input whose first element is at `base`.
    fn at(base: usize) -> Self {
        InputCheck(Arc::new(Tally {
            base,
            ..Tally::default()
        }))
    }

    /// Test `block` (a part of the input) and remember a NaN or infinity in it.
    #[inline(always)]
    pub fn scan(&self, block: &[f64]) {
        self.0.scanned.fetch_add(block.len(), Ordering::Relaxed);
        if has_non_finite(block) {
            self.note(block);
        }
    }

    /// Remember the first non-finite element of `block` (a part of the input) if it comes
    /// before every one seen so far: the input may be overwritten after its scan (an
    /// evolution in place), so the error is named from what the scans saw.
    #[cold]
    fn note(&self, block: &[f64]) {
        self.0.found.store(true, Ordering::Relaxed);
        if let Some(i) = block.iter().position(|v| !v.is_finite()) {
            let offset = (block.as_ptr() as usize).wrapping_sub(self.0.base);
            let index = offset / std::mem::size_of::<f64>() + i;
            let mut first = self.0.first.lock().unwrap_or_else(PoisonError::into_inner);
            if first.is_none_or(|(j, _)| index < j) {
                *first = Some((index, block[i]));
            }
        }
    }

    /// Whether a scanned block held a NaN or an infinity.
    pub fn found(&self) -> bool {
        self.0.found.load(Ordering::Relaxed)
    }

    /// The first non-finite element scanned (flat index in the input, value).
    fn first(&self) -> Option<(usize, f64)> {
        *self.0.first.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Elements scanned so far.
    fn scanned(&self) -> usize {
        self.0.scanned.load(Ordering::Relaxed)
    }
}

/// Whether `data` holds a NaN or an infinity: a branch-free scan (the exponent bits all
/// ones), vectorised by the compiler.
#[inline(always)]
pub fn has_non_finite(data: &[f64]) -> bool {
    const EXP: u64 = 0x7FF0_0000_0000_0000;
    data.iter()
        .fold(0u64, |acc, v| acc | u64::from(v.to_bits() & EXP == EXP))
        != 0
}

/// An open offer: the input's address and length, and the check once claimed.
struct Offer {
    addr: usize,
    len: usize,
    claimed: Option<InputCheck>,
}

thread_local! {
    /// The offers of the `evolve` calls running on this thread, innermost last.
    static OFFERS: RefCell<Vec<Offer>> = const { RefCell::new(Vec::new()) };
}

/// Claim the check of the innermost `evolve` call on this thread if its input is `data`
/// (same address and length) and nobody claimed it yet. The caller must then pass every
/// element of `data` through [`InputCheck::scan`] before it returns.
pub fn claim(data: &[f64]) -> Option<InputCheck> {
    OFFERS.with(|offers| {
        let mut offers = offers.borrow_mut();
        let top = offers.last_mut()?;
        if top.addr != data.as_ptr() as usize || top.len != data.len() || top.claimed.is_some() {
            return None;
        }
        let check = InputCheck::at(top.addr);
        top.claimed = Some(check.clone());
        Some(check)
    })
}

/// Run `evolve` (the evolution of `input`, already batched) with the input checked once:
/// the check is offered to its kernels, and the input scanned when none claimed it.
///
/// # Errors
/// [`Error::NonFinite`] at path `input` naming the first NaN or infinite element (flat
/// index), whatever `evolve` returned; else `evolve`'s own result.
pub fn evolve_checked(
    input: ArrayView<'_>,
    evolve: impl FnOnce() -> Result<Evolution>,
) -> Result<Evolution> {
    let data = input.data();
    let (evolution, claimed) = offered(data.as_ptr() as usize, data.len(), evolve);
    match claimed.as_ref().map(InputCheck::found) {
        Some(false) => evolution,
        Some(true) | None => match non_finite_input(input) {
            Some(e) => Err(e),
            None => evolution,
        },
    }
}

/// [`evolve_checked`] for an evolution that takes the input (already batched) and may
/// write its output into the input's own buffer ([`crate::Module::evolve_batch_owned`]):
/// the input cannot be scanned after the evolution, so the evolution must have checked it
/// as it read it: a kernel that writes into the input claims its check ([`claim`]) and
/// scans every block before overwriting it; one that does not settles the check
/// ([`settle`]) before dropping the input.
///
/// # Errors
/// [`Error::NonFinite`] at path `input` naming the first NaN or infinite element (flat
/// index), whatever `evolve` returned; [`Error::Invalid`] at path `input` when the
/// evolution dropped the input unchecked (a module's `evolve_batch_owned` that neither
/// claimed nor settled the check); else `evolve`'s own result.
pub fn evolve_checked_owned(
    input: Array<f64>,
    evolve: impl FnOnce(Array<f64>) -> Result<Evolution>,
) -> Result<Evolution> {
    let (addr, len) = (input.data().as_ptr() as usize, input.len());
    let (evolution, claimed) = offered(addr, len, || evolve(input));
    match claimed.as_ref().map(InputCheck::first) {
        Some(None) => evolution,
        Some(Some((index, value))) => Err(Error::NonFinite {
            path: "input".into(),
            index,
            value,
        }),
        None => Err(Error::invalid(
            "input",
            "the evolution dropped its input without checking it for NaN and infinities \
             (a module's `evolve_batch_owned` must claim or settle the input's check)",
        )),
    }
}

/// Check `data` now, before it is dropped, if it is the input of the innermost `evolve`
/// call on this thread whose check nobody has finished ([`evolve_checked_owned`]): what an
/// owned evolution that only read its input does (the input is scanned, as
/// [`evolve_checked`] scans a borrowed input nobody claimed). A no-op for any other data.
pub fn settle(data: &[f64]) {
    let addr = data.as_ptr() as usize;
    let open = OFFERS.with(|offers| {
        offers.borrow().last().is_some_and(|o| {
            o.addr == addr
                && o.len == data.len()
                && o.claimed.as_ref().is_none_or(|c| c.scanned() != o.len)
        })
    });
    if !open {
        return;
    }
    // Scanned outside the borrow: the parallel scan may run other tasks on this thread.
    let check = InputCheck::at(addr);
    check.0.scanned.store(data.len(), Ordering::Relaxed);
    if let Some((index, value)) = crate::array::first_non_finite(data) {
        check.0.found.store(true, Ordering::Relaxed);
        *check.0.first.lock().unwrap_or_else(PoisonError::into_inner) = Some((index, value));
    }
    OFFERS.with(|offers| {
        if let Some(top) = offers.borrow_mut().last_mut() {
            top.claimed = Some(check);
        }
    });
}

/// [`Error::NonFinite`] at path `input` for the first NaN or infinite element of `input`
/// (a scan), if any: what a call reports before any other problem it found.
pub fn non_finite_input(input: ArrayView<'_>) -> Option<Error> {
    input
        .first_non_finite()
        .map(|(index, value)| Error::NonFinite {
            path: "input".into(),
            index,
            value,
        })
}

/// Run `evolve` with the check of the input at `addr` (`len` elements) offered to its
/// kernels; returns its result and the claimed check (`None`: nobody claimed it, or the
/// claimer did not scan exactly the whole input: the caller must scan).
fn offered<R>(addr: usize, len: usize, evolve: impl FnOnce() -> R) -> (R, Option<InputCheck>) {
    /// Withdraws the offer when `evolve` returns or unwinds.
    struct Withdraw;
    impl Drop for Withdraw {
        fn drop(&mut self) {
            OFFERS.with(|offers| offers.borrow_mut().pop());
        }
    }
    OFFERS.with(|offers| {
        offers.borrow_mut().push(Offer {
            addr,
            len,
            claimed: None,
        });
    });
    let guard = Withdraw;
    let result = evolve();
    let claimed = OFFERS.with(|offers| {
        offers
            .borrow()
            .last()
            .and_then(|o| o.claimed.clone())
            .filter(|c| c.scanned() == len)
    });
    drop(guard);
    (result, claimed)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`offered`] on a slice, with the claimed check's finding.
    fn offered_on<R>(input: &[f64], evolve: impl FnOnce() -> R) -> (R, Option<bool>) {
        let (r, check) = super::offered(input.as_ptr() as usize, input.len(), evolve);
        (r, check.as_ref().map(InputCheck::found))
    }

    #[test]
    fn only_the_offered_input_can_be_claimed_once() {
        let x = vec![1.0, f64::NAN, 3.0];
        let other = vec![1.0, 2.0, 3.0];
        let ((), found) = offered_on(&x, || {
            assert!(claim(&other).is_none(), "another array");
            assert!(claim(&x[..2]).is_none(), "a part of the input");
            let check = claim(&x).unwrap_or_default();
            assert!(claim(&x).is_none(), "claimed twice");
            check.scan(&x[..1]);
            assert!(!check.found());
            check.scan(&x[1..]);
        });
        assert_eq!(found, Some(true));
        let ((), found) = offered_on(&other, || ());
        assert_eq!(found, None, "not claimed");
        assert!(claim(&other).is_none(), "no offer outside a call");
    }

    #[test]
    fn a_claimer_that_scans_part_of_the_input_is_not_trusted() {
        let x = vec![1.0, 2.0, f64::NAN];
        let ((), found) = offered_on(&x, || {
            if let Some(c) = claim(&x) {
                c.scan(&x[..2]);
            }
        });
        assert_eq!(found, None, "two of three elements scanned");
        let ((), found) = offered_on(&x, || {
            if let Some(c) = claim(&x) {
                c.scan(&x);
                c.scan(&x[..1]);
            }
        });
        assert_eq!(found, None, "four elements scanned of three");
    }

    #[test]
    fn nested_calls_have_their_own_offers() {
        let outer = vec![1.0; 4];
        let inner = vec![f64::INFINITY; 4];
        let (found_inner, found_outer) = offered_on(&outer, || {
            let ((), found) = offered_on(&inner, || {
                assert!(
                    claim(&outer).is_none(),
                    "the outer offer is not the innermost"
                );
                if let Some(c) = claim(&inner) {
                    c.scan(&inner);
                }
            });
            if let Some(c) = claim(&outer) {
                c.scan(&outer);
            }
            found
        });
        assert_eq!(found_inner, Some(true));
        assert_eq!(found_outer, Some(false));
    }

    #[test]
    fn has_non_finite_finds_nan_and_both_infinities() {
        assert!(!has_non_finite(&[
            0.0,
            -0.0,
            f64::MAX,
            f64::MIN_POSITIVE / 2.0
        ]));
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(has_non_finite(&[1.0, bad]));
        }
    }
}

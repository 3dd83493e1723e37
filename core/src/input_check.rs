//! The non-finite input check of one `evolve` call, made once and, where possible, inside
//! the pass that reads the input anyway.
//!
//! [`ModuleExt::evolve_with`](crate::ModuleExt::evolve_with) rejects NaN and infinite
//! input. A separate scan of the input costs a whole extra stream over memory, as much as
//! the kernel itself on memory-bound workloads (W1: read the input, write the output). So
//! the call *offers* its check ([`evolve_checked`]): a kernel that streams every element of that
//! very input (LIF's kernel, the fused `Linear → LIF` pass) may [`claim`] it on the calling
//! thread before it fans out, and then tests each block it reads while the block is in
//! cache ([`InputCheck::scan`]). When nobody claims the offer, or the claimer scanned
//! another number of elements than the input holds, the call scans the input itself.
//! Either way every element is checked; the error, naming the first non-finite element,
//! is the same.
//!
//! The offer is matched by address and length, so only a kernel handed the call's own
//! input array can claim it, and only the innermost call's offer on this thread is open.
//! `evolve` is pure, so checking during the evolution and discarding its result when the
//! input is rejected is the same as checking before (modules must cope with non-finite
//! values anyway: `EvolveOptions::allow_non_finite_input` lets them through).

use crate::array_view::ArrayView;
use crate::error::{Error, Result};
use crate::module::Evolution;
use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A claimed check: whoever holds it tests every element of the input with
/// [`InputCheck::scan`]. Cheap to clone and to share between threads. The elements
/// scanned are counted: a claimer that scanned fewer (or more) than the whole input is
/// not trusted, and the input is scanned again.
#[derive(Clone, Debug, Default)]
pub struct InputCheck(Arc<Tally>);

/// What the scans of one claimed check saw.
#[derive(Debug, Default)]
struct Tally {
    found: AtomicBool,
    scanned: AtomicUsize,
}

impl InputCheck {
    /// Test `block` (a part of the input) and remember a NaN or infinity in it.
    #[inline(always)]
    pub fn scan(&self, block: &[f64]) {
        self.0.scanned.fetch_add(block.len(), Ordering::Relaxed);
        if has_non_finite(block) {
            self.0.found.store(true, Ordering::Relaxed);
        }
    }

    /// Whether a scanned block held a NaN or an infinity.
    pub fn found(&self) -> bool {
        self.0.found.load(Ordering::Relaxed)
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
        let check = InputCheck::default();
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
    let (evolution, claimed) = offered(input.data(), evolve);
    match claimed {
        Some(false) => evolution,
        Some(true) | None => match non_finite_input(input) {
            Some(e) => Err(e),
            None => evolution,
        },
    }
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

/// Run `evolve` with the check of `input` offered to its kernels; returns its result and
/// the claimed check's finding (`None`: nobody claimed it, or the claimer did not scan
/// exactly the whole input: the caller must scan).
fn offered<R>(input: &[f64], evolve: impl FnOnce() -> R) -> (R, Option<bool>) {
    /// Withdraws the offer when `evolve` returns or unwinds.
    struct Withdraw;
    impl Drop for Withdraw {
        fn drop(&mut self) {
            OFFERS.with(|offers| offers.borrow_mut().pop());
        }
    }
    OFFERS.with(|offers| {
        offers.borrow_mut().push(Offer {
            addr: input.as_ptr() as usize,
            len: input.len(),
            claimed: None,
        });
    });
    let guard = Withdraw;
    let result = evolve();
    let len = input.len();
    let claimed = OFFERS.with(|offers| {
        offers
            .borrow()
            .last()
            .and_then(|o| o.claimed.as_ref())
            .filter(|c| c.scanned() == len)
            .map(InputCheck::found)
    });
    drop(guard);
    (result, claimed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_offered_input_can_be_claimed_once() {
        let x = vec![1.0, f64::NAN, 3.0];
        let other = vec![1.0, 2.0, 3.0];
        let ((), found) = offered(&x, || {
            assert!(claim(&other).is_none(), "another array");
            assert!(claim(&x[..2]).is_none(), "a part of the input");
            let check = claim(&x).unwrap_or_default();
            assert!(claim(&x).is_none(), "claimed twice");
            check.scan(&x[..1]);
            assert!(!check.found());
            check.scan(&x[1..]);
        });
        assert_eq!(found, Some(true));
        let ((), found) = offered(&other, || ());
        assert_eq!(found, None, "not claimed");
        assert!(claim(&other).is_none(), "no offer outside a call");
    }

    #[test]
    fn a_claimer_that_scans_part_of_the_input_is_not_trusted() {
        let x = vec![1.0, 2.0, f64::NAN];
        let ((), found) = offered(&x, || {
            if let Some(c) = claim(&x) {
                c.scan(&x[..2]);
            }
        });
        assert_eq!(found, None, "two of three elements scanned");
        let ((), found) = offered(&x, || {
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
        let (found_inner, found_outer) = offered(&outer, || {
            let ((), found) = offered(&inner, || {
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

//! Output buffers zeroed by the tasks that fill them, not by a serial pass before the
//! fan-out.
//!
//! `Array::zeros` of a whole `(B, T, N)` output costs a memset on the calling thread
//! (recycled memory is not zero pages) before any sample runs: 80 MB for `LIF(1000)` with
//! `B = 10, T = 1000`. A [`TaskZeroed`] buffer is allocated uninitialised and handed out in
//! [`Part`]s; each sample's task zeroes its own part ([`Part::zeroed`]), or each block of
//! it ([`Part::take_to_overwrite`]), right before it writes it, on its own thread, so the
//! zeroing is spread over the pool and the block is in cache when the kernel writes it.
//! The results are the bits of the zeroed buffer (a kernel that takes blocks to overwrite
//! writes every element of them).
//!
//! A buffer made where this thread holds a spare ([`littoral_core::spare`]: an earlier
//! output handed back, every element written) is that spare's memory. Its parts are
//! zeroed by [`Part::zeroed`] as any other's, but [`Part::take_to_overwrite`], for a kernel
//! that writes every element of the block it takes, hands them out as they are: the
//! block is written once, not zeroed and then written.
//!
//! Three `unsafe` blocks (of the crate's five, all under [`crate::audited`]), each with
//! its SAFETY argument. The invariant: an element is read only after it was written.
//! Every element of a part is zeroed by [`Part::zeroed`] or [`Part::take_to_overwrite`]
//! (or, in a spare, handed out as an earlier output wrote it by the latter) or, if never
//! asked for, when the part is dropped; the buffer counts the elements handed out, and
//! [`TaskZeroed::into_vec`] (which can only run once every part is gone: they borrow the
//! buffer) zeroes the whole buffer itself should the count fall short (a part leaked with
//! `mem::forget`).
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A buffer of `len` `f64` whose parts are zeroed by their users; see the
/// [module docs](self).
#[derive(Debug)]
pub struct TaskZeroed {
    data: Vec<f64>,
    len: usize,
    zeroed: AtomicUsize,
    /// The first `len` elements of `data`'s spare capacity hold an earlier output's
    /// numbers (the thread's spare), not uninitialised memory.
    written: bool,
}

/// A part of a [`TaskZeroed`] buffer, not yet handed out.
#[derive(Debug)]
pub struct Part<'a> {
    slot: &'a mut [MaybeUninit<f64>],
    zeroed: &'a AtomicUsize,
    /// The slot holds numbers already ([`TaskZeroed::written`]).
    written: bool,
}

impl TaskZeroed {
    /// A buffer of `len` elements: this thread's spare when it holds that many
    /// ([`littoral_core::spare::take`]), else new, uninitialised memory.
    pub fn new(len: usize) -> Self {
        let (data, written) = match littoral_core::spare::take(len) {
            Some(mut spare) => {
                // The numbers stay in memory; the vector's length is this buffer's count.
                spare.clear();
                (spare, true)
            }
            None => (Vec::with_capacity(len), false),
        };
        TaskZeroed {
            data,
            len,
            zeroed: AtomicUsize::new(0),
            written,
        }
    }

    /// The buffer in consecutive parts of `size` elements (the last may be shorter; none
    /// when the buffer is empty).
    pub fn parts(&mut self, size: usize) -> Vec<Part<'_>> {
        let (zeroed, written) = (&self.zeroed, self.written);
        self.data.spare_capacity_mut()[..self.len]
            .chunks_mut(size.max(1))
            .map(|slot| Part {
                slot,
                zeroed,
                written,
            })
            .collect()
    }

    /// The buffer, every element written (by its part's user, else zero).
    pub fn into_vec(mut self) -> Vec<f64> {
        if *self.zeroed.get_mut() != self.len {
            // A part was leaked unwritten: zero all (its writes are lost, not unsound).
            self.data.spare_capacity_mut()[..self.len].fill(MaybeUninit::new(0.0));
        }
        // SAFETY: the capacity is at least `len` (`Vec::with_capacity(len)`), and the first
        // `len` elements are initialised: the parts cover them exactly (`chunks_mut` of
        // `..len`, a part cut in two by `split_front` covers what it covered) and each piece of a part adds its length to `zeroed` only after writing
        // all of it (in `zero`, or on drop for what was never handed out). Either the count is `len`, so every part did,
        // or the line above wrote them all. `self` is owned, so no part (they borrow it)
        // is alive, and the tasks that wrote them have finished (rayon's joins order
        // their writes before this point).
        unsafe { self.data.set_len(self.len) };
        self.data
    }
}

impl<'a> Part<'a> {
    /// Elements of the part not yet handed out.
    pub fn len(&self) -> usize {
        self.slot.len()
    }

    /// Whether every element was handed out.
    pub fn is_empty(&self) -> bool {
        self.slot.is_empty()
    }

    /// The part, zeroed, to be written.
    pub fn zeroed(mut self) -> &'a mut [f64] {
        zero(std::mem::take(&mut self.slot), self.zeroed)
    }

    /// The first `len` elements not yet handed out (all that are left when fewer) as a
    /// part of their own, not yet zeroed; this part keeps the rest. A kernel whose threads
    /// each write a piece of every step (a sample split by neurons) cuts the output so,
    /// and each thread zeroes its pieces one at a time, right before it writes them.
    pub fn split_front(&mut self, len: usize) -> Part<'a> {
        let slot = std::mem::take(&mut self.slot);
        let (head, tail) = slot.split_at_mut(len.min(slot.len()));
        self.slot = tail;
        Part {
            slot: head,
            zeroed: self.zeroed,
            written: self.written,
        }
    }

    /// The first `len` elements not yet handed out (all that are left when fewer), for a
    /// kernel that writes every one of them before anything reads them; the part keeps
    /// the rest. Zeroed in fresh memory (a kernel that writes its output a block at a
    /// time zeroes each block right before it writes it, while it is in cache); handed
    /// out as they are in a spare, whose elements an earlier output wrote.
    pub fn take_to_overwrite(&mut self, len: usize) -> &'a mut [f64] {
        let slot = std::mem::take(&mut self.slot);
        let (head, tail) = slot.split_at_mut(len.min(slot.len()));
        self.slot = tail;
        if !self.written {
            return zero(head, self.zeroed);
        }
        self.zeroed.fetch_add(head.len(), Ordering::Relaxed);
        // SAFETY: `written` is set only for a buffer made from this thread's spare
        // (`TaskZeroed::new`): a `Vec<f64>` of at least the buffer's `len` elements, every
        // one initialised (it was a vector of that length), cleared (its length set to 0,
        // which leaves its memory as it was), and whose spare capacity the parts are: so
        // every element of `head` holds an `f64`'s bytes. `MaybeUninit<f64>` has the
        // size, alignment and layout of `f64`; the borrow is the caller's (`'a`), taken out
        // of the part, not aliased.
        unsafe { &mut *(std::ptr::from_mut::<[MaybeUninit<f64>]>(head) as *mut [f64]) }
    }
}

/// `slot` zeroed and counted in `zeroed`, as a slice of `f64`.
fn zero<'a>(slot: &'a mut [MaybeUninit<f64>], zeroed: &AtomicUsize) -> &'a mut [f64] {
    slot.fill(MaybeUninit::new(0.0));
    zeroed.fetch_add(slot.len(), Ordering::Relaxed);
    // SAFETY: every element of `slot` was just written, and `MaybeUninit<f64>` has the
    // size, alignment and layout of `f64`, so the slice is a valid `[f64]`. The borrow is
    // the caller's (`'a`: a piece taken out of a part, which no longer holds it), not
    // aliased.
    unsafe { &mut *(std::ptr::from_mut::<[MaybeUninit<f64>]>(slot) as *mut [f64]) }
}

impl Drop for Part<'_> {
    /// A part never asked for is zeroed, as `Array::zeros` would have it.
    fn drop(&mut self) {
        if !self.slot.is_empty() {
            self.slot.fill(MaybeUninit::new(0.0));
            self.zeroed.fetch_add(self.slot.len(), Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TaskZeroed;
    use proptest::prelude::*;
    use rayon::prelude::*;

    /// What a part's user does: write some elements of the piece that starts at element
    /// `at` of the part.
    fn fill(piece: &mut [f64], seed: u64, at: usize) {
        for (i, v) in piece.iter_mut().enumerate() {
            let i = i + at;
            if !(i as u64 + seed).is_multiple_of(3) {
                *v = (i as f64 + seed as f64).sin();
            }
        }
    }

    proptest! {
        /// Parts zeroed and written by tasks on the pool, whole or `block` elements at a
        /// time (some dropped after one block) or cut into parts of `cut` elements first
        /// (every third dropped unasked), give the bits of a zeroed buffer written by the same tasks, and a part
        /// never asked for is zero. With a part leaked, the buffer is all zeros (sound, the
        /// writes lost).
        #[test]
        fn parts_give_the_bits_of_a_zeroed_buffer(
            len in 0usize..2000,
            size in 1usize..300,
            skip in proptest::collection::vec(any::<bool>(), 0..20),
            leak in any::<bool>(),
            block in 0usize..50,
            cut in 0usize..50,
        ) {
            let asked = |k: usize| !skip.get(k).copied().unwrap_or(false);
            // With cuts, every third part is cut into parts of `cut` elements.
            let cuts = |k: usize| cut > 0 && k % 3 == 2;
            // With blocks, odd parts take one block and drop the rest unasked.
            let partial = |k: usize| block > 0 && k % 2 == 1 && !cuts(k);
            let mut want = vec![0.0f64; len];
            want.par_chunks_mut(size).enumerate().for_each(|(k, p)| {
                if asked(k) {
                    let written = if partial(k) { block.min(p.len()) } else { p.len() };
                    fill(&mut p[..written], k as u64, 0);
                    if cuts(k) {
                        p.chunks_mut(cut).skip(2).step_by(3).for_each(|c| c.fill(0.0));
                    }
                }
            });
            let mut buf = TaskZeroed::new(len);
            let mut parts = buf.parts(size);
            prop_assert_eq!(parts.len(), len.div_ceil(size));
            let leaked = leak && !parts.is_empty();
            if leaked {
                std::mem::forget(parts.remove(0));
            }
            let offset = usize::from(leaked);
            parts.into_par_iter().enumerate().for_each(|(k, p)| {
                let k = k + offset;
                if !asked(k) {
                    return;
                }
                if cuts(k) {
                    let (mut p, mut at) = (p, 0);
                    for i in 0.. {
                        if p.is_empty() {
                            break;
                        }
                        let piece = p.split_front(cut);
                        let piece_len = piece.len();
                        if i % 3 != 2 {
                            fill(piece.zeroed(), k as u64, at);
                        }
                        at += piece_len;
                    }
                } else if block == 0 {
                    fill(p.zeroed(), k as u64, 0);
                } else {
                    let (mut p, mut at) = (p, 0);
                    while !p.is_empty() {
                        let piece = p.take_to_overwrite(block);
                        fill(piece, k as u64, at);
                        at += piece.len();
                        if partial(k) {
                            break;
                        }
                    }
                }
            });
            let got = buf.into_vec();
            if leaked {
                prop_assert!(got.iter().all(|v| v.to_bits() == 0));
            } else {
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                prop_assert_eq!(bits(&got), bits(&want));
            }
        }

        /// A buffer made from this thread's spare (an earlier output, here NaN with a
        /// payload) gives the bits of a zeroed buffer to the same tasks when the blocks
        /// taken to overwrite are written whole: parts asked for whole are zeroed as in
        /// fresh memory (and written in part), parts never asked for are zero.
        #[test]
        fn a_spare_gives_the_bits_of_a_zeroed_buffer(
            len in 1usize..2000,
            extra in 0usize..2000,
            size in 1usize..300,
            block in 1usize..50,
            skip in proptest::collection::vec(any::<bool>(), 0..20),
        ) {
            let spare_len = len + extra.min(len);
            littoral_core::spare::give_back(vec![f64::from_bits(f64::NAN.to_bits() | 7); spare_len]);
            let asked = |k: usize| !skip.get(k).copied().unwrap_or(false);
            let whole = |piece: &mut [f64], at: usize| {
                for (i, v) in piece.iter_mut().enumerate() {
                    *v = ((i + at) as f64).cos();
                }
            };
            let mut want = vec![0.0f64; len];
            want.chunks_mut(size).enumerate().for_each(|(k, p)| {
                if !asked(k) {
                } else if k % 2 == 0 {
                    fill(p, k as u64, 0);
                } else {
                    whole(p, 0);
                }
            });
            let mut buf = TaskZeroed::new(len);
            prop_assert!(buf.written, "the spare was taken");
            buf.parts(size).into_par_iter().enumerate().for_each(|(k, mut p)| {
                if !asked(k) {
                } else if k % 2 == 0 {
                    fill(p.zeroed(), k as u64, 0);
                } else {
                    let mut at = 0;
                    while !p.is_empty() {
                        let piece = p.take_to_overwrite(block);
                        whole(piece, at);
                        at += piece.len();
                    }
                }
            });
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&buf.into_vec()), bits(&want));
        }
    }
}

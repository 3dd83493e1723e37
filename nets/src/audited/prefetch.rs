//! The pages of a block of input asked of the memory all at once, before a pass reads the
//! block in order.
//!
//! LIF's chunked pass ([`crate::lif_chunked`]) reads a sample's input a block of steps at
//! a time (up to 256 KiB): first in order, for the non-finite check, which brings the
//! block into cache from memory, then chunk by chunk from cache. Read in order, one core
//! waits for memory: the hardware prefetcher follows a stream within a 4 KiB page, and
//! starts again at each page. Asking for the first lines of every page of the block before
//! the check reads it starts those streams together. On this project's 2-vCPU VM it cut
//! the check of W1 N=1000 (`LIF(1000)`, `B = 10`, `T = 1000`: 80 MB) from 3.5–4.0 to
//! 3.0 ms of 7.6–8.1 on one thread, and `littoral simulate`'s evolution of W1 by 7–9 % on
//! one thread and 3–5 % on two (`docs/performance-record.md`, "Thirty-first round").
//!
//! One `unsafe` block: the prefetch instruction. It is a hint: it reads nothing the
//! program sees, writes nothing, and never faults, whatever the address; so no value
//! changes, and every test of the kernels checks the same bits as before. Nothing on other
//! architectures, nor under Miri (which has no caches).

/// Bytes of a page: the span a hardware prefetcher follows a stream within.
const PAGE: usize = 4096;

/// Bytes of a cache line.
const LINE: usize = 64;

/// Lines asked for at the start of each page: two in a row, an ascending stream.
const LINES: usize = 2;

/// Ask the memory for the first [`LINES`] lines of `block` and of every page that starts
/// inside it, into the outer cache levels (`prefetcht2`).
#[inline]
pub(crate) fn page_starts(block: &[f64]) {
    let start = block.as_ptr().cast::<u8>();
    for offset in line_offsets(start.addr(), std::mem::size_of_val(block)) {
        hint(start.wrapping_add(offset));
    }
}

/// The offsets (bytes from its start) of the lines [`page_starts`] asks for in a block of
/// `len` bytes at address `start`: the block's first, then each page's that starts inside,
/// within the block and the page.
fn line_offsets(start: usize, len: usize) -> impl Iterator<Item = usize> {
    let page_end = move |offset: usize| offset + PAGE - (start + offset) % PAGE;
    std::iter::once(0)
        .chain((page_end(0)..len).step_by(PAGE))
        .flat_map(move |first| {
            let end = len.min(first + LINES * LINE).min(page_end(first));
            (first..end).step_by(LINE)
        })
}

/// Prefetch the line at `at` into the outer cache levels.
#[cfg(all(target_arch = "x86_64", not(miri)))]
#[inline(always)]
fn hint(at: *const u8) {
    // SAFETY: `_mm_prefetch` needs SSE, which every x86-64 target has (its baseline). The
    // instruction is a hint: it never faults and changes no memory the program can see,
    // whatever the address (and `page_starts` passes addresses inside its block).
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T2 }>(at.cast::<i8>());
    }
}

/// Nothing: another architecture, or Miri (which has no caches).
#[cfg(not(all(target_arch = "x86_64", not(miri))))]
#[inline(always)]
fn hint(_at: *const u8) {}

#[cfg(test)]
mod tests {
    use super::{LINE, PAGE, line_offsets};

    fn offsets(start: usize, len: usize) -> Vec<usize> {
        line_offsets(start, len).collect()
    }

    /// The block's first two lines and each page start inside it with the line after,
    /// never past the end; a block that starts on a page start asks for it once.
    #[test]
    fn asks_for_the_start_of_every_page_inside_the_block() {
        assert_eq!(offsets(4096 + 100, 10_000), [0, 64, 3996, 4060, 8092, 8156]);
        assert_eq!(offsets(8192, 8192), [0, 64, 4096, 4160]);
        assert_eq!(offsets(8192, 100), [0, 64]);
        assert_eq!(offsets(8100, 50), [0]);
        assert_eq!(offsets(8100, 92 + 64), [0, 64, 92]);
        assert!(offsets(8100, 0).is_empty());
    }

    /// For every alignment and length: offsets ascending, inside the block, and the block's
    /// start and every page start inside it asked for with the line after (when that line
    /// is inside the block and the same page). Arithmetic only, some thirty million steps:
    /// not under Miri, where it would take hours and check no memory access.
    #[test]
    #[cfg_attr(miri, ignore)]
    fn covers_every_page_start_and_stays_inside() {
        for start in (0..2 * PAGE).step_by(8) {
            for len in [0, 8, 64, 200, 4096, 4104, 10_000, 3 * PAGE + 16] {
                let got = offsets(start, len);
                assert!(
                    got.windows(2).all(|w| w[0] < w[1]),
                    "{start} {len}: {got:?}"
                );
                assert!(got.iter().all(|&o| o < len), "{start} {len}: {got:?}");
                let page_starts = (0..len).filter(|o| (start + o) % PAGE == 0);
                for first in std::iter::once(0).filter(|_| len > 0).chain(page_starts) {
                    let same_page = |o: usize| (start + o) / PAGE == (start + first) / PAGE;
                    for line in [first, first + LINE] {
                        if line >= len || !same_page(line) {
                            continue;
                        }
                        assert!(got.contains(&line), "{start} {len}: {line} not in {got:?}");
                    }
                }
            }
        }
    }

    /// It runs on slices of any size and alignment.
    #[test]
    fn runs_on_any_block() {
        let data = vec![1.0f64; 3000];
        for lo in [0, 1, 7, 511, 2999, 3000] {
            super::page_starts(&data[lo..]);
        }
    }
}

//! Limits as policy, in one place: how deep a structure may nest and how many elements an
//! array or a network may hold, checked with checked arithmetic *before* anything is
//! allocated. Every reader of outside data (network files, snapshots, `.npy`/`.npz`)
//! goes through these helpers, so a hostile or corrupt file gets one clear error instead
//! of a stack overflow, a wrapped size or an allocation abort.
//!
//! | limit | value | applies to |
//! |---|---|---|
//! | [`MAX_DEPTH`] | 64 | nested trees (snapshots, any serde format), module trees |
//! | [`MAX_ELEMENTS`] | 2³⁰ | one array (and the product of its non-zero extents), and all the arrays of one network together |
//! | [`MAX_HEADER_NESTING`] | 8 | brackets in a text header (`.npy`) before a parser sees it |
//! | [`MAX_STREAM_BYTES`] | 2²⁸ (256 MiB) | bytes read from a pipe or device (no length to check first) |
//! | [`sequence_capacity`] | the payload's bytes ([`PayloadGuard`]), else 1 MiB | memory reserved for a decoded sequence before its items are read |
//!
//! See `docs/reliability.md` for the policy and the fuzzing that checks it.
//!
//! ```
//! use littoral_core::limits::{MAX_ELEMENTS, element_count};
//! assert_eq!(element_count(&[3, 4], "weight")?, 12);
//! assert!(element_count(&[100_000, 100_000], "weight").is_err());     // above the cap
//! assert!(element_count(&[1 << 32, 1 << 32], "weight").is_err());     // would wrap
//! # Ok::<(), littoral_core::Error>(())
//! ```

use crate::wire::NumberLayout;
use crate::{Error, Module, Result};
use std::cell::Cell;

/// The deepest nesting accepted in a tree or a module tree. Real networks nest a few
/// levels; the limit keeps every recursive walk and decoder far from the stack's end.
pub const MAX_DEPTH: usize = 64;

/// The most elements (`f64` or `u64`, 8 bytes each: 8 GiB) one array may hold, and all the
/// arrays of one network together. A finer, machine-dependent memory budget may refuse
/// less; nothing above this is ever allocated from a shape someone else wrote.
pub const MAX_ELEMENTS: u64 = 1 << 30;

/// The most bytes read from an input that is not a regular file (a pipe, `<(cat f)`, a
/// device such as `/dev/zero`): it has no length to check first and may never end.
pub const MAX_STREAM_BYTES: u64 = 1 << 28;

/// The deepest bracket nesting accepted in a text header (a `.npy` header is a Python dict
/// literal nesting 2 levels: `{…(…)…}`). npyz's header parser backtracks exponentially
/// with nesting (26 levels take minutes), so headers are checked with
/// [`check_text_nesting`] before they are parsed.
pub const MAX_HEADER_NESTING: usize = 8;

/// Parse a byte count: a number with an optional `K`, `M`, `G` or `T` (powers of 1024,
/// an optional trailing `B` or `iB`): `512M`, `1.5G`, `1000000`.
///
/// ```
/// use littoral_core::limits::parse_bytes;
/// assert_eq!(parse_bytes("512M"), Ok(512 << 20));
/// assert_eq!(parse_bytes("1.5G"), Ok(3 << 29));
/// assert_eq!(parse_bytes("8GiB"), Ok(8 << 30));
/// assert_eq!(parse_bytes("1000"), Ok(1000));
/// for bad in ["0", "-1G", "1X", "nan", "lots"] {
///     assert!(parse_bytes(bad).is_err());
/// }
/// ```
///
/// # Errors
/// A message (for the command line's parser, or Python's `ValueError`) when the text is
/// not such a count.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .unwrap_or(t);
    let (number, shift) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => return Err(format!("unknown unit '{c}' (use K, M, G or T)")),
            };
            (&t[..i], shift)
        }
        _ => (t, 0),
    };
    let value: f64 = number.trim().parse().map_err(|_| {
        format!(
            "'{}' is not a byte count such as 512M or 8G",
            text.escape_debug()
        )
    })?;
    let bytes = value * f64::from(1u32 << (shift / 2)) * f64::from(1u32 << (shift - shift / 2));
    if !(bytes.is_finite() && bytes >= 1.0 && bytes < 2f64.powi(63)) {
        return Err(format!(
            "{text}: the budget must be at least 1 byte and below 8 EiB"
        ));
    }
    Ok(bytes as u64)
}

/// A byte count for people, in powers of 1024: `1.5 GiB`, `12 bytes`.
///
/// ```
/// use littoral_core::limits::human_bytes;
/// assert_eq!(human_bytes(3 << 29), "1.5 GiB");
/// assert_eq!(human_bytes(12), "12 bytes");
/// ```
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// The deepest nesting of `(`, `[` and `{` in `text` (closing brackets of any kind end a
/// level; quotes are not special, so the count errs on the high side).
///
/// ```
/// assert_eq!(littoral_core::limits::text_nesting("{'shape': (2, 3), }"), 2);
/// ```
pub fn text_nesting(text: &str) -> usize {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    for b in text.bytes() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Refuse a text header nesting brackets deeper than `max` (usually
/// [`MAX_HEADER_NESTING`]) before it reaches a parser; `path` names the file or member.
///
/// # Errors
/// [`Error::Invalid`] naming `path`, the depth found and the limit.
pub fn check_text_nesting(text: &str, max: usize, path: &str) -> Result<()> {
    let depth = text_nesting(text);
    if depth > max {
        return Err(Error::invalid(
            path,
            format!("the header nests brackets {depth} levels deep; the limit is {max}"),
        ));
    }
    Ok(())
}

/// The number of elements of `shape`, computed with checked arithmetic and refused above
/// [`MAX_ELEMENTS`]. `path` names the array in the error.
///
/// An empty shape's other extents are bounded too: their product may not exceed the cap
/// either. `(2·10¹⁴, 0)` holds nothing, but written as nested lists it is 2·10¹⁴ empty
/// rows.
///
/// # Errors
/// [`Error::Invalid`] naming `path`, the shape and the limit, when the product overflows
/// or exceeds the cap, or when the product of the non-zero extents does.
pub fn element_count(shape: &[usize], path: &str) -> Result<usize> {
    match non_zero_extents(shape).filter(|n| *n <= MAX_ELEMENTS) {
        None => Err(too_many(shape, path)),
        // The non-zero extents are within the cap, so all of them are too.
        Some(_) if shape.contains(&0) => Ok(0),
        Some(n) => usize::try_from(n).map_err(|_| too_many(shape, path)),
    }
}

/// The product of `shape`'s non-zero extents (its element count when none is zero), or
/// `None` when it overflows `u64`. Written as nested lists, an empty array still lists
/// this many empty innermost lists (`(1000, 0)`: a thousand `[]`), so it is what
/// [`element_count`] caps for an empty shape.
///
/// ```
/// use littoral_core::limits::non_zero_extents;
/// assert_eq!(non_zero_extents(&[1000, 0]), Some(1000));
/// assert_eq!(non_zero_extents(&[2, 3]), Some(6));
/// assert_eq!(non_zero_extents(&[usize::MAX, usize::MAX]), None);
/// ```
pub fn non_zero_extents(shape: &[usize]) -> Option<u64> {
    shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
}

/// `count · item_bytes`, checked: the bytes an allocation of `count` items would take.
///
/// # Errors
/// [`Error::Invalid`] naming `path` when the product overflows.
pub fn byte_count(count: usize, item_bytes: usize, path: &str) -> Result<usize> {
    count.checked_mul(item_bytes).ok_or_else(|| {
        Error::invalid(
            path,
            format!("{count} elements of {item_bytes} bytes overflow the address space"),
        )
    })
}

/// Refuse a nesting depth above [`MAX_DEPTH`]; `path` names where it was reached.
///
/// # Errors
/// [`Error::Invalid`] naming `path`, the depth and the limit.
pub fn check_depth(depth: usize, path: &str) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(Error::invalid(
            path,
            format!("nested {depth} levels deep; the limit is {MAX_DEPTH}"),
        ));
    }
    Ok(())
}

/// The total number of elements of every attribute of `module` and of its submodules
/// (default shapes, State per sample), checked against [`MAX_DEPTH`] and
/// [`MAX_ELEMENTS`] — call it before `init` on a module read from a file. The walk is
/// iterative and visits each submodule once.
///
/// ```
/// use littoral_core::limits::module_elements;
/// # use littoral_core::doc_support::Toy;
/// assert!(module_elements(&Toy)? >= 1);
/// # Ok::<(), littoral_core::Error>(())
/// ```
///
/// # Errors
/// [`Error::Invalid`] naming the deepest path reached or the attribute that overflows.
pub fn module_elements(module: &dyn Module) -> Result<u64> {
    let mut total = 0u64;
    crate::module::for_each_module(module, |path, depth, m| {
        check_depth(depth, if path.is_empty() { "network" } else { path })?;
        for attribute in m.attributes() {
            let name = crate::nested::join_path(path, &attribute.name);
            let shape = attribute.shapes.first().map_or(&[][..], Vec::as_slice);
            let n = element_count(shape, &name)? as u64;
            total = total
                .checked_add(n)
                .filter(|t| *t <= MAX_ELEMENTS)
                .ok_or_else(|| {
                    Error::invalid(
                        name.clone(),
                        format!(
                            "the network holds more than {MAX_ELEMENTS} elements in all (the limit)"
                        ),
                    )
                })?;
        }
        Ok(())
    })?;
    Ok(total)
}

fn too_many(shape: &[usize], path: &str) -> Error {
    let shape_text = crate::array::format_shape(shape);
    let message = if shape.contains(&0) {
        format!(
            "shape {shape_text} holds no element, but its non-zero extents multiply to more \
             than {MAX_ELEMENTS} (the limit)"
        )
    } else {
        format!("shape {shape_text} holds more than {MAX_ELEMENTS} elements (the limit)")
    };
    Error::invalid(path, message)
}

thread_local! {
    static DECODE_DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// Counts the nesting of a recursive decoder on this thread: [`DepthGuard::enter`] at the
/// start of each nested value's `Deserialize`, and the guard's drop leaves it. Used by
/// [`crate::Nested`]'s `Deserialize`, so a snapshot (or any serde input) nested 15,000
/// deep is an error, not a stack overflow.
#[derive(Debug)]
#[must_use = "the depth is left when the guard is dropped"]
pub struct DepthGuard(());

impl DepthGuard {
    /// Enter one level.
    ///
    /// # Errors
    /// A message naming the limit when this would be deeper than [`MAX_DEPTH`].
    pub fn enter() -> std::result::Result<Self, String> {
        DECODE_DEPTH.with(|d| {
            let depth = d.get() + 1;
            if depth > MAX_DEPTH {
                return Err(format!(
                    "the tree is nested more than {MAX_DEPTH} levels deep (the limit)"
                ));
            }
            d.set(depth);
            Ok(DepthGuard(()))
        })
    }
}

impl Drop for DepthGuard {
    fn drop(&mut self) {
        DECODE_DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
    }
}

thread_local! {
    static DECODE_PAYLOAD: Cell<Option<(u64, NumberLayout)>> = const { Cell::new(None) };
}

/// While it lives, this thread decodes a payload of a known, checked length (a snapshot's,
/// whose header was checked against the file's size): a sequence inside it that says it
/// holds `n` items is reserved whole as long as `n` items of its type fit in the payload's
/// bytes ([`sequence_capacity`]), instead of being grown from 1 MiB by doubling. A large
/// network's weight array is then allocated once, not once per doubling with each block
/// copied into the next (and, in the allocator, kept beside it). The guard also says how
/// the payload lays out its lists of numbers ([`number_layout`]: its format version's).
/// Its drop restores the length and layout it replaced.
///
/// ```
/// use littoral_core::limits::{PayloadGuard, sequence_capacity};
/// use littoral_core::wire::NumberLayout;
/// assert_eq!(sequence_capacity::<f64>(Some(1 << 24)), 1 << 17); // 1 MiB, as serde's own
/// let _payload = PayloadGuard::enter(1 << 30, NumberLayout::Chunks);
/// assert_eq!(sequence_capacity::<f64>(Some(1 << 24)), 1 << 24); // fits in the payload
/// assert_eq!(sequence_capacity::<f64>(Some(1 << 60)), 1 << 27); // no more than its bytes
/// ```
#[derive(Debug)]
#[must_use = "the payload's length is forgotten when the guard is dropped"]
pub struct PayloadGuard(Option<(u64, NumberLayout)>);

impl PayloadGuard {
    /// Decode a payload of `bytes` bytes whose lists of numbers are laid out as `layout`
    /// on this thread until the guard is dropped.
    pub fn enter(bytes: u64, layout: NumberLayout) -> Self {
        PayloadGuard(DECODE_PAYLOAD.with(|p| p.replace(Some((bytes, layout)))))
    }
}

/// How the payload being decoded on this thread lays out its lists of numbers
/// ([`PayloadGuard`]); outside a payload, as one is written now
/// ([`NumberLayout::Chunks`]).
pub fn number_layout() -> NumberLayout {
    DECODE_PAYLOAD
        .with(Cell::get)
        .map_or(NumberLayout::default(), |(_, layout)| layout)
}

impl Drop for PayloadGuard {
    fn drop(&mut self) {
        DECODE_PAYLOAD.with(|p| p.set(self.0));
    }
}

/// How many items of `T` a `Deserialize` may reserve for a sequence whose decoder says it
/// holds `claimed` (serde's `size_hint`, read from the input and not yet backed by its
/// bytes): all of them when their memory fits in the bytes of the payload being decoded
/// ([`PayloadGuard`]), so a claim can never reserve more memory than the payload's size;
/// with no payload length known, no more than 1 MiB, as serde's own collections.
pub fn sequence_capacity<T>(claimed: Option<usize>) -> usize {
    const CAUTIOUS_BYTES: u64 = 1 << 20;
    let item = std::mem::size_of::<T>().max(1) as u64;
    let bytes = DECODE_PAYLOAD
        .with(Cell::get)
        .map_or(CAUTIOUS_BYTES, |(bytes, _)| bytes);
    let fits = usize::try_from(bytes / item).unwrap_or(usize::MAX);
    claimed.unwrap_or(0).min(fits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_count_is_checked() {
        assert_eq!(element_count(&[], "x").ok(), Some(1));
        assert_eq!(element_count(&[0], "x").ok(), Some(0));
        assert_eq!(element_count(&[3, 0, 5], "x").ok(), Some(0));
        let big = MAX_ELEMENTS as usize;
        assert_eq!(element_count(&[big, 0], "x").ok(), Some(0));
        // Empty, but its other extents are above the cap (a fuzzing finding).
        let empty = element_count(&[0, usize::MAX], "x").map_err(|e| e.to_string());
        assert!(empty.is_err_and(|m| m.contains("holds no element")));
        assert!(element_count(&[2, 0, big / 2 + 1], "x").is_err());
        assert!(element_count(&[1 << 32, 0, 1 << 32], "x").is_err());
        let wrap = element_count(&[1 << 32, 1 << 32], "w").map_err(|e| e.to_string());
        assert!(wrap.is_err_and(|m| m.starts_with("w: shape (4294967296, 4294967296)")));
        assert!(element_count(&[usize::MAX], "x").is_err());
        assert!(element_count(&[MAX_ELEMENTS as usize], "x").is_ok());
        assert!(element_count(&[MAX_ELEMENTS as usize + 1], "x").is_err());
    }

    #[test]
    fn text_nesting_counts_unbalanced_brackets() {
        assert_eq!(text_nesting(""), 0);
        assert_eq!(text_nesting("{'x': [[[[(]"), 6);
        assert_eq!(text_nesting("{}{}()"), 1);
        assert!(check_text_nesting("{'shape': (1,), }", MAX_HEADER_NESTING, "x").is_ok());
        let deep = format!("{{'x': {}}}", "[".repeat(26));
        let err = check_text_nesting(&deep, MAX_HEADER_NESTING, "x.npy").map_err(|e| e.to_string());
        assert!(
            err.is_err_and(
                |m| m == "x.npy: the header nests brackets 27 levels deep; the limit is 8"
            )
        );
    }

    #[test]
    fn byte_count_overflows_cleanly() {
        assert_eq!(byte_count(3, 8, "x").ok(), Some(24));
        assert!(byte_count(usize::MAX, 8, "x").is_err());
    }

    #[test]
    fn depth_guard_counts_and_unwinds() {
        let mut guards = Vec::new();
        for _ in 0..MAX_DEPTH {
            guards.push(DepthGuard::enter());
        }
        assert!(guards.iter().all(std::result::Result::is_ok));
        assert!(DepthGuard::enter().is_err());
        guards.pop();
        assert!(DepthGuard::enter().is_ok());
        guards.clear();
        assert_eq!(DECODE_DEPTH.with(Cell::get), 0);
        assert!(check_depth(MAX_DEPTH, "a").is_ok());
        assert!(check_depth(MAX_DEPTH + 1, "a").is_err());
    }

    #[test]
    fn a_sequence_reserves_what_the_payload_can_hold() {
        assert_eq!(sequence_capacity::<f64>(None), 0);
        assert_eq!(sequence_capacity::<u8>(Some(usize::MAX)), 1 << 20);
        {
            let _outer = PayloadGuard::enter(800, NumberLayout::Items);
            assert_eq!(number_layout(), NumberLayout::Items);
            assert_eq!(sequence_capacity::<f64>(Some(100)), 100);
            assert_eq!(sequence_capacity::<f64>(Some(101)), 100);
            assert_eq!(sequence_capacity::<()>(Some(usize::MAX)), 800);
            {
                let _inner = PayloadGuard::enter(u64::MAX, NumberLayout::Chunks);
                assert_eq!(number_layout(), NumberLayout::Chunks);
                assert_eq!(sequence_capacity::<u64>(Some(usize::MAX)), (1 << 61) - 1);
            }
            assert_eq!(sequence_capacity::<u64>(Some(usize::MAX)), 100);
            assert_eq!(number_layout(), NumberLayout::Items);
        }
        assert_eq!(sequence_capacity::<f64>(Some(1 << 20)), 1 << 17);
    }
}

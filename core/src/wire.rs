//! Lists of numbers in a binary payload (a snapshot's or a checkpoint's, format version 2):
//! a list is its item count, then its items' little-endian bytes in chunks of at most
//! [`CHUNK_BYTES`] ([`Counted`]). A decoder copies each chunk's items into place rather
//! than decoding them one by one through serde (a large network's weights are 32 M
//! numbers), and never holds more than one chunk's bytes beside the items. Format version
//! 1 wrote each number as a serde item ([`NumberLayout::Items`]); the codec says which
//! layout the payload it decodes has ([`crate::limits::PayloadGuard`]).
//!
//! With bincode, `Counted` is the count as a varint, the number of chunks as a varint,
//! then each chunk as its length (a varint) and its bytes.

use crate::limits::sequence_capacity;
use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, SerializeTuple};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

/// The largest chunk of a list's bytes.
pub const CHUNK_BYTES: usize = 1 << 20;

/// How a binary payload lays out its lists of numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NumberLayout {
    /// Each number a serde item (snapshot format version 1).
    Items,
    /// [`Counted`]: the count, then chunks of little-endian bytes (format version 2).
    #[default]
    Chunks,
}

/// A number a list holds on the wire, as its little-endian bytes. On a little-endian
/// target those are its bytes in memory, which are written and read as they are
/// (`bytemuck`: no copy item by item); elsewhere each item is converted.
pub trait WireItem: bytemuck::Pod {
    /// Bytes an item takes.
    const WIDTH: usize;
    /// The item's little-endian bytes into `out` (`WIDTH` of them).
    fn put(self, out: &mut [u8]);
    /// The item of `WIDTH` little-endian bytes.
    fn get(bytes: &[u8]) -> Self;
}

/// `WIDTH` bytes as an array (`bytes` has exactly that many: every caller cuts it so).
fn exact<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut b = [0u8; N];
    b.copy_from_slice(bytes);
    b
}

/// [`WireItem`] for an unsigned integer of `$width` bytes.
macro_rules! unsigned_item {
    ($t:ty, $width:literal) => {
        impl WireItem for $t {
            const WIDTH: usize = $width;
            fn put(self, out: &mut [u8]) {
                out.copy_from_slice(&self.to_le_bytes());
            }
            fn get(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(exact(bytes))
            }
        }
    };
}

unsigned_item!(u32, 4);
unsigned_item!(u64, 8);

impl WireItem for f64 {
    const WIDTH: usize = 8;
    /// The IEEE bits: NaN payloads and `-0.0` kept.
    fn put(self, out: &mut [u8]) {
        self.to_bits().put(out);
    }
    fn get(bytes: &[u8]) -> Self {
        f64::from_bits(u64::get(bytes))
    }
}

/// A list written as its count and its chunks of bytes.
///
/// ```
/// use littoral_core::wire::{Counted, CountedSeed};
/// use serde::de::DeserializeSeed;
/// let items = vec![1.5, -0.0, f64::MAX];
/// let value = serde_json::to_value(Counted(&items))?; // any serde format
/// assert_eq!(value[0], 3);
/// let back = CountedSeed::<f64>::new().deserialize(value)?;
/// assert_eq!(back, items);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug)]
pub struct Counted<'a, T>(pub &'a [T]);

impl<T: WireItem> Serialize for Counted<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut tuple = s.serialize_tuple(2)?;
        tuple.serialize_element(&(self.0.len() as u64))?;
        tuple.serialize_element(&Chunks(self.0))?;
        tuple.end()
    }
}

/// A list's items as byte strings of at most [`CHUNK_BYTES`].
struct Chunks<'a, T>(&'a [T]);

impl<T: WireItem> Serialize for Chunks<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let per_chunk = CHUNK_BYTES / T::WIDTH;
        let mut seq = s.serialize_seq(Some(self.0.len().div_ceil(per_chunk)))?;
        let mut scratch = Vec::new();
        for part in self.0.chunks(per_chunk) {
            seq.serialize_element(&Bytes(le_bytes(part, &mut scratch)))?;
        }
        seq.end()
    }
}

/// `items`' little-endian bytes: their memory on a little-endian target, else converted
/// into `scratch`.
fn le_bytes<'a, T: WireItem>(items: &'a [T], scratch: &'a mut Vec<u8>) -> &'a [u8] {
    if cfg!(target_endian = "little") {
        bytemuck::cast_slice(items)
    } else {
        converted(items, scratch)
    }
}

/// `items`' little-endian bytes, item by item, into `scratch`.
fn converted<'a, T: WireItem>(items: &[T], scratch: &'a mut Vec<u8>) -> &'a [u8] {
    scratch.clear();
    scratch.resize(items.len() * T::WIDTH, 0);
    for (out, &x) in scratch.chunks_exact_mut(T::WIDTH).zip(items) {
        x.put(out);
    }
    scratch
}

/// Append the items of `bytes` (little-endian, a whole number of items): copied as they
/// are on a little-endian target when the bytes are aligned for `T`, else item by item.
fn extend_from_le<T: WireItem>(items: &mut Vec<T>, bytes: &[u8]) {
    match bytemuck::try_cast_slice::<u8, T>(bytes) {
        Ok(aligned) if cfg!(target_endian = "little") => items.extend_from_slice(aligned),
        _ => items.extend(bytes.chunks_exact(T::WIDTH).map(T::get)),
    }
}

/// A byte string (bincode: its length, then the bytes as they are).
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// Reads a [`Counted`] list. Its items are reserved at its count as far as
/// [`sequence_capacity`] allows (within the bytes of the payload being decoded).
#[derive(Debug)]
pub struct CountedSeed<T>(PhantomData<T>);

impl<T> CountedSeed<T> {
    /// A reader of `T` items.
    pub fn new() -> Self {
        CountedSeed(PhantomData)
    }
}

impl<T> Default for CountedSeed<T> {
    fn default() -> Self {
        CountedSeed::new()
    }
}

impl<'de, T: WireItem> DeserializeSeed<'de> for CountedSeed<T> {
    type Value = Vec<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_tuple(2, self)
    }
}

impl<'de, T: WireItem> Visitor<'de> for CountedSeed<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a count of numbers and their chunks of bytes")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let count: u64 = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let count = usize::try_from(count).unwrap_or(usize::MAX);
        seq.next_element_seed(ChunksSeed {
            count,
            item: PhantomData,
        })?
        .ok_or_else(|| de::Error::invalid_length(1, &self))
    }
}

/// Reads a list's chunks into `count` items.
struct ChunksSeed<T> {
    count: usize,
    item: PhantomData<T>,
}

impl<'de, T: WireItem> DeserializeSeed<'de> for ChunksSeed<T> {
    type Value = Vec<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: WireItem> Visitor<'de> for ChunksSeed<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} numbers in chunks of bytes", self.count)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let count = self.count;
        let mut items: Vec<T> = Vec::with_capacity(sequence_capacity::<T>(Some(count)));
        while let Some(Chunk(bytes)) = seq.next_element()? {
            if bytes.len() % T::WIDTH != 0 || bytes.len() > CHUNK_BYTES {
                return Err(de::Error::custom(format!(
                    "a chunk of {} bytes in a list of {}-byte numbers (a whole number of \
                     them, at most {CHUNK_BYTES} bytes, expected)",
                    bytes.len(),
                    T::WIDTH
                )));
            }
            if bytes.len() / T::WIDTH > count - items.len() {
                return Err(de::Error::custom(format!(
                    "a list of numbers holds more than its count of {count} items"
                )));
            }
            extend_from_le(&mut items, &bytes);
        }
        if items.len() != count {
            return Err(de::Error::custom(format!(
                "a list of numbers holds {} of its count of {count} items",
                items.len()
            )));
        }
        Ok(items)
    }
}

/// One chunk's bytes.
struct Chunk(Vec<u8>);

impl<'de> Deserialize<'de> for Chunk {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_byte_buf(ChunkVisitor)
    }
}

struct ChunkVisitor;

impl<'de> Visitor<'de> for ChunkVisitor {
    type Value = Chunk;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a chunk of bytes")
    }

    fn visit_byte_buf<E: de::Error>(self, bytes: Vec<u8>) -> Result<Chunk, E> {
        Ok(Chunk(bytes))
    }

    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> Result<Chunk, E> {
        Ok(Chunk(bytes.to_vec()))
    }

    /// A self-describing format (JSON) gives the bytes as a list of numbers.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Chunk, A::Error> {
        let mut bytes = Vec::with_capacity(sequence_capacity::<u8>(seq.size_hint()));
        while let Some(b) = seq.next_element()? {
            bytes.push(b);
        }
        Ok(Chunk(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NaN payloads, `-0.0`, the extremes and ordinary values.
    fn numbers() -> Vec<f64> {
        let mut x = vec![
            f64::from_bits(0x7FF8_0000_DEAD_BEEF),
            -0.0,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NEG_INFINITY,
        ];
        x.extend((0..100).map(|i| f64::from(i) * 0.37 - 5.0));
        x
    }

    /// Whatever the path (memory as it is, or item by item), the bytes are the items'
    /// little-endian bytes, and read back, aligned or not, they are the same items.
    #[test]
    fn bytes_are_little_endian_and_read_back_aligned_or_not() {
        let items = numbers();
        let want: Vec<u8> = items
            .iter()
            .flat_map(|x| x.to_bits().to_le_bytes())
            .collect();
        let mut scratch = Vec::new();
        assert_eq!(converted(&items, &mut scratch), want.as_slice());
        assert_eq!(le_bytes(&items, &mut scratch), want.as_slice());
        let mut shifted = vec![0u8];
        shifted.extend_from_slice(&want);
        for bytes in [&want[..], &shifted[1..]] {
            let mut back: Vec<f64> = Vec::new();
            extend_from_le(&mut back, bytes);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&back), bits(&items));
        }
        let words = [1u32, 0xDEAD_BEEF, u32::MAX];
        let mut back: Vec<u32> = Vec::new();
        extend_from_le(&mut back, converted(&words, &mut scratch));
        assert_eq!(back, words);
    }
}

//! A [`Snapshot`]'s payload, by format version (see `docs/snapshot-format.md`).
//!
//! Version 1 holds, in order: `format_version`, `library_version`, `network_json`,
//! `params`, `state`, `step`. Version 2 adds `structures`: the lists of the description's
//! sparse structures (each `indices` and `indptr` written `null` in `network_json`), as
//! little-endian integers rather than as text (a large network's are hundreds of MB of
//! text, whose parsing was most of a resume's time). A snapshot is always written in the
//! current version; both are read.
//!
//! A structure list is `(width, count, chunks)`: `width` 4 (`u32` items) or 8 (`u64`),
//! `count` its items, `chunks` a sequence of byte strings of at most [`CHUNK_BYTES`], each
//! a whole number of items. Decoding reserves the list at its count while that fits in the
//! payload's bytes ([`littoral_core::limits::sequence_capacity`]) and never holds more than
//! one chunk's bytes beside the items.

use crate::codec::FORMAT_VERSION;
use crate::snapshot::Snapshot;
use littoral_core::Tree;
use littoral_core::limits::sequence_capacity;
use littoral_core::network::Integers;
use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, SerializeStruct, SerializeTuple};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

/// The largest chunk of a structure list's bytes.
pub const CHUNK_BYTES: usize = 1 << 20;

/// The first version whose payload holds `structures`.
const STRUCTURES_SINCE: u32 = 2;

const FIELDS: [&str; 7] = [
    "format_version",
    "library_version",
    "network_json",
    "params",
    "state",
    "step",
    "structures",
];

impl Serialize for Snapshot {
    /// The current version's layout, whatever version the snapshot was read from (one read
    /// from version 1 has its lists in its description and none apart).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut fields = s.serialize_struct("Snapshot", FIELDS.len())?;
        fields.serialize_field("format_version", &FORMAT_VERSION)?;
        fields.serialize_field("library_version", &self.library_version)?;
        fields.serialize_field("network_json", &self.network_json)?;
        fields.serialize_field("params", &self.params)?;
        fields.serialize_field("state", &self.state)?;
        fields.serialize_field("step", &self.step)?;
        fields.serialize_field("structures", &Lists(&self.structures))?;
        fields.end()
    }
}

impl<'de> Deserialize<'de> for Snapshot {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct("Snapshot", &FIELDS, SnapshotVisitor)
    }
}

struct SnapshotVisitor;

impl<'de> Visitor<'de> for SnapshotVisitor {
    type Value = Snapshot;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a snapshot's fields in order")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Snapshot, A::Error> {
        let missing = |at: usize| de::Error::invalid_length(at, &"a snapshot's fields in order");
        let format_version: u32 = seq.next_element()?.ok_or_else(|| missing(0))?;
        let library_version: String = seq.next_element()?.ok_or_else(|| missing(1))?;
        let network_json: String = seq.next_element()?.ok_or_else(|| missing(2))?;
        let params: Tree = seq.next_element()?.ok_or_else(|| missing(3))?;
        let state: Tree = seq.next_element()?.ok_or_else(|| missing(4))?;
        let step: u64 = seq.next_element()?.ok_or_else(|| missing(5))?;
        let structures = if format_version >= STRUCTURES_SINCE {
            seq.next_element_seed(ListsSeed)?
                .ok_or_else(|| missing(6))?
        } else {
            Vec::new()
        };
        Ok(Snapshot {
            format_version,
            library_version,
            network_json,
            params,
            state,
            step,
            structures,
        })
    }
}

/// Structure lists as written.
struct Lists<'a>(&'a [Integers]);

impl Serialize for Lists<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for list in self.0 {
            match list {
                Integers::Narrow(items) => seq.serialize_element(&List(items))?,
                Integers::Wide(items) => seq.serialize_element(&List(items))?,
            }
        }
        seq.end()
    }
}

/// The items of a structure list in little-endian bytes.
trait Item: Copy + Sized {
    /// Bytes an item takes.
    const WIDTH: usize;
    fn put(self, out: &mut Vec<u8>);
    fn get(bytes: &[u8]) -> Self;
    fn list(items: Vec<Self>) -> Integers;
}

impl Item for u32 {
    const WIDTH: usize = 4;
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn get(bytes: &[u8]) -> Self {
        let mut b = [0u8; 4];
        b.copy_from_slice(bytes);
        u32::from_le_bytes(b)
    }
    fn list(items: Vec<Self>) -> Integers {
        Integers::Narrow(items)
    }
}

impl Item for u64 {
    const WIDTH: usize = 8;
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn get(bytes: &[u8]) -> Self {
        let mut b = [0u8; 8];
        b.copy_from_slice(bytes);
        u64::from_le_bytes(b)
    }
    fn list(items: Vec<Self>) -> Integers {
        Integers::Wide(items)
    }
}

/// One structure list: `(width, count, chunks)`.
struct List<'a, T>(&'a [T]);

impl<T: Item> Serialize for List<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut tuple = s.serialize_tuple(3)?;
        tuple.serialize_element(&(T::WIDTH as u8))?;
        tuple.serialize_element(&(self.0.len() as u64))?;
        tuple.serialize_element(&Chunks(self.0))?;
        tuple.end()
    }
}

/// A list's items as byte strings of at most [`CHUNK_BYTES`].
struct Chunks<'a, T>(&'a [T]);

impl<T: Item> Serialize for Chunks<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let per_chunk = CHUNK_BYTES / T::WIDTH;
        let mut seq = s.serialize_seq(Some(self.0.len().div_ceil(per_chunk)))?;
        let mut bytes = Vec::with_capacity(CHUNK_BYTES.min(self.0.len() * T::WIDTH));
        for part in self.0.chunks(per_chunk) {
            bytes.clear();
            for &x in part {
                x.put(&mut bytes);
            }
            seq.serialize_element(&Bytes(&bytes))?;
        }
        seq.end()
    }
}

/// A byte string (bincode: its length, then the bytes as they are).
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// Reads the structure lists.
struct ListsSeed;

impl<'de> DeserializeSeed<'de> for ListsSeed {
    type Value = Vec<Integers>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Integers>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ListsSeed {
    type Value = Vec<Integers>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence of structure lists")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Integers>, A::Error> {
        let mut lists = Vec::with_capacity(sequence_capacity::<Integers>(seq.size_hint()));
        while let Some(list) = seq.next_element_seed(ListSeed)? {
            lists.push(list);
        }
        Ok(lists)
    }
}

/// Reads one structure list.
struct ListSeed;

impl<'de> DeserializeSeed<'de> for ListSeed {
    type Value = Integers;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Integers, D::Error> {
        d.deserialize_tuple(3, self)
    }
}

impl<'de> Visitor<'de> for ListSeed {
    type Value = Integers;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a structure list (width, count, chunks)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Integers, A::Error> {
        let width: u8 = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let count: u64 = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        let list = match width {
            4 => seq.next_element_seed(ChunksSeed::<u32>::new(count))?,
            8 => seq.next_element_seed(ChunksSeed::<u64>::new(count))?,
            w => {
                return Err(de::Error::custom(format!(
                    "a structure list of {w}-byte items (4 or 8 expected)"
                )));
            }
        };
        list.ok_or_else(|| de::Error::invalid_length(2, &self))
    }
}

/// Reads a list's chunks into `count` items.
struct ChunksSeed<T> {
    count: u64,
    item: PhantomData<T>,
}

impl<T> ChunksSeed<T> {
    fn new(count: u64) -> Self {
        ChunksSeed {
            count,
            item: PhantomData,
        }
    }
}

impl<'de, T: Item> DeserializeSeed<'de> for ChunksSeed<T> {
    type Value = Integers;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Integers, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Item> Visitor<'de> for ChunksSeed<T> {
    type Value = Integers;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} items in chunks of bytes", self.count)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Integers, A::Error> {
        let count = usize::try_from(self.count).unwrap_or(usize::MAX);
        let mut items: Vec<T> = Vec::with_capacity(sequence_capacity::<T>(Some(count)));
        while let Some(Chunk(bytes)) = seq.next_element()? {
            if bytes.len() % T::WIDTH != 0 || bytes.len() > CHUNK_BYTES {
                return Err(de::Error::custom(format!(
                    "a chunk of {} bytes in a list of {}-byte items (a whole number of items, \
                     at most {CHUNK_BYTES} bytes, expected)",
                    bytes.len(),
                    T::WIDTH
                )));
            }
            if bytes.len() / T::WIDTH > count - items.len() {
                return Err(de::Error::custom(format!(
                    "a structure list holds more than its count of {count} items"
                )));
            }
            items.extend(bytes.chunks_exact(T::WIDTH).map(T::get));
        }
        if items.len() != count {
            return Err(de::Error::custom(format!(
                "a structure list holds {} of its count of {count} items",
                items.len()
            )));
        }
        Ok(T::list(items))
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
}

//! A [`Snapshot`]'s payload, by format version (see `docs/snapshot-format.md`).
//!
//! Version 1 holds, in order: `format_version`, `library_version`, `network_json`,
//! `params`, `state`, `step`. Version 2 adds `structures`: the lists of the description's
//! sparse structures (each `indices` and `indptr` written `null` in `network_json`), as
//! little-endian integers rather than as text (a large network's are hundreds of MB of
//! text, whose parsing was most of a resume's time), and every array's numbers are bytes
//! ([`littoral_core::wire`]; the codec tells the arrays which layout a payload has). A
//! snapshot is always written in the current version; both are read.
//!
//! A structure list is its item width (4 for `u32` items, 8 for `u64`), then its items as
//! [`littoral_core::wire::Counted`] writes them (their count, then chunks of little-endian
//! bytes), as every array of a version-2 payload is.

use crate::codec::FORMAT_VERSION;
use crate::snapshot::Snapshot;
use littoral_core::Tree;
use littoral_core::limits::sequence_capacity;
use littoral_core::network::Integers;
use littoral_core::wire::{Counted, CountedSeed};
use serde::de::{self, DeserializeSeed, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, SerializeStruct};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

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

/// Structure lists as written: each its width, then [`Counted`].
struct Lists<'a>(&'a [Integers]);

impl Serialize for Lists<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for list in self.0 {
            match list {
                Integers::Narrow(items) => seq.serialize_element(&(4u8, Counted(items)))?,
                Integers::Wide(items) => seq.serialize_element(&(8u8, Counted(items)))?,
            }
        }
        seq.end()
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
        d.deserialize_tuple(2, self)
    }
}

impl<'de> Visitor<'de> for ListSeed {
    type Value = Integers;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a structure list (its width, then its items)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Integers, A::Error> {
        let width: u8 = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let list = match width {
            4 => seq
                .next_element_seed(CountedSeed::<u32>::new())?
                .map(Integers::Narrow),
            8 => seq
                .next_element_seed(CountedSeed::<u64>::new())?
                .map(Integers::Wide),
            w => {
                return Err(de::Error::custom(format!(
                    "a structure list of {w}-byte items (4 or 8 expected)"
                )));
            }
        };
        list.ok_or_else(|| de::Error::invalid_length(1, &self))
    }
}

//! The `indptr` and `indices` of a structured option (a sparse matrix's structure), read
//! from a network file's text as integer lists: from the text itself when a list holds
//! nothing but plain non-negative integers ([`plain_integers`]), item by item through
//! `serde_json` otherwise ([`ListSeed`]).

use crate::error::Result;
use crate::network::{Integers, not_integers};
use serde::de::{
    DeserializeSeed, Deserializer, Error as DeError, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde_json::Value as Json;
use std::fmt;

/// The items of `text`, a JSON list (as `serde_json` checked it: no leading zeros, no
/// trailing comma) of plain non-negative integers and whitespace, or `None` for any other
/// JSON (a sign, a fraction, an exponent, a nested value, an item of more than 19 digits).
/// The items are counted by their commas first, so the list is allocated once.
pub(super) fn plain_integers(text: &str) -> Option<Integers> {
    let bytes = text.strip_prefix('[')?.strip_suffix(']')?.as_bytes();
    let blank = |b: u8| matches!(b, b' ' | b'\n' | b'\r' | b'\t');
    let skip_blanks = |mut i: usize| {
        while bytes.get(i).is_some_and(|&b| blank(b)) {
            i += 1;
        }
        i
    };
    let mut list = Integers::Narrow(Vec::with_capacity(
        bytes.iter().filter(|&&b| b == b',').count() + 1,
    ));
    let mut i = skip_blanks(0);
    while i < bytes.len() {
        let start = i;
        let mut x = 0u64;
        while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
            // An item of more than 19 digits may not fit: not plain (read item by item).
            x = x.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            i += 1;
        }
        // An item without digits is not plain, nor one of more than 19.
        if i == start || i - start > 19 {
            return None;
        }
        list.push(x);
        i = skip_blanks(i);
        match bytes.get(i) {
            None => {}
            Some(b',') if skip_blanks(i + 1) < bytes.len() => i = skip_blanks(i + 1),
            Some(_) => return None,
        }
    }
    Some(list)
}

/// What the text gives for a structure's list.
pub(super) enum Listed {
    /// The list, or why it is not one.
    Read(Result<Integers>),
    /// `null`, in a text whose lists are apart ([`super::parse_apart`]).
    Apart,
}

/// A list of non-negative integers at a JSON path, read item by item (each item a
/// `serde_json` value only while it is checked), with the error
/// [`crate::network::integer_list`] gives the same JSON; `null` is [`Listed::Apart`] in a
/// text whose lists are apart.
pub(super) struct ListSeed<'p> {
    pub(super) path: &'p str,
    pub(super) apart: bool,
}

impl ListSeed<'_> {
    fn not_a_list(&self) -> Listed {
        Listed::Read(Err(not_integers(self.path, None)))
    }
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_> {
    type Value = Listed;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Listed, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = Listed;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of non-negative integers")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Listed, A::Error> {
        let mut list = Integers::default();
        let mut first_bad = None;
        while let Some(item) = seq.next_element::<Json>()? {
            match item.as_u64() {
                Some(x) => list.push(x),
                None if first_bad.is_none() => first_bad = Some((list.len(), item)),
                None => {}
            }
        }
        Ok(Listed::Read(match first_bad {
            None => Ok(list),
            Some((k, item)) => Err(not_integers(self.path, Some((k, &item)))),
        }))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Listed, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(self.not_a_list())
    }

    fn visit_bool<E: DeError>(self, _: bool) -> std::result::Result<Listed, E> {
        Ok(self.not_a_list())
    }

    fn visit_i64<E: DeError>(self, _: i64) -> std::result::Result<Listed, E> {
        Ok(self.not_a_list())
    }

    fn visit_u64<E: DeError>(self, _: u64) -> std::result::Result<Listed, E> {
        Ok(self.not_a_list())
    }

    fn visit_f64<E: DeError>(self, _: f64) -> std::result::Result<Listed, E> {
        Ok(self.not_a_list())
    }

    fn visit_str<E: DeError>(self, _: &str) -> std::result::Result<Listed, E> {
        Ok(self.not_a_list())
    }

    fn visit_unit<E: DeError>(self) -> std::result::Result<Listed, E> {
        Ok(if self.apart {
            Listed::Apart
        } else {
            self.not_a_list()
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]
    use super::*;

    #[test]
    fn only_plain_integer_lists_are_read_as_text() {
        for plain in [
            "[]",
            "[ ]",
            "[0]",
            "[\n 1,\n 2\n]",
            "[4294967296, 1]",
            "[9999999999999999999]",
        ] {
            assert!(plain_integers(plain).is_some(), "{plain}");
        }
        // Read item by item instead (each read as `integer_list` reads it: the proptests).
        for other in [
            "[-1]",
            "[1.0]",
            "[1e3]",
            "[[1]]",
            "[\"1\"]",
            "[null]",
            "[1,]",
            "[1 2]",
            "[,]",
            "7",
            "[18446744073709551615]",
            "[18446744073709551616]",
        ] {
            assert!(plain_integers(other).is_none(), "{other}");
        }
        let wide = plain_integers("[1, 4294967296]").expect("plain");
        assert_eq!(wide.into_u64(), [1, 1 << 32]);
    }
}

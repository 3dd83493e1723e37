//! NumPy- and Python-style text for arrays and nested dictionaries, so that the demo and
//! `inspect` print what Rockpool users see (`array([[0.1, 0.2], …])`, `{'tau': …}`).

use littoral_core::{Array, Entry, Leaf, Nested, Value};

/// NumPy's default line width.
const LINE_WIDTH: usize = 75;

/// Format each element of a float array the way NumPy's `repr` does (precision 8,
/// trailing zeros dropped, positional unless the range calls for scientific notation),
/// padded to a common width.
fn float_cells(data: &[f64]) -> Vec<String> {
    let finite: Vec<f64> = data
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .map(f64::abs)
        .collect();
    let max = finite.iter().copied().fold(0.0, f64::max);
    let min_nz = finite
        .iter()
        .copied()
        .filter(|&v| v != 0.0)
        .fold(f64::INFINITY, f64::min);
    let sci = max >= 1e8 || (min_nz.is_finite() && (min_nz < 1e-4 || max / min_nz > 1e3));
    let parts: Vec<(String, String)> = data
        .iter()
        .map(|&v| {
            if !v.is_finite() {
                let s = if v.is_nan() {
                    "nan".to_string()
                } else if v > 0.0 {
                    "inf".to_string()
                } else {
                    "-inf".to_string()
                };
                (s, String::new())
            } else if sci {
                let s = format!("{v:.8e}");
                let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
                let mant = trim_zeros(mant);
                let (int, frac) = mant.split_once('.').unwrap_or((&mant, ""));
                let e: i32 = exp.parse().unwrap_or(0);
                let sign = if e < 0 { '-' } else { '+' };
                (
                    int.to_string(),
                    format!(".{frac}e{sign}{:02}", e.unsigned_abs()),
                )
            } else {
                let s = trim_zeros(&format!("{v:.8}"));
                let s = if s == "-0." && v == 0.0 {
                    "-0.".to_string()
                } else {
                    s
                };
                let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
                (int.to_string(), format!(".{frac}"))
            }
        })
        .collect();
    let wi = parts.iter().map(|(i, _)| i.len()).max().unwrap_or(0);
    let wf = parts.iter().map(|(_, f)| f.len()).max().unwrap_or(0);
    parts
        .into_iter()
        .map(|(i, f)| format!("{i:>wi$}{f:<wf$}"))
        .collect()
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        let t = s.trim_end_matches('0');
        t.to_string()
    } else {
        s.to_string()
    }
}

fn int_cells(data: &[u64]) -> Vec<String> {
    let cells: Vec<String> = data.iter().map(u64::to_string).collect();
    let w = cells.iter().map(String::len).max().unwrap_or(0);
    cells.into_iter().map(|c| format!("{c:>w$}")).collect()
}

/// Nested brackets over row-major cells, NumPy style: rows separated by `,\n` plus
/// indentation, blocks of higher rank by blank lines, long rows wrapped.
fn nest(cells: &[String], shape: &[usize], indent: usize) -> String {
    match shape {
        [] => cells.first().cloned().unwrap_or_default(),
        [_] => {
            let mut out = String::from("[");
            let mut col = indent + 1;
            for (i, c) in cells.iter().enumerate() {
                let piece = if i + 1 < cells.len() {
                    format!("{c},")
                } else {
                    c.clone()
                };
                if i > 0 {
                    if col + 1 + piece.len() + 1 > LINE_WIDTH {
                        out.push('\n');
                        out.push_str(&" ".repeat(indent + 1));
                        col = indent + 1;
                    } else {
                        out.push(' ');
                        col += 1;
                    }
                }
                out.push_str(&piece);
                col += piece.len();
            }
            out.push(']');
            out
        }
        [n, rest @ ..] => {
            let stride: usize = rest.iter().product();
            let sep = format!(",{}{}", "\n".repeat(rest.len()), " ".repeat(indent + 1));
            let inner: Vec<String> = (0..*n)
                .map(|i| nest(&cells[i * stride..(i + 1) * stride], rest, indent + 1))
                .collect();
            format!("[{}]", inner.join(&sep))
        }
    }
}

/// `repr` of a float array: `array([0.1, 0.2])`; a scalar prints as its value.
pub fn array_repr(a: &Array) -> String {
    if a.shape().is_empty() {
        return float_cells(a.data()).join("").trim().to_string();
    }
    if a.is_empty() {
        return format!(
            "array([], shape={})",
            littoral_core::array::format_shape(a.shape())
        );
    }
    format!("array({})", nest(&float_cells(a.data()), a.shape(), 6))
}

/// `repr` of an integer array: `array([1, 2], dtype=uint64)`.
pub fn u64_array_repr(a: &Array<u64>) -> String {
    if a.shape().is_empty() {
        return int_cells(a.data()).join("");
    }
    format!(
        "array({}, dtype=uint64)",
        nest(&int_cells(a.data()), a.shape(), 6)
    )
}

/// `repr` of a tree leaf's value.
pub fn value_repr(v: &Value) -> String {
    match v {
        Value::F64(a) => array_repr(a),
        Value::U64(a) => u64_array_repr(a),
    }
}

/// Python-style `str(a)` of a float array (NumPy's `print(a)`: no commas).
pub fn array_str(a: &Array) -> String {
    if a.shape().is_empty() || a.is_empty() {
        return array_repr(a);
    }
    nest(&float_cells(a.data()), a.shape(), 0).replace(',', "")
}

/// A nested dictionary printed as Python would (`{'neurons': {'tau': array([…])}}`),
/// one entry per line, indented by four spaces per level.
pub fn dict_repr<T>(tree: &Nested<T>, leaf: &dyn Fn(&T) -> String) -> String {
    fn go<T>(t: &Nested<T>, leaf: &dyn Fn(&T) -> String, depth: usize, out: &mut String) {
        if t.is_empty() {
            out.push_str("{}");
            return;
        }
        out.push_str("{\n");
        let pad = " ".repeat(4 * (depth + 1));
        let n = t.len();
        for (i, (name, e)) in t.iter().enumerate() {
            out.push_str(&pad);
            out.push_str(&format!("'{name}': "));
            match e {
                Entry::Leaf(v) => {
                    let text = leaf(v);
                    let cont = format!("\n{}", " ".repeat(pad.len() + name.len() + 4));
                    out.push_str(&text.replace('\n', &cont));
                }
                Entry::Branch(b) => go(b, leaf, depth + 1, out),
            }
            if i + 1 < n {
                out.push(',');
            }
            out.push('\n');
        }
        out.push_str(&" ".repeat(4 * depth));
        out.push('}');
    }
    let mut out = String::new();
    go(tree, leaf, 0, &mut out);
    out
}

/// [`dict_repr`] of a parameter tree.
pub fn tree_repr(tree: &Nested<Leaf>) -> String {
    dict_repr(tree, &|l: &Leaf| value_repr(&l.value))
}

/// [`dict_repr`] of a record.
pub fn record_repr(rec: &Nested<Array>) -> String {
    dict_repr(rec, &|a: &Array| array_repr(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_style() {
        let a = Array::from_vec(vec![0.00637465, 0.00499181, 0.00717, 0.00518635]);
        assert_eq!(
            array_repr(&a),
            "array([0.00637465, 0.00499181, 0.00717   , 0.00518635])"
        );
        let z = Array::zeros(vec![2, 2]);
        assert_eq!(array_repr(&z), "array([[0., 0.],\n       [0., 0.]])");
        assert_eq!(array_repr(&Array::scalar(0.02)), "0.02");
    }
}

//! The sparse recurrent weights as [`super::recurrent`] reads them: the structure and
//! values, each row's one weight when its synapses all have it (such a row reads no
//! weight array: CUBA's rows, the excitatory or the inhibitory weight), and, when every
//! synapse onto a synapse plane has one weight `w`, that plane's running sums
//! `((0 + w) + w) + …`: the input of `k` events onto a column, looked up instead of summed.

use crate::sparse::Structure;
use littoral_core::Array;
use std::sync::Arc;

/// The most events in one step that [`Rows::sums`] covers (a column's tally is a `u8`).
pub(super) const MAX_TALLY: usize = 255;

/// Per synapse plane, the sums of `0..=MAX_TALLY` equal terms.
pub(super) type Sums = [[f64; MAX_TALLY + 1]; 2];

/// The sparse recurrent weights of an [`super::Autonomous`].
#[derive(Debug)]
pub(super) struct Rows {
    pub st: Arc<Structure>,
    pub w: Arc<Array>,
    /// Per row, the weight all its synapses have (the same bits), if they have one.
    pub one: Vec<Option<f64>>,
    /// Per plane `column & (S − 1)`, `sums[k] = ((0 + w) + w) + …` (`k` terms; `c · w = w`
    /// for a count `c = 1`), the sum `irec` of `k` events onto one column in the module,
    /// when every synapse onto the plane has the one weight `w`; `None` otherwise.
    pub sums: Option<Box<Sums>>,
}

impl Rows {
    /// The weights `w` (one per synapse of `st`, the module's checked `w_rec`) onto
    /// `n_syn` (1 or 2) synapse planes.
    pub fn new(st: Arc<Structure>, w: Arc<Array>, n_syn: usize) -> Self {
        let data = w.data();
        let one = st
            .indptr()
            .windows(2)
            .map(|r| {
                let row = data.get(r[0]..r[1]).unwrap_or_default();
                let first = row.first().copied();
                first.filter(|f| row.iter().all(|x| x.to_bits() == f.to_bits()))
            })
            .collect();
        let mut plane: [Option<u64>; 2] = [None; 2];
        let mut same = true;
        for (&k, &x) in st.indices().iter().zip(data) {
            let p = &mut plane[k as usize & (n_syn - 1) & 1];
            if *p.get_or_insert(x.to_bits()) != x.to_bits() {
                same = false;
                break;
            }
        }
        let sums = same.then(|| {
            Box::new(plane.map(|b| {
                let w = f64::from_bits(b.unwrap_or(0));
                let (mut s, mut sum) = ([0.0; MAX_TALLY + 1], 0.0);
                for x in &mut s[1..] {
                    sum += w;
                    *x = sum;
                }
                s
            }))
        });
        Rows { st, w, one, sums }
    }
}

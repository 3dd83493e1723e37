//! The refractory period as a list of the neurons it holds, beside the neuron pass rather
//! than inside it.
//!
//! The module counts down a counter per neuron: each step `left = max(c − 1, 0)`; a
//! neuron with `left > 0` keeps its `vmem` and cannot fire; one that fires restarts at the
//! period. At CUBA's rates about 1 % of the neurons are held at a time, yet a counter
//! plane in the pass costs every neuron its load, its store and the conversions between
//! 16-bit counters and 64-bit lanes (about a third of the pass's instructions on AVX2).
//! So the pass runs as if no neuron were held, and [`Held::settle`] then puts the held
//! neurons back: their `vmem` as it was (the value they were held at) and no spike. Their
//! synaptic currents decay in the pass as in the module, held or not. The bits are the
//! module's (`nets/tests/autonomous.rs`).

/// The held neurons of one part, ascending, with what they are held at.
#[derive(Debug, Default)]
pub(super) struct Held {
    /// `(neuron, counter, vmem)`: the module's counter after the last step (> 0) and the
    /// membrane the neuron keeps.
    list: Vec<Entry>,
    /// The next step's list, built by [`Held::settle`] (kept to reuse its allocation).
    next: Vec<Entry>,
}

/// `(neuron, counter, vmem)`.
type Entry = (u32, u16, f64);

impl Held {
    /// From a part's counters (neurons `lo..`) and membranes.
    pub fn from_counters(lo: usize, counters: &[u16], vmem: &[f64]) -> Self {
        let list = counters
            .iter()
            .zip(vmem)
            .enumerate()
            .filter(|(_, (c, _))| **c > 0)
            .map(|(j, (&c, &v))| ((lo + j) as u32, c, v))
            .collect();
        Held {
            list,
            next: Vec::new(),
        }
    }

    /// Write the counters back (neurons `lo..`): the listed ones, zero elsewhere.
    pub fn write_counters(&self, lo: usize, counters: &mut [u16]) {
        counters.fill(0);
        for &(j, c, _) in &self.list {
            counters[j as usize - lo] = c;
        }
    }

    /// After a pass that held no neuron (neurons `lo..lo + vmem.len()`, `fired` ascending):
    /// the module's step for the neurons this step holds (`max(c − 1, 0) > 0`): `vmem`
    /// restored, taken out of `fired`. Then the counters: the ones that fired restart at
    /// `period` (when it is not 0), with the membrane they were reset to.
    ///
    /// One walk merges the list and `fired` (both ascending): a walk per task (count
    /// down, restore, withdraw, merge) took a fifth of CUBA's time at N = 4,000.
    pub fn settle(&mut self, lo: usize, period: u16, vmem: &mut [f64], fired: &mut Vec<u32>) {
        /// The module's step for a listed neuron that did not reach the threshold
        /// (or did, held): still held after counting down, it keeps its membrane.
        #[inline(always)]
        fn count_down((j, c, v): Entry, lo: usize, vmem: &mut [f64], next: &mut Vec<Entry>) {
            if c > 1 {
                vmem[j as usize - lo] = v;
                next.push((j, c - 1, v));
            }
        }
        let Held { list, next } = self;
        next.clear();
        let (mut at, mut kept) = (0, 0);
        for read in 0..fired.len() {
            let j = fired[read];
            while let Some(&entry) = list.get(at).filter(|e| e.0 < j) {
                count_down(entry, lo, vmem, next);
                at += 1;
            }
            if let Some(&entry) = list.get(at).filter(|e| e.0 == j) {
                at += 1;
                if entry.1 > 1 {
                    count_down(entry, lo, vmem, next); // held: the spike is withdrawn
                    continue;
                }
            }
            fired[kept] = j;
            kept += 1;
            if period > 0 {
                next.push((j, period, vmem[j as usize - lo]));
            }
        }
        for &entry in &list[at..] {
            count_down(entry, lo, vmem, next);
        }
        fired.truncate(kept);
        std::mem::swap(list, next);
    }
}

#[cfg(test)]
mod tests {
    use super::Held;

    /// Several steps of random pass outcomes settled through the list give the module's
    /// per-neuron counters: held neurons keep their membrane and do not fire (even where
    /// the pass crossed the threshold), the others keep the pass's result and restart
    /// their counter when they fire. Periods 0, 1 (a counter that holds no step) and 3.
    #[test]
    fn settling_the_list_is_the_modules_counter_step() {
        let (lo, n) = (100, 37);
        let mut seed = 0x2545_F491_4F6C_DD1D_u64;
        let mut draw = |m: u64| {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) % m
        };
        for period in [0u16, 1, 3] {
            let mut counters: Vec<u16> = (0..n).map(|_| draw(4) as u16).collect();
            let mut vmem: Vec<f64> = (0..n).map(|j| j as f64).collect();
            let mut held = Held::from_counters(lo, &counters, &vmem);
            for step in 0..40 {
                // The pass: every neuron gets a new membrane, a third of them fire.
                let passed: Vec<f64> = (0..n).map(|_| draw(1000) as f64 / 7.0).collect();
                let fired_by_pass: Vec<u32> = (0..n as u32)
                    .filter(|_| draw(3) == 0)
                    .map(|j| j + lo as u32)
                    .collect();
                // The module's step, neuron by neuron.
                let mut want_vmem = vmem.clone();
                let mut want_fired = Vec::new();
                for j in 0..n {
                    let left = counters[j].saturating_sub(1);
                    let fire = fired_by_pass.contains(&((lo + j) as u32));
                    if left > 0 {
                        counters[j] = left;
                    } else {
                        want_vmem[j] = passed[j];
                        counters[j] = if fire { period } else { 0 };
                        if fire {
                            want_fired.push((lo + j) as u32);
                        }
                    }
                }
                let mut fired = fired_by_pass.clone();
                vmem.clone_from(&passed);
                held.settle(lo, period, &mut vmem, &mut fired);
                assert_eq!(fired, want_fired, "period {period}, step {step}");
                assert_eq!(vmem, want_vmem, "period {period}, step {step}");
                let mut got = vec![9; n];
                held.write_counters(lo, &mut got);
                assert_eq!(got, counters, "period {period}, step {step}");
            }
        }
    }
}

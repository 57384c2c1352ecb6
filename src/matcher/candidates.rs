//! Candidate generation: the entries a query's terms reach through the postings, with
//! their coverage numerators and entry-coverage estimates, and the preselection of the
//! best of them for re-scoring ([`Index::preselect`]).
//!
//! Speed: the per-entry accumulators are a scratch kept per thread and reset sparsely
//! (only the entries a query touched), so a query allocates nothing the size of the FAQ
//! (two 128 KB arrays per ranking at 16k entries before, which also made the allocator
//! consolidate its free lists on every query). The preselection sorts precomputed
//! estimates instead of recomputing two of them per comparison. The result is the
//! same, bit for bit, as accumulating into fresh arrays: the same additions in the same
//! order.

use std::cell::Cell;

use super::{Index, Resolved};

/// Per-thread scratch of [`Index::preselect`]. Between uses every accumulator is zero and
/// every list empty.
#[derive(Default)]
struct Scratch {
    /// Per entry: coverage numerator and entry-coverage estimate.
    acc: Vec<(f32, f32)>,
    /// Per entry: the best alternative of the current multi-alternative term.
    best: Vec<(f32, f32)>,
    /// Entries with an accumulator set (each at its first contribution).
    touched: Vec<u32>,
    /// Entries with `best` set by the current term.
    term_touched: Vec<u32>,
    /// Sort keys (estimate, entry) of the touched entries, for the preselection.
    keyed: Vec<u64>,
}

thread_local! {
    /// Taken out while in use (a panic drops it, and the next use starts afresh).
    static SCRATCH: Cell<Scratch> = Cell::new(Scratch::default());
}

impl Index {
    /// Candidate generation for `query`: every entry one of its terms reaches, with
    /// `acc.0 = sum of weight * strength * confidence` (the coverage numerator) and
    /// `acc.1 = sum of share * confidence` (the entry-coverage estimate), summed over
    /// the query's terms in order (a term with several alternatives adds its best one).
    /// Returns at most `top_k` of them, `(entry, coverage numerator)`, those with the
    /// highest `estimate(acc.0, acc.1)` (ties: lower entry first), in no particular
    /// order; all of them when there are no more than `top_k`.
    pub(super) fn preselect(
        &self,
        query: &[Resolved],
        top_k: usize,
        estimate: impl Fn(f32, f32) -> f32,
    ) -> Vec<(u32, f32)> {
        let mut s = SCRATCH.with(Cell::take);
        let n = self.ids.len();
        if s.acc.len() != n {
            // a fresh scratch, or another index (all zero either way)
            s.acc = vec![(0.0, 0.0); n];
            s.best = vec![(0.0, 0.0); n];
        }
        let Scratch {
            acc,
            best,
            touched,
            term_touched,
            keyed,
        } = &mut s;
        for q in query {
            if q.alts.len() == 1 {
                let (t, conf) = q.alts[0];
                let postings = &self.postings[t as usize];
                // branch-free: written at the end of `touched` always, kept (the length
                // moved on) only at the entry's first contribution
                let mut len = touched.len();
                touched.resize(len + postings.len(), 0);
                for p in postings {
                    let slot = &mut acc[p.entry as usize];
                    touched[len] = p.entry;
                    len += usize::from(slot.0 == 0.0);
                    slot.0 += q.weight * p.strength * conf;
                    slot.1 += p.share * conf;
                }
                touched.truncate(len);
            } else {
                for &(t, conf) in &q.alts {
                    for p in &self.postings[t as usize] {
                        let slot = &mut best[p.entry as usize];
                        if slot.0 == 0.0 {
                            term_touched.push(p.entry);
                        }
                        let c = q.weight * p.strength * conf;
                        if c > slot.0 {
                            *slot = (c, p.share * conf);
                        }
                    }
                }
                for e in term_touched.drain(..) {
                    let slot = &mut acc[e as usize];
                    if slot.0 == 0.0 {
                        touched.push(e);
                    }
                    let b = std::mem::take(&mut best[e as usize]);
                    slot.0 += b.0;
                    slot.1 += b.1;
                }
            }
        }
        let out: Vec<(u32, f32)> = if touched.len() > top_k {
            // Highest estimate first, then lower entry: for estimates >= +0.0 (not NaN)
            // the order of the key `(!bits << 32) | entry`, as `f32::total_cmp` orders
            // them by their bits. Any other estimate falls back to comparing floats.
            let mut plain = true;
            keyed.extend(touched.iter().map(|&e| {
                let (c, sh) = acc[e as usize];
                let est = estimate(c, sh);
                plain &= est.to_bits() >> 31 == 0 && !est.is_nan();
                (u64::from(!est.to_bits()) << 32) | u64::from(e)
            }));
            if !plain {
                keyed.clear();
                keyed.extend(touched.iter().map(|&e| {
                    let (c, sh) = acc[e as usize];
                    (u64::from(estimate(c, sh).to_bits()) << 32) | u64::from(e)
                }));
                let float = |k: &u64| f32::from_bits((k >> 32) as u32);
                keyed.select_nth_unstable_by(top_k - 1, |a, b| {
                    float(b)
                        .total_cmp(&float(a))
                        .then((a & 0xffff_ffff).cmp(&(b & 0xffff_ffff)))
                });
            } else {
                keyed.select_nth_unstable(top_k - 1);
            }
            keyed[..top_k]
                .iter()
                .map(|&k| {
                    let e = k as u32;
                    (e, acc[e as usize].0)
                })
                .collect()
        } else {
            touched.iter().map(|&e| (e, acc[e as usize].0)).collect()
        };
        // every slot set was set at its first contribution, when `touched` got it
        for &e in touched.iter() {
            acc[e as usize] = (0.0, 0.0);
        }
        touched.clear();
        keyed.clear();
        SCRATCH.with(|c| c.set(s));
        out
    }
}

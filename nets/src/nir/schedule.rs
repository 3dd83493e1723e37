//! The cycle rule of `docs/nir-semantics.md` §1 on a flattened graph: a depth-first
//! search from the Input nodes (name order), then from every node not reached (name
//! order), successors in name order; an edge to a node on the search path is a back edge
//! (it delivers the previous step's value); nodes run in the reverse post-order. Nodes on
//! a cycle are grouped into blocks that are stepped one time step at a time; every other
//! node runs over the whole time series at once.

use std::collections::{BTreeMap, BTreeSet};

/// A flat graph's schedule.
#[derive(Clone, Debug, Default)]
pub(crate) struct Schedule {
    /// Node indices in evaluation order (reverse post-order).
    pub order: Vec<usize>,
    /// Back edges `(source, target)` as node indices.
    pub back: BTreeSet<(usize, usize)>,
    /// Blocks in evaluation order: one node, or the nodes of a cycle (in `order` order).
    pub blocks: Vec<Vec<usize>>,
}

/// The schedule of nodes `names` (indices are positions in `names`), edges as index
/// pairs, roots first (the graph's own Input nodes).
pub(crate) fn schedule(names: &[String], edges: &[(usize, usize)], roots: &[usize]) -> Schedule {
    let n = names.len();
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(s, d) in edges {
        if !succ[s].contains(&d) {
            succ[s].push(d);
        }
    }
    for s in &mut succ {
        s.sort_by(|a, b| names[*a].cmp(&names[*b]));
    }
    let mut by_name: Vec<usize> = (0..n).collect();
    by_name.sort_by(|a, b| names[*a].cmp(&names[*b]));
    let mut sorted_roots = roots.to_vec();
    sorted_roots.sort_by(|a, b| names[*a].cmp(&names[*b]));
    // 0 new, 1 on the path, 2 done
    let mut mark = vec![0u8; n];
    let mut post = Vec::with_capacity(n);
    let mut back = BTreeSet::new();
    for root in sorted_roots.into_iter().chain(by_name) {
        if mark[root] != 0 {
            continue;
        }
        mark[root] = 1;
        let mut stack = vec![(root, 0usize)];
        while let Some(top) = stack.last_mut() {
            let node = top.0;
            match succ[node].get(top.1).copied() {
                None => {
                    mark[node] = 2;
                    post.push(node);
                    stack.pop();
                }
                Some(t) => {
                    top.1 += 1;
                    match mark[t] {
                        1 => {
                            back.insert((node, t));
                        }
                        0 => {
                            mark[t] = 1;
                            stack.push((t, 0));
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    post.reverse();
    let blocks = blocks(n, edges, &back, &post);
    Schedule {
        order: post,
        back,
        blocks,
    }
}

/// Group the nodes of cycles (each back edge `u → v` closes the cycle through every node
/// reachable from `v` that reaches `u` by forward edges) and order the blocks.
fn blocks(
    n: usize,
    edges: &[(usize, usize)],
    back: &BTreeSet<(usize, usize)>,
    order: &[usize],
) -> Vec<Vec<usize>> {
    let forward: Vec<(usize, usize)> = edges
        .iter()
        .copied()
        .filter(|e| !back.contains(e))
        .collect();
    let mut succ = vec![Vec::new(); n];
    let mut pred = vec![Vec::new(); n];
    for &(s, d) in &forward {
        succ[s].push(d);
        pred[d].push(s);
    }
    let reach = |start: usize, next: &Vec<Vec<usize>>| {
        let mut seen = vec![false; n];
        let mut todo = vec![start];
        seen[start] = true;
        while let Some(x) = todo.pop() {
            for &y in &next[x] {
                if !seen[y] {
                    seen[y] = true;
                    todo.push(y);
                }
            }
        }
        seen
    };
    // Union-find of the nodes on each back edge's cycles.
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(parent: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while parent[r] != r {
            r = parent[r];
        }
        parent[x] = r;
        r
    }
    let mut cyclic = vec![false; n];
    for &(u, v) in back {
        let from_v = reach(v, &succ);
        let to_u = reach(u, &pred);
        for x in 0..n {
            if from_v[x] && to_u[x] {
                cyclic[x] = true;
                let (a, b) = (find(&mut parent, x), find(&mut parent, v));
                parent[a] = b;
            }
        }
    }
    let position: BTreeMap<usize, usize> = order.iter().enumerate().map(|(i, &x)| (x, i)).collect();
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &x in order {
        let root = if cyclic[x] { find(&mut parent, x) } else { x };
        members.entry(root).or_default().push(x);
    }
    let block_of: BTreeMap<usize, usize> = members
        .iter()
        .flat_map(|(&root, xs)| xs.iter().map(move |&x| (x, root)))
        .collect();
    // Kahn's algorithm on the blocks, the block whose first member comes first in
    // `order` when several are ready.
    let mut indegree: BTreeMap<usize, usize> = members.keys().map(|&r| (r, 0)).collect();
    let mut block_succ: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for &(s, d) in &forward {
        let (bs, bd) = (block_of[&s], block_of[&d]);
        if bs != bd && block_succ.entry(bs).or_default().insert(bd) {
            *indegree.entry(bd).or_default() += 1;
        }
    }
    let first = |r: usize| position[&members[&r][0]];
    let mut ready: BTreeSet<(usize, usize)> = indegree
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(&r, _)| (first(r), r))
        .collect();
    let mut out = Vec::with_capacity(members.len());
    while let Some((_, r)) = ready.pop_first() {
        out.push(members[&r].clone());
        for &t in block_succ.get(&r).into_iter().flatten() {
            if let Some(d) = indegree.get_mut(&t) {
                *d -= 1;
                if *d == 0 {
                    ready.insert((first(t), t));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::schedule;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    /// `input → fc → lif ⇄ w_rec → …`: the recurrent edge is the back edge and the cycle
    /// is one block.
    #[test]
    fn a_recurrent_pair_is_one_block() {
        let n = names(&["fc", "input", "lif", "output", "w_rec"]);
        let edges = [(1, 0), (0, 2), (2, 4), (4, 2), (2, 3)];
        let s = schedule(&n, &edges, &[1]);
        assert_eq!(s.order, [1, 0, 2, 4, 3]);
        assert_eq!(s.back.iter().copied().collect::<Vec<_>>(), [(4, 2)]);
        assert_eq!(s.blocks, vec![vec![1], vec![0], vec![2, 4], vec![3]]);
    }
}

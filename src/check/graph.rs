//! Order among things defined through each other (derived assumptions, clauses whose days are
//! `end of` another clause): each after those it depends on, or the cycle that forbids an
//! order. One pass over the edges (Kahn's algorithm), so 10,000 chained definitions cost no
//! more than 10,000 separate ones.

/// The nodes in an order where each follows everything it depends on, with each node's depth
/// (0 when it depends on nothing, else one more than its deepest dependency); or, when some
/// nodes depend on each other in a circle, the members of one such circle in order.
pub fn order(deps: &[Vec<usize>]) -> Result<(Vec<usize>, Vec<u32>), Vec<usize>> {
    let n = deps.len();
    let mut waiting: Vec<usize> = deps.iter().map(Vec::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (node, list) in deps.iter().enumerate() {
        for &d in list {
            if let Some(v) = dependents.get_mut(d) {
                v.push(node);
            }
        }
    }
    let mut depth = vec![0u32; n];
    let mut out: Vec<usize> = (0..n).filter(|&i| waiting.get(i) == Some(&0)).collect();
    let mut next = 0;
    while let Some(&node) = out.get(next) {
        next += 1;
        let base = depth.get(node).copied().unwrap_or(0).saturating_add(1);
        for &m in dependents.get(node).map(Vec::as_slice).unwrap_or_default() {
            if let Some(d) = depth.get_mut(m) {
                *d = (*d).max(base);
            }
            if let Some(w) = waiting.get_mut(m) {
                *w -= 1;
                if *w == 0 {
                    out.push(m);
                }
            }
        }
    }
    if out.len() == n {
        return Ok((out, depth));
    }
    // Every node left waits on another node left: walk such edges until one repeats.
    let left = |i: usize| waiting.get(i).is_some_and(|w| *w > 0);
    let Some(mut at) = (0..n).find(|&i| left(i)) else {
        return Ok((out, depth));
    };
    let mut path: Vec<usize> = Vec::new();
    loop {
        if let Some(pos) = path.iter().position(|&p| p == at) {
            return Err(path.split_off(pos));
        }
        path.push(at);
        match deps
            .get(at)
            .and_then(|l| l.iter().copied().find(|&d| left(d)))
        {
            Some(d) => at = d,
            None => return Err(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::order;

    #[test]
    fn dependencies_come_first_with_their_depth() {
        // 0 depends on 1, 1 on 2; 3 on nothing.
        let (o, depth) = order(&[vec![1], vec![2], vec![], vec![]]).unwrap_or_default();
        assert_eq!(o, vec![2, 3, 1, 0]);
        assert_eq!(depth, vec![2, 1, 0, 0]);
    }

    #[test]
    fn a_circle_is_named_in_order() {
        // 0 → 1 → 2 → 1: the circle is 1, 2.
        assert_eq!(order(&[vec![1], vec![2], vec![1]]), Err(vec![1, 2]));
        assert_eq!(order(&[vec![0]]), Err(vec![0]));
    }
}

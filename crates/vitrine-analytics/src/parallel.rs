//! Independent model fits spread over the machine's cores, results in input order, so the
//! outcome is the same as a sequential loop's to the last bit.

/// `f` over every item, on up to one scoped thread per core; results in item order.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || items.len() < 2 {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let f = &f;
        let parts: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(move || c.iter().map(f).collect::<Vec<R>>()))
            .collect();
        parts
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_order_of_the_items() {
        let v: Vec<u64> = (0..1001).collect();
        assert_eq!(
            super::map(&v, |x| x * x),
            v.iter().map(|x| x * x).collect::<Vec<_>>()
        );
        assert!(super::map(&[] as &[u64], |x| *x).is_empty());
    }
}

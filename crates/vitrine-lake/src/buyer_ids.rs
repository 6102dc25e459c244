//! The buyer summary's ids, in chunks addressed by row as one column: a day's fold appends
//! its new buyers as a chunk instead of copying millions of ids into a new array, and each
//! chunk owns its bytes, so a kept file's other columns are freed once read.

use datafusion::arrow::array::{Array, MutableArrayData, StringArray};
use datafusion::arrow::error::ArrowError;

/// Buyer ids, row by row across chunks.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ids {
    chunks: Vec<StringArray>,
    /// The first row of each chunk.
    starts: Vec<usize>,
    len: usize,
}

impl Ids {
    /// Appends `ids` as they are (sharing their buffers).
    pub(crate) fn push(&mut self, ids: StringArray) {
        if ids.is_empty() {
            return;
        }
        self.starts.push(self.len);
        self.len += ids.len();
        self.chunks.push(ids);
    }

    /// Appends a copy of `ids` with buffers of its own: what a batch read from a file
    /// becomes, so the batch's other columns can go.
    pub(crate) fn push_copy(&mut self, ids: &StringArray) -> Result<(), ArrowError> {
        let data = ids.to_data();
        let mut copy = MutableArrayData::new(vec![&data], false, ids.len());
        copy.try_extend(0, 0, ids.len())?;
        self.push(StringArray::from(copy.freeze()));
        Ok(())
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The id of row `i` (`i < len`).
    pub(crate) fn value(&self, i: usize) -> &str {
        let c = self.starts.partition_point(|&s| s <= i) - 1;
        self.chunks[c].value(i - self.starts[c])
    }

    /// The rows in `rows` whose id `keep` accepts, in order.
    pub(crate) fn rows_where(
        &self,
        rows: std::ops::Range<usize>,
        keep: impl Fn(&str) -> bool,
    ) -> Vec<usize> {
        let mut out = Vec::new();
        for (chunk, &start) in self.chunks.iter().zip(&self.starts) {
            let from = rows.start.clamp(start, start + chunk.len());
            let to = rows.end.clamp(start, start + chunk.len());
            out.extend((from..to).filter(|&i| keep(chunk.value(i - start))));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_addressed_across_chunks() {
        let mut ids = Ids::default();
        ids.push(StringArray::from(vec!["a", "b"]));
        ids.push(StringArray::from(Vec::<&str>::new()));
        ids.push_copy(&StringArray::from(vec!["c", "d", "e"]).slice(1, 2))
            .unwrap();
        ids.push(StringArray::from(vec!["f"]));
        assert_eq!(ids.len(), 5);
        let all: Vec<&str> = (0..ids.len()).map(|i| ids.value(i)).collect();
        assert_eq!(all, ["a", "b", "d", "e", "f"]);
        let vowels = |s: &str| "aeiou".contains(s);
        assert_eq!(ids.rows_where(0..5, vowels), [0, 3]);
        assert_eq!(ids.rows_where(1..4, |_| true), [1, 2, 3]);
        assert_eq!(ids.rows_where(4..5, |_| true), [4]);
    }
}

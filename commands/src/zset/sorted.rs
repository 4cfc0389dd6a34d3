//! The order of a sorted set: `(score, member)` pairs ascending, with
//! positional access (ranks), as Redis's skiplist provides.
//!
//! The pairs live in a list of sorted blocks of at most `2 × LOAD` pairs,
//! each block after the previous one. Finding a pair is a binary search
//! over the blocks' last pairs and then within one block; inserting or
//! removing shifts at most one block; a rank adds up the lengths of the
//! blocks before (a few hundred additions for a million members). Blocks
//! split when they grow past `2 × LOAD` and merge into a neighbour when
//! they shrink below `LOAD / 4`, so a set that shrank keeps few blocks.

use std::cmp::Ordering;

use bytes::Bytes;

/// Target block length.
const LOAD: usize = 256;

/// A score as the order compares it: never NaN (callers refuse NaN before
/// storing), and `-0` equal to `0`, as C's `<` and `==` compare doubles.
#[derive(Clone, Copy, Debug)]
pub struct Score(pub f64);

impl PartialEq for Score {
    fn eq(&self, other: &Score) -> bool {
        self.0 == other.0
    }
}

impl Eq for Score {}

impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Score) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Score {
    fn cmp(&self, other: &Score) -> Ordering {
        // Scores are never NaN, so partial_cmp always answers.
        self.0.partial_cmp(&other.0).unwrap_or(Ordering::Equal)
    }
}

/// One pair of the order: by score, then by member bytes (Redis's
/// `sdscmp`: `memcmp`, then the shorter first).
pub type Item = (Score, Bytes);

/// Pairs in ascending order, in blocks (see the module docs).
#[derive(Clone, Default)]
pub struct SortedList {
    /// Non-empty sorted blocks; every pair of a block is below every pair
    /// of the next one.
    blocks: Vec<Vec<Item>>,
    len: usize,
}

impl SortedList {
    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The block where `item` is or would go: the first whose last pair is
    /// not below it, else the last block. `None` when there are no blocks.
    fn block_for(&self, item: &Item) -> Option<usize> {
        let at = self
            .blocks
            .partition_point(|b| b.last().is_some_and(|last| last < item));
        (!self.blocks.is_empty()).then(|| at.min(self.blocks.len() - 1))
    }

    /// Adds `item` (not present yet) in its place.
    pub fn insert(&mut self, item: Item) {
        self.len += 1;
        let Some(bi) = self.block_for(&item) else {
            self.blocks.push(vec![item]);
            return;
        };
        let block = &mut self.blocks[bi];
        let at = block.partition_point(|x| x < &item);
        block.insert(at, item);
        if block.len() > 2 * LOAD {
            let tail = block.split_off(block.len() / 2);
            self.blocks.insert(bi + 1, tail);
        }
    }

    /// Removes `item`. Returns false when it was not there.
    pub fn remove(&mut self, item: &Item) -> bool {
        let Some(bi) = self.block_for(item) else {
            return false;
        };
        let Ok(at) = self.blocks[bi].binary_search(item) else {
            return false;
        };
        self.blocks[bi].remove(at);
        self.len -= 1;
        self.rebalance(bi);
        true
    }

    /// Removes and returns the first (lowest) or last (highest) pair.
    pub fn pop(&mut self, last: bool) -> Option<Item> {
        let bi = if last {
            self.blocks.len().checked_sub(1)?
        } else {
            0
        };
        let block = self.blocks.get_mut(bi)?;
        let item = if last {
            block.pop()
        } else {
            (!block.is_empty()).then(|| block.remove(0))
        }?;
        self.len -= 1;
        self.rebalance(bi);
        Some(item)
    }

    /// Drops block `bi` when it emptied, or merges it into a neighbour when
    /// it shrank below `LOAD / 4` (splitting the result if it got too big).
    fn rebalance(&mut self, bi: usize) {
        if self.blocks[bi].is_empty() {
            self.blocks.remove(bi);
            return;
        }
        if self.blocks[bi].len() >= LOAD / 4 || self.blocks.len() == 1 {
            return;
        }
        let left = if bi + 1 < self.blocks.len() {
            bi
        } else {
            bi - 1
        };
        let right = self.blocks.remove(left + 1);
        self.blocks[left].extend(right);
        if self.blocks[left].len() > 2 * LOAD {
            let half = self.blocks[left].len() / 2;
            let tail = self.blocks[left].split_off(half);
            self.blocks.insert(left + 1, tail);
        }
    }

    /// Number of pairs in the blocks before block `bi`.
    fn offset_of(&self, bi: usize) -> usize {
        self.blocks[..bi].iter().map(Vec::len).sum()
    }

    /// The 0-based rank of `item`, if present.
    pub fn rank(&self, item: &Item) -> Option<usize> {
        let bi = self.block_for(item)?;
        let at = self.blocks[bi].binary_search(item).ok()?;
        Some(self.offset_of(bi) + at)
    }

    /// The block and offset of rank `index`, if below the length.
    fn locate(&self, index: usize) -> Option<(usize, usize)> {
        if index >= self.len {
            return None;
        }
        if index >= self.len / 2 {
            // Nearer the end: count from there.
            let mut end = self.len;
            for (bi, block) in self.blocks.iter().enumerate().rev() {
                let start = end - block.len();
                if index >= start {
                    return Some((bi, index - start));
                }
                end = start;
            }
            return None;
        }
        let mut rest = index;
        for (bi, block) in self.blocks.iter().enumerate() {
            if rest < block.len() {
                return Some((bi, rest));
            }
            rest -= block.len();
        }
        None
    }

    /// The pair at rank `index`.
    pub fn get(&self, index: usize) -> Option<&Item> {
        let (bi, at) = self.locate(index)?;
        self.blocks[bi].get(at)
    }

    /// The number of leading pairs for which `pred` holds, `pred` being
    /// true for a prefix of the order and false after it.
    pub fn partition_point(&self, mut pred: impl FnMut(&Item) -> bool) -> usize {
        let bi = self
            .blocks
            .partition_point(|b| b.last().is_some_and(&mut pred));
        match self.blocks.get(bi) {
            None => self.len,
            Some(block) => self.offset_of(bi) + block.partition_point(pred),
        }
    }

    /// The pairs from rank `start` on, ascending (none when `start` is past
    /// the end).
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = &Item> + '_ {
        let (bi, at) = self.locate(start).unwrap_or((self.blocks.len(), 0));
        self.blocks[bi..]
            .iter()
            .enumerate()
            .flat_map(move |(k, b)| b[if k == 0 { at } else { 0 }..].iter())
    }

    /// The pairs from rank `start` down to rank 0, descending (from the
    /// last pair when `start` is past the end).
    pub fn rev_iter_from(&self, start: usize) -> impl Iterator<Item = &Item> + '_ {
        let (bi, at) = self
            .locate(start.min(self.len.saturating_sub(1)))
            .unwrap_or_default();
        let blocks = if self.blocks.is_empty() {
            &self.blocks[..0]
        } else {
            &self.blocks[..=bi]
        };
        blocks
            .iter()
            .rev()
            .enumerate()
            .flat_map(move |(k, b)| b[..if k == 0 { at + 1 } else { b.len() }].iter().rev())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(score: f64, member: &str) -> Item {
        (Score(score), Bytes::from(member.to_string()))
    }

    /// Inserts and removes enough pairs to split and merge blocks, checking
    /// ranks, positional access and both iterators against a sorted Vec.
    #[test]
    fn agrees_with_a_sorted_vec() {
        let mut list = SortedList::default();
        let mut model: Vec<Item> = Vec::new();
        // A deterministic shuffle of 3000 pairs, many with equal scores.
        for i in 0..3000u64 {
            let k = (i * 7919) % 3000;
            let it = item((k % 50) as f64, &format!("m{k}"));
            list.insert(it.clone());
            model.push(it);
        }
        model.sort();
        assert_eq!(list.len(), model.len());
        for (rank, it) in model.iter().enumerate().step_by(97) {
            assert_eq!(list.rank(it), Some(rank));
            assert_eq!(list.get(rank), Some(it));
        }
        let forward: Vec<&Item> = list.iter_from(1234).collect();
        assert_eq!(forward, model[1234..].iter().collect::<Vec<_>>());
        let backward: Vec<&Item> = list.rev_iter_from(2000).collect();
        assert_eq!(backward, model[..=2000].iter().rev().collect::<Vec<_>>());
        for i in (0..3000).filter(|i| i % 10 != 3) {
            let it = item((i % 50) as f64, &format!("m{i}"));
            assert!(list.remove(&it));
            model.retain(|x| x != &it);
        }
        assert!(!list.remove(&item(0.0, "absent")));
        assert_eq!(list.len(), model.len());
        assert!(list.blocks.len() <= 3, "{} blocks", list.blocks.len());
        let all: Vec<&Item> = list.iter_from(0).collect();
        assert_eq!(all, model.iter().collect::<Vec<_>>());
        let below_20 = list.partition_point(|(s, _)| s.0 < 20.0);
        assert_eq!(below_20, model.iter().filter(|(s, _)| s.0 < 20.0).count());
        assert_eq!(list.pop(false), Some(model.remove(0)));
        assert_eq!(list.pop(true), model.pop());
    }

    #[test]
    fn negative_zero_equals_zero_and_members_break_ties() {
        let mut list = SortedList::default();
        list.insert(item(0.0, "b"));
        list.insert(item(-0.0, "a"));
        list.insert(item(f64::NEG_INFINITY, "z"));
        let order: Vec<&[u8]> = list.iter_from(0).map(|(_, m)| m.as_ref()).collect();
        assert_eq!(order, [&b"z"[..], b"a", b"b"]);
        assert_eq!(list.rev_iter_from(99).count(), 3);
        assert_eq!(SortedList::default().rev_iter_from(0).count(), 0);
        assert_eq!(SortedList::default().iter_from(0).count(), 0);
    }
}

//! Time keys and the event queue: events come out ordered by (time, hops, insertion
//! order), so simultaneous events are handled first-in first-out (as in nexosim's
//! priority queue) and the order never depends on the heap's internals.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// The time grain, 2⁻²⁰ s (about 1 µs). Every delay and time is rounded to a multiple of
/// it, so sums of delays are exact in f64 (below 2³³ s) and associative: a message relayed
/// along a path arrives at the same time however the sum is grouped, which keeps the
/// triangle inequality of the precomputed delays exact and ties genuine.
pub const TICK: f64 = 1.0 / 1_048_576.0;

/// `x` rounded to a multiple of [`TICK`] (ties to even).
#[inline]
pub fn tick(x: f64) -> f64 {
    // Adding and subtracting 2^52 rounds a value below 2^51 to an integer in one add:
    // f64::round is a libm call on baseline x86-64 and showed up at 8 % of a profile.
    const SHIFT: f64 = 4_503_599_627_370_496.0; // 2^52
    let y = x * (1.0 / TICK); // a power of two: exact, and no division
    if y.abs() < SHIFT / 2.0 {
        let r = if y >= 0.0 {
            (y + SHIFT) - SHIFT
        } else {
            (y - SHIFT) + SHIFT
        };
        r * TICK
    } else {
        y.round() * TICK
    }
}

/// When a message reaches a node: the time, then the number of relays it passed through
/// (the tie-break of the zero-latency network, where all times are equal).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Key {
    /// Seconds since the start of the attempt.
    pub t: f64,
    /// Relays passed through.
    pub hops: u32,
}

impl Key {
    /// The origin.
    pub const ZERO: Key = Key { t: 0.0, hops: 0 };
    /// Never.
    pub const NEVER: Key = Key {
        t: f64::INFINITY,
        hops: u32::MAX,
    };

    /// A key at time `t` with no relays.
    pub fn at(t: f64) -> Key {
        Key { t, hops: 0 }
    }

    /// This key shifted by a delay `d` (times add, hops add).
    #[inline]
    pub fn after(self, d: Key) -> Key {
        Key {
            t: self.t + d.t,
            hops: self.hops.saturating_add(d.hops),
        }
    }
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Self) -> Ordering {
        self.t.total_cmp(&other.t).then(self.hops.cmp(&other.hops))
    }
}

struct Entry<T> {
    key: Key,
    seq: u64,
    item: T,
}

impl<T> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.seq == other.seq
    }
}
impl<T> Eq for Entry<T> {}
impl<T> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<T> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest first.
        (other.key, other.seq).cmp(&(self.key, self.seq))
    }
}

/// A min-queue of items by (key, insertion order). Reuse one per batch with [`Queue::clear`].
pub struct Queue<T> {
    heap: BinaryHeap<Entry<T>>,
    seq: u64,
}

impl<T> Default for Queue<T> {
    fn default() -> Self {
        Queue {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }
}

impl<T> Queue<T> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an item due at `key`.
    pub fn push(&mut self, key: Key, item: T) {
        self.heap.push(Entry {
            key,
            seq: self.seq,
            item,
        });
        self.seq += 1;
    }

    /// The earliest key, if any.
    pub fn peek_key(&self) -> Option<Key> {
        self.heap.peek().map(|e| e.key)
    }

    /// Remove and return the earliest item.
    pub fn pop(&mut self) -> Option<(Key, T)> {
        self.heap.pop().map(|e| (e.key, e.item))
    }

    /// Empty the queue, keeping its memory.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.seq = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_rounds_to_the_grain() {
        assert_eq!(tick(0.0), 0.0);
        assert_eq!(tick(1.0), 1.0);
        assert_eq!(tick(3.4 * TICK), 3.0 * TICK);
        assert_eq!(tick(3.6 * TICK), 4.0 * TICK);
        assert_eq!(tick(-3.6 * TICK), -4.0 * TICK);
        let x = 12_345.678_901;
        assert!((tick(x) - x).abs() <= TICK / 2.0 && (tick(x) / TICK).fract() == 0.0);
        assert_eq!(tick(1e300), 1e300);
    }

    #[test]
    fn equal_keys_come_out_first_in_first_out() {
        let mut q = Queue::new();
        q.push(Key::at(2.0), 'c');
        q.push(Key::at(1.0), 'a');
        q.push(Key::at(1.0), 'b');
        q.push(Key { t: 1.0, hops: 0 }, 'x');
        q.push(Key { t: 0.5, hops: 9 }, 'z');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|e| e.1)).collect();
        assert_eq!(order, vec!['z', 'a', 'b', 'x', 'c']);
    }
}

//! Parallel nonce search and chain mining.
//!
//! Candidates are visited in one canonical order: index i means extra nonce i >> nonce_bits
//! and nonce i & (2^nonce_bits − 1), so the header's nonce space is rolled over into the
//! extra nonce (which changes the merkle root) when it runs out. Workers claim fixed chunks of
//! that order from an atomic counter, so each worker scans disjoint nonce ranges, and publish
//! the lowest winning index they find in an atomic minimum. A worker abandons a chunk as soon
//! as a winner below the chunk's start is known (checked every `CHECK_EVERY` nonces; nothing is
//! locked on the hot path), but finishes chunks that could still hold a lower winner. The
//! result is therefore the first winner in canonical order, the same for any thread count
//! and any scheduling: mining is deterministic.

use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicU64, Ordering};

use super::header::Header;
use super::sha256d::{Kernel, sha256d};
use super::target::Target;

/// Leading zero bits `dslab mine` accepts. 2^40 hashes take hours on a desktop CPU; fewer
/// than one bit is no proof of work.
pub const MINE_BITS: RangeInclusive<u32> = 1..=40;

/// Time of block 0 (the Bitcoin genesis time, for familiarity); each block adds 600 s.
pub const BASE_TIME: u32 = 1_231_006_505;

/// Block version written in mined headers (BIP 9 top bits, no signalled deployments).
pub const VERSION: u32 = 0x2000_0000;

/// How often, in nonces, a worker looks whether its chunk has become useless.
const CHECK_EVERY: u32 = 4096;

/// How the canonical order is cut up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchSpace {
    /// Nonces per header before the extra nonce rolls (32 = the whole nonce field).
    pub nonce_bits: u32,
    /// Nonces per claimed chunk, as a power of two (at most `nonce_bits`).
    pub chunk_bits: u32,
}

impl Default for SearchSpace {
    /// The full 32-bit nonce field, chunks of 65 536 nonces (a few milliseconds of work).
    fn default() -> Self {
        SearchSpace {
            nonce_bits: 32,
            chunk_bits: 16,
        }
    }
}

/// The fixed part of the block being mined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Template {
    /// Height of the block (0 for the first block of a chain).
    pub height: u64,
    /// Hash of the previous block, internal byte order.
    pub prev_hash: [u8; 32],
    /// Block time.
    pub time: u32,
    /// Target the block must meet.
    pub target: Target,
}

impl Template {
    /// The header for a given extra nonce, nonce zero.
    ///
    /// There are no transactions: the merkle root stands in for a one-transaction block's
    /// coinbase id, the SHA-256d of `"dslab coinbase" || height || extra nonce` (both u64
    /// little-endian), so a new extra nonce gives a new header to search.
    pub fn header(&self, extra_nonce: u64) -> Header {
        let mut coinbase = [0u8; 80];
        coinbase[..14].copy_from_slice(b"dslab coinbase");
        coinbase[14..22].copy_from_slice(&self.height.to_le_bytes());
        coinbase[22..30].copy_from_slice(&extra_nonce.to_le_bytes());
        Header {
            version: VERSION,
            prev_hash: self.prev_hash,
            merkle_root: sha256d(&coinbase),
            time: self.time,
            bits: self.target.bits(),
            nonce: 0,
        }
    }
}

/// A header that meets its target, and what finding it took.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    /// The winning header.
    pub header: Header,
    /// Its hash, internal byte order.
    pub hash: [u8; 32],
    /// Position of the winner in canonical order, plus one: the hashes a single serial
    /// miner would have made. Geometric with mean 1/p; the same for any thread count.
    pub tries: u64,
    /// Hashes actually computed by all workers (at least `tries`; the excess is work on
    /// chunks past the winner that were in flight when it was found).
    pub hashes: u64,
}

/// Shared state of one search.
struct Shared<'a> {
    kernel: Kernel,
    template: &'a Template,
    space: SearchSpace,
    next_chunk: AtomicU64,
    best: AtomicU64,
    hashes: AtomicU64,
}

/// Find the first header in canonical order that meets `template.target`, with `threads`
/// workers.
pub fn search_block(
    kernel: Kernel,
    template: &Template,
    threads: usize,
    space: SearchSpace,
) -> Found {
    assert!(threads > 0, "at least one worker");
    assert!(space.chunk_bits <= space.nonce_bits && space.nonce_bits <= 32);
    let shared = Shared {
        kernel,
        template,
        space,
        next_chunk: AtomicU64::new(0),
        best: AtomicU64::new(u64::MAX),
        hashes: AtomicU64::new(0),
    };
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| worker(&shared));
        }
    });
    let index = shared.best.into_inner();
    let mut header = template.header(index >> space.nonce_bits);
    header.nonce = nonce_of(index, space);
    Found {
        hash: header.hash(),
        header,
        tries: index + 1,
        hashes: shared.hashes.into_inner(),
    }
}

fn nonce_of(index: u64, space: SearchSpace) -> u32 {
    let mask = (1u64 << space.nonce_bits) - 1;
    u32::try_from(index & mask).expect("nonce_bits <= 32")
}

/// Claim chunks in order until the next one starts past a known winner.
fn worker(shared: &Shared) {
    let mut cache: Option<(u64, [u8; 80])> = None;
    loop {
        let chunk = shared.next_chunk.fetch_add(1, Ordering::Relaxed);
        let start = chunk << shared.space.chunk_bits;
        if start > shared.best.load(Ordering::Acquire) {
            return;
        }
        let extra = start >> shared.space.nonce_bits;
        let bytes = match cache {
            Some((e, bytes)) if e == extra => bytes,
            _ => {
                let bytes = shared.template.header(extra).to_bytes();
                cache = Some((extra, bytes));
                bytes
            }
        };
        scan_chunk(shared, &bytes, start);
    }
}

/// Scan one chunk, publishing its first winner; stop early once a lower winner is known.
fn scan_chunk(shared: &Shared, bytes: &[u8; 80], start: u64) {
    let limit = shared.template.target.top_word();
    let first = nonce_of(start, shared.space);
    let end = u64::from(first) + (1u64 << shared.space.chunk_bits);
    let mut n = u64::from(first);
    while n < end {
        if shared.best.load(Ordering::Relaxed) < start {
            return;
        }
        let here = u32::try_from(n).expect("n < end <= 2^32");
        let len = u32::try_from((end - n).min(u64::from(CHECK_EVERY))).expect("<= 4096");
        let hit = shared.kernel.scan(bytes, here, len, limit);
        let done = hit.map_or(u64::from(len), |h| u64::from(h - here) + 1);
        shared.hashes.fetch_add(done, Ordering::Relaxed);
        if let Some(nonce) = hit
            && meets_target(bytes, nonce, &shared.template.target)
        {
            let index = start - u64::from(first) + u64::from(nonce);
            shared.best.fetch_min(index, Ordering::AcqRel);
            return;
        }
        n += done;
    }
}

/// Full check of a kernel candidate with the reference `sha2` double hash.
fn meets_target(bytes: &[u8; 80], nonce: u32, target: &Target) -> bool {
    let mut full = *bytes;
    full[76..].copy_from_slice(&nonce.to_le_bytes());
    target.is_met_by(&sha256d(&full))
}

/// One mined block of a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Block {
    /// Height in the mined chain (0 = first).
    pub height: u64,
    /// The search result.
    pub found: Found,
}

/// Mines a chain block after block: each header commits to the previous block's hash.
/// An endless iterator; take as many blocks as wanted.
#[derive(Clone, Debug)]
pub struct ChainMiner {
    kernel: Kernel,
    target: Target,
    threads: usize,
    space: SearchSpace,
    height: u64,
    prev_hash: [u8; 32],
}

impl ChainMiner {
    /// A miner for a chain whose first block has an all-zero previous hash.
    pub fn new(kernel: Kernel, target: Target, threads: usize, space: SearchSpace) -> Self {
        ChainMiner {
            kernel,
            target,
            threads,
            space,
            height: 0,
            prev_hash: [0; 32],
        }
    }
}

impl Iterator for ChainMiner {
    type Item = Block;

    fn next(&mut self) -> Option<Block> {
        let offset = u32::try_from(self.height.saturating_mul(600)).unwrap_or(u32::MAX);
        let template = Template {
            height: self.height,
            prev_hash: self.prev_hash,
            time: BASE_TIME.saturating_add(offset),
            target: self.target,
        };
        let found = search_block(self.kernel, &template, self.threads, self.space);
        let block = Block {
            height: self.height,
            found,
        };
        self.prev_hash = found.hash;
        self.height += 1;
        Some(block)
    }
}

#[cfg(test)]
mod tests;

//! Real proof of work as the block source of the block race (`--mining pow --bits B`).
//!
//! The attacker, the γ group of honest miners and the other honest miners each hash a real
//! 80-byte header with dslab's SHA-256d kernel; a block is found when a hash meets the
//! target 2^(256 − B). Hash rate is realised as a share of hash attempts: attempt t of a
//! global attempt clock belongs to the party whose interval of [0, 2^64) contains
//! t · 0x9E37_79B9_7F4A_7C15 mod 2^64 (a Weyl sequence, so every party makes exactly its
//! share of attempts up to a discrepancy of O(log t / t), deterministically interleaved). The
//! party that owns the first successful attempt finds the block and moves on to a header
//! that extends it; the others keep hashing their current headers, as real miners would.
//!
//! Nothing here draws the block order from a generator: the generator only salts headers
//! (so that trials differ and replay exactly from the seed) and supplies the one uniform
//! used when a strategy resolves the rest of a race exactly.

use rand::{Rng, SeedableRng};

use super::McCell;
use super::race::{self, BlockSource, RaceStrategy, Thresholds};
use crate::estimate::CellSim;
use crate::estimate::rng::{SimRng, cell_key};
use crate::estimate::tally::Tally;
use crate::pow::{Kernel, Target, sha256d};

/// Weyl increment: 2^64 divided by the golden ratio, odd, so the clock visits all of
/// [0, 2^64) and spreads consecutive attempts evenly.
const WEYL: u64 = 0x9E37_79B9_7F4A_7C15;

/// Nonces hashed per kernel call while looking for a party's next hit.
const SCAN: u32 = 1 << 12;

/// One party's mining state.
#[derive(Clone, Debug)]
struct Party {
    /// The header being hashed (its nonce field is ignored).
    header: [u8; 80],
    /// Nonce of this party's next attempt.
    nonce: u64,
    /// Nonce of the first hit at or after `nonce`, once scanned for.
    hit: Option<u64>,
    /// Nonces below this have been hashed (scanning runs ahead of the clock).
    scanned: u64,
}

impl Party {
    fn new(header: [u8; 80]) -> Party {
        Party {
            header,
            nonce: 0,
            hit: None,
            scanned: 0,
        }
    }

    /// The next nonce at or after `self.nonce` whose hash meets `target`, scanning ahead
    /// with the kernel (`None` if the 2^32 nonces of this header hold no further hit).
    fn next_hit(&mut self, kernel: Kernel, target: &Target) -> Option<u64> {
        let limit = target.top_word();
        while self.hit.is_none() && self.scanned < 1 << 32 {
            let first = u32::try_from(self.scanned).expect("below 2^32");
            let count = u32::try_from((1u64 << 32) - self.scanned)
                .unwrap_or(u32::MAX)
                .min(SCAN);
            match kernel.scan(&self.header, first, count, limit) {
                // The kernel tests the top word only; confirm against the whole target.
                Some(n) if meets(&self.header, n, target) => {
                    self.hit = Some(u64::from(n));
                    self.scanned = u64::from(n) + 1;
                }
                Some(n) => self.scanned = u64::from(n) + 1,
                None => self.scanned += u64::from(count),
            }
        }
        self.hit
    }
}

fn meets(header: &[u8; 80], nonce: u32, target: &Target) -> bool {
    let mut h = *header;
    h[76..].copy_from_slice(&nonce.to_le_bytes());
    target.is_met_by(&sha256d(&h))
}

/// The block source: three parties hashing real headers against one target.
#[derive(Clone, Debug)]
pub struct PowSource {
    kernel: Kernel,
    target: Target,
    /// Attacker, γ-group honest, other honest (the order of the share scale).
    parties: [Party; 3],
    clock: u64,
    rng: SimRng,
    /// Attempts between the previous block and the last one found.
    pub last_attempts: u64,
    /// All attempts (= hashes counted on the clock) since creation.
    pub total_attempts: u64,
}

impl PowSource {
    /// A source mining at `bits` leading zero bits, headers salted from `rng`.
    pub fn new(kernel: Kernel, target: Target, mut rng: SimRng) -> PowSource {
        let parties =
            [0, 1, 2].map(|id| Party::new(salted_header(&mut rng, id, &[0; 32], &target)));
        PowSource {
            kernel,
            target,
            parties,
            clock: 0,
            rng,
            last_attempts: 0,
            total_attempts: 0,
        }
    }

    /// Fresh headers for every party (a new trial starts from a new fork point).
    pub fn restart(&mut self) {
        for (id, p) in self.parties.iter_mut().enumerate() {
            *p = Party::new(salted_header(&mut self.rng, id, &[0; 32], &self.target));
        }
    }

    /// Spend attempts until one meets the target; the owner's next header extends it.
    /// Returns the winning attempt's point on the share scale.
    fn mine(&mut self, th: &Thresholds) -> u64 {
        let start = self.clock;
        loop {
            let x = self.clock.wrapping_mul(WEYL);
            self.clock = self.clock.wrapping_add(1);
            let who = owner(x, th);
            let party = &mut self.parties[who];
            let hit = party.next_hit(self.kernel, &self.target);
            let nonce = party.nonce;
            party.nonce += 1;
            if hit == Some(nonce) {
                self.found(who, nonce);
                self.last_attempts = self.clock.wrapping_sub(start);
                self.total_attempts += self.last_attempts;
                return x;
            }
            if party.nonce >= 1 << 32 {
                // A whole nonce range without a hit (beyond any practical B): roll the
                // header, as an extra nonce would.
                let prev: [u8; 32] = party.header[4..36].try_into().expect("32 bytes");
                *party = Party::new(salted_header(&mut self.rng, who, &prev, &self.target));
            }
        }
    }

    /// The winner's next header builds on the block it just found.
    fn found(&mut self, who: usize, nonce: u64) {
        let mut block = self.parties[who].header;
        let nonce = u32::try_from(nonce).expect("below 2^32");
        block[76..].copy_from_slice(&nonce.to_le_bytes());
        let hash = sha256d(&block);
        self.parties[who] = Party::new(salted_header(&mut self.rng, who, &hash, &self.target));
    }
}

/// A header on `prev` for party `id` with the target's bits, the merkle root salted from
/// the generator (it stands in for the party's own coinbase).
fn salted_header(rng: &mut SimRng, id: usize, prev: &[u8; 32], target: &Target) -> [u8; 80] {
    let mut h = [0u8; 80];
    h[..4].copy_from_slice(&crate::pow::search::VERSION.to_le_bytes());
    h[4..36].copy_from_slice(prev);
    for chunk in h[36..68].chunks_exact_mut(8) {
        chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
    }
    h[36] = u8::try_from(id).expect("three parties");
    h[72..76].copy_from_slice(&target.bits().to_le_bytes());
    h
}

/// The party owning the attempt at point `x`: 0 attacker, 1 γ group, 2 other honest.
pub fn owner(x: u64, th: &Thresholds) -> usize {
    if x < th.attacker {
        0
    } else if x < th.tie_switch {
        1
    } else {
        2
    }
}

impl BlockSource for PowSource {
    fn next_block(&mut self, th: &Thresholds) -> u64 {
        self.mine(th)
    }

    fn uniform_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }
}

/// Leading zero bits accepted for simulations: each block costs 2^B hashes, so B = 20
/// already means about a million hashes per block.
pub const SIM_BITS: std::ops::RangeInclusive<u32> = 1..=20;

/// A block-race cell whose blocks come from real mining at `bits` leading zero bits.
#[derive(Clone, Copy, Debug)]
pub struct PowCell<S> {
    /// The same cell as in the Poisson model.
    pub cell: McCell<S>,
    /// Difficulty: the target is 2^(256 − bits).
    pub target: Target,
}

impl<S: RaceStrategy> CellSim for PowCell<S> {
    fn key(&self) -> u64 {
        // "pow" and the target keep these cells apart from the Poisson ones.
        cell_key(&[self.cell.key(), 0x0070_6f77, u64::from(self.target.bits())])
    }

    fn empty_tally(&self) -> Tally {
        self.cell.empty_tally()
    }

    fn run_batch(&self, rng: &mut SimRng, n: u64, tally: &mut Tally) {
        // Every kernel makes the same decisions (tested), so results do not depend on it.
        let seed = rng.next_u64();
        let mut source = PowSource::new(Kernel::detect(), self.target, SimRng::seed_from_u64(seed));
        let (strategy, setup) = (&self.cell.strategy, &self.cell.setup);
        for _ in 0..n {
            source.restart();
            let out = if let Some(stats) = tally.blocks.as_mut() {
                race::trial(strategy, setup, &mut source, |from, to, blocks| {
                    for s in &mut stats[from as usize..=to as usize] {
                        s.record(blocks);
                    }
                })
            } else {
                race::trial(strategy, setup, &mut source, |_, _, _| {})
            };
            tally.add(out.reversed_up_to, out.censored);
        }
    }
}

#[cfg(test)]
mod tests;

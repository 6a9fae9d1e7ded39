use super::*;
use crate::pow::sha256d::sha256d;

/// Small nonce space and chunks so that a few-thousand-hash search rolls the extra nonce
/// many times and spreads over many chunks.
const TINY: SearchSpace = SearchSpace {
    nonce_bits: 6,
    chunk_bits: 3,
};

fn template(bits: u32) -> Template {
    Template {
        height: 7,
        prev_hash: [0x5a; 32],
        time: BASE_TIME,
        target: Target::from_leading_zero_bits(bits).expect("in range"),
    }
}

fn kernels() -> Vec<Kernel> {
    let mut all = vec![Kernel::Portable];
    all.extend(Kernel::sha_ni().ok());
    all
}

/// Reference: walk the canonical order serially with the sha2 crate.
fn first_winner(t: &Template, space: SearchSpace) -> u64 {
    (0u64..)
        .find(|&i| {
            let mut h = t.header(i >> space.nonce_bits);
            h.nonce = u32::try_from(i & ((1 << space.nonce_bits) - 1)).expect("small");
            t.target.is_met_by(&sha256d(&h.to_bytes()))
        })
        .expect("a winner exists")
}

#[test]
fn search_finds_the_canonically_first_winner_for_any_thread_count() {
    let t = template(11);
    let expected = first_winner(&t, TINY);
    // The chosen template needs several extra-nonce rolls: the test covers rolling.
    assert!(expected >= 1 << TINY.nonce_bits, "winner at {expected}");
    for kernel in kernels() {
        for threads in [1, 2, 3, 5] {
            let found = search_block(kernel, &t, threads, TINY);
            assert_eq!(found.tries, expected + 1, "{} x{threads}", kernel.name());
            assert!(found.hashes >= found.tries);
            assert_eq!(found.hash, sha256d(&found.header.to_bytes()));
            assert!(t.target.is_met_by(&found.hash));
            let extra = expected >> TINY.nonce_bits;
            assert_eq!(found.header.merkle_root, t.header(extra).merkle_root);
        }
    }
}

#[test]
fn extra_nonce_changes_the_merkle_root_only() {
    let t = template(8);
    let (a, b) = (t.header(0), t.header(1));
    assert_ne!(a.merkle_root, b.merkle_root);
    assert_eq!((a.prev_hash, a.time, a.bits), (b.prev_hash, b.time, b.bits));
}

#[test]
fn mined_chain_links_each_block_to_the_previous_hash() {
    let target = Target::from_leading_zero_bits(10).expect("in range");
    let miner = ChainMiner::new(Kernel::detect(), target, 2, SearchSpace::default());
    let blocks: Vec<Block> = miner.take(4).collect();
    let mut prev = [0u8; 32];
    for (i, b) in blocks.iter().enumerate() {
        assert_eq!(b.height, i as u64);
        assert_eq!(b.found.header.prev_hash, prev);
        assert_eq!(b.found.header.time, BASE_TIME + 600 * i as u32);
        assert_eq!(b.found.header.bits, target.bits());
        assert!(target.is_met_by(&sha256d(&b.found.header.to_bytes())));
        prev = b.found.hash;
    }
}

use proptest::prelude::*;
use rand::{Rng, RngExt, SeedableRng};

// The project's generator (crate::estimate::rng). The layer rule (pow below estimate)
// binds library code; this whole file is a `#[cfg(test)]` module, which the layer check
// skips from this line on.
#[cfg(test)]
use crate::estimate::rng::SimRng;

use super::*;
use crate::pow::{Header, KERNEL_NAMES, Target, from_display_hex, to_display_hex};

fn display(text: &str) -> [u8; 32] {
    from_display_hex(text).expect("test literal is 64 hex digits")
}

/// Mainnet headers with their published ids (block explorers; Bitcoin wiki "Block hashing
/// algorithm" for 125552; learnmeabitcoin's header-hash example for 722,000-era block).
fn mainnet() -> Vec<(Header, &'static str)> {
    let genesis = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
    vec![
        (
            Header {
                version: 1,
                prev_hash: [0; 32],
                merkle_root: display(
                    "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b",
                ),
                time: 1_231_006_505,
                bits: 0x1d00ffff,
                nonce: 2_083_236_893,
            },
            genesis,
        ),
        (
            Header {
                version: 1,
                prev_hash: display(genesis),
                merkle_root: display(
                    "0e3e2357e806b6cdb1f70b54c3a3a17b6714ee1f0e68bebb44a74b1efd512098",
                ),
                time: 1_231_469_665,
                bits: 0x1d00ffff,
                nonce: 2_573_394_689,
            },
            "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048",
        ),
        (
            Header {
                version: 1,
                prev_hash: display(
                    "000000000002d01c1fccc21636b607dfd930d31d01c3a62104612a1719011250",
                ),
                merkle_root: display(
                    "f3e94742aca4b5ef85488dc37c06c3282295ffec960994b2c0d5ac2a25a95766",
                ),
                time: 1_293_623_863,
                bits: 0x1b04864c,
                nonce: 274_148_111,
            },
            "000000000003ba27aa200b1cecaad478d2b00432346c3f1f3986da1afd33e506",
        ),
        (
            Header {
                version: 1,
                prev_hash: display(
                    "00000000000008a3a41b85b8b29ad444def299fee21793cd8b9e567eab02cd81",
                ),
                merkle_root: display(
                    "2b12fcf1b09288fcaff797d71e950e71ae42b91e8bdb2304758dfcffc2b620e3",
                ),
                time: 1_305_998_791,
                bits: 0x1a44b9f2,
                nonce: 2_504_433_986,
            },
            "00000000000000001e8d6829a8a21adc5d38d0a473b144b6765798e61f98bd1d",
        ),
        (
            Header {
                version: 0x2000_0000,
                prev_hash: display(
                    "00000000000000000001eaef94e697cae4216042819d6e2c6ec1c959f8112b38",
                ),
                merkle_root: display(
                    "eb9439ab4f13d3bd448b792d30a97e4632e567d5e6e40c2d5c9a72f27edbddbd",
                ),
                time: 1_644_443_882,
                bits: 0x170a8bb4,
                nonce: 3_156_027,
            },
            "000000000000000000055730c92292ebd5c5851e7d24ab3ba2efc1cea0b5fe81",
        ),
    ]
}

/// Every kernel this CPU can run; the others are skipped with a message (not failed).
fn kernels() -> Vec<Kernel> {
    for name in KERNEL_NAMES {
        if let Err(e) = Kernel::by_name(name) {
            println!("skipping kernel {name}: {e}");
        }
    }
    Kernel::available()
}

#[test]
fn mainnet_headers_hash_to_their_ids_and_meet_their_targets() {
    for (header, id) in mainnet() {
        let hash = header.hash();
        assert_eq!(to_display_hex(&hash), id);
        let target = Target::from_bits(header.bits).expect("mainnet bits are valid");
        assert!(target.is_met_by(&hash), "{id}");
    }
}

#[test]
fn kernels_find_the_real_nonce_of_mainnet_headers() {
    for kernel in kernels() {
        for (header, id) in mainnet() {
            let bytes = header.to_bytes();
            let target = Target::from_bits(header.bits).expect("valid");
            // A window around the real nonce: only it reaches these targets' top word 0.
            let first = header.nonce.saturating_sub(1000);
            let found = kernel.scan(&bytes, first, 2001, target.top_word());
            assert_eq!(found, Some(header.nonce), "{} on {id}", kernel.name());
        }
    }
}

#[test]
fn kernels_are_available_exactly_when_the_cpu_has_their_features() {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        let sha = has!("sha") && has!("sse4.1") && has!("ssse3");
        assert_eq!(Kernel::sha_ni().is_ok(), sha);
        assert_eq!(Kernel::avx2().is_ok(), has!("avx2"));
        assert_eq!(Kernel::avx512().is_ok(), has!("avx512f"));
    }
    assert_eq!(Kernel::available()[0], Kernel::Portable);
    assert!(Kernel::available().contains(&Kernel::detect()));
    assert_eq!(Kernel::by_name("md5"), Err(KernelError::Unknown));
    assert_eq!(Kernel::by_name("shani"), Kernel::by_name("sha-ni"));
    for k in Kernel::available() {
        assert_eq!(Kernel::by_name(k.id()), Ok(k));
        assert!(k.name().starts_with(k.id()));
    }
}

#[test]
fn midstate_path_equals_the_sha2_double_digest() {
    let (header, _) = mainnet().remove(3);
    let bytes = header.to_bytes();
    let state = portable_state(&midstate(&bytes), &bytes[64..76], header.nonce);
    let words: Vec<u8> = state.iter().flat_map(|w| w.to_be_bytes()).collect();
    assert_eq!(words, sha256d(&bytes));
}

/// Top 32 bits of the display hash by the reference digest.
fn top_word(bytes: &[u8; 80], nonce: u32) -> u32 {
    let mut b = *bytes;
    b[76..].copy_from_slice(&nonce.to_le_bytes());
    let h = sha256d(&b);
    u32::from_le_bytes(h[28..32].try_into().expect("4 bytes"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// With the limit set to the reference top word of one chosen nonce, every kernel
    /// must report exactly the first nonce in the window whose reference top word is at
    /// most that limit: equal found-or-not decisions, nonce by nonce.
    #[test]
    fn kernels_agree_with_sha2_on_random_headers(
        header in proptest::array::uniform32(any::<u8>()).prop_flat_map(|a| {
            (Just(a), proptest::array::uniform32(any::<u8>()), proptest::array::uniform16(any::<u8>()))
        }),
        first in any::<u32>(),
        count in 1u32..40,
        pick in 0u32..40,
        shift in 0u32..33,
    ) {
        let mut bytes = [0u8; 80];
        bytes[..32].copy_from_slice(&header.0);
        bytes[32..64].copy_from_slice(&header.1);
        bytes[64..80].copy_from_slice(&header.2);
        let first = first.min(u32::MAX - count);
        let chosen = first + pick % count;
        // Limits from exact hits down to nearly impossible ones.
        let limit = top_word(&bytes, chosen).checked_shr(shift).unwrap_or(0);
        let expected = (first..first + count).find(|&n| top_word(&bytes, n) <= limit);
        for kernel in kernels() {
            prop_assert_eq!(kernel.scan(&bytes, first, count, limit), expected, "{}", kernel.name());
        }
    }
}

/// An 80-byte header of generator output.
fn random_header(rng: &mut SimRng) -> [u8; 80] {
    let mut bytes = [0u8; 80];
    for chunk in bytes.chunks_exact_mut(8) {
        chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
    }
    bytes
}

/// A kernel's top word for one nonce is pinned exactly by two one-nonce scans: it hits at the
/// reference top word and misses one below it. So every kernel computes the same top 32 bits
/// as the `sha2` double digest, on random headers and nonces (including the range ends).
#[test]
fn kernels_compute_the_sha2_top_word_on_seeded_random_headers() {
    let mut rng = SimRng::seed_from_u64(0x16);
    for case in 0..300 {
        let bytes = random_header(&mut rng);
        let nonce = match case % 3 {
            0 => 0,
            1 => u32::MAX,
            _ => rng.random(),
        };
        let top = top_word(&bytes, nonce);
        for kernel in kernels() {
            let name = kernel.name();
            assert_eq!(
                kernel.scan(&bytes, nonce, 1, top),
                Some(nonce),
                "{name} case {case}"
            );
            if top > 0 {
                assert_eq!(
                    kernel.scan(&bytes, nonce, 1, top - 1),
                    None,
                    "{name} case {case}"
                );
            }
        }
    }
}

/// Over ranges of a few thousand nonces (lengths not multiples of 8 or 16, so vector tails
/// are partial), every kernel returns the lowest winning nonce the portable kernel returns,
/// which is the first nonce the `sha2` reference accepts.
#[test]
fn kernels_find_the_lowest_winning_nonce_of_the_portable_kernel() {
    let mut rng = SimRng::seed_from_u64(0x1616);
    let mut found = 0;
    for case in 0..40 {
        let bytes = random_header(&mut rng);
        let count = 3000 + rng.random_range(0..17u32);
        let first = rng.random_range(0..=u32::MAX - count);
        // About one nonce in 256 (first top byte zero) or one in 4096 qualifies.
        let limit = if case % 2 == 0 {
            0x00ff_ffff
        } else {
            0x000f_ffff
        };
        let expected = (first..first + count).find(|&n| top_word(&bytes, n) <= limit);
        let portable = Kernel::Portable.scan(&bytes, first, count, limit);
        assert_eq!(portable, expected, "case {case}");
        found += usize::from(expected.is_some());
        for kernel in kernels() {
            let got = kernel.scan(&bytes, first, count, limit);
            assert_eq!(got, portable, "{} case {case}", kernel.name());
        }
    }
    // Most windows hold a winner, so the comparison is mostly about positions, not None.
    assert!(found >= 20, "{found} windows with a winner");
}

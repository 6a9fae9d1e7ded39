//! dslab's AVX-512 SHA-256d kernel: sixteen nonces per 512-bit vector, one per 32-bit lane, on
//! the shared multi-lane body ([`super::lanes`]). AVX-512F has a lane rotate (`vprord`) and a
//! three-input bitwise operation (`vpternlogd`), so Σ and σ take four instructions (three
//! rotates or shifts and one three-way XOR) and Ch and Maj one each.
//!
//! Only AVX-512F instructions are used. Every function here needs the `avx512f` CPU feature;
//! [`scan`] is the entry point and is only called after run-time detection.
//!
//! Not yet run on a processor with AVX-512: the machine this was written on (AMD EPYC, Zen 3)
//! has none, and the shared body is tested there through the scalar and AVX2 instances.

use std::arch::x86_64::{
    __m512i, _mm512_add_epi32, _mm512_cmple_epu32_mask, _mm512_loadu_si512, _mm512_ror_epi32,
    _mm512_set1_epi32, _mm512_srli_epi32, _mm512_ternarylogic_epi32,
};

use super::lanes::{self, Lanes};

/// Sixteen 32-bit lanes.
#[derive(Clone, Copy)]
pub(super) struct Avx512(__m512i);

/// `vpternlogd` truth tables: bit `(a << 2) | (b << 1) | c` of the immediate is the result.
/// a ^ b ^ c: set for an odd number of ones (indices 1, 2, 4, 7).
const XOR3: i32 = 0x96;
/// a ? b : c (indices 1, 3 from c; 6, 7 from b).
const SELECT: i32 = 0xCA;
/// Majority: set for two or three ones (indices 3, 5, 6, 7).
const MAJORITY: i32 = 0xE8;

/// Bit pattern of a u32 as the i32 the `_mm512_set1_epi32` intrinsic takes.
fn lane(x: u32) -> i32 {
    i32::from_ne_bytes(x.to_ne_bytes())
}

// SAFETY: every operation needs AVX-512F only, which the contract of `Lanes` leaves to the
// caller.
unsafe impl Lanes for Avx512 {
    const LANES: usize = 16;
    #[inline(always)]
    unsafe fn splat(x: u32) -> Self {
        Avx512(unsafe { _mm512_set1_epi32(lane(x)) })
    }
    #[inline(always)]
    unsafe fn load(words: &[u32]) -> Self {
        assert!(words.len() >= 16);
        // SAFETY: sixteen readable u32s; the load is unaligned.
        Avx512(unsafe { _mm512_loadu_si512(words.as_ptr().cast()) })
    }
    #[inline(always)]
    unsafe fn add(a: Self, b: Self) -> Self {
        Avx512(unsafe { _mm512_add_epi32(a.0, b.0) })
    }
    #[inline(always)]
    unsafe fn big_sigma0(x: Self) -> Self {
        let x = x.0;
        Avx512(unsafe {
            _mm512_ternarylogic_epi32::<XOR3>(
                _mm512_ror_epi32::<2>(x),
                _mm512_ror_epi32::<13>(x),
                _mm512_ror_epi32::<22>(x),
            )
        })
    }
    #[inline(always)]
    unsafe fn big_sigma1(x: Self) -> Self {
        let x = x.0;
        Avx512(unsafe {
            _mm512_ternarylogic_epi32::<XOR3>(
                _mm512_ror_epi32::<6>(x),
                _mm512_ror_epi32::<11>(x),
                _mm512_ror_epi32::<25>(x),
            )
        })
    }
    #[inline(always)]
    unsafe fn small_sigma0(x: Self) -> Self {
        let x = x.0;
        Avx512(unsafe {
            _mm512_ternarylogic_epi32::<XOR3>(
                _mm512_ror_epi32::<7>(x),
                _mm512_ror_epi32::<18>(x),
                _mm512_srli_epi32::<3>(x),
            )
        })
    }
    #[inline(always)]
    unsafe fn small_sigma1(x: Self) -> Self {
        let x = x.0;
        Avx512(unsafe {
            _mm512_ternarylogic_epi32::<XOR3>(
                _mm512_ror_epi32::<17>(x),
                _mm512_ror_epi32::<19>(x),
                _mm512_srli_epi32::<10>(x),
            )
        })
    }
    #[inline(always)]
    unsafe fn ch(e: Self, f: Self, g: Self) -> Self {
        Avx512(unsafe { _mm512_ternarylogic_epi32::<SELECT>(e.0, f.0, g.0) })
    }
    #[inline(always)]
    unsafe fn maj(a: Self, b: Self, c: Self) -> Self {
        Avx512(unsafe { _mm512_ternarylogic_epi32::<MAJORITY>(a.0, b.0, c.0) })
    }
    #[inline(always)]
    unsafe fn hits(x: Self, limit: u32) -> u32 {
        unsafe {
            // Byte reversal of each lane without AVX-512BW's byte shuffle: with the bytes of x
            // as B3 B2 B1 B0, ROTR8 = B0 B3 B2 B1 and ROTR24 = B2 B1 B0 B3; the reversal
            // B0 B1 B2 B3 takes bytes 3 and 1 from ROTR8 and bytes 2 and 0 from ROTR24.
            let swapped = _mm512_ternarylogic_epi32::<SELECT>(
                _mm512_set1_epi32(lane(0xFF00_FF00)),
                _mm512_ror_epi32::<8>(x.0),
                _mm512_ror_epi32::<24>(x.0),
            );
            u32::from(_mm512_cmple_epu32_mask(
                swapped,
                _mm512_set1_epi32(lane(limit)),
            ))
        }
    }
}

/// The lowest nonce in `first .. first + count` whose hash's top 32 bits (display order) are
/// at most `limit`.
///
/// # Safety
/// The CPU must support AVX-512F. `first + count` must not exceed 2^32.
#[target_feature(enable = "avx512f")]
pub(super) unsafe fn scan(header: &[u8; 80], first: u32, count: u32, limit: u32) -> Option<u32> {
    // SAFETY: this function is compiled with, and only called on CPUs with, AVX-512F.
    unsafe { lanes::scan::<Avx512>(header, first, count, limit) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `vpternlogd` on one 32-bit lane as documented by Intel: bit i of the result is bit
    /// `(a_i << 2) | (b_i << 1) | c_i` of the immediate. Checks the truth tables above without
    /// AVX-512 hardware.
    fn ternlog(imm: i32, a: u32, b: u32, c: u32) -> u32 {
        (0..32).fold(0, |out, i| {
            let index = (((a >> i) & 1) << 2) | (((b >> i) & 1) << 1) | ((c >> i) & 1);
            out | ((u32::try_from(imm).expect("8-bit") >> index) & 1) << i
        })
    }

    #[test]
    fn truth_tables_are_xor_select_and_majority() {
        let words = [0x0123_4567u32, 0x89ab_cdef, 0xdead_beef, 0x0f0f_f0f0, 0];
        for &a in &words {
            for &b in &words {
                for &c in &words {
                    assert_eq!(ternlog(XOR3, a, b, c), a ^ b ^ c);
                    assert_eq!(ternlog(SELECT, a, b, c), (a & b) | (!a & c));
                    assert_eq!(ternlog(MAJORITY, a, b, c), (a & b) ^ (a & c) ^ (b & c));
                }
            }
        }
    }

    #[test]
    fn rotate_select_reverses_bytes() {
        for x in [0x0123_4567u32, 0xdead_beef, 0x8000_0001] {
            let swapped = ternlog(SELECT, 0xFF00_FF00, x.rotate_right(8), x.rotate_right(24));
            assert_eq!(swapped, x.swap_bytes());
        }
    }
}

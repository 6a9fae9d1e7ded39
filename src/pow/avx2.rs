//! dslab's AVX2 SHA-256d kernel: eight nonces per 256-bit vector, one per 32-bit lane, on the
//! shared multi-lane body ([`super::lanes`]). AVX2 has no rotate instruction, so each rotation
//! is two shifts and an OR; Ch takes three operations and Maj four.
//!
//! Every function here needs the `avx2` CPU feature; [`scan`] is the entry point and is only
//! called after run-time detection.

use std::arch::x86_64::{
    __m256i, _mm256_add_epi32, _mm256_and_si256, _mm256_castsi256_ps, _mm256_cmpeq_epi32,
    _mm256_loadu_si256, _mm256_min_epu32, _mm256_movemask_ps, _mm256_or_si256, _mm256_set1_epi32,
    _mm256_setr_epi8, _mm256_shuffle_epi8, _mm256_slli_epi32, _mm256_srli_epi32, _mm256_xor_si256,
};

use super::lanes::{self, Lanes};

/// Eight 32-bit lanes.
#[derive(Clone, Copy)]
pub(super) struct Avx2(__m256i);

/// Bit pattern of a u32 as the i32 the `_mm256_set1_epi32` intrinsic takes.
fn lane(x: u32) -> i32 {
    i32::from_ne_bytes(x.to_ne_bytes())
}

/// Rotate every lane right by `R` (`L` = 32 − `R`, spelled out because generic const
/// arithmetic is not stable).
#[inline(always)]
unsafe fn rotr<const R: i32, const L: i32>(x: __m256i) -> __m256i {
    const { assert!(R + L == 32) };
    // SAFETY: the caller guarantees AVX2.
    unsafe { _mm256_or_si256(_mm256_srli_epi32::<R>(x), _mm256_slli_epi32::<L>(x)) }
}

#[inline(always)]
unsafe fn xor3(a: __m256i, b: __m256i, c: __m256i) -> __m256i {
    // SAFETY: the caller guarantees AVX2.
    unsafe { _mm256_xor_si256(_mm256_xor_si256(a, b), c) }
}

// SAFETY: every operation needs AVX2 only, which the contract of `Lanes` leaves to the caller.
unsafe impl Lanes for Avx2 {
    const LANES: usize = 8;
    #[inline(always)]
    unsafe fn splat(x: u32) -> Self {
        Avx2(unsafe { _mm256_set1_epi32(lane(x)) })
    }
    #[inline(always)]
    unsafe fn load(words: &[u32]) -> Self {
        assert!(words.len() >= 8);
        // SAFETY: eight readable u32s; the load is unaligned.
        Avx2(unsafe { _mm256_loadu_si256(words.as_ptr().cast()) })
    }
    #[inline(always)]
    unsafe fn add(a: Self, b: Self) -> Self {
        Avx2(unsafe { _mm256_add_epi32(a.0, b.0) })
    }
    #[inline(always)]
    unsafe fn big_sigma0(x: Self) -> Self {
        let x = x.0;
        Avx2(unsafe { xor3(rotr::<2, 30>(x), rotr::<13, 19>(x), rotr::<22, 10>(x)) })
    }
    #[inline(always)]
    unsafe fn big_sigma1(x: Self) -> Self {
        let x = x.0;
        Avx2(unsafe { xor3(rotr::<6, 26>(x), rotr::<11, 21>(x), rotr::<25, 7>(x)) })
    }
    #[inline(always)]
    unsafe fn small_sigma0(x: Self) -> Self {
        let x = x.0;
        Avx2(unsafe {
            xor3(
                rotr::<7, 25>(x),
                rotr::<18, 14>(x),
                _mm256_srli_epi32::<3>(x),
            )
        })
    }
    #[inline(always)]
    unsafe fn small_sigma1(x: Self) -> Self {
        let x = x.0;
        Avx2(unsafe {
            xor3(
                rotr::<17, 15>(x),
                rotr::<19, 13>(x),
                _mm256_srli_epi32::<10>(x),
            )
        })
    }
    #[inline(always)]
    unsafe fn ch(e: Self, f: Self, g: Self) -> Self {
        // g ^ (e & (f ^ g)): where e is set this is f, elsewhere g.
        Avx2(unsafe { _mm256_xor_si256(g.0, _mm256_and_si256(e.0, _mm256_xor_si256(f.0, g.0))) })
    }
    #[inline(always)]
    unsafe fn maj(a: Self, b: Self, c: Self) -> Self {
        // (a & b) | (c & (a | b)): a bit is set when at least two of the three are.
        let (a, b, c) = (a.0, b.0, c.0);
        Avx2(unsafe {
            _mm256_or_si256(
                _mm256_and_si256(a, b),
                _mm256_and_si256(c, _mm256_or_si256(a, b)),
            )
        })
    }
    #[inline(always)]
    unsafe fn hits(x: Self, limit: u32) -> u32 {
        unsafe {
            // Byte-reverse each 32-bit lane (the shuffle indexes bytes within each 128-bit half).
            let reverse = _mm256_setr_epi8(
                3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 3, 2, 1, 0, 7, 6, 5, 4, 11,
                10, 9, 8, 15, 14, 13, 12,
            );
            let swapped = _mm256_shuffle_epi8(x.0, reverse);
            // Unsigned x <= limit exactly when min(x, limit) == x.
            let min = _mm256_min_epu32(swapped, _mm256_set1_epi32(lane(limit)));
            let le = _mm256_cmpeq_epi32(min, swapped);
            u32::try_from(_mm256_movemask_ps(_mm256_castsi256_ps(le))).expect("8-bit mask")
        }
    }
}

/// The lowest nonce in `first .. first + count` whose hash's top 32 bits (display order) are
/// at most `limit`.
///
/// # Safety
/// The CPU must support AVX2. `first + count` must not exceed 2^32.
#[target_feature(enable = "avx2")]
pub(super) unsafe fn scan(header: &[u8; 80], first: u32, count: u32, limit: u32) -> Option<u32> {
    // SAFETY: this function is compiled with, and only called on CPUs with, AVX2.
    unsafe { lanes::scan::<Avx2>(header, first, count, limit) }
}

//! dslab's SHA-NI double SHA-256 kernel (x86_64 `std::arch`), three nonces interleaved.
//!
//! SHA-NI keeps the state as two registers, ABEF and CDGH (lane 3 = A, lane 0 = F);
//! `sha256rnds2` does two rounds and is the bottleneck: one lane alone waits on its latency,
//! so every step is issued for `LANES` independent nonces (three measured 11 % faster than
//! two on Zen 3; four spill registers). What does not depend on the nonce is
//! prepared once per header: the midstate, rounds 0–1 of the second block, and the message-
//! plus-constant words that hold only padding and length (second block rounds 4–15, re-hash
//! rounds 8–15). The re-hash stops after round 61, which already fixes state word 7 (the top
//! 32 bits of the display hash), the only word tested per nonce.
//!
//! Every function here needs the `sha`, `sse4.1` and `ssse3` CPU features; [`scan`] is the
//! entry point and is only called after run-time detection.

use std::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_cvtsi64_si128, _mm_cvtsi128_si32,
    _mm_insert_epi32, _mm_set_epi32, _mm_setzero_si128, _mm_sha256msg1_epu32, _mm_sha256msg2_epu32,
    _mm_sha256rnds2_epu32, _mm_shuffle_epi32, _mm_unpackhi_epi64, _mm_unpacklo_epi64,
};

use super::header::NONCE_OFFSET;
use super::lanes::K;
use super::sha256d::{IV, midstate};

/// The constants four to a vector, lane i = K[4g + i].
// SAFETY: [u32; 64] and [__m128i; 16] have the same size and every bit pattern is valid.
const KV: [__m128i; 16] = unsafe { std::mem::transmute::<[u32; 64], [__m128i; 16]>(K) };

/// Word 15 of the second block: the message length, 80 bytes = 640 bits.
const LEN_HEADER_BITS: i32 = 640;
/// Word 15 of the re-hash block: 32 bytes = 256 bits.
const LEN_DIGEST_BITS: i32 = 256;
/// The padding word that follows the message, as an i32 lane value.
const PAD: i32 = i32::from_ne_bytes(0x8000_0000u32.to_ne_bytes());

/// Independent nonces hashed side by side to hide the latency of `sha256rnds2`.
const LANES: usize = 3;

/// A SHA-256 state in SHA-NI layout.
#[derive(Clone, Copy)]
struct State {
    abef: __m128i,
    cdgh: __m128i,
}

/// Everything about a header that does not depend on the nonce.
struct Prepared {
    /// The midstate, added back after the second block.
    mid: State,
    /// ABEF after rounds 0–1 of the second block (words 0–1 are merkle tail and time).
    abef1: __m128i,
    /// Second-block words 0–2, lane 3 left for the nonce.
    m0_base: __m128i,
    /// W2 + K2, the low half of the per-nonce rounds 2–3 input.
    wk2: u32,
    /// W + K for second-block rounds 4–15 (padding and length only).
    wk_block: [__m128i; 3],
    /// W + K for re-hash rounds 8–15 (padding and length only).
    wk_rehash: [__m128i; 2],
}

/// Bit pattern of a u32 as the i32 the `_mm_set_*` intrinsics take.
fn lane(x: u32) -> i32 {
    i32::from_ne_bytes(x.to_ne_bytes())
}

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn state_from_words(s: &[u32; 8]) -> State {
    State {
        abef: _mm_set_epi32(lane(s[0]), lane(s[1]), lane(s[4]), lane(s[5])),
        cdgh: _mm_set_epi32(lane(s[2]), lane(s[3]), lane(s[6]), lane(s[7])),
    }
}

/// Four rounds with message-plus-constant words `wk` (lanes 0–3).
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn quad(s: &mut State, wk: __m128i) {
    // The first call's output is the new ABEF, and the old ABEF is the new CDGH.
    s.cdgh = _mm_sha256rnds2_epu32(s.cdgh, s.abef, wk);
    s.abef = _mm_sha256rnds2_epu32(s.abef, s.cdgh, _mm_shuffle_epi32::<0x0E>(wk));
}

/// Message words W[t..t+4] from the previous sixteen (`m0` oldest).
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn schedule(m0: __m128i, m1: __m128i, m2: __m128i, m3: __m128i) -> __m128i {
    let t = _mm_add_epi32(_mm_sha256msg1_epu32(m0, m1), _mm_alignr_epi8::<4>(m3, m2));
    _mm_sha256msg2_epu32(t, m3)
}

#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn prepare(header: &[u8; 80]) -> Prepared {
    let word = |at: usize| u32::from_be_bytes(header[at..at + 4].try_into().expect("4 bytes"));
    // Second-block words 0-2 (merkle tail, time, bits) end where the nonce begins.
    let (w0, w1, w2) = (word(64), word(68), word(NONCE_OFFSET - 4));
    let mid = state_from_words(&midstate(header));
    let wk01 = _mm_set_epi32(
        0,
        0,
        lane(w1.wrapping_add(K[1])),
        lane(w0.wrapping_add(K[0])),
    );
    let abef1 = _mm_sha256rnds2_epu32(mid.cdgh, mid.abef, wk01);
    let block = [
        _mm_set_epi32(0, 0, 0, PAD),
        _mm_setzero_si128(),
        _mm_set_epi32(LEN_HEADER_BITS, 0, 0, 0),
    ];
    let rehash = [
        _mm_set_epi32(0, 0, 0, PAD),
        _mm_set_epi32(LEN_DIGEST_BITS, 0, 0, 0),
    ];
    Prepared {
        mid,
        abef1,
        m0_base: _mm_set_epi32(0, lane(w2), lane(w1), lane(w0)),
        wk2: w2.wrapping_add(K[2]),
        wk_block: [0, 1, 2].map(|i| _mm_add_epi32(block[i], KV[i + 1])),
        wk_rehash: [0, 1].map(|i| _mm_add_epi32(rehash[i], KV[i + 2])),
    }
}

/// Rounds 16–63 (or 16–61 when `FULL` is false) for every lane, `m` holding each lane's
/// message words 0–15.
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn rounds_from_16<const FULL: bool>(s: &mut [State; LANES], mut m: [[__m128i; 4]; LANES]) {
    // Measured: letting the compiler unroll these 11 groups costs 25-30 % (the unrolled
    // code is scheduled worse), so the trip count is hidden from it.
    let groups = std::hint::black_box(15);
    for &k in &KV[4..groups] {
        for l in 0..LANES {
            let next = schedule(m[l][0], m[l][1], m[l][2], m[l][3]);
            m[l] = [m[l][1], m[l][2], m[l][3], next];
            quad(&mut s[l], _mm_add_epi32(next, k));
        }
    }
    for l in 0..LANES {
        let wk = _mm_add_epi32(schedule(m[l][0], m[l][1], m[l][2], m[l][3]), KV[15]);
        if FULL {
            quad(&mut s[l], wk);
        } else {
            // Rounds 60–61 only: their output lane 0 is F = e after round 60, which
            // becomes h after round 63, so rounds 62–63 cannot change word 7.
            s[l].cdgh = _mm_sha256rnds2_epu32(s[l].cdgh, s[l].abef, wk);
        }
    }
}

/// First hash: the second header block for each lane's nonce, midstate added back; returns each
/// lane's digest as the re-hash's message words 0–3 and 4–7.
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn first_hash(p: &Prepared, nonces: [u32; LANES]) -> [[__m128i; 2]; LANES] {
    let zero = _mm_setzero_si128();
    let mut s = [p.mid; LANES];
    let mut m0 = [zero; LANES];
    for l in 0..LANES {
        let w3 = nonces[l].swap_bytes(); // the nonce is little-endian in a big-endian word
        m0[l] = _mm_insert_epi32::<3>(p.m0_base, lane(w3));
        let wk23 = (u64::from(w3.wrapping_add(K[3])) << 32) | u64::from(p.wk2);
        let wk23 = _mm_cvtsi64_si128(i64::from_ne_bytes(wk23.to_ne_bytes()));
        // Rounds 0-1 were prepared: ABEF is abef1 and CDGH is the midstate's ABEF.
        s[l] = State {
            abef: _mm_sha256rnds2_epu32(p.mid.abef, p.abef1, wk23),
            cdgh: p.abef1,
        };
    }
    for wk in p.wk_block {
        for st in s.iter_mut() {
            quad(st, wk);
        }
    }
    let pad = _mm_set_epi32(0, 0, 0, PAD);
    let len = _mm_set_epi32(LEN_HEADER_BITS, 0, 0, 0);
    rounds_from_16::<true>(&mut s, m0.map(|m| [m, pad, zero, len]));
    s.map(|st| {
        // Back from ABEF/CDGH to words A..D and E..H, as the re-hash reads them.
        let abef = _mm_shuffle_epi32::<0x1B>(_mm_add_epi32(st.abef, p.mid.abef));
        let cdgh = _mm_shuffle_epi32::<0x1B>(_mm_add_epi32(st.cdgh, p.mid.cdgh));
        [
            _mm_unpacklo_epi64(abef, cdgh),
            _mm_unpackhi_epi64(abef, cdgh),
        ]
    })
}

/// Word 7 of the final SHA-256d state for each lane's nonce.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn top_words(p: &Prepared, iv: State, nonces: [u32; LANES]) -> [u32; LANES] {
    let digest = first_hash(p, nonces);
    let mut s = [iv; LANES];
    for g in 0..2 {
        for l in 0..LANES {
            quad(&mut s[l], _mm_add_epi32(digest[l][g], KV[g]));
        }
    }
    for wk in p.wk_rehash {
        for st in s.iter_mut() {
            quad(st, wk);
        }
    }
    let pad = _mm_set_epi32(0, 0, 0, PAD);
    let len = _mm_set_epi32(LEN_DIGEST_BITS, 0, 0, 0);
    let m = digest.map(|d| [d[0], d[1], pad, len]);
    rounds_from_16::<false>(&mut s, m);
    s.map(|st| {
        let h = u32::from_ne_bytes(_mm_cvtsi128_si32(st.cdgh).to_ne_bytes());
        h.wrapping_add(IV[7])
    })
}

/// The lowest nonce in `first .. first + count` whose final word 7, byte-swapped (the top 32
/// bits of the display hash), is at most `limit`.
///
/// # Safety
/// The CPU must support `sha`, `sse4.1` and `ssse3`. `first + count` must not exceed 2^32.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
pub(super) unsafe fn scan(header: &[u8; 80], first: u32, count: u32, limit: u32) -> Option<u32> {
    let p = prepare(header);
    let iv = state_from_words(&IV);
    let end = u64::from(first) + u64::from(count);
    let mut n = u64::from(first);
    while n < end {
        // A short tail repeats its last nonce rather than hashing past the range.
        let nonces: [u32; LANES] = std::array::from_fn(|l| {
            u32::try_from((n + l as u64).min(end - 1)).expect("below end <= 2^32")
        });
        let words = top_words(&p, iv, nonces);
        if let Some(l) = words.iter().position(|w| w.swap_bytes() <= limit) {
            return Some(nonces[l]);
        }
        n += LANES as u64;
    }
    None
}

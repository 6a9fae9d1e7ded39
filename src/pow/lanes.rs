//! SHA-256d over vectors of 32-bit lanes, one nonce per lane: the body shared by the AVX2
//! (8 lanes) and AVX-512 (16 lanes) kernels, written once against the [`Lanes`] operations.
//!
//! Unlike SHA-NI, which hashes one message per instruction, these kernels run the FIPS 180-4
//! round function on `LANES` nonces at once, so every trick is about removing vector work:
//!
//! * **Midstate.** The first 64 header bytes are compressed once per header (scalar).
//! * **Nonce-independent rounds.** In the second header block, words 0–2 (merkle tail, time,
//!   bits) do not depend on the nonce, so rounds 0–2 are scalar, and so is all of round 3
//!   except the nonce word, which is added to the precomputed a and e. Words 4–15 are padding
//!   and length: their W + K are constants. Of the message schedule, W16 and W17 are
//!   constants, and W18–W32 drop the terms that are known zeros or constants (worked out in
//!   [`first_hash`]). In the re-hash, the state starts at the initial hash value, so round 0
//!   is a constant plus W0, words 8–15 are padding and length, and W16–W31 drop their zero
//!   terms likewise.
//! * **Early exit.** Only word 7 of the final hash is tested (the top 32 bits of the display
//!   hash). It is the initial H7 plus h after round 63, which is e computed in round 60. So the
//!   re-hash stops after round 60, rounds 57–60 skip the a-half (Σ0 and Maj, whose results
//!   would reach d only after round 60), and W61–W63 are never computed.
//!
//! Every `Lanes` method is `unsafe` because the vector implementations call intrinsics that
//! need CPU features; the generic functions are `#[inline(always)]` so that they are compiled
//! inside the `#[target_feature]` entry point of each kernel, with its features.

use super::header::NONCE_OFFSET;
use super::sha256d::{IV, midstate};

/// SHA-256 round constants (FIPS 180-4 §4.2.2).
pub(super) const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// The padding word that follows a message ending on a word boundary.
const PAD: u32 = 0x8000_0000;
/// Word 15 of the second header block: 80 bytes = 640 bits.
const LEN_HEADER_BITS: u32 = 640;
/// Word 15 of the re-hash block: 32 bytes = 256 bits.
const LEN_DIGEST_BITS: u32 = 256;

/// Most lanes any implementation has (AVX-512: 16).
pub(super) const MAX_LANES: usize = 16;

/// Lane-wise 32-bit operations of one vector type. Lane `i` of every value belongs to the
/// `i`-th nonce of a batch.
///
/// # Safety
/// Implementations may call CPU-specific intrinsics: callers must have checked that the CPU
/// has the features the implementation documents.
pub(super) unsafe trait Lanes: Copy {
    /// Nonces per vector.
    const LANES: usize;
    /// Every lane `x`.
    unsafe fn splat(x: u32) -> Self;
    /// Lane `i` = `words[i]` (`words` has at least `LANES` elements).
    unsafe fn load(words: &[u32]) -> Self;
    /// Wrapping addition.
    unsafe fn add(a: Self, b: Self) -> Self;
    /// Σ0 = ROTR2 ^ ROTR13 ^ ROTR22 (FIPS 180-4 (4.4)).
    unsafe fn big_sigma0(x: Self) -> Self;
    /// Σ1 = ROTR6 ^ ROTR11 ^ ROTR25 (4.5).
    unsafe fn big_sigma1(x: Self) -> Self;
    /// σ0 = ROTR7 ^ ROTR18 ^ SHR3 (4.6).
    unsafe fn small_sigma0(x: Self) -> Self;
    /// σ1 = ROTR17 ^ ROTR19 ^ SHR10 (4.7).
    unsafe fn small_sigma1(x: Self) -> Self;
    /// Ch(e, f, g) = (e & f) ^ (!e & g) (4.2).
    unsafe fn ch(e: Self, f: Self, g: Self) -> Self;
    /// Maj(a, b, c) = (a & b) ^ (a & c) ^ (b & c) (4.3).
    unsafe fn maj(a: Self, b: Self, c: Self) -> Self;
    /// Bit `i` set when lane `i`, byte-swapped, is at most `limit` (unsigned).
    unsafe fn hits(x: Self, limit: u32) -> u32;
}

/// Scalar SHA-256 functions (FIPS 180-4 §4.1.2), used for the per-header precomputation and
/// as the one-lane implementation the tests run everywhere.
// SAFETY: plain integer arithmetic, no CPU feature needed.
unsafe impl Lanes for u32 {
    const LANES: usize = 1;
    #[inline(always)]
    unsafe fn splat(x: u32) -> u32 {
        x
    }
    #[inline(always)]
    unsafe fn load(words: &[u32]) -> u32 {
        words[0]
    }
    #[inline(always)]
    unsafe fn add(a: u32, b: u32) -> u32 {
        a.wrapping_add(b)
    }
    #[inline(always)]
    unsafe fn big_sigma0(x: u32) -> u32 {
        x.rotate_right(2) ^ x.rotate_right(13) ^ x.rotate_right(22)
    }
    #[inline(always)]
    unsafe fn big_sigma1(x: u32) -> u32 {
        x.rotate_right(6) ^ x.rotate_right(11) ^ x.rotate_right(25)
    }
    #[inline(always)]
    unsafe fn small_sigma0(x: u32) -> u32 {
        x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3)
    }
    #[inline(always)]
    unsafe fn small_sigma1(x: u32) -> u32 {
        x.rotate_right(17) ^ x.rotate_right(19) ^ (x >> 10)
    }
    #[inline(always)]
    unsafe fn ch(e: u32, f: u32, g: u32) -> u32 {
        (e & f) ^ (!e & g)
    }
    #[inline(always)]
    unsafe fn maj(a: u32, b: u32, c: u32) -> u32 {
        (a & b) ^ (a & c) ^ (b & c)
    }
    #[inline(always)]
    unsafe fn hits(x: u32, limit: u32) -> u32 {
        u32::from(x.swap_bytes() <= limit)
    }
}

/// Working variables a..h.
type State<V> = [V; 8];

/// One SHA-256 round (FIPS 180-4 §6.2.2 step 3) with `wk` = W_t + K_t.
#[inline(always)]
unsafe fn round<V: Lanes>(s: &mut State<V>, wk: V) {
    let [a, b, c, d, e, f, g, h] = *s;
    unsafe {
        let t1 = V::add(V::add(h, V::big_sigma1(e)), V::add(V::ch(e, f, g), wk));
        let t2 = V::add(V::big_sigma0(a), V::maj(a, b, c));
        *s = [V::add(t1, t2), a, b, c, V::add(d, t1), e, f, g];
    }
}

/// A round whose new a is never read (it would reach d after the last round computed): only
/// T1 and the new e. The slot of a is filled with T1, which costs nothing.
#[inline(always)]
unsafe fn round_e_only<V: Lanes>(s: &mut State<V>, wk: V) {
    let [a, b, c, d, e, f, g, h] = *s;
    unsafe {
        let t1 = V::add(V::add(h, V::big_sigma1(e)), V::add(V::ch(e, f, g), wk));
        *s = [t1, a, b, c, V::add(d, t1), e, f, g];
    }
}

/// The state after a round whose word W is `w` plus a constant: returns the constant parts
/// of the new a and e (add `w` to both), given the state before and the constant W + K.
fn round_constants(s: &State<u32>, wk_const: u32) -> (u32, u32) {
    let mut next = *s;
    // SAFETY: the u32 implementation needs no CPU feature.
    unsafe { round(&mut next, wk_const) };
    (next[0], next[4])
}

/// Everything about a header that does not depend on the nonce.
pub(super) struct Prepared {
    /// The midstate, added back after the second block.
    mid: [u32; 8],
    /// State after rounds 0–3 of the second block, with W3 (the nonce word) still to be
    /// added to a (index 0) and e (index 4).
    s3: [u32; 8],
    /// W16 and W17 of the second block (constants).
    w16: u32,
    w17: u32,
    /// W18 − σ0(W3) and W19 − W3.
    w18_base: u32,
    w19_base: u32,
    /// σ0(W17) + W16, the constant part of W32.
    w32_base: u32,
}

impl Prepared {
    /// Per-header precomputation (scalar).
    pub(super) fn new(header: &[u8; 80]) -> Prepared {
        let word = |at: usize| u32::from_be_bytes(header[at..at + 4].try_into().expect("4 bytes"));
        let w: [u32; 3] = [word(64), word(68), word(NONCE_OFFSET - 4)];
        let mid = midstate(header);
        let mut s = mid;
        for (t, wt) in w.iter().enumerate() {
            // SAFETY: the u32 implementation needs no CPU feature.
            unsafe { round(&mut s, wt.wrapping_add(K[t])) };
        }
        let (a3, e3) = round_constants(&s, K[3]);
        let s3 = [a3, s[0], s[1], s[2], e3, s[4], s[5], s[6]];
        // SAFETY (all blocks below): the u32 implementation needs no CPU feature.
        let (s0, s1) = (
            |x: u32| unsafe { u32::small_sigma0(x) },
            |x: u32| unsafe { u32::small_sigma1(x) },
        );
        // W16 = σ1(W14) + W9 + σ0(W1) + W0 and W17 = σ1(W15) + W10 + σ0(W2) + W1, W9..W14 = 0.
        let w16 = s0(w[1]).wrapping_add(w[0]);
        let w17 = s1(LEN_HEADER_BITS)
            .wrapping_add(s0(w[2]))
            .wrapping_add(w[1]);
        Prepared {
            mid,
            s3,
            w16,
            w17,
            // W18 = σ1(W16) + W11 + σ0(W3) + W2, W11 = 0.
            w18_base: s1(w16).wrapping_add(w[2]),
            // W19 = σ1(W17) + W12 + σ0(W4) + W3, W12 = 0, W4 = PAD.
            w19_base: s1(w17).wrapping_add(s0(PAD)),
            w32_base: s0(w17).wrapping_add(w16),
        }
    }
}

/// The last sixteen message words: W_t lives in slot t mod 16, so writing W_t replaces
/// W_{t−16}, the oldest word the schedule reads.
struct Ring<V>([V; 16]);

impl<V> std::ops::Index<usize> for Ring<V> {
    type Output = V;
    fn index(&self, t: usize) -> &V {
        &self.0[t & 15]
    }
}

impl<V> std::ops::IndexMut<usize> for Ring<V> {
    fn index_mut(&mut self, t: usize) -> &mut V {
        &mut self.0[t & 15]
    }
}

/// W_t = σ1(W_{t−2}) + W_{t−7} + σ0(W_{t−15}) + W_{t−16} (FIPS 180-4 §6.2.2 step 1).
#[inline(always)]
unsafe fn schedule<V: Lanes>(w: &Ring<V>, t: usize) -> V {
    unsafe {
        V::add(
            V::add(V::small_sigma1(w[t - 2]), w[t - 7]),
            V::add(V::small_sigma0(w[t - 15]), w[t - 16]),
        )
    }
}

/// Store W_t (computed first, from the ring's older words) and run round t with it.
macro_rules! step {
    ($s:ident, $w:ident, $t:expr, $wt:expr) => {{
        let (t, wt) = ($t, $wt);
        $w[t] = wt;
        round(&mut $s, V::add(wt, V::splat(K[t])));
    }};
}

/// The first hash (second header block from the midstate) for nonce words `w3` (the nonce
/// byte-swapped): the digest words H0..H7, which are the re-hash's W0..W7.
#[inline(always)]
unsafe fn first_hash<V: Lanes>(p: &Prepared, w3: V) -> [V; 8] {
    unsafe {
        let sp = |x: u32| V::splat(x);
        let (s1, add) = (|x| V::small_sigma1(x), |a, b| V::add(a, b));
        let mut s: State<V> = p.s3.map(sp);
        s[0] = add(s[0], w3);
        s[4] = add(s[4], w3);
        // Rounds 4-15: W4 = PAD, W5..W14 = 0, W15 = 640.
        for (t, &k) in K.iter().enumerate().take(16).skip(4) {
            let w = match t {
                4 => PAD,
                15 => LEN_HEADER_BITS,
                _ => 0,
            };
            round(&mut s, sp(k.wrapping_add(w)));
        }
        // The schedule with its known terms: W5..W14 = 0, W4 = PAD, W15 = 640. Only W16
        // onwards is ever read from the ring.
        let mut w = Ring([w3; 16]);
        step!(s, w, 16, sp(p.w16));
        step!(s, w, 17, sp(p.w17));
        step!(s, w, 18, add(sp(p.w18_base), V::small_sigma0(w3)));
        step!(s, w, 19, add(sp(p.w19_base), w3));
        step!(s, w, 20, add(s1(w[18]), sp(PAD)));
        step!(s, w, 21, s1(w[19]));
        step!(s, w, 22, add(s1(w[20]), sp(LEN_HEADER_BITS)));
        for t in 23..=29 {
            // σ1(W_{t-2}) + W_{t-7}; σ0(W_{t-15}) + W_{t-16} is zero (t-16 in 7..=13).
            let wt = add(s1(w[t - 2]), w[t - 7]);
            step!(s, w, t, wt);
        }
        // σ0(W15) + W14 and σ0(W16) + W15 are constants.
        let c30 = u32::small_sigma0(LEN_HEADER_BITS);
        step!(s, w, 30, add(add(s1(w[28]), w[23]), sp(c30)));
        let c31 = u32::small_sigma0(p.w16).wrapping_add(LEN_HEADER_BITS);
        step!(s, w, 31, add(add(s1(w[29]), w[24]), sp(c31)));
        step!(s, w, 32, add(add(s1(w[30]), w[25]), sp(p.w32_base)));
        for t in 33..64 {
            let wt = schedule(&w, t);
            step!(s, w, t, wt);
        }
        let mut digest = s;
        for (d, m) in digest.iter_mut().zip(p.mid) {
            *d = add(*d, sp(m));
        }
        digest
    }
}

/// Word 7 of the final SHA-256d state (H7 of the re-hash) for nonce words `w3`.
#[inline(always)]
unsafe fn top_word<V: Lanes>(p: &Prepared, w3: V) -> V {
    unsafe {
        let sp = |x: u32| V::splat(x);
        let (s0, s1, add) = (
            |x| V::small_sigma0(x),
            |x| V::small_sigma1(x),
            |a, b| V::add(a, b),
        );
        let digest = first_hash(p, w3);
        // W0..W7 are the digest; W8..W15 (padding, length) are never read from the ring.
        let mut w = Ring([digest[0]; 16]);
        w.0[..8].copy_from_slice(&digest);
        // Round 0 from the constant initial value: a and e are constants plus W0.
        let (a1, e1) = round_constants(&IV, K[0]);
        let mut s: State<V> = [a1, IV[0], IV[1], IV[2], e1, IV[4], IV[5], IV[6]].map(sp);
        s[0] = add(s[0], w[0]);
        s[4] = add(s[4], w[0]);
        for t in 1..8 {
            round(&mut s, add(w[t], sp(K[t])));
        }
        // Rounds 8-15: W8 = PAD, W9..W14 = 0, W15 = 256.
        for (t, &k) in K.iter().enumerate().take(16).skip(8) {
            let wt = match t {
                8 => PAD,
                15 => LEN_DIGEST_BITS,
                _ => 0,
            };
            round(&mut s, sp(k.wrapping_add(wt)));
        }
        // The schedule with its known terms: W8 = PAD, W9..W14 = 0, W15 = 256. Each new word
        // reads its slot's old word W_{t-16} before replacing it.
        step!(s, w, 16, add(s0(w[1]), w[0]));
        let c17 = u32::small_sigma1(LEN_DIGEST_BITS);
        step!(s, w, 17, add(add(s0(w[2]), w[1]), sp(c17)));
        for t in 18..=21 {
            // W_{t-7} is zero for t in 16..=21 (words 9..14).
            let wt = add(add(s1(w[t - 2]), s0(w[t - 15])), w[t - 16]);
            step!(s, w, t, wt);
        }
        let w22 = add(add(add(s1(w[20]), s0(w[7])), w[6]), sp(LEN_DIGEST_BITS));
        step!(s, w, 22, w22);
        let c23 = u32::small_sigma0(PAD);
        let w23 = add(add(add(s1(w[21]), w[16]), w[7]), sp(c23));
        step!(s, w, 23, w23);
        step!(s, w, 24, add(add(s1(w[22]), w[17]), sp(PAD)));
        for t in 25..=29 {
            // σ0(W_{t-15}) + W_{t-16} is zero (t-16 in 9..=13).
            let wt = add(s1(w[t - 2]), w[t - 7]);
            step!(s, w, t, wt);
        }
        let c30 = u32::small_sigma0(LEN_DIGEST_BITS);
        step!(s, w, 30, add(add(s1(w[28]), w[23]), sp(c30)));
        let w31 = add(add(add(s1(w[29]), w[24]), s0(w[16])), sp(LEN_DIGEST_BITS));
        step!(s, w, 31, w31);
        for t in 32..=56 {
            let wt = schedule(&w, t);
            step!(s, w, t, wt);
        }
        for t in 57..=60 {
            let wt = schedule(&w, t);
            w[t] = wt;
            round_e_only(&mut s, add(wt, sp(K[t])));
        }
        // e after round 60 is h after round 63.
        add(s[4], sp(IV[7]))
    }
}

/// Nonce of lane `lane` of the batch starting at `n`; a short tail repeats the last nonce of
/// the range rather than hashing past it.
fn nonce_at(n: u64, lane: usize, end: u64) -> u32 {
    u32::try_from((n + lane as u64).min(end - 1)).expect("below end <= 2^32")
}

/// The lowest nonce in `first .. first + count` whose final word 7, byte-swapped (the top 32
/// bits of the display hash), is at most `limit`.
///
/// # Safety
/// The CPU must have the features `V`'s implementation needs. `first + count` must not exceed
/// 2^32.
#[inline(always)]
pub(super) unsafe fn scan<V: Lanes>(
    header: &[u8; 80],
    first: u32,
    count: u32,
    limit: u32,
) -> Option<u32> {
    const { assert!(V::LANES <= MAX_LANES) };
    let p = Prepared::new(header);
    let end = u64::from(first) + u64::from(count);
    let mut n = u64::from(first);
    let mut words = [0u32; MAX_LANES];
    while n < end {
        for (lane, w) in words.iter_mut().enumerate().take(V::LANES) {
            // The nonce is little-endian in the header, W3 reads it big-endian.
            *w = nonce_at(n, lane, end).swap_bytes();
        }
        // SAFETY: the caller guarantees the CPU features.
        let mask = unsafe { V::hits(top_word(&p, V::load(&words)), limit) };
        if mask != 0 {
            return Some(nonce_at(n, mask.trailing_zeros() as usize, end));
        }
        n += V::LANES as u64;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pow::sha256d::sha256d;

    fn reference_top(header: &[u8; 80], nonce: u32) -> u32 {
        let mut h = *header;
        h[76..].copy_from_slice(&nonce.to_le_bytes());
        u32::from_be_bytes(sha256d(&h)[28..].try_into().expect("4 bytes"))
    }

    /// The generic body with one-lane integers (runs on every machine) computes the same
    /// word 7 as the `sha2` crate: this tests the precomputation and early exit that the
    /// vector kernels share, independently of any vector instruction.
    #[test]
    fn scalar_instance_matches_sha2_word_7() {
        let mut header = [0u8; 80];
        for (i, b) in header.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37).wrapping_add(11);
        }
        let p = Prepared::new(&header);
        for nonce in [0u32, 1, 0x1234_5678, u32::MAX] {
            // SAFETY: the u32 implementation needs no CPU feature.
            let h7 = unsafe { top_word::<u32>(&p, nonce.swap_bytes()) };
            assert_eq!(h7, reference_top(&header, nonce), "nonce {nonce:#x}");
        }
    }

    #[test]
    fn scalar_scan_reports_the_first_qualifying_nonce() {
        let header = [7u8; 80];
        // Limit = the reference top word of nonce 1005, byte-swapped: at least nonce 1005
        // qualifies, and the scan must return the first qualifying nonce.
        let limit = reference_top(&header, 1005).swap_bytes();
        let expected = (1000..1010).find(|&n| reference_top(&header, n).swap_bytes() <= limit);
        // SAFETY: the u32 implementation needs no CPU feature.
        let got = unsafe { scan::<u32>(&header, 1000, 10, limit) };
        assert_eq!(got, expected);
        assert!(expected.is_some_and(|n| n <= 1005));
    }
}

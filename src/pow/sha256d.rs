//! Double SHA-256 of 80-byte headers: the portable path on the `sha2` crate (also the
//! reference the tests trust) and the run-time choice of the nonce-scanning kernel.
//!
//! Both kernels hash the first 64 header bytes once (the midstate) and per nonce only the
//! second block and the 32-byte re-hash.

use sha2::block_api::compress256;
use thiserror::Error;

use super::header::NONCE_OFFSET;

/// SHA-256 initial hash value (FIPS 180-4 §5.3.3); `sha2` keeps its copy private.
pub const IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// Double SHA-256 of a header with the `sha2` crate, internal byte order (the reference).
pub fn sha256d(header: &[u8; 80]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(Sha256::digest(header)).into()
}

/// SHA-256 state after compressing the first 64 header bytes.
pub fn midstate(header: &[u8; 80]) -> [u32; 8] {
    let mut state = IV;
    let block: [u8; 64] = header[..64].try_into().expect("64-byte slice");
    compress256(&mut state, &[block]);
    state
}

/// Final SHA-256d state words for `nonce`, from a midstate and the 12 header bytes that
/// follow it (merkle tail, time, bits). Word 7 read little-endian is the top of the hash.
fn portable_state(mid: &[u32; 8], tail12: &[u8], nonce: u32) -> [u32; 8] {
    let mut block = [0u8; 64];
    block[..12].copy_from_slice(tail12);
    block[12..16].copy_from_slice(&nonce.to_le_bytes());
    block[16] = 0x80; // padding after 80 message bytes
    block[56..].copy_from_slice(&640u64.to_be_bytes()); // message length in bits
    let mut first = *mid;
    compress256(&mut first, &[block]);
    let mut second = [0u8; 64];
    for (chunk, word) in second.chunks_exact_mut(4).zip(first) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    second[32] = 0x80;
    second[56..].copy_from_slice(&256u64.to_be_bytes());
    let mut state = IV;
    compress256(&mut state, &[second]);
    state
}

/// A kernel was requested that this CPU cannot run.
#[derive(Debug, Error)]
#[error("this CPU lacks the SHA extensions (sha, sse4.1, ssse3) the sha-ni kernel needs")]
pub struct KernelError;

/// The nonce-scanning implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Midstate plus two `sha2::block_api::compress256` calls per nonce. Runs anywhere;
    /// `sha2` itself uses the SHA extensions when the CPU has them.
    Portable,
    /// dslab's own `std::arch` SHA-NI kernel, three nonces interleaved. Only constructed
    /// after run-time detection, which is what makes calling it sound.
    ShaNi(ShaNiToken),
}

/// Proof that the CPU supports the SHA-NI kernel; only [`Kernel::sha_ni`] creates one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShaNiToken(());

impl Kernel {
    /// The fastest kernel this CPU supports.
    pub fn detect() -> Kernel {
        Kernel::sha_ni().unwrap_or(Kernel::Portable)
    }

    /// The SHA-NI kernel, if the CPU has SHA, SSE4.1 and SSSE3.
    pub fn sha_ni() -> Result<Kernel, KernelError> {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("sha")
            && std::arch::is_x86_feature_detected!("sse4.1")
            && std::arch::is_x86_feature_detected!("ssse3")
        {
            return Ok(Kernel::ShaNi(ShaNiToken(())));
        }
        Err(KernelError)
    }

    /// A short description for reports.
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "sha2 crate (portable, midstate)",
            Kernel::ShaNi(_) => "sha-ni x3 interleaved (dslab std::arch)",
        }
    }

    /// The lowest nonce in `first .. first + count` whose hash has its top 32 bits (display
    /// order) at most `limit`, or `None`. Callers confirm a hit against the full target.
    ///
    /// The nonce field of `header` is ignored. `first + count` must not exceed 2^32.
    pub fn scan(self, header: &[u8; 80], first: u32, count: u32, limit: u32) -> Option<u32> {
        assert!(
            u64::from(first) + u64::from(count) <= 1 << 32,
            "nonce range past 2^32"
        );
        match self {
            Kernel::Portable => scan_portable(header, first, count, limit),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a ShaNiToken exists only after run-time detection of every feature
            // the kernel is compiled with.
            Kernel::ShaNi(_) => unsafe { super::shani::scan(header, first, count, limit) },
            #[cfg(not(target_arch = "x86_64"))]
            Kernel::ShaNi(_) => unreachable!("no ShaNiToken off x86_64"),
        }
    }
}

fn scan_portable(header: &[u8; 80], first: u32, count: u32, limit: u32) -> Option<u32> {
    let mid = midstate(header);
    let tail = &header[64..NONCE_OFFSET];
    (u64::from(first)..u64::from(first) + u64::from(count))
        .map(|n| u32::try_from(n).expect("range checked against 2^32"))
        .find(|&n| portable_state(&mid, tail, n)[7].swap_bytes() <= limit)
}

#[cfg(test)]
mod tests;

//! Double SHA-256 of 80-byte headers: the portable path on the `sha2` crate (also the
//! reference the tests trust) and the run-time choice of the nonce-scanning kernel.
//!
//! Every kernel hashes the first 64 header bytes once (the midstate) and per nonce only the
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

/// Why `--kernel NAME` cannot be honoured.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum KernelError {
    /// No kernel has that name.
    #[error("no kernel is called that")]
    Unknown,
    /// The kernel exists but this CPU lacks the features it needs.
    #[error("this CPU lacks {0}, which this kernel needs")]
    Unavailable(&'static str),
}

/// The nonce-scanning implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kernel {
    /// Midstate plus two `sha2::block_api::compress256` calls per nonce. Runs anywhere;
    /// `sha2` itself uses the SHA extensions when the CPU has them.
    Portable,
    /// dslab's own `std::arch` SHA-NI kernel, three nonces interleaved.
    ShaNi(Detected),
    /// dslab's own `std::arch` AVX2 kernel, eight nonces per vector.
    Avx2(Detected),
    /// dslab's own `std::arch` AVX-512F kernel, sixteen nonces per vector.
    Avx512(Detected),
}

/// Proof that the CPU has the features of the kernel holding it: only the constructors
/// ([`Kernel::sha_ni`], [`Kernel::avx2`], [`Kernel::avx512`]) create one, after run-time
/// detection, which is what makes calling the kernel sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detected(());

/// Every kernel name `--kernel` accepts besides `auto`, in the order they are listed.
pub const KERNEL_NAMES: [&str; 4] = ["portable", "sha-ni", "avx2", "avx512"];

/// Features each named kernel needs, for messages.
const NEEDS: [&str; 4] = [
    "nothing",
    "the SHA extensions (sha, sse4.1, ssse3)",
    "AVX2",
    "AVX-512F",
];

/// Whether the CPU has every feature in the list (run-time detection; false off x86-64).
macro_rules! has_features {
    ($($feature:tt),+) => {{
        #[cfg(target_arch = "x86_64")]
        let yes = true $(&& std::arch::is_x86_feature_detected!($feature))+;
        #[cfg(not(target_arch = "x86_64"))]
        let yes = false;
        yes
    }};
}

impl Kernel {
    /// The kernel this process uses when none is forced: the fastest of
    /// [`Kernel::auto_rates`].
    pub fn detect() -> Kernel {
        let rates = Kernel::auto_rates();
        let kernels: Vec<Kernel> = rates.iter().map(|(k, _)| *k).collect();
        let values: Vec<f64> = rates.iter().map(|(_, r)| *r).collect();
        super::hashrate::pick(&kernels, &values)
    }

    /// Every available kernel with its hashes per second on one thread, measured once per
    /// process on first use for [`super::hashrate::CHOICE_BUDGET`] (0.1 s); NaN when the CPU
    /// has only one kernel, which is then not measured.
    pub fn auto_rates() -> &'static [(Kernel, f64)] {
        static RATES: std::sync::OnceLock<Vec<(Kernel, f64)>> = std::sync::OnceLock::new();
        RATES.get_or_init(|| {
            let all = Kernel::available();
            let rates = match all.len() {
                1 => vec![f64::NAN],
                _ => super::hashrate::quick_rates(&all, super::hashrate::CHOICE_BUDGET),
            };
            all.into_iter().zip(rates).collect()
        })
    }

    /// The SHA-NI kernel, if the CPU has SHA, SSE4.1 and SSSE3.
    pub fn sha_ni() -> Result<Kernel, KernelError> {
        if has_features!("sha", "sse4.1", "ssse3") {
            return Ok(Kernel::ShaNi(Detected(())));
        }
        Err(KernelError::Unavailable(NEEDS[1]))
    }

    /// The AVX2 kernel, if the CPU has AVX2.
    pub fn avx2() -> Result<Kernel, KernelError> {
        if has_features!("avx2") {
            return Ok(Kernel::Avx2(Detected(())));
        }
        Err(KernelError::Unavailable(NEEDS[2]))
    }

    /// The AVX-512 kernel, if the CPU has AVX-512F.
    pub fn avx512() -> Result<Kernel, KernelError> {
        if has_features!("avx512f") {
            return Ok(Kernel::Avx512(Detected(())));
        }
        Err(KernelError::Unavailable(NEEDS[3]))
    }

    /// The kernel called `name` (one of [`KERNEL_NAMES`]), if this CPU can run it.
    pub fn by_name(name: &str) -> Result<Kernel, KernelError> {
        match name {
            "portable" => Ok(Kernel::Portable),
            // "shani" is the spelling of the product specification.
            "sha-ni" | "shani" => Kernel::sha_ni(),
            "avx2" => Kernel::avx2(),
            "avx512" => Kernel::avx512(),
            _ => Err(KernelError::Unknown),
        }
    }

    /// Every kernel this CPU can run, in the order of [`KERNEL_NAMES`].
    pub fn available() -> Vec<Kernel> {
        KERNEL_NAMES
            .iter()
            .filter_map(|n| Kernel::by_name(n).ok())
            .collect()
    }

    /// The name `--kernel` accepts for this kernel.
    pub fn id(self) -> &'static str {
        match self {
            Kernel::Portable => KERNEL_NAMES[0],
            Kernel::ShaNi(_) => KERNEL_NAMES[1],
            Kernel::Avx2(_) => KERNEL_NAMES[2],
            Kernel::Avx512(_) => KERNEL_NAMES[3],
        }
    }

    /// A short description for reports, starting with [`Kernel::id`].
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Portable => "portable: sha2 crate, midstate",
            Kernel::ShaNi(_) => "sha-ni: 3 nonces interleaved (dslab std::arch)",
            Kernel::Avx2(_) => "avx2: 8 nonces per vector (dslab std::arch)",
            Kernel::Avx512(_) => "avx512: 16 nonces per vector (dslab std::arch)",
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
            // SAFETY (each arm): a `Detected` exists only after run-time detection of every
            // feature the kernel is compiled with.
            #[cfg(target_arch = "x86_64")]
            Kernel::ShaNi(_) => unsafe { super::shani::scan(header, first, count, limit) },
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx2(_) => unsafe { super::avx2::scan(header, first, count, limit) },
            #[cfg(target_arch = "x86_64")]
            Kernel::Avx512(_) => unsafe { super::avx512::scan(header, first, count, limit) },
            #[cfg(not(target_arch = "x86_64"))]
            _ => unreachable!("no Detected token off x86_64"),
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

//! Real proof of work: 80-byte Bitcoin block headers, compact `bits` targets, double SHA-256
//! kernels (hand-written SHA-NI, AVX2 and AVX-512 kernels and the portable `sha2` path, chosen
//! by measurement) and the parallel nonce search behind `dslab mine` and `dslab hashrate`.
//!
//! Depends on nothing else in the crate; the simulation engine may depend on it.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
pub mod hashrate;
pub mod header;
#[cfg(target_arch = "x86_64")]
mod lanes;
pub mod search;
pub mod sha256d;
#[cfg(target_arch = "x86_64")]
mod shani;
pub mod target;

pub use header::Header;
pub use search::{Block, ChainMiner, Found, SearchSpace, Template, search_block};
pub use sha256d::{Detected, KERNEL_NAMES, Kernel, KernelError, sha256d};
pub use target::{Compact, Target};

/// Lower-case hex of `bytes` (a few lines instead of a crate).
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    out
}

/// Parse hex (either case) into exactly `N` bytes; `None` on bad length or digit.
pub fn from_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let digits = text.as_bytes();
    if digits.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (i, pair) in digits.chunks_exact(2).enumerate() {
        let hi = char::from(pair[0]).to_digit(16)?;
        let lo = char::from(pair[1]).to_digit(16)?;
        out[i] = u8::try_from(hi * 16 + lo).expect("two hex digits fit in a byte");
    }
    Some(out)
}

/// Parse a hash written in the usual reversed display order into its internal byte order.
pub fn from_display_hex(text: &str) -> Option<[u8; 32]> {
    let mut bytes = from_hex::<32>(text)?;
    bytes.reverse();
    Some(bytes)
}

/// A hash in internal byte order rendered in the usual reversed display order.
pub fn to_display_hex(hash: &[u8; 32]) -> String {
    let mut display = *hash;
    display.reverse();
    to_hex(&display)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let bytes = [0x00, 0x01, 0xab, 0xff];
        assert_eq!(to_hex(&bytes), "0001abff");
        assert_eq!(from_hex::<4>("0001ABff"), Some(bytes));
    }

    #[test]
    fn hex_rejects_bad_input() {
        assert_eq!(from_hex::<2>("abc"), None);
        assert_eq!(from_hex::<2>("abzz"), None);
        assert_eq!(from_hex::<1>("é"), None);
    }
}

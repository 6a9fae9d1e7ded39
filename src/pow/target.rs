//! Proof-of-work targets and their compact `bits` encoding (Bitcoin Core's
//! `arith_uint256::SetCompact` / `GetCompact`, re-derived on byte arrays).
//!
//! Numbers here are 256-bit unsigned integers held as 32 big-endian bytes, which is also
//! the reversed ("display") order of a block hash, so a hash meets a target when its
//! display bytes compare lexicographically at or below the target's bytes.

use thiserror::Error;

/// The result of decoding a compact value, with Bitcoin Core's two flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Compact {
    /// The magnitude, 32 big-endian bytes (bytes shifted above 2^256 are dropped).
    pub value: [u8; 32],
    /// The sign bit (0x0080_0000) was set on a non-zero mantissa.
    pub negative: bool,
    /// The value does not fit in 256 bits.
    pub overflow: bool,
}

impl Compact {
    /// Decode `bits`: the top byte is the size in bytes, the low 23 bits the mantissa,
    /// so value = mantissa × 256^(size − 3), with bit 23 as the sign.
    pub fn decode(bits: u32) -> Compact {
        let size = bits >> 24;
        let word = bits & 0x007f_ffff;
        let mut value = [0u8; 32];
        let mut overflow = false;
        // Place the three mantissa bytes at byte positions size-1, size-2, size-3 counted
        // from the least significant end; anything below position 0 is shifted out.
        for (k, byte) in word.to_be_bytes()[1..].iter().enumerate() {
            let Some(pos) = (size as usize).checked_sub(1 + k) else {
                continue;
            };
            if pos < 32 {
                value[31 - pos] = *byte;
            } else if *byte != 0 {
                overflow = true;
            }
        }
        // Core tests the sign against the mantissa after the right shift of small sizes.
        let shifted = if size <= 3 {
            word >> (8 * (3 - size))
        } else {
            word
        };
        let negative = shifted != 0 && bits & 0x0080_0000 != 0;
        Compact {
            value,
            negative,
            overflow,
        }
    }

    /// Encode a non-negative value, truncating to the three most significant bytes
    /// (Core's `GetCompact(false)`).
    pub fn encode(value: &[u8; 32]) -> u32 {
        let Some(first) = value.iter().position(|b| *b != 0) else {
            return 0;
        };
        let mut size = 32 - first; // significant bytes
        // The three most significant bytes; a short number is zero-padded on the right,
        // which is Core's `low64 << 8 * (3 - size)`.
        let mut mantissa = (0..3).fold(0u32, |acc, k| {
            (acc << 8) | u32::from(value.get(first + k).copied().unwrap_or(0))
        });
        // A set bit 23 would read back as the sign: move one byte into the exponent.
        if mantissa & 0x0080_0000 != 0 {
            mantissa >>= 8;
            size += 1;
        }
        mantissa | (u32::try_from(size).expect("size ≤ 33") << 24)
    }
}

/// Why a `bits` value is not a usable target (Core's `DeriveTarget` rejections).
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum BitsError {
    /// The sign bit is set on a non-zero mantissa.
    #[error("bits {0:#010x} encode a negative target")]
    Negative(u32),
    /// The encoded number exceeds 256 bits.
    #[error("bits {0:#010x} encode a target above 2^256")]
    Overflow(u32),
    /// The encoded target is zero, which no hash can meet.
    #[error("bits {0:#010x} encode a zero target")]
    Zero(u32),
}

/// A proof-of-work target: a hash is valid when, read as a 256-bit number in display order,
/// it is at most the target (consensus `CheckProofOfWork`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target([u8; 32]);

impl Target {
    /// The target a header's `bits` field encodes.
    pub fn from_bits(bits: u32) -> Result<Target, BitsError> {
        let c = Compact::decode(bits);
        if c.negative {
            Err(BitsError::Negative(bits))
        } else if c.overflow {
            Err(BitsError::Overflow(bits))
        } else if c.value == [0; 32] {
            Err(BitsError::Zero(bits))
        } else {
            Ok(Target(c.value))
        }
    }

    /// The target 2^(256 − b) for `b` leading zero bits (`1 ≤ b ≤ 255`; `None` outside).
    ///
    /// A power of two is exactly representable in compact form, so `bits()` carries the
    /// target without rounding. A hash meets it when its top `b` bits are zero, or in the
    /// single case that it equals 2^(256 − b); the success probability per hash is
    /// 2^−b + 2^−256.
    pub fn from_leading_zero_bits(b: u32) -> Option<Target> {
        if !(1..=255).contains(&b) {
            return None;
        }
        let k = (256 - b) as usize; // exponent of the power of two
        let mut value = [0u8; 32];
        value[31 - k / 8] = 1 << (k % 8);
        Some(Target(value))
    }

    /// The compact encoding of this target.
    pub fn bits(&self) -> u32 {
        Compact::encode(&self.0)
    }

    /// The target as 32 big-endian bytes.
    pub fn to_be_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// The most significant 32 bits: a hash whose top word exceeds this cannot qualify,
    /// which is the only test the kernels make per nonce.
    pub fn top_word(&self) -> u32 {
        u32::from_be_bytes(self.0[..4].try_into().expect("4-byte slice"))
    }

    /// Whether a hash (internal byte order, as computed) meets the target.
    pub fn is_met_by(&self, hash: &[u8; 32]) -> bool {
        hash.iter().rev().cmp(self.0.iter()) != std::cmp::Ordering::Greater
    }

    /// Probability that one uniformly random hash meets the target, (target + 1) / 2^256.
    pub fn success_probability(&self) -> f64 {
        let value = self
            .0
            .iter()
            .fold(0.0f64, |acc, b| acc * 256.0 + f64::from(*b));
        (value + 1.0) / 2f64.powi(256)
    }
}

#[cfg(test)]
mod tests;

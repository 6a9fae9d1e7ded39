//! The 80-byte Bitcoin block header and its consensus serialisation.
//!
//! Layout (all integers little-endian, hashes in internal byte order, i.e. the reverse of
//! the usual display order): version (4) | previous block hash (32) | merkle root (32) |
//! time (4) | bits (4) | nonce (4).

use super::sha256d::sha256d;

/// Byte offset of the nonce in a serialised header.
pub const NONCE_OFFSET: usize = 76;

/// A block header with Bitcoin's field set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Block version.
    pub version: u32,
    /// Hash of the previous block, internal byte order.
    pub prev_hash: [u8; 32],
    /// Merkle root of the block's transactions, internal byte order.
    pub merkle_root: [u8; 32],
    /// Block time, seconds since the Unix epoch.
    pub time: u32,
    /// Compact target (`nBits`).
    pub bits: u32,
    /// The nonce a miner varies.
    pub nonce: u32,
}

impl Header {
    /// Consensus serialisation: the 80 bytes that are hashed.
    pub fn to_bytes(&self) -> [u8; 80] {
        let mut out = [0u8; 80];
        out[0..4].copy_from_slice(&self.version.to_le_bytes());
        out[4..36].copy_from_slice(&self.prev_hash);
        out[36..68].copy_from_slice(&self.merkle_root);
        out[68..72].copy_from_slice(&self.time.to_le_bytes());
        out[72..76].copy_from_slice(&self.bits.to_le_bytes());
        out[NONCE_OFFSET..80].copy_from_slice(&self.nonce.to_le_bytes());
        out
    }

    /// Parse the consensus serialisation.
    pub fn from_bytes(bytes: &[u8; 80]) -> Self {
        let word =
            |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4-byte slice"));
        Header {
            version: word(0),
            prev_hash: bytes[4..36].try_into().expect("32-byte slice"),
            merkle_root: bytes[36..68].try_into().expect("32-byte slice"),
            time: word(68),
            bits: word(72),
            nonce: word(NONCE_OFFSET),
        }
    }

    /// The block hash (double SHA-256 of the serialisation), internal byte order.
    pub fn hash(&self) -> [u8; 32] {
        sha256d(&self.to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pow::{from_display_hex, from_hex, to_display_hex, to_hex};

    fn display(text: &str) -> [u8; 32] {
        from_display_hex(text).expect("test literal is 64 hex digits")
    }

    /// Genesis block fields as published (Bitcoin Core `chainparams.cpp`).
    fn genesis() -> Header {
        Header {
            version: 1,
            prev_hash: [0; 32],
            merkle_root: display(
                "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b",
            ),
            time: 1_231_006_505,
            bits: 0x1d00ffff,
            nonce: 2_083_236_893,
        }
    }

    #[test]
    fn serialisation_round_trips() {
        let h = genesis();
        assert_eq!(Header::from_bytes(&h.to_bytes()), h);
    }

    #[test]
    fn block_125552_serialises_to_the_wiki_hex() {
        // Bitcoin wiki, "Block hashing algorithm": the header of block 125552 in hex.
        let hex = concat!(
            "01000000",
            "81cd02ab7e569e8bcd9317e2fe99f2de44d49ab2b8851ba4a308000000000000",
            "e320b6c2fffc8d750423db8b1eb942ae710e951ed797f7affc8892b0f1fc122b",
            "c7f5d74d",
            "f2b9441a",
            "42a14695"
        );
        let bytes = from_hex::<80>(hex).expect("literal is 160 hex digits");
        let header = Header::from_bytes(&bytes);
        assert_eq!(header.nonce, 2_504_433_986);
        assert_eq!(header.time, 1_305_998_791);
        assert_eq!(header.bits, 0x1a44b9f2);
        assert_eq!(to_hex(&header.to_bytes()), hex);
        assert_eq!(
            to_display_hex(&header.hash()),
            "00000000000000001e8d6829a8a21adc5d38d0a473b144b6765798e61f98bd1d"
        );
    }
}

use super::*;
use crate::pow::{from_hex, to_hex};

fn be(hex: &str) -> [u8; 32] {
    let padded = format!("{hex:0>64}");
    from_hex::<32>(&padded).expect("test literal is hex")
}

/// Bitcoin Core `src/test/arith_uint256_tests.cpp`, `bignum_SetCompact`: input, decoded
/// value, `GetCompact` of it, negative flag, overflow flag.
const CORE_VECTORS: &[(u32, &str, u32, bool, bool)] = &[
    (0x0000_0000, "0", 0, false, false),
    (0x0012_3456, "0", 0, false, false),
    (0x0100_3456, "0", 0, false, false),
    (0x0200_0056, "0", 0, false, false),
    (0x0300_0000, "0", 0, false, false),
    (0x0400_0000, "0", 0, false, false),
    (0x0092_3456, "0", 0, false, false),
    (0x0180_3456, "0", 0, false, false),
    (0x0280_0056, "0", 0, false, false),
    (0x0380_0000, "0", 0, false, false),
    (0x0480_0000, "0", 0, false, false),
    (0x0112_3456, "12", 0x0112_0000, false, false),
    (0x0212_3456, "1234", 0x0212_3400, false, false),
    (0x0312_3456, "123456", 0x0312_3456, false, false),
    (0x0412_3456, "12345600", 0x0412_3456, false, false),
    (0x0500_9234, "92340000", 0x0500_9234, false, false),
    (
        0x2012_3456,
        "1234560000000000000000000000000000000000000000000000000000000000",
        0x2012_3456,
        false,
        false,
    ),
];

#[test]
fn decode_and_encode_match_bitcoin_core_vectors() {
    for &(bits, value, round_trip, negative, overflow) in CORE_VECTORS {
        let c = Compact::decode(bits);
        assert_eq!(c.value, be(value), "{bits:#010x} value");
        assert_eq!(
            (c.negative, c.overflow),
            (negative, overflow),
            "{bits:#010x}"
        );
        assert_eq!(Compact::encode(&c.value), round_trip, "{bits:#010x} encode");
    }
}

#[test]
fn negative_flag_is_set_only_on_a_nonzero_mantissa() {
    // Exponent 1 keeps only 0x7e of 0x7edcba; the sign bit is set.
    let c = Compact::decode(0x01fe_dcba);
    assert_eq!((c.value, c.negative, c.overflow), (be("7e"), true, false));
    let c = Compact::decode(0x0492_3456);
    assert_eq!((c.value, c.negative), (be("12345600"), true));
    assert_eq!(
        Target::from_bits(0x0492_3456),
        Err(BitsError::Negative(0x0492_3456))
    );
}

#[test]
fn overflow_is_detected_at_each_size_boundary() {
    assert!(Compact::decode(0xff12_3456).overflow);
    // Size 33 holds a one-byte-shorter mantissa, size 34 a two-byte-shorter one.
    assert!(!Compact::decode(0x2100_ffff).overflow);
    assert!(Compact::decode(0x2101_0000).overflow);
    assert!(!Compact::decode(0x2200_00ff).overflow);
    assert!(Compact::decode(0x2200_0100).overflow);
    assert!(Compact::decode(0x2300_0001).overflow);
    assert_eq!(
        Target::from_bits(0xff12_3456),
        Err(BitsError::Overflow(0xff12_3456))
    );
}

#[test]
fn zero_mantissa_and_small_exponents_give_zero_targets() {
    for bits in [0x0000_0000, 0x0300_0000, 0x0100_3456, 0x0200_0056] {
        assert_eq!(Target::from_bits(bits), Err(BitsError::Zero(bits)));
    }
}

#[test]
fn encoding_never_sets_the_sign_bit() {
    // Core: "Make sure that we don't generate compacts with the 0x00800000 bit set".
    assert_eq!(Compact::encode(&be("80")), 0x0200_8000);
}

#[test]
fn mainnet_difficulty_one_target() {
    // 0x1d00ffff = 0xffff × 256^26: the genesis target.
    let t = Target::from_bits(0x1d00_ffff).expect("valid");
    assert_eq!(
        to_hex(&t.to_be_bytes()),
        "00000000ffff0000000000000000000000000000000000000000000000000000"
    );
    assert_eq!(t.bits(), 0x1d00_ffff);
    assert_eq!(t.top_word(), 0);
}

#[test]
fn leading_zero_bit_targets_are_exact_powers_of_two() {
    let t = Target::from_leading_zero_bits(32).expect("in range");
    assert_eq!(t.bits(), 0x1d01_0000);
    assert_eq!(Target::from_bits(t.bits()), Ok(t));
    assert_eq!(t.top_word(), 1);
    let t = Target::from_leading_zero_bits(1).expect("in range");
    assert_eq!(to_hex(&t.to_be_bytes()[..1]), "80");
    assert_eq!(Target::from_bits(t.bits()), Ok(t));
    assert_eq!(Target::from_leading_zero_bits(0), None);
    assert_eq!(Target::from_leading_zero_bits(256), None);
    for b in 1..=255 {
        let t = Target::from_leading_zero_bits(b).expect("in range");
        assert_eq!(Target::from_bits(t.bits()), Ok(t), "b = {b}");
        let p = t.success_probability();
        // Exactly 2^-b + 2^-256: relative excess 2^(b-256).
        let excess = 2f64.powi(b as i32 - 256);
        assert!(
            (p * 2f64.powi(b as i32) - 1.0 - excess).abs() < 1e-12,
            "b = {b}"
        );
    }
}

#[test]
fn a_hash_meets_a_target_by_numeric_comparison() {
    let t = Target::from_leading_zero_bits(8).expect("in range");
    let mut hash = [0xffu8; 32];
    hash[31] = 0x00; // display order puts the last internal byte first
    assert!(t.is_met_by(&hash));
    hash[31] = 0x01;
    hash[30] = 0x00;
    assert!(!t.is_met_by(&hash)); // 0x01 00 ff.. exceeds 0x01 00 00..
    hash[..31].fill(0);
    assert!(t.is_met_by(&hash)); // equal to the target
}

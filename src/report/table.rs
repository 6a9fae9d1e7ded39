//! Plain-text tables for the terminal.

/// Format a probability for reading: fixed 7 decimals from 1e-6 up (the whitepaper prints 7 decimals), else 4 significant digits
/// in scientific notation.
pub fn prob(p: f64) -> String {
    if p == 0.0 {
        "0".to_string()
    } else if p >= 1e-6 {
        format!("{p:.7}")
    } else {
        format!("{p:.3e}")
    }
}

/// Format a probability that may have underflowed: [`prob`] of `p`, except that a 0 with a
/// finite `log10` (a value below f64's range, kept in log space) prints its exact decimal
/// exponent, `1e-445.35`, instead of a wrong 0.
pub fn prob_log10(p: f64, log10: Option<f64>) -> String {
    match log10 {
        Some(l) if p == 0.0 && l.is_finite() => format!("1e{l:.2}"),
        _ => prob(p),
    }
}

/// Render rows of cells as an aligned table with a header line.
pub fn render(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (c, w)) in cells.iter().zip(&widths).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            s.push_str(&format!("{c:>w$}"));
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(header.to_vec());
    for r in rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn underflowed_probabilities_print_their_decimal_exponent() {
        assert_eq!(prob_log10(0.0, Some(-445.3521)), "1e-445.35");
        // A representable value prints as usual whatever its logarithm says.
        assert_eq!(prob_log10(0.0311111, Some(-1.507)), "0.0311111");
        assert_eq!(prob_log10(1.5e-7, Some(-6.82)), "1.500e-7");
        // A true 0 (no logarithm, or −∞) stays 0.
        assert_eq!(prob_log10(0.0, None), "0");
        assert_eq!(prob_log10(0.0, Some(f64::NEG_INFINITY)), "0");
    }
}

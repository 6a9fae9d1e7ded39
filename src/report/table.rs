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

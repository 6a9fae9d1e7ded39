//! `reports/README.md`: the summary page of a lab run — a table of headline numbers per
//! scenario, then each scenario's question, convention, files and plots inline.
//!
//! Pure: entries in, Markdown out. Nothing time-dependent goes in, so a rerun of the same
//! lab gives the same page (timings live in each `manifest.json`).

use super::plot::{PlotRow, subtitle, sweep_axis_label, thousands};
use super::table::prob;
use crate::estimate::results::GiveUp;

/// The headline confirmation count (the folk "six confirmations").
pub const HEADLINE_Z: u32 = 6;
/// The risk level of the "confirmations needed" column.
pub const RISK: f64 = 1e-3;

/// One scenario folder of the report.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Folder name (= scenario name).
    pub name: String,
    /// The scenario's comment header.
    pub question: Vec<String>,
    /// Rows of its `reversal.csv`.
    pub rows: Vec<PlotRow>,
    /// Its plots: (file name, alt text).
    pub images: Vec<(String, String)>,
    /// Other files in the folder worth linking (csv, manifest, scenario).
    pub files: Vec<String>,
}

/// A page of the lab that is not a scenario (the optimal attacker, the back-tests): its
/// folder, title and what it means for a merchant.
#[derive(Clone, Debug)]
pub struct ModelPage {
    /// Folder name (its page is `NAME/README.md`).
    pub name: String,
    /// The page's title.
    pub title: String,
    /// What the page means for a merchant, in a sentence or two.
    pub merchant: String,
}

/// Render the summary page. `note` (e.g. "quick smoke run") is shown under the title.
pub fn render(entries: &[Entry], models: &[ModelPage], note: Option<&str>) -> String {
    let mut md = String::from("# dslab reports\n\n");
    if let Some(n) = note {
        md.push_str(&format!("> **{n}**\n\n"));
    }
    md.push_str(INTRO);
    md.push_str(&headline_table(entries));
    md.push_str(READING);
    for e in entries {
        md.push_str(&section(e));
    }
    if !models.is_empty() {
        md.push_str("\n## Model pages\n\nSolved or back-tested rather than simulated per cell; each page says how it was made.\n");
        for m in models {
            md.push_str(&format!(
                "\n### {}\n\n[`{}/README.md`]({}/README.md). {}\n",
                m.title, m.name, m.name, m.merchant
            ));
        }
    }
    md
}

const INTRO: &str = "Written by `dslab run`. Each folder holds one scenario: `reversal.csv` \
(one row per attacker share q and confirmation count z: the simulated probability, its \
confidence interval and the closed form under the same convention), `manifest.json` (seed, \
generator, trials, timings, the command that re-runs it), `scenario.toml` (the input) and \
the plots. Runs are deterministic: the same command gives the same files byte for byte \
(timings in the manifests aside). Re-draw the plots from the CSV with \
`dslab plot reports/<scenario>`.\n\n## Headline numbers\n\n";

const READING: &str = "\n*P(reversal)* is the simulated probability that a payment \
accepted after z confirmations is reversed, with its interval, at z = 6 (or the grid's \
largest z below it) for the majority and Finney attacks, at z = 0 for the race attack and \
z = 1 for Vector76 (their later z are safe by design); *closed form* is the exact value in \
the same model and convention (on a network: its zero-latency limit; blank where none \
applies). *z for \
P < 0.1 %* is the smallest confirmation count in the grid whose interval's upper bound \
(simulation) or exact value (closed form) is below 0.1 %; `> N` means the grid ends first, \
`never` that the attacker holds the majority.\n\n\
## How to read the plots\n\n\
- `reversal.png`: P(reversal) against confirmations z on a logarithmic axis, one colour \
per attacker share q. Dots and solid lines are the simulation, the shaded band its \
confidence interval, the dashed line the closed form. Where no reversal was seen, a ▼ marks \
the interval's upper bound: the true value is below it (it is not zero). Where several \
series saw none at the same z and their ▼ would not fit side by side, one dark-grey ▼ at \
the highest of their bounds stands for all of them. Dots of series that coincide (e.g. at \
P = 1) are set side by side a few pixels apart; the lines pass through the true values.\n\
- `sweep.png` (defence sweeps): the same against the swept value; the axis is logarithmic \
when the swept values are positive and span more than 10×.\n\
- `heatmap.png`: the same numbers as colours over q × z; grey cells saw no reversal and \
carry the upper bound (one text over a run of narrow grey cells with the same bound; \
reversal.csv has every cell's).\n\
- `blocks.png` (majority attacker, q > 1/2): mean (solid) and 99th percentile (dashed) \
number of blocks until the attack succeeds.\n\
- `bounds-band.png` (the Δ-model scenarios `delay-private`, `balancing`): one panel per \
delay bound Δ, the simulated attack against the shaded Guo–Ren band (lower to upper bound, \
T = 600 s; below the upper bound for every Δ-adversary).\n\
- *Benign network or Δ-adversary.* On a benign network the delays are random and nobody \
exploits them, so a reversal needs hash rate alone; a Δ-adversary chooses every delay up \
to Δ to fork the honest miners, so the same q and z give a larger probability, never above \
the Guo–Ren upper bound whatever the adversary does. A merchant who cannot rule out an \
attacker that also controls the network (eclipse, relay delays) should read the Δ-model \
numbers (the upper bound is a guarantee); the network scenarios show what an attacker \
with hash rate only achieves.\n\
- The subtitle of every plot states the convention (tie rule, head start) — numbers under \
different conventions differ several-fold (first-seen with no head start is about 5× \
below the classical tables at q = 0.1, z = 6).\n\n";

fn headline_z(rows: &[&PlotRow]) -> Option<u32> {
    let zs = || rows.iter().map(|r| r.z);
    // The race attack is a zero-confirmation attack and Vector76 a one-confirmation one:
    // their headline is the smallest z of the grid (later z are 0 or nearly by design).
    if rows
        .first()
        .is_some_and(|r| !crate::attack::gives_up(&r.attack))
    {
        let first = crate::attack::info(&rows[0].attack).map_or(0, |i| i.first_z);
        return zs().filter(|&z| z >= first).min();
    }
    zs().filter(|&z| z <= HEADLINE_Z)
        .max()
        .or_else(|| zs().min())
}

/// Smallest z with `value(row) < RISK`, as text (`> zmax` when none).
fn z_needed(rows: &[&PlotRow], value: impl Fn(&PlotRow) -> Option<f64>) -> String {
    if rows.iter().all(|r| value(r).is_none()) {
        return String::new();
    }
    if rows.iter().all(|r| {
        crate::attack::convention_closed_form(&r.attack) && r.q >= 0.5 && r.sweep_value.is_none()
    }) {
        // A majority attacker succeeds with certainty: no z is safe.
        return "never".into();
    }
    let zmax = rows.iter().map(|r| r.z).max().unwrap_or(0);
    rows.iter()
        // A one-confirmation attack (Vector76) has nothing to reverse below its first z.
        .filter(|r| r.z >= crate::attack::info(&r.attack).map_or(0, |i| i.first_z))
        .filter(|r| value(r).is_some_and(|v| v < RISK))
        .map(|r| r.z)
        .min()
        .map_or(format!("> {zmax}"), |z| z.to_string())
}

fn headline_table(entries: &[Entry]) -> String {
    let mut t = String::from(
        "| scenario | attack | convention | q | z | P(reversal) | interval | closed form | \
         z for P < 0.1 % (simulation / closed form) | trials |\n\
         |---|---|---|---:|---:|---:|---|---:|---:|---:|\n",
    );
    for e in entries {
        let conv = convention_short(&e.rows);
        for (q, rows) in by_series(&e.rows) {
            let Some(z) = headline_z(&rows) else { continue };
            let Some(r) = rows.iter().find(|r| r.z == z) else {
                continue;
            };
            t.push_str(&format!(
                "| [{name}](#{name}) | {attack} | {conv} | {q} | {z} | {p} | [{lo}, {hi}] | {ex} | {sim} / {cf} | {n} |\n",
                name = e.name,
                attack = r.attack,
                p = prob(r.probability),
                lo = prob(r.ci_low),
                hi = prob(r.ci_high),
                ex = r.exact.map_or(String::new(), prob),
                sim = z_needed(&rows, |r| Some(r.ci_high)),
                cf = z_needed(&rows, |r| r.exact),
                n = thousands(r.trials),
            ));
        }
    }
    t
}

/// Rows per line of the plots: per q (and sweep value), in CSV order. The key names the
/// swept key with its unit, as the sweep plot's axis does:
/// `0.1, race.replace_after (seconds) = 60`.
fn by_series(rows: &[PlotRow]) -> Vec<(String, Vec<&PlotRow>)> {
    let mut out: Vec<(String, Vec<&PlotRow>)> = Vec::new();
    for r in rows {
        let key = match (&r.sweep_parameter, &r.sweep_value) {
            (Some(p), Some(v)) => format!("{}, {} = {v}", r.q, sweep_axis_label(p)),
            _ => r.q.to_string(),
        };
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(r),
            None => out.push((key, vec![r])),
        }
    }
    out
}

fn convention_short(rows: &[PlotRow]) -> String {
    let r = &rows[0];
    if let Some(n) = r
        .network
        .as_deref()
        .filter(|_| !crate::attack::convention_closed_form(&r.attack))
    {
        // Network attacks: the convention is the network's (arrival order settles ties);
        // the number of graphs is what the interval rests on.
        return match r.units {
            Some(u) => format!("network {n}, {u} graphs"),
            None => format!("network {n}"),
        };
    }
    let mut s = match (&r.tie, r.premined) {
        (Some(t), Some(1)) if t == "first-seen" => "classical (tie wins, no head start)".into(),
        (Some(t), Some(k)) => format!("{t}, k = {k}"),
        (Some(t), None) => format!("{t}, head start drawn"),
        _ => String::new(),
    };
    match r.give_up {
        Some(GiveUp::Behind(d)) => s.push_str(&format!(", gives up {d} behind")),
        Some(GiveUp::WindowEnd) => s.push_str(", gives up when the window closes"),
        Some(GiveUp::Never) | None => {}
    }
    s
}

fn section(e: &Entry) -> String {
    let mut s = format!("## {}\n\n", e.name);
    if !e.question.is_empty() {
        s.push_str(&format!("> {}\n\n", e.question.join("\n> ")));
    }
    for line in subtitle(&e.rows) {
        s.push_str(&format!("{line}.  \n"));
    }
    let links: Vec<String> = e
        .files
        .iter()
        .map(|f| format!("[{f}]({}/{f})", e.name))
        .collect();
    s.push_str(&format!("Files: {}\n\n", links.join(" · ")));
    for (file, alt) in &e.images {
        s.push_str(&format!("![{alt}]({}/{file})\n\n", e.name));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(q: f64, z: u32, p: f64, hi: f64, exact: Option<f64>) -> PlotRow {
        PlotRow {
            attack: "majority".into(),
            q,
            z,
            trials: 1000,
            probability: p,
            ci_low: 0.0,
            ci_high: hi,
            exact,
            successes: None,
            tie: Some("first-seen".into()),
            premined: Some(1),
            give_up: Some(GiveUp::Never),
            ci: Some("wilson".into()),
            confidence: Some(0.95),
            units: None,
            mean_blocks: None,
            p99_blocks: None,
            sweep_parameter: None,
            sweep_value: None,
            sweep_x: None,
            network: None,
            stop: None,
            rel_error: None,
        }
    }

    #[test]
    fn headline_uses_z6_and_finds_the_needed_confirmations() {
        let rows: Vec<PlotRow> = (0..=8)
            .map(|z| {
                let p = 0.5f64.powi(z as i32 + 1);
                row(0.1, z, p, p * 1.5, Some(p / 4.0))
            })
            .collect();
        let e = Entry {
            name: "demo".into(),
            question: vec!["Why?".into()],
            rows,
            images: vec![("reversal.png".into(), "alt".into())],
            files: vec!["reversal.csv".into()],
        };
        let model = ModelPage {
            name: "optimal".into(),
            title: "The optimal attacker".into(),
            merchant: "Two sentences.".into(),
        };
        let md = render(&[e], &[model], Some("quick"));
        assert!(
            md.contains("### The optimal attacker\n\n[`optimal/README.md`](optimal/README.md). Two sentences."),
            "{md}"
        );
        // z = 6: p = 2^-7 = 0.0078125. Sim bound 1.5 * 2^-(z+1) < 1e-3 first at z = 10 (not
        // in grid); closed form 2^-(z+3) < 1e-3 first at z = 7.
        assert!(md.contains("| 0.1 | 6 | 0.0078125 |"), "{md}");
        assert!(md.contains("| > 8 / 7 |"), "{md}");
        assert!(md.contains("classical"), "{md}");
        assert!(md.contains("![alt](demo/reversal.png)"), "{md}");
        assert!(md.contains("> Why?"), "{md}");
        assert!(md.contains("**quick**"), "{md}");
    }

    #[test]
    fn swept_keys_carry_their_unit() {
        let rows: Vec<PlotRow> = [10, 60]
            .into_iter()
            .map(|v| PlotRow {
                attack: "race".into(),
                sweep_parameter: Some("race.replace_after".into()),
                sweep_value: Some(v.to_string()),
                ..row(0.1, 0, 0.9, 0.95, None)
            })
            .collect();
        let e = Entry {
            name: "race".into(),
            question: Vec::new(),
            rows,
            images: Vec::new(),
            files: Vec::new(),
        };
        let md = render(&[e], &[], None);
        assert!(
            md.contains("| 0.1, race.replace_after (seconds) = 60 |"),
            "{md}"
        );
    }

    #[test]
    fn a_target_precision_run_states_its_range_of_trials() {
        let rows: Vec<PlotRow> = [(0.05, 32_768, 0.0456), (0.3, 360_448, 0.031)]
            .into_iter()
            .map(|(q, n, rel)| PlotRow {
                trials: n,
                stop: Some(crate::estimate::results::Stop::Target),
                rel_error: Some(rel),
                ..row(q, 0, 0.5, 0.6, None)
            })
            .collect();
        let e = Entry {
            name: "deep".into(),
            question: Vec::new(),
            rows,
            images: Vec::new(),
            files: Vec::new(),
        };
        let md = render(&[e], &[], None);
        assert!(
            md.contains(
                "32,768–360,448 trials per point (run to a target precision: every interval \
                 within ±4.6 %)"
            ),
            "{md}"
        );
        assert!(!md.contains("360,448 trials per point;"), "{md}");
    }
}

//! `dslab optimize`: the optimal attacker in the block race (selfish mining, double
//! spending, the double-spend bounty), with lower and upper bounds (docs/optimize.md).

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::common::Format;
use crate::error::usage;
use crate::mdp::{self, Answer, Objective, Precision};
use crate::params::parse_share_list;
use crate::report::{table, to_csv, to_json, write_atomic};

/// The objective flag's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ObjectiveArg {
    /// Relative revenue (share of main-chain blocks): optimal selfish mining.
    Revenue,
    /// Block rewards plus --value per reversed payment with ≥ --z confirmations, per block
    /// interval.
    DoubleSpend,
    /// Smallest --value at which deviating beats honest mining.
    Bounty,
}

/// Arguments of `dslab optimize`.
#[derive(Debug, Args)]
pub struct OptimizeArgs {
    /// What the attacker maximises.
    #[arg(long, value_enum, required_unless_present = "report")]
    pub objective: Option<ObjectiveArg>,
    /// Attacker hash shares α, each in (0, 0.5): a list (0.1,0.3) or start:stop:step.
    #[arg(long, allow_hyphen_values = true, required_unless_present = "report")]
    pub alpha: Option<String>,
    /// Tie parameters γ in [0, 1]: the fraction of honest hash rate that mines on the
    /// attacker's branch during a tie.
    #[arg(long, allow_hyphen_values = true, default_value = "0")]
    pub gamma: String,
    /// Reward per reversed payment, in block rewards (double-spend objective).
    #[arg(long)]
    pub value: Option<f64>,
    /// Confirmations the merchant waits for, ≥ 1 (double-spend and bounty objectives).
    #[arg(long)]
    pub z: Option<u32>,
    /// Decimals printed; the truncation grows until they stop changing.
    #[arg(long, default_value_t = 5)]
    pub decimals: u32,
    /// Largest truncation (maximum branch length) tried.
    #[arg(long, default_value_t = 160)]
    pub max_length: u32,
    /// Write the optimal policy (a,h,fork,action) of the first grid point to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub policy_out: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Write the lab report (optimal revenue beside SM1 and honest mining, the double-spend
    /// bounty for z = 1, 3, 6; CSV, PNG, README.md) into this folder and print its page;
    /// the other flags are then ignored.
    #[arg(long, value_name = "DIR", conflicts_with_all = ["objective", "alpha", "policy_out"])]
    pub report: Option<PathBuf>,
}

/// One output row.
#[derive(Debug, Serialize)]
struct Row {
    objective: &'static str,
    alpha: f64,
    gamma: f64,
    z: Option<u32>,
    value: f64,
    lower: f64,
    upper: Option<f64>,
    honest: f64,
    previous_truncation_value: f64,
    sm1: Option<f64>,
    double_spend_value: Option<f64>,
    truncation: u32,
    converged: bool,
}

fn objective(args: &OptimizeArgs) -> anyhow::Result<Objective> {
    let z = || -> anyhow::Result<u32> {
        match args.z {
            None => Err(usage(
                "--z",
                "(missing)",
                "give the merchant's confirmations, e.g. --z 6",
            )),
            Some(0) => Err(usage(
                "--z",
                0,
                "give at least 1 confirmation (a reversal needs a payment in a block)",
            )),
            Some(z) if z > 1000 => Err(usage("--z", z, "give at most 1000 confirmations")),
            Some(z) => Ok(z),
        }
    };
    let Some(objective) = args.objective else {
        return Err(usage(
            "--objective",
            "(missing)",
            "give revenue, double-spend or bounty",
        ));
    };
    Ok(match objective {
        ObjectiveArg::Revenue => Objective::Revenue,
        ObjectiveArg::DoubleSpend => {
            let value = match args.value {
                None => {
                    return Err(usage(
                        "--value",
                        "(missing)",
                        "the double-spend objective needs the reward per reversal in block \
                         rewards, e.g. --value 10",
                    ));
                }
                Some(v) if !(v.is_finite() && v >= 0.0) => {
                    return Err(usage("--value", v, "give a finite value of 0 or more"));
                }
                Some(v) => v,
            };
            Objective::DoubleSpend { value, z: z()? }
        }
        ObjectiveArg::Bounty => Objective::Bounty { z: z()? },
    })
}

fn shares(args: &OptimizeArgs) -> anyhow::Result<(Vec<f64>, Vec<f64>)> {
    let Some(alpha) = &args.alpha else {
        return Err(usage(
            "--alpha",
            "(missing)",
            "give attacker shares, e.g. --alpha 0.3",
        ));
    };
    let alphas = parse_share_list("--alpha", alpha)?;
    if let Some(a) = alphas.iter().find(|&&a| !(a > 0.0 && a < 0.5)) {
        return Err(usage(
            "--alpha",
            alpha,
            &format!(
                "{a} is outside (0, 0.5); the model needs an attacker with some but less than \
                 half of the hash rate (at 0.5 or more it always wins)"
            ),
        ));
    }
    let gammas = parse_share_list("--gamma", &args.gamma)?;
    Ok((alphas, gammas))
}

/// Run `dslab optimize`.
pub fn run(args: OptimizeArgs) -> anyhow::Result<()> {
    if let Some(dir) = &args.report {
        return report(dir);
    }
    let objective = objective(&args)?;
    let (alphas, gammas) = shares(&args)?;
    if !(1..=9).contains(&args.decimals) {
        return Err(usage("--decimals", args.decimals, "give 1 to 9 decimals"));
    }
    if !(8..=2000).contains(&args.max_length) {
        return Err(usage("--max-length", args.max_length, "give 8 to 2000"));
    }
    let prec = Precision {
        decimals: args.decimals,
        max_n: args.max_length,
    };
    if let Some(path) = &args.policy_out {
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
        if dir.is_some_and(|d| !d.is_dir()) {
            return Err(usage(
                "--policy-out",
                path.display(),
                "its folder does not exist; create it or choose another path",
            ));
        }
    }
    let answers = mdp::grid(&alphas, &gammas, objective, prec);
    if let Some(path) = &args.policy_out {
        let first = &answers[0];
        let rows = mdp::policy::rows(&first.model, &first.policy);
        write_atomic(path, to_csv(&rows)?.as_bytes()).map_err(|e| {
            usage(
                "--policy-out",
                path.display(),
                &format!("cannot write: {e}"),
            )
        })?;
    }
    for a in answers.iter().filter(|a| !a.converged) {
        eprintln!(
            "warning: alpha {} gamma {}: the optimum still moved by {:.2e} at the largest \
             truncation {}; raise --max-length or lower --decimals",
            a.alpha,
            a.gamma,
            a.value - a.previous,
            a.n
        );
    }
    let rows: Vec<Row> = answers.iter().map(|a| row(objective, a)).collect();
    let out = match args.format {
        Format::Csv => to_csv(&rows)?,
        Format::Json => to_json(&rows)?,
        Format::Table => render(&rows, objective, args.decimals),
    };
    print!("{out}");
    Ok(())
}

fn row(objective: Objective, a: &Answer) -> Row {
    let (name, z, dsv) = match objective {
        Objective::Revenue => ("revenue", None, None),
        Objective::DoubleSpend { value, z } => ("double-spend", Some(z), Some(value)),
        Objective::Bounty { z } => ("bounty", Some(z), None),
    };
    Row {
        objective: name,
        alpha: a.alpha,
        gamma: a.gamma,
        z,
        value: a.value,
        lower: a.lower,
        upper: Some(a.upper),
        honest: a.honest,
        previous_truncation_value: a.previous,
        sm1: a.sm1,
        double_spend_value: dsv,
        truncation: a.n,
        converged: a.converged,
    }
}

fn render(rows: &[Row], objective: Objective, decimals: u32) -> String {
    let d = decimals as usize;
    let f = |x: f64| {
        if x.is_finite() {
            format!("{x:.d$}")
        } else {
            "never".into()
        }
    };
    let title = match objective {
        Objective::Revenue => {
            "Optimal selfish mining: attacker's share of main-chain blocks (Sapirshtein et al. model)"
                .to_string()
        }
        Objective::DoubleSpend { value, z } => format!(
            "Optimal double spending: block rewards + {value} per reversal at >= {z} \
             confirmations, per block interval (honest: alpha)"
        ),
        Objective::Bounty { z } => format!(
            "Double-spend bounty: smallest reward per reversal (block rewards) at >= {z} \
             confirmations that beats honest mining"
        ),
    };
    let mut header = vec![
        "alpha", "gamma", "optimum", "lower", "upper", "at n/1.5", "honest",
    ];
    if objective == Objective::Revenue {
        header.push("SM1");
    }
    header.push("length");
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut v = vec![
                r.alpha.to_string(),
                r.gamma.to_string(),
                f(r.value),
                f(r.lower),
                r.upper.map_or_else(String::new, f),
                f(r.previous_truncation_value),
                f(r.honest),
            ];
            if let Some(s) = r.sm1 {
                v.push(f(s));
            }
            v.push(format!(
                "{}{}",
                r.truncation,
                if r.converged { "" } else { "*" }
            ));
            v
        })
        .collect();
    format!("{title}\n{}", table::render(&header, &body))
}

/// The report's grid: α = 0.05…0.45 step 0.05 for the revenue (γ = 0, 0.5, 1), and
/// α = 0.1…0.45 for the bounty (γ = 0, z = 1, 3, 6; below α = 0.1 it runs to thousands of
/// block rewards).
const REPORT_COMMAND: &str = "dslab optimize --report reports/optimal";

/// `dslab optimize --report DIR`: solve the report's grids, write the folder, print its page.
fn report(dir: &std::path::Path) -> anyhow::Result<()> {
    print!("{}", write_report(dir)?);
    Ok(())
}

/// Solve the report's grids and write the folder `dir` (also a part of the built-in lab,
/// `dslab run`); returns its page.
pub(super) fn write_report(dir: &std::path::Path) -> anyhow::Result<String> {
    use crate::report::optimal::{BountyRow, RevenueRow, write};
    let prec = Precision::default();
    // i / 20, not i × 0.05: the shortest decimal of each share prints as 0.35, not 0.35000000000000003.
    let alphas: Vec<f64> = (1..=9).map(|i| f64::from(i) / 20.0).collect();
    let revenue: Vec<RevenueRow> = mdp::grid(&alphas, &[0.0, 0.5, 1.0], Objective::Revenue, prec)
        .into_iter()
        .map(|a| RevenueRow {
            alpha: a.alpha,
            gamma: a.gamma,
            optimal: a.value,
            upper: a.upper,
            sm1: a.sm1.unwrap_or(f64::NAN),
            honest: a.honest,
            truncation: a.n,
        })
        .collect();
    // The bounty is printed to 3 decimals: it ranges over orders of magnitude.
    let bounty_prec = Precision {
        decimals: 3,
        ..prec
    };
    let mut bounty = Vec::new();
    for z in [1, 3, 6] {
        for a in mdp::grid(&alphas[1..], &[0.0], Objective::Bounty { z }, bounty_prec) {
            bounty.push(BountyRow {
                alpha: a.alpha,
                gamma: a.gamma,
                z,
                bounty: a.value,
                lower: a.lower,
                truncation: a.n,
            });
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        usage(
            "--report",
            dir.display(),
            &format!("cannot create it ({e}); give a writable folder"),
        )
    })?;
    write(dir, &revenue, &bounty, REPORT_COMMAND)?;
    Ok(crate::report::optimal::readme(
        &revenue,
        &bounty,
        REPORT_COMMAND,
    ))
}

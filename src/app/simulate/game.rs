//! `dslab simulate --attack selfish|policy`: the mining game of the attacker MDP
//! (`crate::blockrace::game`) played by SM1 or a policy file, measured over renewal
//! cycles, with the closed form or the policy's exact value beside it (docs/replay.md).

use std::time::Instant;

use serde::Serialize;

use super::SimulateArgs;
use super::common::{self, Format};
use crate::attack::game::{self as attacks, Exact, GameAttack, GameVisitor};
use crate::blockrace::game::{ATT, GameParams, HON, Moments, REV, STEPS, play};
use crate::error::usage;
use crate::estimate::rng::cell_key;
use crate::estimate::units::t_quantile;
use crate::params::{TieRule, parse_share_list};
use crate::report::{table, to_csv, to_json};

/// One output row: one measured figure at one (α, γ).
#[derive(Debug, Serialize)]
struct Row {
    attack: &'static str,
    alpha: f64,
    gamma: f64,
    objective: &'static str,
    measured: f64,
    low: f64,
    high: f64,
    std_error: f64,
    reference: f64,
    reference_source: &'static str,
    honest: f64,
    z: Option<u32>,
    value: Option<f64>,
    cycles: u64,
    mining_events: u128,
    fallback_decisions: u64,
}

/// What the flags chose.
struct Setup {
    gammas: Vec<f64>,
    alphas: Vec<f64>,
    ds: Option<(f64, u32)>,
    confidence: f64,
}

/// Run a game attack (`args.attack` names one of `crate::attack::GAME`).
pub(super) fn run(args: &SimulateArgs) -> anyhow::Result<()> {
    reject_other_flags(args)?;
    let setup = setup(args)?;
    let threads = common::threads(args.threads)?;
    let start = Instant::now();
    let measure = Measure {
        args,
        setup: &setup,
    };
    let rows = common::with_pool(threads, || {
        attacks::with_game(&args.attack, args.policy.as_deref(), measure)
    })???;
    let secs = start.elapsed().as_secs_f64();
    finish(args, &rows, secs)
}

/// Measure every (α, γ) of `setup` with the attack chosen, and build its rows.
struct Measure<'a> {
    args: &'a SimulateArgs,
    setup: &'a Setup,
}

impl GameVisitor for Measure<'_> {
    type Out = anyhow::Result<Vec<Row>>;

    fn visit<S: GameAttack>(self, s: &S) -> Self::Out {
        let (args, setup) = (self.args, self.setup);
        let mut rows = Vec::new();
        for &alpha in &setup.alphas {
            for &gamma in &setup.gammas {
                let p = GameParams {
                    alpha,
                    gamma,
                    z: setup.ds.map_or(u32::MAX, |d| d.1),
                };
                let key = cell_key(&[alpha.to_bits(), gamma.to_bits(), s.stream(), u64::from(p.z)]);
                let m = play(&p, s, args.trials, args.seed, key);
                if m.runaway > 0 {
                    return Err(runaway(args, alpha, gamma, m.runaway));
                }
                let n = s.box_side(alpha);
                if setup.ds.is_some()
                    && let Some(w) = s.truncation_warning(alpha, n)
                {
                    eprintln!("warning: {w}");
                }
                let exact = attacks::exact(s, alpha, gamma, n, s.revenue_is_evaluated(), setup.ds);
                let reference = s.revenue_reference(alpha, gamma, &exact);
                let cell = Cell {
                    attack: s.info().name,
                    alpha,
                    gamma,
                };
                rows.extend(rows_of(&cell, &m, &exact, reference, setup));
            }
        }
        Ok(rows)
    }
}

/// The error for cycles that never returned to the fresh start.
fn runaway(args: &SimulateArgs, alpha: f64, gamma: f64, cycles: u64) -> anyhow::Error {
    usage(
        "--policy",
        args.policy
            .as_deref()
            .map_or("(SM1)".into(), |p| p.display().to_string()),
        &format!(
            "at alpha {alpha} gamma {gamma}, {cycles} cycle(s) did not return to the fresh \
             start within {} mining events: the policy must adopt or override eventually",
            crate::blockrace::game::MAX_CYCLE_EVENTS
        ),
    )
}

/// Which attack and (α, γ) a row is about.
struct Cell {
    attack: &'static str,
    alpha: f64,
    gamma: f64,
}

fn rows_of(
    cell: &Cell,
    m: &Moments,
    exact: &Exact,
    (revenue_ref, revenue_src): (f64, &'static str),
    setup: &Setup,
) -> Vec<Row> {
    let Cell {
        attack,
        alpha,
        gamma,
    } = *cell;
    let t = t_quantile(m.cycles.saturating_sub(1) as f64, setup.confidence);
    let unit = |i: usize| {
        let mut w = [0.0; 4];
        w[i] = 1.0;
        w
    };
    let mut blocks = unit(ATT);
    blocks[HON] = 1.0;
    let mut figures = vec![(
        "revenue",
        m.ratio(unit(ATT), blocks),
        revenue_ref,
        revenue_src,
        alpha,
    )];
    if let Some((v, _)) = setup.ds {
        figures.push((
            "reversal-rate",
            m.ratio(unit(REV), unit(STEPS)),
            exact.reversal_rate,
            "policy-evaluation",
            0.0,
        ));
        figures.push((
            "reward-per-interval",
            m.ratio(
                {
                    let mut r = unit(ATT);
                    r[REV] = v;
                    r
                },
                unit(STEPS),
            ),
            exact.reward,
            "policy-evaluation",
            alpha,
        ));
    }
    figures
        .into_iter()
        .map(|(objective, est, reference, source, honest)| Row {
            attack,
            alpha,
            gamma,
            objective,
            measured: est.value,
            low: est.value - t * est.se,
            high: est.value + t * est.se,
            std_error: est.se,
            reference,
            reference_source: source,
            honest,
            z: setup.ds.map(|d| d.1),
            value: setup.ds.map(|d| d.0),
            cycles: m.cycles,
            mining_events: m.steps(),
            fallback_decisions: m.fallbacks,
        })
        .collect()
}

fn finish(args: &SimulateArgs, rows: &[Row], secs: f64) -> anyhow::Result<()> {
    let fallbacks: u64 = rows
        .iter()
        .filter(|r| r.objective == "revenue")
        .map(|r| r.fallback_decisions)
        .sum();
    if fallbacks > 0 {
        eprintln!(
            "note: {fallbacks} decisions fell on states the policy file does not cover; they \
             were decided by the fallback rule (override if ahead, else adopt; docs/replay.md)"
        );
    }
    if !args.quiet {
        let cycles: u64 = rows
            .iter()
            .filter(|r| r.objective == "revenue")
            .map(|r| r.cycles)
            .sum();
        eprintln!(
            "{cycles} renewal cycles in {secs:.2} s ({:.3e} cycles/s)",
            cycles as f64 / secs.max(1e-9)
        );
    }
    let out = match args.format {
        Format::Csv => to_csv(rows)?,
        Format::Json => to_json(rows)?,
        Format::Table => render(rows, args.confidence),
    };
    print!("{out}");
    Ok(())
}

fn render(rows: &[Row], confidence: f64) -> String {
    let title = format!(
        "Mining game of the attacker MDP (zero latency): measured over i.i.d. renewal cycles, \
         ratio estimator, {:.0} % interval (t x cluster standard error)",
        confidence * 100.0
    );
    let header = [
        "attack",
        "alpha",
        "gamma",
        "objective",
        "measured",
        "interval",
        "reference",
        "source",
        "honest",
        "cycles",
    ];
    let f = |x: f64| format!("{x:.6}");
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.attack.to_string(),
                r.alpha.to_string(),
                r.gamma.to_string(),
                r.objective.to_string(),
                f(r.measured),
                format!("[{}, {}]", f(r.low), f(r.high)),
                f(r.reference),
                r.reference_source.to_string(),
                f(r.honest),
                r.cycles.to_string(),
            ]
        })
        .collect();
    format!("{title}\n{}", table::render(&header, &body))
}

/// α list, γ list, the double-spend figures and the confidence level from the flags.
fn setup(args: &SimulateArgs) -> anyhow::Result<Setup> {
    if args.trials < 2 {
        return Err(usage(
            "--trials",
            args.trials,
            "give at least 2 renewal cycles (the interval needs two)",
        ));
    }
    common::open_unit("--confidence", args.confidence, "the confidence level")?;
    let alphas = parse_share_list("--q", &args.q)?;
    if let Some(a) = alphas.iter().find(|&&a| !(a > 0.0 && a < 0.5)) {
        return Err(usage(
            "--q",
            &args.q,
            &format!(
                "{a} is outside (0, 0.5): the mining game needs an attacker with some but less \
                 than half of the hash rate (at 0.5 or more a private lead never ends)"
            ),
        ));
    }
    let gammas = match (&args.gamma, &args.convention.tie) {
        (Some(_), Some(t)) => {
            return Err(usage(
                "--tie",
                t,
                "give gamma once: --gamma G, or --tie gamma=G, not both",
            ));
        }
        (Some(g), None) => parse_share_list("--gamma", g)?,
        (None, Some(t)) => vec![TieRule::parse("--tie", t)?.gamma()],
        (None, None) => vec![0.0],
    };
    let ds = match (args.value, args.z.as_str()) {
        (None, "0..10") => None,
        (None, z) => {
            return Err(usage(
                "--z",
                z,
                "in the mining game --z is the depth of a double spend and needs --value V \
                 (block rewards per reversal); drop --z or add --value",
            ));
        }
        (Some(v), z) => {
            if !(v.is_finite() && v >= 0.0) {
                return Err(usage("--value", v, "give a finite value of 0 or more"));
            }
            let z = z
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|&z| (1..=1000).contains(&z));
            let Some(z) = z else {
                return Err(usage(
                    "--z",
                    &args.z,
                    "--value needs one depth Z from 1 to 1000 (a reversal orphans an honest \
                     branch of at least Z blocks), e.g. --z 6",
                ));
            };
            Some((v, z))
        }
    };
    Ok(Setup {
        gammas,
        alphas,
        ds,
        confidence: args.confidence,
    })
}

/// Flags of the timed and block-race attacks mean nothing in the mining game: refuse them
/// rather than ignore them.
fn reject_other_flags(args: &SimulateArgs) -> anyhow::Result<()> {
    let game = &args.attack;
    let given: [(&str, bool); 14] = [
        ("--give-up", args.give_up.is_some()),
        ("--walk", args.walk),
        ("--ci", args.ci.is_some()),
        ("--out", args.out.is_some()),
        ("--method", args.method != crate::experiment::Method::Mc),
        ("--rel-error", args.rel_error.is_some()),
        ("--max-trials", args.max_trials.is_some()),
        ("--tilt", args.tilt.is_some()),
        ("--shard", args.shard.is_some()),
        ("--resume", args.resume),
        ("--mining", args.mining != super::Mining::Poisson),
        ("--bits", args.bits.is_some()),
        (
            "--premined/--classical",
            args.convention.premined.is_some() || args.convention.classical,
        ),
        (
            "--chain",
            args.chain.chain.is_some()
                || args.chain.chain_file.is_some()
                || !args.chain.set.is_empty(),
        ),
    ];
    if let Some((flag, _)) = given.iter().find(|g| g.1) {
        return Err(usage(
            flag,
            "(given)",
            &format!(
                "does not apply to the {game} attack (the zero-latency mining game of \
                 docs/replay.md takes --q, --gamma, --policy, --value, --z, --trials, --seed, \
                 --threads, --confidence, --format); drop it"
            ),
        ));
    }
    if args.net.any_given() {
        return Err(usage(
            "--network",
            "(network, merchant or timed-attack flags)",
            &format!("the {game} attack plays the zero-latency mining game; drop those flags"),
        ));
    }
    Ok(())
}

/// `--gamma`, `--policy` and `--value` belong to the mining game: refuse them elsewhere.
pub(super) fn reject_game_flags(args: &SimulateArgs) -> anyhow::Result<()> {
    let given = [
        ("--gamma", args.gamma.is_some()),
        ("--policy", args.policy.is_some()),
        ("--value", args.value.is_some()),
    ];
    if let Some((flag, _)) = given.iter().find(|g| g.1) {
        return Err(usage(
            flag,
            "(given)",
            &format!(
                "belongs to the selfish and policy attacks (docs/replay.md), not to {}; for a \
                 tie rule of the majority attack use --tie gamma=G",
                args.attack
            ),
        ));
    }
    Ok(())
}

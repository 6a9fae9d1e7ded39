//! `dslab merge`: combine the shard files of one run into the `reversal.csv` and
//! `manifest.json` the unsharded run writes (the CSV byte for byte).

use std::path::PathBuf;

use clap::Args;

use super::common;
use crate::error::usage;
use crate::report::{self, shard, write_atomic};

/// Arguments of `dslab merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard files, or folders holding shard-I-of-N.json files (the --out folders of
    /// 'dslab simulate --shard I/N').
    #[arg(required = true, value_name = "DIR")]
    pub inputs: Vec<PathBuf>,
    /// Folder for the merged reversal.csv and manifest.json.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Parse `I/N` (1 ≤ I ≤ N) into the 0-based shard (I − 1, N).
pub fn parse_shard(flag: &str, s: &str) -> anyhow::Result<(u64, u64)> {
    let fix = "write I/N with 1 <= I <= N, e.g. 3/16 for the third of 16 shards";
    let (i, n) = s.split_once('/').ok_or_else(|| usage(flag, s, fix))?;
    let (i, n) = match (i.trim().parse::<u64>(), n.trim().parse::<u64>()) {
        (Ok(i), Ok(n)) => (i, n),
        _ => return Err(usage(flag, s, fix)),
    };
    if n == 0 || i == 0 || i > n {
        return Err(usage(flag, s, fix));
    }
    Ok((i - 1, n))
}

/// Run `dslab merge`.
pub fn run(args: MergeArgs) -> anyhow::Result<()> {
    let files = shard::find(&args.inputs)?;
    let shards = files
        .into_iter()
        .map(|p| shard::read(&p).map(|s| (p, s)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let count = shards.len();
    let (merged, wall) = shard::merge(shards)?;
    let out = common::prepare_out_dir("--out", &args.out)?;
    let rows = crate::report::rows::rows(&merged.result);
    let trials: u64 = merged.result.cells.iter().map(|c| c.tally.trials).sum();
    let mut manifest = merged.manifest.clone();
    manifest["command"] = common::command_line().into();
    manifest["wall_seconds"] = wall.into();
    manifest["trials_per_second"] = (trials as f64 / wall.max(1e-9)).into();
    manifest["merged_shards"] = (count as u64).into();
    write_atomic(&out.join("reversal.csv"), report::to_csv(&rows)?.as_bytes())?;
    let json = serde_json::to_string_pretty(&manifest)? + "\n";
    write_atomic(&out.join("manifest.json"), json.as_bytes())?;
    eprintln!(
        "merged {count} shards of '{}' (seed {}): {} rows, {trials} trials -> '{}'",
        merged.scenario,
        merged.seed,
        rows.len(),
        out.join("reversal.csv").display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_one_based() {
        assert_eq!(parse_shard("--shard", "1/4").unwrap(), (0, 4));
        assert_eq!(parse_shard("--shard", "4/4").unwrap(), (3, 4));
        for bad in ["0/4", "5/4", "1/0", "x/2", "3", "1/2/3"] {
            assert!(parse_shard("--shard", bad).is_err(), "{bad}");
        }
    }
}

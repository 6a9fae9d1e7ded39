//! `dslab mine`: mine a chain of real SHA-256d block headers at a reduced difficulty.

use std::time::Instant;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::hashrate::{resolve_kernel, threads_or_default};
use crate::error::usage;
use crate::pow::search::{ChainMiner, MINE_BITS};
use crate::pow::{Block, Kernel, SearchSpace, Target, to_display_hex, to_hex};

/// Largest accepted `--blocks`.
pub const MAX_BLOCKS: u64 = 1_000_000;

/// Arguments of `dslab mine`.
#[derive(Debug, Args)]
pub struct MineArgs {
    /// Difficulty as leading zero bits of the hash (1..=40): the target is 2^(256-B),
    /// so a block takes 2^B hashes on average.
    #[arg(long)]
    pub bits: u32,
    /// Number of blocks to mine, each on top of the previous one.
    #[arg(long)]
    pub blocks: u64,
    /// Worker threads [default: all cores]. The chain is the same for any count.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = MineFormat::Table)]
    pub format: MineFormat,
    /// Kernel to hash with: `auto` (the fastest this CPU has, measured for 0.1 s at start) or
    /// one of portable, sha-ni, avx2, avx512. The chain is the same for every kernel.
    #[arg(long, default_value = "auto")]
    pub kernel: String,
}

/// Output formats of `dslab mine`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MineFormat {
    /// One line per block as it is found, with timing.
    Table,
    /// An array of `{height, header_hex, hash_hex, nonce, tries}`.
    Json,
}

/// One block in `--format json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MinedBlock {
    /// Height in the mined chain, from 0.
    pub height: u64,
    /// The 80-byte header as hashed, in hex.
    pub header_hex: String,
    /// Its double SHA-256, in the usual reversed display order.
    pub hash_hex: String,
    /// The winning nonce (also in the header).
    pub nonce: u32,
    /// Hashes a serial miner scanning in dslab's canonical order needs to reach it.
    pub tries: u64,
}

impl From<&Block> for MinedBlock {
    fn from(b: &Block) -> Self {
        MinedBlock {
            height: b.height,
            header_hex: to_hex(&b.found.header.to_bytes()),
            hash_hex: to_display_hex(&b.found.hash),
            nonce: b.found.header.nonce,
            tries: b.found.tries,
        }
    }
}

fn validate(args: &MineArgs) -> anyhow::Result<Target> {
    let (lo, hi) = (MINE_BITS.start(), MINE_BITS.end());
    let fix = format!("give {lo} to {hi} leading zero bits (2^B hashes per block on average)");
    let target = Target::from_leading_zero_bits(args.bits)
        .filter(|_| MINE_BITS.contains(&args.bits))
        .ok_or_else(|| usage("--bits", args.bits, &fix))?;
    if !(1..=MAX_BLOCKS).contains(&args.blocks) {
        let fix = format!("give 1 to {MAX_BLOCKS} blocks");
        return Err(usage("--blocks", args.blocks, &fix));
    }
    Ok(target)
}

/// What `--kernel auto` measured and chose, for stderr.
fn auto_note() -> String {
    let rates = Kernel::auto_rates();
    if let [(only, _)] = rates {
        return format!("kernel auto: {} (the only kernel on this CPU)", only.id());
    }
    let list: Vec<String> = rates
        .iter()
        .map(|(k, r)| format!("{} {:.1}", k.id(), r / 1e6))
        .collect();
    format!(
        "kernel auto: {} (MH/s on one thread, 0.1 s at start: {}; --kernel NAME forces one)",
        Kernel::detect().id(),
        list.join(", ")
    )
}

/// Run `dslab mine`.
pub fn run(args: MineArgs) -> anyhow::Result<()> {
    let target = validate(&args)?;
    let threads = threads_or_default(args.threads)?;
    let kernel = resolve_kernel(&args.kernel)?;
    if args.kernel == "auto" {
        eprintln!("{}", auto_note());
    }
    eprintln!(
        "mining {} block(s) at {} bits (bits field {:#010x}, 2^{} hashes per block expected) with {} thread(s), {}",
        args.blocks,
        args.bits,
        target.bits(),
        args.bits,
        threads,
        kernel.name()
    );
    let miner = ChainMiner::new(kernel, target, threads, SearchSpace::default());
    let started = Instant::now();
    let mut mined = Vec::new();
    if args.format == MineFormat::Table {
        println!(
            "{:>6}  {:<64}  {:>10}  {:>12}  {:>9}  header",
            "height", "hash", "nonce", "tries", "seconds"
        );
    }
    let mut last = Instant::now();
    for block in miner.take(usize::try_from(args.blocks)?) {
        let seconds = last.elapsed().as_secs_f64();
        last = Instant::now();
        let row = MinedBlock::from(&block);
        if args.format == MineFormat::Table {
            println!(
                "{:>6}  {}  {:>10}  {:>12}  {:>9.3}  {}",
                row.height, row.hash_hex, row.nonce, row.tries, seconds, row.header_hex
            );
        }
        mined.push(row);
    }
    if args.format == MineFormat::Json {
        println!("{}", serde_json::to_string_pretty(&mined)?);
    }
    let tries: u64 = mined.iter().map(|b| b.tries).sum();
    eprintln!(
        "{} block(s) in {:.2} s; mean tries per block {:.0} (expected {:.0})",
        mined.len(),
        started.elapsed().as_secs_f64(),
        tries as f64 / mined.len() as f64,
        2f64.powi(i32::try_from(args.bits)?)
    );
    Ok(())
}

//! The output folder of `dslab run`: one run at a time, and never a user's file replaced.
//!
//! - **Lock.** A run holds an OS lock (`File::try_lock`) on `OUT/.dslab.lock` for as long
//!   as it writes into OUT: exclusive for a whole run, shared for a sharded run (`--shard`),
//!   so shards of one lab may share a folder (each writes only its own files) while a whole
//!   run excludes every other run. An exclusive holder writes its process id into the file,
//!   for the message a second run prints when it refuses. The operating system releases the
//!   lock when the process ends in any way (a crash or `kill -9` included), so there are no
//!   stale locks: a lock file no process holds is simply taken over. An exclusive holder
//!   deletes the file when it finishes; a run that locked a file another run has just
//!   deleted notices (the path no longer names the file it locked) and starts over, so two
//!   runs can never both hold it.
//! - **Targets.** Each scenario's report replaces `OUT/<scenario>/` whole. Before any work
//!   starts, [`OutputLock::acquire`] refuses a target that is not a dslab report folder (a
//!   file, a symbolic link, or a folder holding other files), so nothing of the user's is
//!   ever moved aside or deleted; [`swap_in`] checks again at the moment of the swap.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::error::usage;

/// Name of the lock file inside the output folder.
pub const LOCK_FILE: &str = ".dslab.lock";

/// Files a dslab report folder holds (besides its `*.png` plots and `shard-*.json` files);
/// a folder holding anything else is the user's, and is not replaced.
const REPORT_FILES: [&str; 3] = ["reversal.csv", "manifest.json", "scenario.toml"];

/// The held lock on an output folder; released (and its file removed) on drop.
#[derive(Debug)]
pub struct OutputLock {
    path: PathBuf,
    file: File,
    shared: bool,
}

impl OutputLock {
    /// Lock `out` for this process and check that every `OUT/<name>` of `names` can be
    /// written: absent, or a dslab report folder (`sharded`: any folder, since a shard run
    /// only adds its shard file to it). Refuses (exit 2, naming `--out`) when another run
    /// holds the folder or a target is the user's.
    pub fn acquire<'a>(
        out: &Path,
        names: impl IntoIterator<Item = &'a str>,
        sharded: bool,
    ) -> anyhow::Result<OutputLock> {
        let lock = Self::take(out, sharded)?;
        for name in names {
            check_target(&out.join(name), sharded, true)?;
        }
        Ok(lock)
    }

    fn take(out: &Path, shared: bool) -> anyhow::Result<OutputLock> {
        let path = out.join(LOCK_FILE);
        loop {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .with_context(|| format!("could not open the lock file '{}'", path.display()))?;
            let locked = if shared {
                file.try_lock_shared()
            } else {
                file.try_lock()
            };
            match locked {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    return Err(held(out, &path, holder.trim()));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(anyhow::Error::new(e)
                        .context(format!("could not lock '{}'", path.display())));
                }
            }
            if !still_named(&path, &file) {
                // Locked a file its holder deleted on finishing: lock the new one instead.
                continue;
            }
            // Shared holders leave no id (there may be several; a refused whole run then
            // says "a sharded run"); an exclusive one replaces whatever a dead run left.
            file.set_len(0)?;
            if !shared {
                writeln!(file, "{}", std::process::id())?;
            }
            return Ok(OutputLock { path, file, shared });
        }
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Delete while still holding the lock (other shared holders may still hold it).
        if !self.shared {
            let _ = std::fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

/// Whether `path` still names the file `file` has open (not deleted or replaced since).
#[cfg(unix)]
fn still_named(path: &Path, file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(path), file.metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Elsewhere the holder never deletes the file (see [`Drop`]), so it is always the same.
#[cfg(not(unix))]
fn still_named(_: &Path, _: &File) -> bool {
    true
}

/// The refusal when another process holds the lock.
fn held(out: &Path, path: &Path, holder: &str) -> anyhow::Error {
    let who = if holder.chars().all(|c| c.is_ascii_digit()) && !holder.is_empty() {
        format!("another dslab run (process {holder})")
    } else {
        "another dslab run (a sharded run, --shard)".to_string()
    };
    usage(
        "--out",
        out.display(),
        &format!(
            "{who} is writing into this folder (it holds '{}'); nothing was written. Wait \
             for it to finish, or give this run another --out",
            path.display()
        ),
    )
}

/// Refuse `dir` (= OUT/<scenario>) unless dslab may replace it (or, `sharded`, add to it).
/// `before`: checked before the run wrote anything.
fn check_target(dir: &Path, sharded: bool, before: bool) -> anyhow::Result<()> {
    let meta = match std::fs::symlink_metadata(dir) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(
                anyhow::Error::new(e).context(format!("cannot inspect '{}'", dir.display()))
            );
        }
    };
    let kind = if meta.file_type().is_symlink() {
        Some("a symbolic link")
    } else if !meta.is_dir() {
        Some("a file")
    } else {
        None
    };
    if let Some(kind) = kind {
        return Err(not_ours(
            dir,
            &format!("is {kind}, not a report folder"),
            before,
        ));
    }
    if sharded {
        return Ok(());
    }
    match foreign_entry(dir)? {
        Some(f) => Err(not_ours(
            dir,
            &format!("holds '{f}', which is not part of a dslab report"),
            before,
        )),
        None => Ok(()),
    }
}

/// The first entry of `dir` that a dslab report folder does not hold, if any.
fn foreign_entry(dir: &Path) -> anyhow::Result<Option<String>> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot list '{}'", dir.display()))?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let ours = |n: &str| {
        REPORT_FILES.contains(&n)
            || n.ends_with(".png")
            || (n.starts_with("shard-") && n.ends_with(".json"))
            // Temporaries of an interrupted atomic write (`.NAME.tmp-PID`).
            || (n.starts_with('.') && n.contains(".tmp-"))
    };
    Ok(names.into_iter().find(|n| !ours(n)))
}

fn not_ours(dir: &Path, what: &str, before: bool) -> anyhow::Error {
    let written = if before {
        " Nothing was written."
    } else {
        " This scenario's new report was not written."
    };
    usage(
        "--out",
        dir.display(),
        &format!(
            "{what}; dslab replaces a scenario's folder whole and will not move or delete \
             what you put there.{written} Move it away, or give another --out"
        ),
    )
}

/// Replace `OUT/<name>` by the finished folder `tmp`. An existing report folder is renamed
/// aside, the new one renamed in (the old one is renamed back if that fails), then the old
/// one deleted; anything but a report folder is refused untouched. Returns the folder.
pub fn swap_in(out: &Path, tmp: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let dir = out.join(name);
    check_target(&dir, false, false)?;
    if !dir.exists() {
        std::fs::rename(tmp, &dir)
            .with_context(|| format!("could not move the report into '{}'", dir.display()))?;
        return Ok(dir);
    }
    let old = out.join(format!(".{name}.old-{}", std::process::id()));
    std::fs::rename(&dir, &old)
        .with_context(|| format!("could not move the earlier report '{}'", dir.display()))?;
    if let Err(e) = std::fs::rename(tmp, &dir) {
        let _ = std::fs::rename(&old, &dir);
        return Err(anyhow::Error::new(e).context(format!(
            "could not move the report into '{}'",
            dir.display()
        )));
    }
    if let Err(e) = std::fs::remove_dir_all(&old) {
        // The new report is in place: say what is left over instead of failing the run.
        eprintln!(
            "warning: the new report is in '{}', but its earlier version could not be \
             deleted from '{}' ({e}); delete it by hand",
            dir.display(),
            old.display()
        );
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_folder_is_refused_until_the_first_is_dropped() {
        let d = tempfile::tempdir().unwrap();
        let first = OutputLock::acquire(d.path(), [], false).unwrap();
        let pid = std::fs::read_to_string(d.path().join(LOCK_FILE)).unwrap();
        assert_eq!(pid.trim(), std::process::id().to_string());
        // A second handle in the same process is refused like a second process.
        let err = OutputLock::acquire(d.path(), [], false).unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.contains("--out") && msg.contains(pid.trim()), "{msg}");
        assert_eq!(crate::error::exit_code(&err), 2);
        drop(first);
        assert!(!d.path().join(LOCK_FILE).exists(), "lock file removed");
        let again = OutputLock::acquire(d.path(), [], false).unwrap();
        drop(again);
    }

    #[test]
    fn shards_share_a_folder_but_exclude_a_whole_run() {
        let d = tempfile::tempdir().unwrap();
        let a = OutputLock::acquire(d.path(), [], true).unwrap();
        let b = OutputLock::acquire(d.path(), [], true).unwrap();
        let err = format!(
            "{:#}",
            OutputLock::acquire(d.path(), [], false).unwrap_err()
        );
        assert!(err.contains("sharded run"), "{err}");
        drop((a, b));
        let whole = OutputLock::acquire(d.path(), [], false).unwrap();
        let err = format!("{:#}", OutputLock::acquire(d.path(), [], true).unwrap_err());
        assert!(err.contains(&std::process::id().to_string()), "{err}");
        drop(whole);
    }

    #[test]
    fn a_lock_file_nobody_holds_is_taken_over() {
        // What a killed run leaves: the file, without the OS lock.
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(LOCK_FILE), "999999999\n").unwrap();
        let lock = OutputLock::acquire(d.path(), [], false).unwrap();
        let pid = std::fs::read_to_string(d.path().join(LOCK_FILE)).unwrap();
        assert_eq!(pid, format!("{}\n", std::process::id()));
        drop(lock);
    }

    #[test]
    fn targets_that_are_not_report_folders_are_refused_untouched() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path();
        std::fs::write(out.join("file"), b"mine").unwrap();
        std::fs::create_dir(out.join("notes")).unwrap();
        std::fs::write(out.join("notes/todo.txt"), b"mine").unwrap();
        std::fs::create_dir(out.join("report")).unwrap();
        std::fs::write(out.join("report/reversal.csv"), b"old").unwrap();
        std::fs::write(out.join("report/shard-1-of-2.json"), b"{}").unwrap();
        for (name, sharded, ok) in [
            ("file", false, false),
            ("file", true, false),
            ("notes", false, false),
            ("notes", true, true),
            ("report", false, true),
            ("absent", false, true),
        ] {
            let got = OutputLock::acquire(out, [name], sharded);
            assert_eq!(got.is_ok(), ok, "{name} sharded={sharded}: {got:?}");
        }
        let tmp = out.join(".file.partial-1");
        std::fs::create_dir(&tmp).unwrap();
        assert!(swap_in(out, &tmp, "file").is_err());
        assert_eq!(std::fs::read(out.join("file")).unwrap(), b"mine");
        assert!(
            tmp.is_dir(),
            "the new report is left for the caller to clean up"
        );
        let names: Vec<String> = std::fs::read_dir(out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n.contains(".old-")), "{names:?}");
    }

    #[test]
    fn swap_replaces_a_report_folder_and_leaves_no_old_copy() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path();
        std::fs::create_dir(out.join("s")).unwrap();
        std::fs::write(out.join("s/reversal.csv"), b"old").unwrap();
        let tmp = out.join(".s.partial-1");
        std::fs::create_dir(&tmp).unwrap();
        std::fs::write(tmp.join("reversal.csv"), b"new").unwrap();
        swap_in(out, &tmp, "s").unwrap();
        assert_eq!(std::fs::read(out.join("s/reversal.csv")).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(out).unwrap().count(), 1);
    }
}

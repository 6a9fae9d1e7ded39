//! High-bandwidth compact-block peers chosen by delivery history, as Bitcoin Core does it
//! (`src/net_processing.cpp`, `PeerManagerImpl::MaybeSetPeerAsAnnouncingHeaderAndIDs`,
//! called from `BlockChecked` for the peer a new valid block came from first): a node
//! keeps a list of at most three peers it asked for high-bandwidth mode (BIP 152); the peer
//! that delivered a new block first moves to the back of the list, or is added at the back,
//! the front one being told to stop (`sendcmpct 0`) when the list is full. An inbound
//! newcomer never evicts the node's last outbound high-bandwidth peer.
//!
//! A generated graph starts with no high-bandwidth peers (a fresh node has none) and is
//! warmed up by propagating honest blocks, finders drawn by hash share, until the sets
//! settle ([`WARM_UP_QUIET`] blocks in a row change none) or [`WARM_UP_CAP`] blocks.

use rand::{Rng, RngExt};

use super::topology::{Search, Topology};

/// A connection as seen from the receiving node: (peer, index of the link in the peer's
/// adjacency list), i.e. the peer's link towards the node.
pub type Conn = (u32, u32);

/// The warm-up stops after this many consecutive blocks that changed no node's set.
pub const WARM_UP_QUIET: usize = 8;
/// At most this many warm-up blocks (about two days of Bitcoin blocks).
pub const WARM_UP_CAP: usize = 300;

/// What one request for high-bandwidth mode changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    /// The connection became high-bandwidth (it was not in the list).
    pub added: bool,
    /// The connection told to stop, if the list was full.
    pub evicted: Option<Conn>,
}

/// Core's rule for one node's list (`list[0]` the oldest): `cand` delivered a new block
/// first. `inbound(c)`: the peer of `c` opened the connection (it is an inbound peer).
pub fn ask(list: &mut Vec<Conn>, k: usize, cand: Conn, inbound: impl Fn(Conn) -> bool) -> Change {
    if let Some(i) = list.iter().position(|&c| c == cand) {
        list.remove(i);
        list.push(cand);
        return Change {
            added: false,
            evicted: None,
        };
    }
    let outbound = list.iter().filter(|&&c| !inbound(c)).count();
    if inbound(cand) && list.len() >= k && list.len() >= 2 && outbound == 1 && !inbound(list[0]) {
        // Keep the last outbound high-bandwidth peer: move it out of the front slot.
        list.swap(0, 1);
    }
    let evicted = (list.len() >= k).then(|| list.remove(0));
    list.push(cand);
    Change {
        added: true,
        evicted,
    }
}

/// Warm `topo`'s high-bandwidth links up from empty lists by propagating honest blocks
/// (finder miner i with probability `shares[i]`); `fixed[v]`: links of `v` from this index
/// on are backbone links, high-bandwidth for good. Returns the blocks propagated.
pub fn warm_up<R: Rng + ?Sized>(
    topo: &mut Topology,
    fixed: &[usize],
    shares: &[f64],
    k: usize,
    rng: &mut R,
) -> usize {
    if k == 0 {
        return 0;
    }
    let n = topo.links.len();
    let mut lists: Vec<Vec<Conn>> = vec![Vec::with_capacity(k + 1); n];
    let mut search = Search::new(n);
    let total: f64 = shares.iter().sum();
    let (mut blocks, mut quiet) = (0, 0);
    while blocks < WARM_UP_CAP && quiet < WARM_UP_QUIET {
        let u = rng.random::<f64>() * total;
        let mut acc = 0.0;
        let finder = shares
            .iter()
            .position(|&s| {
                acc += s;
                u < acc
            })
            .unwrap_or(shares.len() - 1);
        search.run(topo, finder, n);
        let mut changed = false;
        for (v, list) in lists.iter_mut().enumerate() {
            let Some(cand) = search.first_from(v) else {
                continue;
            };
            let links = &topo.links;
            let c = ask(list, k, cand, |(p, i)| {
                links[p as usize][i as usize].outbound
            });
            // Backbone links push whatever the lists say: only public links flip.
            let public = |(p, i): Conn| (i as usize) < fixed[p as usize];
            if let Some(e) = c.evicted.filter(|&e| public(e)) {
                topo.links[e.0 as usize][e.1 as usize].hb = false;
                changed = true;
            }
            if c.added && public(cand) {
                topo.links[cand.0 as usize][cand.1 as usize].hb = true;
                changed = true;
            }
        }
        quiet = if changed { 0 } else { quiet + 1 };
        blocks += 1;
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    // Written out from Core's MaybeSetPeerAsAnnouncingHeaderAndIDs with its limit of 3.
    #[test]
    fn the_list_follows_cores_rule() {
        let inbound = |c: Conn| c.0 >= 10; // peers 10.. are inbound
        let mut l = Vec::new();
        for p in [1, 2, 3] {
            let c = ask(&mut l, 3, (p, 0), inbound);
            assert_eq!((c.added, c.evicted), (true, None));
        }
        // A repeat moves to the back and changes nothing else.
        let c = ask(&mut l, 3, (1, 0), inbound);
        assert_eq!((c.added, c.evicted), (false, None));
        assert_eq!(l, vec![(2, 0), (3, 0), (1, 0)]);
        // A fourth evicts the oldest.
        assert_eq!(ask(&mut l, 3, (4, 0), inbound).evicted, Some((2, 0)));
        assert_eq!(l, vec![(3, 0), (1, 0), (4, 0)]);
        // Two inbound newcomers: the second would evict the last outbound peer (4), which
        // is moved to the second slot and survives.
        assert_eq!(ask(&mut l, 3, (10, 0), inbound).evicted, Some((3, 0)));
        assert_eq!(ask(&mut l, 3, (11, 0), inbound).evicted, Some((1, 0)));
        assert_eq!(ask(&mut l, 3, (12, 0), inbound).evicted, Some((10, 0)));
        assert_eq!(l, vec![(4, 0), (11, 0), (12, 0)]);
        assert_eq!(ask(&mut l, 3, (13, 0), inbound).evicted, Some((11, 0)));
        assert_eq!(l, vec![(4, 0), (12, 0), (13, 0)]);
        // An outbound newcomer may evict it.
        assert_eq!(ask(&mut l, 3, (5, 0), inbound).evicted, Some((4, 0)));
    }
}

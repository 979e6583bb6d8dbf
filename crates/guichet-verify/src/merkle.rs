//! The evidence log's Merkle tree, exactly as RFC 9162 section 2.1 defines it (the same as
//! RFC 6962): in one place for the `signatures` component that keeps the log and for
//! `guichet-verify`, which checks its proofs with no network.
//!
//! - leaf hash `SHA-256(0x00 || entry)`, node hash `SHA-256(0x01 || left || right)`, and the
//!   tree head `MTH` of any number of entries (split at the largest power of two smaller than
//!   the size; the empty tree's head is `SHA-256("")`);
//! - inclusion proofs (`PATH`) and consistency proofs (`PROOF`/`SUBPROOF`), built from a
//!   store of complete subtrees ([`Nodes`]), and their verification (sections 2.1.3.2 and
//!   2.1.4.2), which needs nothing but the proof.
//!
//! A store keeps, for every complete subtree, its hash at `(level, index)`: the subtree of the
//! `2^level` entries from `index * 2^level`. Appending an entry adds its leaf and the parents it
//! completes ([`appended`]): at most `log2(n) + 1` hashes, one read each; a head or a proof
//! reads `O(log n)` stored hashes (`O(log² n)` at worst for a proof) and never recomputes the
//! tree.

use sha2::{Digest, Sha256};

/// A SHA-256 hash of the tree.
pub type Hash = [u8; 32];

/// The head of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The hash of a leaf: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(entry);
    hasher.finalize().into()
}

/// The hash of an interior node: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The complete subtrees of a log: `node(level, index)` is the hash of the `2^level` entries
/// from `index << level`. Only complete subtrees of the current tree are asked for.
pub trait Nodes {
    type Error;
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}

/// What a proof cannot be built for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProofError<E> {
    /// The sizes or the index do not describe a proof (index beyond the tree, a first size
    /// beyond the second).
    OutOfRange,
    /// The store failed.
    Store(E),
}

impl<E: std::fmt::Display> std::fmt::Display for ProofError<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProofError::OutOfRange => f.write_str("index or sizes out of range"),
            ProofError::Store(e) => write!(f, "the log's store: {e}"),
        }
    }
}

/// The largest power of two smaller than `n` (`n > 1`): where RFC 9162 splits `n` entries.
pub fn split(n: u64) -> u64 {
    debug_assert!(n > 1);
    1 << (63 - (n - 1).leading_zeros())
}

/// `MTH(D[start:end])` for a range the RFC's recursion reaches (its start a multiple of the
/// largest power of two not above its size).
fn range<N: Nodes>(nodes: &N, start: u64, end: u64) -> Result<Hash, N::Error> {
    let n = end - start;
    if n.is_power_of_two() && start % n == 0 {
        return nodes.node(n.trailing_zeros(), start >> n.trailing_zeros());
    }
    let k = split(n);
    Ok(node_hash(
        &range(nodes, start, start + k)?,
        &range(nodes, start + k, end)?,
    ))
}

/// The tree head of the first `size` entries.
pub fn root<N: Nodes>(nodes: &N, size: u64) -> Result<Hash, N::Error> {
    if size == 0 {
        return Ok(empty_root());
    }
    range(nodes, 0, size)
}

/// The hashes to store when the entry whose leaf hash is `leaf` is appended to a tree of
/// `size` entries: its leaf, then each parent it completes, as `(level, index, hash)`.
pub fn appended<N: Nodes>(
    nodes: &N,
    size: u64,
    leaf: Hash,
) -> Result<Vec<(u32, u64, Hash)>, N::Error> {
    let (mut level, mut index, mut hash) = (0u32, size, leaf);
    let mut added = vec![(level, index, hash)];
    while index % 2 == 1 {
        let left = nodes.node(level, index - 1)?;
        hash = node_hash(&left, &hash);
        level += 1;
        index /= 2;
        added.push((level, index, hash));
    }
    Ok(added)
}

/// The inclusion proof (`PATH`) of entry `index` in the tree of the first `size` entries,
/// from the leaf's sibling up.
pub fn inclusion_proof<N: Nodes>(
    nodes: &N,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, ProofError<N::Error>> {
    if index >= size {
        return Err(ProofError::OutOfRange);
    }
    let mut proof = Vec::new();
    path(nodes, index, 0, size, &mut proof).map_err(ProofError::Store)?;
    Ok(proof)
}

fn path<N: Nodes>(
    nodes: &N,
    m: u64,
    start: u64,
    end: u64,
    proof: &mut Vec<Hash>,
) -> Result<(), N::Error> {
    let n = end - start;
    if n == 1 {
        return Ok(());
    }
    let k = split(n);
    if m < k {
        path(nodes, m, start, start + k, proof)?;
        proof.push(range(nodes, start + k, end)?);
    } else {
        path(nodes, m - k, start + k, end, proof)?;
        proof.push(range(nodes, start, start + k)?);
    }
    Ok(())
}

/// The consistency proof (`PROOF(m, D[n])`) between the tree of the first `first` entries and
/// that of the first `second`; empty when `first` is 0 or equals `second`.
pub fn consistency_proof<N: Nodes>(
    nodes: &N,
    first: u64,
    second: u64,
) -> Result<Vec<Hash>, ProofError<N::Error>> {
    if first > second {
        return Err(ProofError::OutOfRange);
    }
    let mut proof = Vec::new();
    if first > 0 && first < second {
        subproof(nodes, first, 0, second, true, &mut proof).map_err(ProofError::Store)?;
    }
    Ok(proof)
}

fn subproof<N: Nodes>(
    nodes: &N,
    m: u64,
    start: u64,
    end: u64,
    whole: bool,
    proof: &mut Vec<Hash>,
) -> Result<(), N::Error> {
    let n = end - start;
    if m == n {
        if !whole {
            proof.push(range(nodes, start, end)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(nodes, m, start, start + k, whole, proof)?;
        proof.push(range(nodes, start + k, end)?);
    } else {
        subproof(nodes, m - k, start + k, end, false, proof)?;
        proof.push(range(nodes, start, start + k)?);
    }
    Ok(())
}

/// Whether `proof` shows the entry whose leaf hash is `leaf`, at `index`, in the tree of
/// `size` entries whose head is `root` (RFC 9162, 2.1.3.2).
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            r = node_hash(p, &r);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    sn == 0 && r == *root
}

/// Whether `proof` shows that the tree of `first` entries whose head is `first_root` is a
/// prefix of the tree of `second` entries whose head is `second_root` (RFC 9162, 2.1.4.2;
/// the empty tree is a prefix of every tree, and a tree of its own with an empty proof).
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> bool {
    if first > second {
        return false;
    }
    if first == second {
        return proof.is_empty() && first_root == second_root;
    }
    if first == 0 {
        return proof.is_empty();
    }
    if proof.is_empty() {
        return false;
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(*first_root);
    }
    path.extend_from_slice(proof);
    let (mut fn_, mut sn) = (first - 1, second - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if sn == 0 {
            return false;
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fn_ & 1 == 0 && fn_ != 0 {
                fn_ >>= 1;
                sn >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    fr == *first_root && sr == *second_root && sn == 0
}

/// A tree held in memory (the verifier's and the tests' store; the log keeps the same hashes
/// in SQLite): `levels[l][i]` is `node(l, i)`.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
    size: u64,
}

impl MemoryTree {
    pub fn new() -> Self {
        Self::default()
    }

    /// How many entries it holds.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends `entry`, returning its index.
    pub fn push(&mut self, entry: &[u8]) -> u64 {
        self.push_leaf(leaf_hash(entry))
    }

    /// Appends the entry whose leaf hash is `leaf`, returning its index.
    pub fn push_leaf(&mut self, leaf: Hash) -> u64 {
        let index = self.size;
        let added = match appended(self, index, leaf) {
            Ok(added) => added,
            Err(never) => match never {},
        };
        for (level, _, hash) in added {
            let level = level as usize;
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            self.levels[level].push(hash);
        }
        self.size += 1;
        index
    }
}

impl Nodes for MemoryTree {
    type Error = std::convert::Infallible;
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error> {
        Ok(self.levels[level as usize][index as usize])
    }
}

/// `hash` in lowercase hexadecimal, as the log writes hashes.
pub fn to_hex(hash: &Hash) -> String {
    crate::hex(hash)
}

/// A hash written as 64 hexadecimal digits.
pub fn from_hex(text: &str) -> Option<Hash> {
    if text.len() != 64 || !text.is_ascii() {
        return None;
    }
    let mut hash = [0u8; 32];
    for (i, byte) in hash.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(hash)
}

#[cfg(test)]
mod tests;

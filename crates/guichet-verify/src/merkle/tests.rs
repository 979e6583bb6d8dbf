//! The Merkle tree against RFC 6962's published vectors (the Certificate Transparency test
//! data), against a naive implementation written straight from the RFC's recursive
//! definitions, and against every kind of tampering with a log: an edited, deleted,
//! reordered or slipped-in entry, and a wrong tree size.

use super::*;

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn h(text: &str) -> Hash {
    from_hex(text).unwrap()
}

/// The Certificate Transparency reference entries.
const ENTRIES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

/// Their tree heads for sizes 0 to 8.
const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

fn reference_tree() -> MemoryTree {
    let mut tree = MemoryTree::new();
    for entry in ENTRIES {
        tree.push(&unhex(entry));
    }
    tree
}

/// `MTH(D[n])` straight from RFC 9162 2.1.1, over leaf hashes.
fn naive_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => empty_root(),
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&naive_root(&leaves[..k]), &naive_root(&leaves[k..]))
        }
    }
}

/// `PATH(m, D[n])` straight from RFC 9162 2.1.3.1.
fn naive_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n as u64) as usize;
    let mut proof;
    if m < k {
        proof = naive_path(m, &leaves[..k]);
        proof.push(naive_root(&leaves[k..]));
    } else {
        proof = naive_path(m - k, &leaves[k..]);
        proof.push(naive_root(&leaves[..k]));
    }
    proof
}

/// `SUBPROOF(m, D[n], b)` straight from RFC 9162 2.1.4.1.
fn naive_subproof(m: usize, leaves: &[Hash], whole: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if whole {
            Vec::new()
        } else {
            vec![naive_root(leaves)]
        };
    }
    let k = split(n as u64) as usize;
    let mut proof;
    if m <= k {
        proof = naive_subproof(m, &leaves[..k], whole);
        proof.push(naive_root(&leaves[k..]));
    } else {
        proof = naive_subproof(m - k, &leaves[k..], false);
        proof.push(naive_root(&leaves[..k]));
    }
    proof
}

fn leaves(count: usize) -> Vec<Hash> {
    (0..count)
        .map(|i| leaf_hash(format!("entry {i}").as_bytes()))
        .collect()
}

fn tree_of(leaves: &[Hash]) -> MemoryTree {
    let mut tree = MemoryTree::new();
    for leaf in leaves {
        tree.push_leaf(*leaf);
    }
    tree
}

#[test]
fn the_tree_heads_are_rfc_6962s_for_every_size_from_0_to_8() {
    let tree = reference_tree();
    for (size, expected) in ROOTS.iter().enumerate() {
        assert_eq!(
            to_hex(&root(&tree, size as u64).unwrap()),
            *expected,
            "size {size}"
        );
    }
}

#[test]
fn the_split_is_the_largest_power_of_two_below_the_size() {
    for (n, k) in [
        (2, 1),
        (3, 2),
        (4, 2),
        (5, 4),
        (8, 4),
        (9, 8),
        (1000, 512),
        (1 << 40, 1 << 39),
    ] {
        assert_eq!(split(n), k, "n = {n}");
    }
}

#[test]
fn the_inclusion_proofs_are_the_published_vectors() {
    let tree = reference_tree();
    // (leaf index, tree size, proof), from the Certificate Transparency test data.
    let vectors: [(u64, u64, &[&str]); 4] = [
        (
            0,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            5,
            8,
            &[
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            3,
            &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
        ),
        (
            1,
            5,
            &[
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
    ];
    for (index, size, expected) in vectors {
        let proof = inclusion_proof(&tree, index, size).unwrap();
        let expected: Vec<Hash> = expected.iter().map(|e| h(e)).collect();
        assert_eq!(proof, expected, "leaf {index} in {size}");
        let leaf = leaf_hash(&unhex(ENTRIES[index as usize]));
        assert!(verify_inclusion(
            index,
            size,
            &leaf,
            &proof,
            &h(ROOTS[size as usize])
        ));
    }
    assert!(inclusion_proof(&tree, 0, 1).unwrap().is_empty());
    assert_eq!(inclusion_proof(&tree, 8, 8), Err(ProofError::OutOfRange));
}

#[test]
fn the_consistency_proofs_are_the_published_vectors() {
    let tree = reference_tree();
    let vectors: [(u64, u64, &[&str]); 4] = [
        (
            1,
            8,
            &[
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ],
        ),
        (
            6,
            8,
            &[
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ],
        ),
        (
            2,
            5,
            &[
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ],
        ),
        (1, 1, &[]),
    ];
    for (first, second, expected) in vectors {
        let proof = consistency_proof(&tree, first, second).unwrap();
        let expected: Vec<Hash> = expected.iter().map(|e| h(e)).collect();
        assert_eq!(proof, expected, "{first} to {second}");
        assert!(verify_consistency(
            first,
            second,
            &h(ROOTS[first as usize]),
            &h(ROOTS[second as usize]),
            &proof
        ));
    }
}

#[test]
fn every_proof_of_every_size_up_to_70_is_the_rfcs_and_verifies() {
    let all = leaves(70);
    let tree = tree_of(&all);
    for size in 1..=all.len() {
        let head = root(&tree, size as u64).unwrap();
        assert_eq!(head, naive_root(&all[..size]), "head of {size}");
        for index in 0..size {
            let proof = inclusion_proof(&tree, index as u64, size as u64).unwrap();
            assert_eq!(
                proof,
                naive_path(index, &all[..size]),
                "path {index} in {size}"
            );
            assert!(verify_inclusion(
                index as u64,
                size as u64,
                &all[index],
                &proof,
                &head
            ));
        }
    }
}

#[test]
fn every_consistency_proof_up_to_40_is_the_rfcs_and_verifies() {
    let all = leaves(40);
    let tree = tree_of(&all);
    for second in 0..=all.len() {
        let second_root = root(&tree, second as u64).unwrap();
        for first in 0..=second {
            let first_root = root(&tree, first as u64).unwrap();
            let proof = consistency_proof(&tree, first as u64, second as u64).unwrap();
            if first > 0 && first < second {
                assert_eq!(proof, naive_subproof(first, &all[..second], true));
            } else {
                assert!(proof.is_empty());
            }
            assert!(
                verify_consistency(
                    first as u64,
                    second as u64,
                    &first_root,
                    &second_root,
                    &proof
                ),
                "{first} to {second}"
            );
        }
    }
}

#[test]
fn a_corrupted_inclusion_proof_never_verifies() {
    let all = leaves(23);
    let tree = tree_of(&all);
    let size = 23;
    let head = root(&tree, size).unwrap();
    let other = leaf_hash(b"another");
    for index in 0..size {
        let proof = inclusion_proof(&tree, index, size).unwrap();
        let leaf = all[index as usize];
        let mut probes: Vec<(u64, u64, Hash, Vec<Hash>, Hash)> = vec![
            (index + 1, size, leaf, proof.clone(), head),
            (index ^ 2, size, leaf, proof.clone(), head),
            (index, size * 2, leaf, proof.clone(), head),
            (index, size / 2, leaf, proof.clone(), head),
            (index, size, other, proof.clone(), head),
            (index, size, leaf, proof.clone(), empty_root()),
            (
                index,
                size,
                leaf,
                [proof.clone(), vec![head]].concat(),
                head,
            ),
            (
                index,
                size,
                leaf,
                [vec![head], proof.clone()].concat(),
                head,
            ),
            (index, size, leaf, proof[..proof.len() - 1].to_vec(), head),
        ];
        if index > 0 {
            probes.push((index - 1, size, leaf, proof.clone(), head));
        }
        for i in 0..proof.len() {
            let mut flipped = proof.clone();
            flipped[i][0] ^= 8;
            probes.push((index, size, leaf, flipped, head));
        }
        for (n, (i, s, l, p, r)) in probes.iter().enumerate() {
            if (*i, *s, *l, p, *r) == (index, size, leaf, &proof, head) {
                continue;
            }
            assert!(
                !verify_inclusion(*i, *s, l, p, r),
                "probe {n} of leaf {index}"
            );
        }
    }
}

#[test]
fn a_corrupted_consistency_proof_never_verifies() {
    let all = leaves(30);
    let tree = tree_of(&all);
    for (first, second) in [(1u64, 30u64), (7, 30), (8, 30), (16, 17), (29, 30), (3, 5)] {
        let r1 = root(&tree, first).unwrap();
        let r2 = root(&tree, second).unwrap();
        let proof = consistency_proof(&tree, first, second).unwrap();
        let mut probes = vec![
            (first + 1, second, r1, r2, proof.clone()),
            (first ^ 2, second, r1, r2, proof.clone()),
            (first, second / 2, r1, r2, proof.clone()),
            (first, second * 2, r1, r2, proof.clone()),
            (first, second, r2, r1, proof.clone()),
            (first, second, empty_root(), r2, proof.clone()),
            (first, second, r1, empty_root(), proof.clone()),
            (first, second, r1, r2, Vec::new()),
            (first, second, r1, r2, [proof.clone(), vec![r1]].concat()),
            (first, second, r1, r2, [vec![r2], proof.clone()].concat()),
            (first, second, r1, r2, proof[..proof.len() - 1].to_vec()),
        ];
        if first > 1 {
            probes.push((first - 1, second, r1, r2, proof.clone()));
        }
        for i in 0..proof.len() {
            let mut flipped = proof.clone();
            flipped[i][0] ^= 16;
            probes.push((first, second, r1, r2, flipped));
        }
        for (n, (f, s, a, b, p)) in probes.iter().enumerate() {
            assert!(
                !verify_consistency(*f, *s, a, b, p),
                "probe {n} of {first} to {second}"
            );
        }
    }
}

/// A log of 20 entries as its keeper published it: the head of 12 (kept by a witness) and of
/// 20, and each entry's proof in the tree of 20.
struct Published {
    entries: Vec<Vec<u8>>,
    head_12: Hash,
    head_20: Hash,
}

fn published() -> Published {
    let entries: Vec<Vec<u8>> = (0..20)
        .map(|i| format!("{{\"event\":{i}}}").into_bytes())
        .collect();
    let mut tree = MemoryTree::new();
    for e in &entries {
        tree.push(e);
    }
    Published {
        head_12: root(&tree, 12).unwrap(),
        head_20: root(&tree, 20).unwrap(),
        entries,
    }
}

/// Whether every entry of `entries` (as the log now shows them) proves its inclusion in the
/// published head of 20, with the proofs the rewritten log now gives.
fn all_entries_verify(entries: &[Vec<u8>], head: &Hash) -> bool {
    let mut tree = MemoryTree::new();
    for e in entries {
        tree.push(e);
    }
    let size = tree.size();
    (0..size).all(|i| {
        let proof = inclusion_proof(&tree, i, size).unwrap();
        verify_inclusion(i, size, &leaf_hash(&entries[i as usize]), &proof, head)
    })
}

#[test]
fn an_edited_entry_is_detected() {
    let log = published();
    let mut entries = log.entries.clone();
    entries[4] = b"{\"event\":44}".to_vec();
    assert!(!all_entries_verify(&entries, &log.head_20));
    // The honest proof of the original entry 4 does not cover the edited bytes either.
    let honest = tree_of(&log.entries.iter().map(|e| leaf_hash(e)).collect::<Vec<_>>());
    let proof = inclusion_proof(&honest, 4, 20).unwrap();
    assert!(verify_inclusion(
        4,
        20,
        &leaf_hash(&log.entries[4]),
        &proof,
        &log.head_20
    ));
    assert!(!verify_inclusion(
        4,
        20,
        &leaf_hash(&entries[4]),
        &proof,
        &log.head_20
    ));
    let mut flipped = log.entries[4].clone();
    flipped[2] ^= 1;
    assert!(!verify_inclusion(
        4,
        20,
        &leaf_hash(&flipped),
        &proof,
        &log.head_20
    ));
}

#[test]
fn a_deleted_entry_is_detected() {
    let log = published();
    let mut entries = log.entries.clone();
    entries.remove(7);
    assert!(!all_entries_verify(&entries, &log.head_20));
    // Nor can the shortened log prove it extends the head a witness kept.
    let tree = tree_of(&entries.iter().map(|e| leaf_hash(e)).collect::<Vec<_>>());
    let proof = consistency_proof(&tree, 12, 19).unwrap();
    assert!(!verify_consistency(
        12,
        19,
        &log.head_12,
        &root(&tree, 19).unwrap(),
        &proof
    ));
}

#[test]
fn reordered_entries_are_detected() {
    let log = published();
    let mut entries = log.entries.clone();
    entries.swap(3, 9);
    assert!(!all_entries_verify(&entries, &log.head_20));
    let honest = tree_of(&log.entries.iter().map(|e| leaf_hash(e)).collect::<Vec<_>>());
    // Entry 3's true proof does not place it at 9.
    let proof = inclusion_proof(&honest, 3, 20).unwrap();
    assert!(!verify_inclusion(
        9,
        20,
        &leaf_hash(&log.entries[3]),
        &proof,
        &log.head_20
    ));
}

#[test]
fn an_entry_slipped_in_behind_a_published_head_is_detected() {
    let log = published();
    // Honest growth: 21 entries extend the head of 20.
    let mut grown = log.entries.clone();
    grown.push(b"{\"event\":20}".to_vec());
    let tree = tree_of(&grown.iter().map(|e| leaf_hash(e)).collect::<Vec<_>>());
    let proof = consistency_proof(&tree, 20, 21).unwrap();
    assert!(verify_consistency(
        20,
        21,
        &log.head_20,
        &root(&tree, 21).unwrap(),
        &proof
    ));
    // An entry inserted among the old ones: the new log no longer extends the published heads.
    let mut forged = log.entries.clone();
    forged.insert(10, b"{\"event\":\"backdated\"}".to_vec());
    let tree = tree_of(&forged.iter().map(|e| leaf_hash(e)).collect::<Vec<_>>());
    let head_21 = root(&tree, 21).unwrap();
    for (first, head) in [(20, log.head_20), (12, log.head_12)] {
        let proof = consistency_proof(&tree, first, 21).unwrap();
        assert!(
            !verify_consistency(first, 21, &head, &head_21, &proof),
            "from {first}"
        );
    }
    // Appended at the end but presented as the head of 20: the sizes betray it.
    let mut appended = log.entries.clone();
    appended.push(b"{\"event\":\"late\"}".to_vec());
    assert!(!all_entries_verify(&appended, &log.head_20));
}

#[test]
fn a_wrong_tree_size_is_detected() {
    // A verifier takes the size and the root from a signed tree head, which binds them: each
    // size has its own head, and a proof for one size fails against every other.
    let all = leaves(40);
    let tree = tree_of(&all);
    let proof = inclusion_proof(&tree, 5, 20).unwrap();
    assert!(verify_inclusion(
        5,
        20,
        &all[5],
        &proof,
        &root(&tree, 20).unwrap()
    ));
    for size in (6..=40).filter(|s| *s != 20) {
        let head = root(&tree, size).unwrap();
        assert!(
            !verify_inclusion(5, size, &all[5], &proof, &head),
            "size {size}"
        );
    }
    // A size whose path has another shape fails even against the right root.
    let head_20 = root(&tree, 20).unwrap();
    for size in [6, 10, 12, 40] {
        assert!(
            !verify_inclusion(5, size, &all[5], &proof, &head_20),
            "shape of {size}"
        );
    }
    let proof = consistency_proof(&tree, 12, 20).unwrap();
    let head_12 = root(&tree, 12).unwrap();
    for (first, second) in [(11, 20), (13, 20), (12, 19), (12, 21)] {
        let (a, b) = (root(&tree, first).unwrap(), root(&tree, second).unwrap());
        assert!(
            !verify_consistency(first, second, &a, &b, &proof),
            "{first} to {second}"
        );
    }
    assert!(verify_consistency(12, 20, &head_12, &head_20, &proof));
}

#[test]
fn hashes_read_back_from_hex_and_refuse_anything_else() {
    let hash = leaf_hash(b"x");
    assert_eq!(from_hex(&to_hex(&hash)), Some(hash));
    assert_eq!(from_hex("00"), None);
    assert_eq!(from_hex(&"zz".repeat(32)), None);
}

/* cv-mls-tree.h: the public ratchet tree of RFC 9420 §4, §7.
 *
 * The tree is an array of nodes (tree math of cv-mls-tree-math.h) whose
 * number of leaves is always a power of two, or zero for a tree not yet
 * populated. Each node caches its tree hash (§7.8); a change to a node
 * forgets the cached hashes of that node and of its ancestors only, so the
 * root hash after a commit costs about log2(n) hashes, not n.
 *
 * Leaf and parent contents are immutable and shared between copies of a
 * tree, so cv_mls_tree_copy() (what a staged commit starts from) copies an
 * array and bumps counters. A tree and its copies belong to one thread.
 *
 * Nothing here holds a secret: private keys and path secrets live in
 * cv-mls-treekem.h.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cv-bytes.h"
#include "cv-mls-messages.h"
#include "cv-mls-suite.h"
#include "cv-mls-tree-math.h"
#include "cv-status.h"

/* ParentNode (§7.1). */
typedef struct {
  cv_bytes encryption_key;
  cv_bytes parent_hash;
  uint32_t *unmerged_leaves;     /* strictly increasing leaf indices */
  size_t n_unmerged_leaves;
} cv_mls_parent_node;

typedef struct cv_mls_tree cv_mls_tree;

/* An empty tree (no leaves) for suite s. NULL when out of memory. */
cv_mls_tree *cv_mls_tree_new (const cv_mls_suite *s);
void cv_mls_tree_free (cv_mls_tree *t);
/* A copy that shares the node contents (cheap); changing either later does
 * not affect the other. */
cv_status cv_mls_tree_copy (const cv_mls_tree *t, cv_mls_tree **out);

/* optional<Node> ratchet_tree<V> (§12.4.3.3): refuses an empty tree, a last
 * node that is blank, a leaf at an odd index or a parent at an even one, an
 * unmerged_leaves list out of order, more than CV_MLS_MAX_LEAVES leaves, and
 * the usual truncation and trailing bytes. Parsing is not validation: see
 * cv_mls_tree_validate(). */
cv_status cv_mls_tree_decode (const cv_mls_suite *s, const uint8_t *data, size_t len,
                              cv_mls_tree **out);
/* Serializes without the trailing blank nodes, as §12.4.3.3 requires. */
cv_status cv_mls_tree_encode (const cv_mls_tree *t, cv_bytes *out);

const cv_mls_suite *cv_mls_tree_suite (const cv_mls_tree *t);
uint32_t cv_mls_tree_n_leaves (const cv_mls_tree *t);
/* 2 * n_leaves - 1 (0 for an empty tree). */
uint32_t cv_mls_tree_n_nodes (const cv_mls_tree *t);
bool cv_mls_tree_node_is_blank (const cv_mls_tree *t, uint32_t node);
/* NULL when blank or out of range; valid until the tree changes. */
const cv_mls_leaf_node *cv_mls_tree_leaf (const cv_mls_tree *t, uint32_t leaf_index);
const cv_mls_parent_node *cv_mls_tree_parent_node (const cv_mls_tree *t, uint32_t node);
/* The HPKE public key of a non-blank node (leaf or parent), NULL if blank. */
const cv_bytes *cv_mls_tree_node_encryption_key (const cv_mls_tree *t, uint32_t node);
/* Non-blank leaves. */
uint32_t cv_mls_tree_member_count (const cv_mls_tree *t);
/* The leaf whose LeafNode serializes exactly like `leaf` (§12.4.3.1 "identify
 * a leaf whose LeafNode is identical"); CV_ERR_INVALID when none. */
cv_status cv_mls_tree_find_leaf (const cv_mls_tree *t, const cv_mls_leaf_node *leaf,
                                 uint32_t *leaf_index);

/* ---- Changes (§12.1, §7.7) ---- */

/* Add: the leftmost blank leaf, after extending the tree when there is none;
 * the new leaf is recorded as unmerged in every non-blank parent above it. */
cv_status cv_mls_tree_add_leaf (cv_mls_tree *t, const cv_mls_leaf_node *leaf,
                                uint32_t *leaf_index);
/* Update: replaces the leaf and blanks the parents on its direct path. */
cv_status cv_mls_tree_update_leaf (cv_mls_tree *t, uint32_t leaf_index,
                                   const cv_mls_leaf_node *leaf);
/* Remove: blanks the leaf and its direct path, then truncates while the
 * right half of the tree is blank. */
cv_status cv_mls_tree_remove_leaf (cv_mls_tree *t, uint32_t leaf_index);
/* Replaces a leaf and nothing else (used after cv_mls_tree_set_path). */
cv_status cv_mls_tree_set_leaf (cv_mls_tree *t, uint32_t leaf_index,
                                const cv_mls_leaf_node *leaf);
/* The first half of applying an UpdatePath (§7.5): blanks the direct path of
 * `sender`, puts keys[i] at the i-th node of its filtered direct path (n_keys
 * must be that path's length) with no unmerged leaves, and sets the
 * parent_hash of those nodes from the root down. leaf_parent_hash receives
 * the value the sender's new LeafNode must carry (empty when the filtered
 * path is empty). */
cv_status cv_mls_tree_set_path (cv_mls_tree *t, uint32_t sender, const cv_bytes *keys,
                                size_t n_keys, cv_bytes *leaf_parent_hash);
/* What a receiver of a Commit does with its UpdatePath (§7.5, §12.4.2):
 * refuses a path whose length is not the filtered direct path's or whose
 * keys (leaf or parent) already appear in the tree, applies it, checks the
 * leaf's parent_hash and source (commit), and installs the new leaf. The
 * leaf's signature and credential are the caller's to check (they need the
 * group id). On failure the tree may be half-changed: use a copy. */
cv_status cv_mls_tree_merge_update_path (cv_mls_tree *t, uint32_t sender,
                                         const cv_mls_update_path *path);

/* ---- Hashes, resolution, paths ---- */

/* The tree hash of a node, or of the root (§7.8); out must be empty. */
cv_status cv_mls_tree_node_hash (cv_mls_tree *t, uint32_t node, cv_bytes *out);
cv_status cv_mls_tree_hash (cv_mls_tree *t, cv_bytes *out);

/* Resolution of a node (§4.1.1) in left-to-right order, leaving out the
 * leaves listed in exclude (new members of the commit, §7.6). *out is
 * malloc'ed (free it), NULL when *n is 0. */
cv_status cv_mls_tree_resolution (const cv_mls_tree *t, uint32_t node,
                                  const uint32_t *exclude, size_t n_exclude,
                                  uint32_t **out, size_t *n);
/* The filtered direct path of a leaf (§4.1.2) and, beside each node, its
 * child on the leaf's copath. Both arrays hold CV_MLS_TREE_MAX_DEPTH. */
cv_status cv_mls_tree_filtered_direct_path (const cv_mls_tree *t, uint32_t leaf_index,
                                            uint32_t *path, uint32_t *copath_child,
                                            size_t *len);

/* ---- Validation of a received tree (§7.3, §7.9.2, §12.4.3.1) ---- */

typedef struct {
  const uint8_t *group_id;          /* leaf signatures' context */
  size_t group_id_len;
  const uint8_t *tree_hash;         /* GroupContext.tree_hash; NULL: not compared */
  size_t tree_hash_len;
  /* GroupContext extensions (required_capabilities, and the extension types
   * every member must support); NULL for none. */
  const cv_mls_extension_list *context_extensions;
  uint64_t now;                     /* seconds since 1970; 0: lifetimes not checked */
} cv_mls_tree_check;

/* Every rule, in this order, the first failure naming its rule and node:
 * the tree hash; each leaf's source-independent checks, capabilities
 * (its own extensions and credential type, the group's
 * required_capabilities and extensions, every credential type in use) and
 * lifetime; unique encryption keys over all nodes and unique signature keys
 * over all leaves; unmerged leaves (sorted, non-blank descendants, listed at
 * every non-blank node between); parent hashes (each non-blank parent is
 * parent-hash valid from exactly one descendant); leaf signatures. */
cv_status cv_mls_tree_validate (cv_mls_tree *t, const cv_mls_tree_check *check);
/* The parts, for callers that need only one (a commit's path, the vectors). */
cv_status cv_mls_tree_verify_parent_hashes (cv_mls_tree *t);
cv_status cv_mls_tree_verify_leaf_signatures (const cv_mls_tree *t, const uint8_t *group_id,
                                              size_t group_id_len);

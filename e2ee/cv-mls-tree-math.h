/* cv-mls-tree-math.h: the array representation of the ratchet tree
 * (RFC 9420 §4.1, §7.1 and Appendix C).
 *
 * Leaves sit at even node indices (leaf i is node 2i), parents at odd ones;
 * a node's level is the number of trailing 1 bits of its index. Trees have
 * n_leaves leaves with 1 <= n_leaves <= CV_MLS_TREE_MAX_LEAVES, so every node
 * index fits a uint32_t; all arithmetic is done in 64 bits and checked, so a
 * hostile index or size gives an error, never a wrapped index.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cv-status.h"

/* The largest tree: 2^31 leaves, node indices up to 2^32 - 2. */
#define CV_MLS_TREE_MAX_LEAVES ((uint32_t) 1 << 31)
/* The longest direct path or copath (one entry per level above a leaf). */
#define CV_MLS_TREE_MAX_DEPTH 32

static inline uint32_t
cv_mls_leaf_to_node (uint32_t leaf)
{
  return leaf * 2; /* callers keep leaf < CV_MLS_TREE_MAX_LEAVES */
}

static inline bool
cv_mls_node_is_leaf (uint32_t node)
{
  return (node & 1) == 0;
}

/* Level of a node: 0 for leaves, k for a parent with 2^k leaves under it. */
uint32_t cv_mls_tree_level (uint32_t node);
/* Number of nodes of a tree with n_leaves leaves (0 when n_leaves is 0 or too large). */
uint32_t cv_mls_tree_node_width (uint32_t n_leaves);
/* Root index; CV_ERR_ARGUMENT for an impossible size. */
cv_status cv_mls_tree_root (uint32_t n_leaves, uint32_t *root);

/* Children of a parent node; CV_ERR_INVALID for a leaf. For a tree that is
 * not full these can point outside it: check against the node width. */
cv_status cv_mls_tree_left (uint32_t node, uint32_t *left);
cv_status cv_mls_tree_right (uint32_t node, uint32_t *right);
/* Parent and sibling; CV_ERR_INVALID for the root, CV_ERR_ARGUMENT for a
 * node outside the tree. */
cv_status cv_mls_tree_parent (uint32_t node, uint32_t n_leaves, uint32_t *parent);
cv_status cv_mls_tree_sibling (uint32_t node, uint32_t n_leaves, uint32_t *sibling);

/* Direct path (parent up to the root, excluding the node, empty for the
 * root) and copath (the siblings of the node and of its direct path but the
 * root). path must have room for CV_MLS_TREE_MAX_DEPTH entries. */
cv_status cv_mls_tree_direct_path (uint32_t node, uint32_t n_leaves, uint32_t *path, size_t *len);
cv_status cv_mls_tree_copath (uint32_t node, uint32_t n_leaves, uint32_t *path, size_t *len);

/* The lowest node that has both x and y below or at it. */
cv_status cv_mls_tree_common_ancestor (uint32_t x, uint32_t y, uint32_t n_leaves,
                                       uint32_t *ancestor);

/* cv-mls-treekem.h: TreeKEM (RFC 9420 §7.4–§7.6): path secrets, node key
 * pairs, the encryption of path secrets to the copath and their decryption,
 * and the commit_secret.
 *
 * A member's secrets are a cv_mls_tree_private: the HPKE private key of its
 * leaf and of the parent nodes it knows (at most one per level). They are
 * wiped by cv_mls_tree_private_clear().
 *
 * Committing takes two calls, because the context of the encryption (the
 * provisional GroupContext) holds the tree hash of the tree that the first
 * call produces:
 *   cv_mls_treekem_create_path (tree, priv, ...)   tree and priv updated
 *   ... tree hash, provisional GroupContext ...
 *   cv_mls_treekem_encrypt_path (tree, &pending, context, new members, &update_path)
 * Receiving one:
 *   cv_mls_tree_merge_update_path (tree, sender, path)    (cv-mls-tree.h)
 *   ... provisional GroupContext ...
 *   cv_mls_treekem_decrypt_path (tree, priv, sender, path, ..., &commit_secret)
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cv-bytes.h"
#include "cv-mls-messages.h"
#include "cv-mls-suite.h"
#include "cv-mls-tree.h"
#include "cv-status.h"

typedef struct {
  uint32_t leaf_index;
  size_t n;                                   /* entries below */
  uint32_t nodes[CV_MLS_TREE_MAX_DEPTH + 1];  /* node indices, the leaf's included */
  cv_bytes privs[CV_MLS_TREE_MAX_DEPTH + 1];  /* HPKE private keys */
} cv_mls_tree_private;

/* A state holding only the leaf's key. priv must be zeroed or cleared. */
cv_status cv_mls_tree_private_init (cv_mls_tree_private *priv, uint32_t leaf_index,
                                    const uint8_t *leaf_priv, size_t leaf_priv_len);
void cv_mls_tree_private_clear (cv_mls_tree_private *priv);
cv_status cv_mls_tree_private_copy (cv_mls_tree_private *out, const cv_mls_tree_private *in);
/* The private key of a node, NULL when unknown. */
const cv_bytes *cv_mls_tree_private_key (const cv_mls_tree_private *priv, uint32_t node);
/* Sets (or replaces) the key of a node. */
cv_status cv_mls_tree_private_set (cv_mls_tree_private *priv, uint32_t node,
                                   const uint8_t *key, size_t key_len);
/* Sets the key of a node from its path secret: DeriveKeyPair(DeriveSecret(
 * path_secret, "node")). */
cv_status cv_mls_tree_private_set_path_secret (const cv_mls_suite *s, cv_mls_tree_private *priv,
                                               uint32_t node, const uint8_t *path_secret,
                                               size_t len);
/* Drops the keys of nodes that are now blank or outside the tree (after a
 * Remove, an Update, a truncation). */
void cv_mls_tree_private_prune (cv_mls_tree_private *priv, const cv_mls_tree *t);
/* Every key held belongs to a non-blank node whose public key it matches
 * (§7.4 tree invariant); CV_ERR_INVALID naming the node otherwise. */
cv_status cv_mls_tree_private_check (const cv_mls_tree_private *priv, const cv_mls_tree *t);

/* A joiner's path secret from the Welcome (§12.4.3.1): sets the keys of the
 * common ancestor of our leaf and the committer's, and of the nodes above it
 * on the committer's filtered direct path, checking each against the tree. */
cv_status cv_mls_treekem_join (const cv_mls_tree *t, cv_mls_tree_private *priv,
                               uint32_t committer, const uint8_t *path_secret, size_t len);

/* What create_path leaves for encrypt_path and for the Welcomes. Secret. */
typedef struct {
  uint32_t sender;
  size_t n;
  uint32_t nodes[CV_MLS_TREE_MAX_DEPTH];        /* filtered direct path */
  uint32_t copath[CV_MLS_TREE_MAX_DEPTH];       /* the child of each on the copath */
  cv_bytes path_secrets[CV_MLS_TREE_MAX_DEPTH];
  cv_bytes commit_secret;
} cv_mls_treekem_pending;

void cv_mls_treekem_pending_clear (cv_mls_treekem_pending *p);

/* The committer's side, first half (§7.4, §7.5): a fresh leaf key pair and
 * path secrets (path_secret[0] random, or first_path_secret when not NULL,
 * for tests; commit_secret one step past the last), node keys put in the tree
 * with their parent hashes, the new leaf (template: the leaf's other fields,
 * with source commit, new encryption key and parent_hash) signed with
 * signature_priv over group_id and installed. priv is replaced by the new
 * keys. On failure the tree may be half-changed: use a copy. */
cv_status cv_mls_treekem_create_path (cv_mls_tree *t, cv_mls_tree_private *priv,
                                      uint32_t sender, const cv_mls_leaf_node *leaf_template,
                                      const uint8_t *signature_priv, size_t signature_priv_len,
                                      const uint8_t *group_id, size_t group_id_len,
                                      const uint8_t *first_path_secret, size_t first_len,
                                      cv_mls_treekem_pending *pending);
/* Second half (§7.6): for each node of the path, one EncryptWithLabel(.,
 * "UpdatePathNode", group_context, path_secret) per node of the copath
 * child's resolution, leaving out the leaves added by this commit. */
cv_status cv_mls_treekem_encrypt_path (const cv_mls_tree *t, const cv_mls_treekem_pending *pending,
                                       const uint8_t *group_context, size_t group_context_len,
                                       const uint32_t *new_leaves, size_t n_new_leaves,
                                       cv_mls_update_path *out);
/* The path secret a new member at new_leaf receives in its GroupSecrets:
 * the one of the lowest node of the path above both (§12.4.3.1). */
cv_status cv_mls_treekem_path_secret_for (const cv_mls_treekem_pending *pending,
                                          uint32_t new_leaf, uint32_t n_leaves, cv_bytes *out);

/* The receiver's side (§7.5), on a tree the UpdatePath was merged into:
 * checks the number of ciphertexts of every node, decrypts the one meant for
 * us, derives the path upwards checking each public key, stores the new keys
 * in priv (dropping those of nodes that were blanked) and returns the
 * commit_secret. path_secret, when not NULL, receives the secret we
 * decrypted. */
cv_status cv_mls_treekem_decrypt_path (const cv_mls_tree *t, cv_mls_tree_private *priv,
                                       uint32_t sender, const cv_mls_update_path *path,
                                       const uint32_t *new_leaves, size_t n_new_leaves,
                                       const uint8_t *group_context, size_t group_context_len,
                                       cv_bytes *commit_secret, cv_bytes *path_secret);

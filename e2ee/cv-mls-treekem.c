/* cv-mls-treekem.c: path secrets and their encryption (RFC 9420 §7.4–§7.6). */
#include "cv-mls-treekem.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
in_subtree (uint32_t x, uint32_t y)
{
  uint32_t k = 0, t = x;

  while (t & 1)
    {
      t >>= 1;
      k++;
    }
  return (y >= x ? y - x : x - y) <= (1u << k) - 1;
}

/* ---- Private state ---- */

void
cv_mls_tree_private_clear (cv_mls_tree_private *priv)
{
  for (size_t i = 0; i < priv->n; i++)
    cv_bytes_clear (&priv->privs[i]);
  memset (priv, 0, sizeof *priv);
}

cv_status
cv_mls_tree_private_init (cv_mls_tree_private *priv, uint32_t leaf_index,
                          const uint8_t *leaf_priv, size_t leaf_priv_len)
{
  memset (priv, 0, sizeof *priv);
  priv->leaf_index = leaf_index;
  return cv_mls_tree_private_set (priv, 2 * leaf_index, leaf_priv, leaf_priv_len);
}

cv_status
cv_mls_tree_private_copy (cv_mls_tree_private *out, const cv_mls_tree_private *in)
{
  cv_status st = CV_OK;

  memset (out, 0, sizeof *out);
  out->leaf_index = in->leaf_index;
  for (size_t i = 0; i < in->n && st == CV_OK; i++)
    st = cv_mls_tree_private_set (out, in->nodes[i], in->privs[i].data, in->privs[i].len);
  if (st != CV_OK)
    cv_mls_tree_private_clear (out);
  return st;
}

const cv_bytes *
cv_mls_tree_private_key (const cv_mls_tree_private *priv, uint32_t node)
{
  for (size_t i = 0; i < priv->n; i++)
    if (priv->nodes[i] == node)
      return &priv->privs[i];
  return NULL;
}

cv_status
cv_mls_tree_private_set (cv_mls_tree_private *priv, uint32_t node, const uint8_t *key,
                         size_t key_len)
{
  cv_bytes copy = CV_BYTES_INIT;
  cv_status st = cv_bytes_set (&copy, key, key_len);
  size_t i;

  if (st != CV_OK)
    return st;
  for (i = 0; i < priv->n && priv->nodes[i] != node; i++)
    ;
  if (i == priv->n)
    {
      if (priv->n == sizeof priv->nodes / sizeof priv->nodes[0])
        {
          cv_bytes_clear (&copy);
          return cv_fail (CV_ERR_STATE, "more private keys than levels of the tree");
        }
      priv->n++;
    }
  cv_bytes_clear (&priv->privs[i]);
  priv->nodes[i] = node;
  priv->privs[i] = copy;
  return CV_OK;
}

/* node_priv = DeriveKeyPair(DeriveSecret(path_secret, "node")). */
static cv_status
node_key_pair (const cv_mls_suite *s, const uint8_t *path_secret, size_t len,
               cv_bytes *priv, cv_bytes *pub)
{
  cv_bytes node_secret = CV_BYTES_INIT;
  cv_status st = cv_mls_derive_secret (s, path_secret, len, "node", &node_secret);

  if (st == CV_OK)
    st = cv_mls_derive_key_pair (s, node_secret.data, node_secret.len, priv, pub);
  cv_bytes_clear (&node_secret);
  return st;
}

cv_status
cv_mls_tree_private_set_path_secret (const cv_mls_suite *s, cv_mls_tree_private *priv,
                                     uint32_t node, const uint8_t *path_secret, size_t len)
{
  cv_bytes sk = CV_BYTES_INIT, pk = CV_BYTES_INIT;
  cv_status st = node_key_pair (s, path_secret, len, &sk, &pk);

  if (st == CV_OK)
    st = cv_mls_tree_private_set (priv, node, sk.data, sk.len);
  cv_bytes_clear (&sk);
  cv_bytes_clear (&pk);
  return st;
}

void
cv_mls_tree_private_prune (cv_mls_tree_private *priv, const cv_mls_tree *t)
{
  size_t kept = 0;

  for (size_t i = 0; i < priv->n; i++)
    {
      if (cv_mls_tree_node_is_blank (t, priv->nodes[i]))
        {
          cv_bytes_clear (&priv->privs[i]);
          continue;
        }
      priv->nodes[kept] = priv->nodes[i];
      priv->privs[kept] = priv->privs[i];
      kept++;
    }
  for (size_t i = kept; i < priv->n; i++)
    memset (&priv->privs[i], 0, sizeof priv->privs[i]);
  priv->n = kept;
}

cv_status
cv_mls_tree_private_check (const cv_mls_tree_private *priv, const cv_mls_tree *t)
{
  const cv_mls_suite *s = cv_mls_tree_suite (t);

  for (size_t i = 0; i < priv->n; i++)
    {
      const cv_bytes *pub = cv_mls_tree_node_encryption_key (t, priv->nodes[i]);
      cv_bytes derived = CV_BYTES_INIT;
      cv_status st;
      bool same;

      if (!pub)
        return cv_fail (CV_ERR_INVALID, "RFC 9420 §7.4: we hold a private key for node %u, "
                        "which is blank", priv->nodes[i]);
      st = cv_hpke_public_key_from_private (s->hpke.kem, priv->privs[i].data, priv->privs[i].len,
                                            &derived);
      if (st != CV_OK)
        return st;
      same = cv_bytes_eq (&derived, pub);
      cv_bytes_clear (&derived);
      if (!same)
        return cv_fail (CV_ERR_INVALID, "RFC 9420 §7.4: our private key for node %u does not "
                        "match its public key", priv->nodes[i]);
    }
  return CV_OK;
}

/* Walks the filtered path from index `from`, deriving each node's key pair
 * from the path secret, checking it against `expected` (the public keys the
 * path or the tree holds) and storing it. Returns the last path secret. */
static cv_status
derive_up (const cv_mls_suite *s, cv_mls_tree_private *priv, const uint32_t *nodes, size_t n,
           size_t from, const cv_bytes *const *expected, cv_bytes *path_secret)
{
  for (size_t k = from; k < n; k++)
    {
      cv_bytes sk = CV_BYTES_INIT, pk = CV_BYTES_INIT, next = CV_BYTES_INIT;
      cv_status st = node_key_pair (s, path_secret->data, path_secret->len, &sk, &pk);
      bool same;

      if (st != CV_OK)
        return st;
      same = expected[k] && cv_bytes_eq (&pk, expected[k]);
      if (same)
        st = cv_mls_tree_private_set (priv, nodes[k], sk.data, sk.len);
      cv_bytes_clear (&sk);
      cv_bytes_clear (&pk);
      if (!same)
        return cv_fail (CV_ERR_INVALID, "RFC 9420 §7.5: the public key of node %u is not the "
                        "one its path secret derives", nodes[k]);
      if (st != CV_OK)
        return st;
      if (k + 1 < n)
        {
          if ((st = cv_mls_derive_secret (s, path_secret->data, path_secret->len, "path", &next))
              != CV_OK)
            return st;
          cv_bytes_clear (path_secret);
          *path_secret = next;
        }
    }
  return CV_OK;
}

cv_status
cv_mls_treekem_join (const cv_mls_tree *t, cv_mls_tree_private *priv, uint32_t committer,
                     const uint8_t *path_secret, size_t len)
{
  const cv_mls_suite *s = cv_mls_tree_suite (t);
  uint32_t nodes[CV_MLS_TREE_MAX_DEPTH], copath[CV_MLS_TREE_MAX_DEPTH], ancestor;
  const cv_bytes *expected[CV_MLS_TREE_MAX_DEPTH];
  cv_bytes ps = CV_BYTES_INIT;
  size_t n, i;
  cv_status st;

  if (len != s->hash_len)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.1: path_secret is %zu bytes, not Nh", len);
  if ((st = cv_mls_tree_filtered_direct_path (t, committer, nodes, copath, &n)) != CV_OK
      || (st = cv_mls_tree_common_ancestor (2 * priv->leaf_index, 2 * committer,
                                            cv_mls_tree_n_leaves (t), &ancestor)) != CV_OK)
    return st;
  for (i = 0; i < n && nodes[i] != ancestor; i++)
    ;
  if (i == n)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.1: a path_secret was sent, but node %u "
                    "is not on the committer's filtered direct path", ancestor);
  for (size_t k = 0; k < n; k++)
    expected[k] = cv_mls_tree_node_encryption_key (t, nodes[k]);
  if ((st = cv_bytes_set (&ps, path_secret, len)) != CV_OK)
    return st;
  st = derive_up (s, priv, nodes, n, i, expected, &ps);
  cv_bytes_clear (&ps);
  return st;
}

/* ---- Committer ---- */

void
cv_mls_treekem_pending_clear (cv_mls_treekem_pending *p)
{
  for (size_t i = 0; i < p->n; i++)
    cv_bytes_clear (&p->path_secrets[i]);
  cv_bytes_clear (&p->commit_secret);
  memset (p, 0, sizeof *p);
}

cv_status
cv_mls_treekem_create_path (cv_mls_tree *t, cv_mls_tree_private *priv, uint32_t sender,
                            const cv_mls_leaf_node *leaf_template,
                            const uint8_t *signature_priv, size_t signature_priv_len,
                            const uint8_t *group_id, size_t group_id_len,
                            const uint8_t *first_path_secret, size_t first_len,
                            cv_mls_treekem_pending *pending)
{
  const cv_mls_suite *s = cv_mls_tree_suite (t);
  cv_bytes pubs[CV_MLS_TREE_MAX_DEPTH], privs[CV_MLS_TREE_MAX_DEPTH];
  cv_bytes leaf_sk = CV_BYTES_INIT, leaf_pk = CV_BYTES_INIT, ps = CV_BYTES_INIT;
  cv_bytes leaf_ph = CV_BYTES_INIT;
  cv_mls_leaf_node leaf;
  cv_mls_tree_private fresh;
  cv_status st;

  memset (pending, 0, sizeof *pending);
  memset (pubs, 0, sizeof pubs);
  memset (privs, 0, sizeof privs);
  memset (&leaf, 0, sizeof leaf);
  memset (&fresh, 0, sizeof fresh);
  if (sender >= cv_mls_tree_n_leaves (t))
    return cv_fail (CV_ERR_ARGUMENT, "leaf %u is outside the tree", sender);
  pending->sender = sender;
  if ((st = cv_mls_tree_filtered_direct_path (t, sender, pending->nodes, pending->copath,
                                              &pending->n)) != CV_OK)
    goto fail;

  /* path_secret[0] fresh, then each from the one below. */
  if (first_path_secret)
    st = cv_bytes_set (&ps, first_path_secret, first_len);
  else if ((st = cv_bytes_alloc (&ps, s->hash_len)) == CV_OK && RAND_bytes (ps.data, (int) ps.len) != 1)
    st = cv_fail (CV_ERR_CRYPTO, "RAND_bytes failed");
  if (st != CV_OK)
    goto fail;
  for (size_t i = 0; i < pending->n; i++)
    {
      cv_bytes next = CV_BYTES_INIT;

      if ((st = cv_bytes_copy (&pending->path_secrets[i], &ps)) != CV_OK
          || (st = node_key_pair (s, ps.data, ps.len, &privs[i], &pubs[i])) != CV_OK
          || (st = cv_mls_derive_secret (s, ps.data, ps.len, "path", &next)) != CV_OK)
        goto fail;
      cv_bytes_clear (&ps);
      ps = next;
    }
  /* commit_secret = path_secret[n]: one step past the root's. */
  pending->commit_secret = ps;
  ps = (cv_bytes) CV_BYTES_INIT;

  if ((st = cv_mls_tree_set_path (t, sender, pubs, pending->n, &leaf_ph)) != CV_OK
      || (st = cv_mls_hpke_key_pair (s, &leaf_sk, &leaf_pk)) != CV_OK
      || (st = cv_mls_leaf_node_copy (&leaf, leaf_template)) != CV_OK)
    goto fail;
  cv_bytes_clear (&leaf.encryption_key);
  leaf.encryption_key = leaf_pk;
  leaf_pk = (cv_bytes) CV_BYTES_INIT;
  cv_bytes_clear (&leaf.parent_hash);
  leaf.parent_hash = leaf_ph;
  leaf_ph = (cv_bytes) CV_BYTES_INIT;
  leaf.source = CV_MLS_LEAF_SOURCE_COMMIT;
  leaf.not_before = leaf.not_after = 0;
  if ((st = cv_mls_leaf_node_sign (s, &leaf, signature_priv, signature_priv_len, group_id,
                                   group_id_len, sender)) != CV_OK
      || (st = cv_mls_tree_set_leaf (t, sender, &leaf)) != CV_OK)
    goto fail;

  /* Our secrets are now the new leaf key and the path's. */
  if ((st = cv_mls_tree_private_init (&fresh, sender, leaf_sk.data, leaf_sk.len)) != CV_OK)
    goto fail;
  for (size_t i = 0; i < pending->n; i++)
    if ((st = cv_mls_tree_private_set (&fresh, pending->nodes[i], privs[i].data, privs[i].len))
        != CV_OK)
      goto fail;
  cv_mls_tree_private_clear (priv);
  *priv = fresh;
  memset (&fresh, 0, sizeof fresh);
  st = CV_OK;
  goto out;

fail:
  cv_mls_treekem_pending_clear (pending);
out:
  for (size_t i = 0; i < CV_MLS_TREE_MAX_DEPTH; i++)
    {
      cv_bytes_clear (&pubs[i]);
      cv_bytes_clear (&privs[i]);
    }
  cv_bytes_clear (&leaf_sk);
  cv_bytes_clear (&leaf_pk);
  cv_bytes_clear (&leaf_ph);
  cv_bytes_clear (&ps);
  cv_mls_leaf_node_clear (&leaf);
  cv_mls_tree_private_clear (&fresh);
  return st;
}

cv_status
cv_mls_treekem_encrypt_path (const cv_mls_tree *t, const cv_mls_treekem_pending *pending,
                             const uint8_t *group_context, size_t group_context_len,
                             const uint32_t *new_leaves, size_t n_new_leaves,
                             cv_mls_update_path *out)
{
  const cv_mls_suite *s = cv_mls_tree_suite (t);
  const cv_mls_leaf_node *leaf = cv_mls_tree_leaf (t, pending->sender);
  cv_status st;

  memset (out, 0, sizeof *out);
  if (!leaf)
    return cv_fail (CV_ERR_STATE, "the committer's leaf is blank");
  if ((st = cv_mls_leaf_node_copy (&out->leaf_node, leaf)) != CV_OK)
    return st;
  out->nodes = calloc (pending->n ? pending->n : 1, sizeof *out->nodes);
  if (!out->nodes)
    {
      st = cv_fail (CV_ERR_NOMEM, "cannot allocate the UpdatePath");
      goto fail;
    }
  out->n_nodes = pending->n;
  for (size_t i = 0; i < pending->n; i++)
    {
      cv_mls_update_path_node *node = &out->nodes[i];
      const cv_bytes *key = cv_mls_tree_node_encryption_key (t, pending->nodes[i]);
      uint32_t *res;
      size_t n_res;

      if (!key)
        {
          st = cv_fail (CV_ERR_STATE, "node %u of the path is blank", pending->nodes[i]);
          goto fail;
        }
      if ((st = cv_bytes_copy (&node->encryption_key, key)) != CV_OK
          || (st = cv_mls_tree_resolution (t, pending->copath[i], new_leaves, n_new_leaves,
                                           &res, &n_res)) != CV_OK)
        goto fail;
      node->encrypted_path_secret = calloc (n_res ? n_res : 1,
                                            sizeof *node->encrypted_path_secret);
      if (!node->encrypted_path_secret)
        {
          free (res);
          st = cv_fail (CV_ERR_NOMEM, "cannot allocate %zu ciphertexts", n_res);
          goto fail;
        }
      node->n_encrypted_path_secret = n_res;
      for (size_t j = 0; j < n_res && st == CV_OK; j++)
        {
          const cv_bytes *to = cv_mls_tree_node_encryption_key (t, res[j]);

          st = cv_mls_encrypt_with_label (s, to->data, to->len, "UpdatePathNode",
                                          group_context, group_context_len,
                                          pending->path_secrets[i].data,
                                          pending->path_secrets[i].len,
                                          &node->encrypted_path_secret[j].kem_output,
                                          &node->encrypted_path_secret[j].ciphertext);
        }
      free (res);
      if (st != CV_OK)
        goto fail;
    }
  return CV_OK;

fail:
  cv_mls_update_path_clear (out);
  return st;
}

cv_status
cv_mls_treekem_path_secret_for (const cv_mls_treekem_pending *pending, uint32_t new_leaf,
                                uint32_t n_leaves, cv_bytes *out)
{
  uint32_t ancestor;
  cv_status st = cv_mls_tree_common_ancestor (2 * pending->sender, 2 * new_leaf, n_leaves,
                                              &ancestor);

  if (st != CV_OK)
    return st;
  for (size_t i = 0; i < pending->n; i++)
    if (pending->nodes[i] == ancestor)
      return cv_bytes_copy (out, &pending->path_secrets[i]);
  return cv_fail (CV_ERR_STATE, "node %u, above leaves %u and %u, is not on the path",
                  ancestor, pending->sender, new_leaf);
}

/* ---- Receiver ---- */

cv_status
cv_mls_treekem_decrypt_path (const cv_mls_tree *t, cv_mls_tree_private *priv, uint32_t sender,
                             const cv_mls_update_path *path,
                             const uint32_t *new_leaves, size_t n_new_leaves,
                             const uint8_t *group_context, size_t group_context_len,
                             cv_bytes *commit_secret, cv_bytes *path_secret)
{
  const cv_mls_suite *s = cv_mls_tree_suite (t);
  uint32_t nodes[CV_MLS_TREE_MAX_DEPTH], copath[CV_MLS_TREE_MAX_DEPTH];
  const cv_bytes *expected[CV_MLS_TREE_MAX_DEPTH];
  uint32_t me = 2 * priv->leaf_index;
  cv_bytes ps = CV_BYTES_INIT, next = CV_BYTES_INIT;
  size_t n, level = SIZE_MAX, slot = SIZE_MAX;
  const cv_bytes *key = NULL;
  cv_status st;

  if (priv->leaf_index == sender)
    return cv_fail (CV_ERR_ARGUMENT, "a committer does not decrypt its own path");
  if ((st = cv_mls_tree_filtered_direct_path (t, sender, nodes, copath, &n)) != CV_OK)
    return st;
  if (path->n_nodes != n)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §7.6: UpdatePath has %zu nodes, the filtered "
                    "direct path %zu", path->n_nodes, n);
  for (size_t i = 0; i < n; i++)
    {
      uint32_t *res;
      size_t n_res;

      if ((st = cv_mls_tree_resolution (t, copath[i], new_leaves, n_new_leaves, &res, &n_res))
          != CV_OK)
        return st;
      if (n_res != path->nodes[i].n_encrypted_path_secret)
        {
          free (res);
          return cv_fail (CV_ERR_INVALID, "RFC 9420 §7.6: node %u has %zu encrypted path "
                          "secrets for a resolution of %zu", nodes[i],
                          path->nodes[i].n_encrypted_path_secret, n_res);
        }
      if (level == SIZE_MAX && in_subtree (copath[i], me))
        {
          level = i;
          for (size_t j = 0; j < n_res && !key; j++)
            if ((key = cv_mls_tree_private_key (priv, res[j])))
              slot = j;
        }
      free (res);
      expected[i] = &path->nodes[i].encryption_key;
    }
  if (level == SIZE_MAX)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §7.5: leaf %u is under no node of the "
                    "committer's filtered direct path", priv->leaf_index);
  if (!key)
    return cv_fail (CV_ERR_STATE, "RFC 9420 §7.5: we hold no private key for the resolution of "
                    "node %u", copath[level]);
  {
    const cv_mls_hpke_ciphertext *c = &path->nodes[level].encrypted_path_secret[slot];

    st = cv_mls_decrypt_with_label (s, key->data, key->len, "UpdatePathNode",
                                    group_context, group_context_len,
                                    c->kem_output.data, c->kem_output.len,
                                    c->ciphertext.data, c->ciphertext.len, &ps);
  }
  if (st != CV_OK)
    {
      char why[400];

      snprintf (why, sizeof why, "%s", cv_status_message ());
      return cv_fail (st, "RFC 9420 §7.6: path secret for node %u: %s", nodes[level], why);
    }
  if (ps.len != s->hash_len)
    {
      cv_bytes_clear (&ps);
      return cv_fail (CV_ERR_INVALID, "RFC 9420 §7.4: path secret of %zu bytes, not Nh", ps.len);
    }
  if (path_secret && (st = cv_bytes_copy (path_secret, &ps)) != CV_OK)
    goto out;
  /* Keys of nodes the commit blanked go; the path's replace the rest. */
  cv_mls_tree_private_prune (priv, t);
  if ((st = derive_up (s, priv, nodes, n, level, expected, &ps)) != CV_OK
      || (st = cv_mls_derive_secret (s, ps.data, ps.len, "path", &next)) != CV_OK)
    goto out;
  *commit_secret = next;
  next = (cv_bytes) CV_BYTES_INIT;

out:
  if (st != CV_OK && path_secret)
    cv_bytes_clear (path_secret);
  cv_bytes_clear (&ps);
  cv_bytes_clear (&next);
  return st;
}

/* tree-validation.json: for each tree, the resolution and tree hash of every
 * node, the parent-hash chains and every leaf signature (RFC 9420 §4.1.1,
 * §7.8, §7.9.2, §7.3), then the whole validation a joiner runs (§12.4.3.1).
 * Each tree is also damaged in ways each rule must catch: a leaf signature,
 * a parent hash, an unmerged leaf, a duplicated key, the expected tree hash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv-mls-tree.h"
#include "cv-test-vectors.h"

static bool
report (const char *what, cv_status st)
{
  if (st != CV_OK)
    fprintf (stderr, "  %s: %s: %s\n", what, cv_status_name (st), cv_status_message ());
  return st == CV_OK;
}

static bool
check_resolutions (const cv_mls_tree *t, JsonArray *want)
{
  if (json_array_get_length (want) != cv_mls_tree_n_nodes (t))
    {
      fprintf (stderr, "  %u resolutions expected, the tree has %u nodes\n",
               json_array_get_length (want), cv_mls_tree_n_nodes (t));
      return false;
    }
  for (guint x = 0; x < json_array_get_length (want); x++)
    {
      JsonArray *w = json_array_get_array_element (want, x);
      uint32_t *res;
      size_t n;
      bool ok;

      if (!report ("resolution", cv_mls_tree_resolution (t, x, NULL, 0, &res, &n)))
        return false;
      ok = n == json_array_get_length (w);
      for (size_t i = 0; ok && i < n; i++)
        ok = res[i] == (uint32_t) json_array_get_int_element (w, i);
      free (res);
      if (!ok)
        {
          fprintf (stderr, "  resolution of node %u differs\n", x);
          return false;
        }
    }
  return true;
}

static bool
check_tree_hashes (cv_mls_tree *t, JsonArray *want)
{
  for (guint x = 0; x < json_array_get_length (want); x++)
    {
      cv_bytes w = CV_BYTES_INIT, got = CV_BYTES_INIT;
      bool ok;

      cv_hex_decode (&w, json_array_get_string_element (want, x));
      ok = report ("tree hash", cv_mls_tree_node_hash (t, x, &got))
           && cv_test_bytes_match ("tree hash", got.data, got.len, &w);
      cv_bytes_clear (&w);
      cv_bytes_clear (&got);
      if (!ok)
        {
          fprintf (stderr, "  tree hash of node %u differs\n", x);
          return false;
        }
    }
  return true;
}

/* A damaged copy of the tree, re-encoded and decoded, must fail validation
 * with the expected status. damage() returns false when the tree offers
 * nothing to damage that way. */
typedef bool (*damage_fn) (cv_bytes *encoded, cv_mls_tree *t);

static bool
expect_refusal (const char *what, cv_mls_tree *t, const cv_mls_tree_check *check,
                cv_status want)
{
  cv_status st = cv_mls_tree_validate (t, check);

  if (st != want)
    {
      fprintf (stderr, "  %s: validation gave %s (%s), expected %s\n", what, cv_status_name (st),
               cv_status_message (), cv_status_name (want));
      return false;
    }
  if (strncmp (cv_status_message (), "RFC 9420", 8) != 0 && strstr (cv_status_message (), "RFC 9420") == NULL)
    {
      fprintf (stderr, "  %s: the refusal does not name its rule: %s\n", what,
               cv_status_message ());
      return false;
    }
  return true;
}

/* Rebuilds the tree with one leaf's signature flipped. */
static bool
check_damage (const cv_mls_suite *s, const cv_bytes *encoded, const cv_mls_tree_check *base)
{
  cv_mls_tree *t = NULL, *copy = NULL;
  cv_mls_tree_check check = *base;
  bool ok = true;

  if (!report ("decode", cv_mls_tree_decode (s, encoded->data, encoded->len, &t)))
    return false;

  /* 1. A leaf signature. */
  {
    uint32_t last = 0;

    for (uint32_t i = 0; i < cv_mls_tree_n_leaves (t); i++)
      if (cv_mls_tree_leaf (t, i))
        last = i;
    cv_mls_leaf_node bad;

    cv_mls_leaf_node_copy (&bad, cv_mls_tree_leaf (t, last));
    bad.signature.data[bad.signature.len / 2] ^= 1;
    cv_mls_tree_copy (t, &copy);
    cv_mls_tree_set_leaf (copy, last, &bad);
    check.tree_hash = NULL;
    /* The signature is also under the tree hashes that parent hashes cover,
     * so the full validation may stop at a parent hash first. */
    if (cv_mls_tree_verify_leaf_signatures (copy, base->group_id, base->group_id_len)
        != CV_ERR_AUTH || cv_mls_tree_validate (copy, &check) == CV_OK)
      {
        fprintf (stderr, "  altered signature of leaf %u was not refused\n", last);
        ok = false;
      }
    cv_mls_tree_free (copy);
    cv_mls_leaf_node_clear (&bad);
  }

  /* 2. The tree hash the GroupContext carries. */
  {
    uint8_t wrong[CV_MLS_MAX_HASH] = { 0 };

    check = *base;
    check.tree_hash = wrong;
    check.tree_hash_len = s->hash_len;
    ok &= expect_refusal ("wrong tree hash", t, &check, CV_ERR_INVALID);
  }

  /* 3. A duplicated encryption key: leaf 0's key on the last leaf. */
  if (cv_mls_tree_member_count (t) >= 2)
    {
      uint32_t last = 0;
      cv_mls_leaf_node dup;

      for (uint32_t i = 1; i < cv_mls_tree_n_leaves (t); i++)
        if (cv_mls_tree_leaf (t, i))
          last = i;
      cv_mls_leaf_node_copy (&dup, cv_mls_tree_leaf (t, last));
      cv_bytes_clear (&dup.encryption_key);
      cv_bytes_copy (&dup.encryption_key, &cv_mls_tree_leaf (t, 0)->encryption_key);
      cv_mls_tree_copy (t, &copy);
      cv_mls_tree_set_leaf (copy, last, &dup);
      check = *base;
      check.tree_hash = NULL;
      ok &= expect_refusal ("duplicate encryption key", copy, &check, CV_ERR_INVALID);
      cv_mls_tree_free (copy);
      cv_mls_leaf_node_clear (&dup);
    }

  /* 4. A lifetime: a key_package leaf checked one second after not_after
   *    (the vectors' lifetimes are long past, so the other checks run with
   *    now = 0, which skips lifetimes). */
  for (uint32_t i = 0; i < cv_mls_tree_n_leaves (t); i++)
    {
      const cv_mls_leaf_node *l = cv_mls_tree_leaf (t, i);

      if (!l || l->source != CV_MLS_LEAF_SOURCE_KEY_PACKAGE || l->not_after == UINT64_MAX)
        continue;
      check = *base;
      check.now = l->not_after + 1;
      ok &= expect_refusal ("expired leaf", t, &check, CV_ERR_INVALID);
      break;
    }

  /* 5. A parent hash: any non-blank parent with its key changed breaks the
   *    chain through it. Done on the encoding: flip a byte of the key. */
  for (uint32_t x = 1; x < cv_mls_tree_n_nodes (t); x += 2)
    {
      const cv_mls_parent_node *p = cv_mls_tree_parent_node (t, x);

      if (!p)
        continue;
      cv_bytes enc = CV_BYTES_INIT;
      cv_mls_tree *bad = NULL;
      uint8_t *hit;

      cv_bytes_copy (&enc, encoded);
      hit = memmem (enc.data, enc.len, p->encryption_key.data, p->encryption_key.len);
      if (hit)
        {
          hit[p->encryption_key.len - 1] ^= 1;
          if (cv_mls_tree_decode (s, enc.data, enc.len, &bad) == CV_OK)
            {
              check = *base;
              check.tree_hash = NULL;
              ok &= expect_refusal ("altered parent key", bad, &check, CV_ERR_INVALID);
              cv_mls_tree_free (bad);
            }
        }
      cv_bytes_clear (&enc);
      break;
    }
  cv_mls_tree_free (t);
  return ok;
}

int
main (void)
{
  JsonNode *root = cv_test_load_json ("mls/tree-validation.json");
  JsonArray *cases = json_node_get_array (root);
  cv_test_tally *tally = cv_test_tally_new ("tree-validation.json");

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *o = json_array_get_object_element (cases, i);
      unsigned suite = (unsigned) json_object_get_int_member (o, "cipher_suite");
      const cv_mls_suite *s;
      cv_bytes tree = cv_test_hex (o, "tree"), group_id = cv_test_hex (o, "group_id");
      cv_bytes root_hash = CV_BYTES_INIT, encoded = CV_BYTES_INIT;
      cv_mls_tree *t = NULL;
      bool ok;

      if (cv_mls_suite_get ((uint16_t) suite, &s) != CV_OK)
        {
          cv_test_tally_skip (tally, suite, cv_status_message ());
          continue;
        }
      ok = report ("decode", cv_mls_tree_decode (s, tree.data, tree.len, &t));
      ok = ok && report ("encode", cv_mls_tree_encode (t, &encoded))
           && cv_test_bytes_match ("re-encoded tree", encoded.data, encoded.len, &tree);
      ok = ok && check_resolutions (t, json_object_get_array_member (o, "resolutions"));
      ok = ok && check_tree_hashes (t, json_object_get_array_member (o, "tree_hashes"));
      ok = ok && report ("parent hashes", cv_mls_tree_verify_parent_hashes (t));
      ok = ok && report ("leaf signatures",
                         cv_mls_tree_verify_leaf_signatures (t, group_id.data, group_id.len));
      ok = ok && report ("root hash", cv_mls_tree_hash (t, &root_hash));
      if (ok)
        {
          cv_mls_tree_check check = {
            .group_id = group_id.data, .group_id_len = group_id.len,
            .tree_hash = root_hash.data, .tree_hash_len = root_hash.len,
          };

          ok = report ("full validation", cv_mls_tree_validate (t, &check))
               && check_damage (s, &tree, &check);
        }
      if (!ok)
        fprintf (stderr, "case %u (suite %u) failed\n", i, suite);
      cv_test_tally_add (tally, suite, ok);
      cv_mls_tree_free (t);
      cv_bytes_clear (&tree);
      cv_bytes_clear (&group_id);
      cv_bytes_clear (&root_hash);
      cv_bytes_clear (&encoded);
    }
  json_node_unref (root);
  return cv_test_tally_finish (tally);
}

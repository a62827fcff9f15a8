/* tree-operations.json: Add, Update and Remove applied to a tree give the
 * expected tree, byte for byte, and tree hash (RFC 9420 §12.1, §7.7, §7.8).
 * The tree hash after the change comes from the cached hashes that the
 * change left valid; it is compared with one recomputed from scratch.
 * The vectors are of suite 1 only; for every suite, a long sequence of
 * adds, removes, updates and paths on a generated tree checks after each
 * step that the incrementally kept hash equals a fresh computation. */
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

static cv_status
apply (cv_mls_tree *t, const cv_mls_proposal *p, uint32_t sender)
{
  uint32_t index;

  switch (p->type)
    {
    case CV_MLS_PROPOSAL_ADD:
      return cv_mls_tree_add_leaf (t, &p->add.leaf_node, &index);
    case CV_MLS_PROPOSAL_UPDATE:
      return cv_mls_tree_update_leaf (t, sender, &p->update);
    case CV_MLS_PROPOSAL_REMOVE:
      return cv_mls_tree_remove_leaf (t, p->remove);
    default:
      return cv_fail (CV_ERR_UNSUPPORTED, "proposal type %u does not change the tree", p->type);
    }
}


/* A syntactically valid leaf with made-up keys: hashing does not care. */
static void
make_leaf (cv_mls_leaf_node *l, uint32_t tag, uint8_t source)
{
  static const uint16_t caps[] = { 1 };
  uint8_t key[32];

  memset (l, 0, sizeof *l);
  for (size_t i = 0; i < sizeof key; i++)
    key[i] = (uint8_t) (tag * 131 + i * 7 + source);
  cv_bytes_set (&l->encryption_key, key, sizeof key);
  key[0] ^= 0xff;
  cv_bytes_set (&l->signature_key, key, sizeof key);
  l->credential.type = CV_MLS_CREDENTIAL_BASIC;
  cv_bytes_set (&l->credential.identity, (const uint8_t *) &tag, sizeof tag);
  cv_mls_u16_list_set (&l->capabilities.versions, caps, 1);
  cv_mls_u16_list_set (&l->capabilities.credentials, caps, 1);
  l->source = source;
  l->not_after = UINT64_MAX;
  cv_bytes_set (&l->signature, key, 8);
}

static bool
same_as_fresh (const cv_mls_suite *s, cv_mls_tree *t, const char *after)
{
  cv_bytes enc = CV_BYTES_INIT, h1 = CV_BYTES_INIT, h2 = CV_BYTES_INIT;
  cv_mls_tree *fresh = NULL;
  bool ok = report ("hash", cv_mls_tree_hash (t, &h1))
            && report ("encode", cv_mls_tree_encode (t, &enc))
            && report ("decode", cv_mls_tree_decode (s, enc.data, enc.len, &fresh))
            && report ("fresh hash", cv_mls_tree_hash (fresh, &h2))
            && cv_bytes_eq (&h1, &h2);

  if (!ok)
    fprintf (stderr, "  suite %u: cached tree hash differs from a fresh one after %s\n", s->id,
             after);
  cv_mls_tree_free (fresh);
  cv_bytes_clear (&enc);
  cv_bytes_clear (&h1);
  cv_bytes_clear (&h2);
  return ok;
}

static bool
check_incremental (const cv_mls_suite *s)
{
  cv_mls_tree *t = cv_mls_tree_new (s), *copy = NULL;
  uint32_t rng = 12345, tag = 1, index;
  bool ok = true;

  for (int step = 0; step < 400 && ok; step++)
    {
      uint32_t n = cv_mls_tree_n_leaves (t), pick;
      cv_mls_leaf_node l;
      const char *what;

      rng = rng * 1103515245 + 12345;
      pick = n ? (rng >> 8) % n : 0;
      switch ((rng >> 4) % 5)
        {
        case 0:
        case 1:
          make_leaf (&l, tag++, CV_MLS_LEAF_SOURCE_KEY_PACKAGE);
          ok = report ("add", cv_mls_tree_add_leaf (t, &l, &index));
          cv_mls_leaf_node_clear (&l);
          what = "an add";
          break;
        case 2:
          if (!cv_mls_tree_leaf (t, pick) || cv_mls_tree_member_count (t) < 2)
            continue;
          ok = report ("remove", cv_mls_tree_remove_leaf (t, pick));
          what = "a remove";
          break;
        case 3:
          if (!cv_mls_tree_leaf (t, pick))
            continue;
          make_leaf (&l, tag++, CV_MLS_LEAF_SOURCE_UPDATE);
          ok = report ("update", cv_mls_tree_update_leaf (t, pick, &l));
          cv_mls_leaf_node_clear (&l);
          what = "an update";
          break;
        default:
          {
            uint32_t path[CV_MLS_TREE_MAX_DEPTH], copath[CV_MLS_TREE_MAX_DEPTH];
            cv_bytes keys[CV_MLS_TREE_MAX_DEPTH], ph = CV_BYTES_INIT;
            size_t len;

            if (!cv_mls_tree_leaf (t, pick))
              continue;
            /* The filtered path once the direct path is blank. */
            cv_mls_tree_copy (t, &copy);
            make_leaf (&l, tag++, CV_MLS_LEAF_SOURCE_COMMIT);
            cv_mls_tree_update_leaf (copy, pick, &l);
            cv_mls_leaf_node_clear (&l);
            cv_mls_tree_filtered_direct_path (copy, pick, path, copath, &len);
            cv_mls_tree_free (copy);
            for (size_t i = 0; i < len; i++)
              {
                make_leaf (&l, tag++, 0);
                keys[i] = l.encryption_key;
                l.encryption_key = (cv_bytes) CV_BYTES_INIT;
                cv_mls_leaf_node_clear (&l);
              }
            ok = report ("path", cv_mls_tree_set_path (t, pick, keys, len, &ph));
            make_leaf (&l, tag++, CV_MLS_LEAF_SOURCE_COMMIT);
            l.parent_hash = ph;
            ok = ok && report ("leaf", cv_mls_tree_set_leaf (t, pick, &l));
            cv_mls_leaf_node_clear (&l);
            for (size_t i = 0; i < len; i++)
              cv_bytes_clear (&keys[i]);
            what = "a path";
            /* A path whose leaf carries the parent hash is parent-hash
             * valid all the way up. */
            ok = ok && report ("parent hashes after a path", cv_mls_tree_verify_parent_hashes (t));
          }
          break;
        }
      ok = ok && same_as_fresh (s, t, what);
    }
  cv_mls_tree_free (t);
  return ok;
}

int
main (void)
{
  JsonNode *root = cv_test_load_json ("mls/tree-operations.json");
  JsonArray *cases = json_node_get_array (root);
  cv_test_tally *tally = cv_test_tally_new ("tree-operations.json");

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *o = json_array_get_object_element (cases, i);
      unsigned suite = (unsigned) json_object_get_int_member (o, "cipher_suite");
      const cv_mls_suite *s;
      cv_bytes before = cv_test_hex (o, "tree_before"), after = cv_test_hex (o, "tree_after");
      cv_bytes hash_before = cv_test_hex (o, "tree_hash_before");
      cv_bytes hash_after = cv_test_hex (o, "tree_hash_after"), prop = cv_test_hex (o, "proposal");
      cv_bytes got = CV_BYTES_INIT, enc = CV_BYTES_INIT, fresh_hash = CV_BYTES_INIT;
      cv_mls_tree *t = NULL, *fresh = NULL;
      cv_mls_proposal p;
      bool ok;

      memset (&p, 0, sizeof p);
      if (cv_mls_suite_get ((uint16_t) suite, &s) != CV_OK)
        {
          cv_test_tally_skip (tally, suite, cv_status_message ());
          continue;
        }
      ok = report ("decode", cv_mls_tree_decode (s, before.data, before.len, &t))
           && report ("tree hash before", cv_mls_tree_hash (t, &got))
           && cv_test_bytes_match ("tree hash before", got.data, got.len, &hash_before);
      cv_bytes_clear (&got);
      ok = ok && report ("proposal", cv_mls_proposal_parse (prop.data, prop.len, &p))
           && report ("apply", apply (t, &p, (uint32_t) json_object_get_int_member (o, "proposal_sender")))
           && report ("encode", cv_mls_tree_encode (t, &enc))
           && cv_test_bytes_match ("tree after", enc.data, enc.len, &after)
           && report ("tree hash after", cv_mls_tree_hash (t, &got))
           && cv_test_bytes_match ("tree hash after", got.data, got.len, &hash_after)
           && report ("decode after", cv_mls_tree_decode (s, after.data, after.len, &fresh))
           && report ("fresh hash", cv_mls_tree_hash (fresh, &fresh_hash))
           && cv_test_bytes_match ("cached vs fresh hash", got.data, got.len, &fresh_hash);
      if (!ok)
        fprintf (stderr, "case %u failed\n", i);
      cv_test_tally_add (tally, suite, ok);
      cv_mls_proposal_clear (&p);
      cv_mls_tree_free (t);
      cv_mls_tree_free (fresh);
      cv_bytes_clear (&before);
      cv_bytes_clear (&after);
      cv_bytes_clear (&hash_before);
      cv_bytes_clear (&hash_after);
      cv_bytes_clear (&prop);
      cv_bytes_clear (&got);
      cv_bytes_clear (&enc);
      cv_bytes_clear (&fresh_hash);
    }
  for (uint16_t id = 1; id <= 7; id++)
    {
      const cv_mls_suite *s;

      if (cv_mls_suite_get (id, &s) != CV_OK)
        cv_test_tally_skip (tally, id, cv_status_message ());
      else
        cv_test_tally_add (tally, id, check_incremental (s));
    }
  json_node_unref (root);
  return cv_test_tally_finish (tally);
}

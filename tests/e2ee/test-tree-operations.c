/* tree-operations.json: Add, Update and Remove applied to a tree give the
 * expected tree, byte for byte, and tree hash (RFC 9420 §12.1, §7.7, §7.8).
 * The tree hash after the change comes from the cached hashes that the
 * change left valid; it is compared with one recomputed from scratch. */
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
  json_node_unref (root);
  return cv_test_tally_finish (tally);
}

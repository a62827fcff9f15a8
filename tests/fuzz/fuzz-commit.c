/* Fuzzes Commit parsing (RFC 9420 §12.4) with its proposals and UpdatePath:
 * canonical round trip, then the path is merged into a small fixed tree and
 * decrypted, which must fail cleanly (or succeed consistently). The input is
 * a Commit; its first byte, when the rest does not parse, is tried as a
 * proposal body type for the seven proposal types. */
#include <stdint.h>
#include <stdlib.h>

#include "cv-mls-tree.h"
#include "cv-mls-treekem.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
round_trip_proposal (const uint8_t *data, size_t size)
{
  cv_mls_proposal p;
  cv_bytes again = CV_BYTES_INIT;

  if (size < 1 || cv_mls_proposal_parse_body ((uint16_t) (data[0] % 7 + 1), data + 1, size - 1, &p)
                  != CV_OK)
    return;
  if (cv_mls_proposal_serialize_body (&p, &again) != CV_OK
      || !cv_bytes_equal_ct (again.data, again.len, data + 1, size - 1))
    abort ();
  cv_bytes_clear (&again);
  cv_mls_proposal_clear (&p);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cv_mls_commit c;
  cv_bytes again = CV_BYTES_INIT;

  round_trip_proposal (data, size);
  if (cv_mls_commit_parse (data, size, &c) != CV_OK)
    return 0;
  if (cv_mls_commit_serialize (&c, &again) != CV_OK
      || !cv_bytes_equal_ct (again.data, again.len, data, size))
    abort ();
  if (c.has_path)
    {
      /* A tree of two leaves whose leaf 0 is the path's own leaf: merging
       * it as sender 1 exercises filtered paths, key checks, parent hashes. */
      const cv_mls_suite *s;
      cv_mls_tree *t;
      uint32_t index;

      cv_mls_suite_get (1, &s);
      t = cv_mls_tree_new (s);
      if (t && cv_mls_tree_add_leaf (t, &c.path.leaf_node, &index) == CV_OK
          && cv_mls_tree_add_leaf (t, &c.path.leaf_node, &index) == CV_OK)
        {
          cv_bytes h = CV_BYTES_INIT;

          (void) cv_mls_tree_merge_update_path (t, 1, &c.path);
          (void) cv_mls_tree_hash (t, &h);
          cv_bytes_clear (&h);
        }
      cv_mls_tree_free (t);
    }
  cv_bytes_clear (&again);
  cv_mls_commit_clear (&c);
  return 0;
}

/* Fuzzes the ratchet_tree extension (RFC 9420 §12.4.3.3): decoding, the
 * canonical re-encoding, and the whole validation of §12.4.3.1 (tree hashes,
 * resolutions, parent-hash chains, unmerged leaves, duplicate keys, leaf
 * signatures) on trees nobody signed, which must fail cleanly. Then a few
 * changes (add, update, remove) keep the cached hashes equal to fresh ones. */
#include <stdint.h>
#include <stdlib.h>

#include "cv-mls-tree.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const cv_mls_suite *s;
  cv_mls_tree *t = NULL, *fresh = NULL;
  cv_bytes again = CV_BYTES_INIT, h1 = CV_BYTES_INIT, h2 = CV_BYTES_INIT;
  static const uint8_t group_id[] = "fuzz";
  cv_mls_tree_check check = { .group_id = group_id, .group_id_len = sizeof group_id - 1 };

  cv_mls_suite_get (1, &s);
  if (cv_mls_tree_decode (s, data, size, &t) != CV_OK)
    return 0;
  if (cv_mls_tree_encode (t, &again) != CV_OK
      || !cv_bytes_equal_ct (again.data, again.len, data, size))
    abort ();
  cv_bytes_clear (&again);
  (void) cv_mls_tree_validate (t, &check);

  /* Remove the first member, add it back at the leftmost blank, update the
   * last one: the incrementally kept hash must equal a fresh computation. */
  for (uint32_t i = 0; i < cv_mls_tree_n_leaves (t); i++)
    {
      const cv_mls_leaf_node *l = cv_mls_tree_leaf (t, i);
      cv_mls_leaf_node copy;
      uint32_t index;

      if (!l || cv_mls_leaf_node_copy (&copy, l) != CV_OK)
        continue;
      if (cv_mls_tree_remove_leaf (t, i) == CV_OK && cv_mls_tree_n_leaves (t) > 0)
        (void) cv_mls_tree_add_leaf (t, &copy, &index);
      (void) cv_mls_tree_update_leaf (t, cv_mls_tree_n_leaves (t) - 1, &copy);
      cv_mls_leaf_node_clear (&copy);
      break;
    }
  if (cv_mls_tree_hash (t, &h1) == CV_OK && cv_mls_tree_encode (t, &again) == CV_OK
      && cv_mls_tree_decode (s, again.data, again.len, &fresh) == CV_OK)
    {
      if (cv_mls_tree_hash (fresh, &h2) != CV_OK || !cv_bytes_eq (&h1, &h2))
        abort ();
    }
  cv_mls_tree_free (fresh);
  cv_mls_tree_free (t);
  cv_bytes_clear (&again);
  cv_bytes_clear (&h1);
  cv_bytes_clear (&h2);
  return 0;
}

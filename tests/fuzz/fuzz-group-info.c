/* Fuzzes MLSMessage(GroupInfo) parsing (RFC 9420 §12.4.3): canonical round
 * trip, the extensions a joiner reads (ratchet_tree, external_pub,
 * external_senders, required_capabilities), and a signature check that
 * must fail cleanly. */
#include <stdint.h>
#include <stdlib.h>

#include "cv-mls-tree.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* An Ed25519 public key (RFC 8032 test 1); the signature will not verify. */
static const uint8_t signer_pub[32] = {
  0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
  0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
};

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cv_mls_group_info gi;
  cv_bytes again = CV_BYTES_INIT;
  const cv_mls_suite *s;
  const cv_mls_extension *e;

  if (cv_mls_group_info_parse_message (data, size, &gi) != CV_OK)
    return 0;
  if (cv_mls_group_info_serialize_message (&gi, &again) != CV_OK
      || !cv_bytes_equal_ct (again.data, again.len, data, size))
    abort ();
  if (cv_mls_suite_get (gi.context.cipher_suite, &s) != CV_OK)
    cv_mls_suite_get (1, &s);
  (void) cv_mls_group_info_verify (s, &gi, signer_pub, sizeof signer_pub);
  if ((e = cv_mls_extension_list_find (&gi.extensions, CV_MLS_EXT_RATCHET_TREE)))
    {
      cv_mls_tree *t = NULL;

      if (cv_mls_tree_decode (s, e->data.data, e->data.len, &t) == CV_OK)
        {
          cv_mls_tree_check check = {
            .group_id = gi.context.group_id, .group_id_len = gi.context.group_id_len,
            .tree_hash = gi.context.tree_hash, .tree_hash_len = gi.context.tree_hash_len,
            .context_extensions = &gi.context_extensions,
          };

          (void) cv_mls_tree_validate (t, &check);
          cv_mls_tree_free (t);
        }
    }
  if ((e = cv_mls_extension_list_find (&gi.extensions, CV_MLS_EXT_EXTERNAL_PUB)))
    {
      const uint8_t *key;
      size_t len;

      (void) cv_mls_external_pub_parse (e->data.data, e->data.len, &key, &len);
    }
  if ((e = cv_mls_extension_list_find (&gi.context_extensions, CV_MLS_EXT_EXTERNAL_SENDERS)))
    {
      cv_mls_external_senders es;

      if (cv_mls_external_senders_parse (e->data.data, e->data.len, &es) == CV_OK)
        cv_mls_external_senders_clear (&es);
    }
  if ((e = cv_mls_extension_list_find (&gi.context_extensions,
                                       CV_MLS_EXT_REQUIRED_CAPABILITIES)))
    {
      cv_mls_required_capabilities rc;

      if (cv_mls_required_capabilities_parse (e->data.data, e->data.len, &rc) == CV_OK)
        cv_mls_required_capabilities_clear (&rc);
    }
  cv_bytes_clear (&again);
  cv_mls_group_info_clear (&gi);
  return 0;
}

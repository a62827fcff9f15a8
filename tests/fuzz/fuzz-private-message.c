/* Fuzzes PrivateMessage parsing and unprotection (RFC 9420 §6.3) under
 * fixed epoch keys: whatever arrives, parse and open return an error or an
 * AuthenticatedContent, never crash, leak or read out of bounds.
 *
 * Input: byte 0 picks the suite (1-7); byte 1 the mode:
 *   even: the rest is an MLSMessage, parsed and opened as it is;
 *   odd:  the rest is content type, sender leaf, generation, a 4-byte
 *         reuse_guard and a PrivateMessageContent plaintext, which is
 *         encrypted here with the genuine keys, so that fuzzed plaintexts
 *         reach the content parser (random ciphertexts never pass the AEAD).
 * Whatever opens must re-parse from its AuthenticatedContent bytes, and
 * sealed again by the sender, open to the very same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cv-mls-codec.h"
#include "cv-mls-framing.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

enum { N_SUITES = 7, N_LEAVES = 4 };

static const uint8_t group_id[] = "fuzz group";
static const uint8_t group_context[] = "a GroupContext, opaque to framing";
static const uint64_t epoch = 7;

static struct {
  bool ready;
  const cv_mls_suite *suite;
  uint8_t encryption_secret[64];
  uint8_t sender_data_secret[64];
  cv_bytes sig_priv, sig_pub;
} fx[N_SUITES];

static bool
setup (unsigned i)
{
  if (fx[i].ready)
    return true;
  if (cv_mls_suite_get ((uint16_t) (i + 1), &fx[i].suite) != CV_OK)
    return false;
  for (size_t k = 0; k < 64; k++)
    {
      fx[i].encryption_secret[k] = (uint8_t) (k * 3 + i);
      fx[i].sender_data_secret[k] = (uint8_t) (k * 5 + 1);
    }
  if (cv_mls_signature_key_pair (fx[i].suite, &fx[i].sig_priv, &fx[i].sig_pub) != CV_OK)
    return false;
  fx[i].ready = true;
  return true;
}

static cv_mls_framing_keys
keys_for (unsigned i, cv_mls_secret_tree *tree)
{
  cv_mls_framing_keys k = {
    .suite = fx[i].suite,
    .group_id = group_id, .group_id_len = sizeof group_id - 1,
    .epoch = epoch,
    .group_context = group_context, .group_context_len = sizeof group_context - 1,
    .sender_data_secret = fx[i].sender_data_secret,
    .sender_data_secret_len = fx[i].suite->hash_len,
    .secret_tree = tree,
  };
  return k;
}

static cv_mls_secret_tree *
new_tree (unsigned i)
{
  cv_mls_secret_tree *t = NULL;

  if (cv_mls_secret_tree_new (fx[i].suite, fx[i].encryption_secret, fx[i].suite->hash_len,
                              N_LEAVES, &t) != CV_OK)
    abort ();
  return t;
}

/* A PrivateMessage around a fuzzed plaintext, encrypted as a sender would. */
static bool
encrypt_plaintext (unsigned i, const uint8_t *data, size_t size, cv_bytes *out)
{
  const cv_mls_suite *s = fx[i].suite;
  uint8_t content_type, leaf, generation, sd[12], sd_key[32], sd_nonce[12], nonce[12];
  const uint8_t *guard, *plain;
  cv_mls_secret_tree *tree;
  cv_mls_ratchet_key k;
  cv_bytes aad = CV_BYTES_INIT, sd_aad = CV_BYTES_INIT, ct = CV_BYTES_INIT, esd = CV_BYTES_INIT;
  cv_mls_writer w;
  bool ok = false;

  if (size < 7)
    return false;
  content_type = (uint8_t) (1 + data[0] % 3);
  leaf = data[1] % N_LEAVES;
  generation = data[2] % 8;
  guard = data + 3;
  plain = data + 7;
  tree = new_tree (i);
  if (cv_mls_secret_tree_get_key (tree, leaf,
                                  content_type == CV_MLS_CONTENT_TYPE_APPLICATION
                                    ? CV_MLS_RATCHET_APPLICATION : CV_MLS_RATCHET_HANDSHAKE,
                                  generation, &k) != CV_OK)
    abort ();
  cv_mls_secret_tree_free (tree);
  memcpy (nonce, k.nonce, s->nonce_len);
  for (int j = 0; j < 4; j++)
    nonce[j] ^= guard[j];
  memset (sd, 0, sizeof sd);
  sd[3] = leaf;
  sd[7] = generation;
  memcpy (sd + 8, guard, 4);

  cv_mls_writer_init (&w);
  cv_mls_write_opaque (&w, group_id, sizeof group_id - 1);
  cv_mls_write_u64 (&w, epoch);
  cv_mls_write_u8 (&w, content_type);
  cv_mls_writer_finish (&w, &sd_aad);
  cv_bytes_copy (&aad, &sd_aad);
  cv_bytes_append (&aad, (const uint8_t *) "", 1); /* authenticated_data<V>, empty */
  if (cv_mls_aead_seal (s, k.key, nonce, aad.data, aad.len, plain, size - 7, &ct) == CV_OK
      && cv_mls_sender_data_key_nonce (s, fx[i].sender_data_secret, s->hash_len, ct.data,
                                       ct.len, sd_key, sd_nonce) == CV_OK
      && cv_mls_aead_seal (s, sd_key, sd_nonce, sd_aad.data, sd_aad.len, sd, sizeof sd, &esd)
         == CV_OK)
    {
      cv_mls_writer_init (&w);
      cv_mls_write_u16 (&w, 1);
      cv_mls_write_u16 (&w, CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE);
      cv_mls_write_fixed (&w, aad.data, aad.len);
      cv_mls_write_opaque (&w, esd.data, esd.len);
      cv_mls_write_opaque (&w, ct.data, ct.len);
      ok = cv_mls_writer_finish (&w, out) == CV_OK;
    }
  cv_mls_ratchet_key_clear (&k);
  cv_bytes_clear (&aad);
  cv_bytes_clear (&sd_aad);
  cv_bytes_clear (&ct);
  cv_bytes_clear (&esd);
  return ok;
}

/* What opened must be consistent: it re-parses, and the sender's seal of it
 * opens to the same AuthenticatedContent. */
static void
check_opened (unsigned i, const cv_mls_authenticated_content *ac)
{
  cv_mls_authenticated_content again, reopened;
  cv_mls_secret_tree *sender = new_tree (i), *receiver = new_tree (i);
  cv_mls_framing_keys sk = keys_for (i, sender), rk = keys_for (i, receiver);
  cv_mls_authenticated_content copy;
  cv_mls_message msg;
  cv_bytes sealed = CV_BYTES_INIT;

  if (cv_mls_authenticated_content_parse (ac->bytes.data, ac->bytes.len, &again) != CV_OK
      || again.content_len != ac->content_len || again.sender.index != ac->sender.index)
    abort ();
  cv_mls_authenticated_content_clear (&again);
  /* The signature is random: it must not verify. */
  if (cv_mls_framing_verify (&rk, ac, fx[i].sig_pub.data, fx[i].sig_pub.len) == CV_OK)
    abort ();

  if (cv_mls_authenticated_content_parse (ac->bytes.data, ac->bytes.len, &copy) != CV_OK)
    abort ();
  sk.padding_block = 1 + ac->content_len % 64;
  if (cv_mls_framing_seal (&sk, &copy, &sealed) != CV_OK
      || cv_mls_message_parse (sealed.data, sealed.len, &msg) != CV_OK
      || cv_mls_framing_open (&rk, &msg, &reopened) != CV_OK
      || reopened.bytes.len != ac->bytes.len
      || memcmp (reopened.bytes.data, ac->bytes.data, ac->bytes.len) != 0)
    abort ();
  cv_mls_authenticated_content_clear (&reopened);
  cv_mls_authenticated_content_clear (&copy);
  cv_bytes_clear (&sealed);
  cv_mls_secret_tree_free (sender);
  cv_mls_secret_tree_free (receiver);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  unsigned i;
  cv_mls_secret_tree *tree;
  cv_mls_framing_keys keys;
  cv_mls_message msg;
  cv_mls_authenticated_content ac;
  cv_bytes built = CV_BYTES_INIT;
  const uint8_t *m = data + 2;
  size_t m_len = size - 2;

  if (size < 2)
    return 0;
  i = data[0] % N_SUITES;
  if (!setup (i))
    abort ();
  if (data[1] & 1)
    {
      if (!encrypt_plaintext (i, data + 2, size - 2, &built))
        return 0;
      m = built.data;
      m_len = built.len;
    }
  tree = new_tree (i);
  keys = keys_for (i, tree);
  if (cv_mls_message_parse (m, m_len, &msg) == CV_OK
      && cv_mls_framing_open (&keys, &msg, &ac) == CV_OK)
    {
      check_opened (i, &ac);
      cv_mls_authenticated_content_clear (&ac);
    }
  cv_mls_secret_tree_free (tree);
  cv_bytes_clear (&built);
  return 0;
}

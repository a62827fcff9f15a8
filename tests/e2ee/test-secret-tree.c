/* secret-tree.json: sender-data key and nonce, then the handshake and
 * application keys and nonces of every listed generation of every leaf
 * (RFC 9420 §9), per cipher suite. Then the ratchet rules the vectors do not
 * cover: a sender's keys equal a receiver's, out-of-order delivery within the
 * window, refusal of replays, of keys behind the window and of jumps beyond
 * the forward bound, bad tree sizes and leaves, and a 1024-leaf tree. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cv-mls-secret-tree.h"
#include "cv-test-vectors.h"

static int failures;

#define CHECK(cond) \
  do { if (!(cond)) { fprintf (stderr, "%s:%d: CHECK failed: %s (%s)\n", __FILE__, __LINE__, \
                               #cond, cv_status_message ()); failures++; } } while (0)

static bool
check_key (const char *what, uint32_t leaf, const cv_mls_ratchet_key *k, JsonObject *e,
           const char *key_name, const char *nonce_name)
{
  cv_bytes want_key = cv_test_hex (e, key_name), want_nonce = cv_test_hex (e, nonce_name);
  bool ok = cv_test_bytes_match (what, k->key, k->key_len, &want_key)
            && cv_test_bytes_match (what, k->nonce, k->nonce_len, &want_nonce);

  if (!ok)
    fprintf (stderr, "  leaf %u generation %u (%s)\n", leaf, k->generation, what);
  cv_bytes_clear (&want_key);
  cv_bytes_clear (&want_nonce);
  return ok;
}

static bool
run_vector (const cv_mls_suite *s, JsonObject *o)
{
  JsonObject *sd = json_object_get_object_member (o, "sender_data");
  cv_bytes sd_secret = cv_test_hex (sd, "sender_data_secret");
  cv_bytes sd_ct = cv_test_hex (sd, "ciphertext");
  cv_bytes want_key = cv_test_hex (sd, "key"), want_nonce = cv_test_hex (sd, "nonce");
  cv_bytes enc = cv_test_hex (o, "encryption_secret");
  JsonArray *leaves = json_object_get_array_member (o, "leaves");
  uint32_t n_leaves = json_array_get_length (leaves);
  uint8_t key[CV_MLS_MAX_AEAD_KEY], nonce[CV_MLS_MAX_AEAD_NONCE];
  cv_mls_secret_tree *tree = NULL;
  bool ok = true;

  if (cv_mls_sender_data_key_nonce (s, sd_secret.data, sd_secret.len, sd_ct.data, sd_ct.len,
                                    key, nonce) != CV_OK
      || !cv_test_bytes_match ("sender_data key", key, s->key_len, &want_key)
      || !cv_test_bytes_match ("sender_data nonce", nonce, s->nonce_len, &want_nonce))
    ok = false;

  if (cv_mls_secret_tree_new (s, enc.data, enc.len, n_leaves, &tree) != CV_OK)
    {
      fprintf (stderr, "  tree of %u leaves: %s\n", n_leaves, cv_status_message ());
      ok = false;
    }
  for (uint32_t i = 0; tree != NULL && i < n_leaves; i++)
    {
      JsonArray *gens = json_array_get_array_element (leaves, i);

      for (guint j = 0; j < json_array_get_length (gens); j++)
        {
          JsonObject *e = json_array_get_object_element (gens, j);
          uint32_t g = (uint32_t) json_object_get_int_member (e, "generation");
          cv_mls_ratchet_key k;

          if (cv_mls_secret_tree_get_key (tree, i, CV_MLS_RATCHET_HANDSHAKE, g, &k) != CV_OK
              || !check_key ("handshake", i, &k, e, "handshake_key", "handshake_nonce"))
            ok = false;
          cv_mls_secret_tree_erase_key (tree, i, CV_MLS_RATCHET_HANDSHAKE, g);
          if (cv_mls_secret_tree_get_key (tree, i, CV_MLS_RATCHET_APPLICATION, g, &k) != CV_OK
              || !check_key ("application", i, &k, e, "application_key", "application_nonce"))
            ok = false;
          cv_mls_secret_tree_erase_key (tree, i, CV_MLS_RATCHET_APPLICATION, g);
          cv_mls_ratchet_key_clear (&k);
          /* Used keys are gone. */
          if (cv_mls_secret_tree_get_key (tree, i, CV_MLS_RATCHET_HANDSHAKE, g, &k) != CV_ERR_STATE)
            ok = false;
        }
    }
  cv_mls_secret_tree_free (tree);
  cv_bytes_clear (&sd_secret);
  cv_bytes_clear (&sd_ct);
  cv_bytes_clear (&want_key);
  cv_bytes_clear (&want_nonce);
  cv_bytes_clear (&enc);
  return ok;
}

static bool
same_key (const cv_mls_ratchet_key *a, const cv_mls_ratchet_key *b)
{
  return a->generation == b->generation && a->key_len == b->key_len
         && memcmp (a->key, b->key, a->key_len) == 0 && memcmp (a->nonce, b->nonce, a->nonce_len) == 0;
}

static void
check_ratchet_rules (const cv_mls_suite *s)
{
  uint8_t secret[64];
  cv_mls_secret_tree *sender = NULL, *receiver = NULL, *t = NULL;
  cv_mls_ratchet_key sent[40], k;

  for (size_t i = 0; i < s->hash_len; i++)
    secret[i] = (uint8_t) (i * 7 + 1);
  CHECK (cv_mls_secret_tree_new (s, secret, s->hash_len, 4, &sender) == CV_OK);
  CHECK (cv_mls_secret_tree_new (s, secret, s->hash_len, 4, &receiver) == CV_OK);
  if (sender == NULL || receiver == NULL)
    goto out;

  /* A sender's generations come out in order and match the receiver's. */
  for (uint32_t g = 0; g < 40; g++)
    {
      CHECK (cv_mls_secret_tree_next_key (sender, 3, CV_MLS_RATCHET_APPLICATION, &sent[g]) == CV_OK);
      CHECK (sent[g].generation == g);
    }
  /* Out of order: 39 first, then 5, then 0..38 except 5. */
  CHECK (cv_mls_secret_tree_get_key (receiver, 3, CV_MLS_RATCHET_APPLICATION, 39, &k) == CV_OK
         && same_key (&k, &sent[39]));
  cv_mls_secret_tree_erase_key (receiver, 3, CV_MLS_RATCHET_APPLICATION, 39);
  CHECK (cv_mls_secret_tree_get_key (receiver, 3, CV_MLS_RATCHET_APPLICATION, 5, &k) == CV_OK
         && same_key (&k, &sent[5]));
  cv_mls_secret_tree_erase_key (receiver, 3, CV_MLS_RATCHET_APPLICATION, 5);
  for (uint32_t g = 0; g < 39; g++)
    {
      cv_status st = cv_mls_secret_tree_get_key (receiver, 3, CV_MLS_RATCHET_APPLICATION, g, &k);
      if (g == 5)
        CHECK (st == CV_ERR_STATE);
      else
        CHECK (st == CV_OK && same_key (&k, &sent[g]));
      /* Asking twice before erasing gives the same key (a forged message
       * under that generation does not destroy it). */
      if (g == 7)
        CHECK (cv_mls_secret_tree_get_key (receiver, 3, CV_MLS_RATCHET_APPLICATION, g, &k) == CV_OK
               && same_key (&k, &sent[g]));
      cv_mls_secret_tree_erase_key (receiver, 3, CV_MLS_RATCHET_APPLICATION, g);
    }
  /* Replays are refused. */
  CHECK (cv_mls_secret_tree_get_key (receiver, 3, CV_MLS_RATCHET_APPLICATION, 39, &k) == CV_ERR_STATE);
  CHECK (cv_mls_secret_tree_get_key (receiver, 3, CV_MLS_RATCHET_APPLICATION, 0, &k) == CV_ERR_STATE);
  /* The handshake ratchet of the same leaf is independent. */
  CHECK (cv_mls_secret_tree_get_key (receiver, 3, CV_MLS_RATCHET_HANDSHAKE, 0, &k) == CV_OK
         && !same_key (&k, &sent[0]));

  /* The forward bound: next expected is 1 after the line above. */
  CHECK (cv_mls_secret_tree_get_key (receiver, 3, CV_MLS_RATCHET_HANDSHAKE,
                                     1 + CV_MLS_RATCHET_MAX_FORWARD + 1, &k) == CV_ERR_STATE);
  CHECK (cv_mls_secret_tree_get_key (receiver, 3, CV_MLS_RATCHET_HANDSHAKE,
                                     1 + CV_MLS_RATCHET_MAX_FORWARD, &k) == CV_OK);
  /* The window: generation 1 is 1024 behind the newest (1025) and kept; a
   * step further and it is gone, while 2 is still there. */
  CHECK (cv_mls_secret_tree_get_key (receiver, 3, CV_MLS_RATCHET_HANDSHAKE, 1, &k) == CV_OK);
  CHECK (cv_mls_secret_tree_get_key (receiver, 3, CV_MLS_RATCHET_HANDSHAKE,
                                     2 + CV_MLS_RATCHET_WINDOW, &k) == CV_OK);
  CHECK (cv_mls_secret_tree_get_key (receiver, 3, CV_MLS_RATCHET_HANDSHAKE, 1, &k) == CV_ERR_STATE);
  CHECK (cv_mls_secret_tree_get_key (receiver, 3, CV_MLS_RATCHET_HANDSHAKE, 2, &k) == CV_OK);

  /* Leaves and sizes. */
  CHECK (cv_mls_secret_tree_get_key (receiver, 4, CV_MLS_RATCHET_HANDSHAKE, 0, &k) == CV_ERR_ARGUMENT);
  CHECK (cv_mls_secret_tree_next_key (receiver, UINT32_MAX, CV_MLS_RATCHET_HANDSHAKE, &k)
         == CV_ERR_ARGUMENT);
  CHECK (cv_mls_secret_tree_new (s, secret, s->hash_len, 3, &t) == CV_ERR_ARGUMENT && t == NULL);
  CHECK (cv_mls_secret_tree_new (s, secret, s->hash_len, 0, &t) == CV_ERR_ARGUMENT && t == NULL);
  CHECK (cv_mls_secret_tree_new (s, secret, s->hash_len - 1, 4, &t) == CV_ERR_ARGUMENT && t == NULL);
  cv_mls_secret_tree_erase_key (receiver, 9, CV_MLS_RATCHET_HANDSHAKE, 0);
  cv_mls_ratchet_key_clear (&k);

out:
  for (size_t i = 0; i < 40; i++)
    cv_mls_ratchet_key_clear (&sent[i]);
  cv_mls_secret_tree_free (sender);
  cv_mls_secret_tree_free (receiver);
}

/* Every leaf of a 1024-leaf tree sends once, in a shuffled order: the lazy
 * tree derives each path once. */
static void
check_large_tree (const cv_mls_suite *s)
{
  uint8_t secret[64] = { 0 };
  cv_mls_secret_tree *tree = NULL, *other = NULL;
  const uint32_t n = 1024;
  cv_mls_ratchet_key k, k2;
  struct timespec t0, t1;

  CHECK (cv_mls_secret_tree_new (s, secret, s->hash_len, n, &tree) == CV_OK);
  CHECK (cv_mls_secret_tree_new (s, secret, s->hash_len, n, &other) == CV_OK);
  if (tree == NULL || other == NULL)
    goto out;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  for (uint32_t i = 0; i < n; i++)
    {
      uint32_t leaf = (i * 389) % n; /* 389 is odd: a permutation */
      CHECK (cv_mls_secret_tree_get_key (tree, leaf, CV_MLS_RATCHET_APPLICATION, 0, &k) == CV_OK);
    }
  clock_gettime (CLOCK_MONOTONIC, &t1);
  /* Same keys whatever the order the leaves were reached in. */
  for (uint32_t leaf = 0; leaf < n; leaf += 97)
    {
      CHECK (cv_mls_secret_tree_get_key (tree, leaf, CV_MLS_RATCHET_APPLICATION, 0, &k) == CV_OK);
      CHECK (cv_mls_secret_tree_next_key (other, leaf, CV_MLS_RATCHET_APPLICATION, &k2) == CV_OK);
      CHECK (same_key (&k, &k2));
    }
  printf ("suite %u: first key of all %u leaves in %.1f ms\n", s->id, n,
          (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
  cv_mls_ratchet_key_clear (&k);
  cv_mls_ratchet_key_clear (&k2);
out:
  cv_mls_secret_tree_free (tree);
  cv_mls_secret_tree_free (other);
}

int
main (void)
{
  JsonNode *root = cv_test_load_json ("mls/secret-tree.json");
  JsonArray *cases = json_node_get_array (root);
  cv_test_tally *tally = cv_test_tally_new ("secret-tree");

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *o = json_array_get_object_element (cases, i);
      unsigned id = (unsigned) json_object_get_int_member (o, "cipher_suite");
      const cv_mls_suite *s;

      if (cv_mls_suite_get ((uint16_t) id, &s) != CV_OK)
        {
          cv_test_tally_add (tally, id, false);
          continue;
        }
      cv_test_tally_add (tally, id, run_vector (s, o));
    }
  json_node_unref (root);

  for (uint16_t id = 1; id <= 7; id++)
    {
      const cv_mls_suite *s;
      if (cv_mls_suite_get (id, &s) != CV_OK)
        {
          failures++;
          continue;
        }
      check_ratchet_rules (s);
      if (id == 1 || id == 7)
        check_large_tree (s);
    }
  printf ("secret-tree: ratchet rule checks: %d failed\n", failures);
  int status = cv_test_tally_finish (tally);
  return failures ? 1 : status;
}

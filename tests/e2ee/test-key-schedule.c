/* key-schedule.json: GroupContext serialization and every secret of RFC 9420
 * §8 over a chain of epochs, external_pub (§8.3) and the exporter (§8.5);
 * plus external init and welcome key round trips. */
#include <stdio.h>
#include <string.h>

#include "cv-hpke.h"
#include "cv-mls-key-schedule.h"
#include "cv-test-vectors.h"

static bool
report (const char *what, cv_status st)
{
  if (st != CV_OK)
    fprintf (stderr, "  %s: %s: %s\n", what, cv_status_name (st), cv_status_message ());
  return st == CV_OK;
}

static bool
expect (JsonObject *o, const char *name, const cv_bytes *got)
{
  cv_bytes want = cv_test_hex (o, name);
  bool ok = cv_test_bytes_match (name, got->data, got->len, &want);

  cv_bytes_clear (&want);
  return ok;
}

static bool
run_epoch (const cv_mls_suite *s, const cv_bytes *group_id, uint64_t epoch, JsonObject *e,
           cv_bytes *init_secret)
{
  cv_bytes tree_hash = cv_test_hex (e, "tree_hash"), cth = cv_test_hex (e, "confirmed_transcript_hash");
  cv_bytes commit_secret = cv_test_hex (e, "commit_secret"), psk_secret = cv_test_hex (e, "psk_secret");
  cv_bytes gc_bytes = CV_BYTES_INIT, ext_priv = CV_BYTES_INIT, ext_pub = CV_BYTES_INIT;
  cv_bytes exported = CV_BYTES_INIT;
  cv_mls_epoch_secrets secrets;
  cv_mls_group_context gc = {
    .cipher_suite = s->id,
    .group_id = group_id->data, .group_id_len = group_id->len,
    .epoch = epoch,
    .tree_hash = tree_hash.data, .tree_hash_len = tree_hash.len,
    .confirmed_transcript_hash = cth.data, .confirmed_transcript_hash_len = cth.len,
  };
  bool ok = true;

  memset (&secrets, 0, sizeof secrets);
  ok &= report ("GroupContext", cv_mls_group_context_serialize (&gc, &gc_bytes))
        && expect (e, "group_context", &gc_bytes);

  /* The parser must give back the same fields. */
  cv_mls_group_context parsed;
  cv_mls_reader r;
  cv_mls_reader_init (&r, gc_bytes.data, gc_bytes.len);
  ok &= report ("GroupContext read", cv_mls_group_context_read (&r, &parsed))
        && cv_mls_reader_at_end (&r) && parsed.epoch == epoch && parsed.cipher_suite == s->id
        && parsed.tree_hash_len == tree_hash.len
        && memcmp (parsed.tree_hash, tree_hash.data, tree_hash.len) == 0;

  ok &= report ("key schedule",
                cv_mls_key_schedule (s, init_secret->data, init_secret->len,
                                     commit_secret.data, commit_secret.len,
                                     psk_secret.data, psk_secret.len,
                                     gc_bytes.data, gc_bytes.len, &secrets));
  if (ok)
    {
      ok &= expect (e, "joiner_secret", &secrets.joiner_secret);
      ok &= expect (e, "welcome_secret", &secrets.welcome_secret);
      ok &= expect (e, "init_secret", &secrets.init_secret);
      ok &= expect (e, "sender_data_secret", &secrets.sender_data_secret);
      ok &= expect (e, "encryption_secret", &secrets.encryption_secret);
      ok &= expect (e, "exporter_secret", &secrets.exporter_secret);
      ok &= expect (e, "epoch_authenticator", &secrets.epoch_authenticator);
      ok &= expect (e, "external_secret", &secrets.external_secret);
      ok &= expect (e, "confirmation_key", &secrets.confirmation_key);
      ok &= expect (e, "membership_key", &secrets.membership_key);
      ok &= expect (e, "resumption_psk", &secrets.resumption_psk);

      ok &= report ("external_pub",
                    cv_mls_external_key_pair (s, secrets.external_secret.data,
                                              secrets.external_secret.len, &ext_priv, &ext_pub))
            && expect (e, "external_pub", &ext_pub);

      JsonObject *x = json_object_get_object_member (e, "exporter");
      /* The label is a string (README-vectors.md), used as its bytes even
       * though the generator filled it with hex digits. */
      const char *label = json_object_get_string_member (x, "label");
      cv_bytes context = cv_test_hex (x, "context");
      ok &= report ("MLS-Exporter",
                    cv_mls_exporter (s, secrets.exporter_secret.data, secrets.exporter_secret.len,
                                     (const uint8_t *) label, strlen (label),
                                     context.data, context.len,
                                     (uint16_t) json_object_get_int_member (x, "length"),
                                     &exported))
            && expect (x, "secret", &exported);
      cv_bytes_clear (&context);

      /* A new joiner starting from the joiner_secret reaches the same epoch. */
      cv_mls_epoch_secrets joined;
      ok &= report ("from joiner",
                    cv_mls_key_schedule_from_joiner (s, secrets.joiner_secret.data,
                                                     secrets.joiner_secret.len,
                                                     psk_secret.data, psk_secret.len,
                                                     gc_bytes.data, gc_bytes.len, &joined))
            && cv_bytes_eq (&joined.epoch_authenticator, &secrets.epoch_authenticator)
            && cv_bytes_eq (&joined.init_secret, &secrets.init_secret);
      cv_mls_epoch_secrets_clear (&joined);

      /* The next epoch starts from this one's init_secret. */
      cv_bytes_clear (init_secret);
      *init_secret = secrets.init_secret;
      secrets.init_secret = (cv_bytes) CV_BYTES_INIT;
    }

  cv_mls_epoch_secrets_clear (&secrets);
  cv_bytes *all[] = { &tree_hash, &cth, &commit_secret, &psk_secret, &gc_bytes,
                      &ext_priv, &ext_pub, &exported };
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    cv_bytes_clear (all[i]);
  return ok;
}

/* What the vectors do not cover: external init and the welcome key. */
static bool
round_trips (const cv_mls_suite *s)
{
  uint8_t external_secret[64];
  cv_bytes priv = CV_BYTES_INIT, pub = CV_BYTES_INIT, kem_output = CV_BYTES_INIT;
  cv_bytes sent = CV_BYTES_INIT, received = CV_BYTES_INIT, key = CV_BYTES_INIT, nonce = CV_BYTES_INIT;
  bool ok = true;

  memset (external_secret, 0x42, sizeof external_secret);
  ok &= report ("external key pair", cv_mls_external_key_pair (s, external_secret, s->hash_len,
                                                               &priv, &pub));
  ok &= report ("external init send", cv_mls_external_init_send (s, pub.data, pub.len,
                                                                 &kem_output, &sent));
  ok &= report ("external init receive",
                cv_mls_external_init_receive (s, priv.data, priv.len, kem_output.data,
                                              kem_output.len, &received));
  ok &= sent.len == s->hash_len && cv_bytes_eq (&sent, &received);
  ok &= report ("welcome key", cv_mls_welcome_key_nonce (s, external_secret, s->hash_len,
                                                         &key, &nonce));
  ok &= key.len == s->key_len && nonce.len == s->nonce_len;

  cv_bytes *all[] = { &priv, &pub, &kem_output, &sent, &received, &key, &nonce };
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    cv_bytes_clear (all[i]);
  if (!ok)
    fprintf (stderr, "  round trips failed for suite %u\n", s->id);
  return ok;
}

static bool
refusals (void)
{
  /* version 2, then a GroupContext cut short */
  static const uint8_t bad_version[] = { 0, 2, 0, 1, 0 };
  static const uint8_t truncated[] = { 0, 1, 0, 1, 3, 'a', 'b' };
  cv_mls_group_context gc;
  cv_mls_reader r;
  bool ok = true;

  cv_mls_reader_init (&r, bad_version, sizeof bad_version);
  ok &= cv_mls_group_context_read (&r, &gc) == CV_ERR_UNSUPPORTED && r.left == sizeof bad_version;
  cv_mls_reader_init (&r, truncated, sizeof truncated);
  ok &= cv_mls_group_context_read (&r, &gc) == CV_ERR_TRUNCATED && r.left == sizeof truncated;
  if (!ok)
    fprintf (stderr, "  GroupContext refusals failed\n");
  return ok;
}

int
main (void)
{
  JsonNode *root = cv_test_load_json ("mls/key-schedule.json");
  JsonArray *cases = json_node_get_array (root);
  cv_test_tally *tally = cv_test_tally_new ("key-schedule");
  const cv_mls_suite *s;

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *o = json_array_get_object_element (cases, i);
      unsigned id = (unsigned) json_object_get_int_member (o, "cipher_suite");
      JsonArray *epochs = json_object_get_array_member (o, "epochs");

      if (cv_mls_suite_get ((uint16_t) id, &s) != CV_OK)
        {
          fprintf (stderr, "suite %u: %s\n", id, cv_status_message ());
          cv_test_tally_add (tally, id, false);
          continue;
        }
      cv_bytes group_id = cv_test_hex (o, "group_id");
      cv_bytes init_secret = cv_test_hex (o, "initial_init_secret");
      for (guint n = 0; n < json_array_get_length (epochs); n++)
        {
          bool ok = run_epoch (s, &group_id, n, json_array_get_object_element (epochs, n),
                               &init_secret);
          if (!ok)
            fprintf (stderr, "suite %u epoch %u failed\n", id, n);
          cv_test_tally_add (tally, id, ok);
        }
      cv_test_tally_add (tally, id, round_trips (s));
      cv_bytes_clear (&group_id);
      cv_bytes_clear (&init_secret);
    }
  json_node_unref (root);
  cv_test_tally_add (tally, 0, refusals ());
  return cv_test_tally_finish (tally);
}

/* cv-test-passive-client.c: the passive client of the MLS test vectors
 * (README-vectors.md "Passive Client Scenarios"): check the private keys
 * against the KeyPackage, join from the Welcome, then process each epoch's
 * proposals and commit, comparing the epoch authenticator every time. */
#include "cv-test-passive-client.h"

#include <stdio.h>
#include <string.h>

#include "cv-hpke.h"
#include "cv-mls-group.h"
#include "cv-test-vectors.h"

typedef struct {
  JsonArray *psks;
} psk_table;

static cv_status
lookup_psk (void *user_data, const uint8_t *id, size_t id_len, cv_bytes *psk)
{
  psk_table *t = user_data;

  for (guint i = 0; t->psks && i < json_array_get_length (t->psks); i++)
    {
      JsonObject *e = json_array_get_object_element (t->psks, i);
      cv_bytes want = cv_test_hex (e, "psk_id");
      bool match = cv_bytes_equal_ct (want.data, want.len, id, id_len);

      cv_bytes_clear (&want);
      if (match)
        {
          *psk = cv_test_hex (e, "psk");
          return CV_OK;
        }
    }
  return cv_fail (CV_ERR_INVALID, "unknown PSK");
}

/* The vectors were made at some date: lifetimes are not what they test. */
static uint64_t
no_clock (void)
{
  return 0;
}

static bool
report (const char *what, cv_status st)
{
  if (st != CV_OK)
    fprintf (stderr, "  %s: %s: %s\n", what, cv_status_name (st), cv_status_message ());
  return st == CV_OK;
}

static bool
check_keys (const cv_mls_suite *s, const cv_mls_key_package_bundle *b)
{
  cv_bytes pub = CV_BYTES_INIT;
  bool ok;

  ok = report ("signature_priv", cv_mls_signature_public_key (s, b->signature_priv.data,
                                                              b->signature_priv.len, &pub))
       && cv_test_bytes_match ("signature key", pub.data, pub.len,
                               &b->key_package.leaf_node.signature_key);
  cv_bytes_clear (&pub);
  ok = ok && report ("encryption_priv",
                     cv_hpke_public_key_from_private (s->hpke.kem, b->encryption_priv.data,
                                                      b->encryption_priv.len, &pub))
       && cv_test_bytes_match ("encryption key", pub.data, pub.len,
                               &b->key_package.leaf_node.encryption_key);
  cv_bytes_clear (&pub);
  ok = ok && report ("init_priv",
                     cv_hpke_public_key_from_private (s->hpke.kem, b->init_priv.data,
                                                      b->init_priv.len, &pub))
       && cv_test_bytes_match ("init key", pub.data, pub.len, &b->key_package.init_key);
  cv_bytes_clear (&pub);
  return ok;
}

static bool
run_case (JsonObject *c, const cv_mls_suite *s)
{
  cv_mls_key_package_bundle b = { 0 };
  cv_mls_group_config config;
  psk_table psks = { NULL };
  cv_mls_group *g = NULL;
  cv_bytes kp = cv_test_hex (c, "key_package"), welcome = cv_test_hex (c, "welcome");
  cv_bytes tree = CV_BYTES_INIT, want = cv_test_hex (c, "initial_epoch_authenticator");
  JsonArray *epochs = json_object_get_array_member (c, "epochs");
  bool ok = true;

  if (cv_mls_key_package_parse_message (kp.data, kp.len, &b.key_package) != CV_OK
      && !report ("key_package", cv_mls_key_package_parse (kp.data, kp.len, &b.key_package)))
    ok = false;
  b.signature_priv = cv_test_hex (c, "signature_priv");
  b.encryption_priv = cv_test_hex (c, "encryption_priv");
  b.init_priv = cv_test_hex (c, "init_priv");
  ok = ok && check_keys (s, &b);

  cv_mls_group_config_init (&config);
  config.clock = no_clock;
  psks.psks = json_object_get_array_member (c, "external_psks");
  config.psk_lookup = lookup_psk;
  config.psk_user_data = &psks;
  if (cv_test_has (c, "ratchet_tree"))
    tree = cv_test_hex (c, "ratchet_tree");
  ok = ok && report ("join", cv_mls_group_join (&b, welcome.data, welcome.len, tree.data,
                                                tree.len, &config, &g));
  ok = ok && cv_test_bytes_match ("initial epoch_authenticator",
                                  cv_mls_group_epoch_authenticator (g)->data,
                                  cv_mls_group_epoch_authenticator (g)->len, &want);
  cv_bytes_clear (&want);

  for (guint e = 0; ok && epochs && e < json_array_get_length (epochs); e++)
    {
      JsonObject *ep = json_array_get_object_element (epochs, e);
      JsonArray *props = json_object_get_array_member (ep, "proposals");
      cv_bytes commit = cv_test_hex (ep, "commit");
      cv_mls_received r;

      for (guint i = 0; ok && i < json_array_get_length (props); i++)
        {
          cv_bytes p = CV_BYTES_INIT;

          cv_hex_decode (&p, json_array_get_string_element (props, i));
          ok = report ("proposal", cv_mls_group_process (g, p.data, p.len, &r));
          if (ok && r.type != CV_MLS_RECEIVED_PROPOSAL)
            {
              fprintf (stderr, "  epoch %u: proposal %u is not a proposal\n", e, i);
              ok = false;
            }
          if (ok)
            cv_mls_received_clear (&r);
          cv_bytes_clear (&p);
        }
      ok = ok && report ("commit", cv_mls_group_process (g, commit.data, commit.len, &r));
      if (ok && (r.type != CV_MLS_RECEIVED_COMMIT || !r.staged))
        {
          fprintf (stderr, "  epoch %u: the commit did not stage\n", e);
          cv_mls_received_clear (&r);
          ok = false;
        }
      if (ok)
        {
          ok = report ("merge", cv_mls_group_merge (g, r.staged));
          r.staged = NULL;
          cv_mls_received_clear (&r);
        }
      want = cv_test_hex (ep, "epoch_authenticator");
      ok = ok && cv_test_bytes_match ("epoch_authenticator",
                                      cv_mls_group_epoch_authenticator (g)->data,
                                      cv_mls_group_epoch_authenticator (g)->len, &want);
      if (!ok)
        fprintf (stderr, "  at epoch entry %u\n", e);
      cv_bytes_clear (&want);
      cv_bytes_clear (&commit);
    }

  cv_mls_group_free (g);
  cv_mls_key_package_bundle_clear (&b);
  cv_bytes_clear (&kp);
  cv_bytes_clear (&welcome);
  cv_bytes_clear (&tree);
  return ok;
}

int
cv_test_passive_client_run (const char *vector_file)
{
  JsonNode *root = cv_test_load_json (vector_file);
  JsonArray *cases = json_node_get_array (root);
  cv_test_tally *tally = cv_test_tally_new (vector_file);

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      unsigned suite_id = (unsigned) json_object_get_int_member (c, "cipher_suite");
      const cv_mls_suite *s;
      bool ok;

      if (cv_mls_suite_get ((uint16_t) suite_id, &s) != CV_OK)
        {
          cv_test_tally_skip (tally, suite_id, "cipher suite not implemented");
          continue;
        }
      ok = run_case (c, s);
      if (!ok)
        fprintf (stderr, "FAIL: case %u (suite %u)\n", i, suite_id);
      cv_test_tally_add (tally, suite_id, ok);
    }
  json_node_unref (root);
  return cv_test_tally_finish (tally);
}

/* treekem.json (RFC 9420 §7.4–§7.6): the private states of the vector are
 * consistent with the tree; each UpdatePath merges (parent hashes valid),
 * gives the expected tree hash, and every other member decrypts the expected
 * path secret and commit_secret. Then a fresh UpdatePath of ours from the
 * same sender is processed by every other member, who must all reach our
 * commit_secret; a damaged ciphertext or public key must be refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv-mls-key-schedule.h"
#include "cv-mls-treekem.h"
#include "cv-test-vectors.h"

static bool
report (const char *what, cv_status st)
{
  if (st != CV_OK)
    fprintf (stderr, "  %s: %s: %s\n", what, cv_status_name (st), cv_status_message ());
  return st == CV_OK;
}

typedef struct {
  const cv_mls_suite *s;
  cv_bytes group_id;
  uint64_t epoch;
  cv_bytes cth;
  cv_bytes tree_bytes;
  size_t n_members;
  cv_mls_tree_private *privs;   /* indexed like leaves_private */
  cv_bytes *signature_privs;
} kem_case;

/* The provisional GroupContext with the tree hash of t. */
static cv_status
context_for (const kem_case *c, cv_mls_tree *t, cv_bytes *out)
{
  cv_bytes th = CV_BYTES_INIT;
  cv_mls_group_context gc = {
    .cipher_suite = c->s->id,
    .group_id = c->group_id.data, .group_id_len = c->group_id.len,
    .epoch = c->epoch,
    .confirmed_transcript_hash = c->cth.data, .confirmed_transcript_hash_len = c->cth.len,
  };
  cv_status st = cv_mls_tree_hash (t, &th);

  if (st != CV_OK)
    return st;
  gc.tree_hash = th.data;
  gc.tree_hash_len = th.len;
  st = cv_mls_group_context_serialize (&gc, out);
  cv_bytes_clear (&th);
  return st;
}

static cv_status
fresh_tree (const kem_case *c, cv_mls_tree **out)
{
  return cv_mls_tree_decode (c->s, c->tree_bytes.data, c->tree_bytes.len, out);
}

/* Member m processes path from sender on its own copy of the tree. */
static cv_status
process (const kem_case *c, size_t m, uint32_t sender, const cv_mls_update_path *path,
         cv_bytes *commit_secret, cv_bytes *path_secret)
{
  cv_mls_tree *t = NULL;
  cv_mls_tree_private priv;
  cv_bytes gc = CV_BYTES_INIT;
  cv_status st;

  memset (&priv, 0, sizeof priv);
  if ((st = fresh_tree (c, &t)) == CV_OK
      && (st = cv_mls_tree_merge_update_path (t, sender, path)) == CV_OK
      && (st = cv_mls_leaf_node_verify (c->s, &path->leaf_node, c->group_id.data,
                                        c->group_id.len, sender)) == CV_OK
      && (st = context_for (c, t, &gc)) == CV_OK
      && (st = cv_mls_tree_private_copy (&priv, &c->privs[m])) == CV_OK)
    st = cv_mls_treekem_decrypt_path (t, &priv, sender, path, NULL, 0, gc.data, gc.len,
                                      commit_secret, path_secret);
  if (st == CV_OK)
    st = cv_mls_tree_private_check (&priv, t);
  cv_mls_tree_private_clear (&priv);
  cv_mls_tree_free (t);
  cv_bytes_clear (&gc);
  return st;
}

static bool
check_vector_path (const kem_case *c, JsonObject *up)
{
  uint32_t sender = (uint32_t) json_object_get_int_member (up, "sender");
  cv_bytes path_bytes = cv_test_hex (up, "update_path"), want_cs = cv_test_hex (up, "commit_secret");
  cv_bytes want_th = cv_test_hex (up, "tree_hash_after"), th = CV_BYTES_INIT;
  JsonArray *secrets = json_object_get_array_member (up, "path_secrets");
  cv_mls_update_path path;
  cv_mls_tree *t = NULL;
  bool ok;

  memset (&path, 0, sizeof path);
  ok = report ("UpdatePath", cv_mls_update_path_parse (path_bytes.data, path_bytes.len, &path))
       && report ("tree", fresh_tree (c, &t))
       && report ("merge", cv_mls_tree_merge_update_path (t, sender, &path))
       && report ("tree hash after", cv_mls_tree_hash (t, &th))
       && cv_test_bytes_match ("tree hash after", th.data, th.len, &want_th);
  for (size_t m = 0; ok && m < c->n_members; m++)
    {
      uint32_t j = c->privs[m].leaf_index;
      cv_bytes cs = CV_BYTES_INIT, ps = CV_BYTES_INIT, want_ps = CV_BYTES_INIT;

      if (j == sender || !cv_mls_tree_leaf (t, j))
        continue;
      cv_hex_decode (&want_ps, json_array_get_string_element (secrets, j));
      ok = report ("decrypt", process (c, m, sender, &path, &cs, &ps))
           && cv_test_bytes_match ("path secret", ps.data, ps.len, &want_ps)
           && cv_test_bytes_match ("commit secret", cs.data, cs.len, &want_cs);
      if (!ok)
        fprintf (stderr, "  member %u, sender %u\n", j, sender);
      cv_bytes_clear (&cs);
      cv_bytes_clear (&ps);
      cv_bytes_clear (&want_ps);
    }
  cv_mls_update_path_clear (&path);
  cv_mls_tree_free (t);
  cv_bytes_clear (&path_bytes);
  cv_bytes_clear (&want_cs);
  cv_bytes_clear (&want_th);
  cv_bytes_clear (&th);
  return ok;
}

/* Our own UpdatePath from the same sender. */
static bool
check_our_path (const kem_case *c, size_t sender_m)
{
  uint32_t sender = c->privs[sender_m].leaf_index;
  cv_mls_tree *t = NULL;
  cv_mls_tree_private priv;
  cv_mls_treekem_pending pending;
  cv_mls_update_path path;
  cv_bytes gc = CV_BYTES_INIT, wire = CV_BYTES_INIT;
  cv_mls_leaf_node template;
  bool ok, processed = false;

  memset (&priv, 0, sizeof priv);
  memset (&pending, 0, sizeof pending);
  memset (&path, 0, sizeof path);
  memset (&template, 0, sizeof template);
  ok = report ("tree", fresh_tree (c, &t))
       && cv_mls_tree_leaf (t, sender)
       && report ("template", cv_mls_leaf_node_copy (&template, cv_mls_tree_leaf (t, sender)))
       && report ("priv", cv_mls_tree_private_copy (&priv, &c->privs[sender_m]))
       && report ("create path",
                  cv_mls_treekem_create_path (t, &priv, sender, &template,
                                              c->signature_privs[sender_m].data,
                                              c->signature_privs[sender_m].len,
                                              c->group_id.data, c->group_id.len, NULL, 0,
                                              &pending))
       && report ("context", context_for (c, t, &gc))
       && report ("encrypt path", cv_mls_treekem_encrypt_path (t, &pending, gc.data, gc.len,
                                                               NULL, 0, &path))
       && report ("our keys", cv_mls_tree_private_check (&priv, t))
       && report ("serialize", cv_mls_update_path_serialize (&path, &wire));
  for (size_t m = 0; ok && m < c->n_members; m++)
    {
      uint32_t j = c->privs[m].leaf_index;
      cv_bytes cs = CV_BYTES_INIT;

      if (j == sender || !cv_mls_tree_leaf (t, j))
        continue;
      ok = report ("decrypt ours", process (c, m, sender, &path, &cs, NULL))
           && cv_test_bytes_match ("our commit secret", cs.data, cs.len, &pending.commit_secret);
      cv_bytes_clear (&cs);
      if (ok && !processed && path.n_nodes > 0)
        {
          /* A damaged ciphertext, then a public key that is not the one
           * the path secret derives, must be refused. */
          cv_mls_update_path bad;
          cv_bytes cs2 = CV_BYTES_INIT;

          processed = true;
          for (size_t i = 0; i < path.n_nodes; i++)
            for (size_t k = 0; k < path.nodes[i].n_encrypted_path_secret; k++)
              path.nodes[i].encrypted_path_secret[k].ciphertext.data[0] ^= 1;
          if (process (c, m, sender, &path, &cs2, NULL) == CV_OK)
            {
              fprintf (stderr, "  damaged path ciphertexts accepted\n");
              ok = false;
            }
          cv_bytes_clear (&cs2);
          for (size_t i = 0; i < path.n_nodes; i++)
            for (size_t k = 0; k < path.nodes[i].n_encrypted_path_secret; k++)
              path.nodes[i].encrypted_path_secret[k].ciphertext.data[0] ^= 1;
          if (cv_mls_update_path_parse (wire.data, wire.len, &bad) == CV_OK)
            {
              bad.nodes[bad.n_nodes - 1].encryption_key.data[1] ^= 1;
              if (process (c, m, sender, &bad, &cs2, NULL) == CV_OK)
                {
                  fprintf (stderr, "  altered path public key accepted\n");
                  ok = false;
                }
              cv_bytes_clear (&cs2);
              cv_mls_update_path_clear (&bad);
            }
        }
    }
  cv_mls_tree_free (t);
  cv_mls_tree_private_clear (&priv);
  cv_mls_treekem_pending_clear (&pending);
  cv_mls_update_path_clear (&path);
  cv_mls_leaf_node_clear (&template);
  cv_bytes_clear (&gc);
  cv_bytes_clear (&wire);
  return ok;
}

static bool
run_case (JsonObject *o, const cv_mls_suite *s)
{
  JsonArray *leaves = json_object_get_array_member (o, "leaves_private");
  JsonArray *paths = json_object_get_array_member (o, "update_paths");
  kem_case c = { .s = s };
  cv_mls_tree *t = NULL;
  bool ok;

  c.group_id = cv_test_hex (o, "group_id");
  c.cth = cv_test_hex (o, "confirmed_transcript_hash");
  c.tree_bytes = cv_test_hex (o, "ratchet_tree");
  c.epoch = (uint64_t) json_object_get_int_member (o, "epoch");
  c.n_members = json_array_get_length (leaves);
  c.privs = calloc (c.n_members, sizeof *c.privs);
  c.signature_privs = calloc (c.n_members, sizeof *c.signature_privs);
  ok = report ("tree", fresh_tree (&c, &t));
  for (size_t m = 0; ok && m < c.n_members; m++)
    {
      JsonObject *l = json_array_get_object_element (leaves, m);
      JsonArray *ps = json_object_get_array_member (l, "path_secrets");
      cv_bytes enc = cv_test_hex (l, "encryption_priv");

      c.signature_privs[m] = cv_test_hex (l, "signature_priv");
      ok = report ("private state", cv_mls_tree_private_init (&c.privs[m],
                                                              (uint32_t) json_object_get_int_member (l, "index"),
                                                              enc.data, enc.len));
      for (guint k = 0; ok && k < json_array_get_length (ps); k++)
        {
          JsonObject *e = json_array_get_object_element (ps, k);
          cv_bytes secret = cv_test_hex (e, "path_secret");

          ok = report ("path secret",
                       cv_mls_tree_private_set_path_secret (s, &c.privs[m],
                                                            (uint32_t) json_object_get_int_member (e, "node"),
                                                            secret.data, secret.len));
          cv_bytes_clear (&secret);
        }
      ok = ok && report ("private state matches the tree", cv_mls_tree_private_check (&c.privs[m], t));
      cv_bytes_clear (&enc);
    }
  for (guint p = 0; ok && p < json_array_get_length (paths); p++)
    {
      JsonObject *up = json_array_get_object_element (paths, p);
      uint32_t sender = (uint32_t) json_object_get_int_member (up, "sender");

      ok = check_vector_path (&c, up);
      for (size_t m = 0; ok && m < c.n_members; m++)
        if (c.privs[m].leaf_index == sender)
          ok = check_our_path (&c, m);
    }
  for (size_t m = 0; m < c.n_members; m++)
    {
      cv_mls_tree_private_clear (&c.privs[m]);
      cv_bytes_clear (&c.signature_privs[m]);
    }
  free (c.privs);
  free (c.signature_privs);
  cv_mls_tree_free (t);
  cv_bytes_clear (&c.group_id);
  cv_bytes_clear (&c.cth);
  cv_bytes_clear (&c.tree_bytes);
  return ok;
}

int
main (void)
{
  JsonNode *root = cv_test_load_json ("mls/treekem.json");
  JsonArray *cases = json_node_get_array (root);
  cv_test_tally *tally = cv_test_tally_new ("treekem.json");

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *o = json_array_get_object_element (cases, i);
      unsigned suite = (unsigned) json_object_get_int_member (o, "cipher_suite");
      const cv_mls_suite *s;
      bool ok;

      if (cv_mls_suite_get ((uint16_t) suite, &s) != CV_OK)
        {
          cv_test_tally_skip (tally, suite, cv_status_message ());
          continue;
        }
      ok = run_case (o, s);
      if (!ok)
        fprintf (stderr, "case %u (suite %u) failed\n", i, suite);
      cv_test_tally_add (tally, suite, ok);
    }
  json_node_unref (root);
  return cv_test_tally_finish (tally);
}

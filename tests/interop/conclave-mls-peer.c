/* conclave-mls-peer: our MLS library behind the operations of the MLS
 * working group's interop client (the MLSClient service of
 * mls-implementations' interop/proto/mls_client.proto), spoken as JSON
 * lines on stdin and stdout so that a script in any language can drive it.
 * docs/mls-peer.md describes the protocol.
 *
 * One request per line, one reply per line, in order. Every request that
 * cannot be carried out, malformed ones included, gets {"ok": false, ...}
 * and the peer goes on with the next line. This is a test tool: it hands out
 * private keys when the interop protocol asks for them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>
#include <openssl/crypto.h>

#include "cv-bytes.h"
#include "cv-mls-group.h"
#include "cv-mls-messages.h"
#include "cv-mls-suite.h"
#include "cv-status.h"
/* Only for the per-commit choice of where the ratchet tree goes (see
 * commit_tree_placement): the public API fixes it when a group is made. */
#include "cv-mls-group-private.h"

/* A request line longer than this is refused without being parsed. */
#define PEER_MAX_LINE (64u * 1024 * 1024)
/* Items of one list in a request (proposals, extensions, PSKs). */
#define PEER_MAX_ITEMS 4096u

typedef struct {
  cv_mls_group *group;
  /* Our commit, waiting for handle_pending_commit. */
  cv_mls_staged_commit *pending_commit;
  /* The proposal messages we sent this epoch: when they come back in a
   * commit request or with a commit, they are already pending here. */
  GPtrArray *sent_proposals;   /* GBytes */
} peer_state;

typedef struct {
  cv_mls_key_package_bundle bundle;
  cv_mls_credential credential;
} peer_transaction;

typedef struct {
  cv_bytes id;
  cv_bytes secret;
} peer_psk;

typedef struct {
  GHashTable *states;          /* id -> peer_state */
  GHashTable *transactions;    /* id -> peer_transaction */
  GArray *psks;                /* peer_psk, shared by every state */
  guint32 next_id;
} peer;

/* One request being answered. */
typedef struct {
  peer *p;
  JsonObject *req;
  JsonObject *reply;
  char *error;                 /* set by fail() */
  const char *code;            /* "bad-request", "unsupported", or a cv_status name */
} call;

static bool fail (call *c, const char *code, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static bool
fail (call *c, const char *code, const char *fmt, ...)
{
  va_list ap;

  if (c->error != NULL)
    return false;
  va_start (ap, fmt);
  c->error = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  c->code = code;
  return false;
}

/* The reply's "code" for a library status (docs/mls-peer.md). */
static const char *
status_code (cv_status st)
{
  switch (st)
    {
    case CV_ERR_TRUNCATED: return "truncated";
    case CV_ERR_MALFORMED: return "malformed";
    case CV_ERR_TOO_LARGE: return "too-large";
    case CV_ERR_UNSUPPORTED: return "unsupported";
    case CV_ERR_INVALID: return "invalid";
    case CV_ERR_AUTH: return "auth";
    case CV_ERR_CRYPTO: return "crypto";
    case CV_ERR_STATE: return "state";
    case CV_ERR_NOMEM: return "nomem";
    case CV_ERR_ARGUMENT: return "argument";
    case CV_OK: break;
    }
  return "internal";
}

/* A library failure, with the rule it names. */
static bool
fail_cv (call *c, const char *what, cv_status st)
{
  const char *msg = cv_status_message ();

  return fail (c, status_code (st), "%s: %s%s%s", what, cv_status_name (st),
               *msg ? ": " : "", msg);
}

/* ---- Request fields (absent fields take protobuf's defaults) ---- */

static bool
field_bytes_node (call *c, JsonNode *node, const char *name, cv_bytes *out)
{
  const char *hex;
  cv_status st;

  if (JSON_NODE_HOLDS_NULL (node))
    return cv_bytes_alloc (out, 0) == CV_OK || fail (c, "nomem", "out of memory");
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (c, "bad-request", "%s: expected a hex string", name);
  hex = json_node_get_string (node);
  st = cv_hex_decode (out, hex);
  if (st != CV_OK)
    return fail (c, "bad-request", "%s: %s", name, cv_status_message ());
  return true;
}

static bool
field_bytes (call *c, JsonObject *o, const char *name, cv_bytes *out)
{
  JsonNode *node = json_object_get_member (o, name);

  if (node == NULL)
    return cv_bytes_alloc (out, 0) == CV_OK || fail (c, "nomem", "out of memory");
  return field_bytes_node (c, node, name, out);
}

static bool
field_uint (call *c, JsonObject *o, const char *name, guint64 max, guint64 *out)
{
  JsonNode *node = json_object_get_member (o, name);
  gint64 v;

  *out = 0;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return true;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return fail (c, "bad-request", "%s: expected an integer", name);
  v = json_node_get_int (node);
  if (v < 0 || (guint64) v > max)
    return fail (c, "bad-request", "%s: %" G_GINT64_FORMAT " is out of range 0..%" G_GUINT64_FORMAT,
                 name, v, max);
  *out = (guint64) v;
  return true;
}

static bool
field_bool (call *c, JsonObject *o, const char *name, bool *out)
{
  JsonNode *node = json_object_get_member (o, name);

  *out = false;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return true;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return fail (c, "bad-request", "%s: expected true or false", name);
  *out = json_node_get_boolean (node);
  return true;
}

static bool
field_string (call *c, JsonObject *o, const char *name, const char **out)
{
  JsonNode *node = json_object_get_member (o, name);

  *out = "";
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return true;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (c, "bad-request", "%s: expected a string", name);
  *out = json_node_get_string (node);
  return true;
}

/* A list member: absent or null is an empty list. */
static bool
field_array (call *c, JsonObject *o, const char *name, JsonArray **out)
{
  JsonNode *node = json_object_get_member (o, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return true;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return fail (c, "bad-request", "%s: expected an array", name);
  *out = json_node_get_array (node);
  if (json_array_get_length (*out) > PEER_MAX_ITEMS)
    return fail (c, "bad-request", "%s: more than %u items", name, PEER_MAX_ITEMS);
  return true;
}

static bool
field_suite (call *c, JsonObject *o, const char *name, const cv_mls_suite **suite)
{
  guint64 id;
  cv_status st;

  if (!field_uint (c, o, name, G_MAXUINT16, &id))
    return false;
  st = cv_mls_suite_get ((uint16_t) id, suite);
  if (st != CV_OK)
    return fail (c, "unsupported", "%s: cipher suite %" G_GUINT64_FORMAT " is not supported",
                 name, id);
  return true;
}

/* extensions: [{"extension_type": n, "extension_data": hex}, ...] */
static bool
field_extensions (call *c, JsonObject *o, const char *name, cv_mls_extension_list *out)
{
  JsonArray *a;

  if (!field_array (c, o, name, &a) || a == NULL)
    return c->error == NULL;
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *item = json_array_get_element (a, i);
      JsonObject *e;
      guint64 type;
      cv_bytes data = CV_BYTES_INIT;
      cv_status st;

      if (!JSON_NODE_HOLDS_OBJECT (item))
        return fail (c, "bad-request", "%s[%u]: expected an object", name, i);
      e = json_node_get_object (item);
      if (!field_uint (c, e, "extension_type", G_MAXUINT16, &type)
          || !field_bytes (c, e, "extension_data", &data))
        return false;
      if (cv_mls_extension_list_find (out, (uint16_t) type) != NULL)
        st = cv_fail (CV_ERR_INVALID, "RFC 9420 §13.4: extension type %" G_GUINT64_FORMAT
                      " appears twice", type);
      else
        st = cv_mls_extension_list_set (out, (uint16_t) type, data.data, data.len);
      cv_bytes_clear (&data);
      if (st != CV_OK)
        return fail_cv (c, name, st);
    }
  return true;
}

static peer_state *
field_state (call *c)
{
  guint64 id;
  peer_state *s;

  if (!field_uint (c, c->req, "state_id", G_MAXUINT32, &id))
    return NULL;
  s = g_hash_table_lookup (c->p->states, GUINT_TO_POINTER ((guint) id));
  if (s == NULL)
    fail (c, "bad-request", "state_id %" G_GUINT64_FORMAT " is unknown", id);
  return s;
}

/* ---- Replies ---- */

static void
reply_bytes (call *c, const char *name, const uint8_t *data, size_t len)
{
  char *hex = cv_hex_encode (data, len);

  json_object_set_string_member (c->reply, name, hex ? hex : "");
  if (hex)
    {
      OPENSSL_cleanse (hex, strlen (hex));
      free (hex);
    }
}

static void
reply_cv_bytes (call *c, const char *name, const cv_bytes *b)
{
  reply_bytes (c, name, b->data, b->len);
}

/* ---- Peer bookkeeping ---- */

static void
state_free (gpointer data)
{
  peer_state *s = data;

  cv_mls_staged_commit_free (s->pending_commit);
  cv_mls_group_free (s->group);
  g_ptr_array_unref (s->sent_proposals);
  g_free (s);
}

static void
transaction_free (gpointer data)
{
  peer_transaction *t = data;

  cv_mls_key_package_bundle_clear (&t->bundle);
  cv_mls_credential_clear (&t->credential);
  g_free (t);
}

static guint32
peer_new_id (peer *p)
{
  return ++p->next_id;
}

static guint32
peer_add_state (peer *p, cv_mls_group *g)
{
  peer_state *s = g_new0 (peer_state, 1);
  guint32 id = peer_new_id (p);

  s->group = g;
  s->sent_proposals = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_hash_table_insert (p->states, GUINT_TO_POINTER (id), s);
  return id;
}

/* The epoch moved: what we proposed or committed in the old one is gone. */
static void
state_new_epoch (peer_state *s)
{
  cv_mls_staged_commit_free (s->pending_commit);
  s->pending_commit = NULL;
  g_ptr_array_set_size (s->sent_proposals, 0);
}

static bool
state_sent (const peer_state *s, const cv_bytes *msg)
{
  for (guint i = 0; i < s->sent_proposals->len; i++)
    {
      GBytes *b = g_ptr_array_index (s->sent_proposals, i);
      gsize len;
      const void *data = g_bytes_get_data (b, &len);

      if (len == msg->len && memcmp (data, msg->data, len) == 0)
        return true;
    }
  return false;
}

static cv_status
psk_lookup (void *user_data, const uint8_t *psk_id, size_t psk_id_len, cv_bytes *psk)
{
  peer *p = user_data;

  for (guint i = 0; i < p->psks->len; i++)
    {
      peer_psk *e = &g_array_index (p->psks, peer_psk, i);

      if (e->id.len == psk_id_len && memcmp (e->id.data, psk_id, psk_id_len) == 0)
        return cv_bytes_copy (psk, &e->secret);
    }
  return cv_fail (CV_ERR_INVALID, "RFC 9420 §8.4: no external PSK with that id was stored");
}

static void
peer_config (peer *p, bool encrypt_handshake, cv_mls_group_config *config)
{
  cv_mls_group_config_init (config);
  config->handshake_private = encrypt_handshake;
  config->psk_lookup = psk_lookup;
  config->psk_user_data = p;
}

static bool
basic_credential (call *c, cv_mls_credential *cred)
{
  memset (cred, 0, sizeof *cred);
  cred->type = CV_MLS_CREDENTIAL_BASIC;
  return field_bytes (c, c->req, "identity", &cred->identity);
}

/* The leaf of the member whose basic credential carries identity. */
static bool
leaf_of_identity (call *c, const cv_mls_group *g, const cv_bytes *identity, uint32_t *leaf)
{
  cv_mls_member *members = NULL;
  size_t n = 0;
  cv_status st = cv_mls_group_members (g, &members, &n);
  bool found = false;

  if (st != CV_OK)
    return fail_cv (c, "members", st);
  for (size_t i = 0; i < n && !found; i++)
    {
      const cv_mls_credential *cred = members[i].credential;

      if (cred->type == CV_MLS_CREDENTIAL_BASIC && cred->identity.len == identity->len
          && memcmp (cred->identity.data, identity->data, identity->len) == 0)
        {
          *leaf = members[i].leaf_index;
          found = true;
        }
    }
  free (members);
  if (!found)
    {
      char *hex = cv_hex_encode (identity->data, identity->len);

      fail (c, "bad-request", "no member has the identity %s", hex ? hex : "?");
      free (hex);
    }
  return found;
}

/* ---- Operations ---- */

static bool
op_name (call *c)
{
  json_object_set_string_member (c->reply, "name", "Conclave");
  return true;
}

static bool
op_supported_ciphersuites (call *c)
{
  JsonArray *a = json_array_new ();

  for (uint16_t id = 1; id <= 7; id++)
    {
      const cv_mls_suite *s;

      if (cv_mls_suite_get (id, &s) == CV_OK)
        json_array_add_int_element (a, id);
    }
  json_object_set_array_member (c->reply, "ciphersuites", a);
  return true;
}

static bool
op_create_group (call *c)
{
  const cv_mls_suite *suite;
  cv_bytes group_id = CV_BYTES_INIT, sig_priv = CV_BYTES_INIT, sig_pub = CV_BYTES_INIT;
  cv_mls_credential cred = { 0 };
  cv_mls_extension_list ext = { 0 };
  cv_mls_group_config config;
  cv_mls_group *g = NULL;
  bool encrypt, external_tree, ok = false;
  cv_status st;

  if (!field_bytes (c, c->req, "group_id", &group_id) || !field_suite (c, c->req, "cipher_suite", &suite)
      || !field_bool (c, c->req, "encrypt_handshake", &encrypt)
      || !field_bool (c, c->req, "external_tree", &external_tree)
      || !basic_credential (c, &cred) || !field_extensions (c, c->req, "extensions", &ext))
    goto out;
  peer_config (c->p, encrypt, &config);
  config.ratchet_tree_in_welcome = !external_tree;
  st = cv_mls_signature_key_pair (suite, &sig_priv, &sig_pub);
  if (st == CV_OK)
    st = cv_mls_group_create (suite, group_id.data, group_id.len, &cred, sig_priv.data,
                              sig_priv.len, ext.count ? &ext : NULL, &config, &g);
  if (st != CV_OK)
    {
      fail_cv (c, "create group", st);
      goto out;
    }
  json_object_set_int_member (c->reply, "state_id", peer_add_state (c->p, g));
  ok = true;
out:
  cv_bytes_clear (&group_id);
  cv_bytes_clear (&sig_priv);
  cv_bytes_clear (&sig_pub);
  cv_mls_credential_clear (&cred);
  cv_mls_extension_list_clear (&ext);
  return ok;
}

static bool
op_create_key_package (call *c)
{
  const cv_mls_suite *suite;
  peer_transaction *t = g_new0 (peer_transaction, 1);
  cv_bytes sig_priv = CV_BYTES_INIT, sig_pub = CV_BYTES_INIT;
  guint32 id;
  cv_status st;

  if (!field_suite (c, c->req, "cipher_suite", &suite) || !basic_credential (c, &t->credential))
    goto fail;
  st = cv_mls_signature_key_pair (suite, &sig_priv, &sig_pub);
  if (st == CV_OK)
    st = cv_mls_make_key_package (suite, &t->credential, sig_priv.data, sig_priv.len, 0, 0,
                                  NULL, NULL, &t->bundle);
  cv_bytes_clear (&sig_priv);
  cv_bytes_clear (&sig_pub);
  if (st != CV_OK)
    {
      fail_cv (c, "create KeyPackage", st);
      goto fail;
    }
  id = peer_new_id (c->p);
  g_hash_table_insert (c->p->transactions, GUINT_TO_POINTER (id), t);
  json_object_set_int_member (c->reply, "transaction_id", id);
  reply_cv_bytes (c, "key_package", &t->bundle.key_package_message);
  reply_cv_bytes (c, "init_priv", &t->bundle.init_priv);
  reply_cv_bytes (c, "encryption_priv", &t->bundle.encryption_priv);
  reply_cv_bytes (c, "signature_priv", &t->bundle.signature_priv);
  return true;
fail:
  transaction_free (t);
  return false;
}

static bool
op_join_group (call *c)
{
  guint64 tid;
  peer_transaction *t;
  cv_bytes welcome = CV_BYTES_INIT, tree = CV_BYTES_INIT;
  cv_mls_group_config config;
  cv_mls_group *g = NULL;
  bool encrypt, external_tree, ok = false;
  cv_status st;
  guint32 id;

  if (!field_uint (c, c->req, "transaction_id", G_MAXUINT32, &tid)
      || !field_bytes (c, c->req, "welcome", &welcome)
      || !field_bool (c, c->req, "encrypt_handshake", &encrypt)
      || !field_bool (c, c->req, "external_tree", &external_tree)
      || !field_bytes (c, c->req, "ratchet_tree", &tree))
    goto out;
  t = g_hash_table_lookup (c->p->transactions, GUINT_TO_POINTER ((guint) tid));
  if (t == NULL)
    {
      fail (c, "bad-request", "transaction_id %" G_GUINT64_FORMAT " is unknown", tid);
      goto out;
    }
  peer_config (c->p, encrypt, &config);
  config.ratchet_tree_in_welcome = !external_tree;
  st = cv_mls_group_join (&t->bundle, welcome.data, welcome.len, tree.len ? tree.data : NULL,
                          tree.len, &config, &g);
  if (st != CV_OK)
    {
      fail_cv (c, "join", st);
      goto out;
    }
  /* A KeyPackage's private keys serve one join only. */
  g_hash_table_remove (c->p->transactions, GUINT_TO_POINTER ((guint) tid));
  id = peer_add_state (c->p, g);
  json_object_set_int_member (c->reply, "state_id", id);
  reply_cv_bytes (c, "epoch_authenticator", cv_mls_group_epoch_authenticator (g));
  ok = true;
out:
  cv_bytes_clear (&welcome);
  cv_bytes_clear (&tree);
  return ok;
}

static bool
op_external_join (call *c)
{
  cv_bytes gi = CV_BYTES_INIT, tree = CV_BYTES_INIT, commit = CV_BYTES_INIT;
  cv_bytes sig_priv = CV_BYTES_INIT, sig_pub = CV_BYTES_INIT;
  cv_mls_credential cred = { 0 };
  cv_mls_group_info info = { 0 };
  const cv_mls_suite *suite;
  cv_mls_group_config config;
  cv_mls_group *g = NULL;
  JsonArray *psks;
  bool encrypt, external_tree, remove_prior, ok = false;
  cv_status st;
  guint32 id;

  if (!field_bytes (c, c->req, "group_info", &gi) || !field_bytes (c, c->req, "ratchet_tree", &tree)
      || !field_bool (c, c->req, "encrypt_handshake", &encrypt)
      || !field_bool (c, c->req, "external_tree", &external_tree)
      || !field_bool (c, c->req, "remove_prior", &remove_prior)
      || !field_array (c, c->req, "psks", &psks) || !basic_credential (c, &cred))
    goto out;
  if (remove_prior)
    {
      fail (c, "unsupported", "remove_prior: an external commit that removes our prior leaf "
            "(resync) is not offered by the library");
      goto out;
    }
  if (psks != NULL && json_array_get_length (psks) > 0)
    {
      fail (c, "unsupported", "psks: an external commit with PreSharedKey proposals is not "
            "offered by the library");
      goto out;
    }
  /* The signature key must be of the group's suite, which the GroupInfo names. */
  st = cv_mls_group_info_parse_message (gi.data, gi.len, &info);
  if (st == CV_OK)
    st = cv_mls_suite_get (info.context.cipher_suite, &suite);
  if (st == CV_OK)
    st = cv_mls_signature_key_pair (suite, &sig_priv, &sig_pub);
  if (st != CV_OK)
    {
      fail_cv (c, "GroupInfo", st);
      goto out;
    }
  peer_config (c->p, encrypt, &config);
  config.ratchet_tree_in_welcome = !external_tree;
  st = cv_mls_group_join_external (gi.data, gi.len, tree.len ? tree.data : NULL, tree.len, &cred,
                                   sig_priv.data, sig_priv.len, &config, &commit, &g);
  if (st != CV_OK)
    {
      fail_cv (c, "external join", st);
      goto out;
    }
  id = peer_add_state (c->p, g);
  json_object_set_int_member (c->reply, "state_id", id);
  reply_cv_bytes (c, "commit", &commit);
  reply_cv_bytes (c, "epoch_authenticator", cv_mls_group_epoch_authenticator (g));
  ok = true;
out:
  cv_bytes_clear (&gi);
  cv_bytes_clear (&tree);
  cv_bytes_clear (&commit);
  cv_bytes_clear (&sig_priv);
  cv_bytes_clear (&sig_pub);
  cv_mls_credential_clear (&cred);
  cv_mls_group_info_clear (&info);
  return ok;
}

static bool
op_group_info (call *c)
{
  peer_state *s = field_state (c);
  cv_bytes gi = CV_BYTES_INIT, tree = CV_BYTES_INIT;
  bool external_tree;
  cv_status st;

  if (s == NULL || !field_bool (c, c->req, "external_tree", &external_tree))
    return false;
  st = cv_mls_group_group_info (s->group, !external_tree, &gi);
  if (st == CV_OK && external_tree)
    st = cv_mls_group_ratchet_tree (s->group, &tree);
  if (st != CV_OK)
    {
      cv_bytes_clear (&gi);
      return fail_cv (c, "GroupInfo", st);
    }
  reply_cv_bytes (c, "group_info", &gi);
  reply_cv_bytes (c, "ratchet_tree", &tree);
  cv_bytes_clear (&gi);
  cv_bytes_clear (&tree);
  return true;
}

static bool
op_state_auth (call *c)
{
  peer_state *s = field_state (c);

  if (s == NULL)
    return false;
  reply_cv_bytes (c, "state_auth_secret", cv_mls_group_epoch_authenticator (s->group));
  return true;
}

static bool
op_export (call *c)
{
  peer_state *s = field_state (c);
  const char *label;
  cv_bytes context = CV_BYTES_INIT, out = CV_BYTES_INIT;
  guint64 length;
  cv_status st;

  if (s == NULL || !field_string (c, c->req, "label", &label)
      || !field_bytes (c, c->req, "context", &context)
      || !field_uint (c, c->req, "key_length", G_MAXUINT16, &length))
    {
      cv_bytes_clear (&context);
      return false;
    }
  st = cv_mls_group_export (s->group, label, context.data, context.len, (uint16_t) length, &out);
  cv_bytes_clear (&context);
  if (st != CV_OK)
    return fail_cv (c, "export", st);
  reply_cv_bytes (c, "exported_secret", &out);
  cv_bytes_clear (&out);
  return true;
}

static bool
op_protect (call *c)
{
  peer_state *s = field_state (c);
  cv_bytes ad = CV_BYTES_INIT, pt = CV_BYTES_INIT, msg = CV_BYTES_INIT;
  cv_status st;
  bool ok = false;

  if (s == NULL || !field_bytes (c, c->req, "authenticated_data", &ad)
      || !field_bytes (c, c->req, "plaintext", &pt))
    goto out;
  st = cv_mls_group_protect (s->group, ad.data, ad.len, pt.data, pt.len, &msg);
  if (st != CV_OK)
    {
      fail_cv (c, "protect", st);
      goto out;
    }
  reply_cv_bytes (c, "ciphertext", &msg);
  ok = true;
out:
  cv_bytes_clear (&ad);
  cv_bytes_clear (&pt);
  cv_bytes_clear (&msg);
  return ok;
}

static bool
op_unprotect (call *c)
{
  peer_state *s = field_state (c);
  cv_bytes msg = CV_BYTES_INIT;
  cv_mls_received r;
  cv_status st;
  bool ok = false;

  if (s == NULL || !field_bytes (c, c->req, "ciphertext", &msg))
    goto out;
  st = cv_mls_group_process (s->group, msg.data, msg.len, &r);
  if (st != CV_OK)
    {
      fail_cv (c, "unprotect", st);
      goto out;
    }
  if (r.type == CV_MLS_RECEIVED_APPLICATION)
    {
      reply_cv_bytes (c, "authenticated_data", &r.authenticated_data);
      reply_cv_bytes (c, "plaintext", &r.application_data);
      ok = true;
    }
  else
    fail (c, "bad-request", "unprotect: the message is a %s, not application data",
          r.type == CV_MLS_RECEIVED_COMMIT ? "commit (not applied)" : "proposal (now pending)");
  cv_mls_received_clear (&r);
out:
  cv_bytes_clear (&msg);
  return ok;
}

static bool
op_store_psk (call *c)
{
  guint64 id;
  peer_psk e = { CV_BYTES_INIT, CV_BYTES_INIT };
  GHashTable *states = c->p->states, *transactions = c->p->transactions;

  if (!field_uint (c, c->req, "state_or_transaction_id", G_MAXUINT32, &id))
    return false;
  if (!g_hash_table_contains (states, GUINT_TO_POINTER ((guint) id))
      && !g_hash_table_contains (transactions, GUINT_TO_POINTER ((guint) id)))
    return fail (c, "bad-request", "state_or_transaction_id %" G_GUINT64_FORMAT " is unknown", id);
  if (!field_bytes (c, c->req, "psk_id", &e.id) || !field_bytes (c, c->req, "psk_secret", &e.secret))
    {
      cv_bytes_clear (&e.id);
      cv_bytes_clear (&e.secret);
      return false;
    }
  /* One store for the whole peer: ids of the interop runs are unique. */
  g_array_append_val (c->p->psks, e);
  return true;
}

static bool
reply_proposal (call *c, peer_state *s, const char *what, cv_status st, cv_bytes *msg)
{
  if (st != CV_OK)
    return fail_cv (c, what, st);
  g_ptr_array_add (s->sent_proposals, g_bytes_new (msg->data, msg->len));
  reply_cv_bytes (c, "proposal", msg);
  cv_bytes_clear (msg);
  return true;
}

static bool
op_add_proposal (call *c)
{
  peer_state *s = field_state (c);
  cv_bytes kp = CV_BYTES_INIT, msg = CV_BYTES_INIT;
  bool ok;

  if (s == NULL || !field_bytes (c, c->req, "key_package", &kp))
    return false;
  ok = reply_proposal (c, s, "Add proposal",
                       cv_mls_group_propose_add (s->group, kp.data, kp.len, &msg), &msg);
  cv_bytes_clear (&kp);
  return ok;
}

static bool
op_update_proposal (call *c)
{
  peer_state *s = field_state (c);
  cv_bytes msg = CV_BYTES_INIT;

  if (s == NULL)
    return false;
  return reply_proposal (c, s, "Update proposal", cv_mls_group_propose_update (s->group, &msg),
                         &msg);
}

static bool
op_remove_proposal (call *c)
{
  peer_state *s = field_state (c);
  cv_bytes removed = CV_BYTES_INIT, msg = CV_BYTES_INIT;
  uint32_t leaf;
  bool ok = false;

  if (s != NULL && field_bytes (c, c->req, "removed_id", &removed)
      && leaf_of_identity (c, s->group, &removed, &leaf))
    ok = reply_proposal (c, s, "Remove proposal",
                         cv_mls_group_propose_remove (s->group, leaf, &msg), &msg);
  cv_bytes_clear (&removed);
  return ok;
}

/* Processes a proposal message of another member (ours are pending already). */
static bool
take_proposal (call *c, peer_state *s, JsonNode *node, const char *name)
{
  cv_bytes msg = CV_BYTES_INIT;
  cv_mls_received r;
  cv_status st;
  bool ok = false;

  if (!field_bytes_node (c, node, name, &msg))
    return false;
  if (state_sent (s, &msg))
    {
      cv_bytes_clear (&msg);
      return true;
    }
  st = cv_mls_group_process (s->group, msg.data, msg.len, &r);
  if (st != CV_OK)
    fail_cv (c, name, st);
  else if (r.type != CV_MLS_RECEIVED_PROPOSAL)
    fail (c, "bad-request", "%s: not a proposal", name);
  else
    ok = true;
  if (st == CV_OK)
    cv_mls_received_clear (&r);
  cv_bytes_clear (&msg);
  return ok;
}

/* RFC-wise the tree's place (in the Welcome's GroupInfo or out of band) is
 * a choice of each commit; our public API makes it once per group. The peer
 * sets it for one commit and puts the group's own choice back, in the
 * current epoch and in the staged one (which copied the config). */
static cv_status
commit_with_tree_placement (cv_mls_group *g, bool in_welcome, const cv_mls_commit_options *opts,
                            cv_bytes *commit, cv_bytes *welcome, cv_mls_staged_commit **staged)
{
  bool saved = g->config.ratchet_tree_in_welcome;
  cv_status st;

  g->config.ratchet_tree_in_welcome = in_welcome;
  st = cv_mls_group_commit (g, opts, commit, welcome, staged);
  g->config.ratchet_tree_in_welcome = saved;
  if (st == CV_OK)
    (*staged)->next->config.ratchet_tree_in_welcome = saved;
  return st;
}

static bool
op_commit (call *c)
{
  peer_state *s = field_state (c);
  JsonArray *by_ref = NULL, *by_value = NULL;
  GArray *adds = g_array_new (FALSE, TRUE, sizeof (cv_bytes));
  GArray *removes = g_array_new (FALSE, TRUE, sizeof (uint32_t));
  cv_mls_extension_list ext = { 0 };
  bool has_ext = false, force_path, external_tree, ok = false;
  cv_mls_commit_options opts;
  cv_bytes commit = CV_BYTES_INIT, welcome = CV_BYTES_INIT, tree = CV_BYTES_INIT;
  cv_mls_staged_commit *staged = NULL;
  cv_status st;

  if (s == NULL || !field_array (c, c->req, "by_reference", &by_ref)
      || !field_array (c, c->req, "by_value", &by_value)
      || !field_bool (c, c->req, "force_path", &force_path)
      || !field_bool (c, c->req, "external_tree", &external_tree))
    goto out;

  for (guint i = 0; by_value != NULL && i < json_array_get_length (by_value); i++)
    {
      JsonNode *node = json_array_get_element (by_value, i);
      JsonObject *d;
      const char *type;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          fail (c, "bad-request", "by_value[%u]: expected an object", i);
          goto out;
        }
      d = json_node_get_object (node);
      if (!field_string (c, d, "proposal_type", &type))
        goto out;
      if (strcmp (type, "add") == 0)
        {
          cv_bytes kp = CV_BYTES_INIT;

          if (!field_bytes (c, d, "key_package", &kp))
            goto out;
          g_array_append_val (adds, kp);
        }
      else if (strcmp (type, "remove") == 0)
        {
          cv_bytes removed = CV_BYTES_INIT;
          uint32_t leaf;
          bool found = field_bytes (c, d, "removed_id", &removed)
                       && leaf_of_identity (c, s->group, &removed, &leaf);

          cv_bytes_clear (&removed);
          if (!found)
            goto out;
          g_array_append_val (removes, leaf);
        }
      else if (strcmp (type, "groupContextExtensions") == 0)
        {
          if (has_ext)
            {
              fail (c, "bad-request", "by_value[%u]: a second groupContextExtensions", i);
              goto out;
            }
          if (!field_extensions (c, d, "extensions", &ext))
            goto out;
          has_ext = true;
        }
      else if (strcmp (type, "externalPSK") == 0 || strcmp (type, "resumptionPSK") == 0
               || strcmp (type, "reinit") == 0)
        {
          fail (c, "unsupported", "by_value[%u]: %s proposals in a commit are not offered by "
                "the library", i, type);
          goto out;
        }
      else
        {
          fail (c, "bad-request", "by_value[%u]: unknown proposal_type \"%s\"", i, type);
          goto out;
        }
    }

  for (guint i = 0; by_ref != NULL && i < json_array_get_length (by_ref); i++)
    {
      char name[32];

      g_snprintf (name, sizeof name, "by_reference[%u]", i);
      if (!take_proposal (c, s, json_array_get_element (by_ref, i), name))
        goto out;
    }

  memset (&opts, 0, sizeof opts);
  opts.add_key_packages = (const cv_bytes *) adds->data;
  opts.n_add = adds->len;
  opts.remove_leaves = (const uint32_t *) removes->data;
  opts.n_remove = removes->len;
  opts.new_extensions = has_ext ? &ext : NULL;
  opts.include_pending = true;
  opts.force_path = force_path;

  st = commit_with_tree_placement (s->group, !external_tree, &opts, &commit, &welcome, &staged);
  if (st == CV_OK && external_tree)
    st = cv_mls_group_ratchet_tree (staged->next, &tree);
  if (st != CV_OK)
    {
      cv_mls_staged_commit_free (staged);
      fail_cv (c, "commit", st);
      goto out;
    }
  /* A newer commit of ours replaces the older: only one can win the epoch. */
  cv_mls_staged_commit_free (s->pending_commit);
  s->pending_commit = staged;
  reply_cv_bytes (c, "commit", &commit);
  reply_cv_bytes (c, "welcome", &welcome);
  reply_cv_bytes (c, "ratchet_tree", &tree);
  ok = true;
out:
  for (guint i = 0; i < adds->len; i++)
    cv_bytes_clear (&g_array_index (adds, cv_bytes, i));
  g_array_unref (adds);
  g_array_unref (removes);
  cv_mls_extension_list_clear (&ext);
  cv_bytes_clear (&commit);
  cv_bytes_clear (&welcome);
  cv_bytes_clear (&tree);
  return ok;
}

static void
reply_epoch (call *c, const peer_state *s)
{
  guint64 id;

  field_uint (c, c->req, "state_id", G_MAXUINT32, &id);
  json_object_set_int_member (c->reply, "state_id", (gint64) id);
  reply_cv_bytes (c, "epoch_authenticator", cv_mls_group_epoch_authenticator (s->group));
  json_object_set_int_member (c->reply, "epoch", (gint64) cv_mls_group_epoch (s->group));
  json_object_set_boolean_member (c->reply, "active", cv_mls_group_is_active (s->group));
}

static bool
op_handle_commit (call *c)
{
  peer_state *s = field_state (c);
  JsonArray *proposals;
  cv_bytes commit = CV_BYTES_INIT;
  cv_mls_received r;
  cv_status st;
  bool ok = false;

  if (s == NULL || !field_array (c, c->req, "proposal", &proposals)
      || !field_bytes (c, c->req, "commit", &commit))
    goto out;
  for (guint i = 0; proposals != NULL && i < json_array_get_length (proposals); i++)
    {
      char name[32];

      g_snprintf (name, sizeof name, "proposal[%u]", i);
      if (!take_proposal (c, s, json_array_get_element (proposals, i), name))
        goto out;
    }
  st = cv_mls_group_process (s->group, commit.data, commit.len, &r);
  if (st != CV_OK)
    {
      fail_cv (c, "handle commit", st);
      goto out;
    }
  if (r.type != CV_MLS_RECEIVED_COMMIT)
    {
      fail (c, "bad-request", "commit: the message is not a commit");
      cv_mls_received_clear (&r);
      goto out;
    }
  st = cv_mls_group_merge (s->group, r.staged);
  if (st == CV_OK)
    r.staged = NULL;       /* merged and freed; on failure the clear frees it */
  cv_mls_received_clear (&r);
  if (st != CV_OK)
    {
      fail_cv (c, "merge", st);
      goto out;
    }
  state_new_epoch (s);
  reply_epoch (c, s);
  ok = true;
out:
  cv_bytes_clear (&commit);
  return ok;
}

static bool
op_handle_pending_commit (call *c)
{
  peer_state *s = field_state (c);
  cv_status st;

  if (s == NULL)
    return false;
  if (s->pending_commit == NULL)
    return fail (c, "bad-request", "no commit of ours is pending in this state");
  st = cv_mls_group_merge (s->group, s->pending_commit);
  if (st != CV_OK)
    return fail_cv (c, "merge", st);   /* it stays pending */
  s->pending_commit = NULL;             /* merged and freed */
  state_new_epoch (s);
  reply_epoch (c, s);
  return true;
}

/* Not in the interop protocol: what a test wants to see of a state. */
static bool
op_state (call *c)
{
  peer_state *s = field_state (c);
  cv_mls_member *members = NULL;
  size_t n = 0;
  JsonArray *a;
  cv_status st;

  if (s == NULL)
    return false;
  st = cv_mls_group_members (s->group, &members, &n);
  if (st != CV_OK)
    return fail_cv (c, "members", st);
  a = json_array_new ();
  for (size_t i = 0; i < n; i++)
    {
      JsonObject *m = json_object_new ();
      char *hex = members[i].credential->type == CV_MLS_CREDENTIAL_BASIC
                    ? cv_hex_encode (members[i].credential->identity.data,
                                     members[i].credential->identity.len)
                    : NULL;

      json_object_set_int_member (m, "leaf_index", members[i].leaf_index);
      json_object_set_string_member (m, "identity", hex ? hex : "");
      free (hex);
      json_array_add_object_element (a, m);
    }
  free (members);
  json_object_set_int_member (c->reply, "cipher_suite", cv_mls_group_suite (s->group)->id);
  reply_cv_bytes (c, "group_id", cv_mls_group_id (s->group));
  json_object_set_int_member (c->reply, "epoch", (gint64) cv_mls_group_epoch (s->group));
  json_object_set_int_member (c->reply, "own_leaf", cv_mls_group_own_leaf (s->group));
  json_object_set_boolean_member (c->reply, "active", cv_mls_group_is_active (s->group));
  json_object_set_boolean_member (c->reply, "pending_commit", s->pending_commit != NULL);
  json_object_set_array_member (c->reply, "members", a);
  return true;
}

static bool
op_free_state (call *c)
{
  guint64 id;

  if (!field_uint (c, c->req, "state_id", G_MAXUINT32, &id))
    return false;
  if (!g_hash_table_remove (c->p->states, GUINT_TO_POINTER ((guint) id)))
    return fail (c, "bad-request", "state_id %" G_GUINT64_FORMAT " is unknown", id);
  return true;
}

typedef struct {
  const char *op;
  bool (*run) (call *c);
  const char *why_not;   /* run == NULL: the reason it is not offered */
} operation;

static const operation operations[] = {
  { "name", op_name, NULL },
  { "supported_ciphersuites", op_supported_ciphersuites, NULL },
  { "create_group", op_create_group, NULL },
  { "create_key_package", op_create_key_package, NULL },
  { "join_group", op_join_group, NULL },
  { "external_join", op_external_join, NULL },
  { "group_info", op_group_info, NULL },
  { "state_auth", op_state_auth, NULL },
  { "export", op_export, NULL },
  { "protect", op_protect, NULL },
  { "unprotect", op_unprotect, NULL },
  { "store_psk", op_store_psk, NULL },
  { "add_proposal", op_add_proposal, NULL },
  { "update_proposal", op_update_proposal, NULL },
  { "remove_proposal", op_remove_proposal, NULL },
  { "commit", op_commit, NULL },
  { "handle_commit", op_handle_commit, NULL },
  { "handle_pending_commit", op_handle_pending_commit, NULL },
  { "state", op_state, NULL },
  { "free_state", op_free_state, NULL },
  { "external_psk_proposal", NULL, "the library does not send PreSharedKey proposals" },
  { "resumption_psk_proposal", NULL, "the library does not send PreSharedKey proposals" },
  { "group_context_extensions_proposal", NULL,
    "the library sends GroupContextExtensions only inside a commit (commit by_value)" },
  { "reinit_proposal", NULL, "the library does not do ReInit" },
  { "reinit_commit", NULL, "the library does not do ReInit" },
  { "handle_pending_reinit_commit", NULL, "the library does not do ReInit" },
  { "handle_reinit_commit", NULL, "the library does not do ReInit" },
  { "reinit_welcome", NULL, "the library does not do ReInit" },
  { "handle_reinit_welcome", NULL, "the library does not do ReInit" },
  { "create_branch", NULL, "the library does not do subgroup branching" },
  { "handle_branch", NULL, "the library does not do subgroup branching" },
  { "new_member_add_proposal", NULL,
    "policy: new_member_proposal Adds are refused (DESIGN.md, zero trust)" },
  { "create_external_signer", NULL, "external signers are not offered by the peer" },
  { "add_external_signer", NULL, "external signers are not offered by the peer" },
  { "external_signer_proposal", NULL, "external signers are not offered by the peer" },
};

/* ---- The loop ---- */

static void
write_reply (JsonObject *reply)
{
  JsonNode *root = json_node_new (JSON_NODE_OBJECT);
  JsonGenerator *gen = json_generator_new ();
  gsize len;
  char *text;

  json_node_set_object (root, reply);
  json_generator_set_root (gen, root);
  text = json_generator_to_data (gen, &len);
  fwrite (text, 1, len, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
  OPENSSL_cleanse (text, len);
  g_free (text);
  g_object_unref (gen);
  json_node_unref (root);
}

static void
handle_line (peer *p, const char *line, size_t len)
{
  JsonParser *parser = json_parser_new ();
  GError *error = NULL;
  JsonNode *root, *id = NULL;
  call c = { p, NULL, json_object_new (), NULL, NULL };
  const char *op = NULL;
  const operation *found = NULL;

  if (!json_parser_load_from_data (parser, line, (gssize) len, &error))
    {
      fail (&c, "bad-request", "not JSON: %s", error->message);
      g_error_free (error);
      goto reply;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      fail (&c, "bad-request", "a request is a JSON object");
      goto reply;
    }
  c.req = json_node_get_object (root);
  id = json_object_get_member (c.req, "id");
  if (!field_string (&c, c.req, "op", &op))
    goto reply;
  for (size_t i = 0; i < G_N_ELEMENTS (operations); i++)
    if (strcmp (operations[i].op, op) == 0)
      found = &operations[i];
  if (found == NULL)
    fail (&c, "bad-request", "unknown op \"%s\"", op);
  else if (found->run == NULL)
    fail (&c, "unsupported", "%s: %s", op, found->why_not);
  else
    {
      cv_status_clear ();
      if (!found->run (&c) && c.error == NULL)
        fail (&c, "internal", "%s failed without a reason", op);
    }

reply:
  if (c.error != NULL)
    {
      /* Nothing half-built goes out with an error. */
      json_object_unref (c.reply);
      c.reply = json_object_new ();
    }
  if (id != NULL)
    json_object_set_member (c.reply, "id", json_node_copy (id));
  json_object_set_boolean_member (c.reply, "ok", c.error == NULL);
  if (c.error != NULL)
    {
      json_object_set_string_member (c.reply, "code", c.code);
      json_object_set_string_member (c.reply, "error", c.error);
    }
  write_reply (c.reply);
  json_object_unref (c.reply);
  g_free (c.error);
  g_object_unref (parser);
}

/* One line into buf; false at the end of input. *too_long when the line
 * went past PEER_MAX_LINE (the rest of it is skipped). */
static bool
read_line (GString *buf, bool *too_long)
{
  int ch;
  bool any = false;

  g_string_truncate (buf, 0);
  *too_long = false;
  while ((ch = getchar ()) != EOF)
    {
      any = true;
      if (ch == '\n')
        return true;
      if (buf->len < PEER_MAX_LINE)
        g_string_append_c (buf, (char) ch);
      else
        *too_long = true;
    }
  return any;
}

int
main (int argc, char **argv)
{
  peer p = { 0 };
  GString *line = g_string_new (NULL);
  bool too_long;

  if (argc > 1)
    {
      fprintf (stderr, "usage: %s < requests > replies\n"
               "JSON lines in, JSON lines out (docs/mls-peer.md)\n", argv[0]);
      return strcmp (argv[1], "--help") == 0 ? 0 : 2;
    }
  p.states = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, state_free);
  p.transactions = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, transaction_free);
  p.psks = g_array_new (FALSE, TRUE, sizeof (peer_psk));

  while (read_line (line, &too_long))
    {
      if (too_long)
        {
          call c = { &p, NULL, json_object_new (), NULL, NULL };

          fail (&c, "bad-request", "request line longer than %u bytes", PEER_MAX_LINE);
          json_object_set_boolean_member (c.reply, "ok", false);
          json_object_set_string_member (c.reply, "code", c.code);
          json_object_set_string_member (c.reply, "error", c.error);
          write_reply (c.reply);
          json_object_unref (c.reply);
          g_free (c.error);
          continue;
        }
      if (line->len == 0 || (line->len == 1 && line->str[0] == '\r'))
        continue;
      handle_line (&p, line->str, line->len);
    }

  g_hash_table_destroy (p.states);
  g_hash_table_destroy (p.transactions);
  for (guint i = 0; i < p.psks->len; i++)
    {
      cv_bytes_clear (&g_array_index (p.psks, peer_psk, i).id);
      cv_bytes_clear (&g_array_index (p.psks, peer_psk, i).secret);
    }
  g_array_unref (p.psks);
  OPENSSL_cleanse (line->str, line->allocated_len);
  g_string_free (line, TRUE);
  return 0;
}

/* cv-server-signaling.c: the JSON messages of docs/protocol.md.
 *
 * Every request is checked field by field before anything changes; a bad
 * request gets an `error` message and changes nothing. MLS payloads are
 * decoded only to read their public header (cv-mls-wire-header.h); the
 * decoded bytes are wiped right after, and the base64 text as received is
 * what gets relayed. Nothing of a payload is ever logged.
 */
#include "config.h"

#include "cv-server-private.h"
#include "cv-invite-link.h"
#include "cv-mls-group.h"
#include "cv-mls-wire-header.h"

#include <openssl/crypto.h>
#include <string.h>

#define MAX_JSON_DEPTH 8
#define MAX_DISPLAY_NAME 64
#define MAX_FIELD 256
#define MAX_FEATURES 16
#define MAX_LIST 1000
#define MAX_SSRCS 64

typedef gboolean (*Handler) (CvServer   *self,
                             CvClient   *client,
                             JsonObject *request,
                             JsonNode   *id,
                             GError    **error);

/* ---- Field access that never trusts the JSON ---- */

static gboolean
bad_request (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad_request (GError **error, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  g_propagate_error (error, g_error_new_valist (CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_REQUEST, fmt, ap));
  va_end (ap);
  return FALSE;
}

static JsonNode *
get_value (JsonObject *obj, const char *name, GType type)
{
  JsonNode *node = json_object_get_member (obj, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return (JsonNode *) -1;
  return node;
}

static gboolean
get_string (JsonObject  *obj,
            const char  *name,
            gboolean     required,
            gsize        max,
            const char **out,
            GError     **error)
{
  JsonNode *node = get_value (obj, name, G_TYPE_STRING);

  *out = NULL;
  if (node == (JsonNode *) -1)
    return bad_request (error, "“%s” must be a string", name);
  if (node == NULL)
    return required ? bad_request (error, "“%s” is missing", name) : TRUE;
  *out = json_node_get_string (node);
  if (strlen (*out) > max)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_TOO_LARGE,
                   "“%s” is longer than %zu bytes", name, max);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_bool (JsonObject *obj,
          const char *name,
          gboolean    fallback,
          gboolean   *out,
          GError    **error)
{
  JsonNode *node = get_value (obj, name, G_TYPE_BOOLEAN);

  *out = fallback;
  if (node == (JsonNode *) -1)
    return bad_request (error, "“%s” must be true or false", name);
  *out = node != NULL ? json_node_get_boolean (node) : fallback;
  return TRUE;
}

static gboolean
node_to_uint (JsonNode *node, guint64 max, guint64 *out)
{
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (node);
  if (v < 0 || (guint64) v > max)
    return FALSE;
  *out = (guint64) v;
  return TRUE;
}

static gboolean
get_uint (JsonObject *obj,
          const char *name,
          guint64     max,
          guint64    *out,
          GError    **error)
{
  if (!node_to_uint (json_object_get_member (obj, name), max, out))
    return bad_request (error, "“%s” must be an integer from 0 to %" G_GUINT64_FORMAT, name, max);
  return TRUE;
}

static gboolean
get_array (JsonObject *obj,
           const char *name,
           guint       max,
           JsonArray **out,
           GError    **error)
{
  JsonNode *node = json_object_get_member (obj, name);

  *out = NULL;
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return bad_request (error, "“%s” must be an array", name);
  *out = json_node_get_array (node);
  if (json_array_get_length (*out) > max)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_TOO_LARGE,
                   "“%s” has more than %u entries", name, max);
      return FALSE;
    }
  return TRUE;
}

/* Decoded payloads may be anything a member sent, so they are wiped. */
static void
wipe_free (guint8 *data, gsize len)
{
  if (data == NULL)
    return;
  OPENSSL_cleanse (data, len);
  g_free (data);
}

/* Strict base64 (RFC 4648 §4, padded): g_base64_decode() skips bad
 * characters silently, so the text is checked first. */
static gboolean
decode_base64 (const char *text,
               const char *name,
               gsize       max_decoded,
               guint8    **out,
               gsize      *out_len,
               GError    **error)
{
  gsize len = strlen (text);
  gsize pad = 0;

  *out = NULL;
  *out_len = 0;
  if (len / 4 * 3 > max_decoded + 2)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_TOO_LARGE,
                   "“%s” is larger than %zu bytes", name, max_decoded);
      return FALSE;
    }
  if (len == 0 || len % 4 != 0)
    goto bad;
  if (text[len - 1] == '=')
    pad = text[len - 2] == '=' ? 2 : 1;
  for (gsize i = 0; i < len - pad; i++)
    if (!(g_ascii_isalnum (text[i]) || text[i] == '+' || text[i] == '/'))
      goto bad;
  *out = g_base64_decode (text, out_len);
  if (*out_len > max_decoded)
    {
      wipe_free (*out, *out_len);
      *out = NULL;
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_TOO_LARGE,
                   "“%s” is larger than %zu bytes", name, max_decoded);
      return FALSE;
    }
  return TRUE;

bad:
  g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_BASE64,
               "“%s” is not valid base64", name);
  return FALSE;
}

/* Decodes an MLS message field and parses its public header. On success
 * *buf holds the decoded bytes (header points into them): wipe_free them. */
static gboolean
get_mls (JsonObject         *obj,
         const char         *name,
         gboolean            required,
         gsize               max,
         const char        **b64,
         guint8            **buf,
         gsize              *len,
         cv_mls_wire_header *header,
         GError            **error)
{
  cv_status st;

  *buf = NULL;
  *len = 0;
  if (!get_string (obj, name, required, max / 3 * 4 + 4, b64, error))
    return FALSE;
  if (*b64 == NULL)
    return TRUE;
  if (!decode_base64 (*b64, name, max, buf, len, error))
    return FALSE;
  st = cv_mls_wire_header_parse (*buf, *len, header);
  if (st != CV_OK)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_MLS_MESSAGE,
                   "“%s”: %s (%s)", name, cv_status_name (st), cv_status_message ());
      wipe_free (*buf, *len);
      *buf = NULL;
      return FALSE;
    }
  return TRUE;
}

/* json-glib's parser recurses: refuse deep nesting before parsing. */
static gboolean
json_depth_ok (const char *text, gsize len)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          if (++depth > MAX_JSON_DEPTH)
            return FALSE;
        }
      else if ((c == '}' || c == ']') && depth > 0)
        depth--;
    }
  return TRUE;
}

/* ---- Building replies ---- */

static JsonBuilder *
begin_message (const char *type,
               JsonNode   *id)
{
  JsonBuilder *b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  if (id != NULL)
    {
      json_builder_set_member_name (b, "id");
      json_builder_add_value (b, json_node_copy (id));
    }
  return b;
}

static void
add_string (JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name (b, name);
  if (value != NULL)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

static void
add_int (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

static void
add_bool (JsonBuilder *b, const char *name, gboolean value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_boolean_value (b, value);
}

static void
send_and_free (CvClient *client, JsonBuilder *b)
{
  json_builder_end_object (b);
  cv_client_send_builder (client, b);
  g_object_unref (b);
}

static void
broadcast_and_free (CvServer      *self,
                    CvMeeting     *meeting,
                    JsonBuilder   *b,
                    CvParticipant *except,
                    CvBroadcastFlags flags)
{
  gsize len;
  g_autofree char *text = NULL;

  json_builder_end_object (b);
  text = cv_json_to_string (b, &len);
  g_object_unref (b);
  cv_server_broadcast (self, meeting, text, len, except, flags);
}

void
cv_json_add_participant (JsonBuilder   *b,
                         CvParticipant *p,
                         gboolean       e2ee)
{
  json_builder_begin_object (b);
  add_int (b, "id", cv_participant_get_id (p));
  add_string (b, "display_name", cv_participant_get_display_name (p));
  add_string (b, "kind", cv_participant_kind_to_string (cv_participant_get_kind (p)));
  add_bool (b, "video", cv_participant_get_video (p));
  /* Others subscribe to its streams by these SSRCs (docs/protocol.md, SSRCs). */
  if (cv_participant_get_ssrc_base (p) != CV_SSRC_NONE)
    add_int (b, "ssrc_base", cv_participant_get_ssrc_base (p));
  if (cv_participant_get_account (p) != NULL)
    add_string (b, "account", cv_participant_get_account (p));
  if (e2ee)
    {
      add_bool (b, "member", cv_participant_get_member (p));
      if (cv_participant_get_leaf_index (p) != CV_LEAF_UNKNOWN)
        add_int (b, "leaf_index", cv_participant_get_leaf_index (p));
    }
  json_builder_end_object (b);
}

/* ---- Delivery-service helpers ---- */

static void
send_key_package (CvParticipant *committer,
                  CvParticipant *joiner)
{
  CvClient *client = cv_participant_get_connection (committer);
  JsonBuilder *b;

  if (client == NULL || cv_participant_get_key_package (joiner) == NULL)
    return;
  b = begin_message ("key-package", NULL);
  add_int (b, "participant", cv_participant_get_id (joiner));
  add_string (b, "display_name", cv_participant_get_display_name (joiner));
  add_string (b, "kind", cv_participant_kind_to_string (cv_participant_get_kind (joiner)));
  if (cv_participant_get_account (joiner) != NULL)
    add_string (b, "account", cv_participant_get_account (joiner));
  add_string (b, "key_package", cv_participant_get_key_package (joiner));
  send_and_free (client, b);
}

/* The new committer gets every KeyPackage still waiting for a Welcome. */
static void
forward_pending_key_packages (CvMeeting     *meeting,
                              CvParticipant *committer)
{
  GPtrArray *participants = cv_meeting_get_participants (meeting);

  for (guint i = 0; i < participants->len; i++)
    {
      CvParticipant *p = g_ptr_array_index (participants, i);

      if (!cv_participant_get_member (p))
        send_key_package (committer, p);
    }
}

/* An MLS Remove proposal of leaf by the service as external sender 0 (a
 * PublicMessage, RFC 9420 §12.1.8.1), base64; NULL when the group is not
 * known yet or its suite does not sign with Ed25519 (the service's key). */
static char *
external_remove_proposal (CvServer  *self,
                          CvMeeting *meeting,
                          guint32    leaf)
{
  GBytes *group_id = cv_meeting_get_group_id (meeting);
  guint16 suite_id = cv_meeting_get_cipher_suite (meeting);
  const cv_mls_suite *suite = NULL;
  cv_bytes message = CV_BYTES_INIT;
  guint8 priv[32];
  gsize priv_len = sizeof priv, id_len = 0;
  const guint8 *id;
  char *b64 = NULL;

  if (group_id == NULL || (suite_id != 1 && suite_id != 3) || self->external_sender_key == NULL
      || cv_mls_suite_get (suite_id, &suite) != CV_OK
      || EVP_PKEY_get_raw_private_key (self->external_sender_key, priv, &priv_len) != 1)
    return NULL;
  id = g_bytes_get_data (group_id, &id_len);
  if (cv_mls_external_propose_remove (suite, id, id_len, cv_meeting_get_epoch (meeting), 0, priv, priv_len,
                                      leaf, &message) == CV_OK)
    b64 = g_base64_encode (message.data, message.len);
  else
    g_warning ("cannot sign the Remove proposal of leaf %u: %s", leaf, cv_status_message ());
  OPENSSL_cleanse (priv, sizeof priv);
  cv_bytes_clear (&message);
  return b64;
}

static void
announce_committer_if_changed (CvServer      *self,
                               CvMeeting     *meeting,
                               CvParticipant *before)
{
  CvParticipant *after = cv_meeting_get_committer (meeting);
  JsonBuilder *b;

  if (after == before || after == NULL)
    return;
  b = begin_message ("committer", NULL);
  add_int (b, "participant", cv_participant_get_id (after));
  add_int (b, "leaf_index", cv_participant_get_leaf_index (after));
  add_int (b, "epoch", cv_meeting_get_epoch (meeting));
  broadcast_and_free (self, meeting, b, NULL, CV_BROADCAST_MEMBERS);
  forward_pending_key_packages (meeting, after);
}

void
cv_server_participant_gone (CvServer      *self,
                            CvMeeting     *meeting,
                            CvParticipant *participant,
                            const char    *reason)
{
  gboolean e2ee = cv_meeting_get_e2ee (meeting);
  gboolean was_member = cv_participant_get_member (participant);
  guint32 leaf = cv_participant_get_leaf_index (participant);
  /* Referenced: a broadcast below may drop a slow client, this one too. */
  g_autoptr (CvParticipant) committer_before = NULL;
  JsonBuilder *b;

  if (e2ee && cv_meeting_get_committer (meeting) != NULL)
    committer_before = g_object_ref (cv_meeting_get_committer (meeting));
  cv_meeting_remove_participant (meeting, participant);
#ifdef CV_HAVE_RELAY
  if (self->relay != NULL)
    cv_relay_remove_participant (self->relay, (guint32) cv_participant_get_id (participant));
#endif
  g_debug ("Participant %" G_GUINT64_FORMAT " left meeting %s (%s)",
           cv_participant_get_id (participant), cv_meeting_get_number (meeting), reason);

  b = begin_message ("participant-left", NULL);
  add_int (b, "participant", cv_participant_get_id (participant));
  add_string (b, "reason", reason);
  broadcast_and_free (self, meeting, b, NULL, CV_BROADCAST_ROSTER);

  if (!e2ee)
    return;

  if (was_member && leaf != CV_LEAF_UNKNOWN && cv_meeting_get_n_members (meeting) > 0)
    {
      /* The service is the group's external sender: it proposes the Remove,
       * signed with its key; members accept it only because the service
       * reports the participant gone, and the committer commits it. */
      g_autofree char *proposal = external_remove_proposal (self, meeting, leaf);

      b = begin_message ("remove-needed", NULL);
      add_int (b, "participant", cv_participant_get_id (participant));
      add_int (b, "leaf_index", leaf);
      add_int (b, "epoch", cv_meeting_get_epoch (meeting));
      add_string (b, "reason", reason);
      add_string (b, "proposal", proposal);
      broadcast_and_free (self, meeting, b, NULL, CV_BROADCAST_MEMBERS);
    }
  else if (!was_member && cv_participant_get_key_package (participant) != NULL
           && committer_before != NULL && committer_before != participant)
    {
      CvClient *client = cv_participant_get_connection (committer_before);

      if (client != NULL)
        {
          b = begin_message ("key-package-withdrawn", NULL);
          add_int (b, "participant", cv_participant_get_id (participant));
          send_and_free (client, b);
        }
    }

  if (cv_meeting_get_n_members (meeting) == 0 && cv_meeting_get_n_participants (meeting) > 0)
    {
      /* The group died with its last member: the longest-waiting joiner
       * starts a new one and adds the others. */
      CvParticipant *creator = g_ptr_array_index (cv_meeting_get_participants (meeting), 0);
      CvClient *client = cv_participant_get_connection (creator);

      cv_meeting_reset_group (meeting);
      cv_meeting_make_creator (meeting, creator);
      if (client != NULL)
        {
          b = begin_message ("create-group", NULL);
          add_int (b, "epoch", 0);
          add_int (b, "leaf_index", 0);
          send_and_free (client, b);
        }
      forward_pending_key_packages (meeting, creator);
      return;
    }
  announce_committer_if_changed (self, meeting, committer_before == participant ? NULL : committer_before);
}

/* ---- Handlers ---- */

static gboolean
require_meeting (CvClient *client,
                 gboolean  e2ee,
                 GError  **error)
{
  if (client->meeting == NULL)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_NOT_JOINED, "Join a meeting first");
      return FALSE;
    }
  if (e2ee && !cv_meeting_get_e2ee (client->meeting))
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_NOT_E2EE,
                   "This meeting is not end-to-end encrypted: it has no MLS group");
      return FALSE;
    }
  return TRUE;
}

static gboolean
handle_ping (CvServer *self, CvClient *client, JsonObject *req, JsonNode *id, GError **error)
{
  send_and_free (client, begin_message ("pong", id));
  return TRUE;
}

static gboolean
handle_get_ca (CvServer *self, CvClient *client, JsonObject *req, JsonNode *id, GError **error)
{
  JsonBuilder *b = begin_message ("ca", id);

  add_string (b, "certificate", cv_service_ca_get_root_pem (self->ca));
  add_string (b, "fingerprint", cv_service_ca_get_fingerprint (self->ca));
  send_and_free (client, b);
  return TRUE;
}

typedef struct {
  CvClient *client;
  SoupWebsocketConnection *ws;   /* tells whether client is still the same one */
  JsonNode *id;
  char *account;
  char *password;
} SignIn;

static void
sign_in_free (SignIn *s)
{
  g_clear_object (&s->ws);
  g_clear_pointer (&s->id, json_node_unref);
  g_free (s->account);
  if (s->password != NULL)
    OPENSSL_cleanse (s->password, strlen (s->password));
  g_free (s->password);
  g_free (s);
}

static void
sign_in_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  CvServer *self = source;
  SignIn *s = task_data;

  g_task_return_boolean (task, cv_accounts_verify (self->accounts, s->account, s->password));
}

static void
sign_in_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CvServer *self = CV_SERVER (source);
  SignIn *s = g_task_get_task_data (G_TASK (result));
  CvClient *client = s->client;
  JsonBuilder *b;

  /* The connection may have closed while the hash ran. */
  if (!g_hash_table_contains (self->clients, client) || client->ws != s->ws || client->closing)
    return;
  client->signing_in = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), NULL))
    {
      g_autoptr (GError) error = g_error_new (CV_SERVER_ERROR, CV_SERVER_ERROR_SIGN_IN_FAILED,
                                              "Unknown account or wrong password");
      cv_client_send_error (client, s->id, "sign-in", error);
      return;
    }
  g_free (client->account);
  client->account = g_strdup (s->account);
  b = begin_message ("signed-in", s->id);
  add_string (b, "account", s->account);
  add_string (b, "display_name", cv_accounts_get_display_name (self->accounts, s->account));
  add_string (b, "personal_room", cv_accounts_get_personal_room (self->accounts, s->account));
  send_and_free (client, b);
}

static gboolean
handle_sign_in (CvServer *self, CvClient *client, JsonObject *req, JsonNode *id, GError **error)
{
  const char *account, *password;
  g_autoptr (GTask) task = NULL;
  SignIn *s;

  if (!get_string (req, "account", TRUE, 64, &account, error)
      || !get_string (req, "password", TRUE, 1024, &password, error))
    return FALSE;
  if (client->signing_in)
    return bad_request (error, "A sign-in is already in progress");
  client->signing_in = TRUE;

  s = g_new0 (SignIn, 1);
  s->client = client;
  s->ws = g_object_ref (client->ws);
  s->id = id != NULL ? json_node_copy (id) : NULL;
  s->account = g_strdup (account);
  s->password = g_strdup (password);
  task = g_task_new (self, NULL, sign_in_done, NULL);
  g_task_set_task_data (task, s, (GDestroyNotify) sign_in_free);
  g_task_run_in_thread (task, sign_in_thread);
  return TRUE;
}

static gboolean
handle_request_certificate (CvServer *self, CvClient *client, JsonObject *req, JsonNode *id, GError **error)
{
  const char *csr;
  g_autofree char *pem = NULL;
  JsonBuilder *b;

  if (client->account == NULL)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_SIGN_IN_REQUIRED,
                   "Sign in to get a certificate from the service CA");
      return FALSE;
    }
  if (!get_string (req, "csr", TRUE, CV_SERVICE_CA_MAX_CSR, &csr, error))
    return FALSE;
  pem = cv_service_ca_issue (self->ca, csr, client->account, self->site->certificate_lifetime, error);
  if (pem == NULL)
    return FALSE;
  b = begin_message ("certificate", id);
  add_string (b, "certificate", pem);
  add_string (b, "ca", cv_service_ca_get_root_pem (self->ca));
  add_int (b, "lifetime_hours", self->site->certificate_lifetime);
  send_and_free (client, b);
  return TRUE;
}

static gboolean
handle_create_meeting (CvServer *self, CvClient *client, JsonObject *req, JsonNode *id, GError **error)
{
  const char *password;
  gboolean e2ee, personal;
  const char *number = NULL;
  CvMeeting *meeting;
  g_autofree char *invite = NULL;
  JsonBuilder *b;

  if (!get_bool (req, "e2ee", TRUE, &e2ee, error)
      || !get_bool (req, "personal_room", FALSE, &personal, error)
      || !get_string (req, "password", FALSE, MAX_FIELD, &password, error))
    return FALSE;
  if (client->account == NULL && (personal || !self->site->open_meeting_creation))
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_SIGN_IN_REQUIRED,
                   personal ? "A Personal Room belongs to an account: sign in first"
                            : "Sign in to create meetings on this site");
      return FALSE;
    }
  if (personal)
    number = cv_accounts_get_personal_room (self->accounts, client->account);
  meeting = cv_server_open_meeting (self, number, e2ee, password, personal ? client->account : NULL, error);
  if (meeting == NULL)
    return FALSE;
  invite = cv_server_build_invite (self, cv_meeting_get_number (meeting));
  b = begin_message ("meeting-created", id);
  add_string (b, "number", cv_meeting_get_number (meeting));
  add_bool (b, "e2ee", cv_meeting_get_e2ee (meeting));
  add_bool (b, "password", cv_meeting_has_password (meeting));
  add_bool (b, "personal_room", personal);
  add_string (b, "invite", invite);
  send_and_free (client, b);
  return TRUE;
}

static gboolean
display_name_ok (const char *name)
{
  if (*name == '\0' || g_utf8_strlen (name, -1) > MAX_DISPLAY_NAME)
    return FALSE;
  for (const char *c = name; *c != '\0'; c = g_utf8_next_char (c))
    {
      gunichar ch = g_utf8_get_char (c);

      if (g_unichar_iscntrl (ch) || ch == 0x202E || ch == 0x202D || (ch >= 0x2066 && ch <= 0x2069))
        return FALSE;
    }
  return TRUE;
}

static void
add_mls_info (CvServer      *self,
              JsonBuilder   *b,
              CvMeeting     *meeting,
              gboolean       creator)
{
  CvParticipant *committer = cv_meeting_get_committer (meeting);
  guint16 suite = cv_meeting_get_cipher_suite (meeting);

  json_builder_set_member_name (b, "mls");
  json_builder_begin_object (b);
  add_int (b, "epoch", cv_meeting_get_epoch (meeting));
  add_bool (b, "create_group", creator);
  add_int (b, "cipher_suite", suite);
  if (committer != NULL)
    add_int (b, "committer", cv_participant_get_id (committer));
  json_builder_set_member_name (b, "external_sender");
  /* The service's key is Ed25519: usable in suites 1 and 3 only. */
  if (suite == 1 || suite == 3)
    {
      json_builder_begin_object (b);
      add_string (b, "signature_scheme", "ed25519");
      add_string (b, "signature_key", self->external_sender_public_b64);
      add_string (b, "credential_type", "x509");
      json_builder_set_member_name (b, "certificates");
      json_builder_begin_array (b);
      json_builder_add_string_value (b, self->external_sender_cert_b64);
      json_builder_end_array (b);
      add_string (b, "encoded", self->external_sender_b64);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
}

static gboolean
add_media_info (CvServer      *self,
                JsonBuilder   *b,
                CvMeeting     *meeting,
                CvParticipant *participant,
                const char    *profile,
                GError       **error)
{
  json_builder_set_member_name (b, "media");
#ifdef CV_HAVE_RELAY
  if (self->relay != NULL)
    {
      g_autoptr (GBytes) key_material = NULL;
      g_autofree char *key_b64 = NULL;
      CvSrtpProfile srtp_profile;
      guint32 ssrc_base = 0;
      gsize key_len;
      const guint8 *key;

      if (!cv_srtp_profile_from_name (profile, &srtp_profile))
        return bad_request (error, "“media_profile” must be AEAD_AES_128_GCM or AES_CM_128_HMAC_SHA1_80");
      if (!cv_relay_add_participant (self->relay, (guint32) cv_participant_get_id (participant),
                                     cv_meeting_get_number (meeting), srtp_profile,
                                     &key_material, &ssrc_base, error))
        {
          g_autoptr (GError) relay_error = g_steal_pointer (error);

          g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_MEDIA_UNAVAILABLE,
                       "The media relay cannot take this participant: %s", relay_error->message);
          return FALSE;
        }
      key = g_bytes_get_data (key_material, &key_len);
      key_b64 = g_base64_encode (key, key_len);
      json_builder_begin_object (b);
      add_int (b, "relay_port", cv_relay_get_port (self->relay));
      add_string (b, "profile", cv_srtp_profile_name (srtp_profile));
      add_string (b, "key_material", key_b64);
      add_int (b, "ssrc_base", ssrc_base);
      add_int (b, "ssrc_stride", CV_RELAY_SSRC_STRIDE);
      cv_participant_set_ssrc_base (participant, ssrc_base);
      json_builder_end_object (b);
      OPENSSL_cleanse (key_b64, strlen (key_b64));
      return TRUE;
    }
#endif
  (void) profile;
  json_builder_add_null_value (b);
  return TRUE;
}

static gboolean
handle_join (CvServer *self, CvClient *client, JsonObject *req, JsonNode *id, GError **error)
{
  const char *number, *password, *display_name, *kind_text, *key_package, *profile;
  gboolean e2ee_capable, video, creator, roster_events;
  JsonArray *features_json;
  g_autoptr (GPtrArray) features = g_ptr_array_new ();
  guint8 *kp_buf = NULL;
  gsize kp_len = 0;
  cv_mls_wire_header kp_header;
  CvParticipantKind kind = CV_PARTICIPANT_KIND_CLIENT;
  CvJoinRequest request;
  CvMeeting *meeting;
  g_autoptr (CvParticipant) participant = NULL;
  GPtrArray *roster;
  JsonBuilder *b;
  gboolean ok;

  if (client->participant != NULL)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_ALREADY_JOINED,
                   "This connection has already joined a meeting; leave it first");
      return FALSE;
    }
  if (!get_string (req, "meeting", TRUE, 16, &number, error)
      || !get_string (req, "password", FALSE, MAX_FIELD, &password, error)
      || !get_string (req, "display_name", TRUE, MAX_DISPLAY_NAME * 4, &display_name, error)
      || !get_string (req, "kind", FALSE, 16, &kind_text, error)
      || !get_bool (req, "e2ee", FALSE, &e2ee_capable, error)
      || !get_bool (req, "video", FALSE, &video, error)
      || !get_bool (req, "roster_events", TRUE, &roster_events, error)
      || !get_string (req, "media_profile", FALSE, 64, &profile, error)
      || !get_array (req, "features", MAX_FEATURES, &features_json, error))
    return FALSE;
  if (!display_name_ok (display_name))
    return bad_request (error, "“display_name” must have 1 to %d printable characters", MAX_DISPLAY_NAME);
  if (kind_text != NULL && !cv_participant_kind_from_string (kind_text, &kind))
    return bad_request (error, "“kind” must be client, device, sip or pstn");
  for (guint i = 0; features_json != NULL && i < json_array_get_length (features_json); i++)
    {
      JsonNode *node = json_array_get_element (features_json, i);

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING
          || strlen (json_node_get_string (node)) > 64)
        return bad_request (error, "“features” must be a list of short strings");
      g_ptr_array_add (features, (gpointer) json_node_get_string (node));
    }
  g_ptr_array_add (features, NULL);

  meeting = cv_meeting_number_is_valid (number) ? g_hash_table_lookup (self->meetings, number) : NULL;
  if (meeting == NULL)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_NO_SUCH_MEETING,
                   "There is no meeting %s on this service", number);
      return FALSE;
    }

  request.password = password;
  request.kind = kind;
  request.e2ee_capable = e2ee_capable;
  request.video = video;
  request.features = (const char *const *) features->pdata;
  request.has_key_package = json_object_has_member (req, "key_package");
  if (!cv_meeting_check_admission (meeting, self->site, &request, error))
    return FALSE;

  if (cv_meeting_get_e2ee (meeting))
    {
      if (!get_mls (req, "key_package", TRUE, self->site->payload_size, &key_package,
                    &kp_buf, &kp_len, &kp_header, error))
        return FALSE;
      ok = cv_meeting_check_key_package (meeting, &kp_header, error);
      wipe_free (kp_buf, kp_len);
      if (!ok)
        return FALSE;
    }
  else
    key_package = NULL;

  participant = cv_participant_new (self->next_participant_id++, display_name, kind);
  cv_participant_set_account (participant, client->account);
  cv_participant_set_video (participant, video);
  cv_participant_set_roster_events (participant, roster_events);

  b = begin_message ("joined", id);
  add_int (b, "participant", cv_participant_get_id (participant));
  if (!add_media_info (self, b, meeting, participant, profile != NULL ? profile : "AEAD_AES_128_GCM", error))
    {
      g_object_unref (b);
      return FALSE;
    }

  cv_participant_set_connection (participant, client);
  if (key_package != NULL)
    cv_participant_set_key_package (participant, key_package);
  creator = cv_meeting_add_participant (meeting, participant);
  client->meeting = g_object_ref (meeting);
  client->participant = g_object_ref (participant);
  soup_websocket_connection_set_max_incoming_payload_size (client->ws, self->site->frame_size);
  self->stats.joins++;

  json_builder_set_member_name (b, "meeting");
  json_builder_begin_object (b);
  add_string (b, "number", cv_meeting_get_number (meeting));
  add_bool (b, "e2ee", cv_meeting_get_e2ee (meeting));
  add_bool (b, "personal_room", cv_meeting_get_owner (meeting) != NULL);
  add_bool (b, "video_allowed", !cv_meeting_get_e2ee (meeting) || self->site->video_devices_enabled);
  json_builder_end_object (b);
  if (cv_meeting_get_e2ee (meeting))
    add_mls_info (self, b, meeting, creator);
  json_builder_set_member_name (b, "roster");
  json_builder_begin_array (b);
  roster = cv_meeting_get_participants (meeting);
  for (guint i = 0; i < roster->len; i++)
    cv_json_add_participant (b, g_ptr_array_index (roster, i), cv_meeting_get_e2ee (meeting));
  json_builder_end_array (b);
  send_and_free (client, b);

  b = begin_message ("participant-joined", NULL);
  json_builder_set_member_name (b, "participant");
  cv_json_add_participant (b, participant, cv_meeting_get_e2ee (meeting));
  broadcast_and_free (self, meeting, b, participant, CV_BROADCAST_ROSTER);

  if (cv_meeting_get_e2ee (meeting) && !creator)
    {
      CvParticipant *committer = cv_meeting_get_committer (meeting);

      if (committer != NULL)
        send_key_package (committer, participant);
    }
  return TRUE;
}

static gboolean
handle_leave (CvServer *self, CvClient *client, JsonObject *req, JsonNode *id, GError **error)
{
  if (!require_meeting (client, FALSE, error))
    return FALSE;
  cv_client_leave_meeting (client, "left");
  soup_websocket_connection_set_max_incoming_payload_size (client->ws, self->site->unjoined_frame_size);
  send_and_free (client, begin_message ("left", id));
  return TRUE;
}

static gboolean
handle_roster (CvServer *self, CvClient *client, JsonObject *req, JsonNode *id, GError **error)
{
  GPtrArray *roster;
  JsonBuilder *b;

  if (!require_meeting (client, FALSE, error))
    return FALSE;
  b = begin_message ("roster", id);
  json_builder_set_member_name (b, "participants");
  json_builder_begin_array (b);
  roster = cv_meeting_get_participants (client->meeting);
  for (guint i = 0; i < roster->len; i++)
    cv_json_add_participant (b, g_ptr_array_index (roster, i), cv_meeting_get_e2ee (client->meeting));
  json_builder_end_array (b);
  send_and_free (client, b);
  return TRUE;
}

static gboolean
handle_member_state (CvServer *self, CvClient *client, JsonObject *req, JsonNode *id, GError **error)
{
  CvParticipant *before;
  guint64 leaf;

  if (!require_meeting (client, TRUE, error))
    return FALSE;
  if (!get_uint (req, "leaf_index", G_MAXUINT32 - 1, &leaf, error))
    return FALSE;
  if (!cv_participant_get_member (client->participant))
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_NOT_A_MEMBER,
                   "Only members of the MLS group have a leaf index");
      return FALSE;
    }
  before = cv_meeting_get_committer (client->meeting);
  cv_participant_set_leaf_index (client->participant, (guint32) leaf);
  announce_committer_if_changed (self, client->meeting, before);
  return TRUE;
}

typedef struct {
  CvParticipant *participant;    /* referenced: a slow client may be dropped meanwhile */
  guint32 leaf_index;
} Added;

static void
added_clear (gpointer data)
{
  g_clear_object (&((Added *) data)->participant);
}

static gboolean
handle_commit (CvServer *self, CvClient *client, JsonObject *req, JsonNode *id, GError **error)
{
  CvMeeting *meeting = client->meeting;
  const char *commit_b64, *welcome_b64;
  guint8 *commit_buf = NULL, *welcome_buf = NULL;
  gsize commit_len = 0, welcome_len = 0;
  cv_mls_wire_header commit_header, welcome_header;
  JsonArray *added_json, *removed_json;
  g_autoptr (GArray) added = g_array_new (FALSE, FALSE, sizeof (Added));
  g_autoptr (CvParticipant) committer_before = NULL;
  g_autoptr (GArray) removed = g_array_new (FALSE, FALSE, sizeof (guint32));
  guint64 commit_epoch, seq;
  gboolean ok = FALSE;
  JsonBuilder *b;

  g_array_set_clear_func (added, added_clear);
  if (!require_meeting (client, TRUE, error))
    return FALSE;
  if (!get_mls (req, "commit", TRUE, self->site->frame_size, &commit_b64,
                &commit_buf, &commit_len, &commit_header, error))
    return FALSE;
  if (!get_mls (req, "welcome", FALSE, self->site->frame_size, &welcome_b64,
                &welcome_buf, &welcome_len, &welcome_header, error))
    goto out;
  if (welcome_b64 != NULL && welcome_header.wire_format != CV_MLS_WIRE_WELCOME)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_MLS_MESSAGE,
                   "“welcome” is a %s, not a Welcome", cv_mls_wire_format_name (welcome_header.wire_format));
      goto out;
    }
  if (!get_array (req, "added", MAX_LIST, &added_json, error)
      || !get_array (req, "removed_leaves", MAX_LIST, &removed_json, error))
    goto out;

  /* Everything named must make sense before the commit is accepted. */
  for (guint i = 0; added_json != NULL && i < json_array_get_length (added_json); i++)
    {
      JsonNode *node = json_array_get_element (added_json, i);
      JsonObject *entry = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      guint64 pid, leaf;
      Added a;

      if (entry == NULL || !get_uint (entry, "participant", G_MAXINT64, &pid, error)
          || !get_uint (entry, "leaf_index", G_MAXUINT32 - 1, &leaf, error))
        {
          g_clear_error (error);
          bad_request (error, "“added” entries are {participant, leaf_index}");
          goto out;
        }
      a.participant = cv_meeting_lookup (meeting, pid);
      a.leaf_index = (guint32) leaf;
      if (a.participant == NULL || cv_participant_get_member (a.participant))
        {
          bad_request (error, "Participant %" G_GUINT64_FORMAT " is not waiting to be added", pid);
          goto out;
        }
      g_object_ref (a.participant);
      g_array_append_val (added, a);
    }
  for (guint i = 0; removed_json != NULL && i < json_array_get_length (removed_json); i++)
    {
      guint64 leaf;
      guint32 leaf32;

      if (!node_to_uint (json_array_get_element (removed_json, i), G_MAXUINT32 - 1, &leaf))
        {
          bad_request (error, "“removed_leaves” is a list of leaf indices");
          goto out;
        }
      leaf32 = (guint32) leaf;
      g_array_append_val (removed, leaf32);
    }
  if ((added->len > 0) != (welcome_b64 != NULL))
    {
      bad_request (error, "A commit that adds members comes with a Welcome and the list of them");
      goto out;
    }

  if (cv_meeting_get_committer (meeting) != NULL)
    committer_before = g_object_ref (cv_meeting_get_committer (meeting));
  commit_epoch = commit_header.epoch;
  if (!cv_meeting_accept_commit (meeting, client->participant, &commit_header, error))
    {
      self->stats.commits_rejected++;
      goto out;
    }
  self->stats.commits_accepted++;
  seq = cv_meeting_log_append (meeting, "commit", commit_epoch, cv_participant_get_id (client->participant),
                               commit_b64, self->site->handshake_log_bytes);

  /* The members of the old epoch, sender included (its confirmation), get
   * the commit in the order the service accepted it. */
  b = begin_message ("commit", NULL);
  add_int (b, "seq", seq);
  add_int (b, "from", cv_participant_get_id (client->participant));
  add_int (b, "epoch", commit_epoch);
  add_int (b, "new_epoch", cv_meeting_get_epoch (meeting));
  add_string (b, "message", commit_b64);
  json_builder_set_member_name (b, "added");
  json_builder_begin_array (b);
  for (guint i = 0; i < added->len; i++)
    {
      Added *a = &g_array_index (added, Added, i);

      json_builder_begin_object (b);
      add_int (b, "participant", cv_participant_get_id (a->participant));
      add_int (b, "leaf_index", a->leaf_index);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "removed_leaves");
  json_builder_begin_array (b);
  for (guint i = 0; i < removed->len; i++)
    json_builder_add_int_value (b, g_array_index (removed, guint32, i));
  json_builder_end_array (b);
  if (id != NULL)
    {
      /* The id only means something to the sender; others ignore it. */
    }
  broadcast_and_free (self, meeting, b, NULL, CV_BROADCAST_MEMBERS);

  /* Removed leaves are no longer members. */
  for (guint i = 0; i < removed->len; i++)
    {
      GPtrArray *participants = cv_meeting_get_participants (meeting);

      for (guint j = 0; j < participants->len; j++)
        {
          CvParticipant *p = g_ptr_array_index (participants, j);

          if (cv_participant_get_member (p) && cv_participant_get_leaf_index (p) == g_array_index (removed, guint32, i))
            {
              cv_participant_set_member (p, FALSE);
              cv_participant_set_leaf_index (p, CV_LEAF_UNKNOWN);
            }
        }
    }

  for (guint i = 0; i < added->len; i++)
    {
      Added *a = &g_array_index (added, Added, i);
      CvClient *joiner = cv_participant_get_connection (a->participant);

      cv_participant_set_member (a->participant, TRUE);
      cv_participant_set_leaf_index (a->participant, a->leaf_index);
      cv_participant_set_key_package (a->participant, NULL);
      if (joiner != NULL)
        {
          b = begin_message ("welcome", NULL);
          add_int (b, "from", cv_participant_get_id (client->participant));
          add_int (b, "epoch", cv_meeting_get_epoch (meeting));
          add_int (b, "leaf_index", a->leaf_index);
          add_string (b, "message", welcome_b64);
          send_and_free (joiner, b);
        }
    }
  announce_committer_if_changed (self, meeting, committer_before);
  ok = TRUE;

out:
  wipe_free (commit_buf, commit_len);
  wipe_free (welcome_buf, welcome_len);
  return ok;
}

static gboolean
handle_proposal (CvServer *self, CvClient *client, JsonObject *req, JsonNode *id, GError **error)
{
  const char *b64;
  guint8 *buf = NULL;
  gsize len = 0;
  cv_mls_wire_header header;
  guint64 seq;
  JsonBuilder *b;
  gboolean ok = FALSE;

  if (!require_meeting (client, TRUE, error))
    return FALSE;
  if (!get_mls (req, "proposal", TRUE, self->site->payload_size, &b64, &buf, &len, &header, error))
    return FALSE;
  if (header.content_type != CV_MLS_CONTENT_PROPOSAL)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_MLS_MESSAGE,
                   "Expected a proposal, got a %s message", cv_mls_content_type_name (header.content_type));
      goto out;
    }
  if (!cv_meeting_check_message (client->meeting, client->participant, &header, error))
    goto out;
  seq = cv_meeting_log_append (client->meeting, "proposal", header.epoch,
                               cv_participant_get_id (client->participant), b64,
                               self->site->handshake_log_bytes);
  b = begin_message ("proposal", NULL);
  add_int (b, "seq", seq);
  add_int (b, "from", cv_participant_get_id (client->participant));
  add_int (b, "epoch", header.epoch);
  add_string (b, "message", b64);
  broadcast_and_free (self, client->meeting, b, client->participant, CV_BROADCAST_MEMBERS);
  ok = TRUE;

out:
  wipe_free (buf, len);
  return ok;
}

static gboolean
handle_application (CvServer *self, CvClient *client, JsonObject *req, JsonNode *id, GError **error)
{
  const char *b64;
  guint8 *buf = NULL;
  gsize len = 0;
  cv_mls_wire_header header;
  JsonBuilder *b;
  gboolean ok = FALSE;

  if (!require_meeting (client, TRUE, error))
    return FALSE;
  if (!get_mls (req, "message", TRUE, self->site->payload_size, &b64, &buf, &len, &header, error))
    return FALSE;
  if (header.wire_format != CV_MLS_WIRE_PRIVATE_MESSAGE || header.content_type != CV_MLS_CONTENT_APPLICATION)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_MLS_MESSAGE,
                   "Application messages are MLS PrivateMessages of content type application");
      goto out;
    }
  if (!cv_meeting_check_message (client->meeting, client->participant, &header, error))
    goto out;
  /* Relayed, never kept. */
  b = begin_message ("application", NULL);
  add_int (b, "from", cv_participant_get_id (client->participant));
  add_int (b, "epoch", header.epoch);
  add_string (b, "message", b64);
  broadcast_and_free (self, client->meeting, b, client->participant, CV_BROADCAST_MEMBERS);
  ok = TRUE;

out:
  wipe_free (buf, len);
  return ok;
}

static gboolean
handle_chat (CvServer *self, CvClient *client, JsonObject *req, JsonNode *id, GError **error)
{
  const char *text;
  JsonBuilder *b;

  if (!require_meeting (client, FALSE, error))
    return FALSE;
  if (cv_meeting_get_e2ee (client->meeting))
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_E2EE_REQUIRED,
                   "Chat in an end-to-end encrypted meeting travels as MLS application messages");
      return FALSE;
    }
  if (!get_string (req, "text", TRUE, self->site->payload_size, &text, error))
    return FALSE;
  b = begin_message ("chat", NULL);
  add_int (b, "from", cv_participant_get_id (client->participant));
  add_string (b, "text", text);
  broadcast_and_free (self, client->meeting, b, client->participant, CV_BROADCAST_ALL);
  return TRUE;
}

static gboolean
handle_fetch (CvServer *self, CvClient *client, JsonObject *req, JsonNode *id, GError **error)
{
  g_autoptr (GPtrArray) entries = NULL;
  guint64 since;
  JsonBuilder *b;

  if (!require_meeting (client, TRUE, error))
    return FALSE;
  if (!cv_participant_get_member (client->participant))
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_NOT_A_MEMBER,
                   "Only members of the MLS group can fetch its handshake messages");
      return FALSE;
    }
  if (!get_uint (req, "since_epoch", G_MAXINT64, &since, error))
    return FALSE;
  entries = cv_meeting_log_since (client->meeting, since, error);
  if (entries == NULL)
    return FALSE;
  b = begin_message ("backlog", id);
  add_int (b, "epoch", cv_meeting_get_epoch (client->meeting));
  json_builder_set_member_name (b, "messages");
  json_builder_begin_array (b);
  for (guint i = 0; i < entries->len; i++)
    {
      CvLogEntry *e = g_ptr_array_index (entries, i);

      json_builder_begin_object (b);
      add_int (b, "seq", e->seq);
      add_string (b, "type", e->type);
      add_int (b, "epoch", e->epoch);
      add_int (b, "from", e->from);
      add_string (b, "message", e->message);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  send_and_free (client, b);
  return TRUE;
}

static gboolean
handle_subscribe (CvServer *self, CvClient *client, JsonObject *req, JsonNode *id, GError **error)
{
  JsonArray *ssrcs;
  gboolean on;

  if (!require_meeting (client, FALSE, error))
    return FALSE;
  if (!get_array (req, "ssrcs", MAX_SSRCS, &ssrcs, error) || !get_bool (req, "on", TRUE, &on, error))
    return FALSE;
  if (ssrcs == NULL)
    return bad_request (error, "“ssrcs” is missing");
  for (guint i = 0; i < json_array_get_length (ssrcs); i++)
    {
      guint64 ssrc;

      if (!node_to_uint (json_array_get_element (ssrcs, i), G_MAXUINT32, &ssrc))
        return bad_request (error, "“ssrcs” is a list of 32-bit SSRCs");
    }
#ifdef CV_HAVE_RELAY
  if (self->relay != NULL)
    {
      for (guint i = 0; i < json_array_get_length (ssrcs); i++)
        {
          guint64 ssrc;

          node_to_uint (json_array_get_element (ssrcs, i), G_MAXUINT32, &ssrc);
          cv_relay_subscribe (self->relay, (guint32) cv_participant_get_id (client->participant),
                              (guint32) ssrc, on);
        }
      send_and_free (client, begin_message ("subscribed", id));
      return TRUE;
    }
#endif
  g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_MEDIA_UNAVAILABLE,
               "This service has no media relay");
  return FALSE;
}

static const struct {
  const char *type;
  Handler handler;
} handlers[] = {
  { "ping", handle_ping },
  { "get-ca", handle_get_ca },
  { "sign-in", handle_sign_in },
  { "request-certificate", handle_request_certificate },
  { "create-meeting", handle_create_meeting },
  { "join", handle_join },
  { "leave", handle_leave },
  { "roster", handle_roster },
  { "member-state", handle_member_state },
  { "commit", handle_commit },
  { "proposal", handle_proposal },
  { "application", handle_application },
  { "chat", handle_chat },
  { "fetch", handle_fetch },
  { "subscribe", handle_subscribe },
};

void
cv_server_handle_message (CvServer   *self,
                          CvClient   *client,
                          const char *text,
                          gsize       len)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) error = NULL;
  JsonNode *root, *id = NULL;
  JsonObject *request;
  const char *type = NULL;

  if (!json_depth_ok (text, len))
    {
      g_set_error (&error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_REQUEST,
                   "JSON nested deeper than %d levels", MAX_JSON_DEPTH);
      goto fail;
    }
  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, text, len, &error))
    {
      g_autoptr (GError) parse_error = g_steal_pointer (&error);

      /* The parser's message may quote the input: do not pass it on. */
      g_set_error (&error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_REQUEST, "Not valid JSON");
      goto fail;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (&error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_REQUEST, "A message is a JSON object");
      goto fail;
    }
  request = json_node_get_object (root);
  id = json_object_get_member (request, "id");
  if (id != NULL && !(JSON_NODE_HOLDS_VALUE (id)
                      && (json_node_get_value_type (id) == G_TYPE_INT64
                          || (json_node_get_value_type (id) == G_TYPE_STRING
                              && strlen (json_node_get_string (id)) <= 64))))
    {
      id = NULL;
      g_set_error (&error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_REQUEST,
                   "“id” must be an integer or a short string");
      goto fail;
    }
  if (!get_string (request, "type", TRUE, 32, &type, &error))
    goto fail;

  for (guint i = 0; i < G_N_ELEMENTS (handlers); i++)
    if (g_str_equal (handlers[i].type, type))
      {
        if (!handlers[i].handler (self, client, request, id, &error))
          goto fail;
        return;
      }
  g_set_error (&error, CV_SERVER_ERROR, CV_SERVER_ERROR_UNKNOWN_TYPE,
               "Unknown message type");
fail:
  if (error->code == CV_SERVER_ERROR_BAD_REQUEST || error->code == CV_SERVER_ERROR_BAD_BASE64
      || error->code == CV_SERVER_ERROR_BAD_MLS_MESSAGE || error->code == CV_SERVER_ERROR_TOO_LARGE)
    self->stats.bad_requests++;
  if (g_str_equal (type != NULL ? type : "", "join"))
    self->stats.joins_refused++;
  if (!client->closing)
    cv_client_send_error (client, id, type, error);
}

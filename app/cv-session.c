/* CvSession: one participant in one meeting, without GTK.
 *
 * It connects to the service (pinning the invite link's fingerprint), joins
 * the meeting, runs the MLS group (cv-session-group.c), feeds the SFrame key
 * ring on every epoch, runs the media pipeline, and exposes what the UI and
 * the bot show: the state, the security state (shield and code), the members
 * from the MLS tree with their identity verdicts, the remote streams, chat.
 */
#include "config.h"

#include <glib/gi18n.h>

#include "cv-invite-link.h"
#include "cv-meeting-member.h"
#include "cv-remote-stream.h"
#include "cv-session-private.h"

G_DEFINE_FINAL_TYPE (CvSession, cv_session, G_TYPE_OBJECT)
G_DEFINE_QUARK (cv-session-error-quark, cv_session_error)

enum {
  PROP_0,
  PROP_STATE,
  PROP_AUDIO_MUTED,
  PROP_VIDEO_ENABLED,
  PROP_RECORDING,
  PROP_ANYONE_RECORDING,
  PROP_NOTICE,
  PROP_REMOTE_STREAMS,
  N_PROPS
};

enum {
  SIGNAL_FAILED,
  SIGNAL_CHAT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Media keys of the previous epoch stay this long for frames in flight. */
#define SFRAME_GRACE_MS 2000

/* Waits between attempts to reconnect; the last repeats. */
static const guint reconnect_delays_ms[] = { 500, 1000, 2000, 4000, 8000, 16000 };
/* No attempt starts later than this after the connection dropped. */
#define RECONNECT_GIVE_UP_MS 60000

/* ---- state ---- */

static void
set_notice (CvSession  *self,
            const char *notice)
{
  if (g_strcmp0 (self->notice, notice) == 0)
    return;
  g_free (self->notice);
  self->notice = g_strdup (notice);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NOTICE]);
}

void
cv_session_set_state (CvSession      *self,
                      CvSessionState  state)
{
  CvSessionState before = self->state;

  if (self->state == state)
    return;
  self->state = state;
  if (before == CV_SESSION_RECONNECTING && state == CV_SESSION_IN_MEETING)
    {
      self->reconnect_attempt = 0;
      set_notice (self, self->e2ee ? _("Reconnected: you rejoined as a new member; the security code changed.")
                                   : _("Reconnected: you rejoined the meeting."));
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

void
cv_session_fail (CvSession *self,
                 GError    *error)
{
  if (self->state == CV_SESSION_FAILED || self->state == CV_SESSION_LEFT)
    return;
  g_clear_handle_id (&self->reconnect_source, g_source_remove);
  cv_session_set_state (self, CV_SESSION_FAILED);
  cv_security_state_set_state (self->security, CV_E2EE_STATE_NOT_CONNECTED);
  if (self->media != NULL)
    cv_media_pipeline_stop (self->media);
  cv_signaling_client_close (self->signaling);
  g_signal_emit (self, signals[SIGNAL_FAILED], 0, error);
}

gboolean
cv_session_send (CvSession  *self,
                 JsonObject *message)
{
  g_autoptr (GError) error = NULL;

  if (!cv_signaling_client_send (self->signaling, message, &error))
    {
      cv_session_fail (self, error);
      return FALSE;
    }
  return TRUE;
}

/* ---- members and media ---- */

static CvCertificateInfo *
certificate_for (CvSession              *self,
                 const cv_mls_credential *credential,
                 const cv_bytes          *signature_key)
{
  g_autoptr (GArray) chain = NULL;
  cv_cred_result *result = NULL;
  CvCertificateInfo *info;

  if (credential->type == CV_MLS_CREDENTIAL_X509)
    {
      chain = g_array_new (FALSE, FALSE, sizeof (cv_cert_der));
      for (size_t i = 0; i < credential->n_certificates; i++)
        {
          cv_cert_der der = { credential->certificates[i].data, credential->certificates[i].len };
          g_array_append_val (chain, der);
        }
      cv_cred_verify (self->partner_cas, self->service_ca, (const cv_cert_der *) chain->data, chain->len,
                      signature_key->data, signature_key->len, time (NULL), &result);
    }
  else
    {
      cv_cred_basic (credential->identity.data, credential->identity.len, &result);
    }
  if (result == NULL)
    return NULL;
  info = cv_certificate_info_new (result);
  cv_cred_result_free (result);
  return info;
}

/* The roster's participant at leaf, or NULL. */
static JsonObject *
roster_entry_at (CvSession *self,
                 guint32    leaf)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->roster);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      JsonObject *p = value;
      if (json_object_get_boolean_member_with_default (p, "member", FALSE)
          && json_object_get_int_member_with_default (p, "leaf_index", -1) == (gint64) leaf)
        return p;
    }
  return NULL;
}

/* What the roster says of a member: listed or not, app or room device.
 * Our own kind we know; the others' is the service's word. */
static void
link_to_roster (CvSession       *self,
                CvMeetingMember *member)
{
  JsonObject *entry = roster_entry_at (self, cv_meeting_member_get_leaf_index (member));
  CvMemberKind kind = CV_MEMBER_KIND_UNKNOWN;

  if (cv_meeting_member_get_is_self (member))
    kind = self->kind;
  else if (entry != NULL)
    kind = cv_member_kind_from_protocol (json_object_get_string_member_with_default (entry, "kind", NULL));
  cv_meeting_member_set_in_roster (member, entry != NULL);
  cv_meeting_member_set_kind (member, kind);
}

static void
member_state_free (gpointer data)
{
  CvMemberState *state = data;

  cv_bytes_clear (&state->signature_key);
  g_free (state);
}

/* What the member at leaf announced, if the same key still holds the leaf
 * (a newcomer at a reused leaf starts with nothing announced). */
static CvMemberState *
member_state_for (CvSession      *self,
                  guint32         leaf,
                  const cv_bytes *signature_key)
{
  CvMemberState *state = g_hash_table_lookup (self->member_states, GUINT_TO_POINTER (leaf));

  if (state != NULL && !cv_bytes_eq (&state->signature_key, signature_key))
    {
      g_hash_table_remove (self->member_states, GUINT_TO_POINTER (leaf));
      state = NULL;
    }
  return state;
}

static void
update_anyone_recording (CvSession *self)
{
  GListModel *members = G_LIST_MODEL (self->members);
  gboolean anyone = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (members) && !anyone; i++)
    {
      g_autoptr (CvMeetingMember) m = g_list_model_get_item (members, i);
      anyone = cv_meeting_member_get_recording (m);
    }
  if (self->anyone_recording == anyone)
    return;
  self->anyone_recording = anyone;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ANYONE_RECORDING]);
}

static void
rebuild_members (CvSession *self)
{
  g_autofree cv_mls_member *members = NULL;
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  size_t n = 0;

  if (self->group == NULL || cv_mls_group_members (self->group, &members, &n) != CV_OK)
    {
      g_list_store_remove_all (self->members);
      return;
    }
  for (size_t i = 0; i < n; i++)
    {
      g_autoptr (CvCertificateInfo) info = certificate_for (self, members[i].credential, members[i].signature_key);
      CvMeetingMember *member;

      if (info == NULL)
        continue;
      member = cv_meeting_member_new (members[i].leaf_index, info);
      cv_meeting_member_set_is_self (member, members[i].leaf_index == cv_mls_group_own_leaf (self->group));
      link_to_roster (self, member);
      if (cv_meeting_member_get_is_self (member))
        cv_meeting_member_set_announced (member, self->audio_muted, self->video_enabled, self->recording);
      else
        {
          CvMemberState *state = member_state_for (self, members[i].leaf_index, members[i].signature_key);
          if (state != NULL)
            cv_meeting_member_set_announced (member, state->audio_muted, state->video_on, state->recording);
        }
      g_ptr_array_add (items, member);
    }
  /* Forget what members who left announced. */
  {
    GHashTableIter iter;
    gpointer leaf;

    g_hash_table_iter_init (&iter, self->member_states);
    while (g_hash_table_iter_next (&iter, &leaf, NULL))
      {
        gboolean present = FALSE;
        for (size_t i = 0; i < n && !present; i++)
          present = members[i].leaf_index == GPOINTER_TO_UINT (leaf);
        if (!present)
          g_hash_table_iter_remove (&iter);
      }
  }
  g_list_store_splice (self->members, 0, g_list_model_get_n_items (G_LIST_MODEL (self->members)),
                       items->pdata, items->len);
  update_anyone_recording (self);
}

static CvMeetingMember *
member_at_leaf (CvSession *self,
                guint32    leaf)
{
  GListModel *members = G_LIST_MODEL (self->members);

  for (guint i = 0; i < g_list_model_get_n_items (members); i++)
    {
      CvMeetingMember *m = g_list_model_get_item (members, i);
      if (cv_meeting_member_get_leaf_index (m) == leaf)
        return m;
      g_object_unref (m);
    }
  return NULL;
}

/* ---- application messages: chat and participant state ---- */

static char *
json_text (JsonObject *object)
{
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), object);
  return json_to_string (node, FALSE);
}

/* Our state to everyone in the group: on every change, and whenever
 * someone joined (they learn it from this). */
static void
announce_state (CvSession *self)
{
  g_autoptr (JsonObject) state = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *payload = NULL;

  if (self->state != CV_SESSION_IN_MEETING || !self->e2ee || self->group == NULL)
    return;
  state = json_object_new ();
  json_object_set_string_member (state, "type", "state");
  json_object_set_boolean_member (state, "audio_muted", self->audio_muted);
  json_object_set_boolean_member (state, "video_on", self->video_enabled);
  json_object_set_boolean_member (state, "recording", self->recording);
  payload = json_text (state);
  if (!cv_session_group_send_application (self, payload, &error))
    g_message ("could not announce our state: %s", error->message);
}

static gboolean
state_flag (JsonObject *object,
            const char *name,
            gboolean   *out)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return FALSE;
  *out = json_node_get_boolean (node);
  return TRUE;
}

static void
on_member_state (CvSession  *self,
                 guint32     sender_leaf,
                 JsonObject *object)
{
  g_autofree cv_mls_member *members = NULL;
  g_autoptr (CvMeetingMember) member = NULL;
  CvMemberState *state;
  gboolean audio_muted, video_on, recording;
  size_t n = 0;

  if (!state_flag (object, "audio_muted", &audio_muted) || !state_flag (object, "video_on", &video_on)
      || !state_flag (object, "recording", &recording))
    {
      g_message ("dropped a state message from leaf %u: audio_muted, video_on and recording must be booleans",
                 sender_leaf);
      return;
    }
  if (sender_leaf == cv_mls_group_own_leaf (self->group)
      || cv_mls_group_members (self->group, &members, &n) != CV_OK)
    return;
  for (size_t i = 0; i < n; i++)
    if (members[i].leaf_index == sender_leaf)
      {
        state = member_state_for (self, sender_leaf, members[i].signature_key);
        if (state == NULL)
          {
            state = g_new0 (CvMemberState, 1);
            cv_bytes_copy (&state->signature_key, members[i].signature_key);
            g_hash_table_insert (self->member_states, GUINT_TO_POINTER (sender_leaf), state);
          }
        state->audio_muted = audio_muted;
        state->video_on = video_on;
        state->recording = recording;
      }
  member = member_at_leaf (self, sender_leaf);
  if (member != NULL)
    cv_meeting_member_set_announced (member, audio_muted, video_on, recording);
  update_anyone_recording (self);
}

/* Our payloads are flat objects. The parser recurses per level, and the
 * service cannot check what it relays encrypted: refuse deep nesting from a
 * member before parsing. */
static gboolean
json_flat_enough (const char *text,
                  gsize       len)
{
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < len; i++)
    {
      if (in_string)
        {
          if (text[i] == '\\')
            i++;
          else if (text[i] == '"')
            in_string = FALSE;
        }
      else if (text[i] == '"')
        in_string = TRUE;
      else if ((text[i] == '{' || text[i] == '[') && ++depth > 4)
        return FALSE;
      else if ((text[i] == '}' || text[i] == ']') && depth > 0)
        depth--;
    }
  return TRUE;
}

void
cv_session_application_received (CvSession    *self,
                                 guint32       sender_leaf,
                                 const guint8 *data,
                                 gsize         len)
{
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;
  JsonNode *root;
  JsonObject *object;
  const char *type;

  if (!g_utf8_validate ((const char *) data, (gssize) len, NULL) || !json_flat_enough ((const char *) data, len)
      || !json_parser_load_from_data (parser, (const char *) data, (gssize) len, &error))
    {
      g_message ("dropped an application message from leaf %u that is not JSON", sender_leaf);
      return;
    }
  root = json_parser_get_root (parser);
  object = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  type = object ? json_object_get_string_member_with_default (object, "type", NULL) : NULL;
  if (type == NULL)
    {
      g_message ("dropped an application message from leaf %u without a type", sender_leaf);
      return;
    }
  if (g_str_equal (type, "chat"))
    {
      const char *text = json_object_get_string_member_with_default (object, "text", NULL);

      if (text == NULL)
        {
          g_message ("dropped a chat message from leaf %u without text", sender_leaf);
          return;
        }
      /* The sender's name comes from its credential in the tree, not from the service. */
      g_signal_emit (self, signals[SIGNAL_CHAT], 0, cv_session_member_name (self, sender_leaf), text);
    }
  else if (g_str_equal (type, "state"))
    on_member_state (self, sender_leaf, object);
  else
    g_debug ("ignored an application message of type %s", type); /* a newer client's */
}

/* The service's roster changed, not the group: only what the members take
 * from it changes, the members and their verified credentials stay. */
static void
update_roster_flags (CvSession *self)
{
  GListModel *members = G_LIST_MODEL (self->members);

  for (guint i = 0; i < g_list_model_get_n_items (members); i++)
    {
      g_autoptr (CvMeetingMember) m = g_list_model_get_item (members, i);
      link_to_roster (self, m);
    }
}

/* Ask the relay for the streams of everyone else in the meeting. */
static void
subscribe_to (CvSession  *self,
              JsonObject *participant)
{
  gint64 id = json_object_get_int_member_with_default (participant, "id", -1);
  gint64 base = json_object_get_int_member_with_default (participant, "ssrc_base", -1);
  g_autoptr (JsonObject) msg = NULL;
  JsonArray *ssrcs;

  if (self->media == NULL || id == self->participant_id || base < 0
      || g_hash_table_contains (self->subscribed, GINT_TO_POINTER (id)))
    return;
  g_hash_table_add (self->subscribed, GINT_TO_POINTER (id));

  msg = json_object_new ();
  ssrcs = json_array_new ();
  json_array_add_int_element (ssrcs, base + CV_MEDIA_SLOT_AUDIO);
  json_array_add_int_element (ssrcs, base + CV_MEDIA_SLOT_VIDEO);
  json_object_set_string_member (msg, "type", "subscribe");
  json_object_set_array_member (msg, "ssrcs", ssrcs);
  json_object_set_boolean_member (msg, "on", TRUE);
  cv_session_send (self, msg);
}

static void
roster_add (CvSession  *self,
            JsonObject *participant)
{
  gint64 id = json_object_get_int_member_with_default (participant, "id", -1);

  if (id < 0)
    return;
  g_hash_table_replace (self->roster, GINT_TO_POINTER (id), json_object_ref (participant));
  subscribe_to (self, participant);
}

/* Frames per member, from the remote streams' SFrame senders. */
static gboolean
update_frames_cb (gpointer user_data)
{
  CvSession *self = user_data;
  GListModel *streams = cv_session_get_remote_streams (self);
  GListModel *members = G_LIST_MODEL (self->members);

  for (guint m = 0; m < g_list_model_get_n_items (members); m++)
    {
      g_autoptr (CvMeetingMember) member = g_list_model_get_item (members, m);
      guint64 frames = 0;

      for (guint s = 0; streams && s < g_list_model_get_n_items (streams); s++)
        {
          g_autoptr (CvRemoteStream) stream = g_list_model_get_item (streams, s);
          if (cv_remote_stream_get_sender_leaf (stream) == cv_meeting_member_get_leaf_index (member))
            frames += cv_remote_stream_get_frames (stream);
        }
      cv_meeting_member_set_frames (member, frames);
    }
  return G_SOURCE_CONTINUE;
}

static const char *
suite_name (guint16 suite)
{
  switch (suite)
    {
    case 1: return "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519";
    case 2: return "MLS_128_DHKEMP256_AES128GCM_SHA256_P256";
    case 3: return "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519";
    case 4: return "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448";
    case 5: return "MLS_256_DHKEMP521_AES256GCM_SHA512_P521";
    case 6: return "MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448";
    case 7: return "MLS_256_DHKEMP384_AES256GCM_SHA384_P384";
    default: return "unknown";
    }
}

/* The service's view of who is a member at which leaf changes with every
 * commit; ask for it again so the list can flag any difference. */
static void
refresh_roster (CvSession *self)
{
  g_autoptr (JsonObject) msg = json_object_new ();

  json_object_set_string_member (msg, "type", "roster");
  cv_session_send (self, msg);
}

static void
previous_member_clear (gpointer data)
{
  CvPreviousMember *m = data;

  g_free (m->identity);
  cv_bytes_clear (&m->signature_key);
}

const char *
cv_session_member_name (CvSession *self,
                        guint32    leaf)
{
  GListModel *model = G_LIST_MODEL (self->members);

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (CvMeetingMember) m = g_list_model_get_item (model, i);
      if (cv_meeting_member_get_leaf_index (m) == leaf)
        return cv_meeting_member_get_display_name (m);
    }
  return "";
}

/* Who came, went or renewed their keys since the last epoch, in words;
 * remembers this epoch's members for the next time. */
static char *
describe_epoch_change (CvSession           *self,
                       const cv_mls_member *members,
                       size_t               n)
{
  g_autoptr (GArray) now = g_array_new (FALSE, TRUE, sizeof (CvPreviousMember));
  g_autofree cv_security_member *before = NULL, *after = NULL;
  cv_security_code_changes changes = { 0 };
  char *text = NULL;

  g_array_set_clear_func (now, previous_member_clear);
  for (size_t i = 0; i < n; i++)
    {
      CvPreviousMember m = { members[i].leaf_index, g_strdup (cv_session_member_name (self, members[i].leaf_index)) };
      cv_bytes_copy (&m.signature_key, members[i].signature_key);
      g_array_append_val (now, m);
    }

  if (self->previous_members != NULL)
    {
      GArray *prev = self->previous_members;

      before = g_new0 (cv_security_member, prev->len + 1);
      for (guint i = 0; i < prev->len; i++)
        {
          CvPreviousMember *m = &g_array_index (prev, CvPreviousMember, i);
          before[i] = (cv_security_member) { m->leaf_index, m->identity, m->signature_key.data, m->signature_key.len };
        }
      after = g_new0 (cv_security_member, now->len + 1);
      for (guint i = 0; i < now->len; i++)
        {
          CvPreviousMember *m = &g_array_index (now, CvPreviousMember, i);
          after[i] = (cv_security_member) { m->leaf_index, m->identity, m->signature_key.data, m->signature_key.len };
        }
      if (cv_security_code_explain (before, prev->len, after, now->len, &changes) == CV_OK)
        {
          text = cv_security_state_describe_changes (&changes);
          cv_security_code_changes_clear (&changes);
        }
      g_array_unref (prev);
    }
  self->previous_members = g_steal_pointer (&now);
  return text;
}

/* Each member signs its media with its MLS leaf key; the verifier learns
 * every member's key of the epoch. */
static gboolean
install_media_auth (CvSession            *self,
                    const cv_mls_member  *members,
                    size_t                n,
                    GError              **error)
{
  g_autoptr (GPtrArray) keys = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  g_autoptr (GArray) leaves = g_array_new (FALSE, FALSE, sizeof (guint32));

  if (self->frame_auth == NULL)
    {
      const cv_bytes *group_id = cv_mls_group_id (self->group);

      self->frame_auth = cv_frame_auth_new (cv_mls_group_suite (self->group)->id, group_id->data, group_id->len,
                                            error);
      if (self->frame_auth == NULL)
        return FALSE;
      if (self->media != NULL)
        cv_media_pipeline_set_auth (self->media, self->frame_auth);
    }
  for (size_t i = 0; i < n; i++)
    {
      g_array_append_val (leaves, members[i].leaf_index);
      g_ptr_array_add (keys, g_bytes_new (members[i].signature_key->data, members[i].signature_key->len));
    }
  return cv_frame_auth_install_epoch (self->frame_auth, cv_mls_group_epoch (self->group),
                                      cv_mls_group_own_leaf (self->group), self->signature_priv.data,
                                      self->signature_priv.len, (const guint32 *) leaves->data,
                                      (GBytes * const *) keys->pdata, n, error);
}

/* ---- self-updates (post-compromise security) ---- */

static gboolean
self_update_cb (gpointer user_data)
{
  CvSession *self = user_data;

  self->self_update_source = 0;
  if (self->state == CV_SESSION_IN_MEETING)
    cv_session_group_update_keys (self);
  return G_SOURCE_REMOVE;
}

/* The next self-update in about self_update_seconds after our last one,
 * spread ±25% so that members who joined together do not all commit at
 * once. Others' commits do not heal our leaf: they do not restart it. */
static void
schedule_self_update (CvSession *self)
{
  guint ms;

  g_clear_handle_id (&self->self_update_source, g_source_remove);
  if (self->self_update_seconds == 0 || self->group == NULL)
    return;
  ms = (guint) (self->self_update_seconds * 1000.0 * g_random_double_range (0.75, 1.25));
  self->self_update_source = g_timeout_add (MAX (ms, 1), self_update_cb, self);
}

/* Whether a member of this epoch was not in the previous one (or we are new). */
static gboolean
anyone_new (CvSession           *self,
            const cv_mls_member *members,
            size_t               n)
{
  if (self->previous_members == NULL)
    return TRUE;
  for (size_t i = 0; i < n; i++)
    {
      gboolean known = FALSE;

      for (guint j = 0; j < self->previous_members->len && !known; j++)
        {
          CvPreviousMember *m = &g_array_index (self->previous_members, CvPreviousMember, j);
          known = m->leaf_index == members[i].leaf_index && cv_bytes_eq (&m->signature_key, members[i].signature_key);
        }
      if (!known)
        return TRUE;
    }
  return FALSE;
}

int
cv_session_get_media_auth (CvSession *self,
                           guint32    leaf)
{
  cv_media_auth_report report;

  if (self->frame_auth == NULL)
    return CV_MEDIA_AUTH_NONE;
  cv_frame_auth_get_report (self->frame_auth, leaf, cv_frame_auth_now_ms (), &report);
  return report.state;
}

void
cv_session_epoch_changed (CvSession  *self,
                          const char *reason)
{
  g_autofree cv_mls_member *members = NULL;
  g_autoptr (GArray) leaves = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autoptr (GError) error = NULL;
  g_autofree char *described = NULL;
  cv_bytes base_key = CV_BYTES_INIT;
  const cv_bytes *auth = cv_mls_group_epoch_authenticator (self->group);
  char code[CV_SECURITY_CODE_LEN + 1];
  gboolean someone_joined;
  size_t n = 0;

  /* base_key = MLS-Exporter("SFrame 1.0 Base Key", "", AEAD.Nk) (RFC 9605 §5.2) */
  if (cv_mls_group_members (self->group, &members, &n) != CV_OK
      || cv_mls_group_export (self->group, "SFrame 1.0 Base Key", NULL, 0, 16, &base_key) != CV_OK)
    {
      error = g_error_new (CV_SESSION_ERROR, CV_SESSION_ERROR_CRYPTO,
                           _("Cannot derive the media keys: %s"), cv_status_message ());
      cv_session_fail (self, error);
      return;
    }
  for (size_t i = 0; i < n; i++)
    g_array_append_val (leaves, members[i].leaf_index);
  if (!cv_frame_keys_install_epoch (self->frame_keys, cv_mls_group_epoch (self->group), base_key.data,
                                    base_key.len, (const guint32 *) leaves->data, leaves->len,
                                    cv_mls_group_own_leaf (self->group), &error))
    {
      cv_bytes_clear (&base_key);
      cv_session_fail (self, error);
      return;
    }
  cv_bytes_clear (&base_key);
  if (!install_media_auth (self, members, n, &error))
    {
      cv_session_fail (self, error);
      return;
    }

  someone_joined = anyone_new (self, members, n);
  rebuild_members (self);
  described = describe_epoch_change (self, members, n);
  cv_security_code_format (auth->data, auth->len, code);
  cv_security_state_update_epoch (self->security, code, cv_mls_group_epoch (self->group), (guint) n,
                                  reason ? reason : described);
  cv_security_state_set_cipher_suite (self->security, suite_name (cv_mls_group_suite (self->group)->id));
  cv_security_state_set_state (self->security, CV_E2EE_STATE_SECURE_E2EE);
  cv_session_set_state (self, CV_SESSION_IN_MEETING);
  cv_session_group_epoch_began (self);
  /* The first epoch, or our own update just merged: wait for the next. */
  if (self->self_update_source == 0 && !self->update_wanted)
    schedule_self_update (self);
  refresh_roster (self);
  if (someone_joined)
    {
      /* A joiner's decoder needs a keyframe; a self-update or a removal
       * changes only the keys, not the streams. */
      if (self->media != NULL)
        cv_media_pipeline_request_keyframe (self->media);
      announce_state (self);
    }
}

static gboolean
start_media (CvSession   *self,
             JsonObject  *media,
             GError     **error)
{
  const char *profile = json_object_get_string_member_with_default (media, "profile", "AEAD_AES_128_GCM");
  const char *key_b64 = json_object_get_string_member_with_default (media, "key_material", "");
  gint64 port = json_object_get_int_member_with_default (media, "relay_port", 0);
  gint64 ssrc_base = json_object_get_int_member_with_default (media, "ssrc_base", -1);
  g_autoptr (GBytes) material = NULL;
  gsize len = 0;
  guchar *key = g_base64_decode (key_b64, &len);

  material = g_bytes_new_take (key, len);
  if (port <= 0 || port > 65535 || ssrc_base < 0 || len == 0)
    {
      g_set_error (error, CV_SESSION_ERROR, CV_SESSION_ERROR_PROTOCOL,
                   _("The service's media parameters are incomplete"));
      return FALSE;
    }
  self->media = cv_media_pipeline_new (self->frame_keys);
  /* A standard meeting's media goes without SFrame: there are no MLS keys. */
  cv_media_pipeline_set_e2ee (self->media, self->e2ee);
  cv_media_pipeline_set_audio_muted (self->media, self->audio_muted);
  cv_media_pipeline_set_video_enabled (self->media, self->video_enabled);
  cv_media_pipeline_set_test_media (self->media, self->test_media);
  cv_media_pipeline_set_local_media (self->media, self->send_video, self->send_audio, NULL, NULL,
                                     self->display_name);
  if (self->frame_auth != NULL)
    cv_media_pipeline_set_auth (self->media, self->frame_auth);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_STREAMS]);
  if (!cv_media_pipeline_set_transport (self->media, self->host, (guint16) port, profile, material,
                                        (guint32) ssrc_base, error))
    return FALSE;
  return cv_media_pipeline_start (self->media, error);
}

/* ---- signaling ---- */

static void
on_joined (CvSession  *self,
           JsonObject *message)
{
  JsonObject *meeting = json_object_get_object_member (message, "meeting");
  JsonObject *mls = json_object_has_member (message, "mls") && !json_object_get_null_member (message, "mls")
                    ? json_object_get_object_member (message, "mls") : NULL;
  JsonObject *media = json_object_has_member (message, "media") && !json_object_get_null_member (message, "media")
                      ? json_object_get_object_member (message, "media") : NULL;
  JsonArray *roster = json_object_get_array_member (message, "roster");
  g_autoptr (GError) error = NULL;

  self->participant_id = json_object_get_int_member_with_default (message, "participant", -1);
  self->e2ee = meeting && json_object_get_boolean_member_with_default (meeting, "e2ee", FALSE);

  if (media != NULL && !start_media (self, media, &error))
    {
      cv_session_fail (self, error);
      return;
    }
  for (guint i = 0; roster && i < json_array_get_length (roster); i++)
    roster_add (self, json_array_get_object_element (roster, i));

  if (!self->e2ee)
    {
      /* The service sees the media of a standard meeting; the shield says so. */
      cv_security_state_set_state (self->security, CV_E2EE_STATE_TRANSPORT_ONLY);
      cv_session_set_state (self, CV_SESSION_IN_MEETING);
      return;
    }
  /* Rejoining stays "reconnecting" until we are a member again. */
  if (self->state != CV_SESSION_RECONNECTING)
    cv_session_set_state (self, CV_SESSION_JOINING);
  if (mls != NULL && json_object_get_boolean_member_with_default (mls, "create_group", FALSE)
      && !cv_session_group_create (self, mls, &error))
    cv_session_fail (self, error);
}

static void
on_error (CvSession  *self,
          JsonObject *message)
{
  const char *code = json_object_get_string_member_with_default (message, "code", "internal");
  const char *request = json_object_get_string_member_with_default (message, "request", "");
  g_autoptr (GError) error = NULL;

  /* A lost commit race is routine: the group code retries on the new epoch. */
  if (g_str_equal (request, "commit") || g_str_equal (code, "stale-epoch") || g_str_equal (code, "rate-limited"))
    {
      cv_session_group_on_message (self, "error", message);
      return;
    }
  if (self->state != CV_SESSION_CONNECTING
      && !(self->state == CV_SESSION_RECONNECTING && g_str_equal (request, "join")))
    {
      g_message ("the service refused a %s request: %s", request,
                 json_object_get_string_member_with_default (message, "message", code));
      return;
    }

  if (g_str_equal (code, "no-such-meeting"))
    error = g_error_new (CV_SESSION_ERROR, CV_SESSION_ERROR_REFUSED, _("There is no meeting with this number"));
  else if (g_str_equal (code, "password-required") || g_str_equal (code, "wrong-password"))
    error = g_error_new (CV_SESSION_ERROR, CV_SESSION_ERROR_REFUSED, _("The meeting password is wrong"));
  else if (g_str_equal (code, "meeting-full"))
    error = g_error_new (CV_SESSION_ERROR, CV_SESSION_ERROR_REFUSED, _("The meeting is full"));
  else if (g_str_equal (code, "device-limit"))
    error = g_error_new (CV_SESSION_ERROR, CV_SESSION_ERROR_REFUSED,
                         _("Room devices may only join an end-to-end encrypted meeting among its first 205 participants"));
  else if (g_str_equal (code, "video-disabled-by-site"))
    error = g_error_new (CV_SESSION_ERROR, CV_SESSION_ERROR_REFUSED,
                         _("Video is disabled in end-to-end encrypted meetings on this service: join with audio only"));
  else
    error = g_error_new (CV_SESSION_ERROR, CV_SESSION_ERROR_REFUSED, _("The meeting service refused to join: %s"),
                         json_object_get_string_member_with_default (message, "message", code));
  cv_session_fail (self, error);
}

/* The service CA's root: certificates it issued show as verified
 * internally (never more: it could issue any name). */
/* Chat of a standard meeting, relayed by the service: the sender is a
 * participant id, named as the service's roster names it. */
static void
on_service_chat (CvSession *self, JsonObject *message)
{
  gint64 from = json_object_get_int_member_with_default (message, "from", -1);
  JsonObject *participant = g_hash_table_lookup (self->roster, GINT_TO_POINTER (from));
  const char *name = "";

  if (participant != NULL)
    name = json_object_get_string_member_with_default (participant, "display_name", "");
  g_signal_emit (self, signals[SIGNAL_CHAT], 0, name,
                 json_object_get_string_member_with_default (message, "text", ""));
}

static void
on_service_ca (CvSession  *self,
               JsonObject *message)
{
  const char *pem = json_object_get_string_member_with_default (message, "certificate", NULL);

  if (pem == NULL || cv_trust_store_ca_count (self->service_ca) > 0)
    return;
  if (cv_trust_store_add_ca (self->service_ca, (const uint8_t *) pem, strlen (pem)) != CV_OK)
    {
      g_message ("the service's CA root is not a usable CA: %s", cv_status_message ());
      return;
    }
  rebuild_members (self);
}

static void
message_cb (CvSignalingClient *client,
            JsonObject        *message,
            gpointer           user_data)
{
  CvSession *self = user_data;
  const char *type = json_object_get_string_member (message, "type");

  if (g_str_equal (type, "joined"))
    on_joined (self, message);
  else if (g_str_equal (type, "error"))
    on_error (self, message);
  else if (g_str_equal (type, "participant-joined"))
    roster_add (self, json_object_get_object_member (message, "participant"));
  else if (g_str_equal (type, "roster"))
    {
      JsonArray *participants = json_object_get_array_member (message, "participants");

      g_hash_table_remove_all (self->roster);
      for (guint i = 0; participants && i < json_array_get_length (participants); i++)
        roster_add (self, json_array_get_object_element (participants, i));
      update_roster_flags (self);
    }
  else if (g_str_equal (type, "participant-left"))
    {
      gint64 id = json_object_get_int_member_with_default (message, "participant", -1);
      g_hash_table_remove (self->roster, GINT_TO_POINTER (id));
      g_hash_table_remove (self->subscribed, GINT_TO_POINTER (id));
      update_roster_flags (self);
    }
  else if (g_str_equal (type, "ca"))
    on_service_ca (self, message);
  else if (g_str_equal (type, "chat"))
    on_service_chat (self, message);
  else
    cv_session_group_on_message (self, type, message);
}

/* ---- reconnecting ---- */

static void connected_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data);

/* Forgets the meeting as we were in it: the service removes our old leaf,
 * we come back with a new one; nothing of the old group, its keys or media
 * is kept. */
static void
reset_for_rejoin (CvSession *self)
{
  g_autoptr (GError) error = NULL;

  if (self->media != NULL)
    {
      cv_media_pipeline_stop (self->media);
      g_clear_object (&self->media);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_STREAMS]);
    }
  g_clear_object (&self->frame_auth);
  g_clear_object (&self->frame_keys);
  self->frame_keys = cv_frame_keys_new (CV_SFRAME_DEFAULT_SUITE, SFRAME_GRACE_MS, &error);
  g_assert_no_error (error); /* the default suite always exists */
  cv_session_group_clear (self);
  self->committer = FALSE;
  self->participant_id = -1;
  g_clear_pointer (&self->previous_members, g_array_unref);
  g_hash_table_remove_all (self->member_states);
  g_hash_table_remove_all (self->roster);
  g_hash_table_remove_all (self->subscribed);
  g_list_store_remove_all (self->members);
  update_anyone_recording (self);
}

static gboolean
reconnect_cb (gpointer user_data)
{
  CvSession *self = user_data;

  self->reconnect_source = 0;
  if (self->state != CV_SESSION_RECONNECTING)
    return G_SOURCE_REMOVE;
  cv_security_state_set_state (self->security, CV_E2EE_STATE_SECURING);
  cv_signaling_client_connect_async (self->signaling, self->host, self->port, self->fingerprint,
                                     NULL, connected_cb, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

/* The next attempt after the backoff, or failure once the time is up. */
static void
schedule_reconnect (CvSession    *self,
                    const GError *last_error)
{
  guint delay = reconnect_delays_ms[MIN (self->reconnect_attempt, G_N_ELEMENTS (reconnect_delays_ms) - 1)];
  gint64 elapsed_ms = (g_get_monotonic_time () - self->reconnect_started) / 1000;

  if (self->reconnect_source != 0)
    return; /* an attempt is already scheduled */
  if (elapsed_ms + delay > RECONNECT_GIVE_UP_MS)
    {
      g_autoptr (GError) error = g_error_new (CV_SESSION_ERROR, CV_SESSION_ERROR_REFUSED,
                                              _("Could not reconnect to the meeting service: %s"),
                                              last_error ? last_error->message : _("the connection was closed"));
      set_notice (self, NULL);
      cv_session_fail (self, error);
      return;
    }
  g_debug ("reconnecting in %u ms (attempt %u)", delay, self->reconnect_attempt + 1);
  self->reconnect_attempt++;
  self->reconnect_source = g_timeout_add (delay, reconnect_cb, self);
}

static void
begin_reconnect (CvSession    *self,
                 const GError *error)
{
  g_message ("connection to the meeting service lost (%s): reconnecting",
             error ? error->message : "closed");
  self->reconnect_started = g_get_monotonic_time ();
  self->reconnect_attempt = 0;
  cv_session_set_state (self, CV_SESSION_RECONNECTING);
  cv_security_state_set_state (self->security, CV_E2EE_STATE_NOT_CONNECTED);
  set_notice (self, _("Connection to the meeting service lost. Reconnecting…"));
  reset_for_rejoin (self);
  schedule_reconnect (self, error);
}

static void
closed_cb (CvSignalingClient *client,
           GError            *error,
           gpointer           user_data)
{
  CvSession *self = user_data;
  g_autoptr (GError) lost = NULL;

  switch (self->state)
    {
    case CV_SESSION_IDLE:
    case CV_SESSION_LEFT:
    case CV_SESSION_FAILED:
      return;
    case CV_SESSION_JOINING:
    case CV_SESSION_IN_MEETING:
      begin_reconnect (self, error);
      return;
    case CV_SESSION_RECONNECTING:
      /* Dropped again before we were back: the next attempt, same backoff. */
      reset_for_rejoin (self);
      schedule_reconnect (self, error);
      return;
    case CV_SESSION_CONNECTING:
    default:
      /* Never joined: nothing to come back to. */
      lost = error ? g_error_copy (error)
                   : g_error_new (CV_SESSION_ERROR, CV_SESSION_ERROR_PROTOCOL,
                                  _("The meeting service closed the connection"));
      cv_session_fail (self, lost);
    }
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr (CvSession) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) join = NULL;
  g_autofree char *key_package = NULL;

  if (!cv_signaling_client_connect_finish (CV_SIGNALING_CLIENT (source), result, &error))
    {
      if (self->state == CV_SESSION_RECONNECTING)
        schedule_reconnect (self, error);
      else
        cv_session_fail (self, error);
      return;
    }
  if (self->state != CV_SESSION_CONNECTING && self->state != CV_SESSION_RECONNECTING)
    {
      cv_signaling_client_close (CV_SIGNALING_CLIENT (source)); /* left or failed meanwhile */
      return;
    }

  /* The default suite; a meeting of another suite refuses the KeyPackage. */
  if (!cv_session_group_prepare (self, 1, &key_package, &error))
    {
      cv_session_fail (self, error);
      return;
    }
  /* The service CA's root first: its answer arrives before we meet anyone. */
  {
    g_autoptr (JsonObject) get_ca = json_object_new ();
    json_object_set_string_member (get_ca, "type", "get-ca");
    if (!cv_session_send (self, get_ca))
      return;
  }
  join = json_object_new ();
  json_object_set_string_member (join, "type", "join");
  json_object_set_string_member (join, "meeting", self->number);
  json_object_set_string_member (join, "display_name", self->display_name);
  json_object_set_boolean_member (join, "e2ee", TRUE);
  if (self->kind != CV_MEMBER_KIND_APP)
    json_object_set_string_member (join, "kind", cv_member_kind_to_protocol (self->kind));
  json_object_set_boolean_member (join, "video", self->send_video);
  json_object_set_string_member (join, "key_package", key_package);
  if (self->password != NULL)
    json_object_set_string_member (join, "password", self->password);
  cv_session_send (self, join);
}

gboolean
cv_session_join (CvSession   *self,
                 const char  *invite,
                 const char  *password,
                 GError     **error)
{
  g_autoptr (CvInviteLink) link = NULL;

  g_return_val_if_fail (CV_IS_SESSION (self), FALSE);
  g_return_val_if_fail (self->state == CV_SESSION_IDLE, FALSE);

  link = cv_invite_link_parse (invite, error);
  if (link == NULL)
    return FALSE;
  /* We join with the default suite (1, Ed25519): a key of another kind is refused now. */
  if (!cv_session_group_check_identity (self, 1, error))
    return FALSE;
  self->host = g_strdup (link->host);
  self->port = link->port;
  self->number = g_strdup (link->number);
  self->fingerprint = g_strdup (link->fingerprint);
  self->password = g_strdup (password);

  cv_session_set_state (self, CV_SESSION_CONNECTING);
  cv_security_state_set_state (self->security, CV_E2EE_STATE_SECURING);
  cv_signaling_client_connect_async (self->signaling, self->host, self->port, self->fingerprint,
                                     NULL, connected_cb, g_object_ref (self));
  return TRUE;
}

void
cv_session_leave (CvSession *self)
{
  g_autoptr (JsonObject) leave = json_object_new ();

  if (self->state == CV_SESSION_LEFT || self->state == CV_SESSION_IDLE)
    return;
  g_clear_handle_id (&self->reconnect_source, g_source_remove);
  set_notice (self, NULL);
  if (cv_signaling_client_is_connected (self->signaling))
    {
      json_object_set_string_member (leave, "type", "leave");
      cv_signaling_client_send (self->signaling, leave, NULL);
    }
  cv_session_set_state (self, CV_SESSION_LEFT);
  if (self->media != NULL)
    cv_media_pipeline_stop (self->media);
  cv_session_group_clear (self);
  cv_security_state_set_state (self->security, CV_E2EE_STATE_NOT_CONNECTED);
  cv_signaling_client_close (self->signaling);
}

gboolean
cv_session_send_chat (CvSession   *self,
                      const char  *text,
                      GError     **error)
{
  g_autoptr (JsonObject) chat = NULL;

  if (self->state != CV_SESSION_IN_MEETING)
    {
      g_set_error (error, CV_SESSION_ERROR, CV_SESSION_ERROR_PROTOCOL, _("Not in a meeting"));
      return FALSE;
    }
  if (self->e2ee)
    {
      g_autoptr (JsonObject) message = json_object_new ();
      g_autofree char *payload = NULL;

      json_object_set_string_member (message, "type", "chat");
      json_object_set_string_member (message, "text", text);
      payload = json_text (message);
      return cv_session_group_send_application (self, payload, error);
    }

  chat = json_object_new ();
  json_object_set_string_member (chat, "type", "chat");
  json_object_set_string_member (chat, "text", text);
  return cv_session_send (self, chat);
}

/* ---- accessors ---- */

void
cv_session_set_identity (CvSession *self,
                         GBytes    *certificate_chain_pem,
                         GBytes    *private_key_pem)
{
  g_return_if_fail (CV_IS_SESSION (self));
  g_return_if_fail (self->state == CV_SESSION_IDLE);
  g_return_if_fail ((certificate_chain_pem == NULL) == (private_key_pem == NULL));

  g_clear_pointer (&self->identity_chain_pem, g_bytes_unref);
  cv_bytes_clear (&self->identity_key_pem);
  if (certificate_chain_pem == NULL)
    return;
  self->identity_chain_pem = g_bytes_ref (certificate_chain_pem);
  {
    gsize len = 0;
    const guint8 *key = g_bytes_get_data (private_key_pem, &len);
    cv_bytes_set (&self->identity_key_pem, key, len);
  }
}

void
cv_session_set_partner_cas (CvSession          *self,
                            const char * const *pem_paths)
{
  g_return_if_fail (CV_IS_SESSION (self));

  /* The files were checked when the user chose them (cv_identity_check_ca_file);
   * one that went bad since is skipped, not fatal to the meeting. */
  for (guint i = 0; pem_paths != NULL && pem_paths[i] != NULL; i++)
    {
      g_autofree char *pem = NULL;
      g_autoptr (GError) error = NULL;
      gsize len = 0;

      if (!g_file_get_contents (pem_paths[i], &pem, &len, &error))
        g_message ("partner CA file skipped: %s", error->message);
      else if (cv_trust_store_add_ca (self->partner_cas, (const uint8_t *) pem, len) != CV_OK)
        g_message ("partner CA file %s skipped: %s", pem_paths[i], cv_status_message ());
    }
  rebuild_members (self);
}

void
cv_session_set_media (CvSession *self,
                      gboolean   send_video,
                      gboolean   send_audio,
                      gboolean   test_media)
{
  self->send_video = send_video;
  self->send_audio = send_audio;
  self->test_media = test_media;
  /* Without a microphone or camera we are as good as muted or dark. */
  cv_session_set_audio_muted (self, !send_audio);
  cv_session_set_video_enabled (self, send_video);
}

void
cv_session_set_kind (CvSession    *self,
                     CvMemberKind  kind)
{
  g_return_if_fail (CV_IS_SESSION (self));
  g_return_if_fail (kind == CV_MEMBER_KIND_APP || kind == CV_MEMBER_KIND_ROOM_DEVICE);
  g_return_if_fail (self->state == CV_SESSION_IDLE);
  self->kind = kind;
}

/* Our own row in the member list shows what we announce. */
static void
own_state_changed (CvSession *self,
                   guint      prop)
{
  g_autoptr (CvMeetingMember) own = self->group ? member_at_leaf (self, cv_mls_group_own_leaf (self->group)) : NULL;

  if (own != NULL)
    cv_meeting_member_set_announced (own, self->audio_muted, self->video_enabled, self->recording);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  update_anyone_recording (self);
  announce_state (self);
}

void
cv_session_set_audio_muted (CvSession *self,
                            gboolean   muted)
{
  g_return_if_fail (CV_IS_SESSION (self));

  if (self->audio_muted == !!muted)
    return;
  self->audio_muted = !!muted;
  if (self->media != NULL)
    cv_media_pipeline_set_audio_muted (self->media, self->audio_muted);
  own_state_changed (self, PROP_AUDIO_MUTED);
}

void
cv_session_set_video_enabled (CvSession *self,
                              gboolean   enabled)
{
  g_return_if_fail (CV_IS_SESSION (self));

  if (self->video_enabled == !!enabled)
    return;
  self->video_enabled = !!enabled;
  if (self->media != NULL)
    cv_media_pipeline_set_video_enabled (self->media, self->video_enabled);
  own_state_changed (self, PROP_VIDEO_ENABLED);
}

void
cv_session_set_recording (CvSession *self,
                          gboolean   recording)
{
  g_return_if_fail (CV_IS_SESSION (self));

  if (self->recording == !!recording)
    return;
  self->recording = !!recording;
  own_state_changed (self, PROP_RECORDING);
}

void
cv_session_set_self_update_interval (CvSession *self,
                                     guint      seconds)
{
  g_return_if_fail (CV_IS_SESSION (self));

  self->self_update_seconds = seconds;
  schedule_self_update (self);
}

void
cv_session_update_keys (CvSession *self)
{
  g_return_if_fail (CV_IS_SESSION (self));

  if (self->state == CV_SESSION_IN_MEETING && self->e2ee)
    cv_session_group_update_keys (self);
}

gboolean
cv_session_get_audio_muted (CvSession *self)
{
  return self->audio_muted;
}

gboolean
cv_session_get_video_enabled (CvSession *self)
{
  return self->video_enabled;
}

gboolean
cv_session_get_recording (CvSession *self)
{
  return self->recording;
}

gboolean
cv_session_get_anyone_recording (CvSession *self)
{
  return self->anyone_recording;
}

CvSessionState
cv_session_get_state (CvSession *self)
{
  return self->state;
}

const char *
cv_session_get_notice (CvSession *self)
{
  return self->notice;
}

CvSecurityState *
cv_session_get_security (CvSession *self)
{
  return self->security;
}

GListModel *
cv_session_get_members (CvSession *self)
{
  return G_LIST_MODEL (self->members);
}

GListModel *
cv_session_get_remote_streams (CvSession *self)
{
  return self->media ? cv_media_pipeline_get_remote_streams (self->media) : NULL;
}

CvRemoteStream *
cv_session_get_self_view (CvSession *self)
{
  return self->media ? cv_media_pipeline_get_self_view (self->media) : NULL;
}

CvRemoteStream *
cv_session_get_self_audio (CvSession *self)
{
  return self->media ? cv_media_pipeline_get_self_audio (self->media) : NULL;
}

const char *
cv_session_get_display_name (CvSession *self)
{
  g_return_val_if_fail (CV_IS_SESSION (self), NULL);
  return self->display_name;
}

const char *
cv_session_get_meeting_number (CvSession *self)
{
  return self->number;
}

gboolean
cv_session_get_e2ee (CvSession *self)
{
  return self->e2ee;
}

guint64
cv_session_get_epoch (CvSession *self)
{
  return self->group ? cv_mls_group_epoch (self->group) : 0;
}

/* ---- GObject ---- */

static void
cv_session_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  CvSession *self = CV_SESSION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_AUDIO_MUTED:
      g_value_set_boolean (value, self->audio_muted);
      break;
    case PROP_VIDEO_ENABLED:
      g_value_set_boolean (value, self->video_enabled);
      break;
    case PROP_RECORDING:
      g_value_set_boolean (value, self->recording);
      break;
    case PROP_ANYONE_RECORDING:
      g_value_set_boolean (value, self->anyone_recording);
      break;
    case PROP_NOTICE:
      g_value_set_string (value, self->notice);
      break;
    case PROP_REMOTE_STREAMS:
      g_value_set_object (value, cv_session_get_remote_streams (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_session_dispose (GObject *object)
{
  CvSession *self = CV_SESSION (object);

  g_clear_handle_id (&self->frames_source, g_source_remove);
  g_clear_handle_id (&self->self_update_source, g_source_remove);
  g_clear_handle_id (&self->reconnect_source, g_source_remove);
  if (self->media != NULL)
    cv_media_pipeline_stop (self->media);
  g_clear_object (&self->media);
  g_clear_object (&self->frame_keys);
  g_clear_object (&self->frame_auth);
  cv_session_group_clear (self);
  if (self->signaling != NULL)
    g_signal_handlers_disconnect_by_data (self->signaling, self);
  g_clear_object (&self->signaling);
  g_clear_object (&self->security);
  g_clear_object (&self->members);
  g_clear_pointer (&self->roster, g_hash_table_unref);
  g_clear_pointer (&self->subscribed, g_hash_table_unref);
  g_clear_pointer (&self->previous_members, g_array_unref);
  g_clear_pointer (&self->member_states, g_hash_table_unref);
  g_clear_pointer (&self->partner_cas, cv_trust_store_free);
  g_clear_pointer (&self->service_ca, cv_trust_store_free);
  g_clear_pointer (&self->identity_chain_pem, g_bytes_unref);
  cv_bytes_clear (&self->identity_key_pem);

  G_OBJECT_CLASS (cv_session_parent_class)->dispose (object);
}

static void
cv_session_finalize (GObject *object)
{
  CvSession *self = CV_SESSION (object);

  g_free (self->display_name);
  g_free (self->notice);
  g_free (self->host);
  g_free (self->fingerprint);
  g_free (self->number);
  g_free (self->password);

  G_OBJECT_CLASS (cv_session_parent_class)->finalize (object);
}

static void
cv_session_class_init (CvSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = cv_session_get_property;
  object_class->dispose = cv_session_dispose;
  object_class->finalize = cv_session_finalize;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, CV_SESSION_IDLE, CV_SESSION_RECONNECTING, CV_SESSION_IDLE,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* What we announce to the others; set with the setters. */
  properties[PROP_AUDIO_MUTED] =
    g_param_spec_boolean ("audio-muted", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VIDEO_ENABLED] =
    g_param_spec_boolean ("video-enabled", NULL, NULL, TRUE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECORDING] =
    g_param_spec_boolean ("recording", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* We or a member announced a local recording: the UI shows it. */
  properties[PROP_ANYONE_RECORDING] =
    g_param_spec_boolean ("anyone-recording", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* A sentence for the user about the connection, or NULL. */
  properties[PROP_NOTICE] =
    g_param_spec_string ("notice", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The GListModel of CvRemoteStream: a new one when media restarts (rejoining). */
  properties[PROP_REMOTE_STREAMS] =
    g_param_spec_object ("remote-streams", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The session ended with an error, in words for the user. */
  signals[SIGNAL_FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
  /* A chat message arrived: the sender's name (from its credential), the text. */
  signals[SIGNAL_CHAT] =
    g_signal_new ("chat", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
cv_session_init (CvSession *self)
{
  self->participant_id = -1;
  self->kind = CV_MEMBER_KIND_APP;
  self->send_video = TRUE;
  self->send_audio = TRUE;
  self->video_enabled = TRUE;
  self->self_update_seconds = CV_SESSION_SELF_UPDATE_SECONDS;
  self->member_states = g_hash_table_new_full (NULL, NULL, NULL, member_state_free);
  self->signaling = cv_signaling_client_new ();
  self->security = cv_security_state_new ();
  self->members = g_list_store_new (CV_TYPE_MEETING_MEMBER);
  self->roster = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) json_object_unref);
  self->subscribed = g_hash_table_new (NULL, NULL);
  self->partner_cas = cv_trust_store_new ();
  self->service_ca = cv_trust_store_new ();
  g_signal_connect (self->signaling, "message", G_CALLBACK (message_cb), self);
  g_signal_connect (self->signaling, "closed", G_CALLBACK (closed_cb), self);
  self->frames_source = g_timeout_add (500, update_frames_cb, self);
}

CvSession *
cv_session_new (const char *display_name)
{
  CvSession *self = g_object_new (CV_TYPE_SESSION, NULL);
  g_autoptr (GError) error = NULL;

  self->display_name = g_strdup (display_name);
  self->frame_keys = cv_frame_keys_new (CV_SFRAME_DEFAULT_SUITE, SFRAME_GRACE_MS, &error);
  g_assert_no_error (error); /* the default suite always exists */
  return self;
}

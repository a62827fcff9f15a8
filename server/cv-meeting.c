#include "cv-meeting.h"
#include "cv-server-error.h"

#include <openssl/crypto.h>
#include <string.h>

struct _CvMeeting
{
  GObject parent_instance;

  char *number;
  gboolean e2ee;
  gboolean has_password;
  guint8 password_digest[32];
  char *owner;
  gint64 empty_since;

  GPtrArray *participants;       /* CvParticipant, join order */
  GHashTable *by_id;             /* guint64* → CvParticipant (borrowed) */

  /* Delivery service. */
  guint64 epoch;
  GBytes *group_id;              /* learned from the first message */
  guint16 cipher_suite;
  GQueue log;                    /* CvLogEntry */
  gsize log_bytes;
  guint64 next_seq;
  gboolean log_dropped;
  guint64 dropped_max_epoch;
};

G_DEFINE_FINAL_TYPE (CvMeeting, cv_meeting, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NUMBER,
  PROP_E2EE,
  PROP_EPOCH,
  PROP_N_PARTICIPANTS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Server-side features that need decrypted media. */
static const char *const media_features[] = {
  "cloud-recording", "transcoding", "transcription", "captions", NULL
};

static void
log_entry_free (gpointer data)
{
  CvLogEntry *entry = data;

  g_free (entry->message);
  g_free (entry);
}

static void
cv_meeting_finalize (GObject *object)
{
  CvMeeting *self = CV_MEETING (object);

  g_free (self->number);
  g_free (self->owner);
  OPENSSL_cleanse (self->password_digest, sizeof self->password_digest);
  g_hash_table_unref (self->by_id);
  g_ptr_array_unref (self->participants);
  g_clear_pointer (&self->group_id, g_bytes_unref);
  g_queue_clear_full (&self->log, log_entry_free);
  G_OBJECT_CLASS (cv_meeting_parent_class)->finalize (object);
}

static void
cv_meeting_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  CvMeeting *self = CV_MEETING (object);

  switch (prop_id)
    {
    case PROP_NUMBER: g_value_set_string (value, self->number); break;
    case PROP_E2EE: g_value_set_boolean (value, self->e2ee); break;
    case PROP_EPOCH: g_value_set_uint64 (value, self->epoch); break;
    case PROP_N_PARTICIPANTS: g_value_set_uint (value, self->participants->len); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_meeting_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  CvMeeting *self = CV_MEETING (object);

  switch (prop_id)
    {
    case PROP_NUMBER: self->number = g_value_dup_string (value); break;
    case PROP_E2EE: self->e2ee = g_value_get_boolean (value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_meeting_class_init (CvMeetingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = cv_meeting_finalize;
  object_class->get_property = cv_meeting_get_property;
  object_class->set_property = cv_meeting_set_property;

  properties[PROP_NUMBER] = g_param_spec_string ("number", NULL, "9-digit meeting number", NULL, construct);
  properties[PROP_E2EE] = g_param_spec_boolean ("e2ee", NULL, "End-to-end encrypted", TRUE, construct);
  properties[PROP_EPOCH] = g_param_spec_uint64 ("epoch", NULL, "Current MLS epoch", 0, G_MAXUINT64, 0, ro);
  properties[PROP_N_PARTICIPANTS] = g_param_spec_uint ("n-participants", NULL, "Participants present",
                                                       0, G_MAXUINT, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cv_meeting_init (CvMeeting *self)
{
  self->participants = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->empty_since = g_get_monotonic_time ();
}

static void
digest_password (const char *password, guint8 out[32])
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize len = 32;

  g_checksum_update (sum, (const guchar *) password, strlen (password));
  g_checksum_get_digest (sum, out, &len);
}

CvMeeting *
cv_meeting_new (const char *number,
                gboolean    e2ee,
                const char *password,
                const char *owner_account)
{
  CvMeeting *self = g_object_new (CV_TYPE_MEETING, "number", number, "e2ee", e2ee, NULL);

  if (password != NULL && *password != '\0')
    {
      self->has_password = TRUE;
      digest_password (password, self->password_digest);
    }
  self->owner = g_strdup (owner_account);
  return self;
}

const char *
cv_meeting_get_number (CvMeeting *self)
{
  g_return_val_if_fail (CV_IS_MEETING (self), NULL);
  return self->number;
}

gboolean
cv_meeting_get_e2ee (CvMeeting *self)
{
  g_return_val_if_fail (CV_IS_MEETING (self), FALSE);
  return self->e2ee;
}

gboolean
cv_meeting_has_password (CvMeeting *self)
{
  g_return_val_if_fail (CV_IS_MEETING (self), FALSE);
  return self->has_password;
}

const char *
cv_meeting_get_owner (CvMeeting *self)
{
  g_return_val_if_fail (CV_IS_MEETING (self), NULL);
  return self->owner;
}

gint64
cv_meeting_get_empty_since (CvMeeting *self)
{
  g_return_val_if_fail (CV_IS_MEETING (self), 0);
  return self->participants->len == 0 ? self->empty_since : 0;
}

gboolean
cv_meeting_check_admission (CvMeeting            *self,
                            const CvSiteSettings *site,
                            const CvJoinRequest  *request,
                            GError              **error)
{
  guint present = self->participants->len;
  guint limit;

  g_return_val_if_fail (CV_IS_MEETING (self), FALSE);

  /* The password first, so that someone without it learns nothing more. */
  if (self->has_password)
    {
      guint8 given[32];
      gboolean match;

      if (request->password == NULL || *request->password == '\0')
        {
          g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_PASSWORD_REQUIRED,
                       "This meeting needs a password");
          return FALSE;
        }
      digest_password (request->password, given);
      match = CRYPTO_memcmp (given, self->password_digest, sizeof given) == 0;
      OPENSSL_cleanse (given, sizeof given);
      if (!match)
        {
          g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_WRONG_PASSWORD,
                       "The meeting password is wrong");
          return FALSE;
        }
    }

  if (self->e2ee)
    {
      if (request->kind == CV_PARTICIPANT_KIND_SIP || request->kind == CV_PARTICIPANT_KIND_PSTN)
        {
          g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_KIND_REFUSED,
                       "%s endpoints cannot join an end-to-end encrypted meeting",
                       request->kind == CV_PARTICIPANT_KIND_SIP ? "SIP" : "Telephone (PSTN)");
          return FALSE;
        }
      if (!request->e2ee_capable)
        {
          g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_E2EE_UNSUPPORTED,
                       "This meeting is end-to-end encrypted and the client cannot take part in it");
          return FALSE;
        }
    }

  for (guint i = 0; request->features != NULL && request->features[i] != NULL; i++)
    {
      const char *feature = request->features[i];

      if (self->e2ee && g_strv_contains (media_features, feature))
        {
          g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_FEATURE_REFUSED,
                       "“%s” needs the service to see the media, which an end-to-end encrypted meeting forbids",
                       feature);
          return FALSE;
        }
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_FEATURE_UNAVAILABLE,
                   "The service does not offer “%s”", feature);
      return FALSE;
    }

  if (self->e2ee && request->video && !site->video_devices_enabled)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_VIDEO_DISABLED_BY_SITE,
                   "Video is disabled for end-to-end encrypted meetings on this site; join with audio only");
      return FALSE;
    }

  if (self->e2ee && !request->has_key_package)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_KEY_PACKAGE_REQUIRED,
                   "Joining an end-to-end encrypted meeting needs an MLS KeyPackage");
      return FALSE;
    }

  limit = MIN (site->participants, (guint) CV_E2EE_MAX_PARTICIPANTS);
  if (present >= limit)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_MEETING_FULL,
                   "The meeting is full (%u participants)", limit);
      return FALSE;
    }

  /* A room device needs transcoding beyond the first 205, which E2EE forbids. */
  limit = MIN (site->devices, (guint) CV_E2EE_MAX_DEVICE_POSITION);
  if (self->e2ee && request->kind == CV_PARTICIPANT_KIND_DEVICE && present >= limit)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_DEVICE_LIMIT,
                   "A room device can only join while fewer than %u participants are present", limit);
      return FALSE;
    }
  return TRUE;
}

void
cv_meeting_make_creator (CvMeeting     *self,
                         CvParticipant *participant)
{
  g_return_if_fail (CV_IS_MEETING (self));
  cv_participant_set_member (participant, TRUE);
  cv_participant_set_leaf_index (participant, 0);
  cv_participant_set_key_package (participant, NULL);
}

gboolean
cv_meeting_add_participant (CvMeeting     *self,
                            CvParticipant *participant)
{
  gboolean creator = FALSE;

  g_return_val_if_fail (CV_IS_MEETING (self), FALSE);

  if (self->e2ee && cv_meeting_get_n_members (self) == 0)
    {
      cv_meeting_reset_group (self);
      cv_meeting_make_creator (self, participant);
      creator = TRUE;
    }
  g_ptr_array_add (self->participants, g_object_ref (participant));
  {
    guint64 *key = g_new (guint64, 1);

    *key = cv_participant_get_id (participant);
    g_hash_table_insert (self->by_id, key, participant);
  }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_PARTICIPANTS]);
  return creator;
}

void
cv_meeting_remove_participant (CvMeeting     *self,
                               CvParticipant *participant)
{
  guint64 id;

  g_return_if_fail (CV_IS_MEETING (self));

  id = cv_participant_get_id (participant);
  if (!g_hash_table_remove (self->by_id, &id))
    return;
  cv_participant_set_member (participant, FALSE);
  g_ptr_array_remove (self->participants, participant);
  if (self->participants->len == 0)
    self->empty_since = g_get_monotonic_time ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_PARTICIPANTS]);
}

guint
cv_meeting_get_n_participants (CvMeeting *self)
{
  g_return_val_if_fail (CV_IS_MEETING (self), 0);
  return self->participants->len;
}

GPtrArray *
cv_meeting_get_participants (CvMeeting *self)
{
  g_return_val_if_fail (CV_IS_MEETING (self), NULL);
  return self->participants;
}

CvParticipant *
cv_meeting_lookup (CvMeeting *self,
                   guint64    participant_id)
{
  g_return_val_if_fail (CV_IS_MEETING (self), NULL);
  return g_hash_table_lookup (self->by_id, &participant_id);
}

CvParticipant *
cv_meeting_get_committer (CvMeeting *self)
{
  CvParticipant *best = NULL;
  guint32 best_leaf = CV_LEAF_UNKNOWN;

  g_return_val_if_fail (CV_IS_MEETING (self), NULL);

  for (guint i = 0; i < self->participants->len; i++)
    {
      CvParticipant *p = g_ptr_array_index (self->participants, i);
      guint32 leaf = cv_participant_get_leaf_index (p);

      if (cv_participant_get_member (p) && leaf != CV_LEAF_UNKNOWN && leaf < best_leaf)
        {
          best = p;
          best_leaf = leaf;
        }
    }
  return best;
}

guint64
cv_meeting_get_epoch (CvMeeting *self)
{
  g_return_val_if_fail (CV_IS_MEETING (self), 0);
  return self->epoch;
}

guint
cv_meeting_get_n_members (CvMeeting *self)
{
  guint n = 0;

  g_return_val_if_fail (CV_IS_MEETING (self), 0);
  for (guint i = 0; i < self->participants->len; i++)
    if (cv_participant_get_member (g_ptr_array_index (self->participants, i)))
      n++;
  return n;
}

GBytes *
cv_meeting_get_group_id (CvMeeting *self)
{
  return self->group_id;
}

guint16
cv_meeting_get_cipher_suite (CvMeeting *self)
{
  g_return_val_if_fail (CV_IS_MEETING (self), 0);
  return self->cipher_suite;
}

gboolean
cv_meeting_check_key_package (CvMeeting                *self,
                              const cv_mls_wire_header *header,
                              GError                  **error)
{
  g_return_val_if_fail (CV_IS_MEETING (self), FALSE);

  if (header->wire_format != CV_MLS_WIRE_KEY_PACKAGE)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_MLS_MESSAGE,
                   "key_package is a %s, not a KeyPackage", cv_mls_wire_format_name (header->wire_format));
      return FALSE;
    }
  /* Everyone in a group uses its one cipher suite. */
  if (self->cipher_suite != 0 && header->cipher_suite != self->cipher_suite)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_MLS_MESSAGE,
                   "KeyPackage of cipher suite %u in a meeting of cipher suite %u",
                   header->cipher_suite, self->cipher_suite);
      return FALSE;
    }
  self->cipher_suite = header->cipher_suite;
  return TRUE;
}

void
cv_meeting_reset_group (CvMeeting *self)
{
  g_return_if_fail (CV_IS_MEETING (self));

  self->epoch = 0;
  g_clear_pointer (&self->group_id, g_bytes_unref);
  g_queue_clear_full (&self->log, log_entry_free);
  self->log_bytes = 0;
  self->log_dropped = FALSE;
  self->dropped_max_epoch = 0;
  for (guint i = 0; i < self->participants->len; i++)
    {
      CvParticipant *p = g_ptr_array_index (self->participants, i);

      cv_participant_set_member (p, FALSE);
      cv_participant_set_leaf_index (p, CV_LEAF_UNKNOWN);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EPOCH]);
}

gboolean
cv_meeting_check_message (CvMeeting                *self,
                          CvParticipant            *sender,
                          const cv_mls_wire_header *header,
                          GError                  **error)
{
  g_return_val_if_fail (CV_IS_MEETING (self), FALSE);

  if (!cv_participant_get_member (sender))
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_NOT_A_MEMBER,
                   "Only members of the MLS group may send this; wait for your Welcome");
      return FALSE;
    }
  if (!header->has_epoch)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_MLS_MESSAGE,
                   "Expected a PublicMessage or PrivateMessage, got a %s",
                   cv_mls_wire_format_name (header->wire_format));
      return FALSE;
    }
  /* The first accepted message of a group tells its id; later ones must match. */
  if (self->group_id != NULL)
    {
      gsize len;
      const guint8 *id = g_bytes_get_data (self->group_id, &len);

      if (len != header->group_id_len || memcmp (id, header->group_id, len) != 0)
        {
          g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_WRONG_GROUP,
                       "The message is for another MLS group than this meeting's");
          return FALSE;
        }
    }
  if (header->epoch > self->epoch)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_FUTURE_EPOCH,
                   "Epoch %" G_GUINT64_FORMAT " is ahead of the group's epoch %" G_GUINT64_FORMAT,
                   header->epoch, self->epoch);
      return FALSE;
    }
  /* Handshake messages must be for the current epoch; application messages
   * of the previous epochs may still be in flight and are relayed. */
  if (header->content_type != CV_MLS_CONTENT_APPLICATION && header->epoch < self->epoch)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_STALE_EPOCH,
                   "Epoch %" G_GUINT64_FORMAT " is over; the group is at epoch %" G_GUINT64_FORMAT,
                   header->epoch, self->epoch);
      return FALSE;
    }
  if (self->group_id == NULL)
    self->group_id = g_bytes_new (header->group_id, header->group_id_len);
  return TRUE;
}

gboolean
cv_meeting_accept_commit (CvMeeting                *self,
                          CvParticipant            *sender,
                          const cv_mls_wire_header *header,
                          GError                  **error)
{
  g_return_val_if_fail (CV_IS_MEETING (self), FALSE);

  if (header->content_type != CV_MLS_CONTENT_COMMIT)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_MLS_MESSAGE,
                   "Expected a commit, got a %s message", cv_mls_content_type_name (header->content_type));
      return FALSE;
    }
  if (!cv_meeting_check_message (self, sender, header, error))
    return FALSE;
  /* First commit of the epoch wins: the epoch moves on, so any later
   * commit for the same epoch is stale. */
  self->epoch++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_EPOCH]);
  return TRUE;
}

guint64
cv_meeting_log_append (CvMeeting  *self,
                       const char *type,
                       guint64     epoch,
                       guint64     from,
                       const char *message_b64,
                       gsize       byte_budget)
{
  CvLogEntry *entry;

  g_return_val_if_fail (CV_IS_MEETING (self), 0);

  entry = g_new0 (CvLogEntry, 1);
  entry->seq = ++self->next_seq;
  entry->epoch = epoch;
  entry->from = from;
  entry->type = type;
  entry->message = g_strdup (message_b64);
  g_queue_push_tail (&self->log, entry);
  self->log_bytes += strlen (message_b64);

  while (self->log_bytes > byte_budget && !g_queue_is_empty (&self->log))
    {
      CvLogEntry *old = g_queue_pop_head (&self->log);

      self->log_bytes -= strlen (old->message);
      self->log_dropped = TRUE;
      self->dropped_max_epoch = MAX (self->dropped_max_epoch, old->epoch);
      log_entry_free (old);
    }
  return entry->seq;
}

GPtrArray *
cv_meeting_log_since (CvMeeting *self,
                      guint64    since_epoch,
                      GError   **error)
{
  GPtrArray *out;

  g_return_val_if_fail (CV_IS_MEETING (self), NULL);

  if (since_epoch > self->epoch)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_FUTURE_EPOCH,
                   "Epoch %" G_GUINT64_FORMAT " is ahead of the group's epoch %" G_GUINT64_FORMAT,
                   since_epoch, self->epoch);
      return NULL;
    }
  if (self->log_dropped && since_epoch <= self->dropped_max_epoch)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_BACKLOG_TRUNCATED,
                   "Messages of epoch %" G_GUINT64_FORMAT " are no longer kept; join again",
                   since_epoch);
      return NULL;
    }
  out = g_ptr_array_new ();
  for (GList *l = self->log.head; l != NULL; l = l->next)
    {
      CvLogEntry *entry = l->data;

      if (entry->epoch >= since_epoch)
        g_ptr_array_add (out, entry);
    }
  return out;
}

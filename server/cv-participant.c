#include "cv-participant.h"

struct _CvParticipant
{
  GObject parent_instance;

  guint64 id;
  char *display_name;
  CvParticipantKind kind;
  char *account;
  gboolean video;
  gboolean roster_events;
  guint32 ssrc_base;
  gboolean member;
  guint32 leaf_index;
  char *key_package;
  gpointer connection;
};

G_DEFINE_FINAL_TYPE (CvParticipant, cv_participant, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_DISPLAY_NAME,
  PROP_KIND,
  PROP_ACCOUNT,
  PROP_VIDEO,
  PROP_ROSTER_EVENTS,
  PROP_MEMBER,
  PROP_LEAF_INDEX,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* g_set_str() is GLib 2.76; we support 2.74. */
static gboolean
replace_string (char **slot, const char *value)
{
  if (g_strcmp0 (*slot, value) == 0)
    return FALSE;
  g_free (*slot);
  *slot = g_strdup (value);
  return TRUE;
}

static const char *const kind_names[] = { "client", "device", "sip", "pstn" };

const char *
cv_participant_kind_to_string (CvParticipantKind kind)
{
  if ((guint) kind < G_N_ELEMENTS (kind_names))
    return kind_names[kind];
  return "client";
}

gboolean
cv_participant_kind_from_string (const char        *text,
                                 CvParticipantKind *kind)
{
  for (guint i = 0; text != NULL && i < G_N_ELEMENTS (kind_names); i++)
    if (g_str_equal (text, kind_names[i]))
      {
        *kind = (CvParticipantKind) i;
        return TRUE;
      }
  return FALSE;
}

static void
cv_participant_finalize (GObject *object)
{
  CvParticipant *self = CV_PARTICIPANT (object);

  g_free (self->display_name);
  g_free (self->account);
  g_free (self->key_package);
  G_OBJECT_CLASS (cv_participant_parent_class)->finalize (object);
}

static void
cv_participant_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  CvParticipant *self = CV_PARTICIPANT (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_uint64 (value, self->id); break;
    case PROP_DISPLAY_NAME: g_value_set_string (value, self->display_name); break;
    case PROP_KIND: g_value_set_uint (value, self->kind); break;
    case PROP_ACCOUNT: g_value_set_string (value, self->account); break;
    case PROP_VIDEO: g_value_set_boolean (value, self->video); break;
    case PROP_ROSTER_EVENTS: g_value_set_boolean (value, self->roster_events); break;
    case PROP_MEMBER: g_value_set_boolean (value, self->member); break;
    case PROP_LEAF_INDEX: g_value_set_uint (value, self->leaf_index); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_participant_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  CvParticipant *self = CV_PARTICIPANT (object);

  switch (prop_id)
    {
    case PROP_ID: self->id = g_value_get_uint64 (value); break;
    case PROP_DISPLAY_NAME: self->display_name = g_value_dup_string (value); break;
    case PROP_KIND: self->kind = g_value_get_uint (value); break;
    case PROP_ACCOUNT: cv_participant_set_account (self, g_value_get_string (value)); break;
    case PROP_VIDEO: cv_participant_set_video (self, g_value_get_boolean (value)); break;
    case PROP_ROSTER_EVENTS: cv_participant_set_roster_events (self, g_value_get_boolean (value)); break;
    case PROP_MEMBER: cv_participant_set_member (self, g_value_get_boolean (value)); break;
    case PROP_LEAF_INDEX: cv_participant_set_leaf_index (self, g_value_get_uint (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_participant_class_init (CvParticipantClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = cv_participant_finalize;
  object_class->get_property = cv_participant_get_property;
  object_class->set_property = cv_participant_set_property;

  properties[PROP_ID] = g_param_spec_uint64 ("id", NULL, "Participant id, unique in the service",
                                             0, G_MAXUINT64, 0, construct);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, "Name it claimed",
                                                       NULL, construct);
  properties[PROP_KIND] = g_param_spec_uint ("kind", NULL, "CvParticipantKind",
                                             0, CV_PARTICIPANT_KIND_PSTN, 0, construct);
  properties[PROP_ACCOUNT] = g_param_spec_string ("account", NULL, "Signed-in account",
                                                  NULL, rw);
  properties[PROP_VIDEO] = g_param_spec_boolean ("video", NULL, "Sends video", FALSE, rw);
  properties[PROP_ROSTER_EVENTS] = g_param_spec_boolean ("roster-events", NULL,
                                                        "Wants participant-joined/left events", TRUE, rw);
  properties[PROP_MEMBER] = g_param_spec_boolean ("member", NULL, "Welcomed into the MLS group",
                                                  FALSE, rw);
  properties[PROP_LEAF_INDEX] = g_param_spec_uint ("leaf-index", NULL, "MLS leaf index",
                                                   0, G_MAXUINT32, CV_LEAF_UNKNOWN, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cv_participant_init (CvParticipant *self)
{
  self->leaf_index = CV_LEAF_UNKNOWN;
  self->ssrc_base = CV_SSRC_NONE;
  self->roster_events = TRUE;
}

CvParticipant *
cv_participant_new (guint64            id,
                    const char        *display_name,
                    CvParticipantKind  kind)
{
  return g_object_new (CV_TYPE_PARTICIPANT,
                       "id", id,
                       "display-name", display_name,
                       "kind", (guint) kind,
                       NULL);
}

guint64
cv_participant_get_id (CvParticipant *self)
{
  g_return_val_if_fail (CV_IS_PARTICIPANT (self), 0);
  return self->id;
}

const char *
cv_participant_get_display_name (CvParticipant *self)
{
  g_return_val_if_fail (CV_IS_PARTICIPANT (self), NULL);
  return self->display_name;
}

CvParticipantKind
cv_participant_get_kind (CvParticipant *self)
{
  g_return_val_if_fail (CV_IS_PARTICIPANT (self), CV_PARTICIPANT_KIND_CLIENT);
  return self->kind;
}

const char *
cv_participant_get_account (CvParticipant *self)
{
  g_return_val_if_fail (CV_IS_PARTICIPANT (self), NULL);
  return self->account;
}

void
cv_participant_set_account (CvParticipant *self,
                            const char    *account)
{
  g_return_if_fail (CV_IS_PARTICIPANT (self));
  if (replace_string (&self->account, account))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACCOUNT]);
}

gboolean
cv_participant_get_video (CvParticipant *self)
{
  g_return_val_if_fail (CV_IS_PARTICIPANT (self), FALSE);
  return self->video;
}

void
cv_participant_set_video (CvParticipant *self,
                          gboolean       video)
{
  g_return_if_fail (CV_IS_PARTICIPANT (self));
  video = !!video;
  if (self->video == video)
    return;
  self->video = video;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIDEO]);
}

guint32
cv_participant_get_ssrc_base (CvParticipant *self)
{
  return self->ssrc_base;
}

void
cv_participant_set_ssrc_base (CvParticipant *self,
                              guint32        ssrc_base)
{
  self->ssrc_base = ssrc_base;
}

gboolean
cv_participant_get_roster_events (CvParticipant *self)
{
  g_return_val_if_fail (CV_IS_PARTICIPANT (self), TRUE);
  return self->roster_events;
}

void
cv_participant_set_roster_events (CvParticipant *self,
                                  gboolean       roster_events)
{
  g_return_if_fail (CV_IS_PARTICIPANT (self));
  roster_events = !!roster_events;
  if (self->roster_events == roster_events)
    return;
  self->roster_events = roster_events;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROSTER_EVENTS]);
}

gboolean
cv_participant_get_member (CvParticipant *self)
{
  g_return_val_if_fail (CV_IS_PARTICIPANT (self), FALSE);
  return self->member;
}

void
cv_participant_set_member (CvParticipant *self,
                           gboolean       member)
{
  g_return_if_fail (CV_IS_PARTICIPANT (self));
  member = !!member;
  if (self->member == member)
    return;
  self->member = member;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEMBER]);
}

guint32
cv_participant_get_leaf_index (CvParticipant *self)
{
  g_return_val_if_fail (CV_IS_PARTICIPANT (self), CV_LEAF_UNKNOWN);
  return self->leaf_index;
}

void
cv_participant_set_leaf_index (CvParticipant *self,
                               guint32        leaf_index)
{
  g_return_if_fail (CV_IS_PARTICIPANT (self));
  if (self->leaf_index == leaf_index)
    return;
  self->leaf_index = leaf_index;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LEAF_INDEX]);
}

const char *
cv_participant_get_key_package (CvParticipant *self)
{
  g_return_val_if_fail (CV_IS_PARTICIPANT (self), NULL);
  return self->key_package;
}

void
cv_participant_set_key_package (CvParticipant *self,
                                const char    *key_package_b64)
{
  g_return_if_fail (CV_IS_PARTICIPANT (self));
  replace_string (&self->key_package, key_package_b64);
}

gpointer
cv_participant_get_connection (CvParticipant *self)
{
  g_return_val_if_fail (CV_IS_PARTICIPANT (self), NULL);
  return self->connection;
}

void
cv_participant_set_connection (CvParticipant *self,
                               gpointer       connection)
{
  g_return_if_fail (CV_IS_PARTICIPANT (self));
  self->connection = connection;
}

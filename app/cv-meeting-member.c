/* CvMeetingMember: one row of the participant list. */
#include "cv-meeting-member.h"

struct _CvMeetingMember
{
  GObject parent_instance;

  guint32 leaf_index;
  CvCertificateInfo *certificate;
  gboolean is_self;
  gboolean in_roster;
  CvMemberKind kind;
  guint64 frames;
  gboolean audio_muted, video_on, recording;
};

G_DEFINE_FINAL_TYPE (CvMeetingMember, cv_meeting_member, G_TYPE_OBJECT)

G_DEFINE_ENUM_TYPE (CvMemberKind, cv_member_kind,
  G_DEFINE_ENUM_VALUE (CV_MEMBER_KIND_UNKNOWN, "unknown"),
  G_DEFINE_ENUM_VALUE (CV_MEMBER_KIND_APP, "app"),
  G_DEFINE_ENUM_VALUE (CV_MEMBER_KIND_ROOM_DEVICE, "room-device"))

const char *
cv_member_kind_to_protocol (CvMemberKind kind)
{
  switch (kind)
    {
    case CV_MEMBER_KIND_APP: return "client";
    case CV_MEMBER_KIND_ROOM_DEVICE: return "device";
    case CV_MEMBER_KIND_UNKNOWN:
    default: return NULL;
    }
}

CvMemberKind
cv_member_kind_from_protocol (const char *name)
{
  if (g_strcmp0 (name, "client") == 0)
    return CV_MEMBER_KIND_APP;
  if (g_strcmp0 (name, "device") == 0)
    return CV_MEMBER_KIND_ROOM_DEVICE;
  return CV_MEMBER_KIND_UNKNOWN;
}

enum {
  PROP_0,
  PROP_LEAF_INDEX,
  PROP_DISPLAY_NAME,
  PROP_VERDICT,
  PROP_CERTIFICATE,
  PROP_IS_SELF,
  PROP_IN_ROSTER,
  PROP_KIND,
  PROP_FRAMES,
  PROP_AUDIO_MUTED,
  PROP_VIDEO_ON,
  PROP_RECORDING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

guint32
cv_meeting_member_get_leaf_index (CvMeetingMember *self)
{
  return self->leaf_index;
}

CvCertificateInfo *
cv_meeting_member_get_certificate (CvMeetingMember *self)
{
  return self->certificate;
}

const char *
cv_meeting_member_get_display_name (CvMeetingMember *self)
{
  const char *name = cv_certificate_info_get_display_name (self->certificate);

  return name ? name : "";
}

CvCertificateVerdict
cv_meeting_member_get_verdict (CvMeetingMember *self)
{
  return cv_certificate_info_get_verdict (self->certificate);
}

gboolean
cv_meeting_member_get_is_self (CvMeetingMember *self)
{
  return self->is_self;
}

void
cv_meeting_member_set_is_self (CvMeetingMember *self,
                               gboolean         is_self)
{
  if (self->is_self == !!is_self)
    return;
  self->is_self = !!is_self;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IS_SELF]);
}

gboolean
cv_meeting_member_get_in_roster (CvMeetingMember *self)
{
  return self->in_roster;
}

void
cv_meeting_member_set_in_roster (CvMeetingMember *self,
                                 gboolean         in_roster)
{
  if (self->in_roster == !!in_roster)
    return;
  self->in_roster = !!in_roster;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IN_ROSTER]);
}

CvMemberKind
cv_meeting_member_get_kind (CvMeetingMember *self)
{
  return self->kind;
}

void
cv_meeting_member_set_kind (CvMeetingMember *self,
                            CvMemberKind     kind)
{
  if (self->kind == kind)
    return;
  self->kind = kind;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KIND]);
}

guint64
cv_meeting_member_get_frames (CvMeetingMember *self)
{
  return self->frames;
}

void
cv_meeting_member_set_frames (CvMeetingMember *self,
                              guint64          frames)
{
  if (self->frames == frames)
    return;
  self->frames = frames;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRAMES]);
}

gboolean
cv_meeting_member_get_audio_muted (CvMeetingMember *self)
{
  return self->audio_muted;
}

gboolean
cv_meeting_member_get_video_on (CvMeetingMember *self)
{
  return self->video_on;
}

gboolean
cv_meeting_member_get_recording (CvMeetingMember *self)
{
  return self->recording;
}

static void
set_flag (CvMeetingMember *self,
          gboolean        *field,
          gboolean         value,
          guint            prop)
{
  if (*field == !!value)
    return;
  *field = !!value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

void
cv_meeting_member_set_announced (CvMeetingMember *self,
                                 gboolean         audio_muted,
                                 gboolean         video_on,
                                 gboolean         recording)
{
  g_object_freeze_notify (G_OBJECT (self));
  set_flag (self, &self->audio_muted, audio_muted, PROP_AUDIO_MUTED);
  set_flag (self, &self->video_on, video_on, PROP_VIDEO_ON);
  set_flag (self, &self->recording, recording, PROP_RECORDING);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
cv_meeting_member_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  CvMeetingMember *self = CV_MEETING_MEMBER (object);

  switch (prop_id)
    {
    case PROP_LEAF_INDEX:
      g_value_set_uint (value, self->leaf_index);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, cv_meeting_member_get_display_name (self));
      break;
    case PROP_VERDICT:
      g_value_set_enum (value, cv_meeting_member_get_verdict (self));
      break;
    case PROP_CERTIFICATE:
      g_value_set_object (value, self->certificate);
      break;
    case PROP_IS_SELF:
      g_value_set_boolean (value, self->is_self);
      break;
    case PROP_IN_ROSTER:
      g_value_set_boolean (value, self->in_roster);
      break;
    case PROP_KIND:
      g_value_set_enum (value, self->kind);
      break;
    case PROP_FRAMES:
      g_value_set_uint64 (value, self->frames);
      break;
    case PROP_AUDIO_MUTED:
      g_value_set_boolean (value, self->audio_muted);
      break;
    case PROP_VIDEO_ON:
      g_value_set_boolean (value, self->video_on);
      break;
    case PROP_RECORDING:
      g_value_set_boolean (value, self->recording);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_meeting_member_dispose (GObject *object)
{
  CvMeetingMember *self = CV_MEETING_MEMBER (object);

  g_clear_object (&self->certificate);

  G_OBJECT_CLASS (cv_meeting_member_parent_class)->dispose (object);
}

static void
cv_meeting_member_class_init (CvMeetingMemberClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;
  GParamFlags notify = ro | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = cv_meeting_member_get_property;
  object_class->dispose = cv_meeting_member_dispose;

  properties[PROP_LEAF_INDEX] = g_param_spec_uint ("leaf-index", NULL, NULL, 0, G_MAXUINT32, 0, ro);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, ro);
  properties[PROP_VERDICT] = g_param_spec_enum ("verdict", NULL, NULL, CV_TYPE_CERTIFICATE_VERDICT,
                                                CV_CERTIFICATE_UNVERIFIED, ro);
  properties[PROP_CERTIFICATE] = g_param_spec_object ("certificate", NULL, NULL, CV_TYPE_CERTIFICATE_INFO, ro);
  properties[PROP_IS_SELF] = g_param_spec_boolean ("is-self", NULL, NULL, FALSE, notify);
  properties[PROP_IN_ROSTER] = g_param_spec_boolean ("in-roster", NULL, NULL, FALSE, notify);
  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, CV_TYPE_MEMBER_KIND, CV_MEMBER_KIND_UNKNOWN, notify);
  properties[PROP_FRAMES] = g_param_spec_uint64 ("frames", NULL, NULL, 0, G_MAXUINT64, 0, notify);
  /* As the member announced them; unknown until it does (FALSE). */
  properties[PROP_AUDIO_MUTED] = g_param_spec_boolean ("audio-muted", NULL, NULL, FALSE, notify);
  properties[PROP_VIDEO_ON] = g_param_spec_boolean ("video-on", NULL, NULL, FALSE, notify);
  properties[PROP_RECORDING] = g_param_spec_boolean ("recording", NULL, NULL, FALSE, notify);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cv_meeting_member_init (CvMeetingMember *self)
{
}

CvMeetingMember *
cv_meeting_member_new (guint32            leaf_index,
                       CvCertificateInfo *certificate)
{
  CvMeetingMember *self = g_object_new (CV_TYPE_MEETING_MEMBER, NULL);

  self->leaf_index = leaf_index;
  self->certificate = g_object_ref (certificate);
  return self;
}

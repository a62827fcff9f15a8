/* CvParticipantRow: one member in the participant list: the identity badge,
 * the name, what the credential proves, app or room device, and whether the member is muted,
 * records, and whether its media decrypts here. Rows are recycled by the
 * list view, so everything is read from the member on each change. */
#include "config.h"

#include <glib/gi18n.h>

#include "cv-participant-row.h"

struct _CvParticipantRow
{
  GtkBox parent_instance;

  CvMeetingMember *member;

  GtkImage *badge;
  GtkLabel *name_label;
  GtkLabel *detail_label;
  GtkImage *muted_icon;
  GtkImage *media_icon;
  GtkImage *recording_icon;
};

G_DEFINE_FINAL_TYPE (CvParticipantRow, cv_participant_row, GTK_TYPE_BOX)

const char *
cv_participant_row_verdict_icon (CvCertificateVerdict verdict)
{
  switch (verdict)
    {
    case CV_CERTIFICATE_VERIFIED_EXTERNAL:
    case CV_CERTIFICATE_VERIFIED_INTERNAL:
      return "conclave-shield-secure-symbolic";
    case CV_CERTIFICATE_UNVERIFIED:
    default:
      return "conclave-shield-warning-symbolic";
    }
}

const char *
cv_participant_row_verdict_style (CvCertificateVerdict verdict)
{
  switch (verdict)
    {
    case CV_CERTIFICATE_VERIFIED_EXTERNAL:
      return "success";
    case CV_CERTIFICATE_VERIFIED_INTERNAL:
      return NULL;
    case CV_CERTIFICATE_UNVERIFIED:
    default:
      return "warning";
    }
}

/* Mute and recording state arrive with the session's member properties;
 * a member type without them reads as FALSE. */
static gboolean
member_flag (CvMeetingMember *member,
             const char      *property)
{
  gboolean value = FALSE;

  if (g_object_class_find_property (G_OBJECT_GET_CLASS (member), property) != NULL)
    g_object_get (member, property, &value, NULL);
  return value;
}

static void
set_badge_style (GtkWidget            *widget,
                 CvCertificateVerdict  verdict)
{
  const char *style = cv_participant_row_verdict_style (verdict);

  gtk_widget_remove_css_class (widget, "success");
  gtk_widget_remove_css_class (widget, "warning");
  if (style != NULL)
    gtk_widget_add_css_class (widget, style);
}

static void
update (CvParticipantRow *self)
{
  CvMeetingMember *m = self->member;
  CvCertificateVerdict verdict;
  gboolean is_self, muted, recording, decrypting;
  g_autofree char *title = NULL;
  g_autoptr (GString) detail = NULL;

  if (m == NULL)
    return;
  verdict = cv_meeting_member_get_verdict (m);
  is_self = cv_meeting_member_get_is_self (m);
  muted = member_flag (m, "audio-muted");
  recording = member_flag (m, "recording");
  /* Our own media is not decrypted by us. */
  decrypting = is_self || cv_meeting_member_get_frames (m) > 0;

  title = is_self
          /* Translators: the participant list's row of the user */
          ? g_strdup_printf (_("%s (you)"), cv_meeting_member_get_display_name (m))
          : g_strdup (cv_meeting_member_get_display_name (m));
  detail = g_string_new (cv_certificate_verdict_to_string (verdict));
  switch (cv_meeting_member_get_kind (m))
    {
    case CV_MEMBER_KIND_APP:
      /* Translators: the participant joined with the Conclave application */
      g_string_append (detail, _(" · Conclave app"));
      break;
    case CV_MEMBER_KIND_ROOM_DEVICE:
      /* Translators: the participant is a meeting room's video system */
      g_string_append (detail, _(" · Room device"));
      break;
    case CV_MEMBER_KIND_UNKNOWN:
    default:
      break; /* the roster does not say */
    }
  if (!is_self && !cv_meeting_member_get_in_roster (m))
    /* Translators: the MLS group has this member, the service's roster does not */
    g_string_append (detail, _(" · not listed by the service"));
  if (!decrypting)
    g_string_append (detail, _(" · no media decrypted yet"));

  gtk_label_set_text (self->name_label, title);
  gtk_label_set_text (self->detail_label, detail->str);
  gtk_image_set_from_icon_name (self->badge, cv_participant_row_verdict_icon (verdict));
  set_badge_style (GTK_WIDGET (self->badge), verdict);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->badge), cv_certificate_verdict_to_string (verdict));
  gtk_widget_set_visible (GTK_WIDGET (self->muted_icon), muted);
  gtk_widget_set_visible (GTK_WIDGET (self->media_icon), !decrypting);
  gtk_widget_set_visible (GTK_WIDGET (self->recording_icon), recording);

  if (muted)
    g_string_append (detail, _(" · muted"));
  if (recording)
    g_string_append (detail, _(" · recording"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, detail->str,
                                  -1);
}

CvMeetingMember *
cv_participant_row_get_member (CvParticipantRow *self)
{
  g_return_val_if_fail (CV_IS_PARTICIPANT_ROW (self), NULL);
  return self->member;
}

void
cv_participant_row_set_member (CvParticipantRow *self,
                               CvMeetingMember  *member)
{
  g_return_if_fail (CV_IS_PARTICIPANT_ROW (self));

  if (self->member == member)
    return;
  if (self->member != NULL)
    g_signal_handlers_disconnect_by_data (self->member, self);
  g_set_object (&self->member, member);
  if (member != NULL)
    {
      /* Roster, kind, mute, recording and decrypted frames change under a row. */
      g_signal_connect_swapped (member, "notify", G_CALLBACK (update), self);
      update (self);
    }
}

static void
cv_participant_row_dispose (GObject *object)
{
  CvParticipantRow *self = CV_PARTICIPANT_ROW (object);

  cv_participant_row_set_member (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), CV_TYPE_PARTICIPANT_ROW);

  G_OBJECT_CLASS (cv_participant_row_parent_class)->dispose (object);
}

static void
cv_participant_row_class_init (CvParticipantRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cv_participant_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/conclave/Conclave/cv-participant-row.ui");
  gtk_widget_class_bind_template_child (widget_class, CvParticipantRow, badge);
  gtk_widget_class_bind_template_child (widget_class, CvParticipantRow, name_label);
  gtk_widget_class_bind_template_child (widget_class, CvParticipantRow, detail_label);
  gtk_widget_class_bind_template_child (widget_class, CvParticipantRow, muted_icon);
  gtk_widget_class_bind_template_child (widget_class, CvParticipantRow, media_icon);
  gtk_widget_class_bind_template_child (widget_class, CvParticipantRow, recording_icon);
  gtk_widget_class_set_css_name (widget_class, "participantrow");
}

static void
cv_participant_row_init (CvParticipantRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
cv_participant_row_new (void)
{
  return g_object_new (CV_TYPE_PARTICIPANT_ROW, NULL);
}

/* CvVideoTile: one participant's video, with their name, identity badge and
 * mute state; the self view is a tile too.
 *
 * Frames arrive as RGBA GstSamples from the media pipeline; each becomes a
 * GdkMemoryTexture shown by a GtkPicture (Debian 12 has no
 * gtk4paintablesink).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <gst/video/video.h>

#include "cv-meeting-member.h"
#include "cv-participant-row.h"
#include "cv-video-tile.h"
#include "cv-video-texture.h"

struct _CvVideoTile
{
  AdwBin parent_instance;

  CvRemoteStream *stream;
  GListModel *members;
  CvMeetingMember *member;  /* the sender, once known */
  gboolean is_self;
  gboolean speaking;

  GtkPicture *picture;
  GtkLabel *name_label;
  GtkImage *badge;
  GtkImage *muted_icon;
};

G_DEFINE_FINAL_TYPE (CvVideoTile, cv_video_tile, ADW_TYPE_BIN)

static void
update_member_state (CvVideoTile *self)
{
  CvMeetingMember *m = self->member;
  CvCertificateVerdict verdict;
  const char *style;
  gboolean muted = FALSE;
  g_autofree char *name = NULL;

  if (m == NULL)
    return;
  verdict = cv_meeting_member_get_verdict (m);
  style = cv_participant_row_verdict_style (verdict);
  /* Mute state comes with the session's member properties. */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (m), "audio-muted") != NULL)
    g_object_get (m, "audio-muted", &muted, NULL);

  name = self->is_self
         /* Translators: the self view's name, %s is the user's own name */
         ? g_strdup_printf (_("%s (you)"), cv_meeting_member_get_display_name (m))
         : g_strdup (cv_meeting_member_get_display_name (m));
  gtk_label_set_text (self->name_label, name);
  gtk_image_set_from_icon_name (self->badge, cv_participant_row_verdict_icon (verdict));
  gtk_widget_remove_css_class (GTK_WIDGET (self->badge), "success");
  gtk_widget_remove_css_class (GTK_WIDGET (self->badge), "warning");
  if (style != NULL)
    gtk_widget_add_css_class (GTK_WIDGET (self->badge), style);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->badge), cv_certificate_verdict_to_string (verdict));
  gtk_widget_set_visible (GTK_WIDGET (self->muted_icon), muted);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  muted ? _("Muted") : cv_certificate_verdict_to_string (verdict),
                                  -1);
}

static void
set_member (CvVideoTile     *self,
            CvMeetingMember *member)
{
  if (self->member == member)
    return;
  if (self->member != NULL)
    g_signal_handlers_disconnect_by_data (self->member, self);
  g_set_object (&self->member, member);
  if (member != NULL)
    g_signal_connect_swapped (member, "notify", G_CALLBACK (update_member_state), self);
  update_member_state (self);
}

/* The sender is known from the SFrame KID of a decrypted frame (remote
 * tiles) or is the member marked as us (self view). */
static void
find_member (CvVideoTile *self)
{
  gint64 leaf = self->is_self ? -1 : cv_remote_stream_get_sender_leaf (self->stream);

  if (!self->is_self && leaf < 0)
    return;
  if (self->member != NULL && (self->is_self || cv_meeting_member_get_leaf_index (self->member) == leaf))
    return;
  for (guint i = 0; i < g_list_model_get_n_items (self->members); i++)
    {
      g_autoptr (CvMeetingMember) m = g_list_model_get_item (self->members, i);

      if (self->is_self ? cv_meeting_member_get_is_self (m) : cv_meeting_member_get_leaf_index (m) == leaf)
        {
          set_member (self, m);
          return;
        }
    }
}

static void
members_changed_cb (CvVideoTile *self)
{
  /* A member who left is not shown under a stream that is going away. */
  if (self->member != NULL)
    g_clear_object (&self->member);
  find_member (self);
}

static void
new_frame_cb (CvRemoteStream *stream,
              CvVideoTile    *self)
{
  g_autoptr (GstSample) sample = cv_remote_stream_dup_last_sample (stream);
  g_autoptr (GdkTexture) texture = NULL;

  if (sample == NULL)
    return;
  texture = cv_video_texture_new_for_sample (sample);
  if (texture != NULL)
    gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  find_member (self);
}

CvRemoteStream *
cv_video_tile_get_stream (CvVideoTile *self)
{
  g_return_val_if_fail (CV_IS_VIDEO_TILE (self), NULL);
  return self->stream;
}

gboolean
cv_video_tile_get_is_self (CvVideoTile *self)
{
  g_return_val_if_fail (CV_IS_VIDEO_TILE (self), FALSE);
  return self->is_self;
}

gint64
cv_video_tile_get_leaf (CvVideoTile *self)
{
  g_return_val_if_fail (CV_IS_VIDEO_TILE (self), -1);
  return self->member ? (gint64) cv_meeting_member_get_leaf_index (self->member) : -1;
}

const char *
cv_video_tile_get_name (CvVideoTile *self)
{
  g_return_val_if_fail (CV_IS_VIDEO_TILE (self), NULL);
  return gtk_label_get_text (self->name_label);
}

void
cv_video_tile_set_speaking (CvVideoTile *self,
                            gboolean     speaking)
{
  g_return_if_fail (CV_IS_VIDEO_TILE (self));

  if (self->speaking == speaking)
    return;
  self->speaking = speaking;
  if (speaking)
    gtk_widget_add_css_class (GTK_WIDGET (self), "speaking");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "speaking");
}

gboolean
cv_video_tile_get_speaking (CvVideoTile *self)
{
  g_return_val_if_fail (CV_IS_VIDEO_TILE (self), FALSE);
  return self->speaking;
}

static void
cv_video_tile_dispose (GObject *object)
{
  CvVideoTile *self = CV_VIDEO_TILE (object);

  set_member (self, NULL);
  if (self->stream != NULL)
    g_signal_handlers_disconnect_by_data (self->stream, self);
  if (self->members != NULL)
    g_signal_handlers_disconnect_by_data (self->members, self);
  g_clear_object (&self->stream);
  g_clear_object (&self->members);
  gtk_widget_dispose_template (GTK_WIDGET (self), CV_TYPE_VIDEO_TILE);

  G_OBJECT_CLASS (cv_video_tile_parent_class)->dispose (object);
}

static void
cv_video_tile_class_init (CvVideoTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = cv_video_tile_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/conclave/Conclave/cv-video-tile.ui");
  gtk_widget_class_bind_template_child (widget_class, CvVideoTile, picture);
  gtk_widget_class_bind_template_child (widget_class, CvVideoTile, name_label);
  gtk_widget_class_bind_template_child (widget_class, CvVideoTile, badge);
  gtk_widget_class_bind_template_child (widget_class, CvVideoTile, muted_icon);
  gtk_widget_class_set_css_name (widget_class, "videotile");
}

static void
cv_video_tile_init (CvVideoTile *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

static CvVideoTile *
tile_new (CvRemoteStream *stream,
          GListModel     *members,
          gboolean        is_self)
{
  CvVideoTile *self = g_object_new (CV_TYPE_VIDEO_TILE, NULL);

  self->stream = g_object_ref (stream);
  self->members = g_object_ref (members);
  self->is_self = is_self;
  if (is_self)
    gtk_widget_add_css_class (GTK_WIDGET (self), "self-view");
  g_signal_connect (stream, "new-frame", G_CALLBACK (new_frame_cb), self);
  g_signal_connect_swapped (members, "items-changed", G_CALLBACK (members_changed_cb), self);
  find_member (self);
  return self;
}

CvVideoTile *
cv_video_tile_new (CvRemoteStream *stream,
                   GListModel     *members)
{
  return tile_new (stream, members, FALSE);
}

CvVideoTile *
cv_video_tile_new_self (CvRemoteStream *stream,
                        GListModel     *members)
{
  return tile_new (stream, members, TRUE);
}

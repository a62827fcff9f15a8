/* CvVideoTile: a remote participant's video, its name and identity badge.
 *
 * Frames arrive as RGBA GstSamples from the media pipeline; each becomes a
 * GdkMemoryTexture shown by a GtkPicture (Debian 12 has no
 * gtk4paintablesink).
 */
#include "config.h"

#include <glib/gi18n.h>
#include <gst/video/video.h>

#include "cv-meeting-member.h"
#include "cv-video-tile.h"

struct _CvVideoTile
{
  AdwBin parent_instance;

  CvRemoteStream *stream;
  GListModel *members;

  GtkPicture *picture;
  GtkLabel *name_label;
  GtkImage *badge;
};

G_DEFINE_FINAL_TYPE (CvVideoTile, cv_video_tile, ADW_TYPE_BIN)

static GdkTexture *
texture_from_sample (GstSample *sample)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GdkTexture *texture = NULL;

  if (!gst_video_info_from_caps (&info, gst_sample_get_caps (sample))
      || !gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample), GST_MAP_READ))
    return NULL;
  {
    gsize stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
    g_autoptr (GBytes) bytes = g_bytes_new (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0), stride * info.height);

    texture = gdk_memory_texture_new (info.width, info.height, GDK_MEMORY_R8G8B8A8, bytes, stride);
  }
  gst_video_frame_unmap (&frame);
  return texture;
}

static void
update_identity (CvVideoTile *self)
{
  gint64 leaf = cv_remote_stream_get_sender_leaf (self->stream);

  for (guint i = 0; leaf >= 0 && i < g_list_model_get_n_items (self->members); i++)
    {
      g_autoptr (CvMeetingMember) m = g_list_model_get_item (self->members, i);
      const char *icon;

      if (cv_meeting_member_get_leaf_index (m) != leaf)
        continue;
      gtk_label_set_text (self->name_label, cv_meeting_member_get_display_name (m));
      switch (cv_meeting_member_get_verdict (m))
        {
        case CV_CERTIFICATE_VERIFIED_EXTERNAL:
        case CV_CERTIFICATE_VERIFIED_INTERNAL:
          icon = "emblem-ok-symbolic";
          break;
        default:
          icon = "security-low-symbolic";
        }
      gtk_image_set_from_icon_name (self->badge, icon);
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->badge),
                                   cv_certificate_verdict_to_string (cv_meeting_member_get_verdict (m)));
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      cv_meeting_member_get_display_name (m), -1);
      return;
    }
}

static void
new_frame_cb (CvRemoteStream *stream,
              CvVideoTile    *self)
{
  g_autoptr (GstSample) sample = cv_remote_stream_dup_last_sample (stream);
  g_autoptr (GdkTexture) texture = NULL;

  if (sample == NULL)
    return;
  texture = texture_from_sample (sample);
  if (texture != NULL)
    gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  update_identity (self);
}

CvRemoteStream *
cv_video_tile_get_stream (CvVideoTile *self)
{
  return self->stream;
}

static void
cv_video_tile_dispose (GObject *object)
{
  CvVideoTile *self = CV_VIDEO_TILE (object);

  if (self->stream != NULL)
    g_signal_handlers_disconnect_by_data (self->stream, self);
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
  gtk_widget_class_set_css_name (widget_class, "videotile");
}

static void
cv_video_tile_init (CvVideoTile *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

CvVideoTile *
cv_video_tile_new (CvRemoteStream *stream,
                   GListModel     *members)
{
  CvVideoTile *self = g_object_new (CV_TYPE_VIDEO_TILE, NULL);

  self->stream = g_object_ref (stream);
  self->members = g_object_ref (members);
  g_signal_connect (stream, "new-frame", G_CALLBACK (new_frame_cb), self);
  g_signal_connect_swapped (members, "items-changed", G_CALLBACK (update_identity), self);
  return self;
}

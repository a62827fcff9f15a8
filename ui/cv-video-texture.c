/* GstSample (RGBA) → GdkMemoryTexture, for pictures outside a video tile
 * (the camera preview of the preferences). */
#include "config.h"

#include <gst/video/video.h>

#include "cv-video-texture.h"

GdkTexture *
cv_video_texture_new_for_sample (GstSample *sample)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  GdkTexture *texture;

  g_return_val_if_fail (sample != NULL, NULL);

  if (!gst_video_info_from_caps (&info, gst_sample_get_caps (sample))
      || GST_VIDEO_INFO_FORMAT (&info) != GST_VIDEO_FORMAT_RGBA
      || !gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample), GST_MAP_READ))
    return NULL;
  {
    gsize stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
    /* A copy: the buffer goes back to the pipeline's pool. */
    g_autoptr (GBytes) bytes = g_bytes_new (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0), stride * info.height);

    texture = gdk_memory_texture_new (info.width, info.height, GDK_MEMORY_R8G8B8A8, bytes, stride);
  }
  gst_video_frame_unmap (&frame);
  return texture;
}

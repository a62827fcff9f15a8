#pragma once

#include <gdk/gdk.h>
#include <gst/gst.h>

G_BEGIN_DECLS

/* A texture of an RGBA video sample (as CvRemoteStream hands them), or NULL
 * when the sample is not a mappable video frame. */
GdkTexture *cv_video_texture_new_for_sample (GstSample *sample);

G_END_DECLS

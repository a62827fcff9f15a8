/* CvCameraPreview: camera → RGBA 320×180 → CvRemoteStream, the same path
 * decoded remote video takes to the UI, so a tile or a GtkPicture shows it
 * the same way. */
#include "config.h"

#include <glib/gi18n.h>
#include <gst/app/gstappsink.h>

#include "cv-camera-preview.h"

struct _CvCameraPreview
{
  GObject parent_instance;

  CvMediaDevices *devices;
  char *camera_name;
  CvRemoteStream *stream;
  GstElement *pipeline;
  gboolean is_test;
};

G_DEFINE_FINAL_TYPE (CvCameraPreview, cv_camera_preview, G_TYPE_OBJECT)

static GstFlowReturn
new_sample_cb (GstAppSink *sink,
               gpointer    user_data)
{
  CvCameraPreview *self = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);

  if (sample == NULL)
    return GST_FLOW_EOS;
  /* -1: the local camera has no MLS leaf. */
  cv_remote_stream_push_sample (self->stream, sample, -1, 0);
  return GST_FLOW_OK;
}

gboolean
cv_camera_preview_start (CvCameraPreview *self,
                         GError         **error)
{
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GError) parse_error = NULL;
  GstElement *source;
  GstElement *bin;
  GstElement *sink;
  GstAppSinkCallbacks callbacks = { .new_sample = new_sample_cb };

  g_return_val_if_fail (CV_IS_CAMERA_PREVIEW (self), FALSE);

  if (self->pipeline != NULL)
    return TRUE;

  source = cv_media_devices_create_source (self->devices, CV_MEDIA_KIND_VIDEO,
                                           self->camera_name ? self->camera_name : "", &self->is_test);
  if (source == NULL)
    {
      g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN,
                           _("No video source is available (is GStreamer’s videotestsrc installed?)"));
      return FALSE;
    }
  /* The camera runs at its own rate; videorate only drops, a leaky queue
   * keeps a slow UI from holding the camera back. */
  bin = gst_parse_bin_from_description ("videoconvert ! videoscale ! videorate drop-only=true "
                                        "! video/x-raw,format=RGBA,width=320,height=180,"
                                        "pixel-aspect-ratio=1/1,framerate=15/1 "
                                        "! queue leaky=downstream max-size-buffers=2 "
                                        "! appsink name=sink sync=false max-buffers=2 drop=true",
                                        TRUE, &parse_error);
  if (bin == NULL)
    {
      gst_object_unref (gst_object_ref_sink (source));
      g_propagate_error (error, g_steal_pointer (&parse_error));
      return FALSE;
    }
  pipeline = gst_object_ref_sink (gst_pipeline_new ("camera-preview"));
  gst_bin_add_many (GST_BIN (pipeline), source, bin, NULL);
  if (!gst_element_link (source, bin))
    {
      g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_NEGOTIATION, _("The camera cannot be connected to the preview"));
      return FALSE;
    }
  sink = gst_bin_get_by_name (GST_BIN (bin), "sink");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, self, NULL);
  gst_object_unref (sink);

  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      gst_element_set_state (pipeline, GST_STATE_NULL);
      g_set_error_literal (error, GST_CORE_ERROR, GST_CORE_ERROR_STATE_CHANGE, _("The camera cannot be started"));
      return FALSE;
    }
  self->pipeline = g_steal_pointer (&pipeline);
  return TRUE;
}

void
cv_camera_preview_stop (CvCameraPreview *self)
{
  g_return_if_fail (CV_IS_CAMERA_PREVIEW (self));

  if (self->pipeline == NULL)
    return;
  /* Synchronous for a live source: the streaming thread has ended after it. */
  gst_element_set_state (self->pipeline, GST_STATE_NULL);
  g_clear_object (&self->pipeline);
}

gboolean
cv_camera_preview_is_running (CvCameraPreview *self)
{
  g_return_val_if_fail (CV_IS_CAMERA_PREVIEW (self), FALSE);
  return self->pipeline != NULL;
}

gboolean
cv_camera_preview_get_is_test (CvCameraPreview *self)
{
  g_return_val_if_fail (CV_IS_CAMERA_PREVIEW (self), FALSE);
  return self->is_test;
}

CvRemoteStream *
cv_camera_preview_get_stream (CvCameraPreview *self)
{
  g_return_val_if_fail (CV_IS_CAMERA_PREVIEW (self), NULL);
  return self->stream;
}

static void
cv_camera_preview_dispose (GObject *object)
{
  CvCameraPreview *self = CV_CAMERA_PREVIEW (object);

  cv_camera_preview_stop (self);
  g_clear_object (&self->stream);
  g_clear_object (&self->devices);

  G_OBJECT_CLASS (cv_camera_preview_parent_class)->dispose (object);
}

static void
cv_camera_preview_finalize (GObject *object)
{
  CvCameraPreview *self = CV_CAMERA_PREVIEW (object);

  g_free (self->camera_name);

  G_OBJECT_CLASS (cv_camera_preview_parent_class)->finalize (object);
}

static void
cv_camera_preview_class_init (CvCameraPreviewClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = cv_camera_preview_dispose;
  G_OBJECT_CLASS (klass)->finalize = cv_camera_preview_finalize;
}

static void
cv_camera_preview_init (CvCameraPreview *self)
{
  self->stream = cv_remote_stream_new (0, CV_MEDIA_KIND_VIDEO);
}

CvCameraPreview *
cv_camera_preview_new (CvMediaDevices *devices,
                       const char     *camera_name)
{
  CvCameraPreview *self;

  g_return_val_if_fail (CV_IS_MEDIA_DEVICES (devices), NULL);

  self = g_object_new (CV_TYPE_CAMERA_PREVIEW, NULL);
  self->devices = g_object_ref (devices);
  self->camera_name = g_strdup (camera_name);
  return self;
}

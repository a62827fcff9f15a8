/* CvCameraPreview with a real pipeline: the named camera is not here, so
 * the test pattern runs; 320×180 RGBA frames reach the stream on the main
 * context, and none after stop. */
#include <gst/video/video.h>

#include "cv-camera-preview.h"

static void
frame_cb (CvRemoteStream *stream,
          guint          *count)
{
  (*count)++;
}

static void
test_frames_then_stop (void)
{
  g_autoptr (CvMediaDevices) devices = cv_media_devices_new ();
  g_autoptr (CvCameraPreview) preview = cv_camera_preview_new (devices, "No Such Camera");
  g_autoptr (GError) error = NULL;
  g_autoptr (GstSample) sample = NULL;
  CvRemoteStream *stream = cv_camera_preview_get_stream (preview);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  GstVideoInfo info;
  guint signalled = 0;
  guint64 frames;

  g_assert_false (cv_camera_preview_is_running (preview));
  g_signal_connect (stream, "new-frame", G_CALLBACK (frame_cb), &signalled);
  g_assert_true (cv_camera_preview_start (preview, &error));
  g_assert_no_error (error);
  g_assert_true (cv_camera_preview_is_running (preview));
  g_assert_true (cv_camera_preview_get_is_test (preview));

  while (signalled < 5 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (signalled, >=, 5);

  sample = cv_remote_stream_dup_last_sample (stream);
  g_assert_nonnull (sample);
  g_assert_true (gst_video_info_from_caps (&info, gst_sample_get_caps (sample)));
  g_assert_cmpint (GST_VIDEO_INFO_FORMAT (&info), ==, GST_VIDEO_FORMAT_RGBA);
  g_assert_cmpint (GST_VIDEO_INFO_WIDTH (&info), ==, 320);
  g_assert_cmpint (GST_VIDEO_INFO_HEIGHT (&info), ==, 180);

  cv_camera_preview_stop (preview);
  g_assert_false (cv_camera_preview_is_running (preview));
  frames = cv_remote_stream_get_frames (stream);
  g_usleep (300 * 1000);
  g_assert_cmpuint (cv_remote_stream_get_frames (stream), ==, frames);

  /* Stopped twice is stopped; it starts again. */
  cv_camera_preview_stop (preview);
  g_assert_true (cv_camera_preview_start (preview, &error));
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (cv_remote_stream_get_frames (stream) == frames && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (cv_remote_stream_get_frames (stream), >, frames);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/camera-preview/frames-then-stop", test_frames_then_stop);
  return g_test_run ();
}

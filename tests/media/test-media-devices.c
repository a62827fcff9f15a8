/* CvMediaDevices on the machine the tests run on, with its real device
 * monitor: nothing is faked. Where there is no camera and no microphone (a
 * CI runner) the sources fall back to test media and say so; where there
 * are devices, the lists name them and the sources are real. */
#include <gst/gst.h>

#include "cv-media-devices.h"
#include "cv-media-pipeline.h"

static void
test_sources (void)
{
  g_autoptr (CvMediaDevices) devices = cv_media_devices_new ();

  for (int k = 0; k < 2; k++)
    {
      CvMediaKind kind = k ? CV_MEDIA_KIND_AUDIO : CV_MEDIA_KIND_VIDEO;
      GList *found = cv_media_devices_list (devices, kind);
      g_auto (GStrv) names = cv_media_devices_get_names (devices, kind);
      g_autoptr (GstElement) source = NULL;
      g_autoptr (GstElement) missing = NULL;
      gboolean is_test = !found;
      GstElementFactory *factory;

      g_test_message ("%s: %u device(s)", k ? "microphones" : "cameras", g_list_length (found));
      g_assert_cmpuint (g_strv_length (names), ==, g_list_length (found));
      for (GList *l = found; l != NULL; l = l->next)
        g_assert_true (gst_device_has_classes (l->data, k ? "Audio/Source" : "Video/Source"));

      source = gst_object_ref_sink (cv_media_devices_create_source (devices, kind, NULL, &is_test));
      g_assert_nonnull (source);
      g_assert_cmpint (is_test, ==, found == NULL);
      factory = gst_element_get_factory (source);
      if (found == NULL)
        g_assert_cmpstr (GST_OBJECT_NAME (factory), ==, k ? "audiotestsrc" : "videotestsrc");
      else
        g_assert_cmpstr (GST_OBJECT_NAME (factory), !=, k ? "audiotestsrc" : "videotestsrc");

      /* A device that is not there: test media, said so. */
      missing = gst_object_ref_sink (cv_media_devices_create_source (devices, kind, "No such device 0xc0ffee",
                                                                     &is_test));
      g_assert_true (is_test);
      g_list_free_full (found, gst_object_unref);
    }

  /* A speaker that is not there gives no sink: the pipeline takes the default. */
  g_assert_null (cv_media_devices_create_speaker (devices, "No such speaker 0xc0ffee"));
  g_assert_finalize_object (g_steal_pointer (&devices));
}

/* Without devices the pipeline runs on test media without being told to. */
static void
test_pipeline_fallback (void)
{
  g_autoptr (CvMediaDevices) devices = cv_media_devices_new ();
  GList *cameras = cv_media_devices_list (devices, CV_MEDIA_KIND_VIDEO);
  GList *mics = cv_media_devices_list (devices, CV_MEDIA_KIND_AUDIO);
  g_autoptr (GError) error = NULL;
  g_autoptr (CvFrameKeys) keys = NULL;
  g_autoptr (GBytes) material = NULL;
  CvMediaPipeline *media;
  guint8 zero[56] = { 0 };

  if (cameras != NULL || mics != NULL)
    {
      g_list_free_full (cameras, gst_object_unref);
      g_list_free_full (mics, gst_object_unref);
      g_test_skip ("this machine has a camera or microphone");
      return;
    }

  keys = cv_frame_keys_new (CV_SFRAME_DEFAULT_SUITE, 2000, &error);
  g_assert_no_error (error);
  media = cv_media_pipeline_new (keys);
  material = g_bytes_new (zero, sizeof zero);
  cv_media_pipeline_set_local_media (media, TRUE, TRUE, NULL, NULL, "Nobody");
  /* Nothing listens there; the pipeline only has to start. */
  g_assert_true (cv_media_pipeline_set_transport (media, "127.0.0.1", 9, "AEAD_AES_128_GCM", material, 16, &error));
  g_assert_true (cv_media_pipeline_start (media, &error));
  g_assert_no_error (error);
  g_assert_true (cv_media_pipeline_is_test_media (media));
  cv_media_pipeline_stop (media);
  g_assert_finalize_object (media);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media/devices/sources", test_sources);
  g_test_add_func ("/media/devices/pipeline-fallback", test_pipeline_fallback);
  return g_test_run ();
}

/* The mode of cvsframeenc / cvsframedec (E2EE or a standard meeting's plain
 * frames) through GstHarness: plain mode passes frames unchanged and is only
 * made on purpose; an E2EE element without keys sends nothing and cannot be
 * turned into a pass-through once made. */
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <string.h>

#include "cv-frame-keys.h"
#include "cv-media-plugin.h"

static const char frame[] = "a VP8 frame, in the clear";

static GstHarness *
harness_with (GstElement *element,
              const char *src_caps)
{
  GstHarness *h = gst_harness_new_with_element (element, "sink", "src");

  gst_harness_set_src_caps_str (h, src_caps);
  return h;
}

static guint64
uint64_property (GstElement *element,
                 const char *name)
{
  guint64 value = 0;

  g_object_get (element, name, &value, NULL);
  return value;
}

static void
test_plain_passes_unchanged (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvFrameKeys) keys = cv_frame_keys_new (CV_SFRAME_DEFAULT_SUITE, 2000, &error);
  GstElement *enc = gst_element_factory_make_full ("cvsframeenc", "e2ee", FALSE, "keys", keys, NULL);
  GstElement *dec = gst_element_factory_make_full ("cvsframedec", "e2ee", FALSE, "keys", keys, NULL);
  g_autoptr (GstCaps) vp8 = gst_caps_from_string ("video/x-vp8");
  GstHarness *h_enc, *h_dec;
  GstBuffer *out;
  gboolean e2ee = TRUE;
  GstMapInfo map;

  g_assert_no_error (error);
  g_assert_nonnull (enc);
  g_object_get (enc, "e2ee", &e2ee, NULL);
  g_assert_false (e2ee);
  g_object_set (dec, "caps", vp8, NULL);
  h_enc = harness_with (enc, "video/x-vp8");
  h_dec = harness_with (dec, "application/x-sframe");

  /* No keys at all, yet the frame goes through, byte for byte. */
  g_assert_cmpint (gst_harness_push (h_enc, gst_buffer_new_memdup (frame, sizeof frame)), ==, GST_FLOW_OK);
  out = gst_harness_pull (h_enc);
  g_assert_true (gst_buffer_map (out, &map, GST_MAP_READ));
  g_assert_cmpmem (map.data, map.size, frame, sizeof frame);
  gst_buffer_unmap (out, &map);
  g_assert_cmpuint (uint64_property (enc, "plain-frames"), ==, 1);
  g_assert_cmpuint (uint64_property (enc, "unkeyed-drops"), ==, 0);

  g_assert_cmpint (gst_harness_push (h_dec, out), ==, GST_FLOW_OK);
  out = gst_harness_pull (h_dec);
  g_assert_true (gst_buffer_map (out, &map, GST_MAP_READ));
  g_assert_cmpmem (map.data, map.size, frame, sizeof frame);
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  g_assert_cmpuint (uint64_property (dec, "dropped"), ==, 0);

  gst_harness_teardown (h_enc);
  gst_harness_teardown (h_dec);
}

static void
test_e2ee_is_fixed (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvFrameKeys) keys = cv_frame_keys_new (CV_SFRAME_DEFAULT_SUITE, 2000, &error);
  GstElement *enc = gst_element_factory_make ("cvsframeenc", NULL);
  GstHarness *h;
  gboolean e2ee = FALSE;

  g_assert_no_error (error);
  /* E2EE unless made otherwise. */
  g_object_get (enc, "e2ee", &e2ee, NULL);
  g_assert_true (e2ee);

  /* Turning an E2EE element into a pass-through later is refused. */
  if (g_test_subprocess ())
    {
      g_object_set (enc, "e2ee", FALSE, NULL);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*construct*e2ee*");

  /* Without keys nothing comes out. */
  g_object_set (enc, "keys", keys, NULL);
  h = harness_with (enc, "video/x-vp8");
  g_assert_cmpint (gst_harness_push (h, gst_buffer_new_memdup (frame, sizeof frame)), ==, GST_FLOW_OK);
  g_assert_null (gst_harness_try_pull (h));
  g_assert_cmpuint (uint64_property (enc, "unkeyed-drops"), ==, 1);
  g_assert_cmpuint (uint64_property (enc, "plain-frames"), ==, 0);
  gst_harness_teardown (h);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  cv_media_plugin_register ();

  g_test_add_func ("/media/plain/passes-unchanged", test_plain_passes_unchanged);
  g_test_add_func ("/media/plain/e2ee-is-fixed", test_e2ee_is_fixed);
  return g_test_run ();
}

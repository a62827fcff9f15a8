/* cvsframeenc / cvsframedec through GstHarness: frames go through encrypted,
 * come out identical, and a bad frame is dropped and counted without
 * stopping the stream. */
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <string.h>

#include "cv-frame-keys.h"
#include "cv-media-plugin.h"

static const guint8 base_key[16] = { 0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87,
                                     0x98, 0xa9, 0xba, 0xcb, 0xdc, 0xed, 0xfe, 0x0f };
static const guint32 members[] = { 0, 1 };

static CvFrameKeys *
keys_for (guint32 own_leaf, guint64 epoch, const guint8 *key)
{
  g_autoptr (GError) error = NULL;
  CvFrameKeys *keys = cv_frame_keys_new (CV_SFRAME_DEFAULT_SUITE, 2000, &error);

  g_assert_no_error (error);
  g_assert_true (cv_frame_keys_install_epoch (keys, epoch, key, 16, members, 2, own_leaf, &error));
  g_assert_no_error (error);
  return keys;
}

static GstHarness *
harness_for (const char *element, CvFrameKeys *keys)
{
  GstHarness *h = gst_harness_new (element);

  g_object_set (h->element, "keys", keys, NULL);
  if (g_str_equal (element, "cvsframeenc"))
    gst_harness_set_src_caps_str (h, "video/x-vp8");
  else
    {
      g_autoptr (GstCaps) caps = gst_caps_from_string ("video/x-vp8");
      g_object_set (h->element, "caps", caps, NULL);
      gst_harness_set_src_caps_str (h, "application/x-sframe");
    }
  return h;
}

static GstBuffer *
encrypt (GstHarness *enc, const char *text)
{
  GstBuffer *in = gst_buffer_new_memdup (text, strlen (text));

  g_assert_cmpint (gst_harness_push (enc, in), ==, GST_FLOW_OK);
  return gst_harness_try_pull (enc);
}

static void
assert_buffer_is (GstBuffer *buf, const char *text)
{
  GstMapInfo map;

  g_assert_nonnull (buf);
  g_assert_true (gst_buffer_map (buf, &map, GST_MAP_READ));
  g_assert_cmpmem (map.data, map.size, text, strlen (text));
  gst_buffer_unmap (buf, &map);
}

static void
test_round_trip (void)
{
  g_autoptr (CvFrameKeys) alice = keys_for (0, 1, base_key);
  g_autoptr (CvFrameKeys) bob = keys_for (1, 1, base_key);
  GstHarness *enc = harness_for ("cvsframeenc", alice);
  GstHarness *dec = harness_for ("cvsframedec", bob);
  const char *frame = "VP8 keyframe with a MARKER-7731 in it";
  GstBuffer *sealed, *opened;
  GstMapInfo map;
  guint64 decrypted;
  gint64 sender;

  sealed = encrypt (enc, frame);
  g_assert_nonnull (sealed);
  g_assert_cmpuint (gst_buffer_get_size (sealed), >, strlen (frame));
  g_assert_true (gst_buffer_map (sealed, &map, GST_MAP_READ));
  g_assert_null (g_strstr_len ((const char *) map.data, map.size, "MARKER-7731"));
  gst_buffer_unmap (sealed, &map);

  g_assert_cmpint (gst_harness_push (dec, sealed), ==, GST_FLOW_OK);
  opened = gst_harness_pull (dec);
  assert_buffer_is (opened, frame);
  gst_buffer_unref (opened);

  g_object_get (dec->element, "decrypted", &decrypted, "last-sender", &sender, NULL);
  g_assert_cmpuint (decrypted, ==, 1);
  g_assert_cmpint (sender, ==, 0);

  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
}

static void
test_bad_frames_dropped (void)
{
  g_autoptr (CvFrameKeys) alice = keys_for (0, 1, base_key);
  g_autoptr (CvFrameKeys) bob = keys_for (1, 1, base_key);
  guint8 other_key[16] = { 0 };
  g_autoptr (CvFrameKeys) stranger = keys_for (0, 7, other_key);
  GstHarness *enc = harness_for ("cvsframeenc", alice);
  GstHarness *enc_stranger = harness_for ("cvsframeenc", stranger);
  GstHarness *dec = harness_for ("cvsframedec", bob);
  GstBuffer *first, *corrupt, *unknown, *good, *out;
  GstMapInfo map;
  guint64 dropped;

  first = encrypt (enc, "frame one");
  corrupt = encrypt (enc, "frame two");
  unknown = encrypt (enc_stranger, "frame from another epoch");
  good = encrypt (enc, "frame three");

  /* First frame: fine. Keep a copy to replay. */
  GstBuffer *replay = gst_buffer_copy_deep (first);
  g_assert_cmpint (gst_harness_push (dec, first), ==, GST_FLOW_OK);
  out = gst_harness_pull (dec);
  assert_buffer_is (out, "frame one");
  gst_buffer_unref (out);

  /* Flip one ciphertext bit: fails authentication. */
  corrupt = gst_buffer_make_writable (corrupt);
  g_assert_true (gst_buffer_map (corrupt, &map, GST_MAP_WRITE));
  map.data[map.size - 20] ^= 0x01;
  gst_buffer_unmap (corrupt, &map);
  g_assert_cmpint (gst_harness_push (dec, corrupt), ==, GST_FLOW_OK);
  g_assert_null (gst_harness_try_pull (dec));
  g_assert_cmpuint (cv_frame_keys_get_drops (bob, CV_FRAME_DROP_AUTH), ==, 1);

  /* An epoch we do not have, and a replay of the first frame: rejected. */
  g_assert_cmpint (gst_harness_push (dec, unknown), ==, GST_FLOW_OK);
  g_assert_null (gst_harness_try_pull (dec));
  g_assert_cmpint (gst_harness_push (dec, replay), ==, GST_FLOW_OK);
  g_assert_null (gst_harness_try_pull (dec));
  g_assert_cmpuint (cv_frame_keys_get_drops (bob, CV_FRAME_DROP_REJECTED), ==, 2);

  /* Garbage that is not an SFrame frame at all. */
  g_assert_cmpint (gst_harness_push (dec, gst_buffer_new_memdup ("\xff", 1)), ==, GST_FLOW_OK);
  g_assert_null (gst_harness_try_pull (dec));
  g_assert_cmpuint (cv_frame_keys_get_drops (bob, CV_FRAME_DROP_MALFORMED), ==, 1);

  /* The stream goes on. */
  g_assert_cmpint (gst_harness_push (dec, good), ==, GST_FLOW_OK);
  out = gst_harness_pull (dec);
  assert_buffer_is (out, "frame three");
  gst_buffer_unref (out);

  g_object_get (dec->element, "dropped", &dropped, NULL);
  g_assert_cmpuint (dropped, ==, 4);

  gst_harness_teardown (enc);
  gst_harness_teardown (enc_stranger);
  gst_harness_teardown (dec);
}

static void
test_no_plaintext_before_keys (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvFrameKeys) unkeyed = cv_frame_keys_new (CV_SFRAME_DEFAULT_SUITE, 2000, &error);
  GstHarness *enc = harness_for ("cvsframeenc", unkeyed);
  guint64 drops;

  g_assert_null (encrypt (enc, "must never leave in the clear"));
  g_object_get (enc->element, "unkeyed-drops", &drops, NULL);
  g_assert_cmpuint (drops, ==, 1);
  gst_harness_teardown (enc);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  cv_media_plugin_register ();

  g_test_add_func ("/media/sframe-elements/round-trip", test_round_trip);
  g_test_add_func ("/media/sframe-elements/bad-frames-dropped", test_bad_frames_dropped);
  g_test_add_func ("/media/sframe-elements/no-plaintext-before-keys", test_no_plaintext_before_keys);
  return g_test_run ();
}

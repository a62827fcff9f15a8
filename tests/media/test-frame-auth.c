/* Media authenticity in band, through cvsframeenc / cvsframedec (GstHarness).
 *
 * Alice signs what she sends; Bob checks it. Mallory is a member: she holds
 * the meeting's SFrame key and makes frames under Alice's KID, and even
 * statements in Alice's name signed with her own key. Bob plays her frames
 * (they decrypt) but reports Alice's media as FORGED; the statements never
 * reach the decoder. The statement interval is a second of wall-clock time,
 * so these tests push 64 frames, which make a statement at once. */
#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <string.h>

#include "cv-frame-auth.h"
#include "cv-frame-keys.h"
#include "cv-media-plugin.h"
#include "cv-mls-suite.h"

#define ALICE 0
#define BOB 1
#define MALLORY 2
#define N_FRAMES CV_MEDIA_AUTH_MAX_FRAMES

static const guint8 base_key[16] = { 0x51, 0x62, 0x73, 0x84, 0x95, 0xa6, 0xb7, 0xc8,
                                     0xd9, 0xea, 0xfb, 0x0c, 0x1d, 0x2e, 0x3f, 0x40 };
static const guint32 members[] = { ALICE, BOB, MALLORY };
static const guint8 group_id[] = "harness group";

typedef struct {
  cv_bytes priv[3];
  GBytes *pub[3];
} identities;

static void
identities_init (identities *ids)
{
  const cv_mls_suite *suite;

  g_assert_cmpint (cv_mls_suite_get (CV_MLS_SUITE_X25519_AES128GCM_SHA256_ED25519, &suite), ==, CV_OK);
  for (int i = 0; i < 3; i++)
    {
      cv_bytes pub = CV_BYTES_INIT;

      ids->priv[i] = (cv_bytes) CV_BYTES_INIT;
      g_assert_cmpint (cv_mls_signature_key_pair (suite, &ids->priv[i], &pub), ==, CV_OK);
      ids->pub[i] = g_bytes_new (pub.data, pub.len);
      cv_bytes_clear (&pub);
    }
}

static void
identities_clear (identities *ids)
{
  for (int i = 0; i < 3; i++)
    {
      cv_bytes_clear (&ids->priv[i]);
      g_bytes_unref (ids->pub[i]);
    }
}

static CvFrameKeys *
keys_for (guint32 own_leaf)
{
  g_autoptr (GError) error = NULL;
  CvFrameKeys *keys = cv_frame_keys_new (CV_SFRAME_DEFAULT_SUITE, 2000, &error);

  g_assert_no_error (error);
  g_assert_true (cv_frame_keys_install_epoch (keys, 1, base_key, 16, members, 3, own_leaf, &error));
  return keys;
}

/* The frame authenticity object of a member signing as `as_leaf` with `priv`. */
static CvFrameAuth *
auth_for (identities *ids, guint32 as_leaf, const cv_bytes *priv)
{
  g_autoptr (GError) error = NULL;
  CvFrameAuth *auth = cv_frame_auth_new (CV_MLS_SUITE_X25519_AES128GCM_SHA256_ED25519, group_id,
                                         sizeof group_id, &error);

  g_assert_no_error (error);
  g_assert_true (cv_frame_auth_install_epoch (auth, 1, as_leaf, priv ? priv->data : NULL,
                                              priv ? priv->len : 0, members, ids->pub, 3, &error));
  g_assert_no_error (error);
  return auth;
}

static GstHarness *
enc_harness (CvFrameKeys *keys, CvFrameAuth *auth)
{
  GstHarness *h = gst_harness_new ("cvsframeenc");

  g_object_set (h->element, "keys", keys, "context", 1, "auth", auth, NULL);
  gst_harness_set_src_caps_str (h, "video/x-vp8");
  return h;
}

static GstHarness *
dec_harness (CvFrameKeys *keys, CvFrameAuth *auth)
{
  GstHarness *h = gst_harness_new ("cvsframedec");
  g_autoptr (GstCaps) caps = gst_caps_from_string ("video/x-vp8");

  g_object_set (h->element, "keys", keys, "caps", caps, "auth", auth, NULL);
  gst_harness_set_src_caps_str (h, "application/x-sframe");
  return h;
}

/* Pushes n frames through enc and returns everything that came out, in order. */
static GPtrArray *
send_frames (GstHarness *enc, int n, const char *tag)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_buffer_unref);
  GstBuffer *buf;

  for (int i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("%s frame %d", tag, i);

      g_assert_cmpint (gst_harness_push (enc, gst_buffer_new_memdup (text, strlen (text))), ==, GST_FLOW_OK);
      while ((buf = gst_harness_try_pull (enc)) != NULL)
        g_ptr_array_add (out, buf);
    }
  return out;
}

static guint64
uint64_prop (GstHarness *h, const char *name)
{
  guint64 v = 0;

  g_object_get (h->element, name, &v, NULL);
  return v;
}

static int
auth_state (GstHarness *h)
{
  int v = -1;

  g_object_get (h->element, "auth-state", &v, NULL);
  return v;
}

/* Delivers buffers to dec; returns how many came out as media. */
static guint
deliver (GstHarness *dec, GPtrArray *buffers)
{
  guint played = 0;
  GstBuffer *buf;

  for (guint i = 0; i < buffers->len; i++)
    {
      gst_harness_push (dec, gst_buffer_ref (g_ptr_array_index (buffers, i)));
      while ((buf = gst_harness_try_pull (dec)) != NULL)
        {
          GstMapInfo map;

          g_assert_true (gst_buffer_map (buf, &map, GST_MAP_READ));
          g_assert_true (g_strstr_len ((const char *) map.data, (gssize) map.size, "frame") != NULL);
          gst_buffer_unmap (buf, &map);
          gst_buffer_unref (buf);
          played++;
        }
    }
  return played;
}

static void
test_honest (void)
{
  identities ids;
  identities_init (&ids);
  g_autoptr (CvFrameKeys) alice_keys = keys_for (ALICE);
  g_autoptr (CvFrameKeys) bob_keys = keys_for (BOB);
  g_autoptr (CvFrameAuth) alice_auth = auth_for (&ids, ALICE, &ids.priv[ALICE]);
  g_autoptr (CvFrameAuth) bob_auth = auth_for (&ids, BOB, NULL);
  GstHarness *enc = enc_harness (alice_keys, alice_auth);
  GstHarness *dec = dec_harness (bob_keys, bob_auth);
  g_autoptr (GPtrArray) sent = send_frames (enc, N_FRAMES, "alice");
  cv_media_auth_report report;

  /* One statement went out, ahead of the frame that completed it. */
  g_assert_cmpuint (sent->len, ==, N_FRAMES + 1);
  g_assert_cmpuint (uint64_prop (enc, "statements"), ==, 1);
  g_assert_true (GST_BUFFER_FLAG_IS_SET (g_ptr_array_index (sent, N_FRAMES - 1), GST_BUFFER_FLAG_DELTA_UNIT));

  g_assert_cmpuint (deliver (dec, sent), ==, N_FRAMES);
  g_assert_cmpuint (uint64_prop (dec, "statements"), ==, 1);
  g_assert_cmpuint (uint64_prop (dec, "bad-statements"), ==, 0);
  g_assert_cmpuint (uint64_prop (dec, "authenticated"), ==, N_FRAMES);
  g_assert_cmpint (auth_state (dec), ==, CV_MEDIA_AUTH_AUTHENTICATED);
  cv_frame_auth_get_report (bob_auth, ALICE, cv_frame_auth_now_ms (), &report);
  g_assert_cmpuint (report.frames, ==, N_FRAMES);

  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
  identities_clear (&ids);
}

/* A stream that ends gets its last frames signed at EOS. */
static void
test_eos_flush (void)
{
  identities ids;
  identities_init (&ids);
  g_autoptr (CvFrameKeys) alice_keys = keys_for (ALICE);
  g_autoptr (CvFrameKeys) bob_keys = keys_for (BOB);
  g_autoptr (CvFrameAuth) alice_auth = auth_for (&ids, ALICE, &ids.priv[ALICE]);
  g_autoptr (CvFrameAuth) bob_auth = auth_for (&ids, BOB, NULL);
  GstHarness *enc = enc_harness (alice_keys, alice_auth);
  GstHarness *dec = dec_harness (bob_keys, bob_auth);
  g_autoptr (GPtrArray) sent = send_frames (enc, 10, "alice");
  GstBuffer *buf;

  g_assert_cmpuint (sent->len, ==, 10);
  g_assert_true (gst_harness_push_event (enc, gst_event_new_eos ()));
  while ((buf = gst_harness_try_pull (enc)) != NULL)
    g_ptr_array_add (sent, buf);
  g_assert_cmpuint (sent->len, ==, 11);
  g_assert_cmpuint (deliver (dec, sent), ==, 10);
  g_assert_cmpuint (uint64_prop (dec, "authenticated"), ==, 10);
  g_assert_cmpint (auth_state (dec), ==, CV_MEDIA_AUTH_AUTHENTICATED);

  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
  identities_clear (&ids);
}

/* Bob gets Mallory's frames at some of Alice's CTRs: they play, and Alice's
 * statement shows them forged. */
static void
test_forged_frames (void)
{
  identities ids;
  identities_init (&ids);
  g_autoptr (CvFrameKeys) alice_keys = keys_for (ALICE);
  g_autoptr (CvFrameKeys) mallory_keys = keys_for (ALICE); /* the group key, claiming Alice's leaf */
  g_autoptr (CvFrameKeys) bob_keys = keys_for (BOB);
  g_autoptr (CvFrameAuth) alice_auth = auth_for (&ids, ALICE, &ids.priv[ALICE]);
  g_autoptr (CvFrameAuth) bob_auth = auth_for (&ids, BOB, NULL);
  GstHarness *enc = enc_harness (alice_keys, alice_auth);
  GstHarness *evil = enc_harness (mallory_keys, NULL);
  GstHarness *dec = dec_harness (bob_keys, bob_auth);
  g_autoptr (GPtrArray) sent = send_frames (enc, N_FRAMES, "alice");
  g_autoptr (GPtrArray) forged = send_frames (evil, N_FRAMES, "mallory");
  g_autoptr (GPtrArray) mixed = g_ptr_array_new ();
  guint replaced = 0;

  /* sent: frames 0..62, the statement, frame 63; forged: frames 0..63. */
  for (guint i = 0; i < sent->len; i++)
    {
      guint frame_index = i < N_FRAMES ? i : i - 1;
      gboolean is_statement = i == N_FRAMES - 1;

      if (!is_statement && frame_index % 8 == 3)
        {
          g_ptr_array_add (mixed, g_ptr_array_index (forged, frame_index));
          replaced++;
        }
      else
        {
          g_ptr_array_add (mixed, g_ptr_array_index (sent, i));
        }
    }
  g_assert_cmpuint (deliver (dec, mixed), ==, N_FRAMES);
  g_assert_cmpuint (uint64_prop (dec, "statements"), ==, 1);
  g_assert_cmpuint (uint64_prop (dec, "authenticated"), ==, N_FRAMES - replaced);
  g_assert_cmpint (auth_state (dec), ==, CV_MEDIA_AUTH_FORGED);

  gst_harness_teardown (enc);
  gst_harness_teardown (evil);
  gst_harness_teardown (dec);
  identities_clear (&ids);
}

/* Mallory signs "Alice's" stream with her own key: the statements fail. A
 * statement carried in another member's stream is refused too. */
static void
test_forged_statements (void)
{
  identities ids;
  identities_init (&ids);
  g_autoptr (CvFrameKeys) mallory_keys = keys_for (ALICE);
  g_autoptr (CvFrameKeys) bob_keys = keys_for (BOB);
  g_autoptr (CvFrameAuth) mallory_auth = auth_for (&ids, ALICE, &ids.priv[MALLORY]);
  g_autoptr (CvFrameAuth) bob_auth = auth_for (&ids, BOB, NULL);
  GstHarness *evil = enc_harness (mallory_keys, mallory_auth);
  GstHarness *dec = dec_harness (bob_keys, bob_auth);
  g_autoptr (GPtrArray) sent = send_frames (evil, N_FRAMES, "mallory");

  g_assert_cmpuint (deliver (dec, sent), ==, N_FRAMES);
  g_assert_cmpuint (uint64_prop (dec, "statements"), ==, 0);
  g_assert_cmpuint (uint64_prop (dec, "bad-statements"), ==, 1);
  g_assert_cmpuint (uint64_prop (dec, "authenticated"), ==, 0);
  g_assert_cmpint (auth_state (dec), ==, CV_MEDIA_AUTH_FORGED);

  /* Mallory's honest statement for her own leaf, but sent under Alice's KID. */
  g_autoptr (CvFrameAuth) mallory_own = auth_for (&ids, MALLORY, &ids.priv[MALLORY]);
  g_autoptr (CvFrameKeys) bob2_keys = keys_for (BOB);
  g_autoptr (CvFrameAuth) bob2_auth = auth_for (&ids, BOB, NULL);
  GstHarness *dec2 = dec_harness (bob2_keys, bob2_auth);
  GBytes *statement = NULL;
  for (int i = 0; i < N_FRAMES && statement == NULL; i++)
    {
      guint8 fake[32];
      gsize len;

      g_assert_cmpint (cv_sframe_header_encode ((guint64) MALLORY << 8 | 1, (guint64) i, fake,
                                                sizeof fake, &len), ==, CV_OK);
      statement = cv_frame_auth_sent (mallory_own, 1, fake, sizeof fake, cv_frame_auth_now_ms ());
    }
  g_assert_nonnull (statement);
  cv_sframe_frame_info carried = { 1, ALICE, 1 | CV_MEDIA_AUTH_STATEMENT_CONTEXT, 0, 0 };
  g_assert_cmpint (cv_frame_auth_received_statement (bob2_auth, &carried, g_bytes_get_data (statement, NULL),
                                                     g_bytes_get_size (statement), 0), ==, CV_ERR_INVALID);
  carried.sender_index = MALLORY;
  g_assert_cmpint (cv_frame_auth_received_statement (bob2_auth, &carried, g_bytes_get_data (statement, NULL),
                                                     g_bytes_get_size (statement), 0), ==, CV_OK);
  g_bytes_unref (statement);

  gst_harness_teardown (evil);
  gst_harness_teardown (dec);
  gst_harness_teardown (dec2);
  identities_clear (&ids);
}

/* Statements lost on the way (two of four): their frames stay uncovered and
 * Alice shows unverified once they are overdue, but the statements that did
 * arrive cover her later frames, so a deadline after that she is
 * authenticated again instead of staying unverified until the gap leaves
 * the window. A frame of Mallory's in the gap is still caught when the lost
 * statement turns up late. */
static void
test_lost_statements (void)
{
  identities ids;
  identities_init (&ids);
  g_autoptr (CvFrameKeys) alice_keys = keys_for (ALICE);
  g_autoptr (CvFrameKeys) mallory_keys = keys_for (ALICE);
  g_autoptr (CvFrameKeys) bob_keys = keys_for (BOB);
  g_autoptr (CvFrameAuth) alice_auth = auth_for (&ids, ALICE, &ids.priv[ALICE]);
  g_autoptr (CvFrameAuth) bob_auth = auth_for (&ids, BOB, NULL);
  GstHarness *enc = enc_harness (alice_keys, alice_auth);
  GstHarness *evil = enc_harness (mallory_keys, NULL);
  GstHarness *dec = dec_harness (bob_keys, bob_auth);
  g_autoptr (GPtrArray) forged = send_frames (evil, N_FRAMES + 8, "mallory");
  g_autoptr (GPtrArray) delivered = g_ptr_array_new ();
  GPtrArray *batches[4];
  cv_media_auth_report r;
  guint64 start, end;

  /* Batch b holds CTRs 64b..64b+63; its statement goes out before its last frame. */
  for (int b = 0; b < 4; b++)
    {
      g_autofree char *tag = g_strdup_printf ("alice %d", b);

      batches[b] = send_frames (enc, N_FRAMES, tag);
      g_assert_cmpuint (batches[b]->len, ==, N_FRAMES + 1);
    }
  for (int b = 0; b < 4; b++)
    for (guint i = 0; i < batches[b]->len; i++)
      {
        if ((b == 1 || b == 2) && i == N_FRAMES - 1)
          continue; /* the statements of batches 1 and 2 are lost */
        if (b == 1 && i == 7)
          g_ptr_array_add (delivered, g_ptr_array_index (forged, N_FRAMES + 7)); /* CTR 71 */
        else
          g_ptr_array_add (delivered, g_ptr_array_index (batches[b], i));
      }
  start = cv_frame_auth_now_ms ();
  g_assert_cmpuint (deliver (dec, delivered), ==, 4 * N_FRAMES);
  end = cv_frame_auth_now_ms ();
  g_assert_cmpuint (uint64_prop (dec, "statements"), ==, 2);

  cv_frame_auth_get_report (bob_auth, ALICE, end, &r);
  g_assert_cmpuint (r.authenticated, ==, 2 * N_FRAMES);
  g_assert_cmpuint (r.pending, ==, 2 * N_FRAMES);
  if (end - start < 3000) /* a machine this slow has made them overdue already */
    g_assert_cmpint (r.state, ==, CV_MEDIA_AUTH_AUTHENTICATED);
  /* Past the deadline the gap shows. */
  cv_frame_auth_get_report (bob_auth, ALICE, end + 3000, &r);
  g_assert_cmpint (r.state, ==, CV_MEDIA_AUTH_UNVERIFIED);
  g_assert_cmpuint (r.overdue, ==, 2 * N_FRAMES);
  /* A deadline later the statements that did arrive count again. */
  cv_frame_auth_get_report (bob_auth, ALICE, end + 6000, &r);
  g_assert_cmpint (r.state, ==, CV_MEDIA_AUTH_AUTHENTICATED);
  g_assert_cmpuint (r.authenticated, ==, 2 * N_FRAMES);
  g_assert_cmpuint (r.pending, ==, 2 * N_FRAMES);
  g_assert_cmpuint (r.forged, ==, 0);

  /* The lost statements arrive late after all: Mallory's frame at CTR 71 is forged. */
  g_autoptr (GPtrArray) late = g_ptr_array_new ();
  g_ptr_array_add (late, g_ptr_array_index (batches[1], N_FRAMES - 1));
  g_ptr_array_add (late, g_ptr_array_index (batches[2], N_FRAMES - 1));
  g_assert_cmpuint (deliver (dec, late), ==, 0);
  cv_frame_auth_get_report (bob_auth, ALICE, end + 6000, &r);
  g_assert_cmpuint (r.authenticated, ==, 4 * N_FRAMES - 1);
  g_assert_cmpuint (r.forged, ==, 1);
  g_assert_cmpuint (r.pending, ==, 0);
  g_assert_cmpint (r.state, ==, CV_MEDIA_AUTH_FORGED);

  for (int b = 0; b < 4; b++)
    g_ptr_array_unref (batches[b]);
  gst_harness_teardown (enc);
  gst_harness_teardown (evil);
  gst_harness_teardown (dec);
  identities_clear (&ids);
}

/* Without an auth object the decrypter still never passes a statement on. */
static void
test_statements_never_played (void)
{
  identities ids;
  identities_init (&ids);
  g_autoptr (CvFrameKeys) alice_keys = keys_for (ALICE);
  g_autoptr (CvFrameKeys) bob_keys = keys_for (BOB);
  g_autoptr (CvFrameAuth) alice_auth = auth_for (&ids, ALICE, &ids.priv[ALICE]);
  GstHarness *enc = enc_harness (alice_keys, alice_auth);
  GstHarness *dec = dec_harness (bob_keys, NULL);
  g_autoptr (GPtrArray) sent = send_frames (enc, N_FRAMES, "alice");

  g_assert_cmpuint (sent->len, ==, N_FRAMES + 1);
  g_assert_cmpuint (deliver (dec, sent), ==, N_FRAMES);
  g_assert_cmpint (auth_state (dec), ==, CV_MEDIA_AUTH_NONE);

  gst_harness_teardown (enc);
  gst_harness_teardown (dec);
  identities_clear (&ids);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  cv_media_plugin_register ();

  g_test_add_func ("/media/frame-auth/honest", test_honest);
  g_test_add_func ("/media/frame-auth/eos-flush", test_eos_flush);
  g_test_add_func ("/media/frame-auth/forged-frames", test_forged_frames);
  g_test_add_func ("/media/frame-auth/forged-statements", test_forged_statements);
  g_test_add_func ("/media/frame-auth/statements-never-played", test_statements_never_played);
  g_test_add_func ("/media/frame-auth/lost-statements", test_lost_statements);
  return g_test_run ();
}

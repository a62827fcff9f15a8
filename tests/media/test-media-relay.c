/* Participants' real media pipelines meet through the real relay on
 * loopback: VP8 and Opus, SFrame end to end (or plain in a standard
 * meeting), SRTP per hop, UDP. They see and hear each other, know who sent
 * it (the MLS leaf in the SFrame KID), and the relay forwards only what was
 * subscribed. The relay's packet tap shows what the service can read. */
#include <gst/app/gstappsrc.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <string.h>

#include "cv-media-pipeline.h"
#include "cv-relay.h"
#include "cv-remote-stream.h"
#include "cv-sframe-pay.h"
#include "cv-sframe.h"

static const guint8 base_key[16] = "meeting-epoch-1!";
static const guint32 members[] = { 0, 1, 2 };

typedef struct {
  guint32 id;
  CvFrameKeys *keys;
  CvMediaPipeline *media;
} Participant;

typedef struct {
  gboolean e2ee;
  gboolean keys;        /* install the meeting's epoch */
  gboolean send;        /* send video and audio */
} Options;

static const Options e2ee_meeting = { .e2ee = TRUE, .keys = TRUE, .send = TRUE };

static void
participant_init (Participant   *p,
                  CvRelay       *relay,
                  guint32        id,
                  guint32        leaf,
                  const char    *name,
                  const Options *options)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) material = NULL;
  guint32 ssrc_base;

  p->id = id;
  p->keys = cv_frame_keys_new (CV_SFRAME_DEFAULT_SUITE, 2000, &error);
  g_assert_no_error (error);
  if (options->keys)
    g_assert_true (cv_frame_keys_install_epoch (p->keys, 1, base_key, 16, members, 3, leaf, &error));
  g_assert_true (cv_relay_add_participant (relay, id, "123456789", CV_SRTP_PROFILE_AEAD_AES_128_GCM,
                                           &material, &ssrc_base, &error));
  g_assert_no_error (error);

  p->media = cv_media_pipeline_new (p->keys);
  cv_media_pipeline_set_e2ee (p->media, options->e2ee);
  cv_media_pipeline_set_test_media (p->media, TRUE);
  cv_media_pipeline_set_local_media (p->media, options->send, options->send, NULL, NULL, name);
  g_assert_true (cv_media_pipeline_set_transport (p->media, "127.0.0.1", cv_relay_get_port (relay),
                                                  "AEAD_AES_128_GCM", material, ssrc_base, &error));
  g_assert_no_error (error);
}

static void
participant_start (Participant *p)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (cv_media_pipeline_start (p->media, &error));
  g_assert_no_error (error);
}

static void
participant_clear (Participant *p)
{
  cv_media_pipeline_stop (p->media);
  g_assert_finalize_object (p->media);
  g_clear_object (&p->keys);
}

static guint32
ssrc_of (Participant *p,
         CvMediaKind  kind)
{
  return cv_media_pipeline_get_ssrc (p->media, kind);
}

static void
subscribe_all (CvRelay     *relay,
               Participant *viewer,
               Participant *sender)
{
  cv_relay_subscribe (relay, viewer->id, ssrc_of (sender, CV_MEDIA_KIND_VIDEO), TRUE);
  cv_relay_subscribe (relay, viewer->id, ssrc_of (sender, CV_MEDIA_KIND_AUDIO), TRUE);
}

static CvRemoteStream *
find_stream (Participant *p,
             CvMediaKind  kind)
{
  GListModel *streams = cv_media_pipeline_get_remote_streams (p->media);

  for (guint i = 0; i < g_list_model_get_n_items (streams); i++)
    {
      g_autoptr (CvRemoteStream) s = g_list_model_get_item (streams, i);
      if (cv_remote_stream_get_kind (s) == kind)
        return s; /* the list keeps its reference */
    }
  return NULL;
}

static guint64
frames_of (Participant *p,
           CvMediaKind  kind)
{
  CvRemoteStream *s = find_stream (p, kind);

  return s != NULL ? cv_remote_stream_get_frames (s) : 0;
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context for ms milliseconds. */
static void
run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef gboolean (*Condition) (gpointer data);

/* Runs the main context until the condition holds (TRUE) or ms pass (FALSE). */
static gboolean
run_until (Condition  condition,
           gpointer   data,
           guint      ms)
{
  gboolean timed_out = FALSE;
  guint timeout = g_timeout_add (ms, timeout_cb, &timed_out);

  while (!timed_out && !condition (data))
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);
  return !timed_out;
}

static double
mean_luma (GstSample *sample)
{
  GstVideoInfo info;
  GstVideoFrame frame;
  double sum = 0;

  g_assert_true (gst_video_info_from_caps (&info, gst_sample_get_caps (sample)));
  g_assert_true (gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample), GST_MAP_READ));
  for (int y = 0; y < info.height; y++)
    {
      const guint8 *row = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0)
                          + y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
      for (int x = 0; x < info.width; x++)
        sum += 0.299 * row[4 * x] + 0.587 * row[4 * x + 1] + 0.114 * row[4 * x + 2];
    }
  gst_video_frame_unmap (&frame);
  return sum / (info.width * info.height);
}

static void
log_stats (CvRelay *relay)
{
  CvRelayStats stats;

  cv_relay_get_stats (relay, &stats);
  g_test_message ("relay: rx %" G_GUINT64_FORMAT " forwarded %" G_GUINT64_FORMAT " auth-drops %" G_GUINT64_FORMAT
                  " keyframe requests %" G_GUINT64_FORMAT " waiting for keyframe %" G_GUINT64_FORMAT
                  " rtcp %" G_GUINT64_FORMAT " rtcp ignored %" G_GUINT64_FORMAT " unknown ssrc %" G_GUINT64_FORMAT,
                  stats.rx_rtp, stats.forwarded, stats.dropped_auth, stats.keyframe_requests_forwarded,
                  stats.dropped_wait_keyframe, stats.rx_rtcp, stats.rtcp_ignored, stats.dropped_unknown_ssrc);
}

typedef struct {
  Participant *a, *b;
  guint64 video, audio;
} Both;

static gboolean
both_see_and_hear (gpointer data)
{
  Both *both = data;

  return frames_of (both->a, CV_MEDIA_KIND_VIDEO) >= both->video && frames_of (both->b, CV_MEDIA_KIND_VIDEO) >= both->video
         && frames_of (both->a, CV_MEDIA_KIND_AUDIO) >= both->audio && frames_of (both->b, CV_MEDIA_KIND_AUDIO) >= both->audio;
}

/* Each sees the other's test pattern and hears the tone, from the right leaf
 * (or from nobody known, in a standard meeting). */
static void
assert_exchanged (Participant *alice,
                  Participant *bob,
                  gboolean     e2ee)
{
  for (int i = 0; i < 2; i++)
    {
      Participant *viewer = i == 0 ? bob : alice;
      gint64 sender_leaf = e2ee ? (i == 0 ? 0 : 1) : -1;
      CvRemoteStream *video = find_stream (viewer, CV_MEDIA_KIND_VIDEO);
      CvRemoteStream *audio = find_stream (viewer, CV_MEDIA_KIND_AUDIO);
      g_autoptr (GstSample) frame = cv_remote_stream_dup_last_sample (video);

      g_assert_cmpint (cv_remote_stream_get_sender_leaf (video), ==, sender_leaf);
      g_assert_cmpint (cv_remote_stream_get_sender_leaf (audio), ==, sender_leaf);
      g_assert_nonnull (frame);
      /* The test pattern (a ball and a name on blue) is neither black nor blank. */
      g_assert_cmpfloat (mean_luma (frame), >, 20.0);
      /* A 440 Hz tone at volume 0.3 has a mean amplitude near 0.19. */
      g_assert_cmpfloat (cv_remote_stream_get_audio_level (audio), >, 0.05);
      g_assert_cmpuint (cv_remote_stream_get_dropped (video), ==, 0);
    }
}

static void
test_two_participants (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvRelay) relay = cv_relay_new ("127.0.0.1", 0, &error);
  Participant alice, bob;
  Both both = { &alice, &bob, 3, 20 };
  CvRelayStats stats;
  gboolean ok;

  g_assert_no_error (error);
  participant_init (&alice, relay, 1, 0, "Alice", &e2ee_meeting);
  participant_init (&bob, relay, 2, 1, "Bob", &e2ee_meeting);

  /* Each shows the other; nobody asked for their own streams. */
  subscribe_all (relay, &bob, &alice);
  cv_relay_subscribe (relay, alice.id, ssrc_of (&bob, CV_MEDIA_KIND_AUDIO), TRUE);
  cv_relay_sync (relay);

  participant_start (&alice);
  participant_start (&bob);
  g_assert_true (cv_media_pipeline_is_test_media (alice.media));

  /* Alice starts watching Bob's video a second after he started sending. His
   * encoder makes a keyframe every 10 s on its own; seeing his video within
   * next 8 s (a loaded machine encodes fewer frames, and the keyframe interval
   * counts frames) means the relay's keyframe request (RTCP PLI) on subscribe
   * reached the encoder through SRTCP and rtpbin. */
  run_for (1000);
  g_assert_cmpuint (frames_of (&alice, CV_MEDIA_KIND_AUDIO), >=, 10);
  g_assert_null (find_stream (&alice, CV_MEDIA_KIND_VIDEO));
  cv_relay_subscribe (relay, alice.id, ssrc_of (&bob, CV_MEDIA_KIND_VIDEO), TRUE);
  ok = run_until (both_see_and_hear, &both, 8000);

  log_stats (relay);
  g_test_message ("alice: video %" G_GUINT64_FORMAT " audio %" G_GUINT64_FORMAT " frames; bob: video %"
                  G_GUINT64_FORMAT " audio %" G_GUINT64_FORMAT, frames_of (&alice, CV_MEDIA_KIND_VIDEO),
                  frames_of (&alice, CV_MEDIA_KIND_AUDIO), frames_of (&bob, CV_MEDIA_KIND_VIDEO),
                  frames_of (&bob, CV_MEDIA_KIND_AUDIO));
  g_assert_true (ok);
  assert_exchanged (&alice, &bob, TRUE);

  cv_relay_get_stats (relay, &stats);
  g_assert_cmpuint (stats.dropped_auth, ==, 0);
  g_assert_cmpuint (stats.forwarded, >, 0);
  g_assert_cmpuint (stats.keyframe_requests_forwarded, >=, 1);
  /* Receiver reports leave from ssrc_base + 3, which the relay accepts. */
  g_assert_cmpuint (stats.dropped_unknown_ssrc, ==, 0);

  participant_clear (&alice);
  participant_clear (&bob);
}

/* ---- Standard meetings ---- */

static void
test_standard_meeting (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvRelay) relay = cv_relay_new ("127.0.0.1", 0, &error);
  /* No MLS group, so no SFrame keys: plain frames are the point. */
  Options standard = { .e2ee = FALSE, .keys = FALSE, .send = TRUE };
  Participant alice, bob;
  Both both = { &alice, &bob, 3, 20 };
  gboolean ok;

  g_assert_no_error (error);
  participant_init (&alice, relay, 1, 0, "Alice", &standard);
  participant_init (&bob, relay, 2, 1, "Bob", &standard);
  g_assert_false (cv_media_pipeline_get_e2ee (alice.media));
  subscribe_all (relay, &bob, &alice);
  subscribe_all (relay, &alice, &bob);
  cv_relay_sync (relay);
  participant_start (&alice);
  participant_start (&bob);

  ok = run_until (both_see_and_hear, &both, 8000);
  log_stats (relay);
  g_assert_true (ok);
  assert_exchanged (&alice, &bob, FALSE);

  participant_clear (&alice);
  participant_clear (&bob);
}

static gboolean
forwarded_some (gpointer data)
{
  CvRelayStats stats;

  cv_relay_get_stats (data, &stats);
  return stats.forwarded >= 50;
}

/* An E2EE pipeline without keys sends nothing, and never plays what a
 * standard-mode pipeline sends: no silent fallback to plain media. */
static void
test_e2ee_never_plain (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvRelay) relay = cv_relay_new ("127.0.0.1", 0, &error);
  Options no_keys = { .e2ee = TRUE, .keys = FALSE, .send = TRUE };
  Options standard = { .e2ee = FALSE, .keys = FALSE, .send = TRUE };
  Options watcher = { .e2ee = TRUE, .keys = TRUE, .send = FALSE };
  Participant alice, bob, carol;
  CvRelayStats stats;

  g_assert_no_error (error);
  participant_init (&alice, relay, 1, 0, "Alice", &no_keys);
  participant_init (&bob, relay, 2, 1, "Bob", &watcher);
  subscribe_all (relay, &bob, &alice);
  cv_relay_sync (relay);
  participant_start (&alice);
  participant_start (&bob);

  run_for (2500);
  cv_relay_get_stats (relay, &stats);
  log_stats (relay);
  /* RTCP only: not one media packet left Alice. */
  g_assert_cmpuint (stats.rx_rtp, ==, 0);
  g_assert_cmpuint (stats.rx_rtcp, >, 0);
  g_assert_null (find_stream (&bob, CV_MEDIA_KIND_VIDEO));
  g_assert_null (find_stream (&bob, CV_MEDIA_KIND_AUDIO));

  /* Carol is in standard mode by mistake: the relay forwards her plain
   * frames to Bob, whose E2EE pipeline makes no stream of them. */
  participant_init (&carol, relay, 3, 2, "Carol", &standard);
  subscribe_all (relay, &bob, &carol);
  cv_relay_sync (relay);
  participant_start (&carol);
  g_assert_true (run_until (forwarded_some, relay, 8000));
  run_for (500);
  log_stats (relay);
  g_assert_null (find_stream (&bob, CV_MEDIA_KIND_VIDEO));
  g_assert_null (find_stream (&bob, CV_MEDIA_KIND_AUDIO));

  participant_clear (&alice);
  participant_clear (&bob);
  participant_clear (&carol);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media/relay/two-participants", test_two_participants);
  g_test_add_func ("/media/relay/standard-meeting", test_standard_meeting);
  g_test_add_func ("/media/relay/e2ee-never-plain", test_e2ee_never_plain);
  return g_test_run ();
}

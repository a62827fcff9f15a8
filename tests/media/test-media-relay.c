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
#include "cv-relay-rtp.h"
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

typedef struct {
  Participant *p;
  CvMediaKind kind;
  guint64 n;
} Frames;

static gboolean
has_frames (gpointer data)
{
  Frames *f = data;

  return frames_of (f->p, f->kind) >= f->n;
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
  Frames audio = { &alice, CV_MEDIA_KIND_AUDIO, 10 };
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
   * encoder makes a keyframe every 240 frames on its own (10 s at full rate,
   * more on a loaded machine, which encodes fewer frames); seeing his video
   * within the next 8 s means the relay's keyframe request (RTCP PLI) on
   * subscribe reached the encoder through SRTCP and rtpbin. */
  g_assert_true (run_until (has_frames, &audio, 5000));
  run_for (1000);
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

  ok = run_until (both_see_and_hear, &both, 15000);
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


/* ---- Mute, video off, self view, playback ---- */

static gboolean
self_view_has (gpointer data)
{
  Frames *f = data;

  return cv_remote_stream_get_frames (cv_media_pipeline_get_self_view (f->p->media)) >= f->n;
}

/* Counts what the relay receives from one sender, by stream. */
typedef struct {
  guint32 audio_ssrc, video_ssrc;
  gint audio, video;
} Sent;

static void
count_tap (guint32       ssrc,
           const guint8 *packet,
           gsize         len,
           gpointer      user_data)
{
  Sent *sent = user_data;

  if (ssrc == sent->audio_ssrc)
    g_atomic_int_inc (&sent->audio);
  else if (ssrc == sent->video_ssrc)
    g_atomic_int_inc (&sent->video);
}

static gint packets_during (gint *counter, guint ms);

/* Waits (up to 5 s) until frames on their way when a stream stopped have
 * left: encoding and sending lag behind on a loaded machine. */
static void
wait_quiet (gint *counter)
{
  for (int i = 0; i < 10 && packets_during (counter, 500) > 0; i++)
    ;
}

/* Packets the relay gets on a stream in ms milliseconds. */
static gint
packets_during (gint  *counter,
                guint  ms)
{
  gint before = g_atomic_int_get (counter);

  run_for (ms);
  return g_atomic_int_get (counter) - before;
}

typedef struct {
  gint *counter;
  gint since;
} Sent_since;

static gboolean
sent_more (gpointer data)
{
  Sent_since *s = data;

  return g_atomic_int_get (s->counter) > s->since;
}

static gboolean self_view_has (gpointer data);

static void
test_mute_and_video_off (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvRelay) relay = cv_relay_new ("127.0.0.1", 0, &error);
  Options watcher = { .e2ee = TRUE, .keys = TRUE, .send = FALSE };
  Participant alice, bob;
  CvRemoteStream *self_view;
  Frames audio = { &bob, CV_MEDIA_KIND_AUDIO, 10 }, video = { &bob, CV_MEDIA_KIND_VIDEO, 3 };
  Sent sent = { 0 };
  guint64 self_frames;
  gint n;

  g_assert_no_error (error);
  participant_init (&alice, relay, 1, 0, "Alice", &e2ee_meeting);
  participant_init (&bob, relay, 2, 1, "Bob", &watcher);
  sent.audio_ssrc = ssrc_of (&alice, CV_MEDIA_KIND_AUDIO);
  sent.video_ssrc = ssrc_of (&alice, CV_MEDIA_KIND_VIDEO);
  cv_relay_set_packet_tap (relay, count_tap, &sent);
  subscribe_all (relay, &bob, &alice);
  cv_relay_sync (relay);
  participant_start (&alice);
  participant_start (&bob);
  g_assert_true (run_until (has_frames, &audio, 8000));
  g_assert_true (run_until (has_frames, &video, 8000));
  self_view = cv_media_pipeline_get_self_view (alice.media);

  /* Muted: once what was on its way has left, Alice sends no audio at all
   * for a whole second
   * (counted where the relay receives it); video goes on. */
  cv_media_pipeline_set_audio_muted (alice.media, TRUE);
  g_assert_true (cv_media_pipeline_get_audio_muted (alice.media));
  wait_quiet (&sent.audio);
  n = packets_during (&sent.audio, 1000);
  g_test_message ("audio packets in 1 s while muted: %d", n);
  g_assert_cmpint (n, ==, 0);
  g_assert_cmpint (packets_during (&sent.video, 1500), >, 0);
  /* Unmuted, Bob hears her again. */
  cv_media_pipeline_set_audio_muted (alice.media, FALSE);
  audio.n = frames_of (&bob, CV_MEDIA_KIND_AUDIO) + 10;
  g_assert_true (run_until (has_frames, &audio, 5000));

  /* Video off: the source stops, so nothing is sent and the self view gets
   * no frames; audio goes on. */
  cv_media_pipeline_set_video_enabled (alice.media, FALSE);
  g_assert_false (cv_media_pipeline_get_video_enabled (alice.media));
  wait_quiet (&sent.video);
  self_frames = cv_remote_stream_get_frames (self_view);
  n = packets_during (&sent.video, 1000);
  g_test_message ("video packets in 1 s with video off: %d", n);
  g_assert_cmpint (n, ==, 0);
  g_assert_cmpuint (cv_remote_stream_get_frames (self_view), ==, self_frames);
  g_assert_cmpint (packets_during (&sent.audio, 1500), >, 0);

  /* Back on: the camera runs again (self view), Alice sends, and Bob
   * decodes frames that left after it (a keyframe was asked for). */
  cv_media_pipeline_set_video_enabled (alice.media, TRUE);
  g_assert_true (run_until (self_view_has, &(Frames) { &alice, CV_MEDIA_KIND_VIDEO, self_frames + 1 }, 8000));
  n = g_atomic_int_get (&sent.video);
  g_assert_true (run_until (sent_more, &(Sent_since) { &sent.video, n }, 8000));
  video.n = frames_of (&bob, CV_MEDIA_KIND_VIDEO) + 3;
  g_assert_true (run_until (has_frames, &video, 8000));

  participant_clear (&alice);
  participant_clear (&bob);
  cv_relay_set_packet_tap (relay, NULL, NULL);
  cv_relay_sync (relay);
}

static void
test_self_view (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvRelay) relay = cv_relay_new ("127.0.0.1", 0, &error);
  /* No keys: nothing is sent, but we still see ourselves. */
  Options alone = { .e2ee = TRUE, .keys = FALSE, .send = TRUE };
  Participant alice;
  Frames first = { &alice, CV_MEDIA_KIND_VIDEO, 1 };
  CvRemoteStream *self_view;
  g_autoptr (GstSample) frame = NULL;
  GstVideoInfo info;
  guint64 n;
  gint64 start;
  double seconds;

  g_assert_no_error (error);
  participant_init (&alice, relay, 1, 0, "Alice", &alone);
  self_view = cv_media_pipeline_get_self_view (alice.media);
  g_assert_nonnull (self_view);
  g_assert_cmpint (cv_remote_stream_get_kind (self_view), ==, CV_MEDIA_KIND_VIDEO);
  /* Starting with the camera off: no frames until it is turned on. */
  cv_media_pipeline_set_video_enabled (alice.media, FALSE);
  participant_start (&alice);
  run_for (1000);
  g_assert_cmpuint (cv_remote_stream_get_frames (self_view), ==, 0);
  g_assert_cmpint (cv_media_pipeline_get_state (alice.media), ==, CV_MEDIA_PIPELINE_RUNNING);
  cv_media_pipeline_set_video_enabled (alice.media, TRUE);

  g_assert_true (run_until (self_view_has, &first, 5000));
  n = cv_remote_stream_get_frames (self_view);
  start = g_get_monotonic_time ();
  run_for (3000);
  n = cv_remote_stream_get_frames (self_view) - n;
  seconds = (g_get_monotonic_time () - start) / 1e6;
  g_test_message ("self view: %" G_GUINT64_FORMAT " frames in %.2f s", n, seconds);
  /* Throttled to 15 a second by the wall clock from a 24 fps source
   * (unthrottled would be 72); a frame or two of slack for the window. */
  g_assert_cmpuint (n, >=, 5);
  g_assert_cmpfloat (n, <=, 15 * seconds + 2);

  frame = cv_remote_stream_dup_last_sample (self_view);
  g_assert_nonnull (frame);
  g_assert_true (gst_video_info_from_caps (&info, gst_sample_get_caps (frame)));
  g_assert_cmpint (GST_VIDEO_INFO_FORMAT (&info), ==, GST_VIDEO_FORMAT_RGBA);
  g_assert_cmpint (info.width, ==, 320);
  g_assert_cmpint (info.height, ==, 180);
  g_assert_cmpfloat (mean_luma (frame), >, 20.0);

  participant_clear (&alice);
}

static gboolean
self_audio_has (gpointer data)
{
  Frames *f = data;

  return cv_remote_stream_get_frames (cv_media_pipeline_get_self_audio (f->p->media)) >= f->n;
}

/* Our own microphone for the recorder: the test tone while unmuted,
 * nothing while muted. */
static void
test_self_audio (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvRelay) relay = cv_relay_new ("127.0.0.1", 0, &error);
  Options alone = { .e2ee = TRUE, .keys = FALSE, .send = TRUE };
  Participant alice;
  CvRemoteStream *self_audio;
  guint64 n;

  g_assert_no_error (error);
  participant_init (&alice, relay, 1, 0, "Alice", &alone);
  self_audio = cv_media_pipeline_get_self_audio (alice.media);
  g_assert_nonnull (self_audio);
  g_assert_cmpint (cv_remote_stream_get_kind (self_audio), ==, CV_MEDIA_KIND_AUDIO);
  participant_start (&alice);

  /* 20 ms buffers: 25 is half a second of the tone. */
  g_assert_true (run_until (self_audio_has, &(Frames) { &alice, CV_MEDIA_KIND_AUDIO, 25 }, 5000));
  /* A sine of amplitude 0.3 has a mean |x| of 0.19 (F32, as the stream's
   * level reads it; another format would not measure so). */
  g_test_message ("self audio level %.3f", cv_remote_stream_get_audio_level (self_audio));
  g_assert_cmpfloat (cv_remote_stream_get_audio_level (self_audio), >, 0.15);
  g_assert_cmpfloat (cv_remote_stream_get_audio_level (self_audio), <, 0.25);

  /* Muted: after what was under way, nothing. */
  cv_media_pipeline_set_audio_muted (alice.media, TRUE);
  run_for (500);
  n = cv_remote_stream_get_frames (self_audio);
  run_for (1000);
  g_assert_cmpuint (cv_remote_stream_get_frames (self_audio), ==, n);

  cv_media_pipeline_set_audio_muted (alice.media, FALSE);
  g_assert_true (run_until (self_audio_has, &(Frames) { &alice, CV_MEDIA_KIND_AUDIO, n + 10 }, 5000));

  participant_clear (&alice);
}

typedef struct {
  CvMediaPipeline *media;
  double level;
} Level;

static gboolean
played_level_above (gpointer data)
{
  Level *l = data;

  return cv_media_pipeline_get_played_level (l->media) > l->level;
}

static void
test_playback (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvRelay) relay = cv_relay_new ("127.0.0.1", 0, &error);
  Options watcher = { .e2ee = TRUE, .keys = TRUE, .send = FALSE };
  Participant alice, bob, carol;
  Level loud = { NULL, 0.05 };
  guint64 samples;

  g_assert_no_error (error);
  participant_init (&alice, relay, 1, 0, "Alice", &e2ee_meeting);
  participant_init (&carol, relay, 3, 2, "Carol", &e2ee_meeting);
  participant_init (&bob, relay, 2, 1, "Bob", &watcher);
  participant_start (&alice);
  participant_start (&carol);
  participant_start (&bob);
  loud.media = bob.media;

  /* Nobody to hear yet: the mix runs, silent. */
  run_for (1000);
  samples = cv_media_pipeline_get_played_samples (bob.media);
  g_test_message ("speaker: %s; %" G_GUINT64_FORMAT " samples in the first second, level %.3f",
                  cv_media_pipeline_has_speaker (bob.media) ? "yes" : "none (fakesink)", samples,
                  cv_media_pipeline_get_played_level (bob.media));
  g_assert_cmpuint (samples, >=, 12000);
  g_assert_cmpfloat (cv_media_pipeline_get_played_level (bob.media), <, 0.001);

  /* Alice's and Carol's tones arrive and are mixed. */
  cv_relay_subscribe (relay, bob.id, ssrc_of (&alice, CV_MEDIA_KIND_AUDIO), TRUE);
  cv_relay_subscribe (relay, bob.id, ssrc_of (&carol, CV_MEDIA_KIND_AUDIO), TRUE);
  g_assert_true (run_until (played_level_above, &loud, 10000));
  g_test_message ("mixed level: %.3f (a 440 Hz tone alone is about 0.19)",
                  cv_media_pipeline_get_played_level (bob.media));
  run_for (1000);
  g_assert_cmpuint (cv_media_pipeline_get_played_samples (bob.media), >, samples + 24000);
  g_assert_cmpuint (g_list_model_get_n_items (cv_media_pipeline_get_remote_streams (bob.media)), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (CvRemoteStream) s = g_list_model_get_item (cv_media_pipeline_get_remote_streams (bob.media), i);
      g_assert_cmpfloat (cv_remote_stream_get_audio_level (s), >, 0.05);
    }

  participant_clear (&alice);
  participant_clear (&bob);
  participant_clear (&carol);
}

/* ---- Late joiner ---- */

static void
test_late_joiner (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvRelay) relay = cv_relay_new ("127.0.0.1", 0, &error);
  Options watcher = { .e2ee = TRUE, .keys = TRUE, .send = FALSE };
  Participant alice, bob, carol;
  Frames first = { &carol, CV_MEDIA_KIND_VIDEO, 1 };
  gint64 joined;
  gboolean ok;

  g_assert_no_error (error);
  participant_init (&alice, relay, 1, 0, "Alice", &e2ee_meeting);
  participant_init (&bob, relay, 2, 1, "Bob", &e2ee_meeting);
  subscribe_all (relay, &bob, &alice);
  subscribe_all (relay, &alice, &bob);
  cv_relay_sync (relay);
  participant_start (&alice);
  participant_start (&bob);
  run_for (2000);

  /* Carol joins late and only watches: she sends no media that would
   * tell the relay her address, and Alice's last keyframe is long gone. */
  participant_init (&carol, relay, 3, 2, "Carol", &watcher);
  joined = g_get_monotonic_time ();
  participant_start (&carol);
  subscribe_all (relay, &carol, &alice);
  ok = run_until (has_frames, &first, 3000);
  log_stats (relay);
  g_test_message ("late joiner: first decoded video frame after %" G_GINT64_FORMAT " ms",
                  (g_get_monotonic_time () - joined) / 1000);
  g_assert_true (ok);
  g_assert_cmpint (cv_remote_stream_get_sender_leaf (find_stream (&carol, CV_MEDIA_KIND_VIDEO)), ==, 0);

  participant_clear (&alice);
  participant_clear (&bob);
  participant_clear (&carol);
}


/* ---- What the relay sees ---- */

typedef struct {
  GMutex lock;
  guint32 video_ssrc, audio_ssrc;
  GPtrArray *video, *audio;   /* GBytes: RTP packets after SRTP unprotect */
} Capture;

static void
capture_tap (guint32       ssrc,
             const guint8 *packet,
             gsize         len,
             gpointer      user_data)
{
  Capture *cap = user_data;

  g_mutex_lock (&cap->lock);
  if (ssrc == cap->video_ssrc)
    g_ptr_array_add (cap->video, g_bytes_new (packet, len));
  else if (ssrc == cap->audio_ssrc)
    g_ptr_array_add (cap->audio, g_bytes_new (packet, len));
  g_mutex_unlock (&cap->lock);
}

typedef struct {
  GBytes *data;
  gboolean keyframe;
} Frame;

static void
frame_clear (gpointer data)
{
  g_bytes_unref (((Frame *) data)->data);
}

/* Parses every captured packet as our payload format (RTP header, one
 * descriptor byte whose low 5 bits are zero) and reassembles the frames
 * from S to E, as a receiver would. */
static GArray *
reassemble (GPtrArray *packets)
{
  GArray *frames = g_array_new (FALSE, FALSE, sizeof (Frame));
  GByteArray *current = NULL;
  gboolean keyframe = FALSE;
  gint prev_seq = -1;

  g_array_set_clear_func (frames, frame_clear);
  for (guint i = 0; i < packets->len; i++)
    {
      gsize len;
      const guint8 *buf = g_bytes_get_data (packets->pdata[i], &len);
      cv_rtp_header hdr;
      const guint8 *payload;
      gsize payload_len;
      guint8 descriptor;

      g_assert_cmpint (cv_rtp_parse (buf, len, CV_RELAY_EXT_AUDIO_LEVEL, CV_RELAY_EXT_KEYFRAME, &hdr), ==, CV_RTP_OK);
      g_assert_false (buf[0] & 0x20); /* no padding */
      g_assert_cmpuint (len, >, hdr.header_len);
      payload = buf + hdr.header_len;
      payload_len = len - hdr.header_len;
      descriptor = payload[0];
      g_assert_cmpuint (descriptor & 0x1f, ==, 0);

      if (prev_seq >= 0 && hdr.seq != (guint16) (prev_seq + 1))
        g_clear_pointer (&current, g_byte_array_unref); /* a loss: that frame is gone */
      prev_seq = hdr.seq;
      if (descriptor & CV_SFRAME_PAY_START)
        {
          g_clear_pointer (&current, g_byte_array_unref);
          current = g_byte_array_new ();
          keyframe = (descriptor & CV_SFRAME_PAY_KEYFRAME) != 0;
          g_assert_cmpint (hdr.keyframe == 1, ==, keyframe);
        }
      if (current == NULL)
        continue;
      g_byte_array_append (current, payload + 1, payload_len - 1);
      if (descriptor & CV_SFRAME_PAY_END)
        {
          Frame frame = { g_byte_array_free_to_bytes (current), keyframe };
          g_array_append_val (frames, frame);
          current = NULL;
        }
    }
  g_clear_pointer (&current, g_byte_array_unref);
  return frames;
}

/* Pictures a VP8 decoder makes of the frames. */
static guint
vp8_decodable (GArray *frames)
{
  g_autoptr (GstElement) pipeline = gst_parse_launch (
    "appsrc name=src format=time caps=video/x-vp8,width=640,height=360,framerate=24/1 "
    "! vp8dec ! appsink name=sink sync=false", NULL);
  g_autoptr (GstElement) src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) end = NULL;
  guint pictures = 0;
  GstSample *sample;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  for (guint i = 0; i < frames->len; i++)
    {
      Frame *f = &g_array_index (frames, Frame, i);
      GstBuffer *buf = gst_buffer_new_wrapped_bytes (f->data);

      GST_BUFFER_PTS (buf) = i * GST_SECOND / 24;
      if (!f->keyframe)
        GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
      if (gst_app_src_push_buffer (GST_APP_SRC (src), buf) != GST_FLOW_OK)
        break;
    }
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  end = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  while ((sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 0)) != NULL)
    {
      pictures++;
      gst_sample_unref (sample);
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return pictures;
}

/* A VP8 keyframe starts with a 3-byte frame tag and the start code 9d 01 2a
 * (RFC 6386 9.1): visible to the relay in a standard meeting. */
static gboolean
has_vp8_start_code (GBytes *frame)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (frame, &len);

  return len > 6 && data[3] == 0x9d && data[4] == 0x01 && data[5] == 0x2a;
}

typedef struct {
  guint video_frames, video_keyframes, start_codes, pictures;
  guint audio_frames;
  guint sframe_headers, decrypted; /* over video and audio */
} Seen;

/* Alice sends to Bob for a while; the relay's tap keeps what it saw. */
static void
capture_meeting (gboolean e2ee,
                 Seen    *seen)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvRelay) relay = cv_relay_new ("127.0.0.1", 0, &error);
  Options options = { .e2ee = e2ee, .keys = e2ee, .send = TRUE };
  Options watcher = { .e2ee = e2ee, .keys = e2ee, .send = FALSE };
  Participant alice, bob;
  Frames video = { &bob, CV_MEDIA_KIND_VIDEO, 24 };
  Capture cap = { .video = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref),
                  .audio = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref) };
  /* Someone who holds the meeting's keys, to show the ciphertext is ours. */
  g_autoptr (CvFrameKeys) member = cv_frame_keys_new (CV_SFRAME_DEFAULT_SUITE, 2000, &error);
  g_autoptr (GArray) video_frames = NULL, audio_frames = NULL;

  g_assert_no_error (error);
  g_assert_true (cv_frame_keys_install_epoch (member, 1, base_key, 16, members, 3, 2, &error));
  g_mutex_init (&cap.lock);
  participant_init (&alice, relay, 1, 0, "Alice", &options);
  participant_init (&bob, relay, 2, 1, "Bob", &watcher);
  cap.video_ssrc = ssrc_of (&alice, CV_MEDIA_KIND_VIDEO);
  cap.audio_ssrc = ssrc_of (&alice, CV_MEDIA_KIND_AUDIO);
  cv_relay_set_packet_tap (relay, capture_tap, &cap);
  subscribe_all (relay, &bob, &alice);
  cv_relay_sync (relay);
  participant_start (&alice);
  participant_start (&bob);
  /* Two keyframes at least: the first, and the one the subscription asks for. */
  g_assert_true (run_until (has_frames, &video, 10000));
  cv_media_pipeline_request_keyframe (alice.media);
  run_for (500);
  participant_clear (&alice);
  participant_clear (&bob);
  cv_relay_set_packet_tap (relay, NULL, NULL);
  cv_relay_sync (relay);

  video_frames = reassemble (cap.video);
  audio_frames = reassemble (cap.audio);
  memset (seen, 0, sizeof *seen);
  seen->video_frames = video_frames->len;
  seen->audio_frames = audio_frames->len;
  for (guint k = 0; k < 2; k++)
    {
      GArray *frames = k ? audio_frames : video_frames;

      for (guint i = 0; i < frames->len; i++)
        {
          Frame *f = &g_array_index (frames, Frame, i);
          gsize len = g_bytes_get_size (f->data), offset, plain_len, header_len;
          g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (f->data, NULL), len);
          guint64 kid, ctr;
          cv_sframe_frame_info info;

          if (!k)
            {
              seen->video_keyframes += f->keyframe;
              seen->start_codes += has_vp8_start_code (f->data);
            }
          if (cv_sframe_header_parse (copy, len, &kid, &ctr, &header_len) == CV_OK)
            seen->sframe_headers++;
          if (cv_frame_keys_decrypt (member, copy, len, &offset, &plain_len, &info) == CV_OK)
            {
              seen->decrypted++;
              g_assert_cmpuint (info.sender_index, ==, 0);
            }
        }
    }
  seen->pictures = vp8_decodable (video_frames);
  g_test_message ("%s: the relay saw %u video frames (%u keyframes, %u VP8 start codes, %u pictures "
                  "a VP8 decoder makes of them) and %u audio frames; %u parse as SFrame, %u decrypt "
                  "with the meeting's key", e2ee ? "E2EE" : "standard", seen->video_frames,
                  seen->video_keyframes, seen->start_codes, seen->pictures, seen->audio_frames,
                  seen->sframe_headers, seen->decrypted);

  g_ptr_array_unref (cap.video);
  g_ptr_array_unref (cap.audio);
  g_mutex_clear (&cap.lock);
}

static void
test_relay_sees_ciphertext (void)
{
  Seen standard, e2ee;

  /* The check can fail: in a standard meeting the relay reads VP8. */
  capture_meeting (FALSE, &standard);
  g_assert_cmpuint (standard.video_keyframes, >=, 2);
  g_assert_cmpuint (standard.start_codes, ==, standard.video_keyframes);
  g_assert_cmpuint (standard.pictures, >=, standard.video_frames / 2);
  g_assert_cmpuint (standard.decrypted, ==, 0);

  /* In an E2EE meeting every frame is SFrame under the meeting's key, and
   * nothing of the picture is readable. */
  capture_meeting (TRUE, &e2ee);
  g_assert_cmpuint (e2ee.video_keyframes, >=, 2);
  g_assert_cmpuint (e2ee.audio_frames, >=, 20);
  g_assert_cmpuint (e2ee.sframe_headers, ==, e2ee.video_frames + e2ee.audio_frames);
  g_assert_cmpuint (e2ee.decrypted, ==, e2ee.video_frames + e2ee.audio_frames);
  g_assert_cmpuint (e2ee.start_codes, ==, 0);
  g_assert_cmpuint (e2ee.pictures, ==, 0);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media/relay/two-participants", test_two_participants);
  g_test_add_func ("/media/relay/standard-meeting", test_standard_meeting);
  g_test_add_func ("/media/relay/e2ee-never-plain", test_e2ee_never_plain);
  g_test_add_func ("/media/relay/mute-and-video-off", test_mute_and_video_off);
  g_test_add_func ("/media/relay/self-view", test_self_view);
  g_test_add_func ("/media/relay/self-audio", test_self_audio);
  g_test_add_func ("/media/relay/playback", test_playback);
  g_test_add_func ("/media/relay/late-joiner", test_late_joiner);
  g_test_add_func ("/media/relay/relay-sees-ciphertext", test_relay_sees_ciphertext);
  return g_test_run ();
}

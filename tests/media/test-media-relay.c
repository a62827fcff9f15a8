/* Two participants' real media pipelines meet through the real relay on
 * loopback: VP8 and Opus, SFrame end to end, SRTP per hop, UDP. Each sees
 * and hears the other, knows who sent it (the MLS leaf in the SFrame KID),
 * and the relay forwards only what was subscribed. */
#include <gst/gst.h>
#include <gst/video/video.h>

#include "cv-media-pipeline.h"
#include "cv-relay.h"
#include "cv-remote-stream.h"

static const guint8 base_key[16] = "meeting-epoch-1!";
static const guint32 members[] = { 0, 1 };

typedef struct {
  guint32 id;
  CvFrameKeys *keys;
  CvMediaPipeline *media;
} Participant;

static void
participant_init (Participant *p,
                  CvRelay     *relay,
                  guint32      id,
                  guint32      leaf,
                  const char  *name)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) material = NULL;
  guint32 ssrc_base;

  p->id = id;
  p->keys = cv_frame_keys_new (CV_SFRAME_DEFAULT_SUITE, 2000, &error);
  g_assert_no_error (error);
  g_assert_true (cv_frame_keys_install_epoch (p->keys, 1, base_key, 16, members, 2, leaf, &error));
  g_assert_true (cv_relay_add_participant (relay, id, "123456789", CV_SRTP_PROFILE_AEAD_AES_128_GCM,
                                           &material, &ssrc_base, &error));
  g_assert_no_error (error);

  p->media = cv_media_pipeline_new (p->keys);
  cv_media_pipeline_set_test_media (p->media, TRUE);
  cv_media_pipeline_set_local_media (p->media, TRUE, TRUE, NULL, NULL, name);
  g_assert_true (cv_media_pipeline_set_transport (p->media, "127.0.0.1", cv_relay_get_port (relay),
                                                  "AEAD_AES_128_GCM", material, ssrc_base, &error));
  g_assert_no_error (error);
}

static void
participant_clear (Participant *p)
{
  cv_media_pipeline_stop (p->media);
  g_clear_object (&p->media);
  g_clear_object (&p->keys);
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

static gboolean
has_frames (Participant *p,
            CvMediaKind  kind,
            guint64      n)
{
  CvRemoteStream *s = find_stream (p, kind);

  return s != NULL && cv_remote_stream_get_frames (s) >= n;
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

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_two_participants (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvRelay) relay = cv_relay_new ("127.0.0.1", 0, &error);
  Participant alice, bob;
  gboolean timed_out = FALSE;
  guint timeout;
  CvRelayStats stats;

  g_assert_no_error (error);
  participant_init (&alice, relay, 1, 0, "Alice");
  participant_init (&bob, relay, 2, 1, "Bob");

  /* Each shows the other; nobody asked for their own streams. */
  cv_relay_subscribe (relay, bob.id, cv_media_pipeline_get_ssrc (alice.media, CV_MEDIA_KIND_VIDEO), TRUE);
  cv_relay_subscribe (relay, bob.id, cv_media_pipeline_get_ssrc (alice.media, CV_MEDIA_KIND_AUDIO), TRUE);
  cv_relay_subscribe (relay, alice.id, cv_media_pipeline_get_ssrc (bob.media, CV_MEDIA_KIND_AUDIO), TRUE);
  cv_relay_sync (relay);

  cv_media_pipeline_start (alice.media, &error);
  g_assert_no_error (error);
  cv_media_pipeline_start (bob.media, &error);
  g_assert_no_error (error);
  g_assert_true (cv_media_pipeline_is_test_media (alice.media));

  /* Alice starts watching Bob's video a second after he started sending. His
   * encoder makes a keyframe every 10 s on its own; seeing his video within
   * next 8 s (a loaded machine encodes fewer frames, and the keyframe interval
   * counts frames) means the relay's keyframe request (RTCP PLI) on subscribe
   * reached the encoder through SRTCP and rtpbin. */
  timeout = g_timeout_add_seconds (1, timeout_cb, &timed_out);
  while (!timed_out)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (has_frames (&alice, CV_MEDIA_KIND_AUDIO, 10));
  g_assert_null (find_stream (&alice, CV_MEDIA_KIND_VIDEO));
  cv_relay_subscribe (relay, alice.id, cv_media_pipeline_get_ssrc (bob.media, CV_MEDIA_KIND_VIDEO), TRUE);
  timed_out = FALSE;
  timeout = g_timeout_add_seconds (8, timeout_cb, &timed_out);
  while (!timed_out && !(has_frames (&alice, CV_MEDIA_KIND_VIDEO, 3) && has_frames (&bob, CV_MEDIA_KIND_VIDEO, 3)
                         && has_frames (&alice, CV_MEDIA_KIND_AUDIO, 20) && has_frames (&bob, CV_MEDIA_KIND_AUDIO, 20)))
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout);

  cv_relay_get_stats (relay, &stats);
  g_test_message ("relay: rx %" G_GUINT64_FORMAT " forwarded %" G_GUINT64_FORMAT " auth-drops %" G_GUINT64_FORMAT
                  " keyframe requests %" G_GUINT64_FORMAT " waiting for keyframe %" G_GUINT64_FORMAT
                  " rtcp %" G_GUINT64_FORMAT " rtcp ignored %" G_GUINT64_FORMAT,
                  stats.rx_rtp, stats.forwarded, stats.dropped_auth, stats.keyframe_requests_forwarded,
                  stats.dropped_wait_keyframe, stats.rx_rtcp, stats.rtcp_ignored);
  for (int i = 0; i < 2; i++)
    for (int k = 0; k < 2; k++)
      {
        CvRemoteStream *s = find_stream (i ? &bob : &alice, k ? CV_MEDIA_KIND_AUDIO : CV_MEDIA_KIND_VIDEO);
        g_test_message ("%s %s: %" G_GUINT64_FORMAT " frames", i ? "bob" : "alice", k ? "audio" : "video",
                        s ? cv_remote_stream_get_frames (s) : 0);
      }
  g_assert_false (timed_out);

  for (int i = 0; i < 2; i++)
    {
      Participant *viewer = i == 0 ? &bob : &alice;
      gint64 sender_leaf = i == 0 ? 0 : 1;
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

  g_assert_cmpuint (stats.dropped_auth, ==, 0);
  g_assert_cmpuint (stats.forwarded, >, 0);
  g_assert_cmpuint (stats.keyframe_requests_forwarded, >=, 1);

  participant_clear (&alice);
  participant_clear (&bob);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media/relay/two-participants", test_two_participants);
  return g_test_run ();
}

/* Real GStreamer pipelines through the SFrame RTP payload: VP8 video and Opus
 * audio are encoded, encrypted, packetized, reassembled, decrypted and decoded;
 * the RTP packets carry only ciphertext plus the two header extensions the
 * relay may read. */
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video.h>
#include <string.h>

#include "cv-frame-keys.h"
#include "cv-media-plugin.h"
#include "cv-sframe-pay.h"

static const guint8 base_key[16] = "0123456789abcdef";
static const guint32 members[] = { 0, 1 };

typedef struct {
  guint packets;
  guint keyframe_marks;     /* packets with the keyframe extension */
  guint level_marks;        /* packets with the audio-level extension */
  guint frame_ends;         /* packets with the marker bit */
  gboolean drop_next_middle; /* drop one fragment that is neither first nor last */
  guint dropped;
} RtpStats;

/* Looks at one packet; FALSE to drop it. */
static gboolean
inspect_packet (RtpStats  *stats,
                GstBuffer *buf)
{
  GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
  gpointer data;
  guint size;
  guint8 descriptor;

  g_assert_true (gst_rtp_buffer_map (buf, GST_MAP_READ, &rtp));
  stats->packets++;
  descriptor = *(guint8 *) gst_rtp_buffer_get_payload (&rtp);
  if (gst_rtp_buffer_get_extension_onebyte_header (&rtp, CV_RTP_EXT_KEYFRAME, 0, &data, &size))
    {
      g_assert_cmpuint (size, ==, 1);
      g_assert_true (descriptor & CV_SFRAME_PAY_START);
      stats->keyframe_marks++;
    }
  if (gst_rtp_buffer_get_extension_onebyte_header (&rtp, CV_RTP_EXT_AUDIO_LEVEL, 0, &data, &size))
    stats->level_marks++;
  if (gst_rtp_buffer_get_marker (&rtp))
    {
      g_assert_true (descriptor & CV_SFRAME_PAY_END);
      stats->frame_ends++;
    }
  gst_rtp_buffer_unmap (&rtp);

  if (stats->drop_next_middle && !(descriptor & (CV_SFRAME_PAY_START | CV_SFRAME_PAY_END)))
    {
      stats->drop_next_middle = FALSE;
      stats->dropped++;
      return FALSE;
    }
  return TRUE;
}

static gboolean
inspect_list_item (GstBuffer **buf,
                   guint       idx,
                   gpointer    user_data)
{
  if (!inspect_packet (user_data, *buf))
    gst_clear_buffer (buf); /* removes it from the list */
  return TRUE;
}

/* The payloader pushes lists of packets; look at each. */
static GstPadProbeReturn
rtp_probe_cb (GstPad          *pad,
              GstPadProbeInfo *info,
              gpointer         user_data)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    {
      GstBufferList *list = gst_buffer_list_make_writable (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
      info->data = list;
      gst_buffer_list_foreach (list, inspect_list_item, user_data);
      return GST_PAD_PROBE_OK;
    }
  return inspect_packet (user_data, GST_PAD_PROBE_INFO_BUFFER (info)) ? GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;
}

static GstElement *
make_pipeline (const char  *description,
               CvFrameKeys *sender,
               CvFrameKeys *receiver,
               RtpStats    *stats)
{
  g_autoptr (GError) error = NULL;
  GstElement *pipeline = gst_parse_launch (description, &error);
  g_autoptr (GstElement) enc = NULL, dec = NULL, pay = NULL;
  g_autoptr (GstPad) pad = NULL;

  g_assert_no_error (error);
  enc = gst_bin_get_by_name (GST_BIN (pipeline), "enc");
  dec = gst_bin_get_by_name (GST_BIN (pipeline), "dec");
  pay = gst_bin_get_by_name (GST_BIN (pipeline), "pay");
  g_object_set (enc, "keys", sender, NULL);
  g_object_set (dec, "keys", receiver, NULL);
  pad = gst_element_get_static_pad (pay, "src");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, rtp_probe_cb, stats, NULL);
  return pipeline;
}

static void
run_to_eos (GstElement *pipeline)
{
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstMessage) msg = NULL;

  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) error = NULL;
      gst_message_parse_error (msg, &error, NULL);
      g_error ("pipeline error: %s", error->message);
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

static CvFrameKeys *
keys_for (guint32 own_leaf)
{
  g_autoptr (GError) error = NULL;
  CvFrameKeys *keys = cv_frame_keys_new (CV_SFRAME_DEFAULT_SUITE, 2000, &error);

  g_assert_true (cv_frame_keys_install_epoch (keys, 1, base_key, 16, members, 2, own_leaf, &error));
  return keys;
}

/* Mean luma of a decoded I420 frame region: the SMPTE pattern is far from black. */
static double
mean_luma (GstSample *sample)
{
  GstBuffer *buf = gst_sample_get_buffer (sample);
  GstVideoInfo vinfo;
  GstVideoFrame frame;
  double sum = 0;

  g_assert_true (gst_video_info_from_caps (&vinfo, gst_sample_get_caps (sample)));
  g_assert_true (gst_video_frame_map (&frame, &vinfo, buf, GST_MAP_READ));
  for (int y = 0; y < GST_VIDEO_INFO_HEIGHT (&vinfo); y++)
    {
      const guint8 *row = (const guint8 *) GST_VIDEO_FRAME_PLANE_DATA (&frame, 0)
                          + y * GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
      for (int x = 0; x < GST_VIDEO_INFO_WIDTH (&vinfo); x++)
        sum += row[x];
    }
  sum /= GST_VIDEO_INFO_WIDTH (&vinfo) * GST_VIDEO_INFO_HEIGHT (&vinfo);
  gst_video_frame_unmap (&frame);
  return sum;
}

static void
test_video (void)
{
  g_autoptr (CvFrameKeys) alice = keys_for (0);
  g_autoptr (CvFrameKeys) bob = keys_for (1);
  RtpStats stats = { 0 };
  GstElement *pipeline = make_pipeline (
    "videotestsrc num-buffers=30 pattern=smpte ! video/x-raw,width=320,height=240,framerate=30/1 "
    "! vp8enc deadline=1 keyframe-max-dist=10 target-bitrate=2000000 ! cvsframeenc name=enc "
    "! cvsframepay name=pay mtu=600 ! cvsframedepay name=depay "
    "! cvsframedec name=dec caps=video/x-vp8 ! vp8dec ! videoconvert ! video/x-raw,format=I420 "
    "! appsink name=sink sync=false emit-signals=false max-buffers=100",
    alice, bob, &stats);
  g_autoptr (GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_autoptr (GstElement) dec = gst_bin_get_by_name (GST_BIN (pipeline), "dec");
  guint frames = 0;
  guint64 decrypted, dropped;

  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
  for (;;)
    {
      g_autoptr (GstSample) sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 10 * GST_SECOND);
      if (sample == NULL)
        break;
      g_assert_cmpfloat (mean_luma (sample), >, 40.0);
      frames++;
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);

  g_object_get (dec, "decrypted", &decrypted, "dropped", &dropped, NULL);
  g_assert_cmpuint (frames, ==, 30);
  g_assert_cmpuint (decrypted, ==, 30);
  g_assert_cmpuint (dropped, ==, 0);
  g_assert_cmpuint (stats.frame_ends, ==, 30);
  g_assert_cmpuint (stats.packets, >, 30);        /* keyframes span several packets */
  g_assert_cmpuint (stats.keyframe_marks, >=, 3); /* a keyframe every 10 frames */
  g_assert_cmpuint (stats.level_marks, ==, 0);
  gst_object_unref (pipeline);
}

static void
test_video_packet_loss (void)
{
  g_autoptr (CvFrameKeys) alice = keys_for (0);
  g_autoptr (CvFrameKeys) bob = keys_for (1);
  RtpStats stats = { .drop_next_middle = TRUE };
  GstElement *pipeline = make_pipeline (
    "videotestsrc num-buffers=20 pattern=smpte ! video/x-raw,width=320,height=240,framerate=30/1 "
    "! vp8enc deadline=1 keyframe-max-dist=5 ! cvsframeenc name=enc "
    "! cvsframepay name=pay mtu=400 ! cvsframedepay name=depay "
    "! cvsframedec name=dec caps=video/x-vp8 ! fakesink",
    alice, bob, &stats);
  g_autoptr (GstElement) depay = gst_bin_get_by_name (GST_BIN (pipeline), "depay");
  g_autoptr (GstElement) dec = gst_bin_get_by_name (GST_BIN (pipeline), "dec");
  guint64 lost, decrypted, dropped;

  run_to_eos (pipeline);
  g_object_get (depay, "lost-frames", &lost, NULL);
  g_object_get (dec, "decrypted", &decrypted, "dropped", &dropped, NULL);
  g_assert_cmpuint (stats.dropped, ==, 1);
  g_assert_cmpuint (lost, ==, 1);
  g_assert_cmpuint (decrypted, ==, 19); /* the others went on */
  g_assert_cmpuint (dropped, ==, 0);    /* the partial frame never reached the decrypter */
  gst_object_unref (pipeline);
}

static void
test_audio (void)
{
  g_autoptr (CvFrameKeys) alice = keys_for (0);
  g_autoptr (CvFrameKeys) bob = keys_for (1);
  RtpStats stats = { 0 };
  GstElement *pipeline = make_pipeline (
    "audiotestsrc num-buffers=50 samplesperbuffer=960 ! audio/x-raw,rate=48000,channels=1 "
    "! level audio-level-meta=true ! opusenc frame-size=20 ! cvsframeenc name=enc context=1 "
    "! cvsframepay name=pay ! cvsframedepay ! cvsframedec name=dec caps=audio/x-opus,channel-mapping-family=0 "
    "! opusdec ! fakesink name=sink",
    alice, bob, &stats);
  g_autoptr (GstElement) dec = gst_bin_get_by_name (GST_BIN (pipeline), "dec");
  guint64 decrypted;

  run_to_eos (pipeline);
  g_object_get (dec, "decrypted", &decrypted, NULL);
  g_assert_cmpuint (decrypted, >=, 49);
  g_assert_cmpuint (stats.packets, ==, stats.frame_ends); /* one packet per audio frame */
  g_assert_cmpuint (stats.keyframe_marks, ==, 0);
  /* The relay picks the active speaker from this extension. */
  g_assert_cmpuint (stats.level_marks, ==, stats.packets);
  gst_object_unref (pipeline);
}

int
main (int argc, char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  cv_media_plugin_register ();

  g_test_add_func ("/media/sframe-rtp/video", test_video);
  g_test_add_func ("/media/sframe-rtp/video-packet-loss", test_video_packet_loss);
  g_test_add_func ("/media/sframe-rtp/audio", test_audio);
  return g_test_run ();
}

/* CvMediaPipeline: the GStreamer pipeline of one participant in a meeting.
 *
 *   camera ─ tee ─ VP8 ─ cvsframeenc ─ cvsframepay ┐
 *             └ 320 px RGBA ─ appsink (self view)  │
 *   mic ─ level ─ valve ─ tee ─ Opus ─ cvsframeenc ─ pay ┴ rtpfunnel ─ rtpbin ─ srtpenc ─┐
 *                          └ F32 ─ appsink (self audio, for the recorder)      │
 *                                                                                   udpsink ─▶ relay
 *   relay ─▶ udpsrc ─ srtpdec ─ rtpbin ─┬ (per SSRC) cvsframedepay ─ cvsframedec ─ VP8 ─ appsink
 *                                       └ (per SSRC) cvsframedepay ─ cvsframedec ─ Opus ─ tee ─ appsink
 *                                                                       audiomixer ◀──┘
 *                                         (silence ─┘) audiomixer ─ speaker (or fakesink)
 *
 * In an E2EE meeting everything the relay forwards is SFrame ciphertext; SRTP
 * protects the hop. In a standard meeting (set_e2ee FALSE) the SFrame
 * elements are made pass-through and the streams use the plain payload
 * types; each pipeline builds receivers only for the payload types of its
 * own mode, so neither kind of meeting can play the other's frames.
 * Send and receive share one UDP socket, since the relay learns our address
 * from the packets we send. All streams share one RTP session (BUNDLE-like),
 * so RTCP feedback (PLI, NACK) flows per SSRC through rtpbin.
 */
#include "cv-media-pipeline.h"

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>
#include <math.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "cv-gst-known-issues.h"
#include "cv-media-plugin.h"
#include "cv-remote-stream.h"

GST_DEBUG_CATEGORY_STATIC (cv_media_pipeline_debug);
#define GST_CAT_DEFAULT cv_media_pipeline_debug

struct _CvMediaPipeline
{
  GObject parent_instance;

  CvFrameKeys *keys;
  GMutex auth_lock;           /* auth and sframe_elements: receivers are added from streaming threads */
  CvFrameAuth *auth;
  GPtrArray *sframe_elements;  /* every cvsframeenc/cvsframedec, for "auth" */
  CvMediaDevices *devices;
  GMainContext *context;

  /* Configuration */
  gboolean e2ee;
  gboolean send_video, send_audio, force_test_media, test_media;
  char *speaker;
  char *camera, *microphone, *label;
  char *relay_host;
  guint16 relay_port;
  char *srtp_cipher, *srtp_auth;
  GBytes *send_key, *recv_key;
  guint32 ssrc_base;

  /* Running */
  GstElement *pipeline;
  GstElement *rtpbin;
  GstElement *video_encoder;
  GstElement *video_source;
  GstElement *video_gate;     /* valve after the encoder */
  GstElement *mute_valve;
  GstElement *mixer;
  GstElement *hello;          /* appsrc of our RTCP hellos */
  GSource *hello_timer;
  gint rtcp_started;          /* atomically: rtpbin sent its first report */
  gboolean audio_muted, video_enabled;
  gboolean has_speaker;
  CvRemoteStream *self_view;
  CvRemoteStream *self_audio;
  GMutex receivers_lock;
  GHashTable *receivers;      /* SSRC → CvRemoteStream, streams built so far */
  GMutex play_lock;           /* the mix's figures, written on its streaming thread */
  guint64 played_samples;
  double played_level;
  GSocket *socket;
  guint bus_watch;
  CvMediaPipelineState state;
  GListStore *remote_streams;
};

G_DEFINE_FINAL_TYPE (CvMediaPipeline, cv_media_pipeline, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

enum {
  SIGNAL_ERROR,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- configuration ---- */

/* g_set_str() arrives in GLib 2.76; Debian 12 has 2.74. */
static void
set_str (char       **field,
         const char  *value)
{
  if (*field != value)
    {
      g_free (*field);
      *field = g_strdup (value);
    }
}

void
cv_media_pipeline_set_local_media (CvMediaPipeline *self,
                                   gboolean         send_video,
                                   gboolean         send_audio,
                                   const char      *camera,
                                   const char      *microphone,
                                   const char      *label)
{
  g_return_if_fail (CV_IS_MEDIA_PIPELINE (self));

  self->send_video = send_video;
  self->send_audio = send_audio;
  set_str (&self->camera, camera);
  set_str (&self->microphone, microphone);
  set_str (&self->label, label);
}

void
cv_media_pipeline_set_test_media (CvMediaPipeline *self,
                                  gboolean         test_media)
{
  self->force_test_media = test_media;
}

void
cv_media_pipeline_set_e2ee (CvMediaPipeline *self,
                            gboolean         e2ee)
{
  g_return_if_fail (CV_IS_MEDIA_PIPELINE (self));
  /* Switching a running pipeline would leave the elements in the old mode. */
  g_return_if_fail (self->pipeline == NULL);

  self->e2ee = !!e2ee;
}

gboolean
cv_media_pipeline_get_e2ee (CvMediaPipeline *self)
{
  return self->e2ee;
}

void
cv_media_pipeline_set_speaker (CvMediaPipeline *self,
                               const char      *device_name)
{
  g_return_if_fail (CV_IS_MEDIA_PIPELINE (self));

  set_str (&self->speaker, device_name);
}

gboolean
cv_media_pipeline_has_speaker (CvMediaPipeline *self)
{
  return self->has_speaker;
}

guint64
cv_media_pipeline_get_played_samples (CvMediaPipeline *self)
{
  guint64 samples;

  g_mutex_lock (&self->play_lock);
  samples = self->played_samples;
  g_mutex_unlock (&self->play_lock);
  return samples;
}

double
cv_media_pipeline_get_played_level (CvMediaPipeline *self)
{
  double level;

  g_mutex_lock (&self->play_lock);
  level = self->played_level;
  g_mutex_unlock (&self->play_lock);
  return level;
}

CvRemoteStream *
cv_media_pipeline_get_self_view (CvMediaPipeline *self)
{
  return self->self_view;
}

CvRemoteStream *
cv_media_pipeline_get_self_audio (CvMediaPipeline *self)
{
  return self->self_audio;
}

gboolean
cv_media_pipeline_is_test_media (CvMediaPipeline *self)
{
  return self->test_media;
}

static void
wipe_free (gpointer data)
{
  /* GBytes does not know its length here: the block starts with it. */
  gsize *block = data;

  OPENSSL_cleanse (block, sizeof (gsize) + block[0]);
  g_free (block);
}

/* A GBytes whose memory is wiped when the last reference goes. */
static GBytes *
secret_bytes_new (const guint8 *a, gsize a_len, const guint8 *b, gsize b_len)
{
  gsize *block = g_malloc (sizeof (gsize) + a_len + b_len);
  guint8 *data = (guint8 *) (block + 1);

  block[0] = a_len + b_len;
  memcpy (data, a, a_len);
  memcpy (data + a_len, b, b_len);
  return g_bytes_new_with_free_func (data, a_len + b_len, wipe_free, block);
}

/* The SRTP master key || salt for one direction, from key material laid out
 * as client key | server key | client salt | server salt (RFC 5764 §4.2). */
static GBytes *
srtp_master (const guint8 *material,
             gsize         key_len,
             gsize         salt_len,
             gboolean      client)
{
  return secret_bytes_new (material + (client ? 0 : key_len), key_len,
                           material + 2 * key_len + (client ? 0 : salt_len), salt_len);
}

gboolean
cv_media_pipeline_set_transport (CvMediaPipeline  *self,
                                 const char       *relay_host,
                                 guint16           relay_port,
                                 const char       *srtp_profile,
                                 GBytes           *key_material,
                                 guint32           ssrc_base,
                                 GError          **error)
{
  gsize key_len, salt_len, len;
  const guint8 *material = g_bytes_get_data (key_material, &len);

  g_return_val_if_fail (CV_IS_MEDIA_PIPELINE (self), FALSE);

  if (g_strcmp0 (srtp_profile, "AEAD_AES_128_GCM") == 0)
    {
      key_len = 16, salt_len = 12;
      set_str (&self->srtp_cipher, "aes-128-gcm");
      set_str (&self->srtp_auth, "null");
    }
  else if (g_strcmp0 (srtp_profile, "AES_CM_128_HMAC_SHA1_80") == 0)
    {
      key_len = 16, salt_len = 14;
      set_str (&self->srtp_cipher, "aes-128-icm");
      set_str (&self->srtp_auth, "hmac-sha1-80");
    }
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "unsupported SRTP profile “%s”", srtp_profile);
      return FALSE;
    }
  if (len != 2 * (key_len + salt_len))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "SRTP key material is %zu bytes, %s needs %zu", len, srtp_profile,
                   2 * (key_len + salt_len));
      return FALSE;
    }

  g_clear_pointer (&self->send_key, g_bytes_unref);
  g_clear_pointer (&self->recv_key, g_bytes_unref);
  self->send_key = srtp_master (material, key_len, salt_len, TRUE);
  self->recv_key = srtp_master (material, key_len, salt_len, FALSE);
  set_str (&self->relay_host, relay_host);
  self->relay_port = relay_port;
  self->ssrc_base = ssrc_base;
  return TRUE;
}

guint32
cv_media_pipeline_get_ssrc (CvMediaPipeline *self,
                            CvMediaKind      kind)
{
  return self->ssrc_base + (kind == CV_MEDIA_KIND_VIDEO ? CV_MEDIA_SLOT_VIDEO : CV_MEDIA_SLOT_AUDIO);
}

GListModel *
cv_media_pipeline_get_remote_streams (CvMediaPipeline *self)
{
  return G_LIST_MODEL (self->remote_streams);
}

CvMediaPipelineState
cv_media_pipeline_get_state (CvMediaPipeline *self)
{
  return self->state;
}

static void
set_state (CvMediaPipeline      *self,
           CvMediaPipelineState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* ---- building ---- */

static GstElement *
make (const char  *factory,
      GError     **error)
{
  GstElement *element = gst_element_factory_make (factory, NULL);

  if (element == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                 "the GStreamer element “%s” is missing (is the plugin installed?)", factory);
  return element;
}

/* Adds a chain described by gst_parse syntax as a bin with ghost pads. */
static GstElement *
add_chain (CvMediaPipeline  *self,
           const char       *description,
           GError          **error)
{
  GstElement *bin = gst_parse_bin_from_description (description, TRUE, error);

  if (bin != NULL)
    gst_bin_add (GST_BIN (self->pipeline), bin);
  return bin;
}

/* A bin from a description whose last element is named "out", with only
 * that element's src pad ghosted: ghosting every unlinked pad would also
 * ghost textoverlay's text pad, which then waits for text that never comes. */
static GstElement *
source_bin (const char  *description,
            GError     **error)
{
  GstElement *bin = gst_parse_bin_from_description (description, FALSE, error);
  g_autoptr (GstElement) out = NULL;
  g_autoptr (GstPad) pad = NULL;

  if (bin == NULL)
    return NULL;
  out = gst_bin_get_by_name (GST_BIN (bin), "out");
  pad = gst_element_get_static_pad (out, "src");
  gst_element_add_pad (bin, gst_ghost_pad_new ("src", pad));
  return bin;
}

static GstElement *
local_source (CvMediaPipeline  *self,
              CvMediaKind       kind,
              GError          **error)
{
  GstElement *source = NULL;
  gboolean is_test = TRUE;

  if (!self->force_test_media)
    source = cv_media_devices_create_source (self->devices, kind,
                                             kind == CV_MEDIA_KIND_VIDEO ? self->camera : self->microphone,
                                             &is_test);
  if (source == NULL || is_test)
    {
      g_clear_object (&source);
      if (kind == CV_MEDIA_KIND_VIDEO)
        {
          g_autofree char *desc = g_strdup_printf (
            "videotestsrc is-live=true pattern=ball motion=sweep background-color=0xff204a87 "
            "! video/x-raw,width=640,height=360,framerate=24/1 "
            "! textoverlay name=out text=\"%s\" font-desc=\"Sans Bold 36\" valignment=center halignment=center",
            self->label ? self->label : "");
          source = source_bin (desc, error);
        }
      else
        {
          source = source_bin ("audiotestsrc name=out is-live=true wave=sine freq=440 volume=0.3", error);
        }
      self->test_media = TRUE;
    }
  if (source != NULL)
    gst_bin_add (GST_BIN (self->pipeline), source);
  return source;
}

/* The self view and the self audio: our own media into a CvRemoteStream. */
static GstFlowReturn
self_sample_cb (GstAppSink *sink,
                gpointer    user_data)
{
  CvRemoteStream *stream = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);

  if (sample == NULL)
    return GST_FLOW_EOS;
  cv_remote_stream_push_sample (stream, sample, -1, 0);
  return GST_FLOW_OK;
}

/* At most SELF_VIEW_FPS frames a second reach the self view, by the wall
 * clock (a restarted or late source's timestamps do not matter), before
 * anything is scaled. */
#define SELF_VIEW_FPS 15

static GstPadProbeReturn
self_view_throttle_cb (GstPad          *pad,
                       GstPadProbeInfo *info,
                       gpointer         user_data)
{
  gint64 *next_us = user_data; /* only the queue's streaming thread touches it */
  gint64 now = g_get_monotonic_time ();

  if (now < *next_us)
    return GST_PAD_PROBE_DROP;
  /* The next slot, not now + period, so a 24 fps source gives 15, not 12;
   * never a slot in the past, so a pause does not allow a burst. */
  *next_us = MAX (*next_us + G_USEC_PER_SEC / SELF_VIEW_FPS, now);
  return GST_PAD_PROBE_OK;
}

/* Stops the video source (a camera is released: its element goes to NULL)
 * or starts it again with the pipeline. */
static void
apply_video_enabled (CvMediaPipeline *self)
{
  if (self->video_source == NULL)
    return;
  g_object_set (self->video_gate, "drop", !self->video_enabled, NULL);
  if (!self->video_enabled)
    {
      GstStateChangeReturn ret;

      gst_element_set_locked_state (self->video_source, TRUE);
      ret = gst_element_set_state (self->video_source, GST_STATE_NULL);
      GST_INFO_OBJECT (self->video_source, "video off: %s", gst_element_state_change_return_get_name (ret));
    }
  else if (gst_element_is_locked_state (self->video_source))
    {
      gst_element_set_locked_state (self->video_source, FALSE);
      gst_element_sync_state_with_parent (self->video_source);
    }
}

static gboolean
build_sender (CvMediaPipeline  *self,
              CvMediaKind       kind,
              GstElement       *funnel,
              GError          **error)
{
  gboolean video = kind == CV_MEDIA_KIND_VIDEO;
  GstElement *source, *chain;
  g_autofree char *desc = NULL;
  g_autoptr (GstElement) enc = NULL, pay = NULL;

  source = local_source (self, kind, error);
  if (source == NULL)
    return FALSE;

  /* The self view branches off before scaling for the encoder; its queue
   * leaks so that a slow UI never holds the camera back. videorate only
   * drops (a faster camera): made to fill gaps it would encode a duplicate
   * for every frame missed while video was off, stalling the camera behind
   * them. The gate after the encoder drops what is still being encoded when
   * video is turned off. */
  if (video)
    desc = g_strdup_printf (
      "tee name=split "
      "! queue max-size-buffers=2 leaky=downstream "
      "! videoconvert ! videoscale ! videorate drop-only=true "
      "! video/x-raw,format=I420,width=640,height=360,framerate=24/1 "
      /* One thread: at 640×360 a second one only adds CPU (0.54 s against
       * 0.42 s for 240 frames here), and its workers spin on a busy machine. */
      "! vp8enc name=encoder deadline=1 cpu-used=8 threads=1 lag-in-frames=0 error-resilient=default "
      "  end-usage=cbr target-bitrate=800000 keyframe-max-dist=240 "
      "! valve name=gate drop=%s "
      "! cvsframeenc name=enc e2ee=%s context=%d ! cvsframepay name=pay pt=%d ssrc=%u "
      "split. ! queue name=selfq max-size-buffers=1 leaky=downstream "
      "! videoscale ! videoconvert ! video/x-raw,format=RGBA,width=320,pixel-aspect-ratio=1/1 "
      "! appsink name=selfview sync=false max-buffers=1 drop=true",
      self->video_enabled ? "false" : "true", self->e2ee ? "true" : "false", CV_MEDIA_CONTEXT_VIDEO,
      self->e2ee ? CV_MEDIA_PT_VIDEO : CV_MEDIA_PT_VIDEO_PLAIN, cv_media_pipeline_get_ssrc (self, kind));
  else
    desc = g_strdup_printf (
      "audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=1 "
      "! level audio-level-meta=true interval=20000000 post-messages=false "
      "! valve name=mute drop=%s ! tee name=mic "
      "! opusenc frame-size=20 bitrate=32000 "
      "! cvsframeenc name=enc e2ee=%s context=%d ! cvsframepay name=pay pt=%d ssrc=%u "
      /* After the valve: muted, the recording hears nothing of us either.
       * The leaky queue keeps the encoder from ever waiting for it. */
      "mic. ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=200000000 leaky=downstream "
      "! audioconvert ! audio/x-raw,format=F32LE ! appsink name=selfaudio sync=false",
      self->audio_muted ? "true" : "false", self->e2ee ? "true" : "false", CV_MEDIA_CONTEXT_AUDIO,
      self->e2ee ? CV_MEDIA_PT_AUDIO : CV_MEDIA_PT_AUDIO_PLAIN, cv_media_pipeline_get_ssrc (self, kind));

  chain = add_chain (self, desc, error);
  if (chain == NULL)
    return FALSE;
  enc = gst_bin_get_by_name (GST_BIN (chain), "enc");
  g_object_set (enc, "keys", self->keys, "auth", self->auth, NULL);
  g_ptr_array_add (self->sframe_elements, gst_object_ref (enc));
  if (video)
    {
      GstAppSinkCallbacks callbacks = { .new_sample = self_sample_cb };
      g_autoptr (GstElement) self_view_sink = gst_bin_get_by_name (GST_BIN (chain), "selfview");
      g_autoptr (GstElement) self_view_queue = gst_bin_get_by_name (GST_BIN (chain), "selfq");
      g_autoptr (GstPad) throttled = gst_element_get_static_pad (self_view_queue, "src");

      gst_pad_add_probe (throttled, GST_PAD_PROBE_TYPE_BUFFER, self_view_throttle_cb,
                         g_new0 (gint64, 1), g_free);

      self->video_encoder = gst_bin_get_by_name (GST_BIN (chain), "encoder");
      gst_app_sink_set_callbacks (GST_APP_SINK (self_view_sink), &callbacks,
                                  g_object_ref (self->self_view), g_object_unref);
      self->video_source = gst_object_ref (source);
      self->video_gate = gst_bin_get_by_name (GST_BIN (chain), "gate");
    }
  else
    {
      GstAppSinkCallbacks callbacks = { .new_sample = self_sample_cb };
      g_autoptr (GstElement) self_audio_sink = gst_bin_get_by_name (GST_BIN (chain), "selfaudio");

      gst_app_sink_set_callbacks (GST_APP_SINK (self_audio_sink), &callbacks,
                                  g_object_ref (self->self_audio), g_object_unref);
      self->mute_valve = gst_bin_get_by_name (GST_BIN (chain), "mute");
    }

  if (!gst_element_link (source, chain) || !gst_element_link (chain, funnel))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot link the %s sender",
                   video ? "video" : "audio");
      return FALSE;
    }
  return TRUE;
}

static GstCaps *
request_pt_map_cb (GstElement *rtpbin,
                   guint       session,
                   guint       pt,
                   gpointer    user_data)
{
  CvMediaPipeline *self = user_data;

  /* Only the payload types of our own mode have caps: rtpbin's jitter
   * buffer drops packets of any other type, so an E2EE meeting never
   * decodes a plain frame and a standard one never feeds ciphertext to a
   * decoder. */
  if (pt != (self->e2ee ? CV_MEDIA_PT_VIDEO : CV_MEDIA_PT_VIDEO_PLAIN)
      && pt != (self->e2ee ? CV_MEDIA_PT_AUDIO : CV_MEDIA_PT_AUDIO_PLAIN))
    return NULL;
  if (pt == CV_MEDIA_PT_VIDEO || pt == CV_MEDIA_PT_VIDEO_PLAIN)
    return gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "video",
                                "clock-rate", G_TYPE_INT, 90000,
                                "encoding-name", G_TYPE_STRING, "X-SFRAME",
                                "rtcp-fb-nack-pli", G_TYPE_BOOLEAN, TRUE,
                                "rtcp-fb-nack", G_TYPE_BOOLEAN, TRUE, NULL);
  return gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "audio",
                              "clock-rate", G_TYPE_INT, 48000,
                              "encoding-name", G_TYPE_STRING, "X-SFRAME", NULL);
}

static GstCaps *
srtp_request_key_cb (GstElement *srtpdec,
                     guint       ssrc,
                     gpointer    user_data)
{
  CvMediaPipeline *self = user_data;
  gsize len;
  const guint8 *key = g_bytes_get_data (self->recv_key, &len);
  g_autoptr (GstBuffer) buf = gst_buffer_new_memdup (key, len);

  /* Every stream from the relay is protected with the relay's key for us. */
  return gst_caps_new_simple ("application/x-srtp",
                              "srtp-key", GST_TYPE_BUFFER, buf,
                              "srtp-cipher", G_TYPE_STRING, self->srtp_cipher,
                              "srtp-auth", G_TYPE_STRING, self->srtp_auth,
                              "srtcp-cipher", G_TYPE_STRING, self->srtp_cipher,
                              "srtcp-auth", G_TYPE_STRING, self->srtp_auth, NULL);
}

typedef struct {
  CvMediaPipeline *self;
  CvRemoteStream *stream;
  GstElement *decrypter;
} ReceiverData;

static void
receiver_data_free (gpointer data)
{
  ReceiverData *rd = data;

  g_object_unref (rd->stream);
  gst_object_unref (rd->decrypter);
  g_free (rd);
}

static GstFlowReturn
new_sample_cb (GstAppSink *sink,
               gpointer    user_data)
{
  ReceiverData *rd = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  gint64 sender = -1;
  guint64 dropped = 0;

  if (sample == NULL)
    return GST_FLOW_EOS;
  g_object_get (rd->decrypter, "last-sender", &sender, "dropped", &dropped, NULL);
  cv_remote_stream_push_sample (rd->stream, sample, sender, dropped);
  return GST_FLOW_OK;
}

typedef struct {
  CvMediaPipeline *self;
  CvRemoteStream *stream;
} NewStream;

static void
new_stream_free (gpointer data)
{
  NewStream *ns = data;

  g_object_unref (ns->self);
  g_object_unref (ns->stream);
  g_free (ns);
}

static gboolean
append_stream_cb (gpointer user_data)
{
  NewStream *ns = user_data;
  gboolean current;

  /* Not if the pipeline stopped in between. */
  g_mutex_lock (&ns->self->receivers_lock);
  current = g_hash_table_lookup (ns->self->receivers, GUINT_TO_POINTER (cv_remote_stream_get_ssrc (ns->stream)))
            == ns->stream;
  g_mutex_unlock (&ns->self->receivers_lock);
  if (current)
    g_list_store_append (ns->self->remote_streams, ns->stream);
  return G_SOURCE_REMOVE;
}

/* One receiving chain for a stream rtpbin found: decrypted (or passed, in a
 * standard meeting), decoded, handed to its CvRemoteStream; audio also goes
 * to the mixer. An SSRC keeps its CvRemoteStream should rtpbin make a
 * second pad for it, so the UI never shows one sender twice. */
static void
rtpbin_pad_added_cb (GstElement *rtpbin,
                     GstPad     *pad,
                     gpointer    user_data)
{
  CvMediaPipeline *self = user_data;
  g_autofree char *name = gst_pad_get_name (pad);
  g_autoptr (GError) error = NULL;
  guint session, ssrc, pt;
  gboolean video, is_new;
  const char *e2ee = self->e2ee ? "true" : "false";
  g_autofree char *desc = NULL;
  GstElement *chain;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstPad) sinkpad = NULL;
  CvRemoteStream *stream;
  ReceiverData *rd;
  GstAppSinkCallbacks callbacks = { .new_sample = new_sample_cb };

  if (sscanf (name, "recv_rtp_src_%u_%u_%u", &session, &ssrc, &pt) != 3)
    return;
  video = pt == (self->e2ee ? CV_MEDIA_PT_VIDEO : CV_MEDIA_PT_VIDEO_PLAIN);
  if (!video && pt != (self->e2ee ? CV_MEDIA_PT_AUDIO : CV_MEDIA_PT_AUDIO_PLAIN))
    return;

  if (video)
    desc = g_strdup_printf ("cvsframedepay ! cvsframedec name=dec e2ee=%s caps=video/x-vp8 "
                            "! vp8dec ! videoconvert ! video/x-raw,format=RGBA "
                            "! appsink name=sink sync=false max-buffers=2 drop=true", e2ee);
  else
    /* The level is measured on what the stream decodes (appsink); the
     * mixer's branch leaks rather than hold the stream back. */
    desc = g_strdup_printf ("cvsframedepay ! cvsframedec name=dec e2ee=%s "
                            "caps=audio/x-opus,channel-mapping-family=0 "
                            "! opusdec ! audioconvert ! audioresample "
                            "! audio/x-raw,format=F32LE,rate=48000,channels=1 ! tee name=split "
                            "! queue max-size-buffers=4 leaky=downstream "
                            "! appsink name=sink sync=false max-buffers=4 drop=true "
                            "split. ! queue max-size-time=200000000 leaky=downstream", e2ee);

  chain = gst_parse_bin_from_description (desc, TRUE, &error);
  if (chain == NULL)
    {
      GST_ERROR_OBJECT (rtpbin, "cannot build receiver for SSRC %u: %s", ssrc, error->message);
      return;
    }

  g_mutex_lock (&self->receivers_lock);
  stream = g_hash_table_lookup (self->receivers, GUINT_TO_POINTER (ssrc));
  is_new = stream == NULL;
  if (is_new)
    {
      stream = cv_remote_stream_new (ssrc, video ? CV_MEDIA_KIND_VIDEO : CV_MEDIA_KIND_AUDIO);
      g_hash_table_insert (self->receivers, GUINT_TO_POINTER (ssrc), stream);
    }
  g_mutex_unlock (&self->receivers_lock);
  if (!is_new)
    GST_WARNING_OBJECT (rtpbin, "SSRC %u: another pad (%s); the stream keeps its object", ssrc, name);

  rd = g_new0 (ReceiverData, 1);
  rd->self = self;
  rd->stream = g_object_ref (stream);
  rd->decrypter = gst_bin_get_by_name (GST_BIN (chain), "dec");
  g_object_set (rd->decrypter, "keys", self->keys, NULL);
  g_mutex_lock (&self->auth_lock);
  g_object_set (rd->decrypter, "auth", self->auth, NULL);
  g_ptr_array_add (self->sframe_elements, gst_object_ref (rd->decrypter));
  g_mutex_unlock (&self->auth_lock);
  sink = gst_bin_get_by_name (GST_BIN (chain), "sink");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, rd, receiver_data_free);

  gst_bin_add (GST_BIN (self->pipeline), chain);
  sinkpad = gst_element_get_static_pad (chain, "sink");
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK)
    GST_ERROR_OBJECT (rtpbin, "cannot link receiver for SSRC %u", ssrc);
  if (!video && !gst_element_link_pads (chain, "src", self->mixer, "sink_%u"))
    GST_ERROR_OBJECT (rtpbin, "cannot mix the audio of SSRC %u", ssrc);
  gst_element_sync_state_with_parent (chain);

  if (is_new)
    {
      NewStream *ns = g_new (NewStream, 1);

      ns->self = g_object_ref (self);
      ns->stream = g_object_ref (stream);
      g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, append_stream_cb, ns, new_stream_free);
    }
}

static gboolean
bus_cb (GstBus     *bus,
        GstMessage *message,
        gpointer    user_data)
{
  CvMediaPipeline *self = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *debug = NULL;

      gst_message_parse_error (message, &error, &debug);
      GST_WARNING_OBJECT (self->pipeline, "%s (%s)", error->message, debug);
      set_state (self, CV_MEDIA_PIPELINE_FAILED);
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
    }
  return G_SOURCE_CONTINUE;
}

static GstPadProbeReturn
mix_probe_cb (GstPad          *pad,
              GstPadProbeInfo *info,
              gpointer         user_data)
{
  CvMediaPipeline *self = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;
  double sum = 0;
  gsize n;

  /* The mix is F32 mono (the caps after the mixer). */
  if (buf == NULL || !gst_buffer_map (buf, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  n = map.size / sizeof (float);
  for (gsize i = 0; i < n; i++)
    sum += fabs (((const float *) map.data)[i]);
  gst_buffer_unmap (buf, &map);

  g_mutex_lock (&self->play_lock);
  self->played_samples += n;
  self->played_level = n ? sum / n : 0;
  g_mutex_unlock (&self->play_lock);
  return GST_PAD_PROBE_OK;
}

/* The speaker the user chose, or the default output; NULL when there is no
 * audio output. Without any output device listed autoaudiosink is not even
 * tried: it would probe every audio system (noisily) and settle on a
 * fakesink of its own. */
static GstElement *
speaker_sink (CvMediaPipeline *self)
{
  GList *speakers = cv_media_devices_list_speakers (self->devices);
  GstElement *sink = NULL;

  if (speakers != NULL)
    {
      sink = cv_media_devices_create_speaker (self->devices, self->speaker);
      if (sink == NULL)
        sink = gst_element_factory_make ("autoaudiosink", NULL);
    }
  g_list_free_full (speakers, gst_object_unref);
  if (sink != NULL && gst_element_set_state (sink, GST_STATE_READY) == GST_STATE_CHANGE_FAILURE)
    {
      gst_element_set_state (sink, GST_STATE_NULL);
      g_clear_object (&sink);
    }
  return sink;
}

/* How late the mixer mixes (jitter buffer, decoding and some slack), and
 * how late the speaker plays, in running time. The speaker's latency is set,
 * not queried: the sending side's live sources and RTCP make GStreamer's
 * latency query fail ("minimum latency bigger than maximum latency" at the
 * funnel before udpsink), which would leave a syncing speaker at 0 and
 * every mixed buffer late. */
#define MIX_LATENCY ((guint64) 200 * GST_MSECOND)
#define PLAYBACK_LATENCY (MIX_LATENCY + 50 * GST_MSECOND)

/* Remote audio: every received audio stream joins the mixer, whose mix goes
 * to the speaker. A live silent input keeps the mixer running (and its
 * output negotiated) while nobody speaks or before anyone joins. */
static gboolean
build_playback (CvMediaPipeline  *self,
                GError          **error)
{
  static gsize logged_no_output;
  GstElement *silence, *silence_caps, *mix_caps, *convert, *resample, *sink;
  g_autoptr (GstCaps) mono = gst_caps_from_string ("audio/x-raw,format=F32LE,layout=interleaved,"
                                                   "rate=48000,channels=1");
  g_autoptr (GstPad) probe_pad = NULL;

  silence = make ("audiotestsrc", error);
  silence_caps = make ("capsfilter", error);
  self->mixer = make ("audiomixer", error);
  mix_caps = make ("capsfilter", error);
  convert = make ("audioconvert", error);
  resample = make ("audioresample", error);
  if (!silence || !silence_caps || !self->mixer || !mix_caps || !convert || !resample)
    return FALSE;

  sink = speaker_sink (self);
  self->has_speaker = sink != NULL;
  if (sink == NULL)
    {
      if (g_once_init_enter (&logged_no_output))
        {
          g_message ("No audio output found: remote audio is decoded but not played");
          g_once_init_leave (&logged_no_output, 1);
        }
      sink = make ("fakesink", error);
      if (sink == NULL)
        return FALSE;
      g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
    }

  g_object_set (silence, "is-live", TRUE, "wave", 4 /* silence */, NULL);
  g_object_set (silence_caps, "caps", mono, NULL);
  g_object_set (mix_caps, "caps", mono, NULL);
  /* Streams come out of the jitter buffer 100 ms late and join after the
   * mixer started: leave them room so their audio is not dropped as late. */
  g_object_set (self->mixer, "min-upstream-latency", MIX_LATENCY, NULL);
  gst_bin_add_many (GST_BIN (self->pipeline), silence, silence_caps, self->mixer, mix_caps, convert,
                    resample, sink, NULL);
  if (!gst_element_link_many (silence, silence_caps, self->mixer, mix_caps, convert, resample, sink, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot link the audio playback");
      return FALSE;
    }
  probe_pad = gst_element_get_static_pad (mix_caps, "src");
  gst_pad_add_probe (probe_pad, GST_PAD_PROBE_TYPE_BUFFER, mix_probe_cb, self, NULL);
  return TRUE;
}

/* rtpbin sends no RTCP before it sent RTP (its RTCP thread waits for the
 * first packet out), and the relay sends nothing to an address it has not
 * learnt from an authenticated packet. So a participant that sends no media
 * yet (no keys yet, receive-only, muted with video off) would receive
 * nothing: until rtpbin's own reports start, we say hello with an empty
 * receiver report from ssrc_base + 3 every second. */
static GstPadProbeReturn
rtcp_sent_cb (GstPad          *pad,
              GstPadProbeInfo *info,
              gpointer         user_data)
{
  CvMediaPipeline *self = user_data;

  g_atomic_int_set (&self->rtcp_started, TRUE);
  return GST_PAD_PROBE_REMOVE;
}

static gboolean
hello_cb (gpointer user_data)
{
  CvMediaPipeline *self = user_data;
  guint8 rr[8] = { 0x80, 201 /* RR */, 0, 1 /* length in words - 1 */ };
  guint32 ssrc = g_htonl (self->ssrc_base + CV_MEDIA_SLOT_RTCP);

  if (self->hello == NULL || g_atomic_int_get (&self->rtcp_started))
    return G_SOURCE_CONTINUE; /* idle until teardown removes it */
  memcpy (rr + 4, &ssrc, 4);
  gst_app_src_push_buffer (GST_APP_SRC (self->hello), gst_buffer_new_memdup (rr, sizeof rr));
  return G_SOURCE_CONTINUE;
}

static gboolean
build (CvMediaPipeline  *self,
       GError          **error)
{
  GstElement *funnel, *srtpenc, *srtpdec, *udpsrc, *udpsink, *out_funnel, *rtcp_funnel;
  g_autoptr (GstCaps) rtcp_caps = gst_caps_new_empty_simple ("application/x-rtcp");
  g_autoptr (GstPad) rtcp_pad = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  g_autoptr (GInetAddress) any = NULL;
  g_autoptr (GstBuffer) send_key = NULL;
  g_autoptr (GstCaps) srtp_caps = NULL;
  g_autoptr (GstBus) bus = NULL;
  GResolver *resolver = g_resolver_get_default ();
  g_autolist (GInetAddress) addresses = NULL;
  GSocketFamily family;
  gsize key_len;
  const guint8 *key;
  GObject *session = NULL;

  addresses = g_resolver_lookup_by_name (resolver, self->relay_host, NULL, error);
  g_object_unref (resolver);
  if (addresses == NULL)
    return FALSE;
  family = g_inet_address_get_family (addresses->data);

  self->socket = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
  if (self->socket == NULL)
    return FALSE;
  any = g_inet_address_new_any (family);
  local = g_inet_socket_address_new (any, 0);
  if (!g_socket_bind (self->socket, local, TRUE, error))
    return FALSE;

  self->pipeline = gst_pipeline_new ("conclave-media");
  gst_pipeline_set_latency (GST_PIPELINE (self->pipeline), PLAYBACK_LATENCY);
  self->rtpbin = make ("rtpbin", error);
  funnel = make ("rtpfunnel", error);
  srtpenc = make ("srtpenc", error);
  srtpdec = make ("srtpdec", error);
  udpsrc = make ("udpsrc", error);
  udpsink = make ("udpsink", error);
  out_funnel = make ("funnel", error);
  rtcp_funnel = make ("funnel", error);
  self->hello = make ("appsrc", error);
  if (!self->rtpbin || !funnel || !srtpenc || !srtpdec || !udpsrc || !udpsink || !out_funnel || !rtcp_funnel
      || !self->hello)
    return FALSE;
  gst_bin_add_many (GST_BIN (self->pipeline), self->rtpbin, funnel, srtpenc, srtpdec, udpsrc,
                    udpsink, out_funnel, rtcp_funnel, self->hello, NULL);
  g_object_set (self->hello, "caps", rtcp_caps, "is-live", TRUE, "format", GST_FORMAT_TIME,
                "do-timestamp", TRUE, NULL);

  /* autoremove stays off: when a stream pauses (muted audio, video off)
   * long enough for its source to time out, rtpbin's clear-ssrc removes the
   * SSRC from its demuxer before removing its pads, and a packet arriving in
   * between makes a second pad of the same name ("Padname src_N is not
   * unique in element rtpssrcdemux0", GStreamer 1.22): that stream's chain
   * then never links. SSRCs are never reused within a meeting, so a pause
   * simply keeps the chain until the pipeline stops. */
  g_object_set (self->rtpbin, "latency", 100, "do-retransmission", TRUE, "rtp-profile", 3 /* AVPF */,
                "autoremove", FALSE, NULL);
  g_signal_connect (self->rtpbin, "request-pt-map", G_CALLBACK (request_pt_map_cb), self);
  g_signal_connect (self->rtpbin, "pad-added", G_CALLBACK (rtpbin_pad_added_cb), self);

  key = g_bytes_get_data (self->send_key, &key_len);
  send_key = gst_buffer_new_memdup (key, key_len);
  gst_util_set_object_arg (G_OBJECT (srtpenc), "rtp-cipher", self->srtp_cipher);
  gst_util_set_object_arg (G_OBJECT (srtpenc), "rtp-auth", self->srtp_auth);
  gst_util_set_object_arg (G_OBJECT (srtpenc), "rtcp-cipher", self->srtp_cipher);
  gst_util_set_object_arg (G_OBJECT (srtpenc), "rtcp-auth", self->srtp_auth);
  g_object_set (srtpenc, "key", send_key, NULL);
  g_signal_connect (srtpdec, "request-key", G_CALLBACK (srtp_request_key_cb), self);

  srtp_caps = gst_caps_new_empty_simple ("application/x-srtp");
  g_object_set (udpsrc, "socket", self->socket, "close-socket", FALSE, "caps", srtp_caps, NULL);
  g_object_set (udpsink, "socket", self->socket, "close-socket", FALSE, "host", self->relay_host,
                "port", self->relay_port, "sync", FALSE, "async", FALSE, NULL);

  if (!build_playback (self, error))
    return FALSE;

  /* Sending: streams → rtpfunnel → rtpbin → srtpenc → funnel → udpsink */
  if (self->send_video && !build_sender (self, CV_MEDIA_KIND_VIDEO, funnel, error))
    return FALSE;
  if (self->send_audio && !build_sender (self, CV_MEDIA_KIND_AUDIO, funnel, error))
    return FALSE;
  if (!gst_element_link_pads (funnel, "src", self->rtpbin, "send_rtp_sink_0")
      || !gst_element_link_pads (self->rtpbin, "send_rtp_src_0", srtpenc, "rtp_sink_0")
      || !gst_element_link_pads (self->rtpbin, "send_rtcp_src_0", rtcp_funnel, "sink_%u")
      || !gst_element_link_pads (self->hello, "src", rtcp_funnel, "sink_%u")
      || !gst_element_link_pads (rtcp_funnel, "src", srtpenc, "rtcp_sink_0")
      || !gst_element_link_pads (srtpenc, "rtp_src_0", out_funnel, "sink_%u")
      || !gst_element_link_pads (srtpenc, "rtcp_src_0", out_funnel, "sink_%u")
      || !gst_element_link (out_funnel, udpsink))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot link the sending side");
      return FALSE;
    }

  /* Receiving: udpsrc → srtpdec (RTP and muxed RTCP) → rtpbin → per-SSRC chains */
  if (!gst_element_link_pads (udpsrc, "src", srtpdec, "rtp_sink")
      || !gst_element_link_pads (srtpdec, "rtp_src", self->rtpbin, "recv_rtp_sink_0")
      || !gst_element_link_pads (srtpdec, "rtcp_src", self->rtpbin, "recv_rtcp_sink_0"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot link the receiving side");
      return FALSE;
    }

  /* Our receiver reports and feedback leave from ssrc_base + 3, inside our
   * range: the relay drops RTCP from any other SSRC, and learns from this
   * one where to send before we send media (a receive-only participant, or
   * one whose keys are not there yet). */
  g_signal_emit_by_name (self->rtpbin, "get-internal-session", 0, &session);
  if (session != NULL)
    {
      g_object_set (session, "internal-ssrc", self->ssrc_base + CV_MEDIA_SLOT_RTCP, NULL);
      g_object_unref (session);
    }

  rtcp_pad = gst_element_get_static_pad (self->rtpbin, "send_rtcp_src_0");
  gst_pad_add_probe (rtcp_pad, GST_PAD_PROBE_TYPE_BUFFER, rtcp_sent_cb, self, NULL);

  apply_video_enabled (self);

  bus = gst_element_get_bus (self->pipeline);
  self->bus_watch = gst_bus_add_watch (bus, bus_cb, self);
  return TRUE;
}

static void
teardown (CvMediaPipeline *self)
{
  if (self->pipeline != NULL)
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->hello_timer != NULL)
    g_source_destroy (self->hello_timer);
  g_clear_pointer (&self->hello_timer, g_source_unref);
  self->hello = NULL;
  self->rtcp_started = FALSE;
  gst_clear_object (&self->video_encoder);
  gst_clear_object (&self->video_source);
  gst_clear_object (&self->video_gate);
  gst_clear_object (&self->mute_valve);
  self->mixer = NULL;
  self->has_speaker = FALSE;
  g_mutex_lock (&self->receivers_lock);
  if (self->receivers != NULL)
    g_hash_table_remove_all (self->receivers);
  g_mutex_unlock (&self->receivers_lock);
  g_mutex_lock (&self->auth_lock);
  g_ptr_array_set_size (self->sframe_elements, 0);
  g_mutex_unlock (&self->auth_lock);
  gst_clear_object (&self->pipeline);
  self->rtpbin = NULL;
  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);
}

gboolean
cv_media_pipeline_start (CvMediaPipeline  *self,
                         GError          **error)
{
  g_return_val_if_fail (CV_IS_MEDIA_PIPELINE (self), FALSE);
  g_return_val_if_fail (self->pipeline == NULL, FALSE);

  if (self->send_key == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "no transport to the relay was set");
      return FALSE;
    }
  if (!build (self, error))
    {
      teardown (self);
      set_state (self, CV_MEDIA_PIPELINE_FAILED);
      return FALSE;
    }
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the media pipeline did not start");
      teardown (self);
      set_state (self, CV_MEDIA_PIPELINE_FAILED);
      return FALSE;
    }
  set_state (self, CV_MEDIA_PIPELINE_RUNNING);
  hello_cb (self);
  if (self->hello != NULL)
    {
      self->hello_timer = g_timeout_source_new_seconds (1);
      g_source_set_callback (self->hello_timer, hello_cb, self, NULL);
      g_source_attach (self->hello_timer, self->context);
    }
  return TRUE;
}

void
cv_media_pipeline_stop (CvMediaPipeline *self)
{
  g_return_if_fail (CV_IS_MEDIA_PIPELINE (self));

  teardown (self);
  g_list_store_remove_all (self->remote_streams);
  set_state (self, CV_MEDIA_PIPELINE_STOPPED);
}

void
cv_media_pipeline_set_auth (CvMediaPipeline *self,
                            CvFrameAuth     *auth)
{
  g_return_if_fail (CV_IS_MEDIA_PIPELINE (self));

  g_mutex_lock (&self->auth_lock);
  g_set_object (&self->auth, auth);
  for (guint i = 0; i < self->sframe_elements->len; i++)
    g_object_set (g_ptr_array_index (self->sframe_elements, i), "auth", auth, NULL);
  g_mutex_unlock (&self->auth_lock);
}

void
cv_media_pipeline_set_audio_muted (CvMediaPipeline *self,
                                   gboolean         muted)
{
  g_return_if_fail (CV_IS_MEDIA_PIPELINE (self));

  self->audio_muted = !!muted;
  if (self->mute_valve != NULL)
    g_object_set (self->mute_valve, "drop", self->audio_muted, NULL);
}

gboolean
cv_media_pipeline_get_audio_muted (CvMediaPipeline *self)
{
  return self->audio_muted;
}

void
cv_media_pipeline_set_video_enabled (CvMediaPipeline *self,
                                     gboolean         enabled)
{
  g_return_if_fail (CV_IS_MEDIA_PIPELINE (self));

  if (self->video_enabled == !!enabled)
    return;
  self->video_enabled = !!enabled;
  apply_video_enabled (self);
  /* Receivers' decoders start again clean. */
  if (enabled)
    cv_media_pipeline_request_keyframe (self);
}

gboolean
cv_media_pipeline_get_video_enabled (CvMediaPipeline *self)
{
  return self->video_enabled;
}

void
cv_media_pipeline_request_keyframe (CvMediaPipeline *self)
{
  g_autoptr (GstPad) pad = NULL;

  if (self->video_encoder == NULL)
    return;
  pad = gst_element_get_static_pad (self->video_encoder, "src");
  gst_pad_send_event (pad, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
}

/* ---- GObject ---- */

static void
cv_media_pipeline_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  CvMediaPipeline *self = CV_MEDIA_PIPELINE (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_media_pipeline_dispose (GObject *object)
{
  CvMediaPipeline *self = CV_MEDIA_PIPELINE (object);

  teardown (self);
  g_clear_object (&self->keys);
  g_clear_object (&self->auth);
  g_clear_pointer (&self->sframe_elements, g_ptr_array_unref);
  g_clear_object (&self->devices);
  g_clear_object (&self->remote_streams);
  g_clear_object (&self->self_view);
  g_clear_object (&self->self_audio);
  g_clear_pointer (&self->receivers, g_hash_table_unref);

  G_OBJECT_CLASS (cv_media_pipeline_parent_class)->dispose (object);
}

static void
cv_media_pipeline_finalize (GObject *object)
{
  CvMediaPipeline *self = CV_MEDIA_PIPELINE (object);

  g_free (self->camera);
  g_free (self->microphone);
  g_free (self->label);
  g_free (self->speaker);
  g_mutex_clear (&self->receivers_lock);
  g_mutex_clear (&self->play_lock);
  g_free (self->relay_host);
  g_free (self->srtp_cipher);
  g_free (self->srtp_auth);
  g_clear_pointer (&self->send_key, g_bytes_unref);
  g_clear_pointer (&self->recv_key, g_bytes_unref);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->auth_lock);

  G_OBJECT_CLASS (cv_media_pipeline_parent_class)->finalize (object);
}

static void
cv_media_pipeline_class_init (CvMediaPipelineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = cv_media_pipeline_get_property;
  object_class->dispose = cv_media_pipeline_dispose;
  object_class->finalize = cv_media_pipeline_finalize;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, CV_MEDIA_PIPELINE_STOPPED, CV_MEDIA_PIPELINE_FAILED,
                      CV_MEDIA_PIPELINE_STOPPED,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The pipeline failed; the GError says why. */
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);

  GST_DEBUG_CATEGORY_INIT (cv_media_pipeline_debug, "cvmediapipeline", 0, "Conclave media pipeline");
}

static void
cv_media_pipeline_init (CvMediaPipeline *self)
{
  self->e2ee = TRUE;
  self->video_enabled = TRUE;
  self->send_video = TRUE;
  self->send_audio = TRUE;
  self->self_view = cv_remote_stream_new (0, CV_MEDIA_KIND_VIDEO);
  self->self_audio = cv_remote_stream_new (0, CV_MEDIA_KIND_AUDIO);
  self->receivers = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  g_mutex_init (&self->receivers_lock);
  g_mutex_init (&self->play_lock);
  self->context = g_main_context_ref_thread_default ();
  self->remote_streams = g_list_store_new (CV_TYPE_REMOTE_STREAM);
  self->sframe_elements = g_ptr_array_new_with_free_func (gst_object_unref);
  g_mutex_init (&self->auth_lock);
}

CvMediaPipeline *
cv_media_pipeline_new (CvFrameKeys *keys)
{
  CvMediaPipeline *self;

  g_return_val_if_fail (CV_IS_FRAME_KEYS (keys), NULL);

  cv_media_plugin_register ();
  /* Every time: GLib's test framework resets the handler at each test case. */
  cv_gst_tolerate_known_criticals ();
  self = g_object_new (CV_TYPE_MEDIA_PIPELINE, NULL);
  self->keys = g_object_ref (keys);
  self->devices = cv_media_devices_new ();
  return self;
}

/* CvMediaPipeline: the GStreamer pipeline of one participant in a meeting.
 *
 *   camera ─ VP8 ─ cvsframeenc ─ cvsframepay ┐
 *   mic ─ level ─ Opus ─ cvsframeenc ─ pay ──┴ rtpfunnel ─ rtpbin ─ srtpenc ─┐
 *                                                                             udpsink ─▶ relay
 *   relay ─▶ udpsrc ─ srtpdec ─ rtpbin ─┬ (per SSRC) cvsframedepay ─ cvsframedec ─ VP8 ─ appsink
 *                                       └ (per SSRC) cvsframedepay ─ cvsframedec ─ Opus ─ appsink
 *
 * Everything the relay forwards is SFrame ciphertext; SRTP protects the hop.
 * Send and receive share one UDP socket, since the relay learns our address
 * from the packets we send. All streams share one RTP session (BUNDLE-like),
 * so RTCP feedback (PLI, NACK) flows per SSRC through rtpbin.
 */
#include "cv-media-pipeline.h"

#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

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
  gboolean send_video, send_audio, force_test_media, test_media;
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

  if (video)
    desc = g_strdup_printf (
      "videoconvert ! videoscale ! videorate ! video/x-raw,format=I420,width=640,height=360,framerate=24/1 "
      "! queue max-size-buffers=2 leaky=downstream "
      "! vp8enc name=encoder deadline=1 cpu-used=8 threads=2 lag-in-frames=0 error-resilient=default "
      "  end-usage=cbr target-bitrate=800000 keyframe-max-dist=240 "
      "! cvsframeenc name=enc context=%d ! cvsframepay name=pay pt=%d ssrc=%u",
      CV_MEDIA_CONTEXT_VIDEO, CV_MEDIA_PT_VIDEO, cv_media_pipeline_get_ssrc (self, kind));
  else
    desc = g_strdup_printf (
      "audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=1 "
      "! level audio-level-meta=true interval=20000000 post-messages=false "
      "! opusenc frame-size=20 bitrate=32000 "
      "! cvsframeenc name=enc context=%d ! cvsframepay name=pay pt=%d ssrc=%u",
      CV_MEDIA_CONTEXT_AUDIO, CV_MEDIA_PT_AUDIO, cv_media_pipeline_get_ssrc (self, kind));

  chain = add_chain (self, desc, error);
  if (chain == NULL)
    return FALSE;
  enc = gst_bin_get_by_name (GST_BIN (chain), "enc");
  g_object_set (enc, "keys", self->keys, "auth", self->auth, NULL);
  g_ptr_array_add (self->sframe_elements, gst_object_ref (enc));
  if (video)
    self->video_encoder = gst_bin_get_by_name (GST_BIN (chain), "encoder");

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
  if (pt == CV_MEDIA_PT_VIDEO)
    return gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "video",
                                "clock-rate", G_TYPE_INT, 90000,
                                "encoding-name", G_TYPE_STRING, "X-SFRAME",
                                "rtcp-fb-nack-pli", G_TYPE_BOOLEAN, TRUE,
                                "rtcp-fb-nack", G_TYPE_BOOLEAN, TRUE, NULL);
  if (pt == CV_MEDIA_PT_AUDIO)
    return gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "audio",
                                "clock-rate", G_TYPE_INT, 48000,
                                "encoding-name", G_TYPE_STRING, "X-SFRAME", NULL);
  return NULL;
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

static gboolean
append_stream_cb (gpointer user_data)
{
  ReceiverData *rd = user_data;

  g_list_store_append (rd->self->remote_streams, rd->stream);
  return G_SOURCE_REMOVE;
}

static void
rtpbin_pad_added_cb (GstElement *rtpbin,
                     GstPad     *pad,
                     gpointer    user_data)
{
  CvMediaPipeline *self = user_data;
  g_autofree char *name = gst_pad_get_name (pad);
  g_autoptr (GError) error = NULL;
  guint session, ssrc, pt;
  gboolean video;
  g_autofree char *desc = NULL;
  GstElement *chain;
  g_autoptr (GstElement) sink = NULL;
  g_autoptr (GstPad) sinkpad = NULL;
  ReceiverData *rd;
  GstAppSinkCallbacks callbacks = { .new_sample = new_sample_cb };

  if (sscanf (name, "recv_rtp_src_%u_%u_%u", &session, &ssrc, &pt) != 3)
    return;
  if (pt != CV_MEDIA_PT_VIDEO && pt != CV_MEDIA_PT_AUDIO)
    return;
  video = pt == CV_MEDIA_PT_VIDEO;

  if (video)
    desc = g_strdup ("cvsframedepay ! cvsframedec name=dec caps=video/x-vp8 "
                     "! vp8dec ! videoconvert ! video/x-raw,format=RGBA "
                     "! appsink name=sink sync=false max-buffers=2 drop=true");
  else
    /* Playback through the speaker is not wired yet: the stream is decoded
     * and measured (level, frames) but not played. */
    desc = g_strdup ("cvsframedepay ! cvsframedec name=dec caps=audio/x-opus,channel-mapping-family=0 "
                     "! opusdec ! audioconvert ! audio/x-raw,format=F32LE,channels=1 "
                     "! appsink name=sink sync=false max-buffers=4 drop=true");

  chain = gst_parse_bin_from_description (desc, TRUE, &error);
  if (chain == NULL)
    {
      GST_ERROR_OBJECT (rtpbin, "cannot build receiver for SSRC %u: %s", ssrc, error->message);
      return;
    }

  rd = g_new0 (ReceiverData, 1);
  rd->self = self;
  rd->stream = cv_remote_stream_new (ssrc, video ? CV_MEDIA_KIND_VIDEO : CV_MEDIA_KIND_AUDIO);
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
  gst_element_sync_state_with_parent (chain);

  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, append_stream_cb, rd, NULL);
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

static gboolean
build (CvMediaPipeline  *self,
       GError          **error)
{
  GstElement *funnel, *srtpenc, *srtpdec, *udpsrc, *udpsink, *out_funnel;
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
  self->rtpbin = make ("rtpbin", error);
  funnel = make ("rtpfunnel", error);
  srtpenc = make ("srtpenc", error);
  srtpdec = make ("srtpdec", error);
  udpsrc = make ("udpsrc", error);
  udpsink = make ("udpsink", error);
  out_funnel = make ("funnel", error);
  if (!self->rtpbin || !funnel || !srtpenc || !srtpdec || !udpsrc || !udpsink || !out_funnel)
    return FALSE;
  gst_bin_add_many (GST_BIN (self->pipeline), self->rtpbin, funnel, srtpenc, srtpdec, udpsrc,
                    udpsink, out_funnel, NULL);

  g_object_set (self->rtpbin, "latency", 100, "do-retransmission", TRUE, "rtp-profile", 3 /* AVPF */,
                "autoremove", TRUE, NULL);
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

  /* Sending: streams → rtpfunnel → rtpbin → srtpenc → funnel → udpsink */
  if (self->send_video && !build_sender (self, CV_MEDIA_KIND_VIDEO, funnel, error))
    return FALSE;
  if (self->send_audio && !build_sender (self, CV_MEDIA_KIND_AUDIO, funnel, error))
    return FALSE;
  if (!gst_element_link_pads (funnel, "src", self->rtpbin, "send_rtp_sink_0")
      || !gst_element_link_pads (self->rtpbin, "send_rtp_src_0", srtpenc, "rtp_sink_0")
      || !gst_element_link_pads (self->rtpbin, "send_rtcp_src_0", srtpenc, "rtcp_sink_0")
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
  gst_clear_object (&self->video_encoder);
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

  G_OBJECT_CLASS (cv_media_pipeline_parent_class)->dispose (object);
}

static void
cv_media_pipeline_finalize (GObject *object)
{
  CvMediaPipeline *self = CV_MEDIA_PIPELINE (object);

  g_free (self->camera);
  g_free (self->microphone);
  g_free (self->label);
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
  self->send_video = TRUE;
  self->send_audio = TRUE;
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
  self = g_object_new (CV_TYPE_MEDIA_PIPELINE, NULL);
  self->keys = g_object_ref (keys);
  self->devices = cv_media_devices_new ();
  return self;
}

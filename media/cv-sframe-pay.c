/* cvsframepay: RTP payload format for SFrame-protected frames.
 *
 * An encrypted frame is opaque, so codec payload formats (which read the
 * VP8 or Opus bitstream) cannot carry it. Each frame is cut into fragments
 * behind a one-byte descriptor (start, end, keyframe); the marker bit is set
 * on the last fragment. The only things the relay may read are header
 * extensions: the audio level (RFC 6464) and the keyframe marker.
 * docs/protocol.md "SFrame RTP payload" is the wire description.
 */
#include "cv-sframe-pay.h"

#include <gst/audio/audio.h>
#include <gst/rtp/gstrtpbuffer.h>

GST_DEBUG_CATEGORY_STATIC (cv_sframe_pay_debug);
#define GST_CAT_DEFAULT cv_sframe_pay_debug

struct _CvSframePay
{
  GstRTPBasePayload parent_instance;

  gboolean is_audio;
};

G_DEFINE_FINAL_TYPE (CvSframePay, cv_sframe_pay, GST_TYPE_RTP_BASE_PAYLOAD)

/* One-byte extension block: 4-byte header, up to two 2-byte elements. */
#define EXTENSION_BYTES 8

static GstStaticPadTemplate sink_template =
  GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                           GST_STATIC_CAPS ("application/x-sframe"));
static GstStaticPadTemplate src_template =
  GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                           GST_STATIC_CAPS ("application/x-rtp, "
                                            "media = (string) { audio, video }, "
                                            "payload = (int) [ 96, 127 ], "
                                            "clock-rate = (int) { 48000, 90000 }, "
                                            "encoding-name = (string) X-SFRAME"));

static gboolean
cv_sframe_pay_set_caps (GstRTPBasePayload *payload,
                        GstCaps           *caps)
{
  CvSframePay *self = CV_SFRAME_PAY (payload);
  GstStructure *s = gst_caps_get_structure (caps, 0);
  const char *media = gst_structure_get_string (s, "media");

  /* Audio unless told otherwise by the upstream caps or the element's media. */
  self->is_audio = g_strcmp0 (media, "video") != 0;
  gst_rtp_base_payload_set_options (payload, self->is_audio ? "audio" : "video", TRUE,
                                    "X-SFRAME", self->is_audio ? 48000 : 90000);
  return gst_rtp_base_payload_set_outcaps (payload, NULL);
}

static void
add_extensions (GstRTPBuffer *rtp,
                gboolean      keyframe_start,
                int           audio_level)
{
  if (keyframe_start)
    {
      guint8 flag = 0x01;
      gst_rtp_buffer_add_extension_onebyte_header (rtp, CV_RTP_EXT_KEYFRAME, &flag, 1);
    }
  if (audio_level >= 0)
    {
      guint8 level = (guint8) audio_level; /* V bit 0: no voice-activity claim */
      gst_rtp_buffer_add_extension_onebyte_header (rtp, CV_RTP_EXT_AUDIO_LEVEL, &level, 1);
    }
}

static GstFlowReturn
cv_sframe_pay_handle_buffer (GstRTPBasePayload *payload,
                             GstBuffer         *buffer)
{
  CvSframePay *self = CV_SFRAME_PAY (payload);
  gboolean keyframe = !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT) && !self->is_audio;
  GstAudioLevelMeta *level_meta = gst_buffer_get_audio_level_meta (buffer);
  int audio_level = level_meta ? MIN (level_meta->level, 127) : -1;
  guint mtu = GST_RTP_BASE_PAYLOAD_MTU (payload);
  guint max_fragment = gst_rtp_buffer_calc_payload_len (mtu, 0, 0);
  gsize size = gst_buffer_get_size (buffer), offset = 0;
  GstBufferList *list;
  GstFlowReturn ret;

  if (max_fragment <= EXTENSION_BYTES + 1 + 16)
    {
      GST_ELEMENT_ERROR (self, STREAM, FAILED, ("MTU %u is too small", mtu), (NULL));
      gst_buffer_unref (buffer);
      return GST_FLOW_ERROR;
    }
  max_fragment -= EXTENSION_BYTES + 1;

  list = gst_buffer_list_new_sized (size / max_fragment + 1);
  do
    {
      gsize len = MIN (size - offset, max_fragment);
      gboolean first = offset == 0, last = offset + len == size;
      GstRTPBuffer rtp = GST_RTP_BUFFER_INIT;
      GstBuffer *out = gst_rtp_base_payload_allocate_output_buffer (payload, 1, 0, 0);
      GstBuffer *fragment;
      guint8 *descriptor;

      gst_rtp_buffer_map (out, GST_MAP_READWRITE, &rtp);
      descriptor = gst_rtp_buffer_get_payload (&rtp);
      *descriptor = (first ? CV_SFRAME_PAY_START : 0) | (last ? CV_SFRAME_PAY_END : 0)
                    | (keyframe ? CV_SFRAME_PAY_KEYFRAME : 0);
      add_extensions (&rtp, keyframe && first, audio_level);
      gst_rtp_buffer_set_marker (&rtp, last);
      gst_rtp_buffer_unmap (&rtp);

      fragment = gst_buffer_copy_region (buffer, GST_BUFFER_COPY_MEMORY, offset, len);
      out = gst_buffer_append (out, fragment);
      GST_BUFFER_PTS (out) = GST_BUFFER_PTS (buffer);
      GST_BUFFER_DTS (out) = GST_BUFFER_DTS (buffer);
      gst_buffer_list_add (list, out);
      offset += len;
    }
  while (offset < size);

  gst_buffer_unref (buffer);
  ret = gst_rtp_base_payload_push_list (payload, list);
  return ret;
}

static void
cv_sframe_pay_class_init (CvSframePayClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstRTPBasePayloadClass *pay_class = GST_RTP_BASE_PAYLOAD_CLASS (klass);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "SFrame RTP payloader", "Codec/Payloader/Network/RTP",
                                         "Carries SFrame-protected frames in RTP",
                                         "The Conclave developers");

  pay_class->set_caps = cv_sframe_pay_set_caps;
  pay_class->handle_buffer = cv_sframe_pay_handle_buffer;

  GST_DEBUG_CATEGORY_INIT (cv_sframe_pay_debug, "cvsframepay", 0, "SFrame RTP payloader");
}

static void
cv_sframe_pay_init (CvSframePay *self)
{
  /* Room for the SRTP tag of the hop under a 1280-byte path MTU. */
  g_object_set (self, "mtu", 1200, NULL);
}

/* cvsframedepay: reassembles SFrame-protected frames from RTP.
 *
 * Fragments between a start and an end descriptor make one frame. A gap in
 * sequence numbers loses the frame being assembled (a partial ciphertext
 * would only fail authentication); for video the depayloader then asks
 * upstream for a keyframe, since the next delta frames cannot be decoded.
 */
#include "cv-sframe-depay.h"

#include <gst/base/gstadapter.h>
#include <gst/rtp/gstrtpbuffer.h>
#include <gst/video/video.h>

#include "cv-sframe-pay.h"

GST_DEBUG_CATEGORY_STATIC (cv_sframe_depay_debug);
#define GST_CAT_DEFAULT cv_sframe_depay_debug

struct _CvSframeDepay
{
  GstRTPBaseDepayload parent_instance;

  GstAdapter *adapter;
  gboolean in_frame;      /* a start fragment was seen and nothing lost since */
  gboolean keyframe;
  gboolean is_video;
  guint64 lost_frames;    /* under the object lock */
};

G_DEFINE_FINAL_TYPE (CvSframeDepay, cv_sframe_depay, GST_TYPE_RTP_BASE_DEPAYLOAD)

enum {
  PROP_0,
  PROP_LOST_FRAMES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GstStaticPadTemplate sink_template =
  GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                           GST_STATIC_CAPS ("application/x-rtp, "
                                            "media = (string) { audio, video }, "
                                            "clock-rate = (int) { 48000, 90000 }, "
                                            "encoding-name = (string) X-SFRAME"));
static GstStaticPadTemplate src_template =
  GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                           GST_STATIC_CAPS ("application/x-sframe"));

static gboolean
cv_sframe_depay_set_caps (GstRTPBaseDepayload *depayload,
                          GstCaps             *caps)
{
  CvSframeDepay *self = CV_SFRAME_DEPAY (depayload);
  GstStructure *s = gst_caps_get_structure (caps, 0);
  const char *media = gst_structure_get_string (s, "media");
  gint clock_rate = 90000;
  g_autoptr (GstCaps) srccaps = NULL;

  gst_structure_get_int (s, "clock-rate", &clock_rate);
  depayload->clock_rate = clock_rate;
  self->is_video = g_strcmp0 (media, "video") == 0;
  srccaps = gst_caps_new_simple ("application/x-sframe", "media", G_TYPE_STRING,
                                 self->is_video ? "video" : "audio", NULL);
  return gst_pad_set_caps (GST_RTP_BASE_DEPAYLOAD_SRCPAD (depayload), srccaps);
}

static void
lose_frame (CvSframeDepay *self)
{
  gst_adapter_clear (self->adapter);
  self->in_frame = FALSE;
  GST_OBJECT_LOCK (self);
  self->lost_frames++;
  GST_OBJECT_UNLOCK (self);
  if (self->is_video)
    gst_pad_push_event (GST_RTP_BASE_DEPAYLOAD_SINKPAD (self),
                        gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
}

static GstBuffer *
cv_sframe_depay_process_rtp_packet (GstRTPBaseDepayload *depayload,
                                    GstRTPBuffer        *rtp)
{
  CvSframeDepay *self = CV_SFRAME_DEPAY (depayload);
  guint len = gst_rtp_buffer_get_payload_len (rtp);
  const guint8 *payload = gst_rtp_buffer_get_payload (rtp);
  GstBuffer *frame;
  guint8 descriptor;

  if (len < 1)
    {
      GST_DEBUG_OBJECT (self, "empty payload dropped");
      return NULL;
    }
  descriptor = payload[0];

  if (GST_BUFFER_IS_DISCONT (rtp->buffer) && self->in_frame)
    lose_frame (self);

  if (descriptor & CV_SFRAME_PAY_START)
    {
      if (self->in_frame)
        lose_frame (self); /* the previous frame's end never came */
      gst_adapter_clear (self->adapter);
      self->in_frame = TRUE;
      self->keyframe = (descriptor & CV_SFRAME_PAY_KEYFRAME) != 0;
    }
  if (!self->in_frame)
    return NULL; /* the middle of a frame whose start we lost */

  gst_adapter_push (self->adapter, gst_rtp_buffer_get_payload_subbuffer (rtp, 1, len - 1));
  if (!(descriptor & CV_SFRAME_PAY_END))
    return NULL;

  self->in_frame = FALSE;
  frame = gst_adapter_take_buffer (self->adapter, gst_adapter_available (self->adapter));
  if (frame == NULL)
    return NULL;
  if (self->keyframe)
    GST_BUFFER_FLAG_UNSET (frame, GST_BUFFER_FLAG_DELTA_UNIT);
  else
    GST_BUFFER_FLAG_SET (frame, GST_BUFFER_FLAG_DELTA_UNIT);
  return frame;
}

static gboolean
cv_sframe_depay_handle_event (GstRTPBaseDepayload *depayload,
                              GstEvent            *event)
{
  CvSframeDepay *self = CV_SFRAME_DEPAY (depayload);

  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    {
      gst_adapter_clear (self->adapter);
      self->in_frame = FALSE;
    }
  return GST_RTP_BASE_DEPAYLOAD_CLASS (cv_sframe_depay_parent_class)->handle_event (depayload, event);
}

static void
cv_sframe_depay_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CvSframeDepay *self = CV_SFRAME_DEPAY (object);

  switch (prop_id)
    {
    case PROP_LOST_FRAMES:
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value, self->lost_frames);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_sframe_depay_finalize (GObject *object)
{
  CvSframeDepay *self = CV_SFRAME_DEPAY (object);

  g_clear_object (&self->adapter);

  G_OBJECT_CLASS (cv_sframe_depay_parent_class)->finalize (object);
}

static void
cv_sframe_depay_class_init (CvSframeDepayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstRTPBaseDepayloadClass *depay_class = GST_RTP_BASE_DEPAYLOAD_CLASS (klass);

  object_class->get_property = cv_sframe_depay_get_property;
  object_class->finalize = cv_sframe_depay_finalize;

  properties[PROP_LOST_FRAMES] =
    g_param_spec_uint64 ("lost-frames", "Lost frames", "Frames lost to missing packets",
                         0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "SFrame RTP depayloader", "Codec/Depayloader/Network/RTP",
                                         "Reassembles SFrame-protected frames from RTP",
                                         "The Conclave developers");

  depay_class->set_caps = cv_sframe_depay_set_caps;
  depay_class->process_rtp_packet = cv_sframe_depay_process_rtp_packet;
  depay_class->handle_event = cv_sframe_depay_handle_event;

  GST_DEBUG_CATEGORY_INIT (cv_sframe_depay_debug, "cvsframedepay", 0, "SFrame RTP depayloader");
}

static void
cv_sframe_depay_init (CvSframeDepay *self)
{
  self->adapter = gst_adapter_new ();
}

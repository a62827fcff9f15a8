/* cvsframeenc: encrypts each encoded frame with SFrame (RFC 9605).
 *
 * It sits between the encoder and the payloader, so that what leaves the
 * machine is ciphertext whatever the transport does. Until the meeting has
 * keys (the MLS group is not yet established) frames are dropped, never
 * sent in the clear.
 *
 * In a standard meeting (no end-to-end encryption) the element is made with
 * "e2ee" FALSE: frames then pass unchanged, never encrypted, never signed.
 * The property is construct-only, so an element of an E2EE meeting can never
 * be turned into a pass-through; the pipeline also sends plain frames under
 * payload types of their own (docs/protocol.md "Standard meetings").
 *
 * With an "auth" object, the frames sent are also signed in band: about once
 * a second a statement (docs/media-authenticity.md) goes out as an SFrame
 * frame of its own under context | CV_MEDIA_AUTH_STATEMENT_CONTEXT, just
 * before the frame that completed it.
 */
#include "cv-sframe-enc.h"

#include "cv-frame-auth.h"
#include "cv-frame-keys.h"

GST_DEBUG_CATEGORY_STATIC (cv_sframe_enc_debug);
#define GST_CAT_DEFAULT cv_sframe_enc_debug

struct _CvSframeEnc
{
  GstBaseTransform parent_instance;

  gboolean e2ee;      /* construct-only */

  /* Under the object lock. */
  guint64 plain_frames;
  CvFrameKeys *keys;
  guint context;
  guint64 unkeyed_drops;
  CvFrameAuth *auth;
  guint64 statements;
};

G_DEFINE_FINAL_TYPE (CvSframeEnc, cv_sframe_enc, GST_TYPE_BASE_TRANSFORM)

enum {
  PROP_0,
  PROP_KEYS,
  PROP_CONTEXT,
  PROP_UNKEYED_DROPS,
  PROP_AUTH,
  PROP_STATEMENTS,
  PROP_E2EE,
  PROP_PLAIN_FRAMES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GstStaticPadTemplate sink_template =
  GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate src_template =
  GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                           GST_STATIC_CAPS ("application/x-sframe"));

static GstCaps *
cv_sframe_enc_transform_caps (GstBaseTransform *trans,
                              GstPadDirection   direction,
                              GstCaps          *caps,
                              GstCaps          *filter)
{
  GstCaps *result;

  if (direction == GST_PAD_SINK)
    {
      /* Keep only what the payloader needs to know: audio or video. */
      result = gst_caps_new_empty ();
      if (gst_caps_is_any (caps))
        result = gst_caps_merge_structure (result, gst_structure_new_empty ("application/x-sframe"));
      for (guint i = 0; i < gst_caps_get_size (caps); i++)
        {
          const char *name = gst_structure_get_name (gst_caps_get_structure (caps, i));
          const char *media = g_str_has_prefix (name, "video/") ? "video"
                              : g_str_has_prefix (name, "audio/") ? "audio" : NULL;
          GstStructure *s = gst_structure_new_empty ("application/x-sframe");
          if (media != NULL)
            gst_structure_set (s, "media", G_TYPE_STRING, media, NULL);
          result = gst_caps_merge_structure (result, s);
        }
    }
  else
    {
      result = gst_caps_new_any ();
    }

  if (filter != NULL)
    {
      GstCaps *tmp = gst_caps_intersect_full (filter, result, GST_CAPS_INTERSECT_FIRST);
      gst_caps_unref (result);
      result = tmp;
    }
  return result;
}

static gboolean
cv_sframe_enc_transform_size (GstBaseTransform *trans,
                              GstPadDirection   direction,
                              GstCaps          *caps,
                              gsize             size,
                              GstCaps          *othercaps,
                              gsize            *othersize)
{
  CvSframeEnc *self = CV_SFRAME_ENC (trans);

  if (!self->e2ee)
    *othersize = size;
  else if (direction == GST_PAD_SINK)
    *othersize = size + cv_frame_keys_overhead ();
  else
    *othersize = size > cv_frame_keys_overhead () ? size - cv_frame_keys_overhead () : 0;
  return TRUE;
}

/* ---- Media authenticity: statements sent in band ---- */

/* Encrypts a ready statement under the stream's statement context and pushes
 * it downstream ahead of the frame being transformed. */
static GstFlowReturn
push_statement (CvSframeEnc *self,
                CvFrameKeys *keys,
                guint        context,
                GstBuffer   *inbuf,
                GBytes      *statement)
{
  gsize len, out_len = 0;
  const guint8 *data = g_bytes_get_data (statement, &len);
  GstBuffer *buf = gst_buffer_new_allocate (NULL, len + cv_frame_keys_overhead (), NULL);
  GstMapInfo map;
  cv_status st;

  gst_buffer_map (buf, &map, GST_MAP_WRITE);
  st = cv_frame_keys_encrypt (keys, context | CV_MEDIA_AUTH_STATEMENT_CONTEXT, data, len,
                              map.data, map.size, &out_len);
  gst_buffer_unmap (buf, &map);
  if (st != CV_OK)
    {
      gst_buffer_unref (buf);
      GST_WARNING_OBJECT (self, "statement not sent: %s", cv_status_message ());
      return GST_FLOW_OK;
    }
  gst_buffer_set_size (buf, out_len);
  /* Timed like the frame (audio level included), never a keyframe. */
  if (inbuf != NULL)
    gst_buffer_copy_into (buf, inbuf, GST_BUFFER_COPY_TIMESTAMPS | GST_BUFFER_COPY_META, 0, -1);
  GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  GST_OBJECT_LOCK (self);
  self->statements++;
  GST_OBJECT_UNLOCK (self);
  return gst_pad_push (GST_BASE_TRANSFORM_SRC_PAD (self), buf);
}

/* At the end of the stream the last frames are signed at once, so that
 * receivers do not wait for a statement that would never come. */
static gboolean
cv_sframe_enc_sink_event (GstBaseTransform *trans,
                          GstEvent         *event)
{
  CvSframeEnc *self = CV_SFRAME_ENC (trans);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS && self->e2ee)
    {
      g_autoptr (CvFrameKeys) keys = NULL;
      g_autoptr (CvFrameAuth) auth = NULL;
      g_autoptr (GBytes) statement = NULL;
      guint context;

      GST_OBJECT_LOCK (self);
      keys = self->keys ? g_object_ref (self->keys) : NULL;
      auth = self->auth ? g_object_ref (self->auth) : NULL;
      context = self->context;
      GST_OBJECT_UNLOCK (self);
      if (keys != NULL && auth != NULL && (statement = cv_frame_auth_flush (auth, context)) != NULL)
        push_statement (self, keys, context, NULL, statement);
    }
  return GST_BASE_TRANSFORM_CLASS (cv_sframe_enc_parent_class)->sink_event (trans, event);
}

static GstFlowReturn
cv_sframe_enc_transform (GstBaseTransform *trans,
                         GstBuffer        *inbuf,
                         GstBuffer        *outbuf)
{
  CvSframeEnc *self = CV_SFRAME_ENC (trans);
  g_autoptr (CvFrameKeys) keys = NULL;
  g_autoptr (CvFrameAuth) auth = NULL;
  g_autoptr (GBytes) statement = NULL;
  GstMapInfo in, out;
  gsize out_len = 0;
  guint context;
  cv_status st;

  GST_OBJECT_LOCK (self);
  keys = self->keys ? g_object_ref (self->keys) : NULL;
  auth = self->auth ? g_object_ref (self->auth) : NULL;
  context = self->context;
  GST_OBJECT_UNLOCK (self);

  if (!self->e2ee)
    {
      if (!gst_buffer_map (inbuf, &in, GST_MAP_READ))
        return GST_FLOW_ERROR;
      gst_buffer_fill (outbuf, 0, in.data, in.size);
      gst_buffer_set_size (outbuf, in.size);
      gst_buffer_unmap (inbuf, &in);
      GST_OBJECT_LOCK (self);
      self->plain_frames++;
      GST_OBJECT_UNLOCK (self);
      return GST_FLOW_OK;
    }

  if (keys == NULL || !cv_frame_keys_has_epoch (keys))
    {
      GST_OBJECT_LOCK (self);
      self->unkeyed_drops++;
      GST_OBJECT_UNLOCK (self);
      GST_LOG_OBJECT (self, "no meeting keys yet: frame dropped");
      return GST_BASE_TRANSFORM_FLOW_DROPPED;
    }

  if (!gst_buffer_map (inbuf, &in, GST_MAP_READ))
    return GST_FLOW_ERROR;
  if (!gst_buffer_map (outbuf, &out, GST_MAP_WRITE))
    {
      gst_buffer_unmap (inbuf, &in);
      return GST_FLOW_ERROR;
    }
  st = cv_frame_keys_encrypt (keys, context, in.data, in.size, out.data, out.size, &out_len);
  if (st == CV_OK && auth != NULL)
    statement = cv_frame_auth_sent (auth, context, out.data, out_len, cv_frame_auth_now_ms ());
  gst_buffer_unmap (outbuf, &out);
  gst_buffer_unmap (inbuf, &in);

  if (st != CV_OK)
    {
      /* A spent counter or a stream limit: refuse loudly, the stream cannot go on. */
      GST_ELEMENT_ERROR (self, STREAM, FAILED, ("Cannot encrypt a media frame"),
                         ("%s", cv_status_message ()));
      return GST_FLOW_ERROR;
    }
  gst_buffer_set_size (outbuf, out_len);
  if (statement != NULL)
    return push_statement (self, keys, context, inbuf, statement);
  return GST_FLOW_OK;
}

static void
cv_sframe_enc_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  CvSframeEnc *self = CV_SFRAME_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
    case PROP_KEYS:
      g_value_set_object (value, self->keys);
      break;
    case PROP_CONTEXT:
      g_value_set_uint (value, self->context);
      break;
    case PROP_UNKEYED_DROPS:
      g_value_set_uint64 (value, self->unkeyed_drops);
      break;
    case PROP_AUTH:
      g_value_set_object (value, self->auth);
      break;
    case PROP_STATEMENTS:
      g_value_set_uint64 (value, self->statements);
      break;
    case PROP_E2EE:
      g_value_set_boolean (value, self->e2ee);
      break;
    case PROP_PLAIN_FRAMES:
      g_value_set_uint64 (value, self->plain_frames);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
cv_sframe_enc_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  CvSframeEnc *self = CV_SFRAME_ENC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
    case PROP_KEYS:
      g_set_object (&self->keys, g_value_get_object (value));
      break;
    case PROP_CONTEXT:
      self->context = g_value_get_uint (value);
      break;
    case PROP_AUTH:
      g_set_object (&self->auth, g_value_get_object (value));
      break;
    case PROP_E2EE:
      self->e2ee = g_value_get_boolean (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
cv_sframe_enc_finalize (GObject *object)
{
  CvSframeEnc *self = CV_SFRAME_ENC (object);

  g_clear_object (&self->keys);
  g_clear_object (&self->auth);

  G_OBJECT_CLASS (cv_sframe_enc_parent_class)->finalize (object);
}

static void
cv_sframe_enc_class_init (CvSframeEncClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  object_class->get_property = cv_sframe_enc_get_property;
  object_class->set_property = cv_sframe_enc_set_property;
  object_class->finalize = cv_sframe_enc_finalize;

  properties[PROP_KEYS] =
    g_param_spec_object ("keys", "Keys", "The meeting's SFrame key ring", CV_TYPE_FRAME_KEYS,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CONTEXT] =
    g_param_spec_uint ("context", "Context", "SFrame context of this stream (one per outgoing stream)",
                       0, CV_SFRAME_KEYRING_MAX_CONTEXTS - 1, 0,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_UNKEYED_DROPS] =
    g_param_spec_uint64 ("unkeyed-drops", "Unkeyed drops", "Frames dropped because no key was installed yet",
                         0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTH] =
    g_param_spec_object ("auth", "Authenticity", "Signs the frames sent (context below 8); NULL: unsigned",
                         CV_TYPE_FRAME_AUTH, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATEMENTS] =
    g_param_spec_uint64 ("statements", "Statements", "Signed statements sent in band",
                         0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_E2EE] =
    g_param_spec_boolean ("e2ee", "End to end", "Encrypt with SFrame (TRUE) or pass frames unchanged in a "
                          "standard meeting (FALSE); fixed when the element is made",
                          TRUE, G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PLAIN_FRAMES] =
    g_param_spec_uint64 ("plain-frames", "Plain frames", "Frames passed unencrypted (e2ee FALSE only)",
                         0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "SFrame encrypter", "Filter/Encoder/Encrypter",
                                         "Encrypts encoded media frames end to end with SFrame (RFC 9605)",
                                         "The Conclave developers");

  trans_class->transform_caps = cv_sframe_enc_transform_caps;
  trans_class->transform_size = cv_sframe_enc_transform_size;
  trans_class->transform = cv_sframe_enc_transform;
  trans_class->sink_event = cv_sframe_enc_sink_event;
  trans_class->passthrough_on_same_caps = FALSE;

  GST_DEBUG_CATEGORY_INIT (cv_sframe_enc_debug, "cvsframeenc", 0, "SFrame encrypter");
}

static void
cv_sframe_enc_init (CvSframeEnc *self)
{
  self->e2ee = TRUE;
}

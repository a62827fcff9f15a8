/* cvsframedec: decrypts SFrame-protected frames in place.
 *
 * A frame that does not decrypt (corrupted, forged, replayed, from an
 * unknown epoch or sender) is dropped and counted on the key ring; the
 * stream goes on with the next frame. The decrypted frame's caps are not in
 * the ciphertext, so the pipeline states them with the "caps" property.
 *
 * In a standard meeting the element is made with "e2ee" FALSE (construct-
 * only): frames pass unchanged and nothing is decrypted or attributed; the
 * pipeline builds such a receiver only for the plain payload types.
 *
 * Frames under a statement context (CV_MEDIA_AUTH_STATEMENT_CONTEXT and up)
 * carry a sender's signed statements (docs/media-authenticity.md), not media:
 * they never go downstream. With an "auth" object the statements are checked
 * and every frame's hash, taken before decryption, is recorded, so that the
 * sender's media is reported authenticated, not yet, unverified or forged.
 */
#include "cv-sframe-dec.h"

#include "cv-frame-auth.h"
#include "cv-frame-keys.h"

GST_DEBUG_CATEGORY_STATIC (cv_sframe_dec_debug);
#define GST_CAT_DEFAULT cv_sframe_dec_debug

struct _CvSframeDec
{
  GstBaseTransform parent_instance;

  gboolean e2ee;      /* construct-only */

  /* Under the object lock. */
  CvFrameKeys *keys;
  GstCaps *caps;
  guint64 decrypted;
  guint64 dropped;
  gint64 last_sender; /* -1 before the first frame */
  CvFrameAuth *auth;
  guint64 statements;     /* statement frames that verified */
  guint64 bad_statements; /* statement frames refused */
};

G_DEFINE_FINAL_TYPE (CvSframeDec, cv_sframe_dec, GST_TYPE_BASE_TRANSFORM)

enum {
  PROP_0,
  PROP_KEYS,
  PROP_CAPS,
  PROP_DECRYPTED,
  PROP_DROPPED,
  PROP_LAST_SENDER,
  PROP_AUTH,
  PROP_STATEMENTS,
  PROP_BAD_STATEMENTS,
  PROP_AUTHENTICATED,
  PROP_AUTH_STATE,
  PROP_E2EE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GstStaticPadTemplate sink_template =
  GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS,
                           GST_STATIC_CAPS ("application/x-sframe"));
static GstStaticPadTemplate src_template =
  GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GstCaps *
cv_sframe_dec_transform_caps (GstBaseTransform *trans,
                              GstPadDirection   direction,
                              GstCaps          *caps,
                              GstCaps          *filter)
{
  CvSframeDec *self = CV_SFRAME_DEC (trans);
  GstCaps *result;

  if (direction == GST_PAD_SINK)
    {
      GST_OBJECT_LOCK (self);
      result = self->caps ? gst_caps_ref (self->caps) : gst_caps_new_any ();
      GST_OBJECT_UNLOCK (self);
    }
  else
    {
      result = gst_caps_new_empty_simple ("application/x-sframe");
    }

  if (filter != NULL)
    {
      GstCaps *tmp = gst_caps_intersect_full (filter, result, GST_CAPS_INTERSECT_FIRST);
      gst_caps_unref (result);
      result = tmp;
    }
  return result;
}

/* ---- Media authenticity ---- */

/* A decrypted statement frame: checked and counted, never passed on. */
static GstFlowReturn
take_statement (CvSframeDec                *self,
                CvFrameAuth                *auth,
                const cv_sframe_frame_info *info,
                GstBuffer                  *buf)
{
  cv_status st = CV_ERR_STATE;
  GstMapInfo map;

  if (auth != NULL && gst_buffer_map (buf, &map, GST_MAP_READ))
    {
      st = cv_frame_auth_received_statement (auth, info, map.data, map.size, cv_frame_auth_now_ms ());
      gst_buffer_unmap (buf, &map);
    }
  GST_OBJECT_LOCK (self);
  if (st == CV_OK)
    self->statements++;
  else if (auth != NULL)
    self->bad_statements++;
  GST_OBJECT_UNLOCK (self);
  if (st != CV_OK && auth != NULL)
    GST_INFO_OBJECT (self, "statement of leaf %u refused: %s", info->sender_index, cv_status_message ());
  return GST_BASE_TRANSFORM_FLOW_DROPPED;
}

static GstFlowReturn
cv_sframe_dec_transform_ip (GstBaseTransform *trans,
                            GstBuffer        *buf)
{
  CvSframeDec *self = CV_SFRAME_DEC (trans);
  g_autoptr (CvFrameKeys) keys = NULL;
  g_autoptr (CvFrameAuth) auth = NULL;
  guint8 hash[CV_MEDIA_AUTH_HASH_LEN];
  gboolean hashed = FALSE;
  cv_sframe_frame_info info;
  gsize offset = 0, len = 0;
  GstMapInfo map;
  cv_status st;

  GST_OBJECT_LOCK (self);
  keys = self->keys ? g_object_ref (self->keys) : NULL;
  auth = self->auth ? g_object_ref (self->auth) : NULL;
  GST_OBJECT_UNLOCK (self);

  if (!self->e2ee)
    return GST_FLOW_OK;

  if (keys == NULL)
    {
      GST_OBJECT_LOCK (self);
      self->dropped++;
      GST_OBJECT_UNLOCK (self);
      return GST_BASE_TRANSFORM_FLOW_DROPPED;
    }

  if (!gst_buffer_map (buf, &map, GST_MAP_READWRITE))
    return GST_FLOW_ERROR;
  if (auth != NULL)
    hashed = cv_frame_auth_hash (auth, map.data, map.size, hash);
  st = cv_frame_keys_decrypt (keys, map.data, map.size, &offset, &len, &info);
  gst_buffer_unmap (buf, &map);

  if (st != CV_OK)
    {
      cv_frame_keys_count_drop (keys, cv_frame_keys_reason_for_status (st));
      GST_OBJECT_LOCK (self);
      self->dropped++;
      GST_OBJECT_UNLOCK (self);
      GST_DEBUG_OBJECT (self, "frame dropped: %s", cv_status_message ());
      return GST_BASE_TRANSFORM_FLOW_DROPPED;
    }

  gst_buffer_resize (buf, offset, len);
  if (info.context >= CV_MEDIA_AUTH_STATEMENT_CONTEXT)
    return take_statement (self, auth, &info, buf);
  if (hashed)
    cv_frame_auth_received_frame (auth, &info, hash, cv_frame_auth_now_ms ());
  GST_OBJECT_LOCK (self);
  self->decrypted++;
  self->last_sender = info.sender_index;
  GST_OBJECT_UNLOCK (self);
  return GST_FLOW_OK;
}

static void
cv_sframe_dec_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  CvSframeDec *self = CV_SFRAME_DEC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
    case PROP_KEYS:
      g_value_set_object (value, self->keys);
      break;
    case PROP_CAPS:
      gst_value_set_caps (value, self->caps);
      break;
    case PROP_DECRYPTED:
      g_value_set_uint64 (value, self->decrypted);
      break;
    case PROP_DROPPED:
      g_value_set_uint64 (value, self->dropped);
      break;
    case PROP_LAST_SENDER:
      g_value_set_int64 (value, self->last_sender);
      break;
    case PROP_AUTH:
      g_value_set_object (value, self->auth);
      break;
    case PROP_STATEMENTS:
      g_value_set_uint64 (value, self->statements);
      break;
    case PROP_BAD_STATEMENTS:
      g_value_set_uint64 (value, self->bad_statements);
      break;
    case PROP_AUTHENTICATED:
    case PROP_AUTH_STATE:
      {
        cv_media_auth_report report = { 0 };

        /* The report of this stream's sender (the last one that decrypted). */
        if (self->auth != NULL && self->last_sender >= 0)
          cv_frame_auth_get_report (self->auth, (guint32) self->last_sender, cv_frame_auth_now_ms (),
                                    &report);
        if (prop_id == PROP_AUTHENTICATED)
          g_value_set_uint64 (value, report.authenticated);
        else
          g_value_set_int (value, report.state);
      }
      break;
    case PROP_E2EE:
      g_value_set_boolean (value, self->e2ee);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
cv_sframe_dec_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  CvSframeDec *self = CV_SFRAME_DEC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
    case PROP_KEYS:
      g_set_object (&self->keys, g_value_get_object (value));
      break;
    case PROP_CAPS:
      gst_caps_replace (&self->caps, (GstCaps *) gst_value_get_caps (value));
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

  if (prop_id == PROP_CAPS)
    gst_base_transform_reconfigure_src (GST_BASE_TRANSFORM (self));
}

static void
cv_sframe_dec_finalize (GObject *object)
{
  CvSframeDec *self = CV_SFRAME_DEC (object);

  g_clear_object (&self->keys);
  g_clear_object (&self->auth);
  gst_clear_caps (&self->caps);

  G_OBJECT_CLASS (cv_sframe_dec_parent_class)->finalize (object);
}

static void
cv_sframe_dec_class_init (CvSframeDecClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseTransformClass *trans_class = GST_BASE_TRANSFORM_CLASS (klass);

  object_class->get_property = cv_sframe_dec_get_property;
  object_class->set_property = cv_sframe_dec_set_property;
  object_class->finalize = cv_sframe_dec_finalize;

  properties[PROP_KEYS] =
    g_param_spec_object ("keys", "Keys", "The meeting's SFrame key ring", CV_TYPE_FRAME_KEYS,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAPS] =
    g_param_spec_boxed ("caps", "Caps", "Caps of the decrypted frames", GST_TYPE_CAPS,
                        G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DECRYPTED] =
    g_param_spec_uint64 ("decrypted", "Decrypted", "Frames decrypted", 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DROPPED] =
    g_param_spec_uint64 ("dropped", "Dropped", "Frames that did not decrypt and were dropped",
                         0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LAST_SENDER] =
    g_param_spec_int64 ("last-sender", "Last sender", "MLS leaf index of the last decrypted frame's sender",
                        -1, G_MAXUINT32, -1, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTH] =
    g_param_spec_object ("auth", "Authenticity", "Checks the senders' signed statements; NULL: not checked",
                         CV_TYPE_FRAME_AUTH, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATEMENTS] =
    g_param_spec_uint64 ("statements", "Statements", "Signed statements received that verified",
                         0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BAD_STATEMENTS] =
    g_param_spec_uint64 ("bad-statements", "Bad statements", "Statements refused (malformed, not the "
                         "carrier's own, or failed to verify)",
                         0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTHENTICATED] =
    g_param_spec_uint64 ("authenticated", "Authenticated", "Frames of the last sender that its "
                         "signed statements cover (all its streams)",
                         0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTH_STATE] =
    g_param_spec_int ("auth-state", "Authenticity state", "cv_media_auth_state of the last sender",
                      CV_MEDIA_AUTH_NONE, CV_MEDIA_AUTH_FORGED, CV_MEDIA_AUTH_NONE,
                      G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_E2EE] =
    g_param_spec_boolean ("e2ee", "End to end", "Decrypt SFrame (TRUE) or pass the plain frames of a "
                          "standard meeting unchanged (FALSE); fixed when the element is made",
                          TRUE, G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "SFrame decrypter", "Filter/Decoder/Decrypter",
                                         "Decrypts end-to-end encrypted media frames (SFrame, RFC 9605)",
                                         "The Conclave developers");

  trans_class->transform_caps = cv_sframe_dec_transform_caps;
  trans_class->transform_ip = cv_sframe_dec_transform_ip;
  trans_class->passthrough_on_same_caps = FALSE;
  trans_class->transform_ip_on_passthrough = FALSE;

  GST_DEBUG_CATEGORY_INIT (cv_sframe_dec_debug, "cvsframedec", 0, "SFrame decrypter");
}

static void
cv_sframe_dec_init (CvSframeDec *self)
{
  self->last_sender = -1;
  self->e2ee = TRUE;
  gst_base_transform_set_in_place (GST_BASE_TRANSFORM (self), TRUE);
}

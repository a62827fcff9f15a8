/* CvSignalingClient: the TLS WebSocket to the meeting service.
 *
 * It knows the transport only: JSON objects with a "type" go out and come in
 * (docs/protocol.md); what they mean is CvSession's business. A service with
 * a self-signed certificate is accepted only when the certificate's SHA-256
 * matches the fingerprint pinned by the invite link.
 */
#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "cv-signaling-client.h"

/* Far above any legitimate message (a Welcome for 1000 members is < 1 MB). */
#define MAX_INCOMING_PAYLOAD (8 * 1024 * 1024)

struct _CvSignalingClient
{
  GObject parent_instance;

  SoupSession *session;
  SoupWebsocketConnection *ws;
  char *pinned_fingerprint;
  gboolean pin_mismatch;
};

G_DEFINE_FINAL_TYPE (CvSignalingClient, cv_signaling_client, G_TYPE_OBJECT)
G_DEFINE_QUARK (cv-signaling-error-quark, cv_signaling_error)

enum {
  SIGNAL_MESSAGE,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
certificate_fingerprint (GTlsCertificate *certificate)
{
  g_autoptr (GByteArray) der = NULL;

  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}

static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  CvSignalingClient *self = user_data;
  g_autofree char *fingerprint = NULL;

  if (self->pinned_fingerprint == NULL)
    return FALSE;
  fingerprint = certificate_fingerprint (certificate);
  /* The fingerprint is public; a plain comparison leaks nothing. */
  if (fingerprint != NULL && g_ascii_strcasecmp (fingerprint, self->pinned_fingerprint) == 0)
    return TRUE;
  self->pin_mismatch = TRUE;
  return FALSE;
}

static void
ws_message_cb (SoupWebsocketConnection *ws,
               gint                     type,
               GBytes                  *message,
               gpointer                 user_data)
{
  CvSignalingClient *self = user_data;
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  JsonNode *root;
  JsonObject *object;

  if (type != SOUP_WEBSOCKET_DATA_TEXT || !json_parser_load_from_data (parser, data, len, &error)
      || (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root)
      || json_object_get_string_member_with_default ((object = json_node_get_object (root)), "type", NULL) == NULL)
    {
      /* A service that speaks garbage is not one to stay connected to. */
      g_warning ("signaling: the service sent a message that is not a typed JSON object");
      soup_websocket_connection_close (ws, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR, NULL);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, object);
}

static void
ws_closed_cb (SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  CvSignalingClient *self = user_data;
  g_autoptr (GError) error = NULL;
  gushort code = soup_websocket_connection_get_close_code (ws);
  const char *reason = soup_websocket_connection_get_close_data (ws);

  if (code != SOUP_WEBSOCKET_CLOSE_NORMAL)
    error = g_error_new (CV_SIGNALING_ERROR, CV_SIGNALING_ERROR_CLOSED,
                         _("The connection to the meeting service was lost (%u%s%s)"),
                         code, reason && *reason ? ": " : "", reason ? reason : "");
  g_clear_object (&self->ws);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, error);
}

static void
websocket_connect_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr (GTask) task = user_data;
  CvSignalingClient *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  SoupWebsocketConnection *ws;

  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (ws == NULL)
    {
      if (self->pin_mismatch)
        g_task_return_new_error (task, CV_SIGNALING_ERROR, CV_SIGNALING_ERROR_CERTIFICATE,
                                 _("The meeting service's certificate does not match the invite link: "
                                   "someone may be impersonating the service"));
      else if (g_error_matches (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
        g_task_return_new_error (task, CV_SIGNALING_ERROR, CV_SIGNALING_ERROR_CERTIFICATE,
                                 _("The meeting service's certificate is not trusted, and the invite "
                                   "link does not vouch for it"));
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->ws = ws;
  soup_websocket_connection_set_max_incoming_payload_size (ws, MAX_INCOMING_PAYLOAD);
  soup_websocket_connection_set_keepalive_interval (ws, 20);
  g_signal_connect_object (ws, "message", G_CALLBACK (ws_message_cb), self, 0);
  g_signal_connect_object (ws, "closed", G_CALLBACK (ws_closed_cb), self, 0);
  g_task_return_boolean (task, TRUE);
}

void
cv_signaling_client_connect_async (CvSignalingClient   *self,
                                   const char          *host,
                                   guint16              port,
                                   const char          *pinned_fingerprint,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GUri) uri = NULL;
  g_autoptr (SoupMessage) msg = NULL;

  g_return_if_fail (CV_IS_SIGNALING_CLIENT (self));
  g_return_if_fail (self->ws == NULL);

  g_free (self->pinned_fingerprint);
  self->pinned_fingerprint = g_strdup (pinned_fingerprint);
  self->pin_mismatch = FALSE;

  uri = g_uri_build (G_URI_FLAGS_NONE, "wss", NULL, host, port, "/ws", NULL, NULL);
  msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
  g_signal_connect_object (msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), self, 0);
  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        cancellable, websocket_connect_cb, g_steal_pointer (&task));
}

gboolean
cv_signaling_client_connect_finish (CvSignalingClient  *self,
                                    GAsyncResult       *result,
                                    GError            **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
cv_signaling_client_send (CvSignalingClient  *self,
                          JsonObject         *message,
                          GError            **error)
{
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (CV_IS_SIGNALING_CLIENT (self), FALSE);
  g_return_val_if_fail (json_object_has_member (message, "type"), FALSE);

  if (self->ws == NULL || soup_websocket_connection_get_state (self->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_set_error (error, CV_SIGNALING_ERROR, CV_SIGNALING_ERROR_CLOSED,
                   _("Not connected to the meeting service"));
      return FALSE;
    }
  node = json_node_init_object (json_node_alloc (), message);
  text = json_to_string (node, FALSE);
  soup_websocket_connection_send_text (self->ws, text);
  return TRUE;
}

gboolean
cv_signaling_client_is_connected (CvSignalingClient *self)
{
  return self->ws != NULL && soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN;
}

void
cv_signaling_client_close (CvSignalingClient *self)
{
  if (self->ws != NULL && soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

static void
cv_signaling_client_dispose (GObject *object)
{
  CvSignalingClient *self = CV_SIGNALING_CLIENT (object);

  if (self->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->ws, self);
      cv_signaling_client_close (self);
    }
  g_clear_object (&self->ws);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (cv_signaling_client_parent_class)->dispose (object);
}

static void
cv_signaling_client_finalize (GObject *object)
{
  CvSignalingClient *self = CV_SIGNALING_CLIENT (object);

  g_free (self->pinned_fingerprint);

  G_OBJECT_CLASS (cv_signaling_client_parent_class)->finalize (object);
}

static void
cv_signaling_client_class_init (CvSignalingClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = cv_signaling_client_dispose;
  object_class->finalize = cv_signaling_client_finalize;

  /* A JSON object with a string "type" arrived from the service. */
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
  /* The connection closed; the GError is NULL for a normal close. */
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
cv_signaling_client_init (CvSignalingClient *self)
{
  self->session = soup_session_new_with_options ("timeout", 15, "idle-timeout", 0, NULL);
}

CvSignalingClient *
cv_signaling_client_new (void)
{
  return g_object_new (CV_TYPE_SIGNALING_CLIENT, NULL);
}

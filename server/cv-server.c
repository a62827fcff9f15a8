#include "config.h"

#include "cv-server-private.h"
#include "cv-invite-link.h"
#include "cv-state-dir.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>
#include <sys/socket.h>

/* An empty meeting is forgotten after this long. */
#define EMPTY_MEETING_LIFETIME_US (30 * G_TIME_SPAN_MINUTE)
#define SWEEP_INTERVAL_S 60
/* A peer that acknowledges nothing for this long is gone (TCP_USER_TIMEOUT). */
#define DEAD_PEER_TIMEOUT_MS 60000
#define KEEPALIVE_INTERVAL_S 20
/* How long a closing connection may take before its stream is closed. */
#define FORCE_CLOSE_MS 2000
#define EXTERNAL_SENDER_CERT_HOURS (24 * 365)
#define LISTEN_BACKLOG 1024

struct _CvServerClass
{
  GObjectClass parent_class;
};

G_DEFINE_FINAL_TYPE (CvServer, cv_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONFIG,
  PROP_PORT,
  PROP_FINGERPRINT,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void client_free (CvClient *client);

static void
cv_server_dispose (GObject *object)
{
  CvServer *self = CV_SERVER (object);

  cv_server_stop (self);
  G_OBJECT_CLASS (cv_server_parent_class)->dispose (object);
}

static void
cv_server_finalize (GObject *object)
{
  CvServer *self = CV_SERVER (object);

  g_hash_table_unref (self->clients);
  g_hash_table_unref (self->meetings);
  g_clear_object (&self->config);
  g_clear_object (&self->accounts);
  g_clear_object (&self->ca);
  g_clear_object (&self->tls_certificate);
  g_free (self->fingerprint);
  g_free (self->public_host);
  EVP_PKEY_free (self->external_sender_key);
  g_free (self->external_sender_public_b64);
  g_free (self->external_sender_cert_b64);
  g_free (self->external_sender_b64);
  G_OBJECT_CLASS (cv_server_parent_class)->finalize (object);
}

static void
cv_server_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  CvServer *self = CV_SERVER (object);

  switch (prop_id)
    {
    case PROP_CONFIG: g_value_set_object (value, self->config); break;
    case PROP_PORT: g_value_set_uint (value, self->port); break;
    case PROP_FINGERPRINT: g_value_set_string (value, self->fingerprint); break;
    case PROP_RUNNING: g_value_set_boolean (value, self->running); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_server_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  CvServer *self = CV_SERVER (object);

  switch (prop_id)
    {
    case PROP_CONFIG:
      self->config = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cv_server_class_init (CvServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = cv_server_dispose;
  object_class->finalize = cv_server_finalize;
  object_class->get_property = cv_server_get_property;
  object_class->set_property = cv_server_set_property;

  properties[PROP_CONFIG] =
    g_param_spec_object ("config", NULL, "Site configuration", CV_TYPE_SITE_CONFIG,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, "TCP port listened on", 0, 65535, 0, ro);
  properties[PROP_FINGERPRINT] = g_param_spec_string ("fingerprint", NULL,
                                                      "SHA-256 of the TLS certificate", NULL, ro);
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, "Listening", FALSE, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
cv_server_init (CvServer *self)
{
  self->meetings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->clients = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->next_participant_id = 1;
}

/* ---- Keys ---- */

/* RFC 9420 §2.1.2 variable-length size prefix. */
static void
append_varint (GByteArray *out, guint32 n)
{
  guint8 b[4];

  if (n < 0x40)
    {
      b[0] = n;
      g_byte_array_append (out, b, 1);
    }
  else if (n < 0x4000)
    {
      b[0] = 0x40 | (n >> 8);
      b[1] = n & 0xff;
      g_byte_array_append (out, b, 2);
    }
  else
    {
      b[0] = 0x80 | (n >> 24);
      b[1] = (n >> 16) & 0xff;
      b[2] = (n >> 8) & 0xff;
      b[3] = n & 0xff;
      g_byte_array_append (out, b, 4);
    }
}

/* ExternalSender { SignaturePublicKey signature_key; Credential credential; }
 * with an x509 credential holding the certificate issued by the service CA. */
static gboolean
setup_external_sender (CvServer *self,
                       GError  **error)
{
  g_autofree char *path = g_build_filename (self->site->state_dir, "external-sender-key.pem", NULL);
  g_autoptr (GBytes) cert = NULL;
  g_autoptr (GByteArray) encoded = g_byte_array_new ();
  guint8 pub[32];
  size_t pub_len = sizeof pub;
  const guint8 *der;
  gsize der_len;
  guint8 type[2] = { 0x00, 0x02 };   /* CredentialType x509 */
  g_autoptr (GByteArray) certs = g_byte_array_new ();

  self->external_sender_key = cv_state_load_or_create_key (path, EVP_PKEY_ED25519, NULL, error);
  if (self->external_sender_key == NULL)
    return FALSE;
  if (EVP_PKEY_get_raw_public_key (self->external_sender_key, pub, &pub_len) != 1 || pub_len != 32)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_INTERNAL,
                   "Cannot read the external sender's public key");
      return FALSE;
    }
  cert = cv_service_ca_issue_for_key (self->ca, self->external_sender_key,
                                      "Conclave meeting service (external sender)",
                                      EXTERNAL_SENDER_CERT_HOURS, error);
  if (cert == NULL)
    return FALSE;
  der = g_bytes_get_data (cert, &der_len);

  append_varint (encoded, pub_len);
  g_byte_array_append (encoded, pub, pub_len);
  g_byte_array_append (encoded, type, 2);
  append_varint (certs, der_len);
  g_byte_array_append (certs, der, der_len);
  append_varint (encoded, certs->len);
  g_byte_array_append (encoded, certs->data, certs->len);

  self->external_sender_public_b64 = g_base64_encode (pub, pub_len);
  self->external_sender_cert_b64 = g_base64_encode (der, der_len);
  self->external_sender_b64 = g_base64_encode (encoded->data, encoded->len);
  return TRUE;
}

CvServer *
cv_server_new (CvSiteConfig *config,
               GError      **error)
{
  g_autoptr (CvServer) self = NULL;
  g_autofree char *default_state = NULL;

  g_return_val_if_fail (CV_IS_SITE_CONFIG (config), NULL);

  self = g_object_new (CV_TYPE_SERVER, "config", config, NULL);
  self->site = cv_site_config_peek (config);

  if (self->site->state_dir == NULL)
    {
      default_state = g_build_filename (g_get_user_state_dir (), "conclave-server", NULL);
      g_object_set (config, "state-dir", default_state, NULL);
    }
  self->public_host = g_strdup (self->site->public_host != NULL ? self->site->public_host
                                                                : g_get_host_name ());
  if (!cv_state_dir_ensure (self->site->state_dir, error))
    return NULL;

  if (self->site->accounts != NULL)
    self->accounts = cv_accounts_new_from_file (self->site->accounts, error);
  else
    self->accounts = cv_accounts_new ();
  if (self->accounts == NULL)
    return NULL;

  self->ca = cv_service_ca_new (self->site->state_dir, self->public_host, error);
  if (self->ca == NULL)
    return NULL;
  if (!setup_external_sender (self, error))
    return NULL;

  if ((self->site->tls_cert == NULL) != (self->site->tls_key == NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "tls-cert and tls-key go together");
      return NULL;
    }
  if (self->site->tls_cert != NULL)
    self->tls_certificate = cv_state_load_tls_certificate (self->site->tls_cert, self->site->tls_key,
                                                           &self->fingerprint, error);
  else
    {
      g_autofree char *cert_path = NULL, *key_path = NULL;

      if (!cv_state_ensure_tls_identity (self->site->state_dir, self->public_host,
                                         &cert_path, &key_path, error))
        return NULL;
      self->tls_certificate = cv_state_load_tls_certificate (cert_path, key_path,
                                                             &self->fingerprint, error);
      self->self_signed = TRUE;
    }
  if (self->tls_certificate == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

/* ---- Connections ---- */

char *
cv_json_to_string (JsonBuilder *builder,
                   gsize       *len)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (builder);

  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, len);
}

static void
client_force_close (CvClient *client)
{
  GIOStream *stream = soup_websocket_connection_get_io_stream (client->ws);

  client->force_close_source = 0;
  g_io_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
}

static gboolean
force_close_cb (gpointer data)
{
  client_force_close (data);
  return G_SOURCE_REMOVE;
}

void
cv_client_drop (CvClient   *client,
                gushort     close_code,
                const char *reason)
{
  if (client->closing)
    return;
  client->closing = TRUE;
  cv_client_leave_meeting (client, reason);
  if (soup_websocket_connection_get_state (client->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (client->ws, close_code, reason);
  /* A slow or silent peer may never complete the closing handshake. */
  client->force_close_source = g_timeout_add (FORCE_CLOSE_MS, force_close_cb, client);
}

/* Bytes the peer's TCP has acknowledged (Linux TCP_INFO). */
static gboolean
client_refresh_acked (CvClient *client)
{
  struct tcp_info info;
  socklen_t len = sizeof info;
  int fd = client->socket != NULL ? g_socket_get_fd (client->socket) : -1;

  memset (&info, 0, sizeof info);
  if (fd < 0 || getsockopt (fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0
      || len < offsetof (struct tcp_info, tcpi_bytes_acked) + sizeof info.tcpi_bytes_acked)
    return FALSE;
  client->bytes_acked = info.tcpi_bytes_acked - client->acked_base;
  return TRUE;
}

void
cv_client_send (CvClient   *client,
                const char *text,
                gsize       len)
{
  CvServer *self = client->server;

  if (client->closing || soup_websocket_connection_get_state (client->ws) != SOUP_WEBSOCKET_STATE_OPEN)
    return;
  /* What the peer has not acknowledged is queued in libsoup or the kernel.
   * TLS and WebSocket overhead make the acknowledged count run ahead of the
   * plain text, so this errs on the side of keeping a client. */
  client->bytes_queued += len;
  if (client->bytes_queued > client->bytes_acked + self->site->send_backlog
      && client_refresh_acked (client)
      && client->bytes_queued > client->bytes_acked + self->site->send_backlog)
    {
      g_message ("Dropping slow client %s: %" G_GUINT64_FORMAT " bytes unacknowledged",
                 client->remote, client->bytes_queued - client->bytes_acked);
      self->stats.slow_disconnects++;
      cv_client_drop (client, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "slow-consumer");
      return;
    }
  soup_websocket_connection_send_text (client->ws, text);
}

void
cv_client_send_builder (CvClient    *client,
                        JsonBuilder *builder)
{
  gsize len;
  g_autofree char *text = cv_json_to_string (builder, &len);

  cv_client_send (client, text, len);
}

void
cv_client_send_error (CvClient     *client,
                      JsonNode     *request_id,
                      const char   *request_type,
                      const GError *error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  CvServerError code = error->domain == CV_SERVER_ERROR ? error->code : CV_SERVER_ERROR_INTERNAL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "error");
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, cv_server_error_code_name (code));
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, error->message);
  if (request_type != NULL)
    {
      json_builder_set_member_name (b, "request");
      json_builder_add_string_value (b, request_type);
    }
  if (request_id != NULL)
    {
      json_builder_set_member_name (b, "id");
      json_builder_add_value (b, json_node_copy (request_id));
    }
  if (client->meeting != NULL && cv_meeting_get_e2ee (client->meeting)
      && (code == CV_SERVER_ERROR_STALE_EPOCH || code == CV_SERVER_ERROR_FUTURE_EPOCH
          || code == CV_SERVER_ERROR_BACKLOG_TRUNCATED))
    {
      json_builder_set_member_name (b, "epoch");
      json_builder_add_int_value (b, cv_meeting_get_epoch (client->meeting));
    }
  json_builder_end_object (b);
  cv_client_send_builder (client, b);
}

void
cv_server_broadcast (CvServer      *self,
                     CvMeeting     *meeting,
                     const char    *text,
                     gsize          len,
                     CvParticipant *except,
                     CvBroadcastFlags flags)
{
  GPtrArray *participants = cv_meeting_get_participants (meeting);
  g_autoptr (GPtrArray) targets = g_ptr_array_new ();

  /* Sending may drop a slow client, which changes the participant list:
   * collect the targets first. */
  for (guint i = 0; i < participants->len; i++)
    {
      CvParticipant *p = g_ptr_array_index (participants, i);
      CvClient *client = cv_participant_get_connection (p);

      if (p == except || client == NULL
          || ((flags & CV_BROADCAST_MEMBERS) && !cv_participant_get_member (p))
          || ((flags & CV_BROADCAST_ROSTER) && !cv_participant_get_roster_events (p)))
        continue;
      g_ptr_array_add (targets, client);
    }
  for (guint i = 0; i < targets->len; i++)
    {
      CvClient *client = g_ptr_array_index (targets, i);

      if (g_hash_table_contains (self->clients, client))
        cv_client_send (client, text, len);
    }
}

void
cv_client_leave_meeting (CvClient   *client,
                         const char *reason)
{
  g_autoptr (CvMeeting) meeting = g_steal_pointer (&client->meeting);
  g_autoptr (CvParticipant) participant = g_steal_pointer (&client->participant);

  if (meeting == NULL || participant == NULL)
    return;
  cv_participant_set_connection (participant, NULL);
  cv_server_participant_gone (client->server, meeting, participant, reason);
}

static void
client_free (CvClient *client)
{
  g_clear_handle_id (&client->force_close_source, g_source_remove);
  g_clear_object (&client->participant);
  g_clear_object (&client->meeting);
  g_signal_handlers_disconnect_by_data (client->ws, client);
  g_clear_object (&client->ws);
  g_clear_object (&client->socket);
  g_free (client->remote);
  g_free (client->account);
  g_free (client);
}

static gboolean
client_take_token (CvClient *client)
{
  const CvSiteSettings *site = client->server->site;
  gint64 now = g_get_monotonic_time ();

  client->tokens = MIN ((double) site->burst,
                        client->tokens + (now - client->last_refill) * site->messages_per_second / 1e6);
  client->last_refill = now;
  if (client->tokens < 1.0)
    return FALSE;
  client->tokens -= 1.0;
  return TRUE;
}

static void
message_cb (SoupWebsocketConnection *ws,
            SoupWebsocketDataType    type,
            GBytes                  *message,
            gpointer                 user_data)
{
  CvClient *client = user_data;
  CvServer *self = client->server;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  if (client->closing)
    return;
  self->stats.messages++;

  if (!client_take_token (client))
    {
      self->stats.messages_dropped++;
      client->drops++;
      if (client->drops >= self->site->flood_drops)
        {
          g_message ("Disconnecting %s: flooding (%u messages dropped)", client->remote, client->drops);
          self->stats.flood_disconnects++;
          cv_client_drop (client, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "flood");
          return;
        }
      /* One notice per burst, so that a flood does not turn into one. */
      if (!client->rate_notice_sent)
        {
          g_autoptr (GError) error = g_error_new (CV_SERVER_ERROR, CV_SERVER_ERROR_RATE_LIMITED,
                                                  "Too many messages; this one was dropped");
          client->rate_notice_sent = TRUE;
          cv_client_send_error (client, NULL, NULL, error);
        }
      return;
    }
  client->rate_notice_sent = FALSE;

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_autoptr (GError) error = g_error_new (CV_SERVER_ERROR, CV_SERVER_ERROR_BAD_REQUEST,
                                              "Messages are JSON text frames");
      self->stats.bad_requests++;
      cv_client_send_error (client, NULL, NULL, error);
      return;
    }
  cv_server_handle_message (self, client, data, len);
}

static void
closed_cb (SoupWebsocketConnection *ws,
           gpointer                 user_data)
{
  CvClient *client = user_data;
  CvServer *self = client->server;

  client->closing = TRUE;
  cv_client_leave_meeting (client, "disconnected");
  g_hash_table_remove (self->clients, client);
  client_free (client);
}

static void
websocket_cb (SoupServer              *soup,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  CvServer *self = user_data;
  CvClient *client = g_new0 (CvClient, 1);
  GSocket *socket = soup_server_message_get_socket (msg);
  int fd;

  client->server = self;
  client->ws = g_object_ref (ws);
  client->socket = socket != NULL ? g_object_ref (socket) : NULL;
  client->remote = g_strdup (soup_server_message_get_remote_host (msg));
  client->tokens = self->site->burst;
  client->last_refill = g_get_monotonic_time ();
  g_hash_table_add (self->clients, client);
  self->stats.connections++;

  soup_websocket_connection_set_max_incoming_payload_size (ws, self->site->unjoined_frame_size);
  soup_websocket_connection_set_keepalive_interval (ws, KEEPALIVE_INTERVAL_S);
  fd = socket != NULL ? g_socket_get_fd (socket) : -1;
  if (fd >= 0)
    {
      unsigned int timeout = DEAD_PEER_TIMEOUT_MS;

      /* With keepalive pings in flight, a peer that vanished without a FIN
       * is noticed when its TCP stops acknowledging. */
      setsockopt (fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &timeout, sizeof timeout);
      g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
      if (client_refresh_acked (client))
        client->acked_base = client->bytes_acked;
      client->bytes_acked = 0;
    }
  g_signal_connect (ws, "message", G_CALLBACK (message_cb), client);
  g_signal_connect (ws, "closed", G_CALLBACK (closed_cb), client);
  g_debug ("Connection from %s", client->remote);
}

static void
ca_handler (SoupServer        *soup,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  CvServer *self = user_data;
  const char *pem = cv_service_ca_get_root_pem (self->ca);

  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/x-pem-file", SOUP_MEMORY_COPY, pem, strlen (pem));
}

static gboolean
sweep_cb (gpointer data)
{
  CvServer *self = data;
  GHashTableIter iter;
  gpointer value;
  gint64 now = g_get_monotonic_time ();

  g_hash_table_iter_init (&iter, self->meetings);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      gint64 empty_since = cv_meeting_get_empty_since (value);

      if (empty_since != 0 && now - empty_since > EMPTY_MEETING_LIFETIME_US)
        g_hash_table_iter_remove (&iter);
    }
  return G_SOURCE_CONTINUE;
}

#ifdef CV_HAVE_RELAY
static void active_speaker_cb (CvRelay    *relay,
                               const char *meeting_number,
                               guint       participant_id,
                               gpointer    user_data);
#endif

gboolean
cv_server_start (CvServer *self,
                 GError  **error)
{
  g_autoptr (GInetAddress) address = NULL;
  g_autoptr (GSocketAddress) socket_address = NULL;
  g_autoptr (GSocket) listen_socket = NULL;
  GSList *listeners;

  g_return_val_if_fail (CV_IS_SERVER (self), FALSE);
  if (self->running)
    return TRUE;

  address = g_inet_address_new_from_string (self->site->bind);
  if (address == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address to listen on", self->site->bind);
      return FALSE;
    }
  socket_address = g_inet_socket_address_new (address, self->site->port);

  self->soup = soup_server_new ("tls-certificate", self->tls_certificate,
                                "server-header", "conclave-server/" PACKAGE_VERSION,
                                NULL);
  soup_server_add_handler (self->soup, "/ca.pem", ca_handler, self, NULL);
  soup_server_add_websocket_handler (self->soup, "/ws", NULL, NULL, websocket_cb, self, NULL);
  /* Our own socket, for a listen backlog that takes a crowd joining at
   * once (GSocket's default is 10). */
  listen_socket = g_socket_new (g_socket_address_get_family (socket_address), G_SOCKET_TYPE_STREAM,
                                G_SOCKET_PROTOCOL_TCP, error);
  if (listen_socket == NULL)
    {
      g_clear_object (&self->soup);
      return FALSE;
    }
  g_socket_set_listen_backlog (listen_socket, LISTEN_BACKLOG);
  /* Small request/answer messages: Nagle's algorithm with delayed ACKs
   * would add ~40 ms to each. Accepted sockets inherit this on Linux. */
  g_socket_set_option (listen_socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
  if (!g_socket_bind (listen_socket, socket_address, TRUE, error)
      || !g_socket_listen (listen_socket, error)
      || !soup_server_listen_socket (self->soup, listen_socket, SOUP_SERVER_LISTEN_HTTPS, error))
    {
      g_clear_object (&self->soup);
      return FALSE;
    }
  listeners = soup_server_get_listeners (self->soup);
  if (listeners != NULL)
    {
      g_autoptr (GSocketAddress) local = g_socket_get_local_address (listeners->data, NULL);

      if (local != NULL)
        self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
    }
  g_slist_free (listeners);

#ifdef CV_HAVE_RELAY
  self->relay = cv_relay_new (self->site->bind,
                              self->site->relay_port != 0 ? self->site->relay_port : self->port,
                              error);
  if (self->relay == NULL)
    {
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
      return FALSE;
    }
  self->active_speaker_handler =
    g_signal_connect (self->relay, "active-speaker", G_CALLBACK (active_speaker_cb), self);
#endif

  self->sweep_source = g_timeout_add_seconds (SWEEP_INTERVAL_S, sweep_cb, self);
  self->running = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  return TRUE;
}

void
cv_server_stop (CvServer *self)
{
  g_autoptr (GList) clients = NULL;

  g_return_if_fail (CV_IS_SERVER (self));
  if (!self->running)
    return;
  self->running = FALSE;

  clients = g_hash_table_get_keys (self->clients);
  for (GList *l = clients; l != NULL; l = l->next)
    {
      CvClient *client = l->data;

      client->closing = TRUE;
      cv_client_leave_meeting (client, "service-stopped");
      g_hash_table_remove (self->clients, client);
      if (soup_websocket_connection_get_state (client->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (client->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "service-stopped");
      client_free (client);
    }
  g_hash_table_remove_all (self->meetings);
  g_clear_handle_id (&self->sweep_source, g_source_remove);
#ifdef CV_HAVE_RELAY
  g_clear_signal_handler (&self->active_speaker_handler, self->relay);
  g_clear_object (&self->relay);
#endif
  soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

guint16
cv_server_get_port (CvServer *self)
{
  g_return_val_if_fail (CV_IS_SERVER (self), 0);
  return self->port;
}

const char *
cv_server_get_fingerprint (CvServer *self)
{
  g_return_val_if_fail (CV_IS_SERVER (self), NULL);
  return self->fingerprint;
}

gboolean
cv_server_get_self_signed (CvServer *self)
{
  g_return_val_if_fail (CV_IS_SERVER (self), FALSE);
  return self->self_signed;
}

char *
cv_server_get_url (CvServer *self)
{
  g_return_val_if_fail (CV_IS_SERVER (self), NULL);
  if (strchr (self->public_host, ':') != NULL)
    return g_strdup_printf ("wss://[%s]:%u/ws", self->public_host, self->port);
  return g_strdup_printf ("wss://%s:%u/ws", self->public_host, self->port);
}

guint16
cv_server_get_relay_port (CvServer *self)
{
  g_return_val_if_fail (CV_IS_SERVER (self), 0);
#ifdef CV_HAVE_RELAY
  return self->relay != NULL ? cv_relay_get_port (self->relay) : 0;
#else
  return 0;
#endif
}

const char *
cv_server_get_ca_root (CvServer *self)
{
  g_return_val_if_fail (CV_IS_SERVER (self), NULL);
  return cv_service_ca_get_root_pem (self->ca);
}

char *
cv_server_issue_certificate (CvServer   *self,
                             const char *csr_pem,
                             const char *account,
                             GError    **error)
{
  g_return_val_if_fail (CV_IS_SERVER (self), NULL);
  return cv_service_ca_issue (self->ca, csr_pem, account, self->site->certificate_lifetime, error);
}

static char *
random_meeting_number (void)
{
  guint32 r;

  RAND_bytes ((unsigned char *) &r, sizeof r);
  /* The bias of a 32-bit value modulo 9e8 does not matter for a meeting number. */
  return g_strdup_printf ("%09u", 100000000u + r % 900000000u);
}

CvMeeting *
cv_server_open_meeting (CvServer   *self,
                        const char *number,
                        gboolean    e2ee,
                        const char *password,
                        const char *owner,
                        GError    **error)
{
  g_autofree char *chosen = NULL;
  CvMeeting *meeting;

  if (e2ee && !self->site->e2ee_allowed)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_E2EE_DISABLED_BY_SITE,
                   "End-to-end encrypted meetings are disabled on this site");
      return NULL;
    }
  if (number != NULL)
    {
      meeting = g_hash_table_lookup (self->meetings, number);
      if (meeting != NULL)
        return meeting;
    }
  if (g_hash_table_size (self->meetings) >= self->site->max_meetings)
    {
      g_set_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_INTERNAL,
                   "The service has too many meetings open");
      return NULL;
    }
  if (number == NULL)
    {
      do
        {
          g_free (chosen);
          chosen = random_meeting_number ();
        }
      while (g_hash_table_contains (self->meetings, chosen)
             || cv_accounts_find_personal_room (self->accounts, chosen) != NULL);
      number = chosen;
    }
  meeting = cv_meeting_new (number, e2ee, password, owner);
  g_hash_table_insert (self->meetings, g_strdup (number), meeting);
  return meeting;
}

char *
cv_server_create_meeting (CvServer   *self,
                          gboolean    e2ee,
                          const char *password,
                          GError    **error)
{
  CvMeeting *meeting;

  g_return_val_if_fail (CV_IS_SERVER (self), NULL);
  meeting = cv_server_open_meeting (self, NULL, e2ee, password, NULL, error);
  return meeting != NULL ? g_strdup (cv_meeting_get_number (meeting)) : NULL;
}

char *
cv_server_build_invite (CvServer   *self,
                        const char *number)
{
  g_return_val_if_fail (CV_IS_SERVER (self), NULL);
  return cv_invite_link_build (self->public_host, self->port, number,
                               self->self_signed ? self->fingerprint : NULL);
}

guint
cv_server_get_n_meetings (CvServer *self)
{
  g_return_val_if_fail (CV_IS_SERVER (self), 0);
  return g_hash_table_size (self->meetings);
}

void
cv_server_get_stats (CvServer      *self,
                     CvServerStats *stats)
{
  g_return_if_fail (CV_IS_SERVER (self));
  *stats = self->stats;
}

#ifdef CV_HAVE_RELAY
/* The relay names the loudest participant of a meeting; its members hear
 * about it so that the app can highlight the tile. */
static void
active_speaker_cb (CvRelay    *relay,
                   const char *meeting_number,
                   guint       participant_id,
                   gpointer    user_data)
{
  CvServer *self = user_data;
  CvMeeting *meeting = g_hash_table_lookup (self->meetings, meeting_number);
  g_autoptr (JsonBuilder) b = NULL;
  g_autofree char *text = NULL;
  gsize len;

  if (meeting == NULL || cv_meeting_lookup (meeting, participant_id) == NULL)
    return;
  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "active-speaker");
  json_builder_set_member_name (b, "participant");
  json_builder_add_int_value (b, participant_id);
  json_builder_end_object (b);
  text = cv_json_to_string (b, &len);
  cv_server_broadcast (self, meeting, text, len, NULL, CV_BROADCAST_ALL);
}
#endif

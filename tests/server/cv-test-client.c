#include "cv-test-client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

static SoupSession *shared_session;
static char *pinned_fingerprint;

CvSiteConfig *
cv_test_config_new (void)
{
  g_autofree char *dir = cv_test_state_dir ();

  return g_object_new (CV_TYPE_SITE_CONFIG,
                       "bind", "127.0.0.1",
                       "port", 0,
                       "relay-port", 0,
                       "public-host", "127.0.0.1",
                       "state-dir", dir,
                       NULL);
}

char *
cv_test_state_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("cv-server-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

CvServer *
cv_test_server_start (CvSiteConfig *config)
{
  g_autoptr (GError) error = NULL;
  CvServer *server = cv_server_new (config, &error);

  g_assert_no_error (error);
  cv_server_start (server, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (cv_server_get_port (server), >, 0);
  return server;
}

struct _CvTestServerThread {
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  CvSiteConfig *config;
  CvServer *server;
  GMutex lock;
  GCond started;
};

static gpointer
server_thread (gpointer data)
{
  CvTestServerThread *t = data;

  g_main_context_push_thread_default (t->context);
  g_mutex_lock (&t->lock);
  t->server = cv_test_server_start (t->config);
  g_cond_signal (&t->started);
  g_mutex_unlock (&t->lock);
  g_main_loop_run (t->loop);
  cv_server_stop (t->server);
  g_clear_object (&t->server);
  /* Let the closing connections finish on this context. */
  while (g_main_context_iteration (t->context, FALSE))
    ;
  g_main_context_pop_thread_default (t->context);
  return NULL;
}

CvTestServerThread *
cv_test_server_thread_start (CvSiteConfig *config)
{
  CvTestServerThread *t = g_new0 (CvTestServerThread, 1);

  t->context = g_main_context_new ();
  t->loop = g_main_loop_new (t->context, FALSE);
  t->config = g_object_ref (config);
  g_mutex_init (&t->lock);
  g_cond_init (&t->started);
  g_mutex_lock (&t->lock);
  t->thread = g_thread_new ("test-server", server_thread, t);
  while (t->server == NULL)
    g_cond_wait (&t->started, &t->lock);
  g_mutex_unlock (&t->lock);
  return t;
}

CvServer *
cv_test_server_thread_get (CvTestServerThread *t)
{
  return t->server;
}

static gboolean
quit_loop_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
cv_test_server_thread_stop (CvTestServerThread *t)
{
  g_main_context_invoke (t->context, quit_loop_cb, t->loop);
  g_thread_join (t->thread);
  g_main_loop_unref (t->loop);
  g_main_context_unref (t->context);
  g_object_unref (t->config);
  g_mutex_clear (&t->lock);
  g_cond_clear (&t->started);
  g_free (t);
}

void
cv_test_spin (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
}

/* Pinning: the service's certificate is self-signed, so the client accepts
 * exactly the one whose SHA-256 the invite link names. */
static gboolean
accept_certificate_cb (SoupMessage          *msg,
                       GTlsCertificate      *certificate,
                       GTlsCertificateFlags  errors,
                       gpointer              user_data)
{
  g_autoptr (GByteArray) der = NULL;
  g_autofree char *fp = NULL;

  g_object_get (certificate, "certificate", &der, NULL);
  fp = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  return g_strcmp0 (fp, pinned_fingerprint) == 0;
}

/* As the service does: no Nagle delay on small messages. */
static void
network_event_cb (SoupMessage       *msg,
                  GSocketClientEvent event,
                  GIOStream         *connection,
                  gpointer           user_data)
{
  if (event == G_SOCKET_CLIENT_CONNECTED && G_IS_SOCKET_CONNECTION (connection))
    g_socket_set_option (g_socket_connection_get_socket (G_SOCKET_CONNECTION (connection)),
                         IPPROTO_TCP, TCP_NODELAY, 1, NULL);
}

static void
message_cb (SoupWebsocketConnection *ws,
            SoupWebsocketDataType    type,
            GBytes                  *message,
            gpointer                 user_data)
{
  CvTestClient *client = user_data;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) error = NULL;

  client->received++;
  if (client->light)
    {
      static const char *const kept[] = { "joined", "error", "left", "welcome", "key-package", NULL };
      gboolean keep = FALSE;

      for (guint i = 0; kept[i] != NULL && !keep; i++)
        {
          g_autofree char *prefix = g_strdup_printf ("{\"type\":\"%s\"", kept[i]);
          keep = len >= strlen (prefix) && memcmp (data, prefix, strlen (prefix)) == 0;
        }
      if (!keep)
        return;
    }
  parser = json_parser_new ();
  json_parser_load_from_data (parser, data, len, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  g_queue_push_tail (&client->messages, json_node_copy (json_parser_get_root (parser)));
}

static void
closed_cb (SoupWebsocketConnection *ws,
           gpointer                 user_data)
{
  CvTestClient *client = user_data;

  client->closed = TRUE;
  client->close_code = soup_websocket_connection_get_close_code (ws);
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  CvTestClient *client = user_data;
  g_autoptr (GError) error = NULL;

  client->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  /* The service may send big rosters and backlogs. */
  soup_websocket_connection_set_max_incoming_payload_size (client->ws, 64 * 1024 * 1024);
  g_signal_connect (client->ws, "message", G_CALLBACK (message_cb), client);
  g_signal_connect (client->ws, "closed", G_CALLBACK (closed_cb), client);
}

static char *trusted_path;

void
cv_test_client_trust (const char *cert_path)
{
  if (g_strcmp0 (trusted_path, cert_path) == 0)
    return;
  g_free (trusted_path);
  trusted_path = g_strdup (cert_path);
  /* A new session for the new anchor. */
  g_clear_object (&shared_session);
}

CvTestClient *
cv_test_client_connect_async (CvServer *server,
                              gboolean  light)
{
  g_autoptr (CvSiteConfig) config = NULL;
  g_autofree char *state_dir = NULL, *cert = NULL;

  g_object_get (server, "config", &config, NULL);
  g_object_get (config, "state-dir", &state_dir, NULL);
  cert = g_build_filename (state_dir, "tls-cert.pem", NULL);
  cv_test_client_trust (cert);
  return cv_test_client_connect_port (cv_server_get_port (server),
                                      cv_server_get_fingerprint (server), light);
}

CvTestClient *
cv_test_client_connect_port (guint16     port,
                             const char *fingerprint,
                             gboolean    light)
{
  CvTestClient *client = g_new0 (CvTestClient, 1);
  g_autofree char *url = g_strdup_printf ("wss://127.0.0.1:%u/ws", port);
  g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);

  if (shared_session == NULL)
    {
      g_autoptr (GTlsDatabase) database = NULL;

      shared_session = soup_session_new_with_options ("max-conns", 4000, "max-conns-per-host", 4000,
                                                      "timeout", 60, NULL);
      /* Trusting only the service's own certificate also spares each
       * handshake a load of the system's CA list. */
      if (trusted_path != NULL)
        {
          g_autoptr (GError) error = NULL;

          database = g_tls_file_database_new (trusted_path, &error);
          g_assert_no_error (error);
          soup_session_set_tls_database (shared_session, database);
        }
    }
  g_free (pinned_fingerprint);
  pinned_fingerprint = g_strdup (fingerprint);
  client->light = light;
  g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_certificate_cb), NULL);
  g_signal_connect (msg, "network-event", G_CALLBACK (network_event_cb), NULL);
  soup_session_websocket_connect_async (shared_session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        NULL, connected_cb, client);
  return client;
}

void
cv_test_clients_wait_connected (CvTestClient **clients,
                                guint          n)
{
  gint64 end = g_get_monotonic_time () + 120 * G_TIME_SPAN_SECOND;

  for (guint i = 0; i < n; i++)
    while (clients[i]->ws == NULL)
      {
        g_assert_cmpint (g_get_monotonic_time (), <, end);
        g_main_context_iteration (NULL, TRUE);
      }
}

CvTestClient *
cv_test_client_connect (CvServer *server,
                        gboolean  light)
{
  CvTestClient *client = cv_test_client_connect_async (server, light);

  cv_test_clients_wait_connected (&client, 1);
  return client;
}

void
cv_test_client_send_text (CvTestClient *client,
                          const char   *text)
{
  soup_websocket_connection_send_text (client->ws, text);
}

void
cv_test_client_send (CvTestClient *client,
                     const char   *fmt,
                     ...)
{
  g_autofree char *text = NULL;
  va_list ap;

  va_start (ap, fmt);
  text = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  cv_test_client_send_text (client, text);
}

static JsonNode *
take_of_type (CvTestClient *client,
              const char   *type)
{
  for (GList *l = client->messages.head; l != NULL; l = l->next)
    {
      JsonObject *obj = json_node_get_object (l->data);

      if (g_strcmp0 (json_object_get_string_member_with_default (obj, "type", ""), type) == 0)
        {
          JsonNode *node = l->data;

          g_queue_delete_link (&client->messages, l);
          return node;
        }
    }
  return NULL;
}

static gboolean
timed_out_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Blocking iterations until the deadline: with a thousand connections on
 * the context, each iteration costs, so none is spent idle-polling. */
JsonNode *
cv_test_client_wait (CvTestClient *client,
                     const char   *type,
                     guint         timeout_ms)
{
  gboolean timed_out = FALSE;
  guint source;
  JsonNode *node;

  if ((node = take_of_type (client, type)) != NULL)
    return node;
  while (g_main_context_iteration (NULL, FALSE))
    if ((node = take_of_type (client, type)) != NULL)
      return node;
  if (timeout_ms == 0)
    return NULL;
  source = g_timeout_add (timeout_ms, timed_out_cb, &timed_out);
  while ((node = take_of_type (client, type)) == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (source);
  return node;
}

JsonObject *
cv_test_client_expect (CvTestClient *client,
                       const char   *type)
{
  JsonNode *node = cv_test_client_wait (client, type, 20000);

  if (node == NULL)
    {
      g_autoptr (GString) queued = g_string_new ("");

      for (GList *l = client->messages.head; l != NULL; l = l->next)
        {
          g_autofree char *text = json_to_string (l->data, FALSE);
          g_string_append_printf (queued, "\n  %.200s", text);
        }
      g_error ("expected a “%s” message; queued:%s", type, queued->str);
    }
  g_clear_pointer (&client->last, json_node_unref);
  client->last = node;
  return json_node_get_object (node);
}

void
cv_test_client_expect_error (CvTestClient *client,
                             const char   *code)
{
  JsonObject *error = cv_test_client_expect (client, "error");

  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  g_assert_nonnull (json_object_get_string_member (error, "message"));
}

gboolean
cv_test_client_none (CvTestClient *client,
                     const char   *type,
                     guint         timeout_ms)
{
  JsonNode *node = cv_test_client_wait (client, type, timeout_ms);

  if (node == NULL)
    return TRUE;
  json_node_unref (node);
  return FALSE;
}

gboolean
cv_test_client_wait_closed (CvTestClient *client,
                            guint         timeout_ms)
{
  gboolean timed_out = FALSE;
  guint source = g_timeout_add (timeout_ms, timed_out_cb, &timed_out);

  while (!client->closed && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (source);
  return client->closed;
}

void
cv_test_client_free (CvTestClient *client)
{
  if (client == NULL)
    return;
  if (client->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (client->ws, client);
      if (soup_websocket_connection_get_state (client->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (client->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_object_unref (client->ws);
    }
  g_queue_clear_full (&client->messages, (GDestroyNotify) json_node_unref);
  g_clear_pointer (&client->last, json_node_unref);
  g_free (client);
}

/* ---- MLS wire bytes ---- */

static void
put_varint (GByteArray *b, gsize n)
{
  guint8 x[4];

  g_assert_cmpuint (n, <, 0x40000000);
  if (n < 0x40)
    {
      x[0] = n;
      g_byte_array_append (b, x, 1);
    }
  else if (n < 0x4000)
    {
      x[0] = 0x40 | (n >> 8);
      x[1] = n;
      g_byte_array_append (b, x, 2);
    }
  else
    {
      x[0] = 0x80 | (n >> 24);
      x[1] = n >> 16;
      x[2] = n >> 8;
      x[3] = n;
      g_byte_array_append (b, x, 4);
    }
}

static void
put_uint (GByteArray *b, guint64 v, guint width)
{
  for (guint i = 0; i < width; i++)
    {
      guint8 byte = v >> (8 * (width - 1 - i));
      g_byte_array_append (b, &byte, 1);
    }
}

static void
put_opaque (GByteArray *b, const void *data, gsize len)
{
  put_varint (b, len);
  g_byte_array_append (b, data, len);
}

static char *
finish (GByteArray *b)
{
  char *s = g_base64_encode (b->data, b->len);

  g_byte_array_unref (b);
  return s;
}

char *
cv_test_mls_key_package (guint16 suite)
{
  GByteArray *b = g_byte_array_new ();

  put_uint (b, 1, 2);          /* mls10 */
  put_uint (b, 5, 2);          /* mls_key_package */
  put_uint (b, 1, 2);          /* KeyPackage.version */
  put_uint (b, suite, 2);
  put_opaque (b, "init-key-bytes-xxxxxxxxxxxxxxxxx", 32);
  return finish (b);
}

char *
cv_test_mls_welcome (guint16 suite)
{
  GByteArray *b = g_byte_array_new ();

  put_uint (b, 1, 2);
  put_uint (b, 3, 2);          /* mls_welcome */
  put_uint (b, suite, 2);
  put_opaque (b, "secrets", 7);
  put_opaque (b, "encrypted-group-info", 20);
  return finish (b);
}

static char *
public_message (const char *group_id, guint64 epoch, guint32 leaf, guint8 content_type)
{
  GByteArray *b = g_byte_array_new ();

  put_uint (b, 1, 2);
  put_uint (b, 1, 2);          /* mls_public_message */
  put_opaque (b, group_id, strlen (group_id));
  put_uint (b, epoch, 8);
  put_uint (b, 1, 1);          /* sender: member */
  put_uint (b, leaf, 4);
  put_opaque (b, "", 0);       /* authenticated_data */
  put_uint (b, content_type, 1);
  put_opaque (b, "body-of-the-commit-or-proposal", 30);
  return finish (b);
}

char *
cv_test_mls_commit (const char *group_id, guint64 epoch, guint32 leaf)
{
  return public_message (group_id, epoch, leaf, 3);
}

char *
cv_test_mls_proposal (const char *group_id, guint64 epoch, guint32 leaf)
{
  return public_message (group_id, epoch, leaf, 2);
}

char *
cv_test_mls_application (const char *group_id, guint64 epoch,
                         const guint8 *ciphertext, gsize len)
{
  GByteArray *b = g_byte_array_new ();

  put_uint (b, 1, 2);
  put_uint (b, 2, 2);          /* mls_private_message */
  put_opaque (b, group_id, strlen (group_id));
  put_uint (b, epoch, 8);
  put_uint (b, 1, 1);          /* application */
  put_opaque (b, "", 0);
  put_opaque (b, "sender-data-encrypted", 21);
  put_opaque (b, ciphertext, len);
  return finish (b);
}

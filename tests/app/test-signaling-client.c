/* CvSignalingClient against the real service on loopback with real TLS:
 * the invite link's fingerprint pins the self-signed certificate, a wrong
 * or missing pin is refused with a reason a user can read. */
#include <glib/gstdio.h>

#include "cv-server.h"
#include "cv-signaling-client.h"

typedef struct {
  CvServer *server;
  char *state_dir;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CvSiteConfig) config = cv_site_config_new ();

  f->state_dir = g_dir_make_tmp ("conclave-test-XXXXXX", &error);
  g_assert_no_error (error);
  g_object_set (config, "port", 0, "state-dir", f->state_dir, "bind", "127.0.0.1", NULL);
  f->server = cv_server_new (config, &error);
  g_assert_no_error (error);
  g_assert_true (cv_server_start (f->server, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->state_dir);

  cv_server_stop (f->server);
  g_clear_object (&f->server);
  g_assert_cmpint (system (cmd), ==, 0);
  g_free (f->state_dir);
}

static void
connect_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error_out = user_data;
  gboolean ok = cv_signaling_client_connect_finish (CV_SIGNALING_CLIENT (source), result, error_out);

  g_assert_true (ok == (*error_out == NULL));
  /* Mark completion even on success. */
  if (ok)
    *error_out = g_error_new_literal (G_IO_ERROR, 0, "connected");
}

/* Connects and returns the error (or the "connected" marker). */
static GError *
connect_with (Fixture *f, CvSignalingClient *client, guint16 port, const char *fingerprint)
{
  GError *result = NULL;

  cv_signaling_client_connect_async (client, "127.0.0.1", port, fingerprint, NULL, connect_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return result;
}

static void
message_cb (CvSignalingClient *client, JsonObject *message, gpointer user_data)
{
  g_free (*(char **) user_data);
  *(char **) user_data = g_strdup (json_object_get_string_member (message, "type"));
}

static void
test_pinned (Fixture *f, gconstpointer data)
{
  g_autoptr (CvSignalingClient) client = cv_signaling_client_new ();
  g_autoptr (GError) error = connect_with (f, client, cv_server_get_port (f->server),
                                           cv_server_get_fingerprint (f->server));
  g_autoptr (JsonObject) ping = json_object_new ();
  g_autofree char *reply = NULL;
  g_autoptr (GError) send_error = NULL;

  g_assert_true (cv_server_get_self_signed (f->server));
  g_assert_cmpstr (error->message, ==, "connected");
  g_assert_true (cv_signaling_client_is_connected (client));

  g_signal_connect (client, "message", G_CALLBACK (message_cb), &reply);
  json_object_set_string_member (ping, "type", "ping");
  g_assert_true (cv_signaling_client_send (client, ping, &send_error));
  g_assert_no_error (send_error);
  while (reply == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (reply, ==, "pong");
}

static void
test_wrong_pin (Fixture *f, gconstpointer data)
{
  g_autoptr (CvSignalingClient) client = cv_signaling_client_new ();
  g_autofree char *wrong = g_strdup (cv_server_get_fingerprint (f->server));
  g_autoptr (GError) error = NULL;

  wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
  error = connect_with (f, client, cv_server_get_port (f->server), wrong);
  g_assert_error (error, CV_SIGNALING_ERROR, CV_SIGNALING_ERROR_CERTIFICATE);
  g_assert_nonnull (strstr (error->message, "does not match"));
  g_assert_false (cv_signaling_client_is_connected (client));
}

static void
test_no_pin (Fixture *f, gconstpointer data)
{
  g_autoptr (CvSignalingClient) client = cv_signaling_client_new ();
  g_autoptr (GError) error = connect_with (f, client, cv_server_get_port (f->server), NULL);

  g_assert_error (error, CV_SIGNALING_ERROR, CV_SIGNALING_ERROR_CERTIFICATE);
}

static void
test_unreachable (Fixture *f, gconstpointer data)
{
  g_autoptr (CvSignalingClient) client = cv_signaling_client_new ();
  g_autoptr (GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;
  guint16 port;

  /* A port that is bound but not listening refuses connections. */
  g_assert_true (g_socket_bind (sock, addr, FALSE, NULL));
  bound = g_socket_get_local_address (sock, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  error = connect_with (f, client, port, cv_server_get_fingerprint (f->server));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/app/signaling/pinned", Fixture, NULL, fixture_setup, test_pinned, fixture_teardown);
  g_test_add ("/app/signaling/wrong-pin", Fixture, NULL, fixture_setup, test_wrong_pin, fixture_teardown);
  g_test_add ("/app/signaling/no-pin", Fixture, NULL, fixture_setup, test_no_pin, fixture_teardown);
  g_test_add ("/app/signaling/unreachable", Fixture, NULL, fixture_setup, test_unreachable, fixture_teardown);
  return g_test_run ();
}

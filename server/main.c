/* conclave-server: the meeting service as a program.
 *
 *   conclave-server [--config FILE] [--port N] [--bind ADDR] [--state-dir DIR]
 *                   [--tls-cert PEM --tls-key PEM] [--accounts FILE]
 *   conclave-server --hash-password     (reads a password on stdin, prints the accounts line)
 *
 * Command-line options override the configuration file. SIGTERM and SIGINT
 * stop the service cleanly.
 */
#include "config.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cv-accounts.h"
#include "cv-server.h"
#include "cv-site-config.h"

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static int
hash_password (void)
{
  char line[1100];
  g_autoptr (GError) error = NULL;
  g_autofree char *hashed = NULL;
  gsize len;

  if (fgets (line, sizeof line, stdin) == NULL)
    {
      g_printerr ("conclave-server: no password on standard input\n");
      return 1;
    }
  len = strcspn (line, "\r\n");
  line[len] = '\0';
  hashed = cv_accounts_hash_password (line, &error);
  memset (line, 0, sizeof line);
  if (hashed == NULL)
    {
      g_printerr ("conclave-server: %s\n", error->message);
      return 1;
    }
  g_print ("password = %s\n", hashed);
  return 0;
}

int
main (int argc, char **argv)
{
  g_autoptr (GOptionContext) context = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (CvSiteConfig) config = NULL;
  g_autoptr (CvServer) server = NULL;
  g_autoptr (GMainLoop) loop = NULL;
  g_autofree char *config_path = NULL, *bind = NULL, *state_dir = NULL;
  g_autofree char *tls_cert = NULL, *tls_key = NULL, *accounts = NULL, *public_host = NULL;
  g_autofree char *url = NULL;
  gboolean do_hash = FALSE, create_meeting = FALSE;
  int port = -1;
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Site configuration file", "FILE" },
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "TCP port (0: any free port; default 7443)", "PORT" },
    { "bind", 'b', 0, G_OPTION_ARG_STRING, &bind, "Address to listen on (default 0.0.0.0)", "ADDRESS" },
    { "public-host", 0, 0, G_OPTION_ARG_STRING, &public_host, "Host name for invite links", "HOST" },
    { "state-dir", 's', 0, G_OPTION_ARG_FILENAME, &state_dir, "Folder for the service's keys", "DIR" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &tls_cert, "TLS certificate (PEM)", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &tls_key, "TLS private key (PEM)", "FILE" },
    { "accounts", 'a', 0, G_OPTION_ARG_FILENAME, &accounts, "Accounts file", "FILE" },
    { "hash-password", 0, 0, G_OPTION_ARG_NONE, &do_hash, "Hash a password read from standard input for the accounts file", NULL },
    { "create-meeting", 0, 0, G_OPTION_ARG_NONE, &create_meeting, "Open an E2EE meeting at start and print its invite link", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  context = g_option_context_new ("— Conclave meeting service");
  g_option_context_set_summary (context,
                                "Signaling, MLS delivery service, admission rules and service CA for\n"
                                "end-to-end encrypted Conclave meetings.");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("conclave-server: %s\n", error->message);
      return 2;
    }
  if (do_hash)
    return hash_password ();

  if (config_path != NULL)
    config = cv_site_config_new_from_file (config_path, &error);
  else
    config = cv_site_config_new ();
  if (config == NULL)
    {
      g_printerr ("conclave-server: %s\n", error->message);
      return 2;
    }
  if (port > 65535)
    {
      g_printerr ("conclave-server: --port must be 0..65535\n");
      return 2;
    }
  if (port >= 0)
    g_object_set (config, "port", (guint) port, NULL);
  if (bind != NULL)
    g_object_set (config, "bind", bind, NULL);
  if (public_host != NULL)
    g_object_set (config, "public-host", public_host, NULL);
  if (state_dir != NULL)
    g_object_set (config, "state-dir", state_dir, NULL);
  if (tls_cert != NULL)
    g_object_set (config, "tls-cert", tls_cert, NULL);
  if (tls_key != NULL)
    g_object_set (config, "tls-key", tls_key, NULL);
  if (accounts != NULL)
    g_object_set (config, "accounts", accounts, NULL);

  server = cv_server_new (config, &error);
  if (server == NULL || !cv_server_start (server, &error))
    {
      g_printerr ("conclave-server: %s\n", error->message);
      return 1;
    }

  url = cv_server_get_url (server);
  g_print ("Listening on %s\n", url);
  g_print ("TLS certificate SHA-256: %s%s\n", cv_server_get_fingerprint (server),
           cv_server_get_self_signed (server) ? " (self-signed: invite links pin it)" : "");
  if (cv_server_get_relay_port (server) != 0)
    g_print ("Media relay on UDP port %u\n", cv_server_get_relay_port (server));
  else
    g_print ("No media relay in this build\n");
  if (create_meeting)
    {
      g_autofree char *number = cv_server_create_meeting (server, TRUE, NULL, &error);
      g_autofree char *invite = number ? cv_server_build_invite (server, number) : NULL;

      if (invite == NULL)
        {
          g_printerr ("conclave-server: %s\n", error->message);
          return 1;
        }
      g_print ("Invite: %s\n", invite);
    }

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_main_loop_run (loop);

  g_print ("Stopping\n");
  cv_server_stop (server);
  return 0;
}

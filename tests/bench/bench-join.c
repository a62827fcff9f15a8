/* bench-join: how many signaling-only participants per second can connect
 * over TLS WebSocket and join an E2EE meeting (issue 6).
 *
 * The real service runs on loopback on its own thread and main context, as
 * conclave-server would in its own process; the joiners are the server
 * tests' lightweight clients (roster_events false, a fabricated KeyPackage
 * whose public header the service checks). The baseline, measured in the
 * same run with the same connection pattern, is as many TLS WebSocket
 * connections that each send one `ping` and get its `pong`: the ratio is
 * what the join itself costs on top of the handshake both pay.
 *
 * Not a timed test: run it by hand (docs/benchmarks.md).
 */
#include "bench-common.h"
#include "cv-test-client.h"

#include <glib/gstdio.h>
#include <stdlib.h>

/* Connections started together before waiting for them: the TLS handshakes
 * of both ends share GIO's small thread pool in this one process, as in the
 * admission test. */
#define CONNECT_BATCH 4

static char *key_package;
/* Joined participants stay until the end: each leave makes the service send
 * a Remove proposal to every remaining member, a storm that would still be
 * running during the next round. */
static GPtrArray *members;

typedef enum {
  ROUND_PING,
  ROUND_JOIN,
} RoundKind;

/* Opens an E2EE meeting over the wire, as a host would. */
static char *
open_meeting (CvServer *server)
{
  CvTestClient *c = cv_test_client_connect (server, FALSE);
  char *number;

  cv_test_client_send (c, "{\"type\":\"create-meeting\",\"e2ee\":true}");
  number = g_strdup (json_object_get_string_member (cv_test_client_expect (c, "meeting-created"), "number"));
  cv_test_client_free (c);
  return number;
}

static void
send_request (CvTestClient *c, RoundKind kind, const char *number, guint i)
{
  if (kind == ROUND_PING)
    cv_test_client_send (c, "{\"type\":\"ping\",\"id\":%u}", i);
  else
    cv_test_client_send (c, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"P%u\",\"e2ee\":true,"
                            "\"roster_events\":false,\"key_package\":\"%s\"}", number, i, key_package);
}

/* Connects n clients, each sending its request as soon as it is connected,
 * and waits for every answer; returns clients per second, or 0 on failure. */
static double
run_round (CvServer *server, RoundKind kind, guint n)
{
  /* Pings are answered with nothing a light client keeps, so the baseline
   * clients keep everything: they receive only their pong. */
  gboolean light = kind == ROUND_JOIN;
  const char *answer = kind == ROUND_PING ? "pong" : "joined";
  g_autofree char *number = kind == ROUND_JOIN ? open_meeting (server) : NULL;
  CvTestClient **clients = g_new0 (CvTestClient *, n);
  CvServerStats before, after;
  gboolean ok = TRUE;
  double start, elapsed;

  cv_server_get_stats (server, &before);
  start = bench_now ();
  for (guint i = 0; i < n; i += CONNECT_BATCH)
    {
      guint batch = MIN (CONNECT_BATCH, n - i);

      for (guint j = 0; j < batch; j++)
        clients[i + j] = cv_test_client_connect_async (server, light);
      cv_test_clients_wait_connected (clients + i, batch);
      for (guint j = 0; j < batch; j++)
        send_request (clients[i + j], kind, number, i + j);
    }
  for (guint i = 0; i < n && ok; i++)
    {
      JsonNode *node = cv_test_client_wait (clients[i], answer, 120000);

      if (node == NULL)
        {
          JsonNode *error = cv_test_client_wait (clients[i], "error", 0);

          fprintf (stderr, "client %u got no “%s”%s%s\n", i, answer,
                   error != NULL ? ": error " : "",
                   error != NULL ? json_object_get_string_member_with_default (json_node_get_object (error),
                                                                               "code", "?") : "");
          g_clear_pointer (&error, json_node_unref);
          ok = FALSE;
        }
      g_clear_pointer (&node, json_node_unref);
    }
  elapsed = bench_now () - start;

  /* The service must have counted every join as a join, none refused. */
  cv_server_get_stats (server, &after);
  if (ok && kind == ROUND_JOIN
      && (after.joins - before.joins != n || after.joins_refused != before.joins_refused))
    {
      fprintf (stderr, "service counted %" G_GUINT64_FORMAT " joins and %" G_GUINT64_FORMAT
               " refusals for %u joiners\n", after.joins - before.joins,
               after.joins_refused - before.joins_refused, n);
      ok = FALSE;
    }

  for (guint i = 0; i < n; i++)
    if (kind == ROUND_JOIN)
      g_ptr_array_add (members, clients[i]);
    else
      cv_test_client_free (clients[i]);
  g_free (clients);
  /* Let both ends finish closing before the next round is timed. */
  cv_test_spin (1000);
  return ok ? (double) n / elapsed : 0.0;
}

static void
remove_state_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        remove_state_dir (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

int
main (void)
{
  /* Rounds alternate baseline and join so that a busy moment of the
   * neighbours hits both alike; the best of each is reported. */
  static const struct { guint n, rounds; } sizes[] = { { 100, 3 }, { 500, 1 } };
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  g_autofree char *state_dir = NULL;
  CvTestServerThread *thread;
  CvServer *server;
  int status = EXIT_SUCCESS;

  g_object_get (config, "state-dir", &state_dir, NULL);
  thread = cv_test_server_thread_start (config);
  server = cv_test_server_thread_get (thread);
  key_package = cv_test_mls_key_package (1);
  members = g_ptr_array_new ();
  /* Warm-up, untimed: the first handshakes pay for loading and caches. */
  run_round (server, ROUND_PING, 8);

  printf ("join throughput: TLS WebSocket connect + E2EE join (roster_events false), "
          "against connect + ping/pong, %d connections started at a time, best of alternating rounds\n",
          CONNECT_BATCH);
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      guint n = sizes[s].n;
      double ping_rate = 0.0, join_rate = 0.0;
      gboolean failed = FALSE;
      g_autofree char *name = g_strdup_printf ("join, N=%u (participants)", n);
      g_autofree char *baseline = g_strdup_printf ("connect+ping, N=%u", n);

      for (guint r = 0; r < sizes[s].rounds && !failed; r++)
        {
          double ping = run_round (server, ROUND_PING, n);
          double join = run_round (server, ROUND_JOIN, n);

          failed = ping == 0.0 || join == 0.0;
          ping_rate = MAX (ping_rate, ping);
          join_rate = MAX (join_rate, join);
        }

      if (failed)
        {
          fprintf (stderr, "round of %u failed\n", n);
          status = EXIT_FAILURE;
          break;
        }
      bench_report (name, join_rate, baseline, ping_rate);
      fflush (stdout);
    }

  g_free (key_package);
  /* The service goes first, so that no leave of a member is relayed. */
  cv_test_server_thread_stop (thread);
  g_ptr_array_set_free_func (members, (GDestroyNotify) cv_test_client_free);
  g_ptr_array_unref (members);
  remove_state_dir (state_dir);
  return status;
}

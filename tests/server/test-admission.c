/* Admission rules of an E2EE meeting (DESIGN.md), each with its error code,
 * over real connections — including the 1000th/1001st participant and the
 * 205th/206th device, with lightweight clients. */
#include "cv-test-client.h"

#include <string.h>

static char *kp;

/* Lightweight participants decline roster events, as a room device or a
 * bot without a participant list may: 1000 joins would otherwise be half a
 * million events through this one test process. */
static void
join (CvTestClient *c, const char *number, const char *extra)
{
  cv_test_client_send (c, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"P\",\"e2ee\":true,"
                          "\"roster_events\":false,\"key_package\":\"%s\"%s}", number, kp, extra ? extra : "");
}

static void
expect_refused (CvServer *server, const char *number, const char *json_extra, const char *code)
{
  CvTestClient *c = cv_test_client_connect (server, FALSE);

  cv_test_client_send (c, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"P\"%s}", number, json_extra);
  cv_test_client_expect_error (c, code);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (c->last), "request"), ==, "join");
  cv_test_client_free (c);
}

static void
expect_admitted (CvServer *server, const char *number, const char *json_extra)
{
  CvTestClient *c = cv_test_client_connect (server, FALSE);

  cv_test_client_send (c, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"P\"%s}", number, json_extra);
  cv_test_client_expect (c, "joined");
  cv_test_client_free (c);
}

static void
test_rules (void)
{
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  g_autoptr (CvServer) server = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *e2ee = NULL, *standard = NULL;
  g_autofree char *with_kp = NULL;
  CvServerStats stats;

  g_object_set (config, "video-devices-enabled", FALSE, NULL);
  server = cv_test_server_start (config);
  e2ee = cv_server_create_meeting (server, TRUE, NULL, &error);
  g_assert_no_error (error);
  standard = cv_server_create_meeting (server, FALSE, NULL, &error);
  g_assert_no_error (error);
  with_kp = g_strdup_printf (",\"e2ee\":true,\"key_package\":\"%s\"", kp);

  /* SIP and PSTN endpoints, and clients without E2EE. */
  {
    g_autofree char *sip = g_strdup_printf ("%s,\"kind\":\"sip\"", with_kp);
    g_autofree char *pstn = g_strdup_printf ("%s,\"kind\":\"pstn\"", with_kp);
    expect_refused (server, e2ee, sip, "kind-refused");
    expect_refused (server, e2ee, pstn, "kind-refused");
  }
  expect_refused (server, e2ee, "", "e2ee-unsupported");
  expect_refused (server, e2ee, ",\"e2ee\":false", "e2ee-unsupported");
  /* Server-side features that need the media in the clear. */
  for (const char **f = (const char *[]) { "cloud-recording", "transcoding", "transcription", "captions", NULL }; *f; f++)
    {
      g_autofree char *extra = g_strdup_printf ("%s,\"features\":[\"%s\"]", with_kp, *f);
      expect_refused (server, e2ee, extra, "feature-refused");
      expect_refused (server, standard, extra + strlen (with_kp), "feature-unavailable");
    }
  /* Video where the site disables it; audio only is fine. */
  {
    g_autofree char *video = g_strdup_printf ("%s,\"video\":true", with_kp);
    expect_refused (server, e2ee, video, "video-disabled-by-site");
  }
  expect_refused (server, e2ee, ",\"e2ee\":true", "key-package-required");
  expect_admitted (server, e2ee, with_kp);
  /* A standard meeting takes what an E2EE one refuses. */
  expect_admitted (server, standard, ",\"kind\":\"sip\",\"video\":true");
  expect_admitted (server, standard, ",\"kind\":\"pstn\"");

  cv_server_get_stats (server, &stats);
  g_assert_cmpuint (stats.joins_refused, ==, 14);
  cv_server_stop (server);
}

static void
test_site_disables_e2ee (void)
{
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  g_autoptr (CvServer) server = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *number = NULL;
  CvTestClient *c;

  g_object_set (config, "e2ee-allowed", FALSE, NULL);
  server = cv_test_server_start (config);
  number = cv_server_create_meeting (server, TRUE, NULL, &error);
  g_assert_null (number);
  g_assert_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_E2EE_DISABLED_BY_SITE);
  c = cv_test_client_connect (server, FALSE);
  cv_test_client_send (c, "{\"type\":\"create-meeting\",\"e2ee\":true}");
  cv_test_client_expect_error (c, "e2ee-disabled-by-site");
  cv_test_client_send (c, "{\"type\":\"create-meeting\",\"e2ee\":false,\"id\":1}");
  cv_test_client_expect (c, "meeting-created");
  cv_test_client_free (c);
  cv_server_stop (server);
}

static void
free_all (CvTestClient **clients, guint n)
{
  for (guint i = 0; i < n; i++)
    cv_test_client_free (clients[i]);
  g_free (clients);
}

/* Joins n light clients one after the other and checks each is admitted. */
static CvTestClient **
fill (CvServer *server, const char *number, guint n)
{
  CvTestClient **clients = g_new0 (CvTestClient *, n);

  /* A few at a time: the TLS handshakes of both ends run in GIO's small
   * shared thread pool of this one process. */
  for (guint i = 0; i < n; i += 4)
    {
      guint batch = MIN (4, n - i);

      for (guint j = 0; j < batch; j++)
        clients[i + j] = cv_test_client_connect_async (server, TRUE);
      cv_test_clients_wait_connected (clients + i, batch);
    }
  /* All admitted whatever order the service takes them in: pipelined. */
  for (guint i = 0; i < n; i++)
    join (clients[i], number, NULL);
  /* The service answers in its own order: a generous deadline per client. */
  for (guint i = 0; i < n; i++)
    {
      JsonNode *joined = cv_test_client_wait (clients[i], "joined", 300000);

      g_assert_nonnull (joined);
      json_node_unref (joined);
    }
  return clients;
}

/* Opens an E2EE meeting over the wire (the server runs on its own thread). */
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
test_thousand (void)
{
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  CvTestServerThread *thread = cv_test_server_thread_start (config);
  CvServer *server = cv_test_server_thread_get (thread);
  g_autofree char *number = open_meeting (server);
  gint64 start = g_get_monotonic_time ();
  CvTestClient **clients = fill (server, number, 999);
  gint64 filled = g_get_monotonic_time ();
  CvTestClient *last = cv_test_client_connect (server, TRUE);
  CvTestClient *extra = cv_test_client_connect (server, TRUE);
  JsonObject *o;

  /* The 1000th is admitted, the 1001st refused. */
  join (last, number, NULL);
  o = cv_test_client_expect (last, "joined");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "roster")), ==, 1000);
  join (extra, number, NULL);
  cv_test_client_expect_error (extra, "meeting-full");
  g_print ("# 1000 participants joined in %.1f s (999 connected and joined in %.1f s)\n",
           (g_get_monotonic_time () - start) / 1e6, (filled - start) / 1e6);

  /* When one leaves, there is room again. */
  cv_test_client_free (clients[500]);
  clients[500] = NULL;
  cv_test_spin (300);
  join (extra, number, NULL);
  cv_test_client_expect (extra, "joined");
  join (clients[499], number, NULL);
  cv_test_client_expect_error (clients[499], "already-joined");

  free_all (clients, 999);
  cv_test_client_free (last);
  cv_test_client_free (extra);
  cv_test_server_thread_stop (thread);
}

static void
test_devices (void)
{
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  CvTestServerThread *thread = cv_test_server_thread_start (config);
  CvServer *server = cv_test_server_thread_get (thread);
  g_autofree char *number = open_meeting (server);
  CvTestClient **clients = fill (server, number, 204);
  CvTestClient *dev205 = cv_test_client_connect (server, TRUE);
  CvTestClient *dev206 = cv_test_client_connect (server, TRUE);
  CvTestClient *person206 = cv_test_client_connect (server, TRUE);

  /* The 205th participant may be a device; the 206th may not. */
  join (dev205, number, ",\"kind\":\"device\"");
  cv_test_client_expect (dev205, "joined");
  join (dev206, number, ",\"kind\":\"device\"");
  cv_test_client_expect_error (dev206, "device-limit");
  join (person206, number, ",\"kind\":\"client\"");
  cv_test_client_expect (person206, "joined");

  free_all (clients, 204);
  cv_test_client_free (dev205);
  cv_test_client_free (dev206);
  cv_test_client_free (person206);
  cv_test_server_thread_stop (thread);
}

/* The rules also hold in the object alone, with the site's lower limits. */
static void
test_meeting_object (void)
{
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  g_autoptr (CvMeeting) meeting = cv_meeting_new ("123456789", TRUE, NULL, NULL);
  CvJoinRequest request = { NULL, CV_PARTICIPANT_KIND_CLIENT, TRUE, FALSE, NULL, TRUE };
  g_autoptr (GError) error = NULL;

  g_object_set (config, "participants", 3, "devices", 2, NULL);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr (CvParticipant) p = cv_participant_new (i + 1, "x", CV_PARTICIPANT_KIND_CLIENT);

      request.kind = i == 1 ? CV_PARTICIPANT_KIND_DEVICE : CV_PARTICIPANT_KIND_CLIENT;
      g_assert_true (cv_meeting_check_admission (meeting, cv_site_config_peek (config), &request, &error));
      cv_meeting_add_participant (meeting, p);
    }
  g_assert_false (cv_meeting_check_admission (meeting, cv_site_config_peek (config), &request, &error));
  g_assert_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_MEETING_FULL);
  g_clear_error (&error);
  cv_meeting_remove_participant (meeting, cv_meeting_lookup (meeting, 3));
  request.kind = CV_PARTICIPANT_KIND_DEVICE;
  g_assert_false (cv_meeting_check_admission (meeting, cv_site_config_peek (config), &request, &error));
  g_assert_error (error, CV_SERVER_ERROR, CV_SERVER_ERROR_DEVICE_LIMIT);
  g_clear_error (&error);

  /* The file may lower the limits but never raise them above the rules. */
  {
    g_autoptr (GKeyFile) kf = g_key_file_new ();
    g_key_file_load_from_data (kf, "[limits]\nparticipants=1001\n", -1, 0, NULL);
    g_assert_false (cv_site_config_load_key_file (config, kf, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
    g_key_file_load_from_data (kf, "[limits]\nparticipant=10\n", -1, 0, NULL);
    g_assert_false (cv_site_config_load_key_file (config, kf, &error));
    g_clear_error (&error);
    g_key_file_load_from_data (kf, "[site]\nvideo-devices-enabled=false\n[limits]\ndevices=100\n", -1, 0, NULL);
    g_assert_true (cv_site_config_load_key_file (config, kf, &error));
    g_assert_false (cv_site_config_peek (config)->video_devices_enabled);
    g_assert_cmpuint (cv_site_config_peek (config)->devices, ==, 100);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* GLib's test mode turns debug output on: libsoup then logs every frame. */
  g_log_set_debug_enabled (FALSE);
  kp = cv_test_mls_key_package (1);
  g_test_add_func ("/server/admission/rules", test_rules);
  g_test_add_func ("/server/admission/site-disables-e2ee", test_site_disables_e2ee);
  g_test_add_func ("/server/admission/meeting-object", test_meeting_object);
  g_test_add_func ("/server/admission/devices-205", test_devices);
  g_test_add_func ("/server/admission/participants-1000", test_thousand);
  return g_test_run ();
}

/* Signaling and MLS delivery service over real TLS WebSockets on loopback:
 * join/leave sequences, roster, commit ordering, Welcome delivery, external
 * removal hooks, catch-up, chat relay, and every kind of bad input. */
#include "cv-mls-wire-header.h"
#include "cv-test-client.h"

#include <string.h>

#define GROUP "group-id-of-the-meeting"

static char *
new_meeting (CvServer *server, gboolean e2ee, const char *password)
{
  g_autoptr (GError) error = NULL;
  char *number = cv_server_create_meeting (server, e2ee, password, &error);

  g_assert_no_error (error);
  g_assert_true (strlen (number) == 9);
  return number;
}

/* Sends an E2EE join and returns the `joined` answer. */
static JsonObject *
join_e2ee (CvTestClient *client, const char *number, const char *name)
{
  g_autofree char *kp = cv_test_mls_key_package (1);

  cv_test_client_send (client,
                       "{\"type\":\"join\",\"id\":7,\"meeting\":\"%s\",\"display_name\":\"%s\","
                       "\"e2ee\":true,\"key_package\":\"%s\"}", number, name, kp);
  return cv_test_client_expect (client, "joined");
}

static guint64
participant_id (JsonObject *joined)
{
  return json_object_get_int_member (joined, "participant");
}

/* Commit from `committer` at `epoch` adding the given participants at the given leaves. */
static void
send_commit (CvTestClient *committer, guint64 epoch, guint32 sender_leaf,
             const guint64 *added, const guint32 *leaves, guint n_added,
             const char *removed_json)
{
  g_autofree char *commit = cv_test_mls_commit (GROUP, epoch, sender_leaf);
  g_autofree char *welcome = cv_test_mls_welcome (1);
  g_autoptr (GString) list = g_string_new ("[");

  for (guint i = 0; i < n_added; i++)
    g_string_append_printf (list, "%s{\"participant\":%" G_GUINT64_FORMAT ",\"leaf_index\":%u}",
                            i ? "," : "", added[i], leaves[i]);
  g_string_append (list, "]");
  if (n_added > 0)
    cv_test_client_send (committer,
                         "{\"type\":\"commit\",\"commit\":\"%s\",\"welcome\":\"%s\",\"added\":%s%s%s}",
                         commit, welcome, list->str,
                         removed_json ? ",\"removed_leaves\":" : "", removed_json ? removed_json : "");
  else
    cv_test_client_send (committer, "{\"type\":\"commit\",\"commit\":\"%s\"%s%s}", commit,
                         removed_json ? ",\"removed_leaves\":" : "", removed_json ? removed_json : "");
}

typedef struct {
  CvServer *server;
  char *number;
  CvTestClient *a, *b, *c;
  guint64 ida, idb, idc;
} Trio;

/* A creates the group, B and C join and are added by A's commit (epoch 0 → 1). */
static void
trio_setup (Trio *t, CvSiteConfig *config)
{
  JsonObject *o;
  guint64 added[2];
  guint32 leaves[2] = { 1, 2 };

  t->server = cv_test_server_start (config);
  t->number = new_meeting (t->server, TRUE, NULL);
  t->a = cv_test_client_connect (t->server, FALSE);
  t->b = cv_test_client_connect (t->server, FALSE);
  t->c = cv_test_client_connect (t->server, FALSE);

  o = join_e2ee (t->a, t->number, "Ann");
  t->ida = participant_id (o);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (o, "mls"), "create_group"));
  o = join_e2ee (t->b, t->number, "Bob");
  t->idb = participant_id (o);
  g_assert_false (json_object_get_boolean_member (json_object_get_object_member (o, "mls"), "create_group"));
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "mls"), "committer"), ==, t->ida);
  o = join_e2ee (t->c, t->number, "Cid");
  t->idc = participant_id (o);

  /* Everyone already there heard of each joiner, in order. */
  o = cv_test_client_expect (t->a, "participant-joined");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "participant"), "id"), ==, t->idb);
  o = cv_test_client_expect (t->a, "participant-joined");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "participant"), "id"), ==, t->idc);
  o = cv_test_client_expect (t->b, "participant-joined");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "participant"), "id"), ==, t->idc);

  /* The committer got both KeyPackages. */
  o = cv_test_client_expect (t->a, "key-package");
  g_assert_cmpint (json_object_get_int_member (o, "participant"), ==, t->idb);
  o = cv_test_client_expect (t->a, "key-package");
  g_assert_cmpint (json_object_get_int_member (o, "participant"), ==, t->idc);

  added[0] = t->idb;
  added[1] = t->idc;
  send_commit (t->a, 0, 0, added, leaves, 2, NULL);
  o = cv_test_client_expect (t->a, "commit");
  g_assert_cmpint (json_object_get_int_member (o, "new_epoch"), ==, 1);
  o = cv_test_client_expect (t->b, "welcome");
  g_assert_cmpint (json_object_get_int_member (o, "leaf_index"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "epoch"), ==, 1);
  o = cv_test_client_expect (t->c, "welcome");
  g_assert_cmpint (json_object_get_int_member (o, "leaf_index"), ==, 2);
  /* Welcomed joiners do not get the commit that added them. */
  g_assert_true (cv_test_client_none (t->b, "commit", 50));
}

static void
trio_teardown (Trio *t)
{
  cv_test_client_free (t->a);
  cv_test_client_free (t->b);
  cv_test_client_free (t->c);
  cv_server_stop (t->server);
  g_assert_finalize_object (t->server);
  g_free (t->number);
}

static void
test_join_leave (void)
{
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  Trio t;
  JsonObject *o, *media;
  JsonArray *roster;
  CvTestClient *d;

  trio_setup (&t, config);

  /* A late joiner sees everyone, with MLS positions, and gets media keys. */
  d = cv_test_client_connect (t.server, FALSE);
  o = join_e2ee (d, t.number, "Dee");
  g_assert_cmpint (json_object_get_int_member (o, "id"), ==, 7);
  roster = json_object_get_array_member (o, "roster");
  g_assert_cmpuint (json_array_get_length (roster), ==, 4);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (roster, 1), "leaf_index"), ==, 1);
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (roster, 2), "member"));
  g_assert_false (json_object_get_boolean_member (json_array_get_object_element (roster, 3), "member"));
  media = json_object_get_object_member (o, "media");
  g_assert_nonnull (media);
  g_assert_cmpint (json_object_get_int_member (media, "relay_port"), >, 0);
  g_assert_cmpstr (json_object_get_string_member (media, "profile"), ==, "AEAD_AES_128_GCM");
  {
    gsize len;
    g_autofree guchar *key = g_base64_decode (json_object_get_string_member (media, "key_material"), &len);
    g_assert_cmpuint (len, ==, 2 * 16 + 2 * 12);
  }
  g_assert_nonnull (json_object_get_object_member (json_object_get_object_member (o, "mls"), "external_sender"));

  for (CvTestClient **c = (CvTestClient *[]) { t.a, t.b, t.c, NULL }; *c != NULL; c++)
    {
      o = cv_test_client_expect (*c, "participant-joined");
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "participant"),
                                                      "display_name"), ==, "Dee");
    }
  o = cv_test_client_expect (t.a, "key-package");

  /* B leaves: everyone hears it, members are asked to remove leaf 1. */
  cv_test_client_send (t.b, "{\"type\":\"leave\",\"id\":\"x\"}");
  o = cv_test_client_expect (t.b, "left");
  g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, "x");
  for (CvTestClient **c = (CvTestClient *[]) { t.a, t.c, d, NULL }; *c != NULL; c++)
    {
      o = cv_test_client_expect (*c, "participant-left");
      g_assert_cmpint (json_object_get_int_member (o, "participant"), ==, t.idb);
      g_assert_cmpstr (json_object_get_string_member (o, "reason"), ==, "left");
    }
  for (CvTestClient **c = (CvTestClient *[]) { t.a, t.c, NULL }; *c != NULL; c++)
    {
      o = cv_test_client_expect (*c, "remove-needed");
      g_assert_cmpint (json_object_get_int_member (o, "leaf_index"), ==, 1);
      /* The service's own signed Remove: a PublicMessage proposal from external sender 0. */
      {
        gsize len = 0;
        g_autofree guchar *bytes = g_base64_decode (json_object_get_string_member (o, "proposal"), &len);
        cv_mls_wire_header header;

        g_assert_cmpint (cv_mls_wire_header_parse (bytes, len, &header), ==, CV_OK);
        g_assert_cmpuint (header.wire_format, ==, CV_MLS_WIRE_PUBLIC_MESSAGE);
        g_assert_cmpuint (header.content_type, ==, CV_MLS_CONTENT_PROPOSAL);
        g_assert_cmpuint (header.sender_type, ==, CV_MLS_SENDER_EXTERNAL);
        g_assert_cmpuint (header.sender_index, ==, 0);
        g_assert_cmpuint (header.epoch, ==, json_object_get_int_member (o, "epoch"));
      }
    }
  /* Not a member yet: no removal for D, and it is not asked. */
  g_assert_true (cv_test_client_none (d, "remove-needed", 50));

  /* C's connection drops. */
  cv_test_client_free (t.c);
  t.c = NULL;
  o = cv_test_client_expect (t.a, "participant-left");
  g_assert_cmpstr (json_object_get_string_member (o, "reason"), ==, "disconnected");
  o = cv_test_client_expect (t.a, "remove-needed");
  g_assert_cmpint (json_object_get_int_member (o, "leaf_index"), ==, 2);

  /* B may join again on the same connection. */
  o = join_e2ee (t.b, t.number, "Bob again");
  cv_test_client_send (t.b, "{\"type\":\"roster\"}");
  o = cv_test_client_expect (t.b, "roster");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "participants")), ==, 3);
  cv_test_client_free (d);
  trio_teardown (&t);
}

static void
test_commit_race (void)
{
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  CvServerStats stats;
  Trio t;
  JsonObject *o;
  JsonNode *err_b, *err_c;
  guint64 winner;

  trio_setup (&t, config);

  /* B and C both commit for epoch 1 at once. */
  send_commit (t.b, 1, 1, NULL, NULL, 0, NULL);
  send_commit (t.c, 1, 2, NULL, NULL, 0, NULL);

  o = cv_test_client_expect (t.a, "commit");
  winner = json_object_get_int_member (o, "from");
  g_assert_true (winner == t.idb || winner == t.idc);
  g_assert_cmpint (json_object_get_int_member (o, "epoch"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "new_epoch"), ==, 2);
  for (CvTestClient **c = (CvTestClient *[]) { t.b, t.c, NULL }; *c != NULL; c++)
    {
      o = cv_test_client_expect (*c, "commit");
      g_assert_cmpint (json_object_get_int_member (o, "from"), ==, winner);
    }
  /* Exactly one commit was accepted: A sees no second one. */
  g_assert_true (cv_test_client_none (t.a, "commit", 100));

  err_b = cv_test_client_wait (t.b, "error", 2000);
  err_c = cv_test_client_wait (t.c, "error", 2000);
  g_assert_true ((err_b == NULL) != (err_c == NULL));
  o = json_node_get_object (err_b != NULL ? err_b : err_c);
  g_assert_cmpstr (json_object_get_string_member (o, "code"), ==, "stale-epoch");
  g_assert_cmpint (json_object_get_int_member (o, "epoch"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (o, "request"), ==, "commit");
  g_clear_pointer (&err_b, json_node_unref);
  g_clear_pointer (&err_c, json_node_unref);

  /* The loser retries on the new epoch and is accepted; order goes on. */
  send_commit (winner == t.idb ? t.c : t.b, 2, winner == t.idb ? 2 : 1, NULL, NULL, 0, NULL);
  for (CvTestClient **c = (CvTestClient *[]) { t.a, t.b, t.c, NULL }; *c != NULL; c++)
    {
      o = cv_test_client_expect (*c, "commit");
      g_assert_cmpint (json_object_get_int_member (o, "new_epoch"), ==, 3);
    }
  /* A commit from the future is refused too. */
  send_commit (t.a, 9, 0, NULL, NULL, 0, NULL);
  cv_test_client_expect_error (t.a, "future-epoch");
  /* Another group's commit is refused. */
  {
    g_autofree char *other = cv_test_mls_commit ("another-group", 3, 0);
    cv_test_client_send (t.a, "{\"type\":\"commit\",\"commit\":\"%s\"}", other);
    cv_test_client_expect_error (t.a, "wrong-group");
  }
  cv_server_get_stats (t.server, &stats);
  g_assert_cmpuint (stats.commits_accepted, ==, 3);
  g_assert_cmpuint (stats.commits_rejected, ==, 3);
  trio_teardown (&t);
}

/* The committer disappears with a KeyPackage in hand: the next member by leaf
 * index becomes committer and gets it; the group carries on. */
static void
test_committer_drops (void)
{
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  Trio t;
  JsonObject *o;
  CvTestClient *d;
  guint64 idd;

  trio_setup (&t, config);
  d = cv_test_client_connect (t.server, FALSE);
  idd = participant_id (join_e2ee (d, t.number, "Dee"));
  o = cv_test_client_expect (t.a, "key-package");
  g_assert_cmpint (json_object_get_int_member (o, "participant"), ==, idd);

  cv_test_client_free (t.a);
  t.a = NULL;
  o = cv_test_client_expect (t.b, "committer");
  g_assert_cmpint (json_object_get_int_member (o, "participant"), ==, t.idb);
  o = cv_test_client_expect (t.b, "key-package");
  g_assert_cmpint (json_object_get_int_member (o, "participant"), ==, idd);
  o = cv_test_client_expect (t.b, "remove-needed");
  g_assert_cmpint (json_object_get_int_member (o, "leaf_index"), ==, 0);
  o = cv_test_client_expect (t.c, "committer");
  g_assert_cmpint (json_object_get_int_member (o, "participant"), ==, t.idb);
  g_assert_true (cv_test_client_none (t.c, "key-package", 50));

  /* B removes leaf 0 and adds D there. */
  send_commit (t.b, 1, 1, &idd, (guint32[]) { 0 }, 1, "[0]");
  o = cv_test_client_expect (t.c, "commit");
  g_assert_cmpint (json_object_get_int_member (o, "from"), ==, t.idb);
  g_assert_cmpint (json_array_get_int_element (json_object_get_array_member (o, "removed_leaves"), 0), ==, 0);
  o = cv_test_client_expect (d, "welcome");
  g_assert_cmpint (json_object_get_int_member (o, "leaf_index"), ==, 0);
  /* D now has the lowest leaf: it is the committer. */
  o = cv_test_client_expect (t.c, "committer");
  g_assert_cmpint (json_object_get_int_member (o, "participant"), ==, idd);

  /* A pending joiner that leaves is withdrawn from the committer. */
  {
    CvTestClient *e = cv_test_client_connect (t.server, FALSE);
    guint64 ide = participant_id (join_e2ee (e, t.number, "Eve"));

    o = cv_test_client_expect (d, "key-package");
    g_assert_cmpint (json_object_get_int_member (o, "participant"), ==, ide);
    cv_test_client_free (e);
    o = cv_test_client_expect (d, "key-package-withdrawn");
    g_assert_cmpint (json_object_get_int_member (o, "participant"), ==, ide);
  }
  cv_test_client_free (d);
  trio_teardown (&t);
}

/* When the last member goes, the longest-waiting joiner starts a new group. */
static void
test_group_restart (void)
{
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  g_autoptr (CvServer) server = cv_test_server_start (config);
  g_autofree char *number = new_meeting (server, TRUE, NULL);
  CvTestClient *a = cv_test_client_connect (server, FALSE);
  CvTestClient *b = cv_test_client_connect (server, FALSE);
  CvTestClient *c = cv_test_client_connect (server, FALSE);
  JsonObject *o;
  guint64 idc;

  join_e2ee (a, number, "Ann");
  join_e2ee (b, number, "Bob");
  idc = participant_id (join_e2ee (c, number, "Cid"));
  cv_test_client_free (a);
  o = cv_test_client_expect (b, "create-group");
  g_assert_cmpint (json_object_get_int_member (o, "epoch"), ==, 0);
  o = cv_test_client_expect (b, "key-package");
  g_assert_cmpint (json_object_get_int_member (o, "participant"), ==, idc);
  cv_test_client_free (b);
  cv_test_client_free (c);
  cv_server_stop (server);
}

static void
test_catch_up (void)
{
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  Trio t;
  JsonObject *o;
  JsonArray *messages;
  g_autofree char *commit1 = cv_test_mls_commit (GROUP, 1, 1);
  g_autofree char *proposal2 = cv_test_mls_proposal (GROUP, 2, 2);
  g_autofree char *commit2 = cv_test_mls_commit (GROUP, 2, 0);

  trio_setup (&t, config);
  cv_test_client_send (t.b, "{\"type\":\"commit\",\"commit\":\"%s\"}", commit1);
  cv_test_client_expect (t.c, "commit");
  cv_test_client_send (t.c, "{\"type\":\"proposal\",\"proposal\":\"%s\"}", proposal2);
  o = cv_test_client_expect (t.a, "proposal");
  g_assert_cmpstr (json_object_get_string_member (o, "message"), ==, proposal2);
  g_assert_true (cv_test_client_none (t.c, "proposal", 50));
  cv_test_client_send (t.a, "{\"type\":\"commit\",\"commit\":\"%s\"}", commit2);
  cv_test_client_expect (t.c, "commit");

  /* C missed everything since epoch 1: it gets it in the original order. */
  cv_test_client_send (t.c, "{\"type\":\"fetch\",\"id\":3,\"since_epoch\":1}");
  o = cv_test_client_expect (t.c, "backlog");
  g_assert_cmpint (json_object_get_int_member (o, "epoch"), ==, 3);
  messages = json_object_get_array_member (o, "messages");
  g_assert_cmpuint (json_array_get_length (messages), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 0), "message"), ==, commit1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 1), "type"), ==, "proposal");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 2), "message"), ==, commit2);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (messages, 0), "seq"), <,
                   json_object_get_int_member (json_array_get_object_element (messages, 2), "seq"));

  cv_test_client_send (t.c, "{\"type\":\"fetch\",\"since_epoch\":0}");
  o = cv_test_client_expect (t.c, "backlog");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "messages")), ==, 4);
  cv_test_client_send (t.c, "{\"type\":\"fetch\",\"since_epoch\":4}");
  cv_test_client_expect_error (t.c, "future-epoch");
  cv_test_client_send (t.c, "{\"type\":\"fetch\",\"since_epoch\":-1}");
  cv_test_client_expect_error (t.c, "bad-request");
  trio_teardown (&t);

  /* With a tiny budget the oldest messages go, and asking for them says so. */
  {
    g_autoptr (CvSiteConfig) small = cv_test_config_new ();

    g_object_set (small, "handshake-log-bytes", 250, NULL);
    trio_setup (&t, small);
    cv_test_client_send (t.b, "{\"type\":\"commit\",\"commit\":\"%s\"}", commit1);
    cv_test_client_expect (t.c, "commit");
    cv_test_client_send (t.a, "{\"type\":\"commit\",\"commit\":\"%s\"}", commit2);
    cv_test_client_expect (t.c, "commit");
    cv_test_client_send (t.c, "{\"type\":\"fetch\",\"since_epoch\":0}");
    cv_test_client_expect_error (t.c, "backlog-truncated");
    cv_test_client_send (t.c, "{\"type\":\"fetch\",\"since_epoch\":2}");
    o = cv_test_client_expect (t.c, "backlog");
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "messages")), ==, 1);
    trio_teardown (&t);
  }
}

static void
test_application_relay (void)
{
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  Trio t;
  JsonObject *o;
  const guint8 ct[] = "opaque ciphertext";
  g_autofree char *app = cv_test_mls_application (GROUP, 1, ct, sizeof ct);
  g_autofree char *old_app = cv_test_mls_application (GROUP, 0, ct, sizeof ct);
  g_autofree char *commit = cv_test_mls_commit (GROUP, 1, 0);

  trio_setup (&t, config);
  cv_test_client_send (t.a, "{\"type\":\"application\",\"message\":\"%s\"}", app);
  for (CvTestClient **c = (CvTestClient *[]) { t.b, t.c, NULL }; *c != NULL; c++)
    {
      o = cv_test_client_expect (*c, "application");
      g_assert_cmpstr (json_object_get_string_member (o, "message"), ==, app);
      g_assert_cmpint (json_object_get_int_member (o, "from"), ==, t.ida);
    }
  g_assert_true (cv_test_client_none (t.a, "application", 50));
  /* In flight from an older epoch: still relayed. */
  cv_test_client_send (t.b, "{\"type\":\"application\",\"message\":\"%s\"}", old_app);
  cv_test_client_expect (t.a, "application");
  /* A commit is not an application message, nor is clear-text chat allowed. */
  cv_test_client_send (t.b, "{\"type\":\"application\",\"message\":\"%s\"}", commit);
  cv_test_client_expect_error (t.b, "bad-mls-message");
  cv_test_client_send (t.b, "{\"type\":\"chat\",\"text\":\"hello\"}");
  cv_test_client_expect_error (t.b, "e2ee-required");

  /* A joiner not yet welcomed cannot send into the group. */
  {
    CvTestClient *d = cv_test_client_connect (t.server, FALSE);

    join_e2ee (d, t.number, "Dee");
    cv_test_client_send (d, "{\"type\":\"application\",\"message\":\"%s\"}", app);
    cv_test_client_expect_error (d, "not-a-member");
    cv_test_client_send (d, "{\"type\":\"commit\",\"commit\":\"%s\"}", commit);
    cv_test_client_expect_error (d, "not-a-member");
    cv_test_client_free (d);
  }
  trio_teardown (&t);
}

static void
test_standard_meeting (void)
{
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  g_autoptr (CvServer) server = cv_test_server_start (config);
  g_autofree char *number = new_meeting (server, FALSE, NULL);
  CvTestClient *a = cv_test_client_connect (server, FALSE);
  CvTestClient *b = cv_test_client_connect (server, FALSE);
  g_autofree char *commit = cv_test_mls_commit (GROUP, 0, 0);
  JsonObject *o;

  cv_test_client_send (a, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"Ann\"}", number);
  o = cv_test_client_expect (a, "joined");
  g_assert_false (json_object_get_boolean_member (json_object_get_object_member (o, "meeting"), "e2ee"));
  g_assert_false (json_object_has_member (o, "mls"));
  /* SIP may join a standard meeting. */
  cv_test_client_send (b, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"Desk phone\",\"kind\":\"sip\"}", number);
  cv_test_client_expect (b, "joined");
  cv_test_client_send (a, "{\"type\":\"chat\",\"text\":\"hello \\u00e9\"}");
  o = cv_test_client_expect (b, "chat");
  g_assert_cmpstr (json_object_get_string_member (o, "text"), ==, "hello é");
  cv_test_client_send (a, "{\"type\":\"commit\",\"commit\":\"%s\"}", commit);
  cv_test_client_expect_error (a, "not-e2ee");

  /* A participant that declined roster events gets none, the others do. */
  {
    CvTestClient *quiet = cv_test_client_connect (server, FALSE);
    CvTestClient *late = cv_test_client_connect (server, FALSE);

    cv_test_client_send (quiet, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"Kiosk\",\"kind\":\"device\",\"roster_events\":false}", number);
    cv_test_client_expect (quiet, "joined");
    cv_test_client_send (late, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"Late\"}", number);
    cv_test_client_expect (late, "joined");
    o = cv_test_client_expect (a, "participant-joined");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "participant"), "display_name"), ==, "Desk phone");
    o = cv_test_client_expect (a, "participant-joined");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "participant"), "display_name"), ==, "Kiosk");
    o = cv_test_client_expect (a, "participant-joined");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "participant"), "display_name"), ==, "Late");
    g_assert_true (cv_test_client_none (quiet, "participant-joined", 100));
    /* Chat still reaches it. */
    cv_test_client_send (late, "{\"type\":\"chat\",\"text\":\"hi\"}");
    cv_test_client_expect (quiet, "chat");
    cv_test_client_free (quiet);
    cv_test_client_free (late);
  }
  cv_test_client_free (a);
  cv_test_client_free (b);
  cv_server_stop (server);
}

static void
test_bad_input (void)
{
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  g_autoptr (CvServer) server = cv_test_server_start (config);
  g_autofree char *number = new_meeting (server, TRUE, NULL);
  g_autofree char *locked = new_meeting (server, TRUE, "s3cret");
  CvTestClient *a = cv_test_client_connect (server, FALSE);
  CvTestClient *big = cv_test_client_connect (server, FALSE);
  g_autofree char *welcome = cv_test_mls_welcome (1);
  g_autofree char *kp = cv_test_mls_key_package (1);
  g_autofree char *kp2 = cv_test_mls_key_package (2);
  g_autoptr (GString) deep = g_string_new ("");
  CvServerStats stats;
  JsonObject *o;

  cv_test_client_send_text (a, "{not json");
  cv_test_client_expect_error (a, "bad-request");
  cv_test_client_send_text (a, "[1,2,3]");
  cv_test_client_expect_error (a, "bad-request");
  cv_test_client_send_text (a, "{\"no\":\"type\"}");
  cv_test_client_expect_error (a, "bad-request");
  cv_test_client_send_text (a, "{\"type\":42}");
  cv_test_client_expect_error (a, "bad-request");
  cv_test_client_send_text (a, "{\"type\":\"teleport\",\"id\":5}");
  o = cv_test_client_expect (a, "error");
  g_assert_cmpstr (json_object_get_string_member (o, "code"), ==, "unknown-type");
  g_assert_cmpint (json_object_get_int_member (o, "id"), ==, 5);
  cv_test_client_send_text (a, "{\"type\":\"ping\",\"id\":{\"nested\":1}}");
  cv_test_client_expect_error (a, "bad-request");
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  cv_test_client_send_text (a, deep->str);
  cv_test_client_expect_error (a, "bad-request");
  {
    GBytes *bin = g_bytes_new_static ("\x01\x02", 2);
    soup_websocket_connection_send_message (a->ws, SOUP_WEBSOCKET_DATA_BINARY, bin);
    g_bytes_unref (bin);
    cv_test_client_expect_error (a, "bad-request");
  }

  /* Fields of the wrong type or shape. */
  cv_test_client_send (a, "{\"type\":\"join\",\"meeting\":123456789,\"display_name\":\"Ann\"}");
  cv_test_client_expect_error (a, "bad-request");
  cv_test_client_send (a, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"\"}", number);
  cv_test_client_expect_error (a, "bad-request");
  cv_test_client_send (a, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"A\\u202eB\",\"e2ee\":true,\"key_package\":\"%s\"}", number, kp);
  cv_test_client_expect_error (a, "bad-request");
  cv_test_client_send (a, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"Ann\",\"e2ee\":\"yes\"}", number);
  cv_test_client_expect_error (a, "bad-request");
  cv_test_client_send (a, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"Ann\",\"kind\":\"robot\"}", number);
  cv_test_client_expect_error (a, "bad-request");

  /* Bad base64, and MLS bytes of the wrong kind or garbage. */
  cv_test_client_send (a, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"Ann\",\"e2ee\":true,\"key_package\":\"@@not*base64@@\"}", number);
  cv_test_client_expect_error (a, "bad-base64");
  cv_test_client_send (a, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"Ann\",\"e2ee\":true,\"key_package\":\"QUJD\\nRA==\"}", number);
  cv_test_client_expect_error (a, "bad-base64");
  cv_test_client_send (a, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"Ann\",\"e2ee\":true,\"key_package\":\"%s\"}", number, welcome);
  cv_test_client_expect_error (a, "bad-mls-message");
  cv_test_client_send (a, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"Ann\",\"e2ee\":true,\"key_package\":\"AAEABQ==\"}", number);
  cv_test_client_expect_error (a, "bad-mls-message");

  /* Wrong meeting, wrong or missing password. */
  cv_test_client_send (a, "{\"type\":\"join\",\"meeting\":\"999999999\",\"display_name\":\"Ann\",\"e2ee\":true,\"key_package\":\"%s\"}", kp);
  cv_test_client_expect_error (a, "no-such-meeting");
  cv_test_client_send (a, "{\"type\":\"join\",\"meeting\":\"12345\",\"display_name\":\"Ann\"}");
  cv_test_client_expect_error (a, "no-such-meeting");
  cv_test_client_send (a, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"Ann\",\"e2ee\":true,\"key_package\":\"%s\"}", locked, kp);
  cv_test_client_expect_error (a, "password-required");
  cv_test_client_send (a, "{\"type\":\"join\",\"meeting\":\"%s\",\"password\":\"guess\",\"display_name\":\"Ann\",\"e2ee\":true,\"key_package\":\"%s\"}", locked, kp);
  cv_test_client_expect_error (a, "wrong-password");
  cv_test_client_send (a, "{\"type\":\"commit\",\"commit\":\"%s\"}", welcome);
  cv_test_client_expect_error (a, "not-joined");

  /* None of that changed anything: the right join works. */
  cv_test_client_send (a, "{\"type\":\"join\",\"meeting\":\"%s\",\"password\":\"s3cret\",\"display_name\":\"Ann\",\"e2ee\":true,\"key_package\":\"%s\"}", locked, kp);
  o = cv_test_client_expect (a, "joined");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "roster")), ==, 1);
  cv_test_client_send (a, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"Ann\",\"e2ee\":true,\"key_package\":\"%s\"}", number, kp);
  cv_test_client_expect_error (a, "already-joined");
  /* A KeyPackage of another cipher suite than the meeting's. */
  {
    CvTestClient *b = cv_test_client_connect (server, FALSE);
    cv_test_client_send (b, "{\"type\":\"join\",\"meeting\":\"%s\",\"password\":\"s3cret\",\"display_name\":\"Bob\",\"e2ee\":true,\"key_package\":\"%s\"}", locked, kp2);
    cv_test_client_expect_error (b, "bad-mls-message");
    cv_test_client_free (b);
  }
  /* Commit fields that make no sense are refused before anything changes. */
  {
    g_autofree char *commit = cv_test_mls_commit (GROUP, 0, 0);

    cv_test_client_send (a, "{\"type\":\"commit\",\"commit\":\"%s\",\"added\":[{\"participant\":12345,\"leaf_index\":1}],\"welcome\":\"%s\"}", commit, welcome);
    cv_test_client_expect_error (a, "bad-request");
    cv_test_client_send (a, "{\"type\":\"commit\",\"commit\":\"%s\",\"welcome\":\"%s\"}", commit, welcome);
    cv_test_client_expect_error (a, "bad-request");
    cv_test_client_send (a, "{\"type\":\"commit\",\"commit\":\"%s\",\"removed_leaves\":[\"x\"]}", commit);
    cv_test_client_expect_error (a, "bad-request");
    cv_test_client_send (a, "{\"type\":\"commit\",\"commit\":\"%s\"}", commit);
    o = cv_test_client_expect (a, "commit");
    g_assert_cmpint (json_object_get_int_member (o, "new_epoch"), ==, 1);
  }
  /* A chat message over the payload limit. */
  {
    g_autofree char *huge = g_strnfill (100 * 1024, 'A');
    g_autofree char *app = cv_test_mls_application (GROUP, 1, (const guint8 *) huge, strlen (huge));
    cv_test_client_send (a, "{\"type\":\"application\",\"message\":\"%s\"}", app);
    cv_test_client_expect_error (a, "too-large");
  }

  /* An oversized frame before joining closes that connection only. */
  {
    g_autofree char *huge = g_strnfill (300 * 1024, 'x');
    cv_test_client_send (big, "{\"type\":\"ping\",\"pad\":\"%s\"}", huge);
    g_assert_true (cv_test_client_wait_closed (big, 5000));
    /* libsoup answers 1009 (too big); the client may see the TCP close
     * first while it is still sending, without a code. */
    g_assert_true (big->close_code == SOUP_WEBSOCKET_CLOSE_TOO_BIG || big->close_code == 0);
  }
  cv_test_client_send (a, "{\"type\":\"ping\",\"id\":1}");
  cv_test_client_expect (a, "pong");

  cv_server_get_stats (server, &stats);
  g_assert_cmpuint (stats.bad_requests, >=, 15);
  cv_test_client_free (a);
  cv_test_client_free (big);
  cv_server_stop (server);
}

static void
test_flood (void)
{
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  g_autoptr (CvServer) server = NULL;
  CvTestClient *flooder, *calm;
  CvServerStats stats;
  guint pongs = 0;
  JsonNode *node;

  g_object_set (config, "messages-per-second", 10, "burst", 20, "flood-drops", 50, NULL);
  server = cv_test_server_start (config);
  flooder = cv_test_client_connect (server, FALSE);
  calm = cv_test_client_connect (server, FALSE);

  for (guint i = 0; i < 200; i++)
    cv_test_client_send (flooder, "{\"type\":\"ping\",\"id\":%u}", i);
  g_assert_true (cv_test_client_wait_closed (flooder, 10000));
  g_assert_cmpuint (flooder->close_code, ==, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION);
  while ((node = cv_test_client_wait (flooder, "pong", 0)) != NULL)
    {
      pongs++;
      json_node_unref (node);
    }
  /* The burst went through, then one notice, then nothing until the cut. */
  g_assert_cmpuint (pongs, >=, 20);
  g_assert_cmpuint (pongs, <, 30);
  cv_test_client_expect_error (flooder, "rate-limited");
  g_assert_true (cv_test_client_none (flooder, "error", 0));

  cv_server_get_stats (server, &stats);
  g_assert_cmpuint (stats.flood_disconnects, ==, 1);
  g_assert_cmpuint (stats.messages_dropped, >=, 50);

  cv_test_client_send (calm, "{\"type\":\"ping\"}");
  cv_test_client_expect (calm, "pong");
  cv_test_client_free (flooder);
  cv_test_client_free (calm);
  cv_server_stop (server);
}

static void
stalled_connected_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  SoupWebsocketConnection **ws = user_data;
  g_autoptr (GError) error = NULL;

  *ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
accept_any_cb (SoupMessage *msg, GTlsCertificate *cert, GTlsCertificateFlags errors, gpointer data)
{
  return TRUE;
}

static void
stalled_message_cb (SoupWebsocketConnection *ws, SoupWebsocketDataType type, GBytes *message, gpointer data)
{
  (*(guint *) data)++;
}

/* A participant whose app stops reading: the others keep getting everything
 * and the service drops it once too much waits for it. */
static void
test_slow_client (void)
{
  g_autoptr (CvSiteConfig) config = cv_test_config_new ();
  g_autoptr (CvServer) server = NULL;
  g_autofree char *number = NULL;
  g_autoptr (GMainContext) stalled_context = g_main_context_new ();
  g_autoptr (SoupSession) stalled_session = NULL;
  SoupWebsocketConnection *stalled = NULL;
  g_autofree char *url = NULL;
  g_autofree char *text = g_strnfill (60 * 1024, 'z');
  CvTestClient *sender, *reader;
  CvServerStats stats;
  guint stalled_messages = 0, got = 0;
  JsonObject *o;

  g_object_set (config, "send-backlog", 1024 * 1024, "payload-size", 64 * 1024, NULL);
  server = cv_test_server_start (config);
  number = new_meeting (server, FALSE, NULL);
  url = g_strdup_printf ("wss://127.0.0.1:%u/ws", cv_server_get_port (server));

  /* The stalled client lives on a context nobody iterates once it joined. */
  g_main_context_push_thread_default (stalled_context);
  stalled_session = soup_session_new ();
  {
    g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
    g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any_cb), NULL);
    soup_session_websocket_connect_async (stalled_session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL,
                                          stalled_connected_cb, &stalled);
  }
  while (stalled == NULL)
    {
      g_main_context_iteration (stalled_context, FALSE);
      g_main_context_iteration (NULL, FALSE);
    }
  g_signal_connect (stalled, "message", G_CALLBACK (stalled_message_cb), &stalled_messages);
  {
    g_autofree char *join = g_strdup_printf ("{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"Sloth\"}", number);
    soup_websocket_connection_send_text (stalled, join);
  }
  while (stalled_messages == 0)
    {
      g_main_context_iteration (stalled_context, FALSE);
      g_main_context_iteration (NULL, FALSE);
    }
  g_main_context_pop_thread_default (stalled_context);

  sender = cv_test_client_connect (server, FALSE);
  reader = cv_test_client_connect (server, FALSE);
  cv_test_client_send (sender, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"Sender\"}", number);
  cv_test_client_expect (sender, "joined");
  cv_test_client_send (reader, "{\"type\":\"join\",\"meeting\":\"%s\",\"display_name\":\"Reader\"}", number);
  cv_test_client_expect (reader, "joined");

  for (guint i = 0; i < 120; i++)
    {
      cv_test_client_send (sender, "{\"type\":\"chat\",\"text\":\"%u %s\"}", i, text);
      cv_test_spin (2);
    }
  for (guint i = 0; i < 120; i++)
    {
      o = cv_test_client_expect (reader, "chat");
      g_assert_true (g_str_has_prefix (json_object_get_string_member (o, "text"), ""));
      got++;
    }
  g_assert_cmpuint (got, ==, 120);
  o = cv_test_client_expect (reader, "participant-left");
  g_assert_cmpstr (json_object_get_string_member (o, "reason"), ==, "slow-consumer");
  cv_server_get_stats (server, &stats);
  g_assert_cmpuint (stats.slow_disconnects, ==, 1);

  cv_test_client_free (sender);
  cv_test_client_free (reader);
  g_object_unref (stalled);
  cv_server_stop (server);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* GLib's test mode turns debug output on: libsoup then logs every frame. */
  g_log_set_debug_enabled (FALSE);
  g_test_add_func ("/server/signaling/join-leave", test_join_leave);
  g_test_add_func ("/server/signaling/commit-race", test_commit_race);
  g_test_add_func ("/server/signaling/committer-drops", test_committer_drops);
  g_test_add_func ("/server/signaling/group-restart", test_group_restart);
  g_test_add_func ("/server/signaling/catch-up", test_catch_up);
  g_test_add_func ("/server/signaling/application-relay", test_application_relay);
  g_test_add_func ("/server/signaling/standard-meeting", test_standard_meeting);
  g_test_add_func ("/server/signaling/bad-input", test_bad_input);
  g_test_add_func ("/server/signaling/flood", test_flood);
  g_test_add_func ("/server/signaling/slow-client", test_slow_client);
  return g_test_run ();
}

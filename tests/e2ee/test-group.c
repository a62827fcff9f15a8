/* test-group.c: the MLS group state machine as the meeting uses it, in
 * suites 1 and 2, with handshake messages as PublicMessage and as
 * PrivateMessage:
 *   Alice creates a group whose external_senders holds the meeting service;
 *   she adds Bob and Carol in one commit, both join from the one Welcome;
 *   all three agree on the epoch authenticator and an exporter; application
 *   messages go both ways; Bob self-updates; Carol proposes an Update that
 *   Alice commits; Dave joins by an external commit;
 *   commits that are invalid (bad signature, wrong epoch, bad confirmation
 *   tag, duplicate Add, reference to an unknown proposal) are refused and
 *   leave the state as it was; an Add from the external sender is refused;
 *   the service's Remove of Carol is committed, Carol's group ends and she
 *   can no longer decrypt.
 * And the past epochs kept for application messages in flight across a
 * commit: read once, only application messages, at most two epochs back and
 * within the grace time.
 * Each check counts as one case of its suite. Uses cv-mls-group-private.h to
 * forge messages with the group's own keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cv-mls-group-private.h"
#include "cv-test-vectors.h"

static cv_test_tally *tally;
static unsigned current_suite;
static bool all_ok;

static bool
check (const char *what, bool ok)
{
  if (!ok)
    fprintf (stderr, "FAIL (suite %u): %s\n", current_suite, what);
  cv_test_tally_add (tally, current_suite, ok);
  all_ok &= ok;
  return ok;
}

static bool
ok_st (const char *what, cv_status st)
{
  if (st != CV_OK)
    fprintf (stderr, "  %s: %s: %s\n", what, cv_status_name (st), cv_status_message ());
  return check (what, st == CV_OK);
}

/* A refusal that names a rule, leaving g where it was. */
static bool
refused (const char *what, cv_mls_group *g, cv_status st, const char *rule)
{
  bool ok = st != CV_OK && strstr (cv_status_message (), rule) != NULL;

  if (!ok)
    fprintf (stderr, "  %s: expected a refusal naming \"%s\", got %s: %s\n", what, rule,
             cv_status_name (st), cv_status_message ());
  else
    printf ("  refused as expected: %s: %s\n", what, cv_status_message ());
  return check (what, ok);
}

typedef struct {
  const char *name;
  cv_mls_credential credential;
  cv_bytes sig_priv, sig_pub;
  cv_mls_group *g;
} member;

static void
member_init (member *m, const cv_mls_suite *s, const char *name)
{
  memset (m, 0, sizeof *m);
  m->name = name;
  m->credential.type = CV_MLS_CREDENTIAL_BASIC;
  cv_bytes_set (&m->credential.identity, (const uint8_t *) name, strlen (name));
  cv_mls_signature_key_pair (s, &m->sig_priv, &m->sig_pub);
}

static void
member_clear (member *m)
{
  cv_mls_credential_clear (&m->credential);
  cv_bytes_clear (&m->sig_priv);
  cv_bytes_clear (&m->sig_pub);
  cv_mls_group_free (m->g);
  memset (m, 0, sizeof *m);
}

static cv_mls_group_config config;

/* Everyone but the sender processes msg, which must be a commit, and merges. */
static bool
deliver_commit (member **to, size_t n, const cv_bytes *msg)
{
  bool ok = true;

  for (size_t i = 0; i < n; i++)
    {
      cv_mls_received r;
      cv_status st = cv_mls_group_process (to[i]->g, msg->data, msg->len, &r);

      if (st == CV_OK && r.type == CV_MLS_RECEIVED_COMMIT)
        {
          st = cv_mls_group_merge (to[i]->g, r.staged);
          r.staged = NULL;
        }
      else if (st == CV_OK)
        st = cv_fail (CV_ERR_INVALID, "not a commit");
      cv_mls_received_clear (&r);
      ok &= ok_st (to[i]->name, st);
    }
  return ok;
}

static bool
deliver_proposal (member **to, size_t n, const cv_bytes *msg)
{
  bool ok = true;

  for (size_t i = 0; i < n; i++)
    {
      cv_mls_received r;
      cv_status st = cv_mls_group_process (to[i]->g, msg->data, msg->len, &r);

      if (st == CV_OK && r.type != CV_MLS_RECEIVED_PROPOSAL)
        st = cv_fail (CV_ERR_INVALID, "not a proposal");
      cv_mls_received_clear (&r);
      ok &= ok_st (to[i]->name, st);
    }
  return ok;
}

/* Same epoch, epoch authenticator, exporter and membership everywhere. */
static bool
agree (member **m, size_t n)
{
  cv_bytes e0 = CV_BYTES_INIT;
  bool ok = ok_st ("exporter", cv_mls_group_export (m[0]->g, "SFrame 1.0 Base Key", NULL, 0,
                                                    16, &e0));

  for (size_t i = 1; ok && i < n; i++)
    {
      cv_bytes e = CV_BYTES_INIT;

      ok &= cv_mls_group_epoch (m[i]->g) == cv_mls_group_epoch (m[0]->g);
      ok &= cv_bytes_eq (cv_mls_group_epoch_authenticator (m[i]->g),
                         cv_mls_group_epoch_authenticator (m[0]->g));
      ok &= cv_mls_group_export (m[i]->g, "SFrame 1.0 Base Key", NULL, 0, 16, &e) == CV_OK
            && cv_bytes_eq (&e, &e0);
      ok &= cv_mls_group_member_count (m[i]->g) == cv_mls_group_member_count (m[0]->g);
      ok &= cv_bytes_eq (cv_mls_group_context_bytes (m[i]->g),
                         cv_mls_group_context_bytes (m[0]->g));
      cv_bytes_clear (&e);
    }
  cv_bytes_clear (&e0);
  return check ("members agree on epoch, authenticator, exporter, context", ok);
}

static bool
app_message (member *from, member **to, size_t n, const char *text)
{
  cv_bytes msg = CV_BYTES_INIT;
  bool ok = ok_st ("protect", cv_mls_group_protect (from->g, (const uint8_t *) "ad", 2,
                                                    (const uint8_t *) text, strlen (text), &msg));

  for (size_t i = 0; ok && i < n; i++)
    {
      cv_mls_received r;
      cv_status st = cv_mls_group_process (to[i]->g, msg.data, msg.len, &r);

      ok = ok_st ("unprotect", st)
           && check ("application data", r.type == CV_MLS_RECEIVED_APPLICATION
                     && r.application_data.len == strlen (text)
                     && memcmp (r.application_data.data, text, strlen (text)) == 0
                     && r.sender_index == cv_mls_group_own_leaf (from->g));
      cv_mls_received_clear (&r);
    }
  cv_bytes_clear (&msg);
  return ok;
}

static void
key_package_for (const cv_mls_suite *s, member *m, cv_mls_key_package_bundle *b)
{
  ok_st ("KeyPackage", cv_mls_make_key_package (s, &m->credential, m->sig_priv.data,
                                                m->sig_priv.len, 0, 0, NULL, NULL, b));
}

/* Opens a PublicMessage with g's keys, lets edit() change the
 * AuthenticatedContent's bytes, and seals it again (new membership tag). */
typedef void (*edit_fn) (cv_mls_authenticated_content *ac);

static cv_status
reforge (cv_mls_group *g, const cv_bytes *msg, edit_fn edit, cv_bytes *out)
{
  cv_mls_message parsed;
  cv_mls_framing_keys keys;
  cv_mls_authenticated_content ac = { 0 };
  cv_status st;

  cv_mls_group_framing_keys (g, &keys);
  if ((st = cv_mls_message_parse (msg->data, msg->len, &parsed)) == CV_OK
      && (st = cv_mls_framing_open (&keys, &parsed, &ac)) == CV_OK)
    {
      edit (&ac);
      st = cv_mls_framing_seal (&keys, &ac, out);
    }
  cv_mls_authenticated_content_clear (&ac);
  return st;
}

static void
flip_signature (cv_mls_authenticated_content *ac)
{
  ac->bytes.data[ac->signature - ac->bytes.data + ac->signature_len / 2] ^= 0x01;
}

static void
flip_confirmation_tag (cv_mls_authenticated_content *ac)
{
  ac->bytes.data[ac->confirmation_tag - ac->bytes.data] ^= 0x80;
}

/* A commit signed by `by` with any Commit body (bypassing the committer's
 * own validation), a junk confirmation tag, as a PublicMessage. */
static cv_status
forge_commit (member *by, const cv_mls_commit *commit, cv_bytes *out)
{
  cv_mls_framing_keys keys;
  cv_mls_authenticated_content ac = { 0 };
  cv_mls_content content = { 0 };
  cv_bytes body = CV_BYTES_INIT;
  uint8_t tag[64] = { 0 };
  cv_status st;

  cv_mls_group_framing_keys (by->g, &keys);
  if ((st = cv_mls_commit_serialize (commit, &body)) != CV_OK)
    return st;
  content.sender.type = CV_MLS_SENDER_TYPE_MEMBER;
  content.sender.index = cv_mls_group_own_leaf (by->g);
  content.content_type = CV_MLS_CONTENT_TYPE_COMMIT;
  content.content = body.data;
  content.content_len = body.len;
  st = cv_mls_framing_sign (&keys, CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE, &content,
                            by->sig_priv.data, by->sig_priv.len, &ac);
  if (st == CV_OK)
    st = cv_mls_framing_set_confirmation_tag (&ac, tag, keys.suite->hash_len);
  if (st == CV_OK)
    st = cv_mls_framing_seal (&keys, &ac, out);
  cv_mls_authenticated_content_clear (&ac);
  cv_bytes_clear (&body);
  return st;
}

/* An external sender's proposal of any kind (the service would never be
 * allowed an Add; this checks that we refuse it). */
static cv_status
external_proposal (const cv_mls_suite *s, cv_mls_group *g, const cv_bytes *service_priv,
                   const cv_mls_proposal *p, cv_bytes *out)
{
  cv_mls_framing_keys keys = { 0 };
  cv_mls_authenticated_content ac = { 0 };
  cv_mls_content content = { 0 };
  cv_bytes body = CV_BYTES_INIT;
  cv_status st;

  keys.suite = s;
  keys.group_id = cv_mls_group_id (g)->data;
  keys.group_id_len = cv_mls_group_id (g)->len;
  keys.epoch = cv_mls_group_epoch (g);
  if ((st = cv_mls_proposal_serialize (p, &body)) != CV_OK)
    return st;
  content.sender.type = CV_MLS_SENDER_TYPE_EXTERNAL;
  content.content_type = CV_MLS_CONTENT_TYPE_PROPOSAL;
  content.content = body.data;
  content.content_len = body.len;
  st = cv_mls_framing_sign (&keys, CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE, &content,
                            service_priv->data, service_priv->len, &ac);
  if (st == CV_OK)
    st = cv_mls_framing_seal (&keys, &ac, out);
  cv_mls_authenticated_content_clear (&ac);
  cv_bytes_clear (&body);
  return st;
}

/* Processes msg expecting a refusal naming rule; then checks that g's
 * epoch and epoch authenticator did not move. */
static void
expect_refused (const char *what, member *m, const cv_bytes *msg, const char *rule)
{
  cv_bytes before = CV_BYTES_INIT;
  uint64_t epoch = cv_mls_group_epoch (m->g);
  size_t pending = cv_mls_group_pending_proposals (m->g, NULL, 0);
  cv_mls_received r;
  cv_status st;

  cv_bytes_copy (&before, cv_mls_group_epoch_authenticator (m->g));
  st = cv_mls_group_process (m->g, msg->data, msg->len, &r);
  if (st == CV_OK)
    cv_mls_received_clear (&r);
  refused (what, m->g, st, rule);
  check ("state unchanged after a refusal",
         cv_mls_group_epoch (m->g) == epoch
         && cv_bytes_eq (&before, cv_mls_group_epoch_authenticator (m->g))
         && cv_mls_group_pending_proposals (m->g, NULL, 0) == pending);
  cv_bytes_clear (&before);
}

static void
scenario (uint16_t suite_id, bool handshake_private)
{
  const cv_mls_suite *s;
  member alice, bob, carol, dave, service;
  cv_mls_key_package_bundle kb = { 0 }, kc = { 0 }, kd = { 0 };
  cv_mls_extension_list ext = { 0 };
  cv_mls_external_senders es = { 0 };
  cv_mls_staged_commit *staged = NULL;
  cv_bytes data = CV_BYTES_INIT, commit = CV_BYTES_INIT, welcome = CV_BYTES_INIT;
  cv_bytes old_commit = CV_BYTES_INIT, forged = CV_BYTES_INIT, msg = CV_BYTES_INIT;
  cv_mls_commit_options opts;
  cv_bytes kps[2];

  current_suite = suite_id;
  printf ("suite %u, handshake as %s\n", suite_id,
          handshake_private ? "PrivateMessage" : "PublicMessage");
  if (!ok_st ("suite", cv_mls_suite_get (suite_id, &s)))
    return;
  cv_mls_group_config_init (&config);
  config.handshake_private = handshake_private;
  member_init (&alice, s, "alice");
  member_init (&bob, s, "bob");
  member_init (&carol, s, "carol");
  member_init (&dave, s, "dave");
  member_init (&service, s, "meeting service");

  /* The service as external sender 0. */
  es.count = 1;
  es.items = calloc (1, sizeof *es.items);
  cv_bytes_copy (&es.items[0].signature_key, &service.sig_pub);
  cv_mls_credential_copy (&es.items[0].credential, &service.credential);
  cv_mls_external_senders_serialize (&es, &data);
  cv_mls_extension_list_set (&ext, CV_MLS_EXT_EXTERNAL_SENDERS, data.data, data.len);
  cv_bytes_clear (&data);
  if (!ok_st ("create", cv_mls_group_create (s, (const uint8_t *) "meeting-1234", 12,
                                             &alice.credential, alice.sig_priv.data,
                                             alice.sig_priv.len, &ext, &config, &alice.g)))
    goto out;

  /* Bob and Carol in one commit, one Welcome. */
  key_package_for (s, &bob, &kb);
  key_package_for (s, &carol, &kc);
  kps[0] = kb.key_package_message;
  kps[1] = kc.key_package_message;
  memset (&opts, 0, sizeof opts);
  opts.add_key_packages = kps;
  opts.n_add = 2;
  if (!ok_st ("commit adding two", cv_mls_group_commit (alice.g, &opts, &commit, &welcome,
                                                        &staged)))
    goto out;
  check ("summary: two added", cv_mls_staged_commit_summary (staged)->n_added == 2);
  check ("not merged before the service confirms", cv_mls_group_epoch (alice.g) == 0);
  ok_st ("alice merges", cv_mls_group_merge (alice.g, staged));
  staged = NULL;
  ok_st ("bob joins", cv_mls_group_join (&kb, welcome.data, welcome.len, NULL, 0, &config,
                                         &bob.g));
  ok_st ("carol joins", cv_mls_group_join (&kc, welcome.data, welcome.len, NULL, 0, &config,
                                           &carol.g));
  cv_bytes_clear (&welcome);
  if (!bob.g || !carol.g)
    goto out;
  {
    member *all[] = { &alice, &bob, &carol };
    member *to_bc[] = { &bob, &carol }, *to_ac[] = { &alice, &carol };
    member *to_ab[] = { &alice, &bob };

    agree (all, 3);
    check ("three members", cv_mls_group_member_count (alice.g) == 3);
    app_message (&alice, to_bc, 2, "hello from alice");
    app_message (&bob, to_ac, 2, "hello from bob");
    app_message (&carol, to_ab, 2, "hello from carol");

    /* Bob updates himself (a commit with a path and no proposals). */
    cv_bytes_clear (&commit);
    memset (&opts, 0, sizeof opts);
    opts.force_path = true;
    if (ok_st ("bob self-update", cv_mls_group_commit (bob.g, &opts, &commit, &welcome,
                                                       &staged)))
      {
        deliver_commit (to_ac, 2, &commit);
        ok_st ("bob merges", cv_mls_group_merge (bob.g, staged));
        staged = NULL;
      }
    agree (all, 3);

    /* Carol proposes an Update; Alice commits it by reference. */
    cv_bytes_clear (&msg);
    if (ok_st ("carol proposes update", cv_mls_group_propose_update (carol.g, &msg)))
      deliver_proposal (to_ab, 2, &msg);
    cv_bytes_clear (&commit);
    memset (&opts, 0, sizeof opts);
    opts.include_pending = true;
    if (ok_st ("alice commits pending", cv_mls_group_commit (alice.g, &opts, &commit, &welcome,
                                                             &staged)))
      {
        member *to[] = { &bob, &carol };

        deliver_commit (to, 2, &commit);
        ok_st ("alice merges", cv_mls_group_merge (alice.g, staged));
        staged = NULL;
      }
    agree (all, 3);
    app_message (&carol, to_ab, 2, "carol after her update");

    /* Invalid commits. The real one stays valid afterwards. */
    cv_bytes_clear (&commit);
    cv_bytes_copy (&old_commit, &commit);
    memset (&opts, 0, sizeof opts);
    opts.force_path = true;
    ok_st ("alice prepares a commit", cv_mls_group_commit (alice.g, &opts, &commit, &welcome,
                                                           &staged));
    if (!handshake_private)
      {
        static const cv_mls_commit empty = { 0 };

        if (ok_st ("forge bad signature", reforge (bob.g, &commit, flip_signature, &forged)))
          expect_refused ("bad signature", &bob, &forged, "§6.1");
        cv_bytes_clear (&forged);
        if (ok_st ("forge bad tag", reforge (bob.g, &commit, flip_confirmation_tag, &forged)))
          expect_refused ("bad confirmation tag", &bob, &forged, "confirmation_tag");
        cv_bytes_clear (&forged);
        if (ok_st ("forge empty commit", forge_commit (&alice, &empty, &forged)))
          expect_refused ("empty commit without path", &bob, &forged, "§12.4");
        cv_bytes_clear (&forged);

        /* Duplicate Add and an unknown reference, as Alice would sign them. */
        key_package_for (s, &dave, &kd);
        {
          cv_mls_proposal_or_ref por[2] = { 0 };
          cv_mls_commit c = { 0 };

          por[0].type = por[1].type = CV_MLS_PROPOSAL_OR_REF_PROPOSAL;
          por[0].proposal.type = por[1].proposal.type = CV_MLS_PROPOSAL_ADD;
          por[0].proposal.add = por[1].proposal.add = kd.key_package;   /* borrowed */
          c.proposals = por;
          c.n_proposals = 2;
          if (ok_st ("forge duplicate add", forge_commit (&alice, &c, &forged)))
            expect_refused ("duplicate Add", &bob, &forged, "§12.2");
          cv_bytes_clear (&forged);

          por[0].type = CV_MLS_PROPOSAL_OR_REF_REFERENCE;
          cv_bytes_alloc (&por[0].reference, s->hash_len);
          c.n_proposals = 1;
          if (ok_st ("forge unknown reference", forge_commit (&alice, &c, &forged)))
            expect_refused ("unknown proposal reference", &bob, &forged, "§12.4.2");
          cv_bytes_clear (&forged);
          cv_bytes_clear (&por[0].reference);
        }
        {
          cv_bytes twice[2] = { kd.key_package_message, kd.key_package_message };
          cv_mls_commit_options dup = { 0 };
          cv_mls_staged_commit *sc = NULL;
          cv_bytes before = CV_BYTES_INIT;

          cv_bytes_clear (&msg);
          dup.add_key_packages = twice;
          dup.n_add = 2;
          cv_bytes_copy (&before, cv_mls_group_epoch_authenticator (bob.g));
          refused ("committing a duplicate Add", bob.g,
                   cv_mls_group_commit (bob.g, &dup, &forged, &msg, &sc), "§12.2");
          check ("committer unchanged", sc == NULL && cv_mls_group_epoch (bob.g)
                 == cv_mls_group_epoch (alice.g)
                 && cv_bytes_eq (&before, cv_mls_group_epoch_authenticator (bob.g)));
          cv_bytes_clear (&before);
          cv_bytes_clear (&forged);
        }
      }
    /* The genuine commit still goes through; then it is from a past epoch. */
    deliver_commit (to_bc, 2, &commit);
    ok_st ("alice merges", cv_mls_group_merge (alice.g, staged));
    staged = NULL;
    agree (all, 3);
    expect_refused ("commit of a past epoch", &carol, &commit, "epoch");

    /* Dave joins by an external commit from Alice's GroupInfo. */
    {
      cv_bytes gi = CV_BYTES_INIT;
      member *to[] = { &alice, &bob, &carol };
      member *all4[] = { &alice, &bob, &carol, &dave };

      cv_bytes_clear (&commit);
      if (ok_st ("group info", cv_mls_group_group_info (alice.g, true, &gi))
          && ok_st ("external join", cv_mls_group_join_external (gi.data, gi.len, NULL, 0,
                                                                 &dave.credential,
                                                                 dave.sig_priv.data,
                                                                 dave.sig_priv.len, &config,
                                                                 &commit, &dave.g)))
        {
          deliver_commit (to, 3, &commit);
          agree (all4, 4);
          check ("four members", cv_mls_group_member_count (alice.g) == 4);
          app_message (&dave, to, 3, "dave is here");
        }
      cv_bytes_clear (&gi);
    }

    /* The service: an Add is refused, a Remove of Carol is committed. */
    {
      cv_mls_proposal add = { 0 };
      member *to[] = { &alice, &bob, &carol };

      add.type = CV_MLS_PROPOSAL_ADD;
      cv_mls_key_package_bundle_clear (&kd);
      key_package_for (s, &dave, &kd);
      add.add = kd.key_package;   /* borrowed */
      cv_bytes_clear (&msg);
      if (ok_st ("external add", external_proposal (s, alice.g, &service.sig_priv, &add, &msg)))
        expect_refused ("Add from the external sender", &alice, &msg, "policy");
      cv_bytes_clear (&msg);
      if (ok_st ("external remove",
                 cv_mls_external_propose_remove (s, cv_mls_group_id (alice.g)->data,
                                                 cv_mls_group_id (alice.g)->len,
                                                 cv_mls_group_epoch (alice.g), 0,
                                                 service.sig_priv.data, service.sig_priv.len,
                                                 cv_mls_group_own_leaf (carol.g), &msg)))
        deliver_proposal (to, 3, &msg);
      if (dave.g)
        {
          member *d[] = { &dave };
          deliver_proposal (d, 1, &msg);
        }
      {
        cv_mls_pending_info info[4];
        size_t n = cv_mls_group_pending_proposals (alice.g, info, 4);

        check ("the service's Remove is pending", n == 1
               && info[0].sender_type == CV_MLS_SENDER_TYPE_EXTERNAL
               && info[0].type == CV_MLS_PROPOSAL_REMOVE
               && info[0].removed_leaf == cv_mls_group_own_leaf (carol.g));
      }
      cv_bytes_clear (&commit);
      memset (&opts, 0, sizeof opts);
      opts.include_pending = true;
      if (ok_st ("alice commits the removal", cv_mls_group_commit (alice.g, &opts, &commit,
                                                                   &welcome, &staged)))
        {
          member *rest[] = { &bob, &dave };
          cv_status st;

          deliver_commit (rest, dave.g ? 2 : 1, &commit);
          ok_st ("alice merges", cv_mls_group_merge (alice.g, staged));
          staged = NULL;
          member *remaining[] = { &alice, &bob, &dave };
          cv_mls_received rc, r2;

          st = cv_mls_group_process (carol.g, commit.data, commit.len, &rc);
          ok_st ("carol sees her removal", st);
          check ("summary says so", st == CV_OK && rc.staged
                 && cv_mls_staged_commit_summary (rc.staged)->removes_self);
          check ("three members left", cv_mls_group_member_count (alice.g) == 3);
          agree (remaining, dave.g ? 3 : 2);

          /* Neither with the old epoch's keys nor after merging can Carol
           * read what the others now send. */
          cv_bytes_clear (&msg);
          ok_st ("alice sends after the removal",
                 cv_mls_group_protect (alice.g, NULL, 0, (const uint8_t *) "secret", 6, &msg));
          refused ("carol cannot decrypt with the old epoch", carol.g,
                   cv_mls_group_process (carol.g, msg.data, msg.len, &r2), "epoch");
          if (st == CV_OK && rc.staged)
            {
              ok_st ("carol merges", cv_mls_group_merge (carol.g, rc.staged));
              rc.staged = NULL;
            }
          cv_mls_received_clear (&rc);
          check ("carol's group has ended", !cv_mls_group_is_active (carol.g));
          refused ("carol cannot decrypt after merging", carol.g,
                   cv_mls_group_process (carol.g, msg.data, msg.len, &r2), "no longer a member");
          ok_st ("bob can", cv_mls_group_process (bob.g, msg.data, msg.len, &r2));
          cv_mls_received_clear (&r2);
        }
    }
  }

out:
  cv_mls_staged_commit_free (staged);
  cv_mls_key_package_bundle_clear (&kb);
  cv_mls_key_package_bundle_clear (&kc);
  cv_mls_key_package_bundle_clear (&kd);
  cv_mls_extension_list_clear (&ext);
  cv_mls_external_senders_clear (&es);
  cv_bytes_clear (&commit);
  cv_bytes_clear (&welcome);
  cv_bytes_clear (&old_commit);
  cv_bytes_clear (&forged);
  cv_bytes_clear (&msg);
  member_clear (&alice);
  member_clear (&bob);
  member_clear (&carol);
  member_clear (&dave);
  member_clear (&service);
}

/* Past epochs' application messages (config.past_epochs): a message of
 * the epoch just ended is read once, by the right sender; a commit of it is
 * not; it is refused once two more epochs passed, or once the grace time is
 * over, or when the group keeps no past epochs. */
static uint64_t fake_now;

static uint64_t
fake_clock (void)
{
  return fake_now;
}

static void
self_update (member *by, member *to)
{
  cv_bytes commit = CV_BYTES_INIT, welcome = CV_BYTES_INIT;
  cv_mls_staged_commit *staged = NULL;
  cv_mls_commit_options opts = { 0 };

  opts.force_path = true;
  if (ok_st ("self-update", cv_mls_group_commit (by->g, &opts, &commit, &welcome, &staged)))
    {
      deliver_commit (&to, 1, &commit);
      ok_st ("merge own update", cv_mls_group_merge (by->g, staged));
    }
  cv_bytes_clear (&commit);
  cv_bytes_clear (&welcome);
}

static bool
protect (member *from, const char *text, cv_bytes *msg)
{
  return ok_st ("protect", cv_mls_group_protect (from->g, NULL, 0, (const uint8_t *) text,
                                                 strlen (text), msg));
}

static void
past_epochs_scenario (uint16_t suite_id, unsigned keep)
{
  const cv_mls_suite *s;
  member alice, bob;
  cv_mls_key_package_bundle kb = { 0 };
  cv_mls_staged_commit *staged = NULL;
  cv_bytes commit = CV_BYTES_INIT, welcome = CV_BYTES_INIT;
  cv_bytes m1 = CV_BYTES_INIT, m2 = CV_BYTES_INIT, m3 = CV_BYTES_INIT, stale_commit = CV_BYTES_INIT;
  cv_mls_commit_options opts = { 0 };
  cv_mls_received r = { 0 };

  current_suite = suite_id;
  printf ("suite %u, past epochs kept: %u\n", suite_id, keep);
  if (!ok_st ("suite", cv_mls_suite_get (suite_id, &s)))
    return;
  fake_now = (uint64_t) time (NULL);
  cv_mls_group_config_init (&config);
  config.handshake_private = true;
  config.clock = fake_clock;
  config.past_epochs = keep;
  config.past_epoch_seconds = 10;
  member_init (&alice, s, "alice");
  member_init (&bob, s, "bob");
  if (!ok_st ("create", cv_mls_group_create (s, (const uint8_t *) "past-epochs", 11, &alice.credential,
                                             alice.sig_priv.data, alice.sig_priv.len, NULL, &config,
                                             &alice.g)))
    goto out;
  key_package_for (s, &bob, &kb);
  opts.add_key_packages = &kb.key_package_message;
  opts.n_add = 1;
  if (!ok_st ("add bob", cv_mls_group_commit (alice.g, &opts, &commit, &welcome, &staged)))
    goto out;
  ok_st ("alice merges", cv_mls_group_merge (alice.g, staged));
  staged = NULL;
  if (!ok_st ("bob joins", cv_mls_group_join (&kb, welcome.data, welcome.len, NULL, 0, &config, &bob.g)))
    goto out;

  /* Alice writes in epoch 1, Bob commits epoch 2 before it arrives. */
  protect (&alice, "in flight", &m1);
  cv_bytes_clear (&commit);
  cv_bytes_clear (&welcome);
  memset (&opts, 0, sizeof opts);
  opts.force_path = true;
  ok_st ("alice's competing commit", cv_mls_group_commit (alice.g, &opts, &stale_commit, &welcome, &staged));
  cv_mls_staged_commit_free (staged);
  staged = NULL;
  self_update (&bob, &alice);
  check ("epoch 2", cv_mls_group_epoch (bob.g) == 2 && cv_mls_group_epoch (alice.g) == 2);
  if (keep == 0)
    {
      refused ("no past epochs kept: the message of epoch 1 is refused", bob.g,
               cv_mls_group_process (bob.g, m1.data, m1.len, &r), "epoch 1, not 2");
      goto out;
    }
  if (ok_st ("the message of epoch 1 is read in epoch 2", cv_mls_group_process (bob.g, m1.data, m1.len, &r)))
    check ("its data and sender", r.type == CV_MLS_RECEIVED_APPLICATION && r.sender_index == 0
                                  && r.application_data.len == 9
                                  && memcmp (r.application_data.data, "in flight", 9) == 0);
  cv_mls_received_clear (&r);
  refused ("read only once", bob.g, cv_mls_group_process (bob.g, m1.data, m1.len, &r), "");
  refused ("a commit of the past epoch is not", bob.g,
           cv_mls_group_process (bob.g, stale_commit.data, stale_commit.len, &r), "only application messages");

  /* Within the grace time, but three epochs on: epoch 2 is forgotten when
   * at most two past epochs are kept; epoch 4 is not. */
  cv_bytes_clear (&m1);
  protect (&alice, "epoch 2", &m1);
  self_update (&alice, &bob);                       /* epoch 3 */
  self_update (&bob, &alice);                       /* epoch 4 */
  protect (&alice, "epoch 4", &m2);
  self_update (&alice, &bob);                       /* epoch 5 */
  refused ("epoch 2, three epochs back", bob.g, cv_mls_group_process (bob.g, m1.data, m1.len, &r),
           "epoch 2, not 5");
  if (ok_st ("epoch 4, one epoch back", cv_mls_group_process (bob.g, m2.data, m2.len, &r)))
    check ("its data", r.application_data.len == 7 && memcmp (r.application_data.data, "epoch 4", 7) == 0);
  cv_mls_received_clear (&r);

  /* One epoch back but after the grace time: refused. */
  protect (&alice, "epoch 5", &m3);
  self_update (&bob, &alice);                       /* epoch 6 */
  fake_now += 11;
  refused ("epoch 5 after the grace time", bob.g, cv_mls_group_process (bob.g, m3.data, m3.len, &r),
           "epoch 5, not 6");

out:
  cv_mls_received_clear (&r);
  cv_mls_staged_commit_free (staged);
  cv_mls_key_package_bundle_clear (&kb);
  cv_bytes_clear (&commit);
  cv_bytes_clear (&welcome);
  cv_bytes_clear (&m1);
  cv_bytes_clear (&m2);
  cv_bytes_clear (&m3);
  cv_bytes_clear (&stale_commit);
  member_clear (&alice);
  member_clear (&bob);
}

int
main (void)
{
  tally = cv_test_tally_new ("group scenario");
  all_ok = true;
  for (int priv = 0; priv < 2; priv++)
    {
      scenario (CV_MLS_SUITE_X25519_AES128GCM_SHA256_ED25519, priv);
      scenario (CV_MLS_SUITE_P256_AES128GCM_SHA256_P256, priv);
    }
  past_epochs_scenario (CV_MLS_SUITE_X25519_AES128GCM_SHA256_ED25519, 2);
  past_epochs_scenario (CV_MLS_SUITE_P256_AES128GCM_SHA256_P256, 2);
  past_epochs_scenario (CV_MLS_SUITE_X25519_AES128GCM_SHA256_ED25519, 0);
  return cv_test_tally_finish (tally);
}

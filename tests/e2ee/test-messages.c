/* messages.json: every structure parses and serializes back to the same
 * bytes (RFC 9420 §6, §7, §10, §12). Truncated, extended and corrupted copies
 * of the first entries must be refused. Cases are tallied by the Welcome's
 * cipher suite (the vectors carry no other suite). For the PublicMessage and
 * PrivateMessage members, the framing module parses the outer structure and
 * the Proposal or Commit a PublicMessage carries must round-trip here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv-mls-framing.h"
#include "cv-mls-messages.h"
#include "cv-mls-tree.h"
#include "cv-test-vectors.h"

typedef cv_status (*parse_fn) (const uint8_t *data, size_t len, void *out);
typedef cv_status (*serialize_fn) (const void *in, cv_bytes *out);
typedef void (*clear_fn) (void *x);

typedef struct {
  const char *member;
  uint16_t proposal_type;   /* for the proposal bodies */
  parse_fn parse;
  serialize_fn serialize;
  clear_fn clear;
} message_kind;

/* Proposal bodies carry no type: the table says which one to read. */
static uint16_t current_proposal_type;

static cv_status
parse_proposal_body (const uint8_t *data, size_t len, void *out)
{
  return cv_mls_proposal_parse_body (current_proposal_type, data, len, out);
}

static cv_status
serialize_proposal_body (const void *in, cv_bytes *out)
{
  return cv_mls_proposal_serialize_body (in, out);
}

/* The ratchet tree goes through the tree module (decode and encode). */
static cv_status
parse_tree (const uint8_t *data, size_t len, void *out)
{
  const cv_mls_suite *s;
  cv_status st = cv_mls_suite_get (1, &s);

  if (st == CV_OK)
    st = cv_mls_tree_decode (s, data, len, (cv_mls_tree **) out);
  return st;
}

static cv_status
serialize_tree (const void *in, cv_bytes *out)
{
  return cv_mls_tree_encode (*(cv_mls_tree *const *) in, out);
}

static void
clear_tree (void *x)
{
  cv_mls_tree_free (*(cv_mls_tree **) x);
  *(cv_mls_tree **) x = NULL;
}

#define KIND(member, T) \
  { member, 0, (parse_fn) cv_mls_##T##_parse, (serialize_fn) cv_mls_##T##_serialize, \
    (clear_fn) cv_mls_##T##_clear }
#define MESSAGE_KIND(member, T) \
  { member, 0, (parse_fn) cv_mls_##T##_parse_message, \
    (serialize_fn) cv_mls_##T##_serialize_message, (clear_fn) cv_mls_##T##_clear }
#define PROPOSAL_KIND(member, type) \
  { member, type, parse_proposal_body, serialize_proposal_body, \
    (clear_fn) cv_mls_proposal_clear }

static const message_kind kinds[] = {
  MESSAGE_KIND ("mls_welcome", welcome),
  MESSAGE_KIND ("mls_group_info", group_info),
  MESSAGE_KIND ("mls_key_package", key_package),
  { "ratchet_tree", 0, parse_tree, serialize_tree, clear_tree },
  KIND ("group_secrets", group_secrets),
  PROPOSAL_KIND ("add_proposal", CV_MLS_PROPOSAL_ADD),
  PROPOSAL_KIND ("update_proposal", CV_MLS_PROPOSAL_UPDATE),
  PROPOSAL_KIND ("remove_proposal", CV_MLS_PROPOSAL_REMOVE),
  PROPOSAL_KIND ("pre_shared_key_proposal", CV_MLS_PROPOSAL_PSK),
  PROPOSAL_KIND ("re_init_proposal", CV_MLS_PROPOSAL_REINIT),
  PROPOSAL_KIND ("external_init_proposal", CV_MLS_PROPOSAL_EXTERNAL_INIT),
  PROPOSAL_KIND ("group_context_extensions_proposal", CV_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS),
  KIND ("commit", commit),
};

/* Large enough for any of the structures above. */
typedef union {
  cv_mls_welcome welcome;
  cv_mls_group_info group_info;
  cv_mls_key_package key_package;
  cv_mls_group_secrets group_secrets;
  cv_mls_proposal proposal;
  cv_mls_commit commit;
  cv_mls_tree *tree;
} any_message;

static bool
round_trip (const message_kind *k, const cv_bytes *want)
{
  any_message m;
  cv_bytes got = CV_BYTES_INIT;
  cv_status st;
  bool ok;

  memset (&m, 0, sizeof m);
  current_proposal_type = k->proposal_type;
  st = k->parse (want->data, want->len, &m);
  if (st != CV_OK)
    {
      fprintf (stderr, "  %s: parse: %s: %s\n", k->member, cv_status_name (st),
               cv_status_message ());
      return false;
    }
  st = k->serialize (&m, &got);
  ok = st == CV_OK && cv_test_bytes_match (k->member, got.data, got.len, want);
  if (st != CV_OK)
    fprintf (stderr, "  %s: serialize: %s\n", k->member, cv_status_message ());
  k->clear (&m);
  cv_bytes_clear (&got);
  return ok;
}

/* Every strict prefix, the input with a byte appended, must be refused. */
static bool
refuses_damage (const message_kind *k, const cv_bytes *good)
{
  any_message m;
  cv_bytes longer = CV_BYTES_INIT;
  bool ok = true;

  current_proposal_type = k->proposal_type;
  for (size_t len = 0; len < good->len; len++)
    {
      memset (&m, 0, sizeof m);
      if (k->parse (good->data, len, &m) == CV_OK)
        {
          fprintf (stderr, "  %s: a %zu-byte prefix of %zu parsed\n", k->member, len, good->len);
          k->clear (&m);
          ok = false;
          break;
        }
      if (strlen (cv_status_message ()) == 0)
        {
          fprintf (stderr, "  %s: refusal without a reason\n", k->member);
          ok = false;
          break;
        }
    }
  cv_bytes_set (&longer, good->data, good->len);
  cv_bytes_append (&longer, (const uint8_t *) "\0", 1);
  memset (&m, 0, sizeof m);
  if (k->parse (longer.data, longer.len, &m) == CV_OK)
    {
      fprintf (stderr, "  %s: trailing byte accepted\n", k->member);
      k->clear (&m);
      ok = false;
    }
  cv_bytes_clear (&longer);
  return ok;
}

/* Flipping bytes must never crash; whatever parses must re-serialize to
 * exactly its input (the encoding is canonical). */
static bool
survives_corruption (const message_kind *k, const cv_bytes *good)
{
  cv_bytes bad = CV_BYTES_INIT, again = CV_BYTES_INIT;
  bool ok = true;

  current_proposal_type = k->proposal_type;
  for (size_t i = 0; i < good->len && ok; i += 1 + good->len / 64)
    {
      any_message m;

      memset (&m, 0, sizeof m);
      cv_bytes_set (&bad, good->data, good->len);
      bad.data[i] ^= 0xa5;
      if (k->parse (bad.data, bad.len, &m) == CV_OK)
        {
          if (k->serialize (&m, &again) != CV_OK
              || !cv_bytes_eq (&again, &bad))
            {
              fprintf (stderr, "  %s: corrupted at %zu, parsed but did not round-trip\n",
                       k->member, i);
              ok = false;
            }
          k->clear (&m);
          cv_bytes_clear (&again);
        }
      cv_bytes_clear (&bad);
    }
  return ok;
}

static const char *const framed_members[] = {
  "public_message_application", "public_message_proposal", "public_message_commit",
  "private_message",
};

static bool
framed_round_trip (const char *member, const cv_bytes *want)
{
  cv_mls_message m;
  cv_mls_authenticated_content ac;
  cv_mls_writer w;
  cv_bytes ac_bytes = CV_BYTES_INIT, inner = CV_BYTES_INIT;
  cv_status st = cv_mls_message_parse (want->data, want->len, &m);
  bool ok = true;

  memset (&ac, 0, sizeof ac);
  if (st != CV_OK)
    {
      fprintf (stderr, "  %s: %s\n", member, cv_status_message ());
      return false;
    }
  if (m.wire_format != CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE)
    return true;
  /* AuthenticatedContent = wire_format || FramedContent || auth. */
  cv_mls_writer_init (&w);
  cv_mls_write_u16 (&w, m.wire_format);
  cv_mls_write_fixed (&w, m.body, m.body_len);
  if (cv_mls_writer_finish (&w, &ac_bytes) != CV_OK
      || cv_mls_authenticated_content_parse (ac_bytes.data, ac_bytes.len, &ac) != CV_OK)
    {
      fprintf (stderr, "  %s: content: %s\n", member, cv_status_message ());
      cv_bytes_clear (&ac_bytes);
      return false;
    }
  if (ac.content_type == CV_MLS_CONTENT_TYPE_PROPOSAL)
    {
      cv_mls_proposal p;

      ok = cv_mls_proposal_parse (ac.content, ac.content_len, &p) == CV_OK;
      ok = ok && cv_mls_proposal_serialize (&p, &inner) == CV_OK;
      if (ok)
        cv_mls_proposal_clear (&p);
    }
  else if (ac.content_type == CV_MLS_CONTENT_TYPE_COMMIT)
    {
      cv_mls_commit c;

      ok = cv_mls_commit_parse (ac.content, ac.content_len, &c) == CV_OK;
      ok = ok && cv_mls_commit_serialize (&c, &inner) == CV_OK;
      if (ok)
        cv_mls_commit_clear (&c);
    }
  if (ok && ac.content_type != CV_MLS_CONTENT_TYPE_APPLICATION)
    ok = cv_bytes_equal_ct (inner.data, inner.len, ac.content, ac.content_len);
  if (!ok)
    fprintf (stderr, "  %s: the framed content did not round-trip: %s\n", member,
             cv_status_message ());
  cv_mls_authenticated_content_clear (&ac);
  cv_bytes_clear (&ac_bytes);
  cv_bytes_clear (&inner);
  return ok;
}

/* A few rules the vectors do not exercise. */
static bool
check_rules (void)
{
  /* Two extensions of one type (§13.4). */
  static const uint8_t dup[] = { 0x08, 0x00, 0x0a, 0x01, 0x00, 0x00, 0x0a, 0x01, 0x00 };
  /* A credential of an unknown type cannot be skipped. */
  static const uint8_t cred[] = { 0x7a, 0x7a, 0x00 };
  /* A proposal of an unknown type. */
  static const uint8_t prop[] = { 0x0a, 0x0a, 0x00 };
  cv_mls_extension_list l;
  cv_mls_credential c;
  cv_mls_proposal p;
  cv_mls_reader r;
  bool ok = true;

  cv_mls_reader_init (&r, dup, sizeof dup);
  if (cv_mls_extension_list_read (&r, &l) != CV_ERR_INVALID)
    {
      fprintf (stderr, "  duplicate extension accepted\n");
      ok = false;
    }
  cv_mls_reader_init (&r, cred, sizeof cred);
  if (cv_mls_credential_read (&r, &c) != CV_ERR_UNSUPPORTED)
    {
      fprintf (stderr, "  unknown credential type accepted\n");
      ok = false;
    }
  if (cv_mls_proposal_parse (prop, sizeof prop, &p) != CV_ERR_UNSUPPORTED)
    {
      fprintf (stderr, "  unknown proposal type accepted\n");
      ok = false;
    }
  return ok;
}

int
main (void)
{
  JsonNode *root = cv_test_load_json ("mls/messages.json");
  JsonArray *cases = json_node_get_array (root);
  cv_test_tally *tally = cv_test_tally_new ("messages.json");
  size_t n_kinds = sizeof kinds / sizeof kinds[0];
  unsigned counts[G_N_ELEMENTS (kinds)] = { 0 }, passed[G_N_ELEMENTS (kinds)] = { 0 };
  unsigned framed_passed[G_N_ELEMENTS (framed_members)] = { 0 }, framed_count = 0;

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *o = json_array_get_object_element (cases, i);
      cv_bytes welcome = cv_test_hex (o, "mls_welcome");
      unsigned suite = welcome.len >= 6 ? (unsigned) (welcome.data[4] << 8 | welcome.data[5]) : 0;
      bool case_ok = true;

      for (size_t k = 0; k < n_kinds; k++)
        {
          cv_bytes want = cv_test_hex (o, kinds[k].member);
          bool ok = round_trip (&kinds[k], &want);

          if (ok && i < 3)
            ok = refuses_damage (&kinds[k], &want) && survives_corruption (&kinds[k], &want);
          if (!ok)
            fprintf (stderr, "case %u: %s failed\n", i, kinds[k].member);
          counts[k]++;
          passed[k] += ok;
          case_ok &= ok;
          cv_bytes_clear (&want);
        }
      for (size_t k = 0; k < G_N_ELEMENTS (framed_members); k++)
        {
          cv_bytes want = cv_test_hex (o, framed_members[k]);
          bool ok = framed_round_trip (framed_members[k], &want);

          framed_passed[k] += ok;
          case_ok &= ok;
          cv_bytes_clear (&want);
        }
      framed_count++;
      cv_test_tally_add (tally, suite, case_ok);
      cv_bytes_clear (&welcome);
    }
  for (size_t k = 0; k < n_kinds; k++)
    printf ("  %-34s %u/%u round-trips\n", kinds[k].member, passed[k], counts[k]);
  for (size_t k = 0; k < G_N_ELEMENTS (framed_members); k++)
    printf ("  %-34s %u/%u parsed (framing), inner content round-trips\n", framed_members[k],
            framed_passed[k], framed_count);
  cv_test_tally_add (tally, 0, check_rules ());
  json_node_unref (root);
  return cv_test_tally_finish (tally);
}

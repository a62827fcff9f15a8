/* message-protection.json (RFC 9420 §6), per cipher suite, in both
 * directions:
 *   - unprotect: the vector's PublicMessages (membership tag, signature) and
 *     PrivateMessages (sender data, content) give back the raw proposal,
 *     commit and application data;
 *   - protect: we frame the raw values ourselves as PublicMessage (refused
 *     for application data) and PrivateMessage, and a receiver with its own
 *     secret tree opens and verifies them.
 * Then the rules the vectors do not cover: replays, another epoch or group,
 * wrong keys, sender types, padding, and every truncation and single-byte
 * change of each vector message refused. */
#include <stdio.h>
#include <string.h>

#include "cv-mls-framing.h"
#include "cv-mls-key-schedule.h"
#include "cv-test-vectors.h"

static int failures;

#define CHECK(cond) \
  do { if (!(cond)) { fprintf (stderr, "%s:%d: CHECK failed: %s (%s)\n", __FILE__, __LINE__, \
                               #cond, cv_status_message ()); failures++; } } while (0)

typedef struct {
  const cv_mls_suite *suite;
  cv_bytes group_id, tree_hash, cth, group_context;
  cv_bytes sig_priv, sig_pub, encryption_secret, sender_data_secret, membership_key;
  uint64_t epoch;
  cv_mls_secret_tree *tree;      /* reset by fresh_keys() */
  cv_mls_framing_keys keys;
} fixture;

static void
fixture_clear (fixture *f)
{
  cv_bytes *all[] = { &f->group_id, &f->tree_hash, &f->cth, &f->group_context, &f->sig_priv,
                      &f->sig_pub, &f->encryption_secret, &f->sender_data_secret,
                      &f->membership_key };
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    cv_bytes_clear (all[i]);
  cv_mls_secret_tree_free (f->tree);
  f->tree = NULL;
}

/* Keys of the vector's epoch with a fresh 2-leaf secret tree. */
static cv_mls_framing_keys *
fresh_keys (fixture *f)
{
  cv_mls_secret_tree_free (f->tree);
  f->tree = NULL;
  CHECK (cv_mls_secret_tree_new (f->suite, f->encryption_secret.data, f->encryption_secret.len, 2,
                                 &f->tree) == CV_OK);
  memset (&f->keys, 0, sizeof f->keys);
  f->keys.suite = f->suite;
  f->keys.group_id = f->group_id.data;
  f->keys.group_id_len = f->group_id.len;
  f->keys.epoch = f->epoch;
  f->keys.group_context = f->group_context.data;
  f->keys.group_context_len = f->group_context.len;
  f->keys.membership_key = f->membership_key.data;
  f->keys.membership_key_len = f->membership_key.len;
  f->keys.sender_data_secret = f->sender_data_secret.data;
  f->keys.sender_data_secret_len = f->sender_data_secret.len;
  f->keys.secret_tree = f->tree;
  return &f->keys;
}

static bool
fixture_init (fixture *f, const cv_mls_suite *s, JsonObject *o)
{
  cv_mls_group_context gc = { 0 };

  memset (f, 0, sizeof *f);
  f->suite = s;
  f->group_id = cv_test_hex (o, "group_id");
  f->tree_hash = cv_test_hex (o, "tree_hash");
  f->cth = cv_test_hex (o, "confirmed_transcript_hash");
  f->sig_priv = cv_test_hex (o, "signature_priv");
  f->sig_pub = cv_test_hex (o, "signature_pub");
  /* An ECDSA private key is a scalar of the curve's full size (SEC 1
   * Field-Element-to-Octet-String); some vector keys drop a leading zero. */
  if (s->signature == CV_MLS_SIG_ECDSA_P521_SHA512 && f->sig_priv.len < 66)
    {
      cv_bytes padded = CV_BYTES_INIT;
      if (cv_bytes_alloc (&padded, 66) == CV_OK)
        {
          memcpy (padded.data + 66 - f->sig_priv.len, f->sig_priv.data, f->sig_priv.len);
          cv_bytes_clear (&f->sig_priv);
          f->sig_priv = padded;
        }
    }
  f->encryption_secret = cv_test_hex (o, "encryption_secret");
  f->sender_data_secret = cv_test_hex (o, "sender_data_secret");
  f->membership_key = cv_test_hex (o, "membership_key");
  f->epoch = (uint64_t) json_object_get_int_member (o, "epoch");
  gc.cipher_suite = s->id;
  gc.group_id = f->group_id.data;
  gc.group_id_len = f->group_id.len;
  gc.epoch = f->epoch;
  gc.tree_hash = f->tree_hash.data;
  gc.tree_hash_len = f->tree_hash.len;
  gc.confirmed_transcript_hash = f->cth.data;
  gc.confirmed_transcript_hash_len = f->cth.len;
  return cv_mls_group_context_serialize (&gc, &f->group_context) == CV_OK;
}

/* Parses, opens and verifies one MLSMessage and checks what it carried. */
static cv_status
unprotect (fixture *f, const cv_mls_framing_keys *keys, const uint8_t *data, size_t len,
           uint8_t content_type, const cv_bytes *want, cv_mls_authenticated_content *ac)
{
  cv_mls_message msg;
  cv_status st;

  memset (ac, 0, sizeof *ac);
  if ((st = cv_mls_message_parse (data, len, &msg)) != CV_OK
      || (st = cv_mls_framing_open (keys, &msg, ac)) != CV_OK
      || (st = cv_mls_framing_verify (keys, ac, f->sig_pub.data, f->sig_pub.len)) != CV_OK)
    return st;
  if (ac->content_type != content_type || ac->sender.type != CV_MLS_SENDER_TYPE_MEMBER
      || ac->sender.index != 1 || ac->epoch != f->epoch
      || (want != NULL && !cv_test_bytes_match ("content", ac->content, ac->content_len, want)))
    return cv_fail (CV_ERR_INVALID, "unexpected content");
  return CV_OK;
}

static bool
unprotect_ok (fixture *f, const char *what, const cv_bytes *msg, uint8_t content_type,
              const cv_bytes *want, cv_mls_authenticated_content *ac_out)
{
  cv_mls_authenticated_content ac;
  cv_status st = unprotect (f, fresh_keys (f), msg->data, msg->len, content_type, want, &ac);

  if (st != CV_OK)
    fprintf (stderr, "  suite %u: %s: %s: %s\n", f->suite->id, what, cv_status_name (st),
             cv_status_message ());
  if (ac_out != NULL && st == CV_OK)
    *ac_out = ac;
  else
    cv_mls_authenticated_content_clear (&ac);
  return st == CV_OK;
}

/* Frames raw as leaf 1 and seals it; for a commit, tag is the
 * confirmation_tag. */
static cv_status
protect (fixture *f, cv_mls_framing_keys *keys, uint16_t wire_format, uint8_t content_type,
         const cv_bytes *raw, const uint8_t *tag, size_t tag_len, cv_bytes *out)
{
  cv_mls_content c = { { CV_MLS_SENDER_TYPE_MEMBER, 1 }, (const uint8_t *) "aad", 3,
                       content_type, raw->data, raw->len };
  cv_mls_authenticated_content ac;
  cv_status st;

  st = cv_mls_framing_sign (keys, wire_format, &c, f->sig_priv.data, f->sig_priv.len, &ac);
  if (st == CV_OK && content_type == CV_MLS_CONTENT_TYPE_COMMIT)
    st = cv_mls_framing_set_confirmation_tag (&ac, tag, tag_len);
  if (st == CV_OK)
    st = cv_mls_framing_seal (keys, &ac, out);
  cv_mls_authenticated_content_clear (&ac);
  return st;
}

/* Our protect, then a receiver with its own tree unprotects. */
static bool
round_trip (fixture *f, const char *what, uint16_t wire_format, uint8_t content_type,
            const cv_bytes *raw, const uint8_t *tag, size_t tag_len)
{
  cv_bytes msg = CV_BYTES_INIT;
  cv_mls_authenticated_content ac;
  cv_status st;
  bool ok;

  st = protect (f, fresh_keys (f), wire_format, content_type, raw, tag, tag_len, &msg);
  if (st == CV_OK)
    st = unprotect (f, fresh_keys (f), msg.data, msg.len, content_type, raw, &ac);
  ok = st == CV_OK;
  if (ok && content_type == CV_MLS_CONTENT_TYPE_COMMIT)
    ok = ac.confirmation_tag_len == tag_len && memcmp (ac.confirmation_tag, tag, tag_len) == 0;
  if (!ok)
    fprintf (stderr, "  suite %u: protect %s: %s: %s\n", f->suite->id, what, cv_status_name (st),
             cv_status_message ());
  if (st == CV_OK)
    cv_mls_authenticated_content_clear (&ac);
  cv_bytes_clear (&msg);
  return ok;
}

/* Every proper prefix and every single-byte change of a vector message is
 * refused by parse, open or verify; each open uses keys that would accept
 * the original. */
static void
check_mutations (fixture *f, const cv_bytes *orig, uint8_t content_type)
{
  cv_bytes m = CV_BYTES_INIT;
  cv_mls_authenticated_content ac;
  cv_mls_framing_keys *keys = fresh_keys (f);

  CHECK (cv_bytes_copy (&m, orig) == CV_OK);
  for (size_t cut = 0; cut < orig->len; cut++)
    {
      cv_status st = unprotect (f, keys, orig->data, cut, content_type, NULL, &ac);
      CHECK (st != CV_OK);
      cv_mls_authenticated_content_clear (&ac);
    }
  for (size_t i = 0; i < m.len; i++)
    {
      cv_status st;

      m.data[i] ^= 0x01;
      st = unprotect (f, keys, m.data, m.len, content_type, NULL, &ac);
      if (st == CV_OK)
        fprintf (stderr, "  suite %u: byte %zu changed and still accepted\n", f->suite->id, i);
      CHECK (st != CV_OK);
      cv_mls_authenticated_content_clear (&ac);
      m.data[i] ^= 0x01;
    }
  /* Trailing garbage. */
  CHECK (cv_bytes_append (&m, (const uint8_t *) "\0", 1) == CV_OK);
  CHECK (unprotect (f, keys, m.data, m.len, content_type, NULL, &ac) == CV_ERR_MALFORMED);
  /* The original still opens with the same keys afterwards: nothing above
   * spent its key. */
  CHECK (unprotect (f, keys, orig->data, orig->len, content_type, NULL, &ac) == CV_OK);
  cv_mls_authenticated_content_clear (&ac);
  cv_bytes_clear (&m);
}

/* A PrivateMessage built by hand from the secret tree (application
 * ratchet), so that a receiver can be shown content no honest sender makes:
 * sender_data of sd_len bytes naming `leaf`, and the given plaintext. */
static cv_status
forge_private (fixture *f, uint32_t leaf, size_t sd_len, const uint8_t *plain, size_t plain_len,
               cv_bytes *out)
{
  const cv_mls_suite *s = f->suite;
  cv_mls_secret_tree *tree = NULL;
  cv_mls_ratchet_key k;
  cv_mls_writer w;
  cv_bytes ct = CV_BYTES_INIT, esd = CV_BYTES_INIT, aad = CV_BYTES_INIT, sd_aad = CV_BYTES_INIT;
  uint8_t sd[16] = { 0 }, sd_key[32], sd_nonce[12];
  cv_status st;

  st = cv_mls_secret_tree_new (s, f->encryption_secret.data, f->encryption_secret.len, 2, &tree);
  if (st == CV_OK)
    st = cv_mls_secret_tree_next_key (tree, 1, CV_MLS_RATCHET_APPLICATION, &k);
  cv_mls_secret_tree_free (tree);
  if (st != CV_OK)
    return st;
  /* PrivateContentAAD and SenderDataAAD. */
  cv_mls_writer_init (&w);
  cv_mls_write_opaque (&w, f->group_id.data, f->group_id.len);
  cv_mls_write_u64 (&w, f->epoch);
  cv_mls_write_u8 (&w, CV_MLS_CONTENT_TYPE_APPLICATION);
  cv_mls_write_opaque (&w, NULL, 0);
  cv_mls_writer_finish (&w, &aad);
  cv_bytes_set (&sd_aad, aad.data, aad.len - 1);
  st = cv_mls_aead_seal (s, k.key, k.nonce, aad.data, aad.len, plain, plain_len, &ct);
  sd[3] = (uint8_t) leaf;   /* leaf, generation 0, reuse_guard 0 */
  if (st == CV_OK)
    st = cv_mls_sender_data_key_nonce (s, f->sender_data_secret.data, f->sender_data_secret.len,
                                       ct.data, ct.len, sd_key, sd_nonce);
  if (st == CV_OK)
    st = cv_mls_aead_seal (s, sd_key, sd_nonce, sd_aad.data, sd_aad.len, sd, sd_len, &esd);
  if (st == CV_OK)
    {
      cv_mls_writer_init (&w);
      cv_mls_write_u16 (&w, 1);
      cv_mls_write_u16 (&w, CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE);
      cv_mls_write_fixed (&w, aad.data, aad.len);
      cv_mls_write_opaque (&w, esd.data, esd.len);
      cv_mls_write_opaque (&w, ct.data, ct.len);
      st = cv_mls_writer_finish (&w, out);
    }
  cv_mls_ratchet_key_clear (&k);
  cv_bytes_clear (&ct);
  cv_bytes_clear (&esd);
  cv_bytes_clear (&aad);
  cv_bytes_clear (&sd_aad);
  return st;
}

static void
check_forged (fixture *f)
{
  /* application_data "hi", a 3-byte signature, then padding. */
  static const uint8_t good[] = { 2, 'h', 'i', 3, 's', 'i', 'g', 0, 0, 0 };
  static const uint8_t bad_pad[] = { 2, 'h', 'i', 3, 's', 'i', 'g', 0, 1, 0 };
  static const uint8_t short_body[] = { 5, 'h', 'i' };
  cv_mls_authenticated_content ac;
  cv_mls_message msg;
  cv_bytes m = CV_BYTES_INIT;
  cv_status st;

  /* Well-formed: opens (the signature is the group's business). */
  CHECK (forge_private (f, 1, 12, good, sizeof good, &m) == CV_OK
         && cv_mls_message_parse (m.data, m.len, &msg) == CV_OK);
  st = cv_mls_framing_open (fresh_keys (f), &msg, &ac);
  CHECK (st == CV_OK && ac.content_len == 2 && ac.signature_len == 3);
  CHECK (cv_mls_framing_verify (&f->keys, &ac, f->sig_pub.data, f->sig_pub.len) != CV_OK);
  cv_mls_authenticated_content_clear (&ac);
  cv_bytes_clear (&m);

  CHECK (forge_private (f, 1, 12, bad_pad, sizeof bad_pad, &m) == CV_OK
         && cv_mls_message_parse (m.data, m.len, &msg) == CV_OK);
  CHECK (cv_mls_framing_open (fresh_keys (f), &msg, &ac) == CV_ERR_MALFORMED);
  CHECK (strstr (cv_status_message (), "padding") != NULL);
  cv_bytes_clear (&m);

  CHECK (forge_private (f, 1, 12, short_body, sizeof short_body, &m) == CV_OK
         && cv_mls_message_parse (m.data, m.len, &msg) == CV_OK);
  CHECK (cv_mls_framing_open (fresh_keys (f), &msg, &ac) == CV_ERR_TRUNCATED);
  cv_bytes_clear (&m);

  CHECK (forge_private (f, 1, 11, good, sizeof good, &m) == CV_OK
         && cv_mls_message_parse (m.data, m.len, &msg) == CV_OK);
  CHECK (cv_mls_framing_open (fresh_keys (f), &msg, &ac) == CV_ERR_MALFORMED);
  cv_bytes_clear (&m);

  CHECK (forge_private (f, 2, 12, good, sizeof good, &m) == CV_OK
         && cv_mls_message_parse (m.data, m.len, &msg) == CV_OK);
  CHECK (cv_mls_framing_open (fresh_keys (f), &msg, &ac) == CV_ERR_INVALID);
  cv_bytes_clear (&m);
}

/* Rules beyond the vectors, on the vector's keys. */
static void
check_rules (fixture *f, const cv_bytes *proposal, const cv_bytes *app, const cv_bytes *priv)
{
  cv_mls_framing_keys *keys;
  cv_mls_authenticated_content ac, ac2;
  cv_mls_message msg;
  cv_bytes out = CV_BYTES_INIT, other_pub = CV_BYTES_INIT, other_priv = CV_BYTES_INIT;
  uint8_t zero_key[64] = { 0 };

  /* Replay of a PrivateMessage: the second open fails. */
  keys = fresh_keys (f);
  CHECK (unprotect (f, keys, priv->data, priv->len, CV_MLS_CONTENT_TYPE_APPLICATION, app, &ac)
         == CV_OK);
  cv_mls_authenticated_content_clear (&ac);
  CHECK (unprotect (f, keys, priv->data, priv->len, CV_MLS_CONTENT_TYPE_APPLICATION, app, &ac)
         == CV_ERR_STATE);

  /* Another epoch or group. */
  keys = fresh_keys (f);
  keys->epoch++;
  CHECK (unprotect (f, keys, priv->data, priv->len, CV_MLS_CONTENT_TYPE_APPLICATION, app, &ac)
         == CV_ERR_STATE);
  keys->epoch--;
  keys->group_id_len--;
  CHECK (unprotect (f, keys, priv->data, priv->len, CV_MLS_CONTENT_TYPE_APPLICATION, app, &ac)
         == CV_ERR_STATE);

  /* Wrong sender-data secret, membership key, signature key. */
  keys = fresh_keys (f);
  keys->sender_data_secret = zero_key;
  CHECK (unprotect (f, keys, priv->data, priv->len, CV_MLS_CONTENT_TYPE_APPLICATION, app, &ac)
         == CV_ERR_AUTH);
  keys = fresh_keys (f);
  CHECK (protect (f, keys, CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE, CV_MLS_CONTENT_TYPE_PROPOSAL,
                  proposal, NULL, 0, &out) == CV_OK);
  keys->membership_key = zero_key;
  CHECK (unprotect (f, keys, out.data, out.len, CV_MLS_CONTENT_TYPE_PROPOSAL, proposal, &ac)
         == CV_ERR_AUTH);
  cv_bytes_clear (&out);
  CHECK (cv_mls_signature_key_pair (f->suite, &other_priv, &other_pub) == CV_OK);
  keys = fresh_keys (f);
  CHECK (cv_mls_message_parse (priv->data, priv->len, &msg) == CV_OK
         && cv_mls_framing_open (keys, &msg, &ac) == CV_OK);
  CHECK (cv_mls_framing_verify (keys, &ac, other_pub.data, other_pub.len) == CV_ERR_AUTH);
  /* The AuthenticatedContent serialization parses back to the same views. */
  CHECK (cv_mls_authenticated_content_parse (ac.bytes.data, ac.bytes.len, &ac2) == CV_OK
         && ac2.content_len == ac.content_len && ac2.sender.index == 1
         && ac2.wire_format == CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE
         && memcmp (ac2.content, ac.content, ac.content_len) == 0);
  CHECK (cv_mls_framing_verify (keys, &ac2, f->sig_pub.data, f->sig_pub.len) == CV_OK);
  cv_mls_authenticated_content_clear (&ac);
  cv_mls_authenticated_content_clear (&ac2);

  /* Sender types (§6.1): an external sender and a new member may propose in
   * a PublicMessage, which has no membership tag; the signature does not
   * cover the GroupContext, so it verifies without one. */
  for (uint8_t type = CV_MLS_SENDER_TYPE_EXTERNAL; type <= CV_MLS_SENDER_TYPE_NEW_MEMBER_PROPOSAL;
       type++)
    {
      cv_mls_content c = { { type, type == CV_MLS_SENDER_TYPE_EXTERNAL ? 3 : 0 }, NULL, 0,
                           CV_MLS_CONTENT_TYPE_PROPOSAL, proposal->data, proposal->len };

      keys = fresh_keys (f);
      keys->membership_key = NULL;
      keys->membership_key_len = 0;
      CHECK (cv_mls_framing_sign (keys, CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE, &c, f->sig_priv.data,
                                  f->sig_priv.len, &ac) == CV_OK);
      CHECK (cv_mls_framing_seal (keys, &ac, &out) == CV_OK);
      cv_mls_authenticated_content_clear (&ac);
      CHECK (cv_mls_message_parse (out.data, out.len, &msg) == CV_OK
             && msg.sender.type == type && msg.membership_tag_len == 0);
      keys->group_context = NULL;
      keys->group_context_len = 0;
      CHECK (cv_mls_framing_open (keys, &msg, &ac) == CV_OK
             && ac.sender.type == type && ac.sender.index == c.sender.index);
      CHECK (cv_mls_framing_verify (keys, &ac, f->sig_pub.data, f->sig_pub.len) == CV_OK);
      cv_mls_authenticated_content_clear (&ac);
      cv_bytes_clear (&out);
      /* ... but never a commit, nor in a PrivateMessage. */
      keys = fresh_keys (f);
      c.content_type = CV_MLS_CONTENT_TYPE_COMMIT;
      CHECK (cv_mls_framing_sign (keys, CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE, &c, f->sig_priv.data,
                                  f->sig_priv.len, &ac) == CV_ERR_INVALID);
      c.content_type = CV_MLS_CONTENT_TYPE_PROPOSAL;
      CHECK (cv_mls_framing_sign (keys, CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE, &c, f->sig_priv.data,
                                  f->sig_priv.len, &ac) == CV_ERR_INVALID);
    }
  /* A member's PrivateMessage needs a leaf of the tree; garbage as a
   * proposal body is refused before anything is signed. */
  {
    cv_mls_content c = { { CV_MLS_SENDER_TYPE_MEMBER, 2 }, NULL, 0,
                         CV_MLS_CONTENT_TYPE_APPLICATION, app->data, app->len };
    keys = fresh_keys (f);
    CHECK (cv_mls_framing_sign (keys, CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE, &c, f->sig_priv.data,
                                f->sig_priv.len, &ac) == CV_ERR_ARGUMENT);
    c.sender.index = 1;
    c.content_type = CV_MLS_CONTENT_TYPE_PROPOSAL;
    c.content_len = 1;
    CHECK (cv_mls_framing_sign (keys, CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE, &c, f->sig_priv.data,
                                f->sig_priv.len, &ac) != CV_OK);
    /* A commit without its confirmation_tag is not sealed. */
    c.content_type = CV_MLS_CONTENT_TYPE_COMMIT;
    c.content = (const uint8_t *) "\0\0";
    c.content_len = 2;
    CHECK (cv_mls_framing_sign (keys, CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE, &c, f->sig_priv.data,
                                f->sig_priv.len, &ac) == CV_OK);
    CHECK (cv_mls_framing_seal (keys, &ac, &out) == CV_ERR_INVALID);
    cv_mls_authenticated_content_clear (&ac);
  }

  /* Padding: a 256-byte boundary, and the receiver strips it. */
  {
    cv_mls_content c = { { CV_MLS_SENDER_TYPE_MEMBER, 1 }, NULL, 0,
                         CV_MLS_CONTENT_TYPE_APPLICATION, app->data, app->len };
    keys = fresh_keys (f);
    keys->padding_block = 256;
    CHECK (cv_mls_framing_sign (keys, CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE, &c, f->sig_priv.data,
                                f->sig_priv.len, &ac) == CV_OK);
    CHECK (cv_mls_framing_seal (keys, &ac, &out) == CV_OK);
    cv_mls_authenticated_content_clear (&ac);
    CHECK (cv_mls_message_parse (out.data, out.len, &msg) == CV_OK
           && (msg.ciphertext_len - f->suite->tag_len) % 256 == 0);
    keys = fresh_keys (f);
    CHECK (unprotect (f, keys, out.data, out.len, CV_MLS_CONTENT_TYPE_APPLICATION, app, &ac)
           == CV_OK);
    cv_mls_authenticated_content_clear (&ac);
    cv_bytes_clear (&out);
    keys->padding_block = CV_MLS_FRAMING_MAX_PADDING_BLOCK + 1;
    CHECK (cv_mls_framing_sign (keys, CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE, &c, f->sig_priv.data,
                                f->sig_priv.len, &ac) == CV_OK);
    CHECK (cv_mls_framing_seal (keys, &ac, &out) == CV_ERR_ARGUMENT);
    cv_mls_authenticated_content_clear (&ac);
  }
  cv_bytes_clear (&other_priv);
  cv_bytes_clear (&other_pub);
}

/* Structural refusals of MLSMessage. */
static void
check_parse_limits (void)
{
  cv_mls_message msg;
  static const uint8_t v2[] = { 0, 2, 0, 1 };
  static const uint8_t wf9[] = { 0, 1, 0, 9 };
  static const uint8_t welcome[] = { 0, 1, 0, 3, 0, 1 };
  uint8_t big_group[4 + 2 + 300] = { 0, 1, 0, 2, 0x41, 0x2c };

  CHECK (cv_mls_message_parse (v2, sizeof v2, &msg) == CV_ERR_UNSUPPORTED);
  CHECK (cv_mls_message_parse (wf9, sizeof wf9, &msg) == CV_ERR_MALFORMED);
  CHECK (cv_mls_message_parse (welcome, 3, &msg) == CV_ERR_TRUNCATED);
  CHECK (cv_mls_message_parse (NULL, 0, &msg) == CV_ERR_TRUNCATED);
  CHECK (cv_mls_message_parse (welcome, sizeof welcome, &msg) == CV_OK
         && msg.wire_format == 3 && msg.body_len == 2);
  CHECK (cv_mls_message_parse (big_group, sizeof big_group, &msg) == CV_ERR_TOO_LARGE);
}

int
main (void)
{
  JsonNode *root = cv_test_load_json ("mls/message-protection.json");
  JsonArray *cases = json_node_get_array (root);
  cv_test_tally *tally = cv_test_tally_new ("message-protection");

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *o = json_array_get_object_element (cases, i);
      unsigned id = (unsigned) json_object_get_int_member (o, "cipher_suite");
      const cv_mls_suite *s;
      cv_bytes proposal, commit, app, proposal_pub, proposal_priv, commit_pub, commit_priv,
               app_priv;
      cv_mls_authenticated_content commit_ac = { 0 };
      cv_bytes dummy = CV_BYTES_INIT;
      fixture f;

      if (cv_mls_suite_get ((uint16_t) id, &s) != CV_OK || !fixture_init (&f, s, o))
        {
          cv_test_tally_add (tally, id, false);
          continue;
        }
      proposal = cv_test_hex (o, "proposal");
      commit = cv_test_hex (o, "commit");
      app = cv_test_hex (o, "application");
      proposal_pub = cv_test_hex (o, "proposal_pub");
      proposal_priv = cv_test_hex (o, "proposal_priv");
      commit_pub = cv_test_hex (o, "commit_pub");
      commit_priv = cv_test_hex (o, "commit_priv");
      app_priv = cv_test_hex (o, "application_priv");

      /* Unprotect the vector's messages. */
      cv_test_tally_add (tally, id, unprotect_ok (&f, "proposal_pub", &proposal_pub,
                                                  CV_MLS_CONTENT_TYPE_PROPOSAL, &proposal, NULL));
      cv_test_tally_add (tally, id, unprotect_ok (&f, "commit_pub", &commit_pub,
                                                  CV_MLS_CONTENT_TYPE_COMMIT, &commit, &commit_ac));
      cv_test_tally_add (tally, id, unprotect_ok (&f, "proposal_priv", &proposal_priv,
                                                  CV_MLS_CONTENT_TYPE_PROPOSAL, &proposal, NULL));
      cv_test_tally_add (tally, id, unprotect_ok (&f, "commit_priv", &commit_priv,
                                                  CV_MLS_CONTENT_TYPE_COMMIT, &commit, NULL));
      cv_test_tally_add (tally, id, unprotect_ok (&f, "application_priv", &app_priv,
                                                  CV_MLS_CONTENT_TYPE_APPLICATION, &app, NULL));

      /* Protect ourselves, unprotect with a receiver's tree. The commit's
       * confirmation_tag is the one the vector's commit carried. */
      const uint8_t *tag = commit_ac.confirmation_tag;
      size_t tag_len = commit_ac.confirmation_tag_len;
      uint8_t fallback_tag[64] = { 0 };
      if (tag == NULL)
        {
          tag = fallback_tag;
          tag_len = s->hash_len;
        }
      cv_test_tally_add (tally, id, round_trip (&f, "proposal as PublicMessage",
                                                CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE,
                                                CV_MLS_CONTENT_TYPE_PROPOSAL, &proposal, NULL, 0));
      cv_test_tally_add (tally, id, round_trip (&f, "commit as PublicMessage",
                                                CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE,
                                                CV_MLS_CONTENT_TYPE_COMMIT, &commit, tag, tag_len));
      cv_test_tally_add (tally, id, protect (&f, fresh_keys (&f), CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE,
                                             CV_MLS_CONTENT_TYPE_APPLICATION, &app, NULL, 0,
                                             &dummy) == CV_ERR_INVALID);
      cv_bytes_clear (&dummy);
      cv_test_tally_add (tally, id, round_trip (&f, "proposal as PrivateMessage",
                                                CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE,
                                                CV_MLS_CONTENT_TYPE_PROPOSAL, &proposal, NULL, 0));
      cv_test_tally_add (tally, id, round_trip (&f, "commit as PrivateMessage",
                                                CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE,
                                                CV_MLS_CONTENT_TYPE_COMMIT, &commit, tag, tag_len));
      cv_test_tally_add (tally, id, round_trip (&f, "application as PrivateMessage",
                                                CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE,
                                                CV_MLS_CONTENT_TYPE_APPLICATION, &app, NULL, 0));
      cv_mls_authenticated_content_clear (&commit_ac);

      check_mutations (&f, &proposal_pub, CV_MLS_CONTENT_TYPE_PROPOSAL);
      check_mutations (&f, &commit_priv, CV_MLS_CONTENT_TYPE_COMMIT);
      check_mutations (&f, &app_priv, CV_MLS_CONTENT_TYPE_APPLICATION);
      check_rules (&f, &proposal, &app, &app_priv);
      check_forged (&f);

      cv_bytes *all[] = { &proposal, &commit, &app, &proposal_pub, &proposal_priv, &commit_pub,
                          &commit_priv, &app_priv };
      for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        cv_bytes_clear (all[k]);
      fixture_clear (&f);
    }
  json_node_unref (root);
  check_parse_limits ();
  printf ("message-protection: per suite, 5 vector messages unprotected and 6 protections "
          "(application as PublicMessage refused); rule and mutation checks: %d failed\n",
          failures);
  int status = cv_test_tally_finish (tally);
  return failures ? 1 : status;
}

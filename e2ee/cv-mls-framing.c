#include "cv-mls-framing.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "cv-mls-codec.h"

#define VERSION_MLS10 1
/* The wire formats whose bodies other parsers read (§17.2). */
#define WIRE_FORMAT_WELCOME 3
#define WIRE_FORMAT_KEY_PACKAGE 5

#define REUSE_GUARD_LEN 4
/* SenderData: leaf_index, generation, reuse_guard (§6.3.2). */
#define SENDER_DATA_LEN (4 + 4 + REUSE_GUARD_LEN)

/* Re-labels the codec's reason with the structure being read, so that a
 * refusal names both the rule and the place. */
static cv_status
refuse (cv_status st, const char *what)
{
  char inner[256];

  snprintf (inner, sizeof inner, "%s", cv_status_message ());
  return cv_fail (st, "%s: %s", what, inner);
}

#define TRY(expr, what) \
  do { cv_status st_ = (expr); if (st_ != CV_OK) return refuse (st_, what); } while (0)

/* ---- Walking Proposal and Commit syntax (§7.2, §10, §12.1, §12.4) ----
 *
 * These encodings carry no overall length, yet framing must know where one
 * ends to find the FramedContentAuthData after it. Only the syntax is
 * walked; the group parses the meaning. */

static cv_status
skip_opaque (cv_mls_reader *r)
{
  const uint8_t *data;
  size_t len;

  return cv_mls_read_opaque (r, &data, &len);
}

static cv_status
skip_credential (cv_mls_reader *r)
{
  uint16_t type;

  TRY (cv_mls_read_u16 (r, &type), "RFC 9420 §5.3: Credential");
  switch (type)
    {
    case 1: /* basic: opaque identity<V> */
    case 2: /* x509: Certificate certificates<V> */
      TRY (skip_opaque (r), "RFC 9420 §5.3: Credential");
      return CV_OK;
    default:
      return cv_fail (CV_ERR_UNSUPPORTED,
                      "RFC 9420 §5.3: Credential type %u has no known encoding", type);
    }
}

static cv_status
skip_leaf_node (cv_mls_reader *r)
{
  const char *what = "RFC 9420 §7.2: LeafNode";
  uint8_t source;
  uint64_t lifetime;
  cv_status st;

  TRY (skip_opaque (r), what);          /* encryption_key */
  TRY (skip_opaque (r), what);          /* signature_key */
  st = skip_credential (r);
  if (st != CV_OK)
    return st;
  for (int i = 0; i < 5; i++)                 /* Capabilities: five vectors */
    TRY (skip_opaque (r), what);
  TRY (cv_mls_read_u8 (r, &source), what);
  switch (source)
    {
    case 1: /* key_package: Lifetime */
      TRY (cv_mls_read_u64 (r, &lifetime), what);
      TRY (cv_mls_read_u64 (r, &lifetime), what);
      break;
    case 2: /* update */
      break;
    case 3: /* commit: parent_hash */
      TRY (skip_opaque (r), what);
      break;
    default:
      return cv_fail (CV_ERR_MALFORMED, "%s: leaf_node_source %u is unknown", what, source);
    }
  TRY (skip_opaque (r), what);          /* extensions */
  TRY (skip_opaque (r), what);          /* signature */
  return CV_OK;
}

static cv_status
skip_proposal (cv_mls_reader *r)
{
  const char *what = "RFC 9420 §12.1: Proposal";
  uint16_t type, u16;
  uint32_t u32;
  uint64_t u64;
  uint8_t u8;
  cv_status st;

  TRY (cv_mls_read_u16 (r, &type), what);
  switch (type)
    {
    case 1: /* add: KeyPackage */
      TRY (cv_mls_read_u16 (r, &u16), what);
      TRY (cv_mls_read_u16 (r, &u16), what);
      TRY (skip_opaque (r), what);      /* init_key */
      if ((st = skip_leaf_node (r)) != CV_OK)
        return st;
      TRY (skip_opaque (r), what);      /* extensions */
      TRY (skip_opaque (r), what);      /* signature */
      return CV_OK;
    case 2: /* update: LeafNode */
      return skip_leaf_node (r);
    case 3: /* remove: leaf index */
      TRY (cv_mls_read_u32 (r, &u32), what);
      return CV_OK;
    case 4: /* psk: PreSharedKeyID */
      TRY (cv_mls_read_u8 (r, &u8), what);
      if (u8 == 1)
        TRY (skip_opaque (r), what);    /* psk_id */
      else if (u8 == 2)
        {
          TRY (cv_mls_read_u8 (r, &u8), what);  /* usage */
          TRY (skip_opaque (r), what);    /* psk_group_id */
          TRY (cv_mls_read_u64 (r, &u64), what);
        }
      else
        return cv_fail (CV_ERR_MALFORMED, "RFC 9420 §8.4: PSKType %u is unknown", u8);
      TRY (skip_opaque (r), what);      /* psk_nonce */
      return CV_OK;
    case 5: /* reinit */
      TRY (skip_opaque (r), what);      /* group_id */
      TRY (cv_mls_read_u16 (r, &u16), what);
      TRY (cv_mls_read_u16 (r, &u16), what);
      TRY (skip_opaque (r), what);      /* extensions */
      return CV_OK;
    case 6: /* external_init: kem_output */
    case 7: /* group_context_extensions: extensions */
      TRY (skip_opaque (r), what);
      return CV_OK;
    default:
      return cv_fail (CV_ERR_UNSUPPORTED,
                      "%s: type 0x%04x is unknown and its length cannot be found", what, type);
    }
}

static cv_status
skip_commit (cv_mls_reader *r)
{
  const char *what = "RFC 9420 §12.4: Commit";
  bool has_path;
  cv_status st;

  TRY (skip_opaque (r), what);          /* ProposalOrRef proposals<V> */
  TRY (cv_mls_read_optional (r, &has_path), what);
  if (!has_path)
    return CV_OK;
  st = skip_leaf_node (r);                    /* UpdatePath.leaf_node */
  if (st != CV_OK)
    return st;
  TRY (skip_opaque (r), what);          /* UpdatePathNode nodes<V> */
  return CV_OK;
}

/* ---- FramedContent and FramedContentAuthData (§6) ---- */

typedef struct {
  const uint8_t *group_id;
  size_t group_id_len;
  uint64_t epoch;
  cv_mls_sender sender;
  const uint8_t *aad;
  size_t aad_len;
  uint8_t content_type;
  const uint8_t *content;
  size_t content_len;
} framed_view;

static cv_status
read_group_id (cv_mls_reader *r, const uint8_t **id, size_t *len)
{
  TRY (cv_mls_read_opaque (r, id, len), "RFC 9420 §6: group_id");
  if (*len > CV_MLS_FRAMING_MAX_GROUP_ID)
    return cv_fail (CV_ERR_TOO_LARGE, "RFC 9420 §6: group_id of %zu bytes is beyond %d",
                    *len, CV_MLS_FRAMING_MAX_GROUP_ID);
  return CV_OK;
}

static cv_status
read_content_type (cv_mls_reader *r, uint8_t *type)
{
  TRY (cv_mls_read_u8 (r, type), "RFC 9420 §6: ContentType");
  if (*type < CV_MLS_CONTENT_TYPE_APPLICATION || *type > CV_MLS_CONTENT_TYPE_COMMIT)
    return cv_fail (CV_ERR_MALFORMED, "RFC 9420 §6: ContentType %u is unknown", *type);
  return CV_OK;
}

static cv_status
read_sender (cv_mls_reader *r, cv_mls_sender *s)
{
  TRY (cv_mls_read_u8 (r, &s->type), "RFC 9420 §6: Sender");
  s->index = 0;
  switch (s->type)
    {
    case CV_MLS_SENDER_TYPE_MEMBER:
    case CV_MLS_SENDER_TYPE_EXTERNAL:
      TRY (cv_mls_read_u32 (r, &s->index), "RFC 9420 §6: Sender");
      return CV_OK;
    case CV_MLS_SENDER_TYPE_NEW_MEMBER_PROPOSAL:
    case CV_MLS_SENDER_TYPE_NEW_MEMBER_COMMIT:
      return CV_OK;
    default:
      return cv_fail (CV_ERR_MALFORMED, "RFC 9420 §6: SenderType %u is unknown", s->type);
    }
}

/* application_data<V>, or one Proposal or Commit whose extent is returned. */
static cv_status
read_content_body (cv_mls_reader *r, uint8_t type, const uint8_t **content, size_t *len)
{
  const uint8_t *start = r->data;
  size_t left = r->left;
  cv_status st;

  if (type == CV_MLS_CONTENT_TYPE_APPLICATION)
    {
      TRY (cv_mls_read_opaque (r, content, len), "RFC 9420 §6: application_data");
      return CV_OK;
    }
  st = type == CV_MLS_CONTENT_TYPE_PROPOSAL ? skip_proposal (r) : skip_commit (r);
  if (st != CV_OK)
    return st;
  *content = start;
  *len = left - r->left;
  return CV_OK;
}

static cv_status
read_framed_content (cv_mls_reader *r, framed_view *v)
{
  cv_status st;

  memset (v, 0, sizeof *v);
  if ((st = read_group_id (r, &v->group_id, &v->group_id_len)) != CV_OK)
    return st;
  TRY (cv_mls_read_u64 (r, &v->epoch), "RFC 9420 §6: FramedContent.epoch");
  if ((st = read_sender (r, &v->sender)) != CV_OK)
    return st;
  TRY (cv_mls_read_opaque (r, &v->aad, &v->aad_len), "RFC 9420 §6: authenticated_data");
  if ((st = read_content_type (r, &v->content_type)) != CV_OK)
    return st;
  return read_content_body (r, v->content_type, &v->content, &v->content_len);
}

static cv_status
read_auth (cv_mls_reader *r, uint8_t content_type, const uint8_t **sig, size_t *sig_len,
           const uint8_t **tag, size_t *tag_len)
{
  const char *what = "RFC 9420 §6.1: FramedContentAuthData";

  TRY (cv_mls_read_opaque (r, sig, sig_len), what);
  if (*sig_len > CV_MLS_FRAMING_MAX_SIGNATURE)
    return cv_fail (CV_ERR_TOO_LARGE, "%s: signature of %zu bytes", what, *sig_len);
  *tag = NULL;
  *tag_len = 0;
  if (content_type == CV_MLS_CONTENT_TYPE_COMMIT)
    {
      TRY (cv_mls_read_opaque (r, tag, tag_len), what);
      if (*tag_len > CV_MLS_FRAMING_MAX_MAC)
        return cv_fail (CV_ERR_TOO_LARGE, "%s: confirmation_tag of %zu bytes", what, *tag_len);
    }
  return CV_OK;
}

static void
write_sender (cv_mls_writer *w, const cv_mls_sender *s)
{
  cv_mls_write_u8 (w, s->type);
  if (s->type == CV_MLS_SENDER_TYPE_MEMBER || s->type == CV_MLS_SENDER_TYPE_EXTERNAL)
    cv_mls_write_u32 (w, s->index);
}

static void
write_content_body (cv_mls_writer *w, uint8_t type, const uint8_t *content, size_t len)
{
  if (type == CV_MLS_CONTENT_TYPE_APPLICATION)
    cv_mls_write_opaque (w, content, len);
  else
    cv_mls_write_fixed (w, content, len);
}

static void
write_framed_content (cv_mls_writer *w, const framed_view *v)
{
  cv_mls_write_opaque (w, v->group_id, v->group_id_len);
  cv_mls_write_u64 (w, v->epoch);
  write_sender (w, &v->sender);
  cv_mls_write_opaque (w, v->aad, v->aad_len);
  cv_mls_write_u8 (w, v->content_type);
  write_content_body (w, v->content_type, v->content, v->content_len);
}

/* ---- AuthenticatedContent ---- */

void
cv_mls_authenticated_content_clear (cv_mls_authenticated_content *ac)
{
  if (ac == NULL)
    return;
  cv_bytes_clear (&ac->bytes);
  memset (ac, 0, sizeof *ac);
}

/* Points the views of ac into ac->bytes. */
static cv_status
bind_views (cv_mls_authenticated_content *ac)
{
  cv_mls_reader r;
  framed_view v;
  const uint8_t *fc;
  cv_status st;

  cv_mls_reader_init (&r, ac->bytes.data, ac->bytes.len);
  TRY (cv_mls_read_u16 (&r, &ac->wire_format), "RFC 9420 §6.1: AuthenticatedContent");
  if (ac->wire_format != CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE
      && ac->wire_format != CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE)
    return cv_fail (CV_ERR_MALFORMED,
                    "RFC 9420 §6.1: AuthenticatedContent with wire_format %u", ac->wire_format);
  fc = r.data;
  if ((st = read_framed_content (&r, &v)) != CV_OK)
    return st;
  ac->framed_content = fc;
  ac->framed_content_len = (size_t) (r.data - fc);
  ac->group_id = v.group_id;
  ac->group_id_len = v.group_id_len;
  ac->epoch = v.epoch;
  ac->sender = v.sender;
  ac->authenticated_data = v.aad;
  ac->authenticated_data_len = v.aad_len;
  ac->content_type = v.content_type;
  ac->content = v.content;
  ac->content_len = v.content_len;
  TRY (cv_mls_read_opaque (&r, &ac->signature, &ac->signature_len),
       "RFC 9420 §6.1: FramedContentAuthData");
  if (ac->signature_len > CV_MLS_FRAMING_MAX_SIGNATURE)
    return cv_fail (CV_ERR_TOO_LARGE, "RFC 9420 §6.1: signature of %zu bytes",
                    ac->signature_len);
  ac->transcript_input_len = ac->bytes.len - r.left;
  ac->confirmation_tag = NULL;
  ac->confirmation_tag_len = 0;
  if (ac->content_type == CV_MLS_CONTENT_TYPE_COMMIT)
    {
      TRY (cv_mls_read_opaque (&r, &ac->confirmation_tag, &ac->confirmation_tag_len),
           "RFC 9420 §6.1: FramedContentAuthData");
      if (ac->confirmation_tag_len > CV_MLS_FRAMING_MAX_MAC)
        return cv_fail (CV_ERR_TOO_LARGE, "RFC 9420 §6.1: confirmation_tag of %zu bytes",
                        ac->confirmation_tag_len);
    }
  return cv_mls_reader_expect_end (&r, "AuthenticatedContent");
}

/* Takes the writer's bytes as ac->bytes and binds the views. */
static cv_status
finish_content (cv_mls_writer *w, cv_mls_authenticated_content *ac)
{
  cv_status st = cv_mls_writer_finish (w, &ac->bytes);

  if (st == CV_OK)
    st = bind_views (ac);
  return st;
}

cv_status
cv_mls_authenticated_content_parse (const uint8_t *data, size_t len,
                                    cv_mls_authenticated_content *out)
{
  cv_status st;

  memset (out, 0, sizeof *out);
  if (len > CV_MLS_FRAMING_MAX_MESSAGE)
    return cv_fail (CV_ERR_TOO_LARGE, "RFC 9420 §6.1: AuthenticatedContent of %zu bytes", len);
  st = cv_bytes_set (&out->bytes, data, len);
  if (st == CV_OK)
    st = bind_views (out);
  if (st != CV_OK)
    cv_mls_authenticated_content_clear (out);
  return st;
}

/* ---- Rules that tie wire format, sender and content type (§6, §6.1, §6.2) ---- */

static cv_status
check_combination (uint16_t wire_format, const cv_mls_sender *sender, uint8_t content_type)
{
  if (content_type < CV_MLS_CONTENT_TYPE_APPLICATION || content_type > CV_MLS_CONTENT_TYPE_COMMIT)
    return cv_fail (CV_ERR_MALFORMED, "RFC 9420 §6: ContentType %u is unknown", content_type);
  if (wire_format == CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE
      && content_type == CV_MLS_CONTENT_TYPE_APPLICATION)
    return cv_fail (CV_ERR_INVALID,
                    "RFC 9420 §6.2: application data is never sent as a PublicMessage");
  if (wire_format == CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE
      && sender->type != CV_MLS_SENDER_TYPE_MEMBER)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §6.3: only members send PrivateMessages");
  switch (sender->type)
    {
    case CV_MLS_SENDER_TYPE_MEMBER:
      return CV_OK;
    case CV_MLS_SENDER_TYPE_EXTERNAL:
    case CV_MLS_SENDER_TYPE_NEW_MEMBER_PROPOSAL:
      if (content_type != CV_MLS_CONTENT_TYPE_PROPOSAL)
        return cv_fail (CV_ERR_INVALID, "RFC 9420 §6.1: sender type %u may only send proposals",
                        sender->type);
      return CV_OK;
    case CV_MLS_SENDER_TYPE_NEW_MEMBER_COMMIT:
      if (content_type != CV_MLS_CONTENT_TYPE_COMMIT)
        return cv_fail (CV_ERR_INVALID, "RFC 9420 §6.1: a new_member_commit sender only commits");
      return CV_OK;
    default:
      return cv_fail (CV_ERR_MALFORMED, "RFC 9420 §6: SenderType %u is unknown", sender->type);
    }
}

static cv_status
check_keys (const cv_mls_framing_keys *keys)
{
  if (keys == NULL || keys->suite == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "framing: no keys or cipher suite");
  if (keys->group_id_len > CV_MLS_FRAMING_MAX_GROUP_ID
      || (keys->group_id == NULL && keys->group_id_len > 0))
    return cv_fail (CV_ERR_ARGUMENT, "framing: group_id of %zu bytes", keys->group_id_len);
  return CV_OK;
}

static bool
signs_group_context (const cv_mls_sender *s)
{
  return s->type == CV_MLS_SENDER_TYPE_MEMBER || s->type == CV_MLS_SENDER_TYPE_NEW_MEMBER_COMMIT;
}

/* FramedContentTBS (§6.1). */
static cv_status
build_tbs (const cv_mls_framing_keys *keys, uint16_t wire_format, const cv_mls_sender *sender,
           const uint8_t *framed_content, size_t framed_content_len, cv_bytes *out)
{
  cv_mls_writer w;

  if (signs_group_context (sender) && (keys->group_context == NULL || keys->group_context_len == 0))
    return cv_fail (CV_ERR_ARGUMENT, "RFC 9420 §6.1: the GroupContext is needed for sender type %u",
                    sender->type);
  cv_mls_writer_init (&w);
  cv_mls_write_u16 (&w, VERSION_MLS10);
  cv_mls_write_u16 (&w, wire_format);
  cv_mls_write_fixed (&w, framed_content, framed_content_len);
  if (signs_group_context (sender))
    cv_mls_write_fixed (&w, keys->group_context, keys->group_context_len);
  return cv_mls_writer_finish (&w, out);
}

/* The content of a Proposal or Commit must be exactly one of them, so that
 * a receiver can find where it ends. */
static cv_status
check_body (uint8_t type, const uint8_t *content, size_t len)
{
  cv_mls_reader r;
  const uint8_t *body;
  size_t body_len;
  cv_status st;

  if (type == CV_MLS_CONTENT_TYPE_APPLICATION)
    return CV_OK;
  cv_mls_reader_init (&r, content, len);
  st = read_content_body (&r, type, &body, &body_len);
  if (st == CV_OK)
    st = cv_mls_reader_expect_end (&r, type == CV_MLS_CONTENT_TYPE_PROPOSAL ? "Proposal" : "Commit");
  return st;
}

cv_status
cv_mls_framing_sign (const cv_mls_framing_keys *keys, uint16_t wire_format,
                     const cv_mls_content *content,
                     const uint8_t *signature_priv, size_t signature_priv_len,
                     cv_mls_authenticated_content *out)
{
  cv_mls_writer w;
  cv_bytes fc = CV_BYTES_INIT, tbs = CV_BYTES_INIT, sig = CV_BYTES_INIT;
  framed_view v;
  cv_status st;

  memset (out, 0, sizeof *out);
  if ((st = check_keys (keys)) != CV_OK)
    return st;
  if (content == NULL || (content->content == NULL && content->content_len > 0)
      || (content->authenticated_data == NULL && content->authenticated_data_len > 0))
    return cv_fail (CV_ERR_ARGUMENT, "framing: no content");
  if (wire_format != CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE
      && wire_format != CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE)
    return cv_fail (CV_ERR_ARGUMENT, "RFC 9420 §6: wire format %u carries no framed content",
                    wire_format);
  if ((st = check_combination (wire_format, &content->sender, content->content_type)) != CV_OK)
    return st;
  if (wire_format == CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE
      && (keys->secret_tree == NULL
          || content->sender.index >= cv_mls_secret_tree_n_leaves (keys->secret_tree)))
    return cv_fail (CV_ERR_ARGUMENT, "RFC 9420 §6.3: leaf %u has no ratchet in the secret tree",
                    content->sender.index);
  if ((st = check_body (content->content_type, content->content, content->content_len)) != CV_OK)
    return st;

  v.group_id = keys->group_id;
  v.group_id_len = keys->group_id_len;
  v.epoch = keys->epoch;
  v.sender = content->sender;
  v.aad = content->authenticated_data;
  v.aad_len = content->authenticated_data_len;
  v.content_type = content->content_type;
  v.content = content->content;
  v.content_len = content->content_len;
  cv_mls_writer_init (&w);
  write_framed_content (&w, &v);
  st = cv_mls_writer_finish (&w, &fc);
  if (st == CV_OK)
    st = build_tbs (keys, wire_format, &content->sender, fc.data, fc.len, &tbs);
  if (st == CV_OK)
    st = cv_mls_sign_with_label (keys->suite, signature_priv, signature_priv_len,
                                 "FramedContentTBS", tbs.data, tbs.len, &sig);
  if (st == CV_OK)
    {
      cv_mls_writer_init (&w);
      cv_mls_write_u16 (&w, wire_format);
      cv_mls_write_fixed (&w, fc.data, fc.len);
      cv_mls_write_opaque (&w, sig.data, sig.len);
      /* A commit's confirmation_tag is set once the signature is known. */
      if (content->content_type == CV_MLS_CONTENT_TYPE_COMMIT)
        cv_mls_write_opaque (&w, NULL, 0);
      st = finish_content (&w, out);
    }
  cv_bytes_clear (&fc);
  cv_bytes_clear (&tbs);
  cv_bytes_clear (&sig);
  if (st != CV_OK)
    cv_mls_authenticated_content_clear (out);
  return st;
}

cv_status
cv_mls_framing_set_confirmation_tag (cv_mls_authenticated_content *ac,
                                     const uint8_t *tag, size_t tag_len)
{
  cv_mls_writer w;
  cv_bytes old;
  uint32_t generation;
  cv_status st;

  if (ac == NULL || ac->bytes.data == NULL || ac->content_type != CV_MLS_CONTENT_TYPE_COMMIT)
    return cv_fail (CV_ERR_ARGUMENT, "RFC 9420 §6.1: only a commit has a confirmation_tag");
  if (tag == NULL || tag_len == 0 || tag_len > CV_MLS_FRAMING_MAX_MAC)
    return cv_fail (CV_ERR_ARGUMENT, "RFC 9420 §6.1: confirmation_tag of %zu bytes", tag_len);
  cv_mls_writer_init (&w);
  cv_mls_write_fixed (&w, ac->bytes.data, ac->transcript_input_len);
  cv_mls_write_opaque (&w, tag, tag_len);
  old = ac->bytes;
  generation = ac->generation;
  ac->bytes = (cv_bytes) CV_BYTES_INIT;
  st = finish_content (&w, ac);
  if (st != CV_OK)
    {
      /* Leave ac as it was. */
      cv_bytes_clear (&ac->bytes);
      ac->bytes = old;
      bind_views (ac);
      return st;
    }
  ac->generation = generation;
  cv_bytes_clear (&old);
  return CV_OK;
}

/* ---- PublicMessage (§6.2) ---- */

/* membership_tag = MAC(membership_key, FramedContentTBS || FramedContentAuthData). */
static cv_status
membership_tbm (const cv_mls_framing_keys *keys, const cv_mls_authenticated_content *ac,
                cv_bytes *tbm)
{
  const uint8_t *auth = ac->framed_content + ac->framed_content_len;
  size_t auth_len = ac->bytes.len - (size_t) (auth - ac->bytes.data);
  cv_status st;

  st = build_tbs (keys, ac->wire_format, &ac->sender, ac->framed_content,
                  ac->framed_content_len, tbm);
  if (st == CV_OK)
    st = cv_bytes_append (tbm, auth, auth_len);
  return st;
}

static cv_status
need_membership_key (const cv_mls_framing_keys *keys)
{
  if (keys->membership_key == NULL || keys->membership_key_len != keys->suite->hash_len)
    return cv_fail (CV_ERR_ARGUMENT, "RFC 9420 §6.2: no membership_key of %zu bytes",
                    keys->suite->hash_len);
  return CV_OK;
}

static cv_status
check_confirmation_tag (const cv_mls_framing_keys *keys, const cv_mls_authenticated_content *ac)
{
  if (ac->content_type == CV_MLS_CONTENT_TYPE_COMMIT
      && ac->confirmation_tag_len != keys->suite->hash_len)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §6.1: confirmation_tag of %zu bytes, want %zu",
                    ac->confirmation_tag_len, keys->suite->hash_len);
  return CV_OK;
}

static cv_status
seal_public (const cv_mls_framing_keys *keys, const cv_mls_authenticated_content *ac,
             cv_bytes *out)
{
  cv_bytes tbm = CV_BYTES_INIT, tag = CV_BYTES_INIT;
  cv_mls_writer w;
  cv_status st = CV_OK;

  if (ac->sender.type == CV_MLS_SENDER_TYPE_MEMBER)
    {
      st = need_membership_key (keys);
      if (st == CV_OK)
        st = membership_tbm (keys, ac, &tbm);
      if (st == CV_OK)
        st = cv_mls_mac (keys->suite, keys->membership_key, keys->membership_key_len,
                         tbm.data, tbm.len, &tag);
    }
  if (st == CV_OK)
    {
      cv_mls_writer_init (&w);
      cv_mls_write_u16 (&w, VERSION_MLS10);
      /* The AuthenticatedContent is wire_format || FramedContent || auth:
       * the PublicMessage carries the last two as they are. */
      cv_mls_write_fixed (&w, ac->bytes.data, ac->bytes.len);
      if (ac->sender.type == CV_MLS_SENDER_TYPE_MEMBER)
        cv_mls_write_opaque (&w, tag.data, tag.len);
      st = cv_mls_writer_finish (&w, out);
    }
  cv_bytes_clear (&tbm);
  cv_bytes_clear (&tag);
  return st;
}

/* ---- PrivateMessage (§6.3) ---- */

static cv_status
need_private_keys (const cv_mls_framing_keys *keys)
{
  if (keys->secret_tree == NULL || cv_mls_secret_tree_suite (keys->secret_tree) != keys->suite)
    return cv_fail (CV_ERR_ARGUMENT, "RFC 9420 §6.3: no secret tree of this suite");
  if (keys->sender_data_secret == NULL || keys->sender_data_secret_len != keys->suite->hash_len)
    return cv_fail (CV_ERR_ARGUMENT, "RFC 9420 §6.3.2: no sender_data_secret of %zu bytes",
                    keys->suite->hash_len);
  return CV_OK;
}

/* PrivateContentAAD, or SenderDataAAD when with_aad is false. */
static cv_status
private_aad (const uint8_t *group_id, size_t group_id_len, uint64_t epoch, uint8_t content_type,
             bool with_aad, const uint8_t *aad, size_t aad_len, cv_bytes *out)
{
  cv_mls_writer w;

  cv_mls_writer_init (&w);
  cv_mls_write_opaque (&w, group_id, group_id_len);
  cv_mls_write_u64 (&w, epoch);
  cv_mls_write_u8 (&w, content_type);
  if (with_aad)
    cv_mls_write_opaque (&w, aad, aad_len);
  return cv_mls_writer_finish (&w, out);
}

static cv_mls_ratchet_type
ratchet_for (uint8_t content_type)
{
  return content_type == CV_MLS_CONTENT_TYPE_APPLICATION ? CV_MLS_RATCHET_APPLICATION
                                                         : CV_MLS_RATCHET_HANDSHAKE;
}

static void
apply_reuse_guard (uint8_t *nonce, const uint8_t *guard)
{
  for (int i = 0; i < REUSE_GUARD_LEN; i++)
    nonce[i] ^= guard[i];
}

static cv_status
seal_private (const cv_mls_framing_keys *keys, cv_mls_authenticated_content *ac, cv_bytes *out)
{
  const cv_mls_suite *s = keys->suite;
  const uint8_t *auth = ac->framed_content + ac->framed_content_len;
  size_t auth_len = ac->bytes.len - (size_t) (auth - ac->bytes.data);
  size_t block = keys->padding_block;
  cv_bytes plain = CV_BYTES_INIT, aad = CV_BYTES_INIT, ct = CV_BYTES_INIT;
  cv_bytes sd_aad = CV_BYTES_INIT, esd = CV_BYTES_INIT;
  uint8_t guard[REUSE_GUARD_LEN], nonce[CV_MLS_MAX_AEAD_NONCE];
  uint8_t sd_key[CV_MLS_MAX_AEAD_KEY], sd_nonce[CV_MLS_MAX_AEAD_NONCE];
  uint8_t sender_data[SENDER_DATA_LEN];
  cv_mls_ratchet_key k;
  cv_mls_writer w;
  cv_status st;

  memset (&k, 0, sizeof k);
  if ((st = need_private_keys (keys)) != CV_OK)
    return st;
  if (block > CV_MLS_FRAMING_MAX_PADDING_BLOCK)
    return cv_fail (CV_ERR_ARGUMENT, "RFC 9420 §6.3.1: padding block of %zu bytes is beyond %d",
                    block, CV_MLS_FRAMING_MAX_PADDING_BLOCK);

  /* PrivateMessageContent: the body, the auth data, then zero padding. */
  cv_mls_writer_init (&w);
  write_content_body (&w, ac->content_type, ac->content, ac->content_len);
  cv_mls_write_fixed (&w, auth, auth_len);
  st = cv_mls_writer_finish (&w, &plain);
  if (st == CV_OK && block > 1 && plain.len % block != 0)
    {
      size_t pad = block - plain.len % block;
      uint8_t zeros[256] = { 0 };

      while (st == CV_OK && pad > 0)
        {
          size_t n = pad < sizeof zeros ? pad : sizeof zeros;
          st = cv_bytes_append (&plain, zeros, n);
          pad -= n;
        }
    }
  if (st == CV_OK)
    st = private_aad (ac->group_id, ac->group_id_len, ac->epoch, ac->content_type, true,
                      ac->authenticated_data, ac->authenticated_data_len, &aad);
  if (st == CV_OK && RAND_bytes (guard, sizeof guard) != 1)
    st = cv_fail (CV_ERR_CRYPTO, "RFC 9420 §6.3.1: no random reuse_guard");
  if (st == CV_OK)
    st = cv_mls_secret_tree_next_key (keys->secret_tree, ac->sender.index,
                                      ratchet_for (ac->content_type), &k);
  if (st == CV_OK)
    {
      memcpy (nonce, k.nonce, s->nonce_len);
      apply_reuse_guard (nonce, guard);
      st = cv_mls_aead_seal (s, k.key, nonce, aad.data, aad.len, plain.data, plain.len, &ct);
    }
  if (st == CV_OK)
    {
      /* SenderData, keyed by a sample of the ciphertext (§6.3.2). */
      for (int i = 0; i < 4; i++)
        {
          sender_data[i] = (uint8_t) (ac->sender.index >> (24 - 8 * i));
          sender_data[4 + i] = (uint8_t) (k.generation >> (24 - 8 * i));
        }
      memcpy (sender_data + 8, guard, sizeof guard);
    }
  if (st == CV_OK)
    st = cv_mls_sender_data_key_nonce (s, keys->sender_data_secret, keys->sender_data_secret_len,
                                       ct.data, ct.len, sd_key, sd_nonce);
  if (st == CV_OK)
    st = private_aad (ac->group_id, ac->group_id_len, ac->epoch, ac->content_type, false,
                      NULL, 0, &sd_aad);
  if (st == CV_OK)
    st = cv_mls_aead_seal (s, sd_key, sd_nonce, sd_aad.data, sd_aad.len, sender_data,
                           sizeof sender_data, &esd);
  if (st == CV_OK)
    {
      cv_mls_writer_init (&w);
      cv_mls_write_u16 (&w, VERSION_MLS10);
      cv_mls_write_u16 (&w, CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE);
      cv_mls_write_opaque (&w, ac->group_id, ac->group_id_len);
      cv_mls_write_u64 (&w, ac->epoch);
      cv_mls_write_u8 (&w, ac->content_type);
      cv_mls_write_opaque (&w, ac->authenticated_data, ac->authenticated_data_len);
      cv_mls_write_opaque (&w, esd.data, esd.len);
      cv_mls_write_opaque (&w, ct.data, ct.len);
      st = cv_mls_writer_finish (&w, out);
      if (st == CV_OK)
        ac->generation = k.generation;
    }
  cv_mls_ratchet_key_clear (&k);
  OPENSSL_cleanse (nonce, sizeof nonce);
  OPENSSL_cleanse (sd_key, sizeof sd_key);
  OPENSSL_cleanse (sd_nonce, sizeof sd_nonce);
  OPENSSL_cleanse (sender_data, sizeof sender_data);
  cv_bytes_clear (&plain);
  cv_bytes_clear (&aad);
  cv_bytes_clear (&ct);
  cv_bytes_clear (&sd_aad);
  cv_bytes_clear (&esd);
  return st;
}

cv_status
cv_mls_framing_seal (const cv_mls_framing_keys *keys, cv_mls_authenticated_content *ac,
                     cv_bytes *mls_message)
{
  cv_status st;

  if ((st = check_keys (keys)) != CV_OK)
    return st;
  if (ac == NULL || ac->bytes.data == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "framing: nothing to seal");
  if (ac->group_id_len != keys->group_id_len || ac->epoch != keys->epoch
      || (ac->group_id_len > 0 && memcmp (ac->group_id, keys->group_id, ac->group_id_len) != 0))
    return cv_fail (CV_ERR_ARGUMENT, "framing: content signed for another group or epoch");
  if ((st = check_combination (ac->wire_format, &ac->sender, ac->content_type)) != CV_OK
      || (st = check_confirmation_tag (keys, ac)) != CV_OK)
    return st;
  if (ac->wire_format == CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE)
    return seal_public (keys, ac, mls_message);
  return seal_private (keys, ac, mls_message);
}

/* ---- MLSMessage (§6) ---- */

cv_status
cv_mls_message_parse (const uint8_t *data, size_t len, cv_mls_message *out)
{
  cv_mls_reader r;
  cv_status st;

  memset (out, 0, sizeof *out);
  if (data == NULL && len > 0)
    return cv_fail (CV_ERR_ARGUMENT, "MLSMessage: no data");
  if (len > CV_MLS_FRAMING_MAX_MESSAGE)
    return cv_fail (CV_ERR_TOO_LARGE, "MLSMessage of %zu bytes is beyond %u", len,
                    CV_MLS_FRAMING_MAX_MESSAGE);
  cv_mls_reader_init (&r, data, len);
  TRY (cv_mls_read_u16 (&r, &out->version), "RFC 9420 §6: MLSMessage");
  if (out->version != VERSION_MLS10)
    return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9420 §6: protocol version %u is not mls10",
                    out->version);
  TRY (cv_mls_read_u16 (&r, &out->wire_format), "RFC 9420 §6: MLSMessage");

  switch (out->wire_format)
    {
    case CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE:
      {
        framed_view v;
        const uint8_t *sig, *tag;
        size_t sig_len, tag_len;

        out->body = r.data;
        if ((st = read_framed_content (&r, &v)) != CV_OK
            || (st = read_auth (&r, v.content_type, &sig, &sig_len, &tag, &tag_len)) != CV_OK)
          return st;
        out->body_len = len - 4 - r.left;
        out->group_id = v.group_id;
        out->group_id_len = v.group_id_len;
        out->epoch = v.epoch;
        out->sender = v.sender;
        out->content_type = v.content_type;
        out->authenticated_data = v.aad;
        out->authenticated_data_len = v.aad_len;
        if (v.sender.type == CV_MLS_SENDER_TYPE_MEMBER)
          {
            TRY (cv_mls_read_opaque (&r, &out->membership_tag, &out->membership_tag_len),
                 "RFC 9420 §6.2: membership_tag");
            if (out->membership_tag_len > CV_MLS_FRAMING_MAX_MAC)
              return cv_fail (CV_ERR_TOO_LARGE, "RFC 9420 §6.2: membership_tag of %zu bytes",
                              out->membership_tag_len);
          }
        return cv_mls_reader_expect_end (&r, "PublicMessage");
      }
    case CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE:
      if ((st = read_group_id (&r, &out->group_id, &out->group_id_len)) != CV_OK)
        return st;
      TRY (cv_mls_read_u64 (&r, &out->epoch), "RFC 9420 §6.3: PrivateMessage");
      if ((st = read_content_type (&r, &out->content_type)) != CV_OK)
        return st;
      TRY (cv_mls_read_opaque (&r, &out->authenticated_data, &out->authenticated_data_len),
           "RFC 9420 §6.3: PrivateMessage.authenticated_data");
      TRY (cv_mls_read_opaque (&r, &out->encrypted_sender_data, &out->encrypted_sender_data_len),
           "RFC 9420 §6.3: PrivateMessage.encrypted_sender_data");
      TRY (cv_mls_read_opaque (&r, &out->ciphertext, &out->ciphertext_len),
           "RFC 9420 §6.3: PrivateMessage.ciphertext");
      return cv_mls_reader_expect_end (&r, "PrivateMessage");
    default:
      if (out->wire_format < WIRE_FORMAT_WELCOME || out->wire_format > WIRE_FORMAT_KEY_PACKAGE)
        return cv_fail (CV_ERR_MALFORMED, "RFC 9420 §6: wire format %u is unknown",
                        out->wire_format);
      out->body = r.data;
      out->body_len = r.left;
      return CV_OK;
    }
}

/* ---- Receiving ---- */

static cv_status
open_public (const cv_mls_framing_keys *keys, const cv_mls_message *msg,
             cv_mls_authenticated_content *out)
{
  cv_bytes tbm = CV_BYTES_INIT;
  cv_mls_writer w;
  cv_status st;

  cv_mls_writer_init (&w);
  cv_mls_write_u16 (&w, CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE);
  cv_mls_write_fixed (&w, msg->body, msg->body_len);
  if ((st = finish_content (&w, out)) != CV_OK)
    return st;
  if ((st = check_combination (out->wire_format, &out->sender, out->content_type)) != CV_OK
      || (st = check_confirmation_tag (keys, out)) != CV_OK)
    return st;
  if (out->sender.type != CV_MLS_SENDER_TYPE_MEMBER)
    return CV_OK;
  if ((st = need_membership_key (keys)) != CV_OK)
    return st;
  st = membership_tbm (keys, out, &tbm);
  if (st == CV_OK
      && cv_mls_mac_verify (keys->suite, keys->membership_key, keys->membership_key_len,
                            tbm.data, tbm.len, msg->membership_tag, msg->membership_tag_len)
         != CV_OK)
    st = cv_fail (CV_ERR_AUTH, "RFC 9420 §6.2: membership_tag of leaf %u does not verify",
                  out->sender.index);
  cv_bytes_clear (&tbm);
  return st;
}

/* PrivateMessageContent (§6.3.1): body, auth data, then only zeros. Sets
 * the extents of the body and of the auth data within plain. */
static cv_status
parse_private_content (const cv_bytes *plain, uint8_t content_type,
                       const uint8_t **body, size_t *body_len,
                       const uint8_t **auth, size_t *auth_len)
{
  cv_mls_reader r;
  const uint8_t *sig, *tag;
  size_t sig_len, tag_len;
  uint8_t nonzero = 0;
  cv_status st;

  cv_mls_reader_init (&r, plain->data, plain->len);
  if ((st = read_content_body (&r, content_type, body, body_len)) != CV_OK)
    return st;
  *auth = r.data;
  if ((st = read_auth (&r, content_type, &sig, &sig_len, &tag, &tag_len)) != CV_OK)
    return st;
  *auth_len = plain->len - r.left - (size_t) (*auth - plain->data);
  for (size_t i = 0; i < r.left; i++)
    nonzero |= r.data[i];
  if (nonzero != 0)
    return cv_fail (CV_ERR_MALFORMED, "RFC 9420 §6.3.1: padding is not all zero");
  return CV_OK;
}

static cv_status
open_private (const cv_mls_framing_keys *keys, const cv_mls_message *msg,
              cv_mls_authenticated_content *out)
{
  const cv_mls_suite *s = keys->suite;
  cv_bytes sd_aad = CV_BYTES_INIT, sd = CV_BYTES_INIT, aad = CV_BYTES_INIT;
  cv_bytes plain = CV_BYTES_INIT;
  uint8_t sd_key[CV_MLS_MAX_AEAD_KEY], sd_nonce[CV_MLS_MAX_AEAD_NONCE];
  uint8_t nonce[CV_MLS_MAX_AEAD_NONCE];
  uint32_t leaf = 0, generation = 0;
  const uint8_t *guard = NULL, *body, *auth;
  size_t body_len, auth_len;
  cv_mls_ratchet_key k;
  cv_mls_reader r;
  cv_mls_writer w;
  framed_view v;
  cv_status st;

  memset (&k, 0, sizeof k);
  if ((st = need_private_keys (keys)) != CV_OK)
    return st;

  /* Who sent it, under which generation (§6.3.2). */
  st = cv_mls_sender_data_key_nonce (s, keys->sender_data_secret, keys->sender_data_secret_len,
                                     msg->ciphertext, msg->ciphertext_len, sd_key, sd_nonce);
  if (st == CV_OK)
    st = private_aad (msg->group_id, msg->group_id_len, msg->epoch, msg->content_type, false,
                      NULL, 0, &sd_aad);
  if (st == CV_OK)
    {
      st = cv_mls_aead_open (s, sd_key, sd_nonce, sd_aad.data, sd_aad.len,
                             msg->encrypted_sender_data, msg->encrypted_sender_data_len, &sd);
      if (st == CV_ERR_AUTH || st == CV_ERR_TRUNCATED)
        st = cv_fail (st, "RFC 9420 §6.3.2: the sender data does not decrypt");
    }
  if (st == CV_OK && sd.len != SENDER_DATA_LEN)
    st = cv_fail (CV_ERR_MALFORMED, "RFC 9420 §6.3.2: SenderData of %zu bytes, want %d",
                  sd.len, SENDER_DATA_LEN);
  if (st == CV_OK)
    {
      cv_mls_reader_init (&r, sd.data, sd.len);
      cv_mls_read_u32 (&r, &leaf);
      cv_mls_read_u32 (&r, &generation);
      cv_mls_read_fixed (&r, REUSE_GUARD_LEN, &guard);
      if (leaf >= cv_mls_secret_tree_n_leaves (keys->secret_tree))
        st = cv_fail (CV_ERR_INVALID, "RFC 9420 §6.3.2: sender leaf %u is outside the tree of %u",
                      leaf, cv_mls_secret_tree_n_leaves (keys->secret_tree));
    }

  /* The content, with the sender's key of that generation (§6.3.1). */
  if (st == CV_OK)
    st = cv_mls_secret_tree_get_key (keys->secret_tree, leaf, ratchet_for (msg->content_type),
                                     generation, &k);
  if (st == CV_OK)
    st = private_aad (msg->group_id, msg->group_id_len, msg->epoch, msg->content_type, true,
                      msg->authenticated_data, msg->authenticated_data_len, &aad);
  if (st == CV_OK)
    {
      memcpy (nonce, k.nonce, s->nonce_len);
      apply_reuse_guard (nonce, guard);
      st = cv_mls_aead_open (s, k.key, nonce, aad.data, aad.len, msg->ciphertext,
                             msg->ciphertext_len, &plain);
      if (st == CV_ERR_AUTH || st == CV_ERR_TRUNCATED)
        st = cv_fail (st, "RFC 9420 §6.3.1: the content of leaf %u generation %u does not decrypt",
                      leaf, generation);
      else if (st == CV_OK)
        /* Authentic: this generation is spent whatever its content holds. */
        cv_mls_secret_tree_erase_key (keys->secret_tree, leaf, ratchet_for (msg->content_type),
                                      generation);
    }
  if (st == CV_OK)
    st = parse_private_content (&plain, msg->content_type, &body, &body_len, &auth, &auth_len);
  if (st == CV_OK)
    {
      v.group_id = msg->group_id;
      v.group_id_len = msg->group_id_len;
      v.epoch = msg->epoch;
      v.sender.type = CV_MLS_SENDER_TYPE_MEMBER;
      v.sender.index = leaf;
      v.aad = msg->authenticated_data;
      v.aad_len = msg->authenticated_data_len;
      v.content_type = msg->content_type;
      v.content = body;
      v.content_len = body_len;
      cv_mls_writer_init (&w);
      cv_mls_write_u16 (&w, CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE);
      write_framed_content (&w, &v);
      cv_mls_write_fixed (&w, auth, auth_len);
      st = finish_content (&w, out);
      if (st == CV_OK)
        {
          out->generation = generation;
          st = check_confirmation_tag (keys, out);
        }
    }
  cv_mls_ratchet_key_clear (&k);
  OPENSSL_cleanse (sd_key, sizeof sd_key);
  OPENSSL_cleanse (sd_nonce, sizeof sd_nonce);
  OPENSSL_cleanse (nonce, sizeof nonce);
  cv_bytes_clear (&sd_aad);
  cv_bytes_clear (&sd);
  cv_bytes_clear (&aad);
  cv_bytes_clear (&plain);
  return st;
}

cv_status
cv_mls_framing_open (const cv_mls_framing_keys *keys, const cv_mls_message *msg,
                     cv_mls_authenticated_content *out)
{
  cv_status st;

  memset (out, 0, sizeof *out);
  if ((st = check_keys (keys)) != CV_OK)
    return st;
  if (msg == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "framing: no message");
  if (msg->wire_format != CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE
      && msg->wire_format != CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §6: wire format %u carries no framed content",
                    msg->wire_format);
  if (msg->group_id_len != keys->group_id_len
      || (msg->group_id_len > 0 && memcmp (msg->group_id, keys->group_id, msg->group_id_len) != 0))
    return cv_fail (CV_ERR_STATE, "RFC 9420 §6: the message is for another group");
  if (msg->epoch != keys->epoch)
    return cv_fail (CV_ERR_STATE, "RFC 9420 §6: the message is for epoch %llu, not %llu",
                    (unsigned long long) msg->epoch, (unsigned long long) keys->epoch);
  if (msg->wire_format == CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE)
    st = open_public (keys, msg, out);
  else
    st = open_private (keys, msg, out);
  if (st != CV_OK)
    cv_mls_authenticated_content_clear (out);
  return st;
}

cv_status
cv_mls_framing_verify (const cv_mls_framing_keys *keys, const cv_mls_authenticated_content *ac,
                       const uint8_t *signature_pub, size_t signature_pub_len)
{
  cv_bytes tbs = CV_BYTES_INIT;
  cv_status st;

  if ((st = check_keys (keys)) != CV_OK)
    return st;
  if (ac == NULL || ac->bytes.data == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "framing: nothing to verify");
  st = build_tbs (keys, ac->wire_format, &ac->sender, ac->framed_content, ac->framed_content_len,
                  &tbs);
  if (st == CV_OK)
    {
      st = cv_mls_verify_with_label (keys->suite, signature_pub, signature_pub_len,
                                     "FramedContentTBS", tbs.data, tbs.len, ac->signature,
                                     ac->signature_len);
      if (st == CV_ERR_AUTH)
        st = cv_fail (CV_ERR_AUTH, "RFC 9420 §6.1: the signature of sender type %u index %u "
                      "does not verify", ac->sender.type, ac->sender.index);
    }
  cv_bytes_clear (&tbs);
  return st;
}

/* cv-mls-messages.c: RFC 9420 structures other than framing. */
#include "cv-mls-messages.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRY(expr) \
  do \
    { \
      st = (expr); \
      if (st != CV_OK) \
        goto fail; \
    } \
  while (0)

/* Prefixes the reason of the last failure with the structure being read,
 * so that a failure deep in a Welcome still says where it was. */
static cv_status
in_struct (cv_status st, const char *what)
{
  char inner[400];

  snprintf (inner, sizeof inner, "%s", cv_status_message ());
  if (strncmp (inner, what, strlen (what)) == 0)
    return st;
  return cv_fail (st, "%s: %s", what, inner);
}

static cv_status
read_bounded_opaque (cv_mls_reader *r, cv_bytes *out, size_t max, const char *what)
{
  const uint8_t *data;
  size_t len;
  cv_status st = cv_mls_read_opaque (r, &data, &len);

  if (st != CV_OK)
    return in_struct (st, what);
  if (len > max)
    return cv_fail (CV_ERR_TOO_LARGE, "%s: %zu bytes, at most %zu accepted", what, len, max);
  return cv_bytes_set (out, data, len);
}

static cv_status
read_opaque (cv_mls_reader *r, cv_bytes *out, const char *what)
{
  return read_bounded_opaque (r, out, SIZE_MAX, what);
}

static void
write_bytes (cv_mls_writer *w, const cv_bytes *b)
{
  cv_mls_write_opaque (w, b->data, b->len);
}

/* Grows an array by one element, zeroed; count is incremented on success. */
static cv_status
grow (void **items, size_t *count, size_t elem, size_t max, const char *what)
{
  void *bigger;

  if (*count >= max)
    return cv_fail (CV_ERR_TOO_LARGE, "%s: more than %zu entries", what, max);
  /* Capacity doubles at powers of two so that reading n entries costs O(n). */
  if ((*count & (*count - 1)) == 0)
    {
      size_t cap = *count ? *count * 2 : 1;

      bigger = realloc (*items, cap * elem);
      if (!bigger)
        return cv_fail (CV_ERR_NOMEM, "%s: cannot allocate %zu entries", what, cap);
      *items = bigger;
    }
  memset ((uint8_t *) *items + *count * elem, 0, elem);
  (*count)++;
  return CV_OK;
}

#define GROW(arr, count, max, what) \
  grow ((void **) &(arr), &(count), sizeof *(arr), (max), (what))

/* Reads the whole input into a type's reader, then refuses what follows. */
#define DEFINE_PARSE_SERIALIZE(T, NAME) \
  cv_status \
  cv_mls_##T##_parse (const uint8_t *data, size_t len, cv_mls_##T *out) \
  { \
    cv_mls_reader r; \
    cv_status st; \
    \
    memset (out, 0, sizeof *out); \
    cv_mls_reader_init (&r, data, len); \
    st = cv_mls_##T##_read (&r, out); \
    if (st == CV_OK && (st = cv_mls_reader_expect_end (&r, NAME)) != CV_OK) \
      cv_mls_##T##_clear (out); \
    return st; \
  } \
  \
  cv_status \
  cv_mls_##T##_serialize (const cv_mls_##T *in, cv_bytes *out) \
  { \
    cv_mls_writer w; \
    \
    cv_mls_writer_init (&w); \
    cv_mls_##T##_write (&w, in); \
    return cv_mls_writer_finish (&w, out); \
  }

bool
cv_mls_extension_type_is_default (uint16_t type)
{
  return type >= CV_MLS_EXT_APPLICATION_ID && type <= CV_MLS_EXT_EXTERNAL_SENDERS;
}

bool
cv_mls_proposal_type_is_default (uint16_t type)
{
  return type >= CV_MLS_PROPOSAL_ADD && type <= CV_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS;
}

/* ---- u16 lists ---- */

bool
cv_mls_u16_list_has (const cv_mls_u16_list *l, uint16_t v)
{
  for (size_t i = 0; i < l->count; i++)
    if (l->items[i] == v)
      return true;
  return false;
}

void
cv_mls_u16_list_clear (cv_mls_u16_list *l)
{
  free (l->items);
  l->items = NULL;
  l->count = 0;
}

cv_status
cv_mls_u16_list_set (cv_mls_u16_list *l, const uint16_t *items, size_t count)
{
  uint16_t *copy = malloc ((count ? count : 1) * sizeof *copy);

  if (!copy)
    return cv_fail (CV_ERR_NOMEM, "cannot allocate a list of %zu entries", count);
  if (count)
    memcpy (copy, items, count * sizeof *copy);
  cv_mls_u16_list_clear (l);
  l->items = copy;
  l->count = count;
  return CV_OK;
}

static cv_status
u16_list_read (cv_mls_reader *r, cv_mls_u16_list *out, const char *what)
{
  cv_mls_reader sub;
  cv_status st = cv_mls_read_vector (r, &sub);

  if (st != CV_OK)
    return in_struct (st, what);
  if (sub.left % 2 != 0)
    return cv_fail (CV_ERR_MALFORMED, "%s: %zu bytes is not a whole number of uint16", what,
                    sub.left);
  if (sub.left / 2 > CV_MLS_MAX_CAPABILITY_ENTRIES)
    return cv_fail (CV_ERR_TOO_LARGE, "%s: %zu entries, at most %d accepted", what,
                    sub.left / 2, CV_MLS_MAX_CAPABILITY_ENTRIES);
  out->count = sub.left / 2;
  out->items = malloc ((out->count ? out->count : 1) * sizeof *out->items);
  if (!out->items)
    return cv_fail (CV_ERR_NOMEM, "%s: cannot allocate", what);
  for (size_t i = 0; i < out->count; i++)
    cv_mls_read_u16 (&sub, &out->items[i]);
  return CV_OK;
}

static void
u16_list_write (cv_mls_writer *w, const cv_mls_u16_list *l)
{
  size_t mark = cv_mls_write_vector_begin (w);

  for (size_t i = 0; i < l->count; i++)
    cv_mls_write_u16 (w, l->items[i]);
  cv_mls_write_vector_end (w, mark);
}

static cv_status
u16_list_copy (cv_mls_u16_list *out, const cv_mls_u16_list *in)
{
  return cv_mls_u16_list_set (out, in->items, in->count);
}

/* ---- Extensions ---- */

void
cv_mls_extension_list_clear (cv_mls_extension_list *l)
{
  for (size_t i = 0; i < l->count; i++)
    cv_bytes_clear (&l->items[i].data);
  free (l->items);
  l->items = NULL;
  l->count = 0;
}

cv_status
cv_mls_extension_list_read (cv_mls_reader *r, cv_mls_extension_list *out)
{
  cv_mls_reader sub;
  cv_status st;

  memset (out, 0, sizeof *out);
  TRY (cv_mls_read_vector (r, &sub));
  while (!cv_mls_reader_at_end (&sub))
    {
      cv_mls_extension *e;

      TRY (GROW (out->items, out->count, CV_MLS_MAX_EXTENSIONS, "RFC 9420 §13.4: extensions"));
      e = &out->items[out->count - 1];
      TRY (cv_mls_read_u16 (&sub, &e->type));
      TRY (read_opaque (&sub, &e->data, "extension_data"));
      for (size_t i = 0; i + 1 < out->count; i++)
        if (out->items[i].type == e->type)
          {
            st = cv_fail (CV_ERR_INVALID,
                          "RFC 9420 §13.4: extension type 0x%04x appears twice in one list",
                          e->type);
            goto fail;
          }
    }
  return CV_OK;

fail:
  cv_mls_extension_list_clear (out);
  return in_struct (st, "Extension list");
}

void
cv_mls_extension_list_write (cv_mls_writer *w, const cv_mls_extension_list *l)
{
  size_t mark = cv_mls_write_vector_begin (w);

  for (size_t i = 0; i < l->count; i++)
    {
      cv_mls_write_u16 (w, l->items[i].type);
      write_bytes (w, &l->items[i].data);
    }
  cv_mls_write_vector_end (w, mark);
}

cv_status
cv_mls_extension_list_copy (cv_mls_extension_list *out, const cv_mls_extension_list *in)
{
  cv_status st = CV_OK;

  memset (out, 0, sizeof *out);
  for (size_t i = 0; i < in->count && st == CV_OK; i++)
    st = cv_mls_extension_list_set (out, in->items[i].type, in->items[i].data.data,
                                    in->items[i].data.len);
  if (st != CV_OK)
    cv_mls_extension_list_clear (out);
  return st;
}

const cv_mls_extension *
cv_mls_extension_list_find (const cv_mls_extension_list *l, uint16_t type)
{
  for (size_t i = 0; i < l->count; i++)
    if (l->items[i].type == type)
      return &l->items[i];
  return NULL;
}

cv_status
cv_mls_extension_list_set (cv_mls_extension_list *l, uint16_t type,
                           const uint8_t *data, size_t len)
{
  cv_bytes copy = CV_BYTES_INIT;
  cv_status st = cv_bytes_set (&copy, data, len);

  if (st != CV_OK)
    return st;
  for (size_t i = 0; i < l->count; i++)
    if (l->items[i].type == type)
      {
        cv_bytes_clear (&l->items[i].data);
        l->items[i].data = copy;
        return CV_OK;
      }
  st = GROW (l->items, l->count, CV_MLS_MAX_EXTENSIONS, "extensions");
  if (st != CV_OK)
    {
      cv_bytes_clear (&copy);
      return st;
    }
  l->items[l->count - 1].type = type;
  l->items[l->count - 1].data = copy;
  return CV_OK;
}

cv_status
cv_mls_extension_list_parse_entries (const uint8_t *data, size_t len, cv_mls_extension_list *out)
{
  cv_mls_writer w;
  cv_bytes framed = CV_BYTES_INIT;
  cv_mls_reader r;
  cv_status st;

  /* Re-frame as a vector so the one reader does the work. */
  memset (out, 0, sizeof *out);
  cv_mls_writer_init (&w);
  cv_mls_write_opaque (&w, data, len);
  if ((st = cv_mls_writer_finish (&w, &framed)) != CV_OK)
    return st;
  cv_mls_reader_init (&r, framed.data, framed.len);
  st = cv_mls_extension_list_read (&r, out);
  cv_bytes_clear (&framed);
  return st;
}

cv_status
cv_mls_extension_list_serialize_entries (const cv_mls_extension_list *l, cv_bytes *out)
{
  cv_mls_writer w;

  cv_mls_writer_init (&w);
  for (size_t i = 0; i < l->count; i++)
    {
      cv_mls_write_u16 (&w, l->items[i].type);
      write_bytes (&w, &l->items[i].data);
    }
  return cv_mls_writer_finish (&w, out);
}

void
cv_mls_required_capabilities_clear (cv_mls_required_capabilities *rc)
{
  cv_mls_u16_list_clear (&rc->extension_types);
  cv_mls_u16_list_clear (&rc->proposal_types);
  cv_mls_u16_list_clear (&rc->credential_types);
}

cv_status
cv_mls_required_capabilities_parse (const uint8_t *data, size_t len,
                                    cv_mls_required_capabilities *out)
{
  cv_mls_reader r;
  cv_status st;

  memset (out, 0, sizeof *out);
  cv_mls_reader_init (&r, data, len);
  TRY (u16_list_read (&r, &out->extension_types, "extension_types"));
  TRY (u16_list_read (&r, &out->proposal_types, "proposal_types"));
  TRY (u16_list_read (&r, &out->credential_types, "credential_types"));
  TRY (cv_mls_reader_expect_end (&r, "RequiredCapabilities"));
  return CV_OK;

fail:
  cv_mls_required_capabilities_clear (out);
  return in_struct (st, "RFC 9420 §11.1: RequiredCapabilities");
}

cv_status
cv_mls_required_capabilities_serialize (const cv_mls_required_capabilities *rc, cv_bytes *out)
{
  cv_mls_writer w;

  cv_mls_writer_init (&w);
  u16_list_write (&w, &rc->extension_types);
  u16_list_write (&w, &rc->proposal_types);
  u16_list_write (&w, &rc->credential_types);
  return cv_mls_writer_finish (&w, out);
}

/* A structure that is a single opaque<V>: ExternalPub, application_id. */
static cv_status
single_opaque_parse (const uint8_t *data, size_t len, const uint8_t **out, size_t *out_len,
                     size_t max, const char *what)
{
  cv_mls_reader r;
  cv_status st;

  cv_mls_reader_init (&r, data, len);
  st = cv_mls_read_opaque (&r, out, out_len);
  if (st == CV_OK)
    st = cv_mls_reader_expect_end (&r, what);
  if (st == CV_OK && *out_len > max)
    st = cv_fail (CV_ERR_TOO_LARGE, "%zu bytes, at most %zu accepted", *out_len, max);
  return st == CV_OK ? st : in_struct (st, what);
}

static cv_status
single_opaque_serialize (const uint8_t *data, size_t len, cv_bytes *out)
{
  cv_mls_writer w;

  cv_mls_writer_init (&w);
  cv_mls_write_opaque (&w, data, len);
  return cv_mls_writer_finish (&w, out);
}

cv_status
cv_mls_external_pub_parse (const uint8_t *data, size_t len, const uint8_t **key, size_t *key_len)
{
  return single_opaque_parse (data, len, key, key_len, CV_MLS_MAX_PUBLIC_KEY,
                              "RFC 9420 §12.4.3.2: ExternalPub");
}

cv_status
cv_mls_external_pub_serialize (const uint8_t *key, size_t key_len, cv_bytes *out)
{
  return single_opaque_serialize (key, key_len, out);
}

cv_status
cv_mls_application_id_parse (const uint8_t *data, size_t len, const uint8_t **id, size_t *id_len)
{
  return single_opaque_parse (data, len, id, id_len, SIZE_MAX,
                              "RFC 9420 §5.3.3: application_id");
}

cv_status
cv_mls_application_id_serialize (const uint8_t *id, size_t id_len, cv_bytes *out)
{
  return single_opaque_serialize (id, id_len, out);
}

/* ---- Credential ---- */

void
cv_mls_credential_clear (cv_mls_credential *c)
{
  cv_bytes_clear (&c->identity);
  for (size_t i = 0; i < c->n_certificates; i++)
    cv_bytes_clear (&c->certificates[i]);
  free (c->certificates);
  memset (c, 0, sizeof *c);
}

cv_status
cv_mls_credential_read (cv_mls_reader *r, cv_mls_credential *out)
{
  cv_mls_reader sub;
  cv_status st;

  memset (out, 0, sizeof *out);
  TRY (cv_mls_read_u16 (r, &out->type));
  if (out->type == CV_MLS_CREDENTIAL_BASIC)
    TRY (read_opaque (r, &out->identity, "identity"));
  else if (out->type == CV_MLS_CREDENTIAL_X509)
    {
      TRY (cv_mls_read_vector (r, &sub));
      while (!cv_mls_reader_at_end (&sub))
        {
          TRY (GROW (out->certificates, out->n_certificates, CV_MLS_MAX_CERTIFICATES,
                     "certificates"));
          TRY (read_opaque (&sub, &out->certificates[out->n_certificates - 1], "cert_data"));
        }
      if (out->n_certificates == 0)
        {
          st = cv_fail (CV_ERR_INVALID, "x509 credential with no certificate");
          goto fail;
        }
    }
  else
    {
      st = cv_fail (CV_ERR_UNSUPPORTED, "credential type 0x%04x is unknown", out->type);
      goto fail;
    }
  return CV_OK;

fail:
  cv_mls_credential_clear (out);
  return in_struct (st, "RFC 9420 §5.3: Credential");
}

void
cv_mls_credential_write (cv_mls_writer *w, const cv_mls_credential *c)
{
  cv_mls_write_u16 (w, c->type);
  if (c->type == CV_MLS_CREDENTIAL_X509)
    {
      size_t mark = cv_mls_write_vector_begin (w);

      for (size_t i = 0; i < c->n_certificates; i++)
        write_bytes (w, &c->certificates[i]);
      cv_mls_write_vector_end (w, mark);
    }
  else
    write_bytes (w, &c->identity);
}

cv_status
cv_mls_credential_copy (cv_mls_credential *out, const cv_mls_credential *in)
{
  cv_status st;

  memset (out, 0, sizeof *out);
  out->type = in->type;
  TRY (cv_bytes_copy (&out->identity, &in->identity));
  for (size_t i = 0; i < in->n_certificates; i++)
    {
      TRY (GROW (out->certificates, out->n_certificates, CV_MLS_MAX_CERTIFICATES,
                 "certificates"));
      TRY (cv_bytes_copy (&out->certificates[i], &in->certificates[i]));
    }
  return CV_OK;

fail:
  cv_mls_credential_clear (out);
  return st;
}

bool
cv_mls_credential_equal (const cv_mls_credential *a, const cv_mls_credential *b)
{
  if (a->type != b->type || a->n_certificates != b->n_certificates
      || !cv_bytes_eq (&a->identity, &b->identity))
    return false;
  for (size_t i = 0; i < a->n_certificates; i++)
    if (!cv_bytes_eq (&a->certificates[i], &b->certificates[i]))
      return false;
  return true;
}

void
cv_mls_external_senders_clear (cv_mls_external_senders *es)
{
  for (size_t i = 0; i < es->count; i++)
    {
      cv_bytes_clear (&es->items[i].signature_key);
      cv_mls_credential_clear (&es->items[i].credential);
    }
  free (es->items);
  es->items = NULL;
  es->count = 0;
}

cv_status
cv_mls_external_senders_parse (const uint8_t *data, size_t len, cv_mls_external_senders *out)
{
  cv_mls_reader r, sub;
  cv_status st;

  memset (out, 0, sizeof *out);
  cv_mls_reader_init (&r, data, len);
  TRY (cv_mls_read_vector (&r, &sub));
  TRY (cv_mls_reader_expect_end (&r, "external_senders"));
  while (!cv_mls_reader_at_end (&sub))
    {
      cv_mls_external_sender *e;

      TRY (GROW (out->items, out->count, CV_MLS_MAX_EXTERNAL_SENDERS, "external_senders"));
      e = &out->items[out->count - 1];
      TRY (read_bounded_opaque (&sub, &e->signature_key, CV_MLS_MAX_PUBLIC_KEY,
                                "signature_key"));
      TRY (cv_mls_credential_read (&sub, &e->credential));
    }
  return CV_OK;

fail:
  cv_mls_external_senders_clear (out);
  return in_struct (st, "RFC 9420 §12.1.8.1: ExternalSender list");
}

cv_status
cv_mls_external_senders_serialize (const cv_mls_external_senders *es, cv_bytes *out)
{
  cv_mls_writer w;
  size_t mark;

  cv_mls_writer_init (&w);
  mark = cv_mls_write_vector_begin (&w);
  for (size_t i = 0; i < es->count; i++)
    {
      write_bytes (&w, &es->items[i].signature_key);
      cv_mls_credential_write (&w, &es->items[i].credential);
    }
  cv_mls_write_vector_end (&w, mark);
  return cv_mls_writer_finish (&w, out);
}

/* ---- Capabilities, LeafNode ---- */

void
cv_mls_capabilities_clear (cv_mls_capabilities *c)
{
  cv_mls_u16_list_clear (&c->versions);
  cv_mls_u16_list_clear (&c->cipher_suites);
  cv_mls_u16_list_clear (&c->extensions);
  cv_mls_u16_list_clear (&c->proposals);
  cv_mls_u16_list_clear (&c->credentials);
}

cv_status
cv_mls_capabilities_read (cv_mls_reader *r, cv_mls_capabilities *out)
{
  cv_status st;

  memset (out, 0, sizeof *out);
  TRY (u16_list_read (r, &out->versions, "versions"));
  TRY (u16_list_read (r, &out->cipher_suites, "cipher_suites"));
  TRY (u16_list_read (r, &out->extensions, "extensions"));
  TRY (u16_list_read (r, &out->proposals, "proposals"));
  TRY (u16_list_read (r, &out->credentials, "credentials"));
  return CV_OK;

fail:
  cv_mls_capabilities_clear (out);
  return in_struct (st, "Capabilities");
}

void
cv_mls_capabilities_write (cv_mls_writer *w, const cv_mls_capabilities *c)
{
  u16_list_write (w, &c->versions);
  u16_list_write (w, &c->cipher_suites);
  u16_list_write (w, &c->extensions);
  u16_list_write (w, &c->proposals);
  u16_list_write (w, &c->credentials);
}

static cv_status
capabilities_copy (cv_mls_capabilities *out, const cv_mls_capabilities *in)
{
  cv_status st;

  memset (out, 0, sizeof *out);
  TRY (u16_list_copy (&out->versions, &in->versions));
  TRY (u16_list_copy (&out->cipher_suites, &in->cipher_suites));
  TRY (u16_list_copy (&out->extensions, &in->extensions));
  TRY (u16_list_copy (&out->proposals, &in->proposals));
  TRY (u16_list_copy (&out->credentials, &in->credentials));
  return CV_OK;

fail:
  cv_mls_capabilities_clear (out);
  return st;
}

void
cv_mls_leaf_node_clear (cv_mls_leaf_node *n)
{
  cv_bytes_clear (&n->encryption_key);
  cv_bytes_clear (&n->signature_key);
  cv_mls_credential_clear (&n->credential);
  cv_mls_capabilities_clear (&n->capabilities);
  cv_bytes_clear (&n->parent_hash);
  cv_mls_extension_list_clear (&n->extensions);
  cv_bytes_clear (&n->signature);
  memset (n, 0, sizeof *n);
}

cv_status
cv_mls_leaf_node_read (cv_mls_reader *r, cv_mls_leaf_node *out)
{
  cv_status st;

  memset (out, 0, sizeof *out);
  TRY (read_bounded_opaque (r, &out->encryption_key, CV_MLS_MAX_PUBLIC_KEY, "encryption_key"));
  TRY (read_bounded_opaque (r, &out->signature_key, CV_MLS_MAX_PUBLIC_KEY, "signature_key"));
  TRY (cv_mls_credential_read (r, &out->credential));
  TRY (cv_mls_capabilities_read (r, &out->capabilities));
  TRY (cv_mls_read_u8 (r, &out->source));
  switch (out->source)
    {
    case CV_MLS_LEAF_SOURCE_KEY_PACKAGE:
      TRY (cv_mls_read_u64 (r, &out->not_before));
      TRY (cv_mls_read_u64 (r, &out->not_after));
      break;
    case CV_MLS_LEAF_SOURCE_UPDATE:
      break;
    case CV_MLS_LEAF_SOURCE_COMMIT:
      TRY (read_bounded_opaque (r, &out->parent_hash, CV_MLS_MAX_HASH, "parent_hash"));
      break;
    default:
      st = cv_fail (CV_ERR_MALFORMED, "leaf_node_source %u is unknown", out->source);
      goto fail;
    }
  TRY (cv_mls_extension_list_read (r, &out->extensions));
  TRY (read_bounded_opaque (r, &out->signature, CV_MLS_MAX_SIGNATURE, "signature"));
  return CV_OK;

fail:
  cv_mls_leaf_node_clear (out);
  return in_struct (st, "RFC 9420 §7.2: LeafNode");
}

/* The fields of LeafNode above the signature (shared with LeafNodeTBS). */
static void
leaf_node_write_content (cv_mls_writer *w, const cv_mls_leaf_node *n)
{
  write_bytes (w, &n->encryption_key);
  write_bytes (w, &n->signature_key);
  cv_mls_credential_write (w, &n->credential);
  cv_mls_capabilities_write (w, &n->capabilities);
  cv_mls_write_u8 (w, n->source);
  if (n->source == CV_MLS_LEAF_SOURCE_KEY_PACKAGE)
    {
      cv_mls_write_u64 (w, n->not_before);
      cv_mls_write_u64 (w, n->not_after);
    }
  else if (n->source == CV_MLS_LEAF_SOURCE_COMMIT)
    write_bytes (w, &n->parent_hash);
  cv_mls_extension_list_write (w, &n->extensions);
}

void
cv_mls_leaf_node_write (cv_mls_writer *w, const cv_mls_leaf_node *n)
{
  leaf_node_write_content (w, n);
  write_bytes (w, &n->signature);
}

DEFINE_PARSE_SERIALIZE (leaf_node, "LeafNode")

cv_status
cv_mls_leaf_node_copy (cv_mls_leaf_node *out, const cv_mls_leaf_node *in)
{
  cv_status st;

  memset (out, 0, sizeof *out);
  TRY (cv_bytes_copy (&out->encryption_key, &in->encryption_key));
  TRY (cv_bytes_copy (&out->signature_key, &in->signature_key));
  TRY (cv_mls_credential_copy (&out->credential, &in->credential));
  TRY (capabilities_copy (&out->capabilities, &in->capabilities));
  out->source = in->source;
  out->not_before = in->not_before;
  out->not_after = in->not_after;
  TRY (cv_bytes_copy (&out->parent_hash, &in->parent_hash));
  TRY (cv_mls_extension_list_copy (&out->extensions, &in->extensions));
  TRY (cv_bytes_copy (&out->signature, &in->signature));
  return CV_OK;

fail:
  cv_mls_leaf_node_clear (out);
  return st;
}

static void
leaf_node_write_tbs (cv_mls_writer *w, const cv_mls_leaf_node *n, const uint8_t *group_id,
                     size_t group_id_len, uint32_t leaf_index)
{
  leaf_node_write_content (w, n);
  if (n->source == CV_MLS_LEAF_SOURCE_UPDATE || n->source == CV_MLS_LEAF_SOURCE_COMMIT)
    {
      cv_mls_write_opaque (w, group_id, group_id_len);
      cv_mls_write_u32 (w, leaf_index);
    }
}

cv_status
cv_mls_leaf_node_tbs (const cv_mls_leaf_node *n, const uint8_t *group_id, size_t group_id_len,
                      uint32_t leaf_index, cv_bytes *out)
{
  cv_mls_writer w;

  cv_mls_writer_init (&w);
  leaf_node_write_tbs (&w, n, group_id, group_id_len, leaf_index);
  return cv_mls_writer_finish (&w, out);
}

/* LeafNode, KeyPackage and GroupInfo are signed alike: SignWithLabel over the
 * TBS encoding that W holds, with their own label. W is consumed; *SIGNATURE
 * is replaced only when signing succeeds. */
static cv_status
sign_tbs (cv_mls_writer *w, const cv_mls_suite *s, const uint8_t *signature_priv,
          size_t priv_len, const char *label, cv_bytes *signature)
{
  cv_bytes tbs = CV_BYTES_INIT, sig = CV_BYTES_INIT;
  cv_status st = cv_mls_writer_finish (w, &tbs);

  if (st == CV_OK)
    st = cv_mls_sign_with_label (s, signature_priv, priv_len, label, tbs.data, tbs.len, &sig);
  if (st == CV_OK)
    {
      cv_bytes_clear (signature);
      *signature = sig;
    }
  cv_bytes_clear (&tbs);
  return st;
}

/* VerifyWithLabel of SIGNATURE over the TBS encoding that W holds; W is
 * consumed. The caller names the structure when this returns CV_ERR_AUTH. */
static cv_status
verify_tbs (cv_mls_writer *w, const cv_mls_suite *s, const uint8_t *signature_pub,
            size_t pub_len, const char *label, const cv_bytes *signature)
{
  cv_bytes tbs = CV_BYTES_INIT;
  cv_status st = cv_mls_writer_finish (w, &tbs);

  if (st == CV_OK)
    st = cv_mls_verify_with_label (s, signature_pub, pub_len, label, tbs.data, tbs.len,
                                   signature->data, signature->len);
  cv_bytes_clear (&tbs);
  return st;
}

cv_status
cv_mls_leaf_node_sign (const cv_mls_suite *s, cv_mls_leaf_node *n,
                       const uint8_t *signature_priv, size_t priv_len,
                       const uint8_t *group_id, size_t group_id_len, uint32_t leaf_index)
{
  cv_mls_writer w;

  cv_mls_writer_init (&w);
  leaf_node_write_tbs (&w, n, group_id, group_id_len, leaf_index);
  return sign_tbs (&w, s, signature_priv, priv_len, "LeafNodeTBS", &n->signature);
}

cv_status
cv_mls_leaf_node_verify (const cv_mls_suite *s, const cv_mls_leaf_node *n,
                         const uint8_t *group_id, size_t group_id_len, uint32_t leaf_index)
{
  cv_mls_writer w;
  cv_status st;

  cv_mls_writer_init (&w);
  leaf_node_write_tbs (&w, n, group_id, group_id_len, leaf_index);
  st = verify_tbs (&w, s, n->signature_key.data, n->signature_key.len, "LeafNodeTBS",
                   &n->signature);
  if (st == CV_ERR_AUTH)
    return cv_fail (st, "RFC 9420 §7.3: LeafNode signature does not verify (leaf %u)",
                    leaf_index);
  return st;
}

cv_status
cv_mls_leaf_node_check (const cv_mls_leaf_node *n, uint8_t expected_source, uint64_t now)
{
  static const char *const source_names[] = { "?", "key_package", "update", "commit" };

  if (expected_source && n->source != expected_source)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §7.3: leaf_node_source is %s, must be %s",
                    source_names[n->source <= 3 ? n->source : 0],
                    source_names[expected_source <= 3 ? expected_source : 0]);
  for (size_t i = 0; i < n->extensions.count; i++)
    if (!cv_mls_u16_list_has (&n->capabilities.extensions, n->extensions.items[i].type))
      return cv_fail (CV_ERR_INVALID,
                      "RFC 9420 §7.3: LeafNode extension 0x%04x is not in its capabilities",
                      n->extensions.items[i].type);
  if (!cv_mls_u16_list_has (&n->capabilities.credentials, n->credential.type))
    return cv_fail (CV_ERR_INVALID,
                    "RFC 9420 §7.2: LeafNode credential type 0x%04x is not in its capabilities",
                    n->credential.type);
  if (now && n->source == CV_MLS_LEAF_SOURCE_KEY_PACKAGE
      && (now < n->not_before || now > n->not_after))
    return cv_fail (CV_ERR_INVALID,
                    "RFC 9420 §7.3: LeafNode lifetime [%llu, %llu] does not contain now (%llu)",
                    (unsigned long long) n->not_before, (unsigned long long) n->not_after,
                    (unsigned long long) now);
  return CV_OK;
}

/* ---- KeyPackage ---- */

void
cv_mls_key_package_clear (cv_mls_key_package *kp)
{
  cv_bytes_clear (&kp->init_key);
  cv_mls_leaf_node_clear (&kp->leaf_node);
  cv_mls_extension_list_clear (&kp->extensions);
  cv_bytes_clear (&kp->signature);
  memset (kp, 0, sizeof *kp);
}

cv_status
cv_mls_key_package_read (cv_mls_reader *r, cv_mls_key_package *out)
{
  cv_status st;

  memset (out, 0, sizeof *out);
  TRY (cv_mls_read_u16 (r, &out->version));
  TRY (cv_mls_read_u16 (r, &out->cipher_suite));
  TRY (read_bounded_opaque (r, &out->init_key, CV_MLS_MAX_PUBLIC_KEY, "init_key"));
  TRY (cv_mls_leaf_node_read (r, &out->leaf_node));
  TRY (cv_mls_extension_list_read (r, &out->extensions));
  TRY (read_bounded_opaque (r, &out->signature, CV_MLS_MAX_SIGNATURE, "signature"));
  return CV_OK;

fail:
  cv_mls_key_package_clear (out);
  return in_struct (st, "RFC 9420 §10: KeyPackage");
}

static void
key_package_write_tbs (cv_mls_writer *w, const cv_mls_key_package *kp)
{
  cv_mls_write_u16 (w, kp->version);
  cv_mls_write_u16 (w, kp->cipher_suite);
  write_bytes (w, &kp->init_key);
  cv_mls_leaf_node_write (w, &kp->leaf_node);
  cv_mls_extension_list_write (w, &kp->extensions);
}

void
cv_mls_key_package_write (cv_mls_writer *w, const cv_mls_key_package *kp)
{
  key_package_write_tbs (w, kp);
  write_bytes (w, &kp->signature);
}

DEFINE_PARSE_SERIALIZE (key_package, "KeyPackage")

cv_status
cv_mls_key_package_copy (cv_mls_key_package *out, const cv_mls_key_package *in)
{
  cv_status st;

  memset (out, 0, sizeof *out);
  out->version = in->version;
  out->cipher_suite = in->cipher_suite;
  TRY (cv_bytes_copy (&out->init_key, &in->init_key));
  TRY (cv_mls_leaf_node_copy (&out->leaf_node, &in->leaf_node));
  TRY (cv_mls_extension_list_copy (&out->extensions, &in->extensions));
  TRY (cv_bytes_copy (&out->signature, &in->signature));
  return CV_OK;

fail:
  cv_mls_key_package_clear (out);
  return st;
}

/* MLSMessage framing for the three structures that travel alone. */
static cv_status
message_header_read (cv_mls_reader *r, uint16_t want)
{
  uint16_t version, wire_format;
  cv_status st = cv_mls_read_u16 (r, &version);

  if (st == CV_OK)
    st = cv_mls_read_u16 (r, &wire_format);
  if (st != CV_OK)
    return in_struct (st, "RFC 9420 §6: MLSMessage");
  if (version != CV_MLS_VERSION_10)
    return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9420 §6: MLSMessage version %u is not mls10",
                    version);
  if (wire_format != want)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §6: MLSMessage wire_format %u, expected %u",
                    wire_format, want);
  return CV_OK;
}

#define DEFINE_MESSAGE(T, WIRE, NAME) \
  cv_status \
  cv_mls_##T##_parse_message (const uint8_t *data, size_t len, cv_mls_##T *out) \
  { \
    cv_mls_reader r; \
    cv_status st; \
    \
    memset (out, 0, sizeof *out); \
    cv_mls_reader_init (&r, data, len); \
    if ((st = message_header_read (&r, WIRE)) != CV_OK) \
      return st; \
    st = cv_mls_##T##_read (&r, out); \
    if (st == CV_OK && (st = cv_mls_reader_expect_end (&r, NAME)) != CV_OK) \
      cv_mls_##T##_clear (out); \
    return st; \
  } \
  \
  cv_status \
  cv_mls_##T##_serialize_message (const cv_mls_##T *in, cv_bytes *out) \
  { \
    cv_mls_writer w; \
    \
    cv_mls_writer_init (&w); \
    cv_mls_write_u16 (&w, CV_MLS_VERSION_10); \
    cv_mls_write_u16 (&w, WIRE); \
    cv_mls_##T##_write (&w, in); \
    return cv_mls_writer_finish (&w, out); \
  }

DEFINE_MESSAGE (key_package, CV_MLS_WIRE_FORMAT_KEY_PACKAGE, "MLSMessage(KeyPackage)")

cv_status
cv_mls_key_package_sign (const cv_mls_suite *s, cv_mls_key_package *kp,
                         const uint8_t *signature_priv, size_t priv_len)
{
  cv_mls_writer w;

  cv_mls_writer_init (&w);
  key_package_write_tbs (&w, kp);
  return sign_tbs (&w, s, signature_priv, priv_len, "KeyPackageTBS", &kp->signature);
}

cv_status
cv_mls_key_package_verify (const cv_mls_suite *s, const cv_mls_key_package *kp, uint64_t now)
{
  cv_mls_writer w;
  cv_status st;

  if (kp->version != CV_MLS_VERSION_10)
    return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9420 §10.1: KeyPackage version %u is not mls10",
                    kp->version);
  if (kp->cipher_suite != s->id)
    return cv_fail (CV_ERR_INVALID,
                    "RFC 9420 §10.1: KeyPackage cipher suite 0x%04x is not the group's 0x%04x",
                    kp->cipher_suite, s->id);
  if ((st = cv_mls_leaf_node_check (&kp->leaf_node, CV_MLS_LEAF_SOURCE_KEY_PACKAGE, now))
      != CV_OK)
    return in_struct (st, "KeyPackage");
  if ((st = cv_mls_leaf_node_verify (s, &kp->leaf_node, NULL, 0, 0)) != CV_OK)
    return in_struct (st, "KeyPackage");
  cv_mls_writer_init (&w);
  key_package_write_tbs (&w, kp);
  st = verify_tbs (&w, s, kp->leaf_node.signature_key.data, kp->leaf_node.signature_key.len,
                   "KeyPackageTBS", &kp->signature);
  if (st == CV_ERR_AUTH)
    return cv_fail (st, "RFC 9420 §10.1: KeyPackage signature does not verify");
  if (st != CV_OK)
    return st;
  if (cv_bytes_eq (&kp->init_key, &kp->leaf_node.encryption_key))
    return cv_fail (CV_ERR_INVALID,
                    "RFC 9420 §10.1: KeyPackage init_key equals the leaf's encryption_key");
  return CV_OK;
}

cv_status
cv_mls_key_package_ref (const cv_mls_suite *s, const cv_mls_key_package *kp, cv_bytes *out)
{
  cv_bytes ser = CV_BYTES_INIT;
  cv_status st = cv_mls_key_package_serialize (kp, &ser);

  if (st == CV_OK)
    st = cv_mls_make_key_package_ref (s, ser.data, ser.len, out);
  cv_bytes_clear (&ser);
  return st;
}

/* ---- Proposals ---- */

void
cv_mls_pre_shared_key_id_clear (cv_mls_pre_shared_key_id *id)
{
  cv_bytes_clear (&id->psk_id);
  cv_bytes_clear (&id->psk_group_id);
  cv_bytes_clear (&id->psk_nonce);
  memset (id, 0, sizeof *id);
}

cv_status
cv_mls_pre_shared_key_id_read (cv_mls_reader *r, cv_mls_pre_shared_key_id *out)
{
  cv_mls_psk_id view;
  cv_status st;

  memset (out, 0, sizeof *out);
  if ((st = cv_mls_psk_id_read (r, &view)) != CV_OK)
    return in_struct (st, "PreSharedKeyID");
  out->psk_type = view.psk_type;
  out->usage = view.usage;
  out->psk_epoch = view.psk_epoch;
  TRY (cv_bytes_set (&out->psk_id, view.psk_id, view.psk_id_len));
  TRY (cv_bytes_set (&out->psk_group_id, view.psk_group_id, view.psk_group_id_len));
  TRY (cv_bytes_set (&out->psk_nonce, view.psk_nonce, view.psk_nonce_len));
  return CV_OK;

fail:
  cv_mls_pre_shared_key_id_clear (out);
  return st;
}

void
cv_mls_pre_shared_key_id_view (const cv_mls_pre_shared_key_id *id, cv_mls_psk_id *view)
{
  memset (view, 0, sizeof *view);
  view->psk_type = id->psk_type;
  view->psk_id = id->psk_id.data;
  view->psk_id_len = id->psk_id.len;
  view->usage = id->usage;
  view->psk_group_id = id->psk_group_id.data;
  view->psk_group_id_len = id->psk_group_id.len;
  view->psk_epoch = id->psk_epoch;
  view->psk_nonce = id->psk_nonce.data;
  view->psk_nonce_len = id->psk_nonce.len;
}

void
cv_mls_pre_shared_key_id_write (cv_mls_writer *w, const cv_mls_pre_shared_key_id *id)
{
  cv_mls_psk_id view;

  cv_mls_pre_shared_key_id_view (id, &view);
  cv_mls_psk_id_write (w, &view);
}

void
cv_mls_proposal_clear (cv_mls_proposal *p)
{
  cv_mls_key_package_clear (&p->add);
  cv_mls_leaf_node_clear (&p->update);
  cv_mls_pre_shared_key_id_clear (&p->psk);
  cv_bytes_clear (&p->reinit_group_id);
  cv_mls_extension_list_clear (&p->extensions);
  cv_bytes_clear (&p->kem_output);
  memset (p, 0, sizeof *p);
}

static cv_status
proposal_body_read (cv_mls_reader *r, cv_mls_proposal *out)
{
  switch (out->type)
    {
    case CV_MLS_PROPOSAL_ADD:
      return cv_mls_key_package_read (r, &out->add);
    case CV_MLS_PROPOSAL_UPDATE:
      return cv_mls_leaf_node_read (r, &out->update);
    case CV_MLS_PROPOSAL_REMOVE:
      return cv_mls_read_u32 (r, &out->remove);
    case CV_MLS_PROPOSAL_PSK:
      return cv_mls_pre_shared_key_id_read (r, &out->psk);
    case CV_MLS_PROPOSAL_REINIT:
      {
        cv_status st = read_opaque (r, &out->reinit_group_id, "group_id");

        if (st == CV_OK)
          st = cv_mls_read_u16 (r, &out->reinit_version);
        if (st == CV_OK)
          st = cv_mls_read_u16 (r, &out->reinit_cipher_suite);
        if (st == CV_OK)
          st = cv_mls_extension_list_read (r, &out->extensions);
        return st;
      }
    case CV_MLS_PROPOSAL_EXTERNAL_INIT:
      return read_bounded_opaque (r, &out->kem_output, CV_MLS_MAX_PUBLIC_KEY, "kem_output");
    case CV_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
      return cv_mls_extension_list_read (r, &out->extensions);
    default:
      return cv_fail (CV_ERR_UNSUPPORTED, "proposal type 0x%04x is unknown", out->type);
    }
}

static void
proposal_body_write (cv_mls_writer *w, const cv_mls_proposal *p)
{
  switch (p->type)
    {
    case CV_MLS_PROPOSAL_ADD:
      cv_mls_key_package_write (w, &p->add);
      break;
    case CV_MLS_PROPOSAL_UPDATE:
      cv_mls_leaf_node_write (w, &p->update);
      break;
    case CV_MLS_PROPOSAL_REMOVE:
      cv_mls_write_u32 (w, p->remove);
      break;
    case CV_MLS_PROPOSAL_PSK:
      cv_mls_pre_shared_key_id_write (w, &p->psk);
      break;
    case CV_MLS_PROPOSAL_REINIT:
      write_bytes (w, &p->reinit_group_id);
      cv_mls_write_u16 (w, p->reinit_version);
      cv_mls_write_u16 (w, p->reinit_cipher_suite);
      cv_mls_extension_list_write (w, &p->extensions);
      break;
    case CV_MLS_PROPOSAL_EXTERNAL_INIT:
      write_bytes (w, &p->kem_output);
      break;
    case CV_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
      cv_mls_extension_list_write (w, &p->extensions);
      break;
    default:
      /* Only known types can be built or parsed; make the writer fail. */
      cv_mls_write_varint (w, UINT64_MAX);
      break;
    }
}

cv_status
cv_mls_proposal_read (cv_mls_reader *r, cv_mls_proposal *out)
{
  cv_status st;

  memset (out, 0, sizeof *out);
  TRY (cv_mls_read_u16 (r, &out->type));
  TRY (proposal_body_read (r, out));
  return CV_OK;

fail:
  cv_mls_proposal_clear (out);
  return in_struct (st, "RFC 9420 §12.1: Proposal");
}

void
cv_mls_proposal_write (cv_mls_writer *w, const cv_mls_proposal *p)
{
  cv_mls_write_u16 (w, p->type);
  proposal_body_write (w, p);
}

DEFINE_PARSE_SERIALIZE (proposal, "Proposal")

cv_status
cv_mls_proposal_parse_body (uint16_t type, const uint8_t *data, size_t len, cv_mls_proposal *out)
{
  cv_mls_reader r;
  cv_status st;

  memset (out, 0, sizeof *out);
  out->type = type;
  cv_mls_reader_init (&r, data, len);
  st = proposal_body_read (&r, out);
  if (st == CV_OK)
    st = cv_mls_reader_expect_end (&r, "proposal body");
  if (st != CV_OK)
    {
      cv_mls_proposal_clear (out);
      return in_struct (st, "RFC 9420 §12.1: Proposal");
    }
  return CV_OK;
}

cv_status
cv_mls_proposal_serialize_body (const cv_mls_proposal *p, cv_bytes *out)
{
  cv_mls_writer w;

  cv_mls_writer_init (&w);
  proposal_body_write (&w, p);
  return cv_mls_writer_finish (&w, out);
}

static void
proposal_or_ref_clear (cv_mls_proposal_or_ref *p)
{
  cv_mls_proposal_clear (&p->proposal);
  cv_bytes_clear (&p->reference);
  p->type = 0;
}

static cv_status
proposal_or_ref_read (cv_mls_reader *r, cv_mls_proposal_or_ref *out)
{
  cv_status st = cv_mls_read_u8 (r, &out->type);

  if (st != CV_OK)
    return st;
  if (out->type == CV_MLS_PROPOSAL_OR_REF_PROPOSAL)
    return cv_mls_proposal_read (r, &out->proposal);
  if (out->type == CV_MLS_PROPOSAL_OR_REF_REFERENCE)
    return read_bounded_opaque (r, &out->reference, CV_MLS_MAX_HASH, "ProposalRef");
  return cv_fail (CV_ERR_MALFORMED, "RFC 9420 §12.4: ProposalOrRefType %u is unknown", out->type);
}

static void
proposal_or_ref_write (cv_mls_writer *w, const cv_mls_proposal_or_ref *p)
{
  cv_mls_write_u8 (w, p->type);
  if (p->type == CV_MLS_PROPOSAL_OR_REF_PROPOSAL)
    cv_mls_proposal_write (w, &p->proposal);
  else
    write_bytes (w, &p->reference);
}

/* ---- UpdatePath, Commit ---- */

static void
hpke_ciphertext_clear (cv_mls_hpke_ciphertext *c)
{
  cv_bytes_clear (&c->kem_output);
  cv_bytes_clear (&c->ciphertext);
}

static cv_status
hpke_ciphertext_read (cv_mls_reader *r, cv_mls_hpke_ciphertext *out)
{
  cv_status st = read_bounded_opaque (r, &out->kem_output, CV_MLS_MAX_PUBLIC_KEY, "kem_output");

  if (st == CV_OK)
    st = read_opaque (r, &out->ciphertext, "ciphertext");
  return st == CV_OK ? st : in_struct (st, "HPKECiphertext");
}

static void
hpke_ciphertext_write (cv_mls_writer *w, const cv_mls_hpke_ciphertext *c)
{
  write_bytes (w, &c->kem_output);
  write_bytes (w, &c->ciphertext);
}

static void
update_path_node_clear (cv_mls_update_path_node *n)
{
  cv_bytes_clear (&n->encryption_key);
  for (size_t i = 0; i < n->n_encrypted_path_secret; i++)
    hpke_ciphertext_clear (&n->encrypted_path_secret[i]);
  free (n->encrypted_path_secret);
  memset (n, 0, sizeof *n);
}

void
cv_mls_update_path_clear (cv_mls_update_path *p)
{
  cv_mls_leaf_node_clear (&p->leaf_node);
  for (size_t i = 0; i < p->n_nodes; i++)
    update_path_node_clear (&p->nodes[i]);
  free (p->nodes);
  memset (p, 0, sizeof *p);
}

cv_status
cv_mls_update_path_read (cv_mls_reader *r, cv_mls_update_path *out)
{
  cv_mls_reader nodes, cts;
  cv_status st;

  memset (out, 0, sizeof *out);
  TRY (cv_mls_leaf_node_read (r, &out->leaf_node));
  TRY (cv_mls_read_vector (r, &nodes));
  while (!cv_mls_reader_at_end (&nodes))
    {
      cv_mls_update_path_node *n;

      TRY (GROW (out->nodes, out->n_nodes, CV_MLS_TREE_MAX_DEPTH, "UpdatePath.nodes"));
      n = &out->nodes[out->n_nodes - 1];
      TRY (read_bounded_opaque (&nodes, &n->encryption_key, CV_MLS_MAX_PUBLIC_KEY,
                                "encryption_key"));
      TRY (cv_mls_read_vector (&nodes, &cts));
      while (!cv_mls_reader_at_end (&cts))
        {
          TRY (GROW (n->encrypted_path_secret, n->n_encrypted_path_secret, CV_MLS_MAX_LEAVES,
                     "encrypted_path_secret"));
          TRY (hpke_ciphertext_read (&cts,
                                     &n->encrypted_path_secret[n->n_encrypted_path_secret - 1]));
        }
    }
  return CV_OK;

fail:
  cv_mls_update_path_clear (out);
  return in_struct (st, "RFC 9420 §7.6: UpdatePath");
}

void
cv_mls_update_path_write (cv_mls_writer *w, const cv_mls_update_path *p)
{
  size_t nodes_mark;

  cv_mls_leaf_node_write (w, &p->leaf_node);
  nodes_mark = cv_mls_write_vector_begin (w);
  for (size_t i = 0; i < p->n_nodes; i++)
    {
      size_t mark;

      write_bytes (w, &p->nodes[i].encryption_key);
      mark = cv_mls_write_vector_begin (w);
      for (size_t j = 0; j < p->nodes[i].n_encrypted_path_secret; j++)
        hpke_ciphertext_write (w, &p->nodes[i].encrypted_path_secret[j]);
      cv_mls_write_vector_end (w, mark);
    }
  cv_mls_write_vector_end (w, nodes_mark);
}

DEFINE_PARSE_SERIALIZE (update_path, "UpdatePath")

void
cv_mls_commit_clear (cv_mls_commit *c)
{
  for (size_t i = 0; i < c->n_proposals; i++)
    proposal_or_ref_clear (&c->proposals[i]);
  free (c->proposals);
  cv_mls_update_path_clear (&c->path);
  memset (c, 0, sizeof *c);
}

cv_status
cv_mls_commit_read (cv_mls_reader *r, cv_mls_commit *out)
{
  cv_mls_reader sub;
  cv_status st;

  memset (out, 0, sizeof *out);
  TRY (cv_mls_read_vector (r, &sub));
  while (!cv_mls_reader_at_end (&sub))
    {
      TRY (GROW (out->proposals, out->n_proposals, CV_MLS_MAX_PROPOSALS, "proposals"));
      TRY (proposal_or_ref_read (&sub, &out->proposals[out->n_proposals - 1]));
    }
  TRY (cv_mls_read_optional (r, &out->has_path));
  if (out->has_path)
    TRY (cv_mls_update_path_read (r, &out->path));
  return CV_OK;

fail:
  cv_mls_commit_clear (out);
  return in_struct (st, "RFC 9420 §12.4: Commit");
}

void
cv_mls_commit_write (cv_mls_writer *w, const cv_mls_commit *c)
{
  size_t mark = cv_mls_write_vector_begin (w);

  for (size_t i = 0; i < c->n_proposals; i++)
    proposal_or_ref_write (w, &c->proposals[i]);
  cv_mls_write_vector_end (w, mark);
  cv_mls_write_optional (w, c->has_path);
  if (c->has_path)
    cv_mls_update_path_write (w, &c->path);
}

DEFINE_PARSE_SERIALIZE (commit, "Commit")

/* ---- GroupInfo ---- */

void
cv_mls_group_info_clear (cv_mls_group_info *gi)
{
  cv_bytes_clear (&gi->group_context);
  cv_mls_extension_list_clear (&gi->context_extensions);
  cv_mls_extension_list_clear (&gi->extensions);
  cv_bytes_clear (&gi->confirmation_tag);
  cv_bytes_clear (&gi->signature);
  memset (gi, 0, sizeof *gi);
}

/* Parses a GroupContext held in gi->group_context into the view and list. */
static cv_status
group_info_parse_context (cv_mls_group_info *gi)
{
  cv_mls_reader r;
  cv_status st;

  cv_mls_reader_init (&r, gi->group_context.data, gi->group_context.len);
  if ((st = cv_mls_group_context_read (&r, &gi->context)) != CV_OK
      || (st = cv_mls_reader_expect_end (&r, "GroupContext")) != CV_OK)
    return in_struct (st, "RFC 9420 §8.1: GroupContext");
  if (gi->context.tree_hash_len > CV_MLS_MAX_HASH
      || gi->context.confirmed_transcript_hash_len > CV_MLS_MAX_HASH)
    return cv_fail (CV_ERR_TOO_LARGE, "RFC 9420 §8.1: GroupContext hash longer than %d bytes",
                    CV_MLS_MAX_HASH);
  st = cv_mls_extension_list_parse_entries (gi->context.extensions, gi->context.extensions_len,
                                            &gi->context_extensions);
  return st == CV_OK ? st : in_struct (st, "GroupContext");
}

cv_status
cv_mls_group_info_set_context (cv_mls_group_info *gi, const uint8_t *group_context, size_t len)
{
  cv_bytes copy = CV_BYTES_INIT;
  cv_bytes old = gi->group_context;
  cv_mls_extension_list old_ext = gi->context_extensions;
  cv_mls_group_context old_view = gi->context;
  cv_status st = cv_bytes_set (&copy, group_context, len);

  if (st != CV_OK)
    return st;
  gi->group_context = copy;
  memset (&gi->context_extensions, 0, sizeof gi->context_extensions);
  if ((st = group_info_parse_context (gi)) != CV_OK)
    {
      cv_bytes_clear (&gi->group_context);
      cv_mls_extension_list_clear (&gi->context_extensions);
      gi->group_context = old;
      gi->context_extensions = old_ext;
      gi->context = old_view;
      return st;
    }
  cv_bytes_clear (&old);
  cv_mls_extension_list_clear (&old_ext);
  return CV_OK;
}

cv_status
cv_mls_group_info_read (cv_mls_reader *r, cv_mls_group_info *out)
{
  cv_mls_reader start = *r;
  cv_mls_group_context view;
  cv_status st;

  memset (out, 0, sizeof *out);
  /* Measure the GroupContext, keep its exact bytes, then parse the copy. */
  TRY (cv_mls_group_context_read (r, &view));
  TRY (cv_bytes_set (&out->group_context, start.data, start.left - r->left));
  TRY (group_info_parse_context (out));
  TRY (cv_mls_extension_list_read (r, &out->extensions));
  TRY (read_bounded_opaque (r, &out->confirmation_tag, CV_MLS_MAX_HASH, "confirmation_tag"));
  TRY (cv_mls_read_u32 (r, &out->signer));
  TRY (read_bounded_opaque (r, &out->signature, CV_MLS_MAX_SIGNATURE, "signature"));
  return CV_OK;

fail:
  cv_mls_group_info_clear (out);
  return in_struct (st, "RFC 9420 §12.4.3: GroupInfo");
}

/* Bytes a GroupInfo takes, give or take its small fields: one allocation
 * for a GroupInfo that carries a 1000-leaf tree, not a copy per doubling. */
static size_t
group_info_size_hint (const cv_mls_group_info *gi)
{
  size_t n = gi->group_context.len + gi->confirmation_tag.len + gi->signature.len + 32;

  for (size_t i = 0; i < gi->extensions.count; i++)
    n += gi->extensions.items[i].data.len + 8;
  return n;
}

static void
group_info_write_tbs (cv_mls_writer *w, const cv_mls_group_info *gi)
{
  cv_mls_writer_reserve (w, group_info_size_hint (gi));
  cv_mls_write_fixed (w, gi->group_context.data, gi->group_context.len);
  cv_mls_extension_list_write (w, &gi->extensions);
  write_bytes (w, &gi->confirmation_tag);
  cv_mls_write_u32 (w, gi->signer);
}

void
cv_mls_group_info_write (cv_mls_writer *w, const cv_mls_group_info *gi)
{
  group_info_write_tbs (w, gi);
  write_bytes (w, &gi->signature);
}

DEFINE_PARSE_SERIALIZE (group_info, "GroupInfo")
DEFINE_MESSAGE (group_info, CV_MLS_WIRE_FORMAT_GROUP_INFO, "MLSMessage(GroupInfo)")

cv_status
cv_mls_group_info_sign (const cv_mls_suite *s, cv_mls_group_info *gi,
                        const uint8_t *signature_priv, size_t priv_len)
{
  cv_mls_writer w;

  cv_mls_writer_init (&w);
  group_info_write_tbs (&w, gi);
  return sign_tbs (&w, s, signature_priv, priv_len, "GroupInfoTBS", &gi->signature);
}

cv_status
cv_mls_group_info_verify (const cv_mls_suite *s, const cv_mls_group_info *gi,
                          const uint8_t *signature_pub, size_t pub_len)
{
  cv_mls_writer w;
  cv_status st;

  cv_mls_writer_init (&w);
  group_info_write_tbs (&w, gi);
  st = verify_tbs (&w, s, signature_pub, pub_len, "GroupInfoTBS", &gi->signature);
  if (st == CV_ERR_AUTH)
    return cv_fail (st, "RFC 9420 §12.4.3: GroupInfo signature of signer %u does not verify",
                    gi->signer);
  return st;
}

/* ---- GroupSecrets, Welcome ---- */

void
cv_mls_group_secrets_clear (cv_mls_group_secrets *gs)
{
  cv_bytes_clear (&gs->joiner_secret);
  cv_bytes_clear (&gs->path_secret);
  for (size_t i = 0; i < gs->n_psks; i++)
    cv_mls_pre_shared_key_id_clear (&gs->psks[i]);
  free (gs->psks);
  memset (gs, 0, sizeof *gs);
}

cv_status
cv_mls_group_secrets_read (cv_mls_reader *r, cv_mls_group_secrets *out)
{
  cv_mls_reader sub;
  cv_status st;

  memset (out, 0, sizeof *out);
  TRY (read_bounded_opaque (r, &out->joiner_secret, CV_MLS_MAX_HASH, "joiner_secret"));
  TRY (cv_mls_read_optional (r, &out->has_path_secret));
  if (out->has_path_secret)
    TRY (read_bounded_opaque (r, &out->path_secret, CV_MLS_MAX_HASH, "path_secret"));
  TRY (cv_mls_read_vector (r, &sub));
  while (!cv_mls_reader_at_end (&sub))
    {
      TRY (GROW (out->psks, out->n_psks, CV_MLS_MAX_PSKS, "psks"));
      TRY (cv_mls_pre_shared_key_id_read (&sub, &out->psks[out->n_psks - 1]));
    }
  return CV_OK;

fail:
  cv_mls_group_secrets_clear (out);
  return in_struct (st, "RFC 9420 §12.4.3.1: GroupSecrets");
}

void
cv_mls_group_secrets_write (cv_mls_writer *w, const cv_mls_group_secrets *gs)
{
  size_t mark;

  write_bytes (w, &gs->joiner_secret);
  cv_mls_write_optional (w, gs->has_path_secret);
  if (gs->has_path_secret)
    write_bytes (w, &gs->path_secret);
  mark = cv_mls_write_vector_begin (w);
  for (size_t i = 0; i < gs->n_psks; i++)
    cv_mls_pre_shared_key_id_write (w, &gs->psks[i]);
  cv_mls_write_vector_end (w, mark);
}

DEFINE_PARSE_SERIALIZE (group_secrets, "GroupSecrets")

void
cv_mls_welcome_clear (cv_mls_welcome *wel)
{
  for (size_t i = 0; i < wel->n_secrets; i++)
    {
      cv_bytes_clear (&wel->secrets[i].new_member);
      hpke_ciphertext_clear (&wel->secrets[i].encrypted_group_secrets);
    }
  free (wel->secrets);
  cv_bytes_clear (&wel->encrypted_group_info);
  memset (wel, 0, sizeof *wel);
}

cv_status
cv_mls_welcome_read (cv_mls_reader *r, cv_mls_welcome *out)
{
  cv_mls_reader sub;
  cv_status st;

  memset (out, 0, sizeof *out);
  TRY (cv_mls_read_u16 (r, &out->cipher_suite));
  TRY (cv_mls_read_vector (r, &sub));
  while (!cv_mls_reader_at_end (&sub))
    {
      cv_mls_encrypted_group_secrets *e;

      TRY (GROW (out->secrets, out->n_secrets, CV_MLS_MAX_LEAVES, "secrets"));
      e = &out->secrets[out->n_secrets - 1];
      TRY (read_bounded_opaque (&sub, &e->new_member, CV_MLS_MAX_HASH, "new_member"));
      TRY (hpke_ciphertext_read (&sub, &e->encrypted_group_secrets));
    }
  TRY (read_opaque (r, &out->encrypted_group_info, "encrypted_group_info"));
  return CV_OK;

fail:
  cv_mls_welcome_clear (out);
  return in_struct (st, "RFC 9420 §12.4.3.1: Welcome");
}

void
cv_mls_welcome_write (cv_mls_writer *w, const cv_mls_welcome *wel)
{
  size_t mark;

  size_t hint = wel->encrypted_group_info.len + 16;

  for (size_t i = 0; i < wel->n_secrets; i++)
    hint += wel->secrets[i].new_member.len
            + wel->secrets[i].encrypted_group_secrets.kem_output.len
            + wel->secrets[i].encrypted_group_secrets.ciphertext.len + 12;
  cv_mls_writer_reserve (w, hint);
  cv_mls_write_u16 (w, wel->cipher_suite);
  mark = cv_mls_write_vector_begin (w);
  for (size_t i = 0; i < wel->n_secrets; i++)
    {
      write_bytes (w, &wel->secrets[i].new_member);
      hpke_ciphertext_write (w, &wel->secrets[i].encrypted_group_secrets);
    }
  cv_mls_write_vector_end (w, mark);
  write_bytes (w, &wel->encrypted_group_info);
}

DEFINE_PARSE_SERIALIZE (welcome, "Welcome")
DEFINE_MESSAGE (welcome, CV_MLS_WIRE_FORMAT_WELCOME, "MLSMessage(Welcome)")

cv_status
cv_mls_welcome_find (const cv_mls_welcome *wel, const uint8_t *key_package_ref, size_t ref_len,
                     size_t *index)
{
  for (size_t i = 0; i < wel->n_secrets; i++)
    if (wel->secrets[i].new_member.len == ref_len
        && CRYPTO_memcmp (wel->secrets[i].new_member.data, key_package_ref, ref_len) == 0)
      {
        *index = i;
        return CV_OK;
      }
  return cv_fail (CV_ERR_INVALID,
                  "RFC 9420 §12.4.3.1: no Welcome entry for this KeyPackageRef (%zu entries)",
                  wel->n_secrets);
}

cv_status
cv_mls_welcome_encrypt_group_info (const cv_mls_suite *s, cv_mls_welcome *wel,
                                   const uint8_t *welcome_secret, size_t secret_len,
                                   const cv_mls_group_info *gi)
{
  cv_bytes key = CV_BYTES_INIT, nonce = CV_BYTES_INIT, pt = CV_BYTES_INIT, ct = CV_BYTES_INIT;
  cv_status st = cv_mls_welcome_key_nonce (s, welcome_secret, secret_len, &key, &nonce);

  if (st == CV_OK)
    st = cv_mls_group_info_serialize (gi, &pt);
  if (st == CV_OK)
    st = cv_mls_aead_seal (s, key.data, nonce.data, NULL, 0, pt.data, pt.len, &ct);
  if (st == CV_OK)
    {
      cv_bytes_clear (&wel->encrypted_group_info);
      wel->encrypted_group_info = ct;
      wel->cipher_suite = s->id;
    }
  cv_bytes_clear (&key);
  cv_bytes_clear (&nonce);
  cv_bytes_clear (&pt);
  return st;
}

cv_status
cv_mls_welcome_info_hash (const cv_mls_suite *s, const cv_mls_welcome *wel, cv_bytes *out)
{
  if (wel->encrypted_group_info.len == 0)
    return cv_fail (CV_ERR_STATE, "Welcome: encrypt the GroupInfo before the GroupSecrets");
  return cv_mls_encrypt_context_hash (s, "Welcome", wel->encrypted_group_info.data,
                                      wel->encrypted_group_info.len, out);
}

cv_status
cv_mls_welcome_add_secrets (const cv_mls_suite *s, cv_mls_welcome *wel,
                            const uint8_t *key_package_ref, size_t ref_len,
                            const uint8_t *init_key, size_t init_key_len,
                            const cv_mls_group_secrets *gs)
{
  cv_bytes info_hash = CV_BYTES_INIT;
  cv_status st = cv_mls_welcome_info_hash (s, wel, &info_hash);

  if (st == CV_OK)
    st = cv_mls_welcome_add_secrets_hashed (s, wel, &info_hash, key_package_ref, ref_len,
                                            init_key, init_key_len, gs);
  cv_bytes_clear (&info_hash);
  return st;
}

cv_status
cv_mls_welcome_add_secrets_hashed (const cv_mls_suite *s, cv_mls_welcome *wel,
                                   const cv_bytes *info_hash,
                                   const uint8_t *key_package_ref, size_t ref_len,
                                   const uint8_t *init_key, size_t init_key_len,
                                   const cv_mls_group_secrets *gs)
{
  cv_bytes pt = CV_BYTES_INIT, kem = CV_BYTES_INIT, ct = CV_BYTES_INIT, ref = CV_BYTES_INIT;
  cv_status st;

  if (wel->encrypted_group_info.len == 0)
    return cv_fail (CV_ERR_STATE, "Welcome: encrypt the GroupInfo before the GroupSecrets");
  TRY (cv_mls_group_secrets_serialize (gs, &pt));
  TRY (cv_mls_encrypt_with_context_hash (s, init_key, init_key_len, info_hash,
                                         pt.data, pt.len, &kem, &ct));
  TRY (cv_bytes_set (&ref, key_package_ref, ref_len));
  TRY (GROW (wel->secrets, wel->n_secrets, CV_MLS_MAX_LEAVES, "Welcome secrets"));
  wel->secrets[wel->n_secrets - 1].new_member = ref;
  wel->secrets[wel->n_secrets - 1].encrypted_group_secrets.kem_output = kem;
  wel->secrets[wel->n_secrets - 1].encrypted_group_secrets.ciphertext = ct;
  cv_bytes_clear (&pt);
  return CV_OK;

fail:
  cv_bytes_clear (&pt);
  cv_bytes_clear (&kem);
  cv_bytes_clear (&ct);
  cv_bytes_clear (&ref);
  return st;
}

cv_status
cv_mls_welcome_decrypt_secrets (const cv_mls_suite *s, const cv_mls_welcome *wel, size_t index,
                                const uint8_t *init_priv, size_t init_priv_len,
                                cv_mls_group_secrets *out)
{
  const cv_mls_hpke_ciphertext *c;
  cv_bytes pt = CV_BYTES_INIT;
  cv_status st;

  memset (out, 0, sizeof *out);
  if (index >= wel->n_secrets)
    return cv_fail (CV_ERR_ARGUMENT, "Welcome entry %zu of %zu", index, wel->n_secrets);
  if (wel->cipher_suite != s->id)
    return cv_fail (CV_ERR_INVALID,
                    "RFC 9420 §12.4.3.1: Welcome cipher suite 0x%04x is not the KeyPackage's 0x%04x",
                    wel->cipher_suite, s->id);
  c = &wel->secrets[index].encrypted_group_secrets;
  st = cv_mls_decrypt_with_label (s, init_priv, init_priv_len, "Welcome",
                                  wel->encrypted_group_info.data, wel->encrypted_group_info.len,
                                  c->kem_output.data, c->kem_output.len,
                                  c->ciphertext.data, c->ciphertext.len, &pt);
  if (st != CV_OK)
    return in_struct (st, "RFC 9420 §12.4.3.1: EncryptedGroupSecrets");
  st = cv_mls_group_secrets_parse (pt.data, pt.len, out);
  cv_bytes_clear (&pt);
  if (st == CV_OK && out->joiner_secret.len != s->hash_len)
    {
      cv_mls_group_secrets_clear (out);
      return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.1: joiner_secret is %zu bytes, not Nh",
                      out->joiner_secret.len);
    }
  if (st == CV_OK && out->has_path_secret && out->path_secret.len != s->hash_len)
    {
      cv_mls_group_secrets_clear (out);
      return cv_fail (CV_ERR_INVALID, "RFC 9420 §7.4: path_secret is %zu bytes, not Nh",
                      out->path_secret.len);
    }
  return st;
}

cv_status
cv_mls_welcome_decrypt_group_info (const cv_mls_suite *s, const cv_mls_welcome *wel,
                                   const uint8_t *welcome_secret, size_t secret_len,
                                   cv_mls_group_info *out)
{
  cv_bytes key = CV_BYTES_INIT, nonce = CV_BYTES_INIT, pt = CV_BYTES_INIT;
  cv_status st;

  memset (out, 0, sizeof *out);
  st = cv_mls_welcome_key_nonce (s, welcome_secret, secret_len, &key, &nonce);
  if (st == CV_OK)
    {
      st = cv_mls_aead_open (s, key.data, nonce.data, NULL, 0, wel->encrypted_group_info.data,
                             wel->encrypted_group_info.len, &pt);
      if (st == CV_ERR_AUTH)
        st = cv_fail (st, "RFC 9420 §12.4.3.1: encrypted_group_info does not decrypt");
    }
  if (st == CV_OK)
    st = cv_mls_group_info_parse (pt.data, pt.len, out);
  if (st == CV_OK && out->context.cipher_suite != s->id)
    {
      cv_mls_group_info_clear (out);
      st = cv_fail (CV_ERR_INVALID,
                    "RFC 9420 §12.4.3.1: GroupInfo cipher suite 0x%04x is not the Welcome's 0x%04x",
                    out->context.cipher_suite, s->id);
    }
  cv_bytes_clear (&key);
  cv_bytes_clear (&nonce);
  cv_bytes_clear (&pt);
  return st;
}

cv_status
cv_mls_welcome_secret (const cv_mls_suite *s,
                       const uint8_t *joiner_secret, size_t joiner_secret_len,
                       const uint8_t *psk_secret, size_t psk_secret_len,
                       cv_bytes *welcome_secret)
{
  cv_mls_epoch_secrets e;
  cv_status st = cv_mls_key_schedule_from_joiner (s, joiner_secret, joiner_secret_len,
                                                  psk_secret, psk_secret_len, NULL, 0, &e);

  if (st == CV_OK)
    {
      *welcome_secret = e.welcome_secret;
      memset (&e.welcome_secret, 0, sizeof e.welcome_secret);
    }
  cv_mls_epoch_secrets_clear (&e);
  return st;
}

/* cv-mls-wire-header.c: reads the clear-text header of an MLSMessage with
 * the TLS-syntax reader of cv-mls-codec.h. Only the public fields are
 * read; the rest of the structure is left to the MLS layer. */
#include "cv-mls-wire-header.h"
#include "cv-mls-codec.h"

#include <stdio.h>
#include <string.h>

/* The codec's reader names no field in its errors: wrap each read so that
 * a failure says which field of the header was bad. */
static cv_status
name_failure (cv_status st, const char *what)
{
  if (st != CV_OK)
    {
      char reason[256];

      snprintf (reason, sizeof reason, "%s", cv_status_message ());
      return cv_fail (st, "MLSMessage %s: %s", what, reason);
    }
  return CV_OK;
}

static cv_status
read_uint (cv_mls_reader *r, size_t width, uint64_t *out, const char *what)
{
  cv_status st;

  switch (width)
    {
    case 1: { uint8_t v; st = cv_mls_read_u8 (r, &v); *out = v; break; }
    case 2: { uint16_t v; st = cv_mls_read_u16 (r, &v); *out = v; break; }
    case 4: { uint32_t v; st = cv_mls_read_u32 (r, &v); *out = v; break; }
    default: st = cv_mls_read_u64 (r, out); break;
    }
  return name_failure (st, what);
}

/* opaque field<V> of at most max bytes, borrowed from the input. */
static cv_status
read_vector (cv_mls_reader *r, size_t max, const uint8_t **data, size_t *len, const char *what)
{
  cv_status st = name_failure (cv_mls_read_opaque (r, data, len), what);

  if (st != CV_OK)
    return st;
  if (*len > max)
    return cv_fail (CV_ERR_TOO_LARGE, "MLSMessage %s: %zu bytes, at most %zu accepted",
                    what, *len, max);
  return CV_OK;
}

const char *
cv_mls_wire_format_name (uint16_t wire_format)
{
  switch (wire_format)
    {
    case CV_MLS_WIRE_PUBLIC_MESSAGE: return "public_message";
    case CV_MLS_WIRE_PRIVATE_MESSAGE: return "private_message";
    case CV_MLS_WIRE_WELCOME: return "welcome";
    case CV_MLS_WIRE_GROUP_INFO: return "group_info";
    case CV_MLS_WIRE_KEY_PACKAGE: return "key_package";
    default: return "unknown";
    }
}

const char *
cv_mls_content_type_name (uint8_t content_type)
{
  switch (content_type)
    {
    case CV_MLS_CONTENT_APPLICATION: return "application";
    case CV_MLS_CONTENT_PROPOSAL: return "proposal";
    case CV_MLS_CONTENT_COMMIT: return "commit";
    default: return "unknown";
    }
}

static cv_status
read_content_type (cv_mls_reader *r, cv_mls_wire_header *out)
{
  uint64_t v;
  cv_status st;

  st = read_uint (r, 1, &v, "content_type");
  if (st != CV_OK)
    return st;
  if (v < CV_MLS_CONTENT_APPLICATION || v > CV_MLS_CONTENT_COMMIT)
    return cv_fail (CV_ERR_MALFORMED, "RFC 9420 §6: unknown content type %u", (unsigned) v);
  out->content_type = (uint8_t) v;
  return CV_OK;
}

static cv_status
read_group_and_epoch (cv_mls_reader *r, cv_mls_wire_header *out)
{
  uint64_t epoch;
  cv_status st;

  st = read_vector (r, CV_MLS_WIRE_MAX_GROUP_ID, &out->group_id, &out->group_id_len, "group_id");
  if (st != CV_OK)
    return st;
  st = read_uint (r, 8, &epoch, "epoch");
  if (st != CV_OK)
    return st;
  out->epoch = epoch;
  out->has_epoch = true;
  return CV_OK;
}

/* PublicMessage.content (FramedContent, §6) up to its content_type. */
static cv_status
parse_public (cv_mls_reader *r, cv_mls_wire_header *out)
{
  const uint8_t *aad;
  size_t aad_len;
  uint64_t v;
  cv_status st;

  st = read_group_and_epoch (r, out);
  if (st != CV_OK)
    return st;
  st = read_uint (r, 1, &v, "sender_type");
  if (st != CV_OK)
    return st;
  out->sender_type = (uint8_t) v;
  switch (v)
    {
    case CV_MLS_SENDER_MEMBER:
    case CV_MLS_SENDER_EXTERNAL:
      st = read_uint (r, 4, &v, "sender index");
      if (st != CV_OK)
        return st;
      out->sender_index = (uint32_t) v;
      break;
    case CV_MLS_SENDER_NEW_MEMBER_PROPOSAL:
    case CV_MLS_SENDER_NEW_MEMBER_COMMIT:
      break;
    default:
      return cv_fail (CV_ERR_MALFORMED, "RFC 9420 §6: unknown sender type %u", (unsigned) v);
    }
  st = read_vector (r, CV_MLS_WIRE_MAX_MESSAGE, &aad, &aad_len, "authenticated_data");
  if (st != CV_OK)
    return st;
  st = read_content_type (r, out);
  if (st != CV_OK)
    return st;
  /* §6.2: an application message is never a PublicMessage. */
  if (out->content_type == CV_MLS_CONTENT_APPLICATION)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §6.2: application data must be sent as PrivateMessage");
  return CV_OK;
}

/* PrivateMessage (§6.3): every field is public, so it is parsed to the end. */
static cv_status
parse_private (cv_mls_reader *r, cv_mls_wire_header *out)
{
  const uint8_t *data;
  size_t len;
  cv_status st;

  st = read_group_and_epoch (r, out);
  if (st != CV_OK)
    return st;
  st = read_content_type (r, out);
  if (st != CV_OK)
    return st;
  st = read_vector (r, CV_MLS_WIRE_MAX_MESSAGE, &data, &len, "authenticated_data");
  if (st != CV_OK)
    return st;
  st = read_vector (r, CV_MLS_WIRE_MAX_MESSAGE, &data, &len, "encrypted_sender_data");
  if (st != CV_OK)
    return st;
  if (len == 0)
    return cv_fail (CV_ERR_MALFORMED, "RFC 9420 §6.3.2: empty encrypted_sender_data");
  st = read_vector (r, CV_MLS_WIRE_MAX_MESSAGE, &data, &len, "ciphertext");
  if (st != CV_OK)
    return st;
  if (!cv_mls_reader_at_end (r))
    return cv_fail (CV_ERR_MALFORMED, "MLSMessage: %zu trailing bytes after PrivateMessage",
                    r->left);
  return CV_OK;
}

cv_status
cv_mls_wire_header_parse (const uint8_t *data, size_t len, cv_mls_wire_header *out)
{
  cv_mls_reader r;
  uint64_t v;
  cv_status st;

  if (out == NULL || (data == NULL && len != 0))
    return cv_fail (CV_ERR_ARGUMENT, "cv_mls_wire_header_parse: NULL argument");
  memset (out, 0, sizeof *out);
  if (len > CV_MLS_WIRE_MAX_MESSAGE)
    return cv_fail (CV_ERR_TOO_LARGE, "MLSMessage: %zu bytes, at most %u accepted",
                    len, CV_MLS_WIRE_MAX_MESSAGE);

  cv_mls_reader_init (&r, data, len);
  st = read_uint (&r, 2, &v, "version");
  if (st != CV_OK)
    return st;
  if (v != CV_MLS_VERSION_10)
    return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9420 §6: protocol version %u is not mls10",
                    (unsigned) v);
  out->version = (uint16_t) v;

  st = read_uint (&r, 2, &v, "wire_format");
  if (st != CV_OK)
    return st;
  out->wire_format = (uint16_t) v;

  switch (out->wire_format)
    {
    case CV_MLS_WIRE_PUBLIC_MESSAGE:
      return parse_public (&r, out);
    case CV_MLS_WIRE_PRIVATE_MESSAGE:
      return parse_private (&r, out);
    case CV_MLS_WIRE_WELCOME:
    case CV_MLS_WIRE_KEY_PACKAGE:
    case CV_MLS_WIRE_GROUP_INFO:
      /* Welcome starts with cipher_suite; KeyPackage with version then
       * cipher_suite; GroupInfo with GroupContext (version, cipher_suite,
       * group_id, epoch). */
      if (out->wire_format != CV_MLS_WIRE_WELCOME)
        {
          st = read_uint (&r, 2, &v, "inner version");
          if (st != CV_OK)
            return st;
          if (v != CV_MLS_VERSION_10)
            return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9420: %s version %u is not mls10",
                            cv_mls_wire_format_name (out->wire_format), (unsigned) v);
        }
      st = read_uint (&r, 2, &v, "cipher_suite");
      if (st != CV_OK)
        return st;
      if (v == 0)
        return cv_fail (CV_ERR_MALFORMED, "RFC 9420 §17.1: cipher suite 0 is reserved");
      out->cipher_suite = (uint16_t) v;
      if (out->wire_format == CV_MLS_WIRE_GROUP_INFO)
        return read_group_and_epoch (&r, out);
      /* Something must follow the cipher suite in both structures. */
      if (cv_mls_reader_at_end (&r))
        return cv_fail (CV_ERR_TRUNCATED, "MLSMessage %s: ends after the cipher suite",
                        cv_mls_wire_format_name (out->wire_format));
      return CV_OK;
    default:
      return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9420 §6: unknown wire format %u",
                      out->wire_format);
    }
}

/* cv-mls-wire-header.h: the public part of an MLSMessage (RFC 9420 §6).
 *
 * The delivery service has to order handshake messages without holding any
 * group secret, so it reads only what RFC 9420 leaves in the clear: the
 * protocol version, the wire format, and for PublicMessage / PrivateMessage
 * the group id, the epoch and the content type (plus the sender of a
 * PublicMessage). For Welcome, GroupInfo and KeyPackage it reads the wire
 * format and the cipher suite that follows it. Nothing is verified here:
 * a header that parses is only "well-formed", never "authentic".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cv-status.h"

/* RFC 9420 §17.2 (WireFormat) and §6 (ContentType, SenderType). */
enum {
  CV_MLS_WIRE_PUBLIC_MESSAGE = 1,
  CV_MLS_WIRE_PRIVATE_MESSAGE = 2,
  CV_MLS_WIRE_WELCOME = 3,
  CV_MLS_WIRE_GROUP_INFO = 4,
  CV_MLS_WIRE_KEY_PACKAGE = 5,
};

enum {
  CV_MLS_CONTENT_APPLICATION = 1,
  CV_MLS_CONTENT_PROPOSAL = 2,
  CV_MLS_CONTENT_COMMIT = 3,
};

enum {
  CV_MLS_SENDER_MEMBER = 1,
  CV_MLS_SENDER_EXTERNAL = 2,
  CV_MLS_SENDER_NEW_MEMBER_PROPOSAL = 3,
  CV_MLS_SENDER_NEW_MEMBER_COMMIT = 4,
};

#define CV_MLS_VERSION_10 1

/* Limits of the parser; anything larger is refused with CV_ERR_TOO_LARGE. */
#define CV_MLS_WIRE_MAX_MESSAGE (16u * 1024 * 1024)
#define CV_MLS_WIRE_MAX_GROUP_ID 255

typedef struct {
  uint16_t version;
  uint16_t wire_format;
  /* Welcome, GroupInfo, KeyPackage: the cipher suite; 0 otherwise. */
  uint16_t cipher_suite;
  /* PublicMessage, PrivateMessage (and GroupInfo): has_epoch is true and
   * group_id points into the parsed buffer (valid while it is). */
  bool has_epoch;
  const uint8_t *group_id;
  size_t group_id_len;
  uint64_t epoch;
  /* PublicMessage, PrivateMessage: CV_MLS_CONTENT_*; 0 otherwise. */
  uint8_t content_type;
  /* PublicMessage only: CV_MLS_SENDER_* and the leaf or sender index
   * (0 for the new_member_* sender types, which carry none). */
  uint8_t sender_type;
  uint32_t sender_index;
} cv_mls_wire_header;

/* Parses the public header of one MLSMessage of len bytes. Refuses an
 * unknown version or wire format, truncated input, non-minimal or oversized
 * variable-length integers, a group id over CV_MLS_WIRE_MAX_GROUP_ID bytes,
 * an unknown content or sender type, and, for PrivateMessage (whose whole
 * outer structure is public), trailing bytes. */
cv_status cv_mls_wire_header_parse (const uint8_t *data, size_t len,
                                    cv_mls_wire_header *out);

/* "public_message", "private_message", ... or "unknown". */
const char *cv_mls_wire_format_name (uint16_t wire_format);
/* "application", "proposal", "commit" or "unknown". */
const char *cv_mls_content_type_name (uint8_t content_type);

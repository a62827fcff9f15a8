/* cv-mls-framing.h: MLSMessage, PublicMessage and PrivateMessage (RFC 9420 §6).
 *
 * Sending is two steps, because a commit's confirmation_tag can only be
 * computed once its signature is known (§8.2):
 *
 *   cv_mls_framing_sign()                  FramedContent -> AuthenticatedContent
 *   cv_mls_framing_set_confirmation_tag()  commits only
 *   cv_mls_framing_seal()                  -> MLSMessage bytes: a PublicMessage
 *                                          (with membership_tag for members) or
 *                                          a PrivateMessage (encrypted with the
 *                                          secret tree and sender-data keys)
 *
 * Receiving is three:
 *
 *   cv_mls_message_parse()   the public fields, to pick the epoch's keys
 *   cv_mls_framing_open()    checks group and epoch, the membership tag or
 *                            decrypts, and yields the AuthenticatedContent
 *   cv_mls_framing_verify()  the signature, with the key the group resolves
 *                            from ac->sender (a leaf, external_senders[i], or
 *                            the joiner's own leaf / KeyPackage)
 *
 * Content opened but not verified is NOT authentic: the group must call
 * cv_mls_framing_verify() before acting on it. Beyond framing, the group
 * still checks that a member sender's leaf is occupied, that an external
 * sender's index exists, and the proposal types each sender may send.
 *
 * Proposal and Commit bodies are carried as their serialized bytes; the
 * framing walks their syntax only to find where they end (their encodings
 * carry no length), so a Proposal of a type RFC 9420 does not define, or a
 * Credential other than basic and x509, is refused here.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cv-bytes.h"
#include "cv-mls-secret-tree.h"
#include "cv-mls-suite.h"
#include "cv-status.h"

/* WireFormat values that carry framed content (§6, §17.2). */
enum {
  CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE = 1,
  CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE = 2,
};

/* ContentType (§6). */
enum {
  CV_MLS_CONTENT_TYPE_APPLICATION = 1,
  CV_MLS_CONTENT_TYPE_PROPOSAL = 2,
  CV_MLS_CONTENT_TYPE_COMMIT = 3,
};

/* SenderType (§6). */
enum {
  CV_MLS_SENDER_TYPE_MEMBER = 1,
  CV_MLS_SENDER_TYPE_EXTERNAL = 2,
  CV_MLS_SENDER_TYPE_NEW_MEMBER_PROPOSAL = 3,
  CV_MLS_SENDER_TYPE_NEW_MEMBER_COMMIT = 4,
};

/* Limits on untrusted input (beyond them: CV_ERR_TOO_LARGE). */
#define CV_MLS_FRAMING_MAX_MESSAGE (16u * 1024 * 1024)
#define CV_MLS_FRAMING_MAX_GROUP_ID 255
#define CV_MLS_FRAMING_MAX_SIGNATURE 512
#define CV_MLS_FRAMING_MAX_MAC 64
/* The largest padding boundary a sender may ask for. */
#define CV_MLS_FRAMING_MAX_PADDING_BLOCK 65536

typedef struct {
  uint8_t type;   /* CV_MLS_SENDER_TYPE_* */
  uint32_t index; /* member: leaf index; external: index into external_senders; else 0 */
} cv_mls_sender;

/* What one epoch lends to framing; everything is borrowed. */
typedef struct {
  const cv_mls_suite *suite;
  const uint8_t *group_id;
  size_t group_id_len;
  uint64_t epoch;
  /* The serialized GroupContext of the epoch (§8.1), signed over by member
   * and new_member_commit senders. */
  const uint8_t *group_context;
  size_t group_context_len;
  /* PublicMessage from members (may be NULL when none are sent or opened). */
  const uint8_t *membership_key;
  size_t membership_key_len;
  /* PrivateMessage (may be NULL when none are sent or opened). */
  const uint8_t *sender_data_secret;
  size_t sender_data_secret_len;
  cv_mls_secret_tree *secret_tree;
  /* Sending a PrivateMessage: its plaintext is padded with zeros to a
   * multiple of this many bytes (0 or 1: no padding). */
  size_t padding_block;
} cv_mls_framing_keys;

/* What a sender frames: FramedContent but group_id and epoch, which come
 * from the keys. Borrowed. */
typedef struct {
  cv_mls_sender sender;
  const uint8_t *authenticated_data;
  size_t authenticated_data_len;
  uint8_t content_type;     /* CV_MLS_CONTENT_TYPE_* */
  /* application_data, or a serialized Proposal or Commit. */
  const uint8_t *content;
  size_t content_len;
} cv_mls_content;

/* AuthenticatedContent (§6.1). It owns `bytes`, its serialization (the input
 * of ProposalRef); every pointer below points into it. */
typedef struct {
  cv_bytes bytes;
  uint16_t wire_format;
  const uint8_t *group_id;
  size_t group_id_len;
  uint64_t epoch;
  cv_mls_sender sender;
  const uint8_t *authenticated_data;
  size_t authenticated_data_len;
  uint8_t content_type;
  const uint8_t *content;   /* as in cv_mls_content */
  size_t content_len;
  const uint8_t *framed_content; /* the serialized FramedContent */
  size_t framed_content_len;
  const uint8_t *signature;
  size_t signature_len;
  /* Commits: the confirmation_tag (empty until set when sending). */
  const uint8_t *confirmation_tag;
  size_t confirmation_tag_len;
  /* ConfirmedTranscriptHashInput (§8.2) is bytes.data[0 .. this). */
  size_t transcript_input_len;
  /* PrivateMessage: the ratchet generation it was (or will be) sent with. */
  uint32_t generation;
} cv_mls_authenticated_content;

void cv_mls_authenticated_content_clear (cv_mls_authenticated_content *ac);
/* Parses a serialized AuthenticatedContent (a stored or referenced proposal). */
cv_status cv_mls_authenticated_content_parse (const uint8_t *data, size_t len,
                                              cv_mls_authenticated_content *out);

/* A parsed MLSMessage: a view into the caller's bytes, valid while they are. */
typedef struct {
  uint16_t version;
  uint16_t wire_format;     /* 1..5 */
  /* Public and private messages. */
  const uint8_t *group_id;
  size_t group_id_len;
  uint64_t epoch;
  uint8_t content_type;
  const uint8_t *authenticated_data;
  size_t authenticated_data_len;
  /* PublicMessage only. */
  cv_mls_sender sender;
  const uint8_t *membership_tag;
  size_t membership_tag_len;
  /* PrivateMessage only. */
  const uint8_t *encrypted_sender_data;
  size_t encrypted_sender_data_len;
  const uint8_t *ciphertext;
  size_t ciphertext_len;
  /* PublicMessage: FramedContent || FramedContentAuthData. Welcome,
   * GroupInfo, KeyPackage: everything after wire_format, not parsed here. */
  const uint8_t *body;
  size_t body_len;
} cv_mls_message;

/* Refuses a version other than mls10, an unknown wire format, truncated or
 * trailing bytes, and anything beyond the limits above. Welcome, GroupInfo
 * and KeyPackage bodies are left to their own parsers. */
cv_status cv_mls_message_parse (const uint8_t *data, size_t len, cv_mls_message *out);

/* Signs content as it will travel in wire_format (§6.1): the signer's
 * SignWithLabel(., "FramedContentTBS", ...) with the group context for
 * member and new_member_commit senders. Refuses combinations RFC 9420
 * forbids: application content outside a PrivateMessage, PrivateMessage
 * from non-members, external and new_member_proposal senders with anything
 * but proposals, new_member_commit with anything but a commit. For a
 * PrivateMessage the sender's leaf must be in keys->secret_tree. */
cv_status cv_mls_framing_sign (const cv_mls_framing_keys *keys, uint16_t wire_format,
                               const cv_mls_content *content,
                               const uint8_t *signature_priv, size_t signature_priv_len,
                               cv_mls_authenticated_content *out);

/* Commits: sets the confirmation_tag (KDF.Nh bytes) after signing. */
cv_status cv_mls_framing_set_confirmation_tag (cv_mls_authenticated_content *ac,
                                               const uint8_t *tag, size_t tag_len);

/* The MLSMessage that carries ac. A PrivateMessage consumes the next
 * generation of the sender's ratchet, draws a fresh reuse_guard and records
 * the generation in ac. */
cv_status cv_mls_framing_seal (const cv_mls_framing_keys *keys,
                               cv_mls_authenticated_content *ac, cv_bytes *mls_message);

/* Opens a PublicMessage or PrivateMessage of keys' group and epoch
 * (CV_ERR_STATE otherwise): checks the membership tag of a member's
 * PublicMessage, or decrypts a PrivateMessage (its key is then deleted from
 * the secret tree, so a replay fails) and checks that its padding is zero.
 * The signature is NOT checked: see cv_mls_framing_verify(). */
cv_status cv_mls_framing_open (const cv_mls_framing_keys *keys, const cv_mls_message *msg,
                               cv_mls_authenticated_content *out);

/* VerifyWithLabel(signature_pub, "FramedContentTBS", ...): CV_OK, or
 * CV_ERR_AUTH when the signature is not the sender's. */
cv_status cv_mls_framing_verify (const cv_mls_framing_keys *keys,
                                 const cv_mls_authenticated_content *ac,
                                 const uint8_t *signature_pub, size_t signature_pub_len);

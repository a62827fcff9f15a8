/* cv-security-code.h: the Security Verification Code and why it changed.
 *
 * The code is read from the MLS epoch_authenticator (RFC 9420 §8.7), which
 * every member of an epoch shares and nobody else can compute: 30 decimal
 * digits in 6 groups of 5, group i being the big-endian 40-bit value of
 * bytes 5i..5i+4 modulo 100000, zero-padded: "01234 56789 ...". Members
 * compare it out of band; a differing code means someone is not in the same
 * group.
 *
 * The code changes with every epoch. cv_security_code_explain() compares the
 * member lists of two epochs so that the UI can say why ("Dana joined").
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "cv-status.h"

#define CV_SECURITY_CODE_GROUPS 6
#define CV_SECURITY_CODE_DIGITS 30
/* Digits plus the five separating spaces. */
#define CV_SECURITY_CODE_LEN 35
/* Bytes of the authenticator the code reads. */
#define CV_SECURITY_CODE_MIN_AUTHENTICATOR 30

/* Writes the code and a NUL into out (CV_SECURITY_CODE_LEN + 1 bytes).
 * Refuses (CV_ERR_TRUNCATED) an authenticator shorter than 30 bytes; only
 * the first 30 bytes are read from a longer one. */
cv_status cv_security_code_format (const uint8_t *epoch_authenticator, size_t len,
                                   char out[CV_SECURITY_CODE_LEN + 1]);

/* A member as the MLS tree shows it. */
typedef struct {
  uint32_t leaf_index;
  const char *identity;            /* the credential's identity, UTF-8 */
  const uint8_t *signature_key;    /* the leaf's signature public key */
  size_t signature_key_len;
} cv_security_member;

typedef enum {
  CV_MEMBER_ADDED,    /* a leaf that was not there, or holds someone else now */
  CV_MEMBER_REMOVED,  /* a leaf that is gone, or held someone else before */
  CV_MEMBER_UPDATED,  /* same leaf, same identity, new signature key */
} cv_member_change_kind;

typedef struct {
  cv_member_change_kind kind;
  uint32_t leaf_index;
  char *identity; /* owned copy: the new identity when added or updated, the old when removed */
} cv_member_change;

typedef struct {
  cv_member_change *changes; /* removed first, then added, then updated; by leaf index within each */
  size_t n_changes;          /* 0: the membership did not change, the group was re-keyed */
} cv_security_code_changes;

/* Compares the members of the previous and the new epoch. Refuses a list
 * that names a leaf twice or has a member without an identity. */
cv_status cv_security_code_explain (const cv_security_member *before, size_t n_before,
                                    const cv_security_member *after, size_t n_after,
                                    cv_security_code_changes *out);
void cv_security_code_changes_clear (cv_security_code_changes *changes);

/* cv-credential.h: MLS credentials and who a participant is.
 *
 * An MLS X.509 credential (RFC 9420 §5.3) is a list of DER certificates,
 * leaf first. Its identity level is decided against two trust stores:
 *
 *   - a chain that validates against the partner CAs (configured by the user
 *     or administrator) is VERIFIED_EXTERNAL;
 *   - one that validates against the meeting service's CA is VERIFIED_INTERNAL;
 *   - everything else is UNVERIFIED, with the reason: a basic credential, an
 *     untrusted issuer, a self-signed leaf, an expired, not-yet-valid or
 *     revoked certificate, a bad signature, malformed DER, or a leaf whose
 *     public key is not the member's MLS signature key.
 *
 * When a chain validates against both stores, external wins: zero trust means
 * the service is not trusted with identities, and a service CA can mint any
 * name it likes, while a partner CA is an authority the user chose that does
 * not depend on the service. Reporting the stronger, service-independent
 * level loses nothing (the service's view adds no assurance to it).
 *
 * The display name of a participant comes from a verified certificate only
 * (its CN, else its first SAN email, else its first SAN URI); an unverified
 * one has at most a *claimed* name. Nothing here takes a name from the server.
 *
 * The stores never load the system's default CA paths: only what the caller
 * adds is trusted. Stores may be shared between threads for verification once
 * they are filled; adding to a store while another thread verifies with it is
 * not allowed.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cv-status.h"

/* Limits on untrusted input. A chain longer than this, or a certificate
 * larger, is refused before any parsing. */
#define CV_CRED_MAX_CHAIN 8
#define CV_CRED_MAX_CERT_SIZE (16 * 1024)
/* Limit on what a trust store accepts in one call (a PEM bundle, a CRL). */
#define CV_CRED_MAX_STORE_INPUT (4 * 1024 * 1024)
/* At most this many subject alternative names are reported per certificate. */
#define CV_CRED_MAX_SANS 32

typedef enum {
  CV_CRED_UNVERIFIED = 0,
  CV_CRED_VERIFIED_INTERNAL,    /* chains to the meeting service's CA */
  CV_CRED_VERIFIED_EXTERNAL,    /* chains to a partner CA */
} cv_cred_verdict;

typedef enum {
  CV_CRED_REASON_NONE = 0,          /* verified */
  CV_CRED_REASON_BASIC,             /* basic credential: no certificate at all */
  CV_CRED_REASON_UNTRUSTED_ISSUER,  /* the chain does not reach a CA in either store */
  CV_CRED_REASON_SELF_SIGNED,       /* a self-signed leaf that no store trusts */
  CV_CRED_REASON_EXPIRED,           /* a certificate of the chain is past notAfter */
  CV_CRED_REASON_NOT_YET_VALID,     /* a certificate of the chain is before notBefore */
  CV_CRED_REASON_REVOKED,           /* listed in a CRL supplied with the store */
  CV_CRED_REASON_BAD_SIGNATURE,     /* a certificate's signature does not verify */
  CV_CRED_REASON_MALFORMED,         /* not DER, truncated, trailing bytes */
  CV_CRED_REASON_TOO_LARGE,         /* chain or certificate beyond the limits above */
  CV_CRED_REASON_KEY_MISMATCH,      /* leaf key is not the MLS signature key (or cannot be one) */
  CV_CRED_REASON_NOT_FOR_SIGNING,   /* leaf key usage excludes digitalSignature */
  CV_CRED_REASON_REVOCATION_UNKNOWN,/* a CRL that applies is expired, not yet valid or badly signed */
  CV_CRED_REASON_INVALID_CHAIN,     /* any other rule of RFC 5280 path validation */
} cv_cred_reason;

/* A short English name: "verified externally", "verified internally", "unverified". */
const char *cv_cred_verdict_name (cv_cred_verdict verdict);
/* A short English name: "expired", "untrusted issuer", ... */
const char *cv_cred_reason_name (cv_cred_reason reason);

/* ---- Trust stores ---- */

typedef struct cv_trust_store cv_trust_store;

cv_trust_store *cv_trust_store_new (void);
/* Adds CA certificates from memory: one DER certificate (exact length, no
 * trailing bytes) or PEM text holding one or more. Each must be a CA
 * (basicConstraints CA:TRUE or an old self-signed v1 root); all are checked
 * before any is added. Any CA added is a trust anchor, including an
 * intermediate: the administrator trusts exactly what they configure. */
cv_status cv_trust_store_add_ca (cv_trust_store *store, const uint8_t *data, size_t len);
/* Adds a CRL (DER or PEM). Once a store has a CRL, every certificate of a
 * chain whose issuer has a CRL in the store is checked against it; an issuer
 * without one is not checked (there is no fetching of CRLs or OCSP here). */
cv_status cv_trust_store_add_crl (cv_trust_store *store, const uint8_t *data, size_t len);
/* Number of CA certificates added. */
size_t cv_trust_store_ca_count (const cv_trust_store *store);
void cv_trust_store_free (cv_trust_store *store);

/* ---- Certificate details, for the UI ---- */

typedef enum {
  CV_CERT_SAN_DNS,
  CV_CERT_SAN_EMAIL,
  CV_CERT_SAN_URI,
} cv_cert_san_type;

typedef struct {
  cv_cert_san_type type;
  char *value;
} cv_cert_san;

/* Every string is NUL-terminated UTF-8 made safe to show: invalid UTF-8,
 * control and bidirectional-override characters are replaced by U+FFFD. */
typedef struct {
  char *subject;                  /* one line, RFC 2253 order ("CN=Ann,O=Example") */
  char *subject_cn;               /* NULL when the subject has no CN (the last CN if several) */
  char *issuer;
  char *issuer_cn;
  char *serial_hex;               /* upper-case hex as `openssl x509 -serial` prints it */
  time_t not_before;
  time_t not_after;
  char not_before_iso[32];        /* ISO 8601 UTC, "2025-06-15T08:26:40Z" */
  char not_after_iso[32];
  char fingerprint_sha256[96];    /* "AB:CD:...", 32 colon-separated upper-case bytes */
  char key_type[48];              /* "Ed25519", "Ed448", "ECDSA P-256", "RSA 2048", ... */
  bool is_ca;
  cv_cert_san *sans;              /* DNS, email and URI names, in certificate order */
  size_t n_sans;
} cv_cert_details;

/* Details of one DER certificate (no validation). Refuses oversized,
 * truncated, trailing-byte and non-DER input like cv_cred_verify() does. */
cv_status cv_cert_details_from_der (const uint8_t *der, size_t len, cv_cert_details **out);
void cv_cert_details_free (cv_cert_details *details);

/* ---- Verification ---- */

typedef struct {
  const uint8_t *data;
  size_t len;
} cv_cert_der;

typedef struct {
  cv_cred_verdict verdict;
  cv_cred_reason reason;
  char *reason_text;          /* always set: what was decided and why, in English */
  cv_cert_details *leaf;      /* NULL for a basic credential or an unparseable leaf */
  /* Subjects (RFC 2253) leaf first: the validated path up to and including
   * the trust anchor when verified, otherwise the certificates as supplied
   * ("(unparseable)" for one that is not DER). */
  char **chain;
  size_t chain_len;
  char *trust_anchor;         /* subject of the CA that vouched, when verified */
  char *claimed_name;         /* unverified: the name the member claims (may be NULL) */
  char *verified_name;        /* verified: the name from the certificate (may be NULL) */
} cv_cred_result;

/* Validates an X.509 credential: `chain` is certificates[] of the MLS
 * credential (leaf first, the rest untrusted intermediates), `signature_key`
 * is the member's MLS signature public key as MLS serializes it (Ed25519 and
 * Ed448 raw, ECDSA the uncompressed point), `at` the time to check validity
 * at. Either store may be NULL (treated as empty).
 *
 * Returns CV_OK whenever a verdict was reached, including UNVERIFIED ones:
 * bad certificates are a verdict, not an error. Other statuses mean no
 * verdict (out of memory, impossible arguments); *out is then NULL. */
cv_status cv_cred_verify (const cv_trust_store *partner, const cv_trust_store *service,
                          const cv_cert_der *chain, size_t chain_len,
                          const uint8_t *signature_key, size_t signature_key_len,
                          time_t at, cv_cred_result **out);

/* The result for a basic credential (RFC 9420 §5.3: an identity and no
 * certificate): always UNVERIFIED; the identity, if it is printable UTF-8,
 * becomes the claimed name. */
cv_status cv_cred_basic (const uint8_t *identity, size_t identity_len, cv_cred_result **out);

void cv_cred_result_free (cv_cred_result *result);

typedef enum {
  CV_CRED_NAME_NONE = 0,    /* nothing to show but "unverified" */
  CV_CRED_NAME_CLAIMED,     /* *name is only what the member claims */
  CV_CRED_NAME_VERIFIED,    /* *name comes from a certificate that validated */
} cv_cred_name_kind;

/* The name to show for a participant. *name is set to NULL for NONE and
 * points into result otherwise. */
cv_cred_name_kind cv_cred_display_name (const cv_cred_result *result, const char **name);
/* A one-line English label for logs and the bot: "Ann Example (verified
 * externally)", "unverified, claimed: Ann", "unverified". Malloc'ed; NULL
 * on allocation failure. The UI composes its own translated strings from
 * cv_cred_display_name() instead. */
char *cv_cred_display_label (const cv_cred_result *result);

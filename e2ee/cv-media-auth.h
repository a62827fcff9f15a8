/* cv-media-auth.h: per-sender authenticity of SFrame media.
 *
 * RFC 9605 keys every sender's stream from one group secret, so any member
 * holding the meeting's SFrame keys can make frames that decrypt as another
 * member's. Here each sender signs, with its MLS leaf signature key, short
 * statements that list the hashes of the protected frames it sent; receivers
 * hash what they decrypted and match. docs/media-authenticity.md is the full
 * description; the wire form, in the TLS presentation language of RFC 9420:
 *
 *   struct {
 *     uint8  version;               // 1
 *     uint64 epoch;                 // MLS epoch of the frames' KID
 *     uint32 sender_leaf;           // MLS leaf index of the sender
 *     varint context;               // SFrame context (stream) of the frames
 *     uint64 first_ctr;             // CTR of the first frame covered
 *     opaque frame_hashes<V>;       // 1..64 hashes of CV_MEDIA_AUTH_HASH_LEN bytes,
 *                                   // for CTR first_ctr, first_ctr + 1, ...
 *   } MediaAuthContent;
 *
 *   struct {
 *     MediaAuthContent content;
 *     opaque signature<V>;          // SignWithLabel(leaf key, CV_MEDIA_AUTH_LABEL, MediaAuthTBS)
 *   } MediaAuthStatement;
 *
 *   struct {
 *     opaque group_id<V>;           // the MLS group, not sent: both ends know it
 *     uint16 cipher_suite;          // the MLS cipher suite, not sent
 *     MediaAuthContent content;
 *   } MediaAuthTBS;
 *
 * A frame hash is the MLS suite's hash of the whole protected SFrame frame
 * (header || ciphertext || tag), truncated to its first CV_MEDIA_AUTH_HASH_LEN
 * bytes, so checking needs no key and matches what travelled.
 *
 * The signer (one per outgoing stream) accumulates the hashes of the frames
 * it sent and makes a statement at least every interval_ms (caller's clock),
 * when CV_MEDIA_AUTH_MAX_FRAMES are pending, when the CTR jumps or when the
 * epoch changes. The verifier (one per meeting) keeps, per (epoch, sender,
 * context), a window of CTR slots with the hash of the frame received and
 * the hash a verified statement gave for it; when both are present they are
 * compared in constant time: equal authenticates the frame, different marks
 * the sender FORGED. Frames a statement never covers (it was lost, or the
 * frame was forged at a CTR the sender never signed) are "unverified", not
 * forged: loss cannot be told from that attack, and the sender then shows as
 * not authenticated. Memory is bounded by the configuration.
 *
 * Neither object is thread-safe: callers serialise access.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cv-bytes.h"
#include "cv-sframe-keyring.h"
#include "cv-status.h"

#define CV_MEDIA_AUTH_VERSION 1
/* SignWithLabel adds "MLS 1.0 " in front (RFC 9420 §5.1.2). */
#define CV_MEDIA_AUTH_LABEL "Conclave media auth v1"
#define CV_MEDIA_AUTH_HASH_LEN 16
#define CV_MEDIA_AUTH_MAX_FRAMES 64
/* The largest DER ECDSA P-521 signature is 139 bytes; Ed448 takes 114. */
#define CV_MEDIA_AUTH_SIGNATURE_MAX 160
/* Largest statement: fixed fields, hashes, signature and their lengths. */
#define CV_MEDIA_AUTH_STATEMENT_MAX \
  (1 + 8 + 4 + 4 + 8 + 2 + CV_MEDIA_AUTH_MAX_FRAMES * CV_MEDIA_AUTH_HASH_LEN + 2 + CV_MEDIA_AUTH_SIGNATURE_MAX)
/* In band, a stream's statements are SFrame frames of the same sender under
 * context | CV_MEDIA_AUTH_STATEMENT_CONTEXT (media contexts stay below it). */
#define CV_MEDIA_AUTH_STATEMENT_CONTEXT 8

/* ---- Statements ---- */

/* A parsed statement; pointers borrow from the parsed bytes. */
typedef struct {
  uint64_t epoch;
  uint32_t sender_leaf;
  uint64_t context;
  uint64_t first_ctr;
  size_t count;              /* frames covered: CTR first_ctr .. first_ctr + count - 1 */
  const uint8_t *hashes;     /* count * CV_MEDIA_AUTH_HASH_LEN bytes */
  const uint8_t *content;    /* the encoded MediaAuthContent, as signed */
  size_t content_len;
  const uint8_t *signature;
  size_t signature_len;
} cv_media_auth_statement;

/* Parses a MediaAuthStatement (the signature is not checked here). Refuses,
 * naming the rule: truncated input, trailing bytes, another version, a hash
 * list that is empty, longer than CV_MEDIA_AUTH_MAX_FRAMES or not a multiple
 * of CV_MEDIA_AUTH_HASH_LEN, a CTR range that overflows, and an empty or
 * oversized signature. */
cv_status cv_media_auth_statement_parse (const uint8_t *data, size_t len,
                                         cv_media_auth_statement *out);

/* Checks the statement's signature with the sender's signature public key
 * (from its leaf in the MLS tree of the statement's epoch): CV_OK, or
 * CV_ERR_AUTH when it does not verify. */
cv_status cv_media_auth_statement_verify (const cv_media_auth_statement *statement,
                                          uint16_t mls_suite,
                                          const uint8_t *group_id, size_t group_id_len,
                                          const uint8_t *signature_public_key, size_t key_len);

/* The truncated hash of a protected frame under the suite's hash. */
cv_status cv_media_auth_frame_hash (uint16_t mls_suite, const uint8_t *frame, size_t frame_len,
                                    uint8_t out[CV_MEDIA_AUTH_HASH_LEN]);

/* ---- Sending ---- */

typedef struct cv_media_auth_signer cv_media_auth_signer;

/* A signer for our stream `context` (below CV_MEDIA_AUTH_STATEMENT_CONTEXT)
 * of the group group_id under MLS suite mls_suite; statements at least every
 * interval_ms (1..60000). */
cv_status cv_media_auth_signer_new (cv_media_auth_signer **out, uint16_t mls_suite,
                                    const uint8_t *group_id, size_t group_id_len,
                                    uint64_t context, uint64_t interval_ms);
/* Wipes the keys and frees; NULL is accepted. */
void cv_media_auth_signer_free (cv_media_auth_signer *signer);

/* The leaf index and signature private key we send under in `epoch` (not
 * older than the last one set). The previous epoch's key is kept, so frames
 * still pending from it are signed with the key they were sent under; frames
 * of the epoch before that are signed at once and its key wiped. */
cv_status cv_media_auth_signer_set_epoch (cv_media_auth_signer *signer, uint64_t epoch,
                                          uint32_t own_leaf,
                                          const uint8_t *signature_private_key, size_t key_len);

/* Records a protected frame of the stream that was sent at now_ms, under
 * `epoch` (its CTR is read from its SFrame header, whose KID must carry the
 * epoch's low bits). May make statements ready: take them. CV_ERR_STATE when
 * no key is set for that epoch (the frame then stays unsigned). */
cv_status cv_media_auth_signer_add_frame (cv_media_auth_signer *signer, uint64_t epoch,
                                          const uint8_t *frame, size_t frame_len,
                                          uint64_t now_ms);

/* Signs what is pending if its oldest frame is interval_ms old (or at once
 * when `flush`); call from a timer so that the last frames of a stream that
 * stops are signed too. */
cv_status cv_media_auth_signer_tick (cv_media_auth_signer *signer, uint64_t now_ms, bool flush);

/* Moves the oldest ready statement into out (which must be empty); false
 * when none is ready. At most 4 wait; older ones are dropped and counted. */
bool cv_media_auth_signer_take (cv_media_auth_signer *signer, cv_bytes *out);

typedef struct {
  uint64_t frames;       /* frames recorded */
  uint64_t statements;   /* statements made */
  uint64_t dropped;      /* ready statements dropped because nobody took them */
} cv_media_auth_signer_stats;

void cv_media_auth_signer_get_stats (const cv_media_auth_signer *signer,
                                     cv_media_auth_signer_stats *out);

/* ---- Receiving ---- */

typedef enum {
  CV_MEDIA_AUTH_NONE,          /* no media from this sender */
  CV_MEDIA_AUTH_NOT_YET,       /* frames received, none covered yet, none overdue */
  CV_MEDIA_AUTH_AUTHENTICATED, /* frames covered by valid statements, none overdue */
  CV_MEDIA_AUTH_UNVERIFIED,    /* frames older than the deadline are not covered (or were
                                  dropped uncovered within the last deadline) */
  CV_MEDIA_AUTH_FORGED,        /* a frame contradicts a valid statement, or a statement
                                  claiming this sender failed: sticky until forgotten */
} cv_media_auth_state;

/* Short English name of a state, for logs and tests. */
const char *cv_media_auth_state_name (cv_media_auth_state state);

typedef struct {
  cv_media_auth_state state;
  uint64_t frames;          /* frames recorded */
  uint64_t authenticated;   /* matched by a valid statement */
  uint64_t forged;          /* contradicted by a valid statement (or a second, different frame at a CTR) */
  uint64_t unverified;      /* left the window, or arrived too late, without being covered */
  uint64_t pending;         /* waiting for a statement now */
  uint64_t overdue;         /* of those, older than the deadline */
  uint64_t statements;      /* valid statements applied */
  uint64_t bad_statements;  /* statements that failed to verify or contradicted an earlier one */
} cv_media_auth_report;

typedef struct {
  uint64_t deadline_ms; /* a frame not covered by then is overdue (default 3000) */
  size_t window;        /* CTRs tracked per stream: a power of two, 16..4096 (default 256) */
  size_t max_streams;   /* (epoch, sender, context) streams tracked, 1..4096 (default 64) */
  size_t max_senders;   /* senders with a report, 1..65536 (default 1024) */
} cv_media_auth_config;

#define CV_MEDIA_AUTH_CONFIG_DEFAULT { 3000, 256, 64, 1024 }

typedef struct cv_media_auth_verifier cv_media_auth_verifier;

/* config may be NULL for the defaults. */
cv_status cv_media_auth_verifier_new (cv_media_auth_verifier **out, uint16_t mls_suite,
                                      const uint8_t *group_id, size_t group_id_len,
                                      const cv_media_auth_config *config);
void cv_media_auth_verifier_free (cv_media_auth_verifier *verifier);

/* Records a frame that decrypted, from the key ring's info and the frame's
 * hash (taken before an in-place decryption overwrote it). The least
 * recently used stream is dropped when max_streams are tracked; a new sender
 * beyond max_senders is refused (CV_ERR_TOO_LARGE). */
cv_status cv_media_auth_verifier_add_frame_hash (cv_media_auth_verifier *verifier,
                                                 const cv_sframe_frame_info *info,
                                                 const uint8_t hash[CV_MEDIA_AUTH_HASH_LEN],
                                                 uint64_t now_ms);
/* The same from the protected frame itself. */
cv_status cv_media_auth_verifier_add_frame (cv_media_auth_verifier *verifier,
                                            const cv_sframe_frame_info *info,
                                            const uint8_t *frame, size_t frame_len,
                                            uint64_t now_ms);
/* The hash the verifier's suite gives (cv_media_auth_frame_hash, without a
 * fetch per call). */
cv_status cv_media_auth_verifier_hash (cv_media_auth_verifier *verifier,
                                       const uint8_t *frame, size_t frame_len,
                                       uint8_t out[CV_MEDIA_AUTH_HASH_LEN]);

/* Verifies a parsed statement with the signature public key of its sender
 * in its epoch and applies it. A signature that fails counts against the
 * claimed sender (FORGED) and returns CV_ERR_AUTH; a valid statement that
 * gives a CTR another hash than an earlier valid one did also counts as bad
 * (CV_ERR_INVALID), its other entries still applied. */
cv_status cv_media_auth_verifier_add_statement (cv_media_auth_verifier *verifier,
                                                const cv_media_auth_statement *statement,
                                                const uint8_t *signature_public_key, size_t key_len,
                                                uint64_t now_ms);

/* The report for leaf `sender` at now_ms (state NONE and zero counts for a
 * sender never seen). */
void cv_media_auth_verifier_report (cv_media_auth_verifier *verifier, uint32_t sender,
                                    uint64_t now_ms, cv_media_auth_report *out);

/* Drops a sender's streams and report (it left the group). */
void cv_media_auth_verifier_forget_sender (cv_media_auth_verifier *verifier, uint32_t sender);

/* cv-mls-secret-tree.h: the secret tree of RFC 9420 §9 and the sender-data
 * keys of §6.3.2.
 *
 * One cv_mls_secret_tree per epoch, seeded with the epoch's
 * encryption_secret. Tree secrets are derived on demand, walking down from
 * the nearest secret still held: deriving a node's two children deletes the
 * node, and a leaf's secret is deleted once its handshake and application
 * ratchets are seeded (§9.2 deletion schedule). A group of 1000 members thus
 * costs nothing until a member sends, then about 2·log2(n) HMACs for that
 * member's first message.
 *
 * Each leaf has a handshake and an application ratchet. A ratchet holds the
 * secret of the next generation it has not derived yet; keys of skipped
 * generations are kept so that messages may arrive out of order, within these
 * bounds:
 *   - CV_MLS_RATCHET_WINDOW: a key is kept for a generation at most this many
 *     generations behind the newest one derived; older keys are deleted.
 *   - CV_MLS_RATCHET_MAX_FORWARD: a receiver refuses to jump further than
 *     this many generations ahead of the next one it expects (CV_ERR_STATE),
 *     which bounds the work one message can cause.
 * A key is deleted once it has served (cv_mls_secret_tree_erase_key after a
 * successful decryption; at once for a sender's own key), so a generation
 * decrypts at most once. Everything secret is cleansed when deleted and when
 * the tree is freed.
 *
 * The leaf count must be a power of two (RFC 9420 trees are full, §7.1): pass
 * the ratchet tree's leaf count, not the number of members. A tree is not
 * thread-safe; the group that owns it serialises access.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cv-bytes.h"
#include "cv-mls-suite.h"
#include "cv-status.h"

#define CV_MLS_RATCHET_WINDOW 1024u
#define CV_MLS_RATCHET_MAX_FORWARD 1024u

/* The largest AEAD key and nonce of suites 1..7. */
#define CV_MLS_MAX_AEAD_KEY 32
#define CV_MLS_MAX_AEAD_NONCE 12

typedef enum {
  CV_MLS_RATCHET_HANDSHAKE,   /* proposals and commits */
  CV_MLS_RATCHET_APPLICATION, /* application data */
} cv_mls_ratchet_type;

/* A generation's key and nonce (§9.1); wipe with cv_mls_ratchet_key_clear(). */
typedef struct {
  uint32_t generation;
  size_t key_len;
  size_t nonce_len;
  uint8_t key[CV_MLS_MAX_AEAD_KEY];
  uint8_t nonce[CV_MLS_MAX_AEAD_NONCE];
} cv_mls_ratchet_key;

void cv_mls_ratchet_key_clear (cv_mls_ratchet_key *k);

typedef struct cv_mls_secret_tree cv_mls_secret_tree;

/* A tree of n_leaves leaves (a power of two) rooted at encryption_secret
 * (KDF.Nh bytes), which is copied. */
cv_status cv_mls_secret_tree_new (const cv_mls_suite *suite,
                                  const uint8_t *encryption_secret, size_t secret_len,
                                  uint32_t n_leaves, cv_mls_secret_tree **out);
/* Wipes every secret and key still held. NULL is allowed. */
void cv_mls_secret_tree_free (cv_mls_secret_tree *tree);

uint32_t cv_mls_secret_tree_n_leaves (const cv_mls_secret_tree *tree);
const cv_mls_suite *cv_mls_secret_tree_suite (const cv_mls_secret_tree *tree);

/* Sending: the key of the next generation of leaf's ratchet, which is
 * consumed at once (the tree keeps nothing that decrypts it). */
cv_status cv_mls_secret_tree_next_key (cv_mls_secret_tree *tree, uint32_t leaf,
                                       cv_mls_ratchet_type type, cv_mls_ratchet_key *out);

/* Receiving: the key of `generation` of leaf's ratchet. It stays in the tree
 * until cv_mls_secret_tree_erase_key(), so that a forged message cannot
 * destroy the key of the genuine one. Fails with CV_ERR_STATE when the
 * generation was used or deleted already, is more than CV_MLS_RATCHET_WINDOW
 * behind, or more than CV_MLS_RATCHET_MAX_FORWARD ahead; CV_ERR_ARGUMENT for
 * a leaf outside the tree. */
cv_status cv_mls_secret_tree_get_key (cv_mls_secret_tree *tree, uint32_t leaf,
                                      cv_mls_ratchet_type type, uint32_t generation,
                                      cv_mls_ratchet_key *out);

/* Deletes the key of `generation` (no-op when it is not held). */
void cv_mls_secret_tree_erase_key (cv_mls_secret_tree *tree, uint32_t leaf,
                                   cv_mls_ratchet_type type, uint32_t generation);

/* §6.3.2: sender_data_key and sender_data_nonce from the sender_data_secret
 * and the first KDF.Nh bytes of the PrivateMessage ciphertext (all of it when
 * shorter). key must have room for AEAD.Nk bytes, nonce for AEAD.Nn. */
cv_status cv_mls_sender_data_key_nonce (const cv_mls_suite *suite,
                                        const uint8_t *sender_data_secret, size_t secret_len,
                                        const uint8_t *ciphertext, size_t ciphertext_len,
                                        uint8_t *key, uint8_t *nonce);

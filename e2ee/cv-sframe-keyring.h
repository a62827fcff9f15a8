/* cv-sframe-keyring.h: a meeting's SFrame keys, fed from MLS (RFC 9605 §5.2).
 *
 * For each MLS epoch the caller installs
 *   base_key = MLS-Exporter("SFrame 1.0 Base Key", "", AEAD.Nk)
 * with the epoch number and the leaf indices of the members. Each sender's
 * stream is then named by
 *   KID = (context << (S + E)) + (sender_index << E) + (epoch % (1 << E))
 * with E = 8 and its key and salt are derived from base_key and that KID
 * (RFC 9605 §4.4.2) the first time the KID is used.
 *
 * S, as RFC 9605 §5.2 says, is the smallest value such that the group fits
 * in S bits. The group's size is read as its number of leaves up to the
 * rightmost member (largest leaf index + 1), not its member count: the sender
 * index is the MLS leaf index, and a tree with blank leaves has indices at or
 * above the member count. Every member sees the same tree, so every member
 * computes the same S for an epoch; S is kept per epoch, and the epoch bits
 * sit at the bottom of the KID, so KIDs of the previous epoch still decode
 * with that epoch's S. A meeting of at most 1000 participants needs S <= 10.
 * `context` is the sender's choice, one per outgoing stream (audio, video,
 * screen); at most CV_SFRAME_KEYRING_MAX_CONTEXTS per sender and epoch.
 *
 * On a new epoch the previous one is kept for a grace period, so frames in
 * flight still decrypt, then wiped; older ones are wiped at once, as is an
 * older epoch whose low E bits the new one shares. Times are whatever
 * monotonic milliseconds the caller supplies.
 *
 * Receiving refuses: a KID of an unknown or expired epoch, a sender index
 * that is not a member (or is our own leaf: our keys only encrypt), and
 * replays, with a per-KID window of CV_SFRAME_REPLAY_WINDOW counters behind
 * the newest authenticated one. A frame that fails to authenticate changes
 * nothing, and the key of a KID is kept only once a frame under it has
 * authenticated. Sending uses the current epoch, counts CTR up from 0 per
 * KID, never reuses one, and refuses once CTR 2^64 - 1 has been used.
 *
 * Not thread-safe: callers serialise access to a ring.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cv-sframe.h"
#include "cv-status.h"

#define CV_SFRAME_EPOCH_BITS 8
#define CV_SFRAME_REPLAY_WINDOW 128
#define CV_SFRAME_KEYRING_MAX_CONTEXTS 16
/* Leaf indices at or above this are refused (MLS allows 2^32; meetings are
 * capped at 1000). */
#define CV_SFRAME_KEYRING_MAX_LEAF ((uint32_t) 1 << 16)
/* own_leaf for a ring that only receives. */
#define CV_SFRAME_NO_LEAF UINT32_MAX

typedef struct cv_sframe_keyring cv_sframe_keyring;

/* What a decrypted frame's header said, once authenticated. */
typedef struct {
  uint64_t epoch;
  uint32_t sender_index;
  uint64_t context;
  uint64_t kid;
  uint64_t ctr;
} cv_sframe_frame_info;

/* KID = (context << (S + E)) + (sender_index << E) + (epoch % (1 << E)),
 * refusing a sender_index or context that does not fit its bits. */
cv_status cv_sframe_kid_compose (uint64_t context, uint32_t sender_index, uint64_t epoch,
                                 unsigned sender_bits, uint64_t *kid);
/* The S of a group whose largest leaf index is max_leaf. */
unsigned cv_sframe_sender_bits_for (uint32_t max_leaf);

cv_status cv_sframe_keyring_new (cv_sframe_keyring **out, uint16_t suite, uint64_t grace_ms);
/* Wipes every key and frees; NULL is accepted. */
void cv_sframe_keyring_free (cv_sframe_keyring *ring);

/* Installs epoch (which must be newer than the current one) with its
 * base_key (AEAD.Nk bytes), the leaf indices of its members and our own leaf
 * (or CV_SFRAME_NO_LEAF). The current epoch becomes the previous one until
 * now_ms + grace_ms. */
cv_status cv_sframe_keyring_install_epoch (cv_sframe_keyring *ring, uint64_t epoch,
                                           const uint8_t *base_key, size_t base_key_len,
                                           const uint32_t *leaf_indices, size_t n_leaves,
                                           uint32_t own_leaf, uint64_t now_ms);

/* Wipes the previous epoch if its grace period is over at now_ms. Decrypting
 * does this too; call it from a timer so that keys do not outlive it. */
void cv_sframe_keyring_expire (cv_sframe_keyring *ring, uint64_t now_ms);

/* Whether the keys of epoch are still held. */
bool cv_sframe_keyring_has_epoch (const cv_sframe_keyring *ring, uint64_t epoch);
/* The current epoch and its S; false when none is installed. */
bool cv_sframe_keyring_current (const cv_sframe_keyring *ring, uint64_t *epoch, unsigned *sender_bits);
/* The KID we send stream `context` under in the current epoch. */
cv_status cv_sframe_keyring_own_kid (const cv_sframe_keyring *ring, uint64_t context, uint64_t *kid);

/* Encrypts one frame of our stream `context` under the current epoch with
 * the next CTR of its KID (see cv_sframe_encrypt for the buffers; out_cap of
 * plaintext_len + CV_SFRAME_OVERHEAD_MAX always suffices). A CTR is spent
 * even when encryption then fails, so none is ever used twice. */
cv_status cv_sframe_keyring_encrypt (cv_sframe_keyring *ring, uint64_t context,
                                     const uint8_t *metadata, size_t metadata_len,
                                     const uint8_t *plaintext, size_t plaintext_len,
                                     uint8_t *out, size_t out_cap, size_t *out_len);

/* Moves the next CTR of stream `context` forward to next_ctr (for a sender
 * that restores its counter, RFC 9605 §9.1); never backward. */
cv_status cv_sframe_keyring_advance_ctr (cv_sframe_keyring *ring, uint64_t context, uint64_t next_ctr);

/* Decrypts a frame from another member (see cv_sframe_decrypt for the
 * buffers). info (may be NULL) says who sent it. */
cv_status cv_sframe_keyring_decrypt (cv_sframe_keyring *ring, uint64_t now_ms,
                                     const uint8_t *metadata, size_t metadata_len,
                                     const uint8_t *frame, size_t frame_len,
                                     uint8_t *out, size_t out_cap, size_t *plaintext_len,
                                     cv_sframe_frame_info *info);
/* The same where the frame lies: plaintext at frame + *plaintext_offset. */
cv_status cv_sframe_keyring_decrypt_in_place (cv_sframe_keyring *ring, uint64_t now_ms,
                                              const uint8_t *metadata, size_t metadata_len,
                                              uint8_t *frame, size_t frame_len,
                                              size_t *plaintext_offset, size_t *plaintext_len,
                                              cv_sframe_frame_info *info);

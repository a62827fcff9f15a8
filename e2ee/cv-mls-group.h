/* cv-mls-group.h: the MLS group state machine of RFC 9420 (§11, §12).
 *
 * A cv_mls_group is one member's view of one group at one epoch: the ratchet
 * tree, the member's private keys, the key schedule and secret tree of the
 * epoch, and the proposals received in it. What the meeting session needs:
 *
 *   cv_mls_make_key_package()          a KeyPackage and its private keys
 *   cv_mls_group_create()              a one-member group (with extensions,
 *                                      e.g. external_senders for the service)
 *   cv_mls_group_commit()              add many members (one Welcome for all),
 *                                      remove, self-update, GroupContext
 *                                      extensions, and the pending proposals
 *   cv_mls_group_propose_*()           proposals sent as their own messages
 *   cv_mls_group_process()             a received proposal, commit or
 *                                      application message
 *   cv_mls_group_join()                from a Welcome
 *   cv_mls_group_join_external()       an external commit from a GroupInfo
 *   cv_mls_group_export(), _epoch_authenticator(), _members()
 *
 * Commits are staged. Processing a commit (or creating one) builds the whole
 * next epoch beside the current one and returns it as a cv_mls_staged_commit
 * that says what changes; nothing of the group changes until the caller
 * merges it with cv_mls_group_merge(). A commit that fails any check is
 * refused with a reason naming the rule (e.g. "RFC 9420 §12.2: ..."), and the
 * group is exactly as before. A committer merges its own commit only when
 * the delivery service confirms it; if another commit wins the epoch, the
 * committer discards its own and processes the winner.
 *
 * External senders (§12.1.8.1): a group whose GroupContext carries an
 * external_senders extension accepts proposals signed by those keys, but by
 * the zero-trust policy of DESIGN.md ONLY Remove proposals: an Add,
 * PreSharedKey, ReInit or GroupContextExtensions proposal from an external
 * sender is refused ("policy: ..."), and so is any new_member_proposal.
 * Whether the removed participant really left is the session's question
 * (ask it before committing; cv_mls_group_pending_proposals() lists them).
 *
 * Not thread-safe: one group, one thread (or the caller's lock).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cv-bytes.h"
#include "cv-mls-messages.h"
#include "cv-mls-suite.h"
#include "cv-status.h"

typedef struct cv_mls_group cv_mls_group;
typedef struct cv_mls_staged_commit cv_mls_staged_commit;

/* ---- Configuration ---- */

/* Looks up an external PSK by id (§8.4). Returns CV_OK and fills psk, or an
 * error (CV_ERR_INVALID: unknown id). */
typedef cv_status (*cv_mls_psk_lookup_fn) (void *user_data, const uint8_t *psk_id,
                                           size_t psk_id_len, cv_bytes *psk);

typedef struct {
  /* Wire-format policy for handshake messages: false sends proposals and
   * commits as PublicMessage and accepts only PublicMessage from members;
   * true uses PrivateMessage both ways. Application messages are always
   * PrivateMessage (§6.2). */
  bool handshake_private;
  /* PrivateMessage plaintexts are padded to a multiple of this (0: none). */
  size_t padding_block;
  /* Welcome messages carry the ratchet tree in a ratchet_tree extension of
   * the GroupInfo; false: the tree goes out of band (cv_mls_group_ratchet_tree). */
  bool ratchet_tree_in_welcome;
  /* Seconds since 1970 for KeyPackage lifetimes; NULL means time(NULL); a
   * function that returns 0 turns lifetime checks off (test vectors). */
  uint64_t (*clock) (void);
  /* External PSKs (NULL: none known). */
  cv_mls_psk_lookup_fn psk_lookup;
  void *psk_user_data;
  /* Application messages of past epochs, for messages in flight across a
   * commit: the last `past_epochs` epochs (at most
   * CV_MLS_GROUP_MAX_PAST_EPOCHS) keep what opens and verifies their
   * application messages (sender data secret, secret tree, GroupContext,
   * the members' signature keys) for `past_epoch_seconds` after they ended
   * (0: until pushed out). Nothing else of a past epoch is accepted.
   * 0 past epochs (the default): a message of any other epoch is refused. */
  unsigned past_epochs;
  uint64_t past_epoch_seconds;
} cv_mls_group_config;

#define CV_MLS_GROUP_MAX_PAST_EPOCHS 4

/* handshake_private false, no padding, tree in the Welcome, time(NULL). */
void cv_mls_group_config_init (cv_mls_group_config *config);

/* ---- KeyPackages (§10) ---- */

/* A KeyPackage and what only its owner holds. */
typedef struct {
  cv_mls_key_package key_package;
  cv_bytes key_package_message;  /* MLSMessage(KeyPackage), to publish */
  cv_bytes key_package_ref;
  cv_bytes init_priv;
  cv_bytes encryption_priv;
  cv_bytes signature_priv;
} cv_mls_key_package_bundle;

void cv_mls_key_package_bundle_clear (cv_mls_key_package_bundle *b);

/* A fresh KeyPackage for `credential` signed by signature_priv, valid from
 * not_before to not_after (0, 0: from now for 90 days), with the given
 * KeyPackage extensions (NULL: none). Capabilities list every suite we
 * implement, basic and x509 credentials, and the extension types of
 * leaf_extensions (NULL: none) which the leaf carries. */
cv_status cv_mls_make_key_package (const cv_mls_suite *suite, const cv_mls_credential *credential,
                                   const uint8_t *signature_priv, size_t signature_priv_len,
                                   uint64_t not_before, uint64_t not_after,
                                   const cv_mls_extension_list *key_package_extensions,
                                   const cv_mls_extension_list *leaf_extensions,
                                   cv_mls_key_package_bundle *out);

/* ---- Life cycle ---- */

/* A new group of one member (leaf 0) at epoch 0 (§11). context_extensions
 * (NULL: none) become the GroupContext extensions; external_senders among
 * them are checked. The member's LeafNode is made like a KeyPackage's. */
cv_status cv_mls_group_create (const cv_mls_suite *suite, const uint8_t *group_id,
                               size_t group_id_len, const cv_mls_credential *credential,
                               const uint8_t *signature_priv, size_t signature_priv_len,
                               const cv_mls_extension_list *context_extensions,
                               const cv_mls_group_config *config, cv_mls_group **out);

/* Joins from an MLSMessage(Welcome) (§12.4.3.1) with a KeyPackage bundle
 * whose KeyPackage it names. ratchet_tree (optional<Node> ratchet_tree<V>)
 * is needed when the GroupInfo has no ratchet_tree extension (NULL: none).
 * The whole tree is validated (cv_mls_tree_validate). */
cv_status cv_mls_group_join (const cv_mls_key_package_bundle *bundle,
                             const uint8_t *welcome, size_t welcome_len,
                             const uint8_t *ratchet_tree, size_t ratchet_tree_len,
                             const cv_mls_group_config *config, cv_mls_group **out);

/* External join (§12.4.3.2) from an MLSMessage(GroupInfo) with an
 * external_pub extension: builds the commit (ExternalInit, path) and the
 * group the joiner will be in once the delivery service accepts it. The
 * group is returned already at the new epoch; if the commit is refused,
 * free it. */
cv_status cv_mls_group_join_external (const uint8_t *group_info, size_t group_info_len,
                                      const uint8_t *ratchet_tree, size_t ratchet_tree_len,
                                      const cv_mls_credential *credential,
                                      const uint8_t *signature_priv, size_t signature_priv_len,
                                      const cv_mls_group_config *config,
                                      cv_bytes *commit_message, cv_mls_group **out);

/* Wipes every secret. NULL is fine. */
void cv_mls_group_free (cv_mls_group *g);

/* ---- State ---- */

const cv_mls_suite *cv_mls_group_suite (const cv_mls_group *g);
uint64_t cv_mls_group_epoch (const cv_mls_group *g);
const cv_bytes *cv_mls_group_id (const cv_mls_group *g);
uint32_t cv_mls_group_own_leaf (const cv_mls_group *g);
/* False once a merged commit removed this member: it can then do nothing
 * but be freed. */
bool cv_mls_group_is_active (const cv_mls_group *g);
/* Borrowed, valid until the next merge. */
const cv_bytes *cv_mls_group_epoch_authenticator (const cv_mls_group *g);
const cv_mls_extension_list *cv_mls_group_context_extensions (const cv_mls_group *g);
/* The serialized GroupContext of the epoch. */
const cv_bytes *cv_mls_group_context_bytes (const cv_mls_group *g);
/* MLS-Exporter(label, context, length) (§8.5). */
cv_status cv_mls_group_export (const cv_mls_group *g, const char *label,
                               const uint8_t *context, size_t context_len,
                               uint16_t length, cv_bytes *out);

typedef struct {
  uint32_t leaf_index;
  const cv_mls_credential *credential;   /* borrowed from the tree */
  const cv_bytes *signature_key;
  const cv_bytes *encryption_key;
} cv_mls_member;

/* Every occupied leaf in index order; *out is malloc'ed (free it), its
 * pointers are valid until the next merge. */
cv_status cv_mls_group_members (const cv_mls_group *g, cv_mls_member **out, size_t *n);
uint32_t cv_mls_group_member_count (const cv_mls_group *g);
/* optional<Node> ratchet_tree<V>, for a Welcome sent without it. */
cv_status cv_mls_group_ratchet_tree (const cv_mls_group *g, cv_bytes *out);
/* A signed MLSMessage(GroupInfo) of the epoch, with the external_pub
 * extension (what an external joiner needs) and, if with_tree, the tree. */
cv_status cv_mls_group_group_info (const cv_mls_group *g, bool with_tree, cv_bytes *out);

/* ---- Proposals (§12.1) ---- */

/* Each builds the proposal, keeps it pending (a later commit of ours
 * includes it by reference) and returns the MLSMessage to send. */
cv_status cv_mls_group_propose_add (cv_mls_group *g, const uint8_t *key_package,
                                    size_t key_package_len, cv_bytes *message);
cv_status cv_mls_group_propose_remove (cv_mls_group *g, uint32_t leaf_index, cv_bytes *message);
cv_status cv_mls_group_propose_update (cv_mls_group *g, cv_bytes *message);

/* The meeting service's side: a Remove proposal from external sender
 * `sender_index` (its position in the group's external_senders), as a
 * PublicMessage for group_id at epoch. */
cv_status cv_mls_external_propose_remove (const cv_mls_suite *suite, const uint8_t *group_id,
                                          size_t group_id_len, uint64_t epoch,
                                          uint32_t sender_index,
                                          const uint8_t *signature_priv, size_t priv_len,
                                          uint32_t removed_leaf, cv_bytes *message);

typedef struct {
  uint16_t type;              /* CV_MLS_PROPOSAL_* */
  uint8_t sender_type;        /* CV_MLS_SENDER_TYPE_* */
  uint32_t sender_index;
  uint32_t removed_leaf;      /* Remove */
} cv_mls_pending_info;

/* The proposals received or sent in this epoch, in arrival order. */
size_t cv_mls_group_pending_proposals (const cv_mls_group *g, cv_mls_pending_info *out,
                                       size_t max);
/* Forgets the pending proposals (e.g. after a Remove the session refused). */
void cv_mls_group_clear_pending_proposals (cv_mls_group *g);

/* ---- Commits (§12.4) ---- */

typedef struct {
  /* MLSMessage(KeyPackage) bytes of members to add, all in one Welcome. */
  const cv_bytes *add_key_packages;
  size_t n_add;
  const uint32_t *remove_leaves;
  size_t n_remove;
  /* New GroupContext extensions (a GroupContextExtensions proposal). */
  const cv_mls_extension_list *new_extensions;
  /* Include every pending proposal by reference. */
  bool include_pending;
  /* Send an UpdatePath even when the proposals do not require it (a
   * self-update when there are no proposals). */
  bool force_path;
} cv_mls_commit_options;

/* Builds a commit of this epoch. Returns the MLSMessage to send, a Welcome
 * when members are added (else empty) and the staged next epoch, which the
 * caller merges once the delivery service confirms the commit. */
cv_status cv_mls_group_commit (cv_mls_group *g, const cv_mls_commit_options *opts,
                               cv_bytes *commit_message, cv_bytes *welcome,
                               cv_mls_staged_commit **staged);

/* What a staged commit changes; pointers valid while it lives. */
typedef struct {
  uint64_t new_epoch;
  uint8_t sender_type;
  uint32_t sender_index;      /* the committer's leaf (new leaf for an external commit) */
  const uint32_t *added;      /* leaves filled by Add (or the external joiner) */
  size_t n_added;
  const uint32_t *removed;
  size_t n_removed;
  const uint32_t *updated;    /* leaves replaced by Update or the committer's path */
  size_t n_updated;
  bool removes_self;          /* merging it ends our membership */
  bool has_path;
} cv_mls_commit_summary;

const cv_mls_commit_summary *cv_mls_staged_commit_summary (const cv_mls_staged_commit *sc);
void cv_mls_staged_commit_free (cv_mls_staged_commit *sc);

/* Moves the group to the staged epoch and frees sc. CV_ERR_STATE when sc
 * was staged for another group or another epoch (nothing changes then). */
cv_status cv_mls_group_merge (cv_mls_group *g, cv_mls_staged_commit *sc);

/* ---- Receiving (§6, §12) ---- */

typedef enum {
  CV_MLS_RECEIVED_APPLICATION = 1,
  CV_MLS_RECEIVED_PROPOSAL,
  CV_MLS_RECEIVED_COMMIT,
} cv_mls_received_type;

typedef struct {
  cv_mls_received_type type;
  uint8_t sender_type;
  uint32_t sender_index;
  cv_bytes authenticated_data;
  cv_bytes application_data;       /* application */
  uint16_t proposal_type;          /* proposal: stored as pending */
  cv_mls_staged_commit *staged;    /* commit: merge or free it */
} cv_mls_received;

void cv_mls_received_clear (cv_mls_received *r);

/* Processes one MLSMessage (PublicMessage or PrivateMessage) of this
 * group's epoch. A proposal is verified and stored; a commit is verified
 * and staged (the group is not changed); application data is decrypted.
 * An application message of a past epoch still kept (config.past_epochs)
 * is decrypted and verified with that epoch's keys and members. */
cv_status cv_mls_group_process (cv_mls_group *g, const uint8_t *message, size_t len,
                                cv_mls_received *out);

/* Forgets the past epochs kept for application messages now (e.g. on a
 * timer, so that their keys do not outlive the grace period unused). */
void cv_mls_group_forget_past_epochs (cv_mls_group *g);

/* ---- Sending application data ---- */

cv_status cv_mls_group_protect (cv_mls_group *g, const uint8_t *authenticated_data, size_t ad_len,
                                const uint8_t *data, size_t len, cv_bytes *message);

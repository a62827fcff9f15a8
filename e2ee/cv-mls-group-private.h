/* cv-mls-group-private.h: what the files of the group state machine share
 * (cv-mls-group.c, cv-mls-group-commit.c). */
#pragma once

#include "cv-mls-framing.h"
#include "cv-mls-group.h"
#include "cv-mls-key-schedule.h"
#include "cv-mls-secret-tree.h"
#include "cv-mls-tree.h"
#include "cv-mls-treekem.h"

/* How many past epochs' resumption PSKs a member keeps (§8.6). */
#define CV_MLS_GROUP_RESUMPTION_HISTORY 8

typedef struct {
  cv_bytes ref;                     /* ProposalRef */
  cv_mls_proposal proposal;
  cv_mls_sender sender;
  cv_bytes update_priv;             /* our own Update: the new leaf's private key */
} cv_mls_pending_proposal;

typedef struct {
  uint64_t epoch;
  cv_bytes psk;
} cv_mls_resumption_psk;

/* What a past epoch keeps to open and verify its application messages. */
typedef struct {
  uint64_t epoch;
  uint64_t ended_at;                    /* cv_mls_group_now() when it ended */
  cv_bytes group_context;
  cv_bytes sender_data_secret;
  cv_mls_secret_tree *secret_tree;
  cv_mls_tree *tree;                    /* the senders' signature keys */
} cv_mls_past_epoch;

struct cv_mls_group {
  const cv_mls_suite *suite;
  cv_mls_group_config config;
  cv_bytes group_id;
  uint64_t epoch;
  cv_mls_extension_list extensions;     /* GroupContext extensions */
  cv_mls_external_senders external_senders;
  cv_bytes tree_hash;
  cv_bytes confirmed_transcript_hash;
  cv_bytes interim_transcript_hash;
  cv_bytes confirmation_tag;            /* of the commit that made this epoch */
  cv_bytes group_context;               /* serialized */
  cv_mls_tree *tree;
  uint32_t own_leaf;
  bool active;
  cv_bytes signature_priv;
  cv_mls_tree_private priv;             /* own leaf and parents on its direct path */
  cv_mls_epoch_secrets secrets;
  cv_bytes external_priv;               /* derived on first use */
  cv_bytes external_pub;
  cv_mls_secret_tree *secret_tree;
  cv_mls_pending_proposal *pending;
  size_t n_pending;
  cv_mls_resumption_psk resumption[CV_MLS_GROUP_RESUMPTION_HISTORY];
  size_t n_resumption;
  /* Most recent first; see cv_mls_group_config.past_epochs. */
  cv_mls_past_epoch past[CV_MLS_GROUP_MAX_PAST_EPOCHS];
  size_t n_past;
  /* Bumped by every merge, so that a staged commit cannot be merged twice
   * or into a group that moved on. */
  uint64_t generation;
};

struct cv_mls_staged_commit {
  const cv_mls_group *for_group;
  uint64_t for_generation;
  cv_mls_group *next;
  cv_mls_commit_summary summary;
  uint32_t *added, *removed, *updated;
};

/* ---- cv-mls-group.c ---- */

uint64_t cv_mls_group_now (const cv_mls_group_config *config);
/* An empty group struct for suite, with config copied (NULL: defaults). */
cv_mls_group *cv_mls_group_alloc (const cv_mls_suite *suite, const cv_mls_group_config *config);
/* Sets the GroupContext extensions and parses external_senders. */
cv_status cv_mls_group_set_extensions (cv_mls_group *g, const cv_mls_extension_list *ext);
/* Serializes the GroupContext of g's current fields (epoch, tree hash,
 * confirmed transcript hash, extensions) into out. */
cv_status cv_mls_group_context_of (const cv_mls_group *g, uint64_t epoch,
                                   const cv_bytes *tree_hash, const cv_bytes *cth,
                                   const cv_mls_extension_list *ext, cv_bytes *out);
/* After secrets, tree and transcript are set: the secret tree of the epoch
 * and the resumption PSK history entry. */
cv_status cv_mls_group_start_epoch (cv_mls_group *g);
void cv_mls_group_framing_keys (const cv_mls_group *g, cv_mls_framing_keys *keys);
cv_status cv_mls_group_resolve_psks (const cv_mls_group *g,
                                     const cv_mls_pre_shared_key_id *ids, size_t n,
                                     cv_bytes *psk_secret);
/* The leaf node for a new member (KeyPackage or first leaf of a group). */
cv_status cv_mls_group_make_leaf (const cv_mls_suite *suite, const cv_mls_credential *credential,
                                  const uint8_t *signature_priv, size_t signature_priv_len,
                                  const cv_mls_extension_list *leaf_extensions,
                                  cv_mls_leaf_node *leaf, cv_bytes *encryption_priv);
cv_status cv_mls_group_sign_and_seal (cv_mls_group *g, uint16_t wire_format,
                                      const cv_mls_content *content,
                                      cv_mls_authenticated_content *ac, cv_bytes *message);

/* Moves what opens application messages of old's epoch into g's history,
 * with old's own history behind it (as far as g's config keeps); old keeps
 * nothing of it. */
void cv_mls_group_keep_past_epoch (cv_mls_group *g, cv_mls_group *old);

/* ---- cv-mls-group-commit.c ---- */

/* The checks of one proposal on its own (§12.1): what its sender may
 * propose and whether it is valid against the current tree. */
cv_status cv_mls_group_check_proposal (cv_mls_group *g, const cv_mls_proposal *p,
                                       const cv_mls_sender *sender);
/* A received commit (opened, not yet verified) staged into *out. */
cv_status cv_mls_group_stage_commit (cv_mls_group *g, const cv_mls_authenticated_content *ac,
                                     cv_mls_staged_commit **out);

/* ---- cv-mls-group.c, for the external join ---- */

/* A group at a GroupInfo's epoch (signature, tree and external_pub
 * checked), with its interim transcript hash; no member, no secrets. */
cv_status cv_mls_group_from_group_info_message (const uint8_t *data, size_t len,
                                                const uint8_t *tree, size_t tree_len,
                                                const cv_mls_group_config *config,
                                                cv_mls_group **out);
/* The epoch's external HPKE private key (§8.3), derived on first use. */
cv_status cv_mls_group_external_priv (cv_mls_group *g, const cv_bytes **priv);
cv_status cv_mls_group_make_group_info (cv_mls_group *g, bool with_tree, bool with_external_pub,
                                        cv_mls_group_info *gi);

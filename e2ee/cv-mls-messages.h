/* cv-mls-messages.h: the MLS structures of RFC 9420 that are not framing:
 * credentials, capabilities, extensions, LeafNode, KeyPackage, proposals,
 * Commit and UpdatePath, GroupInfo, GroupSecrets and Welcome.
 *
 * Every structure here owns its bytes (cv_bytes, wiped on clear), so a parsed
 * message may outlive its input. The pattern is the same for each type T:
 *
 *   cv_status cv_mls_T_read (cv_mls_reader *r, cv_mls_T *out);   out zeroed on entry
 *   void      cv_mls_T_write (cv_mls_writer *w, const cv_mls_T *in);
 *   void      cv_mls_T_clear (cv_mls_T *x);                      safe on a zeroed value
 *   cv_status cv_mls_T_parse (data, len, out)                   the whole buffer, nothing after
 *   cv_status cv_mls_T_serialize (in, cv_bytes *out)
 *
 * A read that fails leaves out cleared and a reason that names the structure
 * and the rule ("RFC 9420 §7.2: LeafNode: leaf_node_source 7 is unknown").
 * Parsers check syntax and the limits below; the rules that need a group
 * (signatures against a tree, capabilities against the group) live in
 * cv-mls-tree.h and the group state machine. Serializing what was parsed
 * gives back the same bytes: the codec refuses non-minimal encodings, and
 * unknown extensions are kept as they came.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cv-bytes.h"
#include "cv-mls-codec.h"
#include "cv-mls-key-schedule.h"
#include "cv-mls-suite.h"
#include "cv-mls-tree-math.h"
#include "cv-status.h"

/* ---- Registries (RFC 9420 §17) ---- */

enum {
  CV_MLS_EXT_APPLICATION_ID = 0x0001,
  CV_MLS_EXT_RATCHET_TREE = 0x0002,
  CV_MLS_EXT_REQUIRED_CAPABILITIES = 0x0003,
  CV_MLS_EXT_EXTERNAL_PUB = 0x0004,
  CV_MLS_EXT_EXTERNAL_SENDERS = 0x0005,
};

enum {
  CV_MLS_PROPOSAL_ADD = 0x0001,
  CV_MLS_PROPOSAL_UPDATE = 0x0002,
  CV_MLS_PROPOSAL_REMOVE = 0x0003,
  CV_MLS_PROPOSAL_PSK = 0x0004,
  CV_MLS_PROPOSAL_REINIT = 0x0005,
  CV_MLS_PROPOSAL_EXTERNAL_INIT = 0x0006,
  CV_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS = 0x0007,
};

enum {
  CV_MLS_CREDENTIAL_BASIC = 0x0001,
  CV_MLS_CREDENTIAL_X509 = 0x0002,
};

enum {
  CV_MLS_LEAF_SOURCE_KEY_PACKAGE = 1,
  CV_MLS_LEAF_SOURCE_UPDATE = 2,
  CV_MLS_LEAF_SOURCE_COMMIT = 3,
};

enum {
  CV_MLS_PROPOSAL_OR_REF_PROPOSAL = 1,
  CV_MLS_PROPOSAL_OR_REF_REFERENCE = 2,
};

/* MLSMessage wire formats this file reads (RFC 9420 §6, §17.2). */
enum {
  CV_MLS_WIRE_FORMAT_WELCOME = 3,
  CV_MLS_WIRE_FORMAT_GROUP_INFO = 4,
  CV_MLS_WIRE_FORMAT_KEY_PACKAGE = 5,
};

/* True for extension types defined by RFC 9420 itself ("default": they need
 * not be listed in capabilities, §7.2). */
bool cv_mls_extension_type_is_default (uint16_t type);
bool cv_mls_proposal_type_is_default (uint16_t type);

/* ---- Limits on untrusted input (beyond them: CV_ERR_TOO_LARGE) ---- */

#define CV_MLS_MAX_PUBLIC_KEY 512        /* HPKE or signature public key */
#define CV_MLS_MAX_SIGNATURE 512
#define CV_MLS_MAX_HASH 64               /* hashes, MACs, references, secrets */
#define CV_MLS_MAX_EXTENSIONS 128        /* entries of one extension list */
#define CV_MLS_MAX_CAPABILITY_ENTRIES 256 /* entries of one capabilities list */
#define CV_MLS_MAX_CERTIFICATES 32       /* certificates of one X.509 credential */
#define CV_MLS_MAX_PROPOSALS 16384       /* proposals of one Commit */
#define CV_MLS_MAX_PSKS 256              /* PreSharedKeyIDs of one GroupSecrets */
#define CV_MLS_MAX_LEAVES ((uint32_t) 1 << 16) /* leaves of a ratchet tree */
#define CV_MLS_MAX_EXTERNAL_SENDERS 256

/* ---- Small lists ---- */

typedef struct {
  uint16_t *items;
  size_t count;
} cv_mls_u16_list;

bool cv_mls_u16_list_has (const cv_mls_u16_list *l, uint16_t v);
void cv_mls_u16_list_clear (cv_mls_u16_list *l);
cv_status cv_mls_u16_list_set (cv_mls_u16_list *l, const uint16_t *items, size_t count);

/* ---- Extensions (§13) ---- */

typedef struct {
  uint16_t type;
  cv_bytes data;  /* extension_data, kept as received */
} cv_mls_extension;

typedef struct {
  cv_mls_extension *items;
  size_t count;
} cv_mls_extension_list;

/* Reading refuses two extensions of one type (§13.4). */
cv_status cv_mls_extension_list_read (cv_mls_reader *r, cv_mls_extension_list *out);
void cv_mls_extension_list_write (cv_mls_writer *w, const cv_mls_extension_list *l);
void cv_mls_extension_list_clear (cv_mls_extension_list *l);
cv_status cv_mls_extension_list_copy (cv_mls_extension_list *out, const cv_mls_extension_list *in);
/* NULL when absent. */
const cv_mls_extension *cv_mls_extension_list_find (const cv_mls_extension_list *l, uint16_t type);
/* Replaces the data of an extension of that type, or appends one. */
cv_status cv_mls_extension_list_set (cv_mls_extension_list *l, uint16_t type,
                                     const uint8_t *data, size_t len);
/* Parses the serialized content of an extensions<V> vector (entries back to
 * back, as cv_mls_group_context.extensions holds them). */
cv_status cv_mls_extension_list_parse_entries (const uint8_t *data, size_t len,
                                               cv_mls_extension_list *out);
/* The reverse: the entries without the vector's length. */
cv_status cv_mls_extension_list_serialize_entries (const cv_mls_extension_list *l, cv_bytes *out);

/* required_capabilities (§11.1). */
typedef struct {
  cv_mls_u16_list extension_types;
  cv_mls_u16_list proposal_types;
  cv_mls_u16_list credential_types;
} cv_mls_required_capabilities;

cv_status cv_mls_required_capabilities_parse (const uint8_t *data, size_t len,
                                              cv_mls_required_capabilities *out);
cv_status cv_mls_required_capabilities_serialize (const cv_mls_required_capabilities *rc,
                                                  cv_bytes *out);
void cv_mls_required_capabilities_clear (cv_mls_required_capabilities *rc);

/* external_pub (§12.4.3.2): the HPKE public key, borrowed from data. */
cv_status cv_mls_external_pub_parse (const uint8_t *data, size_t len,
                                     const uint8_t **key, size_t *key_len);
cv_status cv_mls_external_pub_serialize (const uint8_t *key, size_t key_len, cv_bytes *out);

/* application_id (§5.3.3): opaque application_id<V>, borrowed from data. */
cv_status cv_mls_application_id_parse (const uint8_t *data, size_t len,
                                       const uint8_t **id, size_t *id_len);
cv_status cv_mls_application_id_serialize (const uint8_t *id, size_t id_len, cv_bytes *out);

/* ---- Credential (§5.3) ---- */

typedef struct {
  uint16_t type;              /* CV_MLS_CREDENTIAL_BASIC or _X509 */
  cv_bytes identity;          /* basic */
  cv_bytes *certificates;     /* x509: DER, end-entity first; not validated here */
  size_t n_certificates;
} cv_mls_credential;

/* Refuses credential types other than basic and x509 (their encoding is
 * unknown), an empty chain, and chains beyond CV_MLS_MAX_CERTIFICATES. */
cv_status cv_mls_credential_read (cv_mls_reader *r, cv_mls_credential *out);
void cv_mls_credential_write (cv_mls_writer *w, const cv_mls_credential *c);
void cv_mls_credential_clear (cv_mls_credential *c);
cv_status cv_mls_credential_copy (cv_mls_credential *out, const cv_mls_credential *in);
bool cv_mls_credential_equal (const cv_mls_credential *a, const cv_mls_credential *b);

/* external_senders (§12.1.8.1). */
typedef struct {
  cv_bytes signature_key;
  cv_mls_credential credential;
} cv_mls_external_sender;

typedef struct {
  cv_mls_external_sender *items;
  size_t count;
} cv_mls_external_senders;

cv_status cv_mls_external_senders_parse (const uint8_t *data, size_t len,
                                         cv_mls_external_senders *out);
cv_status cv_mls_external_senders_serialize (const cv_mls_external_senders *es, cv_bytes *out);
void cv_mls_external_senders_clear (cv_mls_external_senders *es);

/* ---- Capabilities, LeafNode (§7.2) ---- */

typedef struct {
  cv_mls_u16_list versions;
  cv_mls_u16_list cipher_suites;
  cv_mls_u16_list extensions;
  cv_mls_u16_list proposals;
  cv_mls_u16_list credentials;
} cv_mls_capabilities;

cv_status cv_mls_capabilities_read (cv_mls_reader *r, cv_mls_capabilities *out);
void cv_mls_capabilities_write (cv_mls_writer *w, const cv_mls_capabilities *c);
void cv_mls_capabilities_clear (cv_mls_capabilities *c);

typedef struct {
  cv_bytes encryption_key;
  cv_bytes signature_key;
  cv_mls_credential credential;
  cv_mls_capabilities capabilities;
  uint8_t source;             /* CV_MLS_LEAF_SOURCE_* */
  uint64_t not_before;        /* key_package */
  uint64_t not_after;         /* key_package */
  cv_bytes parent_hash;       /* commit */
  cv_mls_extension_list extensions;
  cv_bytes signature;
} cv_mls_leaf_node;

cv_status cv_mls_leaf_node_read (cv_mls_reader *r, cv_mls_leaf_node *out);
void cv_mls_leaf_node_write (cv_mls_writer *w, const cv_mls_leaf_node *n);
void cv_mls_leaf_node_clear (cv_mls_leaf_node *n);
cv_status cv_mls_leaf_node_parse (const uint8_t *data, size_t len, cv_mls_leaf_node *out);
cv_status cv_mls_leaf_node_serialize (const cv_mls_leaf_node *n, cv_bytes *out);
cv_status cv_mls_leaf_node_copy (cv_mls_leaf_node *out, const cv_mls_leaf_node *in);

/* LeafNodeTBS: group_id and leaf_index are used for the update and commit
 * sources only (§7.2). */
cv_status cv_mls_leaf_node_tbs (const cv_mls_leaf_node *n, const uint8_t *group_id,
                                size_t group_id_len, uint32_t leaf_index, cv_bytes *out);
/* Replaces the signature: SignWithLabel(., "LeafNodeTBS", LeafNodeTBS). */
cv_status cv_mls_leaf_node_sign (const cv_mls_suite *s, cv_mls_leaf_node *n,
                                 const uint8_t *signature_priv, size_t priv_len,
                                 const uint8_t *group_id, size_t group_id_len,
                                 uint32_t leaf_index);
/* CV_ERR_AUTH when the signature does not verify with n->signature_key. */
cv_status cv_mls_leaf_node_verify (const cv_mls_suite *s, const cv_mls_leaf_node *n,
                                   const uint8_t *group_id, size_t group_id_len,
                                   uint32_t leaf_index);
/* The checks of §7.3 that need nothing but the leaf: the source is
 * expected_source (0: any), every extension and the credential type are
 * listed in its own capabilities, and for a key_package leaf when now != 0,
 * not_before <= now <= not_after. (§7.3 does not ask a leaf to list the
 * group's cipher suite or version, and some implementations do not.) */
cv_status cv_mls_leaf_node_check (const cv_mls_leaf_node *n, uint8_t expected_source,
                                  uint64_t now);

/* ---- KeyPackage (§10) ---- */

typedef struct {
  uint16_t version;
  uint16_t cipher_suite;
  cv_bytes init_key;
  cv_mls_leaf_node leaf_node;
  cv_mls_extension_list extensions;
  cv_bytes signature;
} cv_mls_key_package;

cv_status cv_mls_key_package_read (cv_mls_reader *r, cv_mls_key_package *out);
void cv_mls_key_package_write (cv_mls_writer *w, const cv_mls_key_package *kp);
void cv_mls_key_package_clear (cv_mls_key_package *kp);
cv_status cv_mls_key_package_parse (const uint8_t *data, size_t len, cv_mls_key_package *out);
cv_status cv_mls_key_package_serialize (const cv_mls_key_package *kp, cv_bytes *out);
cv_status cv_mls_key_package_copy (cv_mls_key_package *out, const cv_mls_key_package *in);
/* MLSMessage with wire_format mls_key_package. */
cv_status cv_mls_key_package_parse_message (const uint8_t *data, size_t len,
                                            cv_mls_key_package *out);
cv_status cv_mls_key_package_serialize_message (const cv_mls_key_package *kp, cv_bytes *out);

cv_status cv_mls_key_package_sign (const cv_mls_suite *s, cv_mls_key_package *kp,
                                   const uint8_t *signature_priv, size_t priv_len);
/* §10.1: mls10, the suite matches s, the leaf node is valid for the
 * key_package source (signature and cv_mls_leaf_node_check with now), the
 * KeyPackage signature verifies, and init_key differs from the leaf's
 * encryption_key. */
cv_status cv_mls_key_package_verify (const cv_mls_suite *s, const cv_mls_key_package *kp,
                                     uint64_t now);
/* KeyPackageRef = RefHash("MLS 1.0 KeyPackage Reference", KeyPackage). */
cv_status cv_mls_key_package_ref (const cv_mls_suite *s, const cv_mls_key_package *kp,
                                  cv_bytes *out);

/* ---- Proposals (§12.1) ---- */

/* PreSharedKeyID, owned (cv_mls_psk_id of cv-mls-key-schedule.h borrows). */
typedef struct {
  uint8_t psk_type;
  cv_bytes psk_id;
  uint8_t usage;
  cv_bytes psk_group_id;
  uint64_t psk_epoch;
  cv_bytes psk_nonce;
} cv_mls_pre_shared_key_id;

cv_status cv_mls_pre_shared_key_id_read (cv_mls_reader *r, cv_mls_pre_shared_key_id *out);
void cv_mls_pre_shared_key_id_write (cv_mls_writer *w, const cv_mls_pre_shared_key_id *id);
void cv_mls_pre_shared_key_id_clear (cv_mls_pre_shared_key_id *id);
/* A borrowed view for the key schedule, valid while id is. */
void cv_mls_pre_shared_key_id_view (const cv_mls_pre_shared_key_id *id, cv_mls_psk_id *view);

/* Every member is zero unless `type` says otherwise. */
typedef struct {
  uint16_t type;                       /* CV_MLS_PROPOSAL_* */
  cv_mls_key_package add;              /* add */
  cv_mls_leaf_node update;             /* update */
  uint32_t remove;                     /* remove: the removed leaf index */
  cv_mls_pre_shared_key_id psk;        /* psk */
  cv_bytes reinit_group_id;            /* reinit */
  uint16_t reinit_version;
  uint16_t reinit_cipher_suite;
  cv_mls_extension_list extensions;    /* reinit, group_context_extensions */
  cv_bytes kem_output;                 /* external_init */
} cv_mls_proposal;

/* Refuses proposal types this version does not know: their body has no
 * length, so it cannot be skipped. */
cv_status cv_mls_proposal_read (cv_mls_reader *r, cv_mls_proposal *out);
void cv_mls_proposal_write (cv_mls_writer *w, const cv_mls_proposal *p);
void cv_mls_proposal_clear (cv_mls_proposal *p);
cv_status cv_mls_proposal_parse (const uint8_t *data, size_t len, cv_mls_proposal *out);
cv_status cv_mls_proposal_serialize (const cv_mls_proposal *p, cv_bytes *out);
/* Only the body after proposal_type (the Add, Update, ... structure alone),
 * as the messages.json vectors carry them. */
cv_status cv_mls_proposal_parse_body (uint16_t type, const uint8_t *data, size_t len,
                                      cv_mls_proposal *out);
cv_status cv_mls_proposal_serialize_body (const cv_mls_proposal *p, cv_bytes *out);

typedef struct {
  uint8_t type;                 /* CV_MLS_PROPOSAL_OR_REF_* */
  cv_mls_proposal proposal;     /* by value */
  cv_bytes reference;           /* ProposalRef */
} cv_mls_proposal_or_ref;

/* ---- Commit, UpdatePath (§7.6, §12.4) ---- */

typedef struct {
  cv_bytes kem_output;
  cv_bytes ciphertext;
} cv_mls_hpke_ciphertext;

typedef struct {
  cv_bytes encryption_key;
  cv_mls_hpke_ciphertext *encrypted_path_secret;
  size_t n_encrypted_path_secret;
} cv_mls_update_path_node;

typedef struct {
  cv_mls_leaf_node leaf_node;
  cv_mls_update_path_node *nodes;
  size_t n_nodes;
} cv_mls_update_path;

cv_status cv_mls_update_path_read (cv_mls_reader *r, cv_mls_update_path *out);
void cv_mls_update_path_write (cv_mls_writer *w, const cv_mls_update_path *p);
void cv_mls_update_path_clear (cv_mls_update_path *p);
cv_status cv_mls_update_path_parse (const uint8_t *data, size_t len, cv_mls_update_path *out);
cv_status cv_mls_update_path_serialize (const cv_mls_update_path *p, cv_bytes *out);

typedef struct {
  cv_mls_proposal_or_ref *proposals;
  size_t n_proposals;
  bool has_path;
  cv_mls_update_path path;
} cv_mls_commit;

cv_status cv_mls_commit_read (cv_mls_reader *r, cv_mls_commit *out);
void cv_mls_commit_write (cv_mls_writer *w, const cv_mls_commit *c);
void cv_mls_commit_clear (cv_mls_commit *c);
cv_status cv_mls_commit_parse (const uint8_t *data, size_t len, cv_mls_commit *out);
cv_status cv_mls_commit_serialize (const cv_mls_commit *c, cv_bytes *out);

/* ---- GroupInfo (§12.4.3) ---- */

typedef struct {
  /* The GroupContext exactly as serialized, the key schedule's view of it
   * (borrowing from group_context) and its extensions parsed. */
  cv_bytes group_context;
  cv_mls_group_context context;
  cv_mls_extension_list context_extensions;
  cv_mls_extension_list extensions;
  cv_bytes confirmation_tag;
  uint32_t signer;
  cv_bytes signature;
} cv_mls_group_info;

cv_status cv_mls_group_info_read (cv_mls_reader *r, cv_mls_group_info *out);
void cv_mls_group_info_write (cv_mls_writer *w, const cv_mls_group_info *gi);
void cv_mls_group_info_clear (cv_mls_group_info *gi);
cv_status cv_mls_group_info_parse (const uint8_t *data, size_t len, cv_mls_group_info *out);
cv_status cv_mls_group_info_serialize (const cv_mls_group_info *gi, cv_bytes *out);
cv_status cv_mls_group_info_parse_message (const uint8_t *data, size_t len,
                                           cv_mls_group_info *out);
cv_status cv_mls_group_info_serialize_message (const cv_mls_group_info *gi, cv_bytes *out);
/* Sets the group context from its serialization (checked and parsed). */
cv_status cv_mls_group_info_set_context (cv_mls_group_info *gi, const uint8_t *group_context,
                                         size_t len);
/* SignWithLabel(., "GroupInfoTBS", GroupInfoTBS) and its check (CV_ERR_AUTH). */
cv_status cv_mls_group_info_sign (const cv_mls_suite *s, cv_mls_group_info *gi,
                                  const uint8_t *signature_priv, size_t priv_len);
cv_status cv_mls_group_info_verify (const cv_mls_suite *s, const cv_mls_group_info *gi,
                                    const uint8_t *signature_pub, size_t pub_len);

/* ---- GroupSecrets, Welcome (§12.4.3.1) ---- */

typedef struct {
  cv_bytes joiner_secret;
  bool has_path_secret;
  cv_bytes path_secret;
  cv_mls_pre_shared_key_id *psks;
  size_t n_psks;
} cv_mls_group_secrets;

cv_status cv_mls_group_secrets_read (cv_mls_reader *r, cv_mls_group_secrets *out);
void cv_mls_group_secrets_write (cv_mls_writer *w, const cv_mls_group_secrets *gs);
void cv_mls_group_secrets_clear (cv_mls_group_secrets *gs);
cv_status cv_mls_group_secrets_parse (const uint8_t *data, size_t len, cv_mls_group_secrets *out);
cv_status cv_mls_group_secrets_serialize (const cv_mls_group_secrets *gs, cv_bytes *out);

typedef struct {
  cv_bytes new_member;                   /* KeyPackageRef */
  cv_mls_hpke_ciphertext encrypted_group_secrets;
} cv_mls_encrypted_group_secrets;

typedef struct {
  uint16_t cipher_suite;
  cv_mls_encrypted_group_secrets *secrets;
  size_t n_secrets;
  cv_bytes encrypted_group_info;
} cv_mls_welcome;

cv_status cv_mls_welcome_read (cv_mls_reader *r, cv_mls_welcome *out);
void cv_mls_welcome_write (cv_mls_writer *w, const cv_mls_welcome *wel);
void cv_mls_welcome_clear (cv_mls_welcome *wel);
cv_status cv_mls_welcome_parse (const uint8_t *data, size_t len, cv_mls_welcome *out);
cv_status cv_mls_welcome_serialize (const cv_mls_welcome *wel, cv_bytes *out);
cv_status cv_mls_welcome_parse_message (const uint8_t *data, size_t len, cv_mls_welcome *out);
cv_status cv_mls_welcome_serialize_message (const cv_mls_welcome *wel, cv_bytes *out);

/* The entry for a KeyPackageRef: its index, or CV_ERR_INVALID when absent. */
cv_status cv_mls_welcome_find (const cv_mls_welcome *wel, const uint8_t *key_package_ref,
                               size_t ref_len, size_t *index);

/* The committer's side. encrypted_group_info = AEAD.Seal(welcome_key,
 * welcome_nonce, "", GroupInfo) with the key and nonce of the key schedule. */
cv_status cv_mls_welcome_encrypt_group_info (const cv_mls_suite *s, cv_mls_welcome *wel,
                                             const uint8_t *welcome_secret, size_t secret_len,
                                             const cv_mls_group_info *gi);
/* Appends an entry: EncryptWithLabel(init_key, "Welcome",
 * encrypted_group_info, GroupSecrets). Call after the GroupInfo is set. */
cv_status cv_mls_welcome_add_secrets (const cv_mls_suite *s, cv_mls_welcome *wel,
                                      const uint8_t *key_package_ref, size_t ref_len,
                                      const uint8_t *init_key, size_t init_key_len,
                                      const cv_mls_group_secrets *gs);
/* The same for many new members: info_hash is cv_mls_welcome_info_hash()
 * of this Welcome, taken once its GroupInfo is encrypted, so that the
 * encrypted GroupInfo (with the tree, hundreds of KB) is hashed once per
 * Welcome rather than once per new member. */
cv_status cv_mls_welcome_info_hash (const cv_mls_suite *s, const cv_mls_welcome *wel,
                                    cv_bytes *out);
cv_status cv_mls_welcome_add_secrets_hashed (const cv_mls_suite *s, cv_mls_welcome *wel,
                                             const cv_bytes *info_hash,
                                             const uint8_t *key_package_ref, size_t ref_len,
                                             const uint8_t *init_key, size_t init_key_len,
                                             const cv_mls_group_secrets *gs);

/* welcome_secret from a GroupSecrets' joiner_secret and the psk_secret
 * (NULL: no PSKs), taken from the key schedule (it does not depend on the
 * GroupContext, which the joiner learns only from the GroupInfo). */
cv_status cv_mls_welcome_secret (const cv_mls_suite *s,
                                 const uint8_t *joiner_secret, size_t joiner_secret_len,
                                 const uint8_t *psk_secret, size_t psk_secret_len,
                                 cv_bytes *welcome_secret);

/* The joiner's side: decrypts and parses entry `index` with the init key's
 * private half, then the GroupInfo with the welcome_secret derived from it. */
cv_status cv_mls_welcome_decrypt_secrets (const cv_mls_suite *s, const cv_mls_welcome *wel,
                                          size_t index,
                                          const uint8_t *init_priv, size_t init_priv_len,
                                          cv_mls_group_secrets *out);
cv_status cv_mls_welcome_decrypt_group_info (const cv_mls_suite *s, const cv_mls_welcome *wel,
                                             const uint8_t *welcome_secret, size_t secret_len,
                                             cv_mls_group_info *out);

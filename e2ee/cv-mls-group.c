/* cv-mls-group.c: group life cycle, KeyPackages, joining from a Welcome,
 * proposals, receiving and application messages (RFC 9420 §10-§12).
 * Commits are in cv-mls-group-commit.c. */
#include "cv-mls-group-private.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TRY(expr) do { if ((st = (expr)) != CV_OK) goto out; } while (0)

/* 90 days: the lifetime of the KeyPackages we make. */
#define KEY_PACKAGE_LIFETIME (90ull * 24 * 3600)

void
cv_mls_group_config_init (cv_mls_group_config *config)
{
  memset (config, 0, sizeof *config);
  config->ratchet_tree_in_welcome = true;
}

uint64_t
cv_mls_group_now (const cv_mls_group_config *config)
{
  if (config && config->clock)
    return config->clock ();
  return (uint64_t) time (NULL);
}

cv_mls_group *
cv_mls_group_alloc (const cv_mls_suite *suite, const cv_mls_group_config *config)
{
  cv_mls_group *g = calloc (1, sizeof *g);

  if (!g)
    return NULL;
  g->suite = suite;
  if (config)
    g->config = *config;
  else
    cv_mls_group_config_init (&g->config);
  g->active = true;
  return g;
}

static void
pending_clear (cv_mls_pending_proposal *p)
{
  cv_bytes_clear (&p->ref);
  cv_mls_proposal_clear (&p->proposal);
  cv_bytes_clear (&p->update_priv);
}

void
cv_mls_group_clear_pending_proposals (cv_mls_group *g)
{
  for (size_t i = 0; i < g->n_pending; i++)
    pending_clear (&g->pending[i]);
  free (g->pending);
  g->pending = NULL;
  g->n_pending = 0;
}

void
cv_mls_group_free (cv_mls_group *g)
{
  if (!g)
    return;
  cv_bytes_clear (&g->group_id);
  cv_mls_extension_list_clear (&g->extensions);
  cv_mls_external_senders_clear (&g->external_senders);
  cv_bytes_clear (&g->tree_hash);
  cv_bytes_clear (&g->confirmed_transcript_hash);
  cv_bytes_clear (&g->interim_transcript_hash);
  cv_bytes_clear (&g->confirmation_tag);
  cv_bytes_clear (&g->group_context);
  cv_mls_tree_free (g->tree);
  cv_bytes_clear (&g->signature_priv);
  cv_mls_tree_private_clear (&g->priv);
  cv_mls_epoch_secrets_clear (&g->secrets);
  cv_bytes_clear (&g->external_priv);
  cv_bytes_clear (&g->external_pub);
  cv_mls_secret_tree_free (g->secret_tree);
  cv_mls_group_clear_pending_proposals (g);
  for (size_t i = 0; i < g->n_resumption; i++)
    cv_bytes_clear (&g->resumption[i].psk);
  cv_mls_group_forget_past_epochs (g);
  OPENSSL_cleanse (g, sizeof *g);
  free (g);
}

/* ---- Shared helpers ---- */

cv_status
cv_mls_group_set_extensions (cv_mls_group *g, const cv_mls_extension_list *ext)
{
  cv_mls_extension_list copy = { 0 };
  cv_mls_external_senders es = { 0 };
  const cv_mls_extension *e;
  cv_status st;

  if (ext && (st = cv_mls_extension_list_copy (&copy, ext)) != CV_OK)
    return st;
  e = cv_mls_extension_list_find (&copy, CV_MLS_EXT_EXTERNAL_SENDERS);
  if (e && (st = cv_mls_external_senders_parse (e->data.data, e->data.len, &es)) != CV_OK)
    {
      cv_mls_extension_list_clear (&copy);
      return cv_fail (st, "RFC 9420 §12.1.8.1: external_senders extension: %s",
                      cv_status_message ());
    }
  for (size_t i = 0; e && i < es.count; i++)
    if (es.items[i].signature_key.len == 0)
      {
        cv_mls_extension_list_clear (&copy);
        cv_mls_external_senders_clear (&es);
        return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.1.8.1: external sender %zu has no key", i);
      }
  cv_mls_extension_list_clear (&g->extensions);
  cv_mls_external_senders_clear (&g->external_senders);
  g->extensions = copy;
  g->external_senders = es;
  return CV_OK;
}

cv_status
cv_mls_group_context_of (const cv_mls_group *g, uint64_t epoch, const cv_bytes *tree_hash,
                         const cv_bytes *cth, const cv_mls_extension_list *ext, cv_bytes *out)
{
  cv_bytes entries = CV_BYTES_INIT;
  cv_mls_group_context gc = { 0 };
  cv_status st;

  if ((st = cv_mls_extension_list_serialize_entries (ext, &entries)) != CV_OK)
    return st;
  gc.cipher_suite = g->suite->id;
  gc.group_id = g->group_id.data;
  gc.group_id_len = g->group_id.len;
  gc.epoch = epoch;
  gc.tree_hash = tree_hash->data;
  gc.tree_hash_len = tree_hash->len;
  gc.confirmed_transcript_hash = cth->data;
  gc.confirmed_transcript_hash_len = cth->len;
  gc.extensions = entries.data;
  gc.extensions_len = entries.len;
  st = cv_mls_group_context_serialize (&gc, out);
  cv_bytes_clear (&entries);
  return st;
}

cv_status
cv_mls_group_start_epoch (cv_mls_group *g)
{
  cv_mls_resumption_psk *slot;
  cv_status st;

  cv_mls_secret_tree_free (g->secret_tree);
  g->secret_tree = NULL;
  cv_bytes_clear (&g->external_priv);
  cv_bytes_clear (&g->external_pub);
  st = cv_mls_secret_tree_new (g->suite, g->secrets.encryption_secret.data,
                               g->secrets.encryption_secret.len,
                               cv_mls_tree_n_leaves (g->tree), &g->secret_tree);
  if (st != CV_OK)
    return st;
  /* The oldest resumption PSK makes room for this epoch's (§8.6). */
  if (g->n_resumption == CV_MLS_GROUP_RESUMPTION_HISTORY)
    {
      cv_bytes_clear (&g->resumption[0].psk);
      memmove (&g->resumption[0], &g->resumption[1],
               (CV_MLS_GROUP_RESUMPTION_HISTORY - 1) * sizeof g->resumption[0]);
      g->n_resumption--;
      memset (&g->resumption[g->n_resumption], 0, sizeof g->resumption[0]);
    }
  slot = &g->resumption[g->n_resumption];
  slot->epoch = g->epoch;
  if ((st = cv_bytes_copy (&slot->psk, &g->secrets.resumption_psk)) != CV_OK)
    return st;
  g->n_resumption++;
  return CV_OK;
}

void
cv_mls_group_framing_keys (const cv_mls_group *g, cv_mls_framing_keys *keys)
{
  memset (keys, 0, sizeof *keys);
  keys->suite = g->suite;
  keys->group_id = g->group_id.data;
  keys->group_id_len = g->group_id.len;
  keys->epoch = g->epoch;
  keys->group_context = g->group_context.data;
  keys->group_context_len = g->group_context.len;
  keys->membership_key = g->secrets.membership_key.data;
  keys->membership_key_len = g->secrets.membership_key.len;
  keys->sender_data_secret = g->secrets.sender_data_secret.data;
  keys->sender_data_secret_len = g->secrets.sender_data_secret.len;
  keys->secret_tree = g->secret_tree;
  keys->padding_block = g->config.padding_block;
}

cv_status
cv_mls_group_resolve_psks (const cv_mls_group *g, const cv_mls_pre_shared_key_id *ids, size_t n,
                           cv_bytes *psk_secret)
{
  cv_mls_psk *psks = NULL;
  cv_bytes *values = NULL;
  cv_status st = CV_OK;

  if (n == 0)
    return cv_mls_psk_secret (g->suite, NULL, 0, psk_secret);
  psks = calloc (n, sizeof *psks);
  values = calloc (n, sizeof *values);
  if (!psks || !values)
    {
      st = cv_fail (CV_ERR_NOMEM, "cannot resolve %zu PSKs", n);
      goto out;
    }
  for (size_t i = 0; i < n; i++)
    {
      const cv_mls_pre_shared_key_id *id = &ids[i];

      if (id->psk_nonce.len != g->suite->hash_len)
        {
          st = cv_fail (CV_ERR_INVALID, "RFC 9420 §8.4: psk_nonce of %zu bytes, not KDF.Nh",
                        id->psk_nonce.len);
          goto out;
        }
      if (id->psk_type == CV_MLS_PSK_EXTERNAL)
        {
          if (!g->config.psk_lookup
              || g->config.psk_lookup (g->config.psk_user_data, id->psk_id.data, id->psk_id.len,
                                       &values[i]) != CV_OK)
            {
              st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.2: external PSK %zu is unknown", i);
              goto out;
            }
        }
      else
        {
          const cv_bytes *found = NULL;

          if (id->usage != CV_MLS_RESUMPTION_APPLICATION)
            {
              st = cv_fail (CV_ERR_UNSUPPORTED, "RFC 9420 §8.6: resumption PSK usage %u is only "
                            "for ReInit and branching, which we do not do", id->usage);
              goto out;
            }
          if (cv_bytes_equal_ct (id->psk_group_id.data, id->psk_group_id.len,
                                 g->group_id.data, g->group_id.len))
            for (size_t j = 0; j < g->n_resumption; j++)
              if (g->resumption[j].epoch == id->psk_epoch)
                found = &g->resumption[j].psk;
          if (!found)
            {
              st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.2: resumption PSK of epoch %llu is "
                            "not known", (unsigned long long) id->psk_epoch);
              goto out;
            }
          TRY (cv_bytes_copy (&values[i], found));
        }
      cv_mls_pre_shared_key_id_view (id, &psks[i].id);
      psks[i].psk = values[i].data;
      psks[i].psk_len = values[i].len;
    }
  st = cv_mls_psk_secret (g->suite, psks, n, psk_secret);

out:
  for (size_t i = 0; values && i < n; i++)
    cv_bytes_clear (&values[i]);
  free (values);
  free (psks);
  return st;
}

cv_status
cv_mls_group_sign_and_seal (cv_mls_group *g, uint16_t wire_format, const cv_mls_content *content,
                            cv_mls_authenticated_content *ac, cv_bytes *message)
{
  cv_mls_framing_keys keys;
  cv_status st;

  cv_mls_group_framing_keys (g, &keys);
  st = cv_mls_framing_sign (&keys, wire_format, content, g->signature_priv.data,
                            g->signature_priv.len, ac);
  if (st == CV_OK)
    st = cv_mls_framing_seal (&keys, ac, message);
  return st;
}

/* ---- KeyPackages ---- */

static const uint16_t all_suites[] = { 1, 2, 3, 4, 5, 6, 7 };
static const uint16_t all_credentials[] = { CV_MLS_CREDENTIAL_BASIC, CV_MLS_CREDENTIAL_X509 };

static cv_status
add_extension_types (cv_mls_u16_list *l, const cv_mls_extension_list *ext)
{
  cv_status st = CV_OK;

  for (size_t i = 0; ext && st == CV_OK && i < ext->count; i++)
    {
      uint16_t t = ext->items[i].type;
      uint16_t *bigger;

      if (cv_mls_extension_type_is_default (t) || cv_mls_u16_list_has (l, t))
        continue;
      bigger = realloc (l->items, (l->count + 1) * sizeof *bigger);
      if (!bigger)
        return cv_fail (CV_ERR_NOMEM, "cannot list capabilities");
      l->items = bigger;
      l->items[l->count++] = t;
    }
  return st;
}

cv_status
cv_mls_group_make_leaf (const cv_mls_suite *suite, const cv_mls_credential *credential,
                        const uint8_t *signature_priv, size_t signature_priv_len,
                        const cv_mls_extension_list *leaf_extensions,
                        cv_mls_leaf_node *leaf, cv_bytes *encryption_priv)
{
  static const uint16_t v10 = CV_MLS_VERSION_10;
  cv_status st;

  memset (leaf, 0, sizeof *leaf);
  TRY (cv_mls_hpke_key_pair (suite, encryption_priv, &leaf->encryption_key));
  TRY (cv_mls_signature_public_key (suite, signature_priv, signature_priv_len,
                                    &leaf->signature_key));
  TRY (cv_mls_credential_copy (&leaf->credential, credential));
  TRY (cv_mls_u16_list_set (&leaf->capabilities.versions, &v10, 1));
  TRY (cv_mls_u16_list_set (&leaf->capabilities.cipher_suites, all_suites,
                            sizeof all_suites / sizeof all_suites[0]));
  TRY (cv_mls_u16_list_set (&leaf->capabilities.credentials, all_credentials,
                            sizeof all_credentials / sizeof all_credentials[0]));
  TRY (add_extension_types (&leaf->capabilities.extensions, leaf_extensions));
  leaf->source = CV_MLS_LEAF_SOURCE_KEY_PACKAGE;
  if (leaf_extensions)
    TRY (cv_mls_extension_list_copy (&leaf->extensions, leaf_extensions));
  return CV_OK;

out:
  cv_mls_leaf_node_clear (leaf);
  cv_bytes_clear (encryption_priv);
  return st;
}

void
cv_mls_key_package_bundle_clear (cv_mls_key_package_bundle *b)
{
  cv_mls_key_package_clear (&b->key_package);
  cv_bytes_clear (&b->key_package_message);
  cv_bytes_clear (&b->key_package_ref);
  cv_bytes_clear (&b->init_priv);
  cv_bytes_clear (&b->encryption_priv);
  cv_bytes_clear (&b->signature_priv);
}

cv_status
cv_mls_make_key_package (const cv_mls_suite *suite, const cv_mls_credential *credential,
                         const uint8_t *signature_priv, size_t signature_priv_len,
                         uint64_t not_before, uint64_t not_after,
                         const cv_mls_extension_list *key_package_extensions,
                         const cv_mls_extension_list *leaf_extensions,
                         cv_mls_key_package_bundle *out)
{
  cv_mls_key_package *kp = &out->key_package;
  cv_status st;

  memset (out, 0, sizeof *out);
  if (!suite || !credential || !signature_priv)
    return cv_fail (CV_ERR_ARGUMENT, "KeyPackage: no suite, credential or key");
  if (not_before == 0 && not_after == 0)
    {
      /* A little slack for clocks that run behind ours. */
      uint64_t now = (uint64_t) time (NULL);

      not_before = now > 3600 ? now - 3600 : 0;
      not_after = now + KEY_PACKAGE_LIFETIME;
    }
  kp->version = CV_MLS_VERSION_10;
  kp->cipher_suite = suite->id;
  TRY (cv_mls_group_make_leaf (suite, credential, signature_priv, signature_priv_len,
                               leaf_extensions, &kp->leaf_node, &out->encryption_priv));
  kp->leaf_node.not_before = not_before;
  kp->leaf_node.not_after = not_after;
  TRY (cv_mls_leaf_node_sign (suite, &kp->leaf_node, signature_priv, signature_priv_len,
                              NULL, 0, 0));
  TRY (cv_mls_hpke_key_pair (suite, &out->init_priv, &kp->init_key));
  if (key_package_extensions)
    TRY (cv_mls_extension_list_copy (&kp->extensions, key_package_extensions));
  TRY (cv_mls_key_package_sign (suite, kp, signature_priv, signature_priv_len));
  TRY (cv_mls_key_package_serialize_message (kp, &out->key_package_message));
  TRY (cv_mls_key_package_ref (suite, kp, &out->key_package_ref));
  TRY (cv_bytes_set (&out->signature_priv, signature_priv, signature_priv_len));
  return CV_OK;

out:
  cv_mls_key_package_bundle_clear (out);
  return st;
}

/* ---- Creating a group (§11) ---- */

/* Epoch 0 or a joined epoch: the confirmation tag and interim transcript
 * hash from the confirmed transcript hash and the secrets. */
static cv_status
finish_epoch (cv_mls_group *g, bool compute_tag)
{
  cv_status st;

  if (compute_tag)
    {
      cv_bytes_clear (&g->confirmation_tag);
      st = cv_mls_confirmation_tag (g->suite, g->secrets.confirmation_key.data,
                                    g->secrets.confirmation_key.len,
                                    g->confirmed_transcript_hash.data,
                                    g->confirmed_transcript_hash.len, &g->confirmation_tag);
      if (st != CV_OK)
        return st;
    }
  cv_bytes_clear (&g->interim_transcript_hash);
  st = cv_mls_interim_transcript_hash (g->suite, g->confirmed_transcript_hash.data,
                                       g->confirmed_transcript_hash.len,
                                       g->confirmation_tag.data, g->confirmation_tag.len,
                                       &g->interim_transcript_hash);
  if (st == CV_OK)
    st = cv_mls_group_start_epoch (g);
  return st;
}

cv_status
cv_mls_group_create (const cv_mls_suite *suite, const uint8_t *group_id, size_t group_id_len,
                     const cv_mls_credential *credential,
                     const uint8_t *signature_priv, size_t signature_priv_len,
                     const cv_mls_extension_list *context_extensions,
                     const cv_mls_group_config *config, cv_mls_group **out)
{
  cv_mls_group *g;
  cv_mls_leaf_node leaf = { 0 };
  cv_bytes enc_priv = CV_BYTES_INIT, init_secret = CV_BYTES_INIT;
  uint64_t now;
  uint32_t index;
  cv_status st;

  *out = NULL;
  if (!suite || !credential || !signature_priv || (!group_id && group_id_len))
    return cv_fail (CV_ERR_ARGUMENT, "group: no suite, credential or key");
  if (group_id_len > CV_MLS_FRAMING_MAX_GROUP_ID)
    return cv_fail (CV_ERR_TOO_LARGE, "group id of %zu bytes", group_id_len);
  if (!(g = cv_mls_group_alloc (suite, config)))
    return cv_fail (CV_ERR_NOMEM, "cannot allocate a group");
  if (!(g->tree = cv_mls_tree_new (suite)))
    {
      st = cv_fail (CV_ERR_NOMEM, "cannot allocate a tree");
      goto out;
    }
  TRY (cv_bytes_set (&g->group_id, group_id, group_id_len));
  TRY (cv_bytes_set (&g->signature_priv, signature_priv, signature_priv_len));
  TRY (cv_mls_group_set_extensions (g, context_extensions));

  /* Our leaf supports the group's own extension types, so it passes the
   * same checks as every later member. */
  TRY (cv_mls_group_make_leaf (suite, credential, signature_priv, signature_priv_len, NULL,
                               &leaf, &enc_priv));
  TRY (add_extension_types (&leaf.capabilities.extensions, &g->extensions));
  now = (uint64_t) time (NULL);
  leaf.not_before = now > 3600 ? now - 3600 : 0;
  leaf.not_after = now + KEY_PACKAGE_LIFETIME;
  TRY (cv_mls_leaf_node_sign (suite, &leaf, signature_priv, signature_priv_len, NULL, 0, 0));
  TRY (cv_mls_tree_add_leaf (g->tree, &leaf, &index));
  g->own_leaf = index;
  TRY (cv_mls_tree_private_init (&g->priv, index, enc_priv.data, enc_priv.len));

  /* GroupContext of epoch 0, random init_secret, zero commit secret. */
  g->epoch = 0;
  TRY (cv_bytes_alloc (&g->confirmed_transcript_hash, 0));
  g->confirmed_transcript_hash.len = 0;
  TRY (cv_mls_tree_hash (g->tree, &g->tree_hash));
  TRY (cv_mls_group_context_of (g, 0, &g->tree_hash, &g->confirmed_transcript_hash,
                                &g->extensions, &g->group_context));
  TRY (cv_bytes_alloc (&init_secret, suite->hash_len));
  if (RAND_bytes (init_secret.data, (int) init_secret.len) != 1)
    {
      st = cv_fail (CV_ERR_CRYPTO, "no random bytes for init_secret");
      goto out;
    }
  TRY (cv_mls_key_schedule (suite, init_secret.data, init_secret.len, NULL, 0, NULL, 0,
                            g->group_context.data, g->group_context.len, &g->secrets));
  TRY (finish_epoch (g, true));
  *out = g;
  g = NULL;

out:
  cv_mls_leaf_node_clear (&leaf);
  cv_bytes_clear (&enc_priv);
  cv_bytes_clear (&init_secret);
  cv_mls_group_free (g);
  return st;
}

/* ---- Joining from a Welcome (§12.4.3.1) ---- */

static cv_status
tree_from (const cv_mls_suite *s, const cv_mls_extension_list *gi_ext, const uint8_t *tree_data,
           size_t tree_len, cv_mls_tree **out)
{
  const cv_mls_extension *e = cv_mls_extension_list_find (gi_ext, CV_MLS_EXT_RATCHET_TREE);

  if (e)
    return cv_mls_tree_decode (s, e->data.data, e->data.len, out);
  if (tree_data && tree_len)
    return cv_mls_tree_decode (s, tree_data, tree_len, out);
  return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.1: the GroupInfo has no ratchet_tree "
                  "extension and no tree was given out of band");
}

/* The checks a joiner makes on a GroupInfo and its tree. */
static cv_status
check_group_info (cv_mls_group *g, const cv_mls_group_info *gi, uint64_t now)
{
  const cv_mls_leaf_node *signer;
  cv_mls_tree_check check = { 0 };
  cv_status st;

  if (gi->context.cipher_suite != g->suite->id)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.1: the GroupInfo's cipher suite 0x%04x "
                    "is not the Welcome's 0x%04x", gi->context.cipher_suite, g->suite->id);
  signer = cv_mls_tree_leaf (g->tree, gi->signer);
  if (!signer)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.1: the GroupInfo signer %u is not a "
                    "member", gi->signer);
  st = cv_mls_group_info_verify (g->suite, gi, signer->signature_key.data,
                                 signer->signature_key.len);
  if (st != CV_OK)
    return cv_fail (st, "RFC 9420 §12.4.3.1: the GroupInfo signature does not verify");
  check.group_id = gi->context.group_id;
  check.group_id_len = gi->context.group_id_len;
  check.tree_hash = gi->context.tree_hash;
  check.tree_hash_len = gi->context.tree_hash_len;
  check.context_extensions = &gi->context_extensions;
  check.now = now;
  return cv_mls_tree_validate (g->tree, &check);
}

/* A group at the GroupInfo's epoch, tree decoded and validated. */
static cv_status
group_from_group_info (const cv_mls_suite *s, const cv_mls_group_info *gi,
                       const uint8_t *tree_data, size_t tree_len,
                       const cv_mls_group_config *config, cv_mls_group **out)
{
  cv_mls_group *g = cv_mls_group_alloc (s, config);
  cv_status st;

  *out = NULL;
  if (!g)
    return cv_fail (CV_ERR_NOMEM, "cannot allocate a group");
  TRY (tree_from (s, &gi->extensions, tree_data, tree_len, &g->tree));
  TRY (check_group_info (g, gi, cv_mls_group_now (config)));
  TRY (cv_bytes_set (&g->group_id, gi->context.group_id, gi->context.group_id_len));
  g->epoch = gi->context.epoch;
  TRY (cv_mls_group_set_extensions (g, &gi->context_extensions));
  TRY (cv_bytes_set (&g->tree_hash, gi->context.tree_hash, gi->context.tree_hash_len));
  TRY (cv_bytes_set (&g->confirmed_transcript_hash, gi->context.confirmed_transcript_hash,
                     gi->context.confirmed_transcript_hash_len));
  TRY (cv_bytes_copy (&g->group_context, &gi->group_context));
  TRY (cv_bytes_copy (&g->confirmation_tag, &gi->confirmation_tag));
  *out = g;
  return CV_OK;

out:
  cv_mls_group_free (g);
  return st;
}

cv_status
cv_mls_group_join (const cv_mls_key_package_bundle *bundle, const uint8_t *welcome,
                   size_t welcome_len, const uint8_t *ratchet_tree, size_t ratchet_tree_len,
                   const cv_mls_group_config *config, cv_mls_group **out)
{
  const cv_mls_key_package *kp = &bundle->key_package;
  const cv_mls_suite *s;
  cv_mls_welcome wel = { 0 };
  cv_mls_group_secrets gs = { 0 };
  cv_mls_group_info gi = { 0 };
  cv_mls_group *g = NULL, *psk_view = NULL;
  cv_bytes ref = CV_BYTES_INIT, psk_secret = CV_BYTES_INIT, welcome_secret = CV_BYTES_INIT;
  size_t index;
  uint32_t own;
  cv_status st;

  *out = NULL;
  TRY (cv_mls_suite_get (kp->cipher_suite, &s));
  TRY (cv_mls_welcome_parse_message (welcome, welcome_len, &wel));
  if (wel.cipher_suite != kp->cipher_suite)
    {
      st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.1: the Welcome's cipher suite 0x%04x is "
                    "not our KeyPackage's 0x%04x", wel.cipher_suite, kp->cipher_suite);
      goto out;
    }
  if (bundle->key_package_ref.len)
    TRY (cv_bytes_copy (&ref, &bundle->key_package_ref));
  else
    TRY (cv_mls_key_package_ref (s, kp, &ref));
  if ((st = cv_mls_welcome_find (&wel, ref.data, ref.len, &index)) != CV_OK)
    {
      st = cv_fail (st, "RFC 9420 §12.4.3.1: the Welcome has no entry for our KeyPackage");
      goto out;
    }
  TRY (cv_mls_welcome_decrypt_secrets (s, &wel, index, bundle->init_priv.data,
                                       bundle->init_priv.len, &gs));

  /* PSKs: only external ones can be known before joining. */
  if (!(psk_view = cv_mls_group_alloc (s, config)))
    {
      st = cv_fail (CV_ERR_NOMEM, "cannot allocate a group");
      goto out;
    }
  TRY (cv_mls_group_resolve_psks (psk_view, gs.psks, gs.n_psks, &psk_secret));
  TRY (cv_mls_welcome_secret (s, gs.joiner_secret.data, gs.joiner_secret.len,
                              psk_secret.data, psk_secret.len, &welcome_secret));
  TRY (cv_mls_welcome_decrypt_group_info (s, &wel, welcome_secret.data, welcome_secret.len, &gi));
  TRY (group_from_group_info (s, &gi, ratchet_tree, ratchet_tree_len, config, &g));

  /* Our leaf, and the keys the committer's path gave us. */
  if ((st = cv_mls_tree_find_leaf (g->tree, &kp->leaf_node, &own)) != CV_OK)
    goto out;
  g->own_leaf = own;
  TRY (cv_bytes_copy (&g->signature_priv, &bundle->signature_priv));
  TRY (cv_mls_tree_private_init (&g->priv, own, bundle->encryption_priv.data,
                                 bundle->encryption_priv.len));
  if (gs.has_path_secret)
    TRY (cv_mls_treekem_join (g->tree, &g->priv, gi.signer, gs.path_secret.data,
                              gs.path_secret.len));

  TRY (cv_mls_key_schedule_from_joiner (s, gs.joiner_secret.data, gs.joiner_secret.len,
                                        psk_secret.data, psk_secret.len,
                                        g->group_context.data, g->group_context.len,
                                        &g->secrets));
  st = cv_mls_confirmation_tag_verify (s, g->secrets.confirmation_key.data,
                                       g->secrets.confirmation_key.len,
                                       g->confirmed_transcript_hash.data,
                                       g->confirmed_transcript_hash.len,
                                       gi.confirmation_tag.data, gi.confirmation_tag.len);
  if (st != CV_OK)
    {
      st = cv_fail (st, "RFC 9420 §12.4.3.1: the GroupInfo's confirmation_tag does not verify");
      goto out;
    }
  TRY (finish_epoch (g, false));
  *out = g;
  g = NULL;

out:
  cv_mls_welcome_clear (&wel);
  cv_mls_group_secrets_clear (&gs);
  cv_mls_group_info_clear (&gi);
  cv_bytes_clear (&ref);
  cv_bytes_clear (&psk_secret);
  cv_bytes_clear (&welcome_secret);
  cv_mls_group_free (psk_view);
  cv_mls_group_free (g);
  return st;
}

cv_status
cv_mls_group_from_group_info_message (const uint8_t *data, size_t len, const uint8_t *tree,
                                      size_t tree_len, const cv_mls_group_config *config,
                                      cv_mls_group **out)
{
  cv_mls_group_info gi = { 0 };
  const cv_mls_suite *s;
  cv_status st;

  *out = NULL;
  TRY (cv_mls_group_info_parse_message (data, len, &gi));
  TRY (cv_mls_suite_get (gi.context.cipher_suite, &s));
  TRY (group_from_group_info (s, &gi, tree, tree_len, config, out));
  {
    const cv_mls_extension *e = cv_mls_extension_list_find (&gi.extensions,
                                                            CV_MLS_EXT_EXTERNAL_PUB);
    const uint8_t *key;
    size_t key_len;

    if (!e)
      {
        st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.2: the GroupInfo has no external_pub");
        goto out;
      }
    TRY (cv_mls_external_pub_parse (e->data.data, e->data.len, &key, &key_len));
    TRY (cv_bytes_set (&(*out)->external_pub, key, key_len));
    /* The interim transcript hash of the GroupInfo's epoch (§8.2). */
    TRY (cv_mls_interim_transcript_hash (s, gi.context.confirmed_transcript_hash,
                                         gi.context.confirmed_transcript_hash_len,
                                         gi.confirmation_tag.data, gi.confirmation_tag.len,
                                         &(*out)->interim_transcript_hash));
  }

out:
  if (st != CV_OK)
    {
      cv_mls_group_free (*out);
      *out = NULL;
    }
  cv_mls_group_info_clear (&gi);
  return st;
}

/* ---- State ---- */

const cv_mls_suite *
cv_mls_group_suite (const cv_mls_group *g)
{
  return g->suite;
}

uint64_t
cv_mls_group_epoch (const cv_mls_group *g)
{
  return g->epoch;
}

const cv_bytes *
cv_mls_group_id (const cv_mls_group *g)
{
  return &g->group_id;
}

uint32_t
cv_mls_group_own_leaf (const cv_mls_group *g)
{
  return g->own_leaf;
}

bool
cv_mls_group_is_active (const cv_mls_group *g)
{
  return g->active;
}

const cv_bytes *
cv_mls_group_epoch_authenticator (const cv_mls_group *g)
{
  return &g->secrets.epoch_authenticator;
}

const cv_mls_extension_list *
cv_mls_group_context_extensions (const cv_mls_group *g)
{
  return &g->extensions;
}

const cv_bytes *
cv_mls_group_context_bytes (const cv_mls_group *g)
{
  return &g->group_context;
}

cv_status
cv_mls_group_export (const cv_mls_group *g, const char *label, const uint8_t *context,
                     size_t context_len, uint16_t length, cv_bytes *out)
{
  if (!g->active)
    return cv_fail (CV_ERR_STATE, "we are no longer a member of this group");
  if (!label)
    return cv_fail (CV_ERR_ARGUMENT, "MLS-Exporter: no label");
  return cv_mls_exporter (g->suite, g->secrets.exporter_secret.data,
                          g->secrets.exporter_secret.len, (const uint8_t *) label,
                          strlen (label), context, context_len, length, out);
}

uint32_t
cv_mls_group_member_count (const cv_mls_group *g)
{
  return cv_mls_tree_member_count (g->tree);
}

cv_status
cv_mls_group_members (const cv_mls_group *g, cv_mls_member **out, size_t *n)
{
  uint32_t count = cv_mls_tree_member_count (g->tree), n_leaves = cv_mls_tree_n_leaves (g->tree);
  cv_mls_member *list = NULL;
  size_t k = 0;

  *out = NULL;
  *n = 0;
  if (count && !(list = calloc (count, sizeof *list)))
    return cv_fail (CV_ERR_NOMEM, "cannot list %u members", count);
  for (uint32_t i = 0; i < n_leaves && k < count; i++)
    {
      const cv_mls_leaf_node *leaf = cv_mls_tree_leaf (g->tree, i);

      if (!leaf)
        continue;
      list[k].leaf_index = i;
      list[k].credential = &leaf->credential;
      list[k].signature_key = &leaf->signature_key;
      list[k].encryption_key = &leaf->encryption_key;
      k++;
    }
  *out = list;
  *n = k;
  return CV_OK;
}

cv_status
cv_mls_group_ratchet_tree (const cv_mls_group *g, cv_bytes *out)
{
  return cv_mls_tree_encode (g->tree, out);
}

static cv_status
external_keys (cv_mls_group *g)
{
  if (g->external_pub.len)
    return CV_OK;
  return cv_mls_external_key_pair (g->suite, g->secrets.external_secret.data,
                                   g->secrets.external_secret.len, &g->external_priv,
                                   &g->external_pub);
}

cv_status
cv_mls_group_external_priv (cv_mls_group *g, const cv_bytes **priv)
{
  cv_status st = external_keys (g);

  *priv = &g->external_priv;
  return st;
}

cv_status
cv_mls_group_make_group_info (cv_mls_group *g, bool with_tree, bool with_external_pub,
                              cv_mls_group_info *gi)
{
  cv_bytes data = CV_BYTES_INIT;
  cv_status st;

  memset (gi, 0, sizeof *gi);
  TRY (cv_mls_group_info_set_context (gi, g->group_context.data, g->group_context.len));
  if (with_external_pub)
    {
      TRY (external_keys (g));
      TRY (cv_mls_external_pub_serialize (g->external_pub.data, g->external_pub.len, &data));
      TRY (cv_mls_extension_list_set (&gi->extensions, CV_MLS_EXT_EXTERNAL_PUB, data.data,
                                      data.len));
      cv_bytes_clear (&data);
    }
  if (with_tree)
    {
      TRY (cv_mls_tree_encode (g->tree, &data));
      TRY (cv_mls_extension_list_set (&gi->extensions, CV_MLS_EXT_RATCHET_TREE, data.data,
                                      data.len));
    }
  TRY (cv_bytes_copy (&gi->confirmation_tag, &g->confirmation_tag));
  gi->signer = g->own_leaf;
  TRY (cv_mls_group_info_sign (g->suite, gi, g->signature_priv.data, g->signature_priv.len));

out:
  cv_bytes_clear (&data);
  if (st != CV_OK)
    cv_mls_group_info_clear (gi);
  return st;
}

cv_status
cv_mls_group_group_info (const cv_mls_group *g, bool with_tree, cv_bytes *out)
{
  cv_mls_group_info gi;
  cv_status st;

  if (!g->active)
    return cv_fail (CV_ERR_STATE, "we are no longer a member of this group");
  /* Deriving the external key pair caches it: not a change of the epoch. */
  st = cv_mls_group_make_group_info ((cv_mls_group *) g, with_tree, true, &gi);
  if (st == CV_OK)
    st = cv_mls_group_info_serialize_message (&gi, out);
  cv_mls_group_info_clear (&gi);
  return st;
}

/* ---- Proposals ---- */

static uint16_t
handshake_wire_format (const cv_mls_group *g)
{
  return g->config.handshake_private ? CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE
                                     : CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE;
}

static cv_status
store_pending (cv_mls_group *g, const cv_mls_authenticated_content *ac, cv_mls_proposal *proposal,
               cv_bytes *update_priv)
{
  cv_mls_pending_proposal *bigger, *p;
  cv_status st;

  bigger = realloc (g->pending, (g->n_pending + 1) * sizeof *bigger);
  if (!bigger)
    return cv_fail (CV_ERR_NOMEM, "cannot keep a proposal");
  g->pending = bigger;
  p = &g->pending[g->n_pending];
  memset (p, 0, sizeof *p);
  st = cv_mls_make_proposal_ref (g->suite, ac->bytes.data, ac->bytes.len, &p->ref);
  if (st != CV_OK)
    return st;
  p->proposal = *proposal;
  memset (proposal, 0, sizeof *proposal);
  p->sender = ac->sender;
  if (update_priv)
    {
      p->update_priv = *update_priv;
      *update_priv = (cv_bytes) CV_BYTES_INIT;
    }
  g->n_pending++;
  return CV_OK;
}

static cv_status
send_proposal (cv_mls_group *g, cv_mls_proposal *proposal, cv_bytes *update_priv,
               cv_bytes *message)
{
  cv_mls_authenticated_content ac = { 0 };
  cv_mls_content content = { 0 };
  cv_bytes body = CV_BYTES_INIT;
  cv_status st;

  if (!g->active)
    return cv_fail (CV_ERR_STATE, "we are no longer a member of this group");
  TRY (cv_mls_group_check_proposal (g, proposal, &(cv_mls_sender) { CV_MLS_SENDER_TYPE_MEMBER,
                                                                    g->own_leaf }));
  TRY (cv_mls_proposal_serialize (proposal, &body));
  content.sender.type = CV_MLS_SENDER_TYPE_MEMBER;
  content.sender.index = g->own_leaf;
  content.content_type = CV_MLS_CONTENT_TYPE_PROPOSAL;
  content.content = body.data;
  content.content_len = body.len;
  TRY (cv_mls_group_sign_and_seal (g, handshake_wire_format (g), &content, &ac, message));
  if ((st = store_pending (g, &ac, proposal, update_priv)) != CV_OK)
    cv_bytes_clear (message);

out:
  cv_mls_authenticated_content_clear (&ac);
  cv_bytes_clear (&body);
  return st;
}

cv_status
cv_mls_group_propose_add (cv_mls_group *g, const uint8_t *key_package, size_t key_package_len,
                          cv_bytes *message)
{
  cv_mls_proposal p = { 0 };
  cv_status st;

  p.type = CV_MLS_PROPOSAL_ADD;
  st = cv_mls_key_package_parse_message (key_package, key_package_len, &p.add);
  if (st == CV_OK)
    st = send_proposal (g, &p, NULL, message);
  cv_mls_proposal_clear (&p);
  return st;
}

cv_status
cv_mls_group_propose_remove (cv_mls_group *g, uint32_t leaf_index, cv_bytes *message)
{
  cv_mls_proposal p = { 0 };
  cv_status st;

  p.type = CV_MLS_PROPOSAL_REMOVE;
  p.remove = leaf_index;
  st = send_proposal (g, &p, NULL, message);
  cv_mls_proposal_clear (&p);
  return st;
}

cv_status
cv_mls_group_propose_update (cv_mls_group *g, cv_bytes *message)
{
  const cv_mls_leaf_node *old = cv_mls_tree_leaf (g->tree, g->own_leaf);
  cv_mls_proposal p = { 0 };
  cv_bytes priv = CV_BYTES_INIT;
  cv_status st;

  if (!old)
    return cv_fail (CV_ERR_STATE, "our own leaf is blank");
  p.type = CV_MLS_PROPOSAL_UPDATE;
  TRY (cv_mls_leaf_node_copy (&p.update, old));
  cv_bytes_clear (&p.update.encryption_key);
  cv_bytes_clear (&p.update.parent_hash);
  TRY (cv_mls_hpke_key_pair (g->suite, &priv, &p.update.encryption_key));
  p.update.source = CV_MLS_LEAF_SOURCE_UPDATE;
  p.update.not_before = p.update.not_after = 0;
  TRY (cv_mls_leaf_node_sign (g->suite, &p.update, g->signature_priv.data, g->signature_priv.len,
                              g->group_id.data, g->group_id.len, g->own_leaf));
  st = send_proposal (g, &p, &priv, message);

out:
  cv_mls_proposal_clear (&p);
  cv_bytes_clear (&priv);
  return st;
}

cv_status
cv_mls_external_propose_remove (const cv_mls_suite *suite, const uint8_t *group_id,
                                size_t group_id_len, uint64_t epoch, uint32_t sender_index,
                                const uint8_t *signature_priv, size_t priv_len,
                                uint32_t removed_leaf, cv_bytes *message)
{
  cv_mls_framing_keys keys = { 0 };
  cv_mls_authenticated_content ac = { 0 };
  cv_mls_content content = { 0 };
  cv_mls_proposal p = { 0 };
  cv_bytes body = CV_BYTES_INIT;
  cv_status st;

  p.type = CV_MLS_PROPOSAL_REMOVE;
  p.remove = removed_leaf;
  TRY (cv_mls_proposal_serialize (&p, &body));
  keys.suite = suite;
  keys.group_id = group_id;
  keys.group_id_len = group_id_len;
  keys.epoch = epoch;
  content.sender.type = CV_MLS_SENDER_TYPE_EXTERNAL;
  content.sender.index = sender_index;
  content.content_type = CV_MLS_CONTENT_TYPE_PROPOSAL;
  content.content = body.data;
  content.content_len = body.len;
  TRY (cv_mls_framing_sign (&keys, CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE, &content, signature_priv,
                            priv_len, &ac));
  TRY (cv_mls_framing_seal (&keys, &ac, message));

out:
  cv_mls_authenticated_content_clear (&ac);
  cv_mls_proposal_clear (&p);
  cv_bytes_clear (&body);
  return st;
}

size_t
cv_mls_group_pending_proposals (const cv_mls_group *g, cv_mls_pending_info *out, size_t max)
{
  for (size_t i = 0; out && i < g->n_pending && i < max; i++)
    {
      out[i].type = g->pending[i].proposal.type;
      out[i].sender_type = g->pending[i].sender.type;
      out[i].sender_index = g->pending[i].sender.index;
      out[i].removed_leaf = g->pending[i].proposal.remove;
    }
  return g->n_pending;
}

/* ---- Receiving ---- */

void
cv_mls_received_clear (cv_mls_received *r)
{
  cv_bytes_clear (&r->authenticated_data);
  cv_bytes_clear (&r->application_data);
  cv_mls_staged_commit_free (r->staged);
  memset (r, 0, sizeof *r);
}

/* The signature key of a sender that framing cannot resolve itself. */
static cv_status
sender_key (const cv_mls_group *g, const cv_mls_authenticated_content *ac, const cv_bytes **key)
{
  switch (ac->sender.type)
    {
    case CV_MLS_SENDER_TYPE_MEMBER:
      {
        const cv_mls_leaf_node *leaf = ac->sender.index < cv_mls_tree_n_leaves (g->tree)
                                       ? cv_mls_tree_leaf (g->tree, ac->sender.index) : NULL;

        if (!leaf)
          return cv_fail (CV_ERR_INVALID, "RFC 9420 §6.1: sender leaf %u is not a member",
                          ac->sender.index);
        *key = &leaf->signature_key;
        return CV_OK;
      }
    case CV_MLS_SENDER_TYPE_EXTERNAL:
      if (ac->sender.index >= g->external_senders.count)
        return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.1.8.1: external sender %u is not in the "
                        "group's external_senders", ac->sender.index);
      if (ac->content_type != CV_MLS_CONTENT_TYPE_PROPOSAL)
        return cv_fail (CV_ERR_INVALID, "RFC 9420 §6: an external sender may send only "
                        "proposals");
      *key = &g->external_senders.items[ac->sender.index].signature_key;
      return CV_OK;
    case CV_MLS_SENDER_TYPE_NEW_MEMBER_PROPOSAL:
      return cv_fail (CV_ERR_INVALID, "policy (DESIGN.md): new_member_proposal senders are not "
                      "accepted; joiners are added by a member's commit");
    default:
      return cv_fail (CV_ERR_INVALID, "RFC 9420 §6: sender type %u here", ac->sender.type);
    }
}

/* ---- Past epochs (application messages in flight across a commit) ---- */

static void
past_epoch_clear (cv_mls_past_epoch *p)
{
  cv_bytes_clear (&p->group_context);
  cv_bytes_clear (&p->sender_data_secret);
  cv_mls_secret_tree_free (p->secret_tree);
  cv_mls_tree_free (p->tree);
  memset (p, 0, sizeof *p);
}

void
cv_mls_group_forget_past_epochs (cv_mls_group *g)
{
  for (size_t i = 0; i < g->n_past; i++)
    past_epoch_clear (&g->past[i]);
  g->n_past = 0;
}

void
cv_mls_group_keep_past_epoch (cv_mls_group *g, cv_mls_group *old)
{
  size_t keep = g->config.past_epochs < CV_MLS_GROUP_MAX_PAST_EPOCHS ? g->config.past_epochs
                                                                       : CV_MLS_GROUP_MAX_PAST_EPOCHS;
  cv_mls_past_epoch *p;

  cv_mls_group_forget_past_epochs (g);
  if (keep == 0 || old->secret_tree == NULL || old->tree == NULL)
    {
      cv_mls_group_forget_past_epochs (old);
      return;
    }
  p = &g->past[0];
  p->epoch = old->epoch;
  p->ended_at = cv_mls_group_now (&g->config);
  /* Stolen, not copied: the old epoch's keys exist once. */
  p->group_context = old->group_context;
  old->group_context = (cv_bytes) CV_BYTES_INIT;
  p->sender_data_secret = old->secrets.sender_data_secret;
  old->secrets.sender_data_secret = (cv_bytes) CV_BYTES_INIT;
  p->secret_tree = old->secret_tree;
  old->secret_tree = NULL;
  p->tree = old->tree;
  old->tree = NULL;
  g->n_past = 1;
  for (size_t i = 0; i < old->n_past; i++)
    {
      if (g->n_past < keep)
        {
          g->past[g->n_past++] = old->past[i];
          memset (&old->past[i], 0, sizeof old->past[i]);
        }
      else
        past_epoch_clear (&old->past[i]);
    }
  old->n_past = 0;
}

/* The past epoch kept for this epoch number, after dropping expired ones. */
static cv_mls_past_epoch *
past_epoch (cv_mls_group *g, uint64_t epoch)
{
  uint64_t now = cv_mls_group_now (&g->config);
  cv_mls_past_epoch *found = NULL;

  /* Most recent first: once one is expired, the older ones are too. */
  for (size_t i = 0; i < g->n_past; i++)
    if (g->config.past_epoch_seconds > 0 && now > g->past[i].ended_at + g->config.past_epoch_seconds)
      {
        for (size_t j = i; j < g->n_past; j++)
          past_epoch_clear (&g->past[j]);
        g->n_past = i;
        break;
      }
  for (size_t i = 0; i < g->n_past && !found; i++)
    if (g->past[i].epoch == epoch)
      found = &g->past[i];
  return found;
}

/* An application message of a past epoch: opened and verified with that
 * epoch's keys and its members' signature keys. */
static cv_status
process_past_application (cv_mls_group *g, cv_mls_past_epoch *p, const cv_mls_message *msg,
                          cv_mls_received *out)
{
  cv_mls_framing_keys keys = { 0 };
  cv_mls_authenticated_content ac = { 0 };
  const cv_mls_leaf_node *leaf;
  cv_status st;

  if (msg->content_type != CV_MLS_CONTENT_TYPE_APPLICATION)
    return cv_fail (CV_ERR_STATE, "policy: only application messages of a past epoch are accepted, "
                    "not a %s of epoch %llu", msg->content_type == CV_MLS_CONTENT_TYPE_COMMIT
                    ? "commit" : "proposal", (unsigned long long) msg->epoch);
  keys.suite = g->suite;
  keys.group_id = g->group_id.data;
  keys.group_id_len = g->group_id.len;
  keys.epoch = p->epoch;
  keys.group_context = p->group_context.data;
  keys.group_context_len = p->group_context.len;
  keys.sender_data_secret = p->sender_data_secret.data;
  keys.sender_data_secret_len = p->sender_data_secret.len;
  keys.secret_tree = p->secret_tree;
  keys.padding_block = g->config.padding_block;
  TRY (cv_mls_framing_open (&keys, msg, &ac));
  if (ac.content_type != CV_MLS_CONTENT_TYPE_APPLICATION || ac.sender.type != CV_MLS_SENDER_TYPE_MEMBER)
    {
      st = cv_fail (CV_ERR_INVALID, "RFC 9420 §6: application data from a member was expected");
      goto out;
    }
  if (ac.sender.index == g->own_leaf)
    {
      st = cv_fail (CV_ERR_STATE, "a message from our own leaf");
      goto out;
    }
  leaf = ac.sender.index < cv_mls_tree_n_leaves (p->tree) ? cv_mls_tree_leaf (p->tree, ac.sender.index) : NULL;
  if (!leaf)
    {
      st = cv_fail (CV_ERR_INVALID, "RFC 9420 §6.1: sender leaf %u was not a member in epoch %llu",
                    ac.sender.index, (unsigned long long) p->epoch);
      goto out;
    }
  TRY (cv_mls_framing_verify (&keys, &ac, leaf->signature_key.data, leaf->signature_key.len));
  out->type = CV_MLS_RECEIVED_APPLICATION;
  out->sender_type = ac.sender.type;
  out->sender_index = ac.sender.index;
  TRY (cv_bytes_set (&out->authenticated_data, ac.authenticated_data, ac.authenticated_data_len));
  st = cv_bytes_set (&out->application_data, ac.content, ac.content_len);

out:
  if (st != CV_OK)
    cv_mls_received_clear (out);
  cv_mls_authenticated_content_clear (&ac);
  return st;
}

cv_status
cv_mls_group_process (cv_mls_group *g, const uint8_t *message, size_t len, cv_mls_received *out)
{
  cv_mls_message msg;
  cv_mls_framing_keys keys;
  cv_mls_authenticated_content ac = { 0 };
  cv_mls_proposal proposal = { 0 };
  const cv_bytes *key = NULL;
  cv_status st;

  memset (out, 0, sizeof *out);
  if (!g->active)
    return cv_fail (CV_ERR_STATE, "we are no longer a member of this group");
  TRY (cv_mls_message_parse (message, len, &msg));
  if (msg.wire_format == CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE && msg.epoch < g->epoch && g->n_past > 0)
    {
      cv_mls_past_epoch *p = past_epoch (g, msg.epoch);

      if (p != NULL)
        return process_past_application (g, p, &msg, out);
    }
  cv_mls_group_framing_keys (g, &keys);
  TRY (cv_mls_framing_open (&keys, &msg, &ac));
  if (ac.content_type != CV_MLS_CONTENT_TYPE_APPLICATION
      && ac.sender.type == CV_MLS_SENDER_TYPE_MEMBER
      && ac.wire_format != handshake_wire_format (g))
    {
      st = cv_fail (CV_ERR_INVALID, "policy: this group's handshake messages are %s",
                    g->config.handshake_private ? "PrivateMessage" : "PublicMessage");
      goto out;
    }
  if (ac.sender.type == CV_MLS_SENDER_TYPE_MEMBER && ac.sender.index == g->own_leaf)
    {
      st = cv_fail (CV_ERR_STATE, "a message from our own leaf: our proposals are pending "
                    "already and our commits are merged from their staged state");
      goto out;
    }
  out->sender_type = ac.sender.type;
  out->sender_index = ac.sender.index;
  TRY (cv_bytes_set (&out->authenticated_data, ac.authenticated_data,
                     ac.authenticated_data_len));

  if (ac.content_type == CV_MLS_CONTENT_TYPE_COMMIT)
    {
      out->type = CV_MLS_RECEIVED_COMMIT;
      st = cv_mls_group_stage_commit (g, &ac, &out->staged);
      goto out;
    }
  TRY (sender_key (g, &ac, &key));
  TRY (cv_mls_framing_verify (&keys, &ac, key->data, key->len));
  if (ac.content_type == CV_MLS_CONTENT_TYPE_APPLICATION)
    {
      out->type = CV_MLS_RECEIVED_APPLICATION;
      st = cv_bytes_set (&out->application_data, ac.content, ac.content_len);
      goto out;
    }

  out->type = CV_MLS_RECEIVED_PROPOSAL;
  TRY (cv_mls_proposal_parse (ac.content, ac.content_len, &proposal));
  out->proposal_type = proposal.type;
  TRY (cv_mls_group_check_proposal (g, &proposal, &ac.sender));
  st = store_pending (g, &ac, &proposal, NULL);

out:
  if (st != CV_OK)
    cv_mls_received_clear (out);
  cv_mls_proposal_clear (&proposal);
  cv_mls_authenticated_content_clear (&ac);
  return st;
}

cv_status
cv_mls_group_protect (cv_mls_group *g, const uint8_t *authenticated_data, size_t ad_len,
                      const uint8_t *data, size_t len, cv_bytes *message)
{
  cv_mls_authenticated_content ac = { 0 };
  cv_mls_content content = { 0 };
  cv_status st;

  if (!g->active)
    return cv_fail (CV_ERR_STATE, "we are no longer a member of this group");
  content.sender.type = CV_MLS_SENDER_TYPE_MEMBER;
  content.sender.index = g->own_leaf;
  content.authenticated_data = authenticated_data;
  content.authenticated_data_len = ad_len;
  content.content_type = CV_MLS_CONTENT_TYPE_APPLICATION;
  content.content = data;
  content.content_len = len;
  st = cv_mls_group_sign_and_seal (g, CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE, &content, &ac, message);
  cv_mls_authenticated_content_clear (&ac);
  return st;
}

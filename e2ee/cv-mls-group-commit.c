/* cv-mls-group-commit.c: proposal validation (RFC 9420 §12.1, §12.2),
 * creating and processing commits (§12.4.1, §12.4.2), external commits
 * (§12.4.3.2), staged commits and merging.
 *
 * Both sides build the next epoch in a separate cv_mls_group (the tree is a
 * cheap copy that shares node contents), so a failure at any step leaves the
 * current epoch untouched. */
#include "cv-mls-group-private.h"

#include <stdlib.h>
#include <string.h>

#define TRY(expr) do { if ((st = (expr)) != CV_OK) goto out; } while (0)

/* ---- What the group's members support (§7.2, §11.1) ---- */

#define MAX_TYPES 32

typedef struct {
  bool ready;
  uint16_t used[MAX_TYPES];       /* credential types in use */
  size_t n_used;
  uint16_t supported[MAX_TYPES];  /* credential types every member supports */
  size_t n_supported;
} group_caps;

static void
caps_compute (const cv_mls_tree *tree, group_caps *c)
{
  uint32_t n = cv_mls_tree_n_leaves (tree);
  bool first = true;

  memset (c, 0, sizeof *c);
  c->ready = true;
  for (uint32_t i = 0; i < n; i++)
    {
      const cv_mls_leaf_node *l = cv_mls_tree_leaf (tree, i);
      size_t k = 0;

      if (!l)
        continue;
      bool seen = false;
      for (size_t j = 0; j < c->n_used; j++)
        seen |= c->used[j] == l->credential.type;
      if (!seen && c->n_used < MAX_TYPES)
        c->used[c->n_used++] = l->credential.type;
      if (first)
        {
          for (size_t j = 0; j < l->capabilities.credentials.count && k < MAX_TYPES; j++)
            c->supported[k++] = l->capabilities.credentials.items[j];
          c->n_supported = k;
          first = false;
          continue;
        }
      for (size_t j = 0; j < c->n_supported; j++)
        if (cv_mls_u16_list_has (&l->capabilities.credentials, c->supported[j]))
          c->supported[k++] = c->supported[j];
      c->n_supported = k;
    }
}

/* The checks of §7.3 and §12.1.1 that relate a (new) leaf to the group. */
static cv_status
check_leaf_against_group (const cv_mls_group *g, const cv_mls_extension_list *ext,
                          const cv_mls_leaf_node *leaf, group_caps *caps)
{
  const cv_mls_extension *rc_ext = cv_mls_extension_list_find (ext,
                                                               CV_MLS_EXT_REQUIRED_CAPABILITIES);
  cv_status st = CV_OK;

  if (rc_ext)
    {
      cv_mls_required_capabilities rc = { 0 };

      if ((st = cv_mls_required_capabilities_parse (rc_ext->data.data, rc_ext->data.len, &rc))
          != CV_OK)
        return st;
      for (size_t i = 0; st == CV_OK && i < rc.extension_types.count; i++)
        if (!cv_mls_extension_type_is_default (rc.extension_types.items[i])
            && !cv_mls_u16_list_has (&leaf->capabilities.extensions, rc.extension_types.items[i]))
          st = cv_fail (CV_ERR_INVALID, "RFC 9420 §11.1: a LeafNode lacks required extension "
                        "type 0x%04x", rc.extension_types.items[i]);
      for (size_t i = 0; st == CV_OK && i < rc.proposal_types.count; i++)
        if (!cv_mls_proposal_type_is_default (rc.proposal_types.items[i])
            && !cv_mls_u16_list_has (&leaf->capabilities.proposals, rc.proposal_types.items[i]))
          st = cv_fail (CV_ERR_INVALID, "RFC 9420 §11.1: a LeafNode lacks required proposal "
                        "type 0x%04x", rc.proposal_types.items[i]);
      for (size_t i = 0; st == CV_OK && i < rc.credential_types.count; i++)
        if (!cv_mls_u16_list_has (&leaf->capabilities.credentials, rc.credential_types.items[i]))
          st = cv_fail (CV_ERR_INVALID, "RFC 9420 §11.1: a LeafNode lacks required credential "
                        "type 0x%04x", rc.credential_types.items[i]);
      cv_mls_required_capabilities_clear (&rc);
      if (st != CV_OK)
        return st;
    }
  for (size_t i = 0; i < ext->count; i++)
    if (!cv_mls_extension_type_is_default (ext->items[i].type)
        && !cv_mls_u16_list_has (&leaf->capabilities.extensions, ext->items[i].type))
      return cv_fail (CV_ERR_INVALID, "RFC 9420 §7.3: a LeafNode does not support the group's "
                      "extension type 0x%04x", ext->items[i].type);
  if (!caps->ready)
    caps_compute (g->tree, caps);
  bool supported = false;
  for (size_t i = 0; i < caps->n_supported; i++)
    supported |= caps->supported[i] == leaf->credential.type;
  if (!supported && caps->n_used)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §7.3: credential type 0x%04x is not supported by "
                    "every member", leaf->credential.type);
  for (size_t i = 0; i < caps->n_used; i++)
    if (!cv_mls_u16_list_has (&leaf->capabilities.credentials, caps->used[i]))
      return cv_fail (CV_ERR_INVALID, "RFC 9420 §7.3: a LeafNode does not support credential "
                      "type 0x%04x, which a member uses", caps->used[i]);
  return CV_OK;
}

/* ---- Keys already in the tree (§7.3 uniqueness), sorted once per commit ---- */

typedef struct {
  const cv_bytes *key;
  uint32_t leaf;          /* UINT32_MAX for a parent node */
} key_ref;

typedef struct {
  bool ready;
  key_ref *sig;
  size_t n_sig;
  key_ref *enc;
  size_t n_enc;
} key_index;

static int
key_ref_cmp (const void *a, const void *b)
{
  const cv_bytes *x = ((const key_ref *) a)->key, *y = ((const key_ref *) b)->key;

  if (x->len != y->len)
    return x->len < y->len ? -1 : 1;
  return memcmp (x->data, y->data, x->len);
}

static void
key_index_clear (key_index *ki)
{
  free (ki->sig);
  free (ki->enc);
  memset (ki, 0, sizeof *ki);
}

static cv_status
key_index_build (const cv_mls_tree *t, key_index *ki)
{
  uint32_t n_nodes = cv_mls_tree_n_nodes (t);

  memset (ki, 0, sizeof *ki);
  ki->sig = calloc (n_nodes / 2 + 1, sizeof *ki->sig);
  ki->enc = calloc (n_nodes + 1, sizeof *ki->enc);
  if (!ki->sig || !ki->enc)
    {
      key_index_clear (ki);
      return cv_fail (CV_ERR_NOMEM, "cannot index the tree's keys");
    }
  for (uint32_t x = 0; x < n_nodes; x++)
    {
      const cv_bytes *k = cv_mls_tree_node_encryption_key (t, x);
      bool leaf = cv_mls_node_is_leaf (x);

      if (!k)
        continue;
      ki->enc[ki->n_enc++] = (key_ref) { k, leaf ? x / 2 : UINT32_MAX };
      if (leaf)
        ki->sig[ki->n_sig++] = (key_ref) { &cv_mls_tree_leaf (t, x / 2)->signature_key, x / 2 };
    }
  qsort (ki->sig, ki->n_sig, sizeof *ki->sig, key_ref_cmp);
  qsort (ki->enc, ki->n_enc, sizeof *ki->enc, key_ref_cmp);
  ki->ready = true;
  return CV_OK;
}

/* The leaf (or UINT32_MAX for a parent) holding key, or false. */
static bool
key_index_find (const key_ref *refs, size_t n, const cv_bytes *key, uint32_t *leaf)
{
  key_ref want = { key, 0 };
  const key_ref *hit = bsearch (&want, refs, n, sizeof *refs, key_ref_cmp);

  if (hit)
    *leaf = hit->leaf;
  return hit != NULL;
}

/* One key against the tree: a linear scan, cheaper than sorting the whole
 * tree when only a few keys are checked (Update, a commit's leaf). */
static bool
tree_has_signature_key (const cv_mls_tree *t, const cv_bytes *key, uint32_t *leaf)
{
  uint32_t n = cv_mls_tree_n_leaves (t);

  for (uint32_t i = 0; i < n; i++)
    {
      const cv_mls_leaf_node *l = cv_mls_tree_leaf (t, i);

      if (l && l->signature_key.len == key->len
          && memcmp (l->signature_key.data, key->data, key->len) == 0)
        {
          *leaf = i;
          return true;
        }
    }
  return false;
}

static bool
tree_has_encryption_key (const cv_mls_tree *t, const cv_bytes *key)
{
  uint32_t n = cv_mls_tree_n_nodes (t);

  for (uint32_t x = 0; x < n; x++)
    {
      const cv_bytes *k = cv_mls_tree_node_encryption_key (t, x);

      if (k && k->len == key->len && memcmp (k->data, key->data, key->len) == 0)
        return true;
    }
  return false;
}

/* Below this many Adds in one commit, keys are checked by linear scans. */
#define KEY_INDEX_MIN_ADDS 8

/* ---- One proposal (§12.1) ---- */

typedef struct {
  group_caps caps;
  key_index keys;
} check_ctx;

static cv_status
check_proposal_ctx (cv_mls_group *g, const cv_mls_proposal *p, const cv_mls_sender *sender,
                    check_ctx *ctx)
{
  const uint8_t stype = sender->type;
  uint64_t now = cv_mls_group_now (&g->config);
  uint32_t where;
  cv_status st;

  /* Who may propose what (§12.1, §12.2), and our zero-trust policy for the
   * meeting service (DESIGN.md): from an external sender, Remove only. */
  if (stype == CV_MLS_SENDER_TYPE_EXTERNAL && p->type != CV_MLS_PROPOSAL_REMOVE)
    return cv_fail (CV_ERR_INVALID, "policy (DESIGN.md): an external sender may propose only "
                    "Remove, not proposal type 0x%04x", p->type);
  if (stype == CV_MLS_SENDER_TYPE_MEMBER && p->type == CV_MLS_PROPOSAL_EXTERNAL_INIT)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.2: a member may not send ExternalInit");
  if (stype == CV_MLS_SENDER_TYPE_NEW_MEMBER_COMMIT
      && p->type != CV_MLS_PROPOSAL_EXTERNAL_INIT && p->type != CV_MLS_PROPOSAL_REMOVE
      && p->type != CV_MLS_PROPOSAL_PSK)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.2: an external commit may carry only "
                    "ExternalInit, Remove and PreSharedKey, not type 0x%04x", p->type);

  switch (p->type)
    {
    case CV_MLS_PROPOSAL_ADD:
      if ((st = cv_mls_key_package_verify (g->suite, &p->add, now)) != CV_OK)
        return cv_fail (st, "RFC 9420 §12.1.1: Add: %s", cv_status_message ());
      if ((st = check_leaf_against_group (g, &g->extensions, &p->add.leaf_node, &ctx->caps))
          != CV_OK)
        return cv_fail (st, "RFC 9420 §12.1.1: Add: %s", cv_status_message ());
      return CV_OK;

    case CV_MLS_PROPOSAL_UPDATE:
      {
        const cv_mls_leaf_node *old;

        if (stype != CV_MLS_SENDER_TYPE_MEMBER)
          return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.1.2: Update from a non-member");
        old = cv_mls_tree_leaf (g->tree, sender->index);
        if (!old)
          return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.1.2: Update for blank leaf %u",
                          sender->index);
        if ((st = cv_mls_leaf_node_check (&p->update, CV_MLS_LEAF_SOURCE_UPDATE, 0))
            != CV_OK)
          return cv_fail (st, "RFC 9420 §12.1.2: Update: %s", cv_status_message ());
        if ((st = check_leaf_against_group (g, &g->extensions, &p->update, &ctx->caps)) != CV_OK)
          return cv_fail (st, "RFC 9420 §12.1.2: Update: %s", cv_status_message ());
        if ((st = cv_mls_leaf_node_verify (g->suite, &p->update, g->group_id.data,
                                           g->group_id.len, sender->index)) != CV_OK)
          return cv_fail (st, "RFC 9420 §12.1.2: the Update LeafNode signature of leaf %u does "
                          "not verify", sender->index);
        if (tree_has_encryption_key (g->tree, &p->update.encryption_key))
          return cv_fail (CV_ERR_INVALID, "RFC 9420 §7.3: the Update's encryption_key is "
                          "already in the tree");
        if (tree_has_signature_key (g->tree, &p->update.signature_key, &where)
            && where != sender->index)
          return cv_fail (CV_ERR_INVALID, "RFC 9420 §7.3: the Update's signature_key is leaf "
                          "%u's", where);
        return CV_OK;
      }

    case CV_MLS_PROPOSAL_REMOVE:
      if (p->remove >= cv_mls_tree_n_leaves (g->tree) || !cv_mls_tree_leaf (g->tree, p->remove))
        return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.1.3: Remove of leaf %u, which is blank",
                        p->remove);
      return CV_OK;

    case CV_MLS_PROPOSAL_PSK:
      if (p->psk.psk_nonce.len != g->suite->hash_len)
        return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.1.4: psk_nonce of %zu bytes, not KDF.Nh",
                        p->psk.psk_nonce.len);
      if (p->psk.psk_type == CV_MLS_PSK_RESUMPTION
          && p->psk.usage != CV_MLS_RESUMPTION_APPLICATION)
        return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.1.4: a PreSharedKey proposal's "
                        "resumption usage must be application");
      return CV_OK;

    case CV_MLS_PROPOSAL_REINIT:
      return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9420 §12.1.5: ReInit is not supported");

    case CV_MLS_PROPOSAL_EXTERNAL_INIT:
      return CV_OK;

    case CV_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
      {
        cv_mls_external_senders es = { 0 };
        const cv_mls_extension *e = cv_mls_extension_list_find (&p->extensions,
                                                                CV_MLS_EXT_EXTERNAL_SENDERS);

        if (e && (st = cv_mls_external_senders_parse (e->data.data, e->data.len, &es)) != CV_OK)
          return cv_fail (st, "RFC 9420 §12.1.7: external_senders: %s", cv_status_message ());
        cv_mls_external_senders_clear (&es);
        return CV_OK;
      }

    default:
      return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9420 §12.1: proposal type 0x%04x", p->type);
    }
}

cv_status
cv_mls_group_check_proposal (cv_mls_group *g, const cv_mls_proposal *p,
                             const cv_mls_sender *sender)
{
  check_ctx ctx = { 0 };
  cv_status st = check_proposal_ctx (g, p, sender, &ctx);

  key_index_clear (&ctx.keys);
  return st;
}

/* ---- The proposal list of a commit (§12.2) and applying it (§12.3) ---- */

typedef struct {
  const cv_mls_proposal *p;
  cv_mls_sender sender;
  const cv_bytes *ref;                /* by reference; NULL by value */
  const cv_bytes *update_priv;        /* our own Update */
} item;

typedef struct {
  uint32_t *added, *removed, *updated;
  size_t n_added, n_removed, n_updated;
  const cv_mls_extension_list *new_extensions;
  const cv_mls_proposal *external_init;
  cv_mls_pre_shared_key_id *psks;     /* borrowed copies of the proposals' ids */
  size_t n_psks;
  bool path_required;
  bool removes_self;
} plan;

static void
plan_clear (plan *pl)
{
  free (pl->added);
  free (pl->removed);
  free (pl->updated);
  free (pl->psks);
  memset (pl, 0, sizeof *pl);
}

static bool
psk_id_equal (const cv_mls_pre_shared_key_id *a, const cv_mls_pre_shared_key_id *b)
{
  if (a->psk_type != b->psk_type)
    return false;
  if (a->psk_type == CV_MLS_PSK_EXTERNAL)
    return cv_bytes_eq (&a->psk_id, &b->psk_id);
  return a->usage == b->usage && a->psk_epoch == b->psk_epoch
         && cv_bytes_eq (&a->psk_group_id, &b->psk_group_id);
}

static int
bytes_ptr_cmp (const void *a, const void *b)
{
  const cv_bytes *x = *(const cv_bytes *const *) a, *y = *(const cv_bytes *const *) b;

  if (x->len != y->len)
    return x->len < y->len ? -1 : 1;
  return memcmp (x->data, y->data, x->len);
}

static int
u32_cmp (const void *a, const void *b)
{
  uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

  return x < y ? -1 : x > y;
}

/* Validates the whole list for a commit by `committer` (its leaf in
 * committer_leaf for a member; UINT32_MAX for an external joiner). */
static cv_status
validate_list (cv_mls_group *g, const item *items, size_t n, const cv_mls_sender *committer,
               check_ctx *ctx, plan *pl)
{
  const bool external = committer->type == CV_MLS_SENDER_TYPE_NEW_MEMBER_COMMIT;
  uint32_t *touched = NULL;  /* leaves updated or removed, sorted later */
  size_t n_touched = 0, n_ext_init = 0, n_gce = 0;
  const cv_bytes **add_sigs = NULL;
  size_t n_adds = 0;
  cv_status st = CV_OK;

  memset (pl, 0, sizeof *pl);
  pl->added = calloc (n + 1, sizeof *pl->added);
  pl->removed = calloc (n + 1, sizeof *pl->removed);
  pl->updated = calloc (n + 2, sizeof *pl->updated);
  pl->psks = calloc (n + 1, sizeof *pl->psks);
  touched = calloc (n + 1, sizeof *touched);
  add_sigs = calloc (n + 1, sizeof *add_sigs);
  if (!pl->added || !pl->removed || !pl->updated || !pl->psks || !touched || !add_sigs)
    {
      st = cv_fail (CV_ERR_NOMEM, "cannot validate %zu proposals", n);
      goto out;
    }
  pl->path_required = n == 0 || external;

  for (size_t i = 0; i < n; i++)
    {
      const cv_mls_proposal *p = items[i].p;

      if (external && items[i].ref)
        {
          st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.2: an external commit may not "
                        "include proposals by reference");
          goto out;
        }
      if ((st = check_proposal_ctx (g, p, &items[i].sender, ctx)) != CV_OK)
        goto out;
      switch (p->type)
        {
        case CV_MLS_PROPOSAL_ADD:
          add_sigs[n_adds++] = &p->add.leaf_node.signature_key;
          break;
        case CV_MLS_PROPOSAL_UPDATE:
          if (committer->type == CV_MLS_SENDER_TYPE_MEMBER
              && items[i].sender.index == committer->index)
            {
              st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.2: the commit contains an Update "
                            "proposal generated by the committer");
              goto out;
            }
          touched[n_touched++] = items[i].sender.index;
          pl->updated[pl->n_updated++] = items[i].sender.index;
          pl->path_required = true;
          break;
        case CV_MLS_PROPOSAL_REMOVE:
          if (committer->type == CV_MLS_SENDER_TYPE_MEMBER && p->remove == committer->index)
            {
              st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.2: the commit contains a Remove "
                            "proposal that removes the committer");
              goto out;
            }
          touched[n_touched++] = p->remove;
          pl->removed[pl->n_removed++] = p->remove;
          if (p->remove == g->own_leaf && g->active && !external)
            pl->removes_self = true;
          pl->path_required = true;
          break;
        case CV_MLS_PROPOSAL_PSK:
          for (size_t j = 0; j < pl->n_psks; j++)
            if (psk_id_equal (&pl->psks[j], &p->psk))
              {
                st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.2: two PreSharedKey proposals "
                              "reference the same PreSharedKeyID");
                goto out;
              }
          pl->psks[pl->n_psks++] = p->psk;  /* a shallow view */
          break;
        case CV_MLS_PROPOSAL_EXTERNAL_INIT:
          if (!external)
            {
              st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.2: ExternalInit in a member's commit");
              goto out;
            }
          n_ext_init++;
          pl->external_init = p;
          pl->path_required = true;
          break;
        case CV_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
          if (++n_gce > 1)
            {
              st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.2: more than one "
                            "GroupContextExtensions proposal");
              goto out;
            }
          pl->new_extensions = &p->extensions;
          pl->path_required = true;
          break;
        default:
          break;
        }
    }
  if (external && n_ext_init != 1)
    {
      st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.2: an external commit must contain exactly "
                    "one ExternalInit, it has %zu", n_ext_init);
      goto out;
    }
  if (external && pl->n_removed > 1)
    {
      st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.2: an external commit may remove at "
                    "most one (old) leaf of the joiner");
      goto out;
    }

  /* One Update or Remove per leaf. */
  qsort (touched, n_touched, sizeof *touched, u32_cmp);
  for (size_t i = 1; i < n_touched; i++)
    if (touched[i] == touched[i - 1])
      {
        st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.2: several Update and/or Remove proposals "
                      "apply to leaf %u", touched[i]);
        goto out;
      }

  /* Adds: not twice the same client, not a client already in the group
   * unless it is removed by this commit; keys unique (§7.3). */
  if (n_adds)
    {
      const bool indexed = n_adds >= KEY_INDEX_MIN_ADDS;

      if (indexed && !ctx->keys.ready && (st = key_index_build (g->tree, &ctx->keys)) != CV_OK)
        goto out;
      /* Sorted, a client added twice shows up as neighbours. */
      qsort (add_sigs, n_adds, sizeof *add_sigs, bytes_ptr_cmp);
      for (size_t i = 1; i < n_adds; i++)
        if (bytes_ptr_cmp (&add_sigs[i - 1], &add_sigs[i]) == 0)
          {
            st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.2: two Add proposals for the same "
                          "client (signature key)");
            goto out;
          }
      for (size_t i = 0; i < n; i++)
        {
          const cv_mls_key_package *kp = &items[i].p->add;
          uint32_t where;

          if (items[i].p->type != CV_MLS_PROPOSAL_ADD)
            continue;
          if ((indexed ? key_index_find (ctx->keys.sig, ctx->keys.n_sig,
                                         &kp->leaf_node.signature_key, &where)
                       : tree_has_signature_key (g->tree, &kp->leaf_node.signature_key, &where))
              && !bsearch (&where, touched, n_touched, sizeof *touched, u32_cmp))
            {
              st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.2: an Add proposal for a client "
                            "already in the group (leaf %u)", where);
              goto out;
            }
          if (indexed ? key_index_find (ctx->keys.enc, ctx->keys.n_enc,
                                        &kp->leaf_node.encryption_key, &where)
                      : tree_has_encryption_key (g->tree, &kp->leaf_node.encryption_key))
            {
              st = cv_fail (CV_ERR_INVALID, "RFC 9420 §7.3: an Add's encryption_key is already "
                            "in the tree");
              goto out;
            }
        }
    }

out:
  free (touched);
  free (add_sigs);
  if (st != CV_OK)
    plan_clear (pl);
  return st;
}

/* Applies the list to next (§12.3): GroupContextExtensions, Updates,
 * Removes, then Adds in order. */
static cv_status
apply_list (cv_mls_group *next, const item *items, size_t n, plan *pl)
{
  cv_status st;

  if (pl->new_extensions && (st = cv_mls_group_set_extensions (next, pl->new_extensions)) != CV_OK)
    return st;
  for (size_t i = 0; i < n; i++)
    if (items[i].p->type == CV_MLS_PROPOSAL_UPDATE)
      {
        uint32_t leaf = items[i].sender.index;

        if ((st = cv_mls_tree_update_leaf (next->tree, leaf, &items[i].p->update)) != CV_OK)
          return st;
        if (leaf == next->own_leaf && items[i].update_priv)
          {
            st = cv_mls_tree_private_set (&next->priv, cv_mls_leaf_to_node (leaf),
                                          items[i].update_priv->data, items[i].update_priv->len);
            if (st != CV_OK)
              return st;
          }
      }
  for (size_t i = 0; i < n; i++)
    if (items[i].p->type == CV_MLS_PROPOSAL_REMOVE
        && (st = cv_mls_tree_remove_leaf (next->tree, items[i].p->remove)) != CV_OK)
      return st;
  for (size_t i = 0; i < n; i++)
    if (items[i].p->type == CV_MLS_PROPOSAL_ADD)
      {
        uint32_t leaf;

        if ((st = cv_mls_tree_add_leaf (next->tree, &items[i].p->add.leaf_node, &leaf)) != CV_OK)
          return st;
        pl->added[pl->n_added++] = leaf;
      }
  /* A new GroupContextExtensions must suit every member of the new epoch. */
  if (pl->new_extensions)
    {
      group_caps caps = { 0 };
      uint32_t nl = cv_mls_tree_n_leaves (next->tree);

      for (uint32_t i = 0; i < nl; i++)
        {
          const cv_mls_leaf_node *l = cv_mls_tree_leaf (next->tree, i);

          if (l && (st = check_leaf_against_group (next, &next->extensions, l, &caps)) != CV_OK)
            return cv_fail (st, "RFC 9420 §12.1.7: GroupContextExtensions: leaf %u: %s", i,
                            cv_status_message ());
        }
    }
  cv_mls_tree_private_prune (&next->priv, next->tree);
  return CV_OK;
}

/* ---- Next epoch ---- */

/* A copy of g's membership state to build the next epoch in: group id,
 * extensions, tree, our keys and resumption PSKs; no epoch secrets. */
static cv_status
next_from (const cv_mls_group *g, cv_mls_group **out)
{
  cv_mls_group *n = cv_mls_group_alloc (g->suite, &g->config);
  cv_status st;

  *out = NULL;
  if (!n)
    return cv_fail (CV_ERR_NOMEM, "cannot allocate a group");
  n->epoch = g->epoch;
  n->own_leaf = g->own_leaf;
  n->active = g->active;
  TRY (cv_bytes_copy (&n->group_id, &g->group_id));
  TRY (cv_bytes_copy (&n->signature_priv, &g->signature_priv));
  TRY (cv_mls_group_set_extensions (n, &g->extensions));
  TRY (cv_mls_tree_copy (g->tree, &n->tree));
  TRY (cv_mls_tree_private_copy (&n->priv, &g->priv));
  for (size_t i = 0; i < g->n_resumption; i++)
    {
      n->resumption[i].epoch = g->resumption[i].epoch;
      TRY (cv_bytes_copy (&n->resumption[i].psk, &g->resumption[i].psk));
      n->n_resumption = i + 1;
    }
  *out = n;
  return CV_OK;

out:
  cv_mls_group_free (n);
  return st;
}

typedef struct {
  const cv_mls_group *g;
  cv_mls_group *next;
} ctx_args;

/* The provisional GroupContext (§12.4.1): the next epoch, the tree with
 * the path, the old confirmed transcript hash, the new extensions. */
static cv_status
provisional_context (void *user_data, cv_bytes *out)
{
  ctx_args *a = user_data;
  cv_bytes th = CV_BYTES_INIT;
  cv_status st = cv_mls_tree_hash (a->next->tree, &th);

  if (st == CV_OK)
    st = cv_mls_group_context_of (a->next, a->g->epoch + 1, &th,
                                  &a->g->confirmed_transcript_hash, &a->next->extensions, out);
  cv_bytes_clear (&th);
  return st;
}

/* The new epoch's GroupContext, key schedule and confirmation tag, from
 * the commit's AuthenticatedContent (ac's signature set). */
static cv_status
advance_epoch (const cv_mls_group *g, cv_mls_group *next, const cv_mls_authenticated_content *ac,
               const cv_bytes *init_secret, const cv_bytes *commit_secret,
               const cv_bytes *psk_secret)
{
  cv_status st;

  cv_bytes_clear (&next->confirmed_transcript_hash);
  cv_bytes_clear (&next->tree_hash);
  cv_bytes_clear (&next->group_context);
  TRY (cv_mls_confirmed_transcript_hash (g->suite, g->interim_transcript_hash.data,
                                         g->interim_transcript_hash.len, ac->bytes.data,
                                         ac->transcript_input_len,
                                         &next->confirmed_transcript_hash));
  next->epoch = g->epoch + 1;
  TRY (cv_mls_tree_hash (next->tree, &next->tree_hash));
  TRY (cv_mls_group_context_of (next, next->epoch, &next->tree_hash,
                                &next->confirmed_transcript_hash, &next->extensions,
                                &next->group_context));
  cv_mls_epoch_secrets_clear (&next->secrets);
  TRY (cv_mls_key_schedule (g->suite, init_secret->data, init_secret->len,
                            commit_secret ? commit_secret->data : NULL,
                            commit_secret ? commit_secret->len : 0,
                            psk_secret->data, psk_secret->len,
                            next->group_context.data, next->group_context.len, &next->secrets));
out:
  return st;
}

static cv_status
finish_next (cv_mls_group *next)
{
  cv_status st;

  cv_bytes_clear (&next->interim_transcript_hash);
  st = cv_mls_interim_transcript_hash (next->suite, next->confirmed_transcript_hash.data,
                                       next->confirmed_transcript_hash.len,
                                       next->confirmation_tag.data, next->confirmation_tag.len,
                                       &next->interim_transcript_hash);
  if (st == CV_OK)
    st = cv_mls_group_start_epoch (next);
  return st;
}

static cv_status
staged_new (const cv_mls_group *g, cv_mls_group *next, plan *pl, const cv_mls_sender *sender,
            uint32_t committer_leaf, bool has_path, cv_mls_staged_commit **out)
{
  cv_mls_staged_commit *sc = calloc (1, sizeof *sc);

  if (!sc)
    return cv_fail (CV_ERR_NOMEM, "cannot allocate a staged commit");
  sc->for_group = g;
  sc->for_generation = g->generation;
  sc->next = next;
  sc->added = pl->added;
  sc->removed = pl->removed;
  sc->updated = pl->updated;
  pl->added = pl->removed = pl->updated = NULL;
  if (has_path && sender->type == CV_MLS_SENDER_TYPE_MEMBER)
    sc->updated[pl->n_updated++] = committer_leaf;
  sc->summary.new_epoch = g->epoch + 1;
  sc->summary.sender_type = sender->type;
  sc->summary.sender_index = committer_leaf;
  sc->summary.added = sc->added;
  sc->summary.n_added = pl->n_added;
  sc->summary.removed = sc->removed;
  sc->summary.n_removed = pl->n_removed;
  sc->summary.updated = sc->updated;
  sc->summary.n_updated = pl->n_updated;
  sc->summary.removes_self = pl->removes_self;
  sc->summary.has_path = has_path;
  *out = sc;
  return CV_OK;
}

const cv_mls_commit_summary *
cv_mls_staged_commit_summary (const cv_mls_staged_commit *sc)
{
  return &sc->summary;
}

void
cv_mls_staged_commit_free (cv_mls_staged_commit *sc)
{
  if (!sc)
    return;
  cv_mls_group_free (sc->next);
  free (sc->added);
  free (sc->removed);
  free (sc->updated);
  free (sc);
}

cv_status
cv_mls_group_merge (cv_mls_group *g, cv_mls_staged_commit *sc)
{
  cv_mls_group old;

  if (!sc || sc->for_group != g || sc->for_generation != g->generation
      || sc->summary.new_epoch != g->epoch + 1)
    return cv_fail (CV_ERR_STATE, "the staged commit is not for this group at this epoch");
  /* Swap the contents: g becomes the next epoch, the old one is freed. */
  old = *g;
  *g = *sc->next;
  *sc->next = old;
  g->generation = old.generation + 1;
  cv_mls_group_keep_past_epoch (g, sc->next);
  cv_mls_staged_commit_free (sc);
  return CV_OK;
}

/* ---- Creating a commit (§12.4.1) ---- */

static void
items_free (item *items, size_t n, cv_mls_proposal *owned, size_t n_owned)
{
  for (size_t i = 0; i < n_owned; i++)
    cv_mls_proposal_clear (&owned[i]);
  free (owned);
  free (items);
  (void) n;
}

/* Signs, confirms and seals a commit whose tree changes are in next. */
static cv_status
send_commit (cv_mls_group *g, cv_mls_group *next, const cv_mls_sender *sender,
             uint16_t wire_format, cv_mls_commit *commit, const cv_bytes *init_secret,
             const cv_bytes *commit_secret, const plan *pl, cv_bytes *message)
{
  cv_mls_authenticated_content ac = { 0 };
  cv_mls_content content = { 0 };
  cv_mls_framing_keys keys;
  cv_bytes body = CV_BYTES_INIT, psk_secret = CV_BYTES_INIT;
  cv_status st;

  TRY (cv_mls_commit_serialize (commit, &body));
  content.sender = *sender;
  content.content_type = CV_MLS_CONTENT_TYPE_COMMIT;
  content.content = body.data;
  content.content_len = body.len;
  cv_mls_group_framing_keys (g, &keys);
  TRY (cv_mls_framing_sign (&keys, wire_format, &content, next->signature_priv.data,
                            next->signature_priv.len, &ac));
  TRY (cv_mls_group_resolve_psks (g, pl->psks, pl->n_psks, &psk_secret));
  TRY (advance_epoch (g, next, &ac, init_secret, commit_secret, &psk_secret));
  cv_bytes_clear (&next->confirmation_tag);
  TRY (cv_mls_confirmation_tag (g->suite, next->secrets.confirmation_key.data,
                                next->secrets.confirmation_key.len,
                                next->confirmed_transcript_hash.data,
                                next->confirmed_transcript_hash.len, &next->confirmation_tag));
  TRY (cv_mls_framing_set_confirmation_tag (&ac, next->confirmation_tag.data,
                                            next->confirmation_tag.len));
  TRY (cv_mls_framing_seal (&keys, &ac, message));
  TRY (finish_next (next));

out:
  cv_mls_authenticated_content_clear (&ac);
  cv_bytes_clear (&body);
  cv_bytes_clear (&psk_secret);
  return st;
}

/* One Welcome for every new member (§12.4.3.1). */
static cv_status
make_welcome (cv_mls_group *next, const item *items, size_t n, const plan *pl,
              const cv_mls_treekem_pending *ps, bool has_path, cv_bytes *welcome)
{
  const cv_mls_suite *s = next->suite;
  cv_mls_group_info gi = { 0 };
  cv_mls_welcome wel = { 0 };
  cv_bytes ref = CV_BYTES_INIT, info_hash = CV_BYTES_INIT;
  size_t a = 0;
  cv_status st;

  TRY (cv_mls_group_make_group_info (next, next->config.ratchet_tree_in_welcome, false, &gi));
  wel.cipher_suite = s->id;
  TRY (cv_mls_welcome_encrypt_group_info (s, &wel, next->secrets.welcome_secret.data,
                                          next->secrets.welcome_secret.len, &gi));
  /* Every new member's secrets are encrypted with the encrypted GroupInfo as
   * context: hash it once, not once per member (50 members and a 1000-leaf
   * tree would hash 13 MB). */
  TRY (cv_mls_welcome_info_hash (s, &wel, &info_hash));
  for (size_t i = 0; i < n; i++)
    {
      const cv_mls_key_package *kp = &items[i].p->add;
      cv_mls_group_secrets gs = { 0 };
      cv_bytes path_secret = CV_BYTES_INIT;
      uint32_t leaf;

      if (items[i].p->type != CV_MLS_PROPOSAL_ADD)
        continue;
      leaf = pl->added[a++];
      gs.joiner_secret = next->secrets.joiner_secret;   /* borrowed */
      gs.psks = pl->psks;
      gs.n_psks = pl->n_psks;
      if (has_path)
        {
          TRY (cv_mls_treekem_path_secret_for (ps, leaf, cv_mls_tree_n_leaves (next->tree),
                                               &path_secret));
          gs.has_path_secret = true;
          gs.path_secret = path_secret;
        }
      st = cv_mls_key_package_ref (s, kp, &ref);
      if (st == CV_OK)
        st = cv_mls_welcome_add_secrets_hashed (s, &wel, &info_hash, ref.data, ref.len,
                                                kp->init_key.data, kp->init_key.len, &gs);
      cv_bytes_clear (&path_secret);
      cv_bytes_clear (&ref);
      if (st != CV_OK)
        goto out;
    }
  TRY (cv_mls_welcome_serialize_message (&wel, welcome));

out:
  cv_bytes_clear (&ref);
  cv_bytes_clear (&info_hash);
  cv_mls_group_info_clear (&gi);
  cv_mls_welcome_clear (&wel);
  return st;
}

cv_status
cv_mls_group_commit (cv_mls_group *g, const cv_mls_commit_options *opts, cv_bytes *commit_message,
                     cv_bytes *welcome, cv_mls_staged_commit **staged)
{
  static const cv_mls_commit_options none = { 0 };
  const cv_mls_sender me = { CV_MLS_SENDER_TYPE_MEMBER, g->own_leaf };
  size_t cap, n = 0, n_owned = 0;
  item *items = NULL;
  cv_mls_proposal *owned = NULL;
  cv_mls_commit commit = { 0 };
  cv_mls_group *next = NULL;
  cv_mls_treekem_pending ps = { 0 };
  cv_bytes gc = CV_BYTES_INIT;
  check_ctx ctx = { 0 };
  plan pl = { 0 };
  bool has_path;
  cv_status st;

  *staged = NULL;
  if (!opts)
    opts = &none;
  if (!g->active)
    return cv_fail (CV_ERR_STATE, "we are no longer a member of this group");
  cap = (opts->include_pending ? g->n_pending : 0) + opts->n_add + opts->n_remove + 1;
  items = calloc (cap, sizeof *items);
  owned = calloc (cap, sizeof *owned);
  commit.proposals = calloc (cap, sizeof *commit.proposals);
  if (!items || !owned || !commit.proposals)
    {
      st = cv_fail (CV_ERR_NOMEM, "cannot build a commit of %zu proposals", cap);
      goto out;
    }

  /* Pending proposals by reference: not our own Updates (the path replaces
   * our leaf anyway), not those that became invalid, not a second Remove
   * of one leaf (§12.2: the committer leaves out what it cannot include). */
  for (size_t i = 0; opts->include_pending && i < g->n_pending; i++)
    {
      const cv_mls_pending_proposal *pp = &g->pending[i];
      bool dup = false;

      if (pp->proposal.type == CV_MLS_PROPOSAL_UPDATE && pp->sender.type == me.type
          && pp->sender.index == me.index)
        continue;
      if (pp->proposal.type == CV_MLS_PROPOSAL_REMOVE && pp->proposal.remove == g->own_leaf)
        continue;
      for (size_t j = 0; j < n; j++)
        dup |= items[j].p->type == CV_MLS_PROPOSAL_REMOVE
               && pp->proposal.type == CV_MLS_PROPOSAL_REMOVE
               && items[j].p->remove == pp->proposal.remove;
      if (dup || check_proposal_ctx (g, &pp->proposal, &pp->sender, &ctx) != CV_OK)
        continue;
      items[n] = (item) { &pp->proposal, pp->sender, &pp->ref, NULL };
      commit.proposals[n].type = CV_MLS_PROPOSAL_OR_REF_REFERENCE;
      commit.proposals[n].reference = pp->ref;   /* borrowed */
      n++;
    }
  cv_status_clear ();

  /* New proposals by value: removes, adds, extensions. */
  for (size_t i = 0; i < opts->n_remove; i++)
    {
      owned[n_owned].type = CV_MLS_PROPOSAL_REMOVE;
      owned[n_owned].remove = opts->remove_leaves[i];
      items[n] = (item) { &owned[n_owned++], me, NULL, NULL };
      n++;
    }
  for (size_t i = 0; i < opts->n_add; i++)
    {
      owned[n_owned].type = CV_MLS_PROPOSAL_ADD;
      if ((st = cv_mls_key_package_parse_message (opts->add_key_packages[i].data,
                                                  opts->add_key_packages[i].len,
                                                  &owned[n_owned].add)) != CV_OK)
        {
          st = cv_fail (st, "Add %zu: %s", i, cv_status_message ());
          goto out;
        }
      items[n] = (item) { &owned[n_owned++], me, NULL, NULL };
      n++;
    }
  if (opts->new_extensions)
    {
      owned[n_owned].type = CV_MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS;
      TRY (cv_mls_extension_list_copy (&owned[n_owned].extensions, opts->new_extensions));
      items[n] = (item) { &owned[n_owned++], me, NULL, NULL };
      n++;
    }
  for (size_t i = 0; i < n; i++)
    if (!items[i].ref)
      {
        commit.proposals[i].type = CV_MLS_PROPOSAL_OR_REF_PROPOSAL;
        commit.proposals[i].proposal = *items[i].p;   /* borrowed */
      }
  commit.n_proposals = n;

  TRY (validate_list (g, items, n, &me, &ctx, &pl));
  TRY (next_from (g, &next));
  TRY (apply_list (next, items, n, &pl));

  has_path = pl.path_required || opts->force_path;
  if (has_path)
    {
      ctx_args a = { g, next };
      const cv_mls_leaf_node *own = cv_mls_tree_leaf (next->tree, next->own_leaf);

      TRY (cv_mls_treekem_create_path (next->tree, &next->priv, next->own_leaf, own,
                                       next->signature_priv.data, next->signature_priv.len,
                                       next->group_id.data, next->group_id.len, NULL, 0, &ps));
      TRY (provisional_context (&a, &gc));
      TRY (cv_mls_treekem_encrypt_path (next->tree, &ps, gc.data, gc.len, pl.added, pl.n_added,
                                        &commit.path));
      commit.has_path = true;
    }
  TRY (send_commit (g, next, &me, g->config.handshake_private
                                   ? CV_MLS_WIRE_FORMAT_PRIVATE_MESSAGE
                                   : CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE,
                    &commit, &g->secrets.init_secret, has_path ? &ps.commit_secret : NULL,
                    &pl, commit_message));
  if (pl.n_added)
    TRY (make_welcome (next, items, n, &pl, &ps, has_path, welcome));
  TRY (staged_new (g, next, &pl, &me, g->own_leaf, has_path, staged));
  next = NULL;

out:
  /* The commit borrowed everything but its path. */
  for (size_t i = 0; commit.proposals && i < commit.n_proposals; i++)
    memset (&commit.proposals[i], 0, sizeof commit.proposals[i]);
  free (commit.proposals);
  commit.proposals = NULL;
  commit.n_proposals = 0;
  cv_mls_commit_clear (&commit);
  cv_mls_treekem_pending_clear (&ps);
  cv_bytes_clear (&gc);
  key_index_clear (&ctx.keys);
  plan_clear (&pl);
  items_free (items, n, owned, n_owned);
  cv_mls_group_free (next);
  if (st != CV_OK)
    cv_bytes_clear (commit_message);
  return st;
}

/* ---- Processing a commit (§12.4.2) ---- */

cv_status
cv_mls_group_stage_commit (cv_mls_group *g, const cv_mls_authenticated_content *ac,
                           cv_mls_staged_commit **out)
{
  const cv_mls_sender *sender = &ac->sender;
  const bool external = sender->type == CV_MLS_SENDER_TYPE_NEW_MEMBER_COMMIT;
  cv_mls_commit commit = { 0 };
  cv_mls_framing_keys keys;
  item *items = NULL;
  cv_mls_group *next = NULL;
  cv_bytes commit_secret = CV_BYTES_INIT, psk_secret = CV_BYTES_INIT, gc = CV_BYTES_INIT;
  cv_bytes ext_init_secret = CV_BYTES_INIT;
  const cv_bytes *init_secret = &g->secrets.init_secret;
  check_ctx ctx = { 0 };
  plan pl = { 0 };
  uint32_t committer = sender->index;
  cv_status st;

  *out = NULL;
  cv_mls_group_framing_keys (g, &keys);
  if (sender->type == CV_MLS_SENDER_TYPE_MEMBER)
    {
      const cv_mls_leaf_node *leaf = sender->index < cv_mls_tree_n_leaves (g->tree)
                                     ? cv_mls_tree_leaf (g->tree, sender->index) : NULL;

      if (!leaf)
        return cv_fail (CV_ERR_INVALID, "RFC 9420 §6.1: committer leaf %u is not a member",
                        sender->index);
      if ((st = cv_mls_framing_verify (&keys, ac, leaf->signature_key.data,
                                       leaf->signature_key.len)) != CV_OK)
        return st;
    }
  else if (!external)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §6: a commit from sender type %u", sender->type);
  if (!ac->confirmation_tag || ac->confirmation_tag_len == 0)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §6.1: a commit without confirmation_tag");

  TRY (cv_mls_commit_parse (ac->content, ac->content_len, &commit));
  if (external)
    {
      /* The joiner signs with the key of the leaf its path installs. */
      if (!commit.has_path)
        {
          st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.2: an external commit without path");
          goto out;
        }
      if ((st = cv_mls_framing_verify (&keys, ac, commit.path.leaf_node.signature_key.data,
                                       commit.path.leaf_node.signature_key.len)) != CV_OK)
        goto out;
    }

  /* Resolve the proposals: references must name proposals of this epoch. */
  items = calloc (commit.n_proposals + 1, sizeof *items);
  if (!items)
    {
      st = cv_fail (CV_ERR_NOMEM, "cannot resolve %zu proposals", commit.n_proposals);
      goto out;
    }
  for (size_t i = 0; i < commit.n_proposals; i++)
    {
      const cv_mls_proposal_or_ref *por = &commit.proposals[i];

      if (por->type == CV_MLS_PROPOSAL_OR_REF_PROPOSAL)
        {
          items[i] = (item) { &por->proposal, *sender, NULL, NULL };
          continue;
        }
      const cv_mls_pending_proposal *found = NULL;
      for (size_t j = 0; j < g->n_pending && !found; j++)
        if (cv_bytes_eq (&g->pending[j].ref, &por->reference))
          found = &g->pending[j];
      if (!found)
        {
          st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.2: proposal reference %zu names no "
                        "proposal received in epoch %llu", i, (unsigned long long) g->epoch);
          goto out;
        }
      items[i] = (item) { &found->proposal, found->sender, &found->ref,
                          found->update_priv.len ? &found->update_priv : NULL };
    }

  TRY (validate_list (g, items, commit.n_proposals, sender, &ctx, &pl));
  if (pl.path_required && !commit.has_path)
    {
      st = cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4: the commit's proposals require a path "
                    "and it has none");
      goto out;
    }
  TRY (next_from (g, &next));
  TRY (apply_list (next, items, commit.n_proposals, &pl));

  if (external)
    {
      /* The joiner takes the leftmost free leaf, as an Add would (§12.4.3.2);
       * a placeholder without keys until the path installs its leaf. */
      cv_mls_leaf_node placeholder = { 0 };
      const cv_bytes *ext_priv;

      st = cv_mls_leaf_node_copy (&placeholder, &commit.path.leaf_node);
      if (st == CV_OK)
        {
          cv_bytes_clear (&placeholder.encryption_key);
          st = cv_mls_tree_add_leaf (next->tree, &placeholder, &committer);
        }
      cv_mls_leaf_node_clear (&placeholder);
      if (st != CV_OK)
        goto out;
      pl.added[pl.n_added++] = committer;
      TRY (cv_mls_group_external_priv (g, &ext_priv));
      if ((st = cv_mls_external_init_receive (g->suite, ext_priv->data, ext_priv->len,
                                              pl.external_init->kem_output.data,
                                              pl.external_init->kem_output.len,
                                              &ext_init_secret)) != CV_OK)
        {
          st = cv_fail (st, "RFC 9420 §12.4.3.2: ExternalInit kem_output: %s",
                        cv_status_message ());
          goto out;
        }
      init_secret = &ext_init_secret;
    }

  if (commit.has_path)
    {
      const cv_mls_leaf_node *leaf = &commit.path.leaf_node;
      ctx_args a = { g, next };

      if ((st = cv_mls_leaf_node_check (leaf, CV_MLS_LEAF_SOURCE_COMMIT, 0))
          != CV_OK
          || (st = check_leaf_against_group (next, &next->extensions, leaf, &ctx.caps)) != CV_OK)
        {
          st = cv_fail (st, "RFC 9420 §12.4.2: the UpdatePath LeafNode: %s", cv_status_message ());
          goto out;
        }
      if ((st = cv_mls_leaf_node_verify (g->suite, leaf, g->group_id.data, g->group_id.len,
                                         committer)) != CV_OK)
        {
          st = cv_fail (st, "RFC 9420 §7.3: the UpdatePath LeafNode signature of leaf %u does "
                        "not verify", committer);
          goto out;
        }
      if (!external)
        {
          uint32_t where;

          if (tree_has_signature_key (g->tree, &leaf->signature_key, &where)
              && where != committer)
            {
              st = cv_fail (CV_ERR_INVALID, "RFC 9420 §7.3: the committer's new signature_key "
                            "is leaf %u's", where);
              goto out;
            }
        }
      TRY (cv_mls_tree_merge_update_path (next->tree, committer, &commit.path));
      if (!pl.removes_self)
        {
          TRY (provisional_context (&a, &gc));
          if (committer == g->own_leaf)
            {
              st = cv_fail (CV_ERR_STATE, "a commit of our own is merged from its staged "
                            "state, not processed");
              goto out;
            }
          TRY (cv_mls_treekem_decrypt_path (next->tree, &next->priv, committer, &commit.path,
                                            pl.added, pl.n_added, gc.data, gc.len,
                                            &commit_secret, NULL));
        }
    }

  if (pl.removes_self)
    {
      /* We cannot follow into the next epoch: all that can be merged is
       * the end of our membership. */
      next->active = false;
      next->epoch = g->epoch + 1;
      TRY (staged_new (g, next, &pl, sender, committer, commit.has_path, out));
      next = NULL;
      goto out;
    }

  TRY (cv_mls_group_resolve_psks (g, pl.psks, pl.n_psks, &psk_secret));
  TRY (advance_epoch (g, next, ac, init_secret, commit.has_path ? &commit_secret : NULL,
                      &psk_secret));
  if ((st = cv_mls_confirmation_tag_verify (g->suite, next->secrets.confirmation_key.data,
                                            next->secrets.confirmation_key.len,
                                            next->confirmed_transcript_hash.data,
                                            next->confirmed_transcript_hash.len,
                                            ac->confirmation_tag, ac->confirmation_tag_len))
      != CV_OK)
    {
      st = cv_fail (CV_ERR_AUTH, "RFC 9420 §12.4.2: the commit's confirmation_tag does not "
                    "verify");
      goto out;
    }
  TRY (cv_bytes_set (&next->confirmation_tag, ac->confirmation_tag, ac->confirmation_tag_len));
  TRY (finish_next (next));
  TRY (staged_new (g, next, &pl, sender, committer, commit.has_path, out));
  next = NULL;

out:
  cv_mls_commit_clear (&commit);
  free (items);
  cv_mls_group_free (next);
  cv_bytes_clear (&commit_secret);
  cv_bytes_clear (&psk_secret);
  cv_bytes_clear (&gc);
  cv_bytes_clear (&ext_init_secret);
  key_index_clear (&ctx.keys);
  plan_clear (&pl);
  return st;
}

/* ---- External join (§12.4.3.2) ---- */

cv_status
cv_mls_group_join_external (const uint8_t *group_info, size_t group_info_len,
                            const uint8_t *ratchet_tree, size_t ratchet_tree_len,
                            const cv_mls_credential *credential,
                            const uint8_t *signature_priv, size_t signature_priv_len,
                            const cv_mls_group_config *config,
                            cv_bytes *commit_message, cv_mls_group **out)
{
  cv_mls_group *g = NULL, *next = NULL;
  cv_mls_leaf_node leaf = { 0 };
  cv_bytes enc_priv = CV_BYTES_INIT, kem_output = CV_BYTES_INIT, init_secret = CV_BYTES_INIT;
  cv_mls_proposal ext_init = { 0 };
  cv_mls_proposal_or_ref por = { 0 };
  cv_mls_commit commit = { 0 };
  cv_mls_treekem_pending ps = { 0 };
  cv_bytes gc = CV_BYTES_INIT;
  plan pl = { 0 };
  cv_mls_sender sender = { CV_MLS_SENDER_TYPE_NEW_MEMBER_COMMIT, 0 };
  uint32_t leaf_index;
  cv_status st;

  *out = NULL;
  TRY (cv_mls_group_from_group_info_message (group_info, group_info_len, ratchet_tree,
                                             ratchet_tree_len, config, &g));
  TRY (cv_bytes_set (&g->signature_priv, signature_priv, signature_priv_len));
  TRY (cv_mls_external_init_send (g->suite, g->external_pub.data, g->external_pub.len,
                                  &kem_output, &init_secret));

  /* Our leaf at the leftmost free place; the path re-signs it as a commit
   * leaf, so the source here does not matter. */
  TRY (next_from (g, &next));
  TRY (cv_mls_group_make_leaf (g->suite, credential, signature_priv, signature_priv_len, NULL,
                               &leaf, &enc_priv));
  {
    cv_mls_u16_list *l = &leaf.capabilities.extensions;

    for (size_t i = 0; i < g->extensions.count; i++)
      if (!cv_mls_extension_type_is_default (g->extensions.items[i].type)
          && !cv_mls_u16_list_has (l, g->extensions.items[i].type))
        {
          uint16_t *bigger = realloc (l->items, (l->count + 1) * sizeof *bigger);

          if (!bigger)
            {
              st = cv_fail (CV_ERR_NOMEM, "cannot list capabilities");
              goto out;
            }
          l->items = bigger;
          l->items[l->count++] = g->extensions.items[i].type;
        }
  }
  TRY (cv_mls_tree_add_leaf (next->tree, &leaf, &leaf_index));
  next->own_leaf = leaf_index;
  TRY (cv_mls_tree_private_init (&next->priv, leaf_index, enc_priv.data, enc_priv.len));

  ext_init.type = CV_MLS_PROPOSAL_EXTERNAL_INIT;
  ext_init.kem_output = kem_output;   /* borrowed */
  por.type = CV_MLS_PROPOSAL_OR_REF_PROPOSAL;
  por.proposal = ext_init;
  commit.proposals = &por;
  commit.n_proposals = 1;
  {
    ctx_args a = { g, next };

    TRY (cv_mls_treekem_create_path (next->tree, &next->priv, leaf_index, &leaf,
                                     signature_priv, signature_priv_len, g->group_id.data,
                                     g->group_id.len, NULL, 0, &ps));
    TRY (provisional_context (&a, &gc));
    TRY (cv_mls_treekem_encrypt_path (next->tree, &ps, gc.data, gc.len, NULL, 0, &commit.path));
    commit.has_path = true;
  }
  sender.index = 0;
  TRY (send_commit (g, next, &sender, CV_MLS_WIRE_FORMAT_PUBLIC_MESSAGE, &commit, &init_secret,
                    &ps.commit_secret, &pl, commit_message));
  *out = next;
  next = NULL;

out:
  commit.proposals = NULL;
  commit.n_proposals = 0;
  cv_mls_commit_clear (&commit);
  cv_mls_treekem_pending_clear (&ps);
  cv_bytes_clear (&gc);
  cv_mls_leaf_node_clear (&leaf);
  cv_bytes_clear (&enc_priv);
  cv_bytes_clear (&kem_output);
  cv_bytes_clear (&init_secret);
  cv_mls_group_free (g);
  cv_mls_group_free (next);
  return st;
}

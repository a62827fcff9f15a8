#include "cv-mls-secret-tree.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cv-mls-tree-math.h"

/* The largest KDF.Nh of suites 1..7 (SHA-512). */
#define MAX_HASH 64

/* A sorted array of (index, pointer) pairs: the tree holds secrets for only
 * a frontier of nodes and for the leaves that have sent, so a dense array
 * per epoch would cost more than it saves. */
typedef struct {
  uint32_t index;
  void *value;
} slot;

typedef struct {
  slot *slots;
  size_t n;
  size_t cap;
} sparse_map;

typedef struct {
  bool seeded;
  uint32_t next;                  /* generation whose secret is held */
  uint8_t secret[MAX_HASH];
  cv_mls_ratchet_key *kept;       /* keys of generations < next not yet used, ascending */
  size_t n_kept;
  size_t cap_kept;
} ratchet;

typedef struct {
  ratchet ratchets[2];            /* indexed by cv_mls_ratchet_type */
} leaf_state;

struct cv_mls_secret_tree {
  const cv_mls_suite *suite;
  uint32_t n_leaves;
  uint32_t root;
  sparse_map nodes;               /* node index -> hash_len bytes of tree secret */
  sparse_map leaves;              /* leaf index -> leaf_state */
};

/* ---- sparse map ---- */

/* The position of index, or where it would be inserted. */
static size_t
map_position (const sparse_map *m, uint32_t index, bool *found)
{
  size_t lo = 0, hi = m->n;

  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      if (m->slots[mid].index < index)
        lo = mid + 1;
      else
        hi = mid;
    }
  *found = lo < m->n && m->slots[lo].index == index;
  return lo;
}

static void *
map_get (const sparse_map *m, uint32_t index)
{
  bool found;
  size_t pos = map_position (m, index, &found);

  return found ? m->slots[pos].value : NULL;
}

/* index must not be present. */
static cv_status
map_insert (sparse_map *m, uint32_t index, void *value)
{
  bool found;
  size_t pos = map_position (m, index, &found);

  if (m->n == m->cap)
    {
      size_t cap = m->cap ? m->cap * 2 : 16;
      slot *grown = realloc (m->slots, cap * sizeof *grown);
      if (grown == NULL)
        return cv_fail (CV_ERR_NOMEM, "secret tree: cannot grow to %zu entries", cap);
      m->slots = grown;
      m->cap = cap;
    }
  memmove (m->slots + pos + 1, m->slots + pos, (m->n - pos) * sizeof *m->slots);
  m->slots[pos].index = index;
  m->slots[pos].value = value;
  m->n++;
  return CV_OK;
}

/* Removes index and returns its value (NULL when absent). */
static void *
map_take (sparse_map *m, uint32_t index)
{
  bool found;
  size_t pos = map_position (m, index, &found);
  void *value;

  if (!found)
    return NULL;
  value = m->slots[pos].value;
  memmove (m->slots + pos, m->slots + pos + 1, (m->n - pos - 1) * sizeof *m->slots);
  m->n--;
  return value;
}

/* ---- secrets ---- */

static void
free_secret (const cv_mls_suite *s, uint8_t *secret)
{
  if (secret != NULL)
    {
      OPENSSL_cleanse (secret, s->hash_len);
      free (secret);
    }
}

static void
ratchet_clear (ratchet *r)
{
  if (r->kept != NULL)
    {
      OPENSSL_cleanse (r->kept, r->cap_kept * sizeof *r->kept);
      free (r->kept);
    }
  OPENSSL_cleanse (r, sizeof *r);
}

static void
free_leaf_state (leaf_state *ls)
{
  if (ls == NULL)
    return;
  ratchet_clear (&ls->ratchets[0]);
  ratchet_clear (&ls->ratchets[1]);
  free (ls);
}

void
cv_mls_ratchet_key_clear (cv_mls_ratchet_key *k)
{
  OPENSSL_cleanse (k, sizeof *k);
}

/* ExpandWithLabel into a fixed buffer of exactly len bytes. */
static cv_status
expand_into (const cv_mls_suite *s, const uint8_t *secret, const char *label,
             const char *context, uint8_t *out, size_t len)
{
  cv_bytes tmp = CV_BYTES_INIT;
  cv_status st;

  st = cv_mls_expand_with_label (s, secret, s->hash_len, label, (const uint8_t *) context,
                                 strlen (context), (uint16_t) len, &tmp);
  if (st == CV_OK)
    memcpy (out, tmp.data, len);
  cv_bytes_clear (&tmp);
  return st;
}

static cv_status
tree_secret_into (const cv_mls_suite *s, const uint8_t *secret, const char *label,
                  uint32_t generation, uint8_t *out, size_t len)
{
  cv_bytes tmp = CV_BYTES_INIT;
  cv_status st;

  st = cv_mls_derive_tree_secret (s, secret, s->hash_len, label, generation, (uint16_t) len, &tmp);
  if (st == CV_OK)
    memcpy (out, tmp.data, len);
  cv_bytes_clear (&tmp);
  return st;
}

cv_status
cv_mls_secret_tree_new (const cv_mls_suite *suite,
                        const uint8_t *encryption_secret, size_t secret_len,
                        uint32_t n_leaves, cv_mls_secret_tree **out)
{
  cv_mls_secret_tree *tree;
  uint8_t *root_secret;
  cv_status st;

  *out = NULL;
  if (suite == NULL || encryption_secret == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "secret tree: no suite or encryption secret");
  if (secret_len != suite->hash_len || suite->hash_len > MAX_HASH
      || suite->key_len > CV_MLS_MAX_AEAD_KEY || suite->nonce_len > CV_MLS_MAX_AEAD_NONCE)
    return cv_fail (CV_ERR_ARGUMENT, "RFC 9420 §8: encryption_secret is %zu bytes, KDF.Nh is %zu",
                    secret_len, suite->hash_len);
  if (n_leaves == 0 || n_leaves > CV_MLS_TREE_MAX_LEAVES || (n_leaves & (n_leaves - 1)) != 0)
    return cv_fail (CV_ERR_ARGUMENT,
                    "RFC 9420 §7.1: a secret tree of %u leaves is not a full tree", n_leaves);

  tree = calloc (1, sizeof *tree);
  root_secret = malloc (suite->hash_len);
  if (tree == NULL || root_secret == NULL)
    {
      free (tree);
      free (root_secret);
      return cv_fail (CV_ERR_NOMEM, "secret tree: out of memory");
    }
  tree->suite = suite;
  tree->n_leaves = n_leaves;
  cv_mls_tree_root (n_leaves, &tree->root);
  memcpy (root_secret, encryption_secret, suite->hash_len);
  /* tree_node_[root]_secret = encryption_secret (§9). */
  st = map_insert (&tree->nodes, tree->root, root_secret);
  if (st != CV_OK)
    {
      free_secret (suite, root_secret);
      free (tree);
      return st;
    }
  *out = tree;
  return CV_OK;
}

void
cv_mls_secret_tree_free (cv_mls_secret_tree *tree)
{
  if (tree == NULL)
    return;
  for (size_t i = 0; i < tree->nodes.n; i++)
    free_secret (tree->suite, tree->nodes.slots[i].value);
  for (size_t i = 0; i < tree->leaves.n; i++)
    free_leaf_state (tree->leaves.slots[i].value);
  free (tree->nodes.slots);
  free (tree->leaves.slots);
  free (tree);
}

uint32_t
cv_mls_secret_tree_n_leaves (const cv_mls_secret_tree *tree)
{
  return tree->n_leaves;
}

const cv_mls_suite *
cv_mls_secret_tree_suite (const cv_mls_secret_tree *tree)
{
  return tree->suite;
}

/* Replaces the held secret of `parent` by those of its two children. */
static cv_status
split_node (cv_mls_secret_tree *tree, uint32_t parent, const uint8_t *secret)
{
  const cv_mls_suite *s = tree->suite;
  uint32_t left, right;
  uint8_t *ls = malloc (s->hash_len), *rs = malloc (s->hash_len);
  cv_status st;

  if (ls == NULL || rs == NULL)
    {
      free (ls);
      free (rs);
      return cv_fail (CV_ERR_NOMEM, "secret tree: out of memory");
    }
  cv_mls_tree_left (parent, &left);
  cv_mls_tree_right (parent, &right);
  st = expand_into (s, secret, "tree", "left", ls, s->hash_len);
  if (st == CV_OK)
    st = expand_into (s, secret, "tree", "right", rs, s->hash_len);
  if (st == CV_OK)
    st = map_insert (&tree->nodes, left, ls);
  if (st != CV_OK)
    {
      free_secret (s, ls);
      free_secret (s, rs);
      return st;
    }
  st = map_insert (&tree->nodes, right, rs);
  if (st != CV_OK)
    {
      map_take (&tree->nodes, left);
      free_secret (s, ls);
      free_secret (s, rs);
      return st;
    }
  /* §9.2: a node's secret is deleted once its children's are derived. */
  free_secret (s, map_take (&tree->nodes, parent));
  return CV_OK;
}

/* Derives the ratchets of a leaf that has none yet, from the nearest held
 * ancestor secret down, deleting what is consumed on the way. */
static cv_status
seed_leaf (cv_mls_secret_tree *tree, uint32_t leaf, leaf_state **out)
{
  const cv_mls_suite *s = tree->suite;
  uint32_t node = cv_mls_leaf_to_node (leaf), cur = node;
  uint8_t *secret;
  leaf_state *ls;
  cv_status st;

  while ((secret = map_get (&tree->nodes, cur)) == NULL)
    {
      if (cur == tree->root || cv_mls_tree_parent (cur, tree->n_leaves, &cur) != CV_OK)
        return cv_fail (CV_ERR_STATE, "RFC 9420 §9.2: the secret of leaf %u was deleted", leaf);
    }
  while (cur != node)
    {
      uint32_t left;

      st = split_node (tree, cur, secret);
      if (st != CV_OK)
        return st;
      cv_mls_tree_left (cur, &left);
      if (node < cur)
        cur = left;
      else
        cv_mls_tree_right (cur, &cur);
      secret = map_get (&tree->nodes, cur);
    }

  ls = calloc (1, sizeof *ls);
  if (ls == NULL)
    return cv_fail (CV_ERR_NOMEM, "secret tree: out of memory");
  st = expand_into (s, secret, "handshake", "", ls->ratchets[CV_MLS_RATCHET_HANDSHAKE].secret,
                    s->hash_len);
  if (st == CV_OK)
    st = expand_into (s, secret, "application", "",
                      ls->ratchets[CV_MLS_RATCHET_APPLICATION].secret, s->hash_len);
  if (st == CV_OK)
    st = map_insert (&tree->leaves, leaf, ls);
  if (st != CV_OK)
    {
      free_leaf_state (ls);
      return st;
    }
  ls->ratchets[0].seeded = ls->ratchets[1].seeded = true;
  /* The leaf secret has served its two ratchets. */
  free_secret (s, map_take (&tree->nodes, node));
  *out = ls;
  return CV_OK;
}

static cv_status
get_ratchet (cv_mls_secret_tree *tree, uint32_t leaf, cv_mls_ratchet_type type, ratchet **out)
{
  leaf_state *ls;
  cv_status st;

  if (tree == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "secret tree: NULL tree");
  if (leaf >= tree->n_leaves)
    return cv_fail (CV_ERR_ARGUMENT, "RFC 9420 §9: leaf %u is outside a tree of %u leaves",
                    leaf, tree->n_leaves);
  if (type != CV_MLS_RATCHET_HANDSHAKE && type != CV_MLS_RATCHET_APPLICATION)
    return cv_fail (CV_ERR_ARGUMENT, "secret tree: unknown ratchet type %d", (int) type);
  ls = map_get (&tree->leaves, leaf);
  if (ls == NULL)
    {
      st = seed_leaf (tree, leaf, &ls);
      if (st != CV_OK)
        return st;
    }
  *out = &ls->ratchets[type];
  return CV_OK;
}

/* The key and nonce of generation r->next, then the ratchet moves on and the
 * consumed secret is overwritten (§9.1). */
static cv_status
ratchet_step (const cv_mls_suite *s, ratchet *r, cv_mls_ratchet_key *out)
{
  uint8_t next_secret[MAX_HASH];
  cv_status st;

  if (r->next == UINT32_MAX)
    return cv_fail (CV_ERR_STATE, "RFC 9420 §9.1: the ratchet has used every generation");
  memset (out, 0, sizeof *out);
  out->generation = r->next;
  out->key_len = s->key_len;
  out->nonce_len = s->nonce_len;
  st = tree_secret_into (s, r->secret, "key", r->next, out->key, s->key_len);
  if (st == CV_OK)
    st = tree_secret_into (s, r->secret, "nonce", r->next, out->nonce, s->nonce_len);
  if (st == CV_OK)
    st = tree_secret_into (s, r->secret, "secret", r->next, next_secret, s->hash_len);
  if (st != CV_OK)
    {
      cv_mls_ratchet_key_clear (out);
      OPENSSL_cleanse (next_secret, sizeof next_secret);
      return st;
    }
  memcpy (r->secret, next_secret, s->hash_len);
  OPENSSL_cleanse (next_secret, sizeof next_secret);
  r->next++;
  return CV_OK;
}

static cv_status
keep_key (ratchet *r, const cv_mls_ratchet_key *k)
{
  if (r->n_kept == r->cap_kept)
    {
      size_t cap = r->cap_kept ? r->cap_kept * 2 : 8;
      cv_mls_ratchet_key *grown = malloc (cap * sizeof *grown);

      if (grown == NULL)
        return cv_fail (CV_ERR_NOMEM, "secret tree: cannot keep %zu keys", cap);
      /* Copy rather than realloc so that the old keys can be wiped. */
      if (r->n_kept > 0)
        memcpy (grown, r->kept, r->n_kept * sizeof *grown);
      if (r->kept != NULL)
        {
          OPENSSL_cleanse (r->kept, r->cap_kept * sizeof *r->kept);
          free (r->kept);
        }
      r->kept = grown;
      r->cap_kept = cap;
    }
  r->kept[r->n_kept++] = *k;
  return CV_OK;
}

/* Deletes kept keys that fell more than the window behind the newest. */
static void
trim_kept (ratchet *r)
{
  uint32_t newest = r->next - 1;
  size_t drop = 0;

  while (drop < r->n_kept && (uint64_t) r->kept[drop].generation + CV_MLS_RATCHET_WINDOW < newest)
    drop++;
  if (drop == 0)
    return;
  OPENSSL_cleanse (r->kept, drop * sizeof *r->kept);
  memmove (r->kept, r->kept + drop, (r->n_kept - drop) * sizeof *r->kept);
  r->n_kept -= drop;
  OPENSSL_cleanse (r->kept + r->n_kept, drop * sizeof *r->kept);
}

static bool
find_kept (const ratchet *r, uint32_t generation, size_t *pos)
{
  size_t lo = 0, hi = r->n_kept;

  while (lo < hi)
    {
      size_t mid = lo + (hi - lo) / 2;
      if (r->kept[mid].generation < generation)
        lo = mid + 1;
      else
        hi = mid;
    }
  *pos = lo;
  return lo < r->n_kept && r->kept[lo].generation == generation;
}

cv_status
cv_mls_secret_tree_next_key (cv_mls_secret_tree *tree, uint32_t leaf,
                             cv_mls_ratchet_type type, cv_mls_ratchet_key *out)
{
  ratchet *r;
  cv_status st = get_ratchet (tree, leaf, type, &r);

  if (st != CV_OK)
    return st;
  return ratchet_step (tree->suite, r, out);
}

cv_status
cv_mls_secret_tree_get_key (cv_mls_secret_tree *tree, uint32_t leaf,
                            cv_mls_ratchet_type type, uint32_t generation,
                            cv_mls_ratchet_key *out)
{
  ratchet *r;
  size_t pos;
  cv_status st = get_ratchet (tree, leaf, type, &r);

  if (st != CV_OK)
    return st;
  if (generation >= r->next)
    {
      if (generation - r->next > CV_MLS_RATCHET_MAX_FORWARD)
        return cv_fail (CV_ERR_STATE,
                        "RFC 9420 §9.2: generation %u of leaf %u is more than %u ahead of %u",
                        generation, leaf, CV_MLS_RATCHET_MAX_FORWARD, r->next);
      while (r->next <= generation)
        {
          cv_mls_ratchet_key k;

          st = ratchet_step (tree->suite, r, &k);
          /* Skipped keys that would fall out of the window at once are not kept. */
          if (st == CV_OK && (uint64_t) k.generation + CV_MLS_RATCHET_WINDOW >= generation)
            st = keep_key (r, &k);
          cv_mls_ratchet_key_clear (&k);
          if (st != CV_OK)
            return st;
        }
      trim_kept (r);
    }
  if (!find_kept (r, generation, &pos))
    return cv_fail (CV_ERR_STATE,
                    "RFC 9420 §9.2: the key of generation %u of leaf %u was used or deleted",
                    generation, leaf);
  *out = r->kept[pos];
  return CV_OK;
}

void
cv_mls_secret_tree_erase_key (cv_mls_secret_tree *tree, uint32_t leaf,
                              cv_mls_ratchet_type type, uint32_t generation)
{
  leaf_state *ls;
  ratchet *r;
  size_t pos;

  if (tree == NULL || leaf >= tree->n_leaves
      || (type != CV_MLS_RATCHET_HANDSHAKE && type != CV_MLS_RATCHET_APPLICATION))
    return;
  ls = map_get (&tree->leaves, leaf);
  if (ls == NULL)
    return;
  r = &ls->ratchets[type];
  if (!find_kept (r, generation, &pos))
    return;
  memmove (r->kept + pos, r->kept + pos + 1, (r->n_kept - pos - 1) * sizeof *r->kept);
  r->n_kept--;
  cv_mls_ratchet_key_clear (&r->kept[r->n_kept]);
}

cv_status
cv_mls_sender_data_key_nonce (const cv_mls_suite *suite,
                              const uint8_t *sender_data_secret, size_t secret_len,
                              const uint8_t *ciphertext, size_t ciphertext_len,
                              uint8_t *key, uint8_t *nonce)
{
  size_t sample_len = ciphertext_len < suite->hash_len ? ciphertext_len : suite->hash_len;
  cv_bytes k = CV_BYTES_INIT, n = CV_BYTES_INIT;
  cv_status st;

  if (secret_len != suite->hash_len)
    return cv_fail (CV_ERR_ARGUMENT, "RFC 9420 §8: sender_data_secret is %zu bytes, KDF.Nh is %zu",
                    secret_len, suite->hash_len);
  st = cv_mls_expand_with_label (suite, sender_data_secret, secret_len, "key", ciphertext,
                                 sample_len, (uint16_t) suite->key_len, &k);
  if (st == CV_OK)
    st = cv_mls_expand_with_label (suite, sender_data_secret, secret_len, "nonce", ciphertext,
                                   sample_len, (uint16_t) suite->nonce_len, &n);
  if (st == CV_OK)
    {
      memcpy (key, k.data, suite->key_len);
      memcpy (nonce, n.data, suite->nonce_len);
    }
  cv_bytes_clear (&k);
  cv_bytes_clear (&n);
  return st;
}

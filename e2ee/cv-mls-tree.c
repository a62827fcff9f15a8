/* cv-mls-tree.c: the ratchet tree, its hashes and its validation. */
#include "cv-mls-tree.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Node contents are shared between copies of a tree and never changed in
 * place: a change makes a new box. */
typedef struct {
  unsigned refs;
  cv_mls_leaf_node v;
} leaf_box;

typedef struct {
  unsigned refs;
  cv_mls_parent_node v;
} parent_box;

typedef struct {
  leaf_box *leaf;       /* even nodes */
  parent_box *parent;   /* odd nodes */
  bool hash_valid;
  uint8_t hash[CV_MLS_MAX_HASH];
} tree_node;

struct cv_mls_tree {
  const cv_mls_suite *suite;
  uint32_t n_leaves;    /* 0 or a power of two */
  tree_node *nodes;     /* 2 * n_leaves - 1 of them */
};

typedef struct {
  uint32_t *items;
  size_t count;
  size_t cap;
} u32_vec;

static cv_status
u32_vec_push (u32_vec *v, uint32_t x)
{
  if (v->count == v->cap)
    {
      size_t cap = v->cap ? v->cap * 2 : 8;
      uint32_t *bigger = realloc (v->items, cap * sizeof *bigger);

      if (!bigger)
        return cv_fail (CV_ERR_NOMEM, "cannot grow a list to %zu entries", cap);
      v->items = bigger;
      v->cap = cap;
    }
  v->items[v->count++] = x;
  return CV_OK;
}

static uint32_t
width_of (uint32_t n_leaves)
{
  return n_leaves ? 2 * n_leaves - 1 : 0;
}

static uint32_t
level_of (uint32_t x)
{
  uint32_t k = 0;

  while (x & 1)
    {
      x >>= 1;
      k++;
    }
  return k;
}

/* In a tree whose leaf count is a power of two, every node but the root has
 * a parent inside the tree. */
static uint32_t
parent_of (uint32_t x)
{
  uint32_t k = level_of (x);

  return ((x >> (k + 1)) & 1) ? x - (1u << k) : x + (1u << k);
}

static uint32_t
root_of (const cv_mls_tree *t)
{
  return t->n_leaves - 1;
}

static uint32_t
left_of (uint32_t x)
{
  return x - (1u << (level_of (x) - 1));
}

static uint32_t
right_of (uint32_t x)
{
  return x + (1u << (level_of (x) - 1));
}

/* Subtree of x: the contiguous node range [lo, hi]. */
static void
subtree_range (uint32_t x, uint32_t *lo, uint32_t *hi)
{
  uint32_t half = (1u << level_of (x)) - 1;

  *lo = x - half;
  *hi = x + half;
}

static bool
is_blank (const cv_mls_tree *t, uint32_t x)
{
  return t->nodes[x].leaf == NULL && t->nodes[x].parent == NULL;
}

static void
leaf_box_release (leaf_box *b)
{
  if (b && --b->refs == 0)
    {
      cv_mls_leaf_node_clear (&b->v);
      free (b);
    }
}

static void
parent_node_clear (cv_mls_parent_node *p)
{
  cv_bytes_clear (&p->encryption_key);
  cv_bytes_clear (&p->parent_hash);
  free (p->unmerged_leaves);
  memset (p, 0, sizeof *p);
}

static void
parent_box_release (parent_box *b)
{
  if (b && --b->refs == 0)
    {
      parent_node_clear (&b->v);
      free (b);
    }
}

/* Forgets the cached hash of x and of every ancestor. */
static void
invalidate (cv_mls_tree *t, uint32_t x)
{
  uint32_t root = root_of (t);

  for (;;)
    {
      t->nodes[x].hash_valid = false;
      if (x == root)
        break;
      x = parent_of (x);
    }
}

static void
node_set (cv_mls_tree *t, uint32_t x, leaf_box *leaf, parent_box *parent)
{
  leaf_box_release (t->nodes[x].leaf);
  parent_box_release (t->nodes[x].parent);
  t->nodes[x].leaf = leaf;
  t->nodes[x].parent = parent;
  invalidate (t, x);
}

static void
node_blank (cv_mls_tree *t, uint32_t x)
{
  if (!is_blank (t, x))
    node_set (t, x, NULL, NULL);
}

/* ---- Life cycle ---- */

cv_mls_tree *
cv_mls_tree_new (const cv_mls_suite *s)
{
  cv_mls_tree *t = calloc (1, sizeof *t);

  if (t)
    t->suite = s;
  return t;
}

void
cv_mls_tree_free (cv_mls_tree *t)
{
  if (!t)
    return;
  for (uint32_t x = 0; x < width_of (t->n_leaves); x++)
    {
      leaf_box_release (t->nodes[x].leaf);
      parent_box_release (t->nodes[x].parent);
    }
  free (t->nodes);
  free (t);
}

cv_status
cv_mls_tree_copy (const cv_mls_tree *t, cv_mls_tree **out)
{
  cv_mls_tree *c = cv_mls_tree_new (t->suite);
  uint32_t w = width_of (t->n_leaves);

  *out = NULL;
  if (!c)
    return cv_fail (CV_ERR_NOMEM, "cannot allocate a tree");
  if (w)
    {
      c->nodes = malloc (w * sizeof *c->nodes);
      if (!c->nodes)
        {
          free (c);
          return cv_fail (CV_ERR_NOMEM, "cannot allocate %u tree nodes", w);
        }
      memcpy (c->nodes, t->nodes, w * sizeof *c->nodes);
      for (uint32_t x = 0; x < w; x++)
        {
          if (c->nodes[x].leaf)
            c->nodes[x].leaf->refs++;
          if (c->nodes[x].parent)
            c->nodes[x].parent->refs++;
        }
    }
  c->n_leaves = t->n_leaves;
  *out = c;
  return CV_OK;
}

/* Changes the number of leaves to n (a power of two): new nodes are blank,
 * dropped ones are released. Cached hashes of kept nodes stay valid, as the
 * leaf indices under them do not change; the root moves, so it is forgotten. */
static cv_status
resize (cv_mls_tree *t, uint32_t n)
{
  uint32_t old_w = width_of (t->n_leaves), new_w = width_of (n);

  for (uint32_t x = new_w; x < old_w; x++)
    {
      leaf_box_release (t->nodes[x].leaf);
      parent_box_release (t->nodes[x].parent);
    }
  if (new_w > old_w)
    {
      tree_node *bigger = realloc (t->nodes, (new_w ? new_w : 1) * sizeof *bigger);

      if (!bigger)
        return cv_fail (CV_ERR_NOMEM, "cannot grow the tree to %u nodes", new_w);
      t->nodes = bigger;
      memset (t->nodes + old_w, 0, (new_w - old_w) * sizeof *t->nodes);
    }
  t->n_leaves = n;
  return CV_OK;
}

/* ---- Accessors ---- */

const cv_mls_suite *
cv_mls_tree_suite (const cv_mls_tree *t)
{
  return t->suite;
}

uint32_t
cv_mls_tree_n_leaves (const cv_mls_tree *t)
{
  return t->n_leaves;
}

uint32_t
cv_mls_tree_n_nodes (const cv_mls_tree *t)
{
  return width_of (t->n_leaves);
}

bool
cv_mls_tree_node_is_blank (const cv_mls_tree *t, uint32_t node)
{
  return node >= width_of (t->n_leaves) || is_blank (t, node);
}

const cv_mls_leaf_node *
cv_mls_tree_leaf (const cv_mls_tree *t, uint32_t leaf_index)
{
  if (leaf_index >= t->n_leaves || !t->nodes[2 * leaf_index].leaf)
    return NULL;
  return &t->nodes[2 * leaf_index].leaf->v;
}

const cv_mls_parent_node *
cv_mls_tree_parent_node (const cv_mls_tree *t, uint32_t node)
{
  if (node >= width_of (t->n_leaves) || !t->nodes[node].parent)
    return NULL;
  return &t->nodes[node].parent->v;
}

const cv_bytes *
cv_mls_tree_node_encryption_key (const cv_mls_tree *t, uint32_t node)
{
  if (node >= width_of (t->n_leaves))
    return NULL;
  if (t->nodes[node].leaf)
    return &t->nodes[node].leaf->v.encryption_key;
  if (t->nodes[node].parent)
    return &t->nodes[node].parent->v.encryption_key;
  return NULL;
}

uint32_t
cv_mls_tree_member_count (const cv_mls_tree *t)
{
  uint32_t n = 0;

  for (uint32_t i = 0; i < t->n_leaves; i++)
    n += t->nodes[2 * i].leaf != NULL;
  return n;
}

cv_status
cv_mls_tree_find_leaf (const cv_mls_tree *t, const cv_mls_leaf_node *leaf, uint32_t *leaf_index)
{
  cv_bytes want = CV_BYTES_INIT, have = CV_BYTES_INIT;
  cv_status st = cv_mls_leaf_node_serialize (leaf, &want);

  if (st != CV_OK)
    return st;
  for (uint32_t i = 0; i < t->n_leaves; i++)
    {
      const cv_mls_leaf_node *l = cv_mls_tree_leaf (t, i);

      /* Cheap filter first: the encryption keys are unique in a valid tree. */
      if (!l || !cv_bytes_eq (&l->encryption_key, &leaf->encryption_key))
        continue;
      if ((st = cv_mls_leaf_node_serialize (l, &have)) != CV_OK)
        break;
      if (cv_bytes_eq (&have, &want))
        {
          *leaf_index = i;
          cv_bytes_clear (&have);
          cv_bytes_clear (&want);
          return CV_OK;
        }
      cv_bytes_clear (&have);
    }
  cv_bytes_clear (&want);
  if (st != CV_OK)
    return st;
  return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.1: no leaf of the tree is our LeafNode");
}

/* ---- Serialization ---- */

/* First index of a sorted list whose entry is >= v. */
static size_t
lower_bound (const uint32_t *sorted, size_t n, uint32_t v)
{
  size_t lo = 0, hi = n;

  while (lo < hi)
    {
      size_t mid = (lo + hi) / 2;

      if (sorted[mid] < v)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static bool
sorted_has (const uint32_t *sorted, size_t n, uint32_t v)
{
  size_t i = lower_bound (sorted, n, v);

  return i < n && sorted[i] == v;
}

static void
parent_node_write (cv_mls_writer *w, const cv_mls_parent_node *p,
                   const uint32_t *skip, size_t n_skip)
{
  size_t mark;

  cv_mls_write_opaque (w, p->encryption_key.data, p->encryption_key.len);
  cv_mls_write_opaque (w, p->parent_hash.data, p->parent_hash.len);
  mark = cv_mls_write_vector_begin (w);
  /* skip is sorted (a parent's unmerged_leaves). */
  for (size_t i = 0; i < p->n_unmerged_leaves; i++)
    if (!sorted_has (skip, n_skip, p->unmerged_leaves[i]))
      cv_mls_write_u32 (w, p->unmerged_leaves[i]);
  cv_mls_write_vector_end (w, mark);
}

static cv_status
parent_node_read (cv_mls_reader *r, cv_mls_parent_node *out)
{
  const uint8_t *data;
  size_t len;
  cv_mls_reader sub;
  cv_status st;

  memset (out, 0, sizeof *out);
  if ((st = cv_mls_read_opaque (r, &data, &len)) != CV_OK)
    goto fail;
  if (len > CV_MLS_MAX_PUBLIC_KEY)
    {
      st = cv_fail (CV_ERR_TOO_LARGE, "encryption_key of %zu bytes", len);
      goto fail;
    }
  if ((st = cv_bytes_set (&out->encryption_key, data, len)) != CV_OK)
    goto fail;
  if ((st = cv_mls_read_opaque (r, &data, &len)) != CV_OK)
    goto fail;
  if (len > CV_MLS_MAX_HASH)
    {
      st = cv_fail (CV_ERR_TOO_LARGE, "parent_hash of %zu bytes", len);
      goto fail;
    }
  if ((st = cv_bytes_set (&out->parent_hash, data, len)) != CV_OK)
    goto fail;
  if ((st = cv_mls_read_vector (r, &sub)) != CV_OK)
    goto fail;
  if (sub.left % 4 != 0 || sub.left / 4 > CV_MLS_MAX_LEAVES)
    {
      st = cv_fail (sub.left % 4 ? CV_ERR_MALFORMED : CV_ERR_TOO_LARGE,
                    "unmerged_leaves of %zu bytes", sub.left);
      goto fail;
    }
  out->n_unmerged_leaves = sub.left / 4;
  out->unmerged_leaves = malloc ((out->n_unmerged_leaves ? out->n_unmerged_leaves : 1)
                                 * sizeof *out->unmerged_leaves);
  if (!out->unmerged_leaves)
    {
      st = cv_fail (CV_ERR_NOMEM, "cannot allocate unmerged_leaves");
      goto fail;
    }
  for (size_t i = 0; i < out->n_unmerged_leaves; i++)
    {
      cv_mls_read_u32 (&sub, &out->unmerged_leaves[i]);
      if (i > 0 && out->unmerged_leaves[i] <= out->unmerged_leaves[i - 1])
        {
          st = cv_fail (CV_ERR_INVALID, "RFC 9420 §7.1: unmerged_leaves are not in increasing "
                        "order (%u after %u)", out->unmerged_leaves[i],
                        out->unmerged_leaves[i - 1]);
          goto fail;
        }
    }
  return CV_OK;

fail:
  parent_node_clear (out);
  return st;
}

cv_status
cv_mls_tree_decode (const cv_mls_suite *s, const uint8_t *data, size_t len, cv_mls_tree **out)
{
  cv_mls_tree *t = cv_mls_tree_new (s);
  tree_node *nodes = NULL;
  size_t count = 0, cap = 0;
  cv_mls_reader r, sub;
  cv_status st;
  uint32_t n_leaves;

  *out = NULL;
  if (!t)
    return cv_fail (CV_ERR_NOMEM, "cannot allocate a tree");
  cv_mls_reader_init (&r, data, len);
  if ((st = cv_mls_read_vector (&r, &sub)) != CV_OK
      || (st = cv_mls_reader_expect_end (&r, "ratchet_tree")) != CV_OK)
    goto fail;
  while (!cv_mls_reader_at_end (&sub))
    {
      bool present;
      uint8_t type;
      tree_node *n;

      if (count >= 2 * (size_t) CV_MLS_MAX_LEAVES - 1)
        {
          st = cv_fail (CV_ERR_TOO_LARGE, "more than %u leaves", CV_MLS_MAX_LEAVES);
          goto fail;
        }
      if (count == cap)
        {
          tree_node *bigger;

          cap = cap ? cap * 2 : 16;
          bigger = realloc (nodes, cap * sizeof *bigger);
          if (!bigger)
            {
              st = cv_fail (CV_ERR_NOMEM, "cannot allocate %zu nodes", cap);
              goto fail;
            }
          nodes = bigger;
        }
      n = &nodes[count++];
      memset (n, 0, sizeof *n);
      if ((st = cv_mls_read_optional (&sub, &present)) != CV_OK)
        goto fail;
      if (!present)
        continue;
      if ((st = cv_mls_read_u8 (&sub, &type)) != CV_OK)
        goto fail;
      if (type != ((count - 1) % 2 == 0 ? 1 : 2))
        {
          st = cv_fail (CV_ERR_INVALID, "node %zu has node_type %u, but %s", count - 1, type,
                        (count - 1) % 2 == 0 ? "even nodes are leaves" : "odd nodes are parents");
          goto fail;
        }
      if (type == 1)
        {
          n->leaf = calloc (1, sizeof *n->leaf);
          if (!n->leaf)
            {
              st = cv_fail (CV_ERR_NOMEM, "cannot allocate a leaf");
              goto fail;
            }
          n->leaf->refs = 1;
          st = cv_mls_leaf_node_read (&sub, &n->leaf->v);
        }
      else
        {
          n->parent = calloc (1, sizeof *n->parent);
          if (!n->parent)
            {
              st = cv_fail (CV_ERR_NOMEM, "cannot allocate a parent");
              goto fail;
            }
          n->parent->refs = 1;
          st = parent_node_read (&sub, &n->parent->v);
        }
      if (st != CV_OK)
        {
          char why[400];

          snprintf (why, sizeof why, "%s", cv_status_message ());
          st = cv_fail (st, "node %zu: %s", count - 1, why);
          goto fail;
        }
    }
  if (count == 0)
    {
      st = cv_fail (CV_ERR_INVALID, "the tree has no node");
      goto fail;
    }
  if (!nodes[count - 1].leaf && !nodes[count - 1].parent)
    {
      st = cv_fail (CV_ERR_INVALID, "the last node is blank (trailing blanks must be omitted)");
      goto fail;
    }
  /* Extend to the smallest full tree that holds every node. */
  for (n_leaves = 1; width_of (n_leaves) < count; n_leaves *= 2)
    ;
  {
    tree_node *full = realloc (nodes, width_of (n_leaves) * sizeof *full);

    if (!full)
      {
        st = cv_fail (CV_ERR_NOMEM, "cannot allocate the tree");
        goto fail;
      }
    nodes = full;
    memset (nodes + count, 0, (width_of (n_leaves) - count) * sizeof *nodes);
  }
  t->nodes = nodes;
  t->n_leaves = n_leaves;
  *out = t;
  return CV_OK;

fail:
  for (size_t x = 0; x < count; x++)
    {
      leaf_box_release (nodes[x].leaf);
      parent_box_release (nodes[x].parent);
    }
  free (nodes);
  cv_mls_tree_free (t);
  {
    char why[400];

    snprintf (why, sizeof why, "%s", cv_status_message ());
    return cv_fail (st, "RFC 9420 §12.4.3.3: ratchet_tree: %s", why);
  }
}

cv_status
cv_mls_tree_encode (const cv_mls_tree *t, cv_bytes *out)
{
  cv_mls_writer w;
  uint32_t end = width_of (t->n_leaves);
  size_t mark;

  while (end > 0 && is_blank (t, end - 1))
    end--;
  cv_mls_writer_init (&w);
  /* About what a node takes with a basic credential, so that a large tree
   * grows once or twice rather than through every power of two. */
  cv_mls_writer_reserve (&w, (size_t) end * 128 + 16);
  mark = cv_mls_write_vector_begin (&w);
  for (uint32_t x = 0; x < end; x++)
    {
      const tree_node *n = &t->nodes[x];

      cv_mls_write_optional (&w, !is_blank (t, x));
      if (n->leaf)
        {
          cv_mls_write_u8 (&w, 1);
          cv_mls_leaf_node_write (&w, &n->leaf->v);
        }
      else if (n->parent)
        {
          cv_mls_write_u8 (&w, 2);
          parent_node_write (&w, &n->parent->v, NULL, 0);
        }
    }
  cv_mls_write_vector_end (&w, mark);
  return cv_mls_writer_finish (&w, out);
}

/* ---- Tree hashes (§7.8) ---- */

static cv_status
hash_writer (const cv_mls_suite *s, cv_mls_writer *w, uint8_t *out)
{
  cv_bytes input = CV_BYTES_INIT, h = CV_BYTES_INIT;
  cv_status st = cv_mls_writer_finish (w, &input);

  if (st == CV_OK)
    st = cv_mls_hash (s, input.data, input.len, &h);
  if (st == CV_OK)
    memcpy (out, h.data, h.len);
  cv_bytes_clear (&input);
  cv_bytes_clear (&h);
  return st;
}

static bool
leaf_excluded (uint32_t leaf, const uint32_t *excl, size_t n_excl)
{
  for (size_t i = 0; i < n_excl; i++)
    if (excl[i] == leaf)
      return true;
  return false;
}

/* excl is sorted (a parent's unmerged_leaves): is a leaf of x's subtree in it? */
static bool
subtree_has_excluded (uint32_t x, const uint32_t *excl, size_t n_excl)
{
  uint32_t lo, hi;
  size_t i;

  subtree_range (x, &lo, &hi);
  i = lower_bound (excl, n_excl, (lo + 1) / 2);
  return i < n_excl && excl[i] <= hi / 2;
}

/* TreeHashInput of x, with the leaves in excl (sorted) treated as blank and
 * dropped from unmerged_leaves (the "original" tree of §7.9); n_excl == 0 is
 * the plain tree hash, which is cached. Only the nodes above an excluded
 * leaf are recomputed, each check a binary search: no quadratic work even
 * when a parent has thousands of unmerged leaves. */
static cv_status
node_hash_into (cv_mls_tree *t, uint32_t x, const uint32_t *excl, size_t n_excl, uint8_t *out)
{
  tree_node *n = &t->nodes[x];
  size_t hl = t->suite->hash_len;
  bool cacheable = n_excl == 0 || !subtree_has_excluded (x, excl, n_excl);
  cv_mls_writer w;
  cv_status st;

  if (cacheable && n->hash_valid)
    {
      memcpy (out, n->hash, hl);
      return CV_OK;
    }
  if (cacheable)
    n_excl = 0;
  cv_mls_writer_init (&w);
  if (cv_mls_node_is_leaf (x))
    {
      bool present = n->leaf && !sorted_has (excl, n_excl, x / 2);

      cv_mls_write_u8 (&w, 1);
      cv_mls_write_u32 (&w, x / 2);
      cv_mls_write_optional (&w, present);
      if (present)
        cv_mls_leaf_node_write (&w, &n->leaf->v);
    }
  else
    {
      uint8_t left[CV_MLS_MAX_HASH], right[CV_MLS_MAX_HASH];

      if ((st = node_hash_into (t, left_of (x), excl, n_excl, left)) != CV_OK
          || (st = node_hash_into (t, right_of (x), excl, n_excl, right)) != CV_OK)
        {
          cv_mls_writer_clear (&w);
          return st;
        }
      cv_mls_write_u8 (&w, 2);
      cv_mls_write_optional (&w, n->parent != NULL);
      if (n->parent)
        parent_node_write (&w, &n->parent->v, excl, n_excl);
      cv_mls_write_opaque (&w, left, hl);
      cv_mls_write_opaque (&w, right, hl);
    }
  if ((st = hash_writer (t->suite, &w, out)) != CV_OK)
    return st;
  if (cacheable)
    {
      memcpy (n->hash, out, hl);
      n->hash_valid = true;
    }
  return CV_OK;
}

cv_status
cv_mls_tree_node_hash (cv_mls_tree *t, uint32_t node, cv_bytes *out)
{
  uint8_t h[CV_MLS_MAX_HASH];
  cv_status st;

  if (node >= width_of (t->n_leaves))
    return cv_fail (CV_ERR_ARGUMENT, "node %u is outside a tree of %u nodes", node,
                    width_of (t->n_leaves));
  if ((st = node_hash_into (t, node, NULL, 0, h)) != CV_OK)
    return st;
  return cv_bytes_set (out, h, t->suite->hash_len);
}

cv_status
cv_mls_tree_hash (cv_mls_tree *t, cv_bytes *out)
{
  if (t->n_leaves == 0)
    return cv_fail (CV_ERR_STATE, "the tree has no leaves");
  return cv_mls_tree_node_hash (t, root_of (t), out);
}

/* ---- Resolution and paths ---- */

static cv_status
resolve (const cv_mls_tree *t, uint32_t x, const uint32_t *excl, size_t n_excl, u32_vec *out)
{
  const tree_node *n = &t->nodes[x];
  cv_status st = CV_OK;

  if (n->leaf)
    return leaf_excluded (x / 2, excl, n_excl) ? CV_OK : u32_vec_push (out, x);
  if (n->parent)
    {
      st = u32_vec_push (out, x);
      for (size_t i = 0; i < n->parent->v.n_unmerged_leaves && st == CV_OK; i++)
        if (!leaf_excluded (n->parent->v.unmerged_leaves[i], excl, n_excl))
          st = u32_vec_push (out, 2 * n->parent->v.unmerged_leaves[i]);
      return st;
    }
  if (cv_mls_node_is_leaf (x))
    return CV_OK;
  st = resolve (t, left_of (x), excl, n_excl, out);
  if (st == CV_OK)
    st = resolve (t, right_of (x), excl, n_excl, out);
  return st;
}

cv_status
cv_mls_tree_resolution (const cv_mls_tree *t, uint32_t node, const uint32_t *exclude,
                        size_t n_exclude, uint32_t **out, size_t *n)
{
  u32_vec v = { 0 };
  cv_status st;

  *out = NULL;
  *n = 0;
  if (node >= width_of (t->n_leaves))
    return cv_fail (CV_ERR_ARGUMENT, "node %u is outside a tree of %u nodes", node,
                    width_of (t->n_leaves));
  st = resolve (t, node, exclude, n_exclude, &v);
  if (st != CV_OK)
    {
      free (v.items);
      return st;
    }
  *out = v.items;
  *n = v.count;
  return CV_OK;
}

/* The resolution of x is empty exactly when its whole subtree is blank. */
static bool
subtree_is_blank (const cv_mls_tree *t, uint32_t x)
{
  uint32_t lo, hi;

  subtree_range (x, &lo, &hi);
  for (uint32_t y = lo; y <= hi; y++)
    if (!is_blank (t, y))
      return false;
  return true;
}

cv_status
cv_mls_tree_filtered_direct_path (const cv_mls_tree *t, uint32_t leaf_index, uint32_t *path,
                                  uint32_t *copath_child, size_t *len)
{
  uint32_t x, root;

  *len = 0;
  if (leaf_index >= t->n_leaves)
    return cv_fail (CV_ERR_ARGUMENT, "leaf %u is outside a tree of %u leaves", leaf_index,
                    t->n_leaves);
  root = root_of (t);
  for (x = 2 * leaf_index; x != root;)
    {
      uint32_t p = parent_of (x);
      uint32_t sibling = left_of (p) == x ? right_of (p) : left_of (p);

      if (!subtree_is_blank (t, sibling))
        {
          path[*len] = p;
          copath_child[*len] = sibling;
          (*len)++;
        }
      x = p;
    }
  return CV_OK;
}

/* ---- Changes ---- */

static cv_status
leaf_box_new (const cv_mls_leaf_node *leaf, leaf_box **out)
{
  leaf_box *b = calloc (1, sizeof *b);
  cv_status st;

  *out = NULL;
  if (!b)
    return cv_fail (CV_ERR_NOMEM, "cannot allocate a leaf");
  if ((st = cv_mls_leaf_node_copy (&b->v, leaf)) != CV_OK)
    {
      free (b);
      return st;
    }
  b->refs = 1;
  *out = b;
  return CV_OK;
}

/* A new parent box equal to p with leaf added to unmerged_leaves (sorted). */
static cv_status
parent_box_with_unmerged (const cv_mls_parent_node *p, uint32_t leaf, parent_box **out)
{
  parent_box *b = calloc (1, sizeof *b);
  size_t i, n = p->n_unmerged_leaves;
  cv_status st;

  *out = NULL;
  if (!b)
    return cv_fail (CV_ERR_NOMEM, "cannot allocate a parent");
  b->refs = 1;
  b->v.unmerged_leaves = malloc ((n + 1) * sizeof *b->v.unmerged_leaves);
  if (!b->v.unmerged_leaves)
    {
      free (b);
      return cv_fail (CV_ERR_NOMEM, "cannot allocate unmerged_leaves");
    }
  if ((st = cv_bytes_copy (&b->v.encryption_key, &p->encryption_key)) != CV_OK
      || (st = cv_bytes_copy (&b->v.parent_hash, &p->parent_hash)) != CV_OK)
    {
      parent_node_clear (&b->v);
      free (b);
      return st;
    }
  for (i = 0; i < n && p->unmerged_leaves[i] < leaf; i++)
    b->v.unmerged_leaves[i] = p->unmerged_leaves[i];
  b->v.unmerged_leaves[i] = leaf;
  if (n > i)
    memcpy (b->v.unmerged_leaves + i + 1, p->unmerged_leaves + i, (n - i) * sizeof (uint32_t));
  b->v.n_unmerged_leaves = n + 1;
  *out = b;
  return CV_OK;
}

static void
blank_direct_path (cv_mls_tree *t, uint32_t leaf_index)
{
  uint32_t root = root_of (t);

  for (uint32_t x = 2 * leaf_index; x != root;)
    {
      x = parent_of (x);
      node_blank (t, x);
    }
}

cv_status
cv_mls_tree_add_leaf (cv_mls_tree *t, const cv_mls_leaf_node *leaf, uint32_t *leaf_index)
{
  leaf_box *b;
  uint32_t i, root;
  cv_status st;

  for (i = 0; i < t->n_leaves && t->nodes[2 * i].leaf; i++)
    ;
  if (i == t->n_leaves)
    {
      if (t->n_leaves >= CV_MLS_MAX_LEAVES)
        return cv_fail (CV_ERR_TOO_LARGE, "the tree already has %u leaves", t->n_leaves);
      if ((st = resize (t, t->n_leaves ? t->n_leaves * 2 : 1)) != CV_OK)
        return st;
    }
  if ((st = leaf_box_new (leaf, &b)) != CV_OK)
    return st;
  /* Record the newcomer as unmerged above it: it knows none of those keys. */
  root = root_of (t);
  for (uint32_t x = 2 * i; x != root;)
    {
      x = parent_of (x);
      if (t->nodes[x].parent)
        {
          parent_box *p;

          if ((st = parent_box_with_unmerged (&t->nodes[x].parent->v, i, &p)) != CV_OK)
            {
              leaf_box_release (b);
              return st;
            }
          node_set (t, x, NULL, p);
        }
    }
  node_set (t, 2 * i, b, NULL);
  *leaf_index = i;
  return CV_OK;
}

cv_status
cv_mls_tree_set_leaf (cv_mls_tree *t, uint32_t leaf_index, const cv_mls_leaf_node *leaf)
{
  leaf_box *b;
  cv_status st;

  if (leaf_index >= t->n_leaves)
    return cv_fail (CV_ERR_ARGUMENT, "leaf %u is outside a tree of %u leaves", leaf_index,
                    t->n_leaves);
  if ((st = leaf_box_new (leaf, &b)) != CV_OK)
    return st;
  node_set (t, 2 * leaf_index, b, NULL);
  return CV_OK;
}

cv_status
cv_mls_tree_update_leaf (cv_mls_tree *t, uint32_t leaf_index, const cv_mls_leaf_node *leaf)
{
  cv_status st;

  if (leaf_index >= t->n_leaves || !t->nodes[2 * leaf_index].leaf)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.1.2: Update of leaf %u, which is blank",
                    leaf_index);
  if ((st = cv_mls_tree_set_leaf (t, leaf_index, leaf)) != CV_OK)
    return st;
  blank_direct_path (t, leaf_index);
  return CV_OK;
}

cv_status
cv_mls_tree_remove_leaf (cv_mls_tree *t, uint32_t leaf_index)
{
  if (leaf_index >= t->n_leaves || !t->nodes[2 * leaf_index].leaf)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.1.3: Remove of leaf %u, which is blank",
                    leaf_index);
  node_blank (t, 2 * leaf_index);
  blank_direct_path (t, leaf_index);
  /* Truncate while the right subtree is entirely blank (§7.7). */
  while (t->n_leaves > 1)
    {
      uint32_t lo = t->n_leaves, hi = width_of (t->n_leaves) - 1;
      bool blank = true;

      for (uint32_t x = lo; x <= hi && blank; x++)
        blank = is_blank (t, x);
      if (!blank)
        break;
      resize (t, t->n_leaves / 2);  /* shrinking cannot fail */
    }
  return CV_OK;
}

/* ParentHashInput (§7.9) hashed. */
static cv_status
parent_hash_of (const cv_mls_suite *s, const cv_bytes *encryption_key,
                const uint8_t *parent_hash, size_t parent_hash_len,
                const uint8_t *sibling_hash, uint8_t *out)
{
  cv_mls_writer w;

  cv_mls_writer_init (&w);
  cv_mls_write_opaque (&w, encryption_key->data, encryption_key->len);
  cv_mls_write_opaque (&w, parent_hash, parent_hash_len);
  cv_mls_write_opaque (&w, sibling_hash, s->hash_len);
  return hash_writer (s, &w, out);
}

cv_status
cv_mls_tree_set_path (cv_mls_tree *t, uint32_t sender, const cv_bytes *keys, size_t n_keys,
                      cv_bytes *leaf_parent_hash)
{
  uint32_t path[CV_MLS_TREE_MAX_DEPTH], copath[CV_MLS_TREE_MAX_DEPTH];
  uint8_t above[CV_MLS_MAX_HASH], sibling[CV_MLS_MAX_HASH];
  size_t len, above_len = 0;
  cv_status st;

  if (sender >= t->n_leaves)
    return cv_fail (CV_ERR_ARGUMENT, "leaf %u is outside a tree of %u leaves", sender,
                    t->n_leaves);
  blank_direct_path (t, sender);
  if ((st = cv_mls_tree_filtered_direct_path (t, sender, path, copath, &len)) != CV_OK)
    return st;
  if (len != n_keys)
    return cv_fail (CV_ERR_INVALID,
                    "RFC 9420 §7.6: UpdatePath has %zu nodes, the filtered direct path of "
                    "leaf %u has %zu", n_keys, sender, len);
  /* From the root down: each node carries the parent hash of the one above. */
  for (size_t i = len; i-- > 0;)
    {
      parent_box *b = calloc (1, sizeof *b);

      if (!b)
        return cv_fail (CV_ERR_NOMEM, "cannot allocate a parent");
      b->refs = 1;
      if ((st = cv_bytes_copy (&b->v.encryption_key, &keys[i])) != CV_OK
          || (st = cv_bytes_set (&b->v.parent_hash, above, above_len)) != CV_OK)
        {
          parent_node_clear (&b->v);
          free (b);
          return st;
        }
      node_set (t, path[i], NULL, b);
      if ((st = node_hash_into (t, copath[i], NULL, 0, sibling)) != CV_OK
          || (st = parent_hash_of (t->suite, &keys[i], above, above_len, sibling, above)) != CV_OK)
        return st;
      above_len = t->suite->hash_len;
    }
  return cv_bytes_set (leaf_parent_hash, above, above_len);
}

static bool
key_in_tree (const cv_mls_tree *t, const cv_bytes *key, uint32_t *where)
{
  for (uint32_t x = 0; x < width_of (t->n_leaves); x++)
    {
      const cv_bytes *k = cv_mls_tree_node_encryption_key (t, x);

      if (k && k->len == key->len && memcmp (k->data, key->data, key->len) == 0)
        {
          *where = x;
          return true;
        }
    }
  return false;
}

cv_status
cv_mls_tree_merge_update_path (cv_mls_tree *t, uint32_t sender, const cv_mls_update_path *path)
{
  cv_bytes *keys, leaf_ph = CV_BYTES_INIT;
  uint32_t where;
  cv_status st;

  if (sender >= t->n_leaves)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.2: committer leaf %u is outside the tree",
                    sender);
  if (path->leaf_node.source != CV_MLS_LEAF_SOURCE_COMMIT)
    return cv_fail (CV_ERR_INVALID,
                    "RFC 9420 §12.4.2: the UpdatePath LeafNode's source is not commit");
  /* None of the new keys may already be in the tree, nor twice in the path. */
  if (key_in_tree (t, &path->leaf_node.encryption_key, &where))
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.2: the UpdatePath leaf's encryption key "
                    "is already at node %u", where);
  for (size_t i = 0; i < path->n_nodes; i++)
    {
      if (key_in_tree (t, &path->nodes[i].encryption_key, &where))
        return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.2: UpdatePath node %zu's key is "
                        "already at node %u", i, where);
      if (cv_bytes_eq (&path->nodes[i].encryption_key, &path->leaf_node.encryption_key))
        return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.2: UpdatePath repeats a key");
      for (size_t j = 0; j < i; j++)
        if (cv_bytes_eq (&path->nodes[i].encryption_key, &path->nodes[j].encryption_key))
          return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.2: UpdatePath repeats a key");
    }
  keys = calloc (path->n_nodes ? path->n_nodes : 1, sizeof *keys);
  if (!keys)
    return cv_fail (CV_ERR_NOMEM, "cannot allocate %zu keys", path->n_nodes);
  for (size_t i = 0; i < path->n_nodes; i++)
    keys[i] = path->nodes[i].encryption_key;  /* borrowed */
  st = cv_mls_tree_set_path (t, sender, keys, path->n_nodes, &leaf_ph);
  free (keys);
  if (st != CV_OK)
    return st;
  if (!cv_bytes_eq (&leaf_ph, &path->leaf_node.parent_hash))
    {
      cv_bytes_clear (&leaf_ph);
      return cv_fail (CV_ERR_INVALID, "RFC 9420 §7.9.2: the committer's parent_hash does not "
                      "match the UpdatePath");
    }
  cv_bytes_clear (&leaf_ph);
  return cv_mls_tree_set_leaf (t, sender, &path->leaf_node);
}

/* ---- Validation ---- */

static bool
unmerged_has (const cv_mls_parent_node *p, uint32_t leaf)
{
  size_t lo = 0, hi = p->n_unmerged_leaves;

  while (lo < hi)
    {
      size_t mid = (lo + hi) / 2;

      if (p->unmerged_leaves[mid] == leaf)
        return true;
      if (p->unmerged_leaves[mid] < leaf)
        lo = mid + 1;
      else
        hi = mid;
    }
  return false;
}

/* Does D (in the subtree of child c of P) carry the parent hash of P?
 * §7.9.2: D is in the resolution of c, the resolution of c without D is
 * exactly P's unmerged leaves under c, and D.parent_hash is the parent hash
 * of P with s, the other child, as the copath child. */
static cv_status
side_is_valid (cv_mls_tree *t, uint32_t p, uint32_t c, uint32_t s, bool *valid)
{
  const cv_mls_parent_node *pn = &t->nodes[p].parent->v;
  u32_vec res = { 0 };
  uint32_t lo, hi, d = 0, n_under = 0, n_candidates = 0;
  const cv_bytes *d_hash = NULL;
  uint8_t sibling[CV_MLS_MAX_HASH], ph[CV_MLS_MAX_HASH];
  cv_status st;

  *valid = false;
  if ((st = resolve (t, c, NULL, 0, &res)) != CV_OK)
    return st;
  for (size_t i = 0; i < res.count; i++)
    if (!(cv_mls_node_is_leaf (res.items[i]) && unmerged_has (pn, res.items[i] / 2)))
      {
        d = res.items[i];
        n_candidates++;
      }
  subtree_range (c, &lo, &hi);
  for (size_t i = 0; i < pn->n_unmerged_leaves; i++)
    n_under += 2 * pn->unmerged_leaves[i] >= lo && 2 * pn->unmerged_leaves[i] <= hi;
  free (res.items);
  if (n_candidates != 1 || res.count - 1 != n_under)
    return CV_OK;
  if (t->nodes[d].parent)
    d_hash = &t->nodes[d].parent->v.parent_hash;
  else if (t->nodes[d].leaf->v.source == CV_MLS_LEAF_SOURCE_COMMIT)
    d_hash = &t->nodes[d].leaf->v.parent_hash;
  if (!d_hash || d_hash->len != t->suite->hash_len)
    return CV_OK;
  if ((st = node_hash_into (t, s, pn->unmerged_leaves, pn->n_unmerged_leaves, sibling)) != CV_OK
      || (st = parent_hash_of (t->suite, &pn->encryption_key, pn->parent_hash.data,
                               pn->parent_hash.len, sibling, ph)) != CV_OK)
    return st;
  *valid = CRYPTO_memcmp (ph, d_hash->data, d_hash->len) == 0;
  return CV_OK;
}

cv_status
cv_mls_tree_verify_parent_hashes (cv_mls_tree *t)
{
  for (uint32_t p = 1; p < width_of (t->n_leaves); p += 2)
    {
      bool left_ok, right_ok;
      cv_status st;

      if (!t->nodes[p].parent)
        continue;
      if ((st = side_is_valid (t, p, left_of (p), right_of (p), &left_ok)) != CV_OK
          || (st = side_is_valid (t, p, right_of (p), left_of (p), &right_ok)) != CV_OK)
        return st;
      if (left_ok == right_ok)
        return cv_fail (CV_ERR_INVALID,
                        "RFC 9420 §7.9.2: parent node %u is %s", p,
                        left_ok ? "parent-hash valid from both children"
                                : "not parent-hash valid (no descendant carries its parent hash)");
    }
  return CV_OK;
}

cv_status
cv_mls_tree_verify_leaf_signatures (const cv_mls_tree *t, const uint8_t *group_id,
                                    size_t group_id_len)
{
  for (uint32_t i = 0; i < t->n_leaves; i++)
    {
      const cv_mls_leaf_node *l = cv_mls_tree_leaf (t, i);
      cv_status st;

      if (l && (st = cv_mls_leaf_node_verify (t->suite, l, group_id, group_id_len, i)) != CV_OK)
        return st;
    }
  return CV_OK;
}

typedef struct {
  const cv_bytes *key;
  uint32_t node;
} key_ref;

static int
key_ref_cmp (const void *a, const void *b)
{
  const cv_bytes *x = ((const key_ref *) a)->key, *y = ((const key_ref *) b)->key;
  size_t n = x->len < y->len ? x->len : y->len;
  int c = memcmp (x->data, y->data, n);

  if (c)
    return c;
  return x->len < y->len ? -1 : x->len > y->len;
}

/* Sorting finds duplicates in O(n log n); a tree of 1000 is 2000 keys. */
static cv_status
check_unique (key_ref *refs, size_t n, const char *what)
{
  qsort (refs, n, sizeof *refs, key_ref_cmp);
  for (size_t i = 1; i < n; i++)
    if (key_ref_cmp (&refs[i - 1], &refs[i]) == 0)
      return cv_fail (CV_ERR_INVALID, "RFC 9420 §7.3: nodes %u and %u have the same %s",
                      refs[i - 1].node < refs[i].node ? refs[i - 1].node : refs[i].node,
                      refs[i - 1].node < refs[i].node ? refs[i].node : refs[i - 1].node, what);
  return CV_OK;
}

static cv_status
check_unique_keys (const cv_mls_tree *t)
{
  uint32_t w = width_of (t->n_leaves);
  key_ref *enc = malloc ((w ? w : 1) * sizeof *enc), *sig = malloc ((w ? w : 1) * sizeof *sig);
  size_t n_enc = 0, n_sig = 0;
  cv_status st;

  if (!enc || !sig)
    {
      free (enc);
      free (sig);
      return cv_fail (CV_ERR_NOMEM, "cannot allocate %u key references", w);
    }
  for (uint32_t x = 0; x < w; x++)
    {
      const cv_bytes *k = cv_mls_tree_node_encryption_key (t, x);

      if (k)
        enc[n_enc++] = (key_ref) { k, x };
      if (t->nodes[x].leaf)
        sig[n_sig++] = (key_ref) { &t->nodes[x].leaf->v.signature_key, x };
    }
  st = check_unique (enc, n_enc, "encryption key");
  if (st == CV_OK)
    st = check_unique (sig, n_sig, "signature key");
  free (enc);
  free (sig);
  return st;
}

static cv_status
check_unmerged (const cv_mls_tree *t)
{
  for (uint32_t p = 1; p < width_of (t->n_leaves); p += 2)
    {
      const cv_mls_parent_node *pn = cv_mls_tree_parent_node (t, p);
      uint32_t lo, hi;

      if (!pn)
        continue;
      subtree_range (p, &lo, &hi);
      for (size_t i = 0; i < pn->n_unmerged_leaves; i++)
        {
          uint32_t u = pn->unmerged_leaves[i];

          if (i > 0 && u <= pn->unmerged_leaves[i - 1])
            return cv_fail (CV_ERR_INVALID, "RFC 9420 §7.1: unmerged_leaves of node %u are not "
                            "in increasing order", p);
          if (u >= t->n_leaves || 2 * u < lo || 2 * u > hi)
            return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.1: unmerged leaf %u of node %u "
                            "is not below it", u, p);
          if (!t->nodes[2 * u].leaf)
            return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.1: unmerged leaf %u of node %u "
                            "is blank", u, p);
          for (uint32_t x = parent_of (2 * u); x != p; x = parent_of (x))
            if (t->nodes[x].parent && !unmerged_has (&t->nodes[x].parent->v, u))
              return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.1: leaf %u is unmerged at node "
                              "%u but not at node %u between them", u, p, x);
        }
    }
  return CV_OK;
}

static cv_status
check_leaves (const cv_mls_tree *t, const cv_mls_tree_check *c)
{
  cv_mls_required_capabilities rc;
  const cv_mls_extension *ext = c->context_extensions
    ? cv_mls_extension_list_find (c->context_extensions, CV_MLS_EXT_REQUIRED_CAPABILITIES) : NULL;
  uint16_t in_use[16];
  size_t n_in_use = 0;
  cv_status st = CV_OK;

  memset (&rc, 0, sizeof rc);
  if (ext && (st = cv_mls_required_capabilities_parse (ext->data.data, ext->data.len, &rc))
      != CV_OK)
    return st;
  /* Credential types in use, for the all-members-support-all check. */
  for (uint32_t i = 0; i < t->n_leaves; i++)
    {
      const cv_mls_leaf_node *l = cv_mls_tree_leaf (t, i);
      bool seen = false;

      for (size_t j = 0; l && j < n_in_use && !seen; j++)
        seen = in_use[j] == l->credential.type;
      if (l && !seen && n_in_use < sizeof in_use / sizeof in_use[0])
        in_use[n_in_use++] = l->credential.type;
    }
  for (uint32_t i = 0; i < t->n_leaves && st == CV_OK; i++)
    {
      const cv_mls_leaf_node *l = cv_mls_tree_leaf (t, i);

      if (!l)
        continue;
      if ((st = cv_mls_leaf_node_check (l, 0, c->now)) != CV_OK)
        break;
      for (size_t j = 0; j < rc.extension_types.count && st == CV_OK; j++)
        if (!cv_mls_u16_list_has (&l->capabilities.extensions, rc.extension_types.items[j]))
          st = cv_fail (CV_ERR_INVALID, "RFC 9420 §11.1: required extension 0x%04x missing",
                        rc.extension_types.items[j]);
      for (size_t j = 0; j < rc.proposal_types.count && st == CV_OK; j++)
        if (!cv_mls_u16_list_has (&l->capabilities.proposals, rc.proposal_types.items[j]))
          st = cv_fail (CV_ERR_INVALID, "RFC 9420 §11.1: required proposal type 0x%04x missing",
                        rc.proposal_types.items[j]);
      for (size_t j = 0; j < rc.credential_types.count && st == CV_OK; j++)
        if (!cv_mls_u16_list_has (&l->capabilities.credentials, rc.credential_types.items[j]))
          st = cv_fail (CV_ERR_INVALID, "RFC 9420 §11.1: required credential type 0x%04x "
                        "missing", rc.credential_types.items[j]);
      for (size_t j = 0; c->context_extensions && j < c->context_extensions->count
           && st == CV_OK; j++)
        {
          uint16_t type = c->context_extensions->items[j].type;

          if (!cv_mls_extension_type_is_default (type)
              && !cv_mls_u16_list_has (&l->capabilities.extensions, type))
            st = cv_fail (CV_ERR_INVALID, "RFC 9420 §13.4: group extension 0x%04x is not "
                          "supported", type);
        }
      for (size_t j = 0; j < n_in_use && st == CV_OK; j++)
        if (!cv_mls_u16_list_has (&l->capabilities.credentials, in_use[j]))
          st = cv_fail (CV_ERR_INVALID, "RFC 9420 §7.3: credential type 0x%04x in use in the "
                        "group is not supported", in_use[j]);
      if (st != CV_OK)
        {
          char why[400];

          snprintf (why, sizeof why, "%s", cv_status_message ());
          st = cv_fail (st, "leaf %u: %s", i, why);
        }
    }
  cv_mls_required_capabilities_clear (&rc);
  return st;
}

cv_status
cv_mls_tree_validate (cv_mls_tree *t, const cv_mls_tree_check *c)
{
  cv_status st;

  if (t->n_leaves == 0)
    return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.1: the tree is empty");
  if (c->tree_hash)
    {
      uint8_t root[CV_MLS_MAX_HASH];

      if ((st = node_hash_into (t, root_of (t), NULL, 0, root)) != CV_OK)
        return st;
      if (c->tree_hash_len != t->suite->hash_len
          || CRYPTO_memcmp (root, c->tree_hash, c->tree_hash_len) != 0)
        return cv_fail (CV_ERR_INVALID, "RFC 9420 §12.4.3.1: the tree hash does not match "
                        "the GroupContext");
    }
  if ((st = check_leaves (t, c)) != CV_OK
      || (st = check_unique_keys (t)) != CV_OK
      || (st = check_unmerged (t)) != CV_OK
      || (st = cv_mls_tree_verify_parent_hashes (t)) != CV_OK)
    return st;
  return cv_mls_tree_verify_leaf_signatures (t, c->group_id, c->group_id_len);
}

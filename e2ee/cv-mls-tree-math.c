#include "cv-mls-tree-math.h"

uint32_t
cv_mls_tree_level (uint32_t node)
{
  uint32_t k = 0;

  while (k < 32 && ((node >> k) & 1) == 1)
    k++;
  return k;
}

uint32_t
cv_mls_tree_node_width (uint32_t n_leaves)
{
  if (n_leaves == 0 || n_leaves > CV_MLS_TREE_MAX_LEAVES)
    return 0;
  return (uint32_t) (2 * (uint64_t) n_leaves - 1);
}

static cv_status
check_size (uint32_t n_leaves)
{
  if (n_leaves == 0 || n_leaves > CV_MLS_TREE_MAX_LEAVES)
    return cv_fail (CV_ERR_ARGUMENT, "RFC 9420 §7.1: a tree of %u leaves is impossible", n_leaves);
  return CV_OK;
}

static cv_status
check_node (uint32_t node, uint32_t n_leaves)
{
  cv_status st = check_size (n_leaves);

  if (st == CV_OK && node >= cv_mls_tree_node_width (n_leaves))
    st = cv_fail (CV_ERR_ARGUMENT, "node %u is outside a tree of %u leaves", node, n_leaves);
  return st;
}

cv_status
cv_mls_tree_root (uint32_t n_leaves, uint32_t *root)
{
  uint32_t width = cv_mls_tree_node_width (n_leaves);
  uint32_t log2 = 0;
  cv_status st = check_size (n_leaves);

  if (st != CV_OK)
    return st;
  while (((uint64_t) 1 << (log2 + 1)) <= width)
    log2++;
  *root = (uint32_t) (((uint64_t) 1 << log2) - 1);
  return CV_OK;
}

/* The level of a node that has children: both child functions need it. */
static cv_status
parent_level (uint32_t node, uint32_t *k)
{
  *k = cv_mls_tree_level (node);
  if (*k == 0)
    return cv_fail (CV_ERR_INVALID, "node %u is a leaf and has no children", node);
  if (*k >= 32)
    return cv_fail (CV_ERR_ARGUMENT, "node %u is beyond any tree", node);
  return CV_OK;
}

cv_status
cv_mls_tree_left (uint32_t node, uint32_t *left)
{
  uint32_t k;
  cv_status st = parent_level (node, &k);

  if (st == CV_OK)
    *left = node ^ ((uint32_t) 1 << (k - 1));
  return st;
}

cv_status
cv_mls_tree_right (uint32_t node, uint32_t *right)
{
  uint32_t k;
  cv_status st = parent_level (node, &k);

  if (st == CV_OK)
    *right = (uint32_t) (node ^ ((uint64_t) 3 << (k - 1)));
  return st;
}

/* The parent in the infinite tree; may lie beyond a tree that is not full. */
static uint64_t
parent_step (uint64_t x)
{
  uint32_t k = cv_mls_tree_level ((uint32_t) x);
  uint64_t b = (x >> (k + 1)) & 1;

  return (x | ((uint64_t) 1 << k)) ^ (b << (k + 1));
}

cv_status
cv_mls_tree_parent (uint32_t node, uint32_t n_leaves, uint32_t *parent)
{
  uint32_t root;
  uint64_t width, p;
  cv_status st = check_node (node, n_leaves);

  if (st != CV_OK)
    return st;
  cv_mls_tree_root (n_leaves, &root);
  if (node == root)
    return cv_fail (CV_ERR_INVALID, "node %u is the root and has no parent", node);
  width = cv_mls_tree_node_width (n_leaves);
  /* RFC 9420 trees are full; for any other size, climb past the parents
   * that do not exist. Terminates at the root, which is below width. */
  p = parent_step (node);
  while (p >= width)
    p = parent_step (p);
  *parent = (uint32_t) p;
  return CV_OK;
}

cv_status
cv_mls_tree_sibling (uint32_t node, uint32_t n_leaves, uint32_t *sibling)
{
  uint32_t p;
  cv_status st = cv_mls_tree_parent (node, n_leaves, &p);

  if (st != CV_OK)
    return st;
  if (node < p)
    cv_mls_tree_right (p, sibling);
  else
    cv_mls_tree_left (p, sibling);
  /* In a tree that is not full the right child may not exist: descend left. */
  while (*sibling >= cv_mls_tree_node_width (n_leaves))
    cv_mls_tree_left (*sibling, sibling);
  return CV_OK;
}

cv_status
cv_mls_tree_direct_path (uint32_t node, uint32_t n_leaves, uint32_t *path, size_t *len)
{
  uint32_t root, x = node;
  cv_status st = check_node (node, n_leaves);

  *len = 0;
  if (st != CV_OK)
    return st;
  cv_mls_tree_root (n_leaves, &root);
  while (x != root && *len < CV_MLS_TREE_MAX_DEPTH)
    {
      cv_mls_tree_parent (x, n_leaves, &x);
      path[(*len)++] = x;
    }
  return CV_OK;
}

cv_status
cv_mls_tree_copath (uint32_t node, uint32_t n_leaves, uint32_t *path, size_t *len)
{
  uint32_t root, x = node;
  cv_status st = check_node (node, n_leaves);

  *len = 0;
  if (st != CV_OK)
    return st;
  cv_mls_tree_root (n_leaves, &root);
  while (x != root && *len < CV_MLS_TREE_MAX_DEPTH)
    {
      cv_mls_tree_sibling (x, n_leaves, &path[(*len)++]);
      cv_mls_tree_parent (x, n_leaves, &x);
    }
  return CV_OK;
}

cv_status
cv_mls_tree_common_ancestor (uint32_t x, uint32_t y, uint32_t n_leaves, uint32_t *ancestor)
{
  uint32_t lx, ly, k = 0;
  uint64_t xn = x, yn = y;
  cv_status st = check_node (x, n_leaves);

  if (st == CV_OK)
    st = check_node (y, n_leaves);
  if (st != CV_OK)
    return st;

  /* One is an ancestor of the other (or they are the same node). */
  lx = cv_mls_tree_level (x) + 1;
  ly = cv_mls_tree_level (y) + 1;
  if (lx <= ly && xn >> ly == yn >> ly)
    {
      *ancestor = y;
      return CV_OK;
    }
  if (ly <= lx && xn >> lx == yn >> lx)
    {
      *ancestor = x;
      return CV_OK;
    }

  /* Otherwise their common prefix names the ancestor. */
  while (xn != yn)
    {
      xn >>= 1;
      yn >>= 1;
      k++;
    }
  xn = (xn << k) + ((uint64_t) 1 << (k - 1)) - 1;
  /* Only in a tree that is not full can that node be missing; its nearest
   * existing ancestor then takes its place. */
  while (xn >= cv_mls_tree_node_width (n_leaves))
    xn = parent_step (xn);
  *ancestor = (uint32_t) xn;
  return CV_OK;
}

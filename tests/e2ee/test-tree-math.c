/* tree-math.json: root, left, right, parent and sibling of every node of
 * trees of 1..512 leaves (RFC 9420 Appendix C), plus direct paths, copaths
 * and common ancestors checked against their definitions, and the largest
 * tree for overflow. */
#include <stdio.h>
#include <string.h>

#include "cv-mls-tree-math.h"
#include "cv-test-vectors.h"

static int failures;

#define CHECK(cond) \
  do { if (!(cond)) { fprintf (stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)

/* Compares an optional<uint32> vector entry with what the function gave. */
static bool
match_optional (const char *what, uint32_t node, JsonArray *want, cv_status st, uint32_t got)
{
  JsonNode *w = json_array_get_element (want, node);
  bool want_null = JSON_NODE_HOLDS_NULL (w);

  if (want_null ? st != CV_OK : (st == CV_OK && got == (uint32_t) json_node_get_int (w)))
    return true;
  fprintf (stderr, "  %s(%u): got %s%u, want %s\n", what, node, st == CV_OK ? "" : "error/",
           st == CV_OK ? got : 0, want_null ? "null" : "a value");
  return false;
}

static bool
run_vector (JsonObject *o)
{
  uint32_t n_leaves = (uint32_t) json_object_get_int_member (o, "n_leaves");
  uint32_t n_nodes = (uint32_t) json_object_get_int_member (o, "n_nodes");
  JsonArray *left = json_object_get_array_member (o, "left");
  JsonArray *right = json_object_get_array_member (o, "right");
  JsonArray *parent = json_object_get_array_member (o, "parent");
  JsonArray *sibling = json_object_get_array_member (o, "sibling");
  uint32_t root = 0, v = 0;
  bool ok = true;

  if (cv_mls_tree_node_width (n_leaves) != n_nodes)
    {
      fprintf (stderr, "  node width of %u leaves: %u, want %u\n", n_leaves,
               cv_mls_tree_node_width (n_leaves), n_nodes);
      ok = false;
    }
  if (cv_mls_tree_root (n_leaves, &root) != CV_OK
      || root != (uint32_t) json_object_get_int_member (o, "root"))
    {
      fprintf (stderr, "  root of %u leaves: %u\n", n_leaves, root);
      ok = false;
    }
  for (uint32_t i = 0; i < n_nodes; i++)
    {
      cv_status st;

      st = cv_mls_tree_left (i, &v);
      ok &= match_optional ("left", i, left, st, v);
      st = cv_mls_tree_right (i, &v);
      ok &= match_optional ("right", i, right, st, v);
      st = cv_mls_tree_parent (i, n_leaves, &v);
      ok &= match_optional ("parent", i, parent, st, v);
      st = cv_mls_tree_sibling (i, n_leaves, &v);
      ok &= match_optional ("sibling", i, sibling, st, v);
    }
  /* Just outside the tree. */
  ok &= cv_mls_tree_parent (n_nodes, n_leaves, &v) == CV_ERR_ARGUMENT;
  ok &= cv_mls_tree_sibling (n_nodes, n_leaves, &v) == CV_ERR_ARGUMENT;
  return ok;
}

/* Direct path, copath and common ancestor against their definitions. */
static void
check_paths (uint32_t n_leaves)
{
  uint32_t width = cv_mls_tree_node_width (n_leaves), root, path[CV_MLS_TREE_MAX_DEPTH];
  uint32_t copath[CV_MLS_TREE_MAX_DEPTH], dp_y[CV_MLS_TREE_MAX_DEPTH], v;
  size_t len, colen, ylen;

  cv_mls_tree_root (n_leaves, &root);
  for (uint32_t x = 0; x < width; x++)
    {
      CHECK (cv_mls_tree_direct_path (x, n_leaves, path, &len) == CV_OK);
      CHECK (cv_mls_tree_copath (x, n_leaves, copath, &colen) == CV_OK && colen == len);
      CHECK (x == root ? len == 0 : path[len - 1] == root);
      uint32_t below = x;
      for (size_t i = 0; i < len; i++)
        {
          CHECK (cv_mls_tree_sibling (below, n_leaves, &v) == CV_OK && v == copath[i]);
          CHECK (cv_mls_tree_parent (below, n_leaves, &v) == CV_OK && v == path[i]);
          below = path[i];
        }

      for (uint32_t y = 0; y < width; y++)
        {
          /* The lowest node in both {x} + direct_path(x) and {y} + direct_path(y). */
          uint32_t want = root, got = 0;
          cv_mls_tree_direct_path (y, n_leaves, dp_y, &ylen);
          for (size_t i = 0; i <= len && want == root; i++)
            {
              uint32_t a = i == 0 ? x : path[i - 1];
              bool in_y = a == y;
              for (size_t j = 0; j < ylen; j++)
                in_y |= dp_y[j] == a;
              if (in_y)
                want = a;
            }
          CHECK (cv_mls_tree_common_ancestor (x, y, n_leaves, &got) == CV_OK && got == want);
        }
    }
}

static void
check_limits (void)
{
  const uint32_t max = CV_MLS_TREE_MAX_LEAVES;
  uint32_t v, path[CV_MLS_TREE_MAX_DEPTH];
  size_t len;

  CHECK (cv_mls_tree_node_width (max) == UINT32_MAX);
  CHECK (cv_mls_tree_node_width (max + 1) == 0 && cv_mls_tree_node_width (0) == 0);
  CHECK (cv_mls_tree_root (max, &v) == CV_OK && v == max - 1);
  CHECK (cv_mls_tree_root (0, &v) == CV_ERR_ARGUMENT);
  CHECK (cv_mls_tree_root (max + 1, &v) == CV_ERR_ARGUMENT);
  CHECK (cv_mls_tree_parent (UINT32_MAX - 1, max, &v) == CV_OK && v == UINT32_MAX - 2);
  CHECK (cv_mls_tree_sibling (UINT32_MAX - 1, max, &v) == CV_OK && v == UINT32_MAX - 3);
  CHECK (cv_mls_tree_parent (UINT32_MAX, max, &v) == CV_ERR_ARGUMENT);
  CHECK (cv_mls_tree_parent (max - 1, max, &v) == CV_ERR_INVALID);
  CHECK (cv_mls_tree_sibling (max - 1, max, &v) == CV_ERR_INVALID);
  CHECK (cv_mls_tree_right (max - 1, &v) == CV_OK && v == max - 1 + (max >> 1));
  CHECK (cv_mls_tree_left (UINT32_MAX, &v) == CV_ERR_ARGUMENT);
  CHECK (cv_mls_tree_direct_path (UINT32_MAX - 1, max, path, &len) == CV_OK && len == 31
         && path[30] == max - 1);
  CHECK (cv_mls_tree_common_ancestor (0, UINT32_MAX - 1, max, &v) == CV_OK && v == max - 1);
  CHECK (cv_mls_tree_common_ancestor (0, 2, max, &v) == CV_OK && v == 1);
  /* A one-leaf tree is its own root. */
  CHECK (cv_mls_tree_direct_path (0, 1, path, &len) == CV_OK && len == 0);
  CHECK (cv_mls_tree_parent (0, 1, &v) == CV_ERR_INVALID);
}

int
main (void)
{
  JsonNode *root = cv_test_load_json ("mls/tree-math.json");
  JsonArray *cases = json_node_get_array (root);
  cv_test_tally *tally = cv_test_tally_new ("tree-math");

  for (guint i = 0; i < json_array_get_length (cases); i++)
    cv_test_tally_add (tally, 0, run_vector (json_array_get_object_element (cases, i)));
  json_node_unref (root);

  for (uint32_t n = 1; n <= 64; n *= 2)
    check_paths (n);
  check_limits ();
  printf ("tree-math: path, ancestor and limit checks: %d failed\n", failures);
  int status = cv_test_tally_finish (tally);
  return failures ? 1 : status;
}

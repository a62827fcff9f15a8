#include "cv-test-vectors.h"

#include <stdio.h>
#include <stdlib.h>

#ifndef VECTORS_DIR
#error "VECTORS_DIR must be defined by the build"
#endif

char *
cv_test_vector_path (const char *relpath)
{
  const char *dir = g_getenv ("CONCLAVE_VECTORS_DIR");

  return g_build_filename (dir && *dir ? dir : VECTORS_DIR, relpath, NULL);
}

JsonNode *
cv_test_load_json (const char *relpath)
{
  g_autofree char *path = cv_test_vector_path (relpath);
  g_autoptr (JsonParser) parser = json_parser_new_immutable ();
  g_autoptr (GError) error = NULL;

  if (!json_parser_load_from_mapped_file (parser, path, &error))
    {
      fprintf (stderr, "FAIL: cannot read test vectors %s: %s\n", path, error->message);
      exit (1);
    }
  return json_node_ref (json_parser_get_root (parser));
}

bool
cv_test_has (JsonObject *obj, const char *name)
{
  return json_object_has_member (obj, name) && !json_object_get_null_member (obj, name);
}

cv_bytes
cv_test_hex (JsonObject *obj, const char *name)
{
  cv_bytes out = CV_BYTES_INIT;
  const char *hex = json_object_has_member (obj, name)
                    ? json_object_get_string_member (obj, name) : NULL;

  if (hex == NULL || cv_hex_decode (&out, hex) != CV_OK)
    {
      fprintf (stderr, "FAIL: vector member '%s' is missing or not hex\n", name);
      exit (1);
    }
  return out;
}

bool
cv_test_bytes_match (const char *what, const uint8_t *got, size_t got_len, const cv_bytes *want)
{
  if (cv_bytes_equal_ct (got, got_len, want->data, want->len))
    return true;

  char *g = cv_hex_encode (got, got_len), *w = cv_hex_encode (want->data, want->len);
  fprintf (stderr, "  mismatch in %s\n    got  %s\n    want %s\n", what, g, w);
  free (g);
  free (w);
  return false;
}

struct suite_count {
  unsigned passed, failed, skipped;
  char *skip_reason;
};

struct cv_test_tally {
  char *label;
  GHashTable *suites; /* suite -> struct suite_count */
};

cv_test_tally *
cv_test_tally_new (const char *file_label)
{
  cv_test_tally *t = g_new0 (cv_test_tally, 1);

  t->label = g_strdup (file_label);
  t->suites = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_free);
  return t;
}

static struct suite_count *
count_for (cv_test_tally *t, unsigned suite)
{
  struct suite_count *c = g_hash_table_lookup (t->suites, GUINT_TO_POINTER (suite));

  if (c == NULL)
    {
      c = g_new0 (struct suite_count, 1);
      g_hash_table_insert (t->suites, GUINT_TO_POINTER (suite), c);
    }
  return c;
}

void
cv_test_tally_add (cv_test_tally *t, unsigned suite, bool passed)
{
  struct suite_count *c = count_for (t, suite);

  if (passed)
    c->passed++;
  else
    c->failed++;
}

void
cv_test_tally_skip (cv_test_tally *t, unsigned suite, const char *why)
{
  struct suite_count *c = count_for (t, suite);

  c->skipped++;
  if (c->skip_reason == NULL)
    c->skip_reason = g_strdup (why);
}

static int
compare_suites (gconstpointer a, gconstpointer b)
{
  return (int) GPOINTER_TO_UINT (a) - (int) GPOINTER_TO_UINT (b);
}

int
cv_test_tally_finish (cv_test_tally *t)
{
  GList *keys = g_list_sort (g_hash_table_get_keys (t->suites), compare_suites);
  unsigned total_passed = 0, total_failed = 0;

  for (GList *l = keys; l != NULL; l = l->next)
    {
      unsigned suite = GPOINTER_TO_UINT (l->data);
      struct suite_count *c = g_hash_table_lookup (t->suites, l->data);

      printf ("%s: suite %u: %u/%u passed", t->label, suite, c->passed, c->passed + c->failed);
      if (c->skipped)
        printf (", %u skipped (%s)", c->skipped, c->skip_reason);
      printf ("\n");
      total_passed += c->passed;
      total_failed += c->failed;
      g_free (c->skip_reason);
    }
  g_list_free (keys);
  printf ("%s: %u passed, %u failed\n", t->label, total_passed, total_failed);

  int status = (total_failed == 0 && total_passed > 0) ? 0 : 1;
  g_hash_table_unref (t->suites);
  g_free (t->label);
  g_free (t);
  return status;
}

#include "cv-security-code.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

cv_status
cv_security_code_format (const uint8_t *epoch_authenticator, size_t len,
                         char out[CV_SECURITY_CODE_LEN + 1])
{
  char *p = out;

  if (out == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "security code: no output buffer");
  out[0] = '\0';
  if (epoch_authenticator == NULL || len < CV_SECURITY_CODE_MIN_AUTHENTICATOR)
    return cv_fail (CV_ERR_TRUNCATED, "security code: epoch_authenticator of %zu bytes, need %d",
                    epoch_authenticator == NULL ? 0 : len, CV_SECURITY_CODE_MIN_AUTHENTICATOR);
  for (int g = 0; g < CV_SECURITY_CODE_GROUPS; g++)
    {
      uint64_t v = 0;

      for (int i = 0; i < 5; i++)
        v = v << 8 | epoch_authenticator[5 * g + i];
      p += sprintf (p, g == 0 ? "%05u" : " %05u", (unsigned) (v % 100000));
    }
  return CV_OK;
}

static int
compare_leaf (const void *a, const void *b)
{
  const cv_security_member *x = *(const cv_security_member *const *) a;
  const cv_security_member *y = *(const cv_security_member *const *) b;

  return x->leaf_index < y->leaf_index ? -1 : x->leaf_index > y->leaf_index;
}

/* Pointers to the members in leaf order, refusing duplicates. */
static cv_status
sorted_members (const cv_security_member *list, size_t n, const char *which,
                const cv_security_member ***out)
{
  const cv_security_member **sorted;

  *out = NULL;
  if (n > 0 && list == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "security code: %s member list missing", which);
  sorted = calloc (n ? n : 1, sizeof *sorted);
  if (sorted == NULL)
    return cv_fail (CV_ERR_NOMEM, "security code: out of memory");
  for (size_t i = 0; i < n; i++)
    {
      if (list[i].identity == NULL || (list[i].signature_key == NULL && list[i].signature_key_len > 0))
        {
          free (sorted);
          return cv_fail (CV_ERR_INVALID, "security code: %s member at leaf %u has no identity",
                          which, list[i].leaf_index);
        }
      sorted[i] = &list[i];
    }
  qsort (sorted, n, sizeof *sorted, compare_leaf);
  for (size_t i = 1; i < n; i++)
    if (sorted[i]->leaf_index == sorted[i - 1]->leaf_index)
      {
        uint32_t leaf = sorted[i]->leaf_index;

        free (sorted);
        return cv_fail (CV_ERR_INVALID, "security code: %s members name leaf %u twice", which, leaf);
      }
  *out = sorted;
  return CV_OK;
}

/* Removed, then added, then updated. */
static int
kind_rank (cv_member_change_kind kind)
{
  switch (kind)
    {
    case CV_MEMBER_REMOVED: return 0;
    case CV_MEMBER_ADDED: return 1;
    case CV_MEMBER_UPDATED: return 2;
    }
  return 3;
}

static int
compare_change (const void *a, const void *b)
{
  const cv_member_change *x = a, *y = b;
  int rx = kind_rank (x->kind), ry = kind_rank (y->kind);

  if (rx != ry)
    return rx - ry;
  return x->leaf_index < y->leaf_index ? -1 : x->leaf_index > y->leaf_index;
}

static bool
push_change (cv_security_code_changes *out, cv_member_change_kind kind, const cv_security_member *m)
{
  cv_member_change *c = &out->changes[out->n_changes];

  c->identity = strdup (m->identity);
  if (c->identity == NULL)
    return false;
  c->kind = kind;
  c->leaf_index = m->leaf_index;
  out->n_changes++;
  return true;
}

static bool
same_key (const cv_security_member *a, const cv_security_member *b)
{
  return a->signature_key_len == b->signature_key_len
         && (a->signature_key_len == 0
             || memcmp (a->signature_key, b->signature_key, a->signature_key_len) == 0);
}

cv_status
cv_security_code_explain (const cv_security_member *before, size_t n_before,
                          const cv_security_member *after, size_t n_after,
                          cv_security_code_changes *out)
{
  const cv_security_member **old_sorted = NULL, **new_sorted = NULL;
  size_t i = 0, j = 0;
  bool ok = true;
  cv_status st;

  if (out == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "security code: no place for the changes");
  out->changes = NULL;
  out->n_changes = 0;
  if ((st = sorted_members (before, n_before, "previous", &old_sorted)) != CV_OK)
    return st;
  if ((st = sorted_members (after, n_after, "new", &new_sorted)) != CV_OK)
    {
      free (old_sorted);
      return st;
    }
  /* A leaf yields at most two changes (someone left, someone else took it). */
  out->changes = calloc (n_before + n_after + 1, sizeof *out->changes);
  if (out->changes == NULL)
    {
      free (old_sorted);
      free (new_sorted);
      return cv_fail (CV_ERR_NOMEM, "security code: out of memory");
    }

  while (ok && (i < n_before || j < n_after))
    {
      const cv_security_member *o = i < n_before ? old_sorted[i] : NULL;
      const cv_security_member *n = j < n_after ? new_sorted[j] : NULL;

      if (n == NULL || (o != NULL && o->leaf_index < n->leaf_index))
        {
          ok = push_change (out, CV_MEMBER_REMOVED, o);
          i++;
        }
      else if (o == NULL || n->leaf_index < o->leaf_index)
        {
          ok = push_change (out, CV_MEMBER_ADDED, n);
          j++;
        }
      else
        {
          if (strcmp (o->identity, n->identity) != 0)
            ok = push_change (out, CV_MEMBER_REMOVED, o) && push_change (out, CV_MEMBER_ADDED, n);
          else if (!same_key (o, n))
            ok = push_change (out, CV_MEMBER_UPDATED, n);
          i++;
          j++;
        }
    }
  free (old_sorted);
  free (new_sorted);
  if (!ok)
    {
      cv_security_code_changes_clear (out);
      return cv_fail (CV_ERR_NOMEM, "security code: out of memory");
    }
  qsort (out->changes, out->n_changes, sizeof *out->changes, compare_change);
  return CV_OK;
}

void
cv_security_code_changes_clear (cv_security_code_changes *changes)
{
  if (changes == NULL)
    return;
  for (size_t i = 0; i < changes->n_changes; i++)
    free (changes->changes[i].identity);
  free (changes->changes);
  changes->changes = NULL;
  changes->n_changes = 0;
}

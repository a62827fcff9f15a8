#include "cv-sframe-keyring.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

/* Bit i of bits set: CTR top - i has been received (i < CV_SFRAME_REPLAY_WINDOW). */
typedef struct {
  bool any;
  uint64_t top;
  uint64_t bits[CV_SFRAME_REPLAY_WINDOW / 64];
} replay_window;

typedef struct {
  uint64_t context;
  uint64_t kid;
  cv_sframe_key *key;
  replay_window window; /* receiving */
  uint64_t next_ctr;    /* sending */
  bool exhausted;       /* sending: CTR 2^64 - 1 is spent */
} kid_state;

typedef struct {
  bool present;
  size_t n_kids, cap_kids;
  kid_state *kids;
} sender_slot;

typedef struct {
  uint64_t epoch;
  unsigned sender_bits;
  uint8_t base_key[CV_SFRAME_KEY_MAX];
  size_t base_key_len;
  uint32_t own_leaf;
  uint32_t n_slots; /* largest leaf index + 1 */
  sender_slot *slots;
  uint64_t expires_at_ms; /* meaningful for the previous epoch only */
} epoch_keys;

struct cv_sframe_keyring {
  uint16_t suite;
  uint64_t grace_ms;
  epoch_keys *current;
  epoch_keys *previous;
  bool any_expired;
  uint64_t last_expired; /* only to word the refusal of its frames */
};

static const uint64_t epoch_mask = ((uint64_t) 1 << CV_SFRAME_EPOCH_BITS) - 1;

unsigned
cv_sframe_sender_bits_for (uint32_t max_leaf)
{
  unsigned s = 0;

  /* Smallest S with max_leaf + 1 <= 2^S. */
  while (s < 32 && ((uint64_t) max_leaf >> s) != 0)
    s++;
  return s;
}

cv_status
cv_sframe_kid_compose (uint64_t context, uint32_t sender_index, uint64_t epoch,
                       unsigned sender_bits, uint64_t *kid)
{
  unsigned shift = sender_bits + CV_SFRAME_EPOCH_BITS;

  if (sender_bits > 32 || ((uint64_t) sender_index >> sender_bits) != 0)
    return cv_fail (CV_ERR_ARGUMENT, "RFC 9605 §5.2: sender index %u does not fit in S = %u bits",
                    sender_index, sender_bits);
  if ((context >> (64 - shift)) != 0)
    return cv_fail (CV_ERR_ARGUMENT, "RFC 9605 §5.2: context %llu does not fit in the %u bits "
                    "above sender and epoch", (unsigned long long) context, 64 - shift);
  *kid = (context << shift) + ((uint64_t) sender_index << CV_SFRAME_EPOCH_BITS) + (epoch & epoch_mask);
  return CV_OK;
}

static void
epoch_free (epoch_keys *e)
{
  if (e == NULL)
    return;
  for (uint32_t i = 0; i < e->n_slots; i++)
    {
      for (size_t k = 0; k < e->slots[i].n_kids; k++)
        cv_sframe_key_free (e->slots[i].kids[k].key);
      free (e->slots[i].kids);
    }
  free (e->slots);
  OPENSSL_cleanse (e->base_key, sizeof e->base_key);
  free (e);
}

cv_status
cv_sframe_keyring_new (cv_sframe_keyring **out, uint16_t suite, uint64_t grace_ms)
{
  cv_sframe_keyring *ring;

  if (out == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "SFrame key ring: no place for the ring");
  *out = NULL;
  if (cv_sframe_suite_info_get (suite) == NULL)
    return cv_fail (CV_ERR_UNSUPPORTED, "RFC 9605 §4.5: SFrame cipher suite 0x%04x is not defined", suite);
  ring = calloc (1, sizeof *ring);
  if (ring == NULL)
    return cv_fail (CV_ERR_NOMEM, "SFrame key ring: out of memory");
  ring->suite = suite;
  ring->grace_ms = grace_ms;
  *out = ring;
  return CV_OK;
}

void
cv_sframe_keyring_free (cv_sframe_keyring *ring)
{
  if (ring == NULL)
    return;
  epoch_free (ring->current);
  epoch_free (ring->previous);
  free (ring);
}

static void
retire_previous (cv_sframe_keyring *ring)
{
  if (ring->previous == NULL)
    return;
  ring->any_expired = true;
  ring->last_expired = ring->previous->epoch;
  epoch_free (ring->previous);
  ring->previous = NULL;
}

void
cv_sframe_keyring_expire (cv_sframe_keyring *ring, uint64_t now_ms)
{
  if (ring != NULL && ring->previous != NULL && now_ms >= ring->previous->expires_at_ms)
    retire_previous (ring);
}

cv_status
cv_sframe_keyring_install_epoch (cv_sframe_keyring *ring, uint64_t epoch,
                                 const uint8_t *base_key, size_t base_key_len,
                                 const uint32_t *leaf_indices, size_t n_leaves,
                                 uint32_t own_leaf, uint64_t now_ms)
{
  const cv_sframe_suite_info *info;
  uint32_t max_leaf = 0;
  bool own_found = own_leaf == CV_SFRAME_NO_LEAF;
  epoch_keys *e;

  if (ring == NULL || base_key == NULL || leaf_indices == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "SFrame key ring: missing ring, base_key or members");
  info = cv_sframe_suite_info_get (ring->suite);
  if (base_key_len != info->nk)
    return cv_fail (CV_ERR_INVALID, "RFC 9605 §5.2: base_key must be AEAD.Nk = %zu bytes for %s, "
                    "got %zu", info->nk, info->name, base_key_len);
  if (n_leaves == 0)
    return cv_fail (CV_ERR_INVALID, "SFrame key ring: epoch %llu has no members",
                    (unsigned long long) epoch);
  if (ring->current != NULL && epoch <= ring->current->epoch)
    return cv_fail (CV_ERR_STATE, "SFrame key ring: epoch %llu is not newer than the current %llu",
                    (unsigned long long) epoch, (unsigned long long) ring->current->epoch);
  for (size_t i = 0; i < n_leaves; i++)
    {
      if (leaf_indices[i] >= CV_SFRAME_KEYRING_MAX_LEAF)
        return cv_fail (CV_ERR_TOO_LARGE, "SFrame key ring: leaf index %u beyond %u",
                        leaf_indices[i], CV_SFRAME_KEYRING_MAX_LEAF - 1);
      if (leaf_indices[i] > max_leaf)
        max_leaf = leaf_indices[i];
      own_found |= leaf_indices[i] == own_leaf;
    }
  if (!own_found)
    return cv_fail (CV_ERR_INVALID, "SFrame key ring: our leaf %u is not a member of epoch %llu",
                    own_leaf, (unsigned long long) epoch);

  e = calloc (1, sizeof *e);
  if (e == NULL || (e->slots = calloc ((size_t) max_leaf + 1, sizeof *e->slots)) == NULL)
    {
      free (e);
      return cv_fail (CV_ERR_NOMEM, "SFrame key ring: out of memory");
    }
  e->epoch = epoch;
  e->n_slots = max_leaf + 1;
  e->sender_bits = cv_sframe_sender_bits_for (max_leaf);
  e->own_leaf = own_leaf;
  memcpy (e->base_key, base_key, base_key_len);
  e->base_key_len = base_key_len;
  for (size_t i = 0; i < n_leaves; i++)
    {
      if (e->slots[leaf_indices[i]].present)
        {
          epoch_free (e);
          return cv_fail (CV_ERR_INVALID, "SFrame key ring: leaf %u listed twice", leaf_indices[i]);
        }
      e->slots[leaf_indices[i]].present = true;
    }

  /* Only one epoch stays behind the current one. */
  retire_previous (ring);
  ring->previous = ring->current;
  ring->current = e;
  if (ring->previous != NULL)
    {
      ring->previous->expires_at_ms = now_ms > UINT64_MAX - ring->grace_ms
                                      ? UINT64_MAX : now_ms + ring->grace_ms;
      /* RFC 9605 §5.2: an epoch with the same low E bits replaces the old one. */
      if ((ring->previous->epoch & epoch_mask) == (epoch & epoch_mask))
        retire_previous (ring);
    }
  return CV_OK;
}

bool
cv_sframe_keyring_has_epoch (const cv_sframe_keyring *ring, uint64_t epoch)
{
  return (ring->current != NULL && ring->current->epoch == epoch)
         || (ring->previous != NULL && ring->previous->epoch == epoch);
}

bool
cv_sframe_keyring_current (const cv_sframe_keyring *ring, uint64_t *epoch, unsigned *sender_bits)
{
  if (ring == NULL || ring->current == NULL)
    return false;
  if (epoch != NULL)
    *epoch = ring->current->epoch;
  if (sender_bits != NULL)
    *sender_bits = ring->current->sender_bits;
  return true;
}

cv_status
cv_sframe_keyring_own_kid (const cv_sframe_keyring *ring, uint64_t context, uint64_t *kid)
{
  const epoch_keys *e = ring != NULL ? ring->current : NULL;

  if (e == NULL)
    return cv_fail (CV_ERR_STATE, "SFrame key ring: no epoch installed");
  if (e->own_leaf == CV_SFRAME_NO_LEAF)
    return cv_fail (CV_ERR_STATE, "SFrame key ring: this ring only receives");
  return cv_sframe_kid_compose (context, e->own_leaf, e->epoch, e->sender_bits, kid);
}

static kid_state *
find_kid (sender_slot *slot, uint64_t context)
{
  for (size_t i = 0; i < slot->n_kids; i++)
    if (slot->kids[i].context == context)
      return &slot->kids[i];
  return NULL;
}

/* Takes ownership of key. */
static cv_status
add_kid (sender_slot *slot, uint64_t context, uint64_t kid, cv_sframe_key *key, kid_state **out)
{
  if (slot->n_kids == slot->cap_kids)
    {
      size_t cap = slot->cap_kids ? 2 * slot->cap_kids : 2;
      kid_state *grown;

      if (cap > CV_SFRAME_KEYRING_MAX_CONTEXTS)
        cap = CV_SFRAME_KEYRING_MAX_CONTEXTS;
      grown = realloc (slot->kids, cap * sizeof *grown);
      if (grown == NULL)
        {
          cv_sframe_key_free (key);
          return cv_fail (CV_ERR_NOMEM, "SFrame key ring: out of memory");
        }
      slot->kids = grown;
      slot->cap_kids = cap;
    }
  *out = &slot->kids[slot->n_kids++];
  memset (*out, 0, sizeof **out);
  (*out)->context = context;
  (*out)->kid = kid;
  (*out)->key = key;
  return CV_OK;
}

/* ---- Sending ---- */

static cv_status
own_stream (cv_sframe_keyring *ring, uint64_t context, kid_state **out)
{
  epoch_keys *e = ring->current;
  sender_slot *slot;
  cv_sframe_key *key;
  uint64_t kid;
  cv_status st;

  if ((st = cv_sframe_keyring_own_kid (ring, context, &kid)) != CV_OK)
    return st;
  slot = &e->slots[e->own_leaf];
  if ((*out = find_kid (slot, context)) != NULL)
    return CV_OK;
  if (slot->n_kids >= CV_SFRAME_KEYRING_MAX_CONTEXTS)
    return cv_fail (CV_ERR_TOO_LARGE, "SFrame key ring: already %d streams in epoch %llu",
                    CV_SFRAME_KEYRING_MAX_CONTEXTS, (unsigned long long) e->epoch);
  if ((st = cv_sframe_key_new (&key, ring->suite, kid, e->base_key, e->base_key_len)) != CV_OK)
    return st;
  return add_kid (slot, context, kid, key, out);
}

cv_status
cv_sframe_keyring_encrypt (cv_sframe_keyring *ring, uint64_t context,
                           const uint8_t *metadata, size_t metadata_len,
                           const uint8_t *plaintext, size_t plaintext_len,
                           uint8_t *out, size_t out_cap, size_t *out_len)
{
  kid_state *s;
  uint64_t ctr;
  cv_status st;

  if (ring == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "SFrame key ring: no ring");
  if ((st = own_stream (ring, context, &s)) != CV_OK)
    return st;
  if (s->exhausted)
    return cv_fail (CV_ERR_STATE, "RFC 9605 §9.1: every CTR of KID %llu is spent; "
                    "no more frames until the next epoch", (unsigned long long) s->kid);
  /* Spend the counter before use, so that no failure can lead to its reuse. */
  ctr = s->next_ctr;
  if (ctr == UINT64_MAX)
    s->exhausted = true;
  else
    s->next_ctr = ctr + 1;
  return cv_sframe_encrypt (s->key, ctr, metadata, metadata_len, plaintext, plaintext_len,
                            out, out_cap, out_len);
}

cv_status
cv_sframe_keyring_advance_ctr (cv_sframe_keyring *ring, uint64_t context, uint64_t next_ctr)
{
  kid_state *s;
  cv_status st;

  if (ring == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "SFrame key ring: no ring");
  if ((st = own_stream (ring, context, &s)) != CV_OK)
    return st;
  if (s->exhausted || next_ctr < s->next_ctr)
    return cv_fail (CV_ERR_STATE, "RFC 9605 §9.1: CTR of KID %llu may only move forward",
                    (unsigned long long) s->kid);
  s->next_ctr = next_ctr;
  return CV_OK;
}

/* ---- Receiving ---- */

static cv_status
replay_check (const replay_window *w, uint64_t kid, uint64_t ctr)
{
  uint64_t age;

  if (!w->any || ctr > w->top)
    return CV_OK;
  age = w->top - ctr;
  if (age >= CV_SFRAME_REPLAY_WINDOW)
    return cv_fail (CV_ERR_STATE, "SFrame replay window: CTR %llu of KID %llu is %llu behind the "
                    "newest, beyond the window of %d", (unsigned long long) ctr,
                    (unsigned long long) kid, (unsigned long long) age, CV_SFRAME_REPLAY_WINDOW);
  if (w->bits[age / 64] >> (age % 64) & 1)
    return cv_fail (CV_ERR_STATE, "SFrame replay: CTR %llu of KID %llu was already received",
                    (unsigned long long) ctr, (unsigned long long) kid);
  return CV_OK;
}

static void
replay_mark (replay_window *w, uint64_t ctr)
{
  uint64_t age;

  if (!w->any || ctr > w->top)
    {
      uint64_t shift = w->any ? ctr - w->top : CV_SFRAME_REPLAY_WINDOW;

      if (shift >= CV_SFRAME_REPLAY_WINDOW)
        memset (w->bits, 0, sizeof w->bits);
      else
        for (uint64_t step = 0; step < shift; )
          {
            /* Shift the whole window toward older ages, up to 63 bits at a time. */
            unsigned s = shift - step > 63 ? 63 : (unsigned) (shift - step);
            for (size_t i = CV_SFRAME_REPLAY_WINDOW / 64 - 1; i > 0; i--)
              w->bits[i] = w->bits[i] << s | w->bits[i - 1] >> (64 - s);
            w->bits[0] <<= s;
            step += s;
          }
      w->any = true;
      w->top = ctr;
    }
  age = w->top - ctr;
  w->bits[age / 64] |= (uint64_t) 1 << (age % 64);
}

static cv_status
receive (cv_sframe_keyring *ring, uint64_t now_ms, const uint8_t *metadata, size_t metadata_len,
         uint8_t *frame, size_t frame_len, uint8_t *out, size_t out_cap, bool in_place,
         size_t *plaintext_offset, size_t *plaintext_len, cv_sframe_frame_info *info)
{
  uint64_t kid, ctr, context;
  uint32_t sender;
  size_t header_len;
  epoch_keys *e = NULL;
  sender_slot *slot;
  kid_state *s;
  cv_sframe_key *fresh = NULL;
  cv_status st;

  if (ring == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "SFrame key ring: no ring");
  cv_sframe_keyring_expire (ring, now_ms);
  if ((st = cv_sframe_header_parse (frame, frame_len, &kid, &ctr, &header_len)) != CV_OK)
    return st;

  if (ring->current != NULL && (ring->current->epoch & epoch_mask) == (kid & epoch_mask))
    e = ring->current;
  else if (ring->previous != NULL && (ring->previous->epoch & epoch_mask) == (kid & epoch_mask))
    e = ring->previous;
  if (e == NULL)
    {
      if (ring->any_expired && (ring->last_expired & epoch_mask) == (kid & epoch_mask))
        return cv_fail (CV_ERR_STATE, "SFrame key ring: KID %llu is from epoch %llu, whose grace "
                        "period is over", (unsigned long long) kid,
                        (unsigned long long) ring->last_expired);
      return cv_fail (CV_ERR_STATE, "SFrame key ring: KID %llu names an unknown epoch (low bits %llu)",
                      (unsigned long long) kid, (unsigned long long) (kid & epoch_mask));
    }
  sender = (uint32_t) ((kid >> CV_SFRAME_EPOCH_BITS) & (((uint64_t) 1 << e->sender_bits) - 1));
  context = kid >> (CV_SFRAME_EPOCH_BITS + e->sender_bits);
  if (sender >= e->n_slots || !e->slots[sender].present)
    return cv_fail (CV_ERR_INVALID, "SFrame key ring: KID %llu names sender %u, not a member of "
                    "epoch %llu", (unsigned long long) kid, sender, (unsigned long long) e->epoch);
  if (sender == e->own_leaf)
    return cv_fail (CV_ERR_INVALID, "SFrame key ring: KID %llu is our own; our keys only encrypt",
                    (unsigned long long) kid);
  slot = &e->slots[sender];
  s = find_kid (slot, context);
  if (s == NULL)
    {
      if (slot->n_kids >= CV_SFRAME_KEYRING_MAX_CONTEXTS)
        return cv_fail (CV_ERR_TOO_LARGE, "SFrame key ring: sender %u already has %d streams in "
                        "epoch %llu", sender, CV_SFRAME_KEYRING_MAX_CONTEXTS,
                        (unsigned long long) e->epoch);
      if ((st = cv_sframe_key_new (&fresh, ring->suite, kid, e->base_key, e->base_key_len)) != CV_OK)
        return st;
    }
  else if ((st = replay_check (&s->window, kid, ctr)) != CV_OK)
    return st;

  if (in_place)
    st = cv_sframe_decrypt_in_place (s != NULL ? s->key : fresh, metadata, metadata_len, frame,
                                     frame_len, plaintext_offset, plaintext_len, NULL);
  else
    st = cv_sframe_decrypt (s != NULL ? s->key : fresh, metadata, metadata_len, frame, frame_len,
                            out, out_cap, plaintext_len, NULL);
  if (st != CV_OK)
    {
      /* An unauthenticated frame leaves no trace, not even a key. */
      cv_sframe_key_free (fresh);
      return st;
    }
  if (fresh != NULL)
    {
      cv_status kept = add_kid (slot, context, kid, fresh, &s);
      if (kept != CV_OK)
        {
          if (in_place)
            OPENSSL_cleanse (frame + header_len, *plaintext_len);
          else
            OPENSSL_cleanse (out, *plaintext_len);
          return kept;
        }
    }
  replay_mark (&s->window, ctr);
  if (info != NULL)
    {
      info->epoch = e->epoch;
      info->sender_index = sender;
      info->context = context;
      info->kid = kid;
      info->ctr = ctr;
    }
  return CV_OK;
}

cv_status
cv_sframe_keyring_decrypt (cv_sframe_keyring *ring, uint64_t now_ms,
                           const uint8_t *metadata, size_t metadata_len,
                           const uint8_t *frame, size_t frame_len,
                           uint8_t *out, size_t out_cap, size_t *plaintext_len,
                           cv_sframe_frame_info *info)
{
  size_t len = 0;
  cv_status st;

  if (out == NULL)
    return cv_fail (CV_ERR_ARGUMENT, "SFrame key ring: no output buffer");
  /* The frame is only read on this path. */
  st = receive (ring, now_ms, metadata, metadata_len, (uint8_t *) frame, frame_len, out, out_cap,
                false, NULL, &len, info);
  if (st == CV_OK && plaintext_len != NULL)
    *plaintext_len = len;
  return st;
}

cv_status
cv_sframe_keyring_decrypt_in_place (cv_sframe_keyring *ring, uint64_t now_ms,
                                    const uint8_t *metadata, size_t metadata_len,
                                    uint8_t *frame, size_t frame_len,
                                    size_t *plaintext_offset, size_t *plaintext_len,
                                    cv_sframe_frame_info *info)
{
  size_t off = 0, len = 0;
  cv_status st;

  st = receive (ring, now_ms, metadata, metadata_len, frame, frame_len, NULL, 0, true,
                &off, &len, info);
  if (st == CV_OK)
    {
      if (plaintext_offset != NULL)
        *plaintext_offset = off;
      if (plaintext_len != NULL)
        *plaintext_len = len;
    }
  return st;
}

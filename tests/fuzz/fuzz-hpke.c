/* Fuzzes HPKE opening (RFC 9180) under fixed recipient keys: whatever enc,
 * aad and ciphertext arrive, SetupR and Open must return an error or a
 * plaintext, never crash, leak or read out of bounds.
 *
 * Input: byte 0 picks the suite (the HPKE configs of MLS suites 1-7, plus an
 * export-only one) and the mode; byte 1 says whether enc comes from the
 * input or is a genuine enc (so that fuzzed ciphertexts reach the AEAD even
 * on the NIST curves, where random bytes are rarely a point); byte 2 is the
 * aad length; then enc (Npk bytes when taken from the input), the aad, and
 * the rest as one or more ciphertexts separated by the length in their
 * first byte.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cv-hpke.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static const cv_hpke_suite suites[] = {
  { CV_HPKE_KEM_X25519_SHA256, CV_HPKE_KDF_HKDF_SHA256, CV_HPKE_AEAD_AES_128_GCM },
  { CV_HPKE_KEM_P256_SHA256, CV_HPKE_KDF_HKDF_SHA256, CV_HPKE_AEAD_AES_128_GCM },
  { CV_HPKE_KEM_X25519_SHA256, CV_HPKE_KDF_HKDF_SHA256, CV_HPKE_AEAD_CHACHA20_POLY1305 },
  { CV_HPKE_KEM_X448_SHA512, CV_HPKE_KDF_HKDF_SHA512, CV_HPKE_AEAD_AES_256_GCM },
  { CV_HPKE_KEM_P521_SHA512, CV_HPKE_KDF_HKDF_SHA512, CV_HPKE_AEAD_AES_256_GCM },
  { CV_HPKE_KEM_X448_SHA512, CV_HPKE_KDF_HKDF_SHA512, CV_HPKE_AEAD_CHACHA20_POLY1305 },
  { CV_HPKE_KEM_P384_SHA384, CV_HPKE_KDF_HKDF_SHA384, CV_HPKE_AEAD_AES_256_GCM },
  { CV_HPKE_KEM_P256_SHA256, CV_HPKE_KDF_HKDF_SHA512, CV_HPKE_AEAD_EXPORT_ONLY },
};
#define N_SUITES (sizeof suites / sizeof suites[0])

static const uint8_t psk[32] = "fuzzing pre-shared key, 32 bytes";
static const uint8_t psk_id[] = "fuzz";
static const uint8_t info[] = "fuzz-hpke";

/* Per suite: recipient and sender keys derived from fixed ikm, and a genuine
 * enc for each mode. */
static struct {
  cv_bytes skR, pkR, skS, pkS;
  cv_bytes enc[4];
} keys[N_SUITES];

static cv_hpke_mode_args
mode_args (uint8_t mode, const cv_bytes *skS, const cv_bytes *pkS)
{
  cv_hpke_mode_args a = { .mode = mode };

  if (mode & 1)
    {
      a.psk = psk;
      a.psk_len = sizeof psk;
      a.psk_id = psk_id;
      a.psk_id_len = sizeof psk_id;
    }
  if (mode & 2)
    {
      if (skS != NULL)
        {
          a.sk_s = skS->data;
          a.sk_s_len = skS->len;
        }
      if (pkS != NULL)
        {
          a.pk_s = pkS->data;
          a.pk_s_len = pkS->len;
        }
    }
  return a;
}

static void
init_keys (void)
{
  uint8_t ikm[66];

  for (size_t s = 0; s < N_SUITES; s++)
    {
      memset (ikm, (int) (s + 1), sizeof ikm);
      if (cv_hpke_derive_key_pair (suites[s].kem, ikm, sizeof ikm, &keys[s].skR, &keys[s].pkR) != CV_OK)
        abort ();
      ikm[0] ^= 0x80;
      if (cv_hpke_derive_key_pair (suites[s].kem, ikm, sizeof ikm, &keys[s].skS, &keys[s].pkS) != CV_OK)
        abort ();
      for (uint8_t mode = 0; mode < 4; mode++)
        {
          cv_hpke_mode_args a = mode_args (mode, &keys[s].skS, NULL);
          cv_hpke_context *ctx = NULL;
          if (cv_hpke_setup_s (&suites[s], keys[s].pkR.data, keys[s].pkR.len, info, sizeof info,
                               &a, &keys[s].enc[mode], &ctx) != CV_OK)
            abort ();
          cv_hpke_context_free (ctx);
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static bool ready;
  cv_hpke_context *ctx = NULL;

  if (!ready)
    {
      init_keys ();
      ready = true;
    }
  if (size < 3)
    return 0;

  size_t s = data[0] % N_SUITES;
  uint8_t mode = (data[0] >> 4) & 3;
  bool own_enc = data[1] & 1;
  size_t own_enc_len = data[1] >> 1;   /* any length, so short and long encs are refused too */
  size_t aad_len = data[2];
  const uint8_t *enc = keys[s].enc[mode].data;
  size_t enc_len = keys[s].enc[mode].len;
  data += 3;
  size -= 3;

  if (own_enc)
    {
      enc_len = own_enc_len < size ? own_enc_len : size;
      enc = data;
      data += enc_len;
      size -= enc_len;
    }
  if (aad_len > size)
    aad_len = size;
  const uint8_t *aad = data;
  data += aad_len;
  size -= aad_len;

  cv_hpke_mode_args args = mode_args (mode, NULL, &keys[s].pkS);
  if (cv_hpke_setup_r (&suites[s], enc, enc_len, keys[s].skR.data, keys[s].skR.len,
                       info, sizeof info, &args, &ctx) != CV_OK)
    return 0;

  /* Ciphertexts: a length byte, then that many bytes (or what is left). */
  while (size > 0)
    {
      size_t n = data[0];
      data++;
      size--;
      if (n > size)
        n = size;
      cv_bytes pt = CV_BYTES_INIT;
      if (cv_hpke_context_open (ctx, aad, aad_len, data, n, &pt) == CV_OK && pt.len + 16 != n)
        abort ();   /* an accepted ciphertext is the plaintext plus the tag */
      cv_bytes_clear (&pt);
      data += n;
      size -= n;
    }

  cv_bytes out = CV_BYTES_INIT;
  if (cv_hpke_context_export (ctx, aad, aad_len, aad_len * 4, &out) != CV_OK)
    abort ();
  cv_bytes_clear (&out);
  cv_hpke_context_free (ctx);
  return 0;
}

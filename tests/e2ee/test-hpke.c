/* HPKE (RFC 9180): the official test vectors, the MLS EncryptWithLabel
 * vectors of crypto-basics.json (the only known answers for the P-384 KEM,
 * which the HPKE vectors lack), a round trip through every suite and mode,
 * and refusals of bad input.
 *
 * Vector counts are printed per mode (one tally each) with the KEM id as the
 * suite number; each vector entry is one case and passes only when key
 * derivation, both setups, every encryption and every export match.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv-hpke.h"
#include "cv-test-vectors.h"

static const char *const mode_names[] = { "base", "psk", "auth", "auth_psk" };

/* Prints the reason of an unexpected status and returns false. */
static bool
expect_ok (const char *what, cv_status st)
{
  if (st == CV_OK)
    return true;
  fprintf (stderr, "  %s: %s: %s\n", what, cv_status_name (st), cv_status_message ());
  return false;
}

static bool
match (const char *what, const cv_bytes *got, const cv_bytes *want)
{
  return cv_test_bytes_match (what, got->data, got->len, want);
}

/* ---- Official vectors ---- */

typedef struct {
  unsigned encryptions, encryptions_ok, exports, exports_ok;
} entry_counts;

static bool
check_key_derivation (JsonObject *v, uint16_t kem, const char *ikm_name,
                      const char *sk_name, const char *pk_name)
{
  cv_bytes ikm = cv_test_hex (v, ikm_name), sk_want = cv_test_hex (v, sk_name);
  cv_bytes pk_want = cv_test_hex (v, pk_name), sk = CV_BYTES_INIT, pk = CV_BYTES_INIT;
  bool ok = expect_ok (ikm_name, cv_hpke_derive_key_pair (kem, ikm.data, ikm.len, &sk, &pk))
            && match (sk_name, &sk, &sk_want) && match (pk_name, &pk, &pk_want);

  cv_bytes_clear (&ikm);
  cv_bytes_clear (&sk_want);
  cv_bytes_clear (&pk_want);
  cv_bytes_clear (&sk);
  cv_bytes_clear (&pk);
  return ok;
}

static bool
check_trace (const char *side, const cv_hpke_trace *t, JsonObject *v)
{
  static const char *const names[] = {
    "shared_secret", "key_schedule_context", "secret", "key", "base_nonce", "exporter_secret",
  };
  const cv_bytes *got[] = {
    &t->shared_secret, &t->key_schedule_context, &t->secret, &t->key, &t->base_nonce,
    &t->exporter_secret,
  };
  bool ok = true;

  for (size_t i = 0; i < G_N_ELEMENTS (names); i++)
    {
      cv_bytes want = cv_test_hex (v, names[i]);
      g_autofree char *what = g_strdup_printf ("%s %s", side, names[i]);
      ok &= match (what, got[i], &want);
      cv_bytes_clear (&want);
    }
  return ok;
}

static bool
run_vector (JsonObject *v, const cv_hpke_suite *suite, uint8_t mode, entry_counts *counts)
{
  cv_bytes info = cv_test_hex (v, "info"), enc_want = cv_test_hex (v, "enc");
  cv_bytes skR = cv_test_hex (v, "skRm"), pkR = cv_test_hex (v, "pkRm");
  cv_bytes ikmE = cv_test_hex (v, "ikmE");
  cv_bytes psk = CV_BYTES_INIT, psk_id = CV_BYTES_INIT, skS = CV_BYTES_INIT, pkS = CV_BYTES_INIT;
  cv_bytes enc = CV_BYTES_INIT;
  cv_hpke_trace trace_s = { 0 }, trace_r = { 0 };
  cv_hpke_context *ctx_s = NULL, *ctx_r = NULL;
  bool ok = true;

  ok &= check_key_derivation (v, suite->kem, "ikmR", "skRm", "pkRm");
  ok &= check_key_derivation (v, suite->kem, "ikmE", "skEm", "pkEm");
  if (mode == CV_HPKE_MODE_AUTH || mode == CV_HPKE_MODE_AUTH_PSK)
    {
      ok &= check_key_derivation (v, suite->kem, "ikmS", "skSm", "pkSm");
      skS = cv_test_hex (v, "skSm");
      pkS = cv_test_hex (v, "pkSm");
    }
  if (mode == CV_HPKE_MODE_PSK || mode == CV_HPKE_MODE_AUTH_PSK)
    {
      psk = cv_test_hex (v, "psk");
      psk_id = cv_test_hex (v, "psk_id");
    }

  cv_hpke_mode_args args_s = {
    .mode = mode, .psk = psk.data, .psk_len = psk.len, .psk_id = psk_id.data,
    .psk_id_len = psk_id.len, .sk_s = skS.data, .sk_s_len = skS.len,
    .ikm_e = ikmE.data, .ikm_e_len = ikmE.len, .trace = &trace_s,
  };
  cv_hpke_mode_args args_r = {
    .mode = mode, .psk = psk.data, .psk_len = psk.len, .psk_id = psk_id.data,
    .psk_id_len = psk_id.len, .pk_s = pkS.data, .pk_s_len = pkS.len, .trace = &trace_r,
  };

  if (!expect_ok ("SetupS", cv_hpke_setup_s (suite, pkR.data, pkR.len, info.data, info.len,
                                             &args_s, &enc, &ctx_s))
      || !expect_ok ("SetupR", cv_hpke_setup_r (suite, enc_want.data, enc_want.len,
                                                skR.data, skR.len, info.data, info.len,
                                                &args_r, &ctx_r)))
    {
      ok = false;
      goto out;
    }
  ok &= match ("enc", &enc, &enc_want);
  ok &= check_trace ("sender", &trace_s, v);
  ok &= check_trace ("recipient", &trace_r, v);

  JsonArray *encryptions = json_object_get_array_member (v, "encryptions");
  for (guint i = 0; i < json_array_get_length (encryptions); i++)
    {
      JsonObject *e = json_array_get_object_element (encryptions, i);
      cv_bytes aad = cv_test_hex (e, "aad"), pt_want = cv_test_hex (e, "pt");
      cv_bytes ct_want = cv_test_hex (e, "ct"), nonce_want = cv_test_hex (e, "nonce");
      cv_bytes ct = CV_BYTES_INIT, pt = CV_BYTES_INIT, nonce = CV_BYTES_INIT;
      uint64_t seq = cv_hpke_context_seq (ctx_s);
      bool e_ok;

      /* The nonce the vector used is base_nonce XOR seq (§5.2): checks our counter. */
      cv_bytes_copy (&nonce, &trace_s.base_nonce);
      for (size_t b = 0; b < 8 && b < nonce.len; b++)
        nonce.data[nonce.len - 1 - b] ^= (uint8_t) (seq >> (8 * b));
      e_ok = seq == i && match ("nonce", &nonce, &nonce_want);
      e_ok &= expect_ok ("Seal", cv_hpke_context_seal (ctx_s, aad.data, aad.len,
                                                       pt_want.data, pt_want.len, &ct))
              && match ("ct", &ct, &ct_want);
      e_ok &= expect_ok ("Open", cv_hpke_context_open (ctx_r, aad.data, aad.len,
                                                       ct_want.data, ct_want.len, &pt))
              && match ("pt", &pt, &pt_want);
      counts->encryptions++;
      counts->encryptions_ok += e_ok;
      ok &= e_ok;

      /* The single-shot API on the first message. */
      if (i == 0)
        {
          cv_bytes pt1 = CV_BYTES_INIT;
          cv_hpke_mode_args one = args_r;
          one.trace = NULL;
          ok &= expect_ok ("single-shot Open",
                           cv_hpke_open (suite, skR.data, skR.len, enc_want.data, enc_want.len,
                                         info.data, info.len, &one, aad.data, aad.len,
                                         ct_want.data, ct_want.len, &pt1))
                && match ("single-shot pt", &pt1, &pt_want);
          cv_bytes_clear (&pt1);
        }
      cv_bytes_clear (&aad);
      cv_bytes_clear (&pt_want);
      cv_bytes_clear (&ct_want);
      cv_bytes_clear (&nonce_want);
      cv_bytes_clear (&ct);
      cv_bytes_clear (&pt);
      cv_bytes_clear (&nonce);
    }

  JsonArray *exports = json_object_get_array_member (v, "exports");
  for (guint i = 0; i < json_array_get_length (exports); i++)
    {
      JsonObject *x = json_array_get_object_element (exports, i);
      cv_bytes context = cv_test_hex (x, "exporter_context");
      cv_bytes want = cv_test_hex (x, "exported_value");
      cv_bytes got_s = CV_BYTES_INIT, got_r = CV_BYTES_INIT;
      size_t L = (size_t) json_object_get_int_member (x, "L");
      bool x_ok;

      x_ok = expect_ok ("Export (sender)",
                        cv_hpke_context_export (ctx_s, context.data, context.len, L, &got_s))
             && match ("sender export", &got_s, &want);
      x_ok &= expect_ok ("Export (recipient)",
                         cv_hpke_context_export (ctx_r, context.data, context.len, L, &got_r))
              && match ("recipient export", &got_r, &want);
      counts->exports++;
      counts->exports_ok += x_ok;
      ok &= x_ok;
      cv_bytes_clear (&context);
      cv_bytes_clear (&want);
      cv_bytes_clear (&got_s);
      cv_bytes_clear (&got_r);
    }

out:
  cv_hpke_context_free (ctx_s);
  cv_hpke_context_free (ctx_r);
  cv_hpke_trace_clear (&trace_s);
  cv_hpke_trace_clear (&trace_r);
  cv_bytes_clear (&info);
  cv_bytes_clear (&enc_want);
  cv_bytes_clear (&skR);
  cv_bytes_clear (&pkR);
  cv_bytes_clear (&ikmE);
  cv_bytes_clear (&psk);
  cv_bytes_clear (&psk_id);
  cv_bytes_clear (&skS);
  cv_bytes_clear (&pkS);
  cv_bytes_clear (&enc);
  return ok;
}

static int
run_vectors (void)
{
  JsonNode *root = cv_test_load_json ("hpke/test-vectors.json");
  JsonArray *entries = json_node_get_array (root);
  cv_test_tally *tallies[4];
  int status = 0;

  for (int m = 0; m < 4; m++)
    {
      g_autofree char *label = g_strdup_printf ("hpke vectors, mode %s (suite = KEM id)", mode_names[m]);
      tallies[m] = cv_test_tally_new (label);
    }

  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *v = json_array_get_object_element (entries, i);
      unsigned mode = (unsigned) json_object_get_int_member (v, "mode");
      cv_hpke_suite suite = {
        (uint16_t) json_object_get_int_member (v, "kem_id"),
        (uint16_t) json_object_get_int_member (v, "kdf_id"),
        (uint16_t) json_object_get_int_member (v, "aead_id"),
      };
      entry_counts counts = { 0 };

      if (mode > 3)
        {
          fprintf (stderr, "FAIL: vector %u has unknown mode %u\n", i, mode);
          status = 1;
          continue;
        }
      cv_status st = cv_hpke_suite_check (&suite);
      if (st == CV_ERR_UNSUPPORTED)
        {
          printf ("mode %-8s kem 0x%04x kdf 0x%04x aead 0x%04x: skipped (%s)\n", mode_names[mode],
                  suite.kem, suite.kdf, suite.aead, cv_status_message ());
          cv_test_tally_skip (tallies[mode], suite.kem, cv_status_message ());
          continue;
        }
      bool ok = st == CV_OK && run_vector (v, &suite, (uint8_t) mode, &counts);
      printf ("mode %-8s kem 0x%04x kdf 0x%04x aead 0x%04x: %s (encryptions %u/%u, exports %u/%u)\n",
              mode_names[mode], suite.kem, suite.kdf, suite.aead, ok ? "pass" : "FAIL",
              counts.encryptions_ok, counts.encryptions, counts.exports_ok, counts.exports);
      cv_test_tally_add (tallies[mode], suite.kem, ok);
    }

  for (int m = 0; m < 4; m++)
    status |= cv_test_tally_finish (tallies[m]);
  json_node_unref (root);
  return status;
}

/* ---- MLS EncryptWithLabel (RFC 9420 §5.1.3): a known answer for P-384 ---- */

/* The HPKE configuration of each MLS cipher suite (RFC 9420 §17.1). */
static const cv_hpke_suite mls_hpke[8] = {
  [1] = { CV_HPKE_KEM_X25519_SHA256, CV_HPKE_KDF_HKDF_SHA256, CV_HPKE_AEAD_AES_128_GCM },
  [2] = { CV_HPKE_KEM_P256_SHA256, CV_HPKE_KDF_HKDF_SHA256, CV_HPKE_AEAD_AES_128_GCM },
  [3] = { CV_HPKE_KEM_X25519_SHA256, CV_HPKE_KDF_HKDF_SHA256, CV_HPKE_AEAD_CHACHA20_POLY1305 },
  [4] = { CV_HPKE_KEM_X448_SHA512, CV_HPKE_KDF_HKDF_SHA512, CV_HPKE_AEAD_AES_256_GCM },
  [5] = { CV_HPKE_KEM_P521_SHA512, CV_HPKE_KDF_HKDF_SHA512, CV_HPKE_AEAD_AES_256_GCM },
  [6] = { CV_HPKE_KEM_X448_SHA512, CV_HPKE_KDF_HKDF_SHA512, CV_HPKE_AEAD_CHACHA20_POLY1305 },
  [7] = { CV_HPKE_KEM_P384_SHA384, CV_HPKE_KDF_HKDF_SHA384, CV_HPKE_AEAD_AES_256_GCM },
};

/* opaque<V> with the MLS variable-length integer (RFC 9420 §2.1.2). */
static void
append_opaque (GByteArray *out, const uint8_t *data, size_t len)
{
  uint8_t prefix[4];
  size_t n;

  if (len < 64)
    {
      prefix[0] = (uint8_t) len;
      n = 1;
    }
  else if (len < 16384)
    {
      prefix[0] = (uint8_t) (0x40 | len >> 8);
      prefix[1] = (uint8_t) len;
      n = 2;
    }
  else
    {
      prefix[0] = (uint8_t) (0x80 | len >> 24);
      prefix[1] = (uint8_t) (len >> 16);
      prefix[2] = (uint8_t) (len >> 8);
      prefix[3] = (uint8_t) len;
      n = 4;
    }
  g_byte_array_append (out, prefix, (guint) n);
  g_byte_array_append (out, data, (guint) len);
}

/* DecryptWithLabel = OpenBase(kem_output, priv, EncryptContext, "", ciphertext),
 * with EncryptContext = { opaque label<V> = "MLS 1.0 " + Label; opaque context<V> }. */
static int
run_mls_encrypt_with_label (void)
{
  JsonNode *root = cv_test_load_json ("mls/crypto-basics.json");
  JsonArray *entries = json_node_get_array (root);
  cv_test_tally *t = cv_test_tally_new ("hpke via crypto-basics encrypt_with_label (suite = MLS suite)");

  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *v = json_array_get_object_element (entries, i);
      unsigned mls_suite = (unsigned) json_object_get_int_member (v, "cipher_suite");
      JsonObject *e = json_object_get_object_member (v, "encrypt_with_label");

      if (mls_suite < 1 || mls_suite > 7 || e == NULL)
        {
          cv_test_tally_skip (t, mls_suite, "no HPKE configuration for this MLS suite");
          continue;
        }
      const cv_hpke_suite *suite = &mls_hpke[mls_suite];
      cv_bytes priv = cv_test_hex (e, "priv"), pub = cv_test_hex (e, "pub");
      cv_bytes context = cv_test_hex (e, "context"), kem_output = cv_test_hex (e, "kem_output");
      cv_bytes ct = cv_test_hex (e, "ciphertext"), pt_want = cv_test_hex (e, "plaintext");
      cv_bytes pk = CV_BYTES_INIT, pt = CV_BYTES_INIT, enc = CV_BYTES_INIT, ct2 = CV_BYTES_INIT;
      g_autofree char *label = g_strconcat ("MLS 1.0 ", json_object_get_string_member (e, "label"), NULL);
      GByteArray *info = g_byte_array_new ();

      append_opaque (info, (const uint8_t *) label, strlen (label));
      append_opaque (info, context.data, context.len);
      bool ok = expect_ok ("public key of priv",
                           cv_hpke_public_key_from_private (suite->kem, priv.data, priv.len, &pk))
                && match ("pub", &pk, &pub)
                && expect_ok ("OpenBase", cv_hpke_open_base (suite, priv.data, priv.len,
                                                             kem_output.data, kem_output.len,
                                                             info->data, info->len, NULL, 0,
                                                             ct.data, ct.len, &pt))
                && match ("plaintext", &pt, &pt_want);
      cv_bytes_clear (&pt);
      /* And our own SealBase to the same key opens there too. */
      ok = ok && expect_ok ("SealBase", cv_hpke_seal_base (suite, pub.data, pub.len, info->data, info->len,
                                                           NULL, 0, pt_want.data, pt_want.len, &enc, &ct2))
           && expect_ok ("OpenBase (ours)", cv_hpke_open_base (suite, priv.data, priv.len, enc.data, enc.len,
                                                               info->data, info->len, NULL, 0,
                                                               ct2.data, ct2.len, &pt))
           && match ("plaintext (ours)", &pt, &pt_want);
      cv_test_tally_add (t, mls_suite, ok);

      g_byte_array_unref (info);
      cv_bytes_clear (&priv);
      cv_bytes_clear (&pub);
      cv_bytes_clear (&context);
      cv_bytes_clear (&kem_output);
      cv_bytes_clear (&ct);
      cv_bytes_clear (&pt_want);
      cv_bytes_clear (&pk);
      cv_bytes_clear (&pt);
      cv_bytes_clear (&enc);
      cv_bytes_clear (&ct2);
    }
  json_node_unref (root);
  return cv_test_tally_finish (t);
}

/* ---- Round trips through every suite we implement ---- */

static const uint16_t all_kems[] = {
  CV_HPKE_KEM_P256_SHA256, CV_HPKE_KEM_P384_SHA384, CV_HPKE_KEM_P521_SHA512,
  CV_HPKE_KEM_X25519_SHA256, CV_HPKE_KEM_X448_SHA512,
};
static const uint16_t all_kdfs[] = {
  CV_HPKE_KDF_HKDF_SHA256, CV_HPKE_KDF_HKDF_SHA384, CV_HPKE_KDF_HKDF_SHA512,
};
static const uint16_t all_aeads[] = {
  CV_HPKE_AEAD_AES_128_GCM, CV_HPKE_AEAD_AES_256_GCM, CV_HPKE_AEAD_CHACHA20_POLY1305,
  CV_HPKE_AEAD_EXPORT_ONLY,
};

static const uint8_t psk32[32] = "a pre-shared key of 32 bytes...";
static const uint8_t psk_id[] = "psk id";
static const uint8_t info_text[] = "Conclave HPKE round trip";

static bool
round_trip (const cv_hpke_suite *suite, uint8_t mode)
{
  cv_bytes skR = CV_BYTES_INIT, pkR = CV_BYTES_INIT, skS = CV_BYTES_INIT, pkS = CV_BYTES_INIT;
  cv_bytes enc = CV_BYTES_INIT, x_s = CV_BYTES_INIT, x_r = CV_BYTES_INIT, pk2 = CV_BYTES_INIT;
  cv_hpke_context *ctx_s = NULL, *ctx_r = NULL;
  bool psk_mode = mode & 1, auth_mode = mode & 2;
  bool ok;

  ok = expect_ok ("GenerateKeyPair R", cv_hpke_generate_key_pair (suite->kem, &skR, &pkR))
       && expect_ok ("GenerateKeyPair S", cv_hpke_generate_key_pair (suite->kem, &skS, &pkS))
       && skR.len == cv_hpke_kem_private_key_len (suite->kem)
       && pkR.len == cv_hpke_kem_public_key_len (suite->kem)
       && expect_ok ("public key of private", cv_hpke_public_key_from_private (suite->kem, skR.data, skR.len, &pk2))
       && cv_bytes_eq (&pk2, &pkR)
       && expect_ok ("check public key", cv_hpke_check_public_key (suite->kem, pkR.data, pkR.len));
  if (!ok)
    goto out;

  cv_hpke_mode_args args_s = {
    .mode = mode, .psk = psk_mode ? psk32 : NULL, .psk_len = psk_mode ? sizeof psk32 : 0,
    .psk_id = psk_mode ? psk_id : NULL, .psk_id_len = psk_mode ? sizeof psk_id : 0,
    .sk_s = auth_mode ? skS.data : NULL, .sk_s_len = auth_mode ? skS.len : 0,
  };
  cv_hpke_mode_args args_r = args_s;
  args_r.sk_s = NULL;
  args_r.sk_s_len = 0;
  args_r.pk_s = auth_mode ? pkS.data : NULL;
  args_r.pk_s_len = auth_mode ? pkS.len : 0;

  ok = expect_ok ("SetupS", cv_hpke_setup_s (suite, pkR.data, pkR.len, info_text, sizeof info_text,
                                             &args_s, &enc, &ctx_s))
       && enc.len == cv_hpke_kem_enc_len (suite->kem)
       && expect_ok ("SetupR", cv_hpke_setup_r (suite, enc.data, enc.len, skR.data, skR.len,
                                                info_text, sizeof info_text, &args_r, &ctx_r));
  if (!ok)
    goto out;

  if (suite->aead != CV_HPKE_AEAD_EXPORT_ONLY)
    for (size_t n = 0; ok && n < 3; n++)
      {
        uint8_t msg[100];
        cv_bytes ct = CV_BYTES_INIT, pt = CV_BYTES_INIT;
        size_t len = n * 40;   /* includes the empty message */

        for (size_t b = 0; b < len; b++)
          msg[b] = (uint8_t) (b * 7 + n);
        ok = expect_ok ("Seal", cv_hpke_context_seal (ctx_s, msg, n, msg, len, &ct))
             && ct.len == len + cv_hpke_aead_tag_len (suite->aead)
             && expect_ok ("Open", cv_hpke_context_open (ctx_r, msg, n, ct.data, ct.len, &pt))
             && pt.len == len && (len == 0 || memcmp (pt.data, msg, len) == 0);
        cv_bytes_clear (&ct);
        cv_bytes_clear (&pt);
      }
  ok = ok && expect_ok ("Export S", cv_hpke_context_export (ctx_s, psk_id, 3, 77, &x_s))
       && expect_ok ("Export R", cv_hpke_context_export (ctx_r, psk_id, 3, 77, &x_r))
       && x_s.len == 77 && cv_bytes_eq (&x_s, &x_r);

out:
  if (!ok)
    fprintf (stderr, "  round trip failed: mode %s kem 0x%04x kdf 0x%04x aead 0x%04x\n",
             mode_names[mode], suite->kem, suite->kdf, suite->aead);
  cv_hpke_context_free (ctx_s);
  cv_hpke_context_free (ctx_r);
  cv_bytes_clear (&skR);
  cv_bytes_clear (&pkR);
  cv_bytes_clear (&skS);
  cv_bytes_clear (&pkS);
  cv_bytes_clear (&enc);
  cv_bytes_clear (&x_s);
  cv_bytes_clear (&x_r);
  cv_bytes_clear (&pk2);
  return ok;
}

static int
run_round_trips (void)
{
  cv_test_tally *t = cv_test_tally_new ("hpke round trip, all modes/KDFs/AEADs (suite = KEM id)");

  for (size_t k = 0; k < G_N_ELEMENTS (all_kems); k++)
    for (size_t d = 0; d < G_N_ELEMENTS (all_kdfs); d++)
      for (size_t a = 0; a < G_N_ELEMENTS (all_aeads); a++)
        for (uint8_t mode = 0; mode < 4; mode++)
          {
            cv_hpke_suite suite = { all_kems[k], all_kdfs[d], all_aeads[a] };
            if (cv_hpke_suite_check (&suite) == CV_ERR_UNSUPPORTED)
              cv_test_tally_skip (t, suite.kem, cv_status_message ());
            else
              cv_test_tally_add (t, suite.kem, round_trip (&suite, mode));
          }
  return cv_test_tally_finish (t);
}

/* ---- Refusals ---- */

static cv_test_tally *neg;

/* One negative case: the call must fail with exactly `want`. */
static void
expect_status (unsigned kem, const char *what, cv_status got, cv_status want)
{
  bool ok = got == want;

  if (!ok)
    fprintf (stderr, "  %s (kem 0x%04x): got %s (%s), want %s\n", what, kem,
             cv_status_name (got), cv_status_message (), cv_status_name (want));
  cv_test_tally_add (neg, kem, ok);
}

static void
negative_for_kem (uint16_t kem)
{
  cv_hpke_suite suite = { kem, CV_HPKE_KDF_HKDF_SHA256, CV_HPKE_AEAD_AES_128_GCM };
  cv_bytes skR = CV_BYTES_INIT, pkR = CV_BYTES_INIT, sk2 = CV_BYTES_INIT, pk2 = CV_BYTES_INIT;
  cv_bytes enc = CV_BYTES_INIT, ct = CV_BYTES_INIT, pt = CV_BYTES_INIT, bad = CV_BYTES_INIT;
  static const uint8_t aad[] = "aad", msg[] = "attack at dawn";
  bool nist = kem < CV_HPKE_KEM_X25519_SHA256;

  if (cv_hpke_generate_key_pair (kem, &skR, &pkR) != CV_OK
      || cv_hpke_generate_key_pair (kem, &sk2, &pk2) != CV_OK
      || cv_hpke_seal_base (&suite, pkR.data, pkR.len, info_text, sizeof info_text, aad, sizeof aad,
                            msg, sizeof msg, &enc, &ct) != CV_OK)
    {
      fprintf (stderr, "  cannot set up the negative tests for kem 0x%04x: %s\n", kem, cv_status_message ());
      cv_test_tally_add (neg, kem, false);
      goto out;
    }

  /* The untampered message opens; everything below changes one thing. */
  expect_status (kem, "genuine open",
                 cv_hpke_open_base (&suite, skR.data, skR.len, enc.data, enc.len, info_text, sizeof info_text,
                                    aad, sizeof aad, ct.data, ct.len, &pt), CV_OK);
  cv_bytes_clear (&pt);
  expect_status (kem, "wrong recipient key",
                 cv_hpke_open_base (&suite, sk2.data, sk2.len, enc.data, enc.len, info_text, sizeof info_text,
                                    aad, sizeof aad, ct.data, ct.len, &pt), CV_ERR_AUTH);
  expect_status (kem, "tampered aad",
                 cv_hpke_open_base (&suite, skR.data, skR.len, enc.data, enc.len, info_text, sizeof info_text,
                                    aad, sizeof aad - 1, ct.data, ct.len, &pt), CV_ERR_AUTH);
  expect_status (kem, "tampered info",
                 cv_hpke_open_base (&suite, skR.data, skR.len, enc.data, enc.len, info_text, 3,
                                    aad, sizeof aad, ct.data, ct.len, &pt), CV_ERR_AUTH);
  for (size_t i = 0; i < ct.len; i += 5)
    {
      ct.data[i] ^= 0x20;
      expect_status (kem, "tampered ct",
                     cv_hpke_open_base (&suite, skR.data, skR.len, enc.data, enc.len, info_text,
                                        sizeof info_text, aad, sizeof aad, ct.data, ct.len, &pt),
                     CV_ERR_AUTH);
      ct.data[i] ^= 0x20;
    }
  expect_status (kem, "ct shorter than the tag",
                 cv_hpke_open_base (&suite, skR.data, skR.len, enc.data, enc.len, info_text, sizeof info_text,
                                    aad, sizeof aad, ct.data, 15, &pt), CV_ERR_TRUNCATED);
  expect_status (kem, "enc truncated",
                 cv_hpke_open_base (&suite, skR.data, skR.len, enc.data, enc.len - 1, info_text,
                                    sizeof info_text, aad, sizeof aad, ct.data, ct.len, &pt), CV_ERR_INVALID);
  /* Too long is refused everywhere; too short only on X25519/X448 (a short
   * NIST scalar is read with its leading zeros dropped, see below). */
  cv_bytes_copy (&bad, &skR);
  cv_bytes_append (&bad, (const uint8_t *) "", 1);
  expect_status (kem, "private key too long",
                 cv_hpke_open_base (&suite, bad.data, bad.len, enc.data, enc.len, info_text,
                                    sizeof info_text, aad, sizeof aad, ct.data, ct.len, &pt), CV_ERR_INVALID);
  cv_bytes_clear (&bad);
  expect_status (kem, "private key too short",
                 cv_hpke_open_base (&suite, skR.data, skR.len - 1, enc.data, enc.len, info_text,
                                    sizeof info_text, aad, sizeof aad, ct.data, ct.len, &pt),
                 nist ? CV_ERR_AUTH : CV_ERR_INVALID);
  expect_status (kem, "empty private key",
                 cv_hpke_public_key_from_private (kem, skR.data, 0, &pt), CV_ERR_INVALID);

  /* A changed enc: on the NIST curves the point almost surely leaves the
   * curve (refused as invalid); on X25519/X448 it is another key (tag fails). */
  cv_bytes_copy (&bad, &enc);
  bad.data[bad.len - 1] ^= 0x01;
  expect_status (kem, "tampered enc",
                 cv_hpke_open_base (&suite, skR.data, skR.len, bad.data, bad.len, info_text, sizeof info_text,
                                    aad, sizeof aad, ct.data, ct.len, &pt),
                 nist ? CV_ERR_INVALID : CV_ERR_AUTH);
  expect_status (kem, "tampered pkR (check)", cv_hpke_check_public_key (kem, bad.data, bad.len),
                 nist ? CV_ERR_INVALID : CV_OK);

  if (nist)
    {
      cv_bytes_clear (&bad);
      cv_bytes_copy (&bad, &enc);
      bad.data[0] = 0x02;  /* compressed form is not the HPKE serialization */
      expect_status (kem, "compressed point as enc",
                     cv_hpke_open_base (&suite, skR.data, skR.len, bad.data, (bad.len + 1) / 2, info_text,
                                        sizeof info_text, aad, sizeof aad, ct.data, ct.len, &pt),
                     CV_ERR_INVALID);
      expect_status (kem, "uncompressed length with 0x02 prefix",
                     cv_hpke_check_public_key (kem, bad.data, bad.len), CV_ERR_INVALID);
      memset (bad.data, 0, bad.len);
      bad.data[0] = 0x04;  /* (0, 0) is on none of the curves */
      expect_status (kem, "point (0,0) as enc",
                     cv_hpke_open_base (&suite, skR.data, skR.len, bad.data, bad.len, info_text,
                                        sizeof info_text, aad, sizeof aad, ct.data, ct.len, &pt),
                     CV_ERR_INVALID);
      memset (bad.data + 1, 0xff, bad.len - 1);  /* coordinates >= p */
      expect_status (kem, "coordinates beyond p as pkR",
                     cv_hpke_seal_base (&suite, bad.data, bad.len, NULL, 0, NULL, 0, msg, sizeof msg,
                                        &enc, &ct), CV_ERR_INVALID);
      /* Private scalars 0 and >= n are refused. */
      memset (bad.data, 0, bad.len);
      expect_status (kem, "private key 0",
                     cv_hpke_public_key_from_private (kem, bad.data, skR.len, &pt), CV_ERR_INVALID);
      memset (bad.data, 0xff, bad.len);
      expect_status (kem, "private key beyond n",
                     cv_hpke_public_key_from_private (kem, bad.data, skR.len, &pt), CV_ERR_INVALID);

      /* A scalar with its leading zero byte dropped is the same key. */
      cv_bytes sk0 = CV_BYTES_INIT, pk0 = CV_BYTES_INIT, pk_short = CV_BYTES_INIT;
      for (int tries = 0; tries < 2000 && (sk0.len == 0 || sk0.data[0] != 0); tries++)
        {
          cv_bytes_clear (&sk0);
          cv_bytes_clear (&pk0);
          cv_hpke_generate_key_pair (kem, &sk0, &pk0);
        }
      bool same = sk0.len > 0 && sk0.data[0] == 0
                  && cv_hpke_public_key_from_private (kem, sk0.data + 1, sk0.len - 1, &pk_short) == CV_OK
                  && cv_bytes_eq (&pk_short, &pk0);
      expect_status (kem, "scalar without its leading zero", same ? CV_OK : CV_ERR_INVALID, CV_OK);
      cv_bytes_clear (&sk0);
      cv_bytes_clear (&pk0);
      cv_bytes_clear (&pk_short);
    }
  else
    {
      /* Low-order points give an all-zero DH output, which must be refused. */
      static const uint8_t one[56] = { 1 };
      memset (bad.data, 0, bad.len);
      expect_status (kem, "all-zero point as enc (zero DH output)",
                     cv_hpke_open_base (&suite, skR.data, skR.len, bad.data, bad.len, info_text,
                                        sizeof info_text, aad, sizeof aad, ct.data, ct.len, &pt),
                     CV_ERR_INVALID);
      expect_status (kem, "point u=1 as pkR (zero DH output)",
                     cv_hpke_seal_base (&suite, one, bad.len, NULL, 0, NULL, 0, msg, sizeof msg,
                                        &enc, &ct), CV_ERR_INVALID);
    }
  cv_bytes_clear (&pt);

out:
  cv_bytes_clear (&skR);
  cv_bytes_clear (&pkR);
  cv_bytes_clear (&sk2);
  cv_bytes_clear (&pk2);
  cv_bytes_clear (&enc);
  cv_bytes_clear (&ct);
  cv_bytes_clear (&bad);
}

/* Rules of the context and of the mode inputs, on X25519. */
static void
negative_context (void)
{
  const uint16_t kem = CV_HPKE_KEM_X25519_SHA256;
  cv_hpke_suite suite = { kem, CV_HPKE_KDF_HKDF_SHA256, CV_HPKE_AEAD_CHACHA20_POLY1305 };
  cv_hpke_suite export_only = { kem, CV_HPKE_KDF_HKDF_SHA256, CV_HPKE_AEAD_EXPORT_ONLY };
  cv_hpke_suite unknown = { kem, CV_HPKE_KDF_HKDF_SHA256, 0x0042 };
  cv_bytes skR = CV_BYTES_INIT, pkR = CV_BYTES_INIT, skS = CV_BYTES_INIT, pkS = CV_BYTES_INIT;
  cv_bytes enc = CV_BYTES_INIT, ct = CV_BYTES_INIT, pt = CV_BYTES_INIT, x = CV_BYTES_INIT;
  cv_hpke_context *ctx_s = NULL, *ctx_r = NULL, *ctx_x = NULL;
  static const uint8_t msg[] = "m";

  if (cv_hpke_generate_key_pair (kem, &skR, &pkR) != CV_OK
      || cv_hpke_generate_key_pair (kem, &skS, &pkS) != CV_OK
      || cv_hpke_setup_base_s (&suite, pkR.data, pkR.len, NULL, 0, &enc, &ctx_s) != CV_OK
      || cv_hpke_setup_base_r (&suite, enc.data, enc.len, skR.data, skR.len, NULL, 0, &ctx_r) != CV_OK)
    {
      cv_test_tally_add (neg, 0, false);
      goto out;
    }

  /* Sequence numbers: a message out of order fails and does not advance. */
  expect_status (0, "seal #0", cv_hpke_context_seal (ctx_s, NULL, 0, msg, 1, &ct), CV_OK);
  cv_bytes_clear (&ct);
  expect_status (0, "seal #1", cv_hpke_context_seal (ctx_s, NULL, 0, msg, 1, &ct), CV_OK);
  expect_status (0, "open #1 as #0", cv_hpke_context_open (ctx_r, NULL, 0, ct.data, ct.len, &pt), CV_ERR_AUTH);
  expect_status (0, "failed open keeps seq", cv_hpke_context_seq (ctx_r) == 0 ? CV_OK : CV_ERR_STATE, CV_OK);
  cv_hpke_context_set_seq (ctx_r, 1);
  expect_status (0, "open #1 at seq 1", cv_hpke_context_open (ctx_r, NULL, 0, ct.data, ct.len, &pt), CV_OK);
  cv_bytes_clear (&ct);
  cv_bytes_clear (&pt);

  /* Roles. */
  expect_status (0, "recipient context seals", cv_hpke_context_seal (ctx_r, NULL, 0, msg, 1, &ct), CV_ERR_STATE);
  expect_status (0, "sender context opens", cv_hpke_context_open (ctx_s, NULL, 0, msg, 1, &pt), CV_ERR_STATE);

  /* Overflow: the last sequence number is usable once, then the context refuses. */
  cv_hpke_context_set_seq (ctx_s, UINT64_MAX - 1);
  expect_status (0, "seal at the last seq", cv_hpke_context_seal (ctx_s, NULL, 0, msg, 1, &ct), CV_OK);
  cv_bytes_clear (&ct);
  expect_status (0, "seal past the last seq", cv_hpke_context_seal (ctx_s, NULL, 0, msg, 1, &ct), CV_ERR_STATE);
  cv_hpke_context_set_seq (ctx_r, UINT64_MAX);
  expect_status (0, "open past the last seq", cv_hpke_context_open (ctx_r, NULL, 0, msg, 1, &pt), CV_ERR_STATE);

  /* Export limits: L <= 255 * Nh. */
  expect_status (0, "export 255 * Nh", cv_hpke_context_export (ctx_s, NULL, 0, 255 * 32, &x), CV_OK);
  cv_bytes_clear (&x);
  expect_status (0, "export 255 * Nh + 1", cv_hpke_context_export (ctx_s, NULL, 0, 255 * 32 + 1, &x),
                 CV_ERR_TOO_LARGE);

  /* Export-only suites export but neither seal nor open. */
  cv_bytes_clear (&enc);
  expect_status (0, "export-only setup", cv_hpke_setup_base_s (&export_only, pkR.data, pkR.len, NULL, 0,
                                                               &enc, &ctx_x), CV_OK);
  expect_status (0, "export-only seal", cv_hpke_context_seal (ctx_x, NULL, 0, msg, 1, &ct), CV_ERR_UNSUPPORTED);
  expect_status (0, "unknown AEAD", cv_hpke_seal_base (&unknown, pkR.data, pkR.len, NULL, 0, NULL, 0,
                                                        msg, 1, &enc, &ct), CV_ERR_UNSUPPORTED);
  cv_hpke_suite bad_kem = { 0x0099, 1, 1 };
  expect_status (0, "unknown KEM", cv_hpke_generate_key_pair (bad_kem.kem, &x, &pt), CV_ERR_UNSUPPORTED);

  /* Mode inputs (§5.1 VerifyPSKInputs and the auth key rule). */
  cv_hpke_context *c = NULL;
  cv_bytes_clear (&enc);
  expect_status (0, "psk in base mode",
                 cv_hpke_setup_s (&suite, pkR.data, pkR.len, NULL, 0,
                                  &(cv_hpke_mode_args) { .mode = CV_HPKE_MODE_BASE, .psk = psk32,
                                                         .psk_len = 32, .psk_id = psk_id, .psk_id_len = 3 },
                                  &enc, &c), CV_ERR_INVALID);
  expect_status (0, "psk mode without psk",
                 cv_hpke_setup_psk_s (&suite, pkR.data, pkR.len, NULL, 0, NULL, 0, NULL, 0, &enc, &c),
                 CV_ERR_INVALID);
  expect_status (0, "psk without psk_id",
                 cv_hpke_setup_psk_s (&suite, pkR.data, pkR.len, NULL, 0, psk32, 32, NULL, 0, &enc, &c),
                 CV_ERR_INVALID);
  expect_status (0, "psk shorter than 32 bytes",
                 cv_hpke_setup_psk_s (&suite, pkR.data, pkR.len, NULL, 0, psk32, 16, psk_id, 3, &enc, &c),
                 CV_ERR_INVALID);
  expect_status (0, "auth mode without sender key",
                 cv_hpke_setup_auth_s (&suite, pkR.data, pkR.len, NULL, 0, NULL, 0, &enc, &c),
                 CV_ERR_INVALID);
  expect_status (0, "unknown mode",
                 cv_hpke_setup_s (&suite, pkR.data, pkR.len, NULL, 0,
                                  &(cv_hpke_mode_args) { .mode = 4 }, &enc, &c), CV_ERR_UNSUPPORTED);
  expect_status (0, "short ikm for DeriveKeyPair",
                 cv_hpke_derive_key_pair (kem, psk32, 31, &x, &pt), CV_ERR_INVALID);

  /* Auth and psk bind the sender key and the psk. */
  cv_bytes_clear (&enc);
  cv_hpke_context_free (ctx_x);
  ctx_x = NULL;
  expect_status (0, "auth_psk setup",
                 cv_hpke_setup_auth_psk_s (&suite, pkR.data, pkR.len, NULL, 0, psk32, 32, psk_id, 3,
                                           skS.data, skS.len, &enc, &ctx_x), CV_OK);
  expect_status (0, "auth_psk seal", cv_hpke_context_seal (ctx_x, NULL, 0, msg, 1, &ct), CV_OK);
  cv_hpke_context *r = NULL;
  expect_status (0, "auth_psk open",
                 cv_hpke_setup_auth_psk_r (&suite, enc.data, enc.len, skR.data, skR.len, NULL, 0,
                                           psk32, 32, psk_id, 3, pkS.data, pkS.len, &r), CV_OK);
  expect_status (0, "auth_psk open", cv_hpke_context_open (r, NULL, 0, ct.data, ct.len, &pt), CV_OK);
  cv_hpke_context_free (r);
  r = NULL;
  cv_bytes_clear (&pt);
  uint8_t other_psk[32];
  memcpy (other_psk, psk32, 32);
  other_psk[5] ^= 1;
  expect_status (0, "wrong psk setup",
                 cv_hpke_setup_auth_psk_r (&suite, enc.data, enc.len, skR.data, skR.len, NULL, 0,
                                           other_psk, 32, psk_id, 3, pkS.data, pkS.len, &r), CV_OK);
  expect_status (0, "wrong psk", cv_hpke_context_open (r, NULL, 0, ct.data, ct.len, &pt), CV_ERR_AUTH);
  cv_hpke_context_free (r);
  r = NULL;
  expect_status (0, "wrong sender key setup",
                 cv_hpke_setup_auth_psk_r (&suite, enc.data, enc.len, skR.data, skR.len, NULL, 0,
                                           psk32, 32, psk_id, 3, pkR.data, pkR.len, &r), CV_OK);
  expect_status (0, "wrong sender key", cv_hpke_context_open (r, NULL, 0, ct.data, ct.len, &pt), CV_ERR_AUTH);
  cv_hpke_context_free (r);

out:
  cv_hpke_context_free (ctx_s);
  cv_hpke_context_free (ctx_r);
  cv_hpke_context_free (ctx_x);
  cv_bytes_clear (&skR);
  cv_bytes_clear (&pkR);
  cv_bytes_clear (&skS);
  cv_bytes_clear (&pkS);
  cv_bytes_clear (&enc);
  cv_bytes_clear (&ct);
  cv_bytes_clear (&pt);
  cv_bytes_clear (&x);
}

static int
run_negative (void)
{
  neg = cv_test_tally_new ("hpke refusals (suite = KEM id, 0 = context rules)");
  for (size_t k = 0; k < G_N_ELEMENTS (all_kems); k++)
    negative_for_kem (all_kems[k]);
  negative_context ();
  return cv_test_tally_finish (neg);
}

int
main (void)
{
  int status = 0;

  status |= run_vectors ();
  status |= run_mls_encrypt_with_label ();
  status |= run_round_trips ();
  status |= run_negative ();
  return status;
}

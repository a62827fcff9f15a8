/* crypto-basics.json: RefHash, ExpandWithLabel, DeriveSecret, DeriveTreeSecret,
 * Sign/VerifyWithLabel and Encrypt/DecryptWithLabel for every suite
 * (RFC 9420 §5), plus AEAD and key-generation round trips and refusals. */
#include <stdio.h>
#include <string.h>

#include "cv-mls-suite.h"
#include "cv-test-vectors.h"

static bool
report (const char *what, cv_status st)
{
  if (st != CV_OK)
    fprintf (stderr, "  %s: %s: %s\n", what, cv_status_name (st), cv_status_message ());
  return st == CV_OK;
}

static bool
check_ref_hash (const cv_mls_suite *s, JsonObject *o)
{
  cv_bytes value = cv_test_hex (o, "value"), want = cv_test_hex (o, "out"), got = CV_BYTES_INIT;
  bool ok = report ("RefHash", cv_mls_ref_hash (s, json_object_get_string_member (o, "label"),
                                                value.data, value.len, &got))
            && cv_test_bytes_match ("RefHash", got.data, got.len, &want);

  cv_bytes_clear (&value);
  cv_bytes_clear (&want);
  cv_bytes_clear (&got);
  return ok;
}

static bool
check_expand_with_label (const cv_mls_suite *s, JsonObject *o)
{
  cv_bytes secret = cv_test_hex (o, "secret"), context = cv_test_hex (o, "context");
  cv_bytes want = cv_test_hex (o, "out"), got = CV_BYTES_INIT;
  bool ok = report ("ExpandWithLabel",
                    cv_mls_expand_with_label (s, secret.data, secret.len,
                                              json_object_get_string_member (o, "label"),
                                              context.data, context.len,
                                              (uint16_t) json_object_get_int_member (o, "length"),
                                              &got))
            && cv_test_bytes_match ("ExpandWithLabel", got.data, got.len, &want);

  cv_bytes_clear (&secret);
  cv_bytes_clear (&context);
  cv_bytes_clear (&want);
  cv_bytes_clear (&got);
  return ok;
}

static bool
check_derive_secret (const cv_mls_suite *s, JsonObject *o)
{
  cv_bytes secret = cv_test_hex (o, "secret"), want = cv_test_hex (o, "out"), got = CV_BYTES_INIT;
  bool ok = report ("DeriveSecret",
                    cv_mls_derive_secret (s, secret.data, secret.len,
                                          json_object_get_string_member (o, "label"), &got))
            && cv_test_bytes_match ("DeriveSecret", got.data, got.len, &want);

  cv_bytes_clear (&secret);
  cv_bytes_clear (&want);
  cv_bytes_clear (&got);
  return ok;
}

static bool
check_derive_tree_secret (const cv_mls_suite *s, JsonObject *o)
{
  cv_bytes secret = cv_test_hex (o, "secret"), want = cv_test_hex (o, "out"), got = CV_BYTES_INIT;
  bool ok = report ("DeriveTreeSecret",
                    cv_mls_derive_tree_secret (s, secret.data, secret.len,
                                               json_object_get_string_member (o, "label"),
                                               (uint32_t) json_object_get_int_member (o, "generation"),
                                               (uint16_t) json_object_get_int_member (o, "length"),
                                               &got))
            && cv_test_bytes_match ("DeriveTreeSecret", got.data, got.len, &want);

  cv_bytes_clear (&secret);
  cv_bytes_clear (&want);
  cv_bytes_clear (&got);
  return ok;
}

static bool
check_sign_with_label (const cv_mls_suite *s, JsonObject *o)
{
  cv_bytes priv = cv_test_hex (o, "priv"), pub = cv_test_hex (o, "pub");
  cv_bytes content = cv_test_hex (o, "content"), sig = cv_test_hex (o, "signature");
  cv_bytes mine = CV_BYTES_INIT, derived_pub = CV_BYTES_INIT;
  const char *label = json_object_get_string_member (o, "label");
  bool ok = true;

  ok &= report ("VerifyWithLabel (vector signature)",
                cv_mls_verify_with_label (s, pub.data, pub.len, label, content.data, content.len,
                                          sig.data, sig.len));
  ok &= report ("SignWithLabel", cv_mls_sign_with_label (s, priv.data, priv.len, label,
                                                         content.data, content.len, &mine));
  ok &= report ("VerifyWithLabel (our signature)",
                cv_mls_verify_with_label (s, pub.data, pub.len, label, content.data, content.len,
                                          mine.data, mine.len));
  ok &= report ("signature public key", cv_mls_signature_public_key (s, priv.data, priv.len,
                                                                     &derived_pub))
        && cv_test_bytes_match ("signature public key", derived_pub.data, derived_pub.len, &pub);

  /* A signature must not verify under another label or over other content. */
  if (cv_mls_verify_with_label (s, pub.data, pub.len, "OtherLabel", content.data, content.len,
                                sig.data, sig.len) != CV_ERR_AUTH)
    {
      fprintf (stderr, "  signature verified under a different label\n");
      ok = false;
    }
  content.data[0] ^= 1;
  if (cv_mls_verify_with_label (s, pub.data, pub.len, label, content.data, content.len,
                                sig.data, sig.len) != CV_ERR_AUTH)
    {
      fprintf (stderr, "  signature verified over altered content\n");
      ok = false;
    }
  /* A truncated public key is refused as such, not as a bad signature. */
  if (cv_mls_verify_with_label (s, pub.data, pub.len - 1, label, content.data, content.len,
                                sig.data, sig.len) != CV_ERR_MALFORMED)
    {
      fprintf (stderr, "  truncated public key was not refused\n");
      ok = false;
    }

  cv_bytes_clear (&priv);
  cv_bytes_clear (&pub);
  cv_bytes_clear (&content);
  cv_bytes_clear (&sig);
  cv_bytes_clear (&mine);
  cv_bytes_clear (&derived_pub);
  return ok;
}

static bool
check_encrypt_with_label (const cv_mls_suite *s, JsonObject *o)
{
  cv_bytes priv = cv_test_hex (o, "priv"), pub = cv_test_hex (o, "pub");
  cv_bytes context = cv_test_hex (o, "context"), plaintext = cv_test_hex (o, "plaintext");
  cv_bytes kem_output = cv_test_hex (o, "kem_output"), ct = cv_test_hex (o, "ciphertext");
  cv_bytes pt = CV_BYTES_INIT, enc2 = CV_BYTES_INIT, ct2 = CV_BYTES_INIT, pt2 = CV_BYTES_INIT;
  const char *label = json_object_get_string_member (o, "label");
  bool ok = true;

  ok &= report ("DecryptWithLabel (vector)",
                cv_mls_decrypt_with_label (s, priv.data, priv.len, label, context.data, context.len,
                                           kem_output.data, kem_output.len, ct.data, ct.len, &pt))
        && cv_test_bytes_match ("DecryptWithLabel", pt.data, pt.len, &plaintext);
  ok &= report ("EncryptWithLabel",
                cv_mls_encrypt_with_label (s, pub.data, pub.len, label, context.data, context.len,
                                           plaintext.data, plaintext.len, &enc2, &ct2))
        && report ("DecryptWithLabel (ours)",
                   cv_mls_decrypt_with_label (s, priv.data, priv.len, label, context.data,
                                              context.len, enc2.data, enc2.len, ct2.data, ct2.len,
                                              &pt2))
        && cv_test_bytes_match ("DecryptWithLabel (ours)", pt2.data, pt2.len, &plaintext);

  /* The context is bound: another one must not decrypt. */
  cv_bytes_clear (&pt2);
  context.data[0] ^= 1;
  if (cv_mls_decrypt_with_label (s, priv.data, priv.len, label, context.data, context.len,
                                 kem_output.data, kem_output.len, ct.data, ct.len, &pt2) == CV_OK)
    {
      fprintf (stderr, "  DecryptWithLabel accepted a different context\n");
      ok = false;
    }

  cv_bytes_clear (&priv);
  cv_bytes_clear (&pub);
  cv_bytes_clear (&context);
  cv_bytes_clear (&plaintext);
  cv_bytes_clear (&kem_output);
  cv_bytes_clear (&ct);
  cv_bytes_clear (&pt);
  cv_bytes_clear (&enc2);
  cv_bytes_clear (&ct2);
  cv_bytes_clear (&pt2);
  return ok;
}

/* Round trips the vectors do not cover: AEAD, fresh keys, MAC. */
static bool
check_round_trips (const cv_mls_suite *s)
{
  uint8_t key[32], nonce[12];
  static const uint8_t aad[] = "header", msg[] = "a frame of media";
  cv_bytes ct = CV_BYTES_INIT, pt = CV_BYTES_INIT, priv = CV_BYTES_INIT, pub = CV_BYTES_INIT;
  cv_bytes sig = CV_BYTES_INIT, mac = CV_BYTES_INIT, hpriv = CV_BYTES_INIT, hpub = CV_BYTES_INIT;
  cv_bytes enc = CV_BYTES_INIT, hct = CV_BYTES_INIT, hpt = CV_BYTES_INIT;
  bool ok = true;

  for (size_t i = 0; i < sizeof key; i++)
    key[i] = (uint8_t) i;
  memset (nonce, 7, sizeof nonce);
  ok &= report ("AEAD seal", cv_mls_aead_seal (s, key, nonce, aad, sizeof aad, msg, sizeof msg, &ct));
  ok &= ct.len == sizeof msg + s->tag_len;
  ok &= report ("AEAD open", cv_mls_aead_open (s, key, nonce, aad, sizeof aad, ct.data, ct.len, &pt));
  ok &= pt.len == sizeof msg && memcmp (pt.data, msg, sizeof msg) == 0;
  cv_bytes_clear (&pt);
  ct.data[ct.len - 1] ^= 1;
  ok &= cv_mls_aead_open (s, key, nonce, aad, sizeof aad, ct.data, ct.len, &pt) == CV_ERR_AUTH
        && pt.data == NULL;
  ok &= cv_mls_aead_open (s, key, nonce, aad, sizeof aad, ct.data, s->tag_len - 1, &pt)
        == CV_ERR_TRUNCATED;

  ok &= report ("signature key pair", cv_mls_signature_key_pair (s, &priv, &pub));
  ok &= report ("sign (fresh key)", cv_mls_sign_with_label (s, priv.data, priv.len, "Test",
                                                            msg, sizeof msg, &sig));
  ok &= report ("verify (fresh key)", cv_mls_verify_with_label (s, pub.data, pub.len, "Test",
                                                                msg, sizeof msg, sig.data, sig.len));

  ok &= report ("MAC", cv_mls_mac (s, key, sizeof key, msg, sizeof msg, &mac));
  ok &= report ("MAC verify", cv_mls_mac_verify (s, key, sizeof key, msg, sizeof msg,
                                                 mac.data, mac.len));
  mac.data[0] ^= 1;
  ok &= cv_mls_mac_verify (s, key, sizeof key, msg, sizeof msg, mac.data, mac.len) == CV_ERR_AUTH;
  ok &= cv_mls_mac_verify (s, key, sizeof key, msg, sizeof msg, mac.data, 0) == CV_ERR_AUTH;

  ok &= report ("HPKE key pair", cv_mls_hpke_key_pair (s, &hpriv, &hpub));
  ok &= report ("EncryptWithLabel (fresh key)",
                cv_mls_encrypt_with_label (s, hpub.data, hpub.len, "Test", NULL, 0,
                                           msg, sizeof msg, &enc, &hct));
  ok &= report ("DecryptWithLabel (fresh key)",
                cv_mls_decrypt_with_label (s, hpriv.data, hpriv.len, "Test", NULL, 0,
                                           enc.data, enc.len, hct.data, hct.len, &hpt));
  ok &= hpt.len == sizeof msg && memcmp (hpt.data, msg, sizeof msg) == 0;

  cv_bytes *all[] = { &ct, &pt, &priv, &pub, &sig, &mac, &hpriv, &hpub, &enc, &hct, &hpt };
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
    cv_bytes_clear (all[i]);
  if (!ok)
    fprintf (stderr, "  round trips failed for suite %u\n", s->id);
  return ok;
}

int
main (void)
{
  JsonNode *root = cv_test_load_json ("mls/crypto-basics.json");
  JsonArray *cases = json_node_get_array (root);
  cv_test_tally *tally = cv_test_tally_new ("crypto-basics");
  const cv_mls_suite *s;

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *o = json_array_get_object_element (cases, i);
      unsigned id = (unsigned) json_object_get_int_member (o, "cipher_suite");
      bool ok = true;

      if (cv_mls_suite_get ((uint16_t) id, &s) != CV_OK)
        {
          fprintf (stderr, "suite %u: %s\n", id, cv_status_message ());
          cv_test_tally_add (tally, id, false);
          continue;
        }
      ok &= check_ref_hash (s, json_object_get_object_member (o, "ref_hash"));
      ok &= check_expand_with_label (s, json_object_get_object_member (o, "expand_with_label"));
      ok &= check_derive_secret (s, json_object_get_object_member (o, "derive_secret"));
      ok &= check_derive_tree_secret (s, json_object_get_object_member (o, "derive_tree_secret"));
      ok &= check_sign_with_label (s, json_object_get_object_member (o, "sign_with_label"));
      ok &= check_encrypt_with_label (s, json_object_get_object_member (o, "encrypt_with_label"));
      ok &= check_round_trips (s);
      if (!ok)
        fprintf (stderr, "suite %u failed\n", id);
      cv_test_tally_add (tally, id, ok);
    }
  json_node_unref (root);

  if (cv_mls_suite_get (0, &s) != CV_ERR_UNSUPPORTED || cv_mls_suite_get (8, &s) != CV_ERR_UNSUPPORTED)
    {
      fprintf (stderr, "unknown suites were not refused\n");
      return 1;
    }
  return cv_test_tally_finish (tally);
}

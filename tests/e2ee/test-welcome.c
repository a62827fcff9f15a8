/* welcome.json: a joiner finds its entry by KeyPackageRef, decrypts the
 * GroupSecrets with its init key, decrypts the GroupInfo with the
 * welcome_secret, verifies its signature and its confirmation tag
 * (RFC 9420 §12.4.3.1). Then the other direction with our own code: a
 * Welcome built for the same KeyPackage opens the same way, and damaged
 * copies (ciphertexts, tag, signature, suite) are refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cv-mls-key-schedule.h"
#include "cv-mls-messages.h"
#include "cv-test-vectors.h"

static bool
report (const char *what, cv_status st)
{
  if (st != CV_OK)
    fprintf (stderr, "  %s: %s: %s\n", what, cv_status_name (st), cv_status_message ());
  return st == CV_OK;
}

/* Everything a joiner does with a Welcome, up to the confirmation tag. */
static cv_status
open_welcome (const cv_mls_suite *s, const cv_mls_welcome *wel, const cv_mls_key_package *kp,
              const cv_bytes *init_priv, const cv_bytes *signer_pub, cv_mls_group_info *gi)
{
  cv_bytes ref = CV_BYTES_INIT, welcome_secret = CV_BYTES_INIT;
  cv_mls_group_secrets gs;
  cv_mls_epoch_secrets epoch;
  size_t index;
  cv_status st;

  memset (&gs, 0, sizeof gs);
  memset (&epoch, 0, sizeof epoch);
  memset (gi, 0, sizeof *gi);
  if ((st = cv_mls_key_package_ref (s, kp, &ref)) != CV_OK
      || (st = cv_mls_welcome_find (wel, ref.data, ref.len, &index)) != CV_OK
      || (st = cv_mls_welcome_decrypt_secrets (s, wel, index, init_priv->data, init_priv->len,
                                               &gs)) != CV_OK)
    goto out;
  if (gs.n_psks != 0)
    {
      st = cv_fail (CV_ERR_UNSUPPORTED, "the vector's Welcome asks for PSKs");
      goto out;
    }
  if ((st = cv_mls_welcome_secret (s, gs.joiner_secret.data, gs.joiner_secret.len, NULL, 0,
                                   &welcome_secret)) != CV_OK
      || (st = cv_mls_welcome_decrypt_group_info (s, wel, welcome_secret.data,
                                                  welcome_secret.len, gi)) != CV_OK
      || (st = cv_mls_group_info_verify (s, gi, signer_pub->data, signer_pub->len)) != CV_OK
      || (st = cv_mls_key_schedule_from_joiner (s, gs.joiner_secret.data, gs.joiner_secret.len,
                                                NULL, 0, gi->group_context.data,
                                                gi->group_context.len, &epoch)) != CV_OK)
    goto out;
  st = cv_mls_confirmation_tag_verify (s, epoch.confirmation_key.data, epoch.confirmation_key.len,
                                       gi->context.confirmed_transcript_hash,
                                       gi->context.confirmed_transcript_hash_len,
                                       gi->confirmation_tag.data, gi->confirmation_tag.len);
out:
  cv_bytes_clear (&ref);
  cv_bytes_clear (&welcome_secret);
  cv_mls_group_secrets_clear (&gs);
  cv_mls_epoch_secrets_clear (&epoch);
  if (st != CV_OK)
    cv_mls_group_info_clear (gi);
  return st;
}

/* Builds a Welcome of our own for the same KeyPackage and GroupInfo: the
 * vector's joiner_secret is reused, so the confirmation tag still holds. */
static bool
check_our_welcome (const cv_mls_suite *s, const cv_mls_welcome *theirs,
                   const cv_mls_key_package *kp, const cv_bytes *init_priv,
                   const cv_bytes *signer_pub, const cv_mls_group_info *gi)
{
  cv_bytes ref = CV_BYTES_INIT, welcome_secret = CV_BYTES_INIT, wire = CV_BYTES_INIT;
  cv_mls_group_secrets gs;
  cv_mls_welcome mine, parsed;
  cv_mls_group_info again;
  size_t index;
  bool ok;

  memset (&gs, 0, sizeof gs);
  memset (&mine, 0, sizeof mine);
  memset (&parsed, 0, sizeof parsed);
  memset (&again, 0, sizeof again);
  ok = report ("ref", cv_mls_key_package_ref (s, kp, &ref))
       && report ("find", cv_mls_welcome_find (theirs, ref.data, ref.len, &index))
       && report ("secrets", cv_mls_welcome_decrypt_secrets (s, theirs, index, init_priv->data,
                                                             init_priv->len, &gs))
       && report ("welcome_secret", cv_mls_welcome_secret (s, gs.joiner_secret.data,
                                                           gs.joiner_secret.len, NULL, 0,
                                                           &welcome_secret))
       && report ("encrypt GroupInfo", cv_mls_welcome_encrypt_group_info (s, &mine,
                                                                          welcome_secret.data,
                                                                          welcome_secret.len, gi))
       && report ("add secrets", cv_mls_welcome_add_secrets (s, &mine, ref.data, ref.len,
                                                            kp->init_key.data, kp->init_key.len,
                                                            &gs))
       && report ("serialize", cv_mls_welcome_serialize_message (&mine, &wire))
       && report ("parse", cv_mls_welcome_parse_message (wire.data, wire.len, &parsed))
       && report ("open ours", open_welcome (s, &parsed, kp, init_priv, signer_pub, &again));

  /* Damage: each must be refused. */
  if (ok)
    {
      struct {
        const char *what;
        cv_bytes *field;
      } spots[] = {
        { "kem_output", &parsed.secrets[0].encrypted_group_secrets.kem_output },
        { "encrypted group secrets", &parsed.secrets[0].encrypted_group_secrets.ciphertext },
        { "encrypted group info", &parsed.encrypted_group_info },
        { "KeyPackageRef", &parsed.secrets[0].new_member },
      };
      for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++)
        {
          cv_mls_group_info gi2;

          spots[i].field->data[spots[i].field->len - 1] ^= 1;
          if (open_welcome (s, &parsed, kp, init_priv, signer_pub, &gi2) == CV_OK)
            {
              fprintf (stderr, "  a Welcome with a damaged %s was accepted\n", spots[i].what);
              cv_mls_group_info_clear (&gi2);
              ok = false;
            }
          spots[i].field->data[spots[i].field->len - 1] ^= 1;
        }
      /* A GroupInfo signature that does not verify. */
      again.signature.data[again.signature.len / 2] ^= 1;
      if (cv_mls_group_info_verify (s, &again, signer_pub->data, signer_pub->len) != CV_ERR_AUTH)
        {
          fprintf (stderr, "  a damaged GroupInfo signature verified\n");
          ok = false;
        }
      /* Another suite in the Welcome than the KeyPackage's. */
      parsed.cipher_suite ^= 3;
      {
        cv_mls_group_info gi2;

        if (open_welcome (s, &parsed, kp, init_priv, signer_pub, &gi2) != CV_ERR_INVALID)
          {
            fprintf (stderr, "  a Welcome of another cipher suite was not refused\n");
            cv_mls_group_info_clear (&gi2);
            ok = false;
          }
      }
    }
  cv_bytes_clear (&ref);
  cv_bytes_clear (&welcome_secret);
  cv_bytes_clear (&wire);
  cv_mls_group_secrets_clear (&gs);
  cv_mls_welcome_clear (&mine);
  cv_mls_welcome_clear (&parsed);
  cv_mls_group_info_clear (&again);
  return ok;
}

int
main (void)
{
  JsonNode *root = cv_test_load_json ("mls/welcome.json");
  JsonArray *cases = json_node_get_array (root);
  cv_test_tally *tally = cv_test_tally_new ("welcome.json");

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *o = json_array_get_object_element (cases, i);
      unsigned suite = (unsigned) json_object_get_int_member (o, "cipher_suite");
      cv_bytes init_priv = cv_test_hex (o, "init_priv"), signer_pub = cv_test_hex (o, "signer_pub");
      cv_bytes kp_bytes = cv_test_hex (o, "key_package"), wel_bytes = cv_test_hex (o, "welcome");
      cv_bytes again = CV_BYTES_INIT;
      const cv_mls_suite *s;
      cv_mls_key_package kp;
      cv_mls_welcome wel;
      cv_mls_group_info gi;
      bool ok;

      memset (&kp, 0, sizeof kp);
      memset (&wel, 0, sizeof wel);
      memset (&gi, 0, sizeof gi);
      if (cv_mls_suite_get ((uint16_t) suite, &s) != CV_OK)
        {
          cv_test_tally_skip (tally, suite, cv_status_message ());
          continue;
        }
      ok = report ("KeyPackage", cv_mls_key_package_parse_message (kp_bytes.data, kp_bytes.len,
                                                                    &kp))
           && report ("KeyPackage verify", cv_mls_key_package_verify (s, &kp, 0))
           && report ("Welcome", cv_mls_welcome_parse_message (wel_bytes.data, wel_bytes.len,
                                                               &wel))
           && report ("Welcome round trip", cv_mls_welcome_serialize_message (&wel, &again))
           && cv_test_bytes_match ("Welcome", again.data, again.len, &wel_bytes)
           && report ("join", open_welcome (s, &wel, &kp, &init_priv, &signer_pub, &gi))
           && check_our_welcome (s, &wel, &kp, &init_priv, &signer_pub, &gi);
      if (!ok)
        fprintf (stderr, "case %u (suite %u) failed\n", i, suite);
      cv_test_tally_add (tally, suite, ok);
      cv_mls_key_package_clear (&kp);
      cv_mls_welcome_clear (&wel);
      cv_mls_group_info_clear (&gi);
      cv_bytes_clear (&init_priv);
      cv_bytes_clear (&signer_pub);
      cv_bytes_clear (&kp_bytes);
      cv_bytes_clear (&wel_bytes);
      cv_bytes_clear (&again);
    }
  json_node_unref (root);
  return cv_test_tally_finish (tally);
}

/* psk_secret.json: psk_secret over 0..n external PSKs (RFC 9420 §8.4). */
#include <stdio.h>
#include <stdlib.h>

#include "cv-mls-key-schedule.h"
#include "cv-test-vectors.h"

static bool
run_case (const cv_mls_suite *s, JsonObject *o)
{
  JsonArray *list = json_object_get_array_member (o, "psks");
  guint n = json_array_get_length (list);
  cv_mls_psk *psks = calloc (n ? n : 1, sizeof *psks);
  cv_bytes *owned = calloc (3 * (n ? n : 1), sizeof *owned);
  cv_bytes want = cv_test_hex (o, "psk_secret"), got = CV_BYTES_INIT;
  cv_status st;
  bool ok;

  for (guint i = 0; i < n; i++)
    {
      JsonObject *p = json_array_get_object_element (list, i);
      owned[3 * i] = cv_test_hex (p, "psk_id");
      owned[3 * i + 1] = cv_test_hex (p, "psk");
      owned[3 * i + 2] = cv_test_hex (p, "psk_nonce");
      psks[i].id.psk_type = CV_MLS_PSK_EXTERNAL;
      psks[i].id.psk_id = owned[3 * i].data;
      psks[i].id.psk_id_len = owned[3 * i].len;
      psks[i].psk = owned[3 * i + 1].data;
      psks[i].psk_len = owned[3 * i + 1].len;
      psks[i].id.psk_nonce = owned[3 * i + 2].data;
      psks[i].id.psk_nonce_len = owned[3 * i + 2].len;
    }
  st = cv_mls_psk_secret (s, psks, n, &got);
  ok = st == CV_OK && cv_test_bytes_match ("psk_secret", got.data, got.len, &want);
  if (st != CV_OK)
    fprintf (stderr, "  psk_secret: %s\n", cv_status_message ());

  /* Order matters: swapping two PSKs must change the secret. */
  if (ok && n >= 2)
    {
      cv_mls_psk tmp = psks[0];
      cv_bytes swapped = CV_BYTES_INIT;
      psks[0] = psks[1];
      psks[1] = tmp;
      ok = cv_mls_psk_secret (s, psks, n, &swapped) == CV_OK && !cv_bytes_eq (&swapped, &want);
      cv_bytes_clear (&swapped);
    }
  /* A nonce of the wrong size is refused. */
  if (ok && n >= 1)
    {
      cv_bytes refused = CV_BYTES_INIT;
      psks[0].id.psk_nonce_len--;
      ok = cv_mls_psk_secret (s, psks, n, &refused) == CV_ERR_INVALID && refused.data == NULL;
    }

  /* PreSharedKeyID round trip through the codec. */
  for (guint i = 0; ok && i < n; i++)
    {
      cv_mls_writer w;
      cv_bytes enc = CV_BYTES_INIT;
      cv_mls_psk_id back;
      cv_mls_reader r;

      psks[i].id.psk_nonce_len = owned[3 * i + 2].len;
      cv_mls_writer_init (&w);
      cv_mls_psk_id_write (&w, &psks[i].id);
      ok = cv_mls_writer_finish (&w, &enc) == CV_OK;
      cv_mls_reader_init (&r, enc.data, enc.len);
      ok = ok && cv_mls_psk_id_read (&r, &back) == CV_OK && cv_mls_reader_at_end (&r)
           && back.psk_type == CV_MLS_PSK_EXTERNAL
           && cv_bytes_equal_ct (back.psk_id, back.psk_id_len, psks[i].id.psk_id, psks[i].id.psk_id_len)
           && cv_bytes_equal_ct (back.psk_nonce, back.psk_nonce_len,
                                 psks[i].id.psk_nonce, psks[i].id.psk_nonce_len);
      /* An unknown PSK type is refused. */
      enc.data[0] = 3;
      cv_mls_reader_init (&r, enc.data, enc.len);
      ok = ok && cv_mls_psk_id_read (&r, &back) == CV_ERR_MALFORMED;
      cv_bytes_clear (&enc);
    }

  for (guint i = 0; i < 3 * n; i++)
    cv_bytes_clear (&owned[i]);
  free (owned);
  free (psks);
  cv_bytes_clear (&want);
  cv_bytes_clear (&got);
  return ok;
}

int
main (void)
{
  JsonNode *root = cv_test_load_json ("mls/psk_secret.json");
  JsonArray *cases = json_node_get_array (root);
  cv_test_tally *tally = cv_test_tally_new ("psk_secret");
  const cv_mls_suite *s;

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *o = json_array_get_object_element (cases, i);
      unsigned id = (unsigned) json_object_get_int_member (o, "cipher_suite");
      bool ok = cv_mls_suite_get ((uint16_t) id, &s) == CV_OK && run_case (s, o);

      if (!ok)
        fprintf (stderr, "suite %u case %u failed\n", id, i);
      cv_test_tally_add (tally, id, ok);
    }
  json_node_unref (root);
  return cv_test_tally_finish (tally);
}

/* The MLSMessage public-header parser: every wire format, and refusal of
 * truncated, oversized, non-minimal and garbage input. */
#include <glib.h>
#include <string.h>

#include "cv-mls-wire-header.h"

static GByteArray *
b_new (void)
{
  return g_byte_array_new ();
}

static void
put (GByteArray *b, guint64 v, guint width)
{
  for (guint i = 0; i < width; i++)
    {
      guint8 x = v >> (8 * (width - 1 - i));
      g_byte_array_append (b, &x, 1);
    }
}

static void
put_opaque (GByteArray *b, const char *s, gsize len)
{
  g_assert_cmpuint (len, <, 0x4000);
  if (len < 0x40)
    put (b, len, 1);
  else
    put (b, 0x4000 | len, 2);
  g_byte_array_append (b, (const guint8 *) s, len);
}

static GByteArray *
public_commit (guint64 epoch)
{
  GByteArray *b = b_new ();

  put (b, 1, 2); put (b, 1, 2);
  put_opaque (b, "group", 5);
  put (b, epoch, 8);
  put (b, 1, 1); put (b, 7, 4);
  put_opaque (b, "aad", 3);
  put (b, 3, 1);
  g_byte_array_append (b, (const guint8 *) "body", 4);
  return b;
}

static GByteArray *
private_app (void)
{
  GByteArray *b = b_new ();

  put (b, 1, 2); put (b, 2, 2);
  put_opaque (b, "group", 5);
  put (b, 42, 8);
  put (b, 1, 1);
  put_opaque (b, "", 0);
  put_opaque (b, "sender-data", 11);
  put_opaque (b, "ciphertext", 10);
  return b;
}

static void
test_valid (void)
{
  g_autoptr (GByteArray) pub = public_commit (G_GUINT64_CONSTANT (0x0102030405060708));
  g_autoptr (GByteArray) priv = private_app ();
  g_autoptr (GByteArray) welcome = b_new ();
  g_autoptr (GByteArray) kp = b_new ();
  g_autoptr (GByteArray) gi = b_new ();
  cv_mls_wire_header h;

  g_assert_cmpint (cv_mls_wire_header_parse (pub->data, pub->len, &h), ==, CV_OK);
  g_assert_cmpuint (h.wire_format, ==, CV_MLS_WIRE_PUBLIC_MESSAGE);
  g_assert_cmpuint (h.epoch, ==, G_GUINT64_CONSTANT (0x0102030405060708));
  g_assert_cmpuint (h.content_type, ==, CV_MLS_CONTENT_COMMIT);
  g_assert_cmpuint (h.sender_type, ==, CV_MLS_SENDER_MEMBER);
  g_assert_cmpuint (h.sender_index, ==, 7);
  g_assert_cmpmem (h.group_id, h.group_id_len, "group", 5);

  g_assert_cmpint (cv_mls_wire_header_parse (priv->data, priv->len, &h), ==, CV_OK);
  g_assert_cmpuint (h.wire_format, ==, CV_MLS_WIRE_PRIVATE_MESSAGE);
  g_assert_cmpuint (h.epoch, ==, 42);
  g_assert_cmpuint (h.content_type, ==, CV_MLS_CONTENT_APPLICATION);

  put (welcome, 1, 2); put (welcome, 3, 2); put (welcome, 1, 2); put_opaque (welcome, "x", 1);
  g_assert_cmpint (cv_mls_wire_header_parse (welcome->data, welcome->len, &h), ==, CV_OK);
  g_assert_cmpuint (h.cipher_suite, ==, 1);
  g_assert_false (h.has_epoch);

  put (kp, 1, 2); put (kp, 5, 2); put (kp, 1, 2); put (kp, 3, 2); put_opaque (kp, "k", 1);
  g_assert_cmpint (cv_mls_wire_header_parse (kp->data, kp->len, &h), ==, CV_OK);
  g_assert_cmpuint (h.wire_format, ==, CV_MLS_WIRE_KEY_PACKAGE);
  g_assert_cmpuint (h.cipher_suite, ==, 3);

  put (gi, 1, 2); put (gi, 4, 2); put (gi, 1, 2); put (gi, 2, 2); put_opaque (gi, "g", 1); put (gi, 9, 8);
  g_assert_cmpint (cv_mls_wire_header_parse (gi->data, gi->len, &h), ==, CV_OK);
  g_assert_cmpuint (h.epoch, ==, 9);
  g_assert_cmpuint (h.cipher_suite, ==, 2);
}

/* Every prefix of a valid message is refused (the PrivateMessage is parsed
 * to its end, the others up to the fields the service reads). */
static void
test_truncated (void)
{
  g_autoptr (GByteArray) pub = public_commit (1);
  g_autoptr (GByteArray) priv = private_app ();
  cv_mls_wire_header h;
  guint refused = 0;
  gsize header_len = pub->len - 4;   /* the commit body is not read */

  for (gsize n = 0; n < header_len; n++, refused++)
    g_assert_cmpint (cv_mls_wire_header_parse (pub->data, n, &h), ==, CV_ERR_TRUNCATED);
  for (gsize n = 0; n < priv->len; n++, refused++)
    g_assert_cmpint (cv_mls_wire_header_parse (priv->data, n, &h), ==, CV_ERR_TRUNCATED);
  g_print ("# %u truncations refused\n", refused);
}

static void
test_garbage (void)
{
  g_autoptr (GByteArray) priv = private_app ();
  cv_mls_wire_header h;
  guint8 buf[64];

  /* Version, wire format, content type, sender type. */
  memcpy (buf, "\x00\x02\x00\x01", 4);
  g_assert_cmpint (cv_mls_wire_header_parse (buf, 4, &h), ==, CV_ERR_UNSUPPORTED);
  memcpy (buf, "\x00\x01\x00\x09\x00", 5);
  g_assert_cmpint (cv_mls_wire_header_parse (buf, 5, &h), ==, CV_ERR_UNSUPPORTED);
  memcpy (buf, "\x00\x01\x00\x00", 4);
  g_assert_cmpint (cv_mls_wire_header_parse (buf, 4, &h), ==, CV_ERR_UNSUPPORTED);
  {
    g_autoptr (GByteArray) b = public_commit (1);
    b->data[4 + 6 + 8] = 9;   /* sender type */
    g_assert_cmpint (cv_mls_wire_header_parse (b->data, b->len, &h), ==, CV_ERR_MALFORMED);
  }
  {
    g_autoptr (GByteArray) b = public_commit (1);
    b->data[4 + 6 + 8 + 5 + 4] = 7;   /* content type */
    g_assert_cmpint (cv_mls_wire_header_parse (b->data, b->len, &h), ==, CV_ERR_MALFORMED);
    b->data[4 + 6 + 8 + 5 + 4] = 1;   /* application as PublicMessage */
    g_assert_cmpint (cv_mls_wire_header_parse (b->data, b->len, &h), ==, CV_ERR_INVALID);
  }
  /* Non-minimal varint (5 encoded on two bytes), reserved prefix. */
  memcpy (buf, "\x00\x01\x00\x02\x40\x05group", 11);
  g_assert_cmpint (cv_mls_wire_header_parse (buf, 11, &h), ==, CV_ERR_MALFORMED);
  memcpy (buf, "\x00\x01\x00\x02\xc0\x00\x00\x00\x00\x00\x00\x05", 12);
  g_assert_cmpint (cv_mls_wire_header_parse (buf, 12, &h), ==, CV_ERR_MALFORMED);
  /* A group id over the limit, a length beyond the input. */
  {
    g_autoptr (GByteArray) b = b_new ();
    g_autofree char *big = g_strnfill (300, 'g');
    put (b, 1, 2); put (b, 2, 2); put_opaque (b, big, 300); put (b, 0, 8);
    g_assert_cmpint (cv_mls_wire_header_parse (b->data, b->len, &h), ==, CV_ERR_TOO_LARGE);
  }
  memcpy (buf, "\x00\x01\x00\x02\x80\x10\x00\x00", 8);
  g_assert_cmpint (cv_mls_wire_header_parse (buf, 8, &h), ==, CV_ERR_TRUNCATED);
  /* Trailing bytes after a PrivateMessage. */
  g_byte_array_append (priv, (const guint8 *) "!", 1);
  g_assert_cmpint (cv_mls_wire_header_parse (priv->data, priv->len, &h), ==, CV_ERR_MALFORMED);
  /* Cipher suite 0, a Welcome that ends after its suite. */
  memcpy (buf, "\x00\x01\x00\x03\x00\x00\x01", 7);
  g_assert_cmpint (cv_mls_wire_header_parse (buf, 7, &h), ==, CV_ERR_MALFORMED);
  memcpy (buf, "\x00\x01\x00\x03\x00\x01", 6);
  g_assert_cmpint (cv_mls_wire_header_parse (buf, 6, &h), ==, CV_ERR_TRUNCATED);
  /* Oversized input and NULL arguments. */
  g_assert_cmpint (cv_mls_wire_header_parse (buf, (gsize) CV_MLS_WIRE_MAX_MESSAGE + 1, &h), ==, CV_ERR_TOO_LARGE);
  g_assert_cmpint (cv_mls_wire_header_parse (NULL, 4, &h), ==, CV_ERR_ARGUMENT);
  g_assert_cmpstr (cv_status_message (), !=, "");
}

/* Random bytes never crash it and never parse as a PrivateMessage with
 * trailing bytes unnoticed. */
static void
test_random (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (1234);
  guint8 buf[96];
  guint ok = 0;

  for (guint i = 0; i < 200000; i++)
    {
      gsize len = g_rand_int_range (rand, 0, sizeof buf);
      cv_mls_wire_header h;

      for (gsize j = 0; j < len; j++)
        buf[j] = g_rand_int (rand);
      if (len >= 4 && g_rand_boolean (rand))
        {
          buf[0] = 0; buf[1] = 1; buf[2] = 0; buf[3] = g_rand_int_range (rand, 1, 6);
        }
      if (cv_mls_wire_header_parse (buf, len, &h) == CV_OK)
        ok++;
    }
  g_print ("# %u of 200000 random inputs parsed\n", ok);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/wire-header/valid", test_valid);
  g_test_add_func ("/server/wire-header/truncated", test_truncated);
  g_test_add_func ("/server/wire-header/garbage", test_garbage);
  g_test_add_func ("/server/wire-header/random", test_random);
  return g_test_run ();
}

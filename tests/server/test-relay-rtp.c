/* test-relay-rtp: the relay's RTP/RTCP header parsing on good, truncated,
 * oversized and garbage input. */
#include <glib.h>
#include <string.h>

#include "cv-relay-rtp.h"

static void
test_rtp_roundtrip (void)
{
  guint8 buf[64];
  cv_rtp_header hdr;
  size_t hl;

  hl = cv_rtp_write_header (buf, 111, 0xfffe, 123456, 0xdeadbeef, 42, 1, 1, 2);
  g_assert_cmpuint (hl, ==, 12 + 4 + 4);
  memset (buf + hl, 0xee, 10);
  g_assert_cmpint (cv_rtp_parse (buf, hl + 10, 1, 2, &hdr), ==, CV_RTP_OK);
  g_assert_cmpuint (hdr.payload_type, ==, 111);
  g_assert_cmpuint (hdr.seq, ==, 0xfffe);
  g_assert_cmpuint (hdr.timestamp, ==, 123456);
  g_assert_cmphex (hdr.ssrc, ==, 0xdeadbeef);
  g_assert_cmpuint (hdr.header_len, ==, hl);
  g_assert_cmpint (hdr.audio_level, ==, 42);
  g_assert_cmpint (hdr.voice_activity, ==, 1);
  g_assert_cmpint (hdr.keyframe, ==, 1);

  /* Other ids than asked for are skipped, not read. */
  g_assert_cmpint (cv_rtp_parse (buf, hl, 3, 4, &hdr), ==, CV_RTP_OK);
  g_assert_cmpint (hdr.audio_level, ==, -1);
  g_assert_cmpint (hdr.keyframe, ==, 0);

  /* No extension at all. */
  hl = cv_rtp_write_header (buf, 96, 1, 2, 3, -1, -1, 1, 2);
  g_assert_cmpuint (hl, ==, 12);
  g_assert_cmpint (cv_rtp_parse (buf, hl, 1, 2, &hdr), ==, CV_RTP_OK);
  g_assert_cmpint (hdr.audio_level, ==, -1);
}

static void
test_rtp_two_byte_and_csrc (void)
{
  /* 2 CSRCs, two-byte extension form with the audio level (id 1, len 1),
   * a padding byte, then an unknown element (id 9, len 0). */
  const guint8 pkt[] = {
    0x92, 0x60, 0x00, 0x05, 0, 0, 0, 9, 0x11, 0x22, 0x33, 0x44,
    0, 0, 0, 1, 0, 0, 0, 2,
    0x10, 0x00, 0x00, 0x02,
    0x01, 0x01, 0x9e, 0x00, 0x09, 0x00, 0x00, 0x00,
    0xaa, 0xbb,
  };
  cv_rtp_header hdr;

  g_assert_cmpint (cv_rtp_parse (pkt, sizeof pkt, 1, 2, &hdr), ==, CV_RTP_OK);
  g_assert_cmphex (hdr.ssrc, ==, 0x11223344);
  g_assert_cmpuint (hdr.header_len, ==, sizeof pkt - 2);
  g_assert_cmpint (hdr.audio_level, ==, 0x1e);
  g_assert_cmpint (hdr.voice_activity, ==, 1);
}

static void
test_rtp_bad (void)
{
  guint8 buf[2000];
  cv_rtp_header hdr;
  size_t hl;

  memset (buf, 0, sizeof buf);
  g_assert_cmpint (cv_rtp_parse (NULL, 0, 1, 2, &hdr), ==, CV_RTP_BAD);
  hl = cv_rtp_write_header (buf, 96, 1, 2, 3, 10, 0, 1, 2);
  /* Every truncation of a header with extensions is refused. */
  for (size_t len = 0; len < hl; len++)
    g_assert_cmpint (cv_rtp_parse (buf, len, 1, 2, &hdr), ==, CV_RTP_BAD);
  g_assert_cmpint (cv_rtp_parse (buf, hl, 1, 2, &hdr), ==, CV_RTP_OK);
  /* Oversized. */
  g_assert_cmpint (cv_rtp_parse (buf, CV_RTP_MAX_DATAGRAM + 1, 1, 2, &hdr), ==, CV_RTP_BAD);
  /* Version 1. */
  buf[0] = 0x50;
  g_assert_cmpint (cv_rtp_parse (buf, hl, 1, 2, &hdr), ==, CV_RTP_BAD);
  /* CSRC count past the end. */
  buf[0] = 0x8f;
  g_assert_cmpint (cv_rtp_parse (buf, 40, 1, 2, &hdr), ==, CV_RTP_BAD);
  /* Extension length past the end. */
  hl = cv_rtp_write_header (buf, 96, 1, 2, 3, 10, 0, 1, 2);
  buf[15] = 200;
  g_assert_cmpint (cv_rtp_parse (buf, hl, 1, 2, &hdr), ==, CV_RTP_BAD);
  /* Element length past the block. */
  hl = cv_rtp_write_header (buf, 96, 1, 2, 3, 10, -1, 1, 2);
  buf[16] = 0x1f;
  g_assert_cmpint (cv_rtp_parse (buf, hl, 1, 2, &hdr), ==, CV_RTP_BAD);
  /* An audio level that is not one byte. */
  buf[16] = 0x11;
  buf[18] = 0;
  buf[19] = 0;
  g_assert_cmpint (cv_rtp_parse (buf, hl, 1, 2, &hdr), ==, CV_RTP_BAD);
  /* RTCP's range in the second byte is not RTP. */
  hl = cv_rtp_write_header (buf, 96, 1, 2, 3, -1, -1, 1, 2);
  buf[1] = 200;
  g_assert_cmpint (cv_rtp_parse (buf, hl, 1, 2, &hdr), ==, CV_RTP_BAD);
  g_assert_true (cv_rtp_is_rtcp (buf, hl));
}

static void
test_rtcp_compound (void)
{
  guint8 buf[128];
  size_t len = 0;
  cv_rtcp_iter it;
  cv_rtcp_item item;
  guint32 ssrc;
  guint16 pid, blp;
  guint8 seq;

  /* RR (no blocks), PLI, FIR, NACK in one datagram. */
  buf[0] = 0x80;
  buf[1] = 201;
  buf[2] = 0;
  buf[3] = 1;
  memset (buf + 4, 0x01, 4);
  len = 8;
  len += cv_rtcp_write_pli (buf + len, 0x01010101, 0xaaaa0001);
  len += cv_rtcp_write_fir (buf + len, 0x01010101, 0xbbbb0001, 9);
  len += cv_rtcp_write_nack (buf + len, 0x01010101, 0xcccc0001, 700, 0x8001);

  g_assert_cmpint (cv_rtcp_sender_ssrc (buf, len, &ssrc), ==, CV_RTP_OK);
  g_assert_cmphex (ssrc, ==, 0x01010101);
  cv_rtcp_iter_init (&it, buf, len);
  g_assert_cmpint (cv_rtcp_iter_next (&it, &item), ==, 1);
  g_assert_cmpint (item.type, ==, CV_RTCP_ITEM_OTHER);
  g_assert_cmpuint (item.packet_type, ==, 201);
  g_assert_cmpint (cv_rtcp_iter_next (&it, &item), ==, 1);
  g_assert_cmpint (item.type, ==, CV_RTCP_ITEM_PLI);
  g_assert_cmphex (item.media_ssrc, ==, 0xaaaa0001);
  g_assert_cmpint (cv_rtcp_iter_next (&it, &item), ==, 1);
  g_assert_cmpint (item.type, ==, CV_RTCP_ITEM_FIR);
  g_assert_cmpint (cv_rtcp_fir_entry (&item, 0, &ssrc, &seq), ==, CV_RTP_OK);
  g_assert_cmphex (ssrc, ==, 0xbbbb0001);
  g_assert_cmpuint (seq, ==, 9);
  g_assert_cmpint (cv_rtcp_fir_entry (&item, 1, &ssrc, &seq), ==, CV_RTP_BAD);
  g_assert_cmpint (cv_rtcp_iter_next (&it, &item), ==, 1);
  g_assert_cmpint (item.type, ==, CV_RTCP_ITEM_NACK);
  g_assert_cmpint (cv_rtcp_nack_entry (&item, 0, &pid, &blp), ==, CV_RTP_OK);
  g_assert_cmpuint (pid, ==, 700);
  g_assert_cmphex (blp, ==, 0x8001);
  g_assert_cmpint (cv_rtcp_nack_entry (&item, 1, &pid, &blp), ==, CV_RTP_BAD);
  g_assert_cmpint (cv_rtcp_iter_next (&it, &item), ==, 0);
  /* Only an SR yields sender info. */
  g_assert_cmpuint (cv_rtcp_write_sr_info (buf + 100, &item), ==, 0);

  /* Every truncation inside the compound is refused somewhere in the walk. */
  for (size_t cut = 1; cut < len; cut++)
    {
      int r, bad = 0, items = 0;

      if (cut == 8 || cut == 20 || cut == 40)
        continue;               /* packet boundaries: a shorter compound */
      cv_rtcp_iter_init (&it, buf, cut);
      while ((r = cv_rtcp_iter_next (&it, &item)) != 0)
        {
          if (r == CV_RTP_BAD)
            {
              bad = 1;
              break;
            }
          items++;
        }
      g_assert_true (bad);
      g_assert_cmpint (items, <, 4);
    }
}

static void
test_rtcp_sender_report (void)
{
  guint8 sr[8 + 20 + 24], out[28];
  cv_rtcp_iter it;
  cv_rtcp_item item;

  for (gsize i = 0; i < sizeof sr; i++)
    sr[i] = (guint8) i;
  sr[0] = 0x81;                 /* one report block */
  sr[1] = 200;
  sr[2] = 0;
  sr[3] = 12;
  cv_rtcp_iter_init (&it, sr, sizeof sr);
  g_assert_cmpint (cv_rtcp_iter_next (&it, &item), ==, 1);
  g_assert_cmpuint (item.packet_len, ==, sizeof sr);
  g_assert_cmpuint (cv_rtcp_write_sr_info (out, &item), ==, 28);
  g_assert_cmpuint (out[0], ==, 0x80);
  g_assert_cmpuint (out[3], ==, 6);
  g_assert_cmpmem (out + 4, 24, sr + 4, 24);

  /* An SR too short for its sender info is not copied. */
  sr[0] = 0x80;
  sr[3] = 5;
  cv_rtcp_iter_init (&it, sr, 24);
  g_assert_cmpint (cv_rtcp_iter_next (&it, &item), ==, 1);
  g_assert_cmpuint (cv_rtcp_write_sr_info (out, &item), ==, 0);
}

static void
test_rtcp_bad (void)
{
  guint8 buf[64] = { 0 };
  cv_rtcp_iter it;
  cv_rtcp_item item;
  guint32 ssrc;

  g_assert_cmpint (cv_rtcp_sender_ssrc (buf, 4, &ssrc), ==, CV_RTP_BAD);
  g_assert_cmpint (cv_rtcp_sender_ssrc (buf, 8, &ssrc), ==, CV_RTP_BAD);
  /* A feedback packet too short for its media SSRC. */
  buf[0] = 0x81;
  buf[1] = 206;
  buf[3] = 1;
  cv_rtcp_iter_init (&it, buf, 8);
  g_assert_cmpint (cv_rtcp_iter_next (&it, &item), ==, CV_RTP_BAD);
  g_assert_cmpint (cv_rtcp_iter_next (&it, &item), ==, 0);
  /* A FIR with an FCI that is not whole entries. */
  buf[0] = 0x84;
  buf[3] = 3;
  cv_rtcp_iter_init (&it, buf, 16);
  g_assert_cmpint (cv_rtcp_iter_next (&it, &item), ==, CV_RTP_BAD);
  /* A NACK with no FCI. */
  buf[0] = 0x81;
  buf[1] = 205;
  buf[3] = 2;
  cv_rtcp_iter_init (&it, buf, 12);
  g_assert_cmpint (cv_rtcp_iter_next (&it, &item), ==, CV_RTP_BAD);
  /* Padding on a packet that is not the last. */
  cv_rtcp_write_pli (buf, 1, 2);
  buf[0] |= 0x20;
  cv_rtcp_write_pli (buf + 12, 1, 2);
  cv_rtcp_iter_init (&it, buf, 24);
  g_assert_cmpint (cv_rtcp_iter_next (&it, &item), ==, CV_RTP_BAD);
  /* A packet type outside RTCP's range. */
  cv_rtcp_write_pli (buf, 1, 2);
  buf[1] = 100;
  cv_rtcp_iter_init (&it, buf, 12);
  g_assert_cmpint (cv_rtcp_iter_next (&it, &item), ==, CV_RTP_BAD);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/relay-rtp/roundtrip", test_rtp_roundtrip);
  g_test_add_func ("/relay-rtp/two-byte-and-csrc", test_rtp_two_byte_and_csrc);
  g_test_add_func ("/relay-rtp/bad", test_rtp_bad);
  g_test_add_func ("/relay-rtp/rtcp-compound", test_rtcp_compound);
  g_test_add_func ("/relay-rtp/rtcp-sender-report", test_rtcp_sender_report);
  g_test_add_func ("/relay-rtp/rtcp-bad", test_rtcp_bad);
  return g_test_run ();
}

/* cv-relay-rtp.c: RTP (RFC 3550, RFC 8285) and RTCP feedback (RFC 4585,
 * RFC 5104) parsing for the relay. Bounds are checked before every read. */
#include "cv-relay-rtp.h"

#include <string.h>

static inline uint16_t
rd16 (const uint8_t *p)
{
  return (uint16_t) ((p[0] << 8) | p[1]);
}

static inline uint32_t
rd32 (const uint8_t *p)
{
  return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

static inline void
wr16 (uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t) (v >> 8);
  p[1] = (uint8_t) v;
}

static inline void
wr32 (uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t) (v >> 24);
  p[1] = (uint8_t) (v >> 16);
  p[2] = (uint8_t) (v >> 8);
  p[3] = (uint8_t) v;
}

int
cv_rtp_is_rtcp (const uint8_t *buf, size_t len)
{
  if (len < 2)
    return 0;
  return buf[1] >= 192 && buf[1] <= 223;
}

/* One extension element seen; keeps the ones the relay reads. */
static int
take_extension (cv_rtp_header *out, int id, const uint8_t *data, size_t data_len,
                int audio_ext_id, int keyframe_ext_id)
{
  if (id == 0)
    return CV_RTP_OK;
  if (audio_ext_id != 0 && id == audio_ext_id)
    {
      /* RFC 6464: exactly one byte, V flag and a 7-bit level. */
      if (data_len != 1)
        return CV_RTP_BAD;
      out->voice_activity = data[0] >> 7;
      out->audio_level = data[0] & 0x7f;
    }
  else if (keyframe_ext_id != 0 && id == keyframe_ext_id)
    {
      if (data_len != 1)
        return CV_RTP_BAD;
      out->keyframe = data[0] & 1;
    }
  return CV_RTP_OK;
}

static int
parse_extensions (cv_rtp_header *out, uint16_t profile, const uint8_t *p, size_t len,
                  int audio_ext_id, int keyframe_ext_id)
{
  size_t i = 0;

  if (profile == 0xBEDE)
    {
      /* One-byte form: ID (4 bits), L (4 bits) = length - 1. */
      while (i < len)
        {
          int id = p[i] >> 4;
          size_t elen = (size_t) (p[i] & 0x0f) + 1;

          if (p[i] == 0)
            {
              i++;            /* padding */
              continue;
            }
          if (id == 15)
            break;            /* reserved: stop processing (RFC 8285 4.2) */
          if (i + 1 + elen > len)
            return CV_RTP_BAD;
          if (take_extension (out, id, p + i + 1, elen, audio_ext_id, keyframe_ext_id) != CV_RTP_OK)
            return CV_RTP_BAD;
          i += 1 + elen;
        }
    }
  else if ((profile & 0xfff0) == 0x1000)
    {
      /* Two-byte form: ID byte, length byte. */
      while (i < len)
        {
          int id = p[i];
          size_t elen;

          if (id == 0)
            {
              i++;
              continue;
            }
          if (i + 2 > len)
            return CV_RTP_BAD;
          elen = p[i + 1];
          if (i + 2 + elen > len)
            return CV_RTP_BAD;
          if (take_extension (out, id, p + i + 2, elen, audio_ext_id,
                                           keyframe_ext_id) != CV_RTP_OK)
            return CV_RTP_BAD;
          i += 2 + elen;
        }
    }
  /* Any other profile is not ours to read; the header is still valid. */
  return CV_RTP_OK;
}

int
cv_rtp_parse (const uint8_t *buf, size_t len, int audio_ext_id, int keyframe_ext_id,
              cv_rtp_header *out)
{
  size_t pos;
  unsigned csrc_count;

  memset (out, 0, sizeof *out);
  out->audio_level = -1;
  out->voice_activity = -1;
  if (buf == NULL || len < CV_RTP_HEADER_MIN || len > CV_RTP_MAX_DATAGRAM)
    return CV_RTP_BAD;
  if ((buf[0] >> 6) != 2)
    return CV_RTP_BAD;
  if (cv_rtp_is_rtcp (buf, len))
    return CV_RTP_BAD;

  csrc_count = buf[0] & 0x0f;
  out->marker = buf[1] >> 7;
  out->payload_type = buf[1] & 0x7f;
  out->seq = rd16 (buf + 2);
  out->timestamp = rd32 (buf + 4);
  out->ssrc = rd32 (buf + 8);
  pos = CV_RTP_HEADER_MIN + 4 * (size_t) csrc_count;
  if (pos > len)
    return CV_RTP_BAD;

  if (buf[0] & 0x10)
    {
      uint16_t profile;
      size_t ext_len;

      if (pos + 4 > len)
        return CV_RTP_BAD;
      profile = rd16 (buf + pos);
      ext_len = 4 * (size_t) rd16 (buf + pos + 2);
      pos += 4;
      if (ext_len > len - pos)
        return CV_RTP_BAD;
      if (parse_extensions (out, profile, buf + pos, ext_len, audio_ext_id,
                            keyframe_ext_id) != CV_RTP_OK)
        return CV_RTP_BAD;
      pos += ext_len;
    }
  out->header_len = pos;
  return CV_RTP_OK;
}

int
cv_rtcp_sender_ssrc (const uint8_t *buf, size_t len, uint32_t *ssrc_out)
{
  if (buf == NULL || len < CV_RTCP_HEADER_MIN || len > CV_RTP_MAX_DATAGRAM)
    return CV_RTP_BAD;
  if ((buf[0] >> 6) != 2 || !cv_rtp_is_rtcp (buf, len))
    return CV_RTP_BAD;
  *ssrc_out = rd32 (buf + 4);
  return CV_RTP_OK;
}

void
cv_rtcp_iter_init (cv_rtcp_iter *it, const uint8_t *buf, size_t len)
{
  it->buf = buf;
  it->len = buf != NULL ? len : 0;
  it->pos = 0;
}

int
cv_rtcp_iter_next (cv_rtcp_iter *it, cv_rtcp_item *item)
{
  const uint8_t *p;
  size_t remaining, plen;

  memset (item, 0, sizeof *item);
  if (it->pos >= it->len)
    return 0;
  remaining = it->len - it->pos;
  p = it->buf + it->pos;
  if (remaining < 4 || (p[0] >> 6) != 2)
    goto bad;
  plen = 4 * ((size_t) rd16 (p + 2) + 1);
  if (plen > remaining)
    goto bad;
  /* Padding is only allowed on the last packet of a compound datagram. */
  if ((p[0] & 0x20) && plen != remaining)
    goto bad;

  item->packet_type = p[1];
  item->count = p[0] & 0x1f;
  item->packet = p;
  item->packet_len = plen;
  if (plen >= 8)
    item->sender_ssrc = rd32 (p + 4);

  if (p[1] == 205 || p[1] == 206)
    {
      /* Feedback: header, sender SSRC, media SSRC, FCI. */
      if (plen < 12)
        goto bad;
      item->media_ssrc = rd32 (p + 8);
      item->fci = p + 12;
      item->fci_len = plen - 12;
      if (p[1] == 206 && item->count == 1)
        item->type = CV_RTCP_ITEM_PLI;
      else if (p[1] == 206 && item->count == 4)
        {
          if (item->fci_len == 0 || item->fci_len % 8 != 0)
            goto bad;
          item->type = CV_RTCP_ITEM_FIR;
        }
      else if (p[1] == 205 && item->count == 1)
        {
          if (item->fci_len == 0 || item->fci_len % 4 != 0)
            goto bad;
          item->type = CV_RTCP_ITEM_NACK;
        }
    }
  else if (p[1] < 192 || p[1] > 223)
    goto bad;

  it->pos += plen;
  return 1;

bad:
  it->pos = it->len;
  memset (item, 0, sizeof *item);
  return CV_RTP_BAD;
}

int
cv_rtcp_fir_entry (const cv_rtcp_item *item, size_t index, uint32_t *ssrc, uint8_t *seq)
{
  if (item->type != CV_RTCP_ITEM_FIR || index >= item->fci_len / 8)
    return CV_RTP_BAD;
  *ssrc = rd32 (item->fci + 8 * index);
  *seq = item->fci[8 * index + 4];
  return CV_RTP_OK;
}

int
cv_rtcp_nack_entry (const cv_rtcp_item *item, size_t index, uint16_t *pid, uint16_t *blp)
{
  if (item->type != CV_RTCP_ITEM_NACK || index >= item->fci_len / 4)
    return CV_RTP_BAD;
  *pid = rd16 (item->fci + 4 * index);
  *blp = rd16 (item->fci + 4 * index + 2);
  return CV_RTP_OK;
}

size_t
cv_rtcp_write_pli (uint8_t *buf, uint32_t sender_ssrc, uint32_t media_ssrc)
{
  buf[0] = 0x80 | 1;
  buf[1] = 206;
  wr16 (buf + 2, 2);
  wr32 (buf + 4, sender_ssrc);
  wr32 (buf + 8, media_ssrc);
  return 12;
}

size_t
cv_rtcp_write_fir (uint8_t *buf, uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t seq)
{
  buf[0] = 0x80 | 4;
  buf[1] = 206;
  wr16 (buf + 2, 4);
  wr32 (buf + 4, sender_ssrc);
  wr32 (buf + 8, 0);            /* RFC 5104: media source SSRC unused */
  wr32 (buf + 12, media_ssrc);
  buf[16] = seq;
  buf[17] = buf[18] = buf[19] = 0;
  return 20;
}

size_t
cv_rtcp_write_sr_info (uint8_t *buf, const cv_rtcp_item *sr)
{
  if (sr->packet_type != 200 || sr->packet == NULL || sr->packet_len < 28)
    return 0;
  memcpy (buf, sr->packet, 28);
  buf[0] = 0x80;                /* no padding, no report blocks */
  wr16 (buf + 2, 6);
  return 28;
}

size_t
cv_rtcp_write_nack (uint8_t *buf, uint32_t sender_ssrc, uint32_t media_ssrc,
                    uint16_t pid, uint16_t blp)
{
  buf[0] = 0x80 | 1;
  buf[1] = 205;
  wr16 (buf + 2, 3);
  wr32 (buf + 4, sender_ssrc);
  wr32 (buf + 8, media_ssrc);
  wr16 (buf + 12, pid);
  wr16 (buf + 14, blp);
  return 16;
}

size_t
cv_rtp_write_header (uint8_t *buf, uint8_t payload_type, uint16_t seq, uint32_t timestamp,
                     uint32_t ssrc, int audio_level, int keyframe, int audio_ext_id,
                     int keyframe_ext_id)
{
  size_t pos = CV_RTP_HEADER_MIN, ext_start;
  int has_ext = audio_level >= 0 || keyframe >= 0;

  buf[0] = 0x80 | (has_ext ? 0x10 : 0);
  buf[1] = payload_type & 0x7f;
  wr16 (buf + 2, seq);
  wr32 (buf + 4, timestamp);
  wr32 (buf + 8, ssrc);
  if (!has_ext)
    return pos;

  wr16 (buf + pos, 0xBEDE);
  ext_start = pos + 4;
  pos = ext_start;
  if (audio_level >= 0)
    {
      buf[pos++] = (uint8_t) (audio_ext_id << 4);
      buf[pos++] = (uint8_t) ((audio_level < 127 ? 0x80 : 0) | (audio_level & 0x7f));
    }
  if (keyframe >= 0)
    {
      buf[pos++] = (uint8_t) (keyframe_ext_id << 4);
      buf[pos++] = (uint8_t) (keyframe ? 1 : 0);
    }
  while ((pos - ext_start) % 4 != 0)
    buf[pos++] = 0;
  wr16 (buf + CV_RTP_HEADER_MIN + 2, (uint16_t) ((pos - ext_start) / 4));
  return pos;
}

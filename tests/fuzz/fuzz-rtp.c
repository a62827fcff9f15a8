/* fuzz-rtp: the relay's RTP header/extension parser and RTCP compound walk
 * (server/cv-relay-rtp.c) on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "../../server/cv-relay-rtp.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cv_rtp_header hdr;
  cv_rtcp_iter it;
  cv_rtcp_item item;
  uint32_t ssrc;
  int r;

  if (size > 0)
    {
      /* First byte picks the extension ids, as a relay configured either way. */
      int audio_id = data[0] & 0x0f, keyframe_id = data[0] >> 4;

      if (cv_rtp_parse (data + 1, size - 1, audio_id, keyframe_id, &hdr) == CV_RTP_OK)
        {
          if (hdr.header_len > size - 1)
            __builtin_trap ();
          if (hdr.audio_level > 127)
            __builtin_trap ();
        }
    }

  (void) cv_rtcp_sender_ssrc (data, size, &ssrc);
  cv_rtcp_iter_init (&it, data, size);
  while ((r = cv_rtcp_iter_next (&it, &item)) == 1)
    {
      uint32_t fir_ssrc;
      uint8_t seq;
      uint16_t pid, blp;

      if (item.fci != NULL && (item.fci < data || item.fci + item.fci_len > data + size))
        __builtin_trap ();
      for (size_t i = 0; cv_rtcp_fir_entry (&item, i, &fir_ssrc, &seq) == CV_RTP_OK; i++)
        ;
      for (size_t i = 0; cv_rtcp_nack_entry (&item, i, &pid, &blp) == CV_RTP_OK; i++)
        ;
    }
  return 0;
}

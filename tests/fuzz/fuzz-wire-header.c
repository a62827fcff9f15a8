/* libFuzzer target: the MLSMessage public-header parser the delivery
 * service runs on every payload it receives. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cv-mls-wire-header.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  cv_mls_wire_header header;

  if (cv_mls_wire_header_parse (data, size, &header) == CV_OK && header.has_epoch)
    {
      /* The group id must lie inside the input. */
      if (header.group_id_len > 0
          && (header.group_id < data || header.group_id + header.group_id_len > data + size))
        __builtin_trap ();
    }
  return 0;
}

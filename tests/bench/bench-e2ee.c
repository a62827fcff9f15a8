/* bench-e2ee: throughput of e2ee/ primitives against OpenSSL's raw ones.
 *
 * Usage: bench-e2ee [SECTION...]   (sections: see below; none = all)
 * Each section prints lines from bench_report(): our rate, the baseline's
 * rate measured in the same run, and their ratio.
 */
#include <string.h>

#include "bench-e2ee.h"

static const struct {
  const char *name;
  void (*run) (double seconds);
} sections[] = {
  BENCH_E2EE_SECTIONS
  { NULL, NULL },
};

int
main (int argc, char **argv)
{
  double seconds = 0.3;

  for (size_t i = 0; sections[i].name != NULL; i++)
    {
      int wanted = argc < 2;
      for (int a = 1; a < argc; a++)
        wanted |= strcmp (argv[a], sections[i].name) == 0;
      if (wanted)
        {
          printf ("== %s\n", sections[i].name);
          sections[i].run (seconds);
        }
    }
  return 0;
}

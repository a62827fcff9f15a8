/* bench-media: what end-to-end encryption costs a meeting's media (issue 7).
 *
 *   bench-media [--only frame|latency|receive|join] [--seconds S] [--joins N]
 *
 * Each section reports its figures against a baseline measured in the same
 * run (docs/benchmarks.md). The meeting sections start conclave-server and
 * conclave-bot from this build on loopback. Not a timed test: run it by hand.
 */
#include "bench-media.h"

#include <gst/gst.h>
#include <stdio.h>
#include <stdlib.h>

int
main (int argc, char *argv[])
{
  g_autofree char *only = NULL;
  double seconds = 1.0;
  int joins = 2;
  g_autoptr (GOptionContext) context = g_option_context_new ("— media benchmarks of issue 7");
  g_autoptr (GError) error = NULL;
  const GOptionEntry entries[] = {
    { "only", 0, 0, G_OPTION_ARG_STRING, &only, "Run one section: frame, latency, receive or join", "SECTION" },
    { "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &seconds, "Scale of each measurement (default 1)", "S" },
    { "joins", 0, 0, G_OPTION_ARG_INT, &joins, "Joins measured by the join section (default 2)", "N" },
    { NULL }
  };

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-media: %s\n", error->message);
      return 2;
    }
  setvbuf (stdout, NULL, _IOLBF, 0);

  if (only == NULL || g_str_equal (only, "frame"))
    bench_media_frame_run (0.3 * seconds);
  if (only == NULL || g_str_equal (only, "latency"))
    bench_media_latency_run (20 * seconds);
  if (only == NULL || g_str_equal (only, "receive"))
    bench_media_receive_run (15 * seconds);
  if (only == NULL || g_str_equal (only, "join"))
    bench_media_join_run ((guint) MAX (joins, 1));
  return 0;
}

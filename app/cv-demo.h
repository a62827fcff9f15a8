#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Starts n conclave-bot participants (test media, each its own process) in
 * the meeting of invite, for the demo a newcomer sees on first launch.
 * Returns the GSubprocess array; force-exit them to end the demo. */
GPtrArray *cv_demo_spawn_bots (const char  *invite,
                               guint        n,
                               GError     **error);

G_END_DECLS

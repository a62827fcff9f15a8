#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Registers Conclave's private elements (cvsframeenc, cvsframedec, ...) with
 * GStreamer, once; gst_init() must have been called. */
void cv_media_plugin_register (void);

G_END_DECLS

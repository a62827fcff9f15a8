/* The private GStreamer plugin of Conclave: only registration lives here. */
#include "config.h"

#include <gst/gst.h>

#include "cv-media-plugin.h"
#include "cv-sframe-dec.h"
#include "cv-sframe-depay.h"
#include "cv-sframe-enc.h"
#include "cv-sframe-pay.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  return gst_element_register (plugin, "cvsframeenc", GST_RANK_NONE, CV_TYPE_SFRAME_ENC)
      && gst_element_register (plugin, "cvsframedec", GST_RANK_NONE, CV_TYPE_SFRAME_DEC)
      && gst_element_register (plugin, "cvsframepay", GST_RANK_NONE, CV_TYPE_SFRAME_PAY)
      && gst_element_register (plugin, "cvsframedepay", GST_RANK_NONE, CV_TYPE_SFRAME_DEPAY);
}

void
cv_media_plugin_register (void)
{
  static gsize registered = 0;

  if (g_once_init_enter (&registered))
    {
      gboolean ok = gst_plugin_register_static (GST_VERSION_MAJOR, GST_VERSION_MINOR, "conclave",
                                                "Conclave's end-to-end encryption elements",
                                                plugin_init, PACKAGE_VERSION, "GPL",
                                                "conclave", "conclave", "https://conclave.example.org");
      if (!ok)
        g_critical ("cannot register Conclave's GStreamer elements");
      g_once_init_leave (&registered, 1);
    }
}

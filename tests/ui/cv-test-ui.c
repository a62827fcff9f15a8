#include "config.h"

#include <glib/gstdio.h>

#include "conclave-resources.h"
#include "cv-test-ui.h"

void
cv_test_ui_init (int    *argc,
                 char ***argv)
{
  GdkDisplay *display;

  /* The schema compiled into the build dir, not an installed one. */
  g_setenv ("GSETTINGS_SCHEMA_DIR", SCHEMAS_DIR, TRUE);
  gtk_test_init (argc, argv, NULL);
  adw_init ();
  conclave_register_resource ();
  display = gdk_display_get_default ();
  g_assert_nonnull (display);
  /* What CvApplication's resource-base-path does for the app. */
  gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (display), "/org/conclave/Conclave/icons");
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
cv_test_ui_iterate (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

void
cv_test_ui_wait_mapped (GtkWidget *widget)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (!(gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      cv_test_ui_iterate (20);
    }
  /* A few frames for layout and the first paint. */
  cv_test_ui_iterate (300);
}

typedef gboolean (*WidgetMatch) (GtkWidget *widget, gconstpointer data);

static GtkWidget *
find (GtkWidget     *root,
      WidgetMatch    match,
      gconstpointer  data)
{
  if (match (root, data))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find (child, match, data);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
label_is (GtkWidget     *widget,
          gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

static gboolean
label_contains (GtkWidget     *widget,
                gconstpointer  text)
{
  return GTK_IS_LABEL (widget) && strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL;
}

static gboolean
is_type (GtkWidget     *widget,
         gconstpointer  type)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (type));
}

static gboolean
row_titled (GtkWidget     *widget,
            gconstpointer  title)
{
  return ADW_IS_PREFERENCES_ROW (widget)
         && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

GtkLabel *
cv_test_ui_find_label (GtkWidget  *root,
                       const char *text)
{
  return (GtkLabel *) find (root, label_is, text);
}

GtkLabel *
cv_test_ui_find_label_containing (GtkWidget  *root,
                                  const char *text)
{
  return (GtkLabel *) find (root, label_contains, text);
}

GtkWidget *
cv_test_ui_find_type (GtkWidget *root,
                      GType      type)
{
  return find (root, is_type, GSIZE_TO_POINTER (type));
}

GtkWidget *
cv_test_ui_find_row (GtkWidget  *root,
                     const char *title)
{
  return find (root, row_titled, title);
}

AdwMessageDialog *
cv_test_ui_find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();
  AdwMessageDialog *found = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (toplevels) && found == NULL; i++)
    {
      g_autoptr (GObject) window = g_list_model_get_item (toplevels, i);
      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        found = ADW_MESSAGE_DIALOG (window);
    }
  return found;
}

static guint
count_colours (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  gsize stride = (gsize) width * 4;
  g_autofree guchar *pixels = g_malloc (stride * (gsize) height);
  g_autoptr (GHashTable) colours = g_hash_table_new (NULL, NULL);

  gdk_texture_download (texture, pixels, stride);
  for (gsize i = 0; i < stride * (gsize) height; i += 4)
    {
      guint32 pixel;
      memcpy (&pixel, pixels + i, 4);
      g_hash_table_add (colours, GUINT_TO_POINTER (pixel));
    }
  return g_hash_table_size (colours);
}

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       data)
{
  *(gboolean *) data = TRUE;
}

/* A widget changed since its last frame has no render node to take: draw
 * a fresh frame first. */
static void
wait_for_paint (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  gboolean painted = FALSE;
  gulong handler;

  g_assert_nonnull (clock);
  handler = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &painted);
  gtk_widget_queue_draw (widget);
  while (!painted)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      cv_test_ui_iterate (10);
    }
  g_signal_handler_disconnect (clock, handler);
}

char *
cv_test_ui_screenshot (GtkWidget  *widget,
                       const char *name)
{
  const char *build_root = g_getenv ("MESON_BUILD_ROOT");
  g_autofree char *dir = g_build_filename (build_root ? build_root : ".", "screenshots", NULL);
  g_autofree char *file = g_strconcat (name, ".png", NULL);
  char *path = g_build_filename (dir, file, NULL);
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  GskRenderer *renderer;
  guint colours;

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  wait_for_paint (widget);

  gdk_paintable_snapshot (paintable, snapshot, width, height);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_assert_nonnull (renderer);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_nonnull (texture);
  g_assert_true (gdk_texture_save_to_png (texture, path));

  colours = count_colours (texture);
  g_test_message ("screenshot: %s (%dx%d, %u colours)", path, width, height, colours);
  /* Text and icons antialias into many shades; a failed render has a few. */
  g_assert_cmpuint (colours, >, 20);
  return path;
}

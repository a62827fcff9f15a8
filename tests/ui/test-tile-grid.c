/* CvTileGrid: tiles fill the space, pages hold what fits, paging shows the
 * others, and a smaller window makes more pages. */
#include "config.h"

#include <locale.h>

#include "cv-test-ui.h"
#include "cv-tile-grid.h"

static guint
count_shown (CvTileGrid *grid,
             GtkWidget **first_shown)
{
  guint n = 0;

  *first_shown = NULL;
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (grid)); c; c = gtk_widget_get_next_sibling (c))
    if (gtk_widget_get_child_visible (c))
      {
        if (n++ == 0)
          *first_shown = c;
        /* Tiles are 16:9 and no smaller than 240×135. */
        g_assert_cmpint (gtk_widget_get_width (c), >=, 240);
        g_assert_cmpint (gtk_widget_get_height (c), >=, 135);
        g_assert_cmpint (abs (gtk_widget_get_width (c) * 9 - gtk_widget_get_height (c) * 16), <, 16 * 2);
      }
  return n;
}

static void
test_layout_and_pages (void)
{
  GtkWidget *window = gtk_window_new ();
  CvTileGrid *grid = CV_TILE_GRID (cv_tile_grid_new ());
  GtkWidget *tiles[30], *first;
  guint per_page, shown, total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (tiles); i++)
    {
      g_autofree char *name = g_strdup_printf ("Tile %u", i);
      tiles[i] = gtk_label_new (name);
      cv_tile_grid_append (grid, tiles[i]);
    }
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 600);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (grid));
  gtk_window_present (GTK_WINDOW (window));
  cv_test_ui_wait_mapped (GTK_WIDGET (grid));

  /* 1000×600 holds 4 columns × 4 rows of the smallest tiles. */
  per_page = cv_tile_grid_get_per_page (grid);
  g_test_message ("per page at 1000x600: %u, pages: %u", per_page, cv_tile_grid_get_n_pages (grid));
  g_assert_cmpuint (per_page, ==, 16);
  g_assert_cmpuint (cv_tile_grid_get_n_pages (grid), ==, 2);
  shown = count_shown (grid, &first);
  g_assert_cmpuint (shown, ==, 16);
  g_assert_true (first == tiles[0]);

  /* Every tile is on exactly one page. */
  for (guint page = 0; page < cv_tile_grid_get_n_pages (grid); page++)
    {
      cv_tile_grid_set_page (grid, page);
      cv_test_ui_iterate (100);
      total += count_shown (grid, &first);
    }
  g_assert_cmpuint (total, ==, G_N_ELEMENTS (tiles));
  g_assert_true (first == tiles[16]);

  /* The active speaker moves to the front of page one. */
  cv_tile_grid_move_to_front (grid, tiles[20]);
  cv_tile_grid_set_page (grid, 0);
  cv_test_ui_iterate (100);
  count_shown (grid, &first);
  g_assert_true (first == tiles[20]);

  /* Few tiles grow to fill the space: two tiles side by side, large. */
  for (guint i = 2; i < G_N_ELEMENTS (tiles); i++)
    cv_tile_grid_remove (grid, tiles[i]);
  cv_test_ui_iterate (100);
  g_assert_cmpuint (cv_tile_grid_get_n_pages (grid), ==, 1);
  g_assert_cmpuint (count_shown (grid, &first), ==, 2);
  g_assert_cmpint (gtk_widget_get_width (first), >, 450);

  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int argc, char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  cv_test_ui_init (&argc, &argv);

  g_test_add_func ("/tile-grid/layout-and-pages", test_layout_and_pages);
  return g_test_run ();
}

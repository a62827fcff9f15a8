#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CV_TYPE_TILE_GRID (cv_tile_grid_get_type ())
G_DECLARE_FINAL_TYPE (CvTileGrid, cv_tile_grid, CV, TILE_GRID, GtkWidget)

/* Lays its children out as a grid of 16:9 tiles as large as the space
 * allows; what does not fit at the smallest tile size goes on further
 * pages. The order of the children is the order of the tiles. */
GtkWidget *cv_tile_grid_new           (void);
void       cv_tile_grid_append        (CvTileGrid *self,
                                       GtkWidget  *tile);
void       cv_tile_grid_remove        (CvTileGrid *self,
                                       GtkWidget  *tile);
/* Makes tile the first one (the active speaker). */
void       cv_tile_grid_move_to_front (CvTileGrid *self,
                                       GtkWidget  *tile);
guint      cv_tile_grid_get_n_tiles   (CvTileGrid *self);
guint      cv_tile_grid_get_page      (CvTileGrid *self);
void       cv_tile_grid_set_page      (CvTileGrid *self,
                                       guint       page);
guint      cv_tile_grid_get_n_pages   (CvTileGrid *self);
/* How many tiles one page holds at the current size. */
guint      cv_tile_grid_get_per_page  (CvTileGrid *self);

G_END_DECLS
